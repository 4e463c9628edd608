/*
 * cmd_diff.c - `snapscope diff ID1 ID2`: what changed from one snapshot to
 * another, as a change list for people (one line per change, coloured on a
 * terminal), as JSON for scripts, as an RFC 6902 JSON Patch or as an RFC 7396
 * Merge Patch.
 *
 * Which rules apply where (a decision, written down in `diff --help`):
 *  - the change list (text and --json) is ss_diff_snapshots(): the ignore
 *    rules and array keys stored with ID1's session, then the command's own;
 *  - a patch is exact — applied to ID1 it gives ID2 — because that is what a
 *    patch is for (DESIGN.md: every emitted patch round-trips).  So session
 *    ignore rules never thin a patch; only an explicit --ignore does, and
 *    then stderr says that the patch leaves those paths out.  Array keys
 *    (the session's and the command's) only shape a patch, so they apply.
 *
 * The exit status is 0 whether or not the snapshots differ, as `git diff`
 * without --exit-code; --exit-code makes it 1 when they differ.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"

enum { OPT_FORMAT = 1, OPT_IGNORE, OPT_ARRAY_KEY, OPT_JSON, OPT_COMPACT, OPT_FULL, OPT_EXIT_CODE };

typedef enum diff_format { FORMAT_TEXT, FORMAT_PATCH, FORMAT_MERGE } diff_format;


#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define PLAIN "\033[0m"

struct diff_args {
	diff_format format;
	const char **ignore;        /* the --ignore patterns, borrowed from argv */
	size_t n_ignore;
	ss_array_key *keys;         /* --array-key, split in place in argv */
	size_t n_keys;
	bool json, compact, full, exit_code;
	int64_t a, b;
};

/* ---- arguments ------------------------------------------------------------ */

/* SS_EXIT_OK to go on, CLI_OPT_EXIT to end with ctx->exit_code (--help:
 * 0), or an exit code after a message. */
static int parse_args(cli_ctx *ctx, int argc, char **argv, struct diff_args *da)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "array-key", required_argument, NULL, OPT_ARRAY_KEY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "compact", no_argument, NULL, OPT_COMPACT },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "exit-code", no_argument, NULL, OPT_EXIT_CODE },
		{ 0, 0, 0, 0 },
	};
	int rc, c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				da->format = FORMAT_TEXT;
			else if (strcmp(optarg, "patch") == 0)
				da->format = FORMAT_PATCH;
			else if (strcmp(optarg, "merge") == 0)
				da->format = FORMAT_MERGE;
			else
				return cli_usage(ctx, "--format takes text, patch or merge, not '%s'", optarg);
			break;
		case OPT_IGNORE:
			if (!*optarg)
				return cli_usage(ctx, "--ignore needs a PATH");
			da->ignore[da->n_ignore++] = optarg;
			break;
		case OPT_ARRAY_KEY:
			if ((rc = cli_parse_array_key(ctx, optarg, &da->keys[da->n_keys])) != SS_EXIT_OK)
				return rc;
			da->n_keys++;
			break;
		case OPT_JSON: da->json = true; break;
		case OPT_COMPACT: da->compact = true; break;
		case OPT_FULL: da->full = true; break;
		case OPT_EXIT_CODE: da->exit_code = true; break;
		default: /* --help or a usage error: the caller ends with ctx->exit_code */
			return CLI_OPT_EXIT;
		}
	}
	if (argc - optind != 2)
		return cli_usage(ctx, argc - optind < 2 ? "give two snapshot ids, ID1 (old) and ID2 (new)"
		                                        : "too many arguments (two ids)");
	if ((rc = cli_parse_id(ctx, argv[optind], &da->a)) != SS_EXIT_OK ||
	    (rc = cli_parse_id(ctx, argv[optind + 1], &da->b)) != SS_EXIT_OK)
		return rc;
	/* Each option means something for some formats only; saying so beats
	 * silently doing something other than what was asked. */
	if (da->format != FORMAT_TEXT && da->json)
		return cli_usage(ctx, "--json goes with --format text (a patch is JSON already)");
	if (da->format != FORMAT_TEXT && da->full)
		return cli_usage(ctx, "--full goes with --format text (a patch is never shortened)");
	if (da->format == FORMAT_TEXT && da->compact && !da->json)
		return cli_usage(ctx, "--compact goes with --json, --format patch or --format merge");
	if (da->format == FORMAT_MERGE && (da->n_ignore || da->n_keys))
		return cli_usage(ctx, "--ignore and --array-key do not go with --format merge (a merge "
		                      "patch is made from the whole states and replaces arrays whole)");
	return cli_check_rules(ctx, da->ignore, da->n_ignore, da->keys, da->n_keys);
}

