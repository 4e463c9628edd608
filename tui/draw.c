/*
 * draw.c - width-aware text drawing and the colour palette (see draw.h).
 *
 * Characters are drawn one cell at a time as cchar_t (setcchar + wadd_wch)
 * rather than handing ncurses a byte string: that way this file decides
 * what a byte means, what a cell holds (a base character plus its combining
 * marks) and where the text stops, instead of ncurses' own handling of
 * control characters ("^[") and line wrapping.
 */
#include "draw.h"

#include "theme.h"

#include <stdlib.h>
#include <string.h>

/* ---- palette -------------------------------------------------------------- */

static const char *const role_names[DRAW_ROLE_COUNT] = {
#define DRAW_ROLE_NAME_(name, theme, fg, bg, attr, mono) [DRAW_##name] = theme,
	DRAW_ROLE_LIST(DRAW_ROLE_NAME_)
#undef DRAW_ROLE_NAME_
};

/* The compiled-in palette, one row per role (DRAW_ROLE_LIST). */
static const struct {
	struct draw_style style;
	attr_t mono;
} builtin[DRAW_ROLE_COUNT] = {
#define DRAW_ROLE_ROW_(name, theme, f, b, a, m) \
	[DRAW_##name] = { { (short)(f), (short)(b), (attr_t)(a) }, (attr_t)(m) },
	DRAW_ROLE_LIST(DRAW_ROLE_ROW_)
#undef DRAW_ROLE_ROW_
};

/* Until a palette is installed (and in the unit tests) roles are mono. */
static attr_t role_attrs[DRAW_ROLE_COUNT] = {
#define DRAW_ROLE_MONO_(name, theme, fg, bg, attr, mono) [DRAW_##name] = (mono),
	DRAW_ROLE_LIST(DRAW_ROLE_MONO_)
#undef DRAW_ROLE_MONO_
};

struct draw_style draw_builtin_style(enum draw_role role)
{
	if ((int)role < 0 || role >= DRAW_ROLE_COUNT)
		return (struct draw_style){ -1, -1, A_NORMAL };
	return builtin[role].style;
}

attr_t draw_builtin_mono(enum draw_role role)
{
	if ((int)role < 0 || role >= DRAW_ROLE_COUNT)
		return A_NORMAL;
	return builtin[role].mono;
}

/* no-color.org: set and not empty means no colour, whatever its value. */
static bool no_color(void)
{
	const char *v = getenv("NO_COLOR");
	return v && *v;
}

bool draw_color_start(int *ncolors, bool *defaults)
{
	*ncolors = 0;
	*defaults = false;
	/* start_color() and use_default_colors() are safe to repeat on a
	 * screen: ncurses does the work once per screen. */
	if (no_color() || !has_colors() || start_color() != OK)
		return false;
	/* Fewer than 8 colours cannot show the basic palette a theme maps
	 * to; one pair besides pair 0 is the least a palette needs. */
	if (COLORS < 8 || COLOR_PAIRS < 2)
		return false;
	*ncolors = COLORS > 256 ? 256 : COLORS;
	*defaults = use_default_colors() == OK;
	return true;
}

static bool palette_colored;

void draw_palette_mono(void)
{
	for (int i = 0; i < DRAW_ROLE_COUNT; i++)
		role_attrs[i] = builtin[i].mono;
	palette_colored = false;
}

bool draw_palette_colored(void)
{
	return palette_colored;
}

static int pair_init(int pair, int fg, int bg)
{
#if defined(NCURSES_EXT_COLORS) && NCURSES_VERSION_MAJOR >= 6
	/* The int interface: no narrowing to short on the way in. */
	return init_extended_pair(pair, fg, bg);
#else
	return init_pair((short)pair, (short)fg, (short)bg);
#endif
}

bool draw_palette_set(const struct draw_style styles[DRAW_ROLE_COUNT])
{
	if (no_color() || COLOR_PAIRS < 2) {
		draw_palette_mono();
		return false;
	}
	/* Roles share a pair when they share colours, so a palette needs
	 * as many pairs as it has distinct (fg, bg), not one per role; the
	 * pair number also has to fit the 8 bits COLOR_PAIR() keeps in an
	 * attr_t. */
	int max_pair = COLOR_PAIRS - 1 < 255 ? COLOR_PAIRS - 1 : 255;
	struct { short fg, bg; } used[DRAW_ROLE_COUNT];
	int npairs = 0;

	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		const struct draw_style *st = &styles[i];
		attr_t attrs = st->attrs & ~A_COLOR;
		/* Pair 0 is the terminal's own colours (use_default_colors). */
		if (st->fg == -1 && st->bg == -1) {
			role_attrs[i] = attrs;
			continue;
		}
		int pair = 0;
		for (int p = 0; p < npairs; p++) {
			if (used[p].fg == st->fg && used[p].bg == st->bg) {
				pair = p + 1;
				break;
			}
		}
		if (pair == 0 && npairs < max_pair && pair_init(npairs + 1, st->fg, st->bg) == OK) {
			used[npairs].fg = st->fg;
			used[npairs].bg = st->bg;
			pair = ++npairs;
		}
		/* Out of pairs, or a colour the terminal refused: the role
		 * still has a distinct look through its mono attributes. */
		role_attrs[i] = pair ? attrs | (attr_t)COLOR_PAIR(pair) : builtin[i].mono;
	}
	palette_colored = true;
	return true;
}

