/*
 * capture_errors.c - the capture errors of ss_auto.h: failed polls recorded
 * beside a session's snapshots, listed and counted by time.  The store does
 * the SQL (and the trimming to SS_CAPTURE_ERRORS_KEPT); this file checks the
 * session name, cuts the reason and words the errors.
 *
 * A reason is kept raw, as the source gave it (a command's stderr may hold
 * anything): it is escaped where it is shown, never here, so that a later
 * display can still tell what the bytes were.
 */
#include "manager.h"
#include "ss_auto.h"

#include <string.h>

/* Bytes of `reason` to keep: all of it up to SS_CAPTURE_REASON_MAX, else
 * that many without splitting a UTF-8 sequence.  A lead byte is at most
 * three continuation bytes back; further back the text is not UTF-8 and
 * any cut is as good as another. */
static size_t reason_cut(const char *reason)
{
	size_t len = strnlen(reason, SS_CAPTURE_REASON_MAX + 1);
	if (len <= SS_CAPTURE_REASON_MAX)
		return len;
	size_t cut = SS_CAPTURE_REASON_MAX;
	for (int back = 0; back < 3 && cut > 0 &&
	     ((unsigned char)reason[cut] & 0xc0) == 0x80; back++)
		cut--;
	if (((unsigned char)reason[cut] & 0xc0) == 0x80)
		cut = SS_CAPTURE_REASON_MAX;
	return cut;
}

ss_status ss_capture_error_add(ss_manager *mgr, const char *session, int64_t at_ms,
                               const char *reason)
{
	ss_status st = ss_session_name_check(session, mgr->err, sizeof mgr->err);
	if (st != SS_OK)
		return st;
	if (!reason)
		return mgr_fail(mgr, SS_USAGE, "no reason given for the capture error");
	if (at_ms == 0)
		at_ms = ss_now_ms();
	char cut[SS_CAPTURE_REASON_MAX + 1];
	size_t n = reason_cut(reason);
	memcpy(cut, reason, n);
	cut[n] = '\0';

	/* The session lookup and the insert are one transaction, so a session
	 * created here is never left without the error that made it. */
	st = ss_store_begin(mgr->store);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	int64_t session_id;
	bool created = false;
	st = ss_store_session_find(mgr->store, session, &session_id, NULL);
	if (st == SS_NOT_FOUND) {
		created = true;
		st = ss_store_session_ensure(mgr->store, session, ss_now_ms(), &session_id);
	}
	if (st == SS_OK)
		st = ss_store_capture_error_add(mgr->store, session_id, at_ms, cut,
		                                SS_CAPTURE_ERRORS_KEPT, NULL);
	if (st == SS_OK)
		st = ss_store_commit(mgr->store);
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		ss_store_rollback(mgr->store);
		return st;
	}
	if (created)
		mgr_emit(mgr, SS_EVENT_SESSION_CREATED, 0, session);
	return SS_OK;
}

/* The session's id, or *found false (not an error: it has no errors). */
static ss_status find_session(ss_manager *mgr, const char *session, int64_t *id, bool *found)
{
	*found = false;
	ss_status st = ss_session_name_check(session, mgr->err, sizeof mgr->err);
	if (st != SS_OK)
		return st;
	st = ss_store_session_find(mgr->store, session, id, NULL);
	if (st == SS_NOT_FOUND)
		return SS_OK;
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	*found = true;
	return SS_OK;
}

struct list_ctx {
	ss_capture_error_fn fn;
	void *user_data;
};

static int list_row(int64_t id, int64_t at_ms, const char *reason, void *user_data)
{
	struct list_ctx *ctx = user_data;
	ss_capture_error e = { .id = id, .at = at_ms, .reason = reason };
	return ctx->fn(&e, ctx->user_data);
}

ss_status ss_capture_errors(ss_manager *mgr, const char *session, int64_t since,
                            int64_t until, int64_t limit, ss_capture_error_fn fn,
                            void *user_data)
{
	if (!fn)
		return mgr_fail(mgr, SS_USAGE, "no callback given for the capture errors");
	if (limit < 0)
		return mgr_fail(mgr, SS_USAGE, "negative limit %lld for the capture errors",
		                (long long)limit);
	int64_t session_id;
	bool found;
	ss_status st = find_session(mgr, session, &session_id, &found);
	if (st != SS_OK || !found)
		return st;
	struct list_ctx ctx = { .fn = fn, .user_data = user_data };
	st = ss_store_capture_errors(mgr->store, session_id, since, until, limit, list_row, &ctx);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_capture_error_count(ss_manager *mgr, const char *session, int64_t since,
                                 int64_t until, int64_t *count)
{
	*count = 0;
	int64_t session_id;
	bool found;
	ss_status st = find_session(mgr, session, &session_id, &found);
	if (st != SS_OK || !found)
		return st;
	st = ss_store_capture_error_count(mgr->store, session_id, since, until, count);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}
