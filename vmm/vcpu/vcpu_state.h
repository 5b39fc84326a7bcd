/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a vCPU was when the VM was stopped for not ending on its own
 * (--timeout, or a guest that ignored the power button): the registers a
 * person needs to find the code the guest was stuck in, as one log line.
 */
#ifndef VMM_VCPU_VCPU_STATE_H
#define VMM_VCPU_VCPU_STATE_H

#include <stddef.h>
#include <stdint.h>

struct vcpu_state {
	int powered_off; /* PSCI CPU_OFF, or never started: no registers */
	uint64_t pc;
	uint64_t pstate;
	uint64_t lr;  /* x30 */
	uint64_t sp;  /* the stack pointer PSTATE selects */
	uint64_t esr; /* ESR_EL1 and FAR_EL1: the guest's last exception */
	uint64_t far;
};

/*
 * vcpu_state_format() - "vcpu ID was at pc 0x... (EL1h), lr 0x..., sp 0x...,
 * esr_el1 0x..., far_el1 0x..." or "vcpu ID was powered off" into @buf.
 */
void vcpu_state_format(unsigned int id, const struct vcpu_state *st, char *buf,
		       size_t size);

/*
 * vcpu_state_json() - the same as one JSON object for the exit event:
 * {"vcpu":ID,"pc":"0x...","mode":"EL1h","lr":"0x...","sp":"0x...",
 * "esr_el1":"0x..." or null,"far_el1":...} or {"vcpu":ID,"powered_off":true}.
 * 64-bit values are hex strings (a JSON number may not hold them exactly).
 * Returns what snprintf() does.
 */
int vcpu_state_json(unsigned int id, const struct vcpu_state *st, char *buf,
		    size_t size);

#endif
