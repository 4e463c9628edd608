/*
 * jpatch.c - JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396): made
 * from a computed diff or from two values, and applied in place
 * (ss_diff.h).  Nothing here recurses on the depth of a document.
 *
 * Turning a change list into a patch is mostly about array indices, which
 * shift as operations apply.  The change list gives every changed element
 * its old or new index; the patch applies all operations on one array
 * together (removals from the highest index down, then moves computed on
 * the array that remains, then additions in increasing order, then
 * replacements), and only after every array enclosing it is in its final
 * shape, so that paths below use new indices throughout.
 */
#include "ss_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"

#define MUT(v) ((json_t *)(v))  /* jansson's read accessors take non-const */

static bool is_container(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

/* ---- copying ------------------------------------------------------------ */

struct cframe {
	const json_t *src;
	json_t *dst;
	void *it;
	size_t idx;
};

json_t *ss_json_copy(const json_t *v)
{
	if (!v)
		return NULL;
	if (!is_container(v))
		return json_copy(MUT(v));
	json_t *root = json_is_object(v) ? json_object() : json_array();
	struct cframe *st = malloc(32 * sizeof *st);
	size_t n = 0, cap = 32;
	if (!root || !st)
		goto fail;
	st[n++] = (struct cframe){ v, root, json_is_object(v) ? json_object_iter(MUT(v)) : NULL, 0 };
	while (n > 0) {
		struct cframe *f = &st[n - 1];
		const json_t *child;
		const char *key = NULL;
		size_t klen = 0;
		if (json_is_array(f->src)) {
			if (f->idx == json_array_size(f->src)) {
				n--;
				continue;
			}
			child = json_array_get(f->src, f->idx++);
		} else {
			if (!f->it) {
				n--;
				continue;
			}
			key = json_object_iter_key(f->it);
			klen = json_object_iter_key_len(f->it);
			child = json_object_iter_value(f->it);
			f->it = json_object_iter_next(MUT(f->src), f->it);
		}
		json_t *c = !is_container(child) ? json_copy(MUT(child))
		            : json_is_object(child) ? json_object() : json_array();
		json_t *dst = f->dst;
		if (!c || (key ? json_object_setn_new(dst, key, klen, c) : json_array_append_new(dst, c)))
			goto fail;
		if (is_container(child)) {
			if (n == cap) {
				struct cframe *ns = realloc(st, 2 * cap * sizeof *ns);
				if (!ns)
					goto fail;
				st = ns;
				cap *= 2;
			}
			st[n++] = (struct cframe){ child, c,
			                           json_is_object(child) ? json_object_iter(MUT(child)) : NULL, 0 };
		}
	}
	free(st);
	return root;
fail:
	free(st);
	json_decref(root);
	return NULL;
}

/* ---- building patches ----------------------------------------------------- */

static char *pointer_join(const char *prefix, size_t index)
{
	size_t len = strlen(prefix) + 24;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s/%zu", prefix, index);
	return s;
}

/* Append {"op":op,"path":path[,"from":from][,"value":copy of value]}. */
static ss_status put_op(json_t *patch, const char *op, const char *path, const char *from,
                        const json_t *value)
{
	json_t *o = json_object();
	if (!o)
		return SS_NOMEM;
	/* the *_new setters release the value when they fail */
	if (json_object_set_new(o, "op", json_string(op)) ||
	    json_object_set_new(o, "path", json_string(path)) ||
	    (from && json_object_set_new(o, "from", json_string(from))) ||
	    (value && json_object_set_new(o, "value", ss_json_copy(value)))) {
		json_decref(o);
		return SS_NOMEM;
	}
	return json_array_append_new(patch, o) ? SS_NOMEM : SS_OK;
}

struct pitem {
	const ss_change *ch;
	size_t order;       /* position in the change list */
	size_t level;       /* index segments in the path */
	int element;        /* 1 when the path ends with an array index */
};

static int seg_cmp(const ss_path_seg *a, const ss_path_seg *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind == SS_PATH_INDEX)
		return a->index < b->index ? -1 : a->index > b->index;
	return strcmp(a->key, b->key);
}

/* Compare the paths of two changes without their last segment. */
static int parent_cmp(const ss_path *a, const ss_path *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (size_t i = 0; i + 1 < a->n; i++) {
		int c = seg_cmp(&a->segs[i], &b->segs[i]);
		if (c)
			return c;
	}
	return 0;
}

/* Outer levels first; at one level, the arrays' own operations before the
 * members below their elements; one array's operations together. */
