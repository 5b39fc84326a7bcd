// SPDX-License-Identifier: GPL-2.0-only
#include "devices/blk_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include <liburing.h>

#include "log.h"

/* Times one request is resubmitted after -EAGAIN or -EINTR. */
#define BLK_MAX_RETRIES 16
/* How long blk_backend_drain() keeps trying a kernel that says -EAGAIN. */
#define BLK_DRAIN_BUSY_MS 2000

#define PUNCH_MODE (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define ZERO_MODE  (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)

/* A FIFO of requests, linked through io->priv.next. */
struct io_list {
	struct blk_io *head;
	struct blk_io **tail;
};

struct blk_backend {
	char *path; /* for messages */
	int fd;
	int evfd;
	int readonly;
	int is_blkdev;
	uint64_t size;
	dev_t dev;
	ino_t ino;

	int uring;	   /* 1: io_uring; 0: synchronous calls */
	int fixed;	   /* the fd is registered: SQEs name index 0 */
	int uring_falloc;  /* the kernel has IORING_OP_FALLOCATE */
	int no_zero_range; /* the file system refused FALLOC_FL_ZERO_RANGE */
	struct io_uring ring;
	unsigned int depth;   /* most requests in the ring at once */
	unsigned int in_ring; /* SQEs prepared whose CQE is not reaped */
	uint64_t submits;     /* io_uring_enter() calls that submitted */

	unsigned int inflight;	  /* queued, done() not called yet */
	struct io_list pending;	  /* queued, not in the ring yet */
	struct io_list completed; /* finished, done() not called yet */
	int signal;		  /* completed gained entries: wake the loop */
};

static void list_init(struct io_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
}

static void list_add_tail(struct io_list *l, struct blk_io *io)
{
	io->priv.next = NULL;
	*l->tail = io;
	l->tail = &io->priv.next;
}

static void list_add_head(struct io_list *l, struct blk_io *io)
{
	io->priv.next = l->head;
	if (!l->head)
		l->tail = &io->priv.next;
	l->head = io;
}

/* Move all of @src to @dst, leaving @src empty. */
static void list_take(struct io_list *dst, struct io_list *src)
{
	dst->head = src->head;
	dst->tail = src->head ? src->tail : &dst->head;
	list_init(src);
}

static struct blk_io *list_pop(struct io_list *l)
{
	struct blk_io *io = l->head;

	if (io) {
		l->head = io->priv.next;
		if (!l->head)
			l->tail = &l->head;
		io->priv.next = NULL;
	}
	return io;
}

/* Finished: done() runs from the next blk_backend_reap(). */
static void complete_later(struct blk_backend *b, struct blk_io *io,
			   int64_t res)
{
	io->priv.res = res;
	list_add_tail(&b->completed, io);
	b->signal = 1;
}

static void deliver(struct blk_backend *b, struct blk_io *io, int64_t res)
{
	free(io->priv.rest_iov);
	io->priv.rest_iov = NULL;
	b->inflight--;
	io->done(io, res);
}

/*
 * The part of @iov after its first @skip bytes, as a new array: a short
 * transfer goes on from there. 0 or -ENOMEM.
 */
static int iov_rest(const struct iovec *iov, int cnt, uint64_t skip,
		    struct iovec **out, int *out_cnt)
{
	struct iovec *v;
	int i = 0, n;

	while (i < cnt && skip >= iov[i].iov_len) {
		skip -= iov[i].iov_len;
		i++;
	}
	n = cnt - i;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (n) {
		memcpy(v, iov + i, n * sizeof(*v));
		v[0].iov_base = (uint8_t *)v[0].iov_base + skip;
		v[0].iov_len -= skip;
	}
	*out = v;
	*out_cnt = n;
	return 0;
}

/* Whether @io has nothing to transfer: it completes with 0 at once. */
static int io_is_empty(const struct blk_io *io)
{
	switch (io->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		return io->priv.total == 0;
	case BLK_OP_DISCARD:
	case BLK_OP_WRITE_ZEROES:
		return io->len == 0;
	default:
		return 0;
	}
}

static int falloc_mode(const struct blk_backend *b, const struct blk_io *io)
{
	if (io->op == BLK_OP_WRITE_ZEROES && !b->no_zero_range)
		return ZERO_MODE;
	return PUNCH_MODE;
}

