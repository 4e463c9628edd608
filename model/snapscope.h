/*
 * snapscope.h - the snapshot manager: the public C API of libsnapscope.
 *
 * A manager owns one store connection and the cache of recent states.  It
 * records JSON states as snapshots of named sessions, reads them back
 * verified, searches, tags and describes them, and reports what happens
 * through event callbacks.  It never draws: the UI asks for rows and states.
 *
 * Ownership, once for the whole API (as jansson does it):
 *  - json_t arguments are borrowed; json_t out-parameters are new references
 *    the caller must json_decref();
 *  - char * out-parameters and returned char * are malloc()ed, caller frees;
 *  - const char * returns are borrowed from the manager until its next call;
 *  - records (ss_snapshot, ss_session) are cleared with their *_clear().
 * Errors: every ss_status other than SS_OK comes with a one-line message in
 * ss_errmsg() naming the problem and the input; nothing was changed.
 * Threads: a manager is used by one thread at a time.
 */
#ifndef SNAPSCOPE_H
#define SNAPSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ss_diff.h"
#include "ss_status.h"
#include "ss_types.h"

#define SS_VERSION_STRING "0.1.0"

/* The seed's storage types. */
typedef enum ss_store_type {
	SS_STORE_TYPE_DISK = 0,     /* SQLite file, no state cache */
	SS_STORE_TYPE_MEMORY = 1,   /* in-memory SQLite (":memory:"), gone at close */
	SS_STORE_TYPE_HYBRID = 2,   /* SQLite file plus an LRU cache of recent states */
} ss_store_type;

typedef struct ss_config {
	const char *store_path;     /* NULL: ss_store_default_path(); ignored for MEMORY */
	ss_store_type store_type;   /* default HYBRID */
	bool create;                /* create the store when missing (default true) */
	bool read_only;             /* open for reading only (default false) */
	int64_t auto_interval_ms;   /* automatic capture interval (default 30 s) */
	int64_t max_age_ms;         /* retention: maximum age, 0 = unlimited */
	int64_t max_snapshots;      /* retention: maximum count per session, 0 = unlimited */
	bool compression;           /* zlib above the threshold (default true) */
	size_t compression_threshold; /* bytes (default 1 KiB) */
	bool incremental;           /* store deltas (default true; used once deltas exist) */
	int keyframe_every;         /* force a keyframe every K snapshots (default 50) */
	bool validate_checksums;    /* verify the SHA-256 on every read (default true) */
	bool tagged_only;           /* retention keeps only tagged (and pinned) snapshots */
	size_t cache_bytes;         /* LRU cache bound for HYBRID (default 64 MiB) */
	size_t max_state_bytes;     /* input state limit (default SS_STATE_MAX_DEFAULT) */
} ss_config;

/* Fill a config with the defaults above. */
void ss_config_init(ss_config *cfg);

typedef struct ss_manager ss_manager;

/* Open a manager.  On failure *out is NULL and `err` holds the message. */
ss_status ss_open(const ss_config *cfg, ss_manager **out, char *err, size_t err_size);

/* Close and free.  NULL is fine. */
void ss_close(ss_manager *mgr);

/* The last error's message (borrowed); "" when none. */
const char *ss_errmsg(const ss_manager *mgr);

/* The store path in use (borrowed). */
const char *ss_store_location(const ss_manager *mgr);

/*
 * Has another connection (another process, or the capture thread) committed
 * to the store since *version was read?  *version is the token of the last
 * check (0 before the first); it is replaced by the current one and
 * *changed says whether it differs.  The first call (*version == 0) only
 * takes the token and reports no change.  Costs one PRAGMA, no table read:
 * cheap enough to poll a few times a second.  This manager's own writes do
 * not count (the caller knows about them).
 */
ss_status ss_changed_since(ss_manager *mgr, int64_t *version, bool *changed);

/* ---- events -------------------------------------------------------------- */

typedef enum ss_event_type {
	SS_EVENT_SNAPSHOT_CREATED,
	SS_EVENT_SNAPSHOT_DELETED,
	SS_EVENT_SNAPSHOT_UPDATED,  /* tagged, untagged, described, pinned or unpinned */
	SS_EVENT_SESSION_CREATED,
	SS_EVENT_ERROR,             /* a failed operation; status and message say which */
	/* automatic capture (ss_auto.h) and retention (ss_retention.h): */
	SS_EVENT_CAPTURE_ERROR,     /* a poll failed; message says why (recorded in the store) */
	SS_EVENT_CAPTURE_STARTED,
	SS_EVENT_CAPTURE_STOPPED,
	SS_EVENT_CAPTURE_PAUSED,
	SS_EVENT_CAPTURE_RESUMED,
	SS_EVENT_CLEANUP_DONE,      /* count: snapshots deleted in the session */
} ss_event_type;

