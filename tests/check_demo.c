/*
 * check_demo.c - ss_demo_fill() over a real SQLite file: the count, times,
 * tags, pin and descriptions of the history; every state read back and
 * verified; the state's shape; the story (failure and recovery, insertions
 * in the middle, the rotating log, the escape sequence and non-ASCII text);
 * that consecutive states differ a little and not wildly; determinism per
 * seed; appending to an existing "demo"; degenerate step counts.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"
#include "testutil.h"

#define END_MS INT64_C(1795000000000)   /* 2026-11-19T...: a fixed clock */
#define STEPS 60
#define HOUR_MS INT64_C(3600000)
#define ESCAPE "\x1b[31m"               /* the raw colour sequence the demo carries */

static void setup(void)
{
	tu_tmpdir();
}

static void teardown(void)
{
	tu_cleanup();
}

static ss_manager *open_store(const char *name, ss_store_type type)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path(name);
	cfg.store_type = type;
	ss_manager *mgr = NULL;
	char err[1024] = "";
	ss_status st = ss_open(&cfg, &mgr, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_open %s: %s", name, err);
	return mgr;
}

static void fill(ss_manager *mgr, int steps, uint64_t seed)
{
	int64_t created = -1;
	ss_status st = ss_demo_fill(mgr, steps, seed, END_MS, &created);
	ck_assert_msg(st == SS_OK, "ss_demo_fill: %s: %s", ss_status_str(st), ss_errmsg(mgr));
	ck_assert_int_eq(created, steps);
}

/* ---- the rows of session "demo", oldest first ---------------------------- */

typedef struct row {
	int64_t id, seq, created_at;
	char checksum[SS_CHECKSUM_HEX_LEN + 1];
	ss_origin origin;
	bool pinned;
	char tags[256];             /* joined with ',' */
	char desc[256];             /* "" when none */
} row;

typedef struct rows {
	row *v;
	size_t n, cap;
} rows;

static int collect(const ss_snapshot *s, void *user_data)
{
	rows *r = user_data;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = realloc(r->v, r->cap * sizeof *r->v);
		ck_assert_ptr_nonnull(r->v);
	}
	row *w = &r->v[r->n++];
	memset(w, 0, sizeof *w);
	w->id = s->id;
	w->seq = s->seq;
	w->created_at = s->created_at;
	memcpy(w->checksum, s->checksum, sizeof w->checksum);
	w->origin = s->origin;
	w->pinned = s->pinned;
	for (size_t i = 0; i < s->n_tags; i++) {
		if (i)
			strncat(w->tags, ",", sizeof w->tags - strlen(w->tags) - 1);
		strncat(w->tags, s->tags[i], sizeof w->tags - strlen(w->tags) - 1);
	}
	if (s->description)
		snprintf(w->desc, sizeof w->desc, "%s", s->description);
	return 0;
}

static rows list_demo(ss_manager *mgr)
{
	ss_query q;
	ss_query_init(&q);
	q.session = "demo";
	q.sort = SS_SORT_TIME;
	rows r = { 0 };
	ss_status st = ss_search(mgr, &q, NULL, collect, &r);
	ck_assert_msg(st == SS_OK, "ss_search: %s", ss_errmsg(mgr));
	return r;
}

