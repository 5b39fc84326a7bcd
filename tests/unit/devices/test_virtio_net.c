// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/virtio_net.c with a fake guest (fake_vring.h) and
 * a datagram socket pair as the backend: one packet per read and write,
 * like a tap with IFF_VNET_HDR. Headers and lengths from the guest are
 * hostile; receive never loses a packet for want of buffers.
 */
#include "devices/virtio_net.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "fake_vhost.h"
#include "fake_vring.h"
#include "fake_irq.h"
#include "unit.h"
#include "vhost.h"

#define QN	 16
#define TX_DESC	 (FAKE_RAM_BASE + 0x6000)
#define TX_AVAIL (FAKE_RAM_BASE + 0x7000)
#define TX_USED	 (FAKE_RAM_BASE + 0x7800)
#define RX_BUFS	 (FAKE_RAM_BASE + 0x20000) /* 64 KiB each, below */
#define TX_BUFS	 (FAKE_RAM_BASE + 0xa0000)
#define F(bit)	 (1ULL << (bit))
#define MRG	 F(VIRTIO_NET_F_MRG_RXBUF)
#define OFFLOADS                                                               \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |                   \
	 F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |               \
	 F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6))

static struct fake_vring f; /* queue 0 (receive) */
static struct virtio_mmio t;
static struct virtio_net *n;
static int sv[2]; /* sv[0]: the device's backend, sv[1]: the host side */
static int wakes, offload_calls;
static unsigned int offload_flags;
static uint16_t tx_avail, tx_next_desc, rx_next_desc;
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct irq_line irq = FAKE_IRQ_LINE(18);

static void fake_wake(void *opaque)
{
	(void)opaque;
	wakes++;
}

static int fake_set_offload(void *opaque, unsigned int flags)
{
	(void)opaque;
	offload_calls++;
	offload_flags = flags;
	return 0;
}

static void setup_with(int offloads)
{
	struct virtio_net_backend be = { .offloads = offloads,
					 .set_offload = fake_set_offload,
					 .wake = fake_wake };

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	/* Room for whole 64 KiB packets in the socket. */
	int sz = 1 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	be.fd = sv[0];
	ck_assert_int_eq(fake_vring_init(&f, QN), 0);
	n = calloc(1, sizeof(*n));
	virtio_net_init(n, mac, &be);
	ck_assert_int_eq(virtio_mmio_init(&t, 1, &virtio_net_ops, n,
					  VIRTIO_NET_QUEUES,
					  VIRTIO_NET_CONFIG_SIZE, &irq, &f.mem),
			 0);
	virtio_net_bind(n, &t);
	t.vqs[0] = f.vq;
	t.vqs[1] = f.vq;
	t.vqs[1].desc = TX_DESC;
	t.vqs[1].avail = TX_AVAIL;
	t.vqs[1].used = TX_USED;
	wakes = offload_calls = 0;
	offload_flags = ~0u;
	tx_avail = tx_next_desc = rx_next_desc = 0;
}

static void setup(void)
{
	setup_with(1);
}

static void teardown(void)
{
	virtio_mmio_destroy(&t);
	fake_vring_free(&f);
	free(n);
	close(sv[0]);
	close(sv[1]);
}

/* The driver accepts @features and sets DRIVER_OK. */
static void start(uint64_t features)
{
	t.driver_features = features | F(VIRTIO_F_VERSION_1);
	t.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		   VIRTIO_CONFIG_S_FEATURES_OK;
	virtio_net_ops.activate(n, &t);
	t.status |= VIRTIO_CONFIG_S_DRIVER_OK;
}

/* --- driver side helpers ------------------------------------------------ */

/* Offer one receive buffer of @len bytes (a chain of one descriptor). */
static void offer_rx(uint32_t len)
{
	uint16_t d = rx_next_desc++ % QN;

	fake_desc(&f, d, RX_BUFS + 0x10000ULL * (d % 8), len,
		  VRING_DESC_F_WRITE, 0);
	fake_avail_add(&f, d);
}

