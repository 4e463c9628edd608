/*
 * check_cli.c - the `snapscope` command line, run as the real built binary
 * (SNAPSCOPE_BIN) in a child process against a real temporary store file:
 * exit codes, what goes to stdout and stderr, round trips through the store,
 * and that nothing from the data ever reaches the terminal raw.
 */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* No byte 0x1b (ESC) and no raw U+202E (a bidi override) in either stream:
 * data and echoed input must always arrive escaped. */
static void assert_clean(const tu_run *r, const char *what)
{
	ck_assert_msg(memchr(r->out, 0x1b, r->out_len) == NULL, "%s: ESC on stdout: %s", what,
	              r->out);
	ck_assert_msg(memchr(r->err, 0x1b, r->err_len) == NULL, "%s: ESC on stderr: %s", what,
	              r->err);
	ck_assert_msg(strstr(r->out, "\xe2\x80\xae") == NULL, "%s: bidi override on stdout", what);
	ck_assert_msg(strstr(r->err, "\xe2\x80\xae") == NULL, "%s: bidi override on stderr", what);
}

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

/* Capture `json` into `session` through stdin; returns the id printed. */
static long long capture(const char *session, const char *json)
{
	tu_run r = RUN(json, "capture", session);
	assert_status(&r, 0, "capture");
	char *end;
	long long id = strtoll(r.out, &end, 10);
	ck_assert_msg(id > 0 && strcmp(end, "\n") == 0, "capture printed '%s'", r.out);
	ck_assert_str_eq(r.err, "");
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

/* `list --json` with extra arguments, parsed. */
static json_t *list_json(const char *arg1, const char *arg2)
{
	tu_run r = arg1 ? (arg2 ? RUN(NULL, "list", "--json", arg1, arg2)
	                        : RUN(NULL, "list", "--json", arg1))
	                : RUN(NULL, "list", "--json");
	assert_status(&r, 0, "list --json");
	json_t *v = parse(r.out);
	ck_assert(json_is_array(v));
	tu_run_free(&r);
	return v;
}

static json_t *meta_json(long long id)
{
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	tu_run r = RUN(NULL, "show", ids, "--meta", "--json");
	assert_status(&r, 0, "show --meta --json");
	json_t *v = parse(r.out);
	tu_run_free(&r);
	return v;
}

static bool file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* ---- capture, list, show ------------------------------------------------ */

START_TEST(test_capture_prints_only_the_id)
{
	const char *file = tu_path("state.json");
	tu_write_file(file, "{\"a\": 1}\n", (size_t)-1);
	tu_run r = RUN(NULL, "capture", "s1", file);
	assert_status(&r, 0, "capture FILE");
	ck_assert_str_eq(r.out, "1\n");
	ck_assert_str_eq(r.err, "");
	tu_run_free(&r);

	r = RUN("{\"a\": 2}", "capture", "s1", "-");
	assert_status(&r, 0, "capture -");
	ck_assert_str_eq(r.out, "2\n");
	ck_assert_str_eq(r.err, "");
	tu_run_free(&r);

	/* no FILE: standard input; options after the positionals */
	r = RUN("[1,2,3]", "capture", "s2", "--tag", "t");
	assert_status(&r, 0, "capture (stdin)");
	ck_assert_str_eq(r.out, "3\n");
	tu_run_free(&r);
	ck_assert(file_exists(store));
}
END_TEST

/* Keys deliberately out of order, nested, with non-ASCII text, exact big
 * integers and reals: show must give back exactly this document. */
static const char roundtrip_doc[] =
	"{\"zeta\": 1, \"alpha\": {\"y\": [1, 2.5, \"x\", -0.001], \"b\": null, \"a\": false},"
	" \"mid\": \"\xc3\xa9t\xc3\xa9 \xe2\x98\x83\", \"big\": 9007199254740993, \"neg\": -12,"
	" \"t\": true, \"esc\": \"tab\\there \\\"quoted\\\" \\\\ back\", \"empty\": {}, \"arr\": []}";

static void assert_same_key_order(json_t *a, json_t *b)
{
	if (json_is_object(a)) {
		void *ia = json_object_iter(a), *ib = json_object_iter(b);
		while (ia && ib) {
			ck_assert_str_eq(json_object_iter_key(ia), json_object_iter_key(ib));
			assert_same_key_order(json_object_iter_value(ia), json_object_iter_value(ib));
			ia = json_object_iter_next(a, ia);
			ib = json_object_iter_next(b, ib);
		}
		ck_assert_ptr_eq(ia, ib);
	} else if (json_is_array(a)) {
		for (size_t i = 0; i < json_array_size(a); i++)
			assert_same_key_order(json_array_get(a, i), json_array_get(b, i));
	}
}

START_TEST(test_capture_list_show_round_trip)
{
	long long id = capture("rt", roundtrip_doc);
	json_t *want = parse(roundtrip_doc);

	json_t *list = list_json(NULL, NULL);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(list, 0), "id")), id);
	json_decref(list);

	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	tu_run r = RUN(NULL, "show", ids);
	assert_status(&r, 0, "show");
	json_t *got = parse(r.out);
	ck_assert_msg(json_equal(got, want), "show gave %s", r.out);
	assert_same_key_order(want, got);
	ck_assert_msg(strchr(r.out, '\n') != r.out + r.out_len - 1, "show is not indented");
	json_decref(got);
	tu_run_free(&r);

	r = RUN(NULL, "show", "--compact", ids);
	assert_status(&r, 0, "show --compact");
	ck_assert_msg(strchr(r.out, '\n') == r.out + r.out_len - 1, "--compact is not one line");
	got = parse(r.out);
	ck_assert(json_equal(got, want));
	json_decref(got);
	tu_run_free(&r);

	/* --path in both spellings, and a value that is not there */
	r = RUN(NULL, "show", ids, "--path", ".alpha.y[1]");
	assert_status(&r, 0, "show --path jq");
	ck_assert_str_eq(r.out, "2.5\n");
	tu_run_free(&r);
	r = RUN(NULL, "show", ids, "--path=/alpha/y/2");
	assert_status(&r, 0, "show --path pointer");
	ck_assert_str_eq(r.out, "\"x\"\n");
	tu_run_free(&r);
	r = RUN(NULL, "show", ids, "--path", ".big");
	ck_assert_str_eq(r.out, "9007199254740993\n");
	tu_run_free(&r);
	r = RUN(NULL, "show", ids, "--path", ".alpha.nope");
	assert_status(&r, 1, "show --path missing");
	ck_assert_ptr_nonnull(strstr(r.err, ".alpha.nope"));
	tu_run_free(&r);
	r = RUN(NULL, "show", ids, "--path", "alpha");
	assert_status(&r, 2, "show --path bad syntax");
	tu_run_free(&r);
	json_decref(want);
}
END_TEST

