/*
 * import.h - between the import's format readers (import_json.c,
 * import_binary.c) and its core (import.c).
 *
 * A reader walks a whole file and hands the core each session and each
 * snapshot in file order, every one fully checked: fields typed and within
 * limits, the state rebuilt (a binary delta applied to its base) and its
 * canonical SHA-256 equal to the recorded checksum.  The core runs a reader
 * twice: once to validate (nothing written), once inside the write
 * transaction.  A reader stops at the first problem with a message naming
 * the entry ("snapshot 17 (id 4242): checksum mismatch") and keeps at most
 * one state per session in memory, whatever the file's size.
 */
#ifndef SS_IMPORT_H
#define SS_IMPORT_H

#include "manager.h"
#include "ss_transfer.h"

struct import_session {
	const char *name;
	const json_t *config;       /* the session's configuration object, or NULL */
};

struct import_snapshot {
	int64_t index;              /* 1-based position in the file, for messages */
	int64_t source_id;          /* its id in the exporting store (0: none given) */
	const char *session;
	int64_t created_at;         /* ms */
	ss_origin origin;
	const char *const *tags;
	size_t n_tags;
	bool pinned;
	const char *description;    /* NULL: none */
	const char *checksum;       /* lower-case hex, verified against state */
	const json_t *state;        /* borrowed for the call */
};

struct import_sink {
	ss_status (*session)(void *ctx, const struct import_session *s);
	ss_status (*snapshot)(void *ctx, const struct import_snapshot *s);
	void *ctx;
};

/* The first bytes of the binary format (docs/binary-format.md). */
bool import_is_binary(const void *data, size_t len);

ss_status import_read_json(ss_manager *mgr, const char *data, size_t len, const char *what,
                           const struct import_sink *sink);
ss_status import_read_binary(ss_manager *mgr, const char *data, size_t len, const char *what,
                             const struct import_sink *sink);

/* The binary export (export_binary.c), called by ss_export(). */
ss_status export_binary(ss_manager *mgr, const ss_query *q, const int64_t *ids, size_t n_ids,
                        const char *path, bool force, ss_progress_fn progress, void *user_data,
                        int64_t *written);

#endif
