/*
 * diffalign.c - aligned rows for the diff view (see diffalign.h).
 *
 * The walk goes down both documents only where the change set says
 * something changed below (a table of every change path and its
 * prefixes); an unchanged subtree is produced by two line iterators side by
 * side, without lookups.  Lines are "specs" (a node, its key, depth, what
 * part of it, a trailing comma) and are rendered to text only when they
 * end up on a row: folded lines cost a counter, not memory.
 *
 * Recursion follows the nesting of changed nodes only, and stops past
 * SS_DEPTH_MAX (jansson's parser limit, so a stored state never gets
 * there); deeper changed subtrees are shown as one replaced block, which
 * the line iterators produce without recursion.
 */
#include "diffalign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text arena and rows --------------------------------------------------- */

static bool grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap : first;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return false;
		c *= 2;
	}
	void *q = realloc(*p, c * elem);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static bool text_add(struct da_result *r, const char *s, size_t n)
{
	if (!grow((void **)&r->text, &r->text_cap, r->text_len + n + 1, 1, 4096))
		return false;
	memcpy(r->text + r->text_len, s, n);
	r->text_len += n;
	r->text[r->text_len] = '\0';
	return true;
}

void da_result_free(struct da_result *r)
{
	free(r->rows);
	free(r->text);
	memset(r, 0, sizeof *r);
}

const char *da_left(const struct da_result *r, const struct da_row *row, size_t *len)
{
	*len = row->has_left ? row->llen : 0;
	return row->has_left ? r->text + row->loff : "";
}

const char *da_right(const struct da_result *r, const struct da_row *row, size_t *len)
{
	*len = row->has_right ? row->rlen : 0;
	return row->has_right ? r->text + row->roff : "";
}

/* ---- paths as table keys ---------------------------------------------------- */

/* A path encoded as bytes: 'k' + 4-byte length + key, or 'i' + 8-byte index
 * per segment.  Unambiguous, and built incrementally while walking. */
struct pbuf {
	char *b;
	size_t n, cap;
};

static bool pbuf_key(struct pbuf *p, const char *key, size_t klen)
{
	if (klen > UINT32_MAX || !grow((void **)&p->b, &p->cap, p->n + 5 + klen, 1, 256))
		return false;
	uint32_t l = (uint32_t)klen;
	p->b[p->n] = 'k';
	memcpy(p->b + p->n + 1, &l, 4);
	memcpy(p->b + p->n + 5, key, klen);
	p->n += 5 + klen;
	return true;
}

static bool pbuf_index(struct pbuf *p, int64_t idx)
{
	if (!grow((void **)&p->b, &p->cap, p->n + 9, 1, 256))
		return false;
	p->b[p->n] = 'i';
	memcpy(p->b + p->n + 1, &idx, 8);
	p->n += 9;
	return true;
}

static bool pbuf_seg(struct pbuf *p, const ss_path_seg *s)
{
	bool index = s->kind == SS_PATH_INDEX || (s->kind == SS_PATH_TOKEN && s->index >= 0);
	return index ? pbuf_index(p, s->index) : pbuf_key(p, s->key, strlen(s->key));
}

/* ---- the change table ------------------------------------------------------- */

struct entry {
	char *key;                  /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	int32_t added, removed, changed, moved; /* change indices at this path, -1 */
	bool below;                 /* some change lies strictly below */
};

struct table {
	struct entry *e;
	size_t cap, n;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static struct entry *table_find(const struct table *t, const char *k, size_t n)
{
	if (!t->cap)
		return NULL;
	uint64_t h = hash_bytes(k, n);
	for (size_t i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct entry *e = &t->e[i];
		if (!e->key)
			return NULL;
		if (e->hash == h && e->len == n && memcmp(e->key, k, n) == 0)
			return e;
	}
}

static bool table_rehash(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct entry *e = calloc(cap, sizeof *e);
	if (!e)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->e[i].key)
			continue;
		size_t j = (size_t)t->e[i].hash & (cap - 1);
		while (e[j].key)
			j = (j + 1) & (cap - 1);
		e[j] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->cap = cap;
	return true;
}

/* The entry of k, created when missing; NULL when out of memory. */
static struct entry *table_get(struct table *t, const char *k, size_t n)
{
	struct entry *e = table_find(t, k, n);
	if (e)
		return e;
	if ((t->n + 1) * 4 > t->cap * 3 && !table_rehash(t))
		return NULL;
	uint64_t h = hash_bytes(k, n);
	size_t i = (size_t)h & (t->cap - 1);
	while (t->e[i].key)
		i = (i + 1) & (t->cap - 1);
	e = &t->e[i];
	e->key = malloc(n ? n : 1);
	if (!e->key)
		return NULL;
	memcpy(e->key, k, n);
	e->len = n;
	e->hash = h;
	e->added = e->removed = e->changed = e->moved = -1;
	e->below = false;
	t->n++;
	return e;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->e[i].key);
	free(t->e);
	memset(t, 0, sizeof *t);
}

