/*
 * store.c - the store handle: opening (create, recognise, initialise or
 * migrate, then configure), closing, the statement cache, error reporting,
 * transactions, data_version and the default path.
 *
 * Opening never writes to a file before it is recognised as ours (or as an
 * empty database): a foreign SQLite database or a garbage file is left byte
 * for byte as it was.
 */
#include "ss_store.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* ---- errors ---------------------------------------------------------------- */

ss_status store_status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return SS_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SS_BUSY;
	case SQLITE_READONLY:
		return SS_READONLY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return SS_CORRUPT;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return SS_IO;
	case SQLITE_NOMEM:
		return SS_NOMEM;
	case SQLITE_TOOBIG:
		return SS_LIMIT;
	case SQLITE_CONSTRAINT:
		return SS_USAGE;    /* the caller passed rows that do not fit together */
	default:
		return SS_INTERNAL;
	}
}

ss_status store_error(ss_store *st, ss_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
	return status;
}

/* Writes the message for `rc` into buf; `what` is the caller's context. */
static void describe_failure(char *buf, size_t size, sqlite3 *db, const char *path,
                             int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(buf, size, "store busy: another process is writing %s (%s)", path, what);
		break;
	case SQLITE_READONLY:
		snprintf(buf, size, "store is read-only: %s (%s)", path, what);
		break;
	case SQLITE_FULL:
		snprintf(buf, size, "disk full writing %s (%s)", path, what);
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		snprintf(buf, size, "%s: store is corrupt (%s: %s)", path, what,
		         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		break;
	default:
		snprintf(buf, size, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		break;
	}
}

ss_status store_fail(ss_store *st, int rc, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	describe_failure(st->errmsg, sizeof st->errmsg, st->db, st->path, rc, what);
	ss_status status = store_status_of(rc);
	return status == SS_OK ? SS_INTERNAL : status;
}

const char *ss_store_errmsg(const ss_store *st)
{
	return st ? st->errmsg : "";
}

const char *ss_store_path(const ss_store *st)
{
	return st->path;
}

/* ---- statement cache ------------------------------------------------------- */

sqlite3_stmt *store_stmt(ss_store *st, store_stmt_id id, const char *sql, ss_status *status)
{
	if (!st->stmts[id]) {
		int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		                            &st->stmts[id], NULL);
		if (rc != SQLITE_OK) {
			ss_status s = store_fail(st, rc, "preparing a statement");
			if (status)
				*status = s;
			st->stmts[id] = NULL;
			return NULL;
		}
	}
	return st->stmts[id];
}

