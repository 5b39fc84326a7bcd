// SPDX-License-Identifier: GPL-2.0-only
#include "fdt/dt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "devices/mmio_bus.h"

static void dt_check(struct dt_builder *dt, int ret)
{
	if (ret < 0 && dt->err == 0)
		dt->err = ret;
}

void dt_begin_node(struct dt_builder *dt, const char *name)
{
	if (!dt->err)
		dt_check(dt, fdt_begin_node(dt->fdt, name));
}

void dt_end_node(struct dt_builder *dt)
{
	if (!dt->err)
		dt_check(dt, fdt_end_node(dt->fdt));
}

void dt_prop(struct dt_builder *dt, const char *name, const void *val, int len)
{
	if (!dt->err)
		dt_check(dt, fdt_property(dt->fdt, name, val, len));
}

void dt_prop_empty(struct dt_builder *dt, const char *name)
{
	dt_prop(dt, name, NULL, 0);
}

void dt_prop_string(struct dt_builder *dt, const char *name, const char *s)
{
	dt_prop(dt, name, s, strlen(s) + 1);
}

void dt_prop_strings(struct dt_builder *dt, const char *name, ...)
{
	char buf[256];
	size_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, name);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;

		if (len + n > sizeof(buf)) {
			dt_check(dt, -FDT_ERR_NOSPACE);
			va_end(ap);
			return;
		}
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	dt_prop(dt, name, buf, (int)len);
}

void dt_prop_u32(struct dt_builder *dt, const char *name, uint32_t v)
{
	if (!dt->err)
		dt_check(dt, fdt_property_u32(dt->fdt, name, v));
}

void dt_prop_u64(struct dt_builder *dt, const char *name, uint64_t v)
{
	if (!dt->err)
		dt_check(dt, fdt_property_u64(dt->fdt, name, v));
}

void dt_prop_cells(struct dt_builder *dt, const char *name,
		   const uint32_t *cells, int n)
{
	fdt32_t be[16];

	if (n > 16) {
		dt_check(dt, -FDT_ERR_NOSPACE);
		return;
	}
	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	dt_prop(dt, name, be, n * (int)sizeof(be[0]));
}

void dt_prop_reg(struct dt_builder *dt, gpa_t base, uint64_t size)
{
	uint32_t reg[4] = { base >> 32, (uint32_t)base, size >> 32,
			    (uint32_t)size };

	dt_prop_cells(dt, "reg", reg, 4);
}

void dt_prop_spi(struct dt_builder *dt, unsigned int spi)
{
	uint32_t irq[3] = { DT_IRQ_TYPE_SPI, spi, DT_IRQ_LEVEL_HIGH };

	dt_prop_cells(dt, "interrupts", irq, 3);
}

static void dt_node_name(char *buf, size_t size, const char *name, gpa_t addr)
{
	snprintf(buf, size, "%s@%" PRIx64, name, addr);
}

static void dt_add_chosen(struct dt_builder *dt, const struct dt_machine *m,
			  const char *stdout_path)
{
	dt_begin_node(dt, "chosen");
	if (m->bootargs)
		dt_prop_string(dt, "bootargs", m->bootargs);
	if (stdout_path)
		dt_prop_string(dt, "stdout-path", stdout_path);
	if (m->initrd_end > m->initrd_start) {
		dt_prop_u64(dt, "linux,initrd-start", m->initrd_start);
		dt_prop_u64(dt, "linux,initrd-end", m->initrd_end);
	}
	dt_prop_u64(dt, "kaslr-seed", m->kaslr_seed);
	dt_prop(dt, "rng-seed", m->rng_seed, sizeof(m->rng_seed));
	dt_end_node(dt);
}

static void dt_add_memory(struct dt_builder *dt, const struct dt_machine *m)
{
	char name[32];

	dt_node_name(name, sizeof(name), "memory", m->ram_base);
	dt_begin_node(dt, name);
	dt_prop_string(dt, "device_type", "memory");
	dt_prop_reg(dt, m->ram_base, m->ram_size);
	dt_end_node(dt);
}

static void dt_add_cpus(struct dt_builder *dt, const struct dt_machine *m)
{
	char name[32];

	dt_begin_node(dt, "cpus");
	dt_prop_u32(dt, "#address-cells", 2);
	dt_prop_u32(dt, "#size-cells", 0);
	for (unsigned int i = 0; i < m->ncpus; i++) {
		/* The unit address is the MPIDR affinity, as "reg" is. */
		uint64_t aff = m->mpidr[i] & 0xff00ffffffULL;

		dt_node_name(name, sizeof(name), "cpu", aff);
		dt_begin_node(dt, name);
		dt_prop_string(dt, "device_type", "cpu");
		dt_prop_string(dt, "compatible", "arm,arm-v8");
		dt_prop_string(dt, "enable-method", "psci");
		dt_prop_u64(dt, "reg", aff);
		dt_end_node(dt);
	}
	dt_end_node(dt);
}

static void dt_add_psci(struct dt_builder *dt)
{
	/* PSCI 0.2 function IDs are fixed, so no cpu_on/cpu_off properties. */
	dt_begin_node(dt, "psci");
	dt_prop_strings(dt, "compatible", "arm,psci-0.2", "arm,psci", NULL);
	dt_prop_string(dt, "method", "hvc");
	dt_end_node(dt);
}

