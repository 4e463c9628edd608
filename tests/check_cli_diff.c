/*
 * check_cli_diff.c - `snapscope diff`, `history` and `session`, run as the
 * real built binary (SNAPSCOPE_BIN) against a real temporary store: the
 * exact change lists of known pairs, patches and merge patches that give the
 * new state when applied to the old one (applied here with the library's own
 * ss_json_patch_apply / ss_merge_patch_apply), ignore rules from the command
 * and from the session, value histories with the right kinds, the session
 * configuration round trip, exit codes, and escaping.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"
#include "testutil.h"

static char *store;

static void setup(void)
{
	tu_tmpdir();
	store = strdup(tu_path("s.db"));
}

static void teardown(void)
{
	free(store);
	store = NULL;
	tu_cleanup();
}

/* Run the binary on the test's store. */
#define RUN(input, ...) tu_cli((input), "--store", store, __VA_ARGS__, (const char *)NULL)

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

/* No ESC and no raw U+202E in either stream: data arrives escaped. */
static void assert_clean(const tu_run *r, const char *what)
{
	ck_assert_msg(memchr(r->out, 0x1b, r->out_len) == NULL, "%s: ESC on stdout: %s", what,
	              r->out);
	ck_assert_msg(memchr(r->err, 0x1b, r->err_len) == NULL, "%s: ESC on stderr: %s", what,
	              r->err);
	ck_assert_msg(strstr(r->out, "\xe2\x80\xae") == NULL, "%s: bidi override on stdout", what);
	ck_assert_msg(strstr(r->err, "\xe2\x80\xae") == NULL, "%s: bidi override on stderr", what);
	ck_assert_msg(strstr(r->out, "\xc2\x9b") == NULL, "%s: raw C1 CSI on stdout", what);
}

/* Capture `json` into `session` through stdin; returns the id printed. */
static long long capture(const char *session, const char *json)
{
	tu_run r = RUN(json, "capture", session);
	assert_status(&r, 0, "capture");
	char *end;
	long long id = strtoll(r.out, &end, 10);
	ck_assert_msg(id > 0 && strcmp(end, "\n") == 0, "capture printed '%s'", r.out);
	tu_run_free(&r);
	return id;
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	ck_assert_msg(v != NULL, "not JSON (%s): %s", e.text, text);
	return v;
}

/* The decimal form of an id, in one of a few rotating buffers. */
static const char *id_str(long long id)
{
	static char bufs[4][24];
	static unsigned next;
	char *b = bufs[next++ % 4];
	snprintf(b, sizeof bufs[0], "%lld", id);
	return b;
}

/* ---- diff: the change list -------------------------------------------------- */

/* Data, not code (as jq's tests): old state, new state, the exact stdout of
 * `diff --format text`.  Values longer than 100 bytes are shortened. */
static const struct text_case {
	const char *name, *old, *new_, *want;
} text_cases[] = {
	{ "changed value",
	  "{\"agents\": [{\"id\": 1, \"status\": \"working\"}, {\"id\": 2, \"status\": \"idle\"}]}",
	  "{\"agents\": [{\"id\": 1, \"status\": \"failed\"}, {\"id\": 2, \"status\": \"idle\"}]}",
	  "~ .agents[0].status: \"working\" -> \"failed\"\n"
	  "1 change: +0 ~1 -0\n" },
	{ "added and removed keys",
	  "{\"a\": 1, \"x\": true}",
	  "{\"a\": 1, \"y\": [1, 2]}",
	  "+ .y: [1,2]\n"
	  "- .x: true\n"
	  "2 changes: +1 ~0 -1\n" },
	{ "array insert in the middle",
	  "{\"v\": [1, 2, 3, 4, 5]}",
	  "{\"v\": [1, 2, 9, 3, 4, 5]}",
	  "+ .v[2]: 9\n"
	  "1 change: +1 ~0 -0\n" },
	{ "array delete in the middle",
	  "{\"v\": [\"a\", \"b\", \"c\", \"d\"]}",
	  "{\"v\": [\"a\", \"c\", \"d\"]}",
	  "- .v[1]: \"b\"\n"
	  "1 change: +0 ~0 -1\n" },
	{ "identity move",
	  "{\"items\": [{\"id\": \"a\", \"n\": 1}, {\"id\": \"b\", \"n\": 2}, {\"id\": \"c\", \"n\": 3}]}",
	  "{\"items\": [{\"id\": \"b\", \"n\": 2}, {\"id\": \"c\", \"n\": 3}, {\"id\": \"a\", \"n\": 1}]}",
	  "> .items[2] (from .items[0])\n"
	  "1 change: +0 ~1 -0\n" },
	{ "identity insert, then a change inside a later element",
	  "{\"t\": [{\"id\": 1, \"s\": \"x\"}, {\"id\": 2, \"s\": \"y\"}]}",
	  "{\"t\": [{\"id\": 0, \"s\": \"w\"}, {\"id\": 1, \"s\": \"x\"}, {\"id\": 2, \"s\": \"z\"}]}",
	  "+ .t[0]: {\"id\":0,\"s\":\"w\"}\n"
	  "~ .t[2].s: \"y\" -> \"z\"\n"
	  "2 changes: +1 ~1 -0\n" },
	{ "type change: number to string",
	  "{\"v\": 1}",
	  "{\"v\": \"1\"}",
	  "~ .v: 1 -> \"1\"\n"
	  "1 change: +0 ~1 -0\n" },
	{ "type change: object to array is one replacement",
	  "{\"o\": {\"a\": 1, \"b\": 2}}",
	  "{\"o\": [1, 2]}",
	  "~ .o: {\"a\":1,\"b\":2} -> [1,2]\n"
	  "1 change: +0 ~1 -0\n" },
	{ "odd keys are written in brackets",
	  "{\"odd key\": 1, \"k\": {\"a.b\": 1}}",
	  "{\"odd key\": 2, \"k\": {\"a.b\": 1}}",
	  "~ .[\"odd key\"]: 1 -> 2\n"
	  "1 change: +0 ~1 -0\n" },
	{ "the root itself",
	  "[1, 2]",
	  "\"text\"",
	  "~ .: [1,2] -> \"text\"\n"
	  "1 change: +0 ~1 -0\n" },
	{ "a long value is shortened with its size",
	  "{}",
	  "{\"long\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	  "+ .long: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxx... (202 B)\n1 change: +1 ~0 -0\n" },
	/* 100 two-byte characters: the cut at byte 72 falls inside one, so it
	 * backs up to byte 71 (the quote and 35 whole characters). */
	{ "a long value is never cut inside a character",
	  "{}",
	  "{\"e\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
	  "+ .e: \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9... (202 B)\n1 c"
	  "hange: +1 ~0 -0\n" },
};

START_TEST(test_diff_text)
{
	const struct text_case *tc = &text_cases[_i];
	long long a = capture("t", tc->old);
	long long b = capture("t", tc->new_);
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b));
	assert_status(&r, 0, tc->name);
	ck_assert_msg(strcmp(r.out, tc->want) == 0, "%s:\n got: %s\nwant: %s", tc->name, r.out,
	              tc->want);
	ck_assert_str_eq(r.err, "");
	tu_run_free(&r);
}
END_TEST

