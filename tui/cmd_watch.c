/*
 * cmd_watch.c - `snapscope watch SESSION ... (--file PATH | -- COMMAND...)`:
 * capture a command's output or a file on an interval, in the background,
 * while the browser shows the session live -- or, with --headless, while
 * standard error gets one line per event (for services and scripts).
 *
 * The capture runs on the model's thread (ss_auto.h) with its own store
 * connection; this file only builds the source, writes the retention flags
 * into the session's configuration (so that `cleanup` and a later `watch`
 * apply the same policy), and waits: in the browser for q, headless for
 * SIGINT, SIGTERM or SIGHUP.  Either way the capture in progress finishes,
 * the thread is joined and the exit status is 0.
 */
#include "cli.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "ss_auto.h"
#include "ss_source.h"

enum {
	OPT_EVERY = 1, OPT_TIMEOUT, OPT_MAX_AGE, OPT_MAX_COUNT, OPT_KEEP_UNCHANGED, OPT_HEADLESS,
	OPT_PAUSED, OPT_FILE, OPT_SHELL,
};

struct watch_args {
	const char *session;
	int64_t every, timeout;     /* 0: the default */
	bool has_max_age, has_max_count;
	int64_t max_age, max_count;
	bool keep_unchanged, headless, paused, shell;
	const char *file;
	char **command;             /* the words after --, borrowed from argv */
	int n_command;
};

/* ---- arguments ------------------------------------------------------------ */

static int parse_duration(cli_ctx *ctx, const char *opt, const char *text, int64_t *out)
{
	char err[512];
	if (ss_duration_parse(text, out, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s: %s", opt, err);
	return SS_EXIT_OK;
}

static int parse_args(cli_ctx *ctx, int argc, char **argv, struct watch_args *w)
{
	static const struct option opts[] = {
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-count", required_argument, NULL, OPT_MAX_COUNT },
		{ "keep-unchanged", no_argument, NULL, OPT_KEEP_UNCHANGED },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "paused", no_argument, NULL, OPT_PAUSED },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "shell", no_argument, NULL, OPT_SHELL },
		{ 0, 0, 0, 0 },
	};
	/* The command is everything after the first "--": its words are never
	 * read as our options, whatever they look like. */
	int opt_argc = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			opt_argc = i;
			w->command = argv + i + 1;
			w->n_command = argc - i - 1;
			break;
		}
	}
	int rc = SS_EXIT_OK, c;
	while (rc == SS_EXIT_OK && (c = cli_getopt(ctx, opt_argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_EVERY: rc = parse_duration(ctx, "--every", optarg, &w->every); break;
		case OPT_TIMEOUT: rc = parse_duration(ctx, "--timeout", optarg, &w->timeout); break;
		case OPT_MAX_AGE:
			rc = parse_duration(ctx, "--max-age", optarg, &w->max_age);
			w->has_max_age = true;
			break;
		case OPT_MAX_COUNT:
			rc = cli_parse_count(ctx, "--max-count", optarg, INT64_MAX, &w->max_count);
			w->has_max_count = true;
			break;
		case OPT_KEEP_UNCHANGED: w->keep_unchanged = true; break;
		case OPT_HEADLESS: w->headless = true; break;
		case OPT_PAUSED: w->paused = true; break;
		case OPT_FILE:
			if (!*optarg)
				rc = cli_usage(ctx, "--file needs a PATH");
			w->file = optarg;
			break;
		case OPT_SHELL: w->shell = true; break;
		default:
			return CLI_OPT_EXIT;
		}
	}
	if (rc != SS_EXIT_OK)
		return rc;
	if (opt_argc - optind != 1)
		return cli_usage(ctx, opt_argc - optind < 1 ? "missing SESSION"
		                 : "give one SESSION, then --file PATH or -- COMMAND");
	w->session = argv[optind];
	if ((rc = cli_check_session(ctx, w->session)) != SS_EXIT_OK)
		return rc;
	if (w->every && w->every < SS_AUTO_INTERVAL_MIN_MS)
		return cli_usage(ctx, "--every: the interval must be at least %dms",
		                 SS_AUTO_INTERVAL_MIN_MS);
	if (w->timeout < 0 || (w->timeout && w->timeout < 10))
		return cli_usage(ctx, "--timeout: at least 10ms");
	if (w->file && w->n_command > 0)
		return cli_usage(ctx, "give --file PATH or -- COMMAND, not both");
	if (!w->file && w->n_command == 0)
		return cli_usage(ctx, w->command ? "nothing after --: give the COMMAND to run"
		                 : "give --file PATH or -- COMMAND to capture");
	if (w->file && w->shell)
		return cli_usage(ctx, "--shell goes with a COMMAND, not --file");
	if (w->file && w->timeout)
		return cli_usage(ctx, "--timeout goes with a COMMAND, not --file");
	return SS_EXIT_OK;
}