static uint8_t *rx_buf(uint16_t id)
{
	return fake_ptr(&f, RX_BUFS + 0x10000ULL * (id % 8));
}

/* Queue a transmit chain of @nseg segments (lengths @lens) from @data. */
static void tx_chain(const uint8_t *data, const uint32_t *lens,
		     unsigned int nseg, uint16_t last_flags)
{
	uint16_t head = tx_next_desc % QN;
	uint64_t at = TX_BUFS;
	size_t off = 0;

	for (unsigned int i = 0; i < nseg; i++) {
		uint16_t d = (uint16_t)((tx_next_desc + i) % QN);
		uint16_t flags = i + 1 < nseg ? VRING_DESC_F_NEXT : last_flags;

		memcpy(fake_ptr(&f, at), data + off, lens[i]);
		fake_desc_at(&f, TX_DESC, d, at, lens[i], flags,
			     (uint16_t)((d + 1) % QN));
		at += lens[i] + 64;
		off += lens[i];
	}
	tx_next_desc = (uint16_t)(tx_next_desc + nseg);
	fake_set16(&f, TX_AVAIL + 4 + 2 * (tx_avail % QN), head);
	tx_avail++;
	fake_set16(&f, TX_AVAIL + 2, tx_avail);
}

static void tx_kick(void)
{
	virtio_mmio_notify(&t, VIRTIO_NET_TXQ);
}

static uint16_t tx_used(void)
{
	return fake_get16(&f, TX_USED + 2);
}

/* A packet: header @h, then @len frame bytes of pattern. */
static size_t make_packet(uint8_t *buf, const struct virtio_net_hdr_v1 *h,
			  size_t len)
{
	memcpy(buf, h, sizeof(*h));
	for (size_t i = 0; i < len; i++)
		buf[sizeof(*h) + i] = (uint8_t)(i * 7 + 3);
	return sizeof(*h) + len;
}

/* The host sends a packet with header @h and @len frame bytes. */
static void host_send(const struct virtio_net_hdr_v1 *h, size_t len)
{
	static uint8_t buf[VIRTIO_NET_HDR_LEN + 70000];
	size_t total = make_packet(buf, h, len);

	ck_assert_int_eq(write(sv[1], buf, total), (ssize_t)total);
}

static ssize_t host_recv(uint8_t *buf, size_t len)
{
	return recv(sv[1], buf, len, MSG_DONTWAIT);
}

/* --- config and features ------------------------------------------------ */

START_TEST(config_has_mac_and_link_up)
{
	uint8_t cfg[VIRTIO_NET_CONFIG_SIZE];

	virtio_net_ops.read_config(n, 0, cfg, sizeof(cfg));
	ck_assert(memcmp(cfg, mac, 6) == 0);
	ck_assert_uint_eq(cfg[6] | cfg[7] << 8, VIRTIO_NET_S_LINK_UP);
	virtio_net_ops.read_config(n, 4, cfg, 2);
	ck_assert_uint_eq(cfg[0], 0x34);
	ck_assert_uint_eq(cfg[1], 0x56);
}
END_TEST

START_TEST(offloads_offered_only_when_backend_takes_them)
{
	uint64_t with = t.host_features;

	ck_assert(with & F(VIRTIO_NET_F_MAC));
	ck_assert(with & MRG);
	ck_assert((with & OFFLOADS) == OFFLOADS);
	teardown();
	setup_with(0);
	ck_assert(t.host_features & MRG);
	ck_assert((t.host_features & OFFLOADS) == 0);
}
END_TEST

START_TEST(backend_offloads_follow_the_driver)
{
	start(MRG | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4));
	ck_assert_int_gt(wakes, 0);
	virtio_net_rx(n);
	ck_assert_int_eq(offload_calls, 1);
	ck_assert_uint_eq(offload_flags, TUN_F_CSUM | TUN_F_TSO4);
	virtio_net_rx(n);
	ck_assert_int_eq(offload_calls, 1); /* once per negotiation */
	virtio_net_ops.reset(n);
	start(MRG);
	virtio_net_rx(n);
	ck_assert_uint_eq(offload_flags, 0);
}
END_TEST

