/*
 * export.c - the JSON export of DESIGN.md ("Export formats"): one document
 * holding the sessions and full states of a selection of snapshots.
 *
 * The document is written as a stream: the snapshots are found a page of
 * ids at a time (keyset cursor), and each is read, written and released
 * before the next, so an export of a million-row session costs one state
 * of memory, not the whole history.  Only the set of session names seen is
 * kept, because the "sessions" section comes before the snapshots.
 *
 * The whole export reads inside one read transaction, so what it writes
 * is one consistent state of the store even while another process (or an
 * automatic capture) commits; ss_export() reports progress on the way and
 * hands the binary format to export_binary.c.
 *
 * File safety (DESIGN.md "Limits"): the document is written to a temporary
 * file created 0600 next to the target, synced, and only then given the
 * target's name; an existing target is replaced only when forced, a
 * symbolic link there is never followed nor replaced, and on any failure
 * the temporary file is removed, so the name shows a complete export or
 * nothing new.
 */
#include "export_file.h"
#include "import.h"
#include "manager.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Ids fetched per search: enough to amortise the query, small enough that
 * the id buffer stays a few KiB whatever the export's size. */
#define EXPORT_PAGE 256


static const char *origin_name(ss_origin origin)
{
	switch (origin) {
	case SS_ORIGIN_MANUAL: return "manual";
	case SS_ORIGIN_AUTO: return "auto";
	case SS_ORIGIN_IMPORT: return "import";
	}
	return "manual";
}

/* ---- session names seen ------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct names){ 0 };
}

/* Add `name` unless present; false when out of memory.  A linear scan: an
 * export touches a handful of sessions, rarely more than a few dozen. */
static bool names_add(struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(name)))
		return false;
	s->n++;
	return true;
}

static int collect_name(const ss_snapshot *row, void *user_data)
{
	struct names *s = user_data;
	return names_add(s, row->session ? row->session : "") ? 0 : 1;
}

/* ---- writing ------------------------------------------------------------- */

struct out {
	ss_manager *mgr;
	FILE *f;
	const char *path;           /* the target, for messages */
	int64_t written;
	ss_progress_fn progress;    /* may be NULL */
	void *user_data;
	int64_t total;              /* snapshots selected (for progress) */
	int64_t next_progress;      /* written count of the next report */
};

/* Every 1% of the selection, and at least every EXPORT_PROGRESS_EVERY. */
#define EXPORT_PROGRESS_EVERY 1000

static void report_progress(struct out *o)
{
	if (!o->progress || o->written < o->next_progress)
		return;
	int64_t step = o->total / 100;
	if (step < 1)
		step = 1;
	if (step > EXPORT_PROGRESS_EVERY)
		step = EXPORT_PROGRESS_EVERY;
	o->next_progress = o->written + step;
	o->progress(o->written, o->total, o->user_data);
}

/* A write error of the stream, reported with errno. */
static ss_status out_fail(struct out *o)
{
	int e = errno ? errno : EIO;
	return mgr_fail(o->mgr, SS_IO, "writing the export %s: %s", o->path, strerror(e));
}

static ss_status put_raw(struct out *o, const char *s, size_t len)
{
	if (len && fwrite(s, 1, len, o->f) != len)
		return out_fail(o);
	return SS_OK;
}

static ss_status put_str(struct out *o, const char *s)
{
	return put_raw(o, s, strlen(s));
}

/* A small JSON value (a string, a number, a short array), serialised by
 * jansson so that escaping is right; `v` is consumed. */
static ss_status put_json(struct out *o, json_t *v, const char *what)
{
	if (!v)
		return mgr_fail(o->mgr, SS_CORRUPT, "%s is not valid UTF-8 text; not exported", what);
	size_t need = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	char small[256];
	char *buf = need <= sizeof small ? small : malloc(need);
	ss_status st = SS_OK;
	if (!buf || need == 0)
		st = mgr_fail(o->mgr, SS_NOMEM, "out of memory writing %s", what);
	else if (json_dumpb(v, buf, need, JSON_COMPACT | JSON_ENCODE_ANY) != need)
		st = mgr_fail(o->mgr, SS_INTERNAL, "could not serialise %s", what);
	else
		st = put_raw(o, buf, need);
	if (buf != small)
		free(buf);
	json_decref(v);
	return st;
}

