/*
 * import_binary.c - the reader of the binary export (docs/binary-format.md).
 *
 * The file is untrusted: every length is compared with what remains of its
 * record (and every record's with what remains of the file) before anything
 * is read or allocated; stored bytes are inflated into at most the state
 * limit, so a compression bomb stops at the limit; a state is rebuilt by
 * applying its delta to the previous state of its session, checked as the
 * store checks input (depth, size) and then against its recorded canonical
 * SHA-256.  JSON Patch "copy" is refused: it is the one operation that can
 * grow a state beyond what the file carries (forty copies of the whole
 * document into itself make a trillion-fold state from a few bytes), and
 * the store's deltas never use it.
 *
 * Two passes: a cheap one first (magic, version, the trailer's place and
 * its hash of the whole file), so that damage anywhere is reported as such
 * before any record is interpreted; then the records in order, each handed
 * to the sink as soon as it is checked.  At most one state per session is
 * held: a delta's base is always the previous snapshot of its session.
 */
#include "import.h"
#include "ss_hash.h"
#include "state_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIN_VERSION 1u
#define BIN_HEAD 12u                    /* magic and version */
#define BIN_FRAME 5u                    /* type, u32 length */
#define BIN_HASH 32u
#define BIN_TRAILER_PAYLOAD 48u
#define BIN_TRAILER (BIN_FRAME + BIN_TRAILER_PAYLOAD + BIN_HASH)

/* The times an RFC 3339 text can carry (years 0000 to 9999): a snapshot
 * this reader accepts can go out again as JSON. */
#define TIME_MIN_MS (-62167219200000LL)         /* 0000-01-01T00:00:00.000Z */
#define TIME_MAX_MS 253402300799999LL           /* 9999-12-31T23:59:59.999Z */

/* As export_binary.c writes them (docs/binary-format.md). */
static const unsigned char bin_magic[8] = { 0x89, 'S', 'N', 'P', '\r', '\n', 0x1a, '\n' };

enum { REC_SESSION = 'S', REC_SNAPSHOT = 'N', REC_TRAILER = 'T' };

/* ---- little-endian fields within one record ------------------------------ */

struct rd {
	const unsigned char *p;
	size_t left;
};

static bool rd_bytes(struct rd *r, size_t n, const unsigned char **out)
{
	if (n > r->left)
		return false;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool rd_uint(struct rd *r, size_t width, uint64_t *v)
{
	const unsigned char *b;
	if (!rd_bytes(r, width, &b))
		return false;
	*v = 0;
	for (size_t i = width; i-- > 0;)
		*v = (*v << 8) | b[i];
	return true;
}

static uint64_t le_u32(const unsigned char *b)
{
	return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
}

static uint64_t le_u64(const unsigned char *b)
{
	return le_u32(b) | le_u32(b + 4) << 32;
}

/* ---- export ids seen: an open-addressing set (ids are > 0) --------------- */

struct idset {
	int64_t *v;
	size_t cap, n;
};

static size_t id_slot(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

/* Add id; *dup is set when it was there.  False when out of memory. */
static bool idset_add(struct idset *s, int64_t id, bool *dup)
{
	*dup = false;
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *v = calloc(cap, sizeof *v);
		if (!v)
			return false;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->v[i])
				continue;
			size_t k = id_slot(s->v[i], cap);
			while (v[k])
				k = (k + 1) & (cap - 1);
			v[k] = s->v[i];
		}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	size_t k = id_slot(id, s->cap);
	while (s->v[k]) {
		if (s->v[k] == id) {
			*dup = true;
			return true;
		}
		k = (k + 1) & (s->cap - 1);
	}
	s->v[k] = id;
	s->n++;
	return true;
}

/* ---- the reader ---------------------------------------------------------- */

struct rsession {
	char name[SS_SESSION_NAME_MAX + 1];
	int64_t last_id;            /* the previous snapshot of the session; 0: none yet */
	int64_t last_seq;
	json_t *state;              /* its state (owned) */
};

struct reader {
	ss_manager *mgr;
	const char *what;
	const struct import_sink *sink;
	size_t max_state;
	struct rsession *s;
	size_t n_s, cap_s;
	struct idset ids;
	int64_t n_snap;
	uint64_t rec;               /* 1-based record number, for messages */
	size_t rec_off;             /* its offset */
	char tags[SS_TAGS_PER_SNAPSHOT_MAX][SS_TAG_MAX + 1];
	char desc[SS_DESCRIPTION_MAX + 1];
};

