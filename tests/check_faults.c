/*
 * check_faults.c - damage and faults, through the real binary where a user
 * would meet them and through the library where only a test can cause them:
 *
 *  - verify finds every flipped byte: for EVERY byte offset of a small
 *    keyframe's and a small delta's stored blob, in a fresh copy of the
 *    store, `verify` names that snapshot and every delta built on it, and
 *    nothing else, and exits 5;
 *  - broken delta chains (a missing base, a base in another session, a
 *    loop) are named as such; a damaged file page is found by the
 *    integrity check;
 *  - a full disk (RLIMIT_FSIZE, and a small tmpfs when we may mount one),
 *    a read-only store (a read-only tmpfs mount), the store file deleted
 *    under a running `watch --headless`;
 *  - allocation failures injected into jansson and SQLite: the Nth
 *    allocation fails, for every N until the operation succeeds.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "snapscope.h"
#include "testutil.h"

static char store[4096];

static void setup(void)
{
	tu_tmpdir();
	snprintf(store, sizeof store, "%s", tu_path("s.db"));
}

static void teardown(void)
{
	tu_cleanup();
}

#define RUN_ON(path, input, ...) tu_cli((input), "--store", (path), __VA_ARGS__, (const char *)NULL)
#define RUN(input, ...) RUN_ON(store, input, __VA_ARGS__)

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

/* stderr is exactly one line (a message, not a dump). */
static void assert_one_line(const tu_run *r, const char *what)
{
	ck_assert_msg(r->err_len > 0 && r->err[r->err_len - 1] == '\n' &&
	              memchr(r->err, '\n', r->err_len - 1) == NULL,
	              "%s: want one line on stderr, got '%s'", what, r->err);
}

static long long capture_on(const char *path, const char *session, const char *json)
{
	tu_run r = RUN_ON(path, json, "capture", session);
	assert_status(&r, 0, "capture");
	long long id = strtoll(r.out, NULL, 10);
	ck_assert_msg(id > 0, "capture printed '%s'", r.out);
	tu_run_free(&r);
	return id;
}

static long long capture(const char *session, const char *json)
{
	return capture_on(store, session, json);
}

/* ---- direct access to the store file (only tests do this) ----------------- */

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static void db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
}

static long long db_int(sqlite3 *db, const char *sql, long long arg)
{
	sqlite3_stmt *q;
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(q) > 0)
		sqlite3_bind_int64(q, 1, arg);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	long long v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* The stored bytes of snapshot id's blob (its codec must be raw). */
static unsigned char *blob_of(const char *path, long long id, long long *blob_id, int *len)
{
	sqlite3 *db = db_open(path);
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	                                    "SELECT b.id, b.codec, b.data FROM blobs b "
	                                    "JOIN snapshots s ON s.blob_id = b.id WHERE s.id = ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	*blob_id = sqlite3_column_int64(q, 0);
	ck_assert_int_eq(sqlite3_column_int(q, 1), 0);
	*len = sqlite3_column_bytes(q, 2);
	unsigned char *data = malloc((size_t)*len + 1);
	ck_assert_ptr_nonnull(data);
	memcpy(data, sqlite3_column_blob(q, 2), (size_t)*len);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return data;
}

static void set_blob(const char *path, long long blob_id, const unsigned char *data, int len)
{
	sqlite3 *db = db_open(path);
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE blobs SET data = ? WHERE id = ?", -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(q, 1, data, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, blob_id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_finalize(q);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = tu_read_file(from, &len);
	ck_assert_ptr_nonnull(data);
	tu_write_file(to, data, len);
	free(data);
}

/* A hash of everything a user can list about the store: `list --json` and
 * `stats --json` (sizes, counts, checksums), to compare before and after. */
static char *store_fingerprint(const char *path)
{
	tu_run a = RUN_ON(path, NULL, "list", "--json");
	tu_run b = RUN_ON(path, NULL, "stats", "--json");
	ck_assert_msg(a.status == 0 && b.status == 0, "list/stats: %s%s", a.err, b.err);
	size_t n = a.out_len + b.out_len + 2;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	snprintf(s, n, "%s\n%s", a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);
	return s;
}

