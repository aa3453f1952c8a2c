/* SPDX-License-Identifier: BSD-2-Clause */
/* fsdiag.h: why the OS refused a database write (store/ internal). */
#ifndef OTZ_FSDIAG_H
#define OTZ_FSDIAG_H

#include <stddef.h>

/*
 * Look at the database file at path, its -wal/-shm/-journal files and its
 * directory; write the first cause that holds ("DIR is on a read-only
 * file system", "the file system of DIR is full", "FILE is immutable or
 * append-only (chattr +i/+a)", "no write permission on FILE") to out, or
 * "" when none does.
 */
void store_fs_hint(const char *path, char *out, size_t outlen);

#endif
