/*
 * check_crash.c - crash safety and several writers, with real processes.
 *
 * A child captures as fast as it can into a real store file and reports
 * each snapshot id on a pipe once ss_create() returned (the commit is
 * durable by then); the parent kills it with SIGKILL after a random delay,
 * again and again, alternating between direct ss_create() calls and the
 * automatic capture thread (ids reported from its "created" events).
 * Afterwards every reported id must read back with a valid checksum and
 * ss_verify() (checksums, delta chains, PRAGMA integrity_check) must pass.
 * The delays come from a fixed seed, printed, so a failure can be re-run.
 *
 * Then several processes capture into one session at once: SQLite's lock
 * and busy timeout serialise them, every capture lands, sequence numbers
 * stay unique and the store verifies; and a lock held past the busy
 * timeout is a one-line "store busy" with exit status 4.
 */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snapscope.h"
#include "ss_auto.h"
#include "testutil.h"

#define ROUNDS 40
#define SEED 20261125u

static void setup(void)
{
	tu_tmpdir();
}

static void teardown(void)
{
	tu_cleanup();
}

static ss_manager *open_store(void)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.keyframe_every = 8;     /* short chains: keyframes and deltas both get killed */
	ss_manager *m = NULL;
	char err[1024];
	if (ss_open(&cfg, &m, err, sizeof err) != SS_OK) {
		fprintf(stderr, "child: %s\n", err);
		return NULL;
	}
	return m;
}

/* A state that changes a little each time, big enough that some captures
 * are compressed keyframes and most are deltas. */
static json_t *make_state(int round, int i)
{
	json_t *items = json_array();
	for (int k = 0; k < 40; k++)
		json_array_append_new(items, json_pack("{s:i, s:s, s:i}", "id", k, "status",
		                                       (k + i) % 3 ? "idle" : "busy", "load",
		                                       (k * 7 + i) % 100));
	return json_pack("{s:i, s:i, s:o}", "round", round, "i", i, "items", items);
}

static void report(int fd, int64_t id)
{
	if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
		_exit(3);
}

static void direct_child(int fd, int round)
{
	ss_manager *m = open_store();
	if (!m)
		_exit(2);
	for (int i = 0;; i++) {
		json_t *state = make_state(round, i);
		int64_t id;
		if (ss_create(m, "crash", state, NULL, &id) != SS_OK)
			_exit(4);
		json_decref(state);
		report(fd, id);
	}
}

struct child_src {
	int round, i;
};

static ss_status child_poll(void *user_data, json_t **state, char *reason, size_t size)
{
	struct child_src *c = user_data;
	(void)reason;
	(void)size;
	*state = make_state(c->round, c->i++);
	return SS_OK;
}

static void on_created(const ss_event *ev, void *user_data)
{
	if (ev->type == SS_EVENT_SNAPSHOT_CREATED)
		report(*(int *)user_data, ev->snapshot_id);
}

static void auto_child(int fd, int round)
{
	ss_manager *m = open_store();
	if (!m)
		_exit(2);
	static int out;
	out = fd;
	ss_subscribe(m, on_created, &out);
	struct child_src src = { round, 0 };
	if (ss_auto_start(m, "crash", SS_AUTO_INTERVAL_MIN_MS, child_poll, &src) != SS_OK)
		_exit(5);
	for (;;)
		pause();
}

static int check_row(const ss_snapshot *row, void *user_data)
{
	(void)row;
	(*(int64_t *)user_data)++;
	return 0;
}

