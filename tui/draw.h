/*
 * draw.h - width-aware text drawing and the colour roles of the browser.
 *
 * Every string the browser shows goes through draw_text(): it decodes UTF-8
 * with mbrtowc(), measures each character with wcwidth() (wide CJK and emoji
 * take two columns, combining marks none), and cuts the text at a column
 * limit with an ellipsis, so that columns stay aligned whatever the data
 * holds.  A character the terminal could not show (an invalid byte, a
 * control character that escaped escaping) becomes a replacement character:
 * nothing from the data reaches the terminal as a control.
 *
 * The measuring helpers (draw_decode, draw_width, draw_fit) do not touch
 * ncurses and follow the LC_CTYPE locale; they are unit-tested in
 * tests/check_draw.c.
 *
 * Colours are roles of meaning, never raw pairs: drawing code names a role
 * and draw_attr() gives the attributes the current palette assigns it.  The
 * role names are the ones theme files use (DESIGN.md, Themes); a theme
 * (tui/theme.h) is a set of draw_style values handed to draw_palette_set().
 */
#ifndef DRAW_H
#define DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <curses.h>

/*
 * X-macro: role, theme name, foreground, background, attributes with colour,
 * attributes without colour (NO_COLOR, monochrome terminals).  -1 is the
 * terminal's default colour, 8-15 the bright colours (bold on terminals
 * with only 8, see theme_fit()).  This is the compiled-in "default" theme;
 * themes/default.theme spells out the same values and the mono column is
 * themes/mono.theme (tests/check_theme.c holds them together).
 */
#define DRAW_ROLE_LIST(_) \
	_(DEFAULT,      "default",      -1,            -1,           A_NORMAL, A_NORMAL) \
	_(TITLE,        "title",        COLOR_BLACK,   COLOR_CYAN,   A_BOLD,   A_REVERSE | A_BOLD) \
	_(CURSOR,       "cursor",       COLOR_BLACK,   COLOR_CYAN,   A_NORMAL, A_REVERSE) \
	_(CURSOR_IDLE,  "cursor.idle",  -1,            -1,           A_REVERSE | A_DIM, A_UNDERLINE) \
	_(STATUS,       "status",       COLOR_WHITE,   COLOR_BLUE,   A_NORMAL, A_REVERSE) \
	_(BORDER,       "border",       COLOR_BLUE,    -1,           A_NORMAL, A_NORMAL) \
	_(MARK,         "mark",         COLOR_YELLOW,  -1,           A_BOLD,   A_BOLD) \
	_(TAG,          "tag",          COLOR_YELLOW,  -1,           A_NORMAL, A_BOLD) \
	_(PIN,          "pin",          COLOR_MAGENTA, -1,           A_BOLD,   A_BOLD) \
	_(ERROR,        "error",        COLOR_RED,     -1,           A_BOLD,   A_BOLD) \
	_(TIME,         "time",         COLOR_CYAN,    -1,           A_NORMAL, A_NORMAL) \
	_(META,         "meta",         COLOR_CYAN,    -1,           A_NORMAL, A_DIM) \
	_(HEADER,       "header",       -1,            -1,           A_BOLD,   A_BOLD) \
	_(DIFF_ADD,     "diff.add",     COLOR_GREEN,   -1,           A_NORMAL, A_NORMAL) \
	_(DIFF_CHANGE,  "diff.change",  COLOR_YELLOW,  -1,           A_NORMAL, A_NORMAL) \
	_(DIFF_REMOVE,  "diff.remove",  COLOR_RED,     -1,           A_NORMAL, A_NORMAL) \
	_(DIFF_CONTEXT, "diff.context", -1,            -1,           A_NORMAL, A_NORMAL) \
	_(JSON_KEY,     "json.key",     COLOR_BLUE + 8, -1,          A_BOLD,   A_BOLD) \
	_(JSON_STRING,  "json.string",  COLOR_GREEN,   -1,           A_NORMAL, A_NORMAL) \
	_(JSON_NUMBER,  "json.number",  COLOR_CYAN,    -1,           A_NORMAL, A_NORMAL) \
	_(JSON_BOOL,    "json.bool",    COLOR_MAGENTA, -1,           A_NORMAL, A_NORMAL) \
	_(JSON_NULL,    "json.null",    COLOR_MAGENTA, -1,           A_DIM,    A_DIM) \
	_(JSON_PUNCT,   "json.punct",   -1,            -1,           A_NORMAL, A_NORMAL)

enum draw_role {
#define DRAW_ROLE_ENUM_(name, theme, fg, bg, attr, mono) DRAW_##name,
	DRAW_ROLE_LIST(DRAW_ROLE_ENUM_)
#undef DRAW_ROLE_ENUM_
	DRAW_ROLE_COUNT
};

/*
 * Set up the compiled-in palette after the screen exists: colour pairs when
 * the terminal has colours and NO_COLOR is unset or empty (no-color.org),
 * attributes only otherwise.  Returns true when colours are in use.
 * The same as theme_init("default") (tui/theme.h), which does it with any
 * theme.
 */
