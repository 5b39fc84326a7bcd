// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

void config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = CONFIG_DEFAULT_MEM;
	cfg->cpus = CONFIG_DEFAULT_CPUS;
	cfg->gic = CONFIG_GIC_AUTO;
	cfg->log_level = LOG_WARN;
	cfg->rng = 1;
	cfg->uart_fast = 1;
}

void config_free(struct vm_config *cfg)
{
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		free(cfg->disks[i].path);
	cfg->ndisks = 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
	static const char suffixes[] = "KMGT";
	unsigned long long v;
	unsigned int shift = 0;
	const char *suffix;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	/* K, M, G, T: powers of 1024. */
	suffix = *end ? strchr(suffixes, toupper((unsigned char)*end)) : NULL;
	if (suffix) {
		shift = 10 * (unsigned int)(suffix - suffixes + 1);
		end++;
	}
	if (shift && (strcasecmp(end, "ib") == 0 || strcasecmp(end, "b") == 0))
		end += strlen(end);
	if (*end != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int config_parse_disk(const char *arg, struct disk_config *d, char *why,
		      size_t why_len)
{
	char *copy = strdup(arg), *opt, *save = NULL;

	memset(d, 0, sizeof(*d));
	if (!copy) {
		log_why(why, why_len, "out of memory");
		return -EINVAL;
	}
	d->path = strdup(strtok_r(copy, ",", &save) ?: "");
	if (!d->path || !*d->path || *arg == ',') {
		log_why(why, why_len, "--disk '%s': needs a file name", arg);
		goto err;
	}
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (strcmp(opt, "ro") == 0) {
			d->readonly = 1;
		} else if (strncmp(opt, "serial=", 7) == 0) {
			const char *id = opt + 7;

			if (!*id || strlen(id) > CONFIG_SERIAL_MAX) {
				log_why(why, why_len,
					"--disk '%s': serial must be 1 to %d "
					"characters",
					arg, CONFIG_SERIAL_MAX);
				goto err;
			}
			for (const char *c = id; *c; c++) {
				if (*c < 0x21 || *c > 0x7e) {
					log_why(why, why_len,
						"--disk '%s': serial must be "
						"printable ASCII without "
						"spaces",
						arg);
					goto err;
				}
			}
			strcpy(d->serial, id);
		} else {
			log_why(why, why_len,
				"--disk '%s': unknown option '%s' (ro, "
				"serial=ID)",
				arg, opt);
			goto err;
		}
	}
	free(copy);
	return 0;
err:
	free(d->path);
	d->path = NULL;
	free(copy);
	return -EINVAL;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

enum {
	OPT_DUMP_DTB = 0x100,
	OPT_GIC,
	OPT_LOG_LEVEL,
	OPT_STATS,
	OPT_CMDLINE,
	OPT_DISK,
	OPT_RNG,
	OPT_CONSOLE,
	OPT_SECCOMP,
	OPT_USER,
	OPT_CHROOT,
	OPT_TIMEOUT,
	OPT_SERIAL_LOG,
	OPT_EVENTS,
	OPT_UART_FAST,
	OPT_MEM_BACKEND,
	OPT_MEM_PREFAULT,
};

static const struct option long_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "gic", required_argument, NULL, OPT_GIC },
	{ "dump-dtb", required_argument, NULL, OPT_DUMP_DTB },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "rng", required_argument, NULL, OPT_RNG },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "user", required_argument, NULL, OPT_USER },
	{ "chroot", required_argument, NULL, OPT_CHROOT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "serial-log", required_argument, NULL, OPT_SERIAL_LOG },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "uart-fast", required_argument, NULL, OPT_UART_FAST },
	{ "mem-backend", required_argument, NULL, OPT_MEM_BACKEND },
	{ "mem-prefault", required_argument, NULL, OPT_MEM_PREFAULT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* --uart-fast, --mem-backend, --mem-prefault. */
static int parse_perf_option(struct vm_config *cfg, int opt, const char *arg,
			     char *why, size_t why_len)
{
	int on = strcmp(arg, "on") == 0;

	switch (opt) {
	case OPT_MEM_BACKEND:
		if (strcmp(arg, "anon") == 0) {
			cfg->mem_backend = CONFIG_MEM_ANON;
		} else if (strcmp(arg, "memfd") == 0) {
			cfg->mem_backend = CONFIG_MEM_MEMFD;
		} else if (strcmp(arg, "hugetlbfs") == 0) {
			cfg->mem_backend = CONFIG_MEM_HUGETLBFS;
		} else {
			log_why(why, why_len,
				"--mem-backend '%s': must be anon, memfd or "
				"hugetlbfs",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_UART_FAST:
	case OPT_MEM_PREFAULT:
		if (!on && strcmp(arg, "off")) {
			log_why(why, why_len, "--%s '%s': must be on or off",
				opt == OPT_UART_FAST ? "uart-fast"
						     : "mem-prefault",
				arg);
			return -EINVAL;
		}
		if (opt == OPT_UART_FAST)
			cfg->uart_fast = on;
		else
			cfg->mem_prefault = on;
		return 0;
	}
	return -EINVAL;
}

static int parse_option(struct vm_config *cfg, int opt, const char *arg,
			const char *optname, char *why, size_t why_len)
{
	switch (opt) {
	case 'k':
		cfg->kernel = arg;
		return 0;
	case 'i':
		cfg->initrd = arg;
		return 0;
	case OPT_CMDLINE:
		cfg->cmdline = arg;
		return 0;
	case OPT_DUMP_DTB:
		cfg->dump_dtb = arg;
		return 0;
	case 'm':
		if (config_parse_size(arg, &cfg->mem_size)) {
			log_why(why, why_len,
				"--mem '%s': not a size (e.g. 512M, 2G)", arg);
			return -EINVAL;
		}
		if (cfg->mem_size == 0 || cfg->mem_size % (2ULL << 20)) {
			log_why(why, why_len,
				"--mem '%s': must be a non-zero multiple of 2M",
				arg);
			return -EINVAL;
		}
		return 0;
	case 'c':
		if (parse_uint(arg, CONFIG_MAX_CPUS, &cfg->cpus) ||
		    cfg->cpus == 0) {
			log_why(why, why_len,
				"--cpus '%s': must be a number from 1 to %d",
				arg, CONFIG_MAX_CPUS);
			return -EINVAL;
		}
		return 0;
	case OPT_GIC:
		if (strcmp(arg, "auto") == 0) {
			cfg->gic = CONFIG_GIC_AUTO;
		} else if (strcmp(arg, "v3") == 0) {
			cfg->gic = CONFIG_GIC_V3;
		} else if (strcmp(arg, "v2") == 0) {
			cfg->gic = CONFIG_GIC_V2;
		} else {
			log_why(why, why_len,
				"--gic '%s': must be auto, v3 or v2", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_LOG_LEVEL:
		if (log_parse_level(arg, &cfg->log_level)) {
			log_why(why, why_len,
				"--log-level '%s': must be error, warn, info "
				"or "
				"debug",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_DISK:
		if (cfg->ndisks == CONFIG_MAX_DISKS) {
			log_why(why, why_len, "--disk: at most %d disks",
				CONFIG_MAX_DISKS);
			return -EINVAL;
		}
		if (config_parse_disk(arg, &cfg->disks[cfg->ndisks], why,
				      why_len))
			return -EINVAL;
		cfg->ndisks++;
		return 0;
	case OPT_RNG:
		if (strcmp(arg, "on") && strcmp(arg, "off")) {
			log_why(why, why_len, "--rng '%s': must be on or off",
				arg);
			return -EINVAL;
		}
		cfg->rng = strcmp(arg, "on") == 0;
		return 0;
	case OPT_CONSOLE:
		if (strcmp(arg, "uart") && strcmp(arg, "virtio")) {
			log_why(why, why_len,
				"--console '%s': must be uart or virtio", arg);
			return -EINVAL;
		}
		cfg->console_virtio = strcmp(arg, "virtio") == 0;
		return 0;
	case OPT_SECCOMP:
		if (strcmp(arg, "kill") == 0) {
			cfg->seccomp = CONFIG_SECCOMP_KILL;
		} else if (strcmp(arg, "log") == 0) {
			cfg->seccomp = CONFIG_SECCOMP_LOG;
		} else if (strcmp(arg, "off") == 0) {
			cfg->seccomp = CONFIG_SECCOMP_OFF;
		} else {
			log_why(why, why_len,
				"--seccomp '%s': must be kill, log or off",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_USER: {
		const char *colon = strchr(arg, ':');
		char uid[16];

		if (!colon || (size_t)(colon - arg) >= sizeof(uid)) {
			log_why(why, why_len,
				"--user '%s': must be UID:GID (numbers)", arg);
			return -EINVAL;
		}
		memcpy(uid, arg, (size_t)(colon - arg));
		uid[colon - arg] = '\0';
		if (parse_uint(uid, UINT_MAX - 1, &cfg->uid) ||
		    parse_uint(colon + 1, UINT_MAX - 1, &cfg->gid)) {
			log_why(why, why_len,
				"--user '%s': must be UID:GID (numbers)", arg);
			return -EINVAL;
		}
		cfg->drop_user = 1;
		return 0;
	}
	case OPT_CHROOT:
		cfg->chroot_dir = arg;
		return 0;
	case OPT_TIMEOUT:
		if (parse_uint(arg, 31536000, &cfg->timeout_s) ||
		    cfg->timeout_s == 0) {
			log_why(why, why_len,
				"--timeout '%s': must be whole seconds, 1 to "
				"31536000",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_SERIAL_LOG:
		cfg->serial_log = arg;
		return 0;
	case OPT_EVENTS:
		cfg->events = arg;
		return 0;
	case OPT_STATS:
		cfg->stats = 1;
		return 0;
	case OPT_UART_FAST:
	case OPT_MEM_BACKEND:
	case OPT_MEM_PREFAULT:
		return parse_perf_option(cfg, opt, arg, why, why_len);
	case 'h':
		cfg->help = 1;
		return 0;
	case 'V':
		cfg->version = 1;
		return 0;
	}
	log_why(why, why_len, "unknown option '%s'", optname);
	return -EINVAL;
}

int config_parse_args(struct vm_config *cfg, int argc, char *const argv[],
		      char *why, size_t why_len)
{
	int opt, idx;

	/* getopt keeps state in globals: reset so tests can parse twice. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int prev = optind ? optind : 1;

		opt = getopt_long(argc, argv, "+:k:i:m:c:hV", long_options,
				  &idx);
		if (opt == -1)
			break;
		if (opt == '?') {
			log_why(why, why_len, "unknown option '%s'",
				argv[prev < argc ? prev : argc - 1]);
			return -EINVAL;
		}
		if (opt == ':') {
			log_why(why, why_len, "option '%s' needs a value",
				argv[prev < argc ? prev : argc - 1]);
			return -EINVAL;
		}
		if (parse_option(cfg, opt, optarg, argv[prev], why, why_len))
			return -EINVAL;
	}
	if (optind < argc) {
		log_why(why, why_len, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (cfg->help || cfg->version)
		return 0;
	if (!cfg->kernel) {
		log_why(why, why_len, "--kernel FILE is required");
		return -EINVAL;
	}
	return 0;
}

/* Whether the command line sets kernel parameter @key ("console="). */
static int cmdline_has(const char *cmdline, const char *key)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 &&
		    (key[klen - 1] == '=' || p[klen] == '\0' ||
		     p[klen] == ' ' || p[klen] == '='))
			return 1;
		p = strchr(p, ' ');
	}
	return 0;
}

char *config_kernel_cmdline(const struct vm_config *cfg, char *why,
			    size_t why_len)
{
	const char *user = cfg->cmdline ? cfg->cmdline : "";
	char *s;
	int n;

	/*
	 * The UART console logs from the first instruction (earlycon). The
	 * virtio console has no early form: its output is buffered until the
	 * driver loads, and the UART's earlycon would print it twice, so it
	 * is added only on request.
	 */
	if (cfg->console_virtio)
		n = asprintf(&s, "%s%s",
			     cmdline_has(user, "console=") ? ""
							   : "console=hvc0 ",
			     user);
	else
		n = asprintf(
			&s, "%s%s%s",
			cmdline_has(user, "console=") ? "" : "console=ttyS0 ",
			cmdline_has(user, "earlycon") ? "" : "earlycon ", user);
	if (n < 0) {
		log_why(why, why_len, "out of memory");
		return NULL;
	}
	/* Drop a trailing blank left when the user gave nothing. */
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	if (n >= CONFIG_CMDLINE_MAX) {
		log_why(why, why_len,
			"kernel command line is %d bytes; the arm64 kernel "
			"takes at most %d",
			n, CONFIG_CMDLINE_MAX - 1);
		free(s);
		return NULL;
	}
	return s;
}

/* clang-format off: the help text is laid out as it prints */
static const char usage_text[] =
	"Usage: vmm --kernel FILE [options]\n"
	"Boot an arm64 Linux kernel in a KVM microVM. The guest's console is "
	"this\n"
	"terminal: raw mode when stdin is a terminal (Ctrl-A x quits, Ctrl-A\n"
	"Ctrl-A sends Ctrl-A), plain bytes with pipes and files.\n"
	"\n"
	"Options:\n"
	"  -k, --kernel FILE     arm64 Linux Image, or Image.gz (gzip); "
	"required\n"
	"  -i, --initrd FILE     initial ramdisk\n"
	"      --cmdline STRING  kernel command line; the console's console= "
	"(and\n"
	"                        earlycon with the UART) are added unless it "
	"sets\n"
	"                        its own\n"
	"  -m, --mem SIZE        guest RAM, a multiple of 2M (K/M/G "
	"suffixes);\n"
	"                        default 512M\n"
	"  -c, --cpus N          vCPUs, 1 to 123 (8 with GICv2); default 1\n"
	"      --gic auto|v3|v2  interrupt controller; auto = v3, else v2\n"
	"      --disk PATH[,ro][,serial=ID]\n"
	"                        a virtio-blk disk (raw image file or block "
	"device,\n"
	"                        size a multiple of 512); repeat for vda, vdb, "
	"...;\n"
	"                        ro: the guest cannot write it\n"
	"      --console uart|virtio\n"
	"                        the guest console: the 16550 UART (ttyS0, "
	"with\n"
	"                        earlycon; default) or virtio-console (hvc0: "
	"whole\n"
	"                        buffers per exit; add 'earlycon' to --cmdline "
	"to\n"
	"                        see the boot before its driver loads)\n"
	"      --rng on|off      virtio-rng entropy device; default on\n"
	"      --seccomp kill|log|off\n"
	"                        per-thread system call filters: a refused "
	"call\n"
	"                        kills vmm (default), or is named before vmm\n"
	"                        exits 12 (log), or no filter at all (off)\n"
	"      --timeout SECONDS stop the VM after this long (exit 124)\n"
	"      --serial-log FILE also write the guest's console output to "
	"FILE\n"
	"      --events FILE     write lifecycle events to FILE, one JSON "
	"object\n"
	"                        per line (created, kernel_started, "
	"boot_complete,\n"
	"                        shutdown_requested, "
	"guest_poweroff/reboot/crash,\n"
	"                        timeout, exit)\n"
	"      --user UID:GID    drop to this user and group once set up\n"
	"      --chroot DIR      chroot to DIR once every file is open\n"
	"      --dump-dtb FILE   write the guest's device tree blob and exit\n"
	"      --log-level LVL   error, warn (default), info or debug\n"
	"      --stats           print exit and device counters at exit\n"
	"      --uart-fast on|off\n"
	"                        UART transmit without a VM exit per byte "
	"(KVM\n"
	"                        coalesced MMIO, read-only register page); "
	"default on\n"
	"      --mem-backend anon|memfd|hugetlbfs\n"
	"                        guest RAM: anonymous memory (default), a "
	"memfd,\n"
	"                        or hugetlbfs pages (exit 5 if too few are "
	"free);\n"
	"                        anon and memfd get transparent huge pages\n"
	"      --mem-prefault on|off\n"
	"                        touch all guest RAM before boot; default off\n"
	"  -h, --help            this text\n"
	"  -V, --version         print the version\n"
	"\n"
	"Exit status:\n"
	"    0  guest powered off\n"
	"    1  vmm internal error (a KVM call or the host failed)\n"
	"    2  usage error (bad option)\n"
	"    3  bad boot input: kernel/initrd missing, unreadable, invalid or "
	"too\n"
	"       big for --mem; a disk missing, unreadable, not a multiple of "
	"512\n"
	"       bytes, or given twice read-write\n"
	"    4  KVM unavailable (/dev/kvm missing, no access, or lacks a "
	"feature)\n"
	"    5  a host resource an option asks for is missing or busy (tap,\n"
	"       /dev/vhost-*, vsock CID in use, hugetlbfs pages)\n"
	"   10  guest rebooted (also a guest panic with panic=-1)\n"
	"   11  guest crashed (KVM reported a crash event)\n"
	"   12  --seccomp=log: vmm made a system call its filter refuses (a "
	"vmm\n"
	"       bug: please report it); with the default filter, SIGSYS (159)\n"
	"   13  stopped hard: the API's stop, or an API shutdown the guest "
	"did\n"
	"       not finish within the grace period\n"
	"  124  --timeout expired\n"
	"  129  SIGHUP, 130  SIGINT or Ctrl-A x, 143  SIGTERM\n";
/* clang-format on */

const char *config_usage(void)
{
	return usage_text;
}
