/* check_cache.c - the LRU state cache, against a simple reference model. */
#include <check.h>
#include <stdlib.h>

#include "cache.h"

START_TEST(test_put_get)
{
	ss_cache *c = ss_cache_new(100);
	json_t *v = json_integer(7);
	ck_assert_int_eq(ss_cache_put(c, 1, v, 10), 0);
	json_t *got = ss_cache_get(c, 1);
	ck_assert_ptr_eq(got, v);
	json_decref(got);
	ck_assert_ptr_null(ss_cache_get(c, 2));
	ck_assert_uint_eq(ss_cache_count(c), 1);
	ck_assert_uint_eq(ss_cache_bytes(c), 10);
	json_decref(v);
	ss_cache_free(c);
}
END_TEST

START_TEST(test_evicts_least_recently_used)
{
	ss_cache *c = ss_cache_new(30);
	for (int64_t id = 1; id <= 3; id++) {
		json_t *v = json_integer(id);
		ss_cache_put(c, id, v, 10);
		json_decref(v);
	}
	json_decref(ss_cache_get(c, 1));        /* 1 becomes the newest; 2 the oldest */
	json_t *v = json_integer(4);
	ss_cache_put(c, 4, v, 10);
	json_decref(v);
	ck_assert_ptr_null(ss_cache_get(c, 2));
	json_t *one = ss_cache_get(c, 1);
	ck_assert_ptr_nonnull(one);
	json_decref(one);
	ck_assert_uint_eq(ss_cache_bytes(c), 30);
	ss_cache_free(c);
}
END_TEST

START_TEST(test_oversized_and_replace)
{
	ss_cache *c = ss_cache_new(50);
	json_t *big = json_string("big");
	ck_assert_int_eq(ss_cache_put(c, 1, big, 51), 0);
	ck_assert_ptr_null(ss_cache_get(c, 1));
	ck_assert_uint_eq(ss_cache_bytes(c), 0);
	ss_cache_put(c, 1, big, 20);
	ss_cache_put(c, 1, big, 30);            /* replacing re-counts the cost */
	ck_assert_uint_eq(ss_cache_count(c), 1);
	ck_assert_uint_eq(ss_cache_bytes(c), 30);
	ss_cache_remove(c, 1);
	ck_assert_uint_eq(ss_cache_bytes(c), 0);
	ss_cache_remove(c, 1);                  /* removing a missing id is harmless */
	json_decref(big);
	ss_cache_free(c);
}
END_TEST

/* Random puts, gets and removes over many ids, checked against a reference
 * that keeps recency as a plain array: exercises table growth and
 * backward-shift deletion far past what the small tests reach. */
START_TEST(test_churn_matches_reference)
{
	enum { IDS = 5000, CAP = 200, OPS = 60000 };
	ss_cache *c = ss_cache_new(CAP);
	int64_t *order = calloc(IDS, sizeof *order);   /* reference: last use tick, 0 = absent */
	size_t *cost = calloc(IDS, sizeof *cost);
	json_t *v = json_true();
	uint64_t rng = 42;
	int64_t tick = 0;
	for (int op = 0; op < OPS; op++) {
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		int64_t id = (int64_t)((rng >> 33) % IDS);
		unsigned what = (unsigned)(rng >> 20) % 4;
		tick++;
		if (what == 0) {
			ss_cache_remove(c, id);
			order[id] = 0;
		} else if (what == 1) {
			json_t *got = ss_cache_get(c, id);
			ck_assert_int_eq(got != NULL, order[id] != 0);
			if (got) {
				order[id] = tick;
				json_decref(got);
			}
		} else {
			size_t k = 1 + (size_t)((rng >> 40) % 9);
			ss_cache_put(c, id, v, k);
			order[id] = tick;
			cost[id] = k;
			size_t total = 0;
			for (int i = 0; i < IDS; i++)
				if (order[i])
					total += cost[i];
			while (total > CAP) {   /* evict the reference's oldest */
				int oldest = -1;
				for (int i = 0; i < IDS; i++)
					if (order[i] && (oldest < 0 || order[i] < order[oldest]))
						oldest = i;
				total -= cost[oldest];
				order[oldest] = 0;
			}
			ck_assert_uint_eq(ss_cache_bytes(c), total);
		}
	}
	size_t count = 0;
	for (int i = 0; i < IDS; i++)
		count += order[i] != 0;
	ck_assert_uint_eq(ss_cache_count(c), count);
	json_decref(v);
	free(order);
	free(cost);
	ss_cache_free(c);
}
END_TEST

Suite *cache_suite(void); /* for check_main.c, through suites.h */

Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("lru");
	tcase_add_test(tc, test_put_get);
	tcase_add_test(tc, test_evicts_least_recently_used);
	tcase_add_test(tc, test_oversized_and_replace);
	tcase_add_test(tc, test_churn_matches_reference);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
