/*
 * check_hostile.c - hostile input through the real binary.  Every input is
 * either rejected with its documented exit code and a clear message (and
 * the store unchanged: `list --json` + `stats --json` compared before and
 * after), or accepted and then displayed safely: no raw ESC, no other C0
 * control byte but newline and tab, no DEL, C1 control, bidi control or
 * line separator ever reaches stdout or stderr of a human-readable command,
 * and every --json output parses back to the very strings captured.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

static char store[4096];

static void setup(void)
{
	tu_tmpdir();
	snprintf(store, sizeof store, "%s", tu_path("s.db"));
}

static void teardown(void)
{
	tu_cleanup();
}

#define RUN(input, ...) tu_cli((input), "--store", store, __VA_ARGS__, (const char *)NULL)

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

/* Bytes a terminal must never receive from data: C0 controls but \n and
 * \t, DEL, C1 controls (U+0080..U+009F), bidi controls (U+061C, U+200E/F,
 * U+202A..U+202E, U+2066..U+2069) and U+2028/2029.  Returns the offset of
 * the first, or -1. */
static long unsafe_at(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		unsigned c = p[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return (long)i;
		if (c == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return (long)i;
		if (c == 0xd8 && i + 1 < len && p[i + 1] == 0x9c)
			return (long)i;
		if (c == 0xe2 && i + 2 < len) {
			unsigned a = p[i + 1], b = p[i + 2];
			if (a == 0x80 && (b == 0x8e || b == 0x8f || (b >= 0xa8 && b <= 0xae)))
				return (long)i;
			if (a == 0x81 && b >= 0xa6 && b <= 0xa9)
				return (long)i;
		}
	}
	return -1;
}

static void assert_clean(const tu_run *r, const char *what)
{
	long at = unsafe_at(r->out, r->out_len);
	ck_assert_msg(at < 0, "%s: unsafe byte 0x%02x at %ld on stdout: %s", what,
	              at < 0 ? 0 : (unsigned char)r->out[at], at, r->out);
	at = unsafe_at(r->err, r->err_len);
	ck_assert_msg(at < 0, "%s: unsafe byte 0x%02x at %ld on stderr: %s", what,
	              at < 0 ? 0 : (unsigned char)r->err[at], at, r->err);
}

/* A rejection: the exit code, nothing on stdout, a message on stderr whose
 * first line names the problem ("snapscope..."), at most a usage hint
 * after it, and nothing unsafe. */
static void assert_rejected(const tu_run *r, int code, const char *what)
{
	assert_status(r, code, what);
	assert_clean(r, what);
	ck_assert_msg(r->out_len == 0, "%s: stdout not empty: %s", what, r->out);
	ck_assert_msg(strncmp(r->err, "snapscope", 9) == 0, "%s: stderr: %s", what, r->err);
	const char *nl = strchr(r->err, '\n');
	ck_assert_msg(nl != NULL, "%s: no newline: %s", what, r->err);
	ck_assert_msg(nl[1] == '\0' || strncmp(nl + 1, "try '", 5) == 0,
	              "%s: more than one line of error: %s", what, r->err);
}

static char *fingerprint(void)
{
	tu_run a = RUN(NULL, "list", "--json");
	tu_run b = RUN(NULL, "stats", "--json");
	ck_assert_msg(a.status == 0 && b.status == 0, "list/stats: %s%s", a.err, b.err);
	size_t n = a.out_len + b.out_len + 2;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	snprintf(s, n, "%s\n%s", a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);
	return s;
}

static json_t *parse_out(const tu_run *r, const char *what)
{
	json_error_t e;
	json_t *v = json_loadb(r->out, r->out_len, JSON_DECODE_ANY, &e);
	ck_assert_msg(v != NULL, "%s: not JSON (%s): %s", what, e.text, r->out);
	return v;
}

static long long capture_ok(const char *session, const char *json)
{
	tu_run r = RUN(json, "capture", session);
	assert_status(&r, 0, "capture");
	assert_clean(&r, "capture");
	long long id = strtoll(r.out, NULL, 10);
	ck_assert_int_gt(id, 0);
	tu_run_free(&r);
	return id;
}

/* The store as it was before `what`: unchanged. */
static void assert_unchanged(const char *before, const char *what)
{
	char *now = fingerprint();
	ck_assert_msg(strcmp(before, now) == 0, "%s changed the store:\n%s\n---\n%s", what, before,
	              now);
	free(now);
}

/* ---- rejected documents -------------------------------------------------- */

struct bad {
	const char *text;
	size_t len;             /* 0: strlen */
	const char *why;        /* what the case is */
};

static const struct bad bad_docs[] = {
	{ "", 0, "empty" },
	{ "   \n", 0, "only white space" },
	{ "{\"a\": ", 0, "truncated object" },
	{ "{\"a\": 1,}", 0, "trailing comma" },
	{ "[1, 2", 0, "truncated array" },
	{ "{\"a\" 1}", 0, "missing colon" },
	{ "{\"a\": \"b}", 0, "unterminated string" },
	{ "{\"a\": \"\\x\"}", 0, "bad escape" },
	{ "{\"a\": tru}", 0, "bad literal" },
	{ "{\"a\": 1} {\"b\": 2}", 0, "two documents" },
	{ "{\"a\": 01}", 0, "leading zero" },
	{ "{'a': 1}", 0, "single quotes" },
	{ "{\"a\": \"\xff\xfe\"}", 0, "invalid UTF-8 in a string" },
	{ "{\"\xc0\xaf\": 1}", 0, "overlong UTF-8 in a key" },
	{ "{\"a\": \"\xed\xa0\x80\"}", 0, "a surrogate encoded in UTF-8" },
	{ "{\"a\": \"\\ud800\"}", 0, "lone high surrogate" },
	{ "{\"a\": \"\\udc00x\"}", 0, "lone low surrogate" },
	{ "{\"a\": \"\\ud800\\u0041\"}", 0, "high surrogate then a letter" },
	{ "{\"a\": NaN}", 0, "NaN" },
	{ "{\"a\": Infinity}", 0, "Infinity" },
	{ "{\"a\": -Infinity}", 0, "-Infinity" },
	{ "{\"a\": 1e999}", 0, "a real that overflows" },
	{ "{\"a\": 1, \"a\": 2}", 0, "duplicate keys" },
	{ "{\"x\": {\"a\": 1, \"b\": 2, \"a\": 1}}", 0, "nested duplicate keys" },
	{ "{\"a\": 18446744073709551616}", 0, "integer past 64 bits" },
	{ "{\"a\": 9223372036854775808}", 0, "integer past int64" },
	{ "{\"a\": -9223372036854775809}", 0, "integer below int64" },
	{ "{\"a\": \"x\\u0000y\"}", 0, "\\u0000 in a string" },
	{ "{\"a\\u0000\": 1}", 0, "\\u0000 in a key" },
	{ "{\"a\": \"x\0y\"}", 13, "a raw NUL byte" },
	{ "{\"a\": \"\x1b[2J\"}", 0, "a raw ESC in a string" },
};

START_TEST(test_rejected_documents)
{
	capture_ok("s", "{\"kept\": true}");
	char *before = fingerprint();
	const char *file = tu_path("bad.json");
	for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
		const struct bad *b = &bad_docs[i];
		size_t len = b->len ? b->len : strlen(b->text);
		const char *argv[] = { "--store", store, "capture", "s", NULL };
		tu_run r = tu_exec(b->text, len, argv);
		/* an empty stdin is fed as nothing at all: the same rejection */
		assert_rejected(&r, 3, b->why);
		tu_run_free(&r);
		tu_write_file(file, b->text, len);
		r = RUN(NULL, "capture", "s", file);
		assert_rejected(&r, 3, b->why);
		ck_assert_msg(strstr(r.err, "bad.json") != NULL, "%s: the message does not name the file: %s",
		              b->why, r.err);
		tu_run_free(&r);
		assert_unchanged(before, b->why);
	}
	free(before);
}
END_TEST