/* The patch and merge patch of every text case, plus pairs chosen for their
 * arrays, applied to the old state, give the new one.  No new state sets a
 * member to null: that has no merge patch (test_merge_patch_cannot_set_null). */
static const char *const extra_pairs[][2] = {
	{ "[1, 2, 3, 4, 5, 6, 7, 8]", "[8, 7, 6, 5, 4, 3, 2, 1]" },
	{ "[1, 2, 3, 4, 5, 6, 7, 8]", "[2, 3, 10, 11, 5, 6, 8, 12]" },
	{ "{\"q\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}, {\"id\": 4}]}",
	  "{\"q\": [{\"id\": 4}, {\"id\": 5}, {\"id\": 2, \"x\": true}, {\"id\": 1}]}" },
	{ "{\"q\": [{\"name\": \"a\", \"v\": [1, 2]}, {\"name\": \"b\"}], \"z\": {\"y\": {\"x\": 1}}}",
	  "{\"q\": [{\"name\": \"b\"}, {\"name\": \"a\", \"v\": [2, 1, 0]}], \"z\": {\"y\": {}}}" },
	{ "{\"a\": [[1, 2], [3, 4]], \"b\": \"s\"}", "{\"a\": [[1], [3, 4, 5], []], \"c\": false}" },
	{ "{\"a/b\": {\"~k\": 1}, \"\": 2}", "{\"a/b\": {\"~k\": 2}, \"\": 3, \"~1\": 4}" },
	{ "{}", "{}" },
	{ "{\"a\": 1, \"b\": 2}", "{\"b\": 2, \"a\": 1}" },
};
#define N_TEXT_CASES (sizeof text_cases / sizeof text_cases[0])
#define N_PAIRS (N_TEXT_CASES + sizeof extra_pairs / sizeof extra_pairs[0])

static void pair(size_t i, const char **old, const char **new_)
{
	if (i < N_TEXT_CASES) {
		*old = text_cases[i].old;
		*new_ = text_cases[i].new_;
	} else {
		*old = extra_pairs[i - N_TEXT_CASES][0];
		*new_ = extra_pairs[i - N_TEXT_CASES][1];
	}
}

START_TEST(test_patch_round_trip)
{
	const char *old_text, *new_text;
	pair((size_t)_i, &old_text, &new_text);
	long long a = capture("p", old_text);
	long long b = capture("p", new_text);
	json_t *want = parse(new_text);
	char err[512];

	/* JSON Patch, pretty and compact */
	for (int compact = 0; compact < 2; compact++) {
		tu_run r = compact ? RUN(NULL, "diff", id_str(a), id_str(b), "--format", "patch",
		                         "--compact")
		                   : RUN(NULL, "diff", id_str(a), id_str(b), "--format=patch");
		assert_status(&r, 0, "diff --format patch");
		ck_assert_str_eq(r.err, "");
		size_t lines = 0;
		for (const char *p = r.out; *p; p++)
			lines += *p == '\n';
		if (compact)
			ck_assert_msg(lines == 1, "--compact is not one line: %s", r.out);
		json_t *patch = parse(r.out);
		ck_assert(json_is_array(patch));
		json_t *doc = parse(old_text);
		ck_assert_msg(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK,
		              "pair %d: patch does not apply: %s\n%s", _i, err, r.out);
		ck_assert_msg(json_equal(doc, want), "pair %d: patch gives the wrong state: %s", _i,
		              r.out);
		json_decref(doc);
		json_decref(patch);
		tu_run_free(&r);
	}

	/* Merge Patch */
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "merge");
	assert_status(&r, 0, "diff --format merge");
	json_t *patch = parse(r.out);
	json_t *doc = parse(old_text);
	ck_assert_msg(ss_merge_patch_apply(&doc, patch, err, sizeof err) == SS_OK,
	              "pair %d: merge patch does not apply: %s", _i, err);
	ck_assert_msg(json_equal(doc, want), "pair %d: merge patch gives the wrong state: %s", _i,
	              r.out);
	json_decref(doc);
	json_decref(patch);
	tu_run_free(&r);
	json_decref(want);
}
END_TEST

/* A member set to null has no merge patch (null means "delete"): a clear
 * error, exit 3, pointing at --format patch, which does work. */
START_TEST(test_merge_patch_cannot_set_null)
{
	long long a = capture("m", "{\"a\": 1, \"b\": {\"c\": 2}}");
	long long b = capture("m", "{\"a\": 1, \"b\": {\"c\": null}}");
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "merge");
	assert_status(&r, 3, "merge with a null member");
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strstr(r.err, "--format patch") != NULL, "%s", r.err);
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "patch");
	assert_status(&r, 0, "patch with a null member");
	json_t *patch = parse(r.out);
	json_t *doc = parse("{\"a\": 1, \"b\": {\"c\": 2}}");
	json_t *want = parse("{\"a\": 1, \"b\": {\"c\": null}}");
	char err[256];
	ck_assert(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK);
	ck_assert(json_equal(doc, want));
	json_decref(doc);
	json_decref(want);
	json_decref(patch);
	tu_run_free(&r);
}
END_TEST

/* ---- diff --json ------------------------------------------------------------- */