void store_stmt_done(sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Run a cached statement that returns no rows (transaction control). */
static int run_simple(ss_store *st, store_stmt_id id, const char *sql)
{
	sqlite3_stmt *stmt = store_stmt(st, id, sql, NULL);
	if (!stmt)
		return sqlite3_errcode(st->db) ? sqlite3_errcode(st->db) : SQLITE_ERROR;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		rc = SQLITE_OK;
	/* Reset only after the caller has read sqlite3_errmsg(): store_fail does. */
	return rc;
}

/* ---- transactions ---------------------------------------------------------- */

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT ss_op";
static const char sql_release[] = "RELEASE ss_op";
static const char sql_rollback_to[] = "ROLLBACK TO ss_op";

/* The ROLLBACK statement, prepared before any transaction begins: once one
 * is open it must be possible to end it even when memory has run out
 * (preparing allocates; stepping a prepared ROLLBACK does not need to). */
static ss_status rollback_ready(ss_store *st)
{
	ss_status status = SS_OK;
	store_stmt(st, STMT_ROLLBACK, sql_rollback, &status);
	return status;
}

ss_status ss_store_begin(ss_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		return store_error(st, SS_USAGE, "a transaction is already open on %s", st->path);
	/* BEGIN IMMEDIATE succeeds on a read-only connection (it takes no lock
	 * there); say so now rather than at the first write. */
	if (st->readonly || sqlite3_db_readonly(st->db, "main") == 1)
		return store_error(st, SS_READONLY, "store is read-only: %s", st->path);
	ss_status ready = rollback_ready(st);
	if (ready != SS_OK)
		return ready;
	int rc = run_simple(st, STMT_BEGIN, sql_begin);
	ss_status status = rc == SQLITE_OK ? SS_OK : store_fail(st, rc, "beginning a transaction");
	store_stmt_done(st->stmts[STMT_BEGIN]);
	return status;
}

/* On failure the transaction is rolled back, so nothing of it remains. */
ss_status ss_store_commit(ss_store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return store_error(st, SS_USAGE, "no transaction is open on %s", st->path);
	int rc = run_simple(st, STMT_COMMIT, sql_commit);
	ss_status status = rc == SQLITE_OK ? SS_OK : store_fail(st, rc, "committing");
	store_stmt_done(st->stmts[STMT_COMMIT]);
	if (status != SS_OK)
		ss_store_rollback(st);
	return status;
}

/* Never fails visibly; a no-op outside a transaction. */
void ss_store_rollback(ss_store *st)
{
	if (!st || sqlite3_get_autocommit(st->db))
		return;
	run_simple(st, STMT_ROLLBACK, sql_rollback);
	store_stmt_done(st->stmts[STMT_ROLLBACK]);
}

/*
 * A deferred BEGIN takes its read snapshot at the first read and keeps it
 * until the end, whatever other connections commit (WAL): what an export
 * reads between its first page and its last is one state of the store.  It
 * works on a read-only connection too, where BEGIN IMMEDIATE would not mean
 * anything.
 */
static const char sql_read_begin[] = "BEGIN DEFERRED";

ss_status ss_store_read_begin(ss_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		return store_error(st, SS_USAGE, "a transaction is already open on %s", st->path);
	ss_status ready = rollback_ready(st);
	if (ready != SS_OK)
		return ready;
	int rc = run_simple(st, STMT_READ_BEGIN, sql_read_begin);
	ss_status status = rc == SQLITE_OK ? SS_OK : store_fail(st, rc, "beginning a read transaction");
	store_stmt_done(st->stmts[STMT_READ_BEGIN]);
	return status;
}

/* Ends it by rollback: nothing was written, and a rollback cannot fail the
 * way a commit can (busy), which a reader has no use for. */
void ss_store_read_end(ss_store *st)
{
	ss_store_rollback(st);
}

ss_status store_tx_begin(ss_store *st, store_tx *tx)
{
	tx->savepoint = !sqlite3_get_autocommit(st->db);
	if (!tx->savepoint)
		return ss_store_begin(st);
	int rc = run_simple(st, STMT_SAVEPOINT, sql_savepoint);
	ss_status status = rc == SQLITE_OK ? SS_OK : store_fail(st, rc, "opening a savepoint");
	store_stmt_done(st->stmts[STMT_SAVEPOINT]);
	return status;
}

ss_status store_tx_commit(ss_store *st, store_tx *tx)
{
	if (!tx->savepoint)
		return ss_store_commit(st);
	int rc = run_simple(st, STMT_RELEASE, sql_release);
	ss_status status = rc == SQLITE_OK ? SS_OK : store_fail(st, rc, "releasing a savepoint");
	store_stmt_done(st->stmts[STMT_RELEASE]);
	if (status != SS_OK)
		store_tx_rollback(st, tx);
	return status;
}

void store_tx_rollback(ss_store *st, store_tx *tx)
{
	if (!tx->savepoint) {
		ss_store_rollback(st);
		return;
	}
	/* SQLite may already have rolled the whole transaction back (disk full,
	 * out of memory); then there is no savepoint left to undo. */
	if (sqlite3_get_autocommit(st->db))
		return;
	run_simple(st, STMT_ROLLBACK_TO, sql_rollback_to);
	store_stmt_done(st->stmts[STMT_ROLLBACK_TO]);
	run_simple(st, STMT_RELEASE, sql_release);
	store_stmt_done(st->stmts[STMT_RELEASE]);
}

ss_status ss_store_data_version(ss_store *st, int64_t *version)
{
	ss_status status = SS_OK;
	sqlite3_stmt *stmt = store_stmt(st, STMT_DATA_VERSION, "PRAGMA data_version", &status);
	if (!stmt)
		return status;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int64(stmt, 0);
	else
		status = store_fail(st, rc, "reading data_version");
	store_stmt_done(stmt);
	return status;
}

void ss_store_set_busy_timeout(ss_store *st, int timeout_ms)
{
	sqlite3_busy_timeout(st->db, timeout_ms < 0 ? 0 : timeout_ms);
}

/* ---- default path ---------------------------------------------------------- */

static char *join_path(const char *dir, const char *rest)
{
	size_t n = strlen(dir) + strlen(rest) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, rest);
	return p;
}