static bool has_tag(const row *w, const char *tag)
{
	size_t len = strlen(tag);
	for (const char *p = w->tags; (p = strstr(p, tag)) != NULL; p += len)
		if ((p == w->tags || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/* The state of one snapshot, its checksum recomputed against the metadata's. */
static json_t *state_of(ss_manager *mgr, const row *w)
{
	json_t *state = NULL;
	ss_snapshot meta;
	memset(&meta, 0, sizeof meta);
	ss_status st = ss_get(mgr, w->id, &state, &meta);
	ck_assert_msg(st == SS_OK, "ss_get %lld: %s", (long long)w->id, ss_errmsg(mgr));
	ck_assert_str_eq(meta.checksum, w->checksum);
	char hex[SS_CHECKSUM_HEX_LEN + 1];
	ck_assert_int_eq(ss_checksum_json(state, hex), SS_OK);
	ck_assert_str_eq(hex, w->checksum);
	ss_snapshot_clear(&meta);
	return state;
}

static const char *str_at(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* Index of the element of `arr` whose `field` is `value`; -1 when absent. */
static int find_by(const json_t *arr, const char *field, const char *value)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (strcmp(str_at(v, field), value) == 0)
			return (int)i;
	return -1;
}

/* The same, with the identity given as a JSON value (ids may be numbers). */
static int find_same(const json_t *arr, const char *field, const json_t *value)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_equal(json_object_get(v, field), (json_t *)value))
			return (int)i;
	return -1;
}

/* ---- a small structural diff, to measure how much a step changes --------- */

static int leaf_changes(const json_t *a, const json_t *b);

static const char *identity_field(const json_t *arr)
{
	static const char *const fields[] = { "id", "key", "name" };
	json_t *first = json_array_get(arr, 0);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		json_t *v = json_object_get(first, fields[i]);
		if (json_is_string(v) || json_is_integer(v))
			return fields[i];
	}
	return NULL;
}

/* Arrays of objects with an identity are matched by it (as the product's
 * diff does), so an insertion or a dropped message counts as one change,
 * not a cascade. */
static int array_changes(const json_t *a, const json_t *b)
{
	const char *idf = identity_field(json_array_size(a) ? a : b);
	int n = 0;
	size_t i;
	json_t *v;
	if (!idf) {
		size_t na = json_array_size(a), nb = json_array_size(b);
		for (i = 0; i < (na > nb ? na : nb); i++)
			n += leaf_changes(json_array_get(a, i), json_array_get(b, i));
		return n;
	}
	json_array_foreach(a, i, v) {
		int j = find_same(b, idf, json_object_get(v, idf));
		n += j < 0 ? 1 : leaf_changes(v, json_array_get(b, (size_t)j));
	}
	json_array_foreach(b, i, v)
		n += find_same(a, idf, json_object_get(v, idf)) < 0;
	return n;
}

static int leaf_changes(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return a != b;
	if (json_typeof(a) != json_typeof(b))
		return 1;
	if (json_is_object(a)) {
		int n = 0;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v)
			n += leaf_changes(v, json_object_get(b, k));
		json_object_foreach((json_t *)b, k, v)
			n += json_object_get(a, k) == NULL;
		return n;
	}
	if (json_is_array(a))
		return array_changes(a, b);
	return !json_equal((json_t *)a, (json_t *)b);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_count_times_and_marks)
{
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	fill(mgr, STEPS, 42);

	ss_query q;
	ss_query_init(&q);
	q.session = "demo";
	int64_t count = 0;
	ck_assert_int_eq(ss_count(mgr, &q, &count), SS_OK);
	ck_assert_int_eq(count, STEPS);

	ss_session sess;
	ck_assert_int_eq(ss_session_info(mgr, "demo", &sess), SS_OK);
	ck_assert_int_eq(sess.count, STEPS);
	ck_assert_int_eq(sess.last_at, END_MS);
	ss_session_clear(&sess);

	rows r = list_demo(mgr);
	ck_assert_uint_eq(r.n, STEPS);
	/* The newest is at end_ms exactly; the oldest minutes to hours before. */
	ck_assert_int_eq(r.v[r.n - 1].created_at, END_MS);
	ck_assert_int_gt(r.v[0].created_at, END_MS - 12 * HOUR_MS);
	ck_assert_int_lt(r.v[0].created_at, END_MS - 10 * 60 * 1000);
	int tagged = 0, pinned = 0, described = 0, manual = 0, automatic = 0;
	for (size_t i = 0; i < r.n; i++) {
		const row *w = &r.v[i];
		ck_assert_int_eq(w->seq, (int64_t)i + 1);
		if (i > 0) {
			int64_t gap = w->created_at - r.v[i - 1].created_at;
			ck_assert_int_ge(gap, 1000);                /* seconds ... */
			ck_assert_int_le(gap, 10 * 60 * 1000);      /* ... to minutes */
		}
		tagged += w->tags[0] != '\0';
		pinned += w->pinned;
		described += w->desc[0] != '\0';
		manual += w->origin == SS_ORIGIN_MANUAL;
		automatic += w->origin == SS_ORIGIN_AUTO;
	}
	ck_assert_int_ge(tagged, 3);
	ck_assert_int_eq(pinned, 1);
	ck_assert_int_ge(described, 3);
	ck_assert_int_ge(manual, 1);
	ck_assert_int_gt(automatic, STEPS / 2);

	ck_assert(has_tag(&r.v[0], "baseline"));
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].pinned) {
			ck_assert(has_tag(&r.v[i], "incident"));
			ck_assert_msg(strstr(r.v[i].desc, "failed") != NULL, "pinned: %s", r.v[i].desc);
		}
	}
	ck_assert_str_eq(r.v[r.n - 1].desc, "all tasks done");

	q.tags = (const char *const[]){ "deploy" };
	q.n_tags = 1;
	ck_assert_int_eq(ss_count(mgr, &q, &count), SS_OK);
	ck_assert_int_eq(count, 1);
	free(r.v);
	ss_close(mgr);
}
END_TEST

