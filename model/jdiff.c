/*
 * jdiff.c - the structural diff of two JSON values (ss_diff.h).
 *
 * One explicit stack of frames walks both trees together, so depth costs
 * heap, never C stack.  Objects are compared key by key in the new
 * document's order; an array pair is first turned into an edit script (by
 * identity field, or by Myers over element hashes), which its frame then
 * plays in the new document's order.  Paths are kept as borrowed keys and
 * indices in the frames and copied into an ss_path only for a change.
 *
 * Element hashes are computed bottom-up without recursion and memoised per
 * container node, so nested arrays diffed level by level never rehash a
 * subtree (a 100k-deep chain of arrays stays linear).
 */
#include "ss_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "myers.h"
#include "snapscope.h"

#define MUT(v) ((json_t *)(v))  /* jansson's read accessors take non-const */
#define NONE SIZE_MAX

/* ---- hashing ------------------------------------------------------------ */

#define P1 0x9E3779B97F4A7C15ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Eight bytes a step: strings dominate states, byte-wise FNV is too slow. */
static uint64_t hash_bytes(const char *s, size_t len, uint64_t seed)
{
	uint64_t h = seed ^ (len * P1);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = rotl(h ^ (w * P2), 31) * P1;
		s += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, s, len);
	h = rotl(h ^ (w * P2), 31) * P1;
	return fmix(h);
}

static uint64_t scalar_hash(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return hash_bytes(json_string_value(v), json_string_length(v), P3);
	case JSON_INTEGER:
		return fmix((uint64_t)json_integer_value(v) ^ 0x5bd1e9955bd1e995ULL);
	case JSON_REAL: {
		double r = json_real_value(v);
		uint64_t b;
		if (r == 0)
			r = 0; /* -0.0 equals 0.0 for json_equal() */
		memcpy(&b, &r, sizeof b);
		return fmix(b ^ 0x27d4eb2f165667c5ULL);
	}
	case JSON_TRUE:
		return 0x3c6ef372fe94f82bULL;
	case JSON_FALSE:
		return 0xa54ff53a5f1d36f1ULL;
	default:
		return 0x510e527fade682d1ULL;
	}
}

static bool is_container(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

/* Type and value for scalars, type and size for containers. */
static bool shallow_equal(const json_t *a, const json_t *b)
{
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		return json_object_size(a) == json_object_size(b);
	case JSON_ARRAY:
		return json_array_size(a) == json_array_size(b);
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_INTEGER:
		return json_integer_value(a) == json_integer_value(b);
	case JSON_REAL:
		return json_real_value(a) == json_real_value(b);
	default:
		return true;
	}
}

/* Container hashes by node address, for the duration of one diff. */
struct memo {
	const json_t **keys;
	uint64_t *vals;
	size_t cap, n;
};

static size_t memo_slot(const struct memo *m, const json_t *k)
{
	size_t i = (size_t)fmix((uint64_t)(uintptr_t)k) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool memo_get(const struct memo *m, const json_t *k, uint64_t *v)
{
	if (m->n == 0)
		return false;
	size_t i = memo_slot(m, k);
	if (!m->keys[i])
		return false;
	*v = m->vals[i];
	return true;
}

static ss_status memo_put(struct memo *m, const json_t *k, uint64_t v)
{
	if (2 * (m->n + 1) > m->cap) {
		struct memo g = { .cap = m->cap ? m->cap * 2 : 256 };
		g.keys = calloc(g.cap, sizeof *g.keys);
		g.vals = malloc(g.cap * sizeof *g.vals);
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return SS_NOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t s = memo_slot(&g, m->keys[i]);
			g.keys[s] = m->keys[i];
			g.vals[s] = m->vals[i];
		}
		g.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	size_t i = memo_slot(m, k);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
	return SS_OK;
}

static void memo_free(struct memo *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct memo){ 0 };
}

/* A growable stack of fixed-size frames (hashing, equality). */
struct vstack {
	void *items;
	size_t n, cap;
};

static void *vstack_push(struct vstack *s, size_t size)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		void *items = realloc(s->items, cap * size);
		if (!items)
			return NULL;
		s->items = items;
		s->cap = cap;
	}
	return (char *)s->items + size * s->n++;
}

struct hframe {
	const json_t *v;
	void *it;           /* object: next member */
	size_t idx;         /* array: next element */
	uint64_t acc;
	uint64_t khash;     /* object: the key of the member being hashed */
};

static void hash_fold(struct hframe *f, uint64_t h)
{
	if (json_is_array(f->v))
		f->acc = (rotl(f->acc, 23) ^ h) * P1;
	else /* members in any order: a commutative sum */
		f->acc += fmix(f->khash ^ (rotl(h, 29) * P2));
}

