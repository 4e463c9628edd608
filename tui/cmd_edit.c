/*
 * cmd_edit.c - the commands that change a snapshot's annotations or remove
 * it: tag, untag, describe, pin, unpin, delete.  Quiet on success, as Unix
 * tools are.  Every argument is checked (syntax, then existence) before the
 * first change, so a typo in the third id does not leave the first two done.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_FORCE = 1 };

/* Commands without options of their own still take --help and the globals.
 * False when the command must end now with ctx->exit_code. */
static bool no_options(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { 0, 0, 0, 0 } };
	return cli_getopt(ctx, argc, argv, opts) == -1;
}

/* A failed edit of snapshot `id`: the model's message, or ours for an id
 * that has disappeared meanwhile. */
static int edit_fail(cli_ctx *ctx, ss_status st, int64_t id)
{
	if (st == SS_NOT_FOUND)
		return cli_fail(ctx, st, "no snapshot with id %" PRId64, id);
	return cli_fail_mgr(ctx, st);
}

/* Parse argv[from..argc-1] as ids into a fresh array, dropping repeats. */
static int parse_ids(cli_ctx *ctx, int argc, char **argv, int from, int64_t **ids, size_t *n)
{
	*n = 0;
	*ids = calloc((size_t)(argc - from) + 1, sizeof **ids);
	if (!*ids)
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	for (int i = from; i < argc; i++) {
		int64_t id;
		int rc = cli_parse_id(ctx, argv[i], &id);
		if (rc != SS_EXIT_OK) {
			free(*ids);
			*ids = NULL;
			return rc;
		}
		bool seen = false;
		for (size_t j = 0; j < *n && !seen; j++)
			seen = (*ids)[j] == id;
		if (!seen)
			(*ids)[(*n)++] = id;
	}
	return SS_EXIT_OK;
}

/* ---- tag, untag ------------------------------------------------------------ */

static int tag_common(cli_ctx *ctx, int argc, char **argv, bool add)
{
	if (!no_options(ctx, argc, argv))
		return ctx->exit_code;
	int rc;
	if (argc - optind < 2)
		return cli_usage(ctx, argc - optind < 1 ? "missing ID and TAG" : "missing TAG");
	int64_t id;
	if ((rc = cli_parse_id(ctx, argv[optind], &id)) != SS_EXIT_OK)
		return rc;
	char err[512];
	for (int i = optind + 1; i < argc; i++)
		if (ss_tag_check(argv[i], err, sizeof err) != SS_OK)
			return cli_usage(ctx, "%s", err);
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		return rc;

	ss_snapshot meta;
	memset(&meta, 0, sizeof meta);
	if ((rc = cli_get_meta(ctx, id, &meta)) != SS_EXIT_OK)
		return rc;
	if (!add) {
		/* Removing a tag that is not there is a mistake worth reporting,
		 * before anything is removed. */
		for (int i = optind + 1; i < argc && rc == SS_EXIT_OK; i++) {
			bool has = false;
			for (size_t t = 0; t < meta.n_tags && !has; t++)
				has = strcmp(meta.tags[t], argv[i]) == 0;
			if (!has)
				rc = cli_fail(ctx, SS_NOT_FOUND, "snapshot %" PRId64 " has no tag '%s'", id,
				              argv[i]);
		}
	}
	ss_snapshot_clear(&meta);

	for (int i = optind + 1; i < argc && rc == SS_EXIT_OK; i++) {
		ss_status st = add ? ss_tag(ctx->mgr, id, argv[i]) : ss_untag(ctx->mgr, id, argv[i]);
		if (st == SS_NOT_FOUND && !add)
			rc = cli_fail(ctx, st, "snapshot %" PRId64 " has no tag '%s'", id, argv[i]);
		else if (st != SS_OK)
			rc = cli_fail(ctx, st, "cannot %s snapshot %" PRId64 " %s '%s': %s",
			              add ? "tag" : "untag", id, add ? "with" : "from", argv[i],
			              ss_errmsg(ctx->mgr));
	}
	return rc;
}

