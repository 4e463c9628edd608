/*
 * historyview.c - `H`: the history of one value, every snapshot of the
 * session where it appeared, changed or disappeared (ss_history), one row
 * each: time, seq, old -> new.  When the value is a number, a sparkline of
 * its values over time heads the list.  Enter selects that snapshot in the
 * timeline; Esc or q closes.
 *
 * Values are kept as their compact JSON (SS_DUMP_SAFE: nothing from the
 * data can reach the terminal as a control), cut to HV_TEXT_MAX bytes: a
 * row shows a few dozen columns of each, and the root of a large state must
 * not be held once per snapshot.  A history longer than HV_ENTRIES_MAX
 * rows stops there and says so.
 */
#include "pane.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HV_TEXT_MAX 512
#define HV_ENTRIES_MAX 100000

struct hentry {
	int64_t id, seq, at;
	ss_change_kind kind;
	char *old_text;             /* NULL when the value appeared */
	char *new_text;             /* NULL when it disappeared */
	bool numeric;               /* new value is a number */
	double num;
};

struct historyview {
	struct hentry *v;
	size_t n, cap;
	size_t sel, top;
	char *path_shown;           /* jq form, escaped */
	bool truncated;             /* stopped at HV_ENTRIES_MAX */
	bool nomem;
};

static void entries_free(struct historyview *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].old_text);
		free(h->v[i].new_text);
	}
	free(h->v);
	free(h->path_shown);
	*h = (struct historyview){ 0 };
}

/* The compact, terminal-safe JSON of v, cut on a character boundary. */
static char *value_text(const json_t *v, bool *nomem)
{
	if (!v)
		return NULL;
	size_t len;
	char *s = ss_json_dump(v, SS_DUMP_SAFE, &len);
	if (!s) {
		*nomem = true;
		return NULL;
	}
	if (len > HV_TEXT_MAX) {
		size_t cut = HV_TEXT_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		s[cut] = '\0';
	}
	return s;
}

static int collect(const ss_history_entry *e, void *user_data)
{
	struct historyview *h = user_data;
	if (h->n == HV_ENTRIES_MAX) {
		h->truncated = true;
		return 1;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct hentry *v = realloc(h->v, cap * sizeof *v);
		if (!v) {
			h->nomem = true;
			return 1;
		}
		h->v = v;
		h->cap = cap;
	}
	struct hentry *x = &h->v[h->n];
	*x = (struct hentry){ .id = e->snapshot_id, .seq = e->seq, .at = e->created_at,
	                      .kind = e->kind };
	x->old_text = value_text(e->old_value, &h->nomem);
	x->new_text = value_text(e->new_value, &h->nomem);
	if (e->new_value && json_is_number(e->new_value)) {
		x->numeric = true;
		x->num = json_number_value(e->new_value);
	}
	h->n++;
	return h->nomem;
}

ss_status historyview_open(struct pane *p, const ss_path *path)
{
	struct historyview *h = p->priv;
	entries_free(h);
	char *jq = ss_path_format_jq(path);
	h->path_shown = jq ? ss_text_escape(jq, strlen(jq)) : NULL;
	free(jq);
	if (!h->path_shown) {
		browser_message(p->br, DRAW_ERROR, "out of memory");
		return SS_NOMEM;
	}
	ss_status st = ss_history(p->br->mgr, p->br->session, path, collect, h);
	if (st == SS_OK && h->nomem)
		st = SS_NOMEM;
	if (st != SS_OK) {
		if (st == SS_NOMEM)
			browser_message(p->br, DRAW_ERROR, "history: out of memory");
		else
			browser_error(p->br, "reading the history", st);
		entries_free(h);
		return st;
	}
	/* The newest change first under the cursor: "when did it last
	 * change" is the usual question. */
	h->sel = h->n ? h->n - 1 : 0;
	h->top = 0;
	if (p->ops->resize)
		p->ops->resize(p);
	return SS_OK;
}

int64_t historyview_selected(const struct pane *p)
{
	const struct historyview *h = p->priv;
	return h->n ? h->v[h->sel].id : 0;
}

/* Rows for the list: the pane less its header and the sparkline row. */
static int list_rows(const struct pane *p)
{
	const struct historyview *h = p->priv;
	bool spark = false;
	for (size_t i = 0; i < h->n && !spark; i++)
		spark = h->v[i].numeric;
	int rows = p->h - 1 - (spark ? 1 : 0);
	return rows > 0 ? rows : 0;
}

