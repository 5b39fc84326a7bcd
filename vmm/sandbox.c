// SPDX-License-Identifier: GPL-2.0-only
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <linux/vhost.h>
#include <seccomp.h>

#include "exit_codes.h"
#include "log.h"

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

/* What every thread does: memory, locks, signals, logs, leaving. */
static const char *const common_syscalls[] = {
	"read",
	"write",
	"readv",
	"writev",
	"futex",
	"rt_sigreturn",
	"rt_sigprocmask",
	/* Thread exit: glibc and the sanitizer runtimes tear down the
	 * alternate signal stack. */
	"sigaltstack",
	"exit",
	"exit_group",
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"brk",
	"madvise",
	"clock_gettime",
	"clock_nanosleep",
	"nanosleep",
	"getrandom",
	"restart_syscall",
	"sched_yield",
	"gettid",
	"getpid",
	"tgkill",
	"ppoll",
	/* The disk backends: io_uring, and the synchronous fallback, which a
	 * device reset on a vCPU thread can drive too. */
	"io_uring_enter",
	"pread64",
	"pwrite64",
	"preadv",
	"pwritev",
	"fdatasync",
	"fallocate",
};

/*
 * Only the main thread: the event loop, tearing down, the exit report.
 * timerfd_settime: a shutdown request arms the power button's timers
 * (created before the filter).
 */
static const char *const main_syscalls[] = {
	"epoll_pwait",
	"epoll_ctl",
	"close",
	"openat",
	"fstat",
	"newfstatat",
	"statx",
	"lseek",
	"fcntl",
	/* The shutdown timers; the UART ring's drain timer slows down when
	 * the guest is quiet. */
	"timerfd_settime",
};

/* The control API thread: libevent's loop on the socket, and removing the
 * socket file when it ends. */
static const char *const api_syscalls[] = {
	"epoll_pwait", "epoll_ctl", "accept4",	  "accept",	"close",
	"fcntl",       "shutdown",  "getsockopt", "setsockopt", "getsockname",
	"getpeername", "recvfrom",  "sendto",	  "unlinkat",
};

/*
 * KVM_SET_USER_MEMORY_REGION: the UART maps and unmaps its read-only
 * register page (slot 1) from whichever thread changes its state.
 */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN,
	KVM_SET_VCPU_EVENTS,
	KVM_IRQ_LINE,
	/* Where the guest was, logged when it is stopped for hanging. */
	KVM_GET_ONE_REG,
	KVM_GET_MP_STATE,
	/* The UART register page is mapped and unmapped on MMIO exits. */
	KVM_SET_USER_MEMORY_REGION,
	BLKDISCARD,
	BLKZEROOUT,
	TCGETS,
	/*
	 * vhost devices start their rings when the driver writes DRIVER_OK
	 * and stop them on its reset: MMIO writes, on a vCPU thread. Done
	 * there, synchronously, because a reset must be over before the
	 * write returns (the driver reuses the rings at once), and deferring
	 * to the event loop would deadlock on the transport lock it holds.
	 */
	VHOST_SET_FEATURES,
	VHOST_SET_VRING_NUM,
	VHOST_SET_VRING_BASE,
	VHOST_SET_VRING_ADDR,
	VHOST_GET_VRING_BASE,
	/* virtio-vsock: its backend on at DRIVER_OK, off at a reset. */
	VHOST_VSOCK_SET_RUNNING,
	/* vhost-net: the tap's offloads follow the driver's features, then
	 * the tap goes to (and comes back from) the kernel's data path. */
	TUNSETOFFLOAD,
	VHOST_NET_SET_BACKEND,
};

/* libevent asks how much a socket holds before reading it. */
static const unsigned long api_ioctls[] = { FIONREAD };

/* TUNSETOFFLOAD: virtio-net follows the guest's offloads on the loop. */
static const unsigned long main_ioctls[] = {
	KVM_IRQ_LINE,  KVM_SET_USER_MEMORY_REGION,
	BLKDISCARD,    BLKZEROOUT,
	TCGETS,	       TCSETS,
	TCSETSW,       TCSETSF,
	TUNSETOFFLOAD,
};

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

static int allow_all(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int ret;

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a system call on this architecture */
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int allow_ioctls(scmp_filter_ctx ctx, const unsigned long *cmds,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* The kernel takes the command as 32 bits: compare those. */
		struct scmp_arg_cmp cmd = {
			.arg = 1,
			.op = SCMP_CMP_MASKED_EQ,
			.datum_a = 0xffffffffULL,
			.datum_b = cmds[i] & 0xffffffffULL,
		};
		int ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
						 SCMP_SYS(ioctl), 1, &cmd);

		if (ret)
			return ret;
	}
	return 0;
}

