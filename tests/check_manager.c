/*
 * check_manager.c - the snapshot manager over a real SQLite file: create and
 * read back, metadata edits, events, limits, nearest/latest, statistics,
 * the state cache, and verification that finds a flipped byte.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snapscope.h"
#include "testutil.h"

static ss_manager *mgr;
static char err[1024];

static ss_manager *open_with(ss_store_type type, size_t max_state, bool validate)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.store_type = type;
	if (max_state)
		cfg.max_state_bytes = max_state;
	cfg.validate_checksums = validate;
	ss_manager *m = NULL;
	ss_status st = ss_open(&cfg, &m, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open: %s", err);
	return m;
}

static void setup(void)
{
	tu_tmpdir();
	mgr = open_with(SS_STORE_TYPE_HYBRID, 0, true);
}

static void teardown(void)
{
	ss_close(mgr);
	mgr = NULL;
	tu_cleanup();
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(v != NULL, "bad test JSON: %s", jerr.text);
	return v;
}

static int64_t create(const char *session, const char *text, int64_t at)
{
	json_t *v = parse(text);
	ss_create_opts opts = { .created_at = at };
	int64_t id = 0;
	ss_status st = ss_create(mgr, session, v, &opts, &id);
	ck_assert_msg(st == SS_OK, "ss_create: %s", ss_errmsg(mgr));
	json_decref(v);
	return id;
}

static int64_t count_all(void)
{
	ss_query q;
	ss_query_init(&q);
	int64_t n = -1;
	ck_assert_int_eq(ss_count(mgr, &q, &n), SS_OK);
	return n;
}

START_TEST(test_create_get_round_trip)
{
	const char *text = "{\"b\":1,\"a\":[true,null,2.5,\"\\u00e9\"],\"c\":{\"z\":{},\"y\":[]}}";
	json_t *v = parse(text);
	const char *tags[] = { "baseline", "deploy" };
	ss_create_opts opts = { .tags = tags, .n_tags = 2, .description = "first state",
	                        .origin = SS_ORIGIN_MANUAL, .created_at = 1700000000123 };
	int64_t id;
	ck_assert_int_eq(ss_create(mgr, "api", v, &opts, &id), SS_OK);
	ck_assert_int_gt(id, 0);

	json_t *got;
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, id, &got, &meta), SS_OK);
	ck_assert(json_equal(got, v));
	/* The document's own key order survives. */
	const char *first_key = json_object_iter_key(json_object_iter(got));
	ck_assert_str_eq(first_key, "b");
	ck_assert_str_eq(meta.session, "api");
	ck_assert_int_eq(meta.seq, 1);
	ck_assert_int_eq(meta.created_at, 1700000000123);
	ck_assert_int_eq(meta.origin, SS_ORIGIN_MANUAL);
	ck_assert_str_eq(meta.description, "first state");
	ck_assert_uint_eq(meta.n_tags, 2);
	ck_assert_str_eq(meta.tags[0], "baseline");
	ck_assert_str_eq(meta.tags[1], "deploy");
	ck_assert(!meta.pinned);
	char hex[65];
	ck_assert_int_eq(ss_checksum_json(v, hex), SS_OK);
	ck_assert_str_eq(meta.checksum, hex);
	size_t len;
	char *compact = ss_json_dump(v, 0, &len);
	ck_assert_int_eq(meta.raw_size, (int64_t)len);
	free(compact);
	ck_assert_int_eq(meta.kind, SS_KIND_KEYFRAME);
	ss_snapshot_clear(&meta);
	json_decref(got);
	json_decref(v);
}
END_TEST

START_TEST(test_persists_across_reopen)
{
	int64_t id = create("svc", "{\"n\":42}", 0);
	ss_close(mgr);
	struct stat sb;
	ck_assert_int_eq(stat(tu_path("store.db"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	mgr = open_with(SS_STORE_TYPE_DISK, 0, true);
	json_t *got;
	ck_assert_int_eq(ss_get(mgr, id, &got, NULL), SS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(got, "n")), 42);
	json_decref(got);
}
END_TEST

START_TEST(test_seq_and_sessions)
{
	create("a", "1", 1000);
	create("a", "2", 2000);
	int64_t b1 = create("b", "3", 1500);
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, b1, NULL, &meta), SS_OK);
	ck_assert_int_eq(meta.seq, 1);
	ss_snapshot_clear(&meta);
	ss_session *sessions;
	size_t n;
	ck_assert_int_eq(ss_sessions(mgr, &sessions, &n), SS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(sessions[0].name, "a");
	ck_assert_int_eq(sessions[0].count, 2);
	ck_assert_int_eq(sessions[0].first_at, 1000);
	ck_assert_int_eq(sessions[0].last_at, 2000);
	ss_session_array_free(sessions, n);
	ss_session info;
	ck_assert_int_eq(ss_session_info(mgr, "nope", &info), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "nope"));
}
END_TEST

