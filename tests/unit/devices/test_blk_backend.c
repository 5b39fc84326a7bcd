// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/blk_backend.c: the disk behind virtio-blk. The I/O
 * tests run twice, through io_uring and through the synchronous fallback,
 * on real files in a temporary directory.
 */
#include "devices/blk_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <liburing.h>

#include "log.h"
#include "unit.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024)

static int force_sync;
/*
 * Per test case (made and removed in the runner, so a failed test leaves
 * nothing behind): @base in $TMPDIR, @shm_base on /dev/shm if that is a
 * tmpfs (else empty). Per test: @dir, @shm_dir inside them.
 */
static char base[PATH_MAX], shm_base[PATH_MAX];
static char dir[PATH_MAX + 16], shm_dir[PATH_MAX + 16];

/* Says why a test did not check what it is about, on stderr. */
static void skip(const char *test, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void skip(const char *test, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "test_blk_backend: %s (%s): SKIPPED: ", test,
		force_sync ? "sync" : "io_uring");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* @name inside directory @d (4 results may be live at once). */
static const char *tpath_in(const char *d, const char *name)
{
	static char bufs[4][PATH_MAX + 64];
	static unsigned int next;
	char *p = bufs[next++ % 4];

	snprintf(p, sizeof(bufs[0]), "%s/%s", d, name);
	return p;
}

/* @name inside the test's directory. */
static const char *tpath(const char *name)
{
	return tpath_in(dir, name);
}

static uint8_t pat(uint64_t off, unsigned int seed)
{
	return (uint8_t)((off * 131 + seed) ^ (off >> 9));
}

static void fill_pat(uint8_t *buf, uint64_t off, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
}

/* A file of @size bytes in @d: pattern @seed written out, or a hole (0). */
static const char *make_file_in(const char *d, const char *name, uint64_t size,
				unsigned int seed)
{
	const char *p = tpath_in(d, name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (seed) {
		uint8_t *buf = malloc(64 * KIB);

		ck_assert_ptr_nonnull(buf);
		for (uint64_t off = 0; off < size; off += 64 * KIB) {
			size_t n =
				size - off < 64 * KIB ? size - off : 64 * KIB;

			fill_pat(buf, off, n, seed);
			ck_assert_int_eq(pwrite(fd, buf, n, (off_t)off),
					 (ssize_t)n);
		}
		free(buf);
		ck_assert_int_eq(fsync(fd), 0);
	}
	close(fd);
	return p;
}

/* Whether [off, off + len) of file @p holds pattern @seed (0: zeros). */
static int file_is(const char *p, uint64_t off, size_t len, unsigned int seed)
{
	uint8_t *buf = malloc(len ? len : 1);
	int fd = open(p, O_RDONLY | O_CLOEXEC), ok = 1;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	for (size_t i = 0; i < len && ok; i++)
		ok = buf[i] == (seed ? pat(off + i, seed) : 0);
	close(fd);
	free(buf);
	return ok;
}

static const char *make_file(const char *name, uint64_t size, unsigned int seed)
{
	return make_file_in(dir, name, size, seed);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void make_bases(void)
{
	const char *tmp = getenv("TMPDIR");
	struct statfs sfs;

	snprintf(base, sizeof(base), "%s/vmm-blk.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		base[0] = '\0';
	snprintf(shm_base, sizeof(shm_base), "/dev/shm/vmm-blk.XXXXXX");
	if (statfs("/dev/shm", &sfs) < 0 || sfs.f_type != TMPFS_MAGIC ||
	    !mkdtemp(shm_base))
		shm_base[0] = '\0';
}

static void remove_bases(void)
{
	if (base[0])
		nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (shm_base[0])
		nftw(shm_base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	ck_assert_msg(base[0], "cannot make a temporary directory");
	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	shm_dir[0] = '\0';
	if (shm_base[0]) {
		snprintf(shm_dir, sizeof(shm_dir), "%s/t.XXXXXX", shm_base);
		ck_assert_ptr_nonnull(mkdtemp(shm_dir));
	}
}

static void setup_uring(void)
{
	force_sync = 0;
	setup();
}

static void setup_sync(void)
{
	force_sync = 1;
	setup();
}

static struct blk_backend *open_disk_depth(const char *p, int ro,
					   unsigned int depth)
{
	struct blk_backend_opts o = { .path = p,
				      .readonly = ro,
				      .force_sync = force_sync,
				      .queue_depth = depth };
	struct blk_backend *b = NULL;
	char why[256] = "";

	ck_assert_msg(blk_backend_open(&b, &o, why, sizeof(why)) == 0,
		      "open %s: %s", p, why);
	return b;
}

static struct blk_backend *open_disk(const char *p, int ro)
{
	return open_disk_depth(p, ro, 0);
}

/* A request with what its done() was told. */
struct req {
	struct blk_io io;
	struct iovec iov[8];
	int calls;
	int64_t res;
};

static unsigned int total_done;

static void req_done(struct blk_io *io, int64_t res)
{
	struct req *r = io->opaque;

	r->calls++;
	r->res = res;
	total_done++;
}

static void req_init(struct req *r, enum blk_op op, uint64_t offset,
		     uint64_t len)
{
	memset(r, 0, sizeof(*r));
	r->io.op = op;
	r->io.offset = offset;
	r->io.len = len;
	r->io.iov = r->iov;
	r->io.done = req_done;
	r->io.opaque = r;
}

/* Reap until nothing is in flight, sleeping in poll() on the event fd. */
static unsigned int wait_all(struct blk_backend *b)
{
	struct pollfd pfd = { .fd = blk_backend_event_fd(b), .events = POLLIN };
	unsigned int n = 0;

	while (blk_backend_inflight(b)) {
		int ret = poll(&pfd, 1, 20000);

		ck_assert_msg(ret == 1,
			      "event fd not readable with %u requests "
			      "in flight",
			      blk_backend_inflight(b));
		n += blk_backend_reap(b);
	}
	return n;
}

/* Queue, submit and wait for @r alone; its result. */
static int64_t run(struct blk_backend *b, struct req *r)
{
	ck_assert_int_eq(blk_backend_queue(b, &r->io), 0);
	ck_assert_int_eq(blk_backend_submit(b), 0);
	wait_all(b);
	ck_assert_int_eq(r->calls, 1);
	return r->res;
}

START_TEST(kind_is_what_was_asked)
{
	const char *p = make_file("disk.img", 64 * KIB, 0);
	struct blk_backend *b = open_disk(p, 0);
	struct io_uring ring;

	if (force_sync) {
		ck_assert_str_eq(blk_backend_kind(b), "sync");
	} else if (strcmp(blk_backend_kind(b), "io_uring") != 0) {
		/* Only acceptable where io_uring itself does not work. */
		int ret = io_uring_queue_init(8, &ring, 0);

		ck_assert_msg(ret < 0,
			      "io_uring works here, yet the "
			      "backend is \"%s\"",
			      blk_backend_kind(b));
		skip("kind_is_what_was_asked", "io_uring unavailable: %s",
		     strerror(-ret));
	}
	ck_assert_uint_eq(blk_backend_size(b), 64 * KIB);
	ck_assert_int_eq(blk_backend_is_readonly(b), 0);
	blk_backend_close(b);
}
END_TEST

START_TEST(write_then_read_back_with_iovecs)
{
	static const size_t wsz[] = { 100, 3000, 5092 }; /* 8 KiB */
	static const size_t rsz[] = { 1, 511, 512, 1024, 2048, 4000, 96 };
	const char *p = make_file("disk.img", 1 * MIB, 0);
	struct blk_backend *b = open_disk(p, 0);
	uint8_t wbuf[8192], rbuf[8192];
	struct req w, r;
	size_t at = 0;

	fill_pat(wbuf, 0, sizeof(wbuf), 7);
	req_init(&w, BLK_OP_WRITE, 12 * KIB, 0);
	for (int i = 0; i < 3; i++) {
		w.iov[i].iov_base = wbuf + at;
		w.iov[i].iov_len = wsz[i];
		at += wsz[i];
	}
	w.io.iovcnt = 3;
	ck_assert_int_eq(blk_backend_queue(b, &w.io), 0);
	ck_assert_uint_eq(blk_backend_inflight(b), 1);
	ck_assert_int_eq(blk_backend_submit(b), 0);
	/* done() runs from reap only, never from queue or submit. */
	ck_assert_int_eq(w.calls, 0);
	wait_all(b);
	ck_assert_int_eq(w.calls, 1);
	ck_assert_int_eq(w.res, 8192);

	memset(rbuf, 0xaa, sizeof(rbuf));
	req_init(&r, BLK_OP_READ, 12 * KIB, 0);
	at = 0;
	for (int i = 0; i < 7; i++) {
		r.iov[i].iov_base = rbuf + at;
		r.iov[i].iov_len = rsz[i];
		at += rsz[i];
	}
	r.io.iovcnt = 7;
	ck_assert_int_eq(run(b, &r), 8192);
	ck_assert_mem_eq(rbuf, wbuf, sizeof(wbuf));
	blk_backend_close(b);

	/* It really is in the file, at that offset, and nothing else is. */
	{
		uint8_t fbuf[8192];
		int fd = open(p, O_RDONLY | O_CLOEXEC);

		ck_assert_int_eq(pread(fd, fbuf, sizeof(fbuf), 12 * KIB), 8192);
		ck_assert_mem_eq(fbuf, wbuf, sizeof(wbuf));
		close(fd);
		ck_assert(file_is(p, 0, 12 * KIB, 0));
		ck_assert(file_is(p, 20 * KIB, 1 * MIB - 20 * KIB, 0));
	}
}
END_TEST

/* More requests than the queue depth, all outstanding at once. */
static void many_in_flight(unsigned int depth, unsigned int n)
{
	const char *p = make_file("disk.img", (uint64_t)n * 4 * KIB, 0);
	struct blk_backend *b = open_disk_depth(p, 0, depth);
	uint8_t *buf = malloc((size_t)n * 4 * KIB);
	uint8_t *want = malloc((size_t)n * 4 * KIB);
	struct req *rq = calloc(n, sizeof(*rq));

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(want);
	ck_assert_ptr_nonnull(rq);
	fill_pat(buf, 0, (size_t)n * 4 * KIB, 3);
	total_done = 0;
	for (unsigned int i = 0; i < n; i++) {
		req_init(&rq[i], BLK_OP_WRITE, i * 4 * KIB, 0);
		rq[i].iov[0].iov_base = buf + i * 4 * KIB;
		rq[i].iov[0].iov_len = 4 * KIB;
		rq[i].io.iovcnt = 1;
		ck_assert_int_eq(blk_backend_queue(b, &rq[i].io), 0);
	}
	ck_assert_uint_eq(blk_backend_inflight(b), n);
	ck_assert_int_eq(blk_backend_submit(b), 0);
	ck_assert_uint_eq(wait_all(b), n);
	ck_assert_uint_eq(total_done, n);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(rq[i].calls, 1);
		ck_assert_int_eq(rq[i].res, 4 * KIB);
	}

	/* And read it all back, again all at once. */
	memset(buf, 0, (size_t)n * 4 * KIB);
	for (unsigned int i = 0; i < n; i++) {
		req_init(&rq[i], BLK_OP_READ, i * 4 * KIB, 0);
		rq[i].iov[0].iov_base = buf + i * 4 * KIB;
		rq[i].iov[0].iov_len = 4 * KIB;
		rq[i].io.iovcnt = 1;
		ck_assert_int_eq(blk_backend_queue(b, &rq[i].io), 0);
	}
	ck_assert_int_eq(blk_backend_submit(b), 0);
	ck_assert_uint_eq(wait_all(b), n);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(rq[i].res, 4 * KIB);
	ck_assert(file_is(p, 0, (size_t)n * 4 * KIB, 3));
	fill_pat(want, 0, (size_t)n * 4 * KIB, 3);
	ck_assert(memcmp(buf, want, (size_t)n * 4 * KIB) == 0);
	blk_backend_close(b);
	free(rq);
	free(want);
	free(buf);
}

START_TEST(many_requests_in_flight)
{
	many_in_flight(0, 300); /* depth 128 */
}
END_TEST

START_TEST(queue_depth_one_still_completes_everything)
{
	many_in_flight(1, 40);
}
END_TEST

START_TEST(flush_completes)
{
	const char *p = make_file("disk.img", 64 * KIB, 0);
	struct blk_backend *b = open_disk(p, 0);
	uint8_t buf[512];
	struct req w, f;

	fill_pat(buf, 0, sizeof(buf), 9);
	req_init(&w, BLK_OP_WRITE, 512, 0);
	w.iov[0].iov_base = buf;
	w.iov[0].iov_len = sizeof(buf);
	w.io.iovcnt = 1;
	ck_assert_int_eq(run(b, &w), 512);
	req_init(&f, BLK_OP_FLUSH, 0, 0);
	ck_assert_int_eq(run(b, &f), 0);
	blk_backend_close(b);
}
END_TEST

START_TEST(discard_frees_blocks_and_reads_zeros)
{
	const char *p = make_file("disk.img", 4 * MIB, 5);
	struct blk_backend *b = open_disk(p, 0);
	struct stat before, after;
	struct req d;
	int64_t res;

	ck_assert_int_eq(stat(p, &before), 0);
	req_init(&d, BLK_OP_DISCARD, 1 * MIB, 1 * MIB);
	res = run(b, &d);
	blk_backend_close(b);
	if (res == -EOPNOTSUPP) {
		skip("discard_frees_blocks_and_reads_zeros",
		     "the file system of %s cannot punch holes", dir);
		return;
	}
	ck_assert_int_eq(res, 0);
	ck_assert_int_eq(stat(p, &after), 0);
	ck_assert_int_eq(after.st_size, 4 * MIB);
	/* 1 MiB fewer 512-byte blocks allocated. */
	ck_assert_int_le(after.st_blocks, before.st_blocks - 2048);
	ck_assert(file_is(p, 1 * MIB, 1 * MIB, 0));
	ck_assert(file_is(p, 0, 1 * MIB, 5));
	ck_assert(file_is(p, 2 * MIB, 2 * MIB, 5));
}
END_TEST

/* WRITE_ZEROES of a range that is sector- but not block-aligned, in @d. */
static void write_zeroes_in(const char *test, const char *d)
{
	const char *p = make_file_in(d, "zero.img", 1 * MIB, 11);
	struct blk_backend *b = open_disk(p, 0);
	struct req z;
	int64_t res;

	req_init(&z, BLK_OP_WRITE_ZEROES, 40 * KIB + 512, 13 * KIB);
	res = run(b, &z);
	blk_backend_close(b);
	if (res == -EOPNOTSUPP) {
		skip(test,
		     "the file system of %s can neither zero nor punch "
		     "a range",
		     d);
	} else {
		ck_assert_int_eq(res, 0);
		ck_assert(file_is(p, 40 * KIB + 512, 13 * KIB, 0));
		ck_assert(file_is(p, 0, 40 * KIB + 512, 11));
		ck_assert(file_is(p, 53 * KIB + 512, 1 * MIB - 53 * KIB - 512,
				  11));
	}
}

START_TEST(write_zeroes_reads_zeros)
{
	write_zeroes_in("write_zeroes_reads_zeros", dir);
}
END_TEST

/* tmpfs has no FALLOC_FL_ZERO_RANGE: zeroing falls back to a hole. */
START_TEST(write_zeroes_on_tmpfs_falls_back_to_a_hole)
{
	if (!shm_dir[0]) {
		skip("write_zeroes_on_tmpfs_falls_back_to_a_hole",
		     "/dev/shm is not a tmpfs");
		return;
	}
	write_zeroes_in("write_zeroes_on_tmpfs_falls_back_to_a_hole", shm_dir);
}
END_TEST

START_TEST(readonly_refuses_writes_and_leaves_the_file_alone)
{
	const char *p = make_file("disk.img", 256 * KIB, 21);
	struct blk_backend *b = open_disk(p, 1);
	uint8_t buf[4096];
	struct req w, d, z, r, f;

	ck_assert_int_eq(blk_backend_is_readonly(b), 1);
	memset(buf, 0xee, sizeof(buf));
	req_init(&w, BLK_OP_WRITE, 0, 0);
	w.iov[0].iov_base = buf;
	w.iov[0].iov_len = sizeof(buf);
	w.io.iovcnt = 1;
	ck_assert_int_eq(blk_backend_queue(b, &w.io), -EROFS);
	req_init(&d, BLK_OP_DISCARD, 0, 64 * KIB);
	ck_assert_int_eq(blk_backend_queue(b, &d.io), -EROFS);
	req_init(&z, BLK_OP_WRITE_ZEROES, 0, 64 * KIB);
	ck_assert_int_eq(blk_backend_queue(b, &z.io), -EROFS);
	ck_assert_uint_eq(blk_backend_inflight(b), 0);

	/* Reading and flushing still work. */
	memset(buf, 0, sizeof(buf));
	req_init(&r, BLK_OP_READ, 8 * KIB, 0);
	r.iov[0].iov_base = buf;
	r.iov[0].iov_len = sizeof(buf);
	r.io.iovcnt = 1;
	ck_assert_int_eq(run(b, &r), 4096);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], pat(8 * KIB + i, 21));
	req_init(&f, BLK_OP_FLUSH, 0, 0);
	ck_assert_int_eq(run(b, &f), 0);
	blk_backend_close(b);

	ck_assert_int_eq(w.calls + d.calls + z.calls, 0);
	ck_assert(file_is(p, 0, 256 * KIB, 21));
}
END_TEST

START_TEST(readonly_opens_a_file_without_write_permission)
{
	const char *p = make_file("ro.img", 64 * KIB, 0);
	struct blk_backend_opts o = { .path = p, .force_sync = force_sync };
	struct blk_backend *b = NULL;
	char why[256] = "";

	ck_assert_int_eq(chmod(p, 0444), 0);
	b = open_disk(p, 1);
	blk_backend_close(b);
	if (geteuid() == 0) {
		skip("readonly_opens_a_file_without_write_permission",
		     "root may write anything: not checking that a "
		     "read-write open fails");
		return;
	}
	ck_assert_int_eq(blk_backend_open(&b, &o, why, sizeof(why)), -EACCES);
	ck_assert_str_contains(why, p);
	ck_assert_str_contains(why, "cannot open read-write");
}
END_TEST

START_TEST(out_of_range_and_overflow_are_refused)
{
	const char *p = make_file("disk.img", 64 * KIB, 0);
	struct blk_backend *b = open_disk(p, 0);
	static uint8_t buf[1024];
	struct req r, z;

	req_init(&r, BLK_OP_READ, 64 * KIB, 0);
	r.iov[0].iov_base = buf;
	r.iov[0].iov_len = 512;
	r.io.iovcnt = 1;
	/* Starts at the end. */
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	/* Ends past the end. */
	r.io.offset = 64 * KIB - 512;
	r.iov[0].iov_len = 1024;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	/* offset + len wraps around. */
	r.io.offset = UINT64_MAX - 100;
	r.iov[0].iov_len = 512;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	/* The iovecs' lengths wrap around. */
	r.io.offset = 0;
	r.iov[0].iov_len = SIZE_MAX;
	r.iov[1].iov_base = buf;
	r.iov[1].iov_len = 2;
	r.io.iovcnt = 2;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	r.iov[0].iov_len = 512;
	r.io.iovcnt = -1;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	r.io.iovcnt = IOV_MAX + 1;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	r.io.iovcnt = 1;
	r.io.done = NULL;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);
	r.io.done = req_done;
	r.io.op = (enum blk_op)99;
	ck_assert_int_eq(blk_backend_queue(b, &r.io), -EINVAL);

	req_init(&z, BLK_OP_DISCARD, 512, UINT64_MAX);
	ck_assert_int_eq(blk_backend_queue(b, &z.io), -EINVAL);
	req_init(&z, BLK_OP_WRITE_ZEROES, UINT64_MAX - 511, 1024);
	ck_assert_int_eq(blk_backend_queue(b, &z.io), -EINVAL);
	req_init(&z, BLK_OP_WRITE_ZEROES, 64 * KIB + 512, 0);
	ck_assert_int_eq(blk_backend_queue(b, &z.io), -EINVAL);
	ck_assert_uint_eq(blk_backend_inflight(b), 0);
	ck_assert_int_eq(r.calls + z.calls, 0);

	/* The last sector, and an empty request at the very end, are fine. */
	r.io.op = BLK_OP_READ;
	r.io.offset = 64 * KIB - 512;
	ck_assert_int_eq(run(b, &r), 512);
	req_init(&z, BLK_OP_WRITE_ZEROES, 64 * KIB, 0);
	ck_assert_int_eq(run(b, &z), 0);
	blk_backend_close(b);
}
END_TEST

static struct blk_backend *chain_b;
static struct req chain[20];
static uint8_t chain_buf[20][512];
static unsigned int chain_next;

/* Each completion queues and submits the next request, as a device does. */
static void chain_done(struct blk_io *io, int64_t res)
{
	req_done(io, res);
	if (chain_next < 20) {
		struct req *r = &chain[chain_next++];

		ck_assert_int_eq(blk_backend_queue(chain_b, &r->io), 0);
		ck_assert_int_eq(blk_backend_submit(chain_b), 0);
	}
}

START_TEST(done_may_queue_and_submit_more)
{
	const char *p = make_file("disk.img", 64 * KIB, 0);

	chain_b = open_disk(p, 0);
	for (unsigned int i = 0; i < 20; i++) {
		fill_pat(chain_buf[i], i * 512, 512, 17);
		req_init(&chain[i], BLK_OP_WRITE, i * 512, 0);
		chain[i].iov[0].iov_base = chain_buf[i];
		chain[i].iov[0].iov_len = 512;
		chain[i].io.iovcnt = 1;
		chain[i].io.done = chain_done;
	}
	chain_next = 1;
	total_done = 0;
	ck_assert_int_eq(blk_backend_queue(chain_b, &chain[0].io), 0);
	ck_assert_int_eq(blk_backend_submit(chain_b), 0);
	wait_all(chain_b);
	ck_assert_uint_eq(total_done, 20);
	for (unsigned int i = 0; i < 20; i++)
		ck_assert_int_eq(chain[i].res, 512);
	blk_backend_close(chain_b);
	ck_assert(file_is(p, 0, 20 * 512, 17));
}
END_TEST

START_TEST(close_finishes_what_is_in_flight)
{
	const char *p = make_file("disk.img", 1 * MIB, 0);
	struct blk_backend *b = open_disk(p, 0);
	static uint8_t buf[64][4096];
	static struct req rq[64];

	total_done = 0;
	for (unsigned int i = 0; i < 64; i++) {
		fill_pat(buf[i], i * 4096, 4096, 29);
		req_init(&rq[i], BLK_OP_WRITE, i * 4096, 0);
		rq[i].iov[0].iov_base = buf[i];
		rq[i].iov[0].iov_len = 4096;
		rq[i].io.iovcnt = 1;
		ck_assert_int_eq(blk_backend_queue(b, &rq[i].io), 0);
		/* Half submitted, half only queued. */
		if (i == 31)
			ck_assert_int_eq(blk_backend_submit(b), 0);
	}
	blk_backend_close(b);
	ck_assert_uint_eq(total_done, 64);
	for (unsigned int i = 0; i < 64; i++)
		ck_assert_int_eq(rq[i].res, 4096);
	ck_assert(file_is(p, 0, 64 * 4096, 29));
}
END_TEST

/*
 * Linux moves at most MAX_RW_COUNT (2 GiB - 4 KiB) per read: a longer one
 * comes back short, and the backend must go on from there. The file is a
 * tmpfs hole (reading it allocates nothing), the 1024 iovecs all point at
 * one buffer, so the buffer ends up holding the last iovec's bytes: a
 * marker at the end of the range lands at its end only if the rest was
 * read from the right offset.
 */
START_TEST(a_read_longer_than_the_kernel_moves_is_continued)
{
	const uint64_t seg = 2 * MIB + 4 * KIB, total = 1024 * seg;
	static const char mark[] = "end of the long read";
	struct iovec *iov = calloc(1024, sizeof(*iov));
	uint8_t *buf = malloc(seg);
	struct blk_backend *b;
	const char *p;
	struct req r;
	int fd;

	ck_assert_ptr_nonnull(iov);
	ck_assert_ptr_nonnull(buf);
	if (!shm_dir[0]) {
		skip("a_read_longer_than_the_kernel_moves_is_continued",
		     "/dev/shm is not a tmpfs");
		goto out;
	}
	p = tpath_in(shm_dir, "long.img");
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(total + 4 * MIB)), 0);
	ck_assert_int_eq(
		pwrite(fd, mark, sizeof(mark), (off_t)(total - sizeof(mark))),
		(ssize_t)sizeof(mark));
	close(fd);

	b = open_disk(p, 1);
	memset(buf, 0xaa, seg);
	req_init(&r, BLK_OP_READ, 0, 0);
	for (int i = 0; i < 1024; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = seg;
	}
	r.io.iov = iov;
	r.io.iovcnt = 1024;
	ck_assert_int_eq(run(b, &r), (int64_t)total);
	blk_backend_close(b);
	ck_assert_mem_eq(buf + seg - sizeof(mark), mark, sizeof(mark));
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[seg - sizeof(mark) - 1], 0);
out:
	free(buf);
	free(iov);
}
END_TEST