static void keep_visible(struct pane *p)
{
	struct historyview *h = p->priv;
	size_t rows = (size_t)list_rows(p);
	if (rows == 0)
		return;
	if (h->sel < h->top)
		h->top = h->sel;
	if (h->sel >= h->top + rows)
		h->top = h->sel - rows + 1;
	if (h->n > rows && h->top > h->n - rows)
		h->top = h->n - rows;
	if (h->n <= rows)
		h->top = 0;
}

static void hv_resize(struct pane *p)
{
	keep_visible(p);
}

/* ---- drawing -------------------------------------------------------------- */

/* Eight levels of the block elements; '_' to '#' without UTF-8. */
static void draw_sparkline(struct pane *p, int y)
{
	const struct historyview *h = p->priv;
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char *const ascii[] = { "_", ".", "-", "~", "=", "+", "*", "#" };
	bool utf8 = draw_ellipsis() != L'~';
	double lo = INFINITY, hi = -INFINITY;
	size_t count = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (!h->v[i].numeric)
			continue;
		lo = h->v[i].num < lo ? h->v[i].num : lo;
		hi = h->v[i].num > hi ? h->v[i].num : hi;
		count++;
	}
	char label[96];
	snprintf(label, sizeof label, " min %.6g  max %.6g  ", lo, hi);
	int x = p->x + draw_str(stdscr, y, p->x, p->w, label, DRAW_META);
	int room = p->x + p->w - x - 1;
	if (room <= 0)
		return;
	/* The most recent values that fit, oldest on the left. */
	size_t skip = count > (size_t)room ? count - (size_t)room : 0;
	for (size_t i = 0, seen = 0; i < h->n && x < p->x + p->w - 1; i++) {
		if (!h->v[i].numeric || seen++ < skip)
			continue;
		int level = hi > lo ? (int)((h->v[i].num - lo) / (hi - lo) * 7.0 + 0.5) : 3;
		level = level < 0 ? 0 : level > 7 ? 7 : level;
		x += draw_str(stdscr, y, x, 1, utf8 ? blocks[level] : ascii[level],
		              h->v[i].id == historyview_selected(p) ? DRAW_MARK : DRAW_DIFF_CHANGE);
	}
}

