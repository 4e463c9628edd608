/*
 * snapshot_ops.c - creating, reading, editing and deleting snapshots.
 *
 * A snapshot's state is stored as its compact JSON in the document's own key
 * order (so `show` can print it as it came) while its checksum is taken over
 * the canonical form (so key order never counts).  Every write is one store
 * transaction; events go out only after it committed.
 */
#include "manager.h"
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

/* Insert the blob and the row in one transaction; fills row->id and seq. */
static ss_status create_write(ss_manager *mgr, const char *session, const char *doc,
                              size_t doc_len, ss_snapshot *row, bool *session_created)
{
	ss_status st = ss_store_begin(mgr->store);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);

	ss_session existing;
	st = ss_store_session_get(mgr->store, session, &existing);
	if (st == SS_OK) {
		row->session_id = existing.id;
		ss_session_clear(&existing);
	} else if (st == SS_NOT_FOUND) {
		*session_created = true;
		st = ss_store_session_ensure(mgr->store, session, ss_now_ms(), &row->session_id);
	}
	size_t stored = 0;
	if (st == SS_OK)
		st = ss_store_blob_put(mgr->store, doc, doc_len,
		                       mgr->cfg.compression ? mgr->cfg.compression_threshold : 0,
		                       &row->blob_id, &stored);
	row->stored_size = (int64_t)stored;
	if (st == SS_OK)
		st = ss_store_snapshot_insert(mgr->store, row);
	if (st == SS_OK)
		st = ss_store_commit(mgr->store);
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		ss_store_rollback(mgr->store);
	}
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

	size_t doc_len;
	char *doc = ss_json_dump(state, 0, &doc_len);
	if (!doc)
		return mgr_emit_error(mgr, mgr_fail(mgr, SS_NOMEM, "out of memory serialising the state"));
	if (doc_len > mgr->cfg.max_state_bytes) {
		free(doc);
		return mgr_emit_error(mgr, mgr_fail(mgr, SS_LIMIT,
		        "state of %zu bytes is over the %zu-byte limit", doc_len,
		        mgr->cfg.max_state_bytes));
	}

	ss_snapshot row = { 0 };
	st = ss_checksum_json(state, row.checksum);
	if (st != SS_OK) {
		free(doc);
		return mgr_emit_error(mgr, mgr_fail(mgr, st, "cannot compute the state's checksum"));
	}
	row.created_at = opts->created_at ? opts->created_at : ss_now_ms();
	row.origin = opts->origin;
	row.description = opts->description && opts->description[0] ? (char *)opts->description : NULL;
	row.tags = (char **)opts->tags;
	row.n_tags = opts->n_tags;
	row.pinned = opts->pinned;
	row.raw_size = (int64_t)doc_len;
	row.kind = SS_KIND_KEYFRAME;
	/* Change counts against the predecessor need the structural diff; until
	 * it exists they stay 0 (see the README's "what is left"). */
	row.create_us = monotonic_us() - started;

	bool session_created = false;
	st = create_write(mgr, session, doc, doc_len, &row, &session_created);
	free(doc);
	if (st != SS_OK)
		return mgr_emit_error(mgr, st);
	if (id)
		*id = row.id;
	if (session_created)
		mgr_emit(mgr, SS_EVENT_SESSION_CREATED, 0, session);
	mgr_emit(mgr, SS_EVENT_SNAPSHOT_CREATED, row.id, session);
	return SS_OK;
}

static ss_status get_meta(ss_manager *mgr, int64_t id, ss_snapshot *meta)
{
	ss_status st = ss_store_snapshot_get(mgr->store, id, meta);
	if (st == SS_NOT_FOUND)
		return mgr_fail(mgr, st, "no snapshot with id %lld", (long long)id);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status mgr_read_state(ss_manager *mgr, const ss_snapshot *meta, bool use_cache,
                         bool verify, json_t **state)
{
	*state = NULL;
	if (use_cache && mgr->cache) {
		*state = ss_cache_get(mgr->cache, meta->id);
		if (*state)
			return SS_OK;
	}
	if (meta->kind != SS_KIND_KEYFRAME)
		return mgr_fail(mgr, SS_CORRUPT,
		                "snapshot %lld is stored as a delta, which this build cannot read",
		                (long long)meta->id);

	char *doc;
	size_t len;
	ss_status st = ss_store_blob_get(mgr->store, meta->blob_id, mgr->cfg.max_state_bytes,
	                                 &doc, &len);
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		char detail[sizeof mgr->err];
		snprintf(detail, sizeof detail, "%s", mgr->err);
		return mgr_fail(mgr, st, "snapshot %lld: %s", (long long)meta->id, detail);
	}
	json_error_t jerr;
	json_t *value = json_loadb(doc, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	free(doc);
	if (!value)
		return mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: stored state is not valid JSON (%s)",
		                (long long)meta->id, jerr.text);
	if (verify) {
		char hex[SS_CHECKSUM_HEX_LEN + 1];
		st = ss_checksum_json(value, hex);
		if (st != SS_OK) {
			json_decref(value);
			return mgr_fail(mgr, st, "snapshot %lld: cannot compute its checksum",
			                (long long)meta->id);
		}
		if (strcmp(hex, meta->checksum) != 0) {
			json_decref(value);
			return mgr_fail(mgr, SS_CORRUPT,
			                "snapshot %lld: checksum mismatch (recorded %.12s..., state hashes to %.12s...)",
			                (long long)meta->id, meta->checksum, hex);
		}
	}
	if (use_cache && mgr->cache && ss_cache_put(mgr->cache, meta->id, value,
	                                            (size_t)meta->raw_size) < 0) {
		/* A state we could not cache is still a good state: go on. */
	}
	*state = value;
	return SS_OK;
}

ss_status ss_get(ss_manager *mgr, int64_t id, json_t **state, ss_snapshot *meta)
{
	ss_snapshot row;
	ss_status st = get_meta(mgr, id, &row);
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
	ss_status st = get_meta(mgr, id, &row);
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
	ss_status st = get_meta(mgr, id, &row);
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
	ss_status st = get_meta(mgr, id, &row);
	if (st != SS_OK)
		return st;
	st = ss_store_begin(mgr->store);
	if (st == SS_OK)
		st = ss_store_snapshot_delete(mgr->store, id);
	if (st == SS_OK)
		st = ss_store_commit(mgr->store);
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		ss_store_rollback(mgr->store);
		ss_snapshot_clear(&row);
		return mgr_emit_error(mgr, st);
	}
	if (mgr->cache)
		ss_cache_remove(mgr->cache, id);
	mgr_emit(mgr, SS_EVENT_SNAPSHOT_DELETED, id, row.session);
	ss_snapshot_clear(&row);
	return SS_OK;
}
