/*
 * verify.c - reading every snapshot back from disk (never from the cache or
 * a session head), recomputing its checksum, walking every delta chain, then
 * asking SQLite to check the file itself.
 *
 * Each snapshot gets one verdict, and each damaged one one reason:
 *   - its own bytes: unreadable blob, not JSON, a patch that does not apply,
 *     a checksum mismatch;
 *   - its chain: a delta base that is missing, that belongs to another
 *     session, a chain that loops back on itself, or one longer than any
 *     the store can have written (VERIFY_CHAIN_MAX);
 *   - or, for a delta whose own bytes may be fine, "its delta base N is
 *     damaged": it cannot be read, and the report says where to look.
 * Verdicts are remembered per id, and the last good state is kept in hand,
 * so a session stored as keyframe + deltas costs one patch per snapshot,
 * not one chain per snapshot.
 *
 * Ids are collected a page at a time before checking, and each chain is
 * walked inside its own short read transaction, so a long verification
 * does not hold one read transaction open over the whole store (which
 * would stop a concurrent writer's WAL from being checkpointed), yet every
 * chain is seen consistently: a base deleted (and its dependents re-based)
 * by another process between two chains is never mistaken for damage.
 */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_PAGE 256

/* The longest delta chain the store can hold: a session's keyframe interval
 * is at most 1000000 (session_config.c, SESSION_KEYFRAME_MAX), so a chain
 * has fewer deltas than that; delta.c stops following one at the same
 * length. */
#define VERIFY_CHAIN_MAX 1000000

enum verdict { V_UNKNOWN = 0, V_OK, V_DAMAGED };

/* One damaged snapshot, held until its damage has been seen twice. */
struct pending {
	int64_t id;
	char *reason;
};

struct vctx {
	ss_manager *mgr;
	ss_damage_fn fn;
	void *user_data;
	int64_t *ids;               /* every id being verified, ascending */
	unsigned char *verdict;     /* per ids[i] */
	int *depth;                 /* deltas below ids[i] (V_OK only) */
	size_t n, cap;
	bool oom;                   /* collect_id ran out of memory */
	int64_t damaged;
	struct pending *pend;       /* damage found by the pass in progress */
	size_t n_pend, cap_pend;
	bool pend_oom;
	int64_t hand_id;            /* a verified state kept for the next delta */
	json_t *hand;
	int hand_depth;
};

static int collect_id(const ss_snapshot *row, void *user_data)
{
	struct vctx *v = user_data;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		int64_t *ids = realloc(v->ids, cap * sizeof *ids);
		if (!ids) {
			v->oom = true;
			return 1;
		}
		v->ids = ids;
		v->cap = cap;
	}
	v->ids[v->n++] = row->id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Index of id in v->ids, or -1 when it is not one being verified. */
static ptrdiff_t find_id(const struct vctx *v, int64_t id)
{
	const int64_t *p = bsearch(&id, v->ids, v->n, sizeof *v->ids, cmp_id);
	return p ? p - v->ids : -1;
}

static void set_hand(struct vctx *v, int64_t id, json_t *state, int depth)
{
	json_decref(v->hand);
	v->hand = state;
	v->hand_id = state ? id : 0;
	v->hand_depth = depth;
}

/* Record a verdict.  Damage is held as pending: verify_one() reports it
 * once a second pass has found exactly the same. */
static void judge(struct vctx *v, int64_t id, int depth, const char *reason)
{
	ptrdiff_t i = find_id(v, id);
	if (i < 0 || v->verdict[i] != V_UNKNOWN)
		return;
	if (!reason) {
		v->verdict[i] = V_OK;
		v->depth[i] = depth;
		return;
	}
	v->verdict[i] = V_DAMAGED;
	if (v->n_pend == v->cap_pend) {
		size_t cap = v->cap_pend ? v->cap_pend * 2 : 8;
		struct pending *p = realloc(v->pend, cap * sizeof *p);
		if (!p) {
			v->pend_oom = true;
			return;
		}
		v->pend = p;
		v->cap_pend = cap;
	}
	char *copy = strdup(reason);
	if (!copy) {
		v->pend_oom = true;
		return;
	}
	v->pend[v->n_pend++] = (struct pending){ id, copy };
}

static void pending_clear(struct pending *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].reason);
}

