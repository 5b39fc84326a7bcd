// SPDX-License-Identifier: GPL-2.0-only
/*
 * blkbench: disk throughput, measured the same way inside the guest (on
 * /dev/vda) and on the host (on the image file), so the two can be put
 * side by side in one benchmark run.
 *
 *   blkbench PATH seqread|seqwrite|randread MIB [QD]
 *
 * seqread/seqwrite move MIB MiB in 1 MiB requests; randread makes MIB*256
 * 4 KiB reads at pseudo-random aligned offsets within the first MIB MiB.
 * O_DIRECT is used where the file system allows it (not on tmpfs), so the
 * page cache does not stand in for the disk. QD (default 1) requests are
 * kept in flight: above 1, with Linux native AIO (which only runs
 * asynchronously with O_DIRECT, so QD > 1 needs it). Prints one line:
 *   <mode> <MiB/s> MiB/s <IOPS> IOPS <direct|buffered> qd=<QD>
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/aio_abi.h>

#define MAX_QD 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t next_off(int rnd, uint64_t i, uint64_t ops, uint64_t bs,
			 uint64_t *x)
{
	if (!rnd)
		return i * bs;
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x % ops) * bs;
}

/* QD requests in flight through native AIO; 0, or -1 (reported). */
static int run_aio(int fd, int wr, int rnd, uint64_t ops, uint64_t bs,
		   unsigned int qd, char *bufs, const char *what)
{
	struct iocb cbs[MAX_QD], *ptrs[MAX_QD];
	struct io_event evs[MAX_QD];
	aio_context_t ctx = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL, issued = 0, done = 0;
	unsigned int nfree = qd, freelist[MAX_QD];

	if (syscall(SYS_io_setup, qd, &ctx) < 0) {
		perror("io_setup");
		return -1;
	}
	for (unsigned int i = 0; i < qd; i++)
		freelist[i] = i;
	while (done < ops) {
		long n, k = 0;

		/* Refill: every free slot gets the next request. */
		while (nfree && issued < ops) {
			unsigned int s = freelist[--nfree];
			struct iocb *cb = &cbs[s];

			memset(cb, 0, sizeof(*cb));
			cb->aio_data = s;
			cb->aio_fildes = (uint32_t)fd;
			cb->aio_lio_opcode =
				wr ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
			cb->aio_buf = (uint64_t)(uintptr_t)(bufs + s * bs);
			cb->aio_nbytes = bs;
			cb->aio_offset =
				(int64_t)next_off(rnd, issued, ops, bs, &x);
			ptrs[k++] = cb;
			issued++;
		}
		if (k && syscall(SYS_io_submit, ctx, k, ptrs) != k) {
			perror("io_submit");
			return -1;
		}
		n = syscall(SYS_io_getevents, ctx, 1, (long)qd, evs, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("io_getevents");
			return -1;
		}
		for (long i = 0; i < n; i++) {
			if (evs[i].res != (int64_t)bs) {
				fprintf(stderr, "%s: request failed: %s\n",
					what,
					evs[i].res < 0
						? strerror((int)-evs[i].res)
						: "short");
				return -1;
			}
			freelist[nfree++] = (unsigned int)evs[i].data;
			done++;
		}
	}
	syscall(SYS_io_destroy, ctx);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t mib, ops, bs, span, x = 0x9e3779b97f4a7c15ULL;
	int fd, wr, rnd, direct = 1;
	double t0, t;
	void *buf;

	unsigned int qd = argc == 5 ? (unsigned int)atoi(argv[4]) : 1;

	if (argc < 4 || argc > 5 || !qd || qd > MAX_QD ||
	    (strcmp(argv[2], "seqread") && strcmp(argv[2], "seqwrite") &&
	     strcmp(argv[2], "randread"))) {
		fprintf(stderr,
			"usage: blkbench PATH seqread|seqwrite|"
			"randread MIB [QD 1..%d]\n",
			MAX_QD);
		return 2;
	}
	mib = strtoull(argv[3], NULL, 0);
	wr = argv[2][3] == 'w';
	rnd = argv[2][0] == 'r';
	bs = rnd ? 4096 : 1 << 20;
	span = mib << 20;
	ops = span / bs;
	if (!mib || posix_memalign(&buf, 4096, bs * qd))
		return 2;
	memset(buf, 0x5a, bs * qd);
	fd = open(argv[1], (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0 && errno == EINVAL) {
		direct = 0;
		fd = open(argv[1], wr ? O_WRONLY : O_RDONLY);
	}
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (qd > 1 && !direct) {
		fprintf(stderr, "%s: queue depth %u needs O_DIRECT\n", argv[1],
			qd);
		return 1;
	}
	t0 = now();
	if (qd > 1 && run_aio(fd, wr, rnd, ops, bs, qd, buf, argv[1]))
		return 1;
	for (uint64_t i = 0; qd == 1 && i < ops; i++) {
		uint64_t off = next_off(rnd, i, ops, bs, &x);
		ssize_t n;

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
	printf("%s %.1f MiB/s %.0f IOPS %s qd=%u\n", argv[2],
	       (double)(ops * bs) / (1 << 20) / t, ops / t,
	       direct ? "direct" : "buffered", qd);
	close(fd);
	return 0;
}
