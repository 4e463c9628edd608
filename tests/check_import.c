/*
 * check_import.c - ss_import and ss_import_buffer over real stores, and
 * ss_export's progress and read transaction.
 *
 *  - jansson's contract the JSON reader stands on: with
 *    JSON_DISABLE_EOF_CHECK a successful json_loadb() reports the bytes it
 *    used in error.position;
 *  - export -> import into an empty store gives the same sessions (with
 *    their configurations), times, tags, descriptions, pins, checksums and
 *    states; re-importing is a no-op; a store holding some of the snapshots
 *    skips exactly those; an existing session keeps its configuration;
 *  - every kind of bad file (a flipped checksum, every truncation of a
 *    small export, wrong version, unknown keys, wrong types, a key twice,
 *    NaN, lone surrogates, invalid UTF-8, 64-bit overflow, nesting, a state
 *    over the limit, a snapshot twice, bad names and tags...) is SS_INPUT or
 *    SS_LIMIT, names the entry, and leaves the store exactly as it was;
 *  - a dry run writes nothing; events and progress; a capture committing
 *    during an export does not tear its selection.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"
#include "ss_transfer.h"
#include "testutil.h"

static ss_manager *a, *b;           /* the exporting and the importing store */
static char err[1024];

static ss_manager *open_store(const char *name)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path(name);
	ss_manager *m = NULL;
	ss_status st = ss_open(&cfg, &m, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open %s: %s", name, err);
	return m;
}

static void setup(void)
{
	tu_tmpdir();
	a = open_store("a.db");
	b = open_store("b.db");
}

static void teardown(void)
{
	ss_close(a);
	ss_close(b);
	a = b = NULL;
	tu_cleanup();
}

#define T0 1764079200000LL /* 2025-11-25T14:00:00Z */

static int64_t create(ss_manager *m, const char *session, const char *text, int64_t at,
                      const char *tag, const char *desc, bool pinned)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(v != NULL, "bad JSON (%s): %s", jerr.text, text);
	const char *tags[] = { tag, "second" };
	ss_create_opts opts = { .created_at = at, .tags = tag ? tags : NULL, .n_tags = tag ? 2 : 0,
	                        .description = desc, .pinned = pinned };
	int64_t id = 0;
	ss_status st = ss_create(m, session, v, &opts, &id);
	ck_assert_msg(st == SS_OK, "ss_create: %s", ss_errmsg(m));
	json_decref(v);
	return id;
}

/* A small history in store a: two sessions, one configured, deltas and
 * keyframes, tags, descriptions, a pin, text that needs escaping. */
static void fill_a(void)
{
	ss_session_config scfg = { .interval_ms = 5000, .keyframe_every = 7, .max_count = 40 };
	char *ign[] = { (char *)"/noise" };
	scfg.ignore = ign;
	scfg.n_ignore = 1;
	ck_assert_int_eq(ss_session_config_set(a, "api", &scfg), SS_OK);
	for (int i = 0; i < 30; i++) {
		char text[256];
		snprintf(text, sizeof text,
		         "{\"n\":%d,\"s\":\"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00\",\"list\":[%d,%d,{\"x\":%s}],"
		         "\"r\":%d.5,\"noise\":%d}",
		         i, i, i * 2, i % 3 ? "null" : "true", i, i * 7);
		create(a, "api", text, T0 + i * 1000, i % 5 == 0 ? "deploy" : NULL,
		       i % 4 == 0 ? "line one\n\tline two \"quoted\"" : NULL, i == 9);
	}
	create(a, "web", "[1,2,3]", T0 + 500, NULL, NULL, false);
	create(a, "web", "\"just a string\"", T0 + 600, NULL, NULL, false);
	create(a, "web", "{}", T0 + 700, NULL, NULL, false);
}

