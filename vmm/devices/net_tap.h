/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tap device as a virtio-net backend: /dev/net/tun attached to interface
 * NAME in tap mode with a 12-byte virtio_net_hdr_v1 before every packet
 * (IFF_VNET_HDR), non-blocking. The interface is opened when it exists
 * (the owner of a persistent tap needs no privilege) and created when it
 * does not (needs CAP_NET_ADMIN; it goes away with vmm).
 */
#ifndef VMM_DEVICES_NET_TAP_H
#define VMM_DEVICES_NET_TAP_H

#include <stddef.h>

/* The header the tap and the guest exchange: virtio 1.x, mergeable form. */
#define NET_TAP_VNET_HDR_LEN 12

struct net_tap {
	int fd;
	char name[16];
	int created;  /* vmm created the interface */
	int offloads; /* the tap takes TUNSETOFFLOAD csum + TSO4/6 */
};

/*
 * net_tap_open() - attach @tap to interface @name, creating it if
 * missing. Returns 0, or -errno with a one-line reason naming the tap in
 * @why (missing and not creatable, not a tap, busy, no /dev/net/tun).
 */
int net_tap_open(struct net_tap *tap, const char *name, char *why,
		 size_t why_len);

/*
 * net_tap_set_offload() - which offloads (TUN_F_* bits) packets the tap
 * hands us may carry. Returns 0 or -errno.
 */
int net_tap_set_offload(const struct net_tap *tap, unsigned int tun_flags);

void net_tap_close(struct net_tap *tap);

#endif