static ss_status put_int(struct out *o, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
	return put_raw(o, buf, (size_t)n);
}

/* One session entry: its name and its stored configuration (the JSON text
 * the store keeps, written as the object it is). */
static ss_status put_session(struct out *o, const char *name, bool first)
{
	ss_session info = { 0 };
	ss_status st = ss_session_info(o->mgr, name, &info);
	if (st != SS_OK)
		return st;
	json_error_t jerr;
	json_t *config = json_loads(info.config ? info.config : "{}", JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(config)) {
		json_decref(config);
		char *safe = ss_text_escape(name, strlen(name));
		st = mgr_fail(o->mgr, SS_CORRUPT,
		              "session %s: stored configuration is not a JSON object", safe ? safe : "?");
		free(safe);
		ss_session_clear(&info);
		return st;
	}
	ss_session_clear(&info);
	st = put_str(o, first ? "\n{\"name\":" : ",\n{\"name\":");
	if (st == SS_OK)
		st = put_json(o, json_string(name), "a session name");
	if (st == SS_OK)
		st = put_str(o, ",\"config\":");
	if (st == SS_OK)
		st = put_json(o, config, "a session configuration");
	else
		json_decref(config);
	if (st == SS_OK)
		st = put_str(o, "}");
	return st;
}

/* One snapshot entry, its state read, written and released here. */
static ss_status put_snapshot(struct out *o, int64_t id)
{
	json_t *state = NULL;
	ss_snapshot meta = { 0 };
	ss_status st = ss_get(o->mgr, id, &state, &meta);
	if (st != SS_OK)
		return st;
	char when[40];
	ss_time_format_utc(meta.created_at, when, sizeof when);

	st = put_str(o, o->written ? ",\n{\"id\":" : "\n{\"id\":");
	if (st == SS_OK)
		st = put_int(o, meta.id);
	if (st == SS_OK)
		st = put_str(o, ",\"session\":");
	if (st == SS_OK)
		st = put_json(o, json_string(meta.session ? meta.session : ""), "a session name");
	if (st == SS_OK)
		st = put_str(o, ",\"seq\":");
	if (st == SS_OK)
		st = put_int(o, meta.seq);
	if (st == SS_OK)
		st = put_str(o, ",\"created_at\":");
	if (st == SS_OK)
		st = put_json(o, json_string(when), "a time");
	if (st == SS_OK)
		st = put_str(o, ",\"origin\":");
	if (st == SS_OK)
		st = put_json(o, json_string(origin_name(meta.origin)), "an origin");
	if (st == SS_OK)
		st = put_str(o, ",\"tags\":[");
	for (size_t i = 0; i < meta.n_tags && st == SS_OK; i++) {
		if (i)
			st = put_str(o, ",");
		if (st == SS_OK)
			st = put_json(o, json_string(meta.tags[i]), "a tag");
	}
	if (st == SS_OK)
		st = put_str(o, meta.pinned ? "],\"pinned\":true,\"description\":"
		                            : "],\"pinned\":false,\"description\":");
	if (st == SS_OK)
		st = meta.description ? put_json(o, json_string(meta.description), "a description")
		                      : put_str(o, "null");
	if (st == SS_OK)
		st = put_str(o, ",\"checksum\":");
	if (st == SS_OK)
		st = put_json(o, json_string(meta.checksum), "a checksum");
	if (st == SS_OK)
		st = put_str(o, ",\"state\":");
	if (st == SS_OK) {
		/* The document's own key order: what was captured, as captured. */
		size_t len = 0;
		char *text = ss_json_dump(state, 0, &len);
		if (!text)
			st = mgr_fail(o->mgr, SS_NOMEM, "out of memory writing snapshot #%lld",
			              (long long)id);
		else
			st = put_raw(o, text, len);
		free(text);
	}
	if (st == SS_OK)
		st = put_str(o, "}");
	if (st == SS_OK) {
		o->written++;
		report_progress(o);
	}
	json_decref(state);
	ss_snapshot_clear(&meta);
	return st;
}

