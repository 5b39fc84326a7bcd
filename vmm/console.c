// SPDX-License-Identifier: GPL-2.0-only
#include "console.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"

#define ESCAPE_CHAR 0x01 /* Ctrl-A */

/* One terminal per process: the saved state is global for the handlers. */
static struct termios saved_termios;
static int saved_fd = -1;

void console_restore_terminal(void)
{
	int fd = saved_fd;

	if (fd >= 0) {
		saved_fd = -1;
		tcsetattr(fd, TCSAFLUSH, &saved_termios);
	}
}

static void fatal_signal(int sig)
{
	console_restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_fatal_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT,
				    SIGILL,  SIGFPE, SIGQUIT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int console_init(struct console *con, int in_fd, int out_fd)
{
	struct termios raw;

	memset(con, 0, sizeof(*con));
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	con->in_src.fd = -1;
	con->ready_src.fd = -1;
	con->log_fd = -1;
	con->is_tty = isatty(in_fd);
	con->out_is_tty = isatty(out_fd);
	if (!con->is_tty)
		return 0;
	if (tcgetattr(in_fd, &saved_termios) < 0)
		return -errno;
	raw = saved_termios;
	/* Bytes pass untouched both ways; Ctrl-C goes to the guest. */
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	install_fatal_handlers();
	saved_fd = in_fd;
	atexit(console_restore_terminal);
	if (tcsetattr(in_fd, TCSANOW, &raw) < 0) {
		saved_fd = -1;
		return -errno;
	}
	return 0;
}

void console_output(void *opaque, const uint8_t *buf, size_t len)
{
	struct console *con = opaque;

	/* The log gets every byte even when stdout has gone away. */
	for (size_t done = 0; con->log_fd >= 0 && done < len;) {
		ssize_t n = write(con->log_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_warn("--serial-log: %s; not logging any more",
				n < 0 ? strerror(errno) : "short write");
			con->log_fd = -1;
			break;
		}
		done += (size_t)n;
	}

	while (len && !con->out_broken) {
		ssize_t n = write(con->out_fd, buf, len);

		if (n > 0) {
			con->last_out = buf[n - 1];
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			if (con->stopping &&
			    __atomic_load_n(con->stopping, __ATOMIC_ACQUIRE))
				return;
			continue;
		}
		/* Reader gone, or worse: keep the guest running, say it once.
		 */
		con->out_broken = 1;
		pr_warn("console output stopped: %s",
			n < 0 ? strerror(errno) : "write returned 0");
	}
}

void console_rx_ready(void *opaque)
{
	struct console *con = opaque;
	uint64_t one = 1;

	/* Called on a vCPU thread: just wake the event loop. */
	if (con->ready_src.fd >= 0 && write(con->ready_src.fd, &one, 8) < 0)
		return;
}

/* Turn raw stdin bytes into guest input, applying the Ctrl-A escapes. */
static size_t console_filter(struct console *con, uint8_t *buf, size_t len)
{
	size_t out = 0;

	if (!con->is_tty)
		return len;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (con->escape) {
			con->escape = 0;
			if (c == 'x' || c == 'X') {
				if (con->quit)
					con->quit(con->quit_opaque);
				return out;
			}
			if (c != ESCAPE_CHAR)
				buf[out++] = ESCAPE_CHAR;
			buf[out++] = c;
		} else if (c == ESCAPE_CHAR) {
			con->escape = 1;
		} else {
			buf[out++] = c;
		}
	}
	return out;
}

static void console_stop_input(struct console *con)
{
	event_loop_del(con->loop, &con->in_src);
}

/*
 * Read at most @space bytes of stdin into the pending buffer. Returns 1
 * with data, 0 at end of input (and remembers it), -1 to try again later.
 */
static int console_read(struct console *con, unsigned int space)
{
	ssize_t n = read(con->in_fd, con->pending,
			 space < sizeof(con->pending) ? space
						      : sizeof(con->pending));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0) {
		con->in_eof = 1;
		return 0;
	}
	con->pending_len = console_filter(con, con->pending, (size_t)n);
	con->pending_off = 0;
	return 1;
}

/* Move input toward the guest while it has room; poll stdin only then. */
static void console_pump(struct console *con)
{
	for (;;) {
		unsigned int space;

		if (con->pending_off < con->pending_len) {
			con->pending_off += con->input.push(
				con->input.opaque,
				con->pending + con->pending_off,
				con->pending_len - con->pending_off);
			if (con->pending_off < con->pending_len)
				break; /* guest full: wait for rx_ready */
		}
		if (con->in_eof)
			break;
		space = con->input.space(con->input.opaque);
		if (space == 0)
			break;
		if (con->in_pollable) {
			/* Read when stdin has data: never block the loop. */
			event_loop_add(con->loop, &con->in_src, EPOLLIN);
			return;
		}
		if (console_read(con, space) == 0)
			break;
	}
	if (con->in_pollable)
		console_stop_input(con);
}

/* stdin is readable (and the guest had room when we started polling). */
static void console_on_input(struct event_source *src, uint32_t events)
{
	struct console *con = src->opaque;
	unsigned int space = con->input.space(con->input.opaque);

	(void)events;
	if (con->pending_off < con->pending_len || space == 0) {
		console_stop_input(con);
		return;
	}
	if (console_read(con, space) < 0)
		return;
	console_pump(con);
}

static void console_on_ready(struct event_source *src, uint32_t events)
{
	struct console *con = src->opaque;
	uint64_t v;

	(void)events;
	if (read(src->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	console_pump(con);
}

int console_attach(struct console *con, const struct console_input *input,
		   struct event_loop *loop, void (*quit)(void *), void *opaque,
		   const int *stopping)
{
	int ret;

	con->stopping = stopping;
	con->input = *input;
	con->loop = loop;
	con->quit = quit;
	con->quit_opaque = opaque;
	con->ready_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (con->ready_src.fd < 0)
		return -errno;
	con->ready_src.fn = console_on_ready;
	con->ready_src.opaque = con;
	ret = event_loop_add(loop, &con->ready_src, EPOLLIN);
	if (ret)
		return ret;
	con->in_src.fd = con->in_fd;
	con->in_src.fn = console_on_input;
	con->in_src.opaque = con;
	/* Regular files and /dev/null cannot be polled: read them on demand. */
	ret = event_loop_add(loop, &con->in_src, EPOLLIN);
	con->in_pollable = ret != -EPERM;
	if (ret && ret != -EPERM)
		return ret;
	/* Nothing to feed until the guest's driver opens the port. */
	console_stop_input(con);
	return 0;
}

void console_destroy(struct console *con)
{
	/* Leave the user's prompt at the start of a line, not after the
	 * guest's last partial line. */
	if (con->out_is_tty && con->last_out && con->last_out != '\n' &&
	    !con->out_broken && write(con->out_fd, "\r\n", 2) < 0)
		con->out_broken = 1;
	if (con->ready_src.fd >= 0)
		close(con->ready_src.fd);
	con->ready_src.fd = -1;
	console_restore_terminal();
}
