/*
 * retention.c - cleanup: decide, for every snapshot of a session, whether
 * its retention policy keeps it and why, then delete the rest (ss_retention.h
 * is the contract).
 *
 * A session may hold a million snapshots, so the listing is streamed and
 * only what a decision needs is kept per row (id, seq, time, pinned,
 * tagged): never a state, never a tag's text.  The decisions are all made
 * before the first deletion, so a dry run reports exactly what a real run
 * does.
 *
 * Protection first: pinned, newest, tagged (unless delete_tagged) and the
 * hourly/daily buckets keep a snapshot whatever the limits say.  Every
 * other snapshot must pass each limit that is set: tagged-only deletes the
 * untagged, max-age the old, max-count whatever lies beyond the newest N
 * (the protected ones counted first).  Buckets alone delete nothing.
 *
 * "Newest" is the highest seq, not the latest time: seq is the order of
 * recording, which a wall clock stepping backwards cannot reorder.
 */
#include "manager.h"
#include "ss_retention.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOUR_MS INT64_C(3600000)

/* Why a snapshot is kept or deleted; the text is in reason_text(). */
enum reason {
	R_NONE = 0,                 /* not decided yet */
	R_PINNED, R_NEWEST, R_TAGGED, R_HOURLY, R_DAILY, R_WITHIN_AGE, /* protected */
	R_WITHIN_COUNT, R_NO_POLICY,                                   /* kept */
	R_OLDER, R_OVER_COUNT, R_UNTAGGED,                             /* deleted */
};

static bool reason_keeps(enum reason r)
{
	return r < R_OLDER;
}

/* What a decision needs of one snapshot: 32 bytes, where a whole
 * ss_snapshot with its strings would be ten times that. */
struct ret_row {
	int64_t id;
	int64_t seq;
	int64_t created_at;
	bool pinned;
	bool tagged;
	unsigned char reason;       /* enum reason */
};

struct row_list {
	struct ret_row *rows;
	size_t n, cap;
	bool oom;
};

/* The policy of one session, once the fallbacks and the override are
 * applied. */
struct policy {
	int64_t max_age_ms, max_count, keep_hourly, keep_daily;
	bool delete_tagged, tagged_only;
	char within[64], older[64]; /* "within 24h", "older than 24h" */
};

static int collect_row(const ss_snapshot *row, void *user_data)
{
	struct row_list *l = user_data;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct ret_row *grown = realloc(l->rows, cap * sizeof *grown);
		if (!grown) {
			l->oom = true;
			return 1;
		}
		l->rows = grown;
		l->cap = cap;
	}
	l->rows[l->n++] = (struct ret_row){
		.id = row->id,
		.seq = row->seq,
		.created_at = row->created_at,
		.pinned = row->pinned,
		.tagged = row->n_tags > 0,
	};
	return 0;
}

/* Newest (highest seq) first. */
static int cmp_seq_desc(const void *a, const void *b)
{
	const struct ret_row *x = a, *y = b;
	return (x->seq < y->seq) - (x->seq > y->seq);
}

/* ---- buckets -------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t hour_key(int64_t ms)
{
	return floor_div(ms, HOUR_MS);
}

/* The local calendar day, as a number that orders like the days do. */
static int64_t day_key(int64_t ms)
{
	time_t t = (time_t)floor_div(ms, 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return floor_div(ms, 24 * HOUR_MS);
	return ((int64_t)tm.tm_year + 1900) * 400 + tm.tm_yday;
}

struct keyed {
	int64_t key;
	size_t row;                 /* index into the seq-descending rows: smaller is newer */
};

/* Newest bucket first; within a bucket, newest snapshot first. */
static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->key != y->key)
		return (x->key < y->key) - (x->key > y->key);
	return (x->row > y->row) - (x->row < y->row);
}

/* Mark the newest snapshot of each of the newest `n` buckets that hold one
 * with `reason`, unless something earlier in the rules already keeps it.
 * False when out of memory. */
