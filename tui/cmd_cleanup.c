/*
 * cmd_cleanup.c - `snapscope cleanup [SESSION] [options]`: apply retention
 * (ss_retention.h) to one session or all of them, printing every decision
 * with its reason, newest first, then one summary line a session:
 *
 *   keep   #42  seq 17  2026-11-25 14:03:10  newest
 *   delete #12  seq 5  2026-11-24 09:00:00  over max-count
 *   api: 1 deleted, 1 kept
 *
 * With --dry-run nothing is deleted and the verb is "would delete": the
 * same decisions a real run makes, since both are decided before anything
 * is deleted.  --json prints the decisions as one array instead.  The
 * options override each session's stored policy for this run only.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ss_retention.h"

enum {
	OPT_MAX_AGE = 1, OPT_MAX_COUNT, OPT_KEEP_HOURLY, OPT_KEEP_DAILY, OPT_DELETE_TAGGED,
	OPT_DRY_RUN, OPT_JSON,
};

/* Where the decisions go while ss_cleanup() runs.  The callbacks only
 * print and count: they must not call back into the manager. */
struct cleanup_out {
	bool json, dry_run;
	cli_json_array arr;
	bool oom;
	char session[SS_SESSION_NAME_MAX + 1]; /* the session being reported */
	int64_t deleted, kept;      /* its counts so far */
	size_t sessions;            /* summaries printed */
};

/* A session's decisions all come before its deletions, and a snapshot
 * pinned by someone else meanwhile is spared: the summary takes the count
 * actually deleted from the event that ends the session. */
static void on_event(const ss_event *ev, void *user_data)
{
	struct cleanup_out *co = user_data;
	if (ev->type != SS_EVENT_CLEANUP_DONE || !ev->session || strcmp(ev->session, co->session) != 0)
		return;
	co->kept += co->deleted - ev->count;
	co->deleted = ev->count;
}

static void put_summary(struct cleanup_out *co)
{
	if (co->json || !co->session[0])
		return;
	cli_put_text(stdout, co->session);
	printf(": %" PRId64 " %s, %" PRId64 " kept\n", co->deleted,
	       co->dry_run ? "would be deleted" : "deleted", co->kept);
	co->sessions++;
}

static void on_decision(const ss_cleanup_decision *d, void *user_data)
{
	struct cleanup_out *co = user_data;
	if (co->oom)
		return;
	if (strcmp(co->session, d->session) != 0) {
		put_summary(co);
		snprintf(co->session, sizeof co->session, "%s", d->session);
		co->deleted = co->kept = 0;
	}
	if (d->keep)
		co->kept++;
	else
		co->deleted++;
	if (co->json) {
		json_t *obj = json_pack("{s:I, s:o, s:I, s:o, s:I, s:s, s:s}",
		                        "id", (json_int_t)d->id,
		                        "session", cli_json_text(d->session),
		                        "seq", (json_int_t)d->seq,
		                        "created_at", cli_json_time(d->created_at),
		                        "created_at_ms", (json_int_t)d->created_at,
		                        "action", d->keep ? "keep" : "delete",
		                        "reason", d->reason);
		if (!obj || !cli_json_array_add(&co->arr, obj))
			co->oom = true;
		json_decref(obj);
		return;
	}
	char when[40];
	ss_time_format_local(d->created_at, when, sizeof when);
	const char *verb = d->keep ? "keep" : co->dry_run ? "would delete" : "delete";
	printf("%-*s #%" PRId64 "  seq %" PRId64 "  %s  ", co->dry_run ? 12 : 6, verb, d->id,
	       d->seq, when);
	cli_put_text(stdout, d->reason);    /* ours, but escaping costs nothing */
	putchar('\n');
}

static int parse_duration(cli_ctx *ctx, const char *opt, const char *text, int64_t *out)
{
	char err[512];
	if (ss_duration_parse(text, out, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s: %s", opt, err);
	/* Zero would silently mean "the stored policy", not "nothing". */
	if (*out <= 0)
		return cli_usage(ctx, "%s needs a duration above zero", opt);
	return SS_EXIT_OK;
}

static int parse_positive(cli_ctx *ctx, const char *opt, const char *text, int64_t *out)
{
	int rc = cli_parse_count(ctx, opt, text, INT64_MAX, out);
	if (rc == SS_EXIT_OK && *out == 0)
		rc = cli_usage(ctx, "%s needs an integer of at least 1", opt);
	return rc;
}

int cmd_cleanup(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-count", required_argument, NULL, OPT_MAX_COUNT },
		{ "keep-hourly", required_argument, NULL, OPT_KEEP_HOURLY },
		{ "keep-daily", required_argument, NULL, OPT_KEEP_DAILY },
		{ "delete-tagged", no_argument, NULL, OPT_DELETE_TAGGED },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0, 0, 0, 0 },
	};
	ss_retention ov = { 0 };
	struct cleanup_out co = { .arr = { .f = stdout } };
	int rc = SS_EXIT_OK, c;
	while (rc == SS_EXIT_OK && (c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_MAX_AGE: rc = parse_duration(ctx, "--max-age", optarg, &ov.max_age_ms); break;
		case OPT_MAX_COUNT:
			rc = parse_positive(ctx, "--max-count", optarg, &ov.max_count);
			break;
		case OPT_KEEP_HOURLY:
			rc = parse_positive(ctx, "--keep-hourly", optarg, &ov.keep_hourly);
			break;
		case OPT_KEEP_DAILY:
			rc = parse_positive(ctx, "--keep-daily", optarg, &ov.keep_daily);
			break;
		case OPT_DELETE_TAGGED: ov.delete_tagged = true; break;
		case OPT_DRY_RUN: co.dry_run = true; break;
		case OPT_JSON: co.json = true; break;
		default: /* --help (0) or a usage error (2), already printed */
			return ctx->exit_code;
		}
	}
	if (rc != SS_EXIT_OK)
		return rc;
	if (argc - optind > 1)
		return cli_usage(ctx, "too many arguments (one SESSION at most)");
	const char *session = argc - optind == 1 ? argv[optind] : NULL;
	if (session && (rc = cli_check_session(ctx, session)) != SS_EXIT_OK)
		return rc;
	/* The table opens an existing store (CLI_STORE_READ: never created,
	 * though writable): there is nothing to clean in a store that is not. */
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		return rc;
	if (session && (rc = cli_require_session(ctx, session)) != SS_EXIT_OK)
		return rc;

	int64_t deleted = 0;
	int handle = ss_subscribe(ctx->mgr, on_event, &co);
	if (!handle)
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	ss_status st = ss_cleanup(ctx->mgr, session, &ov, co.dry_run, on_decision, &co, &deleted);
	ss_unsubscribe(ctx->mgr, handle);
	if (co.json)
		cli_json_array_end(&co.arr);
	else if (st == SS_OK)
		put_summary(&co);
	/* A named session with no snapshots still gets its line. */
	if (st == SS_OK && !co.json && session && co.sessions == 0) {
		snprintf(co.session, sizeof co.session, "%s", session);
		put_summary(&co);
	}
	fflush(stdout);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	if (co.oom)
		return cli_fail(ctx, SS_NOMEM, "out of memory printing the decisions");
	return SS_EXIT_OK;
}
