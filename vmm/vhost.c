// SPDX-License-Identifier: GPL-2.0-only
#include "vhost.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "log.h"

static int sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

void vhost_init(struct vhost *vh, unsigned int nqueues, vhost_ioctl_fn ioctl_fn)
{
	memset(vh, 0, sizeof(*vh));
	vh->fd = -1;
	vh->ioctl = ioctl_fn ? ioctl_fn : sys_ioctl;
	vh->nqueues = nqueues > VHOST_MAX_QUEUES ? VHOST_MAX_QUEUES : nqueues;
	for (unsigned int q = 0; q < VHOST_MAX_QUEUES; q++) {
		vh->vqs[q].call_src.fd = -1;
		vh->vqs[q].kick_fd = -1;
		vh->vqs[q].vh = vh;
		vh->vqs[q].index = q;
	}
}

int vhost_ioctl(struct vhost *vh, unsigned long req, const char *name,
		void *arg)
{
	int ret = vh->ioctl(vh->fd, req, arg);

	if (ret < 0) {
		ret = -errno;
		pr_err("%s on %s: %s", name, vh->path, strerror(-ret));
	}
	return ret;
}

/* The event loop: vhost used buffers and wants the driver told. */
static void vhost_on_call(struct event_source *src, uint32_t events)
{
	struct vhost_vq *vq = src->opaque;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) != sizeof(n))
		return;
	vq->vh->calls++;
	if (vq->vh->t)
		virtio_mmio_interrupt_used(vq->vh->t);
}

/* Module names, for the message when the node is missing. */
static const char *vhost_module(const char *path)
{
	if (strstr(path, "vhost-vsock"))
		return "vhost_vsock";
	if (strstr(path, "vhost-net"))
		return "vhost_net";
	return "vhost";
}

int vhost_open(struct vhost *vh, const char *path, char *why, size_t why_len)
{
	int ret;

	snprintf(vh->path, sizeof(vh->path), "%s", path);
	vh->fd = open(path, O_RDWR | O_CLOEXEC);
	if (vh->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO)
			log_why(why, why_len,
				"%s: %s (is the %s kernel module loaded?)",
				path, strerror(-ret), vhost_module(path));
		else
			log_why(why, why_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	/* The kernel does its ring accesses in this process's memory. */
	ret = vh->ioctl(vh->fd, VHOST_SET_OWNER, NULL);
	if (ret < 0) {
		ret = -errno;
		log_why(why, why_len, "VHOST_SET_OWNER on %s: %s", path,
			strerror(-ret));
		goto err_close;
	}
	if (vh->ioctl(vh->fd, VHOST_GET_FEATURES, &vh->features) < 0) {
		ret = -errno;
		log_why(why, why_len, "VHOST_GET_FEATURES on %s: %s", path,
			strerror(-ret));
		goto err_close;
	}
	for (unsigned int q = 0; q < vh->nqueues; q++) {
		struct vhost_vq *vq = &vh->vqs[q];
		struct vhost_vring_file f = { .index = q };

		vq->call_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vq->call_src.fd < 0) {
			ret = -errno;
			log_why(why, why_len, "eventfd: %s", strerror(-ret));
			goto err_close;
		}
		vq->call_src.fn = vhost_on_call;
		vq->call_src.opaque = vq;
		/* Bound once: a call with no backend running never comes. */
		f.fd = vq->call_src.fd;
		if (vh->ioctl(vh->fd, VHOST_SET_VRING_CALL, &f) < 0) {
			ret = -errno;
			log_why(why, why_len, "VHOST_SET_VRING_CALL on %s: %s",
				path, strerror(-ret));
			goto err_close;
		}
	}
	return 0;

err_close:
	vhost_close(vh);
	return ret;
}

int vhost_set_mem_table(struct vhost *vh, const struct guest_mem *mem)
{
	/* One region: the header and its flexible array, 8-byte aligned. */
	uint64_t buf[(sizeof(struct vhost_memory) +
		      sizeof(struct vhost_memory_region)) /
			     sizeof(uint64_t) +
		     1];
	struct vhost_memory *m = (struct vhost_memory *)buf;
	int ret;

	memset(buf, 0, sizeof(buf));
	m->nregions = 1;
	m->regions[0].guest_phys_addr = mem->base;
	m->regions[0].memory_size = mem->size;
	m->regions[0].userspace_addr = (uintptr_t)mem->hva;
	vh->mem = mem;
	ret = vhost_ioctl(vh, VHOST_SET_MEM_TABLE, "VHOST_SET_MEM_TABLE", m);
	return ret < 0 ? ret : 0;
}

