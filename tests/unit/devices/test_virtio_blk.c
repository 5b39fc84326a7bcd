// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/virtio_blk.c: requests written into a fake guest
 * ring the way a driver writes them, run against a real disk file in a
 * temporary directory (through io_uring and through the synchronous
 * backend), plus the ways a guest can get a request wrong.
 */
#include "devices/virtio_blk.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "fake_vring.h"
#include "log.h"
#include "unit.h"

#define DISK_SIZE (1u << 20)
#define CAPACITY  (DISK_SIZE / 512) /* sectors */
#define QSIZE	  16
#define UNTOUCHED 0xa5 /* a status byte the device has not written */
#define SERIAL	  "vmm-serial-0001"
#define OK	  VIRTIO_BLK_S_OK
#define IOERR	  VIRTIO_BLK_S_IOERR
#define UNSUPP	  VIRTIO_BLK_S_UNSUPP
#define IN	  VIRTIO_BLK_T_IN
#define OUT	  VIRTIO_BLK_T_OUT
#define DISCARD	  VIRTIO_BLK_T_DISCARD
#define ZEROES	  VIRTIO_BLK_T_WRITE_ZEROES

static struct fake_vring f;
static struct virtio_mmio t;
static struct virtio_blk blk;
static int use_uring, pulses;
static char dir[PATH_MAX], disk[PATH_MAX + 16];
static uint16_t next_desc;
static uint64_t next_buf;

static void irq_pulse(struct irq_line *l)
{
	(void)l;
	pulses++;
}

static void irq_set(struct irq_line *l, int level)
{
	(void)l;
	(void)level;
}

static struct irq_line irq = { .set_level = irq_set, .pulse = irq_pulse };

/* The disk's original bytes, and what the tests write over them. */
static uint8_t pat(uint64_t off)
{
	return (uint8_t)((off * 131 + 7) ^ (off >> 9));
}

static uint8_t wpat(uint64_t off)
{
	return (uint8_t)~pat(off);
}

enum content { ORIG, ZEROS, WRITTEN };

static uint8_t expected(enum content c, uint64_t off)
{
	return c == ORIG ? pat(off) : c == WRITTEN ? wpat(off) : 0;
}

/* Whether [off, off + len) of the disk file holds @c. */
static int disk_is(uint64_t off, uint32_t len, enum content c)
{
	uint8_t *b = malloc(len);
	int fd = open(disk, O_RDONLY | O_CLOEXEC), ok = 1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, b, len, (off_t)off), (ssize_t)len);
	for (uint32_t i = 0; i < len && ok; i++)
		ok = b[i] == expected(c, off + i);
	close(fd);
	free(b);
	return ok;
}

static uint32_t rd(uint64_t off)
{
	uint32_t v;

	virtio_mmio_ops.read(&t, off, (uint8_t *)&v, 4);
	return le32toh(v);
}

static void wr(uint64_t off, uint32_t v)
{
	v = htole32(v);
	virtio_mmio_ops.write(&t, off, (const uint8_t *)&v, 4);
}

/* What a driver does on fresh (zeroed) ring memory: up to DRIVER_OK. */
static void driver_init(void)
{
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	const uint64_t q[3][2] = { { VIRTIO_MMIO_QUEUE_DESC_LOW, FAKE_DESC },
				   { VIRTIO_MMIO_QUEUE_AVAIL_LOW, FAKE_AVAIL },
				   { VIRTIO_MMIO_QUEUE_USED_LOW, FAKE_USED } };

	memset(fake_ptr(&f, FAKE_DESC), 0, FAKE_DATA - FAKE_DESC);
	f.avail_idx = 0;
	next_desc = 0;
	wr(VIRTIO_MMIO_STATUS, s);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_RING_F_INDIRECT_DESC);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_STATUS, s |= VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	for (int i = 0; i < 3; i++) {
		wr(q[i][0], (uint32_t)q[i][1]);
		wr(q[i][0] + 4, (uint32_t)(q[i][1] >> 32));
	}
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

