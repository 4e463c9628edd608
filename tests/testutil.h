/*
 * testutil.h - what several suites share: a private temporary directory per
 * test (a real SQLite file lives there), and running the built binary as a
 * child process with its output captured.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

/* Make a fresh directory under $TMPDIR (or /tmp); returns its path (static
 * storage, valid until the next call) or aborts the test. */
const char *tu_tmpdir(void);

/* tu_tmpdir() joined with `name`, in a static buffer of its own per call
 * slot (up to 8 live at once). */
const char *tu_path(const char *name);

/* Remove the directory made by tu_tmpdir() and everything in it. */
void tu_cleanup(void);

/* Write `len` bytes (or strlen when len is (size_t)-1) to a file. */
void tu_write_file(const char *path, const char *data, size_t len);

/* Read a whole file; caller frees; NULL when missing. */
char *tu_read_file(const char *path, size_t *len);

/* The outcome of one run of the binary. */
typedef struct tu_run {
	int status;     /* exit code, or 128+signal when killed */
	char *out;      /* stdout, NUL-terminated */
	size_t out_len;
	char *err;      /* stderr, NUL-terminated */
	size_t err_len;
} tu_run;

/*
 * Run $SNAPSCOPE_BIN (or build/snapscope) with argv (NULL-terminated, argv[0]
 * excluded), feeding `input` (may be NULL) on stdin.  The environment gets
 * SNAPSCOPE_STORE unset, TZ=UTC, NO_COLOR=1.  Free with tu_run_free().
 */
tu_run tu_exec(const char *input, size_t input_len, const char *const *argv);
void tu_run_free(tu_run *r);

/* Convenience: tu_exec with a variadic NULL-terminated argument list. */
tu_run tu_cli(const char *input, ...);

#endif