static bool mark_buckets(struct ret_row *rows, size_t n_rows, int64_t n,
                         int64_t (*key)(int64_t), enum reason reason)
{
	if (n <= 0 || n_rows == 0)
		return true;
	struct keyed *k = malloc(n_rows * sizeof *k);
	if (!k)
		return false;
	for (size_t i = 0; i < n_rows; i++)
		k[i] = (struct keyed){ key(rows[i].created_at), i };
	qsort(k, n_rows, sizeof *k, cmp_keyed);
	int64_t buckets = 0;
	for (size_t i = 0; i < n_rows && buckets < n; i++) {
		if (i > 0 && k[i].key == k[i - 1].key)
			continue;
		buckets++;
		if (rows[k[i].row].reason == R_NONE)
			rows[k[i].row].reason = (unsigned char)reason;
	}
	free(k);
	return true;
}

/* ---- deciding --------------------------------------------------------------- */

/* Give every row (sorted newest first) its reason.  False when out of memory. */
static bool decide(struct ret_row *rows, size_t n, const struct policy *p, int64_t now)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		struct ret_row *r = &rows[i];
		if (r->pinned)
			r->reason = R_PINNED;
		else if (i == 0)
			r->reason = R_NEWEST;
		else if (r->tagged && !p->delete_tagged)
			r->reason = R_TAGGED;
	}
	if (!mark_buckets(rows, n, p->keep_hourly, hour_key, R_HOURLY) ||
	    !mark_buckets(rows, n, p->keep_daily, day_key, R_DAILY))
		return false;

	/* Ages count back from the newest snapshot, or from now when that is
	 * earlier: a clock that jumped ahead for one capture must not make
	 * every other snapshot look old.  One that jumped back makes the rest
	 * look younger than the newest (a negative age): kept. */
	int64_t ref = rows[0].created_at < now ? rows[0].created_at : now;
	int64_t kept = 0;
	for (size_t i = 0; i < n; i++)
		kept += rows[i].reason != R_NONE;
	/* The rest, newest first: each limit deletes on its own, so a session
	 * under "--max-age 24h --max-count 1000" keeps neither an old snapshot
	 * nor a 1001st young one.  max-count counts the protected ones too. */
	for (size_t i = 0; i < n; i++) {
		struct ret_row *r = &rows[i];
		if (r->reason != R_NONE)
			continue;
		/* The age in unsigned arithmetic: an imported time near either end
		 * of int64_t must not overflow the subtraction. */
		bool old = p->max_age_ms > 0 && r->created_at < ref &&
		           (uint64_t)ref - (uint64_t)r->created_at > (uint64_t)p->max_age_ms;
		if (p->tagged_only && !r->tagged) {
			r->reason = R_UNTAGGED;
		} else if (old) {
			r->reason = R_OLDER;
		} else if (p->max_count > 0) {
			r->reason = kept < p->max_count ? R_WITHIN_COUNT : R_OVER_COUNT;
			kept += r->reason == R_WITHIN_COUNT;
		} else if (p->max_age_ms > 0) {
			r->reason = R_WITHIN_AGE;
		} else {
			/* No rule deletes it: buckets alone only keep, and a tagged
			 * snapshot under delete_tagged meets no deleting rule here. */
			r->reason = r->tagged ? R_TAGGED : R_NO_POLICY;
		}
	}
	return true;
}

static const char *reason_text(enum reason r, const struct policy *p)
{
	switch (r) {
	case R_PINNED: return "pinned";
	case R_NEWEST: return "newest";
	case R_TAGGED: return "tagged";
	case R_HOURLY: return "hourly bucket";
	case R_DAILY: return "daily bucket";
	case R_WITHIN_AGE: return p->within;
	case R_WITHIN_COUNT: return "within max-count";
	case R_NO_POLICY: return "no policy";
	case R_OLDER: return p->older;
	case R_OVER_COUNT: return "over max-count";
	case R_UNTAGGED: return "untagged";
	case R_NONE: break;
	}
	return "no policy";
}

static void policy_make(const ss_manager *mgr, const ss_session_config *scfg,
                        const ss_retention *ov, struct policy *p)
{
	static const ss_retention none = { 0 };
	if (!ov)
		ov = &none;
	memset(p, 0, sizeof *p);
	p->max_age_ms = ov->max_age_ms > 0 ? ov->max_age_ms
	              : scfg->max_age_ms > 0 ? scfg->max_age_ms : mgr->cfg.max_age_ms;
	p->max_count = ov->max_count > 0 ? ov->max_count
	             : scfg->max_count > 0 ? scfg->max_count : mgr->cfg.max_snapshots;
	p->keep_hourly = ov->keep_hourly > 0 ? ov->keep_hourly : scfg->keep_hourly;
	p->keep_daily = ov->keep_daily > 0 ? ov->keep_daily : scfg->keep_daily;
	p->delete_tagged = ov->delete_tagged || scfg->delete_tagged;
	p->tagged_only = mgr->cfg.tagged_only;
	char d[48];
	ss_duration_format(p->max_age_ms, d, sizeof d);
	snprintf(p->within, sizeof p->within, "within %s", d);
	snprintf(p->older, sizeof p->older, "older than %s", d);
}

