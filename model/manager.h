/*
 * manager.h - the manager's private state, shared by the model files that
 * implement the public API (manager.c, snapshot_ops.c, query.c, verify.c).
 */
#ifndef SS_MANAGER_H
#define SS_MANAGER_H

#include <pthread.h>
#include <stdarg.h>

#include "cache.h"
#include "snapscope.h"
#include "ss_store.h"

struct subscriber {
	int handle;                 /* 0 = free slot */
	ss_event_fn fn;
	void *user_data;
};

/*
 * The newest state of a session, kept private to the manager (never handed
 * out, never in the LRU cache) so that capture can diff against it and
 * patch it forward without reading the store.  Valid only while
 * snapshot_id is the session's latest snapshot.
 */
struct session_head {
	int64_t session_id;         /* 0 = free slot */
	int64_t snapshot_id;        /* 0 = stale: reload before use */
	json_t *state;              /* owned */
	int chain_len;              /* deltas between this snapshot and its keyframe */
	int64_t chain_bytes;        /* their stored bytes, summed */
	uint64_t last_used;
};

#define MGR_HEADS 8

struct ss_manager {
	ss_config cfg;              /* as opened; cfg.store_path points at path */
	char *path;                 /* owned */
	ss_store *store;
	ss_cache *cache;            /* NULL unless the store type is HYBRID */
	pthread_mutex_t subs_lock;  /* subs: the capture threads emit through them too */
	struct subscriber *subs;
	size_t n_subs;
	int next_handle;
	struct auto_capture *autos; /* running automatic captures (auto.c), a list */
	int wake[2];                /* the pipe auto.c wakes a UI through; -1 until used */
	struct session_head heads[MGR_HEADS];
	uint64_t head_clock;
	char err[1024];
};

/* Set the error message (printf-style) and return st, so that failures read
 * `return mgr_fail(mgr, SS_NOT_FOUND, "no snapshot with id %lld", id);`. */
ss_status mgr_fail(ss_manager *mgr, ss_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy the store's message for a failed store call and return st. */
ss_status mgr_store_fail(ss_manager *mgr, ss_status st);

/* Tell every subscriber. */
void mgr_emit(ss_manager *mgr, ss_event_type type, int64_t snapshot_id,
              const char *session);

/* Tell every subscriber about a ready-made event (thread-safe). */
void mgr_emit_event(ss_manager *mgr, const ss_event *ev);

/* Report a failure to subscribers as SS_EVENT_ERROR (the message is mgr->err)
 * and return st unchanged. */
ss_status mgr_emit_error(ss_manager *mgr, ss_status st);

/* Metadata of snapshot `id`; SS_NOT_FOUND says "no snapshot with id N". */
ss_status mgr_get_meta(ss_manager *mgr, int64_t id, ss_snapshot *meta);

/* The id of session `name`; SS_NOT_FOUND (with a message) when absent. */
ss_status mgr_session_id(ss_manager *mgr, const char *name, int64_t *id);

/* Read a snapshot's state, bypassing the cache when use_cache is false,
 * verifying the checksum when verify is true. */
ss_status mgr_read_state(ss_manager *mgr, const ss_snapshot *meta, bool use_cache,
                         bool verify, json_t **state);

/* The configuration of `session` (and its id, may be NULL).  SS_NOT_FOUND
 * with a message when the session does not exist. */
ss_status mgr_session_config(ss_manager *mgr, const char *session, ss_session_config *out,
                             int64_t *session_id);

/* ---- snapshot_ops.c ---- */

struct delta_plan;

/*
 * The write half of ss_create() inside the caller's transaction (the caller
 * begins, commits or rolls back): the delta plan against the session's
 * newest state, the blob and the row.  Reads row->session_id and what
 * ss_store_snapshot_insert() reads of metadata (created_at, origin, tags,
 * description, pinned, raw_size, checksum); fills the storage fields
 * (kind, base_id, blob_id, stored_size, change counts, create_us counted
 * from `started`, a mgr_monotonic_us() value) and id and seq.  The state is
 * not checked here (the caller did).  With skip_unchanged and a state equal
 * to the head's, nothing is written and row->id stays 0.  Whatever the
 * outcome the caller ends *plan with delta_plan_finish(): committed (in
 * the caller's transaction, which then must commit) with the new id, or
 * not.  Message set on failure.
 */
ss_status mgr_create_row(ss_manager *mgr, const ss_session_config *scfg, const json_t *state,
                         size_t doc_len, int64_t started, bool skip_unchanged, ss_snapshot *row,
                         struct delta_plan *plan);

/* CLOCK_MONOTONIC in microseconds, for create_us. */
int64_t mgr_monotonic_us(void);

/* ---- auto.c ---- */

/* Stop and join every automatic capture and close the wake pipe (ss_close). */
void auto_shutdown(ss_manager *mgr);

/* ---- delta.c ---- */

/* A state the caller owns and may change (rebuilt, or copied from a state
 * in hand), its checksum verified when `verify`. */
ss_status mgr_read_private(ss_manager *mgr, const ss_snapshot *meta, bool verify, json_t **state);

/* Parse a snapshot's blob as JSON: the state of a keyframe, the patch (an
 * array) of a delta.  SS_CORRUPT when it is not. */
ss_status mgr_load_blob_json(ss_manager *mgr, const ss_snapshot *meta, json_t **out);

/* What capture decided for a new state: its change counts and how to store it. */
struct delta_plan {
	struct session_head *head;  /* the session's head, patched forward (or NULL) */
	int64_t base_id;            /* predecessor; 0 for the first snapshot */
	ss_kind kind;
	char *patch;                /* the JSON Patch text, for a delta (owned) */
	size_t patch_len;
	int64_t n_added, n_removed, n_changed;
	bool unchanged;             /* skip_unchanged and the state equals the head's */
};

/*
 * Inside the capture transaction: diff `state` against the session's newest
 * snapshot, choose keyframe or delta, and move the head forward to `state`.
 * With skip_unchanged, a state equal to the head's after the session's
 * ignore rules sets plan->unchanged and moves nothing: the caller writes
 * nothing.  On failure the head is dropped and nothing else changed.
 */
ss_status delta_plan_make(ss_manager *mgr, int64_t session_id, const ss_session_config *scfg,
                          const json_t *state, size_t doc_len, bool skip_unchanged,
                          struct delta_plan *plan);

/* After the transaction: commit the head to new_id (committed) or drop it. */
void delta_plan_finish(ss_manager *mgr, struct delta_plan *plan, int64_t new_id, bool committed);

/* Inside the delete transaction: re-base every delta stored against `victim`
 * so that deleting it leaves all others readable. */
ss_status delta_rebase_dependents(ss_manager *mgr, const ss_snapshot *victim);

/* Forget the cached head that names snapshot `id` (it is being deleted). */
void delta_forget(ss_manager *mgr, int64_t id);

/* Release every head (close). */
void delta_heads_free(ss_manager *mgr);

/* Drop the heads of every session in `session_ids`: a transaction that
 * moved them forward was rolled back, so they name rows that never were.
 * The next capture reloads them from the store. */
void delta_heads_drop(ss_manager *mgr, const int64_t *session_ids, size_t n);

#endif
