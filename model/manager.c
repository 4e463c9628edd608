/*
 * manager.c - opening and closing a manager, its error message, event
 * subscribers, sessions and statistics.  Snapshot operations live in
 * snapshot_ops.c, searching in query.c, verification in verify.c.
 */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ss_config_init(ss_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->store_type = SS_STORE_TYPE_HYBRID;
	cfg->create = true;
	cfg->auto_interval_ms = 30 * 1000;
	cfg->compression = true;
	cfg->compression_threshold = 1024;
	cfg->incremental = true;
	cfg->keyframe_every = 50;
	cfg->validate_checksums = true;
	cfg->cache_bytes = 64u << 20;
	cfg->max_state_bytes = SS_STATE_MAX_DEFAULT;
}

ss_status mgr_fail(ss_manager *mgr, ss_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(mgr->err, sizeof mgr->err, fmt, ap);
	va_end(ap);
	return st;
}

ss_status mgr_store_fail(ss_manager *mgr, ss_status st)
{
	snprintf(mgr->err, sizeof mgr->err, "%s", ss_store_errmsg(mgr->store));
	if (!mgr->err[0])
		snprintf(mgr->err, sizeof mgr->err, "%s", ss_status_str(st));
	return st;
}

static ss_status config_check(const ss_config *cfg, char *err, size_t err_size)
{
	if (cfg->store_type != SS_STORE_TYPE_DISK && cfg->store_type != SS_STORE_TYPE_MEMORY &&
	    cfg->store_type != SS_STORE_TYPE_HYBRID) {
		snprintf(err, err_size, "unknown store type %d", (int)cfg->store_type);
		return SS_USAGE;
	}
	if (cfg->max_state_bytes == 0 || cfg->max_state_bytes > (size_t)1 << 32) {
		snprintf(err, err_size, "state size limit %zu out of range (1 byte to 4 GiB)",
		         cfg->max_state_bytes);
		return SS_USAGE;
	}
	if (cfg->keyframe_every < 1) {
		snprintf(err, err_size, "keyframe interval %d must be at least 1", cfg->keyframe_every);
		return SS_USAGE;
	}
	if (cfg->auto_interval_ms < 0 || cfg->max_age_ms < 0 || cfg->max_snapshots < 0) {
		snprintf(err, err_size, "negative interval, age or count in the configuration");
		return SS_USAGE;
	}
	return SS_OK;
}

ss_status ss_open(const ss_config *cfg, ss_manager **out, char *err, size_t err_size)
{
	*out = NULL;
	ss_config defaults;
	if (!cfg) {
		ss_config_init(&defaults);
		cfg = &defaults;
	}
	ss_status st = config_check(cfg, err, err_size);
	if (st != SS_OK)
		return st;

	ss_manager *mgr = calloc(1, sizeof *mgr);
	if (!mgr) {
		snprintf(err, err_size, "out of memory");
		return SS_NOMEM;
	}
	mgr->cfg = *cfg;
	mgr->wake[0] = mgr->wake[1] = -1;
	pthread_mutex_init(&mgr->subs_lock, NULL);
	if (cfg->store_type == SS_STORE_TYPE_MEMORY)
		mgr->path = strdup(SS_STORE_MEMORY);
	else if (cfg->store_path)
		mgr->path = strdup(cfg->store_path);
	else {
		mgr->path = ss_store_default_path();
		if (!mgr->path) {
			snprintf(err, err_size, "no store location: set SNAPSCOPE_STORE or HOME, or pass --store");
			free(mgr);
			return SS_USAGE;
		}
	}
	if (!mgr->path) {
		free(mgr);
		snprintf(err, err_size, "out of memory");
		return SS_NOMEM;
	}
	mgr->cfg.store_path = mgr->path;

	unsigned flags = 0;
	if (cfg->create)
		flags |= SS_STORE_CREATE;
	if (cfg->read_only)
		flags |= SS_STORE_READONLY;
	st = ss_store_open(mgr->path, flags, &mgr->store, err, err_size);
	if (st != SS_OK) {
		free(mgr->path);
		free(mgr);
		return st;
	}
	if (cfg->store_type == SS_STORE_TYPE_HYBRID && cfg->cache_bytes > 0) {
		mgr->cache = ss_cache_new(cfg->cache_bytes);
		if (!mgr->cache) {
			ss_close(mgr);
			snprintf(err, err_size, "out of memory");
			return SS_NOMEM;
		}
	}
	*out = mgr;
	return SS_OK;
}

void ss_close(ss_manager *mgr)
{
	if (!mgr)
		return;
	auto_shutdown(mgr);
	delta_heads_free(mgr);
	ss_cache_free(mgr->cache);
	ss_store_close(mgr->store);
	free(mgr->subs);
	pthread_mutex_destroy(&mgr->subs_lock);
	free(mgr->path);
	free(mgr);
}

const char *ss_errmsg(const ss_manager *mgr)
{
	return mgr ? mgr->err : "";
}

