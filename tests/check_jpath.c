/*
 * check_jpath.c - paths into JSON (model/jpath.c): each case is a path, the
 * value it must reach in one document, and its jq and pointer spellings.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"

static const char doc_text[] =
	"{\"agents\":[{\"id\":\"a0\",\"status\":\"idle\"},{\"id\":\"a1\",\"status\":\"failed\"}],"
	"\"odd key\":{\"a/b\":1,\"m~n\":2,\"\":3,\"3\":\"three\",\"q\\\"t\":4},"
	"\"n\":null,\"\\u00e9t\\u00e9\":\"summer\",\"list\":[10,20,30]}";

static json_t *doc;

static void setup(void)
{
	json_error_t e;
	doc = json_loads(doc_text, 0, &e);
	ck_assert_msg(doc != NULL, "%s", e.text);
}

static void teardown(void)
{
	json_decref(doc);
}

struct path_case {
	const char *text;
	const char *want;       /* the value found, as compact JSON with sorted keys */
	const char *jq;         /* ss_path_format_jq */
	const char *pointer;    /* ss_path_format_pointer */
};

static const struct path_case cases[] = {
	{ ".", NULL, ".", "" },
	{ "", NULL, ".", "" },
	{ ".agents[1].status", "\"failed\"", ".agents[1].status", "/agents/1/status" },
	{ "/agents/1/status", "\"failed\"", ".agents[1].status", "/agents/1/status" },
	{ ".agents[-1].id", "\"a1\"", ".agents[-1].id", "/agents/-1/id" },
	{ ".agents.[0].id", "\"a0\"", ".agents[0].id", "/agents/0/id" },
	{ ".[\"odd key\"][\"a/b\"]", "1", ".[\"odd key\"][\"a/b\"]", "/odd key/a~1b" },
	{ ".\"odd key\".\"m~n\"", "2", ".[\"odd key\"][\"m~n\"]", "/odd key/m~0n" },
	{ "/odd key/a~1b", "1", ".[\"odd key\"][\"a/b\"]", "/odd key/a~1b" },
	{ "/odd key/m~0n", "2", ".[\"odd key\"][\"m~n\"]", "/odd key/m~0n" },
	{ "/odd key/", "3", ".[\"odd key\"][\"\"]", "/odd key/" },
	{ ".[\"odd key\"][\"\"]", "3", ".[\"odd key\"][\"\"]", "/odd key/" },
	/* a pointer token "3" is a key in an object, an index in an array */
	{ "/odd key/3", "\"three\"", ".[\"odd key\"][\"3\"]", "/odd key/3" },
	{ "/list/2", "30", ".list[2]", "/list/2" },
	{ ".[\"odd key\"][\"q\\\"t\"]", "4", ".[\"odd key\"][\"q\\\"t\"]", "/odd key/q\"t" },
	{ ".[\"\\u00e9t\\u00e9\"]", "\"summer\"", ".[\"\xc3\xa9t\xc3\xa9\"]", "/\xc3\xa9t\xc3\xa9" },
	{ ".n", "null", ".n", "/n" },
	{ "[0]", NULL, ".[0]", "/0" },
};

