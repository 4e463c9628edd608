/*
 * cmd_list.c - the read-only overviews: `list` (snapshots, streamed row by
 * row as ss_search() hands them out, so a million-row session never sits in
 * memory), `sessions` and `stats`.  Text output is for people (local times,
 * KiB/MiB); --json output is for scripts (UTC times, exact integers) and
 * stays stable.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BOLD "\033[1m"
#define PLAIN "\033[0m"

/* ---- list ------------------------------------------------------------------ */

enum {
	OPT_TAG = 1, OPT_ALL_TAGS, OPT_SINCE, OPT_UNTIL, OPT_GREP, OPT_PINNED, OPT_TAGGED,
	OPT_SORT, OPT_REVERSE, OPT_LIMIT, OPT_OFFSET, OPT_JSON,
};

struct list_out {
	bool json;
	bool color;
	int name_width;             /* of the session column */
	cli_json_array arr;
	int64_t rows;
	bool oom;
};

static void print_header(const struct list_out *lo)
{
	printf("%s%6s  %-*s  %5s  %-19s  %-6s  %-14s  %10s  %s  %s%s\n", lo->color ? BOLD : "",
	       "ID", lo->name_width, "SESSION", "SEQ", "TIME", "ORIGIN", "CHANGES", "SIZE", "P",
	       "TAGS  DESCRIPTION", lo->color ? PLAIN : "");
}

static void print_row(const struct list_out *lo, const ss_snapshot *s)
{
	char when[32], size[32], changes[64];
	ss_time_format_local(s->created_at, when, sizeof when);
	cli_format_size(s->raw_size, size, sizeof size);
	snprintf(changes, sizeof changes, "+%" PRId64 " ~%" PRId64 " -%" PRId64, s->n_added,
	         s->n_changed, s->n_removed);
	printf("%6" PRId64 "  ", s->id);
	char *name = ss_text_escape(s->session ? s->session : "", s->session ? strlen(s->session) : 0);
	printf("%-*s  ", lo->name_width, name ? name : "?");
	free(name);
	printf("%5" PRId64 "  %-19s  %-6s  %-14s  %10s", s->seq, when, cli_origin_name(s->origin),
	       changes, size);
	/* No trailing blanks: a row ends where its content does. */
	bool more = s->n_tags > 0 || s->description;
	if (s->pinned || more)
		printf("  %s", s->pinned ? "*" : " ");
	if (more)
		fputs("  ", stdout);
	for (size_t i = 0; i < s->n_tags; i++) {
		if (i)
			putchar(',');
		cli_put_text(stdout, s->tags[i]);
	}
	if (s->description) {
		if (s->n_tags)
			fputs("  ", stdout);
		cli_put_text(stdout, s->description);
	}
	putchar('\n');
}

static int list_row(const ss_snapshot *row, void *user_data)
{
	struct list_out *lo = user_data;
	if (lo->json) {
		json_t *obj = cli_snapshot_json(row);
		bool ok = obj && cli_json_array_add(&lo->arr, obj);
		json_decref(obj);
		if (!ok) {
			lo->oom = true;
			return 1;
		}
	} else {
		if (lo->rows == 0)
			print_header(lo);
		print_row(lo, row);
	}
	lo->rows++;
	return 0;
}

/* The width of the session column: the longest session name there is (a
 * cheap query; the rows themselves stream). */
static int session_width(ss_manager *mgr)
{
	ss_session *all = NULL;
	size_t n = 0;
	int w = 7;
	if (ss_sessions(mgr, &all, &n) != SS_OK)
		return 12;
	for (size_t i = 0; i < n; i++) {
		size_t len = all[i].name ? strlen(all[i].name) : 0;
		if (len > (size_t)w)
			w = (int)(len > SS_SESSION_NAME_MAX ? SS_SESSION_NAME_MAX : len);
	}
	ss_session_array_free(all, n);
	return w;
}

