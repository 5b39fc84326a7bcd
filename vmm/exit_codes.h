/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vmm's exit status tells a script. Documented in the README and in
 * --help; tests assert each one. Codes from 3 up never collide with a
 * shell's own (126, 127, 128+signal) except the two signal codes, which
 * follow the shell's convention on purpose.
 */
#ifndef VMM_EXIT_CODES_H
#define VMM_EXIT_CODES_H

enum vmm_exit_code {
	VMM_EXIT_POWEROFF = 0,	/* guest powered off (PSCI SYSTEM_OFF) */
	VMM_EXIT_INTERNAL = 1,	/* vmm failed: a KVM call, memory, a thread */
	VMM_EXIT_USAGE = 2,	/* bad command line */
	VMM_EXIT_BAD_INPUT = 3, /* kernel/initrd missing, invalid, too big */
	VMM_EXIT_NO_KVM = 4,	/* /dev/kvm missing or lacks a needed feature */
	/* A host resource an option asks for is missing or busy: a tap
	 * device, /dev/vhost-*, a vsock CID, hugetlbfs pages. */
	VMM_EXIT_HOST_RESOURCE = 5,
	VMM_EXIT_REBOOT = 10, /* guest rebooted (PSCI SYSTEM_RESET), panic=-1 */
	VMM_EXIT_CRASH = 11,  /* KVM reported a guest crash event */
	VMM_EXIT_SECCOMP = 12, /* --seccomp=log: a call vmm's filter refuses */
	/* Stopped hard by the control API, or a shutdown the API asked for
	 * outlived its grace period. */
	VMM_EXIT_HARD_STOP = 13,
	VMM_EXIT_TIMEOUT = 124, /* --timeout expired (as timeout(1) says) */
	VMM_EXIT_SIGHUP = 129,	/* stopped by SIGHUP */
	VMM_EXIT_SIGINT = 130,	/* stopped by SIGINT or the Ctrl-A x escape */
	VMM_EXIT_SIGTERM = 143, /* stopped by SIGTERM */
};

#endif
