/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every unit-test binary shares: adding its tests, running its one
 * suite, and an assertion for the "the message names X" checks on error
 * reasons.
 */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ck_assert_str_contains() - @hay contains @needle (both NUL-terminated). */
#define ck_assert_str_contains(hay, needle)                                    \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                         \
		      "\"%s\" does not contain \"%s\"", (hay), (needle))

/* unit_add_tests(tc, test, ...) - add every START_TEST named to @tc. */
#define unit_add_tests(tc, ...)                                                \
	do {                                                                   \
		const TTest *const tests_[] = { __VA_ARGS__ };                 \
		for (size_t i_ = 0; i_ < sizeof(tests_) / sizeof(tests_[0]);   \
		     i_++)                                                     \
			tcase_add_test((tc), tests_[i_]);                      \
	} while (0)

/* unit_run() - run @s with Check's usual output; the exit status for main. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
