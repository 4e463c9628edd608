/*
 * cli.c - the `snapscope` command line: the one table of commands (name,
 * function, usage, help), global options, dispatch, and the helpers every
 * command shares.  Anything printed that came from a user or from the store
 * goes through ss_text_escape(): a snapshot's content is untrusted and must
 * never drive the terminal, in a pipe or not.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the commands ---------------------------------------------------------- */

/* One place declares every command with its help, as tig declares its
 * requests; `snapscope --help`, `snapscope CMD --help` and dispatch read it. */
const cli_command cli_commands[] = {
	{ "browse", cmd_browse, CLI_STORE_READ, "[SESSION] [--script FILE]",
	  "browse the timeline in the terminal (the default command)",
	  "  --script FILE   read keys from FILE instead of the terminal and draw on an\n"
	  "                  unseen screen (also $SNAPSCOPE_SCRIPT); for tests, see\n"
	  "                  tests/golden/README\n"
	  "Keys: press ? inside for the full list.\n" },
	{ "watch", cmd_watch, CLI_STORE_WRITE,
	  "SESSION [--every D] [--timeout D] [--max-age D] [--max-count N] [--keep-unchanged]\n"
	  "              [--headless] [--paused] (--file PATH | [--shell] -- COMMAND [ARGS...])",
	  "capture a command's output or a file every interval; browse it live",
	  "  --every D          poll interval (default: the session's, else 30s; at least 100ms)\n"
	  "  --timeout D        a command taking longer is killed: a capture error (default 10s)\n"
	  "  --max-age D        retention: delete snapshots older than D (stored with the session)\n"
	  "  --max-count N      retention: keep at most N snapshots (stored with the session)\n"
	  "  --keep-unchanged   also store a state equal to the newest one\n"
	  "  --headless         no TUI: one line per event on standard error\n"
	  "  --paused           start paused (P resumes in the TUI)\n"
	  "  --file PATH        read PATH whenever it changes (in place or by rename)\n"
	  "  --shell            COMMAND is one string for /bin/sh -c\n"
	  "A command must exit 0 and print one JSON document; anything else (an exit\n"
	  "status, a timeout, non-JSON, too much output) is recorded as a capture error\n"
	  "and the watch goes on.  q, SIGINT or SIGTERM stop it; exit status 0.\n" },
	{ "capture", cmd_capture, CLI_STORE_WRITE,
	  "SESSION [FILE|-] [--tag T]... [--desc TEXT] [--pin]",
	  "record a JSON state (from FILE or standard input); prints the new id",
	  "  --tag T       tag the snapshot (repeatable)\n"
	  "  --desc TEXT   describe it\n"
	  "  --pin         pin it (cleanup never deletes it)\n"
	  "The session is created when it does not exist.  Without FILE (or with -)\n"
	  "the state is read from standard input.\n" },
	{ "list", cmd_list, CLI_STORE_READ,
	  "[SESSION] [--tag T]... [--all-tags] [--since TIME] [--until TIME] [--grep TEXT]\n"
	  "              [--pinned] [--tagged] [--sort time|size|changes] [--reverse]\n"
	  "              [--limit N] [--offset N] [--json]",
	  "list snapshots, oldest first",
	  "  --tag T          only snapshots with tag T (repeatable: any of them)\n"
	  "  --all-tags       with several --tag: only snapshots carrying all of them\n"
	  "  --since TIME     created at or after TIME\n"
	  "  --until TIME     created at or before TIME\n"
	  "  --grep TEXT      TEXT in the description or a tag (case-insensitive)\n"
	  "  --pinned         only pinned snapshots\n"
	  "  --tagged         only snapshots with at least one tag\n"
	  "  --sort KEY       time (default), size or changes\n"
	  "  --reverse        newest (largest) first\n"
	  "  --limit N        at most N rows\n"
	  "  --offset N       skip N rows first\n"
	  "  --json           a JSON array of objects, for scripts\n"
	  "TIME: 2026-11-25T14:03:10Z, '2026-11-25 14:03' (local), 14:03 (today),\n"
	  "-5m or -2h30m (ago), now, @MILLISECONDS.\n" },
	{ "show", cmd_show, CLI_STORE_READ, "ID [--path PATH] [--meta] [--compact] [--json]",
	  "print a snapshot's state as pretty JSON, or its metadata",
	  "  --path PATH   only the value at PATH: .agents[3].status, .[\"odd key\"],\n"
	  "                or a JSON Pointer /agents/3/status\n"
	  "  --meta        the metadata instead of the state (--json: as a JSON object)\n"
	  "  --compact     one line instead of indented JSON\n" },
	{ "diff", cmd_diff, CLI_STORE_READ,
	  "ID1 ID2 [--format text|patch|merge] [--ignore PATH]... [--array-key PATH=FIELD]...\n"
	  "              [--json] [--compact] [--full] [--exit-code]",
	  "what changed between two snapshots (text, JSON Patch or Merge Patch)",
	  "  --format F        text (default): one line per change, then a summary;\n"
	  "                    patch: RFC 6902 JSON Patch; merge: RFC 7396 JSON Merge Patch\n"
	  "  --ignore PATH     leave the values at PATH out (repeatable; * matches any one\n"
	  "                    key or index: /agents/*/heartbeat)\n"
	  "  --array-key P=F   match the elements of the arrays at P by their field F\n"
	  "                    (repeatable; id, key and name are tried by default)\n"
	  "  --json            (text) the changes as JSON objects: op, path, pointer, old,\n"
	  "                    new, from; with the counts\n"
	  "  --compact         (--json, patch, merge) one line instead of indented JSON\n"
	  "  --full            (text) print long values whole instead of shortened\n"
	  "  --exit-code       exit 1 when the snapshots differ, 0 when they do not\n"
	  "Text: '+ PATH: NEW' added, '- PATH: OLD' removed, '~ PATH: OLD -> NEW' changed,\n"
	  "'> PATH (from OLD_PATH)' moved.  The change list also applies the ignore rules\n"
	  "and array keys of ID1's session ('snapscope session'); a patch is exact (applied\n"
	  "to ID1 it gives ID2) unless --ignore leaves paths out.  The ids may belong to\n"
	  "different sessions.  Without --exit-code the status is 0 whether or not the\n"
	  "snapshots differ, as for 'git diff'.\n" },
	{ "history", cmd_history, CLI_STORE_READ, "SESSION PATH [--json] [--limit N] [--full]",
	  "every change of the value at PATH over a session's snapshots",
	  "  --json      a JSON array of {id, seq, created_at, kind, old, new}; kind is\n"
	  "              appeared (no old), changed or disappeared (no new)\n"
	  "  --limit N   only the N most recent changes\n"
	  "  --full      print long values whole instead of shortened\n"
	  "PATH: .agents[3].status, .[\"odd key\"], or a JSON Pointer /agents/3/status.\n" },
	{ "tag", cmd_tag, CLI_STORE_WRITE, "ID TAG...", "add tags to a snapshot", NULL },
	{ "untag", cmd_untag, CLI_STORE_WRITE, "ID TAG...", "remove tags from a snapshot", NULL },
	{ "describe", cmd_describe, CLI_STORE_WRITE, "ID TEXT",
	  "set a snapshot's description (\"\" clears it)", NULL },
	{ "pin", cmd_pin, CLI_STORE_WRITE, "ID...", "pin snapshots: cleanup keeps them", NULL },
	{ "unpin", cmd_unpin, CLI_STORE_WRITE, "ID...", "unpin snapshots", NULL },
	{ "delete", cmd_delete, CLI_STORE_WRITE, "ID... [--force]", "delete snapshots",
	  "  --force   also delete pinned snapshots\n"
	  "Every id is checked first: one unknown id or (without --force) one pinned\n"
	  "snapshot and nothing is deleted.\n" },
	{ "sessions", cmd_sessions, CLI_STORE_READ, "[--json]",
	  "list sessions: snapshot count, first and last time, stored size",
	  "  --json   a JSON array of objects, for scripts\n" },
	{ "session", cmd_session, CLI_STORE_WRITE,
	  "NAME [--every D] [--max-age D] [--max-count N] [--keep-hourly N] [--keep-daily N]\n"
	  "              [--ignore PATH]... [--no-ignore] [--array-key PATH=FIELD]...\n"
	  "              [--keyframe-every K] [--delete-tagged|--keep-tagged] [--json]",
	  "show a session's configuration, or change it",
	  "  --every D            capture interval of 'watch' (250ms, 5s, 10m, 24h, 7d)\n"
	  "  --max-age D          cleanup deletes snapshots older than D\n"
	  "  --max-count N        cleanup keeps at most N snapshots\n"
	  "  --keep-hourly N      cleanup keeps one snapshot an hour for the last N hours\n"
	  "  --keep-daily N       cleanup keeps one snapshot a day for the last N days\n"
	  "  --ignore PATH        add an ignore rule: diffs and \"unchanged\" detection leave\n"
	  "                       PATH out (repeatable; * matches any one key or index)\n"
	  "  --no-ignore          remove every ignore rule (before adding any given)\n"
	  "  --array-key P=F      match the elements of the arrays at P by their field F\n"
	  "                       (replaces the key for P)\n"
	  "  --keyframe-every K   store every K-th snapshot whole\n"
	  "  --delete-tagged      cleanup may delete tagged snapshots (never pinned ones)\n"
	  "  --keep-tagged        cleanup keeps tagged snapshots (the default)\n"
	  "  --json               a JSON object, for scripts\n"
	  "Without options: show.  With options: change the configuration (creating the\n"
	  "session when missing) and show the result.  0 clears a setting (the default\n"
	  "applies again).\n" },
	{ "stats", cmd_stats, CLI_STORE_READ, "[SESSION] [--json]",
	  "totals: snapshots, keyframes and deltas, sizes, compression, timing",
	  "  --json   a JSON object with exact integers, for scripts\n" },
	{ "verify", cmd_verify, CLI_STORE_READ, "[SESSION]",
	  "re-read every snapshot, recompute its checksum, check the store file",
	  "Exits with status 5 when anything is damaged, naming each damaged snapshot.\n" },
	{ "export", cmd_export, CLI_STORE_READ,
	  "[SESSION] [--id ID]... [--tag T]... [--since TIME] [--until TIME]\n"
	  "              [--format json|binary] [--force] -o FILE",
	  "write snapshots with their full states to a file (JSON or binary export)",
	  "  -o, --output FILE   the file to write (created with mode 0600)\n"
	  "  --id ID             export exactly this snapshot (repeatable; not with the filters)\n"
	  "  --tag T             only snapshots with tag T (repeatable: any of them)\n"
	  "  --since TIME        created at or after TIME\n"
	  "  --until TIME        created at or before TIME\n"
	  "  --format json       (the default) one document with the sessions and every\n"
	  "                      snapshot's metadata, checksum and state, readable with jq\n"
	  "  --format binary     compact: deltas kept, compressed, a SHA-256 per record\n"
	  "                      (docs/binary-format.md)\n"
	  "  --force             replace FILE when it exists\n"
	  "Without SESSION or --id: every session.  FILE appears only when complete (written\n"
	  "under a temporary name, synced, then renamed); it is never a symbolic link.\n"
	  "'snapscope import FILE' reads either format back.\n" },
	{ "import", cmd_import, CLI_STORE_WRITE, "FILE [--dry-run]",
	  "read an export (JSON or binary) into the store, checked before anything is written",
	  "  --dry-run   check the whole file and say what would be imported; write nothing\n"
	  "The format is recognised from the content.  Every entry is checked first (types,\n"
	  "limits, every checksum against its state); a bad file changes nothing and the\n"
	  "message names the entry and the reason (exit status 3).  Then everything is\n"
	  "written in one transaction: sessions merge by name (a new one takes the file's\n"
	  "configuration, an existing one keeps its own), ids are new, and snapshots the\n"
	  "store already holds (same session, time and checksum) are skipped, so importing\n"
	  "a file twice changes nothing the second time.  Imported snapshots keep their\n"
	  "times, tags, descriptions, pins and checksums; their origin is 'import'.\n" },
	{ "cleanup", cmd_cleanup, CLI_STORE_READ,
	  "[SESSION] [--max-age D] [--max-count N] [--keep-hourly N] [--keep-daily N]\n"
	  "              [--delete-tagged] [--dry-run] [--json]",
	  "apply retention: delete what the policy no longer keeps, saying why",
	  "  --max-age D        delete snapshots older than D (for this run)\n"
	  "  --max-count N      keep N snapshots a session, newest first (for this run)\n"
	  "  --keep-hourly N    keep one snapshot an hour for the newest N hours\n"
	  "  --keep-daily N     keep one snapshot a day for the newest N days\n"
	  "  --delete-tagged    tagged snapshots may go too (pinned ones never do)\n"
	  "  --dry-run          delete nothing: the same decisions, \"would delete\"\n"
	  "  --json             decisions as a JSON array, for scripts\n"
	  "Without options each session's own policy applies (see 'session').  The newest\n"
	  "snapshot and pinned ones are always kept; tagged ones unless --delete-tagged (or\n"
	  "the session's setting); so is anything a rule keeps (a bucket, within max-age).\n"
	  "Prints one line a snapshot (keep/delete, id, seq, time, reason), newest first,\n"
	  "and a line a session: \"api: 12 deleted, 30 kept\".\n" },
	{ "demo", cmd_demo, CLI_STORE_WRITE, "[--steps N] [--seed S] [--end TIME]",
	  "fill session \"demo\" with the history of a simulated multi-agent system",
	  "  --steps N    snapshots to create (default 240)\n"
	  "  --seed S     random seed (default 1); the same seed gives the same history\n"
	  "  --end TIME   when the history ends (default now); with --seed, times too repeat\n" },
	{ "help", cmd_help, CLI_STORE_NONE, "[COMMAND]", "show help for snapscope or a command",
	  NULL },
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

static const char global_usage[] =
	"usage: snapscope [--store PATH] [--theme NAME] [--max-state SIZE] [COMMAND [ARGS...]]\n";

static const char global_options[] =
	"global options (before or after the command):\n"
	"  --store PATH       the store file (default $SNAPSCOPE_STORE, else\n"
	"                     $XDG_DATA_HOME/snapscope/store.db); :memory: for a\n"
	"                     throw-away store\n"
	"  --theme NAME       colour theme of the browser\n"
	"  --max-state SIZE   largest state accepted (default 64MiB; e.g. 1MiB, 512K)\n"
	"  --version          print the version\n"
	"  -h, --help         this help; 'snapscope COMMAND --help' for a command\n";

static const char exit_codes[] =
	"exit status: 0 success, 1 failure, 2 usage error, 3 input rejected (bad JSON,\n"
	"over a limit), 4 store busy or read-only, 5 corruption found\n";

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < cli_n_commands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

static void print_main_help(FILE *f)
{
	fputs(global_usage, f);
	fputs("\nRecord an application's state as a timeline of JSON snapshots and browse it.\n"
	      "\ncommands:\n", f);
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].help);
	fputs("\n", f);
	fputs(global_options, f);
	fputs("\n", f);
	fputs(exit_codes, f);
}