static bool is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

static void assert_rfc3339_ms(const char *s)
{
	ck_assert_ptr_nonnull(s);
	/* 2026-11-25T14:03:10.123Z */
	ck_assert_msg(strlen(s) == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' &&
	              s[23] == 'Z', "not RFC 3339 with ms: %s", s);
}

START_TEST(test_list_json_fields)
{
	/* a tag given twice is one tag */
	tu_run r = RUN("{\"k\": [1, 2, 3]}", "capture", "fields", "--tag", "b", "--tag=a",
	               "--tag", "a", "--desc", "first one", "--pin");
	assert_status(&r, 0, "capture with annotations");
	tu_run_free(&r);
	long long id2 = capture("fields", "{\"k\": [1, 2, 3, 4], \"new\": true}");

	json_t *list = list_json("fields", NULL);
	ck_assert_uint_eq(json_array_size(list), 2);
	json_t *a = json_array_get(list, 0), *b = json_array_get(list, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(a, "session")), "fields");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "seq")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "seq")), 2);
	assert_rfc3339_ms(json_string_value(json_object_get(a, "created_at")));
	ck_assert_str_eq(json_string_value(json_object_get(a, "origin")), "manual");
	json_t *tags = json_object_get(a, "tags");
	ck_assert_uint_eq(json_array_size(tags), 2);
	ck_assert_str_eq(json_string_value(json_array_get(tags, 0)), "a");
	ck_assert_str_eq(json_string_value(json_array_get(tags, 1)), "b");
	ck_assert(json_is_true(json_object_get(a, "pinned")));
	ck_assert_str_eq(json_string_value(json_object_get(a, "description")), "first one");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "raw_size")), 13); /* {"k":[1,2,3]} */
	ck_assert_int_gt(json_integer_value(json_object_get(a, "stored_size")), 0);
	ck_assert(is_hex64(json_string_value(json_object_get(a, "checksum"))));
	ck_assert(json_is_integer(json_object_get(a, "added")));
	ck_assert(json_is_integer(json_object_get(a, "removed")));
	ck_assert(json_is_integer(json_object_get(a, "changed")));

	ck_assert_int_eq(json_integer_value(json_object_get(b, "id")), id2);
	ck_assert(json_is_null(json_object_get(b, "description")));
	ck_assert_uint_eq(json_array_size(json_object_get(b, "tags")), 0);
	ck_assert(json_is_false(json_object_get(b, "pinned")));
	ck_assert_str_ne(json_string_value(json_object_get(a, "checksum")),
	                 json_string_value(json_object_get(b, "checksum")));
	json_decref(list);

	/* the human table: a header and one line per snapshot */
	r = RUN(NULL, "list", "fields");
	assert_status(&r, 0, "list");
	ck_assert_ptr_nonnull(strstr(r.out, "SESSION"));
	ck_assert_ptr_nonnull(strstr(r.out, "first one"));
	int lines = 0;
	for (const char *p = r.out; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 3);
	tu_run_free(&r);
}
END_TEST

