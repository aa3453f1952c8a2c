/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nommap.c: an LD_PRELOAD shim for tests/badinput: read-only shared
 * mappings of a file (how otzone maps a large capture) fail with ENODEV,
 * as on a file system that cannot map, after NOMMAP_AFTER of them
 * (default 0) have succeeded.  Other mappings (anonymous memory, the
 * SQLite WAL index, libraries) are left alone.  At exit it prints
 * "nommap: allowed A, refused R" on stderr.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>

static unsigned allowed, refused;

static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

void *mmap(void *, size_t, int, int, int, off_t);
void *mmap64(void *, size_t, int, int, int, off_t);

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (real_mmap == NULL)
		real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))
		    dlsym(RTLD_NEXT, "mmap");
	if (fd >= 0 && prot == PROT_READ && (flags & MAP_SHARED)) {
		const char *s = getenv("NOMMAP_AFTER");
		unsigned after = s != NULL ? (unsigned)atoi(s) : 0;

		if (allowed >= after) {
			refused++;
			errno = ENODEV;
			return MAP_FAILED;
		}
		allowed++;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

__attribute__((destructor)) static void
report(void)
{
	fprintf(stderr, "nommap: allowed %u, refused %u\n", allowed, refused);
}
