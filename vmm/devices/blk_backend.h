/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of a virtio-blk disk: a regular file or a block device,
 * read and written through io_uring, or through plain synchronous calls
 * when io_uring is unavailable (an old kernel, a seccomp policy) or the
 * caller asks for them. The virtio front end hands it byte ranges and
 * iovecs that point into guest memory; it knows nothing about virtio.
 *
 * Flow, all on one thread (the event loop): blk_backend_queue() each
 * request of a batch, blk_backend_submit() once, and when the event fd
 * turns readable, blk_backend_reap(), which calls each request's done().
 * The backend limits how many requests the kernel holds at once (the
 * queue depth) and keeps the rest in a list, fed to the kernel as earlier
 * ones complete, so any number of requests may be outstanding.
 *
 * Not thread-safe: one thread makes every call, and done() runs on it.
 */
#ifndef VMM_DEVICES_BLK_BACKEND_H
#define VMM_DEVICES_BLK_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define BLK_BACKEND_SECTOR	  512
#define BLK_BACKEND_DEPTH_DEFAULT 128
#define BLK_BACKEND_DEPTH_MAX	  4096

struct blk_backend;

enum blk_op {
	BLK_OP_READ,	    /* into iov; done() gets the bytes read */
	BLK_OP_WRITE,	    /* from iov; done() gets the bytes written */
	BLK_OP_FLUSH,	    /* writes completed so far are durable; 0 */
	BLK_OP_DISCARD,	    /* [offset, offset + len) may be deallocated: a
			     * file's reads back as zeros, a block device's
			     * as the device likes; 0 */
	BLK_OP_WRITE_ZEROES /* [offset, offset + len) reads back as zeros; 0 */
};

struct blk_io;
/*
 * Completion callback: @res is what the op says above (READ/WRITE: the
 * whole iovec total -- a short transfer is continued, never reported) or
 * -errno. -EOPNOTSUPP from DISCARD/WRITE_ZEROES means the file system
 * cannot do it at all.
 */
typedef void (*blk_done_fn)(struct blk_io *io, int64_t res);

/*
 * Backend state of a queued request: not for the caller. It lives in the
 * request so that queueing never allocates.
 */
struct blk_io_priv {
	struct blk_io *next;	/* pending or completed list */
	uint64_t total;		/* READ/WRITE: the iovecs' total */
	uint64_t done_bytes;	/* READ/WRITE: transferred so far */
	struct iovec *rest_iov; /* after a short transfer: what is left */
	int rest_cnt;
	int falloc_mode;      /* DISCARD/WRITE_ZEROES: fallocate mode */
	unsigned int retries; /* after -EAGAIN/-EINTR */
	int64_t res;	      /* result, once on the completed list */
};

/*
 * One request. The caller fills the public fields, and owns @io, the iovec
 * array and the buffers it points at: they must stay valid and untouched
 * from a successful blk_backend_queue() until done() has been called.
 */
struct blk_io {
	enum blk_op op;
	uint64_t offset;	 /* bytes from the start of the disk */
	uint64_t len;		 /* DISCARD/WRITE_ZEROES: bytes. Ignored for
				  * READ/WRITE (the iovecs' total counts) and
				  * FLUSH (offset is ignored too) */
	const struct iovec *iov; /* READ/WRITE: the buffers */
	int iovcnt;		 /* 0..IOV_MAX */
	blk_done_fn done;	 /* required */
	void *opaque;		 /* the caller's */
	struct blk_io_priv priv;
};

struct blk_backend_opts {
	const char *path;	  /* regular file or block device; borrowed */
	int readonly;		  /* open O_RDONLY; writes fail with -EROFS */
	int force_sync;		  /* skip io_uring (tests, or by choice) */
	int no_fixed_file;	  /* do not register the fd with io_uring */
	unsigned int queue_depth; /* requests the kernel holds at once;
				   * 0: BLK_BACKEND_DEPTH_DEFAULT, at most
				   * BLK_BACKEND_DEPTH_MAX */
};

