/*
 * statepane.h - what the browser may ask of the detail pane (statepane.c)
 * beyond its ops table: the focused node, for H (history of the focused
 * value), and the text the status line shows while the pane has the focus.
 */
#ifndef STATEPANE_H
#define STATEPANE_H

#include <stdbool.h>

#include "pane.h"

/* The focused node's path into *out (cleared first; the caller clears it
 * after use).  False when no state is shown (none selected, damaged,
 * unreadable) or out of memory. */
bool statepane_focused_path(struct pane *p, ss_path *out);

/* The focused node's path jq-style (`.agents[3].status`), escaped for the
 * screen, or NULL when no state is shown.  Borrowed until the pane's next
 * call. */
const char *statepane_status(struct pane *p);

/* A large state is being read off the UI thread (the browser then wakes
 * more often to pick it up). */
bool statepane_loading(const struct pane *p);

/* Show the state the loader finished, if it is the one waited for (a
 * stale one is dropped).  True when the pane changed. */
bool statepane_poll(struct pane *p);

#endif