static void print_command_help(FILE *f, const cli_command *cmd)
{
	fprintf(f, "usage: snapscope %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->help);
	if (cmd->options)
		fprintf(f, "\n%s", cmd->options);
	fputs("\nglobal options: --store PATH, --theme NAME, --max-state SIZE "
	      "(see 'snapscope --help')\n", f);
}

int cmd_help(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { 0, 0, 0, 0 } };
	int c;
	while ((c = cli_getopt(ctx, argc, argv, opts)) != -1)
		if (c == CLI_OPT_EXIT)
			return ctx->exit_code;
	if (argc - optind > 1)
		return cli_usage(ctx, "give one command name");
	if (argc - optind == 0) {
		print_main_help(stdout);
		return SS_EXIT_OK;
	}
	const cli_command *cmd = find_command(argv[optind]);
	if (!cmd)
		return cli_usage(ctx, "no command named '%s'", argv[optind]);
	print_command_help(stdout, cmd);
	return SS_EXIT_OK;
}

/* ---- messages ------------------------------------------------------------- */

/* Print `prefix` and the formatted message, escaped, and a newline. */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, ap);
	char *esc = ss_text_escape(msg, strlen(msg));
	fprintf(stderr, "%s%s\n", prefix, esc ? esc : "out of memory");
	free(esc);
}

