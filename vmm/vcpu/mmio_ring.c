// SPDX-License-Identifier: GPL-2.0-only
#include "vcpu/mmio_ring.h"

#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "devices/mmio_bus.h"

uint32_t mmio_ring_capacity(size_t page_size)
{
	/* KVM_COALESCED_MMIO_MAX, for the host's page size. */
	return (uint32_t)((page_size - sizeof(struct kvm_coalesced_mmio_ring)) /
			  sizeof(struct kvm_coalesced_mmio));
}

int mmio_ring_init(struct mmio_ring *r, void *page, size_t page_size,
		   struct mmio_bus *bus)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = pthread_mutex_init(&r->lock, NULL);
	if (ret)
		return -ret;
	r->bus = bus;
	if (page && page_size > sizeof(struct kvm_coalesced_mmio_ring)) {
		r->ring = page;
		r->max = mmio_ring_capacity(page_size);
		r->next = r->ring->first;
	}
	return 0;
}

void mmio_ring_destroy(struct mmio_ring *r)
{
	pthread_mutex_destroy(&r->lock);
	r->ring = NULL;
}

/*
 * Linux before 6.12 ("KVM: Fix coalesced_mmio_has_room()") computes the
 * room left with an unsigned remainder that is wrong when first <= last:
 * it reports "full" early at 85 entries (harmless, an exit), and it misses
 * that the ring is full when first is 0 and last is max - 1 -- the next
 * write then makes last == first and a whole ring of writes vanishes. That
 * state needs first published as 0 while more than 85 writes are queued,
 * which a drainer preempted at the wrap can produce. So the drainer keeps
 * its own cursor and never publishes 0 as first: while its cursor is 0, KVM
 * still sees the last slot as queued and finds the ring full one write
 * sooner, which is correct on every kernel.
 */
void mmio_ring_drain(struct mmio_ring *r)
{
	struct kvm_coalesced_mmio_ring *ring = r ? r->ring : NULL;
	uint32_t next, last;

	if (!ring)
		return;
	/* The common case, no lock: nothing queued since the last drain. */
	if (__atomic_load_n(&r->next, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&r->lock);
	next = r->next;
	last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	while (next != last && next < r->max && last < r->max) {
		const struct kvm_coalesced_mmio *e =
			&ring->coalesced_mmio[next];
		uint8_t data[8];
		uint32_t len = e->len;

		if (len >= 1 && len <= sizeof(data)) {
			memcpy(data, e->data, len);
			mmio_bus_access(r->bus, e->phys_addr, data, len, 1);
			r->entries++;
		} else {
			r->bad++;
		}
		next = (next + 1) % r->max;
		__atomic_store_n(&r->next, next, __ATOMIC_RELAXED);
		/* Hand slots back to KVM only once consumed; never as 0. */
		if (next)
			__atomic_store_n(&ring->first, next, __ATOMIC_RELEASE);
		last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	}
	pthread_mutex_unlock(&r->lock);
}