static const char *export_a(const char *name, const ss_query *q)
{
	ss_query all;
	ss_query_init(&all);
	const char *path = tu_path(name);
	int64_t written = 0;
	ss_status st = ss_export(a, q ? q : &all, NULL, 0, path, SS_EXPORT_JSON, false, NULL, NULL,
	                         &written);
	ck_assert_msg(st == SS_OK, "export: %s", ss_errmsg(a));
	return path;
}

struct rows {
	int64_t ids[4096];
	size_t n;
};

static int collect(const ss_snapshot *row, void *user_data)
{
	struct rows *r = user_data;
	if (r->n < sizeof r->ids / sizeof r->ids[0])
		r->ids[r->n++] = row->id;
	return 0;
}

static void ids_of(ss_manager *m, const char *session, struct rows *r)
{
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	r->n = 0;
	ck_assert_int_eq(ss_search(m, &q, NULL, collect, r), SS_OK);
}

/* Every snapshot of `session` in x equals the one at the same position in
 * y: time, tags, description, pin, checksum, state. */
static void assert_same_session(ss_manager *x, ss_manager *y, const char *session)
{
	static struct rows rx, ry;
	ids_of(x, session, &rx);
	ids_of(y, session, &ry);
	ck_assert_int_eq(rx.n, ry.n);
	for (size_t i = 0; i < rx.n; i++) {
		json_t *sx, *sy;
		ss_snapshot mx, my;
		ck_assert_int_eq(ss_get(x, rx.ids[i], &sx, &mx), SS_OK);
		ck_assert_msg(ss_get(y, ry.ids[i], &sy, &my) == SS_OK, "get: %s", ss_errmsg(y));
		ck_assert_int_eq(mx.created_at, my.created_at);
		ck_assert_str_eq(mx.checksum, my.checksum);
		ck_assert_int_eq(mx.pinned, my.pinned);
		ck_assert_int_eq(mx.n_tags, my.n_tags);
		for (size_t k = 0; k < mx.n_tags; k++)
			ck_assert_str_eq(mx.tags[k], my.tags[k]);
		ck_assert_int_eq(mx.description != NULL, my.description != NULL);
		if (mx.description)
			ck_assert_str_eq(mx.description, my.description);
		ck_assert_int_eq(my.origin, SS_ORIGIN_IMPORT);
		ck_assert_int_eq(mx.raw_size, my.raw_size);
		ck_assert_msg(json_equal(sx, sy), "state %zu of %s differs", i, session);
		json_decref(sx);
		json_decref(sy);
		ss_snapshot_clear(&mx);
		ss_snapshot_clear(&my);
	}
}

/* The whole store's totals: what "nothing changed" compares. */
static void stats_of(ss_manager *m, ss_stats *s)
{
	ck_assert_int_eq(ss_stats_get(m, NULL, s), SS_OK);
	s->file_bytes = 0;      /* pages may be allocated by a rolled-back write */
	s->create_us_total = 0;
}

static void assert_same_stats(const ss_stats *x, const ss_stats *y)
{
	ck_assert_int_eq(x->sessions, y->sessions);
	ck_assert_int_eq(x->snapshots, y->snapshots);
	ck_assert_int_eq(x->keyframes, y->keyframes);
	ck_assert_int_eq(x->tags, y->tags);
	ck_assert_int_eq(x->raw_bytes, y->raw_bytes);
	ck_assert_int_eq(x->stored_bytes, y->stored_bytes);
	ck_assert_int_eq(x->pinned, y->pinned);
}

/* ---- jansson ------------------------------------------------------------- */

