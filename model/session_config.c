/*
 * session_config.c - a session's own settings (capture interval, retention,
 * ignore rules, array keys, keyframe interval), kept by the store as JSON
 * text in the session's row and read and written here as a struct.
 *
 * The text is ours, but a store may come from anywhere: members of the wrong
 * type are reported as damage rather than guessed at, and unknown members
 * are ignored so that a newer snapscope's settings do not break this one.
 */
#include "manager.h"

#include <stdlib.h>
#include <string.h>

/* A keyframe interval past this makes reading a snapshot unboundedly slow;
 * the same bound is checked on write and on read. */
#define SESSION_KEYFRAME_MAX 1000000

void ss_session_config_clear(ss_session_config *cfg)
{
	for (size_t i = 0; i < cfg->n_ignore; i++)
		free(cfg->ignore[i]);
	free(cfg->ignore);
	for (size_t i = 0; i < cfg->n_array_keys; i++) {
		free((char *)cfg->array_keys[i].path);
		free((char *)cfg->array_keys[i].field);
	}
	free(cfg->array_keys);
	memset(cfg, 0, sizeof *cfg);
}

static const struct {
	const char *name;
	size_t offset;
} int_members[] = {
	{ "interval_ms", offsetof(ss_session_config, interval_ms) },
	{ "max_age_ms", offsetof(ss_session_config, max_age_ms) },
	{ "max_count", offsetof(ss_session_config, max_count) },
	{ "keep_hourly", offsetof(ss_session_config, keep_hourly) },
	{ "keep_daily", offsetof(ss_session_config, keep_daily) },
};

#define N_INT_MEMBERS (sizeof int_members / sizeof int_members[0])

static int64_t *int_member(ss_session_config *cfg, size_t i)
{
	return (int64_t *)(void *)((char *)cfg + int_members[i].offset);
}

/* Parse the stored text into *out.  SS_CORRUPT names the session. */
static ss_status config_parse(ss_manager *mgr, const char *session, const char *text,
                              ss_session_config *out)
{
	memset(out, 0, sizeof *out);
	json_error_t jerr;
	json_t *root = json_loads(text ? text : "{}", 0, &jerr);
	/* jansson says when it ran out of memory: that is not damage. */
	if (!root && json_error_code(&jerr) == json_error_out_of_memory)
		return mgr_fail(mgr, SS_NOMEM, "session %s: out of memory reading its configuration",
		                session);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return mgr_fail(mgr, SS_CORRUPT, "session %s: stored configuration is not a JSON object",
		                session);
	}
	ss_status st = SS_OK;
	for (size_t i = 0; i < N_INT_MEMBERS && st == SS_OK; i++) {
		json_t *v = json_object_get(root, int_members[i].name);
		if (!v)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			st = SS_CORRUPT;
		else
			*int_member(out, i) = json_integer_value(v);
	}
	/* Absent (as in every configuration written before it existed): false. */
	json_t *dt = json_object_get(root, "delete_tagged");
	if (dt && !json_is_boolean(dt))
		st = SS_CORRUPT;
	else if (dt)
		out->delete_tagged = json_is_true(dt);

	json_t *k = json_object_get(root, "keyframe_every");
	if (k && (!json_is_integer(k) || json_integer_value(k) < 0 || json_integer_value(k) > SESSION_KEYFRAME_MAX))
		st = SS_CORRUPT;
	else if (k)
		out->keyframe_every = (int)json_integer_value(k);

	json_t *ignore = json_object_get(root, "ignore");
	size_t n = json_is_array(ignore) ? json_array_size(ignore) : 0;
	if (st == SS_OK && ignore && !json_is_array(ignore))
		st = SS_CORRUPT;
	if (st == SS_OK && n) {
		out->ignore = calloc(n, sizeof *out->ignore);
		st = out->ignore ? SS_OK : SS_NOMEM;
	}
	for (size_t i = 0; i < n && st == SS_OK; i++) {
		const char *s = json_string_value(json_array_get(ignore, i));
		if (!s)
			st = SS_CORRUPT;
		else if (!(out->ignore[out->n_ignore++] = strdup(s)))
			st = SS_NOMEM;
	}

	json_t *keys = json_object_get(root, "array_keys");
	n = json_is_array(keys) ? json_array_size(keys) : 0;
	if (st == SS_OK && keys && !json_is_array(keys))
		st = SS_CORRUPT;
	if (st == SS_OK && n) {
		out->array_keys = calloc(n, sizeof *out->array_keys);
		st = out->array_keys ? SS_OK : SS_NOMEM;
	}
	for (size_t i = 0; i < n && st == SS_OK; i++) {
		json_t *e = json_array_get(keys, i);
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *field = json_string_value(json_object_get(e, "field"));
		if (!path || !field) {
			st = SS_CORRUPT;
			break;
		}
		ss_array_key *ak = &out->array_keys[out->n_array_keys++];
		ak->path = strdup(path);
		ak->field = strdup(field);
		if (!ak->path || !ak->field)
			st = SS_NOMEM;
	}
	json_decref(root);
	if (st != SS_OK) {
		ss_session_config_clear(out);
		if (st == SS_NOMEM)
			return mgr_fail(mgr, st, "out of memory reading the configuration of session %s",
			                session);
		return mgr_fail(mgr, st, "session %s: stored configuration has a member of the wrong type",
		                session);
	}
	return SS_OK;
}

