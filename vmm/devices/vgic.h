/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel vGIC: creating it (v3, falling back to v2), placing it in
 * the IPA map, initialising it once every vCPU exists, and the irq_line
 * that devices use to raise SPIs through KVM_IRQ_LINE.
 *
 * Order matters (ARCHITECTURE.md): vgic_create() after the memslots and
 * before any vCPU; vgic_finalize() after the last vCPU is created and
 * before any runs. KVM answers other orders with ENXIO/ENODEV/EBUSY.
 */
#ifndef VMM_DEVICES_VGIC_H
#define VMM_DEVICES_VGIC_H

#include "config.h"
#include "devices/irq_line.h"

struct vgic {
	int vm_fd;
	int dev_fd;
	int version; /* 2 or 3 */
	unsigned int ncpus;
};

/*
 * vgic_create() - create the GIC @want asks for (AUTO: v3, else v2) for
 * @ncpus vCPUs and set its addresses. Returns 0, -ENODEV when no wanted
 * version can be created, -E2BIG when @ncpus exceeds what it can serve,
 * or another -errno. Errors are logged.
 */
int vgic_create(struct vgic *gic, int vm_fd, enum config_gic want,
		unsigned int ncpus);

/* vgic_finalize() - set the number of IRQs and init. 0 or -errno. */
int vgic_finalize(struct vgic *gic);

void vgic_destroy(struct vgic *gic);

/*
 * vgic_irq_line_init() - an irq_line for SPI @spi that asserts and
 * deasserts it with KVM_IRQ_LINE (level-triggered). @gic must outlive it.
 */
void vgic_irq_line_init(struct irq_line *line, struct vgic *gic,
			unsigned int spi);

#endif
