// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/devices/virtio_rng.c: buffers filled from the source. */
#include "devices/virtio_rng.h"

#include <errno.h>

#include "fake_vring.h"
#include "fake_irq.h"
#include "unit.h"

static struct fake_vring f;
static struct virtio_mmio t;
static struct virtio_rng rng;
static size_t source_budget; /* bytes the fake source gives before failing */

static ssize_t fake_source(void *buf, size_t len)
{
	if (source_budget == 0)
		return -1;
	if (len > source_budget)
		len = source_budget;
	memset(buf, 0xab, len);
	source_budget -= len;
	return (ssize_t)len;
}

static struct irq_line irq = FAKE_IRQ_LINE(17);

static void setup(void)
{
	ck_assert_int_eq(fake_vring_init(&f, 16), 0);
	virtio_rng_init(&rng, fake_source);
	ck_assert_int_eq(virtio_mmio_init(&t, 4, &virtio_rng_ops, &rng, 1, 0,
					  &irq, &f.mem),
			 0);
	t.vqs[0] = f.vq; /* the driver's ring, already enabled */
	t.status = 0xf;	 /* up to DRIVER_OK */
	source_budget = SIZE_MAX;
}

static void teardown(void)
{
	virtio_mmio_destroy(&t);
	fake_vring_free(&f);
}

static void used(uint16_t i, uint32_t *id, uint32_t *len)
{
	struct vring_used_elem e;

	memcpy(&e, fake_ptr(&f, FAKE_USED + 4 + 8ULL * i), sizeof(e));
	*id = le32toh(e.id);
	*len = le32toh(e.len);
}

START_TEST(buffers_are_filled)
{
	uint8_t *a = fake_ptr(&f, FAKE_DATA), *b = fake_ptr(&f, FAKE_DATA + 64);
	uint32_t id, len;

	fake_desc(&f, 0, FAKE_DATA, 64, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
		  1);
	fake_desc(&f, 1, FAKE_DATA + 64, 32, VRING_DESC_F_WRITE, 0);
	fake_avail_add(&f, 0);
	virtio_mmio_notify(&t, 0);
	used(0, &id, &len);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(len, 96);
	ck_assert_uint_eq(a[0], 0xab);
	ck_assert_uint_eq(a[63], 0xab);
	ck_assert_uint_eq(b[31], 0xab);
	ck_assert_uint_eq(b[32], 0); /* nothing past the buffer */
	ck_assert_uint_eq(rng.bytes, 96);
}
END_TEST

START_TEST(failing_source_reports_what_it_gave)
{
	uint32_t id, len;

	source_budget = 10;
	fake_desc(&f, 0, FAKE_DATA, 64, VRING_DESC_F_WRITE, 0);
	fake_avail_add(&f, 0);
	virtio_mmio_notify(&t, 0);
	used(0, &id, &len);
	ck_assert_uint_eq(len, 10);
}
END_TEST

START_TEST(readable_buffers_are_not_written)
{
	uint32_t id, len;
	uint8_t *a = fake_ptr(&f, FAKE_DATA);

	fake_desc(&f, 0, FAKE_DATA, 64, 0, 0);
	fake_avail_add(&f, 0);
	virtio_mmio_notify(&t, 0);
	used(0, &id, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(a[0], 0);
}
END_TEST

START_TEST(huge_requests_are_capped)
{
	uint32_t id, len;

	/* 8 segments of 32 KiB (they may overlap: the guest decides). */
	for (uint16_t i = 0; i < 8; i++)
		fake_desc(&f, i, FAKE_DATA, 32768,
			  VRING_DESC_F_WRITE | (i < 7 ? VRING_DESC_F_NEXT : 0),
			  i + 1);
	fake_avail_add(&f, 0);
	virtio_mmio_notify(&t, 0);
	used(0, &id, &len);
	ck_assert_uint_eq(len, VIRTIO_RNG_MAX_REQUEST);
	ck_assert_uint_eq(rng.bytes, VIRTIO_RNG_MAX_REQUEST);
}
END_TEST

START_TEST(no_features_no_config)
{
	uint8_t b[4] = { 1, 2, 3, 4 };

	ck_assert_uint_eq(virtio_rng_ops.features(&rng), 0);
	virtio_mmio_ops.read(&t, 0x100, b, 4);
	ck_assert_uint_eq(b[0] | b[1] | b[2] | b[3], 0);
}
END_TEST

static Suite *virtio_rng_suite(void)
{
	Suite *s = suite_create("virtio_rng");
	TCase *tc = tcase_create("virtio_rng");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, buffers_are_filled,
		       failing_source_reports_what_it_gave,
		       readable_buffers_are_not_written,
		       huge_requests_are_capped, no_features_no_config);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtio_rng_suite());
}
