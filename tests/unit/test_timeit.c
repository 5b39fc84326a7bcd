// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for scripts/timeit.c, the benchmark's clock: what it appends to
 * its output file, the exit status it passes on, and what the timed
 * command inherits. Each test runs in a process of its own (CK_FORK).
 */
#define main timeit_main
int timeit_main(int argc, char **argv);
#include "../../scripts/timeit.c"
#undef main

#include <stdlib.h>

#include "unit.h"

/* A fresh empty file for timeit's OUT; the caller unlinks it. */
static void temp_path(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/vmm-timeit.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static char arg0[] = "timeit", sh[] = "sh", dash_c[] = "-c";
static char missing[] = "/nonexistent/vmm-timeit-cmd";

/* timeit OUT sh -c SCRIPT: its exit status. */
static int run_sh(char *out, char *script)
{
	char *argv[] = { arg0, out, sh, dash_c, script, NULL };

	return timeit_main(5, argv);
}

/* Line @n (from 0) of @path: 1 if there was one. */
static int read_line(const char *path, int n, char *line, size_t len)
{
	FILE *f = fopen(path, "r");
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, (int)len, f))
		if (n-- == 0) {
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

/* Line @n of @path, which must be "us=US rc=RC start_us=T0". */
static void parse_line(const char *path, int n, long long *us, int *rc)
{
	char line[256];
	long long start_us;

	ck_assert_msg(read_line(path, n, line, sizeof(line)), "no line %d", n);
	ck_assert_msg(sscanf(line, "us=%lld rc=%d start_us=%lld", us, rc,
			     &start_us) == 3,
		      "line %d is \"%s\"", n, line);
	ck_assert_int_gt(start_us, 0);
}

START_TEST(test_line_and_status)
{
	char path[256], line[256];
	char ok[] = "exit 0", slow[] = "sleep 0.02; exit 3";
	long long us;
	int rc;

	temp_path(path, sizeof(path));
	ck_assert_int_eq(run_sh(path, ok), 0);
	ck_assert_int_eq(run_sh(path, slow), 3);
	/* Appended, one line a run, in order. */
	parse_line(path, 0, &us, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(us, 0);
	parse_line(path, 1, &us, &rc);
	ck_assert_int_eq(rc, 3);
	/* The sleep is in the time: start to exit, not start to exec. */
	ck_assert_int_ge(us, 20000);
	ck_assert(!read_line(path, 2, line, sizeof(line)));
	unlink(path);
}
END_TEST

START_TEST(test_killed_is_128_plus_signal)
{
	char path[256], kill[] = "kill -9 $$";
	long long us;
	int rc;

	temp_path(path, sizeof(path));
	ck_assert_int_eq(run_sh(path, kill), 128 + 9);
	parse_line(path, 0, &us, &rc);
	ck_assert_int_eq(rc, 128 + 9);
	unlink(path);
}
END_TEST

START_TEST(test_missing_command_is_127)
{
	char path[256], err[256], line[256];
	char *argv[] = { arg0, path, missing, NULL };
	int saved = dup(2), fd;
	ssize_t n;

	temp_path(path, sizeof(path));
	temp_path(err, sizeof(err));
	fd = open(err, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	ck_assert_int_eq(timeit_main(3, argv), 127);
	dup2(saved, 2);
	close(saved);
	/* No time for a run that never started. */
	ck_assert(!read_line(path, 0, line, sizeof(line)));
	fd = open(err, O_RDONLY);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	line[n] = '\0';
	ck_assert_str_contains(line, missing);
	ck_assert_str_contains(line, strerror(ENOENT));
	unlink(path);
	unlink(err);
}
END_TEST

START_TEST(test_out_not_inherited)
{
	char path[256], script[128];
	int next = dup(0);

	/* fopen() in timeit takes the lowest free descriptor: this one. */
	ck_assert_int_ge(next, 0);
	close(next);
	temp_path(path, sizeof(path));
	snprintf(script, sizeof(script), "test ! -e /proc/$$/fd/%d", next);
	ck_assert_int_eq(run_sh(path, script), 0);
	unlink(path);
}
END_TEST

static Suite *timeit_suite(void)
{
	Suite *s = suite_create("timeit");
	TCase *tc = tcase_create("core");

	unit_add_tests(tc, test_line_and_status, test_killed_is_128_plus_signal,
		       test_missing_command_is_127, test_out_not_inherited);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(timeit_suite());
}
