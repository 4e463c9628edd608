/*
 * diffview.c - the diff view pane (see diffview.h).
 *
 * The rows come from diffalign.c (no ncurses there); this file only keeps
 * a cursor over them and draws one of three layouts:
 *  - side by side: old | new, each half its own JSON, a mark column
 *    (`-` `+` `>`) and the text cut with an ellipsis at the half;
 *  - unified: one column, a changed row as its `-` line then its `+` line;
 *  - the change list, worded as `snapscope diff` prints it.
 * Narrower than SIDE_MIN_COLS the side-by-side layout shows as unified
 * (halves of 30 columns show nothing useful).  The cursor follows the same
 * row across layouts and resizes.
 *
 * Every string on screen is escaped before it gets here: the JSON with
 * SS_DUMP_SAFE (diffalign.c), paths with ss_text_escape(); the header holds
 * only numbers and times.  Drawing goes through draw.h, so wide and
 * combining characters keep the columns aligned.
 */
#include "diffview.h"

#include "diffalign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_MIN_COLS 60        /* narrower: unified only */
#define VALUE_MAX 200           /* bytes of a value in the change list before it is cut */

enum layout { LAYOUT_SIDE, LAYOUT_UNIFIED, LAYOUT_LIST, LAYOUT_COUNT };

static const char *const layout_names[LAYOUT_COUNT] = {
	[LAYOUT_SIDE] = "side by side",
	[LAYOUT_UNIFIED] = "unified",
	[LAYOUT_LIST] = "changes",
};

struct diffview {
	bool loaded;
	char error[320];            /* why nothing is shown (escaped), "" */
	int64_t old_id, new_id;
	ss_snapshot ma, mb;
	json_t *old, *new_;
	ss_diff diff;
	struct da_result res;
	struct da_range *exp;       /* folds the user opened */
	size_t n_exp, cap_exp;
	struct da_uline *uni;
	size_t n_uni;
	char **clist;               /* one line per change */
	char **cpath;               /* the path of each change, jq form, escaped */
	size_t n_changes;
	enum layout layout;         /* chosen with `v` */
	enum layout shown;          /* what the cursor indexes (narrow: unified) */
	size_t cursor, top;
	int hscroll;                /* columns scrolled off the left of each side */
};

/* ---- loading ------------------------------------------------------------ */

static void free_lists(struct diffview *s)
{
	for (size_t i = 0; i < s->n_changes; i++) {
		if (s->clist)
			free(s->clist[i]);
		if (s->cpath)
			free(s->cpath[i]);
	}
	free(s->clist);
	free(s->cpath);
	s->clist = s->cpath = NULL;
	s->n_changes = 0;
	free(s->uni);
	s->uni = NULL;
	s->n_uni = 0;
	da_result_free(&s->res);
}

static void unload(struct diffview *s)
{
	free_lists(s);
	free(s->exp);
	s->exp = NULL;
	s->n_exp = s->cap_exp = 0;
	json_decref(s->old);
	json_decref(s->new_);
	s->old = s->new_ = NULL;
	ss_diff_clear(&s->diff);
	ss_snapshot_clear(&s->ma);
	ss_snapshot_clear(&s->mb);
	s->loaded = false;
	s->error[0] = '\0';
}

/* The rows and the unified lines, with the folds the user opened. */
static bool build_rows(struct diffview *s)
{
	free(s->uni);
	s->uni = NULL;
	s->n_uni = 0;
	da_result_free(&s->res);
	struct da_opts o = { .context = DA_CONTEXT_DEFAULT, .fold_min = DA_FOLD_MIN_DEFAULT,
	                     .expanded = s->exp, .n_expanded = s->n_exp };
	if (da_build(s->old, s->new_, &s->diff, &o, &s->res) != SS_OK)
		return false;
	return da_unified(&s->res, &s->uni, &s->n_uni);
}

static bool build_changes(struct diffview *s)
{
	size_t n = s->diff.n;
	s->clist = calloc(n + 1, sizeof *s->clist);
	s->cpath = calloc(n + 1, sizeof *s->cpath);
	if (!s->clist || !s->cpath)
		return false;
	s->n_changes = n;
	for (size_t i = 0; i < n; i++) {
		const ss_change *c = &s->diff.changes[i];
		s->clist[i] = da_change_line(c, VALUE_MAX);
		char *jq = ss_path_format_jq(&c->path);
		s->cpath[i] = jq ? ss_text_escape(jq, strlen(jq)) : NULL;
		free(jq);
		if (!s->clist[i] || !s->cpath[i])
			return false;
	}
	return true;
}

