// SPDX-License-Identifier: GPL-2.0-only
#include "devices/mmio_bus.h"

#include <errno.h>
#include <string.h>

void mmio_bus_init(struct mmio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int mmio_bus_register(struct mmio_bus *bus, const struct mmio_region *region)
{
	uint64_t last;
	unsigned int i;

	if (region->size == 0 || !region->ops)
		return -EINVAL;
	/* Inclusive last byte: a region may end exactly at 2^64, not past. */
	last = region->base + (region->size - 1);
	if (last < region->base)
		return -EINVAL;
	if (bus->count == MMIO_BUS_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < bus->count; i++) {
		const struct mmio_region *r = &bus->regions[i];

		if (region->base <= r->base + (r->size - 1) && r->base <= last)
			return -EEXIST;
	}
	/* Keep the table sorted by base for the binary search. */
	for (i = bus->count; i > 0 && bus->regions[i - 1].base > region->base;
	     i--)
		bus->regions[i] = bus->regions[i - 1];
	bus->regions[i] = *region;
	bus->regions[i].accesses = 0;
	bus->count++;
	return 0;
}

struct mmio_region *mmio_bus_find(struct mmio_bus *bus, gpa_t addr,
				  unsigned int len)
{
	unsigned int lo = 0, hi = bus->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct mmio_region *r = &bus->regions[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->size) {
			lo = mid + 1;
		} else {
			/* addr is inside r: the whole access must be too. */
			if (len > r->size - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

int mmio_bus_access(struct mmio_bus *bus, gpa_t addr, uint8_t *data,
		    unsigned int len, int is_write)
{
	struct mmio_region *r;

	if (len == 0 || len > 8) {
		if (!is_write)
			memset(data, 0, len > 8 ? 8 : len);
		return -EINVAL;
	}
	r = mmio_bus_find(bus, addr, len);
	if (!r) {
		__atomic_fetch_add(&bus->unhandled, 1, __ATOMIC_RELAXED);
		if (!is_write)
			memset(data, 0, len);
		return -ENOENT;
	}
	__atomic_fetch_add(&r->accesses, 1, __ATOMIC_RELAXED);
	if (is_write)
		r->ops->write(r->opaque, addr - r->base, data, len);
	else
		r->ops->read(r->opaque, addr - r->base, data, len);
	return 0;
}
