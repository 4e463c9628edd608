/*
 * ss_types.h - the records every layer passes around: a snapshot's metadata,
 * a session's summary, store statistics.  Defined once here, at the bottom
 * layer, so that store/, model/ and tui/ speak of the same row.
 *
 * Ownership: a record's pointer fields belong to the record; free them with
 * its *_clear() function, which also leaves the record zeroed.
 */
#ifndef SS_TYPES_H
#define SS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ss_status.h"

/* Limits of DESIGN.md.  Names and tags are data, never part of SQL or a path. */
#define SS_SESSION_NAME_MAX 64          /* [A-Za-z0-9._-]{1,64} */
#define SS_TAG_MAX 128                  /* bytes of UTF-8, no control characters */
#define SS_DESCRIPTION_MAX 4096         /* bytes of UTF-8, no control characters but \t and \n */
#define SS_TAGS_PER_SNAPSHOT_MAX 64
#define SS_STATE_MAX_DEFAULT (64u << 20) /* input state size: 64 MiB */
#define SS_DEPTH_MAX 2048               /* jansson's parser depth limit */
#define SS_CHECKSUM_HEX_LEN 64
#define SS_TIME_NONE INT64_MIN          /* an open end of a time range */

/* Where a snapshot came from. */
typedef enum ss_origin {
	SS_ORIGIN_MANUAL = 0,
	SS_ORIGIN_AUTO = 1,
	SS_ORIGIN_IMPORT = 2,
} ss_origin;

/* How a snapshot's state is stored: whole, or as a patch against base_id. */
typedef enum ss_kind {
	SS_KIND_KEYFRAME = 0,
	SS_KIND_DELTA = 1,
} ss_kind;

/* One snapshot's metadata (no state). */
typedef struct ss_snapshot {
	int64_t id;                 /* global, as `capture` prints it */
	int64_t session_id;
	char *session;              /* the session's name */
	int64_t seq;                /* 1, 2, ... within the session */
	int64_t created_at;         /* milliseconds since the Unix epoch, UTC */
	ss_origin origin;
	char *description;          /* NULL when there is none */
	char **tags;                /* sorted by byte value */
	size_t n_tags;
	bool pinned;
	int64_t raw_size;           /* bytes of the state as compact JSON */
	int64_t stored_size;        /* bytes it takes in the store */
	int64_t n_added;            /* change counts against the predecessor */
	int64_t n_removed;
	int64_t n_changed;
	int64_t create_us;          /* microseconds spent creating it */
	char checksum[SS_CHECKSUM_HEX_LEN + 1]; /* SHA-256 of the canonical form, lower-case hex */
	ss_kind kind;
	int64_t base_id;            /* the snapshot a delta applies to; 0 for keyframes */
	int64_t blob_id;
} ss_snapshot;

void ss_snapshot_clear(ss_snapshot *snap);

/* A deep copy; SS_NOMEM leaves *dst zeroed. */
ss_status ss_snapshot_copy(ss_snapshot *dst, const ss_snapshot *src);

/* One session's summary. */
typedef struct ss_session {
	int64_t id;
	char *name;
	int64_t created_at;         /* ms */
	char *config;               /* the session's configuration as JSON text, "{}" by default */
	int64_t count;              /* snapshots */
	int64_t first_at;           /* ms of the oldest snapshot, SS_TIME_NONE when empty */
	int64_t last_at;            /* ms of the newest snapshot, SS_TIME_NONE when empty */
	int64_t raw_bytes;
	int64_t stored_bytes;
} ss_session;

void ss_session_clear(ss_session *sess);
void ss_session_array_free(ss_session *sessions, size_t n);

/* Totals over the whole store or one session. */
typedef struct ss_stats {
	int64_t sessions;
	int64_t snapshots;
	int64_t keyframes;
	int64_t deltas;
	int64_t pinned;
	int64_t tagged;             /* snapshots with at least one tag */
	int64_t tags;               /* (snapshot, tag) pairs */
	int64_t raw_bytes;          /* sum of raw_size */
	int64_t stored_bytes;       /* sum of stored_size */
	int64_t create_us_total;    /* sum of create_us, for the average */
	int64_t first_at;           /* SS_TIME_NONE when empty */
	int64_t last_at;
	int64_t max_chain;          /* longest delta chain (0 without deltas) */
	int64_t file_bytes;         /* size of the database (page_count * page_size) */
} ss_stats;

/* Ordering of search results. */
typedef enum ss_sort {
	SS_SORT_TIME = 0,           /* created_at, then id */
	SS_SORT_SIZE = 1,           /* raw_size, then id */
	SS_SORT_CHANGES = 2,        /* n_added + n_removed + n_changed, then id */
} ss_sort;

/*
 * A search.  Every field is a filter that is off when zero/NULL (times:
 * SS_TIME_NONE); ss_query_init() sets that.  The strings are borrowed.
 */
typedef struct ss_query {
	const char *session;        /* one session by name; NULL: every session */
	const char *const *tags;    /* snapshots carrying these tags ... */
	size_t n_tags;
	bool tags_all;              /* ... all of them (true) or any (false) */
	int64_t since;              /* created_at >= since (ms) */
	int64_t until;              /* created_at <= until (ms) */
	const char *text;           /* substring of the description or a tag, ASCII case-insensitive */
	bool pinned_only;
	bool tagged_only;
	ss_sort sort;
	bool reverse;               /* descending */
	int64_t limit;              /* at most this many rows; 0: no limit */
	int64_t offset;             /* rows to skip first (prefer the cursor for paging) */
} ss_query;

void ss_query_init(ss_query *q);

/*
 * A keyset position in a search: the sort key and id of the last row handed
 * out.  Paging with a cursor costs the same on page 1 and page 10,000 of a
 * million-row session, unlike an offset.  Zero-initialise for the start.
 */
typedef struct ss_cursor {
	bool started;               /* false: begin at the first row */
	int64_t key;
	int64_t id;
} ss_cursor;

/* Called once per row, in order; the row is borrowed for the call.
 * Return non-zero to stop the search early (not an error). */
typedef int (*ss_row_fn)(const ss_snapshot *row, void *user_data);

#endif
