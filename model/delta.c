/*
 * delta.c - snapshots stored as patches against their predecessor.
 *
 * Capture diffs the new state against the session's head (its newest state,
 * kept in memory), stores the RFC 6902 patch when a delta is worth it and a
 * keyframe otherwise, and patches the head forward instead of copying the
 * state.  A keyframe is forced when the chain would reach the session's
 * keyframe interval or when the chain's accumulated patch bytes would exceed
 * what the whole state costs, so reading any snapshot applies a bounded
 * number of patches.  Before a delta is written, the patch is applied to
 * the head and the result compared with the state: a patch that does not
 * reproduce the state exactly is never stored (a keyframe is, and an error
 * event says why), so a diff bug can cost space but never a snapshot.
 *
 * Reading walks base links back to the nearest state already in hand (the
 * LRU cache, a head, or a keyframe) and applies the patches forward, so
 * stepping to the next snapshot costs one patch on the cached neighbour.
 */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A base chain longer than this cannot come from this code: it is a loop
 * or damage, and is reported rather than followed. */
#define CHAIN_WALK_MAX 1000000

/* ---- heads --------------------------------------------------------------- */

static void head_drop(struct session_head *h)
{
	json_decref(h->state);
	memset(h, 0, sizeof *h);
}

static struct session_head *head_find(ss_manager *mgr, int64_t session_id)
{
	for (size_t i = 0; i < MGR_HEADS; i++)
		if (mgr->heads[i].session_id == session_id)
			return &mgr->heads[i];
	return NULL;
}

/* The session's slot, taking a free one or the least recently used. */
static struct session_head *head_slot(ss_manager *mgr, int64_t session_id)
{
	struct session_head *h = head_find(mgr, session_id);
	if (!h) {
		h = &mgr->heads[0];
		for (size_t i = 0; i < MGR_HEADS; i++) {
			if (!mgr->heads[i].session_id) {
				h = &mgr->heads[i];
				break;
			}
			if (mgr->heads[i].last_used < h->last_used)
				h = &mgr->heads[i];
		}
		head_drop(h);
		h->session_id = session_id;
	}
	h->last_used = ++mgr->head_clock;
	return h;
}

void delta_forget(ss_manager *mgr, int64_t id)
{
	for (size_t i = 0; i < MGR_HEADS; i++)
		if (mgr->heads[i].snapshot_id == id)
			head_drop(&mgr->heads[i]);
}

void delta_heads_free(ss_manager *mgr)
{
	for (size_t i = 0; i < MGR_HEADS; i++)
		head_drop(&mgr->heads[i]);
}

void delta_heads_drop(ss_manager *mgr, const int64_t *session_ids, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct session_head *h = head_find(mgr, session_ids[k]);
		if (h)
			head_drop(h);
	}
}

/* ---- reading ------------------------------------------------------------- */

/* Parse a snapshot's blob: its state (keyframe) or its patch (delta). */
ss_status mgr_load_blob_json(ss_manager *mgr, const ss_snapshot *meta, json_t **out)
{
	char *data;
	size_t len;
	ss_status st = ss_store_blob_get(mgr->store, meta->blob_id, mgr->cfg.max_state_bytes,
	                                 &data, &len);
	if (st != SS_OK) {
		char detail[sizeof mgr->err];
		snprintf(detail, sizeof detail, "%s", ss_store_errmsg(mgr->store));
		return mgr_fail(mgr, st, "snapshot %lld: %s", (long long)meta->id, detail);
	}
	json_error_t jerr;
	*out = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	/* jansson says when it ran out of memory: that is not damage. */
	if (!*out && json_error_code(&jerr) == json_error_out_of_memory)
		return mgr_fail(mgr, SS_NOMEM, "snapshot %lld: out of memory reading it",
		                (long long)meta->id);
	if (!*out)
		return mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: stored %s is not valid JSON (%s)",
		                (long long)meta->id,
		                meta->kind == SS_KIND_DELTA ? "patch" : "state", jerr.text);
	if (meta->kind == SS_KIND_DELTA && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: stored patch is not a JSON array",
		                (long long)meta->id);
	}
	return SS_OK;
}

/* A private copy of a state already in hand for snapshot `id`, or NULL. */
static json_t *state_in_hand(ss_manager *mgr, int64_t id, bool use_cache)
{
	if (use_cache && mgr->cache) {
		json_t *cached = ss_cache_get(mgr->cache, id);
		if (cached) {
			json_t *copy = json_deep_copy(cached);
			json_decref(cached);
			return copy;
		}
	}
	for (size_t i = 0; i < MGR_HEADS; i++)
		if (mgr->heads[i].snapshot_id == id && mgr->heads[i].state)
			return json_deep_copy(mgr->heads[i].state);
	return NULL;
}

