/*
 * check_patch.c - JSON Patch and Merge Patch (model/jpatch.c).
 *
 * The round trip is the contract: for many generated pairs (a seeded PRNG
 * builds nested documents, then mutates a copy: array elements set,
 * inserted, deleted and moved in the middle, keys added and removed, types
 * changed, identity-keyed records shuffled), the patch made from old to new
 * applied to old gives new.  Then RFC 6902's and RFC 7396's own examples,
 * error cases, and deep documents.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ss_diff.h"

/* ---- generated documents ------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic across platforms, unlike rand() */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static const char *const key_pool[] = {
	"id", "name", "status", "a", "b", "c", "x/y", "m~n", "", "h\xc3\xa9", "items", "meta", "0", "-",
};
#define N_KEYS (sizeof key_pool / sizeof key_pool[0])

static json_t *scalar(void)
{
	switch (below(8)) {
	case 0:
		return json_integer((json_int_t)below(100));
	case 1:
		return json_real((double)below(1000) / 8.0);
	case 2:
		return json_string(key_pool[below(N_KEYS)]);
	case 3:
		return json_boolean(below(2));
	case 4:
		/* nulls are rare: a changed null member has no merge patch */
		return below(8) == 0 ? json_null() : json_integer(-1);
	default: {
		char s[16];
		snprintf(s, sizeof s, "s%zu", below(50));
		return json_string(s);
	}
	}
}

static int next_id;

/* A record with a unique id, as states keep agents and tasks. */
static json_t *record(int depth);
static json_t *value(int depth);

static json_t *record(int depth)
{
	json_t *r = json_pack("{s:i,s:s}", "id", next_id++, "status", below(2) ? "idle" : "busy");
	if (depth > 0 && below(2))
		json_object_set_new(r, "detail", value(depth - 1));
	return r;
}

static json_t *value(int depth)
{
	if (depth <= 0 || below(10) < 3)
		return scalar();
	size_t n = below(7);
	switch (below(3)) {
	case 0: {
		json_t *o = json_object();
		for (size_t i = 0; i < n; i++)
			json_object_set_new(o, key_pool[below(N_KEYS)], value(depth - 1));
		return o;
	}
	case 1: {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, value(depth - 1));
		return a;
	}
	default: {
		json_t *a = json_array();
		for (size_t i = 0; i < n + 2; i++)
			json_array_append_new(a, record(depth - 1));
		return a;
	}
	}
}

/* A random container inside v (v itself included), or NULL. */
static json_t *pick_container(json_t *v)
{
	json_t *cur = v, *found = NULL;
	for (int steps = 0; cur && steps < 8; steps++) {
		if (!json_is_object(cur) && !json_is_array(cur))
			break;
		found = cur;
		if (below(3) == 0)
			break;
		size_t n = json_is_object(cur) ? json_object_size(cur) : json_array_size(cur);
		if (n == 0)
			break;
		size_t k = below(n);
		if (json_is_array(cur)) {
			cur = json_array_get(cur, k);
		} else {
			void *it = json_object_iter(cur);
			while (k--)
				it = json_object_iter_next(cur, it);
			cur = json_object_iter_value(it);
		}
	}
	return found;
}

static void shuffle(json_t *a)
{
	size_t n = json_array_size(a);
	for (size_t i = n; i > 1; i--) {
		size_t j = below(i);
		json_t *x = json_incref(json_array_get(a, i - 1));
		json_array_set(a, i - 1, json_array_get(a, j));
		json_array_set_new(a, j, x);
	}
}

