/*
 * verify.c - reading every snapshot back from disk (never from the cache),
 * recomputing its checksum, then asking SQLite to check the file itself.
 *
 * Ids are collected a page at a time and checked between pages, so a long
 * verification does not hold one read transaction open over the whole store
 * (which would stop a concurrent writer's WAL from being checkpointed).
 */
#include "manager.h"

#include <stdlib.h>
#include <string.h>

#define VERIFY_PAGE 256

struct id_page {
	int64_t ids[VERIFY_PAGE];
	size_t n;
};

static int collect_id(const ss_snapshot *row, void *user_data)
{
	struct id_page *page = user_data;
	page->ids[page->n++] = row->id;
	return 0;
}

/* Check one snapshot; SS_OK or SS_CORRUPT (reported to fn), or a hard error. */
static ss_status verify_one(ss_manager *mgr, int64_t id, ss_damage_fn fn, void *user_data)
{
	ss_snapshot meta;
	ss_status st = ss_store_snapshot_get(mgr->store, id, &meta);
	if (st == SS_NOT_FOUND)
		return SS_OK;   /* deleted since the page was read */
	if (st == SS_CORRUPT) {
		mgr_store_fail(mgr, st);
		if (fn)
			fn(id, mgr->err, user_data);
		return st;
	}
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	json_t *state;
	st = mgr_read_state(mgr, &meta, false, true, &state);
	ss_snapshot_clear(&meta);
	if (st == SS_OK) {
		json_decref(state);
		return SS_OK;
	}
	if (st == SS_CORRUPT && fn)
		fn(id, mgr->err, user_data);
	return st;
}

ss_status ss_verify(ss_manager *mgr, const char *session, ss_damage_fn fn,
                    void *user_data, int64_t *checked, int64_t *damaged)
{
	int64_t n_checked = 0, n_damaged = 0;
	if (session) {
		int64_t unused;
		ss_status st = mgr_session_id(mgr, session, &unused);
		if (st != SS_OK)
			return st;
	}
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	q.limit = VERIFY_PAGE;
	ss_cursor cursor = { 0 };
	struct id_page *page = malloc(sizeof *page);
	if (!page)
		return mgr_fail(mgr, SS_NOMEM, "out of memory");
	ss_status st = SS_OK;
	for (;;) {
		page->n = 0;
		st = ss_store_search(mgr->store, &q, &cursor, collect_id, page);
		if (st != SS_OK) {
			mgr_store_fail(mgr, st);
			break;
		}
		for (size_t i = 0; i < page->n && st == SS_OK; i++) {
			ss_status one = verify_one(mgr, page->ids[i], fn, user_data);
			n_checked++;
			if (one == SS_CORRUPT)
				n_damaged++;
			else if (one != SS_OK)
				st = one;
		}
		if (st != SS_OK || page->n < VERIFY_PAGE)
			break;
	}
	free(page);
	if (checked)
		*checked = n_checked;
	if (damaged)
		*damaged = n_damaged;
	if (st != SS_OK)
		return mgr_emit_error(mgr, st);

	st = ss_store_integrity_check(mgr->store);
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		if (st == SS_CORRUPT && fn)
			fn(0, mgr->err, user_data);
		return mgr_emit_error(mgr, st);
	}
	if (n_damaged > 0)
		return mgr_emit_error(mgr, mgr_fail(mgr, SS_CORRUPT, "%lld of %lld snapshots damaged",
		                                    (long long)n_damaged, (long long)n_checked));
	return SS_OK;
}