bool draw_colors_init(void);

/*
 * A role's look: foreground and background (-1 the terminal's default,
 * otherwise 0-255) and attributes (A_BOLD ...; never a colour pair).
 */
struct draw_style {
	short fg, bg;
	attr_t attrs;
};

/* The compiled-in default palette: a role's colours and attributes, and the
 * attributes it gets without colour. */
struct draw_style draw_builtin_style(enum draw_role role);
attr_t draw_builtin_mono(enum draw_role role);

/*
 * Start colour on the current screen (safe to repeat; ncurses starts it
 * once per screen).  Returns false when the palette must be attributes only (NO_COLOR set and not
 * empty, a terminal without colours, fewer than 8 colours or too few
 * pairs).  Otherwise *ncolors gets COLORS (capped at 256) and *defaults
 * whether -1, the terminal's own colour, can be used.
 */
bool draw_color_start(int *ncolors, bool *defaults);

/*
 * Install a palette: a colour pair per distinct (fg, bg), the attributes as
 * given.  The styles must already fit the terminal (tui/theme.c's
 * theme_fit(): colours below what draw_color_start() reported, -1 only
 * when it allowed defaults).  Roles beyond the terminal's COLOR_PAIRS, or
 * whose colours the terminal refuses, keep their mono attributes.  Returns
 * false (and installs the mono palette) under NO_COLOR or when colour is
 * not started.  The caller redraws: cells already on screen may keep their
 * old pairs.
 */
bool draw_palette_set(const struct draw_style styles[DRAW_ROLE_COUNT]);

/* Attributes only: the mono column of DRAW_ROLE_LIST. */
void draw_palette_mono(void);

/* Whether the palette installed last has colours (false before any). */
bool draw_palette_colored(void);

/* The attributes (colour pair included) of a role in the current palette. */
attr_t draw_attr(enum draw_role role);

/* The role's theme name ("json.key"). */
const char *draw_role_name(enum draw_role role);

/* ---- measuring (no ncurses) --------------------------------------------- */

/*
 * Decode one character from s[0..len) (len > 0).  Returns the bytes it
 * takes (at least 1).  *wc gets the character and *width its columns: 1 or
 * 2 for a printable character, 0 for a combining (zero-width) one.  An
 * invalid or truncated sequence takes one byte; it and any non-printable
 * character come back as draw_replacement() with width 1.
 */
size_t draw_decode(const char *s, size_t len, wchar_t *wc, int *width);

/* The character drawn in place of what cannot be shown: U+FFFD in a UTF-8
 * locale, '?' in a single-byte one. */
wchar_t draw_replacement(void);

/* The ellipsis marking cut text: U+2026 in a UTF-8 locale, '~' otherwise;
 * one column either way. */
wchar_t draw_ellipsis(void);

/* Columns s[0..len) takes on the screen. */
int draw_width(const char *s, size_t len);

/*
 * How much of s[0..len) fits in `cols` columns.  When all of it fits,
 * returns len, *used its width, *cut false.  Otherwise returns the bytes of
 * the longest prefix that fits in cols - 1 columns (leaving one for the
 * ellipsis; a wide character is never split), *used the prefix's width and
 * *cut true.  Zero-width characters that follow the last character kept
 * stay with it.  cols <= 0 keeps nothing.
 */
size_t draw_fit(const char *s, size_t len, int cols, int *used, bool *cut);

/* ---- drawing ------------------------------------------------------------ */

/*
 * Draw s[0..len) at (y, x) of `win` in `role`, in at most `cols` columns,
 * cut with an ellipsis when longer.  Returns the columns drawn (ellipsis
 * included); 0 when cols <= 0 or (y, x) is outside the window.
 */
int draw_text(WINDOW *win, int y, int x, int cols, const char *s, size_t len,
              enum draw_role role);

/* draw_text() of a NUL-terminated string. */
int draw_str(WINDOW *win, int y, int x, int cols, const char *s, enum draw_role role);

/* Draw the ellipsis in one cell at (y, x): for text drawn in pieces (each
 * piece in its own role) after draw_fit() has decided the cut. */
void draw_cut_mark(WINDOW *win, int y, int x, enum draw_role role);

/*
 * Lines and boxes in `role`, drawn with the wide line-drawing characters
 * (WACS_*): in a UTF-8 locale these are the Unicode box characters
 * themselves, which do not depend on the terminal's alternate character
 * set being switched correctly (a multiplexer in between may not).
 */
void draw_vline(WINDOW *win, int y, int x, int n, enum draw_role role);
void draw_box(WINDOW *win, int y, int x, int h, int w, enum draw_role role);

/* Paint `cols` blank columns from (y, x) in `role` (bars, the cursor line). */
void draw_fill(WINDOW *win, int y, int x, int cols, enum draw_role role);

#endif
