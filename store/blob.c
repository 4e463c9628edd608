/*
 * blob.c - the bytes of states: zlib compression on the way in (only when it
 * pays), and a bounded inflate on the way out that never allocates more than
 * the caller's limit and treats every inconsistency - a bomb, truncation,
 * trailing bytes, a size other than the recorded one - as corruption.
 *
 * The codec itself (ss_blob_encode, ss_blob_decode) needs no store: the
 * binary export copies stored bytes as they are and its reader inflates
 * them with the same bounded code, so there is one deflate path and one
 * inflate path for every byte a snapshot keeps, in the store or in a file.
 */
#include "store_internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* zlib counts in uInt; larger buffers are fed in pieces of this size. */
#define ZCHUNK ((size_t)UINT_MAX)

static uInt zlen(size_t n)
{
	return (uInt)(n < ZCHUNK ? n : ZCHUNK);
}

/*
 * Deflate `len` bytes into a buffer of at most len - 1 bytes: a result that
 * does not fit saves nothing and is not wanted, so the output buffer never
 * grows past the input.  Returns the compressed buffer (caller frees) and its
 * size, or NULL when compression does not pay (*nomem false) or memory ran
 * out (*nomem true).
 */
static unsigned char *deflate_smaller(const unsigned char *data, size_t len, size_t *out_len,
                                      bool *nomem)
{
	*nomem = false;
	if (len < 2)
		return NULL;
	size_t cap = len - 1;
	unsigned char *out = malloc(cap);
	if (!out) {
		*nomem = true;
		return NULL;
	}
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(out);
		*nomem = true;      /* deflateInit fails only for memory (or a bad level) */
		return NULL;
	}
	size_t in_left = len, out_left = cap;
	zs.next_in = (Bytef *)data;
	zs.next_out = out;
	int zrc;
	do {
		/* Refill zlib's 32-bit windows from what is left. */
		in_left += zs.avail_in;
		out_left += zs.avail_out;
		zs.avail_in = zlen(in_left);
		zs.avail_out = zlen(out_left);
		in_left -= zs.avail_in;
		out_left -= zs.avail_out;
		zrc = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
	} while (zrc == Z_OK && (zs.avail_out > 0 || out_left > 0));
	size_t produced = cap - out_left - zs.avail_out;
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END) {
		/* Out of room: the compressed form is not smaller. */
		free(out);
		return NULL;
	}
	*out_len = produced;
	return out;
}

ss_status ss_blob_encode(const void *data, size_t len, ss_codec *codec, char **out,
                         size_t *out_len)
{
	*codec = SS_CODEC_RAW;
	*out = NULL;
	*out_len = 0;
	const unsigned char *bytes = len ? data : (const unsigned char *)"";
	bool nomem;
	size_t packed_len = 0;
	unsigned char *packed = deflate_smaller(bytes, len, &packed_len, &nomem);
	if (nomem)
		return SS_NOMEM;
	if (packed) {
		*codec = SS_CODEC_ZLIB;
		*out = (char *)packed;
		*out_len = packed_len;
		return SS_OK;
	}
	/* Not worth compressing: a copy, so the caller frees one kind of thing. */
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return SS_NOMEM;
	if (len)
		memcpy(copy, bytes, len);
	*out = copy;
	*out_len = len;
	return SS_OK;
}

static const char sql_blob_put[] = "INSERT INTO blobs(codec, raw_size, data) VALUES (?1, ?2, ?3)";

ss_status ss_store_blob_put(ss_store *st, const void *data, size_t len,
                            size_t compress_threshold, int64_t *blob_id,
                            size_t *stored_size)
{
	if (len > (size_t)INT64_MAX)
		return store_error(st, SS_LIMIT, "blob of %zu bytes is too large", len);
	const char *bytes = len ? data : "";
	char *packed = NULL;
	size_t packed_len = 0;
	ss_codec codec = SS_CODEC_RAW;
	if (compress_threshold > 0 && len > compress_threshold &&
	    ss_blob_encode(bytes, len, &codec, &packed, &packed_len) != SS_OK)
		return store_error(st, SS_NOMEM, "out of memory compressing a blob of %zu bytes", len);
	/* encode hands back a copy when compression does not pay: keep the
	 * caller's bytes then, and free the copy with the rest. */
	const void *keep = codec == SS_CODEC_ZLIB ? packed : bytes;
	size_t keep_len = codec == SS_CODEC_ZLIB ? packed_len : len;

	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_BLOB_PUT, sql_blob_put, &status);
	if (stmt) {
		sqlite3_bind_int(stmt, 1, (int)codec);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)len);
		int rc = sqlite3_bind_blob64(stmt, 3, keep, keep_len, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE) {
			*blob_id = sqlite3_last_insert_rowid(st->db);
			if (stored_size)
				*stored_size = keep_len;
		} else {
			status = store_fail(st, rc, "storing a blob of %zu bytes", len);
		}
		store_stmt_done(stmt);
	}
	free(packed);
	return status;
}

