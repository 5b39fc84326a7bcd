/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A UART, the guest's ttyS0 and earlycon. Transmit is immediate:
 * each byte the guest writes goes to the output callback on the vCPU
 * thread, so console bytes keep their order. Receive goes through a small
 * FIFO filled by the event loop; the loop only offers bytes while the
 * guest's driver has receive interrupts enabled (its port is open and not
 * throttled), so input typed or piped early is held, not dropped.
 */
#ifndef VMM_DEVICES_UART_8250_H
#define VMM_DEVICES_UART_8250_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/irq_line.h"
#include "devices/mmio_bus.h"

#define UART_RX_FIFO_SIZE 64

/* Output sink: called with the lock held, must not call back into the UART. */
typedef void (*uart_out_fn)(void *opaque, const uint8_t *buf, size_t len);
/* Called (lock held) when the guest made room for input, or enabled it. */
typedef void (*uart_rx_ready_fn)(void *opaque);
/*
 * Called (lock held) to map (@on) or unmap the register page read-only
 * over the UART's window. Returns 0 or -errno.
 */
typedef int (*uart_map_page_fn)(void *opaque, int on);

struct uart_8250 {
	pthread_mutex_t lock;
	struct irq_line *irq;
	uart_out_fn out;
	uart_rx_ready_fn rx_ready;
	void *opaque;

	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	int thr_ipending; /* THR-empty interrupt raised, not yet taken */
	int irq_level;	  /* what irq was last told */

	uint8_t rx[UART_RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;

	uint64_t tx_bytes, rx_bytes;

	/*
	 * Register page (optional, see uart_8250_set_page()): while mapped,
	 * the guest reads the registers from it without an exit.
	 */
	uint8_t *page;
	uart_map_page_fn map_page;
	void *map_opaque;
	int page_on;
	uint64_t page_maps; /* times it was (re)mapped */
};

/*
 * uart_8250_init() - reset state; @irq, @out and @rx_ready (may be NULL)
 * are borrowed and must outlive the UART. Returns 0 or -errno.
 */
int uart_8250_init(struct uart_8250 *u, struct irq_line *irq, uart_out_fn out,
		   uart_rx_ready_fn rx_ready, void *opaque);
void uart_8250_destroy(struct uart_8250 *u);

/*
 * uart_8250_rx_space() - how many bytes uart_8250_push_rx() would take now:
 * 0 while the guest has receive interrupts off or the FIFO is full.
 */
unsigned int uart_8250_rx_space(struct uart_8250 *u);

/* uart_8250_push_rx() - queue up to @len input bytes; returns how many. */
size_t uart_8250_push_rx(struct uart_8250 *u, const uint8_t *buf, size_t len);

/*
 * uart_8250_set_page() - let the guest read the registers from @page (the
 * first 8 bytes of a zeroed page the UART owns) whenever reading them has
 * no side effect: the interrupts are off (IER 0), no input is queued, and
 * neither the divisor latch nor loopback is selected -- which is how
 * earlycon and the kernel's console write poll the line status before
 * every byte. Then the page shows exactly what a trapped read would
 * return, and @map (called with the lock held) maps it read-only; when
 * the state leaves that set, or a value on it would change, the page is
 * unmapped first, so the guest never reads a stale value. Together with
 * coalesced writes of THR, printing a byte costs no exit. @page NULL turns
 * it off.
 */
void uart_8250_set_page(struct uart_8250 *u, uint8_t *page,
			uart_map_page_fn map, void *opaque);

extern const struct mmio_ops uart_8250_ops;

/*
 * uart_8250_region() - the bus region of @u at @base: its register window,
 * node name and ops, marked as the console (/chosen/stdout-path).
 */
struct mmio_region uart_8250_region(struct uart_8250 *u, gpa_t base);

#endif