/* ---- verify: every flipped byte -------------------------------------------- */

/* A small state, kept raw (under the compression threshold), and two
 * changes of it stored as deltas. */
static const char *const states[] = {
	"{\"name\": \"alpha\", \"n\": 1, \"ok\": true, \"list\": [1, 2.5, null],"
	" \"pad\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	"{\"name\": \"alpha\", \"n\": 2, \"ok\": true, \"list\": [1, 2.5, null],"
	" \"pad\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	"{\"name\": \"alpha\", \"n\": 3, \"ok\": true, \"list\": [1, 2.5, null],"
	" \"pad\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
};

struct chain3 {
	long long key, d1, d2, other;
};

static struct chain3 make_chain(void)
{
	struct chain3 c;
	c.key = capture("s", states[0]);
	c.d1 = capture("s", states[1]);
	c.d2 = capture("s", states[2]);
	c.other = capture("o", "{\"other\": \"intact\"}");
	sqlite3 *db = db_open(store);
	ck_assert_int_eq(db_int(db, "SELECT kind FROM snapshots WHERE id = ?", c.key), 0);
	ck_assert_int_eq(db_int(db, "SELECT kind FROM snapshots WHERE id = ?", c.d1), 1);
	ck_assert_int_eq(db_int(db, "SELECT base_id FROM snapshots WHERE id = ?", c.d1), c.key);
	ck_assert_int_eq(db_int(db, "SELECT base_id FROM snapshots WHERE id = ?", c.d2), c.d1);
	sqlite3_close(db);
	tu_run r = RUN(NULL, "verify");
	assert_status(&r, 0, "verify before any damage");
	ck_assert_ptr_nonnull(strstr(r.out, "verified 4 snapshots: all intact"));
	tu_run_free(&r);
	ck_assert_msg(access(tu_path("s.db-wal"), F_OK) != 0, "the store left a WAL behind");
	return c;
}

/* The report names exactly the snapshots in `want` (n of them) as damaged,
 * one line each, beginning "snapshot ID (". */
static void assert_damaged(const tu_run *r, const long long *want, size_t n, const char *what)
{
	size_t lines = 0;
	for (const char *p = r->out; (p = strstr(p, "snapshot ")) != NULL; p++) {
		if (p != r->out && p[-1] != '\n')
			continue;
		long long id = strtoll(p + 9, NULL, 10);
		bool expected = false;
		for (size_t i = 0; i < n; i++)
			expected |= want[i] == id;
		ck_assert_msg(expected, "%s: snapshot %lld reported damaged:\n%s", what, id, r->out);
		lines++;
	}
	ck_assert_msg(lines == n, "%s: %zu damaged lines, want %zu:\n%s", what, lines, n, r->out);
	char summary[64];
	snprintf(summary, sizeof summary, "verified 4 snapshots: %zu damaged\n", n);
	ck_assert_msg(strstr(r->out, summary) != NULL, "%s: want '%s' in:\n%s", what, summary, r->out);
}

static void flip_every_byte(const struct chain3 *c, long long victim, const long long *want,
                            size_t n_want)
{
	copy_file(store, tu_path("pristine.db"));
	long long blob_id;
	int len;
	unsigned char *orig = blob_of(store, victim, &blob_id, &len);
	ck_assert_int_gt(len, 20);
	static const unsigned char masks[] = { 0x01, 0x80 };
	const char *work = tu_path("work.db");
	for (int off = 0; off < len; off++) {
		for (size_t m = 0; m < sizeof masks; m++) {
			copy_file(tu_path("pristine.db"), work);
			unsigned char *data = malloc((size_t)len);
			memcpy(data, orig, (size_t)len);
			data[off] ^= masks[m];
			set_blob(work, blob_id, data, len);
			free(data);
			tu_run r = RUN_ON(work, NULL, "verify");
			char what[128];
			snprintf(what, sizeof what, "snapshot %lld, byte %d of %d ^ 0x%02x", victim, off, len,
			         masks[m]);
			assert_status(&r, 5, what);
			assert_damaged(&r, want, n_want, what);
			/* The victim's own line gives its own reason, its dependents
			 * name the damaged base. */
			char line[96];
			snprintf(line, sizeof line, "snapshot %lld (session s, seq ", victim);
			const char *own = strstr(r.out, line);
			ck_assert_msg(own != NULL, "%s: no line for the victim:\n%s", what, r.out);
			const char *reason = strstr(own, "): ");
			ck_assert_msg(reason && strncmp(reason + 3, "its delta base", 14) != 0,
			              "%s: the victim's own reason is missing:\n%s", what, r.out);
			for (size_t i = 0; i < n_want; i++) {
				if (want[i] == victim)
					continue;
				snprintf(line, sizeof line, "its delta base %lld is damaged",
				         want[i] == c->d2 ? c->d1 : c->key);
				ck_assert_msg(strstr(r.out, line) != NULL, "%s: want '%s' in:\n%s", what, line,
				              r.out);
			}
			/* The damaged snapshot is never shown as if it were valid. */
			char id[32];
			snprintf(id, sizeof id, "%lld", victim);
			tu_run s = RUN_ON(work, NULL, "show", id);
			ck_assert_msg(s.status == 5 && s.out_len == 0, "%s: show exit %d: %s", what, s.status,
			              s.out);
			tu_run_free(&s);
			tu_run_free(&r);
		}
	}
	free(orig);
}

START_TEST(test_verify_every_flipped_byte_keyframe)
{
	struct chain3 c = make_chain();
	long long want[] = { c.key, c.d1, c.d2 };
	flip_every_byte(&c, c.key, want, 3);
}
END_TEST

START_TEST(test_verify_every_flipped_byte_delta)
{
	struct chain3 c = make_chain();
	long long want[] = { c.d1, c.d2 };
	flip_every_byte(&c, c.d1, want, 2);
}
END_TEST

/* ---- verify: broken chains ------------------------------------------------- */

static tu_run verify_after(const char *sql)
{
	sqlite3 *db = db_open(store);
	db_exec(db, "PRAGMA foreign_keys = OFF");
	db_exec(db, sql);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	return RUN(NULL, "verify");
}

START_TEST(test_verify_missing_base)
{
	struct chain3 c = make_chain();
	char sql[128];
	snprintf(sql, sizeof sql, "DELETE FROM snapshots WHERE id = %lld", c.d1);
	tu_run r = verify_after(sql);
	assert_status(&r, 5, "verify with a missing base");
	char want[128];
	snprintf(want, sizeof want, "snapshot %lld (session s, seq 3): delta base %lld is missing\n",
	         c.d2, c.d1);
	ck_assert_msg(strstr(r.out, want) != NULL, "want '%s' in:\n%s", want, r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "verified 3 snapshots: 1 damaged"));
	/* the foreign key check sees it too */
	ck_assert_msg(strstr(r.err, "integrity check failed") != NULL, "%s", r.err);
	tu_run_free(&r);
}
END_TEST

START_TEST(test_verify_base_in_other_session)
{
	struct chain3 c = make_chain();
	char sql[200];
	snprintf(sql, sizeof sql,
	         "UPDATE snapshots SET session_id = (SELECT id FROM sessions WHERE name = 'o'),"
	         " seq = 99 WHERE id = %lld", c.key);
	tu_run r = verify_after(sql);
	assert_status(&r, 5, "verify with a base in another session");
	char want[160];
	snprintf(want, sizeof want, "snapshot %lld (session s, seq 2): delta base %lld belongs to another session (o)\n",
	         c.d1, c.key);
	ck_assert_msg(strstr(r.out, want) != NULL, "want '%s' in:\n%s", want, r.out);
	snprintf(want, sizeof want, "snapshot %lld (session s, seq 3): its delta base %lld is damaged\n",
	         c.d2, c.d1);
	ck_assert_msg(strstr(r.out, want) != NULL, "want '%s' in:\n%s", want, r.out);
	long long damaged[] = { c.d1, c.d2 };
	assert_damaged(&r, damaged, 2, "base in another session");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_verify_loop)
{
	struct chain3 c = make_chain();
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE snapshots SET kind = 1, base_id = %lld WHERE id = %lld",
	         c.d2, c.key);
	tu_run r = verify_after(sql);
	assert_status(&r, 5, "verify with a loop");
	long long damaged[] = { c.key, c.d1, c.d2 };
	assert_damaged(&r, damaged, 3, "loop");
	const char *p = r.out;
	for (int i = 0; i < 3; i++) {
		p = strstr(p, "its delta chain is a loop (through snapshot ");
		ck_assert_msg(p != NULL, "loop %d not named:\n%s", i, r.out);
		p++;
	}
	tu_run_free(&r);

	/* A session that loops must not hang show either. */
	char id[32];
	snprintf(id, sizeof id, "%lld", c.d2);
	r = RUN(NULL, "show", id);
	assert_status(&r, 5, "show in a loop");
	tu_run_free(&r);
}
END_TEST

