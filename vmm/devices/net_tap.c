// SPDX-License-Identifier: GPL-2.0-only
#include "devices/net_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "log.h"

#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)

/* TUNSETIFF failed with @err: say why in the user's terms. */
static void tap_why(const char *name, int exists, int err, char *why,
		    size_t why_len)
{
	switch (err) {
	case EPERM:
		if (exists)
			log_why(why, why_len,
				"tap '%s': this user may not attach to it (it "
				"belongs to another user; or run vmm with "
				"CAP_NET_ADMIN)",
				name);
		else
			log_why(why, why_len,
				"tap '%s' does not exist and vmm may not "
				"create it (creating a tap needs "
				"CAP_NET_ADMIN; create it beforehand, e.g. "
				"ip tuntap add %s mode tap user USER)",
				name, name);
		return;
	case EINVAL:
		log_why(why, why_len,
			"'%s' exists and is not a tap device (a tun, a "
			"multi-queue tap or another kind of interface)",
			name);
		return;
	case EBUSY:
		log_why(why, why_len,
			"tap '%s' is busy: another process is attached to it",
			name);
		return;
	}
	log_why(why, why_len, "tap '%s': TUNSETIFF: %s", name, strerror(err));
}

int net_tap_open(struct net_tap *tap, const char *name, char *why,
		 size_t why_len)
{
	int exists = if_nametoindex(name) != 0;
	int hdr_len = NET_TAP_VNET_HDR_LEN;
	struct ifreq ifr;
	int err;

	memset(tap, 0, sizeof(*tap));
	snprintf(tap->name, sizeof(tap->name), "%s", name);
	tap->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap->fd < 0) {
		err = errno;
		log_why(why, why_len,
			"tap '%s': cannot open /dev/net/tun: %s (is the tun "
			"module loaded?)",
			name, strerror(err));
		return -err;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* Creating: never take over an interface that appeared meanwhile. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
			(exists ? 0 : IFF_TUN_EXCL);
	if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		tap_why(name, exists, err, why, why_len);
		goto err_close;
	}
	if (ioctl(tap->fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
		err = errno;
		log_why(why, why_len, "tap '%s': TUNSETVNETHDRSZ: %s", name,
			strerror(err));
		goto err_close;
	}
	/*
	 * Offer the guest checksum and TSO offloads only if the tap can pass
	 * such packets up; none until the guest has negotiated them.
	 */
	tap->offloads = ioctl(tap->fd, TUNSETOFFLOAD, TAP_OFFLOADS) == 0;
	if (ioctl(tap->fd, TUNSETOFFLOAD, 0) < 0)
		tap->offloads = 0;
	tap->created = !exists;
	return 0;
err_close:
	close(tap->fd);
	tap->fd = -1;
	return -err;
}

int net_tap_set_offload(const struct net_tap *tap, unsigned int tun_flags)
{
	if (ioctl(tap->fd, TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
		return -errno;
	return 0;
}

void net_tap_close(struct net_tap *tap)
{
	if (tap->fd >= 0)
		close(tap->fd);
	tap->fd = -1;
}
