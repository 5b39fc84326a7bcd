// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON config file: one object whose keys are the long option names
 * and whose values are what the command line takes, so the file and the
 * CLI share one schema and one parser (config_set()).
 *
 * yajl's event interface is used because it is the Debian-packaged JSON
 * parser that reports where each key is: the text is fed one line at a
 * time, so every callback knows the line it is on and an error names the
 * key and its line, not just the first syntax error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "config.h"
#include "json.h"
#include "log.h"

#define CONFIG_FILE_MAX (1u << 20)
#define CONFIG_KEYS_MAX 64

/* Options whose value may be a JSON number (its decimal text is used). */
static const char *const numeric_keys[] = { "mem", "cpus", "timeout",
					    "shutdown-grace" };
/* on|off options that also take true/false. */
static const char *const switch_keys[] = { "rng", "uart-fast", "mem-prefault" };

struct cf_key {
	char name[32];
	unsigned int line;
};

struct cf_parser {
	struct vm_config *cfg;
	const char *file;
	unsigned int line;
	int depth; /* 0: outside, 1: in the object, 2: in a list's array */
	int done;
	struct cf_key keys[CONFIG_KEYS_MAX];
	unsigned int nkeys;
	const char *key; /* the key whose value comes next */
	char *why;
	size_t why_len;
	int failed; /* @why holds the error */
};

static int in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return 1;
	return 0;
}

#define IN(key, list) in_list(key, list, sizeof(list) / sizeof(*(list)))

static int cf_fail(struct cf_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cf_fail(struct cf_parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_why(p->why, p->why_len, "%s:%u: %s", p->file, p->line, msg);
	p->failed = 1;
	return 0; /* stops yajl */
}

/* A value for the current key: @text (@len bytes) of JSON type @type. */
static int cf_value(struct cf_parser *p, const char *type, const char *text,
		    size_t len)
{
	char why[400];
	char *value;
	int kind;

	if (p->depth == 0)
		return cf_fail(p, "the file must hold one JSON object, "
				  "{ \"key\": value, ... }");
	kind = config_option_kind(p->key);
	if (strcmp(type, "boolean") == 0) {
		if (kind == CONFIG_KIND_FLAG) {
			text = len == 4 ? "true" : "false";
		} else if (IN(p->key, switch_keys)) {
			text = len == 4 ? "on" : "off";
		} else {
			return cf_fail(p, "%s: must be %s, not a boolean",
				       p->key,
				       kind == CONFIG_KIND_LIST
					       ? "a string or an array of "
						 "strings"
					       : "a string");
		}
		len = strlen(text);
	} else if (kind == CONFIG_KIND_FLAG) {
		return cf_fail(p, "%s: must be true or false, not %s", p->key,
			       type);
	} else if (strcmp(type, "number") == 0 && !IN(p->key, numeric_keys)) {
		return cf_fail(p, "%s: must be a string, not a number", p->key);
	} else if (strcmp(type, "null") == 0) {
		return cf_fail(p, "%s: must not be null (leave the key out)",
			       p->key);
	}
	if (memchr(text, '\0', len))
		return cf_fail(p, "%s: must not contain a NUL character",
			       p->key);
	value = config_own(p->cfg, text, len);
	if (!value)
		return cf_fail(p, "out of memory");
	if (config_set(p->cfg, p->key, value, p->key, why, sizeof(why)))
		return cf_fail(p, "%s", why);
	return 1;
}

static int cf_null(void *ctx)
{
	return cf_value(ctx, "null", "", 0);
}

static int cf_boolean(void *ctx, int b)
{
	return cf_value(ctx, "boolean", b ? "true" : "false", b ? 4 : 5);
}

static int cf_number(void *ctx, const char *s, size_t len)
{
	return cf_value(ctx, "number", s, len);
}

static int cf_string(void *ctx, const unsigned char *s, size_t len)
{
	return cf_value(ctx, "string", (const char *)s, len);
}

static int cf_start_map(void *ctx)
{
	struct cf_parser *p = ctx;

	if (p->depth == 0 && !p->done) {
		p->depth = 1;
		return 1;
	}
	if (p->depth == 0)
		return cf_fail(p, "the file must hold one JSON object, "
				  "{ \"key\": value, ... }");
	return cf_fail(p, "%s: must be %s, not an object", p->key,
		       config_option_kind(p->key) == CONFIG_KIND_FLAG
			       ? "true or false"
			       : "a string");
}

static int cf_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct cf_parser *p = ctx;
	struct cf_key *k;

	if (len >= sizeof(p->keys[0].name) || memchr(key, '\0', len))
		return cf_fail(p, "unknown key '%.*s'",
			       (int)(len > 40 ? 40 : len), key);
	for (unsigned int i = 0; i < p->nkeys; i++) {
		if (strlen(p->keys[i].name) == len &&
		    memcmp(p->keys[i].name, key, len) == 0)
			return cf_fail(p, "key '%s' given twice (line %u too)",
				       p->keys[i].name, p->keys[i].line);
	}
	if (p->nkeys == CONFIG_KEYS_MAX)
		return cf_fail(p, "too many keys");
	k = &p->keys[p->nkeys];
	memcpy(k->name, key, len);
	k->name[len] = '\0';
	k->line = p->line;
	if (config_option_kind(k->name) < 0)
		return cf_fail(p,
			       "unknown key '%s' (the keys are vmm's long "
			       "option names: see vmm --help)",
			       k->name);
	p->nkeys++;
	p->key = k->name;
	return 1;
}

