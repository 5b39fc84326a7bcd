/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's coalesced MMIO ring: guest writes to a registered zone (the UART's
 * transmit register) are queued by KVM in a page shared with userspace
 * instead of exiting. They are replayed on the MMIO bus, in the order the
 * guest made them, by mmio_ring_drain(), which the VM calls before handling
 * any exit of any vCPU (so a queued byte is never overtaken by a trapped
 * access), on a short timer, and when the VM stops. No byte is lost: when
 * the ring is full KVM exits with the write as an ordinary MMIO exit, and
 * that exit drains the ring first.
 */
#ifndef VMM_VCPU_MMIO_RING_H
#define VMM_VCPU_MMIO_RING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_coalesced_mmio_ring;
struct mmio_bus;

struct mmio_ring {
	struct kvm_coalesced_mmio_ring *ring; /* NULL: no ring, drain no-op */
	uint32_t max;			      /* entries the page holds */
	uint32_t next; /* the next entry to replay (KVM's first may lag) */
	struct mmio_bus *bus;
	pthread_mutex_t lock; /* one drainer at a time keeps the order */
	uint64_t entries;     /* writes replayed */
	uint64_t bad;	      /* entries with an impossible length */
};

/*
 * mmio_ring_init() - @page (@page_size bytes, KVM's ring page, or NULL for
 * none) replays onto @bus. Returns 0 or -errno.
 */
int mmio_ring_init(struct mmio_ring *r, void *page, size_t page_size,
		   struct mmio_bus *bus);
void mmio_ring_destroy(struct mmio_ring *r);

/* mmio_ring_drain() - replay every queued write, oldest first. Any thread. */
void mmio_ring_drain(struct mmio_ring *r);

/* The number of entries a ring page of @page_size bytes holds. */
uint32_t mmio_ring_capacity(size_t page_size);

#endif
