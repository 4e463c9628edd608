/*
 * ss_store.h - the snapshot store: one SQLite file (WAL) holding sessions,
 * snapshots, tags and blobs.  The store keeps bytes and metadata; it knows
 * nothing of JSON semantics, deltas' contents or the terminal.
 *
 * Contract for every function returning ss_status: on failure nothing was
 * changed (a failed write inside ss_store_begin()..commit is undone by
 * ss_store_rollback()), and ss_store_errmsg() holds one line naming the
 * problem and the input ("no snapshot with id 42").  SQL text is never built
 * from data: every value is bound to a prepared statement.
 *
 * Ownership: out-parameters that are pointers belong to the caller (free()
 * for buffers, the *_clear() functions of ss_types.h for records).
 */
#ifndef SS_STORE_H
#define SS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ss_types.h"

typedef struct ss_store ss_store;

#define SS_STORE_MEMORY ":memory:"      /* the in-memory store type */
#define SS_STORE_SCHEMA_VERSION 2       /* PRAGMA user_version written by this build */
#define SS_STORE_APPLICATION_ID 0x53536e70 /* PRAGMA application_id: "SSnp" */
#define SS_STORE_BUSY_TIMEOUT_MS 5000

enum ss_store_flags {
	SS_STORE_CREATE = 1 << 0,   /* create the file (mode 0600) and its parent directories */
	SS_STORE_READONLY = 1 << 1, /* open for reading only */
};

/*
 * Open the store at `path` (SS_STORE_MEMORY for a private in-memory one).
 * A new or empty file is initialised; an older schema is migrated in one
 * transaction; a file that is not a snapscope store (another SQLite
 * database, garbage) is refused with SS_NOT_STORE and left untouched; a newer
 * schema is refused with SS_VERSION.  Without SS_STORE_CREATE a missing file
 * is SS_NOT_FOUND.  On failure *out is NULL and `err` holds the message.
 */
ss_status ss_store_open(const char *path, unsigned flags, ss_store **out,
                        char *err, size_t err_size);

/* Close and free.  NULL is fine.  Never fails visibly. */
void ss_store_close(ss_store *st);

/* The last error's one-line message; "" when none.  Borrowed. */
const char *ss_store_errmsg(const ss_store *st);

/* The path it was opened with.  Borrowed. */
const char *ss_store_path(const ss_store *st);

/* The default store path: $SNAPSCOPE_STORE, else $XDG_DATA_HOME/snapscope/store.db,
 * else $HOME/.local/share/snapscope/store.db.  Caller frees; NULL when no
 * variable gives a place (no HOME). */
char *ss_store_default_path(void);

/* Transactions.  begin takes the write lock at once (BEGIN IMMEDIATE), so a
 * busy store is reported before any work is done.  They do not nest. */
ss_status ss_store_begin(ss_store *st);
ss_status ss_store_commit(ss_store *st);
void ss_store_rollback(ss_store *st);

/* PRAGMA data_version: changes whenever another connection commits.  A cheap
 * way for a reader to notice new snapshots. */
ss_status ss_store_data_version(ss_store *st, int64_t *version);

/* How long a write waits for another connection's lock before SS_BUSY
 * (default SS_STORE_BUSY_TIMEOUT_MS; 0 fails at once).  Cannot fail. */
void ss_store_set_busy_timeout(ss_store *st, int timeout_ms);

/* ---- sessions ------------------------------------------------------------ */

/* The id of the session `name`, creating it (at `now_ms`) when absent. */
ss_status ss_store_session_ensure(ss_store *st, const char *name, int64_t now_ms,
                                  int64_t *id);

/* The id (and, when config is not NULL, the configuration text, caller
 * frees) of session `name`, without summing over its snapshots: the cheap
 * lookup every capture makes.  SS_NOT_FOUND. */
ss_status ss_store_session_find(ss_store *st, const char *name, int64_t *id, char **config);

/* Summary of one session (its counts and sizes cost a pass over its
 * snapshots); SS_NOT_FOUND when there is none by that name. */
ss_status ss_store_session_get(ss_store *st, const char *name, ss_session *out);

/* Every session, sorted by name.  Free with ss_session_array_free(). */
ss_status ss_store_sessions(ss_store *st, ss_session **out, size_t *n);

/* Replace a session's configuration (JSON text, not interpreted here). */
ss_status ss_store_session_set_config(ss_store *st, int64_t session_id,
                                      const char *config_json);

