/*
 * check_cli_import.c - `snapscope import` and `export --format`, run as the
 * real built binary against real temporary stores:
 *
 *  - export then import into an empty store: the one-line summary, the
 *    same listing (but ids and origin), `verify` clean; again: all skipped;
 *    --dry-run writes nothing;
 *  - a bad file (a flipped checksum character, truncated, wrong version, a
 *    key twice, NaN): exit 3, one line naming the file and the entry, the
 *    store's listing byte for byte as before; a missing file: exit 1;
 *  - SIGKILL at random moments of a large export: nothing under the final
 *    name unless complete, and a complete file imports; of a large import:
 *    the store holds none or all of the file's snapshots, and verifies.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

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

#define RUN(db, ...) tu_cli(NULL, "--store", (db), __VA_ARGS__, (const char *)NULL)

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

static void run_ok(const char *db, const char *a1, const char *a2, const char *a3,
                   const char *a4, const char *a5, const char *a6)
{
	tu_run r = RUN(db, a1, a2, a3, a4, a5, a6);
	assert_status(&r, 0, a1);
	tu_run_free(&r);
}

/* `list --json` with the fields an import changes (id, origin, seq,
 * create_us, kind and sizes, which depend on how rows were stored) removed:
 * what must be equal across stores.  Caller frees. */
static char *listing(const char *db)
{
	tu_run r = RUN(db, "list", "--json");
	assert_status(&r, 0, "list --json");
	json_error_t e;
	json_t *rows = json_loads(r.out, 0, &e);
	ck_assert_msg(rows != NULL, "list --json: %s", e.text);
	tu_run_free(&r);
	size_t i;
	json_t *row;
	static const char *const drop[] = { "id", "origin", "seq", "create_us", "kind",
	                                    "stored_size", "added", "removed", "changed" };
	json_array_foreach(rows, i, row)
		for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++)
			json_object_del(row, drop[k]);
	char *text = json_dumps(rows, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(rows);
	return text;
}

/* The exact listing, for "nothing changed". */
static char *raw_listing(const char *db)
{
	tu_run r = RUN(db, "list", "--json");
	assert_status(&r, 0, "list --json");
	char *text = r.out;
	r.out = NULL;
	tu_run_free(&r);
	tu_run s = RUN(db, "sessions", "--json");
	assert_status(&s, 0, "sessions --json");
	size_t n = strlen(text) + strlen(s.out) + 1;
	char *both = malloc(n);
	snprintf(both, n, "%s%s", text, s.out);
	free(text);
	tu_run_free(&s);
	return both;
}

START_TEST(test_import_round_trip)
{
	const char *src = tu_path("src.db");
	const char *file = tu_path("demo.json");
	run_ok(src, "demo", "--steps", "60", "--seed", "7", NULL);
	run_ok(src, "session", "demo", "--every", "5s", "--max-count", "100");
	run_ok(src, "export", "-o", file, "--format", "json", NULL);

	tu_run r = RUN(store, "import", file);
	assert_status(&r, 0, "import");
	ck_assert_msg(strstr(r.out, "imported 60 snapshots (1 session created), skipped 0 already present"),
	              "stdout: %s", r.out);
	tu_run_free(&r);
	char *want = listing(src), *got = listing(store);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	r = RUN(store, "session", "demo", "--json");
	assert_status(&r, 0, "session --json");
	ck_assert_msg(strstr(r.out, "\"interval_ms\": 5000") || strstr(r.out, "5000"), "%s", r.out);
	tu_run_free(&r);
	r = RUN(store, "verify");
	assert_status(&r, 0, "verify");
	tu_run_free(&r);

	/* Again, and as a dry run: nothing changes. */
	char *before = raw_listing(store);
	r = RUN(store, "import", file);
	assert_status(&r, 0, "import again");
	ck_assert_msg(strstr(r.out, "imported 0 snapshots (0 sessions created), skipped 60"), "%s",
	              r.out);
	tu_run_free(&r);
	r = RUN(store, "import", "--dry-run", file);
	assert_status(&r, 0, "import --dry-run");
	ck_assert_msg(strstr(r.out, "would import 0 snapshots"), "%s", r.out);
	tu_run_free(&r);
	const char *empty = tu_path("empty.db");
	r = RUN(empty, "import", file, "--dry-run");
	assert_status(&r, 0, "import --dry-run into an empty store");
	ck_assert_msg(strstr(r.out, "would import 60 snapshots (1 session created)"), "%s", r.out);
	tu_run_free(&r);
	r = RUN(empty, "list", "--json");
	ck_assert_str_eq(r.out, "[]\n");
	tu_run_free(&r);
	char *after = raw_listing(store);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
}
END_TEST

/* Replace the first `from` at or after `after` with `to` in a file copy. */
static void write_edited(const char *text, const char *after, const char *from, const char *to,
                         const char *path)
{
	const char *at = strstr(strstr(text, after), from);
	ck_assert_msg(at != NULL, "no %s", from);
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	fwrite(text, 1, (size_t)(at - text), f);
	fputs(to, f);
	fputs(at + strlen(from), f);
	fclose(f);
}

