/*
 * check_binary.c - the binary export and its reader (docs/binary-format.md)
 * over a real store: what the reader hands its sink equals what ss_get()
 * gives (states, metadata, sessions), a filtered selection still rebuilds
 * (a delta whose base is left out goes out as a keyframe), the file is much
 * smaller than the JSON export of the same history, and hostile files are
 * refused: every single-byte change, every truncation, forged lengths and
 * sizes, a zlib bomb, a delta on the wrong base, duplicate ids, unknown
 * types, kinds, codecs and versions.  Also the store's codec functions.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "ss_transfer.h"
#include "ss_hash.h"
#include "ss_store.h"
#include "testutil.h"

static ss_manager *mgr;
static char err[1024];

static void open_mgr(size_t max_state)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.keyframe_every = 4;     /* keyframes and deltas both, in a short history */
	if (max_state)
		cfg.max_state_bytes = max_state;
	ss_status st = ss_open(&cfg, &mgr, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open: %s", err);
}

static void setup(void)
{
	tu_tmpdir();
	open_mgr(0);
}

static void teardown(void)
{
	ss_close(mgr);
	mgr = NULL;
	tu_cleanup();
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(v != NULL, "bad JSON (%s): %.200s", jerr.text, text);
	return v;
}

#define T0 1764079200000LL

static int64_t create(const char *session, const char *text, int64_t at, const char *tag,
                      const char *desc)
{
	json_t *v = parse(text);
	const char *tags[] = { tag, "zz-second" };
	ss_create_opts opts = { .created_at = at, .tags = tag ? tags : NULL, .n_tags = tag ? 2 : 0,
	                        .description = desc, .origin = tag ? SS_ORIGIN_AUTO : SS_ORIGIN_MANUAL };
	int64_t id = 0;
	ss_status st = ss_create(mgr, session, v, &opts, &id);
	ck_assert_msg(st == SS_OK, "ss_create: %s", ss_errmsg(mgr));
	json_decref(v);
	return id;
}

/* A history with keyframes and deltas in two sessions. */
static void small_history(int n)
{
	for (int i = 0; i < n; i++) {
		char text[1024];
		/* a constant part, so that a delta costs less than the state */
		snprintf(text, sizeof text,
		         "{\"step\":%d,\"agents\":[{\"id\":\"a\",\"load\":%d},{\"id\":\"b\",\"load\":%d}],"
		         "\"note\":\"caf\\u00e9 %d\",\"ratio\":%d.5,\"config\":{\"regions\":[\"eu-west-1\","
		         "\"eu-central-1\",\"us-east-1\",\"us-west-2\",\"ap-south-1\"],\"limits\":{\"cpu\":4,"
		         "\"memory\":\"16Gi\",\"disk\":\"100Gi\"},\"owner\":\"platform-team\"}}",
		         i, i * 3, 100 - i, i % 3, i);
		create("api", text, T0 + i * 1000, i % 3 == 0 ? "mark" : NULL,
		       i == 2 ? "the \"third\"\tone" : NULL);
		if (i % 2 == 0) {
			snprintf(text, sizeof text, "{\"other\":%d,\"list\":[1,2,%d]}", i, i);
			create("web", text, T0 + i * 1000 + 500, NULL, NULL);
		}
	}
	ss_session_config scfg = { .interval_ms = 5000 };
	ck_assert_int_eq(ss_session_config_set(mgr, "api", &scfg), SS_OK);
}

/* ---- a sink that records what it is given --------------------------------- */

struct got_snap {
	int64_t source_id;
	char *session;
	int64_t created_at;
	ss_origin origin;
	char *tags;                 /* joined with '|' */
	bool pinned;
	char *description;
	char checksum[SS_CHECKSUM_HEX_LEN + 1];
	json_t *state;
};

struct rec {
	char *sessions[16];
	json_t *configs[16];
	size_t n_sessions;
	struct got_snap *snaps;
	size_t n, cap;
	int64_t last_index;
};

static struct rec got;

static ss_status rec_session(void *ctx, const struct import_session *s)
{
	(void)ctx;
	ck_assert_uint_lt(got.n_sessions, 16);
	got.sessions[got.n_sessions] = strdup(s->name);
	got.configs[got.n_sessions] = s->config ? json_deep_copy(s->config) : NULL;
	got.n_sessions++;
	return SS_OK;
}

static ss_status rec_snapshot(void *ctx, const struct import_snapshot *s)
{
	(void)ctx;
	ck_assert_int_eq(s->index, got.last_index + 1);
	got.last_index = s->index;
	if (got.n == got.cap) {
		got.cap = got.cap ? got.cap * 2 : 64;
		got.snaps = realloc(got.snaps, got.cap * sizeof *got.snaps);
		ck_assert_ptr_nonnull(got.snaps);
	}
	struct got_snap *g = &got.snaps[got.n++];
	memset(g, 0, sizeof *g);
	g->source_id = s->source_id;
	g->session = strdup(s->session);
	g->created_at = s->created_at;
	g->origin = s->origin;
	size_t len = 1;
	for (size_t i = 0; i < s->n_tags; i++)
		len += strlen(s->tags[i]) + 1;
	g->tags = calloc(1, len);
	for (size_t i = 0; i < s->n_tags; i++) {
		if (i)
			strcat(g->tags, "|");
		strcat(g->tags, s->tags[i]);
	}
	g->pinned = s->pinned;
	g->description = s->description ? strdup(s->description) : NULL;
	snprintf(g->checksum, sizeof g->checksum, "%s", s->checksum);
	g->state = json_deep_copy(s->state);
	return SS_OK;
}

