/*
 * check_input.c - states coming in (model/state_input.c): what the parser
 * rejects and the exact message, what it accepts, jansson's depth limit at
 * its exact boundary, the size limit while reading a pipe, and
 * ss_state_check() on values built in C.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snapscope.h"
#include "state_check.h"
#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* A literal with its length, so inputs may hold any byte. */
#define BYTES(s) s, sizeof(s) - 1

/* Rejected inputs and the whole message each must give. */
static const struct {
	const char *input;
	size_t len;
	ss_status status;
	const char *message;
} reject_cases[] = {
	{ BYTES("[1,"), SS_INPUT, "state.json:1:3: ']' expected near end of file" },
	{ BYTES("{\"a\":"), SS_INPUT, "state.json:1:5: unexpected token near end of file" },
	{ BYTES("\"abc"), SS_INPUT, "state.json:1:4: premature end of input near '\"abc'" },
	{ BYTES("[1,]"), SS_INPUT, "state.json:1:4: unexpected token near ']'" },
	{ BYTES("{\"a\" 1}"), SS_INPUT, "state.json:1:6: ':' expected near '1'" },
	{ BYTES("{\"a\":1,\n  \"a\":2}"), SS_INPUT, "state.json:2:5: duplicate object key near '\"a\"'" },
	{ BYTES("{\"x\":{\"k\":1,\"k\":1}}"), SS_INPUT, "state.json:1:15: duplicate object key near '\"k\"'" },
	{ BYTES("[\"a\\u0000b\"]"), SS_INPUT,
	  "state.json:1:11: \\u0000 in a string is not allowed near '\"a\\u0000b\"'" },
	{ BYTES("{\"k\\u0000\":1}"), SS_INPUT,
	  "state.json:1:10: \\u0000 in an object key is not allowed near '\"k\\u0000\"'" },
	{ BYTES("18446744073709551616"), SS_INPUT,
	  "state.json:1:20: integer beyond 64 bits near '18446744073709551616'" },
	{ BYTES("9223372036854775808"), SS_INPUT,
	  "state.json:1:19: integer beyond 64 bits near '9223372036854775808'" },
	{ BYTES("-9223372036854775809"), SS_INPUT,
	  "state.json:1:20: integer beyond 64 bits near '-9223372036854775809'" },
	{ BYTES("1e400"), SS_INPUT, "state.json:1:5: number too large for a double near '1e400'" },
	{ BYTES("[-1e400]"), SS_INPUT, "state.json:1:7: number too large for a double near '-1e400'" },
	{ BYTES("NaN"), SS_INPUT, "state.json:1:3: invalid token near 'NaN'" },
	{ BYTES("[Infinity]"), SS_INPUT, "state.json:1:9: invalid token near 'Infinity'" },
	{ BYTES("-Infinity"), SS_INPUT, "state.json:1:1: invalid token near '-'" },
	{ BYTES("\"\377\""), SS_INPUT, "state.json:1:1: unable to decode byte 0xff near '\"'" },
	/* overlong "/" and a UTF-16 surrogate written in UTF-8 */
	{ BYTES("\"\300\257\""), SS_INPUT, "state.json:1:1: unable to decode byte 0xc0 near '\"'" },
	{ BYTES("\"\355\240\200\""), SS_INPUT, "state.json:1:1: unable to decode byte 0xed near '\"'" },
	{ BYTES("\"\\ud800\""), SS_INPUT, "state.json:1:8: invalid Unicode '\\uD800' near '\"\\ud800\"'" },
	{ BYTES("\"\\udc00x\""), SS_INPUT, "state.json:1:9: invalid Unicode '\\uDC00' near '\"\\udc00x\"'" },
	{ BYTES("[1] x"), SS_INPUT, "state.json:1:5: end of file expected near 'x'" },
	{ BYTES("{} {}"), SS_INPUT, "state.json:1:4: end of file expected near '{'" },
	{ BYTES(""), SS_INPUT, "state.json: empty input" },
	{ BYTES(" \n\t\r "), SS_INPUT, "state.json: empty input" },
	{ BYTES("\357\273\277{}"), SS_INPUT,
	  "state.json:1:1: byte order mark (U+FEFF) before the JSON text" },
	/* Text quoted from the input never carries a raw control character. */
	{ BYTES("\"a\001b\""), SS_INPUT, "state.json:1:2: control character 0x1 near '\"a'" },
	{ BYTES("\033[31m"), SS_INPUT, "state.json:1:1: invalid token near '\\u001b'" },
	{ BYTES("\"a\302\233b"), SS_INPUT, "state.json:1:4: premature end of input near '\"a\\u009bb'" },
	{ BYTES("\"\342\200\256abc"), SS_INPUT, "state.json:1:5: premature end of input near '\"\\u202eabc'" },
	/* the size limit (10 bytes for this row) comes before any parsing */
	{ BYTES("[1,2,3,4,5]"), SS_LIMIT, "state.json: state larger than the 10 bytes limit" },
};

