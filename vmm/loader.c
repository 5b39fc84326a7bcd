// SPDX-License-Identifier: GPL-2.0-only
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"

#define MIB(x) ((double)(x) / (1024.0 * 1024.0))

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/*
 * EFI-stub kernels start with an MS-DOS "MZ" stub whose e_lfanew (the
 * Image header's res5 word, offset 60) points at a PE/COFF header. Its
 * section table says how many bytes of the file the kernel needs, which
 * the arm64 header alone cannot tell: that is how a truncated Image is
 * caught before it boots and dies silently.
 *
 * @buf holds the first @len bytes of a file of @file_len. Returns 0,
 * -ENOEXEC with the reason, or -EAGAIN when the headers lie past @len
 * (only when @len < @file_len): the caller then reads the whole file.
 */
static int check_pe_sections(const uint8_t *buf, size_t len, size_t file_len,
			     char *why, size_t why_len)
{
	uint64_t pe, nsec, opt, sec, need = 0;

	if (len < 2 || buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	pe = get_le32(buf + 60);
	if ((pe > len || len - pe < 24) && len < file_len)
		return -EAGAIN;
	if (pe > len || len - pe < 24 || memcmp(buf + pe, "PE\0\0", 4) != 0) {
		log_why(why, why_len,
			"truncated or corrupt: PE/COFF header at offset "
			"%" PRIu64 " is missing (file is %zu bytes)",
			pe, file_len);
		return -ENOEXEC;
	}
	nsec = get_le16(buf + pe + 6);
	opt = get_le16(buf + pe + 20);
	sec = pe + 24 + opt;
	if (sec > len || (len - sec) / 40 < nsec) {
		if (len < file_len)
			return -EAGAIN;
		log_why(why, why_len,
			"truncated: PE/COFF section table ends past the end of "
			"the file (%zu bytes)",
			file_len);
		return -ENOEXEC;
	}
	for (uint64_t i = 0; i < nsec; i++) {
		const uint8_t *s = buf + sec + i * 40;
		uint64_t end = (uint64_t)get_le32(s + 20) + get_le32(s + 16);

		if (end > need)
			need = end;
	}
	if (need > file_len) {
		log_why(why, why_len,
			"truncated: file is %zu bytes, its sections need "
			"%" PRIu64,
			file_len, need);
		return -ENOEXEC;
	}
	return 0;
}

/* loader_parse_image() on the first @len bytes of a file of @file_len. */
static int parse_head(const uint8_t *buf, size_t len, size_t file_len,
		      struct arm64_image *img, char *why, size_t why_len)
{
	uint32_t magic;

	if (len < ARM64_IMAGE_HDR_SIZE) {
		log_why(why, why_len,
			"truncated: file is %zu bytes, an arm64 Image header "
			"needs %d",
			file_len, ARM64_IMAGE_HDR_SIZE);
		return -ENOEXEC;
	}
	magic = get_le32(buf + 56);
	if (magic != ARM64_IMAGE_MAGIC) {
		log_why(why, why_len,
			"not an arm64 Linux Image: bad magic 0x%08" PRIx32
			" at offset 56 (want 0x%08x \"ARM\\x64\")",
			magic, ARM64_IMAGE_MAGIC);
		return -ENOEXEC;
	}
	img->text_offset = get_le64(buf + 8);
	img->image_size = get_le64(buf + 16);
	img->flags = get_le64(buf + 24);
	img->file_size = file_len;
	if (img->image_size == 0) {
		log_why(why, why_len,
			"Image header has image_size 0 (a kernel older than "
			"3.17); not supported");
		return -ENOEXEC;
	}
	if (img->flags & ARM64_IMAGE_FLAG_BE) {
		log_why(why, why_len,
			"big-endian kernel; vmm boots little-endian");
		return -ENOEXEC;
	}
	if (img->text_offset >= SZ_2M || img->text_offset % SZ_4K) {
		log_why(why, why_len,
			"corrupt Image header: text_offset 0x%" PRIx64
			" is not a 4 KiB multiple below 2 MiB",
			img->text_offset);
		return -ENOEXEC;
	}
	if (img->image_size > (1ULL << 40)) {
		log_why(why, why_len,
			"corrupt Image header: image_size 0x%" PRIx64
			" is absurd",
			img->image_size);
		return -ENOEXEC;
	}
	return check_pe_sections(buf, len, file_len, why, why_len);
}

int loader_parse_image(const uint8_t *buf, size_t len, struct arm64_image *img,
		       char *why, size_t why_len)
{
	return parse_head(buf, len, len, img, why, why_len);
}

int loader_is_gzip(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

int loader_gunzip(const uint8_t *in, size_t in_len, size_t max_out,
		  uint8_t **out, size_t *out_len, char *why, size_t why_len)
{
	z_stream zs;
	uint8_t *buf = NULL;
	size_t cap = 0;
	int zret, ret;

	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: expect a gzip wrapper, check its CRC and length. */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = in_len > UINT32_MAX ? UINT32_MAX : (uInt)in_len;
	do {
		if (zs.total_out == cap) {
			size_t ncap = cap ? cap * 2 : 4 * in_len + SZ_1M;
			uint8_t *nbuf;

			if (cap >= max_out) {
				log_why(why, why_len,
					"decompresses to more than the %.0f "
					"MiB "
					"of RAM",
					MIB(max_out));
				ret = -EFBIG;
				goto err;
			}
			if (ncap > max_out)
				ncap = max_out;
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				ret = -ENOMEM;
				goto err;
			}
			buf = nbuf;
			cap = ncap;
		}
		zs.next_out = buf + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out > UINT32_MAX
					      ? UINT32_MAX
					      : cap - zs.total_out);
		zret = inflate(&zs, Z_NO_FLUSH);
		if (zret == Z_BUF_ERROR && zs.avail_in == 0) {
			log_why(why, why_len,
				"truncated gzip data (stream ends early)");
			ret = -EINVAL;
			goto err;
		}
		if (zret != Z_OK && zret != Z_STREAM_END &&
		    zret != Z_BUF_ERROR) {
			log_why(why, why_len, "corrupt gzip data: %s",
				zs.msg ? zs.msg : "inflate failed");
			ret = -EINVAL;
			goto err;
		}
	} while (zret != Z_STREAM_END);
	*out = buf;
	*out_len = zs.total_out;
	inflateEnd(&zs);
	return 0;
err:
	free(buf);
	inflateEnd(&zs);
	return ret;
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * Try DTB and initrd right after the kernel's image_size (@kernel_end_off),
 * inside @top: the DTB first, moved up to the next 2 MiB boundary if it
 * would cross one (which Linux before 4.2 required it not to), then the
 * initrd. With transparent huge pages the host zeroes a whole 2 MiB block
 * before its first byte is written, and the block the kernel ends in is
 * written anyway (the guest clears its BSS there): after it, a small DTB
 * and initrd cost no block of their own. 0 if they fit.
 */
static int place_above(uint64_t top, uint64_t kernel_end_off,
		       uint64_t initrd_size, uint64_t dtb_size,
		       uint64_t *dtb_off, uint64_t *initrd_off)
{
	uint64_t dtb = kernel_end_off, initrd;

	if (dtb / SZ_2M != (dtb + dtb_size - 1) / SZ_2M)
		dtb = align_up(dtb, SZ_2M);
	if (dtb > top || dtb_size > top - dtb)
		return -ENOSPC;
	initrd = align_up(dtb + dtb_size, SZ_4K);
	if (initrd_size && (initrd > top || initrd_size > top - initrd))
		return -ENOSPC;
	*dtb_off = dtb;
	*initrd_off = initrd;
	return 0;
}

/*
 * Try DTB and initrd below @top (an offset into RAM), for a kernel that
 * does not say how much RAM past its file it uses (image_size 0, before
 * Linux 3.17). 0 if they fit. The DTB takes the top of the last whole
 * 2 MiB block below @top, so it never crosses a 2 MiB boundary, and the
 * initrd ends right below it: packed, they touch as few blocks as they
 * can there.
 */
static int place_below(uint64_t top, uint64_t kernel_end_off,
		       uint64_t initrd_size, uint64_t dtb_size,
		       uint64_t *dtb_off, uint64_t *initrd_off)
{
	uint64_t end = align_down(top, SZ_2M), dtb, initrd;

	if (end < SZ_2M)
		return -ENOSPC;
	dtb = align_down(end - dtb_size, SZ_4K);
	if (dtb < kernel_end_off)
		return -ENOSPC;
	initrd = dtb;
	if (initrd_size) {
		if (initrd_size > dtb)
			return -ENOSPC;
		initrd = align_down(dtb - initrd_size, SZ_4K);
		if (initrd < kernel_end_off)
			return -ENOSPC;
	}
	*dtb_off = dtb;
	*initrd_off = initrd;
	return 0;
}

int loader_place(gpa_t ram_base, uint64_t ram_size,
		 const struct arm64_image *img, uint64_t initrd_size,
		 uint64_t dtb_max, struct boot_layout *out, char *why,
		 size_t why_len)
{
	uint64_t kernel_off, kernel_end_off, dtb_off, initrd_off;
	int ret = 0;
	uint64_t span = img->image_size > img->file_size ? img->image_size
							 : img->file_size;
	uint64_t window = ram_size < 512 * SZ_1M ? ram_size : 512 * SZ_1M;
	/* What the placers reserve for the DTB: at least one byte. */
	uint64_t dtb_size = dtb_max ? dtb_max : 1;

	if (ram_base % SZ_2M || dtb_max > SZ_2M) {
		log_why(why, why_len, "internal: bad RAM base or DTB size");
		return -EINVAL;
	}
	kernel_off = img->text_offset;
	kernel_end_off = align_up(kernel_off + span, SZ_4K);
	if (kernel_end_off > ram_size)
		ret = -ENOSPC;
	else if (img->image_size)
		ret = place_above(ram_size, kernel_end_off, initrd_size,
				  dtb_size, &dtb_off, &initrd_off);
	else if (place_below(window, kernel_end_off, initrd_size, dtb_size,
			     &dtb_off, &initrd_off))
		ret = place_below(ram_size, kernel_end_off, initrd_size,
				  dtb_size, &dtb_off, &initrd_off);
	if (ret) {
		char initrd[48] = "";

		if (initrd_size)
			snprintf(initrd, sizeof(initrd), ", initrd (%.1f MiB)",
				 MIB(initrd_size));
		log_why(why, why_len,
			"kernel (%.1f MiB with BSS)%s and device tree "
			"(%.0f KiB) do not fit in %.0f MiB of RAM; give more "
			"--mem",
			MIB(span), initrd, (double)dtb_max / 1024,
			MIB(ram_size));
		return -ENOSPC;
	}
	out->kernel = ram_base + kernel_off;
	out->kernel_end = ram_base + kernel_end_off;
	out->dtb = ram_base + dtb_off;
	out->dtb_max = dtb_max;
	out->initrd_size = initrd_size;
	out->initrd = initrd_size ? ram_base + initrd_off : 0;
	return 0;
}

/*
 * Open the regular, non-empty file @path of at most @max bytes. 0 or
 * -errno, with the reason naming @what and @path.
 */
static int open_file(const char *path, uint64_t max, const char *what,
		     int *out_fd, size_t *out_len, char *why, size_t why_len)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		log_why(why, why_len, "%s '%s': %s", what, path,
			strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		log_why(why, why_len, "%s '%s': %s", what, path,
			strerror(-ret));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		log_why(why, why_len, "%s '%s': not a regular file", what,
			path);
		goto err_close;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		log_why(why, why_len,
			"%s '%s' (%.1f MiB) is larger than the %.0f MiB of "
			"RAM; "
			"give more --mem",
			what, path, MIB(st.st_size), MIB(max));
		goto err_close;
	}
	if (st.st_size == 0) {
		ret = -EINVAL;
		log_why(why, why_len, "%s '%s': file is empty", what, path);
		goto err_close;
	}
	*out_fd = fd;
	*out_len = (size_t)st.st_size;
	return 0;
err_close:
	close(fd);
	return ret;
}

