// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtio_blk.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "log.h"

#define SECTOR	      512ULL
#define MAX_FREE_REQS 32
/* Largest discard / write-zeroes range one request may ask for. */
#define MAX_ZERO_SECTORS (1U << 22) /* 2 GiB */

struct blk_req {
	struct vq_req vq;
	struct blk_io io;
	struct virtio_blk *blk;
	struct iovec data[VQ_MAX_SEGS]; /* the data part of vq.iov */
	uint8_t *status;		/* last byte of the writable part */
	uint32_t used_len;		/* what the device wrote, on success */
	struct blk_req *next;
};

void virtio_blk_init(struct virtio_blk *blk, struct blk_backend *be,
		     const char *serial)
{
	memset(blk, 0, sizeof(*blk));
	blk->be = be;
	blk->readonly = blk_backend_is_readonly(be);
	blk->capacity = blk_backend_size(be) / SECTOR;
	if (serial)
		strncpy(blk->serial, serial, VIRTIO_BLK_ID_LEN);
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	struct blk_req *r;

	/* Close waits for in-flight I/O; its results go nowhere now. */
	blk->dropping = 1;
	if (blk->be)
		blk_backend_close(blk->be);
	blk->be = NULL;
	while ((r = blk->free_reqs)) {
		blk->free_reqs = r->next;
		free(r);
	}
}

void virtio_blk_bind(struct virtio_blk *blk, struct virtio_mmio *t)
{
	blk->t = t;
}

static struct blk_req *req_alloc(struct virtio_blk *blk)
{
	struct blk_req *r = blk->free_reqs;

	if (r) {
		blk->free_reqs = r->next;
		blk->nfree--;
	} else {
		r = malloc(sizeof(*r));
		if (!r)
			return NULL;
	}
	r->blk = blk;
	return r;
}

static void req_free(struct virtio_blk *blk, struct blk_req *r)
{
	if (blk->nfree < MAX_FREE_REQS) {
		r->next = blk->free_reqs;
		blk->free_reqs = r;
		blk->nfree++;
	} else {
		free(r);
	}
}

/* Copy @len bytes at @skip into the readable segments to @dst. */
static int copy_from_out(const struct vq_req *vq, uint64_t skip, void *dst,
			 uint64_t len)
{
	uint8_t *d = dst;

	if (skip > vq->out_len || len > vq->out_len - skip)
		return -EINVAL;
	for (unsigned int i = 0; i < vq->n_out && len; i++) {
		const struct iovec *v = &vq->iov[i];
		uint64_t n;

		if (skip >= v->iov_len) {
			skip -= v->iov_len;
			continue;
		}
		n = v->iov_len - skip;
		if (n > len)
			n = len;
		memcpy(d, (const uint8_t *)v->iov_base + skip, n);
		d += n;
		len -= n;
		skip = 0;
	}
	return 0;
}

/*
 * The segments of @r->vq from byte @skip of the readable (@writable = 0)
 * or writable part, @len bytes long, as r->data. Returns the count.
 */
static int slice(struct blk_req *r, int writable, uint64_t skip, uint64_t len)
{
	const struct vq_req *vq = &r->vq;
	unsigned int first = writable ? vq->n_out : 0;
	unsigned int end = writable ? vq->n_out + vq->n_in : vq->n_out;
	int n = 0;

	for (unsigned int i = first; i < end && len; i++) {
		uint64_t l = vq->iov[i].iov_len, take;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		take = l - skip < len ? l - skip : len;
		r->data[n].iov_base = (uint8_t *)vq->iov[i].iov_base + skip;
		r->data[n].iov_len = take;
		n++;
		len -= take;
		skip = 0;
	}
	return n;
}

static void finish(struct virtio_blk *blk, struct blk_req *r, uint8_t status,
		   uint32_t data_len)
{
	*r->status = status;
	if (status != VIRTIO_BLK_S_OK)
		blk->errors++;
	vq_push(&blk->t->vqs[0], r->vq.head, data_len + 1);
	req_free(blk, r);
}