/* --- opening ----------------------------------------------------------- */

/* blk_backend_open() that must fail with @err and a reason naming @what. */
static void open_fails(const char *p, int ro, int err, const char *what)
{
	struct blk_backend_opts o = { .path = p, .readonly = ro };
	struct blk_backend *b = NULL;
	char why[512] = "";

	ck_assert_int_eq(blk_backend_open(&b, &o, why, sizeof(why)), err);
	ck_assert_ptr_null(b);
	ck_assert_msg(strchr(why, '\n') == NULL, "reason has a newline");
	ck_assert_str_contains(why, p);
	ck_assert_str_contains(why, what);
}

START_TEST(open_refuses_bad_disks_saying_why)
{
	const char *p;

	open_fails(tpath("missing.img"), 0, -ENOENT,
		   "No such file or directory");
	open_fails(tpath("missing.img"), 1, -ENOENT,
		   "No such file or directory");
	open_fails(dir, 0, -EISDIR, "is a directory");
	open_fails(dir, 1, -EISDIR, "is a directory");
	p = make_file("odd.img", 1000, 1);
	open_fails(p, 0, -EINVAL, "size 1000 is not a multiple of 512 bytes");
	p = make_file("empty.img", 0, 0);
	open_fails(p, 0, -EINVAL, "file is empty");
	/* A FIFO is refused, and opening it does not wait for a writer. */
	p = tpath("fifo");
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	open_fails(p, 1, -EINVAL, "not a regular file or block device");
	open_fails(p, 0, -EINVAL, "not a regular file or block device");
}
END_TEST

