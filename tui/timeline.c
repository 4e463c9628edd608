/*
 * timeline.c - the timeline pane: one row per snapshot of the session.
 *
 * The pane is a window over the store, never a copy of the session: it
 * holds only the rows on screen, fetched with keyset paging (ss_search with
 * an ss_cursor on (created_at, id)), so that a session of a million
 * snapshots costs what one of forty does.  Every movement is the same three
 * steps: fetch the rows the move needs beyond the window (forward after the
 * last row, or backward before the first), lay the old and new rows end to
 * end, and cut the new window out of that strip around the target row.  The
 * selected row's id and created_at are kept as the anchor to rebuild the
 * window from when its height changes, when the store changes under it
 * (live updates, edits, deletions) and to jump to a time or an id.
 *
 * A filter (`f`) is part of the query every fetch makes, never a pass over
 * loaded rows, so a filtered million-row session pages like an unfiltered
 * one.  Edits (t, u, e, p, D) go through the manager, report on the status
 * line and re-read the window from the store: what is shown is always what
 * is stored.  Export (x) writes the marked range, else the filtered list,
 * else the selected snapshot, through ss_export_json().
 *
 * A row whose snapshot came after failed captures carries `!N`: the capture
 * errors between the snapshot before it in the session and this one.  They
 * are counted per row on screen (one indexed count each) and kept until the
 * window or the store changes, so a frame costs nothing; the column exists
 * only while a row on screen has errors, so a session without them looks
 * exactly as before.
 */
#include "pane.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prompt.h"
#include "ss_auto.h"

#define ORIGIN_MIN_WIDTH 50  /* narrower (80 columns): no origin column */
#define ERRMARK_MIN_WIDTH 30 /* narrower: no capture-error column */

/* A run of rows in time order (or reverse order while fetching). */
struct rows {
	ss_snapshot *v;
	size_t n, cap;
	ss_status err;              /* SS_NOMEM from the row callback */
};

/* The `f` filter, parsed: what ss_query gets (strings owned here). */
struct filter {
	char *spec;                 /* as typed, NULL when off */
	char *shown;                /* spec escaped for the status line */
	char **tags;                /* tag:T terms, all required */
	size_t n_tags;
	int64_t since, until;       /* since:T, until:T; SS_TIME_NONE when absent */
	char *text;                 /* the free words, one phrase */
	bool pinned_only;           /* is:pinned */
	bool tagged_only;           /* is:tagged */
};

/* The capture errors before each row of the window (errmarks_update). */
struct errmarks {
	int64_t *ids;               /* the row each count belongs to */
	int64_t *counts;
	size_t n;
	bool stale;                 /* the store changed: count again */
};

/* What a prompt opened by the timeline was for (prompt.purpose). */
enum ask {
	ASK_GOTO = 1,
	ASK_FILTER,
	ASK_TAG,
	ASK_UNTAG,
	ASK_DESCRIBE,
	ASK_DELETE,
	ASK_EXPORT,
	ASK_OVERWRITE,
};

/* What `x` offers to write: a file in the current directory, as a shell's
 * relative name would be. */
#define EXPORT_DEFAULT_NAME "snapscope-export.json"


struct timeline {
	struct filter filter;
	int64_t mark_id;            /* snapshot marked A, 0: none */
	int64_t target_id;          /* the snapshot a prompt is about */
	char export_path[PROMPT_TEXT_MAX + 1]; /* kept from the name to the overwrite question */
	struct rows win;            /* the rows on screen, oldest first */
	size_t sel;                 /* index of the selected row in win */
	int64_t position;           /* 1-based position of the selected row */
	int64_t anchor_id;          /* the selected row, to re-anchor on */
	int64_t anchor_at;
	bool anchored;
	int64_t published_id;       /* the id the other panes were told about */
	bool opened;                /* open() ran: resizes may fetch */
	struct errmarks errs;
};

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		ss_snapshot_clear(&r->v[i]);
	free(r->v);
	*r = (struct rows){ 0 };
}

/* Append a deep copy of `row`; false when out of memory. */
static bool rows_push(struct rows *r, const ss_snapshot *row)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		ss_snapshot *v = realloc(r->v, cap * sizeof *v);
		if (!v)
			return false;
		r->v = v;
		r->cap = cap;
	}
	if (ss_snapshot_copy(&r->v[r->n], row) != SS_OK)
		return false;
	r->n++;
	return true;
}

/* Move every row of `src` to the end of `dst` (src ends empty). */
static bool rows_take(struct rows *dst, struct rows *src)
{
	if (dst->n + src->n > dst->cap) {
		size_t cap = dst->n + src->n;
		ss_snapshot *v = realloc(dst->v, cap * sizeof *v);
		if (!v)
			return false;
		dst->v = v;
		dst->cap = cap;
	}
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	*src = (struct rows){ 0 };
	return true;
}

static void rows_reverse(struct rows *r)
{
	for (size_t i = 0, j = r->n; i + 1 < j; i++, j--) {
		ss_snapshot tmp = r->v[i];
		r->v[i] = r->v[j - 1];
		r->v[j - 1] = tmp;
	}
}

/* The session, in time order, through the filter. */
static void base_query(const struct pane *p, ss_query *q)
{
	const struct timeline *t = p->priv;
	const struct filter *f = &t->filter;
	ss_query_init(q);
	q->session = p->br->session;
	q->sort = SS_SORT_TIME;
	q->tags = (const char *const *)f->tags;
	q->n_tags = f->n_tags;
	q->tags_all = true;
	if (f->spec) {
		q->since = f->since;
		q->until = f->until;
	}
	q->text = f->text;
	q->pinned_only = f->pinned_only;
	q->tagged_only = f->tagged_only;
}

static int fetch_row(const ss_snapshot *row, void *user_data)
{
	struct rows *r = user_data;
	if (!rows_push(r, row)) {
		r->err = SS_NOMEM;
		return 1;
	}
	return 0;
}

/*
 * Fetch up to `limit` rows of the session strictly after (forward) or
 * before (backward, then returned newest first) the keyset position
 * (at, id); from_start: from the first (or, backward, the last) row.
 */
