/*
 * check_delta.c - snapshots stored as deltas: every snapshot reads back
 * exactly (from a fresh manager, no cache), keyframes come when the policy
 * says, deleting any snapshot leaves every other readable, change counts,
 * value history against a brute-force walk, session configuration and the
 * snapshot diff with session ignore rules.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"
#include "testutil.h"

static ss_manager *mgr;
static char err[1024];

static ss_manager *open_type(ss_store_type type, int keyframe_every)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = tu_path("delta.db");
	cfg.store_type = type;
	cfg.keyframe_every = keyframe_every;
	ss_manager *m = NULL;
	ck_assert_msg(ss_open(&cfg, &m, err, sizeof err) == SS_OK, "ss_open: %s", err);
	return m;
}

static void setup(void)
{
	tu_tmpdir();
	mgr = open_type(SS_STORE_TYPE_HYBRID, 5);
}

static void teardown(void)
{
	ss_close(mgr);
	mgr = NULL;
	tu_cleanup();
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state += 0x9E3779B97F4A7C15u;
	uint64_t z = rng_state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* A state of records and counters, big enough that a delta pays. */
static json_t *initial_state(void)
{
	json_t *root = json_object();
	json_t *items = json_array();
	for (int i = 0; i < 40; i++)
		json_array_append_new(items, json_pack("{s:i, s:s, s:i, s:[i,i]}", "id", i, "status", "idle",
		                                       "count", i * 3, "pos", i, -i));
	json_object_set_new(root, "items", items);
	json_object_set_new(root, "meta", json_pack("{s:s, s:i}", "name", "fleet", "version", 1));
	json_object_set_new(root, "log", json_array());
	return root;
}

/* A few changes of the kinds real states see. */
static void mutate(json_t *root, int step)
{
	json_t *items = json_object_get(root, "items");
	size_t n = json_array_size(items);
	switch (rnd() % 6) {
	case 0:
		json_object_set_new(json_array_get(items, rnd() % n), "status",
		                    json_string(rnd() % 2 ? "busy" : "failed"));
		break;
	case 1:
		json_array_insert_new(items, rnd() % (n + 1),
		                      json_pack("{s:i, s:s, s:i}", "id", 1000 + step, "status", "new", "count", 0));
		break;
	case 2:
		if (n > 5)
			json_array_remove(items, rnd() % n);
		break;
	case 3:
		json_object_set_new(json_object_get(root, "meta"), "version", json_integer(step));
		break;
	case 4: {
		json_t *log = json_object_get(root, "log");
		json_array_append_new(log, json_sprintf("event %d", step));
		if (json_array_size(log) > 6)
			json_array_remove(log, 0);
		break;
	}
	default:
		json_object_set_new(json_array_get(items, rnd() % n), "count", json_integer((json_int_t)(rnd() % 100)));
		break;
	}
}

/* Capture `steps` states of one evolving document; keep copies of each. */
static void capture_series(const char *session, int steps, json_t **states, int64_t *ids)
{
	json_t *cur = initial_state();
	for (int i = 0; i < steps; i++) {
		if (i)
			mutate(cur, i);
		states[i] = json_deep_copy(cur);
		ss_create_opts opts = { .created_at = 1700000000000 + i * 1000 };
		ck_assert_msg(ss_create(mgr, session, cur, &opts, &ids[i]) == SS_OK, "create: %s",
		              ss_errmsg(mgr));
	}
	json_decref(cur);
}

/* Every snapshot still present reads back equal to what was captured, from
 * a fresh manager without a cache. */
static void assert_all_readable(int steps, json_t **states, int64_t *ids, const bool *deleted)
{
	ss_manager *fresh = open_type(SS_STORE_TYPE_DISK, 5);
	for (int i = 0; i < steps; i++) {
		if (deleted && deleted[i])
			continue;
		json_t *got = NULL;
		ss_status st = ss_get(fresh, ids[i], &got, NULL);
		ck_assert_msg(st == SS_OK, "snapshot %d: %s", i, ss_errmsg(fresh));
		ck_assert_msg(json_equal(got, states[i]), "snapshot %d differs", i);
		json_decref(got);
	}
	int64_t checked, damaged;
	ck_assert_msg(ss_verify(fresh, NULL, NULL, NULL, &checked, &damaged) == SS_OK, "verify: %s",
	              ss_errmsg(fresh));
	ck_assert_int_eq(damaged, 0);
	ss_close(fresh);
}

