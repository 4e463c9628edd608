/*
 * jtree.c - the folding JSON tree model (see jtree.h for the contract).
 *
 * Vocabulary: a cursor names one visible row: the chain of frames from the
 * root to a node (each frame the node and its index in its parent) plus a
 * flag for the closing row of an open container.  The visible rows are the
 * preorder of the document where only open containers are entered, each
 * open container followed by its closing row; vis_next/vis_prev step
 * through them touching only the frames they change, which is what keeps a
 * step O(1) and the whole model free of any per-document pass.
 *
 * Every cursor also carries the path of its node in a compact encoding
 * ('k' name NUL for a member, 'i' digits NUL for an element), with a hash
 * per frame computed as it is pushed, so asking "is this container open?"
 * is one hash-set lookup of a prefix, never a path formatting.  Member
 * names are C strings here: states hold no \u0000 (ss_state_parse rejects
 * it), so a NUL never occurs inside a name.
 *
 * jansson has no "previous member" for objects, so members of large
 * objects are reached through a table of their iterators built once per
 * object on first use and kept in a small LRU; small objects are walked.
 */
#include "jtree.h"

#include "snapscope.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_OBJECT 16         /* walk members up to this size, else a table */
#define TABLE_SLOTS 32          /* member tables kept (LRU) */
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

struct frame {
	json_t *node;
	size_t index;               /* position in the parent (0 for the root) */
	void *iter;                 /* object member: its iterator; else NULL */
	size_t enc_end;             /* this node's path is enc[0..enc_end) */
	uint64_t hash;              /* of that path */
};

struct cursor {
	struct frame *f;
	size_t n, cap;              /* n == 0: no document */
	char *enc;
	size_t enc_cap;
	bool close;                 /* the closing row of f[n-1] */
};

struct entry {
	uint64_t hash;
	char *key;                  /* NULL: empty slot */
	size_t len;
};

/* A set of encoded paths: open addressing, linear probing, at most half
 * full, deletion by backward shift (no tombstones to accumulate). */
struct pathset {
	struct entry *v;
	size_t n, cap;              /* cap: 0 or a power of two */
};

struct keytable {
	json_t *obj;                /* NULL: free slot */
	void **iters;
	size_t n;
	unsigned long used;
};

/* The search walks the whole document: a lighter stack than a cursor, with
 * no path encoding, which a row needs and a visited node does not. */
struct wframe {
	json_t *node;
	size_t index;
	void *iter;                 /* object member: its iterator; else NULL */
};

struct walk {
	struct wframe *f;
	size_t n, cap;
};

struct jtree {
	json_t *doc;                /* our reference; NULL: nothing shown */
	struct cursor top, focus;   /* the first row on screen, the focus */
	struct cursor tmp, tmp2;    /* scratch, kept to avoid allocating per call */
	size_t height;
	size_t focus_off;           /* rows from top to focus, < height */
	bool all;                   /* expand-all mode: the set lists closed paths */
	struct pathset set;
	char *query;                /* lower-cased search text, NULL: none */
	size_t query_len;
	bool q_integer, q_real;     /* the text could occur in an integer / a real */
	struct walk walk;           /* the search's stack */
	struct keytable tables[TABLE_SLOTS];
	unsigned long clock;
	bool nomem;
};

/* ---- small helpers ---------------------------------------------------------- */

static size_t csize(const json_t *v)
{
	if (json_is_object(v))
		return json_object_size(v);
	if (json_is_array(v))
		return json_array_size(v);
	return 0;
}

static uint64_t fnv(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* ---- path set ------------------------------------------------------------- */

static size_t set_slot(const struct pathset *s, const char *key, size_t len, uint64_t hash)
{
	size_t mask = s->cap - 1, i = (size_t)hash & mask;
	while (s->v[i].key && !(s->v[i].hash == hash && s->v[i].len == len &&
	                         memcmp(s->v[i].key, key, len) == 0))
		i = (i + 1) & mask;
	return i;
}

static bool set_has(const struct pathset *s, const char *key, size_t len, uint64_t hash)
{
	return s->cap && s->v[set_slot(s, key, len, hash)].key != NULL;
}

static bool set_grow(struct pathset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct entry *v = calloc(cap, sizeof *v);
	if (!v)
		return false;
	struct pathset n = { v, s->n, cap };
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].key)
			n.v[set_slot(&n, s->v[i].key, s->v[i].len, s->v[i].hash)] = s->v[i];
	free(s->v);
	*s = n;
	return true;
}

