/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What each thread kind's seccomp filter allows, as data: the system calls
 * by name and the ioctl commands by value. vmm does not read this when it
 * runs; scripts/gen-seccomp.c compiles it into BPF with libseccomp when vmm
 * is built (see sandbox.h).
 */
#ifndef VMM_SANDBOX_RULES_H
#define VMM_SANDBOX_RULES_H

#include <stddef.h>
/* Where the ioctl commands come from: the generated filters check each
 * against them. */
#include <sys/ioctl.h>
#include <termios.h>

#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vhost.h>

#include "sandbox.h"

struct sandbox_ioctl {
	const char *name; /* the macro, for the build's check of its value */
	unsigned long cmd;
};

struct sandbox_rules {
	const char *const *syscalls;
	size_t nsyscalls;
	const struct sandbox_ioctl *ioctls;
	size_t nioctls;
};

/* Every thread's calls (memory, locks, signals, logs, leaving, disk I/O). */
extern const struct sandbox_rules sandbox_common_rules;
/* What each kind may do on top of those, by enum sandbox_thread. */
extern const struct sandbox_rules sandbox_kind_rules[SANDBOX_API + 1];

#endif