/* Record every change at its path and mark every prefix as "below". */
static bool table_fill(struct table *t, const ss_diff *d, struct pbuf *pb)
{
	for (size_t c = 0; c < d->n && c <= INT32_MAX; c++) {
		const ss_change *ch = &d->changes[c];
		pb->n = 0;
		for (size_t s = 0; s < ch->path.n; s++) {
			struct entry *e = table_get(t, pb->b ? pb->b : "", pb->n);
			if (!e)
				return false;
			e->below = true;
			if (!pbuf_seg(pb, &ch->path.segs[s]))
				return false;
		}
		struct entry *e = table_get(t, pb->b ? pb->b : "", pb->n);
		if (!e)
			return false;
		int32_t *slot = ch->kind == SS_CHANGE_ADDED ? &e->added
		              : ch->kind == SS_CHANGE_REMOVED ? &e->removed
		              : ch->kind == SS_CHANGE_MOVED ? &e->moved : &e->changed;
		if (*slot < 0)
			*slot = (int32_t)c;
	}
	return true;
}

/* ---- lines of one subtree, without recursion -------------------------------- */

enum { SP_OPEN, SP_CLOSE, SP_LEAF };

/* One line of the pretty text, not yet rendered. */
struct spec {
	const json_t *v;            /* the node (CLOSE: the container) */
	const char *key;            /* its member name, NULL in an array or at the root */
	size_t klen;
	uint32_t depth;
	uint8_t what;
	bool comma;
};

struct it_frame {
	const json_t *c;
	const json_t *g;            /* the guide: the node of the other side, or NULL */
	void *oit;                  /* objects: the next member of c */
	void *git;                  /* objects with a guide: the next member of g */
	size_t idx;                 /* arrays: the next element */
	bool comma;                 /* the container's own trailing comma */
};

/*
 * The lines of one subtree in document order.  With a guide (the matching
 * node of the other document), object members that the guide also has come
 * in the guide's order, then the others: so that the old side of an
 * unchanged pair lists its members level with the new side even when the
 * two documents order their keys differently.  Commas stay the document's
 * own (a member that is last in its object has none), so every line reads
 * as that document wrote it.
 */
struct line_iter {
	struct it_frame *st;
	size_t n, cap;
	const json_t *root, *guide;
	const char *key;
	size_t klen;
	uint32_t depth;
	bool comma, started, nomem;
};

static bool nonempty_container(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) > 0) ||
	       (json_is_array(v) && json_array_size(v) > 0);
}

static void li_init(struct line_iter *it, const json_t *v, const json_t *guide, const char *key,
                    size_t klen, uint32_t depth, bool comma)
{
	memset(it, 0, sizeof *it);
	it->root = v;
	it->guide = guide;
	it->key = key;
	it->klen = klen;
	it->depth = depth;
	it->comma = comma;
}

static void li_free(struct line_iter *it)
{
	free(it->st);
	it->st = NULL;
}

static bool li_node(struct line_iter *it, const json_t *v, const json_t *g, const char *key,
                    size_t klen, uint32_t depth, bool comma, struct spec *out)
{
	*out = (struct spec){ v, key, klen, depth, SP_LEAF, comma };
	if (!nonempty_container(v))
		return true;
	if (!grow((void **)&it->st, &it->cap, it->n + 1, sizeof *it->st, 16)) {
		it->nomem = true;
		return false;
	}
	bool obj = json_is_object(v);
	if (g && json_typeof(g) != json_typeof(v))
		g = NULL;
	it->st[it->n++] = (struct it_frame){
		.c = v, .g = g, .comma = comma,
		.oit = obj ? json_object_iter((json_t *)v) : NULL,
		.git = obj && g ? json_object_iter((json_t *)g) : NULL,
	};
	out->what = SP_OPEN;
	return true;
}

/* Is member k the last of object c in c's own order? */
static bool last_member(const json_t *c, const char *k)
{
	void *at = json_object_iter_at((json_t *)c, k);
	return !at || !json_object_iter_next((json_t *)c, at);
}

