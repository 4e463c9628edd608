/*
 * check_jtree.c - the folding tree model of the detail pane (tui/jtree.c):
 * which rows are visible for a given fold state, folding and unfolding,
 * expand/collapse all, search order with wrap-around, the focus's path,
 * fold state kept across documents, and documents at the limits (2,000
 * levels deep, a 1,000,000-element array) where every operation must stay
 * bounded: the checks there are about rows produced, never about time.
 *
 * Rows are compared as one line of text: each row is its depth in dots,
 * then `key:` for a member, then `{` `}` `[` `]` for an open container's
 * rows, `{N}` / `[N]` for a folded one (N children), `{}` / `[]` empty, or
 * the scalar as compact JSON; the focused row starts with `>`.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jtree.h"

#define ROWS 64

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	ck_assert_msg(v != NULL, "%s", e.text);
	return v;
}

/* A tree showing `text`, `height` rows tall. */
static struct jtree *tree_of(const char *text, size_t height)
{
	struct jtree *t = jtree_new();
	ck_assert_ptr_nonnull(t);
	json_t *doc = parse(text);
	ck_assert(jtree_set_doc(t, doc));
	json_decref(doc); /* the tree keeps its own reference */
	jtree_set_height(t, height);
	return t;
}

static const char *show(struct jtree *t)
{
	static char buf[4096];
	struct jtree_row rows[ROWS];
	size_t n = jtree_rows(t, rows, ROWS);
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct jtree_row *r = &rows[i];
		char one[256], val[128] = "";
		bool obj = json_is_object(r->value);
		switch (r->kind) {
		case JTREE_SCALAR: {
			char *d = json_dumps(r->value, JSON_ENCODE_ANY | JSON_COMPACT);
			snprintf(val, sizeof val, "%s", d ? d : "?");
			free(d);
			break;
		}
		case JTREE_EMPTY: snprintf(val, sizeof val, obj ? "{}" : "[]"); break;
		case JTREE_FOLDED:
			snprintf(val, sizeof val, obj ? "{%zu}" : "[%zu]", r->count);
			break;
		case JTREE_OPEN: snprintf(val, sizeof val, obj ? "{" : "["); break;
		case JTREE_CLOSE: snprintf(val, sizeof val, obj ? "}" : "]"); break;
		}
		char dots[16];
		size_t d = r->depth < sizeof dots - 1 ? r->depth : sizeof dots - 1;
		memset(dots, '.', d);
		dots[d] = '\0';
		snprintf(one, sizeof one, "%s%s%s%.*s%s%s", i ? " " : "", r->focused ? ">" : "",
		         dots, (int)(r->key && r->kind != JTREE_CLOSE ? r->key_len : 0),
		         r->key ? r->key : "", r->key && r->kind != JTREE_CLOSE ? ":" : "", val);
		size_t ol = strlen(one);
		if (len + ol < sizeof buf) {
			memcpy(buf + len, one, ol + 1);
			len += ol;
		}
	}
	return buf;
}

/* The focused node's path, jq-style, in a static buffer. */
static const char *focus_jq(struct jtree *t)
{
	static char buf[256];
	ss_path p = { 0 };
	ck_assert(jtree_focus_path(t, &p));
	char *jq = ss_path_format_jq(&p);
	ck_assert_ptr_nonnull(jq);
	snprintf(buf, sizeof buf, "%s", jq);
	free(jq);
	ss_path_clear(&p);
	return buf;
}

static const char small_doc[] =
	"{\"a\":1,\"b\":{\"x\":true,\"y\":[1,2]},\"c\":[],\"d\":\"Hello\"}";

/* ---- visible rows ----------------------------------------------------------- */

START_TEST(test_default_top_level_open)
{
	struct jtree *t = tree_of(small_doc, 20);
	ck_assert_str_eq(show(t), ">{ .a:1 .b:{2} .c:[] .d:\"Hello\" }");
	struct jtree_row rows[ROWS];
	size_t n = jtree_rows(t, rows, ROWS);
	ck_assert_uint_eq(n, 6);
	ck_assert(!rows[1].last);       /* "a": 1, */
	ck_assert(rows[4].last);        /* "d" is the last member: no comma */
	ck_assert_uint_eq(rows[2].index, 1);
	jtree_free(t);
}
END_TEST

