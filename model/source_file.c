/*
 * source_file.c - a file's content as a source of states (ss_source_file()
 * of ss_source.h).
 *
 * A poll first stat()s the path (following a symbolic link: pointing at the
 * real state file is legitimate) and compares its signature - device,
 * inode, size, modification time to the nanosecond - with that of the
 * content last read; only a different signature makes it open and read
 * the file.  That catches a rewrite in place (size or time change) and a
 * replacement by rename() (inode change).
 *
 * A writer may be part-way through.  The file is fstat()ed before and after
 * the read; a signature that moved, or a length that is not the size, means
 * it changed under us: nothing is reported and the next poll reads again.
 * Content that does not parse is given one more poll to be completed: the
 * first time (signature, content hash) is seen failing it is remembered and
 * nothing is reported; failing again unchanged at the next poll it is a
 * capture error, once.  A missing or unreadable file is reported once per
 * condition (the errno), until the file reads again.
 *
 * The limit of signatures: a file system's timestamps are only as fine as
 * its clock tick (a few milliseconds on Linux, a second or two on some), so
 * a second rewrite of the same size within the tick of the first keeps the
 * signature.  As git does with its "racily clean" index entries, content
 * whose modification time is within RACY_NS of the moment it was read is
 * not trusted to the signature alone: the next polls read it again and
 * compare its SHA-256, until the time is old enough that any later write
 * must show a later time.  What remains undetected is a writer that sets
 * the modification time back on purpose (touch -d, utimensat) while
 * keeping size and inode.
 */
#include "snapscope.h"
#include "msgfmt.h"
#include "ss_hash.h"
#include "source_kind.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Modification times this close to the read (or after it) may be shared by
 * a later write: 2 s covers FAT's two-second timestamps, the coarsest in
 * use. */
#define RACY_NS (2 * 1000000000LL)

/* Not an errno: the path names something other than a regular file. */
#define COND_NOT_REGULAR (-1)

/* Bytes asked of read() at a time. */
#define READ_CHUNK (64u * 1024u)

struct sig {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
};

/* A content: where it was seen and what it hashed to. */
struct seen {
	bool valid;
	struct sig sig;
	bool hashed;                /* false for a file reported over the limit, unread */
	char hash[SS_CHECKSUM_HEX_LEN + 1];
};

struct file {
	char *path;                 /* as given, for open() */
	char *shown;                /* escaped, for messages */
	size_t max_bytes;
	struct seen last;           /* the content last captured or reported */
	bool racy;                  /* last's time too close to its read: re-read it */
	struct seen pending;        /* content that failed to parse once */
	int cond;                   /* errno (or COND_NOT_REGULAR) last reported, 0: none */
};

static struct sig sig_of(const struct stat *sb)
{
	return (struct sig){ .dev = sb->st_dev, .ino = sb->st_ino, .size = sb->st_size,
	                     .mtim = sb->st_mtim };
}

static bool sig_eq(const struct sig *a, const struct sig *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec;
}

static bool seen_is(const struct seen *s, const struct sig *sig, const char *hash)
{
	return s->valid && sig_eq(&s->sig, sig) &&
	       (hash ? s->hashed && strcmp(s->hash, hash) == 0 : !s->hashed);
}

