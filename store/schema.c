/*
 * schema.c - the store's schema as a list of migrations.  Step N brings a
 * store from user_version N-1 to N; step 1 is the whole initial schema, so a
 * new store and an old one take the same path.  A step ends by setting its
 * own user_version, and every step runs in the one transaction store.c opens.
 *
 * Choices that future versions rely on:
 *  - checksum is the 64-character lower-case hex text (as shown and exported),
 *    not 32 raw bytes: readable with the sqlite3 shell, comparable with what
 *    an export carries, and 32 bytes a row is not worth a conversion.
 *  - kind/base_id are here from the start, so delta storage needs no
 *    migration; base_id references snapshots, so a snapshot other deltas are
 *    based on cannot be deleted before they are re-based.
 *  - snapshots.id is AUTOINCREMENT: an id once printed by `capture` never
 *    names another snapshot, even after the newest is deleted.
 *  - blob_id is not unique: rows may share a blob; the blob goes with the
 *    last row that uses it.
 *  - (v2) capture_errors is its own table, not snapshot rows with a flag:
 *    a failed poll has no state, and every snapshot query would otherwise
 *    have to step over them.  Its index (session_id, at) serves the
 *    timeline's "errors between two snapshots" count, the listing and the
 *    trimming to the newest N per session alike.
 */
#include "store_internal.h"

#include <stdio.h>

#define STR_(x) #x
#define STR(x) STR_(x)

const char store_claim_sql[] = "PRAGMA application_id = " STR(SS_STORE_APPLICATION_ID);

/* The sum the "changes" sort orders by; the indexes repeat it verbatim so
 * that SQLite matches the expression. */
#define CHANGES "(n_added + n_removed + n_changed)"

static const char schema_v1[] =
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  last_seq INTEGER NOT NULL DEFAULT 0,"    /* seq is never reused, even after deletes */
	"  config TEXT NOT NULL DEFAULT '{}'"
	");"
	"CREATE TABLE blobs ("
	"  id INTEGER PRIMARY KEY,"
	"  codec INTEGER NOT NULL,"
	"  raw_size INTEGER NOT NULL CHECK (raw_size >= 0),"
	"  data BLOB NOT NULL"
	");"
	"CREATE TABLE snapshots ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  session_id INTEGER NOT NULL REFERENCES sessions(id),"
	"  seq INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"            /* ms since the epoch, UTC */
	"  origin INTEGER NOT NULL DEFAULT 0,"
	"  description TEXT,"
	"  pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),"
	"  raw_size INTEGER NOT NULL,"
	"  stored_size INTEGER NOT NULL,"
	"  n_added INTEGER NOT NULL DEFAULT 0,"
	"  n_removed INTEGER NOT NULL DEFAULT 0,"
	"  n_changed INTEGER NOT NULL DEFAULT 0,"
	"  create_us INTEGER NOT NULL DEFAULT 0,"
	"  checksum TEXT NOT NULL CHECK (length(checksum) = 64),"
	"  kind INTEGER NOT NULL DEFAULT 0 CHECK (kind IN (0, 1)),"
	"  base_id INTEGER REFERENCES snapshots(id),"
	"  blob_id INTEGER NOT NULL REFERENCES blobs(id),"
	"  UNIQUE (session_id, seq),"               /* also serves `latest` */
	"  CHECK ((kind = 0) = (base_id IS NULL))"  /* a delta has a base, a keyframe none */
	");"
	"CREATE TABLE tags ("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	"  tag TEXT NOT NULL,"
	"  PRIMARY KEY (snapshot_id, tag)"
	") WITHOUT ROWID;"
	/* tag filters start from the tag */
	"CREATE INDEX tags_by_tag ON tags(tag, snapshot_id);"
	/* Keyset paging for each sort, within a session and over the whole
	 * store: a page is an index range scan, never a sort of every row.
	 * The time index also serves `nearest`. */
	"CREATE INDEX snapshots_session_time ON snapshots(session_id, created_at, id);"
	"CREATE INDEX snapshots_time ON snapshots(created_at, id);"
	"CREATE INDEX snapshots_session_size ON snapshots(session_id, raw_size, id);"
	"CREATE INDEX snapshots_size ON snapshots(raw_size, id);"
	"CREATE INDEX snapshots_session_changes ON snapshots(session_id, " CHANGES ", id);"
	"CREATE INDEX snapshots_changes ON snapshots(" CHANGES ", id);"
	/* Delete asks "does another row use this blob / is any row based on
	 * this one"; both are also the foreign keys' child lookups. */
	"CREATE INDEX snapshots_blob ON snapshots(blob_id);"
	"CREATE INDEX snapshots_base ON snapshots(base_id) WHERE base_id IS NOT NULL;"
	"PRAGMA user_version = 1;";

static const char schema_v2[] =
	"CREATE TABLE capture_errors ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL REFERENCES sessions(id),"
	"  at INTEGER NOT NULL,"                    /* ms since the epoch, UTC */
	"  reason TEXT NOT NULL"
	");"
	"CREATE INDEX capture_errors_session_time ON capture_errors(session_id, at);"
	"PRAGMA user_version = 2;";

/* Indexed by the version a step produces; [0] is the empty store. */
static const char *const migrations[] = {
	[0] = NULL,
	[1] = schema_v1,
	[2] = schema_v2,
};

_Static_assert(sizeof migrations / sizeof migrations[0] == SS_STORE_SCHEMA_VERSION + 1,
               "one migration step per schema version");

/* Called inside a transaction (store.c upgrade()); the caller rolls back on
 * failure, so a failed step leaves the file as it was. */
ss_status store_migrate(ss_store *st, int64_t from_version)
{
	for (int64_t v = from_version + 1; v <= SS_STORE_SCHEMA_VERSION; v++) {
		char *msg = NULL;
		int rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			ss_status status = store_status_of(rc);
			if (status == SS_INTERNAL || status == SS_USAGE)
				status = SS_CORRUPT;    /* the file is ours but not as step v expects */
			store_error(st, status, "%s: migrating the store to schema version %lld failed: %s",
			            st->path, (long long)v, msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			return status;
		}
	}
	/* Foreign keys are off while migrating (steps may rebuild tables);
	 * check what they would have caught before committing. */
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	ss_status status = SS_OK;
	if (rc == SQLITE_ROW)
		status = store_error(st, SS_CORRUPT, "%s: after migrating, %s row %lld refers to a missing %s",
		                     st->path, (const char *)sqlite3_column_text(stmt, 0),
		                     (long long)sqlite3_column_int64(stmt, 1),
		                     (const char *)sqlite3_column_text(stmt, 2));
	else if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "checking foreign keys after migrating");
	sqlite3_finalize(stmt);
	return status;
}