bool draw_colors_init(void)
{
	/* The built-in palette has bright colours, which 8-colour terminals
	 * show as bold: theme.c knows how to fit a palette to a terminal, and
	 * "default" is compiled in, so this cannot fail. */
	theme_init("default", NULL, 0);
	return draw_palette_colored();
}

attr_t draw_attr(enum draw_role role)
{
	if ((int)role < 0 || role >= DRAW_ROLE_COUNT)
		return A_NORMAL;
	return role_attrs[role];
}

const char *draw_role_name(enum draw_role role)
{
	if ((int)role < 0 || role >= DRAW_ROLE_COUNT)
		return "?";
	return role_names[role];
}

/* ---- measuring ------------------------------------------------------------ */

wchar_t draw_replacement(void)
{
	return MB_CUR_MAX > 1 ? (wchar_t)0xFFFD : L'?';
}

wchar_t draw_ellipsis(void)
{
	return MB_CUR_MAX > 1 ? (wchar_t)0x2026 : L'~';
}

size_t draw_decode(const char *s, size_t len, wchar_t *wc, int *width)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t c = 0;
	size_t n = mbrtowc(&c, s, len, &st);
	/* (size_t)-1 invalid, -2 incomplete, 0 a NUL byte: one byte each, shown
	 * as the replacement so that a broken byte never shifts what follows. */
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = draw_replacement();
		*width = 1;
		return 1;
	}
	int w = wcwidth(c);
	if (w < 0) {
		/* Control and unassigned characters: the terminal would act on
		 * them or draw them at a width nobody agrees on. */
		*wc = draw_replacement();
		*width = 1;
		return n;
	}
	*wc = c;
	*width = w;
	return n;
}

int draw_width(const char *s, size_t len)
{
	int total = 0;
	size_t pos = 0;
	while (pos < len) {
		wchar_t wc;
		int w;
		pos += draw_decode(s + pos, len - pos, &wc, &w);
		total += w;
	}
	return total;
}

size_t draw_fit(const char *s, size_t len, int cols, int *used, bool *cut)
{
	size_t pos = 0, keep = 0;
	int width = 0, keep_width = 0;

	if (cols < 0)
		cols = 0;
	while (pos < len) {
		wchar_t wc;
		int w;
		size_t n = draw_decode(s + pos, len - pos, &wc, &w);
		if (width + w > cols) {
			*used = keep_width;
			*cut = true;
			return keep;
		}
		width += w;
		pos += n;
		/* Remember the longest prefix that leaves a column for the
		 * ellipsis; zero-width marks extend it, staying with their base. */
		if (width <= cols - 1) {
			keep = pos;
			keep_width = width;
		}
	}
	*used = width;
	*cut = false;
	return len;
}

/* ---- drawing -------------------------------------------------------------- */

/* One screen cell being assembled: a base character and its marks. */
struct cell {
	wchar_t wch[CCHARW_MAX + 1];
	int n;
};

static void cell_flush(WINDOW *win, struct cell *c, attr_t attr)
{
	if (c->n == 0)
		return;
	c->wch[c->n] = L'\0';
	cchar_t cc;
	if (setcchar(&cc, c->wch, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL) == OK)
		wadd_wch(win, &cc); /* ERR in the window's last cell, drawn anyway */
	c->n = 0;
}

