/*
 * check_diffview.c - the diff view's alignment (tui/diffalign.c), which
 * needs no terminal: old and new JSON in, the aligned rows out, compared
 * with the expected rows written as data, one string a row:
 *
 *   "= LEFT|RIGHT"   unchanged          "~ LEFT|RIGHT"   changed, facing
 *   "+ |RIGHT"       added (filler)     "- LEFT|"        removed (filler)
 *   "> LEFT|RIGHT"   inside a moved element
 *   ". N"            N unchanged lines folded
 *
 * Also: the unified layout, the change-list wording (as `snapscope diff`),
 * expanding a fold, escaping, and the time and memory a large state costs.
 */
#include "diffalign.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Suite *diffview_suite(void); /* for check_main.c */

static json_t *parse(const char *text)
{
	json_t *v = NULL;
	char err[256] = "";
	ss_status st = ss_state_parse(text, strlen(text), SS_STATE_MAX_DEFAULT, "test", &v, err,
	                              sizeof err);
	ck_assert_msg(st == SS_OK, "parse: %s", err);
	return v;
}

static void diff_of(const json_t *o, const json_t *n, ss_diff *d)
{
	char err[256] = "";
	memset(d, 0, sizeof *d);
	ck_assert_msg(ss_diff_compute(o, n, NULL, d, err, sizeof err) == SS_OK, "diff: %s", err);
}

/* A row as the tables write it. */
static char *row_string(const struct da_result *r, const struct da_row *row)
{
	static const char kinds[] = { [DA_SAME] = '=', [DA_CHANGED] = '~', [DA_ADDED] = '+',
	                              [DA_REMOVED] = '-', [DA_MOVED] = '>', [DA_FOLD] = '.' };
	size_t ll, rl;
	const char *l = da_left(r, row, &ll), *rt = da_right(r, row, &rl);
	size_t size = ll + rl + 32;
	char *s = malloc(size);
	ck_assert_ptr_nonnull(s);
	if (row->kind == DA_FOLD)
		snprintf(s, size, ". %llu", (unsigned long long)row->count);
	else
		snprintf(s, size, "%c %.*s|%.*s", kinds[row->kind], (int)ll, l, (int)rl, rt);
	return s;
}

struct align_case {
	const char *name;
	const char *old, *new_;
	bool fold;                  /* default context and fold size; else no folding */
	const char *rows[48];       /* NULL-terminated */
};

