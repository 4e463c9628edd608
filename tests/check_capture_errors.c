/*
 * check_capture_errors.c - capture errors over a real store file: recording,
 * listing and counting by time (both ends of a range, open ends, limits, an
 * early stop), sessions kept apart, an unknown session having none, trimming
 * to SS_CAPTURE_ERRORS_KEPT, long reasons cut at a UTF-8 boundary and raw
 * bytes kept raw; the store functions beneath (keep, foreign key, the
 * caller's transaction, a listing from inside a listing); the schema
 * migration from version 1, which had no capture_errors table; and what the
 * browser shows of them (scripted, the screens read back): the timeline's
 * !N, the state pane's list with reasons escaped, the note about errors
 * after the newest snapshot, and c without a capture running.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"
#include "ss_auto.h"
#include "ss_store.h"
#include "testutil.h"

#define T0 INT64_C(1700000000000)

static ss_manager *mgr;
static char err[1024];

static ss_manager *open_mgr(bool read_only, ss_status want)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.read_only = read_only;
	ss_manager *m = NULL;
	ss_status st = ss_open(&cfg, &m, err, sizeof err);
	ck_assert_msg(st == want, "ss_open: %s (%s)", ss_status_str(st), err);
	return m;
}

static void setup(void)
{
	tu_tmpdir();
	mgr = open_mgr(false, SS_OK);
}

static void teardown(void)
{
	ss_close(mgr);
	mgr = NULL;
	tu_cleanup();
}

static void add(const char *session, int64_t at, const char *reason)
{
	ss_status st = ss_capture_error_add(mgr, session, at, reason);
	ck_assert_msg(st == SS_OK, "add: %s", ss_errmsg(mgr));
}

static int64_t count(const char *session, int64_t since, int64_t until)
{
	int64_t n = -1;
	ss_status st = ss_capture_error_count(mgr, session, since, until, &n);
	ck_assert_msg(st == SS_OK, "count: %s", ss_errmsg(mgr));
	return n;
}

/* What a listing handed out, copied. */
#define LISTED_MAX 16
struct listed {
	size_t n;
	int64_t at[LISTED_MAX];
	char reason[LISTED_MAX][SS_CAPTURE_REASON_MAX + 1];
	size_t stop_after;          /* 0: never stop early */
};

static int collect(const ss_capture_error *e, void *user_data)
{
	struct listed *l = user_data;
	ck_assert_uint_lt(l->n, LISTED_MAX);
	l->at[l->n] = e->at;
	snprintf(l->reason[l->n], sizeof l->reason[l->n], "%s", e->reason);
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

static struct listed list(const char *session, int64_t since, int64_t until, int64_t limit)
{
	struct listed l = { 0 };
	ss_status st = ss_capture_errors(mgr, session, since, until, limit, collect, &l);
	ck_assert_msg(st == SS_OK, "list: %s", ss_errmsg(mgr));
	return l;
}

/* ---- the model API ------------------------------------------------------- */

START_TEST(test_add_list_count)
{
	add("api", T0 + 10, "exit status 7: curl: (7) Failed to connect");
	add("api", T0 + 20, "timed out after 10s");
	add("api", T0 + 30, "not JSON: <html>");

	struct listed l = list("api", SS_TIME_NONE, SS_TIME_NONE, 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_int_eq(l.at[0], T0 + 10);
	ck_assert_int_eq(l.at[2], T0 + 30);
	ck_assert_str_eq(l.reason[0], "exit status 7: curl: (7) Failed to connect");
	ck_assert_str_eq(l.reason[1], "timed out after 10s");
	ck_assert_str_eq(l.reason[2], "not JSON: <html>");

	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), 3);
	/* the session is created by its first error */
	ss_session info;
	ck_assert_int_eq(ss_session_info(mgr, "api", &info), SS_OK);
	ck_assert_int_eq(info.count, 0);
	ss_session_clear(&info);
}
END_TEST