/* The row of the first line of change c; SIZE_MAX when it has none. */
static size_t anchor_row(const struct diffview *s, size_t c)
{
	for (size_t i = 0; i < s->res.n_rows; i++)
		if (s->res.rows[i].first && s->res.rows[i].change == (int32_t)c)
			return i;
	return SIZE_MAX;
}

static size_t first_change_row(const struct diffview *s)
{
	for (size_t i = 0; i < s->res.n_rows; i++)
		if (s->res.rows[i].first)
			return i;
	return 0;
}

void diffview_open(struct pane *p, int64_t old_id, int64_t new_id)
{
	struct diffview *s = p->priv;
	unload(s);
	s->old_id = old_id;
	s->new_id = new_id;
	s->layout = s->shown = LAYOUT_SIDE;
	s->cursor = s->top = 0;
	s->hscroll = 0;
	ss_manager *mgr = p->br->mgr;
	ss_status st = ss_get(mgr, old_id, &s->old, &s->ma);
	if (st == SS_OK)
		st = ss_get(mgr, new_id, &s->new_, &s->mb);
	if (st == SS_OK)
		st = ss_diff_snapshots(mgr, old_id, new_id, NULL, &s->diff);
	if (st != SS_OK) {
		const char *msg = ss_errmsg(mgr);
		char *safe = ss_text_escape(msg, strlen(msg));
		snprintf(s->error, sizeof s->error, "cannot diff #%lld and #%lld: %s",
		         (long long)old_id, (long long)new_id,
		         safe && *safe ? safe : ss_status_str(st));
		free(safe);
		browser_error(p->br, "diff", st);
		return;
	}
	if (!build_changes(s) || !build_rows(s)) {
		free_lists(s);
		snprintf(s->error, sizeof s->error, "out of memory diffing #%lld and #%lld",
		         (long long)old_id, (long long)new_id);
		browser_message(p->br, DRAW_ERROR, "diff: out of memory");
		return;
	}
	s->loaded = true;
	s->cursor = first_change_row(s);
}

/* ---- positions across layouts -------------------------------------------- */

static enum layout effective(const struct pane *p)
{
	const struct diffview *s = p->priv;
	if (s->layout == LAYOUT_SIDE && p->w < SIDE_MIN_COLS)
		return LAYOUT_UNIFIED;
	return s->layout;
}

static size_t line_count(const struct diffview *s, enum layout l)
{
	switch (l) {
	case LAYOUT_SIDE: return s->res.n_rows;
	case LAYOUT_UNIFIED: return s->n_uni;
	case LAYOUT_LIST: return s->n_changes;
	default: return 0;
	}
}

/* The aligned row a line of layout l stands for. */
static size_t row_of(const struct diffview *s, enum layout l, size_t line)
{
	switch (l) {
	case LAYOUT_SIDE:
		return line;
	case LAYOUT_UNIFIED:
		return line < s->n_uni ? s->uni[line].row : 0;
	case LAYOUT_LIST: {
		size_t r = anchor_row(s, line);
		return r == SIZE_MAX ? 0 : r;
	}
	default:
		return 0;
	}
}

/* The line of layout l that shows row r (the change list: the change the
 * row belongs to, or the last one before it). */
static size_t line_of(const struct diffview *s, enum layout l, size_t r)
{
	switch (l) {
	case LAYOUT_SIDE:
		return r;
	case LAYOUT_UNIFIED: {
		size_t lo = 0, hi = s->n_uni;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (s->uni[mid].row < r)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < s->n_uni ? lo : (s->n_uni ? s->n_uni - 1 : 0);
	}
	case LAYOUT_LIST:
		for (size_t i = r + 1; i-- > 0;)
			if (i < s->res.n_rows && s->res.rows[i].change >= 0)
				return (size_t)s->res.rows[i].change;
		return 0;
	default:
		return 0;
	}
}

static int header_lines(const struct pane *p)
{
	return p->h >= 6 ? 2 : p->h >= 3 ? 1 : 0;
}