typedef struct ss_event {
	ss_event_type type;
	int64_t snapshot_id;        /* 0 when not about one snapshot */
	const char *session;        /* NULL when not about one session */
	ss_status status;           /* SS_OK except for SS_EVENT_ERROR */
	const char *message;        /* for SS_EVENT_ERROR and _CAPTURE_ERROR; NULL otherwise */
	int64_t count;              /* for SS_EVENT_CLEANUP_DONE; 0 otherwise */
} ss_event;

/* Called synchronously after the operation committed (or failed).  The event
 * and its strings are borrowed for the call.  A callback must not call back
 * into the same manager. */
typedef void (*ss_event_fn)(const ss_event *ev, void *user_data);

/* Register a callback; returns a handle > 0, or 0 when out of memory. */
int ss_subscribe(ss_manager *mgr, ss_event_fn fn, void *user_data);
void ss_unsubscribe(ss_manager *mgr, int handle);

/* ---- snapshots ----------------------------------------------------------- */

typedef struct ss_create_opts {
	const char *const *tags;    /* borrowed; validated with ss_tag_check() */
	size_t n_tags;
	const char *description;    /* NULL for none */
	ss_origin origin;           /* default SS_ORIGIN_MANUAL */
	int64_t created_at;         /* ms since the epoch; 0: now */
	bool pinned;
	bool skip_unchanged;        /* store nothing (SS_OK, *id = 0) when the state equals
	                               the session's newest one after its ignore rules */
} ss_create_opts;

/*
 * Record `state` as a new snapshot of `session` (created when missing).
 * opts may be NULL.  *id (may be NULL) gets the new id.  The state is
 * checked against the limits (size of its compact form) first.
 */
ss_status ss_create(ss_manager *mgr, const char *session, json_t *state,
                    const ss_create_opts *opts, int64_t *id);

/*
 * Read a snapshot: *state (may be NULL) gets the reconstructed state, *meta
 * (may be NULL) its metadata.  With checksum validation on, a state whose
 * canonical SHA-256 differs from the recorded one is SS_CORRUPT and is never
 * returned.  Unknown id: SS_NOT_FOUND.  The state may be shared with the
 * manager's cache: treat it as read-only (json_deep_copy() it to change it).
 */
ss_status ss_get(ss_manager *mgr, int64_t id, json_t **state, ss_snapshot *meta);

/* The snapshot of `session` closest in time to t_ms (older one on a tie). */
ss_status ss_nearest(ss_manager *mgr, const char *session, int64_t t_ms, int64_t *id);

/* The newest snapshot of `session`. */
ss_status ss_latest(ss_manager *mgr, const char *session, int64_t *id);

/* Search; see ss_query and ss_cursor in ss_types.h.  cursor may be NULL. */
ss_status ss_search(ss_manager *mgr, const ss_query *q, ss_cursor *cursor,
                    ss_row_fn fn, void *user_data);
ss_status ss_count(ss_manager *mgr, const ss_query *q, int64_t *count);

ss_status ss_tag(ss_manager *mgr, int64_t id, const char *tag);
ss_status ss_untag(ss_manager *mgr, int64_t id, const char *tag);
/* text NULL or "" clears the description. */
ss_status ss_describe(ss_manager *mgr, int64_t id, const char *text);
ss_status ss_pin(ss_manager *mgr, int64_t id, bool pinned);
ss_status ss_delete(ss_manager *mgr, int64_t id);

/* ---- sessions and statistics -------------------------------------------- */

ss_status ss_sessions(ss_manager *mgr, ss_session **out, size_t *n);
ss_status ss_session_info(ss_manager *mgr, const char *name, ss_session *out);

/* Totals for one session or (NULL) the whole store. */
ss_status ss_stats_get(ss_manager *mgr, const char *session, ss_stats *out);

/* stored / raw from the totals; 1.0 for an empty store. */
double ss_stats_ratio(const ss_stats *stats);

/* Mean creation time in microseconds; 0 for an empty store. */
double ss_stats_avg_create_us(const ss_stats *stats);

/* ---- session configuration ---------------------------------------------- */

/*
 * A session's own settings, stored with it (as JSON text in the store).
 * Zero means "not set": the manager's ss_config applies.
 */
