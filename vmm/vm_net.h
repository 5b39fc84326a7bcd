/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's NICs: for each --net, a tap (net_tap) and a virtio-net device
 * attached as a virtio device (vm_virtio). The tap fd is on the event
 * loop while the guest has receive buffers; an eventfd lets the device
 * ask the loop to resume receiving (after a kick, or once the driver is
 * ready). With vhost=on and a working /dev/vhost-net, the kernel moves
 * the packets between the rings and the tap instead, and the tap stays
 * off the event loop.
 */
#ifndef VMM_VM_NET_H
#define VMM_VM_NET_H

#include "config.h"
#include "devices/net_tap.h"
#include "devices/virtio_net.h"
#include "event_loop.h"
#include "vhost.h"
#include "vm_virtio.h"

struct vm_net {
	struct vm_virtio v; /* v.name: eth0, eth1, ... */
	struct net_tap tap;
	struct event_loop *loop;
	struct event_source tap_src;  /* the tap has packets */
	struct event_source wake_src; /* eventfd: the device asks for rx */
	struct vhost vh;	      /* open: vhost-net moves the packets */
	int vhost;
	struct virtio_net dev;
};

/*
 * vm_nets_open() - open (or create) every tap of @cfg before anything is
 * started, into a new array *@out. Returns 0, or -errno with a one-line
 * reason naming the tap in @why.
 */
int vm_nets_open(const struct vm_config *cfg, struct vm_net **out, char *why,
		 size_t why_len);

/*
 * vm_net_attach() - put NIC @n at virtio-mmio slot @slot and its tap on
 * the event loop. The vGIC must be initialised. Returns 0 or -errno.
 */
int vm_net_attach(struct vm_net *n, unsigned int slot,
		  const struct vm_virtio_env *env);

/* vm_nets_print_stats() - one --stats line per NIC, to stderr. */
void vm_nets_print_stats(const struct vm_net *nets, unsigned int n);

/* vm_nets_close() - after the vCPUs stopped: close and free @n NICs. */
void vm_nets_close(struct vm_net *nets, unsigned int n);

#endif