static void check_shape(const json_t *state)
{
	static const char *const agent_status[] = { "idle", "working", "blocked", "failed", "done", NULL };
	static const char *const task_status[] = { "pending", "running", "done", "failed", NULL };

	ck_assert(json_is_object(json_object_get(state, "system")));
	const json_t *agents = json_object_get(state, "agents");
	ck_assert_uint_eq(json_array_size(agents), 6);
	size_t i;
	json_t *v;
	json_array_foreach(agents, i, v) {
		ck_assert_str_ne(str_at(v, "id"), "");
		ck_assert_str_ne(str_at(v, "name"), "");
		ck_assert_str_ne(str_at(v, "role"), "");
		ck_assert_msg(one_of(str_at(v, "status"), agent_status), "agent status %s",
		              str_at(v, "status"));
		json_t *cur = json_object_get(v, "current_task");
		ck_assert(json_is_null(cur) || json_is_string(cur));
		json_t *m = json_object_get(v, "metrics");
		ck_assert(json_is_integer(json_object_get(m, "tasks_done")));
		ck_assert(json_is_integer(json_object_get(m, "tokens_used")));
		ck_assert(json_is_number(json_object_get(m, "avg_latency_ms")));
		double er = json_number_value(json_object_get(m, "error_rate"));
		ck_assert(er >= 0.0 && er <= 1.0);
		ck_assert(json_is_string(json_object_get(v, "last_heartbeat")));
	}

	const json_t *tasks = json_object_get(state, "tasks");
	ck_assert_uint_ge(json_array_size(tasks), 1);
	json_array_foreach(tasks, i, v) {
		const char *status = str_at(v, "status");
		ck_assert_msg(one_of(status, task_status), "task status %s", status);
		ck_assert_str_ne(str_at(v, "title"), "");
		double p = json_real_value(json_object_get(v, "progress"));
		ck_assert(json_is_real(json_object_get(v, "progress")));
		ck_assert(p >= 0.0 && p <= 1.0);
		ck_assert(json_is_integer(json_object_get(v, "attempts")));
		json_t *to = json_object_get(v, "assigned_to");
		ck_assert(json_is_null(to) || json_is_string(to));
		json_t *result = json_object_get(v, "result");
		if (strcmp(status, "done") == 0) {
			ck_assert(p == 1.0);
			ck_assert_str_ne(str_at(result, "summary"), "");
			ck_assert(json_is_array(json_object_get(result, "artifacts")));
		} else {
			ck_assert_ptr_null(result);
		}
		ck_assert_int_eq(strcmp(status, "failed") == 0,
		                 json_is_string(json_object_get(v, "error")));
	}

	/* Memory entries stay sorted by key. */
	const json_t *memory = json_object_get(state, "memory");
	ck_assert_uint_ge(json_array_size(memory), 1);
	json_array_foreach(memory, i, v) {
		ck_assert(json_object_get(v, "value") != NULL);
		ck_assert_str_ne(str_at(v, "written_by"), "");
		json_t *ttl = json_object_get(v, "ttl");
		ck_assert(json_is_null(ttl) || json_is_integer(ttl));
		if (i > 0)
			ck_assert_int_lt(strcmp(str_at(json_array_get(memory, i - 1), "key"),
			                        str_at(v, "key")), 0);
	}

	const json_t *comms = json_object_get(state, "communications");
	ck_assert_uint_ge(json_array_size(comms), 1);
	ck_assert_uint_le(json_array_size(comms), 20);
	json_array_foreach(comms, i, v) {
		ck_assert_str_ne(str_at(v, "from"), "");
		ck_assert_str_ne(str_at(v, "to"), "");
		ck_assert_str_ne(str_at(v, "text"), "");
	}

	const json_t *res = json_object_get(state, "resources");
	ck_assert(json_is_number(json_object_get(res, "cpu")));
	ck_assert(json_is_integer(json_object_get(res, "memory_mb")));
	ck_assert(json_is_integer(json_object_get(res, "queue_depth")));
	ck_assert(json_is_array(json_object_get(res, "rate_limits")));
}

