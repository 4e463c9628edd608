/*
 * cmd_import.c - `snapscope import FILE [--dry-run]`: read an export (JSON
 * or binary, told apart by its content) into the store.  The model checks
 * the whole file before it writes anything and writes it in one
 * transaction (ss_import); this file reports the outcome in one line, and
 * the progress on a terminal.
 *
 * A dry run maps the file itself and hands the bytes to ss_import_buffer(),
 * which checks everything the same way and writes nothing.
 */
#include "cli.h"
#include "ss_transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_DRY_RUN = 1 };

/* The dry run: map the file read-only and check it.  The messages for a
 * missing or unreadable file are those ss_import() gives. */
static ss_status dry_run(cli_ctx *ctx, const char *path, ss_import_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		cli_fail(ctx, e == ENOENT ? SS_NOT_FOUND : SS_IO, "%s: %s", path, strerror(e));
		return e == ENOENT ? SS_NOT_FOUND : SS_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		cli_fail(ctx, SS_USAGE, "%s: not a regular file", path);
		return SS_USAGE;
	}
	size_t len = (size_t)sb.st_size;
	void *map = NULL;
	if (len > 0 && (map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		int e = errno;
		close(fd);
		cli_fail(ctx, SS_IO, "%s: cannot map: %s", path, strerror(e));
		return SS_IO;
	}
	close(fd);
	ss_status st = ss_import_buffer(ctx->mgr, map ? map : "", len, path, true, res);
	if (map)
		munmap(map, len);
	if (st != SS_OK)
		cli_fail_mgr(ctx, st);
	return st;
}

int cmd_import(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ 0, 0, 0, 0 },
	};
	bool dry = false;
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		if (c == OPT_DRY_RUN)
			dry = true;
		else
			return ctx->exit_code;
	}
	if (argc - optind != 1)
		return cli_usage(ctx, argc - optind ? "give one FILE" : "no FILE to import");
	const char *path = argv[optind];
	if (!*path)
		return cli_usage(ctx, "FILE is empty");
	int rc = cli_open(ctx);
	if (rc != SS_EXIT_OK)
		return rc;

	ss_import_result res = { 0 };
	ss_status st;
	if (dry) {
		if ((st = dry_run(ctx, path, &res)) != SS_OK)
			return ctx->exit_code;
	} else {
		cli_progress progress;
		cli_progress_init(&progress, "importing");
		st = ss_import(ctx->mgr, path, cli_progress_show, &progress, &res);
		cli_progress_end(&progress);
		if (st != SS_OK)
			return cli_fail_mgr(ctx, st);
	}
	printf("%s %lld snapshot%s (%lld session%s created), %s %lld already present\n",
	       dry ? "would import" : "imported", (long long)res.imported,
	       res.imported == 1 ? "" : "s", (long long)res.sessions_created,
	       res.sessions_created == 1 ? "" : "s", dry ? "would skip" : "skipped",
	       (long long)res.skipped);
	return SS_EXIT_OK;
}