static const struct import_sink sink = { .session = rec_session, .snapshot = rec_snapshot };

static void rec_clear(void)
{
	for (size_t i = 0; i < got.n_sessions; i++) {
		free(got.sessions[i]);
		json_decref(got.configs[i]);
	}
	for (size_t i = 0; i < got.n; i++) {
		free(got.snaps[i].session);
		free(got.snaps[i].tags);
		free(got.snaps[i].description);
		json_decref(got.snaps[i].state);
	}
	free(got.snaps);
	memset(&got, 0, sizeof got);
}

/* Read a buffer with the recording sink. */
static ss_status read_buf(const void *data, size_t len)
{
	rec_clear();
	return import_read_binary(mgr, data, len, "test.ssb", &sink);
}

/* What the sink got for each snapshot equals what the store holds. */
static void expect_matches_store(void)
{
	for (size_t i = 0; i < got.n; i++) {
		struct got_snap *g = &got.snaps[i];
		json_t *state = NULL;
		ss_snapshot meta;
		ck_assert_int_eq(ss_get(mgr, g->source_id, &state, &meta), SS_OK);
		ck_assert_msg(json_equal(state, g->state), "snapshot %lld: state differs",
		              (long long)g->source_id);
		ck_assert_str_eq(g->session, meta.session);
		ck_assert_int_eq(g->created_at, meta.created_at);
		ck_assert_int_eq(g->origin, meta.origin);
		ck_assert_int_eq(g->pinned, meta.pinned);
		ck_assert_str_eq(g->checksum, meta.checksum);
		if (meta.description)
			ck_assert_str_eq(g->description, meta.description);
		else
			ck_assert_ptr_null(g->description);
		char tags[1024] = "";
		for (size_t t = 0; t < meta.n_tags; t++) {
			if (t)
				strcat(tags, "|");
			strcat(tags, meta.tags[t]);
		}
		ck_assert_str_eq(g->tags, tags);
		json_decref(state);
		ss_snapshot_clear(&meta);
	}
}

static char *export_to(const ss_query *q, const int64_t *ids, size_t n_ids, const char *name,
                       size_t *len, int64_t *written)
{
	const char *path = tu_path(name);
	ss_status st = export_binary(mgr, q, ids, n_ids, path, false, NULL, NULL, written);
	ck_assert_msg(st == SS_OK, "export_binary: %s", ss_errmsg(mgr));
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	char *data = tu_read_file(path, len);
	ck_assert_ptr_nonnull(data);
	return data;
}

static char *export_all(size_t *len)
{
	ss_query q;
	ss_query_init(&q);
	return export_to(&q, NULL, 0, "all.ssb", len, NULL);
}

/* ---- a file built by hand, with correct hashes -------------------------- */

struct fb {
	unsigned char *b;
	size_t n, cap;
};

static void fb_put(struct fb *f, const void *data, size_t len)
{
	if (f->n + len > f->cap) {
		while (f->n + len > f->cap)
			f->cap = f->cap ? f->cap * 2 : 1024;
		f->b = realloc(f->b, f->cap);
		ck_assert_ptr_nonnull(f->b);
	}
	if (len)
		memcpy(f->b + f->n, data, len);
	f->n += len;
}

