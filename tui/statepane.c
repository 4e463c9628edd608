/*
 * statepane.c - the state pane: the selected snapshot's metadata, then its
 * state pretty-printed, scrollable.
 *
 * The text is built once per selection: metadata lines (data escaped with
 * ss_text_escape) and the state as ss_json_dump(INDENT | SAFE) writes it,
 * so that no string of the state can carry a control character to the
 * terminal.  Lines are kept as offsets into that one buffer; drawing colours
 * a JSON line by the kind of each token.  A snapshot whose checksum fails
 * shows "damaged: ..." and never its state.  The folding tree of a later
 * issue replaces the JSON text, not the pane's shape.
 */
#include "pane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum line_kind {
	LINE_META,
	LINE_TAGS,
	LINE_ERROR,
	LINE_JSON,
};

struct line {
	size_t off, len;
	enum line_kind kind;
};

struct statepane {
	int64_t id;                 /* the snapshot shown; 0: none */
	char *text;                 /* every line, back to back */
	size_t text_len, text_cap;
	struct line *lines;
	size_t n_lines, lines_cap;
	size_t top;                 /* first line on screen */
	bool nomem;                 /* building ran out of memory */
};

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
		size_t cap = s->lines_cap ? s->lines_cap * 2 : 64;
		struct line *l = realloc(s->lines, cap * sizeof *l);
		if (!l) {
			s->nomem = true;
			return;
		}
		s->lines = l;
		s->lines_cap = cap;
	}
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
	add_line(s, LINE_META, "", 0);
}

/* Split the dump into lines (its strings hold no raw newline). */
static void add_json(struct statepane *s, const char *dump, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || dump[i] == '\n') {
			if (i > start || i < len)
				add_line(s, LINE_JSON, dump + start, i - start);
			start = i + 1;
		}
	}
}

static void load(struct pane *p, const ss_snapshot *row)
{
	struct statepane *s = p->priv;
	clear_text(s);
	s->id = row ? row->id : 0;
	if (!row)
		return;

	add_meta(s, row);
	json_t *state = NULL;
	ss_status st = ss_get(p->br->mgr, row->id, &state, NULL);
	if (st == SS_OK) {
		size_t len = 0;
		char *dump = ss_json_dump(state, SS_DUMP_INDENT | SS_DUMP_SAFE, &len);
		json_decref(state);
		if (!dump) {
			s->nomem = true;
		} else {
			add_json(s, dump, len);
			free(dump);
		}
	} else {
		/* The message may quote data: escape it like any. */
		add_data(s, LINE_ERROR, st == SS_CORRUPT ? "damaged: " : "error: ",
		         ss_errmsg(p->br->mgr));
	}
	if (s->nomem) {
		clear_text(s);
		static const char oom[] = "out of memory showing this snapshot";
		add_line(s, LINE_ERROR, oom, sizeof oom - 1);
		s->nomem = false;
	}
}

/* ---- drawing -------------------------------------------------------------- */

static bool is_number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Colour one line of indented JSON token by token.  The cut is decided for
 * the whole line first, so that the ellipsis lands where the line stops
 * whatever token that is in. */
static void draw_json_line(struct pane *p, int y, const char *s, size_t len)
{
	int used;
	bool cut;
	size_t keep = draw_fit(s, len, p->w, &used, &cut);
	int x = p->x;
	size_t i = 0;
	enum draw_role role = DRAW_JSON_PUNCT;
	while (i < keep) {
		size_t j = i;
		role = DRAW_JSON_PUNCT;
		if (s[i] == '"') {
			j = i + 1;
			while (j < len && s[j] != '"')
				j += s[j] == '\\' && j + 1 < len ? 2 : 1;
			if (j < len)
				j++;
			size_t k = j;
			while (k < len && s[k] == ' ')
				k++;
			role = k < len && s[k] == ':' ? DRAW_JSON_KEY : DRAW_JSON_STRING;
		} else if (is_number_char(s[i])) {
			while (j < len && is_number_char(s[j]))
				j++;
			role = DRAW_JSON_NUMBER;
		} else if (s[i] == 't' || s[i] == 'f' || s[i] == 'n') {
			while (j < len && s[j] >= 'a' && s[j] <= 'z')
				j++;
			role = s[i] == 'n' ? DRAW_JSON_NULL : DRAW_JSON_BOOL;
		} else {
			while (j < len && s[j] != '"' && !is_number_char(s[j]) &&
			       s[j] != 't' && s[j] != 'f' && s[j] != 'n')
				j++;
		}
		if (j == i)
			j = i + 1;
		if (j > keep)
			j = keep;
		x += draw_text(stdscr, y, x, p->x + p->w - x, s + i, j - i, role);
		i = j;
	}
	if (cut)
		draw_cut_mark(stdscr, y, x, role);
}