/* ---- blobs --------------------------------------------------------------- */

typedef enum ss_codec {
	SS_CODEC_RAW = 0,
	SS_CODEC_ZLIB = 1,
} ss_codec;

/*
 * Store `len` bytes as a new blob.  They are zlib-compressed when
 * `compress_threshold` > 0, len > compress_threshold and compressing saves
 * space; the codec is recorded with the blob.  *stored_size gets the bytes
 * kept.  Call inside a transaction when it belongs to a snapshot.
 */
ss_status ss_store_blob_put(ss_store *st, const void *data, size_t len,
                            size_t compress_threshold, int64_t *blob_id,
                            size_t *stored_size);

/*
 * Read a blob back, inflating it.  A recorded size over `max_size`, a codec
 * this build does not know, an inflate error or a length different from the
 * recorded one is SS_CORRUPT (never more than max_size bytes are allocated:
 * a compression bomb is refused).  *data is NUL-terminated (not counted in
 * *len) for the convenience of JSON parsers; caller frees.
 */
ss_status ss_store_blob_get(ss_store *st, int64_t blob_id, size_t max_size,
                            char **data, size_t *len);

/*
 * The stored bytes of a blob, not inflated, with their codec and the size
 * they inflate to: what the binary export copies as is.  Caller frees
 * *data.  SS_NOT_FOUND.
 */
ss_status ss_store_blob_get_raw(ss_store *st, int64_t blob_id, ss_codec *codec, char **data,
                                size_t *len, size_t *raw_size);

/*
 * Decode `len` stored bytes of `codec` that must inflate to exactly
 * `raw_size` bytes, never allocating more than max_size + 1 (a compression
 * bomb, a wrong size, an unknown codec or damaged data are SS_CORRUPT with
 * a message in err).  *out is NUL-terminated (not counted); caller frees.
 * Pure: no store involved (the binary import and the fuzzers use it).
 */
ss_status ss_blob_decode(ss_codec codec, const void *data, size_t len, size_t raw_size,
                         size_t max_size, char **out, char *err, size_t err_size);

/* zlib-compress `len` bytes (level 6) when that saves space: *codec says
 * which was kept; *out is malloc()ed.  SS_NOMEM only. */
ss_status ss_blob_encode(const void *data, size_t len, ss_codec *codec, char **out,
                         size_t *out_len);

/* ---- snapshots ----------------------------------------------------------- */

/*
 * Insert a snapshot row.  Reads from `row`: session_id, created_at, origin,
 * description, tags, pinned, raw_size, stored_size, n_added, n_removed,
 * n_changed, create_us, checksum, kind, base_id, blob_id.  Assigns and
 * writes back row->id and row->seq (one more than the session's last seq,
 * never reused).  The tags are inserted too.
 */
ss_status ss_store_snapshot_insert(ss_store *st, ss_snapshot *row);

/* Metadata of one snapshot, with its session name and tags. SS_NOT_FOUND. */
ss_status ss_store_snapshot_get(ss_store *st, int64_t id, ss_snapshot *out);

/* Delete a snapshot, its tags, and its blob when no other row uses it. */
ss_status ss_store_snapshot_delete(ss_store *st, int64_t id);

/* Replace the description (NULL clears it). */
ss_status ss_store_set_description(ss_store *st, int64_t id, const char *text);

ss_status ss_store_set_pinned(ss_store *st, int64_t id, bool pinned);

/* Add a tag; adding one the snapshot has is not an error. */
ss_status ss_store_tag_add(ss_store *st, int64_t id, const char *tag);

/* Remove a tag; SS_NOT_FOUND when the snapshot does not carry it. */
ss_status ss_store_tag_remove(ss_store *st, int64_t id, const char *tag);

/* The ids of the snapshots stored as deltas against `id` (usually one: its
 * successor).  *ids is malloc()ed (NULL when none); caller frees. */
ss_status ss_store_dependents(ss_store *st, int64_t id, int64_t **ids, size_t *n);

/* How a snapshot is stored, for ss_store_snapshot_rebase(). */
typedef struct ss_store_layout {
	ss_kind kind;
	int64_t base_id;            /* 0 for a keyframe */
	int64_t blob_id;
	int64_t stored_size;
	int64_t n_added;            /* change counts against its (new) predecessor */
	int64_t n_removed;
	int64_t n_changed;
} ss_store_layout;

