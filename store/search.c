/*
 * search.c - ss_store_search and ss_store_count: one WHERE clause built from
 * constant fragments (every value bound, never spliced), keyset paging over
 * the sort's index, and rows handed to the caller while SQLite steps, so a
 * million-row session pages without ever being loaded.
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fragments a query uses; the bit set names the SQL text exactly. */
enum {
	SH_SESSION = 1u << 0,
	SH_SINCE = 1u << 1,
	SH_UNTIL = 1u << 2,
	SH_TAGS_ANY = 1u << 3,
	SH_TAGS_ALL = 1u << 4,
	SH_TEXT = 1u << 5,
	SH_PINNED = 1u << 6,
	SH_TAGGED = 1u << 7,
	SH_CURSOR = 1u << 8,
	SH_REVERSE = 1u << 9,
	SH_COUNT = 1u << 10,
	SH_SORT_SHIFT = 11,         /* two bits of ss_sort */
};

/* The sort keys; the changes sum matches the indexes' expression. */
static const char *const sort_key[] = {
	[SS_SORT_TIME] = "s.created_at",
	[SS_SORT_SIZE] = "s.raw_size",
	[SS_SORT_CHANGES] = "(s.n_added + s.n_removed + s.n_changed)",
};

static unsigned query_shape(const ss_query *q, const ss_cursor *cursor, bool count)
{
	unsigned shape = 0;
	if (q->session)
		shape |= SH_SESSION;
	if (q->since != SS_TIME_NONE)
		shape |= SH_SINCE;
	if (q->until != SS_TIME_NONE)
		shape |= SH_UNTIL;
	if (q->n_tags > 0)
		shape |= q->tags_all ? SH_TAGS_ALL : SH_TAGS_ANY;
	if (q->text && *q->text)
		shape |= SH_TEXT;
	if (q->pinned_only)
		shape |= SH_PINNED;
	if (q->tagged_only)
		shape |= SH_TAGGED;
	if (count)
		return shape | SH_COUNT;
	if (cursor && cursor->started)
		shape |= SH_CURSOR;
	if (q->reverse)
		shape |= SH_REVERSE;
	return shape | ((unsigned)q->sort << SH_SORT_SHIFT);
}

struct sql_buf {
	char text[4096];
	size_t len;
	bool overflow;
};

static void add(struct sql_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n >= sizeof b->text) {
		b->overflow = true;
		return;
	}
	memcpy(b->text + b->len, s, n + 1);
	b->len += n;
}

/* The SQL for a shape: only constant text goes in; values are :parameters. */
static bool build_sql(unsigned shape, struct sql_buf *b)
{
	b->len = 0;
	b->overflow = false;
	b->text[0] = '\0';
	ss_sort sort = (ss_sort)((shape >> SH_SORT_SHIFT) & 3u);
	const char *key = sort_key[sort];
	bool desc = (shape & SH_REVERSE) != 0;

	if (shape & SH_COUNT)
		add(b, "SELECT count(*) FROM snapshots s WHERE 1");
	else
		add(b, "SELECT " STORE_SNAPSHOT_COLUMNS " FROM snapshots s WHERE 1");
	/* An unknown session name gives NULL, which matches nothing. */
	if (shape & SH_SESSION)
		add(b, " AND s.session_id = (SELECT id FROM sessions WHERE name = :session)");
	if (shape & SH_SINCE)
		add(b, " AND s.created_at >= :since");
	if (shape & SH_UNTIL)
		add(b, " AND s.created_at <= :until");
	/* Tags are probed per row through the (snapshot_id, tag) key, which stays
	 * cheap however common the tag is while the scan follows the sort index. */
	if (shape & SH_TAGS_ANY)
		add(b, " AND EXISTS (SELECT 1 FROM tags t WHERE t.snapshot_id = s.id"
		       " AND t.tag IN (SELECT value FROM json_each(:tags)))");
	if (shape & SH_TAGS_ALL)
		add(b, " AND (SELECT count(*) FROM tags t WHERE t.snapshot_id = s.id"
		       " AND t.tag IN (SELECT value FROM json_each(:tags)))"
		       " = (SELECT count(DISTINCT value) FROM json_each(:tags))");
	/* instr, not LIKE: % and _ in the text are literal.  lower() folds ASCII
	 * only, which is the documented behaviour. */
	if (shape & SH_TEXT)
		add(b, " AND (instr(lower(coalesce(s.description, '')), lower(:text)) > 0"
		       " OR EXISTS (SELECT 1 FROM tags t WHERE t.snapshot_id = s.id"
		       " AND instr(lower(t.tag), lower(:text)) > 0))");
	if (shape & SH_PINNED)
		add(b, " AND s.pinned = 1");
	if (shape & SH_TAGGED)
		add(b, " AND EXISTS (SELECT 1 FROM tags t WHERE t.snapshot_id = s.id)");
	if (shape & SH_COUNT)
		return !b->overflow;
	if (shape & SH_CURSOR) {
		/* The row value comparison is the exact position; the redundant
		 * single bound before it is what lets SQLite 3.40 start an index
		 * range on the changes expression (it does not derive one from a
		 * row value over an expression index), so page N never rescans
		 * pages 1..N-1. */
		add(b, " AND ");
		add(b, key);
		add(b, desc ? " <= :ckey AND (" : " >= :ckey AND (");
		add(b, key);
		add(b, desc ? ", s.id) < (:ckey, :cid)" : ", s.id) > (:ckey, :cid)");
	}
	add(b, " ORDER BY ");
	add(b, key);
	add(b, desc ? " DESC, s.id DESC" : ", s.id");
	add(b, " LIMIT :limit OFFSET :offset");
	return !b->overflow;
}

