// SPDX-License-Identifier: GPL-2.0-only
#include "vm_net.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "log.h"

static int tap_set_offload(void *opaque, unsigned int tun_flags)
{
	struct vm_net *n = opaque;

	return net_tap_set_offload(&n->tap, tun_flags);
}

/* Any thread (a vCPU's activate, the loop's kick): an eventfd write. */
static void net_wake(void *opaque)
{
	struct vm_net *n = opaque;
	uint64_t one = 1;

	if (write(n->wake_src.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn_ratelimited("%s: wake: %s", n->v.name, strerror(errno));
}

/* Receive, then watch the tap only while the guest can take packets. */
static void net_rx(struct vm_net *n)
{
	int watch = virtio_net_rx(&n->dev);

	if (watch && !n->tap_src.added) {
		if (event_loop_add(n->loop, &n->tap_src, EPOLLIN))
			pr_warn_ratelimited("%s: cannot watch tap '%s'",
					    n->v.name, n->tap.name);
	} else if (!watch && n->tap_src.added) {
		event_loop_del(n->loop, &n->tap_src);
	}
}

static void net_on_tap(struct event_source *src, uint32_t events)
{
	(void)events;
	net_rx(src->opaque);
}

static void net_on_wake(struct event_source *src, uint32_t events)
{
	uint64_t v;

	(void)events;
	if (read(src->fd, &v, sizeof(v)) == sizeof(v))
		net_rx(src->opaque);
}

int vm_nets_open(const struct vm_config *cfg, struct vm_net **out, char *why,
		 size_t why_len)
{
	struct vm_net *nets;
	unsigned int i;
	char name[16];
	int ret;

	*out = NULL;
	if (!cfg->nnets)
		return 0;
	nets = calloc(cfg->nnets, sizeof(*nets));
	if (!nets)
		return -ENOMEM;
	for (i = 0; i < cfg->nnets; i++) {
		const struct net_config *nc = &cfg->nets[i];
		struct vm_net *n = &nets[i];
		struct virtio_net_backend be;
		const uint8_t *m = nc->mac;

		snprintf(name, sizeof(name), "eth%u", i);
		vm_virtio_init(&n->v, name);
		vhost_init(&n->vh, VIRTIO_NET_QUEUES, NULL);
		n->tap_src.fd = -1;
		n->wake_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->wake_src.fd < 0) {
			ret = -errno;
			log_why(why, why_len, "eventfd: %s", strerror(errno));
			goto err;
		}
		ret = net_tap_open(&n->tap, nc->tap, why, why_len);
		if (ret) {
			i++;
			goto err;
		}
		be = (struct virtio_net_backend){
			.fd = n->tap.fd,
			.offloads = n->tap.offloads,
			.set_offload = tap_set_offload,
			.wake = net_wake,
			.opaque = n,
		};
		virtio_net_init(&n->dev, nc->mac, &be);
		if (nc->vhost) {
			char vwhy[256];

			if (vhost_open(&n->vh, "/dev/vhost-net", vwhy,
				       sizeof(vwhy)) == 0) {
				n->vhost = 1;
				pr_info("%s: vhost-net moves the packets",
					name);
			} else {
				pr_warn("%s: vhost-net unavailable (%s); using "
					"the userspace path",
					name, vwhy);
			}
		}
		pr_info("%s: tap '%s'%s, mac %02x:%02x:%02x:%02x:%02x:%02x, "
			"offloads %s",
			name, nc->tap, n->tap.created ? " (created)" : "", m[0],
			m[1], m[2], m[3], m[4], m[5],
			n->tap.offloads ? "csum+tso" : "none");
	}
	*out = nets;
	return 0;
err:
	vm_nets_close(nets, i);
	return ret;
}

int vm_net_attach(struct vm_net *n, unsigned int slot,
		  const struct vm_virtio_env *env)
{
	int ret;

	ret = vm_virtio_attach(&n->v, slot, VIRTIO_ID_NET, &virtio_net_ops,
			       &n->dev, VIRTIO_NET_QUEUES,
			       VIRTIO_NET_CONFIG_SIZE, env);
	if (ret)
		return ret;
	virtio_net_bind(&n->dev, &n->v.t);
	n->loop = env->loop;
	if (n->vhost) {
		uint64_t own =
			n->v.t.host_features & VIRTIO_NET_VHOST_PASSTHROUGH;

		ret = vm_virtio_attach_vhost(&n->v, &n->vh, env);
		if (ret)
			return ret;
		/* vhost-net's features say nothing of these: keep them. */
		n->v.t.host_features |= own;
		virtio_net_use_vhost(&n->dev, &n->vh);
		return 0; /* the kernel reads the tap */
	}
	n->tap_src.fd = n->tap.fd;
	n->tap_src.fn = net_on_tap;
	n->tap_src.opaque = n;
	n->wake_src.fn = net_on_wake;
	n->wake_src.opaque = n;
	/* The tap is watched from the driver's first receive buffers on. */
	return event_loop_add(env->loop, &n->wake_src, EPOLLIN);
}

void vm_nets_print_stats(const struct vm_net *nets, unsigned int n)
{
	for (unsigned int i = 0; nets && i < n; i++) {
		const struct vm_net *d = &nets[i];
		const struct virtio_net *v = &d->dev;

		if (d->vhost) {
			/* The packets never pass through vmm. */
			fprintf(stderr,
				"vmm: stats: net=%s tap=%s vhost=on "
				"vhost_calls=%" PRIu64 " notifies=%" PRIu64
				" interrupts=%" PRIu64 "\n",
				d->v.name, d->tap.name, d->vh.calls,
				d->v.t.notifies, d->v.t.interrupts);
			continue;
		}
		fprintf(stderr,
			"vmm: stats: net=%s tap=%s rx_packets=%" PRIu64
			" rx_bytes=%" PRIu64 " rx_drops=%" PRIu64
			" rx_errors=%" PRIu64 " tx_packets=%" PRIu64
			" tx_bytes=%" PRIu64 " tx_drops=%" PRIu64
			" tx_errors=%" PRIu64 " bad_chains=%" PRIu64
			" notifies=%" PRIu64 " interrupts=%" PRIu64 "\n",
			d->v.name, d->tap.name, v->rx_packets, v->rx_bytes,
			v->rx_drops, v->rx_errors, v->tx_packets, v->tx_bytes,
			v->tx_drops, v->tx_errors,
			d->v.t.vqs[0].bad_chains + d->v.t.vqs[1].bad_chains,
			d->v.t.notifies, d->v.t.interrupts);
	}
}

void vm_nets_close(struct vm_net *nets, unsigned int n)
{
	if (!nets)
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct vm_net *d = &nets[i];

		if (d->loop) {
			event_loop_del(d->loop, &d->tap_src);
			event_loop_del(d->loop, &d->wake_src);
		}
		vhost_close(&d->vh);
		vm_virtio_destroy(&d->v);
		net_tap_close(&d->tap);
		if (d->wake_src.fd >= 0)
			close(d->wake_src.fd);
	}
	free(nets);
}
