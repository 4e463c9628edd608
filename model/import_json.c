/*
 * import_json.c - the reader of the JSON export (DESIGN.md "Export
 * formats"), for the import's core (import.h).
 *
 * An export may be a gigabyte: the document is never loaded whole.  The
 * top-level object, the two arrays and each snapshot entry are walked here
 * (whitespace, commas, colons, braces and brackets: the only JSON syntax
 * written by hand), and every value (keys included) is parsed by jansson on
 * its own, with JSON_DISABLE_EOF_CHECK so that it stops at the value's end
 * and reports in error.position how many bytes it used.  So one snapshot's
 * state is in memory at a time, each state is parsed with the same limits
 * (depth, duplicate keys, \u0000, 64-bit integers, UTF-8) as a captured one,
 * and no string or number is ever decoded by this file.
 *
 * Strict on purpose: unknown keys, a version other than 1, a value of the
 * wrong type, a key twice, a checksum that does not match its state, bytes
 * after the document, a truncated file: the whole file is refused, the
 * message naming the entry ("snapshot 17 (id 4242)") and the reason.
 */
#include "import.h"
#include "ss_hash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_VALUE_FLAGS (JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

struct rd {
	ss_manager *mgr;
	const char *d;
	size_t len;
	size_t pos;                 /* the next byte to read */
	const char *what;           /* the input, for messages */
	char entry[64];             /* "snapshot 17 (id 4242)", or "" outside one */
};

