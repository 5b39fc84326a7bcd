// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/vcpu/mmio_ring.c: replaying KVM's coalesced MMIO ring, with
 * a fake ring page filled the way KVM fills it.
 */
#include "vcpu/mmio_ring.h"

#include <linux/kvm.h>

#include "devices/mmio_bus.h"
#include "unit.h"

static uint8_t seen[4096];
static size_t nseen;

static void dev_write(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned int len)
{
	(void)opaque;
	(void)off;
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_lt(nseen, sizeof(seen));
	seen[nseen++] = data[0];
}

static void dev_read(void *opaque, uint64_t off, uint8_t *data,
		     unsigned int len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
}

static const struct mmio_ops dev_ops = { .read = dev_read, .write = dev_write };
static struct mmio_bus bus;
static struct mmio_ring ring;
static uint64_t page_buf[4096 / 8];
static struct kvm_coalesced_mmio_ring *kring;

/* KVM's side (with the pre-6.12 room check): 0 when it would exit. */
static int kvm_put(uint8_t byte)
{
	uint32_t max = mmio_ring_capacity(sizeof(page_buf));
	uint32_t last = kring->last;

	if ((kring->first - last - 1) % max == 0)
		return 0;
	kring->coalesced_mmio[last].phys_addr = 0x1000;
	kring->coalesced_mmio[last].len = 1;
	kring->coalesced_mmio[last].data[0] = byte;
	kring->last = (last + 1) % max;
	return 1;
}

static void setup(void)
{
	struct mmio_region r = {
		.name = "dev", .base = 0x1000, .size = 8, .ops = &dev_ops
	};

	memset(page_buf, 0, sizeof(page_buf));
	nseen = 0;
	kring = (struct kvm_coalesced_mmio_ring *)page_buf;
	mmio_bus_init(&bus);
	ck_assert_int_eq(mmio_bus_register(&bus, &r), 0);
	ck_assert_int_eq(
		mmio_ring_init(&ring, page_buf, sizeof(page_buf), &bus), 0);
}

static void teardown(void)
{
	mmio_ring_destroy(&ring);
}

START_TEST(capacity_matches_kvm)
{
	ck_assert_uint_eq(ring.max, (4096 - 8) / 24);
}
END_TEST

/* Every byte, once, in order, over many wraps of the ring. */
START_TEST(replays_in_order_across_wraps)
{
	unsigned int sent = 0, exits = 0;

	while (sent < 3000) {
		if (kvm_put((uint8_t)sent)) {
			sent++;
		} else {
			/* A full ring exits: the write is replayed after it. */
			exits++;
			mmio_ring_drain(&ring);
			dev_write(NULL, 0, &(uint8_t){ (uint8_t)sent }, 1);
			sent++;
		}
		if (sent % 97 == 0)
			mmio_ring_drain(&ring);
	}
	mmio_ring_drain(&ring);
	ck_assert_uint_eq(nseen, 3000);
	for (unsigned int i = 0; i < 3000; i++)
		ck_assert_uint_eq(seen[i], (uint8_t)i);
	ck_assert_uint_gt(exits, 0);
}
END_TEST

/* KVM's pre-6.12 check misses "full" at first 0, last max - 1: never go there.
 */
START_TEST(never_hands_back_slot_zero_as_first)
{
	uint32_t max = ring.max;

	for (uint32_t i = 0; i < max - 1 && kvm_put('a'); i++)
		mmio_ring_drain(&ring);
	/* The drainer has wrapped to 0 while KVM keeps writing. */
	while (ring.next != 0) {
		ck_assert_int_eq(kvm_put('b'), 1);
		mmio_ring_drain(&ring);
	}
	ck_assert_uint_ne(kring->first, 0);
	/* Fill as far as KVM lets us: nothing may be overwritten. */
	unsigned int queued = 0;

	while (kvm_put('c'))
		queued++;
	ck_assert_uint_lt(queued, max);
	size_t before = nseen;

	mmio_ring_drain(&ring);
	ck_assert_uint_eq(nseen - before, queued);
}
END_TEST

START_TEST(bad_length_is_skipped_and_no_ring_is_a_no_op)
{
	struct mmio_ring none;

	kvm_put('x');
	kring->coalesced_mmio[0].len = 99;
	kvm_put('y');
	mmio_ring_drain(&ring);
	ck_assert_uint_eq(nseen, 1);
	ck_assert_uint_eq(seen[0], 'y');
	ck_assert_uint_eq(ring.bad, 1);
	ck_assert_int_eq(mmio_ring_init(&none, NULL, 4096, &bus), 0);
	mmio_ring_drain(&none);
	mmio_ring_drain(NULL);
	mmio_ring_destroy(&none);
}
END_TEST

static Suite *mmio_ring_suite(void)
{
	Suite *s = suite_create("mmio_ring");
	TCase *tc = tcase_create("mmio_ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, capacity_matches_kvm, replays_in_order_across_wraps,
		       never_hands_back_slot_zero_as_first,
		       bad_length_is_skipped_and_no_ring_is_a_no_op);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(mmio_ring_suite());
}
