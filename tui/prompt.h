/*
 * prompt.h - the one-line input prompt of the browser's status line (`:`,
 * `f`, `t`, `u`, `e`, and the y/N question of `D`).
 *
 * A prompt is a label and an editable UTF-8 line.  Editing keeps the text
 * valid UTF-8 at every step: the cursor sits on character boundaries, a
 * deletion removes whole characters, and control characters are never
 * inserted (a pasted escape sequence cannot end up in a tag).  There is no
 * history on purpose: each prompt is about the snapshot in front of you.
 *
 * The editing functions do not touch the screen and are unit-tested
 * (tests/check_prompt.c); prompt_draw() is the only part that draws.
 */
#ifndef PROMPT_H
#define PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <curses.h>

#define PROMPT_TEXT_MAX 4096    /* bytes; a description's limit */

enum prompt_result {
	PROMPT_EDITING,             /* the key was taken; keep going */
	PROMPT_ACCEPT,              /* Enter: the text is the answer */
	PROMPT_CANCEL,              /* Esc or Ctrl-C: no answer */
};

struct prompt {
	bool active;
	bool confirm;               /* a y/N question: any key answers */
	char label[128];            /* shown before the text; the browser's own words */
	char text[PROMPT_TEXT_MAX + 1];
	size_t len;                 /* bytes of text */
	size_t cursor;              /* byte offset, on a character boundary */
	int purpose;                /* what the caller asked for (its own enum) */
};

/* Open an editing prompt with `initial` (may be NULL) as the text, the
 * cursor at its end.  Text past PROMPT_TEXT_MAX is cut on a character
 * boundary. */
void prompt_open(struct prompt *pr, int purpose, const char *label, const char *initial);

/* Open a y/N question: the next key answers it (y or Y accepts). */
void prompt_confirm(struct prompt *pr, int purpose, const char *question);

/*
 * Feed one key: `ch` is a character when is_key is false (a Unicode code
 * point from get_wch), else an ncurses KEY_* code.  Returns what the key
 * did; after ACCEPT or CANCEL the prompt is no longer active (its text
 * stays readable until the next open).  For a question, ACCEPT means yes.
 */
enum prompt_result prompt_feed(struct prompt *pr, wint_t ch, bool is_key);

/* Draw the prompt on row y of `win` across `cols` columns, scrolled so
 * that the cursor is visible; the cursor cell is shown reversed. */
void prompt_draw(const struct prompt *pr, WINDOW *win, int y, int cols);

#endif