START_TEST(test_bad_files_change_nothing)
{
	const char *src = tu_path("src.db");
	const char *file = tu_path("demo.json");
	run_ok(src, "demo", "--steps", "30", "--seed", "3", NULL);
	run_ok(src, "export", "-o", file, NULL, NULL, NULL);
	/* The target store holds data of its own and part of the file. */
	tu_run r = tu_cli("{\"mine\":1}", "--store", store, "capture", "mine", (const char *)NULL);
	assert_status(&r, 0, "capture");
	tu_run_free(&r);
	const char *part = tu_path("part.json");
	run_ok(src, "export", "--id", "3", "-o", part, NULL);
	run_ok(store, "import", part, NULL, NULL, NULL, NULL);

	size_t len;
	char *text = tu_read_file(file, &len);
	const char *bad = tu_path("bad.json");
	char *before = raw_listing(store);
	static const struct {
		const char *after, *from, *to, *want;
	} cases[] = {
		{ "\n{\"id\":12,", "\"checksum\":\"", NULL, "snapshot 12 (id 12): checksum mismatch" },
		{ "{", "\"version\":1", "\"version\":2", "export version 2" },
		{ "\n{\"id\":5,", "\"pinned\":", "\"pinned\":false,\"pinned\":", "snapshot 5 (id 5): key \"pinned\" given twice" },
		{ "\n{\"id\":7,", "\"state\":{", "\"state\":{\"x\":NaN,", "snapshot 7 (id 7): \"state\": invalid token" },
		{ "\n{\"id\":9,", "\"tags\":[]", "\"tags\":[\"a\\u001b[31mb\"]", "snapshot 9 (id 9): invalid tag" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].to) {
			write_edited(text, cases[i].after, cases[i].from, cases[i].to, bad);
		} else {
			/* Flip one character of the checksum. */
			char *copy = strdup(text);
			char *c = strstr(strstr(copy, cases[i].after), cases[i].from) + strlen(cases[i].from);
			*c = *c == 'a' ? 'b' : 'a';
			tu_write_file(bad, copy, len);
			free(copy);
		}
		r = RUN(store, "import", bad);
		assert_status(&r, 3, cases[i].want);
		ck_assert_msg(strstr(r.err, bad) && strstr(r.err, cases[i].want), "case %zu: %s", i,
		              r.err);
		/* One line, and nothing raw from the file reaches the terminal. */
		ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "case %zu: %s", i, r.err);
		ck_assert_msg(!strchr(r.err, '\033'), "case %zu: escape in %s", i, r.err);
		tu_run_free(&r);
	}
	/* Truncated, in the middle of a state. */
	tu_write_file(bad, text, len / 2);
	r = RUN(store, "import", bad);
	assert_status(&r, 3, "truncated");
	ck_assert_msg(strstr(r.err, "snapshot "), "%s", r.err);
	tu_run_free(&r);
	free(text);

	char *after = raw_listing(store);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);

	r = RUN(store, "import", tu_path("nosuch.json"));
	assert_status(&r, 1, "a missing file");
	ck_assert_msg(strstr(r.err, "nosuch.json") && strstr(r.err, "No such file"), "%s", r.err);
	tu_run_free(&r);
	r = RUN(store, "import", tu_path("."));
	assert_status(&r, 2, "a directory");
	tu_run_free(&r);
	r = tu_cli(NULL, "--store", store, "import", (const char *)NULL);
	assert_status(&r, 2, "no FILE");
	tu_run_free(&r);
	r = RUN(store, "export", "--format", "xml", "-o", tu_path("x"));
	assert_status(&r, 2, "--format xml");
	ck_assert_msg(strstr(r.err, "json or binary"), "%s", r.err);
	tu_run_free(&r);
}
END_TEST

/* The binary format through the same commands (export_binary.c and
 * import_binary.c do the work; this checks the dispatch). */
START_TEST(test_binary_dispatch)
{
	const char *src = tu_path("src.db");
	const char *file = tu_path("demo.bin");
	run_ok(src, "demo", "--steps", "40", "--seed", "5", NULL);
	run_ok(src, "export", "--format", "binary", "-o", file, NULL);
	tu_run r = RUN(store, "import", file);
	assert_status(&r, 0, "import binary");
	ck_assert_msg(strstr(r.out, "imported 40 snapshots"), "%s", r.out);
	tu_run_free(&r);
	char *want = listing(src), *got = listing(store);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
}
END_TEST

/* ---- SIGKILL --------------------------------------------------------------- */

static pid_t spawn(const char *const *argv)
{
	const char *bin = getenv("SNAPSCOPE_BIN");
	if (!bin || !*bin)
		bin = "build/snapscope";
	const char *args[16];
	size_t n = 0;
	args[n++] = bin;
	while (*argv && n < 15)
		args[n++] = *argv++;
	args[n] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		unsetenv("SNAPSCOPE_STORE");
		setenv("TZ", "UTC", 1);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	return pid;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Run to the end; returns the microseconds it took. */
static int64_t run_timed(const char *const *argv)
{
	int64_t t0 = now_us();
	pid_t pid = spawn(argv);
	int wst;
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "%s %s failed", argv[2], argv[3]);
	return now_us() - t0;
}

