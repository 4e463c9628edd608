/*
 * query.c - finding snapshots: search with keyset paging, counts, the
 * newest snapshot and the one nearest a time.  The store does the SQL; this
 * file checks the request and words the errors.
 */
#include "manager.h"

static ss_status query_check(ss_manager *mgr, const ss_query *q)
{
	if (q->session) {
		ss_status st = ss_session_name_check(q->session, mgr->err, sizeof mgr->err);
		if (st != SS_OK)
			return st;
	}
	if (q->sort != SS_SORT_TIME && q->sort != SS_SORT_SIZE && q->sort != SS_SORT_CHANGES)
		return mgr_fail(mgr, SS_USAGE, "unknown sort order %d", (int)q->sort);
	if (q->limit < 0 || q->offset < 0)
		return mgr_fail(mgr, SS_USAGE, "negative limit or offset");
	if (q->since != SS_TIME_NONE && q->until != SS_TIME_NONE && q->since > q->until)
		return mgr_fail(mgr, SS_USAGE, "the time range ends before it starts");
	if (q->n_tags > 0 && !q->tags)
		return mgr_fail(mgr, SS_USAGE, "tag count given without tags");
	return SS_OK;
}

ss_status ss_search(ss_manager *mgr, const ss_query *q, ss_cursor *cursor,
                    ss_row_fn fn, void *user_data)
{
	ss_status st = query_check(mgr, q);
	if (st != SS_OK)
		return st;
	st = ss_store_search(mgr->store, q, cursor, fn, user_data);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_count(ss_manager *mgr, const ss_query *q, int64_t *count)
{
	ss_status st = query_check(mgr, q);
	if (st != SS_OK)
		return st;
	st = ss_store_count(mgr->store, q, count);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_nearest(ss_manager *mgr, const char *session, int64_t t_ms, int64_t *id)
{
	int64_t session_id;
	ss_status st = mgr_session_id(mgr, session, &session_id);
	if (st != SS_OK)
		return st;
	st = ss_store_nearest(mgr->store, session_id, t_ms, id);
	if (st == SS_NOT_FOUND)
		return mgr_fail(mgr, st, "session %s has no snapshots", session);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_latest(ss_manager *mgr, const char *session, int64_t *id)
{
	int64_t session_id;
	ss_status st = mgr_session_id(mgr, session, &session_id);
	if (st != SS_OK)
		return st;
	st = ss_store_latest(mgr->store, session_id, id);
	if (st == SS_NOT_FOUND)
		return mgr_fail(mgr, st, "session %s has no snapshots", session);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}
