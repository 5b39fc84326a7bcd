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
	int can_inject_dabt;
	int sandbox_mode;   /* enum sandbox_mode, for each vCPU thread */
	int test_violation; /* test hook: a vCPU makes a refused call */
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
	/* Counters, written by the vCPU thread, read after it is joined. */
	uint64_t exits;
	uint64_t mmio_exits;
	uint64_t unhandled_mmio;
	uint64_t nisv_exits;
};

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

/*
 * vcpu_signals_init() - install the no-op SIGUSR1 handler used to kick
 * vCPUs out of KVM_RUN. Call once, before any vCPU thread starts.
 */
int vcpu_signals_init(void);

#endif
