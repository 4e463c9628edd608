/*
 * check_diff.c - the structural diff (model/jdiff.c, model/myers.c).
 *
 * Most cases are data: tests/data/diff.test holds old state, new state,
 * options and the expected change lines (the format is described at the top
 * of that file), read at test time, one loop iteration per case.  Each case
 * also checks the counts and that the JSON Patch and Merge Patch made from
 * it turn the old state into the new one.  The rest is what data cannot say:
 * bad patterns, path matching, deep and long inputs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"
#include "ss_diff.h"

/* ---- the data file -------------------------------------------------------- */

struct dcase {
	int line;           /* of the old state, for messages */
	char *old, *new_, *opts;
	char **want;
	size_t n_want;
};

static struct dcase *cases;
static size_t n_cases;
static char load_error[4400]; /* room for a path and a reason */

/* $SNAPSCOPE_TESTDATA/diff.test, else data/diff.test beside this source. */
static FILE *open_data(char *path, size_t size)
{
	const char *dir = getenv("SNAPSCOPE_TESTDATA");
	if (dir && *dir) {
		snprintf(path, size, "%s/diff.test", dir);
	} else {
		const char *src = __FILE__;
		const char *slash = strrchr(src, '/');
		int len = slash ? (int)(slash - src) : 1;
		snprintf(path, size, "%.*s/data/diff.test", len, slash ? src : ".");
	}
	return fopen(path, "r");
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* Read every case once, when the suite is built; a failure is reported by
 * the first test instead of silently running none. */
static void load_cases(void)
{
	char path[4096];
	FILE *f = open_data(path, sizeof path);
	if (!f) {
		snprintf(load_error, sizeof load_error, "cannot open %s (set SNAPSCOPE_TESTDATA)", path);
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0;
	struct dcase *cur = NULL;
	int part = 0; /* lines of the current case read so far */
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line[0] == '#')
			continue;
		if (len == 0) {
			if (cur && part < 3)
				snprintf(load_error, sizeof load_error, "%s:%d: case ends early", path, lineno);
			cur = NULL;
			part = 0;
			continue;
		}
		if (!cur) {
			struct dcase *nc = realloc(cases, (n_cases + 1) * sizeof *nc);
			if (!nc)
				abort();
			cases = nc;
			cur = &cases[n_cases++];
			*cur = (struct dcase){ .line = lineno };
		}
		if (part == 0) {
			cur->old = xstrdup(line);
		} else if (part == 1) {
			cur->new_ = xstrdup(line);
		} else if (part == 2) {
			cur->opts = xstrdup(line);
		} else {
			cur->want = realloc(cur->want, (cur->n_want + 1) * sizeof *cur->want);
			if (!cur->want)
				abort();
			cur->want[cur->n_want++] = xstrdup(line);
		}
		part++;
	}
	if (cur && part < 3)
		snprintf(load_error, sizeof load_error, "%s: last case ends early", path);
	if (n_cases == 0 && !load_error[0])
		snprintf(load_error, sizeof load_error, "%s: no cases", path);
	free(line);
	fclose(f);
}

static json_t *parse(const char *text, int line, const char *what)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	ck_assert_msg(v != NULL, "diff.test:%d: bad %s JSON: %s", line, what, e.text);
	return v;
}

static char *dump(const json_t *v)
{
	size_t len;
	char *s = ss_json_dump(v, SS_DUMP_SORT_KEYS, &len);
	ck_assert(s != NULL);
	return s;
}

