/*
 * check_store.c - the store on real temporary SQLite files: creating,
 * recognising (and leaving foreign files untouched), migrating, refusing a
 * newer schema; snapshot rows, tags, deletes; every search filter, sort and
 * keyset paging over 10,000 rows; nearest/latest, stats, sessions,
 * integrity, busy and read-only stores, transactions.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ss_store.h"
#include "testutil.h"

static ss_store *st;

static void setup(void)
{
	tu_tmpdir();
}

static void teardown(void)
{
	ss_store_close(st);
	st = NULL;
	tu_cleanup();
}

static ss_store *open_ok(const char *path, unsigned flags)
{
	ss_store *s = NULL;
	char err[512];
	ss_status rc = ss_store_open(path, flags, &s, err, sizeof err);
	ck_assert_msg(rc == SS_OK, "open %s: %s (%s)", path, ss_status_str(rc), err);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* ---- raw SQLite access, as another program would have it ---------------- */

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static bool exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* ---- building rows --------------------------------------------------------- */

static const char checksum_a[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int64_t session(ss_store *s, const char *name)
{
	int64_t id = 0;
	ck_assert_int_eq(ss_store_session_ensure(s, name, 1000, &id), SS_OK);
	return id;
}

static int64_t blob(ss_store *s)
{
	int64_t id = 0;
	ck_assert_int_eq(ss_store_blob_put(s, "{}", 2, 1024, &id, NULL), SS_OK);
	return id;
}

struct spec {
	int64_t session_id;
	int64_t t;
	int64_t raw;
	int64_t added, removed, changed;
	const char *desc;
	bool pinned;
	const char *tags[4];        /* NULL-terminated */
};

static int64_t add_row(ss_store *s, const struct spec *sp, int64_t blob_id)
{
	ss_snapshot row = {0};
	row.session_id = sp->session_id;
	row.created_at = sp->t;
	row.raw_size = sp->raw;
	row.stored_size = sp->raw;
	row.n_added = sp->added;
	row.n_removed = sp->removed;
	row.n_changed = sp->changed;
	row.description = (char *)sp->desc;
	row.pinned = sp->pinned;
	while (row.n_tags < 4 && sp->tags[row.n_tags])
		row.n_tags++;
	row.tags = (char **)sp->tags;
	memcpy(row.checksum, checksum_a, sizeof row.checksum);
	row.blob_id = blob_id;
	ss_status rc = ss_store_snapshot_insert(s, &row);
	ck_assert_msg(rc == SS_OK, "insert: %s", ss_store_errmsg(s));
	return row.id;
}

/* ---- opening ------------------------------------------------------------- */

START_TEST(test_create_and_reopen)
{
	const char *path = tu_path("a/b/c/store.db");
	st = open_ok(path, SS_STORE_CREATE);
	ck_assert_str_eq(ss_store_path(st), path);
	int64_t sid = session(st, "api");
	int64_t id = add_row(st, &(struct spec){ .session_id = sid, .t = 5, .raw = 2 }, blob(st));
	ss_store_close(st);
	st = NULL;

	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(tu_path("a/b/c"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(tu_path("a"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	ck_assert_int_eq(raw_int(path, "PRAGMA application_id"), SS_STORE_APPLICATION_ID);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), SS_STORE_SCHEMA_VERSION);

	st = open_ok(path, 0);
	ss_snapshot snap;
	ck_assert_int_eq(ss_store_snapshot_get(st, id, &snap), SS_OK);
	ck_assert_str_eq(snap.session, "api");
	ss_snapshot_clear(&snap);
	sqlite3 *db;
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	/* SQLite gives -wal the database's mode */
	ck_assert_int_eq(stat(tu_path("a/b/c/store.db-wal"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_missing_without_create)
{
	const char *path = tu_path("nothing.db");
	char err[256];
	ss_store *s = (ss_store *)&err;
	ck_assert_int_eq(ss_store_open(path, 0, &s, err, sizeof err), SS_NOT_FOUND);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "no store at"));
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert(!exists(path));
	ck_assert_int_eq(ss_store_open(path, SS_STORE_READONLY | SS_STORE_CREATE, &s, err, sizeof err),
	                 SS_NOT_FOUND);
	ck_assert(!exists(path));
}
END_TEST

/* Open must refuse `path` with SS_NOT_STORE and leave it byte for byte. */
static void expect_refused_untouched(const char *path, unsigned flags)
{
	size_t before_len, after_len;
	char *before = tu_read_file(path, &before_len);
	ck_assert_ptr_nonnull(before);
	char err[512];
	ss_store *s = NULL;
	ck_assert_int_eq(ss_store_open(path, flags, &s, err, sizeof err), SS_NOT_STORE);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "not a snapscope store") && strstr(err, path), "message: %s", err);
	char *after = tu_read_file(path, &after_len);
	ck_assert_uint_eq(before_len, after_len);
	ck_assert(memcmp(before, after, before_len) == 0);
	char side[4200];
	snprintf(side, sizeof side, "%s-wal", path);
	ck_assert_msg(!exists(side), "%s left behind", side);
	snprintf(side, sizeof side, "%s-journal", path);
	ck_assert(!exists(side));
	free(before);
	free(after);
}

START_TEST(test_foreign_database_untouched)
{
	const char *path = tu_path("other.db");
	raw_exec(path, "CREATE TABLE people(name TEXT); INSERT INTO people VALUES ('ada');");
	expect_refused_untouched(path, 0);
	expect_refused_untouched(path, SS_STORE_CREATE);
	/* another program's application_id, no tables */
	const char *marked = tu_path("marked.db");
	raw_exec(marked, "PRAGMA application_id = 42");
	expect_refused_untouched(marked, SS_STORE_CREATE);
}
END_TEST

START_TEST(test_garbage_untouched)
{
	const char *path = tu_path("garbage.db");
	char junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)("not a database, just text\n"[i % 26]);
	tu_write_file(path, junk, sizeof junk);
	expect_refused_untouched(path, SS_STORE_CREATE);
	/* a directory is not a store either */
	char err[256];
	ss_store *s;
	ck_assert_int_eq(ss_store_open(tu_path(""), 0, &s, err, sizeof err), SS_NOT_STORE);
}
END_TEST

START_TEST(test_newer_version_refused)
{
	const char *path = tu_path("new.db");
	ss_store_close(open_ok(path, SS_STORE_CREATE));
	raw_exec(path, "PRAGMA user_version = 99");
	char err[512];
	ss_store *s = NULL;
	ck_assert_int_eq(ss_store_open(path, 0, &s, err, sizeof err), SS_VERSION);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "version 99 is newer") && strstr(err, path), "message: %s", err);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 99);
}
END_TEST