/* NULL when no variable names a place, or out of memory. */
char *ss_store_default_path(void)
{
	const char *env = getenv("SNAPSCOPE_STORE");
	if (env && *env)
		return strdup(env);
	/* The XDG spec says a relative XDG_DATA_HOME is invalid and to be ignored. */
	env = getenv("XDG_DATA_HOME");
	if (env && env[0] == '/')
		return join_path(env, "snapscope/store.db");
	env = getenv("HOME");
	if (env && *env)
		return join_path(env, ".local/share/snapscope/store.db");
	return NULL;
}

/* ---- opening --------------------------------------------------------------- */

/* mkdir -p of the directory part of `path`, new directories mode 0700.
 * Returns 0, or -1 with errno set. */
static int make_parent_dirs(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return -1;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			free(dir);
			errno = e;
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return 0;
}

/* Create `path` as an empty file of mode 0600 ourselves, so that SQLite
 * (which copies the database's mode to -wal and -shm) never makes it with
 * the umask's default.  An existing file (a race with another process) is
 * fine; a symlink in its place is not followed. */
static ss_status create_file(const char *path, char *err, size_t err_size)
{
	if (make_parent_dirs(path) != 0) {
		snprintf(err, err_size, "%s: cannot create its directory: %s", path, strerror(errno));
		return SS_IO;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		snprintf(err, err_size, "%s: cannot create: %s", path, strerror(errno));
		return SS_IO;
	}
	if (fd >= 0)
		close(fd);
	return SS_OK;
}

/* What the file is, read without writing anything. */
struct store_identity {
	int64_t application_id;
	int64_t user_version;
	int64_t objects;            /* entries in sqlite_master */
};

static int read_identity(sqlite3 *db, struct store_identity *id)
{
	static const char sql[] =
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_master)";
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			id->application_id = sqlite3_column_int64(stmt, 0);
			id->user_version = sqlite3_column_int64(stmt, 1);
			id->objects = sqlite3_column_int64(stmt, 2);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Bring a recognised file to the current schema: mark an empty database as
 * ours and apply the migrations above its version, all in one transaction.
 * The identity is read again under the write lock because another process
 * may have initialised or migrated the file since we first looked.
 */
static ss_status upgrade(ss_store *st)
{
	ss_status status = ss_store_begin(st);
	if (status != SS_OK)
		return status;
	struct store_identity id;
	int rc = read_identity(st->db, &id);
	if (rc != SQLITE_OK) {
		status = store_fail(st, rc, "reading the store's header");
		goto fail;
	}
	if (id.application_id == 0 && id.objects == 0 && id.user_version == 0) {
		char *msg = NULL;
		rc = sqlite3_exec(st->db, store_claim_sql, NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			status = store_fail(st, rc, "marking the new store");
			sqlite3_free(msg);
			goto fail;
		}
	} else if (id.application_id != SS_STORE_APPLICATION_ID) {
		status = store_error(st, SS_NOT_STORE, "%s: not a snapscope store (changed while opening)",
		                     st->path);
		goto fail;
	}
	if (id.user_version < SS_STORE_SCHEMA_VERSION) {
		status = store_migrate(st, id.user_version);
		if (status != SS_OK)
			goto fail;
	}
	return ss_store_commit(st);
fail:
	ss_store_rollback(st);
	return status;
}