int cmd_list(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "all-tags", no_argument, NULL, OPT_ALL_TAGS },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "grep", required_argument, NULL, OPT_GREP },
		{ "pinned", no_argument, NULL, OPT_PINNED },
		{ "tagged", no_argument, NULL, OPT_TAGGED },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0, 0, 0, 0 },
	};
	const char **tags = calloc((size_t)argc + 1, sizeof *tags);
	if (!tags)
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	ss_query q;
	ss_query_init(&q);
	struct list_out lo = { .arr = { .f = stdout } };
	int64_t now = ss_now_ms();
	int rc = SS_EXIT_OK, c;
	char err[512];

	while (rc == SS_EXIT_OK && (c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_TAG:
			if (ss_tag_check(optarg, err, sizeof err) != SS_OK)
				rc = cli_usage(ctx, "%s", err);
			else
				tags[q.n_tags++] = optarg;
			break;
		case OPT_ALL_TAGS: q.tags_all = true; break;
		case OPT_SINCE: rc = cli_parse_time(ctx, "--since", optarg, now, &q.since); break;
		case OPT_UNTIL: rc = cli_parse_time(ctx, "--until", optarg, now, &q.until); break;
		case OPT_GREP: q.text = optarg; break;
		case OPT_PINNED: q.pinned_only = true; break;
		case OPT_TAGGED: q.tagged_only = true; break;
		case OPT_SORT:
			if (strcmp(optarg, "time") == 0)
				q.sort = SS_SORT_TIME;
			else if (strcmp(optarg, "size") == 0)
				q.sort = SS_SORT_SIZE;
			else if (strcmp(optarg, "changes") == 0)
				q.sort = SS_SORT_CHANGES;
			else
				rc = cli_usage(ctx, "--sort takes time, size or changes, not '%s'", optarg);
			break;
		case OPT_REVERSE: q.reverse = true; break;
		case OPT_LIMIT:
			rc = cli_parse_count(ctx, "--limit", optarg, INT64_MAX, &q.limit);
			/* 0 means "no limit" to the model; asking for none is a mistake. */
			if (rc == SS_EXIT_OK && q.limit == 0)
				rc = cli_usage(ctx, "--limit needs at least 1");
			break;
		case OPT_OFFSET:
			rc = cli_parse_count(ctx, "--offset", optarg, INT64_MAX, &q.offset);
			break;
		case OPT_JSON: lo.json = true; break;
		default: /* CLI_OPT_EXIT: --help (0) or a usage error */
			rc = ctx->exit_code;
			goto out;
		}
	}
	if (rc != SS_EXIT_OK)
		goto out;
	if (argc - optind > 1) {
		rc = cli_usage(ctx, "too many arguments (one SESSION at most)");
		goto out;
	}
	if (argc - optind == 1) {
		q.session = argv[optind];
		if ((rc = cli_check_session(ctx, q.session)) != SS_EXIT_OK)
			goto out;
	}
	if (q.since != SS_TIME_NONE && q.until != SS_TIME_NONE && q.since > q.until) {
		rc = cli_usage(ctx, "--since is later than --until");
		goto out;
	}
	q.tags = tags;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;

	if (q.session) {
		/* The plain lookup: ss_session_info() would sum over every row. */
		ss_session_config cfg;
		ss_status st = ss_session_config_get(ctx->mgr, q.session, &cfg);
		ss_session_config_clear(&cfg);
		if (st == SS_NOT_FOUND) {
			/* An empty match, not a failure: scripts get an empty list. */
			cli_fail(ctx, st, "no session named %s", q.session);
			if (lo.json)
				cli_json_array_end(&lo.arr);
			rc = SS_EXIT_OK;
			goto out;
		}
		if (st != SS_OK) {
			rc = cli_fail_mgr(ctx, st);
			goto out;
		}
	}

	lo.color = !lo.json && cli_color(stdout);
	lo.name_width = lo.json ? 0 : session_width(ctx->mgr);
	ss_status st = ss_search(ctx->mgr, &q, NULL, list_row, &lo);
	if (lo.oom) {
		rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		goto out;
	}
	if (st != SS_OK) {
		/* Rows already printed stay; the message says the list is cut short. */
		if (lo.json && lo.rows)
			fputs("\n", stdout);
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}
	if (lo.json)
		cli_json_array_end(&lo.arr);
	else if (lo.rows == 0)
		fputs("no snapshots match\n", stderr);