START_TEST(test_verify_damaged_page)
{
	capture("s", states[0]);
	capture("s", states[1]);
	capture("s", states[2]);
	/* Zero the root page of an index verify's own reads never use. */
	sqlite3 *db = db_open(store);
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = "
	                                    "'capture_errors_session_time'", -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	long long root = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	long long page_size = db_int(db, "PRAGMA page_size", 0);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	ck_assert_int_gt(root, 1);

	int fd = open(store, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	char junk[65536];
	memset(junk, 0x5a, sizeof junk);
	ck_assert_int_le(page_size, (long long)sizeof junk);
	ck_assert_int_eq(pwrite(fd, junk, (size_t)page_size, (off_t)((root - 1) * page_size)),
	                 page_size);
	close(fd);

	tu_run r = RUN(NULL, "verify");
	assert_status(&r, 5, "verify a damaged page");
	ck_assert_msg(strstr(r.out, "verified 3 snapshots: 0 damaged, and the store file is damaged\n"),
	              "%s", r.out);
	assert_one_line(&r, "verify a damaged page");
	ck_assert_msg(strstr(r.err, "integrity check failed") != NULL, "%s", r.err);
	tu_run_free(&r);
}
END_TEST

/* ---- a full disk ----------------------------------------------------------- */

/* A state of `bytes` hex digits that do not compress much. */
static char *big_state(size_t bytes)
{
	char *s = malloc(bytes + 32);
	ck_assert_ptr_nonnull(s);
	size_t n = (size_t)sprintf(s, "{\"r\": \"");
	unsigned x = 12345;
	for (size_t i = 0; i < bytes; i++) {
		x = x * 1103515245u + 12345u;
		s[n++] = "0123456789abcdef"[(x >> 16) & 15];
	}
	strcpy(s + n, "\"}");
	return s;
}

/* Run the binary with the file size limit set to `limit` bytes (SIGXFSZ
 * ignored, so a write past it fails with EFBIG instead of killing). */
static tu_run run_limited(rlim_t limit, const char *input, const char *const *argv)
{
	struct rlimit old, lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	tu_run r = tu_exec(input, input ? strlen(input) : 0, argv);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	return r;
}

static void assert_store_holds(const char *path, const long long *ids, size_t n)
{
	tu_run r = RUN_ON(path, NULL, "verify");
	assert_status(&r, 0, "verify after the fault");
	tu_run_free(&r);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof id, "%lld", ids[i]);
		r = RUN_ON(path, NULL, "show", id);
		assert_status(&r, 0, "show a snapshot committed before the fault");
		tu_run_free(&r);
	}
}

