// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/loader.c: Image header checks, gunzip, placement in RAM,
 * opening the files and reading them into (malloc'd) guest RAM.
 */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fake_image.h"
#include "fdt/dt.h"
#include "unit.h"

#define RAM_BASE 0x80000000ULL
#define MiB	 (1ULL << 20)

static char why[512];

static int parse(const uint8_t *buf, size_t len, struct arm64_image *img)
{
	why[0] = '\0';
	return loader_parse_image(buf, len, img, why, sizeof(why));
}

/* Parsing an Image with these header fields fails; why contains @what. */
static void assert_bad_header(uint64_t text_offset, uint64_t image_size,
			      uint64_t flags, const char *what)
{
	uint8_t *buf = make_image(4096, text_offset, image_size, flags);
	struct arm64_image img;

	ck_assert_int_eq(parse(buf, 4096, &img), -ENOEXEC);
	ck_assert_str_contains(why, what);
	free(buf);
}

/* --- loader_parse_image --------------------------------------------------- */

START_TEST(image_valid)
{
	uint8_t *buf = make_image(8192, 0x80000, 3 * MiB, 0xa);
	struct arm64_image img;

	ck_assert_int_eq(parse(buf, 8192, &img), 0);
	ck_assert_uint_eq(img.text_offset, 0x80000);
	ck_assert_uint_eq(img.image_size, 3 * MiB);
	ck_assert_uint_eq(img.flags, 0xa);
	ck_assert_uint_eq(img.file_size, 8192);
	free(buf);
}
END_TEST

START_TEST(image_truncated_header)
{
	uint8_t *buf = make_image(4096, 0, MiB, 0);
	struct arm64_image img;

	ck_assert_int_eq(parse(buf, ARM64_IMAGE_HDR_SIZE - 1, &img), -ENOEXEC);
	ck_assert_str_contains(why, "truncated");
	ck_assert_int_eq(parse(buf, 0, &img), -ENOEXEC);
	free(buf);
}
END_TEST

START_TEST(image_bad_magic)
{
	uint8_t *buf = make_image(4096, 0, MiB, 0);
	struct arm64_image img;

	put_le(buf + 56, 0x016f2818, 4); /* an arm32 zImage's magic */
	ck_assert_int_eq(parse(buf, 4096, &img), -ENOEXEC);
	ck_assert_str_contains(why, "magic");
	free(buf);
}
END_TEST

START_TEST(image_size_zero)
{
	assert_bad_header(0, 0, 0, "image_size");
}
END_TEST

START_TEST(image_big_endian)
{
	assert_bad_header(0, MiB, ARM64_IMAGE_FLAG_BE, "big-endian");
}
END_TEST

START_TEST(image_text_offset)
{
	uint8_t *buf = make_image(4096, 0x1ff000, MiB, 0);
	struct arm64_image img;

	ck_assert_int_eq(parse(buf, 4096, &img), 0); /* largest valid */
	free(buf);
	assert_bad_header(0x80001, MiB, 0, "text_offset");
	assert_bad_header(0x800, MiB, 0, "text_offset");
	assert_bad_header(2 * MiB, MiB, 0, "text_offset");
	assert_bad_header(UINT64_MAX & ~0xfffULL, MiB, 0, "text_offset");
}
END_TEST

START_TEST(pe_image_valid)
{
	uint8_t *buf = make_image(65536, 0, 4 * MiB, 0);
	struct arm64_image img;

	make_pe(buf, 0x1000, 65536 - 0x1000); /* ends at the end of the file */
	ck_assert_int_eq(parse(buf, 65536, &img), 0);
	ck_assert_uint_eq(img.file_size, 65536);
	free(buf);
}
END_TEST

START_TEST(pe_sections_past_end)
{
	uint8_t *buf = make_image(65536, 0, 4 * MiB, 0);
	struct arm64_image img;

	make_pe(buf, 0x1000, 65536 - 0x1000 + 1);
	ck_assert_int_eq(parse(buf, 65536, &img), -ENOEXEC);
	ck_assert_str_contains(why, "truncated");
	/* The same file cut short, as an interrupted download would be. */
	make_pe(buf, 0x1000, 65536 - 0x1000);
	ck_assert_int_eq(parse(buf, 32768, &img), -ENOEXEC);
	ck_assert_str_contains(why, "truncated");
	free(buf);
}
END_TEST

START_TEST(pe_header_past_end)
{
	uint8_t *buf = make_image(4096, 0, MiB, 0);
	struct arm64_image img;

	make_pe(buf, 0x200, 0x200);
	ck_assert_int_eq(parse(buf, 0x40 + 24 + 16 + 40, &img), -ENOEXEC);
	ck_assert_str_contains(why, "truncated"); /* section table cut */
	put_le(buf + 60, 0x10000, 4);		  /* e_lfanew beyond the file */
	ck_assert_int_eq(parse(buf, 4096, &img), -ENOEXEC);
	free(buf);
}
END_TEST

/* --- loader_gunzip -------------------------------------------------------- */

/* A 3 MiB Image and its gzip, for each gunzip test. */
static struct {
	uint8_t *raw, *gz, *out;
	size_t raw_len, gz_len, out_len;
} z;

static void make_gz(void)
{
	z.raw_len = 3 * MiB;
	z.raw = make_image(z.raw_len, 0, 8 * MiB, 0);
	z.gz = gzip(z.raw, z.raw_len, &z.gz_len);
	z.out = NULL;
}

static void free_gz(void)
{
	free(z.out);
	free(z.gz);
	free(z.raw);
}

static int gunzip(size_t len, size_t max)
{
	why[0] = '\0';
	return loader_gunzip(z.gz, len, max, &z.out, &z.out_len, why,
			     sizeof(why));
}

START_TEST(gunzip_round_trip)
{
	ck_assert(loader_is_gzip(z.gz, z.gz_len));
	ck_assert(!loader_is_gzip(z.raw, z.raw_len));
	ck_assert_int_eq(gunzip(z.gz_len, 64 * MiB), 0);
	ck_assert_uint_eq(z.out_len, z.raw_len);
	ck_assert_mem_eq(z.out, z.raw, z.raw_len);
}
END_TEST

START_TEST(gunzip_corrupt)
{
	z.gz[z.gz_len - 8] ^= 0xff; /* the CRC32 of the trailer */
	ck_assert_int_eq(gunzip(z.gz_len, 64 * MiB), -EINVAL);
	ck_assert_str_ne(why, "");
	/* Garbage after the gzip header. */
	memset(z.gz + 10, 0xff, z.gz_len - 10);
	ck_assert_int_eq(gunzip(z.gz_len, 64 * MiB), -EINVAL);
}
END_TEST

START_TEST(gunzip_truncated)
{
	ck_assert_int_eq(gunzip(z.gz_len / 2, 64 * MiB), -EINVAL);
	ck_assert_str_contains(why, "truncated");
	ck_assert_int_eq(gunzip(z.gz_len - 1, 64 * MiB), -EINVAL);
}
END_TEST

START_TEST(gunzip_max_out)
{
	ck_assert_int_eq(gunzip(z.gz_len, z.raw_len - 1), -EFBIG);
	ck_assert_int_eq(gunzip(z.gz_len, MiB), -EFBIG);
	/* Exactly max_out bytes is allowed. */
	ck_assert_int_eq(gunzip(z.gz_len, z.raw_len), 0);
	ck_assert_uint_eq(z.out_len, z.raw_len);
}
END_TEST

/* --- loader_place --------------------------------------------------------- */

static struct arm64_image image(uint64_t text_offset, uint64_t image_size,
				uint64_t file_size)
{
	return (struct arm64_image){ .text_offset = text_offset,
				     .image_size = image_size,
				     .file_size = file_size };
}

static int place(uint64_t ram, const struct arm64_image *img,
		 uint64_t initrd_size, struct boot_layout *l)
{
	why[0] = '\0';
	return loader_place(RAM_BASE, ram, img, initrd_size, DT_MAX_SIZE, l,
			    why, sizeof(why));
}

/* What the boot protocol needs of a layout in @ram bytes of RAM. */
static void assert_layout_sane(const struct boot_layout *l, uint64_t ram,
			       const struct arm64_image *img,
			       uint64_t initrd_size)
{
	uint64_t span = img->image_size > img->file_size ? img->image_size
							 : img->file_size;

	ck_assert_uint_eq(l->kernel, RAM_BASE + img->text_offset);
	ck_assert_uint_ge(l->kernel_end, l->kernel + span);
	ck_assert_uint_eq(l->dtb % SZ_4K, 0);
	ck_assert_uint_ge(l->dtb_max, DT_MAX_SIZE);
	/* Inside one 2 MiB block, as Linux before 4.2 required. */
	ck_assert_uint_eq(l->dtb / SZ_2M, (l->dtb + l->dtb_max - 1) / SZ_2M);
	ck_assert_uint_ge(l->dtb, l->kernel_end);
	ck_assert_uint_le(l->dtb + l->dtb_max, RAM_BASE + ram);
	ck_assert_uint_eq(l->initrd_size, initrd_size);
	if (!initrd_size) {
		ck_assert_uint_eq(l->initrd, 0);
		return;
	}
	ck_assert_uint_eq(l->initrd % SZ_4K, 0);
	ck_assert_uint_ge(l->initrd, l->kernel_end);
	ck_assert_uint_le(l->initrd + initrd_size, RAM_BASE + ram);
	/* Clear of the DTB, on either side of it. */
	ck_assert(l->initrd + initrd_size <= l->dtb ||
		  l->initrd >= l->dtb + l->dtb_max);
}

/*
 * Bytes from the kernel's end to the last byte of DTB or initrd. Packed
 * right after the kernel that is the DTB, the initrd and at most the DTB's
 * move past a 2 MiB boundary and a page of alignment: with huge pages the
 * host zeroes no block more than these bytes need.
 */
static uint64_t tail_after_kernel(const struct boot_layout *l)
{
	uint64_t end = l->dtb + l->dtb_max;

	if (l->initrd_size && l->initrd + l->initrd_size > end)
		end = l->initrd + l->initrd_size;
	return end - l->kernel_end;
}

START_TEST(place_kernel_at_text_offset)
{
	struct arm64_image img = image(0x80000, 20 * MiB, 15 * MiB);
	struct boot_layout l;

	ck_assert_int_eq(place(512 * MiB, &img, 0, &l), 0);
	ck_assert_uint_eq(l.kernel, RAM_BASE + 0x80000);
	assert_layout_sane(&l, 512 * MiB, &img, 0);
}
END_TEST

START_TEST(place_initrd_clear_of_kernel_file)
{
	struct arm64_image img = image(0, 20 * MiB, 15 * MiB);
	struct boot_layout l;

	ck_assert_int_eq(place(256 * MiB, &img, 5 * MiB + 123, &l), 0);
	assert_layout_sane(&l, 256 * MiB, &img, 5 * MiB + 123);
	/* A file bigger than image_size still does not run into the initrd. */
	img = image(0, 1 * MiB, 9 * MiB + 1);
	ck_assert_int_eq(place(16 * MiB, &img, 4 * MiB, &l), 0);
	assert_layout_sane(&l, 16 * MiB, &img, 4 * MiB);
}
END_TEST

START_TEST(place_never_overlaps)
{
	static const uint64_t rams[] = { 32, 64, 128, 512, 514, 1024, 4096 };
	static const uint64_t initrds[] = { 0, 1, 7, 100, 490, 1000 };
	struct arm64_image img = image(0x80000, 24 * MiB, 20 * MiB);
	struct boot_layout l;
	int placed = 0;

	for (unsigned int k = 0; k < 7 * 6; k++) {
		uint64_t ram = rams[k / 6] * MiB;
		uint64_t initrd = initrds[k % 6] * MiB + (k % 6 ? 4097 : 0);

		if (place(ram, &img, initrd, &l) != 0)
			continue;
		assert_layout_sane(&l, ram, &img, initrd);
		placed++;
	}
	ck_assert_int_gt(placed, 20);
}
END_TEST

START_TEST(place_too_small)
{
	struct arm64_image img = image(0, 20 * MiB, 15 * MiB);
	struct boot_layout l;

	ck_assert_int_eq(place(16 * MiB, &img, 0, &l), -ENOSPC);
	ck_assert_str_contains(why, "do not fit");
	/* Kernel fits, but not with the DTB. */
	ck_assert_int_eq(place(20 * MiB + DT_MAX_SIZE - SZ_4K, &img, 0, &l),
			 -ENOSPC);
	ck_assert_str_contains(why, "do not fit");
	ck_assert_int_eq(place(20 * MiB + DT_MAX_SIZE, &img, 0, &l), 0);
	/* Kernel and DTB fit, but not with the initrd. */
	ck_assert_int_eq(place(32 * MiB, &img, 12 * MiB - DT_MAX_SIZE, &l), 0);
	ck_assert_int_eq(place(32 * MiB, &img, 12 * MiB - DT_MAX_SIZE + 1, &l),
			 -ENOSPC);
	ck_assert_str_contains(why, "do not fit");
}
END_TEST

/*
 * With transparent huge pages the host zeroes each 2 MiB block the loader
 * writes to. Right after the kernel, DTB and initrd share the block the
 * kernel ends in (its BSS is written anyway) and take no block more than
 * their bytes need.
 */
START_TEST(place_dtb_and_initrd_after_kernel)
{
	struct arm64_image img = image(0, 20 * MiB + 12 * 1024, 15 * MiB);
	struct boot_layout l;

	for (uint64_t initrd = 0; initrd < 9 * MiB; initrd += 333 * 1024 + 5) {
		ck_assert_int_eq(place(256 * MiB, &img, initrd, &l), 0);
		assert_layout_sane(&l, 256 * MiB, &img, initrd);
		ck_assert_uint_eq(l.dtb, l.kernel_end);
		if (initrd)
			ck_assert_uint_eq(l.initrd, l.dtb + l.dtb_max);
		ck_assert_uint_eq(tail_after_kernel(&l), DT_MAX_SIZE + initrd);
	}
	/* A kernel of a few bytes: all of it in the first block. */
	img = image(0, 4096, 80);
	ck_assert_int_eq(place(256 * MiB, &img, 0, &l), 0);
	assert_layout_sane(&l, 256 * MiB, &img, 0);
	ck_assert_uint_eq(l.dtb, RAM_BASE + SZ_4K);
	ck_assert_uint_eq((l.dtb + l.dtb_max - 1) / SZ_2M, RAM_BASE / SZ_2M);
}
END_TEST

/* A DTB that would cross a 2 MiB boundary starts at the boundary. */
START_TEST(place_dtb_never_across_a_block)
{
	struct arm64_image img = image(0, 2 * MiB - 8 * 1024, 1 * MiB);
	struct boot_layout l;

	ck_assert_int_eq(place(64 * MiB, &img, 3 * MiB, &l), 0);
	assert_layout_sane(&l, 64 * MiB, &img, 3 * MiB);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 2 * MiB);
	ck_assert_uint_eq(l.initrd, RAM_BASE + 2 * MiB + DT_MAX_SIZE);
	ck_assert_uint_lt(tail_after_kernel(&l),
			  2 * DT_MAX_SIZE + 3 * MiB + SZ_4K);
	/* Exactly up to the boundary still fits below it. */
	img = image(0, 2 * MiB - DT_MAX_SIZE, 1 * MiB);
	ck_assert_int_eq(place(64 * MiB, &img, 0, &l), 0);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 2 * MiB - DT_MAX_SIZE);
}
END_TEST