static void fb_uint(struct fb *f, uint64_t v, size_t width)
{
	unsigned char le[8];
	for (size_t i = 0; i < width; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	fb_put(f, le, width);
}

static void sha_bytes(const void *data, size_t len, unsigned char out[32])
{
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ck_assert_int_eq(ss_sha256_hex(data, len, hex), SS_OK);
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static void fb_head(struct fb *f, uint32_t version)
{
	static const unsigned char magic[8] = { 0x89, 'S', 'N', 'P', '\r', '\n', 0x1a, '\n' };
	fb_put(f, magic, 8);
	fb_uint(f, version, 4);
}

/* A record whose length field says `claimed` (normally payload->n). */
static void fb_record_len(struct fb *f, unsigned type, const struct fb *payload, uint64_t claimed)
{
	size_t start = f->n;
	fb_uint(f, type, 1);
	fb_uint(f, claimed, 4);
	fb_put(f, payload->b, payload->n);
	unsigned char h[32];
	sha_bytes(f->b + start, f->n - start, h);
	fb_put(f, h, 32);
}

static void fb_record(struct fb *f, unsigned type, struct fb *payload)
{
	fb_record_len(f, type, payload, payload->n);
	free(payload->b);
	memset(payload, 0, sizeof *payload);
}

static void fb_trailer(struct fb *f, uint64_t sessions, uint64_t snapshots)
{
	struct fb t = { 0 };
	fb_uint(&t, sessions, 8);
	fb_uint(&t, snapshots, 8);
	unsigned char h[32];
	sha_bytes(f->b, f->n, h);
	fb_put(&t, h, 32);
	fb_record(f, 'T', &t);
}

static void fb_session(struct fb *f, const char *name)
{
	struct fb p = { 0 };
	fb_uint(&p, strlen(name), 2);
	fb_put(&p, name, strlen(name));
	fb_uint(&p, 2, 4);
	fb_put(&p, "{}", 2);
	fb_record(f, 'S', &p);
}

struct hand_snap {
	int64_t id;
	uint32_t session;
	int64_t seq;
	unsigned kind, codec;
	int64_t base;
	uint64_t raw_size;          /* 0: data_len */
	const char *state_for_sum;  /* the state whose checksum is recorded */
	const void *data;
	size_t data_len;
};

static void fb_snapshot(struct fb *f, const struct hand_snap *s)
{
	struct fb p = { 0 };
	fb_uint(&p, (uint64_t)s->id, 8);
	fb_uint(&p, s->session, 4);
	fb_uint(&p, (uint64_t)s->seq, 8);
	fb_uint(&p, (uint64_t)(T0 + s->seq), 8);
	fb_uint(&p, 0, 1);          /* origin */
	fb_uint(&p, 0, 1);          /* flags */
	fb_uint(&p, s->kind, 1);
	fb_uint(&p, s->codec, 1);
	fb_uint(&p, (uint64_t)s->base, 8);
	fb_uint(&p, s->raw_size ? s->raw_size : s->data_len, 8);
	unsigned char sum[32] = { 0 };
	if (s->state_for_sum) {
		json_t *v = parse(s->state_for_sum);
		char hex[SS_CHECKSUM_HEX_LEN + 1];
		ck_assert_int_eq(ss_checksum_json(v, hex), SS_OK);
		json_decref(v);
		for (size_t i = 0; i < 32; i++) {
			unsigned b;
			sscanf(hex + 2 * i, "%2x", &b);
			sum[i] = (unsigned char)b;
		}
	}
	fb_put(&p, sum, 32);
	fb_uint(&p, 0, 2);          /* tags */
	fb_uint(&p, 0, 4);          /* description */
	fb_uint(&p, s->data_len, 4);
	fb_put(&p, s->data, s->data_len);
	fb_record(f, 'N', &p);
}

static void expect_refused(struct fb *f, ss_status want, const char *needle)
{
	ss_status st = read_buf(f->b, f->n);
	ck_assert_msg(st == want, "status %s, wanted %s: %s", ss_status_str(st),
	              ss_status_str(want), ss_errmsg(mgr));
	if (needle)
		ck_assert_msg(strstr(ss_errmsg(mgr), needle) != NULL, "message: %s", ss_errmsg(mgr));
	free(f->b);
	memset(f, 0, sizeof *f);
}

/* ---- tests ------------------------------------------------------------------- */

START_TEST(test_round_trip_reader)
{
	small_history(9);
	ck_assert_int_eq(ss_pin(mgr, 3, true), SS_OK);
	ss_stats stats;
	ck_assert_int_eq(ss_stats_get(mgr, NULL, &stats), SS_OK);
	ck_assert_int_gt(stats.deltas, 0);
	ck_assert_int_gt(stats.keyframes, 2);

	size_t len = 0;
	int64_t written = 0;
	ss_query q;
	ss_query_init(&q);
	q.reverse = true;           /* any order in: session then seq out */
	char *data = export_to(&q, NULL, 0, "all.ssb", &len, &written);
	ck_assert_int_eq(written, stats.snapshots);
	ck_assert(import_is_binary(data, len));
	ck_assert(!import_is_binary("{\"format\":", 10));
	ck_assert_int_eq(read_buf(data, len), SS_OK);
	ck_assert_uint_eq(got.n, (size_t)stats.snapshots);
	ck_assert_uint_eq(got.n_sessions, 2);
	ck_assert_str_eq(got.sessions[0], "api");
	ck_assert_str_eq(got.sessions[1], "web");
	ck_assert_int_eq(json_integer_value(json_object_get(got.configs[0], "interval_ms")), 5000);
	/* by session, then in order */
	for (size_t i = 1; i < got.n; i++) {
		int c = strcmp(got.snaps[i - 1].session, got.snaps[i].session);
		ck_assert(c < 0 || (c == 0 && got.snaps[i - 1].source_id < got.snaps[i].source_id));
	}
	expect_matches_store();
	/* a sink may be absent: a pure validation pass */
	ck_assert_int_eq(import_read_binary(mgr, data, len, "x", NULL), SS_OK);
	free(data);
	rec_clear();
}
END_TEST

/* Every other snapshot, by explicit ids: each delta's base is missing and it
 * must go out as a keyframe that still rebuilds its state. */
START_TEST(test_filtered_rebuilds)
{
	small_history(12);
	int64_t ids[64];
	size_t n = 0;
	for (int64_t id = 2; id <= 18; id += 2)
		ids[n++] = id;
	ids[n++] = 2;               /* given twice: exported once */
	size_t len = 0;
	int64_t written = 0;
	char *data = export_to(NULL, ids, n, "some.ssb", &len, &written);
	ck_assert_int_eq(written, 9);
	ck_assert_int_eq(read_buf(data, len), SS_OK);
	ck_assert_uint_eq(got.n, 9);
	expect_matches_store();
	free(data);

	/* a query filter: the snapshots tagged "mark" */
	ss_query q;
	ss_query_init(&q);
	const char *tags[] = { "mark" };
	q.tags = tags;
	q.n_tags = 1;
	data = export_to(&q, NULL, 0, "marked.ssb", &len, &written);
	ck_assert_int_eq(written, 4);
	ck_assert_int_eq(read_buf(data, len), SS_OK);
	ck_assert_uint_eq(got.n, 4);
	ck_assert_uint_eq(got.n_sessions, 1);
	expect_matches_store();
	free(data);

	/* an unknown id: refused before a file exists */
	int64_t bad[] = { 1, 424242 };
	ck_assert_int_eq(export_binary(mgr, NULL, bad, 2, tu_path("bad.ssb"), false, NULL, NULL, NULL),
	                 SS_NOT_FOUND);
	struct stat sb;
	ck_assert_int_ne(stat(tu_path("bad.ssb"), &sb), 0);
	rec_clear();
}
END_TEST

static int64_t progress_calls, progress_last;

static void on_progress(int64_t done, int64_t total, void *user_data)
{
	(void)user_data;
	ck_assert_int_le(done, total);
	progress_calls++;
	progress_last = done;
}

/* A realistic history: the binary file keeps deltas, compressed, where the
 * JSON export repeats every state whole. */
START_TEST(test_much_smaller_than_json)
{
	int64_t created = 0;
	ck_assert_int_eq(ss_demo_fill(mgr, 300, 7, T0, &created), SS_OK);
	ck_assert_int_gt(created, 200);
	ss_query q;
	ss_query_init(&q);
	ck_assert_int_eq(ss_export_json(mgr, &q, NULL, 0, tu_path("demo.json"), false, NULL), SS_OK);
	int64_t written = 0;
	ck_assert_int_eq(export_binary(mgr, &q, NULL, 0, tu_path("demo.ssb"), false, on_progress,
	                               NULL, &written), SS_OK);
	ck_assert_int_eq(written, created);
	ck_assert_int_gt(progress_calls, 2);
	ck_assert_int_eq(progress_last, created);
	struct stat js, bs;
	ck_assert_int_eq(stat(tu_path("demo.json"), &js), 0);
	ck_assert_int_eq(stat(tu_path("demo.ssb"), &bs), 0);
	ck_assert_msg(bs.st_size * 5 <= js.st_size, "binary %lld bytes, JSON %lld bytes",
	              (long long)bs.st_size, (long long)js.st_size);
	size_t len = 0;
	char *data = tu_read_file(tu_path("demo.ssb"), &len);
	ck_assert_int_eq(read_buf(data, len), SS_OK);
	ck_assert_int_eq((int64_t)got.n, created);
	expect_matches_store();
	free(data);
	rec_clear();
	/* an existing file is not replaced without force */
	ck_assert_int_eq(export_binary(mgr, &q, NULL, 0, tu_path("demo.ssb"), false, NULL, NULL,
	                               NULL), SS_EXISTS);
}
END_TEST

START_TEST(test_every_byte_flip_refused)
{
	create("s", "{\"a\":1,\"b\":[1,2,3]}", T0, "t", "d");
	create("s", "{\"a\":2,\"b\":[1,2,3,4]}", T0 + 1, NULL, NULL);
	create("s", "{\"a\":3,\"b\":[1,3,4]}", T0 + 2, NULL, NULL);
	size_t len = 0;
	char *data = export_all(&len);
	ck_assert_int_eq(read_buf(data, len), SS_OK);
	ck_assert_uint_eq(got.n, 3);
	ck_assert_uint_lt(len, 4096);
	for (size_t off = 0; off < len; off++) {
		static const unsigned char masks[] = { 0x01, 0x80, 0xff };
		for (size_t m = 0; m < sizeof masks; m++) {
			data[off] = (char)(data[off] ^ masks[m]);
			ss_status st = read_buf(data, len);
			ck_assert_msg(st != SS_OK, "byte %zu ^ 0x%02x accepted", off, masks[m]);
			ck_assert_msg(strstr(ss_errmsg(mgr), "test.ssb") != NULL, "message: %s",
			              ss_errmsg(mgr));
			data[off] = (char)(data[off] ^ masks[m]);
		}
	}
	free(data);
	rec_clear();
}
END_TEST

START_TEST(test_every_truncation_refused)
{
	create("s", "{\"a\":1}", T0, NULL, NULL);
	create("s", "{\"a\":2}", T0 + 1, NULL, NULL);
	size_t len = 0;
	char *data = export_all(&len);
	for (size_t n = 0; n < len; n++) {
		/* a copy of exactly n bytes, so ASan sees any read past them */
		char *cut = malloc(n ? n : 1);
		memcpy(cut, data, n);
		ck_assert_msg(read_buf(cut, n) != SS_OK, "truncation to %zu bytes accepted", n);
		free(cut);
	}
	/* and bytes appended */
	char *more = malloc(len + 1);
	memcpy(more, data, len);
	more[len] = 0;
	ck_assert_int_ne(read_buf(more, len + 1), SS_OK);
	free(more);
	free(data);
	rec_clear();
}
END_TEST

/* Recompute every hash of a file whose records lie where `orig`'s do. */
static void rehash(unsigned char *b, size_t len, const unsigned char *orig)
{
	size_t end = len - 85, off = 12;
	while (off < end) {
		size_t l = (size_t)orig[off + 1] | (size_t)orig[off + 2] << 8 |
		           (size_t)orig[off + 3] << 16 | (size_t)orig[off + 4] << 24;
		sha_bytes(b + off, 5 + l, b + off + 5 + l);
		off += 5 + l + 32;
	}
	sha_bytes(b, end, b + end + 5 + 16);
	sha_bytes(b + end, 5 + 48, b + len - 32);
}

/* Past the hashes: every byte of every record changed and all hashes made
 * right again, so that each field's own checks meet every value a byte can
 * take there.  Some changes are legitimate (a time, a letter of a tag) and
 * are accepted; none may crash or read out of bounds (run under ASan). */
START_TEST(test_rehashed_mutations)
{
	create("s", "{\"a\":1,\"b\":[1,2,3],\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	       T0, "t", "d");
	create("s", "{\"a\":2,\"b\":[1,2,3,4],\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	       T0 + 1, NULL, NULL);
	size_t len = 0;
	char *data = export_all(&len);
	unsigned char *orig = (unsigned char *)data;
	unsigned char *b = malloc(len);
	size_t accepted = 0, tried = 0;
	for (size_t off = 12; off < len - 85; off++) {
		static const unsigned char masks[] = { 0x01, 0x10, 0x80, 0xff };
		for (size_t m = 0; m < sizeof masks; m++) {
			memcpy(b, orig, len);
			b[off] ^= masks[m];
			rehash(b, len, orig);
			tried++;
			if (read_buf(b, len) == SS_OK)
				accepted++;
		}
	}
	ck_assert_uint_lt(accepted, tried / 2);
	free(b);
	free(data);
	rec_clear();
}
END_TEST

/* Files with every hash right, so that only the structural checks stand. */
START_TEST(test_hand_built_files)
{
	const char *s1 = "{\"a\":1}";
	struct fb f = { 0 };

	/* the well-formed base case is accepted */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	const char *p2 = "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":2}]";
	fb_snapshot(&f, &(struct hand_snap){ .id = 6, .seq = 2, .kind = 1, .base = 5,
	                                     .state_for_sum = "{\"a\":2}", .data = p2,
	                                     .data_len = strlen(p2) });
	fb_trailer(&f, 1, 2);
	ck_assert_int_eq(read_buf(f.b, f.n), SS_OK);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_int_eq(json_integer_value(json_object_get(got.snaps[1].state, "a")), 2);
	free(f.b);
	memset(&f, 0, sizeof f);

	/* an unknown version */
	fb_head(&f, 2);
	fb_trailer(&f, 0, 0);
	expect_refused(&f, SS_INPUT, "version 2");

	/* text-mode mangling of the magic */
	fb_head(&f, 1);
	fb_trailer(&f, 0, 0);
	memmove(f.b + 4, f.b + 5, f.n - 5);     /* \r\n -> \n */
	f.n--;
	expect_refused(&f, SS_INPUT, "text mode");

	/* a forged huge length */
	fb_head(&f, 1);
	struct fb p = { 0 };
	fb_uint(&p, 1, 2);
	fb_put(&p, "s", 1);
	fb_uint(&p, 2, 4);
	fb_put(&p, "{}", 2);
	fb_record_len(&f, 'S', &p, 0xfffffff0u);
	free(p.b);
	memset(&p, 0, sizeof p);
	fb_trailer(&f, 1, 0);
	expect_refused(&f, SS_INPUT, "remain");

	/* a forged config length inside a record */
	fb_head(&f, 1);
	fb_uint(&p, 1, 2);
	fb_put(&p, "s", 1);
	fb_uint(&p, 0x7fffffffu, 4);
	fb_put(&p, "{}", 2);
	fb_record(&f, 'S', &p);
	fb_trailer(&f, 1, 0);
	expect_refused(&f, SS_INPUT, "shorter");

	/* a forged raw size: refused from the number, nothing allocated */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .codec = 1,
	                                     .raw_size = (uint64_t)1 << 40, .state_for_sum = s1,
	                                     .data = "x", .data_len = 1 });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_LIMIT, "limit");

	/* an unknown record type, kind, codec */
	fb_head(&f, 1);
	fb_put(&p, "?", 1);
	fb_record(&f, 'Q', &p);
	fb_trailer(&f, 0, 0);
	expect_refused(&f, SS_INPUT, "record type 0x51");
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .kind = 7, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_INPUT, "unknown kind");
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .codec = 9, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_INPUT, "unknown codec");

	/* a delta whose base is not the previous snapshot of its session */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_session(&f, "t");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_snapshot(&f, &(struct hand_snap){ .id = 6, .session = 1, .seq = 1, .kind = 1, .base = 5,
	                                     .state_for_sum = "{\"a\":2}", .data = p2,
	                                     .data_len = strlen(p2) });
	fb_trailer(&f, 2, 2);
	expect_refused(&f, SS_INPUT, "snapshot 2 (id 6): a delta on 5");

	/* a duplicate export id */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 2, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_trailer(&f, 1, 2);
	expect_refused(&f, SS_INPUT, "appears twice");

	/* a wrong checksum, a wrong count */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .state_for_sum = "{\"a\":9}",
	                                     .data = s1, .data_len = strlen(s1) });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_INPUT, "checksum mismatch");
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_INPUT, "trailer counts");

	/* "copy" could multiply a state beyond what the file carries */
	const char *cp = "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}]";
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_snapshot(&f, &(struct hand_snap){ .id = 6, .seq = 2, .kind = 1, .base = 5,
	                                     .state_for_sum = "{\"a\":1,\"b\":1}", .data = cp,
	                                     .data_len = strlen(cp) });
	fb_trailer(&f, 1, 2);
	expect_refused(&f, SS_INPUT, "copy");

	/* a time no RFC 3339 text can carry */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = INT64_MAX - T0, .state_for_sum = s1,
	                                     .data = s1, .data_len = strlen(s1) });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_INPUT, "years");

	/* a session declared twice, a bad session name */
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_session(&f, "s");
	fb_trailer(&f, 2, 0);
	expect_refused(&f, SS_INPUT, "twice");
	fb_head(&f, 1);
	fb_session(&f, "a b");
	fb_trailer(&f, 1, 0);
	expect_refused(&f, SS_INPUT, "record 1");
	rec_clear();
}
END_TEST

