// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtio_vsock.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_vsock.h>

#include "log.h"

void virtio_vsock_init(struct virtio_vsock *vs, uint64_t cid,
		       vhost_ioctl_fn ioctl_fn)
{
	memset(vs, 0, sizeof(*vs));
	vs->cid = cid;
	vhost_init(&vs->vh, VIRTIO_VSOCK_VHOST_QUEUES, ioctl_fn);
}

int virtio_vsock_open(struct virtio_vsock *vs, const char *path, char *why,
		      size_t why_len)
{
	uint64_t cid = vs->cid;
	int ret;

	ret = vhost_open(&vs->vh, path, why, why_len);
	if (ret)
		return ret;
	if (vs->vh.ioctl(vs->vh.fd, VHOST_VSOCK_SET_GUEST_CID, &cid) < 0) {
		ret = -errno;
		if (ret == -EADDRINUSE)
			log_why(why, why_len,
				"vsock CID %" PRIu64 " is already in use", cid);
		else
			log_why(why, why_len,
				"VHOST_VSOCK_SET_GUEST_CID %" PRIu64
				" on %s: %s",
				cid, path, strerror(-ret));
		vhost_close(&vs->vh);
		return ret;
	}
	return 0;
}

void virtio_vsock_close(struct virtio_vsock *vs)
{
	vhost_close(&vs->vh);
	vs->running = 0;
}

static uint64_t vsock_features(void *dev)
{
	(void)dev;
	/* Kept only if this host's vhost-vsock offers it too. */
	return 1ULL << VIRTIO_VSOCK_F_SEQPACKET;
}

static void vsock_read_config(void *dev, uint64_t off, uint8_t *data,
			      unsigned int len)
{
	struct virtio_vsock *vs = dev;
	uint64_t cid = htole64(vs->cid);

	/* The transport bounds off + len by VIRTIO_VSOCK_CONFIG_SIZE. */
	if (off < sizeof(cid) && len <= sizeof(cid) - off)
		memcpy(data, (const uint8_t *)&cid + off, len);
	else
		memset(data, 0, len);
}

static int vsock_set_running(struct virtio_vsock *vs, int on)
{
	return vhost_ioctl(&vs->vh, VHOST_VSOCK_SET_RUNNING,
			   "VHOST_VSOCK_SET_RUNNING", &on);
}

static void vsock_stop(struct virtio_vsock *vs)
{
	if (vs->running)
		vsock_set_running(vs, 0);
	vs->running = 0;
	vhost_stop(&vs->vh);
}

static void vsock_activate(void *dev, struct virtio_mmio *t)
{
	struct virtio_vsock *vs = dev;

	if (vhost_start(&vs->vh) == 0 && vsock_set_running(vs, 1) >= 0) {
		vs->running = 1;
		vs->starts++;
		return;
	}
	vsock_stop(vs);
	virtio_mmio_needs_reset(t, "vhost-vsock did not start");
}

static void vsock_notify(void *dev, struct virtio_mmio *t, unsigned int q)
{
	struct virtio_vsock *vs = dev;
	uint64_t one = 1;

	(void)t;
	if (q == VIRTIO_VSOCK_EVENT_QUEUE) {
		/* Buffers for events we never send: leave them there. */
		vs->event_kicks++;
		return;
	}
	/* A trapped QueueNotify (no ioeventfd): pass the kick to vhost. */
	if (q < VIRTIO_VSOCK_VHOST_QUEUES && vs->vh.vqs[q].kick_fd >= 0 &&
	    write(vs->vh.vqs[q].kick_fd, &one, sizeof(one)) < 0)
		pr_warn_ratelimited("vsock: kick: %s", strerror(errno));
}

/* The driver reset: vhost lets go of the rings before the write returns. */
static void vsock_reset(void *dev)
{
	vsock_stop(dev);
}

const struct virtio_dev_ops virtio_vsock_ops = {
	.features = vsock_features,
	.read_config = vsock_read_config,
	.write_config = NULL, /* guest_cid is read-only: writes ignored */
	.activate = vsock_activate,
	.notify = vsock_notify,
	.reset = vsock_reset,
};