/* ---- the source ---------------------------------------------------------------- */

/* With --shell the words form one command line, as ssh joins them. */
static char *join_words(char **words, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	char *line = malloc(len);
	if (!line)
		return NULL;
	line[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(line, " ");
		strcat(line, words[i]);
	}
	return line;
}

static int make_source(cli_ctx *ctx, const struct watch_args *w, ss_source **src)
{
	char err[512];
	ss_status st;
	/* Output past the state limit could never become a snapshot. */
	ss_config defaults;
	ss_config_init(&defaults);
	size_t max = defaults.max_state_bytes;
	if (w->file) {
		st = ss_source_file(w->file, max, src, err, sizeof err);
	} else if (w->shell) {
		char *line = join_words(w->command, w->n_command);
		if (!line)
			return cli_fail(ctx, SS_NOMEM, "out of memory");
		const char *argv1[] = { line };
		st = ss_source_command(argv1, 1, true, w->timeout, max, src, err, sizeof err);
		free(line);
	} else {
		st = ss_source_command((const char *const *)w->command, (size_t)w->n_command, false,
		                       w->timeout, max, src, err, sizeof err);
	}
	if (st != SS_OK)
		return cli_fail(ctx, st, "%s", err);
	return SS_EXIT_OK;
}

/* --max-age and --max-count become the session's policy. */
static int store_retention(cli_ctx *ctx, const struct watch_args *w)
{
	if (!w->has_max_age && !w->has_max_count)
		return SS_EXIT_OK;
	ss_session_config scfg = { 0 };
	ss_status st = ss_session_config_get(ctx->mgr, w->session, &scfg);
	if (st != SS_OK && st != SS_NOT_FOUND)
		return cli_fail_mgr(ctx, st);
	if (w->has_max_age)
		scfg.max_age_ms = w->max_age;
	if (w->has_max_count)
		scfg.max_count = w->max_count;
	st = ss_session_config_set(ctx->mgr, w->session, &scfg);
	ss_session_config_clear(&scfg);
	return st == SS_OK ? SS_EXIT_OK : cli_fail_mgr(ctx, st);
}

/* ---- headless --------------------------------------------------------------------- */

/* One line per event on stderr; called on the capture thread, and a single
 * fprintf per line keeps lines whole. */
static void print_event(const ss_event *ev, void *user_data)
{
	(void)user_data;
	char at[40];
	ss_time_format_utc(ss_now_ms(), at, sizeof at);
	const char *session = ev->session ? ev->session : "";
	switch (ev->type) {
	case SS_EVENT_SNAPSHOT_CREATED:
		fprintf(stderr, "%s %s: captured snapshot %lld\n", at, session,
		        (long long)ev->snapshot_id);
		break;
	case SS_EVENT_CAPTURE_ERROR: {
		const char *msg = ev->message ? ev->message : "";
		char *safe = ss_text_escape(msg, strlen(msg));
		fprintf(stderr, "%s %s: capture error: %s\n", at, session, safe ? safe : "?");
		free(safe);
		break;
	}
	case SS_EVENT_CLEANUP_DONE:
		if (ev->count)
			fprintf(stderr, "%s %s: retention deleted %lld snapshot%s\n", at, session,
			        (long long)ev->count, ev->count == 1 ? "" : "s");
		break;
	case SS_EVENT_CAPTURE_PAUSED: fprintf(stderr, "%s %s: paused\n", at, session); break;
	case SS_EVENT_CAPTURE_RESUMED: fprintf(stderr, "%s %s: resumed\n", at, session); break;
	case SS_EVENT_ERROR: {
		const char *msg = ev->message ? ev->message : "";
		char *safe = ss_text_escape(msg, strlen(msg));
		fprintf(stderr, "%s %s: error: %s\n", at, session, safe ? safe : "?");
		free(safe);
		break;
	}
	default:
		break;
	}
}