START_TEST(test_empty_file_initialised)
{
	const char *path = tu_path("empty.db");
	tu_write_file(path, "", 0);
	st = open_ok(path, 0);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), SS_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'snapshots'"), 1);
}
END_TEST

/* Version 0 of the migration array is "marked as ours, no schema": opening
 * such a file must run step 1 and end at the current version. */
START_TEST(test_migrates_from_v0)
{
	const char *path = tu_path("v0.db");
	raw_exec(path, "PRAGMA application_id = 1397976688");
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 0);
	st = open_ok(path, 0);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), SS_STORE_SCHEMA_VERSION);
	int64_t sid = session(st, "m");
	add_row(st, &(struct spec){ .session_id = sid, .t = 1, .raw = 1, .tags = { "t" } }, blob(st));
	ck_assert_int_eq(ss_store_integrity_check(st), SS_OK);
}
END_TEST

/* A migration that fails (a v0 file that already has a `sessions` table)
 * leaves the file exactly as it was. */
START_TEST(test_failed_migration_rolls_back)
{
	const char *path = tu_path("bad-v0.db");
	raw_exec(path, "PRAGMA application_id = 1397976688; CREATE TABLE sessions(x);");
	size_t before_len, after_len;
	char *before = tu_read_file(path, &before_len);
	char err[512];
	ss_store *s = NULL;
	ck_assert_int_eq(ss_store_open(path, 0, &s, err, sizeof err), SS_CORRUPT);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "migrating") && strstr(err, path), "message: %s", err);
	char *after = tu_read_file(path, &after_len);
	ck_assert_uint_eq(before_len, after_len);
	ck_assert(memcmp(before, after, before_len) == 0);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 0);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_memory_store)
{
	st = open_ok(SS_STORE_MEMORY, 0);
	int64_t sid = session(st, "mem");
	int64_t id = add_row(st, &(struct spec){ .session_id = sid, .t = 1, .raw = 1 }, blob(st));
	ss_snapshot snap;
	ck_assert_int_eq(ss_store_snapshot_get(st, id, &snap), SS_OK);
	ck_assert_int_eq(snap.seq, 1);
	ss_snapshot_clear(&snap);
}
END_TEST

START_TEST(test_default_path)
{
	setenv("SNAPSCOPE_STORE", "/x/y.db", 1);
	char *p = ss_store_default_path();
	ck_assert_str_eq(p, "/x/y.db");
	free(p);
	unsetenv("SNAPSCOPE_STORE");
	setenv("XDG_DATA_HOME", "/data", 1);
	setenv("HOME", "/home/u", 1);
	p = ss_store_default_path();
	ck_assert_str_eq(p, "/data/snapscope/store.db");
	free(p);
	setenv("XDG_DATA_HOME", "relative", 1);  /* invalid per the XDG spec: ignored */
	p = ss_store_default_path();
	ck_assert_str_eq(p, "/home/u/.local/share/snapscope/store.db");
	free(p);
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	ck_assert_ptr_null(ss_store_default_path());
}
END_TEST

/* ---- rows ---------------------------------------------------------------- */

START_TEST(test_round_trip_every_field)
{
	st = open_ok(tu_path("s.db"), SS_STORE_CREATE);
	int64_t sid = session(st, "svc");
	int64_t b1 = blob(st), b2 = blob(st);
	int64_t base = add_row(st, &(struct spec){ .session_id = sid, .t = 10, .raw = 3 }, b1);

	char *tags[] = { "zeta", "alpha", "Mid", "alpha" };
	ss_snapshot in = {
		.session_id = sid, .created_at = 1764079390123, .origin = SS_ORIGIN_IMPORT,
		.description = "line one\n\tline two", .tags = tags, .n_tags = 4, .pinned = true,
		.raw_size = 12345, .stored_size = 678, .n_added = 1, .n_removed = 2, .n_changed = 3,
		.create_us = 4567, .kind = SS_KIND_DELTA, .base_id = base, .blob_id = b2,
	};
	memcpy(in.checksum, "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", 65);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &in), SS_OK);
	ck_assert_int_gt(in.id, base);
	ck_assert_int_eq(in.seq, 2);

	ss_snapshot out;
	ck_assert_int_eq(ss_store_snapshot_get(st, in.id, &out), SS_OK);
	ck_assert_int_eq(out.id, in.id);
	ck_assert_int_eq(out.session_id, sid);
	ck_assert_str_eq(out.session, "svc");
	ck_assert_int_eq(out.seq, 2);
	ck_assert_int_eq(out.created_at, 1764079390123);
	ck_assert_int_eq(out.origin, SS_ORIGIN_IMPORT);
	ck_assert_str_eq(out.description, "line one\n\tline two");
	ck_assert_uint_eq(out.n_tags, 3);           /* deduplicated, sorted by byte */
	ck_assert_str_eq(out.tags[0], "Mid");
	ck_assert_str_eq(out.tags[1], "alpha");
	ck_assert_str_eq(out.tags[2], "zeta");
	ck_assert(out.pinned);
	ck_assert_int_eq(out.raw_size, 12345);
	ck_assert_int_eq(out.stored_size, 678);
	ck_assert_int_eq(out.n_added, 1);
	ck_assert_int_eq(out.n_removed, 2);
	ck_assert_int_eq(out.n_changed, 3);
	ck_assert_int_eq(out.create_us, 4567);
	ck_assert_str_eq(out.checksum, in.checksum);
	ck_assert_int_eq(out.kind, SS_KIND_DELTA);
	ck_assert_int_eq(out.base_id, base);
	ck_assert_int_eq(out.blob_id, b2);

	ss_snapshot copy;
	ck_assert_int_eq(ss_snapshot_copy(&copy, &out), SS_OK);
	ck_assert_ptr_ne(copy.tags, out.tags);
	ck_assert_str_eq(copy.tags[2], "zeta");
	ck_assert_str_eq(copy.session, "svc");
	ss_snapshot_clear(&copy);
	ss_snapshot_clear(&out);
	ck_assert_ptr_null(out.tags);

	/* the keyframe: no description, no tags, base 0 */
	ck_assert_int_eq(ss_store_snapshot_get(st, base, &out), SS_OK);
	ck_assert_ptr_null(out.description);
	ck_assert_uint_eq(out.n_tags, 0);
	ck_assert_int_eq(out.kind, SS_KIND_KEYFRAME);
	ck_assert_int_eq(out.base_id, 0);
	ss_snapshot_clear(&out);

	ck_assert_int_eq(ss_store_snapshot_get(st, 999, &out), SS_NOT_FOUND);
	ck_assert_str_eq(ss_store_errmsg(st), "no snapshot with id 999");
}
END_TEST

