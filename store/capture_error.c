/*
 * capture_error.c - failed automatic captures: recording one (and trimming
 * the session to its newest N in the same transaction), listing a time
 * range, counting one.  All three are range scans of the (session_id, at)
 * index; the trim walks at most N+1 index entries.
 *
 * Open ends (SS_TIME_NONE) become the int64 extremes before binding, so one
 * statement serves every range and the plan is always the index range.
 */
#include "store_internal.h"

#include <stdlib.h>

static const char sql_cerr_insert[] =
	"INSERT INTO capture_errors(session_id, at, reason) VALUES (?1, ?2, ?3)";
/* Everything past the newest ?2 of the session, newest by (at, id). */
static const char sql_cerr_trim[] =
	"DELETE FROM capture_errors WHERE id IN ("
	" SELECT id FROM capture_errors WHERE session_id = ?1"
	" ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?2)";
static const char sql_cerr_list[] =
	"SELECT id, at, reason FROM capture_errors"
	" WHERE session_id = ?1 AND at >= ?2 AND at <= ?3"
	" ORDER BY at, id LIMIT ?4";
static const char sql_cerr_count[] =
	"SELECT count(*) FROM capture_errors"
	" WHERE session_id = ?1 AND at >= ?2 AND at <= ?3";

ss_status ss_store_capture_error_add(ss_store *st, int64_t session_id, int64_t at_ms,
                                     const char *reason, int64_t keep, int64_t *id)
{
	if (!reason)
		return store_error(st, SS_USAGE, "no reason given for a capture error");
	if (keep < 0)
		return store_error(st, SS_USAGE, "negative number of capture errors to keep");
	store_tx tx;
	ss_status status = store_tx_begin(st, &tx);
	if (status != SS_OK)
		return status;
	sqlite3_stmt *ins = store_stmt(st, STMT_CERR_INSERT, sql_cerr_insert, &status);
	if (!ins)
		goto fail;
	sqlite3_bind_int64(ins, 1, session_id);
	sqlite3_bind_int64(ins, 2, at_ms);
	sqlite3_bind_text(ins, 3, reason, -1, SQLITE_STATIC);
	int rc = sqlite3_step(ins);
	if (rc != SQLITE_DONE) {
		/* A missing session is the foreign key: SQLITE_CONSTRAINT, SS_USAGE. */
		status = store_fail(st, rc, "recording a capture error of session %lld",
		                    (long long)session_id);
		store_stmt_done(ins);
		goto fail;
	}
	int64_t new_id = sqlite3_last_insert_rowid(st->db);
	store_stmt_done(ins);
	if (keep > 0) {
		sqlite3_stmt *trim = store_stmt(st, STMT_CERR_TRIM, sql_cerr_trim, &status);
		if (!trim)
			goto fail;
		sqlite3_bind_int64(trim, 1, session_id);
		sqlite3_bind_int64(trim, 2, keep);
		rc = sqlite3_step(trim);
		if (rc != SQLITE_DONE) {
			status = store_fail(st, rc, "dropping old capture errors of session %lld",
			                    (long long)session_id);
			store_stmt_done(trim);
			goto fail;
		}
		store_stmt_done(trim);
	}
	status = store_tx_commit(st, &tx);
	if (status == SS_OK && id)
		*id = new_id;
	return status;
fail:
	store_tx_rollback(st, &tx);
	return status;
}

/* The cached statement, or (when a callback of an outer listing is still
 * stepping it) a private one that *own says to finalize. */
static sqlite3_stmt *list_stmt(ss_store *st, ss_status *status, bool *own)
{
	*own = false;
	sqlite3_stmt *stmt = store_stmt(st, STMT_CERR_LIST, sql_cerr_list, status);
	if (!stmt || !sqlite3_stmt_busy(stmt))
		return stmt;
	int rc = sqlite3_prepare_v2(st->db, sql_cerr_list, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		*status = store_fail(st, rc, "preparing a statement");
		return NULL;
	}
	*own = true;
	return stmt;
}

ss_status ss_store_capture_errors(ss_store *st, int64_t session_id, int64_t since,
                                  int64_t until, int64_t limit,
                                  ss_store_capture_error_fn fn, void *user_data)
{
	if (limit < 0)
		return store_error(st, SS_USAGE, "negative limit for capture errors");
	int64_t lo = since;         /* SS_TIME_NONE is INT64_MIN: already open */
	int64_t hi = until == SS_TIME_NONE ? INT64_MAX : until;
	if (lo > hi)
		return SS_OK;
	ss_status status = SS_OK;
	bool own;
	sqlite3_stmt *stmt = list_stmt(st, &status, &own);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, session_id);
	sqlite3_bind_int64(stmt, 2, lo);
	sqlite3_bind_int64(stmt, 3, hi);
	sqlite3_bind_int64(stmt, 4, limit > 0 ? limit : -1);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *reason = (const char *)sqlite3_column_text(stmt, 2);
		if (!reason) {
			status = store_error(st, SS_NOMEM, "out of memory reading capture errors");
			break;
		}
		if (fn(sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1), reason,
		       user_data) != 0)
			break;
	}
	if (status == SS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		status = store_fail(st, rc, "listing capture errors of session %lld",
		                    (long long)session_id);
	if (own)
		sqlite3_finalize(stmt);
	else
		store_stmt_done(stmt);
	return status;
}

ss_status ss_store_capture_error_count(ss_store *st, int64_t session_id, int64_t since,
                                       int64_t until, int64_t *count)
{
	*count = 0;
	/* (since, until] over integers is [since + 1, until]. */
	if (since == INT64_MAX)
		return SS_OK;
	int64_t lo = since == SS_TIME_NONE ? INT64_MIN : since + 1;
	int64_t hi = until == SS_TIME_NONE ? INT64_MAX : until;
	if (lo > hi)
		return SS_OK;
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_CERR_COUNT, sql_cerr_count, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, session_id);
	sqlite3_bind_int64(stmt, 2, lo);
	sqlite3_bind_int64(stmt, 3, hi);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(stmt, 0);
	else
		status = store_fail(st, rc, "counting capture errors of session %lld",
		                    (long long)session_id);
	store_stmt_done(stmt);
	return status;
}