START_TEST(test_path_case)
{
	const struct path_case *c = &cases[_i];
	ss_path p;
	char err[256] = "";
	ck_assert_msg(ss_path_parse(c->text, &p, err, sizeof err) == SS_OK, "'%s': %s", c->text,
	              err);
	json_t *v = ss_path_get(doc, &p);
	if (c->want) {
		ck_assert_msg(v != NULL, "'%s' found nothing", c->text);
		char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		ck_assert_str_eq(got, c->want);
		free(got);
	} else if (strcmp(c->text, "[0]") != 0) {
		ck_assert_ptr_eq(v, doc);
	} else {
		ck_assert_ptr_null(v); /* the root is an object: no element 0 */
	}
	ss_path_bind(&p, doc);
	ck_assert_ptr_eq(ss_path_get(doc, &p), v);
	char *jq = ss_path_format_jq(&p);
	char *ptr = ss_path_format_pointer(&p);
	ck_assert_str_eq(jq, c->jq);
	ck_assert_str_eq(ptr, c->pointer);

	/* Both spellings read back to a path reaching the same value. */
	ss_path back;
	ck_assert_msg(ss_path_parse(jq, &back, err, sizeof err) == SS_OK, "%s: %s", jq, err);
	ck_assert_ptr_eq(ss_path_get(doc, &back), v);
	ss_path_clear(&back);
	if (c->text[0] != '.' || !strstr(c->text, "[-")) {
		ck_assert_msg(ss_path_parse(ptr, &back, err, sizeof err) == SS_OK, "%s: %s", ptr, err);
		ck_assert_ptr_eq(ss_path_get(doc, &back), v);
		ss_path_clear(&back);
	}
	free(jq);
	free(ptr);
	ss_path_clear(&p);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

static const char *const missing[] = {
	".agents[2]", ".agents[-3]", ".nope", ".agents.status", ".n.x", ".list.x",
	"/agents/01", "/agents/-", "/list/3", ".agents[0].status.deeper", "/odd key/a/b",
};

START_TEST(test_path_missing)
{
	ss_path p;
	char err[256];
	ck_assert_int_eq(ss_path_parse(missing[_i], &p, err, sizeof err), SS_OK);
	ck_assert_msg(ss_path_get(doc, &p) == NULL, "'%s' found something", missing[_i]);
	ss_path_clear(&p);
}
END_TEST

static const char *const bad[] = {
	"agents", "..", ".agents.", ".agents[", ".agents[1", ".agents[x]", ".agents[\"x]",
	".[\"a\\q\"]", ".[\"\\u12\"]", ".[\"\\ud800\"]", ".[\"\\u0000\"]", "/a~2", "/a~",
	".a b", ".[1]x", ".agents[99999999999999999999]", "#/a",
};

START_TEST(test_path_bad)
{
	ss_path p = { (ss_path_seg *)1, 7, 7 };
	char err[256] = "";
	ck_assert_msg(ss_path_parse(bad[_i], &p, err, sizeof err) == SS_USAGE, "'%s' accepted",
	              bad[_i]);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_ptr_null(p.segs);
	ck_assert_msg(strstr(err, "column") != NULL, "'%s': message '%s' has no column", bad[_i],
	              err);
}
END_TEST

START_TEST(test_path_build)
{
	ss_path p = { 0 };
	ck_assert_int_eq(ss_path_push_key(&p, "agents"), SS_OK);
	ck_assert_int_eq(ss_path_push_index(&p, 0), SS_OK);
	ck_assert_int_eq(ss_path_push_key(&p, "status"), SS_OK);
	ck_assert_str_eq(json_string_value(ss_path_get(doc, &p)), "idle");
	ss_path_pop(&p);
	ck_assert_int_eq(ss_path_push_key(&p, "weird\nkey\x7f"), SS_OK);
	char *jq = ss_path_format_jq(&p);
	ck_assert_str_eq(jq, ".agents[0][\"weird\\nkey\\u007f\"]");
	/* the escaped form parses back to the same key */
	ss_path back;
	char err[256];
	ck_assert_int_eq(ss_path_parse(jq, &back, err, sizeof err), SS_OK);
	ck_assert_str_eq(back.segs[2].key, "weird\nkey\x7f");
	ss_path_clear(&back);
	free(jq);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(ss_path_push_index(&p, i), SS_OK);
	ck_assert_uint_eq(p.n, 103);
	ss_path_clear(&p);
	ss_path_pop(&p); /* popping an empty path is harmless */

	/* Unbound, a numeric pointer token reads as an index; bound to the
	 * document it is what the container makes it. */
	ck_assert_int_eq(ss_path_parse("/odd key/3", &p, err, sizeof err), SS_OK);
	jq = ss_path_format_jq(&p);
	ck_assert_str_eq(jq, ".[\"odd key\"][3]");
	free(jq);
	ss_path_bind(&p, doc);
	jq = ss_path_format_jq(&p);
	ck_assert_str_eq(jq, ".[\"odd key\"][\"3\"]");
	free(jq);
	ss_path_clear(&p);
}
END_TEST

START_TEST(test_path_escapes_text_in_message)
{
	ss_path p;
	char err[256];
	ck_assert_int_eq(ss_path_parse("\x1b[2J", &p, err, sizeof err), SS_USAGE);
	ck_assert_ptr_null(strchr(err, 0x1b));
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *jpath_suite(void); /* for check_main.c, through suites.h */

Suite *jpath_suite(void)
{
	Suite *s = suite_create("jpath");
	TCase *tc = tcase_create("jpath");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_path_case, 0, N(cases));
	tcase_add_loop_test(tc, test_path_missing, 0, N(missing));
	tcase_add_loop_test(tc, test_path_bad, 0, N(bad));
	tcase_add_test(tc, test_path_build);
	tcase_add_test(tc, test_path_escapes_text_in_message);
	suite_add_tcase(s, tc);
	return s;
}
