/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin wrappers over the KVM ioctls. errno becomes a -errno return value
 * here and nowhere else, and a failure is logged naming the ioctl, so a
 * caller's message only needs to say what it was trying to do.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

struct kvm {
	int fd;	   /* /dev/kvm */
	int vm_fd; /* -1 until kvm_create_vm() */
	int vcpu_mmap_size;
	int max_vcpus;
	int ipa_max_bits; /* 0: the host cannot choose (40-bit VMs only) */
};

/*
 * __kvm_ioctl() - ioctl(@fd, @cmd, @arg). Returns the ioctl's non-negative
 * result or -errno (EINTR included, for the vCPU loop). Unless @quiet, a
 * failure is logged as "<name>: <strerror>".
 */
int __kvm_ioctl(int fd, unsigned long cmd, unsigned long arg, const char *name,
		int quiet);

/* For ioctls whose argument is a value, not a pointer. */
#define kvm_ioctl_val(fd, cmd, val)                                            \
	__kvm_ioctl(fd, cmd, (unsigned long)(val), #cmd, 0)
/*
 * For ioctls that take a pointer: the pointed-to type must be as large as
 * the ioctl's encoded size, checked at compile time.
 */
#define kvm_ioctl(fd, cmd, ptr)                                                \
	({                                                                     \
		_Static_assert(_IOC_SIZE(cmd) == sizeof(*(ptr)),               \
			       #cmd ": argument size mismatch");               \
		__kvm_ioctl(fd, cmd, (unsigned long)(ptr), #cmd, 0);           \
	})
/* The same, without logging: for probes whose failure is an answer. */
#define kvm_ioctl_try(fd, cmd, ptr)                                            \
	({                                                                     \
		_Static_assert(_IOC_SIZE(cmd) == sizeof(*(ptr)),               \
			       #cmd ": argument size mismatch");               \
		__kvm_ioctl(fd, cmd, (unsigned long)(ptr), #cmd, 1);           \
	})

/*
 * kvm_open() - open /dev/kvm, check API version 12 and read the limits the
 * VM is built within. Returns 0, or -errno with a reason a user can act on
 * already logged (missing device, no permission, wrong API).
 */
int kvm_open(struct kvm *kvm);

/* kvm_check_cap() - KVM_CHECK_EXTENSION on @fd: the value, 0 if absent. */
int kvm_check_cap(int fd, long cap);

/*
 * kvm_create_vm() - create the VM with an IPA space of @ipa_bits (0: the
 * host default). Returns 0 or -errno.
 */
int kvm_create_vm(struct kvm *kvm, unsigned int ipa_bits);

/* kvm_enable_cap() - KVM_ENABLE_CAP @cap on the VM. 0 or -errno. */
int kvm_enable_cap(struct kvm *kvm, uint32_t cap, int quiet);

/* kvm_set_memory() - register a memslot. 0 or -errno. */
int kvm_set_memory(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size,
		   void *hva);

/*
 * kvm_set_memory_readonly() - a memslot the guest reads as memory; its
 * writes exit as MMIO (KVM_CAP_READONLY_MEM). A @size of 0 deletes the
 * slot. 0 or -errno.
 */
int kvm_set_memory_readonly(struct kvm *kvm, uint32_t slot, uint64_t gpa,
			    uint64_t size, const void *hva);

/*
 * kvm_coalesce_mmio() - guest writes to [@addr, @addr + @size) go to the
 * coalesced MMIO ring instead of exiting (KVM_CAP_COALESCED_MMIO). 0 or
 * -errno.
 */
int kvm_coalesce_mmio(struct kvm *kvm, uint64_t addr, uint32_t size);

/*
 * kvm_irqfd() - writing to eventfd @fd raises SPI @spi (edge). 0 or -errno.
 * Needs the vGIC initialised.
 */
int kvm_irqfd(struct kvm *kvm, int fd, unsigned int spi);

/*
 * kvm_ioeventfd() - a guest write of @len bytes with value @datamatch to
 * MMIO address @addr signals eventfd @fd inside KVM, with no exit to
 * userspace. 0 or -errno.
 */
int kvm_ioeventfd(struct kvm *kvm, int fd, uint64_t addr, uint32_t len,
		  uint64_t datamatch);

void kvm_close(struct kvm *kvm);

#endif
