// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio-stress: a hostile guest in a box. Pokes the VMM's devices through
 * /dev/mem with random registers, widths and values, plus load/store pairs
 * that KVM cannot decode (ISV=0), for a fixed number of accesses:
 *
 *   mmio-stress ITERATIONS SEED ADDR:LEN[:virtio] ...
 *
 * A ":virtio" range is a virtio-mmio device: its queue address registers
 * only ever get a scratch buffer of ours or an address outside RAM, and
 * that buffer is filled with random rings and descriptors whose buffers are
 * also ours or outside RAM -- so the device walks garbage, but any DMA it
 * does lands in our own pages, never in the guest kernel's. The point is
 * the VMM surviving, not the guest corrupting itself.
 *
 * An access the VMM answers with an external abort (ISV=0) raises SIGBUS
 * here; it is counted and the run goes on. Prints one summary line.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_RANGES   16
#define SCRATCH_SIZE (64 * 1024)
#define PAGE	     4096

struct range {
	uint64_t addr, len;
	int virtio;
	volatile uint8_t *p;
};

static struct range ranges[MAX_RANGES];
static int nranges;
static uint8_t *scratch;
static uint64_t scratch_phys[SCRATCH_SIZE / PAGE];
static uint64_t rng_state;
static sigjmp_buf bus_jmp;
static unsigned long bus_errors;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Physical address of scratch page @i, from /proc/self/pagemap. */
static int resolve_scratch(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	for (int i = 0; i < SCRATCH_SIZE / PAGE; i++) {
		uint64_t e, va = (uint64_t)(uintptr_t)(scratch + i * PAGE);

		if (pread(fd, &e, 8, (off_t)(va / PAGE * 8)) != 8 ||
		    !(e & (1ULL << 63)))
			return -1;
		scratch_phys[i] = (e & ((1ULL << 55) - 1)) * PAGE;
	}
	close(fd);
	return 0;
}

/* An address a device may be given: in our scratch, or outside RAM. */
static uint64_t safe_addr(void)
{
	uint64_t r = rnd();

	if (r & 1)
		return scratch_phys[(r >> 8) % (SCRATCH_SIZE / PAGE)] +
		       ((r >> 16) % PAGE & ~7ULL);
	return (r >> 8) & 0x7fff0000ULL; /* below RAM: the MMIO hole */
}

/* Random rings and descriptors whose buffers are safe addresses. */
static void scramble_scratch(void)
{
	for (int i = 0; i < SCRATCH_SIZE / 8; i++)
		((uint64_t *)scratch)[i] = rnd();
	for (int i = 0; i < SCRATCH_SIZE / 16; i++) /* as descriptors */
		*(uint64_t *)(scratch + 16 * i) = safe_addr();
}

static void poke(volatile uint8_t *p, unsigned int width, int write,
		 uint64_t v)
{
	switch (width) {
	case 1:
		if (write)
			*p = (uint8_t)v;
		else
			(void)*p;
		break;
	case 2:
		if (write)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			(void)*(volatile uint16_t *)p;
		break;
	case 4:
		if (write)
			*(volatile uint32_t *)p = (uint32_t)v;
		else
			(void)*(volatile uint32_t *)p;
		break;
	default:
		if (write)
			*(volatile uint64_t *)p = v;
		else
			(void)*(volatile uint64_t *)p;
	}
}

static void pair(volatile uint8_t *p, int write)
{
	uint64_t a = rnd(), b = rnd();

	if (write)
		__asm__ volatile("stp %0, %1, [%2]" ::"r"(a), "r"(b), "r"(p)
				 : "memory");
	else
		__asm__ volatile("ldp %0, %1, [%2]"
				 : "=r"(a), "=r"(b)
				 : "r"(p)
				 : "memory");
}

/* A virtio queue address register (desc/avail/used, low or high). */
static int is_addr_reg(uint64_t off)
{
	return off >= 0x80 && off <= 0xa4 && (off & 0xf) <= 4;
}

static void one_access(void)
{
	struct range *r = &ranges[rnd() % nranges];
	unsigned int width = 1u << (rnd() % 4);
	uint64_t off = (rnd() % r->len) & ~(uint64_t)(width - 1);
	int write = rnd() & 1;
	uint64_t v = rnd();

	if (r->virtio && is_addr_reg(off)) {
		/* Both halves of one safe address (low at +0, high at +4). */
		uint64_t a = safe_addr(), reg = off & ~7ULL;

		poke(r->p + reg, 4, 1, (uint32_t)a);
		poke(r->p + reg + 4, 4, 1, a >> 32);
		return;
	}
	if (rnd() % 64 == 0) {
		pair(r->p + (off & ~15ULL), write);
		return;
	}
	poke(r->p + off, width, write, v);
}

int main(int argc, char **argv)
{
	unsigned long iters;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: mmio-stress ITERATIONS SEED "
				"ADDR:LEN[:virtio]...\n");
		return 2;
	}
	iters = strtoul(argv[1], NULL, 0);
	rng_state = strtoull(argv[2], NULL, 0) | 1;
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		perror("/dev/mem");
		return 1;
	}
	for (int i = 3; i < argc && nranges < MAX_RANGES; i++) {
		struct range *r = &ranges[nranges];
		char *end;
		void *m;

		r->addr = strtoull(argv[i], &end, 0);
		r->len = strtoull(end + 1, &end, 0);
		r->virtio = strcmp(end, ":virtio") == 0;
		m = mmap(NULL, (r->len + PAGE - 1) & ~(PAGE - 1ULL),
			 PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)(r->addr & ~(PAGE - 1ULL)));
		if (m == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		r->p = (volatile uint8_t *)m + (r->addr & (PAGE - 1));
		nranges++;
	}
	scratch = aligned_alloc(PAGE, SCRATCH_SIZE);
	if (!scratch || mlock(scratch, SCRATCH_SIZE) ||
	    (memset(scratch, 0, SCRATCH_SIZE), resolve_scratch())) {
		fprintf(stderr, "mmio-stress: cannot pin a scratch buffer\n");
		return 1;
	}
	signal(SIGBUS, on_sigbus);
	for (unsigned long i = 0; i < iters; i++) {
		if (i % 512 == 0)
			scramble_scratch();
		if (sigsetjmp(bus_jmp, 1)) {
			bus_errors++; /* an external abort from the VMM */
			continue;
		}
		one_access();
	}
	printf("mmio-stress: %lu accesses to %d ranges, %lu bus errors\n",
	       iters, nranges, bus_errors);
	return 0;
}