static int cf_end_map(void *ctx)
{
	struct cf_parser *p = ctx;

	p->depth = 0;
	p->done = 1;
	return 1;
}

static int cf_start_array(void *ctx)
{
	struct cf_parser *p = ctx;

	if (p->depth == 0)
		return cf_fail(p, "the file must hold one JSON object, "
				  "{ \"key\": value, ... }");
	if (p->depth == 2)
		return cf_fail(p, "%s: an array inside an array", p->key);
	if (config_option_kind(p->key) != CONFIG_KIND_LIST)
		return cf_fail(p, "%s: takes one value, not an array", p->key);
	p->depth = 2;
	return 1;
}

static int cf_end_array(void *ctx)
{
	struct cf_parser *p = ctx;

	p->depth = 1;
	return 1;
}

static const yajl_callbacks cf_callbacks = {
	.yajl_null = cf_null,
	.yajl_boolean = cf_boolean,
	.yajl_number = cf_number,
	.yajl_string = cf_string,
	.yajl_start_map = cf_start_map,
	.yajl_map_key = cf_map_key,
	.yajl_end_map = cf_end_map,
	.yajl_start_array = cf_start_array,
	.yajl_end_array = cf_end_array,
};

/* yajl's own message for a syntax error, on one line. */
static void cf_syntax_error(struct cf_parser *p, yajl_handle h)
{
	unsigned char *err = yajl_get_error(h, 0, NULL, 0);
	char *nl;

	if (err && (nl = strchr((char *)err, '\n')))
		*nl = '\0';
	log_why(p->why, p->why_len, "%s:%u: not valid JSON: %s", p->file,
		p->line, err ? (char *)err : "syntax error");
	if (err)
		yajl_free_error(h, err);
}

static int only_blanks(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", text[i]) || !text[i])
			return 0;
	return 1;
}

int config_parse_json(struct vm_config *cfg, const char *text, size_t len,
		      const char *file, char *why, size_t why_len)
{
	struct cf_parser p = {
		.cfg = cfg,
		.file = file,
		.line = 1,
		.why = why,
		.why_len = why_len,
	};
	yajl_handle h;
	size_t off = 0;
	int ret = -EINVAL;

	if (len > CONFIG_FILE_MAX) {
		log_why(why, why_len, "%s: larger than %u bytes", file,
			CONFIG_FILE_MAX);
		return -EINVAL;
	}
	if (only_blanks(text, len)) {
		log_why(why, why_len,
			"%s: empty: a config file holds one JSON object", file);
		return -EINVAL;
	}
	h = yajl_alloc(&cf_callbacks, NULL, &p);
	if (!h) {
		log_why(why, why_len, "out of memory");
		return -ENOMEM;
	}
	/* Line by line, so each callback knows its line. */
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) + 1 : len - off;

		if (yajl_parse(h, (const unsigned char *)text + off, n) !=
		    yajl_status_ok)
			goto fail;
		off += n;
		if (nl)
			p.line++;
	}
	if (off && text[len - 1] == '\n')
		p.line--; /* report the last line, not the one after it */
	if (yajl_complete_parse(h) != yajl_status_ok)
		goto fail;
	if (!p.done) {
		log_why(why, why_len,
			"%s: empty: a config file holds one "
			"JSON object",
			file);
		goto out;
	}
	ret = 0;
	goto out;
fail:
	if (!p.failed)
		cf_syntax_error(&p, h);
out:
	yajl_free(h);
	return ret;
}

