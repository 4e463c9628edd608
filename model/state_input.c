/*
 * state_input.c - JSON states coming in: parsed from bytes or a file
 * descriptor (ss_state_parse(), ss_state_read_fd()) and, for json_t built
 * in C, checked (ss_state_check() of state_check.h).
 *
 * A snapshot tool must not silently change data, so everything jansson
 * could only keep by altering it is rejected: duplicate keys, \u0000,
 * integers past 64 bits, numbers past a double, NaN and Infinity, invalid
 * UTF-8.  Nesting is bounded by jansson's parser depth (2048, see
 * ss_state_check() for how it counts).  Messages name the input, line and
 * column, and escape whatever text of the input they quote.
 */
#include "snapscope.h"
#include "msgfmt.h"
#include "state_check.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes asked of read() at a time while the buffer is small. */
#define READ_CHUNK (64u * 1024u)

static bool json_blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	}
	return true;
}

/*
 * jansson's reasons, reworded where they speak of jansson rather than of
 * the input; the rest of its text (" near '...'") is kept.
 */
static const struct {
	const char *jansson;
	const char *ours;
} reasons[] = {
	{ "\\u0000 is not allowed without JSON_ALLOW_NUL", "\\u0000 in a string is not allowed" },
	{ "NUL byte in object key not supported", "\\u0000 in an object key is not allowed" },
	{ "maximum parsing depth reached", "nesting deeper than 2048 levels" },
	{ "too big integer", "integer beyond 64 bits" },
	{ "too big negative integer", "integer beyond 64 bits" },
	{ "real number overflow", "number too large for a double" },
};

static void reword(const char *text, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		size_t n = strlen(reasons[i].jansson);
		if (strncmp(text, reasons[i].jansson, n) == 0) {
			snprintf(buf, size, "%s%s", reasons[i].ours, text + n);
			return;
		}
	}
	snprintf(buf, size, "%s", text);
}

ss_status ss_state_parse(const char *buf, size_t len, size_t max_bytes,
                         const char *what, json_t **out, char *err, size_t err_size)
{
	ss_status st = SS_OK;
	char *name = ss_text_escape(what ? what : "input", what ? strlen(what) : 5);

	if (out)
		*out = NULL;
	if (!name)
		return SS_NOMEM;
	if (!out || (!buf && len > 0)) {
		msg_printf(err, err_size, "%s: no buffer or no output", name);
		st = SS_USAGE;
		goto done;
	}
	if (len > max_bytes) {
		char limit[32];
		msg_size(max_bytes, limit, sizeof limit);
		msg_printf(err, err_size, "%s: state larger than the %s limit", name, limit);
		st = SS_LIMIT;
		goto done;
	}
	/* jansson would say "unexpected token near end of file". */
	if (json_blank(buf, len)) {
		msg_printf(err, err_size, "%s: empty input", name);
		st = SS_INPUT;
		goto done;
	}

	/* jansson says "invalid token" near an invisible character. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		msg_printf(err, err_size, "%s:1:1: byte order mark (U+FEFF) before the JSON text", name);
		st = SS_INPUT;
		goto done;
	}

	json_error_t jerr;
	/* Any JSON value is a state (DESIGN: states are JSON documents), a
	 * top-level scalar included; NUL stays rejected (no JSON_ALLOW_NUL). */
	json_t *v = json_loadb(buf ? buf : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			msg_printf(err, err_size, "%s: out of memory while parsing", name);
			st = SS_NOMEM;
			goto done;
		}
		char reason[JSON_ERROR_TEXT_LENGTH + 64];
		reword(jerr.text, reason, sizeof reason);
		char *safe = ss_text_escape(reason, strlen(reason));
		msg_printf(err, err_size, "%s:%d:%d: %s", name, jerr.line, jerr.column,
		        safe ? safe : "malformed JSON");
		free(safe);
		st = SS_INPUT;
		goto done;
	}
	*out = v;
	msg_printf(err, err_size, "%s", "");
done:
	free(name);
	return st;
}

ss_status ss_state_read_fd(int fd, size_t max_bytes, const char *what,
                           json_t **out, char *err, size_t err_size)
{
	/* One byte past the limit is enough to know the input is over it. */
	size_t hard_cap = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ss_status st;

	if (out)
		*out = NULL;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? (cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap) : READ_CHUNK;
			if (ncap > hard_cap)
				ncap = hard_cap;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				/* no memory to escape `what` either */
				msg_printf(err, err_size, "out of memory reading the state");
				free(buf);
				return SS_NOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			char *name = ss_text_escape(what ? what : "input", what ? strlen(what) : 5);
			msg_printf(err, err_size, "%s: %s", name ? name : "input", strerror(e));
			free(name);
			free(buf);
			return SS_IO;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max_bytes)
			break;      /* ss_state_parse() reports the limit */
	}
	st = ss_state_parse(buf, len, max_bytes, what, out, err, err_size);
	free(buf);
	return st;
}