/* 100 MB of zeros deflate to about 100 KB: with an honest size it is over
 * the limit; with a lying small size the inflate runs out of its buffer. */
START_TEST(test_zlib_bomb)
{
	ss_close(mgr);
	open_mgr(1u << 20);
	size_t n = 100u << 20;
	char *zeros = calloc(1, n);
	ck_assert_ptr_nonnull(zeros);
	ss_codec codec;
	char *packed;
	size_t packed_len;
	ck_assert_int_eq(ss_blob_encode(zeros, n, &codec, &packed, &packed_len), SS_OK);
	free(zeros);
	ck_assert_int_eq(codec, SS_CODEC_ZLIB);
	ck_assert_uint_lt(packed_len, 1u << 20);

	struct fb f = { 0 };
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .codec = 1, .raw_size = n,
	                                     .state_for_sum = "0", .data = packed,
	                                     .data_len = packed_len });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_LIMIT, "over the limit");
	fb_head(&f, 1);
	fb_session(&f, "s");
	fb_snapshot(&f, &(struct hand_snap){ .id = 5, .seq = 1, .codec = 1, .raw_size = 1000,
	                                     .state_for_sum = "0", .data = packed,
	                                     .data_len = packed_len });
	fb_trailer(&f, 1, 1);
	expect_refused(&f, SS_INPUT, "more than");
	free(packed);
	rec_clear();
}
END_TEST

