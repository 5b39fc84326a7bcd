/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's configuration: parsed and validated from the command line into
 * struct vm_config, which is all vm_run() needs. Parsing is pure (no I/O,
 * no exit), so every option is unit-tested.
 */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define VMM_VERSION "0.1.0"

#define CONFIG_DEFAULT_MEM  (512ULL << 20)
#define CONFIG_DEFAULT_CPUS 1
#define CONFIG_MAX_CPUS	    123 /* GICv3 redistributors below the UART */
/* arm64 COMMAND_LINE_SIZE, terminating NUL included. */
#define CONFIG_CMDLINE_MAX 2048

/*
 * SIGTERM presses the guest's power button and waits this long for it to
 * power off. 10 s, as `docker stop` waits (runit's sv 7 s; systemd's 90 s
 * is sized for whole distributions): a busybox guest needs a second or
 * two, and one that ignores the button is not kept for long.
 */
#define CONFIG_DEFAULT_SHUTDOWN_GRACE 10
#define CONFIG_MAX_SHUTDOWN_GRACE     3600

enum config_gic {
	CONFIG_GIC_AUTO = 0, /* v3, else v2 */
	CONFIG_GIC_V2 = 2,
	CONFIG_GIC_V3 = 3,
};

#define CONFIG_MAX_DISKS  16
#define CONFIG_SERIAL_MAX 20 /* virtio-blk's ID is 20 bytes */

struct disk_config {
	char *path; /* owned: parsed out of the --disk value */
	int readonly;
	char serial[CONFIG_SERIAL_MAX + 1];
};

#define CONFIG_MAX_NETS	  8
#define CONFIG_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

struct net_config {
	char tap[CONFIG_IFNAME_MAX + 1]; /* tap device: opened or created */
	uint8_t mac[6]; /* given, or generated stably (config_net_mac) */
	int mac_given;
	int vhost; /* vhost=on: the kernel's vhost-net when available */
};

enum config_seccomp {
	CONFIG_SECCOMP_KILL = 0, /* the values of enum sandbox_mode */
	CONFIG_SECCOMP_LOG,
	CONFIG_SECCOMP_OFF,
};

enum config_mem_backend {
	CONFIG_MEM_ANON = 0,
	CONFIG_MEM_MEMFD,
	CONFIG_MEM_HUGETLBFS,
};

struct vm_config {
	const char *kernel;   /* required */
	const char *initrd;   /* NULL: none */
	const char *cmdline;  /* the user's, NULL: none */
	const char *dump_dtb; /* write the DTB here and exit */
	uint64_t mem_size;
	unsigned int cpus;
	enum config_gic gic;
	enum log_level log_level;
	struct disk_config disks[CONFIG_MAX_DISKS]; /* vda, vdb, ... */
	unsigned int ndisks;
	struct net_config nets[CONFIG_MAX_NETS]; /* eth0, eth1, ... */
	unsigned int nnets;
	int rng;		     /* virtio-rng, on by default */
	int console_virtio;	     /* --console virtio: hvc0 is the console */
	uint64_t vsock_cid;	     /* --vsock cid=N; 0: no vsock device */
	enum config_seccomp seccomp; /* default: kill */
	const char *chroot_dir;	     /* --chroot: after set-up */
	const char *serial_log;	     /* --serial-log: tee the console */
	const char *events;	     /* --events: lifecycle JSON lines */
	const char *api_socket;	     /* --api-socket: the control API */
	unsigned int timeout_s;	     /* --timeout: 0 = none */
	int drop_user;		     /* --user given */
	unsigned int uid, gid;
	const char *config_file; /* --config: read before the CLI */
	char **owned;		 /* strings read from the config file */
	unsigned int nowned;
	int stats;     /* print counters at exit */
	int uart_fast; /* --uart-fast: coalesced THR + register page */
	enum config_mem_backend mem_backend; /* --mem-backend */
	int mem_prefault;		     /* --mem-prefault */
	int help;
	int version;
	unsigned int shutdown_grace_s; /* --shutdown-grace: 0 = no button */
};

void config_init(struct vm_config *cfg);
/* config_free() - release what config_parse_args() allocated. */
void config_free(struct vm_config *cfg);

/*
 * config_parse_disk() - "PATH[,ro][,serial=ID]" into @d (the path is
 * copied). Returns 0 or -EINVAL with the reason in @why.
 */
