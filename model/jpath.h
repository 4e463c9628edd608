/*
 * jpath.h - paths into a JSON document, read and written both ways DESIGN.md
 * accepts them: jq-style (`.agents[3].status`, `.["odd key"]`, `.[-1]`) and
 * RFC 6901 JSON Pointer (`/agents/3/status`, `~0` for `~`, `~1` for `/`).
 *
 * Internal to libsnapscope but shared by the command line (show --path), the
 * structural diff and the browser, so that every PATH argument means the
 * same thing everywhere.
 *
 * Ownership: an ss_path owns its segments and their keys; free it with
 * ss_path_clear().  ss_path_get() borrows (no new reference).
 */
#ifndef SS_JPATH_H
#define SS_JPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ss_status.h"

typedef enum ss_path_seg_kind {
	SS_PATH_KEY,        /* an object member: jq `.name` or `["name"]` */
	SS_PATH_INDEX,      /* an array element: jq `[3]`, `[-1]` counts from the end */
	SS_PATH_TOKEN,      /* a JSON Pointer reference token: a member of an object,
	                       or an element of an array when it is a decimal index */
} ss_path_seg_kind;

typedef struct ss_path_seg {
	ss_path_seg_kind kind;
	char *key;          /* KEY and TOKEN: NUL-terminated UTF-8 (never NULL) */
	int64_t index;      /* INDEX: the position; TOKEN: the index it denotes,
	                       or -1 when the token is not an array index */
} ss_path_seg;

typedef struct ss_path {
	ss_path_seg *segs;  /* from the root down */
	size_t n;
	size_t cap;
} ss_path;

/*
 * Parse `text`: a JSON Pointer when it is empty or starts with '/', jq-style
 * when it starts with '.' or '['.  Anything else (or a syntax error) is
 * SS_USAGE with a message in err naming the text (escaped) and the column.
 * On failure *out is left empty.
 */
ss_status ss_path_parse(const char *text, ss_path *out, char *err, size_t err_size);

/* Free the segments; leaves the path empty and reusable. */
void ss_path_clear(ss_path *p);

/* Append a segment (the key is copied).  SS_NOMEM leaves the path as it was. */
ss_status ss_path_push_key(ss_path *p, const char *key);
ss_status ss_path_push_index(ss_path *p, int64_t index);

/* Drop the last segment (building paths while walking a tree). */
void ss_path_pop(ss_path *p);

/*
 * The value at `p` inside `root` (borrowed), or NULL when there is none: a
 * missing member, an index out of range, or a step into a scalar.
 */
json_t *ss_path_get(json_t *root, const ss_path *p);

/*
 * Settle each TOKEN segment against the document: a member of an object
 * becomes a KEY, an element of an array an INDEX, as far as the path
 * resolves.  Afterwards the jq form says what the pointer meant
 * ("/odd/3" into an object is `["3"]`, into an array `[3]`).
 */
void ss_path_bind(ss_path *p, const json_t *root);

/*
 * Format jq-style: "." for the root, identifiers as `.name`, other keys as
 * `["key"]` with JSON escapes, indices as `[3]` (a TOKEN that is an index is
 * written `[3]`, otherwise as a key).  malloc()ed; NULL when out of memory.
 */
char *ss_path_format_jq(const ss_path *p);

/* Format as an RFC 6901 JSON Pointer ("" for the root).  A negative INDEX
 * has no pointer form and is written as "-1" (no array has that token).
 * malloc()ed; NULL when out of memory. */
char *ss_path_format_pointer(const ss_path *p);

#endif
