/*
 * manager.h - the manager's private state, shared by the model files that
 * implement the public API (manager.c, snapshot_ops.c, query.c, verify.c).
 */
#ifndef SS_MANAGER_H
#define SS_MANAGER_H

#include <stdarg.h>

#include "cache.h"
#include "snapscope.h"
#include "ss_store.h"

struct subscriber {
	int handle;                 /* 0 = free slot */
	ss_event_fn fn;
	void *user_data;
};

struct ss_manager {
	ss_config cfg;              /* as opened; cfg.store_path points at path */
	char *path;                 /* owned */
	ss_store *store;
	ss_cache *cache;            /* NULL unless the store type is HYBRID */
	struct subscriber *subs;
	size_t n_subs;
	int next_handle;
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

/* Report a failure to subscribers as SS_EVENT_ERROR (the message is mgr->err)
 * and return st unchanged. */
ss_status mgr_emit_error(ss_manager *mgr, ss_status st);

/* The id of session `name`; SS_NOT_FOUND (with a message) when absent. */
ss_status mgr_session_id(ss_manager *mgr, const char *name, int64_t *id);

/* Read a snapshot's state, bypassing the cache when use_cache is false,
 * verifying the checksum when verify is true. */
ss_status mgr_read_state(ss_manager *mgr, const ss_snapshot *meta, bool use_cache,
                         bool verify, json_t **state);

#endif
