// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for the control API: the request handler (vmm/api.c) with a fake
 * VM, then the real server (vmm/api_server.c, libevent) on a Unix socket,
 * driven by curl --unix-socket, by raw bytes, and by `vmm ctl` (ctl.c).
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "api_server.h"
#include "ctl.h"
#include "sandbox.h"
#include "unit.h"

/* --- a fake VM ---------------------------------------------------------- */

static struct fake_vm {
	int paused;
	int actions[4];
	int fail_with; /* the next action returns this */
} vm;

static int fake_status(void *opaque, yajl_gen g)
{
	struct fake_vm *v = opaque;
	const char *state = v->paused ? "paused" : "running";

	yajl_gen_string(g, (const unsigned char *)"state", 5);
	yajl_gen_string(g, (const unsigned char *)state, strlen(state));
	return 0;
}

static int fake_metrics(void *opaque, yajl_gen g)
{
	(void)opaque;
	yajl_gen_string(g, (const unsigned char *)"exits", 5);
	yajl_gen_integer(g, 42);
	return 0;
}

static char *fake_config(void *opaque)
{
	(void)opaque;
	return strdup("{\"cpus\": 2}");
}

static int fake_action(void *opaque, enum api_action a, const char **state,
		       char *why, size_t why_len)
{
	struct fake_vm *v = opaque;
	int ret = v->fail_with;

	v->fail_with = 0;
	v->actions[a]++;
	if (!ret && a == API_PAUSE && v->paused)
		ret = -EALREADY;
	if (ret) {
		snprintf(why, why_len, "refused: %d", ret);
	} else if (a == API_PAUSE) {
		v->paused = 1;
	} else if (a == API_RESUME) {
		v->paused = 0;
	}
	*state = v->paused ? "paused" : "running";
	return ret;
}

static const struct api_ops fake_ops = {
	.status = fake_status,
	.metrics = fake_metrics,
	.config = fake_config,
	.action = fake_action,
};

static struct api_response r;

static int handle(const char *method, const char *path, const char *body)
{
	free(r.body);
	api_handle(&fake_ops, &vm, method, path, body, body ? strlen(body) : 0,
		   &r);
	ck_assert_ptr_nonnull(r.body);
	return r.status;
}

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(&r, 0, sizeof(r));
}

static void teardown(void)
{
	free(r.body);
	r.body = NULL;
}

START_TEST(test_status_metrics_config)
{
	ck_assert_int_eq(handle("GET", "/v1/vm", NULL), 200);
	ck_assert_str_contains(r.body, "\"state\": \"running\"");
	ck_assert_int_eq(handle("GET", "/v1/metrics", NULL), 200);
	ck_assert_str_contains(r.body, "\"exits\": 42");
	ck_assert_int_eq(handle("GET", "/v1/vm/config", NULL), 200);
	ck_assert_str_contains(r.body, "\"cpus\": 2");
}
END_TEST

START_TEST(test_pause_resume_conflict)
{
	ck_assert_int_eq(handle("PUT", "/v1/vm/pause", NULL), 200);
	ck_assert_str_contains(r.body, "\"state\": \"paused\"");
	ck_assert_int_eq(handle("PUT", "/v1/vm/pause", ""), 409);
	ck_assert_str_contains(r.body, "\"error\"");
	ck_assert_int_eq(handle("PUT", "/v1/vm/resume", "{ }"), 200);
	ck_assert_int_eq(vm.actions[API_PAUSE], 2);
	ck_assert_int_eq(vm.actions[API_RESUME], 1);
}
END_TEST

START_TEST(test_shutdown_is_accepted_stop_is_done)
{
	ck_assert_int_eq(handle("PUT", "/v1/vm/shutdown", NULL), 202);
	ck_assert_int_eq(handle("PUT", "/v1/vm/stop", NULL), 200);
	vm.fail_with = -EIO;
	ck_assert_int_eq(handle("PUT", "/v1/vm/stop", NULL), 500);
	ck_assert_str_contains(r.body, "refused");
}
END_TEST

START_TEST(test_bad_requests_do_not_reach_the_vm)
{
	ck_assert_int_eq(handle("GET", "/v1/nothing", NULL), 404);
	ck_assert_str_contains(r.body, "no such endpoint");
	ck_assert_int_eq(handle("GET", "/v1/vm/pause", NULL), 405);
	ck_assert_str_eq(r.allow, "PUT");
	ck_assert_int_eq(handle("DELETE", "/v1/vm", NULL), 405);
	ck_assert_int_eq(handle("PUT", "/v1/vm/pause", "{\"x\": 1}"), 400);
	ck_assert_int_eq(handle("PUT", "/v1/vm/pause", "garbage"), 400);
	ck_assert_int_eq(handle("GET", "/v1/vm?x=1", NULL), 400);
	ck_assert_int_eq(handle("GET", "v1/vm", NULL), 400);
	ck_assert_int_eq(handle("GET", "", NULL), 400);
	for (int a = 0; a < 4; a++)
		ck_assert_int_eq(vm.actions[a], 0);
}
END_TEST