/* The decoder's messages are predicates of the bytes ("is truncated (...)"),
 * so that each caller puts its own subject first: "blob 12 is truncated",
 * "snapshot 3 (id 7): stored bytes are truncated". */
static ss_status decode_fail(char *err, size_t err_size, ss_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static ss_status decode_fail(char *err, size_t err_size, ss_status st, const char *fmt, ...)
{
	if (err && err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return st;
}

/*
 * Inflate exactly `raw_size` bytes from `src` into a new buffer of
 * raw_size + 1 bytes (the last one the NUL).  The output space given to zlib
 * is that buffer and nothing else, so a bomb runs out of room instead of
 * memory; running out of room before the end of the stream, ending early,
 * or leaving input unread are all corruption.
 */
static ss_status inflate_exact(const unsigned char *src, size_t src_len, size_t raw_size,
                               char **out, char *err, size_t err_size)
{
	unsigned char *buf = malloc(raw_size + 1);
	if (!buf)
		return decode_fail(err, err_size, SS_NOMEM, "needs %zu bytes: out of memory", raw_size);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return decode_fail(err, err_size, SS_NOMEM, "cannot be inflated: out of memory");
	}
	/* One spare byte of room: a stream longer than raw_size fills it, which
	 * tells "too long" from "exactly right" without a second buffer. */
	size_t in_left = src_len, out_left = raw_size + 1;
	zs.next_in = (Bytef *)src;
	zs.next_out = buf;
	int zrc;
	do {
		in_left += zs.avail_in;
		out_left += zs.avail_out;
		zs.avail_in = zlen(in_left);
		zs.avail_out = zlen(out_left);
		in_left -= zs.avail_in;
		out_left -= zs.avail_out;
		zrc = inflate(&zs, Z_NO_FLUSH);
	} while (zrc == Z_OK && (zs.avail_out > 0 || out_left > 0)
	         && (zs.avail_in > 0 || in_left > 0));
	size_t produced = raw_size + 1 - out_left - zs.avail_out;
	size_t unread = in_left + zs.avail_in;
	inflateEnd(&zs);

	const char *why = NULL;
	if (zrc == Z_MEM_ERROR) {
		free(buf);
		return decode_fail(err, err_size, SS_NOMEM, "cannot be inflated: out of memory");
	}
	if (produced > raw_size)
		why = "inflates to more than its recorded size";
	else if (zrc == Z_DATA_ERROR || zrc == Z_NEED_DICT || zrc == Z_STREAM_ERROR)
		why = "is not a valid zlib stream";
	else if (zrc != Z_STREAM_END)
		why = "is truncated";
	else if (produced != raw_size)
		why = "inflates to less than its recorded size";
	else if (unread > 0)
		why = "has bytes after its zlib stream";
	if (why) {
		free(buf);
		return decode_fail(err, err_size, SS_CORRUPT, "%s (%zu bytes recorded)", why, raw_size);
	}
	buf[raw_size] = '\0';
	*out = (char *)buf;
	return SS_OK;
}

ss_status ss_blob_decode(ss_codec codec, const void *data, size_t len, size_t raw_size,
                         size_t max_size, char **out, char *err, size_t err_size)
{
	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	/* The size check comes first: nothing is allocated for a size over the
	 * limit, whatever the bytes are.  SIZE_MAX would wrap raw_size + 1. */
	if (raw_size > max_size || raw_size == SIZE_MAX)
		return decode_fail(err, err_size, SS_CORRUPT, "records %zu bytes, over the limit of %zu",
		                   raw_size, max_size);
	const unsigned char *src = len ? data : (const unsigned char *)"";
	if (codec == SS_CODEC_ZLIB)
		return inflate_exact(src, len, raw_size, out, err, err_size);
	if (codec != SS_CODEC_RAW)
		return decode_fail(err, err_size, SS_CORRUPT, "has unknown codec %d", (int)codec);
	if (len != raw_size)
		return decode_fail(err, err_size, SS_CORRUPT, "has %zu bytes but records %zu",
		                   len, raw_size);
	char *buf = malloc(raw_size + 1);
	if (!buf)
		return decode_fail(err, err_size, SS_NOMEM, "needs %zu bytes: out of memory", raw_size);
	if (raw_size)
		memcpy(buf, src, raw_size);
	buf[raw_size] = '\0';
	*out = buf;
	return SS_OK;
}

static const char sql_blob_get[] = "SELECT codec, raw_size, data FROM blobs WHERE id = ?1";

/* The row of `blob_id` stepped to, or NULL with the message set (not found,
 * or SQLite's failure).  The caller finishes it with store_stmt_done(). */
static sqlite3_stmt *blob_row(ss_store *st, int64_t blob_id, ss_status *status)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_BLOB_GET, sql_blob_get, status);
	if (!stmt)
		return NULL;
	sqlite3_bind_int64(stmt, 1, blob_id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return stmt;
	if (rc == SQLITE_DONE)
		*status = store_error(st, SS_NOT_FOUND, "no blob with id %lld", (long long)blob_id);
	else
		*status = store_fail(st, rc, "reading blob %lld", (long long)blob_id);
	store_stmt_done(stmt);
	return NULL;
}