/* The synchronous backend's READ/WRITE, continuing short transfers. */
static int64_t sync_rw(struct blk_backend *b, struct blk_io *io)
{
	const struct iovec *iov = io->iov;
	struct iovec *rest = NULL;
	int cnt = io->iovcnt, err = 0;
	uint64_t done = 0;
	ssize_t n;

	while (done < io->priv.total) {
		off_t off = (off_t)(io->offset + done);

		if (io->op == BLK_OP_READ)
			n = preadv(b->fd, iov, cnt, off);
		else
			n = pwritev(b->fd, iov, cnt, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0: the file shrank under us; not worth a loop. */
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
		if (done < io->priv.total) {
			free(rest);
			rest = NULL;
			err = iov_rest(io->iov, io->iovcnt, done, &rest, &cnt);
			if (err)
				break;
			iov = rest;
		}
	}
	free(rest);
	return err ? err : (int64_t)done;
}

/* DISCARD / WRITE_ZEROES, synchronously. */
static int64_t sync_falloc(struct blk_backend *b, struct blk_io *io)
{
	int mode;

	if (b->is_blkdev) {
		uint64_t range[2] = { io->offset, io->len };
		unsigned long req =
			io->op == BLK_OP_DISCARD ? BLKDISCARD : BLKZEROOUT;

		return ioctl(b->fd, req, range) < 0 ? -errno : 0;
	}
	mode = falloc_mode(b, io);
	for (;;) {
		if (fallocate(b->fd, mode, (off_t)io->offset, (off_t)io->len) ==
		    0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP && mode == ZERO_MODE) {
			pr_info("disk '%s': no FALLOC_FL_ZERO_RANGE here; "
				"zeroing by punching holes",
				b->path);
			b->no_zero_range = 1;
			mode = PUNCH_MODE;
			continue;
		}
		return -errno;
	}
}

static int64_t sync_exec(struct blk_backend *b, struct blk_io *io)
{
	switch (io->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		return sync_rw(b, io);
	case BLK_OP_FLUSH:
		while (fdatasync(b->fd) < 0) {
			if (errno != EINTR)
				return -errno;
		}
		return 0;
	default:
		return sync_falloc(b, io);
	}
}

/*
 * Whether @io bypasses the ring: everything in the synchronous backend;
 * with io_uring, discard and zeroing of block devices (ioctls io_uring
 * cannot issue) and of files when the kernel lacks IORING_OP_FALLOCATE.
 */
static int io_is_sync(const struct blk_backend *b, const struct blk_io *io)
{
	if (!b->uring)
		return 1;
	if (io->op != BLK_OP_DISCARD && io->op != BLK_OP_WRITE_ZEROES)
		return 0;
	return b->is_blkdev || !b->uring_falloc;
}

static void uring_prep(struct blk_backend *b, struct blk_io *io,
		       struct io_uring_sqe *sqe)
{
	struct blk_io_priv *p = &io->priv;
	const struct iovec *iov = p->rest_iov ? p->rest_iov : io->iov;
	unsigned int cnt =
		(unsigned int)(p->rest_iov ? p->rest_cnt : io->iovcnt);
	uint64_t off = io->offset + p->done_bytes;
	/* A registered file spares the kernel a file lookup per request. */
	int fd = b->fixed ? 0 : b->fd;

	switch (io->op) {
	case BLK_OP_READ:
		io_uring_prep_readv(sqe, fd, iov, cnt, off);
		break;
	case BLK_OP_WRITE:
		io_uring_prep_writev(sqe, fd, iov, cnt, off);
		break;
	case BLK_OP_FLUSH:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	default:
		if (!p->falloc_mode)
			p->falloc_mode = falloc_mode(b, io);
		io_uring_prep_fallocate(sqe, fd, p->falloc_mode,
					(off_t)io->offset, (off_t)io->len);
		break;
	}
	if (b->fixed)
		io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data(sqe, io);
}

/*
 * A CQE with result @cres for @io. Returns 1 with *@res set when @io is
 * finished, 0 when it went back to the head of the pending list: the rest
 * of a short transfer, a retry, or zeroing by punching a hole instead.
 */
static int uring_complete(struct blk_backend *b, struct blk_io *io,
			  int32_t cres, int64_t *res)
{
	struct blk_io_priv *p = &io->priv;

	if ((cres == -EAGAIN || cres == -EINTR) &&
	    p->retries < BLK_MAX_RETRIES) {
		p->retries++;
		list_add_head(&b->pending, io);
		return 0;
	}
	switch (io->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		if (cres <= 0) {
			/* 0 bytes: the file shrank under us. */
			*res = cres < 0 ? cres : -EIO;
			return 1;
		}
		p->done_bytes += (uint64_t)cres;
		if (p->done_bytes >= p->total) {
			*res = (int64_t)p->total;
			return 1;
		}
		free(p->rest_iov);
		p->rest_iov = NULL;
		if (iov_rest(io->iov, io->iovcnt, p->done_bytes, &p->rest_iov,
			     &p->rest_cnt)) {
			*res = -ENOMEM;
			return 1;
		}
		list_add_head(&b->pending, io);
		return 0;
	case BLK_OP_WRITE_ZEROES:
		if (cres == -EOPNOTSUPP && p->falloc_mode == ZERO_MODE) {
			if (!b->no_zero_range)
				pr_info("disk '%s': no FALLOC_FL_ZERO_RANGE "
					"here; zeroing by punching holes",
					b->path);
			b->no_zero_range = 1;
			p->falloc_mode = PUNCH_MODE;
			list_add_head(&b->pending, io);
			return 0;
		}
		/* fall through */
	default:
		*res = cres < 0 ? cres : 0;
		return 1;
	}
}

static int uring_submit(struct blk_backend *b)
{
	int ret;

	do {
		ret = io_uring_submit(&b->ring);
	} while (ret == -EINTR);
	if (ret > 0)
		b->submits++;
	return ret < 0 ? ret : 0;
}

/*
 * Move pending requests into the ring while it has room (the synchronous
 * ones are done on the spot), submit the ring, and wake the event loop if
 * anything finished here. Never calls done().
 */
static int kick(struct blk_backend *b)
{
	struct blk_io *io;
	int ret = 0;

	while ((io = b->pending.head)) {
		struct io_uring_sqe *sqe;

		if (io_is_empty(io)) {
			list_pop(&b->pending);
			complete_later(b, io, 0);
			continue;
		}
		if (io_is_sync(b, io)) {
			list_pop(&b->pending);
			complete_later(b, io, sync_exec(b, io));
			continue;
		}
		/*
		 * At most depth requests in the ring: the SQ then never
		 * fills, and the CQ (twice the SQ) never overflows.
		 */
		if (b->in_ring >= b->depth)
			break;
		sqe = io_uring_get_sqe(&b->ring);
		if (!sqe)
			break;
		list_pop(&b->pending);
		uring_prep(b, io, sqe);
		b->in_ring++;
	}
	if (b->uring && io_uring_sq_ready(&b->ring))
		ret = uring_submit(b);
	if (b->signal) {
		b->signal = 0;
		eventfd_write(b->evfd, 1);
	}
	return ret;
}

static int uring_setup(struct blk_backend *b, int no_fixed_file)
{
	struct io_uring_probe *probe;
	int ret;

	ret = io_uring_queue_init(b->depth, &b->ring, 0);
	if (ret)
		return ret;
	ret = io_uring_register_eventfd(&b->ring, b->evfd);
	if (ret)
		goto err_exit;
	/* Optional (Linux 5.1): without it SQEs carry the fd itself. */
	b->fixed = !no_fixed_file &&
		   io_uring_register_files(&b->ring, &b->fd, 1) == 0;
	/* Probing needs Linux 5.6, which also brought IORING_OP_FALLOCATE. */
	probe = io_uring_get_probe_ring(&b->ring);
	if (probe) {
		b->uring_falloc =
			io_uring_opcode_supported(probe, IORING_OP_FALLOCATE);
		io_uring_free_probe(probe);
	}
	b->uring = 1;
	return 0;
err_exit:
	io_uring_queue_exit(&b->ring);
	return ret;
}

/* Regular file or block device, its size and identity. 0 or -errno. */
static int check_disk(struct blk_backend *b, char *why, size_t why_len)
{
	struct stat st;
	int flags, err;

	if (fstat(b->fd, &st) < 0) {
		err = -errno;
		log_why(why, why_len, "disk '%s': %s", b->path, strerror(-err));
		return err;
	}
	if (S_ISREG(st.st_mode)) {
		b->size = (uint64_t)st.st_size;
		b->dev = st.st_dev;
		b->ino = st.st_ino;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &b->size) < 0) {
			err = -errno;
			log_why(why, why_len,
				"disk '%s': BLKGETSIZE64 failed: %s", b->path,
				strerror(-err));
			return err;
		}
		b->is_blkdev = 1;
		b->dev = st.st_rdev;
		b->ino = 0;
	} else {
		log_why(why, why_len, "disk '%s': %s", b->path,
			S_ISDIR(st.st_mode)
				? "is a directory"
				: "not a regular file or block device");
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (b->size == 0) {
		log_why(why, why_len, "disk '%s': %s is empty", b->path,
			b->is_blkdev ? "device" : "file");
		return -EINVAL;
	}
	if (b->size % BLK_BACKEND_SECTOR) {
		log_why(why, why_len,
			"disk '%s': size %" PRIu64
			" is not a multiple of %d bytes",
			b->path, b->size, BLK_BACKEND_SECTOR);
		return -EINVAL;
	}
	/*
	 * Opened O_NONBLOCK so that a FIFO could not hang us; io_uring must
	 * not see that flag on a disk, or it returns -EAGAIN instead of
	 * waiting for the I/O.
	 */
	flags = fcntl(b->fd, F_GETFL);
	if (flags < 0 || fcntl(b->fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		err = -errno;
		log_why(why, why_len, "disk '%s': fcntl: %s", b->path,
			strerror(-err));
		return err;
	}
	return 0;
}

int blk_backend_open(struct blk_backend **out, const struct blk_backend_opts *o,
		     char *why, size_t why_len)
{
	struct blk_backend *b;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		goto err_nomem;
	b->path = strdup(o->path);
	if (!b->path)
		goto err_free;
	b->readonly = !!o->readonly;
	b->depth = o->queue_depth ? o->queue_depth : BLK_BACKEND_DEPTH_DEFAULT;
	if (b->depth > BLK_BACKEND_DEPTH_MAX)
		b->depth = BLK_BACKEND_DEPTH_MAX;
	list_init(&b->pending);
	list_init(&b->completed);

	b->fd = open(o->path, (b->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC |
				      O_NOCTTY | O_NONBLOCK);
	if (b->fd < 0) {
		ret = -errno;
		if (ret == -EISDIR)
			log_why(why, why_len, "disk '%s': is a directory",
				o->path);
		else if (!b->readonly && (ret == -EACCES || ret == -EPERM ||
					  ret == -EROFS || ret == -ETXTBSY))
			log_why(why, why_len,
				"disk '%s': cannot open read-write: %s",
				o->path, strerror(-ret));
		else
			log_why(why, why_len, "disk '%s': %s", o->path,
				strerror(-ret));
		goto err_free_path;
	}
	ret = check_disk(b, why, why_len);
	if (ret)
		goto err_close_fd;
	b->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->evfd < 0) {
		ret = -errno;
		log_why(why, why_len, "disk '%s': eventfd: %s", o->path,
			strerror(-ret));
		goto err_close_fd;
	}
	if (!o->force_sync) {
		ret = uring_setup(b, o->no_fixed_file);
		if (ret)
			pr_warn("disk '%s': io_uring unavailable (%s); using "
				"synchronous I/O",
				o->path, strerror(-ret));
	}
	*out = b;
	return 0;

err_close_fd:
	close(b->fd);
err_free_path:
	free(b->path);
	free(b);
	return ret;
err_free:
	free(b);
err_nomem:
	log_why(why, why_len, "disk '%s': out of memory", o->path);
	return -ENOMEM;
}

uint64_t blk_backend_size(const struct blk_backend *b)
{
	return b->size;
}

int blk_backend_is_readonly(const struct blk_backend *b)
{
	return b->readonly;
}

void blk_backend_identity(const struct blk_backend *b, dev_t *dev, ino_t *ino)
{
	*dev = b->dev;
	*ino = b->ino;
}

const char *blk_backend_kind(const struct blk_backend *b)
{
	return b->uring ? "io_uring" : "sync";
}

int blk_backend_event_fd(const struct blk_backend *b)
{
	return b->evfd;
}

unsigned int blk_backend_inflight(const struct blk_backend *b)
{
	return b->inflight;
}

uint64_t blk_backend_submits(const struct blk_backend *b)
{
	return b->submits;
}

int blk_backend_queue(struct blk_backend *b, struct blk_io *io)
{
	uint64_t len = 0;

	if (!io->done)
		return -EINVAL;
	switch (io->op) {
	case BLK_OP_WRITE:
		if (b->readonly)
			return -EROFS;
		/* fall through */
	case BLK_OP_READ:
		if (io->iovcnt < 0 || io->iovcnt > IOV_MAX ||
		    (io->iovcnt && !io->iov))
			return -EINVAL;
		/* Bounded by the disk size as it goes, so it cannot wrap. */
		for (int i = 0; i < io->iovcnt; i++) {
			if (io->iov[i].iov_len > b->size - len)
				return -EINVAL;
			len += io->iov[i].iov_len;
		}
		break;
	case BLK_OP_DISCARD:
	case BLK_OP_WRITE_ZEROES:
		if (b->readonly)
			return -EROFS;
		len = io->len;
		break;
	case BLK_OP_FLUSH:
		break;
	default:
		return -EINVAL;
	}
	if (io->op != BLK_OP_FLUSH &&
	    (io->offset > b->size || len > b->size - io->offset))
		return -EINVAL;
	memset(&io->priv, 0, sizeof(io->priv));
	io->priv.total = len;
	list_add_tail(&b->pending, io);
	b->inflight++;
	return 0;
}

int blk_backend_submit(struct blk_backend *b)
{
	return kick(b);
}

unsigned int blk_backend_reap(struct blk_backend *b)
{
	struct io_list done;
	struct blk_io *io;
	unsigned int n = 0, avail;
	eventfd_t cnt;

	/*
	 * Clear the eventfd before looking: whatever completes after this
	 * sets it again, so no completion waits for a wakeup that came and
	 * went. Only what has completed by now is handled; completions that
	 * done() causes go to the next call, so one call stays bounded.
	 */
	eventfd_read(b->evfd, &cnt);
	list_take(&done, &b->completed);
	avail = b->uring ? io_uring_cq_ready(&b->ring) : 0;

	while ((io = list_pop(&done))) {
		deliver(b, io, io->priv.res);
		n++;
	}
	while (avail--) {
		struct io_uring_cqe *cqe;
		int64_t res;
		int32_t cres;

		if (io_uring_peek_cqe(&b->ring, &cqe))
			break;
		io = io_uring_cqe_get_data(cqe);
		cres = cqe->res;
		/* Seen before done() runs: done() may submit more. */
		io_uring_cqe_seen(&b->ring, cqe);
		b->in_ring--;
		if (uring_complete(b, io, cres, &res)) {
			deliver(b, io, res);
			n++;
		}
	}
	/* The ring has room again: start what waited for it. */
	if (b->pending.head || b->signal ||
	    (b->uring && io_uring_sq_ready(&b->ring)))
		kick(b);
	return n;
}

int blk_backend_drain(struct blk_backend *b)
{
	unsigned int busy_ms = 0;
	int ret;

	for (;;) {
		/* done() may queue more without submitting: kick each time. */
		kick(b);
		if (blk_backend_reap(b))
			continue;
		if (!b->inflight)
			return 0;
		if (!b->uring || !b->in_ring)
			return -EIO; /* cannot happen: nothing to wait for */
		ret = io_uring_submit_and_wait(&b->ring, 1);
		if (ret >= 0 || ret == -EINTR) {
			busy_ms = 0;
			continue;
		}
		if ((ret == -EAGAIN || ret == -EBUSY) &&
		    busy_ms++ < BLK_DRAIN_BUSY_MS) {
			usleep(1000);
			continue;
		}
		pr_err("disk '%s': waiting for %u requests: %s", b->path,
		       b->inflight, strerror(-ret));
		return ret;
	}
}

void blk_backend_close(struct blk_backend *b)
{
	if (!b)
		return;
	blk_backend_drain(b);
	if (b->uring)
		io_uring_queue_exit(&b->ring);
	close(b->evfd);
	close(b->fd);
	free(b->path);
	free(b);
}
