/*
 * export_binary.c - the compact export (docs/binary-format.md): magic,
 * version, one record per session and per snapshot, a trailer; every record
 * with its own SHA-256 and the trailer with the SHA-256 of all before it.
 *
 * Snapshots are written as the store keeps them: a delta's stored bytes
 * (its JSON Patch, still compressed) are copied as they are, so the file
 * costs about what the store does.  A delta may only name a base written
 * earlier in the file, as the previous snapshot of its session; when the
 * selection leaves that base out (a filter, --id), the snapshot is written
 * as a keyframe of its rebuilt state instead.  So the records go by session
 * (by name) and then by seq, whatever order the selection sorts in.
 *
 * Memory: the selection's ids with their session and seq (24 bytes each,
 * needed to order them) and at most one state: the current state of the
 * session being written, kept only to verify each snapshot's checksum as
 * it goes out (an export of a damaged store fails rather than produce a
 * file no import accepts).  File safety is export_file.h's.
 */
#include "export_file.h"
#include "import.h"
#include "manager.h"
#include "ss_hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids fetched per search, as export.c pages them. */
#define BIN_PAGE 256

/* Progress is reported every this many snapshots (and at the end). */
#define BIN_PROGRESS_EVERY 64

#define BIN_VERSION 1u

/* As import_binary.c reads them (docs/binary-format.md). */
static const unsigned char bin_magic[8] = { 0x89, 'S', 'N', 'P', '\r', '\n', 0x1a, '\n' };

enum { REC_SESSION = 'S', REC_SNAPSHOT = 'N', REC_TRAILER = 'T' };

/* ---- the selection -------------------------------------------------------- */

struct entry {
	int64_t id;
	int64_t seq;
	size_t session;             /* index into struct selection's names */
};

struct sel_session {
	int64_t session_id;
	char *name;
};

struct selection {
	struct entry *v;
	size_t n, cap;
	struct sel_session *s;
	size_t n_s, cap_s;
	bool nomem;
};

static void selection_free(struct selection *sel)
{
	for (size_t i = 0; i < sel->n_s; i++)
		free(sel->s[i].name);
	free(sel->s);
	free(sel->v);
	*sel = (struct selection){ 0 };
}

/* The index of a session, added when new.  A linear scan: an export touches
 * a handful of sessions; the last one found is tried first. */
static bool session_index(struct selection *sel, int64_t session_id, const char *name, size_t *out)
{
	if (sel->n_s && sel->s[sel->n_s - 1].session_id == session_id) {
		*out = sel->n_s - 1;
		return true;
	}
	for (size_t i = 0; i < sel->n_s; i++)
		if (sel->s[i].session_id == session_id) {
			*out = i;
			return true;
		}
	if (sel->n_s == sel->cap_s) {
		size_t cap = sel->cap_s ? sel->cap_s * 2 : 8;
		struct sel_session *s = realloc(sel->s, cap * sizeof *s);
		if (!s)
			return false;
		sel->s = s;
		sel->cap_s = cap;
	}
	char *copy = strdup(name ? name : "");
	if (!copy)
		return false;
	sel->s[sel->n_s] = (struct sel_session){ .session_id = session_id, .name = copy };
	*out = sel->n_s++;
	return true;
}

static bool selection_add(struct selection *sel, const ss_snapshot *row)
{
	size_t si;
	if (!session_index(sel, row->session_id, row->session, &si))
		return false;
	if (sel->n == sel->cap) {
		size_t cap = sel->cap ? sel->cap * 2 : 256;
		struct entry *v = realloc(sel->v, cap * sizeof *v);
		if (!v)
			return false;
		sel->v = v;
		sel->cap = cap;
	}
	sel->v[sel->n++] = (struct entry){ .id = row->id, .seq = row->seq, .session = si };
	return true;
}

struct collect {
	struct selection *sel;
	size_t got;
};

static int collect_row(const ss_snapshot *row, void *user_data)
{
	struct collect *c = user_data;
	c->got++;
	if (!selection_add(c->sel, row)) {
		c->sel->nomem = true;
		return 1;
	}
	return 0;
}

