/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synthetic boot payloads for the loader tests: arm64 Image headers (see
 * Documentation/arch/arm64/booting.rst), the PE/COFF header of an EFI-stub
 * kernel, gzip streams, and a temporary directory for the files read.
 */
#ifndef TESTS_UNIT_FAKE_IMAGE_H
#define TESTS_UNIT_FAKE_IMAGE_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>

#include <zlib.h>

#include "loader.h"
#include "unit.h"

/* Store @v as @n little-endian bytes at @p. */
static inline void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A malloc'd @len byte Image (body: a pattern) with these header fields. */
static inline uint8_t *make_image(size_t len, uint64_t text_offset,
				  uint64_t image_size, uint64_t flags)
{
	uint8_t *buf = malloc(len);

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 12));
	memset(buf, 0, len < ARM64_IMAGE_HDR_SIZE ? len : ARM64_IMAGE_HDR_SIZE);
	if (len >= ARM64_IMAGE_HDR_SIZE) {
		put_le(buf + 8, text_offset, 8);
		put_le(buf + 16, image_size, 8);
		put_le(buf + 24, flags, 8);
		put_le(buf + 56, ARM64_IMAGE_MAGIC, 4);
	}
	return buf;
}

/*
 * Make the Image in @buf an EFI-stub one: "MZ", a PE/COFF header at 0x40
 * (res5 points at it) and two sections, the second being the file's
 * [@ptr, @ptr + @size). Writes the first 184 bytes.
 */
static inline void make_pe(uint8_t *buf, uint32_t ptr, uint32_t size)
{
	const uint32_t pe = 0x40, opt = 16, sec = pe + 24 + opt;

	memset(buf + pe, 0, sec + 2 * 40 - pe);
	buf[0] = 'M';
	buf[1] = 'Z';
	put_le(buf + 60, pe, 4);
	memcpy(buf + pe, "PE\0\0", 4);
	put_le(buf + pe + 4, 0xaa64, 2); /* IMAGE_FILE_MACHINE_ARM64 */
	put_le(buf + pe + 6, 2, 2);	 /* NumberOfSections */
	put_le(buf + pe + 20, opt, 2);	 /* SizeOfOptionalHeader */
	put_le(buf + sec + 16, 0x200, 4); /* SizeOfRawData */
	put_le(buf + sec + 20, 0x200, 4); /* PointerToRawData */
	put_le(buf + sec + 40 + 16, size, 4);
	put_le(buf + sec + 40 + 20, ptr, 4);
}

/* @len bytes gzip-compressed (not zlib: windowBits 16 + 15). Caller frees. */
static inline uint8_t *gzip(const uint8_t *in, size_t len, size_t *out_len)
{
	z_stream zs;
	uint8_t *out;
	size_t cap;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	cap = deflateBound(&zs, len);
	out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* Made in the parent before the tests, removed with its files after. */
static char tmpdir[] = "/tmp/vmm-unit-loader-XXXXXX";

static inline void make_tmpdir(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline int remove_entry(const char *path, const struct stat *st,
			       int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void remove_tmpdir(void)
{
	nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The file @name in the test directory, holding @len bytes of @data. */
static inline const char *temp_file(char path[64], const char *name,
			     const void *data, size_t len)
{
	FILE *f;

	snprintf(path, 64, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

#endif
