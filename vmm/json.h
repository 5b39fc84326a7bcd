/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers over yajl's generator for the JSON vmm writes (the config
 * as a file, the control API's answers): C strings, and unsigned numbers
 * written as their decimal text so 64-bit counters keep every digit.
 */
#ifndef VMM_JSON_H
#define VMM_JSON_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_gen.h>

static inline void json_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static inline void json_u64(yajl_gen g, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	yajl_gen_number(g, num, strlen(num));
}

/* "key": "value" -- nothing at all when @value is NULL. */
static inline void json_kv(yajl_gen g, const char *key, const char *value)
{
	if (!value)
		return;
	json_str(g, key);
	json_str(g, value);
}

static inline void json_kv_u64(yajl_gen g, const char *key, uint64_t v)
{
	json_str(g, key);
	json_u64(g, v);
}

#endif