START_TEST(test_read_back_and_shape)
{
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	fill(mgr, STEPS, 42);
	rows r = list_demo(mgr);
	ss_close(mgr);

	/* Reopened: the states come from the file, not from anything in memory. */
	mgr = open_store("store.db", SS_STORE_TYPE_DISK);
	for (size_t i = 0; i < r.n; i++) {
		json_t *state = state_of(mgr, &r.v[i]);
		check_shape(state);
		size_t len = 0;
		char *doc = ss_json_dump(state, 0, &len);
		ck_assert_ptr_nonnull(doc);
		ck_assert_msg(len >= 4 * 1024 && len <= 32 * 1024, "step %zu: %zu bytes", i + 1, len);
		free(doc);
		/* The capture time and the state's own clock agree. */
		char when[40];
		ss_time_format_utc(r.v[i].created_at, when, sizeof when);
		ck_assert_str_eq(str_at(json_object_get(state, "system"), "captured_at"), when);
		json_decref(state);
	}

	int64_t checked = 0, damaged = -1;
	ss_status st = ss_verify(mgr, "demo", NULL, NULL, &checked, &damaged);
	ck_assert_msg(st == SS_OK, "ss_verify: %s: %s", ss_status_str(st), ss_errmsg(mgr));
	ck_assert_int_eq(checked, STEPS);
	ck_assert_int_eq(damaged, 0);
	free(r.v);
	ss_close(mgr);
}
END_TEST

static bool has_escape(const json_t *state)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(state, "communications"), i, m)
		if (strstr(str_at(m, "text"), ESCAPE))
			return true;
	return false;
}

static bool has_non_ascii(const json_t *state)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(state, "tasks"), i, t)
		for (const unsigned char *p = (const unsigned char *)str_at(t, "title"); *p; p++)
			if (*p >= 0x80)
				return true;
	return false;
}

/* True when `next` holds an element (by `field`) that `prev` lacks, placed
 * before the last position: an insertion in the middle. */
static bool inserted_in_middle(const json_t *prev, const json_t *next, const char *field)
{
	size_t i;
	json_t *v;
	json_array_foreach(next, i, v)
		if (i + 1 < json_array_size(next) && find_by(prev, field, str_at(v, field)) < 0)
			return true;
	return false;
}

