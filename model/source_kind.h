/*
 * source_kind.h - what the kinds of source (source_command.c,
 * source_file.c) share with source.c: the handle around a kind's private
 * state.  Private to the model; ss_source.h is the public side.
 */
#ifndef SS_SOURCE_KIND_H
#define SS_SOURCE_KIND_H

#include "ss_source.h"

/* One poll of a kind's state, with ss_source_capture()'s contract. */
typedef ss_status (*source_poll_fn)(void *impl, json_t **state, char *reason,
                                    size_t reason_size);
typedef void (*source_release_fn)(void *impl);

/*
 * Make a source of a kind's state.  Takes ownership of `impl` and of
 * `description` (malloc()ed) whatever happens: on SS_NOMEM both are already
 * freed.  Can fail only for lack of memory.
 */
ss_status source_wrap(source_poll_fn poll, source_release_fn release, void *impl,
                      char *description, ss_source **out);

#endif