/* One random edit somewhere in v (in place). */
static void mutate(json_t *v)
{
	json_t *c = pick_container(v);
	if (!c)
		return;
	if (json_is_array(c)) {
		size_t n = json_array_size(c);
		bool records = n > 0 && json_is_object(json_array_get(c, 0)) &&
		               json_object_get(json_array_get(c, 0), "id");
		switch (below(6)) {
		case 0: /* insert in the middle */
			json_array_insert_new(c, below(n + 1), records ? record(2) : value(2));
			break;
		case 1:
			if (n)
				json_array_remove(c, below(n));
			break;
		case 2: /* move one element */
			if (n > 1) {
				size_t from = below(n), to = below(n);
				json_t *x = json_incref(json_array_get(c, from));
				json_array_remove(c, from);
				json_array_insert_new(c, to, x);
			}
			break;
		case 3:
			if (n) {
				if (records)
					json_object_set_new(json_array_get(c, below(n)), "status", scalar());
				else
					json_array_set_new(c, below(n), value(2));
			}
			break;
		case 4:
			shuffle(c);
			break;
		default:
			json_array_append_new(c, records ? record(1) : scalar());
			break;
		}
		return;
	}
	size_t n = json_object_size(c);
	switch (below(4)) {
	case 0:
		json_object_set_new(c, key_pool[below(N_KEYS)], value(2));
		break;
	case 1:
		if (n)
			json_object_del(c, key_pool[below(N_KEYS)]);
		break;
	case 2: { /* change a member's type: a container becomes a scalar or back */
		const char *k = key_pool[below(N_KEYS)];
		json_t *m = json_object_get(c, k);
		json_object_set_new(c, k, m && (json_is_object(m) || json_is_array(m)) ? scalar()
		                                                                          : value(2));
		break;
	}
	default: /* the same members in another order: no change at all */
		if (n > 1) {
			json_t *copy = json_deep_copy(c);
			json_object_clear(c);
			void *it = json_object_iter(copy);
			const char *keys[64];
			size_t nk = 0;
			for (; it && nk < 64; it = json_object_iter_next(copy, it))
				keys[nk++] = json_object_iter_key(it);
			for (size_t i = nk; i-- > 0;)
				json_object_set(c, keys[i], json_object_get(copy, keys[i]));
			json_decref(copy);
		}
		break;
	}
}