/*
 * A kernel with image_size 0 (before Linux 3.17) does not say how far its
 * BSS reaches: DTB and initrd go high, the DTB at the top of the last
 * 2 MiB block below the first 512 MiB (or of RAM if smaller), the initrd
 * right below it, sharing its block.
 */
START_TEST(place_high_without_image_size)
{
	struct arm64_image img = image(0x80000, 0, 15 * MiB);
	struct boot_layout l;

	ck_assert_int_eq(place(4096 * MiB, &img, 16 * MiB, &l), 0);
	assert_layout_sane(&l, 4096 * MiB, &img, 16 * MiB);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 512 * MiB - DT_MAX_SIZE);
	ck_assert_uint_eq(l.initrd, l.dtb - 16 * MiB);
	ck_assert_int_eq(place(64 * MiB, &img, 16 * MiB, &l), 0);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 64 * MiB - DT_MAX_SIZE);
	ck_assert_int_eq(place(65 * MiB, &img, 16 * MiB, &l), 0);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 64 * MiB - DT_MAX_SIZE);
	/* Too big for the first 512 MiB: the top of RAM. */
	ck_assert_int_eq(place(2048 * MiB, &img, 600 * MiB, &l), 0);
	assert_layout_sane(&l, 2048 * MiB, &img, 600 * MiB);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 2048 * MiB - DT_MAX_SIZE);
	ck_assert_int_eq(place(512 * MiB, &img, 600 * MiB, &l), -ENOSPC);
}
END_TEST