out:
	free(tags);
	return rc;
}

/* ---- sessions ------------------------------------------------------------- */

int cmd_sessions(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0, 0, 0, 0 },
	};
	bool json = false;
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		if (c == OPT_JSON)
			json = true;
		else
			return ctx->exit_code;
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	int rc = cli_open(ctx);
	if (rc != SS_EXIT_OK)
		return rc;

	ss_session *all = NULL;
	size_t n = 0;
	ss_status st = ss_sessions(ctx->mgr, &all, &n);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);

	if (json) {
		cli_json_array arr = { .f = stdout };
		for (size_t i = 0; i < n && rc == SS_EXIT_OK; i++) {
			const ss_session *s = &all[i];
			json_t *obj = json_pack("{s:o, s:I, s:o, s:o, s:I, s:I, s:o}",
			                        "name", cli_json_text(s->name ? s->name : ""),
			                        "count", (json_int_t)s->count,
			                        "first", cli_json_time(s->first_at),
			                        "last", cli_json_time(s->last_at),
			                        "raw_size", (json_int_t)s->raw_bytes,
			                        "stored_size", (json_int_t)s->stored_bytes,
			                        "created_at", cli_json_time(s->created_at));
			if (!obj || !cli_json_array_add(&arr, obj))
				rc = cli_fail(ctx, SS_NOMEM, "out of memory");
			json_decref(obj);
		}
		if (rc == SS_EXIT_OK)
			cli_json_array_end(&arr);
	} else if (n == 0) {
		fputs("no sessions yet\n", stderr);
	} else {
		int w = 7;
		for (size_t i = 0; i < n; i++)
			if (all[i].name && strlen(all[i].name) > (size_t)w)
				w = (int)strlen(all[i].name);
		bool color = cli_color(stdout);
		printf("%s%-*s  %9s  %-19s  %-19s  %10s%s\n", color ? BOLD : "", w, "SESSION",
		       "SNAPSHOTS", "FIRST", "LAST", "STORED", color ? PLAIN : "");
		for (size_t i = 0; i < n; i++) {
			char first[32], last[32], size[32];
			ss_time_format_local(all[i].first_at, first, sizeof first);
			ss_time_format_local(all[i].last_at, last, sizeof last);
			cli_format_size(all[i].stored_bytes, size, sizeof size);
			char *name = ss_text_escape(all[i].name ? all[i].name : "",
			                            all[i].name ? strlen(all[i].name) : 0);
			printf("%-*s  %9" PRId64 "  %-19s  %-19s  %10s\n", w, name ? name : "?",
			       all[i].count, first, last, size);
			free(name);
		}
	}
	ss_session_array_free(all, n);
	return rc;
}

/* ---- stats ---------------------------------------------------------------- */