/*
 * Decide what the file is before writing to it.  SS_OK with *needs_upgrade
 * telling whether upgrade() must run; SS_NOT_STORE / SS_VERSION / errors
 * otherwise, with nothing written.
 */
static ss_status recognise(ss_store *st, bool *needs_upgrade)
{
	struct store_identity id;
	int rc = read_identity(st->db, &id);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return store_error(st, SS_NOT_STORE, "%s: not a snapscope store (not an SQLite database)",
		                   st->path);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "reading the store's header");
	if (id.application_id == SS_STORE_APPLICATION_ID) {
		if (id.user_version > SS_STORE_SCHEMA_VERSION)
			return store_error(st, SS_VERSION,
			                   "%s: store schema version %lld is newer than this snapscope (%d)",
			                   st->path, (long long)id.user_version, SS_STORE_SCHEMA_VERSION);
		*needs_upgrade = id.user_version < SS_STORE_SCHEMA_VERSION;
		return SS_OK;
	}
	if (id.application_id == 0 && id.objects == 0 && id.user_version == 0) {
		*needs_upgrade = true;
		return SS_OK;
	}
	if (id.application_id != 0)
		return store_error(st, SS_NOT_STORE,
		                   "%s: not a snapscope store (SQLite database with application_id 0x%08llx)",
		                   st->path, (unsigned long long)(uint32_t)id.application_id);
	return store_error(st, SS_NOT_STORE,
	                   "%s: not a snapscope store (another SQLite database: %lld schema objects)",
	                   st->path, (long long)id.objects);
}

/* Connection settings, applied once the file is known to be ours. */
static ss_status configure(ss_store *st, bool memory)
{
	char *msg = NULL;
	int rc;
	/* WAL lets readers (the UI) and one writer (capture) work at once.
	 * Setting it needs a write, hence not for a read-only handle. */
	if (!memory && !st->readonly) {
		rc = sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg);
		sqlite3_free(msg);
		if (rc != SQLITE_OK)
			return store_fail(st, rc, "setting journal_mode=WAL");
	}
	/* NORMAL is durable across application crashes in WAL mode and loses at
	 * most the last commits on power loss; a snapshot tool can accept that.
	 * Every multi-statement write is a savepoint inside the caller's
	 * transaction, whose statement journal otherwise goes to a temporary
	 * file: in memory it halves the cost of a bulk insert (import).  The
	 * larger page cache (32 MiB at most, used only as needed) keeps the
	 * indexes of a big import from spilling into the WAL mid-transaction. */
	rc = sqlite3_exec(st->db,
	                  "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
	                  " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768",
	                  NULL, NULL, &msg);
	sqlite3_free(msg);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "configuring the connection");
	return SS_OK;
}

/*
 * A WAL store on a read-only file system (a read-only mount or bind) cannot
 * be opened the ordinary way when its -shm file does not exist: SQLite would
 * have to create it (SQLITE_CANTOPEN).  Nothing can write the file through
 * this mount, so it is opened again as immutable (no locks, no -shm):
 * reading works, and every write is refused as read-only (exit 4).  Only
 * then: with a -shm present (a writer elsewhere) the ordinary open works and
 * sees that writer's commits.  SQLITE_OK when reopened.
 */
