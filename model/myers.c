/*
 * myers.c - Myers' O(ND) shortest edit script, greedy forward search with a
 * saved trace and an iterative backtrack (see myers.h).  The linear-space
 * variant needs divide and conquer; the budget already bounds the trace
 * (its size is at most the work done), so the simpler form is enough.
 */
#include "myers.h"

#include <stdlib.h>
#include <string.h>

ss_status ss_myers(const uint64_t *a, size_t n, const uint64_t *b, size_t m, size_t budget,
                   size_t **pairs, size_t *n_pairs, bool *over_budget)
{
	*pairs = NULL;
	*n_pairs = 0;
	*over_budget = false;
	if (n == 0 || m == 0)
		return SS_OK;
	/* Diagonal indices and x positions are kept in int32 to halve the trace. */
	if (n > INT32_MAX / 2 || m > INT32_MAX / 2) {
		*over_budget = true;
		return SS_OK;
	}
	int32_t max = (int32_t)(n + m);
	int32_t N = (int32_t)n, M = (int32_t)m;
	int32_t *v = malloc((size_t)(2 * max + 3) * sizeof *v);
	if (!v)
		return SS_NOMEM;
	int32_t off = max + 1;
	v[off + 1] = 0;

	/* trace holds V[-d..d] after round d at offset d*d (sum of 2e+1, e < d). */
	int32_t *trace = NULL;
	size_t trace_cap = 0;
	size_t cost = 0;
	int32_t found = -1;
	for (int32_t d = 0; d <= max && found < 0; d++) {
		for (int32_t k = -d; k <= d; k += 2) {
			int32_t x;
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			int32_t y = x - k;
			while (x < N && y < M && a[x] == b[y]) {
				x++;
				y++;
				cost++;
			}
			v[off + k] = x;
			cost++;
			if (x >= N && y >= M) {
				found = d;
				break;
			}
		}
		size_t need = (size_t)(d + 1) * (size_t)(d + 1);
		if (need > trace_cap) {
			size_t cap = trace_cap ? trace_cap * 2 : 64;
			while (cap < need)
				cap *= 2;
			int32_t *t = realloc(trace, cap * sizeof *t);
			if (!t) {
				free(trace);
				free(v);
				return SS_NOMEM;
			}
			trace = t;
			trace_cap = cap;
		}
		memcpy(trace + (size_t)d * (size_t)d, v + off - d, (size_t)(2 * d + 1) * sizeof *v);
		if (found < 0 && cost > budget) {
			free(trace);
			free(v);
			*over_budget = true;
			return SS_OK;
		}
	}
	free(v);

	/* Walk back from (n, m): each round d ends with a snake (kept pairs)
	 * preceded by one insertion or deletion chosen as the forward pass did. */
	size_t cap = n < m ? n : m;
	size_t *out = malloc((cap ? cap : 1) * 2 * sizeof *out);
	if (!out) {
		free(trace);
		return SS_NOMEM;
	}
	size_t cnt = 0;
	int32_t x = N, y = M;
	for (int32_t d = found; d > 0; d--) {
		const int32_t *prev = trace + (size_t)(d - 1) * (size_t)(d - 1) + (d - 1);
		int32_t k = x - y;
		int32_t pk;
		if (k == -d || (k != d && prev[k - 1] < prev[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		int32_t px = prev[pk];
		int32_t py = px - pk;
		int32_t sx = pk == k + 1 ? px : px + 1;
		int32_t sy = sx - k;
		while (x > sx && y > sy) {
			x--;
			y--;
			out[2 * cnt] = (size_t)x;
			out[2 * cnt + 1] = (size_t)y;
			cnt++;
		}
		x = px;
		y = py;
	}
	while (x > 0 && y > 0) {
		x--;
		y--;
		out[2 * cnt] = (size_t)x;
		out[2 * cnt + 1] = (size_t)y;
		cnt++;
	}
	free(trace);
	/* Collected backwards; reverse into increasing order. */
	for (size_t i = 0, j = cnt ? cnt - 1 : 0; i < j; i++, j--) {
		size_t t0 = out[2 * i], t1 = out[2 * i + 1];
		out[2 * i] = out[2 * j];
		out[2 * i + 1] = out[2 * j + 1];
		out[2 * j] = t0;
		out[2 * j + 1] = t1;
	}
	if (cnt == 0) {
		free(out);
		out = NULL;
	}
	*pairs = out;
	*n_pairs = cnt;
	return SS_OK;
}
