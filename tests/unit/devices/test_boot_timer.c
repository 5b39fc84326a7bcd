// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/devices/boot_timer.c: the guest's "I have booted". */
#include "devices/boot_timer.h"

#include "unit.h"

static int booted;
static struct boot_timer bt;

static void on_boot(void *opaque)
{
	(void)opaque;
	booted++;
}

static void setup(void)
{
	booted = 0;
	boot_timer_init(&bt, on_boot, NULL);
}

static void wr(uint64_t off, uint64_t v, unsigned int len)
{
	uint8_t b[8];

	memcpy(b, &v, sizeof(b));
	boot_timer_ops.write(&bt, off, b, len);
}

START_TEST(magic_fires_once)
{
	wr(0, BOOT_TIMER_MAGIC, 1);
	ck_assert_int_eq(booted, 1);
	wr(0, BOOT_TIMER_MAGIC, 4); /* a second boot report is ignored */
	ck_assert_int_eq(booted, 1);
}
END_TEST

START_TEST(other_values_and_offsets_are_noise)
{
	uint8_t b[4] = { 0xff, 0xff, 0xff, 0xff };

	wr(0, 122, 1);
	wr(0, 0, 8);
	wr(4, BOOT_TIMER_MAGIC, 1);
	ck_assert_int_eq(booted, 0);
	boot_timer_ops.read(&bt, 0, b, 4);
	ck_assert_uint_eq(b[0] | b[1] | b[2] | b[3], 0);
	ck_assert_ptr_null(boot_timer_ops.dt_node); /* not in the tree */
}
END_TEST

static Suite *boot_timer_suite(void)
{
	Suite *s = suite_create("boot_timer");
	TCase *tc = tcase_create("boot_timer");

	tcase_add_checked_fixture(tc, setup, NULL);
	unit_add_tests(tc, magic_fires_once,
		       other_values_and_offsets_are_noise);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(boot_timer_suite());
}