START_TEST(test_list_filters)
{
	tu_run r = RUN("{\"a\":1}", "capture", "f1", "--tag", "red");
	tu_run_free(&r);
	r = RUN("{\"a\":[1,2,3,4,5,6,7,8,9]}", "capture", "f1", "--tag", "blue", "--desc",
	        "Deploy done");
	tu_run_free(&r);
	r = RUN("{\"a\":2}", "capture", "f2", "--tag", "red", "--tag", "blue", "--pin");
	tu_run_free(&r);

	struct {
		const char *a1, *a2;
		const char *want;   /* ids in order */
	} cases[] = {
		{ NULL, NULL, "1,2,3" },
		{ "f1", NULL, "1,2" },
		{ "--tag", "red", "1,3" },
		{ "--pinned", NULL, "3" },
		{ "--grep", "deploy", "2" },
		{ "--reverse", NULL, "3,2,1" },
		{ "--limit", "2", "1,2" },
		{ "--offset", "1", "2,3" },
		{ "--sort", "size", "1,3,2" },
		{ "--since", "-1h", "1,2,3" },
		{ "--until", "-1h", "" },
		{ "--since", "2000-01-01T00:00:00Z", "1,2,3" },
		{ "nosuch", NULL, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *list = list_json(cases[i].a1, cases[i].a2);
		char got[64] = "";
		for (size_t j = 0; j < json_array_size(list); j++) {
			char n[24];
			snprintf(n, sizeof n, "%s%lld", j ? "," : "",
			         (long long)json_integer_value(json_object_get(json_array_get(list, j), "id")));
			strcat(got, n);
		}
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "list %s %s: got '%s', want '%s'",
		              cases[i].a1 ? cases[i].a1 : "", cases[i].a2 ? cases[i].a2 : "", got,
		              cases[i].want);
		json_decref(list);
	}

	/* two tags: any of them, or (--all-tags) all of them */
	r = RUN(NULL, "list", "--json", "--tag", "red", "--tag", "blue", "--all-tags");
	json_t *list = parse(r.out);
	ck_assert_uint_eq(json_array_size(list), 1);
	json_decref(list);
	tu_run_free(&r);

	/* an unknown session: an empty list, exit 0, a note on stderr */
	r = RUN(NULL, "list", "nosuch");
	assert_status(&r, 0, "list unknown session");
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, "no session named nosuch"));
	tu_run_free(&r);
}
END_TEST

/* ---- annotations and delete ---------------------------------------------- */

START_TEST(test_annotations_round_trip)
{
	long long id = capture("ann", "{\"v\": 1}");
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);

	const char *const *steps[] = {
		(const char *const[]){ "tag", ids, "x", "y", "z", NULL },
		(const char *const[]){ "untag", ids, "x", NULL },
		(const char *const[]){ "describe", ids, "two\nlines", NULL },
		(const char *const[]){ "pin", ids, NULL },
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const char *argv[8] = { "--store", store };
		size_t n = 2;
		for (const char *const *a = steps[i]; *a; a++)
			argv[n++] = *a;
		argv[n] = NULL;
		tu_run r = tu_exec(NULL, 0, argv);
		assert_status(&r, 0, steps[i][0]);
		ck_assert_str_eq(r.out, "");
		ck_assert_str_eq(r.err, "");
		tu_run_free(&r);
	}

	json_t *list = list_json(NULL, NULL);
	json_t *m = meta_json(id);
	json_t *row = json_array_get(list, 0);
	for (json_t *o = row; o; o = o == row ? m : NULL) {
		json_t *tags = json_object_get(o, "tags");
		ck_assert_uint_eq(json_array_size(tags), 2);
		ck_assert_str_eq(json_string_value(json_array_get(tags, 0)), "y");
		ck_assert_str_eq(json_string_value(json_array_get(tags, 1)), "z");
		ck_assert_str_eq(json_string_value(json_object_get(o, "description")), "two\nlines");
		ck_assert(json_is_true(json_object_get(o, "pinned")));
	}
	ck_assert_str_eq(json_string_value(json_object_get(m, "kind")), "keyframe");
	assert_rfc3339_ms(json_string_value(json_object_get(m, "created_at")));
	json_decref(list);
	json_decref(m);

	/* the readable --meta: the newline of the description shown as \n */
	tu_run r = RUN(NULL, "show", ids, "--meta");
	assert_status(&r, 0, "show --meta");
	ck_assert_ptr_nonnull(strstr(r.out, "pinned:      yes"));
	ck_assert_ptr_nonnull(strstr(r.out, "description: two\\nlines"));
	ck_assert_ptr_nonnull(strstr(r.out, "tags:        y, z"));
	ck_assert_ptr_nonnull(strstr(r.out, "session:     ann"));
	tu_run_free(&r);

	/* clearing */
	r = RUN(NULL, "describe", ids, "");
	assert_status(&r, 0, "describe ''");
	tu_run_free(&r);
	r = RUN(NULL, "unpin", ids);
	assert_status(&r, 0, "unpin");
	tu_run_free(&r);
	m = meta_json(id);
	ck_assert(json_is_null(json_object_get(m, "description")));
	ck_assert(json_is_false(json_object_get(m, "pinned")));
	json_decref(m);

	/* errors name the id and the tag, and change nothing */
	r = RUN(NULL, "untag", ids, "y", "nosuchtag");
	assert_status(&r, 1, "untag missing tag");
	ck_assert_ptr_nonnull(strstr(r.err, "nosuchtag"));
	ck_assert_ptr_nonnull(strstr(r.err, ids));
	tu_run_free(&r);
	m = meta_json(id);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "tags")), 2);
	json_decref(m);
	r = RUN(NULL, "tag", "999", "x");
	assert_status(&r, 1, "tag unknown id");
	ck_assert_ptr_nonnull(strstr(r.err, "no snapshot with id 999"));
	tu_run_free(&r);
	r = RUN(NULL, "pin", "999");
	assert_status(&r, 1, "pin unknown id");
	ck_assert_ptr_nonnull(strstr(r.err, "999"));
	tu_run_free(&r);
}
END_TEST

