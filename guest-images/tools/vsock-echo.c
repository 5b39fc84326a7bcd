// SPDX-License-Identifier: GPL-2.0-only
/*
 * vsock-echo: script host <-> guest exchanges over AF_VSOCK, no network
 * needed. Static; runs in the guest and on the (arm64) host alike.
 *
 *   vsock-echo listen PORT [COUNT]
 *       Accept connections on PORT (from any CID) and echo every byte
 *       back until the peer closes its side; serve COUNT connections one
 *       after another (default 1, 0 = forever), then exit. Prints
 *       "vsock-echo: listening on port PORT" on stderr once it accepts
 *       connections, and a line per connection served.
 *   vsock-echo send CID PORT [WAIT]
 *       Connect to CID:PORT (2 = the host, the guest's CID from the host),
 *       send stdin, then shutdown(SHUT_WR), and copy everything received
 *       to stdout until the peer closes. Reads and writes at once, so an
 *       echo of any size never deadlocks. WAIT: retry a refused or reset
 *       connection for up to WAIT seconds (default 0: fail at once).
 *
 * Example: guest "vsock-echo listen 5000", host
 *   vsock-echo send 3 5000 <data >copy   (copy == data)
 *
 * Exit status: 0 done, 1 a socket or I/O error (named on stderr),
 * 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#define BUF_SIZE 65536

static const char *prog = "vsock-echo";

static int usage(void)
{
	fprintf(stderr,
		"usage: %s listen PORT [COUNT]\n"
		"       %s send CID PORT [WAIT_SECONDS] <in >out\n",
		prog, prog);
	return 2;
}

static int parse_u32(const char *s, const char *what, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	fprintf(stderr, "%s: %s '%s': not a number from 0 to %u\n", prog, what,
		s, UINT32_MAX);
	return -1;
}

/* Write all of @buf to @fd (blocking fd; partial writes and EINTR). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int echo_one(int c, unsigned long long *total)
{
	static char buf[BUF_SIZE];

	*total = 0;
	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: read: %s\n", prog,
				strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0; /* the peer is done sending */
		if (write_all(c, buf, (size_t)n)) {
			fprintf(stderr, "%s: write: %s\n", prog,
				strerror(errno));
			return -1;
		}
		*total += (unsigned long long)n;
	}
}

static int do_listen(uint32_t port, uint32_t count)
{
	struct sockaddr_vm addr = { .svm_family = AF_VSOCK,
				    .svm_cid = VMADDR_CID_ANY,
				    .svm_port = port };
	int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (s < 0) {
		fprintf(stderr, "%s: socket(AF_VSOCK): %s\n", prog,
			strerror(errno));
		return 1;
	}
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(s, 16) < 0) {
		fprintf(stderr, "%s: listen on port %u: %s\n", prog, port,
			strerror(errno));
		close(s);
		return 1;
	}
	fprintf(stderr, "%s: listening on port %u\n", prog, port);
	for (uint32_t i = 0; count == 0 || i < count; i++) {
		struct sockaddr_vm peer;
		socklen_t plen = sizeof(peer);
		unsigned long long total;
		int c = accept(s, (struct sockaddr *)&peer, &plen);

		if (c < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			fprintf(stderr, "%s: accept: %s\n", prog,
				strerror(errno));
			ret = 1;
			break;
		}
		if (echo_one(c, &total))
			ret = 1;
		else
			fprintf(stderr, "%s: echoed %llu bytes to %u:%u\n",
				prog, total, peer.svm_cid, peer.svm_port);
		shutdown(c, SHUT_RDWR);
		close(c);
	}
	close(s);
	return ret;
}

static int connect_to(uint32_t cid, uint32_t port, uint32_t wait_s)
{
	struct sockaddr_vm addr = { .svm_family = AF_VSOCK,
				    .svm_cid = cid,
				    .svm_port = port };
	time_t until = time(NULL) + wait_s;

	for (;;) {
		int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (s < 0) {
			fprintf(stderr, "%s: socket(AF_VSOCK): %s\n", prog,
				strerror(errno));
			return -1;
		}
		if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return s;
		int err = errno;

		close(s);
		if ((err == ECONNREFUSED || err == ECONNRESET ||
		     err == ENODEV || err == ETIMEDOUT || err == EINTR) &&
		    time(NULL) < until) {
			usleep(200000);
			continue;
		}
		fprintf(stderr, "%s: connect to %u:%u: %s\n", prog, cid, port,
			strerror(err));
		return -1;
	}
}

static int do_send(uint32_t cid, uint32_t port, uint32_t wait_s)
{
	static char in[BUF_SIZE], out[BUF_SIZE];
	size_t in_len = 0, in_off = 0;
	int in_eof = 0, shut = 0;
	int s = connect_to(cid, port, wait_s);

	if (s < 0)
		return 1;
	/* Non-blocking socket: a send never holds up draining the reply. */
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = in_eof || in_off < in_len ? -1 : STDIN_FILENO,
			  .events = POLLIN },
			{ .fd = s,
			  .events = POLLIN | (in_off < in_len ? POLLOUT : 0) },
		};
		ssize_t n;

		if (in_eof && in_off == in_len && !shut) {
			if (shutdown(s, SHUT_WR) < 0) {
				fprintf(stderr, "%s: shutdown: %s\n", prog,
					strerror(errno));
				goto err;
			}
			shut = 1;
		}
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog,
				strerror(errno));
			goto err;
		}
		if (p[0].revents) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				fprintf(stderr, "%s: reading stdin: %s\n", prog,
					strerror(errno));
				goto err;
			}
			if (n == 0)
				in_eof = 1;
			if (n > 0) {
				in_len = (size_t)n;
				in_off = 0;
			}
		}
		if (p[1].revents & POLLOUT) {
			n = write(s, in + in_off, in_len - in_off);
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				fprintf(stderr, "%s: send: %s\n", prog,
					strerror(errno));
				goto err;
			}
			if (n > 0)
				in_off += (size_t)n;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(s, out, sizeof(out));
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				fprintf(stderr, "%s: receive: %s\n", prog,
					strerror(errno));
				goto err;
			}
			if (n == 0) {
				if (!(in_eof && in_off == in_len)) {
					fprintf(stderr,
						"%s: the peer closed before "
						"all input was sent\n",
						prog);
					goto err;
				}
				break;
			}
			if (n > 0 && write_all(STDOUT_FILENO, out, (size_t)n)) {
				fprintf(stderr, "%s: writing stdout: %s\n",
					prog, strerror(errno));
				goto err;
			}
		}
	}
	close(s);
	return 0;
err:
	close(s);
	return 1;
}

int main(int argc, char **argv)
{
	uint32_t cid, port, n = 1;

	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "listen") == 0) {
		if (parse_u32(argv[2], "PORT", &port) ||
		    (argc == 4 && parse_u32(argv[3], "COUNT", &n)))
			return 2;
		return do_listen(port, n);
	}
	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "send") == 0) {
		n = 0;
		if (parse_u32(argv[2], "CID", &cid) ||
		    parse_u32(argv[3], "PORT", &port) ||
		    (argc == 5 && parse_u32(argv[4], "WAIT", &n)))
			return 2;
		return do_send(cid, port, n);
	}
	return usage();
}
