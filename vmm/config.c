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
	cfg->shutdown_grace_s = CONFIG_DEFAULT_SHUTDOWN_GRACE;
	cfg->uart_fast = 1;
}

void config_free(struct vm_config *cfg)
{
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		free(cfg->disks[i].path);
	cfg->ndisks = 0;
	for (unsigned int i = 0; i < cfg->nowned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	cfg->owned = NULL;
	cfg->nowned = 0;
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

static int parse_disk(const char *arg, const char *name, struct disk_config *d,
		      char *why, size_t why_len)
{
	char *copy = strdup(arg), *opt, *save = NULL;

	memset(d, 0, sizeof(*d));
	if (!copy) {
		log_why(why, why_len, "out of memory");
		return -EINVAL;
	}
	d->path = strdup(strtok_r(copy, ",", &save) ?: "");
	if (!d->path || !*d->path || *arg == ',') {
		log_why(why, why_len, "%s '%s': needs a file name", name, arg);
		goto err;
	}
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (strcmp(opt, "ro") == 0) {
			d->readonly = 1;
		} else if (strncmp(opt, "serial=", 7) == 0) {
			const char *id = opt + 7;

			if (!*id || strlen(id) > CONFIG_SERIAL_MAX) {
				log_why(why, why_len,
					"%s '%s': serial must be 1 to %d "
					"characters",
					name, arg, CONFIG_SERIAL_MAX);
				goto err;
			}
			for (const char *c = id; *c; c++) {
				if (*c < 0x21 || *c > 0x7e) {
					log_why(why, why_len,
						"%s '%s': serial must be "
						"printable ASCII without "
						"spaces",
						name, arg);
					goto err;
				}
			}
			strcpy(d->serial, id);
		} else {
			log_why(why, why_len,
				"%s '%s': unknown option '%s' (ro, "
				"serial=ID)",
				name, arg, opt);
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

int config_parse_disk(const char *arg, struct disk_config *d, char *why,
		      size_t why_len)
{
	return parse_disk(arg, "--disk", d, why, why_len);
}

int config_parse_vsock(const char *arg, uint64_t *cid, char *why,
		       size_t why_len)
{
	unsigned long long v;
	char *end;

	if (strncmp(arg, "cid=", 4) || arg[4] < '0' || arg[4] > '9') {
		log_why(why, why_len, "--vsock '%s': must be cid=N", arg);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(arg + 4, &end, 10);
	/* 0, 1, 2: hypervisor, local, host; 2^32 - 1: VMADDR_CID_ANY. */
	if (errno || *end || v < 3 || v > 0xfffffffeULL) {
		log_why(why, why_len,
			"--vsock '%s': the CID must be a number from 3 to "
			"4294967294 (0-2 are reserved)",
			arg);
		return -EINVAL;
	}
	*cid = v;
	return 0;
}

int config_parse_mac(const char *s, uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *hi = strchr(hex, tolower((unsigned char)s[3 * i]));
		const char *lo =
			strchr(hex, tolower((unsigned char)s[3 * i + 1]));

		if (!s[3 * i] || !s[3 * i + 1] || !hi || !lo ||
		    (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)((hi - hex) << 4 | (lo - hex));
	}
	if (mac[0] & 1)
		return -EINVAL; /* multicast: no NIC may have it */
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

void config_net_mac(const char *tap, unsigned int index, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bits */

	for (const char *c = tap; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	h = (h ^ index) * 0x100000001b3ULL;
	/* 52:54:xx: QEMU's habit, locally administered and unicast. */
	mac[0] = 0x52;
	mac[1] = 0x54;
	for (int i = 2; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
}

/* A name the kernel takes as is: no '%' (a template), '/', ':', blanks. */
static int valid_ifname(const char *name)
{
	if (!*name || strlen(name) > CONFIG_IFNAME_MAX ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (const char *c = name; *c; c++) {
		if (*c <= 0x20 || *c >= 0x7f || *c == '/' || *c == ':' ||
		    *c == '%')
			return 0;
	}
	return 1;
}

int config_parse_net(const char *arg, unsigned int index, struct net_config *n,
		     char *why, size_t why_len)
{
	char *copy = strdup(arg), *opt, *save = NULL;
	int have_tap = 0;

	memset(n, 0, sizeof(*n));
	if (!copy) {
		log_why(why, why_len, "out of memory");
		return -EINVAL;
	}
	for (opt = strtok_r(copy, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		if (strncmp(opt, "tap=", 4) == 0) {
			if (!valid_ifname(opt + 4)) {
				log_why(why, why_len,
					"--net '%s': tap name must be 1 to %d "
					"characters, without blanks, '/', ':' "
					"or '%%'",
					arg, CONFIG_IFNAME_MAX);
				goto err;
			}
			strcpy(n->tap, opt + 4);
			have_tap = 1;
		} else if (strncmp(opt, "mac=", 4) == 0) {
			if (config_parse_mac(opt + 4, n->mac)) {
				log_why(why, why_len,
					"--net '%s': mac '%s' is not a unicast "
					"MAC like 52:54:00:12:34:56",
					arg, opt + 4);
				goto err;
			}
			n->mac_given = 1;
		} else if (strcmp(opt, "vhost=on") == 0 ||
			   strcmp(opt, "vhost=off") == 0) {
			n->vhost = strcmp(opt, "vhost=on") == 0;
		} else {
			log_why(why, why_len,
				"--net '%s': unknown option '%s' (tap=NAME, "
				"mac=MAC, vhost=on|off)",
				arg, opt);
			goto err;
		}
	}
	if (!have_tap) {
		log_why(why, why_len, "--net '%s': needs tap=NAME", arg);
		goto err;
	}
	if (!n->mac_given)
		config_net_mac(n->tap, index, n->mac);
	free(copy);
	return 0;
err:
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
	OPT_CONFIG,
	OPT_API_SOCKET,
	OPT_SHUTDOWN_GRACE,
	OPT_VSOCK,
	OPT_NET,
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
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
	{ "shutdown-grace", required_argument, NULL, OPT_SHUTDOWN_GRACE },
	{ "vsock", required_argument, NULL, OPT_VSOCK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "uart-fast", required_argument, NULL, OPT_UART_FAST },
	{ "mem-backend", required_argument, NULL, OPT_MEM_BACKEND },
	{ "mem-prefault", required_argument, NULL, OPT_MEM_PREFAULT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* option_index() - where option @opt is in long_options. */
static int option_index(int opt)
{
	int i;

	for (i = 0; long_options[i].name; i++)
		if (long_options[i].val == opt)
			break;
	return i;
}

int config_option_repeatable(const char *key)
{
	static const char *const lists[] = { "disk", "net" };

	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++)
		if (strcmp(key, lists[i]) == 0)
			return 1;
	return 0;
}

/* clear_option() - forget a repeatable option's values so far. */
static void clear_option(struct vm_config *cfg, int opt)
{
	if (opt == OPT_DISK) {
		for (unsigned int i = 0; i < cfg->ndisks; i++)
			free(cfg->disks[i].path);
		cfg->ndisks = 0;
	}
	if (opt == OPT_NET)
		cfg->nnets = 0;
}

static int parse_shutdown_grace(struct vm_config *cfg, const char *arg,
				const char *name, char *why, size_t why_len)
{
	if (parse_uint(arg, CONFIG_MAX_SHUTDOWN_GRACE,
		       &cfg->shutdown_grace_s)) {
		log_why(why, why_len, "%s '%s': must be whole seconds, 0 to %d",
			name, arg, CONFIG_MAX_SHUTDOWN_GRACE);
		return -EINVAL;
	}
	return 0;
}

/* --uart-fast, --mem-backend, --mem-prefault. */
static int parse_perf_option(struct vm_config *cfg, int opt, const char *arg,
			     const char *name, char *why, size_t why_len)
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
				"%s '%s': must be anon, memfd or hugetlbfs",
				name, arg);
			return -EINVAL;
		}
		return 0;
	case OPT_UART_FAST:
	case OPT_MEM_PREFAULT:
		if (!on && strcmp(arg, "off")) {
			log_why(why, why_len, "%s '%s': must be on or off",
				name, arg);
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

/*
 * parse_option() - apply option @opt with value @arg. @name is how the
 * user wrote its key ("--mem" on the command line, "mem" in a file) and
 * starts every error message.
 */
static int parse_option(struct vm_config *cfg, int opt, const char *arg,
			const char *name, char *why, size_t why_len)
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
				"%s '%s': not a size (e.g. 512M, 2G)", name,
				arg);
			return -EINVAL;
		}
		if (cfg->mem_size == 0 || cfg->mem_size % (2ULL << 20)) {
			log_why(why, why_len,
				"%s '%s': must be a non-zero multiple of 2M",
				name, arg);
			return -EINVAL;
		}
		return 0;
	case 'c':
		if (parse_uint(arg, CONFIG_MAX_CPUS, &cfg->cpus) ||
		    cfg->cpus == 0) {
			log_why(why, why_len,
				"%s '%s': must be a number from 1 to %d", name,
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
			log_why(why, why_len, "%s '%s': must be auto, v3 or v2",
				name, arg);
			return -EINVAL;
		}
		return 0;
	case OPT_LOG_LEVEL:
		if (log_parse_level(arg, &cfg->log_level)) {
			log_why(why, why_len,
				"%s '%s': must be error, warn, info "
				"or "
				"debug",
				name, arg);
			return -EINVAL;
		}
		return 0;
	case OPT_DISK:
		if (cfg->ndisks == CONFIG_MAX_DISKS) {
			log_why(why, why_len, "%s: at most %d disks", name,
				CONFIG_MAX_DISKS);
			return -EINVAL;
		}
		if (parse_disk(arg, name, &cfg->disks[cfg->ndisks], why,
			       why_len))
			return -EINVAL;
		cfg->ndisks++;
		return 0;
	case OPT_NET:
		if (cfg->nnets == CONFIG_MAX_NETS) {
			log_why(why, why_len, "--net: at most %d NICs",
				CONFIG_MAX_NETS);
			return -EINVAL;
		}
		if (config_parse_net(arg, cfg->nnets, &cfg->nets[cfg->nnets],
				     why, why_len))
			return -EINVAL;
		for (unsigned int i = 0; i < cfg->nnets; i++) {
			if (strcmp(cfg->nets[i].tap,
				   cfg->nets[cfg->nnets].tap) == 0) {
				log_why(why, why_len,
					"--net '%s': tap '%s' is given twice",
					arg, cfg->nets[i].tap);
				return -EINVAL;
			}
		}
		cfg->nnets++;
		return 0;
	case OPT_RNG:
		if (strcmp(arg, "on") && strcmp(arg, "off")) {
			log_why(why, why_len, "%s '%s': must be on or off",
				name, arg);
			return -EINVAL;
		}
		cfg->rng = strcmp(arg, "on") == 0;
		return 0;
	case OPT_CONSOLE:
		if (strcmp(arg, "uart") && strcmp(arg, "virtio")) {
			log_why(why, why_len, "%s '%s': must be uart or virtio",
				name, arg);
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
				"%s '%s': must be kill, log or off", name, arg);
			return -EINVAL;
		}
		return 0;
	case OPT_USER: {
		const char *colon = strchr(arg, ':');
		char uid[16];

		if (!colon || (size_t)(colon - arg) >= sizeof(uid)) {
			log_why(why, why_len,
				"%s '%s': must be UID:GID (numbers)", name,
				arg);
			return -EINVAL;
		}
		memcpy(uid, arg, (size_t)(colon - arg));
		uid[colon - arg] = '\0';
		if (parse_uint(uid, UINT_MAX - 1, &cfg->uid) ||
		    parse_uint(colon + 1, UINT_MAX - 1, &cfg->gid)) {
			log_why(why, why_len,
				"%s '%s': must be UID:GID (numbers)", name,
				arg);
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
				"%s '%s': must be whole seconds, 1 to "
				"31536000",
				name, arg);
			return -EINVAL;
		}
		return 0;
	case OPT_SERIAL_LOG:
		cfg->serial_log = arg;
		return 0;
	case OPT_EVENTS:
		cfg->events = arg;
		return 0;
	case OPT_API_SOCKET:
		if (!*arg) {
			log_why(why, why_len, "%s: needs a path", name);
			return -EINVAL;
		}
		cfg->api_socket = arg;
		return 0;
	case OPT_SHUTDOWN_GRACE:
		return parse_shutdown_grace(cfg, arg, name, why, why_len);
	case OPT_VSOCK:
		if (cfg->vsock_cid) {
			log_why(why, why_len, "--vsock: only one vsock device");
			return -EINVAL;
		}
		return config_parse_vsock(arg, &cfg->vsock_cid, why, why_len);
	case OPT_STATS:
		/* "stats": false in a config file */
		cfg->stats = !(arg && strcmp(arg, "false") == 0);
		return 0;
	case OPT_UART_FAST:
	case OPT_MEM_BACKEND:
	case OPT_MEM_PREFAULT:
		return parse_perf_option(cfg, opt, arg, name, why, why_len);
	case 'h':
		cfg->help = 1;
		return 0;
	case 'V':
		cfg->version = 1;
		return 0;
	}
	log_why(why, why_len, "unknown option '%s'", name);
	return -EINVAL;
}

/*
 * One getopt pass over argv. The first pass (@config_pass) only takes
 * --config, so the file is read before the rest of the command line,
 * which overrides it.
 */
static int parse_argv(struct vm_config *cfg, int argc, char *const argv[],
		      int config_pass, char *why, size_t why_len)
{
	uint64_t replaced = 0;
	char name[40];
	int opt, idx;

	/* getopt keeps state in globals: reset so tests can parse twice. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int prev = optind ? optind : 1;
		int oi;

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
		if (config_pass != (opt == OPT_CONFIG))
			continue;
		if (opt == OPT_CONFIG) {
			cfg->config_file = optarg;
			continue;
		}
		oi = option_index(opt);
		snprintf(name, sizeof(name), "--%s", long_options[oi].name);
		if (config_option_repeatable(long_options[oi].name) &&
		    !(replaced & (1ULL << oi))) {
			/* The command line's list replaces the file's. */
			clear_option(cfg, opt);
			replaced |= 1ULL << oi;
		}
		if (parse_option(cfg, opt, optarg, name, why, why_len))
			return -EINVAL;
	}
	if (optind < argc) {
		log_why(why, why_len, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int config_parse_args(struct vm_config *cfg, int argc, char *const argv[],
		      char *why, size_t why_len)
{
	if (parse_argv(cfg, argc, argv, 1, why, why_len))
		return -EINVAL;
	if (cfg->config_file &&
	    config_load_file(cfg, cfg->config_file, why, why_len))
		return -EINVAL;
	if (parse_argv(cfg, argc, argv, 0, why, why_len))
		return -EINVAL;
	if (cfg->help || cfg->version)
		return 0;
	if (!cfg->kernel) {
		log_why(why, why_len,
			"--kernel FILE is required (or \"kernel\" in "
			"--config)");
		return -EINVAL;
	}
	return 0;
}

int config_set(struct vm_config *cfg, const char *key, const char *value,
	       const char *name, char *why, size_t why_len)
{
	for (size_t i = 0; long_options[i].name; i++) {
		if (strcmp(long_options[i].name, key))
			continue;
		return parse_option(cfg, long_options[i].val, value, name, why,
				    why_len);
	}
	log_why(why, why_len, "unknown option '%s'", name);
	return -EINVAL;
}

int config_option_kind(const char *key)
{
	static const char *const not_in_file[] = { "config", "help",
						   "version" };

	for (size_t i = 0; i < sizeof(not_in_file) / sizeof(*not_in_file); i++)
		if (strcmp(key, not_in_file[i]) == 0)
			return -ENOENT;
	for (size_t i = 0; long_options[i].name; i++) {
		if (strcmp(long_options[i].name, key))
			continue;
		if (long_options[i].has_arg == no_argument)
			return CONFIG_KIND_FLAG;
		return config_option_repeatable(key) ? CONFIG_KIND_LIST
						     : CONFIG_KIND_VALUE;
	}
	return -ENOENT;
}

const char *config_option_at(size_t i)
{
	for (size_t n = 0; long_options[n].name; n++)
		if (n == i)
			return long_options[n].name;
	return NULL;
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

/* The help text is laid out as it prints. */
/* clang-format off */
static const char usage_text[] =
	"Usage: vmm --kernel FILE [options]\n"
	"       vmm ctl SOCKET COMMAND   (drive a running vmm; vmm ctl "
	"--help)\n"
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
	"      --net tap=NAME[,mac=MAC][,vhost=on|off]\n"
	"                        a virtio-net NIC on tap device NAME (opened "
	"if it\n"
	"                        exists, else created: needs CAP_NET_ADMIN); "
	"repeat\n"
	"                        for eth0, eth1, ...; the MAC is derived from "
	"NAME\n"
	"                        unless given; vhost=on: the kernel's "
	"vhost-net\n"
	"                        when /dev/vhost-net works (default off)\n"
	"      --console uart|virtio\n"
	"                        the guest console: the 16550 UART (ttyS0, "
	"with\n"
	"                        earlycon; default) or virtio-console (hvc0: "
	"whole\n"
	"                        buffers per exit; add 'earlycon' to --cmdline "
	"to\n"
	"                        see the boot before its driver loads)\n"
	"      --rng on|off      virtio-rng entropy device; default on\n"
	"      --vsock cid=N     virtio-vsock with guest CID N (3 to "
	"4294967294),\n"
	"                        backed by the host's /dev/vhost-vsock\n"
	"      --seccomp kill|log|off\n"
	"                        per-thread system call filters: a refused "
	"call\n"
	"                        kills vmm (default), or is named before vmm\n"
	"                        exits 12 (log), or no filter at all (off)\n"
	"      --timeout SECONDS stop the VM after this long (exit 124)\n"
	"      --shutdown-grace SECONDS\n"
	"                        SIGTERM presses the guest's power button "
	"and\n"
	"                        waits this long for it to power off (exit "
	"0)\n"
	"                        before stopping it hard (exit 143); 0: stop "
	"at\n"
	"                        once. Default 10. A second SIGTERM stops at "
	"once.\n"
	"                        Events: shutdown_requested, then "
	"guest_poweroff\n"
	"                        (exit 0) or shutdown_forced (exit 143)\n"
	"      --serial-log FILE also write the guest's console output to "
	"FILE\n"
	"      --events FILE     write lifecycle events to FILE, one JSON "
	"object\n"
	"                        per line (created, kernel_started, "
	"boot_complete,\n"
	"                        shutdown_requested, shutdown_forced,\n"
	"                        guest_poweroff/reboot/crash, paused, "
	"resumed,\n"
	"                        timeout, exit)\n"
	"      --config FILE     read options from a JSON file: keys are the "
	"long\n"
	"                        option names, values what the option takes "
	"(see\n"
	"                        the README); options given here override it\n"
	"      --api-socket PATH serve the control API (HTTP + JSON) on this "
	"Unix\n"
	"                        socket, mode 0600; see 'vmm ctl --help'\n"
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
	"  129  SIGHUP, 130  SIGINT or Ctrl-A x, 143  SIGTERM (the guest did "
	"not\n"
	"       power off within --shutdown-grace of the power button)\n";
/* clang-format on */

const char *config_usage(void)
{
	return usage_text;
}
