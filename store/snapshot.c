/*
 * snapshot.c - snapshot rows: insert (with its sequence number and tags),
 * read, delete (with its tags and, when unshared, its blob), description,
 * pin, tags, and the two lookups by time: nearest and latest.
 */
#include "store_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------- */

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parse the json_group_array of a row's tags into snap->tags, sorted by byte
 * value (strcmp compares as unsigned char).  The SQL orders them already, but
 * an aggregate's input order is not a documented guarantee, so sort again:
 * it is a handful of strings. */
static ss_status parse_tags(ss_store *st, const char *text, size_t len, ss_snapshot *snap)
{
	if (!text || len <= 2)      /* NULL or "[]" */
		return SS_OK;
	json_error_t jerr;
	json_t *arr = json_loadb(text, len, 0, &jerr);
	if (!arr || !json_is_array(arr)) {
		json_decref(arr);
		return store_error(st, SS_CORRUPT, "%s: tags of snapshot %lld cannot be read",
		                   st->path, (long long)snap->id);
	}
	size_t n = json_array_size(arr);
	snap->tags = calloc(n ? n : 1, sizeof *snap->tags);
	if (!snap->tags) {
		json_decref(arr);
		return store_error(st, SS_NOMEM, "out of memory reading snapshot %lld", (long long)snap->id);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		const char *s = json_string_value(v);
		if (!s) {
			json_decref(arr);
			return store_error(st, SS_CORRUPT, "%s: a tag of snapshot %lld is not text",
			                   st->path, (long long)snap->id);
		}
		snap->tags[i] = strdup(s);
		if (!snap->tags[i]) {
			json_decref(arr);
			return store_error(st, SS_NOMEM, "out of memory reading snapshot %lld",
			                   (long long)snap->id);
		}
		snap->n_tags = i + 1;
	}
	json_decref(arr);
	qsort(snap->tags, snap->n_tags, sizeof *snap->tags, cmp_tag);
	return SS_OK;
}

ss_status store_read_snapshot(ss_store *st, sqlite3_stmt *stmt, ss_snapshot *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(stmt, 0);
	out->session_id = sqlite3_column_int64(stmt, 1);
	const char *name = (const char *)sqlite3_column_text(stmt, 2);
	out->session = strdup(name ? name : "");
	out->seq = sqlite3_column_int64(stmt, 3);
	out->created_at = sqlite3_column_int64(stmt, 4);
	out->origin = (ss_origin)sqlite3_column_int(stmt, 5);
	bool desc_oom = false;
	if (sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
		out->description = strdup((const char *)sqlite3_column_text(stmt, 6));
		desc_oom = !out->description;
	}
	if (!out->session || desc_oom) {
		ss_snapshot_clear(out);
		return store_error(st, SS_NOMEM, "out of memory reading a snapshot");
	}
	const char *tags = (const char *)sqlite3_column_text(stmt, 7);
	ss_status status = parse_tags(st, tags, (size_t)sqlite3_column_bytes(stmt, 7), out);
	if (status != SS_OK) {
		ss_snapshot_clear(out);
		return status;
	}
	out->pinned = sqlite3_column_int(stmt, 8) != 0;
	out->raw_size = sqlite3_column_int64(stmt, 9);
	out->stored_size = sqlite3_column_int64(stmt, 10);
	out->n_added = sqlite3_column_int64(stmt, 11);
	out->n_removed = sqlite3_column_int64(stmt, 12);
	out->n_changed = sqlite3_column_int64(stmt, 13);
	out->create_us = sqlite3_column_int64(stmt, 14);
	const char *sum = (const char *)sqlite3_column_text(stmt, 15);
	snprintf(out->checksum, sizeof out->checksum, "%s", sum ? sum : "");
	out->kind = (ss_kind)sqlite3_column_int(stmt, 16);
	out->base_id = sqlite3_column_int64(stmt, 17);     /* NULL reads as 0 */
	out->blob_id = sqlite3_column_int64(stmt, 18);
	/* A column whose text cannot be allocated reads as NULL ("" above):
	 * SQLite says so only through the error code.  Never hand out a
	 * record with its session or checksum silently blank. */
	if (sqlite3_errcode(sqlite3_db_handle(stmt)) == SQLITE_NOMEM) {
		ss_snapshot_clear(out);
		return store_error(st, SS_NOMEM, "out of memory reading a snapshot");
	}
	return SS_OK;
}

