// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/config.c: option parsing, sizes, the kernel command line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "unit.h"

#define MAX_ARGS 48

/*
 * The last parse: config_parse_args() keeps pointers into argv, so argv
 * lives here (writable copies, as main() would get them).
 */
static struct {
	char store[MAX_ARGS][64];
	char *argv[MAX_ARGS + 1];
	char why[256];
	struct vm_config cfg;
} p;

static int parse_args(const char *const *args)
{
	int argc;

	memset(&p, 0, sizeof(p));
	config_init(&p.cfg);
	for (argc = 0; args[argc]; argc++) {
		ck_assert_int_lt(argc, MAX_ARGS);
		snprintf(p.store[argc], sizeof(p.store[0]), "%s", args[argc]);
		p.argv[argc] = p.store[argc];
	}
	return config_parse_args(&p.cfg, argc, p.argv, p.why, sizeof(p.why));
}

/* PARSE("--kernel", "Image", ...): parse "vmm" + the arguments. */
#define PARSE(...) parse_args((const char *const[]){ "vmm", __VA_ARGS__, NULL })

/* The parse fails with -EINVAL and a reason that names @what. */
#define ck_assert_rejected(ret, what)                                          \
	do {                                                                   \
		ck_assert_int_eq((ret), -EINVAL);                              \
		ck_assert_str_contains(p.why, (what));                         \
	} while (0)

static uint64_t size_of(const char *s)
{
	uint64_t v = 0xdeadbeef;

	ck_assert_msg(config_parse_size(s, &v) == 0, "\"%s\" rejected", s);
	return v;
}

static void assert_bad_size(const char *s)
{
	uint64_t v;

	ck_assert_msg(config_parse_size(s, &v) == -EINVAL,
		      "\"%s\" accepted as a size", s);
}

/* --- config_parse_size ---------------------------------------------------- */

START_TEST(size_suffixes_are_powers_of_1024)
{
	ck_assert_uint_eq(size_of("4k"), 4096);
	ck_assert_uint_eq(size_of("4K"), 4096);
	ck_assert_uint_eq(size_of("512M"), 512ULL << 20);
	ck_assert_uint_eq(size_of("512m"), 512ULL << 20);
	ck_assert_uint_eq(size_of("1G"), 1ULL << 30);
	ck_assert_uint_eq(size_of("2T"), 2ULL << 40);
}
END_TEST

START_TEST(size_takes_b_and_ib_after_suffix)
{
	ck_assert_uint_eq(size_of("2GiB"), 2ULL << 30);
	ck_assert_uint_eq(size_of("2gib"), 2ULL << 30);
	ck_assert_uint_eq(size_of("512MB"), 512ULL << 20);
}
END_TEST

START_TEST(size_without_suffix_is_bytes)
{
	ck_assert_uint_eq(size_of("1048576"), 1048576);
	ck_assert_uint_eq(size_of("0"), 0);
	ck_assert_uint_eq(size_of("18446744073709551615"), UINT64_MAX);
}
END_TEST

START_TEST(size_rejects_hex)
{
	assert_bad_size("0x10");
}
END_TEST

START_TEST(size_rejects_empty)
{
	assert_bad_size("");
}
END_TEST

START_TEST(size_rejects_unknown_suffix)
{
	assert_bad_size("12Q");
	assert_bad_size("12MiBs");
	assert_bad_size("M");
	assert_bad_size("1 G");
}
END_TEST

START_TEST(size_rejects_overflow)
{
	assert_bad_size("99999999999T");
	assert_bad_size("16777216T"); /* exactly 2^64 */
	assert_bad_size("18446744073709551616");
	ck_assert_uint_eq(size_of("16777215T"), 16777215ULL << 40);
}
END_TEST

START_TEST(size_rejects_negative)
{
	assert_bad_size("-1");
	assert_bad_size("-512M");
	assert_bad_size("+1M");
}
END_TEST

/* --- config_parse_args ---------------------------------------------------- */

START_TEST(defaults)
{
	ck_assert_int_eq(PARSE("--kernel", "Image"), 0);
	ck_assert_str_eq(p.cfg.kernel, "Image");
	ck_assert_uint_eq(p.cfg.mem_size, 512ULL << 20);
	ck_assert_uint_eq(p.cfg.cpus, 1);
	ck_assert_int_eq(p.cfg.gic, CONFIG_GIC_AUTO);
	ck_assert_int_eq(p.cfg.log_level, LOG_WARN);
	ck_assert_ptr_null(p.cfg.initrd);
	ck_assert_ptr_null(p.cfg.cmdline);
	ck_assert_ptr_null(p.cfg.dump_dtb);
	ck_assert_int_eq(p.cfg.stats, 0);
}
END_TEST