int config_load_file(struct vm_config *cfg, const char *path, char *why,
		     size_t why_len)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_why(why, why_len, "--config '%s': %s", path,
			strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_FILE_MAX) {
		log_why(why, why_len,
			"--config '%s': not a regular file of at most %u "
			"bytes",
			path, CONFIG_FILE_MAX);
		close(fd);
		return -EINVAL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		log_why(why, why_len, "out of memory");
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	ret = config_parse_json(cfg, text, got, path, why, why_len);
	free(text);
	return ret;
}

char *config_own(struct vm_config *cfg, const char *s, size_t len)
{
	char **owned;
	char *copy;

	owned = realloc(cfg->owned, (cfg->nowned + 1) * sizeof(*owned));
	if (!owned)
		return NULL;
	cfg->owned = owned;
	copy = strndup(s, len);
	if (copy)
		cfg->owned[cfg->nowned++] = copy;
	return copy;
}

/* --- the other way: a config as a file --------------------------------- */

char *config_to_json(const struct vm_config *cfg)
{
	static const char *const gic[] = { [CONFIG_GIC_AUTO] = "auto",
					   [CONFIG_GIC_V2] = "v2",
					   [CONFIG_GIC_V3] = "v3" };
	static const char *const seccomp[] = { "kill", "log", "off" };
	static const char *const mem_backend[] = {
		[CONFIG_MEM_ANON] = "anon",
		[CONFIG_MEM_MEMFD] = "memfd",
		[CONFIG_MEM_HUGETLBFS] = "hugetlbfs",
	};
	const unsigned char *buf;
	char user[32];
	size_t len;
	char *out = NULL;
	yajl_gen g;

	g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	json_kv(g, "kernel", cfg->kernel);
	json_kv(g, "initrd", cfg->initrd);
	json_kv(g, "cmdline", cfg->cmdline);
	json_kv_u64(g, "mem", cfg->mem_size);
	json_kv_u64(g, "cpus", cfg->cpus);
	json_kv(g, "gic", gic[cfg->gic]);
	json_kv(g, "log-level", log_level_name(cfg->log_level));
	if (cfg->ndisks) {
		json_str(g, "disk");
		yajl_gen_array_open(g);
		for (unsigned int i = 0; i < cfg->ndisks; i++) {
			char d[4200];

			snprintf(d, sizeof(d), "%s%s%s%s", cfg->disks[i].path,
				 cfg->disks[i].readonly ? ",ro" : "",
				 cfg->disks[i].serial[0] ? ",serial=" : "",
				 cfg->disks[i].serial);
			json_str(g, d);
		}
		yajl_gen_array_close(g);
	}
	if (cfg->nnets) {
		json_str(g, "net");
		yajl_gen_array_open(g);
		for (unsigned int i = 0; i < cfg->nnets; i++) {
			const struct net_config *n = &cfg->nets[i];
			char v[96];

			snprintf(v, sizeof(v),
				 "tap=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x,"
				 "vhost=%s",
				 n->tap, n->mac[0], n->mac[1], n->mac[2],
				 n->mac[3], n->mac[4], n->mac[5],
				 n->vhost ? "on" : "off");
			json_str(g, v);
		}
		yajl_gen_array_close(g);
	}
	json_kv(g, "rng", cfg->rng ? "on" : "off");
	json_kv(g, "uart-fast", cfg->uart_fast ? "on" : "off");
	json_kv(g, "mem-backend", mem_backend[cfg->mem_backend]);
	json_kv(g, "mem-prefault", cfg->mem_prefault ? "on" : "off");
	json_kv(g, "console", cfg->console_virtio ? "virtio" : "uart");
	json_kv(g, "seccomp", seccomp[cfg->seccomp]);
	if (cfg->drop_user) {
		snprintf(user, sizeof(user), "%u:%u", cfg->uid, cfg->gid);
		json_kv(g, "user", user);
	}
	json_kv(g, "chroot", cfg->chroot_dir);
	if (cfg->timeout_s)
		json_kv_u64(g, "timeout", cfg->timeout_s);
	json_kv_u64(g, "shutdown-grace", cfg->shutdown_grace_s);
	if (cfg->vsock_cid) {
		char cid[32];

		snprintf(cid, sizeof(cid), "cid=%" PRIu64, cfg->vsock_cid);
		json_kv(g, "vsock", cid);
	}
	json_kv(g, "serial-log", cfg->serial_log);
	json_kv(g, "events", cfg->events);
	json_kv(g, "api-socket", cfg->api_socket);
	json_kv(g, "dump-dtb", cfg->dump_dtb);
	json_str(g, "stats");
	yajl_gen_bool(g, cfg->stats);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return out;
}
