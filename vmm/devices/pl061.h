/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ARM PL061 GPIO controller: eight pins, each an input or an output, with
 * edge or level interrupts combined into one interrupt line. vmm uses one
 * input pin as the guest's power button (QEMU's virt machine and
 * cloud-hypervisor do the same): the device tree adds a gpio-keys node
 * that maps the pin to KEY_POWER, and the VMM "presses" it to ask the
 * guest to shut down.
 *
 * Registers (offsets): 0x000-0x3fc GPIODATA, where address bits 9:2 mask
 * which pins an access sees; 0x400 DIR, 0x404 IS, 0x408 IBE, 0x40c IEV,
 * 0x410 IE, 0x414 RIS, 0x418 MIS, 0x41c IC, 0x420 AFSEL; 0xfe0-0xffc the
 * PrimeCell identification. Everything else reads as zero and ignores
 * writes.
 */
#ifndef VMM_DEVICES_PL061_H
#define VMM_DEVICES_PL061_H

#include <pthread.h>
#include <stdint.h>

#include "devices/irq_line.h"
#include "devices/mmio_bus.h"

#define PL061_NPINS 8

struct pl061 {
	pthread_mutex_t lock;
	struct irq_line *irq;
	uint8_t data;		 /* what the guest wrote for its output pins */
	uint8_t in;		 /* levels driven from outside (the VMM) */
	uint8_t pins;		 /* the pins' levels when last evaluated */
	uint8_t dir;		 /* 1: output */
	uint8_t is;		 /* 1: level-sensitive, 0: edge */
	uint8_t ibe;		 /* 1: both edges */
	uint8_t iev;		 /* 1: rising edge / high level */
	uint8_t ie;		 /* 1: interrupt enabled (unmasked) */
	uint8_t ris;		 /* raw interrupt status */
	uint8_t afsel;		 /* stored, no effect: no alternate functions */
	uint8_t read_since_set;	 /* inputs read by the guest since set */
	uint8_t release_on_read; /* inputs to drop at the guest's next read */
	int power_pin;	     /* -1, or the pin gpio-keys maps to KEY_POWER */
	int irq_level;	     /* what the line was last told */
	uint64_t data_reads; /* GPIODATA reads, for --stats */
	uint64_t interrupts; /* rising edges of the interrupt line */
};

/*
 * pl061_init() - @irq is borrowed. Every pin an input, low. @power_pin
 * (0..7, or -1 for none) is described in the device tree as the power
 * button (gpio-keys, KEY_POWER, active high). 0 or -errno.
 */
int pl061_init(struct pl061 *gpio, struct irq_line *irq, int power_pin);
void pl061_destroy(struct pl061 *gpio);

/*
 * pl061_set_input() - drive input @pin (0..7) to @level from outside, as a
 * button would; raises the interrupt if the guest configured one for the
 * change. Any thread. Out-of-range pins are ignored.
 */
void pl061_set_input(struct pl061 *gpio, unsigned int pin, int level);

/*
 * pl061_release_input() - let go of input @pin: low now if the guest has
 * read the pin since it went high, else at the guest's next read of it
 * (after returning the high level), so a guest that is slow to look still
 * sees the press. Any thread.
 */
void pl061_release_input(struct pl061 *gpio, unsigned int pin);

/*
 * pl061_irq_enabled() - whether the guest has unmasked @pin's interrupt
 * (a driver is listening). Any thread.
 */
int pl061_irq_enabled(struct pl061 *gpio, unsigned int pin);

extern const struct mmio_ops pl061_ops;

/* pl061_region() - the bus region of @gpio at @base (LAYOUT_GPIO_SIZE). */
struct mmio_region pl061_region(struct pl061 *gpio, gpa_t base);

#endif
