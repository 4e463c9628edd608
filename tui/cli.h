/*
 * cli.h - the `snapscope` command line: the table of commands, the context
 * each command runs in, and the helpers they share (option parsing, error
 * printing with untrusted text escaped, opening the store, number and size
 * formatting).  The commands themselves live in tui/cmd_*.c, one theme a
 * file; each is a thin layer over the model API of snapscope.h.
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapscope.h"

/* How a command uses the store; cli_open() reads it from the table. */
typedef enum cli_store_use {
	CLI_STORE_NONE,     /* never opens it (help) */
	CLI_STORE_READ,     /* opens an existing store; a missing one is an error */
	CLI_STORE_WRITE,    /* creates the store when missing */
} cli_store_use;

typedef struct cli_ctx cli_ctx;

/* A command: argv[0] is the command's name; returns the exit code. */
typedef int (*cli_fn)(cli_ctx *ctx, int argc, char **argv);

typedef struct cli_command {
	const char *name;
	cli_fn fn;
	cli_store_use store;
	const char *usage;      /* after "snapscope NAME " */
	const char *help;       /* one line, for the command list */
	const char *options;    /* the option lines of `NAME --help`; may be NULL */
} cli_command;

struct cli_ctx {
	const cli_command *cmd;     /* the command running */
	const char *store_path;     /* --store; NULL: the model's default */
	const char *theme;          /* --theme; NULL: the default */
	size_t max_state;           /* --max-state; 0: the model's default */
	ss_manager *mgr;            /* opened by cli_open(), closed by cli_main() */
	int exit_code;              /* set by cli_getopt() when it returns CLI_OPT_EXIT */
};

/* The commands, in the order `snapscope --help` lists them. */
extern const cli_command cli_commands[];
extern const size_t cli_n_commands;

/* Run the program: global options, then a command.  Returns the exit code. */
int cli_main(int argc, char **argv);

/* ---- option parsing ------------------------------------------------------ */

/* Returned by cli_getopt() when the command must end now with
 * ctx->exit_code: after --help (0) or a usage error (2, message printed). */
#define CLI_OPT_EXIT (-2)

/*
 * getopt_long over a command's options (long options only, plus -h/--help,
 * and the global --store/--theme/--max-state, which may thus come after
 * the command too).  `--opt=value` and `--opt value` both work, options may
 * follow positional arguments (argv is permuted so that the positionals end
 * up at argv[optind..argc-1]), and `--` ends the options.  Returns the `val`
 * of the option found, -1 at the end, or CLI_OPT_EXIT.  `opts` ends with a
 * zeroed entry; vals must not be 'h' or below 0.
 */
int cli_getopt(cli_ctx *ctx, int argc, char **argv, const struct option *opts);

/* ---- messages ------------------------------------------------------------ */

/* "snapscope CMD: MESSAGE" and "try 'snapscope CMD --help'" on stderr;
 * returns SS_EXIT_USAGE.  The whole message is passed through
 * ss_text_escape(), so text from the user or the data is safe in it. */
