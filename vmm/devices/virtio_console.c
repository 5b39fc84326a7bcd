// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtio_console.h"

#include <string.h>

#include <linux/virtio_config.h>

#include "log.h"

#define RXQ 0
#define TXQ 1

void virtio_console_init(struct virtio_console *c, virtio_console_out_fn out,
			 virtio_console_ready_fn rx_ready, void *opaque)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->rx_ready = rx_ready;
	c->opaque = opaque;
}

void virtio_console_bind(struct virtio_console *c, struct virtio_mmio *t)
{
	c->t = t;
}

static uint64_t console_features(void *dev)
{
	(void)dev;
	return 0; /* one port, no size, no emergency write */
}

static void console_read_config(void *dev, uint64_t off, uint8_t *data,
				unsigned int len)
{
	(void)dev;
	(void)off;
	memset(data, 0, len);
}

/* Move held input into the guest's receive buffers. Lock held. */
static void fill_rx(struct virtio_console *c)
{
	struct virtqueue *vq = &c->t->vqs[RXQ];
	size_t before = c->in_len;
	int pushed = 0;

	while (c->in_len && c->guest_spoke && vq->ready &&
	       vq_pop(vq, &c->req) == 1) {
		size_t off = 0;

		for (unsigned int i = c->req.n_out;
		     i < c->req.n_out + c->req.n_in && off < c->in_len; i++) {
			size_t n = c->req.iov[i].iov_len;

			if (n > c->in_len - off)
				n = c->in_len - off;
			memcpy(c->req.iov[i].iov_base, c->in + off, n);
			off += n;
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
		c->rx_bytes += off;
		vq_push(vq, c->req.head, (uint32_t)off);
		pushed = 1;
	}
	pr_debug("virtio-console: rx held %zu -> %zu bytes, queue %s", before,
		 c->in_len, vq->ready ? "ready" : "off");
	if (pushed)
		virtio_mmio_used(c->t, RXQ);
	if (c->in_len < before && c->rx_ready)
		c->rx_ready(c->opaque);
}

static void drain_tx(struct virtio_console *c)
{
	struct virtqueue *vq = &c->t->vqs[TXQ];
	int popped = 0;

	while (vq_pop(vq, &c->req) == 1) {
		for (unsigned int i = 0; i < c->req.n_out; i++) {
			c->out(c->opaque, c->req.iov[i].iov_base,
			       c->req.iov[i].iov_len);
			c->tx_bytes += c->req.iov[i].iov_len;
		}
		c->tx_requests++;
		popped = 1;
		vq_push(vq, c->req.head, 0);
	}
	virtio_mmio_used(c->t, TXQ);
	if (!c->guest_spoke && popped) {
		c->guest_spoke = 1;
		fill_rx(c); /* input held until now */
	}
}

static void console_notify(void *dev, struct virtio_mmio *t, unsigned int q)
{
	struct virtio_console *c = dev;

	(void)t;
	if (q == TXQ)
		drain_tx(c);
	else
		fill_rx(c); /* new receive buffers */
}

static void console_activate(void *dev, struct virtio_mmio *t)
{
	struct virtio_console *c = dev;

	(void)t;
	/*
	 * The driver is up: input typed meanwhile is held here; hand it over
	 * now (its kicks before DRIVER_OK were not ours to serve), and ask
	 * for more.
	 */
	fill_rx(c);
	if (c->rx_ready)
		c->rx_ready(c->opaque);
}

static void console_reset(void *dev)
{
	struct virtio_console *c = dev;

	/* Requests complete at once; held input waits for the new driver. */
	c->guest_spoke = 0;
}

unsigned int virtio_console_rx_space(void *opaque)
{
	struct virtio_console *c = opaque;
	unsigned int space;

	virtio_mmio_lock(c->t);
	space = (unsigned int)(sizeof(c->in) - c->in_len);
	virtio_mmio_unlock(c->t);
	return space;
}

size_t virtio_console_push_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct virtio_console *c = opaque;
	size_t n;

	virtio_mmio_lock(c->t);
	n = sizeof(c->in) - c->in_len;
	if (n > len)
		n = len;
	memcpy(c->in + c->in_len, buf, n);
	c->in_len += n;
	if (c->t->status & VIRTIO_CONFIG_S_DRIVER_OK)
		fill_rx(c);
	virtio_mmio_unlock(c->t);
	return n;
}

const struct virtio_dev_ops virtio_console_ops = {
	.features = console_features,
	.read_config = console_read_config,
	.activate = console_activate,
	.notify = console_notify,
	.reset = console_reset,
};
