/*
 * check_retention.c - ss_cleanup over a real store: every rule and its
 * reason (pinned, newest, tagged and delete_tagged, hourly and daily
 * buckets, max-age counted from the newest snapshot, max-count, tagged-only,
 * no policy), a clock that stepped back or ahead deleting nothing it should
 * not, a dry run deciding exactly what the real run then does, more than
 * one batch of deletions, and delta chains cut in every pattern (every
 * other one, the keyframes, the middle of a chain) leaving every remaining
 * snapshot readable with its own state and ss_verify clean.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapscope.h"
#include "ss_retention.h"
#include "testutil.h"

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)

static ss_manager *mgr;
static char err[1024];

/* Snapshots created by this test: id -> the "v" its state holds. */
#define MAX_SNAPS 1024
static int64_t made_id[MAX_SNAPS];
static int64_t made_v[MAX_SNAPS];
static size_t n_made;

static void open_with(const char *file, int keyframe_every, bool tagged_only)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path(file);
	cfg.keyframe_every = keyframe_every;
	cfg.tagged_only = tagged_only;
	ss_status st = ss_open(&cfg, &mgr, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open: %s", err);
}

static void setup(void)
{
	tu_tmpdir();
	n_made = 0;
	/* Days are local days: pin the zone so the bucket tests are exact. */
	setenv("TZ", "UTC", 1);
	tzset();
	open_with("store.db", 5, false);
}

static void teardown(void)
{
	ss_close(mgr);
	mgr = NULL;
	tu_cleanup();
}

/* A state big enough that consecutive ones are stored as deltas. */
static json_t *state_for(int64_t v)
{
	json_t *items = json_array();
	for (int i = 0; i < 20; i++)
		json_array_append_new(items, json_pack("{s:i, s:s}", "id", i, "name", "item"));
	json_array_append_new(items, json_pack("{s:i, s:I}", "id", 99, "v", (json_int_t)v));
	return json_pack("{s:I, s:o}", "v", (json_int_t)v, "items", items);
}

static int64_t make(const char *session, int64_t v, int64_t at, bool tagged, bool pinned)
{
	json_t *state = state_for(v);
	const char *tags[] = { "keep-me" };
	ss_create_opts opts = { .created_at = at, .tags = tagged ? tags : NULL,
	                        .n_tags = tagged ? 1 : 0, .pinned = pinned };
	int64_t id = 0;
	ss_status st = ss_create(mgr, session, state, &opts, &id);
	ck_assert_msg(st == SS_OK, "ss_create: %s", ss_errmsg(mgr));
	json_decref(state);
	ck_assert_uint_lt(n_made, MAX_SNAPS);
	made_id[n_made] = id;
	made_v[n_made++] = v;
	return id;
}

/* ---- decisions ---------------------------------------------------------------- */

struct decision {
	int64_t id, seq, created_at;
	bool keep;
	char reason[64];
	char session[SS_SESSION_NAME_MAX + 1];
};

struct decisions {
	struct decision d[MAX_SNAPS];
	size_t n;
};

static void on_decision(const ss_cleanup_decision *d, void *user_data)
{
	struct decisions *ds = user_data;
	ck_assert_uint_lt(ds->n, MAX_SNAPS);
	struct decision *o = &ds->d[ds->n++];
	o->id = d->id;
	o->seq = d->seq;
	o->created_at = d->created_at;
	o->keep = d->keep;
	snprintf(o->reason, sizeof o->reason, "%s", d->reason);
	snprintf(o->session, sizeof o->session, "%s", d->session);
}

static struct decisions *run(const char *session, const ss_retention *ov, bool dry,
                             int64_t *deleted)
{
	struct decisions *ds = calloc(1, sizeof *ds);
	ck_assert_ptr_nonnull(ds);
	int64_t n = -1;
	ss_status st = ss_cleanup(mgr, session, ov, dry, on_decision, ds, &n);
	ck_assert_msg(st == SS_OK, "ss_cleanup: %s", ss_errmsg(mgr));
	if (deleted)
		*deleted = n;
	return ds;
}

