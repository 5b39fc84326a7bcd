// SPDX-License-Identifier: GPL-2.0-only
/*
 * timeit - run a command and report how long it took, start to exit, for
 * the benchmark (scripts/bench-inner.sh). The shell's clock there is
 * /proc/uptime (10 ms steps) and every $(...) is a fork: too coarse for a
 * VMM whose whole life is tens of milliseconds. This takes
 * CLOCK_MONOTONIC just before posix_spawn() and just after waitpid().
 *
 *   timeit OUT CMD [ARGS...]
 *
 * Appends "us=MICROSECONDS rc=STATUS start_us=T0" to OUT (T0: the
 * CLOCK_MONOTONIC microsecond it started, to line up with the mono_ns of
 * vmm's --events), and exits with CMD's status
 * (128 + signal if it was killed; 127 if it could not be started).
 *
 *   timeit --noop
 *
 * exits 0 at once: timed by another timeit, the floor that a static
 * program's exec, start-up and exit cost on this host.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long long t0, t1;
	int status, rc, err;
	FILE *out;
	pid_t pid;

	if (argc == 2 && strcmp(argv[1], "--noop") == 0)
		return 0;
	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUT CMD [ARGS...]\n");
		return 2;
	}
	out = fopen(argv[1], "a");
	if (!out) {
		fprintf(stderr, "timeit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	t0 = now_us();
	err = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
	if (err) {
		fprintf(stderr, "timeit: %s: %s\n", argv[2], strerror(err));
		fclose(out);
		return 127;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 2;
	t1 = now_us();
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "us=%lld rc=%d start_us=%lld\n", t1 - t0, rc, t0);
	if (fclose(out))
		return 2;
	return rc;
}