int cli_usage(cli_ctx *ctx, const char *fmt, ...)
{
	const char *name = ctx->cmd ? ctx->cmd->name : NULL;
	char prefix[64];
	snprintf(prefix, sizeof prefix, "snapscope%s%s: ", name ? " " : "", name ? name : "");
	va_list ap;
	va_start(ap, fmt);
	vmessage(prefix, fmt, ap);
	va_end(ap);
	if (name)
		fprintf(stderr, "try 'snapscope %s --help'\n", name);
	else
		fputs("try 'snapscope --help'\n", stderr);
	ctx->exit_code = SS_EXIT_USAGE;
	return SS_EXIT_USAGE;
}

int cli_fail(cli_ctx *ctx, ss_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("snapscope: ", fmt, ap);
	va_end(ap);
	ctx->exit_code = ss_status_exit_code(st);
	return ctx->exit_code;
}

int cli_fail_mgr(cli_ctx *ctx, ss_status st)
{
	const char *msg = ctx->mgr ? ss_errmsg(ctx->mgr) : "";
	return cli_fail(ctx, st, "%s", msg && *msg ? msg : ss_status_str(st));
}

void cli_put_text(FILE *f, const char *s)
{
	if (!s)
		return;
	char *esc = ss_text_escape(s, strlen(s));
	fputs(esc ? esc : "?", f);
	free(esc);
}