static const char sql_snap_get[] =
	"SELECT " STORE_SNAPSHOT_COLUMNS
	" FROM snapshots s WHERE s.id = ?1";

ss_status ss_store_snapshot_get(ss_store *st, int64_t id, ss_snapshot *out)
{
	memset(out, 0, sizeof *out);
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_GET, sql_snap_get, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		status = store_read_snapshot(st, stmt, out);
	else if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "no snapshot with id %lld", (long long)id);
	else
		status = store_fail(st, rc, "reading snapshot %lld", (long long)id);
	store_stmt_done(stmt);
	return status;
}

/* ---- inserting ----------------------------------------------------------- */

static bool is_checksum(const char *s)
{
	size_t i;
	for (i = 0; i < SS_CHECKSUM_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

static const char sql_next_seq[] =
	"UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq";
static const char sql_snap_insert[] =
	"INSERT INTO snapshots(session_id, seq, created_at, origin, description, pinned,"
	" raw_size, stored_size, n_added, n_removed, n_changed, create_us, checksum, kind,"
	" base_id, blob_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char sql_tag_insert[] =
	"INSERT INTO tags(snapshot_id, tag) VALUES (?1, ?2) ON CONFLICT DO NOTHING";

/* Insert one tag row (a tag the snapshot has is not an error). */
static ss_status insert_tag(ss_store *st, int64_t id, const char *tag)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_TAG_INSERT, sql_tag_insert, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, tag, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "tagging snapshot %lld \"%s\"", (long long)id, tag);
	store_stmt_done(stmt);
	return status;
}

/* The next seq of a session, counted up in sessions.last_seq. */
static ss_status next_seq(ss_store *st, int64_t session_id, int64_t *seq)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_NEXT_SEQ, sql_next_seq, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, session_id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "no session with id %lld", (long long)session_id);
	else
		status = store_fail(st, rc, "numbering a snapshot of session %lld", (long long)session_id);
	store_stmt_done(stmt);
	return status;
}

