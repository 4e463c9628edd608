/*
 * snapshot_ops.c - creating, reading, editing and deleting snapshots.
 *
 * A snapshot's state is stored as its compact JSON in the document's own key
 * order (so `show` can print it as it came) while its checksum is taken over
 * the canonical form (so key order never counts).  Every write is one store
 * transaction; events go out only after it committed.
 */
#include "manager.h"
#include "ss_hash.h"
#include "state_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Validate what a caller hands to ss_create() before anything is written. */
static ss_status create_check(ss_manager *mgr, const char *session, const json_t *state,
                              const ss_create_opts *opts)
{
	ss_status st = ss_session_name_check(session, mgr->err, sizeof mgr->err);
	if (st != SS_OK)
		return st;
	if (!state)
		return mgr_fail(mgr, SS_USAGE, "no state given");
	if (opts->n_tags > SS_TAGS_PER_SNAPSHOT_MAX)
		return mgr_fail(mgr, SS_LIMIT, "%zu tags given; a snapshot carries at most %d",
		                opts->n_tags, SS_TAGS_PER_SNAPSHOT_MAX);
	for (size_t i = 0; i < opts->n_tags; i++) {
		st = ss_tag_check(opts->tags[i], mgr->err, sizeof mgr->err);
		if (st != SS_OK)
			return st;
	}
	if (opts->description) {
		st = ss_description_check(opts->description, mgr->err, sizeof mgr->err);
		if (st != SS_OK)
			return st;
	}
	if (opts->origin != SS_ORIGIN_MANUAL && opts->origin != SS_ORIGIN_AUTO &&
	    opts->origin != SS_ORIGIN_IMPORT)
		return mgr_fail(mgr, SS_USAGE, "unknown origin %d", (int)opts->origin);
	return ss_state_check(state, SS_DEPTH_MAX, mgr->err, sizeof mgr->err);
}

/*
 * The write half of capture inside the caller's transaction (manager.h):
 * the delta plan against the session's newest state, the blob and the row.
 * Shared by ss_create() (one snapshot, one transaction) and the import (a
 * whole file, one transaction).
 */
ss_status mgr_create_row(ss_manager *mgr, const ss_session_config *scfg, const json_t *state,
                         size_t doc_len, int64_t started, bool skip_unchanged, ss_snapshot *row,
                         struct delta_plan *plan)
{
	ss_status st = delta_plan_make(mgr, row->session_id, scfg, state, doc_len, skip_unchanged,
	                               plan);
	if (st != SS_OK || plan->unchanged)
		return st;      /* unchanged: nothing to record, row->id stays 0 */
	row->kind = plan->kind;
	row->base_id = plan->base_id;
	row->n_added = plan->n_added;
	row->n_removed = plan->n_removed;
	row->n_changed = plan->n_changed;
	/* A keyframe keeps the state in its own key order, for display. */
	char *doc = NULL;
	if (plan->kind == SS_KIND_KEYFRAME && !(doc = ss_json_dump(state, 0, NULL)))
		return mgr_fail(mgr, SS_NOMEM, "out of memory serialising the state");
	const char *blob = plan->kind == SS_KIND_DELTA ? plan->patch : doc;
	size_t blob_len = plan->kind == SS_KIND_DELTA ? plan->patch_len : doc_len;
	size_t stored = 0;
	st = ss_store_blob_put(mgr->store, blob, blob_len,
	                       mgr->cfg.compression ? mgr->cfg.compression_threshold : 0,
	                       &row->blob_id, &stored);
	free(doc);
	row->stored_size = (int64_t)stored;
	/* Creation time: from the call to the row, without the commit's fsync. */
	row->create_us = monotonic_us() - started;
	if (st == SS_OK)
		st = ss_store_snapshot_insert(mgr->store, row);
	if (st != SS_OK && st != SS_NOMEM)
		mgr_store_fail(mgr, st);
	else if (st == SS_NOMEM)
		mgr_fail(mgr, st, "out of memory storing the snapshot");
	return st;
}

int64_t mgr_monotonic_us(void)
{
	return monotonic_us();
}

/*
 * ss_create()'s transaction: the session (created when missing), then
 * mgr_create_row().  The head moves forward only once the commit is done.
 */
