// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen-seccomp - compile vmm's seccomp filters when vmm is built, so vmm
 * itself only installs them (as Firecracker does with its filters).
 * Building them at run time took libseccomp milliseconds of work and a
 * helper thread on every start (docs/results.md).
 *
 *   gen-seccomp ARCH OUT.c
 *
 * ARCH is libseccomp's name of the architecture vmm is built for
 * ("aarch64"; "native" for the unit tests' build). OUT.c gets, for each
 * mode with a filter (kill, log) and each thread kind, the BPF program of
 * vmm/sandbox_rules.c's rules, and the table sandbox.c installs from
 * (sandbox_filters.h).
 *
 * The ioctl commands are this build machine's values. OUT.c asserts each
 * against the target's headers, so a cross build whose target numbers a
 * command differently fails to compile instead of refusing the call at
 * run time. Exits 0, or 1 with a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>
#include <seccomp.h>

#include "sandbox_rules.h"

/* Each mode and kind: its name in the arrays, and its enumerator. */
static const struct {
	const char *name, *enumerator;
} modes[] = {
	[SANDBOX_KILL] = { "kill", "SANDBOX_KILL" },
	[SANDBOX_LOG] = { "log", "SANDBOX_LOG" },
}, kinds[] = {
	[SANDBOX_VCPU] = { "vcpu", "SANDBOX_VCPU" },
	[SANDBOX_MAIN] = { "main", "SANDBOX_MAIN" },
	[SANDBOX_API] = { "api", "SANDBOX_API" },
};

static int fail(const char *what, int err)
{
	fprintf(stderr, "gen-seccomp: %s: %s\n", what, strerror(err));
	return -1;
}

static int add_syscalls(scmp_filter_ctx ctx, uint32_t arch,
			const struct sandbox_rules *r)
{
	for (size_t i = 0; i < r->nsyscalls; i++) {
		const char *name = r->syscalls[i];
		int nr, ret;

		/* Not a system call on the target: nothing to allow. */
		if (seccomp_syscall_resolve_name_arch(arch, name) ==
		    __NR_SCMP_ERROR)
			continue;
		/* libseccomp takes the build machine's number and
		 * translates it for the target by name. */
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			fprintf(stderr,
				"gen-seccomp: %s: not a system call on the "
				"build machine; build on the target instead\n",
				name);
			return -1;
		}
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (ret)
			return fail(name, -ret);
	}
	return 0;
}

static int add_ioctls(scmp_filter_ctx ctx, const struct sandbox_rules *r)
{
	for (size_t i = 0; i < r->nioctls; i++) {
		/* The kernel takes the command as 32 bits: compare those. */
		struct scmp_arg_cmp cmd = {
			.arg = 1,
			.op = SCMP_CMP_MASKED_EQ,
			.datum_a = 0xffffffffULL,
			.datum_b = r->ioctls[i].cmd & 0xffffffffULL,
		};
		int ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
						 SCMP_SYS(ioctl), 1, &cmd);

		if (ret)
			return fail(r->ioctls[i].name, -ret);
	}
	return 0;
}

/* The program for @mode and @kind on @arch, as BPF in @tmp (rewound). */
static int build(FILE *tmp, uint32_t arch, enum sandbox_mode mode,
		 enum sandbox_thread kind)
{
	scmp_filter_ctx ctx;
	int ret = -1;

	ctx = seccomp_init(mode == SANDBOX_LOG ? SCMP_ACT_TRAP
					       : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return fail("seccomp_init", ENOMEM);
	if (arch != seccomp_arch_native()) {
		int err = seccomp_arch_add(ctx, arch);

		if (!err)
			err = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (err) {
			fail("seccomp_arch_add", -err);
			goto out;
		}
	}
	if (add_syscalls(ctx, arch, &sandbox_common_rules) ||
	    add_syscalls(ctx, arch, &sandbox_kind_rules[kind]) ||
	    add_ioctls(ctx, &sandbox_kind_rules[kind]))
		goto out;
	if (ftruncate(fileno(tmp), 0) || fseek(tmp, 0, SEEK_SET)) {
		fail("temporary file", errno);
		goto out;
	}
	ret = seccomp_export_bpf(ctx, fileno(tmp));
	if (ret)
		fail("seccomp_export_bpf", -ret);
	else
		rewind(tmp);
out:
	seccomp_release(ctx);
	return ret ? -1 : 0;
}

/* One program as a C array; returns its length in instructions or -1. */
static long emit_program(FILE *out, FILE *tmp, enum sandbox_mode mode,
			 enum sandbox_thread kind)
{
	struct sock_filter insn;
	long n = 0;