/* ---- option parsing ----------------------------------------------------- */

enum {
	GOPT_STORE = 0x1000,
	GOPT_THEME,
	GOPT_MAX_STATE,
	GOPT_VERSION,
};

static const struct option global_opts[] = {
	{ "store", required_argument, NULL, GOPT_STORE },
	{ "theme", required_argument, NULL, GOPT_THEME },
	{ "max-state", required_argument, NULL, GOPT_MAX_STATE },
	{ "help", no_argument, NULL, 'h' },
};
#define N_GLOBAL_OPTS (sizeof global_opts / sizeof global_opts[0])

/* Apply a global option; false after a usage error. */
static bool global_option(cli_ctx *ctx, int c, const char *arg)
{
	switch (c) {
	case GOPT_STORE:
		if (!*arg) {
			cli_usage(ctx, "--store needs a path");
			return false;
		}
		ctx->store_path = arg;
		return true;
	case GOPT_THEME:
		ctx->theme = arg;
		return true;
	case GOPT_MAX_STATE:
		if (!cli_parse_size(arg, &ctx->max_state) || ctx->max_state == 0) {
			cli_usage(ctx, "--max-state needs a size such as 1048576, 512K or 64MiB, not '%s'",
			          arg);
			return false;
		}
		return true;
	}
	return false;
}