/* A change as a line of the data file. */
static char *change_line(const ss_change *ch)
{
	char *path = ss_path_format_jq(&ch->path);
	char *oldp = ch->kind == SS_CHANGE_MOVED ? ss_path_format_jq(&ch->old_path) : NULL;
	char *ov = ch->kind == SS_CHANGE_CHANGED ? dump(ch->old_value) : NULL;
	char *nv = ch->kind == SS_CHANGE_CHANGED || ch->kind == SS_CHANGE_ADDED ? dump(ch->new_value)
	                                                                        : NULL;
	ck_assert(path != NULL);
	size_t size = strlen(path) + (oldp ? strlen(oldp) : 0) + (ov ? strlen(ov) : 0) +
	              (nv ? strlen(nv) : 0) + 64;
	char *s = malloc(size);
	ck_assert(s != NULL);
	switch (ch->kind) {
	case SS_CHANGE_CHANGED:
		snprintf(s, size, "~ %s %s -> %s%s", path, ov, nv, ch->over_budget ? " (over budget)" : "");
		break;
	case SS_CHANGE_ADDED:
		snprintf(s, size, "+ %s %s", path, nv);
		break;
	case SS_CHANGE_REMOVED:
		snprintf(s, size, "- %s", path);
		break;
	case SS_CHANGE_MOVED:
		snprintf(s, size, "> %s <- %s", path, oldp);
		break;
	}
	free(path);
	free(oldp);
	free(ov);
	free(nv);
	return s;
}

/* Options from the case's JSON; the strings stay owned by `o`. */
struct opts_buf {
	ss_diff_opts opts;
	const char *ignore[16];
	ss_array_key keys[8];
};

static void read_opts(const json_t *o, struct opts_buf *b, int line)
{
	memset(b, 0, sizeof *b);
	ck_assert_msg(json_is_object(o), "diff.test:%d: options must be an object", line);
	const json_t *ign = json_object_get(o, "ignore");
	for (size_t i = 0; i < json_array_size(ign) && i < 16; i++)
		b->ignore[b->opts.n_ignore++] = json_string_value(json_array_get(ign, i));
	const json_t *keys = json_object_get(o, "keys");
	for (size_t i = 0; i < json_array_size(keys) && i < 8; i++) {
		const json_t *k = json_array_get(keys, i);
		b->keys[b->opts.n_array_keys++] = (ss_array_key){
			json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1))
		};
	}
	b->opts.ignore = b->ignore;
	b->opts.array_keys = b->keys;
	b->opts.no_identity = json_is_true(json_object_get(o, "no_identity"));
	b->opts.budget = (size_t)json_integer_value(json_object_get(o, "budget"));
}

