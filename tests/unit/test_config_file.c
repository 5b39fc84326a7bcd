// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/config_file.c: the JSON config file, its errors (key and
 * line), the command line overriding it, and config_to_json() round trips.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "unit.h"

static struct vm_config cfg;
static char why[512];

static int parse(const char *json)
{
	config_free(&cfg);
	config_init(&cfg);
	why[0] = '\0';
	return config_parse_json(&cfg, json, strlen(json), "vm.json", why,
				 sizeof(why));
}

/* The file is refused with a message that holds @line and @what. */
#define ck_refused(json, line, what)                                           \
	do {                                                                   \
		ck_assert_int_eq(parse(json), -EINVAL);                        \
		ck_assert_str_contains(why, line);                             \
		ck_assert_str_contains(why, what);                             \
	} while (0)

START_TEST(test_every_kind_of_value)
{
	ck_assert_int_eq(
		parse("{\n"
		      "  \"kernel\": \"Image\",\n"
		      "  \"initrd\": \"initrd.gz\",\n"
		      "  \"cmdline\": \"quiet\",\n"
		      "  \"mem\": \"256M\",\n"
		      "  \"cpus\": 2,\n"
		      "  \"gic\": \"v3\",\n"
		      "  \"disk\": [\"a.img\", \"b.img,ro,serial=B\"],\n"
		      "  \"rng\": false,\n"
		      "  \"console\": \"virtio\",\n"
		      "  \"seccomp\": \"log\",\n"
		      "  \"timeout\": 30,\n"
		      "  \"stats\": true,\n"
		      "  \"log-level\": \"info\"\n"
		      "}\n"),
		0);
	ck_assert_str_eq(cfg.kernel, "Image");
	ck_assert_str_eq(cfg.initrd, "initrd.gz");
	ck_assert_str_eq(cfg.cmdline, "quiet");
	ck_assert_uint_eq(cfg.mem_size, 256ULL << 20);
	ck_assert_uint_eq(cfg.cpus, 2);
	ck_assert_int_eq(cfg.gic, CONFIG_GIC_V3);
	ck_assert_uint_eq(cfg.ndisks, 2);
	ck_assert_str_eq(cfg.disks[1].path, "b.img");
	ck_assert_int_eq(cfg.disks[1].readonly, 1);
	ck_assert_str_eq(cfg.disks[1].serial, "B");
	ck_assert_int_eq(cfg.rng, 0);
	ck_assert_int_eq(cfg.console_virtio, 1);
	ck_assert_int_eq(cfg.seccomp, CONFIG_SECCOMP_LOG);
	ck_assert_uint_eq(cfg.timeout_s, 30);
	ck_assert_int_eq(cfg.stats, 1);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
}
END_TEST

START_TEST(test_one_disk_as_a_string)
{
	ck_assert_int_eq(parse("{\"disk\": \"only.img,ro\"}"), 0);
	ck_assert_uint_eq(cfg.ndisks, 1);
	ck_assert_int_eq(cfg.disks[0].readonly, 1);
}
END_TEST

START_TEST(test_unknown_key_names_key_and_line)
{
	ck_refused("{\n  \"kernel\": \"Image\",\n  \"cpu\": 2\n}\n",
		   "vm.json:3:", "unknown key 'cpu'");
}
END_TEST

START_TEST(test_wrong_types)
{
	ck_refused("{\n\"cpus\": [1]\n}", "vm.json:2:", "cpus");
	ck_refused("{\"kernel\": 5}",
		   "vm.json:1:", "kernel: must be a string, not a number");
	ck_refused("{\"kernel\": true}", ":1:", "kernel: must be a string");
	ck_refused("{\"stats\": \"yes\"}", ":1:",
		   "stats: must be true or "
		   "false");
	ck_refused("{\"kernel\": {\"path\": \"x\"}}", ":1:", "not an object");
	ck_refused("{\"kernel\": null}", ":1:", "must not be null");
	ck_refused("{\"disk\": [[\"a\"]]}", ":1:", "array inside an array");
	ck_refused("{\"disk\": [5]}", ":1:", "disk: must be a string");
}
END_TEST

START_TEST(test_out_of_range_names_key_and_line)
{
	ck_refused("{\n\n  \"cpus\": 0\n}",
		   "vm.json:3:", "cpus '0': must be a number from 1 to");
	ck_refused("{\"mem\": \"3M\"}", ":1:", "mem '3M': must be a non-zero");
	ck_refused("{\"cpus\": -1}", ":1:", "cpus '-1'");
	ck_refused("{\"cpus\": 1.5}", ":1:", "cpus '1.5'");
	ck_refused("{\"gic\": \"v4\"}", ":1:", "gic 'v4'");
	ck_refused("{\n\"disk\": [\"a.img\",\n \"b.img,rw\"]}",
		   "vm.json:3:", "disk 'b.img,rw': unknown option 'rw'");
}
END_TEST

START_TEST(test_syntax_errors_name_the_line)
{
	ck_refused("{\n  \"kernel\": \"Image\"\n  \"cpus\": 2\n}\n",
		   "vm.json:3:", "not valid JSON");
	ck_refused("{\n\"kernel\": \"Image\",\n",
		   "vm.json:2:", "not valid JSON");
	ck_refused("[\"kernel\"]", ":1:", "one JSON object");
	ck_refused("{} {}", ":1:", "not valid JSON");
	ck_assert_int_eq(parse(""), -EINVAL);
	ck_assert_str_contains(why, "empty");
}
END_TEST

