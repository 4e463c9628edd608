/*
 * keys.h - the browser's actions and the keys bound to them.
 *
 * Actions are declared once, with their help text, in ACTION_LIST; the enum,
 * the help overlay and (later) the README's key table come from it.  Keys
 * are data: a keymap is a table of (key, action) rows, looked up in the
 * focused pane's map first and the generic map second, as tig does.
 */
#ifndef KEYS_H
#define KEYS_H

#include <stddef.h>

/* X-macro: action, help text (empty: not listed in the help). */
#define ACTION_LIST(_) \
	_(NONE,       "") \
	_(MOVE_DOWN,  "Select the next snapshot / scroll down a line") \
	_(MOVE_UP,    "Select the previous snapshot / scroll up a line") \
	_(PAGE_DOWN,  "Move down one page") \
	_(PAGE_UP,    "Move up one page") \
	_(FIRST,      "Go to the first snapshot / the top") \
	_(LAST,       "Go to the last snapshot / the bottom") \
	_(NEXT_PANE,  "Switch focus between the timeline and the state") \
	_(HELP,       "Show this help") \
	_(CLOSE,      "Close the help") \
	_(REDRAW,     "Redraw the screen") \
	_(QUIT,       "Quit")

enum action {
#define ACTION_ENUM_(name, help) ACT_##name,
	ACTION_LIST(ACTION_ENUM_)
#undef ACTION_ENUM_
	ACT_COUNT
};

/* One binding: an ncurses key code (a character or KEY_*) and its action. */
struct keybinding {
	int key;
	enum action action;
};

/* A keymap: a name for the help and its bindings. */
struct keymap {
	const char *name;
	const struct keybinding *bindings;
	size_t n;
};

/* Keys every pane understands unless its own map says otherwise. */
extern const struct keymap keymap_generic;
/* Keys of the help overlay. */
extern const struct keymap keymap_help;

/* The action of `key`: first in `pane` (may be NULL), then in the generic
 * map; ACT_NONE when unbound. */
enum action keys_lookup(const struct keymap *pane, int key);

/* The help text of an action ("" for ACT_NONE). */
const char *action_help(enum action act);

/* A readable name for a key ("j", "Down", "PgDn", "^F", "Tab", "Esc")
 * in a static buffer valid until the next call. */
const char *key_label(int key);

#endif
