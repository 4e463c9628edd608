/*
 * cmd_history.c - `snapscope history SESSION PATH`: every snapshot where the
 * value at PATH appeared, changed or disappeared, oldest first, one line
 * each:
 *
 *     2026-11-25 14:03:10  seq 12  #345  "working" -> "failed"
 *
 * (`(absent)` on the side where there was no value).  --json gives one
 * object per change, streamed as `list --json` streams its rows.  The walk
 * is ss_history(), which reads the deltas instead of rebuilding every state,
 * so output starts while the walk goes on; --limit N keeps only the N most
 * recent changes, the ones a person debugging usually wants.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"

enum { OPT_JSON = 1, OPT_LIMIT, OPT_FULL };

/* A change kept for --limit: the entry with its own copies of the values. */
struct kept {
	ss_history_entry e;
	json_t *old_value, *new_value;
};

struct hist_out {
	bool json;
	bool full;
	cli_json_array arr;
	int64_t n;                  /* changes seen */
	bool oom;
	/* --limit N: a ring of the last N changes, printed when the walk ends */
	int64_t limit;              /* 0: stream everything */
	struct kept *ring;
	size_t ring_cap;            /* allocated slots, grown up to limit */
};

static const char *kind_name(ss_change_kind kind)
{
	switch (kind) {
	case SS_CHANGE_ADDED: return "appeared";
	case SS_CHANGE_REMOVED: return "disappeared";
	default: return "changed";
	}
}

/* {"id", "seq", "created_at", "created_at_ms", "kind", "old", "new"}: "old"
 * is absent when the value appeared and "new" when it disappeared (null is a
 * value the path can hold). */
