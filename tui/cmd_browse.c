/*
 * cmd_browse.c - `snapscope browse [SESSION]` (and bare `snapscope`): open
 * the store without creating it and hand over to the browser (browse.h).
 * --script FILE runs it on a key script (golden screens, script.h).
 */
#include "cli.h"

#include <stdlib.h>

#include "browse.h"

int cmd_browse(cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_SCRIPT = 1 };
	static const struct option opts[] = {
		{ "script", required_argument, NULL, OPT_SCRIPT },
		{ 0, 0, 0, 0 },
	};
	const char *script = NULL;
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		if (c != OPT_SCRIPT)
			return ctx->exit_code;
		script = optarg;
	}
	if (argc - optind > 1)
		return cli_usage(ctx, "too many arguments (one SESSION at most)");
	const char *session = argc - optind == 1 ? argv[optind] : NULL;
	int rc;
	if (session && (rc = cli_check_session(ctx, session)) != SS_EXIT_OK)
		return rc;
	/* tui_browse() takes no theme; --theme reaches it the way a user's
	 * environment would, so both ways of choosing one behave alike. */
	if (ctx->theme && setenv("SNAPSCOPE_THEME", ctx->theme, 1) != 0)
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		return rc;
	return tui_browse(ctx->mgr, session, script);
}
