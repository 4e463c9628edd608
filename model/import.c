/*
 * import.c - the import's core (ss_transfer.h): format detection, and the
 * two passes every import makes over its file.
 *
 * Pass 1 runs the format's reader with a checking sink: every session name,
 * configuration, tag, description and state within the limits a capture
 * would face, no snapshot twice in the file.  Nothing is written, so a bad
 * file is refused before the store is touched at all.  Pass 2 runs the same
 * reader again inside one store transaction with a writing sink (which
 * checks again: the file is mapped, not copied, and might change between
 * the passes).  Sessions merge by name: a new one is created with the
 * file's configuration, an existing one keeps its own.  A snapshot the
 * store already holds (same session, time and checksum) is skipped, so
 * importing a file twice changes nothing the second time.
 *
 * Imported snapshots get origin "import": the column says how the row came
 * into this store.  Their times, tags, descriptions, pins and checksums are
 * the file's, exactly; ids and sequence numbers are the store's.
 *
 * Events: after the commit, one SS_EVENT_SESSION_CREATED per new session;
 * no SS_EVENT_SNAPSHOT_CREATED (an import may bring a million rows: a
 * subscriber reloads, as it does after another process's writes).
 */
#include "import.h"
#include "ss_hash.h"
#include "state_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A keyframe interval past this makes reading a snapshot unboundedly slow
 * (the bound session_config.c applies to a stored configuration). */
#define IMPORT_KEYFRAME_MAX 1000000

/* Progress at least every this many snapshots (and every 1%). */
#define IMPORT_PROGRESS_EVERY 1000

/* ---- the sessions of the file ------------------------------------------- */

struct imp_session {
	char *name;                 /* owned */
	char *config;               /* the file's configuration as JSON text (owned), or NULL */
	bool listed;                /* given in the "sessions" section */
	bool known;                 /* pass 2: id and scfg are set */
	int64_t id;                 /* in the store */
	ss_session_config scfg;     /* the store's (an existing session keeps its own) */
	bool created;               /* pass 2 created it */
	bool probed;                /* pass 1: looked up in the store (id 0: absent) */
};

/* Names to their index in `v`: open addressing, so a file with many
 * sessions costs no quadratic search. */
struct imp_sessions {
	struct imp_session *v;
	size_t n, cap;
	size_t *slots;              /* index + 1; 0 = empty */
	size_t n_slots;             /* a power of two, at least twice n */
};

static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

static void sessions_free(struct imp_sessions *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].name);
		free(ss->v[i].config);
		ss_session_config_clear(&ss->v[i].scfg);
	}
	free(ss->v);
	free(ss->slots);
	memset(ss, 0, sizeof *ss);
}

static struct imp_session *sessions_find(struct imp_sessions *ss, const char *name)
{
	if (!ss->n_slots)
		return NULL;
	size_t mask = ss->n_slots - 1;
	for (size_t i = (size_t)fnv1a(name, strlen(name), FNV_OFFSET) & mask; ss->slots[i];
	     i = (i + 1) & mask)
		if (strcmp(ss->v[ss->slots[i] - 1].name, name) == 0)
			return &ss->v[ss->slots[i] - 1];
	return NULL;
}

static bool sessions_rehash(struct imp_sessions *ss, size_t n_slots)
{
	size_t *slots = calloc(n_slots, sizeof *slots);
	if (!slots)
		return false;
	for (size_t k = 0; k < ss->n; k++) {
		size_t i = (size_t)fnv1a(ss->v[k].name, strlen(ss->v[k].name), FNV_OFFSET) & (n_slots - 1);
		while (slots[i])
			i = (i + 1) & (n_slots - 1);
		slots[i] = k + 1;
	}
	free(ss->slots);
	ss->slots = slots;
	ss->n_slots = n_slots;
	return true;
}