/* list: since <= at <= until; count: since < at <= until. */
START_TEST(test_range_bounds)
{
	for (int i = 1; i <= 5; i++) {
		char reason[32];
		snprintf(reason, sizeof reason, "failure %d", i);
		add("api", T0 + i * 10, reason);
	}
	struct listed l = list("api", T0 + 20, T0 + 40, 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_int_eq(l.at[0], T0 + 20);
	ck_assert_int_eq(l.at[2], T0 + 40);
	l = list("api", T0 + 21, T0 + 39, 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.reason[0], "failure 3");
	l = list("api", SS_TIME_NONE, T0 + 20, 0);
	ck_assert_uint_eq(l.n, 2);
	l = list("api", T0 + 40, SS_TIME_NONE, 0);
	ck_assert_uint_eq(l.n, 2);
	l = list("api", T0 + 40, T0 + 20, 0);       /* an empty range */
	ck_assert_uint_eq(l.n, 0);

	/* limit takes the oldest; a callback may stop early */
	l = list("api", SS_TIME_NONE, SS_TIME_NONE, 2);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.reason[1], "failure 2");
	l = (struct listed){ .stop_after = 1 };
	ck_assert_int_eq(ss_capture_errors(mgr, "api", SS_TIME_NONE, SS_TIME_NONE, 0, collect, &l),
	                 SS_OK);
	ck_assert_uint_eq(l.n, 1);

	ck_assert_int_eq(count("api", T0 + 20, T0 + 40), 2);    /* 30, 40 */
	ck_assert_int_eq(count("api", T0 + 19, T0 + 40), 3);
	ck_assert_int_eq(count("api", T0 + 20, T0 + 20), 0);
	ck_assert_int_eq(count("api", T0 + 40, T0 + 20), 0);
	ck_assert_int_eq(count("api", SS_TIME_NONE, T0 + 10), 1);
	ck_assert_int_eq(count("api", T0 + 10, SS_TIME_NONE), 4);
	ck_assert_int_eq(count("api", T0 + 50, SS_TIME_NONE), 0);
	ck_assert_int_eq(count("api", INT64_MAX, SS_TIME_NONE), 0);
}
END_TEST

START_TEST(test_sessions_apart_and_unknown)
{
	add("api", T0 + 10, "a");
	add("web", T0 + 10, "w1");
	add("web", T0 + 20, "w2");
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), 1);
	ck_assert_int_eq(count("web", SS_TIME_NONE, SS_TIME_NONE), 2);

	/* a session that does not exist has no errors, and is not created */
	ck_assert_int_eq(count("nope", SS_TIME_NONE, SS_TIME_NONE), 0);
	ck_assert_uint_eq(list("nope", SS_TIME_NONE, SS_TIME_NONE, 0).n, 0);
	ss_session info;
	ck_assert_int_eq(ss_session_info(mgr, "nope", &info), SS_NOT_FOUND);

	/* bad input is refused with a message */
	int64_t n = 7;
	ck_assert_int_eq(ss_capture_error_count(mgr, "no spaces", SS_TIME_NONE, SS_TIME_NONE, &n),
	                 SS_USAGE);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "session name"));
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ss_capture_error_add(mgr, "", 0, "x"), SS_USAGE);
	ck_assert_int_eq(ss_capture_error_add(mgr, "api", 0, NULL), SS_USAGE);
	struct listed l = { 0 };
	ck_assert_int_eq(ss_capture_errors(mgr, "a/b", SS_TIME_NONE, SS_TIME_NONE, 0, collect, &l),
	                 SS_USAGE);
	ck_assert_int_eq(ss_capture_errors(mgr, "api", SS_TIME_NONE, SS_TIME_NONE, -1, collect, &l),
	                 SS_USAGE);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), 1);
}
END_TEST