/* The next line; false at the end (or out of memory: it->nomem). */
static bool li_next(struct line_iter *it, struct spec *out)
{
	if (!it->root || it->nomem)
		return false;
	if (!it->started) {
		it->started = true;
		return li_node(it, it->root, it->guide, it->key, it->klen, it->depth, it->comma, out);
	}
	if (it->n == 0)
		return false;
	struct it_frame *f = &it->st[it->n - 1];
	uint32_t child_depth = it->depth + (uint32_t)it->n;
	if (json_is_object(f->c)) {
		/* With a guide: the guide's members first, in its order... */
		while (f->git) {
			void *gcur = f->git;
			f->git = json_object_iter_next((json_t *)f->g, gcur);
			const char *k = json_object_iter_key(gcur);
			size_t klen = json_object_iter_key_len(gcur);
			if (f->oit && json_object_iter_key_len(f->oit) == klen &&
			    memcmp(json_object_iter_key(f->oit), k, klen) == 0) {
				/* Both in the same order so far (the usual case): no
				 * lookups; the members left over are looked at last. */
				void *cur = f->oit;
				f->oit = json_object_iter_next((json_t *)f->c, cur);
				return li_node(it, json_object_iter_value(cur), json_object_iter_value(gcur),
				               json_object_iter_key(cur), klen, child_depth, f->oit != NULL, out);
			}
			const json_t *v = json_object_getn(f->c, k, klen);
			if (v)
				return li_node(it, v, json_object_iter_value(gcur), k, klen, child_depth,
				               !last_member(f->c, k), out);
		}
		/* ... then the members the guide lacks (all of them without one). */
		while (f->oit) {
			void *cur = f->oit;
			f->oit = json_object_iter_next((json_t *)f->c, cur);
			const char *k = json_object_iter_key(cur);
			size_t klen = json_object_iter_key_len(cur);
			if (f->g && json_object_getn(f->g, k, klen))
				continue;
			return li_node(it, json_object_iter_value(cur), NULL, k, klen, child_depth,
			               f->oit != NULL, out);
		}
	} else if (f->idx < json_array_size(f->c)) {
		size_t i = f->idx++;
		return li_node(it, json_array_get(f->c, i), f->g ? json_array_get(f->g, i) : NULL, NULL,
		               0, child_depth, i + 1 < json_array_size(f->c), out);
	}
	*out = (struct spec){ f->c, NULL, 0, child_depth - 1, SP_CLOSE, f->comma };
	it->n--;
	return true;
}

/* ---- the builder ---------------------------------------------------------- */

struct pend {
	struct spec l, r;
	bool hl, hr;
	uint64_t vline;
};

struct builder {
	struct da_result *out;
	const ss_diff *d;
	struct da_opts o;
	struct table t;
	struct pbuf path;
	struct pend *ring;          /* unchanged lines not yet shown or folded */
	size_t ring_cap, ring_head, ring_n;
	uint64_t hidden_start, hidden; /* lines evicted from the ring: folded */
	size_t after;               /* context lines still to show after a change */
	uint64_t vline;
	int32_t anchor;             /* a change whose first row is the next one emitted */
	bool nomem;
};

/* Render a spec into the arena: indentation, key, value or bracket, comma. */
static bool render(struct da_result *r, const struct spec *s, size_t *off, size_t *len)
{
	static const char spaces[] = "                                ";
	size_t start = r->text_len;
	for (size_t n = (size_t)s->depth * 2; n > 0;) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		if (!text_add(r, spaces, k))
			return false;
		n -= k;
	}
	if (s->what != SP_CLOSE && s->key) {
		json_t *k = json_stringn(s->key, s->klen);
		size_t kl = 0;
		char *ks = k ? ss_json_dump(k, SS_DUMP_SAFE, &kl) : ss_text_escape(s->key, s->klen);
		json_decref(k);
		if (!ks)
			return false;
		if (!k)
			kl = strlen(ks);
		bool ok = text_add(r, ks, kl) && text_add(r, ": ", 2);
		free(ks);
		if (!ok)
			return false;
	}
	bool obj = json_is_object(s->v);
	if (s->what == SP_OPEN) {
		if (!text_add(r, obj ? "{" : "[", 1))
			return false;
	} else if (s->what == SP_CLOSE) {
		if (!text_add(r, obj ? "}" : "]", 1))
			return false;
	} else if (json_is_object(s->v) || json_is_array(s->v)) {
		if (!text_add(r, obj ? "{}" : "[]", 2))
			return false;
	} else {
		size_t vl = 0;
		char *vs = ss_json_dump(s->v, SS_DUMP_SAFE, &vl);
		if (!vs)
			return false;
		bool ok = text_add(r, vs, vl);
		free(vs);
		if (!ok)
			return false;
	}
	if (s->comma && s->what != SP_OPEN && !text_add(r, ",", 1))
		return false;
	*off = start;
	*len = r->text_len - start;
	return true;
}

