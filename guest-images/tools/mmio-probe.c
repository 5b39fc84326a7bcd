// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio-probe: guest-side tool that makes device-memory accesses from user
 * space through /dev/mem, so tests can drive the VMM's MMIO paths from
 * inside the guest.
 *
 *   mmio-probe ldp ADDR   a load pair from ADDR: KVM cannot decode it (the
 *                         abort has ISV=0), so the VMM must report it and
 *                         inject an external abort; the probe then dies
 *                         with SIGBUS while the guest lives on.
 *   mmio-probe ldr ADDR   a plain 32-bit load, for comparison.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uint64_t addr, page, a = 0, b = 0;
	volatile uint8_t *p;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "ldp") && strcmp(argv[1], "ldr"))) {
		fprintf(stderr, "usage: mmio-probe ldp|ldr ADDR\n");
		return 2;
	}
	addr = strtoull(argv[2], NULL, 0);
	page = addr & ~(uint64_t)4095;
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		perror("/dev/mem");
		return 1;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	p += addr - page;
	if (argv[1][2] == 'p') {
		__asm__ volatile("ldp %0, %1, [%2]"
				 : "=r"(a), "=r"(b)
				 : "r"(p)
				 : "memory");
	} else {
		a = *(volatile uint32_t *)p;
	}
	printf("%s 0x%" PRIx64 ": 0x%" PRIx64 " 0x%" PRIx64 "\n", argv[1], addr,
	       a, b);
	return 0;
}