static bool set_add(struct pathset *s, const char *key, size_t len, uint64_t hash)
{
	if ((s->n + 1) * 2 > s->cap && !set_grow(s))
		return false;
	size_t i = set_slot(s, key, len, hash);
	if (s->v[i].key)
		return true;
	char *copy = malloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, key, len);
	copy[len] = '\0';
	s->v[i] = (struct entry){ hash, copy, len };
	s->n++;
	return true;
}

static void set_remove(struct pathset *s, const char *key, size_t len, uint64_t hash)
{
	if (!s->cap)
		return;
	size_t mask = s->cap - 1, i = set_slot(s, key, len, hash);
	if (!s->v[i].key)
		return;
	free(s->v[i].key);
	s->v[i].key = NULL;
	s->n--;
	/* Pull later members of the cluster back over the hole when their
	 * home slot does not lie between the hole and where they sit. */
	for (size_t j = (i + 1) & mask; s->v[j].key; j = (j + 1) & mask) {
		size_t home = (size_t)s->v[j].hash & mask;
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			s->v[i] = s->v[j];
			s->v[j].key = NULL;
			i = j;
		}
	}
}

static void set_clear(struct pathset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i].key);
	free(s->v);
	*s = (struct pathset){ 0 };
}

/* ---- member tables ---------------------------------------------------------- */

static void tables_clear(struct jtree *t)
{
	for (size_t i = 0; i < TABLE_SLOTS; i++) {
		free(t->tables[i].iters);
		t->tables[i] = (struct keytable){ 0 };
	}
}

static struct keytable *table_for(struct jtree *t, json_t *obj)
{
	struct keytable *victim = &t->tables[0];
	for (size_t i = 0; i < TABLE_SLOTS; i++) {
		if (t->tables[i].obj == obj) {
			t->tables[i].used = ++t->clock;
			return &t->tables[i];
		}
		if (t->tables[i].used < victim->used)
			victim = &t->tables[i];
	}
	size_t n = json_object_size(obj);
	void **iters = malloc((n ? n : 1) * sizeof *iters);
	if (!iters) {
		t->nomem = true;
		return NULL;
	}
	size_t k = 0;
	for (void *it = json_object_iter(obj); it && k < n; it = json_object_iter_next(obj, it))
		iters[k++] = it;
	free(victim->iters);
	*victim = (struct keytable){ obj, iters, k, ++t->clock };
	return victim;
}

/* Child i of `parent` (NULL when out of range); *iter its member iterator. */
static json_t *child_at(struct jtree *t, json_t *parent, size_t i, void **iter)
{
	*iter = NULL;
	if (json_is_array(parent))
		return json_array_get(parent, i);
	size_t n = json_object_size(parent);
	if (i >= n)
		return NULL;
	void *it;
	if (n <= SMALL_OBJECT) {
		it = json_object_iter(parent);
		for (size_t k = 0; k < i && it; k++)
			it = json_object_iter_next(parent, it);
	} else {
		struct keytable *kt = table_for(t, parent);
		if (!kt || i >= kt->n)
			return NULL;
		it = kt->iters[i];
	}
	*iter = it;
	return it ? json_object_iter_value(it) : NULL;
}

/* The index of member `key` in `obj`, or (size_t)-1. */
static size_t member_index(struct jtree *t, json_t *obj, const char *key)
{
	void *want = json_object_iter_at(obj, key);
	if (!want)
		return (size_t)-1;
	size_t n = json_object_size(obj);
	if (n <= SMALL_OBJECT) {
		size_t k = 0;
		for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), k++)
			if (it == want)
				return k;
		return (size_t)-1;
	}
	struct keytable *kt = table_for(t, obj);
	for (size_t k = 0; kt && k < kt->n; k++)
		if (kt->iters[k] == want)
			return k;
	return (size_t)-1;
}

