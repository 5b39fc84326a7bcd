/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio device's data path in the host kernel (/dev/vhost-vsock,
 * /dev/vhost-net): the kernel walks the guest's rings itself, woken by the
 * queue's KVM ioeventfd (KICK), and signals an eventfd (CALL) when it has
 * used buffers. The VMM keeps the virtio-mmio transport: the event loop
 * watches each CALL eventfd and turns it into the transport's "used buffer"
 * interrupt (ISR bit, then the irq), because Linux's virtio-mmio driver
 * ignores an interrupt whose ISR reads 0 -- a plain irqfd is not enough.
 *
 * The vhost-handled queues are the device's first @nqueues queues; any
 * queue after them stays with the VMM (e.g. vsock's event queue).
 *
 * Use (a device that owns a struct vhost):
 *   before boot, before the seccomp filters:
 *     vhost_open()          the device node, SET_OWNER, GET_FEATURES, CALL
 *                           eventfds bound to each queue
 *     device-specific set-up (e.g. VHOST_VSOCK_SET_GUEST_CID via
 *     vhost_ioctl())
 *     vm_virtio_attach_vhost() (vm_virtio.h): hands over the queues' KICK
 *                           ioeventfds, sets the memory table, limits the
 *                           transport's features to what vhost offers and
 *                           lets the event loop watch the CALL eventfds
 *   at run time, from the device's virtio_dev_ops (vCPU thread, transport
 *   lock held):
 *     activate(): vhost_start(), then the device's backend ioctl
 *                 (VHOST_VSOCK_SET_RUNNING 1, VHOST_NET_SET_BACKEND, ...)
 *     reset():    the device's backend off, then vhost_stop()
 *   at exit: vhost_close().
 * Run-time ioctls (vhost_start/stop and the device's backend ioctl) are
 * made on vCPU threads: the vCPU seccomp filter (sandbox.c) allows them.
 */
#ifndef VMM_VHOST_H
#define VMM_VHOST_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtio_mmio.h"
#include "event_loop.h"
#include "memory/guest_mem.h"

#define VHOST_MAX_QUEUES VIRTIO_MMIO_MAX_QUEUES

struct vhost;

/* The ioctl(2) vhost makes; unit tests pass a fake. Returns >= 0 or -1. */
typedef int (*vhost_ioctl_fn)(int fd, unsigned long req, void *arg);

struct vhost_vq {
	struct event_source call_src; /* CALL eventfd, watched by the loop */
	int kick_fd;		      /* borrowed: the queue's ioeventfd */
	struct vhost *vh;
	unsigned int index;
	int started;
};

struct vhost {
	char path[64]; /* the device node, for messages */
	int fd;
	vhost_ioctl_fn ioctl;
	uint64_t features; /* offered by the kernel (VHOST_GET_FEATURES) */
	unsigned int nqueues;
	struct vhost_vq vqs[VHOST_MAX_QUEUES];
	const struct guest_mem *mem;
	struct virtio_mmio *t; /* set by vhost_bind() */
	uint64_t calls;	       /* CALL signals turned into interrupts */
};

/*
 * vhost_init() - a closed vhost of @nqueues queues; @ioctl_fn NULL:
 * ioctl(2). Safe to vhost_close().
 */
void vhost_init(struct vhost *vh, unsigned int nqueues,
		vhost_ioctl_fn ioctl_fn);

/*
 * vhost_open() - open @path (e.g. "/dev/vhost-vsock"), become its owner,
 * read its features and bind a CALL eventfd to each queue. Returns 0, or
 * -errno with a one-line reason in @why (a missing node names the module to
 * load). Undo with vhost_close().
 */
int vhost_open(struct vhost *vh, const char *path, char *why, size_t why_len);

/*
 * vhost_ioctl() - @req on the vhost fd; 0 (or the ioctl's non-negative
 * result) or -errno, logged with the ioctl's @name and the device node.
 */
int vhost_ioctl(struct vhost *vh, unsigned long req, const char *name,
		void *arg);

/*
 * vhost_set_mem_table() - describe guest RAM @mem (one region) to the
 * kernel, which translates descriptor addresses with it. @mem is borrowed
 * and also used by vhost_start() to translate ring addresses.
 */
int vhost_set_mem_table(struct vhost *vh, const struct guest_mem *mem);

/* vhost_set_kick() - queue @q's KICK: @fd (borrowed), e.g. an ioeventfd. */
int vhost_set_kick(struct vhost *vh, unsigned int q, int fd);

/*
 * vhost_features_mask() - which transport feature bits may be offered to
 * the driver: those the kernel offers. The transport ANDs its own
 * (device | VERSION_1 | ring features) with it.
 */
uint64_t vhost_features_mask(const struct vhost *vh);

/* vhost_bind() - @t is the transport whose interrupt CALL raises. */
void vhost_bind(struct vhost *vh, struct virtio_mmio *t);

/*
 * vhost_ring_addr() - the userspace addresses vhost wants for queue @vq
 * (desc, avail and used rings, each bounds-checked through guest_mem_ptr(),
 * event index fields included). Returns 0 or -EFAULT. Pure.
 */
struct vhost_vring_addr;
int vhost_ring_addr(const struct guest_mem *mem, const struct virtqueue *vq,
		    unsigned int index, struct vhost_vring_addr *addr);

/*
 * vhost_start() - after the driver set DRIVER_OK: the negotiated features,
 * then for each vhost queue its size, base 0 and ring addresses. Every
 * vhost queue must be ready. Call with the transport lock held; the device
 * then turns its backend on. Returns 0 or -errno (logged, naming the
 * ioctl); on error the queues started so far stay for vhost_stop().
 */
int vhost_start(struct vhost *vh);

/*
 * vhost_stop() - after the device turned its backend off: stop every
 * started queue (VHOST_GET_VRING_BASE), so the next start begins afresh.
 * Nothing is touched in guest memory afterwards.
 */
void vhost_stop(struct vhost *vh);

/* vhost_close() - close the fd and the CALL eventfds (not the kicks). */
void vhost_close(struct vhost *vh);

#endif
