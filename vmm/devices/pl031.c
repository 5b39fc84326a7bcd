// SPDX-License-Identifier: GPL-2.0-only
#include "devices/pl031.h"

#include <errno.h>
#include <string.h>

#include "fdt/dt.h"

enum {
	RTC_DR = 0x00,	 /* data: current time */
	RTC_MR = 0x04,	 /* match */
	RTC_LR = 0x08,	 /* load: sets the time */
	RTC_CR = 0x0c,	 /* control: bit 0 starts the counter */
	RTC_IMSC = 0x10, /* interrupt mask */
	RTC_RIS = 0x14,
	RTC_MIS = 0x18,
	RTC_ICR = 0x1c,
	RTC_PERIPH_ID0 = 0xfe0, /* 0xfe0..0xffc: PrimeCell identification */
};

/* Peripheral ID 0x00041031 then PrimeCell ID 0xb105f00d, a byte per word. */
static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x04, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

int pl031_init(struct pl031 *rtc, struct irq_line *irq, pl031_clock_fn now)
{
	int ret;

	memset(rtc, 0, sizeof(*rtc));
	ret = pthread_mutex_init(&rtc->lock, NULL);
	if (ret)
		return -ret;
	rtc->irq = irq;
	rtc->now = now;
	rtc->cr = 1; /* running from power-on, as the guest expects */
	return 0;
}

void pl031_destroy(struct pl031 *rtc)
{
	pthread_mutex_destroy(&rtc->lock);
}

static int64_t pl031_host_now(const struct pl031 *rtc)
{
	return rtc->now ? (int64_t)rtc->now() : (int64_t)time(NULL);
}

static uint32_t pl031_read_reg(struct pl031 *rtc, uint64_t off)
{
	if (off >= RTC_PERIPH_ID0 && off < RTC_PERIPH_ID0 + 32)
		return (off & 3) ? 0 : pl031_id[(off - RTC_PERIPH_ID0) / 4];
	switch (off) {
	case RTC_DR:
		return (uint32_t)(pl031_host_now(rtc) + rtc->offset);
	case RTC_MR:
		return rtc->match;
	case RTC_LR:
		return rtc->load;
	case RTC_CR:
		return rtc->cr;
	case RTC_IMSC:
		return rtc->imsc;
	}
	return 0; /* RIS, MIS: the alarm never fires */
}

static void pl031_write_reg(struct pl031 *rtc, uint64_t off, uint32_t v)
{
	switch (off) {
	case RTC_MR:
		rtc->match = v;
		break;
	case RTC_LR:
		rtc->load = v;
		rtc->offset = (int64_t)v - pl031_host_now(rtc);
		break;
	case RTC_CR:
		rtc->cr = v & 1;
		break;
	case RTC_IMSC:
		rtc->imsc = v & 1;
		break;
	}
}

static void pl031_mmio_read(void *opaque, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	struct pl031 *rtc = opaque;
	uint32_t v;

	pthread_mutex_lock(&rtc->lock);
	v = pl031_read_reg(rtc, off);
	pthread_mutex_unlock(&rtc->lock);
	memset(data, 0, len);
	for (unsigned int i = 0; i < len && i < 4; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

static void pl031_mmio_write(void *opaque, uint64_t off, const uint8_t *data,
			     unsigned int len)
{
	struct pl031 *rtc = opaque;
	uint32_t v = 0;

	for (unsigned int i = 0; i < len && i < 4; i++)
		v |= (uint32_t)data[i] << (8 * i);
	pthread_mutex_lock(&rtc->lock);
	pl031_write_reg(rtc, off, v);
	pthread_mutex_unlock(&rtc->lock);
}

static void pl031_dt_node(void *opaque, struct dt_builder *dt)
{
	struct pl031 *rtc = opaque;

	dt_prop_strings(dt, "compatible", "arm,pl031", "arm,primecell", NULL);
	dt_prop_spi(dt, rtc->irq->spi);
	dt_prop_u32(dt, "clocks", DT_PHANDLE_APB_PCLK);
	dt_prop_string(dt, "clock-names", "apb_pclk");
}

struct mmio_region pl031_region(struct pl031 *rtc, gpa_t base)
{
	return (struct mmio_region){
		.name = "rtc",
		.dt_name = "rtc",
		.base = base,
		.size = LAYOUT_RTC_SIZE,
		.ops = &pl031_ops,
		.opaque = rtc,
	};
}

const struct mmio_ops pl031_ops = {
	.read = pl031_mmio_read,
	.write = pl031_mmio_write,
	.dt_node = pl031_dt_node,
};