typedef struct ss_session_config {
	int64_t interval_ms;        /* capture interval for `watch` */
	int64_t max_age_ms;         /* retention */
	int64_t max_count;
	int64_t keep_hourly;
	int64_t keep_daily;
	bool delete_tagged;         /* retention may delete tagged snapshots too */
	int keyframe_every;         /* force a keyframe every K snapshots */
	char **ignore;              /* path patterns dropped from diffs ... */
	size_t n_ignore;            /* ... and from "unchanged" detection */
	ss_array_key *array_keys;   /* identity fields of arrays (path, field owned) */
	size_t n_array_keys;
} ss_session_config;

void ss_session_config_clear(ss_session_config *cfg);

/* Read the configuration of `session` (SS_NOT_FOUND when it does not exist). */
ss_status ss_session_config_get(ss_manager *mgr, const char *session, ss_session_config *out);

/* Replace it, creating the session when missing.  Patterns and array-key
 * paths are checked (SS_USAGE naming the bad one). */
ss_status ss_session_config_set(ss_manager *mgr, const char *session,
                                const ss_session_config *cfg);

/* ---- diff and history ---------------------------------------------------- */

/*
 * Structural diff of snapshot a (old) against b (new), applying the ignore
 * rules and array keys of a's session and then those in opts (may be
 * NULL).  *out owns the result (ss_diff_clear()).
 */
ss_status ss_diff_snapshots(ss_manager *mgr, int64_t a, int64_t b, const ss_diff_opts *opts,
                            ss_diff *out);

/* One change of one value over time. */
typedef struct ss_history_entry {
	int64_t snapshot_id;        /* the snapshot where the new value is first seen */
	int64_t seq;
	int64_t created_at;
	ss_change_kind kind;        /* ADDED (appeared), REMOVED (disappeared), CHANGED */
	const json_t *old_value;    /* borrowed for the call; NULL when it appeared */
	const json_t *new_value;    /* NULL when it disappeared */
} ss_history_entry;

/* Return non-zero to stop early (not an error). */
typedef int (*ss_history_fn)(const ss_history_entry *e, void *user_data);

/*
 * Every snapshot of `session` (in seq order) where the value at `path`
 * appeared, changed or disappeared; the first snapshot reports the value as
 * ADDED when present.  Walks the deltas: a snapshot whose patch does not
 * touch the path costs only that patch, never a full reconstruction.
 */
ss_status ss_history(ss_manager *mgr, const char *session, const ss_path *path,
                     ss_history_fn fn, void *user_data);

/* ---- verification -------------------------------------------------------- */

/* Called for each damaged snapshot with its id and a one-line reason. */
typedef void (*ss_damage_fn)(int64_t id, const char *reason, void *user_data);

/*
 * Read every snapshot of `session` (NULL: all) back, recompute its
 * checksum, then run the store's integrity check.  *checked and *damaged
 * (may be NULL) get the counts.  SS_CORRUPT when anything is damaged.
 */
ss_status ss_verify(ss_manager *mgr, const char *session, ss_damage_fn fn,
                    void *user_data, int64_t *checked, int64_t *damaged);

/* ---- input, canonical form, checksums ------------------------------------ */

/*
 * Parse a JSON state from `len` bytes.  Rejected with SS_INPUT and a message
 * naming the line and column: malformed JSON, duplicate keys, \u0000 in
 * strings, integers beyond 64 bits, NaN/Infinity, invalid UTF-8, nesting
 * past SS_DEPTH_MAX; SS_LIMIT when len > max_bytes.  `what` names the input
 * in messages ("state.json", "standard input").
 */
ss_status ss_state_parse(const char *buf, size_t len, size_t max_bytes,
                         const char *what, json_t **out, char *err, size_t err_size);

/* Read all of `fd` (stopping with SS_LIMIT past max_bytes, without reading
 * the rest into memory) and parse it as above. */
ss_status ss_state_read_fd(int fd, size_t max_bytes, const char *what,
                           json_t **out, char *err, size_t err_size);

enum ss_dump_flags {
	SS_DUMP_SORT_KEYS = 1 << 0, /* keys by code point (the canonical form) */
	SS_DUMP_INDENT = 1 << 1,    /* two-space indentation, one member a line */
	SS_DUMP_SAFE = 1 << 2,      /* also escape DEL, C1 controls, bidi controls,
	                               U+2028/2029 as \uXXXX: safe for a terminal */
};

/*
 * Serialise a value.  Without flags: compact JSON in the document's own key
 * order.  Reals in their shortest round-trip form as Python's repr() writes
 * them; strings with only the escapes JSON requires (\" \\ \b \f \n \r \t,
 * \u00XX for other controls), non-ASCII kept as UTF-8.  With
 * SS_DUMP_SORT_KEYS and no other flag the bytes are the canonical form of
 * DESIGN.md.  Returns a NUL-terminated buffer (*len excludes the NUL), or
 * NULL when out of memory.
 */