/*
 * A file its user cannot read. Root reads anything, so as root the open is
 * tried in a child that became nobody first.
 */
START_TEST(open_refuses_an_unreadable_file)
{
	const char *p = make_file("secret.img", 64 * KIB, 1);
	struct {
		int ret;
		char why[256];
	} res;
	struct blk_backend_opts o = { .path = p, .readonly = 1 };
	struct blk_backend *b = NULL;
	int pfd[2], status;
	pid_t pid;

	ck_assert_int_eq(chmod(p, 0), 0);
	if (geteuid() != 0) {
		open_fails(p, 1, -EACCES, "Permission denied");
		open_fails(p, 0, -EACCES, "Permission denied");
		return;
	}
	/* nobody must be able to reach the file to be refused by it. */
	ck_assert_int_eq(chmod(base, 0711), 0);
	ck_assert_int_eq(chmod(dir, 0711), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		memset(&res, 0, sizeof(res));
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		res.ret = blk_backend_open(&b, &o, res.why, sizeof(res.why));
		if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &res, sizeof(res)), sizeof(res));
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(res.ret, -EACCES);
	ck_assert_str_contains(res.why, p);
	ck_assert_str_contains(res.why, "Permission denied");
}
END_TEST

START_TEST(open_changes_nothing_on_disk)
{
	const char *p = make_file("disk.img", 64 * KIB, 31);
	struct stat before, after;
	struct blk_backend *b;

	ck_assert_int_eq(stat(p, &before), 0);
	usleep(20000);
	b = open_disk(p, 0);
	ck_assert_uint_eq(blk_backend_size(b), 64 * KIB);
	blk_backend_close(b);
	ck_assert_int_eq(stat(p, &after), 0);
	ck_assert_int_eq(after.st_size, before.st_size);
	ck_assert_int_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	ck_assert_int_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	ck_assert(file_is(p, 0, 64 * KIB, 31));
}
END_TEST

