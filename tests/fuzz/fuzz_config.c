// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for command-line parsing: the input is a command line,
 * its arguments separated by NUL bytes (at most MAX_ARGS of them; the rest
 * of the input is dropped). "vmm" is prepended as argv[0], then
 * config_init(), config_parse_args() and, when that succeeds,
 * config_kernel_cmdline() run on it, and config_free() after either.
 * config_parse_size() and config_parse_disk() also run on every argument
 * alone. A bug is any crash, sanitizer report or leak (LeakSanitizer runs
 * at exit), or an abort() on a broken contract of config.h: a parse that
 * succeeds must leave a configuration main() could use as it is (a kernel,
 * a non-zero 2 MiB multiple of RAM, 1..CONFIG_MAX_CPUS vCPUs, well-formed
 * disks), a size is exactly the number times its unit, and the guest's
 * command line is short enough for the kernel and ends with the user's.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_config: %s:%d: %s\n", __FILE__,  \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

static int valid_serial(const char *s)
{
	size_t n = strlen(s);

	if (n > CONFIG_SERIAL_MAX)
		return 0;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

/* A disk as config_parse_disk() promises it: a name, no option in it. */
static void check_disk(const struct disk_config *d)
{
	CHECK(d->path && d->path[0]);
	CHECK(!strchr(d->path, ','));
	CHECK(d->readonly == 0 || d->readonly == 1);
	CHECK(memchr(d->serial, '\0', sizeof(d->serial)));
	CHECK(valid_serial(d->serial));
}

/*
 * config_parse_size() against its contract: decimal digits, an optional
 * K/M/G/T (1024-based) with an optional B or iB, no overflow.
 */
static void check_size(const char *s)
{
	static const char units[] = "kmgt";
	unsigned long long v;
	unsigned int shift = 0;
	uint64_t out = 0xdeadbeef;
	const char *u;
	char *end;

	if (config_parse_size(s, &out)) {
		CHECK(out == 0xdeadbeef);
		return;
	}
	CHECK(s[0] >= '0' && s[0] <= '9');
	v = strtoull(s, &end, 10);
	if (*end) {
		u = strchr(units, end[0] | 0x20);
		CHECK(u && *u);
		shift = 10 * (unsigned int)(u - units + 1);
	}
	CHECK((out >> shift) == v);
	CHECK((out & ((1ULL << shift) - 1)) == 0);
}

static void check_config(const struct vm_config *cfg)
{
	if (cfg->help || cfg->version)
		return;
	CHECK(cfg->kernel);
	CHECK(cfg->mem_size && cfg->mem_size % (2ULL << 20) == 0);
	CHECK(cfg->cpus >= 1 && cfg->cpus <= CONFIG_MAX_CPUS);
	CHECK(cfg->gic == CONFIG_GIC_AUTO || cfg->gic == CONFIG_GIC_V2 ||
	      cfg->gic == CONFIG_GIC_V3);
	CHECK(cfg->log_level >= LOG_ERROR && cfg->log_level <= LOG_DEBUG);
	CHECK(cfg->seccomp == CONFIG_SECCOMP_KILL ||
	      cfg->seccomp == CONFIG_SECCOMP_LOG ||
	      cfg->seccomp == CONFIG_SECCOMP_OFF);
	CHECK(cfg->rng == 0 || cfg->rng == 1);
	CHECK(cfg->console_virtio == 0 || cfg->console_virtio == 1);
	/* -1 would tell setresuid()/setresgid() to change nothing. */
	if (cfg->drop_user)
		CHECK(cfg->uid != (unsigned int)-1 &&
		      cfg->gid != (unsigned int)-1);
	CHECK(cfg->ndisks <= CONFIG_MAX_DISKS);
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		check_disk(&cfg->disks[i]);
}

/* The guest's command line: fits, has a console, ends with the user's. */
static void check_cmdline(const struct vm_config *cfg)
{
	const char *user = cfg->cmdline ? cfg->cmdline : "";
	size_t ulen = strlen(user), n;
	char why[256] = "";
	char *s;

	s = config_kernel_cmdline(cfg, why, sizeof(why));
	if (!s) {
		CHECK(why[0] != '\0');
		/* Only a line the kernel cannot take is refused. */
		CHECK(ulen >= CONFIG_CMDLINE_MAX - 64);
		return;
	}
	n = strlen(s);
	CHECK(n < CONFIG_CMDLINE_MAX);
	CHECK(n == 0 || s[n - 1] != ' ');
	CHECK(strstr(s, "console="));
	if (!cfg->console_virtio)
		CHECK(strstr(s, "earlycon"));
	while (ulen && user[ulen - 1] == ' ')
		ulen--;
	CHECK(n >= ulen && memcmp(s + n - ulen, user, ulen) == 0);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "vmm";
	struct vm_config cfg;
	struct disk_config d;
	char *argv[MAX_ARGS + 2];
	char why[256];
	char *buf;
	int argc = 1;
	size_t i = 0;

	log_set_level(LOG_ERROR);
	/* A copy with a NUL after the last argument, as the kernel gives. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = prog;
	while (i < size && argc < MAX_ARGS + 1) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	config_init(&cfg);
	why[0] = '\0';
	if (config_parse_args(&cfg, argc, argv, why, sizeof(why)) == 0) {
		check_config(&cfg);
		check_cmdline(&cfg);
	} else {
		CHECK(why[0] != '\0');
	}
	config_free(&cfg);
	CHECK(cfg.ndisks == 0);

	for (int a = 1; a < argc; a++) {
		check_size(argv[a]);
		memset(&d, 0x5a, sizeof(d));
		if (config_parse_disk(argv[a], &d, why, sizeof(why)) == 0) {
			check_disk(&d);
			free(d.path);
		} else {
			/* Nothing for the caller to free after a failure. */
			CHECK(d.path == NULL);
		}
	}
	free(buf);
	return 0;
}
