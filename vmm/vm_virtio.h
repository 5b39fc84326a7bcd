/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio device wired into the VM: its virtio-mmio transport on the bus
 * at a slot, an ioeventfd per queue so the driver's kicks never exit to
 * userspace (the event loop watches them), and an irqfd for its interrupt.
 * Every virtio device (blk, rng, console, ...) is attached this way.
 */
#ifndef VMM_VM_VIRTIO_H
#define VMM_VM_VIRTIO_H

#include "devices/irq_line.h"
#include "devices/virtio_mmio.h"
#include "event_loop.h"

struct kvm;
struct mmio_bus;
struct guest_mem;
struct vm_virtio;
struct vhost;

struct vm_virtio_kick {
	struct event_source src;
	struct vm_virtio *v;
	unsigned int queue;
};

struct vm_virtio {
	char name[16];
	struct virtio_mmio t;
	struct irq_line irq;
	int irqfd;
	int attached;
	unsigned int nqueues;
	struct vm_virtio_kick kicks[VIRTIO_MMIO_MAX_QUEUES];
};

/* Where everything a device needs from the VM lives. */
struct vm_virtio_env {
	struct kvm *kvm;
	struct mmio_bus *bus;
	const struct guest_mem *mem;
	struct event_loop *loop;
};

/* vm_virtio_init() - an unattached device named @name (for logs, stats). */
void vm_virtio_init(struct vm_virtio *v, const char *name);

/*
 * vm_virtio_attach() - create the transport for device @dev (@ops, type
 * @device_id, @nqueues queues, @config_size bytes of config) at virtio-mmio
 * slot @slot, and wire its kicks and interrupt. The vGIC must be
 * initialised. Returns 0 or -errno (logged).
 */
int vm_virtio_attach(struct vm_virtio *v, unsigned int slot, uint32_t device_id,
		     const struct virtio_dev_ops *ops, void *dev,
		     unsigned int nqueues, uint32_t config_size,
		     const struct vm_virtio_env *env);

/*
 * vm_virtio_take_kick() - queue @q's kick ioeventfd, which the event loop
 * @loop stops watching: a backend outside the VMM (vhost) takes the kicks
 * over. The fd stays @v's (closed by vm_virtio_destroy()). Returns the fd
 * or -EINVAL.
 */
int vm_virtio_take_kick(struct vm_virtio *v, unsigned int q,
			struct event_loop *loop);

/*
 * vm_virtio_attach_vhost() - after vm_virtio_attach(): give the first
 * @vh->nqueues queues of @v to the opened vhost @vh (see vhost.h): their
 * kicks, the memory table, the CALL eventfds into the event loop, and the
 * transport's features limited to what vhost offers. Before the guest
 * runs. Returns 0 or -errno (logged).
 */
int vm_virtio_attach_vhost(struct vm_virtio *v, struct vhost *vh,
			   const struct vm_virtio_env *env);

/* vm_virtio_destroy() - close what attach opened; the device is the caller's.
 */
void vm_virtio_destroy(struct vm_virtio *v);

#endif