START_TEST(test_reject_table)
{
	for (size_t i = 0; i < N_ELEMS(reject_cases); i++) {
		char err[512];
		json_t *v = json_true();    /* must come back NULL */
		size_t max = reject_cases[i].status == SS_LIMIT ? 10 : 1000;
		ss_status st = ss_state_parse(reject_cases[i].input, reject_cases[i].len, max,
		                              "state.json", &v, err, sizeof err);
		ck_assert_msg(st == reject_cases[i].status, "case %zu: status %d (%s)", i, (int)st, err);
		ck_assert_ptr_null(v);
		ck_assert_str_eq(err, reject_cases[i].message);
		ck_assert(ss_text_is_safe(err, strlen(err)));
	}
}
END_TEST

/* Any JSON value is a state, a top-level scalar included. */
static const struct {
	const char *input;
	const char *canon;
} accept_cases[] = {
	{ "1", "1" },
	{ " 7 \n", "7" },
	{ "-0.5", "-0.5" },
	{ "\"s\"", "\"s\"" },
	{ "null", "null" },
	{ "true", "true" },
	{ "[]", "[]" },
	{ "{}", "{}" },
	{ "-9223372036854775808", "-9223372036854775808" },
	{ "1e308", "1e+308" },
	{ "4.9e-324", "5e-324" },
	{ "1e-400", "0.0" },            /* underflow is not an error, as in Python */
	{ "{\"b\":[1,{\"c\":null}],\"a\":\"\\u00e9\"}", "{\"a\":\"\303\251\",\"b\":[1,{\"c\":null}]}" },
	{ "1234567890", "1234567890" },   /* exactly the 10-byte limit of the loop */
};

START_TEST(test_accept_table)
{
	for (size_t i = 0; i < N_ELEMS(accept_cases); i++) {
		char err[256];
		json_t *v = NULL;
		const char *in = accept_cases[i].input;
		size_t max = strlen(in) > 10 ? strlen(in) : 10;
		ck_assert_msg(ss_state_parse(in, strlen(in), max, "x", &v, err, sizeof err) == SS_OK,
		              "%s: %s", in, err);
		ck_assert_str_eq(err, "");
		char *s = ss_json_dump(v, SS_DUMP_SORT_KEYS, NULL);
		ck_assert_str_eq(s, accept_cases[i].canon);
		free(s);
		ck_assert_int_eq(ss_state_check(v, SS_DEPTH_MAX, err, sizeof err), SS_OK);
		json_decref(v);
	}
}
END_TEST

/* n nested containers ("[[[...]]]" or "{"a":{"a":...}}"), with a scalar
 * in the innermost one or not. */
static char *nested_text(size_t n, bool objects, bool leaf, size_t *len)
{
	char *b = malloc(6 * n + 2);
	size_t o = 0;
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < n; i++) {
		memcpy(b + o, objects ? "{\"a\":" : "[", objects ? 5 : 1);
		o += objects ? 5 : 1;
	}
	if (leaf || objects)
		b[o++] = '1';       /* an object member needs a value */
	for (size_t i = 0; i < n; i++)
		b[o++] = objects ? '}' : ']';
	b[o] = '\0';
	*len = o;
	return b;
}

static json_t *nested_value(size_t n, bool objects, bool leaf)
{
	json_t *root = NULL, *cur = NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *c = objects ? json_object() : json_array();
		if (!root)
			root = c;
		else if (objects)
			json_object_set_new(cur, "a", c);
		else
			json_array_append_new(cur, c);
		cur = c;
	}
	if (objects)
		json_object_set_new(cur, "a", json_integer(1));
	else if (leaf)
		json_array_append_new(cur, json_integer(1));
	return root;
}

/*
 * jansson counts depth per value, scalars included, the top level being 1,
 * and allows 2048: 2048 nested arrays parse, 2049 do not; 2047 arrays
 * around a scalar parse, 2048 do not - so 2047 objects (each holding a
 * member) is the deepest object chain.  ss_state_check() counts the same
 * way, so it accepts exactly what the parser can read back.
 */
