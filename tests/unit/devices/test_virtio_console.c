// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/virtio_console.c: output in ring order, input held
 * until the guest has spoken and has buffers, and bounded.
 */
#include "devices/virtio_console.h"

#include <linux/virtio_config.h>

#include "fake_vring.h"
#include "fake_irq.h"
#include "unit.h"

#define RX_DESC	 (FAKE_RAM_BASE + 0x6000)
#define RX_AVAIL (FAKE_RAM_BASE + 0x7000)
#define RX_USED	 (FAKE_RAM_BASE + 0x7800)

static struct fake_vring f; /* the transmit ring (queue 1) */
static struct virtio_mmio t;
static struct virtio_console c;
static char out[256];
static size_t out_len;
static int ready_calls;

static void sink(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	memcpy(out + out_len, buf, len);
	out_len += len;
}

static void ready(void *opaque)
{
	(void)opaque;
	ready_calls++;
}

static struct irq_line irq = FAKE_IRQ_LINE(18);

static void setup(void)
{
	ck_assert_int_eq(fake_vring_init(&f, 16), 0);
	virtio_console_init(&c, sink, ready, NULL);
	ck_assert_int_eq(virtio_mmio_init(&t, 3, &virtio_console_ops, &c, 2, 0,
					  &irq, &f.mem),
			 0);
	virtio_console_bind(&c, &t);
	/* Queue 1 (transmit) is the fake ring; queue 0 a second ring. */
	t.vqs[1] = f.vq;
	t.vqs[0] = f.vq;
	t.vqs[0].desc = RX_DESC;
	t.vqs[0].avail = RX_AVAIL;
	t.vqs[0].used = RX_USED;
	t.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		   VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
	out_len = 0;
	ready_calls = 0;
}

static void teardown(void)
{
	virtio_mmio_destroy(&t);
	fake_vring_free(&f);
}

static void transmit(const char *text, uint64_t at)
{
	memcpy(fake_ptr(&f, at), text, strlen(text));
	fake_desc(&f, f.avail_idx % 16, at, (uint32_t)strlen(text), 0, 0);
	fake_avail_add(&f, f.avail_idx % 16);
	virtio_mmio_notify(&t, 1);
}

/* Offer one 16-byte receive buffer at @at. */
static void offer_rx(uint64_t at)
{
	struct vring_desc d = { .addr = htole64(at),
				.len = htole32(16),
				.flags = htole16(VRING_DESC_F_WRITE) };
	uint16_t idx = fake_get16(&f, RX_AVAIL + 2);

	memcpy(fake_ptr(&f, RX_DESC + 16ULL * (idx % 16)), &d, sizeof(d));
	fake_set16(&f, RX_AVAIL + 4 + 2 * (idx % 16), idx % 16);
	fake_set16(&f, RX_AVAIL + 2, idx + 1);
	virtio_mmio_notify(&t, 0);
}

START_TEST(output_in_ring_order)
{
	transmit("hello ", FAKE_DATA);
	transmit("world\n", FAKE_DATA + 0x100);
	ck_assert_uint_eq(out_len, 12);
	ck_assert(memcmp(out, "hello world\n", 12) == 0);
	ck_assert_uint_eq(c.tx_requests, 2);
	ck_assert_uint_eq(fake_used_idx(&f), 2);
}
END_TEST

START_TEST(input_waits_until_guest_has_spoken)
{
	offer_rx(FAKE_DATA + 0x800);
	ck_assert_uint_eq(
		virtio_console_push_rx(&c, (const uint8_t *)"ls\n", 3), 3);
	/* Held: the guest has not written anything yet. */
	ck_assert_uint_eq(fake_get16(&f, RX_USED + 2), 0);
	transmit("# ", FAKE_DATA);
	ck_assert_uint_eq(fake_get16(&f, RX_USED + 2), 1);
	ck_assert(memcmp(fake_ptr(&f, FAKE_DATA + 0x800), "ls\n", 3) == 0);
	ck_assert_uint_eq(c.rx_bytes, 3);
}
END_TEST

START_TEST(input_waits_for_buffers_and_splits_across_them)
{
	const char *text = "0123456789abcdefXYZ"; /* 19 bytes: 2 buffers */

	transmit("# ", FAKE_DATA);
	virtio_console_push_rx(&c, (const uint8_t *)text, 19);
	ck_assert_uint_eq(fake_get16(&f, RX_USED + 2), 0);
	offer_rx(FAKE_DATA + 0x800);
	ck_assert_uint_eq(fake_get16(&f, RX_USED + 2), 1);
	ck_assert_uint_eq(c.in_len, 3);
	offer_rx(FAKE_DATA + 0x900);
	ck_assert_uint_eq(c.in_len, 0);
	ck_assert(memcmp(fake_ptr(&f, FAKE_DATA + 0x900), "XYZ", 3) == 0);
	ck_assert_int_gt(ready_calls, 0);
}
END_TEST

START_TEST(held_input_is_bounded)
{
	static uint8_t big[VIRTIO_CONSOLE_RX_BUF + 100];

	ck_assert_uint_eq(virtio_console_rx_space(&c), VIRTIO_CONSOLE_RX_BUF);
	ck_assert_uint_eq(virtio_console_push_rx(&c, big, sizeof(big)),
			  VIRTIO_CONSOLE_RX_BUF);
	ck_assert_uint_eq(virtio_console_rx_space(&c), 0);
	ck_assert_uint_eq(virtio_console_push_rx(&c, big, 1), 0);
}
END_TEST

static Suite *virtio_console_suite(void)
{
	Suite *s = suite_create("virtio_console");
	TCase *tc = tcase_create("virtio_console");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, output_in_ring_order,
		       input_waits_until_guest_has_spoken,
		       input_waits_for_buffers_and_splits_across_them,
		       held_input_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtio_console_suite());
}
