/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The main thread's epoll loop. Sources are file descriptors with a
 * callback; the loop runs until event_loop_stop(). Later: ioeventfds,
 * io_uring completions, tap, the control socket.
 */
#ifndef VMM_EVENT_LOOP_H
#define VMM_EVENT_LOOP_H

#include <stdint.h>

struct event_source;
typedef void (*event_fn)(struct event_source *src, uint32_t events);

struct event_source {
	int fd;
	event_fn fn;
	void *opaque;
	int added;
};

struct event_loop {
	int epfd;
	int stop;
};

/* event_loop_init() - 0 or -errno. */
int event_loop_init(struct event_loop *loop);
void event_loop_destroy(struct event_loop *loop);

/*
 * event_loop_add() - watch @src->fd for @events (EPOLLIN...). @src must
 * stay valid while added. Returns 0, or -errno (-EPERM: the fd cannot be
 * polled, e.g. a regular file).
 */
int event_loop_add(struct event_loop *loop, struct event_source *src,
		   uint32_t events);
void event_loop_del(struct event_loop *loop, struct event_source *src);

/* event_loop_run() - dispatch until event_loop_stop(). 0 or -errno. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);

#endif
