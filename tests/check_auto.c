/*
 * check_auto.c - automatic capture (ss_auto.h) over a real store file: the
 * thread polls a C callback on its interval and records what it returns
 * (origin auto), skips unchanged states (after ignore rules) unless asked,
 * records failures as capture errors and goes on, pauses and resumes,
 * captures on demand, keeps to the grid when a poll is slow, finishes the
 * capture in progress when stopped, tells subscribers and wakes a poller,
 * applies retention, and lets another manager read while it writes.
 *
 * These are also the concurrency tests `make tsan` runs under
 * ThreadSanitizer.  Waits poll for a condition with a generous deadline;
 * nothing asserts a speed.
 */
#include <check.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snapscope.h"
#include "ss_auto.h"
#include "testutil.h"

static ss_manager *mgr;
static char err[1024];

static void setup(void)
{
	tu_tmpdir();
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	ss_status st = ss_open(&cfg, &mgr, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open: %s", err);
}

static void teardown(void)
{
	ss_close(mgr);
	mgr = NULL;
	tu_cleanup();
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- a source the tests steer ------------------------------------------------ */

struct fake {
	pthread_mutex_t lock;
	int calls;
	int64_t call_at[256];       /* monotonic ms of each call */
	int value;                  /* the state is {"n": value, "ts": calls} */
	bool bump;                  /* value++ on every call */
	bool vary_ts;               /* include "ts" (an ignorable field) */
	bool fail;                  /* return a capture error instead */
	bool nothing;               /* return "nothing new" */
	int sleep_ms;               /* how long a poll takes */
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->lock, NULL);
}

static ss_status fake_poll(void *user_data, json_t **state, char *reason, size_t reason_size)
{
	struct fake *f = user_data;
	pthread_mutex_lock(&f->lock);
	if (f->calls < 256)
		f->call_at[f->calls] = now_ms();
	int calls = ++f->calls;
	if (f->bump)
		f->value++;
	int value = f->value;
	bool fail = f->fail, nothing = f->nothing, vary = f->vary_ts;
	int slow = f->sleep_ms;
	pthread_mutex_unlock(&f->lock);
	if (slow)
		sleep_ms(slow);
	if (fail) {
		snprintf(reason, reason_size, "exit status 7: connection refused (poll %d)", calls);
		return SS_IO;
	}
	if (nothing)
		return SS_OK;
	*state = vary ? json_pack("{s:i, s:i}", "n", value, "ts", calls)
	              : json_pack("{s:i}", "n", value);
	return SS_OK;
}

static int fake_calls(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	int n = f->calls;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void wait_calls(struct fake *f, int n, int deadline_ms)
{
	int64_t end = now_ms() + deadline_ms;
	while (fake_calls(f) < n && now_ms() < end)
		sleep_ms(10);
	ck_assert_msg(fake_calls(f) >= n, "only %d polls of %d within %d ms", fake_calls(f), n,
	              deadline_ms);
}

static int64_t count_snapshots(ss_manager *m, const char *session)
{
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	int64_t n = -1;
	ck_assert_int_eq(ss_count(m, &q, &n), SS_OK);
	return n;
}

static ss_auto_info status(const char *session)
{
	ss_auto_info info;
	ck_assert_int_eq(ss_auto_status(mgr, session, &info), SS_OK);
	return info;
}

/* Wait until the thread has stored `n` snapshots. */
static void wait_captured(const char *session, int64_t n)
{
	int64_t end = now_ms() + 10000;
	while (status(session).captured < n && now_ms() < end)
		sleep_ms(10);
	ck_assert_int_ge(status(session).captured, n);
}

/* ---- tests ----------------------------------------------------------------------- */

START_TEST(test_captures_on_interval)
{
	struct fake f;
	fake_init(&f);
	f.bump = true;
	ck_assert_int_eq(ss_auto_start(mgr, "api", 100, fake_poll, &f), SS_OK);
	wait_captured("api", 4);
	ck_assert_int_eq(ss_auto_stop(mgr, "api"), SS_OK);
	int calls = fake_calls(&f);
	sleep_ms(250);
	ck_assert_int_eq(fake_calls(&f), calls); /* stopped means no more polls */

	/* Every poll stored, in order, origin auto, readable and verified. */
	ck_assert_int_eq(count_snapshots(mgr, "api"), calls);
	int64_t id;
	ck_assert_int_eq(ss_latest(mgr, "api", &id), SS_OK);
	json_t *state;
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, id, &state, &meta), SS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(state, "n")), calls);
	ck_assert_int_eq(meta.origin, SS_ORIGIN_AUTO);
	ck_assert_int_eq(meta.seq, calls);
	json_decref(state);
	ss_snapshot_clear(&meta);
	ck_assert_int_eq(ss_verify(mgr, "api", NULL, NULL, NULL, NULL), SS_OK);
	ck_assert_int_eq(ss_auto_stop(mgr, "api"), SS_NOT_FOUND);
}
END_TEST