static const struct decision *find(const struct decisions *ds, int64_t id)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->d[i].id == id)
			return &ds->d[i];
	ck_abort_msg("no decision for snapshot %lld", (long long)id);
	return NULL;
}

static void expect(const struct decisions *ds, int64_t id, bool keep, const char *reason)
{
	const struct decision *d = find(ds, id);
	ck_assert_msg(d->keep == keep && strcmp(d->reason, reason) == 0,
	              "snapshot %lld: %s \"%s\", want %s \"%s\"", (long long)id,
	              d->keep ? "keep" : "delete", d->reason, keep ? "keep" : "delete", reason);
}

static int64_t count_snapshots(const char *session)
{
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	int64_t n = -1;
	ck_assert_int_eq(ss_count(mgr, &q, &n), SS_OK);
	return n;
}

static bool exists(int64_t id)
{
	ss_snapshot meta;
	memset(&meta, 0, sizeof meta);
	ss_status st = ss_get(mgr, id, NULL, &meta);
	ss_snapshot_clear(&meta);
	ck_assert(st == SS_OK || st == SS_NOT_FOUND);
	return st == SS_OK;
}

/* Every snapshot still there reads back (checksum verified) with the state
 * it was created with, and the store verifies; returns how many remain. */
static int64_t assert_all_readable(void)
{
	int64_t remaining = 0;
	for (size_t i = 0; i < n_made; i++) {
		json_t *state = NULL;
		ss_status st = ss_get(mgr, made_id[i], &state, NULL);
		if (st == SS_NOT_FOUND)
			continue;
		ck_assert_msg(st == SS_OK, "snapshot %lld unreadable: %s", (long long)made_id[i],
		              ss_errmsg(mgr));
		json_t *want = state_for(made_v[i]);
		ck_assert_msg(json_equal(state, want), "snapshot %lld has the wrong state",
		              (long long)made_id[i]);
		json_decref(want);
		json_decref(state);
		remaining++;
	}
	int64_t checked = 0, damaged = 0;
	ss_status st = ss_verify(mgr, NULL, NULL, NULL, &checked, &damaged);
	ck_assert_msg(st == SS_OK, "ss_verify: %s", ss_errmsg(mgr));
	ck_assert_int_eq(damaged, 0);
	ck_assert_int_eq(checked, remaining);
	return remaining;
}

static void fmt_age(const char *prefix, int64_t ms, char *buf, size_t size)
{
	char d[48];
	ss_duration_format(ms, d, sizeof d);
	snprintf(buf, size, "%s%s", prefix, d);
}

/* A whole hour, well in the past, so that "now" is never the reference. */
static int64_t past_hour(int64_t days_ago)
{
	int64_t now = ss_now_ms();
	return (now / HOUR) * HOUR - days_ago * DAY;
}

/* ---- rules -------------------------------------------------------------------- */

START_TEST(test_no_policy_keeps_everything)
{
	int64_t t = past_hour(3);
	int64_t a = make("s", 1, t, false, false);
	int64_t b = make("s", 2, t + 1000, false, false);
	int64_t c = make("s", 3, t + 2000, false, false);
	int64_t deleted = -1;
	struct decisions *ds = run("s", NULL, false, &deleted);
	ck_assert_int_eq(deleted, 0);
	ck_assert_uint_eq(ds->n, 3);
	/* Newest first. */
	ck_assert_int_eq(ds->d[0].id, c);
	ck_assert_int_eq(ds->d[2].id, a);
	expect(ds, c, true, "newest");
	expect(ds, b, true, "no policy");
	expect(ds, a, true, "no policy");
	ck_assert_str_eq(ds->d[0].session, "s");
	ck_assert_int_eq(ds->d[0].seq, 3);
	ck_assert_int_eq(ds->d[0].created_at, t + 2000);
	free(ds);
	ck_assert_int_eq(count_snapshots("s"), 3);
}
END_TEST

