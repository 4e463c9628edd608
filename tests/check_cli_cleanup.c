/*
 * check_cli_cleanup.c - `snapscope cleanup` and the retention settings of
 * `snapscope session`, run as the real built binary against a store made
 * here with the library (so that snapshot times can be set): every
 * decision printed with its reason in both modes, --dry-run deleting
 * nothing, --json parsing with the right actions, the session's own
 * --delete-tagged setting applied, an unknown session exit 1 and usage
 * errors exit 2 without touching the store.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "snapscope.h"
#include "testutil.h"

#define HOUR INT64_C(3600000)

static char *store;
static int64_t ids[8];          /* seq 1..8 of session "api" */

/* "api": 8 snapshots an hour apart ending two days ago (a whole hour);
 * seq 2 pinned, seq 4 tagged. */
static void setup(void)
{
	tu_tmpdir();
	store = strdup(tu_path("s.db"));
	setenv("TZ", "UTC", 1);     /* as tu_exec gives the child */
	tzset();
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = store;
	cfg.keyframe_every = 3;
	ss_manager *mgr = NULL;
	char err[512];
	ck_assert_msg(ss_open(&cfg, &mgr, err, sizeof err) == SS_OK, "ss_open: %s", err);
	int64_t end = (ss_now_ms() / HOUR) * HOUR - 48 * HOUR;
	const char *tags[] = { "release" };
	for (int i = 0; i < 8; i++) {
		json_t *state = json_pack("{s:i, s:[i, i, i], s:s}", "v", i, "xs", 1, 2, 3, "pad",
		                          "some text to keep the state from being tiny");
		ss_create_opts opts = { .created_at = end - (7 - i) * HOUR, .pinned = i == 1,
		                        .tags = i == 3 ? tags : NULL, .n_tags = i == 3 ? 1 : 0 };
		ck_assert_int_eq(ss_create(mgr, "api", state, &opts, &ids[i]), SS_OK);
		json_decref(state);
	}
	json_t *one = json_integer(1);
	ck_assert_int_eq(ss_create(mgr, "web", one, NULL, NULL), SS_OK);
	json_decref(one);
	ss_close(mgr);
}

static void teardown(void)
{
	free(store);
	store = NULL;
	tu_cleanup();
}

#define RUN(...) tu_cli(NULL, "--store", store, __VA_ARGS__, (const char *)NULL)

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

static void assert_has(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "missing \"%s\" in:\n%s", want, text);
}

/* The number of snapshots of a session, through `list --json`. */
static size_t count(const char *session)
{
	tu_run r = RUN("list", session, "--json");
	assert_status(&r, 0, "list");
	json_error_t e;
	json_t *a = json_loads(r.out, 0, &e);
	ck_assert_msg(json_is_array(a), "list --json: %s", r.out);
	size_t n = json_array_size(a);
	json_decref(a);
	tu_run_free(&r);
	return n;
}