/* An initrd past the first 512 MiB still goes right after the DTB. */
START_TEST(place_big_initrd_after_kernel)
{
	struct arm64_image img = image(0, 20 * MiB, 15 * MiB);
	struct boot_layout l;

	ck_assert_int_eq(place(2048 * MiB, &img, 600 * MiB, &l), 0);
	assert_layout_sane(&l, 2048 * MiB, &img, 600 * MiB);
	ck_assert_uint_eq(l.dtb, RAM_BASE + 20 * MiB);
	ck_assert_uint_eq(l.initrd, l.dtb + DT_MAX_SIZE);
	ck_assert_int_eq(place(512 * MiB, &img, 600 * MiB, &l), -ENOSPC);
}
END_TEST

/* --- loader_read_files, loader_copy --------------------------------------- */

static int read_files(const char *kernel, const char *initrd, uint64_t ram,
		      struct boot_files *bf)
{
	why[0] = '\0';
	return loader_read_files(kernel, initrd, ram, bf, why, sizeof(why));
}

START_TEST(read_missing_file)
{
	struct boot_files bf;
	char path[64];

	snprintf(path, sizeof(path), "%s/no-Image", tmpdir);
	ck_assert_int_eq(read_files(path, NULL, 64 * MiB, &bf), -ENOENT);
	ck_assert_str_contains(why, path);
	ck_assert_str_contains(why, "No such file");
}
END_TEST