/* Validate, then seq + row + tags in one transaction (or savepoint). */
ss_status ss_store_snapshot_insert(ss_store *st, ss_snapshot *row)
{
	if (!is_checksum(row->checksum))
		return store_error(st, SS_USAGE, "snapshot checksum is not 64 lower-case hex digits");
	if (row->kind != SS_KIND_KEYFRAME && row->kind != SS_KIND_DELTA)
		return store_error(st, SS_USAGE, "unknown snapshot kind %d", (int)row->kind);
	if ((row->kind == SS_KIND_DELTA) != (row->base_id != 0))
		return store_error(st, SS_USAGE, "a delta needs a base snapshot and a keyframe has none");
	if (row->n_tags > SS_TAGS_PER_SNAPSHOT_MAX)
		return store_error(st, SS_LIMIT, "%zu tags are over the limit of %d per snapshot",
		                   row->n_tags, SS_TAGS_PER_SNAPSHOT_MAX);
	ss_status status = store_check_description(st, row->description);
	for (size_t i = 0; status == SS_OK && i < row->n_tags; i++)
		status = store_check_tag(st, row->tags[i]);
	if (status != SS_OK)
		return status;

	store_tx tx;
	status = store_tx_begin(st, &tx);
	if (status != SS_OK)
		return status;
	int64_t seq = 0;
	status = next_seq(st, row->session_id, &seq);
	if (status != SS_OK)
		goto fail;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_INSERT, sql_snap_insert, &status);
	if (!stmt)
		goto fail;
	sqlite3_bind_int64(stmt, 1, row->session_id);
	sqlite3_bind_int64(stmt, 2, seq);
	sqlite3_bind_int64(stmt, 3, row->created_at);
	sqlite3_bind_int(stmt, 4, (int)row->origin);
	if (row->description)
		sqlite3_bind_text(stmt, 5, row->description, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, row->pinned ? 1 : 0);
	sqlite3_bind_int64(stmt, 7, row->raw_size);
	sqlite3_bind_int64(stmt, 8, row->stored_size);
	sqlite3_bind_int64(stmt, 9, row->n_added);
	sqlite3_bind_int64(stmt, 10, row->n_removed);
	sqlite3_bind_int64(stmt, 11, row->n_changed);
	sqlite3_bind_int64(stmt, 12, row->create_us);
	sqlite3_bind_text(stmt, 13, row->checksum, SS_CHECKSUM_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 14, (int)row->kind);
	if (row->base_id != 0)      /* 0 (a keyframe) is stored as NULL for the foreign key */
		sqlite3_bind_int64(stmt, 15, row->base_id);
	sqlite3_bind_int64(stmt, 16, row->blob_id);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		status = store_fail(st, rc, "inserting a snapshot into session %lld (blob %lld, base %lld)",
		                    (long long)row->session_id, (long long)row->blob_id,
		                    (long long)row->base_id);
		store_stmt_done(stmt);
		goto fail;
	}
	store_stmt_done(stmt);
	int64_t id = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; i < row->n_tags; i++) {
		status = insert_tag(st, id, row->tags[i]);
		if (status != SS_OK)
			goto fail;
	}
	status = store_tx_commit(st, &tx);
	if (status != SS_OK)
		return status;
	row->id = id;
	row->seq = seq;
	return SS_OK;
fail:
	store_tx_rollback(st, &tx);
	return status;
}

/* ---- changing ------------------------------------------------------------ */

/* SS_OK when snapshot `id` exists, SS_NOT_FOUND (message set) when not. */
static ss_status snapshot_exists(ss_store *st, int64_t id)
{
	int64_t blob_id;
	return store_blob_of(st, id, &blob_id);
}

/* Run a cached single-row UPDATE/DELETE keyed by snapshot id ?1 whose ?2 has
 * been bound by the caller; SS_NOT_FOUND when no row matched. */
static ss_status update_snapshot(ss_store *st, sqlite3_stmt *stmt, int64_t id, const char *what)
{
	sqlite3_bind_int64(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	ss_status status = SS_OK;
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "%s snapshot %lld", what, (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		status = store_error(st, SS_NOT_FOUND, "no snapshot with id %lld", (long long)id);
	store_stmt_done(stmt);
	return status;
}

static const char sql_set_desc[] = "UPDATE snapshots SET description = ?2 WHERE id = ?1";

ss_status ss_store_set_description(ss_store *st, int64_t id, const char *text)
{
	ss_status status = store_check_description(st, text);
	if (status != SS_OK)
		return status;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_SET_DESC, sql_set_desc, &status);
	if (!stmt)
		return status;
	if (text)
		sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	return update_snapshot(st, stmt, id, "describing");
}

static const char sql_set_pinned[] = "UPDATE snapshots SET pinned = ?2 WHERE id = ?1";

ss_status ss_store_set_pinned(ss_store *st, int64_t id, bool pinned)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_SET_PINNED, sql_set_pinned, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int(stmt, 2, pinned ? 1 : 0);
	return update_snapshot(st, stmt, id, pinned ? "pinning" : "unpinning");
}

static const char sql_tag_count[] =
	"SELECT count(*), coalesce(max(tag = ?2), 0) FROM tags WHERE snapshot_id = ?1";

/* Existence, the per-snapshot limit and the insert in one transaction, so
 * the limit holds against a concurrent writer too. */
