/*
 * json_dump.c - JSON serialisation: the canonical form whose SHA-256 is a
 * snapshot's checksum (ss_checksum_json()), and the compact, indented and
 * terminal-safe forms the command line and the TUI show (ss_json_dump()).
 *
 * The canonical form equals, byte for byte, Python's
 *   json.dumps(state, sort_keys=True, separators=(",", ":"),
 *              ensure_ascii=False).encode()
 * so anyone can recompute a checksum without snapscope (DESIGN.md).  That
 * fixes three things jansson's own json_dumps() does differently: reals are
 * written as Python's repr() writes them, keys sort by code point, and only
 * the escapes JSON requires are used.
 *
 * The walk is iterative with an explicit stack: a json_t built in C can be
 * nested far deeper than any parser allows, and serialising it must not
 * overflow the C stack.
 */
#include "snapscope.h"
#include "ss_hash.h"
#include "utf8.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output: a growing buffer, or a window streamed into a hash --------- */

/* While hashing, bytes are gathered into a buffer of this size and fed to
 * SHA-256 a window at a time: no second copy of a 64 MiB state. */
#define HASH_WINDOW (64u * 1024u)

struct out {
	char *buf;
	size_t len;
	size_t cap;
	ss_sha256 *hash;            /* non-NULL: flush the window into it */
	bool failed;                /* out of memory; everything after is dropped */
};

static bool out_grow(struct out *o, size_t need)
{
	size_t cap = o->cap ? o->cap : 256;
	while (cap - o->len < need) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	char *nb = realloc(o->buf, cap);
	if (!nb)
		return false;
	o->buf = nb;
	o->cap = cap;
	return true;
}