START_TEST(every_option_is_stored)
{
	ck_assert_int_eq(PARSE("-k", "Image", "-i", "initrd.cpio", "--cmdline",
			       "quiet", "-m", "1G", "-c", "4", "--gic", "v2",
			       "--dump-dtb", "out.dtb", "--log-level=debug",
			       "--stats"),
			 0);
	ck_assert_str_eq(p.cfg.kernel, "Image");
	ck_assert_str_eq(p.cfg.initrd, "initrd.cpio");
	ck_assert_str_eq(p.cfg.cmdline, "quiet");
	ck_assert_uint_eq(p.cfg.mem_size, 1ULL << 30);
	ck_assert_uint_eq(p.cfg.cpus, 4);
	ck_assert_int_eq(p.cfg.gic, CONFIG_GIC_V2);
	ck_assert_str_eq(p.cfg.dump_dtb, "out.dtb");
	ck_assert_int_eq(p.cfg.log_level, LOG_DEBUG);
	ck_assert_int_eq(p.cfg.stats, 1);
}
END_TEST

START_TEST(mem_must_be_nonzero_multiple_of_2m)
{
	ck_assert_int_eq(PARSE("--kernel", "I", "--mem", "2M"), 0);
	ck_assert_uint_eq(p.cfg.mem_size, 2ULL << 20);
	ck_assert_int_eq(PARSE("--kernel", "I", "--mem=6G"), 0);
	ck_assert_uint_eq(p.cfg.mem_size, 6ULL << 30);
	ck_assert_rejected(PARSE("--kernel", "I", "--mem", "0"), "--mem");
	ck_assert_rejected(PARSE("--kernel", "I", "--mem", "3M"), "--mem");
	ck_assert_rejected(PARSE("--kernel", "I", "--mem", "1025K"), "--mem");
}
END_TEST

START_TEST(mem_rejects_non_size)
{
	ck_assert_rejected(PARSE("--kernel", "I", "--mem", "lots"), "--mem");
	ck_assert_str_contains(p.why, "lots");
}
END_TEST

START_TEST(cpus_from_1_to_max)
{
	ck_assert_int_eq(PARSE("--kernel", "I", "--cpus", "1"), 0);
	ck_assert_uint_eq(p.cfg.cpus, 1);
	ck_assert_int_eq(PARSE("--kernel", "I", "--cpus", "123"), 0);
	ck_assert_uint_eq(p.cfg.cpus, 123);
	ck_assert_rejected(PARSE("--kernel", "I", "--cpus", "0"), "--cpus");
	ck_assert_rejected(PARSE("--kernel", "I", "--cpus", "124"), "--cpus");
	ck_assert_rejected(PARSE("--kernel", "I", "--cpus", "abc"), "--cpus");
	ck_assert_rejected(PARSE("--kernel", "I", "--cpus", "-1"), "--cpus");
	ck_assert_rejected(PARSE("--kernel", "I", "--cpus", "2x"), "--cpus");
}
END_TEST

START_TEST(gic_values)
{
	ck_assert_int_eq(PARSE("--kernel", "I", "--gic", "v3"), 0);
	ck_assert_int_eq(p.cfg.gic, CONFIG_GIC_V3);
	ck_assert_int_eq(PARSE("--kernel", "I", "--gic", "v2"), 0);
	ck_assert_int_eq(p.cfg.gic, CONFIG_GIC_V2);
	ck_assert_int_eq(PARSE("--kernel", "I", "--gic", "v2", "--gic", "auto"),
			 0);
	ck_assert_int_eq(p.cfg.gic, CONFIG_GIC_AUTO);
	ck_assert_rejected(PARSE("--kernel", "I", "--gic", "v4"), "--gic");
	ck_assert_rejected(PARSE("--kernel", "I", "--gic", "V3"), "--gic");
}
END_TEST