static uint64_t hash_final(const struct hframe *f)
{
	if (json_is_array(f->v))
		return fmix(f->acc ^ (json_array_size(f->v) * P3) ^ 0x1f83d9abfb41bd6bULL);
	return fmix(f->acc ^ (json_object_size(f->v) * P1) ^ 0x5be0cd19137e2179ULL);
}

/* The hash of v, key order ignored; every container inside is memoised. */
static ss_status value_hash(struct memo *memo, struct vstack *st, const json_t *v, uint64_t *out)
{
	if (!is_container(v)) {
		*out = scalar_hash(v);
		return SS_OK;
	}
	if (memo_get(memo, v, out))
		return SS_OK;
	st->n = 0;
	struct hframe *f = vstack_push(st, sizeof *f);
	if (!f)
		return SS_NOMEM;
	*f = (struct hframe){ .v = v, .it = json_is_object(v) ? json_object_iter(MUT(v)) : NULL };
	for (;;) {
		f = (struct hframe *)st->items + st->n - 1;
		const json_t *child = NULL;
		if (json_is_array(f->v)) {
			if (f->idx < json_array_size(f->v))
				child = json_array_get(f->v, f->idx++);
		} else if (f->it) {
			const char *k = json_object_iter_key(f->it);
			f->khash = hash_bytes(k, json_object_iter_key_len(f->it), P2);
			child = json_object_iter_value(f->it);
			f->it = json_object_iter_next(MUT(f->v), f->it);
		}
		if (child) {
			uint64_t h;
			if (!is_container(child)) {
				hash_fold(f, scalar_hash(child));
			} else if (memo_get(memo, child, &h)) {
				hash_fold(f, h);
			} else {
				struct hframe *cf = vstack_push(st, sizeof *cf);
				if (!cf)
					return SS_NOMEM;
				*cf = (struct hframe){
					.v = child,
					.it = json_is_object(child) ? json_object_iter(MUT(child)) : NULL,
				};
			}
			continue;
		}
		uint64_t h = hash_final(f);
		if (memo_put(memo, f->v, h) != SS_OK)
			return SS_NOMEM;
		st->n--;
		if (st->n == 0) {
			*out = h;
			return SS_OK;
		}
		hash_fold((struct hframe *)st->items + st->n - 1, h);
	}
}

/* ---- equality ----------------------------------------------------------- */

struct eframe {
	const json_t *a, *b;
	void *it;
	size_t idx;
};

/*
 * 1 when equal, 0 when not, -1 out of memory.  Memoised hashes (when given)
 * prove inequality early; equal hashes still compare every node.
 */
static int equal_walk(struct vstack *st, const struct memo *memo, const json_t *a, const json_t *b)
{
	if (a == b)
		return 1;
	if (!a || !b || !shallow_equal(a, b))
		return 0;
	if (!is_container(a))
		return 1;
	st->n = 0;
	struct eframe *f = vstack_push(st, sizeof *f);
	if (!f)
		return -1;
	*f = (struct eframe){ .a = a, .b = b, .it = json_is_object(a) ? json_object_iter(MUT(a)) : NULL };
	while (st->n > 0) {
		f = (struct eframe *)st->items + st->n - 1;
		const json_t *ca, *cb;
		if (json_is_array(f->a)) {
			if (f->idx == json_array_size(f->a)) {
				st->n--;
				continue;
			}
			ca = json_array_get(f->a, f->idx);
			cb = json_array_get(f->b, f->idx);
			f->idx++;
		} else {
			if (!f->it) {
				st->n--;
				continue;
			}
			ca = json_object_iter_value(f->it);
			cb = json_object_getn(f->b, json_object_iter_key(f->it), json_object_iter_key_len(f->it));
			f->it = json_object_iter_next(MUT(f->a), f->it);
			if (!cb)
				return 0;
		}
		if (ca == cb)
			continue;
		if (!shallow_equal(ca, cb))
			return 0;
		if (!is_container(ca))
			continue;
		uint64_t ha, hb;
		if (memo && memo_get(memo, ca, &ha) && memo_get(memo, cb, &hb) && ha != hb)
			return 0;
		struct eframe *cf = vstack_push(st, sizeof *cf);
		if (!cf)
			return -1;
		*cf = (struct eframe){ .a = ca, .b = cb,
		                       .it = json_is_object(ca) ? json_object_iter(MUT(ca)) : NULL };
	}
	return 1;
}

bool ss_json_equal(const json_t *a, const json_t *b)
{
	struct vstack st = { 0 };
	int r = equal_walk(&st, NULL, a, b);
	free(st.items);
	if (r < 0) /* out of memory for the stack: jansson's recursive walk */
		return a && b && json_equal(MUT(a), MUT(b));
	return r == 1;
}

/* ---- patterns ----------------------------------------------------------- */

static bool seg_is_star(const ss_path_seg *p)
{
	return p->kind != SS_PATH_INDEX && p->key[0] == '*' && p->key[1] == '\0';
}