START_TEST(test_edits_round_trip)
{
	int64_t id = create("s", "{}", 0);
	ck_assert_int_eq(ss_tag(mgr, id, "incident"), SS_OK);
	ck_assert_int_eq(ss_tag(mgr, id, "incident"), SS_OK);   /* idempotent */
	ck_assert_int_eq(ss_tag(mgr, id, "a b"), SS_OK);
	ck_assert_int_eq(ss_describe(mgr, id, "db failover\nsecond line"), SS_OK);
	ck_assert_int_eq(ss_pin(mgr, id, true), SS_OK);
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, id, NULL, &meta), SS_OK);
	ck_assert_uint_eq(meta.n_tags, 2);
	ck_assert_str_eq(meta.description, "db failover\nsecond line");
	ck_assert(meta.pinned);
	ss_snapshot_clear(&meta);

	ck_assert_int_eq(ss_untag(mgr, id, "incident"), SS_OK);
	ck_assert_int_eq(ss_untag(mgr, id, "incident"), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "no tag"));
	ck_assert_int_eq(ss_describe(mgr, id, ""), SS_OK);
	ck_assert_int_eq(ss_pin(mgr, id, false), SS_OK);
	ck_assert_int_eq(ss_get(mgr, id, NULL, &meta), SS_OK);
	ck_assert_uint_eq(meta.n_tags, 1);
	ck_assert_ptr_null(meta.description);
	ck_assert(!meta.pinned);
	ss_snapshot_clear(&meta);

	ck_assert_int_eq(ss_tag(mgr, 9999, "x"), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "9999"));
	ck_assert_int_eq(ss_tag(mgr, id, "bad\033[31m"), SS_USAGE);
	ck_assert_ptr_null(strchr(ss_errmsg(mgr), '\033'));
	ck_assert_int_eq(ss_describe(mgr, id, "bell\a"), SS_USAGE);
}
END_TEST

START_TEST(test_delete)
{
	int64_t a = create("s", "{\"v\":1}", 1000);
	int64_t b = create("s", "{\"v\":2}", 2000);
	json_t *got;
	ck_assert_int_eq(ss_get(mgr, a, &got, NULL), SS_OK);   /* now cached */
	json_decref(got);
	ck_assert_int_eq(ss_delete(mgr, a), SS_OK);
	ck_assert_int_eq(ss_get(mgr, a, &got, NULL), SS_NOT_FOUND);
	ck_assert_int_eq(ss_delete(mgr, a), SS_NOT_FOUND);
	ck_assert_int_eq(ss_get(mgr, b, &got, NULL), SS_OK);
	json_decref(got);
	/* Sequence numbers are never reused. */
	int64_t c = create("s", "{\"v\":3}", 3000);
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, c, NULL, &meta), SS_OK);
	ck_assert_int_eq(meta.seq, 3);
	ss_snapshot_clear(&meta);
}
END_TEST

struct event_log {
	int created, deleted, updated, sessions, errors;
	ss_status last_error;
};

static void on_event(const ss_event *ev, void *user_data)
{
	struct event_log *log = user_data;
	switch (ev->type) {
	case SS_EVENT_SNAPSHOT_CREATED: log->created++; ck_assert_ptr_nonnull(ev->session); break;
	case SS_EVENT_SNAPSHOT_DELETED: log->deleted++; break;
	case SS_EVENT_SNAPSHOT_UPDATED: log->updated++; break;
	case SS_EVENT_SESSION_CREATED: log->sessions++; break;
	case SS_EVENT_ERROR: log->errors++; log->last_error = ev->status;
		ck_assert_ptr_nonnull(ev->message); break;
	default: /* automatic capture's events: check_auto.c */ break;
	}
}