START_TEST(test_at_zero_is_now)
{
	int64_t before = ss_now_ms();
	add("api", 0, "now");
	int64_t after = ss_now_ms();
	struct listed l = list("api", SS_TIME_NONE, SS_TIME_NONE, 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_ge(l.at[0], before);
	ck_assert_int_le(l.at[0], after);
}
END_TEST

/* The newest SS_CAPTURE_ERRORS_KEPT of a session stay; another session's
 * errors do not count against it. */
START_TEST(test_trimmed_to_kept)
{
	add("web", T0, "other session");
	for (int i = 1; i <= SS_CAPTURE_ERRORS_KEPT + 5; i++) {
		char reason[32];
		snprintf(reason, sizeof reason, "failure %d", i);
		add("api", T0 + i, reason);
	}
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), SS_CAPTURE_ERRORS_KEPT);
	struct listed l = list("api", SS_TIME_NONE, SS_TIME_NONE, 1);
	ck_assert_str_eq(l.reason[0], "failure 6");
	ck_assert_int_eq(l.at[0], T0 + 6);
	ck_assert_int_eq(count("web", SS_TIME_NONE, SS_TIME_NONE), 1);

	/* an error older than all kept ones goes at once; a newer one pushes
	 * the oldest out */
	add("api", T0 - 100, "late arrival");
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), SS_CAPTURE_ERRORS_KEPT);
	ck_assert_int_eq(count("api", SS_TIME_NONE, T0), 0);
	add("api", T0 + 5000, "newest");
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), SS_CAPTURE_ERRORS_KEPT);
	l = list("api", SS_TIME_NONE, SS_TIME_NONE, 1);
	ck_assert_str_eq(l.reason[0], "failure 7");
}
END_TEST

START_TEST(test_long_reason_cut)
{
	/* "x" then two-byte characters: byte 500 is the middle of one, so the
	 * cut keeps 499 bytes */
	char text[1 + 2 * 400 + 1];
	text[0] = 'x';
	for (int i = 0; i < 400; i++)
		memcpy(text + 1 + 2 * i, "\xc3\xa9", 2);    /* é */
	text[sizeof text - 1] = '\0';
	add("api", T0 + 1, text);
	struct listed l = list("api", SS_TIME_NONE, SS_TIME_NONE, 0);
	ck_assert_uint_eq(strlen(l.reason[0]), SS_CAPTURE_REASON_MAX - 1);
	ck_assert_int_eq(memcmp(l.reason[0], text, SS_CAPTURE_REASON_MAX - 1), 0);

	/* a four-byte character across the limit: cut before it */
	char wide[SS_CAPTURE_REASON_MAX + 8];
	memset(wide, 'a', sizeof wide);
	memcpy(wide + SS_CAPTURE_REASON_MAX - 2, "\xf0\x9f\x98\x80", 4);   /* U+1F600 */
	wide[sizeof wide - 1] = '\0';
	add("api", T0 + 2, wide);
	/* ASCII: exactly the limit; exactly the limit given: kept whole */
	char ascii[SS_CAPTURE_REASON_MAX + 100];
	memset(ascii, 'b', sizeof ascii);
	ascii[sizeof ascii - 1] = '\0';
	add("api", T0 + 3, ascii);
	ascii[SS_CAPTURE_REASON_MAX] = '\0';
	add("api", T0 + 4, ascii);
	l = list("api", T0 + 2, SS_TIME_NONE, 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_uint_eq(strlen(l.reason[0]), SS_CAPTURE_REASON_MAX - 2);
	ck_assert_uint_eq(strlen(l.reason[1]), SS_CAPTURE_REASON_MAX);
	ck_assert_str_eq(l.reason[2], ascii);
}
END_TEST

/* Escaping is the display's business: the bytes come back as given. */
START_TEST(test_reason_kept_raw)
{
	const char *raw = "curl: \x1b[31mred\x1b[0m\nline two\t\xff";
	add("api", T0, raw);
	struct listed l = list("api", SS_TIME_NONE, SS_TIME_NONE, 0);
	ck_assert_str_eq(l.reason[0], raw);
	add("api", T0 + 1, "");
	l = list("api", T0 + 1, T0 + 1, 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.reason[0], "");
}
END_TEST

/* A store opened read-only lists and counts, but does not record. */
START_TEST(test_read_only)
{
	add("api", T0, "one");
	ss_manager *ro = open_mgr(true, SS_OK);
	int64_t n = 0;
	ck_assert_int_eq(ss_capture_error_count(ro, "api", SS_TIME_NONE, SS_TIME_NONE, &n), SS_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ss_capture_error_add(ro, "api", T0 + 1, "two"), SS_READONLY);
	ck_assert_str_ne(ss_errmsg(ro), "");
	ss_close(ro);
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), 1);
}
END_TEST

/* ---- the store functions ------------------------------------------------- */

static ss_store *st;