/* --- transmit ----------------------------------------------------------- */

START_TEST(tx_sends_header_copy_and_frame)
{
	struct virtio_net_hdr_v1 h = { .num_buffers = htole16(77) };
	uint8_t pkt[200], got[300];
	size_t len = make_packet(pkt, &h, 100);
	uint32_t lens[] = { (uint32_t)len };
	struct virtio_net_hdr_v1 gh;

	start(MRG);
	tx_chain(pkt, lens, 1, 0);
	tx_kick();
	ck_assert_int_eq(host_recv(got, sizeof(got)), (ssize_t)len);
	memcpy(&gh, got, sizeof(gh));
	ck_assert_uint_eq(gh.num_buffers, 0); /* not the guest's */
	ck_assert(memcmp(got + 12, pkt + 12, 100) == 0);
	ck_assert_uint_eq(tx_used(), 1);
	ck_assert_uint_eq(n->tx_packets, 1);
	ck_assert_uint_eq(n->tx_bytes, 100);
}
END_TEST

START_TEST(tx_header_split_across_descriptors)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint8_t pkt[200], got[300];
	size_t len = make_packet(pkt, &h, 60);
	uint32_t lens[] = { 5, 9, (uint32_t)len - 14 };

	start(MRG);
	tx_chain(pkt, lens, 3, 0);
	tx_kick();
	ck_assert_int_eq(host_recv(got, sizeof(got)), (ssize_t)len);
	ck_assert(memcmp(got + 12, pkt + 12, 60) == 0);
}
END_TEST

START_TEST(tx_too_short_for_header_is_refused)
{
	uint8_t pkt[64] = { 0 }, got[64];
	uint32_t lens[] = { 8 };
	uint32_t lens2[] = { 12 + 13 }; /* header + less than Ethernet's */

	start(MRG);
	tx_chain(pkt, lens, 1, 0);
	tx_chain(pkt, lens2, 1, 0);
	tx_kick();
	ck_assert_int_lt(host_recv(got, sizeof(got)), 0);
	ck_assert_uint_eq(tx_used(), 2); /* returned all the same */
	ck_assert_uint_eq(n->tx_errors, 2);
	ck_assert_uint_eq(n->tx_packets, 0);
}
END_TEST

START_TEST(tx_hostile_headers_are_refused)
{
	struct virtio_net_hdr_v1 bad[] = {
		/* checksum offload past the end of the frame */
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		  .csum_start = htole16(90),
		  .csum_offset = htole16(16) },
		/* unknown flag bits */
		{ .flags = 0x80 },
		/* UFO: never offered */
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		  .gso_type = VIRTIO_NET_HDR_GSO_UDP,
		  .gso_size = htole16(1000),
		  .csum_start = htole16(34),
		  .csum_offset = htole16(6) },
		/* TSO with a zero segment size */
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		  .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		  .csum_start = htole16(34),
		  .csum_offset = htole16(16) },
		/* TSO without a checksum request */
		{ .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		  .gso_size = htole16(1000) },
		/* hdr_len past the frame */
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		  .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
		  .hdr_len = htole16(5000),
		  .gso_size = htole16(1000),
		  .csum_start = htole16(54),
		  .csum_offset = htole16(16) },
	};
	uint8_t pkt[200], got[300];

	start(MRG | OFFLOADS);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t lens[] = { (uint32_t)make_packet(pkt, &bad[i], 100) };

		tx_chain(pkt, lens, 1, 0);
	}
	tx_kick();
	ck_assert_int_lt(host_recv(got, sizeof(got)), 0);
	ck_assert_uint_eq(n->tx_errors, sizeof(bad) / sizeof(bad[0]));
	ck_assert_uint_eq(tx_used(), sizeof(bad) / sizeof(bad[0]));
}
END_TEST

