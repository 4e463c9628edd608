/*
 * cmd_session.c - `snapscope session NAME [options]`: show a session's own
 * configuration (capture interval, retention, ignore rules, array keys,
 * keyframe interval) with its snapshot count and time span, or change it.
 *
 * With options the command reads the stored configuration, applies them and
 * writes it back whole, creating the session when it does not exist (and
 * saying so on stderr); it then prints the configuration as stored, so a
 * change is seen where it landed.  Every option is checked before the store
 * is opened: a bad duration or pattern changes (or creates) nothing.
 *
 * A value of 0 (`--max-age 0s`, `--max-count 0`) clears a setting: the
 * store's default applies again, as ss_session_config defines zero.
 * `--delete-tagged` / `--keep-tagged` switch whether cleanup may delete
 * tagged snapshots (kept by default; pinned ones are kept either way).
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"

/* The largest keyframe interval a stored configuration may hold. */
#define KEYFRAME_EVERY_MAX 1000000

enum {
	OPT_EVERY = 1, OPT_MAX_AGE, OPT_MAX_COUNT, OPT_KEEP_HOURLY, OPT_KEEP_DAILY, OPT_IGNORE,
	OPT_NO_IGNORE, OPT_ARRAY_KEY, OPT_KEYFRAME_EVERY, OPT_DELETE_TAGGED, OPT_KEEP_TAGGED,
	OPT_JSON,
};

/* What the command line asks to change; a setting changes when its has_
 * flag is on (the last of repeated options wins, as getopt users expect). */
struct session_edit {
	bool has_every, has_max_age, has_max_count, has_keep_hourly, has_keep_daily, has_keyframe;
	int64_t every, max_age, max_count, keep_hourly, keep_daily, keyframe_every;
	bool has_delete_tagged, delete_tagged;
	bool no_ignore;             /* clear the ignore rules before adding */
	const char **ignore;        /* borrowed from argv */
	size_t n_ignore;
	ss_array_key *keys;         /* split in place in argv */
	size_t n_keys;
};

static bool editing(const struct session_edit *ed)
{
	return ed->has_every || ed->has_max_age || ed->has_max_count || ed->has_keep_hourly ||
	       ed->has_keep_daily || ed->has_keyframe || ed->has_delete_tagged || ed->no_ignore ||
	       ed->n_ignore || ed->n_keys;
}

/* ---- arguments ------------------------------------------------------------ */