static json_t *find_op(json_t *changes, const char *op, const char *path)
{
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "op")), op) == 0 &&
		    strcmp(json_string_value(json_object_get(c, "path")), path) == 0)
			return c;
	}
	ck_abort_msg("no %s at %s", op, path);
	return NULL;
}

START_TEST(test_diff_json)
{
	long long a = capture("j", "{\"gone\": 1, \"s\": \"old\", \"n\": null,"
	                           " \"l\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}]}");
	long long b = capture("j", "{\"s\": \"new\", \"n\": null, \"added\": {\"k\": [1]},"
	                           " \"l\": [{\"id\": 2}, {\"id\": 3}, {\"id\": 1}]}");
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b), "--json");
	assert_status(&r, 0, "diff --json");
	json_t *d = parse(r.out);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "old_id")), a);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "new_id")), b);
	json_t *changes = json_object_get(d, "changes");
	ck_assert_uint_eq(json_array_size(changes), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "total")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "added")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "removed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "changed")), 2);
	ck_assert(json_is_false(json_object_get(d, "over_budget")));

	json_t *c = find_op(changes, "remove", ".gone");
	ck_assert_str_eq(json_string_value(json_object_get(c, "pointer")), "/gone");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "old")), 1);
	ck_assert_ptr_null(json_object_get(c, "new"));

	c = find_op(changes, "add", ".added");
	json_t *want = parse("{\"k\": [1]}");
	ck_assert(json_equal(json_object_get(c, "new"), want));
	json_decref(want);
	ck_assert_ptr_null(json_object_get(c, "old"));

	c = find_op(changes, "change", ".s");
	ck_assert_str_eq(json_string_value(json_object_get(c, "old")), "old");
	ck_assert_str_eq(json_string_value(json_object_get(c, "new")), "new");
	ck_assert_str_eq(json_string_value(json_object_get(c, "pointer")), "/s");

	c = find_op(changes, "move", ".l[2]");
	ck_assert_str_eq(json_string_value(json_object_get(c, "pointer")), "/l/2");
	ck_assert_str_eq(json_string_value(json_object_get(c, "from")), ".l[0]");
	ck_assert_str_eq(json_string_value(json_object_get(c, "from_pointer")), "/l/0");
	ck_assert_ptr_null(json_object_get(c, "over_budget"));
	json_decref(d);
	tu_run_free(&r);

	r = RUN(NULL, "diff", id_str(a), id_str(b), "--json", "--compact");
	assert_status(&r, 0, "diff --json --compact");
	ck_assert_msg(strchr(r.out, '\n') == r.out + r.out_len - 1, "not one line: %s", r.out);
	tu_run_free(&r);

	/* equal states: an empty list, not an absent one */
	r = RUN(NULL, "diff", id_str(a), id_str(a), "--json");
	assert_status(&r, 0, "diff --json of one snapshot with itself");
	d = parse(r.out);
	ck_assert_uint_eq(json_array_size(json_object_get(d, "changes")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "total")), 0);
	json_decref(d);
	tu_run_free(&r);
}
END_TEST

/* ---- ignore rules ------------------------------------------------------------ */

static const char ign_old[] =
	"{\"ts\": \"2026-01-01T00:00:00Z\", \"v\": 1,"
	" \"items\": [{\"id\": 1, \"ts\": 10, \"x\": 1}, {\"id\": 2, \"ts\": 20, \"x\": 2}]}";
static const char ign_new[] =
	"{\"ts\": \"2026-01-01T00:05:00Z\", \"v\": 2,"
	" \"items\": [{\"id\": 1, \"ts\": 11, \"x\": 1}, {\"id\": 2, \"ts\": 21, \"x\": 3}]}";

START_TEST(test_ignore_rules)
{
	long long a = capture("ig", ign_old);
	long long b = capture("ig", ign_new);
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b), "--ignore", ".ts", "--ignore",
	               "/items/*/ts");
	assert_status(&r, 0, "diff --ignore");
	ck_assert_str_eq(r.out, "~ .v: 1 -> 2\n~ .items[1].x: 2 -> 3\n2 changes: +0 ~2 -0\n");
	tu_run_free(&r);
	/* the jq spelling of the wildcard means the same */
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--ignore", ".ts", "--ignore", ".items[*].ts");
	assert_status(&r, 0, "diff --ignore .items[*].ts");
	ck_assert_str_eq(r.out, "~ .v: 1 -> 2\n~ .items[1].x: 2 -> 3\n2 changes: +0 ~2 -0\n");
	tu_run_free(&r);

	/* The filtered patch leaves .ts out, and says so. */
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "patch", "--ignore", ".ts");
	assert_status(&r, 0, "diff --format patch --ignore");
	ck_assert_msg(strstr(r.err, "leaves out") != NULL, "no note on stderr: %s", r.err);
	json_t *patch = parse(r.out);
	json_t *doc = parse(ign_old);
	char err[256];
	ck_assert(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK);
	json_t *want = parse(ign_new);
	json_object_set_new(want, "ts", json_string("2026-01-01T00:00:00Z"));
	ck_assert_msg(json_equal(doc, want), "filtered patch: %s", r.out);
	json_decref(want);
	json_decref(doc);
	json_decref(patch);
	tu_run_free(&r);

	/* A rule stored with the session applies without --ignore (a session
	 * takes the patterns `diff --ignore` takes) ... */
	r = RUN(NULL, "session", "ig", "--ignore", ".ts", "--ignore", ".items[*].ts");
	assert_status(&r, 0, "session --ignore");
	ck_assert_str_eq(r.err, ""); /* the session exists: nothing created */
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(a), id_str(b));
	assert_status(&r, 0, "diff with session rules");
	ck_assert_str_eq(r.out, "~ .v: 1 -> 2\n~ .items[1].x: 2 -> 3\n2 changes: +0 ~2 -0\n");
	tu_run_free(&r);

	/* ... but a patch stays exact: session rules never thin it. */
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "patch");
	assert_status(&r, 0, "patch with session rules");
	ck_assert_str_eq(r.err, "");
	patch = parse(r.out);
	doc = parse(ign_old);
	want = parse(ign_new);
	ck_assert(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK);
	ck_assert_msg(json_equal(doc, want), "patch with session rules is not exact: %s", r.out);
	json_decref(want);
	json_decref(doc);
	json_decref(patch);
	tu_run_free(&r);

	/* Only ignored fields differ: no changes. */
	long long c = capture("ig", "{\"ts\": \"later\", \"v\": 2,"
	                            " \"items\": [{\"id\": 1, \"ts\": 99, \"x\": 1},"
	                            " {\"id\": 2, \"ts\": 98, \"x\": 3}]}");
	r = RUN(NULL, "diff", id_str(b), id_str(c), "--exit-code");
	assert_status(&r, 0, "diff of ignored fields only");
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "no changes\n");
	tu_run_free(&r);

	/* --no-ignore clears the session's rules: the timestamps are back. */
	r = RUN(NULL, "session", "ig", "--no-ignore");
	assert_status(&r, 0, "session --no-ignore");
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(b), id_str(c));
	assert_status(&r, 0, "diff after --no-ignore");
	ck_assert_str_eq(r.out, "~ .ts: \"2026-01-01T00:05:00Z\" -> \"later\"\n"
	                        "~ .items[0].ts: 11 -> 99\n"
	                        "~ .items[1].ts: 21 -> 98\n"
	                        "3 changes: +0 ~3 -0\n");
	tu_run_free(&r);
}
END_TEST

