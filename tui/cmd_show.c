/*
 * cmd_show.c - `snapscope show ID`: a snapshot's reconstructed state as
 * pretty JSON in the document's own key order (or one value of it, --path),
 * or its metadata (--meta).  The state is written with SS_DUMP_SAFE always,
 * so a string holding an escape sequence reaches a terminal as "\u001b".
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"

enum { OPT_PATH = 1, OPT_META, OPT_COMPACT, OPT_JSON };

static void print_meta_text(const ss_snapshot *s)
{
	char utc[40], local[40], raw[32], stored[32];
	ss_time_format_utc(s->created_at, utc, sizeof utc);
	ss_time_format_local(s->created_at, local, sizeof local);
	cli_format_size(s->raw_size, raw, sizeof raw);
	cli_format_size(s->stored_size, stored, sizeof stored);

	printf("id:          %" PRId64 "\n", s->id);
	printf("session:     ");
	cli_put_text(stdout, s->session);
	printf("\nseq:         %" PRId64 "\n", s->seq);
	printf("created_at:  %s (%s local)\n", utc, local);
	printf("origin:      %s\n", cli_origin_name(s->origin));
	if (s->kind == SS_KIND_DELTA)
		printf("kind:        delta (on snapshot %" PRId64 ")\n", s->base_id);
	else
		printf("kind:        keyframe\n");
	printf("pinned:      %s\n", s->pinned ? "yes" : "no");
	printf("tags:        ");
	for (size_t i = 0; i < s->n_tags; i++) {
		if (i)
			fputs(", ", stdout);
		cli_put_text(stdout, s->tags[i]);
	}
	printf("\ndescription: ");
	if (s->description)
		cli_put_text(stdout, s->description);
	printf("\nraw_size:    %" PRId64 " (%s)\n", s->raw_size, raw);
	printf("stored_size: %" PRId64 " (%s)\n", s->stored_size, stored);
	printf("changes:     +%" PRId64 " ~%" PRId64 " -%" PRId64 "\n", s->n_added, s->n_changed,
	       s->n_removed);
	printf("checksum:    sha256:%s\n", s->checksum);
}

int cmd_show(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, OPT_PATH },
		{ "meta", no_argument, NULL, OPT_META },
		{ "compact", no_argument, NULL, OPT_COMPACT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0, 0, 0, 0 },
	};
	const char *path_text = NULL;
	bool meta = false, compact = false, json = false;
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_PATH: path_text = optarg; break;
		case OPT_META: meta = true; break;
		case OPT_COMPACT: compact = true; break;
		case OPT_JSON: json = true; break;
		default: return ctx->exit_code;
		}
	}
	if (argc - optind != 1)
		return cli_usage(ctx, argc - optind < 1 ? "missing ID" : "give one ID");
	if (meta && path_text)
		return cli_usage(ctx, "--meta and --path do not go together");
	if (json && !meta)
		return cli_usage(ctx, "--json goes with --meta (the state is JSON already)");
	int64_t id;
	int rc = cli_parse_id(ctx, argv[optind], &id);
	if (rc != SS_EXIT_OK)
		return rc;

	/* A bad path is a usage error, found before the store is touched. */
	ss_path path = { 0 };
	if (path_text) {
		char err[512];
		if (ss_path_parse(path_text, &path, err, sizeof err) != SS_OK)
			return cli_usage(ctx, "%s", err);
	}
	if ((rc = cli_open(ctx)) != SS_EXIT_OK)
		goto out;

	ss_snapshot s;
	memset(&s, 0, sizeof s);
	json_t *state = NULL;
	/* --meta does not need the state: no reconstruction, no checksum. */
	ss_status st = ss_get(ctx->mgr, id, meta ? NULL : &state, &s);
	if (st == SS_NOT_FOUND) {
		rc = cli_fail(ctx, st, "no snapshot with id %" PRId64, id);
		goto out;
	}
	if (st != SS_OK) {
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}

	if (meta && json) {
		json_t *obj = cli_snapshot_json(&s);
		if (obj) {
			json_object_set_new(obj, "base_id", s.kind == SS_KIND_DELTA
			                                         ? json_integer(s.base_id) : json_null());
		}
		bool ok = obj && cli_print_json(stdout, obj, SS_DUMP_INDENT);
		json_decref(obj);
		if (!ok)
			rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		else
			putchar('\n');
	} else if (meta) {
		print_meta_text(&s);
	} else {
		json_t *value = path_text ? ss_path_get(state, &path) : state;
		if (!value) {
			ss_path_bind(&path, state); /* so the message says what a pointer meant */
			char *jq = ss_path_format_jq(&path);
			rc = cli_fail(ctx, SS_NOT_FOUND, "no value at %s in snapshot %" PRId64,
			              jq ? jq : path_text, id);
			free(jq);
		} else if (!cli_print_json(stdout, value, compact ? 0 : SS_DUMP_INDENT)) {
			rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		} else {
			putchar('\n');
		}
	}
	json_decref(state);
	ss_snapshot_clear(&s);
out:
	ss_path_clear(&path);
	return rc;
}
