// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/virtio_vsock.c: config space, the CID claim, the
 * vhost start/stop sequence driven by the driver's status writes, and a
 * hostile driver on the event queue and config space.
 */
#include "devices/virtio_vsock.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/fake_vring.h"
#include "fake_vhost.h"
#include "log.h"
#include "fake_irq.h"
#include "unit.h"

#define CID 0x1122334455ULL /* wider than 32 bits: checks every byte */
#define VHOST_OFFERS                                                           \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |    \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VHOST_F_LOG_ALL) |   \
	 (1ULL << VIRTIO_F_ACCESS_PLATFORM) |                                  \
	 (1ULL << VIRTIO_VSOCK_F_SEQPACKET))

static struct fake_vring f;
static struct virtio_mmio t;
static struct virtio_vsock vs;
static char why[256];

static struct irq_line irq = FAKE_IRQ_LINE(0);

static void reg_write(uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(&t, off, (const uint8_t *)&v, 4);
}

static uint32_t reg_read(uint64_t off)
{
	uint32_t v;

	virtio_mmio_ops.read(&t, off, (uint8_t *)&v, 4);
	return v;
}

static void setup(void)
{
	ck_assert_int_eq(fake_vring_init(&f, 16), 0);
	fake_vhost_reset(VHOST_OFFERS);
	virtio_vsock_init(&vs, CID, fake_vhost_ioctl);
	ck_assert_int_eq(virtio_mmio_init(&t, 19, &virtio_vsock_ops, &vs,
					  VIRTIO_VSOCK_QUEUES,
					  VIRTIO_VSOCK_CONFIG_SIZE, &irq,
					  &f.mem),
			 0);
	why[0] = '\0';
	fake_irq_pulses = 0;
}

static void teardown(void)
{
	virtio_vsock_close(&vs);
	virtio_mmio_destroy(&t);
	fake_vring_free(&f);
}

/* What vm_virtio_attach_vhost() does, minus KVM. */
static void open_and_attach(void)
{
	ck_assert_int_eq(virtio_vsock_open(&vs, "/dev/null", why, sizeof(why)),
			 0);
	ck_assert_int_eq(vhost_set_mem_table(&vs.vh, &f.mem), 0);
	t.host_features &= vhost_features_mask(&vs.vh);
	vhost_bind(&vs.vh, &t);
}

/* Play the driver up to DRIVER_OK, with three rings set up in RAM. */
static void driver_ok(void)
{
	reg_write(VIRTIO_MMIO_STATUS,
		  VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	reg_write(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
					      VIRTIO_CONFIG_S_DRIVER |
					      VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned int q = 0; q < VIRTIO_VSOCK_QUEUES; q++) {
		uint64_t base = FAKE_RAM_BASE + 0x20000 + 0x2000ULL * q;

		reg_write(VIRTIO_MMIO_QUEUE_SEL, q);
		reg_write(VIRTIO_MMIO_QUEUE_NUM, 16);
		reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
		reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(base >> 32));
		reg_write(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)base + 0x400);
		reg_write(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(base >> 32));
		reg_write(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)base + 0x1000);
		reg_write(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(base >> 32));
		reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	reg_write(VIRTIO_MMIO_STATUS, 0xf);
}

START_TEST(test_config_is_the_cid_le64)
{
	uint8_t b[8];
	uint32_t lo, hi;

	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG, b, 8);
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(b[i], (CID >> (8 * i)) & 0xff);
	lo = reg_read(VIRTIO_MMIO_CONFIG);
	hi = reg_read(VIRTIO_MMIO_CONFIG + 4);
	ck_assert_uint_eq(lo, (uint32_t)CID);
	ck_assert_uint_eq(hi, (uint32_t)(CID >> 32));
	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 4, b, 1);
	ck_assert_uint_eq(b[0], 0x11);
	/* Past the end and straddling it: zeros, nothing else. */
	ck_assert_uint_eq(reg_read(VIRTIO_MMIO_CONFIG + 8), 0);
	memset(b, 0xaa, sizeof(b));
	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 6, b, 4);
	ck_assert_uint_eq(b[0] | b[1] | b[2] | b[3], 0);
}
END_TEST

START_TEST(test_config_writes_are_ignored)
{
	uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	virtio_mmio_ops.write(&t, VIRTIO_MMIO_CONFIG, junk, 8);
	virtio_mmio_ops.write(&t, VIRTIO_MMIO_CONFIG + 7, junk, 4);
	virtio_mmio_ops.write(&t, VIRTIO_MMIO_CONFIG + 0xfc, junk, 4);
	ck_assert_uint_eq(vs.cid, CID);
	ck_assert_uint_eq(reg_read(VIRTIO_MMIO_CONFIG), (uint32_t)CID);
	ck_assert_uint_eq(fake_vhost.n, 0);
}
END_TEST