START_TEST(test_events)
{
	struct event_log log = { 0 };
	int h = ss_subscribe(mgr, on_event, &log);
	ck_assert_int_gt(h, 0);
	int64_t id = create("s", "1", 0);
	create("s", "2", 0);
	ss_tag(mgr, id, "t");
	ss_delete(mgr, id);
	json_t *v = json_integer(1);
	ck_assert_int_eq(ss_create(mgr, "bad name", v, NULL, NULL), SS_USAGE);
	ck_assert_int_eq(log.created, 2);
	ck_assert_int_eq(log.sessions, 1);
	ck_assert_int_eq(log.updated, 1);
	ck_assert_int_eq(log.deleted, 1);
	ck_assert_int_eq(log.errors, 1);
	ck_assert_int_eq(log.last_error, SS_USAGE);
	ss_unsubscribe(mgr, h);
	ck_assert_int_eq(ss_create(mgr, "s", v, NULL, NULL), SS_OK);
	ck_assert_int_eq(log.created, 2);
	json_decref(v);
}
END_TEST

START_TEST(test_limits_leave_store_unchanged)
{
	ss_close(mgr);
	mgr = open_with(SS_STORE_TYPE_HYBRID, 64, true);
	create("s", "{\"small\":1}", 0);
	json_t *big = json_object();
	json_object_set_new(big, "text", json_string("this string makes the state longer than 64 bytes in all"));
	ck_assert_int_eq(ss_create(mgr, "s", big, NULL, NULL), SS_LIMIT);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "limit"));
	json_decref(big);

	json_t *v = json_integer(1);
	ck_assert_int_eq(ss_create(mgr, "../etc", v, NULL, NULL), SS_USAGE);
	ck_assert_int_eq(ss_create(mgr, "", v, NULL, NULL), SS_USAGE);
	const char *tags[] = { "ok", "\x1b]0;title\x07" };
	ss_create_opts opts = { .tags = tags, .n_tags = 2 };
	ck_assert_int_eq(ss_create(mgr, "s", v, &opts, NULL), SS_USAGE);
	json_decref(v);

	/* Nesting deeper than the documented limit, built in C. */
	json_t *deep = json_array();
	json_t *cur = deep;
	for (int i = 0; i < SS_DEPTH_MAX + 5; i++) {
		json_t *inner = json_array();
		json_array_append_new(cur, inner);
		cur = inner;
	}
	ck_assert_int_ne(ss_create(mgr, "s", deep, NULL, NULL), SS_OK);
	json_decref(deep);
	ck_assert_int_eq(count_all(), 1);
}
END_TEST

START_TEST(test_nearest_and_latest)
{
	create("s", "1", 1000);
	int64_t two = create("s", "2", 2000);
	int64_t four = create("s", "4", 4000);
	int64_t id;
	ck_assert_int_eq(ss_nearest(mgr, "s", 2900, &id), SS_OK);
	ck_assert_int_eq(id, two);
	ck_assert_int_eq(ss_nearest(mgr, "s", 3000, &id), SS_OK);   /* tie: the older */
	ck_assert_int_eq(id, two);
	ck_assert_int_eq(ss_nearest(mgr, "s", 999999, &id), SS_OK);
	ck_assert_int_eq(id, four);
	ck_assert_int_eq(ss_latest(mgr, "s", &id), SS_OK);
	ck_assert_int_eq(id, four);
	ck_assert_int_eq(ss_latest(mgr, "missing", &id), SS_NOT_FOUND);
}
END_TEST

struct collected {
	int64_t ids[64];
	size_t n;
};

static int collect(const ss_snapshot *row, void *user_data)
{
	struct collected *c = user_data;
	c->ids[c->n++] = row->id;
	return 0;
}

START_TEST(test_search_through_manager)
{
	int64_t a = create("s", "1", 1000);
	int64_t b = create("s", "2", 2000);
	int64_t c = create("t", "3", 3000);
	ss_tag(mgr, a, "x");
	ss_tag(mgr, b, "x");
	ss_tag(mgr, b, "y");
	ss_tag(mgr, c, "y");
	const char *xy[] = { "x", "y" };
	ss_query q;
	ss_query_init(&q);
	q.tags = xy;
	q.n_tags = 2;
	struct collected got = { .n = 0 };
	ck_assert_int_eq(ss_search(mgr, &q, NULL, collect, &got), SS_OK);
	ck_assert_uint_eq(got.n, 3);
	q.tags_all = true;
	got.n = 0;
	ck_assert_int_eq(ss_search(mgr, &q, NULL, collect, &got), SS_OK);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_int_eq(got.ids[0], b);

	ss_query_init(&q);
	q.session = "s";
	q.reverse = true;
	got.n = 0;
	ck_assert_int_eq(ss_search(mgr, &q, NULL, collect, &got), SS_OK);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_int_eq(got.ids[0], b);

	ss_query_init(&q);
	q.since = 3000;
	q.until = 1000;
	ck_assert_int_eq(ss_search(mgr, &q, NULL, collect, &got), SS_USAGE);
}
END_TEST

