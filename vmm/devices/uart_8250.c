// SPDX-License-Identifier: GPL-2.0-only
#include "devices/uart_8250.h"

#include <errno.h>
#include <string.h>

#include "fdt/dt.h"

/* Register offsets (reg-shift 0, byte wide). */
enum {
	UART_RBR_THR = 0, /* DLL when LCR.DLAB */
	UART_IER = 1,	  /* DLM when LCR.DLAB */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define IER_RDI		 0x01
#define IER_THRI	 0x02
#define IER_MASK	 0x0f
#define IIR_NO_INT	 0x01
#define IIR_THRI	 0x02
#define IIR_RDI		 0x04
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE	 0x01
#define FCR_CLEAR_RX	 0x02
#define LCR_DLAB	 0x80
#define MCR_LOOP	 0x10
#define LSR_DR		 0x01
#define LSR_THRE	 0x20
#define LSR_TEMT	 0x40
#define MSR_CTS		 0x10
#define MSR_DSR		 0x20
#define MSR_RI		 0x40
#define MSR_DCD		 0x80

#define UART_CLOCK_HZ 1843200

int uart_8250_init(struct uart_8250 *u, struct irq_line *irq, uart_out_fn out,
		   uart_rx_ready_fn rx_ready, void *opaque)
{
	int ret;

	memset(u, 0, sizeof(*u));
	ret = pthread_mutex_init(&u->lock, NULL);
	if (ret)
		return -ret;
	u->irq = irq;
	u->out = out;
	u->rx_ready = rx_ready;
	u->opaque = opaque;
	u->mcr = 0x08; /* OUT2: the PC wiring that lets the IRQ through */
	return 0;
}

void uart_8250_destroy(struct uart_8250 *u)
{
	pthread_mutex_destroy(&u->lock);
}

/* The pending interrupt by 16550 priority: received data, then THR empty. */
static uint8_t uart_iir(const struct uart_8250 *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	return IIR_NO_INT;
}

static void uart_update_irq(struct uart_8250 *u)
{
	int level = !(uart_iir(u) & IIR_NO_INT);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_line_set(u->irq, level);
	}
}

static void uart_rx_push_locked(struct uart_8250 *u, uint8_t c)
{
	unsigned int tail;

	if (u->rx_count == UART_RX_FIFO_SIZE)
		return; /* overrun: a real UART drops it too */
	tail = (u->rx_head + u->rx_count) % UART_RX_FIFO_SIZE;
	u->rx[tail] = c;
	u->rx_count++;
}

static void uart_notify_rx_ready(struct uart_8250 *u)
{
	if (u->rx_ready && (u->ier & IER_RDI) &&
	    u->rx_count < UART_RX_FIFO_SIZE)
		u->rx_ready(u->opaque);
}

static uint8_t uart_read_reg(struct uart_8250 *u, uint64_t off)
{
	uint8_t v = 0;

	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_RX_FIFO_SIZE;
			u->rx_count--;
			if (u->rx_count == 0)
				uart_notify_rx_ready(u);
		}
		return v;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = uart_iir(u);
		/* Reading IIR while it shows THR empty acknowledges that. */
		if (v == IIR_THRI)
			u->thr_ipending = 0;
		return v | ((u->fcr & FCR_ENABLE) ? IIR_FIFO_ENABLED : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case UART_MSR:
		if (u->mcr & MCR_LOOP)
			return ((u->mcr & 0x02) ? MSR_CTS : 0) |
			       ((u->mcr & 0x01) ? MSR_DSR : 0) |
			       ((u->mcr & 0x04) ? MSR_RI : 0) |
			       ((u->mcr & 0x08) ? MSR_DCD : 0);
		return MSR_DCD | MSR_DSR | MSR_CTS;
	case UART_SCR:
		return u->scr;
	}
	return 0;
}

static void uart_write_reg(struct uart_8250 *u, uint64_t off, uint8_t v)
{
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			return;
		}
		if (u->mcr & MCR_LOOP) {
			uart_rx_push_locked(u, v);
		} else {
			u->tx_bytes++;
			u->out(u->opaque, &v, 1);
		}
		/* The byte left at once, so THR is empty again. */
		u->thr_ipending = 1;
		return;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			return;
		}
		/*
		 * Enabling the THR-empty interrupt while THR is empty raises
		 * it, as on a real 16550 (Linux tests for this at startup).
		 */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_ipending = 1;
		/* Wake the input side only when receive is switched on. */
		if ((v & IER_RDI) && !(u->ier & IER_RDI)) {
			u->ier = v & IER_MASK;
			uart_notify_rx_ready(u);
		}
		u->ier = v & IER_MASK;
		return;
	case UART_IIR_FCR:
		u->fcr = v & ~0x06;
		if (v & FCR_CLEAR_RX) {
			u->rx_head = 0;
			u->rx_count = 0;
			uart_notify_rx_ready(u);
		}
		return;
	case UART_LCR:
		u->lcr = v;
		return;
	case UART_MCR:
		u->mcr = v & 0x1f;
		return;
	case UART_SCR:
		u->scr = v;
		return;
	}
	/* LSR and MSR are read-only. */
}