/*
 * Read and parse the blob of `meta` (a state or a patch).  SS_OK; SS_CORRUPT
 * with the reason in `why` (the snapshot is damaged); any other status is a
 * failure of the verification itself (message in mgr->err).
 */
static ss_status load_blob(struct vctx *v, const ss_snapshot *meta, json_t **out,
                           char *why, size_t why_size)
{
	ss_manager *mgr = v->mgr;
	*out = NULL;
	char *data;
	size_t len;
	ss_status st = ss_store_blob_get(mgr->store, meta->blob_id, mgr->cfg.max_state_bytes,
	                                 &data, &len);
	if (st == SS_NOT_FOUND || st == SS_CORRUPT) {
		snprintf(why, why_size, "its stored %s is unreadable (%s)",
		         meta->kind == SS_KIND_DELTA ? "patch" : "state", ss_store_errmsg(mgr->store));
		return SS_CORRUPT;
	}
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	json_error_t jerr;
	*out = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (!*out) {
		/* jansson reports some allocation failures as such, and others
		 * as no error text at all; a real syntax error always has one. */
		if (json_error_code(&jerr) == json_error_out_of_memory || jerr.text[0] == '\0')
			return mgr_fail(mgr, SS_NOMEM, "out of memory verifying snapshot %lld",
			                (long long)meta->id);
		snprintf(why, why_size, "its stored %s is not valid JSON (%s)",
		         meta->kind == SS_KIND_DELTA ? "patch" : "state", jerr.text);
		return SS_CORRUPT;
	}
	if (meta->kind == SS_KIND_DELTA && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(why, why_size, "its stored patch is not a JSON array");
		return SS_CORRUPT;
	}
	return SS_OK;
}

static ss_status check_sum(struct vctx *v, const ss_snapshot *meta, const json_t *state,
                           char *why, size_t why_size)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ss_status st = ss_checksum_json(state, hex);
	if (st != SS_OK)
		return mgr_fail(v->mgr, st, "out of memory verifying snapshot %lld", (long long)meta->id);
	if (strcmp(hex, meta->checksum) != 0) {
		snprintf(why, why_size, "checksum mismatch (recorded %.12s..., the state hashes to %.12s...)",
		         meta->checksum, hex);
		return SS_CORRUPT;
	}
	return SS_OK;
}

/* Why a chain walk stopped. */
enum bottom {
	B_KEYFRAME,     /* chain[n-1] is a keyframe */
	B_HAND,         /* chain[n-1] is the state in hand */
	B_DAMAGED,      /* chain[n-1] was judged damaged before */
	B_MISSING,      /* chain[n-1]'s base does not exist */
	B_FOREIGN,      /* chain[n-1]'s base belongs to another session */
	B_LOOP,         /* chain[n-1]'s base is chain[loop_at] */
	B_TOO_LONG,     /* chain[n-1] has VERIFY_CHAIN_MAX deltas below it */
	B_NO_BASE,      /* chain[n-1] is a delta without a base */
	B_UNREADABLE,   /* chain[n-1]'s base's record cannot be read */
};

struct chain {
	ss_snapshot *items;         /* items[0] the snapshot asked about, then its bases */
	size_t n, cap;
};

static void chain_clear(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		ss_snapshot_clear(&c->items[i]);
	free(c->items);
	memset(c, 0, sizeof *c);
}

static ss_status chain_push(struct vctx *v, struct chain *c, const ss_snapshot *meta)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		ss_snapshot *items = realloc(c->items, cap * sizeof *items);
		if (!items)
			return mgr_fail(v->mgr, SS_NOMEM, "out of memory verifying snapshot %lld",
			                (long long)meta->id);
		c->items = items;
		c->cap = cap;
	}
	c->items[c->n++] = *meta;
	return SS_OK;
}

/* Is `id` already in the chain (a loop)?  Index, or -1.  Chains in a healthy
 * store are short (the keyframe interval), and a walk that reaches a verdict
 * already made stops there, so the scan stays cheap. */
static ptrdiff_t chain_find(const struct chain *c, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].id == id)
			return (ptrdiff_t)i;
	return -1;
}