START_TEST(test_full_disk_rlimit)
{
	long long ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = capture("s", states[i]);
	struct stat sb;
	ck_assert_int_eq(stat(store, &sb), 0);
	char *before = store_fingerprint(store);
	char *big = big_state(2u << 20);

	const char *cap[] = { "--store", store, "capture", "s", NULL };
	tu_run r = run_limited((rlim_t)sb.st_size + 16384, big, cap);
	ck_assert_msg(r.status == 1 || r.status == 4, "capture on a full disk: exit %d: %s", r.status,
	              r.err);
	assert_one_line(&r, "capture on a full disk");
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);
	assert_store_holds(store, ids, 3);
	char *after = store_fingerprint(store);
	ck_assert_str_eq(before, after);
	free(after);

	/* An export that cannot be written: an error, and no file left. */
	capture("s", big);
	const char *out = tu_path("out.json");
	const char *exp[] = { "--store", store, "export", "s", "-o", out, NULL };
	ck_assert_int_eq(stat(store, &sb), 0);
	r = run_limited((rlim_t)sb.st_size + 4096, NULL, exp);
	ck_assert_msg(r.status == 1, "export on a full disk: exit %d: %s", r.status, r.err);
	assert_one_line(&r, "export on a full disk");
	tu_run_free(&r);
	ck_assert_msg(access(out, F_OK) != 0, "a partial export was left behind");
	assert_store_holds(store, ids, 3);
	free(before);
	free(big);
}
END_TEST

