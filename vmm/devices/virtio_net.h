/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net, the device front: features (MAC, link status, mergeable
 * receive buffers, and checksum/TSO offloads when the backend takes them),
 * the config space, and the two queues. The backend is a file descriptor
 * that carries one packet per read()/write(), each after a 12-byte
 * virtio_net_hdr_v1: a tap with IFF_VNET_HDR (net_tap.h), or a datagram
 * socket in the unit tests.
 *
 * Transmit runs when the driver kicks queue 1. Receive runs only on the
 * event loop (virtio_net_rx()): when the backend fd is readable, and when
 * the device asks for it through the backend's wake() -- after the driver
 * kicked queue 0 with new buffers, or became ready. A packet that finds
 * no buffer is held (one at most) and the backend is not read until the
 * driver gives more: no busy polling and no silent loss; the kernel's tap
 * queue drops what does not fit, as a NIC's ring would.
 *
 * Everything from the guest is hostile: transmit headers and lengths are
 * checked on a private copy of the header before the packet goes out, and
 * receive buffers are filled only within the bounds the chain gives.
 */
#ifndef VMM_DEVICES_VIRTIO_NET_H
#define VMM_DEVICES_VIRTIO_NET_H

#include <stdint.h>

#include <linux/virtio_net.h>

#include "devices/virtio_mmio.h"
#include "devices/virtqueue.h"

#define VIRTIO_NET_QUEUES  2 /* receive, transmit */
#define VIRTIO_NET_RXQ	   0
#define VIRTIO_NET_TXQ	   1
#define VIRTIO_NET_HDR_LEN 12 /* struct virtio_net_hdr_v1 */
/* mac[6], status, max_virtqueue_pairs: what the offered features use. */
#define VIRTIO_NET_CONFIG_SIZE 10
/* Largest frame after the header: a 64 KiB GSO packet and its headers. */
#define VIRTIO_NET_FRAME_MAX (65536 + 256)
#define VIRTIO_NET_FRAME_MIN 14 /* an Ethernet header */
/*
 * Device bits vhost-net neither knows nor needs: the config space (MAC,
 * link status) is the VMM's, and offloads only change the headers, which
 * vhost passes between the guest and the tap untouched.
 */
#define VIRTIO_NET_VHOST_PASSTHROUGH                                           \
	((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |     \
	 (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_GUEST_TSO4) |      \
	 (1ULL << VIRTIO_NET_F_GUEST_TSO6) |                                   \
	 (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) | \
	 (1ULL << VIRTIO_NET_F_STATUS))

struct vhost;

struct virtio_net_backend {
	int fd; /* packets, each after a virtio_net_hdr_v1; non-blocking */
	int offloads; /* takes checksum + TSO4/6 packets both ways */
	/* Which offloads (TUN_F_*) received packets may carry; may be NULL.
	 * Called on the event loop only. */
	int (*set_offload)(void *opaque, unsigned int tun_flags);
	/* Any thread: have the event loop call virtio_net_rx() soon. */
	void (*wake)(void *opaque);
	void *opaque;
};

struct virtio_net_held {
	uint16_t head;
	uint32_t len;
};

struct virtio_net {
	struct virtio_mmio *t;
	struct virtio_net_backend be;
	struct vhost *vh;  /* non-NULL: vhost-net moves the packets */
	int vhost_running; /* it has the backend fd */
	uint8_t mac[6];
	uint64_t features; /* the driver's, from DRIVER_OK on */
	int offload_dirty; /* the backend's offloads must follow features */
	/* The packet being received: pkt[0, pend_len), sent up to pend_off
	 * into the chains held so far (mergeable buffers). */
	uint32_t pend_len, pend_off;
	unsigned int nheld;
	struct virtio_net_held held[VQ_NUM_MAX];
	uint8_t *num_buffers[2]; /* where the first chain's count lives */
	struct vq_req req;
	uint64_t rx_packets, rx_bytes, rx_drops, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_drops, tx_errors;
	uint8_t pkt[VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX];
};

/* virtio_net_init() - a NIC with address @mac on backend @be (copied). */
void virtio_net_init(struct virtio_net *n, const uint8_t mac[6],
		     const struct virtio_net_backend *be);

/* virtio_net_bind() - the transport @n is attached to; before any I/O. */
void virtio_net_bind(struct virtio_net *n, struct virtio_mmio *t);

/*
 * virtio_net_use_vhost() - let the opened vhost-net @vh (borrowed, its
 * queues handed over with vm_virtio_attach_vhost()) move the packets:
 * DRIVER_OK starts its rings and gives it the backend fd, a reset takes it
 * back. virtio_net_rx() then does nothing. Before the guest runs.
 */
void virtio_net_use_vhost(struct virtio_net *n, struct vhost *vh);

/*
 * virtio_net_rx() - on the event loop: move what the backend has into the
 * guest's receive buffers (a bounded batch), one interrupt for the batch.
 * Returns 1 when the backend fd should be watched for more, 0 when it
 * must not be until the device calls wake() (no buffers, or the driver is
 * not ready).
 */
int virtio_net_rx(struct virtio_net *n);

extern const struct virtio_dev_ops virtio_net_ops;

#endif
