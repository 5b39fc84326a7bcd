/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-vsock (device type 19) backed by the host kernel's vhost-vsock:
 * AF_VSOCK sockets between host processes and the guest, addressed by the
 * guest's context ID (CID). The rx and tx queues belong to vhost; the
 * event queue stays here and is never used (the only event,
 * TRANSPORT_RESET, is for migration), so guest buffers put on it just
 * wait. Config space: guest_cid, le64, read-only.
 */
#ifndef VMM_DEVICES_VIRTIO_VSOCK_H
#define VMM_DEVICES_VIRTIO_VSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtio_mmio.h"
#include "vhost.h"

#define VIRTIO_VSOCK_QUEUES	  3 /* rx, tx, event */
#define VIRTIO_VSOCK_VHOST_QUEUES 2 /* rx, tx: vhost's */
#define VIRTIO_VSOCK_EVENT_QUEUE  2
#define VIRTIO_VSOCK_CONFIG_SIZE  8
#define VIRTIO_VSOCK_DEV_PATH	  "/dev/vhost-vsock"
/* CIDs 0-2 are the hypervisor, local and the host; -1U means "any". */
#define VIRTIO_VSOCK_CID_MIN 3ULL
#define VIRTIO_VSOCK_CID_MAX 0xfffffffeULL

struct virtio_vsock {
	uint64_t cid;
	struct vhost vh;
	int running; /* VHOST_VSOCK_SET_RUNNING 1 done */
	uint64_t starts, event_kicks;
};

/*
 * virtio_vsock_init() - a closed device for guest CID @cid; @ioctl_fn NULL:
 * ioctl(2) (tests pass a fake).
 */
void virtio_vsock_init(struct virtio_vsock *vs, uint64_t cid,
		       vhost_ioctl_fn ioctl_fn);

/*
 * virtio_vsock_open() - open vhost-vsock at @path and claim the CID.
 * Before boot. Returns 0, or -errno with a one-line reason in @why:
 * -EADDRINUSE when another VM (or anyone) has the CID.
 */
int virtio_vsock_open(struct virtio_vsock *vs, const char *path, char *why,
		      size_t why_len);

/* virtio_vsock_close() - release vhost-vsock (stops it, frees the CID). */
void virtio_vsock_close(struct virtio_vsock *vs);

extern const struct virtio_dev_ops virtio_vsock_ops;

#endif