/* Pattern segment against a member `key` (NULL: the element `idx`). */
static bool seg_matches(const ss_path_seg *pat, const char *key, int64_t idx)
{
	if (seg_is_star(pat))
		return true;
	switch (pat->kind) {
	case SS_PATH_KEY:
		return key && strcmp(key, pat->key) == 0;
	case SS_PATH_INDEX:
		return !key && pat->index >= 0 && pat->index == idx;
	case SS_PATH_TOKEN:
		return key ? strcmp(key, pat->key) == 0 : pat->index >= 0 && pat->index == idx;
	}
	return false;
}

bool ss_path_matches(const ss_path *path, const ss_path *pattern)
{
	if (path->n != pattern->n)
		return false;
	for (size_t i = 0; i < path->n; i++) {
		const ss_path_seg *s = &path->segs[i];
		const ss_path_seg *p = &pattern->segs[i];
		bool ok;
		switch (s->kind) {
		case SS_PATH_KEY:
			ok = seg_matches(p, s->key, -1);
			break;
		case SS_PATH_INDEX:
			ok = seg_matches(p, NULL, s->index);
			break;
		default: /* an unbound pointer token: a member, or an index if it is one */
			ok = seg_matches(p, s->key, -1) || (s->index >= 0 && seg_matches(p, NULL, s->index));
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/*
 * jq syntax has no wildcard: `.*` and `[*]` become `."*"` and `["*"]` (a
 * key named "*", which matching treats as any segment).  Pointers need no
 * rewriting: `*` is a plain token there.
 */
static char *star_rewrite(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(3 * len + 1);
	if (!out)
		return NULL;
	char *o = out;
	bool in_str = false;
	for (const char *p = text; *p; p++) {
		if (in_str) {
			*o++ = *p;
			if (*p == '\\' && p[1])
				*o++ = *++p;
			else if (*p == '"')
				in_str = false;
			continue;
		}
		if (*p == '"')
			in_str = true;
		if (*p == '*' && p > text && (p[-1] == '.' || p[-1] == '[')) {
			memcpy(o, "\"*\"", 3);
			o += 3;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static ss_status pattern_parse(const char *what, const char *text, ss_path *out, char *err,
                               size_t err_size)
{
	*out = (ss_path){ 0 };
	if (!text) {
		if (err && err_size)
			snprintf(err, err_size, "%s: missing path", what);
		return SS_USAGE;
	}
	char *t = text[0] == '.' || text[0] == '[' ? star_rewrite(text) : strdup(text);
	if (!t)
		return SS_NOMEM;
	char msg[256];
	ss_status st = ss_path_parse(t, out, msg, sizeof msg);
	free(t);
	if (st == SS_USAGE && err && err_size) {
		char *esc = ss_text_escape(text, strlen(text) > 80 ? 80 : strlen(text));
		snprintf(err, err_size, "bad %s '%s': %s", what, esc ? esc : "?", msg);
		free(esc);
	} else if (st == SS_NOMEM && err && err_size) {
		snprintf(err, err_size, "out of memory");
	}
	return st;
}

ss_status ss_path_pattern_parse(const char *text, ss_path *out, char *err, size_t err_size)
{
	return pattern_parse("path pattern", text, out, err, err_size);
}

/* ---- the walk ----------------------------------------------------------- */

/* How a frame is reached from its parent; key NULL for an element, whose
 * index is `ni` in the new array and `oi` in the old one. */
struct lseg {
	const char *key;
	size_t ni, oi;
};

enum eop_kind {
	EOP_ADD,            /* new[j] appeared */
	EOP_REMOVE,         /* old[i] disappeared */
	EOP_PAIR,           /* old[i] and new[j] are one element: compare them */
	EOP_MOVE,           /* as PAIR, and it moved (identity matching) */
};

struct eop {
	enum eop_kind kind;
	size_t i, j;
};

struct frame {
	const json_t *old, *new_;
	struct lseg seg;    /* unused for the root frame */
	bool array;
	void *it_new;       /* object: next member of new_ */
	void *it_old;       /* object: next member of old not yet placed */
	struct eop *ops;    /* array: the edit script, in the new document's order */
	size_t n_ops, pos;
};

struct akey {
	ss_path path;
	const char *field;
};

struct ctx {
	ss_diff *d;
	ss_path *ignore;
	size_t n_ignore;
	struct akey *keys;
	size_t n_keys;
	bool no_identity;
	size_t budget;
	struct frame *fr;   /* fr[0] is the root pair; fr[k] adds one segment */
	size_t n_fr, cap_fr;
	struct memo memo;
	struct vstack hs, es;
	uint64_t *ha, *hb;  /* element hashes of the array pair being scripted */
	size_t h_cap;
};

static ss_status path_of(const struct ctx *c, bool old_side, const struct lseg *last, ss_path *out)
{
	size_t n = (c->n_fr ? c->n_fr - 1 : 0) + (last ? 1 : 0);
	*out = (ss_path){ 0 };
	if (n == 0)
		return SS_OK;
	out->segs = malloc(n * sizeof *out->segs);
	if (!out->segs)
		return SS_NOMEM;
	out->cap = n;
	for (size_t k = 1; k <= n; k++) {
		const struct lseg *s = k < c->n_fr ? &c->fr[k].seg : last;
		ss_status st = s->key ? ss_path_push_key(out, s->key)
		                      : ss_path_push_index(out, (int64_t)(old_side ? s->oi : s->ni));
		if (st != SS_OK) {
			ss_path_clear(out);
			return st;
		}
	}
	return SS_OK;
}

static ss_status emit(struct ctx *c, ss_change_kind kind, const struct lseg *last,
                      const json_t *ov, const json_t *nv, bool over_budget)
{
	ss_diff *d = c->d;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		ss_change *ch = realloc(d->changes, cap * sizeof *ch);
		if (!ch)
			return SS_NOMEM;
		d->changes = ch;
		d->cap = cap;
	}
	ss_change ch = { .kind = kind, .over_budget = over_budget };
	if (path_of(c, false, last, &ch.path) != SS_OK)
		return SS_NOMEM;
	if (kind == SS_CHANGE_MOVED && path_of(c, true, last, &ch.old_path) != SS_OK) {
		ss_path_clear(&ch.path);
		return SS_NOMEM;
	}
	ch.old_value = ov ? json_incref(MUT(ov)) : NULL;
	ch.new_value = nv ? json_incref(MUT(nv)) : NULL;
	d->changes[d->n++] = ch;
	if (kind == SS_CHANGE_ADDED)
		d->n_added++;
	else if (kind == SS_CHANGE_REMOVED)
		d->n_removed++;
	else
		d->n_changed++;
	if (over_budget)
		d->over_budget = true;
	return SS_OK;
}

/* Does the path (frames, then `last`, new side) match an ignore pattern?
 * Only patterns of the same length are tried, last segment first. */
static bool ignored(const struct ctx *c, const struct lseg *last)
{
	size_t len = (c->n_fr ? c->n_fr - 1 : 0) + (last ? 1 : 0);
	for (size_t p = 0; p < c->n_ignore; p++) {
		const ss_path *pat = &c->ignore[p];
		if (pat->n != len)
			continue;
		bool ok = true;
		for (size_t k = len; k >= 1 && ok; k--) {
			const struct lseg *s = k < c->n_fr ? &c->fr[k].seg : last;
			ok = seg_matches(&pat->segs[k - 1], s->key, s->key ? -1 : (int64_t)s->ni);
		}
		if (ok)
			return true;
	}
	return false;
}

static ss_status push_frame(struct ctx *c, const struct lseg *seg, const json_t *ov,
                            const json_t *nv)
{
	if (c->n_fr == c->cap_fr) {
		size_t cap = c->cap_fr ? c->cap_fr * 2 : 64;
		struct frame *fr = realloc(c->fr, cap * sizeof *fr);
		if (!fr)
			return SS_NOMEM;
		c->fr = fr;
		c->cap_fr = cap;
	}
	struct frame *f = &c->fr[c->n_fr++];
	*f = (struct frame){ .old = ov, .new_ = nv, .array = json_is_array(nv) };
	if (seg)
		f->seg = *seg;
	if (!f->array) {
		f->it_new = json_object_iter(MUT(nv));
		f->it_old = json_object_iter(MUT(ov));
	}
	return SS_OK;
}

static void pop_frame(struct ctx *c)
{
	struct frame *f = &c->fr[--c->n_fr];
	free(f->ops);
	f->ops = NULL;
}

static ss_status add_op(struct frame *f, size_t *cap, enum eop_kind kind, size_t i, size_t j)
{
	if (f->n_ops == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct eop *ops = realloc(f->ops, nc * sizeof *ops);
		if (!ops)
			return SS_NOMEM;
		f->ops = ops;
		*cap = nc;
	}
	f->ops[f->n_ops++] = (struct eop){ kind, i, j };
	return SS_OK;
}

/* ---- arrays by identity ------------------------------------------------- */

/* The identity value of element e, or NULL when it has none usable. */
static const json_t *ident_of(const json_t *e, const char *field)
{
	if (!json_is_object(e))
		return NULL;
	const json_t *v = json_object_get(e, field);
	return v && !is_container(v) ? v : NULL;
}

/* Open addressing over element indices (slot = index + 1). */
struct idtab {
	size_t *slots;
	size_t mask;
};

static bool idtab_init(struct idtab *t, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	t->slots = calloc(cap, sizeof *t->slots);
	t->mask = cap - 1;
	return t->slots != NULL;
}

/* Find v among the identities ids[] of one array; with `insert`, add index
 * idx when absent.  Returns the index found, or NONE. */
static size_t idtab_find(struct idtab *t, const json_t *const *ids, const json_t *v, bool insert,
                         size_t idx)
{
	size_t s = (size_t)scalar_hash(v) & t->mask;
	while (t->slots[s]) {
		size_t i = t->slots[s] - 1;
		if (shallow_equal(ids[i], v))
			return i;
		s = (s + 1) & t->mask;
	}
	if (insert)
		t->slots[s] = idx + 1;
	return NONE;
}

/* Which matched pairs keep their relative order (a longest increasing
 * subsequence of old indices in new order, patience method): the others
 * are the moves.  in_lis[t] for the t-th matched pair. */
static ss_status mark_lis(const size_t *seq, size_t k, bool *in_lis)
{
	size_t *tails = malloc((k ? k : 1) * sizeof *tails);
	size_t *prev = malloc((k ? k : 1) * sizeof *prev);
	if (!tails || !prev) {
		free(tails);
		free(prev);
		return SS_NOMEM;
	}
	size_t len = 0;
	for (size_t t = 0; t < k; t++) {
		size_t lo = 0, hi = len;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (seq[tails[mid]] < seq[t])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[t] = lo ? tails[lo - 1] : NONE;
		tails[lo] = t;
		if (lo == len)
			len++;
	}
	memset(in_lis, 0, k * sizeof *in_lis);
	for (size_t t = len ? tails[len - 1] : NONE; t != NONE; t = prev[t])
		in_lis[t] = true;
	free(tails);
	free(prev);
	return SS_OK;
}

/*
 * Script the array pair of frame f by `field` when every element of both
 * is an object whose field is a scalar unique within its array; *ok false
 * (and no script) otherwise.
 */
static ss_status identity_script(struct frame *f, const char *field, bool *ok)
{
	const json_t *a = f->old, *b = f->new_;
	size_t n = json_array_size(a), m = json_array_size(b);
	*ok = false;
	/* Cheap refusals before any table. */
	if (!ident_of(json_array_get(a, 0), field) || !ident_of(json_array_get(b, 0), field) ||
	    !ident_of(json_array_get(a, n - 1), field) || !ident_of(json_array_get(b, m - 1), field))
		return SS_OK;
	ss_status st = SS_NOMEM;
	struct idtab ta = { 0 }, tb = { 0 };
	const json_t **ida = malloc(n * sizeof *ida), **idb = malloc(m * sizeof *idb);
	size_t *match = malloc(m * sizeof *match);
	size_t *seq = malloc(m * sizeof *seq);
	bool *old_matched = calloc(n, sizeof *old_matched);
	bool *in_lis = malloc(m * sizeof *in_lis);
	if (!ida || !idb || !match || !seq || !old_matched || !in_lis || !idtab_init(&ta, n) ||
	    !idtab_init(&tb, m))
		goto out;
	st = SS_OK;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = ida[i] = ident_of(json_array_get(a, i), field);
		if (!v || idtab_find(&ta, ida, v, true, i) != NONE)
			goto out;
	}
	size_t k = 0;
	for (size_t j = 0; j < m; j++) {
		const json_t *v = idb[j] = ident_of(json_array_get(b, j), field);
		if (!v || idtab_find(&tb, idb, v, true, j) != NONE)
			goto out;
		match[j] = idtab_find(&ta, ida, v, false, 0);
		if (match[j] != NONE) {
			old_matched[match[j]] = true;
			seq[k++] = match[j];
		}
	}
	if ((st = mark_lis(seq, k, in_lis)) != SS_OK)
		goto out;
	/* New order; a removal goes before the next element that kept its
	 * place, i.e. where it was. */
	size_t cap = 0, rc = 0, t = 0;
	for (size_t j = 0; j < m && st == SS_OK; j++) {
		size_t i = match[j];
		if (i == NONE) {
			st = add_op(f, &cap, EOP_ADD, 0, j);
			continue;
		}
		if (in_lis[t++]) {
			for (; rc < i && st == SS_OK; rc++)
				if (!old_matched[rc])
					st = add_op(f, &cap, EOP_REMOVE, rc, 0);
			rc = i + 1;
			if (st == SS_OK)
				st = add_op(f, &cap, EOP_PAIR, i, j);
		} else {
			st = add_op(f, &cap, EOP_MOVE, i, j);
		}
	}
	for (; rc < n && st == SS_OK; rc++)
		if (!old_matched[rc])
			st = add_op(f, &cap, EOP_REMOVE, rc, 0);
	*ok = st == SS_OK;
out:
	free(ida);
	free(idb);
	free(match);
	free(seq);
	free(old_matched);
	free(in_lis);
	free(ta.slots);
	free(tb.slots);
	if (st != SS_OK) {
		free(f->ops);
		f->ops = NULL;
		f->n_ops = 0;
	}
	return st;
}

/* The identity field configured for the array of the top frame, if any. */
static const char *configured_field(const struct ctx *c)
{
	size_t len = c->n_fr - 1;
	for (size_t p = 0; p < c->n_keys; p++) {
		const ss_path *pat = &c->keys[p].path;
		if (pat->n != len)
			continue;
		bool ok = true;
		for (size_t k = len; k >= 1 && ok; k--) {
			const struct lseg *s = &c->fr[k].seg;
			ok = seg_matches(&pat->segs[k - 1], s->key, s->key ? -1 : (int64_t)s->ni);
		}
		if (ok)
			return c->keys[p].field;
	}
	return NULL;
}

/* ---- arrays by position (Myers) ----------------------------------------- */

/* Equal hashes are confirmed; unequal ones prove a difference at once. */
static int hashed_equal(struct ctx *c, const json_t *a, uint64_t ha, const json_t *b, uint64_t hb)
{
	return ha != hb ? 0 : equal_walk(&c->es, &c->memo, a, b);
}

/* Deletions old[i0..i1) and insertions new[j0..j1) between two kept pairs:
 * as many as possible paired in order (one changed element, diffed inside),
 * the rest removed or added. */
static ss_status script_gap(struct frame *f, size_t *cap, size_t i0, size_t i1, size_t j0, size_t j1)
{
	ss_status st = SS_OK;
	size_t p = i1 - i0 < j1 - j0 ? i1 - i0 : j1 - j0;
	for (size_t t = 0; t < p && st == SS_OK; t++)
		st = add_op(f, cap, EOP_PAIR, i0 + t, j0 + t);
	for (size_t i = i0 + p; i < i1 && st == SS_OK; i++)
		st = add_op(f, cap, EOP_REMOVE, i, 0);
	for (size_t j = j0 + p; j < j1 && st == SS_OK; j++)
		st = add_op(f, cap, EOP_ADD, 0, j);
	return st;
}

/*
 * Every element is hashed first (memoised, so a nested array met again
 * below costs nothing), then common ends are trimmed and Myers runs on the
 * middle.  Comparing ends by hash rather than by walking matters for deep
 * values: walking would revisit the whole chain at every level.
 */
static ss_status myers_script(struct ctx *c, struct frame *f, bool *over)
{
	const json_t *a = f->old, *b = f->new_;
	size_t n = json_array_size(a), m = json_array_size(b);
	size_t need = n > m ? n : m;
	if (need > c->h_cap) {
		uint64_t *ha = realloc(c->ha, need * sizeof *ha);
		if (!ha)
			return SS_NOMEM;
		c->ha = ha;
		uint64_t *hb = realloc(c->hb, need * sizeof *hb);
		if (!hb)
			return SS_NOMEM;
		c->hb = hb;
		c->h_cap = need;
	}
	/* The hash arrays are shared by all frames: this frame is scripted
	 * completely before any other array is looked at. */
	uint64_t *ha = c->ha, *hb = c->hb;
	for (size_t i = 0; i < n; i++)
		if (value_hash(&c->memo, &c->hs, json_array_get(a, i), &ha[i]) != SS_OK)
			return SS_NOMEM;
	for (size_t j = 0; j < m; j++)
		if (value_hash(&c->memo, &c->hs, json_array_get(b, j), &hb[j]) != SS_OK)
			return SS_NOMEM;
	size_t lo = 0, hi = 0;
	int eq = 1;
	while (lo < n && lo < m &&
	       (eq = hashed_equal(c, json_array_get(a, lo), ha[lo], json_array_get(b, lo), hb[lo])) == 1)
		lo++;
	if (eq < 0)
		return SS_NOMEM;
	while (hi < n - lo && hi < m - lo &&
	       (eq = hashed_equal(c, json_array_get(a, n - 1 - hi), ha[n - 1 - hi],
	                          json_array_get(b, m - 1 - hi), hb[m - 1 - hi])) == 1)
		hi++;
	if (eq < 0)
		return SS_NOMEM;
	size_t na = n - lo - hi, nb = m - lo - hi;
	size_t cap = 0;
	if (na == 0 || nb == 0)
		return script_gap(f, &cap, lo, lo + na, lo, lo + nb);
	size_t *pairs, np;
	ss_status st = ss_myers(ha + lo, na, hb + lo, nb, c->budget, &pairs, &np, over);
	if (st != SS_OK || *over)
		return st;
	size_t pi = 0, pj = 0;
	for (size_t k = 0; k <= np && st == SS_OK; k++) {
		size_t x = k < np ? pairs[2 * k] : na, y = k < np ? pairs[2 * k + 1] : nb;
		st = script_gap(f, &cap, lo + pi, lo + x, lo + pj, lo + y);
		if (st != SS_OK || k == np)
			break;
		/* A hash collision is compared as a pair of elements. */
		eq = equal_walk(&c->es, &c->memo, json_array_get(a, lo + x), json_array_get(b, lo + y));
		if (eq < 0)
			st = SS_NOMEM;
		else if (eq == 0)
			st = add_op(f, &cap, EOP_PAIR, lo + x, lo + y);
		pi = x + 1;
		pj = y + 1;
	}
	free(pairs);
	return st;
}

static ss_status array_script(struct ctx *c, bool *over)
{
	struct frame *f = &c->fr[c->n_fr - 1];
	*over = false;
	size_t n = json_array_size(f->old), m = json_array_size(f->new_);
	if (n > 0 && m > 0) {
		static const char *const defaults[] = { "id", "key", "name" };
		const char *conf = configured_field(c);
		bool ok = false;
		ss_status st;
		if (conf && ((st = identity_script(f, conf, &ok)) != SS_OK || ok))
			return st;
		for (size_t i = 0; i < 3 && !c->no_identity; i++)
			if ((st = identity_script(f, defaults[i], &ok)) != SS_OK || ok)
				return st;
	}
	return myers_script(c, f, over);
}

/* Compare one pair of values at `seg` below the top frame (NULL: the root). */
static ss_status compare_pair(struct ctx *c, const struct lseg *seg, const json_t *ov,
                              const json_t *nv)
{
	if (ov == nv)
		return SS_OK;
	if (json_typeof(ov) != json_typeof(nv))
		return emit(c, SS_CHANGE_CHANGED, seg, ov, nv, false);
	if (!is_container(nv))
		return shallow_equal(ov, nv) ? SS_OK : emit(c, SS_CHANGE_CHANGED, seg, ov, nv, false);
	if (json_is_object(nv) && json_object_size(ov) == 0 && json_object_size(nv) == 0)
		return SS_OK;
	if (json_is_array(nv) && json_array_size(ov) == 0 && json_array_size(nv) == 0)
		return SS_OK;
	ss_status st = push_frame(c, seg, ov, nv);
	if (st != SS_OK || json_is_object(nv))
		return st;
	bool over;
	st = array_script(c, &over);
	if (st != SS_OK || !over)
		return st;
	pop_frame(c);
	return emit(c, SS_CHANGE_CHANGED, seg, ov, nv, true);
}

static ss_status step_array(struct ctx *c)
{
	struct frame *f = &c->fr[c->n_fr - 1];
	if (f->pos == f->n_ops) {
		pop_frame(c);
		return SS_OK;
	}
	struct eop op = f->ops[f->pos++];
	const json_t *ov = op.kind != EOP_ADD ? json_array_get(f->old, op.i) : NULL;
	const json_t *nv = op.kind != EOP_REMOVE ? json_array_get(f->new_, op.j) : NULL;
	struct lseg s = { NULL, op.kind == EOP_REMOVE ? op.i : op.j, op.i };
	if (ignored(c, &s))
		return SS_OK;
	switch (op.kind) {
	case EOP_ADD:
		return emit(c, SS_CHANGE_ADDED, &s, NULL, nv, false);
	case EOP_REMOVE:
		return emit(c, SS_CHANGE_REMOVED, &s, ov, NULL, false);
	case EOP_MOVE: {
		ss_status st = emit(c, SS_CHANGE_MOVED, &s, ov, nv, false);
		return st != SS_OK ? st : compare_pair(c, &s, ov, nv);
	}
	case EOP_PAIR:
		return compare_pair(c, &s, ov, nv);
	}
	return SS_INTERNAL;
}

static ss_status emit_removed_key(struct ctx *c, void *it)
{
	struct lseg s = { json_object_iter_key(it), 0, 0 };
	if (ignored(c, &s))
		return SS_OK;
	return emit(c, SS_CHANGE_REMOVED, &s, json_object_iter_value(it), NULL, false);
}

/*
 * One member of the new object, or the end of it.  Old members missing
 * from the new one are reported where they were: before the next member
 * that both share (in the old order), or at the end.
 */
static ss_status step_object(struct ctx *c)
{
	struct frame *f = &c->fr[c->n_fr - 1];
	ss_status st = SS_OK;
	if (!f->it_new) {
		while (f->it_old && st == SS_OK) {
			void *it = f->it_old;
			f->it_old = json_object_iter_next(MUT(f->old), it);
			if (!json_object_getn(f->new_, json_object_iter_key(it), json_object_iter_key_len(it)))
				st = emit_removed_key(c, it);
		}
		pop_frame(c);
		return st;
	}
	const char *k = json_object_iter_key(f->it_new);
	size_t klen = json_object_iter_key_len(f->it_new);
	const json_t *nv = json_object_iter_value(f->it_new);
	f->it_new = json_object_iter_next(MUT(f->new_), f->it_new);
	const json_t *ov = NULL;
	if (f->it_old && json_object_iter_key_len(f->it_old) == klen &&
	    memcmp(json_object_iter_key(f->it_old), k, klen) == 0) {
		/* Same member order on both sides (the usual case, one producer):
		 * no hash lookup at all. */
		ov = json_object_iter_value(f->it_old);
		f->it_old = json_object_iter_next(MUT(f->old), f->it_old);
	} else if ((ov = json_object_getn(f->old, k, klen))) {
		while (f->it_old && st == SS_OK) {
			void *it = f->it_old;
			const char *ok = json_object_iter_key(it);
			size_t oklen = json_object_iter_key_len(it);
			if (oklen == klen && memcmp(ok, k, klen) == 0) {
				f->it_old = json_object_iter_next(MUT(f->old), it);
				break;
			}
			if (json_object_getn(f->new_, ok, oklen))
				break; /* reordered: settled when reached, or at the end */
			f->it_old = json_object_iter_next(MUT(f->old), it);
			st = emit_removed_key(c, it);
		}
		if (st != SS_OK)
			return st;
	}
	struct lseg s = { k, 0, 0 };
	if (ignored(c, &s))
		return SS_OK;
	if (!ov)
		return emit(c, SS_CHANGE_ADDED, &s, NULL, nv, false);
	return compare_pair(c, &s, ov, nv);
}

void ss_diff_clear(ss_diff *d)
{
	for (size_t i = 0; i < d->n; i++) {
		ss_change *ch = &d->changes[i];
		ss_path_clear(&ch->path);
		ss_path_clear(&ch->old_path);
		json_decref(ch->old_value);
		json_decref(ch->new_value);
	}
	free(d->changes);
	*d = (ss_diff){ 0 };
}

static void ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->n_ignore; i++)
		ss_path_clear(&c->ignore[i]);
	free(c->ignore);
	for (size_t i = 0; i < c->n_keys; i++)
		ss_path_clear(&c->keys[i].path);
	free(c->keys);
	while (c->n_fr > 0)
		pop_frame(c);
	free(c->fr);
	memo_free(&c->memo);
	free(c->hs.items);
	free(c->es.items);
	free(c->ha);
	free(c->hb);
}

static ss_status ctx_init(struct ctx *c, const ss_diff_opts *opts, char *err, size_t err_size)
{
	if (!opts)
		return SS_OK;
	c->no_identity = opts->no_identity;
	if (opts->budget)
		c->budget = opts->budget;
	if (opts->n_ignore) {
		c->ignore = calloc(opts->n_ignore, sizeof *c->ignore);
		if (!c->ignore)
			return SS_NOMEM;
		for (; c->n_ignore < opts->n_ignore; c->n_ignore++) {
			ss_status st = pattern_parse("ignore pattern", opts->ignore[c->n_ignore],
			                             &c->ignore[c->n_ignore], err, err_size);
			if (st != SS_OK)
				return st;
		}
	}
	if (opts->n_array_keys) {
		c->keys = calloc(opts->n_array_keys, sizeof *c->keys);
		if (!c->keys)
			return SS_NOMEM;
		for (; c->n_keys < opts->n_array_keys; c->n_keys++) {
			const ss_array_key *k = &opts->array_keys[c->n_keys];
			if (!k->field || !*k->field) {
				if (err && err_size)
					snprintf(err, err_size, "array key for '%s' has no field",
					         k->path ? k->path : "");
				return SS_USAGE;
			}
			ss_status st = pattern_parse("array key path", k->path, &c->keys[c->n_keys].path,
			                             err, err_size);
			if (st != SS_OK)
				return st;
			c->keys[c->n_keys].field = k->field;
		}
	}
	return SS_OK;
}

ss_status ss_diff_compute(const json_t *old, const json_t *new_, const ss_diff_opts *opts,
                          ss_diff *out, char *err, size_t err_size)
{
	*out = (ss_diff){ 0 };
	struct ctx c = { .d = out, .budget = SS_DIFF_BUDGET_DEFAULT };
	ss_status st = ctx_init(&c, opts, err, err_size);
	if (st == SS_OK && !ignored(&c, NULL)) {
		if (old && new_)
			st = compare_pair(&c, NULL, old, new_);
		else if (new_)
			st = emit(&c, SS_CHANGE_ADDED, NULL, NULL, new_, false);
		else if (old)
			st = emit(&c, SS_CHANGE_REMOVED, NULL, old, NULL, false);
		while (st == SS_OK && c.n_fr > 0)
			st = c.fr[c.n_fr - 1].array ? step_array(&c) : step_object(&c);
	}
	ctx_free(&c);
	if (st != SS_OK) {
		if (st == SS_NOMEM && err && err_size)
			snprintf(err, err_size, "out of memory while comparing states");
		ss_diff_clear(out);
	}
	return st;
}
