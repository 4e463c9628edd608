/*
 * check_export.c - ss_export_json over a real store: the document parses
 * back with every field, states and checksums equal what the store holds
 * (checksums recomputed from the parsed states too), explicit ids and query
 * filters select what they say, paging through more than one page of ids,
 * and the file rules of DESIGN.md: mode 0600, no overwrite without force,
 * never through a symbolic link, nothing left behind after a failure.
 */
#include <check.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapscope.h"
#include "testutil.h"

static ss_manager *mgr;
static char err[1024];
static char dir[4096];          /* the test's directory: tu_tmpdir() makes a new one each call */

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_tmpdir());
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	ss_status st = ss_open(&cfg, &mgr, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open: %s", err);
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
	ck_assert_msg(v != NULL, "bad JSON (%s): %.200s", jerr.text, text);
	return v;
}

static int64_t create(const char *session, const char *text, int64_t at, const char *tag,
                      const char *desc)
{
	json_t *v = parse(text);
	const char *tags[] = { tag };
	ss_create_opts opts = { .created_at = at, .tags = tag ? tags : NULL, .n_tags = tag ? 1 : 0,
	                        .description = desc };
	int64_t id = 0;
	ss_status st = ss_create(mgr, session, v, &opts, &id);
	ck_assert_msg(st == SS_OK, "ss_create: %s", ss_errmsg(mgr));
	json_decref(v);
	return id;
}

/* Read an export back as JSON. */
static json_t *load_export(const char *path)
{
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	ck_assert_msg(text != NULL, "no file %s", path);
	json_t *doc = parse(text);
	free(text);
	return doc;
}

/* Entries in the test directory other than the store's own files: what an
 * export left behind. */
static int stray_files(void)
{
	DIR *d = opendir(dir);
	ck_assert(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strncmp(e->d_name, "store.db", 8) == 0)
			continue;
		n++;
	}
	closedir(d);
	return n;
}

#define T0 1764079200000LL /* 2025-11-25T14:00:00Z */

START_TEST(test_session_round_trip)
{
	create("api", "{\"b\":1,\"a\":[1,2,{\"z\":null}],\"s\":\"\\u00e9\\n\\\"\"}", T0, "deploy",
	       "first \"one\"\tok");
	create("api", "{\"b\":2,\"a\":[1,2,{\"z\":null}],\"s\":\"x\"}", T0 + 1000, NULL, NULL);
	create("api", "{\"b\":3,\"a\":[],\"n\":1.5}", T0 + 2000, NULL, NULL);
	create("other", "{\"o\":true}", T0 + 500, NULL, NULL);
	ck_assert_int_eq(ss_pin(mgr, 2, true), SS_OK);
	ss_session_config scfg = { .interval_ms = 5000 };
	ck_assert_int_eq(ss_session_config_set(mgr, "api", &scfg), SS_OK);

	ss_query q;
	ss_query_init(&q);
	q.session = "api";
	const char *path = tu_path("api.json");
	int64_t written = -1;
	ss_status st = ss_export_json(mgr, &q, NULL, 0, path, false, &written);
	ck_assert_msg(st == SS_OK, "export: %s", ss_errmsg(mgr));
	ck_assert_int_eq(written, 3);

	json_t *doc = load_export(path);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "format")), "snapscope-export");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")), 1);
	const char *at = json_string_value(json_object_get(doc, "exported_at"));
	int64_t at_ms;
	ck_assert_msg(at && ss_time_parse(at, 0, &at_ms, err, sizeof err) == SS_OK,
	              "exported_at: %s", at ? at : "(none)");

	json_t *sessions = json_object_get(doc, "sessions");
	ck_assert_int_eq(json_array_size(sessions), 1);
	json_t *s0 = json_array_get(sessions, 0);
	ck_assert_str_eq(json_string_value(json_object_get(s0, "name")), "api");
	ck_assert(json_is_object(json_object_get(s0, "config")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(s0, "config"),
	                                                    "interval_ms")), 5000);

	json_t *snaps = json_object_get(doc, "snapshots");
	ck_assert_int_eq(json_array_size(snaps), 3);
	size_t i;
	json_t *e;
	json_array_foreach(snaps, i, e) {
		int64_t id = json_integer_value(json_object_get(e, "id"));
		json_t *state = NULL;
		ss_snapshot meta;
		ck_assert_int_eq(ss_get(mgr, id, &state, &meta), SS_OK);
		ck_assert_str_eq(json_string_value(json_object_get(e, "session")), "api");
		ck_assert_int_eq(json_integer_value(json_object_get(e, "seq")), meta.seq);
		char when[40];
		ss_time_format_utc(meta.created_at, when, sizeof when);
		ck_assert_str_eq(json_string_value(json_object_get(e, "created_at")), when);
		ck_assert_str_eq(json_string_value(json_object_get(e, "origin")), "manual");
		ck_assert(json_is_boolean(json_object_get(e, "pinned")));
		ck_assert(json_is_true(json_object_get(e, "pinned")) == meta.pinned);
		ck_assert_int_eq(json_array_size(json_object_get(e, "tags")), meta.n_tags);
		for (size_t k = 0; k < meta.n_tags; k++)
			ck_assert_str_eq(json_string_value(json_array_get(json_object_get(e, "tags"), k)),
			                 meta.tags[k]);
		json_t *desc = json_object_get(e, "description");
		if (meta.description)
			ck_assert_str_eq(json_string_value(desc), meta.description);
		else
			ck_assert(json_is_null(desc));
		ck_assert_str_eq(json_string_value(json_object_get(e, "checksum")), meta.checksum);
		json_t *exported = json_object_get(e, "state");
		ck_assert_msg(json_equal(exported, state), "state of #%lld differs", (long long)id);
		/* The checksum also holds for the state as a reader parses it. */
		char hex[SS_CHECKSUM_HEX_LEN + 1];
		ck_assert_int_eq(ss_checksum_json(exported, hex), SS_OK);
		ck_assert_str_eq(hex, meta.checksum);
		json_decref(state);
		ss_snapshot_clear(&meta);
	}
	/* Time order, and the document's own key order kept in the state. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(snaps, 0), "seq")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(snaps, 2), "seq")), 3);
	const char *first_key = json_object_iter_key(
		json_object_iter(json_object_get(json_array_get(snaps, 0), "state")));
	ck_assert_str_eq(first_key, "b");
	json_decref(doc);

	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(stray_files(), 1);
}
END_TEST

START_TEST(test_ids_selection)
{
	int64_t a = create("api", "{\"v\":1}", T0, NULL, NULL);
	create("api", "{\"v\":2}", T0 + 1, NULL, NULL);
	int64_t c = create("web", "{\"w\":3}", T0 + 2, NULL, NULL);
	int64_t ids[] = { c, a };
	int64_t written = 0;
	const char *path = tu_path("ids.json");
	ck_assert_int_eq(ss_export_json(mgr, NULL, ids, 2, path, false, &written), SS_OK);
	ck_assert_int_eq(written, 2);
	json_t *doc = load_export(path);
	json_t *snaps = json_object_get(doc, "snapshots");
	ck_assert_int_eq(json_array_size(snaps), 2);
	/* In the order asked for, with both sessions described. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(snaps, 0), "id")), c);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(snaps, 1), "id")), a);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "sessions")), 2);
	json_decref(doc);

	/* An unknown id: an error before any file is made. */
	int64_t bad[] = { a, 999 };
	const char *path2 = tu_path("bad.json");
	ck_assert_int_eq(ss_export_json(mgr, NULL, bad, 2, path2, false, &written), SS_NOT_FOUND);
	ck_assert_msg(strstr(ss_errmsg(mgr), "999") != NULL, "message: %s", ss_errmsg(mgr));
	ck_assert_int_eq(access(path2, F_OK), -1);
	ck_assert_int_eq(stray_files(), 1);
}
END_TEST