START_TEST(test_blob_codec)
{
	char text[4000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "{\"agent\":\"alpha\",\"status\":\"running\"},"[i % 38];
	ss_codec codec;
	char *packed, *back;
	size_t packed_len;
	char why[256];
	ck_assert_int_eq(ss_blob_encode(text, sizeof text, &codec, &packed, &packed_len), SS_OK);
	ck_assert_int_eq(codec, SS_CODEC_ZLIB);
	ck_assert_uint_lt(packed_len, sizeof text / 10);
	ck_assert_int_eq(ss_blob_decode(codec, packed, packed_len, sizeof text, sizeof text, &back,
	                                why, sizeof why), SS_OK);
	ck_assert(memcmp(back, text, sizeof text) == 0);
	ck_assert_int_eq(back[sizeof text], '\0');
	free(back);
	/* over the limit, wrong sizes, truncated, trailing bytes, unknown codec */
	ck_assert_int_eq(ss_blob_decode(codec, packed, packed_len, sizeof text, sizeof text - 1,
	                                &back, why, sizeof why), SS_CORRUPT);
	ck_assert_ptr_null(back);
	ck_assert_ptr_nonnull(strstr(why, "limit"));
	ck_assert_int_eq(ss_blob_decode(codec, packed, packed_len, sizeof text - 1, 1 << 20, &back,
	                                why, sizeof why), SS_CORRUPT);
	ck_assert_ptr_nonnull(strstr(why, "more than"));
	ck_assert_int_eq(ss_blob_decode(codec, packed, packed_len, sizeof text + 1, 1 << 20, &back,
	                                why, sizeof why), SS_CORRUPT);
	ck_assert_ptr_nonnull(strstr(why, "less than"));
	ck_assert_int_eq(ss_blob_decode(codec, packed, packed_len - 3, sizeof text, 1 << 20, &back,
	                                why, sizeof why), SS_CORRUPT);
	ck_assert_ptr_nonnull(strstr(why, "truncated"));
	char *longer = malloc(packed_len + 1);
	memcpy(longer, packed, packed_len);
	longer[packed_len] = 'x';
	ck_assert_int_eq(ss_blob_decode(codec, longer, packed_len + 1, sizeof text, 1 << 20, &back,
	                                why, sizeof why), SS_CORRUPT);
	ck_assert_ptr_nonnull(strstr(why, "after"));
	free(longer);
	ck_assert_int_eq(ss_blob_decode((ss_codec)7, packed, packed_len, sizeof text, 1 << 20, &back,
	                                why, sizeof why), SS_CORRUPT);
	ck_assert_ptr_nonnull(strstr(why, "codec"));
	free(packed);

	/* small or incompressible input stays raw, as a copy */
	ck_assert_int_eq(ss_blob_encode("ab", 2, &codec, &packed, &packed_len), SS_OK);
	ck_assert_int_eq(codec, SS_CODEC_RAW);
	ck_assert_uint_eq(packed_len, 2);
	ck_assert(memcmp(packed, "ab", 2) == 0);
	ck_assert_int_eq(ss_blob_decode(codec, packed, 2, 2, 2, &back, why, sizeof why), SS_OK);
	ck_assert_str_eq(back, "ab");
	free(back);
	ck_assert_int_eq(ss_blob_decode(codec, packed, 2, 3, 10, &back, why, sizeof why),
	                 SS_CORRUPT);
	free(packed);
	ck_assert_int_eq(ss_blob_encode("", 0, &codec, &packed, &packed_len), SS_OK);
	ck_assert_int_eq(codec, SS_CODEC_RAW);
	ck_assert_uint_eq(packed_len, 0);
	ck_assert_int_eq(ss_blob_decode(codec, packed, 0, 0, 0, &back, why, sizeof why), SS_OK);
	ck_assert_str_eq(back, "");
	free(back);
	free(packed);

	/* the store keeps what encode makes, and hands it back raw */
	ss_store *st = NULL;
	ck_assert_int_eq(ss_store_open(tu_path("b.db"), SS_STORE_CREATE, &st, err, sizeof err), SS_OK);
	int64_t id = 0;
	size_t stored = 0;
	ck_assert_int_eq(ss_store_blob_put(st, text, sizeof text, 100, &id, &stored), SS_OK);
	char *raw;
	size_t raw_len, raw_size;
	ck_assert_int_eq(ss_store_blob_get_raw(st, id, &codec, &raw, &raw_len, &raw_size), SS_OK);
	ck_assert_int_eq(codec, SS_CODEC_ZLIB);
	ck_assert_uint_eq(raw_len, stored);
	ck_assert_uint_eq(raw_size, sizeof text);
	ck_assert_int_eq(ss_blob_decode(codec, raw, raw_len, raw_size, raw_size, &back, why,
	                                sizeof why), SS_OK);
	ck_assert(memcmp(back, text, sizeof text) == 0);
	free(back);
	free(raw);
	ck_assert_int_eq(ss_store_blob_get_raw(st, 4242, &codec, &raw, &raw_len, &raw_size),
	                 SS_NOT_FOUND);
	ck_assert_ptr_null(raw);
	ss_store_close(st);
}
END_TEST

/* Through the real import: into a second store, every state and its
 * metadata as the first holds them; a second import skips them all. */
START_TEST(test_import_round_trip)
{
	small_history(10);
	ck_assert_int_eq(ss_pin(mgr, 4, true), SS_OK);
	ss_query q;
	ss_query_init(&q);
	const char *path = tu_path("all.ssb");
	int64_t written = 0;
	ck_assert_int_eq(ss_export(mgr, &q, NULL, 0, path, SS_EXPORT_BINARY, false, NULL, NULL,
	                           &written), SS_OK);
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("other.db");
	ss_manager *other = NULL;
	ck_assert_int_eq(ss_open(&cfg, &other, err, sizeof err), SS_OK);
	ss_import_result res;
	ss_status st = ss_import(other, path, NULL, NULL, &res);
	ck_assert_msg(st == SS_OK, "ss_import: %s", ss_errmsg(other));
	ck_assert_int_eq(res.format, SS_EXPORT_BINARY);
	ck_assert_int_eq(res.imported, written);
	ck_assert_int_eq(res.skipped, 0);
	ck_assert_int_eq(res.sessions_created, 2);
	/* the same states, times and checksums, session by session, in order */
	const char *names[] = { "api", "web" };
	for (size_t k = 0; k < 2; k++) {
		ss_query sq;
		ss_query_init(&sq);
		sq.session = names[k];
		int64_t n_a = 0, n_b = 0;
		ck_assert_int_eq(ss_count(mgr, &sq, &n_a), SS_OK);
		ck_assert_int_eq(ss_count(other, &sq, &n_b), SS_OK);
		ck_assert_int_eq(n_a, n_b);
	}
	ss_session_config scfg;
	ck_assert_int_eq(ss_session_config_get(other, "api", &scfg), SS_OK);
	ck_assert_int_eq(scfg.interval_ms, 5000);
	ss_session_config_clear(&scfg);
	for (int64_t id = 1; id <= written; id++) {
		json_t *sa = NULL;
		ss_snapshot ma;
		ck_assert_int_eq(ss_get(mgr, id, &sa, &ma), SS_OK);
		int64_t bid = 0;
		ck_assert_int_eq(ss_nearest(other, ma.session, ma.created_at, &bid), SS_OK);
		json_t *sb = NULL;
		ss_snapshot mb;
		ck_assert_int_eq(ss_get(other, bid, &sb, &mb), SS_OK);
		ck_assert(json_equal(sa, sb));
		ck_assert_str_eq(ma.checksum, mb.checksum);
		ck_assert_int_eq(ma.created_at, mb.created_at);
		ck_assert_int_eq(ma.pinned, mb.pinned);
		ck_assert_uint_eq(ma.n_tags, mb.n_tags);
		json_decref(sa);
		json_decref(sb);
		ss_snapshot_clear(&ma);
		ss_snapshot_clear(&mb);
	}
	st = ss_import(other, path, NULL, NULL, &res);
	ck_assert_msg(st == SS_OK, "ss_import again: %s", ss_errmsg(other));
	ck_assert_int_eq(res.imported, 0);
	ck_assert_int_eq(res.skipped, written);
	/* a damaged file changes nothing and names itself */
	size_t len = 0;
	char *data = tu_read_file(path, &len);
	data[len / 2] = (char)(data[len / 2] ^ 0x20);
	ck_assert_int_eq(ss_import_buffer(other, data, len, "damaged.ssb", false, &res), SS_INPUT);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(other), "damaged.ssb"));
	free(data);
	ss_close(other);
}
END_TEST

