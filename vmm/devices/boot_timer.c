// SPDX-License-Identifier: GPL-2.0-only
#include "devices/boot_timer.h"

#include <string.h>

void boot_timer_init(struct boot_timer *bt, boot_timer_fn booted, void *opaque)
{
	memset(bt, 0, sizeof(*bt));
	bt->booted = booted;
	bt->opaque = opaque;
}

static void boot_timer_read(void *opaque, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
}

static void boot_timer_write(void *opaque, uint64_t off, const uint8_t *data,
			     unsigned int len)
{
	struct boot_timer *bt = opaque;
	int expected = 0;

	/* The magic in the low byte of register 0; anything else is noise. */
	if (off != 0 || len == 0 || data[0] != BOOT_TIMER_MAGIC)
		return;
	if (__atomic_compare_exchange_n(&bt->fired, &expected, 1, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
	    bt->booted)
		bt->booted(bt->opaque);
}

/* No device-tree node: the guest is told the address, not the kernel. */
const struct mmio_ops boot_timer_ops = {
	.read = boot_timer_read,
	.write = boot_timer_write,
};