START_TEST(test_query_filter_and_paging)
{
	/* More than one page of ids (256), so that the cursor walk is used. */
	for (int i = 0; i < 300; i++) {
		char text[64];
		snprintf(text, sizeof text, "{\"i\":%d}", i);
		create("big", text, T0 + i * 1000, i % 100 == 0 ? "hundred" : NULL, NULL);
	}
	ss_query q;
	ss_query_init(&q);
	q.session = "big";
	int64_t written = 0;
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("all.json"), false, &written),
	                 SS_OK);
	ck_assert_int_eq(written, 300);
	json_t *doc = load_export(tu_path("all.json"));
	json_t *snaps = json_object_get(doc, "snapshots");
	ck_assert_int_eq(json_array_size(snaps), 300);
	for (size_t i = 0; i < 300; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(
			json_object_get(json_array_get(snaps, i), "state"), "i")), (json_int_t)i);
	json_decref(doc);

	const char *tags[] = { "hundred" };
	q.tags = tags;
	q.n_tags = 1;
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("tag.json"), false, &written),
	                 SS_OK);
	ck_assert_int_eq(written, 3);

	ss_query_init(&q);
	q.session = "big";
	q.since = T0 + 10 * 1000;
	q.until = T0 + 19 * 1000;
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("range.json"), false, &written),
	                 SS_OK);
	ck_assert_int_eq(written, 10);
	doc = load_export(tu_path("range.json"));
	snaps = json_object_get(doc, "snapshots");
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(json_array_get(snaps, 0), "state"), "i")), 10);
	json_decref(doc);

	/* A limit counts across pages. */
	ss_query_init(&q);
	q.limit = 260;
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("limit.json"), false, &written),
	                 SS_OK);
	ck_assert_int_eq(written, 260);

	/* An empty match is an empty, valid export. */
	ss_query_init(&q);
	q.session = "big";
	q.since = T0 + 10000 * 1000LL;
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("none.json"), false, &written),
	                 SS_OK);
	ck_assert_int_eq(written, 0);
	doc = load_export(tu_path("none.json"));
	ck_assert_int_eq(json_array_size(json_object_get(doc, "snapshots")), 0);
	json_decref(doc);

	/* A session that does not exist is an error naming it. */
	q.session = "nosuch";
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("x.json"), false, &written),
	                 SS_NOT_FOUND);
	ck_assert_msg(strstr(ss_errmsg(mgr), "nosuch") != NULL, "message: %s", ss_errmsg(mgr));
}
END_TEST