static ss_status fetch(struct pane *p, bool backward, bool from_start, int64_t at,
                       int64_t id, int64_t limit, struct rows *out)
{
	*out = (struct rows){ 0 };
	if (limit <= 0)
		return SS_OK;
	ss_query q;
	base_query(p, &q);
	q.reverse = backward;
	q.limit = limit;
	ss_cursor cur = { .started = !from_start, .key = at, .id = id };
	ss_status st = ss_search(p->br->mgr, &q, &cur, fetch_row, out);
	if (st == SS_OK && out->err != SS_OK)
		st = out->err;
	if (st != SS_OK) {
		browser_error(p->br, "reading the timeline", st);
		rows_free(out);
	}
	return st;
}

static void publish(struct pane *p)
{
	struct timeline *t = p->priv;
	struct browser *br = p->br;
	if (t->win.n == 0) {
		br->selected = NULL;
		br->position = 0;
		t->anchored = false;
		if (t->published_id != 0)
			br->selection_changed = true;
		t->published_id = 0;
		return;
	}
	const ss_snapshot *row = &t->win.v[t->sel];
	br->selected = row;
	br->position = t->position;
	t->anchor_id = row->id;
	t->anchor_at = row->created_at;
	t->anchored = true;
	if (row->id != t->published_id)
		br->selection_changed = true;
	t->published_id = row->id;
}

/*
 * Make the window the part of `strip` (consumed) that shows row `target`
 * on screen line `line` (or as near as the strip's ends allow, keeping the
 * window full).
 */
static void cut_window(struct pane *p, struct rows *strip, size_t target, int line)
{
	struct timeline *t = p->priv;
	size_t h = p->h > 0 ? (size_t)p->h : 1;
	size_t top = target > (size_t)line ? target - (size_t)line : 0;
	if (strip->n > h && top > strip->n - h)
		top = strip->n - h;
	if (strip->n <= h)
		top = 0;
	size_t end = top + h < strip->n ? top + h : strip->n;

	for (size_t i = 0; i < strip->n; i++)
		if (i < top || i >= end)
			ss_snapshot_clear(&strip->v[i]);
	rows_free(&t->win);
	t->win.n = end - top;
	t->win.cap = strip->cap;
	t->win.v = strip->v;
	if (top)
		memmove(t->win.v, t->win.v + top, t->win.n * sizeof *t->win.v);
	*strip = (struct rows){ 0 };
	t->sel = target - top;
	publish(p);
}

/* Move the selection by `delta` rows (clamped at the session's ends). */
static void scroll_by(struct pane *p, long delta)
{
	struct timeline *t = p->priv;
	if (t->win.n == 0 || delta == 0 || p->h <= 0)
		return;
	long target = (long)t->sel + delta;
	struct rows before = { 0 }, after = { 0 }, strip = { 0 };

	if (target < 0) {
		const ss_snapshot *first = &t->win.v[0];
		/* Also the rows that fill the window above the target, so
		 * that the selection keeps its screen line (a page moves the
		 * view, not just the cursor). */
		if (fetch(p, true, false, first->created_at, first->id, -target + (long)t->sel,
		          &before) != SS_OK)
			return;
		rows_reverse(&before);
	} else if ((size_t)target >= t->win.n) {
		const ss_snapshot *last = &t->win.v[t->win.n - 1];
		long below = (long)p->h - 1 - (long)t->sel;
		if (fetch(p, false, false, last->created_at, last->id,
		          target - (long)t->win.n + 1 + (below > 0 ? below : 0), &after) != SS_OK)
			return;
	}
	if (before.n == 0 && after.n == 0 && (target < 0 || (size_t)target >= t->win.n)) {
		/* Already at an end: go as far as the window allows. */
		target = target < 0 ? 0 : (long)t->win.n - 1;
		t->position += target - (long)t->sel;
		t->sel = (size_t)target;
		publish(p);
		return;
	}

	size_t old_sel = t->sel + before.n;
	int line = (int)t->sel;
	/* The strip: new rows before, the window, new rows after. */
	struct rows old = t->win;
	t->win = (struct rows){ 0 };
	if (!rows_take(&strip, &before) || !rows_take(&strip, &old) || !rows_take(&strip, &after)) {
		browser_message(p->br, DRAW_ERROR, "out of memory");
		rows_free(&before);
		rows_free(&old);
		rows_free(&after);
		rows_free(&strip);
		publish(p);
		return;
	}
	long tgt = (long)old_sel + delta;
	if (tgt < 0)
		tgt = 0;
	if ((size_t)tgt >= strip.n)
		tgt = (long)strip.n - 1;
	t->position += tgt - (long)old_sel;
	cut_window(p, &strip, (size_t)tgt, line);
}

/* Rebuild the window around the anchor with the anchor on `line`. */
static void reanchor(struct pane *p, int line)
{
	struct timeline *t = p->priv;
	if (!t->anchored || p->h <= 0)
		return;
	struct rows before, after, strip = { 0 };
	if (fetch(p, true, false, t->anchor_at, t->anchor_id, p->h - 1, &before) != SS_OK)
		return;
	/* (at, id - 1) is just before the anchor: the forward fetch includes it. */
	if (fetch(p, false, false, t->anchor_at, t->anchor_id - 1, p->h, &after) != SS_OK) {
		rows_free(&before);
		return;
	}
	rows_reverse(&before);
	size_t target = before.n;
	if (!rows_take(&strip, &before) || !rows_take(&strip, &after)) {
		browser_message(p->br, DRAW_ERROR, "out of memory");
		rows_free(&before);
		rows_free(&after);
		rows_free(&strip);
		return;
	}
	if (strip.n == 0) {
		rows_free(&t->win);
		t->sel = 0;
		publish(p);
		return;
	}
	if (target >= strip.n)
		target = strip.n - 1;
	cut_window(p, &strip, target, line);
}

