/*
 * jpath.c - parsing, resolving and formatting paths into JSON documents,
 * jq-style and as RFC 6901 JSON Pointers (see jpath.h).
 */
#include "jpath.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"

#define ECHO_MAX 80

/* ---- building ----------------------------------------------------------- */

void ss_path_clear(ss_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->segs[i].key);
	free(p->segs);
	p->segs = NULL;
	p->n = p->cap = 0;
}

void ss_path_pop(ss_path *p)
{
	if (p->n == 0)
		return;
	p->n--;
	free(p->segs[p->n].key);
	p->segs[p->n].key = NULL;
}

/* Append a segment taking ownership of `key` (may be NULL for INDEX). */
static ss_status push(ss_path *p, ss_path_seg_kind kind, char *key, int64_t index)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		ss_path_seg *segs = realloc(p->segs, cap * sizeof *segs);
		if (!segs) {
			free(key);
			return SS_NOMEM;
		}
		p->segs = segs;
		p->cap = cap;
	}
	p->segs[p->n++] = (ss_path_seg){ .kind = kind, .key = key, .index = index };
	return SS_OK;
}

ss_status ss_path_push_key(ss_path *p, const char *key)
{
	char *copy = strdup(key);
	if (!copy)
		return SS_NOMEM;
	return push(p, SS_PATH_KEY, copy, -1);
}

ss_status ss_path_push_index(ss_path *p, int64_t index)
{
	return push(p, SS_PATH_INDEX, NULL, index);
}

/* ---- parsing ------------------------------------------------------------ */

/* A growable byte buffer; `oom` sticks once an allocation failed. */
struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* The finished string (an empty one when nothing was added), or NULL. */
static char *buf_take(struct buf *b)
{
	if (!b->oom && !b->s)
		buf_add(b, "", 0);
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

struct parser {
	const char *text;
	const char *p;
	char *err;
	size_t err_size;
	ss_status st;
};

static void perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error: "path 'TEXT', column N: detail". */
static void perr(struct parser *ps, const char *fmt, ...)
{
	if (ps->st != SS_OK)
		return;
	ps->st = SS_USAGE;
	if (!ps->err || ps->err_size == 0)
		return;
	size_t len = strlen(ps->text);
	bool cut = len > ECHO_MAX;
	char *esc = ss_text_escape(ps->text, cut ? ECHO_MAX : len);
	char detail[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->err_size, "path '%s%s', column %zu: %s", esc ? esc : "?",
	         cut ? "..." : "", (size_t)(ps->p - ps->text) + 1, detail);
	free(esc);
}

static void utf8_put(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, u, n);
}

static bool hex4(const char *p, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i];
		if (!isxdigit(c))
			return false;
		x = x * 16 + (uint32_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
	}
	*v = x;
	return true;
}

/* A JSON string literal at ps->p (on the opening quote); the same escapes
 * as JSON, so a key can be copied from a document into a path. */
static char *parse_string(struct parser *ps)
{
	struct buf b = { 0 };
	ps->p++;
	for (;;) {
		char c = *ps->p;
		if (c == '\0') {
			perr(ps, "unterminated string");
			break;
		}
		if (c == '"') {
			ps->p++;
			char *s = buf_take(&b);
			if (!s)
				ps->st = SS_NOMEM;
			return s;
		}
		if (c != '\\') {
			buf_add(&b, ps->p++, 1);
			continue;
		}
		ps->p++;
		char e = *ps->p++;
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e && simple) {
			static const char out[] = "\"\\/\b\f\n\r\t";
			buf_add(&b, &out[simple - "\"\\/bfnrt"], 1);
			continue;
		}
		if (e != 'u') {
			ps->p--;
			perr(ps, "unknown escape in string");
			break;
		}
		uint32_t cp;
		if (!hex4(ps->p, &cp)) {
			perr(ps, "\\u needs four hex digits");
			break;
		}
		ps->p += 4;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo;
			if (ps->p[0] != '\\' || ps->p[1] != 'u' || !hex4(ps->p + 2, &lo) ||
			    lo < 0xDC00 || lo > 0xDFFF) {
				perr(ps, "unpaired surrogate in string");
				break;
			}
			ps->p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			perr(ps, "unpaired surrogate in string");
			break;
		}
		if (cp == 0) {
			/* Keys holding U+0000 are refused at input, so none can match. */
			perr(ps, "\\u0000 cannot occur in a key");
			break;
		}
		utf8_put(&b, cp);
	}
	free(b.s);
	return NULL;
}