START_TEST(test_scalar_and_empty_roots)
{
	struct jtree *t = tree_of("\"just a string\"", 5);
	ck_assert_str_eq(show(t), ">\"just a string\"");
	jtree_move(t, 3);
	ck_assert_str_eq(show(t), ">\"just a string\"");
	ck_assert_str_eq(focus_jq(t), ".");
	jtree_free(t);
	t = tree_of("[]", 5);
	ck_assert_str_eq(show(t), ">[]");
	ck_assert(jtree_toggle(t));
	ck_assert_str_eq(show(t), ">[]");
	jtree_free(t);
}
END_TEST

START_TEST(test_move_and_scroll)
{
	struct jtree *t = tree_of(small_doc, 3);
	ck_assert_str_eq(show(t), ">{ .a:1 .b:{2}");
	jtree_move(t, 2);
	ck_assert_str_eq(show(t), "{ .a:1 >.b:{2}");
	jtree_move(t, 1); /* off the bottom: the view scrolls one row */
	ck_assert_str_eq(show(t), ".a:1 .b:{2} >.c:[]");
	ck_assert_uint_eq(jtree_focus_offset(t), 2);
	jtree_move(t, 100); /* stops at the last row */
	ck_assert_str_eq(show(t), ".c:[] .d:\"Hello\" >}");
	jtree_move(t, -3);
	ck_assert_str_eq(show(t), ">.b:{2} .c:[] .d:\"Hello\"");
	jtree_first(t);
	ck_assert_str_eq(show(t), ">{ .a:1 .b:{2}");
	jtree_last(t);
	ck_assert_str_eq(show(t), ".c:[] .d:\"Hello\" >}");
	ck_assert(jtree_focus_at(t, 0));
	ck_assert_str_eq(focus_jq(t), ".c");
	ck_assert(!jtree_focus_at(t, 3));
	jtree_free(t);
}
END_TEST

/* ---- folding ----------------------------------------------------------------- */

START_TEST(test_expand_collapse_toggle)
{
	struct jtree *t = tree_of(small_doc, 20);
	jtree_move(t, 2);
	ck_assert_str_eq(focus_jq(t), ".b");
	ck_assert(jtree_expand(t));
	ck_assert_str_eq(show(t), "{ .a:1 >.b:{ ..x:true ..y:[2] .} .c:[] .d:\"Hello\" }");
	ck_assert(jtree_expand(t)); /* already open: to the first child */
	ck_assert_str_eq(focus_jq(t), ".b.x");
	jtree_move(t, 1);
	ck_assert(jtree_toggle(t));
	ck_assert_str_eq(show(t), "{ .a:1 .b:{ ..x:true >..y:[ ...1 ...2 ..] .} .c:[] .d:\"Hello\" }");
	jtree_move(t, 3); /* the closing row of .b.y */
	ck_assert_str_eq(focus_jq(t), ".b.y");
	ck_assert(jtree_collapse(t)); /* from the closing row: folds it, focus on its row */
	ck_assert_str_eq(show(t), "{ .a:1 .b:{ ..x:true >..y:[2] .} .c:[] .d:\"Hello\" }");
	ck_assert(jtree_collapse(t)); /* already closed: to the parent */
	ck_assert_str_eq(focus_jq(t), ".b");
	ck_assert(jtree_collapse(t));
	ck_assert_str_eq(show(t), "{ .a:1 >.b:{2} .c:[] .d:\"Hello\" }");
	ck_assert(jtree_collapse(t));
	ck_assert_str_eq(focus_jq(t), ".");
	ck_assert(jtree_toggle(t)); /* the root folds too */
	ck_assert_str_eq(show(t), ">{4}");
	ck_assert(jtree_toggle(t));
	/* an open .b.y stays open while .b is closed: fold state is per path */
	jtree_move(t, 2);
	ck_assert(jtree_toggle(t));
	jtree_move(t, 2);
	ck_assert(jtree_toggle(t));
	jtree_move(t, -2);
	ck_assert(jtree_toggle(t));
	ck_assert_str_eq(show(t), "{ .a:1 >.b:{2} .c:[] .d:\"Hello\" }");
	ck_assert(jtree_toggle(t));
	ck_assert_str_eq(show(t), "{ .a:1 >.b:{ ..x:true ..y:[ ...1 ...2 ..] .} .c:[] .d:\"Hello\" }");
	jtree_free(t);
}
END_TEST