const char *ss_store_location(const ss_manager *mgr)
{
	return mgr->path;
}

ss_status ss_changed_since(ss_manager *mgr, int64_t *version, bool *changed)
{
	int64_t now = 0;
	*changed = false;
	ss_status st = ss_store_data_version(mgr->store, &now);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	/* data_version is never 0 for an open connection, so 0 can mean
	 * "not read yet" without a separate flag. */
	*changed = *version != 0 && now != *version;
	*version = now;
	return SS_OK;
}

/* ---- events ---------------------------------------------------------------- */

/* The list is guarded by subs_lock because automatic capture threads emit
 * through it too; callbacks run under the lock, which is why they must not
 * call back into the manager. */
static int subscribe_locked(ss_manager *mgr, ss_event_fn fn, void *user_data)
{
	size_t i;
	for (i = 0; i < mgr->n_subs && mgr->subs[i].handle; i++)
		;
	if (i == mgr->n_subs) {
		struct subscriber *subs = realloc(mgr->subs, (mgr->n_subs + 1) * sizeof *subs);
		if (!subs)
			return 0;
		mgr->subs = subs;
		mgr->n_subs++;
	}
	mgr->subs[i] = (struct subscriber){ ++mgr->next_handle, fn, user_data };
	return mgr->subs[i].handle;
}

int ss_subscribe(ss_manager *mgr, ss_event_fn fn, void *user_data)
{
	pthread_mutex_lock(&mgr->subs_lock);
	int handle = subscribe_locked(mgr, fn, user_data);
	pthread_mutex_unlock(&mgr->subs_lock);
	return handle;
}

void ss_unsubscribe(ss_manager *mgr, int handle)
{
	pthread_mutex_lock(&mgr->subs_lock);
	for (size_t i = 0; i < mgr->n_subs; i++)
		if (mgr->subs[i].handle == handle && handle != 0)
			mgr->subs[i].handle = 0;
	pthread_mutex_unlock(&mgr->subs_lock);
}

void mgr_emit_event(ss_manager *mgr, const ss_event *ev)
{
	pthread_mutex_lock(&mgr->subs_lock);
	for (size_t i = 0; i < mgr->n_subs; i++)
		if (mgr->subs[i].handle)
			mgr->subs[i].fn(ev, mgr->subs[i].user_data);
	pthread_mutex_unlock(&mgr->subs_lock);
}

void mgr_emit(ss_manager *mgr, ss_event_type type, int64_t snapshot_id, const char *session)
{
	ss_event ev = { .type = type, .snapshot_id = snapshot_id, .session = session };
	mgr_emit_event(mgr, &ev);
}

ss_status mgr_emit_error(ss_manager *mgr, ss_status st)
{
	ss_event ev = { .type = SS_EVENT_ERROR, .status = st, .message = mgr->err };
	mgr_emit_event(mgr, &ev);
	return st;
}

/* ---- sessions and statistics ---------------------------------------------- */

ss_status mgr_get_meta(ss_manager *mgr, int64_t id, ss_snapshot *meta)
{
	ss_status st = ss_store_snapshot_get(mgr->store, id, meta);
	if (st == SS_NOT_FOUND)
		return mgr_fail(mgr, st, "no snapshot with id %lld", (long long)id);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status mgr_session_id(ss_manager *mgr, const char *name, int64_t *id)
{
	ss_status st = ss_store_session_find(mgr->store, name, id, NULL);
	if (st == SS_NOT_FOUND) {
		char *safe = ss_text_escape(name, strlen(name));
		mgr_fail(mgr, st, "no session named \"%s\"", safe ? safe : "?");
		free(safe);
		return st;
	}
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_sessions(ss_manager *mgr, ss_session **out, size_t *n)
{
	ss_status st = ss_store_sessions(mgr->store, out, n);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_session_info(ss_manager *mgr, const char *name, ss_session *out)
{
	ss_status st = ss_store_session_get(mgr->store, name, out);
	if (st == SS_NOT_FOUND) {
		int64_t unused;
		return mgr_session_id(mgr, name, &unused);
	}
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

ss_status ss_stats_get(ss_manager *mgr, const char *session, ss_stats *out)
{
	if (session) {
		int64_t id;
		ss_status st = mgr_session_id(mgr, session, &id);
		if (st != SS_OK)
			return st;
	}
	ss_status st = ss_store_stats(mgr->store, session, out);
	return st == SS_OK ? st : mgr_store_fail(mgr, st);
}

double ss_stats_ratio(const ss_stats *stats)
{
	if (stats->raw_bytes <= 0)
		return 1.0;
	return (double)stats->stored_bytes / (double)stats->raw_bytes;
}

double ss_stats_avg_create_us(const ss_stats *stats)
{
	if (stats->snapshots <= 0)
		return 0.0;
	return (double)stats->create_us_total / (double)stats->snapshots;
}
