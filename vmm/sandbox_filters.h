/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seccomp filters as BPF programs, compiled when vmm is built:
 * scripts/gen-seccomp.c writes them from vmm/sandbox_rules.c into
 * build/.../gen/sandbox_filters.c. sandbox.c installs them.
 */
#ifndef VMM_SANDBOX_FILTERS_H
#define VMM_SANDBOX_FILTERS_H

#include <linux/filter.h>

#include "sandbox.h"

struct sandbox_filter {
	const struct sock_filter *insns;
	unsigned short len;
};

/* By mode (kill or log: "off" has none), then thread kind. */
extern const struct sandbox_filter sandbox_filters[SANDBOX_LOG + 1]
						  [SANDBOX_API + 1];

#endif