/* "<what>: [<entry>: ]<message>"; returns st. */
static ss_status rd_fail(struct rd *r, ss_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static ss_status rd_fail(struct rd *r, ss_status st, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mgr_fail(r->mgr, st, "%s: %s%s%s", r->what, r->entry, r->entry[0] ? ": " : "", msg);
}

static void skip_ws(struct rd *r)
{
	while (r->pos < r->len) {
		char c = r->d[r->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->pos++;
	}
}

/* The next byte after whitespace, or -1 at the end of the input. */
static int peek(struct rd *r)
{
	skip_ws(r);
	return r->pos < r->len ? (unsigned char)r->d[r->pos] : -1;
}

/* What stands at pos, for a message: a printable byte quoted, or a code. */
static void describe_here(struct rd *r, char *buf, size_t size)
{
	int c = peek(r);
	if (c < 0)
		snprintf(buf, size, "the end of the file (truncated?)");
	else if (c > ' ' && c < 127)
		snprintf(buf, size, "'%c' at byte %zu", c, r->pos);
	else
		snprintf(buf, size, "byte 0x%02x at byte %zu", c, r->pos);
}

/* Consume `want` (after whitespace) or fail saying what was expected. */
static ss_status expect(struct rd *r, char want, const char *what_for)
{
	if (peek(r) == (unsigned char)want) {
		r->pos++;
		return SS_OK;
	}
	char here[64];
	describe_here(r, here, sizeof here);
	return rd_fail(r, SS_INPUT, "expected '%c' %s, found %s", want, what_for, here);
}

/* One JSON value at pos, parsed by jansson alone; pos moves past it. */
static ss_status parse_value(struct rd *r, const char *ctx, json_t **out)
{
	*out = NULL;
	skip_ws(r);
	if (r->pos >= r->len)
		return rd_fail(r, SS_INPUT, "%s: the file ends here (truncated?)", ctx);
	json_error_t jerr;
	json_t *v = json_loadb(r->d + r->pos, r->len - r->pos, JSON_VALUE_FLAGS, &jerr);
	if (!v) {
		size_t at = r->pos + (jerr.position > 0 ? (size_t)jerr.position : 0);
		return rd_fail(r, SS_INPUT, "%s: %s (byte %zu)", ctx, jerr.text, at);
	}
	/* On success jansson's position is the bytes it read: never more than
	 * it was given, and at least one for any value. */
	if (jerr.position <= 0 || (size_t)jerr.position > r->len - r->pos) {
		json_decref(v);
		return rd_fail(r, SS_INTERNAL, "%s: the JSON parser reported an impossible length", ctx);
	}
	r->pos += (size_t)jerr.position;
	*out = v;
	return SS_OK;
}

/* A key and its colon; *key is a new reference (a JSON string). */
static ss_status parse_key(struct rd *r, const char *ctx, json_t **key)
{
	if (peek(r) != '"') {
		char here[64];
		describe_here(r, here, sizeof here);
		return rd_fail(r, SS_INPUT, "expected a key %s, found %s", ctx, here);
	}
	ss_status st = parse_value(r, ctx, key);
	if (st != SS_OK)
		return st;
	if (!json_is_string(*key)) {
		json_decref(*key);
		*key = NULL;
		return rd_fail(r, SS_INTERNAL, "a key %s did not parse as a string", ctx);
	}
	st = expect(r, ':', "after a key");
	if (st != SS_OK) {
		json_decref(*key);
		*key = NULL;
	}
	return st;
}

/* A key, escaped and cut for a message. */
static void key_text(const json_t *key, char *buf, size_t size)
{
	char *safe = ss_text_escape(json_string_value(key), json_string_length(key));
	snprintf(buf, size, "%.60s%s", safe ? safe : "?", safe && strlen(safe) > 60 ? "..." : "");
	free(safe);
}

/*
 * After a member or an element: ',' (then *more) or the closing `close`.
 * `first` when nothing was read yet: then the closing byte may come at once.
 */
static ss_status next_member(struct rd *r, char close, bool first, const char *ctx, bool *more)
{
	int c = peek(r);
	if (c == (unsigned char)close) {
		r->pos++;
		*more = false;
		return SS_OK;
	}
	if (!first) {
		if (c != ',') {
			char here[64];
			describe_here(r, here, sizeof here);
			return rd_fail(r, SS_INPUT, "expected ',' or '%c' %s, found %s", close, ctx, here);
		}
		r->pos++;
	}
	*more = true;
	return SS_OK;
}

/* ---- fields ---------------------------------------------------------------- */

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * RFC 3339 with a date, a time and a zone ("2026-01-01T00:00:00.000Z",
 * "...+02:00"): the shape is checked here, the values by ss_time_parse(),
 * which also reads forms (local, relative) a file must not use.
 */
static bool parse_rfc3339(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	if (n < 20 || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' ||
	    !is_digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !is_digits(s + 11, 2) ||
	    s[13] != ':' || !is_digits(s + 14, 2) || s[16] != ':' || !is_digits(s + 17, 2))
		return false;
	bool zulu = s[n - 1] == 'Z' || s[n - 1] == 'z';
	bool offset = n >= 25 && (s[n - 6] == '+' || s[n - 6] == '-') && is_digits(s + n - 5, 2) &&
	              s[n - 3] == ':' && is_digits(s + n - 2, 2);
	if (!zulu && !offset)
		return false;
	char err[256];
	return ss_time_parse(s, 0, ms, err, sizeof err) == SS_OK;
}

static bool is_checksum(const char *s)
{
	size_t i;
	for (i = 0; i < SS_CHECKSUM_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

/* ---- sessions -------------------------------------------------------------- */

static ss_status read_session(struct rd *r, int64_t index, const struct import_sink *sink)
{
	snprintf(r->entry, sizeof r->entry, "session entry %lld", (long long)index);
	json_t *v;
	ss_status st = parse_value(r, "the session", &v);
	if (st != SS_OK)
		return st;
	const char *key;
	json_t *m;
	const char *name = NULL;
	const json_t *config = NULL;
	if (!json_is_object(v)) {
		st = rd_fail(r, SS_INPUT, "not a JSON object");
		goto out;
	}
	json_object_foreach(v, key, m) {
		if (strcmp(key, "name") == 0) {
			if (!(name = json_string_value(m)))
				st = rd_fail(r, SS_INPUT, "\"name\" is not a string");
		} else if (strcmp(key, "config") == 0) {
			if (!json_is_object(m))
				st = rd_fail(r, SS_INPUT, "\"config\" is not an object");
			config = m;
		} else {
			char *safe = ss_text_escape(key, strlen(key));
			st = rd_fail(r, SS_INPUT, "unknown key \"%.60s\"", safe ? safe : "?");
			free(safe);
		}
		if (st != SS_OK)
			goto out;
	}
	if (!name) {
		st = rd_fail(r, SS_INPUT, "no \"name\"");
		goto out;
	}
	struct import_session s = { .name = name, .config = config };
	st = sink->session(sink->ctx, &s);
	if (st != SS_OK && strncmp(r->mgr->err, r->what, strlen(r->what)) != 0) {
		char detail[sizeof r->mgr->err];
		snprintf(detail, sizeof detail, "%s", r->mgr->err);
		rd_fail(r, st == SS_USAGE ? SS_INPUT : st, "%s", detail);
		if (st == SS_USAGE)
			st = SS_INPUT;
	}
out:
	json_decref(v);
	r->entry[0] = '\0';
	return st;
}

/* ---- snapshots ------------------------------------------------------------- */

enum {
	F_ID = 1 << 0, F_SESSION = 1 << 1, F_SEQ = 1 << 2, F_CREATED = 1 << 3, F_ORIGIN = 1 << 4,
	F_TAGS = 1 << 5, F_PINNED = 1 << 6, F_DESC = 1 << 7, F_CHECKSUM = 1 << 8, F_STATE = 1 << 9,
};

static const struct {
	const char *name;
	unsigned bit;
} entry_keys[] = {
	{ "id", F_ID }, { "session", F_SESSION }, { "seq", F_SEQ }, { "created_at", F_CREATED },
	{ "origin", F_ORIGIN }, { "tags", F_TAGS }, { "pinned", F_PINNED },
	{ "description", F_DESC }, { "checksum", F_CHECKSUM }, { "state", F_STATE },
};

/* One entry's values, each a reference held until the entry is handed over. */
struct entry {
	json_t *v[sizeof entry_keys / sizeof entry_keys[0]];
	unsigned seen;
};

static void entry_clear(struct entry *e)
{
	for (size_t i = 0; i < sizeof e->v / sizeof e->v[0]; i++)
		json_decref(e->v[i]);
	memset(e, 0, sizeof *e);
}

/* Check the entry's values and hand it to the sink. */
static ss_status deliver(struct rd *r, int64_t index, struct entry *e,
                         const struct import_sink *sink)
{
	json_t *id = e->v[0], *session = e->v[1], *seq = e->v[2], *created = e->v[3];
	json_t *origin = e->v[4], *tags = e->v[5], *pinned = e->v[6], *desc = e->v[7];
	json_t *checksum = e->v[8], *state = e->v[9];
	static const char *const required[] = { "session", "created_at", "checksum", "state" };
	static const unsigned required_bits[] = { F_SESSION, F_CREATED, F_CHECKSUM, F_STATE };
	for (size_t i = 0; i < 4; i++)
		if (!(e->seen & required_bits[i]))
			return rd_fail(r, SS_INPUT, "no \"%s\"", required[i]);

	struct import_snapshot s = { .index = index, .origin = SS_ORIGIN_MANUAL };
	if (id)
		s.source_id = json_integer_value(id);
	if (seq && (!json_is_integer(seq) || json_integer_value(seq) <= 0))
		return rd_fail(r, SS_INPUT, "\"seq\" is not a positive integer");
	if (!(s.session = json_string_value(session)))
		return rd_fail(r, SS_INPUT, "\"session\" is not a string");
	const char *when = json_string_value(created);
	if (!when || !parse_rfc3339(when, &s.created_at)) {
		char *safe = when ? ss_text_escape(when, strlen(when)) : NULL;
		ss_status st = rd_fail(r, SS_INPUT, "\"created_at\" is not an RFC 3339 time%s%.60s%s",
		                       safe ? " (\"" : "", safe ? safe : "", safe ? "\")" : "");
		free(safe);
		return st;
	}
	if (origin) {
		const char *o = json_string_value(origin);
		if (o && strcmp(o, "manual") == 0)
			s.origin = SS_ORIGIN_MANUAL;
		else if (o && strcmp(o, "auto") == 0)
			s.origin = SS_ORIGIN_AUTO;
		else if (o && strcmp(o, "import") == 0)
			s.origin = SS_ORIGIN_IMPORT;
		else {
			char *safe = o ? ss_text_escape(o, strlen(o)) : NULL;
			ss_status st = rd_fail(r, SS_INPUT, "unknown \"origin\"%s%.40s%s (manual, auto or import)",
			                       safe ? " \"" : "", safe ? safe : "", safe ? "\"" : "");
			free(safe);
			return st;
		}
	}
	if (pinned && !json_is_boolean(pinned))
		return rd_fail(r, SS_INPUT, "\"pinned\" is not true or false");
	s.pinned = json_is_true(pinned);
	if (desc && !json_is_null(desc) && !(s.description = json_string_value(desc)))
		return rd_fail(r, SS_INPUT, "\"description\" is not a string or null");
	const char *sum = json_string_value(checksum);
	if (!sum || !is_checksum(sum))
		return rd_fail(r, SS_INPUT, "\"checksum\" is not 64 lower-case hex digits");
	s.checksum = sum;
	s.state = state;

	const char *tag_ptrs[SS_TAGS_PER_SNAPSHOT_MAX];
	if (tags) {
		if (!json_is_array(tags))
			return rd_fail(r, SS_INPUT, "\"tags\" is not an array");
		size_t n = json_array_size(tags);
		if (n > SS_TAGS_PER_SNAPSHOT_MAX)
			return rd_fail(r, SS_LIMIT, "%zu tags; a snapshot carries at most %d", n,
			               SS_TAGS_PER_SNAPSHOT_MAX);
		for (size_t i = 0; i < n; i++)
			if (!(tag_ptrs[i] = json_string_value(json_array_get(tags, i))))
				return rd_fail(r, SS_INPUT, "tag %zu is not a string", i + 1);
		s.tags = tag_ptrs;
		s.n_tags = n;
	}

	/* Recomputed over the parsed state: the canonical form, as stored.  Its
	 * length is the state's size (the compact form has the same), checked
	 * first: a state over the limit is that, whatever its checksum says. */
	size_t canon_len = 0;
	char *canon = ss_json_dump(state, SS_DUMP_SORT_KEYS, &canon_len);
	if (!canon)
		return rd_fail(r, SS_NOMEM, "out of memory serialising the state");
	if (canon_len > r->mgr->cfg.max_state_bytes) {
		free(canon);
		return rd_fail(r, SS_LIMIT, "state of %zu bytes is over the %zu-byte limit", canon_len,
		               r->mgr->cfg.max_state_bytes);
	}
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ss_status st = ss_sha256_hex(canon, canon_len, hex);
	free(canon);
	if (st != SS_OK)
		return rd_fail(r, st, "cannot compute the state's checksum");
	if (strcmp(hex, sum) != 0)
		return rd_fail(r, SS_INPUT, "checksum mismatch (recorded %.12s..., state hashes to %.12s...)",
		               sum, hex);
	/* The sink names the entry itself in its messages. */
	st = sink->snapshot(sink->ctx, &s);
	if (st == SS_USAGE)
		st = SS_INPUT;
	return st;
}

static ss_status read_snapshot(struct rd *r, int64_t index, const struct import_sink *sink)
{
	snprintf(r->entry, sizeof r->entry, "snapshot %lld", (long long)index);
	struct entry e = { 0 };
	ss_status st = expect(r, '{', "to open the snapshot");
	bool more = true;
	for (bool first = true; st == SS_OK; first = false) {
		if ((st = next_member(r, '}', first, "in the snapshot", &more)) != SS_OK || !more)
			break;
		json_t *key;
		if ((st = parse_key(r, "in the snapshot", &key)) != SS_OK)
			break;
		const char *k = json_string_value(key);
		size_t slot = 0;
		while (slot < sizeof entry_keys / sizeof entry_keys[0] &&
		       strcmp(entry_keys[slot].name, k) != 0)
			slot++;
		if (slot == sizeof entry_keys / sizeof entry_keys[0]) {
			char kt[80];
			key_text(key, kt, sizeof kt);
			st = rd_fail(r, SS_INPUT, "unknown key \"%s\"", kt);
		} else if (e.seen & entry_keys[slot].bit) {
			st = rd_fail(r, SS_INPUT, "key \"%s\" given twice", k);
		} else {
			char ctx[64];
			snprintf(ctx, sizeof ctx, "\"%s\"", k);
			st = parse_value(r, ctx, &e.v[slot]);
			e.seen |= entry_keys[slot].bit;
		}
		json_decref(key);
		if (slot == sizeof entry_keys / sizeof entry_keys[0])
			break;
		/* Name the entry by its id from here on (ids come first in
		 * what snapscope writes, so nearly every message has it). */
		if (st == SS_OK && entry_keys[slot].bit == F_ID) {
			if (!json_is_integer(e.v[slot]) || json_integer_value(e.v[slot]) <= 0)
				st = rd_fail(r, SS_INPUT, "\"id\" is not a positive integer");
			else
				snprintf(r->entry, sizeof r->entry, "snapshot %lld (id %lld)",
				         (long long)index, (long long)json_integer_value(e.v[slot]));
		}
	}
	if (st == SS_OK)
		st = deliver(r, index, &e, sink);
	entry_clear(&e);
	r->entry[0] = '\0';
	return st;
}

/* ---- the document ---------------------------------------------------------- */

enum { T_FORMAT = 1 << 0, T_VERSION = 1 << 1, T_EXPORTED = 1 << 2, T_SESSIONS = 1 << 3,
       T_SNAPSHOTS = 1 << 4 };

static ss_status read_array(struct rd *r, const char *name, const struct import_sink *sink,
                            bool snapshots)
{
	char ctx[64];
	snprintf(ctx, sizeof ctx, "to open \"%s\"", name);
	ss_status st = expect(r, '[', ctx);
	snprintf(ctx, sizeof ctx, "in \"%s\"", name);
	bool more = true;
	int64_t index = 0;
	for (bool first = true; st == SS_OK; first = false) {
		if ((st = next_member(r, ']', first, ctx, &more)) != SS_OK || !more)
			break;
		index++;
		st = snapshots ? read_snapshot(r, index, sink) : read_session(r, index, sink);
	}
	return st;
}

static ss_status read_header_value(struct rd *r, unsigned bit, const char *k)
{
	json_t *v;
	char ctx[64];
	snprintf(ctx, sizeof ctx, "\"%s\"", k);
	ss_status st = parse_value(r, ctx, &v);
	if (st != SS_OK)
		return st;
	if (bit == T_FORMAT) {
		const char *f = json_string_value(v);
		if (!f || strcmp(f, "snapscope-export") != 0)
			st = rd_fail(r, SS_INPUT, "not a snapscope export (\"format\" is not \"snapscope-export\")");
	} else if (bit == T_VERSION) {
		if (!json_is_integer(v))
			st = rd_fail(r, SS_INPUT, "\"version\" is not an integer");
		else if (json_integer_value(v) != 1)
			st = rd_fail(r, SS_INPUT, "export version %lld is not one this snapscope reads (1)",
			             (long long)json_integer_value(v));
	} else {
		int64_t ms;
		const char *t = json_string_value(v);
		if (!t || !parse_rfc3339(t, &ms))
			st = rd_fail(r, SS_INPUT, "\"exported_at\" is not an RFC 3339 time");
	}
	json_decref(v);
	return st;
}

ss_status import_read_json(ss_manager *mgr, const char *data, size_t len, const char *what,
                           const struct import_sink *sink)
{
	struct rd r = { .mgr = mgr, .d = data, .len = len, .what = what ? what : "import" };
	if (peek(&r) != '{') {
		char here[64];
		describe_here(&r, here, sizeof here);
		return rd_fail(&r, SS_INPUT, "not a snapscope export (expected '{', found %s)", here);
	}
	r.pos++;
	unsigned seen = 0;
	bool more = true;
	ss_status st = SS_OK;
	for (bool first = true; st == SS_OK; first = false) {
		if ((st = next_member(&r, '}', first, "in the document", &more)) != SS_OK || !more)
			break;
		json_t *key;
		if ((st = parse_key(&r, "in the document", &key)) != SS_OK)
			break;
		const char *k = json_string_value(key);
		unsigned bit = strcmp(k, "format") == 0 ? T_FORMAT
		             : strcmp(k, "version") == 0 ? T_VERSION
		             : strcmp(k, "exported_at") == 0 ? T_EXPORTED
		             : strcmp(k, "sessions") == 0 ? T_SESSIONS
		             : strcmp(k, "snapshots") == 0 ? T_SNAPSHOTS : 0;
		if (!bit) {
			char kt[80];
			key_text(key, kt, sizeof kt);
			st = rd_fail(&r, SS_INPUT, "unknown key \"%s\" in the document", kt);
		} else if (seen & bit) {
			st = rd_fail(&r, SS_INPUT, "key \"%s\" given twice in the document", k);
		} else if ((bit == T_SESSIONS || bit == T_SNAPSHOTS) &&
		           (seen & (T_FORMAT | T_VERSION)) != (T_FORMAT | T_VERSION)) {
			/* Nothing reaches the sink before the file says what it is. */
			st = rd_fail(&r, SS_INPUT, "\"format\" and \"version\" must come before \"%s\"", k);
		} else if (bit == T_SESSIONS && (seen & T_SNAPSHOTS)) {
			/* A new session takes its configuration when it is created. */
			st = rd_fail(&r, SS_INPUT, "\"sessions\" must come before \"snapshots\"");
		} else if (bit == T_SESSIONS || bit == T_SNAPSHOTS) {
			st = read_array(&r, k, sink, bit == T_SNAPSHOTS);
		} else {
			st = read_header_value(&r, bit, k);
		}
		seen |= bit;
		json_decref(key);
	}
	if (st != SS_OK)
		return st;
	if (!(seen & T_FORMAT))
		return rd_fail(&r, SS_INPUT, "not a snapscope export (no \"format\")");
	if (!(seen & T_VERSION))
		return rd_fail(&r, SS_INPUT, "no \"version\"");
	if (!(seen & T_SNAPSHOTS))
		return rd_fail(&r, SS_INPUT, "no \"snapshots\"");
	if (peek(&r) >= 0) {
		char here[64];
		describe_here(&r, here, sizeof here);
		return rd_fail(&r, SS_INPUT, "unexpected %s after the document", here);
	}
	return SS_OK;
}