/* The first (last == false) or the last page of the session. */
static void go_end(struct pane *p, bool last)
{
	struct timeline *t = p->priv;
	if (p->h <= 0)
		return;
	struct rows page;
	if (fetch(p, last, true, 0, 0, p->h, &page) != SS_OK)
		return;
	if (page.n == 0) {
		rows_free(&t->win);
		t->sel = 0;
		publish(p);
		return;
	}
	if (last)
		rows_reverse(&page);
	t->position = last ? p->br->total : 1;
	size_t target = last ? page.n - 1 : 0;
	cut_window(p, &page, target, last ? p->h - 1 : 0);
}

/* ---- where the selection is ---------------------------------------------- */

struct locate_ctx {
	int64_t id;
	int64_t at_or_before;       /* rows with the same time and an id <= id */
	bool found;
};

static int locate_row(const ss_snapshot *row, void *user_data)
{
	struct locate_ctx *c = user_data;
	if (row->id <= c->id)
		c->at_or_before++;
	if (row->id == c->id)
		c->found = true;
	return 0;
}

/*
 * The 1-based position of snapshot (at, id) among the filtered rows, by
 * counting (an index range count, not a load); *found says whether it is
 * one of them.  Rows that share its millisecond are few: they are read.
 */
static ss_status locate(struct pane *p, int64_t at, int64_t id, int64_t *position, bool *found)
{
	ss_query q;
	int64_t before = 0;
	base_query(p, &q);
	*found = false;
	if (q.until == SS_TIME_NONE || q.until >= at)
		q.until = at - 1;
	ss_status st = ss_count(p->br->mgr, &q, &before);
	if (st != SS_OK)
		return st;
	base_query(p, &q);
	if ((q.since != SS_TIME_NONE && q.since > at) || (q.until != SS_TIME_NONE && q.until < at)) {
		*position = before;
		return SS_OK;
	}
	q.since = q.until = at;
	struct locate_ctx c = { .id = id };
	st = ss_search(p->br->mgr, &q, NULL, locate_row, &c);
	if (st != SS_OK)
		return st;
	*position = before + c.at_or_before;
	*found = c.found;
	return SS_OK;
}

/* Count the filtered rows again; false (reported) on failure. */
static bool recount(struct pane *p)
{
	ss_query q;
	base_query(p, &q);
	ss_status st = ss_count(p->br->mgr, &q, &p->br->total);
	if (st != SS_OK) {
		browser_error(p->br, "counting snapshots", st);
		return false;
	}
	return true;
}

/* After the rows changed under the window: the window again around the
 * anchor (or its successor, when it is gone), and its position. */
static void reload(struct pane *p)
{
	struct timeline *t = p->priv;
	t->errs.stale = true;       /* new capture errors come with any write */
	if (!recount(p))
		return;
	if (p->br->follow || !t->anchored) {
		go_end(p, true);
		return;
	}
	int line = (int)t->sel < p->h ? (int)t->sel : p->h - 1;
	reanchor(p, line > 0 ? line : 0);
	if (t->win.n) {
		const ss_snapshot *row = &t->win.v[t->sel];
		int64_t pos;
		bool found;
		if (locate(p, row->created_at, row->id, &pos, &found) == SS_OK)
			t->position = pos;
		publish(p);
	}
}

void timeline_refresh(struct pane *p)
{
	struct timeline *t = p->priv;
	if (!t->opened || p->h <= 0)
		return;
	reload(p);
}

/* ---- the filter ------------------------------------------------------------ */

static void filter_clear(struct filter *f)
{
	for (size_t i = 0; i < f->n_tags; i++)
		free(f->tags[i]);
	free(f->tags);
	free(f->spec);
	free(f->shown);
	free(f->text);
	*f = (struct filter){ .since = SS_TIME_NONE, .until = SS_TIME_NONE };
}

/* Append `word` (len bytes) to the free-text phrase, a space between words. */
static bool filter_add_text(struct filter *f, const char *word, size_t len)
{
	size_t old = f->text ? strlen(f->text) : 0;
	char *t = realloc(f->text, old + len + 2);
	if (!t)
		return false;
	if (old)
		t[old++] = ' ';
	memcpy(t + old, word, len);
	t[old + len] = '\0';
	f->text = t;
	return true;
}

/*
 * Parse a filter: blank-separated terms `tag:T` (all required), `since:TIME`,
 * `until:TIME`, `is:pinned`, `is:tagged`; every other word belongs to one
 * free-text phrase matched against descriptions and tags (ss_query has one
 * text field, and a phrase is what a person pastes from a description).
 */
static bool filter_parse(const char *spec, struct filter *f, char *err, size_t err_size)
{
	*f = (struct filter){ .since = SS_TIME_NONE, .until = SS_TIME_NONE };
	const char *s = spec;
	int64_t now = ss_now_ms();
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, " ");
		char word[PROMPT_TEXT_MAX + 1];
		memcpy(word, s, len);
		word[len] = '\0';
		s += len;
		bool ok = true;
		if (strncmp(word, "tag:", 4) == 0 && word[4]) {
			if (ss_tag_check(word + 4, err, err_size) != SS_OK)
				goto fail;
			char **tags = realloc(f->tags, (f->n_tags + 1) * sizeof *tags);
			ok = tags != NULL;
			if (ok) {
				f->tags = tags;
				ok = (f->tags[f->n_tags] = strdup(word + 4)) != NULL;
				f->n_tags += ok;
			}
		} else if (strncmp(word, "since:", 6) == 0 && word[6]) {
			if (ss_time_parse(word + 6, now, &f->since, err, err_size) != SS_OK)
				goto fail;
		} else if (strncmp(word, "until:", 6) == 0 && word[6]) {
			if (ss_time_parse(word + 6, now, &f->until, err, err_size) != SS_OK)
				goto fail;
		} else if (strcmp(word, "is:pinned") == 0) {
			f->pinned_only = true;
		} else if (strcmp(word, "is:tagged") == 0) {
			f->tagged_only = true;
		} else {
			ok = filter_add_text(f, word, len);
		}
		if (!ok) {
			snprintf(err, err_size, "out of memory");
			goto fail;
		}
	}
	f->spec = strdup(spec);
	f->shown = ss_text_escape(spec, strlen(spec));
	if (!f->spec || !f->shown) {
		snprintf(err, err_size, "out of memory");
		goto fail;
	}
	return true;
fail:
	filter_clear(f);
	return false;
}

