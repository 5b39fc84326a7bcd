// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/memory/guest_mem.c (bounds-checked guest RAM access, over
 * malloc'd "RAM") and layout.c (the IPA size for a RAM size).
 */
#include "memory/guest_mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memory/layout.h"
#include "unit.h"

#define BASE	 0x80000000ULL
#define RAM_SIZE SZ_64K

static uint8_t *ram;
static struct guest_mem mem;

static void setup(void)
{
	ram = calloc(1, RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
	guest_mem_init_from(&mem, BASE, ram, RAM_SIZE);
}

static void teardown(void)
{
	guest_mem_free(&mem);
	free(ram);
}

/* guest_mem_ptr() refuses [gpa, gpa + len), and so does contains(). */
static void assert_outside(gpa_t gpa, uint64_t len)
{
	ck_assert_msg(guest_mem_ptr(&mem, gpa, len) == NULL,
		      "[%#llx, +%#llx) accepted", (unsigned long long)gpa,
		      (unsigned long long)len);
	ck_assert(!guest_mem_contains(&mem, gpa, len));
}

/* guest_mem_ptr() maps [gpa, gpa + len) to its byte in ram[]. */
static void assert_inside(gpa_t gpa, uint64_t len)
{
	ck_assert_ptr_eq(guest_mem_ptr(&mem, gpa, len), ram + (gpa - BASE));
	ck_assert(guest_mem_contains(&mem, gpa, len));
}

START_TEST(ptr_at_base)
{
	assert_inside(BASE, 1);
	assert_inside(BASE, 8);
}
END_TEST

START_TEST(ptr_at_last_byte)
{
	assert_inside(BASE + RAM_SIZE - 1, 1);
}
END_TEST

START_TEST(range_ending_at_end)
{
	assert_inside(BASE + RAM_SIZE - 16, 16);
	assert_inside(BASE, RAM_SIZE);
}
END_TEST

START_TEST(one_byte_past_end)
{
	assert_outside(BASE + RAM_SIZE - 16, 17);
	assert_outside(BASE + RAM_SIZE, 1);
	assert_outside(BASE, RAM_SIZE + 1);
}
END_TEST

START_TEST(below_base)
{
	assert_outside(BASE - 1, 1);
	assert_outside(BASE - 1, 2); /* straddles the start */
	assert_outside(0, 1);
}
END_TEST

START_TEST(len_overflow)
{
	assert_outside(BASE + 8, UINT64_MAX);
	assert_outside(BASE + 8, UINT64_MAX - (BASE + 8) + 1); /* ends at 0 */
	assert_outside(BASE + 8, UINT64_MAX - (BASE + 8) + 9); /* wraps to 8 */
	assert_outside(UINT64_MAX, 2);
}
END_TEST

START_TEST(len_zero)
{
	assert_inside(BASE, 0);
	assert_inside(BASE + RAM_SIZE, 0); /* at the end */
	assert_outside(BASE + RAM_SIZE + 1, 0);
	assert_outside(BASE - 1, 0);
}
END_TEST

START_TEST(read_write_inside)
{
	uint8_t in[32], out[32];

	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i + 1);
	gpa_t end = BASE + RAM_SIZE;

	ck_assert_int_eq(guest_mem_write(&mem, end - 32, in, 32), 0);
	ck_assert_mem_eq(ram + RAM_SIZE - 32, in, 32);
	ck_assert_int_eq(guest_mem_read(&mem, end - 32, out, 32), 0);
	ck_assert_mem_eq(out, in, 32);
}
END_TEST

START_TEST(read_write_outside_fault)
{
	uint8_t buf[32];

	memset(buf, 0x77, sizeof(buf));
	/* Partly inside: refused as a whole, nothing written. */
	ck_assert_int_eq(guest_mem_write(&mem, BASE + RAM_SIZE - 16, buf, 32),
			 -EFAULT);
	for (unsigned int i = 0; i < 16; i++)
		ck_assert_uint_eq(ram[RAM_SIZE - 16 + i], 0);
	ck_assert_int_eq(guest_mem_write(&mem, BASE - 4, buf, 8), -EFAULT);
	ck_assert_uint_eq(ram[0], 0);
	ck_assert_int_eq(guest_mem_read(&mem, BASE + RAM_SIZE, buf, 1),
			 -EFAULT);
	ck_assert_int_eq(guest_mem_read(&mem, BASE + 1, buf, UINT64_MAX),
			 -EFAULT);
}
END_TEST

