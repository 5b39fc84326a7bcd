// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the boot loader: the input is a kernel file, as
 * the user would pass to --kernel (a raw arm64 Image, an EFI-stub Image
 * with its PE/COFF header, or either gzipped). Its last 16 bytes also
 * choose the machine it is placed in (they are part of the file, as any
 * trailing bytes of a real Image would be; after a gzip stream they are
 * ignored by the inflater):
 *
 *   t[0..1]   RAM size: (1 + v % 2048) * 2 MiB, 2 MiB .. 4 GiB
 *   t[2]      flags: 1 RAM gets an extra 4 KiB-multiple tail (not a 2 MiB
 *             multiple), 2 the file is also the initrd, 4 dtb_max = 2 MiB,
 *             8 dtb_max is t[3] * 16 KiB (may exceed 2 MiB: -EINVAL),
 *             16 RAM is only (t[3] + 1) * 4 KiB
 *   t[3]      RAM tail in 4 KiB pages / dtb_max / small gunzip bound
 *   t[4..7]   initrd size for the synthetic placement, shifted left by
 *   t[8]      (mod 32)
 *   t[9..10]  synthetic text_offset (4 KiB pages, mod 512)
 *   t[11..14] synthetic image_size, shifted left by t[15] (mod 12)
 *
 * Each run: loader_parse_image() on the file; loader_gunzip() with a
 * 2 MiB bound (inflating more costs milliseconds), and again with a small
 * bound from t[3], which must agree with the first, and a parse of its
 * output; loader_read_files() on the same bytes through a memfd, which
 * must agree with the in-memory pipeline, then loader_place() and
 * loader_copy() from the files it opened into a sparse RAM mapping; and
 * loader_place() for a synthetic Image. A bug is any crash, sanitizer
 * report, or abort() on a broken contract of loader.h: on success the
 * kernel sits at RAM base + text_offset, kernel, initrd and DTB do not
 * overlap and lie inside RAM, the DTB is page aligned inside one 2 MiB
 * block; -ENOSPC only when the payloads really do not fit; gunzip never
 * returns more than its bound and fails with -EFBIG only when the output
 * is larger than the bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"

#define GUNZIP_MAX (2 * SZ_1M)
#define TRAILER	   16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_loader: %s:%d: %s\n", __FILE__,  \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* [a, a + alen) and [b, b + blen) share no byte. */
static int disjoint(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a + alen <= b || b + blen <= a;
}

/*
 * loader_place() for @img, with the contract of loader.h checked on the
 * result. Returns what loader_place() returned.
 */
static int place_checked(uint64_t ram_size, const struct arm64_image *img,
			 uint64_t initrd_size, uint64_t dtb_max,
			 struct boot_layout *l)
{
	const gpa_t base = LAYOUT_RAM_BASE, end = LAYOUT_RAM_BASE + ram_size;
	uint64_t span = img->image_size > img->file_size ? img->image_size
							 : img->file_size;
	char why[256] = "";
	int ret;