/* ---- jumping --------------------------------------------------------------- */

/* Select snapshot `id` of this session, in the middle of the window.  A
 * snapshot the filter hides clears the filter (asking to see it says so). */
bool timeline_jump(struct pane *p, int64_t id)
{
	struct timeline *t = p->priv;
	struct browser *br = p->br;
	ss_snapshot meta;
	ss_status st = ss_get(br->mgr, id, NULL, &meta);
	if (st != SS_OK) {
		browser_error(br, "going to a snapshot", st);
		return false;
	}
	bool same = meta.session && strcmp(meta.session, br->session) == 0;
	int64_t at = meta.created_at;
	ss_snapshot_clear(&meta);
	if (!same) {
		browser_message(br, DRAW_ERROR, "#%lld is not in this session", (long long)id);
		return false;
	}
	int64_t pos;
	bool found;
	if ((st = locate(p, at, id, &pos, &found)) != SS_OK) {
		browser_error(br, "going to a snapshot", st);
		return false;
	}
	if (!found && t->filter.spec) {
		filter_clear(&t->filter);
		br->filter_shown = NULL;
		browser_message(br, DRAW_META, "filter cleared to show #%lld", (long long)id);
		if (!recount(p) || (st = locate(p, at, id, &pos, &found)) != SS_OK) {
			if (st != SS_OK)
				browser_error(br, "going to a snapshot", st);
			return false;
		}
	}
	t->anchor_id = id;
	t->anchor_at = at;
	t->anchored = true;
	reanchor(p, p->h / 2);
	t->position = pos;
	/* Asking for one snapshot is asking to stay there. */
	br->follow = false;
	publish(p);
	return true;
}

/*
 * The shown snapshot closest in time to `when` (the older one on a tie);
 * *id 0 when none is shown.  Two keyset reads through the filter, rather
 * than ss_nearest(), which also looks the session's summary up (a pass
 * over all its rows).
 */
static ss_status nearest(struct pane *p, int64_t when, int64_t *id)
{
	struct rows before, after;
	*id = 0;
	ss_status st = fetch(p, true, false, when, INT64_MAX, 1, &before);
	if (st != SS_OK)
		return st;
	if ((st = fetch(p, false, false, when, INT64_MAX, 1, &after)) != SS_OK) {
		rows_free(&before);
		return st;
	}
	const ss_snapshot *b = before.n ? &before.v[0] : NULL, *a = after.n ? &after.v[0] : NULL;
	if (b && (!a || when - b->created_at <= a->created_at - when))
		*id = b->id;
	else if (a)
		*id = a->id;
	rows_free(&before);
	rows_free(&after);
	return SS_OK;
}

/* `:` — "#123", a bare id of this session, or a time (the nearest snapshot). */
static void go_to(struct pane *p, const char *text)
{
	struct browser *br = p->br;
	while (*text == ' ')
		text++;
	if (!*text)
		return;
	const char *digits_at = text[0] == '#' ? text + 1 : text;
	char *end;
	long long id = strtoll(digits_at, &end, 10);
	if (*digits_at && isdigit((unsigned char)*digits_at) && *end == '\0') {
		ss_snapshot meta;
		bool ours = false;
		if (ss_get(br->mgr, id, NULL, &meta) == SS_OK) {
			ours = meta.session && strcmp(meta.session, br->session) == 0;
			ss_snapshot_clear(&meta);
		}
		if (ours) {
			timeline_jump(p, id);
			return;
		}
		if (text[0] == '#') {
			browser_message(br, DRAW_ERROR, "no snapshot #%lld in this session", id);
			return;
		}
	}
	char err[256];
	int64_t when;
	if (ss_time_parse(text, ss_now_ms(), &when, err, sizeof err) != SS_OK) {
		char *safe = ss_text_escape(err, strlen(err));
		browser_message(br, DRAW_ERROR, "not an id of this session or a time: %s",
		                safe ? safe : "?");
		free(safe);
		return;
	}
	int64_t near;
	if (nearest(p, when, &near) != SS_OK)
		return;
	if (!near) {
		browser_message(br, DRAW_ERROR, "no snapshot to go to");
		return;
	}
	timeline_jump(p, near);
}

/* ---- edits ----------------------------------------------------------------- */

static const ss_snapshot *selected_row(const struct pane *p)
{
	const struct timeline *t = p->priv;
	return t->win.n ? &t->win.v[t->sel] : NULL;
}

/* Trim blanks at both ends in place. */
static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

/* Report an edit's outcome and show the rows as stored now. */
static void edited(struct pane *p, ss_status st, const char *what, const char *fmt,
                   long long id, const char *data)
{
	if (st != SS_OK) {
		browser_error(p->br, what, st);
		return;
	}
	char *safe = data ? ss_text_escape(data, strlen(data)) : NULL;
	browser_message(p->br, DRAW_META, fmt, id, safe ? safe : "");
	free(safe);
	reload(p);
}

static void ask(struct pane *p, enum ask purpose, const char *label, const char *initial)
{
	struct timeline *t = p->priv;
	const ss_snapshot *row = selected_row(p);
	t->target_id = row ? row->id : 0;
	browser_ask(p->br, p, (int)purpose, label, initial, false);
}

static void ask_about_row(struct pane *p, enum action act)
{
	const ss_snapshot *row = selected_row(p);
	char label[128];
	if (!row) {
		browser_message(p->br, DRAW_ERROR, "no snapshot selected");
		return;
	}
	switch (act) {
	case ACT_TAG:
		snprintf(label, sizeof label, "tag #%lld: ", (long long)row->id);
		ask(p, ASK_TAG, label, NULL);
		break;
	case ACT_UNTAG: {
		if (row->n_tags == 0) {
			browser_message(p->br, DRAW_ERROR, "#%lld has no tags", (long long)row->id);
			return;
		}
		/* The tags on offer go in the label (escaped); one tag is
		 * typed already. */
		char list[96] = "";
		for (size_t i = 0; i < row->n_tags; i++) {
			char *safe = ss_text_escape(row->tags[i], strlen(row->tags[i]));
			size_t l = strlen(list);
			snprintf(list + l, sizeof list - l, "%s%s", i ? " " : "", safe ? safe : "?");
			free(safe);
		}
		snprintf(label, sizeof label, "untag #%lld (%s): ", (long long)row->id, list);
		ask(p, ASK_UNTAG, label, row->n_tags == 1 ? row->tags[0] : NULL);
		break;
	}
	case ACT_DESCRIBE:
		snprintf(label, sizeof label, "describe #%lld: ", (long long)row->id);
		ask(p, ASK_DESCRIBE, label, row->description);
		break;
	case ACT_DELETE: {
		struct timeline *t = p->priv;
		snprintf(label, sizeof label, "delete #%lld%s? (y/N) ", (long long)row->id,
		         row->pinned ? " (it is pinned)" : "");
		t->target_id = row->id;
		browser_ask(p->br, p, ASK_DELETE, label, NULL, true);
		break;
	}
	default:
		break;
	}
}

