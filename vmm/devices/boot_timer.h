/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot timer: a write-only register at LAYOUT_BOOT_TIMER_BASE. When
 * the guest writes BOOT_TIMER_MAGIC there (any width; the default guest's
 * init does `devmem 0x09021000 8 123` right before its payload), the VMM
 * learns that the guest has booted, once, and says when. The value is
 * the one Firecracker's boot timer uses; the address is vmm's own (see
 * memory/layout.h and the README).
 */
#ifndef VMM_DEVICES_BOOT_TIMER_H
#define VMM_DEVICES_BOOT_TIMER_H

#include <stdint.h>

#include "devices/mmio_bus.h"

#define BOOT_TIMER_MAGIC 123

typedef void (*boot_timer_fn)(void *opaque);

struct boot_timer {
	boot_timer_fn booted; /* called once, on the writing vCPU's thread */
	void *opaque;
	int fired; /* read/written atomically */
};

void boot_timer_init(struct boot_timer *bt, boot_timer_fn booted, void *opaque);

extern const struct mmio_ops boot_timer_ops;

#endif