START_TEST(test_unchanged_not_stored)
{
	struct fake f;
	fake_init(&f);
	ck_assert_int_eq(ss_auto_start(mgr, "same", 100, fake_poll, &f), SS_OK);
	wait_calls(&f, 5, 10000);
	ck_assert_int_eq(ss_auto_stop(mgr, "same"), SS_OK);
	ck_assert_int_eq(count_snapshots(mgr, "same"), 1);

	/* --keep-unchanged stores every poll. */
	struct fake g;
	fake_init(&g);
	ss_auto_opts opts;
	ss_auto_opts_init(&opts);
	opts.interval_ms = 100;
	opts.keep_unchanged = true;
	ck_assert_int_eq(ss_auto_start_opts(mgr, "kept", &opts, fake_poll, &g), SS_OK);
	wait_captured("kept", 3);
	ck_assert_int_eq(ss_auto_stop(mgr, "kept"), SS_OK);
	ck_assert_int_eq(count_snapshots(mgr, "kept"), fake_calls(&g));
}
END_TEST

START_TEST(test_unchanged_after_ignore_rules)
{
	/* Only "ts" changes, and the session ignores it: one snapshot. */
	ss_session_config scfg = { 0 };
	char *ignore[] = { ".ts" };
	scfg.ignore = ignore;
	scfg.n_ignore = 1;
	ck_assert_int_eq(ss_session_config_set(mgr, "volatile", &scfg), SS_OK);
	struct fake f;
	fake_init(&f);
	f.vary_ts = true;
	ck_assert_int_eq(ss_auto_start(mgr, "volatile", 100, fake_poll, &f), SS_OK);
	wait_calls(&f, 5, 10000);
	pthread_mutex_lock(&f.lock);
	f.value = 42;               /* a real change */
	pthread_mutex_unlock(&f.lock);
	int before = fake_calls(&f);
	wait_calls(&f, before + 2, 10000);
	ck_assert_int_eq(ss_auto_stop(mgr, "volatile"), SS_OK);
	ck_assert_int_eq(count_snapshots(mgr, "volatile"), 2);
}
END_TEST

static int count_error(const ss_capture_error *e, void *user_data)
{
	int *n = user_data;
	ck_assert_msg(strstr(e->reason, "connection refused") != NULL, "reason: %s", e->reason);
	ck_assert_int_gt(e->at, 0);
	(*n)++;
	return 0;
}

START_TEST(test_errors_recorded_and_capture_goes_on)
{
	struct fake f;
	fake_init(&f);
	f.fail = true;
	ck_assert_int_eq(ss_auto_start(mgr, "down", 100, fake_poll, &f), SS_OK);
	wait_calls(&f, 3, 10000);
	ss_auto_info info = status("down");
	ck_assert(info.failing);
	ck_assert_int_ge(info.errors, 2);
	ck_assert_msg(strstr(info.last_error, "connection refused"), "%s", info.last_error);
	/* The server comes back: captures resume, the failing flag clears. */
	pthread_mutex_lock(&f.lock);
	f.fail = false;
	pthread_mutex_unlock(&f.lock);
	wait_captured("down", 1);
	ck_assert(!status("down").failing);
	ck_assert_int_eq(ss_auto_stop(mgr, "down"), SS_OK);

	ck_assert_int_eq(count_snapshots(mgr, "down"), 1);
	int n = 0;
	ck_assert_int_eq(ss_capture_errors(mgr, "down", SS_TIME_NONE, SS_TIME_NONE, 0, count_error,
	                                   &n), SS_OK);
	ck_assert_int_ge(n, 2);
}
END_TEST

START_TEST(test_nothing_new_is_neither_snapshot_nor_error)
{
	struct fake f;
	fake_init(&f);
	f.nothing = true;
	ck_assert_int_eq(ss_auto_start(mgr, "quiet", 100, fake_poll, &f), SS_OK);
	wait_calls(&f, 3, 10000);
	ss_auto_info info = status("quiet");
	ck_assert_int_eq(info.errors, 0);
	ck_assert_int_eq(info.captured, 0);
	ck_assert_int_eq(ss_auto_stop(mgr, "quiet"), SS_OK);
	ck_assert_int_eq(count_snapshots(mgr, "quiet"), 0);
}
END_TEST