START_TEST(test_insert_rejects_and_changes_nothing)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	int64_t sid = session(st, "svc");
	int64_t b = blob(st);
	ss_snapshot row = { .session_id = sid, .blob_id = b };
	memcpy(row.checksum, "ABC", 4);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &row), SS_USAGE);
	memcpy(row.checksum, checksum_a, sizeof row.checksum);
	row.session_id = 77;
	ck_assert_int_eq(ss_store_snapshot_insert(st, &row), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "77"));
	row.session_id = sid;
	row.blob_id = 4242;                         /* no such blob: foreign key */
	ck_assert_int_ne(ss_store_snapshot_insert(st, &row), SS_OK);
	row.blob_id = b;
	char *bad[] = { "ok", "bad\x1b[31m" };
	row.tags = bad;
	row.n_tags = 2;
	ck_assert_int_eq(ss_store_snapshot_insert(st, &row), SS_INPUT);
	row.tags = NULL;
	row.n_tags = 0;
	row.kind = SS_KIND_DELTA;                   /* a delta without a base */
	ck_assert_int_eq(ss_store_snapshot_insert(st, &row), SS_USAGE);
	/* nothing was written: no rows, no tags, and seq was not used up */
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM snapshots"), 0);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM tags"), 0);
	ck_assert_int_eq(raw_int(path, "SELECT last_seq FROM sessions"), 0);
	row.kind = SS_KIND_KEYFRAME;
	ck_assert_int_eq(ss_store_snapshot_insert(st, &row), SS_OK);
	ck_assert_int_eq(row.seq, 1);
}
END_TEST

START_TEST(test_seq_monotonic_after_delete)
{
	st = open_ok(tu_path("s.db"), SS_STORE_CREATE);
	int64_t a = session(st, "a"), b = session(st, "b");
	int64_t blob_id = blob(st);
	int64_t ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = add_row(st, &(struct spec){ .session_id = a, .t = i }, blob_id);
	add_row(st, &(struct spec){ .session_id = b, .t = 9 }, blob_id);
	ck_assert_int_eq(ss_store_snapshot_delete(st, ids[2]), SS_OK);
	ss_snapshot row = { .session_id = a, .created_at = 50, .blob_id = blob_id };
	memcpy(row.checksum, checksum_a, sizeof row.checksum);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &row), SS_OK);
	ck_assert_int_eq(row.seq, 4);               /* 3 is never reused */
	ck_assert_int_gt(row.id, ids[2] + 1);       /* nor is an id (AUTOINCREMENT) */
	int64_t latest = 0;
	ck_assert_int_eq(ss_store_latest(st, a, &latest), SS_OK);
	ck_assert_int_eq(latest, row.id);
	/* sessions count separately */
	ss_snapshot other = { .session_id = b, .blob_id = blob_id };
	memcpy(other.checksum, checksum_a, sizeof other.checksum);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &other), SS_OK);
	ck_assert_int_eq(other.seq, 2);
}
END_TEST

START_TEST(test_tags_description_pin)
{
	st = open_ok(tu_path("s.db"), SS_STORE_CREATE);
	int64_t sid = session(st, "svc");
	int64_t id = add_row(st, &(struct spec){ .session_id = sid, .t = 1 }, blob(st));
	ck_assert_int_eq(ss_store_tag_add(st, id, "bug"), SS_OK);
	ck_assert_int_eq(ss_store_tag_add(st, id, "bug"), SS_OK);   /* idempotent */
	ck_assert_int_eq(ss_store_tag_add(st, id, "a b"), SS_OK);
	ck_assert_int_eq(ss_store_tag_add(st, 999, "bug"), SS_NOT_FOUND);
	ck_assert_int_eq(ss_store_tag_add(st, id, ""), SS_USAGE);
	ck_assert_int_eq(ss_store_tag_add(st, id, "tab\there"), SS_INPUT);
	ss_snapshot s;
	ck_assert_int_eq(ss_store_snapshot_get(st, id, &s), SS_OK);
	ck_assert_uint_eq(s.n_tags, 2);
	ck_assert_str_eq(s.tags[0], "a b");
	ck_assert_str_eq(s.tags[1], "bug");
	ss_snapshot_clear(&s);

	ck_assert_int_eq(ss_store_tag_remove(st, id, "nope"), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "nope"));
	ck_assert_int_eq(ss_store_tag_remove(st, 999, "bug"), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "999"));
	ck_assert_int_eq(ss_store_tag_remove(st, id, "bug"), SS_OK);
	ck_assert_int_eq(ss_store_tag_remove(st, id, "bug"), SS_NOT_FOUND);

	/* the per-snapshot limit */
	char tag[16];
	for (int i = 1; i < SS_TAGS_PER_SNAPSHOT_MAX; i++) {
		snprintf(tag, sizeof tag, "t%02d", i);
		ck_assert_int_eq(ss_store_tag_add(st, id, tag), SS_OK);
	}
	ck_assert_int_eq(ss_store_tag_add(st, id, "one-too-many"), SS_LIMIT);
	ck_assert_int_eq(ss_store_tag_add(st, id, "t01"), SS_OK);   /* had it: still fine */

	ck_assert_int_eq(ss_store_set_description(st, id, "hello"), SS_OK);
	ck_assert_int_eq(ss_store_set_pinned(st, id, true), SS_OK);
	ck_assert_int_eq(ss_store_snapshot_get(st, id, &s), SS_OK);
	ck_assert_str_eq(s.description, "hello");
	ck_assert(s.pinned);
	ss_snapshot_clear(&s);
	ck_assert_int_eq(ss_store_set_description(st, id, NULL), SS_OK);
	ck_assert_int_eq(ss_store_set_pinned(st, id, false), SS_OK);
	ck_assert_int_eq(ss_store_snapshot_get(st, id, &s), SS_OK);
	ck_assert_ptr_null(s.description);
	ck_assert(!s.pinned);
	ss_snapshot_clear(&s);
	ck_assert_int_eq(ss_store_set_description(st, 999, "x"), SS_NOT_FOUND);
	ck_assert_int_eq(ss_store_set_pinned(st, 999, true), SS_NOT_FOUND);
	ck_assert_int_eq(ss_store_set_description(st, id, "esc\x1b"), SS_INPUT);
}
END_TEST