/* ---- cursors -------------------------------------------------------------- */

static struct frame *top_of(const struct cursor *c)
{
	return &c->f[c->n - 1];
}

static void cur_free(struct cursor *c)
{
	free(c->f);
	free(c->enc);
	*c = (struct cursor){ 0 };
}

static bool cur_reserve(struct cursor *c, size_t frames, size_t bytes)
{
	if (frames > c->cap) {
		size_t cap = c->cap ? c->cap : 16;
		while (cap < frames)
			cap *= 2;
		struct frame *f = realloc(c->f, cap * sizeof *f);
		if (!f)
			return false;
		c->f = f;
		c->cap = cap;
	}
	if (bytes > c->enc_cap) {
		size_t cap = c->enc_cap ? c->enc_cap : 256;
		while (cap < bytes)
			cap *= 2;
		char *e = realloc(c->enc, cap);
		if (!e)
			return false;
		c->enc = e;
		c->enc_cap = cap;
	}
	return true;
}

static bool cur_root(struct jtree *t, struct cursor *c)
{
	c->n = 0;
	c->close = false;
	if (!t->doc)
		return true;
	if (!cur_reserve(c, 1, 1)) {
		t->nomem = true;
		return false;
	}
	c->f[0] = (struct frame){ t->doc, 0, NULL, 0, FNV_OFFSET };
	c->n = 1;
	return true;
}

static bool cur_copy(struct jtree *t, struct cursor *dst, const struct cursor *src)
{
	size_t bytes = src->n ? top_of(src)->enc_end : 0;
	if (!cur_reserve(dst, src->n, bytes + 1)) {
		t->nomem = true;
		return false;
	}
	if (src->n)
		memcpy(dst->f, src->f, src->n * sizeof *src->f);
	if (bytes)
		memcpy(dst->enc, src->enc, bytes);
	dst->n = src->n;
	dst->close = src->close;
	return true;
}

/* Append child i of the top node (which must be a container).  False when
 * it does not exist or out of memory; the cursor is unchanged then. */
static bool cur_push(struct jtree *t, struct cursor *c, size_t i)
{
	struct frame *parent = top_of(c);
	void *iter;
	json_t *child = child_at(t, parent->node, i, &iter);
	if (!child)
		return false;
	char num[24];
	const char *seg;
	size_t seg_len;
	char tag;
	if (iter) {
		tag = 'k';
		seg = json_object_iter_key(iter);
		seg_len = strlen(seg);
	} else {
		tag = 'i';
		seg_len = (size_t)snprintf(num, sizeof num, "%zu", i);
		seg = num;
	}
	size_t start = parent->enc_end, end = start + seg_len + 2;
	if (!cur_reserve(c, c->n + 1, end + 1)) {
		t->nomem = true;
		return false;
	}
	parent = top_of(c); /* the frames may have moved */
	c->enc[start] = tag;
	memcpy(c->enc + start + 1, seg, seg_len);
	c->enc[end - 1] = '\0';
	uint64_t h = fnv(parent->hash, c->enc + start, end - start);
	c->f[c->n++] = (struct frame){ child, i, iter, end, h };
	c->close = false;
	return true;
}

static void cur_pop(struct cursor *c)
{
	if (c->n > 1)
		c->n--;
	c->close = false;
}

/* Move the top frame to sibling i (n >= 2).  The next member of an object
 * comes from its iterator, without a table. */
static bool cur_sibling(struct jtree *t, struct cursor *c, size_t i)
{
	struct frame *f = top_of(c), *parent = &c->f[c->n - 2];
	if (f->iter && i == f->index + 1) {
		void *it = json_object_iter_next(parent->node, f->iter);
		if (!it)
			return false;
		const char *key = json_object_iter_key(it);
		size_t klen = strlen(key), start = parent->enc_end, end = start + klen + 2;
		if (!cur_reserve(c, c->n, end + 1)) {
			t->nomem = true;
			return false;
		}
		f = top_of(c);
		parent = &c->f[c->n - 2];
		c->enc[start] = 'k';
		memcpy(c->enc + start + 1, key, klen);
		c->enc[end - 1] = '\0';
		*f = (struct frame){ json_object_iter_value(it), i, it, end,
		                     fnv(parent->hash, c->enc + start, end - start) };
		c->close = false;
		return true;
	}
	struct frame saved = *f;
	c->n--;
	if (!cur_push(t, c, i)) {
		c->f[c->n++] = saved;
		return false;
	}
	return true;
}