static void out_put(struct out *o, const void *data, size_t n)
{
	if (o->failed || n == 0)
		return;
	if (o->cap - o->len < n) {
		if (o->hash) {
			ss_sha256_update(o->hash, o->buf, o->len);
			o->len = 0;
			if (n >= o->cap) {
				ss_sha256_update(o->hash, data, n);
				return;
			}
		} else if (!out_grow(o, n + 1)) {   /* + 1: room for the final NUL */
			o->failed = true;
			return;
		}
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_indent(struct out *o, size_t depth)
{
	static const char spaces[] = "                                ";
	size_t n = 2 * depth;

	out_put(o, "\n", 1);
	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		out_put(o, spaces, k);
		n -= k;
	}
}

/* ---- numbers -------------------------------------------------------------- */

/*
 * Parse the output of "%.*e" into its significant digits and decimal
 * exponent.  Only digits, the sign of the exponent and the 'e' are read,
 * so a locale's decimal separator (after a program's setlocale()) does
 * not matter.
 * Returns the number of digits.
 */
static size_t split_sci(const char *s, char *digits, int *exp10)
{
	size_t n = 0;

	for (; *s && *s != 'e'; s++) {
		if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
	}
	*exp10 = *s == 'e' ? atoi(s + 1) : 0;
	return n;
}

/* The double that digits[0..n) x 10^(exp10 - n + 1) reads back as.
 * Written as an integer mantissa for the same locale reason. */
static double read_back(const char *digits, size_t n, int exp10)
{
	char text[48];

	snprintf(text, sizeof text, "%.*se%d", (int)n, digits, exp10 - (int)n + 1);
	return strtod(text, NULL);
}

/* Add one unit in the last place to n digits; a carry out of the first
 * digit (999 -> 1000) keeps n digits and raises the exponent. */
static void digits_up(char *d, size_t n, int *exp10)
{
	size_t i = n;
	while (i > 0 && d[i - 1] == '9')
		d[--i] = '0';
	if (i > 0) {
		d[i - 1]++;
	} else {
		d[0] = '1';
		(*exp10)++;
	}
}

/* Subtract one unit in the last place; below 100..0 the next n-digit value
 * is 99..9 of the exponent below. */
static void digits_down(char *d, size_t n, int *exp10)
{
	size_t i = n;
	while (i > 0 && d[i - 1] == '0')
		d[--i] = '9';
	d[i - 1]--;
	if (d[0] == '0') {
		memset(d, '9', n);
		(*exp10)--;
	}
}

/*
 * Digits of exactly `prec` significant places that read back as x, or 0
 * when there are none.  d17/e17 are x correctly rounded to 17 digits.
 *
 * The correctly rounded prec digits are tried first: they are the closest,
 * which is the tie rule of Python's repr().  They come from rounding d17,
 * which is exact unless the dropped digits are exactly 50..0 (x itself may
 * then lie on either side of the half), where printf rounds x again.  Next
 * to a power of two the interval of values that read back as x is lopsided
 * (the gap below is half the gap above), so the nearest digits can miss
 * while the neighbour on the far side of x fits: that neighbour is tried
 * too.  No other prec-digit value can be closer.
 */
static size_t digits_at(double x, int prec, const char *d17, int e17,
                        char *out, int *exp10)
{
	size_t n = (size_t)prec;
	int e = e17;

	memcpy(out, d17, n);
	if (n < 17) {
		size_t k = n + 1;
		while (k < 17 && d17[k] == '0')
			k++;
		if (d17[n] == '5' && k == 17) {
			char text[48];
			snprintf(text, sizeof text, "%.*e", prec - 1, x);
			n = split_sci(text, out, &e);
		} else if (d17[n] >= '5') {
			digits_up(out, n, &e);
		}
	}
	double back = read_back(out, n, e);
	if (back == x) {
		*exp10 = e;
		return n;
	}
	/* The nearest digits missed on one side; the next value on the same
	 * side is farther still, so only the neighbour across x can fit. */
	char other[32];
	int eo = e;
	memcpy(other, out, n);
	if (back < x)
		digits_up(other, n, &eo);
	else
		digits_down(other, n, &eo);
	if (read_back(other, n, eo) == x) {
		memcpy(out, other, n);
		*exp10 = eo;
		return n;
	}
	return 0;
}

/*
 * The shortest digits that read back as x (x finite, > 0), trailing zeros
 * dropped, and the decimal exponent of the first digit.
 *
 * "Some prec-digit value reads back" holds for every prec from the shortest
 * up (append a zero), so the shortest is found by search.  printf and
 * strtod are the cost, so the search starts from a guess: where the 17
 * digits turn into a run of zeros or nines up to the last (noisy) digit,
 * as in 0.1 = 1.0000000000000001e-01.  The guess is confirmed by one
 * length failing and the next succeeding; otherwise a binary search over
 * the side it fell on decides.  Seventeen digits always read back.
 */
static size_t shortest_digits(double x, char *out, int *exp10)
{
	char text[48], d17[32], d[32];
	int e17, e;

	snprintf(text, sizeof text, "%.16e", x);
	if (split_sci(text, d17, &e17) != 17)
		return 0;       /* not reached: %.16e prints 17 digits */

	int guess = 16;
	for (int p = 1; p < 16; p++) {
		int k = p;
		while (k < 16 && d17[k] == d17[p] && (d17[p] == '0' || d17[p] == '9'))
			k++;
		if (k == 16) {
			guess = p;
			break;
		}
	}

	int lo = 1, hi = 17;        /* the shortest is in [lo, hi] */
	size_t best = 0;
	size_t n = digits_at(x, guess, d17, e17, d, &e);
	if (n > 0) {
		memcpy(out, d, n);
		*exp10 = e;
		best = n;
		hi = guess;
		if (guess > 1 && digits_at(x, guess - 1, d17, e17, d, &e) == 0)
			lo = guess;     /* confirmed */
	} else {
		lo = guess + 1;
	}
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		n = digits_at(x, mid, d17, e17, d, &e);
		if (n > 0) {
			memcpy(out, d, n);
			*exp10 = e;
			best = n;
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	if (best == 0 || (size_t)hi != best)
		best = digits_at(x, hi, d17, e17, out, exp10);
	while (best > 1 && out[best - 1] == '0')
		best--;
	return best;
}

/*
 * Decimal digits of an integer into buf (at least 21 bytes); returns the
 * length.  printf's machinery is most of the cost of serialising a state of
 * counters, and this is the one conversion that needs none of it.
 */
static size_t format_integer(json_int_t value, char *buf)
{
	char tmp[24];
	size_t n = 0, o = 0;
	/* Work in unsigned so that the most negative value negates safely. */
	unsigned long long u = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (value < 0)
		buf[o++] = '-';
	while (n)
		buf[o++] = tmp[--n];
	return o;
}

/*
 * The fast path of shortest_digits(): most reals in real states came from
 * decimal text of at most 15 significant digits (coordinates, prices,
 * ratios).  Rounding x to 15 digits then gives exactly those digits padded
 * with zeros, because x lies within half an ulp (2^-53 relative) of them
 * while the 15-digit grid's half-step is at least 5e-16 relative; and when
 * that rounding reads back as x, no shorter digits can (they would have
 * shown up padded), and the result is the correctly rounded, i.e. closest,
 * candidate of its length: Python repr()'s choice.  One printf and one
 * strtod, instead of the search.  Returns 0 when x needs 16 or 17 digits.
 */
static size_t shortest_digits_15(double x, char *out, int *exp10)
{
	/* Subnormals have fewer than 53 bits: half an ulp can exceed the
	 * half-step, and the argument above does not hold. */
	if (x < DBL_MIN)
		return 0;
	char text[48];
	snprintf(text, sizeof text, "%.14e", x);
	size_t n = split_sci(text, out, exp10);
	if (n != 15 || read_back(out, n, *exp10) != x)
		return 0;
	while (n > 1 && out[n - 1] == '0')
		n--;
	return n;
}

/*
 * A real as Python's repr() writes it: shortest round-trip digits; fixed
 * notation when the decimal point falls in (-4, 16] digits from the first
 * digit ("0.0001", "1000000000000000.0", always with a fraction), else
 * d.ddde+XX with at least two exponent digits ("1e-05", "1e+16").
 * Non-finite values (jansson refuses to make them, but a caller's build of
 * jansson might not) are written as Python writes them: NaN, Infinity.
 */
static void format_real(double x, char *buf, size_t size)
{
	char d[32];
	int e;

	if (isnan(x)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(x)) {
		snprintf(buf, size, "%sInfinity", x < 0 ? "-" : "");
		return;
	}
	if (x == 0) {
		snprintf(buf, size, "%s0.0", signbit(x) ? "-" : "");
		return;
	}

	size_t n = shortest_digits_15(fabs(x), d, &e);
	if (n == 0)
		n = shortest_digits(fabs(x), d, &e);
	int point = e + 1;          /* digits before the decimal point */
	size_t o = 0;

	if (signbit(x))
		buf[o++] = '-';
	if (point > -4 && point <= 16) {
		if (point <= 0) {
			buf[o++] = '0';
			buf[o++] = '.';
			for (int k = 0; k < -point; k++)
				buf[o++] = '0';
			memcpy(buf + o, d, n);
			o += n;
		} else if ((size_t)point >= n) {
			memcpy(buf + o, d, n);
			o += n;
			for (size_t k = n; k < (size_t)point; k++)
				buf[o++] = '0';
			buf[o++] = '.';
			buf[o++] = '0';
		} else {
			memcpy(buf + o, d, (size_t)point);
			o += (size_t)point;
			buf[o++] = '.';
			memcpy(buf + o, d + point, n - (size_t)point);
			o += n - (size_t)point;
		}
		buf[o] = '\0';
	} else {
		buf[o++] = d[0];
		if (n > 1) {
			buf[o++] = '.';
			memcpy(buf + o, d + 1, n - 1);
			o += n - 1;
		}
		snprintf(buf + o, size - o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
}

/* ---- strings -------------------------------------------------------------- */

static const char hex_digits[] = "0123456789abcdef";

static void out_u_escape(struct out *o, uint32_t cp)
{
	char esc[6] = { '\\', 'u',
		hex_digits[(cp >> 12) & 0xf], hex_digits[(cp >> 8) & 0xf],
		hex_digits[(cp >> 4) & 0xf], hex_digits[cp & 0xf] };
	out_put(o, esc, sizeof esc);
}

/*
 * A JSON string.  The escapes are Python's with ensure_ascii=False: \" \\
 * \n \r \t \b \f, \u00xx (lower-case hex) for the other controls below
 * 0x20, and every other byte raw - DEL and all of non-ASCII included.
 * With `safe`, DEL, C1 and bidi controls and U+2028/2029 are escaped too,
 * and a byte that is not UTF-8 (only a json_t built with the *_nocheck
 * functions can hold one) becomes \ufffd: nothing reaches a terminal raw.
 * Plain runs are copied in one piece.
 */
static void out_string(struct out *o, const char *str, size_t len, bool safe)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;

	out_put(o, "\"", 1);
	while (i < len) {
		unsigned char c = s[i];
		const char *esc = NULL;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: break;
		}
		if (!esc && c >= 0x20 && (c < 0x7f || !safe)) {
			i++;
			continue;
		}
		if (!esc && c >= 0x7f) {
			/* safe mode, DEL or non-ASCII */
			uint32_t cp;
			size_t n = ss_utf8_decode(s + i, len - i, &cp);
			if (n > 0 && !ss_utf8_unsafe(cp)) {
				i += n;
				continue;
			}
			out_put(o, s + run, i - run);
			out_u_escape(o, n > 0 ? cp : 0xfffd);
			i += n > 0 ? n : 1;
			run = i;
			continue;
		}
		out_put(o, s + run, i - run);
		if (esc)
			out_str(o, esc);
		else
			out_u_escape(o, c);
		i++;
		run = i;
	}
	out_put(o, s + run, i - run);
	out_put(o, "\"", 1);
}

/* ---- the walk ------------------------------------------------------------- */

struct member {
	const char *key;
	size_t key_len;
	json_t *value;
};

/* One open array or object. */
struct frame {
	const json_t *node;
	size_t next;                /* the member or element to write next */
	size_t count;
	struct member *members;     /* objects: in output order; NULL for arrays */
};

/* Keys by code point: for UTF-8, byte order is code point order. */
static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c != 0)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

/* An object's members in document order (jansson keeps insertion order),
 * sorted when asked.  NULL when out of memory. */
static struct member *object_members(const json_t *obj, size_t *count, bool sort)
{
	struct member *m = malloc(*count * sizeof *m);
	if (!m)
		return NULL;
	size_t i = 0;
	/* jansson's iterator API takes a non-const object but does not modify
	 * it; its own json_dumps() casts the same way. */
	for (void *it = json_object_iter((json_t *)obj); it && i < *count;
	     it = json_object_iter_next((json_t *)obj, it)) {
		m[i].key = json_object_iter_key(it);
		m[i].key_len = strlen(m[i].key);
		m[i].value = json_object_iter_value(it);
		i++;
	}
	*count = i;
	if (sort)
		qsort(m, i, sizeof *m, member_cmp);
	return m;
}

struct walk {
	struct out *o;
	unsigned flags;
	struct frame *stack;
	size_t depth;
	size_t cap;
};

/*
 * Write a scalar, or an empty container, or the opening bracket of a
 * container and push its frame.  Returns false when out of memory.
 */
static bool write_value(struct walk *w, const json_t *v)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_NULL:
		out_str(w->o, "null");
		return true;
	case JSON_TRUE:
		out_str(w->o, "true");
		return true;
	case JSON_FALSE:
		out_str(w->o, "false");
		return true;
	case JSON_INTEGER:
		out_put(w->o, num, format_integer(json_integer_value(v), num));
		return true;
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof num);
		out_str(w->o, num);
		return true;
	case JSON_STRING:
		out_string(w->o, json_string_value(v), json_string_length(v),
		           (w->flags & SS_DUMP_SAFE) != 0);
		return true;
	case JSON_ARRAY:
	case JSON_OBJECT:
		break;
	}

	bool is_obj = json_is_object(v);
	size_t count = is_obj ? json_object_size(v) : json_array_size(v);
	if (count == 0) {
		out_str(w->o, is_obj ? "{}" : "[]");
		return true;
	}
	if (w->depth == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct frame *ns = realloc(w->stack, cap * sizeof *ns);
		if (!ns)
			return false;
		w->stack = ns;
		w->cap = cap;
	}
	struct frame *f = &w->stack[w->depth];
	f->node = v;
	f->next = 0;
	f->count = count;
	f->members = NULL;
	if (is_obj) {
		f->members = object_members(v, &f->count, (w->flags & SS_DUMP_SORT_KEYS) != 0);
		if (!f->members)
			return false;
	}
	w->depth++;
	out_put(w->o, is_obj ? "{" : "[", 1);
	return true;
}