/* Array keys from the command and from the session: elements matched by a
 * field that is not id/key/name. */
START_TEST(test_array_keys)
{
	long long a = capture("ak", "{\"w\": [{\"sku\": \"a\", \"q\": 1}, {\"sku\": \"b\", \"q\": 2},"
	                            " {\"sku\": \"c\", \"q\": 3}]}");
	long long b = capture("ak", "{\"w\": [{\"sku\": \"b\", \"q\": 2}, {\"sku\": \"c\", \"q\": 3},"
	                            " {\"sku\": \"a\", \"q\": 5}]}");
	const char *want = "> .w[2] (from .w[0])\n~ .w[2].q: 1 -> 5\n2 changes: +0 ~2 -0\n";
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b), "--array-key", ".w=sku");
	assert_status(&r, 0, "diff --array-key");
	ck_assert_str_eq(r.out, want);
	tu_run_free(&r);

	r = RUN(NULL, "session", "ak", "--array-key", "/w=sku");
	assert_status(&r, 0, "session --array-key");
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(a), id_str(b));
	assert_status(&r, 0, "diff with the session's array key");
	ck_assert_str_eq(r.out, want);
	tu_run_free(&r);

	/* the patch with the array key still round-trips */
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "patch");
	assert_status(&r, 0, "patch with an array key");
	json_t *patch = parse(r.out);
	json_t *doc = parse("{\"w\": [{\"sku\": \"a\", \"q\": 1}, {\"sku\": \"b\", \"q\": 2},"
	                    " {\"sku\": \"c\", \"q\": 3}]}");
	json_t *wantdoc = parse("{\"w\": [{\"sku\": \"b\", \"q\": 2}, {\"sku\": \"c\", \"q\": 3},"
	                        " {\"sku\": \"a\", \"q\": 5}]}");
	char err[256];
	ck_assert(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK);
	ck_assert(json_equal(doc, wantdoc));
	json_decref(doc);
	json_decref(wantdoc);
	json_decref(patch);
	tu_run_free(&r);
}
END_TEST

/* ---- equal states, exit codes ------------------------------------------------ */

START_TEST(test_key_order_is_no_change)
{
	long long a = capture("k", "{\"a\": 1, \"b\": {\"x\": [1, {\"p\": 1, \"q\": 2}], \"y\": 2}}");
	long long b = capture("k", "{\"b\": {\"y\": 2, \"x\": [1, {\"q\": 2, \"p\": 1}]}, \"a\": 1}");
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b));
	assert_status(&r, 0, "diff of reordered keys");
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "no changes\n");
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--exit-code");
	assert_status(&r, 0, "--exit-code without differences");
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "patch", "--compact");
	assert_status(&r, 0, "patch of reordered keys");
	ck_assert_str_eq(r.out, "[]\n");
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", "merge", "--compact");
	assert_status(&r, 0, "merge patch of reordered keys");
	ck_assert_str_eq(r.out, "{}\n");
	tu_run_free(&r);

	/* With differences: exit 0 by default, 1 with --exit-code (git's rule),
	 * the output printed either way. */
	long long c = capture("k", "{\"a\": 2}");
	r = RUN(NULL, "diff", id_str(a), id_str(c));
	assert_status(&r, 0, "diff with differences");
	tu_run_free(&r);
	const char *formats[] = { "text", "patch", "merge" };
	for (size_t i = 0; i < 3; i++) {
		r = RUN(NULL, "diff", id_str(a), id_str(c), "--exit-code", "--format", formats[i]);
		assert_status(&r, 1, formats[i]);
		ck_assert_msg(r.out_len > 0, "%s: nothing printed", formats[i]);
		tu_run_free(&r);
	}
}
END_TEST

/* Colour is for terminals: into a pipe the change list is plain even with
 * NO_COLOR unset (tu_exec always sets it, so this runs the binary itself). */
START_TEST(test_no_colour_in_a_pipe)
{
	long long a = capture("c", "{\"v\": 1, \"gone\": 0}");
	long long b = capture("c", "{\"v\": 2, \"new\": 0}");
	const char *bin = getenv("SNAPSCOPE_BIN");
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "env -u NO_COLOR '%s' --store '%s' diff %lld %lld",
	         bin && *bin ? bin : "build/snapscope", store, a, b);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char out[4096];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(out, "~ .v: 1 -> 2\n+ .new: 0\n- .gone: 0\n3 changes: +1 ~1 -1\n");
}
END_TEST