/* The query's rows, a page at a time with a keyset cursor as export.c walks
 * them (its limit and offset apply to the whole walk). */
static ss_status select_query(ss_manager *mgr, const ss_query *q, struct selection *sel)
{
	ss_query pq = *q;
	ss_cursor cursor = { 0 };
	int64_t left = q->limit > 0 ? q->limit : INT64_MAX;
	while (left > 0) {
		struct collect c = { .sel = sel };
		pq.limit = left < BIN_PAGE ? left : BIN_PAGE;
		ss_status st = ss_search(mgr, &pq, &cursor, collect_row, &c);
		if (st != SS_OK)
			return st;
		if (sel->nomem)
			return mgr_fail(mgr, SS_NOMEM, "out of memory selecting snapshots to export");
		pq.offset = 0;
		if (c.got < (size_t)pq.limit)
			break;
		left -= (int64_t)c.got;
	}
	if (sel->n == 0 && q->session) {
		/* An empty selection of a session that exists still exports that
		 * session (as the JSON export does); one that does not is an error. */
		ss_session info = { 0 };
		ss_status st = ss_session_info(mgr, q->session, &info);
		size_t si;
		if (st == SS_OK && !session_index(sel, info.id, info.name, &si))
			st = mgr_fail(mgr, SS_NOMEM, "out of memory selecting snapshots to export");
		ss_session_clear(&info);
		return st;
	}
	return SS_OK;
}

/* Explicit ids: each must exist, before a file is made. */
static ss_status select_ids(ss_manager *mgr, const int64_t *ids, size_t n_ids,
                            struct selection *sel)
{
	for (size_t i = 0; i < n_ids; i++) {
		ss_snapshot meta = { 0 };
		ss_status st = mgr_get_meta(mgr, ids[i], &meta);
		if (st != SS_OK)
			return st;
		bool ok = selection_add(sel, &meta);
		ss_snapshot_clear(&meta);
		if (!ok)
			return mgr_fail(mgr, SS_NOMEM, "out of memory selecting snapshots to export");
	}
	return SS_OK;
}

static int cmp_session(const void *a, const void *b)
{
	const struct sel_session *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->session != y->session)
		return x->session < y->session ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Order the sessions by name and the snapshots by session, then seq (a
 * base before what depends on it), and drop an id given twice: the reader
 * refuses duplicate export ids.
 */
static ss_status selection_sort(ss_manager *mgr, struct selection *sel)
{
	size_t *rank = malloc((sel->n_s ? sel->n_s : 1) * sizeof *rank);
	if (!rank)
		return mgr_fail(mgr, SS_NOMEM, "out of memory ordering the export");
	/* Sort the sessions, remembering where each old index went. */
	for (size_t i = 0; i < sel->n_s; i++)
		sel->s[i].session_id = (int64_t)i;     /* reused as "old index" from here */
	qsort(sel->s, sel->n_s, sizeof *sel->s, cmp_session);
	for (size_t i = 0; i < sel->n_s; i++)
		rank[sel->s[i].session_id] = i;
	for (size_t i = 0; i < sel->n; i++)
		sel->v[i].session = rank[sel->v[i].session];
	free(rank);
	qsort(sel->v, sel->n, sizeof *sel->v, cmp_entry);
	size_t w = 0;
	for (size_t i = 0; i < sel->n; i++)
		if (w == 0 || sel->v[w - 1].id != sel->v[i].id)
			sel->v[w++] = sel->v[i];
	sel->n = w;
	return SS_OK;
}

/* ---- writing ------------------------------------------------------------- */

struct bout {
	ss_manager *mgr;
	FILE *f;
	const char *path;           /* the target, for messages */
	ss_sha256 *file_hash;       /* everything written so far */
	int64_t sessions, snapshots;
};

static ss_status bout_write(struct bout *o, const void *data, size_t len)
{
	if (len && fwrite(data, 1, len, o->f) != len) {
		int e = errno ? errno : EIO;
		return mgr_fail(o->mgr, SS_IO, "writing the export %s: %s", o->path, strerror(e));
	}
	ss_sha256_update(o->file_hash, data, len);
	return SS_OK;
}

