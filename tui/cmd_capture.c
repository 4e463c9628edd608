/*
 * cmd_capture.c - `snapscope capture SESSION [FILE|-]`: read one JSON state
 * and record it.  The input is read and checked before the store is opened,
 * so rejected input never creates or changes a store.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_TAG = 1, OPT_DESC, OPT_PIN };

/* A tag given twice is one tag. */
static bool has_tag(const char *const *tags, size_t n, const char *tag)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i], tag) == 0)
			return true;
	return false;
}

/* Read the state from `path` ("-" or NULL: standard input). */
static int read_state(cli_ctx *ctx, const char *path, json_t **state)
{
	bool use_stdin = !path || strcmp(path, "-") == 0;
	const char *what = use_stdin ? "standard input" : path;
	int fd = 0;
	if (!use_stdin) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_fail(ctx, SS_IO, "cannot open %s: %s", path, strerror(errno));
		struct stat sb;
		if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			close(fd);
			return cli_fail(ctx, SS_IO, "%s is a directory, not a JSON file", path);
		}
	} else if (isatty(0)) {
		/* Not an error, but a person at a terminal should know why we wait. */
		fputs("snapscope: reading the state from standard input (end with Ctrl-D)\n", stderr);
	}
	char err[1024] = "";
	size_t max = ctx->max_state ? ctx->max_state : SS_STATE_MAX_DEFAULT;
	ss_status st = ss_state_read_fd(fd, max, what, state, err, sizeof err);
	if (!use_stdin)
		close(fd);
	if (st != SS_OK)
		return cli_fail(ctx, st, "%s", *err ? err : ss_status_str(st));
	return SS_EXIT_OK;
}

int cmd_capture(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "desc", required_argument, NULL, OPT_DESC },
		{ "pin", no_argument, NULL, OPT_PIN },
		{ 0, 0, 0, 0 },
	};
	/* At most one tag per argument: argc bounds the count. */
	const char **tags = calloc((size_t)argc + 1, sizeof *tags);
	if (!tags)
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	size_t n_tags = 0;
	ss_create_opts co = { .origin = SS_ORIGIN_MANUAL };
	char err[512];
	int rc = SS_EXIT_OK, c;
	json_t *state = NULL;

	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_TAG:
			if (ss_tag_check(optarg, err, sizeof err) != SS_OK) {
				rc = cli_usage(ctx, "%s", err);
				goto out;
			}
			if (!has_tag(tags, n_tags, optarg))
				tags[n_tags++] = optarg;
			break;
		case OPT_DESC:
			if (*optarg && ss_description_check(optarg, err, sizeof err) != SS_OK) {
				rc = cli_usage(ctx, "%s", err);
				goto out;
			}
			co.description = *optarg ? optarg : NULL;
			break;
		case OPT_PIN:
			co.pinned = true;
			break;
		default:
			rc = ctx->exit_code;
			goto out;
		}
	}
	int npos = argc - optind;
	if (npos < 1 || npos > 2) {
		rc = cli_usage(ctx, npos < 1 ? "missing SESSION" : "too many arguments");
		goto out;
	}
	const char *session = argv[optind];
	if ((rc = cli_check_session(ctx, session)) != SS_EXIT_OK)
		goto out;
	if (n_tags > SS_TAGS_PER_SNAPSHOT_MAX) {
		rc = cli_usage(ctx, "at most %d tags per snapshot", SS_TAGS_PER_SNAPSHOT_MAX);
		goto out;
	}

	if ((rc = read_state(ctx, npos == 2 ? argv[optind + 1] : NULL, &state)) != SS_EXIT_OK)
		goto out;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;

	co.tags = tags;
	co.n_tags = n_tags;
	int64_t id = 0;
	ss_status st = ss_create(ctx->mgr, session, state, &co, &id);
	if (st != SS_OK) {
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}
	printf("%" PRId64 "\n", id);
out:
	json_decref(state);
	free(tags);
	return rc;
}