static void format_time(int64_t ms, bool with_date, char *buf, size_t size)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	if (!localtime_r(&secs, &tm) ||
	    strftime(buf, size, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

static void draw_entry(struct pane *p, int y, const struct hentry *e, bool selected, int seq_w)
{
	enum draw_role cur = p->focused ? DRAW_CURSOR : DRAW_CURSOR_IDLE;
#define ROLE_(r) (selected ? cur : (r))
	char buf[96];
	int x = p->x, end = p->x + p->w;
	if (selected)
		draw_fill(stdscr, y, p->x, p->w, cur);
	/* One blank first, where the timeline has its mark column, so the
	 * times line up with the title's text. */
	buf[0] = ' ';
	format_time(e->at, p->br->spans_days, buf + 1, sizeof buf - 1);
	x += draw_str(stdscr, y, x, end - x, buf, ROLE_(DRAW_TIME));
	snprintf(buf, sizeof buf, " %*lld ", seq_w, (long long)e->seq);
	x += draw_str(stdscr, y, x, end - x, buf, ROLE_(DRAW_DEFAULT));
	const char *sign = e->kind == SS_CHANGE_ADDED ? "+ " : e->kind == SS_CHANGE_REMOVED ? "- " : "~ ";
	enum draw_role role = e->kind == SS_CHANGE_ADDED     ? DRAW_DIFF_ADD
	                      : e->kind == SS_CHANGE_REMOVED ? DRAW_DIFF_REMOVE
	                                                     : DRAW_DIFF_CHANGE;
	x += draw_str(stdscr, y, x, end - x, sign, ROLE_(role));
	int room = end - x;
	if (room <= 0)
		return;
	/* old -> new, each in at most half of what is left so that both
	 * show; a missing side is written as its absence. */
	const char *old_s = e->old_text ? e->old_text : "(absent)";
	const char *new_s = e->new_text ? e->new_text : "(absent)";
	int arrow = 3;
	int half = (room - arrow) / 2;
	int ow = draw_width(old_s, strlen(old_s)), nw = draw_width(new_s, strlen(new_s));
	int old_room = ow < half ? ow : half;
	if (nw < room - arrow - half)
		old_room = room - arrow - nw < ow ? room - arrow - nw : ow;
	if (old_room < 0)
		old_room = 0;
	x += draw_str(stdscr, y, x, old_room, old_s, ROLE_(e->old_text ? DRAW_DIFF_REMOVE : DRAW_META));
	x += draw_str(stdscr, y, x, end - x, " → ", ROLE_(DRAW_DEFAULT));
	draw_str(stdscr, y, x, end - x, new_s, ROLE_(e->new_text ? DRAW_DIFF_ADD : DRAW_META));
#undef ROLE_
}

static void hv_draw(struct pane *p)
{
	struct historyview *h = p->priv;
	if (p->h <= 0 || p->w <= 0)
		return;
	char title[256];
	snprintf(title, sizeof title, " history of %s - %zu change%s%s - Enter: go to, Esc: close",
	         h->path_shown ? h->path_shown : "?", h->n, h->n == 1 ? "" : "s",
	         h->truncated ? " (the first ones)" : "");
	draw_fill(stdscr, p->y, p->x, p->w, DRAW_TITLE);
	draw_str(stdscr, p->y, p->x, p->w, title, DRAW_TITLE);
	int y = p->y + 1;
	if (h->n == 0) {
		if (p->h > 1)
			draw_str(stdscr, y, p->x, p->w, " the value never existed in this session",
			         DRAW_META);
		return;
	}
	if (list_rows(p) < p->h - 1 && p->h > 1)
		draw_sparkline(p, y++);
	int rows = list_rows(p);
	/* The seq column as wide as the largest seq (the last), so rows align
	 * as the list scrolls. */
	int seq_w = snprintf(NULL, 0, "%lld", (long long)h->v[h->n - 1].seq);
	for (int r = 0; r < rows && h->top + (size_t)r < h->n; r++) {
		size_t i = h->top + (size_t)r;
		draw_entry(p, y + r, &h->v[i], i == h->sel, seq_w);
	}
}

static void move_to(struct pane *p, long target)
{
	struct historyview *h = p->priv;
	if (h->n == 0)
		return;
	if (target < 0)
		target = 0;
	if ((size_t)target >= h->n)
		target = (long)h->n - 1;
	h->sel = (size_t)target;
	keep_visible(p);
}

static enum action hv_request(struct pane *p, enum action act)
{
	struct historyview *h = p->priv;
	long page = list_rows(p) > 1 ? list_rows(p) - 1 : 1;
	switch (act) {
	case ACT_MOVE_DOWN:
		move_to(p, (long)h->sel + 1);
		return ACT_NONE;
	case ACT_MOVE_UP:
		move_to(p, (long)h->sel - 1);
		return ACT_NONE;
	case ACT_PAGE_DOWN:
		move_to(p, (long)h->sel + page);
		return ACT_NONE;
	case ACT_PAGE_UP:
		move_to(p, (long)h->sel - page);
		return ACT_NONE;
	case ACT_FIRST:
		move_to(p, 0);
		return ACT_NONE;
	case ACT_LAST:
		move_to(p, (long)h->n - 1);
		return ACT_NONE;
	case ACT_OPEN:
		/* The browser jumps the timeline there and closes the view. */
		return h->n ? ACT_OPEN : ACT_NONE;
	case ACT_CLOSE:
	case ACT_QUIT:
	case ACT_HELP:
	case ACT_REDRAW:
	case ACT_NEXT_THEME:
		return act;
	default:
		/* Timeline actions do not reach past the view. */
		return ACT_NONE;
	}
}

static void hv_click(struct pane *p, int row, int col)
{
	struct historyview *h = p->priv;
	(void)col;
	int first = p->h - list_rows(p);
	if (row >= first)
		move_to(p, (long)h->top + (row - first));
}

static void hv_done(struct pane *p)
{
	entries_free(p->priv);
}

/* In the history, q closes it rather than the browser. */
static const struct keybinding hv_bindings[] = {
	{ 'q', ACT_CLOSE },
};

static const struct keymap hv_keymap = {
	.name = "history",
	.bindings = hv_bindings,
	.n = sizeof hv_bindings / sizeof hv_bindings[0],
};

const struct pane_ops historyview_ops = {
	.name = "history",
	.keymap = &hv_keymap,
	.private_size = sizeof(struct historyview),
	.done = hv_done,
	.resize = hv_resize,
	.draw = hv_draw,
	.request = hv_request,
	.click = hv_click,
};
