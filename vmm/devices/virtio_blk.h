/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk, the device side: parses requests from the virtqueue, checks
 * them against the disk, and hands them to a blk_backend (io_uring, or a
 * synchronous fallback). Requests from one notification are submitted as
 * one batch; completions come back on the event loop.
 *
 * Every request the guest can make wrong fails with an I/O error status
 * (or "unsupported"), never with anything worse: sectors past the end, a
 * length that is not whole sectors, a write to a read-only disk, a missing
 * status byte, a header split in odd places.
 */
#ifndef VMM_DEVICES_VIRTIO_BLK_H
#define VMM_DEVICES_VIRTIO_BLK_H

#include <stdint.h>

#include "devices/blk_backend.h"
#include "devices/virtio_mmio.h"

#define VIRTIO_BLK_ID_LEN 20

struct blk_req;

struct virtio_blk {
	struct blk_backend *be; /* owned */
	struct virtio_mmio *t;	/* set by virtio_blk_bind() */
	char serial[VIRTIO_BLK_ID_LEN + 1];
	int readonly;
	uint64_t capacity; /* 512-byte sectors */
	unsigned int inflight;
	int dropping;	 /* a reset is waiting for in-flight requests */
	int submit_each; /* benchmarks: one submission per request */
	struct blk_req *free_reqs;
	unsigned int nfree;
	/* Counters (read under the transport lock). */
	uint64_t requests, read_bytes, written_bytes, errors;
};

/*
 * virtio_blk_init() - a virtio-blk device over backend @be (ownership
 * passes to the device). @serial may be NULL (GET_ID answers zeros).
 */
void virtio_blk_init(struct virtio_blk *blk, struct blk_backend *be,
		     const char *serial);
void virtio_blk_destroy(struct virtio_blk *blk);

/* virtio_blk_bind() - the transport the device answers through. */
void virtio_blk_bind(struct virtio_blk *blk, struct virtio_mmio *t);

/*
 * virtio_blk_complete() - reap finished backend requests, return them to
 * the guest and interrupt it if it asked. Call on the event loop when the
 * backend's event fd is readable. Takes the transport lock.
 */
void virtio_blk_complete(struct virtio_blk *blk);

extern const struct virtio_dev_ops virtio_blk_ops;

/* Size of the config space the transport exposes. */
#define VIRTIO_BLK_CONFIG_SIZE 60

#endif