START_TEST(test_max_count_pinned_and_newest)
{
	int64_t t = past_hour(2);
	int64_t ids[10];
	for (int i = 0; i < 10; i++)
		ids[i] = make("s", i, t + i * 60000, false, i == 2);
	ss_retention ov = { .max_count = 1 };
	int64_t deleted = -1;
	struct decisions *ds = run("s", &ov, false, &deleted);
	ck_assert_int_eq(deleted, 8);
	expect(ds, ids[9], true, "newest");
	expect(ds, ids[2], true, "pinned");
	for (int i = 0; i < 10; i++)
		if (i != 9 && i != 2) {
			expect(ds, ids[i], false, "over max-count");
			ck_assert(!exists(ids[i]));
		}
	free(ds);
	ck_assert_int_eq(count_snapshots("s"), 2);
	ck_assert_int_eq(assert_all_readable(), 2);

	/* max-count 4 counts the protected ones first, then the newest. */
	int64_t more[4];
	for (int i = 0; i < 4; i++)
		more[i] = make("s", 100 + i, t + (20 + i) * 60000, false, false);
	ov.max_count = 4;
	ds = run("s", &ov, true, &deleted);
	ck_assert_int_eq(deleted, 2);
	expect(ds, more[3], true, "newest");
	expect(ds, ids[2], true, "pinned");
	expect(ds, more[2], true, "within max-count");
	expect(ds, more[1], true, "within max-count");
	expect(ds, more[0], false, "over max-count");
	expect(ds, ids[9], false, "over max-count");
	free(ds);
}
END_TEST

START_TEST(test_tagged_kept_unless_delete_tagged)
{
	int64_t t = past_hour(2);
	int64_t tagged = make("s", 1, t, true, false);
	int64_t plain = make("s", 2, t + 1000, false, false);
	int64_t tagged_pinned = make("s", 3, t + 2000, true, true);
	int64_t newest = make("s", 4, t + 3000, false, false);
	ss_retention ov = { .max_count = 1 };
	struct decisions *ds = run("s", &ov, true, NULL);
	expect(ds, tagged, true, "tagged");
	expect(ds, plain, false, "over max-count");
	expect(ds, tagged_pinned, true, "pinned");
	expect(ds, newest, true, "newest");
	free(ds);

	ov.delete_tagged = true;
	ds = run("s", &ov, true, NULL);
	expect(ds, tagged, false, "over max-count");
	expect(ds, tagged_pinned, true, "pinned");
	free(ds);

	/* The same from the session's stored configuration. */
	ss_session_config scfg;
	ck_assert_int_eq(ss_session_config_get(mgr, "s", &scfg), SS_OK);
	ck_assert(!scfg.delete_tagged);
	scfg.max_count = 1;
	scfg.delete_tagged = true;
	ck_assert_int_eq(ss_session_config_set(mgr, "s", &scfg), SS_OK);
	ss_session_config_clear(&scfg);
	ck_assert_int_eq(ss_session_config_get(mgr, "s", &scfg), SS_OK);
	ck_assert(scfg.delete_tagged);
	ck_assert_int_eq(scfg.max_count, 1);
	ss_session_config_clear(&scfg);
	int64_t deleted = -1;
	ds = run("s", NULL, false, &deleted);
	ck_assert_int_eq(deleted, 2);
	expect(ds, tagged, false, "over max-count");
	free(ds);
	ck_assert(exists(tagged_pinned) && exists(newest) && !exists(tagged) && !exists(plain));
	assert_all_readable();

	/* Clearing it again: absent from the stored text reads back false. */
	ck_assert_int_eq(ss_session_config_get(mgr, "s", &scfg), SS_OK);
	scfg.delete_tagged = false;
	ck_assert_int_eq(ss_session_config_set(mgr, "s", &scfg), SS_OK);
	ss_session_config_clear(&scfg);
	ss_session info = { 0 };
	ck_assert_int_eq(ss_session_info(mgr, "s", &info), SS_OK);
	ck_assert_ptr_null(strstr(info.config, "delete_tagged"));
	ss_session_clear(&info);
	ck_assert_int_eq(ss_session_config_get(mgr, "s", &scfg), SS_OK);
	ck_assert(!scfg.delete_tagged);
	ss_session_config_clear(&scfg);
}
END_TEST

