/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues, device side. All ring and descriptor memory belongs to
 * the guest and is hostile: every address and length goes through
 * guest_mem_ptr(), a chain is walked with a hop limit, an indirect table is
 * bounded, and a chain that breaks a rule fails that request alone (it is
 * returned used with length 0 and counted). Only damage that leaves no
 * request to return -- an avail index that jumps past the ring, a head
 * index outside it -- marks the queue broken, for the transport to report
 * DEVICE_NEEDS_RESET.
 *
 * Not thread-safe: the transport serialises all calls for one queue.
 */
#ifndef VMM_DEVICES_VIRTQUEUE_H
#define VMM_DEVICES_VIRTQUEUE_H

#include <stdint.h>
#include <sys/uio.h>

#include "memory/guest_mem.h"

#define VQ_NUM_MAX 256
/* Segments one request may have: data plus a header and a status. */
#define VQ_MAX_SEGS 130

struct virtqueue {
	const struct guest_mem *mem;
	uint16_t num; /* ring size, a power of 2 <= VQ_NUM_MAX */
	int ready;
	int event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	int indirect;  /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	gpa_t desc, avail, used;
	uint16_t last_avail; /* next avail entry to take */
	uint16_t used_idx;   /* next used entry to fill */
	uint16_t signalled_used;
	int signalled_valid;
	int broken;	     /* ring damaged: the device needs a reset */
	uint64_t bad_chains; /* requests failed for a malformed chain */
};

/* One request: device-readable segments first, then device-writable. */
struct vq_req {
	uint16_t head;
	unsigned int n_out, n_in;
	uint64_t out_len, in_len;
	struct iovec iov[VQ_MAX_SEGS]; /* out: [0, n_out), in: after */
};

/* vq_reset() - forget everything: back to the state after power-on. */
void vq_reset(struct virtqueue *vq, const struct guest_mem *mem);

/*
 * vq_enable() - validate the ring the driver configured (size a power of
 * two up to VQ_NUM_MAX, each part aligned as the spec asks and wholly in
 * RAM) and mark the queue ready. Returns 0 or -EINVAL (queue stays off).
 */
int vq_enable(struct virtqueue *vq);

/*
 * vq_pop() - take the next well-formed request. Returns 1 with @req
 * filled, 0 when the ring is empty (or the queue is not ready or broken).
 * Malformed chains met on the way are returned used with length 0 and
 * counted in bad_chains; with EVENT_IDX the avail event is updated
 * whenever the ring is found empty.
 */
int vq_pop(struct virtqueue *vq, struct vq_req *req);

/* vq_push() - return request @head with @len bytes written by the device. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/*
 * vq_should_notify() - after a batch of vq_push(): whether anything was
 * returned since the last call and the driver asked
 * to be interrupted (used_event with EVENT_IDX, else the NO_INTERRUPT flag).
 */
int vq_should_notify(struct virtqueue *vq);

/* vq_has_work() - whether the avail ring holds entries not yet taken. */
int vq_has_work(const struct virtqueue *vq);

#endif
