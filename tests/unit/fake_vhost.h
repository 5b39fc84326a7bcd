/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake /dev/vhost-* for unit tests: an ioctl function that records every
 * request (with the values that matter) and can be told to fail one
 * request with an errno. Open "/dev/null" as the node so vhost_open()
 * gets a real fd.
 */
#ifndef TESTS_UNIT_FAKE_VHOST_H
#define TESTS_UNIT_FAKE_VHOST_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/vhost.h>

#define FAKE_VHOST_MAX_CALLS 64

struct fake_vhost_call {
	unsigned long req;
	uint64_t u64;		     /* features, CID, running flag */
	struct vhost_vring_state st; /* NUM, BASE */
	struct vhost_vring_addr addr;
	struct vhost_vring_file file; /* KICK, CALL */
	struct vhost_memory_region region;
	uint32_t nregions;
};

static struct {
	struct fake_vhost_call calls[FAKE_VHOST_MAX_CALLS];
	unsigned int n;
	uint64_t features;   /* what GET_FEATURES reports */
	unsigned long fail;  /* this request fails ... */
	int fail_errno;	     /* ... with this errno */
	uint16_t vring_base; /* what GET_VRING_BASE reports */
} fake_vhost;

static inline void fake_vhost_reset(uint64_t features)
{
	memset(&fake_vhost, 0, sizeof(fake_vhost));
	fake_vhost.features = features;
}

static inline int fake_vhost_ioctl(int fd, unsigned long req, void *arg)
{
	struct fake_vhost_call *c;

	(void)fd;
	if (fake_vhost.n == FAKE_VHOST_MAX_CALLS)
		return errno = E2BIG, -1;
	c = &fake_vhost.calls[fake_vhost.n++];
	memset(c, 0, sizeof(*c));
	c->req = req;
	if (fake_vhost.fail == req)
		return errno = fake_vhost.fail_errno, -1;
	switch (req) {
	case VHOST_GET_FEATURES:
		memcpy(arg, &fake_vhost.features, 8);
		break;
	case VHOST_SET_FEATURES:
	case VHOST_VSOCK_SET_GUEST_CID:
		memcpy(&c->u64, arg, 8);
		break;
	case VHOST_VSOCK_SET_RUNNING: {
		int on;

		memcpy(&on, arg, sizeof(on));
		c->u64 = (uint64_t)on;
		break;
	}
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
		memcpy(&c->st, arg, sizeof(c->st));
		break;
	case VHOST_GET_VRING_BASE:
		memcpy(&c->st, arg, sizeof(c->st));
		((struct vhost_vring_state *)arg)->num = fake_vhost.vring_base;
		break;
	case VHOST_SET_VRING_ADDR:
		memcpy(&c->addr, arg, sizeof(c->addr));
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
		memcpy(&c->file, arg, sizeof(c->file));
		break;
	case VHOST_SET_MEM_TABLE: {
		const struct vhost_memory *m = arg;

		c->nregions = m->nregions;
		if (m->nregions)
			memcpy(&c->region, m->regions, sizeof(c->region));
		break;
	}
	}
	return 0;
}

/* fake_vhost_count() - how many times @req was made. */
static inline unsigned int fake_vhost_count(unsigned long req)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_vhost.n; i++)
		n += fake_vhost.calls[i].req == req;
	return n;
}

/* fake_vhost_find() - the @nth (from 0) call of @req, or NULL. */
static inline const struct fake_vhost_call *fake_vhost_find(unsigned long req,
							    unsigned int nth)
{
	for (unsigned int i = 0; i < fake_vhost.n; i++)
		if (fake_vhost.calls[i].req == req && nth-- == 0)
			return &fake_vhost.calls[i];
	return NULL;
}

#endif