START_TEST(test_expand_all_collapse_all)
{
	struct jtree *t = tree_of("{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}},\"e\":2}", 30);
	ck_assert(jtree_expand_all(t));
	ck_assert_str_eq(show(t), ">{ .a:{ ..b:{ ...c:[ ....1 ....{ .....d:null ....} ...] ..} .} .e:2 }");
	/* a fold inside expand-all mode is remembered as an exception */
	jtree_move(t, 3);
	ck_assert_str_eq(focus_jq(t), ".a.b.c");
	ck_assert(jtree_toggle(t));
	ck_assert_str_eq(show(t), "{ .a:{ ..b:{ >...c:[2] ..} .} .e:2 }");
	ck_assert(jtree_collapse_all(t));
	ck_assert_str_eq(show(t), "{ >.a:{1} .e:2 }");
	ck_assert_str_eq(focus_jq(t), ".a");
	jtree_free(t);
}
END_TEST

/* Opening and closing many paths exercises the path set's growth and its
 * deletions (a removal must not lose the members after it). */
START_TEST(test_many_folds)
{
	char text[8192];
	size_t len = 0;
	len += (size_t)snprintf(text + len, sizeof text - len, "[");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s[%d]", i ? "," : "", i);
	snprintf(text + len, sizeof text - len, "]");
	struct jtree *t = tree_of(text, ROWS);
	for (int i = 0; i < 300; i++) {
		jtree_move(t, 1);
		ck_assert(jtree_toggle(t));
		jtree_move(t, 2); /* over the element and the closing row */
	}
	/* close every other one again */
	jtree_first(t);
	for (int i = 0; i < 300; i++) {
		jtree_move(t, 1);
		if (i % 2 == 0) {
			ck_assert(jtree_toggle(t));
		} else {
			jtree_move(t, 2);
		}
	}
	jtree_first(t);
	/* even elements closed, odd ones open, as far as 64 rows go */
	char want[2048] = ">[";
	size_t rows = 1;
	for (int i = 0; rows < ROWS; i++) {
		char part[32];
		if (i % 2 == 0) {
			strcat(want, " .[1]");
			rows++;
			continue;
		}
		for (int k = 0; k < 3 && rows < ROWS; k++, rows++) {
			if (k == 1)
				snprintf(part, sizeof part, " ..%d", i);
			else
				snprintf(part, sizeof part, " .%s", k ? "]" : "[");
			strcat(want, part);
		}
	}
	ck_assert_str_eq(show(t), want);
	jtree_last(t);
	jtree_move(t, -1); /* the closing row of the open .[299] */
	ck_assert_str_eq(focus_jq(t), ".[299]");
	jtree_move(t, -1);
	ck_assert_str_eq(focus_jq(t), ".[299][0]");
	jtree_move(t, -2); /* over its opening row to the closed .[298] */
	ck_assert_str_eq(focus_jq(t), ".[298]");
	ck_assert_str_eq(show(t) + strlen(show(t)) - 19, ">.[1] .[ ..299 .] ]");
	jtree_free(t);
}
END_TEST

/* ---- search ---------------------------------------------------------------- */

static const char search_doc[] =
	"{\"name\":\"alpha\",\"items\":[{\"name\":\"Beta\",\"n\":42},{\"label\":\"ALPHABET\"}],"
	"\"deep\":{\"x\":{\"y\":{\"z\":\"alpha again\"}}},\"n\":3.5,\"ok\":true}";