START_TEST(identity_is_the_file_not_the_name)
{
	const char *a = make_file("a.img", 64 * KIB, 0);
	const char *c = make_file("c.img", 64 * KIB, 0);
	const char *lnk = tpath("a-link.img");
	struct blk_backend *b1, *b2, *b3, *b4;
	dev_t d1, d2, d3, d4;
	ino_t i1, i2, i3, i4;

	ck_assert_int_eq(link(a, lnk), 0);
	b1 = open_disk(a, 0);
	b2 = open_disk(a, 1);
	b3 = open_disk(lnk, 1);
	b4 = open_disk(c, 1);
	blk_backend_identity(b1, &d1, &i1);
	blk_backend_identity(b2, &d2, &i2);
	blk_backend_identity(b3, &d3, &i3);
	blk_backend_identity(b4, &d4, &i4);
	ck_assert(d1 == d2 && i1 == i2);
	ck_assert(d1 == d3 && i1 == i3);
	ck_assert(!(d1 == d4 && i1 == i4));
	blk_backend_close(b1);
	blk_backend_close(b2);
	blk_backend_close(b3);
	blk_backend_close(b4);
}
END_TEST

/*
 * Where io_uring is forbidden (seccomp, as container runtimes do), the
 * backend falls back to synchronous I/O by itself. The filter is set in a
 * child, so it cannot leak into other tests whatever CK_FORK says; the
 * child reports through its exit status.
 */
