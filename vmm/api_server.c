// SPDX-License-Identifier: GPL-2.0-only
#include "api_server.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "sandbox.h"
#include "thread.h"

/* How long a connection may sit idle or half-sent before it is closed. */
#define API_TIMEOUT_S	   5
#define API_MAX_HEADERS	   8192
#define API_LISTEN_BACKLOG 16

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	default:
		return "OTHER";
	}
}

static void api_on_request(struct evhttp_request *req, void *arg)
{
	struct api_server *s = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
	struct api_response r;
	size_t len = in ? evbuffer_get_length(in) : 0;
	const char *body = len ? (const char *)evbuffer_pullup(in, -1) : NULL;

	api_handle(s->ops, s->opaque,
		   method_name(evhttp_request_get_command(req)),
		   evhttp_request_get_uri(req), body, len, &r);
	s->requests++;
	if (r.status >= 400)
		s->errors++;
	evhttp_add_header(headers, "Content-Type", "application/json");
	if (r.allow)
		evhttp_add_header(headers, "Allow", r.allow);
	if (r.body)
		evbuffer_add(out, r.body, strlen(r.body));
	evhttp_send_reply(req, r.status, NULL, NULL);
	free(r.body);
}

static void api_on_quit(evutil_socket_t fd, short what, void *arg)
{
	struct api_server *s = arg;

	struct timeval flush = { .tv_usec = 100 * 1000 };

	(void)fd;
	(void)what;
	/* A moment for answers still queued (a stop's own) to go out. */
	event_base_loopexit(s->base, &flush);
}

/* Is something listening at @path? (A socket file nobody serves is stale.) */
static int socket_is_live(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int live;

	if (fd < 0)
		return 0;
	live = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return live;
}

static int api_socket(struct api_server *s, const char *path, char *why,
		      size_t why_len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)], base[sizeof(addr.sun_path)];
	struct stat st;
	mode_t old_umask;
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		log_why(why, why_len,
			"--api-socket '%s': longer than %zu bytes (a Unix "
			"socket path limit)",
			path, sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_why(why, why_len,
				"--api-socket '%s': exists and is not a "
				"socket; not replacing it",
				path);
			return -EEXIST;
		}
		if (socket_is_live(&addr)) {
			log_why(why, why_len,
				"--api-socket '%s': another process serves "
				"it",
				path);
			return -EADDRINUSE;
		}
		unlink(path); /* stale: its server is gone */
	}
	strcpy(dir, path);
	strcpy(base, path);
	s->dir_fd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		ret = -errno;
		log_why(why, why_len, "--api-socket '%s': %s", path,
			strerror(errno));
		return ret;
	}
	snprintf(s->name, sizeof(s->name), "%s", basename(base));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		log_why(why, why_len, "--api-socket: socket: %s",
			strerror(errno));
		return ret;
	}
	/* Mode 0600 from the start: no window where others may connect. */
	old_umask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_umask);
	if (ret < 0 || listen(fd, API_LISTEN_BACKLOG) < 0) {
		ret = -errno;
		log_why(why, why_len, "--api-socket '%s': %s", path,
			strerror(errno));
		close(fd);
		return ret;
	}
	s->listen_fd = fd;
	return 0;
}

void api_server_init(struct api_server *s)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = s->quit_fd = s->dir_fd = -1;
}

int api_server_open(struct api_server *s, const char *path,
		    const struct api_ops *ops, void *opaque, char *why,
		    size_t why_len)
{
	int ret;

	api_server_init(s);
	s->ops = ops;
	s->opaque = opaque;
	ret = api_socket(s, path, why, why_len);
	if (ret)
		goto err;
	ret = -ENOMEM;
	s->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->base = event_base_new();
	if (s->quit_fd < 0 || !s->base)
		goto err_why;
	s->http = evhttp_new(s->base);
	s->quit_ev = event_new(s->base, s->quit_fd, EV_READ, api_on_quit, s);
	if (!s->http || !s->quit_ev || event_add(s->quit_ev, NULL))
		goto err_why;
	evhttp_set_timeout(s->http, API_TIMEOUT_S);
	evhttp_set_max_headers_size(s->http, API_MAX_HEADERS);
	evhttp_set_max_body_size(s->http, API_MAX_BODY);
	evhttp_set_allowed_methods(s->http,
				   EVHTTP_REQ_GET | EVHTTP_REQ_PUT |
					   EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
					   EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s->http, api_on_request, s);
	if (!evhttp_accept_socket_with_handle(s->http, s->listen_fd))
		goto err_why;
	return 0;
err_why:
	log_why(why, why_len, "--api-socket '%s': cannot set up the server",
		path);
err:
	api_server_close(s);
	return ret;
}

static void api_server_free_http(struct api_server *s)
{
	if (s->http)
		evhttp_free(s->http); /* closes the listening socket */
	else if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->http = NULL;
	s->listen_fd = -1;
	if (s->quit_ev)
		event_free(s->quit_ev);
	s->quit_ev = NULL;
	if (s->base)
		event_base_free(s->base);
	s->base = NULL;
}

static void *api_thread(void *arg)
{
	struct api_server *s = arg;

	pthread_setname_np(pthread_self(), "api");
	/* libevent's Date header calls gmtime_r(), which reads the time zone
	 * file the first time: do that before the filter forbids opening. */
	tzset();
	if (sandbox_enter(SANDBOX_API)) {
		const char *state;
		char why[64];

		/* Unconfined: the VM must not run on like this. */
		s->ops->action(s->opaque, API_STOP, &state, why, sizeof(why));
	} else {
		event_base_dispatch(s->base);
	}
	/*
	 * Here, not on the main thread: closing open connections shuts them
	 * down and removing the socket unlinks, which only this thread's
	 * filter allows.
	 */
	api_server_free_http(s);
	if (s->dir_fd >= 0 && unlinkat(s->dir_fd, s->name, 0) < 0)
		pr_warn("cannot remove the API socket %s: %s", s->name,
			strerror(errno));
	s->name[0] = '\0';
	return NULL;
}

int api_server_start(struct api_server *s)
{
	int ret = thread_start(&s->thread, api_thread, s);

	if (ret) {
		pr_err("cannot start the API thread: %s", strerror(ret));
		return -ret;
	}
	s->started = 1;
	return 0;
}

void api_server_close(struct api_server *s)
{
	uint64_t one = 1;

	if (s->started) {
		if (write(s->quit_fd, &one, sizeof(one)) < 0)
			pr_err("cannot stop the API thread: %s",
			       strerror(errno));
		pthread_join(s->thread, NULL);
		s->started = 0;
	}
	api_server_free_http(s); /* if the thread never ran */
	if (s->quit_fd >= 0)
		close(s->quit_fd);
	/* Never started (set-up failed): remove it from here. */
	if (s->name[0] && s->dir_fd >= 0)
		unlinkat(s->dir_fd, s->name, 0);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	api_server_init(s);
}
