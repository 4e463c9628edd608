/*
 * check_blob.c - blobs in a real temporary store: compression only above the
 * threshold and only when it pays, the codec recorded and round-tripped, and
 * every kind of damage (flipped bytes, truncation, trailing bytes, a wrong
 * recorded size, an unknown codec, a compression bomb) refused as SS_CORRUPT.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "ss_store.h"
#include "testutil.h"

static ss_store *st;
static const char *db_path;

static void setup(void)
{
	tu_tmpdir();
	db_path = tu_path("blob.db");
	char err[256];
	ck_assert_int_eq(ss_store_open(db_path, SS_STORE_CREATE, &st, err, sizeof err), SS_OK);
}

static void teardown(void)
{
	ss_store_close(st);
	st = NULL;
	tu_cleanup();
}

/* Run SQL on the file through a connection of its own: the way damage gets in. */
static void raw_exec(const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

static int64_t raw_int(const char *sql, int64_t blob_id)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, blob_id);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* Text that compresses well: a JSON-ish repetition. */
static char *compressible(size_t n)
{
	char *buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = "{\"agent\":\"alpha\",\"status\":\"running\"},"[i % 38];
	return buf;
}

/* Bytes that do not compress (xorshift). */
static char *noise(size_t n)
{
	char *buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		buf[i] = (char)(x & 0xff);
	}
	return buf;
}

/* Put, then get back and compare; returns the blob id. */
static int64_t round_trip(const char *data, size_t len, size_t threshold, size_t *stored)
{
	int64_t id = 0;
	ck_assert_int_eq(ss_store_blob_put(st, data, len, threshold, &id, stored), SS_OK);
	ck_assert_int_gt(id, 0);
	char *back = NULL;
	size_t back_len = 0;
	ck_assert_int_eq(ss_store_blob_get(st, id, len + 1, &back, &back_len), SS_OK);
	ck_assert_uint_eq(back_len, len);
	ck_assert(len == 0 || memcmp(back, data, len) == 0);
	ck_assert_int_eq(back[len], '\0');
	free(back);
	return id;
}

START_TEST(test_small_stays_raw)
{
	char *data = compressible(1000);
	size_t stored = 0;
	int64_t id = round_trip(data, 1000, 1024, &stored);
	ck_assert_uint_eq(stored, 1000);
	ck_assert_int_eq(raw_int("SELECT codec FROM blobs WHERE id = ?1", id), SS_CODEC_RAW);
	/* exactly at the threshold: still raw ("larger than") */
	id = round_trip(data, 1000, 1000, &stored);
	ck_assert_int_eq(raw_int("SELECT codec FROM blobs WHERE id = ?1", id), SS_CODEC_RAW);
	/* threshold 0 turns compression off */
	id = round_trip(data, 1000, 0, &stored);
	ck_assert_int_eq(raw_int("SELECT codec FROM blobs WHERE id = ?1", id), SS_CODEC_RAW);
	free(data);
}
END_TEST

START_TEST(test_large_compressed)
{
	size_t n = 200000;
	char *data = compressible(n);
	size_t stored = 0;
	int64_t id = round_trip(data, n, 1024, &stored);
	ck_assert_uint_lt(stored, n / 10);
	ck_assert_int_eq(raw_int("SELECT codec FROM blobs WHERE id = ?1", id), SS_CODEC_ZLIB);
	ck_assert_int_eq(raw_int("SELECT length(data) FROM blobs WHERE id = ?1", id), (int64_t)stored);
	ck_assert_int_eq(raw_int("SELECT raw_size FROM blobs WHERE id = ?1", id), (int64_t)n);
	free(data);
}
END_TEST

START_TEST(test_incompressible_stays_raw)
{
	size_t n = 50000;
	char *data = noise(n);
	size_t stored = 0;
	int64_t id = round_trip(data, n, 1024, &stored);
	ck_assert_uint_eq(stored, n);
	ck_assert_int_eq(raw_int("SELECT codec FROM blobs WHERE id = ?1", id), SS_CODEC_RAW);
	free(data);
}
END_TEST

START_TEST(test_empty_and_missing)
{
	size_t stored = 99;
	round_trip("", 0, 1024, &stored);
	ck_assert_uint_eq(stored, 0);
	char *back = (char *)"x";
	size_t len = 7;
	ck_assert_int_eq(ss_store_blob_get(st, 424242, 100, &back, &len), SS_NOT_FOUND);
	ck_assert_ptr_null(back);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "424242"));
}
END_TEST

/* Put a compressible blob and return its id (compressed). */
static int64_t put_zlib(size_t n)
{
	char *data = compressible(n);
	int64_t id = 0;
	ck_assert_int_eq(ss_store_blob_put(st, data, n, 1024, &id, NULL), SS_OK);
	free(data);
	ck_assert_int_eq(raw_int("SELECT codec FROM blobs WHERE id = ?1", id), SS_CODEC_ZLIB);
	return id;
}