int config_parse_disk(const char *arg, struct disk_config *d, char *why,
		      size_t why_len);

/*
 * config_parse_vsock() - "cid=N" (N from 3 to 2^32 - 2, decimal) into
 * @cid. Returns 0 or -EINVAL with the reason in @why.
 */
int config_parse_vsock(const char *arg, uint64_t *cid, char *why,
		       size_t why_len);

/*
 * config_parse_net() - "tap=NAME[,mac=MAC][,vhost=on|off]" into @n, NIC
 * number @index. Without mac= the MAC is generated from the tap name and
 * @index (config_net_mac()). Returns 0 or -EINVAL with the reason in @why.
 */
int config_parse_net(const char *arg, unsigned int index, struct net_config *n,
		     char *why, size_t why_len);

/*
 * config_parse_mac() - "aa:bb:cc:dd:ee:ff" (hex, either case, exactly six
 * two-digit groups) into @mac. Refuses a multicast or all-zero address.
 * Returns 0 or -EINVAL.
 */
int config_parse_mac(const char *s, uint8_t mac[6]);

/*
 * config_net_mac() - the MAC of NIC @index on tap @tap when none is given:
 * locally administered, unicast, and the same for the same command line.
 */
void config_net_mac(const char *tap, unsigned int index, uint8_t mac[6]);

/*
 * config_parse_args() - fill @cfg from argv (argv[0] is the program). The
 * strings in @cfg point into argv. Returns 0, or -EINVAL with a one-line
 * reason in @why; --help and --version only set their flags.
 */
int config_parse_args(struct vm_config *cfg, int argc, char *const argv[],
		      char *why, size_t why_len);

/*
 * config_parse_size() - "512M", "1G", "65536", "4k", "2GiB": bytes with
 * an optional K/M/G/T suffix (powers of 1024, any case, optional "B" or
 * "iB"). Returns 0 or -EINVAL (also on overflow).
 */
int config_parse_size(const char *s, uint64_t *out);

/*
 * config_kernel_cmdline() - the command line the guest gets: "console=ttyS0"
 * and "earlycon" unless the user set a console= or earlycon of their own,
 * then the user's. Returns a malloc'd string, or NULL with the reason in
 * @why (too long for the kernel, or out of memory).
 */
char *config_kernel_cmdline(const struct vm_config *cfg, char *why,
			    size_t why_len);

/*
 * config_set() - apply option @key (its long name, "mem") with @value, as
 * if given on the command line; @name starts any error message. @value
 * must outlive @cfg (see config_own()). Returns 0 or -EINVAL with @why.
 */
int config_set(struct vm_config *cfg, const char *key, const char *value,
	       const char *name, char *why, size_t why_len);

enum config_kind {
	CONFIG_KIND_VALUE, /* one value: "mem": "512M" */
	CONFIG_KIND_FLAG,  /* no value on the CLI: "stats": true */
	CONFIG_KIND_LIST,  /* repeatable: "disk": ["a.img", "b.img,ro"] */
};

/*
 * config_option_kind() - the enum config_kind of option @key in a config
 * file, or -ENOENT if it is not an option a file may hold.
 */
int config_option_kind(const char *key);
/* config_option_repeatable() - whether option @key may be given again. */
int config_option_repeatable(const char *key);
/* config_option_at() - the long name of the @i-th option, NULL past the end. */
const char *config_option_at(size_t i);

/* config_own() - a copy of @s that @cfg frees; NULL when out of memory. */
char *config_own(struct vm_config *cfg, const char *s, size_t len);

/*
 * config_parse_json() - apply the JSON config file text @text (@len bytes)
 * to @cfg. @file names it in errors, which look like "FILE:LINE: ...".
 * Pure: no I/O. Returns 0 or -EINVAL with @why.
 */
int config_parse_json(struct vm_config *cfg, const char *text, size_t len,
		      const char *file, char *why, size_t why_len);

/* config_load_file() - read @path and config_parse_json() it. */
int config_load_file(struct vm_config *cfg, const char *path, char *why,
		     size_t why_len);

/*
 * config_to_json() - @cfg as a config file (the same schema), for the
 * control API and for round trips. Returns a malloc'd NUL-terminated
 * string, or NULL when out of memory.
 */
char *config_to_json(const struct vm_config *cfg);

/* config_usage() - the --help text. */
const char *config_usage(void);

#endif
