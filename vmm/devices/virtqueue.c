// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "log.h"

/* Ring layout (virtio 1.x, 2.7): sizes of each part for a ring of @num. */
static uint64_t desc_size(uint16_t num)
{
	return 16ULL * num;
}

static uint64_t avail_size(uint16_t num)
{
	return 6ULL + 2ULL * num; /* flags, idx, ring[num], used_event */
}

static uint64_t used_size(uint16_t num)
{
	return 6ULL + 8ULL * num; /* flags, idx, ring[num], avail_event */
}

void vq_reset(struct virtqueue *vq, const struct guest_mem *mem)
{
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
}

int vq_enable(struct virtqueue *vq)
{
	uint16_t n = vq->num;

	if (n == 0 || n > VQ_NUM_MAX || (n & (n - 1)))
		return -EINVAL;
	if (vq->desc % 16 || vq->avail % 2 || vq->used % 4)
		return -EINVAL;
	if (!guest_mem_contains(vq->mem, vq->desc, desc_size(n)) ||
	    !guest_mem_contains(vq->mem, vq->avail, avail_size(n)) ||
	    !guest_mem_contains(vq->mem, vq->used, used_size(n)))
		return -EINVAL;
	vq->ready = 1;
	return 0;
}

/* Ring fields: checked once in vq_enable(), so these cannot fail. */
static uint16_t *avail_field(const struct virtqueue *vq, uint64_t off)
{
	return guest_mem_ptr(vq->mem, vq->avail + off, 2);
}

static void *used_field(const struct virtqueue *vq, uint64_t off, uint64_t len)
{
	return guest_mem_ptr(vq->mem, vq->used + off, len);
}

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static uint16_t avail_idx(const struct virtqueue *vq)
{
	uint16_t idx = load16(avail_field(vq, 2));

	/* Entries up to idx are visible only after the index is. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return idx;
}

int vq_has_work(const struct virtqueue *vq)
{
	return vq->ready && !vq->broken && avail_idx(vq) != vq->last_avail;
}

struct chain_walk {
	struct vq_req *req;
	int seen_write; /* a device-writable segment came already */
};

/* Add one descriptor's buffer to the request. 0, or -EINVAL for a bad one. */
static int add_segment(struct virtqueue *vq, struct chain_walk *w,
		       uint64_t addr, uint32_t len, uint16_t flags)
{
	struct vq_req *req = w->req;
	int is_write = flags & VRING_DESC_F_WRITE;
	void *hva;

	if (len == 0)
		return -EINVAL;
	/* Device-readable segments must all come before writable ones. */
	if (!is_write && w->seen_write)
		return -EINVAL;
	if (req->n_out + req->n_in == VQ_MAX_SEGS)
		return -EINVAL;
	hva = guest_mem_ptr(vq->mem, addr, len);
	if (!hva)
		return -EINVAL; /* outside RAM: the MMIO hole, past the end */
	req->iov[req->n_out + req->n_in].iov_base = hva;
	req->iov[req->n_out + req->n_in].iov_len = len;
	if (is_write) {
		w->seen_write = 1;
		req->n_in++;
		req->in_len += len;
	} else {
		req->n_out++;
		req->out_len += len;
	}
	return 0;
}

static int read_desc(const struct virtqueue *vq, gpa_t table, uint16_t i,
		     struct vring_desc *d)
{
	if (guest_mem_read(vq->mem, table + 16ULL * i, d, sizeof(*d)))
		return -EINVAL;
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
	return 0;
}

/* Walk an indirect table: its own chain, bounded by its own size. */
static int walk_indirect(struct virtqueue *vq, struct chain_walk *w,
			 const struct vring_desc *ind)
{
	uint32_t entries = ind->len / 16;
	struct vring_desc d;
	uint16_t i = 0;

	if (!vq->indirect || ind->len == 0 || ind->len % 16 ||
	    entries > VQ_MAX_SEGS ||
	    !guest_mem_contains(vq->mem, ind->addr, ind->len))
		return -EINVAL;
	for (uint32_t hops = 0;; hops++) {
		if (hops == entries || i >= entries)
			return -EINVAL; /* a loop, or next past the table */
		if (read_desc(vq, ind->addr, i, &d))
			return -EINVAL;
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL; /* no nesting */
		if (add_segment(vq, w, d.addr, d.len, d.flags))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

static int walk_chain(struct virtqueue *vq, uint16_t head, struct vq_req *req)
{
	struct chain_walk w = { .req = req };
	struct vring_desc d;
	uint16_t i = head;

	req->head = head;
	req->n_out = req->n_in = 0;
	req->out_len = req->in_len = 0;
	for (unsigned int hops = 0;; hops++) {
		if (hops == vq->num || i >= vq->num)
			return -EINVAL; /* a loop, or next past the ring */
		if (read_desc(vq, vq->desc, i, &d))
			return -EINVAL;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* The indirect descriptor must be the whole chain. */
			if ((d.flags & VRING_DESC_F_NEXT) || hops != 0)
				return -EINVAL;
			return walk_indirect(vq, &w, &d);
		}
		if (add_segment(vq, &w, d.addr, d.len, d.flags))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

static void set_avail_event(struct virtqueue *vq)
{
	uint16_t *p = used_field(vq, 4 + 8ULL * vq->num, 2);

	store16(p, vq->last_avail);
	/* The driver must see it before we look at avail->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int vq_pop(struct virtqueue *vq, struct vq_req *req)
{
	for (;;) {
		uint16_t idx, head;

		if (!vq->ready || vq->broken)
			return 0;
		idx = avail_idx(vq);
		if (idx == vq->last_avail) {
			if (!vq->event_idx)
				return 0;
			set_avail_event(vq);
			if (avail_idx(vq) == vq->last_avail)
				return 0;
			continue;
		}
		if ((uint16_t)(idx - vq->last_avail) > vq->num) {
			pr_warn_ratelimited(
				"virtqueue: avail index jumped from "
				"%u to %u on a ring of %u: broken",
				vq->last_avail, idx, vq->num);
			vq->broken = 1;
			return 0;
		}
		head = load16(
			avail_field(vq, 4 + 2ULL * (vq->last_avail % vq->num)));
		vq->last_avail++;
		if (head >= vq->num) {
			pr_warn_ratelimited("virtqueue: head %u outside a ring "
					    "of %u: broken",
					    head, vq->num);
			vq->broken = 1;
			return 0;
		}
		if (walk_chain(vq, head, req) == 0)
			return 1;
		vq->bad_chains++;
		pr_warn_ratelimited("virtqueue: malformed descriptor chain at "
				    "head %u: request failed",
				    head);
		vq_push(vq, head, 0);
	}
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;
	uint16_t *idx;

	if (!vq->ready || vq->broken)
		return;
	e = used_field(vq, 4 + 8ULL * (vq->used_idx % vq->num), sizeof(*e));
	e->id = htole32(head);
	e->len = htole32(len);
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	idx = used_field(vq, 2, 2);
	store16(idx, vq->used_idx);
}

int vq_should_notify(struct virtqueue *vq)
{
	uint16_t old, new, event;
	int valid;

	if (!vq->ready)
		return 0;
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	new = vq->signalled_used = vq->used_idx;
	vq->signalled_valid = 1;
	/* Nothing returned since the last decision: nothing to tell. */
	if (valid && new == old)
		return 0;
	/* Our used->idx store must be seen before we read the driver's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(avail_field(vq, 0)) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	if (!valid)
		return 1;
	event = load16(avail_field(vq, 4 + 2ULL * vq->num));
	return vring_need_event(event, new, old);
}
