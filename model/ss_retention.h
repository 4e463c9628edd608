/*
 * ss_retention.h - cleanup: which snapshots a session's retention policy
 * keeps, which it deletes, and why.
 *
 * Policy (per session, ss_session_config; zero fields fall back to the
 * manager's ss_config max_age_ms / max_snapshots / tagged_only):
 *  - pinned snapshots are never deleted ("pinned");
 *  - the newest snapshot (highest seq) is always kept ("newest");
 *  - tagged snapshots are kept ("tagged") unless the policy says
 *    delete_tagged;
 *  - keep_hourly N / keep_daily N keep the newest snapshot of each of the
 *    newest N clock hours / local days that have one ("hourly bucket",
 *    "daily bucket");
 *  - max_age: older ones are deleted ("older than 1d"), younger ones kept
 *    ("within 1d", or "within max-count" when that is set too).  Ages count back from the newest snapshot's time, or
 *    from now when that is earlier, never from a wall clock that jumped
 *    ahead: a clock jump alone never empties a session;
 *  - max_count: beyond the protected ones above, the newest are kept until
 *    the session holds max_count ("within max-count"); the rest go
 *    ("over max-count");
 *  - tagged_only: untagged snapshots go ("untagged");
 *  - no policy at all keeps everything ("no policy").
 * Protection (the first four) beats every limit; otherwise each limit set
 * deletes on its own: with max_age and max_count both, a snapshot must be
 * young enough and among the newest max_count.
 * Deleting re-bases the
 * deltas that depend on it (no snapshot is ever left unreadable), in
 * batches of SS_CLEANUP_BATCH per transaction so that a capture waiting for
 * the store is not held up behind one long delete.
 */
#ifndef SS_RETENTION_H
#define SS_RETENTION_H

#include "snapscope.h"

#define SS_CLEANUP_BATCH 64

/* Overrides for one run; zero/false fields leave the session's policy as
 * it is. */
typedef struct ss_retention {
	int64_t max_age_ms;
	int64_t max_count;
	int64_t keep_hourly;
	int64_t keep_daily;
	bool delete_tagged;
} ss_retention;

/* One decision, borrowed for the callback. */
typedef struct ss_cleanup_decision {
	int64_t id;
	const char *session;
	int64_t seq;
	int64_t created_at;
	bool keep;
	const char *reason;         /* "pinned", "newest", "within 24h", "daily bucket", ... */
} ss_cleanup_decision;

typedef void (*ss_cleanup_fn)(const ss_cleanup_decision *d, void *user_data);

/*
 * Apply retention to `session` (NULL: every session), with `override` (may
 * be NULL) over each session's stored policy.  `fn` (may be NULL) gets every
 * snapshot's decision, newest first within a session.  With dry_run nothing
 * is deleted.  *deleted (may be NULL) gets the count deleted (or, dry, that
 * would be).  Emits SS_EVENT_SNAPSHOT_DELETED per snapshot and one
 * SS_EVENT_CLEANUP_DONE per session.  SS_NOT_FOUND for an unknown session.
 */
ss_status ss_cleanup(ss_manager *mgr, const char *session, const ss_retention *override,
                     bool dry_run, ss_cleanup_fn fn, void *user_data, int64_t *deleted);

#endif