/* A decimal integer (jq index), optionally negative. */
static bool parse_int(struct parser *ps, int64_t *out)
{
	bool neg = *ps->p == '-';
	if (neg)
		ps->p++;
	if (!isdigit((unsigned char)*ps->p)) {
		perr(ps, "expected an array index");
		return false;
	}
	int64_t v = 0;
	while (isdigit((unsigned char)*ps->p)) {
		int d = *ps->p - '0';
		if (v > (INT64_MAX - d) / 10) {
			perr(ps, "array index too large");
			return false;
		}
		v = v * 10 + d;
		ps->p++;
	}
	*out = neg ? -v : v;
	return true;
}

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* `[ "key" ]` or `[ N ]` at ps->p (on the '['). */
static void parse_bracket(struct parser *ps, ss_path *out)
{
	ps->p++;
	if (*ps->p == '"') {
		char *key = parse_string(ps);
		if (!key)
			return;
		if (*ps->p != ']') {
			free(key);
			perr(ps, "expected ']'");
			return;
		}
		ps->p++;
		if (push(out, SS_PATH_KEY, key, -1) != SS_OK)
			ps->st = SS_NOMEM;
		return;
	}
	int64_t idx;
	if (!parse_int(ps, &idx))
		return;
	if (*ps->p != ']') {
		perr(ps, "expected ']'");
		return;
	}
	ps->p++;
	if (push(out, SS_PATH_INDEX, NULL, idx) != SS_OK)
		ps->st = SS_NOMEM;
}

static void parse_jq(struct parser *ps, ss_path *out)
{
	if (strcmp(ps->p, ".") == 0) {
		ps->p++;
		return;
	}
	while (*ps->p && ps->st == SS_OK) {
		if (*ps->p == '[') {
			parse_bracket(ps, out);
			continue;
		}
		if (*ps->p != '.') {
			perr(ps, "expected '.' or '['");
			return;
		}
		ps->p++;
		if (ident_start(*ps->p)) {
			const char *start = ps->p;
			while (ident_char(*ps->p))
				ps->p++;
			char *key = strndup(start, (size_t)(ps->p - start));
			if (!key || push(out, SS_PATH_KEY, key, -1) != SS_OK)
				ps->st = SS_NOMEM;
		} else if (*ps->p == '"') {
			char *key = parse_string(ps);
			if (key && push(out, SS_PATH_KEY, key, -1) != SS_OK)
				ps->st = SS_NOMEM;
		} else if (*ps->p == '[') {
			parse_bracket(ps, out);
		} else {
			perr(ps, *ps->p ? "expected a key, a quoted key or '[' after '.'"
			                : "path ends with '.'");
		}
	}
}