static char *compact(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

struct rt_stats {
	size_t pairs, merge_skipped, ops;
};

/* Check both patch formats for one pair; opts may be NULL. */
static void round_trip(const json_t *old, const json_t *new_, const ss_diff_opts *opts,
                       struct rt_stats *stats, unsigned seed)
{
	char err[256] = "";
	char *old_text = compact(old);
	json_t *patch = ss_json_patch_make(old, new_, opts);
	ck_assert(patch != NULL);
	char *patch_text = compact(patch);
	json_t *doc = ss_json_copy(old);
	ss_status st = ss_json_patch_apply(&doc, patch, err, sizeof err);
	if (st != SS_OK || !ss_json_equal(doc, new_)) {
		char *nt = compact(new_), *dt = doc ? compact(doc) : NULL;
		ck_abort_msg("seed %u: patch fails (%s)\n old %.900s\n new %.900s\n patch %.900s\n got %.900s", seed, err,
		             old_text, nt, patch_text, dt ? dt : "(none)");
	}
	/* neither the patch nor the inputs were touched */
	char *after = compact(patch);
	ck_assert_str_eq(after, patch_text);
	free(after);
	after = compact(old);
	ck_assert_str_eq(after, old_text);
	free(after);
	stats->ops += json_array_size(patch);
	json_decref(doc);
	json_decref(patch);
	free(patch_text);

	json_t *merge;
	st = ss_merge_patch_make(old, new_, &merge, err, sizeof err);
	if (st == SS_USAGE) {
		stats->merge_skipped++;
	} else {
		ck_assert_int_eq(st, SS_OK);
		char *merge_text = compact(merge);
		doc = ss_json_copy(old);
		ck_assert_int_eq(ss_merge_patch_apply(&doc, merge, err, sizeof err), SS_OK);
		if (!ss_json_equal(doc, new_)) {
			char *nt = compact(new_);
			ck_abort_msg("seed %u: merge patch fails\n old %.1000s\n new %.1000s\n patch %.1000s", seed,
			             old_text, nt, merge_text);
		}
		after = compact(merge);
		ck_assert_str_eq(after, merge_text);
		free(after);
		free(merge_text);
		json_decref(doc);
		json_decref(merge);
	}
	free(old_text);
	stats->pairs++;
}

START_TEST(test_generated_round_trips)
{
	struct rt_stats stats = { 0 };
	static const ss_array_key keys[] = { { "/*", "status" }, { ".items", "name" } };
	const ss_diff_opts positional = { .no_identity = true };
	const ss_diff_opts keyed = { .array_keys = keys, .n_array_keys = 2 };
	const ss_diff_opts tight = { .budget = 8 };
	for (unsigned seed = 1; seed <= 3000; seed++) {
		rng_state = 0x9E3779B97F4A7C15ULL * seed;
		next_id = 0;
		json_t *old = json_object();
		json_object_set_new(old, "items", value(4));
		json_object_set_new(old, "agents", json_array());
		for (size_t i = 0; i < 2 + below(5); i++)
			json_array_append_new(json_object_get(old, "agents"), record(2));
		json_object_set_new(old, "state", value(5));
		json_t *new_ = json_deep_copy(old);
		size_t edits = 1 + below(6);
		for (size_t i = 0; i < edits; i++)
			mutate(new_);
		const ss_diff_opts *opts[] = { NULL, &positional, &keyed, &tight };
		round_trip(old, new_, opts[seed % 4], &stats, seed);
		/* and backwards, which turns insertions into removals */
		round_trip(new_, old, NULL, &stats, seed);
		json_decref(old);
		json_decref(new_);
	}
	ck_assert_uint_eq(stats.pairs, 6000);
	ck_assert_msg(stats.merge_skipped * 10 < stats.pairs, "merge patch skipped for %zu of %zu",
	              stats.merge_skipped, stats.pairs);
	ck_assert(stats.ops > stats.pairs); /* the generator really changes things */
}
END_TEST

/* Arrays of records where everything moves: the move arithmetic. */
START_TEST(test_shuffled_records)
{
	for (unsigned seed = 1; seed <= 500; seed++) {
		rng_state = 0xD1B54A32D192ED03ULL * seed;
		size_t n = 1 + below(30);
		json_t *old = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(old, json_pack("{s:I,s:I}", "id", (json_int_t)i, "v",
			                                     (json_int_t)below(3)));
		json_t *new_ = json_deep_copy(old);
		shuffle(new_);
		size_t extra = below(4);
		for (size_t i = 0; i < extra && json_array_size(new_); i++)
			json_array_remove(new_, below(json_array_size(new_)));
		for (size_t i = 0; i < below(4); i++)
			json_array_insert_new(new_, below(json_array_size(new_) + 1),
			                      json_pack("{s:I}", "id", (json_int_t)(1000 + i)));
		if (json_array_size(new_))
			json_object_set_new(json_array_get(new_, below(json_array_size(new_))), "v",
			                    json_integer(7));
		struct rt_stats stats = { 0 };
		round_trip(old, new_, NULL, &stats, seed);
		round_trip(new_, old, NULL, &stats, seed);
		/* each reported move costs at most one move operation */
		ss_diff d;
		ck_assert_int_eq(ss_diff_compute(old, new_, NULL, &d, NULL, 0), SS_OK);
		json_t *patch = ss_diff_to_json_patch(&d);
		size_t moves = 0;
		for (size_t i = 0; i < json_array_size(patch); i++)
			moves += strcmp(json_string_value(json_object_get(json_array_get(patch, i), "op")),
			                "move") == 0;
		size_t moved = 0;
		for (size_t i = 0; i < d.n; i++)
			moved += d.changes[i].kind == SS_CHANGE_MOVED;
		ck_assert_uint_le(moves, moved);
		json_decref(patch);
		ss_diff_clear(&d);
		json_decref(old);
		json_decref(new_);
	}
}
END_TEST

/* ---- RFC 6902 appendix A, and errors ----------------------------------- */

static const struct {
	const char *name, *doc, *patch;
	const char *want;   /* resulting document, or NULL: the patch must fail */
	const char *why;    /* a part of the error message */
} apply_cases[] = {
	{ "A.1", "{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	  "{\"baz\":\"qux\",\"foo\":\"bar\"}", NULL },
	{ "A.2", "{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	  "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", NULL },
	{ "A.3", "{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]",
	  "{\"foo\":\"bar\"}", NULL },
	{ "A.4", "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
	  "{\"foo\":[\"bar\",\"baz\"]}", NULL },
	{ "A.5", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	  "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]", "{\"baz\":\"boo\",\"foo\":\"bar\"}",
	  NULL },
	{ "A.6", "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
	  "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
	  "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}", NULL },
	{ "A.7", "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	  "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	  "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", NULL },
	{ "A.8", "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	  "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	  "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	  "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", NULL },
	{ "A.9", "{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL,
	  "operation 0 (test \"/baz\"): test failed" },
	{ "A.10", "{\"foo\":\"bar\"}",
	  "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
	  "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}", NULL },
	{ "A.11", "{\"foo\":\"bar\"}",
	  "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]",
	  "{\"foo\":\"bar\",\"baz\":\"qux\"}", NULL },
	{ "A.12", "{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
	  NULL, "path not found" },
	/* A.13 (a duplicate "op" member) is the JSON parser's to refuse. */
	{ "A.14", "{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	  "{\"/\":9,\"~1\":10}", NULL },
	{ "A.15", "{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]",
	  NULL, "test failed" },
	{ "A.16", "{\"foo\":[\"bar\"]}",
	  "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	  "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", NULL },
	/* beyond the appendix */
	{ "root replace", "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]", "[1]", NULL },
	{ "root add", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":2}]", "2", NULL },
	{ "copy", "{\"a\":{\"b\":[1]},\"c\":[]}",
	  "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c/0\"},"
	  "{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":2}]",
	  "{\"a\":{\"b\":[1,2]},\"c\":[{\"b\":[1]}]}", NULL },
	{ "copy root into itself", "{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"\",\"path\":\"/b\"}]",
	  "{\"a\":1,\"b\":{\"a\":1}}", NULL },
	{ "move to itself", "{\"a\":[1,2]}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]",
	  "{\"a\":[1,2]}", NULL },
	{ "move to the end", "{\"a\":[1,2,3]}", "[{\"op\":\"move\",\"from\":\"/a/0\",\"path\":\"/a/-\"}]",
	  "{\"a\":[2,3,1]}", NULL },
	{ "add at the end index", "[1]", "[{\"op\":\"add\",\"path\":\"/1\",\"value\":2}]", "[1,2]", NULL },
	{ "escaped keys", "{}",
	  "[{\"op\":\"add\",\"path\":\"/a~1b\",\"value\":1},{\"op\":\"add\",\"path\":\"/m~0n\",\"value\":2},"
	  "{\"op\":\"add\",\"path\":\"/\",\"value\":3}]",
	  "{\"a/b\":1,\"m~n\":2,\"\":3}", NULL },
	{ "numeric key in an object", "{\"01\":1}", "[{\"op\":\"remove\",\"path\":\"/01\"}]", "{}", NULL },
	{ "leading zero", "{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/01\"}]", NULL,
	  "leading zero" },
	{ "index past the end", "{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":0}]",
	  NULL, "out of range" },
	{ "remove past the end", "{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/2\"}]", NULL,
	  "out of range" },
	{ "dash is not an element", "{\"a\":[1]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]", NULL,
	  "'-'" },
	{ "not an index", "{\"a\":[1]}", "[{\"op\":\"replace\",\"path\":\"/a/x\",\"value\":0}]", NULL,
	  "must be a number" },
	{ "negative index", "{\"a\":[1]}", "[{\"op\":\"test\",\"path\":\"/a/-1\",\"value\":1}]", NULL,
	  "must be a number" },
	{ "through a scalar", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a/b/c\",\"value\":0}]", NULL,
	  "not an object or array" },
	{ "into a scalar", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":0}]", NULL,
	  "not an object or array" },
	{ "remove missing", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL,
	  "operation 0 (remove \"/b\"): path not found" },
	{ "replace missing", "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", NULL,
	  "path not found" },
	{ "move into its own child", "{\"a\":{\"b\":{}}}",
	  "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]", NULL, "its own children" },
	{ "move from missing", "{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/y\"}]", NULL,
	  "path not found" },
	{ "second operation fails", "{\"a\":1}",
	  "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},{\"op\":\"remove\",\"path\":\"/zz\"}]", NULL,
	  "operation 1 (remove \"/zz\")" },
	/* shape errors: found before anything changes */
	{ "not an array", "{}", "{\"op\":\"add\"}", NULL, "array of operations" },
	{ "not an object", "{}", "[1]", NULL, "operation 0: an operation must be an object" },
	{ "unknown op", "{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", NULL, "unknown \"op\"" },
	{ "no op", "{}", "[{\"path\":\"/a\"}]", NULL, "missing \"op\"" },
	{ "no path", "{}", "[{\"op\":\"remove\"}]", NULL, "missing \"path\"" },
	{ "no value", "{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", NULL, "missing \"value\"" },
	{ "null value is a value", "{}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":null}]",
	  "{\"a\":null}", NULL },
	{ "no from", "{}", "[{\"op\":\"copy\",\"path\":\"/a\"}]", NULL, "missing \"from\"" },
	{ "bad pointer", "{}", "[{\"op\":\"remove\",\"path\":\"a/b\"}]", NULL, "not a JSON Pointer" },
	{ "bad escape", "{}", "[{\"op\":\"remove\",\"path\":\"/a~2\"}]", NULL, "not a JSON Pointer" },
	{ "late shape error", "{\"a\":1}",
	  "[{\"op\":\"remove\",\"path\":\"/a\"},{\"op\":\"remove\",\"path\":7}]", NULL,
	  "operation 1: missing \"path\"" },
};

