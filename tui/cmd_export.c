/*
 * cmd_export.c - `snapscope export`: write a session, a filtered selection
 * or chosen ids to a file, as the JSON export of DESIGN.md or the binary
 * format (docs/binary-format.md).  The model does the work (ss_export:
 * streamed, one read transaction, 0600, temporary file and rename, no
 * overwrite without --force, no symlinks); this file turns the command line
 * into a query or a list of ids and shows progress on a terminal.  The
 * progress line is shared with `import` (cmd_import.c).
 */
#include "cli.h"
#include "ss_transfer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the progress line ----------------------------------------------------- */

/* A short operation finishes before anyone reads a progress line: it only
 * appears past this many snapshots or this long. */
#define PROGRESS_MIN_COUNT 1000
#define PROGRESS_MIN_MS 1000
#define PROGRESS_REDRAW_MS 100

void cli_progress_init(cli_progress *p, const char *verb)
{
	memset(p, 0, sizeof *p);
	p->verb = verb;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->started_ms = ss_now_ms();
}

void cli_progress_show(int64_t done, int64_t total, void *user_data)
{
	cli_progress *p = user_data;
	if (!p->tty)
		return;
	int64_t now = ss_now_ms();
	if (total <= PROGRESS_MIN_COUNT && done <= PROGRESS_MIN_COUNT &&
	    now - p->started_ms < PROGRESS_MIN_MS)
		return;
	if (p->width && now - p->last_ms < PROGRESS_REDRAW_MS)
		return;
	p->last_ms = now;
	char line[128];
	int n = total > 0 ? snprintf(line, sizeof line, "\r %s %lld/%lld snapshots", p->verb,
	                             (long long)done, (long long)total)
	                  : snprintf(line, sizeof line, "\r checking %lld snapshots", (long long)done);
	if (n < 0)
		return;
	/* Pad over a longer previous line ("checking" is longer than some). */
	fprintf(stderr, "%s%*s", line, p->width > n ? p->width - n : 0, "");
	fflush(stderr);
	if (n > p->width)
		p->width = n;
}

void cli_progress_end(cli_progress *p)
{
	if (!p->width)
		return;
	fprintf(stderr, "\r%*s\r", p->width, "");
	fflush(stderr);
	p->width = 0;
}

enum { OPT_ID = 1, OPT_TAG, OPT_SINCE, OPT_UNTIL, OPT_FORMAT, OPT_FORCE, OPT_OUTPUT };

/* Options whose value may follow as the next argument, so that a value
 * spelled "-o" (a tag, say) is never taken for the -o option. */
static bool takes_value(const char *arg)
{
	static const char *const with_value[] = {
		"--id", "--tag", "--since", "--until", "--format", "--output",
		"--store", "--theme", "--max-state",
	};
	for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
		if (strcmp(arg, with_value[i]) == 0)
			return true;
	return false;
}

/*
 * cli_getopt() knows long options only, but `-o FILE` is what every tool
 * that writes a file accepts: rewrite `-o FILE` to `--output FILE` and
 * `-oFILE` to `--output=FILE` before parsing.  *owned gets the one string
 * allocated for the latter (freed by the caller).  False when out of memory.
 */
static bool rewrite_short_output(int argc, char **argv, char **owned)
{
	static char output_opt[] = "--output";
	*owned = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (takes_value(a)) {
			i++;
			continue;
		}
		if (strcmp(a, "-o") == 0) {
			argv[i] = output_opt;
			i++;
		} else if (strncmp(a, "-o", 2) == 0 && !*owned) {
			size_t n = strlen(a + 2);
			char *s = malloc(sizeof "--output=" + n);
			if (!s)
				return false;
			memcpy(s, "--output=", sizeof "--output=" - 1);
			memcpy(s + sizeof "--output=" - 1, a + 2, n + 1);
			argv[i] = s;
			*owned = s;
		}
	}
	return true;
}

int cmd_export(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, OPT_ID },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ 0, 0, 0, 0 },
	};
	char *owned = NULL;
	const char **tags = calloc((size_t)argc + 1, sizeof *tags);
	int64_t *ids = calloc((size_t)argc + 1, sizeof *ids);
	if (!tags || !ids || !rewrite_short_output(argc, argv, &owned)) {
		free(tags);
		free(ids);
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	}
	ss_query q;
	ss_query_init(&q);
	size_t n_ids = 0;
	const char *output = NULL;
	bool force = false;
	ss_export_format format = SS_EXPORT_JSON;
	int64_t now = ss_now_ms();
	int rc = SS_EXIT_OK, c;
	char err[512];

	while (rc == SS_EXIT_OK && (c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_ID:
			rc = cli_parse_id(ctx, optarg, &ids[n_ids]);
			if (rc == SS_EXIT_OK)
				n_ids++;
			break;
		case OPT_TAG:
			if (ss_tag_check(optarg, err, sizeof err) != SS_OK)
				rc = cli_usage(ctx, "%s", err);
			else
				tags[q.n_tags++] = optarg;
			break;
		case OPT_SINCE: rc = cli_parse_time(ctx, "--since", optarg, now, &q.since); break;
		case OPT_UNTIL: rc = cli_parse_time(ctx, "--until", optarg, now, &q.until); break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				format = SS_EXPORT_JSON;
			else if (strcmp(optarg, "binary") == 0)
				format = SS_EXPORT_BINARY;
			else
				rc = cli_usage(ctx, "--format takes json or binary, not '%s'", optarg);
			break;
		case OPT_FORCE: force = true; break;
		case OPT_OUTPUT: output = optarg; break;
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
	if (!output || !*output) {
		rc = cli_usage(ctx, "no output file: give -o FILE");
		goto out;
	}
	/* Ids name exactly what to write; a filter beside them would be
	 * silently ignored, so it is refused instead. */
	if (n_ids && (q.session || q.n_tags || q.since != SS_TIME_NONE || q.until != SS_TIME_NONE)) {
		rc = cli_usage(ctx, "--id cannot be combined with SESSION, --tag, --since or --until");
		goto out;
	}
	if (q.since != SS_TIME_NONE && q.until != SS_TIME_NONE && q.since > q.until) {
		rc = cli_usage(ctx, "--since is later than --until");
		goto out;
	}
	q.tags = tags;
	q.sort = SS_SORT_TIME;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;

	int64_t written = 0;
	cli_progress progress;
	cli_progress_init(&progress, "exporting");
	ss_status st = ss_export(ctx->mgr, &q, ids, n_ids, output, format, force, cli_progress_show,
	                         &progress, &written);
	cli_progress_end(&progress);
	if (st == SS_EXISTS) {
		rc = cli_fail(ctx, st, "%s (--force replaces it)", ss_errmsg(ctx->mgr));
		goto out;
	}
	if (st != SS_OK) {
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}
	fprintf(stderr, "exported %lld snapshot%s to ", (long long)written, written == 1 ? "" : "s");
	cli_put_text(stderr, output);
	fputc('\n', stderr);
out:
	free(owned);
	free(tags);
	free(ids);
	return rc;
}