START_TEST(test_delete)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	int64_t sid = session(st, "svc");
	int64_t shared = blob(st), own = blob(st);
	int64_t a = add_row(st, &(struct spec){ .session_id = sid, .t = 1, .tags = { "x", "y" } }, shared);
	int64_t b = add_row(st, &(struct spec){ .session_id = sid, .t = 2 }, shared);
	int64_t c = add_row(st, &(struct spec){ .session_id = sid, .t = 3 }, own);

	ck_assert_int_eq(ss_store_snapshot_delete(st, a), SS_OK);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM tags"), 0);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM blobs"), 2);   /* b still uses it */
	ck_assert_int_eq(ss_store_snapshot_delete(st, b), SS_OK);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM blobs"), 1);
	ck_assert_int_eq(ss_store_snapshot_delete(st, a), SS_NOT_FOUND);
	ck_assert_str_eq(ss_store_errmsg(st), "no snapshot with id 1");

	/* a delta's base cannot go before the delta is re-based */
	ss_snapshot d = { .session_id = sid, .created_at = 4, .kind = SS_KIND_DELTA, .base_id = c,
	                  .blob_id = blob(st) };
	memcpy(d.checksum, checksum_a, sizeof d.checksum);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &d), SS_OK);
	ck_assert_int_eq(ss_store_snapshot_delete(st, c), SS_USAGE);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM snapshots"), 2);
	ck_assert_int_eq(ss_store_snapshot_delete(st, d.id), SS_OK);
	ck_assert_int_eq(ss_store_snapshot_delete(st, c), SS_OK);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM snapshots"), 0);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM blobs"), 0);
	ck_assert_int_eq(ss_store_integrity_check(st), SS_OK);
}
END_TEST

/* ---- search ---------------------------------------------------------------- */

struct collected {
	int64_t ids[20000];
	int64_t keys[20000];
	size_t n;
	size_t stop_after;          /* 0: never stop */
	ss_sort sort;
};

static int collect(const ss_snapshot *row, void *user)
{
	struct collected *c = user;
	ck_assert_uint_lt(c->n, 20000);
	ck_assert_ptr_nonnull(row->session);
	c->keys[c->n] = c->sort == SS_SORT_SIZE ? row->raw_size
	              : c->sort == SS_SORT_CHANGES ? row->n_added + row->n_removed + row->n_changed
	              : row->created_at;
	c->ids[c->n++] = row->id;
	return c->stop_after && c->n >= c->stop_after;
}

static int64_t R[7];            /* the ids of r1..r6 of search_fixture() */

/*
 *  row session t     raw changes desc         pinned tags
 *  r1  alpha   1000  50  1       "Boot 100%"  no     -
 *  r2  alpha   2000  10  3       "deploy_v2"  yes    release
 *  r3  alpha   3000  30  5       -            no     release hotfix
 *  r4  beta    1500  40  0       "beta start" no     Hotfix-Alpha
 *  r5  beta    2500  20  3       "nothing"    yes    -
 *  r6  alpha   3000  60  2       "same time"  no     x
 */
static void search_fixture(void)
{
	st = open_ok(tu_path("search.db"), SS_STORE_CREATE);
	int64_t a = session(st, "alpha"), b = session(st, "beta");
	int64_t bl = blob(st);
	R[1] = add_row(st, &(struct spec){ a, 1000, 50, 1, 0, 0, "Boot 100%", false, { NULL } }, bl);
	R[2] = add_row(st, &(struct spec){ a, 2000, 10, 2, 1, 0, "deploy_v2", true, { "release" } }, bl);
	R[3] = add_row(st, &(struct spec){ a, 3000, 30, 0, 0, 5, NULL, false, { "release", "hotfix" } }, bl);
	R[4] = add_row(st, &(struct spec){ b, 1500, 40, 0, 0, 0, "beta start", false, { "Hotfix-Alpha" } }, bl);
	R[5] = add_row(st, &(struct spec){ b, 2500, 20, 1, 1, 1, "nothing", true, { NULL } }, bl);
	R[6] = add_row(st, &(struct spec){ a, 3000, 60, 1, 1, 0, "same time", false, { "x" } }, bl);
}

/* The query gives exactly rows r[i] (indexes into R, 0-terminated), in order,
 * and (without limit/offset) ss_store_count agrees. */