/* Describe a getopt error: the option text as the user typed it. */
static int option_error(cli_ctx *ctx, int c, int argc, char **argv)
{
	const char *opt = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : "?";
	if (c == ':')
		return cli_usage(ctx, "option '%s' needs a value", opt);
	if (strncmp(opt, "--", 2) == 0) {
		/* getopt sets optopt to the option's val when it was known but
		 * given a value it does not take ("--json=yes"). */
		const char *eq = strchr(opt, '=');
		if (optopt && eq)
			return cli_usage(ctx, "option '%.*s' takes no value", (int)(eq - opt), opt);
		return cli_usage(ctx, "unknown option '%s'", opt);
	}
	if (optopt > ' ' && optopt < 127)
		return cli_usage(ctx, "unknown option '-%c'", optopt);
	return cli_usage(ctx, "unknown option '%s'", opt);
}

int cli_getopt(cli_ctx *ctx, int argc, char **argv, const struct option *opts)
{
	/* The command's options plus the global ones, built once per command. */
	static struct option merged[64];
	static const struct option *merged_for;
	if (merged_for != opts) {
		size_t n = 0;
		while (opts[n].name && n < 64 - N_GLOBAL_OPTS - 1) {
			merged[n] = opts[n];
			n++;
		}
		memcpy(merged + n, global_opts, sizeof global_opts);
		memset(merged + n + N_GLOBAL_OPTS, 0, sizeof merged[0]);
		merged_for = opts;
		optind = 0;     /* glibc: start over with a fresh argv */
	}
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":h", merged, NULL);
		switch (c) {
		case GOPT_STORE:
		case GOPT_THEME:
		case GOPT_MAX_STATE:
			if (!global_option(ctx, c, optarg))
				return CLI_OPT_EXIT;
			continue;
		case 'h':
			print_command_help(stdout, ctx->cmd);
			ctx->exit_code = SS_EXIT_OK;
			return CLI_OPT_EXIT;
		case '?':
		case ':':
			option_error(ctx, c, argc, argv);
			return CLI_OPT_EXIT;
		default:
			return c;
		}
	}
}

