/*
 * ss_diff.h - the structural diff of two JSON values, and patches.
 *
 * Objects are matched by key (key order is never a change); arrays by an
 * iterative Myers O(ND) diff over element hashes, or by an identity field
 * when their elements are objects sharing one (`id`, `key`, `name`, or a
 * configured array key), so an inserted or reordered item is one change,
 * not a cascade.  A type change is a replacement.  Past a size budget a
 * subtree is reported as replaced (and the change says so) instead of being
 * diffed further.  Nothing recurses on depth or length that an input
 * controls.
 *
 * Ownership: an ss_diff owns its changes, their paths and references to the
 * old/new values (free with ss_diff_clear()); returned json_t are new
 * references; input values are borrowed and never modified, except by the
 * *_apply functions, which say so.
 */
#ifndef SS_DIFF_H
#define SS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jpath.h"
#include "ss_status.h"

typedef enum ss_change_kind {
	SS_CHANGE_ADDED,            /* new_value appeared at path */
	SS_CHANGE_REMOVED,          /* old_value disappeared from path */
	SS_CHANGE_CHANGED,          /* old_value became new_value (also a type change) */
	SS_CHANGE_MOVED,            /* an array element matched by identity moved:
	                               from old_path to path, value unchanged there
	                               (changes inside it are reported separately) */
} ss_change_kind;

typedef struct ss_change {
	ss_change_kind kind;
	ss_path path;               /* in the new document; REMOVED: the parent's
	                               path in the new document, then the key or
	                               the index the value had in the old one */
	ss_path old_path;           /* MOVED: where it was in the old document; else empty */
	json_t *old_value;          /* reference; NULL for ADDED */
	json_t *new_value;          /* reference; NULL for REMOVED */
	bool over_budget;           /* a subtree past the size budget, reported whole */
} ss_change;

typedef struct ss_diff {
	ss_change *changes;         /* in document order of the new state */
	size_t n;
	size_t cap;
	size_t n_added;             /* counts by kind (MOVED counts as changed) */
	size_t n_removed;
	size_t n_changed;
	bool over_budget;           /* some subtree was reported whole */
} ss_diff;

/* An identity field for the elements of the arrays at `path` (a pattern like
 * the ignore rules: `*` matches one segment; jq or pointer form). */
typedef struct ss_array_key {
	const char *path;
	const char *field;
} ss_array_key;

typedef struct ss_diff_opts {
	const char *const *ignore;  /* path patterns whose values are never compared ... */
	size_t n_ignore;            /* ... (`*` per segment): volatile fields */
	const ss_array_key *array_keys;
	size_t n_array_keys;
	bool no_identity;           /* do not match by id/key/name, only by position/Myers */
	size_t budget;              /* max elements compared in one array pair before the
	                               array is reported replaced; 0: the default */
} ss_diff_opts;

#define SS_DIFF_BUDGET_DEFAULT ((size_t)1 << 22)

/*
 * Compare `old` and `new_` (either may be NULL for "absent").  opts may be
 * NULL.  On failure (SS_NOMEM, SS_USAGE for a bad pattern, with a message in
 * err) *out is empty.
 */
ss_status ss_diff_compute(const json_t *old, const json_t *new_, const ss_diff_opts *opts,
                          ss_diff *out, char *err, size_t err_size);

void ss_diff_clear(ss_diff *d);

/*
 * The RFC 6902 JSON Patch of a computed diff: applied in order to the old
 * value it gives the new one, exactly, when the diff was computed without
 * ignore rules (an over-budget subtree is a whole replacement, still exact).
 * This is what the delta store writes, so a capture diffs only once.  NULL
 * when out of memory.
 */
json_t *ss_diff_to_json_patch(const ss_diff *d);

/*
 * RFC 6902 JSON Patch that turns `old` into `new_` when applied in order.
 * Exact unless ignore rules dropped changes.  Computed from the two values
 * (not from a change list), so it needs no options but the array keys.
 * NULL when out of memory.
 */
json_t *ss_json_patch_make(const json_t *old, const json_t *new_, const ss_diff_opts *opts);

/*
 * RFC 7396 JSON Merge Patch from old to new_.  A merge patch cannot set an
 * object member to null (null means "delete it"): when new_ has a null
 * member that old lacks or holds another value, no merge patch turns old
 * into new_, and the result is SS_USAGE with a message naming that path.
 */
ss_status ss_merge_patch_make(const json_t *old, const json_t *new_, json_t **patch,
                              char *err, size_t err_size);

/*
 * Apply an RFC 6902 patch to *doc, in place (*doc may be replaced when an
 * operation targets the root; the old root is then released).  Validation
 * of the patch's shape happens before any change; an operation that does
 * not apply (missing path, failed test) fails with SS_INPUT and err naming
 * the operation's index and the reason, leaving *doc partly patched but
 * valid: callers that need all-or-nothing apply to a copy (the delta reader
 * discards the whole reconstruction).  Copying is left to callers because
 * the hot path (stepping through deltas) owns its copy anyway.
 */
ss_status ss_json_patch_apply(json_t **doc, const json_t *patch, char *err, size_t err_size);

/* Apply an RFC 7396 merge patch; same contract as ss_json_patch_apply(). */
ss_status ss_merge_patch_apply(json_t **doc, const json_t *patch, char *err, size_t err_size);

/*
 * Does `path` match `pattern` (as many segments, each equal or the
 * pattern's `*`, any one key or index)?  A pattern segment that is a JSON
 * Pointer token matches the member of that name or, when it is a decimal
 * index, the element at that index; a negative jq index matches nothing
 * (it depends on an array's length).  The diff parses patterns so that `*`
 * works in jq form too (`.items[*].ts`, `.items.*.ts`) as in pointers.
 */
bool ss_path_matches(const ss_path *path, const ss_path *pattern);

/*
 * Parse a path pattern (an ignore rule, an array key's path): a path in jq
 * or pointer form where `*` may stand for a segment, also in jq form
 * (`.items[*].ts`, which ss_path_parse() alone refuses).  SS_USAGE with a
 * message naming the text otherwise.  Validate stored patterns with this.
 */
ss_status ss_path_pattern_parse(const char *text, ss_path *out, char *err, size_t err_size);

/*
 * json_equal() and json_deep_copy() without recursion: jansson's recurse on
 * depth, and values built in C may nest far deeper than parsed input.
 * ss_json_copy() returns a new value sharing nothing with v (NULL when out
 * of memory or v is NULL).
 */
bool ss_json_equal(const json_t *a, const json_t *b);
json_t *ss_json_copy(const json_t *v);

#endif