START_TEST(test_jansson_reports_bytes_used)
{
	static const struct {
		const char *text;
		int used;
	} cases[] = {
		{ "1,", 1 }, { "123 ,", 3 }, { "  -1.5e3]", 8 }, { "\"abc\",", 5 },
		{ "\"\\u00e9\":", 8 }, { "true,", 4 }, { "null}", 4 }, { "{\"a\":[1,{}]},", 12 },
		{ "[1,2] ,", 5 }, { "\"x\"", 3 }, { "7", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_error_t jerr;
		json_t *v = json_loadb(cases[i].text, strlen(cases[i].text),
		                       JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
		                       &jerr);
		ck_assert_msg(v != NULL, "%s: %s", cases[i].text, jerr.text);
		ck_assert_msg(jerr.position == cases[i].used, "%s: position %d, want %d", cases[i].text,
		              jerr.position, cases[i].used);
		json_decref(v);
	}
}
END_TEST

/* ---- round trips ------------------------------------------------------------ */

START_TEST(test_round_trip_and_reimport)
{
	fill_a();
	const char *path = export_a("all.json", NULL);
	ss_import_result res;
	ss_status st = ss_import(b, path, NULL, NULL, &res);
	ck_assert_msg(st == SS_OK, "import: %s", ss_errmsg(b));
	ck_assert_int_eq(res.format, SS_EXPORT_JSON);
	ck_assert_int_eq(res.imported, 33);
	ck_assert_int_eq(res.skipped, 0);
	ck_assert_int_eq(res.sessions_created, 2);
	assert_same_session(a, b, "api");
	assert_same_session(a, b, "web");

	/* The new session took the file's configuration. */
	ss_session_config cfg;
	ck_assert_int_eq(ss_session_config_get(b, "api", &cfg), SS_OK);
	ck_assert_int_eq(cfg.interval_ms, 5000);
	ck_assert_int_eq(cfg.keyframe_every, 7);
	ck_assert_int_eq(cfg.max_count, 40);
	ck_assert_int_eq(cfg.n_ignore, 1);
	ck_assert_str_eq(cfg.ignore[0], "/noise");
	ss_session_config_clear(&cfg);

	int64_t checked = 0, damaged = 0;
	ck_assert_int_eq(ss_verify(b, NULL, NULL, NULL, &checked, &damaged), SS_OK);
	ck_assert_int_eq(checked, 33);

	/* Again: nothing new, nothing changed. */
	ss_stats before, after;
	stats_of(b, &before);
	ck_assert_int_eq(ss_import(b, path, NULL, NULL, &res), SS_OK);
	ck_assert_int_eq(res.imported, 0);
	ck_assert_int_eq(res.skipped, 33);
	ck_assert_int_eq(res.sessions_created, 0);
	stats_of(b, &after);
	assert_same_stats(&before, &after);

	/* Capture goes on from the imported head: a delta against the last
	 * imported state that reads back right. */
	int64_t id = create(b, "api", "{\"n\":99}", T0 + 99000, NULL, NULL, false);
	json_t *state;
	ck_assert_int_eq(ss_get(b, id, &state, NULL), SS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(state, "n")), 99);
	json_decref(state);
	ck_assert_int_eq(ss_verify(b, NULL, NULL, NULL, &checked, &damaged), SS_OK);
}
END_TEST

