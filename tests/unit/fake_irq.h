/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An irq_line for device tests: it records the last level set and counts
 * pulses, so a test can assert what the device signalled.
 */
#ifndef TESTS_UNIT_FAKE_IRQ_H
#define TESTS_UNIT_FAKE_IRQ_H

#include "devices/irq_line.h"

static int fake_irq_level;
static unsigned int fake_irq_pulses;

static inline void fake_irq_set(struct irq_line *l, int level)
{
	(void)l;
	fake_irq_level = level;
}

static inline void fake_irq_pulse(struct irq_line *l)
{
	(void)l;
	fake_irq_pulses++;
}

/* FAKE_IRQ_LINE(spi): an initialiser for a struct irq_line. */
#define FAKE_IRQ_LINE(n)                                                       \
	{                                                                      \
		.set_level = fake_irq_set, .pulse = fake_irq_pulse, .spi = (n) \
	}

#endif
