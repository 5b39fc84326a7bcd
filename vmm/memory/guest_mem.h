/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest RAM as the VMM sees it. Guest memory is hostile: every access the
 * VMM makes to a guest physical address goes through guest_mem_ptr(),
 * which checks bounds and overflow and never hands out a pointer that
 * leaves the RAM mapping.
 */
#ifndef VMM_MEMORY_GUEST_MEM_H
#define VMM_MEMORY_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "memory/layout.h"

struct guest_mem {
	gpa_t base;    /* guest physical address of the first byte */
	uint64_t size; /* bytes */
	void *hva;     /* host mapping, size bytes */
	int owned;     /* 1: guest_mem_free() unmaps hva */
};

/*
 * guest_mem_alloc() - map @size bytes of anonymous, zeroed memory for a guest
 * RAM region at @base. Returns 0 or -errno. Release with guest_mem_free().
 * The mapping starts on a guest_mem_block_size() boundary, so that with a
 * block-aligned @base KVM can map it at stage 2 with block entries.
 */
int guest_mem_alloc(struct guest_mem *mem, gpa_t base, uint64_t size);

/*
 * guest_mem_block_size() - the size one page-table page maps, for the host's
 * page size (2 MiB with 4 KiB pages): a transparent huge page, and a stage-2
 * block.
 */
uint64_t guest_mem_block_size(void);

enum guest_mem_backend {
	GUEST_MEM_ANON = 0, /* the values of enum config_mem_backend */
	GUEST_MEM_MEMFD,
	GUEST_MEM_HUGETLB,
};

/*
 * guest_mem_alloc_backend() - guest_mem_alloc() from @backend: anonymous
 * memory or a memfd (both advised MADV_HUGEPAGE), or hugetlbfs pages of
 * the default huge page size (reserved at once: -ENOMEM when too few are
 * free, -EINVAL when @size is not a multiple of it). @prefault: populate
 * every page now. Returns 0 or -errno.
 */
int guest_mem_alloc_backend(struct guest_mem *mem, gpa_t base, uint64_t size,
			    enum guest_mem_backend backend, int prefault);

/*
 * guest_mem_init_from() - describe caller-owned memory (tests, fuzzers) as
 * guest RAM. guest_mem_free() leaves it alone.
 */
void guest_mem_init_from(struct guest_mem *mem, gpa_t base, void *buf,
			 uint64_t size);

void guest_mem_free(struct guest_mem *mem);

/*
 * guest_mem_ptr() - the host address of guest range [gpa, gpa + len), or
 * NULL if any byte of it is outside RAM or the range wraps. len may be 0
 * (then gpa must still be inside RAM or at its end).
 */
void *guest_mem_ptr(const struct guest_mem *mem, gpa_t gpa, uint64_t len);

/* guest_mem_contains() - whether [gpa, gpa + len) lies inside RAM. */
int guest_mem_contains(const struct guest_mem *mem, gpa_t gpa, uint64_t len);

/*
 * guest_mem_write()/guest_mem_read() - copy to/from guest RAM through
 * guest_mem_ptr(). Return 0 or -EFAULT when the range is not all RAM.
 */
int guest_mem_write(const struct guest_mem *mem, gpa_t gpa, const void *src,
		    uint64_t len);
int guest_mem_read(const struct guest_mem *mem, gpa_t gpa, void *dst,
		   uint64_t len);

#endif