static ss_status create_write(ss_manager *mgr, const char *session, const json_t *state,
                              size_t doc_len, int64_t started, bool skip_unchanged,
                              ss_snapshot *row, bool *session_created)
{
	ss_status st = ss_store_begin(mgr->store);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);

	ss_session_config scfg = { 0 };
	st = mgr_session_config(mgr, session, &scfg, &row->session_id);
	if (st == SS_NOT_FOUND) {
		*session_created = true;
		st = ss_store_session_ensure(mgr->store, session, ss_now_ms(), &row->session_id);
		if (st != SS_OK)
			mgr_store_fail(mgr, st);
	}
	struct delta_plan plan = { 0 };
	if (st == SS_OK)
		st = mgr_create_row(mgr, &scfg, state, doc_len, started, skip_unchanged, row, &plan);
	ss_session_config_clear(&scfg);
	if (st == SS_OK && row->id != 0 && (st = ss_store_commit(mgr->store)) != SS_OK)
		mgr_store_fail(mgr, st);
	/* Unchanged (row->id 0) or failed: nothing of it may remain. */
	if (st != SS_OK || row->id == 0)
		ss_store_rollback(mgr->store);
	delta_plan_finish(mgr, &plan, row->id, st == SS_OK && row->id != 0);
	return st;
}

ss_status ss_create(ss_manager *mgr, const char *session, json_t *state,
                    const ss_create_opts *opts, int64_t *id)
{
	int64_t started = monotonic_us();
	ss_create_opts defaults = { 0 };
	if (!opts)
		opts = &defaults;
	ss_status st = create_check(mgr, session, state, opts);
	if (st != SS_OK)
		return mgr_emit_error(mgr, st);

	/* One canonical serialisation gives both the checksum and the raw size:
	 * the compact form in document order has exactly the same length (only
	 * the key order differs), and is made later only if a keyframe needs it. */
	size_t doc_len;
	char *canon = ss_json_dump(state, SS_DUMP_SORT_KEYS, &doc_len);
	if (!canon)
		return mgr_emit_error(mgr, mgr_fail(mgr, SS_NOMEM, "out of memory serialising the state"));
	if (doc_len > mgr->cfg.max_state_bytes) {
		free(canon);
		return mgr_emit_error(mgr, mgr_fail(mgr, SS_LIMIT,
		        "state of %zu bytes is over the %zu-byte limit", doc_len,
		        mgr->cfg.max_state_bytes));
	}
	ss_snapshot row = { 0 };
	st = ss_sha256_hex(canon, doc_len, row.checksum);
	free(canon);
	if (st != SS_OK)
		return mgr_emit_error(mgr, mgr_fail(mgr, st, "cannot compute the state's checksum"));
	row.created_at = opts->created_at ? opts->created_at : ss_now_ms();
	row.origin = opts->origin;
	row.description = opts->description && opts->description[0] ? (char *)opts->description : NULL;
	row.tags = (char **)opts->tags;
	row.n_tags = opts->n_tags;
	row.pinned = opts->pinned;
	row.raw_size = (int64_t)doc_len;
	bool session_created = false;
	st = create_write(mgr, session, state, doc_len, started, opts->skip_unchanged, &row,
	                  &session_created);
	if (st != SS_OK)
		return mgr_emit_error(mgr, st);
	if (id)
		*id = row.id;
	if (row.id == 0)
		return SS_OK;   /* unchanged, and asked not to store it */
	if (session_created)
		mgr_emit(mgr, SS_EVENT_SESSION_CREATED, 0, session);
	mgr_emit(mgr, SS_EVENT_SNAPSHOT_CREATED, row.id, session);
	return SS_OK;
}

ss_status ss_get(ss_manager *mgr, int64_t id, json_t **state, ss_snapshot *meta)
{
	ss_snapshot row;
	ss_status st = mgr_get_meta(mgr, id, &row);
	if (st != SS_OK)
		return st;
	if (state) {
		st = mgr_read_state(mgr, &row, true, mgr->cfg.validate_checksums, state);
		if (st != SS_OK) {
			ss_snapshot_clear(&row);
			return mgr_emit_error(mgr, st);
		}
	}
	if (meta)
		*meta = row;
	else
		ss_snapshot_clear(&row);
	return SS_OK;
}

/* Run one metadata edit: check the id, apply, tell subscribers. */
typedef ss_status (*edit_fn)(ss_store *st, int64_t id, const void *arg);

static ss_status edit(ss_manager *mgr, int64_t id, edit_fn fn, const void *arg)
{
	ss_snapshot row;
	ss_status st = mgr_get_meta(mgr, id, &row);
	if (st != SS_OK)
		return st;
	st = fn(mgr->store, id, arg);
	if (st != SS_OK) {
		ss_snapshot_clear(&row);
		return mgr_emit_error(mgr, mgr_store_fail(mgr, st));
	}
	mgr_emit(mgr, SS_EVENT_SNAPSHOT_UPDATED, id, row.session);
	ss_snapshot_clear(&row);
	return SS_OK;
}