START_TEST(test_partial_store_skips_exactly_those)
{
	fill_a();
	const char *all = export_a("all.json", NULL);
	/* b already holds api's snapshots 10..19 (exported by time). */
	ss_query q;
	ss_query_init(&q);
	q.session = "api";
	q.since = T0 + 10000;
	q.until = T0 + 19000;
	const char *some = export_a("some.json", &q);
	ss_import_result res;
	ck_assert_int_eq(ss_import(b, some, NULL, NULL, &res), SS_OK);
	ck_assert_int_eq(res.imported, 10);
	/* An existing session keeps its own configuration. */
	ss_session_config mine = { .interval_ms = 60000 };
	ck_assert_int_eq(ss_session_config_set(b, "api", &mine), SS_OK);

	/* Dry run first: the same counts, nothing written. */
	size_t len;
	char *text = tu_read_file(all, &len);
	ss_stats before, after;
	stats_of(b, &before);
	ck_assert_int_eq(ss_import_buffer(b, text, len, "all.json", true, &res), SS_OK);
	ck_assert_int_eq(res.imported, 23);
	ck_assert_int_eq(res.skipped, 10);
	ck_assert_int_eq(res.sessions_created, 1);
	stats_of(b, &after);
	assert_same_stats(&before, &after);

	ck_assert_int_eq(ss_import_buffer(b, text, len, "all.json", false, &res), SS_OK);
	free(text);
	ck_assert_int_eq(res.imported, 23);
	ck_assert_int_eq(res.skipped, 10);
	ck_assert_int_eq(res.sessions_created, 1);
	ss_session_config cfg;
	ck_assert_int_eq(ss_session_config_get(b, "api", &cfg), SS_OK);
	ck_assert_int_eq(cfg.interval_ms, 60000);
	ck_assert_int_eq(cfg.n_ignore, 0);
	ss_session_config_clear(&cfg);
	/* Same snapshots; the ids and seqs are b's own (imported out of
	 * time order, so compare by time). */
	static struct rows rb;
	ids_of(b, "api", &rb);
	ck_assert_int_eq(rb.n, 30);
	ck_assert_int_eq(ss_verify(b, NULL, NULL, NULL, NULL, NULL), SS_OK);
}
END_TEST

/* ---- bad files ------------------------------------------------------------- */

/* Replace the first occurrence of `from` after `after` (NULL: anywhere). */
static char *edit(const char *text, const char *after, const char *from, const char *to)
{
	const char *base = after ? strstr(text, after) : text;
	ck_assert_msg(base != NULL, "no %s in the export", after);
	const char *at = strstr(base, from);
	ck_assert_msg(at != NULL, "no %s in the export", from);
	size_t n = strlen(text), nf = strlen(from), nt = strlen(to);
	char *out = malloc(n - nf + nt + 1);
	ck_assert(out != NULL);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, nt);
	memcpy(out + (at - text) + nt, at + nf, n - (size_t)(at - text) - nf + 1);
	return out;
}

static void assert_rejected(const char *text, size_t len, const char *what, const char *want1,
                            const char *want2)
{
	ss_stats before, after;
	stats_of(b, &before);
	ss_import_result res;
	ss_status st = ss_import_buffer(b, text, len, "bad.json", false, &res);
	ck_assert_msg(st == SS_INPUT || st == SS_LIMIT, "%s: status %d (%s)", what, st,
	              ss_errmsg(b));
	const char *msg = ss_errmsg(b);
	ck_assert_msg(strncmp(msg, "bad.json: ", 10) == 0, "%s: %s", what, msg);
	ck_assert_msg(!strchr(msg, '\n'), "%s: more than one line: %s", what, msg);
	ck_assert_msg(!want1 || strstr(msg, want1), "%s: no '%s' in: %s", what, want1, msg);
	ck_assert_msg(!want2 || strstr(msg, want2), "%s: no '%s' in: %s", what, want2, msg);
	stats_of(b, &after);
	assert_same_stats(&before, &after);
}