/* Add a session not yet present; NULL when out of memory. */
static struct imp_session *sessions_add(struct imp_sessions *ss, const char *name)
{
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 8;
		struct imp_session *v = realloc(ss->v, cap * sizeof *v);
		if (!v)
			return NULL;
		ss->v = v;
		ss->cap = cap;
	}
	struct imp_session *s = &ss->v[ss->n];
	memset(s, 0, sizeof *s);
	if (!(s->name = strdup(name)))
		return NULL;
	ss->n++;
	if (2 * ss->n > ss->n_slots) {
		/* Grown: the rehash places every name, the new one too. */
		if (!sessions_rehash(ss, ss->n_slots ? ss->n_slots * 2 : 16)) {
			free(s->name);
			ss->n--;
			return NULL;
		}
		return s;
	}
	size_t mask = ss->n_slots - 1;
	size_t i = (size_t)fnv1a(name, strlen(name), FNV_OFFSET) & mask;
	while (ss->slots[i])
		i = (i + 1) & mask;
	ss->slots[i] = ss->n;
	return s;
}

/* ---- snapshots seen (duplicates inside the file) ------------------------ */

/*
 * (session, time, checksum) of every snapshot so far, as 64-bit hashes: 8
 * bytes a snapshot, whatever the file's size.  Two different snapshots
 * sharing a hash (odds about n^2 / 2^65: one in ten million for a million
 * snapshots) would be refused as duplicates; never the other way round.
 */
struct seen_set {
	uint64_t *slots;            /* 0 = empty */
	size_t n, n_slots;
};

static bool seen_add(struct seen_set *s, uint64_t key, bool *dup)
{
	if (key == 0)
		key = 1;
	if (2 * (s->n + 1) > s->n_slots) {
		size_t n_slots = s->n_slots ? s->n_slots * 2 : 1024;
		uint64_t *slots = calloc(n_slots, sizeof *slots);
		if (!slots)
			return false;
		for (size_t k = 0; k < s->n_slots; k++) {
			if (!s->slots[k])
				continue;
			size_t i = (size_t)s->slots[k] & (n_slots - 1);
			while (slots[i])
				i = (i + 1) & (n_slots - 1);
			slots[i] = s->slots[k];
		}
		free(s->slots);
		s->slots = slots;
		s->n_slots = n_slots;
	}
	size_t mask = s->n_slots - 1;
	size_t i = (size_t)key & mask;
	for (; s->slots[i]; i = (i + 1) & mask)
		if (s->slots[i] == key) {
			*dup = true;
			return true;
		}
	s->slots[i] = key;
	s->n++;
	*dup = false;
	return true;
}

static void seen_free(struct seen_set *s)
{
	free(s->slots);
	memset(s, 0, sizeof *s);
}

/* ---- the core ------------------------------------------------------------- */

struct core {
	ss_manager *mgr;
	bool write;                 /* pass 2 */
	bool dry_run;
	struct imp_sessions sessions;
	struct seen_set seen;
	int64_t count;              /* snapshots handed over in this pass */
	int64_t total;              /* pass 1's count, for pass 2's progress */
	int64_t next_progress;
	ss_progress_fn progress;
	void *user_data;
	ss_import_result res;
};

/* "snapshot 17 (id 4242)" or "snapshot 17". */
static void entry_name(const struct import_snapshot *s, char *buf, size_t size)
{
	if (s->source_id)
		snprintf(buf, size, "snapshot %lld (id %lld)", (long long)s->index,
		         (long long)s->source_id);
	else
		snprintf(buf, size, "snapshot %lld", (long long)s->index);
}

/* Prefix mgr->err (a check's message) with the entry it is about. */
static ss_status entry_fail(ss_manager *mgr, ss_status st, const struct import_snapshot *s)
{
	char entry[64], detail[sizeof mgr->err];
	entry_name(s, entry, sizeof entry);
	snprintf(detail, sizeof detail, "%s", mgr->err);
	return mgr_fail(mgr, st, "%s: %s", entry, detail);
}

/* The int members of a session configuration (as session_config.c reads them). */
static const char *const config_ints[] = {
	"interval_ms", "max_age_ms", "max_count", "keep_hourly", "keep_daily", "keyframe_every",
};

/*
 * A session configuration from a file: exactly the members this snapscope
 * writes, each of its type and within what ss_session_config_set() would
 * accept, since it is stored as it is and read back by every capture.
 */