/* Rebuild a snapshot's state into a value the caller owns and may change.
 * The checksum is not verified here (the callers decide). */
static ss_status reconstruct(ss_manager *mgr, const ss_snapshot *meta, bool use_cache,
                             json_t **out)
{
	*out = NULL;
	ss_snapshot *chain = NULL;      /* deltas still to apply, newest first */
	size_t n = 0, cap = 0;
	ss_snapshot cur;
	ss_status st = ss_snapshot_copy(&cur, meta);
	if (st != SS_OK)
		return mgr_fail(mgr, st, "out of memory reading snapshot %lld", (long long)meta->id);
	json_t *state = NULL;
	for (;;) {
		if ((state = state_in_hand(mgr, cur.id, use_cache)) != NULL) {
			ss_snapshot_clear(&cur);
			break;
		}
		if (cur.kind == SS_KIND_KEYFRAME) {
			st = mgr_load_blob_json(mgr, &cur, &state);
			ss_snapshot_clear(&cur);
			break;
		}
		if (n == CHAIN_WALK_MAX || cur.base_id == 0) {
			st = mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: delta chain is broken at snapshot %lld",
			              (long long)meta->id, (long long)cur.id);
			ss_snapshot_clear(&cur);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			ss_snapshot *grown = realloc(chain, cap * sizeof *grown);
			if (!grown) {
				st = mgr_fail(mgr, SS_NOMEM, "out of memory reading snapshot %lld",
				              (long long)meta->id);
				ss_snapshot_clear(&cur);
				break;
			}
			chain = grown;
		}
		int64_t base = cur.base_id;
		chain[n++] = cur;
		st = ss_store_snapshot_get(mgr->store, base, &cur);
		if (st == SS_NOT_FOUND) {
			st = mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: the base snapshot %lld of its delta is missing",
			              (long long)meta->id, (long long)base);
			break;
		}
		if (st != SS_OK) {
			mgr_store_fail(mgr, st);
			break;
		}
	}
	if (st == SS_OK && !state)
		st = mgr_fail(mgr, SS_NOMEM, "out of memory reading snapshot %lld", (long long)meta->id);

	/* Apply the deltas from the oldest to the requested one. */
	while (st == SS_OK && n > 0) {
		ss_snapshot *d = &chain[n - 1];
		json_t *patch;
		st = mgr_load_blob_json(mgr, d, &patch);
		if (st == SS_OK) {
			char why[512];
			ss_status ap = ss_json_patch_apply(&state, patch, why, sizeof why);
			json_decref(patch);
			if (ap == SS_NOMEM)
				st = mgr_fail(mgr, ap, "out of memory reading snapshot %lld", (long long)meta->id);
			else if (ap != SS_OK)
				st = mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: the delta of snapshot %lld does not apply (%s)",
				              (long long)meta->id, (long long)d->id, why);
		}
		ss_snapshot_clear(d);
		n--;
	}
	while (n > 0)
		ss_snapshot_clear(&chain[--n]);
	free(chain);
	if (st != SS_OK) {
		json_decref(state);
		return st;
	}
	*out = state;
	return SS_OK;
}

static ss_status verify_checksum(ss_manager *mgr, const ss_snapshot *meta, const json_t *state)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ss_status st = ss_checksum_json(state, hex);
	if (st != SS_OK)
		return mgr_fail(mgr, st, "snapshot %lld: cannot compute its checksum", (long long)meta->id);
	if (strcmp(hex, meta->checksum) != 0)
		return mgr_fail(mgr, SS_CORRUPT,
		                "snapshot %lld: checksum mismatch (recorded %.12s..., state hashes to %.12s...)",
		                (long long)meta->id, meta->checksum, hex);
	return SS_OK;
}

ss_status mgr_read_private(ss_manager *mgr, const ss_snapshot *meta, bool verify, json_t **state)
{
	ss_status st = reconstruct(mgr, meta, true, state);
	if (st == SS_OK && verify && (st = verify_checksum(mgr, meta, *state)) != SS_OK) {
		json_decref(*state);
		*state = NULL;
	}
	return st;
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
	json_t *value;
	ss_status st = reconstruct(mgr, meta, use_cache, &value);
	if (st != SS_OK)
		return st;
	if (verify && (st = verify_checksum(mgr, meta, value)) != SS_OK) {
		json_decref(value);
		return st;
	}
	/* A state that could not be cached is still a good state. */
	if (use_cache && mgr->cache)
		(void)ss_cache_put(mgr->cache, meta->id, value, (size_t)meta->raw_size);
	*state = value;
	return SS_OK;
}