static size_t body_height(const struct pane *p)
{
	int h = p->h - header_lines(p);
	return h > 0 ? (size_t)h : 0;
}

/* Keep the cursor inside the lines and on screen. */
static void clamp(struct pane *p)
{
	struct diffview *s = p->priv;
	size_t n = line_count(s, s->shown), bh = body_height(p);
	if (s->cursor >= n)
		s->cursor = n ? n - 1 : 0;
	if (bh == 0) {
		s->top = s->cursor;
		return;
	}
	if (s->cursor < s->top)
		s->top = s->cursor;
	if (s->cursor >= s->top + bh)
		s->top = s->cursor - bh + 1;
	if (n > bh && s->top > n - bh)
		s->top = n - bh;
	if (n <= bh)
		s->top = 0;
}

/* The layout shown changed (`v`, a resize): move the cursor along. */
static void sync_layout(struct pane *p)
{
	struct diffview *s = p->priv;
	enum layout now = effective(p);
	if (now == s->shown)
		return;
	size_t r = row_of(s, s->shown, s->cursor);
	s->shown = now;
	s->cursor = line_of(s, now, r);
	s->top = s->cursor > body_height(p) / 2 ? s->cursor - body_height(p) / 2 : 0;
	clamp(p);
}

/* ---- drawing --------------------------------------------------------------- */

static enum draw_role kind_role(enum da_kind k)
{
	switch (k) {
	case DA_CHANGED: return DRAW_DIFF_CHANGE;
	case DA_ADDED: return DRAW_DIFF_ADD;
	case DA_REMOVED: return DRAW_DIFF_REMOVE;
	case DA_MOVED: return DRAW_DIFF_CHANGE;
	case DA_FOLD: return DRAW_META;
	case DA_SAME: break;
	}
	return DRAW_DIFF_CONTEXT;
}

static char side_mark(enum da_kind k, bool right)
{
	switch (k) {
	case DA_CHANGED: return right ? '+' : '-';
	case DA_ADDED: return '+';
	case DA_REMOVED: return '-';
	case DA_MOVED: return '>';
	default: return ' ';
	}
}

/* Skip `cols` columns of s (horizontal scroll): the byte offset where the
 * visible part starts.  A wide character straddling the edge goes whole,
 * and combining marks go with their base. */
static size_t skip_cols(const char *s, size_t len, int cols)
{
	size_t i = 0;
	int w = 0;
	while (i < len && w < cols) {
		wchar_t wc;
		int cw;
		i += draw_decode(s + i, len - i, &wc, &cw);
		w += cw;
	}
	while (i < len) {
		wchar_t wc;
		int cw;
		size_t n = draw_decode(s + i, len - i, &wc, &cw);
		if (cw != 0)
			break;
		i += n;
	}
	return i;
}

/* A mark column and then text, in `cols` columns from x. */
static void draw_cell(int y, int x, int cols, char mark, const char *txt, size_t len, int hscroll,
                      enum draw_role role)
{
	if (cols <= 0)
		return;
	char m[2] = { mark, '\0' };
	draw_str(stdscr, y, x, 1, m, role);
	size_t off = skip_cols(txt, len, hscroll);
	draw_text(stdscr, y, x + 1, cols - 1, txt + off, len - off, role);
}

static void draw_fold(int y, int x, int cols, const struct da_row *row, enum draw_role role)
{
	char buf[96];
	snprintf(buf, sizeof buf, " %s %llu unchanged line%s", MB_CUR_MAX > 1 ? "\xe2\x8b\xaf" : "...",
	         (unsigned long long)row->count, row->count == 1 ? "" : "s");
	draw_str(stdscr, y, x, cols, buf, role);
}

static void draw_side(struct pane *p, int y, size_t line, bool cursor)
{
	const struct diffview *s = p->priv;
	const struct da_row *row = &s->res.rows[line];
	int half = (p->w - 1) / 2, rx = p->x + half + 1, rw = p->w - half - 1;
	if (cursor)
		draw_fill(stdscr, y, p->x, p->w, DRAW_CURSOR);
	if (row->kind == DA_FOLD) {
		draw_fold(y, p->x, p->w, row, cursor ? DRAW_CURSOR : DRAW_META);
		return;
	}
	size_t len;
	const char *t;
	if (row->has_left) {
		t = da_left(&s->res, row, &len);
		draw_cell(y, p->x, half, side_mark(row->kind, false), t, len, s->hscroll,
		          cursor ? DRAW_CURSOR : kind_role(row->kind));
	}
	draw_vline(stdscr, y, p->x + half, 1, cursor ? DRAW_CURSOR : DRAW_BORDER);
	if (row->has_right) {
		t = da_right(&s->res, row, &len);
		draw_cell(y, rx, rw, side_mark(row->kind, true), t, len, s->hscroll,
		          cursor ? DRAW_CURSOR : kind_role(row->kind));
	}
}