/* Ids of different sessions are compared like any other pair. */
START_TEST(test_diff_across_sessions)
{
	long long a = capture("one", "{\"v\": 1}");
	long long b = capture("two", "{\"v\": 2}");
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b));
	assert_status(&r, 0, "diff across sessions");
	ck_assert_str_eq(r.out, "~ .v: 1 -> 2\n1 change: +0 ~1 -0\n");
	tu_run_free(&r);
	r = RUN(NULL, "diff", id_str(b), id_str(a));
	assert_status(&r, 0, "diff across sessions, reversed");
	ck_assert_str_eq(r.out, "~ .v: 2 -> 1\n1 change: +0 ~1 -0\n");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_diff_unknown_id)
{
	long long a = capture("u", "{}");
	const char *const forms[] = { "text", "patch", "merge" };
	for (size_t i = 0; i < 3; i++) {
		tu_run r = RUN(NULL, "diff", id_str(a), "999", "--format", forms[i]);
		assert_status(&r, 1, "unknown second id");
		ck_assert_msg(strstr(r.err, "no snapshot with id 999") != NULL, "%s", r.err);
		ck_assert_str_eq(r.out, "");
		tu_run_free(&r);
		r = RUN(NULL, "diff", "998", id_str(a), "--format", forms[i]);
		assert_status(&r, 1, "unknown first id");
		ck_assert_msg(strstr(r.err, "no snapshot with id 998") != NULL, "%s", r.err);
		tu_run_free(&r);
	}
}
END_TEST

/* Change one byte inside the marker "zzzz" of the raw blob that holds
 * snapshot `id` (as check_cli.c does): the JSON stays valid, the checksum
 * does not match.  Only tests reach under the store like this. */
static void damage_blob(long long id)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_open(store, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	                                    "SELECT b.id, b.data FROM blobs b "
	                                    "JOIN snapshots s ON s.blob_id = b.id WHERE s.id = ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	sqlite3_int64 blob = sqlite3_column_int64(q, 0);
	int len = sqlite3_column_bytes(q, 1);
	unsigned char *data = malloc((size_t)len);
	ck_assert_ptr_nonnull(data);
	memcpy(data, sqlite3_column_blob(q, 1), (size_t)len);
	sqlite3_finalize(q);
	unsigned char *m = NULL;
	for (int i = 0; i + 4 <= len && !m; i++)
		if (memcmp(data + i, "zzzz", 4) == 0)
			m = data + i;
	ck_assert_msg(m != NULL, "no marker in the blob of snapshot %lld", id);
	m[1] = 'y';
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE blobs SET data = ? WHERE id = ?", -1, &q,
	                                    NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(q, 1, data, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, blob);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	free(data);
}

START_TEST(test_diff_damaged)
{
	long long a = capture("dmg", "{\"marker\": \"zzzz\", \"n\": 1}");
	long long b = capture("other", "{\"n\": 2}");
	damage_blob(a);
	const char *const forms[] = { "text", "patch", "merge" };
	for (size_t i = 0; i < 3; i++) {
		tu_run r = RUN(NULL, "diff", id_str(a), id_str(b), "--format", forms[i]);
		assert_status(&r, 5, forms[i]);
		ck_assert_str_eq(r.out, "");
		tu_run_free(&r);
	}
	tu_run r = RUN(NULL, "history", "dmg", ".n");
	assert_status(&r, 5, "history over a damaged snapshot");
	tu_run_free(&r);
}
END_TEST

/* ---- usage errors ------------------------------------------------------------ */

static const char *const usage_errors[][8] = {
	{ "diff" },
	{ "diff", "1" },
	{ "diff", "1", "2", "3" },
	{ "diff", "1", "x" },
	{ "diff", "0", "1" },
	{ "diff", "1", "2", "--format", "html" },
	{ "diff", "1", "2", "--format" },
	{ "diff", "1", "2", "--format", "patch", "--json" },
	{ "diff", "1", "2", "--format", "merge", "--full" },
	{ "diff", "1", "2", "--compact" },
	{ "diff", "1", "2", "--format", "merge", "--ignore", ".a" },
	{ "diff", "1", "2", "--format", "merge", "--array-key", ".a=id" },
	{ "diff", "1", "2", "--array-key", "nofield" },
	{ "diff", "1", "2", "--array-key", "=id" },
	{ "diff", "1", "2", "--array-key", ".a=" },
	{ "diff", "1", "2", "--ignore", "" },
	{ "diff", "1", "2", "--ignore", "no-dot" },
	{ "diff", "1", "2", "--exit-code=1" },
	{ "history" },
	{ "history", "s" },
	{ "history", "s", ".a", "x" },
	{ "history", "s", "nope" },
	{ "history", "s", ".a[" },
	{ "history", "bad name!", ".a" },
	{ "history", "s", ".a", "--limit", "0" },
	{ "history", "s", ".a", "--limit", "x" },
	{ "history", "s", ".a", "--json", "--full" },
	{ "session" },
	{ "session", "a", "b" },
	{ "session", "bad/name" },
	{ "session", "s", "--every", "5" },
	{ "session", "s", "--every", "soon" },
	{ "session", "s", "--max-age", "-1h" },
	{ "session", "s", "--max-count", "x" },
	{ "session", "s", "--keep-hourly", "-2" },
	{ "session", "s", "--keep-daily", "1.5" },
	{ "session", "s", "--keyframe-every", "99999999999" },
	{ "session", "s", "--keyframe-every", "1000001" },
	{ "session", "s", "--array-key", "x" },
	{ "session", "s", "--ignore", "" },
	{ "session", "s", "--ignore", "no-dot" },
	{ "session", "s", "--every", "5s", "--max-age", "forever" },
};

START_TEST(test_usage_errors)
{
	const char *const *args = usage_errors[_i];
	const char *argv[12] = { "--store", store };
	size_t n = 2;
	for (size_t i = 0; i < 8 && args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tu_run r = tu_exec(NULL, 0, argv);
	ck_assert_msg(r.status == 2, "%s %s %s: exit %d (%s)", args[0], args[1] ? args[1] : "",
	              args[1] && args[2] ? args[2] : "", r.status, r.err);
	ck_assert_msg(strstr(r.err, "try 'snapscope") != NULL, "%s: no hint: %s", args[0], r.err);
	ck_assert_str_eq(r.out, "");
	/* Found before the store is opened: none is created. */
	struct stat sb;
	ck_assert_msg(stat(store, &sb) != 0, "%s %s: created the store", args[0],
	              args[1] ? args[1] : "");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_help)
{
	const char *const cmds[] = { "diff", "history", "session" };
	for (size_t i = 0; i < 3; i++) {
		tu_run r = RUN(NULL, cmds[i], "--help");
		assert_status(&r, 0, cmds[i]);
		char want[64];
		snprintf(want, sizeof want, "usage: snapscope %s ", cmds[i]);
		ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
		tu_run_free(&r);
	}
	tu_run r = RUN(NULL, "--help");
	for (size_t i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof want, "\n  %-10s ", cmds[i]);
		ck_assert_msg(strstr(r.out, want) != NULL, "%s not in the command list", cmds[i]);
	}
	tu_run_free(&r);
}
END_TEST

