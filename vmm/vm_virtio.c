// SPDX-License-Identifier: GPL-2.0-only
#include "vm_virtio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/mmio_bus.h"
#include "kvm.h"
#include "log.h"
#include "memory/layout.h"
#include "vhost.h"

void vm_virtio_init(struct vm_virtio *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->irqfd = -1;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		v->kicks[q].src.fd = -1;
}

static void irq_pulse(struct irq_line *line)
{
	struct vm_virtio *v = line->opaque;
	uint64_t one = 1;

	/* KVM injects the edge: no ioctl, no lock, from any thread. */
	if (write(v->irqfd, &one, sizeof(one)) < 0)
		pr_warn_ratelimited("%s: irqfd write: %s", v->name,
				    strerror(errno));
}

static void irq_set(struct irq_line *line, int level)
{
	if (level)
		irq_pulse(line);
}

static void on_kick(struct event_source *src, uint32_t events)
{
	struct vm_virtio_kick *k = src->opaque;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) == sizeof(n))
		virtio_mmio_notify(&k->v->t, k->queue);
}

int vm_virtio_attach(struct vm_virtio *v, unsigned int slot, uint32_t device_id,
		     const struct virtio_dev_ops *ops, void *dev,
		     unsigned int nqueues, uint32_t config_size,
		     const struct vm_virtio_env *env)
{
	gpa_t base = LAYOUT_VIRTIO_BASE + slot * LAYOUT_VIRTIO_SLOT;
	struct mmio_region r = virtio_mmio_region(&v->t, v->name, base);
	int ret;

	v->irq.set_level = irq_set;
	v->irq.pulse = irq_pulse;
	v->irq.opaque = v;
	v->irq.spi = LAYOUT_SPI_VIRTIO_0 + slot;
	ret = virtio_mmio_init(&v->t, device_id, ops, dev, nqueues, config_size,
			       &v->irq, env->mem);
	if (ret)
		return ret;
	v->attached = 1;
	v->nqueues = nqueues;
	v->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->irqfd < 0)
		return -errno;
	ret = kvm_irqfd(env->kvm, v->irqfd, v->irq.spi);
	for (unsigned int q = 0; q < nqueues && !ret; q++) {
		struct vm_virtio_kick *k = &v->kicks[q];

		k->v = v;
		k->queue = q;
		k->src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (k->src.fd < 0)
			return -errno;
		k->src.fn = on_kick;
		k->src.opaque = k;
		/* The driver writes the queue index to QueueNotify. */
		ret = kvm_ioeventfd(env->kvm, k->src.fd,
				    base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q);
		if (!ret)
			ret = event_loop_add(env->loop, &k->src, EPOLLIN);
	}
	if (!ret)
		ret = mmio_bus_register(env->bus, &r);
	if (ret)
		pr_err("%s: cannot attach the virtio device: %s", v->name,
		       strerror(-ret));
	return ret;
}

int vm_virtio_take_kick(struct vm_virtio *v, unsigned int q,
			struct event_loop *loop)
{
	if (q >= v->nqueues || v->kicks[q].src.fd < 0)
		return -EINVAL;
	event_loop_del(loop, &v->kicks[q].src);
	return v->kicks[q].src.fd;
}

int vm_virtio_attach_vhost(struct vm_virtio *v, struct vhost *vh,
			   const struct vm_virtio_env *env)
{
	int ret = vh->nqueues <= v->nqueues ? 0 : -EINVAL;

	for (unsigned int q = 0; q < vh->nqueues && !ret; q++) {
		int kick = vm_virtio_take_kick(v, q, env->loop);

		ret = kick < 0 ? kick : vhost_set_kick(vh, q, kick);
		if (!ret)
			ret = event_loop_add(env->loop, &vh->vqs[q].call_src,
					     EPOLLIN);
	}
	if (!ret)
		ret = vhost_set_mem_table(vh, env->mem);
	if (ret) {
		pr_err("%s: cannot hand the queues to %s: %s", v->name,
		       vh->path, strerror(-ret));
		return ret;
	}
	/* Nothing the kernel's data path would not honour. */
	v->t.host_features &= vhost_features_mask(vh);
	vhost_bind(vh, &v->t);
	return 0;
}

void vm_virtio_destroy(struct vm_virtio *v)
{
	if (v->attached)
		virtio_mmio_destroy(&v->t);
	v->attached = 0;
	if (v->irqfd >= 0)
		close(v->irqfd);
	v->irqfd = -1;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		if (v->kicks[q].src.fd >= 0)
			close(v->kicks[q].src.fd);
		v->kicks[q].src.fd = -1;
	}
}
