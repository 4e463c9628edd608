/*
 * diffview.h - the diff view: two snapshots side by side (old | new),
 * aligned by the structural diff, changes coloured, unchanged runs folded;
 * `v` cycles side by side -> unified -> the change list.
 *
 * The browser owns the pane (its rectangle, its private state) and opens it
 * with diffview_open(); the view handles its own keys and returns ACT_CLOSE
 * (Esc, q) unhandled, so that the browser closes it.
 */
#ifndef DIFFVIEW_H
#define DIFFVIEW_H

#include <stdint.h>

#include "pane.h"

extern const struct pane_ops diffview_ops;

/*
 * Load snapshot old_id and new_id (ss_get) and their diff
 * (ss_diff_snapshots: the session's ignore rules and array keys apply) and
 * reset the view: side by side, the cursor on the first change.  A failure
 * is reported on the status line (browser_error) and shown in the pane.
 */
void diffview_open(struct pane *p, int64_t old_id, int64_t new_id);

#endif
