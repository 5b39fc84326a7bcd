// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtio_rng.h"

#include <string.h>
#include <sys/random.h>

#include "log.h"

static ssize_t host_random(void *buf, size_t len)
{
	return getrandom(buf, len, 0);
}

void virtio_rng_init(struct virtio_rng *rng, virtio_rng_source_fn source)
{
	memset(rng, 0, sizeof(*rng));
	rng->source = source ? source : host_random;
}

static uint64_t rng_features(void *dev)
{
	(void)dev;
	return 0;
}

static void rng_read_config(void *dev, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	(void)dev;
	(void)off;
	memset(data, 0, len); /* no config space */
}

/*
 * Fill the writable segments of @req, at most VIRTIO_RNG_MAX_REQUEST bytes
 * in all; returns the bytes written.
 */
static uint32_t fill(struct virtio_rng *rng, const struct vq_req *req)
{
	uint32_t total = 0;

	for (unsigned int i = req->n_out; i < req->n_out + req->n_in; i++) {
		uint8_t *p = req->iov[i].iov_base;
		size_t left = req->iov[i].iov_len;

		if (left > VIRTIO_RNG_MAX_REQUEST - total)
			left = VIRTIO_RNG_MAX_REQUEST - total;
		while (left) {
			ssize_t n = rng->source(p, left);

			if (n <= 0) {
				pr_warn_ratelimited(
					"virtio-rng: entropy source "
					"failed");
				return total;
			}
			p += n;
			left -= (size_t)n;
			total += (uint32_t)n;
		}
		if (total == VIRTIO_RNG_MAX_REQUEST)
			break;
	}
	return total;
}

static void rng_notify(void *dev, struct virtio_mmio *t, unsigned int q)
{
	struct virtio_rng *rng = dev;

	while (vq_pop(&t->vqs[q], &rng->req) == 1) {
		uint32_t n = fill(rng, &rng->req);

		rng->requests++;
		rng->bytes += n;
		vq_push(&t->vqs[q], rng->req.head, n);
	}
	virtio_mmio_used(t, q);
}

static void rng_reset(void *dev)
{
	(void)dev; /* nothing in flight: requests complete at once */
}

const struct virtio_dev_ops virtio_rng_ops = {
	.features = rng_features,
	.read_config = rng_read_config,
	.notify = rng_notify,
	.reset = rng_reset,
};
