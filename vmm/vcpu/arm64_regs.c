// SPDX-License-Identifier: GPL-2.0-only
#include "vcpu/arm64_regs.h"

#include <stddef.h>
#include <string.h>

#include "kvm.h"
#include "vcpu/vcpu_state.h"

/* PSR_* come from the arm64 <asm/ptrace.h> that <asm/kvm.h> includes. */

#define CORE_REG(x)                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                 \
	 KVM_REG_ARM_CORE_REG(x))
#define MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)
#define ESR_EL1	  ARM64_SYS_REG(3, 0, 5, 2, 0)
#define FAR_EL1	  ARM64_SYS_REG(3, 0, 6, 0, 0)

static int set_reg(int fd, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id,
				   .addr = (uint64_t)(uintptr_t)&val };

	return kvm_ioctl(fd, KVM_SET_ONE_REG, &reg);
}

int arm64_vcpu_init(int vcpu_fd, const struct kvm_vcpu_init *target,
		    int boot_cpu)
{
	struct kvm_vcpu_init init = *target;

	memset(init.features, 0, sizeof(init.features));
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (!boot_cpu)
		init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	return kvm_ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init);
}

int arm64_set_boot_regs(int vcpu_fd, uint64_t entry, uint64_t dtb)
{
	static const uint64_t pstate =
		PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT;
	int ret;

	ret = set_reg(vcpu_fd, CORE_REG(regs.pstate), pstate);
	if (!ret)
		ret = set_reg(vcpu_fd, CORE_REG(regs.regs[0]), dtb);
	for (int i = 1; i < 4 && !ret; i++)
		ret = set_reg(vcpu_fd, CORE_REG(regs.regs[i]), 0);
	if (!ret)
		ret = set_reg(vcpu_fd, CORE_REG(regs.pc), entry);
	return ret;
}

static int get_reg(int fd, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return kvm_ioctl(fd, KVM_GET_ONE_REG, &reg);
}

int arm64_get_mpidr(int vcpu_fd, uint64_t *mpidr)
{
	return get_reg(vcpu_fd, MPIDR_EL1, mpidr);
}

int arm64_get_state(int vcpu_fd, struct vcpu_state *st)
{
	struct kvm_mp_state mp;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = kvm_ioctl(vcpu_fd, KVM_GET_MP_STATE, &mp);
	if (ret)
		return ret;
	if (mp.mp_state == KVM_MP_STATE_STOPPED) {
		st->powered_off = 1;
		return 0;
	}
	ret = get_reg(vcpu_fd, CORE_REG(regs.pc), &st->pc);
	if (!ret)
		ret = get_reg(vcpu_fd, CORE_REG(regs.pstate), &st->pstate);
	if (!ret)
		ret = get_reg(vcpu_fd, CORE_REG(regs.regs[30]), &st->lr);
	/* SPSel: EL1h uses SP_EL1, EL0t and EL1t use SP_EL0. */
	if (!ret)
		ret = get_reg(vcpu_fd,
			      (st->pstate & 0xf) == PSR_MODE_EL1h
				      ? CORE_REG(sp_el1)
				      : CORE_REG(regs.sp),
			      &st->sp);
	if (!ret)
		ret = get_reg(vcpu_fd, ESR_EL1, &st->esr);
	if (!ret)
		ret = get_reg(vcpu_fd, FAR_EL1, &st->far);
	return ret;
}
