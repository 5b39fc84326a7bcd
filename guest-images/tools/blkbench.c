// SPDX-License-Identifier: GPL-2.0-only
/*
 * blkbench: disk throughput, measured the same way inside the guest (on
 * /dev/vda) and on the host (on the image file), so the two can be put
 * side by side in one benchmark run.
 *
 *   blkbench PATH seqread|seqwrite|randread MIB
 *
 * seqread/seqwrite move MIB MiB in 1 MiB requests; randread makes MIB*256
 * 4 KiB reads at pseudo-random aligned offsets within the first MIB MiB.
 * O_DIRECT is used where the file system allows it (not on tmpfs), so the
 * page cache does not stand in for the disk. Prints one line:
 *   <mode> <MiB/s> MiB/s <IOPS> IOPS <direct|buffered>
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t mib, ops, bs, span, x = 0x9e3779b97f4a7c15ULL;
	int fd, wr, rnd, direct = 1;
	double t0, t;
	void *buf;

	if (argc != 4 || (strcmp(argv[2], "seqread") &&
			  strcmp(argv[2], "seqwrite") &&
			  strcmp(argv[2], "randread"))) {
		fprintf(stderr, "usage: blkbench PATH seqread|seqwrite|"
				"randread MIB\n");
		return 2;
	}
	mib = strtoull(argv[3], NULL, 0);
	wr = argv[2][3] == 'w';
	rnd = argv[2][0] == 'r';
	bs = rnd ? 4096 : 1 << 20;
	span = mib << 20;
	ops = span / bs;
	if (!mib || posix_memalign(&buf, 4096, bs))
		return 2;
	memset(buf, 0x5a, bs);
	fd = open(argv[1], (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0 && errno == EINVAL) {
		direct = 0;
		fd = open(argv[1], wr ? O_WRONLY : O_RDONLY);
	}
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t off = i * bs;
		ssize_t n;

		if (rnd) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			off = (x % ops) * bs;
		}
		n = wr ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);
		if (n != (ssize_t)bs) {
			fprintf(stderr, "%s: %s at %llu: %s\n", argv[1],
				argv[2], (unsigned long long)off,
				n < 0 ? strerror(errno) : "short");
			return 1;
		}
	}
	if (wr && fdatasync(fd) < 0) {
		perror("fdatasync");
		return 1;
	}
	t = now() - t0;
	printf("%s %.1f MiB/s %.0f IOPS %s\n", argv[2],
	       (double)(ops * bs) / (1 << 20) / t, ops / t,
	       direct ? "direct" : "buffered");
	close(fd);
	return 0;
}