START_TEST(test_apply_cases)
{
	size_t i = (size_t)_i;
	json_error_t je;
	json_t *doc = json_loads(apply_cases[i].doc, JSON_DECODE_ANY, &je);
	json_t *patch = json_loads(apply_cases[i].patch, JSON_DECODE_ANY, &je);
	ck_assert_msg(doc && patch, "%s: bad test JSON", apply_cases[i].name);
	char *patch_text = compact(patch), *doc_text = compact(doc);
	char err[256] = "";
	ss_status st = ss_json_patch_apply(&doc, patch, err, sizeof err);
	if (apply_cases[i].want) {
		ck_assert_msg(st == SS_OK, "%s: %s", apply_cases[i].name, err);
		json_t *want = json_loads(apply_cases[i].want, JSON_DECODE_ANY, &je);
		ck_assert(want != NULL);
		char *got = compact(doc);
		ck_assert_msg(ss_json_equal(doc, want), "%s: got %s", apply_cases[i].name, got);
		free(got);
		json_decref(want);
	} else {
		ck_assert_msg(st == SS_INPUT, "%s: status %d", apply_cases[i].name, st);
		ck_assert_msg(strstr(err, apply_cases[i].why) != NULL, "%s: message '%s'",
		              apply_cases[i].name, err);
		/* a malformed patch changes nothing */
		if (strstr(err, "):") == NULL) {
			char *now = compact(doc);
			ck_assert_str_eq(now, doc_text);
			free(now);
		}
	}
	char *after = compact(patch);
	ck_assert_str_eq(after, patch_text); /* the patch is never modified */
	free(after);
	free(patch_text);
	free(doc_text);
	json_decref(doc);
	json_decref(patch);
}
END_TEST