/* ---- checking a json_t built in C --------------------------------------- */

/* One open container of the walk, and the member being looked at. */
struct check_frame {
	const json_t *node;
	void *iter;                 /* objects: the next member */
	size_t next;                /* arrays: the next index */
	const char *key;            /* the current member: its key ... */
	size_t index;               /* ... or its index */
};

/* Append printf output to a fixed buffer, silently truncating. */
static void path_add(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void path_add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	if (*len + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

static bool is_identifier(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
		return false;
	for (k++; *k; k++) {
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	}
	return true;
}

/* The jq-style path of the member being looked at: ".a[3][\"b c\"]". */
static void format_path(const struct check_frame *stack, size_t depth,
                        char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < depth; i++) {
		if (len > size - 8) {
			path_add(buf, size, &len, "...");
			return;
		}
		if (!json_is_object(stack[i].node)) {
			path_add(buf, size, &len, "[%zu]", stack[i].index);
		} else if (is_identifier(stack[i].key)) {
			path_add(buf, size, &len, ".%s", stack[i].key);
		} else {
			char *k = ss_text_escape(stack[i].key, strlen(stack[i].key));
			path_add(buf, size, &len, "[\"%s\"]", k ? k : "?");
			free(k);
		}
	}
	if (len == 0)
		path_add(buf, size, &len, ".");
}

/* Why a string or key cannot be stored, or NULL when it can. */
static const char *text_problem(const char *s, size_t len)
{
	if (memchr(s, '\0', len))
		return "contains \\u0000";
	if (!ss_utf8_valid(s, len))
		return "is not valid UTF-8";
	return NULL;
}

static ss_status check_fail(const struct check_frame *stack, size_t depth,
                            char *err, size_t err_size, const char *what,
                            const char *why, size_t max_depth)
{
	char path[256];
	format_path(stack, depth, path, sizeof path);
	if (why)
		msg_printf(err, err_size, "state at %s: %s %s", path, what, why);
	else
		msg_printf(err, err_size, "state at %s: nesting deeper than %zu levels",
		        path, max_depth);
	return SS_INPUT;
}

ss_status ss_state_check(const json_t *state, size_t max_depth, char *err, size_t err_size)
{
	struct check_frame *stack = NULL;
	size_t depth = 0, cap = 0;
	const json_t *v = state;
	ss_status st = SS_OK;

	if (!state) {
		msg_printf(err, err_size, "no state");
		return SS_USAGE;
	}
	for (;;) {
		/* Look at v, which sits at depth + 1 (the top level is depth 1). */
		if (depth + 1 > max_depth) {
			st = check_fail(stack, depth, err, err_size, NULL, NULL, max_depth);
			goto done;
		}
		if (json_is_real(v) && !isfinite(json_real_value(v))) {
			st = check_fail(stack, depth, err, err_size, "real", "is not finite", 0);
			goto done;
		}
		if (json_is_string(v)) {
			const char *why = text_problem(json_string_value(v), json_string_length(v));
			if (why) {
				st = check_fail(stack, depth, err, err_size, "string", why, 0);
				goto done;
			}
		}
		if ((json_is_array(v) && json_array_size(v) > 0) ||
		    (json_is_object(v) && json_object_size(v) > 0)) {
			if (depth == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				struct check_frame *ns = realloc(stack, ncap * sizeof *ns);
				if (!ns) {
					msg_printf(err, err_size, "out of memory checking the state");
					st = SS_NOMEM;
					goto done;
				}
				stack = ns;
				cap = ncap;
			}
			stack[depth] = (struct check_frame){
				.node = v,
				/* read-only use of jansson's non-const iterator API */
				.iter = json_is_object(v) ? json_object_iter((json_t *)v) : NULL,
			};
			depth++;
		}

		/* Find the next member to look at, closing finished containers. */
		v = NULL;
		while (depth > 0 && !v) {
			struct check_frame *f = &stack[depth - 1];
			if (json_is_object(f->node)) {
				if (!f->iter) {
					depth--;
					continue;
				}
				f->key = json_object_iter_key(f->iter);
				v = json_object_iter_value(f->iter);
				f->iter = json_object_iter_next((json_t *)f->node, f->iter);
				const char *why = text_problem(f->key, strlen(f->key));
				if (why) {
					st = check_fail(stack, depth, err, err_size, "key", why, 0);
					goto done;
				}
			} else {
				if (f->next == json_array_size(f->node)) {
					depth--;
					continue;
				}
				f->index = f->next++;
				v = json_array_get(f->node, f->index);
			}
		}
		if (!v)
			break;
	}
	msg_printf(err, err_size, "%s", "");
done:
	free(stack);
	return st;
}