START_TEST(tx_offloads_only_when_negotiated)
{
	struct virtio_net_hdr_v1 tso = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					 .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
					 .hdr_len = htole16(54),
					 .gso_size = htole16(1448),
					 .csum_start = htole16(34),
					 .csum_offset = htole16(16) };
	uint8_t pkt[4000], got[4000];
	uint32_t lens[] = { (uint32_t)make_packet(pkt, &tso, 3000) };

	start(MRG); /* no HOST_TSO4, no CSUM */
	tx_chain(pkt, lens, 1, 0);
	tx_kick();
	ck_assert_int_lt(host_recv(got, sizeof(got)), 0);
	ck_assert_uint_eq(n->tx_errors, 1);
	virtio_net_ops.reset(n);
	start(MRG | OFFLOADS);
	tx_chain(pkt, lens, 1, 0);
	tx_kick();
	ck_assert_int_eq(host_recv(got, sizeof(got)), (ssize_t)lens[0]);
	ck_assert_uint_eq(n->tx_packets, 1);
}
END_TEST

START_TEST(tx_writable_segment_is_refused)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint8_t pkt[200], got[300];
	uint32_t lens[] = { (uint32_t)make_packet(pkt, &h, 60), 16 };

	start(MRG);
	tx_chain(pkt, lens, 2, VRING_DESC_F_WRITE);
	tx_kick();
	ck_assert_int_lt(host_recv(got, sizeof(got)), 0);
	ck_assert_uint_eq(n->tx_errors, 1);
	ck_assert_uint_eq(tx_used(), 1);
}
END_TEST

/* --- receive ------------------------------------------------------------ */

START_TEST(rx_not_ready_reads_nothing)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint8_t got[200];

	host_send(&h, 60);
	ck_assert_int_eq(virtio_net_rx(n), 0);
	/* Still in the backend, for later. */
	ck_assert_int_eq(recv(sv[0], got, sizeof(got), MSG_PEEK), 72);
}
END_TEST

START_TEST(rx_one_packet_one_buffer)
{
	struct virtio_net_hdr_v1 h = { 0 }, gh;
	uint32_t id, len;

	start(MRG);
	offer_rx(2048);
	host_send(&h, 100);
	ck_assert_int_eq(virtio_net_rx(n), 1);
	ck_assert_uint_eq(fake_used_idx(&f), 1);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(len, 112);
	memcpy(&gh, rx_buf(0), sizeof(gh));
	ck_assert_uint_eq(le16toh(gh.num_buffers), 1);
	ck_assert_uint_eq(rx_buf(0)[12 + 5], (uint8_t)(5 * 7 + 3));
	ck_assert_uint_eq(n->rx_packets, 1);
	ck_assert_uint_eq(n->rx_bytes, 100);
}
END_TEST

START_TEST(rx_mergeable_splits_across_buffers)
{
	struct virtio_net_hdr_v1 h = { 0 }, gh;
	uint32_t id, len;

	start(MRG);
	for (int i = 0; i < 4; i++)
		offer_rx(1024);
	host_send(&h, 3000); /* 3012 bytes: 1024 + 1024 + 964 */
	ck_assert_int_eq(virtio_net_rx(n), 1);
	ck_assert_uint_eq(fake_used_idx(&f), 3);
	memcpy(&gh, rx_buf(0), sizeof(gh));
	ck_assert_uint_eq(le16toh(gh.num_buffers), 3);
	fake_used_elem(&f, 2, &id, &len);
	ck_assert_uint_eq(id, 2);
	ck_assert_uint_eq(len, 964);
	/* Frame byte 2000 is packet byte 2012: in the second buffer;
	 * frame byte 2500 (packet byte 2512) in the third. */
	ck_assert_uint_eq(rx_buf(1)[2012 - 1024], (uint8_t)(2000 * 7 + 3));
	ck_assert_uint_eq(rx_buf(2)[2500 + 12 - 2048], (uint8_t)(2500 * 7 + 3));
}
END_TEST