static void expect_rows(const ss_query *q, const int *r)
{
	static struct collected c;
	memset(&c, 0, sizeof c);
	c.sort = q->sort;
	ck_assert_int_eq(ss_store_search(st, q, NULL, collect, &c), SS_OK);
	size_t n = 0;
	while (r[n])
		n++;
	ck_assert_msg(c.n == n, "expected %zu rows, got %zu", n, c.n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(c.ids[i] == R[r[i]], "row %zu: expected r%d (id %lld), got id %lld",
		              i, r[i], (long long)R[r[i]], (long long)c.ids[i]);
	if (q->limit == 0 && q->offset == 0) {
		int64_t count = -1;
		ck_assert_int_eq(ss_store_count(st, q, &count), SS_OK);
		ck_assert_int_eq(count, (int64_t)n);
	}
}

#define ROWS(...) ((const int[]){ __VA_ARGS__, 0 })
#define NO_ROWS ((const int[]){ 0 })

START_TEST(test_search_filters)
{
	search_fixture();
	ss_query q;
	ss_query_init(&q);
	expect_rows(&q, ROWS(1, 4, 2, 5, 3, 6));

	q.session = "alpha";
	expect_rows(&q, ROWS(1, 2, 3, 6));
	q.session = "nope";
	expect_rows(&q, NO_ROWS);
	q.session = NULL;

	const char *any[] = { "release", "x" };
	q.tags = any;
	q.n_tags = 2;
	expect_rows(&q, ROWS(2, 3, 6));
	const char *all[] = { "release", "hotfix" };
	q.tags = all;
	q.tags_all = true;
	expect_rows(&q, ROWS(3));
	const char *dup[] = { "release", "release" };  /* a repeated tag counts once */
	q.tags = dup;
	expect_rows(&q, ROWS(2, 3));
	q.tags = NULL;
	q.n_tags = 0;
	q.tags_all = false;

	q.since = 2000;
	q.until = 3000;                              /* both ends inclusive */
	expect_rows(&q, ROWS(2, 5, 3, 6));
	q.until = 2499;
	expect_rows(&q, ROWS(2));
	q.since = q.until = SS_TIME_NONE;

	q.text = "HOTFIX";                           /* in a tag, either case */
	expect_rows(&q, ROWS(4, 3));
	q.text = "BETA";                             /* in a description */
	expect_rows(&q, ROWS(4));
	q.text = "%";                                /* literal, not a wildcard */
	expect_rows(&q, ROWS(1));
	q.text = "_";
	expect_rows(&q, ROWS(2));
	q.text = "no such text";
	expect_rows(&q, NO_ROWS);
	q.text = NULL;

	q.pinned_only = true;
	expect_rows(&q, ROWS(2, 5));
	q.session = "alpha";
	expect_rows(&q, ROWS(2));
	q.session = NULL;
	q.pinned_only = false;
	q.tagged_only = true;
	expect_rows(&q, ROWS(4, 2, 3, 6));
}
END_TEST

START_TEST(test_search_sorts_limit_offset)
{
	search_fixture();
	ss_query q;
	ss_query_init(&q);
	q.reverse = true;                            /* ties by id, descending */
	expect_rows(&q, ROWS(6, 3, 5, 2, 4, 1));
	q.sort = SS_SORT_SIZE;
	q.reverse = false;
	expect_rows(&q, ROWS(2, 5, 3, 4, 1, 6));
	q.reverse = true;
	expect_rows(&q, ROWS(6, 1, 4, 3, 5, 2));
	q.sort = SS_SORT_CHANGES;
	q.reverse = false;
	expect_rows(&q, ROWS(4, 1, 6, 2, 5, 3));
	q.reverse = true;
	expect_rows(&q, ROWS(3, 5, 2, 6, 1, 4));

	q.sort = SS_SORT_TIME;
	q.reverse = false;
	q.limit = 2;
	q.offset = 1;
	expect_rows(&q, ROWS(4, 2));
	q.offset = 5;
	expect_rows(&q, ROWS(6));
	q.offset = 6;
	expect_rows(&q, NO_ROWS);
	int64_t count = 0;                           /* count ignores limit and offset */
	ck_assert_int_eq(ss_store_count(st, &q, &count), SS_OK);
	ck_assert_int_eq(count, 6);

	/* a cursor with an offset: skip after the cursor position */
	ss_cursor cur = { .started = true, .key = 1500, .id = R[4] };
	q.limit = 0;
	q.offset = 1;
	static struct collected c;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(ss_store_search(st, &q, &cur, collect, &c), SS_OK);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_int_eq(c.ids[0], R[5]);
	ck_assert_int_eq(cur.id, R[6]);
	ck_assert_int_eq(cur.key, 3000);

	/* stopping early: the cursor is at the last row handed out */
	memset(&c, 0, sizeof c);
	memset(&cur, 0, sizeof cur);
	q.offset = 0;
	c.stop_after = 2;
	ck_assert_int_eq(ss_store_search(st, &q, &cur, collect, &c), SS_OK);
	ck_assert_uint_eq(c.n, 2);
	ck_assert(cur.started);
	ck_assert_int_eq(cur.id, R[4]);
	c.stop_after = 0;
	ck_assert_int_eq(ss_store_search(st, &q, &cur, collect, &c), SS_OK);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_int_eq(c.ids[2], R[2]);
}
END_TEST

/* A row callback that searches again (the UI may look a row's neighbours up
 * while a page is being handed out). */
static int nested(const ss_snapshot *row, void *user)
{
	(void)row;
	int64_t *total = user;
	ss_query q;
	ss_query_init(&q);
	struct collected *inner = calloc(1, sizeof *inner);
	ck_assert_ptr_nonnull(inner);
	ck_assert_int_eq(ss_store_search(st, &q, NULL, collect, inner), SS_OK);
	*total += (int64_t)inner->n;
	free(inner);
	return 0;
}

START_TEST(test_search_reentrant)
{
	search_fixture();
	ss_query q;
	ss_query_init(&q);
	int64_t total = 0;
	ck_assert_int_eq(ss_store_search(st, &q, NULL, nested, &total), SS_OK);
	ck_assert_int_eq(total, 36);
}
END_TEST

/* 10,000 rows (created_at repeats in threes, so ties are many), paged 100 at
 * a time with the cursor in every sort and direction: every row exactly once,
 * in (key, id) order, and pages never overlap. */
START_TEST(test_cursor_paging_10000)
{
	enum { N = 10000 };
	st = open_ok(tu_path("big.db"), SS_STORE_CREATE);
	int64_t big = session(st, "big"), other = session(st, "other");
	int64_t bl = blob(st);
	ck_assert_int_eq(ss_store_begin(st), SS_OK);
	for (int64_t i = 0; i < N; i++) {
		struct spec sp = { .session_id = big, .t = 1000000 + i / 3, .raw = (i * 7919) % 1000,
		                   .added = i % 5, .removed = i % 3 };
		add_row(st, &sp, bl);
		if (i % 1000 == 0)
			add_row(st, &(struct spec){ .session_id = other, .t = 1000000 + i, .raw = 5 }, bl);
	}
	ck_assert_int_eq(ss_store_commit(st), SS_OK);

	static unsigned char seen[N + 100];
	for (int sort = SS_SORT_TIME; sort <= SS_SORT_CHANGES; sort++) {
		for (int rev = 0; rev <= 1; rev++) {
			ss_query q;
			ss_query_init(&q);
			q.session = "big";
			q.sort = (ss_sort)sort;
			q.reverse = rev;
			q.limit = 100;
			ss_cursor cur = {0};
			static struct collected c;
			memset(&c, 0, sizeof c);
			memset(seen, 0, sizeof seen);
			c.sort = q.sort;
			int pages = 0;
			for (;;) {
				size_t before = c.n;
				ck_assert_int_eq(ss_store_search(st, &q, &cur, collect, &c), SS_OK);
				if (c.n == before)
					break;
				ck_assert_uint_le(c.n - before, 100);
				pages++;
			}
			ck_assert_int_eq(pages, N / 100);
			ck_assert_uint_eq(c.n, N);
			for (size_t i = 0; i < c.n; i++) {
				int64_t id = c.ids[i];
				ck_assert(id > 0 && id < N + 100);
				ck_assert_msg(!seen[id], "id %lld handed out twice", (long long)id);
				seen[id] = 1;
				if (i == 0)
					continue;
				int64_t dk = c.keys[i] - c.keys[i - 1];
				int64_t di = c.ids[i] - c.ids[i - 1];
				if (rev) {
					dk = -dk;
					di = -di;
				}
				ck_assert_msg(dk > 0 || (dk == 0 && di > 0), "out of order at %zu (sort %d rev %d)",
				              i, sort, rev);
			}
			int64_t count = 0;
			ck_assert_int_eq(ss_store_count(st, &q, &count), SS_OK);
			ck_assert_int_eq(count, N);
		}
	}
}
END_TEST

/* ---- lookups, stats, sessions ---------------------------------------------- */

START_TEST(test_nearest_latest)
{
	st = open_ok(tu_path("s.db"), SS_STORE_CREATE);
	int64_t sid = session(st, "n"), empty = session(st, "empty");
	int64_t bl = blob(st);
	int64_t a = add_row(st, &(struct spec){ .session_id = sid, .t = 1000 }, bl);
	int64_t b = add_row(st, &(struct spec){ .session_id = sid, .t = 2000 }, bl);
	int64_t c = add_row(st, &(struct spec){ .session_id = sid, .t = 3000 }, bl);
	/* inserted last but the oldest time: latest goes by seq, not time */
	int64_t d = add_row(st, &(struct spec){ .session_id = sid, .t = 10 }, bl);
	struct { int64_t t, want; } cases[] = {
		{ 1499, a }, { 1500, a }, { 1501, b }, { 2000, b }, { 2500, b }, { 2501, c },
		{ 999999, c }, { 0, d }, { 505, d }, { 506, a }, { INT64_MIN, d }, { INT64_MAX, c },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t id = 0;
		ck_assert_int_eq(ss_store_nearest(st, sid, cases[i].t, &id), SS_OK);
		ck_assert_msg(id == cases[i].want, "nearest %lld: got %lld want %lld",
		              (long long)cases[i].t, (long long)id, (long long)cases[i].want);
	}
	int64_t id = 0;
	ck_assert_int_eq(ss_store_latest(st, sid, &id), SS_OK);
	ck_assert_int_eq(id, d);
	ck_assert_int_eq(ss_store_nearest(st, empty, 5, &id), SS_NOT_FOUND);
	ck_assert_int_eq(ss_store_latest(st, empty, &id), SS_NOT_FOUND);
}
END_TEST

START_TEST(test_stats)
{
	st = open_ok(tu_path("s.db"), SS_STORE_CREATE);
	ss_stats s;
	ck_assert_int_eq(ss_store_stats(st, NULL, &s), SS_OK);
	ck_assert_int_eq(s.snapshots, 0);
	ck_assert_int_eq(s.first_at, SS_TIME_NONE);
	ck_assert_int_gt(s.file_bytes, 0);

	int64_t a = session(st, "a"), b = session(st, "b");
	int64_t bl = blob(st);
	int64_t k = add_row(st, &(struct spec){ .session_id = a, .t = 100, .raw = 10, .pinned = true,
	                                        .tags = { "x", "y" } }, bl);
	ss_snapshot d = { .session_id = a, .created_at = 200, .raw_size = 20, .stored_size = 5,
	                  .create_us = 7, .kind = SS_KIND_DELTA, .base_id = k, .blob_id = bl };
	memcpy(d.checksum, checksum_a, sizeof d.checksum);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &d), SS_OK);
	ss_snapshot d2 = d;
	d2.created_at = 300;
	d2.base_id = d.id;
	ck_assert_int_eq(ss_store_snapshot_insert(st, &d2), SS_OK);
	add_row(st, &(struct spec){ .session_id = b, .t = 50, .raw = 1000, .tags = { "z" } }, bl);

	ck_assert_int_eq(ss_store_stats(st, "a", &s), SS_OK);
	ck_assert_int_eq(s.sessions, 1);
	ck_assert_int_eq(s.snapshots, 3);
	ck_assert_int_eq(s.keyframes, 1);
	ck_assert_int_eq(s.deltas, 2);
	ck_assert_int_eq(s.pinned, 1);
	ck_assert_int_eq(s.tagged, 1);
	ck_assert_int_eq(s.tags, 2);
	ck_assert_int_eq(s.raw_bytes, 50);
	ck_assert_int_eq(s.stored_bytes, 20);
	ck_assert_int_eq(s.create_us_total, 14);
	ck_assert_int_eq(s.first_at, 100);
	ck_assert_int_eq(s.last_at, 300);
	ck_assert_int_eq(s.max_chain, 2);

	ck_assert_int_eq(ss_store_stats(st, NULL, &s), SS_OK);
	ck_assert_int_eq(s.sessions, 2);
	ck_assert_int_eq(s.snapshots, 4);
	ck_assert_int_eq(s.tagged, 2);
	ck_assert_int_eq(s.tags, 3);
	ck_assert_int_eq(s.raw_bytes, 1050);
	ck_assert_int_eq(s.first_at, 50);
	ck_assert_int_eq(s.max_chain, 2);

	ck_assert_int_eq(ss_store_stats(st, "none", &s), SS_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "none"));
}
END_TEST