/* Values at the edges that must be kept exactly. */
START_TEST(test_accepted_edges)
{
	const char *doc = "{\"max\": 9223372036854775807, \"min\": -9223372036854775808,"
	                  " \"pair\": \"\\ud83d\\ude00\", \"real\": 1.0000000000000002,"
	                  " \"tiny\": 5e-324, \"big\": 1.7976931348623157e308}";
	long long id = capture_ok("s", doc);
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	tu_run r = RUN(NULL, "show", ids);
	assert_status(&r, 0, "show edges");
	assert_clean(&r, "show edges");
	json_t *got = parse_out(&r, "show edges");
	json_error_t e;
	json_t *want = json_loads(doc, 0, &e);
	ck_assert_msg(json_equal(got, want), "values changed: %s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "9223372036854775807"));
	ck_assert_ptr_nonnull(strstr(r.out, "-9223372036854775808"));
	json_decref(got);
	json_decref(want);
	tu_run_free(&r);
}
END_TEST

/* ---- nesting ---------------------------------------------------------------- */

static char *nested(int depth, const char *leaf)
{
	size_t n = (size_t)depth * 2 + strlen(leaf) + 1;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	memset(s, '[', (size_t)depth);
	strcpy(s + depth, leaf);
	memset(s + depth + strlen(leaf), ']', (size_t)depth);
	s[n - 1] = '\0';
	return s;
}

START_TEST(test_nesting)
{
	capture_ok("s", "[]");
	char *before = fingerprint();
	char *deep = nested(2049, "1");
	tu_run r = RUN(deep, "capture", "s");
	assert_rejected(&r, 3, "nesting 2049");
	ck_assert_msg(strstr(r.err, "2048") != NULL, "the limit is not named: %s", r.err);
	tu_run_free(&r);
	free(deep);
	deep = nested(100000, "1");
	r = RUN(deep, "capture", "s");
	assert_rejected(&r, 3, "nesting 100000");
	tu_run_free(&r);
	free(deep);
	assert_unchanged(before, "too deep");
	free(before);

	/* At the limit: accepted, and shown, diffed, exported without a crash. */
	/* jansson counts the innermost value as a level too */
	char *a = nested(2048, ""), *b = nested(2047, "\"x\"");
	long long ia = capture_ok("s", a), ib = capture_ok("s", b);
	char sa[32], sb[32];
	snprintf(sa, sizeof sa, "%lld", ia);
	snprintf(sb, sizeof sb, "%lld", ib);
	r = RUN(NULL, "show", sb);
	assert_status(&r, 0, "show 2048 deep");
	tu_run_free(&r);
	const char *fmts[] = { "text", "patch", "merge" };
	for (int i = 0; i < 3; i++) {
		r = RUN(NULL, "diff", sa, sb, "--format", fmts[i]);
		ck_assert_msg(r.status == 0 || r.status == 1, "diff 2048 deep: exit %d: %s", r.status, r.err);
		assert_clean(&r, "diff 2048 deep");
		tu_run_free(&r);
	}
	r = RUN(NULL, "verify");
	assert_status(&r, 0, "verify 2048 deep");
	tu_run_free(&r);
	r = RUN(NULL, "export", "s", "-o", tu_path("deep.json"));
	assert_status(&r, 0, "export 2048 deep");
	tu_run_free(&r);
	free(a);
	free(b);
}
END_TEST

/* ---- sizes ------------------------------------------------------------------- */

static long child_maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_maxrss;
}

