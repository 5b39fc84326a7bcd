// SPDX-License-Identifier: GPL-2.0-only
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct api_route {
	const char *path;
	const char *method;
	int (*handle)(const struct api_ops *ops, void *opaque,
		      const struct api_route *route, struct api_response *r);
	enum api_action action;
};

/* A copy of the JSON text @buf that ends in exactly one newline. */
static char *dup_json(const unsigned char *buf, size_t len)
{
	char *s;

	while (len && buf[len - 1] == '\n')
		len--;
	s = malloc(len + 2);
	if (s) {
		memcpy(s, buf, len);
		s[len] = '\n';
		s[len + 1] = '\0';
	}
	return s;
}

/* @r gets status @status and the body {"error": "@msg"}. */
static void api_error(struct api_response *r, int status, const char *msg)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	r->status = status;
	r->body = NULL;
	if (!g)
		return;
	yajl_gen_map_open(g);
	json_kv(g, "error", msg);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		r->body = dup_json(buf, len);
	yajl_gen_free(g);
}

/* An object filled by @fill (status or metrics). */
static int api_object(void *opaque, int (*fill)(void *, yajl_gen),
		      struct api_response *r)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	int ret;

	if (!g) {
		api_error(r, 500, "out of memory");
		return 0;
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	ret = fill(opaque, g);
	yajl_gen_map_close(g);
	if (ret || yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		api_error(r, 500, ret ? strerror(-ret) : "cannot encode JSON");
	} else {
		r->status = 200;
		r->body = dup_json(buf, len);
	}
	yajl_gen_free(g);
	return 0;
}

static int get_status(const struct api_ops *ops, void *opaque,
		      const struct api_route *route, struct api_response *r)
{
	(void)route;
	return api_object(opaque, ops->status, r);
}

static int get_metrics(const struct api_ops *ops, void *opaque,
		       const struct api_route *route, struct api_response *r)
{
	(void)route;
	return api_object(opaque, ops->metrics, r);
}

static int get_config(const struct api_ops *ops, void *opaque,
		      const struct api_route *route, struct api_response *r)
{
	char *json = ops->config(opaque);
	size_t len;

	(void)route;
	if (!json) {
		api_error(r, 500, "out of memory");
		return 0;
	}
	len = strlen(json);
	r->status = 200;
	r->body = dup_json((const unsigned char *)json, len);
	free(json);
	return 0;
}

static int put_action(const struct api_ops *ops, void *opaque,
		      const struct api_route *route, struct api_response *r)
{
	const char *state = "unknown";
	char why[256] = "";
	char body[300];
	int ret;

	ret = ops->action(opaque, route->action, &state, why, sizeof(why));
	if (ret == -EALREADY || ret == -EBUSY) {
		api_error(r, 409, why[0] ? why : strerror(-ret));
		return 0;
	}
	if (ret) {
		api_error(r, 500, why[0] ? why : strerror(-ret));
		return 0;
	}
	r->status = route->action == API_SHUTDOWN ? 202 : 200;
	snprintf(body, sizeof(body), "{\"state\": \"%s\"}", state);
	r->body = dup_json((const unsigned char *)body, strlen(body));
	return 0;
}

static const struct api_route routes[] = {
	{ "/v1/vm", "GET", get_status, 0 },
	{ "/v1/vm/config", "GET", get_config, 0 },
	{ "/v1/metrics", "GET", get_metrics, 0 },
	{ "/v1/vm/pause", "PUT", put_action, API_PAUSE },
	{ "/v1/vm/resume", "PUT", put_action, API_RESUME },
	{ "/v1/vm/shutdown", "PUT", put_action, API_SHUTDOWN },
	{ "/v1/vm/stop", "PUT", put_action, API_STOP },
};

/* A body that carries nothing: empty, blanks, or an empty JSON object. */
static int body_is_empty(const char *body, size_t len)
{
	size_t i = 0;
	int braces = 0;

	for (; i < len; i++) {
		char c = body[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '{' && braces == 0)
			braces = 1;
		else if (c == '}' && braces == 1)
			braces = 2;
		else
			return 0;
	}
	return braces == 0 || braces == 2;
}

/*
 * @src (at most @max bytes of it) as printable ASCII, for echoing what a
 * client sent in a message: other bytes (invalid UTF-8 among them, which
 * would make the answer invalid JSON) become '?'.
 */
static const char *printable(char *dst, size_t dst_len, const char *src,
			     size_t max)
{
	size_t i;

	for (i = 0; src[i] && i < max && i + 1 < dst_len; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
	return dst;
}

void api_handle(const struct api_ops *ops, void *opaque, const char *method,
		const char *path, const char *body, size_t body_len,
		struct api_response *r)
{
	const struct api_route *route = NULL;
	char msg[200], p[101], m[21];

	memset(r, 0, sizeof(*r));
	if (!method || !path || path[0] != '/') {
		api_error(r, 400, "bad request target");
		return;
	}
	if (strchr(path, '?')) {
		api_error(r, 400, "the API takes no query parameters");
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
		if (strcmp(routes[i].path, path) == 0) {
			route = &routes[i];
			break;
		}
	}
	if (!route) {
		snprintf(msg, sizeof(msg),
			 "no such endpoint: %s (see GET /v1/vm)",
			 printable(p, sizeof(p), path, 100));
		api_error(r, 404, msg);
		return;
	}
	if (strcmp(route->method, method) != 0) {
		snprintf(msg, sizeof(msg), "%s takes %s, not %s", path,
			 route->method, printable(m, sizeof(m), method, 20));
		api_error(r, 405, msg);
		r->allow = route->method;
		return;
	}
	if (body_len > API_MAX_BODY) {
		api_error(r, 413, "request body too large");
		return;
	}
	if (body && !body_is_empty(body, body_len)) {
		api_error(r, 400,
			  "this request takes no body (or an empty object)");
		return;
	}
	route->handle(ops, opaque, route, r);
}
