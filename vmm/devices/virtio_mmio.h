/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio transport, version 2 (virtio 1.x "modern" only): the
 * register file a driver uses to negotiate features, set up queues, read
 * the device's config space and take interrupts. It knows nothing of what
 * the device does; a device (virtio-blk, ...) plugs in through
 * struct virtio_dev_ops.
 *
 * Threads: registers are accessed on vCPU threads through the MMIO bus;
 * queue notifications arrive on the event loop (an ioeventfd per queue, so
 * QueueNotify never exits to userspace; a trapped QueueNotify write works
 * too). One lock serialises both, so a driver reset never races a request.
 */
#ifndef VMM_DEVICES_VIRTIO_MMIO_H
#define VMM_DEVICES_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdint.h>

#include "devices/irq_line.h"
#include "devices/mmio_bus.h"
#include "devices/virtqueue.h"
#include "memory/guest_mem.h"

#define VIRTIO_MMIO_MAX_QUEUES	 4
#define VIRTIO_MMIO_SIZE	 0x200
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050 /* where the ioeventfds listen */

struct virtio_mmio;

struct virtio_dev_ops {
	/* Device feature bits (the transport adds VERSION_1 and the ring's). */
	uint64_t (*features)(void *dev);
	/* Config space access; offsets are bounded by config_size. */
	void (*read_config)(void *dev, uint64_t off, uint8_t *data,
			    unsigned int len);
	void (*write_config)(void *dev, uint64_t off, const uint8_t *data,
			     unsigned int len); /* may be NULL: ignored */
	/* The driver set DRIVER_OK: queues are live. May be NULL. */
	void (*activate)(void *dev, struct virtio_mmio *t);
	/* Queue @q has new buffers. Called with the transport lock held. */
	void (*notify)(void *dev, struct virtio_mmio *t, unsigned int q);
	/*
	 * Driver reset: drop every request, wait for any the backend still
	 * has in flight, and forget them (nothing may touch guest memory
	 * afterwards). Called with the transport lock held.
	 */
	void (*reset)(void *dev);
};

struct virtio_mmio {
	pthread_mutex_t lock;
	uint32_t device_id;
	const struct virtio_dev_ops *ops;
	void *dev;
	unsigned int nqueues;
	uint32_t config_size;
	struct irq_line *irq;
	const struct guest_mem *mem;

	uint64_t host_features;
	uint64_t driver_features;
	uint32_t host_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t status;
	uint32_t isr; /* interrupt status, read atomically */
	uint32_t config_generation;
	struct virtqueue vqs[VIRTIO_MMIO_MAX_QUEUES];
	uint64_t notifies, interrupts;
};

/*
 * virtio_mmio_init() - a transport for device @dev of type @device_id with
 * @nqueues queues and @config_size bytes of config space. @irq and @mem
 * are borrowed. Returns 0 or -errno.
 */
int virtio_mmio_init(struct virtio_mmio *t, uint32_t device_id,
		     const struct virtio_dev_ops *ops, void *dev,
		     unsigned int nqueues, uint32_t config_size,
		     struct irq_line *irq, const struct guest_mem *mem);
void virtio_mmio_destroy(struct virtio_mmio *t);

/* virtio_mmio_notify() - queue @q was kicked (its ioeventfd fired). */
void virtio_mmio_notify(struct virtio_mmio *t, unsigned int q);

/*
 * virtio_mmio_used() - after a device pushed used buffers on @q: interrupt
 * the driver if it asked for it. Call with the transport lock held.
 */
void virtio_mmio_used(struct virtio_mmio *t, unsigned int q);

/*
 * virtio_mmio_interrupt_used() - a backend outside the VMM (vhost) used
 * buffers and asked for an interrupt: set the ISR's used-buffer bit, then
 * pulse the irq. Lock-free, from any thread; ignored unless DRIVER_OK.
 */
void virtio_mmio_interrupt_used(struct virtio_mmio *t);

/*
 * virtio_mmio_needs_reset() - the device met something it cannot go on
 * from (a broken ring): set DEVICE_NEEDS_RESET and tell the driver. Call
 * with the lock held.
 */
void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why);

/* virtio_mmio_lock()/unlock() - for device work outside notify(). */
void virtio_mmio_lock(struct virtio_mmio *t);
void virtio_mmio_unlock(struct virtio_mmio *t);

extern const struct mmio_ops virtio_mmio_ops;

/*
 * virtio_mmio_region() - the bus region of transport @t at @base (a
 * virtio-mmio slot); @name (for logs and stats) is borrowed.
 */
struct mmio_region virtio_mmio_region(struct virtio_mmio *t, const char *name,
				      gpa_t base);

#endif