ss_status ss_store_tag_add(ss_store *st, int64_t id, const char *tag)
{
	ss_status status = store_check_tag(st, tag);
	if (status != SS_OK)
		return status;
	store_tx tx;
	status = store_tx_begin(st, &tx);
	if (status != SS_OK)
		return status;
	status = snapshot_exists(st, id);
	if (status != SS_OK)
		goto fail;
	sqlite3_stmt *stmt = store_stmt(st, STMT_TAG_COUNT, sql_tag_count, &status);
	if (!stmt)
		goto fail;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, tag, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		status = store_fail(st, rc, "counting the tags of snapshot %lld", (long long)id);
		store_stmt_done(stmt);
		goto fail;
	}
	int64_t count = sqlite3_column_int64(stmt, 0);
	bool has = sqlite3_column_int(stmt, 1) != 0;
	store_stmt_done(stmt);
	if (has)
		return store_tx_commit(st, &tx);
	if (count >= SS_TAGS_PER_SNAPSHOT_MAX) {
		status = store_error(st, SS_LIMIT, "snapshot %lld already has %d tags, the limit",
		                     (long long)id, SS_TAGS_PER_SNAPSHOT_MAX);
		goto fail;
	}
	status = insert_tag(st, id, tag);
	if (status != SS_OK)
		goto fail;
	return store_tx_commit(st, &tx);
fail:
	store_tx_rollback(st, &tx);
	return status;
}

static const char sql_tag_delete[] = "DELETE FROM tags WHERE snapshot_id = ?1 AND tag = ?2";

ss_status ss_store_tag_remove(ss_store *st, int64_t id, const char *tag)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_TAG_DELETE, sql_tag_delete, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, tag, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "untagging snapshot %lld", (long long)id);
	int changed = sqlite3_changes(st->db);
	store_stmt_done(stmt);
	if (status != SS_OK || changed > 0)
		return status;
	status = snapshot_exists(st, id);
	if (status != SS_OK)
		return status;
	return store_error(st, SS_NOT_FOUND, "snapshot %lld has no tag \"%s\"", (long long)id, tag);
}

/* ---- deleting ------------------------------------------------------------ */

static const char sql_blob_of[] = "SELECT blob_id FROM snapshots WHERE id = ?1";
static const char sql_dependent[] = "SELECT id FROM snapshots WHERE base_id = ?1 LIMIT 1";
static const char sql_tag_delete_all[] = "DELETE FROM tags WHERE snapshot_id = ?1";
static const char sql_snap_delete[] = "DELETE FROM snapshots WHERE id = ?1";
static const char sql_blob_delete_unused[] =
	"DELETE FROM blobs WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM snapshots WHERE blob_id = ?1)";

/* Step a cached statement binding only ?1 = `key`; SS_OK at SQLITE_DONE. */
static ss_status exec_with_id(ss_store *st, store_stmt_id sid, const char *sql, int64_t key,
                              const char *what, int64_t id)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, sid, sql, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, key);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "%s of snapshot %lld", what, (long long)id);
	store_stmt_done(stmt);
	return status;
}

/*
 * SS_NOT_FOUND for a missing id; SS_USAGE when another snapshot is a delta
 * based on this one (the model re-bases it first, so that no delete leaves a
 * snapshot unreadable).  All or nothing.
 */
ss_status store_blob_of(ss_store *st, int64_t id, int64_t *blob_id)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_BLOB_OF, sql_blob_of, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	*blob_id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "no snapshot with id %lld", (long long)id);
	else if (rc != SQLITE_ROW)
		status = store_fail(st, rc, "looking up snapshot %lld", (long long)id);
	store_stmt_done(stmt);
	return status;
}

ss_status store_blob_release(ss_store *st, int64_t blob_id, int64_t id)
{
	return exec_with_id(st, STMT_BLOB_DELETE_UNUSED, sql_blob_delete_unused, blob_id,
	                    "deleting the blob", id);
}

