// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/fdt/dt.c: build the tree for a machine with the devices
 * vm.c registers (UART, PL031) into a buffer, then read it back node by
 * node with libfdt, as the guest kernel would.
 */
#include "fdt/dt.h"

#include <errno.h>

#include <libfdt.h>

#include "config.h"
#include "devices/mmio_bus.h"
#include "devices/pl031.h"
#include "devices/uart_8250.h"
#include "unit.h"

#define MiB (1ULL << 20)

static void no_irq(struct irq_line *line, int level)
{
	(void)line;
	(void)level;
}

static void no_out(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	(void)buf;
	(void)len;
}

static struct irq_line uart_irq = { .set_level = no_irq,
				    .spi = LAYOUT_SPI_UART };
static struct irq_line rtc_irq = { .set_level = no_irq, .spi = LAYOUT_SPI_RTC };
static struct uart_8250 uart;
static struct pl031 rtc;
static struct mmio_bus bus;
static uint64_t mpidr[3] = { 0, 1, 0x100 };
static struct dt_machine m;
static uint8_t fdt[DT_MAX_SIZE];

/* The machine vm.c would describe: 2 vCPUs, 256 MiB, GICv3, an initrd. */
static void setup(void)
{
	struct mmio_region uart_r = uart_8250_region(&uart, LAYOUT_UART_BASE);
	struct mmio_region rtc_r = pl031_region(&rtc, LAYOUT_RTC_BASE);

	memset(&m, 0, sizeof(m));
	m.ncpus = 2;
	m.mpidr = mpidr;
	m.ram_base = LAYOUT_RAM_BASE;
	m.ram_size = 256 * MiB;
	m.gic_version = 3;
	m.bootargs = "console=ttyS0 earlycon rdinit=/init";
	m.initrd_start = LAYOUT_RAM_BASE + 200 * MiB;
	m.initrd_end = LAYOUT_RAM_BASE + 200 * MiB + 12345;
	m.kaslr_seed = 0x0123456789abcdefULL;
	for (unsigned int i = 0; i < sizeof(m.rng_seed); i++)
		m.rng_seed[i] = (uint8_t)(i * 3 + 1);
	ck_assert_int_eq(uart_8250_init(&uart, &uart_irq, no_out, NULL, NULL),
			 0);
	ck_assert_int_eq(pl031_init(&rtc, &rtc_irq, NULL), 0);
	mmio_bus_init(&bus);
	ck_assert_int_eq(mmio_bus_register(&bus, &uart_r), 0);
	ck_assert_int_eq(mmio_bus_register(&bus, &rtc_r), 0);
}

static void teardown(void)
{
	uart_8250_destroy(&uart);
	pl031_destroy(&rtc);
}

static void build(void)
{
	const char *why = NULL;
	int ret = dt_build(&m, &bus, fdt, sizeof(fdt), &why);

	ck_assert_msg(ret == 0, "dt_build: %d (%s)", ret, why ? why : "?");
}