/* ---- the store -------------------------------------------------------------- */

int cli_open(cli_ctx *ctx)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = ctx->store_path;
	if (ctx->store_path && strcmp(ctx->store_path, ":memory:") == 0)
		cfg.store_type = SS_STORE_TYPE_MEMORY;
	cfg.create = ctx->cmd->store == CLI_STORE_WRITE;
	if (ctx->max_state)
		cfg.max_state_bytes = ctx->max_state;
	char err[1024] = "";
	ss_status st = ss_open(&cfg, &ctx->mgr, err, sizeof err);
	if (st == SS_OK)
		return SS_EXIT_OK;
	ctx->mgr = NULL;
	/* The store's message names the path it looked at ("no store at PATH"). */
	if (st == SS_NOT_FOUND && !cfg.create)
		return cli_fail(ctx, st, "%s (capture something first, or pass --store)",
		                *err ? err : "no store");
	return cli_fail(ctx, st, "%s", *err ? err : ss_status_str(st));
}

int cli_get_meta(cli_ctx *ctx, int64_t id, ss_snapshot *meta)
{
	ss_status st = ss_get(ctx->mgr, id, NULL, meta);
	if (st == SS_NOT_FOUND)
		return cli_fail(ctx, st, "no snapshot with id %" PRId64, id);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	return SS_EXIT_OK;
}

/* ---- arguments ---------------------------------------------------------- */

/* A decimal integer in [0, max]; false otherwise (no sign, no spaces). */
static bool parse_uint(const char *text, int64_t max, int64_t *out)
{
	if (!*text)
		return false;
	int64_t v = 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		int d = *p - '0';
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int cli_parse_id(cli_ctx *ctx, const char *text, int64_t *id)
{
	if (!parse_uint(text, INT64_MAX, id) || *id == 0)
		return cli_usage(ctx, "'%s' is not a snapshot id (ids are the positive integers "
		                      "'capture' and 'list' print)", text);
	return SS_EXIT_OK;
}

int cli_parse_count(cli_ctx *ctx, const char *what, const char *text, int64_t max,
                    int64_t *out)
{
	if (!parse_uint(text, max, out))
		return cli_usage(ctx, "%s needs an integer from 0 to %" PRId64 ", not '%s'", what, max,
		                 text);
	return SS_EXIT_OK;
}

bool cli_parse_size(const char *text, size_t *out)
{
	static const struct {
		const char *suffix;
		int shift;
	} suffixes[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "k", 10 }, { "KiB", 10 }, { "KB", 10 }, { "kB", 10 },
		{ "M", 20 }, { "MiB", 20 }, { "MB", 20 },
		{ "G", 30 }, { "GiB", 30 }, { "GB", 30 },
	};
	const char *p = text;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		if (strcmp(p, suffixes[i].suffix) != 0)
			continue;
		if (v > (SIZE_MAX >> suffixes[i].shift))
			return false;
		*out = (size_t)(v << suffixes[i].shift);
		return true;
	}
	return false;
}