static void io_done(struct blk_io *io, int64_t res)
{
	struct blk_req *r = io->opaque;
	struct virtio_blk *blk = r->blk;
	uint64_t want =
		io->op == BLK_OP_READ || io->op == BLK_OP_WRITE ? r->io.len : 0;

	blk->inflight--;
	/* A discard is a hint: a file system that cannot punch holes has
	 * done all a discard promises (the data may stay). */
	if (io->op == BLK_OP_DISCARD && res == -EOPNOTSUPP)
		res = 0;
	if (blk->dropping) {
		/* The driver reset the device: its memory is not ours now. */
		req_free(blk, r);
		return;
	}
	if (res < 0 || (uint64_t)res != want) {
		pr_warn_ratelimited("virtio-blk: %s at byte %llu failed: %s",
				    io->op == BLK_OP_READ    ? "read"
				    : io->op == BLK_OP_WRITE ? "write"
							     : "request",
				    (unsigned long long)io->offset,
				    res < 0 ? strerror((int)-res)
					    : "short transfer");
		finish(blk, r, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	if (io->op == BLK_OP_READ)
		blk->read_bytes += want;
	else if (io->op == BLK_OP_WRITE)
		blk->written_bytes += want;
	finish(blk, r, VIRTIO_BLK_S_OK, r->used_len);
}

/* Whether [sector, sector + bytes/512) lies on the disk. */
static int in_range(const struct virtio_blk *blk, uint64_t sector,
		    uint64_t bytes)
{
	uint64_t sectors = bytes / SECTOR;

	return sector <= blk->capacity && sectors <= blk->capacity - sector;
}

static int queue_io(struct virtio_blk *blk, struct blk_req *r, enum blk_op op,
		    uint64_t offset, uint64_t len, int niov)
{
	r->io.op = op;
	r->io.offset = offset;
	r->io.len = len;
	r->io.iov = r->data;
	r->io.iovcnt = niov;
	r->io.done = io_done;
	r->io.opaque = r;
	if (blk_backend_queue(blk->be, &r->io))
		return -EIO;
	blk->inflight++;
	return 0;
}

/* Parse one request; finish it now or queue it. */
static void handle(struct virtio_blk *blk, struct blk_req *r)
{
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes seg;
	uint64_t sector, data_len;
	uint32_t type;
	int n;

	blk->requests++;
	/* The status byte is the last writable byte; without it, no answer. */
	if (r->vq.in_len == 0 || copy_from_out(&r->vq, 0, &hdr, sizeof(hdr))) {
		pr_warn_ratelimited("virtio-blk: request without header or "
				    "status byte: failed");
		blk->errors++;
		vq_push(&blk->t->vqs[0], r->vq.head, 0);
		req_free(blk, r);
		return;
	}
	{
		const struct iovec *last =
			&r->vq.iov[r->vq.n_out + r->vq.n_in - 1];

		r->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	}
	type = le32toh(hdr.type);
	sector = le64toh(hdr.sector);
	r->used_len = 0;

	switch (type) {
	case VIRTIO_BLK_T_IN:
		data_len = r->vq.in_len - 1;
		if (!data_len || data_len % SECTOR ||
		    !in_range(blk, sector, data_len))
			break;
		n = slice(r, 1, 0, data_len);
		r->used_len = (uint32_t)data_len;
		if (queue_io(blk, r, BLK_OP_READ, sector * SECTOR, data_len, n))
			break;
		return;
	case VIRTIO_BLK_T_OUT:
		data_len = r->vq.out_len - sizeof(hdr);
		if (blk->readonly || !data_len || data_len % SECTOR ||
		    !in_range(blk, sector, data_len))
			break;
		n = slice(r, 0, sizeof(hdr), data_len);
		if (queue_io(blk, r, BLK_OP_WRITE, sector * SECTOR, data_len,
			     n))
			break;
		return;
	case VIRTIO_BLK_T_FLUSH:
		if (queue_io(blk, r, BLK_OP_FLUSH, 0, 0, 0))
			break;
		return;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t room = r->vq.in_len - 1;
		char id[VIRTIO_BLK_ID_LEN] = { 0 };
		uint64_t left, off = 0;

		memcpy(id, blk->serial, strnlen(blk->serial, sizeof(id)));
		left = room < sizeof(id) ? room : sizeof(id);
		n = slice(r, 1, 0, left);
		for (int i = 0; i < n; i++) {
			memcpy(r->data[i].iov_base, id + off,
			       r->data[i].iov_len);
			off += r->data[i].iov_len;
		}
		finish(blk, r, VIRTIO_BLK_S_OK, (uint32_t)left);
		return;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES: {
		uint32_t flags, nsec;

		/* One segment per request (max_*_seg = 1 in the config). */
		if (r->vq.out_len != sizeof(hdr) + sizeof(seg) ||
		    copy_from_out(&r->vq, sizeof(hdr), &seg, sizeof(seg)) ||
		    blk->readonly)
			break;
		sector = le64toh(seg.sector);
		nsec = le32toh(seg.num_sectors);
		flags = le32toh(seg.flags);
		if ((type == VIRTIO_BLK_T_DISCARD && flags) ||
		    (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)) {
			finish(blk, r, VIRTIO_BLK_S_UNSUPP, 0);
			return;
		}
		if (nsec == 0 || nsec > MAX_ZERO_SECTORS ||
		    !in_range(blk, sector, nsec * SECTOR))
			break;
		if (queue_io(blk, r,
			     type == VIRTIO_BLK_T_DISCARD ? BLK_OP_DISCARD
							  : BLK_OP_WRITE_ZEROES,
			     sector * SECTOR, nsec * SECTOR, 0))
			break;
		return;
	}
	default:
		finish(blk, r, VIRTIO_BLK_S_UNSUPP, 0);
		return;
	}
	finish(blk, r, VIRTIO_BLK_S_IOERR, 0);
}

static void blk_notify(void *dev, struct virtio_mmio *t, unsigned int q)
{
	struct virtio_blk *blk = dev;
	struct virtqueue *vq = &t->vqs[q];
	struct blk_req *r;

	for (;;) {
		r = req_alloc(blk);
		if (!r)
			break; /* out of memory: retried at the next kick */
		if (vq_pop(vq, &r->vq) != 1) {
			req_free(blk, r);
			break;
		}
		handle(blk, r);
		if (blk->submit_each)
			blk_backend_submit(blk->be);
	}
	/* One submission for everything this notification brought. */
	blk_backend_submit(blk->be);
	virtio_mmio_used(t, q);
}

void virtio_blk_complete(struct virtio_blk *blk)
{
	virtio_mmio_lock(blk->t);
	if (blk_backend_reap(blk->be))
		virtio_mmio_used(blk->t, 0);
	virtio_mmio_unlock(blk->t);
}

static void blk_reset(void *dev)
{
	struct virtio_blk *blk = dev;

	/* Nothing may land in guest memory once the driver has reset us. */
	blk->dropping = 1;
	if (blk_backend_drain(blk->be))
		pr_err("virtio-blk: requests lost in a device reset");
	blk->dropping = 0;
}

static uint64_t blk_features(void *dev)
{
	struct virtio_blk *blk = dev;
	uint64_t f = (1ULL << VIRTIO_BLK_F_SEG_MAX) |
		     (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		     (1ULL << VIRTIO_BLK_F_FLUSH) |
		     (1ULL << VIRTIO_BLK_F_DISCARD) |
		     (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);

	if (blk->readonly)
		f |= 1ULL << VIRTIO_BLK_F_RO;
	return f;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void blk_read_config(void *dev, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	struct virtio_blk *blk = dev;
	uint8_t cfg[VIRTIO_BLK_CONFIG_SIZE] = { 0 };
	uint64_t cap = htole64(blk->capacity);

	/* Offsets as in struct virtio_blk_config (virtio 1.x, 5.2.4). */
	memcpy(cfg + 0, &cap, 8);
	put_le32(cfg + 12, VQ_MAX_SEGS - 2);  /* seg_max */
	put_le32(cfg + 20, SECTOR);	      /* blk_size */
	put_le32(cfg + 36, MAX_ZERO_SECTORS); /* max_discard_sectors */
	put_le32(cfg + 40, 1);		      /* max_discard_seg */
	put_le32(cfg + 44, 8);		      /* discard_sector_alignment */
	put_le32(cfg + 48, MAX_ZERO_SECTORS); /* max_write_zeroes_sectors */
	put_le32(cfg + 52, 1);		      /* max_write_zeroes_seg */
	cfg[56] = 1;			      /* write_zeroes_may_unmap */
	memcpy(data, cfg + off, len);
}

const struct virtio_dev_ops virtio_blk_ops = {
	.features = blk_features,
	.read_config = blk_read_config,
	.notify = blk_notify,
	.reset = blk_reset,
};
