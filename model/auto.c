/*
 * auto.c - automatic capture: one thread per watched session.
 *
 * The thread owns a manager of its own on the same store file, so its
 * writes go through a second SQLite connection (WAL lets the caller read
 * while it writes) and the caller's manager is never touched off its
 * thread.  What the two share is this file's struct auto_capture, every
 * field of which below `lock` is read and written under it: the stop,
 * pause and trigger requests going in, the counters (ss_auto_info) coming
 * out.  The capture function and the store calls run outside the lock, so
 * ss_auto_status() never waits for a slow command.
 *
 * The interval is a grid, not a sleep: poll k is due at start + k*interval
 * on CLOCK_MONOTONIC, so the time a capture takes never shifts the next one
 * (no drift), a wall-clock jump changes nothing, and ticks missed while a
 * capture overran are skipped rather than fired in a burst.  A trigger
 * ("capture now") polls at once without moving the grid.
 *
 * Signals: the thread blocks the ones a program handles (SIGINT, SIGTERM,
 * SIGHUP, SIGWINCH...) so that they reach the program's own thread, which
 * decides to stop; stopping lets a capture in progress finish, so what is
 * committed is always whole.
 */
#include "manager.h"
#include "ss_auto.h"
#include "ss_retention.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct auto_capture {
	struct auto_capture *next;
	ss_manager *owner;          /* the caller's manager: events and the wake pipe */
	ss_manager *mgr;            /* the thread's own manager (own connection) */
	char *session;
	ss_auto_opts opts;
	ss_capture_fn fn;
	void *user_data;
	pthread_t thread;
	int64_t start_mono;         /* the grid's origin */
	dev_t store_dev;            /* the store file as opened, to notice it being */
	ino_t store_ino;            /* deleted or replaced under the connection */
	bool store_gone;            /* reported once; polls are skipped from then on */

	pthread_mutex_t lock;
	pthread_cond_t cond;        /* signalled on stop, trigger and pause */
	bool stop, trigger;
	ss_auto_info info;          /* info.paused is the pause request too */
	int64_t next_mono;          /* the next poll on the grid */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ss_auto_opts_init(ss_auto_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->retention = true;
	opts->cleanup_every_ms = SS_AUTO_CLEANUP_EVERY_DEFAULT_MS;
}

static struct auto_capture *find(ss_manager *mgr, const char *session)
{
	for (struct auto_capture *a = mgr->autos; a; a = a->next)
		if (strcmp(a->session, session) == 0)
			return a;
	return NULL;
}

/* Wake whoever polls ss_auto_wake_fd().  A full pipe already says it. */
static void wake(ss_manager *owner)
{
	if (owner->wake[1] >= 0) {
		ssize_t n = write(owner->wake[1], "", 1);
		(void)n;
	}
}

static void emit(struct auto_capture *a, ss_event_type type, int64_t id, const char *message,
                 int64_t count)
{
	ss_event ev = { .type = type, .snapshot_id = id, .session = a->session,
	                .message = message, .count = count };
	mgr_emit_event(a->owner, &ev);
	wake(a->owner);
}

/* The thread manager's own events (snapshot created, deleted by retention)
 * reach the caller's subscribers; its failures do not, because the thread
 * reports each one as a capture error instead. */
static void forward(const ss_event *ev, void *user_data)
{
	struct auto_capture *a = user_data;
	if (ev->type == SS_EVENT_ERROR)
		return;
	mgr_emit_event(a->owner, ev);
	wake(a->owner);
}

/* ---- one poll ---------------------------------------------------------------- */

/* Record a failed poll: in the store (when the store lets us), in the
 * counters and as an event. */
static void capture_failed(struct auto_capture *a, const char *reason)
{
	int64_t now = ss_now_ms();
	ss_status st = ss_capture_error_add(a->mgr, a->session, now, reason);
	char shown[sizeof a->info.last_error];
	if (st == SS_OK)
		snprintf(shown, sizeof shown, "%s", reason);
	else   /* the store itself failed (busy, full): say both */
		snprintf(shown, sizeof shown, "%s (not recorded: %s)", reason, ss_errmsg(a->mgr));
	pthread_mutex_lock(&a->lock);
	a->info.errors++;
	a->info.failing = true;
	a->info.last_error_at = now;
	snprintf(a->info.last_error, sizeof a->info.last_error, "%s", shown);
	pthread_mutex_unlock(&a->lock);
	emit(a, SS_EVENT_CAPTURE_ERROR, 0, shown, 0);
}

/*
 * Is the store file still the one the connection writes to?  SQLite keeps
 * writing to a deleted (or replaced) file's inode without complaint, so
 * captures would vanish with the last descriptor.  Once gone, polls stop
 * (the command is not run for nothing) and the failure is said once.
 */