static int node(const char *path)
{
	int off = fdt_path_offset(fdt, path);

	ck_assert_msg(off >= 0, "no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(fdt, node(path), name, len);

	ck_assert_msg(p != NULL, "%s has no \"%s\"", path, name);
	return p;
}

static int has_prop(const char *path, const char *name)
{
	return fdt_getprop(fdt, node(path), name, NULL) != NULL;
}

static const char *prop_str(const char *path, const char *name)
{
	int len;
	const char *s = prop(path, name, &len);

	ck_assert_msg(len > 0 && s[len - 1] == '\0', "%s %s: not a string",
		      path, name);
	return s;
}

/* Cell @i of a property of @n cells. */
static uint32_t cell(const char *path, const char *name, int n, int i)
{
	int len;
	const fdt32_t *c = prop(path, name, &len);

	ck_assert_int_eq(len, n * 4);
	return fdt32_to_cpu(c[i]);
}

/* A 1- or 2-cell number, as Linux reads linux,initrd-start. */
static uint64_t number(const char *path, const char *name)
{
	int len;
	const fdt32_t *c = prop(path, name, &len);

	ck_assert_msg(len == 4 || len == 8, "%s %s: %d bytes", path, name, len);
	if (len == 4)
		return fdt32_to_cpu(c[0]);
	return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

static int compatible(const char *path, const char *compat)
{
	int len;
	const char *list = prop(path, "compatible", &len);

	return fdt_stringlist_contains(list, len, compat);
}

/* Entry @i of the @n in @path's "reg" (2 address and 2 size cells each). */
static void reg_entry(const char *path, int n, int i, uint64_t *addr,
		      uint64_t *size)
{
	*addr = (uint64_t)cell(path, "reg", 4 * n, 4 * i) << 32 |
		cell(path, "reg", 4 * n, 4 * i + 1);
	*size = (uint64_t)cell(path, "reg", 4 * n, 4 * i + 2) << 32 |
		cell(path, "reg", 4 * n, 4 * i + 3);
}

static void assert_reg(const char *path, int n, int i, uint64_t addr,
		       uint64_t size)
{
	uint64_t a, s;

	reg_entry(path, n, i, &a, &s);
	ck_assert_uint_eq(a, addr);
	ck_assert_uint_eq(s, size);
}

static void assert_spi(const char *path, unsigned int spi)
{
	ck_assert_uint_eq(cell(path, "interrupts", 3, 0), 0); /* SPI */
	ck_assert_uint_eq(cell(path, "interrupts", 3, 1), spi);
	ck_assert_uint_eq(cell(path, "interrupts", 3, 2), 4); /* level high */
}

START_TEST(header_valid)
{
	build();
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	ck_assert_int_eq(fdt_check_full(fdt, sizeof(fdt)), 0);
	ck_assert_uint_gt(dt_total_size(fdt), 0);
	ck_assert_uint_le(dt_total_size(fdt), sizeof(fdt));
	ck_assert_uint_eq(cell("/", "#address-cells", 1, 0), 2);
	ck_assert_uint_eq(cell("/", "#size-cells", 1, 0), 2);
}
END_TEST

START_TEST(chosen)
{
	int len;

	build();
	ck_assert_str_eq(prop_str("/chosen", "bootargs"), m.bootargs);
	ck_assert_str_eq(prop_str("/chosen", "stdout-path"), "/uart@9000000");
	ck_assert_uint_eq(number("/chosen", "linux,initrd-start"),
			  m.initrd_start);
	ck_assert_uint_eq(number("/chosen", "linux,initrd-end"), m.initrd_end);
	ck_assert_uint_eq(number("/chosen", "kaslr-seed"), m.kaslr_seed);
	ck_assert_mem_eq(prop("/chosen", "rng-seed", &len), m.rng_seed,
			 sizeof(m.rng_seed));
	ck_assert_int_eq(len, sizeof(m.rng_seed));
}
END_TEST

START_TEST(chosen_without_initrd_or_bootargs)
{
	m.initrd_start = m.initrd_end = 0;
	m.bootargs = NULL;
	build();
	ck_assert(!has_prop("/chosen", "linux,initrd-start"));
	ck_assert(!has_prop("/chosen", "linux,initrd-end"));
	ck_assert(!has_prop("/chosen", "bootargs"));
	ck_assert_str_eq(prop_str("/chosen", "stdout-path"), "/uart@9000000");
}
END_TEST

START_TEST(memory)
{
	build();
	ck_assert_str_eq(prop_str("/memory@80000000", "device_type"), "memory");
	assert_reg("/memory@80000000", 1, 0, 0x80000000, 256 * MiB);
}
END_TEST

START_TEST(cpus)
{
	static const char *const paths[] = { "/cpus/cpu@0", "/cpus/cpu@1",
					     "/cpus/cpu@100" };

	m.ncpus = 3;
	build();
	ck_assert_uint_eq(cell("/cpus", "#address-cells", 1, 0), 2);
	ck_assert_uint_eq(cell("/cpus", "#size-cells", 1, 0), 0);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_str_eq(prop_str(paths[i], "device_type"), "cpu");
		ck_assert_str_eq(prop_str(paths[i], "enable-method"), "psci");
		ck_assert_uint_eq(number(paths[i], "reg"), mpidr[i]);
	}
	ck_assert_int_lt(fdt_path_offset(fdt, "/cpus/cpu@2"), 0);
}
END_TEST

START_TEST(psci)
{
	build();
	ck_assert(compatible("/psci", "arm,psci-0.2"));
	ck_assert_str_eq(prop_str("/psci", "method"), "hvc");
}
END_TEST

/* The 4 timer PPIs, in the binding's order, level-triggered. */
static void assert_timer(uint32_t cpu_mask)
{
	static const uint32_t ppi[] = { 13, 14, 11, 10 };

	ck_assert(compatible("/timer", "arm,armv8-timer"));
	for (int i = 0; i < 4; i++) {
		uint32_t flags = cell("/timer", "interrupts", 12, 3 * i + 2);

		ck_assert_uint_eq(cell("/timer", "interrupts", 12, 3 * i), 1);
		ck_assert_uint_eq(cell("/timer", "interrupts", 12, 3 * i + 1),
				  ppi[i]);
		ck_assert_msg((flags & 0xf) == 4 || (flags & 0xf) == 8,
			      "timer PPI %u not level-triggered", ppi[i]);
		ck_assert_uint_eq((flags >> 8) & 0xff, cpu_mask);
	}
}

START_TEST(timer_gicv3)
{
	build();
	assert_timer(0);
}
END_TEST

START_TEST(timer_gicv2_cpu_mask)
{
	m.gic_version = 2;
	build();
	assert_timer(0x3);
}
END_TEST

START_TEST(timer_gicv2_cpu_mask_eight_cpus)
{
	static const uint64_t mpidr8[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	m.gic_version = 2;
	m.ncpus = 8;
	m.mpidr = mpidr8;
	build();
	assert_timer(0xff);
	/* Nothing spills past the 8-bit CPU mask into other flag bits. */
	ck_assert_uint_eq(cell("/timer", "interrupts", 12, 2) >> 16, 0);
}
END_TEST

START_TEST(gicv3)
{
	const char *gic = "/intc@8000000";

	build();
	ck_assert(compatible(gic, "arm,gic-v3"));
	assert_reg(gic, 2, 0, LAYOUT_GIC_DIST_BASE, LAYOUT_GIC_DIST_SIZE);
	assert_reg(gic, 2, 1, LAYOUT_GICV3_REDIST_BASE,
		   2 * LAYOUT_GICV3_REDIST_STRIDE);
	ck_assert(has_prop(gic, "interrupt-controller"));
	ck_assert_uint_eq(cell(gic, "#interrupt-cells", 1, 0), 3);
}
END_TEST

START_TEST(gicv2)
{
	const char *gic = "/intc@8000000";
	uint64_t dist, dist_size;

	m.gic_version = 2;
	build();
	ck_assert(compatible(gic, "arm,cortex-a15-gic"));
	/* The v2 distributor's registers take 4 KiB of its 64 KiB slot. */
	reg_entry(gic, 2, 0, &dist, &dist_size);
	ck_assert_uint_eq(dist, LAYOUT_GIC_DIST_BASE);
	ck_assert_uint_ge(dist_size, 0x1000);
	ck_assert_uint_le(dist_size, LAYOUT_GIC_DIST_SIZE);
	assert_reg(gic, 2, 1, LAYOUT_GICV2_CPU_BASE, LAYOUT_GICV2_CPU_SIZE);
	ck_assert(has_prop(gic, "interrupt-controller"));
	ck_assert_uint_eq(cell(gic, "#interrupt-cells", 1, 0), 3);
}
END_TEST

START_TEST(interrupt_parent_is_gic)
{
	uint32_t gic;

	build();
	gic = fdt_get_phandle(fdt, node("/intc@8000000"));
	ck_assert_uint_ne(gic, 0);
	ck_assert_uint_eq(cell("/", "interrupt-parent", 1, 0), gic);
}
END_TEST

START_TEST(uart_node)
{
	build();
	ck_assert(compatible("/uart@9000000", "ns16550a"));
	assert_reg("/uart@9000000", 1, 0, LAYOUT_UART_BASE, LAYOUT_UART_SIZE);
	assert_spi("/uart@9000000", 1);
	ck_assert_uint_gt(cell("/uart@9000000", "clock-frequency", 1, 0), 0);
}
END_TEST

START_TEST(rtc_node)
{
	uint32_t clk;

	build();
	ck_assert(compatible("/rtc@9010000", "arm,pl031"));
	ck_assert(compatible("/rtc@9010000", "arm,primecell"));
	assert_reg("/rtc@9010000", 1, 0, LAYOUT_RTC_BASE, LAYOUT_RTC_SIZE);
	assert_spi("/rtc@9010000", 2);
	clk = fdt_get_phandle(fdt, node("/apb-pclk"));
	ck_assert_uint_ne(clk, 0);
	ck_assert_uint_ne(clk, fdt_get_phandle(fdt, node("/intc@8000000")));
	ck_assert_uint_eq(cell("/rtc@9010000", "clocks", 1, 0), clk);
	ck_assert_str_eq(prop_str("/rtc@9010000", "clock-names"), "apb_pclk");
}
END_TEST

static void hidden_read(void *opaque, uint64_t offset, uint8_t *data,
			unsigned int len)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, len);
}