START_TEST(alloc_is_zeroed_ram)
{
	struct guest_mem m2;
	uint64_t v = 1;

	ck_assert_int_eq(guest_mem_alloc(&m2, BASE, SZ_2M), 0);
	ck_assert_int_eq(guest_mem_read(&m2, BASE + SZ_2M - 8, &v, 8), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(guest_mem_write(&m2, BASE, &v, 8), 0);
	ck_assert_ptr_null(guest_mem_ptr(&m2, BASE + SZ_2M, 1));
	guest_mem_free(&m2);
	ck_assert_int_eq(guest_mem_alloc(&m2, BASE, 0), -EINVAL);
}
END_TEST

START_TEST(backends_are_zeroed_ram)
{
	static const enum guest_mem_backend b[] = { GUEST_MEM_ANON,
						    GUEST_MEM_MEMFD };

	for (unsigned int i = 0; i < 2; i++) {
		for (int pre = 0; pre < 2; pre++) {
			struct guest_mem m2;
			uint64_t v = 1;

			ck_assert_int_eq(guest_mem_alloc_backend(
						 &m2, BASE, SZ_2M, b[i], pre),
					 0);
			ck_assert_int_eq(
				guest_mem_read(&m2, BASE + SZ_1M, &v, 8), 0);
			ck_assert_uint_eq(v, 0);
			ck_assert_int_eq(guest_mem_write(&m2, BASE, &v, 8), 0);
			guest_mem_free(&m2);
		}
	}
}
END_TEST

/* Bytes of this process's mappings; of those with no access, in @none. */
static uint64_t mapped_bytes(uint64_t *none)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char perms[8], line[512];
	uint64_t all = 0;

	ck_assert_ptr_nonnull(f);
	*none = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		all += hi - lo;
		if (!strcmp(perms, "---p"))
			*none += hi - lo;
	}
	fclose(f);
	return all;
}

/*
 * KVM maps RAM with stage-2 blocks only if host address and IPA agree
 * modulo the block size: every mapping starts on a block boundary, and
 * the reservation that got it there leaves nothing behind.
 */
START_TEST(ram_starts_on_a_block)
{
	static const enum guest_mem_backend b[] = { GUEST_MEM_ANON,
						    GUEST_MEM_MEMFD };
	static const uint64_t sizes[] = { SZ_4K, SZ_2M, 3 * SZ_2M + SZ_64K,
					  64 * SZ_1M };
	uint64_t block = guest_mem_block_size();

	ck_assert_uint_eq(block, (uint64_t)sysconf(_SC_PAGESIZE) *
					 ((uint64_t)sysconf(_SC_PAGESIZE) / 8));
	for (unsigned int i = 0; i < 2; i++) {
		for (unsigned int j = 0; j < 4; j++) {
			struct guest_mem m2;
			uint64_t none0, none1, none2, all0, all1, all2;
			uint8_t *p;

			all0 = mapped_bytes(&none0);
			ck_assert_int_eq(guest_mem_alloc_backend(
						 &m2, BASE, sizes[j], b[i], 0),
					 0);
			all1 = mapped_bytes(&none1);
			p = m2.hva;
			ck_assert_msg((uintptr_t)p % block == 0,
				      "backend %u: RAM at %p", i, (void *)p);
			ck_assert_uint_eq(none1, none0);
			ck_assert_uint_eq(all1, all0 + sizes[j]);
			p[0] = 1;
			p[sizes[j] - 1] = 2;
			guest_mem_free(&m2);
			all2 = mapped_bytes(&none2);
			ck_assert_uint_eq(all2, all0);
			ck_assert_uint_eq(none2, none0);
		}
	}
}
END_TEST

START_TEST(free_leaves_caller_memory)
{
	guest_mem_free(&mem);
	ram[0] = 1; /* still the caller's: not unmapped */
	ck_assert_ptr_null(guest_mem_ptr(&mem, BASE, 1));
}
END_TEST

/* --- layout_ipa_bits ------------------------------------------------------ */

START_TEST(ipa_bits_examples)
{
	ck_assert_uint_eq(layout_ipa_bits(512 * SZ_1M), 32);
	ck_assert_uint_eq(layout_ipa_bits(2 * SZ_1G), 32); /* top is 4G */
	ck_assert_uint_eq(layout_ipa_bits(2 * SZ_1G + SZ_2M), 33);
	ck_assert_uint_eq(layout_ipa_bits(254 * SZ_1G), 38);
	ck_assert_uint_eq(layout_ipa_bits(254 * SZ_1G + SZ_2M), 39);
}
END_TEST

START_TEST(ipa_bits_cover_ram)
{
	/* Smallest size that covers the top of RAM, never below 32. */
	for (uint64_t size = SZ_2M; size < (1ULL << 50); size = 3 * size) {
		unsigned int bits = layout_ipa_bits(size);
		uint64_t top = LAYOUT_RAM_BASE + size;

		ck_assert_uint_ge(bits, 32);
		ck_assert_uint_ge(1ULL << bits, top);
		if (bits > 32)
			ck_assert_uint_lt(1ULL << (bits - 1), top);
	}
}
END_TEST

START_TEST(ipa_bits_overflow)
{
	ck_assert_uint_eq(layout_ipa_bits(UINT64_MAX), 0);
	ck_assert_uint_eq(layout_ipa_bits(UINT64_MAX - LAYOUT_RAM_BASE + 2), 0);
}
END_TEST

static Suite *guest_mem_suite(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("guest_mem");
	TCase *layout = tcase_create("layout");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, ptr_at_base, ptr_at_last_byte, range_ending_at_end,
		       one_byte_past_end, below_base, len_overflow, len_zero,
		       read_write_inside, read_write_outside_fault,
		       alloc_is_zeroed_ram, backends_are_zeroed_ram,
		       ram_starts_on_a_block, free_leaves_caller_memory);
	suite_add_tcase(s, tc);
	unit_add_tests(layout, ipa_bits_examples, ipa_bits_cover_ram,
		       ipa_bits_overflow);
	suite_add_tcase(s, layout);
	return s;
}

int main(void)
{
	return unit_run(guest_mem_suite());
}