static bool store_still_there(struct auto_capture *a)
{
	struct stat sb;
	bool there = stat(a->mgr->path, &sb) == 0 && sb.st_dev == a->store_dev &&
	             sb.st_ino == a->store_ino;
	if (there || a->store_gone)
		return there;
	a->store_gone = true;
	char reason[sizeof a->info.last_error];
	snprintf(reason, sizeof reason,
	         "the store file %s was deleted or replaced: captures are no longer saved",
	         a->mgr->path);
	pthread_mutex_lock(&a->lock);
	a->info.errors++;
	a->info.failing = true;
	a->info.last_error_at = ss_now_ms();
	snprintf(a->info.last_error, sizeof a->info.last_error, "%s", reason);
	pthread_mutex_unlock(&a->lock);
	emit(a, SS_EVENT_CAPTURE_ERROR, 0, reason, 0);
	return false;
}

static void capture_once(struct auto_capture *a)
{
	if (!store_still_there(a))
		return;
	json_t *state = NULL;
	char reason[SS_CAPTURE_REASON_MAX + 1] = "";
	ss_status st = a->fn(a->user_data, &state, reason, sizeof reason);
	if (st != SS_OK) {
		json_decref(state);
		capture_failed(a, reason[0] ? reason : ss_status_str(st));
		return;
	}
	if (!state)
		return;             /* nothing new (a file that did not change) */

	ss_create_opts copts = { .origin = SS_ORIGIN_AUTO,
	                         .skip_unchanged = !a->opts.keep_unchanged };
	int64_t id = 0;
	st = ss_create(a->mgr, a->session, state, &copts, &id);
	json_decref(state);
	if (st != SS_OK) {
		/* Over a limit, too deep, store busy: a capture error like any
		 * other, with the manager's one-line message as the reason. */
		capture_failed(a, ss_errmsg(a->mgr));
		return;
	}
	pthread_mutex_lock(&a->lock);
	a->info.failing = false;
	if (id) {
		a->info.captured++;
		a->info.last_snapshot_id = id;
		a->info.last_capture_at = ss_now_ms();
	} else {
		a->info.unchanged++;
	}
	pthread_mutex_unlock(&a->lock);
	if (!id)
		wake(a->owner);     /* the counters moved; nothing else did */
}

/* Does the session's policy ever delete?  Buckets alone only keep; without
 * max-age, max-count or tagged-only a cleanup would read every row of the
 * session to delete nothing, after every capture. */
static bool policy_deletes(struct auto_capture *a)
{
	ss_session_config scfg = { 0 };
	if (ss_session_config_get(a->mgr, a->session, &scfg) != SS_OK)
		return false;
	const ss_config *cfg = &a->mgr->cfg;
	bool deletes = scfg.max_age_ms > 0 || scfg.max_count > 0 || cfg->max_age_ms > 0 ||
	               cfg->max_snapshots > 0 || cfg->tagged_only;
	ss_session_config_clear(&scfg);
	return deletes;
}

/* Apply the session's retention policy, when it has one. */
static void retain(struct auto_capture *a)
{
	if (!a->opts.retention || a->store_gone || !policy_deletes(a))
		return;
	int64_t deleted = 0;
	if (ss_cleanup(a->mgr, a->session, NULL, false, NULL, NULL, &deleted) != SS_OK) {
		char msg[sizeof a->info.last_error];
		snprintf(msg, sizeof msg, "cleanup failed: %s", ss_errmsg(a->mgr));
		emit(a, SS_EVENT_ERROR, 0, msg, 0);
		return;
	}
	if (deleted) {
		pthread_mutex_lock(&a->lock);
		a->info.deleted += deleted;
		pthread_mutex_unlock(&a->lock);
	}
}

/* ---- the thread -------------------------------------------------------------- */