START_TEST(test_huge_input_rejected)
{
	capture_ok("s", "{\"kept\": true}");
	char *before = fingerprint();
	/* 70 MB on standard input, over the 64 MiB limit */
	size_t n = 70u * 1000 * 1000;
	char *big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	memcpy(big, "{\"s\": \"", 7);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	const char *argv[] = { "--store", store, "capture", "s", NULL };
	tu_run r = tu_exec(big, n, argv);
	assert_rejected(&r, 3, "70 MB on stdin");
	ck_assert_msg(strstr(r.err, "64 MiB") != NULL || strstr(r.err, "67108864") != NULL,
	              "the limit is not named: %s", r.err);
	tu_run_free(&r);
	/* and as a file */
	tu_write_file(tu_path("big.json"), big, n);
	free(big);
	r = RUN(NULL, "capture", "s", tu_path("big.json"));
	assert_rejected(&r, 3, "70 MB file");
	tu_run_free(&r);
	unlink(tu_path("big.json"));

	/* A 1 TiB sparse file: rejected without reading it (this would take
	 * minutes and all memory otherwise). */
	int fd = open(tu_path("sparse.json"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)1 << 40), 0);
	close(fd);
	time_t t0 = time(NULL);
	r = RUN(NULL, "capture", "s", tu_path("sparse.json"));
	assert_rejected(&r, 3, "1 TiB sparse file");
	tu_run_free(&r);
	ck_assert_msg(time(NULL) - t0 < 30, "rejecting a huge file took %lds", (long)(time(NULL) - t0));
	assert_unchanged(before, "huge input");

	/* An endless stream on stdin: reading stops at the limit. */
	int in[2];
	ck_assert_int_eq(pipe(in), 0);
	pid_t feeder = fork();
	ck_assert_int_ge(feeder, 0);
	if (feeder == 0) {
		close(in[0]);
		signal(SIGPIPE, SIG_DFL);
		static char chunk[65536];
		memset(chunk, ' ', sizeof chunk);
		if (write(in[1], "[", 1) != 1)
			_exit(1);
		for (;;)
			if (write(in[1], chunk, sizeof chunk) < 0)
				_exit(0);
	}
	close(in[1]);
	const char *bin = getenv("SNAPSCOPE_BIN") ? getenv("SNAPSCOPE_BIN") : "build/snapscope";
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(bin, bin, "--store", store, "capture", "s", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	int status = 0;
	bool done = false;
	for (int i = 0; i < 600 && !done; i++) {
		done = waitpid(pid, &status, WNOHANG) == pid;
		if (!done) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	kill(feeder, SIGKILL);
	waitpid(feeder, NULL, 0);
	ck_assert_msg(done, "capture kept reading an endless stdin for 30 s");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 3, "endless stdin: status 0x%x", status);
	/* No child held much more than the limit (a reader that took it all
	 * would have needed gigabytes). */
	long kb = child_maxrss_kb();
	ck_assert_msg(kb < 400 * 1024, "a child used %ld KiB", kb);
	assert_unchanged(before, "endless stdin");
	free(before);
}
END_TEST

