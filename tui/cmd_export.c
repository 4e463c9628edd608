/*
 * cmd_export.c - `snapscope export`: write a session, a filtered selection
 * or chosen ids to a file in the JSON export format of DESIGN.md.  The
 * model does the work (ss_export_json: streamed, 0600, temporary file and
 * rename, no overwrite without --force, no symlinks); this file only turns
 * the command line into a query or a list of ids.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

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
			/* The binary format will be a second value here; until it
			 * exists, only what is implemented is accepted. */
			if (strcmp(optarg, "json") != 0)
				rc = cli_usage(ctx, "--format takes json, not '%s'", optarg);
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
	ss_status st = ss_export_json(ctx->mgr, &q, ids, n_ids, output, force, &written);
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