	memset(l, 0xa5, sizeof(*l));
	ret = loader_place(base, ram_size, img, initrd_size, dtb_max, l, why,
			   sizeof(why));
	if (dtb_max > SZ_2M) {
		CHECK(ret == -EINVAL);
		return ret;
	}
	if (ret) {
		CHECK(ret == -ENOSPC);
		CHECK(why[0] != '\0');
		/*
		 * Room for the kernel, the initrd rounded to pages, and two
		 * 2 MiB blocks (the DTB's and the slack of aligning it) is
		 * always enough: a refusal then is a wrong "give more --mem".
		 */
		CHECK(img->text_offset + span + SZ_4K +
			      align_up(initrd_size, SZ_4K) + 4 * SZ_1M >
		      ram_size);
		return ret;
	}
	/* The kernel at the 2 MiB aligned base plus text_offset. */
	CHECK(l->kernel == base + img->text_offset);
	CHECK(l->kernel_end >= l->kernel + span);
	CHECK(l->kernel_end % SZ_4K == 0);
	CHECK(l->kernel_end <= end);
	/* The DTB: page aligned, in one 2 MiB block, inside RAM, clear of
	 * the kernel. */
	CHECK(l->dtb_max == dtb_max);
	CHECK(l->dtb % SZ_4K == 0);
	CHECK(l->dtb >= base && l->dtb <= end &&
	      (dtb_max ? dtb_max : 1) <= end - l->dtb);
	CHECK(l->dtb / SZ_2M == (l->dtb + (dtb_max ? dtb_max : 1) - 1) / SZ_2M);
	CHECK(disjoint(l->kernel, l->kernel_end - l->kernel, l->dtb,
		       dtb_max ? dtb_max : 1));
	/* The initrd: inside RAM, clear of both. */
	CHECK(l->initrd_size == initrd_size);
	if (initrd_size) {
		CHECK(l->initrd >= base && l->initrd <= end &&
		      initrd_size <= end - l->initrd);
		CHECK(l->initrd % SZ_4K == 0);
		CHECK(disjoint(l->initrd, initrd_size, l->kernel,
			       l->kernel_end - l->kernel));
		CHECK(disjoint(l->initrd, initrd_size, l->dtb,
			       dtb_max ? dtb_max : 1));
	} else {
		CHECK(l->initrd == 0);
	}
	return 0;
}

/* What the file is after the optional gunzip, as loader_read_files() sees. */
struct pipeline {
	const uint8_t *kernel;
	size_t kernel_len;
	uint8_t *owned;
	int ok;
	struct arm64_image img;
};

static void run_pipeline(const uint8_t *data, size_t size, size_t small_max,
			 struct pipeline *p)
{
	char why[256];
	uint8_t *out = NULL, *out2 = NULL;
	size_t out_len = 0, out2_len = 0;
	int ret, ret2;

	memset(p, 0, sizeof(*p));
	p->kernel = data;
	p->kernel_len = size;
	if (loader_is_gzip(data, size)) {
		CHECK(size >= 2 && data[0] == 0x1f && data[1] == 0x8b);
		ret = loader_gunzip(data, size, GUNZIP_MAX, &out, &out_len, why,
				    sizeof(why));
		CHECK(ret == 0 || ret == -EFBIG || ret == -EINVAL);
		if (ret) {
			p->kernel_len = 0;
			p->kernel = NULL;
		} else {
			CHECK(out_len <= GUNZIP_MAX);
			p->kernel = out;
			p->kernel_len = out_len;
			p->owned = out;
		}
		/*
		 * A smaller bound must agree: the same bytes when the output
		 * fits, -EFBIG when it does not, never a different result.
		 */
		ret2 = loader_gunzip(data, size, small_max, &out2, &out2_len,
				     why, sizeof(why));
		if (ret == 0 && out_len <= small_max) {
			CHECK(ret2 == 0);
			CHECK(out2_len == out_len);
			CHECK(memcmp(out2, out, out_len) == 0);
		} else if (ret == 0) {
			CHECK(ret2 == -EFBIG);
		} else if (ret == -EFBIG) {
			CHECK(ret2 == -EFBIG); /* small_max is the smaller */
		} else {
			CHECK(ret2 == -EINVAL || ret2 == -EFBIG);
		}
		if (ret2 == 0)
			free(out2);
		if (ret)
			return;
	} else {
		CHECK(!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b));
	}
	memset(&p->img, 0, sizeof(p->img));
	ret = loader_parse_image(p->kernel, p->kernel_len, &p->img, why,
				 sizeof(why));
	CHECK(ret == 0 || ret == -ENOEXEC);
	if (ret == 0) {
		CHECK(p->img.image_size != 0);
		CHECK(p->img.text_offset < SZ_2M);
		CHECK(p->img.text_offset % SZ_4K == 0);
		CHECK(!(p->img.flags & ARM64_IMAGE_FLAG_BE));
		CHECK(p->img.file_size == p->kernel_len);
		p->ok = 1;
	} else {
		CHECK(why[0] != '\0');
	}
}

