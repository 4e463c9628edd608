/*
 * jtree.h - the folding JSON tree of the detail pane, as a model: which rows
 * are visible, where the focus is, what is folded.  It never draws (no
 * ncurses here): the pane asks for the rows on screen and draws them, and
 * tests/check_jtree.c drives it without a terminal.
 *
 * Scale is the point of its shape.  A state of 50 MB has millions of nodes;
 * the tree never flattens it.  A row is a cursor: the chain of nodes from
 * the root with each one's index in its parent, so the next and previous
 * visible rows are found in O(1) steps from it (O(depth) to copy or
 * compare), children are counted with json_object_size/json_array_size
 * without being visited, and an element of a huge array is indexed
 * directly.  The view is two cursors (the top row and the focus) and the
 * rows between them; only the rows on screen are ever produced.  No
 * function recurses on the input's depth: cursors are explicit stacks.
 *
 * Fold state is a set of paths, not of nodes, so it survives a change of
 * document: stepping through the timeline keeps the same containers open
 * and the focus on the same path when it still exists.  Two modes:
 * normally a container is open when its path is in the set; after "expand
 * all" every container is open unless its path is in the set.  So expand
 * all costs nothing up front: rows are produced lazily as they scroll into
 * view, whatever the document's size.
 *
 * Ownership: the tree holds a reference to the document it shows and never
 * changes it (states come from the manager's cache, shared and read-only).
 * Rows borrow keys and values from the document until the next
 * jtree_set_doc().  Functions that can run out of memory return false and
 * leave the tree usable; jtree_nomem() then says so.
 */
#ifndef JTREE_H
#define JTREE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "jpath.h"

struct jtree;

enum jtree_row_kind {
	JTREE_SCALAR,   /* a string, number, true, false or null */
	JTREE_EMPTY,    /* {} or [] */
	JTREE_FOLDED,   /* a closed container: {…} 12 keys, […] 40 items */
	JTREE_OPEN,     /* the opening row of an open container: { or [ */
	JTREE_CLOSE,    /* its closing row: } or ] */
};

struct jtree_row {
	enum jtree_row_kind kind;
	size_t depth;               /* 0 for the root */
	const char *key;            /* member name (borrowed), NULL when the
	                               node is the root or an array element */
	size_t key_len;
	size_t index;               /* position in its container */
	const json_t *value;        /* the node (borrowed) */
	size_t count;               /* children of a container; 0 for scalars */
	bool last;                  /* the last member of its container: no comma */
	bool focused;
	bool match;                 /* the node matches the search text */
};

/* A new tree showing nothing, top level open.  NULL when out of memory. */
struct jtree *jtree_new(void);
void jtree_free(struct jtree *t);

/*
 * Show `doc` (borrowed; the tree takes its own reference; NULL shows
 * nothing).  Fold state is kept; the focus goes to the same path when it
 * exists (else its deepest existing, visible ancestor) and stays at the
 * same distance from the top of the view.
 */
bool jtree_set_doc(struct jtree *t, json_t *doc);

/* The rows the view has room for (at least 1). */
void jtree_set_height(struct jtree *t, size_t height);

/*
 * The visible rows from the top of the view, at most `max` (and at most the
 * height), into rows[]; returns how many.  O(rows x depth).
 */
size_t jtree_rows(struct jtree *t, struct jtree_row *rows, size_t max);

/* The position of the focus in the view (0 = top row). */
size_t jtree_focus_offset(const struct jtree *t);

/* ---- moving -------------------------------------------------------------- */

/* Move the focus `n` visible rows down (negative: up), stopping at the
 * ends; the view scrolls to keep it on screen.  O(|n| x depth). */
void jtree_move(struct jtree *t, long n);
/* The first row (the root) / the last row (the root's closing row). */
void jtree_first(struct jtree *t);
void jtree_last(struct jtree *t);
/* Focus the row at `offset` from the top of the view (a click); false
 * when there is no row there. */
bool jtree_focus_at(struct jtree *t, size_t offset);

/* ---- folding ------------------------------------------------------------- */

/* Open a closed container or close an open one (on its closing row too). */
bool jtree_toggle(struct jtree *t);
/* Close the focused container; when it is already closed (or a scalar),
 * move to its parent. */
bool jtree_collapse(struct jtree *t);
/* Open the focused container; when it is already open, move to its first
 * child. */
bool jtree_expand(struct jtree *t);
/* Every container open (lazily, see above) / only the top level open. */
bool jtree_expand_all(struct jtree *t);
bool jtree_collapse_all(struct jtree *t);

/* ---- search -------------------------------------------------------------- */

/* The text searched for: a case-insensitive (ASCII) substring of a member
 * name or of a scalar (strings as their text, other scalars as JSON).  ""
 * clears it. */
bool jtree_set_search(struct jtree *t, const char *text);
const char *jtree_search_text(const struct jtree *t);
/*
 * Focus the next (forward) or previous match in document order, wrapping
 * around, after (before) the focused node; its ancestors are opened so it
 * is visible.  *wrapped (may be NULL) says whether the search went past the
 * end (the start).  False when nothing matches (or no text is set).
 * O(nodes) at worst: the one operation that may visit the whole document.
 */
bool jtree_search_next(struct jtree *t, bool forward, bool *wrapped);

/* ---- the focus ----------------------------------------------------------- */

/* The focused node's path into *out (cleared first).  False when there is
 * no document, or out of memory. */
bool jtree_focus_path(const struct jtree *t, ss_path *out);

/* True after an allocation failed (reset by jtree_set_doc). */
bool jtree_nomem(const struct jtree *t);

#endif