static void put_row(struct builder *b, enum da_kind kind, int32_t change, bool first,
                    const struct spec *l, const struct spec *r, uint64_t vline, uint64_t count)
{
	struct da_result *res = b->out;
	if (b->nomem)
		return;
	if (!grow((void **)&res->rows, &res->cap_rows, res->n_rows + 1, sizeof *res->rows, 256)) {
		b->nomem = true;
		return;
	}
	struct da_row row = { .kind = kind, .change = change, .first = first,
	                      .vline = vline, .count = count };
	if (l) {
		row.has_left = true;
		if (!render(res, l, &row.loff, &row.llen))
			b->nomem = true;
	}
	if (r) {
		row.has_right = true;
		if (!render(res, r, &row.roff, &row.rlen))
			b->nomem = true;
	}
	if (!b->nomem)
		res->rows[res->n_rows++] = row;
}

static void put_pend(struct builder *b, const struct pend *p)
{
	put_row(b, DA_SAME, -1, false, p->hl ? &p->l : NULL, p->hr ? &p->r : NULL, p->vline, 1);
}

/*
 * Show or fold the unchanged lines waiting: the last `keep` stay (context
 * before a change), the rest fold when there are more than fold_min of
 * them, else all show.  When lines were evicted the ring is full
 * (context + fold_min), so the fold is always larger than fold_min.
 */
static void flush(struct builder *b, size_t keep)
{
	uint64_t unshown = b->hidden + b->ring_n;
	if (unshown == 0)
		return;
	size_t tail = keep < b->ring_n ? keep : b->ring_n;
	uint64_t fold = unshown - tail;
	size_t from = 0;
	if (fold > b->o.fold_min) {
		uint64_t start = b->hidden ? b->hidden_start : b->ring[b->ring_head].vline;
		put_row(b, DA_FOLD, -1, false, NULL, NULL, start, fold);
		from = b->ring_n - tail;
	}
	for (size_t i = from; i < b->ring_n; i++)
		put_pend(b, &b->ring[(b->ring_head + i) % b->ring_cap]);
	b->hidden = 0;
	b->ring_n = 0;
	b->ring_head = 0;
}

static bool forced(const struct builder *b, uint64_t v)
{
	for (size_t i = 0; i < b->o.n_expanded; i++)
		if (v >= b->o.expanded[i].start && v - b->o.expanded[i].start < b->o.expanded[i].count)
			return true;
	return false;
}

/* One aligned line.  A change row takes a pending anchor. */
static void emit(struct builder *b, enum da_kind kind, int32_t change, bool first,
                 const struct spec *l, const struct spec *r)
{
	uint64_t v = b->vline++;
	if (b->anchor >= 0) {
		change = b->anchor;
		first = true;
		b->anchor = -1;
		if (kind == DA_SAME)
			kind = DA_MOVED;
	}
	if (kind == DA_SAME && !b->o.no_fold) {
		if (b->after > 0) {
			b->after--;
			put_row(b, kind, change, first, l, r, v, 1);
			return;
		}
		if (forced(b, v)) {
			flush(b, 0);
			put_row(b, kind, change, first, l, r, v, 1);
			return;
		}
		if (b->ring_n == b->ring_cap) {
			if (b->hidden++ == 0)
				b->hidden_start = b->ring[b->ring_head].vline;
			b->ring_head = (b->ring_head + 1) % b->ring_cap;
			b->ring_n--;
		}
		struct pend *p = &b->ring[(b->ring_head + b->ring_n++) % b->ring_cap];
		*p = (struct pend){ .hl = l != NULL, .hr = r != NULL, .vline = v };
		if (l)
			p->l = *l;
		if (r)
			p->r = *r;
		return;
	}
	flush(b, b->o.context);
	put_row(b, kind, change, first, l, r, v, 1);
	if (kind != DA_SAME)
		b->after = b->o.context;
}

/* Two subtrees line against line (a replaced value, or an unchanged pair
 * whose lines may still differ where ignore rules look away).  ctx: the
 * change the rows belong to (CHANGED) or sit inside (MOVED), -1. */