START_TEST(test_delete)
{
	long long a = capture("del", "{\"n\": 1}");
	long long b = capture("del", "{\"n\": 2}");
	long long c = capture("del", "{\"n\": 3}");
	char as[32], bs[32], cs[32];
	snprintf(as, sizeof as, "%lld", a);
	snprintf(bs, sizeof bs, "%lld", b);
	snprintf(cs, sizeof cs, "%lld", c);

	tu_run r = RUN(NULL, "delete", bs);
	assert_status(&r, 0, "delete");
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	tu_run_free(&r);
	r = RUN(NULL, "show", bs);
	assert_status(&r, 1, "show deleted");
	tu_run_free(&r);
	/* the one after it still reads back (whatever it was based on) */
	r = RUN(NULL, "show", "--compact", cs);
	assert_status(&r, 0, "show survivor");
	ck_assert_str_eq(r.out, "{\"n\":3}\n");
	tu_run_free(&r);

	/* one unknown id: nothing is deleted */
	r = RUN(NULL, "delete", as, "999");
	assert_status(&r, 1, "delete with an unknown id");
	ck_assert_ptr_nonnull(strstr(r.err, "999"));
	tu_run_free(&r);
	json_t *list = list_json(NULL, NULL);
	ck_assert_uint_eq(json_array_size(list), 2);
	json_decref(list);

	/* pinned: only with --force */
	r = RUN(NULL, "pin", as);
	tu_run_free(&r);
	r = RUN(NULL, "delete", as);
	ck_assert_int_ne(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "--force"));
	ck_assert_ptr_nonnull(strstr(r.err, as));
	tu_run_free(&r);
	list = list_json(NULL, NULL);
	ck_assert_uint_eq(json_array_size(list), 2);
	json_decref(list);
	r = RUN(NULL, "delete", "--force", as, as);
	assert_status(&r, 0, "delete --force");
	tu_run_free(&r);
	list = list_json(NULL, NULL);
	ck_assert_uint_eq(json_array_size(list), 1);
	json_decref(list);
}
END_TEST

/* ---- rejected input -------------------------------------------------------- */

START_TEST(test_malformed_json)
{
	capture("bad", "{\"ok\": true}");
	tu_run before = RUN(NULL, "list", "--json");
	const char *file = tu_path("bad.json");
	tu_write_file(file, "{\n  \"a\": 1,\n  \"b\": \n}\n", (size_t)-1);

	tu_run r = RUN(NULL, "capture", "bad", file);
	assert_status(&r, 3, "capture malformed file");
	ck_assert_str_eq(r.out, "");
	/* names the input, then line:column */
	const char *at = strstr(r.err, "bad.json:");
	ck_assert_msg(at != NULL, "message does not name the file: %s", r.err);
	at += strlen("bad.json:");
	ck_assert_msg(isdigit((unsigned char)at[0]) && strchr(at, ':') != NULL,
	              "no line:column: %s", r.err);
	tu_run_free(&r);

	r = RUN("[1, 2,", "capture", "bad");
	assert_status(&r, 3, "capture malformed stdin");
	ck_assert_ptr_nonnull(strstr(r.err, "standard input"));
	tu_run_free(&r);

	r = RUN("{\"a\": 1, \"a\": 2}", "capture", "bad");
	assert_status(&r, 3, "capture duplicate keys");
	tu_run_free(&r);

	tu_run after = RUN(NULL, "list", "--json");
	ck_assert_str_eq(before.out, after.out);
	tu_run_free(&before);
	tu_run_free(&after);

	/* a missing file and a directory are named */
	r = RUN(NULL, "capture", "bad", tu_path("missing.json"));
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "missing.json"));
	tu_run_free(&r);
	r = RUN(NULL, "capture", "bad", tu_path(""));
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "directory"));
	tu_run_free(&r);
}
END_TEST