START_TEST(test_large_string_accepted)
{
	size_t n = 10u * 1000 * 1000;
	char *doc = malloc(n + 32);
	ck_assert_ptr_nonnull(doc);
	size_t k = (size_t)sprintf(doc, "{\"s\": \"");
	for (size_t i = 0; i < n; i++)
		doc[k++] = (char)('a' + (i * 7 + i / 13) % 26);
	strcpy(doc + k, "\"}");
	long long id = capture_ok("s", doc);
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	tu_run r = RUN(NULL, "show", ids);
	assert_status(&r, 0, "show 10 MB");
	json_t *v = parse_out(&r, "show 10 MB");
	ck_assert_uint_eq(json_string_length(json_object_get(v, "s")), n);
	ck_assert(memcmp(json_string_value(json_object_get(v, "s")), doc + 7, n) == 0);
	json_decref(v);
	tu_run_free(&r);
	/* a huge key and a long array too */
	char *doc2 = malloc(n + 64);
	ck_assert_ptr_nonnull(doc2);
	k = (size_t)sprintf(doc2, "{\"");
	memset(doc2 + k, 'k', 1000000);
	k += 1000000;
	k += (size_t)sprintf(doc2 + k, "\": [");
	for (int i = 0; i < 200000; i++)
		k += (size_t)sprintf(doc2 + k, "%s%d", i ? "," : "", i % 10);
	strcpy(doc2 + k, "]}");
	capture_ok("s", doc2);
	r = RUN(NULL, "verify");
	assert_status(&r, 0, "verify large");
	tu_run_free(&r);
	free(doc);
	free(doc2);
}
END_TEST

