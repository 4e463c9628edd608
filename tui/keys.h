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
	_(NONE,          "") \
	_(MOVE_DOWN,     "Select the next snapshot / move down a line") \
	_(MOVE_UP,       "Select the previous snapshot / move up a line") \
	_(PAGE_DOWN,     "Move down one page") \
	_(PAGE_UP,       "Move up one page") \
	_(FIRST,         "Go to the first snapshot / the top") \
	_(LAST,          "Go to the last snapshot / the bottom") \
	_(NEXT_PANE,     "Switch focus between the panes") \
	_(OPEN,          "Open: the state of the snapshot, a folded run, a node") \
	_(TOGGLE_FOLD,   "Fold or unfold the focused node") \
	_(COLLAPSE,      "Collapse the focused node (or go to its parent)") \
	_(EXPAND,        "Expand the focused node") \
	_(EXPAND_ALL,    "Expand every node") \
	_(COLLAPSE_ALL,  "Collapse every node") \
	_(MARK,          "Mark the selected snapshot as A for a diff") \
	_(DIFF,          "Diff the marked snapshot (or the previous one) against the selected") \
	_(NEXT_MATCH,    "Next change or search match") \
	_(PREV_MATCH,    "Previous change or search match") \
	_(SEARCH,        "Search the state (keys and values)") \
	_(FILTER,        "Filter the timeline by tag, time range or text") \
	_(GOTO,          "Go to a time (14:03, 2026-11-25 14:03:10, -5m) or an id") \
	_(TAG,           "Tag the selected snapshot") \
	_(UNTAG,         "Remove a tag from the selected snapshot") \
	_(DESCRIBE,      "Describe the selected snapshot") \
	_(PIN,           "Pin or unpin the selected snapshot") \
	_(EXPORT,        "Export the selection, the marked range or the filtered list") \
	_(CAPTURE,       "Capture now (while watching)") \
	_(PAUSE,         "Pause or resume capture (while watching)") \
	_(DELETE,        "Delete the selected snapshot (asks first)") \
	_(HISTORY,       "History of the focused value: every snapshot where it changed") \
	_(NEXT_THEME,    "Switch to the next colour theme") \
	_(FOLLOW,        "Follow the newest snapshot as new ones arrive") \
	_(TOGGLE_LAYOUT, "Diff: side by side, unified, or the list of changes") \
	_(HELP,          "Show this help") \
	_(CLOSE,         "Close the help, the diff or the prompt") \
	_(REDRAW,        "Redraw the screen") \
	_(QUIT,          "Quit")

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
