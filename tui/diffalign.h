/*
 * diffalign.h - the rows of the diff view: two JSON states pretty-printed
 * (two-space indentation, `"key": value`, as `snapscope show` prints them)
 * and aligned side by side from the structural diff, so that unchanged
 * lines sit level and changed lines face each other.
 *
 * Why from the structure and not from the text: a line-level LCS over the
 * pretty text mis-aligns as soon as an array element moves or the members
 * of an object come in another order.  Here the walk goes down both
 * documents at once, matching object members by key and array elements as
 * the diff engine matched them (its MOVED, ADDED and REMOVED changes name
 * the indices; the other elements pair in order), and every row takes its
 * kind from the change set, so ignore rules and array keys of the session
 * count exactly as in `snapscope diff`.
 *
 * Placement rules (written down because they are choices):
 *  - common object members follow the new document's order on both sides;
 *    a member only the old side has sits where it was in the old order
 *    (before the next member both share), as the diff engine reports it;
 *  - an element moved by identity faces its old self at its new position,
 *    so that what did not change inside it sits level (its rows are MOVED);
 *  - an added (removed) subtree takes all its lines on the right (left)
 *    with a blank filler opposite; a replaced value (CHANGED, type changes,
 *    a subtree over the diff's size budget) puts both versions face to face;
 *  - key order alone is never a change (DESIGN.md).
 *
 * Folding happens while building, not afterwards: unchanged lines more than
 * `context` away from a change are only counted, never rendered, so memory
 * stays proportional to the changed part plus its context even for states
 * of tens of MB (the walk still visits every node once to count lines).
 * Every line has a virtual number (its position in the fully expanded
 * view); expanding a fold rebuilds with that range kept.
 *
 * No ncurses here: tests/check_diffview.c tests it directly.  Strings are
 * rendered with SS_DUMP_SAFE, so no row holds a control character.
 *
 * Ownership: a da_result owns its rows and their text (da_result_free);
 * the states and the diff are borrowed while building only.
 */
#ifndef DIFFALIGN_H
#define DIFFALIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapscope.h"

enum da_kind {
	DA_SAME,        /* unchanged (or changed only where an ignore rule looks away) */
	DA_CHANGED,     /* a replaced value: old left, new right */
	DA_ADDED,       /* right only, filler left */
	DA_REMOVED,     /* left only, filler right */
	DA_MOVED,       /* inside an array element moved by identity */
	DA_FOLD,        /* `count` unchanged lines, not rendered */
};

struct da_row {
	enum da_kind kind;
	bool has_left, has_right;   /* false: a blank filler on that side */
	bool first;                 /* the first row of change `change` */
	int32_t change;             /* index into the diff's changes, -1: none */
	size_t loff, llen;          /* left text in da_result.text */
	size_t roff, rlen;          /* right text */
	uint64_t vline;             /* virtual line number (FOLD: the first hidden) */
	uint64_t count;             /* FOLD: lines hidden; else 1 */
};

struct da_result {
	struct da_row *rows;
	size_t n_rows, cap_rows;
	char *text;                 /* every rendered line, back to back, no NULs */
	size_t text_len, text_cap;
	uint64_t n_vlines;          /* lines of the fully expanded view */
};

/* A range of virtual lines the user expanded: always rendered. */
struct da_range {
	uint64_t start, count;
};

struct da_opts {
	size_t context;             /* unchanged lines kept around a change */
	size_t fold_min;            /* a fold hides more than this many lines */
	const struct da_range *expanded;
	size_t n_expanded;
	bool no_fold;               /* render everything (tests, tiny states) */
};

#define DA_CONTEXT_DEFAULT 3
#define DA_FOLD_MIN_DEFAULT 3

/*
 * Align `old` and `new_` (either NULL for absent) with `d`, the diff
 * ss_diff_snapshots() or ss_diff_compute() made of exactly these values.
 * opts may be NULL (the defaults).  SS_OK, or SS_NOMEM with *out empty.
 */
ss_status da_build(const json_t *old, const json_t *new_, const ss_diff *d,
                   const struct da_opts *opts, struct da_result *out);

void da_result_free(struct da_result *r);

/* The text of a row's side (borrowed; length in *len; "" for a filler). */
const char *da_left(const struct da_result *r, const struct da_row *row, size_t *len);
const char *da_right(const struct da_result *r, const struct da_row *row, size_t *len);

/* ---- the other two layouts ------------------------------------------------ */

/* One line of the unified layout: a row and the side it shows. */
struct da_uline {
	size_t row;
	char mark;                  /* ' ', '-', '+', '>' (moved), 0 for a fold */
	bool right;                 /* shows the row's right text (else the left) */
};

/*
 * The unified layout of r: a changed row becomes its `-` line then its `+`
 * line, an added row a `+` line, a removed row a `-` line, the others one
 * line each.  *out is malloc()ed (NULL with *n 0 for no rows); false when
 * out of memory.
 */
bool da_unified(const struct da_result *r, struct da_uline **out, size_t *n);

/*
 * One line of the change list, worded as `snapscope diff` prints it:
 * `+ .path: value`, `- .path: value`, `~ .path: old -> new`,
 * `> .path (from .old)`, values as compact JSON escaped for a terminal and
 * cut past `value_max` bytes with their size noted.  malloc()ed; NULL when
 * out of memory.
 */
char *da_change_line(const ss_change *c, size_t value_max);

#endif
