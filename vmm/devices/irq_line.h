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
typedef void (*irq_line_pulse_fn)(struct irq_line *line);

struct irq_line {
	irq_line_set_fn set_level; /* level 1 = asserted; must be thread-safe */
	irq_line_pulse_fn pulse;   /* an edge; NULL: raise then lower */
	void *opaque;		   /* owner's context */
	unsigned int spi;	   /* SPI number (GIC INTID - 32), for the DT */
};

static inline void irq_line_set(struct irq_line *line, int level)
{
	line->set_level(line, level);
}

/* irq_line_pulse() - signal an edge-triggered interrupt. */
static inline void irq_line_pulse(struct irq_line *line)
{
	if (line->pulse) {
		line->pulse(line);
	} else {
		line->set_level(line, 1);
		line->set_level(line, 0);
	}
}

#endif