/* Document order of two rows of the same document: <0, 0, >0. */
static int cur_cmp(const struct cursor *a, const struct cursor *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t k = 1; k < n; k++)
		if (a->f[k].index != b->f[k].index)
			return a->f[k].index < b->f[k].index ? -1 : 1;
	if (a->n == b->n)
		return a->close == b->close ? 0 : a->close ? 1 : -1;
	/* One is an ancestor of the other: its opening row comes first, its
	 * closing row last. */
	if (a->n < b->n)
		return a->close ? 1 : -1;
	return b->close ? -1 : 1;
}

/* ---- fold state ----------------------------------------------------------- */

/* Is the container at frame k of c open? */
static bool frame_open(const struct jtree *t, const struct cursor *c, size_t k)
{
	const struct frame *f = &c->f[k];
	if (csize(f->node) == 0)
		return false;
	return t->all != set_has(&t->set, c->enc, f->enc_end, f->hash);
}

static bool is_open(const struct jtree *t, const struct cursor *c)
{
	return frame_open(t, c, c->n - 1);
}

static bool set_open(struct jtree *t, const struct cursor *c, size_t k, bool open)
{
	const struct frame *f = &c->f[k];
	if (open != t->all) {
		if (!set_add(&t->set, c->enc, f->enc_end, f->hash)) {
			t->nomem = true;
			return false;
		}
	} else {
		set_remove(&t->set, c->enc, f->enc_end, f->hash);
	}
	return true;
}

/* ---- visible rows --------------------------------------------------------- */

static bool vis_next(struct jtree *t, struct cursor *c)
{
	if (!c->n)
		return false;
	if (!c->close && is_open(t, c))
		return cur_push(t, c, 0);
	if (c->n == 1)
		return false;
	struct frame *f = top_of(c);
	if (f->index + 1 < csize(c->f[c->n - 2].node))
		return cur_sibling(t, c, f->index + 1);
	cur_pop(c);
	c->close = true;
	return true;
}

static bool vis_prev(struct jtree *t, struct cursor *c)
{
	if (!c->n)
		return false;
	if (c->close) {
		/* The row before a closing row is the last child's last row. */
		if (!cur_push(t, c, csize(top_of(c)->node) - 1))
			return false;
		c->close = is_open(t, c);
		return true;
	}
	if (c->n == 1)
		return false;
	size_t i = top_of(c)->index;
	if (i > 0) {
		if (!cur_sibling(t, c, i - 1))
			return false;
		c->close = is_open(t, c);
		return true;
	}
	cur_pop(c);
	return true;
}

/* Cut a cursor back to its deepest visible row: an ancestor that is no
 * longer open becomes the row itself. */
static void snap_visible(const struct jtree *t, struct cursor *c)
{
	for (size_t k = 0; k + 1 < c->n; k++) {
		if (!frame_open(t, c, k)) {
			c->n = k + 1;
			c->close = false;
			return;
		}
	}
	if (c->n && c->close && !is_open(t, c))
		c->close = false;
}

/* Put the focus `off` rows below the top of the view (fewer near the start). */
static void place_focus(struct jtree *t, size_t off)
{
	if (!cur_copy(t, &t->top, &t->focus))
		return;
	size_t d = 0;
	while (d < off && vis_prev(t, &t->top))
		d++;
	t->focus_off = d;
}

/*
 * Restore the view's invariants after any change: both cursors on visible
 * rows, the focus within the view (the view scrolls the least it must),
 * and no empty rows at the bottom while there are rows above the top.
 */