static const struct align_case cases[] = {
	{
		"nested changes", "{\"a\":1,\"b\":{\"c\":[1,2,3],\"d\":\"x\"},\"z\":true}",
		"{\"a\":1,\"b\":{\"c\":[1,9,2,3],\"d\":\"y\"},\"z\":true,\"n\":null}", false,
		{ "= {|{", "=   \"a\": 1,|  \"a\": 1,", "=   \"b\": {|  \"b\": {",
		  "=     \"c\": [|    \"c\": [", "=       1,|      1,", "+ |      9,",
		  "=       2,|      2,", "=       3|      3", "=     ],|    ],",
		  "~     \"d\": \"x\"|    \"d\": \"y\"", "=   },|  },", "=   \"z\": true|  \"z\": true,",
		  "+ |  \"n\": null", "= }|}", NULL },
	},
	{
		"array insert in the middle", "{\"a\":[1,2,3,4]}", "{\"a\":[1,2,\"x\",3,4]}", false,
		{ "= {|{", "=   \"a\": [|  \"a\": [", "=     1,|    1,", "=     2,|    2,",
		  "+ |    \"x\",", "=     3,|    3,", "=     4|    4", "=   ]|  ]", "= }|}", NULL },
	},
	{
		/* {"id":3} moved to the front: it faces its old self there, and
		 * the others stay level (no cascade); the change inside #2 faces. */
		"identity move", "{\"items\":[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"},{\"id\":3,\"v\":\"c\"}]}",
		"{\"items\":[{\"id\":3,\"v\":\"c\"},{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"B\"}]}", false,
		{ "= {|{", "=   \"items\": [|  \"items\": [", ">     {|    {", ">       \"id\": 3,|      \"id\": 3,",
		  ">       \"v\": \"c\"|      \"v\": \"c\"", ">     }|    },", "=     {|    {",
		  "=       \"id\": 1,|      \"id\": 1,", "=       \"v\": \"a\"|      \"v\": \"a\"",
		  "=     },|    },", "=     {|    {", "=       \"id\": 2,|      \"id\": 2,",
		  "~       \"v\": \"b\"|      \"v\": \"B\"", "=     },|    }", "=   ]|  ]", "= }|}", NULL },
	},
	{
		"type change and removal", "{\"a\":[1,2,3],\"t\":{\"x\":1},\"b\":2}",
		"{\"a\":[1,3],\"t\":[1],\"b\":2}", false,
		{ "= {|{", "=   \"a\": [|  \"a\": [", "=     1,|    1,", "-     2,|", "=     3|    3",
		  "=   ],|  ],", "~   \"t\": {|  \"t\": [", "~     \"x\": 1|    1", "~   },|  ],",
		  "=   \"b\": 2|  \"b\": 2", "= }|}", NULL },
	},
	{
		"root type change", "[1,2]", "{\"x\":1}", false,
		{ "~ [|{", "~   1,|  \"x\": 1", "~   2|}", "~ ]|", NULL },
	},
	{
		/* Key order is not a change: the old side lists its members in the
		 * new order, level with them, each line as the old document has it. */
		"key order only", "{\"a\":1,\"b\":{\"q\":1,\"r\":[1,{\"y\":2,\"x\":1}]}}",
		"{\"b\":{\"r\":[1,{\"x\":1,\"y\":2}],\"q\":1},\"a\":1}", false,
		{ "= {|{", "=   \"b\": {|  \"b\": {", "=     \"r\": [|    \"r\": [", "=       1,|      1,",
		  "=       {|      {", "=         \"x\": 1|        \"x\": 1,", "=         \"y\": 2,|        \"y\": 2",
		  "=       }|      }", "=     ]|    ],", "=     \"q\": 1,|    \"q\": 1", "=   }|  },",
		  "=   \"a\": 1,|  \"a\": 1", "= }|}", NULL },
	},
	{
		"empty containers gain members", "{\"a\":[],\"b\":{}}", "{\"a\":[1],\"b\":{\"k\":{}}}", false,
		{ "= {|{", "=   \"a\": [|  \"a\": [", "+ |    1", "=   ],|  ],", "=   \"b\": {|  \"b\": {",
		  "+ |    \"k\": {}", "=   }|  }", "= }|}", NULL },
	},
	{
		/* Wide characters are bytes here; their columns are draw.c's
		 * business (tests/check_draw.c).  The rows still face. */
		"wide characters", "{\"s\":\"日本語のテキスト\",\"x\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}",
		"{\"s\":\"日本語の文章\",\"x\":[{\"name\":\"a\"},{\"name\":\"c\"}]}", false,
		{ "= {|{", "~   \"s\": \"日本語のテキスト\",|  \"s\": \"日本語の文章\",", "=   \"x\": [|  \"x\": [",
		  "=     {|    {", "=       \"name\": \"a\"|      \"name\": \"a\"", "=     },|    },",
		  "-     {|", "-       \"name\": \"b\"|", "-     },|", "=     {|    {",
		  "=       \"name\": \"c\"|      \"name\": \"c\"", "=     }|    }", "=   ]|  ]", "= }|}", NULL },
	},
	{
		/* Escape sequences in the data come out as \u escapes. */
		"escapes", "{\"s\":\"\\u001b[31mred\",\"n\":1}", "{\"s\":\"\\u001b]0;x\\u0007\\u202e\",\"n\":1}", false,
		{ "= {|{", "~   \"s\": \"\\u001b[31mred\",|  \"s\": \"\\u001b]0;x\\u0007\\u202e\",",
		  "=   \"n\": 1|  \"n\": 1", "= }|}", NULL },
	},
	{
		"large added subtree", "{\"a\":1}", "{\"a\":1,\"big\":{\"x\":[1,2],\"y\":{\"z\":null}}}", false,
		{ "= {|{", "=   \"a\": 1|  \"a\": 1,", "+ |  \"big\": {", "+ |    \"x\": [", "+ |      1,",
		  "+ |      2", "+ |    ],", "+ |    \"y\": {", "+ |      \"z\": null", "+ |    }",
		  "+ |  }", "= }|}", NULL },
	},
	{
		/* A change deep in a long document: 3 lines of context each way,
		 * the rest folded (the brace, k00..k09, "mid" and "deep" above;
		 * k10..k19 and the closing brace below). */
		"deep change, folded",
		"{\"k00\":0,\"k01\":1,\"k02\":2,\"k03\":3,\"k04\":4,\"k05\":5,\"k06\":6,\"k07\":7,\"k08\":8,"
		"\"k09\":9,\"mid\":{\"deep\":[1,2,{\"z\":\"old\"}]},\"k10\":10,\"k11\":11,\"k12\":12,"
		"\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"k17\":17,\"k18\":18,\"k19\":19}",
		"{\"k00\":0,\"k01\":1,\"k02\":2,\"k03\":3,\"k04\":4,\"k05\":5,\"k06\":6,\"k07\":7,\"k08\":8,"
		"\"k09\":9,\"mid\":{\"deep\":[1,2,{\"z\":\"new\"}]},\"k10\":10,\"k11\":11,\"k12\":12,"
		"\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"k17\":17,\"k18\":18,\"k19\":19}", true,
		{ ". 13", "=       1,|      1,", "=       2,|      2,", "=       {|      {",
		  "~         \"z\": \"old\"|        \"z\": \"new\"", "=       }|      }", "=     ]|    ]",
		  "=   },|  },", ". 11", NULL },
	},
	{
		/* A run of exactly fold_min + 1 lines beyond the context folds; a
		 * shorter one is shown. */
		"short runs are not folded", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}",
		"{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":6}", true,
		{ "= {|{", "=   \"a\": 1,|  \"a\": 1,", "=   \"b\": 2,|  \"b\": 2,", "=   \"c\": 3,|  \"c\": 3,",
		  "=   \"d\": 4,|  \"d\": 4,", "~   \"e\": 5|  \"e\": 6", "= }|}", NULL },
	},
	{
		"no change folds whole", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", "{\"d\":4,\"c\":3,\"b\":2,\"a\":1}", true,
		{ ". 6", NULL },
	},
};