static int child_without_io_uring(const char *p)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
				   .filter = f };
	struct blk_backend_opts o = { .path = p };
	struct blk_backend *b;
	uint8_t wbuf[4096], rbuf[4096];
	struct iovec wv = { wbuf, sizeof(wbuf) }, rv = { rbuf, sizeof(rbuf) };
	struct req w, r;

	log_set_level(LOG_ERROR); /* the fallback warning is expected */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 10;
	if (blk_backend_open(&b, &o, NULL, 0))
		return 11;
	if (strcmp(blk_backend_kind(b), "sync") != 0)
		return 12;
	fill_pat(wbuf, 8192, sizeof(wbuf), 37);
	memset(rbuf, 0, sizeof(rbuf));
	req_init(&w, BLK_OP_WRITE, 8192, 0);
	w.io.iov = &wv;
	w.io.iovcnt = 1;
	req_init(&r, BLK_OP_READ, 8192, 0);
	r.io.iov = &rv;
	r.io.iovcnt = 1;
	if (blk_backend_queue(b, &w.io) || blk_backend_submit(b))
		return 13;
	blk_backend_reap(b);
	if (blk_backend_queue(b, &r.io) || blk_backend_submit(b))
		return 14;
	blk_backend_reap(b);
	if (w.calls != 1 || w.res != 4096 || r.calls != 1 || r.res != 4096)
		return 15;
	if (memcmp(wbuf, rbuf, sizeof(wbuf)) != 0)
		return 16;
	blk_backend_close(b);
	return 0;
}

