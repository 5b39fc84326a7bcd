// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/devices/pl061.c: the GPIO that carries the power button. */
#include "devices/pl061.h"

#include <libfdt.h>

#include "fdt/dt.h"
#include "unit.h"

enum {
	DIR = 0x400,
	IS = 0x404,
	IBE = 0x408,
	IEV = 0x40c,
	IE = 0x410,
	RIS = 0x414,
	MIS = 0x418,
	IC = 0x41c,
	AFSEL = 0x420
};

static int irq_level, irq_calls, irq_rises;

static void fake_set_level(struct irq_line *line, int level)
{
	(void)line;
	ck_assert(level == 0 || level == 1);
	ck_assert_int_ne(level, irq_level); /* told only about changes */
	irq_level = level;
	irq_calls++;
	irq_rises += level;
}

static struct irq_line irq = { .set_level = fake_set_level, .spi = 3 };
static struct pl061 gpio;

static void setup(void)
{
	irq_level = irq_calls = irq_rises = 0;
	ck_assert_int_eq(pl061_init(&gpio, &irq, 3), 0);
}

static void teardown(void)
{
	pl061_destroy(&gpio);
}

/* 32-bit accesses, as Linux's gpio-pl061 driver makes them (readb/writeb
 * in fact: the registers are 8 bits wide in 32-bit words). */
static uint32_t rd(uint64_t off)
{
	uint8_t b[4];

	pl061_ops.read(&gpio, off, b, 4);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	pl061_ops.write(&gpio, off, b, 4);
}

/* GPIODATA at the address whose bits 9:2 are @mask. */
#define DATA(mask) ((uint64_t)(mask) << 2)

START_TEST(primecell_id)
{
	static const uint8_t id[8] = { 0x61, 0x10, 0x04, 0x00,
				       0x0d, 0xf0, 0x05, 0xb1 };

	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(rd(0xfe0 + 4 * i), id[i]);
	ck_assert_uint_eq(rd(0xfe1), 0); /* unaligned: not an ID byte */
}
END_TEST

START_TEST(reset_state)
{
	ck_assert_uint_eq(rd(DATA(0xff)), 0);
	for (uint64_t off = DIR; off <= AFSEL; off += 4)
		ck_assert_uint_eq(rd(off), 0);
	ck_assert_int_eq(irq_calls, 0);
}
END_TEST

START_TEST(data_address_mask_on_writes)
{
	wr(DIR, 0x0f); /* pins 0-3 outputs */
	wr(DATA(0xff), 0xff);
	/* Inputs are driven from outside: the write does not reach them. */
	ck_assert_uint_eq(rd(DATA(0xff)), 0x0f);
	/* Only the pins the address selects change. */
	wr(DATA(0x01), 0x00);
	ck_assert_uint_eq(rd(DATA(0xff)), 0x0e);
	wr(DATA(0x00), 0x00); /* selects nothing */
	ck_assert_uint_eq(rd(DATA(0xff)), 0x0e);
	wr(DATA(0x06), 0x04);
	ck_assert_uint_eq(rd(DATA(0xff)), 0x0c);
}
END_TEST

START_TEST(data_address_mask_on_reads)
{
	pl061_set_input(&gpio, 3, 1);
	pl061_set_input(&gpio, 5, 1);
	ck_assert_uint_eq(rd(DATA(0xff)), 0x28);
	ck_assert_uint_eq(rd(DATA(0x08)), 0x08);
	ck_assert_uint_eq(rd(DATA(0x20)), 0x20);
	ck_assert_uint_eq(rd(DATA(0xd7)), 0);
}
END_TEST

START_TEST(registers_read_back)
{
	wr(DIR, 0x81);
	wr(IS, 0x42);
	wr(IBE, 0x24);
	wr(IEV, 0x18);
	wr(AFSEL, 0xff);
	ck_assert_uint_eq(rd(DIR), 0x81);
	ck_assert_uint_eq(rd(IS), 0x42);
	ck_assert_uint_eq(rd(IBE), 0x24);
	ck_assert_uint_eq(rd(IEV), 0x18);
	ck_assert_uint_eq(rd(AFSEL), 0xff);
	/* 8-bit registers: the upper bits of a word are dropped. */
	wr(DIR, 0xffffff00);
	ck_assert_uint_eq(rd(DIR), 0);
}
END_TEST

START_TEST(rising_edge_interrupt)
{
	/* What gpio-pl061 does for IRQ_TYPE_EDGE_RISING on pin 3. */
	wr(IEV, 0x08);
	wr(IE, 0x08);
	ck_assert_int_eq(irq_level, 0);
	pl061_set_input(&gpio, 3, 1);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(RIS), 0x08);
	ck_assert_uint_eq(rd(MIS), 0x08);
	/* The edge stays latched after the pin falls, until cleared. */
	pl061_set_input(&gpio, 3, 0);
	ck_assert_int_eq(irq_level, 1);
	wr(IC, 0x08);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(RIS), 0);
	ck_assert_int_eq(irq_rises, 1);
	ck_assert_uint_eq(gpio.interrupts, 1);
}
END_TEST

