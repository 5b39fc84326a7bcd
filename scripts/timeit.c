// SPDX-License-Identifier: GPL-2.0-only
/*
 * timeit - run a command and report how long it took, start to exit, for
 * the benchmark (scripts/bench-inner.sh). The shell's clock there is
 * /proc/uptime (10 ms steps) and every $(...) is a fork: too coarse for a
 * VMM whose whole life is tens of milliseconds. This takes
 * CLOCK_MONOTONIC just before vfork() and just after waitpid().
 *
 * vfork() and execvp() rather than posix_spawnp(): glibc's posix_spawn
 * child maps a stack of its own and then goes through every signal's
 * handler (122 rt_sigaction calls, traced) before it execs, to reset any
 * that are caught. timeit catches none, so none of that is needed, and on
 * the emulated arm64 host it cost about 2.5 ms of every run: counted as
 * the command's time on this clock, though none of it is the command's.
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
 *
 *   timeit --hold-vm
 *
 * creates an empty KVM VM (no memory, no vCPUs), prints "held", and keeps
 * it until killed: while any VM exists, the host kernel's work for the
 * first VM (KVM enabling virtualization on every CPU, and the static key
 * it switches, each a cross-CPU call) is not paid by the next VM, as on a
 * host that already runs VMs. Exits 1 if the VM cannot be created.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int hold_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0) {
		fprintf(stderr, "timeit: --hold-vm: %s: %s\n",
			kvm < 0 ? "/dev/kvm" : "KVM_CREATE_VM",
			strerror(errno));
		return 1;
	}
	if (printf("held\n") < 0 || fflush(stdout))
		return 1;
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	long long t0, t1;
	int status, rc, err, fds[2];
	FILE *out;
	pid_t pid;

	if (argc == 2 && strcmp(argv[1], "--noop") == 0)
		return 0;
	if (argc == 2 && strcmp(argv[1], "--hold-vm") == 0)
		return hold_vm();
	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUT CMD [ARGS...]\n");
		return 2;
	}
	out = fopen(argv[1], "ae");
	if (!out) {
		fprintf(stderr, "timeit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	/*
	 * A failed exec sends its errno down a close-on-exec pipe: with
	 * fork() semantics (valgrind gives vfork() those) the child's memory
	 * is not ours, and an exit status of 127 could be the command's own.
	 */
	if (pipe2(fds, O_CLOEXEC)) {
		fprintf(stderr, "timeit: pipe: %s\n", strerror(errno));
		fclose(out);
		return 2;
	}
	t0 = now_us();
	pid = vfork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
		fclose(out);
		return 2;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 2;
	t1 = now_us();
	if (read(fds[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		fprintf(stderr, "timeit: %s: %s\n", argv[2], strerror(err));
		fclose(out);
		return 127;
	}
	close(fds[0]);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "us=%lld rc=%d start_us=%lld\n", t1 - t0, rc, t0);
	if (fclose(out))
		return 2;
	return rc;
}