/* A failure naming the input; `st` is returned. */
static ss_status rfail(struct reader *r, ss_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static ss_status rfail(struct reader *r, ss_status st, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mgr_fail(r->mgr, st, "%s: %s", r->what, msg);
}

/* A failure of the current record. */
static ss_status rec_fail(struct reader *r, ss_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static ss_status rec_fail(struct reader *r, ss_status st, const char *fmt, ...)
{
	char msg[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rfail(r, st, "record %llu (byte %zu): %s", (unsigned long long)r->rec, r->rec_off, msg);
}

static void hex_of(const unsigned char *b, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* Does the SHA-256 of data equal the 32 bytes at `want`? */
static ss_status sha_matches(const void *data, size_t len, const unsigned char *want, bool *ok)
{
	char got[SS_CHECKSUM_HEX_LEN + 1], exp[SS_CHECKSUM_HEX_LEN + 1];
	ss_status st = ss_sha256_hex(data, len, got);
	if (st != SS_OK)
		return st;
	hex_of(want, BIN_HASH, exp);
	*ok = strcmp(got, exp) == 0;
	return SS_OK;
}

/* The cheap pass: magic, version, trailer and the whole file's hash. */
static ss_status check_whole(struct reader *r, const unsigned char *p, size_t len,
                             uint64_t *sessions, uint64_t *snapshots)
{
	size_t m = len < sizeof bin_magic ? len : sizeof bin_magic;
	if (len == 0 || p[0] != bin_magic[0])
		return rfail(r, SS_INPUT, "not a snapscope binary export (no magic)");
	if (memcmp(p, bin_magic, m) != 0) {
		if (m >= 4 && memcmp(p, bin_magic, 4) == 0)
			return rfail(r, SS_INPUT, "the magic is damaged: was the file copied in text mode "
			             "(line endings converted)?");
		return rfail(r, SS_INPUT, "not a snapscope binary export (bad magic)");
	}
	if (len < BIN_HEAD)
		return rfail(r, SS_INPUT, "truncated: %zu bytes, not even a header", len);
	uint64_t version = le_u32(p + 8);
	if (version != BIN_VERSION)
		return rfail(r, SS_INPUT,
		             "format version %llu is not supported (this build reads version %u)",
		             (unsigned long long)version, BIN_VERSION);
	if (len < BIN_HEAD + BIN_TRAILER)
		return rfail(r, SS_INPUT, "truncated: %zu bytes, too short for a trailer", len);
	const unsigned char *t = p + len - BIN_TRAILER;
	bool ok = false;
	ss_status st = SS_OK;
	if (t[0] != REC_TRAILER || le_u32(t + 1) != BIN_TRAILER_PAYLOAD ||
	    (st = sha_matches(t, BIN_FRAME + BIN_TRAILER_PAYLOAD, t + BIN_FRAME + BIN_TRAILER_PAYLOAD,
	                      &ok)) != SS_OK || !ok) {
		if (st == SS_NOMEM)
			return rfail(r, st, "out of memory hashing");
		return rfail(r, SS_INPUT, "truncated or damaged: its last %u bytes are not a valid trailer",
		             BIN_TRAILER);
	}
	*sessions = le_u64(t + BIN_FRAME);
	*snapshots = le_u64(t + BIN_FRAME + 8);
	if ((st = sha_matches(p, len - BIN_TRAILER, t + BIN_FRAME + 16, &ok)) != SS_OK)
		return rfail(r, st, "out of memory hashing");
	if (!ok)
		return rfail(r, SS_INPUT, "damaged: the SHA-256 of its %zu bytes differs from the one its "
		             "trailer records", len - BIN_TRAILER);
	return SS_OK;
}

/* Copy `n` bytes of text into `dst` (room for max + 1); false when it is too
 * long or holds a NUL (which C strings downstream would silently cut). */
static bool text_field(char *dst, size_t max, const unsigned char *src, size_t n)
{
	if (n > max || memchr(src, 0, n))
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

static ss_status read_session(struct reader *r, struct rd *f)
{
	if (r->n_snap > 0)
		return rec_fail(r, SS_INPUT, "a session record after the snapshots");
	uint64_t name_len, config_len;
	const unsigned char *name, *config;
	if (!rd_uint(f, 2, &name_len) || !rd_bytes(f, (size_t)name_len, &name) ||
	    !rd_uint(f, 4, &config_len) || !rd_bytes(f, (size_t)config_len, &config))
		return rec_fail(r, SS_INPUT, "session record shorter than its fields");
	if (f->left)
		return rec_fail(r, SS_INPUT, "%zu bytes after the session's fields", f->left);
	if (r->n_s == r->cap_s) {
		size_t cap = r->cap_s ? r->cap_s * 2 : 8;
		struct rsession *s = realloc(r->s, cap * sizeof *s);
		if (!s)
			return rfail(r, SS_NOMEM, "out of memory reading sessions");
		r->s = s;
		r->cap_s = cap;
	}
	struct rsession *s = &r->s[r->n_s];
	memset(s, 0, sizeof *s);
	char why[256];
	if (!text_field(s->name, SS_SESSION_NAME_MAX, name, (size_t)name_len))
		return rec_fail(r, SS_INPUT, "session name too long or holding a NUL");
	if (ss_session_name_check(s->name, why, sizeof why) != SS_OK)
		return rec_fail(r, SS_INPUT, "%s", why);
	for (size_t i = 0; i < r->n_s; i++)
		if (strcmp(r->s[i].name, s->name) == 0)
			return rec_fail(r, SS_INPUT, "session %s appears twice", s->name);
	if (config_len > r->max_state)
		return rec_fail(r, SS_LIMIT, "session %s: configuration over the %zu-byte limit",
		                s->name, r->max_state);
	json_error_t jerr;
	json_t *cfg = json_loadb((const char *)config, (size_t)config_len, JSON_REJECT_DUPLICATES,
	                         &jerr);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		if (!cfg && json_error_code(&jerr) == json_error_out_of_memory)
			return rfail(r, SS_NOMEM, "out of memory reading session %s", s->name);
		return rec_fail(r, SS_INPUT, "session %s: configuration is not a JSON object", s->name);
	}
	r->n_s++;
	ss_status st = SS_OK;
	if (r->sink && r->sink->session) {
		struct import_session is = { .name = s->name, .config = cfg };
		st = r->sink->session(r->sink->ctx, &is);
	}
	json_decref(cfg);
	return st;
}

/* A patch the reader applies: an array of operations none of which is
 * "copy" (see the top of the file); the rest is ss_json_patch_apply's. */
static bool patch_acceptable(const json_t *patch, const char **why)
{
	if (!json_is_array(patch)) {
		*why = "the stored patch is not a JSON array";
		return false;
	}
	size_t i;
	const json_t *op;
	json_array_foreach(patch, i, op) {
		const char *name = json_string_value(json_object_get(op, "op"));
		if (name && strcmp(name, "copy") == 0) {
			*why = "its patch uses \"copy\", which this format does not accept";
			return false;
		}
	}
	return true;
}

/* The fixed fields of a snapshot record, in file order. */
struct snap_fields {
	uint64_t id, session, seq, created_at, origin, flags, kind, codec, base, raw_size;
	const unsigned char *sum;
	size_t n_tags;
	const char *tag_ptrs[SS_TAGS_PER_SNAPSHOT_MAX];
	bool has_desc;
	const unsigned char *data;
	uint64_t data_len;
};

static ss_status snap_fields_read(struct reader *r, struct rd *f, struct snap_fields *x)
{
	if (!rd_uint(f, 8, &x->id) || !rd_uint(f, 4, &x->session) || !rd_uint(f, 8, &x->seq) ||
	    !rd_uint(f, 8, &x->created_at) || !rd_uint(f, 1, &x->origin) ||
	    !rd_uint(f, 1, &x->flags) || !rd_uint(f, 1, &x->kind) || !rd_uint(f, 1, &x->codec) ||
	    !rd_uint(f, 8, &x->base) || !rd_uint(f, 8, &x->raw_size) ||
	    !rd_bytes(f, BIN_HASH, &x->sum))
		return rec_fail(r, SS_INPUT, "snapshot record shorter than its fields");
	uint64_t n_tags;
	if (!rd_uint(f, 2, &n_tags))
		return rec_fail(r, SS_INPUT, "snapshot record shorter than its fields");
	if (n_tags > SS_TAGS_PER_SNAPSHOT_MAX)
		return rec_fail(r, SS_INPUT, "%llu tags, over the limit of %d",
		                (unsigned long long)n_tags, SS_TAGS_PER_SNAPSHOT_MAX);
	char why[256];
	for (size_t i = 0; i < n_tags; i++) {
		uint64_t n;
		const unsigned char *t;
		if (!rd_uint(f, 2, &n) || !rd_bytes(f, (size_t)n, &t))
			return rec_fail(r, SS_INPUT, "tag %zu runs past the end of its record", i + 1);
		if (!text_field(r->tags[i], SS_TAG_MAX, t, (size_t)n))
			return rec_fail(r, SS_INPUT, "tag %zu is too long or holds a NUL", i + 1);
		if (ss_tag_check(r->tags[i], why, sizeof why) != SS_OK)
			return rec_fail(r, SS_INPUT, "%s", why);
		x->tag_ptrs[i] = r->tags[i];
	}
	x->n_tags = (size_t)n_tags;
	uint64_t desc_len;
	const unsigned char *desc;
	if (!rd_uint(f, 4, &desc_len) || !rd_bytes(f, (size_t)desc_len, &desc))
		return rec_fail(r, SS_INPUT, "description runs past the end of its record");
	x->has_desc = (x->flags & 2) != 0;
	if (x->has_desc != (desc_len > 0))
		return rec_fail(r, SS_INPUT, "description flag and length disagree");
	if (x->has_desc) {
		if (!text_field(r->desc, SS_DESCRIPTION_MAX, desc, (size_t)desc_len))
			return rec_fail(r, SS_INPUT, "description too long or holding a NUL");
		if (ss_description_check(r->desc, why, sizeof why) != SS_OK)
			return rec_fail(r, SS_INPUT, "%s", why);
	}
	if (!rd_uint(f, 4, &x->data_len) || !rd_bytes(f, (size_t)x->data_len, &x->data))
		return rec_fail(r, SS_INPUT, "stored bytes run past the end of their record");
	if (f->left)
		return rec_fail(r, SS_INPUT, "%zu bytes after the snapshot's fields", f->left);
	return SS_OK;
}

/* Rebuild the state of snapshot x into s->state (keyframe: parse; delta:
 * apply), as the store would accept it; `why` says what failed. */
static ss_status rebuild(struct reader *r, const struct snap_fields *x, struct rsession *s,
                         char *why, size_t why_size)
{
	char *text = NULL;
	ss_status st = ss_blob_decode((ss_codec)x->codec, x->data, (size_t)x->data_len,
	                              (size_t)x->raw_size, r->max_state, &text, why, why_size);
	if (st != SS_OK) {
		if (st == SS_CORRUPT) {
			/* decode's message is a predicate: give it its subject */
			size_t n = strlen(why), pre = sizeof "stored bytes " - 1;
			if (n + pre >= why_size)
				n = why_size - pre - 1;
			memmove(why + pre, why, n);
			memcpy(why, "stored bytes ", pre);
			why[pre + n] = '\0';
			return SS_INPUT;
		}
		return st;
	}
	json_t *v = NULL;
	st = ss_state_parse(text, (size_t)x->raw_size, r->max_state, "stored bytes", &v, why,
	                    why_size);
	free(text);
	if (st != SS_OK)
		return st;
	if (x->kind == SS_KIND_KEYFRAME) {
		json_decref(s->state);
		s->state = v;
		return SS_OK;
	}
	const char *bad = NULL;
	if (!patch_acceptable(v, &bad)) {
		json_decref(v);
		snprintf(why, why_size, "%s", bad);
		return SS_INPUT;
	}
	char perr[384];
	st = ss_json_patch_apply(&s->state, v, perr, sizeof perr);
	json_decref(v);
	if (st != SS_OK) {
		if (st == SS_NOMEM)
			return st;
		snprintf(why, why_size, "its delta does not apply to the previous snapshot (%s)", perr);
		return SS_INPUT;
	}
	/* What a patch builds has not been through the parser: hold it to the
	 * rules a parsed state obeys (depth, no NaN, valid UTF-8). */
	if ((st = ss_state_check(s->state, SS_DEPTH_MAX, perr, sizeof perr)) != SS_OK) {
		snprintf(why, why_size, "the patched state is not acceptable (%s)", perr);
		return st == SS_NOMEM ? st : SS_INPUT;
	}
	return SS_OK;
}

/* A failure of one snapshot, named by its place in the file and its id. */
static ss_status snap_fail(struct reader *r, int64_t index, int64_t id, ss_status st,
                           const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static ss_status snap_fail(struct reader *r, int64_t index, int64_t id, ss_status st,
                           const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rfail(r, st, "snapshot %lld (id %lld): %s", (long long)index, (long long)id, msg);
}

static ss_status read_snapshot(struct reader *r, struct rd *f)
{
	struct snap_fields x;
	memset(&x, 0, sizeof x);
	ss_status st = snap_fields_read(r, f, &x);
	if (st != SS_OK)
		return st;
	int64_t index = ++r->n_snap;
	int64_t id = (int64_t)x.id;
	if (id <= 0)
		return snap_fail(r, index, id, SS_INPUT, "export id is not positive");
	bool dup;
	if (!idset_add(&r->ids, id, &dup))
		return rfail(r, SS_NOMEM, "out of memory reading snapshot %lld", (long long)index);
	if (dup)
		return snap_fail(r, index, id, SS_INPUT, "export id appears twice");
	if (x.session >= r->n_s)
		return snap_fail(r, index, id, SS_INPUT, "session %llu was not declared before it",
		                 (unsigned long long)x.session);
	struct rsession *s = &r->s[x.session];
	if ((int64_t)x.seq <= s->last_seq)
		return snap_fail(r, index, id, SS_INPUT,
		                 "seq %lld does not follow %lld, its session's previous one",
		                 (long long)x.seq, (long long)s->last_seq);
	if ((int64_t)x.created_at < TIME_MIN_MS || (int64_t)x.created_at > TIME_MAX_MS)
		return snap_fail(r, index, id, SS_INPUT,
		                 "created_at %lld ms is outside the years 0000-9999",
		                 (long long)x.created_at);
	if (x.origin > SS_ORIGIN_IMPORT)
		return snap_fail(r, index, id, SS_INPUT, "unknown origin %llu",
		                 (unsigned long long)x.origin);
	if (x.flags & ~3ull)
		return snap_fail(r, index, id, SS_INPUT, "unknown flags 0x%02llx",
		                 (unsigned long long)x.flags);
	if (x.kind > SS_KIND_DELTA)
		return snap_fail(r, index, id, SS_INPUT, "unknown kind %llu",
		                 (unsigned long long)x.kind);
	if (x.codec > SS_CODEC_ZLIB)
		return snap_fail(r, index, id, SS_INPUT, "unknown codec %llu",
		                 (unsigned long long)x.codec);
	if (x.kind == SS_KIND_KEYFRAME && x.base != 0)
		return snap_fail(r, index, id, SS_INPUT, "a keyframe naming a base (%lld)",
		                 (long long)x.base);
	if (x.kind == SS_KIND_DELTA && (s->last_id == 0 || (int64_t)x.base != s->last_id))
		return snap_fail(r, index, id, SS_INPUT,
		                 "a delta on %lld, which is not the previous snapshot of its session "
		                 "(%lld)",
		                 (long long)x.base, (long long)s->last_id);
	/* Before anything is allocated for them. */
	if (x.raw_size > r->max_state)
		return snap_fail(r, index, id, SS_LIMIT,
		                 "stored bytes inflate to %llu bytes, over the limit of %zu",
		                 (unsigned long long)x.raw_size, r->max_state);

	char why[512];
	st = rebuild(r, &x, s, why, sizeof why);
	if (st == SS_NOMEM)
		return rfail(r, st, "out of memory reading snapshot %lld", (long long)index);
	if (st != SS_OK)
		return snap_fail(r, index, id, st, "%s", why);

	/* The canonical form gives both the checksum and (same length as the
	 * compact form) the size the store's limit applies to: a patched state
	 * can outgrow its base, and a keyframe's text need not be compact. */
	size_t n = 0;
	char *canon = ss_json_dump(s->state, SS_DUMP_SORT_KEYS, &n);
	if (!canon)
		return rfail(r, SS_NOMEM, "out of memory reading snapshot %lld", (long long)index);
	char hex[SS_CHECKSUM_HEX_LEN + 1], want[SS_CHECKSUM_HEX_LEN + 1];
	st = n > r->max_state ? SS_LIMIT : ss_sha256_hex(canon, n, hex);
	free(canon);
	if (st == SS_LIMIT)
		return snap_fail(r, index, id, st, "its state is %zu bytes, over the limit of %zu", n,
		                 r->max_state);
	if (st != SS_OK)
		return rfail(r, st, "out of memory reading snapshot %lld", (long long)index);
	hex_of(x.sum, BIN_HASH, want);
	if (strcmp(hex, want) != 0)
		return snap_fail(r, index, id, SS_INPUT,
		                 "checksum mismatch (recorded %.12s..., state hashes to %.12s...)",
		                 want, hex);
	s->last_id = id;
	s->last_seq = (int64_t)x.seq;
	if (r->sink && r->sink->snapshot) {
		struct import_snapshot is = {
			.index = index,
			.source_id = id,
			.session = s->name,
			.created_at = (int64_t)x.created_at,
			.origin = (ss_origin)x.origin,
			.tags = x.tag_ptrs,
			.n_tags = x.n_tags,
			.pinned = (x.flags & 1) != 0,
			.description = x.has_desc ? r->desc : NULL,
			.checksum = want,
			.state = s->state,
		};
		st = r->sink->snapshot(r->sink->ctx, &is);
	}
	return st;
}

static ss_status read_records(struct reader *r, const unsigned char *p, size_t end,
                              uint64_t want_sessions, uint64_t want_snapshots)
{
	size_t off = BIN_HEAD;
	while (off < end) {
		r->rec++;
		r->rec_off = off;
		size_t left = end - off;
		if (left < BIN_FRAME + BIN_HASH)
			return rec_fail(r, SS_INPUT, "truncated: %zu bytes left, less than a record", left);
		unsigned type = p[off];
		uint64_t len = le_u32(p + off + 1);
		if (len > left - BIN_FRAME - BIN_HASH)
			return rec_fail(r, SS_INPUT, "length %llu is more than the %zu bytes that remain",
			                (unsigned long long)len, left - BIN_FRAME - BIN_HASH);
		bool ok = false;
		ss_status st = sha_matches(p + off, BIN_FRAME + (size_t)len,
		                           p + off + BIN_FRAME + len, &ok);
		if (st != SS_OK)
			return rfail(r, st, "out of memory hashing");
		if (!ok)
			return rec_fail(r, SS_INPUT, "damaged: its SHA-256 does not match");
		struct rd f = { p + off + BIN_FRAME, (size_t)len };
		switch (type) {
		case REC_SESSION:
			st = read_session(r, &f);
			break;
		case REC_SNAPSHOT:
			st = read_snapshot(r, &f);
			break;
		case REC_TRAILER:
			st = rec_fail(r, SS_INPUT, "a trailer before the end of the file");
			break;
		default:
			st = rec_fail(r, SS_INPUT, "unknown record type 0x%02x", type);
			break;
		}
		if (st != SS_OK)
			return st;
		off += BIN_FRAME + (size_t)len + BIN_HASH;
	}
	if (want_sessions != r->n_s || want_snapshots != (uint64_t)r->n_snap)
		return rfail(r, SS_INPUT, "the trailer counts %llu sessions and %llu snapshots, "
		             "the file holds %zu and %lld",
		             (unsigned long long)want_sessions, (unsigned long long)want_snapshots,
		             r->n_s, (long long)r->n_snap);
	return SS_OK;
}

bool import_is_binary(const void *data, size_t len)
{
	/* The first four bytes (or as many as there are) tell: 0x89 starts no
	 * JSON text and "SNP" no other binary format.  The rest of the magic,
	 * the bytes a text-mode copy changes, is the reader's to check, so that
	 * such a file is reported as mangled rather than as bad JSON. */
	size_t n = len < 4 ? len : 4;
	return len > 0 && memcmp(data, bin_magic, n) == 0;
}

ss_status import_read_binary(ss_manager *mgr, const char *data, size_t len, const char *what,
                             const struct import_sink *sink)
{
	struct reader *r = calloc(1, sizeof *r);
	if (!r)
		return mgr_fail(mgr, SS_NOMEM, "out of memory reading %s", what ? what : "the import");
	r->mgr = mgr;
	r->what = what ? what : "import";
	r->sink = sink;
	r->max_state = mgr->cfg.max_state_bytes ? mgr->cfg.max_state_bytes : SS_STATE_MAX_DEFAULT;
	const unsigned char *p = (const unsigned char *)data;
	uint64_t sessions = 0, snapshots = 0;
	ss_status st = check_whole(r, p, data ? len : 0, &sessions, &snapshots);
	if (st == SS_OK)
		st = read_records(r, p, len - BIN_TRAILER, sessions, snapshots);
	for (size_t i = 0; i < r->n_s; i++)
		json_decref(r->s[i].state);
	free(r->s);
	free(r->ids.v);
	free(r);
	return st;
}
