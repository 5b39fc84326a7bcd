/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-rng (entropy device): every buffer the guest offers is filled
 * from the host's getrandom(2), so a guest boots with entropy to spare.
 */
#ifndef VMM_DEVICES_VIRTIO_RNG_H
#define VMM_DEVICES_VIRTIO_RNG_H

#include <stdint.h>
#include <sys/types.h>

#include "devices/virtio_mmio.h"

/*
 * Bytes one request may get: a guest can describe gigabytes, and filling
 * them would hold the event loop; the used length says what it got.
 */
#define VIRTIO_RNG_MAX_REQUEST 65536

/* Entropy source: fills @buf, returns bytes or -1. Tests pass a fake. */
typedef ssize_t (*virtio_rng_source_fn)(void *buf, size_t len);

struct virtio_rng {
	virtio_rng_source_fn source;
	struct vq_req req; /* scratch; the transport lock serialises use */
	uint64_t requests, bytes;
};

/* virtio_rng_init() - @source NULL: getrandom(2). */
void virtio_rng_init(struct virtio_rng *rng, virtio_rng_source_fn source);

extern const struct virtio_dev_ops virtio_rng_ops;

#endif
