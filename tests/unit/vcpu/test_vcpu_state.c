// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/vcpu/vcpu_state.c: the line that says where a vCPU was
 * when a guest that did not end on its own was stopped.
 */
#include "vcpu/vcpu_state.h"

#include "unit.h"

START_TEST(names_pc_mode_and_exception_registers)
{
	const struct vcpu_state st = {
		.pc = 0xffff800008a1b2c4ULL,
		.pstate = 0x3c5, /* EL1h, DAIF masked */
		.lr = 0xffff800008a1b000ULL,
		.sp = 0xffff80000a003e60ULL,
		.esr = 0x96000045,
		.far = 0x200,
	};
	char buf[256];

	vcpu_state_format(3, &st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "vcpu 3 was at pc 0xffff800008a1b2c4 (EL1h), "
			      "lr 0xffff800008a1b000, sp 0xffff80000a003e60, "
			      "esr_el1 0x96000045, far_el1 0x200");
}
END_TEST

START_TEST(names_every_aarch64_mode)
{
	static const struct {
		uint64_t pstate;
		const char *name;
	} cases[] = {
		{ 0x0, "(EL0t)" },   { 0x4, "(EL1t)" }, { 0x5, "(EL1h)" },
		{ 0x3c5, "(EL1h)" }, { 0x9, "(EL2h)" }, { 0x10, "(AArch32)" },
		{ 0x2, "(mode?)" },
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcpu_state st = { .pstate = cases[i].pstate };

		vcpu_state_format(0, &st, buf, sizeof(buf));
		ck_assert_str_contains(buf, cases[i].name);
	}
}
END_TEST

START_TEST(kvm_reset_pattern_reads_unset)
{
	const struct vcpu_state st = {
		.pc = 0xffff800008000000ULL,
		.pstate = 0x3c5,
		.esr = 0x1de7ec7edbadc0deULL,
		.far = 0x1de7ec7edbadc0deULL,
	};
	char buf[256];

	vcpu_state_format(0, &st, buf, sizeof(buf));
	ck_assert_str_contains(buf, ", esr_el1 unset, far_el1 unset");
}
END_TEST

START_TEST(powered_off_has_no_registers)
{
	const struct vcpu_state st = { .powered_off = 1, .pc = 0x1234 };
	char buf[64];

	vcpu_state_format(1, &st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "vcpu 1 was powered off");
}
END_TEST

START_TEST(a_short_buffer_is_cut_and_terminated)
{
	const struct vcpu_state st = { .pc = 0xffff800008a1b2c4ULL };
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	vcpu_state_format(0, &st, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	ck_assert_str_eq(buf, "vcpu 0 was at p");
}
END_TEST

START_TEST(json_has_every_register_as_a_hex_string)
{
	const struct vcpu_state st = {
		.pc = 0xffff800008a1b2c4ULL,
		.pstate = 0x3c5,
		.lr = 0x10,
		.sp = 0x20,
		.esr = 0x96000045,
		.far = 0x1de7ec7edbadc0deULL,
	};
	char buf[256];
	int n = vcpu_state_json(2, &st, buf, sizeof(buf));

	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_str_eq(buf, "{\"vcpu\":2,\"pc\":\"0xffff800008a1b2c4\","
			      "\"mode\":\"EL1h\",\"lr\":\"0x10\","
			      "\"sp\":\"0x20\",\"esr_el1\":\"0x96000045\","
			      "\"far_el1\":null}");
}
END_TEST

START_TEST(json_of_a_powered_off_vcpu)
{
	const struct vcpu_state st = { .powered_off = 1 };
	char buf[64];

	vcpu_state_json(1, &st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"vcpu\":1,\"powered_off\":true}");
}
END_TEST

START_TEST(json_says_how_long_it_would_be)
{
	const struct vcpu_state st = { .pc = 1 };
	char full[256], small[8];
	int n = vcpu_state_json(0, &st, full, sizeof(full));

	ck_assert_int_eq(vcpu_state_json(0, &st, small, sizeof(small)), n);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

static Suite *vcpu_state_suite(void)
{
	Suite *s = suite_create("vcpu_state");
	TCase *tc = tcase_create("format");

	unit_add_tests(tc, names_pc_mode_and_exception_registers,
		       names_every_aarch64_mode, kvm_reset_pattern_reads_unset,
		       powered_off_has_no_registers,
		       a_short_buffer_is_cut_and_terminated,
		       json_has_every_register_as_a_hex_string,
		       json_of_a_powered_off_vcpu,
		       json_says_how_long_it_would_be);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(vcpu_state_suite());
}
