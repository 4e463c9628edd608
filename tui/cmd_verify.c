/*
 * cmd_verify.c - `snapscope verify [SESSION]`: read every snapshot back,
 * recompute its checksum and check the store file, naming each damaged
 * snapshot.  Exit 5 when anything is damaged, so scripts and CI can rely on
 * the status alone.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct damage {
	int64_t id;
	char *reason;
};

struct damage_list {
	struct damage *items;
	size_t n, cap;
	bool oom;
	bool store_damaged;         /* the store's own integrity check failed (id 0) */
};

/* Damage is collected and described after ss_verify() returns: the report
 * wants each snapshot's session and seq, and asking the manager for them
 * from inside its own walk is not something the API promises to allow. */
static void on_damage(int64_t id, const char *reason, void *user_data)
{
	struct damage_list *dl = user_data;
	if (id == 0) {
		/* Not one snapshot: the file itself.  Its message is ss_verify()'s. */
		dl->store_damaged = true;
		return;
	}
	if (dl->oom)
		return;
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		struct damage *items = realloc(dl->items, cap * sizeof *items);
		if (!items) {
			dl->oom = true;
			return;
		}
		dl->items = items;
		dl->cap = cap;
	}
	char *copy = strdup(reason ? reason : "damaged");
	if (!copy) {
		dl->oom = true;
		return;
	}
	dl->items[dl->n++] = (struct damage){ id, copy };
}

static int cmp_damage(const void *a, const void *b)
{
	int64_t x = ((const struct damage *)a)->id, y = ((const struct damage *)b)->id;
	return (x > y) - (x < y);
}

static void print_damage(ss_manager *mgr, const struct damage *d)
{
	ss_snapshot meta;
	memset(&meta, 0, sizeof meta);
	printf("snapshot %" PRId64, d->id);
	/* Metadata only (no state): readable even when the state is not. */
	if (ss_get(mgr, d->id, NULL, &meta) == SS_OK) {
		printf(" (session ");
		cli_put_text(stdout, meta.session);
		printf(", seq %" PRId64 ")", meta.seq);
	}
	printf(": ");
	cli_put_text(stdout, d->reason);
	putchar('\n');
	ss_snapshot_clear(&meta);
}

int cmd_verify(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { 0, 0, 0, 0 } };
	if (cli_getopt(ctx, argc, argv, opts) != -1)
		return ctx->exit_code;
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

	struct damage_list dl = { 0 };
	int64_t checked = 0, damaged = 0;
	ss_status st = ss_verify(ctx->mgr, session, on_damage, &dl, &checked, &damaged);
	/* ss_verify's message (the store's integrity check) before the list is
	 * overwritten by the metadata look-ups below. */
	char *msg = st != SS_OK ? strdup(ss_errmsg(ctx->mgr)) : NULL;
	/* In id order, one line each, whatever order the chains were walked in. */
	if (dl.n > 1)
		qsort(dl.items, dl.n, sizeof *dl.items, cmp_damage);
	for (size_t i = 0; i < dl.n; i++)
		print_damage(ctx->mgr, &dl.items[i]);

	if (st == SS_OK) {
		printf("verified %" PRId64 " snapshot%s: all intact\n", checked, checked == 1 ? "" : "s");
		rc = SS_EXIT_OK;
	} else if (st == SS_CORRUPT) {
		printf("verified %" PRId64 " snapshot%s: %" PRId64 " damaged%s\n", checked,
		       checked == 1 ? "" : "s", damaged,
		       dl.store_damaged || damaged == 0 ? ", and the store file is damaged" : "");
		/* Damage the store's own check found beyond single snapshots. */
		if (dl.store_damaged || damaged == 0)
			cli_fail(ctx, st, "%s", msg && *msg ? msg : "the store file is damaged");
		rc = SS_EXIT_CORRUPT;
	} else {
		rc = cli_fail(ctx, st, "%s", msg && *msg ? msg : ss_status_str(st));
	}
	if (dl.oom)
		fputs("snapscope: out of memory: not every damaged snapshot is listed\n", stderr);
	for (size_t i = 0; i < dl.n; i++)
		free(dl.items[i].reason);
	free(dl.items);
	free(msg);
	return rc;
}
