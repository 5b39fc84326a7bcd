// SPDX-License-Identifier: GPL-2.0-only
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int __kvm_ioctl(int fd, unsigned long cmd, unsigned long arg, const char *name,
		int quiet)
{
	int ret = ioctl(fd, cmd, arg);

	if (ret >= 0)
		return ret;
	ret = -errno;
	if (!quiet && ret != -EINTR)
		pr_err("%s: %s", name, strerror(-ret));
	return ret;
}

int kvm_check_cap(int fd, long cap)
{
	int ret = __kvm_ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)cap,
			      "KVM_CHECK_EXTENSION", 1);

	return ret < 0 ? 0 : ret;
}

int kvm_open(struct kvm *kvm)
{
	int ret;

	memset(kvm, 0, sizeof(*kvm));
	kvm->vm_fd = -1;
	kvm->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("/dev/kvm does not exist: this host has no KVM "
			       "(load the kvm module, or run on an arm64 host "
			       "with virtualization enabled)");
		else if (ret == -EACCES || ret == -EPERM)
			pr_err("/dev/kvm: permission denied (add the user to "
			       "the kvm group)");
		else
			pr_err("/dev/kvm: %s", strerror(-ret));
		return ret;
	}
	ret = kvm_ioctl_val(kvm->fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("/dev/kvm speaks API version %d, vmm needs %d", ret,
		       KVM_API_VERSION);
		ret = -ENOTSUP;
		goto err_close;
	}
	ret = kvm_ioctl_val(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		goto err_close;
	kvm->vcpu_mmap_size = ret;
	kvm->max_vcpus = kvm_check_cap(kvm->fd, KVM_CAP_MAX_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = kvm_check_cap(kvm->fd, KVM_CAP_NR_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = 4; /* what api.rst promises without the cap */
#ifdef KVM_CAP_ARM_VM_IPA_SIZE
	kvm->ipa_max_bits = kvm_check_cap(kvm->fd, KVM_CAP_ARM_VM_IPA_SIZE);
#endif
	return 0;
err_close:
	close(kvm->fd);
	kvm->fd = -1;
	return ret;
}

int kvm_create_vm(struct kvm *kvm, unsigned int ipa_bits)
{
	unsigned long type = 0;
	int ret;

#ifdef KVM_VM_TYPE_ARM_IPA_SIZE
	if (ipa_bits)
		type = KVM_VM_TYPE_ARM_IPA_SIZE(ipa_bits);
#else
	(void)ipa_bits;
#endif
	/* EINTR here is documented as transient: retry. */
	do {
		ret = __kvm_ioctl(kvm->fd, KVM_CREATE_VM, type, "KVM_CREATE_VM",
				  1);
	} while (ret == -EINTR);
	if (ret < 0) {
		pr_err("KVM_CREATE_VM (IPA %u bits): %s", ipa_bits,
		       strerror(-ret));
		return ret;
	}
	kvm->vm_fd = ret;
	return 0;
}

int kvm_enable_cap(struct kvm *kvm, uint32_t cap, int quiet)
{
	struct kvm_enable_cap ec = { .cap = cap };

	if (quiet)
		return kvm_ioctl_try(kvm->vm_fd, KVM_ENABLE_CAP, &ec);
	return kvm_ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &ec);
}

int kvm_set_memory(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size,
		   void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return kvm_ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int kvm_set_memory_readonly(struct kvm *kvm, uint32_t slot, uint64_t gpa,
			    uint64_t size, const void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return kvm_ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int kvm_coalesce_mmio(struct kvm *kvm, uint64_t addr, uint32_t size)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = addr, .size = size };

	return kvm_ioctl(kvm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone);
}

int kvm_irqfd(struct kvm *kvm, int fd, unsigned int spi)
{
	/* On arm64 the irqfd GSI is the SPI number (INTID - 32). */
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = spi };

	return kvm_ioctl(kvm->vm_fd, KVM_IRQFD, &irqfd);
}

int kvm_ioeventfd(struct kvm *kvm, int fd, uint64_t addr, uint32_t len,
		  uint64_t datamatch)
{
	struct kvm_ioeventfd ev = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	return kvm_ioctl(kvm->vm_fd, KVM_IOEVENTFD, &ev);
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->fd >= 0)
		close(kvm->fd);
	kvm->vm_fd = kvm->fd = -1;
}