static ss_status do_tag(ss_store *st, int64_t id, const void *arg)
{
	return ss_store_tag_add(st, id, arg);
}

static ss_status do_untag(ss_store *st, int64_t id, const void *arg)
{
	return ss_store_tag_remove(st, id, arg);
}

static ss_status do_describe(ss_store *st, int64_t id, const void *arg)
{
	return ss_store_set_description(st, id, arg);
}

static ss_status do_pin(ss_store *st, int64_t id, const void *arg)
{
	return ss_store_set_pinned(st, id, *(const bool *)arg);
}

/* Whether snapshot `id` carries `tag`; *n_tags gets how many it has. */
static ss_status has_tag(ss_manager *mgr, int64_t id, const char *tag, bool *has, size_t *n_tags)
{
	ss_snapshot row;
	ss_status st = mgr_get_meta(mgr, id, &row);
	if (st != SS_OK)
		return st;
	*has = false;
	for (size_t i = 0; i < row.n_tags; i++)
		*has |= strcmp(row.tags[i], tag) == 0;
	*n_tags = row.n_tags;
	ss_snapshot_clear(&row);
	return SS_OK;
}

ss_status ss_tag(ss_manager *mgr, int64_t id, const char *tag)
{
	ss_status st = ss_tag_check(tag, mgr->err, sizeof mgr->err);
	if (st != SS_OK)
		return st;
	bool has;
	size_t n_tags;
	st = has_tag(mgr, id, tag, &has, &n_tags);
	if (st != SS_OK)
		return st;
	if (!has && n_tags >= SS_TAGS_PER_SNAPSHOT_MAX)
		return mgr_fail(mgr, SS_LIMIT, "snapshot %lld already carries %d tags, the most allowed",
		                (long long)id, SS_TAGS_PER_SNAPSHOT_MAX);
	return edit(mgr, id, do_tag, tag);
}

ss_status ss_untag(ss_manager *mgr, int64_t id, const char *tag)
{
	bool has;
	size_t n_tags;
	ss_status st = has_tag(mgr, id, tag, &has, &n_tags);
	if (st != SS_OK)
		return st;
	if (!has) {
		char *safe = ss_text_escape(tag, strlen(tag));
		mgr_fail(mgr, SS_NOT_FOUND, "snapshot %lld has no tag \"%s\"", (long long)id,
		         safe ? safe : "?");
		free(safe);
		return SS_NOT_FOUND;
	}
	return edit(mgr, id, do_untag, tag);
}

ss_status ss_describe(ss_manager *mgr, int64_t id, const char *text)
{
	if (text && !text[0])
		text = NULL;
	if (text) {
		ss_status st = ss_description_check(text, mgr->err, sizeof mgr->err);
		if (st != SS_OK)
			return st;
	}
	return edit(mgr, id, do_describe, text);
}

ss_status ss_pin(ss_manager *mgr, int64_t id, bool pinned)
{
	return edit(mgr, id, do_pin, &pinned);
}

ss_status ss_delete(ss_manager *mgr, int64_t id)
{
	ss_snapshot row;
	ss_status st = mgr_get_meta(mgr, id, &row);
	if (st != SS_OK)
		return st;
	/* Deltas stored against this snapshot are re-based first, in the same
	 * transaction: no delete ever leaves another snapshot unreadable. */
	st = ss_store_begin(mgr->store);
	if (st != SS_OK)
		mgr_store_fail(mgr, st);
	if (st == SS_OK)
		st = delta_rebase_dependents(mgr, &row);
	if (st == SS_OK && (st = ss_store_snapshot_delete(mgr->store, id)) != SS_OK)
		mgr_store_fail(mgr, st);
	if (st == SS_OK && (st = ss_store_commit(mgr->store)) != SS_OK)
		mgr_store_fail(mgr, st);
	if (st != SS_OK) {
		ss_store_rollback(mgr->store);
		ss_snapshot_clear(&row);
		return mgr_emit_error(mgr, st);
	}
	delta_forget(mgr, id);
	if (mgr->cache)
		ss_cache_remove(mgr->cache, id);
	mgr_emit(mgr, SS_EVENT_SNAPSHOT_DELETED, id, row.session);
	ss_snapshot_clear(&row);
	return SS_OK;
}