START_TEST(test_depth_boundary)
{
	static const struct {
		size_t n;
		bool objects, leaf, ok;
	} cases[] = {
		{ 2048, false, false, true },
		{ 2049, false, false, false },
		{ 2047, false, true, true },
		{ 2048, false, true, false },
		{ 2047, true, true, true },
		{ 2048, true, true, false },
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		size_t len;
		char err[512];
		json_t *v = NULL;
		char *text = nested_text(cases[i].n, cases[i].objects, cases[i].leaf, &len);
		ss_status st = ss_state_parse(text, len, SS_STATE_MAX_DEFAULT, "deep.json", &v, err, sizeof err);
		ck_assert_msg((st == SS_OK) == cases[i].ok, "parse case %zu: %s", i, err);
		if (!cases[i].ok) {
			ck_assert_int_eq(st, SS_INPUT);
			ck_assert_msg(strstr(err, ": nesting deeper than 2048 levels near ") != NULL, "%s", err);
			ck_assert(strncmp(err, "deep.json:1:", 12) == 0);
		}
		json_decref(v);

		json_t *built = nested_value(cases[i].n, cases[i].objects, cases[i].leaf);
		st = ss_state_check(built, SS_DEPTH_MAX, err, sizeof err);
		ck_assert_msg((st == SS_OK) == cases[i].ok, "check case %zu: %s", i, err);
		if (!cases[i].ok) {
			ck_assert_int_eq(st, SS_INPUT);
			ck_assert_msg(strstr(err, ": nesting deeper than 2048 levels") != NULL, "%s", err);
			ck_assert(strncmp(err, cases[i].objects ? "state at .a.a.a" : "state at [0][0][0]", 15) == 0);
		}
		/* The dump of what passes the check parses back. */
		char *dumped = ss_json_dump(built, 0, &len);
		ck_assert_str_eq(dumped, text);
		free(dumped);
		json_decref(built);
		free(text);
	}
}
END_TEST

/* A child that writes `data` (or, when NULL, '[' forever) into a pipe and
 * exits 0 when done or when the reader hung up (EPIPE). */
static pid_t spawn_writer(const char *data, size_t len, int *read_fd)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(p[0]);
		char block[4096];
		memset(block, '[', sizeof block);
		size_t off = 0;
		for (;;) {
			const char *src = data ? data + off : block;
			size_t n = data ? len - off : sizeof block;
			if (data && n == 0)
				_exit(0);
			if (n > 777)
				n = 777;    /* small writes: many reads, odd boundaries */
			ssize_t w = write(p[1], src, n);
			if (w < 0)
				_exit(errno == EPIPE ? 0 : 1);
			off += (size_t)w;
		}
	}
	close(p[1]);
	*read_fd = p[0];
	return pid;
}

static void expect_child_ok(pid_t pid)
{
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* An endless input stops at the limit: were it read to the end, the test
 * would never finish; the writer sees the reader hang up. */
START_TEST(test_read_fd_limit)
{
	int fd;
	char err[256];
	json_t *v = json_true();
	pid_t pid = spawn_writer(NULL, 0, &fd);
	ss_status st = ss_state_read_fd(fd, SS_STATE_MAX_DEFAULT, "standard input", &v, err, sizeof err);
	close(fd);
	expect_child_ok(pid);
	ck_assert_int_eq(st, SS_LIMIT);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err, "standard input: state larger than the 64 MiB limit");

	pid = spawn_writer(NULL, 0, &fd);
	st = ss_state_read_fd(fd, 100 * 1024, "pipe", &v, err, sizeof err);
	close(fd);
	expect_child_ok(pid);
	ck_assert_int_eq(st, SS_LIMIT);
	ck_assert_str_eq(err, "pipe: state larger than the 100 KiB limit");
}
END_TEST

/* A document arriving in many small writes, across read-chunk boundaries. */
START_TEST(test_read_fd_pipe)
{
	size_t n = 40000, len = 0;
	char *doc = malloc(8 * n + 16);
	ck_assert_ptr_nonnull(doc);
	doc[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(doc + len, "%s%zu", i ? "," : "", i);
	doc[len++] = ']';

	int fd;
	char err[256];
	json_t *v = NULL;
	pid_t pid = spawn_writer(doc, len, &fd);
	ss_status st = ss_state_read_fd(fd, len, "pipe", &v, err, sizeof err);
	close(fd);
	expect_child_ok(pid);
	ck_assert_msg(st == SS_OK, "%s", err);
	ck_assert_uint_eq(json_array_size(v), n);
	ck_assert_int_eq(json_integer_value(json_array_get(v, n - 1)), (json_int_t)(n - 1));
	json_decref(v);

	/* One byte under the document's size: over the limit. */
	pid = spawn_writer(doc, len, &fd);
	st = ss_state_read_fd(fd, len - 1, "pipe", &v, err, sizeof err);
	close(fd);
	expect_child_ok(pid);
	ck_assert_int_eq(st, SS_LIMIT);
	free(doc);

	/* An empty pipe is empty input. */
	pid = spawn_writer("", 0, &fd);
	st = ss_state_read_fd(fd, 10, "standard input", &v, err, sizeof err);
	close(fd);
	expect_child_ok(pid);
	ck_assert_int_eq(st, SS_INPUT);
	ck_assert_str_eq(err, "standard input: empty input");
}
END_TEST

START_TEST(test_read_fd_file)
{
	char err[256];
	json_t *v = NULL;
	tu_tmpdir();
	const char *path = tu_path("state.json");
	tu_write_file(path, "{\"a\":[1,2]}", (size_t)-1);     /* 11 bytes */

	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ss_state_read_fd(fd, 11, "state.json", &v, err, sizeof err), SS_OK);
	close(fd);
	ck_assert_int_eq(json_array_size(json_object_get(v, "a")), 2);
	json_decref(v);

	fd = open(path, O_RDONLY);
	ck_assert_int_eq(ss_state_read_fd(fd, 10, "state.json", &v, err, sizeof err), SS_LIMIT);
	close(fd);
	ck_assert_str_eq(err, "state.json: state larger than the 10 bytes limit");

	ck_assert_int_eq(ss_state_read_fd(-1, 10, "state.json", &v, err, sizeof err), SS_IO);
	ck_assert_str_eq(err, "state.json: Bad file descriptor");

	/* The input's name is text from outside too. */
	ck_assert_int_eq(ss_state_parse("", 0, 10, "in\033put", &v, err, sizeof err), SS_INPUT);
	ck_assert_str_eq(err, "in\\u001bput: empty input");
	tu_cleanup();
}
END_TEST