char *ss_json_dump(const json_t *value, unsigned flags, size_t *len);

/* SHA-256 (hex) of the canonical form. */
ss_status ss_checksum_json(const json_t *value, char hex[SS_CHECKSUM_HEX_LEN + 1]);

/* ---- untrusted text ------------------------------------------------------ */

/*
 * Make text safe for a terminal: control characters (C0, DEL, C1), escape
 * sequences, bidi controls, U+2028/2029 become \n, \t, \e-free "\u001b"-style
 * escapes; a backslash stays a backslash; invalid UTF-8 bytes become \xNN.
 * Printable UTF-8 (wide and combining characters too) passes unchanged.
 * Returns a malloc()ed NUL-terminated string, NULL when out of memory.
 */
char *ss_text_escape(const char *s, size_t len);

/* True when ss_text_escape() would return the text unchanged. */
bool ss_text_is_safe(const char *s, size_t len);

/* ---- names, tags, descriptions ------------------------------------------ */

/* Each returns SS_OK or SS_USAGE with a message in err naming the problem
 * (with the offending text escaped). */
ss_status ss_session_name_check(const char *name, char *err, size_t err_size);
ss_status ss_tag_check(const char *tag, char *err, size_t err_size);
ss_status ss_description_check(const char *text, char *err, size_t err_size);

/* ---- times and durations ------------------------------------------------- */

/* Milliseconds since the epoch, now (CLOCK_REALTIME). */
int64_t ss_now_ms(void);

/*
 * Parse a time as DESIGN.md writes them: RFC 3339 ("2026-11-25T14:03:10Z",
 * fractions and offsets allowed), local "2026-11-25 14:03[:10]", local "14:03"
 * (today), relative "-5m" (before now_ms), or integer milliseconds "@1700000000000".
 */
ss_status ss_time_parse(const char *text, int64_t now_ms, int64_t *out_ms,
                        char *err, size_t err_size);

/* Parse "250ms", "5s", "10m", "24h", "7d" (also combined "1h30m"). */
ss_status ss_duration_parse(const char *text, int64_t *out_ms, char *err, size_t err_size);

/* Format a time: RFC 3339 UTC with milliseconds ("2026-11-25T14:03:10.123Z"). */
void ss_time_format_utc(int64_t ms, char *buf, size_t size);

/* Format a time in local time, "2026-11-25 14:03:10". */
void ss_time_format_local(int64_t ms, char *buf, size_t size);

/* Format a duration the way ss_duration_parse() reads it ("1h30m", "250ms"). */
void ss_duration_format(int64_t ms, char *buf, size_t size);

/* ---- demo ---------------------------------------------------------------- */

/*
 * Fill session "demo" with `steps` snapshots of a simulated multi-agent
 * orchestration system (agents, tasks, memory, communications, resources),
 * spread over hours ending at end_ms, some tagged and described, one
 * pinned.  Deterministic for a given seed.  *created (may be NULL) gets the
 * count written.
 */
ss_status ss_demo_fill(ss_manager *mgr, int steps, uint64_t seed, int64_t end_ms,
                       int64_t *created);

/* ---- export -------------------------------------------------------------- */

/*
 * Write the snapshots matching `q` (all its filters, limit and offset;
 * ordered as it sorts), or exactly `ids` in the order given when n_ids > 0
 * (q is then ignored and may be NULL), to `path` as the JSON export of
 * DESIGN.md: {"format":"snapscope-export","version":1,"exported_at":..,
 * "sessions":[{"name":..,"config":{..}}..],"snapshots":[{"id","session",
 * "seq","created_at","origin","tags","pinned","description","checksum",
 * "state"}..]}, with each state in its document's own key order.
 *
 * Streamed: one state in memory at a time.  The file is created with mode
 * 0600 under a temporary name in the same directory, synced, and then
 * renamed to `path`, so `path` never shows a partial export.  An existing
 * `path` is SS_EXISTS unless `force`; a symbolic link (or anything but a
 * regular file) at `path` is refused even with force (SS_USAGE); a missing
 * directory is SS_NOT_FOUND naming it; an unknown id is SS_NOT_FOUND before
 * anything is written.  On failure nothing is left behind.  *written (may
 * be NULL) gets the number of snapshots exported.
 */
ss_status ss_export_json(ss_manager *mgr, const ss_query *q, const int64_t *ids, size_t n_ids,
                         const char *path, bool force, int64_t *written);

#endif
