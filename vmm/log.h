/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging to stderr, one line per message, prefixed "vmm: <level>: " so a
 * script can grep for it and a person can read it. Thread-safe: each line
 * is written with a single write(2).
 */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* log_set_level() - messages above @level are dropped. Default LOG_WARN. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/*
 * log_why() - format a one-line reason into the caller's @why buffer
 * (@why_len bytes, truncated to fit), for functions that report why they
 * failed without printing it themselves. @why may be NULL: nothing is done.
 */
void log_why(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* log_parse_level() - "error", "warn", "info", "debug" → 0 or -EINVAL. */
int log_parse_level(const char *s, enum log_level *out);
/* log_level_name() - the name log_parse_level() takes for @level. */
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A rate limit for messages a guest can trigger at will: at most @burst
 * messages per @interval_ms; log_ratelimit_ok() says whether one more may
 * be printed now and counts the suppressed ones, reported with the next
 * message that gets through. Safe to share between threads.
 */
struct log_ratelimit {
	uint64_t interval_ms;
	unsigned int burst;
	uint64_t window_start_ms;
	unsigned int printed;
	unsigned int suppressed;
};

#define LOG_RATELIMIT_INIT(ms, n)                                              \
	{                                                                      \
		.interval_ms = (ms), .burst = (n)                              \
	}

/* Returns the number of suppressed messages + 1 if allowed, 0 if not. */
unsigned int log_ratelimit_ok(struct log_ratelimit *rl);

#define pr_err(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * pr_warn_ratelimited() - a warning a guest can cause; one static limit per
 * call site (10 per 5 s), and the count of dropped lines is printed.
 */
#define pr_warn_ratelimited(fmt, ...)                                          \
	do {                                                                   \
		static struct log_ratelimit rl__ =                             \
			LOG_RATELIMIT_INIT(5000, 10);                          \
		unsigned int n__ = log_ratelimit_ok(&rl__);                    \
		if (n__ > 1)                                                   \
			log_msg(LOG_WARN, "(%u similar messages suppressed)",  \
				n__ - 1);                                      \
		if (n__)                                                       \
			log_msg(LOG_WARN, fmt, ##__VA_ARGS__);                 \
	} while (0)

#endif