/* The line of stdout that mentions snapshot `id` ("#ID "). */
static void line_of(const char *out, int64_t id, char *buf, size_t size)
{
	char key[32];
	snprintf(key, sizeof key, "#%lld ", (long long)id);
	const char *p = strstr(out, key);
	ck_assert_msg(p != NULL, "no line for %s in:\n%s", key, out);
	while (p > out && p[-1] != '\n')
		p--;
	size_t n = strcspn(p, "\n");
	ck_assert_uint_lt(n, size);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

START_TEST(test_dry_run_prints_reasons)
{
	tu_run r = RUN("cleanup", "api", "--max-count", "3", "--dry-run");
	assert_status(&r, 0, "cleanup --dry-run");
	char line[256];
	line_of(r.out, ids[7], line, sizeof line);
	ck_assert_msg(strncmp(line, "keep ", 5) == 0, "%s", line);
	assert_has(line, "seq 8");
	assert_has(line, "newest");
	line_of(r.out, ids[1], line, sizeof line);
	assert_has(line, "pinned");
	line_of(r.out, ids[3], line, sizeof line);
	assert_has(line, "tagged");
	line_of(r.out, ids[0], line, sizeof line);
	ck_assert_msg(strncmp(line, "would delete #", 14) == 0, "%s", line);
	assert_has(line, "over max-count");
	/* The time, in the local zone (TZ=UTC for the child). */
	char when[40];
	int64_t end = (ss_now_ms() / HOUR) * HOUR - 48 * HOUR;
	ss_time_format_local(end - 7 * HOUR, when, sizeof when);
	assert_has(line, when);
	/* Newest first: seq 8's line comes before seq 1's. */
	char k8[32], k1[32];
	snprintf(k8, sizeof k8, "#%lld ", (long long)ids[7]);
	snprintf(k1, sizeof k1, "#%lld ", (long long)ids[0]);
	ck_assert(strstr(r.out, k8) < strstr(r.out, k1));
	/* Kept: newest, pinned, tagged (3 = max-count already); 5 go. */
	assert_has(r.out, "api: 5 would be deleted, 3 kept\n");
	ck_assert_str_eq(r.err, "");
	tu_run_free(&r);
	ck_assert_uint_eq(count("api"), 8);
}
END_TEST

START_TEST(test_real_run_deletes)
{
	tu_run r = RUN("cleanup", "api", "--max-count", "4");
	assert_status(&r, 0, "cleanup");
	char line[256];
	line_of(r.out, ids[6], line, sizeof line);
	assert_has(line, "within max-count");
	line_of(r.out, ids[5], line, sizeof line);
	ck_assert_msg(strncmp(line, "delete #", 8) == 0, "%s", line);
	assert_has(line, "over max-count");
	assert_has(r.out, "api: 4 deleted, 4 kept\n");
	tu_run_free(&r);
	ck_assert_uint_eq(count("api"), 4);
	ck_assert_uint_eq(count("web"), 1);

	r = RUN("verify");
	assert_status(&r, 0, "verify");
	tu_run_free(&r);

	/* Every session, no policy stored: nothing more goes. */
	r = RUN("cleanup");
	assert_status(&r, 0, "cleanup (all)");
	assert_has(r.out, "api: 0 deleted, 4 kept\n");
	assert_has(r.out, "web: 0 deleted, 1 kept\n");
	assert_has(r.out, "no policy");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_max_age_option)
{
	tu_run r = RUN("cleanup", "api", "--max-age", "3h", "--dry-run");
	assert_status(&r, 0, "cleanup --max-age");
	char line[256];
	line_of(r.out, ids[4], line, sizeof line);   /* 3h before the newest */
	assert_has(line, "within 3h");
	line_of(r.out, ids[2], line, sizeof line);
	assert_has(line, "older than 3h");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_json_output)
{
	tu_run r = RUN("cleanup", "--max-count", "2", "--keep-hourly", "2", "--json");
	assert_status(&r, 0, "cleanup --json");
	json_error_t e;
	json_t *a = json_loads(r.out, 0, &e);
	ck_assert_msg(json_is_array(a), "not a JSON array (%s): %s", e.text, r.out);
	ck_assert_uint_eq(json_array_size(a), 9);
	size_t i;
	json_t *o;
	int deletes = 0;
	json_array_foreach(a, i, o) {
		const char *action = json_string_value(json_object_get(o, "action"));
		const char *reason = json_string_value(json_object_get(o, "reason"));
		const char *session = json_string_value(json_object_get(o, "session"));
		json_int_t id = json_integer_value(json_object_get(o, "id"));
		ck_assert_ptr_nonnull(action);
		ck_assert_ptr_nonnull(reason);
		ck_assert_ptr_nonnull(session);
		ck_assert(json_is_integer(json_object_get(o, "seq")));
		ck_assert(json_is_string(json_object_get(o, "created_at")));
		ck_assert(strcmp(action, "keep") == 0 || strcmp(action, "delete") == 0);
		deletes += strcmp(action, "delete") == 0;
		if (id == ids[7])
			ck_assert_str_eq(reason, "newest");
		else if (id == ids[6])
			ck_assert_str_eq(reason, "hourly bucket");
		else if (id == ids[1])
			ck_assert_str_eq(reason, "pinned");
		else if (id == ids[3])
			ck_assert_str_eq(reason, "tagged");
		else if (strcmp(session, "api") == 0) {
			ck_assert_str_eq(action, "delete");
			ck_assert_str_eq(reason, "over max-count");
		}
	}
	ck_assert_int_eq(deletes, 4);
	json_decref(a);
	tu_run_free(&r);
	ck_assert_uint_eq(count("api"), 4);
}
END_TEST

START_TEST(test_session_delete_tagged)
{
	tu_run r = RUN("session", "api", "--max-count", "1", "--delete-tagged");
	assert_status(&r, 0, "session --delete-tagged");
	assert_has(r.out, "delete-tagged:  yes (cleanup may delete tagged snapshots)\n");
	tu_run_free(&r);

	r = RUN("session", "api", "--json");
	assert_status(&r, 0, "session --json");
	json_error_t e;
	json_t *o = json_loads(r.out, 0, &e);
	ck_assert_msg(o != NULL, "%s", r.out);
	ck_assert(json_is_true(json_object_get(o, "delete_tagged")));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "max_count")), 1);
	json_decref(o);
	tu_run_free(&r);

	/* The stored policy applies without options: the tagged one goes. */
	r = RUN("cleanup", "api", "--dry-run");
	assert_status(&r, 0, "cleanup with the stored policy");
	char line[256];
	line_of(r.out, ids[3], line, sizeof line);
	ck_assert_msg(strncmp(line, "would delete", 12) == 0, "%s", line);
	assert_has(r.out, "api: 6 would be deleted, 2 kept\n");
	tu_run_free(&r);

	r = RUN("session", "api", "--keep-tagged");
	assert_status(&r, 0, "session --keep-tagged");
	ck_assert_ptr_null(strstr(r.out, "delete-tagged"));
	tu_run_free(&r);
	r = RUN("session", "api", "--json");
	o = json_loads(r.out, 0, &e);
	ck_assert(json_is_false(json_object_get(o, "delete_tagged")));
	json_decref(o);
	tu_run_free(&r);

	r = RUN("cleanup", "api");
	assert_status(&r, 0, "cleanup");
	line_of(r.out, ids[3], line, sizeof line);
	ck_assert_msg(strncmp(line, "keep ", 5) == 0, "%s", line);
	assert_has(r.out, "api: 5 deleted, 3 kept\n");
	tu_run_free(&r);
	ck_assert_uint_eq(count("api"), 3);
}
END_TEST

