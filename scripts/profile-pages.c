// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linked into build/arm64/vmm-profile only (scripts/profile-layout.sh).
 * When the program exits, it writes the pages of its own image that are
 * mapped, one hex address a line, to $VMM_PROFILE_PAGES: with the
 * kernel's fault-around off, the pages the whole run touched.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((destructor)) profile_pages(void)
{
	const char *path = getenv("VMM_PROFILE_PAGES");
	unsigned long lo, hi;
	char line[512], perm[5];
	FILE *maps, *out;
	int pm;

	if (!path)
		return;
	maps = fopen("/proc/self/maps", "r");
	pm = open("/proc/self/pagemap", O_RDONLY);
	out = fopen(path, "w");
	if (!maps || pm < 0 || !out) {
		fprintf(stderr, "vmm-profile: cannot write %s\n", path);
		_exit(1);
	}
	/* The image's executable mapping: code and read-only data. */
	while (fgets(line, sizeof(line), maps))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perm) == 3 &&
		    strcmp(perm, "r-xp") == 0 && strstr(line, "vmm-profile"))
			for (unsigned long a = lo; a < hi; a += 4096) {
				uint64_t e;

				if (pread(pm, &e, sizeof(e),
					  (off_t)(a / 4096 * 8)) == sizeof(e) &&
				    e >> 63)
					fprintf(out, "%lx\n", a);
			}
	fclose(out);
	fclose(maps);
	close(pm);
}
