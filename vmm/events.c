// SPDX-License-Identifier: GPL-2.0-only
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int events_fd = -1;
static uint64_t start_ns;

uint64_t events_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The clock starts when the process does (a constructor: before main). */
__attribute__((constructor)) static void events_start_clock(void)
{
	start_ns = events_mono_ns();
}

uint64_t events_ms_since_start(void)
{
	return (events_mono_ns() - start_ns) / 1000000ULL;
}

int events_open(const char *path)
{
	if (!path)
		return 0;
	events_fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		     0644);
	return events_fd < 0 ? -errno : 0;
}

void events_close(void)
{
	if (events_fd >= 0)
		close(events_fd);
	events_fd = -1;
}

void events_emit_fields(const char *event, const char *fields)
{
	uint64_t now = events_mono_ns();
	char line[512];
	int n;

	if (events_fd < 0)
		return;
	n = snprintf(line, sizeof(line),
		     "{\"event\":\"%s\",%s,\"t_ms\":%llu,\"mono_ns\":%llu}\n",
		     event, fields,
		     (unsigned long long)((now - start_ns) / 1000000),
		     (unsigned long long)now);
	if (n > 0 && n < (int)sizeof(line) && write(events_fd, line, n) < 0)
		return;
}

void events_emit(const char *event, const char *key, const char *value,
		 int is_string)
{
	uint64_t now = events_mono_ns();
	char line[256];
	int n;

	if (events_fd < 0)
		return;
	/* Names and values are vmm's own words: nothing here needs escaping. */
	if (key)
		n = snprintf(line, sizeof(line),
			     "{\"event\":\"%s\",\"%s\":%s%s%s,\"t_ms\":%llu,"
			     "\"mono_ns\":%llu}\n",
			     event, key, is_string ? "\"" : "", value,
			     is_string ? "\"" : "",
			     (unsigned long long)((now - start_ns) / 1000000),
			     (unsigned long long)now);
	else
		n = snprintf(
			line, sizeof(line),
			"{\"event\":\"%s\",\"t_ms\":%llu,\"mono_ns\":%llu}\n",
			event, (unsigned long long)((now - start_ns) / 1000000),
			(unsigned long long)now);
	/* A reader that went away must not stop the VM: ignore errors. */
	if (n > 0 && n < (int)sizeof(line) && write(events_fd, line, n) < 0)
		return;
}
