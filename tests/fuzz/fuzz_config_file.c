// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the JSON config file (vmm/config_file.c): the input
 * is the file's text. config_parse_json() runs on it; when it succeeds,
 * config_to_json() must give a file that parses again to the same text
 * (the round trip the control API's config shows), and a failure must say
 * where: "fuzz.json:LINE: ..." with LINE within the file.
 *
 * A bug is a crash, a sanitizer report, a leak, or an abort() on one of
 * those contracts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_config_file: %s:%d: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg, again;
	char why[512];
	size_t lines = 1;
	char *json, *json2;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	config_init(&cfg);
	if (config_parse_json(&cfg, (const char *)data, size, "fuzz.json", why,
			      sizeof(why))) {
		unsigned long line;

		CHECK(strncmp(why, "fuzz.json:", 10) == 0);
		/* "fuzz.json: empty..." or "fuzz.json:LINE: ..." */
		if (why[10] != ' ') {
			line = strtoul(why + 10, NULL, 10);
			CHECK(line >= 1 && line <= lines);
		}
		config_free(&cfg);
		return 0;
	}
	json = config_to_json(&cfg);
	CHECK(json);
	config_init(&again);
	CHECK(config_parse_json(&again, json, strlen(json), "again.json", why,
				sizeof(why)) == 0);
	json2 = config_to_json(&again);
	CHECK(json2 && strcmp(json, json2) == 0);
	free(json);
	free(json2);
	config_free(&again);
	config_free(&cfg);
	return 0;
}