START_TEST(test_max_age_from_newest)
{
	/* Hourly snapshots ending a week ago: the last 24h of them are kept,
	 * measured from the newest, not from now. */
	int64_t end = past_hour(7);
	int64_t ids[48];
	for (int i = 47; i >= 0; i--)
		ids[i] = make("s", i, end - i * HOUR, false, false);
	ss_retention ov = { .max_age_ms = DAY };
	char within[64], older[64];
	fmt_age("within ", DAY, within, sizeof within);
	fmt_age("older than ", DAY, older, sizeof older);
	int64_t deleted = -1;
	struct decisions *ds = run("s", &ov, false, &deleted);
	expect(ds, ids[0], true, "newest");
	for (int i = 1; i <= 24; i++)
		expect(ds, ids[i], true, within);
	for (int i = 25; i < 48; i++)
		expect(ds, ids[i], false, older);
	ck_assert_int_eq(deleted, 23);
	free(ds);
	ck_assert_int_eq(assert_all_readable(), 25);

	/* From the manager's configuration when the session sets nothing. */
	ss_close(mgr);
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.max_age_ms = 12 * HOUR;
	ck_assert_int_eq(ss_open(&cfg, &mgr, err, sizeof err), SS_OK);
	ds = run("s", NULL, true, &deleted);
	ck_assert_int_eq(deleted, 12);
	fmt_age("within ", 12 * HOUR, within, sizeof within);
	expect(ds, ids[12], true, within);
	free(ds);
}
END_TEST

START_TEST(test_max_age_and_count_together)
{
	/* Each limit deletes on its own: an old snapshot goes even within the
	 * count, a young one goes past the count. */
	int64_t end = past_hour(1);
	int64_t ids[10];
	for (int i = 9; i >= 0; i--)
		ids[i] = make("s", i, end - i * 4 * HOUR, false, false);
	ss_retention ov = { .max_age_ms = 10 * HOUR, .max_count = 5 };
	char older[64];
	fmt_age("older than ", 10 * HOUR, older, sizeof older);
	struct decisions *ds = run("s", &ov, true, NULL);
	expect(ds, ids[0], true, "newest");
	expect(ds, ids[1], true, "within max-count");  /* 4h */
	expect(ds, ids[2], true, "within max-count");  /* 8h */
	for (int i = 3; i < 10; i++)
		expect(ds, ids[i], false, older);
	free(ds);

	ss_retention tight = { .max_age_ms = 10 * HOUR, .max_count = 2 };
	ds = run("s", &tight, true, NULL);
	expect(ds, ids[0], true, "newest");
	expect(ds, ids[1], true, "within max-count");
	expect(ds, ids[2], false, "over max-count");   /* young, but the third */
	for (int i = 3; i < 10; i++)
		expect(ds, ids[i], false, older);
	free(ds);
}
END_TEST

START_TEST(test_tagged_only)
{
	ss_close(mgr);
	open_with("store.db", 5, true);
	int64_t t = past_hour(2);
	int64_t a = make("s", 1, t, true, false);
	int64_t b = make("s", 2, t + 1000, false, false);
	int64_t c = make("s", 3, t + 2000, false, true);
	int64_t d = make("s", 4, t + 3000, false, false);
	int64_t deleted = -1;
	struct decisions *ds = run("s", NULL, false, &deleted);
	ck_assert_int_eq(deleted, 1);
	expect(ds, a, true, "tagged");
	expect(ds, b, false, "untagged");
	expect(ds, c, true, "pinned");
	expect(ds, d, true, "newest");
	free(ds);
	assert_all_readable();
}
END_TEST

