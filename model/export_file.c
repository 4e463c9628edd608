/*
 * export_file.c - the export's file: temporary name, mode 0600, fsync,
 * atomic publication, never through a link (export_file.h).
 */
#include "export_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Attempts at a fresh temporary name before giving up: a collision needs
 * another process guessing the same random suffix, so a few suffice. */
#define EXPORT_TMP_TRIES 64

/* The directory part of `path` ("." when it has none), malloc()ed. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	size_t n = (size_t)(slash - path);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

/* A fresh 0600 file next to the target, "DIR/.NAME.XXXXXXXX.tmp": hidden,
 * on the same file system (so the rename is atomic), never an existing
 * file or link (O_EXCL|O_NOFOLLOW). */
static ss_status temp_create(ss_manager *mgr, const char *path, const char *dir, char **tmp,
                             int *fd)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t size = strlen(dir) + strlen(base) + 32;
	char *name = malloc(size);
	if (!name)
		return mgr_fail(mgr, SS_NOMEM, "out of memory starting the export");
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* The suffix only needs to differ from a concurrent export's: mix the
	 * pid and the clock, stepping on a collision. */
	uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15u ^ (uint64_t)ts.tv_nsec ^
	             ((uint64_t)ts.tv_sec << 32);
	for (int i = 0; i < EXPORT_TMP_TRIES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		snprintf(name, size, "%s/.%s.%08lx.tmp", dir, base, (unsigned long)(x & 0xffffffffu));
		int f = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f >= 0) {
			/* open()'s mode passes through the umask, which may only
			 * narrow it; fchmod makes it exactly 0600 either way. */
			if (fchmod(f, 0600) != 0) {
				int e = errno;
				close(f);
				unlink(name);
				free(name);
				return mgr_fail(mgr, SS_IO, "export %s: cannot set mode 0600: %s", path,
				                strerror(e));
			}
			*tmp = name;
			*fd = f;
			return SS_OK;
		}
		if (errno == EEXIST)
			continue;
		int e = errno;
		free(name);
		if (e == ENOENT)
			return mgr_fail(mgr, SS_NOT_FOUND, "export %s: directory %s does not exist", path,
			                dir);
		if (e == ENOTDIR)
			return mgr_fail(mgr, SS_NOT_FOUND, "export %s: %s is not a directory", path, dir);
		return mgr_fail(mgr, SS_IO, "export %s: cannot create a file in %s: %s", path, dir,
		                strerror(e));
	}
	free(name);
	return mgr_fail(mgr, SS_IO, "export %s: no free temporary name in %s", path, dir);
}

/* What is at the target now: refused when it is a link or not a regular
 * file, or (without force) when it exists at all. */
static ss_status target_check(ss_manager *mgr, const char *path, bool force)
{
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return SS_OK;
		if (errno == ENOTDIR) {
			char *dir = dir_of(path);
			ss_status st = mgr_fail(mgr, SS_NOT_FOUND, "export %s: %s is not a directory",
			                        path, dir ? dir : "its directory");
			free(dir);
			return st;
		}
		return mgr_fail(mgr, SS_IO, "export %s: %s", path, strerror(errno));
	}
	if (S_ISLNK(sb.st_mode))
		return mgr_fail(mgr, SS_USAGE,
		                "export %s: it is a symbolic link; exports never follow or replace one",
		                path);
	if (!S_ISREG(sb.st_mode))
		return mgr_fail(mgr, SS_USAGE, "export %s: it exists and is not a regular file", path);
	if (!force)
		return mgr_fail(mgr, SS_EXISTS, "export %s: the file already exists", path);
	return SS_OK;
}

/* Give the complete temporary file the target's name.  Without force,
 * link() does it only when the name is still free (atomically, unlike a
 * check followed by rename); with force, rename() replaces a regular file
 * (the check ran just before) and, never following links, cannot write
 * through one planted meanwhile. */
static ss_status publish(ss_manager *mgr, const char *tmp, const char *path, bool force)
{
	if (!force) {
		if (link(tmp, path) == 0) {
			unlink(tmp);
			return SS_OK;
		}
		if (errno == EEXIST)
			return mgr_fail(mgr, SS_EXISTS, "export %s: the file already exists", path);
		/* File systems without hard links (EPERM, ENOTSUP...): the
		 * check-then-rename is the best they allow. */
		ss_status st = target_check(mgr, path, false);
		if (st != SS_OK)
			return st;
	} else {
		ss_status st = target_check(mgr, path, true);
		if (st != SS_OK)
			return st;
	}
	if (rename(tmp, path) != 0)
		return mgr_fail(mgr, SS_IO, "export %s: cannot rename the finished file: %s", path,
		                strerror(errno));
	return SS_OK;
}

ss_status export_file_check(ss_manager *mgr, const char *path, bool force)
{
	return target_check(mgr, path, force);
}

ss_status export_file_open(ss_manager *mgr, const char *path, bool force,
                           struct export_file *ef)
{
	memset(ef, 0, sizeof *ef);
	ef->path = path;
	ef->force = force;
	ef->dir = dir_of(path);
	if (!ef->dir)
		return mgr_fail(mgr, SS_NOMEM, "out of memory starting the export");
	int fd = -1;
	ss_status st = temp_create(mgr, path, ef->dir, &ef->tmp, &fd);
	if (st == SS_OK && !(ef->f = fdopen(fd, "w"))) {
		close(fd);
		st = mgr_fail(mgr, SS_NOMEM, "out of memory starting the export");
	}
	if (st != SS_OK) {
		if (ef->tmp)
			unlink(ef->tmp);
		free(ef->tmp);
		free(ef->dir);
		memset(ef, 0, sizeof *ef);
	}
	return st;
}

static ss_status write_fail(ss_manager *mgr, const struct export_file *ef)
{
	return mgr_fail(mgr, SS_IO, "export %s: cannot write: %s", ef->path,
	                errno ? strerror(errno) : "write error");
}

ss_status export_file_finish(ss_manager *mgr, struct export_file *ef, ss_status st)
{
	if (ef->f) {
		errno = 0;
		if (st == SS_OK && fflush(ef->f) != 0)
			st = write_fail(mgr, ef);
		/* The data reaches the disk before the name does: after a crash
		 * the name holds the whole export or is absent. */
		if (st == SS_OK && fsync(fileno(ef->f)) != 0)
			st = write_fail(mgr, ef);
		if (fclose(ef->f) != 0 && st == SS_OK)
			st = write_fail(mgr, ef);
		ef->f = NULL;
	}
	if (st == SS_OK && ef->tmp)
		st = publish(mgr, ef->tmp, ef->path, ef->force);
	if (st != SS_OK) {
		if (ef->tmp)
			unlink(ef->tmp);
	} else {
		/* Make the new name itself durable; failing that loses nothing
		 * already written, so it is not an error. */
		int dfd = open(ef->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(ef->tmp);
	free(ef->dir);
	memset(ef, 0, sizeof *ef);
	return st;
}