static int reopen_immutable(ss_store *st)
{
	struct statvfs fs;
	if ((sqlite3_errcode(st->db) & 0xff) != SQLITE_CANTOPEN || statvfs(st->path, &fs) != 0 ||
	    !(fs.f_flag & ST_RDONLY))
		return SQLITE_CANTOPEN;
	/* A URI only here, built from the path with every byte outside
	 * [A-Za-z0-9/._~-] percent-encoded: the path stays a path. */
	size_t n = strlen(st->path);
	char *uri = malloc(3 * n + 32);
	if (!uri)
		return SQLITE_NOMEM;
	char *p = uri + sprintf(uri, "file:");
	for (const unsigned char *c = (const unsigned char *)st->path; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    strchr("/._~-", *c))
			*p++ = (char)*c;
		else
			p += sprintf(p, "%%%02X", *c);
	}
	strcpy(p, "?immutable=1");
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX |
	                         SQLITE_OPEN_EXRESCODE, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return rc;
	}
	sqlite3_close(st->db);
	st->db = db;
	st->readonly = true;
	sqlite3_busy_timeout(st->db, SS_STORE_BUSY_TIMEOUT_MS);
	return SQLITE_OK;
}

ss_status ss_store_open(const char *path, unsigned flags, ss_store **out,
                        char *err, size_t err_size)
{
	*out = NULL;
	if (err_size > 0)
		err[0] = '\0';
	if (!path || !*path) {
		snprintf(err, err_size, "no store path given");
		return SS_USAGE;
	}
	bool memory = strcmp(path, SS_STORE_MEMORY) == 0;
	bool readonly = (flags & SS_STORE_READONLY) != 0;
	if (memory && readonly) {
		snprintf(err, err_size, "an in-memory store cannot be read-only");
		return SS_USAGE;
	}

	if (!memory) {
		struct stat sb;
		if (stat(path, &sb) != 0) {
			if (errno != ENOENT) {
				snprintf(err, err_size, "%s: %s", path, strerror(errno));
				return SS_IO;
			}
			if (!(flags & SS_STORE_CREATE) || readonly) {
				snprintf(err, err_size, "no store at %s", path);
				return SS_NOT_FOUND;
			}
			ss_status status = create_file(path, err, err_size);
			if (status != SS_OK)
				return status;
		} else if (S_ISDIR(sb.st_mode)) {
			snprintf(err, err_size, "%s: is a directory, not a store", path);
			return SS_NOT_STORE;
		}
	}

	ss_store *st = calloc(1, sizeof *st);
	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, err_size, "out of memory opening %s", path);
		return SS_NOMEM;
	}
	st->readonly = readonly;

	/* Never SQLITE_OPEN_CREATE for a file: it exists now (we made it with
	 * the right mode) or opening must fail.  No SQLITE_OPEN_URI: the path
	 * is a path, never "file:...?options".  NOMUTEX: a handle belongs to one
	 * thread (the capture thread opens its own). */
	int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	if (memory)
		oflags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY;
	else
		oflags |= readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	ss_status status;
	if (rc != SQLITE_OK) {
		status = store_fail(st, rc, "opening %s", path);
		goto fail;
	}
	/* The busy timeout is a connection setting (nothing is written), needed
	 * already while recognising: another process may be writing. */
	sqlite3_busy_timeout(st->db, SS_STORE_BUSY_TIMEOUT_MS);

	bool needs_upgrade = false;
	status = recognise(st, &needs_upgrade);
	if (status != SS_OK && !memory && reopen_immutable(st) == SQLITE_OK) {
		readonly = true;
		status = recognise(st, &needs_upgrade);
	}
	if (status != SS_OK)
		goto fail;
	if (needs_upgrade) {
		if (readonly) {
			status = store_error(st, SS_READONLY,
			                     "%s: the store needs initialising or migrating; open it writable once",
			                     path);
			goto fail;
		}
		status = upgrade(st);
		if (status != SS_OK)
			goto fail;
	}
	status = configure(st, memory);
	if (status != SS_OK)
		goto fail;
	*out = st;
	return SS_OK;
fail:
	snprintf(err, err_size, "%s", st->errmsg);
	ss_store_close(st);
	return status;
}

void ss_store_close(ss_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < STMT_COUNT_; i++)
		sqlite3_finalize(st->stmts[i]);
	for (size_t i = 0; i < STORE_SEARCH_CACHE; i++)
		sqlite3_finalize(st->search[i].stmt);
	/* Everything is finalised, so close succeeds and (for the last
	 * connection) checkpoints and removes -wal and -shm. */
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}
