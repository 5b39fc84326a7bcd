// SPDX-License-Identifier: GPL-2.0-only
#include "memory/guest_mem.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

uint64_t guest_mem_block_size(void)
{
	uint64_t psz = (uint64_t)sysconf(_SC_PAGESIZE);

	/* What one page of 8-byte table entries maps: 2 MiB with 4 KiB pages,
	 * 32 MiB with 16 KiB, 512 MiB with 64 KiB. */
	return psz * (psz / 8);
}

/*
 * Map @size bytes read-write at an address aligned to a page-table block.
 * KVM maps guest RAM at stage 2 with block entries only where the host
 * address and the IPA agree modulo the block size, and transparent huge
 * pages back only block-aligned ranges; mmap() itself promises 4 KiB.
 * RAM's IPA base is block-aligned, so this makes its whole range eligible.
 * Reserve one block more than needed with no access, map the aligned part
 * over it, and unmap the head and tail that are left.
 */
static void *map_aligned(uint64_t size, int flags, int fd)
{
	uint64_t align = guest_mem_block_size(), span = size + align;
	uintptr_t res, start;
	void *p;
	int err;

	if (span < size || span > SIZE_MAX) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	res = (uintptr_t)p;
	start = (res + align - 1) & ~(uintptr_t)(align - 1);
	p = mmap((void *)start, size, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED) {
		err = errno;
		munmap((void *)res, span);
		errno = err;
		return MAP_FAILED;
	}
	if (start > res)
		munmap((void *)res, start - res);
	if (res + span > start + size)
		munmap((void *)(start + size), res + span - (start + size));
	return p;
}

static void *map_memfd(uint64_t size)
{
	int fd = memfd_create("vmm-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p = MAP_FAILED;
	int err;

	if (fd < 0)
		return MAP_FAILED;
	/* Sealed size: nothing can shrink RAM under the guest (SIGBUS). */
	if (ftruncate(fd, (off_t)size) == 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) ==
		    0)
		p = map_aligned(size, MAP_SHARED | MAP_NORESERVE, fd);
	err = errno;
	close(fd); /* the mapping keeps the file */
	errno = err;
	return p;
}

static int prefault(void *p, uint64_t size)
{
	long psz = sysconf(_SC_PAGESIZE);

	if (madvise(p, size, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno; /* e.g. ENOMEM: the host has not that much */
	/* Before 5.14: touch every page (guest RAM starts zeroed anyway). */
	for (uint64_t off = 0; off < size; off += (uint64_t)psz)
		((volatile char *)p)[off] = 0;
	return 0;
}

int guest_mem_alloc_backend(struct guest_mem *mem, gpa_t base, uint64_t size,
			    enum guest_mem_backend backend, int populate)
{
	void *p;
	int ret;

	if (size == 0 || base + size < base || size > SIZE_MAX)
		return -EINVAL;
	switch (backend) {
	case GUEST_MEM_MEMFD:
		p = map_memfd(size);
		break;
	case GUEST_MEM_HUGETLB:
		/* No NORESERVE: a missing huge page must fail here, not as a
		 * SIGBUS when the guest first touches it. The kernel aligns
		 * it to the huge page size itself. */
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		break;
	default:
		/* NORESERVE: RAM the guest never touches costs nothing. */
		p = map_aligned(
			size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
		break;
	}
	if (p == MAP_FAILED)
		return -errno;
	/* Transparent huge pages cut stage-2 faults; advice, errors ignored. */
	if (backend != GUEST_MEM_HUGETLB)
		madvise(p, size, MADV_HUGEPAGE);
	if (populate) {
		ret = prefault(p, size);
		if (ret) {
			munmap(p, size);
			return ret;
		}
	}
	mem->base = base;
	mem->size = size;
	mem->hva = p;
	mem->owned = 1;
	return 0;
}

int guest_mem_alloc(struct guest_mem *mem, gpa_t base, uint64_t size)
{
	return guest_mem_alloc_backend(mem, base, size, GUEST_MEM_ANON, 0);
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