START_TEST(test_story)
{
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	fill(mgr, STEPS, 42);
	rows r = list_demo(mgr);

	bool escape = false, non_ascii = false, task_inserted = false, memory_inserted = false;
	bool log_rotated = false, some_done = false, running = false;
	int failed_at = -1, recovered_at = -1;
	json_t *prev = NULL;
	for (size_t i = 0; i < r.n; i++) {
		json_t *state = state_of(mgr, &r.v[i]);
		escape |= has_escape(state);
		non_ascii |= has_non_ascii(state);
		const json_t *planner2 = json_array_get(json_object_get(state, "agents"), 1);
		ck_assert_str_eq(str_at(planner2, "name"), "planner-2");
		if (failed_at < 0 && strcmp(str_at(planner2, "status"), "failed") == 0)
			failed_at = (int)i;
		if (failed_at >= 0 && recovered_at < 0 && strcmp(str_at(planner2, "status"), "failed") != 0)
			recovered_at = (int)i;
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(state, "tasks"), k, t) {
			some_done |= strcmp(str_at(t, "status"), "done") == 0;
			running |= strcmp(str_at(t, "status"), "running") == 0;
		}
		if (prev) {
			task_inserted |= inserted_in_middle(json_object_get(prev, "tasks"),
			                                    json_object_get(state, "tasks"), "id");
			memory_inserted |= inserted_in_middle(json_object_get(prev, "memory"),
			                                      json_object_get(state, "memory"), "key");
			json_int_t first_prev = json_integer_value(
				json_object_get(json_array_get(json_object_get(prev, "communications"), 0), "id"));
			json_int_t first_now = json_integer_value(
				json_object_get(json_array_get(json_object_get(state, "communications"), 0), "id"));
			ck_assert_int_ge(first_now, first_prev);
			log_rotated |= first_now > first_prev;
		}
		json_decref(prev);
		prev = state;
	}

	ck_assert_msg(escape, "no message carries the raw escape sequence");
	ck_assert_msg(non_ascii, "no task title outside ASCII");
	ck_assert_msg(task_inserted, "no task inserted in the middle of the list");
	ck_assert_msg(memory_inserted, "no memory entry inserted in the middle");
	ck_assert_msg(log_rotated, "the message log never dropped its oldest entry");
	ck_assert(some_done && running);
	ck_assert_int_ge(failed_at, 1);
	ck_assert_int_gt(recovered_at, failed_at);
	ck_assert_msg(r.v[failed_at].pinned, "the failure's snapshot is the pinned one");

	/* The end: every task done, every agent signed off. */
	size_t k;
	json_t *t;
	json_array_foreach(json_object_get(prev, "tasks"), k, t)
		ck_assert_str_eq(str_at(t, "status"), "done");
	json_array_foreach(json_object_get(prev, "agents"), k, t)
		ck_assert_str_eq(str_at(t, "status"), "done");
	json_decref(prev);
	free(r.v);
	ss_close(mgr);
}
END_TEST

START_TEST(test_steps_change_a_little)
{
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	fill(mgr, STEPS, 42);
	rows r = list_demo(mgr);

	json_t *prev = state_of(mgr, &r.v[0]);
	int total = 0, small = 0;
	for (size_t i = 1; i < r.n; i++) {
		json_t *state = state_of(mgr, &r.v[i]);
		ck_assert_str_ne(r.v[i].checksum, r.v[i - 1].checksum);
		/* The same agents in the same order; few change status at once. */
		const json_t *pa = json_object_get(prev, "agents"), *na = json_object_get(state, "agents");
		int status_changes = 0;
		for (size_t a = 0; a < json_array_size(na); a++) {
			ck_assert_str_eq(str_at(json_array_get(pa, a), "id"), str_at(json_array_get(na, a), "id"));
			status_changes += strcmp(str_at(json_array_get(pa, a), "status"),
			                         str_at(json_array_get(na, a), "status")) != 0;
		}
		/* Most tasks survive a step. */
		const json_t *pt = json_object_get(prev, "tasks"), *nt = json_object_get(state, "tasks");
		size_t kept = 0, k;
		json_t *t;
		json_array_foreach(pt, k, t)
			kept += find_by(nt, "id", str_at(t, "id")) >= 0;
		ck_assert_uint_ge(kept + 2, json_array_size(pt));
		ck_assert_str_eq(str_at(json_object_get(prev, "system"), "name"),
		                 str_at(json_object_get(state, "system"), "name"));

		int changes = leaf_changes(prev, state);
		ck_assert_int_ge(changes, 1);
		if (i + 1 < r.n) {      /* the last step finishes everything at once */
			int most = r.v[i].tags[0] ? 6 : 4;     /* an incident moves more at once */
			ck_assert_int_le(status_changes, most);
			ck_assert_msg(changes <= 60, "step %zu changes %d leaves", i + 1, changes);
			total += changes;
			small += changes <= 20;
		}
		json_decref(prev);
		prev = state;
	}
	json_decref(prev);
	/* Typically a dozen leaves or so per step (a message appended and the
	 * oldest dropped, a progress, a heartbeat, tokens, the gauges). */
	ck_assert_int_le(total / (int)(r.n - 2), 20);
	ck_assert_int_ge(small, (int)(r.n - 2) / 2);
	free(r.v);
	ss_close(mgr);
}
END_TEST

