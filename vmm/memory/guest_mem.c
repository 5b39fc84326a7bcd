// SPDX-License-Identifier: GPL-2.0-only
#include "memory/guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int guest_mem_alloc(struct guest_mem *mem, gpa_t base, uint64_t size)
{
	void *p;

	if (size == 0 || base + size < base || size > SIZE_MAX)
		return -EINVAL;
	/* NORESERVE: RAM the guest never touches costs the host nothing. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* Transparent huge pages cut stage-2 faults; advice, so ignore errors.
	 */
	madvise(p, size, MADV_HUGEPAGE);
	mem->base = base;
	mem->size = size;
	mem->hva = p;
	mem->owned = 1;
	return 0;
}

void guest_mem_init_from(struct guest_mem *mem, gpa_t base, void *buf,
			 uint64_t size)
{
	mem->base = base;
	mem->size = size;
	mem->hva = buf;
	mem->owned = 0;
}

void guest_mem_free(struct guest_mem *mem)
{
	if (mem->owned && mem->hva)
		munmap(mem->hva, mem->size);
	mem->hva = NULL;
	mem->size = 0;
}

int guest_mem_contains(const struct guest_mem *mem, gpa_t gpa, uint64_t len)
{
	uint64_t off;

	if (!mem->hva || gpa < mem->base)
		return 0;
	off = gpa - mem->base;
	/* Written so that no sum can wrap: off <= size, then len <= rest. */
	return off <= mem->size && len <= mem->size - off;
}

void *guest_mem_ptr(const struct guest_mem *mem, gpa_t gpa, uint64_t len)
{
	if (!guest_mem_contains(mem, gpa, len))
		return NULL;
	return (char *)mem->hva + (gpa - mem->base);
}

int guest_mem_write(const struct guest_mem *mem, gpa_t gpa, const void *src,
		    uint64_t len)
{
	void *dst = guest_mem_ptr(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem_read(const struct guest_mem *mem, gpa_t gpa, void *dst,
		   uint64_t len)
{
	const void *src = guest_mem_ptr(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}