static void deadline_after(int64_t ms, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* The first grid point after `now`. */
static int64_t next_on_grid(const struct auto_capture *a, int64_t now)
{
	int64_t interval = a->info.interval_ms;
	int64_t k = (now - a->start_mono) / interval + 1;
	return a->start_mono + k * interval;
}

static void *run(void *arg)
{
	struct auto_capture *a = arg;
	int64_t cleanup_every = a->opts.cleanup_every_ms > 0 ? a->opts.cleanup_every_ms
	                                                     : SS_AUTO_CLEANUP_EVERY_DEFAULT_MS;
	int64_t next_cleanup = mono_ms() + cleanup_every;
	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		int64_t now = mono_ms();
		bool due = !a->info.paused && now >= a->next_mono;
		bool cleanup_due = now >= next_cleanup;
		if (!a->trigger && !due && !cleanup_due) {
			int64_t until = a->info.paused ? next_cleanup
			              : (a->next_mono < next_cleanup ? a->next_mono : next_cleanup);
			struct timespec ts;
			deadline_after(until - now, &ts);
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
			continue;   /* re-read every request after any wake-up */
		}
		bool poll = a->trigger || due;
		a->trigger = false;
		if (due)
			a->next_mono = next_on_grid(a, now);
		pthread_mutex_unlock(&a->lock);

		if (poll)
			capture_once(a);
		/* After a capture (which may have grown the session past its
		 * limits) and on the periodic tick. */
		retain(a);
		next_cleanup = mono_ms() + cleanup_every;

		pthread_mutex_lock(&a->lock);
		int64_t wall = ss_now_ms();
		a->info.next_at = wall + (a->next_mono - mono_ms());
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* ---- the API ----------------------------------------------------------------- */

static void auto_free(struct auto_capture *a)
{
	if (!a)
		return;
	ss_close(a->mgr);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a->session);
	free(a);
}

static ss_status wake_pipe(ss_manager *mgr)
{
	if (mgr->wake[0] >= 0)
		return SS_OK;
	int fds[2];
	if (pipe(fds) != 0)
		return mgr_fail(mgr, SS_IO, "cannot make a pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		mgr->wake[i] = fds[i];
	}
	return SS_OK;
}

/* The interval: the caller's, else the session's, else the manager's. */
static ss_status resolve_interval(ss_manager *mgr, struct auto_capture *a, int64_t *out)
{
	ss_session_config scfg = { 0 };
	ss_status st = ss_session_config_get(a->mgr, a->session, &scfg);
	if (st == SS_NOT_FOUND) {
		/* Create the session now: a browser shows it before the first
		 * capture, and a first poll that fails has a session to go to. */
		st = ss_session_config_set(a->mgr, a->session, &scfg);
	}
	if (st != SS_OK) {
		ss_session_config_clear(&scfg);
		return mgr_fail(mgr, st, "%s", ss_errmsg(a->mgr));
	}
	int64_t interval = a->opts.interval_ms ? a->opts.interval_ms
	                 : scfg.interval_ms ? scfg.interval_ms : mgr->cfg.auto_interval_ms;
	ss_session_config_clear(&scfg);
	if (interval < SS_AUTO_INTERVAL_MIN_MS) {
		char shown[32];
		ss_duration_format(interval, shown, sizeof shown);
		return mgr_fail(mgr, SS_USAGE, "capture interval %s is under the %dms minimum", shown,
		                SS_AUTO_INTERVAL_MIN_MS);
	}
	*out = interval;
	return SS_OK;
}

/* A thread that blocks the signals a program wants on its own thread. */
static int start_thread(struct auto_capture *a)
{
	sigset_t block, old;
	sigemptyset(&block);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGPIPE, SIGCHLD, SIGTSTP,
	               SIGCONT, SIGUSR1, SIGUSR2, SIGALRM };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&block, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = pthread_create(&a->thread, NULL, run, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

ss_status ss_auto_start_opts(ss_manager *mgr, const char *session, const ss_auto_opts *opts,
                             ss_capture_fn fn, void *user_data)
{
	ss_status st = ss_session_name_check(session, mgr->err, sizeof mgr->err);
	if (st != SS_OK)
		return st;
	if (!fn)
		return mgr_fail(mgr, SS_USAGE, "no capture function given");
	if (mgr->cfg.store_type == SS_STORE_TYPE_MEMORY || strcmp(mgr->path, SS_STORE_MEMORY) == 0)
		return mgr_fail(mgr, SS_USAGE,
		                "automatic capture needs a store file: an in-memory store has no "
		                "second connection for the capture thread");
	if (mgr->cfg.read_only)
		return mgr_fail(mgr, SS_READONLY, "the store is open read-only: nothing can be captured");
	if (find(mgr, session))
		return mgr_fail(mgr, SS_EXISTS, "session %s is already captured automatically", session);
	if ((st = wake_pipe(mgr)) != SS_OK)
		return st;

	struct auto_capture *a = calloc(1, sizeof *a);
	if (!a || !(a->session = strdup(session))) {
		free(a);
		return mgr_fail(mgr, SS_NOMEM, "out of memory");
	}
	a->owner = mgr;
	if (opts)
		a->opts = *opts;
	else
		ss_auto_opts_init(&a->opts);
	a->fn = fn;
	a->user_data = user_data;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&a->lock, NULL);

	ss_config cfg = mgr->cfg;
	cfg.store_type = SS_STORE_TYPE_DISK;   /* the thread reads only the head it keeps */
	cfg.store_path = mgr->path;
	cfg.create = false;
	char err[sizeof mgr->err];
	st = ss_open(&cfg, &a->mgr, err, sizeof err);
	if (st != SS_OK) {
		auto_free(a);
		return mgr_fail(mgr, st, "%s", err);
	}
	int64_t interval = 0;
	if ((st = resolve_interval(mgr, a, &interval)) != SS_OK) {
		auto_free(a);
		return st;
	}
	if (!ss_subscribe(a->mgr, forward, a)) {
		auto_free(a);
		return mgr_fail(mgr, SS_NOMEM, "out of memory");
	}
	a->info.running = true;
	a->info.paused = a->opts.start_paused;
	a->info.interval_ms = interval;
	struct stat sb;
	if (stat(mgr->path, &sb) == 0) {
		a->store_dev = sb.st_dev;
		a->store_ino = sb.st_ino;
	}
	a->start_mono = mono_ms();
	a->next_mono = a->start_mono;          /* the first poll at once */
	a->info.next_at = ss_now_ms();
	if (start_thread(a) != 0) {
		auto_free(a);
		return mgr_fail(mgr, SS_NOMEM, "cannot start the capture thread");
	}
	a->next = mgr->autos;
	mgr->autos = a;
	emit(a, SS_EVENT_CAPTURE_STARTED, 0, NULL, 0);
	if (a->info.paused)
		emit(a, SS_EVENT_CAPTURE_PAUSED, 0, NULL, 0);
	return SS_OK;
}

ss_status ss_auto_start(ss_manager *mgr, const char *session, int64_t interval_ms,
                        ss_capture_fn fn, void *user_data)
{
	ss_auto_opts opts;
	ss_auto_opts_init(&opts);
	opts.interval_ms = interval_ms;
	return ss_auto_start_opts(mgr, session, &opts, fn, user_data);
}

static void stop_one(ss_manager *mgr, struct auto_capture *a)
{
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	emit(a, SS_EVENT_CAPTURE_STOPPED, 0, NULL, 0);
	(void)mgr;
	auto_free(a);
}

ss_status ss_auto_stop(ss_manager *mgr, const char *session)
{
	bool any = false;
	for (struct auto_capture **p = &mgr->autos; *p;) {
		struct auto_capture *a = *p;
		if (session && strcmp(a->session, session) != 0) {
			p = &a->next;
			continue;
		}
		*p = a->next;
		stop_one(mgr, a);
		any = true;
	}
	if (!any && session)
		return mgr_fail(mgr, SS_NOT_FOUND, "session %s is not captured automatically", session);
	return SS_OK;
}

void auto_shutdown(ss_manager *mgr)
{
	ss_auto_stop(mgr, NULL);
	for (int i = 0; i < 2; i++) {
		if (mgr->wake[i] >= 0)
			close(mgr->wake[i]);
		mgr->wake[i] = -1;
	}
}

static ss_status lookup(ss_manager *mgr, const char *session, struct auto_capture **out)
{
	*out = session ? find(mgr, session) : NULL;
	if (!*out)
		return mgr_fail(mgr, SS_NOT_FOUND, "session %s is not captured automatically",
		                session ? session : "(none)");
	return SS_OK;
}

ss_status ss_auto_pause(ss_manager *mgr, const char *session, bool paused)
{
	struct auto_capture *a;
	ss_status st = lookup(mgr, session, &a);
	if (st != SS_OK)
		return st;
	pthread_mutex_lock(&a->lock);
	bool changed = a->info.paused != paused;
	a->info.paused = paused;
	if (!paused && changed)
		a->next_mono = mono_ms();   /* resuming polls at once, then on the grid */
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (changed)
		emit(a, paused ? SS_EVENT_CAPTURE_PAUSED : SS_EVENT_CAPTURE_RESUMED, 0, NULL, 0);
	return SS_OK;
}

ss_status ss_auto_trigger(ss_manager *mgr, const char *session)
{
	struct auto_capture *a;
	ss_status st = lookup(mgr, session, &a);
	if (st != SS_OK)
		return st;
	pthread_mutex_lock(&a->lock);
	a->trigger = true;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	return SS_OK;
}

ss_status ss_auto_status(ss_manager *mgr, const char *session, ss_auto_info *out)
{
	struct auto_capture *a;
	ss_status st = lookup(mgr, session, &a);
	if (st != SS_OK)
		return st;
	pthread_mutex_lock(&a->lock);
	*out = a->info;
	pthread_mutex_unlock(&a->lock);
	return SS_OK;
}

int ss_auto_wake_fd(ss_manager *mgr)
{
	return mgr->wake[0];
}

void ss_auto_drain(ss_manager *mgr)
{
	char buf[256];
	if (mgr->wake[0] < 0)
		return;
	while (read(mgr->wake[0], buf, sizeof buf) > 0)
		;
}