/* ---- escaping ----------------------------------------------------------------- */

START_TEST(test_escape_sequences_never_raw)
{
	const char *old = "{\"\\u001b]0;title\\u0007\": \"\\u001b[2J\", \"bidi\": \"abc\","
	                  " \"c1\": \"x\", \"k\\u202e\": 1}";
	const char *new_ = "{\"\\u001b]0;title\\u0007\": \"\\u001b[31mred\","
	                   " \"bidi\": \"abc\\u202edef\", \"c1\": \"\\u009b31m\", \"k\\u202e\": 2,"
	                   " \"\\u001b[1m\": [\"\\u001b[5m\"]}";
	long long a = capture("esc", old);
	long long b = capture("esc", new_);
	tu_run r = RUN(NULL, "diff", id_str(a), id_str(b));
	assert_status(&r, 0, "diff of escapes");
	assert_clean(&r, "diff");
	ck_assert_msg(strstr(r.out, "\\u001b[31mred") != NULL, "not escaped: %s", r.out);
	ck_assert_msg(strstr(r.out, "\\u202e") != NULL, "bidi not escaped: %s", r.out);
	tu_run_free(&r);

	const char *const runs[][7] = {
		{ "diff", id_str(a), id_str(b), "--full" },
		{ "diff", id_str(a), id_str(b), "--json" },
		{ "diff", id_str(a), id_str(b), "--format", "patch" },
		{ "diff", id_str(a), id_str(b), "--format", "merge" },
		{ "diff", id_str(a), id_str(b), "--ignore", "/\x1b[1m" },
		{ "diff", id_str(a), id_str(b), "--ignore", "\x1b[1m" },
		{ "diff", id_str(a), "\x1b[1m" },
		{ "diff", id_str(a), id_str(b), "--format", "\x1b[1m" },
		{ "history", "esc", "/\x1b]0;title\x07" },
		{ "history", "esc", "/bidi" },
		{ "history", "esc", "/bidi", "--json" },
		{ "history", "esc", "/c1" },
		{ "history", "esc", ".[\"\x1b[1m\"]" },
		{ "history", "esc", "/nothing\x1b[1m" },
		{ "history", "\x1b[1m", ".a" },
		{ "session", "esc", "--ignore", "/\x1b[1m", "--array-key", "/k\xe2\x80\xae=f\x1b[1m" },
		{ "session", "esc" },
		{ "session", "esc", "--json" },
		{ "session", "esc", "--every", "\x1b[1m" },
	};
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		const char *argv[12] = { "--store", store };
		size_t n = 2;
		for (size_t j = 0; j < 7 && runs[i][j]; j++)
			argv[n++] = runs[i][j];
		argv[n] = NULL;
		r = tu_exec(NULL, 0, argv);
		char what[64];
		snprintf(what, sizeof what, "run %zu (%s)", i, runs[i][0]);
		assert_clean(&r, what);
		tu_run_free(&r);
	}
}
END_TEST

/* ---- history ------------------------------------------------------------------- */

/* The states of session "h" and, per snapshot, what `history h .v` reports:
 * NULL for nothing, else the text after the time. */
static const struct {
	const char *state;
	const char *want;
	const char *kind;
} hist_steps[] = {
	{ "{\"a\": 0}", NULL, NULL },
	{ "{\"a\": 1, \"v\": 1}", "(absent) -> 1", "appeared" },
	{ "{\"a\": 2, \"v\": 1}", NULL, NULL },
	{ "{\"v\": 2, \"a\": 3}", "1 -> 2", "changed" },
	{ "{\"a\": 4, \"v\": 2}", NULL, NULL },
	{ "{\"a\": 5}", "2 -> (absent)", "disappeared" },
	{ "{\"a\": 6, \"v\": {\"deep\": [\"x\"]}}", "(absent) -> {\"deep\":[\"x\"]}", "appeared" },
	{ "{\"a\": 7, \"v\": {\"deep\": [\"x\"]}}", NULL, NULL },
	{ "{\"a\": 8, \"v\": {\"deep\": [\"y\"]}}", "{\"deep\":[\"x\"]} -> {\"deep\":[\"y\"]}",
	  "changed" },
	{ "{\"a\": 9, \"v\": null}", "{\"deep\":[\"y\"]} -> null", "changed" },
};
#define N_HIST (sizeof hist_steps / sizeof hist_steps[0])

/* Split stdout into lines (the buffer is modified); returns the count. */
static size_t split_lines(char *out, char **lines, size_t max)
{
	size_t n = 0;
	for (char *p = out; *p && n < max;) {
		char *nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "unterminated line: %s", p);
		*nl = '\0';
		lines[n++] = p;
		p = nl + 1;
	}
	return n;
}

/* "2026-11-25 14:03:10  seq N  #ID  REST": check the time's shape, return REST's start. */
static const char *after_time(const char *line)
{
	ck_assert_msg(strlen(line) > 19 && line[4] == '-' && line[7] == '-' && line[10] == ' ' &&
	              line[13] == ':' && line[16] == ':', "no time at the start of '%s'", line);
	return line + 19;
}