/* The fields of one record before its data, little-endian. */
struct fields {
	unsigned char *b;
	size_t n, cap;
	bool nomem;
};

static void f_bytes(struct fields *f, const void *data, size_t len)
{
	if (f->nomem)
		return;
	if (f->n + len > f->cap) {
		size_t cap = f->cap ? f->cap : 256;
		while (cap < f->n + len)
			cap *= 2;
		unsigned char *b = realloc(f->b, cap);
		if (!b) {
			f->nomem = true;
			return;
		}
		f->b = b;
		f->cap = cap;
	}
	if (len)
		memcpy(f->b + f->n, data, len);
	f->n += len;
}

static void f_uint(struct fields *f, uint64_t v, size_t width)
{
	unsigned char le[8];
	for (size_t i = 0; i < width; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	f_bytes(f, le, width);
}

static void f_u8(struct fields *f, unsigned v) { f_uint(f, v, 1); }
static void f_u16(struct fields *f, size_t v) { f_uint(f, v, 2); }
static void f_u32(struct fields *f, size_t v) { f_uint(f, v, 4); }
static void f_i64(struct fields *f, int64_t v) { f_uint(f, (uint64_t)v, 8); }

/* 64 hex digits to 32 bytes; false when they are not hex. */
static bool hex_to_bytes(const char *hex, unsigned char out[32])
{
	for (size_t i = 0; i < 32; i++) {
		unsigned v = 0;
		for (size_t k = 0; k < 2; k++) {
			char c = hex[2 * i + k];
			unsigned d;
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				return false;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return true;
}

/*
 * One record: type, u32 length, the fields then `data`, and the SHA-256 of
 * all of that (the five header bytes included, so that a damaged type or
 * length is caught by the record itself).
 */
static ss_status put_record(struct bout *o, unsigned type, const struct fields *f,
                            const void *data, size_t data_len, const char *what)
{
	if (f->nomem)
		return mgr_fail(o->mgr, SS_NOMEM, "out of memory writing %s", what);
	size_t len = f->n + data_len;
	if (len < f->n || len > UINT32_MAX)
		return mgr_fail(o->mgr, SS_LIMIT, "%s: record of %zu bytes is over the format's 4 GiB",
		                what, len);
	unsigned char head[5] = { (unsigned char)type, (unsigned char)len,
	                          (unsigned char)(len >> 8), (unsigned char)(len >> 16),
	                          (unsigned char)(len >> 24) };
	ss_sha256 *h = ss_sha256_new();
	if (!h)
		return mgr_fail(o->mgr, SS_NOMEM, "out of memory writing %s", what);
	ss_sha256_update(h, head, sizeof head);
	ss_sha256_update(h, f->b, f->n);
	ss_sha256_update(h, data, data_len);
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	unsigned char digest[32];
	if (ss_sha256_final_hex(h, hex) != SS_OK || !hex_to_bytes(hex, digest))
		return mgr_fail(o->mgr, SS_INTERNAL, "cannot hash %s", what);
	ss_status st = bout_write(o, head, sizeof head);
	if (st == SS_OK)
		st = bout_write(o, f->b, f->n);
	if (st == SS_OK)
		st = bout_write(o, data, data_len);
	if (st == SS_OK)
		st = bout_write(o, digest, sizeof digest);
	return st;
}

static ss_status put_session(struct bout *o, const char *name)
{
	ss_session info = { 0 };
	ss_status st = ss_session_info(o->mgr, name, &info);
	if (st != SS_OK)
		return st;
	const char *config = info.config ? info.config : "{}";
	/* Checked here as the reader will check it, so that an export that
	 * succeeds is one that imports. */
	json_error_t jerr;
	json_t *parsed = json_loads(config, JSON_REJECT_DUPLICATES, &jerr);
	bool ok = json_is_object(parsed);
	json_decref(parsed);
	if (!parsed && json_error_code(&jerr) == json_error_out_of_memory) {
		st = mgr_fail(o->mgr, SS_NOMEM, "out of memory reading a session's configuration");
	} else if (!ok) {
		char *safe = ss_text_escape(name, strlen(name));
		st = mgr_fail(o->mgr, SS_CORRUPT,
		              "session %s: stored configuration is not a JSON object", safe ? safe : "?");
		free(safe);
	} else {
		struct fields f = { 0 };
		size_t name_len = strlen(name), config_len = strlen(config);
		f_u16(&f, name_len);
		f_bytes(&f, name, name_len);
		f_u32(&f, config_len);
		f_bytes(&f, config, config_len);
		st = put_record(o, REC_SESSION, &f, NULL, 0, "a session");
		free(f.b);
		if (st == SS_OK)
			o->sessions++;
	}
	ss_session_clear(&info);
	return st;
}

/* What is known of the session being written. */
struct cursor_state {
	size_t session;             /* index of the session; SIZE_MAX before the first */
	int64_t last_id;            /* the previous snapshot written of it; 0: none */
	json_t *state;              /* its state (owned), when verifying */
};

/* Check a state against the checksum its snapshot records. */
static ss_status check_state(ss_manager *mgr, const ss_snapshot *meta, const json_t *state)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ss_status st = ss_checksum_json(state, hex);
	if (st != SS_OK)
		return mgr_fail(mgr, st, "snapshot %lld: cannot compute its checksum", (long long)meta->id);
	if (strcmp(hex, meta->checksum) != 0)
		return mgr_fail(mgr, SS_CORRUPT,
		                "snapshot %lld: checksum mismatch (recorded %.12s..., state hashes to "
		                "%.12s...); not exported", (long long)meta->id, meta->checksum, hex);
	return SS_OK;
}

/*
 * Verify stored bytes about to be copied: inflate, parse, apply (a delta,
 * to cur->state) and compare checksums, leaving cur->state at this
 * snapshot's state.
 */
static ss_status verify_copy(ss_manager *mgr, const ss_snapshot *meta, ss_codec codec,
                             const char *data, size_t len, size_t raw_size,
                             struct cursor_state *cur)
{
	char why[512];
	char *text = NULL;
	ss_status st = ss_blob_decode(codec, data, len, raw_size, mgr->cfg.max_state_bytes, &text,
	                              why, sizeof why);
	if (st != SS_OK)
		return mgr_fail(mgr, st, "snapshot %lld: stored bytes %s", (long long)meta->id, why);
	json_t *v = NULL;
	st = ss_state_parse(text, raw_size, mgr->cfg.max_state_bytes, "stored bytes", &v, why,
	                    sizeof why);
	free(text);
	if (st != SS_OK)
		return mgr_fail(mgr, st == SS_NOMEM ? st : SS_CORRUPT, "snapshot %lld: %s",
		                (long long)meta->id, why);
	if (meta->kind == SS_KIND_KEYFRAME) {
		json_decref(cur->state);
		cur->state = v;
	} else {
		if (!json_is_array(v))
			snprintf(why, sizeof why, "%s", "the stored patch is not an array");
		ss_status ap = json_is_array(v) ? ss_json_patch_apply(&cur->state, v, why, sizeof why)
		                                : SS_INPUT;
		json_decref(v);
		if (ap != SS_OK) {
			json_decref(cur->state);
			cur->state = NULL;
			return mgr_fail(mgr, ap == SS_NOMEM ? ap : SS_CORRUPT,
			                "snapshot %lld: its delta does not apply (%s)",
			                (long long)meta->id, why);
		}
	}
	return check_state(mgr, meta, cur->state);
}

static ss_status put_snapshot(struct bout *o, const struct entry *e, struct cursor_state *cur)
{
	ss_manager *mgr = o->mgr;
	bool verify = mgr->cfg.validate_checksums;
	if (cur->session != e->session) {
		cur->session = e->session;
		cur->last_id = 0;
		json_decref(cur->state);
		cur->state = NULL;
	}
	ss_snapshot meta = { 0 };
	ss_codec codec = SS_CODEC_RAW;
	char *data = NULL;          /* the stored bytes as they go out */
	size_t len = 0, raw_size = 0;
	ss_status st = mgr_get_meta(mgr, e->id, &meta);
	if (st != SS_OK)
		return st;
	unsigned char sum[32];
	if (!hex_to_bytes(meta.checksum, sum)) {
		st = mgr_fail(mgr, SS_CORRUPT, "snapshot %lld: recorded checksum is not hex",
		              (long long)meta.id);
		goto done;
	}

	/* A delta is kept only when its base went out just before it, in this
	 * file, and (when verifying) its state is in hand. */
	bool copy = meta.kind == SS_KIND_KEYFRAME ||
	            (meta.base_id == cur->last_id && cur->last_id != 0 && (!verify || cur->state));
	ss_kind kind = SS_KIND_KEYFRAME;
	int64_t base = 0;
	if (copy) {
		st = ss_store_blob_get_raw(mgr->store, meta.blob_id, &codec, &data, &len, &raw_size);
		if (st != SS_OK) {
			char detail[sizeof mgr->err];
			snprintf(detail, sizeof detail, "%s", ss_store_errmsg(mgr->store));
			st = mgr_fail(mgr, st, "snapshot %lld: %s", (long long)meta.id, detail);
			goto done;
		}
		kind = meta.kind;
		base = kind == SS_KIND_DELTA ? meta.base_id : 0;
		if (verify && (st = verify_copy(mgr, &meta, codec, data, len, raw_size, cur)) != SS_OK)
			goto done;
	} else {
		/* Its base is not in the file: its state, whole, as a keyframe. */
		json_t *state = NULL;
		json_decref(cur->state);
		cur->state = NULL;
		st = mgr_read_private(mgr, &meta, verify, &state);
		if (st != SS_OK)
			goto done;
		char *text = ss_json_dump(state, 0, &raw_size);
		if (!text ||
		    ss_blob_encode(text, raw_size, &codec, &data, &len) != SS_OK) {
			free(text);
			json_decref(state);
			st = mgr_fail(mgr, SS_NOMEM, "out of memory exporting snapshot %lld",
			              (long long)meta.id);
			goto done;
		}
		free(text);
		if (verify)
			cur->state = state;
		else
			json_decref(state);
	}

	struct fields f = { 0 };
	f_i64(&f, meta.id);
	f_u32(&f, e->session);
	f_i64(&f, meta.seq);
	f_i64(&f, meta.created_at);
	f_u8(&f, (unsigned)meta.origin);
	bool has_desc = meta.description && *meta.description;
	f_u8(&f, (meta.pinned ? 1u : 0u) | (has_desc ? 2u : 0u));
	f_u8(&f, (unsigned)kind);
	f_u8(&f, (unsigned)codec);
	f_i64(&f, base);
	f_uint(&f, raw_size, 8);
	f_bytes(&f, sum, sizeof sum);
	f_u16(&f, meta.n_tags);
	for (size_t i = 0; i < meta.n_tags; i++) {
		size_t n = strlen(meta.tags[i]);
		f_u16(&f, n);
		f_bytes(&f, meta.tags[i], n);
	}
	size_t desc_len = has_desc ? strlen(meta.description) : 0;
	f_u32(&f, desc_len);
	f_bytes(&f, meta.description, desc_len);
	f_u32(&f, len);
	char what[64];
	snprintf(what, sizeof what, "snapshot %lld", (long long)meta.id);
	if (len > UINT32_MAX)
		st = mgr_fail(mgr, SS_LIMIT, "%s: %zu stored bytes are over the format's 4 GiB", what, len);
	else
		st = put_record(o, REC_SNAPSHOT, &f, data, len, what);
	free(f.b);
	if (st == SS_OK) {
		o->snapshots++;
		cur->last_id = meta.id;
	}
done:
	free(data);
	ss_snapshot_clear(&meta);
	return st;
}

static ss_status put_trailer(struct bout *o)
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	unsigned char digest[32];
	ss_sha256 *h = o->file_hash;
	o->file_hash = NULL;
	if (ss_sha256_final_hex(h, hex) != SS_OK || !hex_to_bytes(hex, digest))
		return mgr_fail(o->mgr, SS_INTERNAL, "cannot hash the export");
	/* The trailer itself is not part of the file hash it carries; from
	 * here bout_write() hashes into a throwaway. */
	if (!(o->file_hash = ss_sha256_new()))
		return mgr_fail(o->mgr, SS_NOMEM, "out of memory writing the export's trailer");
	struct fields f = { 0 };
	f_i64(&f, o->sessions);
	f_i64(&f, o->snapshots);
	f_bytes(&f, digest, sizeof digest);
	ss_status st = put_record(o, REC_TRAILER, &f, NULL, 0, "the trailer");
	free(f.b);
	return st;
}

static ss_status write_file(struct bout *o, const struct selection *sel,
                            ss_progress_fn progress, void *user_data)
{
	unsigned char head[12];
	memcpy(head, bin_magic, sizeof bin_magic);
	for (size_t i = 0; i < 4; i++)
		head[8 + i] = (unsigned char)(BIN_VERSION >> (8 * i));
	ss_status st = bout_write(o, head, sizeof head);
	for (size_t i = 0; i < sel->n_s && st == SS_OK; i++)
		st = put_session(o, sel->s[i].name);
	struct cursor_state cur = { .session = SIZE_MAX };
	int64_t total = (int64_t)sel->n;
	if (st == SS_OK && progress)
		progress(0, total, user_data);
	for (size_t i = 0; i < sel->n && st == SS_OK; i++) {
		st = put_snapshot(o, &sel->v[i], &cur);
		if (st == SS_OK && progress && (i + 1) % BIN_PROGRESS_EVERY == 0 && i + 1 < sel->n)
			progress((int64_t)i + 1, total, user_data);
	}
	json_decref(cur.state);
	if (st == SS_OK)
		st = put_trailer(o);
	if (st == SS_OK && progress)
		progress(total, total, user_data);
	return st;
}

ss_status export_binary(ss_manager *mgr, const ss_query *q, const int64_t *ids, size_t n_ids,
                        const char *path, bool force, ss_progress_fn progress, void *user_data,
                        int64_t *written)
{
	if (written)
		*written = 0;
	if (!path || !*path)
		return mgr_fail(mgr, SS_USAGE, "export: no file name given");
	if (n_ids == 0 && !q)
		return mgr_fail(mgr, SS_USAGE, "export: neither a query nor ids given");
	if (n_ids > 0 && !ids)
		return mgr_fail(mgr, SS_USAGE, "export: id count given without ids");
	ss_status st = export_file_check(mgr, path, force);
	if (st != SS_OK)
		return st;

	/* One read transaction for the selection and every snapshot, so a
	 * capture committing meanwhile does not tear the export.  ss_export()
	 * may hold one already: then this begin is refused and its one serves. */
	bool own_tx = ss_store_read_begin(mgr->store) == SS_OK;
	struct selection sel = { 0 };
	st = n_ids ? select_ids(mgr, ids, n_ids, &sel) : select_query(mgr, q, &sel);
	if (st == SS_OK)
		st = selection_sort(mgr, &sel);
	struct export_file ef;
	if (st == SS_OK)
		st = export_file_open(mgr, path, force, &ef);
	if (st != SS_OK) {
		selection_free(&sel);
		if (own_tx)
			ss_store_read_end(mgr->store);
		return st;
	}
	struct bout o = { .mgr = mgr, .f = ef.f, .path = path, .file_hash = ss_sha256_new() };
	errno = 0;
	if (!o.file_hash)
		st = mgr_fail(mgr, SS_NOMEM, "out of memory starting the export");
	else
		st = write_file(&o, &sel, progress, user_data);
	ss_sha256_free(o.file_hash);
	if (own_tx)
		ss_store_read_end(mgr->store);
	st = export_file_finish(mgr, &ef, st);
	if (st == SS_OK && written)
		*written = o.snapshots;
	selection_free(&sel);
	return st;
}