START_TEST(test_sigkill_loses_nothing_committed)
{
	unsigned seed = SEED;
	fprintf(stderr, "crash: seed %u\n", seed);
	int64_t *ids = NULL;
	size_t n_ids = 0, cap = 0;
	for (int round = 0; round < ROUNDS; round++) {
		int p[2];
		ck_assert_int_eq(pipe(p), 0);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(p[0]);
			if (round % 2)
				auto_child(p[1], round);
			direct_child(p[1], round);
		}
		close(p[1]);
		/* Anywhere from before the store is open to deep into captures. */
		int delay_ms = (int)(rand_r(&seed) % (round % 2 ? 700 : 150));
		struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "round %d: the child exited (%d) before the kill",
		              round, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		int64_t id;
		while (read(p[0], &id, sizeof id) == (ssize_t)sizeof id) {
			if (n_ids == cap) {
				cap = cap ? cap * 2 : 256;
				ids = realloc(ids, cap * sizeof *ids);
				ck_assert_ptr_nonnull(ids);
			}
			ids[n_ids++] = id;
		}
		close(p[0]);
	}
	ck_assert_msg(n_ids > ROUNDS, "only %zu captures reported in %d rounds", n_ids, ROUNDS);
	fprintf(stderr, "crash: %zu committed captures reported over %d kills\n", n_ids, ROUNDS);

	ss_manager *m = open_store();
	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < n_ids; i++) {
		json_t *state;
		ss_status st = ss_get(m, ids[i], &state, NULL);
		ck_assert_msg(st == SS_OK, "committed snapshot %lld: %s", (long long)ids[i],
		              ss_errmsg(m));
		ck_assert(json_is_object(state));
		json_decref(state);
	}
	int64_t checked = 0, damaged = 0;
	ss_status st = ss_verify(m, NULL, NULL, NULL, &checked, &damaged);
	ck_assert_msg(st == SS_OK, "verify: %s", ss_errmsg(m));
	ck_assert_int_eq(damaged, 0);
	ck_assert_int_ge(checked, (int64_t)n_ids);
	ss_close(m);
	free(ids);
}
END_TEST

#define WRITERS 3
#define EACH 40

START_TEST(test_processes_share_a_store)
{
	ss_manager *m = open_store();   /* created before the writers race */
	ck_assert_ptr_nonnull(m);
	ss_close(m);
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0) {
			ss_manager *c = open_store();
			if (!c)
				_exit(2);
			for (int i = 0; i < EACH; i++) {
				json_t *state = make_state(w, i);
				ss_status st = ss_create(c, "shared", state, NULL, NULL);
				json_decref(state);
				if (st != SS_OK) {
					fprintf(stderr, "writer %d: %s\n", w, ss_errmsg(c));
					_exit(4);
				}
			}
			ss_close(c);
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;
		ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
	}
	m = open_store();
	ss_query q;
	ss_query_init(&q);
	q.session = "shared";
	int64_t rows = 0;
	ck_assert_int_eq(ss_search(m, &q, NULL, check_row, &rows), SS_OK);
	ck_assert_int_eq(rows, WRITERS * EACH);
	ss_session info;
	ck_assert_int_eq(ss_session_info(m, "shared", &info), SS_OK);
	ck_assert_int_eq(info.count, WRITERS * EACH);
	ss_session_clear(&info);
	ss_snapshot meta;
	int64_t latest;
	ck_assert_int_eq(ss_latest(m, "shared", &latest), SS_OK);
	ck_assert_int_eq(ss_get(m, latest, NULL, &meta), SS_OK);
	ck_assert_int_eq(meta.seq, WRITERS * EACH);   /* seqs 1..N, none reused */
	ss_snapshot_clear(&meta);
	ck_assert_int_eq(ss_verify(m, NULL, NULL, NULL, NULL, NULL), SS_OK);
	ss_close(m);
}
END_TEST

/* Another process holds the write lock past the busy timeout: a capture
 * says "store busy" in one line and exits 4, and the store is unharmed. */
START_TEST(test_persistent_busy_is_reported)
{
	ss_manager *m = open_store();
	ck_assert_ptr_nonnull(m);
	ss_close(m);
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3 *db;
		if (sqlite3_open(tu_path("store.db"), &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		sleep(30);              /* killed long before */
		_exit(0);
	}
	close(ready[1]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	tu_run r = tu_cli("{\"a\":1}", "--store", tu_path("store.db"), "capture", "s", NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_msg(r.status == SS_EXIT_BUSY, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "store busy"), "%s", r.err);
	ck_assert_int_eq(strchr(r.err, '\n') - r.err + 1, (long)r.err_len); /* one line */
	tu_run_free(&r);
	m = open_store();
	ck_assert_int_eq(ss_verify(m, NULL, NULL, NULL, NULL, NULL), SS_OK);
	ss_close(m);
}
END_TEST

Suite *crash_suite(void); /* for check_main.c */

Suite *crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("kill");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_sigkill_loses_nothing_committed);
	tcase_add_test(tc, test_processes_share_a_store);
	tcase_add_test(tc, test_persistent_busy_is_reported);
	suite_add_tcase(s, tc);
	return s;
}