START_TEST(test_search_order_and_wrap)
{
	struct jtree *t = tree_of(search_doc, 30);
	ck_assert(jtree_set_search(t, "ALPHA"));
	bool wrapped;
	ck_assert(jtree_search_next(t, true, &wrapped));
	ck_assert_str_eq(focus_jq(t), ".name");
	ck_assert(!wrapped);
	ck_assert(jtree_search_next(t, true, &wrapped));
	ck_assert_str_eq(focus_jq(t), ".items[1].label"); /* inside folded containers */
	ck_assert(jtree_search_next(t, true, &wrapped));
	ck_assert_str_eq(focus_jq(t), ".deep.x.y.z");
	/* its ancestors were opened: the match is a visible row */
	ck_assert_ptr_nonnull(strstr(show(t), ">....z:\"alpha again\""));
	ck_assert(jtree_search_next(t, true, &wrapped));
	ck_assert_str_eq(focus_jq(t), ".name");
	ck_assert(wrapped);
	ck_assert(jtree_search_next(t, false, &wrapped));
	ck_assert_str_eq(focus_jq(t), ".deep.x.y.z");
	ck_assert(wrapped);
	ck_assert(jtree_search_next(t, false, &wrapped));
	ck_assert_str_eq(focus_jq(t), ".items[1].label");
	ck_assert(!wrapped);

	/* member names match too; numbers and literals as JSON text */
	ck_assert(jtree_set_search(t, "label"));
	ck_assert(jtree_search_next(t, true, NULL));
	ck_assert_str_eq(focus_jq(t), ".items[1].label");
	ck_assert(jtree_search_next(t, true, NULL)); /* the only match: stays */
	ck_assert_str_eq(focus_jq(t), ".items[1].label");
	ck_assert(jtree_set_search(t, "42"));
	ck_assert(jtree_search_next(t, true, NULL));
	ck_assert_str_eq(focus_jq(t), ".items[0].n");
	ck_assert(jtree_set_search(t, "3.5"));
	ck_assert(jtree_search_next(t, true, NULL));
	ck_assert_str_eq(focus_jq(t), ".n");
	ck_assert(jtree_set_search(t, "TRU"));
	ck_assert(jtree_search_next(t, true, NULL));
	ck_assert_str_eq(focus_jq(t), ".ok");
	ck_assert(jtree_set_search(t, "nowhere"));
	ck_assert(!jtree_search_next(t, true, NULL));
	ck_assert_str_eq(focus_jq(t), ".ok"); /* the focus stays */
	ck_assert(jtree_set_search(t, ""));
	ck_assert(!jtree_search_next(t, true, NULL));
	jtree_free(t);
}
END_TEST

START_TEST(test_search_marks_rows)
{
	struct jtree *t = tree_of(search_doc, 30);
	ck_assert(jtree_set_search(t, "alpha"));
	struct jtree_row rows[ROWS];
	size_t n = jtree_rows(t, rows, ROWS);
	ck_assert_uint_ge(n, 2);
	ck_assert(!rows[0].match);
	ck_assert(rows[1].match); /* "name": "alpha" */
	ck_assert(!rows[2].match);
	jtree_free(t);
}
END_TEST

/* ---- across documents ----------------------------------------------------------- */

START_TEST(test_fold_state_across_documents)
{
	struct jtree *t = tree_of("{\"a\":1,\"b\":{\"x\":1,\"y\":{\"z\":1}},\"c\":2}", 30);
	jtree_move(t, 2);
	ck_assert(jtree_expand(t));
	jtree_move(t, 2);
	ck_assert(jtree_expand(t));
	jtree_move(t, 1);
	ck_assert_str_eq(focus_jq(t), ".b.y.z");

	/* the same paths, other values, a member more in front */
	json_t *doc = parse("{\"new\":0,\"a\":1,\"b\":{\"x\":5,\"y\":{\"z\":6,\"w\":7}},\"c\":3}");
	ck_assert(jtree_set_doc(t, doc));
	json_decref(doc);
	ck_assert_str_eq(focus_jq(t), ".b.y.z");
	ck_assert_str_eq(show(t), "{ .new:0 .a:1 .b:{ ..x:5 ..y:{ >...z:6 ...w:7 ..} .} .c:3 }");

	/* .b.y.z gone: the focus goes to its deepest existing ancestor */
	doc = parse("{\"b\":{\"y\":{}}}");
	ck_assert(jtree_set_doc(t, doc));
	json_decref(doc);
	ck_assert_str_eq(focus_jq(t), ".b.y");
	ck_assert_str_eq(show(t), "{ .b:{ >..y:{} .} }");

	/* and back: the fold state was kept all along */
	doc = parse("{\"b\":{\"y\":{\"z\":true}}}");
	ck_assert(jtree_set_doc(t, doc));
	json_decref(doc);
	ck_assert_str_eq(show(t), "{ .b:{ >..y:{ ...z:true ..} .} }");

	/* a type change at a path: an array where an object was */
	doc = parse("{\"b\":[1,2]}");
	ck_assert(jtree_set_doc(t, doc));
	json_decref(doc);
	ck_assert_str_eq(focus_jq(t), ".b");
	ck_assert_str_eq(show(t), "{ >.b:[ ..1 ..2 .] }");
	jtree_free(t);
}
END_TEST