START_TEST(test_diff_data)
{
	ck_assert_msg(load_error[0] == '\0', "%s", load_error);
	const struct dcase *k = &cases[_i];
	json_t *old = parse(k->old, k->line, "old");
	json_t *new_ = parse(k->new_, k->line, "new");
	json_t *o = parse(k->opts, k->line, "options");
	struct opts_buf ob;
	read_opts(o, &ob, k->line);

	ss_diff d;
	char err[256] = "";
	ck_assert_msg(ss_diff_compute(old, new_, &ob.opts, &d, err, sizeof err) == SS_OK,
	              "diff.test:%d: %s", k->line, err);
	char got[8192] = "";
	bool same = d.n == k->n_want;
	size_t plus = 0, minus = 0, tilde = 0;
	bool any_over = false;
	for (size_t i = 0; i < d.n; i++) {
		char *l = change_line(&d.changes[i]);
		if (i >= k->n_want || strcmp(l, k->want[i]) != 0)
			same = false;
		strncat(got, "\n  ", sizeof got - strlen(got) - 1);
		strncat(got, l, sizeof got - strlen(got) - 1);
		free(l);
	}
	for (size_t i = 0; i < k->n_want; i++) {
		plus += k->want[i][0] == '+';
		minus += k->want[i][0] == '-';
		tilde += k->want[i][0] == '~' || k->want[i][0] == '>';
		any_over |= strstr(k->want[i], " (over budget)") != NULL;
	}
	ck_assert_msg(same, "diff.test:%d: got %zu changes:%s", k->line, d.n, got);
	ck_assert_msg(d.n_added == plus && d.n_removed == minus && d.n_changed == tilde,
	              "diff.test:%d: counts +%zu -%zu ~%zu", k->line, d.n_added, d.n_removed,
	              d.n_changed);
	ck_assert_int_eq(d.over_budget, any_over);

	if (ob.opts.n_ignore == 0) {
		/* The patch from this very diff, and one made from the values. */
		json_t *patch = ss_diff_to_json_patch(&d);
		ck_assert(patch != NULL);
		json_t *doc = ss_json_copy(old);
		ck_assert_msg(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK,
		              "diff.test:%d: patch does not apply: %s", k->line, err);
		char *ps = json_dumps(patch, JSON_COMPACT);
		ck_assert_msg(ss_json_equal(doc, new_), "diff.test:%d: patch %s gives the wrong value",
		              k->line, ps);
		free(ps);
		json_decref(doc);
		json_decref(patch);
		patch = ss_json_patch_make(old, new_, &ob.opts);
		ck_assert(patch != NULL);
		doc = ss_json_copy(old);
		ck_assert(ss_json_patch_apply(&doc, patch, err, sizeof err) == SS_OK);
		ck_assert(ss_json_equal(doc, new_));
		json_decref(doc);
		json_decref(patch);

		json_t *merge;
		ss_status st = ss_merge_patch_make(old, new_, &merge, err, sizeof err);
		if (st == SS_OK) {
			doc = ss_json_copy(old);
			ck_assert(ss_merge_patch_apply(&doc, merge, err, sizeof err) == SS_OK);
			ck_assert_msg(ss_json_equal(doc, new_), "diff.test:%d: merge patch wrong", k->line);
			json_decref(doc);
			json_decref(merge);
		} else {
			ck_assert_msg(st == SS_USAGE && strstr(err, "null"),
			              "diff.test:%d: merge patch: %s", k->line, err);
		}
	}
	ss_diff_clear(&d);
	ck_assert_int_eq(d.n, 0);
	json_decref(old);
	json_decref(new_);
	json_decref(o);
}
END_TEST

/* ---- what the data file cannot say ---------------------------------------- */

START_TEST(test_bad_patterns)
{
	json_t *a = json_pack("{s:i}", "a", 1), *b = json_pack("{s:i}", "a", 2);
	ss_diff d;
	char err[256];
	const char *bad[] = { ".a", "items[0]" };
	ss_diff_opts o = { .ignore = bad, .n_ignore = 2 };
	ck_assert_int_eq(ss_diff_compute(a, b, &o, &d, err, sizeof err), SS_USAGE);
	ck_assert_msg(strstr(err, "items[0]") != NULL, "%s", err);
	ck_assert_int_eq(d.n, 0);
	ck_assert_ptr_null(d.changes);

	const char *bad2[] = { "/a/~2" };
	o = (ss_diff_opts){ .ignore = bad2, .n_ignore = 1 };
	ck_assert_int_eq(ss_diff_compute(a, b, &o, &d, err, sizeof err), SS_USAGE);
	ck_assert_msg(strstr(err, "/a/~2") != NULL, "%s", err);

	ss_array_key k[] = { { ".x[", "id" } };
	o = (ss_diff_opts){ .array_keys = k, .n_array_keys = 1 };
	ck_assert_int_eq(ss_diff_compute(a, b, &o, &d, err, sizeof err), SS_USAGE);
	ck_assert_msg(strstr(err, ".x[") != NULL, "%s", err);

	ss_array_key k2[] = { { ".x", "" } };
	o = (ss_diff_opts){ .array_keys = k2, .n_array_keys = 1 };
	ck_assert_int_eq(ss_diff_compute(a, b, &o, &d, err, sizeof err), SS_USAGE);
	json_decref(a);
	json_decref(b);
}
END_TEST

