// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/thread.c: vmm's threads get the stack it asks for, and a
 * mapping that small cannot get a transparent huge page.
 */
#include "thread.h"

#include <stdint.h>
#include <stdio.h>

#include "unit.h"

struct seen {
	size_t stacksize;
	uint64_t mapping; /* bytes in the mapping the stack is in */
};

/* The length of the /proc/self/maps line that holds @addr, or 0. */
static uint64_t mapping_of(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	uint64_t len = 0;
	char line[512];

	ck_assert_ptr_nonnull(f);
	while (!len && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo &&
		    addr < hi)
			len = hi - lo;
	fclose(f);
	return len;
}

static void *probe(void *arg)
{
	struct seen *s = arg;
	pthread_attr_t attr;
	volatile char here = 0;

	ck_assert_int_eq(pthread_getattr_np(pthread_self(), &attr), 0);
	ck_assert_int_eq(pthread_attr_getstacksize(&attr, &s->stacksize), 0);
	pthread_attr_destroy(&attr);
	s->mapping = mapping_of((uintptr_t)&here);
	return NULL;
}

START_TEST(a_thread_runs_on_a_stack_of_the_set_size)
{
	struct seen s = { 0, 0 };
	pthread_t t;

	ck_assert_int_eq(thread_start(&t, probe, &s), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(s.stacksize, THREAD_STACK_SIZE);
	/* Found, and too small to hold an aligned 2 MiB block. */
	ck_assert_uint_gt(s.mapping, 0);
	ck_assert_uint_lt(s.mapping, 2u << 20);
}
END_TEST

static Suite *thread_suite(void)
{
	Suite *s = suite_create("thread");
	TCase *tc = tcase_create("start");

	unit_add_tests(tc, a_thread_runs_on_a_stack_of_the_set_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(thread_suite());
}