START_TEST(test_oversized_body)
{
	char *big = malloc(API_MAX_BODY + 2);

	memset(big, ' ', API_MAX_BODY + 1);
	big[API_MAX_BODY + 1] = '\0';
	ck_assert_int_eq(handle("PUT", "/v1/vm/pause", big), 413);
	ck_assert_int_eq(vm.actions[API_PAUSE], 0);
	free(big);
}
END_TEST

START_TEST(test_error_message_is_json_escaped)
{
	ck_assert_int_eq(handle("GET", "/v1/\"quoted\"\\", NULL), 404);
	ck_assert_str_contains(r.body, "\\\"quoted\\\"\\\\");
}
END_TEST

/* Found by fuzz_api: an echoed path with invalid UTF-8 broke the JSON. */
START_TEST(test_echoed_bytes_keep_the_answer_json)
{
	char err[128];
	yajl_val tree;

	ck_assert_int_eq(handle("POST", "/v1/vm/pa\x86se", NULL), 404);
	tree = yajl_tree_parse(r.body, err, sizeof(err));
	ck_assert_msg(tree != NULL, "not JSON: %s", r.body);
	yajl_tree_free(tree);
	ck_assert_int_eq(handle("P\xffT", "/v1/vm/pause", NULL), 405);
	tree = yajl_tree_parse(r.body, err, sizeof(err));
	ck_assert_msg(tree != NULL, "not JSON: %s", r.body);
	yajl_tree_free(tree);
}
END_TEST

/* --- the server on a real socket ---------------------------------------- */

static char dir[64], sock[128];
static struct api_server srv;

static void server_setup(void)
{
	char why[256];

	setup();
	snprintf(dir, sizeof(dir), "/tmp/vmm-api-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/api.sock", dir);
	ck_assert_int_eq(
		api_server_open(&srv, sock, &fake_ops, &vm, why, sizeof(why)),
		0);
	ck_assert_int_eq(sandbox_prepare(SANDBOX_OFF), 0);
	ck_assert_int_eq(api_server_start(&srv), 0);
}

static void server_teardown(void)
{
	api_server_close(&srv);
	rmdir(dir);
	teardown();
}

/* curl --unix-socket; returns the HTTP status, the body in @out. */
static int curl(const char *method, const char *path, const char *data,
		char *out, size_t out_len)
{
	char cmd[512];
	FILE *f;
	size_t n;
	int status = -1;

	ck_assert_msg(system("command -v curl >/dev/null") == 0,
		      "curl is not installed (scripts/setup.sh installs it)");
	snprintf(cmd, sizeof(cmd),
		 "curl -s --max-time 10 --unix-socket %s -X %s %s%s%s "
		 "-w '\\n%%{http_code}' http://localhost%s",
		 sock, method, data ? "--data '" : "", data ? data : "",
		 data ? "'" : "", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, out_len - 1, f);
	pclose(f);
	out[n] = '\0';
	/* The status code is the last line. */
	for (char *nl = out + n; nl > out; nl--) {
		if (nl[-1] == '\n') {
			status = atoi(nl);
			nl[-1] = '\0';
			break;
		}
	}
	return status;
}

