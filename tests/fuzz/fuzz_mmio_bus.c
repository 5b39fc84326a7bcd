// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the MMIO bus with real devices behind it, wired as
 * vm.c and vm_virtio.c wire them: the 16550 UART and the PL031 at their
 * addresses in memory/layout.h, the PL061 GPIO (the power button), and a
 * virtio-mmio transport in slot 0 with
 * a virtio-rng device over 64 KiB of fake guest RAM at LAYOUT_RAM_BASE.
 *
 * The input is a guest. Byte 0 is the number of access records, byte 1
 * the entropy the fake source gives before it fails (x 16 bytes, 0: no
 * limit), byte 2 the most it gives per call (0: no limit); then the
 * records, 12 bytes each; whatever follows is the initial RAM (rings,
 * descriptors, buffers). A record is
 *
 *   b0     bits 0-2 what: 0 UART, 1 RTC, 2 virtio (register at base +
 *          offset), 3 any address (the value), 4 a guest store to RAM at
 *          offset, 5 bytes arriving on the UART's input, 6 a queue kick
 *          by ioeventfd (virtio_mmio_notify, queue = value), 7 around the
 *          start or end of a region (offset bits 0-1 pick it); bit 3: the
 *          value becomes a guest address, the end of RAM minus the value's
 *          low 16 bits (so a ring or buffer against the end of RAM is a
 *          short search, not a 32-bit needle); bit 4, with 1 (RTC): the
 *          GPIO instead (register at its base + offset), with 5: the VMM
 *          drives a GPIO input instead (pin = value bits 0-3, 8..15
 *          ignored; bit 8: the level; bit 9: release it instead)
 *   b1     bit 0 write, bits 1-2 width 1/2/4/8, bit 3 a bad width
 *          (0 or 9..15, from bits 4-7)
 *   b2-3   offset (little endian)
 *   b4-11  value (little endian): the data of a write
 *
 * so QueueNotify writes (offset 0x50) on the bus run the virtqueue walker
 * on rings the input lays out. A bug is any crash, sanitizer report (RAM
 * is exactly 64 KiB from malloc: any access outside it is one), or an
 * abort() on a broken contract: the bus answers exactly for addresses in a
 * region (a miss or a bad width reads as zero), a device writes no more
 * than the access's width, the transport calls the device only with its
 * lock held and a live queue, the UART takes exactly the input it said it
 * had room for and changes its interrupt line only to a new level (the
 * GPIO too, with its lock held), and the RTC never interrupts.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "devices/mmio_bus.h"
#include "devices/pl031.h"
#include "devices/pl061.h"
#include "devices/uart_8250.h"
#include "devices/virtio_mmio.h"
#include "devices/virtio_rng.h"
#include "log.h"
#include "memory/guest_mem.h"

#define RAM_SIZE 0x10000
#define HDR_SIZE 3
#define REC_SIZE 12
#define RNG_SLOT 0
#define RNG_BASE (LAYOUT_VIRTIO_BASE + RNG_SLOT * LAYOUT_VIRTIO_SLOT)