static ss_status config_check(ss_manager *mgr, const char *name, const json_t *config)
{
	char *safe = ss_text_escape(name, strlen(name));
	const char *n = safe ? safe : "?";
	ss_status st = SS_OK;
	const char *key;
	const json_t *v;
	if (!json_is_object(config)) {
		st = mgr_fail(mgr, SS_INPUT, "session %s: its config is not a JSON object", n);
		goto out;
	}
	json_object_foreach((json_t *)config, key, v) {
		bool is_int = false;
		for (size_t i = 0; i < sizeof config_ints / sizeof config_ints[0]; i++)
			is_int |= strcmp(key, config_ints[i]) == 0;
		char ksafe[80];
		char *k = ss_text_escape(key, strlen(key));
		snprintf(ksafe, sizeof ksafe, "%s", k ? k : "?");
		free(k);
		if (is_int) {
			json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
			if (x < 0 || (strcmp(key, "keyframe_every") == 0 && x > IMPORT_KEYFRAME_MAX) ||
			    (strcmp(key, "interval_ms") == 0 && x != 0 && x < 100))
				st = mgr_fail(mgr, SS_INPUT, "session %s: config member %s is out of range or not an integer",
				              n, ksafe);
		} else if (strcmp(key, "delete_tagged") == 0) {
			if (!json_is_boolean(v))
				st = mgr_fail(mgr, SS_INPUT, "session %s: config member delete_tagged is not a boolean", n);
		} else if (strcmp(key, "ignore") == 0 || strcmp(key, "array_keys") == 0) {
			bool keys = key[0] == 'a';
			size_t i;
			const json_t *e;
			if (!json_is_array(v))
				st = mgr_fail(mgr, SS_INPUT, "session %s: config member %s is not an array", n, ksafe);
			json_array_foreach((json_t *)v, i, e) {
				if (st != SS_OK)
					break;
				const char *path = json_string_value(keys ? json_object_get(e, "path") : e);
				const char *field = keys ? json_string_value(json_object_get(e, "field")) : "x";
				if (!path || !field || !*field || (keys && json_object_size(e) != 2)) {
					st = mgr_fail(mgr, SS_INPUT, "session %s: config %s[%zu] is not %s", n,
					              ksafe, i, keys ? "{\"path\":..,\"field\":..}" : "a string");
					break;
				}
				ss_path p = { 0 };
				char why[512];
				ss_status ps = ss_path_pattern_parse(path, &p, why, sizeof why);
				ss_path_clear(&p);
				if (ps == SS_NOMEM)
					st = mgr_fail(mgr, ps, "out of memory checking session %s", n);
				else if (ps != SS_OK)
					st = mgr_fail(mgr, SS_INPUT, "session %s: config %s[%zu]: %s", n, ksafe, i, why);
			}
		} else {
			st = mgr_fail(mgr, SS_INPUT, "session %s: unknown config member \"%s\"", n, ksafe);
		}
		if (st != SS_OK)
			break;
	}
out:
	free(safe);
	return st;
}

/* The file's session `name`, added when first seen. */
static ss_status session_of(struct core *c, const char *name, struct imp_session **out)
{
	*out = sessions_find(&c->sessions, name);
	if (*out)
		return SS_OK;
	ss_status st = ss_session_name_check(name, c->mgr->err, sizeof c->mgr->err);
	if (st != SS_OK)
		return st == SS_USAGE ? SS_INPUT : st;
	if (!(*out = sessions_add(&c->sessions, name)))
		return mgr_fail(c->mgr, SS_NOMEM, "out of memory reading the import's sessions");
	return SS_OK;
}

/*
 * Pass 2: the session in the store, created (with the file's configuration)
 * when missing, and its configuration read once.  Inside the transaction.
 */
static ss_status session_resolve(struct core *c, struct imp_session *s)
{
	if (s->known)
		return SS_OK;
	ss_manager *mgr = c->mgr;
	ss_status st = ss_store_session_find(mgr->store, s->name, &s->id, NULL);
	if (st == SS_NOT_FOUND) {
		st = ss_store_session_ensure(mgr->store, s->name, ss_now_ms(), &s->id);
		if (st == SS_OK && s->config)
			st = ss_store_session_set_config(mgr->store, s->id, s->config);
		if (st == SS_OK) {
			s->created = true;
			c->res.sessions_created++;
		}
	}
	if (st != SS_OK)
		return mgr_store_fail(mgr, st);
	st = mgr_session_config(mgr, s->name, &s->scfg, NULL);
	if (st == SS_OK)
		s->known = true;
	return st;
}