/* Tags as a JSON array of strings for json_each(): only '"', '\\' and
 * control characters need escaping; other bytes pass through as they are,
 * so a tag matches exactly the bytes stored.  Caller frees; NULL for memory. */
static char *tags_json(const char *const *tags, size_t n)
{
	size_t cap = 3;
	for (size_t i = 0; i < n; i++)
		cap += strlen(tags[i]) * 6 + 3;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t len = 0;
	out[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			out[len++] = ',';
		out[len++] = '"';
		for (const unsigned char *p = (const unsigned char *)tags[i]; *p; p++) {
			if (*p == '"' || *p == '\\') {
				out[len++] = '\\';
				out[len++] = (char)*p;
			} else if (*p < 0x20) {
				len += (size_t)snprintf(out + len, cap - len, "\\u%04x", *p);
			} else {
				out[len++] = (char)*p;
			}
		}
		out[len++] = '"';
	}
	out[len++] = ']';
	out[len] = '\0';
	return out;
}

/* Bind a named parameter when the statement has it. */
static int bind_text(sqlite3_stmt *stmt, const char *name, const char *value)
{
	int i = sqlite3_bind_parameter_index(stmt, name);
	return i ? sqlite3_bind_text(stmt, i, value, -1, SQLITE_STATIC) : SQLITE_OK;
}

static int bind_int(sqlite3_stmt *stmt, const char *name, int64_t value)
{
	int i = sqlite3_bind_parameter_index(stmt, name);
	return i ? sqlite3_bind_int64(stmt, i, value) : SQLITE_OK;
}

/* Bind every value of the query; `tags` is the JSON made by tags_json.
 * Returns the first failing bind's code. */
static int bind_query(sqlite3_stmt *stmt, const ss_query *q, const ss_cursor *cursor,
                      const char *tags)
{
	int rc = SQLITE_OK;
	if (q->session)
		rc = bind_text(stmt, ":session", q->session);
	if (rc == SQLITE_OK)
		rc = bind_int(stmt, ":since", q->since);
	if (rc == SQLITE_OK)
		rc = bind_int(stmt, ":until", q->until);
	if (rc == SQLITE_OK && tags)
		rc = bind_text(stmt, ":tags", tags);
	if (rc == SQLITE_OK && q->text)
		rc = bind_text(stmt, ":text", q->text);
	if (rc == SQLITE_OK && cursor)
		rc = bind_int(stmt, ":ckey", cursor->key);
	if (rc == SQLITE_OK && cursor)
		rc = bind_int(stmt, ":cid", cursor->id);
	if (rc == SQLITE_OK)
		rc = bind_int(stmt, ":limit", q->limit > 0 ? q->limit : -1);
	if (rc == SQLITE_OK)
		rc = bind_int(stmt, ":offset", q->offset > 0 ? q->offset : 0);
	return rc;
}

/*
 * A prepared statement for `shape` from the handle's small cache.  A slot in
 * use (a row callback searching again) is never handed out twice; when every
 * slot is busy the statement is private and *slot is NULL; either way
 * search_stmt_done() gives it back.  NULL with *status set on failure.
 */