/* The stored bytes of the current row; false (message set) when SQLite
 * could not produce them. */
static bool blob_bytes(ss_store *st, sqlite3_stmt *stmt, int64_t blob_id,
                       const unsigned char **src, size_t *len, ss_status *status)
{
	*src = sqlite3_column_blob(stmt, 2);
	int n = sqlite3_column_bytes(stmt, 2);
	if (!*src && n > 0) {
		*status = store_fail(st, sqlite3_errcode(st->db), "reading blob %lld",
		                     (long long)blob_id);
		return false;
	}
	*len = (size_t)n;
	return true;
}

ss_status ss_store_blob_get(ss_store *st, int64_t blob_id, size_t max_size,
                            char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = blob_row(st, blob_id, &status);
	if (!stmt)
		return status;
	int64_t codec = sqlite3_column_int64(stmt, 0);
	int64_t recorded = sqlite3_column_int64(stmt, 1);
	const unsigned char *src;
	size_t src_len;
	if (recorded < 0 || (uint64_t)recorded > (uint64_t)max_size) {
		status = store_error(st, SS_CORRUPT,
		                     "%s: blob %lld records %lld bytes, over the limit of %zu",
		                     st->path, (long long)blob_id, (long long)recorded, max_size);
	} else if (codec < 0 || codec > INT_MAX) {
		status = store_error(st, SS_CORRUPT, "%s: blob %lld has unknown codec %lld",
		                     st->path, (long long)blob_id, (long long)codec);
	} else if (blob_bytes(st, stmt, blob_id, &src, &src_len, &status)) {
		char why[256];
		status = ss_blob_decode((ss_codec)codec, src, src_len, (size_t)recorded, max_size,
		                        data, why, sizeof why);
		if (status == SS_OK)
			*len = (size_t)recorded;
		else if (status == SS_NOMEM)
			store_error(st, status, "reading blob %lld: %s", (long long)blob_id, why);
		else
			store_error(st, status, "%s: blob %lld %s", st->path, (long long)blob_id, why);
	}
	store_stmt_done(stmt);
	return status;
}

ss_status ss_store_blob_get_raw(ss_store *st, int64_t blob_id, ss_codec *codec, char **data,
                                size_t *len, size_t *raw_size)
{
	*data = NULL;
	*len = 0;
	*raw_size = 0;
	*codec = SS_CODEC_RAW;
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = blob_row(st, blob_id, &status);
	if (!stmt)
		return status;
	int64_t c = sqlite3_column_int64(stmt, 0);
	int64_t recorded = sqlite3_column_int64(stmt, 1);
	const unsigned char *src;
	size_t src_len;
	/* Refused here rather than copied: whoever reads these bytes later
	 * (a file, another store) could not decode them either. */
	if (c != SS_CODEC_RAW && c != SS_CODEC_ZLIB) {
		status = store_error(st, SS_CORRUPT, "%s: blob %lld has unknown codec %lld",
		                     st->path, (long long)blob_id, (long long)c);
	} else if (recorded < 0 || (uint64_t)recorded > (uint64_t)SIZE_MAX) {
		status = store_error(st, SS_CORRUPT, "%s: blob %lld records %lld bytes",
		                     st->path, (long long)blob_id, (long long)recorded);
	} else if (blob_bytes(st, stmt, blob_id, &src, &src_len, &status)) {
		char *buf = malloc(src_len ? src_len : 1);
		if (!buf) {
			status = store_error(st, SS_NOMEM, "out of memory reading blob %lld (%zu bytes)",
			                     (long long)blob_id, src_len);
		} else {
			if (src_len)
				memcpy(buf, src, src_len);
			*data = buf;
			*len = src_len;
			*raw_size = (size_t)recorded;
			*codec = (ss_codec)c;
		}
	}
	store_stmt_done(stmt);
	return status;
}