static void pair_block(struct builder *b, enum da_kind kind, int32_t ctx,
                       const json_t *ov, const json_t *nv, const char *key, size_t klen,
                       uint32_t depth, bool ocomma, bool ncomma)
{
	struct line_iter li, ri;
	li_init(&li, ov, nv, key, klen, depth, ocomma);
	li_init(&ri, nv, NULL, key, klen, depth, ncomma);
	bool first = kind == DA_CHANGED;
	if (kind == DA_SAME && ctx >= 0)
		kind = DA_MOVED;
	struct spec l, r;
	for (;;) {
		bool hl = li_next(&li, &l), hr = li_next(&ri, &r);
		if (!hl && !hr)
			break;
		emit(b, kind, kind == DA_SAME ? -1 : ctx, first, hl ? &l : NULL, hr ? &r : NULL);
		first = false;
	}
	if (li.nomem || ri.nomem)
		b->nomem = true;
	li_free(&li);
	li_free(&ri);
}

/* A subtree on one side only, a filler opposite. */
static void one_side(struct builder *b, bool right, enum da_kind kind, int32_t change,
                     const json_t *v, const char *key, size_t klen, uint32_t depth, bool comma)
{
	struct line_iter it;
	li_init(&it, v, NULL, key, klen, depth, comma);
	struct spec s;
	bool first = change >= 0 && kind != DA_MOVED && kind != DA_SAME;
	while (li_next(&it, &s)) {
		emit(b, kind, change, first, right ? NULL : &s, right ? &s : NULL);
		first = false;
	}
	if (it.nomem)
		b->nomem = true;
	li_free(&it);
}

static const struct entry *here(const struct builder *b)
{
	return table_find(&b->t, b->path.b ? b->path.b : "", b->path.n);
}

static void walk_pair(struct builder *b, const json_t *ov, const json_t *nv, const char *key,
                      size_t klen, uint32_t depth, bool ocomma, bool ncomma, int32_t ctx);

/* A member or element only one side has, at the current path. */
static void walk_single(struct builder *b, bool right, const json_t *v, const char *key,
                        size_t klen, uint32_t depth, bool comma, int32_t ctx)
{
	const struct entry *e = here(b);
	int32_t c = e ? (right ? e->added : e->removed) : -1;
	enum da_kind kind = c >= 0 ? (right ? DA_ADDED : DA_REMOVED) : ctx >= 0 ? DA_MOVED : DA_SAME;
	one_side(b, right, kind, c >= 0 ? c : ctx, v, key, klen, depth, comma);
}

static void walk_object(struct builder *b, const json_t *ov, const json_t *nv, uint32_t depth,
                        int32_t ctx)
{
	size_t mark = b->path.n;
	void *oit = json_object_iter((json_t *)ov);
	const char *old_last = NULL;
	size_t old_last_len = 0;
	for (void *i = oit; i; i = json_object_iter_next((json_t *)ov, i)) {
		old_last = json_object_iter_key(i);
		old_last_len = json_object_iter_key_len(i);
	}
	for (void *nit = json_object_iter((json_t *)nv); nit && !b->nomem;) {
		const char *k = json_object_iter_key(nit);
		size_t klen = json_object_iter_key_len(nit);
		const json_t *nval = json_object_iter_value(nit);
		nit = json_object_iter_next((json_t *)nv, nit);
		const json_t *oval = json_object_getn(ov, k, klen);
		if (oval) {
			/* Old-only members that came before this one, in the old order. */
			while (oit && !b->nomem) {
				const char *ok = json_object_iter_key(oit);
				size_t oklen = json_object_iter_key_len(oit);
				if (oklen == klen && memcmp(ok, k, klen) == 0) {
					oit = json_object_iter_next((json_t *)ov, oit);
					break;
				}
				if (json_object_getn(nv, ok, oklen))
					break; /* reordered: shown with its partner */
				void *gone = oit;
				oit = json_object_iter_next((json_t *)ov, oit);
				if (!pbuf_key(&b->path, ok, oklen)) {
					b->nomem = true;
					break;
				}
				walk_single(b, false, json_object_iter_value(gone), ok, oklen, depth + 1,
				            !(oklen == old_last_len && memcmp(ok, old_last, oklen) == 0), ctx);
				b->path.n = mark;
			}
		}
		if (!pbuf_key(&b->path, k, klen)) {
			b->nomem = true;
			break;
		}
		if (oval)
			walk_pair(b, oval, nval, k, klen, depth + 1,
			          !(klen == old_last_len && memcmp(k, old_last, klen) == 0), nit != NULL, ctx);
		else
			walk_single(b, true, nval, k, klen, depth + 1, nit != NULL, ctx);
		b->path.n = mark;
	}
	for (; oit && !b->nomem; oit = json_object_iter_next((json_t *)ov, oit)) {
		const char *ok = json_object_iter_key(oit);
		size_t oklen = json_object_iter_key_len(oit);
		if (json_object_getn(nv, ok, oklen))
			continue;
		if (!pbuf_key(&b->path, ok, oklen)) {
			b->nomem = true;
			break;
		}
		walk_single(b, false, json_object_iter_value(oit), ok, oklen, depth + 1,
		            !(oklen == old_last_len && memcmp(ok, old_last, oklen) == 0), ctx);
		b->path.n = mark;
	}
}