static void draw_unified(struct pane *p, int y, size_t line, bool cursor)
{
	const struct diffview *s = p->priv;
	const struct da_uline *u = &s->uni[line];
	const struct da_row *row = &s->res.rows[u->row];
	if (cursor)
		draw_fill(stdscr, y, p->x, p->w, DRAW_CURSOR);
	if (row->kind == DA_FOLD) {
		draw_fold(y, p->x, p->w, row, cursor ? DRAW_CURSOR : DRAW_META);
		return;
	}
	enum draw_role role = u->mark == '-' ? DRAW_DIFF_REMOVE : u->mark == '+' ? DRAW_DIFF_ADD
	                    : u->mark == '>' ? DRAW_DIFF_CHANGE : DRAW_DIFF_CONTEXT;
	size_t len;
	const char *t = u->right ? da_right(&s->res, row, &len) : da_left(&s->res, row, &len);
	draw_cell(y, p->x, p->w, u->mark, t, len, s->hscroll, cursor ? DRAW_CURSOR : role);
}

static void draw_list(struct pane *p, int y, size_t line, bool cursor)
{
	const struct diffview *s = p->priv;
	const char *t = s->clist[line];
	enum draw_role role = t[0] == '+' ? DRAW_DIFF_ADD : t[0] == '-' ? DRAW_DIFF_REMOVE
	                    : DRAW_DIFF_CHANGE;
	if (cursor)
		draw_fill(stdscr, y, p->x, p->w, DRAW_CURSOR);
	size_t len = strlen(t), off = skip_cols(t, len, s->hscroll);
	draw_text(stdscr, y, p->x, p->w, t + off, len - off, cursor ? DRAW_CURSOR : role);
}

/* "#12 seq 5 2026-11-25 14:03:10" or, short, "#12". */
static void describe(const ss_snapshot *m, bool full, char *buf, size_t size)
{
	char when[64];
	ss_time_format_local(m->created_at, when, sizeof when);
	if (full)
		snprintf(buf, size, "#%lld seq %lld %s", (long long)m->id, (long long)m->seq, when);
	else
		snprintf(buf, size, "#%lld", (long long)m->id);
}

static void draw_header(struct pane *p)
{
	const struct diffview *s = p->priv;
	int hl = header_lines(p);
	if (hl == 0)
		return;
	char a[128], b[128], line[512];
	draw_fill(stdscr, p->y, p->x, p->w, DRAW_HEADER);
	for (int full = 1; full >= 0; full--) {
		describe(&s->ma, full, a, sizeof a);
		describe(&s->mb, full, b, sizeof b);
		snprintf(line, sizeof line, " %s -> %s  +%zu ~%zu -%zu  [%s]", a, b, s->diff.n_added,
		         s->diff.n_changed, s->diff.n_removed, layout_names[s->shown]);
		if (draw_width(line, strlen(line)) <= p->w)
			break;
	}
	draw_str(stdscr, p->y, p->x, p->w, line, DRAW_HEADER);
	if (hl < 2)
		return;
	/* The path of the change under the cursor. */
	size_t r = row_of(s, s->shown, s->cursor);
	int32_t c = s->shown == LAYOUT_LIST ? (int32_t)s->cursor
	          : r < s->res.n_rows ? s->res.rows[r].change : -1;
	if (c >= 0 && (size_t)c < s->n_changes) {
		snprintf(line, sizeof line, " %c %s", s->clist[c][0], s->cpath[c]);
		draw_str(stdscr, p->y + 1, p->x, p->w, line, DRAW_META);
	} else if (s->diff.n == 0) {
		draw_str(stdscr, p->y + 1, p->x, p->w, " no changes", DRAW_META);
	}
}