START_TEST(test_hourly_buckets)
{
	int64_t h = past_hour(2);  /* the start of an hour */
	/* Hour h: 3 snapshots; h-1: 2; h-2: 1; h-3: 2. */
	int64_t h3a = make("s", 1, h - 3 * HOUR + 60000, false, false);
	int64_t h3b = make("s", 2, h - 3 * HOUR + 120000, false, false);
	int64_t h2 = make("s", 3, h - 2 * HOUR + 60000, false, false);
	int64_t h1a = make("s", 4, h - HOUR + 60000, false, false);
	int64_t h1b = make("s", 5, h - HOUR + 3599000, false, false);
	int64_t h0a = make("s", 6, h, false, false);
	int64_t h0b = make("s", 7, h + 60000, false, false);
	int64_t h0c = make("s", 8, h + 120000, false, false);
	ss_retention ov = { .max_count = 1, .keep_hourly = 3 };
	int64_t deleted = -1;
	struct decisions *ds = run("s", &ov, false, &deleted);
	expect(ds, h0c, true, "newest");        /* hour h's newest is the newest */
	expect(ds, h0b, false, "over max-count");
	expect(ds, h0a, false, "over max-count");
	expect(ds, h1b, true, "hourly bucket");
	expect(ds, h1a, false, "over max-count");
	expect(ds, h2, true, "hourly bucket");
	expect(ds, h3b, false, "over max-count"); /* a fourth hour: beyond 3 */
	expect(ds, h3a, false, "over max-count");
	ck_assert_int_eq(deleted, 5);
	free(ds);
	ck_assert_int_eq(assert_all_readable(), 3);
}
END_TEST

START_TEST(test_daily_buckets)
{
	int64_t d0 = (past_hour(3) / DAY) * DAY;  /* midnight, UTC = local here */
	int64_t a = make("s", 1, d0 - 2 * DAY + HOUR, false, false);
	int64_t b = make("s", 2, d0 - 2 * DAY + 5 * HOUR, false, false);
	int64_t c = make("s", 3, d0 - DAY + HOUR, false, false);
	int64_t d = make("s", 4, d0 - 1, false, false);   /* 23:59:59.999 the day before */
	int64_t e = make("s", 5, d0, false, false);
	int64_t f = make("s", 6, d0 + 10 * HOUR, false, false);
	ss_retention ov = { .max_count = 1, .keep_daily = 2, .keep_hourly = 1 };
	struct decisions *ds = run("s", &ov, true, NULL);
	expect(ds, f, true, "newest");
	expect(ds, e, false, "over max-count");
	expect(ds, d, true, "daily bucket");
	expect(ds, c, false, "over max-count");
	expect(ds, b, false, "over max-count");
	expect(ds, a, false, "over max-count");
	free(ds);
	ov.keep_daily = 3;
	ds = run("s", &ov, true, NULL);
	expect(ds, b, true, "daily bucket");
	free(ds);
}
END_TEST

START_TEST(test_clock_stepped_back)
{
	/* Ten snapshots over ten hours, then the clock steps back three days
	 * for the eleventh: it is the newest (highest seq) but the oldest in
	 * time.  Nothing may look "older than 24h" because of that. */
	int64_t t = past_hour(2);
	int64_t ids[11];
	for (int i = 0; i < 10; i++)
		ids[i] = make("s", i, t + i * HOUR, false, false);
	ids[10] = make("s", 10, t - 3 * DAY, false, false);
	ss_retention ov = { .max_age_ms = DAY };
	int64_t deleted = -1;
	struct decisions *ds = run("s", &ov, false, &deleted);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(ds->d[0].id, ids[10]);   /* newest by seq comes first */
	expect(ds, ids[10], true, "newest");
	for (int i = 0; i < 10; i++)
		ck_assert(find(ds, ids[i])->keep);
	free(ds);
	ck_assert_int_eq(count_snapshots("s"), 11);
}
END_TEST