static void settle(struct jtree *t)
{
	if (!t->doc)
		return;
	snap_visible(t, &t->focus);
	snap_visible(t, &t->top);
	if (cur_cmp(&t->focus, &t->top) < 0) {
		cur_copy(t, &t->top, &t->focus);
		t->focus_off = 0;
	} else {
		bool found = false;
		if (cur_copy(t, &t->tmp, &t->top)) {
			for (size_t d = 0; d < t->height; d++) {
				if (cur_cmp(&t->tmp, &t->focus) == 0) {
					t->focus_off = d;
					found = true;
					break;
				}
				if (!vis_next(t, &t->tmp))
					break;
			}
		}
		if (!found)
			place_focus(t, t->height - 1);
	}
	/* Fill the view from above when its end came into sight. */
	if (!cur_copy(t, &t->tmp, &t->top))
		return;
	size_t rows = 1;
	while (rows < t->height && vis_next(t, &t->tmp))
		rows++;
	while (rows < t->height && vis_prev(t, &t->top)) {
		rows++;
		t->focus_off++;
	}
}

/* After a jump: keep the view when the focus is in it, else show the focus
 * a third of the way down, with what leads to it above. */
static void settle_jump(struct jtree *t)
{
	snap_visible(t, &t->focus);
	snap_visible(t, &t->top);
	bool inside = false;
	if (cur_cmp(&t->focus, &t->top) >= 0 && cur_copy(t, &t->tmp, &t->top)) {
		for (size_t d = 0; d < t->height && !inside; d++) {
			inside = cur_cmp(&t->tmp, &t->focus) == 0;
			if (!inside && !vis_next(t, &t->tmp))
				break;
		}
	}
	if (!inside)
		place_focus(t, t->height / 3);
	settle(t);
}

/* ---- life ----------------------------------------------------------------- */

struct jtree *jtree_new(void)
{
	struct jtree *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->height = 1;
	/* The top level open: the root's path is the empty string. */
	if (!set_add(&t->set, "", 0, FNV_OFFSET)) {
		free(t);
		return NULL;
	}
	return t;
}

void jtree_free(struct jtree *t)
{
	if (!t)
		return;
	json_decref(t->doc);
	cur_free(&t->top);
	cur_free(&t->focus);
	cur_free(&t->tmp);
	cur_free(&t->tmp2);
	set_clear(&t->set);
	tables_clear(t);
	free(t->query);
	free(t->walk.f);
	free(t);
}

bool jtree_nomem(const struct jtree *t)
{
	return t->nomem;
}

/* Follow the encoded path enc[0..len) in the current document from the
 * root, as far as it exists and is visible. */
static void resolve(struct jtree *t, struct cursor *c, const char *enc, size_t len, bool close)
{
	if (!cur_root(t, c) || !c->n)
		return;
	size_t pos = 0;
	while (pos < len) {
		const char *seg = enc + pos + 1;
		size_t seg_len = strlen(seg);
		if (!is_open(t, c))
			return;
		json_t *node = top_of(c)->node;
		size_t idx = (size_t)-1;
		if (enc[pos] == 'k' && json_is_object(node)) {
			idx = member_index(t, node, seg);
		} else if (enc[pos] == 'i' && json_is_array(node)) {
			char *end;
			unsigned long long v = strtoull(seg, &end, 10);
			if (*end == '\0' && v < json_array_size(node))
				idx = (size_t)v;
		}
		if (idx == (size_t)-1 || !cur_push(t, c, idx))
			return;
		pos += seg_len + 2;
	}
	c->close = close && is_open(t, c);
}

bool jtree_set_doc(struct jtree *t, json_t *doc)
{
	/* The old focus, to find again in the new document. */
	size_t len = t->focus.n ? top_of(&t->focus)->enc_end : 0;
	char *saved = malloc(len + 1);
	if (!saved) {
		t->nomem = true;
		return false;
	}
	if (len)
		memcpy(saved, t->focus.enc, len);
	bool close = t->focus.n && t->focus.close;
	size_t off = t->focus_off;

	json_incref(doc);
	json_decref(t->doc);
	t->doc = doc;
	t->nomem = false;
	tables_clear(t); /* their iterators point into the old document */
	resolve(t, &t->focus, saved, len, close);
	free(saved);
	cur_root(t, &t->top);
	t->focus_off = 0;
	if (t->doc) {
		place_focus(t, off);
		settle(t);
	}
	return !t->nomem;
}