static void dt_add_timer(struct dt_builder *dt, const struct dt_machine *m)
{
	uint32_t flags = DT_IRQ_LEVEL_HIGH;
	/* Secure phys, non-secure phys, virtual, hypervisor timer PPIs. */
	static const uint32_t ppis[] = { 13, 14, 11, 10 };
	uint32_t cells[12];

	/*
	 * GICv2 PPIs carry an 8-bit mask of the CPUs they go to (v2 serves at
	 * most 8); v3 has none.
	 */
	if (m->gic_version == 2)
		flags |= (((1U << (m->ncpus < 8 ? m->ncpus : 8)) - 1) & 0xff)
			 << 8;
	for (unsigned int i = 0; i < 4; i++) {
		cells[i * 3] = DT_IRQ_TYPE_PPI;
		cells[i * 3 + 1] = ppis[i];
		cells[i * 3 + 2] = flags;
	}
	dt_begin_node(dt, "timer");
	dt_prop_string(dt, "compatible", "arm,armv8-timer");
	dt_prop_cells(dt, "interrupts", cells, 12);
	dt_prop_empty(dt, "always-on");
	dt_end_node(dt);
}

static void dt_add_gic(struct dt_builder *dt, const struct dt_machine *m)
{
	char name[32];
	uint32_t reg[8];

	dt_node_name(name, sizeof(name), "intc", LAYOUT_GIC_DIST_BASE);
	dt_begin_node(dt, name);
	reg[0] = LAYOUT_GIC_DIST_BASE >> 32;
	reg[1] = (uint32_t)LAYOUT_GIC_DIST_BASE;
	reg[2] = 0;
	if (m->gic_version == 3) {
		uint64_t rd = LAYOUT_GICV3_REDIST_STRIDE * m->ncpus;

		dt_prop_string(dt, "compatible", "arm,gic-v3");
		reg[3] = (uint32_t)LAYOUT_GIC_DIST_SIZE;
		reg[4] = LAYOUT_GICV3_REDIST_BASE >> 32;
		reg[5] = (uint32_t)LAYOUT_GICV3_REDIST_BASE;
		reg[6] = rd >> 32;
		reg[7] = (uint32_t)rd;
	} else {
		dt_prop_string(dt, "compatible", "arm,cortex-a15-gic");
		reg[3] = 0x1000; /* the v2 distributor is 4 KiB */
		reg[4] = LAYOUT_GICV2_CPU_BASE >> 32;
		reg[5] = (uint32_t)LAYOUT_GICV2_CPU_BASE;
		reg[6] = 0;
		reg[7] = (uint32_t)LAYOUT_GICV2_CPU_SIZE;
	}
	dt_prop_cells(dt, "reg", reg, 8);
	dt_prop_u32(dt, "#interrupt-cells", 3);
	/* No child nodes (no ITS), but dtc wants an interrupt provider's. */
	dt_prop_u32(dt, "#address-cells", 0);
	dt_prop_empty(dt, "interrupt-controller");
	dt_prop_u32(dt, "phandle", DT_PHANDLE_GIC);
	dt_end_node(dt);
}

static void dt_add_apb_pclk(struct dt_builder *dt)
{
	/* AMBA (PrimeCell) devices such as the PL031 need a bus clock. */
	dt_begin_node(dt, "apb-pclk");
	dt_prop_string(dt, "compatible", "fixed-clock");
	dt_prop_u32(dt, "#clock-cells", 0);
	dt_prop_u32(dt, "clock-frequency", 24000000);
	dt_prop_string(dt, "clock-output-names", "clk24mhz");
	dt_prop_u32(dt, "phandle", DT_PHANDLE_APB_PCLK);
	dt_end_node(dt);
}

static void dt_add_devices(struct dt_builder *dt, struct mmio_bus *bus)
{
	char name[48];

	for (unsigned int i = 0; i < bus->count; i++) {
		struct mmio_region *r = &bus->regions[i];

		if (!r->ops->dt_node || !r->dt_name)
			continue;
		dt_node_name(name, sizeof(name), r->dt_name, r->base);
		dt_begin_node(dt, name);
		dt_prop_reg(dt, r->base, r->size);
		r->ops->dt_node(r->opaque, dt);
		dt_end_node(dt);
		if (r->ops->dt_root_nodes)
			r->ops->dt_root_nodes(r->opaque, dt);
	}
}

int dt_build(const struct dt_machine *m, struct mmio_bus *bus, void *buf,
	     size_t size, const char **why)
{
	struct dt_builder dtb = { .fdt = buf, .err = 0 };
	struct dt_builder *dt = &dtb;
	char stdout_path[64];
	const char *console = NULL;

	for (unsigned int i = 0; i < bus->count; i++) {
		if (bus->regions[i].is_console && bus->regions[i].dt_name) {
			snprintf(stdout_path, sizeof(stdout_path),
				 "/%s@%" PRIx64, bus->regions[i].dt_name,
				 bus->regions[i].base);
			console = stdout_path;
			break;
		}
	}

	dt_check(dt, fdt_create(buf, (int)size));
	if (!dt->err)
		dt_check(dt, fdt_finish_reservemap(buf));
	dt_begin_node(dt, "");
	dt_prop_string(dt, "compatible", "linux,dummy-virt");
	dt_prop_string(dt, "model", "vmm");
	dt_prop_u32(dt, "#address-cells", 2);
	dt_prop_u32(dt, "#size-cells", 2);
	dt_prop_u32(dt, "interrupt-parent", DT_PHANDLE_GIC);

	dt_add_chosen(dt, m, console);
	dt_add_memory(dt, m);
	dt_add_cpus(dt, m);
	dt_add_psci(dt);
	dt_add_timer(dt, m);
	dt_add_gic(dt, m);
	dt_add_apb_pclk(dt);
	dt_add_devices(dt, bus);

	dt_end_node(dt);
	if (!dt->err)
		dt_check(dt, fdt_finish(buf));
	if (dt->err) {
		if (why)
			*why = fdt_strerror(dt->err);
		return dt->err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	}
	return 0;
}

size_t dt_total_size(const void *fdt)
{
	return fdt_totalsize(fdt);
}