/* ---- deleting --------------------------------------------------------------- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Pause between two batches, for a quarter of the time the last one took
 * (1 to 50 ms).  Another connection waiting for the write lock does not
 * queue for it: SQLite's busy handler sleeps and tries again (after 1, 2,
 * 5 ... up to 100 ms).  Taking the lock back the instant it is released
 * could let every one of those tries fail until the waiter's timeout ends
 * in "store busy"; a gap a fifth of the time long lets about one try in
 * five through, for a run at most a quarter slower.
 */
static void rest(int64_t batch_us)
{
	int64_t us = batch_us / 4;
	if (us < 1000)
		us = 1000;
	if (us > 50000)
		us = 50000;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)us * 1000 };
	nanosleep(&ts, NULL);
}

/*
 * Delete `ids` (newest first), SS_CLEANUP_BATCH to a transaction, each one
 * as ss_delete() does it: its dependents re-based first, in the same
 * transaction.
 *
 * Why newest first: a delta's base is always older than the delta, so when
 * victims go newest first, every younger victim is already gone and only
 * snapshots that stay are ever re-based.  Oldest first re-bases each doomed
 * successor just before deleting it too; for the usual case, a run of old
 * snapshots going (max-age, max-count), that turns every one of them into a
 * keyframe in turn, a whole state written per deletion.  Newest first, the
 * survivor above the run is re-based down the run until it meets the
 * run's first keyframe, where it becomes a keyframe itself; the older
 * victims then have no dependents left and go without any re-base.
 * Measured (1,500 snapshots of a 200-element state, keyframe every 50,
 * 1,200 deleted): the oldest 1,200 took 1.03 s oldest first, 0.08 s newest
 * first; with every 40th pinned 1.45 s and 0.78 s; with every 2nd or 10th
 * pinned the two orders cost the same.
 *
 * The write lock is released between batches (each one commits), so a
 * capture waiting on the store gets its turn after at most one batch; see
 * rest() for why releasing alone is not enough.  A snapshot deleted, pinned
 * or (when tags protect) tagged by someone else since the decision is
 * skipped: "pinned is never deleted" holds against a concurrent `pin` too.
 */
static ss_status delete_ids(ss_manager *mgr, const char *session, const int64_t *ids, size_t n,
                            bool tags_protect, int64_t *deleted)
{
	int64_t batch[SS_CLEANUP_BATCH];
	size_t i = 0;
	int64_t batch_start = 0;
	while (i < n) {
		if (i > 0)
			rest(mono_us() - batch_start);
		batch_start = mono_us();
		ss_status st = ss_store_begin(mgr->store);
		if (st != SS_OK)
			return mgr_emit_error(mgr, mgr_store_fail(mgr, st));
		size_t nb = 0;
		for (; i < n && nb < SS_CLEANUP_BATCH && st == SS_OK; i++) {
			ss_snapshot row;
			st = mgr_get_meta(mgr, ids[i], &row);
			if (st == SS_NOT_FOUND) {
				st = SS_OK;
				continue;
			}
			if (st != SS_OK)
				break;
			if (!row.pinned && !(tags_protect && row.n_tags > 0)) {
				st = delta_rebase_dependents(mgr, &row);
				if (st == SS_OK && (st = ss_store_snapshot_delete(mgr->store, row.id)) != SS_OK)
					mgr_store_fail(mgr, st);
				if (st == SS_OK)
					batch[nb++] = row.id;
			}
			ss_snapshot_clear(&row);
		}
		if (st == SS_OK && (st = ss_store_commit(mgr->store)) != SS_OK)
			mgr_store_fail(mgr, st);
		if (st != SS_OK) {
			ss_store_rollback(mgr->store);
			return mgr_emit_error(mgr, st);
		}
		for (size_t j = 0; j < nb; j++) {
			delta_forget(mgr, batch[j]);
			if (mgr->cache)
				ss_cache_remove(mgr->cache, batch[j]);
			mgr_emit(mgr, SS_EVENT_SNAPSHOT_DELETED, batch[j], session);
		}
		*deleted += (int64_t)nb;
	}
	return SS_OK;
}