int draw_text(WINDOW *win, int y, int x, int cols, const char *s, size_t len,
              enum draw_role role)
{
	int maxy = getmaxy(win), maxx = getmaxx(win);
	if (y < 0 || y >= maxy || x < 0 || x >= maxx || cols <= 0)
		return 0;
	if (cols > maxx - x)
		cols = maxx - x;

	int used;
	bool cut;
	size_t keep = draw_fit(s, len, cols, &used, &cut);
	attr_t attr = draw_attr(role);
	struct cell c = { .n = 0 };
	size_t pos = 0;

	wmove(win, y, x);
	while (pos < keep) {
		wchar_t wc;
		int w;
		pos += draw_decode(s + pos, keep - pos, &wc, &w);
		if (w == 0) {
			/* A mark joins the cell before it; one with nothing to
			 * join (or past what a cell holds) is dropped. */
			if (c.n > 0 && c.n < CCHARW_MAX)
				c.wch[c.n++] = wc;
			continue;
		}
		cell_flush(win, &c, attr);
		c.wch[c.n++] = wc;
	}
	cell_flush(win, &c, attr);
	if (cut && used < cols) {
		c.wch[c.n++] = draw_ellipsis();
		cell_flush(win, &c, attr);
		used++;
	}
	return used;
}

int draw_str(WINDOW *win, int y, int x, int cols, const char *s, enum draw_role role)
{
	return draw_text(win, y, x, cols, s, strlen(s), role);
}

void draw_cut_mark(WINDOW *win, int y, int x, enum draw_role role)
{
	if (y < 0 || y >= getmaxy(win) || x < 0 || x >= getmaxx(win))
		return;
	struct cell c = { .n = 0 };
	c.wch[c.n++] = draw_ellipsis();
	wmove(win, y, x);
	cell_flush(win, &c, draw_attr(role));
}

/* `line` (a WACS_ character) carrying the role's attributes. */
static cchar_t line_char(const cchar_t *line, enum draw_role role)
{
	wchar_t wch[CCHARW_MAX + 1] = { 0 };
	attr_t attrs;
	short pair;
	cchar_t out;
	attr_t attr = draw_attr(role);
	if (getcchar(line, wch, &attrs, &pair, NULL) == ERR || wch[0] == L'\0') {
		wch[0] = L'|';
		wch[1] = L'\0';
		attrs = A_NORMAL;
	}
	setcchar(&out, wch, (attrs | attr) & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
	return out;
}

void draw_vline(WINDOW *win, int y, int x, int n, enum draw_role role)
{
	if (n <= 0 || y < 0 || x < 0 || y >= getmaxy(win) || x >= getmaxx(win))
		return;
	cchar_t c = line_char(WACS_VLINE, role);
	mvwvline_set(win, y, x, &c, n);
}

void draw_box(WINDOW *win, int y, int x, int h, int w, enum draw_role role)
{
	if (h < 2 || w < 2 || y < 0 || x < 0 || y + h > getmaxy(win) || x + w > getmaxx(win))
		return;
	cchar_t hl = line_char(WACS_HLINE, role), vl = line_char(WACS_VLINE, role);
	cchar_t ul = line_char(WACS_ULCORNER, role), ur = line_char(WACS_URCORNER, role);
	cchar_t ll = line_char(WACS_LLCORNER, role), lr = line_char(WACS_LRCORNER, role);
	mvwhline_set(win, y, x + 1, &hl, w - 2);
	mvwhline_set(win, y + h - 1, x + 1, &hl, w - 2);
	mvwvline_set(win, y + 1, x, &vl, h - 2);
	mvwvline_set(win, y + 1, x + w - 1, &vl, h - 2);
	mvwadd_wch(win, y, x, &ul);
	mvwadd_wch(win, y, x + w - 1, &ur);
	mvwadd_wch(win, y + h - 1, x, &ll);
	/* The window's last cell: ERR from the cursor that cannot advance,
	 * but the character is drawn. */
	mvwadd_wch(win, y + h - 1, x + w - 1, &lr);
}

void draw_fill(WINDOW *win, int y, int x, int cols, enum draw_role role)
{
	int maxy = getmaxy(win), maxx = getmaxx(win);
	if (y < 0 || y >= maxy || x < 0 || x >= maxx || cols <= 0)
		return;
	if (cols > maxx - x)
		cols = maxx - x;
	mvwhline(win, y, x, (chtype)' ' | draw_attr(role), cols);
}