START_TEST(test_history)
{
	long long ids[N_HIST];
	for (size_t i = 0; i < N_HIST; i++)
		ids[i] = capture("h", hist_steps[i].state);
	capture("other", "{\"v\": 100}"); /* another session never shows up */

	/* jq and pointer forms mean the same */
	const char *const paths[] = { ".v", "/v" };
	for (size_t p = 0; p < 2; p++) {
		tu_run r = RUN(NULL, "history", "h", paths[p]);
		assert_status(&r, 0, "history");
		ck_assert_str_eq(r.err, "");
		char *lines[32];
		size_t n = split_lines(r.out, lines, 32), k = 0;
		for (size_t i = 0; i < N_HIST; i++) {
			if (!hist_steps[i].want)
				continue;
			ck_assert_msg(k < n, "%s: missing the change at seq %zu", paths[p], i + 1);
			char want[256];
			snprintf(want, sizeof want, "  seq %zu  #%lld  %s", i + 1, ids[i], hist_steps[i].want);
			ck_assert_str_eq(after_time(lines[k]), want);
			k++;
		}
		ck_assert_msg(k == n, "%s: %zu lines, want %zu", paths[p], n, k);
		tu_run_free(&r);
	}

	tu_run r = RUN(NULL, "history", "h", ".v", "--json");
	assert_status(&r, 0, "history --json");
	json_t *arr = parse(r.out);
	size_t k = 0;
	for (size_t i = 0; i < N_HIST; i++) {
		if (!hist_steps[i].want)
			continue;
		json_t *e = json_array_get(arr, k++);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(json_integer_value(json_object_get(e, "id")), ids[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(e, "seq")), (long long)i + 1);
		ck_assert_str_eq(json_string_value(json_object_get(e, "kind")), hist_steps[i].kind);
		const char *t = json_string_value(json_object_get(e, "created_at"));
		ck_assert_msg(t && strlen(t) == 24 && t[10] == 'T' && t[23] == 'Z', "created_at %s", t);
		bool appeared = strcmp(hist_steps[i].kind, "appeared") == 0;
		bool disappeared = strcmp(hist_steps[i].kind, "disappeared") == 0;
		ck_assert(appeared == (json_object_get(e, "old") == NULL));
		ck_assert(disappeared == (json_object_get(e, "new") == NULL));
	}
	ck_assert_uint_eq(json_array_size(arr), k);
	/* the last change is to a JSON null: "new" is present and null */
	json_t *last = json_array_get(arr, k - 1);
	ck_assert(json_is_null(json_object_get(last, "new")));
	json_t *deep = parse("{\"deep\": [\"y\"]}");
	ck_assert(json_equal(json_object_get(last, "old"), deep));
	json_decref(deep);
	json_decref(arr);
	tu_run_free(&r);

	/* --limit: the most recent changes, still oldest first */
	r = RUN(NULL, "history", "h", ".v", "--limit", "2");
	assert_status(&r, 0, "history --limit");
	char *lines[8];
	ck_assert_uint_eq(split_lines(r.out, lines, 8), 2);
	char want[128];
	snprintf(want, sizeof want, "  seq 9  #%lld  %s", ids[8], hist_steps[8].want);
	ck_assert_str_eq(after_time(lines[0]), want);
	snprintf(want, sizeof want, "  seq 10  #%lld  %s", ids[9], hist_steps[9].want);
	ck_assert_str_eq(after_time(lines[1]), want);
	tu_run_free(&r);
	r = RUN(NULL, "history", "h", ".v", "--limit", "100", "--json");
	assert_status(&r, 0, "history --limit larger than the history");
	arr = parse(r.out);
	ck_assert_uint_eq(json_array_size(arr), k);
	json_decref(arr);
	tu_run_free(&r);

	/* a value present from the first snapshot appears there; a deeper path */
	r = RUN(NULL, "history", "h", ".a", "--limit", "1");
	assert_status(&r, 0, "history .a");
	ck_assert_uint_eq(split_lines(r.out, lines, 8), 1);
	snprintf(want, sizeof want, "  seq 10  #%lld  8 -> 9", ids[9]);
	ck_assert_str_eq(after_time(lines[0]), want);
	tu_run_free(&r);
	r = RUN(NULL, "history", "h", "/a", "--json");
	arr = parse(r.out);
	ck_assert_uint_eq(json_array_size(arr), 10);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "kind")),
	                 "appeared");
	json_decref(arr);
	tu_run_free(&r);
	r = RUN(NULL, "history", "h", ".v.deep[0]");
	assert_status(&r, 0, "history of a deep value");
	ck_assert_uint_eq(split_lines(r.out, lines, 8), 3);
	ck_assert_ptr_nonnull(strstr(lines[0], "  (absent) -> \"x\""));
	ck_assert_ptr_nonnull(strstr(lines[1], "  \"x\" -> \"y\""));
	ck_assert_ptr_nonnull(strstr(lines[2], "  \"y\" -> (absent)"));
	tu_run_free(&r);
}
END_TEST

START_TEST(test_history_empty_and_errors)
{
	capture("h", "{\"a\": 1}");
	capture("h", "{\"a\": 2}");
	tu_run r = RUN(NULL, "history", "h", ".never");
	assert_status(&r, 0, "history of a value never there");
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strstr(r.err, "has a value at .never") != NULL, "%s", r.err);
	tu_run_free(&r);
	r = RUN(NULL, "history", "h", ".never", "--json");
	assert_status(&r, 0, "history --json of a value never there");
	ck_assert_str_eq(r.out, "[]\n");
	tu_run_free(&r);

	r = RUN(NULL, "history", "nosuch", ".a");
	assert_status(&r, 1, "history of an unknown session");
	ck_assert_msg(strstr(r.err, "no session named nosuch") != NULL, "%s", r.err);
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);

	/* a session that exists but holds no snapshot yet */
	r = RUN(NULL, "session", "empty", "--every", "5s");
	assert_status(&r, 0, "session create");
	tu_run_free(&r);
	r = RUN(NULL, "history", "empty", ".a", "--json");
	assert_status(&r, 0, "history of an empty session");
	ck_assert_str_eq(r.out, "[]\n");
	tu_run_free(&r);

	/* a long value is shortened in text, whole in --json and with --full */
	char big[400] = "{\"s\": \"";
	for (int i = 0; i < 300; i++)
		strcat(big, "q");
	strcat(big, "\"}");
	capture("long", big);
	r = RUN(NULL, "history", "long", ".s");
	assert_status(&r, 0, "history of a long value");
	ck_assert_msg(strstr(r.out, "... (302 B)\n") != NULL, "%s", r.out);
	ck_assert_uint_lt(r.out_len, 160);
	tu_run_free(&r);
	r = RUN(NULL, "history", "long", ".s", "--full");
	ck_assert_uint_gt(r.out_len, 300);
	tu_run_free(&r);
}
END_TEST

/* ---- session ------------------------------------------------------------------- */

static json_t *session_json(const char *name)
{
	tu_run r = RUN(NULL, "session", name, "--json");
	assert_status(&r, 0, "session --json");
	json_t *v = parse(r.out);
	tu_run_free(&r);
	return v;
}