/* ---- one session -------------------------------------------------------------- */

static ss_status cleanup_session(ss_manager *mgr, const char *session, const ss_retention *ov,
                                 bool dry_run, ss_cleanup_fn fn, void *user_data,
                                 int64_t *deleted)
{
	ss_session_config scfg;
	memset(&scfg, 0, sizeof scfg);
	ss_status st = mgr_session_config(mgr, session, &scfg, NULL);
	if (st != SS_OK)
		return st;
	struct policy p;
	policy_make(mgr, &scfg, ov, &p);
	ss_session_config_clear(&scfg);

	struct row_list l = { 0 };
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	q.sort = SS_SORT_TIME;
	q.reverse = true;
	st = ss_search(mgr, &q, NULL, collect_row, &l);
	if (st == SS_OK && l.oom)
		st = mgr_fail(mgr, SS_NOMEM, "out of memory listing the snapshots of session %s",
		              session);
	/* Time order is seq order unless the clock stepped back; decisions go
	 * newest (by seq) first either way. */
	if (st == SS_OK && l.n > 1)
		qsort(l.rows, l.n, sizeof *l.rows, cmp_seq_desc);
	if (st == SS_OK && !decide(l.rows, l.n, &p, ss_now_ms()))
		st = mgr_fail(mgr, SS_NOMEM, "out of memory deciding the retention of session %s",
		              session);

	size_t n_victims = 0;
	for (size_t i = 0; st == SS_OK && i < l.n; i++) {
		const struct ret_row *r = &l.rows[i];
		bool keep = reason_keeps((enum reason)r->reason);
		n_victims += !keep;
		if (fn) {
			ss_cleanup_decision d = {
				.id = r->id,
				.session = session,
				.seq = r->seq,
				.created_at = r->created_at,
				.keep = keep,
				.reason = reason_text((enum reason)r->reason, &p),
			};
			fn(&d, user_data);
		}
	}

	int64_t done = 0;
	if (st == SS_OK && dry_run) {
		done = (int64_t)n_victims;
	} else if (st == SS_OK && n_victims > 0) {
		/* The victims' ids, newest first as the rows are; the rows
		 * themselves are freed before the long part. */
		int64_t *ids = malloc(n_victims * sizeof *ids);
		if (!ids) {
			st = mgr_fail(mgr, SS_NOMEM, "out of memory deleting from session %s", session);
		} else {
			size_t j = 0;
			for (size_t i = 0; i < l.n; i++)
				if (!reason_keeps((enum reason)l.rows[i].reason))
					ids[j++] = l.rows[i].id;
			free(l.rows);
			l.rows = NULL;
			st = delete_ids(mgr, session, ids, n_victims, !p.delete_tagged, &done);
			free(ids);
		}
	}
	free(l.rows);
	*deleted += done;
	if (st == SS_OK && !dry_run)
		mgr_emit_event(mgr, &(ss_event){
			.type = SS_EVENT_CLEANUP_DONE,
			.session = session,
			.count = done,
		});
	return st;
}

ss_status ss_cleanup(ss_manager *mgr, const char *session, const ss_retention *override,
                     bool dry_run, ss_cleanup_fn fn, void *user_data, int64_t *deleted)
{
	int64_t total = 0;
	ss_status st;
	if (deleted)
		*deleted = 0;
	if (session) {
		st = cleanup_session(mgr, session, override, dry_run, fn, user_data, &total);
	} else {
		ss_session *sessions = NULL;
		size_t n = 0;
		st = ss_sessions(mgr, &sessions, &n);
		for (size_t i = 0; st == SS_OK && i < n; i++) {
			st = cleanup_session(mgr, sessions[i].name, override, dry_run, fn, user_data,
			                     &total);
			if (st == SS_NOT_FOUND)
				st = SS_OK;     /* deleted by someone else since the listing */
		}
		ss_session_array_free(sessions, n);
	}
	if (deleted)
		*deleted = total;
	return st;
}
