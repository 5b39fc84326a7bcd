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
	int rng;		     /* virtio-rng, on by default */
	int console_virtio;	     /* --console virtio: hvc0 is the console */
	enum config_seccomp seccomp; /* default: kill */
	const char *chroot_dir;	     /* --chroot: after set-up */
	const char *serial_log;	     /* --serial-log: tee the console */
	const char *events;	     /* --events: lifecycle JSON lines */
	unsigned int timeout_s;	     /* --timeout: 0 = none */
	int drop_user;		     /* --user given */
	unsigned int uid, gid;
	int stats;     /* print counters at exit */
	int uart_fast; /* --uart-fast: coalesced THR + register page */
	enum config_mem_backend mem_backend; /* --mem-backend */
	int mem_prefault;		     /* --mem-prefault */
	int help;
	int version;
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

/* config_usage() - the --help text. */
const char *config_usage(void);

#endif