START_TEST(test_duplicate_key)
{
	ck_refused("{\n\"cpus\": 1,\n\"cpus\": 2}",
		   "vm.json:3:", "'cpus' given twice (line 2 too)");
}
END_TEST

START_TEST(test_cli_only_keys_refused)
{
	ck_refused("{\"config\": \"other.json\"}", ":1:", "unknown key");
	ck_refused("{\"help\": true}", ":1:", "unknown key");
}
END_TEST

START_TEST(test_nul_in_string)
{
	static const char json[] = "{\"kernel\": \"a\\u0000b\"}";

	ck_refused(json, ":1:", "NUL");
}
END_TEST

/* Found by fuzz_config_file: the text is not NUL-terminated. */
START_TEST(test_text_is_not_a_c_string)
{
	static const char buf[] = { ' ', '\n', 'x' };

	config_init(&cfg);
	ck_assert_int_eq(
		config_parse_json(&cfg, buf, 2, "vm.json", why, sizeof(why)),
		-EINVAL);
	ck_assert_str_contains(why, "empty");
	ck_assert_int_eq(
		config_parse_json(&cfg, "{}x", 2, "vm.json", why, sizeof(why)),
		0);
}
END_TEST

/* The command line wins over the file, and its --disk list replaces. */
START_TEST(test_cli_overrides_file)
{
	char path[] = "/tmp/vmm-config-XXXXXX";
	static const char json[] =
		"{\"kernel\": \"FileImage\", \"cpus\": 4, \"mem\": \"128M\",\n"
		" \"disk\": [\"file1.img\", \"file2.img\"]}\n";
	char a[][32] = { "vmm", "--config", "",	      "--cpus",
			 "2",	"--disk",   "cli.img" };
	char *argv[] = { a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL };
	struct vm_config c;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	strcpy(a[2], path);
	ck_assert_int_eq(write(fd, json, sizeof(json) - 1), sizeof(json) - 1);
	close(fd);
	config_init(&c);
	ck_assert_int_eq(config_parse_args(&c, 7, argv, why, sizeof(why)), 0);
	unlink(path);
	ck_assert_str_eq(c.kernel, "FileImage");
	ck_assert_uint_eq(c.cpus, 2);
	ck_assert_uint_eq(c.mem_size, 128ULL << 20);
	ck_assert_uint_eq(c.ndisks, 1);
	ck_assert_str_eq(c.disks[0].path, "cli.img");
	config_free(&c);
}
END_TEST

START_TEST(test_missing_file)
{
	char a[][32] = { "vmm", "--config", "/nonexistent/vm.json" };
	char *argv[] = { a[0], a[1], a[2], NULL };
	struct vm_config c;

	config_init(&c);
	ck_assert_int_eq(config_parse_args(&c, 3, argv, why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_contains(why, "--config '/nonexistent/vm.json'");
	ck_assert_str_contains(why, "No such file");
	config_free(&c);
}
END_TEST

/* Every option a file may hold comes back out of config_to_json(). */
START_TEST(test_round_trip_every_option)
{
	char *json, *again;
	const char *key;

	ck_assert_int_eq(
		parse("{\"kernel\": \"Image\", \"initrd\": \"i\",\n"
		      "\"cmdline\": \"quiet x=\\\"y\\\"\",\n"
		      "\"mem\": 268435456, \"cpus\": 3,\n"
		      "\"gic\": \"v2\", \"log-level\": \"debug\",\n"
		      "\"disk\": [\"d.img,ro,serial=S1\"],\n"
		      "\"rng\": \"off\", \"console\": \"virtio\",\n"
		      "\"seccomp\": \"off\", \"user\": \"1000:100\",\n"
		      "\"chroot\": \"/jail\", \"timeout\": 9,\n"
		      "\"shutdown-grace\": 4, \"vsock\": \"cid=7\",\n"
		      "\"uart-fast\": false, \"mem-backend\": \"memfd\",\n"
		      "\"mem-prefault\": \"on\",\n"
		      "\"net\": [\"tap=tap0\", \"tap=tap1,vhost=on\"],\n"
		      "\"serial-log\": \"s.log\",\n"
		      "\"events\": \"e.json\",\n"
		      "\"api-socket\": \"a.sock\",\n"
		      "\"dump-dtb\": \"x.dtb\", \"stats\": true}"),
		0);
	json = config_to_json(&cfg);
	ck_assert_ptr_nonnull(json);
	for (size_t i = 0; (key = config_option_at(i)); i++) {
		char quoted[64];

		if (config_option_kind(key) < 0)
			continue; /* help, version, config */
		snprintf(quoted, sizeof(quoted), "\"%s\"", key);
		ck_assert_msg(strstr(json, quoted),
			      "config_to_json() lacks \"%s\": %s", key, json);
	}
	/* Parsed again, it gives the same config. */
	ck_assert_int_eq(parse(json), 0);
	again = config_to_json(&cfg);
	ck_assert_str_eq(again, json);
	free(json);
	free(again);
}
END_TEST

static void teardown(void)
{
	config_free(&cfg);
}

int main(void)
{
	Suite *s = suite_create("config_file");
	TCase *tc = tcase_create("config_file");

	tcase_add_checked_fixture(tc, NULL, teardown);
	unit_add_tests(tc, test_every_kind_of_value, test_one_disk_as_a_string,
		       test_unknown_key_names_key_and_line, test_wrong_types,
		       test_out_of_range_names_key_and_line,
		       test_syntax_errors_name_the_line, test_duplicate_key,
		       test_cli_only_keys_refused, test_nul_in_string,
		       test_cli_overrides_file, test_missing_file,
		       test_round_trip_every_option,
		       test_text_is_not_a_c_string);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
