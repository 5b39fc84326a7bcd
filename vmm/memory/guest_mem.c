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
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, fd, 0);
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
		 * SIGBUS when the guest first touches it. */
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		break;
	default:
		/* NORESERVE: RAM the guest never touches costs nothing. */
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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