ss_status ss_store_snapshot_delete(ss_store *st, int64_t id)
{
	store_tx tx;
	ss_status status = store_tx_begin(st, &tx);
	if (status != SS_OK)
		return status;
	int64_t blob_id;
	status = store_blob_of(st, id, &blob_id);
	if (status != SS_OK)
		goto fail;

	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_DEPENDENT, sql_dependent, &status);
	if (!stmt)
		goto fail;
	sqlite3_bind_int64(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		status = store_error(st, SS_USAGE,
		                     "snapshot %lld is the base of snapshot %lld; re-base that one first",
		                     (long long)id, (long long)sqlite3_column_int64(stmt, 0));
	else if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "looking for deltas based on snapshot %lld", (long long)id);
	store_stmt_done(stmt);
	if (status != SS_OK)
		goto fail;

	status = exec_with_id(st, STMT_TAG_DELETE_ALL, sql_tag_delete_all, id, "deleting the tags", id);
	if (status == SS_OK)
		status = exec_with_id(st, STMT_SNAP_DELETE, sql_snap_delete, id, "deleting the row", id);
	if (status == SS_OK)
		status = store_blob_release(st, blob_id, id);
	if (status != SS_OK)
		goto fail;
	return store_tx_commit(st, &tx);
fail:
	store_tx_rollback(st, &tx);
	return status;
}

/* ---- lookups by time ----------------------------------------------------- */

/* The last snapshot at or before t and the first after it; the closer wins,
 * the older on equal distance.  Each side is one probe of
 * snapshots_session_time. */
static const char sql_nearest[] =
	"SELECT id FROM ("
	" SELECT * FROM (SELECT id, created_at FROM snapshots WHERE session_id = ?1"
	"  AND created_at <= ?2 ORDER BY created_at DESC, id DESC LIMIT 1)"
	" UNION ALL"
	" SELECT * FROM (SELECT id, created_at FROM snapshots WHERE session_id = ?1"
	"  AND created_at > ?2 ORDER BY created_at, id LIMIT 1))"
	" ORDER BY abs(created_at - ?2), created_at LIMIT 1";

static const char sql_latest[] =
	"SELECT id FROM snapshots WHERE session_id = ?1 ORDER BY seq DESC LIMIT 1";

/* Step a one-id lookup of session ?1 (with ?2 bound by the caller). */
static ss_status lookup_id(ss_store *st, sqlite3_stmt *stmt, int64_t session_id, int64_t *id,
                           const char *what)
{
	sqlite3_bind_int64(stmt, 1, session_id);
	int rc = sqlite3_step(stmt);
	ss_status status = SS_OK;
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "session %lld has no snapshots", (long long)session_id);
	else
		status = store_fail(st, rc, "finding the %s snapshot of session %lld", what,
		                    (long long)session_id);
	store_stmt_done(stmt);
	return status;
}

ss_status ss_store_nearest(ss_store *st, int64_t session_id, int64_t t_ms, int64_t *id)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_NEAREST, sql_nearest, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 2, t_ms);
	return lookup_id(st, stmt, session_id, id, "nearest");
}

ss_status ss_store_latest(ss_store *st, int64_t session_id, int64_t *id)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_LATEST, sql_latest, &status);
	if (!stmt)
		return status;
	return lookup_id(st, stmt, session_id, id, "latest");
}

/* ---- finding one by content ----------------------------------------------- */

/* snapshots_session_time narrows to (session, time); the checksum then
 * picks among the few rows sharing that millisecond. */
static const char sql_snap_find[] =
	"SELECT id FROM snapshots WHERE session_id = ?1 AND created_at = ?2 AND checksum = ?3"
	" ORDER BY id LIMIT 1";

ss_status ss_store_snapshot_find(ss_store *st, int64_t session_id, int64_t created_at,
                                 const char *checksum, int64_t *id)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_FIND, sql_snap_find, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, session_id);
	sqlite3_bind_int64(stmt, 2, created_at);
	sqlite3_bind_text(stmt, 3, checksum, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "no snapshot of session %lld at %lld with checksum %.12s...",
		                     (long long)session_id, (long long)created_at, checksum);
	else
		status = store_fail(st, rc, "looking for a snapshot of session %lld",
		                    (long long)session_id);
	store_stmt_done(stmt);
	return status;
}