START_TEST(read_directory)
{
	struct boot_files bf;

	ck_assert_int_ne(read_files(tmpdir, NULL, 64 * MiB, &bf), 0);
	ck_assert_str_contains(why, tmpdir);
	ck_assert_str_contains(why, "not a regular file");
}
END_TEST

START_TEST(read_empty_file)
{
	struct boot_files bf;
	char path[64];

	temp_file(path, "zero-bytes", "", 0);
	ck_assert_int_ne(read_files(path, NULL, 64 * MiB, &bf), 0);
	ck_assert_str_contains(why, path);
	ck_assert_str_contains(why, "empty");
}
END_TEST

START_TEST(read_bad_kernel_named)
{
	uint8_t *raw = make_image(4096, 0, MiB, 0);
	struct boot_files bf;
	char path[64];

	put_le(raw + 56, 0, 4);
	temp_file(path, "zero-magic", raw, 4096);
	ck_assert_int_ne(read_files(path, NULL, 64 * MiB, &bf), 0);
	ck_assert_str_contains(why, path);
	ck_assert_str_contains(why, "magic");
	free(raw);
}
END_TEST

/* @bf placed in @ram_size of fresh RAM and copied there; caller frees. */
static uint8_t *load(struct boot_files *bf, uint64_t ram_size,
		     struct boot_layout *l)
{
	uint8_t *ram = calloc(1, ram_size);
	struct guest_mem mem;