START_TEST(test_clock_jumped_ahead)
{
	/* One capture dated a year ahead: ages count from now, not from it, so
	 * the rest of the session (all within the last day) stays. */
	int64_t now = ss_now_ms();
	int64_t ids[5];
	for (int i = 0; i < 4; i++)
		ids[i] = make("s", i, now - (4 - i) * HOUR, false, false);
	ids[4] = make("s", 4, now + 365 * DAY, false, false);
	ss_retention ov = { .max_age_ms = DAY };
	int64_t deleted = -1;
	struct decisions *ds = run("s", &ov, false, &deleted);
	ck_assert_int_eq(deleted, 0);
	expect(ds, ids[4], true, "newest");
	free(ds);

	/* And every snapshot dated in the future is kept. */
	int64_t fut = make("t", 1, now + 10 * DAY, false, false);
	int64_t fut2 = make("t", 2, now + 20 * DAY, false, false);
	ds = run("t", &ov, false, &deleted);
	ck_assert_int_eq(deleted, 0);
	ck_assert(exists(fut) && exists(fut2));
	free(ds);
}
END_TEST

START_TEST(test_dry_run_matches_real_run)
{
	int64_t t = past_hour(5);
	for (int i = 0; i < 60; i++)
		make("s", i, t + i * 17 * 60000, i % 11 == 0, i % 13 == 5);
	ss_retention ov = { .max_count = 7, .keep_hourly = 4, .keep_daily = 2, .max_age_ms = 3 * HOUR };
	int64_t dry_deleted = -1, deleted = -1;
	struct decisions *dry = run("s", &ov, true, &dry_deleted);
	ck_assert_int_eq(count_snapshots("s"), 60);   /* the dry run deleted nothing */
	struct decisions *real = run("s", &ov, false, &deleted);
	ck_assert_int_eq(dry_deleted, deleted);
	ck_assert_int_gt(deleted, 0);
	ck_assert_uint_eq(dry->n, real->n);
	int64_t kept = 0;
	for (size_t i = 0; i < dry->n; i++) {
		ck_assert_int_eq(dry->d[i].id, real->d[i].id);
		ck_assert_int_eq(dry->d[i].keep, real->d[i].keep);
		ck_assert_str_eq(dry->d[i].reason, real->d[i].reason);
		ck_assert_int_eq(exists(real->d[i].id), real->d[i].keep);
		kept += real->d[i].keep;
	}
	ck_assert_int_eq(kept + deleted, 60);
	free(dry);
	free(real);
	ck_assert_int_eq(assert_all_readable(), kept);
}
END_TEST

struct event_log {
	int64_t deleted, done, done_count, errors;
};

static void on_event(const ss_event *ev, void *user_data)
{
	struct event_log *log = user_data;
	if (ev->type == SS_EVENT_SNAPSHOT_DELETED) {
		log->deleted++;
		ck_assert_ptr_nonnull(ev->session);
	} else if (ev->type == SS_EVENT_CLEANUP_DONE) {
		log->done++;
		log->done_count += ev->count;
	} else if (ev->type == SS_EVENT_ERROR) {
		log->errors++;
	}
}

START_TEST(test_many_batches_and_events)
{
	ss_close(mgr);
	open_with("store.db", 7, false);
	int64_t t = past_hour(3);
	int n = 3 * SS_CLEANUP_BATCH + 20;
	for (int i = 0; i < n; i++)
		make("big", i, t + i * 1000, false, false);
	struct event_log log = { 0 };
	int h = ss_subscribe(mgr, on_event, &log);
	ck_assert_int_gt(h, 0);
	ss_retention ov = { .max_count = 10 };
	int64_t deleted = -1;
	struct decisions *ds = run("big", &ov, false, &deleted);
	free(ds);
	ck_assert_int_eq(deleted, n - 10);
	ck_assert_int_eq(log.deleted, n - 10);
	ck_assert_int_eq(log.done, 1);
	ck_assert_int_eq(log.done_count, n - 10);
	ck_assert_int_eq(log.errors, 0);
	ss_unsubscribe(mgr, h);
	ck_assert_int_eq(assert_all_readable(), 10);
	/* The session goes on: a capture after the cleanup reads back too. */
	make("big", 1000, t + n * 1000, false, false);
	ck_assert_int_eq(assert_all_readable(), 11);
}
END_TEST