/* ---- capture ------------------------------------------------------------- */

/* Make the head of `session_id` current: its newest snapshot's state, read
 * from the store when the head is missing or stale.  *out is NULL for a
 * session without snapshots. */
static ss_status head_load(ss_manager *mgr, int64_t session_id, struct session_head **out)
{
	*out = NULL;
	int64_t latest;
	ss_status st = ss_store_latest(mgr->store, session_id, &latest);
	if (st == SS_NOT_FOUND)
		return SS_OK;
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	struct session_head *h = head_find(mgr, session_id);
	if (h && h->snapshot_id == latest && h->state) {
		h->last_used = ++mgr->head_clock;
		*out = h;
		return SS_OK;
	}
	ss_snapshot meta;
	if ((st = mgr_get_meta(mgr, latest, &meta)) != SS_OK)
		return st;
	/* Not verified, on purpose: the next delta is computed against exactly
	 * what this reconstruction yields from the stored bytes, and the reader
	 * will rebuild the same base from the same bytes, so the new snapshot
	 * reads back right even if this one is damaged (whose own checksum still
	 * reports it).  Verifying would cost a canonical serialisation per
	 * capture in every process that captures once. */
	json_t *state;
	st = reconstruct(mgr, &meta, true, &state);
	int chain_len = 0;
	int64_t chain_bytes = 0;
	while (st == SS_OK && meta.kind == SS_KIND_DELTA && chain_len < CHAIN_WALK_MAX) {
		chain_len++;
		chain_bytes += meta.stored_size;
		int64_t base = meta.base_id;
		ss_snapshot_clear(&meta);
		if ((st = mgr_get_meta(mgr, base, &meta)) != SS_OK)
			json_decref(state);
	}
	ss_snapshot_clear(&meta);   /* zeroed when mgr_get_meta failed; not when reconstruct did */
	if (st != SS_OK)
		return st;
	h = head_slot(mgr, session_id);
	h->snapshot_id = latest;
	h->state = state;
	h->chain_len = chain_len;
	h->chain_bytes = chain_bytes;
	*out = h;
	return SS_OK;
}

/* Array keys of the session as diff options. */
static void diff_opts_of(const ss_session_config *scfg, ss_diff_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	if (scfg) {
		opts->array_keys = scfg->array_keys;
		opts->n_array_keys = scfg->n_array_keys;
	}
}

/*
 * Is `state` the same as the head's after the session's ignore rules?  The
 * exact diff in hand answers when it is empty (the common case of a quiet
 * system); only an exact difference with ignore rules set costs a second
 * comparison, the one that leaves the ignored paths out.
 */
static ss_status same_after_ignoring(ss_manager *mgr, const ss_session_config *scfg,
                                     const json_t *head, const json_t *state,
                                     const ss_diff *exact, bool *same)
{
	*same = exact->n_added + exact->n_removed + exact->n_changed == 0;
	if (*same || !scfg || scfg->n_ignore == 0)
		return SS_OK;
	ss_diff_opts opts;
	diff_opts_of(scfg, &opts);
	opts.ignore = (const char *const *)scfg->ignore;
	opts.n_ignore = scfg->n_ignore;
	ss_diff loose;
	char why[512];
	ss_status st = ss_diff_compute(head, state, &opts, &loose, why, sizeof why);
	if (st != SS_OK)
		return mgr_fail(mgr, st, "cannot compare with the previous snapshot: %s", why);
	*same = loose.n_added + loose.n_removed + loose.n_changed == 0;
	ss_diff_clear(&loose);
	return SS_OK;
}