	ck_assert_ptr_nonnull(ram);
	ck_assert_int_eq(place(ram_size, &bf->img, bf->initrd_len, l), 0);
	guest_mem_init_from(&mem, RAM_BASE, ram, ram_size);
	why[0] = '\0';
	ck_assert_int_eq(loader_copy(&mem, bf, l, why, sizeof(why)), 0);
	return ram;
}

START_TEST(read_gzip_kernel_and_initrd)
{
	size_t len = 2 * MiB + 100, gz_len;
	uint8_t *raw = make_image(len, 0, 4 * MiB, 0);
	uint8_t *gz = gzip(raw, len, &gz_len), *ram;
	char kpath[64], ipath[64];
	struct boot_files bf;
	struct boot_layout l;

	temp_file(kpath, "Image.gz", gz, gz_len);
	temp_file(ipath, "initrd", "initrd!", 7);
	ck_assert_int_eq(read_files(kpath, ipath, 64 * MiB, &bf), 0);
	ck_assert_int_eq(bf.kernel_was_gzip, 1);
	ck_assert_uint_eq(bf.kernel_len, len);
	ck_assert_mem_eq(bf.kernel, raw, len);
	ck_assert_int_eq(bf.kernel_fd, -1); /* read, inflated, closed */
	ck_assert_uint_eq(bf.img.image_size, 4 * MiB);
	ck_assert_uint_eq(bf.initrd_len, 7);
	ram = load(&bf, 64 * MiB, &l);
	ck_assert_mem_eq(ram + (l.kernel - RAM_BASE), raw, len);
	ck_assert_mem_eq(ram + (l.initrd - RAM_BASE), "initrd!", 7);
	loader_free_files(&bf);
	free(ram);
	free(gz);
	free(raw);
}
END_TEST

