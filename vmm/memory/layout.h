/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest physical (IPA) map of a vmm machine. Every fixed address the
 * VMM gives a guest is here, so the device tree, the devices and the tests
 * agree on one map (see ARCHITECTURE.md).
 */
#ifndef VMM_MEMORY_LAYOUT_H
#define VMM_MEMORY_LAYOUT_H

#include <stdint.h>

typedef uint64_t gpa_t;

#define SZ_4K  0x1000ULL
#define SZ_64K 0x10000ULL
#define SZ_2M  0x200000ULL
#define SZ_1M  0x100000ULL
#define SZ_1G  0x40000000ULL

/* In-kernel vGIC. */
#define LAYOUT_GIC_DIST_BASE	   0x08000000ULL
#define LAYOUT_GIC_DIST_SIZE	   SZ_64K
#define LAYOUT_GICV2_CPU_BASE	   0x08010000ULL
#define LAYOUT_GICV2_CPU_SIZE	   0x2000ULL
#define LAYOUT_GICV3_REDIST_BASE   0x080A0000ULL
#define LAYOUT_GICV3_REDIST_STRIDE 0x20000ULL /* 128 KiB per vCPU */

/* Platform devices emulated in userspace. */
#define LAYOUT_UART_BASE 0x09000000ULL
#define LAYOUT_UART_SIZE SZ_4K
#define LAYOUT_RTC_BASE	 0x09010000ULL
#define LAYOUT_RTC_SIZE	 SZ_4K
#define LAYOUT_MISC_BASE 0x09020000ULL
/* PL061 GPIO: pin LAYOUT_GPIO_POWER_PIN is the power button (as QEMU virt). */
#define LAYOUT_GPIO_BASE      LAYOUT_MISC_BASE
#define LAYOUT_GPIO_SIZE      SZ_4K
#define LAYOUT_GPIO_POWER_PIN 3
/* Boot timer: the guest writes BOOT_TIMER_MAGIC when its boot is done. */
#define LAYOUT_BOOT_TIMER_BASE 0x09021000ULL
#define LAYOUT_BOOT_TIMER_SIZE SZ_4K
#define LAYOUT_VIRTIO_BASE     0x0A000000ULL
#define LAYOUT_VIRTIO_SLOT     0x200ULL

/* RAM starts at 2 GiB; below it is the MMIO hole (PCI later at 1 GiB). */
#define LAYOUT_RAM_BASE 0x80000000ULL

/* The redistributors must end before the UART: this bounds --cpus on v3. */
#define LAYOUT_GICV3_MAX_CPUS                                                  \
	((LAYOUT_UART_BASE - LAYOUT_GICV3_REDIST_BASE) /                       \
	 LAYOUT_GICV3_REDIST_STRIDE)
#define LAYOUT_GICV2_MAX_CPUS 8

/* Shared peripheral interrupts (SPI numbers, GIC INTID = 32 + SPI). */
#define LAYOUT_SPI_UART	    1
#define LAYOUT_SPI_RTC	    2
#define LAYOUT_SPI_GPIO	    3
#define LAYOUT_SPI_VIRTIO_0 16
#define LAYOUT_GIC_NR_IRQS  128 /* INTIDs 0..127: 96 SPIs */

/*
 * layout_ipa_bits() - smallest IPA size (in bits) that covers RAM of
 * @ram_size bytes at LAYOUT_RAM_BASE and every device below it. Never
 * less than 32, the smallest KVM_VM_TYPE_ARM_IPA_SIZE accepts.
 * Returns 0 when the top of RAM overflows 64 bits.
 */
unsigned int layout_ipa_bits(uint64_t ram_size);

#endif