START_TEST(test_open_claims_the_cid)
{
	const struct fake_vhost_call *c;

	ck_assert_int_eq(virtio_vsock_open(&vs, "/dev/null", why, sizeof(why)),
			 0);
	c = fake_vhost_find(VHOST_VSOCK_SET_GUEST_CID, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u64, CID);
}
END_TEST

START_TEST(test_cid_in_use_is_named)
{
	fake_vhost.fail = VHOST_VSOCK_SET_GUEST_CID;
	fake_vhost.fail_errno = EADDRINUSE;
	ck_assert_int_eq(virtio_vsock_open(&vs, "/dev/null", why, sizeof(why)),
			 -EADDRINUSE);
	ck_assert_str_eq(why, "vsock CID 73588229205 is already in use");
	ck_assert_int_eq(vs.vh.fd, -1);
}
END_TEST

START_TEST(test_missing_node_is_named)
{
	ck_assert_int_eq(virtio_vsock_open(&vs, "/nonexistent/vhost-vsock", why,
					   sizeof(why)),
			 -ENOENT);
	ck_assert_str_contains(why, "/nonexistent/vhost-vsock");
	ck_assert_str_contains(why, "vhost_vsock");
}
END_TEST

START_TEST(test_features_are_what_both_offer)
{
	uint64_t f0, f1;

	open_and_attach();
	reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f0 = reg_read(VIRTIO_MMIO_DEVICE_FEATURES);
	reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f1 = reg_read(VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert_uint_eq(f0 | f1 << 32,
			  (1ULL << VIRTIO_F_VERSION_1) |
				  (1ULL << VIRTIO_RING_F_EVENT_IDX) |
				  (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
				  (1ULL << VIRTIO_VSOCK_F_SEQPACKET));
}
END_TEST

START_TEST(test_driver_ok_starts_reset_stops)
{
	const struct fake_vhost_call *c;
	unsigned int before;

	open_and_attach();
	driver_ok();
	ck_assert_int_eq(vs.running, 1);
	ck_assert_uint_eq(vs.starts, 1);
	ck_assert_uint_eq(fake_vhost_count(VHOST_SET_VRING_ADDR), 2);
	c = fake_vhost_find(VHOST_VSOCK_SET_RUNNING, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u64, 1);
	c = fake_vhost_find(VHOST_SET_FEATURES, 0);
	ck_assert_uint_eq(c->u64, 1ULL << VIRTIO_F_VERSION_1);
	ck_assert(
		!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));

	before = fake_vhost.n;
	reg_write(VIRTIO_MMIO_STATUS, 0);
	ck_assert_int_eq(vs.running, 0);
	/* Backend off first, then the rings. */
	ck_assert_uint_eq(fake_vhost.calls[before].req,
			  VHOST_VSOCK_SET_RUNNING);
	ck_assert_uint_eq(fake_vhost.calls[before].u64, 0);
	ck_assert_uint_eq(fake_vhost.calls[before + 1].req,
			  VHOST_GET_VRING_BASE);
	ck_assert_uint_eq(fake_vhost.calls[before + 2].req,
			  VHOST_GET_VRING_BASE);
	ck_assert_uint_eq(fake_vhost.n, before + 3);
	/* A second reset has nothing to stop. */
	reg_write(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(fake_vhost.n, before + 3);
	/* And the driver can start it again. */
	driver_ok();
	ck_assert_int_eq(vs.running, 1);
	ck_assert_uint_eq(vs.starts, 2);
}
END_TEST

START_TEST(test_failed_start_needs_reset)
{
	open_and_attach();
	fake_vhost.fail = VHOST_VSOCK_SET_RUNNING;
	fake_vhost.fail_errno = EFAULT;
	driver_ok();
	ck_assert_int_eq(vs.running, 0);
	ck_assert(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* The rings it had started were stopped again. */
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 2);
	/* The driver was told (config change interrupt). */
	ck_assert_uint_eq(fake_irq_pulses, 1);
	ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS),
			  VIRTIO_MMIO_INT_CONFIG);
}
END_TEST

