// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtio_net.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "log.h"
#include "vhost.h"

#define F(bit) (1ULL << (bit))
#define OFFLOAD_FEATURES                                                       \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |                   \
	 F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |               \
	 F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6))
/* Packets moved per virtio_net_rx() call: the loop serves others too. */
#define RX_BUDGET 256

void virtio_net_init(struct virtio_net *n, const uint8_t mac[6],
		     const struct virtio_net_backend *be)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->mac, mac, 6);
	n->be = *be;
	n->offload_dirty = 1;
}

void virtio_net_bind(struct virtio_net *n, struct virtio_mmio *t)
{
	n->t = t;
}

void virtio_net_use_vhost(struct virtio_net *n, struct vhost *vh)
{
	n->vh = vh;
}

static uint64_t net_features(void *dev)
{
	struct virtio_net *n = dev;
	uint64_t f = F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
		     F(VIRTIO_NET_F_MRG_RXBUF);

	if (n->be.offloads)
		f |= OFFLOAD_FEATURES;
	return f;
}

static void net_read_config(void *dev, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	struct virtio_net *n = dev;
	uint8_t cfg[VIRTIO_NET_CONFIG_SIZE] = { 0 };
	uint16_t status = htole16(VIRTIO_NET_S_LINK_UP);
	uint16_t pairs = htole16(1);

	memcpy(cfg, n->mac, 6);
	memcpy(cfg + 6, &status, 2);
	memcpy(cfg + 8, &pairs, 2);
	/* The transport bounds off + len by VIRTIO_NET_CONFIG_SIZE. */
	memcpy(data, cfg + off, len);
}

static int has(const struct virtio_net *n, unsigned int bit)
{
	return !!(n->features & F(bit));
}

static int queue_live(const struct virtio_net *n, unsigned int q)
{
	const struct virtio_mmio *t = n->t;

	return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET) && t->vqs[q].ready &&
	       !t->vqs[q].broken;
}

/* Copy @len bytes from @src into the segments @iov[0, @n). Returns bytes. */
static size_t copy_to_iov(const struct iovec *iov, unsigned int cnt,
			  const uint8_t *src, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < cnt && done < len; i++) {
		size_t c = iov[i].iov_len;

		if (c > len - done)
			c = len - done;
		memcpy(iov[i].iov_base, src + done, c);
		done += c;
	}
	return done;
}

/* Where byte @off of the segments @iov[0, @cnt) lives, or NULL. */
static uint8_t *iov_byte(const struct iovec *iov, unsigned int cnt, size_t off)
{
	for (unsigned int i = 0; i < cnt; i++) {
		if (off < iov[i].iov_len)
			return (uint8_t *)iov[i].iov_base + off;
		off -= iov[i].iov_len;
	}
	return NULL;
}

/* --- receive ------------------------------------------------------------ */