/* Pass 1 (what a dry run reports): is the session in the store now? */
static ss_status session_probe(struct core *c, struct imp_session *s)
{
	if (s->probed)
		return SS_OK;
	ss_status st = ss_store_session_find(c->mgr->store, s->name, &s->id, NULL);
	if (st == SS_NOT_FOUND) {
		s->id = 0;
		c->res.sessions_created++;
	} else if (st != SS_OK) {
		return mgr_store_fail(c->mgr, st);
	}
	s->probed = true;
	return SS_OK;
}

static ss_status sink_session(void *ctx, const struct import_session *is)
{
	struct core *c = ctx;
	struct imp_session *s;
	ss_status st = session_of(c, is->name, &s);
	if (st != SS_OK)
		return st;
	if (s->listed) {
		char *safe = ss_text_escape(is->name, strlen(is->name));
		st = mgr_fail(c->mgr, SS_INPUT, "session %s is listed twice", safe ? safe : "?");
		free(safe);
		return st;
	}
	s->listed = true;
	if (is->config) {
		if ((st = config_check(c->mgr, is->name, is->config)) != SS_OK)
			return st;
		free(s->config);
		if (!(s->config = json_dumps(is->config, JSON_COMPACT)))
			return mgr_fail(c->mgr, SS_NOMEM, "out of memory reading the import's sessions");
	}
	if (!c->write)
		return session_probe(c, s);
	return session_resolve(c, s);
}

static void report_progress(struct core *c)
{
	if (!c->progress || c->count < c->next_progress)
		return;
	int64_t step = c->total / 100;
	if (step < 1)
		step = c->total ? 1 : IMPORT_PROGRESS_EVERY;
	if (step > IMPORT_PROGRESS_EVERY)
		step = IMPORT_PROGRESS_EVERY;
	c->next_progress = c->count + step;
	c->progress(c->count, c->write ? c->total : 0, c->user_data);
}

/* Everything a capture would check, and what only a file can get wrong
 * (a tag twice, a snapshot twice).  *doc_len gets the state's compact size. */
static ss_status snapshot_check(struct core *c, struct imp_session *sess,
                                const struct import_snapshot *s, size_t *doc_len)
{
	ss_manager *mgr = c->mgr;
	ss_status st;
	if (s->n_tags > SS_TAGS_PER_SNAPSHOT_MAX)
		return mgr_fail(mgr, SS_LIMIT, "%zu tags; a snapshot carries at most %d", s->n_tags,
		                SS_TAGS_PER_SNAPSHOT_MAX);
	for (size_t i = 0; i < s->n_tags; i++) {
		if ((st = ss_tag_check(s->tags[i], mgr->err, sizeof mgr->err)) != SS_OK)
			return st == SS_USAGE ? SS_INPUT : st;
		for (size_t k = 0; k < i; k++)
			if (strcmp(s->tags[k], s->tags[i]) == 0) {
				char *safe = ss_text_escape(s->tags[i], strlen(s->tags[i]));
				st = mgr_fail(mgr, SS_INPUT, "tag \"%s\" given twice", safe ? safe : "?");
				free(safe);
				return st;
			}
	}
	if (s->description &&
	    (st = ss_description_check(s->description, mgr->err, sizeof mgr->err)) != SS_OK)
		return st == SS_USAGE ? SS_INPUT : st;
	if (s->origin != SS_ORIGIN_MANUAL && s->origin != SS_ORIGIN_AUTO &&
	    s->origin != SS_ORIGIN_IMPORT)
		return mgr_fail(mgr, SS_INPUT, "unknown origin %d", (int)s->origin);
	if (!s->state)
		return mgr_fail(mgr, SS_INPUT, "no state");
	if ((st = ss_state_check(s->state, SS_DEPTH_MAX, mgr->err, sizeof mgr->err)) != SS_OK)
		return st == SS_USAGE ? SS_INPUT : st;
	char *canon = ss_json_dump(s->state, SS_DUMP_SORT_KEYS, doc_len);
	if (!canon)
		return mgr_fail(mgr, SS_NOMEM, "out of memory serialising the state");
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	st = ss_sha256_hex(canon, *doc_len, hex);
	free(canon);
	if (st != SS_OK)
		return mgr_fail(mgr, st, "cannot compute the state's checksum");
	if (*doc_len > mgr->cfg.max_state_bytes)
		return mgr_fail(mgr, SS_LIMIT, "state of %zu bytes is over the %zu-byte limit", *doc_len,
		                mgr->cfg.max_state_bytes);
	/* The reader verified it; a reader that did not is a bug, not a file
	 * to store with a checksum that does not match. */
	if (!s->checksum || strcmp(hex, s->checksum) != 0)
		return mgr_fail(mgr, SS_INPUT, "checksum mismatch (recorded %.12s..., state hashes to %.12s...)",
		                s->checksum ? s->checksum : "", hex);
	uint64_t key = fnv1a(sess->name, strlen(sess->name) + 1, FNV_OFFSET);
	key = fnv1a(&s->created_at, sizeof s->created_at, key);
	key = fnv1a(hex, SS_CHECKSUM_HEX_LEN, key);
	bool dup;
	if (!seen_add(&c->seen, key, &dup))
		return mgr_fail(mgr, SS_NOMEM, "out of memory checking the import");
	if (dup) {
		char when[40];
		ss_time_format_utc(s->created_at, when, sizeof when);
		return mgr_fail(mgr, SS_INPUT, "the same snapshot (session %s, %s, checksum %.12s...) "
		                "is in the file twice", sess->name, when, hex);
	}
	return SS_OK;
}