START_TEST(test_rings_not_set_up_needs_reset)
{
	open_and_attach();
	/* DRIVER_OK straight away, no queue ever made ready. */
	reg_write(VIRTIO_MMIO_STATUS, 0xf);
	ck_assert_int_eq(vs.running, 0);
	ck_assert_uint_eq(fake_vhost_count(VHOST_VSOCK_SET_RUNNING), 0);
	ck_assert(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}
END_TEST

START_TEST(test_event_queue_input_is_left_alone)
{
	unsigned int before;

	open_and_attach();
	driver_ok();
	before = fake_vhost.n;
	/* Garbage on the event queue's ring, kicked many times. */
	memset(fake_ptr(&f, FAKE_RAM_BASE + 0x24000), 0xff, 0x2000);
	for (int i = 0; i < 100; i++)
		virtio_mmio_notify(&t, VIRTIO_VSOCK_EVENT_QUEUE);
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_EVENT_QUEUE);
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 7);	  /* no such queue */
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, ~0u); /* nor this */
	virtio_mmio_notify(&t, VIRTIO_MMIO_MAX_QUEUES - 1);
	ck_assert_uint_eq(vs.event_kicks, 101);
	ck_assert_uint_eq(fake_vhost.n, before);
	ck_assert_uint_eq(fake_irq_pulses, 0);
	ck_assert(
		!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
}
END_TEST

START_TEST(test_trapped_notify_goes_to_vhost)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t n = 0;

	ck_assert_int_ge(efd, 0);
	open_and_attach();
	ck_assert_int_eq(vhost_set_kick(&vs.vh, 1, efd), 0);
	driver_ok();
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_int_eq(read(efd, &n, sizeof(n)), 8);
	ck_assert_uint_eq(n, 1);
	close(efd);
}
END_TEST

/* xorshift64: the same "random" driver on every run. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * A driver that writes anything anywhere: registers, config space, queue
 * addresses inside and outside RAM, status values in any order, kicks on
 * every queue; RAM full of garbage. vmm must not crash (ASan: make
 * SANITIZE=1 check), the CID must stay, and vhost runs only while the
 * driver has DRIVER_OK.
 */
START_TEST(test_random_driver_never_breaks_the_device)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	static const uint64_t hot[] = {
		VIRTIO_MMIO_STATUS,	    VIRTIO_MMIO_QUEUE_SEL,
		VIRTIO_MMIO_QUEUE_NUM,	    VIRTIO_MMIO_QUEUE_READY,
		VIRTIO_MMIO_QUEUE_NOTIFY,   VIRTIO_MMIO_QUEUE_DESC_LOW,
		VIRTIO_MMIO_QUEUE_USED_LOW, VIRTIO_MMIO_DRIVER_FEATURES,
		VIRTIO_MMIO_CONFIG,	    VIRTIO_MMIO_INTERRUPT_ACK,
	};

	log_set_level(LOG_ERROR);
	for (size_t i = 0; i < FAKE_RAM_SIZE; i += 8) {
		uint64_t r = rnd();

		memcpy(f.ram + i, &r, 8);
	}
	open_and_attach();
	for (int i = 0; i < 50000; i++) {
		uint64_t r = rnd(), v = rnd();
		uint64_t off = r & 1 ? hot[(r >> 1) % 10] : (r >> 8) % 0x210;
		unsigned int len = widths[(r >> 20) & 3];
		uint8_t buf[8];

		/* Queue addresses: often inside RAM, so rings get started. */
		if ((r >> 24) % 4 == 0)
			v = FAKE_RAM_BASE + (v % FAKE_RAM_SIZE);
		if ((r >> 26) % 8 == 0)
			v = 0xf; /* DRIVER_OK and all before it */
		memcpy(buf, &v, 8);
		fake_vhost.n = 0; /* the fake's log is for the other tests */
		if (i % 250 == 0) {
			/* Now and then a proper start, then chaos again. */
			reg_write(VIRTIO_MMIO_STATUS, 0);
			driver_ok();
			ck_assert_int_eq(vs.running, 1);
		}
		if ((r >> 30) & 1)
			virtio_mmio_ops.write(&t, off, buf, len);
		else
			virtio_mmio_ops.read(&t, off, buf, len);
		if ((r >> 32) % 16 == 0)
			virtio_mmio_notify(&t, (unsigned int)(v % 5));
		ck_assert_uint_eq(vs.cid, CID);
		if (vs.running)
			ck_assert(t.status & VIRTIO_CONFIG_S_DRIVER_OK);
	}
	ck_assert_uint_ge(vs.starts, 200);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_vsock");
	TCase *tc = tcase_create("virtio_vsock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60); /* the random driver, under ASan */
	unit_add_tests(tc, test_config_is_the_cid_le64,
		       test_config_writes_are_ignored, test_open_claims_the_cid,
		       test_cid_in_use_is_named, test_missing_node_is_named,
		       test_features_are_what_both_offer,
		       test_driver_ok_starts_reset_stops,
		       test_failed_start_needs_reset,
		       test_rings_not_set_up_needs_reset,
		       test_event_queue_input_is_left_alone,
		       test_trapped_notify_goes_to_vhost,
		       test_random_driver_never_breaks_the_device);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
