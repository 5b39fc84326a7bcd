// SPDX-License-Identifier: GPL-2.0-only
#include "vcpu/vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "devices/mmio_bus.h"
#include "exit_codes.h"
#include "kvm.h"
#include "log.h"
#include "sandbox.h"
#include "thread.h"
#include "vcpu/arm64_regs.h"
#include "vcpu/mmio_ring.h"
#include "vcpu/vcpu_state.h"

#define VCPU_KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig; /* its only job is to make KVM_RUN return -EINTR */
}

int vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a kicked write(2) to a stuck stdout returns too. */
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int vcpu_create(struct vcpu *vcpu, struct kvm *kvm, unsigned int id,
		const void *target, struct vcpu_host *host)
{
	int ret;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->id = id;
	vcpu->host = host;
	vcpu->fd = kvm_ioctl_val(kvm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return vcpu->fd;
	vcpu->run_size = kvm->vcpu_mmap_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		ret = -errno;
		pr_err("mmap of vCPU %u's kvm_run: %s", id, strerror(-ret));
		vcpu->run = NULL;
		goto err_close;
	}
	ret = arm64_vcpu_init(vcpu->fd, target, id == 0);
	if (ret)
		goto err_unmap;
	ret = arm64_get_mpidr(vcpu->fd, &vcpu->mpidr);
	if (ret)
		goto err_unmap;
	return 0;
err_unmap:
	munmap(vcpu->run, vcpu->run_size);
	vcpu->run = NULL;
err_close:
	close(vcpu->fd);
	vcpu->fd = -1;
	return ret;
}

static int vcpu_stopping(const struct vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->host->stopping, __ATOMIC_ACQUIRE);
}

/* One writer (the vCPU thread); readers use vcpu_stat(). */
#define VCPU_COUNT(c) __atomic_fetch_add(&(c), 1, __ATOMIC_RELAXED)

int vcpu_host_init(struct vcpu_host *host)
{
	int ret = pthread_mutex_init(&host->pause_lock, NULL);

	if (ret)
		return -ret;
	ret = pthread_cond_init(&host->pause_cond, NULL);
	if (ret) {
		pthread_mutex_destroy(&host->pause_lock);
		return -ret;
	}
	return 0;
}

void vcpu_host_destroy(struct vcpu_host *host)
{
	pthread_cond_destroy(&host->pause_cond);
	pthread_mutex_destroy(&host->pause_lock);
}

/* On the vCPU thread: wait while the VM is paused. */
static void vcpu_park(struct vcpu *vcpu)
{
	struct vcpu_host *h = vcpu->host;

	pthread_mutex_lock(&h->pause_lock);
	h->parked++;
	pthread_cond_broadcast(&h->pause_cond);
	while (h->paused && !vcpu_stopping(vcpu))
		pthread_cond_wait(&h->pause_cond, &h->pause_lock);
	h->parked--;
	pthread_mutex_unlock(&h->pause_lock);
}

int vcpu_pause_all(struct vcpu *vcpus, unsigned int n, struct vcpu_host *host)
{
	unsigned int running = 0;
	struct timespec deadline;
	int ret = 0;

	pthread_mutex_lock(&host->pause_lock);
	if (host->paused) {
		pthread_mutex_unlock(&host->pause_lock);
		return -EALREADY;
	}
	__atomic_store_n(&host->paused, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&host->pause_lock);
	for (unsigned int i = 0; i < n; i++) {
		if (vcpus[i].thread_started) {
			running++;
			vcpu_kick(&vcpus[i]);
		}
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&host->pause_lock);
	while (host->parked < running && !ret) {
		if (__atomic_load_n(&host->stopping, __ATOMIC_ACQUIRE))
			ret = -EBUSY;
		else if (pthread_cond_timedwait(&host->pause_cond,
						&host->pause_lock,
						&deadline) == ETIMEDOUT)
			ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&host->pause_lock);
	return ret;
}

int vcpu_resume_all(struct vcpu_host *host)
{
	int ret = 0;

	pthread_mutex_lock(&host->pause_lock);
	if (!host->paused)
		ret = -EALREADY;
	__atomic_store_n(&host->paused, 0, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&host->pause_cond);
	pthread_mutex_unlock(&host->pause_lock);
	return ret;
}

void vcpu_host_wake(struct vcpu_host *host)
{
	pthread_mutex_lock(&host->pause_lock);
	pthread_cond_broadcast(&host->pause_cond);
	pthread_mutex_unlock(&host->pause_lock);
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t addr = run->mmio.phys_addr;
	unsigned int len = run->mmio.len;
	int ret;

	VCPU_COUNT(vcpu->mmio_exits);
	ret = mmio_bus_access(vcpu->host->bus, addr, run->mmio.data, len,
			      run->mmio.is_write);
	if (ret) {
		VCPU_COUNT(vcpu->unhandled_mmio);
		pr_warn_ratelimited("vcpu %u: %u-byte %s at 0x%" PRIx64
				    " hits no device: ignored%s",
				    vcpu->id, len,
				    run->mmio.is_write ? "write" : "read", addr,
				    run->mmio.is_write ? "" : ", reads as 0");
	}
}

/*
 * An access KVM could not decode (ISV=0 in the syndrome: a load/store pair,
 * writeback or similar to device memory). Nothing can emulate it, so the
 * guest gets the external data abort a real bus would give it.
 */
