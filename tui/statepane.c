/*
 * statepane.c - the detail pane: the selected snapshot's metadata, then its
 * state as a folding JSON tree (the model is tui/jtree.c; this file draws
 * its rows and maps keys to it).
 *
 * The metadata is a few lines built once per selection, every piece of data
 * escaped with ss_text_escape: the snapshot's own, then (when automatic
 * capture failed between the snapshot before it and this one) how many
 * capture errors there were and the newest few with their reasons.  The
 * tree never turns the state into text as a whole: each frame draws only
 * the rows on screen, each scalar dumped on its own with SS_DUMP_SAFE (so
 * control, bidi and escape characters show as \uXXXX), long strings dumped
 * from a prefix only, everything cut to the width with an ellipsis by
 * draw.h.  A snapshot whose checksum fails shows "damaged: ..." and never
 * its state; a failed read shows the error.
 *
 * The fold state, the focus and the search live in the tree across
 * selections, so stepping through the timeline keeps the same view of each
 * state.  When the pane is short the metadata gives way to the tree.
 *
 * A state of LOAD_ASYNC_BYTES or more is read by the loader thread
 * (loader.h): the metadata and "loading snapshot #N…" show at once, keys
 * keep working, and the browser's loop hands the result over through
 * statepane_poll; a result for a snapshot no longer selected is dropped.
 */
#include "statepane.h"

#include "jtree.h"
#include "loader.h"
#include "ss_auto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TREE_MIN_ROWS 3         /* fewer rows for the tree: hide the metadata */
#define ROWS_MAX 512            /* rows drawn at most (taller terminals are rare) */
/* States this large (compact JSON) are read by the loader thread; smaller
 * ones read in milliseconds, and reading them here keeps the pane from
 * flashing "loading" while stepping (and scripted runs deterministic). */
#define LOAD_ASYNC_BYTES (1024 * 1024)
#define ERRORS_LISTED 3         /* capture errors shown with their reasons */

enum line_kind {
	LINE_META,
	LINE_TAGS,
	LINE_ERROR,
};

struct line {
	size_t off, len;
	enum line_kind kind;
};

enum ask { ASK_SEARCH = 1 };

struct statepane {
	int64_t id;                 /* the snapshot shown; 0: none */
	char *text;                 /* the metadata lines, back to back */
	size_t text_len, text_cap;
	struct line *lines;
	size_t n_lines, lines_cap;
	bool nomem;                 /* building the metadata ran out of memory */

	struct jtree *tree;         /* created on first use, kept for the pane's life */
	bool has_state;             /* the tree shows the selected snapshot's state */
	size_t meta_shown;          /* metadata lines on screen (layout) */
	char *status;               /* the focus's path, escaped; NULL: none */
	int64_t loading;            /* the id waited for from the loader; 0: none */
	bool no_loader;             /* it could not start: read on this thread */
};

/* ---- metadata ------------------------------------------------------------- */

static void clear_text(struct statepane *s)
{
	free(s->text);
	free(s->lines);
	s->text = NULL;
	s->lines = NULL;
	s->text_len = s->text_cap = s->n_lines = s->lines_cap = 0;
	s->nomem = false;
}

/* Append one line (newlines in it are not expected: callers escape data). */
static void add_line(struct statepane *s, enum line_kind kind, const char *txt, size_t len)
{
	if (s->nomem)
		return;
	if (s->text_len + len > s->text_cap) {
		size_t cap = s->text_cap ? s->text_cap : 1024;
		while (cap < s->text_len + len)
			cap *= 2;
		char *t = realloc(s->text, cap);
		if (!t) {
			s->nomem = true;
			return;
		}
		s->text = t;
		s->text_cap = cap;
	}
	if (s->n_lines == s->lines_cap) {
		size_t cap = s->lines_cap ? s->lines_cap * 2 : 16;
		struct line *l = realloc(s->lines, cap * sizeof *l);
		if (!l) {
			s->nomem = true;
			return;
		}
		s->lines = l;
		s->lines_cap = cap;
	}
	if (len)
		memcpy(s->text + s->text_len, txt, len);
	s->lines[s->n_lines++] = (struct line){ s->text_len, len, kind };
	s->text_len += len;
}

