/*
 * ss_auto.h - automatic capture: a background thread per session that polls
 * a capture function on a drift-free interval, records what it returns as
 * snapshots (origin "auto"), records failures as capture errors, and applies
 * the session's retention policy after captures and periodically.
 *
 * The thread has its own store connection (its own manager on the same
 * store file), so the caller's manager keeps working while it writes; new
 * snapshots reach the caller's manager as any other connection's writes do
 * (ss_changed_since).  An in-memory store has no second connection:
 * automatic capture needs a store file (SS_USAGE says so).
 *
 * Events of automatic capture (SS_EVENT_SNAPSHOT_CREATED, _DELETED,
 * SS_EVENT_CAPTURE_*, SS_EVENT_CLEANUP_DONE) go to the caller manager's
 * subscribers, called on the capture thread: a subscriber must be
 * thread-safe and must not call into either manager.  A UI that wants to be
 * woken instead polls ss_auto_wake_fd().
 */
#ifndef SS_AUTO_H
#define SS_AUTO_H

#include "snapscope.h"

/*
 * One poll of a source; see ss_source.h for the contract (SS_OK with a
 * state, SS_OK with NULL for "nothing new", other: a capture error with the
 * reason written to `reason`).  Called on the capture thread only.
 */
typedef ss_status (*ss_capture_fn)(void *user_data, json_t **state, char *reason,
                                   size_t reason_size);

#define SS_AUTO_INTERVAL_MIN_MS 100
#define SS_AUTO_CLEANUP_EVERY_DEFAULT_MS 60000

typedef struct ss_auto_opts {
	int64_t interval_ms;        /* 0: the session's interval, else the manager's auto_interval_ms */
	bool keep_unchanged;        /* store a state equal to the newest one (after ignore rules) */
	bool retention;             /* apply the session's retention policy (default true) */
	int64_t cleanup_every_ms;   /* periodic retention besides after captures (default 60 s) */
	bool start_paused;          /* begin paused (default false) */
} ss_auto_opts;

void ss_auto_opts_init(ss_auto_opts *opts);

/*
 * Start capturing into `session` (created when missing) every `interval_ms`
 * (0: as ss_auto_opts says), first at once.  The seed's
 * startAutomaticSnapshots.  SS_EXISTS when the session already has
 * automatic capture in this manager; SS_USAGE for an interval under
 * SS_AUTO_INTERVAL_MIN_MS or an in-memory store.
 */
ss_status ss_auto_start(ss_manager *mgr, const char *session, int64_t interval_ms,
                        ss_capture_fn fn, void *user_data);
ss_status ss_auto_start_opts(ss_manager *mgr, const char *session, const ss_auto_opts *opts,
                             ss_capture_fn fn, void *user_data);

/*
 * Stop and join the thread.  A capture in progress finishes (committed
 * whole) before it returns; nothing is left half-written.  NULL session:
 * every automatic capture of the manager.  SS_NOT_FOUND when none runs for
 * the session.  ss_close() stops them all too.
 */
ss_status ss_auto_stop(ss_manager *mgr, const char *session);

/* Pause (no captures, no errors; retention still runs) or resume. */
ss_status ss_auto_pause(ss_manager *mgr, const char *session, bool paused);

/* Capture now (also while paused), without moving the interval's grid. */
ss_status ss_auto_trigger(ss_manager *mgr, const char *session);

typedef struct ss_auto_info {
	bool running;
	bool paused;
	int64_t interval_ms;
	int64_t captured;           /* snapshots stored */
	int64_t unchanged;          /* polls whose state equalled the newest one */
	int64_t errors;             /* capture errors */
	int64_t deleted;            /* snapshots deleted by retention */
	int64_t last_snapshot_id;   /* 0: none yet */
	int64_t last_capture_at;    /* ms, wall clock; 0: none yet */
	int64_t last_error_at;      /* ms; 0: none */
	int64_t next_at;            /* ms, when the next poll is due */
	bool failing;               /* the last poll was an error */
	char last_error[512];       /* the last error's reason, raw (escape to show) */
} ss_auto_info;

/* A consistent copy of the thread's counters.  SS_NOT_FOUND when no
 * automatic capture runs for `session`. */
ss_status ss_auto_status(ss_manager *mgr, const char *session, ss_auto_info *out);

/*
 * A file descriptor that becomes readable when automatic capture did
 * something (captured, failed, cleaned up, paused): poll() it beside the
 * terminal, then call ss_auto_drain().  -1 until the first ss_auto_start().
 */
int ss_auto_wake_fd(ss_manager *mgr);
void ss_auto_drain(ss_manager *mgr);

/* ---- capture errors --------------------------------------------------------- */

/* A failed capture as stored: when, and why. */
typedef struct ss_capture_error {
	int64_t id;
	int64_t at;                 /* ms since the epoch */
	const char *reason;         /* borrowed for the callback */
} ss_capture_error;

/* Return non-zero to stop early (not an error). */
typedef int (*ss_capture_error_fn)(const ss_capture_error *e, void *user_data);

#define SS_CAPTURE_ERRORS_KEPT 1000 /* per session; older ones are dropped */
#define SS_CAPTURE_REASON_MAX 500   /* bytes; longer reasons are cut (at a UTF-8 boundary) */

/*
 * Record a capture error for `session` (created when missing) at `at_ms`
 * (0: now).  Keeps the newest SS_CAPTURE_ERRORS_KEPT of the session.
 */
ss_status ss_capture_error_add(ss_manager *mgr, const char *session, int64_t at_ms,
                               const char *reason);

/*
 * The capture errors of `session` with since <= at <= until (SS_TIME_NONE:
 * open), oldest first, at most `limit` (0: all).  A session that does not
 * exist has none (SS_OK).
 */
ss_status ss_capture_errors(ss_manager *mgr, const char *session, int64_t since,
                            int64_t until, int64_t limit, ss_capture_error_fn fn,
                            void *user_data);

/* How many capture errors of `session` lie in since < at <= until (the
 * timeline's "errors before this snapshot"); SS_TIME_NONE: open. */
ss_status ss_capture_error_count(ss_manager *mgr, const char *session, int64_t since,
                                 int64_t until, int64_t *count);

#endif