static void state_draw(struct pane *p)
{
	struct statepane *s = p->priv;
	if (p->h <= 0 || p->w <= 0)
		return;
	if (s->n_lines == 0) {
		draw_str(stdscr, p->y, p->x, p->w, "no snapshot selected", DRAW_META);
		return;
	}
	for (int r = 0; r < p->h && s->top + (size_t)r < s->n_lines; r++) {
		const struct line *l = &s->lines[s->top + (size_t)r];
		const char *txt = s->text + l->off;
		switch (l->kind) {
		case LINE_JSON:
			draw_json_line(p, p->y + r, txt, l->len);
			break;
		case LINE_TAGS:
			draw_text(stdscr, p->y + r, p->x, p->w, txt, l->len, DRAW_TAG);
			break;
		case LINE_ERROR:
			draw_text(stdscr, p->y + r, p->x, p->w, txt, l->len, DRAW_ERROR);
			break;
		case LINE_META:
			draw_text(stdscr, p->y + r, p->x, p->w, txt, l->len, DRAW_META);
			break;
		}
	}
}

/* ---- operations ----------------------------------------------------------- */

static size_t max_top(const struct pane *p)
{
	const struct statepane *s = p->priv;
	size_t h = p->h > 0 ? (size_t)p->h : 1;
	return s->n_lines > h ? s->n_lines - h : 0;
}

static void scroll_to(struct pane *p, long top)
{
	struct statepane *s = p->priv;
	if (top < 0)
		top = 0;
	s->top = (size_t)top > max_top(p) ? max_top(p) : (size_t)top;
}

static void state_done(struct pane *p)
{
	clear_text(p->priv);
}

static void state_resize(struct pane *p)
{
	struct statepane *s = p->priv;
	scroll_to(p, (long)s->top);
}

static enum action state_request(struct pane *p, enum action act)
{
	struct statepane *s = p->priv;
	long page = p->h > 1 ? p->h - 1 : 1; /* one line of context */
	switch (act) {
	case ACT_MOVE_DOWN:
		scroll_to(p, (long)s->top + 1);
		return ACT_NONE;
	case ACT_MOVE_UP:
		scroll_to(p, (long)s->top - 1);
		return ACT_NONE;
	case ACT_PAGE_DOWN:
		scroll_to(p, (long)s->top + page);
		return ACT_NONE;
	case ACT_PAGE_UP:
		scroll_to(p, (long)s->top - page);
		return ACT_NONE;
	case ACT_FIRST:
		scroll_to(p, 0);
		return ACT_NONE;
	case ACT_LAST:
		scroll_to(p, (long)max_top(p));
		return ACT_NONE;
	default:
		return act;
	}
}

/* A new snapshot keeps the scroll position: stepping through the timeline
 * then shows the same part of the state changing. */
static void state_select(struct pane *p, const ss_snapshot *row)
{
	struct statepane *s = p->priv;
	size_t top = s->top;
	load(p, row);
	scroll_to(p, (long)top);
}

const struct pane_ops state_ops = {
	.name = "state",
	.keymap = NULL,
	.private_size = sizeof(struct statepane),
	.done = state_done,
	.resize = state_resize,
	.draw = state_draw,
	.request = state_request,
	.select = state_select,
};