/* A tmpfs of `size` mounted at `dir`, when we may (root in a namespace that
 * allows it); false otherwise. */
static bool mount_tmpfs(const char *dir, const char *opts)
{
	if (geteuid() != 0)
		return false;
	mkdir(dir, 0700);
	return mount("tmpfs", dir, "tmpfs", 0, opts) == 0;
}

START_TEST(test_full_disk_tmpfs)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", tu_path("small"));
	if (!mount_tmpfs(dir, "size=256k")) {
		printf("faults: skipped the tmpfs full-disk test: cannot mount a tmpfs (%s; not root "
		       "or no CAP_SYS_ADMIN); RLIMIT_FSIZE covers it\n", strerror(errno));
		return;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/s.db", dir);
	long long ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = capture_on(path, "s", states[i]);
	char *before = store_fingerprint(path);
	char *big = big_state(1u << 20);
	tu_run r = RUN_ON(path, big, "capture", "s");
	ck_assert_msg(r.status == 1, "capture on a full tmpfs: exit %d: %s", r.status, r.err);
	assert_one_line(&r, "capture on a full tmpfs");
	ck_assert_msg(strstr(r.err, "disk full") != NULL, "%s", r.err);
	tu_run_free(&r);
	assert_store_holds(path, ids, 3);
	char *after = store_fingerprint(path);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(big);
	ck_assert_int_eq(umount(dir), 0);
}
END_TEST

/* ---- a read-only store ----------------------------------------------------- */

START_TEST(test_read_only_store)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", tu_path("ro"));
	if (!mount_tmpfs(dir, "size=4m")) {
		printf("faults: skipped the read-only store test: cannot mount a tmpfs (%s); as root, "
		       "chmod does not stop writes\n", strerror(errno));
		return;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/s.db", dir);
	long long ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = capture_on(path, "s", states[i]);
	char *before = store_fingerprint(path);
	ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=4m"), 0);

	char id[32];
	snprintf(id, sizeof id, "%lld", ids[0]);
	const char *writes[][6] = {
		{ "capture", "s", NULL },
		{ "tag", id, "t", NULL },
		{ "describe", id, "text", NULL },
		{ "pin", id, NULL },
		{ "delete", id, NULL },
		{ "session", "s", "--every", "5s", NULL },
		{ "cleanup", "s", "--max-count", "1", NULL },
	};
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		const char *argv[10] = { "--store", path };
		for (int k = 0; writes[i][k]; k++)
			argv[2 + k] = writes[i][k];
		tu_run r = tu_exec("{\"x\": 1}", 8, argv);
		assert_status(&r, 4, writes[i][0]);
		assert_one_line(&r, writes[i][0]);
		ck_assert_msg(strstr(r.err, "read-only") != NULL, "%s: %s", writes[i][0], r.err);
		tu_run_free(&r);
	}
	/* Reads work. */
	assert_store_holds(path, ids, 3);
	char *after = store_fingerprint(path);
	ck_assert_str_eq(before, after);
	char id3[32];
	snprintf(id3, sizeof id3, "%lld", ids[2]);
	tu_run r = RUN_ON(path, NULL, "diff", id, id3);
	assert_status(&r, 0, "diff on a read-only store");
	tu_run_free(&r);
	free(before);
	free(after);
	ck_assert_int_eq(umount(dir), 0);
}
END_TEST

/* ---- the store deleted under a running watch --------------------------------- */