/* The header the backend gave, fitted to what the driver negotiated. */
static int rx_header_ok(struct virtio_net *n)
{
	struct virtio_net_hdr_v1 *h = (struct virtio_net_hdr_v1 *)n->pkt;
	uint8_t gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

	if (!has(n, VIRTIO_NET_F_GUEST_CSUM)) {
		if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return 0;
		h->flags = 0; /* as the spec asks without GUEST_CSUM */
	}
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		return 0; /* GUEST_ECN is never offered */
	if (gso == VIRTIO_NET_HDR_GSO_TCPV4 && has(n, VIRTIO_NET_F_GUEST_TSO4))
		;
	else if (gso == VIRTIO_NET_HDR_GSO_TCPV6 &&
		 has(n, VIRTIO_NET_F_GUEST_TSO6))
		;
	else if (gso != VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	h->num_buffers = htole16(1);
	return 1;
}

/* Return the chains held for the pending packet; it is done with. */
static void rx_finish(struct virtio_net *n, int deliver)
{
	struct virtqueue *vq = &n->t->vqs[VIRTIO_NET_RXQ];

	if (deliver && n->nheld > 1) {
		uint16_t count = htole16((uint16_t)n->nheld);

		memcpy(n->num_buffers[0], &count, 1);
		memcpy(n->num_buffers[1], (uint8_t *)&count + 1, 1);
	}
	for (unsigned int i = 0; i < n->nheld; i++)
		vq_push(vq, n->held[i].head, deliver ? n->held[i].len : 0);
	if (deliver) {
		n->rx_packets++;
		n->rx_bytes += n->pend_len - VIRTIO_NET_HDR_LEN;
	} else {
		n->rx_drops++;
	}
	n->nheld = 0;
	n->pend_len = n->pend_off = 0;
}

/*
 * Put the pending packet into receive chains: with mergeable buffers as
 * many as it takes, else one that must hold it all. Returns 1 when the
 * packet is done with (delivered or dropped) and used entries were
 * pushed, 0 when the ring ran out of buffers first (the chains taken so
 * far stay held, unpublished, until the driver adds more).
 */
static int rx_deliver(struct virtio_net *n)
{
	struct virtqueue *vq = &n->t->vqs[VIRTIO_NET_RXQ];
	int mergeable = has(n, VIRTIO_NET_F_MRG_RXBUF);
	struct vq_req *req = &n->req;

	while (n->pend_off < n->pend_len) {
		const struct iovec *in;
		size_t c;

		if (n->nheld == vq->num || (!mergeable && n->nheld)) {
			/* Larger than every buffer the ring can offer. */
			rx_finish(n, 0);
			return 1;
		}
		if (vq_pop(vq, req) != 1)
			return 0;
		in = req->iov + req->n_out;
		/* Receive chains are device-writable only; the first of a
		 * packet must hold the whole header. */
		if (req->n_out ||
		    (n->nheld == 0 && req->in_len < VIRTIO_NET_HDR_LEN)) {
			n->rx_errors++;
			vq_push(vq, req->head, 0);
			continue;
		}
		if (n->nheld == 0) {
			n->num_buffers[0] = iov_byte(in, req->n_in, 10);
			n->num_buffers[1] = iov_byte(in, req->n_in, 11);
		}
		c = copy_to_iov(in, req->n_in, n->pkt + n->pend_off,
				n->pend_len - n->pend_off);
		n->held[n->nheld].head = req->head;
		n->held[n->nheld].len = (uint32_t)c;
		n->nheld++;
		n->pend_off += (uint32_t)c;
	}
	rx_finish(n, 1);
	return 1;
}

/* Make the backend's offloads follow what the driver negotiated. */
static void sync_offloads(struct virtio_net *n)
{
	unsigned int tun = 0;

	n->offload_dirty = 0;
	if (!n->be.offloads || !n->be.set_offload)
		return;
	if (has(n, VIRTIO_NET_F_GUEST_CSUM)) {
		tun |= TUN_F_CSUM;
		if (has(n, VIRTIO_NET_F_GUEST_TSO4))
			tun |= TUN_F_TSO4;
		if (has(n, VIRTIO_NET_F_GUEST_TSO6))
			tun |= TUN_F_TSO6;
	}
	if (n->be.set_offload(n->be.opaque, tun))
		pr_warn_ratelimited("virtio-net: cannot set the tap's "
				    "offloads");
}

int virtio_net_rx(struct virtio_net *n)
{
	struct virtqueue *vq = &n->t->vqs[VIRTIO_NET_RXQ];
	uint16_t used_before;
	int watch = 1;

	virtio_mmio_lock(n->t);
	if (n->vh || !queue_live(n, VIRTIO_NET_RXQ)) {
		virtio_mmio_unlock(n->t);
		return 0; /* activate() or a kick wakes us */
	}
	if (n->offload_dirty)
		sync_offloads(n);
	used_before = vq->used_idx;
	for (int budget = RX_BUDGET; budget > 0; budget--) {
		if (!n->pend_len) {
			ssize_t r = read(n->be.fd, n->pkt, sizeof(n->pkt));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno != EAGAIN) {
				/* Not again until a kick: an fd in error
				 * stays readable, and polling it would spin. */
				pr_warn_ratelimited("virtio-net: backend read: "
						    "%s",
						    strerror(errno));
				n->rx_errors++;
				watch = 0;
			}
			if (r <= 0)
				break;
			if (r < VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MIN ||
			    !rx_header_ok(n)) {
				n->rx_errors++;
				continue;
			}
			n->pend_len = (uint32_t)r;
		}
		if (!rx_deliver(n)) {
			watch = 0; /* until the driver adds buffers */
			break;
		}
	}
	/* Malformed chains returned on the way count as used too. */
	if (vq->used_idx != used_before || vq->broken)
		virtio_mmio_used(n->t, VIRTIO_NET_RXQ);
	virtio_mmio_unlock(n->t);
	return watch;
}

/* --- transmit ----------------------------------------------------------- */

/* The driver's header (our copy): only what was negotiated, consistent. */
static int tx_header_ok(const struct virtio_net *n,
			const struct virtio_net_hdr_v1 *h, size_t frame_len)
{
	uint16_t csum_start = le16toh(h->csum_start);
	uint16_t csum_offset = le16toh(h->csum_offset);

	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return 0;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!has(n, VIRTIO_NET_F_CSUM) ||
		    (size_t)csum_start + csum_offset + 2 > frame_len)
			return 0;
	}
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return 1;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!has(n, VIRTIO_NET_F_HOST_TSO4))
			return 0;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!has(n, VIRTIO_NET_F_HOST_TSO6))
			return 0;
		break;
	default:
		return 0; /* UFO, ECN, USO: never offered */
	}
	/* A segmented packet has its checksum done by the host. */
	return (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && h->gso_size &&
	       le16toh(h->hdr_len) <= frame_len;
}