/* ---- names, tags, descriptions ------------------------------------------------- */

START_TEST(test_hostile_names)
{
	long long id = capture_ok("s", "{\"a\": 1}");
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	char *before = fingerprint();
	static const char *const sessions[] = {
		"../x", "..", ".", "a/b", "/etc/passwd", "x'; DROP TABLE snapshots; --", "a\"b",
		"a b", "a\x1b[2Jb", "a\x1b]0;pwn\ab", "a\nb", "a\xe2\x80\xae" "b", "\xff", "",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 65 */,
	};
	for (size_t i = 0; i < sizeof sessions / sizeof sessions[0]; i++) {
		tu_run r = RUN("{\"a\": 2}", "capture", sessions[i]);
		assert_rejected(&r, 2, sessions[i]);
		tu_run_free(&r);
		r = RUN(NULL, "list", sessions[i]);
		ck_assert_msg(r.status == 2, "list '%s': exit %d", sessions[i], r.status);
		assert_clean(&r, "list with a bad session");
		tu_run_free(&r);
		r = RUN(NULL, "session", sessions[i], "--every", "5s");
		assert_rejected(&r, 2, sessions[i]);
		tu_run_free(&r);
	}
	static const char *const bad_tags[] = {
		"a\x1b[2Jb", "\x1b]0;pwn\a", "a\nb", "a\tb", "a\xe2\x80\xae" "b", "a\xc2\x9b" "31m", "\xff", "",
	};
	for (size_t i = 0; i < sizeof bad_tags / sizeof bad_tags[0]; i++) {
		tu_run r = RUN(NULL, "tag", ids, bad_tags[i]);
		ck_assert_msg(r.status == 2 || r.status == 3, "tag %zu: exit %d", i, r.status);
		assert_clean(&r, "bad tag");
		tu_run_free(&r);
		r = RUN("{\"a\": 3}", "capture", "s", "--tag", bad_tags[i]);
		ck_assert_msg(r.status == 2 || r.status == 3, "capture --tag %zu: exit %d", i, r.status);
		assert_clean(&r, "bad tag on capture");
		tu_run_free(&r);
	}
	static const char *const bad_desc[] = { "a\x1b[2Jb", "\x1b]0;pwn\a", "a\rb", "a\xc2\x9b" "31m",
	                                        "\xff\xfe" };
	for (size_t i = 0; i < sizeof bad_desc / sizeof bad_desc[0]; i++) {
		tu_run r = RUN(NULL, "describe", ids, bad_desc[i]);
		assert_rejected(&r, 2, "bad description");
		tu_run_free(&r);
	}
	assert_unchanged(before, "rejected names");
	free(before);

	/* Data, never SQL or a path: accepted verbatim where the rules allow. */
	static const char *const good_tags[] = {
		"x'; DROP TABLE snapshots; --", "../../etc/passwd", "q\"uote", "back\\slash", "%s%n",
		"' OR 1=1 --",
	};
	for (size_t i = 0; i < sizeof good_tags / sizeof good_tags[0]; i++) {
		tu_run r = RUN(NULL, "tag", ids, good_tags[i]);
		assert_status(&r, 0, good_tags[i]);
		assert_clean(&r, good_tags[i]);
		tu_run_free(&r);
		r = RUN(NULL, "list", "--tag", good_tags[i], "--json");
		assert_status(&r, 0, "list --tag");
		json_t *v = parse_out(&r, "list --tag");
		ck_assert_msg(json_array_size(v) == 1, "list --tag '%s': %s", good_tags[i], r.out);
		json_decref(v);
		tu_run_free(&r);
	}
	const char *desc = "x'; DROP TABLE snapshots; -- \"quoted\" \\ %s%n\nsecond line\ttab";
	tu_run r = RUN(NULL, "describe", ids, desc);
	assert_status(&r, 0, "describe");
	tu_run_free(&r);
	/* Bidi controls in a description: rejected, or accepted and escaped. */
	long long id2 = capture_ok("t", "{\"a\": 1}");
	char ids2[32];
	snprintf(ids2, sizeof ids2, "%lld", id2);
	r = RUN(NULL, "describe", ids2, "evil\xe2\x80\xae" "txt.exe");
	ck_assert_msg(r.status == 0 || r.status == 2, "describe with bidi: exit %d", r.status);
	assert_clean(&r, "describe with bidi");
	tu_run_free(&r);

	r = RUN(NULL, "list", "--json");
	assert_status(&r, 0, "list --json");
	json_t *v = parse_out(&r, "list --json");
	json_t *row = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
		if (json_integer_value(json_object_get(it, "id")) == id)
			row = it;
	ck_assert_ptr_nonnull(row);
	ck_assert_str_eq(json_string_value(json_object_get(row, "description")), desc);
	ck_assert_uint_eq(json_array_size(json_object_get(row, "tags")),
	                  sizeof good_tags / sizeof good_tags[0]);
	json_decref(v);
	tu_run_free(&r);
	const char *human[][4] = { { "list", NULL }, { "show", ids, "--meta", NULL },
	                           { "show", ids2, "--meta", NULL }, { "sessions", NULL },
	                           { "stats", NULL }, { "list", "t", NULL } };
	for (size_t k = 0; k < sizeof human / sizeof human[0]; k++) {
		const char *argv[8] = { "--store", store };
		for (int j = 0; human[k][j]; j++)
			argv[2 + j] = human[k][j];
		r = tu_exec(NULL, 0, argv);
		assert_status(&r, 0, human[k][0]);
		assert_clean(&r, human[k][0]);
		tu_run_free(&r);
	}
	/* the tables are all still there */
	r = RUN(NULL, "verify");
	assert_status(&r, 0, "verify");
	tu_run_free(&r);
}
END_TEST

