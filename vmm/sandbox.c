// SPDX-License-Identifier: GPL-2.0-only
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "exit_codes.h"
#include "log.h"
#include "sandbox_filters.h"

int sandbox_parse_mode(const char *s, enum sandbox_mode *out)
{
	if (strcmp(s, "kill") == 0)
		*out = SANDBOX_KILL;
	else if (strcmp(s, "log") == 0)
		*out = SANDBOX_LOG;
	else if (strcmp(s, "off") == 0)
		*out = SANDBOX_OFF;
	else
		return -EINVAL;
	return 0;
}

static const char *thread_names[] = {
	[SANDBOX_VCPU] = "a vCPU thread",
	[SANDBOX_MAIN] = "the main thread",
	[SANDBOX_API] = "the API thread",
};

static __thread enum sandbox_thread current_kind;

/*
 * --seccomp=log: name the refused call and stop. The name comes from
 * libseccomp, which copies it with strdup(): not async-signal-safe, so a
 * refusal from inside malloc could hang here -- acceptable in a debug mode
 * whose whole job is to end the process with a name.
 */
static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char msg[256];
	char *name;
	int n;

	(void)sig;
	(void)uctx;
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
						si->si_syscall);
	n = snprintf(msg, sizeof(msg),
		     "vmm: error: seccomp: %s made system call %d (%s), which "
		     "its filter does not allow; stopping (exit %d)\n",
		     thread_names[current_kind], si->si_syscall,
		     name ? name : "unknown", VMM_EXIT_SECCOMP);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		n = 0;
	/* The raw call: a sanitizer's _exit() interceptor would make more. */
	syscall(SYS_exit_group, VMM_EXIT_SECCOMP);
}

/* The mode sandbox_prepare() chose; sandbox_enter() refuses before it. */
static enum sandbox_mode filter_mode;
static int prepared;

int sandbox_prepare(enum sandbox_mode mode)
{
	prepared = 0;
	filter_mode = mode;
	if (mode == SANDBOX_LOG) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0) {
			int ret = -errno;

			pr_err("seccomp log mode: SIGSYS handler: %s",
			       strerror(-ret));
			return ret;
		}
	}
	prepared = 1;
	return 0;
}

int sandbox_enter(enum sandbox_thread kind)
{
	const struct sandbox_filter *f;
	struct sock_fprog prog;

	if (!prepared) {
		pr_err("seccomp filter for %s: not prepared",
		       thread_names[kind]);
		return -EINVAL;
	}
	if (filter_mode == SANDBOX_OFF)
		return 0;
	current_kind = kind;
	f = &sandbox_filters[filter_mode][kind];
	/* The kernel only reads the program: const is kept on our side. */
	prog.len = f->len;
	prog.filter = (struct sock_filter *)(uintptr_t)f->insns;
	/* This thread only (no TSYNC); seccomp requires no_new_privs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		int ret = -errno;

		pr_err("seccomp filter for %s: %s", thread_names[kind],
		       strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * The jailer part: everything vmm needs from the file system and its
 * privileges is open by now (/dev/kvm, kernel, initrd, disks), so it can
 * give up the rest before the guest runs. chroot first (it needs the
 * privilege), then groups, group, user -- in that order, or the later
 * ones would no longer be allowed.
 */
int sandbox_drop_privileges(const char *chroot_dir, int drop_user,
			    unsigned int uid, unsigned int gid)
{
	if (chroot_dir && (chroot(chroot_dir) < 0 || chdir("/") < 0)) {
		pr_err("--chroot '%s': %s", chroot_dir, strerror(errno));
		return -errno;
	}
	if (!drop_user)
		return 0;
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		pr_err("--user %u:%u: %s", uid, gid, strerror(errno));
		return -errno;
	}
	/* Make sure there is no way back. */
	if (uid != 0 && setuid(0) == 0) {
		pr_err("--user %u:%u: could regain root; refusing to run", uid,
		       gid);
		return -EPERM;
	}
	pr_info("running as %u:%u%s%s", uid, gid, chroot_dir ? " in " : "",
		chroot_dir ? chroot_dir : "");
	return 0;
}