static char *slurp(const char *path)
{
	size_t len;
	char *s = tu_read_file(path, &len);
	return s ? s : strdup("");
}

START_TEST(test_store_deleted_under_watch)
{
	const char *bin = getenv("SNAPSCOPE_BIN") ? getenv("SNAPSCOPE_BIN") : "build/snapscope";
	const char *out = tu_path("watch.out"), *errp = tu_path("watch.err");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		setenv("TZ", "UTC", 1);
		setenv("NO_COLOR", "1", 1);
		execl(bin, bin, "--store", store, "watch", "w", "--every", "200ms", "--headless", "--",
		      "sh", "-c", "echo \"{\\\"t\\\": $(date +%s%N)}\"", (char *)NULL);
		_exit(127);
	}
	/* Let it capture a few, then delete the store file under it. */
	struct timespec ts = { 0, 900 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	ck_assert_int_eq(unlink(store), 0);
	unlink(tu_path("s.db-wal"));
	unlink(tu_path("s.db-shm"));
	bool said = false;
	for (int i = 0; i < 30 && !said; i++) {
		ts.tv_nsec = 100 * 1000 * 1000;
		nanosleep(&ts, NULL);
		char *e = slurp(errp);
		said = strstr(e, "store file") != NULL;
		free(e);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);     /* still running: no crash */
	kill(pid, SIGINT);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	char *e = slurp(errp), *o = slurp(out);
	ck_assert_msg(!WIFSIGNALED(status) || WTERMSIG(status) == SIGINT,
	              "watch died of signal %d\nstderr: %s", WTERMSIG(status), e);
	ck_assert_msg(WIFSIGNALED(status) || WEXITSTATUS(status) < 128, "watch exit %d: %s",
	              WEXITSTATUS(status), e);
	ck_assert_msg(said, "no capture error naming the store file within 3 s of the unlink\n"
	              "stdout: %s\nstderr: %s", o, e);
	free(e);
	free(o);
}
END_TEST

/* ---- allocation failures ----------------------------------------------------- */

/* One countdown shared by jansson and SQLite: the allocation that brings
 * it to zero fails (and every later one succeeds: a single fault). */
static long fail_countdown = -1;        /* < 0: never fail */
static bool injected;

static bool should_fail(void)
{
	if (fail_countdown < 0)
		return false;
	if (fail_countdown-- == 0) {
		injected = true;
		return true;
	}
	return false;
}

static void *j_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n);
}

static void j_free(void *p)
{
	free(p);
}

/* SQLite wants the size of an allocation back: keep it in a header. */
#define HDR 16

static void *s_malloc(int n)
{
	if (should_fail())
		return NULL;
	char *p = malloc((size_t)n + HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof n);
	return p + HDR;
}

static void s_free(void *p)
{
	if (p)
		free((char *)p - HDR);
}

static int s_size(void *p)
{
	int n = 0;
	if (p)
		memcpy(&n, (char *)p - HDR, sizeof n);
	return n;
}

static void *s_realloc(void *p, int n)
{
	if (should_fail())
		return NULL;
	char *q = realloc((char *)p - HDR, (size_t)n + HDR);
	if (!q)
		return NULL;
	memcpy(q, &n, sizeof n);
	return q + HDR;
}

static int s_roundup(int n)
{
	return (n + 7) & ~7;
}

static int s_init(void *unused)
{
	(void)unused;
	return SQLITE_OK;
}

static void s_shutdown(void *unused)
{
	(void)unused;
}

static void install_allocators(void)
{
	static const sqlite3_mem_methods methods = {
		s_malloc, s_free, s_realloc, s_size, s_roundup, s_init, s_shutdown, NULL
	};
	ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
	ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &methods), SQLITE_OK);
	json_set_alloc_funcs(j_malloc, j_free);
}

enum op { OP_CREATE, OP_GET, OP_DIFF, OP_EXPORT, OP_VERIFY };
static const char *const op_names[] = { "ss_create", "ss_get", "ss_diff_snapshots",
	                                "ss_export_json", "ss_verify" };

static ss_manager *open_mgr(void)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = store;
	char err[512];
	ss_manager *m = NULL;
	ss_status st = ss_open(&cfg, &m, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open: %s", err);
	return m;
}