/* ---- escape sequences in states -------------------------------------------------- */

/* Every kind of unsafe text, in keys and in values. */
static const char hostile_a[] =
	"{\"k\\u001b[2J\": \"v\\u001b]0;pwned\\u0007\","
	" \"bidi\\u202e\": \"abc\\u202edef\\u2066x\\u2069\","
	" \"c1\\u009b\": \"csi\\u009b31m\\u0085\","
	" \"del\\u007f\": \"bell\\u0007bs\\u0008cr\\r\\nlf\\ttab\","
	" \"ls\\u2028\": \"ps\\u2029\","
	" \"nested\": {\"\\u001bP\": [\"\\u001b[31mred\", 1]},"
	" \"same\": 1}";
static const char hostile_b[] =
	"{\"k\\u001b[2J\": \"w\\u001b]0;pwned-again\\u0007\","
	" \"bidi\\u202e\": \"abc\\u202edef\\u2066y\\u2069\","
	" \"c1\\u009b\": \"csi\\u009b32m\","
	" \"del\\u007f\": \"bell\\u0007\","
	" \"new\\u001b[K\": \"\\u001b[?1049h\","
	" \"nested\": {\"\\u001bP\": [\"\\u001b[32mgreen\", 1]},"
	" \"same\": 1}";

START_TEST(test_escapes_in_states)
{
	long long a = capture_ok("esc", hostile_a);
	long long b = capture_ok("esc", hostile_b);
	char sa[32], sb[32];
	snprintf(sa, sizeof sa, "%lld", a);
	snprintf(sb, sizeof sb, "%lld", b);

	/* show: pretty JSON, escaped, and the very same value */
	json_error_t e;
	json_t *want = json_loads(hostile_a, 0, &e);
	ck_assert_ptr_nonnull(want);
	tu_run r = RUN(NULL, "show", sa);
	assert_status(&r, 0, "show");
	assert_clean(&r, "show");
	ck_assert_ptr_nonnull(strstr(r.out, "\\u001b[2J"));
	json_t *got = parse_out(&r, "show");
	ck_assert_msg(json_equal(got, want), "show changed the value: %s", r.out);
	json_decref(got);
	tu_run_free(&r);
	json_decref(want);

	const char *const cmds[][8] = {
		{ "show", sb, "--meta", NULL },
		{ "show", sa, "--path", ".nested", NULL },
		{ "show", sa, "--path", "/k\x1b[2J", NULL },
		{ "show", sa, "--path", "/bidi\xe2\x80\xae", NULL },
		{ "diff", sa, sb, NULL },
		{ "diff", sa, sb, "--format", "text", NULL },
		{ "history", "esc", "/k\x1b[2J", NULL },
		{ "history", "esc", "/nested/\x1b" "P/0", NULL },
		{ "history", "esc", "/bidi\xe2\x80\xae", NULL },
		{ "list", NULL },
		{ "list", "esc", "--grep", "\x1b", NULL },
		{ "sessions", NULL },
		{ "stats", NULL },
		{ "verify", NULL },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const char *argv[12] = { "--store", store };
		char what[64] = "";
		for (int j = 0; cmds[i][j]; j++) {
			argv[2 + j] = cmds[i][j];
			if (j < 2) {
				strcat(what, cmds[i][j][0] == '/' ? "PATH" : cmds[i][j]);
				strcat(what, " ");
			}
		}
		r = tu_exec(NULL, 0, argv);
		ck_assert_msg(r.status == 0, "%s(%zu): exit %d: %s", what, i, r.status, r.err);
		assert_clean(&r, what);
		tu_run_free(&r);
	}
	/* the history of a key made of escapes finds its changes */
	r = RUN(NULL, "history", "esc", "/k\x1b[2J");
	ck_assert_msg(strstr(r.out, "\\u001b]0;pwned") != NULL, "history: %s", r.out);
	tu_run_free(&r);

	/* JSON outputs: valid JSON whose strings are the captured ones */
	const char *const json_cmds[][8] = {
		{ "diff", sa, sb, "--format", "patch", NULL },
		{ "diff", sa, sb, "--format", "merge", NULL },
		{ "list", "--json", NULL },
		{ "sessions", "--json", NULL },
		{ "stats", "--json", NULL },
	};
	for (size_t i = 0; i < sizeof json_cmds / sizeof json_cmds[0]; i++) {
		const char *argv[12] = { "--store", store };
		for (int j = 0; json_cmds[i][j]; j++)
			argv[2 + j] = json_cmds[i][j];
		r = tu_exec(NULL, 0, argv);
		ck_assert_msg(r.status == 0, "%s: exit %d: %s", json_cmds[i][0], r.status, r.err);
		json_t *v = parse_out(&r, json_cmds[i][0]);
		/* No raw ESC even where JSON would allow other bytes raw. */
		ck_assert_msg(memchr(r.out, 0x1b, r.out_len) == NULL, "%s: raw ESC", json_cmds[i][0]);
		if (i == 0) {
			/* the patch names the hostile key, escaped, and parses back to it */
			ck_assert_ptr_nonnull(strstr(r.out, "\"/new\\u001b[K\""));
			bool found = false;
			size_t k;
			json_t *op;
			json_array_foreach(v, k, op)
				found |= strcmp(json_string_value(json_object_get(op, "path")), "/new\x1b[K") == 0;
			ck_assert_msg(found, "no operation on /new<ESC>[K: %s", r.out);
		}
		json_decref(v);
		tu_run_free(&r);
	}
	/* The export is JSON with the same strings. */
	r = RUN(NULL, "export", "esc", "-o", tu_path("esc.json"));
	assert_status(&r, 0, "export");
	assert_clean(&r, "export");
	tu_run_free(&r);
	json_t *ex = json_load_file(tu_path("esc.json"), 0, &e);
	ck_assert_msg(ex != NULL, "export: %s", e.text);
	json_t *st = json_object_get(json_array_get(json_object_get(ex, "snapshots"), 0), "state");
	want = json_loads(hostile_a, 0, &e);
	ck_assert(json_equal(st, want));
	json_decref(want);
	json_decref(ex);
}
END_TEST