START_TEST(both_edges_interrupt)
{
	/* gpio-keys asks for both edges: press and release. */
	wr(IBE, 0x08);
	wr(IE, 0x08);
	pl061_set_input(&gpio, 3, 1);
	ck_assert_int_eq(irq_level, 1);
	wr(IC, 0x08);
	ck_assert_int_eq(irq_level, 0);
	pl061_set_input(&gpio, 3, 0);
	ck_assert_int_eq(irq_level, 1);
	wr(IC, 0xff);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(falling_edge_only)
{
	wr(IE, 0x08); /* IEV 0, IBE 0: falling */
	pl061_set_input(&gpio, 3, 1);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(RIS), 0);
	pl061_set_input(&gpio, 3, 0);
	ck_assert_int_eq(irq_level, 1);
}
END_TEST

START_TEST(masked_interrupt_is_raw_only)
{
	wr(IEV, 0x08);
	pl061_set_input(&gpio, 3, 1);
	ck_assert_uint_eq(rd(RIS), 0x08);
	ck_assert_uint_eq(rd(MIS), 0);
	ck_assert_int_eq(irq_calls, 0);
	/* Unmasking a latched edge raises the line then. */
	wr(IE, 0x08);
	ck_assert_int_eq(irq_level, 1);
	wr(IE, 0);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(level_interrupt_follows_pin)
{
	wr(IS, 0x08);
	wr(IEV, 0x08); /* high level */
	wr(IE, 0x08);
	ck_assert_int_eq(irq_level, 0);
	pl061_set_input(&gpio, 3, 1);
	ck_assert_int_eq(irq_level, 1);
	/* IC does not clear a level interrupt: the pin still holds it. */
	wr(IC, 0x08);
	ck_assert_int_eq(irq_level, 1);
	pl061_set_input(&gpio, 3, 0);
	ck_assert_int_eq(irq_level, 0);
	/* Low-level sensitive: asserted while low. */
	wr(IEV, 0);
	ck_assert_int_eq(irq_level, 1);
}
END_TEST

START_TEST(output_pin_edges)
{
	wr(DIR, 0x01);
	wr(IEV, 0x01);
	wr(IE, 0x01);
	wr(DATA(0x01), 1);
	ck_assert_int_eq(irq_level, 1);
	/* The outside cannot drive an output pin. */
	wr(IC, 0x01);
	pl061_set_input(&gpio, 0, 0);
	ck_assert_uint_eq(rd(DATA(0x01)), 1);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(release_waits_for_a_read)
{
	wr(IBE, 0x08);
	wr(IE, 0x08);
	pl061_set_input(&gpio, 3, 1);
	wr(IC, 0x08);
	/* Not yet seen by the guest: still high after the release. */
	pl061_release_input(&gpio, 3);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(DATA(0xf7)), 0); /* a read not of pin 3 */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(DATA(0x08)), 0x08); /* sees the press */
	ck_assert_uint_eq(rd(DATA(0x08)), 0);	 /* then the release */
	ck_assert_int_eq(irq_level, 1);		 /* its falling edge */
}
END_TEST

START_TEST(release_after_read_is_at_once)
{
	pl061_set_input(&gpio, 3, 1);
	ck_assert_uint_eq(rd(DATA(0x08)), 0x08);
	pl061_release_input(&gpio, 3);
	ck_assert_uint_eq(rd(DATA(0x08)), 0);
	/* A new press forgets an earlier read. */
	pl061_set_input(&gpio, 3, 1);
	pl061_release_input(&gpio, 3);
	ck_assert_uint_eq(rd(DATA(0x08)), 0x08);
	ck_assert_uint_eq(rd(DATA(0x08)), 0);
}
END_TEST

START_TEST(irq_enabled_reports_the_mask)
{
	ck_assert_int_eq(pl061_irq_enabled(&gpio, 3), 0);
	wr(IE, 0x08);
	ck_assert_int_eq(pl061_irq_enabled(&gpio, 3), 1);
	ck_assert_int_eq(pl061_irq_enabled(&gpio, 2), 0);
	ck_assert_int_eq(pl061_irq_enabled(&gpio, 99), 0);
}
END_TEST