static void vcpu_handle_nisv(struct vcpu *vcpu)
{
	struct kvm_vcpu_events ev;

	VCPU_COUNT(vcpu->nisv_exits);
	pr_warn_ratelimited(
		"vcpu %u: guest access to 0x%llx that KVM cannot "
		"decode (ISV=0, ESR ISS 0x%llx): %s",
		vcpu->id, (unsigned long long)vcpu->run->arm_nisv.fault_ipa,
		(unsigned long long)vcpu->run->arm_nisv.esr_iss,
		vcpu->host->can_inject_dabt
			? "injecting an external data abort"
			: "cannot inject an abort, stopping the VM");
	if (!vcpu->host->can_inject_dabt) {
		vcpu->host->request_stop(
			vcpu->host->opaque, VMM_EXIT_CRASH,
			"guest made an undecodable MMIO access");
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.exception.ext_dabt_pending = 1;
	if (kvm_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		vcpu->host->request_stop(vcpu->host->opaque, VMM_EXIT_INTERNAL,
					 "cannot inject a data abort");
}

static void vcpu_handle_system_event(struct vcpu *vcpu)
{
	struct vcpu_host *h = vcpu->host;

	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		h->request_stop(h->opaque, VMM_EXIT_POWEROFF,
				"guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		h->request_stop(h->opaque, VMM_EXIT_REBOOT, "guest rebooted");
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		h->request_stop(h->opaque, VMM_EXIT_CRASH, "guest crashed");
		break;
	default:
		pr_info("vcpu %u: system event %u ignored", vcpu->id,
			vcpu->run->system_event.type);
	}
}

/* Returns 0 to keep running, 1 when this vCPU is done. */
static int vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char why[96];

	/*
	 * Writes KVM queued (from any vCPU) happened before this exit: replay
	 * them first, so console bytes keep their place among side effects.
	 */
	mmio_ring_drain(vcpu->host->ring);
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		VCPU_COUNT(vcpu->system_events);
		vcpu_handle_system_event(vcpu);
		return 1;
	case KVM_EXIT_ARM_NISV:
		vcpu_handle_nisv(vcpu);
		return 0;
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why),
			 "vcpu %u: KVM_RUN failed entry, reason 0x%llx",
			 vcpu->id,
			 (unsigned long long)
				 run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why),
			 "vcpu %u: KVM internal error, suberror %u", vcpu->id,
			 run->internal.suberror);
		break;
	default:
		snprintf(why, sizeof(why), "vcpu %u: unexpected KVM exit %u",
			 vcpu->id, run->exit_reason);
		break;
	}
	pr_err("%s", why);
	vcpu->host->request_stop(vcpu->host->opaque, VMM_EXIT_INTERNAL, why);
	return 1;
}

/* On the vCPU thread, out of KVM_RUN for good: log where the guest was. */
static void vcpu_report_state(struct vcpu *vcpu)
{
	struct vcpu_state st;
	char line[224];

	if (arm64_get_state(vcpu->fd, &st)) {
		pr_warn("vcpu %u: cannot read its registers", vcpu->id);
		return;
	}
	vcpu_state_format(vcpu->id, &st, line, sizeof(line));
	pr_warn("%s", line);
	vcpu->state = st;
	vcpu->state_read = 1;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	/* The kick signal is blocked everywhere else; let it reach us. */
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (sandbox_enter(SANDBOX_VCPU)) {
		vcpu->host->request_stop(vcpu->host->opaque, VMM_EXIT_INTERNAL,
					 "cannot confine a vCPU thread");
		return NULL;
	}
	if (vcpu->host->test_violation && vcpu->id == 0)
		syscall(SYS_getppid); /* refused: must end the process */

	while (!vcpu_stopping(vcpu)) {
		int ret;

		if (__atomic_load_n(&vcpu->host->paused, __ATOMIC_ACQUIRE)) {
			vcpu_park(vcpu);
			continue;
		}
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		VCPU_COUNT(vcpu->exits);
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* Kicked: the loop condition decides. */
				VCPU_COUNT(vcpu->interrupted);
				vcpu->run->immediate_exit = 0;
				continue;
			}
			pr_err("vcpu %u: KVM_RUN: %s", vcpu->id,
			       strerror(errno));
			vcpu->host->request_stop(vcpu->host->opaque,
						 VMM_EXIT_INTERNAL,
						 "KVM_RUN failed");
			break;
		}
		if (vcpu_handle_exit(vcpu))
			break;
	}
	if (__atomic_load_n(&vcpu->host->report_state, __ATOMIC_ACQUIRE))
		vcpu_report_state(vcpu);
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret = thread_start(&vcpu->thread, vcpu_thread, vcpu);

	if (ret) {
		pr_err("cannot start the thread of vcpu %u: %s", vcpu->id,
		       strerror(ret));
		return -ret;
	}
	vcpu->thread_started = 1;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	/*
	 * immediate_exit covers the window between the thread's check of
	 * host->stopping and its next KVM_RUN; the signal covers a vCPU
	 * already inside KVM_RUN, or blocked in a write.
	 */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (vcpu->thread_started) {
		pthread_join(vcpu->thread, NULL);
		vcpu->thread_started = 0;
	}
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