/* Error messages that quote what the user typed quote it escaped. */
START_TEST(test_escapes_in_arguments)
{
	capture_ok("s", "{\"a\": 1}");
	const char *const cmds[][8] = {
		{ "show", "\x1b[2J", NULL },
		{ "show", "1", "--path", "\x1b]0;pwn\a", NULL },
		{ "diff", "1", "\xe2\x80\xae" "2", NULL },
		{ "history", "s", "..\x1b[2J", NULL },
		{ "list", "--since", "\x1b[2J", NULL },
		{ "watch", "s", "--every", "\x1b[2J", "--", "true", NULL },
		{ "\x1b]0;pwn\a", NULL },
		{ "list", "--\x1b[2J", NULL },
		{ "capture", "s", "/nonexistent/\x1b[2J.json", NULL },
		{ "export", "s", "-o", "/nonexistent/\x1b[2J.json", NULL },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const char *argv[10] = { "--store", store };
		for (int j = 0; cmds[i][j]; j++)
			argv[2 + j] = cmds[i][j];
		tu_run r = tu_exec(NULL, 0, argv);
		ck_assert_msg(r.status != 0 && r.status < 128, "case %zu: exit %d", i, r.status);
		assert_clean(&r, "hostile argument");
		tu_run_free(&r);
	}
	/* a store path with escapes */
	tu_run r = tu_cli(NULL, "--store", "/nonexistent/\x1b[2J/s.db", "list", (const char *)NULL);
	ck_assert_int_ne(r.status, 0);
	assert_clean(&r, "hostile store path");
	tu_run_free(&r);
}
END_TEST

