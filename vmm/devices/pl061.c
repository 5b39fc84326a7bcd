// SPDX-License-Identifier: GPL-2.0-only
#include "devices/pl061.h"

#include <errno.h>
#include <string.h>

#include "fdt/dt.h"

enum {
	GPIO_DATA_END = 0x400, /* 0x000..0x3fc: data, address bits 9:2 mask */
	GPIO_DIR = 0x400,
	GPIO_IS = 0x404,
	GPIO_IBE = 0x408,
	GPIO_IEV = 0x40c,
	GPIO_IE = 0x410,
	GPIO_RIS = 0x414,
	GPIO_MIS = 0x418,
	GPIO_IC = 0x41c,
	GPIO_AFSEL = 0x420,
	GPIO_PERIPH_ID0 = 0xfe0, /* 0xfe0..0xffc: PrimeCell identification */
};

/* Linux's input event code for the power key (KEY_POWER). */
#define PL061_KEY_POWER 116

/* Peripheral ID 0x00041061 then PrimeCell ID 0xb105f00d, a byte per word. */
static const uint8_t pl061_id[8] = { 0x61, 0x10, 0x04, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

int pl061_init(struct pl061 *gpio, struct irq_line *irq, int power_pin)
{
	int ret;

	memset(gpio, 0, sizeof(*gpio));
	ret = pthread_mutex_init(&gpio->lock, NULL);
	if (ret)
		return -ret;
	gpio->irq = irq;
	gpio->power_pin =
		power_pin >= 0 && power_pin < PL061_NPINS ? power_pin : -1;
	return 0;
}

void pl061_destroy(struct pl061 *gpio)
{
	pthread_mutex_destroy(&gpio->lock);
}

/*
 * Re-evaluate the pins after anything that can change them or the
 * interrupt configuration: latch edges, recompute level interrupts, and
 * tell the line when the combined interrupt (any MIS bit) changes.
 * Called with the lock held.
 */
static void pl061_update(struct pl061 *gpio)
{
	uint8_t pins =
		(uint8_t)((gpio->data & gpio->dir) | (gpio->in & ~gpio->dir));
	uint8_t changed = pins ^ gpio->pins;
	uint8_t rising = changed & pins, falling = changed & ~pins;
	uint8_t edge =
		(gpio->ibe & changed) |
		(~gpio->ibe & ((gpio->iev & rising) | (~gpio->iev & falling)));
	uint8_t level = (pins & gpio->iev) | (~pins & ~gpio->iev);
	int line;

	gpio->pins = pins;
	/* Edges latch until cleared through IC; levels follow the pins. */
	gpio->ris = (uint8_t)(((gpio->ris | edge) & ~gpio->is) |
			      (level & gpio->is));
	line = (gpio->ris & gpio->ie) != 0;
	if (line != gpio->irq_level) {
		gpio->irq_level = line;
		if (line)
			gpio->interrupts++;
		if (gpio->irq)
			irq_line_set(gpio->irq, line);
	}
}

void pl061_set_input(struct pl061 *gpio, unsigned int pin, int level)
{
	uint8_t bit;

	if (pin >= PL061_NPINS)
		return;
	bit = (uint8_t)(1U << pin);
	pthread_mutex_lock(&gpio->lock);
	gpio->release_on_read &= (uint8_t)~bit;
	gpio->read_since_set &= (uint8_t)~bit;
	if (level)
		gpio->in |= bit;
	else
		gpio->in &= (uint8_t)~bit;
	pl061_update(gpio);
	pthread_mutex_unlock(&gpio->lock);
}

void pl061_release_input(struct pl061 *gpio, unsigned int pin)
{
	uint8_t bit;

	if (pin >= PL061_NPINS)
		return;
	bit = (uint8_t)(1U << pin);
	pthread_mutex_lock(&gpio->lock);
	if (gpio->read_since_set & bit || !(gpio->in & bit)) {
		gpio->in &= (uint8_t)~bit;
		pl061_update(gpio);
	} else {
		gpio->release_on_read |= bit;
	}
	pthread_mutex_unlock(&gpio->lock);
}

int pl061_irq_enabled(struct pl061 *gpio, unsigned int pin)
{
	int on;

	if (pin >= PL061_NPINS)
		return 0;
	pthread_mutex_lock(&gpio->lock);
	on = (gpio->ie >> pin) & 1;
	pthread_mutex_unlock(&gpio->lock);
	return on;
}

static uint32_t pl061_read_reg(struct pl061 *gpio, uint64_t off)
{
	if (off < GPIO_DATA_END) {
		uint8_t mask = (uint8_t)(off >> 2), v = gpio->pins & mask;

		gpio->data_reads++;
		gpio->read_since_set |= mask & gpio->in;
		/* A held button lets go once the guest has seen it high. */
		if (gpio->release_on_read & mask) {
			gpio->in &= (uint8_t) ~(gpio->release_on_read & mask);
			gpio->release_on_read &= (uint8_t)~mask;
			pl061_update(gpio);
		}
		return v;
	}
	if (off >= GPIO_PERIPH_ID0 && off < GPIO_PERIPH_ID0 + 32)
		return (off & 3) ? 0 : pl061_id[(off - GPIO_PERIPH_ID0) / 4];
	switch (off) {
	case GPIO_DIR:
		return gpio->dir;
	case GPIO_IS:
		return gpio->is;
	case GPIO_IBE:
		return gpio->ibe;
	case GPIO_IEV:
		return gpio->iev;
	case GPIO_IE:
		return gpio->ie;
	case GPIO_RIS:
		return gpio->ris;
	case GPIO_MIS:
		return gpio->ris & gpio->ie;
	case GPIO_AFSEL:
		return gpio->afsel;
	}
	return 0; /* IC is write-only; the rest is reserved */
}

static void pl061_write_reg(struct pl061 *gpio, uint64_t off, uint32_t v)
{
	uint8_t b = (uint8_t)v;

	if (off < GPIO_DATA_END) {
		/* Only the addressed pins, and of those only the outputs. */
		uint8_t mask = (uint8_t)(off >> 2) & gpio->dir;

		gpio->data = (uint8_t)((gpio->data & ~mask) | (b & mask));
		pl061_update(gpio);
		return;
	}
	switch (off) {
	case GPIO_DIR:
		gpio->dir = b;
		break;
	case GPIO_IS:
		gpio->is = b;
		break;
	case GPIO_IBE:
		gpio->ibe = b;
		break;
	case GPIO_IEV:
		gpio->iev = b;
		break;
	case GPIO_IE:
		gpio->ie = b;
		break;
	case GPIO_IC:
		gpio->ris &= (uint8_t) ~(b & ~gpio->is);
		break;
	case GPIO_AFSEL:
		gpio->afsel = b;
		break;
	default:
		return; /* read-only or reserved */
	}
	pl061_update(gpio);
}

static void pl061_mmio_read(void *opaque, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	struct pl061 *gpio = opaque;
	uint32_t v;

	pthread_mutex_lock(&gpio->lock);
	v = pl061_read_reg(gpio, off);
	pthread_mutex_unlock(&gpio->lock);
	memset(data, 0, len);
	for (unsigned int i = 0; i < len && i < 4; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

static void pl061_mmio_write(void *opaque, uint64_t off, const uint8_t *data,
			     unsigned int len)
{
	struct pl061 *gpio = opaque;
	uint32_t v = 0;

	for (unsigned int i = 0; i < len && i < 4; i++)
		v |= (uint32_t)data[i] << (8 * i);
	pthread_mutex_lock(&gpio->lock);
	pl061_write_reg(gpio, off, v);
	pthread_mutex_unlock(&gpio->lock);
}

static void pl061_dt_node(void *opaque, struct dt_builder *dt)
{
	struct pl061 *gpio = opaque;

	dt_prop_strings(dt, "compatible", "arm,pl061", "arm,primecell", NULL);
	dt_prop_spi(dt, gpio->irq->spi);
	dt_prop_u32(dt, "clocks", DT_PHANDLE_APB_PCLK);
	dt_prop_string(dt, "clock-names", "apb_pclk");
	dt_prop_u32(dt, "#gpio-cells", 2);
	dt_prop_empty(dt, "gpio-controller");
	dt_prop_u32(dt, "phandle", DT_PHANDLE_GPIO);
}

/* The power button: a root node, as gpio-keys is a platform device. */
static void pl061_dt_root_nodes(void *opaque, struct dt_builder *dt)
{
	struct pl061 *gpio = opaque;
	/* <&gpio pin flags>: flags 0 = GPIO_ACTIVE_HIGH. */
	uint32_t gpios[3] = { DT_PHANDLE_GPIO, 0, 0 };

	if (gpio->power_pin < 0)
		return;
	gpios[1] = (uint32_t)gpio->power_pin;
	dt_begin_node(dt, "gpio-keys");
	dt_prop_string(dt, "compatible", "gpio-keys");
	dt_begin_node(dt, "poweroff");
	dt_prop_string(dt, "label", "GPIO Key Poweroff");
	dt_prop_u32(dt, "linux,code", PL061_KEY_POWER);
	dt_prop_cells(dt, "gpios", gpios, 3);
	dt_end_node(dt);
	dt_end_node(dt);
}

struct mmio_region pl061_region(struct pl061 *gpio, gpa_t base)
{
	return (struct mmio_region){
		.name = "gpio",
		.dt_name = "pl061",
		.base = base,
		.size = LAYOUT_GPIO_SIZE,
		.ops = &pl061_ops,
		.opaque = gpio,
	};
}

const struct mmio_ops pl061_ops = {
	.read = pl061_mmio_read,
	.write = pl061_mmio_write,
	.dt_node = pl061_dt_node,
	.dt_root_nodes = pl061_dt_root_nodes,
};