static void diffview_draw(struct pane *p)
{
	struct diffview *s = p->priv;
	if (p->h <= 0 || p->w <= 0)
		return;
	if (!s->loaded) {
		draw_str(stdscr, p->y, p->x, p->w, s->error[0] ? s->error : "no diff", DRAW_ERROR);
		return;
	}
	sync_layout(p);
	clamp(p);
	draw_header(p);
	int hl = header_lines(p);
	size_t n = line_count(s, s->shown);
	for (int r = hl; r < p->h; r++) {
		size_t line = s->top + (size_t)(r - hl);
		if (line >= n)
			break;
		bool cur = line == s->cursor && p->focused;
		switch (s->shown) {
		case LAYOUT_SIDE: draw_side(p, p->y + r, line, cur); break;
		case LAYOUT_UNIFIED: draw_unified(p, p->y + r, line, cur); break;
		case LAYOUT_LIST: draw_list(p, p->y + r, line, cur); break;
		default: break;
		}
	}
}

/* ---- actions ---------------------------------------------------------------- */

static void move_to(struct pane *p, long line)
{
	struct diffview *s = p->priv;
	long n = (long)line_count(s, s->shown);
	if (line >= n)
		line = n - 1;
	if (line < 0)
		line = 0;
	s->cursor = (size_t)line;
	clamp(p);
}

/* Does line `line` of the shown layout start a change? */
static bool starts_change(const struct diffview *s, size_t line)
{
	if (s->shown == LAYOUT_LIST)
		return true;
	size_t r = row_of(s, s->shown, line);
	if (r >= s->res.n_rows || !s->res.rows[r].first)
		return false;
	/* In the unified layout a changed row is two lines: stop at the first. */
	return s->shown != LAYOUT_UNIFIED || line == 0 || s->uni[line - 1].row != r;
}

static void jump_change(struct pane *p, int dir)
{
	struct diffview *s = p->priv;
	size_t n = line_count(s, s->shown);
	for (size_t i = s->cursor; dir > 0 ? i + 1 < n : i > 0;) {
		i = dir > 0 ? i + 1 : i - 1;
		if (starts_change(s, i)) {
			s->cursor = i;
			/* Show the change with some lines above it. */
			size_t bh = body_height(p);
			if (i < s->top || i >= s->top + bh)
				s->top = i > bh / 3 ? i - bh / 3 : 0;
			clamp(p);
			return;
		}
	}
	browser_message(p->br, DRAW_META, dir > 0 ? "no further change" : "no earlier change");
}

/* Enter or Space: open the fold under the cursor; in the change list, show
 * that change side by side. */
static void open_here(struct pane *p)
{
	struct diffview *s = p->priv;
	if (s->shown == LAYOUT_LIST) {
		size_t r = anchor_row(s, s->cursor);
		s->layout = LAYOUT_SIDE;
		s->shown = effective(p);
		s->cursor = line_of(s, s->shown, r == SIZE_MAX ? 0 : r);
		size_t bh = body_height(p);
		s->top = s->cursor > bh / 3 ? s->cursor - bh / 3 : 0;
		clamp(p);
		return;
	}
	size_t r = row_of(s, s->shown, s->cursor);
	if (r >= s->res.n_rows || s->res.rows[r].kind != DA_FOLD)
		return;
	struct da_range range = { s->res.rows[r].vline, s->res.rows[r].count };
	if (s->n_exp == s->cap_exp) {
		size_t cap = s->cap_exp ? s->cap_exp * 2 : 8;
		struct da_range *e = realloc(s->exp, cap * sizeof *e);
		if (!e) {
			browser_message(p->br, DRAW_ERROR, "out of memory");
			return;
		}
		s->exp = e;
		s->cap_exp = cap;
	}
	s->exp[s->n_exp++] = range;
	if (!build_rows(s)) {
		free_lists(s);
		s->loaded = false;
		snprintf(s->error, sizeof s->error, "out of memory expanding the diff");
		return;
	}
	/* The cursor on the first line that was folded. */
	size_t row = 0;
	for (size_t i = 0; i < s->res.n_rows; i++)
		if (s->res.rows[i].vline >= range.start) {
			row = i;
			break;
		}
	s->cursor = line_of(s, s->shown, row);
	clamp(p);
}

