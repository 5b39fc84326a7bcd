/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the guest console: stdout receives every byte the guest
 * writes, in order; stdin feeds the UART, only as fast as the guest takes
 * it (nothing is dropped, nothing is read ahead without bound). When stdin
 * is a terminal it is put in raw mode, and restored on every way out:
 * normal exit, signals the VM handles, and fatal signals.
 *
 * Escape on a terminal: Ctrl-A x quits (exit code of SIGINT), Ctrl-A
 * Ctrl-A sends one Ctrl-A to the guest.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "event_loop.h"

/*
 * Where guest input goes: the UART's receive FIFO or the virtio console's
 * receive queue. space() is how many bytes push() would take now (0 while
 * the guest is not taking input); push() returns how many it took. When
 * the guest makes room it calls console_rx_ready().
 */
struct console_input {
	unsigned int (*space)(void *opaque);
	size_t (*push)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

struct console {
	int in_fd, out_fd;
	int is_tty;
	int in_pollable; /* stdin can be added to epoll (not a file) */
	int in_eof;
	int escape;	/* saw Ctrl-A */
	int out_broken; /* stdout gone (EPIPE): output is dropped */
	int out_is_tty;
	uint8_t last_out; /* last byte written, to end the line at exit */
	struct console_input input;
	struct event_loop *loop;
	struct event_source in_src;
	struct event_source ready_src; /* eventfd: the UART wants input */
	uint8_t pending[256];	       /* read from stdin, not yet taken */
	size_t pending_len, pending_off;
	void (*quit)(void *opaque); /* Ctrl-A x */
	void *quit_opaque;
	int log_fd;	     /* --serial-log: a copy of the output, or -1 */
	const int *stopping; /* the VM is ending: stop retrying */
};

/*
 * console_init() - set up the console on stdin/stdout (raw mode if stdin
 * is a terminal, restored by console_restore_terminal()). The UART is
 * attached later with console_attach(). Returns 0 or -errno.
 */
int console_init(struct console *con, int in_fd, int out_fd);

/*
 * console_attach() - start feeding @input from stdin on @loop. @quit is
 * called on the main thread when the user types the quit escape.
 */
int console_attach(struct console *con, const struct console_input *input,
		   struct event_loop *loop, void (*quit)(void *), void *opaque,
		   const int *stopping);

/*
 * console_output() - uart_out_fn: write guest bytes to stdout, all of them
 * (short writes retried; EINTR retried unless *stopping is set, so a vCPU
 * blocked on a stalled stdout can still be stopped).
 */
void console_output(void *opaque, const uint8_t *buf, size_t len);

/*
 * console_rx_ready() - the guest can take input (any thread; it only
 * wakes the event loop).
 */
void console_rx_ready(void *opaque);

/* Restore the terminal; idempotent and async-signal-safe. */
void console_restore_terminal(void);

void console_destroy(struct console *con);

#endif
