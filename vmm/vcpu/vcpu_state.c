// SPDX-License-Identifier: GPL-2.0-only
#include "vcpu/vcpu_state.h"

#include <inttypes.h>
#include <stdio.h>

/* PSTATE.M[3:0] of AArch64 state, as the Arm ARM names the modes. */
static const char *mode_name(uint64_t pstate)
{
	static const char *const names[16] = {
		[0x0] = "EL0t", [0x4] = "EL1t", [0x5] = "EL1h", [0x8] = "EL2t",
		[0x9] = "EL2h", [0xc] = "EL3t", [0xd] = "EL3h",
	};

	if (pstate & 0x10) /* M[4]: AArch32 */
		return "AArch32";
	return names[pstate & 0xf] ? names[pstate & 0xf] : "mode?";
}

/*
 * KVM resets registers whose reset value is UNKNOWN to this pattern; ESR
 * and FAR keep it until the guest takes its first exception. No ESR has
 * bits above 36, and no address 0xe in bits 55:52, so it is never real.
 */
#define KVM_UNKNOWN_RESET 0x1de7ec7edbadc0deULL

/* @unset for KVM's pattern, else 0x@v in @buf, "quoted" if @quote. */
static const char *hex_or(uint64_t v, const char *unset, int quote, char *buf,
			  size_t size)
{
	if (v == KVM_UNKNOWN_RESET)
		return unset;
	snprintf(buf, size, quote ? "\"0x%" PRIx64 "\"" : "0x%" PRIx64, v);
	return buf;
}

void vcpu_state_format(unsigned int id, const struct vcpu_state *st, char *buf,
		       size_t size)
{
	char esr[24], far[24];

	if (st->powered_off) {
		snprintf(buf, size, "vcpu %u was powered off", id);
		return;
	}
	snprintf(buf, size,
		 "vcpu %u was at pc 0x%" PRIx64 " (%s), lr 0x%" PRIx64
		 ", sp 0x%" PRIx64 ", esr_el1 %s, far_el1 %s",
		 id, st->pc, mode_name(st->pstate), st->lr, st->sp,
		 hex_or(st->esr, "unset", 0, esr, sizeof(esr)),
		 hex_or(st->far, "unset", 0, far, sizeof(far)));
}

int vcpu_state_json(unsigned int id, const struct vcpu_state *st, char *buf,
		    size_t size)
{
	char esr[24], far[24];

	if (st->powered_off)
		return snprintf(buf, size, "{\"vcpu\":%u,\"powered_off\":true}",
				id);
	return snprintf(buf, size,
			"{\"vcpu\":%u,\"pc\":\"0x%" PRIx64 "\",\"mode\":\"%s\","
			"\"lr\":\"0x%" PRIx64 "\",\"sp\":\"0x%" PRIx64 "\","
			"\"esr_el1\":%s,\"far_el1\":%s}",
			id, st->pc, mode_name(st->pstate), st->lr, st->sp,
			hex_or(st->esr, "null", 1, esr, sizeof(esr)),
			hex_or(st->far, "null", 1, far, sizeof(far)));
}