/* ---- text ------------------------------------------------------------------ */

/* A path jq-style, escaped for the terminal: the jq form escapes only what
 * JSON does, and a key may hold DEL, C1 or bidi controls.  False when out of
 * memory. */
static bool put_path(FILE *f, const ss_path *p)
{
	char *jq = ss_path_format_jq(p);
	if (!jq)
		return false;
	cli_put_text(f, jq);
	free(jq);
	return true;
}

/* One line of the change list. */
static bool put_change(FILE *f, const ss_change *c, bool color, bool full)
{
	static const struct {
		char mark;
		const char *color;
	} look[] = {
		[SS_CHANGE_ADDED] = { '+', GREEN },
		[SS_CHANGE_REMOVED] = { '-', RED },
		[SS_CHANGE_CHANGED] = { '~', YELLOW },
		[SS_CHANGE_MOVED] = { '>', CYAN },
	};
	bool ok = true;
	if (color)
		fputs(look[c->kind].color, f);
	fprintf(f, "%c ", look[c->kind].mark);
	ok = put_path(f, &c->path);
	switch (c->kind) {
	case SS_CHANGE_ADDED:
		fputs(": ", f);
		ok = ok && cli_put_value(f, c->new_value, full);
		break;
	case SS_CHANGE_REMOVED:
		fputs(": ", f);
		ok = ok && cli_put_value(f, c->old_value, full);
		break;
	case SS_CHANGE_CHANGED:
		fputs(": ", f);
		ok = ok && cli_put_value(f, c->old_value, full);
		fputs(" -> ", f);
		ok = ok && cli_put_value(f, c->new_value, full);
		break;
	case SS_CHANGE_MOVED:
		fputs(" (from ", f);
		ok = ok && put_path(f, &c->old_path);
		fputc(')', f);
		break;
	}
	if (c->over_budget)
		fputs("  (too large to compare in detail: replaced whole)", f);
	if (color)
		fputs(PLAIN, f);
	fputc('\n', f);
	return ok;
}

static void put_summary(FILE *f, const ss_diff *d)
{
	size_t total = d->n_added + d->n_changed + d->n_removed;
	fprintf(f, "%zu change%s: +%zu ~%zu -%zu\n", total, total == 1 ? "" : "s", d->n_added,
	        d->n_changed, d->n_removed);
}

/* ---- JSON change list ------------------------------------------------------ */

static const char *op_name(ss_change_kind kind)
{
	switch (kind) {
	case SS_CHANGE_ADDED: return "add";
	case SS_CHANGE_REMOVED: return "remove";
	case SS_CHANGE_CHANGED: return "change";
	case SS_CHANGE_MOVED: return "move";
	}
	return "change";
}

/* Set `key` to a path in jq form (as_pointer false) or as a pointer. */
static bool set_path(json_t *obj, const char *key, const ss_path *p, bool as_pointer)
{
	char *s = as_pointer ? ss_path_format_pointer(p) : ss_path_format_jq(p);
	if (!s)
		return false;
	bool ok = json_object_set_new(obj, key, cli_json_text(s)) == 0;
	free(s);
	return ok;
}

/*
 * {"op", "path", "pointer", "old", "new", "from", "from_pointer"}: "old" is
 * absent for an addition and "new" for a removal (rather than null, which is
 * a JSON value a change can have); "from" only for a move; "over_budget":
 * true only when the subtree was too large to compare in detail.
 */