START_TEST(test_stats)
{
	char big[4096];
	memset(big, 'a', sizeof big - 3);
	big[0] = '"';
	big[sizeof big - 3] = '"';
	big[sizeof big - 2] = '\0';
	create("s", big, 1000);
	create("s", "{\"x\":1}", 2000);
	int64_t id = create("t", "[1,2,3]", 3000);
	ss_pin(mgr, id, true);
	ss_tag(mgr, id, "k");
	ss_stats stats;
	ck_assert_int_eq(ss_stats_get(mgr, NULL, &stats), SS_OK);
	ck_assert_int_eq(stats.sessions, 2);
	ck_assert_int_eq(stats.snapshots, 3);
	ck_assert_int_eq(stats.pinned, 1);
	ck_assert_int_eq(stats.tagged, 1);
	ck_assert_int_eq(stats.raw_bytes, (int64_t)(sizeof big - 2) + 7 + 7);
	ck_assert_int_lt(stats.stored_bytes, stats.raw_bytes);   /* the big one compressed */
	ck_assert(ss_stats_ratio(&stats) < 1.0);
	ck_assert_double_eq_tol(ss_stats_ratio(&stats),
	                        (double)stats.stored_bytes / (double)stats.raw_bytes, 1e-12);
	ck_assert_int_eq(stats.first_at, 1000);
	ck_assert_int_eq(stats.last_at, 3000);
	ck_assert(ss_stats_avg_create_us(&stats) >= 0.0);
	ck_assert_int_eq(ss_stats_get(mgr, "t", &stats), SS_OK);
	ck_assert_int_eq(stats.snapshots, 1);
	ck_assert_int_eq(ss_stats_get(mgr, "none", &stats), SS_NOT_FOUND);
}
END_TEST

START_TEST(test_cache_by_store_type)
{
	int64_t id = create("s", "{\"v\":[1,2,3]}", 0);
	json_t *a, *b;
	ck_assert_int_eq(ss_get(mgr, id, &a, NULL), SS_OK);
	ck_assert_int_eq(ss_get(mgr, id, &b, NULL), SS_OK);
	ck_assert_ptr_eq(a, b);          /* hybrid: the second read is the cached state */
	json_decref(a);
	json_decref(b);
	ss_close(mgr);
	mgr = open_with(SS_STORE_TYPE_DISK, 0, true);
	ck_assert_int_eq(ss_get(mgr, id, &a, NULL), SS_OK);
	ck_assert_int_eq(ss_get(mgr, id, &b, NULL), SS_OK);
	ck_assert_ptr_ne(a, b);          /* disk: read from the store each time */
	ck_assert(json_equal(a, b));
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(test_memory_store)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_type = SS_STORE_TYPE_MEMORY;
	ss_manager *m;
	ck_assert_int_eq(ss_open(&cfg, &m, err, sizeof err), SS_OK);
	json_t *v = json_integer(5);
	int64_t id;
	ck_assert_int_eq(ss_create(m, "mem", v, NULL, &id), SS_OK);
	json_t *got;
	ck_assert_int_eq(ss_get(m, id, &got, NULL), SS_OK);
	ck_assert(json_equal(got, v));
	json_decref(got);
	json_decref(v);
	ss_close(m);
}
END_TEST

START_TEST(test_read_only)
{
	int64_t id = create("s", "1", 0);
	ss_close(mgr);
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.read_only = true;
	cfg.create = false;
	ck_assert_int_eq(ss_open(&cfg, &mgr, err, sizeof err), SS_OK);
	json_t *v = json_integer(2);
	ck_assert_int_eq(ss_create(mgr, "s", v, NULL, NULL), SS_READONLY);
	json_decref(v);
	ck_assert_int_eq(ss_tag(mgr, id, "t"), SS_READONLY);
	ck_assert_int_eq(ss_get(mgr, id, NULL, NULL), SS_OK);

	ss_config_init(&cfg);
	cfg.store_path = tu_path("missing.db");
	cfg.create = false;
	ss_manager *m = NULL;
	ck_assert_int_eq(ss_open(&cfg, &m, err, sizeof err), SS_NOT_FOUND);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err, "missing.db"));
}
END_TEST