START_TEST(test_sessions)
{
	st = open_ok(tu_path("s.db"), SS_STORE_CREATE);
	int64_t z = 0, z2 = 0;
	ck_assert_int_eq(ss_store_session_ensure(st, "zulu", 5, &z), SS_OK);
	ck_assert_int_eq(ss_store_session_ensure(st, "zulu", 6, &z2), SS_OK);
	ck_assert_int_eq(z, z2);
	ck_assert_int_eq(ss_store_session_set_config(st, z, "{\"keyframe_every\":3}"), SS_OK);
	int64_t found = 0;
	char *config = NULL;
	ck_assert_int_eq(ss_store_session_find(st, "zulu", &found, &config), SS_OK);
	ck_assert_int_eq(found, z);
	ck_assert_str_eq(config, "{\"keyframe_every\":3}");
	free(config);
	ck_assert_int_eq(ss_store_session_find(st, "zulu", &found, NULL), SS_OK);
	ck_assert_int_eq(ss_store_session_find(st, "nobody", &found, &config), SS_NOT_FOUND);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "nobody"));
	ck_assert_int_eq(ss_store_session_set_config(st, z, "{}"), SS_OK);
	int64_t a = session(st, "Alpha.1_x-y");
	ck_assert_int_eq(ss_store_session_ensure(st, "bad name", 1, &z2), SS_USAGE);
	ck_assert_int_eq(ss_store_session_ensure(st, "", 1, &z2), SS_USAGE);
	char longname[80];
	memset(longname, 'n', 65);
	longname[65] = '\0';
	ck_assert_int_eq(ss_store_session_ensure(st, longname, 1, &z2), SS_USAGE);
	int64_t bl = blob(st);
	add_row(st, &(struct spec){ .session_id = a, .t = 30, .raw = 3 }, bl);
	add_row(st, &(struct spec){ .session_id = a, .t = 10, .raw = 4 }, bl);

	ss_session *list = NULL;
	size_t n = 0;
	ck_assert_int_eq(ss_store_sessions(st, &list, &n), SS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].name, "Alpha.1_x-y");  /* by byte: upper case first */
	ck_assert_int_eq(list[0].count, 2);
	ck_assert_int_eq(list[0].first_at, 10);
	ck_assert_int_eq(list[0].last_at, 30);
	ck_assert_int_eq(list[0].raw_bytes, 7);
	ck_assert_int_eq(list[0].stored_bytes, 7);
	ck_assert_str_eq(list[0].config, "{}");
	ck_assert_str_eq(list[1].name, "zulu");
	ck_assert_int_eq(list[1].count, 0);
	ck_assert_int_eq(list[1].created_at, 5);
	ck_assert_int_eq(list[1].first_at, SS_TIME_NONE);
	ss_session_array_free(list, n);

	ck_assert_int_eq(ss_store_session_set_config(st, z, "{\"every\":\"5s\"}"), SS_OK);
	ck_assert_int_eq(ss_store_session_set_config(st, 999, "{}"), SS_NOT_FOUND);
	ss_session one;
	ck_assert_int_eq(ss_store_session_get(st, "zulu", &one), SS_OK);
	ck_assert_int_eq(one.id, z);
	ck_assert_str_eq(one.config, "{\"every\":\"5s\"}");
	ss_session_clear(&one);
	ck_assert_ptr_null(one.name);
	ck_assert_int_eq(ss_store_session_get(st, "nope", &one), SS_NOT_FOUND);
	ck_assert_str_eq(ss_store_errmsg(st), "no session named \"nope\"");
}
END_TEST