START_TEST(test_over_limit)
{
	capture("lim", "{\"small\": 1}");
	tu_run before = RUN(NULL, "list", "--json");
	size_t n = 4096;
	char *big = malloc(n + 16);
	ck_assert_ptr_nonnull(big);
	strcpy(big, "{\"s\": \"");
	memset(big + 7, 'x', n);
	strcpy(big + 7 + n, "\"}");

	tu_run r = RUN(big, "--max-state", "1KiB", "capture", "lim");
	assert_status(&r, 3, "capture over --max-state");
	ck_assert_ptr_nonnull(strstr(r.err, "standard input"));
	tu_run_free(&r);
	/* the same limit, given after the command */
	const char *file = tu_path("big.json");
	tu_write_file(file, big, (size_t)-1);
	r = RUN(NULL, "capture", "lim", file, "--max-state=1024");
	assert_status(&r, 3, "capture FILE over --max-state");
	ck_assert_ptr_nonnull(strstr(r.err, "big.json"));
	tu_run_free(&r);
	/* under the limit it goes in */
	r = RUN(big, "--max-state", "1MiB", "capture", "lim");
	assert_status(&r, 0, "capture under --max-state");
	tu_run_free(&r);
	r = RUN(NULL, "--max-state", "lots", "list");
	assert_status(&r, 2, "--max-state lots");
	tu_run_free(&r);
	free(big);

	json_t *b = parse(before.out);
	json_t *a = list_json(NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), json_array_size(b) + 1);
	json_decref(a);
	json_decref(b);
	tu_run_free(&before);
}
END_TEST

START_TEST(test_unknown_id)
{
	capture("u", "{}");
	tu_run r = RUN(NULL, "show", "42");
	assert_status(&r, 1, "show 42");
	ck_assert_ptr_nonnull(strstr(r.err, "no snapshot with id 42"));
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);
	r = RUN(NULL, "show", "42", "--meta");
	assert_status(&r, 1, "show 42 --meta");
	tu_run_free(&r);
}
END_TEST

/* ---- stores that are not ours -------------------------------------------- */

static void assert_refused_untouched(const char *path, const char *what)
{
	size_t len0, len1;
	char *before = tu_read_file(path, &len0);
	ck_assert_ptr_nonnull(before);
	static const char *const cmds[][3] = {
		{ "list", NULL, NULL }, { "sessions", NULL, NULL }, { "verify", NULL, NULL },
		{ "capture", "s", "-" }, { "demo", "--steps", "2" },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const char *argv[] = { "--store", path, cmds[i][0], cmds[i][1], cmds[i][2], NULL };
		tu_run r = tu_exec("{\"a\":1}", (size_t)-1, argv);
		ck_assert_msg(r.status != 0, "%s: %s accepted it", what, cmds[i][0]);
		ck_assert_msg(r.err_len > 0 && strncmp(r.err, "snapscope", 9) == 0,
		              "%s: %s: unclear message '%s'", what, cmds[i][0], r.err);
		ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "%s: not one line: %s",
		              what, r.err);
		assert_clean(&r, what);
		tu_run_free(&r);
	}
	char *after = tu_read_file(path, &len1);
	ck_assert_uint_eq(len0, len1);
	ck_assert_msg(memcmp(before, after, len0) == 0, "%s was changed", what);
	free(before);
	free(after);
}

START_TEST(test_foreign_files)
{
	const char *foreign = tu_path("foreign.db");
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(foreign, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE people(name TEXT); "
	                                  "INSERT INTO people VALUES ('ada');", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_refused_untouched(foreign, "a foreign SQLite file");

	const char *garbage = tu_path("garbage.db");
	char junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)((i * 7919 + 13) % 251);
	tu_write_file(garbage, junk, sizeof junk);
	assert_refused_untouched(garbage, "a garbage file");
}
END_TEST

START_TEST(test_no_store_is_not_created)
{
	const char *path = tu_path("none.db");
	static const char *const readers[][2] = {
		{ "list", NULL }, { "sessions", NULL }, { "stats", NULL }, { "verify", NULL },
		{ "show", "1" }, { "browse", NULL },
	};
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		const char *argv[] = { "--store", path, readers[i][0], readers[i][1], NULL };
		tu_run r = tu_exec(NULL, 0, argv);
		ck_assert_msg(r.status == 1, "%s: exit %d", readers[i][0], r.status);
		ck_assert_msg(strstr(r.err, "no store at") && strstr(r.err, path),
		              "%s: message '%s'", readers[i][0], r.err);
		ck_assert_msg(!file_exists(path), "%s created the store", readers[i][0]);
		tu_run_free(&r);
	}
	/* a writer creates it */
	capture("new", "{}");
}
END_TEST

/* ---- the command line itself ------------------------------------------------ */

static const char *const usage_errors[][6] = {
	{ "frobnicate" },
	{ "list", "--nope" },
	{ "list", "--json=yes" },
	{ "list", "-x" },
	{ "list", "--limit" },
	{ "list", "--limit", "x" },
	{ "list", "--limit", "0" },
	{ "list", "--limit", "-3" },
	{ "list", "--sort", "colour" },
	{ "list", "--since", "tomorrow" },
	{ "list", "--since", "now", "--until", "-1h" },
	{ "list", "a", "b" },
	{ "list", "bad name!" },
	{ "show" },
	{ "show", "1", "2" },
	{ "show", "abc" },
	{ "show", "0" },
	{ "show", "1", "--path", "nope" },
	{ "show", "1", "--json" },
	{ "capture" },
	{ "capture", "s", "a", "b" },
	{ "capture", "bad/name", "-" },
	{ "capture", "s", "--tag", "" },
	{ "tag", "1" },
	{ "tag" },
	{ "untag", "x", "y" },
	{ "describe", "1" },
	{ "describe", "1", "a", "b" },
	{ "pin" },
	{ "delete" },
	{ "delete", "1", "-7" },
	{ "sessions", "extra" },
	{ "stats", "a", "b" },
	{ "verify", "a", "b" },
	{ "demo", "--steps", "0" },
	{ "demo", "--steps", "many" },
	{ "help", "nosuch" },
	{ "--store" },
	{ "--bogus", "list" },
};