static void store_setup(void)
{
	tu_tmpdir();
	st = NULL;
	ck_assert_int_eq(ss_store_open(tu_path("s.db"), SS_STORE_CREATE, &st, err, sizeof err), SS_OK);
}

static void store_teardown(void)
{
	ss_store_close(st);
	st = NULL;
	tu_cleanup();
}

static int64_t store_count(int64_t sid)
{
	int64_t n = -1;
	ck_assert_int_eq(ss_store_capture_error_count(st, sid, SS_TIME_NONE, SS_TIME_NONE, &n), SS_OK);
	return n;
}

START_TEST(test_store_keep_and_checks)
{
	int64_t sid = 0, id = 0, id2 = 0;
	ck_assert_int_eq(ss_store_session_ensure(st, "api", T0, &sid), SS_OK);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0 + i, "r", 0, &id), SS_OK);
	ck_assert_int_eq(store_count(sid), 5);  /* keep 0: all */
	ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0 + 9, "r", 2, &id2), SS_OK);
	ck_assert_int_gt(id2, id);
	ck_assert_int_eq(store_count(sid), 2);

	ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0, "r", -1, NULL), SS_USAGE);
	ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0, NULL, 0, NULL), SS_USAGE);
	/* no such session: the foreign key refuses it, nothing is written */
	ck_assert_int_eq(ss_store_capture_error_add(st, sid + 100, T0, "r", 0, NULL), SS_USAGE);
	ck_assert_str_ne(ss_store_errmsg(st), "");
	ck_assert_int_eq(store_count(sid + 100), 0);

	/* inside the caller's transaction it is undone with it */
	ck_assert_int_eq(ss_store_begin(st), SS_OK);
	ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0 + 10, "r", 2, NULL), SS_OK);
	ck_assert_int_eq(store_count(sid), 2);
	ss_store_rollback(st);
	int64_t n = 0;
	ck_assert_int_eq(ss_store_capture_error_count(st, sid, T0 + 9, SS_TIME_NONE, &n), SS_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ss_store_integrity_check(st), SS_OK);
}
END_TEST

struct nest {
	ss_store *st;
	int64_t sid;
	int outer, inner;
};

static int inner_row(int64_t id, int64_t at_ms, const char *reason, void *user_data)
{
	(void)id, (void)at_ms, (void)reason;
	((struct nest *)user_data)->inner++;
	return 0;
}

static int outer_row(int64_t id, int64_t at_ms, const char *reason, void *user_data)
{
	(void)id, (void)at_ms;
	struct nest *n = user_data;
	n->outer++;
	ck_assert_str_eq(reason, n->outer == 1 ? "one" : "two");
	ck_assert_int_eq(ss_store_capture_errors(n->st, n->sid, SS_TIME_NONE, SS_TIME_NONE, 0,
	                                         inner_row, n), SS_OK);
	return 0;
}

/* A listing's callback may list again (the statement is then a private one). */
START_TEST(test_store_nested_listing)
{
	int64_t sid = 0;
	ck_assert_int_eq(ss_store_session_ensure(st, "api", T0, &sid), SS_OK);
	ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0 + 1, "one", 0, NULL), SS_OK);
	ck_assert_int_eq(ss_store_capture_error_add(st, sid, T0 + 2, "two", 0, NULL), SS_OK);
	struct nest n = { .st = st, .sid = sid };
	ck_assert_int_eq(ss_store_capture_errors(st, sid, SS_TIME_NONE, SS_TIME_NONE, 0, outer_row, &n),
	                 SS_OK);
	ck_assert_int_eq(n.outer, 2);
	ck_assert_int_eq(n.inner, 4);
	ck_assert_int_eq(ss_store_capture_errors(st, sid, 0, 0, -1, inner_row, &n), SS_USAGE);
}
END_TEST

/* ---- migration from schema version 1 ------------------------------------- */

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* A version 1 store is this build's store less step 2: the table and its
 * index dropped, user_version set back. */