/* In a child: open, fail allocation number n during op, check the outcome.
 * The exit codes below say what happened; anything else is a broken
 * promise (a crash, a leak under ASan: LeakSanitizer exits 1, a failure
 * without a message). */
enum {
	EX_NOMEM = 40,          /* failed cleanly with SS_NOMEM */
	EX_OTHER = 41,          /* failed cleanly with another status and a message */
	EX_DONE = 42,           /* succeeded: allocation n never came */
	EX_TOLERATED = 43,      /* succeeded although allocation n failed */
};
static void attempt(enum op op, long n, const int64_t *ids, const char *export_path)
{
	install_allocators();
	ss_manager *m = open_mgr();
	json_t *state = json_pack("{s:i, s:[i,i,i], s:s}", "n", 99, "list", 1, 2, 3, "name", "beta");
	if (!state)
		_exit(3);
	fail_countdown = n;
	injected = false;
	ss_status st = SS_OK;
	json_t *got = NULL;
	ss_diff diff;
	memset(&diff, 0, sizeof diff);
	int64_t a = 0, b = 0;
	switch (op) {
	case OP_CREATE:
		st = ss_create(m, "s", state, NULL, &a);
		break;
	case OP_GET:
		st = ss_get(m, ids[2], &got, NULL);
		break;
	case OP_DIFF:
		st = ss_diff_snapshots(m, ids[0], ids[2], NULL, &diff);
		break;
	case OP_EXPORT:
		{
			ss_query q;
			ss_query_init(&q);
			st = ss_export_json(m, &q, NULL, 0, export_path, false, &a);
		}
		break;
	case OP_VERIFY:
		st = ss_verify(m, NULL, NULL, NULL, &a, &b);
		break;
	}
	fail_countdown = -1;
	bool ok = st == SS_OK;
	if (!ok && ss_errmsg(m)[0] == '\0') {
		fprintf(stderr, "%s, allocation %ld: status %d without a message\n", op_names[op], n, st);
		_exit(4);
	}
	/* Reported, not failed: an allocation failure that surfaces as another
	 * error (see the report printed by fail_every_allocation). */
	if (!ok && st != SS_NOMEM)
		fprintf(stderr, "%s, allocation %ld: %s (status %d)\n", op_names[op], n, ss_errmsg(m), st);
	/* verify must never call a memory failure damage */
	if (op == OP_VERIFY && (st == SS_CORRUPT || b != 0)) {
		fprintf(stderr, "ss_verify, allocation %ld: false damage: %s\n", n, ss_errmsg(m));
		_exit(6);
	}

	json_decref(got);
	ss_diff_clear(&diff);
	json_decref(state);
	ss_close(m);
	/* exit(), not _exit(): ASan's leak check runs (and exits 1 on a leak). */
	exit(ok ? (injected ? EX_TOLERATED : EX_DONE) : st == SS_NOMEM ? EX_NOMEM : EX_OTHER);
}