/*
 * A raw Image and the initrd are not read into the heap: only their
 * headers are read up front, the rest goes from the file to guest RAM.
 */
START_TEST(read_raw_kernel_straight_to_ram)
{
	size_t len = 2 * MiB + 100, ilen = 300 * 1000;
	uint8_t *raw = make_image(len, 0x80000, 4 * MiB, 0);
	uint8_t *initrd = make_image(ilen, 0, 1, 0), *ram;
	char kpath[64], ipath[64];
	struct boot_files bf;
	struct boot_layout l;

	make_pe(raw, 0x10000, (uint32_t)(len - 0x10000));
	temp_file(kpath, "Image", raw, len);
	temp_file(ipath, "initrd", initrd, ilen);
	ck_assert_int_eq(read_files(kpath, ipath, 64 * MiB, &bf), 0);
	ck_assert_int_eq(bf.kernel_was_gzip, 0);
	ck_assert_ptr_null(bf.kernel);
	ck_assert_int_ge(bf.kernel_fd, 0);
	ck_assert_int_ge(bf.initrd_fd, 0);
	ck_assert_uint_eq(bf.kernel_len, len);
	ck_assert_uint_eq(bf.img.file_size, len);
	ck_assert_uint_eq(bf.img.text_offset, 0x80000);
	ck_assert_uint_eq(bf.initrd_len, ilen);
	ram = load(&bf, 64 * MiB, &l);
	ck_assert_uint_eq(l.kernel, RAM_BASE + 0x80000);
	ck_assert_mem_eq(ram + (l.kernel - RAM_BASE), raw, len);
	ck_assert_mem_eq(ram + (l.initrd - RAM_BASE), initrd, ilen);
	ck_assert_uint_eq(ram[l.kernel - RAM_BASE + len], 0);
	ck_assert_uint_eq(ram[l.initrd - RAM_BASE + ilen], 0);
	loader_free_files(&bf);
	ck_assert_int_eq(bf.kernel_fd, -1);
	ck_assert_int_eq(bf.initrd_fd, -1);
	free(ram);
	free(initrd);
	/* No initrd: none is opened, none is copied. */
	ck_assert_int_eq(read_files(kpath, NULL, 64 * MiB, &bf), 0);
	ck_assert_int_eq(bf.initrd_fd, -1);
	ck_assert_uint_eq(bf.initrd_len, 0);
	ram = load(&bf, 64 * MiB, &l);
	ck_assert_mem_eq(ram + (l.kernel - RAM_BASE), raw, len);
	loader_free_files(&bf);
	free(ram);
	free(raw);
}
END_TEST

