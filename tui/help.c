/*
 * help.c - the help overlay: every action with its keys and help text,
 * generated from ACTION_LIST and the keymaps, so it cannot drift from what
 * the keys do.  Scrolls when the terminal is shorter than the list.
 */
#include "pane.h"

#include "diffview.h"

#include <stdio.h>
#include <string.h>

struct help {
	size_t top;                 /* first entry on screen */
};


/* Every map a key can be looked up in: the panes' own (a pane may have
 * none), the help's, then the generic one.  Returns how many. */
static size_t all_maps(const struct keymap **out, size_t cap)
{
	const struct pane_ops *const panes[] = {
		&timeline_ops, &state_ops, &historyview_ops, &diffview_ops,
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof panes / sizeof panes[0] && n < cap; i++)
		if (panes[i]->keymap)
			out[n++] = panes[i]->keymap;
	if (n < cap)
		out[n++] = &keymap_help;
	if (n < cap)
		out[n++] = &keymap_generic;
	return n;
}

/* The keys bound to `act` in the maps the user meets, "j, Down"; a label
 * bound twice ("Enter" is both \n and KEY_ENTER, q closes the help and the
 * history) is listed once. */
static void keys_of(enum action act, char *buf, size_t size)
{
	char seen[16][16];
	size_t n_seen = 0;
	const struct keymap *maps[8];
	size_t n_maps = all_maps(maps, sizeof maps / sizeof maps[0]);
	buf[0] = '\0';
	for (size_t m = 0; m < n_maps; m++) {
		const struct keymap *map = maps[m];
		for (size_t i = 0; i < map->n; i++) {
			if (map->bindings[i].action != act)
				continue;
			const char *label = key_label(map->bindings[i].key);
			bool dup = false;
			for (size_t k = 0; k < n_seen && !dup; k++)
				dup = strcmp(seen[k], label) == 0;
			if (dup)
				continue;
			if (n_seen < sizeof seen / sizeof seen[0])
				snprintf(seen[n_seen++], sizeof seen[0], "%s", label);
			size_t len = strlen(buf);
			if (len + 1 < size)
				snprintf(buf + len, size - len, "%s%s", len ? ", " : "", label);
		}
	}
}

/* An action is listed when it has help text and a key: an action no map
 * binds would be a promise the keys do not keep. */
static bool listed(enum action act, char *keys, size_t size)
{
	if (!*action_help(act))
		return false;
	keys_of(act, keys, size);
	return keys[0] != '\0';
}

size_t help_entries(void)
{
	size_t n = 0;
	char keys[96];
	for (int a = 0; a < ACT_COUNT; a++)
		n += listed((enum action)a, keys, sizeof keys);
	return n;
}

static void help_draw(struct pane *p)
{
	struct help *h = p->priv;
	if (p->h < 3 || p->w < 4)
		return;
	for (int r = 0; r < p->h; r++)
		draw_fill(stdscr, p->y + r, p->x, p->w, DRAW_DEFAULT);
	draw_box(stdscr, p->y, p->x, p->h, p->w, DRAW_BORDER);
	draw_str(stdscr, p->y, p->x + 2, p->w - 4, " Help - Esc closes ", DRAW_HEADER);

	int inner = p->h - 2, width = p->w - 4;
	size_t idx = 0;
	int row = 0;
	for (int a = 0; a < ACT_COUNT && row < inner; a++) {
		char keys[96];
		if (!listed((enum action)a, keys, sizeof keys))
			continue;
		if (idx++ < h->top)
			continue;
		const char *text = action_help((enum action)a);
		int y = p->y + 1 + row, x = p->x + 2;
		int kw = width > 40 ? 22 : width / 2;
		draw_str(stdscr, y, x, kw - 1, keys, DRAW_MARK);
		draw_str(stdscr, y, x + kw, width - kw, text, DRAW_DEFAULT);
		row++;
	}
	if (h->top + (size_t)inner < help_entries())
		draw_str(stdscr, p->y + p->h - 1, p->x + p->w - 8, 6, " more ", DRAW_META);
}

static size_t max_top(const struct pane *p)
{
	size_t inner = p->h > 2 ? (size_t)(p->h - 2) : 1;
	size_t n = help_entries();
	return n > inner ? n - inner : 0;
}

static enum action help_request(struct pane *p, enum action act)
{
	struct help *h = p->priv;
	switch (act) {
	case ACT_MOVE_DOWN:
	case ACT_PAGE_DOWN:
	case ACT_LAST:
		h->top = act == ACT_LAST ? max_top(p) : h->top + (act == ACT_MOVE_DOWN ? 1 : (size_t)(p->h > 3 ? p->h - 3 : 1));
		if (h->top > max_top(p))
			h->top = max_top(p);
		return ACT_NONE;
	case ACT_MOVE_UP:
	case ACT_PAGE_UP:
	case ACT_FIRST: {
		size_t step = act == ACT_MOVE_UP ? 1 : (size_t)(p->h > 3 ? p->h - 3 : 1);
		h->top = act == ACT_FIRST || h->top < step ? 0 : h->top - step;
		return ACT_NONE;
	}
	case ACT_CLOSE:
	case ACT_REDRAW:
		return act;
	default:
		/* The overlay is modal: nothing reaches the panes behind it. */
		return ACT_NONE;
	}
}

static void help_resize(struct pane *p)
{
	struct help *h = p->priv;
	if (h->top > max_top(p))
		h->top = max_top(p);
}

const struct pane_ops help_ops = {
	.name = "help",
	.keymap = &keymap_help,
	.private_size = sizeof(struct help),
	.resize = help_resize,
	.draw = help_draw,
	.request = help_request,
};