/* What each element of a changed array is, from the change set. */
enum { EL_KEPT = -1, EL_ADDED = -2, EL_REMOVED = -3, EL_MOVED = -4 };

static void walk_array(struct builder *b, const json_t *ov, const json_t *nv, uint32_t depth,
                       int32_t ctx)
{
	size_t mark = b->path.n;
	size_t n = json_array_size(ov), m = json_array_size(nv);
	/* partner[i]: the old index new element i pairs with, or EL_ADDED;
	 * ostat[j]: EL_KEPT, EL_REMOVED (shown alone) or EL_MOVED (shown with
	 * its partner); change[i] / ochange[j]: the change to mark it with. */
	int64_t *partner = malloc((m + 1) * sizeof *partner);
	int64_t *ostat = malloc((n + 1) * sizeof *ostat);
	int32_t *nchange = malloc((m + 1) * sizeof *nchange);
	int32_t *ochange = malloc((n + 1) * sizeof *ochange);
	int64_t *nextk = malloc((m + 1) * sizeof *nextk);
	if (!partner || !ostat || !nchange || !ochange || !nextk) {
		b->nomem = true;
		goto out;
	}
	for (size_t j = 0; j < n; j++) {
		ostat[j] = EL_KEPT;
		ochange[j] = -1;
	}
	for (size_t i = 0; i < m; i++) {
		partner[i] = EL_KEPT;
		nchange[i] = -1;
		if (!pbuf_index(&b->path, (int64_t)i)) {
			b->nomem = true;
			goto out;
		}
		const struct entry *e = here(b);
		b->path.n = mark;
		if (e && e->added >= 0) {
			partner[i] = EL_ADDED;
			nchange[i] = e->added;
		} else if (e && e->moved >= 0) {
			const ss_path *op = &b->d->changes[e->moved].old_path;
			const ss_path_seg *last = op->n ? &op->segs[op->n - 1] : NULL;
			if (last && last->index >= 0 && (size_t)last->index < n &&
			    ostat[last->index] == EL_KEPT) {
				partner[i] = last->index;
				ostat[last->index] = EL_MOVED;
				nchange[i] = e->moved;
			}
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (ostat[j] != EL_KEPT)
			continue;
		if (!pbuf_index(&b->path, (int64_t)j)) {
			b->nomem = true;
			goto out;
		}
		const struct entry *e = here(b);
		b->path.n = mark;
		if (e && e->removed >= 0) {
			ostat[j] = EL_REMOVED;
			ochange[j] = e->removed;
		}
	}
	/* The rest pair in order; a surplus (only where ignore rules hid an
	 * insertion) shows alone, unmarked. */
	size_t oj = 0;
	for (size_t i = 0; i < m; i++) {
		if (partner[i] != EL_KEPT)
			continue;
		while (oj < n && ostat[oj] != EL_KEPT)
			oj++;
		if (oj < n) {
			partner[i] = (int64_t)oj;
			ostat[oj++] = EL_MOVED; /* taken */
			nchange[i] = -1;
			/* not a move: remember it as kept through nchange -1 and
			 * partner >= 0; the flag only stops it showing alone */
		} else {
			partner[i] = EL_ADDED;
		}
	}
	for (; oj < n; oj++)
		if (ostat[oj] == EL_KEPT)
			ostat[oj] = EL_REMOVED;
	/* nextk[i]: the old index of the next in-order pair from i on; removed
	 * old elements before it show before new element i. */
	nextk[m] = (int64_t)n;
	for (size_t i = m; i-- > 0;) {
		bool in_order = partner[i] >= 0 && (nchange[i] < 0 ||
		                b->d->changes[nchange[i]].kind != SS_CHANGE_MOVED);
		nextk[i] = in_order ? partner[i] : nextk[i + 1];
	}
	size_t rj = 0;
	for (size_t i = 0; i <= m && !b->nomem; i++) {
		int64_t upto = i < m ? nextk[i] : (int64_t)n;
		for (; (int64_t)rj < upto && !b->nomem; rj++) {
			if (ostat[rj] != EL_REMOVED)
				continue;
			if (!pbuf_index(&b->path, (int64_t)rj)) {
				b->nomem = true;
				break;
			}
			const json_t *v = json_array_get(ov, rj);
			if (ochange[rj] >= 0)
				one_side(b, false, DA_REMOVED, ochange[rj], v, NULL, 0, depth + 1, rj + 1 < n);
			else
				one_side(b, false, ctx >= 0 ? DA_MOVED : DA_SAME, ctx, v, NULL, 0, depth + 1,
				         rj + 1 < n);
			b->path.n = mark;
		}
		if (i == m || b->nomem)
			break;
		if (!pbuf_index(&b->path, (int64_t)i)) {
			b->nomem = true;
			break;
		}
		const json_t *nval = json_array_get(nv, i);
		if (partner[i] < 0) {
			if (nchange[i] >= 0)
				one_side(b, true, DA_ADDED, nchange[i], nval, NULL, 0, depth + 1, i + 1 < m);
			else
				one_side(b, true, ctx >= 0 ? DA_MOVED : DA_SAME, ctx, nval, NULL, 0, depth + 1,
				         i + 1 < m);
		} else {
			size_t j = (size_t)partner[i];
			int32_t inner = ctx;
			if (nchange[i] >= 0) { /* moved by identity: faces its old self here */
				inner = nchange[i];
				b->anchor = nchange[i];
			}
			walk_pair(b, json_array_get(ov, j), nval, NULL, 0, depth + 1, j + 1 < n, i + 1 < m,
			          inner);
		}
		b->path.n = mark;
	}
out:
	free(partner);
	free(ostat);
	free(nchange);
	free(ochange);
	free(nextk);
}

/* A node both sides have (matched by key, index or identity), at b->path. */
static void walk_pair(struct builder *b, const json_t *ov, const json_t *nv, const char *key,
                      size_t klen, uint32_t depth, bool ocomma, bool ncomma, int32_t ctx)
{
	if (b->nomem)
		return;
	const struct entry *e = here(b);
	if (e && e->changed >= 0) {
		b->anchor = -1; /* a moved and replaced element: the replacement says more */
		pair_block(b, DA_CHANGED, e->changed, ov, nv, key, klen, depth, ocomma, ncomma);
		return;
	}
	/* An empty container that gained members opens on two lines ("[" and
	 * "]") so that the members added between them have a place. */
	bool descend = e && e->below && json_typeof(ov) == json_typeof(nv) &&
	               (json_is_object(nv) || json_is_array(nv)) && depth < SS_DEPTH_MAX;
	if (!descend) {
		pair_block(b, DA_SAME, ctx, ov, nv, key, klen, depth, ocomma, ncomma);
		return;
	}
	struct spec lo = { ov, key, klen, depth, SP_OPEN, ocomma };
	struct spec ro = { nv, key, klen, depth, SP_OPEN, ncomma };
	emit(b, ctx >= 0 ? DA_MOVED : DA_SAME, ctx, false, &lo, &ro);
	if (json_is_object(nv))
		walk_object(b, ov, nv, depth, ctx);
	else
		walk_array(b, ov, nv, depth, ctx);
	struct spec lc = { ov, NULL, 0, depth, SP_CLOSE, ocomma };
	struct spec rc = { nv, NULL, 0, depth, SP_CLOSE, ncomma };
	emit(b, ctx >= 0 ? DA_MOVED : DA_SAME, ctx, false, &lc, &rc);
}

ss_status da_build(const json_t *old, const json_t *new_, const ss_diff *d,
                   const struct da_opts *opts, struct da_result *out)
{
	memset(out, 0, sizeof *out);
	struct builder b;
	memset(&b, 0, sizeof b);
	b.out = out;
	b.d = d;
	b.anchor = -1;
	if (opts) {
		b.o = *opts;
	} else {
		b.o.context = DA_CONTEXT_DEFAULT;
		b.o.fold_min = DA_FOLD_MIN_DEFAULT;
	}
	b.ring_cap = b.o.context + b.o.fold_min + 1;
	b.ring = malloc(b.ring_cap * sizeof *b.ring);
	if (!b.ring || !table_fill(&b.t, d, &b.path)) {
		b.nomem = true;
		goto out;
	}
	b.path.n = 0;
	const struct entry *root = here(&b);
	if (old && new_) {
		walk_pair(&b, old, new_, NULL, 0, 0, false, false, -1);
	} else if (old) {
		one_side(&b, false, root && root->removed >= 0 ? DA_REMOVED : DA_SAME,
		         root ? root->removed : -1, old, NULL, 0, 0, false);
	} else if (new_) {
		one_side(&b, true, root && root->added >= 0 ? DA_ADDED : DA_SAME,
		         root ? root->added : -1, new_, NULL, 0, 0, false);
	}
	flush(&b, 0);
	out->n_vlines = b.vline;
out:
	free(b.ring);
	free(b.path.b);
	table_free(&b.t);
	if (b.nomem) {
		da_result_free(out);
		return SS_NOMEM;
	}
	return SS_OK;
}

/* ---- unified layout and change list ---------------------------------------- */

bool da_unified(const struct da_result *r, struct da_uline **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t total = 0;
	for (size_t i = 0; i < r->n_rows; i++)
		total += r->rows[i].kind == DA_CHANGED && r->rows[i].has_left && r->rows[i].has_right
		         ? 2 : 1;
	if (total == 0)
		return true;
	struct da_uline *u = malloc(total * sizeof *u);
	if (!u)
		return false;
	size_t k = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct da_row *row = &r->rows[i];
		switch (row->kind) {
		case DA_CHANGED:
			if (row->has_left)
				u[k++] = (struct da_uline){ i, '-', false };
			if (row->has_right)
				u[k++] = (struct da_uline){ i, '+', true };
			if (!row->has_left && !row->has_right)
				u[k++] = (struct da_uline){ i, ' ', true };
			break;
		case DA_ADDED:
			u[k++] = (struct da_uline){ i, '+', true };
			break;
		case DA_REMOVED:
			u[k++] = (struct da_uline){ i, '-', false };
			break;
		case DA_MOVED:
			u[k++] = (struct da_uline){ i, '>', row->has_right };
			break;
		case DA_SAME:
			u[k++] = (struct da_uline){ i, ' ', row->has_right };
			break;
		case DA_FOLD:
			u[k++] = (struct da_uline){ i, 0, false };
			break;
		}
	}
	*out = u;
	*n = k;
	return true;
}