static ss_status sink_snapshot(void *ctx, const struct import_snapshot *s)
{
	struct core *c = ctx;
	ss_manager *mgr = c->mgr;
	int64_t started = mgr_monotonic_us();
	struct imp_session *sess;
	ss_status st = session_of(c, s->session ? s->session : "", &sess);
	size_t doc_len = 0;
	if (st == SS_OK)
		st = snapshot_check(c, sess, s, &doc_len);
	if (st != SS_OK)
		return entry_fail(mgr, st, s);
	c->count++;
	if (!c->write) {
		/* What a dry run reports: the store as it is now. */
		if ((st = session_probe(c, sess)) != SS_OK)
			return st;
		int64_t id = 0;
		st = sess->id ? ss_store_snapshot_find(mgr->store, sess->id, s->created_at,
		                                       s->checksum, &id)
		              : SS_NOT_FOUND;
		if (st == SS_OK)
			c->res.skipped++;
		else if (st == SS_NOT_FOUND)
			c->res.imported++;
		else
			return mgr_store_fail(mgr, st);
		report_progress(c);
		return SS_OK;
	}

	if ((st = session_resolve(c, sess)) != SS_OK)
		return st;
	int64_t found;
	st = ss_store_snapshot_find(mgr->store, sess->id, s->created_at, s->checksum, &found);
	if (st == SS_OK) {
		c->res.skipped++;
		report_progress(c);
		return SS_OK;
	}
	if (st != SS_NOT_FOUND)
		return mgr_store_fail(mgr, st);

	ss_snapshot row = {
		.session_id = sess->id,
		.created_at = s->created_at,
		.origin = SS_ORIGIN_IMPORT,
		.description = s->description && s->description[0] ? (char *)s->description : NULL,
		.tags = (char **)s->tags,
		.n_tags = s->n_tags,
		.pinned = s->pinned,
		.raw_size = (int64_t)doc_len,
	};
	memcpy(row.checksum, s->checksum, SS_CHECKSUM_HEX_LEN + 1);
	struct delta_plan plan = { 0 };
	st = mgr_create_row(mgr, &sess->scfg, s->state, doc_len, started, false, &row, &plan);
	/* The head moves on now: the next snapshot of the session is planned
	 * against this one, inside the same transaction.  Should the import
	 * roll back, ss_import drops every head it touched. */
	delta_plan_finish(mgr, &plan, row.id, st == SS_OK);
	if (st != SS_OK)
		return entry_fail(mgr, st, s);
	c->res.imported++;
	report_progress(c);
	return SS_OK;
}

