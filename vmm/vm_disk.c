// SPDX-License-Identifier: GPL-2.0-only
#include "vm_disk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <linux/virtio_ids.h>

#include "log.h"

int vm_disks_open(const struct vm_config *cfg, struct vm_disk **out, char *why,
		  size_t why_len)
{
	struct vm_disk *disks;
	dev_t dev[CONFIG_MAX_DISKS];
	ino_t ino[CONFIG_MAX_DISKS];
	unsigned int i;
	char name[8];
	int ret = 0;

	*out = NULL;
	if (!cfg->ndisks)
		return 0;
	disks = calloc(cfg->ndisks, sizeof(*disks));
	if (!disks)
		return -ENOMEM;
	for (i = 0; i < cfg->ndisks; i++) {
		const struct disk_config *dc = &cfg->disks[i];
		/*
		 * Benchmark knobs (scripts/bench-inner.sh measures each way
		 * in one run): VMM_BENCH_BLK_NO_FIXED_FILE=1 submits by fd,
		 * VMM_BENCH_BLK_DEPTH=N sets the io_uring queue depth,
		 * VMM_BENCH_BLK_SUBMIT_EACH=1 submits every request alone
		 * rather than each notification's batch at once.
		 */
		const char *nofix = getenv("VMM_BENCH_BLK_NO_FIXED_FILE");
		const char *each = getenv("VMM_BENCH_BLK_SUBMIT_EACH");
		const char *depth = getenv("VMM_BENCH_BLK_DEPTH");
		struct blk_backend_opts o = {
			.path = dc->path,
			.readonly = dc->readonly,
			.no_fixed_file = nofix && strcmp(nofix, "1") == 0,
			.queue_depth = depth ? (unsigned int)atoi(depth) : 0,
		};
		struct blk_backend *be;

		ret = blk_backend_open(&be, &o, why, why_len);
		if (ret)
			goto err;
		virtio_blk_init(&disks[i].blk, be, dc->serial);
		disks[i].blk.submit_each = each && strcmp(each, "1") == 0;
		snprintf(name, sizeof(name), "vd%c", 'a' + i);
		vm_virtio_init(&disks[i].v, name);
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
				dc->path, disks[j].v.name, disks[i].v.name);
			i++;
			ret = -EBUSY;
			goto err;
		}
		pr_info("%s: '%s', %" PRIu64 " MiB, %s, %s", disks[i].v.name,
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

static void disk_on_done(struct event_source *src, uint32_t events)
{
	struct vm_disk *d = src->opaque;

	(void)events;
	virtio_blk_complete(&d->blk); /* the backend clears its eventfd */
}

int vm_disk_attach(struct vm_disk *d, unsigned int slot,
		   const struct vm_virtio_env *env)
{
	int ret;

	ret = vm_virtio_attach(&d->v, slot, VIRTIO_ID_BLOCK, &virtio_blk_ops,
			       &d->blk, 1, VIRTIO_BLK_CONFIG_SIZE, env);
	if (ret)
		return ret;
	virtio_blk_bind(&d->blk, &d->v.t);
	d->done_src.fd = blk_backend_event_fd(d->blk.be);
	d->done_src.fn = disk_on_done;
	d->done_src.opaque = d;
	return event_loop_add(env->loop, &d->done_src, EPOLLIN);
}

void vm_disks_close(struct vm_disk *disks, unsigned int n)
{
	if (!disks)
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct vm_disk *d = &disks[i];

		virtio_blk_destroy(&d->blk);
		vm_virtio_destroy(&d->v);
	}
	free(disks);
}