START_TEST(falls_back_to_sync_where_io_uring_is_forbidden)
{
	const char *p = make_file("disk.img", 64 * KIB, 0);
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_without_io_uring(p));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child failed with status 0x%x", status);
	ck_assert(file_is(p, 8192, 4096, 37));
}
END_TEST

static void add_io_tests(TCase *tc)
{
	unit_add_tests(
		tc, kind_is_what_was_asked, write_then_read_back_with_iovecs,
		many_requests_in_flight,
		queue_depth_one_still_completes_everything, flush_completes,
		discard_frees_blocks_and_reads_zeros, write_zeroes_reads_zeros,
		write_zeroes_on_tmpfs_falls_back_to_a_hole,
		readonly_refuses_writes_and_leaves_the_file_alone,
		readonly_opens_a_file_without_write_permission,
		out_of_range_and_overflow_are_refused,
		done_may_queue_and_submit_more,
		close_finishes_what_is_in_flight,
		a_read_longer_than_the_kernel_moves_is_continued);
	/* The long read moves 2 GiB twice over; valgrind stretches it. */
	tcase_set_timeout(tc, 30);
}

static Suite *blk_backend_suite(void)
{
	Suite *s = suite_create("blk_backend");
	TCase *uring = tcase_create("io_uring");
	TCase *sync = tcase_create("sync");
	TCase *opening = tcase_create("open");

	tcase_add_unchecked_fixture(uring, make_bases, remove_bases);
	tcase_add_checked_fixture(uring, setup_uring, NULL);
	add_io_tests(uring);
	suite_add_tcase(s, uring);

	tcase_add_unchecked_fixture(sync, make_bases, remove_bases);
	tcase_add_checked_fixture(sync, setup_sync, NULL);
	add_io_tests(sync);
	suite_add_tcase(s, sync);

	tcase_add_unchecked_fixture(opening, make_bases, remove_bases);
	tcase_add_checked_fixture(opening, setup_uring, NULL);
	unit_add_tests(opening, open_refuses_bad_disks_saying_why,
		       open_refuses_an_unreadable_file,
		       open_changes_nothing_on_disk,
		       identity_is_the_file_not_the_name,
		       falls_back_to_sync_where_io_uring_is_forbidden);
	suite_add_tcase(s, opening);
	return s;
}

int main(void)
{
	return unit_run(blk_backend_suite());
}
