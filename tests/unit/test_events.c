// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/events.c: the JSON-lines lifecycle log scripts read. */
#include "events.h"

#include <stdio.h>
#include <unistd.h>

#include "unit.h"

static char path[] = "/tmp/vmm-events-XXXXXX";
static char text[4096];

static void setup(void)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	events_close();
	unlink(path);
	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
}

static const char *read_back(void)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

START_TEST(one_json_object_per_line)
{
	ck_assert_int_eq(events_open(path), 0);
	events_emit("created", NULL, NULL, 0);
	events_emit("shutdown_requested", "reason", "SIGTERM", 1);
	events_emit("exit", "code", "143", 0);
	read_back();
	ck_assert_str_contains(text, "{\"event\":\"created\",\"t_ms\":");
	ck_assert_str_contains(text, "{\"event\":\"shutdown_requested\","
				     "\"reason\":\"SIGTERM\",\"t_ms\":");
	ck_assert_str_contains(text, "{\"event\":\"exit\",\"code\":143,");
	/* Three lines, each a whole object. */
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	ck_assert_int_eq(text[strlen(text) - 2], '}');
	{
		int lines = 0;

		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		ck_assert_int_eq(lines, 3);
	}
}
END_TEST

START_TEST(open_truncates_and_null_path_is_silent)
{
	FILE *f = fopen(path, "w");

	fputs("stale\n", f);
	fclose(f);
	ck_assert_int_eq(events_open(path), 0);
	events_emit("created", NULL, NULL, 0);
	read_back();
	ck_assert_ptr_null(strstr(text, "stale"));
	events_close();
	ck_assert_int_eq(events_open(NULL), 0);
	events_emit("exit", "code", "0", 0); /* goes nowhere, fails nothing */
}
END_TEST

START_TEST(unwritable_path_is_an_error)
{
	ck_assert_int_lt(events_open("/nonexistent-dir/events.jsonl"), 0);
}
END_TEST

START_TEST(fields_are_written_as_given)
{
	ck_assert_int_eq(events_open(path), 0);
	events_emit_fields("shutdown_forced",
			   "\"reason\":\"SIGTERM\",\"grace_s\":2");
	read_back();
	ck_assert_str_contains(text, "{\"event\":\"shutdown_forced\","
				     "\"reason\":\"SIGTERM\",\"grace_s\":2,"
				     "\"t_ms\":");
	ck_assert_int_eq(text[strlen(text) - 2], '}');
}
END_TEST

START_TEST(time_moves_forward)
{
	uint64_t a = events_ms_since_start();

	usleep(20000);
	ck_assert_uint_ge(events_ms_since_start(), a + 15);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, one_json_object_per_line,
		       open_truncates_and_null_path_is_silent,
		       unwritable_path_is_an_error, fields_are_written_as_given,
		       time_moves_forward);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(events_suite());
}