int cli_usage(cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "snapscope: MESSAGE" on stderr (escaped as above); returns the exit code
 * of `st`. */
int cli_fail(cli_ctx *ctx, ss_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cli_fail() with the manager's last error message. */
int cli_fail_mgr(cli_ctx *ctx, ss_status st);

/* Print text that came from data or a user (a tag, a session name, a
 * description) through ss_text_escape(). */
void cli_put_text(FILE *f, const char *s);

/* ---- the store ----------------------------------------------------------- */

/*
 * Open the manager as the command's table entry says (creating the store
 * only for writers).  Returns SS_EXIT_OK with ctx->mgr set, or the exit code
 * after printing why ("no store at PATH (...)" for a missing one).
 */
int cli_open(cli_ctx *ctx);

/* Fetch a snapshot's metadata; "no snapshot with id N" when there is none.
 * Returns SS_EXIT_OK or the exit code after printing the message. */
int cli_get_meta(cli_ctx *ctx, int64_t id, ss_snapshot *meta);

/* ---- arguments ----------------------------------------------------------- */

/* Parse a snapshot id (a positive integer); a usage error otherwise. */
int cli_parse_id(cli_ctx *ctx, const char *text, int64_t *id);

/* Parse a non-negative integer no larger than max for option `what`. */
int cli_parse_count(cli_ctx *ctx, const char *what, const char *text, int64_t max,
                    int64_t *out);

/* Parse a byte size: "1048576", "512B", "64KiB"/"64K"/"64k", "64MiB"/"64M",
 * "1GiB"/"1G" (powers of 1024). */
bool cli_parse_size(const char *text, size_t *out);

/* A session name argument: SS_EXIT_OK or a usage error. */
int cli_check_session(cli_ctx *ctx, const char *name);

/* ---- formatting ---------------------------------------------------------- */

/* "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB". */
void cli_format_size(int64_t bytes, char *buf, size_t size);

/* Split "PATH=FIELD" (an --array-key argument) at its last '=' (a quoted
 * key in PATH may hold one; a field name rarely does); modifies arg.  A
 * usage error (exit 2) when either side is empty. */
int cli_parse_array_key(cli_ctx *ctx, char *arg, ss_array_key *out);

/* Parse the time argument of option `opt` (ss_time_parse forms, relative to
 * now_ms); a usage error naming the option otherwise. */
int cli_parse_time(cli_ctx *ctx, const char *opt, const char *text, int64_t now_ms,
                   int64_t *out);

/* SS_EXIT_OK when session `name` exists in the open store; otherwise
 * "no session named NAME" (exit 1) or the store's error.  A plain lookup:
 * it does not sum over the session's snapshots as ss_session_info() does. */
int cli_require_session(cli_ctx *ctx, const char *name);

/* Check ignore patterns and array-key paths before the store is opened, so
 * a typo is a usage error and never a failure half-way. */
int cli_check_rules(cli_ctx *ctx, const char *const *ignore, size_t n_ignore,
                    const ss_array_key *keys, size_t n_keys);

/* Print a value as compact terminal-safe JSON (SS_DUMP_SAFE), cut past
 * CLI_VALUE_MAX bytes to CLI_VALUE_CUT with its full size noted unless
 * `full`; NULL (no value) as "(absent)".  False when out of memory. */
#define CLI_VALUE_MAX 100
#define CLI_VALUE_CUT 72
bool cli_put_value(FILE *f, const json_t *v, bool full);

const char *cli_origin_name(ss_origin origin);
const char *cli_kind_name(ss_kind kind);

/* True when `f` is a terminal and NO_COLOR is unset: then headers are bold. */
bool cli_color(FILE *f);

/* A JSON string for data text; invalid UTF-8 (which the store should never
 * hold) is escaped first rather than dropped.  NULL only when out of memory. */
json_t *cli_json_text(const char *s);

/* A snapshot's metadata as the JSON object `list --json` and
 * `show --meta --json` print (times as RFC 3339 UTC with milliseconds,
 * description null when none).  NULL when out of memory. */
json_t *cli_snapshot_json(const ss_snapshot *s);

/* A time as an RFC 3339 string, or null for SS_TIME_NONE. */
json_t *cli_json_time(int64_t ms);

/* Print one JSON value compactly (SS_DUMP_SAFE: nothing raw reaches a
 * terminal).  Returns false when out of memory. */
bool cli_print_json(FILE *f, const json_t *v, unsigned flags);

/* A row of a streamed JSON array: prints "[\n" before the first element and
 * ",\n" between elements; cli_json_array_end() closes it ("[]" when empty). */
typedef struct cli_json_array {
	FILE *f;
	size_t n;
} cli_json_array;

bool cli_json_array_add(cli_json_array *a, const json_t *v);
void cli_json_array_end(cli_json_array *a);

/* ---- commands (tui/cmd_*.c) ---------------------------------------------- */

int cmd_browse(cli_ctx *ctx, int argc, char **argv);
int cmd_capture(cli_ctx *ctx, int argc, char **argv);
int cmd_watch(cli_ctx *ctx, int argc, char **argv);
int cmd_cleanup(cli_ctx *ctx, int argc, char **argv);
int cmd_list(cli_ctx *ctx, int argc, char **argv);
int cmd_sessions(cli_ctx *ctx, int argc, char **argv);
int cmd_stats(cli_ctx *ctx, int argc, char **argv);
int cmd_session(cli_ctx *ctx, int argc, char **argv);
int cmd_show(cli_ctx *ctx, int argc, char **argv);
int cmd_diff(cli_ctx *ctx, int argc, char **argv);
int cmd_history(cli_ctx *ctx, int argc, char **argv);
int cmd_tag(cli_ctx *ctx, int argc, char **argv);
int cmd_untag(cli_ctx *ctx, int argc, char **argv);
int cmd_describe(cli_ctx *ctx, int argc, char **argv);
int cmd_pin(cli_ctx *ctx, int argc, char **argv);
int cmd_unpin(cli_ctx *ctx, int argc, char **argv);
int cmd_delete(cli_ctx *ctx, int argc, char **argv);
int cmd_verify(cli_ctx *ctx, int argc, char **argv);
int cmd_export(cli_ctx *ctx, int argc, char **argv);
int cmd_import(cli_ctx *ctx, int argc, char **argv);

/* The progress line of export and import (cmd_export.c): on standard error,
 * only when it is a terminal and the work is long (over 1000 snapshots or
 * a second); "\r exporting 12034/50000 snapshots", cleared at the end.
 * cli_progress_show() is an ss_progress_fn taking the cli_progress. */
typedef struct cli_progress {
	const char *verb;           /* "exporting", "importing" */
	bool tty;
	int64_t started_ms, last_ms;
	int width;                  /* of the line shown; 0: none shown */
} cli_progress;

void cli_progress_init(cli_progress *p, const char *verb);
void cli_progress_show(int64_t done, int64_t total, void *user_data);
void cli_progress_end(cli_progress *p);
int cmd_demo(cli_ctx *ctx, int argc, char **argv);
int cmd_help(cli_ctx *ctx, int argc, char **argv);

#endif