START_TEST(log_level_values)
{
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = {
		{ "error", LOG_ERROR },
		{ "warn", LOG_WARN },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (unsigned int i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		ck_assert_int_eq(
			PARSE("--kernel", "I", "--log-level", levels[i].name),
			0);
		ck_assert_int_eq(p.cfg.log_level, levels[i].level);
	}
	ck_assert_rejected(PARSE("--kernel", "I", "--log-level", "verbose"),
			   "--log-level");
}
END_TEST

START_TEST(unknown_option_is_named)
{
	ck_assert_rejected(PARSE("--kernel", "I", "--frobnicate"),
			   "--frobnicate");
	ck_assert_rejected(PARSE("-z", "--kernel", "I"), "-z");
}
END_TEST

START_TEST(missing_value_is_named)
{
	ck_assert_rejected(PARSE("--kernel"), "--kernel");
	ck_assert_rejected(PARSE("--kernel", "I", "--mem"), "--mem");
	ck_assert_rejected(PARSE("--kernel", "I", "-c"), "-c");
}
END_TEST

START_TEST(positional_argument_rejected)
{
	ck_assert_rejected(PARSE("--kernel", "I", "extra"), "extra");
	ck_assert_rejected(PARSE("Image"), "Image");
}
END_TEST

START_TEST(kernel_is_required)
{
	ck_assert_rejected(PARSE("--mem", "1G"), "--kernel");
	ck_assert_rejected(parse_args((const char *const[]){ "vmm", NULL }),
			   "--kernel");
}
END_TEST

START_TEST(help_and_version_need_no_kernel)
{
	ck_assert_int_eq(PARSE("--help"), 0);
	ck_assert_int_eq(p.cfg.help, 1);
	ck_assert_int_eq(PARSE("-V"), 0);
	ck_assert_int_eq(p.cfg.version, 1);
	ck_assert_int_eq(p.cfg.help, 0);
}
END_TEST

START_TEST(parses_again_in_one_process)
{
	/* A failure part-way must not leave getopt's state to the next call. */
	ck_assert_rejected(PARSE("--cpus", "2", "--bogus", "--kernel", "I"),
			   "--bogus");
	ck_assert_int_eq(PARSE("--cpus", "3", "--kernel", "J"), 0);
	ck_assert_uint_eq(p.cfg.cpus, 3);
	ck_assert_str_eq(p.cfg.kernel, "J");
	ck_assert_int_eq(PARSE("--cpus", "3", "--kernel", "J"), 0);
	ck_assert_uint_eq(p.cfg.cpus, 3);
	ck_assert_rejected(PARSE("--kernel", "I", "--cpus", "0"), "--cpus");
}
END_TEST

/* --- config_kernel_cmdline ------------------------------------------------ */

/* The guest's command line for a user's @user (NULL: none); must succeed. */
static char *cmdline_for(const char *user, char *why, size_t why_len)
{
	struct vm_config cfg;

	config_init(&cfg);
	cfg.kernel = "Image";
	cfg.cmdline = user;
	why[0] = '\0';
	return config_kernel_cmdline(&cfg, why, why_len);
}

static void assert_cmdline(const char *user, const char *want)
{
	char why[256];
	char *s = cmdline_for(user, why, sizeof(why));

	ck_assert_msg(s != NULL, "cmdline for \"%s\" failed: %s", user, why);
	ck_assert_str_eq(s, want);
	free(s);
}

START_TEST(cmdline_default_console)
{
	assert_cmdline(NULL, "console=ttyS0 earlycon");
	assert_cmdline("", "console=ttyS0 earlycon");
}
END_TEST

START_TEST(cmdline_keeps_user_text)
{
	assert_cmdline("root=/dev/vda rw  init=/bin/sh",
		       "console=ttyS0 earlycon root=/dev/vda rw  init=/bin/sh");
}
END_TEST

START_TEST(cmdline_user_console_wins)
{
	assert_cmdline("console=hvc0", "earlycon console=hvc0");
	assert_cmdline("quiet console=ttyAMA0,115200",
		       "earlycon quiet console=ttyAMA0,115200");
}
END_TEST

START_TEST(cmdline_user_earlycon_wins)
{
	assert_cmdline("earlycon", "console=ttyS0 earlycon");
	assert_cmdline("earlycon=uart8250,mmio,0x9000000",
		       "console=ttyS0 earlycon=uart8250,mmio,0x9000000");
	assert_cmdline("console=ttyS0 earlycon quiet",
		       "console=ttyS0 earlycon quiet");
}
END_TEST

START_TEST(cmdline_lookalikes_are_not_console)
{
	/* netconsole=, earlyprintk, earlycontrol= (for init) are other keys. */
	assert_cmdline("netconsole=@/,@10.0.0.1/ earlyprintk earlycontrol=1",
		       "console=ttyS0 earlycon netconsole=@/,@10.0.0.1/ "
		       "earlyprintk earlycontrol=1");
}
END_TEST

/* A user line of @len bytes that already sets console= and earlycon. */
static char *user_line(size_t len)
{
	static const char head[] = "console=hvc0 earlycon ";
	char *s = malloc(len + 1);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_ge(len, sizeof(head) - 1);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', len - (sizeof(head) - 1));
	s[len] = '\0';
	return s;
}

START_TEST(cmdline_longest_accepted)
{
	char *user = user_line(CONFIG_CMDLINE_MAX - 1);

	assert_cmdline(user, user);
	free(user);
}
END_TEST

START_TEST(cmdline_too_long_rejected)
{
	char *user = user_line(CONFIG_CMDLINE_MAX);
	char why[256];

	ck_assert_ptr_null(cmdline_for(user, why, sizeof(why)));
	ck_assert_str_contains(why, "command line");
	free(user);

	/* Too long only once console=ttyS0 and earlycon are added. */
	user = malloc(CONFIG_CMDLINE_MAX - 10);
	ck_assert_ptr_nonnull(user);
	memset(user, 'a', CONFIG_CMDLINE_MAX - 11);
	user[CONFIG_CMDLINE_MAX - 11] = '\0';
	ck_assert_ptr_null(cmdline_for(user, why, sizeof(why)));
	ck_assert_str_contains(why, "command line");
	free(user);
}
END_TEST

START_TEST(disk_options_are_parsed)
{
	ck_assert_int_eq(PARSE("--kernel", "Image", "--disk", "a.img", "--disk",
			       "b.img,ro,serial=data-1"),
			 0);
	ck_assert_uint_eq(p.cfg.ndisks, 2);
	ck_assert_str_eq(p.cfg.disks[0].path, "a.img");
	ck_assert_int_eq(p.cfg.disks[0].readonly, 0);
	ck_assert_str_eq(p.cfg.disks[0].serial, "");
	ck_assert_str_eq(p.cfg.disks[1].path, "b.img");
	ck_assert_int_eq(p.cfg.disks[1].readonly, 1);
	ck_assert_str_eq(p.cfg.disks[1].serial, "data-1");
	config_free(&p.cfg);
	ck_assert_uint_eq(p.cfg.ndisks, 0);
}
END_TEST

START_TEST(disk_bad_values_are_named)
{
	ck_assert_rejected(PARSE("--kernel", "I", "--disk", "a.img,rw"),
			   "unknown option 'rw'");
	config_free(&p.cfg);
	ck_assert_rejected(PARSE("--kernel", "I", "--disk", ",ro"),
			   "needs a file name");
	config_free(&p.cfg);
	ck_assert_rejected(PARSE("--kernel", "I", "--disk", ""),
			   "needs a file name");
	config_free(&p.cfg);
	ck_assert_rejected(PARSE("--kernel", "I", "--disk",
				 "a.img,serial=123456789012345678901"),
			   "serial must be 1 to 20");
	config_free(&p.cfg);
	ck_assert_rejected(PARSE("--kernel", "I", "--disk", "a.img,serial=a b"),
			   "printable");
	config_free(&p.cfg);
}
END_TEST

START_TEST(disk_count_is_bounded)
{
	const char *args[2 * CONFIG_MAX_DISKS + 6] = { "vmm", "--kernel", "I" };
	int n = 3;

	for (int i = 0; i <= CONFIG_MAX_DISKS; i++) {
		args[n++] = "--disk";
		args[n++] = "x.img";
	}
	args[n] = NULL;
	ck_assert_rejected(parse_args(args), "at most 16 disks");
	config_free(&p.cfg);
}
END_TEST

START_TEST(device_and_confinement_options)
{
	ck_assert_int_eq(PARSE("--kernel", "I", "--console", "virtio", "--rng",
			       "off", "--seccomp", "log", "--user", "1000:100",
			       "--chroot", "/var/empty"),
			 0);
	ck_assert_int_eq(p.cfg.console_virtio, 1);
	ck_assert_int_eq(p.cfg.rng, 0);
	ck_assert_int_eq(p.cfg.seccomp, CONFIG_SECCOMP_LOG);
	ck_assert_int_eq(p.cfg.drop_user, 1);
	ck_assert_uint_eq(p.cfg.uid, 1000);
	ck_assert_uint_eq(p.cfg.gid, 100);
	ck_assert_str_eq(p.cfg.chroot_dir, "/var/empty");
	/* Defaults: UART console, rng on, filters that kill, no jail. */
	ck_assert_int_eq(PARSE("--kernel", "I"), 0);
	ck_assert_int_eq(p.cfg.console_virtio, 0);
	ck_assert_int_eq(p.cfg.rng, 1);
	ck_assert_int_eq(p.cfg.seccomp, CONFIG_SECCOMP_KILL);
	ck_assert_int_eq(p.cfg.drop_user, 0);
}
END_TEST

START_TEST(device_and_confinement_bad_values)
{
	ck_assert_rejected(PARSE("--kernel", "I", "--console", "serial"),
			   "--console 'serial'");
	ck_assert_rejected(PARSE("--kernel", "I", "--rng", "yes"),
			   "--rng 'yes'");
	ck_assert_rejected(PARSE("--kernel", "I", "--seccomp", "strict"),
			   "--seccomp 'strict'");
	ck_assert_rejected(PARSE("--kernel", "I", "--user", "nobody"),
			   "--user 'nobody'");
	ck_assert_rejected(PARSE("--kernel", "I", "--user", "1000"), "UID:GID");
	ck_assert_rejected(PARSE("--kernel", "I", "--user", ":5"), "UID:GID");
	ck_assert_rejected(PARSE("--kernel", "I", "--user", "5:x"), "UID:GID");
}
END_TEST

START_TEST(shutdown_grace_values)
{
	ck_assert_int_eq(PARSE("--kernel", "I"), 0);
	ck_assert_uint_eq(p.cfg.shutdown_grace_s,
			  CONFIG_DEFAULT_SHUTDOWN_GRACE);
	ck_assert_int_eq(PARSE("--kernel", "I", "--shutdown-grace", "0"), 0);
	ck_assert_uint_eq(p.cfg.shutdown_grace_s, 0);
	ck_assert_int_eq(PARSE("--kernel", "I", "--shutdown-grace", "3600"), 0);
	ck_assert_uint_eq(p.cfg.shutdown_grace_s, 3600);
	ck_assert_rejected(PARSE("--kernel", "I", "--shutdown-grace", "3601"),
			   "--shutdown-grace '3601'");
	ck_assert_rejected(PARSE("--kernel", "I", "--shutdown-grace", "-1"),
			   "--shutdown-grace '-1'");
	ck_assert_rejected(PARSE("--kernel", "I", "--shutdown-grace", "2s"),
			   "whole seconds");
	ck_assert_rejected(PARSE("--kernel", "I", "--shutdown-grace", ""),
			   "--shutdown-grace ''");
}
END_TEST

START_TEST(vsock_cid_is_parsed)
{
	uint64_t cid = 0;

	ck_assert_int_eq(PARSE("--kernel", "I"), 0);
	ck_assert_uint_eq(p.cfg.vsock_cid, 0); /* none by default */
	ck_assert_int_eq(PARSE("--kernel", "I", "--vsock", "cid=3"), 0);
	ck_assert_uint_eq(p.cfg.vsock_cid, 3);
	ck_assert_int_eq(config_parse_vsock("cid=4294967294", &cid, p.why,
					    sizeof(p.why)),
			 0);
	ck_assert_uint_eq(cid, 4294967294ULL);
}
END_TEST

START_TEST(vsock_bad_values_are_named)
{
	static const char *const bad[] = {
		"cid=0",
		"cid=1",
		"cid=2",
		"cid=4294967295",
		"cid=99999999999999999999",
		"cid=",
		"cid=-3",
		"cid=3x",
		"cid= 3",
		"cid=0x10",
		"3",
		"port=3",
		"",
		"CID=3",
		"cid=3,",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(PARSE("--kernel", "I", "--vsock", bad[i]) ==
				      -EINVAL,
			      "--vsock '%s' accepted", bad[i]);
		ck_assert_str_contains(p.why, "--vsock '");
		ck_assert_str_contains(p.why, bad[i]);
	}
	ck_assert_rejected(PARSE("--kernel", "I", "--vsock", "cid=2"),
			   "0-2 are reserved");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--vsock", "cid=3", "--vsock", "cid=4"),
		"only one vsock");
}
END_TEST

