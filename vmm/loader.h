/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot payloads: the arm64 Linux Image (optionally gzip-compressed), the
 * initrd, and where each goes in guest RAM. Header parsing and placement
 * are pure functions of their inputs, so they are tested on any host.
 *
 * Every failure comes with a one-line reason in the caller's buffer that
 * names the file and the problem; nothing is written to the guest until
 * everything has been checked.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_mem.h"

#define ARM64_IMAGE_MAGIC    0x644d5241 /* "ARM\x64" */
#define ARM64_IMAGE_HDR_SIZE 64
#define ARM64_IMAGE_FLAG_BE  (1ULL << 0)

struct arm64_image {
	uint64_t text_offset; /* from a 2 MiB aligned base */
	uint64_t image_size;  /* bytes the kernel occupies, BSS included */
	uint64_t flags;
	uint64_t file_size; /* bytes to copy */
};

/*
 * loader_parse_image() - validate the Image header of @buf (@len bytes).
 * Checks the magic, endianness, text_offset, image_size, and that the file
 * is not truncated (when it carries a PE/COFF header, as EFI-stub kernels
 * do, every section's data must be in the file). Returns 0 or -ENOEXEC
 * with the reason in @why.
 */
int loader_parse_image(const uint8_t *buf, size_t len, struct arm64_image *img,
		       char *why, size_t why_len);

/* loader_is_gzip() - whether @buf starts with the gzip magic. */
int loader_is_gzip(const uint8_t *buf, size_t len);

/*
 * loader_gunzip() - inflate a gzip stream of @in_len bytes into a new
 * malloc'd buffer of at most @max_out bytes (the guest's RAM: anything
 * larger cannot boot). On success *@out (caller frees) and *@out_len.
 * Returns 0, -ENOMEM, -EFBIG (larger than @max_out) or -EINVAL (corrupt
 * or truncated stream, reason in @why).
 */
int loader_gunzip(const uint8_t *in, size_t in_len, size_t max_out,
		  uint8_t **out, size_t *out_len, char *why, size_t why_len);

struct boot_layout {
	gpa_t kernel;	  /* load address of the Image */
	gpa_t kernel_end; /* end of image_size (BSS included) */
	gpa_t initrd;	  /* 0 when there is none */
	uint64_t initrd_size;
	gpa_t dtb; /* 4 KiB aligned, dtb_max bytes inside one 2 MiB block */
	uint64_t dtb_max;
};

/*
 * loader_place() - where the kernel, initrd and DTB go in RAM of @ram_size
 * bytes at @ram_base. The kernel sits at the 2 MiB aligned RAM base plus
 * text_offset. The DTB (@dtb_max bytes, at most 2 MiB, never across a
 * 2 MiB boundary) follows the kernel's image_size, then the initrd, both
 * 4 KiB aligned: the fewest 2 MiB blocks written. A kernel with
 * image_size 0 (before Linux 3.17) does not say where its BSS ends; its
 * DTB goes at the top of the last whole 2 MiB block below the top of the
 * first 512 MiB (or of RAM if smaller) with the initrd right below, or
 * at the top of RAM if that collides with the kernel.
 * Returns 0, or -ENOSPC with the reason.
 */
int loader_place(gpa_t ram_base, uint64_t ram_size,
		 const struct arm64_image *img, uint64_t initrd_size,
		 uint64_t dtb_max, struct boot_layout *out, char *why,
		 size_t why_len);

/*
 * The boot payloads between the checks and the copy into guest RAM. A raw
 * Image and the initrd stay in their files (@kernel_fd, @initrd_fd) and are
 * read straight into guest RAM, as kvmtool and Firecracker do: no heap
 * copy of tens of MiB on the way. Only a gzip Image, or one whose PE/COFF
 * header lies past the first LOADER_HEAD_SIZE bytes, is held in @kernel.
 */
struct boot_files {
	uint8_t *kernel; /* the (decompressed) Image, or NULL: in kernel_fd */
	size_t kernel_len;
	int kernel_fd; /* -1 when closed */
	int kernel_was_gzip;
	struct arm64_image img;
	int initrd_fd; /* -1 when there is none */
	size_t initrd_len;
	const char *kernel_path, *initrd_path; /* the caller's, for reasons */
};

/* Bytes of a raw Image read up front for its headers. */
#define LOADER_HEAD_SIZE 4096

/* loader_files_init() - an empty @bf (no files open). */
void loader_files_init(struct boot_files *bf);

/*
 * loader_read_files() - open the kernel (decompressing a gzip Image) and
 * the optional initrd (@initrd_path may be NULL) and validate the kernel.
 * @ram_size bounds what is worth reading. Returns 0, or -errno with a
 * one-line reason naming the file in @why. On success the files stay open
 * until loader_free_files().
 */
int loader_read_files(const char *kernel_path, const char *initrd_path,
		      uint64_t ram_size, struct boot_files *bf, char *why,
		      size_t why_len);
void loader_free_files(struct boot_files *bf);

/*
 * loader_copy() - put kernel and initrd into guest RAM at @layout. Every
 * address goes through the guest memory bounds checks. Returns 0, -EFAULT
 * (a range outside RAM: nothing is written), or -EIO when a file no
 * longer holds the bytes it had when it was checked (with the reason,
 * naming the file, in @why).
 */
int loader_copy(const struct guest_mem *mem, const struct boot_files *bf,
		const struct boot_layout *layout, char *why, size_t why_len);

#endif