/* Truncation is still caught from the headers alone, before any copy. */
START_TEST(read_truncated_pe_kernel)
{
	size_t len = MiB;
	uint8_t *raw = make_image(len, 0, 4 * MiB, 0);
	struct boot_files bf;
	char kpath[64];

	make_pe(raw, 0x10000, (uint32_t)len); /* needs 64 KiB more */
	temp_file(kpath, "Image", raw, len);
	ck_assert_int_eq(read_files(kpath, NULL, 64 * MiB, &bf), -ENOEXEC);
	ck_assert_str_contains(why, kpath);
	ck_assert_str_contains(why, "truncated");
	ck_assert_int_eq(bf.kernel_fd, -1);
	free(raw);
}
END_TEST

/*
 * A PE/COFF header past the bytes read up front (legal, if odd): the
 * kernel is read whole and checked as before.
 */
START_TEST(read_deep_pe_header)
{
	size_t len = 256 * 1024;
	uint8_t *raw = make_image(len, 0, MiB, 0);
	uint8_t *tmp = make_image(4096, 0, MiB, 0), *ram;
	const uint32_t pe = 0x20000;
	struct boot_files bf;
	struct boot_layout l;
	char kpath[64];

	/* make_pe() writes at 0x40; move its header to @pe. */
	make_pe(tmp, 0x1000, (uint32_t)(len - 0x1000));
	memcpy(raw, tmp, 2);
	memcpy(raw + pe, tmp + 0x40, 24 + 16 + 2 * 40);
	put_le(raw + 60, pe, 4);
	temp_file(kpath, "Image", raw, len);
	ck_assert_int_eq(read_files(kpath, NULL, 64 * MiB, &bf), 0);
	ck_assert_ptr_nonnull(bf.kernel);
	ck_assert_int_eq(bf.kernel_fd, -1);
	ram = load(&bf, 64 * MiB, &l);
	ck_assert_mem_eq(ram + (l.kernel - RAM_BASE), raw, len);
	loader_free_files(&bf);
	free(ram);
	/* And cut short, it is refused. */
	temp_file(kpath, "Image", raw, len - 1);
	ck_assert_int_eq(read_files(kpath, NULL, 64 * MiB, &bf), -ENOEXEC);
	ck_assert_str_contains(why, "truncated");
	free(tmp);
	free(raw);
}
END_TEST

/* A file cut short after the checks: a clear error, not a half boot. */
START_TEST(copy_file_shrank)
{
	size_t len = MiB;
	uint8_t *raw = make_image(len, 0, 4 * MiB, 0);
	uint8_t *ram = calloc(1, 64 * MiB);
	char kpath[64], ipath[64];
	struct boot_files bf;
	struct boot_layout l;
	struct guest_mem mem;

	ck_assert_ptr_nonnull(ram);
	temp_file(kpath, "Image", raw, len);
	temp_file(ipath, "initrd", raw, len);
	ck_assert_int_eq(read_files(kpath, ipath, 64 * MiB, &bf), 0);
	ck_assert_int_eq(place(64 * MiB, &bf.img, bf.initrd_len, &l), 0);
	guest_mem_init_from(&mem, RAM_BASE, ram, 64 * MiB);
	ck_assert_int_eq(truncate(ipath, len / 2), 0);
	ck_assert_int_eq(loader_copy(&mem, &bf, &l, why, sizeof(why)), -EIO);
	ck_assert_str_contains(why, ipath);
	ck_assert_str_contains(why, "shorter");
	ck_assert_int_eq(truncate(kpath, 10), 0);
	ck_assert_int_eq(loader_copy(&mem, &bf, &l, why, sizeof(why)), -EIO);
	ck_assert_str_contains(why, kpath);
	loader_free_files(&bf);
	free(ram);
	free(raw);
}
END_TEST

START_TEST(read_larger_than_ram)
{
	uint8_t *raw = make_image(2 * MiB, 0, 4 * MiB, 0), *gz;
	char kpath[64], ipath[64];
	struct boot_files bf;
	size_t gz_len;

	temp_file(kpath, "Image", raw, 64 * 1024);
	temp_file(ipath, "initrd", raw, MiB + 1);
	ck_assert_int_ne(read_files(kpath, ipath, MiB, &bf), 0);
	ck_assert_str_contains(why, ipath);
	/* A gzip kernel that is small, but not once decompressed. */
	gz = gzip(raw, 2 * MiB, &gz_len);
	temp_file(kpath, "Image.gz", gz, gz_len);
	ck_assert_int_eq(read_files(kpath, NULL, MiB, &bf), -EFBIG);
	ck_assert_str_contains(why, kpath);
	free(gz);
	free(raw);
}
END_TEST