/*
 * loader_read_files() on the same bytes (a memfd) must give the same
 * answer and Image; then the kernel (and the file as its initrd) is placed
 * and copied into a sparse mapping of the whole RAM: loader_copy() must
 * succeed and leave the bytes where the layout says.
 */
static void check_files(const uint8_t *data, size_t size, int as_initrd,
			uint64_t ram_size, uint64_t dtb_max,
			const struct pipeline *p)
{
	struct boot_files bf;
	struct boot_layout l;
	struct guest_mem mem;
	char path[64], why[512];
	void *ram;
	int fd, ret;

	fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = loader_read_files(path, as_initrd ? path : NULL, GUNZIP_MAX, &bf,
				why, sizeof(why));
	close(fd);
	if (ret) {
		CHECK(why[0] != '\0');
		CHECK(bf.kernel == NULL && bf.kernel_fd == -1 &&
		      bf.initrd_fd == -1);
		CHECK(!p->ok);
		return;
	}
	CHECK(p->ok);
	CHECK(bf.kernel_len == p->kernel_len);
	CHECK(bf.kernel_was_gzip == loader_is_gzip(data, size));
	/* Only a gunzipped Image, or a deep PE header, is read up front. */
	if (bf.kernel)
		CHECK(memcmp(bf.kernel, p->kernel, p->kernel_len) == 0);
	else
		CHECK(!bf.kernel_was_gzip && bf.kernel_fd >= 0);
	CHECK(memcmp(&bf.img, &p->img, sizeof(bf.img)) == 0);
	if (as_initrd)
		CHECK(bf.initrd_len == size && bf.initrd_fd >= 0);
	else
		CHECK(bf.initrd_fd == -1 && bf.initrd_len == 0);
	if (place_checked(ram_size, &bf.img, bf.initrd_len, dtb_max, &l))
		goto out;
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		goto out;
	guest_mem_init_from(&mem, LAYOUT_RAM_BASE, ram, ram_size);
	CHECK(loader_copy(&mem, &bf, &l, why, sizeof(why)) == 0);
	CHECK(memcmp((uint8_t *)ram + (l.kernel - LAYOUT_RAM_BASE), p->kernel,
		     p->kernel_len) == 0);
	if (as_initrd)
		CHECK(memcmp((uint8_t *)ram + (l.initrd - LAYOUT_RAM_BASE),
			     data, size) == 0);
	munmap(ram, ram_size);
out:
	loader_free_files(&bf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t t[TRAILER] = { 0 };
	struct arm64_image img;
	struct boot_layout l;
	struct pipeline p;
	uint64_t ram_size, dtb_max = SZ_64K, initrd_size;
	size_t small_max;
	int as_initrd;

	log_set_level(LOG_ERROR);
	if (size >= TRAILER)
		memcpy(t, data + size - TRAILER, TRAILER);
	ram_size = (1 + get16(t) % 2048) * SZ_2M;
	if (t[2] & 1)
		ram_size += (uint64_t)(t[3] | 1) * SZ_4K;
	if (t[2] & 16)
		ram_size = ((uint64_t)t[3] + 1) * SZ_4K;
	as_initrd = (t[2] >> 1) & 1;
	if (t[2] & 4)
		dtb_max = SZ_2M;
	if (t[2] & 8)
		dtb_max = (uint64_t)t[3] * 16 * 1024;
	small_max = 1 + (size_t)t[3] * 64;

	run_pipeline(data, size, small_max, &p);
	check_files(data, size, as_initrd, ram_size, dtb_max, &p);
	free(p.owned);

	/* The placement math alone, over kernels no file would describe. */
	img.text_offset = (uint64_t)(get16(t + 9) % 512) * SZ_4K;
	img.image_size = (uint64_t)get32(t + 11) << (t[15] % 12);
	if (!img.image_size)
		img.image_size = 1;
	img.flags = 0;
	img.file_size = size;
	initrd_size = (uint64_t)get32(t + 4) << (t[8] % 32);
	(void)place_checked(ram_size, &img, initrd_size, dtb_max, &l);
	return 0;
}
