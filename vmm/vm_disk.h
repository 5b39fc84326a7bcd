/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's disks: for each --disk, a blk_backend and a virtio-blk device,
 * attached as a virtio device (vm_virtio), with the backend's completion
 * eventfd on the event loop too.
 */
#ifndef VMM_VM_DISK_H
#define VMM_VM_DISK_H

#include "config.h"
#include "devices/virtio_blk.h"
#include "event_loop.h"
#include "vm_virtio.h"

struct vm_disk {
	struct vm_virtio v; /* v.name: vda, vdb, ... */
	struct virtio_blk blk;
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
 * vm_disk_attach() - put disk @d at virtio-mmio slot @slot. The vGIC must
 * be initialised. Returns 0 or -errno (logged).
 */
int vm_disk_attach(struct vm_disk *d, unsigned int slot,
		   const struct vm_virtio_env *env);

/* vm_disks_close() - after the vCPUs stopped: drain, close, free @n disks. */
void vm_disks_close(struct vm_disk *disks, unsigned int n);

#endif
