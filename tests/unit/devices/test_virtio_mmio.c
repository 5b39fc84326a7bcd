// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/virtio_mmio.c: the register file a virtio driver
 * sees, driven the way Linux's virtio_mmio driver drives it, plus the
 * ways a driver can get it wrong.
 */
#include "devices/virtio_mmio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "fake_vring.h"
#include "unit.h"

#define DEV_FEATURE_BIT 5

static struct {
	int notified, resets, activated;
	unsigned int last_queue;
	uint8_t config[8];
} dev;

static int pulses;
static struct fake_vring f;
static struct virtio_mmio t;

static uint64_t fake_features(void *d)
{
	(void)d;
	return 1ULL << DEV_FEATURE_BIT;
}

static void fake_read_config(void *d, uint64_t off, uint8_t *data,
			     unsigned int len)
{
	(void)d;
	memcpy(data, dev.config + off, len);
}

static void fake_notify(void *d, struct virtio_mmio *tr, unsigned int q)
{
	(void)d;
	(void)tr;
	dev.notified++;
	dev.last_queue = q;
}

static void fake_reset(void *d)
{
	(void)d;
	dev.resets++;
}

static void fake_activate(void *d, struct virtio_mmio *tr)
{
	(void)d;
	(void)tr;
	dev.activated++;
}

static const struct virtio_dev_ops fake_ops = {
	.features = fake_features,
	.read_config = fake_read_config,
	.notify = fake_notify,
	.reset = fake_reset,
	.activate = fake_activate,
};

static void fake_pulse(struct irq_line *l)
{
	(void)l;
	pulses++;
}

static void fake_set(struct irq_line *l, int level)
{
	(void)l;
	(void)level;
}

static struct irq_line irq = { .set_level = fake_set,
			       .pulse = fake_pulse,
			       .spi = 16 };

static uint32_t rd(uint64_t off)
{
	uint8_t b[4];
	uint32_t v;

	virtio_mmio_ops.read(&t, off, b, 4);
	memcpy(&v, b, 4);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	virtio_mmio_ops.write(&t, off, b, 4);
}

static void setup(void)
{
	memset(&dev, 0, sizeof(dev));
	memcpy(dev.config, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	pulses = 0;
	ck_assert_int_eq(fake_vring_init(&f, 16), 0);
	ck_assert_int_eq(
		virtio_mmio_init(&t, 2, &fake_ops, &dev, 2, 8, &irq, &f.mem),
		0);
}

static void teardown(void)
{
	virtio_mmio_destroy(&t);
	fake_vring_free(&f);
}

/* What Linux does: status, features, FEATURES_OK, queue 0, DRIVER_OK. */
static void linux_probe(uint64_t features)
{
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(VIRTIO_MMIO_STATUS,
	   rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
}

static void setup_queue0(uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

#define MODERN (1ULL << VIRTIO_F_VERSION_1)

START_TEST(identity_registers)
{
	ck_assert_uint_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_ID), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VQ_NUM_MAX);
}
END_TEST

START_TEST(features_offered_in_two_words)
{
	uint64_t lo, hi;

	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	lo = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	hi = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert(lo & (1ULL << DEV_FEATURE_BIT));
	ck_assert(lo & (1ULL << VIRTIO_RING_F_INDIRECT_DESC));
	ck_assert(lo & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	ck_assert(hi & 1); /* VERSION_1 is bit 32 */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
}
END_TEST

START_TEST(features_ok_accepted_for_offered_set)
{
	linux_probe(MODERN | (1ULL << DEV_FEATURE_BIT) |
		    (1ULL << VIRTIO_RING_F_EVENT_IDX));
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert_int_eq(t.vqs[0].event_idx, 1);
	ck_assert_int_eq(t.vqs[0].indirect, 0);
}
END_TEST

START_TEST(features_ok_refused_for_unoffered_bit)
{
	linux_probe(MODERN | (1ULL << 40));
	ck_assert(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK));
}
END_TEST

START_TEST(features_ok_refused_for_legacy_driver)
{
	linux_probe(1ULL << DEV_FEATURE_BIT); /* no VERSION_1 */
	ck_assert(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK));
}
END_TEST

