// SPDX-License-Identifier: GPL-2.0-only
#include "memory/layout.h"

unsigned int layout_ipa_bits(uint64_t ram_size)
{
	uint64_t top = LAYOUT_RAM_BASE + ram_size; /* exclusive end */
	unsigned int bits = 32;

	if (top < LAYOUT_RAM_BASE)
		return 0;
	while (bits < 64 && (1ULL << bits) < top)
		bits++;
	return bits;
}