/* Reading registers has no side effect and no input can arrive. */
static int uart_page_allowed(const struct uart_8250 *u)
{
	return u->ier == 0 && !(u->lcr & LCR_DLAB) && !(u->mcr & MCR_LOOP) &&
	       u->rx_count == 0;
}

/* Keep the register page's mapping and contents what reads would give. */
static void uart_sync_page(struct uart_8250 *u)
{
	uint8_t regs[8];

	if (!u->page)
		return;
	if (!uart_page_allowed(u)) {
		if (u->page_on && u->map_page(u->map_opaque, 0) == 0)
			u->page_on = 0;
		return;
	}
	/* Allowed means these reads change nothing (RBR empty, IIR quiet). */
	for (unsigned int i = 0; i < sizeof(regs); i++)
		regs[i] = uart_read_reg(u, i);
	if (u->page_on && memcmp(regs, u->page, sizeof(regs)) == 0)
		return;
	/* Never change a page the guest can see: unmap, write, map. */
	if (u->page_on) {
		if (u->map_page(u->map_opaque, 0))
			return;
		u->page_on = 0;
	}
	memcpy(u->page, regs, sizeof(regs));
	if (u->map_page(u->map_opaque, 1) == 0) {
		u->page_on = 1;
		u->page_maps++;
	} else {
		u->page = NULL; /* cannot map: every access traps from now */
	}
}

void uart_8250_set_page(struct uart_8250 *u, uint8_t *page,
			uart_map_page_fn map, void *opaque)
{
	pthread_mutex_lock(&u->lock);
	u->page = page;
	u->map_page = map;
	u->map_opaque = opaque;
	u->page_on = 0;
	uart_sync_page(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_mmio_read(void *opaque, uint64_t off, uint8_t *data,
			   unsigned int len)
{
	struct uart_8250 *u = opaque;

	memset(data, 0, len);
	pthread_mutex_lock(&u->lock);
	data[0] = uart_read_reg(u, off);
	uart_update_irq(u);
	uart_sync_page(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_mmio_write(void *opaque, uint64_t off, const uint8_t *data,
			    unsigned int len)
{
	struct uart_8250 *u = opaque;

	(void)len; /* byte-wide registers: wider writes use the low byte */
	pthread_mutex_lock(&u->lock);
	uart_write_reg(u, off, data[0]);
	uart_update_irq(u);
	uart_sync_page(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_dt_node(void *opaque, struct dt_builder *dt)
{
	struct uart_8250 *u = opaque;

	dt_prop_string(dt, "compatible", "ns16550a");
	dt_prop_u32(dt, "clock-frequency", UART_CLOCK_HZ);
	dt_prop_spi(dt, u->irq->spi);
}

struct mmio_region uart_8250_region(struct uart_8250 *u, gpa_t base)
{
	return (struct mmio_region){
		.name = "uart",
		.dt_name = "uart",
		.base = base,
		.size = LAYOUT_UART_SIZE,
		.ops = &uart_8250_ops,
		.opaque = u,
		.is_console = 1,
	};
}

const struct mmio_ops uart_8250_ops = {
	.read = uart_mmio_read,
	.write = uart_mmio_write,
	.dt_node = uart_dt_node,
};

unsigned int uart_8250_rx_space(struct uart_8250 *u)
{
	unsigned int space = 0;

	pthread_mutex_lock(&u->lock);
	if ((u->ier & IER_RDI) && !(u->mcr & MCR_LOOP))
		space = UART_RX_FIFO_SIZE - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return space;
}

size_t uart_8250_push_rx(struct uart_8250 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	if ((u->ier & IER_RDI) && !(u->mcr & MCR_LOOP)) {
		while (n < len && u->rx_count < UART_RX_FIFO_SIZE)
			uart_rx_push_locked(u, buf[n++]);
		u->rx_bytes += n;
		uart_update_irq(u);
		uart_sync_page(u);
	}
	pthread_mutex_unlock(&u->lock);
	return n;
}