void jtree_set_height(struct jtree *t, size_t height)
{
	t->height = height ? height : 1;
	settle(t);
}

size_t jtree_focus_offset(const struct jtree *t)
{
	return t->focus_off;
}

/* ---- search matching ------------------------------------------------------ */

static bool ci_contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen > hlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t k = 0;
		while (k < nlen && tolower((unsigned char)hay[i + k]) == (unsigned char)needle[k])
			k++;
		if (k == nlen)
			return true;
	}
	return false;
}

/* Does a node (its member name `key`, NULL for none, and its value) match
 * the search text?  Numbers are formatted only when the text could occur
 * in one: most searches are words, and a walk meets millions of numbers. */
static bool value_matches(const struct jtree *t, const char *key, const json_t *v)
{
	if (!t->query_len)
		return false;
	if (key && ci_contains(key, strlen(key), t->query, t->query_len))
		return true;
	char buf[32];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return ci_contains(json_string_value(v), json_string_length(v), t->query, t->query_len);
	case JSON_INTEGER: {
		if (!t->q_integer)
			return false;
		int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return n > 0 && ci_contains(buf, (size_t)n, t->query, t->query_len);
	}
	case JSON_REAL: {
		if (!t->q_real)
			return false;
		size_t n;
		char *s = ss_json_dump(v, 0, &n);
		bool m = s && ci_contains(s, n, t->query, t->query_len);
		free(s);
		return m;
	}
	case JSON_TRUE:
		return ci_contains("true", 4, t->query, t->query_len);
	case JSON_FALSE:
		return ci_contains("false", 5, t->query, t->query_len);
	case JSON_NULL:
		return ci_contains("null", 4, t->query, t->query_len);
	default:
		return false;
	}
}

static bool node_matches(const struct jtree *t, const struct cursor *c)
{
	const struct frame *f = top_of(c);
	return value_matches(t, f->iter ? json_object_iter_key(f->iter) : NULL, f->node);
}

/* ---- rows ----------------------------------------------------------------- */

static void fill_row(const struct jtree *t, const struct cursor *c, struct jtree_row *r)
{
	const struct frame *f = top_of(c);
	size_t n = csize(f->node);
	*r = (struct jtree_row){ 0 };
	if (json_is_object(f->node) || json_is_array(f->node))
		r->kind = n == 0 ? JTREE_EMPTY : c->close ? JTREE_CLOSE
		        : is_open(t, c) ? JTREE_OPEN : JTREE_FOLDED;
	else
		r->kind = JTREE_SCALAR;
	r->depth = c->n - 1;
	if (f->iter) {
		r->key = json_object_iter_key(f->iter);
		r->key_len = strlen(r->key);
	}
	r->index = f->index;
	r->value = f->node;
	r->count = n;
	r->last = c->n == 1 || f->index + 1 >= csize(c->f[c->n - 2].node);
	r->match = r->kind != JTREE_CLOSE && node_matches(t, c);
}

size_t jtree_rows(struct jtree *t, struct jtree_row *rows, size_t max)
{
	if (!t->doc || !cur_copy(t, &t->tmp2, &t->top))
		return 0;
	size_t n = 0;
	while (n < max && n < t->height) {
		fill_row(t, &t->tmp2, &rows[n]);
		rows[n].focused = n == t->focus_off;
		n++;
		if (!vis_next(t, &t->tmp2))
			break;
	}
	return n;
}

/* ---- moving --------------------------------------------------------------- */

void jtree_move(struct jtree *t, long n)
{
	if (!t->doc)
		return;
	for (; n > 0 && vis_next(t, &t->focus); n--)
		;
	for (; n < 0 && vis_prev(t, &t->focus); n++)
		;
	settle(t);
}

void jtree_first(struct jtree *t)
{
	if (!t->doc)
		return;
	cur_root(t, &t->focus);
	cur_root(t, &t->top);
	t->focus_off = 0;
	settle(t);
}