/* Send one chain's packet. Returns 0, or -1 for a malformed one. */
static int tx_one(struct virtio_net *n, const struct vq_req *req)
{
	struct virtio_net_hdr_v1 hdr;
	struct iovec iov[VQ_MAX_SEGS + 1];
	unsigned int cnt = 1;
	size_t skip = sizeof(hdr), frame_len, got = 0;
	ssize_t r;

	if (req->n_in || req->out_len < sizeof(hdr) + VIRTIO_NET_FRAME_MIN ||
	    req->out_len > sizeof(hdr) + VIRTIO_NET_FRAME_MAX)
		return -1;
	frame_len = req->out_len - sizeof(hdr);
	/*
	 * A private copy of the header, checked and sent as checked: the
	 * guest can change its own copy at any time.
	 */
	for (unsigned int i = 0; i < req->n_out && got < sizeof(hdr); i++) {
		size_t c = req->iov[i].iov_len;

		if (c > sizeof(hdr) - got)
			c = sizeof(hdr) - got;
		memcpy((uint8_t *)&hdr + got, req->iov[i].iov_base, c);
		got += c;
	}
	if (!tx_header_ok(n, &hdr, frame_len))
		return -1;
	hdr.num_buffers = 0;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	for (unsigned int i = 0; i < req->n_out; i++) {
		size_t len = req->iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		iov[cnt].iov_base = (uint8_t *)req->iov[i].iov_base + skip;
		iov[cnt].iov_len = len - skip;
		skip = 0;
		cnt++;
	}
	do {
		r = writev(n->be.fd, iov, (int)cnt);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		/* The kernel refused the packet as malformed; or the host
		 * side is down or full, when a NIC drops too. */
		if (errno == EINVAL)
			return -1;
		n->tx_drops++;
		return 0;
	}
	n->tx_packets++;
	n->tx_bytes += frame_len;
	return 0;
}

static void tx_run(struct virtio_net *n)
{
	struct virtqueue *vq = &n->t->vqs[VIRTIO_NET_TXQ];

	while (vq_pop(vq, &n->req) == 1) {
		if (tx_one(n, &n->req))
			n->tx_errors++;
		vq_push(vq, n->req.head, 0);
	}
	virtio_mmio_used(n->t, VIRTIO_NET_TXQ);
}

/* --- the device --------------------------------------------------------- */

/* --- vhost-net ---------------------------------------------------------- */

/* Give both queues the backend @fd (-1: take it back). 0 or -errno. */
static int vhost_backend(struct virtio_net *n, int fd)
{
	int ret = 0;

	for (unsigned int q = 0; q < VIRTIO_NET_QUEUES; q++) {
		struct vhost_vring_file f = { .index = q, .fd = fd };
		int r = vhost_ioctl(n->vh, VHOST_NET_SET_BACKEND,
				    "VHOST_NET_SET_BACKEND", &f);

		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

/* The kernel lets go of the tap, then of the rings. */
static void vhost_off(struct virtio_net *n)
{
	if (n->vhost_running)
		vhost_backend(n, -1);
	n->vhost_running = 0;
	vhost_stop(n->vh);
}

/*
 * DRIVER_OK with vhost: the tap's offloads first (so nothing the driver
 * refused reaches it), then the rings, then the tap. On a vCPU thread.
 */
static void vhost_activate(struct virtio_net *n)
{
	int ret;

	sync_offloads(n);
	ret = vhost_start(n->vh);
	if (!ret) {
		n->vhost_running = 1;
		ret = vhost_backend(n, n->be.fd);
	}
	if (ret) {
		vhost_off(n);
		virtio_mmio_needs_reset(n->t, "vhost-net could not start");
	}
}

static void net_notify(void *dev, struct virtio_mmio *t, unsigned int q)
{
	struct virtio_net *n = dev;

	(void)t;
	if (n->vh) {
		/* A trapped QueueNotify (no ioeventfd): pass it on. */
		uint64_t one = 1;

		if (q < VIRTIO_NET_QUEUES &&
		    write(n->vh->vqs[q].kick_fd, &one, sizeof(one)) < 0)
			pr_warn_ratelimited("virtio-net: vhost kick: %s",
					    strerror(errno));
		return;
	}
	if (q == VIRTIO_NET_TXQ)
		tx_run(n);
	else if (n->be.wake)
		n->be.wake(n->be.opaque); /* new buffers: receive resumes */
}

static void net_activate(void *dev, struct virtio_mmio *t)
{
	struct virtio_net *n = dev;

	n->features = t->driver_features;
	n->offload_dirty = 1;
	if (n->vh) {
		vhost_activate(n);
		return;
	}
	if (n->be.wake)
		n->be.wake(n->be.opaque);
}

static void net_reset(void *dev)
{
	struct virtio_net *n = dev;

	if (n->vh)
		vhost_off(n);
	/* Transmit is synchronous; a held packet and its chains go. */
	n->pend_len = n->pend_off = 0;
	n->nheld = 0;
	n->features = 0;
	n->offload_dirty = 1;
}

const struct virtio_dev_ops virtio_net_ops = {
	.features = net_features,
	.read_config = net_read_config,
	.activate = net_activate,
	.notify = net_notify,
	.reset = net_reset,
};