/* Keep exactly the snapshots `keep` says (pinning them), delete the rest
 * with a cleanup, then read everything back. */
static void cut_chain(bool (*keep)(int i, const ss_snapshot *meta), int n, int kf)
{
	/* A store of its own per pattern: ss_verify then counts only these. */
	static int round;
	char session[32], file[32];
	snprintf(session, sizeof session, "chain%d", round);
	snprintf(file, sizeof file, "chain%d.db", round++);
	ss_close(mgr);
	open_with(file, kf, false);
	n_made = 0;
	int64_t t = past_hour(1);
	int64_t *ids = calloc((size_t)n, sizeof *ids);
	for (int i = 0; i < n; i++)
		ids[i] = make(session, i, t + i * 1000, false, false);
	int expect_kept = 0;
	for (int i = 0; i < n; i++) {
		ss_snapshot meta;
		memset(&meta, 0, sizeof meta);
		ck_assert_int_eq(ss_get(mgr, ids[i], NULL, &meta), SS_OK);
		bool k = keep(i, &meta) || i == n - 1;
		ss_snapshot_clear(&meta);
		if (k && i != n - 1)
			ck_assert_int_eq(ss_pin(mgr, ids[i], true), SS_OK);
		expect_kept += k;
	}
	ss_retention ov = { .max_count = 1 };
	int64_t deleted = -1;
	free(run(session, &ov, false, &deleted));
	ck_assert_int_eq(deleted, n - expect_kept);
	ck_assert_int_eq(assert_all_readable(), expect_kept);
	/* New captures still chain onto what is left. */
	for (int i = 0; i < 3; i++)
		make(session, 500 + i, t + (n + i) * 1000, false, false);
	assert_all_readable();
	free(ids);
}

static bool keep_even(int i, const ss_snapshot *m) { (void)m; return i % 2 == 0; }
static bool keep_odd(int i, const ss_snapshot *m) { (void)m; return i % 2 == 1; }
static bool keep_deltas(int i, const ss_snapshot *m) { (void)i; return m->kind == SS_KIND_DELTA; }
static bool keep_keyframes(int i, const ss_snapshot *m) { (void)i; return m->kind == SS_KIND_KEYFRAME; }
static bool keep_ends(int i, const ss_snapshot *m) { (void)m; return i % 6 == 0 || i % 6 == 5; }
static bool keep_none(int i, const ss_snapshot *m) { (void)i; (void)m; return false; }
static bool keep_middle(int i, const ss_snapshot *m) { (void)m; return i % 6 == 2 || i % 6 == 3; }

START_TEST(test_chains_stay_readable)
{
	cut_chain(keep_even, 40, 6);        /* every other one */
	cut_chain(keep_odd, 40, 6);
	cut_chain(keep_deltas, 40, 6);      /* the keyframes go */
	cut_chain(keep_keyframes, 40, 6);   /* every delta goes */
	cut_chain(keep_ends, 40, 6);        /* the middle of each chain */
	cut_chain(keep_middle, 40, 6);      /* both ends of each chain */
	cut_chain(keep_none, 40, 6);        /* all but the newest */
	cut_chain(keep_even, 3 * SS_CLEANUP_BATCH, 50);  /* long chains, several batches */
}
END_TEST

