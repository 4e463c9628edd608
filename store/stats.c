/* stats.c - totals over a session or the whole store, and the integrity check. */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/*
 * One statement, so every total comes from the same read snapshot.  It comes
 * in two forms: the whole store scans tables plainly, one session goes
 * through its index (an "?1 IS NULL OR" filter would make the whole-store
 * form probe per row, several times slower at a million rows).
 *
 * The chain walk starts at the deltas based on a keyframe (the partial index
 * snapshots_base holds only deltas) and follows base_id downwards; a damaged
 * file with a cycle among deltas cannot make it loop, since no keyframe leads
 * into a cycle.
 */
#define STATS_SQL(SESSIONS, WHERE_S, WHERE_D, TAGGED) \
	"WITH chain(id, depth) AS (" \
	"  SELECT d.id, 1 FROM snapshots d JOIN snapshots k ON k.id = d.base_id" \
	"  WHERE d.base_id IS NOT NULL AND k.kind = 0" WHERE_D \
	"  UNION ALL SELECT s.id, c.depth + 1 FROM snapshots s JOIN chain c ON s.base_id = c.id)," \
	" tagged AS (" TAGGED ")" \
	" SELECT (" SESSIONS "), count(*)," \
	" coalesce(sum(kind = 0), 0), coalesce(sum(kind = 1), 0), coalesce(sum(pinned), 0)," \
	" (SELECT count(DISTINCT snapshot_id) FROM tagged), (SELECT count(*) FROM tagged)," \
	" coalesce(sum(raw_size), 0), coalesce(sum(stored_size), 0), coalesce(sum(create_us), 0)," \
	" min(created_at), max(created_at)," \
	" (SELECT coalesce(max(depth), 0) FROM chain)," \
	" (SELECT p.page_count * z.page_size FROM pragma_page_count() p, pragma_page_size() z)" \
	" FROM snapshots s" WHERE_S

#define ONE_SESSION "(SELECT id FROM sessions WHERE name = ?1)"

static const char sql_stats_store[] = STATS_SQL(
	"SELECT count(*) FROM sessions", "", "",
	"SELECT snapshot_id FROM tags");

static const char sql_stats_session[] = STATS_SQL(
	"SELECT count(*) FROM sessions WHERE name = ?1",
	" WHERE s.session_id = " ONE_SESSION,
	" AND d.session_id = " ONE_SESSION,
	"SELECT t.snapshot_id FROM snapshots s JOIN tags t ON t.snapshot_id = s.id"
	" WHERE s.session_id = " ONE_SESSION);

/* SS_NOT_FOUND for an unknown session name; *out is zeroed on failure. */
ss_status ss_store_stats(ss_store *st, const char *session, ss_stats *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, session ? sql_stats_session : sql_stats_store, -1,
	                            &stmt, NULL);
	if (rc != SQLITE_OK) {
		ss_status status = store_fail(st, rc, "preparing statistics");
		sqlite3_finalize(stmt);
		return status;
	}
	if (session)
		sqlite3_bind_text(stmt, 1, session, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	ss_status status = SS_OK;
	if (rc != SQLITE_ROW) {
		status = store_fail(st, rc, "computing statistics of %s", session ? session : "the store");
	} else if (session && sqlite3_column_int64(stmt, 0) == 0) {
		status = store_error(st, SS_NOT_FOUND, "no session named \"%s\"", session);
	} else {
		out->sessions = sqlite3_column_int64(stmt, 0);
		out->snapshots = sqlite3_column_int64(stmt, 1);
		out->keyframes = sqlite3_column_int64(stmt, 2);
		out->deltas = sqlite3_column_int64(stmt, 3);
		out->pinned = sqlite3_column_int64(stmt, 4);
		out->tagged = sqlite3_column_int64(stmt, 5);
		out->tags = sqlite3_column_int64(stmt, 6);
		out->raw_bytes = sqlite3_column_int64(stmt, 7);
		out->stored_bytes = sqlite3_column_int64(stmt, 8);
		out->create_us_total = sqlite3_column_int64(stmt, 9);
		out->first_at = sqlite3_column_type(stmt, 10) == SQLITE_NULL
		                ? SS_TIME_NONE : sqlite3_column_int64(stmt, 10);
		out->last_at = sqlite3_column_type(stmt, 11) == SQLITE_NULL
		               ? SS_TIME_NONE : sqlite3_column_int64(stmt, 11);
		out->max_chain = sqlite3_column_int64(stmt, 12);
		out->file_bytes = sqlite3_column_int64(stmt, 13);
	}
	sqlite3_finalize(stmt);
	return status;
}

/* Append "; line" pieces to a message, quietly cut at its size. */
static void append(char *buf, size_t size, const char *piece)
{
	size_t len = strlen(buf);
	if (len + 1 < size)
		snprintf(buf + len, size - len, "%s%s", len ? "; " : "", piece);
}

/* Collect what a checking PRAGMA reports.  SS_OK when it reports nothing
 * (integrity_check: the single row "ok"); SS_CORRUPT with the first few
 * problems in `found`; SQLite's own errors otherwise. */
static ss_status run_check(ss_store *st, const char *sql, bool foreign, char *found, size_t size)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	int problems = 0;
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(stmt)) != SQLITE_ROW)
			break;
		char line[200];
		if (foreign) {
			const char *table = (const char *)sqlite3_column_text(stmt, 0);
			const char *parent = (const char *)sqlite3_column_text(stmt, 2);
			snprintf(line, sizeof line, "%s row %lld refers to a missing %s row",
			         table ? table : "?", (long long)sqlite3_column_int64(stmt, 1),
			         parent ? parent : "?");
		} else {
			const char *text = (const char *)sqlite3_column_text(stmt, 0);
			if (text && strcmp(text, "ok") == 0)
				continue;
			snprintf(line, sizeof line, "%s", text ? text : "?");
		}
		if (problems++ < 3)
			append(found, size, line);
	}
	ss_status status = SS_OK;
	if (rc != SQLITE_DONE)
		status = store_fail(st, rc, "checking the integrity of %s", st->path);
	else if (problems > 0)
		status = SS_CORRUPT;
	sqlite3_finalize(stmt);
	return status;
}

ss_status ss_store_integrity_check(ss_store *st)
{
	char found[400] = "";
	ss_status status = run_check(st, "PRAGMA integrity_check(10)", false, found, sizeof found);
	if (status == SS_OK)
		status = run_check(st, "PRAGMA foreign_key_check", true, found, sizeof found);
	if (status == SS_CORRUPT && found[0])
		store_error(st, SS_CORRUPT, "%s: integrity check failed: %s", st->path, found);
	return status;
}
