/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control API's request handler: a method, a path and a body in, an
 * HTTP status and a JSON body out. It knows nothing of sockets or HTTP
 * framing (api_server.c and libevent do that) and reaches the VM only
 * through struct api_ops, so it is unit-tested and fuzzed on its own.
 *
 *   GET /v1/vm           state, vCPUs, memory, uptime, boot time
 *   GET /v1/vm/config    the VM's options, in the config-file schema
 *   GET /v1/metrics      per-vCPU exits by reason, per-device counters, RSS
 *   PUT /v1/vm/pause     stop every vCPU (the guest's clock stops)
 *   PUT /v1/vm/resume
 *   PUT /v1/vm/shutdown  press the power button; hard stop after the grace
 *   PUT /v1/vm/stop      hard stop now (vmm exits 13)
 */
#ifndef VMM_API_H
#define VMM_API_H

#include <stddef.h>

#include <yajl/yajl_gen.h>

enum api_action {
	API_PAUSE,
	API_RESUME,
	API_SHUTDOWN,
	API_STOP,
};

struct api_ops {
	/* Fill in the fields of the open JSON object @g. 0 or -errno. */
	int (*status)(void *opaque, yajl_gen g);
	int (*metrics)(void *opaque, yajl_gen g);
	/* The VM's config as JSON (malloc'd), or NULL. */
	char *(*config)(void *opaque);
	/*
	 * Do @a. Returns 0, -EALREADY (already in that state: 409), -EBUSY
	 * (not now, e.g. the VM is stopping: 409) or another -errno (500),
	 * with the reason in @why. The VM's state after it goes in @state.
	 */
	int (*action)(void *opaque, enum api_action a, const char **state,
		      char *why, size_t why_len);
};

struct api_response {
	int status;	   /* HTTP status code */
	const char *allow; /* for 405: the methods the path takes */
	char *body;	   /* malloc'd JSON text, ends in a newline */
};

/* Bodies larger than this are refused (the server enforces it too). */
#define API_MAX_BODY 4096

/*
 * api_handle() - answer one request. @method is "GET", "PUT", ...; @path
 * the request target (a query string is refused); @body may be NULL.
 * Always fills @r (free r->body with free()).
 */
void api_handle(const struct api_ops *ops, void *opaque, const char *method,
		const char *path, const char *body, size_t body_len,
		struct api_response *r);

#endif