/* Read exactly @len bytes at offset 0 of @fd. 0, -errno, or -EIO if short. */
static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* read_all() of the @what file @path; on failure the reason is in @why. */
static int read_named(int fd, uint8_t *buf, size_t len, const char *what,
		      const char *path, char *why, size_t why_len)
{
	int ret = read_all(fd, buf, len);

	if (ret)
		log_why(why, why_len, "%s '%s': read failed: %s", what, path,
			ret == -EIO ? "file is shorter than when it was opened"
				    : strerror(-ret));
	return ret;
}

/* The whole kernel file into the heap, for gunzip or a deep PE header. */
static int read_kernel_to_heap(struct boot_files *bf, char *why, size_t why_len)
{
	uint8_t *buf = malloc(bf->kernel_len);
	int ret;

	if (!buf) {
		log_why(why, why_len, "kernel '%s': out of memory",
			bf->kernel_path);
		return -ENOMEM;
	}
	ret = read_named(bf->kernel_fd, buf, bf->kernel_len, "kernel",
			 bf->kernel_path, why, why_len);
	if (ret) {
		free(buf);
		return ret;
	}
	close(bf->kernel_fd);
	bf->kernel_fd = -1;
	bf->kernel = buf;
	return 0;
}

void loader_files_init(struct boot_files *bf)
{
	memset(bf, 0, sizeof(*bf));
	bf->kernel_fd = bf->initrd_fd = -1;
}

