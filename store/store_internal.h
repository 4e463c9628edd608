/*
 * store_internal.h - what the store/ files share and nobody else sees: the
 * handle's layout, the prepared-statement cache, error reporting and the
 * transaction helper every multi-statement write goes through.
 */
#ifndef SS_STORE_INTERNAL_H
#define SS_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "ss_store.h"

/*
 * Slots of the statement cache.  Each statement's SQL lives next to the
 * function that runs it; the slot only says where the prepared form is kept.
 */
typedef enum store_stmt_id {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_DATA_VERSION,
	STMT_SESSION_INSERT,
	STMT_SESSION_ID,
	STMT_SESSION_GET,
	STMT_SESSION_LIST,
	STMT_SESSION_SET_CONFIG,
	STMT_BLOB_PUT,
	STMT_BLOB_GET,
	STMT_BLOB_DELETE_UNUSED,
	STMT_SNAP_NEXT_SEQ,
	STMT_SNAP_INSERT,
	STMT_SNAP_GET,
	STMT_SNAP_BLOB_OF,
	STMT_SNAP_DEPENDENT,
	STMT_SNAP_DELETE,
	STMT_SNAP_SET_DESC,
	STMT_SNAP_SET_PINNED,
	STMT_SNAP_NEAREST,
	STMT_SNAP_LATEST,
	STMT_TAG_INSERT,
	STMT_TAG_DELETE,
	STMT_TAG_DELETE_ALL,
	STMT_TAG_COUNT,
	STMT_SNAP_DEPENDENTS,
	STMT_SNAP_REBASE,
	STMT_SNAP_PREV,
	STMT_SNAP_NEXT,
	STMT_SESSION_FIND,
	STMT_CERR_INSERT,
	STMT_CERR_TRIM,
	STMT_CERR_LIST,
	STMT_CERR_COUNT,
	STMT_SNAP_FIND,
	STMT_READ_BEGIN,
	STMT_COUNT_
} store_stmt_id;

/* Search statements are assembled from constant fragments; the shape (a bit
 * set of the fragments used) names the SQL, so a few shapes stay prepared
 * while a user pages through one listing. */
#define STORE_SEARCH_CACHE 8

struct store_search_slot {
	unsigned shape;             /* valid when stmt != NULL */
	bool in_use;                /* handed out: a row callback may search again */
	sqlite3_stmt *stmt;
};

struct ss_store {
	sqlite3 *db;
	char *path;                 /* as given to ss_store_open() */
	bool readonly;
	sqlite3_stmt *stmts[STMT_COUNT_];
	struct store_search_slot search[STORE_SEARCH_CACHE];
	unsigned search_next;       /* round-robin victim when every slot is taken */
	char errmsg[512];
};

/* The column list every snapshot read uses (snapshot_get and search), with
 * `s` the snapshots row; store_read_snapshot() reads it.  Name and tags are
 * correlated subqueries (one index probe each), which keeps `snapshots` the
 * only table in FROM so a search's plan is a plain index range scan. */
#define STORE_SNAPSHOT_COLUMNS \
	"s.id, s.session_id, (SELECT name FROM sessions WHERE id = s.session_id), s.seq, s.created_at, s.origin, s.description, " \
	"(SELECT json_group_array(tag) FROM (SELECT t.tag FROM tags t " \
	"WHERE t.snapshot_id = s.id ORDER BY t.tag)), " \
	"s.pinned, s.raw_size, s.stored_size, s.n_added, s.n_removed, s.n_changed, " \
	"s.create_us, s.checksum, s.kind, s.base_id, s.blob_id"

/* Fill *out from the current row of a statement selecting
 * STORE_SNAPSHOT_COLUMNS.  SS_NOMEM (with *out zeroed) or SS_CORRUPT (a tag
 * list SQLite should not have produced); sets the error message. */
ss_status store_read_snapshot(ss_store *st, sqlite3_stmt *stmt, ss_snapshot *out);

/* The cached statement for `id`, prepared from `sql` on first use.  The
 * caller resets it with store_stmt_done() when finished.  On failure returns
 * NULL with the error message set; *status (when not NULL) gets the status. */
sqlite3_stmt *store_stmt(ss_store *st, store_stmt_id id, const char *sql,
                         ss_status *status);

/* Reset a statement and clear its bindings so it holds no read lock. */
void store_stmt_done(sqlite3_stmt *stmt);

/* The ss_status for an SQLite result code. */
ss_status store_status_of(int rc);

/* Record a failure of SQLite call result `rc`: maps it to a status, writes
 * one line naming the problem (busy, read-only, disk full, corrupt or
 * SQLite's own message) and the context, and returns the status.  Call it
 * before resetting the statement, so sqlite3_errmsg() is still the one. */
ss_status store_fail(ss_store *st, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a failure that is not SQLite's; returns `status`. */
ss_status store_error(ss_store *st, ss_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A write that takes several statements: outside a caller's transaction it
 * is its own BEGIN IMMEDIATE..COMMIT, inside one it is a savepoint.  Either
 * way a failure undone by store_tx_rollback() leaves the store unchanged.
 */
typedef struct store_tx {
	bool savepoint;             /* inside the caller's transaction */
} store_tx;

ss_status store_tx_begin(ss_store *st, store_tx *tx);
/* Commit (or release); on failure everything since begin is rolled back. */
ss_status store_tx_commit(ss_store *st, store_tx *tx);
/* Undo everything since store_tx_begin().  Keeps the error message. */
void store_tx_rollback(ss_store *st, store_tx *tx);

/* Validation of data the store keeps (names, tags, descriptions): SS_OK or
 * SS_USAGE / SS_LIMIT with the message set. */
ss_status store_check_session_name(ss_store *st, const char *name);
ss_status store_check_tag(ss_store *st, const char *tag);
ss_status store_check_description(ss_store *st, const char *text);

/* The blob of snapshot `id` (snapshot.c).  SS_NOT_FOUND names the id. */
ss_status store_blob_of(ss_store *st, int64_t id, int64_t *blob_id);

/* Delete blob `blob_id` unless a snapshot row still uses it; `id` names the
 * snapshot in messages. */
ss_status store_blob_release(ss_store *st, int64_t blob_id, int64_t id);

/* The schema migrations (schema.c).  Applies every step above the store's
 * user_version inside the caller's transaction; SS_CORRUPT naming the step
 * when one fails. */
ss_status store_migrate(ss_store *st, int64_t from_version);

/* The PRAGMA application_id statement that marks a file as ours (schema.c). */
extern const char store_claim_sql[];

#endif