enum {
	REC_UART,
	REC_RTC,
	REC_VIRTIO,
	REC_ADDR,
	REC_RAM,
	REC_RX,
	REC_KICK,
	REC_EDGE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_mmio_bus: %s:%d: %s\n",          \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* Everything the devices are given, and what they did with it. */
static struct {
	struct mmio_bus bus;
	struct guest_mem mem;
	struct uart_8250 uart;
	struct pl031 rtc;
	struct pl061 gpio;
	struct virtio_mmio t;
	struct virtio_rng rng;
	struct irq_line uart_irq, rtc_irq, gpio_irq, virtio_irq;
	int uart_level, gpio_level;
	uint64_t tx_bytes, pulses;
	size_t entropy_left, entropy_chunk;
	time_t now;
} f;

static const struct {
	gpa_t base;
	uint64_t size;
} regions[] = {
	{ LAYOUT_UART_BASE, LAYOUT_UART_SIZE },
	{ LAYOUT_RTC_BASE, LAYOUT_RTC_SIZE },
	{ RNG_BASE, LAYOUT_VIRTIO_SLOT },
	{ LAYOUT_RAM_BASE, RAM_SIZE }, /* not on the bus: RAM is KVM's */
	{ LAYOUT_GPIO_BASE, LAYOUT_GPIO_SIZE },
};
#define REGION_RAM  3
#define REGION_GPIO 4

static int held(pthread_mutex_t *lock)
{
	int ret = pthread_mutex_trylock(lock);

	if (ret == 0)
		pthread_mutex_unlock(lock);
	return ret == EBUSY;
}

static void uart_irq_set(struct irq_line *line, int level)
{
	(void)line;
	CHECK(level == 0 || level == 1);
	CHECK(level != f.uart_level); /* told only about changes */
	CHECK(held(&f.uart.lock));
	f.uart_level = level;
}

static void gpio_irq_set(struct irq_line *line, int level)
{
	(void)line;
	CHECK(level == 0 || level == 1);
	CHECK(level != f.gpio_level);
	CHECK(held(&f.gpio.lock));
	f.gpio_level = level;
}

static void rtc_irq_set(struct irq_line *line, int level)
{
	(void)line;
	(void)level;
	CHECK(!"the PL031 raised an interrupt");
}

static void virtio_irq_pulse(struct irq_line *line)
{
	(void)line;
	CHECK(__atomic_load_n(&f.t.isr, __ATOMIC_SEQ_CST) != 0);
	f.pulses++;
}

static void virtio_irq_set(struct irq_line *line, int level)
{
	if (level)
		virtio_irq_pulse(line);
}

static void uart_out(void *opaque, const uint8_t *buf, size_t len)
{
	volatile uint8_t sink = 0;

	(void)opaque;
	CHECK(held(&f.uart.lock));
	for (size_t i = 0; i < len; i++)
		sink ^= buf[i];
	(void)sink;
	f.tx_bytes += len;
}

static void uart_rx_ready(void *opaque)
{
	(void)opaque;
	CHECK(held(&f.uart.lock));
}

static time_t fake_now(void)
{
	return f.now++;
}

/* The entropy source: a pattern, in chunks, until the budget runs out. */
static ssize_t fake_entropy(void *buf, size_t len)
{
	if (f.entropy_left == 0)
		return -1;
	if (len > f.entropy_chunk)
		len = f.entropy_chunk;
	if (len > f.entropy_left)
		len = f.entropy_left;
	memset(buf, 0x5a, len);
	f.entropy_left -= len;
	return (ssize_t)len;
}

/*
 * virtio-rng's ops, each call checked against the transport's promises
 * before it goes through: the lock held, a live queue, config offsets in
 * bounds (the rng has no config space, so never).
 */
static uint64_t chk_features(void *dev)
{
	return virtio_rng_ops.features(dev);
}

static void chk_read_config(void *dev, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	CHECK(held(&f.t.lock));
	CHECK(off < f.t.config_size && len <= f.t.config_size - off);
	virtio_rng_ops.read_config(dev, off, data, len);
}

static void chk_notify(void *dev, struct virtio_mmio *t, unsigned int q)
{
	CHECK(t == &f.t);
	CHECK(held(&t->lock));
	CHECK(q < t->nqueues && t->vqs[q].ready);
	CHECK(t->status & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(!(t->status & VIRTIO_CONFIG_S_NEEDS_RESET));
	virtio_rng_ops.notify(dev, t, q);
}

static void chk_reset(void *dev)
{
	CHECK(held(&f.t.lock));
	virtio_rng_ops.reset(dev);
}

static const struct virtio_dev_ops chk_rng_ops = {
	.features = chk_features,
	.read_config = chk_read_config,
	.notify = chk_notify,
	.reset = chk_reset,
};

static void setup(uint8_t *ram)
{
	struct mmio_region uart = uart_8250_region(&f.uart, LAYOUT_UART_BASE);
	struct mmio_region rtc = pl031_region(&f.rtc, LAYOUT_RTC_BASE);
	struct mmio_region gpio = pl061_region(&f.gpio, LAYOUT_GPIO_BASE);
	struct mmio_region rng = virtio_mmio_region(&f.t, "rng", RNG_BASE);

	memset(&f, 0, sizeof(f));
	guest_mem_init_from(&f.mem, LAYOUT_RAM_BASE, ram, RAM_SIZE);
	f.uart_irq.set_level = uart_irq_set;
	f.uart_irq.spi = LAYOUT_SPI_UART;
	f.rtc_irq.set_level = rtc_irq_set;
	f.rtc_irq.spi = LAYOUT_SPI_RTC;
	f.gpio_irq.set_level = gpio_irq_set;
	f.gpio_irq.spi = LAYOUT_SPI_GPIO;
	f.virtio_irq.set_level = virtio_irq_set;
	f.virtio_irq.pulse = virtio_irq_pulse;
	f.virtio_irq.spi = LAYOUT_SPI_VIRTIO_0 + RNG_SLOT;
	f.now = 1700000000;
	mmio_bus_init(&f.bus);
	CHECK(uart_8250_init(&f.uart, &f.uart_irq, uart_out, uart_rx_ready,
			     NULL) == 0);
	CHECK(pl031_init(&f.rtc, &f.rtc_irq, fake_now) == 0);
	CHECK(pl061_init(&f.gpio, &f.gpio_irq, LAYOUT_GPIO_POWER_PIN) == 0);
	virtio_rng_init(&f.rng, fake_entropy);
	CHECK(virtio_mmio_init(&f.t, VIRTIO_ID_RNG, &chk_rng_ops, &f.rng, 1, 0,
			       &f.virtio_irq, &f.mem) == 0);
	CHECK(mmio_bus_register(&f.bus, &uart) == 0);
	CHECK(mmio_bus_register(&f.bus, &rtc) == 0);
	CHECK(mmio_bus_register(&f.bus, &gpio) == 0);
	CHECK(mmio_bus_register(&f.bus, &rng) == 0);
}

static void teardown(void)
{
	virtio_mmio_destroy(&f.t);
	pl031_destroy(&f.rtc);
	pl061_destroy(&f.gpio);
	uart_8250_destroy(&f.uart);
}

/* Whether one of the bus's regions holds all of [addr, addr + len). */
static int on_bus(gpa_t addr, unsigned int len)
{
	for (unsigned int i = 0; i < sizeof(regions) / sizeof(regions[0]);
	     i++) {
		if (i == REGION_RAM)
			continue;
		if (addr >= regions[i].base &&
		    addr - regions[i].base < regions[i].size &&
		    len <= regions[i].size - (addr - regions[i].base))
			return 1;
	}
	return 0;
}

/* Values a driver can rely on whatever it did before. */
static void check_read(gpa_t addr, const uint8_t *buf, unsigned int len)
{
	uint32_t v;

	if (addr == LAYOUT_UART_BASE + 5) /* LSR: THR empty, always */
		CHECK((buf[0] & 0x60) == 0x60);
	if (len != 4)
		return;
	memcpy(&v, buf, 4);
	if (addr == RNG_BASE + 0x000)
		CHECK(v == 0x74726976); /* "virt" */
	if (addr == RNG_BASE + 0x004)
		CHECK(v == 2);
	if (addr == RNG_BASE + 0x008)
		CHECK(v == VIRTIO_ID_RNG);
	if (addr == LAYOUT_RTC_BASE + 0xff0)
		CHECK(v == 0x0d);
	if (addr == LAYOUT_RTC_BASE + 0xffc)
		CHECK(v == 0xb1);
	if (addr == LAYOUT_GPIO_BASE + 0xfe0)
		CHECK(v == 0x61);
	if (addr >= LAYOUT_GPIO_BASE && addr < LAYOUT_GPIO_BASE + 0x1000)
		CHECK(v <= 0xff); /* 8-bit registers */
}

static void bus_access(gpa_t addr, unsigned int len, int is_write,
		       uint64_t value, uint64_t *unhandled)
{
	uint8_t buf[16];
	unsigned int n = len > 8 ? 8 : len;
	int ret, bad_len = len == 0 || len > 8;

	memset(buf, 0xcc, sizeof(buf));
	if (is_write)
		for (unsigned int i = 0; i < n; i++)
			buf[i] = (uint8_t)(value >> (8 * i));
	ret = mmio_bus_access(&f.bus, addr, buf, len, is_write);
	/* Nothing past the access is touched, whoever handled it. */
	for (unsigned int i = n; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xcc);
	if (bad_len) {
		CHECK(ret == -EINVAL);
	} else if (on_bus(addr, len)) {
		CHECK(ret == 0);
	} else {
		CHECK(ret == -ENOENT);
		(*unhandled)++;
	}
	if (!is_write && ret) {
		for (unsigned int i = 0; i < n; i++)
			CHECK(buf[i] == 0); /* a miss reads as zero */
	}
	if (!is_write && ret == 0)
		check_read(addr, buf, len);
}

static void uart_rx(uint64_t value, unsigned int len)
{
	uint8_t in[8];
	unsigned int space = uart_8250_rx_space(&f.uart);
	size_t n;

	for (unsigned int i = 0; i < len; i++)
		in[i] = (uint8_t)(value >> (8 * i));
	n = uart_8250_push_rx(&f.uart, in, len);
	CHECK(space <= UART_RX_FIFO_SIZE);
	CHECK(n == (len < space ? len : space));
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int widths[4] = { 1, 2, 4, 8 };
	uint64_t unhandled = 0;
	size_t nrec, ram_off;
	uint8_t *ram;

	if (size < HDR_SIZE)
		return 0;
	log_set_level(LOG_ERROR); /* the devices' warnings are expected */
	nrec = data[0];
	if (nrec > (size - HDR_SIZE) / REC_SIZE)
		nrec = (size - HDR_SIZE) / REC_SIZE;
	ram_off = HDR_SIZE + nrec * REC_SIZE;
	/* Exactly RAM_SIZE from malloc: one byte past it is an ASan report. */
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return 0;
	memcpy(ram, data + ram_off,
	       size - ram_off < RAM_SIZE ? size - ram_off : RAM_SIZE);
	setup(ram);
	f.entropy_left = data[1] ? (size_t)data[1] * 16 : SIZE_MAX;
	f.entropy_chunk = data[2] ? data[2] : SIZE_MAX;

	for (size_t r = 0; r < nrec; r++) {
		const uint8_t *rec = data + HDR_SIZE + r * REC_SIZE;
		int is_write = rec[1] & 1;
		unsigned int len = widths[(rec[1] >> 1) & 3];
		uint64_t off = get_le(rec + 2, 2), value = get_le(rec + 4, 8);
		unsigned int which;

		if (rec[1] & 8) /* 0, or 9..15 */
			len = rec[1] >> 4 ? 9 + ((rec[1] >> 4) - 1) % 7 : 0;
		if (rec[0] & 8)
			value = LAYOUT_RAM_BASE + RAM_SIZE - (value & 0xffff);
		switch (rec[0] % 8) {
		case REC_UART:
		case REC_RTC:
		case REC_VIRTIO:
			/* Mostly inside the region, some bytes past it. */
			which = rec[0] % 8;
			if (which == REC_RTC && (rec[0] & 16))
				which = REGION_GPIO;
			bus_access(regions[which].base +
					   off % (regions[which].size + 8),
				   len, is_write, value, &unhandled);
			break;
		case REC_ADDR:
			bus_access(value, len, is_write,
				   off * 0x0101010101010101ULL, &unhandled);
			break;
		case REC_EDGE:
			which = off & 3;
			bus_access(regions[which].base - 8 + (off >> 2) % 16 +
					   ((off >> 6) & 1) *
						   regions[which].size,
				   len, is_write, value, &unhandled);
			break;
		case REC_RAM:
			if (len > 8)
				len = 8;
			if (off + len > RAM_SIZE)
				off = RAM_SIZE - len;
			for (unsigned int i = 0; i < len; i++)
				ram[off + i] = (uint8_t)(value >> (8 * i));
			break;
		case REC_RX:
			if (!(rec[0] & 16))
				uart_rx(value, len > 8 ? 8 : len);
			else if (value & 0x200)
				pl061_release_input(&f.gpio, value & 15);
			else
				pl061_set_input(&f.gpio, value & 15,
						(value >> 8) & 1);
			break;
		case REC_KICK:
			virtio_mmio_notify(&f.t, (unsigned int)(value % 8));
			break;
		}
	}

	/* The counters agree with what the harness saw. */
	CHECK(f.bus.unhandled == unhandled);
	CHECK(f.uart.tx_bytes == f.tx_bytes);
	CHECK(f.uart.irq_level == f.uart_level);
	CHECK(f.gpio.irq_level == f.gpio_level);
	CHECK(f.t.interrupts == f.pulses);
	teardown();
	free(ram);
	return 0;
}
