// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/devices/mmio_bus.c: the region table and access dispatch. */
#include "devices/mmio_bus.h"

#include <errno.h>
#include <stdio.h>

#include "unit.h"

/* A device that records its last access and reads as 0xa0, 0xa1, ... */
struct fake_dev {
	int reads, writes;
	uint64_t offset;
	unsigned int len;
	uint8_t data[8];
};

static void fake_read(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len)
{
	struct fake_dev *d = opaque;

	d->reads++;
	d->offset = offset;
	d->len = len;
	for (unsigned int i = 0; i < len; i++)
		data[i] = (uint8_t)(0xa0 + i);
}

static void fake_write(void *opaque, uint64_t offset, const uint8_t *data,
		       unsigned int len)
{
	struct fake_dev *d = opaque;

	d->writes++;
	d->offset = offset;
	d->len = len;
	memcpy(d->data, data, len);
}

static const struct mmio_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
};

static struct mmio_bus bus;
static struct fake_dev dev_a, dev_b;

static void setup(void)
{
	mmio_bus_init(&bus);
	memset(&dev_a, 0, sizeof(dev_a));
	memset(&dev_b, 0, sizeof(dev_b));
}

static int add(const char *name, gpa_t base, uint64_t size,
	       struct fake_dev *dev)
{
	struct mmio_region r = {
		.name = name, .base = base, .size = size,
		.ops = &fake_ops, .opaque = dev,
	};

	return mmio_bus_register(&bus, &r);
}

START_TEST(register_and_find)
{
	struct mmio_region *r;

	/* Out of order on purpose: the bus sorts. */
	ck_assert_int_eq(add("b", 0x9010000, 0x1000, &dev_b), 0);
	ck_assert_int_eq(add("a", 0x9000000, 0x1000, &dev_a), 0);
	r = mmio_bus_find(&bus, 0x9000000, 4);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "a");
	ck_assert_ptr_eq(r->opaque, &dev_a);
	r = mmio_bus_find(&bus, 0x9010800, 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "b");
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x9008000, 1));
}
END_TEST

START_TEST(register_keeps_a_copy)
{
	struct mmio_region r = {
		.name = "a", .base = 0x1000, .size = 0x1000,
		.ops = &fake_ops, .opaque = &dev_a,
	};

	ck_assert_int_eq(mmio_bus_register(&bus, &r), 0);
	r.base = 0x5000;
	r.name = "changed";
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x5000, 1));
	ck_assert_str_eq(mmio_bus_find(&bus, 0x1000, 1)->name, "a");
}
END_TEST

START_TEST(overlap_rejected)
{
	ck_assert_int_eq(add("a", 0x1000, 0x1000, &dev_a), 0);
	ck_assert_int_eq(add("same", 0x1000, 0x1000, &dev_b), -EEXIST);
	ck_assert_int_eq(add("inside", 0x1800, 0x100, &dev_b), -EEXIST);
	ck_assert_int_eq(add("around", 0x0, 0x10000, &dev_b), -EEXIST);
	ck_assert_int_eq(add("low edge", 0x800, 0x801, &dev_b), -EEXIST);
	ck_assert_int_eq(add("high edge", 0x1fff, 0x1000, &dev_b), -EEXIST);
	ck_assert_uint_eq(bus.count, 1);
}
END_TEST

START_TEST(adjacent_regions_ok)
{
	ck_assert_int_eq(add("mid", 0x2000, 0x1000, &dev_a), 0);
	ck_assert_int_eq(add("below", 0x1000, 0x1000, &dev_b), 0);
	ck_assert_int_eq(add("above", 0x3000, 0x1000, &dev_b), 0);
	ck_assert_str_eq(mmio_bus_find(&bus, 0x1fff, 1)->name, "below");
	ck_assert_str_eq(mmio_bus_find(&bus, 0x2000, 1)->name, "mid");
	ck_assert_str_eq(mmio_bus_find(&bus, 0x2fff, 1)->name, "mid");
	ck_assert_str_eq(mmio_bus_find(&bus, 0x3000, 1)->name, "above");
}
END_TEST

START_TEST(zero_size_rejected)
{
	ck_assert_int_eq(add("empty", 0x1000, 0, &dev_a), -EINVAL);
	ck_assert_uint_eq(bus.count, 0);
}
END_TEST

START_TEST(wrapping_range_rejected)
{
	ck_assert_int_eq(add("wrap", UINT64_MAX - 0xfff, 0x2000, &dev_a),
			 -EINVAL);
	ck_assert_int_eq(add("huge", 0x1000, UINT64_MAX, &dev_a), -EINVAL);
	ck_assert_uint_eq(bus.count, 0);
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x0, 1));
}
END_TEST

START_TEST(region_may_end_at_top_of_address_space)
{
	uint8_t data[4] = { 0 };

	ck_assert_int_eq(add("top", UINT64_MAX - 0xfff, 0x1000, &dev_a), 0);
	ck_assert_ptr_nonnull(mmio_bus_find(&bus, UINT64_MAX, 1));
	ck_assert_ptr_null(mmio_bus_find(&bus, UINT64_MAX - 1, 4));
	/* Anything overlapping it, up to the last byte, is refused. */
	ck_assert_int_eq(add("under", UINT64_MAX - 0x1fff, 0x1001, &dev_b),
			 -EEXIST);
	ck_assert_int_eq(mmio_bus_access(&bus, UINT64_MAX - 3, data, 4, 0), 0);
}
END_TEST

START_TEST(table_full)
{
	for (uint64_t i = 1; i <= MMIO_BUS_MAX_REGIONS; i++)
		ck_assert_int_eq(add("r", 0x10000 * i, 0x1000, &dev_a), 0);
	ck_assert_int_eq(add("one more", 0x0, 0x1000, &dev_a), -ENOSPC);
	ck_assert_uint_eq(bus.count, MMIO_BUS_MAX_REGIONS);
}
END_TEST