/* Append s to a malloc()ed string; frees it and returns NULL on failure. */
static char *cat(char *acc, const char *s)
{
	if (!acc || !s) {
		free(acc);
		return NULL;
	}
	size_t a = strlen(acc), l = strlen(s);
	char *r = realloc(acc, a + l + 1);
	if (!r) {
		free(acc);
		return NULL;
	}
	memcpy(r + a, s, l + 1);
	return r;
}

static char *cat_path(char *acc, const ss_path *p)
{
	char *jq = ss_path_format_jq(p);
	char *safe = jq ? ss_text_escape(jq, strlen(jq)) : NULL;
	acc = cat(acc, safe);
	free(jq);
	free(safe);
	return acc;
}

/* A value as compact, terminal-safe JSON, cut as cmd_diff.c does: a change
 * list is read line by line, and a 20 MB array on one line helps nobody. */
static char *cat_value(char *acc, const json_t *v, size_t value_max)
{
	size_t len = 0;
	char *s = ss_json_dump(v, SS_DUMP_SAFE, &len);
	if (!s) {
		free(acc);
		return NULL;
	}
	if (value_max > 0 && len > value_max) {
		size_t cut = value_max * 3 / 4;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		char size[48];
		if (len < 1024)
			snprintf(size, sizeof size, "... (%zu B)", len);
		else if (len < 1024 * 1024)
			snprintf(size, sizeof size, "... (%.1f KiB)", (double)len / 1024.0);
		else
			snprintf(size, sizeof size, "... (%.1f MiB)", (double)len / (1024.0 * 1024.0));
		s[cut] = '\0';
		acc = cat(cat(acc, s), size);
	} else {
		acc = cat(acc, s);
	}
	free(s);
	return acc;
}

char *da_change_line(const ss_change *c, size_t value_max)
{
	static const char marks[] = { [SS_CHANGE_ADDED] = '+', [SS_CHANGE_REMOVED] = '-',
	                              [SS_CHANGE_CHANGED] = '~', [SS_CHANGE_MOVED] = '>' };
	char head[3] = { marks[c->kind], ' ', '\0' };
	char *s = cat_path(cat(strdup(""), head), &c->path);
	switch (c->kind) {
	case SS_CHANGE_ADDED:
		s = cat_value(cat(s, ": "), c->new_value, value_max);
		break;
	case SS_CHANGE_REMOVED:
		s = cat_value(cat(s, ": "), c->old_value, value_max);
		break;
	case SS_CHANGE_CHANGED:
		s = cat_value(cat(cat_value(cat(s, ": "), c->old_value, value_max), " -> "),
		              c->new_value, value_max);
		break;
	case SS_CHANGE_MOVED:
		s = cat(cat_path(cat(s, " (from "), &c->old_path), ")");
		break;
	}
	if (c->over_budget)
		s = cat(s, "  (too large to compare in detail: replaced whole)");
	return s;
}
