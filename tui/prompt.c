/*
 * prompt.c - the one-line input prompt (see prompt.h).
 *
 * The text is kept as UTF-8 bytes and edited by whole characters; the keys
 * are the readline ones people type without thinking (Ctrl-A/E/U/K/W, the
 * arrows, Home/End, Backspace/Delete).
 */
#include "prompt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"

#define CTRL_(c) ((c) & 0x1f)
#define ESC_ 27

/* Bytes of the UTF-8 sequence that starts with lead byte b (1 for a stray
 * continuation byte, which valid text never has at a boundary). */
static size_t seq_len(unsigned char b)
{
	if (b >= 0xf0)
		return 4;
	if (b >= 0xe0)
		return 3;
	if (b >= 0xc0)
		return 2;
	return 1;
}

static size_t next_boundary(const struct prompt *pr, size_t at)
{
	if (at >= pr->len)
		return pr->len;
	size_t n = at + seq_len((unsigned char)pr->text[at]);
	return n > pr->len ? pr->len : n;
}

static size_t prev_boundary(const struct prompt *pr, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && ((unsigned char)pr->text[at] & 0xc0) == 0x80)
		at--;
	return at;
}

/* Remove text[from, to). */
static void cut(struct prompt *pr, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(pr->text + from, pr->text + to, pr->len - to);
	pr->len -= to - from;
	pr->text[pr->len] = '\0';
	if (pr->cursor >= to)
		pr->cursor -= to - from;
	else if (pr->cursor > from)
		pr->cursor = from;
}

/* Characters a prompt refuses: controls (C0, DEL, C1), the bidi controls
 * that would reorder what the terminal shows, line and paragraph
 * separators, and what is not a Unicode scalar value. */
static bool refused(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x061c || c == 0x200e ||
	       c == 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	       (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff;
}

static size_t utf8_encode(uint32_t c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static void insert(struct prompt *pr, uint32_t c)
{
	char buf[4];
	size_t n = utf8_encode(c, buf);
	if (pr->len + n > PROMPT_TEXT_MAX)
		return; /* full: the key is dropped, as a line editor beeps */
	memmove(pr->text + pr->cursor + n, pr->text + pr->cursor, pr->len - pr->cursor);
	memcpy(pr->text + pr->cursor, buf, n);
	pr->len += n;
	pr->cursor += n;
	pr->text[pr->len] = '\0';
}

void prompt_open(struct prompt *pr, int purpose, const char *label, const char *initial)
{
	memset(pr, 0, sizeof *pr);
	pr->active = true;
	pr->purpose = purpose;
	snprintf(pr->label, sizeof pr->label, "%s", label);
	size_t n = initial ? strlen(initial) : 0;
	if (n > PROMPT_TEXT_MAX) {
		n = PROMPT_TEXT_MAX;
		while (n > 0 && ((unsigned char)initial[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(pr->text, initial, n);
	pr->text[n] = '\0';
	pr->len = pr->cursor = n;
}

void prompt_confirm(struct prompt *pr, int purpose, const char *question)
{
	prompt_open(pr, purpose, question, NULL);
	pr->confirm = true;
}

static bool is_word_byte(char c)
{
	return c != ' ' && c != '\t';
}

enum prompt_result prompt_feed(struct prompt *pr, wint_t ch, bool is_key)
{
	if (!pr->active)
		return PROMPT_CANCEL;
	if (pr->confirm) {
		pr->active = false;
		return !is_key && (ch == 'y' || ch == 'Y') ? PROMPT_ACCEPT : PROMPT_CANCEL;
	}
	if (is_key) {
		switch ((int)ch) {
		case KEY_ENTER:
			pr->active = false;
			return PROMPT_ACCEPT;
		case KEY_BACKSPACE:
			cut(pr, prev_boundary(pr, pr->cursor), pr->cursor);
			break;
		case KEY_DC:
			cut(pr, pr->cursor, next_boundary(pr, pr->cursor));
			break;
		case KEY_LEFT:
			pr->cursor = prev_boundary(pr, pr->cursor);
			break;
		case KEY_RIGHT:
			pr->cursor = next_boundary(pr, pr->cursor);
			break;
		case KEY_HOME:
			pr->cursor = 0;
			break;
		case KEY_END:
			pr->cursor = pr->len;
			break;
		default:
			break; /* other function keys mean nothing here */
		}
		return PROMPT_EDITING;
	}
	switch (ch) {
	case '\n':
	case '\r':
		pr->active = false;
		return PROMPT_ACCEPT;
	case ESC_:
	case CTRL_('c'):
	case CTRL_('g'):
		pr->active = false;
		return PROMPT_CANCEL;
	case 0x7f:
	case CTRL_('h'):
		cut(pr, prev_boundary(pr, pr->cursor), pr->cursor);
		return PROMPT_EDITING;
	case CTRL_('d'):
		cut(pr, pr->cursor, next_boundary(pr, pr->cursor));
		return PROMPT_EDITING;
	case CTRL_('a'):
		pr->cursor = 0;
		return PROMPT_EDITING;
	case CTRL_('e'):
		pr->cursor = pr->len;
		return PROMPT_EDITING;
	case CTRL_('b'):
		pr->cursor = prev_boundary(pr, pr->cursor);
		return PROMPT_EDITING;
	case CTRL_('f'):
		pr->cursor = next_boundary(pr, pr->cursor);
		return PROMPT_EDITING;
	case CTRL_('u'):
		cut(pr, 0, pr->cursor);
		return PROMPT_EDITING;
	case CTRL_('k'):
		cut(pr, pr->cursor, pr->len);
		return PROMPT_EDITING;
	case CTRL_('w'): {
		/* The word before the cursor and the blanks after it. */
		size_t at = pr->cursor;
		while (at > 0 && !is_word_byte(pr->text[at - 1]))
			at--;
		while (at > 0 && is_word_byte(pr->text[at - 1]))
			at--;
		cut(pr, at, pr->cursor);
		return PROMPT_EDITING;
	}
	default:
		if (!refused((uint32_t)ch))
			insert(pr, (uint32_t)ch);
		return PROMPT_EDITING;
	}
}

void prompt_draw(const struct prompt *pr, WINDOW *win, int y, int cols)
{
	draw_fill(win, y, 0, cols, DRAW_DEFAULT);
	int x = draw_str(win, y, 0, cols, pr->label, DRAW_HEADER);
	if (pr->confirm || x >= cols)
		return;
	int room = cols - x - 1; /* one column for the cursor at the end */
	if (room <= 0)
		return;
	/* Scroll: start at the first character such that the text up to the
	 * cursor fits, so the cursor is always on screen. */
	size_t start = 0;
	while (start < pr->cursor && draw_width(pr->text + start, pr->cursor - start) > room)
		start = next_boundary(pr, start);
	int used;
	bool was_cut;
	size_t shown = draw_fit(pr->text + start, pr->len - start, room, &used, &was_cut);
	int cx = x + draw_width(pr->text + start, pr->cursor - start);
	draw_text(win, y, x, room, pr->text + start, shown, DRAW_DEFAULT);
	if (was_cut)
		draw_cut_mark(win, y, x + used, DRAW_META);
	size_t end = next_boundary(pr, pr->cursor);
	if (pr->cursor < pr->len && cx < cols)
		draw_text(win, y, cx, cols - cx, pr->text + pr->cursor, end - pr->cursor, DRAW_CURSOR);
	else if (cx < cols)
		draw_str(win, y, cx, 1, " ", DRAW_CURSOR);
}