/* The device over the disk, read-only or not, bound and driven to live. */
static void start(int readonly, const char *serial)
{
	struct blk_backend_opts o = { .path = disk,
				      .readonly = readonly,
				      .force_sync = !use_uring };
	struct blk_backend *be;
	char why[256] = "";

	ck_assert_msg(blk_backend_open(&be, &o, why, sizeof(why)) == 0, "%s",
		      why);
	if (use_uring && strcmp(blk_backend_kind(be), "io_uring") != 0)
		fprintf(stderr, "test_virtio_blk: io_uring unavailable: the "
				"io_uring case ran synchronously: SKIPPED\n");
	virtio_blk_init(&blk, be, serial);
	ck_assert_int_eq(virtio_mmio_init(&t, VIRTIO_ID_BLOCK, &virtio_blk_ops,
					  &blk, 1, VIRTIO_BLK_CONFIG_SIZE, &irq,
					  &f.mem),
			 0);
	virtio_blk_bind(&blk, &t);
	driver_init();
}

static void stop(void)
{
	virtio_blk_destroy(&blk);
	virtio_mmio_destroy(&t);
}

/*
 * The directory lives in Check's parent process (an unchecked fixture), so
 * it is removed even when a forked test fails before its own teardown.
 */
static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/vmm-vblk.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("test_virtio_blk: mkdtemp");
		exit(EXIT_FAILURE);
	}
	snprintf(disk, sizeof(disk), "%s/disk.img", dir);
}

static void remove_dir(void)
{
	unlink(disk);
	rmdir(dir);
}

/* A fresh disk holding pat(), a fresh guest, the device live on both. */
static void setup(void)
{
	uint8_t *b = malloc(DISK_SIZE);
	int fd;

	log_set_level(LOG_ERROR); /* guest mistakes are warned about */
	for (uint32_t i = 0; i < DISK_SIZE; i++)
		b[i] = pat(i);
	fd = open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, b, DISK_SIZE, 0), DISK_SIZE);
	close(fd);
	free(b);
	ck_assert_int_eq(fake_vring_init(&f, QSIZE), 0);
	next_buf = FAKE_DATA;
	pulses = 0;
	start(0, SERIAL);
}

static void setup_sync(void)
{
	use_uring = 0;
	setup();
}

static void setup_uring(void)
{
	use_uring = 1;
	setup();
}

static void teardown(void)
{
	stop();
	fake_vring_free(&f);
}

/* Requests: chains of segments in guest RAM. */
struct seg {
	uint64_t gpa;
	uint32_t len;
	int in; /* device-writable */
};

struct req {
	struct seg seg[8];
	unsigned int n, first_data, ndata;
	uint16_t head;
	uint64_t status; /* where the status byte is */
};

static uint64_t buf(uint32_t len)
{
	uint64_t g = next_buf;

	next_buf += (len + 15ULL) & ~15ULL;
	ck_assert_uint_le(next_buf, FAKE_RAM_BASE + FAKE_RAM_SIZE);
	return g;
}

static uint8_t *ptr(uint64_t gpa)
{
	return fake_ptr(&f, gpa);
}

/* Write a chain of @n segments to the descriptor table and publish it. */
static uint16_t publish(const struct seg *s, unsigned int n)
{
	uint16_t head = next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % QSIZE);
		uint16_t fl = (s[i].in ? VRING_DESC_F_WRITE : 0) |
			      (i + 1 < n ? VRING_DESC_F_NEXT : 0);

		fake_desc(&f, d, s[i].gpa, s[i].len, fl, (d + 1) % QSIZE);
	}
	next_desc = (uint16_t)((head + n) % QSIZE);
	fake_avail_add(&f, head);
	return head;
}

static uint64_t req_add(struct req *r, uint32_t len, int in)
{
	ck_assert_uint_lt(r->n, 8);
	r->seg[r->n] = (struct seg){ buf(len), len, in };
	memset(ptr(r->seg[r->n].gpa), 0xff, len);
	return r->seg[r->n++].gpa;
}

/* Start @r with a header, as one segment or split 8 + 8. */
static void req_hdr(struct req *r, uint32_t type, uint64_t sector, int split)
{
	struct virtio_blk_outhdr h = { .type = htole32(type),
				       .sector = htole64(sector) };

	memset(r, 0, sizeof(*r));
	if (split) {
		memcpy(ptr(req_add(r, 8, 0)), &h, 8);
		memcpy(ptr(req_add(r, 8, 0)), (uint8_t *)&h + 8, 8);
	} else {
		memcpy(ptr(req_add(r, sizeof(h), 0)), &h, sizeof(h));
	}
	r->first_data = r->n;
}

