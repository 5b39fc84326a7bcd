// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules of the seccomp filters (sandbox_rules.h). Each list says why
 * a call is there; a thread kind gets the common list and its own.
 */
#include "sandbox_rules.h"

/* clang-format off */
#define IOCTL(c) { .name = #c, .cmd = (c) }
/* clang-format on */
#define N(a) (sizeof(a) / sizeof((a)[0]))

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
static const struct sandbox_ioctl vcpu_ioctls[] = {
	IOCTL(KVM_RUN),
	IOCTL(KVM_SET_VCPU_EVENTS),
	IOCTL(KVM_IRQ_LINE),
	/* Where the guest was, logged when it is stopped for hanging. */
	IOCTL(KVM_GET_ONE_REG),
	IOCTL(KVM_GET_MP_STATE),
	/* The UART register page is mapped and unmapped on MMIO exits. */
	IOCTL(KVM_SET_USER_MEMORY_REGION),
	IOCTL(BLKDISCARD),
	IOCTL(BLKZEROOUT),
	IOCTL(TCGETS),
	/*
	 * vhost devices start their rings when the driver writes DRIVER_OK
	 * and stop them on its reset: MMIO writes, on a vCPU thread. Done
	 * there, synchronously, because a reset must be over before the
	 * write returns (the driver reuses the rings at once), and deferring
	 * to the event loop would deadlock on the transport lock it holds.
	 */
	IOCTL(VHOST_SET_FEATURES),
	IOCTL(VHOST_SET_VRING_NUM),
	IOCTL(VHOST_SET_VRING_BASE),
	IOCTL(VHOST_SET_VRING_ADDR),
	IOCTL(VHOST_GET_VRING_BASE),
	/* virtio-vsock: its backend on at DRIVER_OK, off at a reset. */
	IOCTL(VHOST_VSOCK_SET_RUNNING),
	/* vhost-net: the tap's offloads follow the driver's features, then
	 * the tap goes to (and comes back from) the kernel's data path. */
	IOCTL(TUNSETOFFLOAD),
	IOCTL(VHOST_NET_SET_BACKEND),
};

/* libevent asks how much a socket holds before reading it. */
static const struct sandbox_ioctl api_ioctls[] = { IOCTL(FIONREAD) };

/* TUNSETOFFLOAD: virtio-net follows the guest's offloads on the loop. */
static const struct sandbox_ioctl main_ioctls[] = {
	IOCTL(KVM_IRQ_LINE),  IOCTL(KVM_SET_USER_MEMORY_REGION),
	IOCTL(BLKDISCARD),    IOCTL(BLKZEROOUT),
	IOCTL(TCGETS),	      IOCTL(TCSETS),
	IOCTL(TCSETSW),	      IOCTL(TCSETSF),
	IOCTL(TUNSETOFFLOAD),
};

const struct sandbox_rules sandbox_common_rules = {
	.syscalls = common_syscalls,
	.nsyscalls = N(common_syscalls),
};

const struct sandbox_rules sandbox_kind_rules[SANDBOX_API + 1] = {
	[SANDBOX_VCPU] = { .ioctls = vcpu_ioctls, .nioctls = N(vcpu_ioctls) },
	[SANDBOX_MAIN] = { .syscalls = main_syscalls,
			   .nsyscalls = N(main_syscalls),
			   .ioctls = main_ioctls,
			   .nioctls = N(main_ioctls) },
	[SANDBOX_API] = { .syscalls = api_syscalls,
			  .nsyscalls = N(api_syscalls),
			  .ioctls = api_ioctls,
			  .nioctls = N(api_ioctls) },
};