static const struct {
	const char *path, *pattern;
	bool match;
} match_cases[] = {
	{ ".a.b", ".a.b", true },
	{ ".a.b", "/a/b", true },
	{ ".a.b", ".a", false },
	{ ".a", ".a.b", false },
	{ ".a.b", ".a.c", false },
	{ ".items[3].ts", ".items[3].ts", true },
	{ ".items[3].ts", "/items/3/ts", true },
	{ ".items[3].ts", ".items[4].ts", false },
	{ ".items[3]", "/items/03", false },
	{ ".a[\"3\"]", "/a/3", true },      /* a token is a member name too */
	{ ".a[\"3\"]", ".a[3]", false },    /* but a jq index is not */
	{ ".a[3]", ".a[\"3\"]", false },
	{ ".items[-1]", ".items[-1]", false }, /* counts from an end unknown here */
	{ ".items[2]", ".items[-1]", false },
	{ ".", ".", true },
	{ ".", "", true },
	{ ".a", ".", false },
	{ "/x/7", "/x/7", true },           /* unbound tokens on both sides */
	{ "/x/7", ".x[7]", true },
	{ ".[\"a/b\"]", "/a~1b", true },
	{ ".[\"m~n\"]", "/m~0n", true },
};

START_TEST(test_path_matches)
{
	for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
		ss_path p, q;
		char err[256];
		ck_assert_int_eq(ss_path_parse(match_cases[i].path, &p, err, sizeof err), SS_OK);
		ck_assert_int_eq(ss_path_parse(match_cases[i].pattern, &q, err, sizeof err), SS_OK);
		ck_assert_msg(ss_path_matches(&p, &q) == match_cases[i].match, "%s against %s",
		              match_cases[i].path, match_cases[i].pattern);
		ss_path_clear(&p);
		ss_path_clear(&q);
	}
	/* `*`, which only the diff's own pattern reading accepts in jq form */
	ss_path p, q;
	char err[256];
	ck_assert_int_eq(ss_path_parse(".items[3].ts", &p, err, sizeof err), SS_OK);
	ck_assert_int_eq(ss_path_parse("/items/*/ts", &q, err, sizeof err), SS_OK);
	ck_assert(ss_path_matches(&p, &q));
	ss_path_clear(&q);
	ck_assert_int_eq(ss_path_parse("/*/*/*", &q, err, sizeof err), SS_OK);
	ck_assert(ss_path_matches(&p, &q));
	ss_path_clear(&q);
	ck_assert_int_eq(ss_path_parse("/*/*", &q, err, sizeof err), SS_OK);
	ck_assert(!ss_path_matches(&p, &q));
	ss_path_clear(&q);
	/* the same in jq form, through the pattern parser */
	ck_assert_int_eq(ss_path_pattern_parse(".items[*].ts", &q, err, sizeof err), SS_OK);
	ck_assert(ss_path_matches(&p, &q));
	ss_path_clear(&q);
	ck_assert_int_eq(ss_path_pattern_parse(".*.*[\"ts\"]", &q, err, sizeof err), SS_OK);
	ck_assert(ss_path_matches(&p, &q));
	ss_path_clear(&q);
	ck_assert_int_eq(ss_path_pattern_parse(".items[\"*\"].t\"s", &q, err, sizeof err), SS_USAGE);
	ck_assert_msg(strstr(err, "items") != NULL, "%s", err);
	ck_assert_int_eq(ss_path_pattern_parse("items", &q, err, sizeof err), SS_USAGE);
	ss_path_clear(&p);
}
END_TEST