/* ---- export ------------------------------------------------------------------ */

/* Ids of the marked range, collected in timeline order. */
struct id_range {
	int64_t lo_at, lo_id, hi_at, hi_id;     /* inclusive keyset bounds */
	int64_t *ids;
	size_t n, cap;
	bool oom;
};

static int collect_range(const ss_snapshot *row, void *user_data)
{
	struct id_range *r = user_data;
	/* The time bounds of the query may take in neighbours with the same
	 * created_at; the (created_at, id) order of the timeline decides. */
	if ((row->created_at == r->lo_at && row->id < r->lo_id) ||
	    (row->created_at == r->hi_at && row->id > r->hi_id))
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		int64_t *v = realloc(r->ids, cap * sizeof *v);
		if (!v) {
			r->oom = true;
			return 1;
		}
		r->ids = v;
		r->cap = cap;
	}
	r->ids[r->n++] = row->id;
	return 0;
}

/*
 * The ids from the mark A to the selected row, inclusive, in the session
 * (not through the filter: a range is a stretch of time).  Only ids are
 * held; ss_export_json() streams the states.  False, reported, on failure.
 */
static bool marked_range(struct pane *p, const ss_snapshot *row, struct id_range *r)
{
	const struct timeline *t = p->priv;
	struct browser *br = p->br;
	ss_snapshot mark;
	ss_status st = ss_get(br->mgr, t->mark_id, NULL, &mark);
	if (st != SS_OK) {
		browser_error(br, "export: the marked snapshot", st);
		return false;
	}
	bool mark_first = mark.created_at < row->created_at ||
	                  (mark.created_at == row->created_at && mark.id < row->id);
	*r = (struct id_range){
		.lo_at = mark_first ? mark.created_at : row->created_at,
		.lo_id = mark_first ? mark.id : row->id,
		.hi_at = mark_first ? row->created_at : mark.created_at,
		.hi_id = mark_first ? row->id : mark.id,
	};
	ss_snapshot_clear(&mark);
	ss_query q;
	ss_query_init(&q);
	q.session = br->session;
	q.sort = SS_SORT_TIME;
	q.since = r->lo_at;
	q.until = r->hi_at;
	st = ss_search(br->mgr, &q, NULL, collect_range, r);
	if (r->oom) {
		browser_message(br, DRAW_ERROR, "export: out of memory");
	} else if (st != SS_OK) {
		browser_error(br, "export", st);
	} else if (r->n == 0) {
		browser_message(br, DRAW_ERROR, "export: the marked range is empty");
	} else {
		return true;
	}
	free(r->ids);
	r->ids = NULL;
	return false;
}

/* What `x` would write, for its prompt. */
static void export_label(const struct pane *p, const ss_snapshot *row, char *buf, size_t size)
{
	const struct timeline *t = p->priv;
	if (t->mark_id && row)
		snprintf(buf, size, "export #%lld to #%lld to: ", (long long)t->mark_id,
		         (long long)row->id);
	else if (t->filter.spec)
		snprintf(buf, size, "export the filtered list (%lld) to: ", (long long)p->br->total);
	else if (row)
		snprintf(buf, size, "export #%lld to: ", (long long)row->id);
	else
		snprintf(buf, size, "export to: ");
}

/* Write the export to t->export_path; an existing file asks first. */
static void run_export(struct pane *p, bool force)
{
	struct timeline *t = p->priv;
	struct browser *br = p->br;
	const ss_snapshot *row = selected_row(p);
	const char *path = t->export_path;
	int64_t written = 0;
	ss_status st;
	if (t->mark_id && row) {
		struct id_range r;
		if (!marked_range(p, row, &r))
			return;
		st = ss_export_json(br->mgr, NULL, r.ids, r.n, path, force, &written);
		free(r.ids);
	} else if (t->filter.spec) {
		ss_query q;
		base_query(p, &q);
		st = ss_export_json(br->mgr, &q, NULL, 0, path, force, &written);
	} else if (row) {
		int64_t id = row->id;
		st = ss_export_json(br->mgr, NULL, &id, 1, path, force, &written);
	} else {
		browser_message(br, DRAW_ERROR, "no snapshot selected");
		return;
	}
	char *safe = ss_text_escape(path, strlen(path));
	if (st == SS_EXISTS && !force) {
		char label[128];
		snprintf(label, sizeof label, "%s exists; overwrite? (y/N) ", safe ? safe : "the file");
		browser_ask(br, p, ASK_OVERWRITE, label, NULL, true);
		br->confirm_no = "not exported";
	} else if (st != SS_OK) {
		const char *msg = ss_errmsg(br->mgr);
		char *safe_msg = ss_text_escape(msg, strlen(msg));
		browser_message(br, DRAW_ERROR, "%s", safe_msg && *safe_msg ? safe_msg
		                                                            : ss_status_str(st));
		free(safe_msg);
	} else {
		browser_message(br, DRAW_META, "exported %lld snapshot%s to %s", (long long)written,
		                written == 1 ? "" : "s", safe ? safe : "?");
	}
	free(safe);
}