START_TEST(test_deterministic_per_seed)
{
	ss_manager *a = open_store("a.db", SS_STORE_TYPE_HYBRID);
	ss_manager *b = open_store("b.db", SS_STORE_TYPE_DISK);
	ss_manager *c = open_store("c.db", SS_STORE_TYPE_HYBRID);
	fill(a, STEPS, 7);
	fill(b, STEPS, 7);
	fill(c, STEPS, 8);
	rows ra = list_demo(a), rb = list_demo(b), rc = list_demo(c);
	ck_assert_uint_eq(ra.n, STEPS);
	ck_assert_uint_eq(rb.n, STEPS);
	ck_assert_uint_eq(rc.n, STEPS);
	size_t differ = 0;
	for (size_t i = 0; i < ra.n; i++) {
		ck_assert_str_eq(ra.v[i].checksum, rb.v[i].checksum);
		ck_assert_int_eq(ra.v[i].created_at, rb.v[i].created_at);
		ck_assert_str_eq(ra.v[i].tags, rb.v[i].tags);
		ck_assert_str_eq(ra.v[i].desc, rb.v[i].desc);
		ck_assert_int_eq(ra.v[i].pinned, rb.v[i].pinned);
		ck_assert_int_eq(ra.v[i].origin, rb.v[i].origin);
		differ += strcmp(ra.v[i].checksum, rc.v[i].checksum) != 0;
	}
	ck_assert_uint_eq(differ, STEPS);
	ck_assert_int_eq(rc.v[rc.n - 1].created_at, END_MS);
	ck_assert_int_ne(ra.v[0].created_at, rc.v[0].created_at);
	free(ra.v);
	free(rb.v);
	free(rc.v);
	ss_close(a);
	ss_close(b);
	ss_close(c);
}
END_TEST

/* A listing of n snapshots in time order, numbered 1..n, with one pin. */
static void check_timeline(const rows *r, size_t n)
{
	ck_assert_uint_eq(r->n, n);
	int pinned = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (i > 0)
			ck_assert_int_gt(r->v[i].created_at, r->v[i - 1].created_at);
		ck_assert_int_eq(r->v[i].seq, (int64_t)i + 1);
		pinned += r->v[i].pinned;
	}
	ck_assert_int_eq(pinned, 1);
}

START_TEST(test_append_continues_the_timeline)
{
	/* Earlier history well before: the new run keeps its own gaps. */
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	int64_t created = 0;
	ck_assert_int_eq(ss_demo_fill(mgr, 20, 1, END_MS - 24 * HOUR_MS, &created), SS_OK);
	fill(mgr, 20, 2);
	rows r = list_demo(mgr);
	check_timeline(&r, 40);
	ck_assert_int_eq(r.v[19].created_at, END_MS - 24 * HOUR_MS);
	ck_assert_int_eq(r.v[39].created_at, END_MS);
	ck_assert(has_tag(&r.v[20], "baseline"));
	for (size_t i = 0; i < r.n; i++)
		json_decref(state_of(mgr, &r.v[i]));
	free(r.v);
	ss_close(mgr);
}
END_TEST

START_TEST(test_append_fits_between)
{
	/* The new run would overlap: it is squeezed in after the newest
	 * snapshot and still ends at end_ms. */
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	ck_assert_int_eq(ss_demo_fill(mgr, 20, 1, END_MS - 5 * 60 * 1000, NULL), SS_OK);
	fill(mgr, 20, 2);
	rows r = list_demo(mgr);
	check_timeline(&r, 40);
	ck_assert_int_eq(r.v[19].created_at, END_MS - 5 * 60 * 1000);
	ck_assert_int_eq(r.v[39].created_at, END_MS);
	free(r.v);
	ss_close(mgr);
}
END_TEST

