/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 vCPU registers through KVM_{GET,SET}_ONE_REG: the boot state the
 * arm64 Linux boot protocol asks for, and MPIDR for the device tree.
 */
#ifndef VMM_VCPU_ARM64_REGS_H
#define VMM_VCPU_ARM64_REGS_H

#include <stdint.h>

/*
 * arm64_vcpu_init() - KVM_ARM_VCPU_INIT with the host's preferred target,
 * PSCI 0.2, and (unless @boot_cpu) powered off, so the guest starts it with
 * PSCI CPU_ON. @target is the result of KVM_ARM_PREFERRED_TARGET.
 */
struct kvm_vcpu_init;
int arm64_vcpu_init(int vcpu_fd, const struct kvm_vcpu_init *target,
		    int boot_cpu);

/*
 * arm64_set_boot_regs() - PC = @entry, x0 = @dtb, x1..x3 = 0, PSTATE = EL1h
 * with D, A, I, F masked. Returns 0 or -errno.
 */
int arm64_set_boot_regs(int vcpu_fd, uint64_t entry, uint64_t dtb);

/* arm64_get_mpidr() - the vCPU's MPIDR_EL1. 0 or -errno. */
int arm64_get_mpidr(int vcpu_fd, uint64_t *mpidr);

/*
 * arm64_get_state() - @st from the vCPU's registers (see vcpu_state.h).
 * Only while no thread runs the vCPU. 0 or -errno.
 */
struct vcpu_state;
int arm64_get_state(int vcpu_fd, struct vcpu_state *st);

#endif