static int pitem_cmp(const void *x, const void *y)
{
	const struct pitem *a = x, *b = y;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if (a->element != b->element)
		return a->element > b->element ? -1 : 1;
	if (a->element) {
		int c = parent_cmp(&a->ch->path, &b->ch->path);
		if (c)
			return c;
	}
	return a->order < b->order ? -1 : a->order > b->order;
}

static int size_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	return a < b ? -1 : a > b;
}

/* How many of the sorted v[0..n) are below x. */
static size_t count_below(const size_t *v, size_t n, size_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t last_index(const ss_path *p)
{
	return p->n ? (size_t)p->segs[p->n - 1].index : 0;
}

struct mv {
	size_t r, s;        /* rank among matched elements: old, new */
};

static int mv_cmp(const void *x, const void *y)
{
	const struct mv *a = x, *b = y;
	return a->s < b->s ? -1 : a->s > b->s;
}

/*
 * Moves for one array once its removals are done: the array then holds the
 * matched elements in old order, and the moved ones (those the diff did not
 * keep in place) must reach their new rank.  Everything past the largest
 * rank a move involves keeps its place, so a simulation of that prefix
 * gives the indices.  Each moved element, by increasing new rank, goes
 * right after the element that precedes it in the new order (already
 * settled), which keeps every settled element in its final relative order.
 */
static ss_status emit_moves(json_t *patch, const char *prefix, struct mv *mv, size_t n_mv)
{
	size_t R = 0;
	for (size_t k = 0; k < n_mv; k++) {
		if (mv[k].r > R)
			R = mv[k].r;
		if (mv[k].s > R)
			R = mv[k].s;
	}
	size_t len = R + 1;
	ss_status st = SS_NOMEM;
	size_t *tgt = malloc(len * sizeof *tgt), *cur = malloc(len * sizeof *cur),
	       *pos = malloc(len * sizeof *pos);
	bool *old_moved = calloc(len, sizeof *old_moved), *new_moved = calloc(len, sizeof *new_moved);
	if (!tgt || !cur || !pos || !old_moved || !new_moved)
		goto out;
	for (size_t k = 0; k < n_mv; k++) {
		tgt[mv[k].s] = mv[k].r;
		old_moved[mv[k].r] = true;
		new_moved[mv[k].s] = true;
	}
	for (size_t s = 0, kr = 0; s < len; s++) {
		if (new_moved[s])
			continue;
		while (kr < len && old_moved[kr])
			kr++;
		tgt[s] = kr < len ? kr++ : 0;
	}
	for (size_t i = 0; i < len; i++)
		cur[i] = pos[i] = i;
	qsort(mv, n_mv, sizeof *mv, mv_cmp);
	st = SS_OK;
	for (size_t k = 0; k < n_mv && st == SS_OK; k++) {
		size_t s = mv[k].s, e = mv[k].r, pm = pos[e], q = 0;
		if (s > 0) {
			size_t pp = pos[tgt[s - 1]];
			q = pm < pp ? pp : pp + 1;
		}
		if (q == pm)
			continue;
		char *from = pointer_join(prefix, pm), *to = pointer_join(prefix, q);
		st = from && to ? put_op(patch, "move", to, from, NULL) : SS_NOMEM;
		free(from);
		free(to);
		if (pm < q) {
			memmove(cur + pm, cur + pm + 1, (q - pm) * sizeof *cur);
			cur[q] = e;
			for (size_t i = pm; i <= q; i++)
				pos[cur[i]] = i;
		} else {
			memmove(cur + q + 1, cur + q, (pm - q) * sizeof *cur);
			cur[q] = e;
			for (size_t i = q; i <= pm; i++)
				pos[cur[i]] = i;
		}
	}
out:
	free(tgt);
	free(cur);
	free(pos);
	free(old_moved);
	free(new_moved);
	return st;
}

struct ival {
	size_t idx;
	const json_t *value;
};

static int ival_cmp(const void *x, const void *y)
{
	const struct ival *a = x, *b = y;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* All operations on one array (items share the parent path). */
static ss_status emit_group(json_t *patch, const struct pitem *it, size_t n)
{
	const ss_path *p0 = &it[0].ch->path;
	ss_path parent = { p0->segs, p0->n - 1, p0->n - 1 };
	char *prefix = ss_path_format_pointer(&parent);
	size_t *rem = malloc(n * sizeof *rem);
	struct ival *add = malloc(n * sizeof *add), *chg = malloc(n * sizeof *chg);
	struct mv *mv = malloc(n * sizeof *mv);
	size_t n_rem = 0, n_add = 0, n_chg = 0, n_mv = 0;
	ss_status st = SS_NOMEM;
	if (!prefix || !rem || !add || !chg || !mv)
		goto out;
	for (size_t k = 0; k < n; k++) {
		const ss_change *ch = it[k].ch;
		switch (ch->kind) {
		case SS_CHANGE_REMOVED:
			rem[n_rem++] = last_index(&ch->path);
			break;
		case SS_CHANGE_ADDED:
			add[n_add++] = (struct ival){ last_index(&ch->path), ch->new_value };
			break;
		case SS_CHANGE_CHANGED:
			chg[n_chg++] = (struct ival){ last_index(&ch->path), ch->new_value };
			break;
		case SS_CHANGE_MOVED:
			mv[n_mv++] = (struct mv){ last_index(&ch->old_path), last_index(&ch->path) };
			break;
		}
	}
	qsort(rem, n_rem, sizeof *rem, size_cmp);
	qsort(add, n_add, sizeof *add, ival_cmp);
	qsort(chg, n_chg, sizeof *chg, ival_cmp);
	st = SS_OK;
	for (size_t k = n_rem; k-- > 0 && st == SS_OK;) {
		char *path = pointer_join(prefix, rem[k]);
		st = path ? put_op(patch, "remove", path, NULL, NULL) : SS_NOMEM;
		free(path);
	}
	if (n_mv && st == SS_OK) {
		size_t *add_idx = malloc(n_add ? n_add * sizeof *add_idx : 1);
		if (!add_idx) {
			st = SS_NOMEM;
			goto out;
		}
		for (size_t k = 0; k < n_add; k++)
			add_idx[k] = add[k].idx;
		for (size_t k = 0; k < n_mv; k++) {
			mv[k].r -= count_below(rem, n_rem, mv[k].r);
			mv[k].s -= count_below(add_idx, n_add, mv[k].s);
		}
		free(add_idx);
		st = emit_moves(patch, prefix, mv, n_mv);
	}
	for (size_t k = 0; k < n_add && st == SS_OK; k++) {
		char *path = pointer_join(prefix, add[k].idx);
		st = path ? put_op(patch, "add", path, NULL, add[k].value) : SS_NOMEM;
		free(path);
	}
	for (size_t k = 0; k < n_chg && st == SS_OK; k++) {
		char *path = pointer_join(prefix, chg[k].idx);
		st = path ? put_op(patch, "replace", path, NULL, chg[k].value) : SS_NOMEM;
		free(path);
	}
out:
	free(prefix);
	free(rem);
	free(add);
	free(chg);
	free(mv);
	return st;
}

static ss_status emit_single(json_t *patch, const ss_change *ch)
{
	char *path = ss_path_format_pointer(&ch->path);
	if (!path)
		return SS_NOMEM;
	ss_status st;
	switch (ch->kind) {
	case SS_CHANGE_ADDED:
		st = put_op(patch, "add", path, NULL, ch->new_value);
		break;
	case SS_CHANGE_REMOVED:
		st = put_op(patch, "remove", path, NULL, NULL);
		break;
	case SS_CHANGE_CHANGED:
		st = put_op(patch, "replace", path, NULL, ch->new_value);
		break;
	default: /* a move is always of an array element: emit_group() */
		st = SS_INTERNAL;
		break;
	}
	free(path);
	return st;
}

json_t *ss_diff_to_json_patch(const ss_diff *d)
{
	json_t *patch = json_array();
	struct pitem *it = malloc((d->n ? d->n : 1) * sizeof *it);
	if (!patch || !it)
		goto fail;
	for (size_t k = 0; k < d->n; k++) {
		const ss_path *p = &d->changes[k].path;
		size_t level = 0;
		for (size_t i = 0; i < p->n; i++)
			level += p->segs[i].kind == SS_PATH_INDEX;
		it[k] = (struct pitem){ &d->changes[k], k, level,
		                        p->n && p->segs[p->n - 1].kind == SS_PATH_INDEX };
	}
	qsort(it, d->n, sizeof *it, pitem_cmp);
	for (size_t k = 0; k < d->n;) {
		size_t e = k + 1;
		ss_status st;
		if (it[k].element) {
			while (e < d->n && it[e].element && it[e].level == it[k].level &&
			       parent_cmp(&it[e].ch->path, &it[k].ch->path) == 0)
				e++;
			st = emit_group(patch, it + k, e - k);
		} else {
			st = emit_single(patch, it[k].ch);
		}
		if (st != SS_OK)
			goto fail;
		k = e;
	}
	free(it);
	return patch;
fail:
	free(it);
	json_decref(patch);
	return NULL;
}

json_t *ss_json_patch_make(const json_t *old, const json_t *new_, const ss_diff_opts *opts)
{
	/* Exact by contract: ignore rules would drop changes, so only the array
	 * keys (which change how, not whether, a difference is expressed) and
	 * the budget are taken from opts. */
	ss_diff_opts o = { 0 };
	if (opts) {
		o.array_keys = opts->array_keys;
		o.n_array_keys = opts->n_array_keys;
		o.no_identity = opts->no_identity;
		o.budget = opts->budget;
	}
	ss_diff d;
	if (ss_diff_compute(old, new_, &o, &d, NULL, 0) != SS_OK)
		return NULL;
	json_t *patch = ss_diff_to_json_patch(&d);
	ss_diff_clear(&d);
	return patch;
}

/* ---- applying JSON Patch ------------------------------------------------ */

enum op_kind { OP_ADD, OP_REMOVE, OP_REPLACE, OP_MOVE, OP_COPY, OP_TEST };
static const char *const op_names[] = { "add", "remove", "replace", "move", "copy", "test" };

/* Reason texts are static; an allocation failure is reported apart. */
#define NOMEM_REASON "out of memory"

struct tokbuf {
	char *s;
	size_t cap;
};

static bool pointer_valid(const char *p, size_t len)
{
	if (len && p[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '~' && (i + 1 == len || (p[i + 1] != '0' && p[i + 1] != '1')))
			return false;
	return true;
}

/* Unescape the token starting after the '/' at *p (of a valid pointer
 * ending at end) into tb; advance *p to the next '/' or end.  Returns the
 * token's length, or SIZE_MAX when out of memory. */
static size_t next_token(const char **p, const char *end, struct tokbuf *tb)
{
	const char *s = *p + 1, *e = s;
	while (e < end && *e != '/')
		e++;
	size_t need = (size_t)(e - s) + 1;
	if (need > tb->cap) {
		size_t cap = tb->cap ? tb->cap : 64;
		while (cap < need)
			cap *= 2;
		char *ns = realloc(tb->s, cap);
		if (!ns)
			return SIZE_MAX;
		tb->s = ns;
		tb->cap = cap;
	}
	size_t n = 0;
	for (const char *q = s; q < e; q++) {
		if (*q == '~') {
			tb->s[n++] = q[1] == '0' ? '~' : '/';
			q++;
		} else {
			tb->s[n++] = *q;
		}
	}
	tb->s[n] = '\0';
	*p = e;
	return n;
}

/* An array index token: "0" or no leading zero; "-" (one past the end)
 * only where `end_ok` (add's target).  `size` bounds it: idx < size, or
 * idx <= size with end_ok. */
static const char *array_index(const char *tok, size_t len, size_t size, bool end_ok, size_t *idx)
{
	if (len == 1 && tok[0] == '-') {
		if (!end_ok)
			return "'-' names no existing element";
		*idx = size;
		return NULL;
	}
	if (len == 0)
		return "an array index must be a number";
	if (len > 1 && tok[0] == '0')
		return "array index with a leading zero";
	size_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return "an array index must be a number";
		if (v > (SIZE_MAX - 9) / 10)
			return "array index out of range";
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	if (v > size || (v == size && !end_ok))
		return "array index out of range";
	*idx = v;
	return NULL;
}

/*
 * Walk every token of the pointer but the last; *parent gets the container
 * holding the target (NULL for the root itself, the pointer ""), tb the last
 * token and *last_len its length.  Returns NULL or the reason it failed.
 */
static const char *walk_parent(json_t *doc, const char *ptr, size_t ptr_len, struct tokbuf *tb,
                               json_t **parent, size_t *last_len)
{
	*parent = NULL;
	if (ptr_len == 0)
		return NULL;
	if (!doc)
		return "the document is absent";
	const char *p = ptr, *end = ptr + ptr_len;
	json_t *cur = doc;
	for (;;) {
		size_t len = next_token(&p, end, tb);
		if (len == SIZE_MAX)
			return NOMEM_REASON;
		if (p == end) {
			if (!is_container(cur))
				return "the parent of the target is not an object or array";
			*parent = cur;
			*last_len = len;
			return NULL;
		}
		if (json_is_object(cur)) {
			cur = json_object_getn(cur, tb->s, len);
			if (!cur)
				return "path not found";
		} else if (json_is_array(cur)) {
			size_t idx;
			const char *why = array_index(tb->s, len, json_array_size(cur), false, &idx);
			if (why)
				return why;
			cur = json_array_get(cur, idx);
		} else {
			return "path goes through a value that is not an object or array";
		}
	}
}

/* The value at a pointer (borrowed), or NULL with *why. */
static json_t *get_at(json_t *doc, const char *ptr, size_t ptr_len, struct tokbuf *tb,
                      const char **why)
{
	json_t *parent;
	size_t len;
	if ((*why = walk_parent(doc, ptr, ptr_len, tb, &parent, &len)))
		return NULL;
	if (!parent) {
		if (!doc)
			*why = "the document is absent";
		return doc;
	}
	json_t *v;
	if (json_is_object(parent)) {
		v = json_object_getn(parent, tb->s, len);
		if (!v)
			*why = "path not found";
		return v;
	}
	size_t idx;
	if ((*why = array_index(tb->s, len, json_array_size(parent), false, &idx)))
		return NULL;
	return json_array_get(parent, idx);
}

/* Put `value` (stolen) at the pointer: RFC 6902 "add". */
static const char *put_at(json_t **doc, const char *ptr, size_t ptr_len, json_t *value,
                          struct tokbuf *tb)
{
	json_t *parent;
	size_t len;
	const char *why = walk_parent(*doc, ptr, ptr_len, tb, &parent, &len);
	if (why) {
		json_decref(value);
		return why;
	}
	if (!parent) {
		json_decref(*doc);
		*doc = value;
		return NULL;
	}
	if (json_is_object(parent))
		return json_object_setn_new(parent, tb->s, len, value) ? NOMEM_REASON : NULL;
	size_t idx, size = json_array_size(parent);
	if ((why = array_index(tb->s, len, size, true, &idx))) {
		json_decref(value);
		return why;
	}
	int r = idx == size ? json_array_append_new(parent, value)
	                    : json_array_insert_new(parent, idx, value);
	return r ? NOMEM_REASON : NULL;
}

/* RFC 6902 "remove" (and "replace" with a value, stolen): the target must exist. */
static const char *take_at(json_t **doc, const char *ptr, size_t ptr_len, json_t *replacement,
                           struct tokbuf *tb)
{
	json_t *parent;
	size_t len;
	const char *why = walk_parent(*doc, ptr, ptr_len, tb, &parent, &len);
	if (!why && !parent && !*doc)
		why = "the document is absent";
	if (why) {
		json_decref(replacement);
		return why;
	}
	if (!parent) {
		json_decref(*doc);
		*doc = replacement; /* removing the root leaves no document */
		return NULL;
	}
	if (json_is_object(parent)) {
		if (!json_object_getn(parent, tb->s, len)) {
			json_decref(replacement);
			return "path not found";
		}
		if (!replacement)
			return json_object_deln(parent, tb->s, len) ? "path not found" : NULL;
		return json_object_setn_new(parent, tb->s, len, replacement) ? NOMEM_REASON : NULL;
	}
	size_t idx;
	if ((why = array_index(tb->s, len, json_array_size(parent), false, &idx))) {
		json_decref(replacement);
		return why;
	}
	if (!replacement)
		return json_array_remove(parent, idx) ? "path not found" : NULL;
	return json_array_set_new(parent, idx, replacement) ? NOMEM_REASON : NULL;
}

struct op {
	enum op_kind kind;
	const char *path, *from;
	size_t path_len, from_len;
	const json_t *value;
};

/* Read and check operation i; NULL or the reason it is malformed. */
static const char *op_read(const json_t *o, struct op *op)
{
	if (!json_is_object(o))
		return "an operation must be an object";
	const json_t *name = json_object_get(o, "op");
	if (!json_is_string(name))
		return "missing \"op\" (a string)";
	size_t k = 0;
	while (k < 6 && strcmp(json_string_value(name), op_names[k]) != 0)
		k++;
	if (k == 6)
		return "unknown \"op\" (add, remove, replace, move, copy or test)";
	op->kind = (enum op_kind)k;
	const json_t *path = json_object_get(o, "path");
	if (!json_is_string(path))
		return "missing \"path\" (a string)";
	op->path = json_string_value(path);
	op->path_len = json_string_length(path);
	if (!pointer_valid(op->path, op->path_len))
		return "\"path\" is not a JSON Pointer";
	op->from = NULL;
	op->from_len = 0;
	if (op->kind == OP_MOVE || op->kind == OP_COPY) {
		const json_t *from = json_object_get(o, "from");
		if (!json_is_string(from))
			return "missing \"from\" (a string)";
		op->from = json_string_value(from);
		op->from_len = json_string_length(from);
		if (!pointer_valid(op->from, op->from_len))
			return "\"from\" is not a JSON Pointer";
	}
	op->value = json_object_get(o, "value");
	if (!op->value && (op->kind == OP_ADD || op->kind == OP_REPLACE || op->kind == OP_TEST))
		return "missing \"value\"";
	return NULL;
}

static const char *op_apply(json_t **doc, const struct op *op, struct tokbuf *tb)
{
	const char *why = NULL;
	json_t *v;
	switch (op->kind) {
	case OP_ADD:
		if (!(v = ss_json_copy(op->value)))
			return NOMEM_REASON;
		return put_at(doc, op->path, op->path_len, v, tb);
	case OP_REMOVE:
		return take_at(doc, op->path, op->path_len, NULL, tb);
	case OP_REPLACE:
		if (!(v = ss_json_copy(op->value)))
			return NOMEM_REASON;
		return take_at(doc, op->path, op->path_len, v, tb);
	case OP_TEST:
		if (!(v = get_at(*doc, op->path, op->path_len, tb, &why)))
			return why;
		return ss_json_equal(v, op->value) ? NULL : "test failed: the value differs";
	case OP_COPY:
		if (!(v = get_at(*doc, op->from, op->from_len, tb, &why)))
			return why;
		if (!(v = ss_json_copy(v)))
			return NOMEM_REASON;
		return put_at(doc, op->path, op->path_len, v, tb);
	case OP_MOVE:
		if (!(v = get_at(*doc, op->from, op->from_len, tb, &why)))
			return why;
		if (op->from_len == op->path_len && memcmp(op->from, op->path, op->path_len) == 0)
			return NULL;
		if (op->from_len < op->path_len && memcmp(op->from, op->path, op->from_len) == 0 &&
		    op->path[op->from_len] == '/')
			return "cannot move a value into one of its own children";
		/* The node itself moves: it leaves one place before entering the
		 * other, so the document never holds it twice. */
		json_incref(v);
		if ((why = take_at(doc, op->from, op->from_len, NULL, tb))) {
			json_decref(v);
			return why;
		}
		return put_at(doc, op->path, op->path_len, v, tb);
	}
	return "internal error";
}

static void op_error(char *err, size_t err_size, size_t i, const char *name, const char *path,
                     size_t path_len, const char *why)
{
	if (!err || !err_size)
		return;
	char *esc = path ? ss_text_escape(path, path_len > 80 ? 80 : path_len) : NULL;
	if (name)
		snprintf(err, err_size, "patch operation %zu (%s \"%s%s\"): %s", i, name,
		         esc ? esc : "", path_len > 80 ? "..." : "", why);
	else
		snprintf(err, err_size, "patch operation %zu: %s", i, why);
	free(esc);
}

ss_status ss_json_patch_apply(json_t **doc, const json_t *patch, char *err, size_t err_size)
{
	if (!json_is_array(patch)) {
		if (err && err_size)
			snprintf(err, err_size, "a JSON Patch must be an array of operations");
		return SS_INPUT;
	}
	size_t n = json_array_size(patch);
	struct op op;
	for (size_t i = 0; i < n; i++) {
		const char *why = op_read(json_array_get(patch, i), &op);
		if (why) {
			op_error(err, err_size, i, NULL, NULL, 0, why);
			return SS_INPUT;
		}
	}
	struct tokbuf tb = { 0 };
	ss_status st = SS_OK;
	for (size_t i = 0; i < n && st == SS_OK; i++) {
		op_read(json_array_get(patch, i), &op);
		const char *why = op_apply(doc, &op, &tb);
		if (why) {
			st = strcmp(why, NOMEM_REASON) == 0 ? SS_NOMEM : SS_INPUT;
			op_error(err, err_size, i, op_names[op.kind], op.path, op.path_len, why);
		}
	}
	free(tb.s);
	return st;
}

/* ---- merge patch ---------------------------------------------------------- */

/* A key path for messages, built only when one is needed. */
static void key_path_error(char *err, size_t err_size, const char *const *keys, size_t n,
                           const char *last, const char *why)
{
	if (!err || !err_size)
		return;
	ss_path p = { 0 };
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		if (keys[i]) /* NULL: the root, which has no key */
			ok = ss_path_push_key(&p, keys[i]) == SS_OK;
	if (ok && last)
		ok = ss_path_push_key(&p, last) == SS_OK;
	char *jq = ok ? ss_path_format_jq(&p) : NULL;
	char *esc = jq ? ss_text_escape(jq, strlen(jq)) : NULL;
	snprintf(err, err_size, "no merge patch can express %s: %s", esc ? esc : "a member", why);
	free(esc);
	free(jq);
	ss_path_clear(&p);
}

struct kframe {
	const json_t *obj;
	void *it;
	const char *key;    /* how the parent reaches it */
};

/*
 * A value written whole into a merge patch is merged, not assigned, where it
 * is an object: a null member anywhere down its objects would delete
 * instead of set.  Arrays are assigned as they are, so their insides are
 * not looked at.  `prefix` names where v goes (for the message).
 */
static ss_status check_no_null(const json_t *v, const char *const *prefix, size_t n_prefix,
                               const char *key, char *err, size_t err_size)
{
	if (!json_is_object(v))
		return SS_OK;
	size_t cap = 16, n = 0;
	struct kframe *st = malloc(cap * sizeof *st);
	const char **keys = malloc((n_prefix + cap + 1) * sizeof *keys);
	ss_status rc = SS_NOMEM;
	if (!st || !keys)
		goto out;
	if (n_prefix)
		memcpy(keys, prefix, n_prefix * sizeof *keys);
	keys[n_prefix] = key;
	st[n++] = (struct kframe){ v, json_object_iter(MUT(v)), key };
	rc = SS_OK;
	while (n > 0 && rc == SS_OK) {
		struct kframe *f = &st[n - 1];
		if (!f->it) {
			n--;
			continue;
		}
		const char *k = json_object_iter_key(f->it);
		const json_t *c = json_object_iter_value(f->it);
		f->it = json_object_iter_next(MUT(f->obj), f->it);
		if (json_is_null(c)) {
			key_path_error(err, err_size, keys, n_prefix + n, k,
			               "a member set to null (null deletes in a merge patch)");
			rc = SS_USAGE;
		} else if (json_is_object(c)) {
			if (n == cap) {
				cap *= 2;
				struct kframe *ns = realloc(st, cap * sizeof *ns);
				const char **nk = ns ? realloc(keys, (n_prefix + cap + 1) * sizeof *nk) : NULL;
				if (ns)
					st = ns;
				if (!nk) {
					rc = SS_NOMEM;
					break;
				}
				keys = nk;
			}
			keys[n_prefix + n] = k;
			st[n++] = (struct kframe){ c, json_object_iter(MUT(c)), k };
		}
	}
out:
	free(st);
	free(keys);
	return rc;
}

struct mframe {
	const json_t *old, *new_;
	json_t *patch;      /* this level's patch object */
	void *it_new, *it_old;
	const char *key;    /* member of the parent's patch; NULL at the root */
};

ss_status ss_merge_patch_make(const json_t *old, const json_t *new_, json_t **patch, char *err,
                              size_t err_size)
{
	*patch = NULL;
	if (!new_) {
		if (err && err_size)
			snprintf(err, err_size, "no merge patch makes a document absent");
		return SS_USAGE;
	}
	if (!json_is_object(new_) || !json_is_object(old)) {
		ss_status st = check_no_null(new_, NULL, 0, NULL, err, err_size);
		if (st == SS_OK && !(*patch = ss_json_copy(new_)))
			st = SS_NOMEM;
		return st;
	}
	size_t cap = 16, n = 0;
	struct mframe *st = malloc(cap * sizeof *st);
	const char **keys = malloc(cap * sizeof *keys);
	json_t *root = json_object();
	ss_status rc = SS_NOMEM;
	if (!st || !keys || !root)
		goto out;
	st[n++] = (struct mframe){ old, new_, root, json_object_iter(MUT(new_)),
	                           json_object_iter(MUT(old)), NULL };
	rc = SS_OK;
	while (n > 0 && rc == SS_OK) {
		struct mframe *f = &st[n - 1];
		/* keys[0..n-1) name this frame's object (frame 0 is the root) */
		if (f->it_new) {
			const char *k = json_object_iter_key(f->it_new);
			size_t klen = json_object_iter_key_len(f->it_new);
			const json_t *nv = json_object_iter_value(f->it_new);
			f->it_new = json_object_iter_next(MUT(f->new_), f->it_new);
			const json_t *ov = json_object_getn(f->old, k, klen);
			if (json_is_null(nv)) {
				if (!json_is_null(ov)) {
					key_path_error(err, err_size, keys, n - 1, k,
					               ov ? "a member changed to null (null deletes in a merge patch)"
					                  : "a new member set to null (null deletes in a merge patch)");
					rc = SS_USAGE;
				}
				continue;
			}
			if (json_is_object(ov) && json_is_object(nv)) {
				json_t *sub = json_object();
				if (!sub || json_object_setn_new(f->patch, k, klen, sub)) {
					rc = SS_NOMEM;
					break;
				}
				if (n == cap) {
					cap *= 2;
					struct mframe *ns = realloc(st, cap * sizeof *ns);
					const char **nk = ns ? realloc(keys, cap * sizeof *nk) : NULL;
					if (ns)
						st = ns;
					if (!nk) {
						rc = SS_NOMEM;
						break;
					}
					keys = nk;
				}
				keys[n - 1] = k;
				st[n++] = (struct mframe){ ov, nv, sub, json_object_iter(MUT(nv)),
				                           json_object_iter(MUT(ov)), k };
				continue;
			}
			if (ov && ss_json_equal(ov, nv))
				continue;
			if ((rc = check_no_null(nv, keys, n - 1, k, err, err_size)) != SS_OK)
				break;
			json_t *c = ss_json_copy(nv);
			if (!c || json_object_setn_new(f->patch, k, klen, c))
				rc = SS_NOMEM;
			continue;
		}
		if (f->it_old) {
			const char *k = json_object_iter_key(f->it_old);
			size_t klen = json_object_iter_key_len(f->it_old);
			f->it_old = json_object_iter_next(MUT(f->old), f->it_old);
			if (!json_object_getn(f->new_, k, klen) &&
			    json_object_setn_new(f->patch, k, klen, json_null()))
				rc = SS_NOMEM;
			continue;
		}
		/* Done with this object: an unchanged one leaves no trace. */
		if (f->key && json_object_size(f->patch) == 0)
			json_object_del(st[n - 2].patch, f->key);
		n--;
	}
out:
	free(st);
	free(keys);
	if (rc != SS_OK) {
		json_decref(root);
		if (rc == SS_NOMEM && err && err_size)
			snprintf(err, err_size, "out of memory");
		return rc;
	}
	*patch = root;
	return SS_OK;
}

struct aframe {
	json_t *target;
	const json_t *patch;
	void *it;
};

ss_status ss_merge_patch_apply(json_t **doc, const json_t *patch, char *err, size_t err_size)
{
	if (!patch) {
		if (err && err_size)
			snprintf(err, err_size, "no merge patch given");
		return SS_INPUT;
	}
	if (!json_is_object(patch)) {
		json_t *c = ss_json_copy(patch);
		if (!c)
			goto nomem;
		json_decref(*doc);
		*doc = c;
		return SS_OK;
	}
	if (!json_is_object(*doc)) {
		json_t *o = json_object();
		if (!o)
			goto nomem;
		json_decref(*doc);
		*doc = o;
	}
	size_t cap = 16, n = 0;
	struct aframe *st = malloc(cap * sizeof *st);
	if (!st)
		goto nomem;
	st[n++] = (struct aframe){ *doc, patch, json_object_iter(MUT(patch)) };
	while (n > 0) {
		struct aframe *f = &st[n - 1];
		if (!f->it) {
			n--;
			continue;
		}
		const char *k = json_object_iter_key(f->it);
		size_t klen = json_object_iter_key_len(f->it);
		const json_t *pv = json_object_iter_value(f->it);
		f->it = json_object_iter_next(MUT(f->patch), f->it);
		if (json_is_null(pv)) {
			json_object_deln(f->target, k, klen);
			continue;
		}
		if (!json_is_object(pv)) {
			json_t *c = ss_json_copy(pv);
			if (!c || json_object_setn_new(f->target, k, klen, c))
				goto nomem_st;
			continue;
		}
		json_t *t = json_object_getn(f->target, k, klen);
		if (!json_is_object(t)) {
			t = json_object();
			if (!t || json_object_setn_new(f->target, k, klen, t))
				goto nomem_st;
		}
		if (n == cap) {
			struct aframe *ns = realloc(st, 2 * cap * sizeof *ns);
			if (!ns)
				goto nomem_st;
			st = ns;
			cap *= 2;
		}
		st[n++] = (struct aframe){ t, pv, json_object_iter(MUT(pv)) };
	}
	free(st);
	return SS_OK;
nomem_st:
	free(st);
nomem:
	if (err && err_size)
		snprintf(err, err_size, "out of memory applying a merge patch");
	return SS_NOMEM;
}