static void expect_corrupt(int64_t id, size_t max)
{
	char *back = NULL;
	size_t len = 0;
	ck_assert_int_eq(ss_store_blob_get(st, id, max, &back, &len), SS_CORRUPT);
	ck_assert_ptr_null(back);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strstr(ss_store_errmsg(st), "blob") != NULL, "message: %s", ss_store_errmsg(st));
}

START_TEST(test_flipped_bytes_corrupt)
{
	int64_t id = put_zlib(100000);
	/* overwrite 16 bytes in the middle of the deflate stream */
	raw_exec("UPDATE blobs SET data = substr(data, 1, 40) || zeroblob(16) || substr(data, 57)");
	expect_corrupt(id, 1 << 20);
}
END_TEST

START_TEST(test_truncated_corrupt)
{
	int64_t id = put_zlib(100000);
	raw_exec("UPDATE blobs SET data = substr(data, 1, length(data) - 10)");
	expect_corrupt(id, 1 << 20);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "truncated"));
}
END_TEST

START_TEST(test_trailing_bytes_corrupt)
{
	int64_t id = put_zlib(100000);
	raw_exec("UPDATE blobs SET data = data || x'00'");
	expect_corrupt(id, 1 << 20);
}
END_TEST

START_TEST(test_size_mismatch_corrupt)
{
	int64_t id = put_zlib(100000);
	raw_exec("UPDATE blobs SET raw_size = raw_size - 1");
	expect_corrupt(id, 1 << 20);
	raw_exec("UPDATE blobs SET raw_size = raw_size + 2");
	expect_corrupt(id, 1 << 20);
	/* a raw blob whose length disagrees with its record */
	int64_t raw = 0;
	ck_assert_int_eq(ss_store_blob_put(st, "hello", 5, 0, &raw, NULL), SS_OK);
	raw_exec("UPDATE blobs SET raw_size = 6 WHERE codec = 0");
	expect_corrupt(raw, 100);
}
END_TEST

START_TEST(test_unknown_codec_corrupt)
{
	int64_t id = 0;
	ck_assert_int_eq(ss_store_blob_put(st, "hello", 5, 0, &id, NULL), SS_OK);
	raw_exec("UPDATE blobs SET codec = 7");
	expect_corrupt(id, 100);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "codec"));
}
END_TEST

START_TEST(test_over_max_size)
{
	int64_t id = put_zlib(100000);
	/* honest record, but over the reader's limit */
	expect_corrupt(id, 99999);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "limit"));
	char *back = NULL;
	size_t len = 0;
	ck_assert_int_eq(ss_store_blob_get(st, id, 100000, &back, &len), SS_OK);
	ck_assert_uint_eq(len, 100000);
	free(back);
}
END_TEST

/* 100 MB of zeros deflate to about 100 KB.  Read with a 1 MB limit it is
 * refused from its record; with the record lowered to 1000 bytes (a lying
 * record) the inflate runs out of its 1001-byte buffer and stops. */
START_TEST(test_zlib_bomb)
{
	size_t n = 100u << 20;
	char *zeros = calloc(1, n);
	ck_assert_ptr_nonnull(zeros);
	int64_t id = 0;
	size_t stored = 0;
	ck_assert_int_eq(ss_store_blob_put(st, zeros, n, 1024, &id, &stored), SS_OK);
	free(zeros);
	ck_assert_uint_lt(stored, 1u << 20);
	expect_corrupt(id, 1u << 20);
	raw_exec("UPDATE blobs SET raw_size = 1000");
	expect_corrupt(id, 1u << 20);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "more than"));
}
END_TEST

/* Declared for -Wmissing-prototypes; the runner declares it from suites.h. */
Suite *blob_suite(void);

Suite *blob_suite(void)
{
	Suite *s = suite_create("blob");
	TCase *tc = tcase_create("blob");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_small_stays_raw);
	tcase_add_test(tc, test_large_compressed);
	tcase_add_test(tc, test_incompressible_stays_raw);
	tcase_add_test(tc, test_empty_and_missing);
	tcase_add_test(tc, test_flipped_bytes_corrupt);
	tcase_add_test(tc, test_truncated_corrupt);
	tcase_add_test(tc, test_trailing_bytes_corrupt);
	tcase_add_test(tc, test_size_mismatch_corrupt);
	tcase_add_test(tc, test_unknown_codec_corrupt);
	tcase_add_test(tc, test_over_max_size);
	tcase_add_test(tc, test_zlib_bomb);
	suite_add_tcase(s, tc);
	return s;
}