START_TEST(test_align_table)
{
	const struct align_case *c = &cases[_i];
	json_t *o = parse(c->old), *n = parse(c->new_);
	ss_diff d;
	diff_of(o, n, &d);
	struct da_opts opts = { .context = DA_CONTEXT_DEFAULT, .fold_min = DA_FOLD_MIN_DEFAULT,
	                        .no_fold = !c->fold };
	struct da_result r;
	ck_assert_int_eq(da_build(o, n, &d, &opts, &r), SS_OK);
	size_t want = 0;
	while (c->rows[want])
		want++;
	for (size_t i = 0; i < r.n_rows || i < want; i++) {
		char *got = i < r.n_rows ? row_string(&r, &r.rows[i]) : NULL;
		const char *exp = i < want ? c->rows[i] : NULL;
		ck_assert_msg(got && exp && strcmp(got, exp) == 0, "%s: row %zu: got [%s], want [%s]",
		              c->name, i, got ? got : "(none)", exp ? exp : "(none)");
		free(got);
	}
	da_result_free(&r);
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

/* Each change has exactly one first row, marked with its index, and the
 * rows of a change carry it (the view shows its path from there). */
START_TEST(test_change_anchors)
{
	json_t *o = parse(cases[2].old), *n = parse(cases[2].new_);
	ss_diff d;
	diff_of(o, n, &d);
	ck_assert_uint_eq(d.n, 2); /* the move, the change inside #2 */
	struct da_result r;
	ck_assert_int_eq(da_build(o, n, &d, NULL, &r), SS_OK);
	size_t firsts[2] = { 0, 0 };
	for (size_t i = 0; i < r.n_rows; i++) {
		const struct da_row *row = &r.rows[i];
		if (row->kind == DA_MOVED)
			ck_assert_int_eq(row->change, 0);
		if (row->first) {
			ck_assert_int_ge(row->change, 0);
			firsts[row->change]++;
		}
	}
	ck_assert_uint_eq(firsts[0], 1);
	ck_assert_uint_eq(firsts[1], 1);
	da_result_free(&r);
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

/* Expanding a fold shows exactly the lines an unfolded build shows there. */
START_TEST(test_expand_fold)
{
	const struct align_case *c = &cases[10];
	json_t *o = parse(c->old), *n = parse(c->new_);
	ss_diff d;
	diff_of(o, n, &d);
	struct da_result folded, full, opened;
	ck_assert_int_eq(da_build(o, n, &d, NULL, &folded), SS_OK);
	struct da_opts all = { .no_fold = true };
	ck_assert_int_eq(da_build(o, n, &d, &all, &full), SS_OK);
	ck_assert_uint_eq(folded.n_vlines, full.n_vlines);
	ck_assert_uint_eq(full.n_rows, full.n_vlines);
	ck_assert_int_eq(folded.rows[0].kind, DA_FOLD);
	struct da_range range = { folded.rows[0].vline, folded.rows[0].count };
	struct da_opts o1 = { .context = DA_CONTEXT_DEFAULT, .fold_min = DA_FOLD_MIN_DEFAULT,
	                      .expanded = &range, .n_expanded = 1 };
	ck_assert_int_eq(da_build(o, n, &d, &o1, &opened), SS_OK);
	ck_assert_uint_eq(opened.n_rows, folded.n_rows - 1 + range.count);
	for (size_t i = 0; i < range.count + 3; i++) {
		char *a = row_string(&opened, &opened.rows[i]), *b = row_string(&full, &full.rows[i]);
		ck_assert_str_eq(a, b);
		ck_assert_uint_eq(opened.rows[i].vline, i);
		free(a);
		free(b);
	}
	da_result_free(&folded);
	da_result_free(&full);
	da_result_free(&opened);
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

/* A removed member that no shared member follows sits at the end, after
 * the additions: where the diff engine reports it. */
START_TEST(test_unified)
{
	json_t *o = parse("{\"a\":1,\"b\":[1],\"c\":true}"), *n = parse("{\"a\":2,\"b\":[],\"d\":null}");
	ss_diff d;
	diff_of(o, n, &d);
	struct da_opts all = { .no_fold = true };
	struct da_result r;
	ck_assert_int_eq(da_build(o, n, &d, &all, &r), SS_OK);
	struct da_uline *u;
	size_t nu;
	ck_assert(da_unified(&r, &u, &nu));
	static const char *const want[] = {
		"  {", "-   \"a\": 1,", "+   \"a\": 2,", "    \"b\": [", "-     1", "    ],",
		"+   \"d\": null", "-   \"c\": true", "  }",
	};
	ck_assert_uint_eq(nu, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < nu; i++) {
		size_t len;
		const struct da_row *row = &r.rows[u[i].row];
		const char *t = u[i].right ? da_right(&r, row, &len) : da_left(&r, row, &len);
		char line[128];
		snprintf(line, sizeof line, "%c %.*s", u[i].mark, (int)len, t);
		ck_assert_str_eq(line, want[i]);
	}
	free(u);
	da_result_free(&r);
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

/* The change list speaks as `snapscope diff` does. */
START_TEST(test_change_lines)
{
	json_t *o = parse("{\"a\":{\"b\":1},\"gone\":[1],\"odd key\":\"x\",\"l\":[{\"id\":1},{\"id\":2}],"
	                  "\"long\":\"0123456789012345678901234567890123456789\"}");
	json_t *n = parse("{\"a\":{\"b\":2},\"odd key\":\"\\u001b[2J\",\"l\":[{\"id\":2},{\"id\":1}],"
	                  "\"long\":\"x\",\"new\":{\"k\":true}}");
	ss_diff d;
	diff_of(o, n, &d);
	static const char *const want[] = {
		"~ .a.b: 1 -> 2",
		"- .gone: [1]",
		"~ .[\"odd key\"]: \"x\" -> \"\\u001b[2J\"",
		"> .l[0] (from .l[1])",
		"~ .long: \"01234567890123456... (42 B) -> \"x\"",
		"+ .new: {\"k\":true}",
	};
	ck_assert_uint_eq(d.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < d.n; i++) {
		char *line = da_change_line(&d.changes[i], 24);
		ck_assert_ptr_nonnull(line);
		ck_assert_str_eq(line, want[i]);
		free(line);
	}
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

/* Absent sides: everything added, or everything removed. */
START_TEST(test_absent_side)
{
	json_t *n = parse("{\"a\":[1]}");
	ss_diff d;
	diff_of(NULL, n, &d);
	struct da_opts all = { .no_fold = true };
	struct da_result r;
	ck_assert_int_eq(da_build(NULL, n, &d, &all, &r), SS_OK);
	ck_assert_uint_eq(r.n_rows, 5);
	for (size_t i = 0; i < r.n_rows; i++) {
		ck_assert_int_eq(r.rows[i].kind, DA_ADDED);
		ck_assert(!r.rows[i].has_left && r.rows[i].has_right);
	}
	ck_assert(r.rows[0].first);
	da_result_free(&r);
	ss_diff_clear(&d);
	json_decref(n);
}
END_TEST

/* An ignored field that changed is no change: its row is unchanged (the
 * two texts still say what each side holds), and nothing anchors there. */
START_TEST(test_ignore_rules)
{
	json_t *o = parse("{\"ts\":1,\"a\":1,\"gone\":true}"), *n = parse("{\"ts\":2,\"a\":2,\"new\":[]}");
	const char *const ignore[] = { ".ts", ".gone", ".new" };
	ss_diff_opts dopts = { .ignore = ignore, .n_ignore = 3 };
	ss_diff d = { 0 };
	char err[256] = "";
	ck_assert_msg(ss_diff_compute(o, n, &dopts, &d, err, sizeof err) == SS_OK, "%s", err);
	ck_assert_uint_eq(d.n, 1);
	struct da_opts all = { .no_fold = true };
	struct da_result r;
	ck_assert_int_eq(da_build(o, n, &d, &all, &r), SS_OK);
	static const char *const want[] = {
		"= {|{", "=   \"ts\": 1,|  \"ts\": 2,", "~   \"a\": 1,|  \"a\": 2,", "= |  \"new\": []",
		"=   \"gone\": true|", "= }|}",
	};
	ck_assert_uint_eq(r.n_rows, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < r.n_rows; i++) {
		char *got = row_string(&r, &r.rows[i]);
		ck_assert_str_eq(got, want[i]);
		ck_assert(r.rows[i].first == (i == 2));
		free(got);
	}
	da_result_free(&r);
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

/* Two states of about 1 MB with changes spread through them: well under a
 * second, and rows (memory) proportional to the changes, not the size. */
START_TEST(test_large_states)
{
	json_t *o = json_object(), *agents = json_array();
	for (int i = 0; i < 6000; i++) {
		json_t *a = json_pack("{s:i, s:s, s:s, s:f, s:[s,s,s], s:{s:i,s:i,s:i,s:i}}", "id", i,
		                      "name", "agent-with-a-longish-name", "status", "idle", "load",
		                      (double)i / 7.0, "tags", "alpha", "beta", "gamma", "mem", "k1", i,
		                      "k2", i * 2, "k3", i * 3, "k4", i * 4);
		ck_assert_ptr_nonnull(a);
		json_array_append_new(agents, a);
	}
	json_object_set_new(o, "agents", agents);
	json_t *n = json_deep_copy(o);
	json_t *na = json_object_get(n, "agents");
	for (size_t i = 0; i < 6000; i += 100)
		json_object_set_new(json_array_get(na, i), "status", json_string("failed"));
	json_array_remove(na, 3000);
	json_array_insert_new(na, 4000, json_pack("{s:i}", "id", 99999));
	size_t len = 0;
	char *dump = ss_json_dump(o, 0, &len);
	free(dump);
	ck_assert_uint_gt(len, 1000000);

	ss_diff d;
	diff_of(o, n, &d);
	ck_assert_uint_eq(d.n, 61); /* 60 statuses, one of them removed, one added */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct da_result r;
	ck_assert_int_eq(da_build(o, n, &d, NULL, &r), SS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(secs < 1.0, "aligning two 1 MB states took %.3f s", secs);
	ck_assert_uint_gt(r.n_vlines, 100000);
	ck_assert_uint_lt(r.n_rows, 61 * 16);
	ck_assert_uint_lt(r.text_len, 100000);
	da_result_free(&r);
	ss_diff_clear(&d);
	json_decref(o);
	json_decref(n);
}
END_TEST

Suite *diffview_suite(void)
{
	Suite *s = suite_create("diffview");
	TCase *tc = tcase_create("align");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_align_table, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_change_anchors);
	tcase_add_test(tc, test_expand_fold);
	tcase_add_test(tc, test_unified);
	tcase_add_test(tc, test_change_lines);
	tcase_add_test(tc, test_absent_side);
	tcase_add_test(tc, test_ignore_rules);
	tcase_add_test(tc, test_large_states);
	suite_add_tcase(s, tc);
	return s;
}
