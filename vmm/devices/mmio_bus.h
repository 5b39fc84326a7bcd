/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MMIO bus: the table of emulated device regions, and dispatch of a
 * trapped guest access to the device that owns the address. Regions are
 * registered while the VM is built, before any vCPU runs; afterwards the
 * table is only read, so lookups from vCPU threads take no lock. Each
 * device guards its own register state.
 */
#ifndef VMM_DEVICES_MMIO_BUS_H
#define VMM_DEVICES_MMIO_BUS_H

#include <stdint.h>

#include "memory/layout.h"

struct dt_builder;

struct mmio_ops {
	/*
	 * read()/write() get the offset into the region, never the guest
	 * address, and a 1..8 byte little-endian buffer. They must not fail:
	 * what a device cannot make sense of it ignores (reads as 0).
	 */
	void (*read)(void *opaque, uint64_t offset, uint8_t *data,
		     unsigned int len);
	void (*write)(void *opaque, uint64_t offset, const uint8_t *data,
		      unsigned int len);
	/*
	 * dt_node() - add the device's properties (compatible, interrupts, ...)
	 * to its node, which the bus walk has opened as "<dt_name>@<base>" and
	 * given "reg". NULL for a device the guest finds another way.
	 */
	void (*dt_node)(void *opaque, struct dt_builder *dt);
	/*
	 * dt_root_nodes() - optional: whole nodes of the device's own at the
	 * root, written after its node, for what the guest finds as separate
	 * platform devices that use this one (e.g. gpio-keys on a GPIO pin).
	 */
	void (*dt_root_nodes)(void *opaque, struct dt_builder *dt);
};

struct mmio_region {
	const char *name;    /* for logs and stats: "uart", "rtc" */
	const char *dt_name; /* node name in the device tree */
	gpa_t base;
	uint64_t size;
	const struct mmio_ops *ops;
	void *opaque;
	int is_console;	   /* this node is /chosen/stdout-path */
	uint64_t accesses; /* counted atomically by mmio_bus_access() */
};

#define MMIO_BUS_MAX_REGIONS 64

struct mmio_bus {
	struct mmio_region regions[MMIO_BUS_MAX_REGIONS]; /* sorted by base */
	unsigned int count;
	uint64_t unhandled; /* accesses that hit no region */
};

void mmio_bus_init(struct mmio_bus *bus);

/*
 * mmio_bus_register() - add a copy of @region. Returns 0, -EINVAL for a zero
 * size or a range that goes past 2^64 (ending exactly there is fine), -EEXIST
 * if it overlaps a registered region, -ENOSPC when the table is full. Not
 * thread-safe: call before the vCPUs start.
 */
int mmio_bus_register(struct mmio_bus *bus, const struct mmio_region *region);

/*
 * mmio_bus_find() - the region holding all of [addr, addr + len), or NULL
 * (no region, or the access straddles a region's end).
 */
struct mmio_region *mmio_bus_find(struct mmio_bus *bus, gpa_t addr,
				  unsigned int len);

/*
 * mmio_bus_access() - dispatch one guest access of @len (1..8) bytes.
 * Returns 0 if a device handled it, -ENOENT if no device owns the address;
 * then a read's @data is zeroed, as the guest must see 0, and the caller
 * logs. -EINVAL for a length outside 1..8 (also zeroed).
 */
int mmio_bus_access(struct mmio_bus *bus, gpa_t addr, uint8_t *data,
		    unsigned int len, int is_write);

#endif