/* Serialise v into o.  Returns false when out of memory. */
static bool dump_into(struct out *o, const json_t *v, unsigned flags)
{
	struct walk w = { .o = o, .flags = flags };
	bool indent = (flags & SS_DUMP_INDENT) != 0;
	bool ok = write_value(&w, v);

	while (ok && w.depth > 0 && !o->failed) {
		struct frame *f = &w.stack[w.depth - 1];
		if (f->next == f->count) {
			bool is_obj = f->members != NULL;
			free(f->members);
			w.depth--;
			if (indent)
				out_indent(o, w.depth);
			out_put(o, is_obj ? "}" : "]", 1);
			continue;
		}
		if (f->next > 0)
			out_put(o, ",", 1);
		if (indent)
			out_indent(o, w.depth);
		const json_t *child;
		if (f->members) {
			const struct member *m = &f->members[f->next];
			out_string(o, m->key, m->key_len, (flags & SS_DUMP_SAFE) != 0);
			out_put(o, indent ? ": " : ":", indent ? 2 : 1);
			child = m->value;
		} else {
			child = json_array_get(f->node, f->next);
		}
		f->next++;
		/* f may move when the stack grows: not used after this. */
		ok = write_value(&w, child);
	}
	for (size_t i = 0; i < w.depth; i++)
		free(w.stack[i].members);
	free(w.stack);
	return ok && !o->failed;
}

char *ss_json_dump(const json_t *value, unsigned flags, size_t *len)
{
	struct out o = { 0 };

	if (!value) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (!dump_into(&o, value, flags) || !out_grow(&o, 1)) {
		free(o.buf);
		if (len)
			*len = 0;
		return NULL;
	}
	o.buf[o.len] = '\0';
	if (len)
		*len = o.len;
	return o.buf;
}

ss_status ss_checksum_json(const json_t *value, char hex[SS_CHECKSUM_HEX_LEN + 1])
{
	hex[0] = '\0';
	if (!value)
		return SS_USAGE;

	struct out o = { .cap = HASH_WINDOW };
	o.buf = malloc(o.cap);
	o.hash = ss_sha256_new();
	if (!o.buf || !o.hash) {
		free(o.buf);
		ss_sha256_free(o.hash);
		return SS_NOMEM;
	}
	if (!dump_into(&o, value, SS_DUMP_SORT_KEYS)) {
		free(o.buf);
		ss_sha256_free(o.hash);
		return SS_NOMEM;
	}
	ss_sha256_update(o.hash, o.buf, o.len);
	free(o.buf);
	return ss_sha256_final_hex(o.hash, hex);
}