/* @len data bytes in @nseg segments of uneven sizes. */
static void req_data(struct req *r, uint32_t len, unsigned int nseg, int in)
{
	uint32_t left = len;

	for (unsigned int i = 0; i < nseg; i++) {
		uint32_t piece = len / nseg - (nseg > 1 && i == 0 ? 100 : 0);

		if (i == nseg - 1)
			piece = left;
		req_add(r, piece, in);
		left -= piece;
		r->ndata++;
	}
}

/* Append the status byte and publish. */
static void req_publish(struct req *r)
{
	r->status = req_add(r, 1, 1);
	*ptr(r->status) = UNTOUCHED;
	r->head = publish(r->seg, r->n);
}

/* Gather (@put 0) or scatter (@put 1) the data segments to/from @b. */
static void req_copy(struct req *r, uint8_t *b, int put)
{
	for (unsigned int i = r->first_data; i < r->first_data + r->ndata;
	     i++) {
		if (put)
			memcpy(ptr(r->seg[i].gpa), b, r->seg[i].len);
		else
			memcpy(b, ptr(r->seg[i].gpa), r->seg[i].len);
		b += r->seg[i].len;
	}
}

/* Whether @r's data segments hold @c as of disk byte @off. */
static int data_is(struct req *r, uint64_t off, uint32_t len, enum content c)
{
	uint8_t *b = malloc(len);
	int ok = 1;

	req_copy(r, b, 0);
	for (uint32_t i = 0; i < len && ok; i++)
		ok = b[i] == expected(c, off + i);
	free(b);
	return ok;
}

/* A read or write of @len bytes at @sector in @nseg segments, published. */
static void rw(struct req *r, uint32_t type, uint64_t sector, uint32_t len,
	       unsigned int nseg)
{
	uint8_t *b = malloc(len + 1);

	req_hdr(r, type, sector, 0);
	req_data(r, len, nseg, type != OUT);
	for (uint32_t i = 0; i < len; i++)
		b[i] = wpat(sector * 512 + i);
	if (type == OUT)
		req_copy(r, b, 1);
	free(b);
	req_publish(r);
}

/* A DISCARD or WRITE_ZEROES of one range, published. */
static void dwz(struct req *r, uint32_t type, uint64_t sector, uint32_t nsec,
		uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes s = {
		.sector = htole64(sector),
		.num_sectors = htole32(nsec),
		.flags = htole32(flags),
	};

	req_hdr(r, type, 0, 0);
	memcpy(ptr(req_add(r, sizeof(s), 0)), &s, sizeof(s));
	req_publish(r);
}