START_TEST(rx_without_buffers_holds_the_packet)
{
	struct virtio_net_hdr_v1 h = { 0 };

	start(MRG);
	host_send(&h, 100);
	host_send(&h, 200);
	/* No buffers: stop watching the backend, lose nothing. */
	ck_assert_int_eq(virtio_net_rx(n), 0);
	ck_assert_uint_eq(fake_used_idx(&f), 0);
	/* The driver adds buffers and kicks: the device asks for rx. */
	wakes = 0;
	offer_rx(2048);
	offer_rx(2048);
	virtio_mmio_notify(&t, VIRTIO_NET_RXQ);
	ck_assert_int_eq(wakes, 1);
	ck_assert_int_eq(virtio_net_rx(n), 1);
	ck_assert_uint_eq(fake_used_idx(&f), 2);
	ck_assert_uint_eq(n->rx_packets, 2);
	ck_assert_uint_eq(n->rx_drops, 0);
}
END_TEST

START_TEST(rx_partial_packet_is_not_published)
{
	struct virtio_net_hdr_v1 h = { 0 }, gh;

	start(MRG);
	offer_rx(1024);
	offer_rx(1024);
	host_send(&h, 3000);
	ck_assert_int_eq(virtio_net_rx(n), 0);
	ck_assert_uint_eq(fake_used_idx(&f), 0); /* two held, unpublished */
	offer_rx(1024);
	ck_assert_int_eq(virtio_net_rx(n), 1);
	ck_assert_uint_eq(fake_used_idx(&f), 3);
	memcpy(&gh, rx_buf(0), sizeof(gh));
	ck_assert_uint_eq(le16toh(gh.num_buffers), 3);
	ck_assert_uint_eq(n->rx_packets, 1);
}
END_TEST

START_TEST(rx_larger_than_the_whole_ring_is_dropped)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint32_t id, len;

	start(MRG);
	for (int i = 0; i < QN; i++)
		offer_rx(64);
	host_send(&h, 3000);
	host_send(&h, 20);
	virtio_net_rx(n);
	/* All 16 returned empty, the packet counted as dropped; the next
	 * one waits for buffers. */
	ck_assert_uint_eq(fake_used_idx(&f), QN);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(n->rx_drops, 1);
	offer_rx(64);
	ck_assert_int_eq(virtio_net_rx(n), 1);
	ck_assert_uint_eq(n->rx_packets, 1);
}
END_TEST

START_TEST(rx_without_mergeable_needs_one_chain)
{
	struct virtio_net_hdr_v1 h = { 0 }, gh;
	uint32_t id, len;

	start(0);
	offer_rx(1024);
	offer_rx(2048);
	host_send(&h, 1500); /* too big for the first chain: dropped */
	host_send(&h, 1500);
	virtio_net_rx(n);
	ck_assert_uint_eq(fake_used_idx(&f), 2);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(len, 0);
	fake_used_elem(&f, 1, &id, &len);
	ck_assert_uint_eq(len, 1512);
	memcpy(&gh, rx_buf(1), sizeof(gh));
	ck_assert_uint_eq(le16toh(gh.num_buffers), 1);
	ck_assert_uint_eq(n->rx_drops, 1);
	ck_assert_uint_eq(n->rx_packets, 1);
}
END_TEST

START_TEST(rx_buffer_shorter_than_header_is_skipped)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint32_t id, len;

	start(MRG);
	offer_rx(8);
	offer_rx(2048);
	host_send(&h, 100);
	virtio_net_rx(n);
	ck_assert_uint_eq(fake_used_idx(&f), 2);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(len, 0);
	fake_used_elem(&f, 1, &id, &len);
	ck_assert_uint_eq(len, 112);
	ck_assert_uint_eq(n->rx_errors, 1);
}
END_TEST