/* Change one byte of the stored blob of snapshot `id` behind the store's back. */
static void flip_blob_byte(int64_t id, int offset_from_end)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(tu_path("store.db"), &db), SQLITE_OK);
	sqlite3_stmt *sel;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT b.id, b.data FROM blobs b JOIN snapshots s ON s.blob_id = b.id WHERE s.id = ?",
		-1, &sel, NULL), SQLITE_OK);
	sqlite3_bind_int64(sel, 1, id);
	ck_assert_int_eq(sqlite3_step(sel), SQLITE_ROW);
	sqlite3_int64 blob = sqlite3_column_int64(sel, 0);
	int n = sqlite3_column_bytes(sel, 1);
	unsigned char *data = malloc((size_t)n);
	memcpy(data, sqlite3_column_blob(sel, 1), (size_t)n);
	sqlite3_finalize(sel);
	data[n - offset_from_end] ^= 0x01;
	sqlite3_stmt *upd;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE blobs SET data = ? WHERE id = ?", -1, &upd, NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(upd, 1, data, n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(upd, 2, blob);
	ck_assert_int_eq(sqlite3_step(upd), SQLITE_DONE);
	sqlite3_finalize(upd);
	sqlite3_close(db);
	free(data);
}

struct damage_log {
	int64_t ids[8];
	int n;
};

static void on_damage(int64_t id, const char *reason, void *user_data)
{
	struct damage_log *log = user_data;
	ck_assert_ptr_nonnull(reason);
	if (log->n < 8)
		log->ids[log->n++] = id;
}

START_TEST(test_verify_finds_flipped_bytes)
{
	create("s", "{\"v\":1}", 1000);
	/* "{\"v\":12}": the digit flipped to another digit still parses, so only
	 * the checksum can tell. */
	int64_t raw = create("s", "{\"v\":12}", 2000);
	/* Varied text, so that a flipped bit in the deflate stream changes the
	 * output (in a run of one repeated byte it may not). */
	char big[3000];
	uint32_t x = 12345;
	big[0] = '"';
	for (size_t i = 1; i < sizeof big - 2; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)('a' + (x >> 16) % 26);
	}
	big[sizeof big - 2] = '"';
	big[sizeof big - 1] = '\0';
	int64_t packed = create("s", big, 3000);   /* compressed */
	int64_t checked, damaged;
	ck_assert_int_eq(ss_verify(mgr, NULL, NULL, NULL, &checked, &damaged), SS_OK);
	ck_assert_int_eq(checked, 3);
	ck_assert_int_eq(damaged, 0);

	ss_close(mgr);
	flip_blob_byte(raw, 2);         /* '2' -> '3' */
	flip_blob_byte(packed, 1000);
	mgr = open_with(SS_STORE_TYPE_HYBRID, 0, true);
	struct damage_log log = { .n = 0 };
	ck_assert_int_eq(ss_verify(mgr, NULL, on_damage, &log, &checked, &damaged), SS_CORRUPT);
	ck_assert_int_eq(checked, 3);
	ck_assert_int_eq(damaged, 2);
	ck_assert_int_eq(log.n, 2);
	ck_assert_int_eq(log.ids[0], raw);
	ck_assert_int_eq(log.ids[1], packed);
	json_t *state = NULL;
	ck_assert_int_eq(ss_get(mgr, raw, &state, NULL), SS_CORRUPT);
	ck_assert_ptr_null(state);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "checksum"));

	/* With validation off the damaged-but-parseable state is handed out. */
	ss_close(mgr);
	mgr = open_with(SS_STORE_TYPE_DISK, 0, false);
	ck_assert_int_eq(ss_get(mgr, raw, &state, NULL), SS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(state, "v")), 13);
	json_decref(state);
}
END_TEST

Suite *manager_suite(void); /* for check_main.c, through suites.h */

Suite *manager_suite(void)
{
	Suite *s = suite_create("manager");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_get_round_trip);
	tcase_add_test(tc, test_persists_across_reopen);
	tcase_add_test(tc, test_seq_and_sessions);
	tcase_add_test(tc, test_edits_round_trip);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_limits_leave_store_unchanged);
	tcase_add_test(tc, test_nearest_and_latest);
	tcase_add_test(tc, test_search_through_manager);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_cache_by_store_type);
	tcase_add_test(tc, test_memory_store);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_verify_finds_flipped_bytes);
	suite_add_tcase(s, tc);
	return s;
}
