/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's disks: for each --disk, a blk_backend, a virtio-blk device, its
 * virtio-mmio transport on the bus, and the KVM wiring that keeps queue
 * work off the vCPUs -- an ioeventfd on QueueNotify and an irqfd for the
 * interrupt -- with both ends on the event loop.
 */
#ifndef VMM_VM_DISK_H
#define VMM_VM_DISK_H

#include "config.h"
#include "devices/irq_line.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "event_loop.h"

struct kvm;
struct mmio_bus;
struct guest_mem;

struct vm_disk {
	char name[8]; /* vda, vdb, ... */
	struct virtio_blk blk;
	struct virtio_mmio t;
	struct irq_line irq;
	int irqfd;
	int attached;
	struct event_source kick_src; /* ioeventfd: the driver kicked queue 0 */
	struct event_source done_src; /* the backend finished requests */
};

/*
 * vm_disks_open() - open every disk of @cfg (before anything is started)
 * into a new array *@out. Refuses the same file given twice unless every
 * use of it is read-only. Returns 0, or -errno with a one-line reason.
 */
int vm_disks_open(const struct vm_config *cfg, struct vm_disk **out, char *why,
		  size_t why_len);

/*
 * vm_disk_attach() - put disk @i on the bus at its virtio-mmio slot and
 * wire its ioeventfd, irqfd and event sources. The vGIC must be
 * initialised. Returns 0 or -errno (logged).
 */
int vm_disk_attach(struct vm_disk *d, unsigned int i, struct kvm *kvm,
		   struct mmio_bus *bus, const struct guest_mem *mem,
		   struct event_loop *loop);

/* vm_disks_close() - after the vCPUs stopped: drain, close, free @n disks. */
void vm_disks_close(struct vm_disk *disks, unsigned int n);

#endif