static json_t *entry_json(const ss_history_entry *e)
{
	json_t *o = json_pack("{s:I, s:I, s:o, s:I, s:s}",
	                      "id", (json_int_t)e->snapshot_id,
	                      "seq", (json_int_t)e->seq,
	                      "created_at", cli_json_time(e->created_at),
	                      "created_at_ms", (json_int_t)e->created_at,
	                      "kind", kind_name(e->kind));
	/* A new reference to the lent value is fine: the object is printed and
	 * released before the callback returns (kept entries hold copies). */
	if (o && e->old_value && json_object_set(o, "old", (json_t *)e->old_value) != 0)
		goto fail;
	if (o && e->new_value && json_object_set(o, "new", (json_t *)e->new_value) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Print one change; false when out of memory. */
static bool print_entry(struct hist_out *ho, const ss_history_entry *e)
{
	if (ho->json) {
		json_t *o = entry_json(e);
		bool ok = o && cli_json_array_add(&ho->arr, o);
		json_decref(o);
		return ok;
	}
	char when[40];
	ss_time_format_local(e->created_at, when, sizeof when);
	printf("%s  seq %" PRId64 "  #%" PRId64 "  ", when, e->seq, e->snapshot_id);
	bool ok = cli_put_value(stdout, e->kind == SS_CHANGE_ADDED ? NULL : e->old_value, ho->full);
	fputs(" -> ", stdout);
	ok = ok && cli_put_value(stdout, e->kind == SS_CHANGE_REMOVED ? NULL : e->new_value, ho->full);
	putchar('\n');
	return ok;
}

static void kept_clear(struct kept *k)
{
	json_decref(k->old_value);
	json_decref(k->new_value);
	memset(k, 0, sizeof *k);
}

/* Keep a change in the ring, replacing the oldest once it is full.  The
 * values are deep copies: the entry's are borrowed for the call only, and
 * the walk may patch the very objects it lent. */
static bool keep_entry(struct hist_out *ho, const ss_history_entry *e)
{
	size_t slot = (size_t)((ho->n - 1) % ho->limit);
	if (slot >= ho->ring_cap) {
		/* Grow by doubling up to the limit: --limit 1000000 on a session
		 * with five changes allocates five slots' worth, not a million. */
		size_t cap = ho->ring_cap ? ho->ring_cap * 2 : 16;
		if ((int64_t)cap > ho->limit)
			cap = (size_t)ho->limit;
		struct kept *r = realloc(ho->ring, cap * sizeof *r);
		if (!r)
			return false;
		memset(r + ho->ring_cap, 0, (cap - ho->ring_cap) * sizeof *r);
		ho->ring = r;
		ho->ring_cap = cap;
	}
	struct kept *k = &ho->ring[slot];
	kept_clear(k);
	k->e = *e;
	if (e->old_value && !(k->old_value = json_deep_copy(e->old_value)))
		return false;
	if (e->new_value && !(k->new_value = json_deep_copy(e->new_value)))
		return false;
	k->e.old_value = k->old_value;
	k->e.new_value = k->new_value;
	return true;
}

static int on_entry(const ss_history_entry *e, void *user_data)
{
	struct hist_out *ho = user_data;
	ho->n++;
	bool ok = ho->limit ? keep_entry(ho, e) : print_entry(ho, e);
	if (!ok) {
		ho->oom = true;
		return 1;
	}
	return 0;
}

/* Print the kept changes, oldest first. */
static bool print_kept(struct hist_out *ho)
{
	int64_t kept = ho->n < ho->limit ? ho->n : ho->limit;
	bool ok = true;
	for (int64_t i = ho->n - kept; i < ho->n && ok; i++)
		ok = print_entry(ho, &ho->ring[(size_t)(i % ho->limit)].e);
	return ok;
}

int cmd_history(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "full", no_argument, NULL, OPT_FULL },
		{ 0, 0, 0, 0 },
	};
	struct hist_out ho = { .arr = { .f = stdout } };
	int rc = SS_EXIT_OK, c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_JSON: ho.json = true; break;
		case OPT_FULL: ho.full = true; break;
		case OPT_LIMIT:
			if ((rc = cli_parse_count(ctx, "--limit", optarg, INT64_MAX, &ho.limit)) != SS_EXIT_OK)
				return rc;
			/* As in `list`: 0 would mean "no limit" here, asking for none is a mistake. */
			if (ho.limit == 0)
				return cli_usage(ctx, "--limit needs at least 1");
			break;
		default: /* CLI_OPT_EXIT: --help (0) or a usage error */
			return ctx->exit_code;
		}
	}
	if (argc - optind != 2)
		return cli_usage(ctx, argc - optind < 2 ? "give a SESSION and a PATH"
		                                        : "too many arguments (a SESSION and a PATH)");
	const char *session = argv[optind], *path_text = argv[optind + 1];
	if ((rc = cli_check_session(ctx, session)) != SS_EXIT_OK)
		return rc;
	if (ho.json && ho.full)
		return cli_usage(ctx, "--full goes with the text output (--json is never shortened)");
	/* A bad path is a usage error, found before the store is touched. */
	ss_path path = { 0 };
	char err[512];
	if (ss_path_parse(path_text, &path, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s", err);

	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;
	if ((rc = cli_require_session(ctx, session)) != SS_EXIT_OK)
		goto out;

	ss_status st = ss_history(ctx->mgr, session, &path, on_entry, &ho);
	if (!ho.oom && st == SS_OK && ho.limit)
		ho.oom = !print_kept(&ho);
	if (ho.oom) {
		rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		goto out;
	}
	if (st != SS_OK) {
		/* Changes already printed stay; the message says the walk stopped
		 * (a damaged snapshot: exit 5). */
		if (ho.json && ho.arr.n)
			fputs("\n", stdout);
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}
	if (ho.json) {
		cli_json_array_end(&ho.arr);
	} else if (ho.n == 0) {
		/* An empty history is an answer, not a failure (as `list`). */
		char *jq = ss_path_format_jq(&path);
		fputs("snapscope: no snapshot of session ", stderr);
		cli_put_text(stderr, session);
		fputs(" has a value at ", stderr);
		cli_put_text(stderr, jq ? jq : path_text);
		fputc('\n', stderr);
		free(jq);
	}
out:
	for (size_t i = 0; i < ho.ring_cap; i++)
		kept_clear(&ho.ring[i]);
	free(ho.ring);
	ss_path_clear(&path);
	return rc;
}