static sqlite3_stmt *search_stmt(ss_store *st, unsigned shape, struct store_search_slot **slot,
                                 ss_status *status)
{
	*slot = NULL;
	for (size_t i = 0; i < STORE_SEARCH_CACHE; i++) {
		struct store_search_slot *s = &st->search[i];
		if (s->stmt && s->shape == shape && !s->in_use) {
			s->in_use = true;
			*slot = s;
			return s->stmt;
		}
	}
	struct sql_buf sql;
	if (!build_sql(shape, &sql)) {
		*status = store_error(st, SS_INTERNAL, "search statement too long");
		return NULL;
	}
	struct store_search_slot *victim = NULL;
	for (size_t i = 0; i < STORE_SEARCH_CACHE && !victim; i++) {
		size_t k = (st->search_next + i) % STORE_SEARCH_CACHE;
		if (!st->search[k].in_use)
			victim = &st->search[k];
	}
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v3(st->db, sql.text, -1, victim ? SQLITE_PREPARE_PERSISTENT : 0,
	                            &stmt, NULL);
	if (rc != SQLITE_OK) {
		*status = store_fail(st, rc, "preparing a search");
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (victim) {
		st->search_next = (unsigned)((victim - st->search) + 1) % STORE_SEARCH_CACHE;
		sqlite3_finalize(victim->stmt);
		victim->stmt = stmt;
		victim->shape = shape;
		victim->in_use = true;
		*slot = victim;
	}
	return stmt;
}

static void search_stmt_done(sqlite3_stmt *stmt, struct store_search_slot *slot)
{
	if (slot) {
		store_stmt_done(stmt);
		slot->in_use = false;
	} else {
		sqlite3_finalize(stmt);
	}
}

static int64_t row_key(const ss_snapshot *row, ss_sort sort)
{
	switch (sort) {
	case SS_SORT_SIZE:
		return row->raw_size;
	case SS_SORT_CHANGES:
		return row->n_added + row->n_removed + row->n_changed;
	case SS_SORT_TIME:
	default:
		return row->created_at;
	}
}

static ss_status check_query(ss_store *st, const ss_query *q)
{
	if ((unsigned)q->sort > SS_SORT_CHANGES)
		return store_error(st, SS_USAGE, "unknown sort order %d", (int)q->sort);
	for (size_t i = 0; i < q->n_tags; i++)
		if (!q->tags[i])
			return store_error(st, SS_USAGE, "search tag %zu is missing", i);
	return SS_OK;
}

/* Prepare and bind the statement of a search or count.  On failure returns
 * NULL with the status set; *tags then is NULL. */
static sqlite3_stmt *prepare_query(ss_store *st, const ss_query *q, const ss_cursor *cursor,
                                   bool count, struct store_search_slot **slot, char **tags,
                                   ss_status *status)
{
	*tags = NULL;
	*status = check_query(st, q);
	if (*status != SS_OK)
		return NULL;
	if (q->n_tags > 0 && !(*tags = tags_json(q->tags, q->n_tags))) {
		*status = store_error(st, SS_NOMEM, "out of memory building a search");
		return NULL;
	}
	sqlite3_stmt *stmt = search_stmt(st, query_shape(q, cursor, count), slot, status);
	if (!stmt) {
		free(*tags);
		*tags = NULL;
		return NULL;
	}
	int rc = bind_query(stmt, q, cursor, *tags);
	if (rc != SQLITE_OK) {
		*status = store_fail(st, rc, "binding a search");
		search_stmt_done(stmt, *slot);
		free(*tags);
		*tags = NULL;
		return NULL;
	}
	return stmt;
}

/* Rows already handed out stay handed out: on failure the cursor is at the
 * last of them, so a retry continues from there. */
ss_status ss_store_search(ss_store *st, const ss_query *q, ss_cursor *cursor,
                          ss_row_fn fn, void *user_data)
{
	struct store_search_slot *slot;
	char *tags;
	ss_status status;
	sqlite3_stmt *stmt = prepare_query(st, q, cursor, false, &slot, &tags, &status);
	if (!stmt)
		return status;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ss_snapshot row;
		status = store_read_snapshot(st, stmt, &row);
		if (status != SS_OK)
			break;
		if (cursor) {
			cursor->started = true;
			cursor->key = row_key(&row, q->sort);
			cursor->id = row.id;
		}
		int stop = fn(&row, user_data);
		ss_snapshot_clear(&row);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (status == SS_OK && rc != SQLITE_DONE)
		status = store_fail(st, rc, "searching %s", q->session ? q->session : "the store");
	search_stmt_done(stmt, slot);
	free(tags);
	return status;
}

ss_status ss_store_count(ss_store *st, const ss_query *q, int64_t *count)
{
	struct store_search_slot *slot;
	char *tags;
	ss_status status;
	sqlite3_stmt *stmt = prepare_query(st, q, NULL, true, &slot, &tags, &status);
	if (!stmt)
		return status;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(stmt, 0);
	else
		status = store_fail(st, rc, "counting %s", q->session ? q->session : "the store");
	search_stmt_done(stmt, slot);
	free(tags);
	return status;
}