START_TEST(test_append_after_when_no_room)
{
	/* Filled up to end_ms already: the new run starts after it. */
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	fill(mgr, 20, 1);
	fill(mgr, 20, 2);
	rows r = list_demo(mgr);
	check_timeline(&r, 40);
	ck_assert_int_eq(r.v[19].created_at, END_MS);
	ck_assert_int_ge(r.v[20].created_at, END_MS + 60 * 1000);
	for (size_t i = 0; i < r.n; i++)
		json_decref(state_of(mgr, &r.v[i]));
	free(r.v);
	ss_close(mgr);
}
END_TEST

START_TEST(test_short_runs_tell_the_story)
{
	static const int lengths[] = { 1, 2, 3, 5, 8 };
	for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
		ss_manager *mgr = open_store("unused", SS_STORE_TYPE_MEMORY);
		fill(mgr, lengths[k], 99);
		rows r = list_demo(mgr);
		ck_assert_uint_eq(r.n, (size_t)lengths[k]);
		ck_assert_int_eq(r.v[r.n - 1].created_at, END_MS);
		int pinned = 0;
		bool escape = false;
		for (size_t i = 0; i < r.n; i++) {
			pinned += r.v[i].pinned;
			json_t *state = state_of(mgr, &r.v[i]);
			check_shape(state);
			escape |= has_escape(state);
			json_decref(state);
		}
		ck_assert_int_eq(pinned, 1);
		ck_assert(escape);
		ck_assert(has_tag(&r.v[0], "baseline"));
		ck_assert_msg(strstr(r.v[r.n - 1].desc, "all tasks done") != NULL, "%d steps: %s",
		              lengths[k], r.v[r.n - 1].desc);
		free(r.v);
		ss_close(mgr);
	}
}
END_TEST

START_TEST(test_degenerate_arguments)
{
	ss_manager *mgr = open_store("store.db", SS_STORE_TYPE_HYBRID);
	int64_t created = -1;
	ck_assert_int_eq(ss_demo_fill(mgr, 0, 1, END_MS, &created), SS_OK);
	ck_assert_int_eq(created, 0);
	ss_session sess;
	ck_assert_int_eq(ss_session_info(mgr, "demo", &sess), SS_NOT_FOUND);

	created = -1;
	ck_assert_int_eq(ss_demo_fill(mgr, -3, 1, END_MS, &created), SS_USAGE);
	ck_assert_int_eq(created, 0);
	ck_assert_str_ne(ss_errmsg(mgr), "");

	/* An end too close to the epoch for the history is refused, not wrapped. */
	ck_assert_int_eq(ss_demo_fill(mgr, 50, 1, 1000, NULL), SS_USAGE);
	ck_assert_str_ne(ss_errmsg(mgr), "");
	ck_assert_int_eq(ss_session_info(mgr, "demo", &sess), SS_NOT_FOUND);

	/* created may be NULL. */
	ck_assert_int_eq(ss_demo_fill(mgr, 3, 1, END_MS, NULL), SS_OK);
	ck_assert_int_eq(ss_session_info(mgr, "demo", &sess), SS_OK);
	ck_assert_int_eq(sess.count, 3);
	ss_session_clear(&sess);
	ss_close(mgr);
}
END_TEST

/* Declared for -Wmissing-prototypes; check_main.c declares it from suites.h. */
Suite *demo_suite(void);

Suite *demo_suite(void)
{
	Suite *s = suite_create("demo");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_count_times_and_marks);
	tcase_add_test(tc, test_read_back_and_shape);
	tcase_add_test(tc, test_story);
	tcase_add_test(tc, test_steps_change_a_little);
	tcase_add_test(tc, test_deterministic_per_seed);
	tcase_add_test(tc, test_append_continues_the_timeline);
	tcase_add_test(tc, test_append_fits_between);
	tcase_add_test(tc, test_append_after_when_no_room);
	tcase_add_test(tc, test_short_runs_tell_the_story);
	tcase_add_test(tc, test_degenerate_arguments);
	suite_add_tcase(s, tc);
	return s;
}