/* ---- the selection --------------------------------------------------------- */

struct page {
	int64_t ids[EXPORT_PAGE];
	size_t n;
};

static int collect_id(const ss_snapshot *row, void *user_data)
{
	struct page *pg = user_data;
	pg->ids[pg->n++] = row->id;
	return 0;
}

/*
 * Walk the snapshots matching q, a page of ids at a time, writing each.
 * The caller's limit and offset apply to the whole walk: the offset to the
 * first page only (the cursor carries the position after it).
 */
static ss_status write_query(struct out *o, const ss_query *q)
{
	ss_query pq = *q;
	ss_cursor cursor = { 0 };
	int64_t left = q->limit > 0 ? q->limit : INT64_MAX;
	struct page *pg = malloc(sizeof *pg);
	if (!pg)
		return mgr_fail(o->mgr, SS_NOMEM, "out of memory starting the export");
	ss_status st = SS_OK;
	while (left > 0) {
		pg->n = 0;
		pq.limit = left < EXPORT_PAGE ? left : EXPORT_PAGE;
		st = ss_search(o->mgr, &pq, &cursor, collect_id, pg);
		if (st != SS_OK)
			break;
		pq.offset = 0;
		for (size_t i = 0; i < pg->n && st == SS_OK; i++)
			st = put_snapshot(o, pg->ids[i]);
		if (st != SS_OK || pg->n < (size_t)pq.limit)
			break;
		left -= (int64_t)pg->n;
	}
	free(pg);
	return st;
}

/* The sessions of the selection, before anything is written: this also
 * checks every explicit id, so an unknown one fails before a file exists. */
static ss_status selection_sessions(ss_manager *mgr, const ss_query *q, const int64_t *ids,
                                    size_t n_ids, struct names *names)
{
	if (n_ids == 0) {
		ss_status st = ss_search(mgr, q, NULL, collect_name, names);
		if (st == SS_OK && names->n == 0 && q->session) {
			/* An empty selection of a session that exists still exports
			 * that session; one that does not is an error naming it. */
			ss_session info = { 0 };
			st = ss_session_info(mgr, q->session, &info);
			ss_session_clear(&info);
			if (st == SS_OK && !names_add(names, q->session))
				st = SS_NOMEM;
		}
		if (st == SS_NOMEM)
			return mgr_fail(mgr, st, "out of memory selecting snapshots to export");
		return st;
	}
	for (size_t i = 0; i < n_ids; i++) {
		ss_snapshot meta = { 0 };
		ss_status st = mgr_get_meta(mgr, ids[i], &meta);
		if (st != SS_OK)
			return st;
		bool ok = names_add(names, meta.session ? meta.session : "");
		ss_snapshot_clear(&meta);
		if (!ok)
			return mgr_fail(mgr, SS_NOMEM, "out of memory selecting snapshots to export");
	}
	return SS_OK;
}

static ss_status write_document(struct out *o, const ss_query *q, const int64_t *ids,
                                size_t n_ids, const struct names *names)
{
	char now[40];
	ss_time_format_utc(ss_now_ms(), now, sizeof now);
	ss_status st = put_str(o, "{\"format\":\"snapscope-export\",\"version\":1,\"exported_at\":");
	if (st == SS_OK)
		st = put_json(o, json_string(now), "a time");
	if (st == SS_OK)
		st = put_str(o, ",\"sessions\":[");
	for (size_t i = 0; i < names->n && st == SS_OK; i++)
		st = put_session(o, names->v[i], i == 0);
	if (st == SS_OK)
		st = put_str(o, names->n ? "\n],\"snapshots\":[" : "],\"snapshots\":[");
	if (st == SS_OK && n_ids > 0) {
		for (size_t i = 0; i < n_ids && st == SS_OK; i++)
			st = put_snapshot(o, ids[i]);
	} else if (st == SS_OK) {
		st = write_query(o, q);
	}
	if (st == SS_OK)
		st = put_str(o, o->written ? "\n]}\n" : "]}\n");
	return st;
}