/* Wait for SIGINT, SIGTERM or SIGHUP.  They are blocked in every thread
 * (the capture thread blocks them itself; here for this one), so sigwait
 * takes them synchronously: no handler, no race with the loop. */
static int wait_for_signal(const sigset_t *set)
{
	int sig = 0;
	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

static void print_summary(cli_ctx *ctx, const char *session)
{
	ss_auto_info info;
	if (ss_auto_status(ctx->mgr, session, &info) != SS_OK)
		return;
	fprintf(stderr, "snapscope: %s: %lld captured, %lld unchanged, %lld capture error%s, "
	        "%lld deleted by retention\n", session, (long long)info.captured,
	        (long long)info.unchanged, (long long)info.errors, info.errors == 1 ? "" : "s",
	        (long long)info.deleted);
}

/* ---- in the browser ------------------------------------------------------------------ */

static volatile sig_atomic_t browse_signal;

static void on_browse_signal(int sig)
{
	browse_signal = sig;
}

/*
 * The browser restores the terminal on SIGINT and SIGTERM and then re-raises
 * the signal with the handler it found installed.  Ours is that handler: it
 * notes the signal, so that watch stops its capture and exits 0 like q.
 */
static int browse_live(cli_ctx *ctx, const char *session)
{
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_browse_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int rc = tui_browse(ctx->mgr, session, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return browse_signal ? SS_EXIT_OK : rc;
}

/* ---- the command ------------------------------------------------------------------- */

int cmd_watch(cli_ctx *ctx, int argc, char **argv)
{
	struct watch_args w = { 0 };
	int rc = parse_args(ctx, argc, argv, &w);
	if (rc == CLI_OPT_EXIT)
		return ctx->exit_code;
	if (rc != SS_EXIT_OK)
		return rc;
	ss_source *src = NULL;
	if ((rc = make_source(ctx, &w, &src)) != SS_EXIT_OK)
		return rc;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK || (rc = store_retention(ctx, &w)) != SS_EXIT_OK) {
		ss_source_free(src);
		return rc;
	}

	sigset_t stop_set, old_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGHUP);
	if (w.headless) {
		/* Blocked before the thread starts, so no thread takes them. */
		pthread_sigmask(SIG_BLOCK, &stop_set, &old_set);
		if (!ss_subscribe(ctx->mgr, print_event, NULL)) {
			pthread_sigmask(SIG_SETMASK, &old_set, NULL);
			ss_source_free(src);
			return cli_fail(ctx, SS_NOMEM, "out of memory");
		}
	}

	ss_auto_opts opts;
	ss_auto_opts_init(&opts);
	opts.interval_ms = w.every;
	opts.keep_unchanged = w.keep_unchanged;
	opts.start_paused = w.paused;
	ss_status st = ss_auto_start_opts(ctx->mgr, w.session, &opts, ss_source_capture, src);
	if (st != SS_OK) {
		if (w.headless)
			pthread_sigmask(SIG_SETMASK, &old_set, NULL);
		ss_source_free(src);
		return cli_fail_mgr(ctx, st);
	}

	if (w.headless) {
		ss_auto_info info;
		ss_auto_status(ctx->mgr, w.session, &info);
		char every[32];
		ss_duration_format(info.interval_ms, every, sizeof every);
		const char *what = ss_source_describe(src);
		char *safe = ss_text_escape(what, strlen(what));
		fprintf(stderr, "snapscope: watching %s every %s: %s%s\n", w.session, every,
		        w.file ? "file " : "", safe ? safe : "?");
		free(safe);
		int sig = wait_for_signal(&stop_set);
		fprintf(stderr, "snapscope: %s, stopping\n", strsignal(sig));
		print_summary(ctx, w.session);
		rc = SS_EXIT_OK;
	} else {
		rc = browse_live(ctx, w.session);
	}
	/* The capture in progress finishes; then the thread is gone. */
	ss_auto_stop(ctx->mgr, w.session);
	if (w.headless)
		pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	ss_source_free(src);
	return rc;
}