START_TEST(find_among_many)
{
	char names[MMIO_BUS_MAX_REGIONS][8];
	unsigned int i;

	/* Register in a scrambled order, then look every one up. */
	for (i = 0; i < MMIO_BUS_MAX_REGIONS; i++) {
		unsigned int k = (i * 37) % MMIO_BUS_MAX_REGIONS;

		snprintf(names[k], sizeof(names[k]), "r%u", k);
		ck_assert_int_eq(add(names[k], 0x10000 * k, 0x200, &dev_a), 0);
	}
	for (i = 0; i < MMIO_BUS_MAX_REGIONS; i++) {
		struct mmio_region *r = mmio_bus_find(&bus, 0x10000 * i + 0x1ff,
						      1);

		ck_assert_ptr_nonnull(r);
		ck_assert_ptr_eq(r->name, names[i]);
		ck_assert_ptr_null(mmio_bus_find(&bus, 0x10000 * i + 0x200, 1));
	}
}
END_TEST

START_TEST(find_at_edges)
{
	ck_assert_int_eq(add("a", 0x9000000, 0x1000, &dev_a), 0);
	ck_assert_ptr_nonnull(mmio_bus_find(&bus, 0x9000000, 1));
	ck_assert_ptr_nonnull(mmio_bus_find(&bus, 0x9000fff, 1));
	ck_assert_ptr_nonnull(mmio_bus_find(&bus, 0x9000ff8, 8));
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x9001000, 1));
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x8ffffff, 1));
	/* Straddling the end, or the start, finds nothing. */
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x9000ffe, 4));
	ck_assert_ptr_null(mmio_bus_find(&bus, 0x8fffffe, 4));
}
END_TEST

START_TEST(straddling_two_regions_unhandled)
{
	uint8_t data[4] = { 1, 2, 3, 4 };

	ck_assert_int_eq(add("a", 0x1000, 0x1000, &dev_a), 0);
	ck_assert_int_eq(add("b", 0x2000, 0x1000, &dev_b), 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x1ffe, data, 4, 0), -ENOENT);
	ck_assert_int_eq(dev_a.reads + dev_b.reads, 0);
}
END_TEST

START_TEST(dispatch_passes_offset)
{
	uint8_t data[8] = { 0x11, 0x22, 0x33, 0x44 };

	ck_assert_int_eq(add("a", 0x9000000, 0x1000, &dev_a), 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9000010, data, 4, 1), 0);
	ck_assert_int_eq(dev_a.writes, 1);
	ck_assert_uint_eq(dev_a.offset, 0x10);
	ck_assert_uint_eq(dev_a.len, 4);
	ck_assert_mem_eq(dev_a.data, data, 4);

	memset(data, 0, sizeof(data));
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9000ff8, data, 8, 0), 0);
	ck_assert_int_eq(dev_a.reads, 1);
	ck_assert_uint_eq(dev_a.offset, 0xff8);
	ck_assert_uint_eq(dev_a.len, 8);
	ck_assert_uint_eq(data[0], 0xa0);
	ck_assert_uint_eq(data[7], 0xa7);
}
END_TEST

START_TEST(unmapped_reads_zero)
{
	uint8_t data[8];

	ck_assert_int_eq(add("a", 0x9000000, 0x1000, &dev_a), 0);
	memset(data, 0xff, sizeof(data));
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9001000, data, 8, 0), -ENOENT);
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[i], 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x0, data, 4, 1), -ENOENT);
	ck_assert_int_eq(dev_a.reads + dev_a.writes, 0);
	ck_assert_uint_eq(bus.unhandled, 2);
}
END_TEST

START_TEST(bad_length_rejected)
{
	uint8_t data[16];

	ck_assert_int_eq(add("a", 0x9000000, 0x1000, &dev_a), 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9000000, data, 0, 0), -EINVAL);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9000000, data, 0, 1), -EINVAL);
	memset(data, 0xff, sizeof(data));
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9000000, data, 9, 0), -EINVAL);
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[i], 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x9000000, data, 9, 1), -EINVAL);
	ck_assert_int_eq(dev_a.reads + dev_a.writes, 0);
}
END_TEST

START_TEST(access_counters)
{
	uint8_t data[4] = { 0 };

	ck_assert_int_eq(add("a", 0x1000, 0x1000, &dev_a), 0);
	ck_assert_int_eq(add("b", 0x2000, 0x1000, &dev_b), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(mmio_bus_access(&bus, 0x1004, data, 4, i & 1),
				 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x2000, data, 1, 0), 0);
	ck_assert_int_eq(mmio_bus_access(&bus, 0x3000, data, 1, 0), -ENOENT);
	ck_assert_uint_eq(mmio_bus_find(&bus, 0x1000, 1)->accesses, 3);
	ck_assert_uint_eq(mmio_bus_find(&bus, 0x2000, 1)->accesses, 1);
	ck_assert_uint_eq(bus.unhandled, 1);
}
END_TEST

static Suite *mmio_bus_suite(void)
{
	Suite *s = suite_create("mmio_bus");
	TCase *tc = tcase_create("mmio_bus");

	tcase_add_checked_fixture(tc, setup, NULL);
	unit_add_tests(tc, register_and_find, register_keeps_a_copy,
		       overlap_rejected, adjacent_regions_ok,
		       zero_size_rejected, wrapping_range_rejected,
		       region_may_end_at_top_of_address_space, table_full,
		       find_among_many, find_at_edges,
		       straddling_two_regions_unhandled, dispatch_passes_offset,
		       unmapped_reads_zero, bad_length_rejected,
		       access_counters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(mmio_bus_suite());
}