static void timeline_answer(struct pane *p, int purpose, const char *answer)
{
	struct timeline *t = p->priv;
	struct browser *br = p->br;
	char buf[PROMPT_TEXT_MAX + 1];
	snprintf(buf, sizeof buf, "%s", answer);
	char *text = trim(buf);
	long long id = (long long)t->target_id;
	switch ((enum ask)purpose) {
	case ASK_GOTO:
		go_to(p, text);
		break;
	case ASK_FILTER: {
		struct filter f;
		char err[256];
		if (!*text) {
			if (!t->filter.spec)
				return;
			filter_clear(&t->filter);
			br->filter_shown = NULL;
			browser_message(br, DRAW_META, "filter cleared");
		} else if (!filter_parse(text, &f, err, sizeof err)) {
			char *safe = ss_text_escape(err, strlen(err));
			browser_message(br, DRAW_ERROR, "filter: %s", safe ? safe : "?");
			free(safe);
			return;
		} else {
			filter_clear(&t->filter);
			t->filter = f;
			br->filter_shown = t->filter.shown;
		}
		br->follow = false;
		if (!recount(p))
			return;
		/* Stay near the selected time when it is still shown. */
		if (t->anchored) {
			int64_t pos;
			bool found;
			if (locate(p, t->anchor_at, t->anchor_id, &pos, &found) == SS_OK && found) {
				reanchor(p, p->h / 2);
				t->position = pos;
				publish(p);
				return;
			}
		}
		go_end(p, true);
		br->follow = true;
		break;
	}
	case ASK_TAG:
		if (!*text)
			return;
		edited(p, ss_tag(br->mgr, t->target_id, text), "tagging", "tagged #%lld %s", id, text);
		break;
	case ASK_UNTAG:
		if (!*text)
			return;
		edited(p, ss_untag(br->mgr, t->target_id, text), "untagging",
		       "untagged #%lld %s", id, text);
		break;
	case ASK_DESCRIBE:
		edited(p, ss_describe(br->mgr, t->target_id, *text ? text : NULL), "describing",
		       *text ? "described #%lld%s" : "cleared the description of #%lld%s", id, "");
		break;
	case ASK_DELETE:
		if (t->mark_id == t->target_id)
			t->mark_id = 0;
		edited(p, ss_delete(br->mgr, t->target_id), "deleting", "deleted #%lld%s", id, "");
		break;
	case ASK_EXPORT:
		if (!*text)
			return;
		snprintf(t->export_path, sizeof t->export_path, "%s", text);
		run_export(p, false);
		break;
	case ASK_OVERWRITE:
		run_export(p, true);
		break;
	}
}

static void toggle_pin(struct pane *p)
{
	const ss_snapshot *row = selected_row(p);
	if (!row)
		return;
	bool pin = !row->pinned;
	long long id = (long long)row->id;
	edited(p, ss_pin(p->br->mgr, row->id, pin), pin ? "pinning" : "unpinning",
	       pin ? "pinned #%lld%s" : "unpinned #%lld%s", id, "");
}

static void toggle_mark(struct pane *p)
{
	struct timeline *t = p->priv;
	const ss_snapshot *row = selected_row(p);
	if (!row)
		return;
	if (t->mark_id == row->id) {
		t->mark_id = 0;
		browser_message(p->br, DRAW_META, "mark cleared");
		return;
	}
	t->mark_id = row->id;
	browser_message(p->br, DRAW_MARK, "marked #%lld as A; select another and press d",
	                (long long)row->id);
}

/*
 * `d`: A against the selection, or without a mark the selection against
 * the row before it (in the timeline as shown, so through the filter).
 * Sets br->diff_old/new for the browser to open the diff view; false when
 * there is nothing to diff (reported).
 */
static bool pick_diff(struct pane *p)
{
	struct timeline *t = p->priv;
	const ss_snapshot *row = selected_row(p);
	if (!row)
		return false;
	int64_t old_id = 0;
	if (t->mark_id) {
		if (t->mark_id == row->id) {
			browser_message(p->br, DRAW_ERROR, "A is selected: select another snapshot to diff");
			return false;
		}
		old_id = t->mark_id;
	} else if (t->sel > 0) {
		old_id = t->win.v[t->sel - 1].id;
	} else {
		struct rows prev;
		if (fetch(p, true, false, row->created_at, row->id, 1, &prev) != SS_OK)
			return false;
		old_id = prev.n ? prev.v[0].id : 0;
		rows_free(&prev);
	}
	if (!old_id) {
		browser_message(p->br, DRAW_ERROR, "nothing before #%lld: mark one with m, then d",
		                (long long)row->id);
		return false;
	}
	p->br->diff_old = old_id;
	p->br->diff_new = row->id;
	return true;
}

/* ---- drawing -------------------------------------------------------------- */

static int digits(int64_t v)
{
	int n = 1;
	while (v >= 10 || v <= -10) {
		v /= 10;
		n++;
	}
	return v < 0 ? n + 1 : n;
}