/* ss_state_check() on what only C can build. */
START_TEST(test_state_check)
{
	char err[512];

	json_t *v = json_pack("{s:[i,o]}", "x", 1, json_stringn("a\0b", 3));
	ck_assert_int_eq(ss_state_check(v, SS_DEPTH_MAX, err, sizeof err), SS_INPUT);
	ck_assert_str_eq(err, "state at .x[1]: string contains \\u0000");
	json_decref(v);

	v = json_pack("{s:{s:o}}", "a b", "k", json_stringn_nocheck("\377", 1));
	ck_assert_int_eq(ss_state_check(v, SS_DEPTH_MAX, err, sizeof err), SS_INPUT);
	ck_assert_str_eq(err, "state at [\"a b\"].k: string is not valid UTF-8");
	json_decref(v);

	v = json_object();
	json_object_set_new(v, "ok", json_integer(1));
	json_object_set_new_nocheck(v, "b\300\257d", json_null());
	ck_assert_int_eq(ss_state_check(v, SS_DEPTH_MAX, err, sizeof err), SS_INPUT);
	ck_assert_str_eq(err, "state at [\"b\\xc0\\xafd\"]: key is not valid UTF-8");
	json_decref(v);

	/* A cycle cannot be serialised; the depth bound catches it. */
	json_t *a = json_array(), *b = json_array();
	json_array_append(b, a);
	json_array_append(a, b);
	ck_assert_int_eq(ss_state_check(a, SS_DEPTH_MAX, err, sizeof err), SS_INPUT);
	ck_assert_msg(strstr(err, "nesting deeper than 2048 levels") != NULL, "%s", err);
	json_array_clear(a);
	json_decref(a);
	json_decref(b);

	/* Smaller bounds count the same way: top level is depth 1. */
	v = json_pack("[[i]]", 1);
	ck_assert_int_eq(ss_state_check(v, 3, err, sizeof err), SS_OK);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(ss_state_check(v, 2, err, sizeof err), SS_INPUT);
	ck_assert_str_eq(err, "state at [0][0]: nesting deeper than 2 levels");
	json_decref(v);
	v = json_integer(5);
	ck_assert_int_eq(ss_state_check(v, 1, err, sizeof err), SS_OK);
	ck_assert_int_eq(ss_state_check(v, 0, err, sizeof err), SS_INPUT);
	ck_assert_str_eq(err, "state at .: nesting deeper than 0 levels");
	json_decref(v);

	ck_assert_int_eq(ss_state_check(NULL, 10, err, sizeof err), SS_USAGE);

	/* jansson refuses to make non-finite reals; the check's test for them
	 * guards against a jansson that does not. */
	ck_assert_ptr_null(json_real(NAN));
	ck_assert_ptr_null(json_real(INFINITY));
}
END_TEST

/* Declared for -Wmissing-prototypes; check_main.c declares it from suites.h. */
Suite *input_suite(void);

Suite *input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("parse");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reject_table);
	tcase_add_test(tc, test_accept_table);
	tcase_add_test(tc, test_depth_boundary);
	tcase_add_test(tc, test_read_fd_limit);
	tcase_add_test(tc, test_read_fd_pipe);
	tcase_add_test(tc, test_read_fd_file);
	tcase_add_test(tc, test_state_check);
	suite_add_tcase(s, tc);
	return s;
}