START_TEST(test_errors)
{
	static const char *const usage[][5] = {
		{ "cleanup", "api", "web", NULL },
		{ "cleanup", "--max-count", "x", NULL },
		{ "cleanup", "--max-count", "0", NULL },
		{ "cleanup", "--keep-daily", "-1", NULL },
		{ "cleanup", "--max-age", "soon", NULL },
		{ "cleanup", "--max-age", "0s", NULL },
		{ "cleanup", "--bogus", NULL },
		{ "cleanup", "bad name", NULL },
		{ "session", "api", "--delete-tagged=yes", NULL },
	};
	for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
		const char *argv[8] = { "--store", store };
		for (size_t j = 0; usage[i][j]; j++)
			argv[2 + j] = usage[i][j];
		tu_run r = tu_exec(NULL, 0, argv);
		char what[128];
		snprintf(what, sizeof what, "%s %s %s", usage[i][0], usage[i][1],
		         usage[i][2] ? usage[i][2] : "");
		assert_status(&r, 2, what);
		ck_assert_str_eq(r.out, "");
		tu_run_free(&r);
	}
	tu_run r = RUN("cleanup", "nope", "--max-count", "1");
	assert_status(&r, 1, "unknown session");
	assert_has(r.err, "no session named nope");
	tu_run_free(&r);
	ck_assert_uint_eq(count("api"), 8);

	/* No store: an error, and none is created. */
	const char *missing = tu_path("none.db");
	r = tu_cli(NULL, "--store", missing, "cleanup", "--max-count", "1", (const char *)NULL);
	assert_status(&r, 1, "missing store");
	assert_has(r.err, "no store");
	tu_run_free(&r);
	ck_assert_ptr_null(tu_read_file(missing, NULL));

	r = RUN("cleanup", "--help");
	assert_status(&r, 0, "cleanup --help");
	assert_has(r.out, "--delete-tagged");
	tu_run_free(&r);
}
END_TEST

Suite *cli_cleanup_suite(void); /* for check_main.c */

Suite *cli_cleanup_suite(void)
{
	Suite *s = suite_create("cli_cleanup");
	TCase *tc = tcase_create("cleanup");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dry_run_prints_reasons);
	tcase_add_test(tc, test_real_run_deletes);
	tcase_add_test(tc, test_max_age_option);
	tcase_add_test(tc, test_json_output);
	tcase_add_test(tc, test_session_delete_tagged);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}