START_TEST(test_absent_sides)
{
	json_t *v = json_pack("{s:[i,i]}", "a", 1, 2);
	ss_diff d;
	ck_assert_int_eq(ss_diff_compute(NULL, v, NULL, &d, NULL, 0), SS_OK);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.changes[0].kind, SS_CHANGE_ADDED);
	ck_assert_int_eq(d.changes[0].path.n, 0);
	ck_assert_ptr_eq(d.changes[0].new_value, v);
	ck_assert_int_eq(d.n_added, 1);
	ss_diff_clear(&d);
	ck_assert_int_eq(ss_diff_compute(v, NULL, NULL, &d, NULL, 0), SS_OK);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.changes[0].kind, SS_CHANGE_REMOVED);
	ck_assert_int_eq(d.n_removed, 1);
	/* the patch of a vanished document removes the root */
	json_t *patch = ss_diff_to_json_patch(&d);
	json_t *doc = ss_json_copy(v);
	ck_assert_int_eq(ss_json_patch_apply(&doc, patch, NULL, 0), SS_OK);
	ck_assert_ptr_null(doc);
	json_decref(patch);
	ss_diff_clear(&d);
	ck_assert_int_eq(ss_diff_compute(NULL, NULL, NULL, &d, NULL, 0), SS_OK);
	ck_assert_int_eq(d.n, 0);
	/* the diff holds references: values outlive their documents */
	json_t *w = json_pack("{s:[i,i,i]}", "a", 1, 2, 3);
	ck_assert_int_eq(ss_diff_compute(v, w, NULL, &d, NULL, 0), SS_OK);
	json_decref(v);
	json_decref(w);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(json_integer_value(d.changes[0].new_value), 3);
	ss_diff_clear(&d);
}
END_TEST

/* Free a chain without jansson's recursive release: detach the child first. */
static void free_chain(json_t *v)
{
	while (v) {
		json_t *next = NULL;
		if (json_is_object(v)) {
			const char *k;
			json_t *c;
			json_object_foreach(v, k, c)
				if (json_is_object(c) || json_is_array(c))
					next = json_incref(c);
			json_object_clear(v);
		} else if (json_is_array(v)) {
			for (size_t i = 0; i < json_array_size(v); i++) {
				json_t *c = json_array_get(v, i);
				if (json_is_object(c) || json_is_array(c))
					next = json_incref(c);
			}
			json_array_clear(v);
		}
		json_decref(v);
		v = next;
	}
}

/* `depth` levels of {"n": ...} (or [...] with `arrays`), a sibling "s" at
 * every object level, and `leaf` at the bottom. */
static json_t *chain(size_t depth, bool arrays, json_int_t leaf)
{
	json_t *v = json_pack("{s:I}", "leaf", leaf);
	for (size_t i = 0; i < depth; i++) {
		json_t *p = arrays ? json_pack("[o]", v) : json_pack("{s:o,s:i}", "n", v, "s", 1);
		ck_assert(p != NULL);
		v = p;
	}
	return v;
}

START_TEST(test_deep)
{
	const size_t depth = 100000;
	for (int arrays = 0; arrays <= 1; arrays++) {
		json_t *a = chain(depth, arrays, 1), *b = chain(depth, arrays, 2);
		ss_diff d;
		ck_assert_int_eq(ss_diff_compute(a, b, NULL, &d, NULL, 0), SS_OK);
		ck_assert_int_eq(d.n, 1);
		ck_assert_int_eq(d.changes[0].kind, SS_CHANGE_CHANGED);
		ck_assert_uint_eq(d.changes[0].path.n, depth + 1);
		json_t *patch = ss_diff_to_json_patch(&d);
		ck_assert(patch != NULL);
		ck_assert_uint_eq(json_array_size(patch), 1);
		ss_diff_clear(&d);
		json_t *doc = ss_json_copy(a);
		ck_assert(ss_json_equal(doc, a));
		ck_assert(!ss_json_equal(doc, b));
		ck_assert_int_eq(ss_json_patch_apply(&doc, patch, NULL, 0), SS_OK);
		ck_assert(ss_json_equal(doc, b));
		json_decref(patch);
		/* identical deep values: nothing to report */
		ck_assert_int_eq(ss_diff_compute(doc, b, NULL, &d, NULL, 0), SS_OK);
		ck_assert_int_eq(d.n, 0);
		free_chain(doc);
		free_chain(a);
		free_chain(b);
	}
}
END_TEST