int vhost_set_kick(struct vhost *vh, unsigned int q, int fd)
{
	struct vhost_vring_file f = { .index = q, .fd = fd };
	int ret;

	if (q >= vh->nqueues)
		return -EINVAL;
	vh->vqs[q].kick_fd = fd;
	/*
	 * Bound once for good: kicks before the backend runs are dropped by
	 * the kernel, and starting it looks at every ring anyway.
	 */
	ret = vhost_ioctl(vh, VHOST_SET_VRING_KICK, "VHOST_SET_VRING_KICK", &f);
	return ret < 0 ? ret : 0;
}

uint64_t vhost_features_mask(const struct vhost *vh)
{
	/* Never offer what needs more than memory-table translation. */
	return vh->features & ~((1ULL << VHOST_F_LOG_ALL) |
				(1ULL << VIRTIO_F_ACCESS_PLATFORM));
}

void vhost_bind(struct vhost *vh, struct virtio_mmio *t)
{
	vh->t = t;
}

int vhost_ring_addr(const struct guest_mem *mem, const struct virtqueue *vq,
		    unsigned int index, struct vhost_vring_addr *addr)
{
	/* Split ring sizes, the event index words included. */
	uint64_t desc_len = 16ULL * vq->num;
	uint64_t avail_len = 6 + 2ULL * vq->num;
	uint64_t used_len = 6 + 8ULL * vq->num;
	void *desc = guest_mem_ptr(mem, vq->desc, desc_len);
	void *avail = guest_mem_ptr(mem, vq->avail, avail_len);
	void *used = guest_mem_ptr(mem, vq->used, used_len);

	if (!vq->num || !desc || !avail || !used)
		return -EFAULT;
	memset(addr, 0, sizeof(*addr));
	addr->index = index;
	addr->desc_user_addr = (uintptr_t)desc;
	addr->avail_user_addr = (uintptr_t)avail;
	addr->used_user_addr = (uintptr_t)used;
	return 0;
}

static int vhost_start_vq(struct vhost *vh, unsigned int q)
{
	const struct virtqueue *ring = &vh->t->vqs[q];
	struct vhost_vring_state num = { .index = q, .num = ring->num };
	struct vhost_vring_state base = { .index = q, .num = 0 };
	struct vhost_vring_addr addr;
	int ret;

	if (!ring->ready) {
		pr_warn_ratelimited("%s: queue %u not set up by the driver",
				    vh->path, q);
		return -EINVAL;
	}
	if (vhost_ring_addr(vh->mem, ring, q, &addr)) {
		pr_warn_ratelimited("%s: queue %u outside guest RAM", vh->path,
				    q);
		return -EFAULT;
	}
	/* Started from here on: vhost_stop() reads its base back. */
	vh->vqs[q].started = 1;
	ret = vhost_ioctl(vh, VHOST_SET_VRING_NUM, "VHOST_SET_VRING_NUM", &num);
	if (ret >= 0)
		ret = vhost_ioctl(vh, VHOST_SET_VRING_BASE,
				  "VHOST_SET_VRING_BASE", &base);
	if (ret >= 0)
		ret = vhost_ioctl(vh, VHOST_SET_VRING_ADDR,
				  "VHOST_SET_VRING_ADDR", &addr);
	return ret < 0 ? ret : 0;
}

int vhost_start(struct vhost *vh)
{
	uint64_t features;
	int ret;

	if (!vh->t || !vh->mem)
		return -EINVAL;
	/* The driver accepted only what the transport offered, i.e. what
	 * vhost_features_mask() allowed. */
	features = vh->t->driver_features & vhost_features_mask(vh);
	ret = vhost_ioctl(vh, VHOST_SET_FEATURES, "VHOST_SET_FEATURES",
			  &features);
	if (ret < 0)
		return ret;
	ret = 0;
	for (unsigned int q = 0; q < vh->nqueues; q++) {
		ret = vhost_start_vq(vh, q);
		if (ret)
			return ret;
	}
	return 0;
}

void vhost_stop(struct vhost *vh)
{
	for (unsigned int q = 0; q < vh->nqueues; q++) {
		struct vhost_vring_state s = { .index = q };

		if (!vh->vqs[q].started)
			continue;
		vh->vqs[q].started = 0;
		vhost_ioctl(vh, VHOST_GET_VRING_BASE, "VHOST_GET_VRING_BASE",
			    &s);
	}
}

void vhost_close(struct vhost *vh)
{
	if (vh->fd >= 0)
		close(vh->fd);
	vh->fd = -1;
	for (unsigned int q = 0; q < VHOST_MAX_QUEUES; q++) {
		if (vh->vqs[q].call_src.fd >= 0)
			close(vh->vqs[q].call_src.fd);
		vh->vqs[q].call_src.fd = -1;
		vh->vqs[q].kick_fd = -1;
		vh->vqs[q].started = 0;
	}
}
