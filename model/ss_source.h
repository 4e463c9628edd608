/*
 * ss_source.h - where automatic capture gets its states: a command's
 * standard output or a file's content.
 *
 * A source is polled by the capture thread (ss_auto.h) through
 * ss_source_capture(), which has the shape of an ss_capture_fn, so a
 * source is handed to ss_auto_start() as (ss_source_capture, source).
 * Each poll gives one of three answers:
 *  - SS_OK with *state set: a new state to record (a new reference);
 *  - SS_OK with *state NULL: nothing to record this time (the file did not
 *    change, or is being written);
 *  - any other status: a capture error, with the reason in `reason`
 *    ("exit status 7: curl: (7) Failed to connect", "timed out after 10s",
 *    "not JSON: line 1, column 1: ...", "output over the 64 MiB limit").
 * A source is used by one thread at a time.
 */
#ifndef SS_SOURCE_H
#define SS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ss_status.h"

typedef struct ss_source ss_source;

#define SS_SOURCE_TIMEOUT_DEFAULT_MS 10000

/*
 * A command.  Without `shell`, argv[0..argc) is run as given (argv[0] looked
 * up in PATH, no shell); with `shell`, argc must be 1 and argv[0] is a
 * command line for `/bin/sh -c`.  Each poll runs it once with standard input
 * from /dev/null, in its own process group; it must exit 0 within
 * `timeout_ms` (0: SS_SOURCE_TIMEOUT_DEFAULT_MS) and write at most
 * `max_bytes` of JSON to standard output.  Otherwise the whole process group
 * is killed (SIGKILL), always reaped, and the poll is a capture error naming
 * why, with the first line of what it wrote to standard error.  The strings
 * are copied.
 */
ss_status ss_source_command(const char *const *argv, size_t argc, bool shell,
                            int64_t timeout_ms, size_t max_bytes, ss_source **out,
                            char *err, size_t err_size);

/*
 * A file.  A poll reads it only when it changed since the last read (device,
 * inode, size or modification time differ: rewritten in place or replaced
 * by a rename), and gives nothing when it did not.  A file that changes
 * while it is read, or that does not parse the first time it is seen with
 * new content, is read again at the next poll rather than reported: a
 * writer part-way through is never captured and never cried wolf over.
 * Content that still does not parse on the next poll, unchanged, is a
 * capture error (once per content); so is a missing or unreadable file
 * (once, until it changes).
 */
ss_status ss_source_file(const char *path, size_t max_bytes, ss_source **out,
                         char *err, size_t err_size);

/* Poll the source; see above.  `src` is an ss_source (void * so that this
 * function is an ss_capture_fn). */
ss_status ss_source_capture(void *src, json_t **state, char *reason, size_t reason_size);

/* What the source reads, for messages: the command line (each argument
 * shell-quoted when it needs it) or the file's path.  Borrowed. */
const char *ss_source_describe(const ss_source *src);

/* Free the source.  NULL is fine.  No child process outlives a poll, so
 * there is nothing to wait for here. */
void ss_source_free(ss_source *src);

#endif