ss_status delta_plan_make(ss_manager *mgr, int64_t session_id, const ss_session_config *scfg,
                          const json_t *state, size_t doc_len, bool skip_unchanged,
                          struct delta_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	plan->kind = SS_KIND_KEYFRAME;
	struct session_head *h;
	ss_status st = head_load(mgr, session_id, &h);
	if (st != SS_OK)
		return st;
	if (!h) {
		/* The first snapshot of the session: a keyframe, and the head starts here. */
		h = head_slot(mgr, session_id);
		h->state = json_deep_copy(state);
		if (!h->state) {
			head_drop(h);
			return mgr_fail(mgr, SS_NOMEM, "out of memory keeping the session's newest state");
		}
		plan->head = h;
		return SS_OK;
	}

	ss_diff_opts opts;
	diff_opts_of(scfg, &opts);
	ss_diff diff;
	char why[512];
	st = ss_diff_compute(h->state, state, &opts, &diff, why, sizeof why);
	if (st != SS_OK) {
		head_drop(h);
		return mgr_fail(mgr, st, "cannot compare with the previous snapshot: %s", why);
	}
	plan->n_added = (int64_t)diff.n_added;
	plan->n_removed = (int64_t)diff.n_removed;
	plan->n_changed = (int64_t)diff.n_changed;
	if (skip_unchanged && (st = same_after_ignoring(mgr, scfg, h->state, state, &diff,
	                                                &plan->unchanged)) != SS_OK) {
		ss_diff_clear(&diff);
		head_drop(h);
		return st;
	}
	if (plan->unchanged) {
		/* Nothing will be written: the head stays where it is. */
		ss_diff_clear(&diff);
		return SS_OK;
	}
	json_t *patch = ss_diff_to_json_patch(&diff);
	ss_diff_clear(&diff);       /* it holds references into the head: release before patching it */
	size_t patch_len = 0;
	char *text = patch ? ss_json_dump(patch, 0, &patch_len) : NULL;
	if (!text) {
		json_decref(patch);
		head_drop(h);
		return mgr_fail(mgr, SS_NOMEM, "out of memory making the delta");
	}

	int keyframe_every = scfg && scfg->keyframe_every ? scfg->keyframe_every : mgr->cfg.keyframe_every;
	bool use_delta = mgr->cfg.incremental && h->chain_len + 1 < keyframe_every &&
	                 h->chain_bytes + (int64_t)patch_len <= (int64_t)doc_len;
	int64_t prev_id = h->snapshot_id;

	/* Move the head forward by the patch itself: cheaper than copying the
	 * state, and it proves the patch reproduces the state before it is kept. */
	h->snapshot_id = 0;
	ss_status ap = ss_json_patch_apply(&h->state, patch, why, sizeof why);
	json_decref(patch);
	if (ap != SS_OK || !json_equal(h->state, state)) {
		char note[sizeof mgr->err];
		snprintf(note, sizeof note,
		         "the delta against snapshot %lld did not reproduce the state%s%s; stored a keyframe",
		         (long long)prev_id, ap != SS_OK ? ": " : "", ap != SS_OK ? why : "");
		ss_event ev = { .type = SS_EVENT_ERROR, .status = SS_INTERNAL, .message = note };
		mgr_emit_event(mgr, &ev);
		json_decref(h->state);
		h->state = json_deep_copy(state);
		use_delta = false;
		if (!h->state) {
			free(text);
			head_drop(h);
			return mgr_fail(mgr, SS_NOMEM, "out of memory keeping the session's newest state");
		}
	}
	plan->head = h;
	if (use_delta) {
		plan->kind = SS_KIND_DELTA;
		plan->base_id = prev_id;
		plan->patch = text;
		plan->patch_len = patch_len;
	} else {
		free(text);
	}
	return SS_OK;
}

void delta_plan_finish(ss_manager *mgr, struct delta_plan *plan, int64_t new_id, bool committed)
{
	(void)mgr;
	struct session_head *h = plan->head;
	if (h) {
		if (committed) {
			h->snapshot_id = new_id;
			if (plan->kind == SS_KIND_DELTA) {
				h->chain_len++;
				h->chain_bytes += (int64_t)plan->patch_len;
			} else {
				h->chain_len = 0;
				h->chain_bytes = 0;
			}
		} else {
			head_drop(h);
		}
	}
	free(plan->patch);
	memset(plan, 0, sizeof *plan);
}

/* ---- deleting ------------------------------------------------------------- */

/* Read a snapshot's state privately and verified, for re-basing. */
static ss_status read_verified(ss_manager *mgr, int64_t id, ss_snapshot *meta, json_t **state)
{
	ss_status st = mgr_get_meta(mgr, id, meta);
	if (st != SS_OK)
		return st;
	st = reconstruct(mgr, meta, true, state);
	if (st == SS_OK && (st = verify_checksum(mgr, meta, *state)) != SS_OK) {
		json_decref(*state);
		*state = NULL;
	}
	if (st != SS_OK)
		ss_snapshot_clear(meta);
	return st;
}

