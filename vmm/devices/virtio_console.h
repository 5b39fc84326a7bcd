/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-console with one port (the guest's hvc0): a console that moves
 * whole buffers per request instead of one byte per trapped register
 * access. Transmit requests go to the output callback in ring order;
 * input is held in a small buffer until the guest offers receive buffers
 * and has transmitted once since its driver started: Linux's hvc drops
 * input that arrives before anything has the port open, and a first
 * write (init's output, a prompt) is the only sign the port is in use.
 *
 * Queue work runs with the transport lock held (kicks on the event loop);
 * virtio_console_push_rx() takes the lock itself.
 */
#ifndef VMM_DEVICES_VIRTIO_CONSOLE_H
#define VMM_DEVICES_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtio_mmio.h"

#define VIRTIO_CONSOLE_RX_BUF 4096

typedef void (*virtio_console_out_fn)(void *opaque, const uint8_t *buf,
				      size_t len);
typedef void (*virtio_console_ready_fn)(void *opaque);

struct virtio_console {
	struct virtio_mmio *t; /* set by virtio_console_bind() */
	virtio_console_out_fn out;
	virtio_console_ready_fn rx_ready; /* room for more input */
	void *opaque;
	uint8_t in[VIRTIO_CONSOLE_RX_BUF]; /* input not yet in the guest */
	size_t in_len;
	int guest_spoke;   /* the guest transmitted since its driver started */
	struct vq_req req; /* scratch */
	uint64_t tx_bytes, rx_bytes, tx_requests;
};

void virtio_console_init(struct virtio_console *c, virtio_console_out_fn out,
			 virtio_console_ready_fn rx_ready, void *opaque);
void virtio_console_bind(struct virtio_console *c, struct virtio_mmio *t);

/* For struct console_input: room for input, and taking it. */
unsigned int virtio_console_rx_space(void *opaque);
size_t virtio_console_push_rx(void *opaque, const uint8_t *buf, size_t len);

extern const struct virtio_dev_ops virtio_console_ops;

#define VIRTIO_CONSOLE_QUEUES 2 /* receiveq0, transmitq0 */

#endif