START_TEST(test_usage_errors)
{
	const char *const *args = usage_errors[_i];
	const char *argv[10] = { "--store", store };
	size_t n = 2;
	for (size_t i = 0; i < 6 && args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tu_run r = tu_exec("{}", (size_t)-1, argv);
	ck_assert_msg(r.status == 2, "%s %s: exit %d (%s)", args[0], args[1] ? args[1] : "",
	              r.status, r.err);
	ck_assert_msg(strstr(r.err, "try 'snapscope") != NULL, "%s: no hint: %s", args[0], r.err);
	ck_assert_str_eq(r.out, "");
	/* the message itself is one line, the hint another */
	int lines = 0;
	for (const char *p = r.err; *p; p++)
		lines += *p == '\n';
	ck_assert_msg(lines == 2, "%s: %d lines: %s", args[0], lines, r.err);
	ck_assert_msg(!file_exists(store), "%s: a usage error created the store", args[0]);
	tu_run_free(&r);
}
END_TEST

/* The commands the issue asks for; the table in cli.c may hold more. */
static const char *const required_commands[] = {
	"capture", "list", "show", "tag", "untag", "describe", "pin", "unpin", "delete",
	"sessions", "stats", "verify", "demo", "browse",
};

START_TEST(test_help)
{
	for (size_t i = 0; i < sizeof required_commands / sizeof required_commands[0]; i++) {
		bool found = false;
		for (size_t j = 0; j < cli_n_commands; j++)
			found |= strcmp(cli_commands[j].name, required_commands[i]) == 0;
		ck_assert_msg(found, "no command %s", required_commands[i]);
	}
	tu_run top = tu_cli(NULL, "--help", (const char *)NULL);
	assert_status(&top, 0, "--help");
	for (size_t j = 0; j < cli_n_commands; j++) {
		const char *name = cli_commands[j].name;
		ck_assert_msg(strstr(top.out, name), "--help does not list %s", name);
		char want[64];
		snprintf(want, sizeof want, "usage: snapscope %s ", name);
		tu_run a = tu_cli(NULL, name, "--help", (const char *)NULL);
		tu_run b = tu_cli(NULL, "help", name, (const char *)NULL);
		tu_run c = tu_cli(NULL, name, "-h", (const char *)NULL);
		assert_status(&a, 0, name);
		assert_status(&b, 0, name);
		assert_status(&c, 0, name);
		ck_assert_msg(strncmp(a.out, want, strlen(want)) == 0, "%s --help: %s", name, a.out);
		ck_assert_str_eq(a.out, b.out);
		ck_assert_str_eq(a.out, c.out);
		ck_assert_str_eq(a.err, "");
		tu_run_free(&a);
		tu_run_free(&b);
		tu_run_free(&c);
	}
	tu_run_free(&top);
	tu_run h = tu_cli(NULL, "help", (const char *)NULL);
	assert_status(&h, 0, "help");
	ck_assert_ptr_nonnull(strstr(h.out, "exit status"));
	tu_run_free(&h);
	/* --help wins over everything else on the line and touches no store */
	h = RUN(NULL, "list", "--limit", "x", "--help");
	ck_assert_int_eq(h.status == 0 || h.status == 2, 1);
	tu_run_free(&h);
	ck_assert(!file_exists(store));
}
END_TEST

START_TEST(test_version)
{
	tu_run r = tu_cli(NULL, "--version", (const char *)NULL);
	assert_status(&r, 0, "--version");
	ck_assert_str_eq(r.out, "snapscope " SS_VERSION_STRING "\n");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_option_forms)
{
	long long id = capture("opt", "{\"a\": 1}");
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	/* --store after the command, --opt=value, and -- before a text that
	 * looks like an option */
	tu_run r = tu_cli(NULL, "describe", ids, "--store", store, "--", "--not-an-option",
	                  (const char *)NULL);
	assert_status(&r, 0, "describe -- TEXT");
	tu_run_free(&r);
	r = tu_cli(NULL, "show", "--meta", "--json", ids, "--store=", (const char *)NULL);
	assert_status(&r, 2, "--store=");
	tu_run_free(&r);
	r = tu_cli(NULL, "show", ids, "--meta", "--json", (const char *)"--store", store,
	           (const char *)NULL);
	assert_status(&r, 0, "show ID --meta --json --store");
	json_t *m = parse(r.out);
	ck_assert_str_eq(json_string_value(json_object_get(m, "description")), "--not-an-option");
	json_decref(m);
	tu_run_free(&r);
}
END_TEST

/* ---- untrusted text --------------------------------------------------------- */

START_TEST(test_escape_sequences_never_raw)
{
	/* a state full of escape sequences, in keys and values */
	const char *doc = "{\"\\u001b]0;title\\u0007\": \"\\u001b[2J\\u001b[31mred\","
	                  " \"bidi\": \"abc\\u202edef\", \"c1\": \"\\u009b31m\"}";
	long long id = capture("esc", doc);
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);

	const char *const runs[][6] = {
		{ "show", ids },
		{ "show", ids, "--compact" },
		{ "show", ids, "--path", ".[\"\x1b]0;title\x07\"]" },
		{ "show", ids, "--path", ".[\"\x1b[1m\"]" },
		{ "show", ids, "--path", "\x1b[1m" },
		{ "show", ids, "--meta" },
		{ "capture", "esc", "--tag", "\x1b[31mred" },
		{ "capture", "esc", "--tag", "left\xe2\x80\xaeright" },
		{ "capture", "esc", "--desc", "\x1b]0;pwned\x07" },
		{ "capture", "\x1b[31msession" },
		{ "capture", "esc", "/nonexistent/\x1b[1mfile.json" },
		{ "tag", ids, "\x1b[5mblink" },
		{ "tag", ids, "mid\xe2\x80\xae" "dle" },
		{ "describe", ids, "desc \x1b[31m red" },
		{ "describe", ids, "bidi \xe2\x80\xae text" },
		{ "list", "--grep", "\x1b[1m" },
		{ "list", "--since", "\x1b[1m" },
		{ "list", "--\x1b[1m" },
		{ "\x1b[1mcommand" },
		{ "list" },
		{ "list", "--json" },
		{ "show", ids, "--meta", "--json" },
		{ "sessions" },
		{ "help", "\x1b[1m" },
	};
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		const char *argv[10] = { "--store", store };
		size_t n = 2;
		for (size_t j = 0; j < 6 && runs[i][j]; j++)
			argv[n++] = runs[i][j];
		argv[n] = NULL;
		tu_run r = tu_exec("{\"k\": \"\\u001b[1mv\"}", (size_t)-1, argv);
		char what[64];
		snprintf(what, sizeof what, "run %zu (%s)", i, runs[i][0] + (runs[i][0][0] == 0x1b));
		assert_clean(&r, what);
		tu_run_free(&r);
	}

	/* the escaped key still selects its value */
	tu_run r = RUN(NULL, "show", ids, "--path", ".[\"\x1b]0;title\x07\"]");
	assert_status(&r, 0, "show --path with an escape in the key");
	ck_assert_str_eq(r.out, "\"\\u001b[2J\\u001b[31mred\"\n");
	tu_run_free(&r);
}
END_TEST