static json_t *config_to_json(const ss_session_config *cfg)
{
	json_t *root = json_object();
	json_t *ignore = json_array();
	json_t *keys = json_array();
	if (!root || !ignore || !keys) {
		json_decref(root);
		json_decref(ignore);
		json_decref(keys);
		return NULL;
	}
	int failed = 0;
	for (size_t i = 0; i < N_INT_MEMBERS; i++) {
		int64_t v = *int_member((ss_session_config *)cfg, i);
		if (v)
			failed |= json_object_set_new(root, int_members[i].name, json_integer(v));
	}
	if (cfg->delete_tagged)
		failed |= json_object_set_new(root, "delete_tagged", json_true());
	if (cfg->keyframe_every)
		failed |= json_object_set_new(root, "keyframe_every", json_integer(cfg->keyframe_every));
	for (size_t i = 0; i < cfg->n_ignore; i++)
		failed |= json_array_append_new(ignore, json_string(cfg->ignore[i]));
	for (size_t i = 0; i < cfg->n_array_keys; i++)
		failed |= json_array_append_new(keys, json_pack("{s:s, s:s}",
		                                                "path", cfg->array_keys[i].path,
		                                                "field", cfg->array_keys[i].field));
	failed |= json_object_set_new(root, "ignore", ignore);
	failed |= json_object_set_new(root, "array_keys", keys);
	if (failed) {
		json_decref(root);
		return NULL;
	}
	return root;
}

ss_status mgr_session_config(ss_manager *mgr, const char *session, ss_session_config *out,
                             int64_t *session_id)
{
	int64_t id;
	char *text;
	ss_status st = ss_store_session_find(mgr->store, session, &id, &text);
	if (st == SS_NOT_FOUND)
		return mgr_session_id(mgr, session, &id);
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	st = config_parse(mgr, session, text, out);
	free(text);
	if (session_id)
		*session_id = id;
	return st;
}

ss_status ss_session_config_get(ss_manager *mgr, const char *session, ss_session_config *out)
{
	memset(out, 0, sizeof *out);
	return mgr_session_config(mgr, session, out, NULL);
}

/* Check every pattern and array key before anything is written. */
static ss_status config_check(ss_manager *mgr, const ss_session_config *cfg)
{
	if (cfg->interval_ms < 0 || cfg->max_age_ms < 0 || cfg->max_count < 0 ||
	    cfg->keep_hourly < 0 || cfg->keep_daily < 0 || cfg->keyframe_every < 0)
		return mgr_fail(mgr, SS_USAGE, "negative value in a session configuration");
	if (cfg->keyframe_every > SESSION_KEYFRAME_MAX)
		return mgr_fail(mgr, SS_USAGE, "keyframe interval %d is over the %d maximum",
		                cfg->keyframe_every, SESSION_KEYFRAME_MAX);
	if (cfg->interval_ms && cfg->interval_ms < 100)
		return mgr_fail(mgr, SS_USAGE, "capture interval %lldms is below the 100ms minimum",
		                (long long)cfg->interval_ms);
	ss_path p = { 0 };
	for (size_t i = 0; i < cfg->n_ignore; i++) {
		ss_status st = ss_path_pattern_parse(cfg->ignore[i], &p, mgr->err, sizeof mgr->err);
		ss_path_clear(&p);
		if (st != SS_OK)
			return st;
	}
	for (size_t i = 0; i < cfg->n_array_keys; i++) {
		ss_status st = ss_path_pattern_parse(cfg->array_keys[i].path, &p, mgr->err, sizeof mgr->err);
		ss_path_clear(&p);
		if (st != SS_OK)
			return st;
		const char *field = cfg->array_keys[i].field;
		if (!field || !*field)
			return mgr_fail(mgr, SS_USAGE, "array key for %s names no field",
			                cfg->array_keys[i].path);
	}
	return SS_OK;
}

ss_status ss_session_config_set(ss_manager *mgr, const char *session, const ss_session_config *cfg)
{
	ss_status st = ss_session_name_check(session, mgr->err, sizeof mgr->err);
	if (st == SS_OK)
		st = config_check(mgr, cfg);
	if (st != SS_OK)
		return st;
	json_t *root = config_to_json(cfg);
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text)
		return mgr_fail(mgr, SS_NOMEM, "out of memory writing the configuration of %s", session);

	bool created = false;
	int64_t id;
	st = ss_store_begin(mgr->store);
	if (st == SS_OK) {
		st = ss_store_session_find(mgr->store, session, &id, NULL);
		created = st == SS_NOT_FOUND;
		if (created)
			st = ss_store_session_ensure(mgr->store, session, ss_now_ms(), &id);
		if (st == SS_OK)
			st = ss_store_session_set_config(mgr->store, id, text);
		if (st == SS_OK)
			st = ss_store_commit(mgr->store);
		if (st != SS_OK) {
			mgr_store_fail(mgr, st);
			ss_store_rollback(mgr->store);
		}
	} else {
		mgr_store_fail(mgr, st);
	}
	free(text);
	if (st != SS_OK)
		return mgr_emit_error(mgr, st);
	if (created)
		mgr_emit(mgr, SS_EVENT_SESSION_CREATED, 0, session);
	return SS_OK;
}