static void format_time(int64_t ms, bool with_date, char *buf, size_t size)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	if (!localtime_r(&secs, &tm) ||
	    strftime(buf, size, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

/* Draw `s` at *x (advancing it) within the pane; false once the row is full. */
static bool put(struct pane *p, int y, int *x, const char *s, enum draw_role role)
{
	int room = p->w - (*x - p->x);
	if (room <= 0)
		return false;
	*x += draw_str(stdscr, y, *x, room, s, role);
	return *x - p->x < p->w;
}

/* Draw data text (tags, descriptions) escaped for the terminal. */
static bool put_data(struct pane *p, int y, int *x, const char *s, enum draw_role role)
{
	char *safe = ss_text_escape(s, strlen(s));
	bool more = put(p, y, x, safe ? safe : "?", role);
	free(safe);
	return more;
}

/* ---- capture errors --------------------------------------------------------- */

static void errmarks_free(struct errmarks *e)
{
	free(e->ids);
	free(e->counts);
	*e = (struct errmarks){ 0 };
}

static int take_at(const ss_snapshot *row, void *user_data)
{
	*(int64_t *)user_data = row->created_at;
	return 1;
}

/* The time of the snapshot before `row` in the session (not through the
 * filter: errors belong to the stretch of capture they happened in);
 * SS_TIME_NONE for the first. */
static ss_status prev_time(struct pane *p, const ss_snapshot *row, int64_t *at)
{
	ss_query q;
	ss_query_init(&q);
	q.session = p->br->session;
	q.sort = SS_SORT_TIME;
	q.reverse = true;
	q.limit = 1;
	ss_cursor cur = { .started = true, .key = row->created_at, .id = row->id };
	*at = SS_TIME_NONE;
	return ss_search(p->br->mgr, &q, &cur, take_at, at);
}

/*
 * Count the capture errors before each row of the window, unless the counts
 * in hand are for these rows and the store has not changed since.  A row's
 * count depends on the session only (not on the window or the filter), so
 * while the store is unchanged a row that stays on screen keeps its count:
 * a scroll by one counts one row.  A count that cannot be read shows as
 * none: the marks are a hint, and a failing store says so elsewhere.
 */
static void errmarks_update(struct pane *p)
{
	struct timeline *t = p->priv;
	struct errmarks *e = &t->errs;
	bool same = !e->stale && e->n == t->win.n;
	for (size_t i = 0; same && i < t->win.n; i++)
		same = e->ids[i] == t->win.v[i].id;
	if (same)
		return;
	size_t n = t->win.n;
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	int64_t *counts = malloc((n ? n : 1) * sizeof *counts);
	if (!ids || !counts) {
		free(ids);
		free(counts);
		errmarks_free(e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const ss_snapshot *row = &t->win.v[i];
		ids[i] = row->id;
		counts[i] = 0;
		bool known = false;
		for (size_t k = 0; !e->stale && k < e->n && !known; k++)
			if (e->ids[k] == row->id) {
				counts[i] = e->counts[k];
				known = true;
			}
		if (known)
			continue;
		int64_t since = SS_TIME_NONE;
		/* Unfiltered, the row above is the one before. */
		if (i > 0 && !t->filter.spec)
			since = t->win.v[i - 1].created_at;
		else if (prev_time(p, row, &since) != SS_OK)
			continue;
		ss_capture_error_count(p->br->mgr, p->br->session, since, row->created_at, &counts[i]);
	}
	errmarks_free(e);
	e->ids = ids;
	e->counts = counts;
	e->n = n;
}

static void draw_row(struct pane *p, int y, const ss_snapshot *row, bool selected,
                     int seq_w, int add_w, int chg_w, int rem_w, int err_w, int64_t errors)
{
	enum draw_role cursor = p->focused ? DRAW_CURSOR : DRAW_CURSOR_IDLE;
	/* On the cursor line every part takes the cursor's role so that the
	 * highlight reads as one bar. */
#define ROLE_(r) (selected ? cursor : (r))
	const struct timeline *t = p->priv;
	char buf[64];
	int x = p->x;

	if (selected)
		draw_fill(stdscr, y, p->x, p->w, cursor);
	/* The mark column: A for the snapshot `m` marked. */
	if (!put(p, y, &x, row->id == t->mark_id ? "A" : " ", ROLE_(DRAW_MARK)))
		return;
	format_time(row->created_at, p->br->spans_days, buf, sizeof buf);
	if (!put(p, y, &x, buf, ROLE_(DRAW_TIME)))
		return;
	snprintf(buf, sizeof buf, " %*lld ", seq_w, (long long)row->seq);
	if (!put(p, y, &x, buf, ROLE_(DRAW_DEFAULT)))
		return;
	snprintf(buf, sizeof buf, "+%-*lld", add_w, (long long)row->n_added);
	if (!put(p, y, &x, buf, ROLE_(DRAW_DIFF_ADD)))
		return;
	snprintf(buf, sizeof buf, " ~%-*lld", chg_w, (long long)row->n_changed);
	if (!put(p, y, &x, buf, ROLE_(DRAW_DIFF_CHANGE)))
		return;
	snprintf(buf, sizeof buf, " -%-*lld ", rem_w, (long long)row->n_removed);
	if (!put(p, y, &x, buf, ROLE_(DRAW_DIFF_REMOVE)))
		return;
	if (!put(p, y, &x, row->pinned ? "*" : " ", ROLE_(DRAW_PIN)))
		return;
	/* Capture errors since the snapshot before: " !3", blank when none. */
	if (err_w > 0) {
		int w = err_w < 22 ? err_w : 22;   /* a count has at most 20 digits */
		if (errors > 0)
			snprintf(buf, sizeof buf, " !%-*lld", w - 2, (long long)errors);
		else
			snprintf(buf, sizeof buf, "%*s", w, "");
		if (!put(p, y, &x, buf, ROLE_(DRAW_ERROR)))
			return;
	}
	/* The origin only where there is room for it: at 80 columns the tags
	 * and the description say more. */
	if (p->w >= ORIGIN_MIN_WIDTH) {
		static const char *const origin[] = { " manual", " auto  ", " import" };
		if (!put(p, y, &x, row->origin <= SS_ORIGIN_IMPORT ? origin[row->origin] : " ?     ",
		         ROLE_(DRAW_META)))
			return;
	}
	for (size_t i = 0; i < row->n_tags; i++) {
		if (!put(p, y, &x, i == 0 ? " [" : ",", ROLE_(DRAW_TAG)) ||
		    !put_data(p, y, &x, row->tags[i], ROLE_(DRAW_TAG)))
			return;
		if (i + 1 == row->n_tags && !put(p, y, &x, "]", ROLE_(DRAW_TAG)))
			return;
	}
	if (row->description && *row->description) {
		if (!put(p, y, &x, " ", ROLE_(DRAW_DEFAULT)))
			return;
		put_data(p, y, &x, row->description, ROLE_(DRAW_DEFAULT));
	}
#undef ROLE_
}

static void timeline_draw(struct pane *p)
{
	struct timeline *t = p->priv;
	if (p->h <= 0 || p->w <= 0)
		return;
	if (t->win.n == 0) {
		draw_str(stdscr, p->y, p->x, p->w, "no snapshots in this session yet", DRAW_META);
		return;
	}
	/* Column widths from the rows on screen: aligned within a page. */
	int seq_w = 1, add_w = 1, chg_w = 1, rem_w = 1;
	for (size_t i = 0; i < t->win.n; i++) {
		const ss_snapshot *r = &t->win.v[i];
		seq_w = digits(r->seq) > seq_w ? digits(r->seq) : seq_w;
		add_w = digits(r->n_added) > add_w ? digits(r->n_added) : add_w;
		chg_w = digits(r->n_changed) > chg_w ? digits(r->n_changed) : chg_w;
		rem_w = digits(r->n_removed) > rem_w ? digits(r->n_removed) : rem_w;
	}
	/* The error column: " !N" wide enough for the largest count on
	 * screen, absent when no row has any (or the pane is narrow). */
	int err_w = 0;
	bool marks = p->w >= ERRMARK_MIN_WIDTH;
	if (marks) {
		errmarks_update(p);
		marks = t->errs.n == t->win.n;
	}
	for (size_t i = 0; marks && i < t->win.n; i++)
		if (t->errs.counts[i] > 0 && digits(t->errs.counts[i]) + 2 > err_w)
			err_w = digits(t->errs.counts[i]) + 2;
	for (size_t i = 0; i < t->win.n && (int)i < p->h; i++)
		draw_row(p, p->y + (int)i, &t->win.v[i], i == t->sel, seq_w, add_w, chg_w, rem_w,
		         err_w, marks ? t->errs.counts[i] : 0);
}

/* ---- operations ----------------------------------------------------------- */

static ss_status timeline_open(struct pane *p)
{
	struct timeline *t = p->priv;
	t->opened = true;
	t->filter = (struct filter){ .since = SS_TIME_NONE, .until = SS_TIME_NONE };
	/* The newest is selected at start: follow it (DESIGN, Live). */
	p->br->follow = true;
	/* The first page: the newest snapshots, the newest selected, as a
	 * timeline opens on "now". */
	if (p->h > 0) {
		struct rows page;
		ss_status st = fetch(p, true, true, 0, 0, p->h, &page);
		if (st != SS_OK)
			return st;
		rows_reverse(&page);
		if (page.n == 0) {
			rows_free(&page);
			publish(p);
			return SS_OK;
		}
		t->position = p->br->total;
		cut_window(p, &page, page.n - 1, p->h - 1);
	}
	return SS_OK;
}

static void timeline_done(struct pane *p)
{
	struct timeline *t = p->priv;
	rows_free(&t->win);
	filter_clear(&t->filter);
	errmarks_free(&t->errs);
	p->br->selected = NULL;
	p->br->filter_shown = NULL;
}

static void timeline_resize(struct pane *p)
{
	struct timeline *t = p->priv;
	if (p->h <= 0 || !t->opened)
		return;
	if (!t->anchored) {
		/* Never had rows on screen (opened while too small): load now. */
		if (t->win.n == 0)
			go_end(p, true);
		return;
	}
	int line = (int)t->sel < p->h ? (int)t->sel : p->h - 1;
	reanchor(p, line);
}

/* A move by the user: leaving the newest row stops following. */
static void moved(struct pane *p)
{
	if (p->br->position != p->br->total)
		p->br->follow = false;
}

static enum action timeline_request(struct pane *p, enum action act)
{
	struct timeline *t = p->priv;
	struct browser *br = p->br;
	switch (act) {
	case ACT_MOVE_DOWN:
		scroll_by(p, 1);
		break;
	case ACT_MOVE_UP:
		scroll_by(p, -1);
		break;
	case ACT_PAGE_DOWN:
		scroll_by(p, p->h > 1 ? p->h : 1);
		break;
	case ACT_PAGE_UP:
		scroll_by(p, p->h > 1 ? -p->h : -1);
		break;
	case ACT_FIRST:
		go_end(p, false);
		break;
	case ACT_LAST:
		go_end(p, true);
		break;
	case ACT_MARK:
		toggle_mark(p);
		return ACT_NONE;
	case ACT_DIFF:
		/* The browser opens the view; the timeline only says which. */
		return pick_diff(p) ? ACT_DIFF : ACT_NONE;
	case ACT_GOTO:
		ask(p, ASK_GOTO, "go to (time or #id): ", NULL);
		return ACT_NONE;
	case ACT_FILTER:
		ask(p, ASK_FILTER, "filter (tag:T since:T until:T is:pinned text): ", t->filter.spec);
		return ACT_NONE;
	case ACT_TAG:
	case ACT_UNTAG:
	case ACT_DESCRIBE:
	case ACT_DELETE:
		ask_about_row(p, act);
		return ACT_NONE;
	case ACT_PIN:
		toggle_pin(p);
		return ACT_NONE;
	case ACT_EXPORT: {
		char label[128];
		export_label(p, selected_row(p), label, sizeof label);
		ask(p, ASK_EXPORT, label, EXPORT_DEFAULT_NAME);
		return ACT_NONE;
	}
	case ACT_FOLLOW:
		br->follow = !br->follow;
		if (br->follow)
			go_end(p, true);
		browser_message(br, DRAW_META, br->follow ? "following the newest snapshot"
		                                          : "follow off");
		return ACT_NONE;
	case ACT_CLOSE:
		if (t->mark_id) {
			t->mark_id = 0;
			browser_message(br, DRAW_META, "mark cleared");
			return ACT_NONE;
		}
		return act;
	default:
		return act;
	}
	moved(p);
	return ACT_NONE;
}

const char *timeline_mark_label(const struct pane *p, char *buf, size_t size)
{
	const struct timeline *t = p->priv;
	if (!t->mark_id)
		return NULL;
	snprintf(buf, size, "A=#%lld", (long long)t->mark_id);
	return buf;
}

static void timeline_click(struct pane *p, int row, int col)
{
	struct timeline *t = p->priv;
	(void)col;
	if (row >= 0 && (size_t)row < t->win.n) {
		scroll_by(p, (long)row - (long)t->sel);
		moved(p);
	}
}

const struct pane_ops timeline_ops = {
	.name = "timeline",
	.keymap = NULL,
	.private_size = sizeof(struct timeline),
	.open = timeline_open,
	.done = timeline_done,
	.resize = timeline_resize,
	.draw = timeline_draw,
	.request = timeline_request,
	.click = timeline_click,
	.answer = timeline_answer,
};
