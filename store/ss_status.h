/*
 * ss_status.h - the one error vocabulary of every layer.
 *
 * Deep code returns an ss_status and writes a one-line detail (naming the
 * input) into the error buffer of the handle it worked on; the command line
 * maps the status to an exit code with ss_status_exit_code().  Keeping one
 * enum for store/, model/ and tui/ means no layer translates another's codes.
 */
#ifndef SS_STATUS_H
#define SS_STATUS_H

/* The exit codes of DESIGN.md, so that every status says how a command ends. */
enum {
	SS_EXIT_OK = 0,
	SS_EXIT_FAILURE = 1,    /* failure at run time */
	SS_EXIT_USAGE = 2,      /* bad command line */
	SS_EXIT_INPUT = 3,      /* input rejected: bad JSON, bad export file, over a limit */
	SS_EXIT_BUSY = 4,       /* store busy, locked or read-only */
	SS_EXIT_CORRUPT = 5,    /* corruption found */
};

/* X-macro: name, exit code, generic message.  The table is the only place a
 * status is described; ss_status_str() and ss_status_exit_code() read it. */
#define SS_STATUS_LIST(_) \
	_(OK,        SS_EXIT_OK,      "success") \
	_(NOMEM,     SS_EXIT_FAILURE, "out of memory") \
	_(IO,        SS_EXIT_FAILURE, "input/output error") \
	_(USAGE,     SS_EXIT_USAGE,   "invalid argument") \
	_(INPUT,     SS_EXIT_INPUT,   "input rejected") \
	_(LIMIT,     SS_EXIT_INPUT,   "input over a limit") \
	_(NOT_FOUND, SS_EXIT_FAILURE, "not found") \
	_(EXISTS,    SS_EXIT_FAILURE, "already exists") \
	_(BUSY,      SS_EXIT_BUSY,    "store busy") \
	_(READONLY,  SS_EXIT_BUSY,    "store is read-only") \
	_(NOT_STORE, SS_EXIT_FAILURE, "not a snapscope store") \
	_(VERSION,   SS_EXIT_FAILURE, "store written by a newer snapscope") \
	_(CORRUPT,   SS_EXIT_CORRUPT, "corruption found") \
	_(INTERNAL,  SS_EXIT_FAILURE, "internal error")

typedef enum ss_status {
#define SS_STATUS_ENUM_(name, exit_code, text) SS_##name,
	SS_STATUS_LIST(SS_STATUS_ENUM_)
#undef SS_STATUS_ENUM_
} ss_status;

/* A short generic description ("store busy").  Never NULL. */
const char *ss_status_str(ss_status st);

/* The process exit code a command ending with this status returns. */
int ss_status_exit_code(ss_status st);

#endif