START_TEST(test_bad_files_change_nothing)
{
	fill_a();
	size_t len;
	char *good = tu_read_file(export_a("all.json", NULL), &len);
	/* b holds part of it already: a bad file must not add to that. */
	static const char empty[] = "{\"format\":\"snapscope-export\",\"version\":1,\"snapshots\":[]}";
	ck_assert_int_eq(ss_import_buffer(b, empty, strlen(empty), "empty", false, NULL), SS_OK);
	create(b, "api", "{\"mine\":1}", T0 - 5, NULL, NULL, false);

	/* Snapshot 4 is api's 4th (the export sorts by time: web's come at
	 * 0.5 s..0.7 s, after api's first). */
	static const struct {
		const char *after, *from, *to, *want1, *want2;
	} cases[] = {
		{ "\"id\":4,", "\"checksum\":\"", "\"checksum\":\"0", "(id 4)", "64 lower-case hex" },
		{ NULL, "\"version\":1", "\"version\":2", "version 2", NULL },
		{ NULL, "\"version\":1", "\"version\":1.0", "version", NULL },
		{ NULL, "\"format\":\"snapscope-export\"", "\"format\":\"other\"", "not a snapscope export", NULL },
		{ "\"id\":4,", "\"pinned\":", "\"extra\":1,\"pinned\":", "(id 4)", "unknown key \"extra\"" },
		{ "\"id\":4,", "\"session\":\"api\"", "\"session\":\"api\",\"session\":\"api\"", "(id 4)", "twice" },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":1,\"a\":2,", "(id 4)", "duplicate" },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":NaN,", "(id 4)", "invalid token" },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":\"\\ud800\",", "(id 4)", "Unicode" },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":\"\\u0000\",", "(id 4)", NULL },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":\"\xc3\x28\",", "(id 4)", NULL },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":18446744073709551616,", "(id 4)", "too big integer" },
		{ "\"id\":4,", "\"state\":{", "\"state\":{\"a\":1e999,", "(id 4)", "overflow" },
		{ "\"id\":4,", "\"pinned\":false", "\"pinned\":0", "(id 4)", "pinned" },
		{ "\"id\":4,", "\"tags\":[]", "\"tags\":[1]", "(id 4)", "tag 1" },
		{ "\"id\":4,", "\"tags\":[]", "\"tags\":[\"a\\u0007b\"]", "(id 4)", "tag" },
		{ "\"id\":4,", "\"tags\":[]", "\"tags\":[\"x\",\"x\"]", "(id 4)", "twice" },
		{ "\"id\":4,", "\"origin\":\"manual\"", "\"origin\":\"robot\"", "(id 4)", "origin" },
		{ "\"id\":4,", "\"created_at\":\"", "\"created_at\":\"@", "(id 4)", "RFC 3339" },
		{ "\"id\":4,", "\"session\":\"api\"", "\"session\":\"a/b\"", "(id 4)", NULL },
		{ "\"id\":4,", "\"session\":\"api\"", "\"session\":7", "(id 4)", "session" },
		{ "\"id\":4,", "\"seq\":", "\"seq\":-", "(id 4)", "seq" },
		{ "\"id\":4,", "\"id\":4,", "\"id\":\"4\",", "snapshot 7:", "id" },
		{ "\"id\":4,", "\"description\":null", "\"description\":[]", "(id 4)", "description" },
		{ NULL, "\"interval_ms\":5000", "\"interval_ms\":-5", "session entry", "interval_ms" },
		{ NULL, "\"interval_ms\":5000", "\"interval_ms\":5000,\"bogus\":1", "session entry", "bogus" },
		{ NULL, "\"/noise\"", "\"no[pe\"", "session entry", NULL },
		{ NULL, "\"name\":\"web\"", "\"name\":\"api\"", "session entry", "twice" },
		{ NULL, "\"snapshots\":[", "\"snapshotz\":[", "unknown key", NULL },
		{ NULL, "{\"format\"", "{\"snapshots\":[],\"format\"", "must come before", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *bad = edit(good, cases[i].after, cases[i].from, cases[i].to);
		char what[32];
		snprintf(what, sizeof what, "case %zu", i);
		assert_rejected(bad, strlen(bad), what, cases[i].want1, cases[i].want2);
		free(bad);
	}

	/* One character of a checksum flipped. */
	char *flip = strdup(good);
	char *sum = strstr(strstr(flip, "\"id\":4,"), "\"checksum\":\"") + 12;
	*sum = *sum == '0' ? '1' : '0';
	assert_rejected(flip, len, "a flipped checksum", "snapshot 7 (id 4): checksum mismatch", NULL);
	free(flip);

	/* A snapshot twice in the file. */
	const char *s4 = strstr(good, "\n{\"id\":4,");
	const char *s5 = strstr(good, "\n{\"id\":5,");
	ck_assert(s4 && s5);
	size_t cut = (size_t)(s5 - good);
	size_t n4 = (size_t)(s5 - s4);
	char *twice = malloc(len + n4 + 1);
	memcpy(twice, good, cut);
	memcpy(twice + cut, s4, n4);
	memcpy(twice + cut + n4, good + cut, len - cut + 1);
	assert_rejected(twice, len + n4, "a snapshot twice", "twice", NULL);
	free(twice);

	/* Trailing bytes, and nothing at all. */
	char *trail = malloc(len + 2);
	memcpy(trail, good, len);
	memcpy(trail + len, "x", 2);
	assert_rejected(trail, len + 1, "trailing", "after the document", NULL);
	free(trail);
	assert_rejected("", 0, "empty", "not a snapscope export", NULL);

	/* Every truncation of the file: rejected, and nothing written.  (The
	 * last byte is a newline after the document: dropping it is fine.) */
	for (size_t n = 0; n + 1 < len; n += n < 400 ? 1 : 97)
		assert_rejected(good, n, "truncated", NULL, NULL);
	free(good);
}
END_TEST