START_TEST(test_focus_keeps_its_place_on_screen)
{
	char text[4096];
	size_t len = (size_t)snprintf(text, sizeof text, "{");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s\"k%d\":%d", i ? "," : "", i, i);
	snprintf(text + len, sizeof text - len, "}");
	struct jtree *t = tree_of(text, 10);
	jtree_move(t, 50);
	ck_assert_str_eq(focus_jq(t), ".k49");
	size_t off = jtree_focus_offset(t);
	ck_assert_uint_eq(off, 9);
	jtree_move(t, -4);
	off = jtree_focus_offset(t);
	ck_assert_uint_eq(off, 5);
	json_t *doc = parse(text);
	ck_assert(jtree_set_doc(t, doc));
	json_decref(doc);
	ck_assert_str_eq(focus_jq(t), ".k45");
	ck_assert_uint_eq(jtree_focus_offset(t), off);
	jtree_free(t);
}
END_TEST

START_TEST(test_nothing_shown)
{
	struct jtree *t = jtree_new();
	ck_assert_ptr_nonnull(t);
	jtree_set_height(t, 5);
	struct jtree_row rows[4];
	ck_assert_uint_eq(jtree_rows(t, rows, 4), 0);
	jtree_move(t, 1);
	jtree_last(t);
	ck_assert(jtree_toggle(t));
	ck_assert(jtree_set_search(t, "x"));
	ck_assert(!jtree_search_next(t, true, NULL));
	ss_path p = { 0 };
	ck_assert(!jtree_focus_path(t, &p));
	ck_assert(jtree_set_doc(t, NULL));
	jtree_free(t);
}
END_TEST

/* ---- at the limits ----------------------------------------------------------- */

/* {"d":{"d":...{"d":"bottom"}...}} with `levels` objects, built without
 * recursion. */
static json_t *deep_doc(int levels)
{
	json_t *v = json_string("bottom");
	for (int i = 0; i < levels; i++) {
		json_t *o = json_object();
		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(json_object_set_new(o, "d", v), 0);
		v = o;
	}
	return v;
}

START_TEST(test_deep_nesting)
{
	struct jtree *t = jtree_new();
	json_t *doc = deep_doc(2000);
	ck_assert(jtree_set_doc(t, doc));
	jtree_set_height(t, 40);
	ck_assert(jtree_expand_all(t));
	jtree_last(t);
	struct jtree_row rows[40];
	size_t n = jtree_rows(t, rows, 40);
	ck_assert_uint_eq(n, 40);
	ck_assert(rows[39].focused);
	ck_assert_int_eq(rows[39].kind, JTREE_CLOSE);
	ck_assert_uint_eq(rows[39].depth, 0);
	ck_assert_uint_eq(rows[0].depth, 39);
	jtree_move(t, -2000); /* up to the scalar at the bottom */
	n = jtree_rows(t, rows, 40);
	size_t off = jtree_focus_offset(t);
	ck_assert_int_eq(rows[off].kind, JTREE_SCALAR);
	ck_assert_uint_eq(rows[off].depth, 2000);
	ss_path p = { 0 };
	ck_assert(jtree_focus_path(t, &p));
	ck_assert_uint_eq(p.n, 2000);
	ss_path_clear(&p);

	/* search down there from the top, with everything folded */
	ck_assert(jtree_collapse_all(t));
	jtree_first(t);
	ck_assert(jtree_set_search(t, "bottom"));
	ck_assert(jtree_search_next(t, true, NULL));
	ck_assert(jtree_focus_path(t, &p));
	ck_assert_uint_eq(p.n, 2000);
	ss_path_clear(&p);
	ck_assert(jtree_search_next(t, false, NULL)); /* backwards, wrapping */
	ck_assert(jtree_focus_path(t, &p));
	ck_assert_uint_eq(p.n, 2000);
	ss_path_clear(&p);

	/* and the fold state resolves in a copy of the document */
	json_t *copy = deep_doc(2000);
	ck_assert(jtree_set_doc(t, copy));
	ck_assert(jtree_focus_path(t, &p));
	ck_assert_uint_eq(p.n, 2000);
	ss_path_clear(&p);
	json_decref(copy);
	json_decref(doc);
	jtree_free(t);
}
END_TEST

#define BIG 1000000