/* Follow the base links from `c->items[0]` down to something known. */
static ss_status walk(struct vctx *v, struct chain *c, enum bottom *how, int64_t *extra,
                      char *session_name, size_t name_size)
{
	ss_manager *mgr = v->mgr;
	*extra = 0;
	for (;;) {
		const ss_snapshot *cur = &c->items[c->n - 1];
		if (c->n > 1) {
			ptrdiff_t i = find_id(v, cur->id);
			if (i >= 0 && v->verdict[i] == V_DAMAGED) {
				*how = B_DAMAGED;
				return SS_OK;
			}
			if (cur->id == v->hand_id && v->hand) {
				*how = B_HAND;
				return SS_OK;
			}
		}
		if (cur->kind == SS_KIND_KEYFRAME) {
			*how = B_KEYFRAME;
			return SS_OK;
		}
		if (cur->base_id <= 0) {
			*how = B_NO_BASE;
			return SS_OK;
		}
		ptrdiff_t loop = chain_find(c, cur->base_id);
		if (loop >= 0) {
			*how = B_LOOP;
			*extra = (int64_t)loop;
			return SS_OK;
		}
		if (c->n > VERIFY_CHAIN_MAX) {
			*how = B_TOO_LONG;
			return SS_OK;
		}
		ss_snapshot base;
		ss_status st = ss_store_snapshot_get(mgr->store, cur->base_id, &base);
		if (st == SS_NOT_FOUND) {
			*how = B_MISSING;
			*extra = cur->base_id;
			return SS_OK;
		}
		if (st == SS_CORRUPT) {
			*how = B_UNREADABLE;
			*extra = cur->base_id;
			snprintf(session_name, name_size, "%s", ss_store_errmsg(mgr->store));
			return SS_OK;
		}
		if (st != SS_OK)
			return mgr_store_fail(mgr, st);
		if (base.session_id != cur->session_id) {
			*how = B_FOREIGN;
			*extra = cur->base_id;
			snprintf(session_name, name_size, "%s", base.session ? base.session : "?");
			ss_snapshot_clear(&base);
			return SS_OK;
		}
		if ((st = chain_push(v, c, &base)) != SS_OK) {
			ss_snapshot_clear(&base);
			return st;
		}
	}
}

