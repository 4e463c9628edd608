/*
 * theme.h - colour themes of the browser: text files of
 *
 *     color <role> <fg> <bg> [attr...]
 *
 * lines (DESIGN.md, Themes), loaded, fitted to the terminal and installed
 * as the palette of tui/draw.h.
 *
 * Roles are the theme names of DRAW_ROLE_LIST ("title", "json.key",
 * "diff.add" ...).  Colours are `default` (the terminal's own), the eight
 * names black red green yellow blue magenta cyan white, their bright-*
 * forms (8-15), or a number 0-255.  Attributes: bold dim underline reverse
 * italic standout blink normal.  `#` starts a comment; blank lines are
 * fine.  A role a theme leaves out keeps its compiled-in default.
 *
 * Error messages name the file and line, "themes/light.theme:12: unknown
 * colour 'purpel'", with anything unprintable in them escaped (\xNN), so a
 * caller can print them as they are.
 *
 * Parsing, lookup and fitting to a terminal's colours (theme_parse ...
 * theme_fit) call no ncurses function and need no screen; they are
 * unit-tested in tests/check_theme.c.  theme_init() and theme_next()
 * install the result on the current screen.
 */
#ifndef THEME_H
#define THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"

/* A parsed theme: the style of every role, and which roles the file set. */
struct theme {
	struct draw_style style[DRAW_ROLE_COUNT];
	bool set[DRAW_ROLE_COUNT];
};

/* ---- the browser's interface --------------------------------------------- */

/*
 * Load theme `name` and install it on the current screen (after newterm or
 * initscr; starts colour itself when nobody has).  NULL or "" is
 * "default", the compiled-in palette.  A name without '/' is the file
 * NAME.theme looked up in $SNAPSCOPE_THEMES, then in
 * ../share/snapscope/themes next to the running binary (an installed copy),
 * then in ./themes; a name with '/' is a path.  With NO_COLOR set and not
 * empty, or on a terminal without colours, the palette is attributes only,
 * whatever the theme (which is still read and checked).
 *
 * Returns true on success.  On failure (unknown theme, unreadable file, a
 * bad line) returns false with one line in err (truncated to err_size,
 * always terminated) and leaves the palette as it was; the browser then
 * refuses to start with that message.
 */
bool theme_init(const char *name, char *err, size_t err_size);

/*
 * Switch to the next theme of the cycle default -> light -> high-contrast
 * -> mono -> default (from a theme outside the cycle: default), re-install
 * the palette and return the new theme's name (static storage).  A shipped
 * theme that cannot be loaded (not installed) is passed over.  The caller
 * redraws the whole screen.
 */
const char *theme_next(void);

/* The name of the installed theme as it was asked for ("default" before
 * theme_init); static storage, valid until the next theme_init/theme_next. */
const char *theme_name(void);

/* ---- loading (no ncurses) -------------------------------------------------- */

/* The compiled-in default palette, every role set. */
void theme_builtin(struct theme *t);

/*
 * Parse theme text `text[0..len)` on top of *t (roles not named keep what
 * *t holds; their `set` flags too).  `file` names the source in messages.
 * Returns false at the first bad line with "FILE:LINE: problem" in err;
 * *t may then be partly changed.
 */
bool theme_parse(struct theme *t, const char *text, size_t len, const char *file,
                 char *err, size_t err_size);

/* Read and parse the file at `path` on top of *t (as theme_parse); a file
 * that cannot be read is an error naming it and the reason. */
bool theme_load_file(struct theme *t, const char *path, char *err, size_t err_size);

/*
 * The file theme `name` (no '/') stands for, by the lookup order of
 * theme_init(), written into path.  Returns false with a message listing
 * the places looked in when there is none.
 */
bool theme_find(const char *name, char *path, size_t path_size, char *err, size_t err_size);

/* A colour word: "default" -> -1, a name -> 0-15, "0".."255".  Returns
 * false for anything else. */
bool theme_parse_color(const char *word, short *color);

/* An attribute word -> its A_* value ("normal" -> A_NORMAL).  Returns false
 * for anything else. */
bool theme_parse_attr(const char *word, attr_t *attr);

/*
 * The colour a terminal with `ncolors` colours shows for `color` (-1 or
 * 0-255): unchanged when it has them; on 16-colour terminals 16-255 become
 * the nearest of the 16 by the xterm palette's RGB; on 8-colour terminals
 * the nearest of the 16 folded to its base colour, *bright set when it was
 * a bright one (8-15: shown as the base colour in bold).  -1 stays -1.
 */
short theme_color_for(short color, int ncolors, bool *bright);

/*
 * The styles of *t as the terminal can show them: colours mapped by
 * theme_color_for() (a bright foreground on an 8-colour terminal adds
 * A_BOLD), and -1 replaced by white (fg) or black (bg) when the terminal
 * has no default colours.
 */
void theme_fit(const struct theme *t, int ncolors, bool defaults,
               struct draw_style out[DRAW_ROLE_COUNT]);

#endif