START_TEST(test_pause_resume_trigger)
{
	struct fake f;
	fake_init(&f);
	f.bump = true;
	ss_auto_opts opts;
	ss_auto_opts_init(&opts);
	opts.interval_ms = 100;
	opts.start_paused = true;
	ck_assert_int_eq(ss_auto_start_opts(mgr, "p", &opts, fake_poll, &f), SS_OK);
	ck_assert(status("p").paused);
	sleep_ms(350);
	ck_assert_int_eq(fake_calls(&f), 0);
	/* Capture now works while paused, once. */
	ck_assert_int_eq(ss_auto_trigger(mgr, "p"), SS_OK);
	wait_captured("p", 1);
	sleep_ms(300);
	ck_assert_int_eq(fake_calls(&f), 1);
	ck_assert_int_eq(ss_auto_pause(mgr, "p", false), SS_OK);
	ck_assert(!status("p").paused);
	wait_captured("p", 3);
	ck_assert_int_eq(ss_auto_pause(mgr, "p", true), SS_OK);
	sleep_ms(150);             /* a poll already begun may still finish */
	int calls = fake_calls(&f);
	sleep_ms(350);
	ck_assert_int_eq(fake_calls(&f), calls);
	ck_assert_int_eq(ss_auto_stop(mgr, "p"), SS_OK);
	ck_assert_int_eq(ss_auto_trigger(mgr, "p"), SS_NOT_FOUND);
}
END_TEST

START_TEST(test_interval_does_not_drift)
{
	/* Each poll takes 60 ms of a 100 ms interval.  A sleep after each poll
	 * would start one every 160 ms; the grid starts one every 100 ms. */
	struct fake f;
	fake_init(&f);
	f.bump = true;
	f.sleep_ms = 60;
	ck_assert_int_eq(ss_auto_start(mgr, "grid", 100, fake_poll, &f), SS_OK);
	wait_calls(&f, 16, 20000);
	ck_assert_int_eq(ss_auto_stop(mgr, "grid"), SS_OK);
	pthread_mutex_lock(&f.lock);
	int64_t span = f.call_at[15] - f.call_at[0];
	/* Polls that start on the grid: every start is close to a multiple of
	 * 100 ms after the first (skipped ticks allowed on a loaded machine). */
	int on_grid = 0;
	for (int i = 1; i < 16; i++) {
		int64_t off = (f.call_at[i] - f.call_at[0]) % 100;
		on_grid += off < 50 || off > 90;
	}
	pthread_mutex_unlock(&f.lock);
	ck_assert_msg(span < 15 * 160, "15 intervals took %lld ms: the interval drifts",
	              (long long)span);
	ck_assert_msg(on_grid >= 10, "only %d of 15 polls started on the 100 ms grid", on_grid);
}
END_TEST

START_TEST(test_stop_finishes_the_capture_in_progress)
{
	struct fake f;
	fake_init(&f);
	f.bump = true;
	f.sleep_ms = 400;
	ck_assert_int_eq(ss_auto_start(mgr, "slow", 1000, fake_poll, &f), SS_OK);
	wait_calls(&f, 1, 10000);  /* the first poll is under way */
	ck_assert_int_eq(ss_auto_stop(mgr, "slow"), SS_OK);
	/* It finished and was committed whole before stop returned. */
	ck_assert_int_eq(count_snapshots(mgr, "slow"), 1);
	ck_assert_int_eq(ss_verify(mgr, "slow", NULL, NULL, NULL, NULL), SS_OK);
}
END_TEST

/* ---- events and the wake pipe ---------------------------------------------------- */

struct seen {
	pthread_mutex_t lock;
	int n[SS_EVENT_CLEANUP_DONE + 1];
	int64_t cleaned;
};

static void on_event(const ss_event *ev, void *user_data)
{
	struct seen *s = user_data;
	pthread_mutex_lock(&s->lock);
	if ((int)ev->type <= SS_EVENT_CLEANUP_DONE)
		s->n[ev->type]++;
	if (ev->type == SS_EVENT_CLEANUP_DONE)
		s->cleaned += ev->count;
	if (ev->type == SS_EVENT_CAPTURE_ERROR)
		ck_assert_ptr_nonnull(ev->message);
	pthread_mutex_unlock(&s->lock);
}

static int seen(struct seen *s, ss_event_type t)
{
	pthread_mutex_lock(&s->lock);
	int n = s->n[t];
	pthread_mutex_unlock(&s->lock);
	return n;
}