int cli_check_session(cli_ctx *ctx, const char *name)
{
	char err[512];
	if (ss_session_name_check(name, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s", err);
	return SS_EXIT_OK;
}

/* ---- formatting ------------------------------------------------------------ */

void cli_format_size(int64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	if (bytes < 1024) {
		snprintf(buf, size, "%" PRId64 " B", bytes);
		return;
	}
	double v = (double)bytes;
	size_t u = 0;
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

const char *cli_origin_name(ss_origin origin)
{
	switch (origin) {
	case SS_ORIGIN_MANUAL: return "manual";
	case SS_ORIGIN_AUTO: return "auto";
	case SS_ORIGIN_IMPORT: return "import";
	}
	return "unknown";
}

const char *cli_kind_name(ss_kind kind)
{
	return kind == SS_KIND_DELTA ? "delta" : "keyframe";
}

bool cli_color(FILE *f)
{
	const char *no = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(no && *no);
}

json_t *cli_json_text(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char *esc = ss_text_escape(s, strlen(s));
	if (!esc)
		return NULL;
	j = json_string(esc);
	free(esc);
	return j;
}

json_t *cli_json_time(int64_t ms)
{
	if (ms == SS_TIME_NONE)
		return json_null();
	char buf[64];
	ss_time_format_utc(ms, buf, sizeof buf);
	return json_string(buf);
}

json_t *cli_snapshot_json(const ss_snapshot *s)
{
	json_t *tags = json_array();
	for (size_t i = 0; tags && i < s->n_tags; i++)
		if (json_array_append_new(tags, cli_json_text(s->tags[i])) != 0) {
			json_decref(tags);
			tags = NULL;
		}
	/* json_pack steals the "o" references, also when it fails. */
	return json_pack("{s:I, s:o, s:I, s:o, s:I, s:s, s:s, s:o, s:b, s:o, s:I, s:I, s:s,"
	                 " s:I, s:I, s:I, s:I}",
	                 "id", (json_int_t)s->id,
	                 "session", cli_json_text(s->session ? s->session : ""),
	                 "seq", (json_int_t)s->seq,
	                 "created_at", cli_json_time(s->created_at),
	                 "created_at_ms", (json_int_t)s->created_at,
	                 "origin", cli_origin_name(s->origin),
	                 "kind", cli_kind_name(s->kind),
	                 "tags", tags,
	                 "pinned", (int)s->pinned,
	                 "description", s->description ? cli_json_text(s->description) : json_null(),
	                 "raw_size", (json_int_t)s->raw_size,
	                 "stored_size", (json_int_t)s->stored_size,
	                 "checksum", s->checksum,
	                 "added", (json_int_t)s->n_added,
	                 "removed", (json_int_t)s->n_removed,
	                 "changed", (json_int_t)s->n_changed,
	                 "create_us", (json_int_t)s->create_us);
}

bool cli_print_json(FILE *f, const json_t *v, unsigned flags)
{
	size_t len;
	char *s = ss_json_dump(v, flags | SS_DUMP_SAFE, &len);
	if (!s)
		return false;
	fwrite(s, 1, len, f);
	free(s);
	return true;
}

bool cli_json_array_add(cli_json_array *a, const json_t *v)
{
	fputs(a->n++ ? ",\n" : "[\n", a->f);
	return cli_print_json(a->f, v, 0);
}

void cli_json_array_end(cli_json_array *a)
{
	fputs(a->n ? "\n]\n" : "[]\n", a->f);
}

/* ---- main ----------------------------------------------------------------- */

int cli_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, GOPT_STORE },
		{ "theme", required_argument, NULL, GOPT_THEME },
		{ "max-state", required_argument, NULL, GOPT_MAX_STATE },
		{ "version", no_argument, NULL, GOPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	cli_ctx ctx = { 0 };
	int c;
	opterr = 0;
	/* '+': stop at the command name; its own options are its business. */
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_main_help(stdout);
			return SS_EXIT_OK;
		case GOPT_VERSION:
			printf("snapscope %s\n", SS_VERSION_STRING);
			return SS_EXIT_OK;
		case '?':
		case ':':
			return option_error(&ctx, c, argc, argv);
		default:
			if (!global_option(&ctx, c, optarg))
				return ctx.exit_code;
		}
	}

	const char *name = optind < argc ? argv[optind] : "browse";
	ctx.cmd = find_command(name);
	if (!ctx.cmd)
		return cli_usage(&ctx, "unknown command '%s'", name);
	/* The command sees its own name as argv[0]; bare `snapscope` is `browse`. */
	char *no_args[] = { (char *)"browse", NULL };
	int cargc = optind < argc ? argc - optind : 1;
	char **cargv = optind < argc ? argv + optind : no_args;

	int rc = ctx.cmd->fn(&ctx, cargc, cargv);
	ss_close(ctx.mgr);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "snapscope: cannot write the output: %s\n", strerror(errno));
		if (rc == SS_EXIT_OK)
			rc = SS_EXIT_FAILURE;
	}
	return rc;
}