/* ---- verify ------------------------------------------------------------------ */

/* Change one byte of the blob that holds snapshot `id`: inside the marker
 * "zzzz" of a raw blob (the JSON stays valid, the checksum does not match),
 * or in the middle of a compressed one.  Returns the blob's codec (0 raw,
 * 1 zlib: ss_store.h).  Only tests reach under the store like this. */
static int damage_blob(long long id)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_open(store, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	                                    "SELECT b.id, b.codec, b.data FROM blobs b "
	                                    "JOIN snapshots s ON s.blob_id = b.id WHERE s.id = ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	sqlite3_int64 blob = sqlite3_column_int64(q, 0);
	int codec = sqlite3_column_int(q, 1);
	int len = sqlite3_column_bytes(q, 2);
	unsigned char *data = malloc((size_t)len);
	ck_assert_ptr_nonnull(data);
	memcpy(data, sqlite3_column_blob(q, 2), (size_t)len);
	sqlite3_finalize(q);

	if (codec == 0) {
		unsigned char *m = NULL;
		for (int i = 0; i + 4 <= len && !m; i++)
			if (memcmp(data + i, "zzzz", 4) == 0)
				m = data + i;
		ck_assert_msg(m != NULL, "no marker in the raw blob");
		m[1] = 'y';
	} else {
		data[len / 2] ^= 0x5a;
	}
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE blobs SET data = ? WHERE id = ?", -1, &q,
	                                    NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(q, 1, data, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, blob);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	free(data);
	return codec;
}

START_TEST(test_verify)
{
	long long small = capture("raw", "{\"marker\": \"zzzz\", \"n\": 1}");
	/* Over the 1 KiB compression threshold and very compressible. */
	char big[8192] = "{\"rows\": [";
	for (int i = 0; i < 200; i++) {
		char item[40];
		snprintf(item, sizeof item, "%s{\"i\": %d, \"s\": \"same\"}", i ? "," : "", i);
		strcat(big, item);
	}
	strcat(big, "]}");
	long long large = capture("zip", big);
	capture("ok", "{\"marker\": \"other\"}");

	tu_run r = RUN(NULL, "verify");
	assert_status(&r, 0, "verify healthy");
	ck_assert_ptr_nonnull(strstr(r.out, "verified 3 snapshots: all intact"));
	tu_run_free(&r);

	ck_assert_int_eq(damage_blob(small), 0);
	r = RUN(NULL, "verify");
	assert_status(&r, 5, "verify with a damaged raw blob");
	char want[96];
	snprintf(want, sizeof want, "snapshot %lld (session raw, seq 1): ", small);
	ck_assert_msg(strstr(r.out, want) != NULL, "want '%s' in %s", want, r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "verified 3 snapshots: 1 damaged"));
	tu_run_free(&r);

	char ids[32];
	snprintf(ids, sizeof ids, "%lld", small);
	r = RUN(NULL, "show", ids);
	assert_status(&r, 5, "show a damaged snapshot");
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);
	r = RUN(NULL, "verify", "ok");
	assert_status(&r, 0, "verify an intact session");
	ck_assert_ptr_nonnull(strstr(r.out, "verified 1 snapshot: all intact"));
	tu_run_free(&r);

	ck_assert_int_eq(damage_blob(large), 1);
	r = RUN(NULL, "verify", "zip");
	assert_status(&r, 5, "verify zip with a damaged compressed blob");
	snprintf(want, sizeof want, "snapshot %lld (session zip, seq 1): ", large);
	ck_assert_msg(strstr(r.out, want) != NULL, "want '%s' in %s", want, r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "verified 1 snapshot: 1 damaged"));
	tu_run_free(&r);
}
END_TEST

