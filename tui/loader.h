/*
 * loader.h - reads snapshot states on a background thread, so that a large
 * state (inflate, parse, checksum: seconds at 50 MB) does not freeze the
 * browser.
 *
 * One thread with its own manager opened read-only on the browser's store
 * (a manager is single-threaded: the browser's is never shared), a request
 * slot of one (the latest request wins: stepping through the timeline loads
 * only where the user stopped) and a pipe the thread writes a byte to when
 * a result is ready, so the UI can poll it or wait on it with select().
 *
 * The state handed over is read-only, as every state in the browser is:
 * jansson's reference counts are atomic (JSON_HAVE_ATOMIC_BUILTINS), so the
 * loader's cache may drop its reference while the UI holds one.
 */
#ifndef LOADER_H
#define LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapscope.h"

struct loader;

/* A finished load. */
struct loader_result {
	int64_t id;
	json_t *state;              /* a reference of the taker's own; NULL unless SS_OK */
	ss_status status;
	char message[512];          /* ss_errmsg() of the load when it failed */
};

/* Open the store at `store_path` read-only and start the thread.  NULL on
 * failure with the reason in err. */
struct loader *loader_start(const char *store_path, char *err, size_t err_size);

/* Ask for snapshot `id` (0: nothing); replaces a request not yet begun.  A
 * load in progress finishes first (its result is then stale; see
 * loader_take). */
void loader_request(struct loader *ld, int64_t id);

/* The read end of the pipe (non-blocking): readable when a result may be
 * ready. */
int loader_fd(const struct loader *ld);

/* Empty the pipe and take the finished result, if any.  True with *out
 * filled when there was one (whatever its id: the caller drops a stale one,
 * and must json_decref out->state). */
bool loader_take(struct loader *ld, struct loader_result *out);

/* Stop the thread (after the load in progress), close its manager and pipe,
 * free a result nobody took.  NULL is fine. */
void loader_stop(struct loader *ld);

#endif
