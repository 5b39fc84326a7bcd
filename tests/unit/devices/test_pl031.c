// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/devices/pl031.c: the RTC the guest reads its date from. */
#include "devices/pl031.h"

#include "unit.h"

enum { RTCDR = 0x00, RTCMR = 0x04, RTCLR = 0x08, RTCCR = 0x0c,
       RTCIMSC = 0x10, RTCRIS = 0x14, RTCMIS = 0x18 };

static time_t fake_now;

static time_t fake_clock(void)
{
	return fake_now;
}

static int irq_calls;

static void fake_set_level(struct irq_line *line, int level)
{
	(void)line;
	(void)level;
	irq_calls++;
}

static struct irq_line irq = { .set_level = fake_set_level, .spi = 2 };
static struct pl031 rtc;

static void setup(void)
{
	fake_now = 1700000000; /* 2023-11-14 */
	irq_calls = 0;
	ck_assert_int_eq(pl031_init(&rtc, &irq, fake_clock), 0);
}

static void teardown(void)
{
	pl031_destroy(&rtc);
}

/* A 32-bit guest load/store, as Linux's rtc-pl031 driver makes them. */
static uint32_t rd(uint64_t off)
{
	uint8_t b[4];

	pl031_ops.read(&rtc, off, b, 4);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	pl031_ops.write(&rtc, off, b, 4);
}

START_TEST(data_register_is_the_clock)
{
	ck_assert_uint_eq(rd(RTCDR), 1700000000);
	fake_now += 5;
	ck_assert_uint_eq(rd(RTCDR), 1700000005);
}
END_TEST

START_TEST(load_sets_guest_time)
{
	wr(RTCLR, 1000);
	ck_assert_uint_eq(rd(RTCDR), 1000);
	fake_now += 10;
	ck_assert_uint_eq(rd(RTCDR), 1010);
	/* Setting it forward works the same way. */
	wr(RTCLR, 2000000000);
	ck_assert_uint_eq(rd(RTCDR), 2000000000);
	fake_now += 1;
	ck_assert_uint_eq(rd(RTCDR), 2000000001);
}
END_TEST

START_TEST(load_register_reads_back_what_was_loaded)
{
	wr(RTCLR, 1234);
	fake_now += 100;
	ck_assert_uint_eq(rd(RTCLR), 1234);
	ck_assert_uint_eq(rd(RTCDR), 1334);
}
END_TEST

START_TEST(default_clock_is_host_time)
{
	time_t before, after;
	uint32_t v;

	pl031_destroy(&rtc);
	ck_assert_int_eq(pl031_init(&rtc, &irq, NULL), 0);
	before = time(NULL);
	v = rd(RTCDR);
	after = time(NULL);
	ck_assert_uint_ge(v, (uint32_t)before);
	ck_assert_uint_le(v, (uint32_t)after);
}
END_TEST

START_TEST(primecell_id)
{
	static const uint8_t id[8] = { 0x31, 0x10, 0x04, 0x00,
				       0x0d, 0xf0, 0x05, 0xb1 };

	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(rd(0xfe0 + 4 * i), id[i]);
}
END_TEST

START_TEST(control_reads_running)
{
	ck_assert_uint_eq(rd(RTCCR), 1);
}
END_TEST

START_TEST(alarm_never_raises_irq)
{
	wr(RTCIMSC, 1);
	wr(RTCMR, (uint32_t)fake_now + 1);
	fake_now += 2;
	ck_assert_uint_eq(rd(RTCDR), (uint32_t)fake_now);
	ck_assert_uint_eq(rd(RTCRIS), 0);
	ck_assert_uint_eq(rd(RTCMIS), 0);
	ck_assert_int_eq(irq_calls, 0);
}
END_TEST

static Suite *pl031_suite(void)
{
	Suite *s = suite_create("pl031");
	TCase *tc = tcase_create("pl031");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, data_register_is_the_clock, load_sets_guest_time,
		       load_register_reads_back_what_was_loaded,
		       default_clock_is_host_time, primecell_id,
		       control_reads_running, alarm_never_raises_irq);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(pl031_suite());
}