/* Re-base one dependent `dep_id` of `victim`. */
static ss_status rebase_one(ss_manager *mgr, const ss_snapshot *victim, int64_t dep_id,
                            const ss_diff_opts *opts)
{
	ss_snapshot dep, base = { 0 };
	json_t *dep_state = NULL, *base_state = NULL;
	ss_status st = read_verified(mgr, dep_id, &dep, &dep_state);
	if (st != SS_OK) {
		char detail[sizeof mgr->err];
		snprintf(detail, sizeof detail, "%s", mgr->err);
		return mgr_fail(mgr, st == SS_CORRUPT ? SS_CORRUPT : st,
		                "cannot delete snapshot %lld: snapshot %lld depends on it and cannot be read (%s)",
		                (long long)victim->id, (long long)dep_id, detail);
	}
	/* The new predecessor of dep once the victim is gone. */
	int64_t pred_id = 0;
	st = ss_store_neighbor(mgr->store, victim->id, -1, &pred_id);
	if (st == SS_NOT_FOUND) {
		pred_id = 0;
		st = SS_OK;
	} else if (st != SS_OK) {
		mgr_store_fail(mgr, st);
	}
	if (st == SS_OK && pred_id)
		st = read_verified(mgr, pred_id, &base, &base_state);

	ss_store_layout layout = { .kind = SS_KIND_KEYFRAME };
	char *blob = NULL;
	size_t blob_len = 0;
	if (st == SS_OK && base_state) {
		ss_diff diff;
		char why[512];
		st = ss_diff_compute(base_state, dep_state, opts, &diff, why, sizeof why);
		if (st != SS_OK) {
			mgr_fail(mgr, st, "re-basing snapshot %lld: %s", (long long)dep_id, why);
		} else {
			layout.n_added = (int64_t)diff.n_added;
			layout.n_removed = (int64_t)diff.n_removed;
			layout.n_changed = (int64_t)diff.n_changed;
			/* Stay a delta only where the victim was one: its chain then keeps
			 * its length; a keyframe victim hands its role to dep. */
			if (victim->kind == SS_KIND_DELTA && base.id == victim->base_id) {
				json_t *patch = ss_diff_to_json_patch(&diff);
				blob = patch ? ss_json_dump(patch, 0, &blob_len) : NULL;
				json_decref(patch);
				if (!blob)
					st = mgr_fail(mgr, SS_NOMEM, "out of memory re-basing snapshot %lld",
					              (long long)dep_id);
				layout.kind = SS_KIND_DELTA;
				layout.base_id = base.id;
			}
			ss_diff_clear(&diff);
		}
	}
	if (st == SS_OK && layout.kind == SS_KIND_KEYFRAME) {
		blob = ss_json_dump(dep_state, 0, &blob_len);
		if (!blob)
			st = mgr_fail(mgr, SS_NOMEM, "out of memory re-basing snapshot %lld", (long long)dep_id);
	}
	size_t stored = 0;
	if (st == SS_OK) {
		st = ss_store_blob_put(mgr->store, blob, blob_len,
		                       mgr->cfg.compression ? mgr->cfg.compression_threshold : 0,
		                       &layout.blob_id, &stored);
		layout.stored_size = (int64_t)stored;
		if (st == SS_OK)
			st = ss_store_snapshot_rebase(mgr->store, dep_id, &layout);
		if (st != SS_OK)
			mgr_store_fail(mgr, st);
	}
	free(blob);
	json_decref(dep_state);
	json_decref(base_state);
	ss_snapshot_clear(&dep);
	ss_snapshot_clear(&base);
	return st;
}

ss_status delta_rebase_dependents(ss_manager *mgr, const ss_snapshot *victim)
{
	int64_t *ids;
	size_t n;
	ss_status st = ss_store_dependents(mgr->store, victim->id, &ids, &n);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	if (n == 0)
		return SS_OK;
	ss_session_config scfg = { 0 };
	st = mgr_session_config(mgr, victim->session, &scfg, NULL);
	ss_diff_opts opts;
	diff_opts_of(st == SS_OK ? &scfg : NULL, &opts);
	for (size_t i = 0; i < n && st == SS_OK; i++)
		st = rebase_one(mgr, victim, ids[i], &opts);
	if (st == SS_OK) {
		/* Chains changed: heads reload their chain lengths on next use. */
		for (size_t i = 0; i < MGR_HEADS; i++)
			if (mgr->heads[i].session_id == victim->session_id)
				head_drop(&mgr->heads[i]);
	}
	ss_session_config_clear(&scfg);
	free(ids);
	return st;
}