/* Send @req raw (half-closing after it when @half_close), read the answer. */
static void raw(const char *req, size_t len, int half_close, char *out,
		size_t out_len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, sock);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(write(fd, req, len), (ssize_t)len);
	if (half_close)
		shutdown(fd, SHUT_WR);
	while (got < out_len - 1 &&
	       (n = read(fd, out + got, out_len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
}

START_TEST(test_curl_speaks_to_it)
{
	char out[4096];

	ck_assert_int_eq(curl("GET", "/v1/vm", NULL, out, sizeof(out)), 200);
	ck_assert_str_contains(out, "\"state\": \"running\"");
	ck_assert_int_eq(curl("PUT", "/v1/vm/pause", NULL, out, sizeof(out)),
			 200);
	ck_assert_int_eq(vm.paused, 1);
	ck_assert_int_eq(curl("PUT", "/v1/vm/pause", NULL, out, sizeof(out)),
			 409);
	ck_assert_str_contains(out, "\"error\"");
	ck_assert_int_eq(curl("GET", "/v1/bogus", NULL, out, sizeof(out)), 404);
	ck_assert_int_eq(curl("PUT", "/v1/vm/resume", "{}", out, sizeof(out)),
			 200);
	ck_assert_int_eq(vm.paused, 0);
}
END_TEST

START_TEST(test_socket_mode_is_0600)
{
	struct stat st;

	ck_assert_int_eq(lstat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_garbage_oversized_half_closed)
{
	static const char partial[] = "GET /v1/vm HTTP/1.1\r\nHost: x\r\n";
	char out[4096], *big;
	size_t big_len = 64 * 1024;
	int n;

	raw("HELLO THERE\r\n\r\n", 15, 0, out, sizeof(out));
	ck_assert_str_contains(out, "HTTP/1.1 400");
	big = malloc(big_len + 128);
	n = snprintf(big, 128,
		     "PUT /v1/vm/pause HTTP/1.1\r\nHost: x\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     big_len);
	memset(big + n, 'x', big_len);
	raw(big, (size_t)n + big_len, 0, out, sizeof(out));
	ck_assert_str_contains(out, "HTTP/1.1 413");
	free(big);
	/* Headers cut off by a half-close: no answer, the server goes on. */
	raw(partial, sizeof(partial) - 1, 1, out, sizeof(out));
	ck_assert_int_eq(vm.actions[API_PAUSE], 0);
	ck_assert_int_eq(curl("GET", "/v1/vm", NULL, out, sizeof(out)), 200);
}
END_TEST

START_TEST(test_live_stale_and_foreign_paths)
{
	struct api_server other;
	char why[256], path[160];
	int fd;

	/* A live server at the path is never taken over. */
	ck_assert_int_eq(
		api_server_open(&other, sock, &fake_ops, &vm, why, sizeof(why)),
		-EADDRINUSE);
	ck_assert_str_contains(why, "another process serves it");
	/* A regular file is left alone. */
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	close(fd);
	ck_assert_int_eq(
		api_server_open(&other, path, &fake_ops, &vm, why, sizeof(why)),
		-EEXIST);
	ck_assert_str_contains(why, "not a socket");
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, why, sizeof(why)), 4);
	close(fd);
	unlink(path);
	/* The server's socket is gone once it closes; a stale one is
	 * replaced. */
	api_server_close(&srv);
	ck_assert_int_eq(access(sock, F_OK), -1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		strcpy(a.sun_path, sock);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	}
	close(fd); /* bound, never listened: stale */
	ck_assert_int_eq(
		api_server_open(&srv, sock, &fake_ops, &vm, why, sizeof(why)),
		0);
	ck_assert_int_eq(sandbox_prepare(SANDBOX_OFF), 0);
	ck_assert_int_eq(api_server_start(&srv), 0);
}
END_TEST

/* Run `vmm ctl SOCK CMD` in a child; its stdout in @out, exit status back. */
static int ctl(const char *cmd, char *out, size_t out_len)
{
	int pipefd[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char a[3][160];
		char *argv[] = { a[0], a[1], a[2], NULL };

		snprintf(a[0], sizeof(a[0]), "ctl");
		snprintf(a[1], sizeof(a[1]), "%s", sock);
		snprintf(a[2], sizeof(a[2]), "%s", cmd);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		status = ctl_main(3, argv);
		fflush(NULL);
		_exit(status);
	}
	close(pipefd[1]);
	while (got < out_len - 1 &&
	       (n = read(pipefd[0], out + got, out_len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

START_TEST(test_vmm_ctl)
{
	char out[4096];

	ck_assert_int_eq(ctl("status", out, sizeof(out)), 0);
	ck_assert_str_contains(out, "\"state\": \"running\"");
	ck_assert_int_eq(ctl("pause", out, sizeof(out)), 0);
	ck_assert_int_eq(ctl("pause", out, sizeof(out)), 1);
	ck_assert_str_contains(out, "vmm ctl: 409: refused");
	ck_assert_int_eq(ctl("resume", out, sizeof(out)), 0);
	ck_assert_int_eq(ctl("metrics", out, sizeof(out)), 0);
	ck_assert_str_contains(out, "\"exits\": 42");
	ck_assert_int_eq(ctl("reboot", out, sizeof(out)), 2);
	ck_assert_str_contains(out, "unknown command 'reboot'");
	api_server_close(&srv);
	ck_assert_int_eq(ctl("status", out, sizeof(out)), 3);
	ck_assert_str_contains(out, "No such file");
}
END_TEST

/* A server that was never opened closes nothing (stdin stays open). */
START_TEST(test_closing_an_unopened_server)
{
	struct api_server s;
	int fd = dup(STDIN_FILENO);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	memset(&s, 0, sizeof(s));
	api_server_init(&s);
	api_server_close(&s);
	ck_assert_int_ne(fcntl(0, F_GETFD), -1);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("handler");
	TCase *ts = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, test_status_metrics_config,
		       test_pause_resume_conflict,
		       test_shutdown_is_accepted_stop_is_done,
		       test_bad_requests_do_not_reach_the_vm,
		       test_oversized_body, test_error_message_is_json_escaped,
		       test_echoed_bytes_keep_the_answer_json,
		       test_closing_an_unopened_server);
	suite_add_tcase(s, tc);
	/* Unchecked: the server thread must not be forked with the test. */
	tcase_add_unchecked_fixture(ts, NULL, NULL);
	tcase_add_checked_fixture(ts, server_setup, server_teardown);
	tcase_set_timeout(ts, 30);
	unit_add_tests(ts, test_curl_speaks_to_it, test_socket_mode_is_0600,
		       test_garbage_oversized_half_closed,
		       test_live_stale_and_foreign_paths, test_vmm_ctl);
	suite_add_tcase(s, ts);
	return unit_run(s);
}