START_TEST(test_integrity_check)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	int64_t sid = session(st, "i");
	add_row(st, &(struct spec){ .session_id = sid, .t = 1, .tags = { "a" } }, blob(st));
	ck_assert_int_eq(ss_store_integrity_check(st), SS_OK);
	/* another program writes a dangling tag with foreign keys off */
	raw_exec(path, "INSERT INTO tags(snapshot_id, tag) VALUES (777, 'orphan')");
	ck_assert_int_eq(ss_store_integrity_check(st), SS_CORRUPT);
	ck_assert_msg(strstr(ss_store_errmsg(st), "tags") != NULL, "message: %s", ss_store_errmsg(st));
}
END_TEST

/* ---- concurrency, read-only, transactions ---------------------------------- */

START_TEST(test_busy)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	ss_store_set_busy_timeout(st, 50);
	sqlite3 *other;
	ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	ck_assert_int_eq(ss_store_begin(st), SS_BUSY);
	ck_assert_msg(strstr(ss_store_errmsg(st), "busy") && strstr(ss_store_errmsg(st), path),
	              "message: %s", ss_store_errmsg(st));
	int64_t id;
	ck_assert_int_eq(ss_store_session_ensure(st, "w", 1, &id), SS_BUSY);
	/* reading is not blocked by a writer in WAL mode */
	ss_stats s;
	ck_assert_int_eq(ss_store_stats(st, NULL, &s), SS_OK);

	ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	ck_assert_int_eq(ss_store_begin(st), SS_OK);
	ck_assert_int_eq(ss_store_session_ensure(st, "w", 1, &id), SS_OK);
	ck_assert_int_eq(ss_store_commit(st), SS_OK);
}
END_TEST

