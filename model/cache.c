/*
 * cache.c - LRU of states: an open-addressing hash table from id to entry,
 * and a doubly linked recency list through the entries.  Lookups, inserts
 * and evictions are O(1); the table grows by doubling and deletes use
 * backward-shift so no tombstones accumulate under churn.
 */
#include "cache.h"

#include <stdlib.h>

struct entry {
	int64_t id;
	json_t *state;
	size_t cost;
	struct entry *newer;        /* towards the most recently used */
	struct entry *older;
};

struct ss_cache {
	struct entry **slots;       /* hash table of entries, NULL = empty */
	size_t n_slots;             /* a power of two */
	size_t count;
	size_t bytes;
	size_t capacity;
	struct entry *newest;
	struct entry *oldest;
};

static size_t slot_of(const ss_cache *c, int64_t id)
{
	/* Fibonacci hashing spreads sequential ids over the table. */
	uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> 32) & (c->n_slots - 1);
}

ss_cache *ss_cache_new(size_t capacity)
{
	ss_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->n_slots = 64;
	c->slots = calloc(c->n_slots, sizeof *c->slots);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->capacity = capacity;
	return c;
}

static size_t find_slot(const ss_cache *c, int64_t id)
{
	size_t i = slot_of(c, id);
	while (c->slots[i] && c->slots[i]->id != id)
		i = (i + 1) & (c->n_slots - 1);
	return i;
}

static void list_unlink(ss_cache *c, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void list_push_newest(ss_cache *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
}

/* Remove the table slot i and close the gap (backward-shift deletion). */
static void table_delete(ss_cache *c, size_t i)
{
	size_t mask = c->n_slots - 1;
	c->slots[i] = NULL;
	for (size_t j = (i + 1) & mask; c->slots[j]; j = (j + 1) & mask) {
		size_t home = slot_of(c, c->slots[j]->id);
		/* Move j back into the hole when its home is not in (i, j]. */
		int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			c->slots[i] = c->slots[j];
			c->slots[j] = NULL;
			i = j;
		}
	}
}

static void entry_drop(ss_cache *c, size_t slot)
{
	struct entry *e = c->slots[slot];
	table_delete(c, slot);
	list_unlink(c, e);
	c->count--;
	c->bytes -= e->cost;
	json_decref(e->state);
	free(e);
}

static int table_grow(ss_cache *c)
{
	size_t old_n = c->n_slots;
	struct entry **old = c->slots;
	struct entry **slots = calloc(old_n * 2, sizeof *slots);
	if (!slots)
		return -1;
	c->slots = slots;
	c->n_slots = old_n * 2;
	for (size_t i = 0; i < old_n; i++)
		if (old[i])
			c->slots[find_slot(c, old[i]->id)] = old[i];
	free(old);
	return 0;
}

json_t *ss_cache_get(ss_cache *c, int64_t id)
{
	struct entry *e = c->slots[find_slot(c, id)];
	if (!e)
		return NULL;
	list_unlink(c, e);
	list_push_newest(c, e);
	return json_incref(e->state);
}

void ss_cache_remove(ss_cache *c, int64_t id)
{
	size_t i = find_slot(c, id);
	if (c->slots[i])
		entry_drop(c, i);
}

int ss_cache_put(ss_cache *c, int64_t id, json_t *state, size_t cost)
{
	ss_cache_remove(c, id);
	if (cost > c->capacity)
		return 0;
	/* Keep the load factor at or below one half. */
	if ((c->count + 1) * 2 > c->n_slots && table_grow(c) < 0)
		return -1;
	struct entry *e = malloc(sizeof *e);
	if (!e)
		return -1;
	e->id = id;
	e->state = json_incref(state);
	e->cost = cost;
	c->slots[find_slot(c, id)] = e;
	list_push_newest(c, e);
	c->count++;
	c->bytes += cost;
	while (c->bytes > c->capacity && c->oldest)
		entry_drop(c, find_slot(c, c->oldest->id));
	return 0;
}

void ss_cache_clear(ss_cache *c)
{
	while (c->oldest)
		entry_drop(c, find_slot(c, c->oldest->id));
}

void ss_cache_free(ss_cache *c)
{
	if (!c)
		return;
	ss_cache_clear(c);
	free(c->slots);
	free(c);
}

size_t ss_cache_count(const ss_cache *c)
{
	return c->count;
}

size_t ss_cache_bytes(const ss_cache *c)
{
	return c->bytes;
}