static enum action diffview_request(struct pane *p, enum action act)
{
	struct diffview *s = p->priv;
	if (!s->loaded)
		return act == ACT_CLOSE || act == ACT_QUIT || act == ACT_HELP || act == ACT_REDRAW
		       ? act : ACT_NONE;
	sync_layout(p);
	long page = body_height(p) > 1 ? (long)body_height(p) - 1 : 1;
	switch (act) {
	case ACT_MOVE_DOWN: move_to(p, (long)s->cursor + 1); return ACT_NONE;
	case ACT_MOVE_UP: move_to(p, (long)s->cursor - 1); return ACT_NONE;
	case ACT_PAGE_DOWN: move_to(p, (long)s->cursor + page); return ACT_NONE;
	case ACT_PAGE_UP: move_to(p, (long)s->cursor - page); return ACT_NONE;
	case ACT_FIRST: move_to(p, 0); return ACT_NONE;
	case ACT_LAST: move_to(p, (long)line_count(s, s->shown)); return ACT_NONE;
	case ACT_NEXT_MATCH: jump_change(p, 1); return ACT_NONE;
	case ACT_PREV_MATCH: jump_change(p, -1); return ACT_NONE;
	case ACT_OPEN:
	case ACT_TOGGLE_FOLD:
		open_here(p);
		return ACT_NONE;
	case ACT_COLLAPSE: /* h, Left: scroll left */
		s->hscroll = s->hscroll > 8 ? s->hscroll - 8 : 0;
		return ACT_NONE;
	case ACT_EXPAND: /* l, Right: scroll right */
		if (s->hscroll < 1 << 20)
			s->hscroll += 8;
		return ACT_NONE;
	case ACT_TOGGLE_LAYOUT:
		/* Narrow, side by side is shown as unified: skip to the list. */
		s->layout = (enum layout)((s->layout + 1) % LAYOUT_COUNT);
		if (p->w < SIDE_MIN_COLS && s->layout == LAYOUT_SIDE)
			s->layout = LAYOUT_UNIFIED;
		else if (p->w < SIDE_MIN_COLS && s->layout == LAYOUT_UNIFIED && s->shown == LAYOUT_UNIFIED)
			s->layout = LAYOUT_LIST;
		sync_layout(p);
		return ACT_NONE;
	default:
		return act;
	}
}

static void diffview_resize(struct pane *p)
{
	struct diffview *s = p->priv;
	if (!s->loaded)
		return;
	sync_layout(p);
	clamp(p);
}

static void diffview_done(struct pane *p)
{
	unload(p->priv);
}

/* The diff stays on the two snapshots it was opened for: moving in the
 * timeline behind it changes nothing here. */
static void diffview_select(struct pane *p, const ss_snapshot *row)
{
	(void)p;
	(void)row;
}

static void diffview_click(struct pane *p, int row, int col)
{
	struct diffview *s = p->priv;
	(void)col;
	int hl = header_lines(p);
	if (!s->loaded || row < hl)
		return;
	move_to(p, (long)s->top + (row - hl));
}

/* `v` cycles the layouts; Esc and q close the view (the browser does it),
 * as they close the help: q does not quit from under an open view. */
static const struct keybinding diffview_bindings[] = {
	{ 'v', ACT_TOGGLE_LAYOUT },
	{ 27, ACT_CLOSE },
	{ 'q', ACT_CLOSE },
	{ '\n', ACT_OPEN },
	{ KEY_ENTER, ACT_OPEN },
	{ ' ', ACT_TOGGLE_FOLD },
	{ 'n', ACT_NEXT_MATCH },
	{ 'N', ACT_PREV_MATCH },
	{ 'h', ACT_COLLAPSE },
	{ KEY_LEFT, ACT_COLLAPSE },
	{ 'l', ACT_EXPAND },
	{ KEY_RIGHT, ACT_EXPAND },
};

static const struct keymap diffview_keymap = {
	.name = "diff",
	.bindings = diffview_bindings,
	.n = sizeof diffview_bindings / sizeof diffview_bindings[0],
};

const struct pane_ops diffview_ops = {
	.name = "diff",
	.keymap = &diffview_keymap,
	.private_size = sizeof(struct diffview),
	.done = diffview_done,
	.resize = diffview_resize,
	.draw = diffview_draw,
	.request = diffview_request,
	.select = diffview_select,
	.click = diffview_click,
};