/* Wait (up to @ms) for the backend's event fd; whether it fired. */
static int backend_wait(int ms)
{
	struct pollfd p = { .fd = blk_backend_event_fd(blk.be),
			    .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Complete until the used index is @want (bounded, under Check's 4 s). */
static void complete_until(uint16_t want)
{
	for (int i = 0; fake_used_idx(&f) != want; i++) {
		ck_assert_msg(i < 30, "used index %u, want %u",
			      fake_used_idx(&f), want);
		backend_wait(100);
		virtio_blk_complete(&blk);
	}
}

/* Kick queue 0, then complete until the used index is @want. */
static void run_until(uint16_t want)
{
	virtio_mmio_notify(&t, 0);
	complete_until(want);
}

/* The used length the device gave request @head (its latest entry). */
static uint32_t used_len(uint16_t head)
{
	uint16_t idx = fake_used_idx(&f);
	uint32_t id, len;

	for (uint16_t i = 1; i <= QSIZE && i <= idx; i++) {
		fake_used_elem(&f, (uint16_t)(idx - i), &id, &len);
		if (id == head)
			return len;
	}
	ck_abort_msg("head %u is not in the used ring", head);
	return 0;
}

#define check_req(r, st, len)                                                  \
	do {                                                                   \
		ck_assert_uint_eq(*ptr((r)->status), (st));                    \
		ck_assert_uint_eq(used_len((r)->head), (len));                 \
	} while (0)

/* Run the one published request @r; its status and used length. */
#define expect(r, st, len)                                                     \
	do {                                                                   \
		run_until((uint16_t)(fake_used_idx(&f) + 1));                  \
		check_req(r, st, len);                                         \
	} while (0)

static uint64_t cfg_read(size_t off, unsigned int len)
{
	uint64_t v = 0;

	virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + off, (uint8_t *)&v, len);
	return le64toh(v);
}

#define CFG(field)                                                             \
	cfg_read(offsetof(struct virtio_blk_config, field),                    \
		 sizeof(((struct virtio_blk_config *)0)->field))

static uint64_t device_features(void)
{
	uint64_t lo;

	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	lo = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return lo | (uint64_t)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

/* ---- requests that work (run through both backends) ---- */

START_TEST(in_reads_the_sectors_asked)
{
	struct req r;

	rw(&r, IN, 3, 1024, 1);
	expect(&r, OK, 1025);
	ck_assert(data_is(&r, 3 * 512, 1024, ORIG));
	rw(&r, IN, CAPACITY - 1, 512, 1); /* the last sector */
	expect(&r, OK, 513);
	ck_assert(data_is(&r, DISK_SIZE - 512, 512, ORIG));
}
END_TEST

START_TEST(in_fills_a_multi_segment_buffer)
{
	struct req r;

	rw(&r, IN, 40, 2048, 3); /* 582 + 682 + 784 bytes */
	expect(&r, OK, 2049);
	ck_assert(data_is(&r, 40 * 512, 2048, ORIG));
}
END_TEST

START_TEST(status_may_share_a_descriptor_with_data)
{
	struct req r;

	req_hdr(&r, IN, 8, 0);
	req_add(&r, 513, 1);
	r.ndata = 1;
	r.seg[1].len = 512; /* for data_is(); the descriptor says 513 */
	r.status = r.seg[1].gpa + 512;
	*ptr(r.status) = UNTOUCHED;
	fake_desc(&f, 0, r.seg[0].gpa, 16, VRING_DESC_F_NEXT, 1);
	fake_desc(&f, 1, r.seg[1].gpa, 513, VRING_DESC_F_WRITE, 0);
	fake_avail_add(&f, r.head = 0);
	expect(&r, OK, 513);
	ck_assert(data_is(&r, 8 * 512, 512, ORIG));
}
END_TEST

START_TEST(out_writes_the_sectors_asked)
{
	struct req r;

	rw(&r, OUT, 7, 1536, 2);
	expect(&r, OK, 1);
	ck_assert(disk_is(7 * 512, 1536, WRITTEN));
	ck_assert(disk_is(6 * 512, 512, ORIG));
	ck_assert(disk_is(10 * 512, 512, ORIG));
	ck_assert_uint_eq(blk.written_bytes, 1536);
}
END_TEST

START_TEST(header_split_across_descriptors_works)
{
	struct req r;

	req_hdr(&r, OUT, 9, 1);
	req_data(&r, 512, 1, 0);
	memset(ptr(r.seg[2].gpa), 0, 512);
	req_publish(&r);
	expect(&r, OK, 1);
	ck_assert(disk_is(9 * 512, 512, ZEROS));
	req_hdr(&r, IN, 12, 1);
	req_data(&r, 512, 1, 1);
	req_publish(&r);
	expect(&r, OK, 513);
	ck_assert(data_is(&r, 12 * 512, 512, ORIG));
}
END_TEST

START_TEST(flush_succeeds)
{
	struct req r;

	req_hdr(&r, VIRTIO_BLK_T_FLUSH, 0, 0);
	req_publish(&r);
	expect(&r, OK, 1);
}
END_TEST

START_TEST(discard_and_write_zeroes_read_back_zeros)
{
	struct req r;

	dwz(&r, DISCARD, 16, 16, 0);
	expect(&r, OK, 1);
	ck_assert(disk_is(16 * 512, 16 * 512, ZEROS));
	dwz(&r, ZEROES, 100, 3, 0);
	expect(&r, OK, 1);
	ck_assert(disk_is(100 * 512, 3 * 512, ZEROS));
	ck_assert(disk_is(99 * 512, 512, ORIG));
	ck_assert(disk_is(103 * 512, 512, ORIG));
	dwz(&r, ZEROES, 200, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	expect(&r, OK, 1);
	ck_assert(disk_is(200 * 512, 8 * 512, ZEROS));
}
END_TEST

START_TEST(seg_max_data_segments_fit_in_one_request)
{
	const uint16_t wnext = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT;
	struct virtio_blk_outhdr h = { .type = htole32(IN),
				       .sector = htole64(100) };
	uint16_t segmax = (uint16_t)CFG(seg_max), n = segmax + 2;
	uint64_t hdr = buf(16), data = buf(segmax * 512U), st = buf(1);
	struct req r = { .head = 0, .status = st };

	/* One indirect table: the header, seg_max sectors, the status. */
	memcpy(ptr(hdr), &h, sizeof(h));
	fake_desc_at(&f, FAKE_INDIRECT, 0, hdr, 16, VRING_DESC_F_NEXT, 1);
	for (uint16_t i = 1; i <= segmax; i++)
		fake_desc_at(&f, FAKE_INDIRECT, i, data + 512ULL * (i - 1), 512,
			     wnext, i + 1);
	fake_desc_at(&f, FAKE_INDIRECT, n - 1, st, 1, VRING_DESC_F_WRITE, 0);
	fake_desc(&f, 0, FAKE_INDIRECT, 16 * n, VRING_DESC_F_INDIRECT, 0);
	fake_avail_add(&f, 0);
	expect(&r, OK, segmax * 512 + 1);
	for (uint32_t i = 0; i < segmax * 512; i++)
		ck_assert_uint_eq(*ptr(data + i), pat(100 * 512 + i));
}
END_TEST

START_TEST(batch_from_one_notify_all_completes)
{
	struct req r[4];

	rw(&r[0], IN, 0, 4096, 1);
	rw(&r[1], OUT, 100, 2048, 2);
	rw(&r[2], IN, 200, 512, 1);
	rw(&r[3], OUT, 300, 1024, 1);
	virtio_mmio_notify(&t, 0);
	/* The notify started the batch: no later call is needed for that. */
	ck_assert(backend_wait(2000));
	complete_until(4);
	for (int i = 0; i < 4; i++)
		check_req(&r[i], OK, i % 2 ? 1 : r[i].seg[1].len + 1);
	ck_assert(data_is(&r[0], 0, 4096, ORIG));
	ck_assert(data_is(&r[2], 200 * 512, 512, ORIG));
	ck_assert(disk_is(100 * 512, 2048, WRITTEN));
	ck_assert(disk_is(300 * 512, 1024, WRITTEN));
	ck_assert_uint_eq(blk.requests, 4);
	ck_assert_uint_eq(blk.read_bytes, 4608);
	ck_assert_uint_eq(blk.written_bytes, 3072);
	ck_assert_uint_eq(blk.errors, 0);
	ck_assert_uint_eq(blk.inflight, 0);
}
END_TEST

/*
 * io_uring batching: a notification's requests reach the kernel in one
 * submission; the benchmarks' submit_each knob (the "before") makes one
 * per request.
 */
START_TEST(one_notify_is_one_submission)
{
	struct req r[4];

	blk.submit_each = _i;
	for (int i = 0; i < 4; i++)
		rw(&r[i], IN, 8 * i, 4096, 1);
	virtio_mmio_notify(&t, 0);
	ck_assert(backend_wait(2000));
	complete_until(4);
	for (int i = 0; i < 4; i++)
		check_req(&r[i], OK, 4097);
	ck_assert_uint_eq(blk_backend_submits(blk.be), _i ? 4 : 1);
}
END_TEST

START_TEST(reset_drops_requests_in_flight)
{
	struct req r[4];

	for (int i = 0; i < 4; i++)
		rw(&r[i], i == 3 ? OUT : IN, 128 * i, 65536, 1);
	virtio_mmio_notify(&t, 0);
	ck_assert_uint_eq(fake_used_idx(&f), 0);
	wr(VIRTIO_MMIO_STATUS, 0); /* the driver resets the device */
	ck_assert_uint_eq(blk.inflight, 0);
	ck_assert_uint_eq(blk_backend_inflight(blk.be), 0);
	for (int i = 0; i < 3; i++) {
		backend_wait(20);
		virtio_blk_complete(&blk);
	}
	ck_assert_uint_eq(fake_used_idx(&f), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(*ptr(r[i].status), UNTOUCHED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	driver_init();
	rw(&r[0], IN, 5, 512, 1);
	expect(&r[0], OK, 513);
	ck_assert(data_is(&r[0], 5 * 512, 512, ORIG));
	ck_assert_uint_eq(blk.inflight, 0);
}
END_TEST

START_TEST(completion_interrupts_the_driver)
{
	struct req r;

	rw(&r, IN, 1, 512, 1);
	expect(&r, OK, 513);
	ck_assert_int_ge(pulses, 1);
	ck_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
}
END_TEST

START_TEST(no_interrupt_flag_is_respected)
{
	struct req r;

	fake_set16(&f, FAKE_AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
	rw(&r, IN, 1, 512, 1);
	expect(&r, OK, 513);
	rw(&r, 77, 0, 512, 1); /* fails at once, in notify */
	expect(&r, UNSUPP, 1);
	ck_assert_int_eq(pulses, 0);
}
END_TEST

/* ---- identification and config (synchronous backend only) ---- */

START_TEST(get_id_returns_the_serial)
{
	struct req r;

	rw(&r, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_LEN, 1);
	expect(&r, OK, VIRTIO_BLK_ID_LEN + 1);
	ck_assert_mem_eq(ptr(r.seg[1].gpa), SERIAL "\0\0\0\0\0", 20);
	stop();
	start(0, "0123456789abcdefghijKLMN"); /* longer than 20: cut */
	rw(&r, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_LEN, 1);
	expect(&r, OK, VIRTIO_BLK_ID_LEN + 1);
	ck_assert_mem_eq(ptr(r.seg[1].gpa), "0123456789abcdefghij", 20);
}
END_TEST

START_TEST(get_id_without_serial_is_zeros)
{
	static const uint8_t zeros[VIRTIO_BLK_ID_LEN];
	struct req r;

	stop();
	start(0, NULL);
	rw(&r, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_LEN, 1);
	expect(&r, OK, VIRTIO_BLK_ID_LEN + 1);
	ck_assert_mem_eq(ptr(r.seg[1].gpa), zeros, VIRTIO_BLK_ID_LEN);
}
END_TEST

START_TEST(get_id_into_a_short_buffer_gets_a_prefix)
{
	struct req r;

	rw(&r, VIRTIO_BLK_T_GET_ID, 0, 8, 1);
	expect(&r, OK, 9);
	ck_assert_mem_eq(ptr(r.seg[1].gpa), SERIAL, 8);
}
END_TEST

START_TEST(config_space_describes_the_disk)
{
	ck_assert_uint_eq(CFG(capacity), CAPACITY);
	ck_assert_uint_eq(cfg_read(0, 4), CAPACITY); /* as two 32-bit reads */
	ck_assert_uint_eq(cfg_read(4, 4), 0);
	ck_assert_uint_eq(CFG(blk_size), 512);
	ck_assert_uint_eq(CFG(seg_max), VQ_MAX_SEGS - 2);
	ck_assert_uint_eq(CFG(max_discard_seg), 1);
	ck_assert_uint_ge(CFG(max_discard_sectors), 1);
	ck_assert_uint_eq(CFG(max_write_zeroes_seg), 1);
	ck_assert_uint_ge(CFG(max_write_zeroes_sectors), 1);
	ck_assert_uint_eq(CFG(write_zeroes_may_unmap), 1);
}
END_TEST

START_TEST(features_offered_match_the_disk)
{
	const uint64_t want =
		(1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) |
		(1ULL << VIRTIO_BLK_F_WRITE_ZEROES) |
		(1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		(1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_F_VERSION_1);

	ck_assert_uint_eq(device_features() & want, want);
	ck_assert(!(device_features() & (1ULL << VIRTIO_BLK_F_RO)));
	stop();
	start(1, NULL);
	ck_assert(device_features() & (1ULL << VIRTIO_BLK_F_RO));
}
END_TEST

/* ---- what a guest can get wrong (synchronous backend only) ---- */

/* Reads and writes a guest can get wrong: each fails, the disk unchanged. */
static const struct bad_rw {
	const char *what;
	uint32_t type;
	uint64_t sector;
	uint32_t len;
	unsigned int nseg;
} bad_rw[] = {
	{ "read past the end", IN, CAPACITY, 512, 1 },
	{ "write past the end", OUT, CAPACITY, 512, 1 },
	{ "read across the end", IN, CAPACITY - 1, 1024, 1 },
	{ "write across the end", OUT, CAPACITY - 1, 1024, 2 },
	{ "read at sector UINT64_MAX", IN, UINT64_MAX, 512, 1 },
	{ "read where sector * 512 wraps to 0", IN, 1ULL << 55, 512, 1 },
	{ "write where sector * 512 wraps to 0", OUT, 1ULL << 55, 512, 1 },
	{ "read of 511 bytes", IN, 0, 511, 1 },
	{ "read of 1000 bytes in 2 segments", IN, 0, 1000, 2 },
	{ "write of 513 bytes", OUT, 0, 513, 1 },
	{ "read of no data", IN, 0, 0, 0 },
	{ "write of no data", OUT, 0, 0, 0 },
};

START_TEST(bad_read_or_write_fails)
{
	const struct bad_rw *b = &bad_rw[_i];
	struct req r;

	rw(&r, b->type, b->sector, b->len, b->nseg);
	run_until(1);
	ck_assert_msg(*ptr(r.status) == IOERR && used_len(r.head) == 1,
		      "%s: status %u, used length %u", b->what, *ptr(r.status),
		      used_len(r.head));
	ck_assert_msg(disk_is(0, DISK_SIZE, ORIG), "%s: disk changed", b->what);
	ck_assert_uint_eq(blk.errors, 1);
}
END_TEST

/* The same for DISCARD and WRITE_ZEROES ranges, and their flags. */
static const struct bad_range {
	const char *what;
	uint32_t type;
	uint64_t sector;
	uint32_t nsec, flags;
	uint8_t status;
} bad_range[] = {
	{ "discard past the end", DISCARD, CAPACITY, 1, 0, IOERR },
	{ "zeroes across the end", ZEROES, CAPACITY - 4, 8, 0, IOERR },
	{ "zeroes where sector * 512 wraps", ZEROES, 1ULL << 55, 1, 0, IOERR },
	{ "discard at sector UINT64_MAX - 1", DISCARD, UINT64_MAX - 1, 8, 0,
	  IOERR },
	{ "discard of 0 sectors", DISCARD, 4, 0, 0, IOERR },
	{ "zeroes of 0 sectors", ZEROES, 4, 0, 0, IOERR },
	{ "discard with UNMAP", DISCARD, 4, 8,
	  VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, UNSUPP },
	{ "zeroes with an unknown flag", ZEROES, 4, 8, 2, UNSUPP },
};

START_TEST(bad_discard_or_write_zeroes_fails)
{
	const struct bad_range *b = &bad_range[_i];
	struct req r;

	dwz(&r, b->type, b->sector, b->nsec, b->flags);
	run_until(1);
	ck_assert_msg(*ptr(r.status) == b->status && used_len(r.head) == 1,
		      "%s: status %u, used length %u", b->what, *ptr(r.status),
		      used_len(r.head));
	ck_assert_msg(disk_is(0, DISK_SIZE, ORIG), "%s: disk changed", b->what);
}
END_TEST

START_TEST(readonly_disk_refuses_writes)
{
	struct req r;

	stop();
	start(1, NULL);
	rw(&r, OUT, 4, 1024, 1);
	expect(&r, IOERR, 1);
	dwz(&r, ZEROES, 4, 2, 0);
	expect(&r, IOERR, 1);
	ck_assert(disk_is(4 * 512, 1024, ORIG));
	rw(&r, IN, 4, 1024, 1); /* reads still work */
	expect(&r, OK, 1025);
	ck_assert(data_is(&r, 4 * 512, 1024, ORIG));
}
END_TEST

START_TEST(readonly_disk_refuses_discard)
{
	struct req r;

	stop();
	start(1, NULL);
	dwz(&r, DISCARD, 4, 8, 0);
	expect(&r, IOERR, 1);
	ck_assert(disk_is(4 * 512, 4096, ORIG));
}
END_TEST

START_TEST(discard_payload_of_wrong_size_fails)
{
	struct virtio_blk_discard_write_zeroes s = { .sector = htole64(4),
						     .num_sectors =
							     htole32(8) };
	struct req r;

	req_hdr(&r, DISCARD, 0, 0); /* half a segment */
	memcpy(ptr(req_add(&r, 8, 0)), &s, 8);
	req_publish(&r);
	expect(&r, IOERR, 1);
	req_hdr(&r, DISCARD, 0, 0); /* two segments */
	memcpy(ptr(req_add(&r, 16, 0)), &s, 16);
	memcpy(ptr(req_add(&r, 16, 0)), &s, 16);
	req_publish(&r);
	expect(&r, IOERR, 1);
	req_hdr(&r, ZEROES, 0, 0); /* none */
	req_publish(&r);
	expect(&r, IOERR, 1);
	ck_assert(disk_is(4 * 512, 4096, ORIG));
}
END_TEST

START_TEST(unknown_type_is_unsupported)
{
	struct req r;

	rw(&r, 99, 0, 512, 1);
	expect(&r, UNSUPP, 1);
	rw(&r, VIRTIO_BLK_T_SECURE_ERASE, 0, 0, 0); /* not offered */
	expect(&r, UNSUPP, 1);
}
END_TEST

START_TEST(chain_without_status_byte_is_returned_empty)
{
	struct req r;

	req_hdr(&r, OUT, 2, 0);
	req_data(&r, 512, 1, 0);
	r.head = publish(r.seg, r.n); /* no device-writable byte at all */
	run_until(1);
	ck_assert_uint_eq(used_len(r.head), 0);
	ck_assert(disk_is(2 * 512, 512, ORIG));
	rw(&r, IN, 2, 512, 1); /* the device goes on */
	expect(&r, OK, 513);
}
END_TEST

START_TEST(short_header_is_returned_empty)
{
	struct virtio_blk_outhdr h = { .type = htole32(IN) };
	struct req r;

	memset(&r, 0, sizeof(r));
	memcpy(ptr(req_add(&r, 8, 0)), &h, 8);
	r.first_data = r.n;
	req_data(&r, 512, 1, 1);
	req_publish(&r);
	expect(&r, UNTOUCHED, 0);
	ck_assert_uint_eq(*ptr(r.seg[1].gpa), 0xff); /* nothing written */
}
END_TEST

static void add_io_tests(TCase *tc)
{
	unit_add_tests(tc, in_reads_the_sectors_asked,
		       in_fills_a_multi_segment_buffer,
		       status_may_share_a_descriptor_with_data,
		       out_writes_the_sectors_asked,
		       header_split_across_descriptors_works, flush_succeeds,
		       discard_and_write_zeroes_read_back_zeros,
		       seg_max_data_segments_fit_in_one_request,
		       batch_from_one_notify_all_completes,
		       reset_drops_requests_in_flight,
		       completion_interrupts_the_driver,
		       no_interrupt_flag_is_respected);
}

static Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *sync = tcase_create("sync");
	TCase *uring = tcase_create("io_uring");

	tcase_add_unchecked_fixture(sync, make_dir, remove_dir);
	tcase_add_checked_fixture(sync, setup_sync, teardown);
	add_io_tests(sync);
	unit_add_tests(
		sync, get_id_returns_the_serial, get_id_without_serial_is_zeros,
		get_id_into_a_short_buffer_gets_a_prefix,
		config_space_describes_the_disk,
		features_offered_match_the_disk, readonly_disk_refuses_writes,
		readonly_disk_refuses_discard,
		discard_payload_of_wrong_size_fails,
		unknown_type_is_unsupported,
		chain_without_status_byte_is_returned_empty,
		short_header_is_returned_empty);
	tcase_add_loop_test(sync, bad_read_or_write_fails, 0,
			    sizeof(bad_rw) / sizeof(bad_rw[0]));
	tcase_add_loop_test(sync, bad_discard_or_write_zeroes_fails, 0,
			    sizeof(bad_range) / sizeof(bad_range[0]));
	suite_add_tcase(s, sync);
	tcase_add_unchecked_fixture(uring, make_dir, remove_dir);
	tcase_add_checked_fixture(uring, setup_uring, teardown);
	add_io_tests(uring);
	tcase_add_loop_test(uring, one_notify_is_one_submission, 0, 2);
	suite_add_tcase(s, uring);
	return s;
}

int main(void)
{
	return unit_run(virtio_blk_suite());
}
