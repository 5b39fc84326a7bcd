/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake guest for virtqueue tests: 1 MiB of RAM from malloc at the real
 * RAM base, a split ring laid out in it, and helpers that play the driver
 * (write descriptors, publish avail entries, read used entries).
 */
#ifndef TESTS_UNIT_DEVICES_FAKE_VRING_H
#define TESTS_UNIT_DEVICES_FAKE_VRING_H

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "devices/virtqueue.h"
#include "memory/guest_mem.h"

#define FAKE_RAM_SIZE (1u << 20)
#define FAKE_RAM_BASE LAYOUT_RAM_BASE
#define FAKE_DESC     (FAKE_RAM_BASE + 0x1000)
#define FAKE_AVAIL    (FAKE_RAM_BASE + 0x3000)
#define FAKE_USED     (FAKE_RAM_BASE + 0x4000)
#define FAKE_INDIRECT (FAKE_RAM_BASE + 0x8000)
#define FAKE_DATA     (FAKE_RAM_BASE + 0x10000)

struct fake_vring {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtqueue vq;
	uint16_t avail_idx;
};

static inline void *fake_ptr(struct fake_vring *f, uint64_t gpa)
{
	return f->ram + (gpa - FAKE_RAM_BASE);
}

/* fake_vring_init() - RAM zeroed, a ring of @num set up and enabled. */
static inline int fake_vring_init(struct fake_vring *f, uint16_t num)
{
	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, FAKE_RAM_SIZE);
	guest_mem_init_from(&f->mem, FAKE_RAM_BASE, f->ram, FAKE_RAM_SIZE);
	vq_reset(&f->vq, &f->mem);
	f->vq.num = num;
	f->vq.desc = FAKE_DESC;
	f->vq.avail = FAKE_AVAIL;
	f->vq.used = FAKE_USED;
	return vq_enable(&f->vq);
}

static inline void fake_vring_free(struct fake_vring *f)
{
	free(f->ram);
}

/* Write descriptor @i of the table at @table. */
static inline void fake_desc_at(struct fake_vring *f, uint64_t table,
				uint16_t i, uint64_t addr, uint32_t len,
				uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = htole64(addr),
				.len = htole32(len),
				.flags = htole16(flags),
				.next = htole16(next) };

	memcpy(fake_ptr(f, table + 16ULL * i), &d, sizeof(d));
}

static inline void fake_desc(struct fake_vring *f, uint16_t i, uint64_t addr,
			     uint32_t len, uint16_t flags, uint16_t next)
{
	fake_desc_at(f, FAKE_DESC, i, addr, len, flags, next);
}

static inline void fake_set16(struct fake_vring *f, uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(fake_ptr(f, gpa), &v, 2);
}

static inline uint16_t fake_get16(struct fake_vring *f, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, fake_ptr(f, gpa), 2);
	return le16toh(v);
}

/* Publish @head in the avail ring. */
static inline void fake_avail_add(struct fake_vring *f, uint16_t head)
{
	fake_set16(f, FAKE_AVAIL + 4 + 2ULL * (f->avail_idx % f->vq.num), head);
	f->avail_idx++;
	fake_set16(f, FAKE_AVAIL + 2, f->avail_idx);
}

static inline uint16_t fake_used_idx(struct fake_vring *f)
{
	return fake_get16(f, FAKE_USED + 2);
}

/* Used entry @i: its id and length. */
static inline void fake_used_elem(struct fake_vring *f, uint16_t i,
				  uint32_t *id, uint32_t *len)
{
	struct vring_used_elem e;

	memcpy(&e, fake_ptr(f, FAKE_USED + 4 + 8ULL * (i % f->vq.num)),
	       sizeof(e));
	*id = le32toh(e.id);
	*len = le32toh(e.len);
}

#endif