START_TEST(virtio_console_cmdline)
{
	char *cmd;

	ck_assert_int_eq(PARSE("--kernel", "I", "--console", "virtio",
			       "--cmdline", "quiet"),
			 0);
	cmd = config_kernel_cmdline(&p.cfg, p.why, sizeof(p.why));
	ck_assert_str_eq(cmd, "console=hvc0 quiet");
	free(cmd);
}
END_TEST

START_TEST(net_options_are_parsed)
{
	static const uint8_t given[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	uint8_t again[6];

	ck_assert_int_eq(PARSE("--kernel", "I", "--net",
			       "tap=tap0,mac=52:54:00:AB:cd:ef,vhost=on",
			       "--net", "tap=tap1"),
			 0);
	ck_assert_uint_eq(p.cfg.nnets, 2);
	ck_assert_str_eq(p.cfg.nets[0].tap, "tap0");
	ck_assert(memcmp(p.cfg.nets[0].mac, given, 6) == 0);
	ck_assert_int_eq(p.cfg.nets[0].vhost, 1);
	ck_assert_str_eq(p.cfg.nets[1].tap, "tap1");
	ck_assert_int_eq(p.cfg.nets[1].vhost, 0);
	ck_assert_int_eq(p.cfg.nets[1].mac_given, 0);
	/* Generated: locally administered unicast, stable, per name. */
	ck_assert_uint_eq(p.cfg.nets[1].mac[0] & 3, 2);
	config_net_mac("tap1", 1, again);
	ck_assert(memcmp(p.cfg.nets[1].mac, again, 6) == 0);
	config_net_mac("tap2", 1, again);
	ck_assert(memcmp(p.cfg.nets[1].mac, again, 6) != 0);
	config_net_mac("tap1", 0, again);
	ck_assert(memcmp(p.cfg.nets[1].mac, again, 6) != 0);
}
END_TEST

START_TEST(net_bad_values_are_named)
{
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "mac=52:54:00:01:02:03"),
		"needs tap=NAME");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=t,mac=52:54:00:12:34"),
		"mac '52:54:00:12:34' is not a unicast MAC");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=t,mac=53:54:00:12:34:56"),
		"not a unicast MAC");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=t,mac=00:00:00:00:00:00"),
		"not a unicast MAC");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=t,mac=52-54-00-12-34-56"),
		"not a unicast MAC");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=t,mac=52:54:00:12:34:5g"),
		"not a unicast MAC");
	ck_assert_rejected(PARSE("--kernel", "I", "--net", "tap="),
			   "tap name must be 1 to 15");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=a234567890123456"),
		"tap name must be 1 to 15");
	ck_assert_rejected(PARSE("--kernel", "I", "--net", "tap=tap%d"),
			   "tap name");
	ck_assert_rejected(PARSE("--kernel", "I", "--net", "tap=a/b"),
			   "tap name");
	ck_assert_rejected(PARSE("--kernel", "I", "--net", "tap=t,vhost=yes"),
			   "unknown option 'vhost=yes'");
	ck_assert_rejected(
		PARSE("--kernel", "I", "--net", "tap=t", "--net", "tap=t"),
		"given twice");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	unit_add_tests(
		tc, net_options_are_parsed, net_bad_values_are_named,
		device_and_confinement_options,
		device_and_confinement_bad_values, virtio_console_cmdline,
		shutdown_grace_values, disk_options_are_parsed,
		disk_bad_values_are_named, disk_count_is_bounded,
		size_suffixes_are_powers_of_1024, vsock_cid_is_parsed,
		vsock_bad_values_are_named, disk_options_are_parsed,
		disk_bad_values_are_named, disk_count_is_bounded,
		size_suffixes_are_powers_of_1024,
		size_takes_b_and_ib_after_suffix, size_without_suffix_is_bytes,
		size_rejects_hex, size_rejects_empty,
		size_rejects_unknown_suffix, size_rejects_overflow,
		size_rejects_negative, defaults, every_option_is_stored,
		mem_must_be_nonzero_multiple_of_2m, mem_rejects_non_size,
		cpus_from_1_to_max, gic_values, log_level_values,
		unknown_option_is_named, missing_value_is_named,
		positional_argument_rejected, kernel_is_required,
		help_and_version_need_no_kernel, parses_again_in_one_process,
		cmdline_default_console, cmdline_keeps_user_text,
		cmdline_user_console_wins, cmdline_user_earlycon_wins,
		cmdline_lookalikes_are_not_console, cmdline_longest_accepted,
		cmdline_too_long_rejected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(config_suite());
}