/*
 * blk_backend_open() - open the disk @o->path: O_RDWR, or O_RDONLY when
 * @o->readonly, always O_CLOEXEC. It must be a regular file or a block
 * device, not empty, its size a multiple of 512 bytes. Nothing on disk is
 * changed. io_uring is set up unless @o->force_sync; when that fails the
 * backend works synchronously (a warning is logged) -- see
 * blk_backend_kind(). Returns 0 with *@out set, or -errno with a one-line
 * reason naming the path in @why (if non-NULL), e.g. "disk 'x.img': size
 * 1000 is not a multiple of 512 bytes".
 */
int blk_backend_open(struct blk_backend **out, const struct blk_backend_opts *o,
		     char *why, size_t why_len);

/* blk_backend_size() - disk size in bytes (a multiple of 512), fixed at open.
 */
uint64_t blk_backend_size(const struct blk_backend *b);

/* blk_backend_is_readonly() - 1 if opened read-only, else 0. */
int blk_backend_is_readonly(const struct blk_backend *b);

/*
 * blk_backend_identity() - what makes two opens the same disk, to refuse
 * one disk given twice: st_dev and st_ino of a regular file; st_rdev and 0
 * for a block device, so two nodes of one device compare equal.
 */
void blk_backend_identity(const struct blk_backend *b, dev_t *dev, ino_t *ino);

/* blk_backend_kind() - "io_uring" or "sync": what the I/O really goes through.
 */
const char *blk_backend_kind(const struct blk_backend *b);

/*
 * blk_backend_queue() - add @io to the batch the next blk_backend_submit()
 * starts. Checks it first: -EINVAL for an unknown op, no done(), a bad
 * iovcnt, or a range that does not lie wholly on the disk (offset + length
 * overflowing included); -EROFS for WRITE, DISCARD or WRITE_ZEROES on a
 * read-only disk. On error nothing happened and done() will not be called;
 * on 0, done() will be called exactly once, from blk_backend_reap() (or
 * blk_backend_drain(), blk_backend_close()) -- never from inside this
 * call or blk_backend_submit().
 */
int blk_backend_queue(struct blk_backend *b, struct blk_io *io);

/*
 * blk_backend_submit() - start every request queued since the last call,
 * with one io_uring_submit() (as many as the queue depth allows; the rest
 * start as earlier ones complete). The synchronous backend does the I/O
 * here. Returns 0, or -errno if the kernel refused the batch: the requests
 * stay queued and the next submit or reap retries them.
 */
int blk_backend_submit(struct blk_backend *b);

/*
 * blk_backend_event_fd() - a non-blocking eventfd, readable when
 * blk_backend_reap() has work. Owned by the backend; blk_backend_reap()
 * clears it, the caller only polls it.
 */
int blk_backend_event_fd(const struct blk_backend *b);

/*
 * blk_backend_reap() - call done() for every request that has completed;
 * returns how many. Never blocks. Also starts requests that were waiting
 * for room in the kernel's queue. done() may queue and submit new requests,
 * but must not call reap, drain or close.
 */
unsigned int blk_backend_reap(struct blk_backend *b);

/* blk_backend_inflight() - requests queued whose done() has not run yet. */
unsigned int blk_backend_inflight(const struct blk_backend *b);

/*
 * blk_backend_submits() - how many submissions to the kernel (each one
 * io_uring_enter() for a batch of requests) there have been.
 */
uint64_t blk_backend_submits(const struct blk_backend *b);

/*
 * blk_backend_drain() - submit what is queued and wait until every request
 * is done, calling each done() (e.g. before a device reset hands memory
 * back to the guest). Returns 0, or -errno if the kernel stopped
 * accepting requests (some done() calls then never happen).
 */
int blk_backend_drain(struct blk_backend *b);

/*
 * blk_backend_close() - blk_backend_drain(), so done() runs for everything
 * still outstanding (its owner must still be alive), then free @b and
 * close its files. @b may be NULL.
 */
void blk_backend_close(struct blk_backend *b);

#endif