static struct seen seen_of(const struct sig *sig, const char *hash)
{
	struct seen s = { .valid = true, .sig = *sig, .hashed = hash != NULL };
	if (hash)
		memcpy(s.hash, hash, sizeof s.hash);
	return s;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static bool is_racy(const struct sig *sig, const struct timespec *read_at)
{
	return ts_ns(&sig->mtim) > ts_ns(read_at) - RACY_NS;
}

/*
 * The path cannot be read for reason `cond`: a capture error the first time
 * this condition is met, nothing while it lasts.  What was read before is
 * forgotten, so the file is read again whenever it comes back.
 */
static ss_status fail_cond(struct file *f, int cond, char *reason, size_t reason_size)
{
	f->last.valid = false;
	f->pending.valid = false;
	f->racy = false;
	if (cond == f->cond)
		return SS_OK;
	f->cond = cond;
	msg_printf(reason, reason_size, "%s: %s", f->shown,
	        cond == COND_NOT_REGULAR ? "not a regular file" : strerror(cond));
	return cond == ENOENT || cond == ENOTDIR ? SS_NOT_FOUND : SS_IO;
}

/* Read all of fd, at most max_bytes + 1 bytes (more means it grew past
 * what fstat() said).  Returns 0, or an errno value. */
static int read_all(int fd, size_t max_bytes, size_t hint, char **out, size_t *out_len)
{
	size_t hard = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
	size_t cap = hint < hard ? hint + 1 : hard;     /* + 1: see end of file in one go */
	size_t len = 0;
	char *buf = malloc(cap ? cap : 1);

	if (!buf)
		return ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap == hard)
				break;
			size_t ncap = cap < READ_CHUNK ? READ_CHUNK : cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap;
			if (ncap > hard)
				ncap = hard;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static ss_status file_poll(void *impl, json_t **state, char *reason, size_t reason_size)
{
	struct file *f = impl;
	struct stat sb, after;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1;
	ss_status st = SS_OK;

	*state = NULL;
	msg_printf(reason, reason_size, "%s", "");

	/* The cheap look: nothing is opened while the file stays as read. */
	if (stat(f->path, &sb) < 0)
		return fail_cond(f, errno, reason, reason_size);
	if (!S_ISREG(sb.st_mode))
		return fail_cond(f, COND_NOT_REGULAR, reason, reason_size);
	struct sig sig = sig_of(&sb);
	if (f->last.valid && sig_eq(&f->last.sig, &sig) && !f->racy)
		return SS_OK;

	/* O_NONBLOCK: should a FIFO take the file's place after the stat(),
	 * open() must not wait for a writer (fstat() below then refuses it). */
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fail_cond(f, errno, reason, reason_size);
	if (fstat(fd, &sb) < 0) {
		st = fail_cond(f, errno, reason, reason_size);
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = fail_cond(f, COND_NOT_REGULAR, reason, reason_size);
		goto done;
	}
	f->cond = 0;
	sig = sig_of(&sb);

	if (sb.st_size < 0 || (uintmax_t)sb.st_size > f->max_bytes) {
		if (!seen_is(&f->last, &sig, NULL)) {
			char limit[32];
			msg_size(f->max_bytes, limit, sizeof limit);
			msg_printf(reason, reason_size, "%s: over the %s limit", f->shown, limit);
			f->last = seen_of(&sig, NULL);
			f->racy = false;
			f->pending.valid = false;
			st = SS_LIMIT;
		}
		goto done;
	}

	struct timespec read_at;
	clock_gettime(CLOCK_REALTIME, &read_at);
	int e = read_all(fd, f->max_bytes, (size_t)sb.st_size, &buf, &len);
	if (e != 0) {
		st = e == ENOMEM ? SS_NOMEM : fail_cond(f, e, reason, reason_size);
		if (e == ENOMEM)
			msg_printf(reason, reason_size, "%s: out of memory reading it", f->shown);
		goto done;
	}
	if (fstat(fd, &after) < 0) {
		st = fail_cond(f, errno, reason, reason_size);
		goto done;
	}
	struct sig after_sig = sig_of(&after);
	if (!sig_eq(&sig, &after_sig) || len != (size_t)sb.st_size)
		goto done;      /* changed while read: read again next time */

	char hash[SS_CHECKSUM_HEX_LEN + 1];
	st = ss_sha256_hex(buf, len, hash);
	if (st != SS_OK) {
		msg_printf(reason, reason_size, "%s: cannot hash the content", f->shown);
		goto done;
	}
	if (seen_is(&f->last, &sig, hash)) {
		/* A racy signature re-read: same content after all. */
		f->racy = is_racy(&sig, &read_at);
		goto done;
	}

	char msg[512];
	json_t *v = NULL;
	st = ss_state_parse(buf, len, f->max_bytes, f->path, &v, msg, sizeof msg);
	if (st == SS_OK) {
		f->last = seen_of(&sig, hash);
		f->racy = is_racy(&sig, &read_at);
		f->pending.valid = false;
		*state = v;
	} else if (st == SS_NOMEM) {
		msg_printf(reason, reason_size, "%s", msg);
	} else if (seen_is(&f->pending, &sig, hash)) {
		/* Failed the last poll too, unchanged: not a writer part-way. */
		msg_printf(reason, reason_size, "not JSON: %s", msg);
		f->last = seen_of(&sig, hash);
		f->racy = is_racy(&sig, &read_at);
		f->pending.valid = false;
	} else {
		f->pending = seen_of(&sig, hash);
		st = SS_OK;
	}
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	return st;
}

/* ---- the source ------------------------------------------------------------ */

static void file_release(void *impl)
{
	struct file *f = impl;
	if (!f)
		return;
	free(f->path);
	free(f->shown);
	free(f);
}

ss_status ss_source_file(const char *path, size_t max_bytes, ss_source **out,
                         char *err, size_t err_size)
{
	msg_printf(err, err_size, "%s", "");
	if (!out) {
		msg_printf(err, err_size, "no place for the source");
		return SS_USAGE;
	}
	*out = NULL;
	if (!path || !*path) {
		msg_printf(err, err_size, "no file name");
		return SS_USAGE;
	}
	struct file *f = calloc(1, sizeof *f);
	char *description = strdup(path);
	if (!f || !description || !(f->path = strdup(path)) ||
	    !(f->shown = ss_text_escape(path, strlen(path)))) {
		file_release(f);
		free(description);
		msg_printf(err, err_size, "out of memory");
		return SS_NOMEM;
	}
	/* 0 is not a usable limit; it means the usual one. */
	f->max_bytes = max_bytes ? max_bytes : SS_STATE_MAX_DEFAULT;
	if (source_wrap(file_poll, file_release, f, description, out) != SS_OK) {
		msg_printf(err, err_size, "out of memory");
		return SS_NOMEM;
	}
	return SS_OK;
}