START_TEST(test_limits)
{
	/* Nesting: SS_DEPTH_MAX levels read back; one more is refused. */
	size_t depth = 2048;
	char *deep = malloc(2 * depth + 2);
	for (size_t i = 0; i < depth; i++) {
		deep[i] = '[';
		deep[2 * depth - 1 - i] = ']';
	}
	deep[2 * depth] = '\0';
	json_error_t jerr;
	json_t *v = json_loads(deep, 0, &jerr);
	ck_assert_msg(v != NULL, "%s", jerr.text);
	int64_t id;
	ck_assert_msg(ss_create(a, "deep", v, NULL, &id) == SS_OK, "%s", ss_errmsg(a));
	json_decref(v);
	const char *path = export_a("deep.json", NULL);
	ss_import_result res;
	ck_assert_msg(ss_import(b, path, NULL, NULL, &res) == SS_OK, "%s", ss_errmsg(b));
	ck_assert_int_eq(res.imported, 1);

	size_t len;
	char *text = tu_read_file(path, &len);
	char *deeper = edit(text, NULL, "\"state\":[", "\"state\":[[");
	deeper = realloc(deeper, strlen(deeper) + 2);
	char *close = strstr(deeper, "]]}");
	ck_assert(close != NULL);
	memmove(close + 1, close, strlen(close) + 1);
	/* jansson refuses it while parsing, before any checksum is looked at. */
	assert_rejected(deeper, strlen(deeper), "too deep", "(id 1)", "depth");
	free(deeper);
	free(text);
	free(deep);

	/* A state over the size limit (a 70 MB string): SS_LIMIT, named. */
	static const char head[] = "{\"format\":\"snapscope-export\",\"version\":1,\"snapshots\":["
	                           "{\"id\":3,\"session\":\"s\",\"created_at\":\"2026-01-01T00:00:00Z\","
	                           "\"checksum\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	                           "\"state\":{\"big\":\"";
	static const char tail[] = "\"}}]}";
	size_t big = 70u << 20;
	size_t n = sizeof head - 1 + big + sizeof tail - 1;
	char *doc = malloc(n + 1);
	ck_assert(doc != NULL);
	memcpy(doc, head, sizeof head - 1);
	memset(doc + sizeof head - 1, 'x', big);
	memcpy(doc + sizeof head - 1 + big, tail, sizeof tail);
	ss_stats before, after;
	stats_of(b, &before);
	ck_assert_int_eq(ss_import_buffer(b, doc, n, "big.json", false, &res), SS_LIMIT);
	ck_assert_msg(strstr(ss_errmsg(b), "(id 3)") && strstr(ss_errmsg(b), "limit"), "%s",
	              ss_errmsg(b));
	stats_of(b, &after);
	assert_same_stats(&before, &after);
	free(doc);
}
END_TEST