START_TEST(test_all_sessions_and_unknown)
{
	int64_t t = past_hour(1);
	for (int i = 0; i < 5; i++) {
		make("a", i, t + i * 1000, false, false);
		make("b", 10 + i, t + i * 1000, false, false);
	}
	ss_retention ov = { .max_count = 2 };
	int64_t deleted = -1;
	struct decisions *ds = run(NULL, &ov, false, &deleted);
	ck_assert_int_eq(deleted, 6);
	ck_assert_uint_eq(ds->n, 10);
	/* One session's decisions together, each newest first. */
	ck_assert_str_eq(ds->d[0].session, ds->d[4].session);
	ck_assert_str_ne(ds->d[4].session, ds->d[5].session);
	ck_assert_int_gt(ds->d[0].seq, ds->d[1].seq);
	free(ds);
	ck_assert_int_eq(count_snapshots("a"), 2);
	ck_assert_int_eq(count_snapshots("b"), 2);
	assert_all_readable();

	ck_assert_int_eq(ss_cleanup(mgr, "nope", NULL, false, NULL, NULL, &deleted), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "nope"));
	/* An empty session: nothing to decide, nothing deleted. */
	ss_session_config empty = { 0 };
	ck_assert_int_eq(ss_session_config_set(mgr, "empty", &empty), SS_OK);
	ck_assert_int_eq(ss_cleanup(mgr, "empty", &ov, false, NULL, NULL, &deleted), SS_OK);
	ck_assert_int_eq(deleted, 0);
}
END_TEST

/* A second connection pins the oldest victim while the decisions are being
 * reported, i.e. after they were made and before any deletion. */
struct pin_late {
	ss_manager *other;
	int64_t victim;
	int64_t deletes_seen;
};

static void pin_on_decision(const ss_cleanup_decision *d, void *user_data)
{
	struct pin_late *pl = user_data;
	if (!d->keep) {
		pl->deletes_seen++;
		pl->victim = d->id;   /* the last reported: the oldest */
	}
	if (d->seq == 1)
		ck_assert_int_eq(ss_pin(pl->other, pl->victim, true), SS_OK);
}

START_TEST(test_pinned_meanwhile_is_spared)
{
	int64_t t = past_hour(1);
	for (int i = 0; i < 6; i++)
		make("s", i, t + i * 1000, false, false);
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	struct pin_late pl = { 0 };
	ck_assert_int_eq(ss_open(&cfg, &pl.other, err, sizeof err), SS_OK);
	struct event_log log = { 0 };
	int h = ss_subscribe(mgr, on_event, &log);
	ss_retention ov = { .max_count = 1 };
	int64_t deleted = -1;
	ck_assert_int_eq(ss_cleanup(mgr, "s", &ov, false, pin_on_decision, &pl, &deleted), SS_OK);
	ss_unsubscribe(mgr, h);
	ss_close(pl.other);
	ck_assert_int_eq(pl.deletes_seen, 5);
	ck_assert_int_eq(deleted, 4);
	ck_assert_int_eq(log.done_count, 4);
	ck_assert(exists(pl.victim));
	ck_assert_int_eq(assert_all_readable(), 2);
}
END_TEST

Suite *retention_suite(void); /* for check_main.c */

Suite *retention_suite(void)
{
	Suite *s = suite_create("retention");
	TCase *tc = tcase_create("cleanup");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_no_policy_keeps_everything);
	tcase_add_test(tc, test_max_count_pinned_and_newest);
	tcase_add_test(tc, test_tagged_kept_unless_delete_tagged);
	tcase_add_test(tc, test_max_age_from_newest);
	tcase_add_test(tc, test_max_age_and_count_together);
	tcase_add_test(tc, test_tagged_only);
	tcase_add_test(tc, test_hourly_buckets);
	tcase_add_test(tc, test_daily_buckets);
	tcase_add_test(tc, test_clock_stepped_back);
	tcase_add_test(tc, test_clock_jumped_ahead);
	tcase_add_test(tc, test_dry_run_matches_real_run);
	tcase_add_test(tc, test_many_batches_and_events);
	tcase_add_test(tc, test_chains_stay_readable);
	tcase_add_test(tc, test_all_sessions_and_unknown);
	tcase_add_test(tc, test_pinned_meanwhile_is_spared);
	suite_add_tcase(s, tc);
	return s;
}