START_TEST(test_existing_file_and_force)
{
	int64_t id = create("api", "{\"v\":1}", T0, NULL, NULL);
	const char *path = tu_path("out.json");
	tu_write_file(path, "precious", (size_t)-1);
	chmod(path, 0644);
	int64_t written = 7;
	ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, path, false, &written), SS_EXISTS);
	ck_assert_int_eq(written, 0);
	ck_assert_msg(strstr(ss_errmsg(mgr), path) != NULL, "message: %s", ss_errmsg(mgr));
	char *text = tu_read_file(path, NULL);
	ck_assert_str_eq(text, "precious");
	free(text);
	ck_assert_int_eq(stray_files(), 1);

	ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, path, true, &written), SS_OK);
	ck_assert_int_eq(written, 1);
	json_t *doc = load_export(path);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "snapshots")), 1);
	json_decref(doc);
	/* The replacement is a new file: mode 0600, not the old 0644. */
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(stray_files(), 1);
}
END_TEST

START_TEST(test_symlink_refused)
{
	int64_t id = create("api", "{\"v\":1}", T0, NULL, NULL);
	const char *target = tu_path("target.txt");
	const char *link_path = tu_path("link.json");
	tu_write_file(target, "keep", (size_t)-1);
	ck_assert_int_eq(symlink(target, link_path), 0);
	for (int force = 0; force <= 1; force++) {
		ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, link_path, force, NULL), SS_USAGE);
		ck_assert_msg(strstr(ss_errmsg(mgr), "symbolic link") != NULL, "message: %s",
		              ss_errmsg(mgr));
	}
	char *text = tu_read_file(target, NULL);
	ck_assert_str_eq(text, "keep");
	free(text);
	struct stat sb;
	ck_assert_int_eq(lstat(link_path, &sb), 0);
	ck_assert(S_ISLNK(sb.st_mode));
	/* A dangling link too: never created through. */
	unlink(target);
	ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, link_path, true, NULL), SS_USAGE);
	ck_assert_int_eq(access(target, F_OK), -1);
	ck_assert_int_eq(stray_files(), 1); /* the link itself */
}
END_TEST

/* Flip one bit of a snapshot's stored blob, `offset_from_end` bytes from its
 * end, behind the manager's back (it is closed meanwhile). */
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
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE blobs SET data = ? WHERE id = ?", -1, &upd,
	                                    NULL), SQLITE_OK);
	sqlite3_bind_blob(upd, 1, data, n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(upd, 2, blob);
	ck_assert_int_eq(sqlite3_step(upd), SQLITE_DONE);
	sqlite3_finalize(upd);
	sqlite3_close(db);
	free(data);
}

START_TEST(test_failures_leave_nothing)
{
	int64_t id = create("api", "{\"v\":1}", T0, NULL, NULL);
	const char *path = tu_path("missing/out.json");
	ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, path, false, NULL), SS_NOT_FOUND);
	ck_assert_msg(strstr(ss_errmsg(mgr), "missing") != NULL &&
	              strstr(ss_errmsg(mgr), "does not exist") != NULL,
	              "message: %s", ss_errmsg(mgr));
	ck_assert_int_eq(stray_files(), 0);

	/* Not a regular file, even with force; no name at all. */
	ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, dir, true, NULL), SS_USAGE);
	ck_assert_int_eq(ss_export_json(mgr, NULL, &id, 1, "", false, NULL), SS_USAGE);
	ck_assert_int_eq(stray_files(), 0);

	/* A failure half-way, with the temporary file written to: the second
	 * snapshot's state is damaged ("12" read back as "13"), so its checksum
	 * fails after the first was written.  Nothing is left, and a file that
	 * --force would have replaced is untouched. */
	int64_t bad = create("web", "{\"v\":12}", T0 + 1, NULL, NULL);
	ss_close(mgr);
	flip_blob_byte(bad, 2);
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	ck_assert_int_eq(ss_open(&cfg, &mgr, err, sizeof err), SS_OK);
	const char *out = tu_path("out.json");
	tu_write_file(out, "precious", (size_t)-1);
	int64_t ids[] = { id, bad };
	int64_t written = 5;
	ck_assert_int_eq(ss_export_json(mgr, NULL, ids, 2, out, true, &written), SS_CORRUPT);
	ck_assert_int_eq(written, 0);
	char *text = tu_read_file(out, NULL);
	ck_assert_str_eq(text, "precious");
	free(text);
	ck_assert_int_eq(stray_files(), 1);
}
END_TEST

Suite *export_suite(void); /* for check_main.c */

Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_session_round_trip);
	tcase_add_test(tc, test_ids_selection);
	tcase_add_test(tc, test_query_filter_and_paging);
	tcase_add_test(tc, test_existing_file_and_force);
	tcase_add_test(tc, test_symlink_refused);
	tcase_add_test(tc, test_failures_leave_nothing);
	suite_add_tcase(s, tc);
	return s;
}