START_TEST(test_data_version)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	ss_store *writer = open_ok(path, 0);
	int64_t v1 = 0, v2 = 0, v3 = 0;
	ck_assert_int_eq(ss_store_data_version(st, &v1), SS_OK);
	ck_assert_int_eq(ss_store_data_version(st, &v2), SS_OK);
	ck_assert_int_eq(v1, v2);
	session(writer, "new");
	ck_assert_int_eq(ss_store_data_version(st, &v3), SS_OK);
	ck_assert_int_ne(v1, v3);
	ss_store_close(writer);
}
END_TEST

START_TEST(test_readonly)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	int64_t sid = session(st, "r");
	int64_t id = add_row(st, &(struct spec){ .session_id = sid, .t = 1 }, blob(st));
	ss_store_close(st);
	st = open_ok(path, SS_STORE_READONLY);
	ss_snapshot snap;
	ck_assert_int_eq(ss_store_snapshot_get(st, id, &snap), SS_OK);
	ss_snapshot_clear(&snap);
	int64_t got = 0;
	ck_assert_int_eq(ss_store_session_ensure(st, "r", 1, &got), SS_OK);  /* exists: a read */
	ck_assert_int_eq(ss_store_session_ensure(st, "new", 1, &got), SS_READONLY);
	ck_assert_int_eq(ss_store_tag_add(st, id, "t"), SS_READONLY);
	ck_assert_int_eq(ss_store_set_pinned(st, id, true), SS_READONLY);
	ck_assert_int_eq(ss_store_begin(st), SS_READONLY);
	ck_assert_ptr_nonnull(strstr(ss_store_errmsg(st), "read-only"));
	ss_store_close(st);
	st = NULL;

	/* A file without write permission: only meaningful when not root. */
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(path, 0400), 0);
		st = open_ok(path, 0);
		ck_assert_int_eq(ss_store_set_pinned(st, id, true), SS_READONLY);
	}
}
END_TEST

START_TEST(test_transactions)
{
	const char *path = tu_path("s.db");
	st = open_ok(path, SS_STORE_CREATE);
	int64_t sid = session(st, "t");
	int64_t bl = blob(st);
	ck_assert_int_eq(ss_store_commit(st), SS_USAGE);
	ck_assert_int_eq(ss_store_begin(st), SS_OK);
	ck_assert_int_eq(ss_store_begin(st), SS_USAGE);     /* they do not nest */
	add_row(st, &(struct spec){ .session_id = sid, .t = 1 }, bl);
	ss_store_rollback(st);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM snapshots"), 0);

	/* inside a transaction, a failed insert undoes only itself */
	ck_assert_int_eq(ss_store_begin(st), SS_OK);
	int64_t kept = add_row(st, &(struct spec){ .session_id = sid, .t = 2 }, bl);
	ss_snapshot bad = { .session_id = sid, .blob_id = 999999 };
	memcpy(bad.checksum, checksum_a, sizeof bad.checksum);
	ck_assert_int_ne(ss_store_snapshot_insert(st, &bad), SS_OK);
	ck_assert_int_eq(ss_store_commit(st), SS_OK);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM snapshots"), 1);
	ss_snapshot s;
	ck_assert_int_eq(ss_store_snapshot_get(st, kept, &s), SS_OK);
	ck_assert_int_eq(s.seq, 1);                  /* the first transaction left nothing */
	ss_snapshot_clear(&s);
	ss_snapshot next = { .session_id = sid, .blob_id = bl };
	memcpy(next.checksum, checksum_a, sizeof next.checksum);
	ck_assert_int_eq(ss_store_snapshot_insert(st, &next), SS_OK);
	ck_assert_int_eq(next.seq, 2);               /* the failed insert used no seq */
	ss_store_rollback(st);                       /* harmless outside a transaction */
}
END_TEST

/* Declared for -Wmissing-prototypes; the runner declares it from suites.h. */
Suite *store_suite(void);

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *open = tcase_create("open");
	tcase_add_checked_fixture(open, setup, teardown);
	tcase_add_test(open, test_create_and_reopen);
	tcase_add_test(open, test_missing_without_create);
	tcase_add_test(open, test_foreign_database_untouched);
	tcase_add_test(open, test_garbage_untouched);
	tcase_add_test(open, test_newer_version_refused);
	tcase_add_test(open, test_empty_file_initialised);
	tcase_add_test(open, test_migrates_from_v0);
	tcase_add_test(open, test_failed_migration_rolls_back);
	tcase_add_test(open, test_memory_store);
	tcase_add_test(open, test_default_path);
	suite_add_tcase(s, open);

	TCase *rows = tcase_create("rows");
	tcase_add_checked_fixture(rows, setup, teardown);
	tcase_add_test(rows, test_round_trip_every_field);
	tcase_add_test(rows, test_insert_rejects_and_changes_nothing);
	tcase_add_test(rows, test_seq_monotonic_after_delete);
	tcase_add_test(rows, test_tags_description_pin);
	tcase_add_test(rows, test_delete);
	suite_add_tcase(s, rows);

	TCase *search = tcase_create("search");
	tcase_add_checked_fixture(search, setup, teardown);
	tcase_set_timeout(search, 120);
	tcase_add_test(search, test_search_filters);
	tcase_add_test(search, test_search_sorts_limit_offset);
	tcase_add_test(search, test_search_reentrant);
	tcase_add_test(search, test_cursor_paging_10000);
	tcase_add_test(search, test_nearest_latest);
	tcase_add_test(search, test_stats);
	tcase_add_test(search, test_sessions);
	suite_add_tcase(s, search);

	TCase *safety = tcase_create("safety");
	tcase_add_checked_fixture(safety, setup, teardown);
	tcase_add_test(safety, test_integrity_check);
	tcase_add_test(safety, test_busy);
	tcase_add_test(safety, test_data_version);
	tcase_add_test(safety, test_readonly);
	tcase_add_test(safety, test_transactions);
	suite_add_tcase(s, safety);
	return s;
}
