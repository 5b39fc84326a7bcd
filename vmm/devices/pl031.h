/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PL031 real-time clock: the guest reads the host's wall clock (seconds
 * since the epoch) at boot, so its date agrees with the host's. A guest
 * that sets the clock moves only its own view (an offset). The match
 * interrupt is not raised: no guest we boot uses the RTC alarm.
 */
#ifndef VMM_DEVICES_PL031_H
#define VMM_DEVICES_PL031_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "devices/irq_line.h"
#include "devices/mmio_bus.h"

typedef time_t (*pl031_clock_fn)(void);

struct pl031 {
	pthread_mutex_t lock;
	struct irq_line *irq;
	pl031_clock_fn now; /* host wall clock, seconds; tests pass a fake */
	int64_t offset;	    /* guest time - host time */
	uint32_t match, imsc, cr;
	uint32_t load; /* last value written to the load register */
};

/* pl031_init() - @irq and @now (NULL: time()) are borrowed. 0 or -errno. */
int pl031_init(struct pl031 *rtc, struct irq_line *irq, pl031_clock_fn now);
void pl031_destroy(struct pl031 *rtc);

extern const struct mmio_ops pl031_ops;

/* pl031_region() - the bus region of @rtc at @base. */
struct mmio_region pl031_region(struct pl031 *rtc, gpa_t base);

#endif
