// SPDX-License-Identifier: GPL-2.0-only
#include "event_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

int event_loop_init(struct event_loop *loop)
{
	loop->stop = 0;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd < 0 ? -errno : 0;
}

void event_loop_destroy(struct event_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

int event_loop_add(struct event_loop *loop, struct event_source *src,
		   uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (src->added)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, src->fd, &ev) < 0)
		return -errno;
	src->added = 1;
	return 0;
}

void event_loop_del(struct event_loop *loop, struct event_source *src)
{
	if (!src->added)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
	src->added = 0;
}

int event_loop_run(struct event_loop *loop)
{
	struct epoll_event evs[16];

	while (!loop->stop) {
		int n = epoll_wait(loop->epfd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n && !loop->stop; i++) {
			struct event_source *src = evs[i].data.ptr;

			src->fn(src, evs[i].events);
		}
	}
	return 0;
}

void event_loop_stop(struct event_loop *loop)
{
	loop->stop = 1;
}