START_TEST(test_events_and_wake_fd)
{
	struct seen s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.lock, NULL);
	int h = ss_subscribe(mgr, on_event, &s);
	ck_assert_int_gt(h, 0);
	ck_assert_int_eq(ss_auto_wake_fd(mgr), -1);

	struct fake f;
	fake_init(&f);
	f.bump = true;
	ck_assert_int_eq(ss_auto_start(mgr, "ev", 100, fake_poll, &f), SS_OK);
	int fd = ss_auto_wake_fd(mgr);
	ck_assert_int_ge(fd, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);   /* woken by the first capture */
	ss_auto_drain(mgr);
	wait_captured("ev", 2);
	pthread_mutex_lock(&f.lock);
	f.fail = true;
	pthread_mutex_unlock(&f.lock);
	int64_t end = now_ms() + 10000;
	while (seen(&s, SS_EVENT_CAPTURE_ERROR) == 0 && now_ms() < end)
		sleep_ms(10);
	ck_assert_int_eq(ss_auto_pause(mgr, "ev", true), SS_OK);
	ck_assert_int_eq(ss_auto_pause(mgr, "ev", false), SS_OK);
	ck_assert_int_eq(ss_auto_stop(mgr, "ev"), SS_OK);

	ck_assert_int_eq(seen(&s, SS_EVENT_CAPTURE_STARTED), 1);
	ck_assert_int_ge(seen(&s, SS_EVENT_SNAPSHOT_CREATED), 2);
	ck_assert_int_ge(seen(&s, SS_EVENT_CAPTURE_ERROR), 1);
	ck_assert_int_eq(seen(&s, SS_EVENT_CAPTURE_PAUSED), 1);
	ck_assert_int_eq(seen(&s, SS_EVENT_CAPTURE_RESUMED), 1);
	ck_assert_int_eq(seen(&s, SS_EVENT_CAPTURE_STOPPED), 1);
	ck_assert_int_eq(seen(&s, SS_EVENT_SESSION_CREATED), 0); /* made at start, by config */
	ss_unsubscribe(mgr, h);
}
END_TEST

START_TEST(test_retention_applied_after_captures)
{
	ss_session_config scfg = { 0 };
	scfg.max_count = 3;
	ck_assert_int_eq(ss_session_config_set(mgr, "kept3", &scfg), SS_OK);
	struct seen s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.lock, NULL);
	ss_subscribe(mgr, on_event, &s);
	struct fake f;
	fake_init(&f);
	f.bump = true;
	ck_assert_int_eq(ss_auto_start(mgr, "kept3", 100, fake_poll, &f), SS_OK);
	wait_captured("kept3", 8);
	ck_assert_int_eq(ss_auto_stop(mgr, "kept3"), SS_OK);
	ck_assert_int_le(count_snapshots(mgr, "kept3"), 3);
	ck_assert_int_ge(seen(&s, SS_EVENT_SNAPSHOT_DELETED), 5);
	pthread_mutex_lock(&s.lock);
	ck_assert_int_ge(s.cleaned, 5);
	pthread_mutex_unlock(&s.lock);
	/* What is left is readable: deletes re-based the deltas. */
	ck_assert_int_eq(ss_verify(mgr, "kept3", NULL, NULL, NULL, NULL), SS_OK);
}
END_TEST

/* ---- reading while the thread writes ---------------------------------------------- */

static int check_row(const ss_snapshot *row, void *user_data)
{
	ss_manager *reader = user_data;
	json_t *state;
	ss_status st = ss_get(reader, row->id, &state, NULL);
	ck_assert_msg(st == SS_OK, "reading %lld while capture writes: %s", (long long)row->id,
	              ss_errmsg(reader));
	json_decref(state);
	return 0;
}

