/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control API's server: HTTP/1.1 on a Unix socket, spoken by
 * `curl --unix-socket` and `vmm ctl`. libevent's evhttp does the HTTP; the
 * server runs on its own thread (with its own seccomp filter) and hands
 * each request to api_handle().
 *
 * The socket is created mode 0600 (only the VMM's user may connect), a
 * live socket at the path is never taken over, a stale one (nobody
 * listening) is replaced, and anything else at the path is left alone.
 */
#ifndef VMM_API_SERVER_H
#define VMM_API_SERVER_H

#include <pthread.h>

#include "api.h"

struct event_base;
struct evhttp;
struct event;

struct api_server {
	const struct api_ops *ops;
	void *opaque;
	struct event_base *base;
	struct evhttp *http;
	struct event *quit_ev;
	int listen_fd;
	int quit_fd; /* eventfd: api_server_stop() wakes the thread */
	int dir_fd;  /* the socket's directory, to unlink it after a chroot */
	char name[108];
	pthread_t thread;
	int started;
	unsigned long long requests, errors;
};

/* api_server_init() - a closed server (api_server_close() is a no-op). */
void api_server_init(struct api_server *s);

/*
 * api_server_open() - create the socket at @path and the HTTP server (no
 * thread yet). Returns 0, -EADDRINUSE (a server answers there), -EEXIST
 * (something else is there), -ENAMETOOLONG, or -errno; @why says which.
 */
int api_server_open(struct api_server *s, const char *path,
		    const struct api_ops *ops, void *opaque, char *why,
		    size_t why_len);

/*
 * api_server_start() - serve on a new thread, under the API filter of
 * sandbox_prepare().
 */
int api_server_start(struct api_server *s);

/* api_server_close() - stop the thread, close, remove the socket file. */
void api_server_close(struct api_server *s);

#endif