/* ---- capture errors ---------------------------------------------------------------- */

START_TEST(test_capture_error_escapes)
{
	const char *bin = getenv("SNAPSCOPE_BIN") ? getenv("SNAPSCOPE_BIN") : "build/snapscope";
	const char *out = tu_path("watch.out"), *err = tu_path("watch.err");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		setenv("TZ", "UTC", 1);
		setenv("NO_COLOR", "1", 1);
		execl(bin, bin, "--store", store, "watch", "s", "--every", "200ms", "--headless", "--",
		      "sh", "-c",
		      "printf '\\033[2J\\033]0;pwn\\a\\342\\200\\256evil\\302\\233' >&2; exit 3",
		      (char *)NULL);
		_exit(127);
	}
	struct timespec ts = { 1, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	kill(pid, SIGINT);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "watch died: 0x%x", status);
	tu_run r = { 0 };
	r.out = tu_read_file(out, &r.out_len);
	r.err = tu_read_file(err, &r.err_len);
	ck_assert_ptr_nonnull(r.out);
	ck_assert_ptr_nonnull(r.err);
	assert_clean(&r, "watch --headless");
	ck_assert_msg(strstr(r.out, "\\u001b[2J") != NULL || strstr(r.err, "\\u001b[2J") != NULL,
	              "the capture error is not shown escaped\nstdout: %s\nstderr: %s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "\\u202e") != NULL || strstr(r.err, "\\u202e") != NULL,
	              "the bidi override is not shown escaped\nstdout: %s\nstderr: %s", r.out, r.err);
	tu_run_free(&r);
	/* nothing was stored as a snapshot; the store is sound */
	tu_run v = RUN(NULL, "verify");
	assert_status(&v, 0, "verify");
	ck_assert_ptr_nonnull(strstr(v.out, "verified 0 snapshots"));
	tu_run_free(&v);
}
END_TEST

Suite *hostile_suite(void); /* for check_main.c */

Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_rejected_documents);
	tcase_add_test(tc, test_accepted_edges);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_huge_input_rejected);
	tcase_add_test(tc, test_large_string_accepted);
	tcase_add_test(tc, test_hostile_names);
	tcase_add_test(tc, test_escapes_in_states);
	tcase_add_test(tc, test_escapes_in_arguments);
	tcase_add_test(tc, test_capture_error_escapes);
	suite_add_tcase(s, tc);
	return s;
}