/* How many snapshots the export will write: for the progress report only. */
static int64_t selection_count(ss_manager *mgr, const ss_query *q, size_t n_ids)
{
	if (n_ids > 0)
		return (int64_t)n_ids;
	int64_t n = 0;
	if (ss_count(mgr, q, &n) != SS_OK)
		return 0;
	n -= q->offset > 0 ? q->offset : 0;
	if (q->limit > 0 && n > q->limit)
		n = q->limit;
	return n > 0 ? n : 0;
}

static ss_status export_json(ss_manager *mgr, const ss_query *q, const int64_t *ids,
                             size_t n_ids, const char *path, bool force, ss_progress_fn progress,
                             void *user_data, int64_t *written)
{
	if (written)
		*written = 0;
	if (!path || !*path)
		return mgr_fail(mgr, SS_USAGE, "export: no file name given");
	if (n_ids == 0 && !q)
		return mgr_fail(mgr, SS_USAGE, "export: neither a query nor ids given");
	if (n_ids > 0 && !ids)
		return mgr_fail(mgr, SS_USAGE, "export: id count given without ids");

	/* Refuse early what would be refused at the end anyway, before
	 * reading a million snapshots for nothing. */
	ss_status st = export_file_check(mgr, path, force);
	if (st != SS_OK)
		return st;
	/* One read transaction from the selection to the last state: a capture
	 * committing meanwhile (another process, an automatic capture) cannot
	 * add a row between two pages, nor delete one after it was counted. */
	if ((st = ss_store_read_begin(mgr->store)) != SS_OK)
		return mgr_store_fail(mgr, st);
	struct names names = { 0 };
	st = selection_sessions(mgr, q, ids, n_ids, &names);
	struct export_file ef;
	if (st == SS_OK)
		st = export_file_open(mgr, path, force, &ef);
	if (st != SS_OK) {
		ss_store_read_end(mgr->store);
		names_free(&names);
		return st;
	}
	struct out o = { .mgr = mgr, .f = ef.f, .path = path, .progress = progress,
	                 .user_data = user_data };
	if (progress) {
		o.total = selection_count(mgr, q, n_ids);
		progress(0, o.total, user_data);
		o.next_progress = 1;
	}
	errno = 0;
	st = write_document(&o, q, ids, n_ids, &names);
	ss_store_read_end(mgr->store);
	st = export_file_finish(mgr, &ef, st);
	if (st == SS_OK && progress)
		progress(o.written, o.written, user_data);
	if (st == SS_OK && written)
		*written = o.written;
	names_free(&names);
	return st;
}

ss_status ss_export_json(ss_manager *mgr, const ss_query *q, const int64_t *ids, size_t n_ids,
                         const char *path, bool force, int64_t *written)
{
	return export_json(mgr, q, ids, n_ids, path, force, NULL, NULL, written);
}

ss_status ss_export(ss_manager *mgr, const ss_query *q, const int64_t *ids, size_t n_ids,
                    const char *path, ss_export_format format, bool force,
                    ss_progress_fn progress, void *user_data, int64_t *written)
{
	switch (format) {
	case SS_EXPORT_JSON:
		return export_json(mgr, q, ids, n_ids, path, force, progress, user_data, written);
	case SS_EXPORT_BINARY:
		return export_binary(mgr, q, ids, n_ids, path, force, progress, user_data, written);
	}
	if (written)
		*written = 0;
	return mgr_fail(mgr, SS_USAGE, "export: unknown format %d", (int)format);
}