START_TEST(test_long_arrays)
{
	const size_t n = 100000;
	json_t *a = json_array(), *b = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(a, json_pack("{s:I,s:s}", "v", (json_int_t)i, "t", "x"));
		if (i == 500 || i == 99000)
			continue; /* removed */
		if (i == 40000)
			json_array_append_new(b, json_pack("{s:s}", "new", "y"));
		json_array_append_new(b, json_pack("{s:I,s:s}", "v", (json_int_t)i,
		                                   "t", i == 70000 ? "changed" : "x"));
	}
	ss_diff d;
	ck_assert_int_eq(ss_diff_compute(a, b, NULL, &d, NULL, 0), SS_OK);
	ck_assert_int_eq(d.n, 4);
	ck_assert_int_eq(d.n_added, 1);
	ck_assert_int_eq(d.n_removed, 2);
	ck_assert_int_eq(d.n_changed, 1);
	char *p = ss_path_format_jq(&d.changes[2].path);
	ck_assert_str_eq(p, ".[70000].t"); /* one removed and one added before it */
	free(p);
	json_t *patch = ss_diff_to_json_patch(&d);
	json_t *doc = ss_json_copy(a);
	ck_assert_int_eq(ss_json_patch_apply(&doc, patch, NULL, 0), SS_OK);
	ck_assert(ss_json_equal(doc, b));
	json_decref(doc);
	json_decref(patch);
	ss_diff_clear(&d);

	/* reversed: far past the default budget, so reported whole, at once */
	json_t *r = json_array();
	for (size_t i = n; i-- > 0;)
		json_array_append(r, json_array_get(a, i));
	ck_assert_int_eq(ss_diff_compute(a, r, NULL, &d, NULL, 0), SS_OK);
	ck_assert_int_eq(d.n, 1);
	ck_assert(d.over_budget);
	ck_assert(d.changes[0].over_budget);
	ck_assert_int_eq(d.changes[0].path.n, 0);
	ss_diff_clear(&d);
	json_decref(r);

	/* the same records with ids, shuffled a little: moves, not a cascade */
	json_t *ia = json_array(), *ib = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ia, json_pack("{s:I,s:i}", "id", (json_int_t)i, "x", 0));
	for (size_t i = 0; i < n; i++) {
		size_t src = i == 10 ? 90000 : i == 90000 ? 10 : i;
		json_array_append_new(ib, json_pack("{s:I,s:i}", "id", (json_int_t)src, "x", 0));
	}
	ck_assert_int_eq(ss_diff_compute(ia, ib, NULL, &d, NULL, 0), SS_OK);
	ck_assert_int_eq(d.n, 2);
	ck_assert_int_eq(d.changes[0].kind, SS_CHANGE_MOVED);
	ck_assert_int_eq(d.changes[1].kind, SS_CHANGE_MOVED);
	patch = ss_diff_to_json_patch(&d);
	ck_assert_uint_eq(json_array_size(patch), 2);
	doc = ss_json_copy(ia);
	ck_assert_int_eq(ss_json_patch_apply(&doc, patch, NULL, 0), SS_OK);
	ck_assert(ss_json_equal(doc, ib));
	json_decref(doc);
	json_decref(patch);
	ss_diff_clear(&d);
	json_decref(ia);
	json_decref(ib);
	json_decref(a);
	json_decref(b);
}
END_TEST

Suite *diff_suite(void); /* for check_main.c */

Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	load_cases();
	TCase *tc = tcase_create("data");
	tcase_add_loop_test(tc, test_diff_data, 0, n_cases ? (int)n_cases : 1);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_test(tc, test_bad_patterns);
	tcase_add_test(tc, test_path_matches);
	tcase_add_test(tc, test_absent_sides);
	suite_add_tcase(s, tc);
	tc = tcase_create("scale");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_deep);
	tcase_add_test(tc, test_long_arrays);
	suite_add_tcase(s, tc);
	return s;
}
