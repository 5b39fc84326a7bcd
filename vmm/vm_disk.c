// SPDX-License-Identifier: GPL-2.0-only
#include "vm_disk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "devices/mmio_bus.h"
#include "kvm.h"
#include "log.h"
#include "memory/layout.h"

int vm_disks_open(const struct vm_config *cfg, struct vm_disk **out, char *why,
		  size_t why_len)
{
	struct vm_disk *disks;
	dev_t dev[CONFIG_MAX_DISKS];
	ino_t ino[CONFIG_MAX_DISKS];
	unsigned int i;
	int ret = 0;

	*out = NULL;
	if (!cfg->ndisks)
		return 0;
	disks = calloc(cfg->ndisks, sizeof(*disks));
	if (!disks)
		return -ENOMEM;
	for (i = 0; i < cfg->ndisks; i++) {
		const struct disk_config *dc = &cfg->disks[i];
		struct blk_backend_opts o = { .path = dc->path,
					      .readonly = dc->readonly };
		struct blk_backend *be;

		ret = blk_backend_open(&be, &o, why, why_len);
		if (ret)
			goto err;
		virtio_blk_init(&disks[i].blk, be, dc->serial);
		snprintf(disks[i].name, sizeof(disks[i].name), "vd%c", 'a' + i);
		disks[i].irqfd = -1;
		disks[i].kick_src.fd = -1;
		blk_backend_identity(be, &dev[i], &ino[i]);
		for (unsigned int j = 0; j < i; j++) {
			if (dev[j] != dev[i] || ino[j] != ino[i] ||
			    (cfg->disks[j].readonly && dc->readonly))
				continue;
			snprintf(
				why, why_len,
				"disk '%s' is given twice (%s and %s) and not "
				"read-only both times: the guest would corrupt "
				"it",
				dc->path, disks[j].name, disks[i].name);
			i++;
			ret = -EBUSY;
			goto err;
		}
		pr_info("%s: '%s', %" PRIu64 " MiB, %s, %s", disks[i].name,
			dc->path, blk_backend_size(be) >> 20,
			dc->readonly ? "read-only" : "read-write",
			blk_backend_kind(be));
	}
	*out = disks;
	return 0;
err:
	vm_disks_close(disks, i);
	return ret;
}

static void disk_irq_pulse(struct irq_line *line)
{
	struct vm_disk *d = line->opaque;
	uint64_t one = 1;

	/* KVM injects the edge; no ioctl, no lock, any thread. */
	if (write(d->irqfd, &one, sizeof(one)) < 0)
		pr_warn_ratelimited("%s: irqfd write: %s", d->name,
				    strerror(errno));
}

static void disk_irq_set(struct irq_line *line, int level)
{
	if (level)
		disk_irq_pulse(line);
}

static void disk_on_kick(struct event_source *src, uint32_t events)
{
	struct vm_disk *d = src->opaque;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) == sizeof(n))
		virtio_mmio_notify(&d->t, 0);
}

static void disk_on_done(struct event_source *src, uint32_t events)
{
	struct vm_disk *d = src->opaque;

	(void)events;
	virtio_blk_complete(&d->blk); /* the backend clears its eventfd */
}

int vm_disk_attach(struct vm_disk *d, unsigned int i, struct kvm *kvm,
		   struct mmio_bus *bus, const struct guest_mem *mem,
		   struct event_loop *loop)
{
	gpa_t base = LAYOUT_VIRTIO_BASE + i * LAYOUT_VIRTIO_SLOT;
	struct mmio_region r = {
		.name = d->name,
		.dt_name = "virtio_mmio",
		.base = base,
		.size = LAYOUT_VIRTIO_SLOT,
		.ops = &virtio_mmio_ops,
		.opaque = &d->t,
	};
	int ret;

	d->irq.set_level = disk_irq_set;
	d->irq.pulse = disk_irq_pulse;
	d->irq.opaque = d;
	d->irq.spi = LAYOUT_SPI_VIRTIO_0 + i;
	ret = virtio_mmio_init(&d->t, VIRTIO_ID_BLOCK, &virtio_blk_ops, &d->blk,
			       1, VIRTIO_BLK_CONFIG_SIZE, &d->irq, mem);
	if (ret)
		return ret;
	virtio_blk_bind(&d->blk, &d->t);
	d->attached = 1;
	d->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->kick_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->irqfd < 0 || d->kick_src.fd < 0)
		return -errno;
	ret = kvm_irqfd(kvm, d->irqfd, d->irq.spi);
	if (!ret)
		ret = kvm_ioeventfd(kvm, d->kick_src.fd,
				    base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0);
	if (ret)
		return ret;
	d->kick_src.fn = disk_on_kick;
	d->kick_src.opaque = d;
	d->done_src.fd = blk_backend_event_fd(d->blk.be);
	d->done_src.fn = disk_on_done;
	d->done_src.opaque = d;
	ret = event_loop_add(loop, &d->kick_src, EPOLLIN);
	if (!ret)
		ret = event_loop_add(loop, &d->done_src, EPOLLIN);
	if (!ret)
		ret = mmio_bus_register(bus, &r);
	return ret;
}

void vm_disks_close(struct vm_disk *disks, unsigned int n)
{
	if (!disks)
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct vm_disk *d = &disks[i];

		virtio_blk_destroy(&d->blk);
		if (d->attached)
			virtio_mmio_destroy(&d->t);
		if (d->irqfd >= 0)
			close(d->irqfd);
		if (d->kick_src.fd >= 0)
			close(d->kick_src.fd);
	}
	free(disks);
}