/* ---- events, progress, the export's read transaction ----------------------- */

struct seen_events {
	int sessions_created, snapshots_created;
};

static void on_event(const ss_event *ev, void *user_data)
{
	struct seen_events *s = user_data;
	s->sessions_created += ev->type == SS_EVENT_SESSION_CREATED;
	s->snapshots_created += ev->type == SS_EVENT_SNAPSHOT_CREATED;
}

struct progress_log {
	int calls;
	int64_t last_done, last_total;
	bool monotonic;
};

static void on_progress(int64_t done, int64_t total, void *user_data)
{
	struct progress_log *p = user_data;
	if (p->calls && done < p->last_done && total == p->last_total)
		p->monotonic = false;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

START_TEST(test_events_and_progress)
{
	fill_a();
	const char *path = export_a("all.json", NULL);
	struct seen_events ev = { 0 };
	int h = ss_subscribe(b, on_event, &ev);
	struct progress_log p = { .monotonic = true };
	ss_import_result res;
	ck_assert_int_eq(ss_import(b, path, on_progress, &p, &res), SS_OK);
	ss_unsubscribe(b, h);
	ck_assert_int_eq(ev.sessions_created, 2);
	ck_assert_int_eq(ev.snapshots_created, 0);
	ck_assert(p.calls > 0 && p.monotonic);
	ck_assert_int_eq(p.last_done, 33);
	ck_assert_int_eq(p.last_total, 33);
}
END_TEST

/* A capture committing (through another connection) in the middle of an
 * export must not show up in it: the export reads one state of the store. */
struct race {
	ss_manager *other;
	int created;
};

static void capture_meanwhile(int64_t done, int64_t total, void *user_data)
{
	struct race *r = user_data;
	if (done == 0 || done == total || r->created >= 5)
		return;
	json_t *v = json_pack("{s:i}", "late", r->created);
	ss_create_opts opts = { .created_at = T0 + 3600000 + r->created };
	ck_assert_msg(ss_create(r->other, "many", v, &opts, NULL) == SS_OK, "%s",
	              ss_errmsg(r->other));
	json_decref(v);
	r->created++;
}

START_TEST(test_export_reads_one_state)
{
	for (int i = 0; i < 600; i++) {
		char text[64];
		snprintf(text, sizeof text, "{\"i\":%d}", i);
		create(a, "many", text, T0 + i, NULL, NULL, false);
	}
	ss_query q;
	ss_query_init(&q);
	q.session = "many";
	struct race r = { .other = open_store("a.db") };
	int64_t written = 0;
	ss_status st = ss_export(a, &q, NULL, 0, tu_path("many.json"), SS_EXPORT_JSON, false,
	                         capture_meanwhile, &r, &written);
	ck_assert_msg(st == SS_OK, "%s", ss_errmsg(a));
	ck_assert_int_eq(r.created, 5);
	ck_assert_int_eq(written, 600);
	ss_close(r.other);
	ss_import_result res;
	ck_assert_int_eq(ss_import(b, tu_path("many.json"), NULL, NULL, &res), SS_OK);
	ck_assert_int_eq(res.imported, 600);
	/* The captures did commit: a second export sees them. */
	int64_t n;
	ck_assert_int_eq(ss_count(a, &q, &n), SS_OK);
	ck_assert_int_eq(n, 605);
}
END_TEST

Suite *import_suite(void); /* for check_main.c */

Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_jansson_reports_bytes_used);
	tcase_add_test(tc, test_round_trip_and_reimport);
	tcase_add_test(tc, test_partial_store_skips_exactly_those);
	tcase_add_test(tc, test_bad_files_change_nothing);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_events_and_progress);
	tcase_add_test(tc, test_export_reads_one_state);
	suite_add_tcase(s, tc);
	return s;
}
