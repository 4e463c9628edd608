/*
 * keys.c - the default key bindings and their lookup (see keys.h).
 *
 * The bindings follow what users know from tig, jless, fx and viddy: j/k
 * and the arrows move, g/G go to the ends, Ctrl-F/Ctrl-B page, Tab switches
 * pane, h/l fold, m marks, d diffs.
 */
#include "keys.h"

#include <curses.h>
#include <stdio.h>

#define CTRL_(c) ((c) & 0x1f)
#define KEY_ESC_ 27
#define KEY_TAB_ '\t'

/*
 * DESIGN.md's key map.  Actions that only one pane understands (fold, search,
 * n/N) are bound here too, so that the same key means the same thing in
 * every pane; a pane that has no use for one returns it and the browser
 * ignores it.  Capture control (c, P) works on the automatic capture this
 * process runs (`snapscope watch`); without one the browser says how to
 * start it.
 */
static const struct keybinding generic_bindings[] = {
	{ 'j', ACT_MOVE_DOWN },
	{ KEY_DOWN, ACT_MOVE_DOWN },
	{ 'k', ACT_MOVE_UP },
	{ KEY_UP, ACT_MOVE_UP },
	{ KEY_NPAGE, ACT_PAGE_DOWN },
	{ CTRL_('f'), ACT_PAGE_DOWN },
	{ KEY_PPAGE, ACT_PAGE_UP },
	{ CTRL_('b'), ACT_PAGE_UP },
	{ 'g', ACT_FIRST },
	{ KEY_HOME, ACT_FIRST },
	{ 'G', ACT_LAST },
	{ KEY_END, ACT_LAST },
	{ KEY_TAB_, ACT_NEXT_PANE },
	{ '\n', ACT_OPEN },
	{ KEY_ENTER, ACT_OPEN },
	{ ' ', ACT_TOGGLE_FOLD },
	{ 'h', ACT_COLLAPSE },
	{ KEY_LEFT, ACT_COLLAPSE },
	{ 'l', ACT_EXPAND },
	{ KEY_RIGHT, ACT_EXPAND },
	{ 'E', ACT_EXPAND_ALL },
	{ 'C', ACT_COLLAPSE_ALL },
	{ 'm', ACT_MARK },
	{ 'd', ACT_DIFF },
	{ 'n', ACT_NEXT_MATCH },
	{ 'N', ACT_PREV_MATCH },
	{ '/', ACT_SEARCH },
	{ 'f', ACT_FILTER },
	{ ':', ACT_GOTO },
	{ 't', ACT_TAG },
	{ 'u', ACT_UNTAG },
	{ 'e', ACT_DESCRIBE },
	{ 'p', ACT_PIN },
	{ 'x', ACT_EXPORT },
	{ 'c', ACT_CAPTURE },
	{ 'P', ACT_PAUSE },
	{ 'D', ACT_DELETE },
	{ 'H', ACT_HISTORY },
	{ 'T', ACT_NEXT_THEME },
	{ 'F', ACT_FOLLOW },
	{ '?', ACT_HELP },
	{ KEY_F(1), ACT_HELP },
	{ KEY_ESC_, ACT_CLOSE },
	{ CTRL_('l'), ACT_REDRAW },
	{ 'q', ACT_QUIT },
};

const struct keymap keymap_generic = {
	.name = "generic",
	.bindings = generic_bindings,
	.n = sizeof generic_bindings / sizeof generic_bindings[0],
};

/* In the help, the keys that would open or leave something close it, so
 * that "?" toggles and q does not quit from under the overlay (as in tig). */
static const struct keybinding help_bindings[] = {
	{ KEY_ESC_, ACT_CLOSE },
	{ 'q', ACT_CLOSE },
	{ '?', ACT_CLOSE },
	{ KEY_F(1), ACT_CLOSE },
	{ '\n', ACT_CLOSE },
	{ KEY_ENTER, ACT_CLOSE },
};

const struct keymap keymap_help = {
	.name = "help",
	.bindings = help_bindings,
	.n = sizeof help_bindings / sizeof help_bindings[0],
};

static enum action lookup_in(const struct keymap *map, int key)
{
	if (!map)
		return ACT_NONE;
	for (size_t i = 0; i < map->n; i++)
		if (map->bindings[i].key == key)
			return map->bindings[i].action;
	return ACT_NONE;
}

enum action keys_lookup(const struct keymap *pane, int key)
{
	enum action act = lookup_in(pane, key);
	return act != ACT_NONE ? act : lookup_in(&keymap_generic, key);
}

const char *action_help(enum action act)
{
	static const char *const help[ACT_COUNT] = {
#define ACTION_HELP_(name, text) [ACT_##name] = text,
		ACTION_LIST(ACTION_HELP_)
#undef ACTION_HELP_
	};
	if ((int)act < 0 || act >= ACT_COUNT)
		return "";
	return help[act];
}

const char *key_label(int key)
{
	static const struct {
		int key;
		const char *label;
	} names[] = {
		{ KEY_DOWN, "Down" }, { KEY_UP, "Up" }, { KEY_LEFT, "Left" },
		{ KEY_RIGHT, "Right" }, { KEY_NPAGE, "PgDn" }, { KEY_PPAGE, "PgUp" },
		{ KEY_HOME, "Home" }, { KEY_END, "End" }, { KEY_ENTER, "Enter" },
		{ '\n', "Enter" }, { KEY_TAB_, "Tab" }, { KEY_ESC_, "Esc" },
		{ ' ', "Space" }, { KEY_F(1), "F1" }, { KEY_BACKSPACE, "Backspace" },
		{ KEY_DC, "Del" },
	};
	static char buf[16];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].key == key)
			return names[i].label;
	if (key > 0 && key < 0x20)
		snprintf(buf, sizeof buf, "^%c", key + '@');
	else if (key > 0x20 && key < 0x7f)
		snprintf(buf, sizeof buf, "%c", key);
	else {
		const char *name = keyname(key);
		snprintf(buf, sizeof buf, "%s", name ? name : "?");
	}
	return buf;
}
