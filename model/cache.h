/*
 * cache.h - an LRU cache of reconstructed states, bounded in bytes (the
 * "hybrid" store type).  Keys are snapshot ids; values are json_t states
 * held by reference.  The cost of an entry is what the caller says it is
 * (the state's raw size): counting jansson's real allocation would cost a
 * walk of the tree, and the raw size tracks it closely enough for a bound.
 *
 * Not thread-safe: it belongs to one manager, used by one thread at a time.
 */
#ifndef SS_CACHE_H
#define SS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct ss_cache ss_cache;

/* A cache holding at most `capacity` bytes of cost.  NULL when out of memory. */
ss_cache *ss_cache_new(size_t capacity);

/* Release every entry and the cache.  NULL is fine. */
void ss_cache_free(ss_cache *c);

/* The state cached for `id` as a new reference (caller decrefs), marked most
 * recently used; NULL on a miss. */
json_t *ss_cache_get(ss_cache *c, int64_t id);

/*
 * Cache `state` (a reference is taken) for `id` at `cost` bytes, replacing
 * any entry for the id, then evict least recently used entries until the
 * total fits.  An entry costlier than the whole capacity is not kept.
 * Returns 0, or -1 when out of memory (the cache is unchanged then).
 */
int ss_cache_put(ss_cache *c, int64_t id, json_t *state, size_t cost);

/* Drop the entry for `id`, if any. */
void ss_cache_remove(ss_cache *c, int64_t id);

/* Drop everything. */
void ss_cache_clear(ss_cache *c);

/* Current entries and their total cost. */
size_t ss_cache_count(const ss_cache *c);
size_t ss_cache_bytes(const ss_cache *c);

#endif