/* Run the format's reader over the whole input with the core's sink. */
static ss_status run_reader(struct core *c, const char *data, size_t len, const char *what)
{
	struct import_sink sink = { .session = sink_session, .snapshot = sink_snapshot, .ctx = c };
	c->count = 0;
	c->next_progress = 0;
	seen_free(&c->seen);
	memset(&c->res, 0, sizeof c->res);
	for (size_t i = 0; i < c->sessions.n; i++) {
		struct imp_session *s = &c->sessions.v[i];
		s->listed = false;
		s->probed = false;
		s->known = false;
		s->id = 0;
		s->created = false;
		ss_session_config_clear(&s->scfg);
	}
	bool binary = import_is_binary(data, len);
	c->res.format = binary ? SS_EXPORT_BINARY : SS_EXPORT_JSON;
	ss_status st = binary ? import_read_binary(c->mgr, data, len, what, &sink)
	                      : import_read_json(c->mgr, data, len, what, &sink);
	if (st != SS_OK) {
		/* One line naming the file, then the entry and the reason. */
		size_t n = strlen(what);
		if (strncmp(c->mgr->err, what, n) != 0 || c->mgr->err[n] != ':') {
			char detail[sizeof c->mgr->err];
			snprintf(detail, sizeof detail, "%s", c->mgr->err);
			mgr_fail(c->mgr, st, "%s: %s", what, detail);
		}
		if (st == SS_USAGE)
			st = SS_INPUT;
	}
	return st;
}

static ss_status import_core(ss_manager *mgr, const char *data, size_t len, const char *what,
                             bool dry_run, ss_progress_fn progress, void *user_data,
                             ss_import_result *out)
{
	struct core c = { .mgr = mgr, .dry_run = dry_run, .progress = progress,
	                  .user_data = user_data };
	if (out)
		memset(out, 0, sizeof *out);
	ss_status st = run_reader(&c, data, len, what);
	if (st != SS_OK || dry_run) {
		if (st == SS_OK && out)
			*out = c.res;
		if (st == SS_OK && progress)
			progress(c.count, c.count, user_data);
		goto out;
	}

	c.total = c.count;
	c.write = true;
	if ((st = ss_store_begin(mgr->store)) != SS_OK) {
		mgr_store_fail(mgr, st);
		goto out;
	}
	st = run_reader(&c, data, len, what);
	if (st == SS_OK && (st = ss_store_commit(mgr->store)) != SS_OK)
		mgr_store_fail(mgr, st);
	if (st != SS_OK) {
		ss_store_rollback(mgr->store);
		/* The heads moved forward over rows that are gone now. */
		for (size_t i = 0; i < c.sessions.n; i++)
			if (c.sessions.v[i].known)
				delta_heads_drop(mgr, &c.sessions.v[i].id, 1);
		goto out;
	}
	if (progress)
		progress(c.count, c.total, user_data);
	for (size_t i = 0; i < c.sessions.n; i++)
		if (c.sessions.v[i].created)
			mgr_emit(mgr, SS_EVENT_SESSION_CREATED, 0, c.sessions.v[i].name);
	if (out)
		*out = c.res;
out:
	sessions_free(&c.sessions);
	seen_free(&c.seen);
	return st;
}

ss_status ss_import_buffer(ss_manager *mgr, const void *data, size_t len, const char *what,
                           bool dry_run, ss_import_result *out)
{
	if (!data && len)
		return mgr_fail(mgr, SS_USAGE, "import: no data given");
	return import_core(mgr, data ? data : "", len, what ? what : "import", dry_run, NULL, NULL,
	                   out);
}

ss_status ss_import(ss_manager *mgr, const char *path, ss_progress_fn progress,
                    void *user_data, ss_import_result *out)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (!path || !*path)
		return mgr_fail(mgr, SS_USAGE, "import: no file name given");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return mgr_fail(mgr, e == ENOENT ? SS_NOT_FOUND : SS_IO, "%s: %s", path, strerror(e));
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		return mgr_fail(mgr, SS_IO, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return mgr_fail(mgr, SS_USAGE, "%s: not a regular file", path);
	}
	if ((uint64_t)sb.st_size > SIZE_MAX) {
		close(fd);
		return mgr_fail(mgr, SS_LIMIT, "%s: too large to map", path);
	}
	size_t len = (size_t)sb.st_size;
	/* Mapped, not read: a gigabyte export costs address space, and the
	 * pages the readers have passed can be dropped again by the kernel. */
	void *map = NULL;
	if (len > 0) {
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			int e = errno;
			close(fd);
			return mgr_fail(mgr, e == ENOMEM ? SS_NOMEM : SS_IO, "%s: cannot map: %s", path,
			                strerror(e));
		}
		(void)madvise(map, len, MADV_SEQUENTIAL);
	}
	close(fd);
	ss_status st = import_core(mgr, map ? map : "", len, path, false, progress, user_data, out);
	if (map)
		munmap(map, len);
	return st;
}