START_TEST(rx_readable_buffer_is_refused)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint32_t id, len;

	start(MRG);
	fake_desc(&f, 0, RX_BUFS, 2048, 0, 0); /* device-readable */
	fake_avail_add(&f, 0);
	rx_next_desc = 1;
	offer_rx(2048);
	host_send(&h, 100);
	virtio_net_rx(n);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(len, 0);
	fake_used_elem(&f, 1, &id, &len);
	ck_assert_uint_eq(len, 112);
}
END_TEST

START_TEST(rx_offloads_the_driver_did_not_take_are_dropped)
{
	struct virtio_net_hdr_v1 gso = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					 .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
					 .gso_size = htole16(1448),
					 .csum_start = htole16(34),
					 .csum_offset = htole16(16) };
	struct virtio_net_hdr_v1 csum = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					  .csum_start = htole16(34),
					  .csum_offset = htole16(16) };
	struct virtio_net_hdr_v1
		valid = { .flags = VIRTIO_NET_HDR_F_DATA_VALID },
		gh;

	start(MRG);
	offer_rx(2048);
	host_send(&gso, 100);
	host_send(&csum, 100);
	host_send(&valid, 100);
	virtio_net_rx(n);
	ck_assert_uint_eq(n->rx_errors, 2);
	ck_assert_uint_eq(n->rx_packets, 1);
	memcpy(&gh, rx_buf(0), sizeof(gh));
	ck_assert_uint_eq(gh.flags, 0); /* no GUEST_CSUM: no flags */
}
END_TEST

START_TEST(rx_short_backend_packet_is_dropped)
{
	uint8_t tiny[20] = { 0 };

	start(MRG);
	offer_rx(2048);
	ck_assert_int_eq(write(sv[1], tiny, sizeof(tiny)), 20);
	ck_assert_int_eq(virtio_net_rx(n), 1);
	ck_assert_uint_eq(fake_used_idx(&f), 0);
	ck_assert_uint_eq(n->rx_errors, 1);
}
END_TEST

START_TEST(rx_bad_chain_alone_still_interrupts)
{
	struct virtio_net_hdr_v1 h = { 0 };

	start(MRG);
	fake_desc(&f, 0, RX_BUFS, 2048, 0, 0); /* device-readable */
	fake_avail_add(&f, 0);
	host_send(&h, 100);
	ck_assert_int_eq(virtio_net_rx(n), 0); /* no usable buffer */
	ck_assert_uint_eq(fake_used_idx(&f), 1);
	ck_assert_uint_eq(t.interrupts, 1); /* the driver gets it back */
}
END_TEST

START_TEST(rx_backend_error_stops_watching)
{
	int dir = open("/", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(dir, 0);
	start(MRG);
	offer_rx(2048);
	n->be.fd = dir; /* read() fails with EISDIR */
	ck_assert_int_eq(virtio_net_rx(n), 0);
	ck_assert_uint_eq(n->rx_errors, 1);
	n->be.fd = sv[0];
	close(dir);
}
END_TEST

START_TEST(reset_forgets_the_held_packet)
{
	struct virtio_net_hdr_v1 h = { 0 };

	start(MRG);
	offer_rx(1024);
	host_send(&h, 3000);
	ck_assert_int_eq(virtio_net_rx(n), 0);
	ck_assert_uint_ne(n->nheld, 0);
	virtio_net_ops.reset(n);
	ck_assert_uint_eq(n->nheld, 0);
	ck_assert_uint_eq(n->pend_len, 0);
}
END_TEST

/* --- vhost-net ---------------------------------------------------------- */

static struct vhost vh;

/* A vhost-net (fake) that has the device's queues. */
static void use_vhost(void)
{
	char why[256];

	fake_vhost_reset(F(VIRTIO_F_VERSION_1) | MRG |
			 F(VIRTIO_RING_F_EVENT_IDX));
	vhost_init(&vh, VIRTIO_NET_QUEUES, fake_vhost_ioctl);
	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)), 0);
	ck_assert_int_eq(vhost_set_mem_table(&vh, &f.mem), 0);
	vhost_bind(&vh, &t);
	virtio_net_use_vhost(n, &vh);
	fake_vhost.n = 0; /* count from here */
}

