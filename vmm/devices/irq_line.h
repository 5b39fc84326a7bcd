/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An interrupt line as a device sees it. Devices never call KVM: they are
 * handed an irq_line, which the VM backs with KVM_IRQ_LINE and a unit test
 * backs with a fake that records what it was told.
 */
#ifndef VMM_DEVICES_IRQ_LINE_H
#define VMM_DEVICES_IRQ_LINE_H

struct irq_line;

typedef void (*irq_line_set_fn)(struct irq_line *line, int level);

struct irq_line {
	irq_line_set_fn set_level; /* level 1 = asserted; must be thread-safe */
	void *opaque;		   /* owner's context for set_level */
	unsigned int spi;	   /* SPI number (GIC INTID - 32), for the DT */
};

static inline void irq_line_set(struct irq_line *line, int level)
{
	line->set_level(line, level);
}

#endif