static void add_fmt(struct statepane *s, enum line_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_fmt(struct statepane *s, enum line_kind kind, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	add_line(s, kind, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* A line made of a label and data text, the data escaped. */
static void add_data(struct statepane *s, enum line_kind kind, const char *label,
                     const char *data)
{
	char *safe = ss_text_escape(data, strlen(data));
	if (!safe) {
		s->nomem = true;
		return;
	}
	size_t ll = strlen(label), dl = strlen(safe);
	char *buf = malloc(ll + dl + 1);
	if (!buf) {
		free(safe);
		s->nomem = true;
		return;
	}
	memcpy(buf, label, ll);
	memcpy(buf + ll, safe, dl);
	add_line(s, kind, buf, ll + dl);
	free(buf);
	free(safe);
}

static void format_size(int64_t bytes, char *buf, size_t size)
{
	if (bytes < 1024)
		snprintf(buf, size, "%lld B", (long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}

static const char *origin_name(ss_origin o)
{
	switch (o) {
	case SS_ORIGIN_MANUAL: return "manual";
	case SS_ORIGIN_AUTO: return "auto";
	case SS_ORIGIN_IMPORT: return "import";
	}
	return "?";
}

static void add_meta(struct statepane *s, const ss_snapshot *row)
{
	char local[64] = "?", raw[32], stored[32];
	time_t secs = (time_t)(row->created_at / 1000);
	struct tm tm;
	if (localtime_r(&secs, &tm))
		strftime(local, sizeof local, "%Y-%m-%d %H:%M:%S %Z", &tm);
	format_size(row->raw_size, raw, sizeof raw);
	format_size(row->stored_size, stored, sizeof stored);

	add_fmt(s, LINE_META, "snapshot #%lld  seq %lld  %s  %s%s", (long long)row->id,
	        (long long)row->seq, local, origin_name(row->origin),
	        row->pinned ? "  pinned" : "");
	if (row->kind == SS_KIND_DELTA)
		add_fmt(s, LINE_META, "+%lld ~%lld -%lld  %s, stored %s (delta on #%lld)",
		        (long long)row->n_added, (long long)row->n_changed,
		        (long long)row->n_removed, raw, stored, (long long)row->base_id);
	else
		add_fmt(s, LINE_META, "+%lld ~%lld -%lld  %s, stored %s (keyframe)",
		        (long long)row->n_added, (long long)row->n_changed,
		        (long long)row->n_removed, raw, stored);
	if (row->n_tags) {
		/* Tags joined, then escaped as one text: a tag cannot hold a
		 * comma-space that would fake a separator on screen anyway. */
		size_t len = 0;
		for (size_t i = 0; i < row->n_tags; i++)
			len += strlen(row->tags[i]) + 2;
		char *joined = malloc(len + 1);
		if (!joined) {
			s->nomem = true;
			return;
		}
		joined[0] = '\0';
		for (size_t i = 0; i < row->n_tags; i++) {
			if (i)
				strcat(joined, ", ");
			strcat(joined, row->tags[i]);
		}
		add_data(s, LINE_TAGS, "tags: ", joined);
		free(joined);
	}
	if (row->description && *row->description)
		add_data(s, LINE_META, "description: ", row->description);
}

/* The newest ERRORS_LISTED capture errors of a listing (oldest first), in a
 * ring; n counts them all. */
struct recent_errors {
	int64_t at[ERRORS_LISTED];
	char *reason[ERRORS_LISTED];
	int64_t n;
	bool nomem;
};

static int keep_recent(const ss_capture_error *e, void *user_data)
{
	struct recent_errors *r = user_data;
	size_t slot = (size_t)(r->n % ERRORS_LISTED);
	free(r->reason[slot]);
	if (!(r->reason[slot] = strdup(e->reason))) {
		r->nomem = true;
		return 1;
	}
	r->at[slot] = e->at;
	r->n++;
	return 0;
}

static int take_at(const ss_snapshot *row, void *user_data)
{
	*(int64_t *)user_data = row->created_at;
	return 1;
}

/*
 * "capture errors before this: N" and the newest few with their times and
 * reasons (escaped: a reason is a command's output), for the errors between
 * the snapshot before `row` in the session and `row`.  Nothing when there
 * were none, or when they cannot be read (the pane is about the snapshot).
 */
static void add_capture_errors(struct pane *p, const ss_snapshot *row)
{
	struct statepane *s = p->priv;
	struct browser *br = p->br;
	ss_query q;
	ss_query_init(&q);
	q.session = br->session;
	q.sort = SS_SORT_TIME;
	q.reverse = true;
	q.limit = 1;
	ss_cursor cur = { .started = true, .key = row->created_at, .id = row->id };
	int64_t prev = SS_TIME_NONE;
	if (!br->session || ss_search(br->mgr, &q, &cur, take_at, &prev) != SS_OK)
		return;
	/* (prev, created_at], as the timeline's !N counts them. */
	struct recent_errors r = { 0 };
	ss_status st = ss_capture_errors(br->mgr, br->session,
	                                 prev == SS_TIME_NONE ? SS_TIME_NONE : prev + 1,
	                                 row->created_at, 0, keep_recent, &r);
	if (st == SS_OK && r.nomem)
		s->nomem = true;
	if (st == SS_OK && !r.nomem && r.n > 0) {
		if (r.n > ERRORS_LISTED)
			add_fmt(s, LINE_ERROR, "capture errors before this: %lld (the last %d:)",
			        (long long)r.n, ERRORS_LISTED);
		else
			add_fmt(s, LINE_ERROR, "capture errors before this: %lld", (long long)r.n);
		int64_t shown = r.n < ERRORS_LISTED ? r.n : ERRORS_LISTED;
		for (int64_t i = r.n - shown; i < r.n; i++) {
			size_t slot = (size_t)(i % ERRORS_LISTED);
			char when[40] = "  ?  ";
			time_t secs = (time_t)(r.at[slot] / 1000);
			time_t row_secs = (time_t)(row->created_at / 1000);
			struct tm tm, row_tm;
			if (localtime_r(&secs, &tm)) {
				/* The date only when it is not the snapshot's day. */
				bool same_day = localtime_r(&row_secs, &row_tm) &&
				                tm.tm_year == row_tm.tm_year && tm.tm_yday == row_tm.tm_yday;
				strftime(when, sizeof when,
				         same_day ? "  %H:%M:%S  " : "  %Y-%m-%d %H:%M:%S  ", &tm);
			}
			add_data(s, LINE_META, when, r.reason[slot]);
		}
	}
	for (size_t i = 0; i < ERRORS_LISTED; i++)
		free(r.reason[i]);
}

/* ---- layout and status ---------------------------------------------------- */

/* Decide how many metadata lines show and give the tree the rest.  The
 * blank line between them counts as metadata. */
static void relayout(struct pane *p)
{
	struct statepane *s = p->priv;
	size_t h = p->h > 0 ? (size_t)p->h : 0;
	size_t meta = s->n_lines + (s->has_state && s->n_lines ? 1 : 0);
	if (s->has_state && h < meta + TREE_MIN_ROWS)
		meta = 0;
	s->meta_shown = meta < h ? meta : h;
	if (s->tree)
		jtree_set_height(s->tree, h > s->meta_shown ? h - s->meta_shown : 1);
}

/* The status line shows statepane_status() while the pane has the focus
 * (browse.c draw_status): recomputed after every change of the focus, not
 * on every frame. */
static void update_status(struct pane *p)
{
	struct statepane *s = p->priv;
	free(s->status);
	s->status = NULL;
	ss_path path = { 0 };
	if (!s->has_state || !jtree_focus_path(s->tree, &path))
		return;
	char *jq = ss_path_format_jq(&path);
	ss_path_clear(&path);
	if (!jq)
		return;
	/* jq form escapes odd keys JSON's way, which leaves bidi and C1
	 * controls alone: escape for the screen as well. */
	s->status = ss_text_escape(jq, strlen(jq));
	free(jq);
}

const char *statepane_status(struct pane *p)
{
	struct statepane *s = p->priv;
	return s && s->has_state ? s->status : NULL;
}

bool statepane_focused_path(struct pane *p, ss_path *out)
{
	struct statepane *s = p->priv;
	if (!s || !s->has_state) {
		ss_path_clear(out);
		return false;
	}
	return jtree_focus_path(s->tree, out);
}

/* ---- loading -------------------------------------------------------------- */

static bool ensure_tree(struct statepane *s)
{
	if (!s->tree)
		s->tree = jtree_new();
	return s->tree != NULL;
}

/* Show a read's outcome under the metadata.  `state` is borrowed (the tree
 * takes its own reference); it stays read-only (it may be a cache's). */
static void show_state(struct pane *p, json_t *state, ss_status st, const char *msg)
{
	struct statepane *s = p->priv;
	if (st == SS_OK) {
		s->has_state = ensure_tree(s) && jtree_set_doc(s->tree, state);
		if (!s->has_state)
			s->nomem = true;
	} else {
		/* The tree keeps the last good state (unshown): its focus
		 * path is what the next good one restores.  The message may
		 * quote data: escape it like any. */
		add_data(s, LINE_ERROR, st == SS_CORRUPT ? "damaged: " : "error: ", msg);
	}
	if (s->nomem) {
		clear_text(s);
		s->has_state = false;
		static const char oom[] = "out of memory showing this snapshot";
		add_line(s, LINE_ERROR, oom, sizeof oom - 1);
		s->nomem = false;
	}
}

/* The loader, started on the first large state; NULL (and never tried
 * again) when it cannot start: the state is then read here. */
static struct loader *get_loader(struct pane *p)
{
	struct statepane *s = p->priv;
	struct browser *br = p->br;
	if (!br->loader && !s->no_loader) {
		char err[256];
		const char *where = ss_store_location(br->mgr);
		br->loader = where ? loader_start(where, err, sizeof err) : NULL;
		s->no_loader = br->loader == NULL;
	}
	return br->loader;
}

static void load(struct pane *p, const ss_snapshot *row)
{
	struct statepane *s = p->priv;
	clear_text(s);
	s->has_state = false;
	s->loading = 0;
	s->id = row ? row->id : 0;
	if (row) {
		add_meta(s, row);
		add_capture_errors(p, row);
		struct loader *ld = row->raw_size >= LOAD_ASYNC_BYTES ? get_loader(p) : NULL;
		if (ld && !s->nomem) {
			/* The metadata shows now; the tree when the loader
			 * is done (statepane_poll).  Keys keep working. */
			loader_request(ld, row->id);
			s->loading = row->id;
			add_fmt(s, LINE_META, "loading snapshot #%lld\xe2\x80\xa6", (long long)row->id);
		} else {
			/* A large one still queued is no longer wanted. */
			if (p->br->loader)
				loader_request(p->br->loader, 0);
			json_t *state = NULL;
			ss_status st = ss_get(p->br->mgr, row->id, &state, NULL);
			show_state(p, state, st, ss_errmsg(p->br->mgr));
			json_decref(state);
		}
	}
	relayout(p);
	update_status(p);
}

bool statepane_loading(const struct pane *p)
{
	const struct statepane *s = p->priv;
	return s && s->loading != 0;
}

bool statepane_poll(struct pane *p)
{
	struct statepane *s = p->priv;
	struct loader_result r;
	if (!s || !s->loading || !p->br->loader || !loader_take(p->br->loader, &r))
		return false;
	if (r.id != s->loading) {
		/* Asked for before the user moved on. */
		json_decref(r.state);
		return false;
	}
	s->loading = 0;
	/* The last metadata line is the "loading" notice: it goes (unless
	 * building the lines ran out of memory: show_state says so). */
	if (s->n_lines && !s->nomem) {
		s->n_lines--;
		s->text_len = s->lines[s->n_lines].off;
	}
	show_state(p, r.state, r.status, r.message);
	json_decref(r.state);
	relayout(p);
	update_status(p);
	return true;
}

/* ---- drawing -------------------------------------------------------------- */

/* A piece of a row: text and its role.  `own` pieces are freed. */
struct piece {
	const char *text;
	size_t len;
	enum draw_role role;
	char *own;
};

#define PIECES_MAX 8

struct row_text {
	struct piece v[PIECES_MAX];
	size_t n;
	bool cut;                   /* the text stops short of the value's end */
};

static void piece(struct row_text *rt, const char *text, size_t len, enum draw_role role,
                  char *own)
{
	if (rt->n == PIECES_MAX) {
		free(own);
		return;
	}
	rt->v[rt->n++] = (struct piece){ text, len, role, own };
}

static void piece_str(struct row_text *rt, const char *text, enum draw_role role)
{
	piece(rt, text, strlen(text), role, NULL);
}

/* `s` as a JSON string, escaped for the terminal; NULL out of memory. */
static char *safe_string(const char *s, size_t len, size_t *out_len)
{
	json_t *j = json_stringn_nocheck(s, len);
	if (!j)
		return NULL;
	char *d = ss_json_dump(j, SS_DUMP_SAFE, out_len);
	json_decref(j);
	return d;
}

/*
 * A scalar as SS_DUMP_SAFE writes it.  A string much longer than the row
 * could show is dumped from a prefix only (cut on a character boundary),
 * so a 10 MB string costs what the screen shows; *cut says so.
 */
static char *scalar_text(const json_t *v, int cols, size_t *len, bool *cut)
{
	*cut = false;
	if (json_is_string(v)) {
		size_t n = json_string_length(v);
		/* Every column takes at least one byte of the dump, and an
		 * escape only lengthens it; zero-width characters get slack. */
		size_t limit = (size_t)(cols > 0 ? cols : 1) * 8 + 64;
		if (n > limit) {
			const char *str = json_string_value(v);
			while (limit > 0 && ((unsigned char)str[limit] & 0xC0) == 0x80)
				limit--;
			char *d = safe_string(str, limit, len);
			if (d && *len > 0) {
				d[--*len] = '\0'; /* the closing quote is not the string's end */
				*cut = true;
			}
			return d;
		}
	}
	return ss_json_dump(v, SS_DUMP_SAFE, len);
}

static enum draw_role scalar_role(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return DRAW_JSON_STRING;
	case JSON_INTEGER:
	case JSON_REAL: return DRAW_JSON_NUMBER;
	case JSON_TRUE:
	case JSON_FALSE: return DRAW_JSON_BOOL;
	default: return DRAW_JSON_NULL;
	}
}

/* The key of a search match shows in the mark role when the key is what
 * matched (else the value is); ASCII case-insensitive as jtree searches. */
static bool key_matches(const struct jtree_row *r, const char *q)
{
	size_t ql = strlen(q);
	if (!r->key || !ql || ql > r->key_len)
		return false;
	for (size_t i = 0; i + ql <= r->key_len; i++)
		if (strncasecmp(r->key + i, q, ql) == 0)
			return true;
	return false;
}

static void build_row(const struct jtree_row *r, const char *query, int cols,
                      struct row_text *rt)
{
	bool obj = json_is_object(r->value);
	bool key_hit = r->match && key_matches(r, query);
	rt->n = 0;
	rt->cut = false;
	if (r->key && r->kind != JTREE_CLOSE) {
		size_t len;
		char *k = safe_string(r->key, r->key_len, &len);
		if (k)
			piece(rt, k, len, key_hit ? DRAW_MARK : DRAW_JSON_KEY, k);
		piece_str(rt, ": ", DRAW_JSON_PUNCT);
	}
	char count[48];
	switch (r->kind) {
	case JTREE_SCALAR: {
		size_t len;
		bool cut;
		char *v = scalar_text(r->value, cols, &len, &cut);
		if (v) {
			piece(rt, v, len, r->match && !key_hit ? DRAW_MARK : scalar_role(r->value), v);
			rt->cut = cut;
		}
		break;
	}
	case JTREE_EMPTY:
		piece_str(rt, obj ? "{}" : "[]", DRAW_JSON_PUNCT);
		break;
	case JTREE_FOLDED:
		piece_str(rt, obj ? "{\xe2\x80\xa6}" : "[\xe2\x80\xa6]", DRAW_JSON_PUNCT);
		break;
	case JTREE_OPEN:
		piece_str(rt, obj ? "{" : "[", DRAW_JSON_PUNCT);
		break;
	case JTREE_CLOSE:
		piece_str(rt, obj ? "}" : "]", DRAW_JSON_PUNCT);
		break;
	}
	if (!r->last && r->kind != JTREE_OPEN && !rt->cut)
		piece_str(rt, ",", DRAW_JSON_PUNCT);
	if (r->kind == JTREE_FOLDED) {
		snprintf(count, sizeof count, " %zu %s%s", r->count, obj ? "key" : "item",
		         r->count == 1 ? "" : "s");
		char *c = strdup(count);
		if (c)
			piece(rt, c, strlen(c), DRAW_META, c);
	}
}

static void draw_row(struct pane *p, int y, const struct jtree_row *r, const char *query)
{
	int right = p->x + p->w;
	enum draw_role cursor = p->focused ? DRAW_CURSOR : DRAW_CURSOR_IDLE;
	if (r->focused)
		draw_fill(stdscr, y, p->x, p->w, cursor);

	/* Two columns a level; a level too deep for the width shows its
	 * depth in numbers instead of running the row off the screen. */
	int x = p->x;
	size_t max_indent = (size_t)(p->w / 2);
	if (r->depth * 2 <= max_indent) {
		x += (int)(r->depth * 2);
	} else {
		char lvl[32];
		snprintf(lvl, sizeof lvl, "%zu\xe2\x80\xba ", r->depth);
		int w = draw_width(lvl, strlen(lvl));
		int pad = (int)max_indent - w;
		x += pad > 0 ? pad : 0;
		x += draw_str(stdscr, y, x, right - x, lvl, r->focused ? cursor : DRAW_META);
	}

	struct row_text rt;
	build_row(r, query, right - x, &rt);
	bool stopped = false;
	for (size_t i = 0; i < rt.n; i++) {
		const struct piece *pc = &rt.v[i];
		if (!stopped) {
			int avail = right - x;
			if (draw_width(pc->text, pc->len) > avail)
				stopped = true; /* draw_text cuts it with the ellipsis */
			x += draw_text(stdscr, y, x, avail, pc->text, pc->len,
			               r->focused ? cursor : pc->role);
		}
		free(pc->own);
	}
	if (!stopped && rt.cut && x < right)
		draw_cut_mark(stdscr, y, x, r->focused ? cursor : DRAW_JSON_STRING);
}

static void state_draw(struct pane *p)
{
	struct statepane *s = p->priv;
	if (p->h <= 0 || p->w <= 0)
		return;
	if (s->n_lines == 0 && !s->has_state) {
		draw_str(stdscr, p->y, p->x, p->w, "no snapshot selected", DRAW_META);
		return;
	}
	for (size_t r = 0; r < s->meta_shown && r < s->n_lines; r++) {
		const struct line *l = &s->lines[r];
		enum draw_role role = l->kind == LINE_TAGS ? DRAW_TAG
		                    : l->kind == LINE_ERROR ? DRAW_ERROR : DRAW_META;
		draw_text(stdscr, p->y + (int)r, p->x, p->w, s->text + l->off, l->len, role);
	}
	if (!s->has_state)
		return;
	struct jtree_row rows[ROWS_MAX];
	size_t n = jtree_rows(s->tree, rows, ROWS_MAX);
	const char *query = jtree_search_text(s->tree);
	for (size_t i = 0; i < n; i++) {
		int y = p->y + (int)(s->meta_shown + i);
		if (y >= p->y + p->h)
			break;
		draw_row(p, y, &rows[i], query);
	}
}

/* ---- operations ----------------------------------------------------------- */

static void state_done(struct pane *p)
{
	struct statepane *s = p->priv;
	clear_text(s);
	jtree_free(s->tree);
	s->tree = NULL;
	free(s->status);
	s->status = NULL;
}

static void state_resize(struct pane *p)
{
	relayout(p);
}

static void search(struct pane *p, bool forward)
{
	struct statepane *s = p->priv;
	const char *q = jtree_search_text(s->tree);
	if (!*q) {
		browser_message(p->br, DRAW_ERROR, "no search yet: press /");
		return;
	}
	bool wrapped;
	if (!jtree_search_next(s->tree, forward, &wrapped)) {
		char *safe = ss_text_escape(q, strlen(q));
		browser_message(p->br, DRAW_ERROR, "not found: %s", safe ? safe : "");
		free(safe);
		return;
	}
	update_status(p);
	if (wrapped)
		browser_message(p->br, DRAW_META, "search wrapped");
}

static enum action state_request(struct pane *p, enum action act)
{
	struct statepane *s = p->priv;
	if (!s->has_state) {
		/* Nothing to move in: a message or an error only. */
		return act;
	}
	struct jtree *t = s->tree;
	long page = p->h - (int)s->meta_shown > 1 ? p->h - (int)s->meta_shown - 1 : 1;
	bool ok = true;
	switch (act) {
	case ACT_MOVE_DOWN: jtree_move(t, 1); break;
	case ACT_MOVE_UP: jtree_move(t, -1); break;
	case ACT_PAGE_DOWN: jtree_move(t, page); break;
	case ACT_PAGE_UP: jtree_move(t, -page); break;
	case ACT_FIRST: jtree_first(t); break;
	case ACT_LAST: jtree_last(t); break;
	case ACT_OPEN:
	case ACT_TOGGLE_FOLD: ok = jtree_toggle(t); break;
	case ACT_COLLAPSE: ok = jtree_collapse(t); break;
	case ACT_EXPAND: ok = jtree_expand(t); break;
	case ACT_EXPAND_ALL: ok = jtree_expand_all(t); break;
	case ACT_COLLAPSE_ALL: ok = jtree_collapse_all(t); break;
	case ACT_SEARCH:
		browser_ask(p->br, p, ASK_SEARCH, "/", NULL, false);
		return ACT_NONE;
	case ACT_NEXT_MATCH: search(p, true); break;
	case ACT_PREV_MATCH: search(p, false); break;
	default:
		return act;
	}
	if (!ok)
		browser_message(p->br, DRAW_ERROR, "out of memory");
	update_status(p);
	return ACT_NONE;
}

static void state_answer(struct pane *p, int purpose, const char *text)
{
	struct statepane *s = p->priv;
	if (purpose != ASK_SEARCH || !s->has_state)
		return;
	/* An empty answer searches again for the last text, as less does. */
	if (*text && !jtree_set_search(s->tree, text)) {
		browser_message(p->br, DRAW_ERROR, "out of memory");
		return;
	}
	search(p, true);
	update_status(p);
}

/* A click focuses a row of the tree; a click on the focused row folds or
 * unfolds it. */
static void state_click(struct pane *p, int row, int col)
{
	struct statepane *s = p->priv;
	(void)col;
	if (!s->has_state || row < (int)s->meta_shown)
		return;
	size_t off = (size_t)row - s->meta_shown;
	if (off == jtree_focus_offset(s->tree))
		jtree_toggle(s->tree);
	else
		jtree_focus_at(s->tree, off);
	update_status(p);
}

/* A new snapshot keeps the fold state, the focus path and its place on the
 * screen (jtree_set_doc): stepping through the timeline shows the same part
 * of the state changing. */
static void state_select(struct pane *p, const ss_snapshot *row)
{
	load(p, row);
}

/* The pane's own keys, looked up before the generic map (keys.c binds the
 * same keys to the same actions; this map keeps the pane's behaviour its
 * own whatever the generic map becomes). */
static const struct keybinding state_bindings[] = {
	{ ' ', ACT_TOGGLE_FOLD },
	{ '\n', ACT_OPEN },
	{ KEY_ENTER, ACT_OPEN },
	{ 'h', ACT_COLLAPSE },
	{ KEY_LEFT, ACT_COLLAPSE },
	{ 'l', ACT_EXPAND },
	{ KEY_RIGHT, ACT_EXPAND },
	{ 'E', ACT_EXPAND_ALL },
	{ 'C', ACT_COLLAPSE_ALL },
	{ '/', ACT_SEARCH },
	{ 'n', ACT_NEXT_MATCH },
	{ 'N', ACT_PREV_MATCH },
};

static const struct keymap state_keymap = {
	.name = "state",
	.bindings = state_bindings,
	.n = sizeof state_bindings / sizeof state_bindings[0],
};

const struct pane_ops state_ops = {
	.name = "state",
	.keymap = &state_keymap,
	.private_size = sizeof(struct statepane),
	.done = state_done,
	.resize = state_resize,
	.draw = state_draw,
	.request = state_request,
	.select = state_select,
	.click = state_click,
	.answer = state_answer,
};