int loader_read_files(const char *kernel_path, const char *initrd_path,
		      uint64_t ram_size, struct boot_files *bf, char *why,
		      size_t why_len)
{
	uint8_t head[LOADER_HEAD_SIZE];
	size_t head_len;
	char reason[256];
	int ret;

	loader_files_init(bf);
	bf->kernel_path = kernel_path;
	bf->initrd_path = initrd_path;
	ret = open_file(kernel_path, ram_size, "kernel", &bf->kernel_fd,
			&bf->kernel_len, why, why_len);
	if (ret)
		return ret;
	head_len =
		bf->kernel_len < sizeof(head) ? bf->kernel_len : sizeof(head);
	ret = read_named(bf->kernel_fd, head, head_len, "kernel", kernel_path,
			 why, why_len);
	if (ret)
		goto err_free;
	if (loader_is_gzip(head, head_len)) {
		uint8_t *raw;
		size_t raw_len;

		ret = read_kernel_to_heap(bf, why, why_len);
		if (ret)
			goto err_free;
		ret = loader_gunzip(bf->kernel, bf->kernel_len, ram_size, &raw,
				    &raw_len, reason, sizeof(reason));
		if (ret) {
			log_why(why, why_len, "kernel '%s': %s", kernel_path,
				ret == -ENOMEM ? "out of memory" : reason);
			goto err_free;
		}
		free(bf->kernel);
		bf->kernel = raw;
		bf->kernel_len = raw_len;
		bf->kernel_was_gzip = 1;
		ret = loader_parse_image(raw, raw_len, &bf->img, reason,
					 sizeof(reason));
	} else {
		ret = parse_head(head, head_len, bf->kernel_len, &bf->img,
				 reason, sizeof(reason));
		if (ret == -EAGAIN) {
			ret = read_kernel_to_heap(bf, why, why_len);
			if (ret)
				goto err_free;
			ret = loader_parse_image(bf->kernel, bf->kernel_len,
						 &bf->img, reason,
						 sizeof(reason));
		}
	}
	if (ret) {
		log_why(why, why_len, "kernel '%s'%s: %s", kernel_path,
			bf->kernel_was_gzip ? " (after gunzip)" : "", reason);
		goto err_free;
	}
	if (initrd_path) {
		ret = open_file(initrd_path, ram_size, "initrd", &bf->initrd_fd,
				&bf->initrd_len, why, why_len);
		if (ret)
			goto err_free;
	}
	return 0;
err_free:
	loader_free_files(bf);
	return ret;
}

void loader_free_files(struct boot_files *bf)
{
	free(bf->kernel);
	if (bf->kernel_fd >= 0)
		close(bf->kernel_fd);
	if (bf->initrd_fd >= 0)
		close(bf->initrd_fd);
	loader_files_init(bf);
}

int loader_copy(const struct guest_mem *mem, const struct boot_files *bf,
		const struct boot_layout *layout, char *why, size_t why_len)
{
	uint8_t *kernel = guest_mem_ptr(mem, layout->kernel, bf->kernel_len);
	uint8_t *initrd = NULL;

	if (bf->initrd_len) {
		initrd = guest_mem_ptr(mem, layout->initrd, bf->initrd_len);
		if (!initrd)
			return -EFAULT;
	}
	if (!kernel)
		return -EFAULT;
	if (bf->kernel)
		memcpy(kernel, bf->kernel, bf->kernel_len);
	else if (read_named(bf->kernel_fd, kernel, bf->kernel_len, "kernel",
			    bf->kernel_path, why, why_len))
		return -EIO;
	if (initrd && read_named(bf->initrd_fd, initrd, bf->initrd_len,
				 "initrd", bf->initrd_path, why, why_len))
		return -EIO;
	return 0;
}