/* ---- shared by diff, history and session ------------------------------- */

int cli_parse_array_key(cli_ctx *ctx, char *arg, ss_array_key *out)
{
	char *eq = strrchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return cli_usage(ctx, "--array-key takes PATH=FIELD (e.g. .agents=name), not '%s'", arg);
	*eq = '\0';
	out->path = arg;
	out->field = eq + 1;
	return SS_EXIT_OK;
}

int cli_parse_time(cli_ctx *ctx, const char *opt, const char *text, int64_t now_ms,
                   int64_t *out)
{
	char err[512];
	if (ss_time_parse(text, now_ms, out, err, sizeof err) != SS_OK)
		return cli_usage(ctx, "%s: %s", opt, err);
	return SS_EXIT_OK;
}

int cli_require_session(cli_ctx *ctx, const char *name)
{
	ss_session_config cfg;
	ss_status st = ss_session_config_get(ctx->mgr, name, &cfg);
	ss_session_config_clear(&cfg);
	if (st == SS_NOT_FOUND)
		return cli_fail(ctx, st, "no session named %s", name);
	if (st != SS_OK)
		return cli_fail_mgr(ctx, st);
	return SS_EXIT_OK;
}

int cli_check_rules(cli_ctx *ctx, const char *const *ignore, size_t n_ignore,
                    const ss_array_key *keys, size_t n_keys)
{
	char err[512];
	ss_path p = { 0 };
	for (size_t i = 0; i < n_ignore + n_keys; i++) {
		const char *text = i < n_ignore ? ignore[i] : keys[i - n_ignore].path;
		ss_status st = ss_path_pattern_parse(text, &p, err, sizeof err);
		ss_path_clear(&p);
		if (st == SS_USAGE)
			return cli_usage(ctx, "%s", err);
		if (st != SS_OK)
			return cli_fail(ctx, st, "%s", err);
	}
	return SS_EXIT_OK;
}

bool cli_put_value(FILE *f, const json_t *v, bool full)
{
	if (!v) {
		fputs("(absent)", f);
		return true;
	}
	size_t len;
	char *s = ss_json_dump(v, SS_DUMP_SAFE, &len);
	if (!s)
		return false;
	if (full || len <= CLI_VALUE_MAX) {
		fwrite(s, 1, len, f);
	} else {
		/* Back up to the start of a UTF-8 sequence: never half a character. */
		size_t cut = CLI_VALUE_CUT;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		char size[32];
		cli_format_size((int64_t)len, size, sizeof size);
		fwrite(s, 1, cut, f);
		fprintf(f, "... (%s)", size);
	}
	free(s);
	return true;
}