/* Build the filter for @kind into @prog (BPF, malloc'd). */
static int build_filter(enum sandbox_thread kind, enum sandbox_mode mode,
			struct sock_fprog *prog)
{
	scmp_filter_ctx ctx;
	struct stat st;
	int ret, fd;

	ctx = seccomp_init(mode == SANDBOX_LOG ? SCMP_ACT_TRAP
					       : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	ret = allow_all(ctx, common_syscalls,
			sizeof(common_syscalls) / sizeof(char *));
	if (!ret && kind == SANDBOX_MAIN)
		ret = allow_all(ctx, main_syscalls,
				sizeof(main_syscalls) / sizeof(char *));
	if (!ret && kind == SANDBOX_API)
		ret = allow_all(ctx, api_syscalls,
				sizeof(api_syscalls) / sizeof(char *));
	if (!ret && kind == SANDBOX_VCPU)
		ret = allow_ioctls(ctx, vcpu_ioctls,
				   sizeof(vcpu_ioctls) /
					   sizeof(vcpu_ioctls[0]));
	if (!ret && kind == SANDBOX_API)
		ret = allow_ioctls(ctx, api_ioctls,
				   sizeof(api_ioctls) / sizeof(api_ioctls[0]));
	if (!ret && kind == SANDBOX_MAIN)
		ret = allow_ioctls(ctx, main_ioctls,
				   sizeof(main_ioctls) /
					   sizeof(main_ioctls[0]));
	/* libseccomp 2.5 exports the program only to a file descriptor. */
	fd = ret ? -1 : memfd_create("vmm-seccomp", MFD_CLOEXEC);
	if (!ret && fd < 0)
		ret = -errno;
	if (!ret)
		ret = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (!ret && fstat(fd, &st) < 0)
		ret = -errno;
	if (!ret &&
	    (st.st_size == 0 ||
	     st.st_size % (off_t)sizeof(struct sock_filter) ||
	     st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS))
		ret = -E2BIG;
	if (!ret) {
		prog->filter = malloc((size_t)st.st_size);
		prog->len = (unsigned short)(st.st_size /
					     (off_t)sizeof(struct sock_filter));
		if (!prog->filter)
			ret = -ENOMEM;
		else if (pread(fd, prog->filter, (size_t)st.st_size, 0) !=
			 st.st_size)
			ret = -EIO;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * The programs, built once by the main thread before any other thread
 * exists: a thread then installs its own with two system calls, and
 * libseccomp's work (and memory) is not repeated on every vCPU.
 */
static struct sock_fprog filters[SANDBOX_API + 1];
static enum sandbox_mode filter_mode;
static int prepared;

int sandbox_prepare(enum sandbox_mode mode)
{
	prepared = 0;
	filter_mode = mode;
	if (mode == SANDBOX_OFF) {
		prepared = 1;
		return 0;
	}
	if (mode == SANDBOX_LOG) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			return -errno;
	}
	for (int kind = 0; kind <= SANDBOX_API; kind++) {
		int ret;

		free(filters[kind].filter);
		filters[kind].filter = NULL;
		ret = build_filter((enum sandbox_thread)kind, mode,
				   &filters[kind]);
		if (ret) {
			pr_err("seccomp filter for %s: %s", thread_names[kind],
			       strerror(-ret));
			return ret;
		}
	}
	prepared = 1;
	return 0;
}

static pthread_t prepare_thread;
static int prepare_running, prepare_ret;

static void *prepare_main(void *mode)
{
	prepare_ret = sandbox_prepare((enum sandbox_mode)(uintptr_t)mode);
	return NULL;
}

void sandbox_prepare_start(enum sandbox_mode mode)
{
	/*
	 * "off" builds nothing: no thread for it. The helper inherits the
	 * caller's signal mask: it takes none.
	 */
	prepare_running = mode != SANDBOX_OFF &&
			  pthread_create(&prepare_thread, NULL, prepare_main,
					 (void *)(uintptr_t)mode) == 0;
	if (!prepare_running)
		prepare_ret = sandbox_prepare(mode);
}

int sandbox_prepare_wait(void)
{
	if (prepare_running) {
		pthread_join(prepare_thread, NULL);
		prepare_running = 0;
	}
	return prepare_ret;
}

int sandbox_enter(enum sandbox_thread kind)
{
	if (!prepared) {
		pr_err("seccomp filter for %s: not prepared",
		       thread_names[kind]);
		return -EINVAL;
	}
	if (filter_mode == SANDBOX_OFF)
		return 0;
	current_kind = kind;
	/* This thread only (no TSYNC); seccomp requires no_new_privs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filters[kind])) {
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