/* The array index a pointer token denotes: "0" or [1-9][0-9]*, else -1. */
static int64_t token_index(const char *tok)
{
	if (!isdigit((unsigned char)tok[0]) || (tok[0] == '0' && tok[1]))
		return -1;
	int64_t v = 0;
	for (const char *p = tok; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		int d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

static void parse_pointer(struct parser *ps, ss_path *out)
{
	while (*ps->p == '/' && ps->st == SS_OK) {
		ps->p++;
		struct buf b = { 0 };
		while (*ps->p && *ps->p != '/') {
			if (*ps->p == '~') {
				char e = ps->p[1];
				if (e != '0' && e != '1') {
					perr(ps, "'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
					break;
				}
				buf_add(&b, e == '0' ? "~" : "/", 1);
				ps->p += 2;
			} else {
				buf_add(&b, ps->p++, 1);
			}
		}
		if (ps->st != SS_OK) {
			free(b.s);
			return;
		}
		char *tok = buf_take(&b);
		if (!tok || push(out, SS_PATH_TOKEN, tok, token_index(tok)) != SS_OK)
			ps->st = SS_NOMEM;
	}
}

ss_status ss_path_parse(const char *text, ss_path *out, char *err, size_t err_size)
{
	struct parser ps = { .text = text, .p = text, .err = err, .err_size = err_size, .st = SS_OK };
	*out = (ss_path){ 0 };
	if (*text == '\0' || *text == '/')
		parse_pointer(&ps, out);
	else if (*text == '.' || *text == '[')
		parse_jq(&ps, out);
	else
		perr(&ps, "a path starts with '.' (jq style, .agents[3].status) "
		          "or '/' (JSON Pointer, /agents/3/status)");
	if (ps.st == SS_NOMEM && err && err_size)
		snprintf(err, err_size, "out of memory");
	if (ps.st != SS_OK)
		ss_path_clear(out);
	return ps.st;
}

/* ---- resolving ---------------------------------------------------------- */

static json_t *array_at(json_t *arr, int64_t idx)
{
	int64_t size = (int64_t)json_array_size(arr);
	if (idx < 0)
		idx += size;
	if (idx < 0 || idx >= size)
		return NULL;
	return json_array_get(arr, (size_t)idx);
}

json_t *ss_path_get(json_t *root, const ss_path *p)
{
	json_t *v = root;
	for (size_t i = 0; v && i < p->n; i++) {
		const ss_path_seg *s = &p->segs[i];
		switch (s->kind) {
		case SS_PATH_KEY:
			v = json_is_object(v) ? json_object_get(v, s->key) : NULL;
			break;
		case SS_PATH_INDEX:
			v = json_is_array(v) ? array_at(v, s->index) : NULL;
			break;
		case SS_PATH_TOKEN:
			if (json_is_object(v))
				v = json_object_get(v, s->key);
			else if (json_is_array(v) && s->index >= 0)
				v = array_at(v, s->index);
			else
				v = NULL;
			break;
		}
	}
	return v;
}

void ss_path_bind(ss_path *p, const json_t *root)
{
	json_t *v = (json_t *)root;
	for (size_t i = 0; v && i < p->n; i++) {
		ss_path_seg *s = &p->segs[i];
		if (s->kind == SS_PATH_TOKEN && json_is_object(v)) {
			s->kind = SS_PATH_KEY;
			s->index = -1;
		} else if (s->kind == SS_PATH_TOKEN && json_is_array(v) && s->index >= 0) {
			s->kind = SS_PATH_INDEX;
			free(s->key);
			s->key = NULL;
		}
		ss_path one = { .segs = s, .n = 1, .cap = 1 };
		v = ss_path_get(v, &one);
	}
}

/* ---- formatting --------------------------------------------------------- */

/* A key as a JSON string literal: only the escapes JSON requires, plus DEL,
 * so the result reads back with ss_path_parse(). */
static void quote(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		switch (c) {
		case '"': buf_str(b, "\\\""); break;
		case '\\': buf_str(b, "\\\\"); break;
		case '\b': buf_str(b, "\\b"); break;
		case '\f': buf_str(b, "\\f"); break;
		case '\n': buf_str(b, "\\n"); break;
		case '\r': buf_str(b, "\\r"); break;
		case '\t': buf_str(b, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				buf_str(b, esc);
			} else {
				buf_add(b, s, 1);
			}
		}
	}
	buf_add(b, "\"", 1);
}

static bool is_ident(const char *s)
{
	if (!ident_start(*s))
		return false;
	for (s++; *s; s++)
		if (!ident_char(*s))
			return false;
	return true;
}

char *ss_path_format_jq(const ss_path *p)
{
	struct buf b = { 0 };
	if (p->n == 0)
		buf_str(&b, ".");
	for (size_t i = 0; i < p->n; i++) {
		const ss_path_seg *s = &p->segs[i];
		bool as_index = s->kind == SS_PATH_INDEX || (s->kind == SS_PATH_TOKEN && s->index >= 0);
		char num[32];
		if (!as_index && is_ident(s->key)) {
			buf_str(&b, ".");
			buf_str(&b, s->key);
			continue;
		}
		/* jq wants ".[0]" / ".["k"]" at the start, "a[0]" after a step. */
		if (i == 0)
			buf_str(&b, ".");
		buf_str(&b, "[");
		if (as_index) {
			snprintf(num, sizeof num, "%lld", (long long)s->index);
			buf_str(&b, num);
		} else {
			quote(&b, s->key);
		}
		buf_str(&b, "]");
	}
	return buf_take(&b);
}

char *ss_path_format_pointer(const ss_path *p)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < p->n; i++) {
		const ss_path_seg *s = &p->segs[i];
		buf_str(&b, "/");
		if (s->kind == SS_PATH_INDEX) {
			char num[32];
			snprintf(num, sizeof num, "%lld", (long long)s->index);
			buf_str(&b, num);
			continue;
		}
		for (const char *k = s->key; *k; k++) {
			if (*k == '~')
				buf_str(&b, "~0");
			else if (*k == '/')
				buf_str(&b, "~1");
			else
				buf_add(&b, k, 1);
		}
	}
	return buf_take(&b);
}
