// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the control API's request handler (vmm/api.c),
 * what a client on the socket reaches once libevent has parsed the HTTP.
 * The input is "METHOD PATH\n" followed by the body (no newline: the whole
 * input is the path, and there is no body). The handler runs against a
 * fake VM that counts what it is asked to do.
 *
 * A bug is a crash, a sanitizer report, a leak, or an abort() on a broken
 * contract of api.h: every answer is a known HTTP status with a body that
 * is one valid JSON object; a 405 says which method the path takes; and
 * only a 2xx (or the 409/500 the VM itself gave) may follow a call into
 * the VM -- a malformed request never reaches it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_api: %s:%d: %s\n", __FILE__,     \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

static int calls;
static int paused;

static int fake_status(void *opaque, yajl_gen g)
{
	(void)opaque;
	calls++;
	yajl_gen_string(g, (const unsigned char *)"state", 5);
	yajl_gen_string(g, (const unsigned char *)"running", 7);
	return 0;
}

static char *fake_config(void *opaque)
{
	(void)opaque;
	calls++;
	return strdup("{\"cpus\": 1}");
}

static int fake_action(void *opaque, enum api_action a, const char **state,
		       char *why, size_t why_len)
{
	(void)opaque;
	calls++;
	*state = "running";
	if (a == API_PAUSE && paused++) {
		snprintf(why, why_len, "already paused");
		return -EALREADY;
	}
	return 0;
}

static const struct api_ops ops = {
	.status = fake_status,
	.metrics = fake_status,
	.config = fake_config,
	.action = fake_action,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *path, *nl, *body = NULL;
	struct api_response r;
	size_t body_len = 0;
	yajl_val tree;
	char err[128];

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (strlen(in) != size) { /* NULs: libevent would not pass them */
		free(in);
		return 0;
	}
	path = strchr(in, ' ');
	if (!path) {
		free(in);
		return 0;
	}
	*path++ = '\0';
	nl = strchr(path, '\n');
	if (nl) {
		*nl = '\0';
		body = nl + 1;
		body_len = size - (size_t)(body - in);
	}
	calls = 0;
	paused = 0;
	api_handle(&ops, NULL, in, path, body, body_len, &r);
	CHECK(r.body);
	CHECK(r.status == 200 || r.status == 202 || r.status == 400 ||
	      r.status == 404 || r.status == 405 || r.status == 409 ||
	      r.status == 413 || r.status == 500);
	CHECK((r.status == 405) == (r.allow != NULL));
	CHECK(calls <= 1);
	CHECK(calls == 1 || r.status >= 400);
	CHECK(calls == 0 || r.status < 400 || r.status == 409);
	tree = yajl_tree_parse(r.body, err, sizeof(err));
	CHECK(tree && YAJL_IS_OBJECT(tree));
	yajl_tree_free(tree);
	free(r.body);
	free(in);
	return 0;
}