static void print_stats_text(const ss_stats *s, const char *store)
{
	char raw[32], stored[32], file[32], first[32], last[32], span[64];
	cli_format_size(s->raw_bytes, raw, sizeof raw);
	cli_format_size(s->stored_bytes, stored, sizeof stored);
	cli_format_size(s->file_bytes, file, sizeof file);
	double ratio = ss_stats_ratio(s);
	double avg_us = ss_stats_avg_create_us(s);

	printf("store:             ");
	cli_put_text(stdout, store);
	printf("\nsessions:          %" PRId64 "\n", s->sessions);
	printf("snapshots:         %" PRId64 " (%" PRId64 " keyframes, %" PRId64 " deltas)\n",
	       s->snapshots, s->keyframes, s->deltas);
	printf("pinned:            %" PRId64 "\n", s->pinned);
	printf("tagged:            %" PRId64 " (%" PRId64 " tags)\n", s->tagged, s->tags);
	printf("raw size:          %s (%" PRId64 " bytes)\n", raw, s->raw_bytes);
	printf("stored size:       %s (%" PRId64 " bytes)\n", stored, s->stored_bytes);
	if (ratio > 0 && s->raw_bytes > 0)
		printf("compression:       %.3f stored/raw (%.1fx smaller)\n", ratio, 1.0 / ratio);
	else
		printf("compression:       %.3f stored/raw\n", ratio);
	if (avg_us >= 1000.0)
		printf("avg create time:   %.2f ms\n", avg_us / 1000.0);
	else
		printf("avg create time:   %.0f us\n", avg_us);
	printf("longest chain:     %" PRId64 " deltas\n", s->max_chain);
	printf("store file:        %s\n", file);
	if (s->first_at == SS_TIME_NONE || s->last_at == SS_TIME_NONE) {
		printf("time span:         -\n");
		return;
	}
	ss_time_format_local(s->first_at, first, sizeof first);
	ss_time_format_local(s->last_at, last, sizeof last);
	/* Whole seconds: "4h2m7s" reads better than "4h2m7s381ms" here. */
	int64_t secs = (s->last_at - s->first_at) / 1000 * 1000;
	ss_duration_format(secs, span, sizeof span);
	printf("time span:         %s .. %s (%s)\n", first, last, span);
}

static json_t *stats_json(const ss_stats *s, const char *session)
{
	json_t *span = s->first_at == SS_TIME_NONE || s->last_at == SS_TIME_NONE
	                       ? json_null()
	                       : json_integer(s->last_at - s->first_at);
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I,"
	                 " s:I, s:o, s:o, s:o}",
	                 "session", session ? cli_json_text(session) : json_null(),
	                 "sessions", (json_int_t)s->sessions,
	                 "snapshots", (json_int_t)s->snapshots,
	                 "keyframes", (json_int_t)s->keyframes,
	                 "deltas", (json_int_t)s->deltas,
	                 "pinned", (json_int_t)s->pinned,
	                 "tagged", (json_int_t)s->tagged,
	                 "tags", (json_int_t)s->tags,
	                 "raw_bytes", (json_int_t)s->raw_bytes,
	                 "stored_bytes", (json_int_t)s->stored_bytes,
	                 "ratio", ss_stats_ratio(s),
	                 "avg_create_us", ss_stats_avg_create_us(s),
	                 "max_chain", (json_int_t)s->max_chain,
	                 "file_bytes", (json_int_t)s->file_bytes,
	                 "first", cli_json_time(s->first_at),
	                 "last", cli_json_time(s->last_at),
	                 "span_ms", span);
}

int cmd_stats(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0, 0, 0, 0 },
	};
	bool json = false;
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		if (c == OPT_JSON)
			json = true;
		else
			return ctx->exit_code;
	}
	if (argc - optind > 1)
		return cli_usage(ctx, "too many arguments (one SESSION at most)");
	const char *session = argc - optind == 1 ? argv[optind] : NULL;
	int rc;
	if (session && (rc = cli_check_session(ctx, session)) != SS_EXIT_OK)
		return rc;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		return rc;
	if (session && (rc = cli_require_session(ctx, session)) != SS_EXIT_OK)
		return rc;
	ss_stats s;
	memset(&s, 0, sizeof s);
	ss_status st = ss_stats_get(ctx->mgr, session, &s);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	if (json) {
		json_t *obj = stats_json(&s, session);
		bool ok = obj && cli_print_json(stdout, obj, 0);
		json_decref(obj);
		if (!ok)
			return cli_fail(ctx, SS_NOMEM, "out of memory");
		putchar('\n');
	} else {
		print_stats_text(&s, ss_store_location(ctx->mgr));
	}
	return SS_EXIT_OK;
}
