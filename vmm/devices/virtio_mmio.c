// SPDX-License-Identifier: GPL-2.0-only
#include "devices/virtio_mmio.h"

#include <errno.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "fdt/dt.h"
#include "log.h"

#define VIRTIO_MMIO_MAGIC  0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x00564d4d /* "VMM" */
#define DT_IRQ_EDGE_RISING 1

int virtio_mmio_init(struct virtio_mmio *t, uint32_t device_id,
		     const struct virtio_dev_ops *ops, void *dev,
		     unsigned int nqueues, uint32_t config_size,
		     struct irq_line *irq, const struct guest_mem *mem)
{
	int ret;

	if (nqueues == 0 || nqueues > VIRTIO_MMIO_MAX_QUEUES ||
	    config_size > VIRTIO_MMIO_SIZE - 0x100)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	ret = pthread_mutex_init(&t->lock, NULL);
	if (ret)
		return -ret;
	t->device_id = device_id;
	t->ops = ops;
	t->dev = dev;
	t->nqueues = nqueues;
	t->config_size = config_size;
	t->irq = irq;
	t->mem = mem;
	t->host_features = ops->features(dev) | (1ULL << VIRTIO_F_VERSION_1) |
			   (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
			   (1ULL << VIRTIO_RING_F_EVENT_IDX);
	for (unsigned int i = 0; i < nqueues; i++)
		vq_reset(&t->vqs[i], mem);
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

void virtio_mmio_lock(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
}

void virtio_mmio_unlock(struct virtio_mmio *t)
{
	pthread_mutex_unlock(&t->lock);
}

static void raise_interrupt(struct virtio_mmio *t, uint32_t bit)
{
	__atomic_fetch_or(&t->isr, bit, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&t->interrupts, 1, __ATOMIC_RELAXED);
	irq_line_pulse(t->irq);
}

void virtio_mmio_interrupt_used(struct virtio_mmio *t)
{
	/* A stale signal after a reset must not leave ISR set. */
	if (__atomic_load_n(&t->status, __ATOMIC_ACQUIRE) &
	    VIRTIO_CONFIG_S_DRIVER_OK)
		raise_interrupt(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why)
{
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	pr_warn_ratelimited("virtio device %u: %s: needs reset", t->device_id,
			    why);
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (t->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise_interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_used(struct virtio_mmio *t, unsigned int q)
{
	struct virtqueue *vq = &t->vqs[q];

	if (vq->broken)
		virtio_mmio_needs_reset(t, "broken virtqueue");
	else if (vq_should_notify(vq))
		raise_interrupt(t, VIRTIO_MMIO_INT_VRING);
}

static int queue_live(const struct virtio_mmio *t, unsigned int q)
{
	return q < t->nqueues && t->vqs[q].ready &&
	       (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

void virtio_mmio_notify(struct virtio_mmio *t, unsigned int q)
{
	pthread_mutex_lock(&t->lock);
	t->notifies++;
	if (queue_live(t, q)) {
		t->ops->notify(t->dev, t, q);
		if (t->vqs[q].broken)
			virtio_mmio_needs_reset(t, "broken virtqueue");
	}
	pthread_mutex_unlock(&t->lock);
}

static void device_reset(struct virtio_mmio *t)
{
	t->ops->reset(t->dev);
	for (unsigned int i = 0; i < t->nqueues; i++)
		vq_reset(&t->vqs[i], t->mem);
	t->driver_features = 0;
	t->host_features_sel = t->driver_features_sel = 0;
	t->queue_sel = 0;
	t->status = 0;
	__atomic_store_n(&t->isr, 0, __ATOMIC_SEQ_CST);
}

/* A driver may only add status bits; 0 resets. FEATURES_OK is checked. */
static void write_status(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		device_reset(t);
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(t->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		uint64_t f = t->driver_features;

		/* Only what we offered, and never the legacy interface. */
		if ((f & ~t->host_features) ||
		    !(f & (1ULL << VIRTIO_F_VERSION_1)))
			v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
		for (unsigned int i = 0; i < t->nqueues; i++) {
			t->vqs[i].event_idx =
				!!(f & (1ULL << VIRTIO_RING_F_EVENT_IDX));
			t->vqs[i].indirect =
				!!(f & (1ULL << VIRTIO_RING_F_INDIRECT_DESC));
		}
	}
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(t->status & VIRTIO_CONFIG_S_DRIVER_OK) && t->ops->activate)
		t->ops->activate(t->dev, t);
	t->status |= v;
}

static struct virtqueue *selected_vq(struct virtio_mmio *t)
{
	return t->queue_sel < t->nqueues ? &t->vqs[t->queue_sel] : NULL;
}

/* Queue registers may change only while the queue is off. */
static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtqueue *vq = selected_vq(t);

	if (!vq)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		if (v && !vq->ready && vq_enable(vq))
			virtio_mmio_needs_reset(t, "queue set up outside RAM "
						   "or with a bad size");
		else if (!v)
			vq->ready = 0;
		return;
	}
	if (vq->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->num = v > VQ_NUM_MAX ? 0 : (uint16_t)v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		vq->desc = (vq->desc & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		vq->desc = (vq->desc & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		vq->avail = (vq->avail & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		vq->avail = (vq->avail & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		vq->used = (vq->used & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		vq->used = (vq->used & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	}
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtqueue *vq = selected_vq(t);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (t->host_features_sel > 1)
			return 0;
		return (uint32_t)(t->host_features >>
				  (32 * t->host_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VQ_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? (uint32_t)vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&t->isr, __ATOMIC_SEQ_CST);
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	}
	return 0; /* write-only and reserved registers read as 0 */
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->host_features_sel = v;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Features are fixed once FEATURES_OK is set. */
		if (t->status & VIRTIO_CONFIG_S_FEATURES_OK ||
		    t->driver_features_sel > 1)
			return;
		t->driver_features &=
			~(0xffffffffULL << (32 * t->driver_features_sel));
		t->driver_features |= (uint64_t)v
				      << (32 * t->driver_features_sel);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Only without an ioeventfd; the lock is held: dispatch here.
		 */
		t->notifies++;
		if (queue_live(t, v)) {
			t->ops->notify(t->dev, t, v);
			if (t->vqs[v].broken)
				virtio_mmio_needs_reset(t, "broken virtqueue");
		}
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_fetch_and(&t->isr, ~v, __ATOMIC_SEQ_CST);
		return;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		return;
	}
	write_queue_reg(t, off, v);
}

static void virtio_mmio_read(void *opaque, uint64_t off, uint8_t *data,
			     unsigned int len)
{
	struct virtio_mmio *t = opaque;
	uint32_t v;

	memset(data, 0, len);
	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;

		if (c < t->config_size && len <= t->config_size - c)
			t->ops->read_config(t->dev, c, data, len);
	} else if (len == 4 && off % 4 == 0) {
		v = read_reg(t, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
}

static void virtio_mmio_write(void *opaque, uint64_t off, const uint8_t *data,
			      unsigned int len)
{
	struct virtio_mmio *t = opaque;
	uint32_t v;

	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;

		if (t->ops->write_config && c < t->config_size &&
		    len <= t->config_size - c)
			t->ops->write_config(t->dev, c, data, len);
	} else if (len == 4 && off % 4 == 0) {
		/* The spec allows only 32-bit accesses to registers. */
		memcpy(&v, data, 4);
		write_reg(t, off, v);
	}
	pthread_mutex_unlock(&t->lock);
}

static void virtio_mmio_dt_node(void *opaque, struct dt_builder *dt)
{
	struct virtio_mmio *t = opaque;
	/* Edge: each interrupt is one irqfd write, with no level to lower. */
	uint32_t irq[3] = { DT_IRQ_TYPE_SPI, t->irq->spi, DT_IRQ_EDGE_RISING };

	dt_prop_string(dt, "compatible", "virtio,mmio");
	dt_prop_cells(dt, "interrupts", irq, 3);
	dt_prop_empty(dt, "dma-coherent");
}

struct mmio_region virtio_mmio_region(struct virtio_mmio *t, const char *name,
				      gpa_t base)
{
	return (struct mmio_region){
		.name = name,
		.dt_name = "virtio_mmio",
		.base = base,
		.size = VIRTIO_MMIO_SIZE,
		.ops = &virtio_mmio_ops,
		.opaque = t,
	};
}

const struct mmio_ops virtio_mmio_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.dt_node = virtio_mmio_dt_node,
};
