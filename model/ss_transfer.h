/*
 * ss_transfer.h - moving history between stores: export to a file (JSON or
 * the compact binary format) and import from one, checked before anything
 * is written.
 *
 * Export files are written safely (a 0600 temporary file, fsync, then the
 * final name; never over an existing file without force, never through a
 * symbolic link).  The JSON format is DESIGN.md's; the binary format keeps
 * deltas, compressed, with a SHA-256 per record and a trailer that counts
 * and checksums the whole (docs/binary-format.md).
 *
 * Import detects the format from the content, validates the whole file
 * first (structure, versions, types, limits, every length against what
 * remains, every checksum, every state rebuilt) and only then writes, in one
 * transaction: sessions merged by name (a new one takes the file's
 * configuration, an existing one keeps its own), ids remapped, snapshots
 * already present (same session, time and checksum) skipped.  A bad file
 * changes nothing and the message names the entry and the reason.
 * Importing the same file twice is a no-op the second time.
 */
#ifndef SS_TRANSFER_H
#define SS_TRANSFER_H

#include "snapscope.h"

typedef enum ss_export_format {
	SS_EXPORT_JSON = 0,
	SS_EXPORT_BINARY = 1,
} ss_export_format;

/* Called now and then during a long export or import: `done` of `total`
 * snapshots (total 0 when not known yet).  Called on the caller's thread. */
typedef void (*ss_progress_fn)(int64_t done, int64_t total, void *user_data);

/*
 * Export the snapshots matching `q`, or exactly `ids` (n_ids > 0), as
 * ss_export_json() selects them, in `format`.  `progress` may be NULL.
 * The selection is read in one read transaction, so a capture committing
 * meanwhile does not tear it.
 */
ss_status ss_export(ss_manager *mgr, const ss_query *q, const int64_t *ids, size_t n_ids,
                    const char *path, ss_export_format format, bool force,
                    ss_progress_fn progress, void *user_data, int64_t *written);

typedef struct ss_import_result {
	ss_export_format format;    /* as detected */
	int64_t sessions_created;
	int64_t imported;           /* snapshots written */
	int64_t skipped;            /* already present */
} ss_import_result;

/* Import the file at `path` (see above).  `progress` may be NULL. */
ss_status ss_import(ss_manager *mgr, const char *path, ss_progress_fn progress,
                    void *user_data, ss_import_result *out);

/* The same from memory; `what` names the input in messages.  With dry_run
 * everything is checked and nothing written (out says what would be). */
ss_status ss_import_buffer(ss_manager *mgr, const void *data, size_t len, const char *what,
                           bool dry_run, ss_import_result *out);

#endif