START_TEST(vhost_starts_rings_then_backend)
{
	const struct fake_vhost_call *c;

	use_vhost();
	wakes = 0;
	start(MRG | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_MAC));
	ck_assert_int_eq(wakes, 0); /* the kernel receives, not the loop */
	ck_assert_int_eq(offload_calls, 1);
	ck_assert_uint_eq(offload_flags, TUN_F_CSUM);
	/* vhost is told only what it knows. */
	c = fake_vhost_find(VHOST_SET_FEATURES, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u64, F(VIRTIO_F_VERSION_1) | MRG);
	ck_assert_uint_eq(fake_vhost_count(VHOST_SET_VRING_ADDR), 2);
	ck_assert_uint_eq(fake_vhost_count(VHOST_NET_SET_BACKEND), 2);
	/* The backend comes last. */
	ck_assert_uint_eq(fake_vhost.calls[fake_vhost.n - 1].req,
			  VHOST_NET_SET_BACKEND);
	ck_assert_uint_eq(t.status & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	vhost_close(&vh);
}
END_TEST

START_TEST(vhost_reset_takes_backend_back_first)
{
	use_vhost();
	virtio_net_ops.reset(n); /* before any start: nothing to take back */
	ck_assert_uint_eq(fake_vhost_count(VHOST_NET_SET_BACKEND), 0);
	start(MRG);
	fake_vhost.n = 0;
	virtio_net_ops.reset(n);
	ck_assert_uint_eq(fake_vhost_count(VHOST_NET_SET_BACKEND), 2);
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 2);
	ck_assert_uint_eq(fake_vhost.calls[0].req, VHOST_NET_SET_BACKEND);
	vhost_close(&vh);
}
END_TEST

START_TEST(vhost_failure_needs_reset)
{
	use_vhost();
	fake_vhost.fail = VHOST_NET_SET_BACKEND;
	fake_vhost.fail_errno = EBADFD;
	start(MRG);
	ck_assert_uint_ne(t.status & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 2);
	vhost_close(&vh);
}
END_TEST

START_TEST(vhost_mode_leaves_the_backend_alone)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint8_t got[200];

	use_vhost();
	start(MRG);
	offer_rx(2048);
	host_send(&h, 60);
	ck_assert_int_eq(virtio_net_rx(n), 0);
	ck_assert_int_eq(recv(sv[0], got, sizeof(got), MSG_PEEK), 72);
	ck_assert_uint_eq(fake_used_idx(&f), 0);
	vhost_close(&vh);
}
END_TEST

static Suite *virtio_net_suite(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("virtio_net");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(
		tc, config_has_mac_and_link_up,
		offloads_offered_only_when_backend_takes_them,
		backend_offloads_follow_the_driver,
		tx_sends_header_copy_and_frame,
		tx_header_split_across_descriptors,
		tx_too_short_for_header_is_refused,
		tx_hostile_headers_are_refused,
		tx_offloads_only_when_negotiated,
		tx_writable_segment_is_refused, rx_not_ready_reads_nothing,
		rx_one_packet_one_buffer, rx_mergeable_splits_across_buffers,
		rx_without_buffers_holds_the_packet,
		rx_partial_packet_is_not_published,
		rx_larger_than_the_whole_ring_is_dropped,
		rx_without_mergeable_needs_one_chain,
		rx_buffer_shorter_than_header_is_skipped,
		rx_readable_buffer_is_refused,
		rx_offloads_the_driver_did_not_take_are_dropped,
		rx_short_backend_packet_is_dropped,
		rx_bad_chain_alone_still_interrupts,
		rx_backend_error_stops_watching, reset_forgets_the_held_packet,
		vhost_starts_rings_then_backend,
		vhost_reset_takes_backend_back_first, vhost_failure_needs_reset,
		vhost_mode_leaves_the_backend_alone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtio_net_suite());
}
