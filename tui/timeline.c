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
 * window from when its height changes.
 */
#include "pane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A run of rows in time order (or reverse order while fetching). */
struct rows {
	ss_snapshot *v;
	size_t n, cap;
	ss_status err;              /* SS_NOMEM from the row callback */
};

struct timeline {
	struct rows win;            /* the rows on screen, oldest first */
	size_t sel;                 /* index of the selected row in win */
	int64_t position;           /* 1-based position of the selected row */
	int64_t anchor_id;          /* the selected row, to re-anchor on */
	int64_t anchor_at;
	bool anchored;
	int64_t published_id;       /* the id the other panes were told about */
	bool opened;                /* open() ran: resizes may fetch */
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
	ss_query_init(&q);
	q.session = p->br->session;
	q.sort = SS_SORT_TIME;
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

static void draw_row(struct pane *p, int y, const ss_snapshot *row, bool selected,
                     int seq_w, int add_w, int chg_w, int rem_w)
{
	enum draw_role cursor = p->focused ? DRAW_CURSOR : DRAW_CURSOR_IDLE;
	/* On the cursor line every part takes the cursor's role so that the
	 * highlight reads as one bar. */
#define ROLE_(r) (selected ? cursor : (r))
	char buf[64];
	int x = p->x;

	if (selected)
		draw_fill(stdscr, y, p->x, p->w, cursor);
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
	for (size_t i = 0; i < t->win.n && (int)i < p->h; i++)
		draw_row(p, p->y + (int)i, &t->win.v[i], i == t->sel, seq_w, add_w, chg_w, rem_w);
}

/* ---- operations ----------------------------------------------------------- */

static ss_status timeline_open(struct pane *p)
{
	struct timeline *t = p->priv;
	t->opened = true;
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
	p->br->selected = NULL;
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

static enum action timeline_request(struct pane *p, enum action act)
{
	switch (act) {
	case ACT_MOVE_DOWN:
		scroll_by(p, 1);
		return ACT_NONE;
	case ACT_MOVE_UP:
		scroll_by(p, -1);
		return ACT_NONE;
	case ACT_PAGE_DOWN:
		scroll_by(p, p->h > 1 ? p->h : 1);
		return ACT_NONE;
	case ACT_PAGE_UP:
		scroll_by(p, p->h > 1 ? -p->h : -1);
		return ACT_NONE;
	case ACT_FIRST:
		go_end(p, false);
		return ACT_NONE;
	case ACT_LAST:
		go_end(p, true);
		return ACT_NONE;
	default:
		return act;
	}
}

static void timeline_click(struct pane *p, int row, int col)
{
	struct timeline *t = p->priv;
	(void)col;
	if (row >= 0 && (size_t)row < t->win.n)
		scroll_by(p, (long)row - (long)t->sel);
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
};