START_TEST(test_migrates_from_v1)
{
	const char *path = tu_path("store.db");
	json_t *state = json_pack("{s:i}", "v", 1);
	int64_t id = 0;
	ck_assert_int_eq(ss_create(mgr, "api", state, NULL, &id), SS_OK);
	json_decref(state);
	ss_close(mgr);
	mgr = NULL;
	raw_exec(path, "DROP TABLE capture_errors; PRAGMA user_version = 1;");
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sqlite_master"
	                               " WHERE name LIKE 'capture_errors%'"), 0);

	/* read-only, it cannot be migrated and says so; the file stays v1 */
	ck_assert_ptr_null(open_mgr(true, SS_READONLY));
	ck_assert_ptr_nonnull(strstr(err, "migrating"));
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 1);

	mgr = open_mgr(false, SS_OK);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), SS_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sqlite_master"
	                               " WHERE name IN ('capture_errors', 'capture_errors_session_time')"),
	                 2);
	/* what v1 held is still there, and the new table works */
	json_t *back = NULL;
	ck_assert_int_eq(ss_get(mgr, id, &back, NULL), SS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(back, "v")), 1);
	json_decref(back);
	add("api", T0, "after migrating");
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), 1);
	ck_assert_int_eq(ss_verify(mgr, NULL, NULL, NULL, NULL, NULL), SS_OK);

	/* opening again does not migrate again */
	ss_close(mgr);
	mgr = open_mgr(false, SS_OK);
	ck_assert_int_eq(count("api", SS_TIME_NONE, SS_TIME_NONE), 1);
}
END_TEST

/* ---- the browser ---------------------------------------------------------- */

/* The row of a dumped screen that holds `needle`; NULL when none. */
static char *screen_line(const char *screen, const char *needle, char *buf, size_t size)
{
	const char *at = strstr(screen, needle);
	if (!at)
		return NULL;
	const char *start = at;
	while (start > screen && start[-1] != '\n')
		start--;
	size_t len = strcspn(start, "\n");
	snprintf(buf, size, "%.*s", (int)len, start);
	return buf;
}