static json_t *change_json(const ss_change *c)
{
	json_t *o = json_object();
	bool ok = o && json_object_set_new(o, "op", json_string(op_name(c->kind))) == 0 &&
	          set_path(o, "path", &c->path, false) && set_path(o, "pointer", &c->path, true);
	if (ok && c->old_value)
		ok = json_object_set(o, "old", c->old_value) == 0;
	if (ok && c->new_value)
		ok = json_object_set(o, "new", c->new_value) == 0;
	if (ok && c->kind == SS_CHANGE_MOVED)
		ok = set_path(o, "from", &c->old_path, false) &&
		     set_path(o, "from_pointer", &c->old_path, true);
	if (ok && c->over_budget)
		ok = json_object_set_new(o, "over_budget", json_true()) == 0;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *diff_json(const ss_diff *d, const struct diff_args *da)
{
	json_t *changes = json_array();
	for (size_t i = 0; changes && i < d->n; i++)
		if (json_array_append_new(changes, change_json(&d->changes[i])) != 0) {
			json_decref(changes);
			changes = NULL;
		}
	/* json_pack steals the "o" reference, also when it fails. */
	return json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:b}",
	                 "old_id", (json_int_t)da->a,
	                 "new_id", (json_int_t)da->b,
	                 "changes", changes,
	                 "total", (json_int_t)(d->n_added + d->n_changed + d->n_removed),
	                 "added", (json_int_t)d->n_added,
	                 "changed", (json_int_t)d->n_changed,
	                 "removed", (json_int_t)d->n_removed,
	                 "over_budget", (int)d->over_budget);
}

/* Print a JSON document pretty (or compact) and a newline. */
static int print_doc(cli_ctx *ctx, const json_t *doc, bool compact)
{
	if (!doc || !cli_print_json(stdout, doc, compact ? 0 : SS_DUMP_INDENT))
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	putchar('\n');
	return SS_EXIT_OK;
}

/* ---- the formats ------------------------------------------------------------ */

/* Text or --json: the change list, with the session's rules. */
static int diff_list(cli_ctx *ctx, const struct diff_args *da, bool *differ)
{
	ss_diff_opts o = { .ignore = da->ignore, .n_ignore = da->n_ignore,
	                   .array_keys = da->keys, .n_array_keys = da->n_keys };
	ss_diff d = { 0 };
	ss_status st = ss_diff_snapshots(ctx->mgr, da->a, da->b, &o, &d);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	*differ = d.n > 0;
	int rc = SS_EXIT_OK;
	if (da->json) {
		json_t *doc = diff_json(&d, da);
		rc = print_doc(ctx, doc, da->compact);
		json_decref(doc);
	} else if (d.n == 0) {
		/* Nothing on stdout, as `git diff`: an empty diff is empty. */
		fputs("no changes\n", stderr);
	} else {
		bool color = cli_color(stdout), ok = true;
		for (size_t i = 0; i < d.n && ok; i++)
			ok = put_change(stdout, &d.changes[i], color, da->full);
		if (!ok)
			rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		else
			put_summary(stdout, &d);
	}
	ss_diff_clear(&d);
	return rc;
}

/* Fetch a snapshot's state; a failure is printed. */
static int get_state(cli_ctx *ctx, int64_t id, json_t **state)
{
	ss_status st = ss_get(ctx->mgr, id, state, NULL);
	if (st == SS_NOT_FOUND)
		return cli_fail(ctx, st, "no snapshot with id %" PRId64, id);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	return SS_EXIT_OK;
}

/*
 * The array keys for a patch: the command's, then those of the session of
 * ID1 whose path the command did not name (the command's override, whatever
 * order the engine looks them up in).  *out is malloc()ed; its strings are
 * borrowed from da and scfg.
 */
static int patch_keys(cli_ctx *ctx, const struct diff_args *da, const ss_session_config *scfg,
                      ss_array_key **out, size_t *n)
{
	*out = calloc(da->n_keys + scfg->n_array_keys + 1, sizeof **out);
	if (!*out)
		return cli_fail(ctx, SS_NOMEM, "out of memory");
	*n = 0;
	for (size_t i = 0; i < da->n_keys; i++)
		(*out)[(*n)++] = da->keys[i];
	for (size_t i = 0; i < scfg->n_array_keys; i++) {
		bool named = false;
		for (size_t j = 0; j < da->n_keys && !named; j++)
			named = strcmp(da->keys[j].path, scfg->array_keys[i].path) == 0;
		if (!named)
			(*out)[(*n)++] = scfg->array_keys[i];
	}
	return SS_EXIT_OK;
}

