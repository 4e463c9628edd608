/*
 * history.c - every change of one value over a session's timeline.
 *
 * The walk keeps one private state and moves it forward snapshot by
 * snapshot.  Where a snapshot is a delta on the one before, only its patch
 * is read and applied (cost: the patch, not the state), and the value is
 * looked at again only when an operation of the patch can have touched it:
 * an operation at, above or below the path, or one that shifts the elements
 * of an array the path runs through.  Keyframes and gaps in the chain are
 * read whole, which the keyframe interval bounds.
 */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_PAGE 256

/* Does pointer segment `seg` (from a patch, always TOKEN) name the same
 * member or element as the watched path's segment `want`? */
static bool same_segment(const ss_path_seg *seg, const ss_path_seg *want)
{
	if (want->kind == SS_PATH_INDEX) {
		if (want->index < 0)
			return true;    /* counted from the end: any change may move it */
		char buf[24];
		snprintf(buf, sizeof buf, "%lld", (long long)want->index);
		return strcmp(seg->key, buf) == 0;
	}
	return strcmp(seg->key, want->key) == 0;
}

/* Could an operation on `target` (a pointer) change the value at `watched`? */
static bool pointer_touches(const char *target, const char *op, const ss_path *watched)
{
	ss_path p = { 0 };
	char err[16];
	if (ss_path_parse(target, &p, err, sizeof err) != SS_OK)
		return true;            /* unreadable: assume the worst */
	size_t common = p.n < watched->n ? p.n : watched->n;
	size_t i = 0;
	while (i < common && same_segment(&p.segs[i], &watched->segs[i]))
		i++;
	bool touches;
	if (i == common)
		touches = true;         /* one path lies inside the other */
	else if (i == p.n - 1 && watched->segs[i].kind != SS_PATH_KEY &&
	         (strcmp(op, "add") == 0 || strcmp(op, "remove") == 0 ||
	          strcmp(op, "move") == 0 || strcmp(op, "copy") == 0))
		touches = true;         /* an insertion or removal in an array on the way shifts it */
	else
		touches = false;
	ss_path_clear(&p);
	return touches;
}

static bool patch_touches(const json_t *patch, const ss_path *watched)
{
	size_t i;
	json_t *op;
	json_array_foreach(patch, i, op) {
		const char *kind = json_string_value(json_object_get(op, "op"));
		const char *path = json_string_value(json_object_get(op, "path"));
		const char *from = json_string_value(json_object_get(op, "from"));
		if (!kind || !path)
			return true;
		if (pointer_touches(path, kind, watched))
			return true;
		if (from && pointer_touches(from, strcmp(kind, "move") == 0 ? "remove" : "test", watched))
			return true;
	}
	return false;
}

struct meta_page {
	ss_snapshot rows[HISTORY_PAGE];
	size_t n;
	ss_status status;
};

static int collect_meta(const ss_snapshot *row, void *user_data)
{
	struct meta_page *page = user_data;
	page->status = ss_snapshot_copy(&page->rows[page->n], row);
	if (page->status != SS_OK)
		return 1;
	page->n++;
	return 0;
}

struct walk {
	json_t *state;              /* private, moved forward */
	int64_t state_id;
	json_t *value;              /* a copy of the value at the path, NULL when absent */
	bool started;
};

/* Move the walk to snapshot m; *changed says whether the value may differ. */
static ss_status advance(ss_manager *mgr, struct walk *w, const ss_snapshot *m,
                         const ss_path *path, bool *maybe_changed)
{
	*maybe_changed = true;
	if (w->state && m->kind == SS_KIND_DELTA && m->base_id == w->state_id) {
		json_t *patch;
		ss_status st = mgr_load_blob_json(mgr, m, &patch);
		if (st != SS_OK)
			return st;
		*maybe_changed = patch_touches(patch, path);
		char why[512];
		st = ss_json_patch_apply(&w->state, patch, why, sizeof why);
		json_decref(patch);
		if (st == SS_NOMEM)
			return mgr_fail(mgr, st, "out of memory");
		if (st != SS_OK)
			return mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: its delta does not apply (%s)",
			                (long long)m->id, why);
	} else {
		json_decref(w->state);
		w->state = NULL;
		ss_status st = mgr_read_private(mgr, m, mgr->cfg.validate_checksums, &w->state);
		if (st != SS_OK)
			return st;
	}
	w->state_id = m->id;
	return SS_OK;
}

ss_status ss_history(ss_manager *mgr, const char *session, const ss_path *path,
                     ss_history_fn fn, void *user_data)
{
	int64_t session_id;
	ss_status st = mgr_session_id(mgr, session, &session_id);
	if (st != SS_OK)
		return st;
	struct meta_page *page = malloc(sizeof *page);
	if (!page)
		return mgr_fail(mgr, SS_NOMEM, "out of memory");
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	q.limit = HISTORY_PAGE;
	ss_cursor cursor = { 0 };
	struct walk w = { 0 };
	bool stop = false;
	while (st == SS_OK && !stop) {
		page->n = 0;
		page->status = SS_OK;
		st = ss_store_search(mgr->store, &q, &cursor, collect_meta, page);
		if (st != SS_OK)
			mgr_store_fail(mgr, st);
		else if (page->status != SS_OK)
			st = mgr_fail(mgr, page->status, "out of memory");
		for (size_t i = 0; i < page->n && st == SS_OK && !stop; i++) {
			const ss_snapshot *m = &page->rows[i];
			bool maybe_changed;
			st = advance(mgr, &w, m, path, &maybe_changed);
			if (st != SS_OK || (!maybe_changed && w.started))
				continue;
			json_t *now = ss_path_get(w.state, path);
			ss_history_entry e = { m->id, m->seq, m->created_at, SS_CHANGE_CHANGED, w.value, now };
			if (!w.value && now)
				e.kind = SS_CHANGE_ADDED;
			else if (w.value && !now)
				e.kind = SS_CHANGE_REMOVED;
			bool differs = (!w.value) != (!now) || (now && !json_equal(w.value, now));
			w.started = true;
			if (!differs)
				continue;
			if (fn(&e, user_data))
				stop = true;
			json_decref(w.value);
			w.value = now ? json_deep_copy(now) : NULL;
			if (now && !w.value)
				st = mgr_fail(mgr, SS_NOMEM, "out of memory");
		}
		for (size_t i = 0; i < page->n; i++)
			ss_snapshot_clear(&page->rows[i]);
		if (page->n < HISTORY_PAGE)
			break;
	}
	json_decref(w.state);
	json_decref(w.value);
	free(page);
	return st;
}
