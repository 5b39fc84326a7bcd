// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockreq: send standard input to a Unix stream socket and print what
 * comes back, for testing the control API with requests no well-behaved
 * client sends (garbage, oversized, cut off).
 *
 *   sockreq SOCKET [half-close]
 *
 * With "half-close", the write side is shut down after stdin is sent (the
 * server sees EOF mid-request). Exit 0 when the exchange ran (whatever the
 * answer), 1 when the socket could not be reached.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 15 };
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: sockreq SOCKET [half-close]\n");
		return 2;
	}
	/* A server that answers early and closes must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	strcpy(a.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "sockreq: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		/* The server may answer (413) and close before all is sent. */
		if (write(fd, buf, (size_t)n) < 0)
			break;
	}
	if (argc > 2 && strcmp(argv[2], "half-close") == 0)
		shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}