/* Entries of the test's directory (a failed export must leave none). */
static int dir_entries(void)
{
	DIR *d = opendir(tu_path(""));
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, "s.db", 4) != 0 && strcmp(e->d_name, ".") != 0 &&
		     strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void fail_every_allocation(enum op op)
{
	int64_t ids[3];
	{
		ss_manager *m = open_mgr();
		for (int i = 0; i < 3; i++) {
			json_error_t je;
			json_t *v = json_loads(states[i], 0, &je);
			ck_assert_int_eq(ss_create(m, "s", v, NULL, &ids[i]), SS_OK);
			json_decref(v);
		}
		ss_close(m);
	}
	/* Held in a global: the forked children exit() with it still allocated,
	 * and LeakSanitizer finds it there (not always in a register). */
	static char *before;
	before = store_fingerprint(store);
	char export_path[4200];     /* tu_path()'s buffers are reused */
	snprintf(export_path, sizeof export_path, "%s", tu_path("export.json"));
	int entries = dir_entries();
	long n;
	long failures = 0, other = 0, tolerated = 0;
	char pristine[4200];
	snprintf(pristine, sizeof pristine, "%s", tu_path("pristine.db"));
	copy_file(store, pristine);
	entries++;                  /* pristine.db */
	for (n = 0; n < 100000; n++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			attempt(op, n, ids, export_path);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status), "%s with allocation %ld failing: killed by signal %d",
		              op_names[op], n, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		int code = WEXITSTATUS(status);
		ck_assert_msg(code == EX_NOMEM || code == EX_OTHER || code == EX_DONE || code == EX_TOLERATED,
		              "%s with allocation %ld failing: exit %d (a leak under ASan exits 1)",
		              op_names[op], n, code);
		other += code == EX_OTHER;
		if (code == EX_DONE)
			break;
		if (code == EX_TOLERATED) {
			/* Succeeded despite the failure: undo what it wrote, go on. */
			tolerated++;
			unlink(export_path);
			if (op == OP_CREATE) {
				copy_file(pristine, store);
				unlink(tu_path("s.db-wal"));
				unlink(tu_path("s.db-shm"));
			}
			continue;
		}
		failures++;
		/* A failed operation changed nothing and left nothing behind. */
		if (op == OP_CREATE || n % 32 == 0) {
			char *now = store_fingerprint(store);
			ck_assert_msg(strcmp(before, now) == 0, "%s with allocation %ld failing changed the store",
			              op_names[op], n);
			free(now);
		}
		ck_assert_msg(dir_entries() == entries, "%s with allocation %ld failing left a file",
		              op_names[op], n);
	}
	ck_assert_msg(n < 100000, "%s never succeeded", op_names[op]);
	ck_assert_msg(failures > 0, "%s: no allocation was ever failed", op_names[op]);
	printf("faults: %s: each of its first %ld allocations failed in turn: %ld clean failures "
	       "(%ld of them with another status than SS_NOMEM), %ld tolerated\n", op_names[op], n,
	       failures, other, tolerated);

	/* Afterwards, with the allocators of a fresh process, all is there. */
	ss_manager *m = open_mgr();
	int64_t checked = 0, damaged = 0;
	ck_assert_msg(ss_verify(m, NULL, NULL, NULL, &checked, &damaged) == SS_OK, "verify: %s",
	              ss_errmsg(m));
	ck_assert_int_eq(checked, op == OP_CREATE ? 4 : 3);
	for (int i = 0; i < 3; i++) {
		json_t *v;
		ck_assert_int_eq(ss_get(m, ids[i], &v, NULL), SS_OK);
		json_error_t je;
		json_t *want = json_loads(states[i], 0, &je);
		ck_assert(json_equal(v, want));
		json_decref(want);
		json_decref(v);
	}
	ss_close(m);
	free(before);
}

START_TEST(test_nomem_create) { fail_every_allocation(OP_CREATE); }
END_TEST
START_TEST(test_nomem_get) { fail_every_allocation(OP_GET); }
END_TEST
START_TEST(test_nomem_diff) { fail_every_allocation(OP_DIFF); }
END_TEST
START_TEST(test_nomem_export) { fail_every_allocation(OP_EXPORT); }
END_TEST
START_TEST(test_nomem_verify) { fail_every_allocation(OP_VERIFY); }
END_TEST

Suite *faults_suite(void); /* for check_main.c */

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("damage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_verify_every_flipped_byte_keyframe);
	tcase_add_test(tc, test_verify_every_flipped_byte_delta);
	tcase_add_test(tc, test_verify_missing_base);
	tcase_add_test(tc, test_verify_base_in_other_session);
	tcase_add_test(tc, test_verify_loop);
	tcase_add_test(tc, test_verify_damaged_page);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_full_disk_rlimit);
	tcase_add_test(tc, test_full_disk_tmpfs);
	tcase_add_test(tc, test_read_only_store);
	tcase_add_test(tc, test_store_deleted_under_watch);
	suite_add_tcase(s, tc);

	tc = tcase_create("nomem");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_nomem_create);
	tcase_add_test(tc, test_nomem_get);
	tcase_add_test(tc, test_nomem_diff);
	tcase_add_test(tc, test_nomem_export);
	tcase_add_test(tc, test_nomem_verify);
	suite_add_tcase(s, tc);
	return s;
}
