/* session.c - sessions: create on first use, summaries, configuration. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

static const char sql_session_insert[] =
	"INSERT INTO sessions(name, created_at) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING";
static const char sql_session_id[] = "SELECT id FROM sessions WHERE name = ?1";

/* SS_USAGE for an invalid name; otherwise SQLite's errors.  Creating is one
 * statement, so a failure leaves nothing behind. */
ss_status ss_store_session_ensure(ss_store *st, const char *name, int64_t now_ms, int64_t *id)
{
	ss_status status = store_check_session_name(st, name);
	if (status != SS_OK)
		return status;
	/* Look first: the common case (the session exists) takes no write lock,
	 * so it also works on a read-only store. */
	sqlite3_stmt *get = store_stmt(st, STMT_SESSION_ID, sql_session_id, &status);
	if (!get)
		return status;
	for (int attempt = 0; attempt < 2; attempt++) {
		sqlite3_bind_text(get, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(get);
		if (rc == SQLITE_ROW) {
			*id = sqlite3_column_int64(get, 0);
			store_stmt_done(get);
			return SS_OK;
		}
		if (rc != SQLITE_DONE) {
			status = store_fail(st, rc, "looking up session \"%s\"", name);
			store_stmt_done(get);
			return status;
		}
		store_stmt_done(get);
		if (attempt > 0)
			break;
		sqlite3_stmt *ins = store_stmt(st, STMT_SESSION_INSERT, sql_session_insert, &status);
		if (!ins)
			return status;
		sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, now_ms);
		rc = sqlite3_step(ins);
		if (rc != SQLITE_DONE) {
			status = store_fail(st, rc, "creating session \"%s\"", name);
			store_stmt_done(ins);
			return status;
		}
		store_stmt_done(ins);
	}
	return store_error(st, SS_INTERNAL, "session \"%s\" vanished after creating it", name);
}

#define SESSION_SUMMARY \
	"SELECT ss.id, ss.name, ss.created_at, ss.config, count(s.id)," \
	" min(s.created_at), max(s.created_at)," \
	" coalesce(sum(s.raw_size), 0), coalesce(sum(s.stored_size), 0)" \
	" FROM sessions ss LEFT JOIN snapshots s ON s.session_id = ss.id "

static const char sql_session_get[] = SESSION_SUMMARY "WHERE ss.name = ?1 GROUP BY ss.id";
static const char sql_session_list[] = SESSION_SUMMARY "GROUP BY ss.id ORDER BY ss.name";

static char *column_dup(sqlite3_stmt *stmt, int col, const char *fallback)
{
	const char *s = (const char *)sqlite3_column_text(stmt, col);
	return strdup(s ? s : fallback);
}

/* Fill *out from a SESSION_SUMMARY row; SS_NOMEM leaves it zeroed. */
static ss_status read_session(ss_store *st, sqlite3_stmt *stmt, ss_session *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(stmt, 0);
	out->name = column_dup(stmt, 1, "");
	out->created_at = sqlite3_column_int64(stmt, 2);
	out->config = column_dup(stmt, 3, "{}");
	out->count = sqlite3_column_int64(stmt, 4);
	out->first_at = sqlite3_column_type(stmt, 5) == SQLITE_NULL
	                ? SS_TIME_NONE : sqlite3_column_int64(stmt, 5);
	out->last_at = sqlite3_column_type(stmt, 6) == SQLITE_NULL
	               ? SS_TIME_NONE : sqlite3_column_int64(stmt, 6);
	out->raw_bytes = sqlite3_column_int64(stmt, 7);
	out->stored_bytes = sqlite3_column_int64(stmt, 8);
	if (!out->name || !out->config) {
		ss_session_clear(out);
		return store_error(st, SS_NOMEM, "out of memory reading a session");
	}
	return SS_OK;
}

ss_status ss_store_session_get(ss_store *st, const char *name, ss_session *out)
{
	memset(out, 0, sizeof *out);
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SESSION_GET, sql_session_get, &status);
	if (!stmt)
		return status;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		status = read_session(st, stmt, out);
	else if (rc == SQLITE_DONE)
		status = store_error(st, SS_NOT_FOUND, "no session named \"%s\"", name);
	else
		status = store_fail(st, rc, "reading session \"%s\"", name);
	store_stmt_done(stmt);
	return status;
}

static const char sql_session_find[] = "SELECT id, config FROM sessions WHERE name = ?1";

ss_status ss_store_session_find(ss_store *st, const char *name, int64_t *id, char **config)
{
	if (config)
		*config = NULL;
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SESSION_FIND, sql_session_find, &status);
	if (!stmt)
		return status;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		if (config && !(*config = column_dup(stmt, 1, "{}")))
			status = store_error(st, SS_NOMEM, "out of memory reading session \"%s\"", name);
	} else if (rc == SQLITE_DONE) {
		status = store_error(st, SS_NOT_FOUND, "no session named \"%s\"", name);
	} else {
		status = store_fail(st, rc, "reading session \"%s\"", name);
	}
	store_stmt_done(stmt);
	return status;
}

/* On failure *out is NULL and *n 0. */
ss_status ss_store_sessions(ss_store *st, ss_session **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SESSION_LIST, sql_session_list, &status);
	if (!stmt)
		return status;
	ss_session *list = NULL;
	size_t count = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			ss_session *grown = realloc(list, ncap * sizeof *grown);
			if (!grown) {
				status = store_error(st, SS_NOMEM, "out of memory listing sessions");
				break;
			}
			list = grown;
			cap = ncap;
		}
		status = read_session(st, stmt, &list[count]);
		if (status != SS_OK)
			break;
		count++;
	}
	if (status == SS_OK && rc != SQLITE_DONE)
		status = store_fail(st, rc, "listing sessions");
	store_stmt_done(stmt);
	if (status != SS_OK) {
		ss_session_array_free(list, count);
		return status;
	}
	*out = list;
	*n = count;
	return SS_OK;
}

static const char sql_session_set_config[] = "UPDATE sessions SET config = ?2 WHERE id = ?1";

ss_status ss_store_session_set_config(ss_store *st, int64_t session_id, const char *config_json)
{
	if (!config_json)
		return store_error(st, SS_USAGE, "no configuration given for session %lld",
		                   (long long)session_id);
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_SESSION_SET_CONFIG, sql_session_set_config, &status);
	if (!stmt)
		return status;
	sqlite3_bind_int64(stmt, 1, session_id);
	sqlite3_bind_text(stmt, 2, config_json, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "setting the configuration of session %lld",
		                    (long long)session_id);
	else if (sqlite3_changes(st->db) == 0)
		status = store_error(st, SS_NOT_FOUND, "no session with id %lld", (long long)session_id);
	store_stmt_done(stmt);
	return status;
}