/* One pass over snapshot `id` and whatever of its chain has no verdict yet. */
static ss_status verify_pass(struct vctx *v, int64_t id)
{
	ss_manager *mgr = v->mgr;
	ptrdiff_t self = find_id(v, id);
	if (self >= 0 && v->verdict[self] != V_UNKNOWN)
		return SS_OK;
	ss_status st = ss_store_read_begin(mgr->store);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	struct chain c = { 0 };
	ss_snapshot meta;
	st = ss_store_snapshot_get(mgr->store, id, &meta);
	if (st == SS_NOT_FOUND) {
		ss_store_read_end(mgr->store);
		return SS_OK;           /* deleted since its page was read */
	}
	if (st == SS_CORRUPT) {
		char why[sizeof mgr->err];
		snprintf(why, sizeof why, "its record is unreadable (%s)", ss_store_errmsg(mgr->store));
		ss_store_read_end(mgr->store);
		judge(v, id, 0, why);
		return SS_OK;
	}
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		ss_store_read_end(mgr->store);
		return st;
	}
	if ((st = chain_push(v, &c, &meta)) != SS_OK) {
		ss_snapshot_clear(&meta);
		ss_store_read_end(mgr->store);
		return st;
	}
	enum bottom how = B_KEYFRAME;
	int64_t extra;
	char other[512] = "";
	st = walk(v, &c, &how, &extra, other, sizeof other);
	if (st != SS_OK)
		goto out;

	/* The bottom of the chain: a state to patch forward, or a reason. */
	char why[1024] = "";
	size_t k = c.n - 1;
	const ss_snapshot *bottom = &c.items[k];
	json_t *state = NULL;
	int depth = 0;
	switch (how) {
	case B_KEYFRAME:
		st = load_blob(v, bottom, &state, why, sizeof why);
		if (st == SS_OK)
			st = check_sum(v, bottom, state, why, sizeof why);
		if (st != SS_OK) {
			json_decref(state);
			state = NULL;
		}
		break;
	case B_HAND:
		state = v->hand;
		depth = v->hand_depth;
		v->hand = NULL;
		v->hand_id = 0;
		break;
	case B_DAMAGED:
		break;          /* its verdict stands; the one above says so */
	case B_MISSING:
		snprintf(why, sizeof why, "delta base %lld is missing", (long long)extra);
		break;
	case B_FOREIGN:
		snprintf(why, sizeof why, "delta base %lld belongs to another session (", (long long)extra);
		/* The other session's name is data: the caller escapes the line. */
		strncat(why, other, sizeof why - strlen(why) - 2);
		strcat(why, ")");
		break;
	case B_LOOP:
		snprintf(why, sizeof why, "its delta chain is a loop (through snapshot %lld)",
		         (long long)c.items[extra].id);
		break;
	case B_TOO_LONG:
		snprintf(why, sizeof why, "its delta chain is longer than the store allows (%d deltas)",
		         VERIFY_CHAIN_MAX);
		break;
	case B_NO_BASE:
		snprintf(why, sizeof why, "it is a delta without a base");
		break;
	case B_UNREADABLE:
		snprintf(why, sizeof why, "the record of its delta base %lld is unreadable (%s)",
		         (long long)extra, other);
		break;
	}
	if (st == SS_CORRUPT)
		st = SS_OK;
	if (st != SS_OK)
		goto out;
	if (how == B_LOOP) {
		/* Every member of the loop is damaged the same way. */
		for (size_t i = (size_t)extra; i < c.n; i++)
			judge(v, c.items[i].id, 0, why);
		k = (size_t)extra;
	} else if (how != B_HAND && how != B_DAMAGED) {
		judge(v, bottom->id, depth, state ? NULL : why);
	}

	/* Patch forward to the snapshot asked about, judging each link. */
	while (k > 0) {
		const ss_snapshot *base = &c.items[k];
		const ss_snapshot *d = &c.items[--k];
		why[0] = '\0';
		if (!state) {
			snprintf(why, sizeof why, "its delta base %lld is damaged", (long long)base->id);
		} else if (++depth >= VERIFY_CHAIN_MAX) {
			snprintf(why, sizeof why,
			         "its delta chain is longer than the store allows (%d deltas)", VERIFY_CHAIN_MAX);
			json_decref(state);
			state = NULL;
		} else {
			json_t *patch;
			st = load_blob(v, d, &patch, why, sizeof why);
			if (st == SS_OK) {
				char perr[512];
				ss_status ap = ss_json_patch_apply(&state, patch, perr, sizeof perr);
				json_decref(patch);
				if (ap == SS_NOMEM)
					st = mgr_fail(mgr, SS_NOMEM, "out of memory verifying snapshot %lld",
					              (long long)d->id);
				else if (ap != SS_OK) {
					snprintf(why, sizeof why, "its delta does not apply to snapshot %lld (%s)",
					         (long long)base->id, perr);
					st = SS_CORRUPT;
				}
			}
			if (st == SS_OK)
				st = check_sum(v, d, state, why, sizeof why);
			if (st != SS_OK) {
				json_decref(state);
				state = NULL;
				if (st != SS_CORRUPT)
					goto out;
				st = SS_OK;
			}
		}
		judge(v, d->id, depth, state ? NULL : why);
	}
	if (state)
		set_hand(v, c.items[0].id, state, depth);
out:
	chain_clear(&c);
	ss_store_read_end(mgr->store);
	return st;
}

/*
 * Verify snapshot `id` (and its chain).  Damage is reported only when a
 * second pass, from the stored bytes again and without the state in hand,
 * finds exactly the same: stored damage is deterministic, while a failed
 * allocation inside jansson can look like a syntax error, or even (a
 * character dropped while parsing) like a checksum mismatch.  Two passes
 * that disagree are an error of the verification, never damage.
 */