/* A device the guest finds another way: no dt_node. */
static const struct mmio_ops hidden_ops = { .read = hidden_read };

START_TEST(device_without_dt_node)
{
	struct mmio_region r = {
		.name = "hidden",
		.dt_name = "hidden",
		.base = LAYOUT_MISC_BASE,
		.size = SZ_4K,
		.ops = &hidden_ops,
	};

	ck_assert_int_eq(mmio_bus_register(&bus, &r), 0);
	build();
	ck_assert_int_lt(fdt_path_offset(fdt, "/hidden@9020000"), 0);
	node("/rtc@9010000");
}
END_TEST

START_TEST(largest_machine_fits)
{
	static uint64_t many[CONFIG_MAX_CPUS];
	static char bootargs[CONFIG_CMDLINE_MAX];
	const char *gic = "/intc@8000000";
	uint64_t rd_base, rd_size;

	/* KVM's MPIDRs: 16 vCPUs per cluster (Aff0), clusters in Aff1. */
	for (unsigned int i = 0; i < CONFIG_MAX_CPUS; i++)
		many[i] = (i & 0xf) | (uint64_t)(i >> 4) << 8;
	memset(bootargs, 'x', sizeof(bootargs) - 1);
	m.ncpus = CONFIG_MAX_CPUS;
	m.mpidr = many;
	m.bootargs = bootargs;
	build();
	ck_assert_uint_le(dt_total_size(fdt), DT_MAX_SIZE);
	node("/cpus/cpu@70a"); /* vCPU 122: cluster 7, core 10 */
	/* The redistributors end before the UART's page. */
	reg_entry(gic, 2, 1, &rd_base, &rd_size);
	ck_assert_uint_eq(rd_size,
			  CONFIG_MAX_CPUS * LAYOUT_GICV3_REDIST_STRIDE);
	ck_assert_uint_le(rd_base + rd_size, LAYOUT_UART_BASE);
}
END_TEST

START_TEST(buffer_too_small)
{
	static uint8_t small[1024];
	const char *why = NULL;

	ck_assert_int_eq(dt_build(&m, &bus, small, sizeof(small), &why),
			 -ENOSPC);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_ne(why, "");
	ck_assert_int_eq(dt_build(&m, &bus, small, 16, NULL), -ENOSPC);
}
END_TEST

static Suite *dt_suite(void)
{
	Suite *s = suite_create("dt");
	TCase *tc = tcase_create("dt");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(
		tc, header_valid, chosen, chosen_without_initrd_or_bootargs,
		memory, cpus, psci, timer_gicv3, timer_gicv2_cpu_mask,
		timer_gicv2_cpu_mask_eight_cpus, gicv3, gicv2,
		interrupt_parent_is_gic, uart_node, rtc_node,
		device_without_dt_node, largest_machine_fits, buffer_too_small);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(dt_suite());
}
