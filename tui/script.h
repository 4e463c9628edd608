/*
 * script.h - the browser's scripted mode, for exact golden screens (as
 * tig's TIG_SCRIPT and :save-display): keys come from a file instead of the
 * terminal, ncurses draws into a screen nobody sees, and `:dump` writes the
 * screen's text to a file.
 *
 * The script is text, one step a line:
 *
 *     j                  a line of one character is that key (also `:`, `#`)
 *     <Enter> <Esc> <Tab> <Space> <Up> <Down> <Left> <Right> <PgUp> <PgDn>
 *     <Home> <End> <Backspace> <Del> <F1> <C-x>      named keys, one a line
 *     "tag:deploy        types the text after the quote, key by key
 *     :dump FILE         writes the screen (one line per row, trailing blanks
 *                        trimmed, UTF-8) to FILE
 *     :resize W H        the screen becomes W columns by H rows
 *     # a comment        (a `#` followed by a blank); blank lines are skipped
 *
 * The screen starts at 80x24.  When the script ends the browser quits as
 * if `q` had been pressed.
 */
#ifndef SCRIPT_H
#define SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <curses.h>

#define SCRIPT_COLS_DEFAULT 80
#define SCRIPT_LINES_DEFAULT 24

enum script_op {
	SCRIPT_KEY,                 /* ch (is_key: an ncurses KEY_* code) */
	SCRIPT_DUMP,                /* arg: the file to write */
	SCRIPT_RESIZE,              /* cols, lines */
	SCRIPT_END,                 /* no more steps */
};

struct script_step {
	enum script_op op;
	wint_t ch;
	bool is_key;
	int cols, lines;
	char arg[4096];
};

struct script;

/* Open a script file; NULL with a message in err when it cannot be read. */
struct script *script_open(const char *path, char *err, size_t err_size);

/* The next step.  False with "FILE:LINE: problem" in err for a line that
 * is not a step; the script should then be abandoned. */
bool script_next(struct script *s, struct script_step *step, char *err, size_t err_size);

void script_close(struct script *s);

/* Write the text of `win` (every row, trailing blanks trimmed) to `path`;
 * false with a message in err when the file cannot be written. */
bool script_dump(WINDOW *win, const char *path, char *err, size_t err_size);

#endif
