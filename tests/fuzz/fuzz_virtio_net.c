// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for virtio-net (vmm/devices/virtio_net.c): the input
 * is a guest and what its tap delivers.
 *
 *   byte 0      the driver's features: bit 0 MRG_RXBUF, 1 CSUM, 2
 *               GUEST_CSUM, 3 HOST_TSO4, 4 HOST_TSO6, 5 GUEST_TSO4, 6
 *               GUEST_TSO6, 7 the tap takes offloads
 *   byte 1      log2 of the receive (low nibble) and transmit (high)
 *               ring sizes
 *   byte 2      how many packets the tap delivers (0..15)
 *   byte 3      unused
 *   4..4+RAM    guest RAM (shorter inputs are zero-padded): the receive
 *               ring at 0x0000 (desc), 0x1000 (avail), 0x2000 (used), the
 *               transmit ring at 0x3000, 0x4000, 0x5000, buffers anywhere
 *   after RAM   the tap's packets, each a 2-byte little-endian length and
 *               that many bytes (virtio_net_hdr_v1 + frame)
 *
 * The harness kicks transmit, delivers the packets, lets the device
 * receive, then reads and touches what reached the tap. Any crash, hang,
 * or sanitizer report is a bug.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "devices/virtio_net.h"
#include "log.h"

#define RAM_SIZE 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void nop_set(struct irq_line *l, int level)
{
	(void)l;
	(void)level;
}

static int nop_offload(void *opaque, unsigned int flags)
{
	(void)opaque;
	(void)flags;
	return 0;
}

static void nop_wake(void *opaque)
{
	(void)opaque;
}

static const unsigned int feature_bits[] = {
	VIRTIO_NET_F_MRG_RXBUF,	 VIRTIO_NET_F_CSUM,
	VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_HOST_TSO4,
	VIRTIO_NET_F_HOST_TSO6,	 VIRTIO_NET_F_GUEST_TSO4,
	VIRTIO_NET_F_GUEST_TSO6,
};

static void set_ring(struct virtqueue *vq, unsigned int log2, uint64_t at)
{
	vq->num = (uint16_t)(1u << (log2 % 9)); /* 1..256 */
	vq->desc = LAYOUT_RAM_BASE + at;
	vq->avail = LAYOUT_RAM_BASE + at + 0x1000;
	vq->used = LAYOUT_RAM_BASE + at + 0x2000;
	vq->event_idx = 1;
	vq->indirect = 1;
	vq_enable(vq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_net n;
	static uint8_t buf[VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX + 64];
	struct irq_line irq = { .set_level = nop_set, .spi = 16 };
	struct virtio_net_backend be = { .set_offload = nop_offload,
					 .wake = nop_wake };
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	struct virtio_mmio t;
	struct guest_mem mem;
	const uint8_t *p, *end = data + size;
	volatile uint8_t sink = 0;
	uint8_t *ram;
	int sv[2], sz = 1 << 20;

	if (size < 4)
		return 0;
	log_set_level(LOG_ERROR);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 0;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		goto out_close;
	p = data + 4;
	memcpy(ram, p,
	       (size_t)(end - p) < RAM_SIZE ? (size_t)(end - p) : RAM_SIZE);
	p = (size_t)(end - p) < RAM_SIZE ? end : p + RAM_SIZE;
	guest_mem_init_from(&mem, LAYOUT_RAM_BASE, ram, RAM_SIZE);

	be.fd = sv[0];
	be.offloads = data[0] >> 7;
	virtio_net_init(&n, mac, &be);
	if (virtio_mmio_init(&t, 1, &virtio_net_ops, &n, VIRTIO_NET_QUEUES,
			     VIRTIO_NET_CONFIG_SIZE, &irq, &mem))
		goto out_free;
	virtio_net_bind(&n, &t);
	set_ring(&t.vqs[0], data[1] & 15, 0);
	set_ring(&t.vqs[1], data[1] >> 4, 0x3000);
	t.driver_features = 1ULL << VIRTIO_F_VERSION_1;
	for (unsigned int i = 0; i < 7; i++)
		if (data[0] & (1u << i))
			t.driver_features |= 1ULL << feature_bits[i];
	t.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		   VIRTIO_CONFIG_S_FEATURES_OK;
	virtio_net_ops.activate(&n, &t);
	t.status |= VIRTIO_CONFIG_S_DRIVER_OK;

	virtio_mmio_notify(&t, VIRTIO_NET_TXQ);
	for (unsigned int i = 0; i < (data[2] & 15u) && end - p >= 2; i++) {
		size_t len = (size_t)(p[0] | p[1] << 8);

		p += 2;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		if (write(sv[1], p, len) < 0)
			break;
		p += len;
	}
	virtio_mmio_notify(&t, VIRTIO_NET_RXQ);
	for (int i = 0; i < 4 && virtio_net_rx(&n); i++)
		;
	/* What the guest sent: every byte readable. */
	for (;;) {
		ssize_t r = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);

		if (r <= 0)
			break;
		sink ^= buf[0] ^ buf[r - 1];
	}
	virtio_net_ops.reset(&n);
	virtio_mmio_destroy(&t);
	(void)sink;
out_free:
	free(ram);
out_close:
	close(sv[0]);
	close(sv[1]);
	return 0;
}