void jtree_last(struct jtree *t)
{
	if (!t->doc)
		return;
	cur_root(t, &t->focus);
	t->focus.close = is_open(t, &t->focus);
	place_focus(t, t->height - 1);
	settle(t);
}

bool jtree_focus_at(struct jtree *t, size_t offset)
{
	if (!t->doc || offset >= t->height || !cur_copy(t, &t->tmp, &t->top))
		return false;
	for (size_t d = 0; d < offset; d++)
		if (!vis_next(t, &t->tmp))
			return false;
	if (!cur_copy(t, &t->focus, &t->tmp))
		return false;
	t->focus_off = offset;
	return true;
}

/* ---- folding -------------------------------------------------------------- */

bool jtree_toggle(struct jtree *t)
{
	if (!t->doc || csize(top_of(&t->focus)->node) == 0)
		return true;
	bool open = is_open(t, &t->focus);
	bool ok = set_open(t, &t->focus, t->focus.n - 1, !open);
	if (ok)
		t->focus.close = false;
	settle(t);
	return ok;
}

bool jtree_collapse(struct jtree *t)
{
	if (!t->doc)
		return true;
	bool ok = true;
	if (is_open(t, &t->focus)) {
		ok = set_open(t, &t->focus, t->focus.n - 1, false);
		if (ok)
			t->focus.close = false;
	} else {
		cur_pop(&t->focus);
	}
	settle(t);
	return ok;
}

bool jtree_expand(struct jtree *t)
{
	if (!t->doc || csize(top_of(&t->focus)->node) == 0)
		return true;
	bool ok = true;
	if (!is_open(t, &t->focus))
		ok = set_open(t, &t->focus, t->focus.n - 1, true);
	else if (!t->focus.close)
		vis_next(t, &t->focus);
	settle(t);
	return ok;
}

bool jtree_expand_all(struct jtree *t)
{
	t->all = true;
	set_clear(&t->set);
	settle(t);
	return true;
}

bool jtree_collapse_all(struct jtree *t)
{
	t->all = false;
	set_clear(&t->set);
	bool ok = set_add(&t->set, "", 0, FNV_OFFSET);
	if (!ok)
		t->nomem = true;
	settle(t);
	return ok;
}

/* ---- search --------------------------------------------------------------- */

bool jtree_set_search(struct jtree *t, const char *text)
{
	size_t len = strlen(text);
	char *q = NULL;
	if (len) {
		q = malloc(len + 1);
		if (!q) {
			t->nomem = true;
			return false;
		}
		for (size_t i = 0; i <= len; i++)
			q[i] = (char)tolower((unsigned char)text[i]);
	}
	free(t->query);
	t->query = q;
	t->query_len = len;
	/* A real is written with digits, '.', 'e', '+', '-' (Python's repr:
	 * also "inf"/"nan" never occur: states reject them). */
	t->q_integer = t->q_real = len > 0;
	for (size_t i = 0; i < len; i++) {
		char c = q[i];
		bool digit = (c >= '0' && c <= '9') || c == '-';
		t->q_integer = t->q_integer && digit;
		t->q_real = t->q_real && (digit || c == '.' || c == 'e' || c == '+');
	}
	return true;
}

const char *jtree_search_text(const struct jtree *t)
{
	return t->query ? t->query : "";
}

static bool walk_push(struct jtree *t, struct walk *w, json_t *node, size_t index, void *iter)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct wframe *f = realloc(w->f, cap * sizeof *f);
		if (!f) {
			t->nomem = true;
			return false;
		}
		w->f = f;
		w->cap = cap;
	}
	w->f[w->n++] = (struct wframe){ node, index, iter };
	return true;
}

/* Preorder over every node, folds ignored; false when it wrapped (to the
 * root going forward, to the last node going backward) or ran out of
 * memory (t->nomem).  Forward steps use the member iterators directly. */