static void free_states(int steps, json_t **states)
{
	for (int i = 0; i < steps; i++)
		json_decref(states[i]);
}

enum { STEPS = 40 };

START_TEST(test_round_trip_and_policy)
{
	rng_state = 1;
	json_t *states[STEPS];
	int64_t ids[STEPS];
	capture_series("s", STEPS, states, ids);
	assert_all_readable(STEPS, states, ids, NULL);

	int keyframes = 0, run = 0, max_run = 0;
	for (int i = 0; i < STEPS; i++) {
		ss_snapshot meta;
		ck_assert_int_eq(ss_get(mgr, ids[i], NULL, &meta), SS_OK);
		if (meta.kind == SS_KIND_KEYFRAME) {
			keyframes++;
			run = 0;
		} else {
			ck_assert_int_eq(meta.base_id, ids[i - 1]);
			run++;
			max_run = run > max_run ? run : max_run;
		}
		ck_assert_int_lt(meta.stored_size, meta.raw_size);
		ss_snapshot_clear(&meta);
	}
	ck_assert_int_le(max_run, 4);       /* keyframe_every = 5: at most 4 deltas in a row */
	ck_assert_int_ge(keyframes, STEPS / 5);
	ss_stats stats;
	ck_assert_int_eq(ss_stats_get(mgr, "s", &stats), SS_OK);
	ck_assert_int_eq(stats.keyframes, keyframes);
	ck_assert_int_eq(stats.deltas, STEPS - keyframes);
	free_states(STEPS, states);
}
END_TEST

START_TEST(test_change_counts)
{
	json_t *v = json_pack("{s:i, s:i, s:i}", "a", 1, "b", 2, "c", 3);
	int64_t id;
	ck_assert_int_eq(ss_create(mgr, "c", v, NULL, &id), SS_OK);
	json_object_set_new(v, "a", json_integer(10));      /* ~1 */
	json_object_del(v, "b");                             /* -1 */
	json_object_set_new(v, "d", json_integer(4));       /* +1 */
	json_object_set_new(v, "e", json_integer(5));       /* +1 */
	ck_assert_int_eq(ss_create(mgr, "c", v, NULL, &id), SS_OK);
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, id, NULL, &meta), SS_OK);
	ck_assert_int_eq(meta.n_added, 2);
	ck_assert_int_eq(meta.n_removed, 1);
	ck_assert_int_eq(meta.n_changed, 1);
	ss_snapshot_clear(&meta);
	json_decref(v);
}
END_TEST

/* Delete each position in turn (keyframes, the middle of a chain, the ends)
 * from a fresh series: everything else stays readable. */
START_TEST(test_delete_any_position)
{
	enum { N = 13 };
	for (int victim = 0; victim < N; victim++) {
		ss_close(mgr);
		tu_cleanup();
		tu_tmpdir();
		mgr = open_type(SS_STORE_TYPE_HYBRID, 5);
		rng_state = 7 + (uint64_t)victim;
		json_t *states[N];
		int64_t ids[N];
		capture_series("d", N, states, ids);
		ck_assert_msg(ss_delete(mgr, ids[victim]) == SS_OK, "delete %d: %s", victim, ss_errmsg(mgr));
		bool deleted[N] = { false };
		deleted[victim] = true;
		assert_all_readable(N, states, ids, deleted);
		/* Capture goes on after a delete (the head may have been the victim). */
		json_t *next = json_deep_copy(states[N - 1]);
		mutate(next, 99);
		int64_t id;
		ck_assert_int_eq(ss_create(mgr, "d", next, NULL, &id), SS_OK);
		json_t *got;
		ss_manager *fresh = open_type(SS_STORE_TYPE_DISK, 5);
		ck_assert_int_eq(ss_get(fresh, id, &got, NULL), SS_OK);
		ck_assert(json_equal(got, next));
		json_decref(got);
		ss_close(fresh);
		json_decref(next);
		free_states(N, states);
	}
}
END_TEST