int cmd_tag(cli_ctx *ctx, int argc, char **argv)
{
	return tag_common(ctx, argc, argv, true);
}

int cmd_untag(cli_ctx *ctx, int argc, char **argv)
{
	return tag_common(ctx, argc, argv, false);
}

/* ---- describe ---------------------------------------------------------------- */

int cmd_describe(cli_ctx *ctx, int argc, char **argv)
{
	if (!no_options(ctx, argc, argv))
		return ctx->exit_code;
	int rc;
	if (argc - optind != 2)
		return cli_usage(ctx, argc - optind < 2 ? "give ID and TEXT (\"\" clears)"
		                                        : "too many arguments (quote the TEXT)");
	int64_t id;
	if ((rc = cli_parse_id(ctx, argv[optind], &id)) != SS_EXIT_OK)
		return rc;
	const char *text = argv[optind + 1];
	char err[512];
	if (*text && ss_description_check(text, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s", err);
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		return rc;
	ss_status st = ss_describe(ctx->mgr, id, *text ? text : NULL);
	return st == SS_OK ? SS_EXIT_OK : edit_fail(ctx, st, id);
}

/* ---- pin, unpin --------------------------------------------------------------- */

static int pin_common(cli_ctx *ctx, int argc, char **argv, bool pinned)
{
	if (!no_options(ctx, argc, argv))
		return ctx->exit_code;
	int rc;
	if (argc - optind < 1)
		return cli_usage(ctx, "missing ID");
	int64_t *ids;
	size_t n;
	if ((rc = parse_ids(ctx, argc, argv, optind, &ids, &n)) != SS_EXIT_OK)
		return rc;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;
	for (size_t i = 0; i < n && rc == SS_EXIT_OK; i++) {
		ss_snapshot meta;
		memset(&meta, 0, sizeof meta);
		rc = cli_get_meta(ctx, ids[i], &meta);
		ss_snapshot_clear(&meta);
	}
	for (size_t i = 0; i < n && rc == SS_EXIT_OK; i++) {
		ss_status st = ss_pin(ctx->mgr, ids[i], pinned);
		if (st != SS_OK)
			rc = edit_fail(ctx, st, ids[i]);
	}
out:
	free(ids);
	return rc;
}

int cmd_pin(cli_ctx *ctx, int argc, char **argv)
{
	return pin_common(ctx, argc, argv, true);
}

int cmd_unpin(cli_ctx *ctx, int argc, char **argv)
{
	return pin_common(ctx, argc, argv, false);
}

/* ---- delete -------------------------------------------------------------------- */

int cmd_delete(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ 0, 0, 0, 0 },
	};
	bool force = false;
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		if (c == OPT_FORCE)
			force = true;
		else
			return ctx->exit_code;
	}
	if (argc - optind < 1)
		return cli_usage(ctx, "missing ID");
	int64_t *ids;
	size_t n;
	int rc = parse_ids(ctx, argc, argv, optind, &ids, &n);
	if (rc != SS_EXIT_OK)
		return rc;
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;
	for (size_t i = 0; i < n && rc == SS_EXIT_OK; i++) {
		ss_snapshot meta;
		memset(&meta, 0, sizeof meta);
		rc = cli_get_meta(ctx, ids[i], &meta);
		/* Refused for want of an option: a command-line matter, exit 2. */
		if (rc == SS_EXIT_OK && meta.pinned && !force)
			rc = cli_fail(ctx, SS_USAGE,
			              "snapshot %" PRId64 " is pinned; pass --force to delete it "
			              "(nothing was deleted)", ids[i]);
		ss_snapshot_clear(&meta);
	}
	for (size_t i = 0; i < n && rc == SS_EXIT_OK; i++) {
		ss_status st = ss_delete(ctx->mgr, ids[i]);
		if (st != SS_OK) {
			rc = edit_fail(ctx, st, ids[i]);
			if (i > 0)
				fprintf(stderr, "snapscope: %zu of %zu snapshots were deleted before that\n", i,
				        n);
		}
	}
out:
	free(ids);
	return rc;
}