START_TEST(test_million_elements)
{
	json_t *doc = json_array();
	for (int i = 0; i < BIG; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "i", json_integer(i));
		json_array_append_new(doc, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "big", doc);
	struct jtree *t = jtree_new();
	ck_assert(jtree_set_doc(t, root));
	jtree_set_height(t, 30);
	ck_assert_str_eq(show(t), ">{ .big:[1000000] }");
	jtree_move(t, 1);
	ck_assert(jtree_expand(t));
	jtree_last(t);
	jtree_move(t, -2);
	ck_assert_str_eq(focus_jq(t), ".big[999999]");
	jtree_move(t, -30);
	ck_assert_str_eq(focus_jq(t), ".big[999969]");
	/* expand all: lazily; the end of the document is one step away */
	ck_assert(jtree_expand_all(t));
	jtree_last(t);
	struct jtree_row rows[30];
	ck_assert_uint_eq(jtree_rows(t, rows, 30), 30);
	ck_assert_int_eq(rows[29].kind, JTREE_CLOSE);
	ck_assert_int_eq(rows[28].kind, JTREE_CLOSE);
	ck_assert_int_eq(rows[27].kind, JTREE_CLOSE);
	ck_assert_int_eq(rows[26].kind, JTREE_SCALAR);
	ck_assert_int_eq(json_integer_value(rows[26].value), BIG - 1);
	/* paging from the end */
	jtree_move(t, -29 * 3);
	ck_assert_str_eq(focus_jq(t), ".big[999971].i");
	/* a search over the whole array, backwards from the top */
	ck_assert(jtree_collapse_all(t));
	jtree_first(t);
	ck_assert(jtree_set_search(t, "999998"));
	bool wrapped;
	ck_assert(jtree_search_next(t, false, &wrapped));
	ck_assert(wrapped);
	ck_assert_str_eq(focus_jq(t), ".big[999998].i");
	jtree_free(t);
	json_decref(root);
}
END_TEST

/* A large object: members are reached through the member table, in the
 * document's order, both ways. */
START_TEST(test_large_object)
{
	json_t *doc = json_object();
	char key[32];
	for (int i = 0; i < 50000; i++) {
		snprintf(key, sizeof key, "m%05d", 49999 - i); /* not sorted */
		json_object_set_new(doc, key, json_integer(i));
	}
	struct jtree *t = jtree_new();
	ck_assert(jtree_set_doc(t, doc));
	jtree_set_height(t, 5);
	jtree_last(t);
	ck_assert_str_eq(show(t), ".m00003:49996 .m00002:49997 .m00001:49998 .m00000:49999 >}");
	jtree_move(t, -25000);
	ck_assert_str_eq(focus_jq(t), ".m24999");
	json_t *copy = json_deep_copy(doc);
	ck_assert(jtree_set_doc(t, copy));
	ck_assert_str_eq(focus_jq(t), ".m24999");
	jtree_move(t, -1);
	ck_assert_str_eq(focus_jq(t), ".m25000");
	json_decref(copy);
	json_decref(doc);
	jtree_free(t);
}
END_TEST

Suite *jtree_suite(void); /* for check_main.c */

Suite *jtree_suite(void)
{
	Suite *s = suite_create("jtree");
	TCase *tc = tcase_create("rows");
	tcase_add_test(tc, test_default_top_level_open);
	tcase_add_test(tc, test_scalar_and_empty_roots);
	tcase_add_test(tc, test_move_and_scroll);
	tcase_add_test(tc, test_expand_collapse_toggle);
	tcase_add_test(tc, test_expand_all_collapse_all);
	tcase_add_test(tc, test_many_folds);
	tcase_add_test(tc, test_search_order_and_wrap);
	tcase_add_test(tc, test_search_marks_rows);
	tcase_add_test(tc, test_fold_state_across_documents);
	tcase_add_test(tc, test_focus_keeps_its_place_on_screen);
	tcase_add_test(tc, test_nothing_shown);
	suite_add_tcase(s, tc);

	/* Building the big documents takes a while under the sanitizers; the
	 * tree's operations on them do not. */
	TCase *big = tcase_create("scale");
	tcase_set_timeout(big, 120);
	tcase_add_test(big, test_deep_nesting);
	tcase_add_test(big, test_million_elements);
	tcase_add_test(big, test_large_object);
	suite_add_tcase(s, big);
	return s;
}
