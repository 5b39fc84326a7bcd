/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's device tree, built with libfdt's sequential-write API into a
 * caller's buffer. The builder keeps a sticky error: every dt_* call after
 * the first failure does nothing, and dt_finish() reports it once, so a
 * node is written as straight-line code with no check after each property.
 *
 * The tree describes what the VM has: the CPUs, RAM, the in-kernel GIC,
 * timer and PSCI from struct dt_machine, then one node per device
 * registered on the MMIO bus (see mmio_ops.dt_node).
 */
#ifndef VMM_FDT_DT_H
#define VMM_FDT_DT_H

#include <stddef.h>
#include <stdint.h>

#include "memory/layout.h"

struct mmio_bus;

struct dt_builder {
	void *fdt;
	int err; /* first libfdt error (negative FDT_ERR_*), 0 if none */
};

/* Phandles of the nodes devices refer to. */
#define DT_PHANDLE_GIC	    1
#define DT_PHANDLE_APB_PCLK 2
#define DT_PHANDLE_GPIO	    3

/* GIC interrupt specifier fields (3 cells: type, number, flags). */
#define DT_IRQ_TYPE_SPI	  0
#define DT_IRQ_TYPE_PPI	  1
#define DT_IRQ_LEVEL_HIGH 4

void dt_begin_node(struct dt_builder *dt, const char *name);
void dt_end_node(struct dt_builder *dt);
void dt_prop(struct dt_builder *dt, const char *name, const void *val, int len);
void dt_prop_empty(struct dt_builder *dt, const char *name);
void dt_prop_string(struct dt_builder *dt, const char *name, const char *s);
/* dt_prop_strings() - a string list; the arguments end with NULL. */
void dt_prop_strings(struct dt_builder *dt, const char *name, ...)
	__attribute__((sentinel));
void dt_prop_u32(struct dt_builder *dt, const char *name, uint32_t v);
void dt_prop_u64(struct dt_builder *dt, const char *name, uint64_t v);
/* dt_prop_cells() - @n 32-bit cells, given in host order. */
void dt_prop_cells(struct dt_builder *dt, const char *name,
		   const uint32_t *cells, int n);
/* dt_prop_reg() - "reg" with 2 address and 2 size cells. */
void dt_prop_reg(struct dt_builder *dt, gpa_t base, uint64_t size);
/* dt_prop_spi() - "interrupts" for one level-high SPI. */
void dt_prop_spi(struct dt_builder *dt, unsigned int spi);

struct dt_machine {
	unsigned int ncpus;
	const uint64_t *mpidr; /* ncpus MPIDR_EL1 values (affinity bits) */
	gpa_t ram_base;
	uint64_t ram_size;
	int gic_version;      /* 2 or 3 */
	const char *bootargs; /* may be NULL */
	gpa_t initrd_start;   /* initrd_end == initrd_start: none */
	gpa_t initrd_end;
	uint64_t kaslr_seed;
	uint8_t rng_seed[64];
};

/* The largest tree we build; the boot protocol allows up to 2 MiB. */
#define DT_MAX_SIZE SZ_64K

/*
 * dt_build() - write the whole tree for @m and the devices on @bus into
 * @buf (@size bytes). Returns 0 or -ENOSPC/-EINVAL, with the libfdt reason
 * in *@why (a static string) when @why is not NULL.
 */
int dt_build(const struct dt_machine *m, struct mmio_bus *bus, void *buf,
	     size_t size, const char **why);

/* dt_total_size() - the size of a finished tree (its header's totalsize). */
size_t dt_total_size(const void *fdt);

#endif
