// SPDX-License-Identifier: GPL-2.0-only
#include "vcpu/arm64_regs.h"

#include <stddef.h>
#include <string.h>

#include "kvm.h"

/* PSR_* come from the arm64 <asm/ptrace.h> that <asm/kvm.h> includes. */

#define CORE_REG(x)                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                 \
	 KVM_REG_ARM_CORE_REG(x))
#define MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)

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

int arm64_get_mpidr(int vcpu_fd, uint64_t *mpidr)
{
	struct kvm_one_reg reg = { .id = MPIDR_EL1,
				   .addr = (uint64_t)(uintptr_t)mpidr };

	return kvm_ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg);
}
