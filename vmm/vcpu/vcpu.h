/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPUs: one thread each, looping on KVM_RUN and handling the exits that
 * reach userspace (MMIO through the bus, system events, ISV=0 aborts).
 * A vCPU never exits the process: what ends the VM is reported through
 * the vcpu_host callbacks and the VM stops every vCPU with vcpu_kick().
 */
#ifndef VMM_VCPU_VCPU_H
#define VMM_VCPU_VCPU_H

#include <pthread.h>
#include <stdint.h>

#include "vcpu/vcpu_state.h"

struct kvm;
struct kvm_run;
struct mmio_bus;
struct mmio_ring;

/* What a vCPU thread needs from the VM. */
struct vcpu_host {
	struct mmio_bus *bus;
	/* Coalesced writes: drained before every exit is handled. */
	struct mmio_ring *ring;
	/* Ask the VM to end with exit code @code (first request wins). */
	void (*request_stop)(void *opaque, int code, const char *why);
	void *opaque;
	int stopping; /* read atomically: set once the VM is ending */
	/*
	 * Set (atomically, before stopping) when the guest did not end on
	 * its own: each vCPU logs where it was as its thread ends.
	 */
	int report_state;
	int can_inject_dabt;
	int test_violation; /* test hook: a vCPU makes a refused call */
	/* Pausing (the control API): vCPUs park here until resumed. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	int paused;	     /* under pause_lock, read atomically too */
	unsigned int parked; /* under pause_lock */
};

struct vcpu {
	unsigned int id;
	int fd;
	struct kvm_run *run;
	int run_size;
	pthread_t thread;
	int thread_started;
	struct vcpu_host *host;
	uint64_t mpidr;
	/*
	 * Counters, written by the vCPU thread only; other threads read them
	 * with vcpu_stat() while it runs.
	 */
	uint64_t exits;
	uint64_t mmio_exits;
	uint64_t unhandled_mmio;
	uint64_t nisv_exits;
	uint64_t system_events;
	uint64_t interrupted; /* kicked out of KVM_RUN by a signal */
	/* Where it was, when host->report_state asked (read after join). */
	struct vcpu_state state;
	int state_read;
};

static inline uint64_t vcpu_stat(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/*
 * vcpu_create() - KVM_CREATE_VCPU @id, map its kvm_run, and init it (boot
 * vCPU 0 runs; others wait for PSCI CPU_ON). Returns 0 or -errno.
 */
int vcpu_create(struct vcpu *vcpu, struct kvm *kvm, unsigned int id,
		const void *target, struct vcpu_host *host);

/* vcpu_start() - start the thread that runs the vCPU. 0 or -errno. */
int vcpu_start(struct vcpu *vcpu);

/*
 * vcpu_kick() - make the vCPU leave KVM_RUN (or not enter it again) and
 * see host->stopping. Safe from any thread; the caller then joins.
 */
void vcpu_kick(struct vcpu *vcpu);

/* vcpu_join() - wait for the thread to end (no-op if never started). */
void vcpu_join(struct vcpu *vcpu);

void vcpu_destroy(struct vcpu *vcpu);

/* vcpu_host_init() - set up @host's pause lock; vcpu_host_destroy() frees. */
int vcpu_host_init(struct vcpu_host *host);
void vcpu_host_destroy(struct vcpu_host *host);

/*
 * vcpu_pause_all() - park the @n vCPUs (any thread but theirs): returns
 * once every running one is out of KVM_RUN and waiting, 0; -EALREADY if
 * paused, -EBUSY if the VM is stopping, -ETIMEDOUT if one did not park.
 */
int vcpu_pause_all(struct vcpu *vcpus, unsigned int n, struct vcpu_host *host);

/* vcpu_resume_all() - let parked vCPUs run. 0, or -EALREADY if running. */
int vcpu_resume_all(struct vcpu_host *host);

/* vcpu_host_wake() - wake parked vCPUs so they see host->stopping. */
void vcpu_host_wake(struct vcpu_host *host);

/*
 * vcpu_signals_init() - install the no-op SIGUSR1 handler used to kick
 * vCPUs out of KVM_RUN. Call once, before any vCPU thread starts.
 */
int vcpu_signals_init(void);

#endif
