// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vmm ctl SOCKET COMMAND`: the control API's client, for scripts and
 * people. It sends one HTTP/1.1 request with "Connection: close", reads
 * the answer to EOF, prints the JSON body on stdout and exits 0 on a 2xx
 * status; otherwise it prints the API's error message on stderr.
 *
 * Reading our own server's answer needs only the status line and the end
 * of the headers; the untrusted side of the protocol (requests) is parsed
 * by libevent in the server.
 */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#define CTL_MAX_ANSWER (1u << 20)
#define CTL_TIMEOUT_S  30

static const struct {
	const char *command;
	const char *method;
	const char *path;
} ctl_commands[] = {
	{ "status", "GET", "/v1/vm" },
	{ "config", "GET", "/v1/vm/config" },
	{ "metrics", "GET", "/v1/metrics" },
	{ "pause", "PUT", "/v1/vm/pause" },
	{ "resume", "PUT", "/v1/vm/resume" },
	{ "shutdown", "PUT", "/v1/vm/shutdown" },
	{ "stop", "PUT", "/v1/vm/stop" },
};

static const char ctl_usage[] =
	"Usage: vmm ctl SOCKET COMMAND\n"
	"Talk to a running vmm's control API (vmm --api-socket SOCKET).\n"
	"\n"
	"Commands:\n"
	"  status     state, vCPUs, memory, uptime, boot time (JSON)\n"
	"  config     the VM's options, in the --config file schema\n"
	"  metrics    exits per vCPU by reason, device counters, RSS\n"
	"  pause      stop the vCPUs      resume    start them again\n"
	"  shutdown   press the guest's power button (hard stop after the\n"
	"             grace period)\n"
	"  stop       stop the VM now (vmm exits 13)\n"
	"\n"
	"Exit status: 0 done (the answer's JSON on stdout), 1 the API refused\n"
	"(its message on stderr), 2 usage, 3 no vmm answers at SOCKET.\n";

static int ctl_fail(int code, const char *sock, const char *what)
{
	fprintf(stderr, "vmm ctl: %s: %s\n", sock, what);
	return code;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Print the "error" string of a JSON error body, else the body itself. */
static void print_error(const char *body, int status)
{
	const char *path[] = { "error", NULL };
	yajl_val tree = yajl_tree_parse(body, NULL, 0);
	yajl_val msg = tree ? yajl_tree_get(tree, path, yajl_t_string) : NULL;

	if (msg)
		fprintf(stderr, "vmm ctl: %d: %s\n", status,
			YAJL_GET_STRING(msg));
	else
		fprintf(stderr, "vmm ctl: %d: %s\n", status, body);
	yajl_tree_free(tree);
}

int ctl_main(int argc, char *const argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	const char *sock, *cmd, *body;
	char request[256];
	char *answer;
	size_t got = 0;
	ssize_t n;
	int fd, status, len, i, n_cmds;

	n_cmds = (int)(sizeof(ctl_commands) / sizeof(ctl_commands[0]));
	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(ctl_usage, stdout);
		return 0;
	}
	if (argc != 3) {
		fputs(ctl_usage, stderr);
		return 2;
	}
	sock = argv[1];
	cmd = argv[2];
	for (i = 0; i < n_cmds; i++)
		if (strcmp(ctl_commands[i].command, cmd) == 0)
			break;
	if (i == n_cmds) {
		fprintf(stderr,
			"vmm ctl: unknown command '%s' (see vmm ctl "
			"--help)\n",
			cmd);
		return 2;
	}
	if (strlen(sock) >= sizeof(addr.sun_path))
		return ctl_fail(2, sock, "socket path too long");
	strcpy(addr.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return ctl_fail(3, sock, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	len = snprintf(request, sizeof(request),
		       "%s %s HTTP/1.1\r\nHost: vmm\r\nConnection: close\r\n"
		       "Content-Length: 0\r\n\r\n",
		       ctl_commands[i].method, ctl_commands[i].path);
	if (write_all(fd, request, (size_t)len) < 0) {
		close(fd);
		return ctl_fail(3, sock, strerror(errno));
	}
	answer = malloc(CTL_MAX_ANSWER + 1);
	if (!answer) {
		close(fd);
		return ctl_fail(1, sock, "out of memory");
	}
	while (got < CTL_MAX_ANSWER &&
	       (n = read(fd, answer + got, CTL_MAX_ANSWER - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(answer);
			close(fd);
			return ctl_fail(3, sock, strerror(errno));
		}
		got += (size_t)n;
	}
	close(fd);
	answer[got] = '\0';
	body = strstr(answer, "\r\n\r\n");
	if (sscanf(answer, "HTTP/1.%*[01] %3d", &status) != 1 || !body) {
		free(answer);
		return ctl_fail(3, sock, "the answer is not HTTP");
	}
	body += 4;
	if (status >= 200 && status < 300) {
		fputs(body, stdout);
		free(answer);
		return 0;
	}
	print_error(body, status);
	free(answer);
	return 1;
}
