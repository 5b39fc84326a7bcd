/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Confinement: a seccomp-bpf filter per thread kind, compiled from
 * sandbox_rules.c with libseccomp when vmm is built, and installed by each
 * thread for itself once its set-up is done, so each keeps only the system
 * calls its work needs. A vCPU thread
 * runs KVM_RUN and device emulation; the main thread runs the event loop
 * and the I/O backends. Whatever else a thread asks the kernel for is refused:
 *
 *   kill (default)  the process is killed at once (SIGSYS, exit 159);
 *   log             vmm prints which thread made which system call and
 *                   exits with VMM_EXIT_SECCOMP (for finding a missing rule);
 *   off             no filter (for debugging), announced with a warning.
 */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

enum sandbox_mode {
	SANDBOX_KILL = 0,
	SANDBOX_LOG,
	SANDBOX_OFF,
};

enum sandbox_thread {
	SANDBOX_VCPU,
	SANDBOX_MAIN,
	SANDBOX_API,
};

/* sandbox_parse_mode() - "kill", "log", "off" → 0 or -EINVAL. */
int sandbox_parse_mode(const char *s, enum sandbox_mode *out);

/*
 * sandbox_prepare() - use the filters of @mode, which were compiled when
 * vmm was built (sandbox_filters.h): nothing is built here. For log, this
 * installs the SIGSYS handler that names a refused call. Call on the main
 * thread before any thread enters the sandbox. 0 or -errno (logged).
 */
int sandbox_prepare(enum sandbox_mode mode);

/*
 * sandbox_enter() - install the prepared filter for @kind on the calling
 * thread (threads it creates afterwards inherit it); nothing when the mode
 * is off. Returns 0 or -errno (logged; -EINVAL before sandbox_prepare());
 * on failure the thread is unconfined and the caller must stop the VM.
 */
int sandbox_enter(enum sandbox_thread kind);

/*
 * sandbox_drop_privileges() - once every file and device vmm needs is
 * open: chroot to @chroot_dir (NULL: stay), then, if @drop_user, become
 * @uid:@gid with no supplementary groups, and check root cannot be
 * regained. Call before any vCPU thread exists. 0 or -errno (logged).
 */
int sandbox_drop_privileges(const char *chroot_dir, int drop_user,
			    unsigned int uid, unsigned int gid);

#endif