/* Change how snapshot `id` is stored (its state stays the same: the caller
 * wrote the new blob), and delete its old blob when no row uses it any more.
 * Used to re-base a delta before its base is deleted.  SS_NOT_FOUND. */
ss_status ss_store_snapshot_rebase(ss_store *st, int64_t id, const ss_store_layout *layout);

/* The snapshot before (direction < 0) or after (> 0) `id` in its session by
 * seq.  SS_NOT_FOUND when there is none (or no such id). */
ss_status ss_store_neighbor(ss_store *st, int64_t id, int direction, int64_t *out);

/* The snapshot of `session_id` whose created_at is closest to `t_ms` (the
 * older one on a tie).  SS_NOT_FOUND for an empty session. */
ss_status ss_store_nearest(ss_store *st, int64_t session_id, int64_t t_ms,
                           int64_t *id);

/* The newest snapshot (highest seq) of a session; SS_NOT_FOUND when empty. */
ss_status ss_store_latest(ss_store *st, int64_t session_id, int64_t *id);

/*
 * Run a search: hand each matching row to `fn` in order.  With a cursor the
 * search starts after the cursor's position (keyset paging; q->offset then
 * still applies) and the cursor is advanced to each row handed out, so the
 * next call continues where this one stopped.  A query naming a session that
 * does not exist matches nothing (SS_OK, no rows).
 */
ss_status ss_store_search(ss_store *st, const ss_query *q, ss_cursor *cursor,
                          ss_row_fn fn, void *user_data);

/* How many rows the query matches (ignoring limit and offset). */
ss_status ss_store_count(ss_store *st, const ss_query *q, int64_t *count);

/* A snapshot of `session_id` created at `created_at` with `checksum`
 * (hex): how import recognises one it already holds.  SS_NOT_FOUND. */
ss_status ss_store_snapshot_find(ss_store *st, int64_t session_id, int64_t created_at,
                                 const char *checksum, int64_t *id);

/* A read transaction (BEGIN, deferred): what it reads is one consistent
 * snapshot of the store until ss_store_read_end(), whatever other
 * connections commit meanwhile.  Not nested with ss_store_begin(). */
ss_status ss_store_read_begin(ss_store *st);
void ss_store_read_end(ss_store *st);

/* Totals for one session (by name) or, with NULL, the whole store. */
ss_status ss_store_stats(ss_store *st, const char *session, ss_stats *out);

/*
 * PRAGMA integrity_check (and foreign_key_check).  SS_OK when SQLite finds
 * nothing; SS_CORRUPT with the first problems in ss_store_errmsg() otherwise.
 */
ss_status ss_store_integrity_check(ss_store *st);

/* ---- capture errors -------------------------------------------------------- */

/*
 * Failed automatic captures, kept per session beside its snapshots (never
 * as snapshots).  `at` is ms since the epoch; a reason is stored as given
 * (the model cuts and validates it; whoever shows it escapes it).  "Newest"
 * is by at, then by insertion.
 */

/*
 * Record a capture error of `session_id` and then keep only the session's
 * newest `keep` (0: all), both in one transaction (a savepoint inside the
 * caller's).  *id (may be NULL) gets the new row's id; when the new row is
 * itself older than the `keep` newest it is dropped at once (*id still
 * names it).  SS_USAGE for a NULL reason, a negative keep or a session that
 * does not exist.
 */
ss_status ss_store_capture_error_add(ss_store *st, int64_t session_id, int64_t at_ms,
                                     const char *reason, int64_t keep, int64_t *id);

/* One stored capture error; `reason` is borrowed for the call.  Return
 * non-zero to stop the listing early (not an error). */
typedef int (*ss_store_capture_error_fn)(int64_t id, int64_t at_ms, const char *reason,
                                         void *user_data);

/*
 * The capture errors of `session_id` with since <= at <= until
 * (SS_TIME_NONE: that end open), oldest first, at most `limit` (0: all).
 * An empty range (since > until) or an unknown session lists nothing.
 * SS_USAGE for a negative limit.
 */
ss_status ss_store_capture_errors(ss_store *st, int64_t session_id, int64_t since,
                                  int64_t until, int64_t limit,
                                  ss_store_capture_error_fn fn, void *user_data);

/* How many capture errors of `session_id` lie in since < at <= until
 * (SS_TIME_NONE: that end open); 0 for an empty range. */
ss_status ss_store_capture_error_count(ss_store *st, int64_t session_id, int64_t since,
                                       int64_t until, int64_t *count);

#endif
