/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsdiag.c: say why the operating system refused a database write.
 *
 * SQLite reports a failed write as "disk I/O error", "attempt to write a
 * readonly database" or "unable to open database file", and the errno it
 * keeps (sqlite3_system_errno) belongs to whatever system call came last,
 * often an unrelated probe: on a read-only file system it says "No such
 * file or directory".  So when a write fails we look at the file and its
 * directory ourselves and name the first cause that holds: a read-only
 * file system, a full one, an immutable file (chattr +i), or missing
 * write permission.  Nothing is named when none holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fsdiag.h"

/* 1 when path exists and carries the immutable or append-only flag. */
static int
immutable(const char *path)
{
	int fd, flags = 0, r = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
	    (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) != 0)
		r = 1;
	close(fd);
	return r;
}

void
store_fs_hint(const char *path, char *out, size_t outlen)
{
	char dir[4096], side[4200];
	const char *slash;
	struct statvfs vfs;
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	size_t i;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (path == NULL || path[0] == '\0')
		return;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);

	if (statvfs(dir, &vfs) == 0) {
		if (vfs.f_flag & ST_RDONLY) {
			snprintf(out, outlen, "%s is on a read-only file system",
			    dir);
			return;
		}
		if (vfs.f_bavail == 0) {
			snprintf(out, outlen, "the file system of %s is full",
			    dir);
			return;
		}
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
		if (immutable(side)) {
			snprintf(out, outlen, "%s is immutable or append-only "
			    "(chattr +i/+a)", side);
			return;
		}
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
		if (access(side, F_OK) == 0 && access(side, W_OK) != 0 &&
		    (errno == EACCES || errno == EPERM)) {
			snprintf(out, outlen, "no write permission on %s",
			    side);
			return;
		}
	}
	if (access(dir, W_OK) != 0 && (errno == EACCES || errno == EPERM))
		snprintf(out, outlen, "no write permission on the directory "
		    "%s", dir);
}
