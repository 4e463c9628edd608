/*
 * cmd_demo.c - `snapscope demo`: fill session "demo" with a realistic
 * history (ss_demo_fill), ending now (or at --end TIME), so that a new user
 * has something to list, show and browse at once.
 */
#include "cli.h"

#include <inttypes.h>

enum { OPT_STEPS = 1, OPT_SEED, OPT_END };

#define DEMO_STEPS_DEFAULT 240
#define DEMO_STEPS_MAX 1000000
#define DEMO_SEED_DEFAULT 1

int cmd_demo(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "end", required_argument, NULL, OPT_END },
		{ 0, 0, 0, 0 },
	};
	int64_t steps = DEMO_STEPS_DEFAULT, seed = DEMO_SEED_DEFAULT;
	int64_t end_ms = ss_now_ms();
	char err[256];
	int c, rc;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_STEPS:
			if ((rc = cli_parse_count(ctx, "--steps", optarg, DEMO_STEPS_MAX, &steps)) !=
			    SS_EXIT_OK)
				return rc;
			if (steps == 0)
				return cli_usage(ctx, "--steps needs at least 1");
			break;
		case OPT_SEED:
			if ((rc = cli_parse_count(ctx, "--seed", optarg, INT64_MAX, &seed)) != SS_EXIT_OK)
				return rc;
			break;
		case OPT_END:
			/* A fixed end makes the whole history (times included)
			 * reproducible with --seed: golden screens need that. */
			if (ss_time_parse(optarg, ss_now_ms(), &end_ms, err, sizeof err) != SS_OK)
				return cli_usage(ctx, "--end: %s", err);
			break;
		default:
			return ctx->exit_code;
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		return rc;
	int64_t created = 0;
	ss_status st = ss_demo_fill(ctx->mgr, (int)steps, (uint64_t)seed, end_ms, &created);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	printf("demo: %" PRId64 " snapshots in session demo (store ", created);
	cli_put_text(stdout, ss_store_location(ctx->mgr));
	printf(")\n");
	return SS_EXIT_OK;
}