static int parse_duration(cli_ctx *ctx, const char *opt, const char *text, int64_t *out)
{
	char err[512];
	if (ss_duration_parse(text, out, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s: %s", opt, err);
	return SS_EXIT_OK;
}

/* SS_EXIT_OK to go on, CLI_OPT_EXIT to end with ctx->exit_code (--help:
 * 0), or an exit code after a message. */
static int parse_args(cli_ctx *ctx, int argc, char **argv, struct session_edit *ed, bool *json)
{
	static const struct option opts[] = {
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-count", required_argument, NULL, OPT_MAX_COUNT },
		{ "keep-hourly", required_argument, NULL, OPT_KEEP_HOURLY },
		{ "keep-daily", required_argument, NULL, OPT_KEEP_DAILY },
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "no-ignore", no_argument, NULL, OPT_NO_IGNORE },
		{ "array-key", required_argument, NULL, OPT_ARRAY_KEY },
		{ "keyframe-every", required_argument, NULL, OPT_KEYFRAME_EVERY },
		{ "delete-tagged", no_argument, NULL, OPT_DELETE_TAGGED },
		{ "keep-tagged", no_argument, NULL, OPT_KEEP_TAGGED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0, 0, 0, 0 },
	};
	int rc = SS_EXIT_OK, c;
	while (rc == SS_EXIT_OK && (c = cli_getopt(ctx, argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_EVERY:
			rc = parse_duration(ctx, "--every", optarg, &ed->every);
			ed->has_every = true;
			break;
		case OPT_MAX_AGE:
			rc = parse_duration(ctx, "--max-age", optarg, &ed->max_age);
			ed->has_max_age = true;
			break;
		case OPT_MAX_COUNT:
			rc = cli_parse_count(ctx, "--max-count", optarg, INT64_MAX, &ed->max_count);
			ed->has_max_count = true;
			break;
		case OPT_KEEP_HOURLY:
			rc = cli_parse_count(ctx, "--keep-hourly", optarg, INT64_MAX, &ed->keep_hourly);
			ed->has_keep_hourly = true;
			break;
		case OPT_KEEP_DAILY:
			rc = cli_parse_count(ctx, "--keep-daily", optarg, INT64_MAX, &ed->keep_daily);
			ed->has_keep_daily = true;
			break;
		case OPT_KEYFRAME_EVERY:
			/* The store reads a keyframe interval above KEYFRAME_EVERY_MAX
			 * back as damage (session_config.c), so none is written. */
			rc = cli_parse_count(ctx, "--keyframe-every", optarg, KEYFRAME_EVERY_MAX,
			                     &ed->keyframe_every);
			ed->has_keyframe = true;
			break;
		case OPT_IGNORE:
			if (!*optarg)
				rc = cli_usage(ctx, "--ignore needs a PATH");
			else
				ed->ignore[ed->n_ignore++] = optarg;
			break;
		case OPT_NO_IGNORE: ed->no_ignore = true; break;
		case OPT_DELETE_TAGGED:
		case OPT_KEEP_TAGGED:
			ed->has_delete_tagged = true;
			ed->delete_tagged = c == OPT_DELETE_TAGGED;
			break;
		case OPT_ARRAY_KEY:
			if ((rc = cli_parse_array_key(ctx, optarg, &ed->keys[ed->n_keys])) == SS_EXIT_OK)
				ed->n_keys++;
			break;
		case OPT_JSON: *json = true; break;
		default: /* --help or a usage error: the caller ends with ctx->exit_code */
			return CLI_OPT_EXIT;
		}
	}
	if (rc != SS_EXIT_OK)
		return rc;
	if (argc - optind != 1)
		return cli_usage(ctx, argc - optind < 1 ? "missing NAME" : "give one session NAME");
	if ((rc = cli_check_session(ctx, argv[optind])) != SS_EXIT_OK)
		return rc;
	return cli_check_rules(ctx, ed->ignore, ed->n_ignore, ed->keys, ed->n_keys);
}

/* ---- editing ---------------------------------------------------------------- */

/* Do two patterns name the same path?  `.a.b` and `/a/b` do: both are
 * compared in pointer form when both parse (a pattern the path parser does
 * not read, such as one with `*` in jq form, is compared as written). */
static bool same_path(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	ss_path pa = { 0 }, pb = { 0 };
	bool same = false;
	char err[256]; /* unused: a pattern that does not parse is compared as written */
	if (ss_path_parse(a, &pa, err, sizeof err) == SS_OK &&
	    ss_path_parse(b, &pb, err, sizeof err) == SS_OK) {
		char *x = ss_path_format_pointer(&pa), *y = ss_path_format_pointer(&pb);
		same = x && y && strcmp(x, y) == 0;
		free(x);
		free(y);
	}
	ss_path_clear(&pa);
	ss_path_clear(&pb);
	return same;
}

/* Apply the edit to cfg, whose strings it owns (malloc()ed, freed by
 * ss_session_config_clear()).  False when out of memory. */
static bool apply_edit(const struct session_edit *ed, ss_session_config *cfg)
{
	if (ed->has_every)
		cfg->interval_ms = ed->every;
	if (ed->has_max_age)
		cfg->max_age_ms = ed->max_age;
	if (ed->has_max_count)
		cfg->max_count = ed->max_count;
	if (ed->has_keep_hourly)
		cfg->keep_hourly = ed->keep_hourly;
	if (ed->has_keep_daily)
		cfg->keep_daily = ed->keep_daily;
	if (ed->has_keyframe)
		cfg->keyframe_every = (int)ed->keyframe_every;
	if (ed->has_delete_tagged)
		cfg->delete_tagged = ed->delete_tagged;

	if (ed->no_ignore) {
		for (size_t i = 0; i < cfg->n_ignore; i++)
			free(cfg->ignore[i]);
		cfg->n_ignore = 0;
	}
	for (size_t i = 0; i < ed->n_ignore; i++) {
		bool have = false;
		for (size_t j = 0; j < cfg->n_ignore && !have; j++)
			have = same_path(cfg->ignore[j], ed->ignore[i]);
		if (have)
			continue;
		char **grown = realloc(cfg->ignore, (cfg->n_ignore + 1) * sizeof *grown);
		if (!grown)
			return false;
		cfg->ignore = grown;
		if (!(cfg->ignore[cfg->n_ignore] = strdup(ed->ignore[i])))
			return false;
		cfg->n_ignore++;
	}

	/* An array key replaces the one with the same path, else adds one. */
	for (size_t i = 0; i < ed->n_keys; i++) {
		char *field = strdup(ed->keys[i].field);
		if (!field)
			return false;
		size_t j = 0;
		while (j < cfg->n_array_keys && !same_path(cfg->array_keys[j].path, ed->keys[i].path))
			j++;
		if (j < cfg->n_array_keys) {
			free((void *)cfg->array_keys[j].field);
			cfg->array_keys[j].field = field;
			continue;
		}
		char *path = strdup(ed->keys[i].path);
		ss_array_key *grown = path ? realloc(cfg->array_keys,
		                                     (cfg->n_array_keys + 1) * sizeof *grown)
		                           : NULL;
		if (!grown) {
			free(path);
			free(field);
			return false;
		}
		cfg->array_keys = grown;
		cfg->array_keys[cfg->n_array_keys++] = (ss_array_key){ path, field };
	}
	return true;
}

/* ---- showing ---------------------------------------------------------------- */

/* A duration or count as JSON: null when not set (0). */
static json_t *json_setting(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

static json_t *config_json(const char *name, const ss_session *info,
                           const ss_session_config *cfg)
{
	json_t *ignore = json_array();
	for (size_t i = 0; ignore && i < cfg->n_ignore; i++)
		if (json_array_append_new(ignore, cli_json_text(cfg->ignore[i])) != 0) {
			json_decref(ignore);
			ignore = NULL;
		}
	json_t *keys = json_array();
	for (size_t i = 0; keys && i < cfg->n_array_keys; i++)
		if (json_array_append_new(keys, json_pack("{s:o, s:o}",
		                                          "path", cli_json_text(cfg->array_keys[i].path),
		                                          "field",
		                                          cli_json_text(cfg->array_keys[i].field))) != 0) {
			json_decref(keys);
			keys = NULL;
		}
	/* json_pack steals the "o" references, also when it fails. */
	return json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o}",
	                 "session", cli_json_text(name),
	                 "snapshots", (json_int_t)info->count,
	                 "first", cli_json_time(info->first_at),
	                 "last", cli_json_time(info->last_at),
	                 "every_ms", json_setting(cfg->interval_ms),
	                 "max_age_ms", json_setting(cfg->max_age_ms),
	                 "max_count", json_setting(cfg->max_count),
	                 "keep_hourly", json_setting(cfg->keep_hourly),
	                 "keep_daily", json_setting(cfg->keep_daily),
	                 "delete_tagged", (int)cfg->delete_tagged,
	                 "keyframe_every", json_setting(cfg->keyframe_every),
	                 "ignore", ignore,
	                 "array_keys", keys);
}

/* "5s", or "not set (default 30s)" / "not set (unlimited)" from the
 * store-wide defaults that apply when the session sets nothing. */
static void put_duration(const char *label, int64_t ms, int64_t dflt)
{
	char buf[64];
	printf("%-16s", label);
	if (ms) {
		ss_duration_format(ms, buf, sizeof buf);
		printf("%s\n", buf);
	} else if (dflt) {
		ss_duration_format(dflt, buf, sizeof buf);
		printf("not set (default %s)\n", buf);
	} else {
		printf("not set (unlimited)\n");
	}
}

static void put_count(const char *label, int64_t n, const char *when_unset)
{
	printf("%-16s", label);
	if (n)
		printf("%" PRId64 "\n", n);
	else
		printf("not set%s\n", when_unset);
}

static void print_config_text(const char *name, const ss_session *info,
                              const ss_session_config *cfg)
{
	ss_config dflt;
	ss_config_init(&dflt);
	printf("%-16s", "session:");
	cli_put_text(stdout, name);
	printf("\n%-16s%" PRId64, "snapshots:", info->count);
	if (info->count > 0 && info->first_at != SS_TIME_NONE && info->last_at != SS_TIME_NONE) {
		char first[40], last[40];
		ss_time_format_local(info->first_at, first, sizeof first);
		ss_time_format_local(info->last_at, last, sizeof last);
		printf(", %s .. %s", first, last);
	}
	putchar('\n');
	put_duration("every:", cfg->interval_ms, dflt.auto_interval_ms);
	put_duration("max-age:", cfg->max_age_ms, dflt.max_age_ms);
	char unset[64] = " (unlimited)";
	if (dflt.max_snapshots)
		snprintf(unset, sizeof unset, " (default %" PRId64 ")", dflt.max_snapshots);
	put_count("max-count:", cfg->max_count, unset);
	put_count("keep-hourly:", cfg->keep_hourly, "");
	put_count("keep-daily:", cfg->keep_daily, "");
	/* Only when on: the default (tagged snapshots kept) is the line's absence,
	 * so the text of a session that never used it stays as it was. */
	if (cfg->delete_tagged)
		printf("%-16s%s\n", "delete-tagged:", "yes (cleanup may delete tagged snapshots)");
	snprintf(unset, sizeof unset, " (default %d)", dflt.keyframe_every);
	put_count("keyframe-every:", cfg->keyframe_every, unset);
	printf("%-16s", "ignore:");
	if (cfg->n_ignore == 0)
		printf("none\n");
	for (size_t i = 0; i < cfg->n_ignore; i++) {
		if (i)
			printf("%-16s", "");
		cli_put_text(stdout, cfg->ignore[i]);
		putchar('\n');
	}
	printf("%-16s", "array-key:");
	if (cfg->n_array_keys == 0)
		printf("none (elements matched by id, key or name)\n");
	for (size_t i = 0; i < cfg->n_array_keys; i++) {
		if (i)
			printf("%-16s", "");
		cli_put_text(stdout, cfg->array_keys[i].path);
		putchar('=');
		cli_put_text(stdout, cfg->array_keys[i].field);
		putchar('\n');
	}
}

/* Open the store: for writing when there is something to write, else for
 * reading, so that looking at a session never creates a store file. */
static int open_store(cli_ctx *ctx, bool write)
{
	if (write)
		return cli_open(ctx);
	const cli_command *cmd = ctx->cmd;
	cli_command reader = *cmd;
	reader.store = CLI_STORE_READ;
	ctx->cmd = &reader;
	int rc = cli_open(ctx);
	ctx->cmd = cmd;
	return rc;
}

int cmd_session(cli_ctx *ctx, int argc, char **argv)
{
	struct session_edit ed = { 0 };
	ss_session_config cfg;
	memset(&cfg, 0, sizeof cfg);
	ss_session info = { 0 };
	bool json = false;
	int rc;
	/* At most one pattern per argument: argc bounds the counts. */
	ed.ignore = calloc((size_t)argc + 1, sizeof *ed.ignore);
	ed.keys = calloc((size_t)argc + 1, sizeof *ed.keys);
	if (!ed.ignore || !ed.keys) {
		rc = cli_fail(ctx, SS_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse_args(ctx, argc, argv, &ed, &json)) != SS_EXIT_OK) {
		if (rc == CLI_OPT_EXIT) /* after --help, ctx->exit_code is 0 */
			rc = ctx->exit_code;
		goto out;
	}
	const char *name = argv[optind];
	bool edit = editing(&ed);
	if ((rc = open_store(ctx, edit)) != SS_EXIT_OK)
		goto out;

	ss_status st = ss_session_config_get(ctx->mgr, name, &cfg);
	bool created = false;
	if (st == SS_NOT_FOUND && edit) {
		created = true;
		ss_session_config_clear(&cfg);  /* start from "nothing set" */
	} else if (st == SS_NOT_FOUND) {
		rc = cli_fail(ctx, st, "no session named %s", name);
		goto out;
	} else if (st != SS_OK) {
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}

	if (edit) {
		if (!apply_edit(&ed, &cfg)) {
			rc = cli_fail(ctx, SS_NOMEM, "out of memory");
			goto out;
		}
		if ((st = ss_session_config_set(ctx->mgr, name, &cfg)) != SS_OK) {
			rc = cli_fail_mgr(ctx, st);
			goto out;
		}
		if (created) {
			fputs("snapscope: created session ", stderr);
			cli_put_text(stderr, name);
			fputc('\n', stderr);
		}
		/* Show what the store now holds, not what we meant to write. */
		ss_session_config_clear(&cfg);
		if ((st = ss_session_config_get(ctx->mgr, name, &cfg)) != SS_OK) {
			rc = cli_fail_mgr(ctx, st);
			goto out;
		}
	}

	if ((st = ss_session_info(ctx->mgr, name, &info)) != SS_OK) {
		rc = cli_fail_mgr(ctx, st);
		goto out;
	}
	if (json) {
		json_t *obj = config_json(name, &info, &cfg);
		bool ok = obj && cli_print_json(stdout, obj, SS_DUMP_INDENT);
		json_decref(obj);
		if (!ok) {
			rc = cli_fail(ctx, SS_NOMEM, "out of memory");
			goto out;
		}
		putchar('\n');
	} else {
		print_config_text(name, &info, &cfg);
	}
out:
	ss_session_clear(&info);
	ss_session_config_clear(&cfg);
	free(ed.ignore);
	free(ed.keys);
	return rc;
}