/* Start, SIGKILL after `delay_us` (unless it ended first); true when killed.
 * A run that ended by itself must have succeeded. */
static bool run_killed(const char *const *argv, int64_t delay_us)
{
	pid_t pid = spawn(argv);
	struct timespec ts = { .tv_sec = (time_t)(delay_us / 1000000),
	                       .tv_nsec = (long)(delay_us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	kill(pid, SIGKILL);
	int wst;
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	ck_assert_msg(WIFSIGNALED(wst) || (WIFEXITED(wst) && WEXITSTATUS(wst) == 0),
	              "%s ended with status %d", argv[2], WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
	return WIFSIGNALED(wst);
}

#define KILL_STEPS "1000"
#define KILL_COUNT 1000
#define KILL_ROUNDS 7

static int64_t snapshots_in(const char *db)
{
	tu_run r = RUN(db, "stats", "--json");
	assert_status(&r, 0, "stats --json");
	json_error_t e;
	json_t *s = json_loads(r.out, 0, &e);
	ck_assert_msg(s != NULL, "stats --json: %s", e.text);
	int64_t n = json_integer_value(json_object_get(s, "snapshots"));
	json_decref(s);
	tu_run_free(&r);
	return n;
}

START_TEST(test_sigkill_export_and_import)
{
	char *src = strdup(tu_path("src.db"));
	run_ok(src, "demo", "--steps", KILL_STEPS, "--seed", "11", NULL);
	char *full = strdup(tu_path("full.json"));
	const char *exp_argv[] = { "--store", src, "export", "-o", full, NULL };
	int64_t export_us = run_timed(exp_argv);
	srand((unsigned)getpid());

	/* Export: the name shows a complete file or nothing. */
	for (int i = 0; i < KILL_ROUNDS; i++) {
		char name[32];
		snprintf(name, sizeof name, "k%d.json", i);
		char *out = strdup(tu_path(name));
		int64_t delay = export_us * (5 + rand() % 110) / 100;
		const char *argv[] = { "--store", src, "export", "-o", out, NULL };
		bool killed = run_killed(argv, delay);
		struct stat sb;
		if (stat(out, &sb) != 0) {
			ck_assert_msg(killed, "round %d: not killed, and no file", i);
			free(out);
			continue;
		}
		json_error_t e;
		json_t *doc = json_load_file(out, 0, &e);
		ck_assert_msg(doc != NULL, "round %d (killed %d after %lld us): a partial file under the final name: %s",
		              i, killed, (long long)delay, e.text);
		ck_assert_int_eq(json_array_size(json_object_get(doc, "snapshots")), KILL_COUNT);
		json_decref(doc);
		free(out);
	}

	/* Import: all or nothing, and the store verifies. */
	char *base = strdup(tu_path("base.db"));
	tu_run r = tu_cli("{\"own\":1}", "--store", base, "capture", "own", (const char *)NULL);
	assert_status(&r, 0, "capture");
	tu_run_free(&r);
	char *probe = strdup(tu_path("probe.db"));
	const char *imp_argv[] = { "--store", probe, "import", full, NULL };
	int64_t import_us = run_timed(imp_argv);
	ck_assert_int_eq(snapshots_in(probe), KILL_COUNT);
	for (int i = 0; i < KILL_ROUNDS; i++) {
		char name[32];
		snprintf(name, sizeof name, "i%d.db", i);
		char *db = strdup(tu_path(name));
		/* A fresh copy of the base store (no -wal: it was closed). */
		size_t blen;
		char *bytes = tu_read_file(base, &blen);
		ck_assert(bytes != NULL);
		tu_write_file(db, bytes, blen);
		free(bytes);
		int64_t delay = import_us * (5 + rand() % 110) / 100;
		const char *argv[] = { "--store", db, "import", full, NULL };
		bool killed = run_killed(argv, delay);
		int64_t n = snapshots_in(db);
		ck_assert_msg(n == 1 || n == 1 + KILL_COUNT,
		              "round %d (killed %d after %lld us): %lld snapshots in the store", i,
		              killed, (long long)delay, (long long)n);
		r = RUN(db, "verify");
		assert_status(&r, 0, "verify after a killed import");
		tu_run_free(&r);
		free(db);
	}
	/* tu_path() keeps a few paths at once only: the ones used across the
	 * loops are copies. */
	free(src);
	free(full);
	free(base);
	free(probe);
}
END_TEST

Suite *cli_import_suite(void); /* for check_main.c */

Suite *cli_import_suite(void)
{
	Suite *s = suite_create("cli_import");
	TCase *tc = tcase_create("import");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_import_round_trip);
	tcase_add_test(tc, test_bad_files_change_nothing);
	tcase_add_test(tc, test_binary_dispatch);
	tcase_add_test(tc, test_sigkill_export_and_import);
	suite_add_tcase(s, tc);
	return s;
}
