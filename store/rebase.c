/*
 * rebase.c - what deleting a snapshot that others depend on needs: finding
 * the deltas stored against it, switching one to another base (or to a
 * keyframe), and the neighbours of a snapshot in its session.
 */
#include "store_internal.h"

#include <stdlib.h>

static const char sql_dependents[] = "SELECT id FROM snapshots WHERE base_id = ?1 ORDER BY id";

ss_status ss_store_dependents(ss_store *st, int64_t id, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_DEPENDENTS, sql_dependents, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			int64_t *grown = realloc(*ids, cap * sizeof *grown);
			if (!grown) {
				status = store_error(st, SS_NOMEM, "out of memory listing deltas of snapshot %lld",
				                     (long long)id);
				break;
			}
			*ids = grown;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	if (status == SS_OK && rc != SQLITE_DONE)
		status = store_fail(st, rc, "listing deltas of snapshot %lld", (long long)id);
	store_stmt_done(stmt);
	if (status != SS_OK) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return status;
}

static const char sql_rebase[] =
	"UPDATE snapshots SET kind = ?2, base_id = ?3, blob_id = ?4, stored_size = ?5, "
	"n_added = ?6, n_removed = ?7, n_changed = ?8 WHERE id = ?1";

ss_status ss_store_snapshot_rebase(ss_store *st, int64_t id, const ss_store_layout *layout)
{
	store_tx tx;
	ss_status status = store_tx_begin(st, &tx);
	if (status != SS_OK)
		return status;

	/* The old blob id, read before the update replaces it. */
	int64_t old_blob;
	status = store_blob_of(st, id, &old_blob);
	if (status != SS_OK)
		goto fail;

	sqlite3_stmt *stmt = store_stmt(st, STMT_SNAP_REBASE, sql_rebase, &status);
	if (!stmt)
		goto fail;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, (int)layout->kind);
	if (layout->base_id)
		sqlite3_bind_int64(stmt, 3, layout->base_id);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_int64(stmt, 4, layout->blob_id);
	sqlite3_bind_int64(stmt, 5, layout->stored_size);
	sqlite3_bind_int64(stmt, 6, layout->n_added);
	sqlite3_bind_int64(stmt, 7, layout->n_removed);
	sqlite3_bind_int64(stmt, 8, layout->n_changed);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "re-basing snapshot %lld", (long long)id);
	store_stmt_done(stmt);
	if (status != SS_OK)
		goto fail;

	if (old_blob && old_blob != layout->blob_id &&
	    (status = store_blob_release(st, old_blob, id)) != SS_OK)
		goto fail;
	return store_tx_commit(st, &tx);
fail:
	store_tx_rollback(st, &tx);
	return status;
}

static const char sql_prev[] =
	"SELECT p.id FROM snapshots s JOIN snapshots p ON p.session_id = s.session_id AND p.seq < s.seq "
	"WHERE s.id = ?1 ORDER BY p.seq DESC LIMIT 1";
static const char sql_next[] =
	"SELECT n.id FROM snapshots s JOIN snapshots n ON n.session_id = s.session_id AND n.seq > s.seq "
	"WHERE s.id = ?1 ORDER BY n.seq ASC LIMIT 1";

ss_status ss_store_neighbor(ss_store *st, int64_t id, int direction, int64_t *out)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = direction < 0
		? store_stmt(st, STMT_SNAP_PREV, sql_prev, &status)
		: store_stmt(st, STMT_SNAP_NEXT, sql_next, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "snapshot %lld has no %s in its session",
		                     (long long)id, direction < 0 ? "predecessor" : "successor");
	else
		status = store_fail(st, rc, "looking for the neighbour of snapshot %lld", (long long)id);
	store_stmt_done(stmt);
	return status;
}