START_TEST(test_patch_values_not_shared)
{
	json_t *doc = json_pack("{s:[]}", "a");
	json_t *patch = json_loads("[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":{\"x\":[1]}}]", 0, NULL);
	ck_assert_int_eq(ss_json_patch_apply(&doc, patch, NULL, 0), SS_OK);
	json_t *added = json_array_get(json_object_get(doc, "a"), 0);
	json_t *given = json_object_get(json_array_get(patch, 0), "value");
	ck_assert_ptr_ne(added, given);
	ck_assert_ptr_ne(json_object_get(added, "x"), json_object_get(given, "x"));
	/* changing the document leaves the patch as it was */
	json_array_append_new(json_object_get(added, "x"), json_integer(2));
	ck_assert_uint_eq(json_array_size(json_object_get(given, "x")), 1);
	json_decref(doc);
	json_decref(patch);

	/* a patch from a diff owns copies too */
	json_t *a = json_pack("{s:i}", "k", 1), *b = json_pack("{s:{s:i}}", "k", "z", 1);
	patch = ss_json_patch_make(a, b, NULL);
	ck_assert_ptr_ne(json_object_get(json_array_get(patch, 0), "value"), json_object_get(b, "k"));
	json_decref(patch);
	json_decref(a);
	json_decref(b);
}
END_TEST

/* ---- merge patch: RFC 7396 appendix A ----------------------------------- */

static const struct {
	const char *target, *patch, *want;
} merge_cases[] = {
	{ "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
	{ "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}" },
	{ "{\"a\":\"b\"}", "{\"a\":null}", "{}" },
	{ "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}" },
	{ "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
	{ "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}" },
	{ "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}" },
	{ "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}" },
	{ "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]" },
	{ "{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]" },
	{ "{\"a\":\"foo\"}", "null", "null" },
	{ "{\"a\":\"foo\"}", "\"bar\"", "\"bar\"" },
	{ "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}" },
	{ "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}" },
	{ "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" },
};

START_TEST(test_merge_cases)
{
	size_t i = (size_t)_i;
	json_t *doc = json_loads(merge_cases[i].target, JSON_DECODE_ANY, NULL);
	json_t *patch = json_loads(merge_cases[i].patch, JSON_DECODE_ANY, NULL);
	json_t *want = json_loads(merge_cases[i].want, JSON_DECODE_ANY, NULL);
	ck_assert(doc && patch && want);
	ck_assert_int_eq(ss_merge_patch_apply(&doc, patch, NULL, 0), SS_OK);
	char *got = compact(doc);
	ck_assert_msg(ss_json_equal(doc, want), "case %zu: got %s", i, got);
	free(got);
	json_decref(doc);
	json_decref(patch);
	json_decref(want);
}
END_TEST

START_TEST(test_merge_make)
{
	char err[256];
	json_t *p;
	json_t *a = json_loads("{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":1,\"e\":null}", 0, NULL);
	json_t *b = json_loads("{\"a\":{\"b\":2,\"c\":[1,2]},\"e\":null,\"f\":[null]}", 0, NULL);
	ck_assert_int_eq(ss_merge_patch_make(a, b, &p, err, sizeof err), SS_OK);
	json_t *want = json_loads("{\"a\":{\"b\":2},\"d\":null,\"f\":[null]}", 0, NULL);
	ck_assert(ss_json_equal(p, want));
	json_decref(want);
	json_decref(p);
	/* unchanged: an empty patch */
	ck_assert_int_eq(ss_merge_patch_make(a, a, &p, err, sizeof err), SS_OK);
	ck_assert_uint_eq(json_object_size(p), 0);
	json_decref(p);
	json_decref(a);
	json_decref(b);

	static const struct {
		const char *old, *new_, *path;
	} bad[] = {
		{ "{\"a\":1}", "{\"a\":null}", ".a" },
		{ "{}", "{\"x\":{\"y\":{\"z\":null}}}", ".x.y.z" },
		{ "{\"x\":{\"q\":1}}", "{\"x\":{\"q\":1,\"y\":{\"z\":null}}}", ".x.y.z" },
		{ "[1]", "{\"k\":null}", ".k" },
		{ "{\"x\":{\"p\":[]}}", "{\"x\":{\"p\":{\"a/b\":null}}}", ".x.p[\"a/b\"]" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = json_loads(bad[i].old, JSON_DECODE_ANY, NULL);
		b = json_loads(bad[i].new_, JSON_DECODE_ANY, NULL);
		p = (json_t *)1;
		ck_assert_int_eq(ss_merge_patch_make(a, b, &p, err, sizeof err), SS_USAGE);
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(err, bad[i].path) != NULL, "case %zu: %s", i, err);
		json_decref(a);
		json_decref(b);
	}
}
END_TEST

/* ---- depth ------------------------------------------------------------- */

static void free_chain(json_t *v)
{
	while (v) {
		json_t *next = NULL;
		if (json_is_object(v)) {
			json_t *c = json_object_get(v, "n");
			next = c ? json_incref(c) : NULL;
			json_object_clear(v);
		}
		json_decref(v);
		v = next;
	}
}

START_TEST(test_deep_patches)
{
	const size_t depth = 100000;
	json_t *a = json_pack("{s:i}", "leaf", 1), *b = json_pack("{s:i}", "leaf", 1);
	for (size_t i = 0; i < depth; i++) {
		a = json_pack("{s:o,s:i}", "n", a, "k", 1);
		b = json_pack("{s:o,s:i}", "n", b, "k", i == 50000 ? 2 : 1);
	}
	json_t *patch = ss_json_patch_make(a, b, NULL);
	ck_assert_uint_eq(json_array_size(patch), 1);
	json_t *doc = ss_json_copy(a);
	ck_assert_int_eq(ss_json_patch_apply(&doc, patch, NULL, 0), SS_OK);
	ck_assert(ss_json_equal(doc, b));
	json_decref(patch);
	json_t *merge;
	ck_assert_int_eq(ss_merge_patch_make(a, b, &merge, NULL, 0), SS_OK);
	free_chain(doc);
	doc = ss_json_copy(a);
	ck_assert_int_eq(ss_merge_patch_apply(&doc, merge, NULL, 0), SS_OK);
	ck_assert(ss_json_equal(doc, b));
	free_chain(merge);
	free_chain(doc);
	free_chain(a);
	free_chain(b);
}
END_TEST

Suite *patch_suite(void); /* for check_main.c */

Suite *patch_suite(void)
{
	Suite *s = suite_create("patch");
	TCase *tc = tcase_create("round trips");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_generated_round_trips);
	tcase_add_test(tc, test_shuffled_records);
	tcase_add_test(tc, test_deep_patches);
	suite_add_tcase(s, tc);
	tc = tcase_create("apply");
	tcase_add_loop_test(tc, test_apply_cases, 0, (int)(sizeof apply_cases / sizeof apply_cases[0]));
	tcase_add_test(tc, test_patch_values_not_shared);
	tcase_add_loop_test(tc, test_merge_cases, 0, (int)(sizeof merge_cases / sizeof merge_cases[0]));
	tcase_add_test(tc, test_merge_make);
	suite_add_tcase(s, tc);
	return s;
}