START_TEST(test_reader_while_thread_writes)
{
	struct fake f;
	fake_init(&f);
	f.bump = true;
	ck_assert_int_eq(ss_auto_start(mgr, "live", 100, fake_poll, &f), SS_OK);
	/* The caller's own manager reads, as the browser does, while the
	 * thread writes through its own connection. */
	int64_t version = 0, end = now_ms() + 1500;
	bool changed = false, ever_changed = false;
	ck_assert_int_eq(ss_changed_since(mgr, &version, &changed), SS_OK);
	while (now_ms() < end) {
		ss_query q;
		ss_query_init(&q);
		q.session = "live";
		q.reverse = true;
		q.limit = 5;
		ck_assert_int_eq(ss_search(mgr, &q, NULL, check_row, mgr), SS_OK);
		ck_assert_int_eq(ss_changed_since(mgr, &version, &changed), SS_OK);
		ever_changed |= changed;
		sleep_ms(20);
	}
	ck_assert_int_eq(ss_auto_stop(mgr, "live"), SS_OK);
	ck_assert(ever_changed);
	ck_assert_int_ge(count_snapshots(mgr, "live"), 3);
}
END_TEST

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_no_fd_or_thread_left_behind)
{
	/* Start and stop on a manager of its own, then close it: the thread's
	 * connection, the WAL files it opened and the wake pipe all go. */
	int before = open_fds();
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	for (int round = 0; round < 3; round++) {
		ss_manager *m;
		ck_assert_int_eq(ss_open(&cfg, &m, err, sizeof err), SS_OK);
		struct fake f;
		fake_init(&f);
		f.bump = true;
		ck_assert_int_eq(ss_auto_start(m, "fds", 100, fake_poll, &f), SS_OK);
		wait_calls(&f, 2, 10000);
		if (round == 2) {
			ss_close(m);    /* closing stops it too */
		} else {
			ck_assert_int_eq(ss_auto_stop(m, "fds"), SS_OK);
			ss_close(m);
		}
	}
	ck_assert_int_eq(open_fds(), before);
}
END_TEST

START_TEST(test_store_deleted_under_the_thread)
{
	struct fake f;
	fake_init(&f);
	f.bump = true;
	ck_assert_int_eq(ss_auto_start(mgr, "gone", 100, fake_poll, &f), SS_OK);
	wait_captured("gone", 1);
	ck_assert_int_eq(unlink(tu_path("store.db")), 0);
	int64_t end = now_ms() + 10000;
	while (!status("gone").failing && now_ms() < end)
		sleep_ms(10);
	ss_auto_info info = status("gone");
	ck_assert(info.failing);
	ck_assert_msg(strstr(info.last_error, "deleted or replaced"), "%s", info.last_error);
	/* Polls stop: nothing is captured into a file nobody can open. */
	int calls = fake_calls(&f);
	sleep_ms(350);
	ck_assert_int_eq(fake_calls(&f), calls);
	ck_assert_int_eq(ss_auto_stop(mgr, "gone"), SS_OK);
}
END_TEST

START_TEST(test_refusals)
{
	struct fake f;
	fake_init(&f);
	ck_assert_int_eq(ss_auto_start(mgr, "x", 50, fake_poll, &f), SS_USAGE);
	ck_assert_msg(strstr(ss_errmsg(mgr), "100ms"), "%s", ss_errmsg(mgr));
	ck_assert_int_eq(ss_auto_start(mgr, "bad/name", 100, fake_poll, &f), SS_USAGE);
	ck_assert_int_eq(ss_auto_start(mgr, "x", 100, NULL, NULL), SS_USAGE);
	ck_assert_int_eq(ss_auto_start(mgr, "x", 100, fake_poll, &f), SS_OK);
	ck_assert_int_eq(ss_auto_start(mgr, "x", 100, fake_poll, &f), SS_EXISTS);
	ck_assert_int_eq(ss_auto_stop(mgr, "nope"), SS_NOT_FOUND);
	/* ss_close stops what is still running. */

	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_type = SS_STORE_TYPE_MEMORY;
	ss_manager *mem;
	ck_assert_int_eq(ss_open(&cfg, &mem, err, sizeof err), SS_OK);
	ck_assert_int_eq(ss_auto_start(mem, "x", 100, fake_poll, &f), SS_USAGE);
	ck_assert_msg(strstr(ss_errmsg(mem), "store file"), "%s", ss_errmsg(mem));
	ss_close(mem);
}
END_TEST

Suite *auto_suite(void); /* for check_main.c */

Suite *auto_suite(void)
{
	Suite *s = suite_create("auto");
	TCase *tc = tcase_create("capture");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_captures_on_interval);
	tcase_add_test(tc, test_unchanged_not_stored);
	tcase_add_test(tc, test_unchanged_after_ignore_rules);
	tcase_add_test(tc, test_errors_recorded_and_capture_goes_on);
	tcase_add_test(tc, test_nothing_new_is_neither_snapshot_nor_error);
	tcase_add_test(tc, test_pause_resume_trigger);
	tcase_add_test(tc, test_interval_does_not_drift);
	tcase_add_test(tc, test_stop_finishes_the_capture_in_progress);
	tcase_add_test(tc, test_events_and_wake_fd);
	tcase_add_test(tc, test_retention_applied_after_captures);
	tcase_add_test(tc, test_reader_while_thread_writes);
	tcase_add_test(tc, test_no_fd_or_thread_left_behind);
	tcase_add_test(tc, test_store_deleted_under_the_thread);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}