static void assert_strings(json_t *arr, const char *const *want, size_t n)
{
	ck_assert_msg(json_array_size(arr) == n, "%zu entries, want %zu", json_array_size(arr), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(json_string_value(json_array_get(arr, i)), want[i]);
}

START_TEST(test_session_round_trip)
{
	/* unknown session: nothing to show */
	tu_run r = RUN(NULL, "session", "api");
	assert_status(&r, 1, "session show of a missing store");
	tu_run_free(&r);
	struct stat sb;
	ck_assert_msg(stat(store, &sb) != 0, "showing a session created the store");

	r = RUN(NULL, "session", "api", "--every", "5s", "--max-age", "1d12h", "--max-count", "100",
	        "--keep-hourly", "24", "--keep-daily", "7", "--ignore", ".ts", "--ignore", "/ts",
	        "--ignore", ".agents[0].beat", "--array-key", ".agents=name", "--keyframe-every", "20",
	        "--json");
	assert_status(&r, 0, "session set");
	ck_assert_str_eq(r.err, "snapscope: created session api\n");
	json_t *got = parse(r.out);
	tu_run_free(&r);
	json_t *shown = session_json("api");
	ck_assert_msg(json_equal(got, shown), "set printed something else than show");
	json_decref(got);
	ck_assert_str_eq(json_string_value(json_object_get(shown, "session")), "api");
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "snapshots")), 0);
	ck_assert(json_is_null(json_object_get(shown, "first")));
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "every_ms")), 5000);
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "max_age_ms")), 36 * 3600000LL);
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "max_count")), 100);
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "keep_hourly")), 24);
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "keep_daily")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "keyframe_every")), 20);
	/* .ts and /ts are one rule */
	const char *const ign1[] = { ".ts", ".agents[0].beat" };
	assert_strings(json_object_get(shown, "ignore"), ign1, 2);
	json_t *keys = json_object_get(shown, "array_keys");
	ck_assert_uint_eq(json_array_size(keys), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(keys, 0), "path")),
	                 ".agents");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(keys, 0), "field")),
	                 "name");
	json_decref(shown);

	/* the text form says the same */
	r = RUN(NULL, "session", "api");
	assert_status(&r, 0, "session show");
	ck_assert_str_eq(r.out, "session:        api\n"
	                        "snapshots:      0\n"
	                        "every:          5s\n"
	                        "max-age:        1d12h\n"
	                        "max-count:      100\n"
	                        "keep-hourly:    24\n"
	                        "keep-daily:     7\n"
	                        "keyframe-every: 20\n"
	                        "ignore:         .ts\n"
	                        "                .agents[0].beat\n"
	                        "array-key:      .agents=name\n");
	tu_run_free(&r);

	/* an update changes only what it names; the array key for a path is
	 * replaced, another added; --no-ignore clears before adding; 0 clears */
	r = RUN(NULL, "session", "api", "--array-key", "/agents=id", "--array-key", ".tasks=key",
	        "--no-ignore", "--ignore", ".now", "--max-count", "0");
	assert_status(&r, 0, "session update");
	ck_assert_str_eq(r.err, "");
	tu_run_free(&r);
	shown = session_json("api");
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "every_ms")), 5000);
	ck_assert(json_is_null(json_object_get(shown, "max_count")));
	const char *const ign2[] = { ".now" };
	assert_strings(json_object_get(shown, "ignore"), ign2, 1);
	keys = json_object_get(shown, "array_keys");
	ck_assert_uint_eq(json_array_size(keys), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(keys, 0), "field")), "id");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(keys, 1), "path")),
	                 ".tasks");
	json_decref(shown);

	/* a bad value anywhere: exit 2 and nothing written */
	r = RUN(NULL, "session", "api", "--every", "10s", "--max-age", "soon");
	assert_status(&r, 2, "bad duration");
	tu_run_free(&r);
	shown = session_json("api");
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "every_ms")), 5000);
	json_decref(shown);
	r = RUN(NULL, "session", "new", "--every", "bogus");
	assert_status(&r, 2, "bad duration for a new session");
	tu_run_free(&r);
	r = RUN(NULL, "session", "new");
	assert_status(&r, 1, "a rejected edit created nothing");
	ck_assert_msg(strstr(r.err, "no session named new") != NULL, "%s", r.err);
	tu_run_free(&r);

	/* counts and times of a session with snapshots; no "created" note */
	capture("cap", "{\"x\": 1}");
	capture("cap", "{\"x\": 2}");
	r = RUN(NULL, "session", "cap", "--every", "1m");
	assert_status(&r, 0, "session of a captured session");
	ck_assert_str_eq(r.err, "");
	ck_assert_msg(strncmp(r.out, "session:        cap\nsnapshots:      2, ", 38) == 0, "%s",
	              r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "\nevery:          1m\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nmax-age:        not set (unlimited)\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nignore:         none\n"));
	tu_run_free(&r);
	shown = session_json("cap");
	ck_assert_int_eq(json_integer_value(json_object_get(shown, "snapshots")), 2);
	ck_assert(json_is_string(json_object_get(shown, "first")));
	ck_assert(json_is_string(json_object_get(shown, "last")));
	json_decref(shown);
}
END_TEST

Suite *cli_diff_suite(void); /* for check_main.c */

Suite *cli_diff_suite(void)
{
	Suite *s = suite_create("cli_diff");
	TCase *tc = tcase_create("cli_diff");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_diff_text, 0, (int)N_TEXT_CASES);
	tcase_add_loop_test(tc, test_patch_round_trip, 0, (int)N_PAIRS);
	tcase_add_test(tc, test_merge_patch_cannot_set_null);
	tcase_add_test(tc, test_diff_json);
	tcase_add_test(tc, test_ignore_rules);
	tcase_add_test(tc, test_array_keys);
	tcase_add_test(tc, test_key_order_is_no_change);
	tcase_add_test(tc, test_no_colour_in_a_pipe);
	tcase_add_test(tc, test_diff_across_sessions);
	tcase_add_test(tc, test_diff_unknown_id);
	tcase_add_test(tc, test_diff_damaged);
	tcase_add_loop_test(tc, test_usage_errors, 0,
	                    (int)(sizeof usage_errors / sizeof usage_errors[0]));
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_escape_sequences_never_raw);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_history_empty_and_errors);
	tcase_add_test(tc, test_session_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