START_TEST(copy_lands_in_ram)
{
	uint64_t ram_size = 16 * MiB;
	uint8_t *ram = calloc(1, ram_size), *raw = make_image(MiB, 0, MiB, 0);
	uint8_t initrd[5000];
	char ipath[64];
	struct boot_files bf;
	struct boot_layout l;
	struct guest_mem mem;

	ck_assert_ptr_nonnull(ram);
	memset(initrd, 0x5a, sizeof(initrd));
	temp_file(ipath, "initrd", initrd, sizeof(initrd));
	loader_files_init(&bf);
	bf.kernel = raw;
	bf.kernel_len = MiB;
	bf.initrd_fd = open(ipath, O_RDONLY | O_CLOEXEC);
	bf.initrd_len = sizeof(initrd);
	ck_assert_int_ge(bf.initrd_fd, 0);
	ck_assert_int_eq(parse(raw, MiB, &bf.img), 0);
	ck_assert_int_eq(place(ram_size, &bf.img, sizeof(initrd), &l), 0);
	guest_mem_init_from(&mem, RAM_BASE, ram, ram_size);
	ck_assert_int_eq(loader_copy(&mem, &bf, &l, why, sizeof(why)), 0);
	ck_assert_mem_eq(ram + (l.kernel - RAM_BASE), raw, MiB);
	ck_assert_mem_eq(ram + (l.initrd - RAM_BASE), initrd, sizeof(initrd));
	/* Nothing else was written. */
	ck_assert_uint_eq(ram[l.kernel - RAM_BASE + MiB], 0);
	ck_assert_uint_eq(ram[l.initrd - RAM_BASE - 1], 0);
	ck_assert_uint_eq(ram[l.initrd - RAM_BASE + sizeof(initrd)], 0);
	/* A layout outside this RAM is refused, and nothing written. */
	memset(ram, 0, ram_size);
	l.initrd = RAM_BASE + ram_size - 100;
	ck_assert_int_eq(loader_copy(&mem, &bf, &l, why, sizeof(why)), -EFAULT);
	ck_assert_uint_eq(ram[ram_size - 1], 0);
	ck_assert_uint_eq(ram[l.kernel - RAM_BASE], 0);
	loader_free_files(&bf); /* frees raw */
	free(ram);
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *image = tcase_create("image"), *gunzip = tcase_create("gunzip");
	TCase *place = tcase_create("place"), *files = tcase_create("files");

	unit_add_tests(image, image_valid, image_truncated_header,
		       image_bad_magic, image_size_zero, image_big_endian,
		       image_text_offset, pe_image_valid, pe_sections_past_end,
		       pe_header_past_end);
	tcase_add_checked_fixture(gunzip, make_gz, free_gz);
	unit_add_tests(gunzip, gunzip_round_trip, gunzip_corrupt,
		       gunzip_truncated, gunzip_max_out);
	unit_add_tests(place, place_kernel_at_text_offset,
		       place_initrd_clear_of_kernel_file, place_never_overlaps,
		       place_too_small, place_dtb_and_initrd_after_kernel,
		       place_dtb_never_across_a_block,
		       place_high_without_image_size,
		       place_big_initrd_after_kernel);
	tcase_add_unchecked_fixture(files, make_tmpdir, remove_tmpdir);
	unit_add_tests(
		files, read_missing_file, read_directory, read_empty_file,
		read_bad_kernel_named, read_gzip_kernel_and_initrd,
		read_raw_kernel_straight_to_ram, read_truncated_pe_kernel,
		read_deep_pe_header, copy_file_shrank, read_larger_than_ram,
		copy_lands_in_ram);
	suite_add_tcase(s, image);
	suite_add_tcase(s, gunzip);
	suite_add_tcase(s, place);
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return unit_run(loader_suite());
}