START_TEST(queue_setup_and_notify)
{
	linux_probe(MODERN);
	setup_queue0(FAKE_DESC, FAKE_AVAIL, FAKE_USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	wr(VIRTIO_MMIO_STATUS,
	   rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert_int_eq(dev.activated, 1);
	virtio_mmio_notify(&t, 0);
	ck_assert_int_eq(dev.notified, 1);
	/* A trapped QueueNotify write works the same. */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(dev.notified, 2);
	/* Nonexistent and unready queues are not the device's business. */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 9);
	ck_assert_int_eq(dev.notified, 2);
}
END_TEST

START_TEST(notify_before_driver_ok_is_ignored)
{
	linux_probe(MODERN);
	setup_queue0(FAKE_DESC, FAKE_AVAIL, FAKE_USED);
	virtio_mmio_notify(&t, 0);
	ck_assert_int_eq(dev.notified, 0);
}
END_TEST

START_TEST(queue_outside_ram_needs_reset)
{
	linux_probe(MODERN);
	wr(VIRTIO_MMIO_STATUS,
	   rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	setup_queue0(FAKE_DESC, LAYOUT_UART_BASE, FAKE_USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS),
			  VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(pulses, 1);
	virtio_mmio_notify(&t, 0);
	ck_assert_int_eq(dev.notified, 0);
}
END_TEST

START_TEST(queue_registers_frozen_while_ready)
{
	linux_probe(MODERN);
	setup_queue0(FAKE_DESC, FAKE_AVAIL, FAKE_USED);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	ck_assert_uint_eq(t.vqs[0].desc, FAKE_DESC);
}
END_TEST

START_TEST(reset_clears_everything)
{
	linux_probe(MODERN);
	setup_queue0(FAKE_DESC, FAKE_AVAIL, FAKE_USED);
	wr(VIRTIO_MMIO_STATUS,
	   rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_int_eq(dev.resets, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(t.driver_features, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(used_buffers_interrupt_and_ack)
{
	linux_probe(MODERN);
	setup_queue0(FAKE_DESC, FAKE_AVAIL, FAKE_USED);
	wr(VIRTIO_MMIO_STATUS,
	   rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vq_push(&t.vqs[0], 0, 1);
	virtio_mmio_used(&t, 0);
	ck_assert_int_eq(pulses, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS),
			  VIRTIO_MMIO_INT_VRING);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(config_space_bounded)
{
	uint8_t b[8] = { 0 };

	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 2, b, 2);
	ck_assert_uint_eq(b[0], 0x33);
	ck_assert_uint_eq(b[1], 0x44);
	/* Past the device's 8 bytes, and straddling its end: zeros. */
	memset(b, 0xff, sizeof(b));
	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 8, b, 4);
	ck_assert_uint_eq(b[0] | b[1] | b[2] | b[3], 0);
	memset(b, 0xff, sizeof(b));
	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 6, b, 4);
	ck_assert_uint_eq(b[0] | b[1] | b[2] | b[3], 0);
}
END_TEST

START_TEST(register_access_must_be_32_bit)
{
	uint8_t b[2] = { 0xff, 0xff };

	virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE, b, 2);
	ck_assert_uint_eq(b[0] | b[1], 0);
	b[0] = 0;
	virtio_mmio_ops.write(&t, VIRTIO_MMIO_STATUS, b, 1);
	b[0] = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	virtio_mmio_ops.write(&t, VIRTIO_MMIO_STATUS, b, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
}
END_TEST

static Suite *virtio_mmio_suite(void)
{
	Suite *s = suite_create("virtio_mmio");
	TCase *tc = tcase_create("virtio_mmio");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, identity_registers, features_offered_in_two_words,
		       features_ok_accepted_for_offered_set,
		       features_ok_refused_for_unoffered_bit,
		       features_ok_refused_for_legacy_driver,
		       queue_setup_and_notify,
		       notify_before_driver_ok_is_ignored,
		       queue_outside_ram_needs_reset,
		       queue_registers_frozen_while_ready,
		       reset_clears_everything, used_buffers_interrupt_and_ack,
		       config_space_bounded, register_access_must_be_32_bit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtio_mmio_suite());
}