START_TEST(test_delete_random_until_empty)
{
	rng_state = 99;
	json_t *states[STEPS];
	int64_t ids[STEPS];
	capture_series("r", STEPS, states, ids);
	bool deleted[STEPS] = { false };
	for (int left = STEPS; left > 0; left--) {
		int k;
		do
			k = (int)(rnd() % STEPS);
		while (deleted[k]);
		ck_assert_msg(ss_delete(mgr, ids[k]) == SS_OK, "delete: %s", ss_errmsg(mgr));
		deleted[k] = true;
		if (left % 7 == 0)
			assert_all_readable(STEPS, states, ids, deleted);
	}
	free_states(STEPS, states);
}
END_TEST

START_TEST(test_reopen_continues_chain)
{
	json_t *v = initial_state();
	int64_t a, b;
	ck_assert_int_eq(ss_create(mgr, "o", v, NULL, &a), SS_OK);
	ss_close(mgr);
	mgr = open_type(SS_STORE_TYPE_HYBRID, 5);
	mutate(v, 1);
	ck_assert_int_eq(ss_create(mgr, "o", v, NULL, &b), SS_OK);
	ss_snapshot meta;
	ck_assert_int_eq(ss_get(mgr, b, NULL, &meta), SS_OK);
	ck_assert_int_eq(meta.kind, SS_KIND_DELTA);
	ck_assert_int_eq(meta.base_id, a);
	ss_snapshot_clear(&meta);
	json_decref(v);
}
END_TEST

START_TEST(test_whole_replacement_is_a_keyframe)
{
	for (int i = 0; i < 4; i++) {
		json_t *v = json_pack("{s:[i,i,i,i,i,i,i,i]}", "all", i, i + 1, i + 2, i + 3, i + 4, i + 5,
		                      i + 6, i + 7);
		int64_t id;
		ck_assert_int_eq(ss_create(mgr, "k", v, NULL, &id), SS_OK);
		ss_snapshot meta;
		ck_assert_int_eq(ss_get(mgr, id, NULL, &meta), SS_OK);
		ck_assert_int_eq(meta.kind, SS_KIND_KEYFRAME);  /* the patch would cost more than the state */
		ss_snapshot_clear(&meta);
		json_decref(v);
	}
}
END_TEST

struct hist {
	int64_t ids[STEPS];
	ss_change_kind kinds[STEPS];
	size_t n;
};

static int on_history(const ss_history_entry *e, void *user_data)
{
	struct hist *h = user_data;
	h->ids[h->n] = e->snapshot_id;
	h->kinds[h->n] = e->kind;
	h->n++;
	return 0;
}

/* History against a brute-force walk over full states, for several paths. */
START_TEST(test_history_matches_brute_force)
{
	rng_state = 5;
	json_t *states[STEPS];
	int64_t ids[STEPS];
	capture_series("h", STEPS, states, ids);
	const char *paths[] = { ".meta.version", ".items[3].status", ".items[0]", ".log[0]",
	                        "/items/7/count", ".nothing.here", ".items" };
	for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
		ss_path path = { 0 };
		ck_assert_int_eq(ss_path_parse(paths[p], &path, err, sizeof err), SS_OK);
		struct hist got = { .n = 0 };
		ck_assert_msg(ss_history(mgr, "h", &path, on_history, &got) == SS_OK, "history: %s",
		              ss_errmsg(mgr));
		struct hist want = { .n = 0 };
		json_t *prev = NULL;
		for (int i = 0; i < STEPS; i++) {
			json_t *now = ss_path_get(states[i], &path);
			if ((!prev) != (!now) || (now && !json_equal(prev, now))) {
				want.ids[want.n] = ids[i];
				want.kinds[want.n] = !prev ? SS_CHANGE_ADDED : !now ? SS_CHANGE_REMOVED
				                                                  : SS_CHANGE_CHANGED;
				want.n++;
			}
			prev = now;
		}
		ck_assert_msg(got.n == want.n, "%s: %zu changes, expected %zu", paths[p], got.n, want.n);
		for (size_t i = 0; i < got.n; i++) {
			ck_assert_int_eq(got.ids[i], want.ids[i]);
			ck_assert_int_eq(got.kinds[i], want.kinds[i]);
		}
		ss_path_clear(&path);
	}
	free_states(STEPS, states);
}
END_TEST