START_TEST(test_browser_shows_them)
{
	for (int i = 0; i < 3; i++) {
		json_t *state = json_pack("{s:i}", "n", i);
		ss_create_opts opts = { .created_at = T0 + (i + 1) * 1000 };
		ck_assert_int_eq(ss_create(mgr, "api", state, &opts, NULL), SS_OK);
		json_decref(state);
	}
	add("api", T0 + 1500, "exit status 7: curl: (7) Failed to connect");
	add("api", T0 + 1600, "timed out\x1b[31m after 10s");
	add("api", T0 + 4000, "not JSON: <html>");
	ss_close(mgr);
	mgr = NULL;

	char keys[1024];
	snprintf(keys, sizeof keys,
	         ":dump %s\nk\n:dump %s\nc\n:dump %s\n",
	         tu_path("newest.screen"), tu_path("second.screen"), tu_path("c.screen"));
	tu_write_file(tu_path("keys"), keys, (size_t)-1);
	tu_run r = tu_cli(NULL, "--store", tu_path("store.db"), "browse", "api",
	                  "--script", tu_path("keys"), NULL);
	ck_assert_msg(r.status == 0, "browse: %d %s", r.status, r.err);
	tu_run_free(&r);

	char line[512];
	char *newest = tu_read_file(tu_path("newest.screen"), NULL);
	ck_assert_ptr_nonnull(newest);
	/* seq 2 came after two errors; seq 1 and 3 after none */
	ck_assert_msg(screen_line(newest, " 2 +", line, sizeof line) && strstr(line, "!2"),
	              "%s", newest);
	ck_assert_msg(screen_line(newest, " 3 +", line, sizeof line) && !strchr(line, '!'),
	              "%s", newest);
	ck_assert_msg(screen_line(newest, " 1 +", line, sizeof line) && !strchr(line, '!'),
	              "%s", newest);
	/* the newest is selected: the error after it is on the status line */
	ck_assert_msg(strstr(newest, "1 capture error after this"), "%s", newest);
	free(newest);

	char *second = tu_read_file(tu_path("second.screen"), NULL);
	ck_assert_ptr_nonnull(second);
	ck_assert_msg(strstr(second, "capture errors before this: 2"), "%s", second);
	ck_assert_msg(strstr(second, "exit status 7: curl: (7)"), "%s", second);
	ck_assert_msg(strstr(second, "timed out\\u001b[31m after"), "%s", second);
	ck_assert_ptr_null(strchr(second, '\x1b'));
	ck_assert_ptr_null(strstr(second, "capture error after this"));
	free(second);

	char *c = tu_read_file(tu_path("c.screen"), NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(strstr(c, "not capturing: start one with snapscope watch api"), "%s", c);
	free(c);
}
END_TEST

/* The marks follow the rows: counted again for rows a move brings in, and
 * through a filter still against the snapshot before in the session. */
START_TEST(test_browser_marks_scroll_and_filter)
{
	for (int i = 1; i <= 30; i++) {
		json_t *state = json_pack("{s:i}", "n", i);
		const char *tags[] = { "x" };
		bool tagged = i == 2 || i == 10;
		ss_create_opts opts = { .created_at = T0 + i * 1000, .tags = tagged ? tags : NULL,
		                        .n_tags = tagged ? 1 : 0 };
		ck_assert_int_eq(ss_create(mgr, "api", state, &opts, NULL), SS_OK);
		json_decref(state);
	}
	add("api", T0 + 4500, "before five");
	for (int i = 0; i < 3; i++)
		add("api", T0 + 9500 + i, "before ten");
	ss_close(mgr);
	mgr = NULL;

	char keys[1024];
	snprintf(keys, sizeof keys,
	         ":dump %s\ng\n:dump %s\nf\n\"tag:x\n<Enter>\n:dump %s\n",
	         tu_path("first.screen"), tu_path("top.screen"), tu_path("filtered.screen"));
	tu_write_file(tu_path("keys"), keys, (size_t)-1);
	tu_run r = tu_cli(NULL, "--store", tu_path("store.db"), "browse", "api",
	                  "--script", tu_path("keys"), NULL);
	ck_assert_msg(r.status == 0, "browse: %d %s", r.status, r.err);
	tu_run_free(&r);

	char line[512];
	char *first = tu_read_file(tu_path("first.screen"), NULL);
	ck_assert_msg(screen_line(first, " 10 +", line, sizeof line) && strstr(line, "!3"), "%s", first);
	ck_assert_msg(!strstr(first, " 5 +"), "%s", first);
	ck_assert_msg(screen_line(first, " 11 +", line, sizeof line) && !strchr(line, '!'), "%s", first);
	free(first);

	char *top = tu_read_file(tu_path("top.screen"), NULL);
	ck_assert_msg(screen_line(top, " 5 +", line, sizeof line) && strstr(line, "!1"), "%s", top);
	ck_assert_msg(screen_line(top, " 10 +", line, sizeof line) && strstr(line, "!3"), "%s", top);
	ck_assert_msg(screen_line(top, " 4 +", line, sizeof line) && !strchr(line, '!'), "%s", top);
	free(top);

	char *filtered = tu_read_file(tu_path("filtered.screen"), NULL);
	ck_assert_msg(strstr(filtered, "2 snapshots (filtered)") && !strstr(filtered, " 3 +"),
	              "%s", filtered);
	ck_assert_msg(screen_line(filtered, " 10 +", line, sizeof line) && strstr(line, "!3 "),
	              "%s", filtered);
	ck_assert_msg(screen_line(filtered, " 2 +", line, sizeof line) && !strchr(line, '!'),
	              "%s", filtered);
	free(filtered);
}
END_TEST

Suite *capture_errors_suite(void); /* for check_main.c */

Suite *capture_errors_suite(void)
{
	Suite *s = suite_create("capture_errors");
	TCase *tc = tcase_create("model");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_list_count);
	tcase_add_test(tc, test_range_bounds);
	tcase_add_test(tc, test_sessions_apart_and_unknown);
	tcase_add_test(tc, test_at_zero_is_now);
	tcase_add_test(tc, test_trimmed_to_kept);
	tcase_add_test(tc, test_long_reason_cut);
	tcase_add_test(tc, test_reason_kept_raw);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_migrates_from_v1);
	tcase_add_test(tc, test_browser_shows_them);
	tcase_add_test(tc, test_browser_marks_scroll_and_filter);
	suite_add_tcase(s, tc);

	TCase *store = tcase_create("store");
	tcase_add_checked_fixture(store, store_setup, store_teardown);
	tcase_add_test(store, test_store_keep_and_checks);
	tcase_add_test(store, test_store_nested_listing);
	suite_add_tcase(s, store);
	return s;
}