static ss_status verify_one(struct vctx *v, int64_t id)
{
	ptrdiff_t self = find_id(v, id);
	if (self >= 0 && v->verdict[self] != V_UNKNOWN)
		return SS_OK;
	ss_status st = verify_pass(v, id);
	if (st != SS_OK || (v->n_pend == 0 && !v->pend_oom))
		goto done;
	struct pending *first = v->pend;
	size_t n_first = v->n_pend;
	bool oom = v->pend_oom;
	v->pend = NULL;
	v->n_pend = v->cap_pend = 0;
	v->pend_oom = false;
	for (size_t i = 0; i < n_first; i++) {
		ptrdiff_t k = find_id(v, first[i].id);
		if (k >= 0)
			v->verdict[k] = V_UNKNOWN;
	}
	set_hand(v, 0, NULL, 0);
	st = verify_pass(v, id);
	bool same = st == SS_OK && !oom && !v->pend_oom && v->n_pend == n_first;
	for (size_t i = 0; same && i < n_first; i++)
		same = v->pend[i].id == first[i].id && strcmp(v->pend[i].reason, first[i].reason) == 0;
	if (st == SS_OK && !same) {
		if (oom || v->pend_oom)
			st = mgr_fail(v->mgr, SS_NOMEM, "out of memory verifying snapshot %lld", (long long)id);
		else
			st = mgr_fail(v->mgr, SS_NOMEM,
			              "verifying snapshot %lld: two reads disagree (out of memory, or an "
			              "unstable disk)", (long long)id);
	}
	pending_clear(first, n_first);
	free(first);
done:
	if (st == SS_OK) {
		for (size_t i = 0; i < v->n_pend; i++) {
			v->damaged++;
			if (v->fn)
				v->fn(v->pend[i].id, v->pend[i].reason, v->user_data);
		}
	}
	pending_clear(v->pend, v->n_pend);
	v->n_pend = 0;
	return st;
}

ss_status ss_verify(ss_manager *mgr, const char *session, ss_damage_fn fn,
                    void *user_data, int64_t *checked, int64_t *damaged)
{
	if (checked)
		*checked = 0;
	if (damaged)
		*damaged = 0;
	if (session) {
		int64_t unused;
		ss_status st = mgr_session_id(mgr, session, &unused);
		if (st != SS_OK)
			return st;
	}
	struct vctx v = { .mgr = mgr, .fn = fn, .user_data = user_data };
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	q.limit = VERIFY_PAGE;
	ss_cursor cursor = { 0 };
	ss_status st = SS_OK;
	for (;;) {
		size_t before = v.n;
		st = ss_store_search(mgr->store, &q, &cursor, collect_id, &v);
		if (st == SS_OK && v.oom)
			st = mgr_fail(mgr, SS_NOMEM, "out of memory listing the snapshots to verify");
		else if (st != SS_OK)
			mgr_store_fail(mgr, st);
		if (st != SS_OK || v.n - before < VERIFY_PAGE)
			break;
	}
	if (st == SS_OK && v.n > 0) {
		qsort(v.ids, v.n, sizeof *v.ids, cmp_id);
		v.verdict = calloc(v.n, sizeof *v.verdict);
		v.depth = calloc(v.n, sizeof *v.depth);
		if (!v.verdict || !v.depth)
			st = mgr_fail(mgr, SS_NOMEM, "out of memory verifying %zu snapshots", v.n);
	}
	/* Oldest first: a delta's base is normally checked just before it. */
	for (size_t i = 0; i < v.n && st == SS_OK; i++)
		st = verify_one(&v, v.ids[i]);
	int64_t n_checked = 0;
	for (size_t i = 0; i < v.n && v.verdict; i++)
		n_checked += v.verdict[i] != V_UNKNOWN;
	int64_t n_damaged = v.damaged;
	set_hand(&v, 0, NULL, 0);
	free(v.pend);
	free(v.ids);
	free(v.verdict);
	free(v.depth);
	if (checked)
		*checked = n_checked;
	if (damaged)
		*damaged = n_damaged;
	if (st != SS_OK && st != SS_CORRUPT)
		return mgr_emit_error(mgr, st);

	/* A damaged file page can stop the walk itself (SQLite reports
	 * SQLITE_CORRUPT); the integrity check still says what it finds. */
	ss_status walk_st = st;
	st = ss_store_integrity_check(mgr->store);
	if (st != SS_OK) {
		mgr_store_fail(mgr, st);
		if (st == SS_CORRUPT && fn)
			fn(0, mgr->err, user_data);
		return mgr_emit_error(mgr, st);
	}
	if (walk_st != SS_OK)
		return mgr_emit_error(mgr, walk_st);
	if (n_damaged > 0)
		return mgr_emit_error(mgr, mgr_fail(mgr, SS_CORRUPT, "%lld of %lld snapshots damaged",
		                                    (long long)n_damaged, (long long)n_checked));
	return SS_OK;
}
