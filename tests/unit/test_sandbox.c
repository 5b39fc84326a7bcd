// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp filters: compiled for this machine when the tests are built
 * (scripts/gen-seccomp.c "native"), chosen by sandbox_prepare(), installed
 * per thread by sandbox_enter(). Each test runs in a process of its own
 * (Check's fork mode), so a filter installed here ends with the test. A
 * test that must live ends with the raw exit_group(0): what a normal exit
 * would do next (a sanitizer's leak check) is not in any filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exit_codes.h"
#include "sandbox.h"
#include "unit.h"

static void live_exit(void)
{
	syscall(SYS_exit_group, 0);
}

/* Confine this process as @kind under @mode, then call getppid(), which
 * is in no thread's list. */
static void refused_call(enum sandbox_mode mode, enum sandbox_thread kind)
{
	ck_assert_int_eq(sandbox_prepare(mode), 0);
	ck_assert_int_eq(sandbox_enter(kind), 0);
	syscall(SYS_getppid);
	live_exit();
}

START_TEST(vcpu_filter_allows_its_calls)
{
	struct timespec ts;
	char c = 'x';

	ck_assert_int_eq(sandbox_prepare(SANDBOX_KILL), 0);
	ck_assert_int_eq(sandbox_enter(SANDBOX_VCPU), 0);
	ck_assert_int_gt(getpid(), 0);
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	ck_assert_int_eq(write(STDERR_FILENO, &c, 0), 0);
	live_exit();
}
END_TEST

START_TEST(vcpu_filter_kills_on_a_refused_call)
{
	refused_call(SANDBOX_KILL, SANDBOX_VCPU);
}
END_TEST

/* openat is the main thread's, not a vCPU's. */
START_TEST(main_may_open_a_vcpu_may_not)
{
	int fd;

	ck_assert_int_eq(sandbox_prepare(SANDBOX_KILL), 0);
	ck_assert_int_eq(sandbox_enter(_i ? SANDBOX_VCPU : SANDBOX_MAIN), 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	live_exit();
}
END_TEST

/* ioctl is allowed by command: FIONREAD is the API thread's only. */
START_TEST(ioctl_is_filtered_by_command)
{
	int fds[2], n = -1;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(sandbox_prepare(SANDBOX_KILL), 0);
	ck_assert_int_eq(sandbox_enter(_i ? SANDBOX_VCPU : SANDBOX_API), 0);
	ck_assert_int_eq(ioctl(fds[0], FIONREAD, &n), 0);
	ck_assert_int_eq(n, 0);
	live_exit();
}
END_TEST

/* --seccomp=log: the refused call is named, and vmm exits 12. */
START_TEST(log_mode_exits_with_its_code)
{
	refused_call(SANDBOX_LOG, SANDBOX_MAIN);
}
END_TEST

START_TEST(off_installs_nothing)
{
	ck_assert_int_eq(sandbox_prepare(SANDBOX_OFF), 0);
	ck_assert_int_eq(sandbox_enter(SANDBOX_VCPU), 0);
	ck_assert_int_gt(syscall(SYS_getppid), 0);
	live_exit();
}
END_TEST

/* A thread that enters before the programs exist is told so (the caller
 * then stops the VM). */
START_TEST(enter_before_prepare_fails)
{
	ck_assert_int_eq(sandbox_enter(SANDBOX_VCPU), -EINVAL);
	ck_assert_int_gt(syscall(SYS_getppid), 0);
	live_exit();
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("filters");

	tcase_add_exit_test(tc, vcpu_filter_allows_its_calls, 0);
	tcase_add_test_raise_signal(tc, vcpu_filter_kills_on_a_refused_call,
				    SIGSYS);
	tcase_add_loop_exit_test(tc, main_may_open_a_vcpu_may_not, 0, 0, 1);
	tcase_add_loop_test_raise_signal(tc, main_may_open_a_vcpu_may_not,
					 SIGSYS, 1, 2);
	tcase_add_loop_exit_test(tc, ioctl_is_filtered_by_command, 0, 0, 1);
	tcase_add_loop_test_raise_signal(tc, ioctl_is_filtered_by_command,
					 SIGSYS, 1, 2);
	tcase_add_exit_test(tc, log_mode_exits_with_its_code, VMM_EXIT_SECCOMP);
	tcase_add_exit_test(tc, off_installs_nothing, 0);
	tcase_add_exit_test(tc, enter_before_prepare_fails, 0);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(sandbox_suite());
}