static int diff_patch(cli_ctx *ctx, const struct diff_args *da, const char *session,
                      const json_t *old, const json_t *new_, bool *differ)
{
	ss_session_config scfg;
	memset(&scfg, 0, sizeof scfg);
	ss_status st = ss_session_config_get(ctx->mgr, session, &scfg);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	ss_array_key *keys = NULL;
	size_t n_keys = 0;
	int rc = patch_keys(ctx, da, &scfg, &keys, &n_keys);
	if (rc != SS_EXIT_OK)
		goto out;
	ss_diff_opts o = { .array_keys = keys, .n_array_keys = n_keys };
	json_t *patch = NULL;
	if (da->n_ignore == 0) {
		patch = ss_json_patch_make(old, new_, &o);
	} else {
		/* Only the command's --ignore, not the session's: see the top. */
		o.ignore = da->ignore;
		o.n_ignore = da->n_ignore;
		ss_diff d = { 0 };
		char err[512] = "";
		st = ss_diff_compute(old, new_, &o, &d, err, sizeof err);
		if (st != SS_OK) {
			rc = cli_fail(ctx, st, "%s", *err ? err : ss_status_str(st));
			goto out;
		}
		patch = ss_diff_to_json_patch(&d);
		ss_diff_clear(&d);
	}
	*differ = json_array_size(patch) > 0;
	rc = print_doc(ctx, patch, da->compact);
	json_decref(patch);
	if (rc == SS_EXIT_OK && da->n_ignore)
		fputs("snapscope diff: note: the patch leaves out the paths --ignore names; applied to "
		      "the old state it does not give the new one exactly\n", stderr);
out:
	free(keys);
	ss_session_config_clear(&scfg);
	return rc;
}

static int diff_merge(cli_ctx *ctx, const struct diff_args *da, const json_t *old,
                      const json_t *new_, bool *differ)
{
	json_t *patch = NULL;
	char err[512] = "";
	ss_status st = ss_merge_patch_make(old, new_, &patch, err, sizeof err);
	if (st == SS_USAGE) {
		/* The command was fine; the data cannot be said as a merge patch (a
		 * member set to null).  Exit 3, "input rejected": a script can tell
		 * it from an unknown id (1) and fall back to --format patch. */
		return cli_fail(ctx, SS_INPUT, "%s; no merge patch can express this change, use "
		                               "--format patch", *err ? err : "a null member");
	}
	if (st != SS_OK)
		return cli_fail(ctx, st, "%s", *err ? err : ss_status_str(st));
	*differ = !json_equal(old, new_);
	int rc = print_doc(ctx, patch, da->compact);
	json_decref(patch);
	return rc;
}

int cmd_diff(cli_ctx *ctx, int argc, char **argv)
{
	struct diff_args da = { .format = FORMAT_TEXT };
	/* At most one pattern per argument: argc bounds the counts. */
	da.ignore = calloc((size_t)argc + 1, sizeof *da.ignore);
	da.keys = calloc((size_t)argc + 1, sizeof *da.keys);
	json_t *old = NULL, *new_ = NULL;
	ss_snapshot ma, mb;
	memset(&ma, 0, sizeof ma);
	memset(&mb, 0, sizeof mb);
	int rc;
	if (!da.ignore || !da.keys) {
		rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse_args(ctx, argc, argv, &da)) != SS_EXIT_OK) {
		if (rc == CLI_OPT_EXIT) /* after --help, ctx->exit_code is 0 */
			rc = ctx->exit_code;
		goto out;
	}
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;
	/* Metadata first (no reconstruction): an unknown id is named as such,
	 * whichever of the two it is. */
	if ((rc = cli_get_meta(ctx, da.a, &ma)) != SS_EXIT_OK ||
	    (rc = cli_get_meta(ctx, da.b, &mb)) != SS_EXIT_OK)
		goto out;

	bool differ = false;
	if (da.format == FORMAT_TEXT) {
		rc = diff_list(ctx, &da, &differ);
	} else {
		if ((rc = get_state(ctx, da.a, &old)) != SS_EXIT_OK ||
		    (rc = get_state(ctx, da.b, &new_)) != SS_EXIT_OK)
			goto out;
		if (da.format == FORMAT_PATCH)
			rc = diff_patch(ctx, &da, ma.session, old, new_, &differ);
		else
			rc = diff_merge(ctx, &da, old, new_, &differ);
	}
	if (rc == SS_EXIT_OK && da.exit_code && differ)
		rc = SS_EXIT_FAILURE;
out:
	json_decref(old);
	json_decref(new_);
	ss_snapshot_clear(&ma);
	ss_snapshot_clear(&mb);
	free(da.ignore);
	free(da.keys);
	return rc;
}