	fprintf(out, "static const struct sock_filter %s_%s[] = {\n",
		modes[mode].name, kinds[kind].name);
	while (fread(&insn, sizeof(insn), 1, tmp) == 1) {
		fprintf(out, "\t{ 0x%04x, %u, %u, 0x%08x },\n",
			(unsigned int)insn.code, (unsigned int)insn.jt,
			(unsigned int)insn.jf, (unsigned int)insn.k);
		n++;
	}
	fprintf(out, "};\n\n");
	if (ferror(tmp) || n == 0 || n > BPF_MAXINSNS) {
		fprintf(stderr, "gen-seccomp: %s %s filter: %ld instructions\n",
			modes[mode].name, kinds[kind].name, n);
		return -1;
	}
	return n;
}

/* Each ioctl command once, checked against the target's headers. */
static void emit_checks(FILE *out)
{
	const struct sandbox_ioctl *seen[64];
	size_t nseen = 0;

	for (int k = 0; k <= SANDBOX_API; k++) {
		const struct sandbox_rules *r = &sandbox_kind_rules[k];

		for (size_t i = 0; i < r->nioctls; i++) {
			const struct sandbox_ioctl *c = &r->ioctls[i];
			size_t j = 0;

			while (j < nseen && strcmp(seen[j]->name, c->name))
				j++;
			if (j < nseen)
				continue;
			if (nseen < sizeof(seen) / sizeof(seen[0]))
				seen[nseen++] = c;
			fprintf(out,
				"_Static_assert(%s == 0x%lxUL, \"%s differs "
				"on this architecture: build vmm on it\");\n",
				c->name, c->cmd, c->name);
		}
	}
	fprintf(out, "\n");
}

int main(int argc, char **argv)
{
	long len[SANDBOX_LOG + 1][SANDBOX_API + 1];
	char *part;
	uint32_t arch;
	FILE *out, *tmp;
	int ok = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: gen-seccomp ARCH OUT.c\n");
		return 1;
	}
	arch = strcmp(argv[1], "native") == 0
		       ? seccomp_arch_native()
		       : seccomp_arch_resolve_name(argv[1]);
	if (arch == 0) {
		fprintf(stderr, "gen-seccomp: %s: unknown architecture\n",
			argv[1]);
		return 1;
	}
	/* The filters are for the target's kernel, not this one: assume
	 * SECCOMP_RET_KILL_PROCESS (Linux 4.14), which vmm's filters have
	 * always used, whatever this machine's kernel offers. */
	if (seccomp_api_get() < 3 && seccomp_api_set(3)) {
		fprintf(stderr, "gen-seccomp: libseccomp API level 3\n");
		return 1;
	}
	if (asprintf(&part, "%s.part", argv[2]) < 0)
		return 1;
	tmp = tmpfile();
	out = fopen(part, "w");
	if (!tmp || !out) {
		fprintf(stderr, "gen-seccomp: %s: %s\n", tmp ? part : "tmpfile",
			strerror(errno));
		return 1;
	}
	fprintf(out,
		"/* Generated by scripts/gen-seccomp.c for %s from "
		"vmm/sandbox_rules.c: do not edit. */\n"
		"#include <linux/filter.h>\n\n"
		"#include \"sandbox_filters.h\"\n"
		"#include \"sandbox_rules.h\"\n\n",
		argv[1]);
	emit_checks(out);
	for (int m = SANDBOX_KILL; m <= SANDBOX_LOG && ok; m++) {
		for (int k = 0; k <= SANDBOX_API && ok; k++) {
			ok = build(tmp, arch, (enum sandbox_mode)m,
				   (enum sandbox_thread)k) == 0;
			if (ok)
				len[m][k] = emit_program(
					out, tmp, (enum sandbox_mode)m,
					(enum sandbox_thread)k);
			ok = ok && len[m][k] > 0;
		}
	}
	if (ok) {
		fprintf(out, "const struct sandbox_filter "
			     "sandbox_filters[SANDBOX_LOG + 1][SANDBOX_API + "
			     "1] = {\n");
		for (int m = SANDBOX_KILL; m <= SANDBOX_LOG; m++)
			for (int k = 0; k <= SANDBOX_API; k++)
				fprintf(out, "\t[%s][%s] = { %s_%s, %ld },\n",
					modes[m].enumerator,
					kinds[k].enumerator, modes[m].name,
					kinds[k].name, len[m][k]);
		fprintf(out, "};\n");
	}
	ok = ok && !ferror(out);
	if (fclose(out) || !ok || rename(part, argv[2])) {
		if (ok)
			fprintf(stderr, "gen-seccomp: %s: %s\n", argv[2],
				strerror(errno));
		unlink(part);
		return 1;
	}
	return 0;
}