static bool walk_next(struct jtree *t, struct walk *w)
{
	json_t *node = w->f[w->n - 1].node;
	if (json_is_array(node) && json_array_size(node))
		return walk_push(t, w, json_array_get(node, 0), 0, NULL);
	if (json_is_object(node) && json_object_size(node)) {
		void *it = json_object_iter(node);
		return walk_push(t, w, json_object_iter_value(it), 0, it);
	}
	while (w->n > 1) {
		struct wframe *f = &w->f[w->n - 1];
		json_t *parent = w->f[w->n - 2].node;
		if (f->index + 1 < csize(parent)) {
			f->index++;
			if (f->iter) {
				f->iter = json_object_iter_next(parent, f->iter);
				f->node = json_object_iter_value(f->iter);
			} else {
				f->node = json_array_get(parent, f->index);
			}
			return true;
		}
		w->n--;
	}
	return false;
}

static bool walk_descend_last(struct jtree *t, struct walk *w)
{
	size_t n;
	while ((n = csize(w->f[w->n - 1].node)) > 0) {
		void *iter;
		json_t *child = child_at(t, w->f[w->n - 1].node, n - 1, &iter);
		if (!child || !walk_push(t, w, child, n - 1, iter))
			return false;
	}
	return true;
}

static bool walk_prev(struct jtree *t, struct walk *w)
{
	if (w->n == 1) {
		walk_descend_last(t, w);
		return false;
	}
	struct wframe *f = &w->f[w->n - 1];
	if (f->index > 0) {
		void *iter;
		json_t *child = child_at(t, w->f[w->n - 2].node, f->index - 1, &iter);
		if (!child)
			return false;
		*f = (struct wframe){ child, f->index - 1, iter };
		return walk_descend_last(t, w);
	}
	w->n--;
	return true;
}

/* Is the walk on the focused node? */
static bool walk_at_focus(const struct walk *w, const struct cursor *focus)
{
	if (w->n != focus->n)
		return false;
	for (size_t k = w->n; k-- > 1;)
		if (w->f[k].index != focus->f[k].index)
			return false;
	return true;
}

bool jtree_search_next(struct jtree *t, bool forward, bool *wrapped)
{
	if (wrapped)
		*wrapped = false;
	if (!t->doc || !t->query_len)
		return false;
	struct walk *w = &t->walk;
	w->n = 0;
	for (size_t k = 0; k < t->focus.n; k++)
		if (!walk_push(t, w, t->focus.f[k].node, t->focus.f[k].index, t->focus.f[k].iter))
			return false;
	bool found = false;
	for (;;) {
		bool went_on = forward ? walk_next(t, w) : walk_prev(t, w);
		if (t->nomem)
			return false;
		if (!went_on && wrapped)
			*wrapped = true;
		const struct wframe *f = &w->f[w->n - 1];
		bool hit = value_matches(t, f->iter ? json_object_iter_key(f->iter) : NULL, f->node);
		if (walk_at_focus(w, &t->focus)) {
			/* Round the whole document: the focus itself is the
			 * only candidate left. */
			found = hit;
			break;
		}
		if (hit) {
			found = true;
			break;
		}
	}
	if (!found)
		return false;
	/* The match as a cursor (with its path), its ancestors opened. */
	if (!cur_root(t, &t->tmp))
		return false;
	for (size_t k = 1; k < w->n; k++)
		if (!cur_push(t, &t->tmp, w->f[k].index))
			return false;
	for (size_t k = 0; k + 1 < t->tmp.n; k++)
		if (!frame_open(t, &t->tmp, k) && !set_open(t, &t->tmp, k, true))
			return false;
	if (!cur_copy(t, &t->focus, &t->tmp))
		return false;
	settle_jump(t);
	return true;
}

/* ---- the focus ------------------------------------------------------------ */

bool jtree_focus_path(const struct jtree *t, ss_path *out)
{
	ss_path_clear(out);
	if (!t->doc || !t->focus.n)
		return false;
	for (size_t k = 1; k < t->focus.n; k++) {
		const struct frame *f = &t->focus.f[k];
		ss_status st = f->iter ? ss_path_push_key(out, json_object_iter_key(f->iter))
		                       : ss_path_push_index(out, (int64_t)f->index);
		if (st != SS_OK) {
			ss_path_clear(out);
			return false;
		}
	}
	return true;
}