START_TEST(test_session_config_and_ignore)
{
	ss_session_config cfg = { 0 };
	char *ignore[] = { (char *)".meta.version", (char *)".items[*].count" };
	cfg.ignore = ignore;
	cfg.n_ignore = 2;
	cfg.keyframe_every = 3;
	cfg.max_age_ms = 86400000;
	ck_assert_int_eq(ss_session_config_set(mgr, "cfg", &cfg), SS_OK);
	ss_session_config back;
	ck_assert_int_eq(ss_session_config_get(mgr, "cfg", &back), SS_OK);
	ck_assert_uint_eq(back.n_ignore, 2);
	ck_assert_str_eq(back.ignore[1], ".items[*].count");
	ck_assert_int_eq(back.keyframe_every, 3);
	ck_assert_int_eq(back.max_age_ms, 86400000);
	ss_session_config_clear(&back);

	char *bad[] = { (char *)"not a path" };
	cfg.ignore = bad;
	cfg.n_ignore = 1;
	ck_assert_int_eq(ss_session_config_set(mgr, "cfg", &cfg), SS_USAGE);
	ck_assert_int_eq(ss_session_config_get(mgr, "none", &back), SS_NOT_FOUND);

	json_t *v = initial_state();
	int64_t a, b;
	ck_assert_int_eq(ss_create(mgr, "cfg", v, NULL, &a), SS_OK);
	json_object_set_new(json_object_get(v, "meta"), "version", json_integer(2));
	json_object_set_new(json_array_get(json_object_get(v, "items"), 4), "count", json_integer(77));
	json_object_set_new(json_array_get(json_object_get(v, "items"), 4), "status", json_string("busy"));
	ck_assert_int_eq(ss_create(mgr, "cfg", v, NULL, &b), SS_OK);
	ss_diff d;
	ck_assert_int_eq(ss_diff_snapshots(mgr, a, b, NULL, &d), SS_OK);
	ck_assert_uint_eq(d.n, 1);          /* only the status: version and count are ignored */
	char *where = ss_path_format_jq(&d.changes[0].path);
	ck_assert_str_eq(where, ".items[4].status");
	free(where);
	ss_diff_clear(&d);
	/* Without session rules the version change counts. */
	ck_assert_int_eq(ss_create(mgr, "plain", v, NULL, &a), SS_OK);
	json_object_set_new(json_object_get(v, "meta"), "version", json_integer(3));
	ck_assert_int_eq(ss_create(mgr, "plain", v, NULL, &b), SS_OK);
	ck_assert_int_eq(ss_diff_snapshots(mgr, a, b, NULL, &d), SS_OK);
	ck_assert_uint_eq(d.n, 1);
	ss_diff_clear(&d);
	json_decref(v);
}
END_TEST

Suite *delta_suite(void); /* for check_main.c, through suites.h */

Suite *delta_suite(void)
{
	Suite *s = suite_create("delta");
	TCase *tc = tcase_create("delta");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_round_trip_and_policy);
	tcase_add_test(tc, test_change_counts);
	tcase_add_test(tc, test_delete_any_position);
	tcase_add_test(tc, test_delete_random_until_empty);
	tcase_add_test(tc, test_reopen_continues_chain);
	tcase_add_test(tc, test_whole_replacement_is_a_keyframe);
	tcase_add_test(tc, test_history_matches_brute_force);
	tcase_add_test(tc, test_session_config_and_ignore);
	suite_add_tcase(s, tc);
	return s;
}
