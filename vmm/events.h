/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lifecycle events for scripts: one JSON object per line, each with the
 * event's name, the milliseconds since vmm started ("t_ms") and the
 * CLOCK_MONOTONIC time in nanoseconds ("mono_ns", comparable across
 * processes on the host). Lines are written with one write(2) each, so
 * events from different threads never interleave, and a reader tailing
 * the file always sees whole lines.
 *
 *   {"event":"created","setup_us":{"inputs":812,...},"t_ms":3,...}
 *                                       each set-up step's time (vm.c)
 *   {"event":"kernel_started",...}
 *   {"event":"boot_complete",...}       the guest wrote the boot timer
 *   {"event":"shutdown_requested","reason":"SIGTERM",
 *    "how":"power_button"|"stop","grace_s":10,...}
 *   {"event":"shutdown_forced","reason":...,"grace_s":10,...}
 *                                       the guest did not power off in time
 *   {"event":"guest_poweroff"|"guest_reboot"|"guest_crash",...}
 *   {"event":"exit","code":0,...}
 */
#ifndef VMM_EVENTS_H
#define VMM_EVENTS_H

#include <stdint.h>

/*
 * events_open() - start writing events to @path (created or truncated,
 * mode 0644). NULL: events are only counted. Returns 0 or -errno.
 */
int events_open(const char *path);
void events_close(void);

/*
 * events_emit() - one event; @key/@value add one more field (a string
 * when @is_string, else a JSON number written as given). Thread-safe.
 */
void events_emit(const char *event, const char *key, const char *value,
		 int is_string);

/*
 * events_emit_fields() - one event with @fields, JSON members written as
 * given (e.g. "\"how\":\"stop\",\"grace_s\":0"), inserted after the
 * name. Thread-safe.
 */
void events_emit_fields(const char *event, const char *fields);

/* events_mono_ns() - what "mono_ns" says now (CLOCK_MONOTONIC, in ns). */
uint64_t events_mono_ns(void);

/* events_ms_since_start() - what "t_ms" says now. */
uint64_t events_ms_since_start(void);

#endif