/* ---- demo, sessions, stats ------------------------------------------------------ */

START_TEST(test_demo_sessions_stats)
{
	tu_run r = RUN(NULL, "demo", "--steps", "30");
	assert_status(&r, 0, "demo");
	ck_assert_msg(strncmp(r.out, "demo: 30 snapshots in session demo (store ", 42) == 0, "%s",
	              r.out);
	ck_assert_ptr_nonnull(strstr(r.out, store));
	tu_run_free(&r);

	json_t *list = list_json("demo", NULL);
	ck_assert_uint_eq(json_array_size(list), 30);
	json_decref(list);
	capture("other", "{\"x\": 1}");

	r = RUN(NULL, "sessions", "--json");
	assert_status(&r, 0, "sessions --json");
	json_t *s = parse(r.out);
	ck_assert_uint_eq(json_array_size(s), 2);
	json_t *demo = json_array_get(s, 0);
	ck_assert_str_eq(json_string_value(json_object_get(demo, "name")), "demo");
	ck_assert_int_eq(json_integer_value(json_object_get(demo, "count")), 30);
	assert_rfc3339_ms(json_string_value(json_object_get(demo, "first")));
	assert_rfc3339_ms(json_string_value(json_object_get(demo, "last")));
	ck_assert_int_gt(json_integer_value(json_object_get(demo, "stored_size")), 0);
	json_decref(s);
	tu_run_free(&r);
	r = RUN(NULL, "sessions");
	assert_status(&r, 0, "sessions");
	ck_assert_ptr_nonnull(strstr(r.out, "demo"));
	ck_assert_ptr_nonnull(strstr(r.out, "other"));
	tu_run_free(&r);

	r = RUN(NULL, "stats", "--json");
	assert_status(&r, 0, "stats --json");
	s = parse(r.out);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "sessions")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "snapshots")), 31);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "keyframes")) +
	                         json_integer_value(json_object_get(s, "deltas")),
	                 31);
	ck_assert_int_ge(json_integer_value(json_object_get(s, "pinned")), 1);
	ck_assert_int_gt(json_integer_value(json_object_get(s, "raw_bytes")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(s, "file_bytes")), 0);
	ck_assert(json_is_real(json_object_get(s, "ratio")));
	json_decref(s);
	tu_run_free(&r);

	r = RUN(NULL, "stats", "demo", "--json");
	assert_status(&r, 0, "stats demo --json");
	s = parse(r.out);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "snapshots")), 30);
	json_decref(s);
	tu_run_free(&r);
	r = RUN(NULL, "stats");
	assert_status(&r, 0, "stats");
	ck_assert_ptr_nonnull(strstr(r.out, "snapshots:         31"));
	ck_assert_ptr_nonnull(strstr(r.out, "iB"));
	tu_run_free(&r);
	r = RUN(NULL, "stats", "nosuch");
	assert_status(&r, 1, "stats nosuch");
	ck_assert_ptr_nonnull(strstr(r.err, "no session named nosuch"));
	tu_run_free(&r);

	r = RUN(NULL, "verify");
	assert_status(&r, 0, "verify the demo");
	ck_assert_ptr_nonnull(strstr(r.out, "verified 31 snapshots: all intact"));
	tu_run_free(&r);
}
END_TEST

Suite *cli_suite(void); /* for check_main.c, through suites.h */

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_capture_prints_only_the_id);
	tcase_add_test(tc, test_capture_list_show_round_trip);
	tcase_add_test(tc, test_list_json_fields);
	tcase_add_test(tc, test_list_filters);
	tcase_add_test(tc, test_annotations_round_trip);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_malformed_json);
	tcase_add_test(tc, test_over_limit);
	tcase_add_test(tc, test_unknown_id);
	tcase_add_test(tc, test_foreign_files);
	tcase_add_test(tc, test_no_store_is_not_created);
	tcase_add_loop_test(tc, test_usage_errors, 0,
	                    (int)(sizeof usage_errors / sizeof usage_errors[0]));
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_option_forms);
	tcase_add_test(tc, test_escape_sequences_never_raw);
	tcase_add_test(tc, test_verify);
	tcase_add_test(tc, test_demo_sessions_stats);
	suite_add_tcase(s, tc);
	return s;
}