START_TEST(hostile_accesses_never_crash)
{
	uint8_t buf[8];

	/* Every offset, every length: reads are zero-filled past 4 bytes,
	 * writes land in 8-bit registers or nowhere. */
	for (uint64_t off = 0; off < 0x1000; off++) {
		for (unsigned int len = 1; len <= 8; len++) {
			memset(buf, 0xa5, sizeof(buf));
			pl061_ops.write(&gpio, off, buf, len);
			pl061_ops.read(&gpio, off, buf, len);
			for (unsigned int i = 4; i < len; i++)
				ck_assert_uint_eq(buf[i], 0);
		}
	}
	/* Out-of-range pins from the VMM side are ignored. */
	pl061_set_input(&gpio, 8, 1);
	pl061_set_input(&gpio, 1000, 1);
	pl061_release_input(&gpio, 8);
	ck_assert_uint_le(rd(DATA(0xff)), 0xff);
	/* RIS, MIS are read-only. */
	wr(IE, 0);
	wr(IC, 0xff);
	wr(RIS, 0xff);
	wr(MIS, 0xff);
	ck_assert_uint_eq(rd(MIS), 0);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

static const void *find_prop(const void *fdt, const char *path,
			     const char *name, int *len)
{
	int off = fdt_path_offset(fdt, path);

	ck_assert_int_ge(off, 0);
	return fdt_getprop(fdt, off, name, len);
}

START_TEST(device_tree_has_gpio_keys)
{
	static uint8_t buf[SZ_64K];
	static struct mmio_bus bus;
	struct mmio_region r = pl061_region(&gpio, LAYOUT_GPIO_BASE);
	uint64_t mpidr = 0;
	struct dt_machine m = { .ncpus = 1,
				.mpidr = &mpidr,
				.ram_base = LAYOUT_RAM_BASE,
				.ram_size = SZ_1G,
				.gic_version = 3 };
	const fdt32_t *cells;
	int len;

	mmio_bus_init(&bus);
	ck_assert_int_eq(mmio_bus_register(&bus, &r), 0);
	ck_assert_int_eq(dt_build(&m, &bus, buf, sizeof(buf), NULL), 0);
	ck_assert_str_eq(find_prop(buf, "/pl061@9020000", "compatible", &len),
			 "arm,pl061");
	ck_assert_ptr_nonnull(
		find_prop(buf, "/pl061@9020000", "gpio-controller", &len));
	cells = find_prop(buf, "/pl061@9020000", "#gpio-cells", &len);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 2);
	cells = find_prop(buf, "/pl061@9020000", "interrupts", &len);
	ck_assert_int_eq(len, 12);
	ck_assert_uint_eq(fdt32_to_cpu(cells[1]), 3);
	ck_assert_str_eq(find_prop(buf, "/gpio-keys", "compatible", &len),
			 "gpio-keys");
	cells = find_prop(buf, "/gpio-keys/poweroff", "linux,code", &len);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), 116);
	cells = find_prop(buf, "/gpio-keys/poweroff", "gpios", &len);
	ck_assert_int_eq(len, 12);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), DT_PHANDLE_GPIO);
	ck_assert_uint_eq(fdt32_to_cpu(cells[1]), 3);
	ck_assert_uint_eq(fdt32_to_cpu(cells[2]), 0);
	cells = find_prop(buf, "/pl061@9020000", "phandle", &len);
	ck_assert_uint_eq(fdt32_to_cpu(cells[0]), DT_PHANDLE_GPIO);
}
END_TEST

START_TEST(no_power_pin_no_gpio_keys)
{
	static uint8_t buf[SZ_64K];
	static struct mmio_bus bus;
	struct mmio_region r;
	uint64_t mpidr = 0;
	struct dt_machine m = { .ncpus = 1,
				.mpidr = &mpidr,
				.ram_base = LAYOUT_RAM_BASE,
				.ram_size = SZ_1G,
				.gic_version = 3 };

	pl061_destroy(&gpio);
	ck_assert_int_eq(pl061_init(&gpio, &irq, -1), 0);
	r = pl061_region(&gpio, LAYOUT_GPIO_BASE);
	mmio_bus_init(&bus);
	ck_assert_int_eq(mmio_bus_register(&bus, &r), 0);
	ck_assert_int_eq(dt_build(&m, &bus, buf, sizeof(buf), NULL), 0);
	ck_assert_int_ge(fdt_path_offset(buf, "/pl061@9020000"), 0);
	ck_assert_int_lt(fdt_path_offset(buf, "/gpio-keys"), 0);
}
END_TEST

static Suite *pl061_suite(void)
{
	Suite *s = suite_create("pl061");
	TCase *tc = tcase_create("pl061");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(
		tc, primecell_id, reset_state, data_address_mask_on_writes,
		data_address_mask_on_reads, registers_read_back,
		rising_edge_interrupt, both_edges_interrupt, falling_edge_only,
		masked_interrupt_is_raw_only, level_interrupt_follows_pin,
		output_pin_edges, release_waits_for_a_read,
		release_after_read_is_at_once, irq_enabled_reports_the_mask,
		hostile_accesses_never_crash, device_tree_has_gpio_keys,
		no_power_pin_no_gpio_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(pl061_suite());
}