/* A damaged store is not exported into a file no import would accept:
 * every snapshot's checksum is verified on the way out.  With validation
 * off the export trusts the store (and still writes a readable file when
 * the store is sound). */
START_TEST(test_damaged_store_not_exported)
{
	small_history(6);
	ss_close(mgr);
	mgr = NULL;
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(tu_path("store.db"), &db), SQLITE_OK);
	/* the newest delta of "api" gets another valid patch */
	const char *sql =
		"UPDATE blobs SET codec = 0, data = CAST('[]' AS BLOB), raw_size = 2 WHERE id = "
		"(SELECT blob_id FROM snapshots WHERE kind = 1 ORDER BY id DESC LIMIT 1)";
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg ? msg : "?");
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_close(db);
	open_mgr(0);
	ss_query q;
	ss_query_init(&q);
	ss_status st = export_binary(mgr, &q, NULL, 0, tu_path("bad.ssb"), false, NULL, NULL, NULL);
	ck_assert_int_eq(st, SS_CORRUPT);
	ck_assert_ptr_nonnull(strstr(ss_errmsg(mgr), "checksum mismatch"));
	struct stat sb;
	ck_assert_int_ne(stat(tu_path("bad.ssb"), &sb), 0);
}
END_TEST

START_TEST(test_without_validation)
{
	small_history(8);
	ss_close(mgr);
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("store.db");
	cfg.validate_checksums = false;
	ck_assert_int_eq(ss_open(&cfg, &mgr, err, sizeof err), SS_OK);
	int64_t ids[] = { 3, 5, 6, 7, 8, 10, 11 };
	size_t len = 0;
	char *data = export_to(NULL, ids, 7, "some.ssb", &len, NULL);
	ck_assert_int_eq(read_buf(data, len), SS_OK);
	ck_assert_uint_eq(got.n, 7);
	expect_matches_store();
	free(data);
	rec_clear();
}
END_TEST

/* Declared for -Wmissing-prototypes; the runner declares it from suites.h. */
Suite *binary_suite(void);

Suite *binary_suite(void)
{
	Suite *s = suite_create("binary");
	TCase *tc = tcase_create("binary");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_round_trip_reader);
	tcase_add_test(tc, test_filtered_rebuilds);
	tcase_add_test(tc, test_much_smaller_than_json);
	tcase_add_test(tc, test_every_byte_flip_refused);
	tcase_add_test(tc, test_every_truncation_refused);
	tcase_add_test(tc, test_rehashed_mutations);
	tcase_add_test(tc, test_hand_built_files);
	tcase_add_test(tc, test_zlib_bomb);
	tcase_add_test(tc, test_blob_codec);
	tcase_add_test(tc, test_import_round_trip);
	tcase_add_test(tc, test_damaged_store_not_exported);
	tcase_add_test(tc, test_without_validation);
	suite_add_tcase(s, tc);
	return s;
}
