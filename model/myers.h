/*
 * myers.h - the shortest edit script between two sequences of hashes
 * (Myers, "An O(ND) Difference Algorithm and Its Variations", 1986), used by
 * the structural diff for arrays whose elements have no identity field.
 *
 * Internal to libsnapscope.  Iterative, with a work budget: the greedy
 * forward search costs O((N+M)·D) time and keeps O(D²) of trace, so an
 * input with many differences is refused (over budget) instead of running
 * for minutes or exhausting memory.
 */
#ifndef SS_MYERS_H
#define SS_MYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ss_status.h"

/*
 * Match a[0..n) against b[0..m): on success *pairs (malloc()ed, caller
 * frees; NULL when there are none) holds *n_pairs pairs of indices
 * (pairs[2k] into a, pairs[2k+1] into b), increasing in both, of elements
 * kept by a shortest edit script.  Equal hashes are taken as equal
 * elements: the caller confirms the pairs it relies on.
 *
 * `budget` bounds the work (diagonals visited plus elements compared); past
 * it *over_budget is set, SS_OK is returned and no pairs are.  SS_NOMEM on
 * allocation failure (nothing to free).
 */
ss_status ss_myers(const uint64_t *a, size_t n, const uint64_t *b, size_t m, size_t budget,
                   size_t **pairs, size_t *n_pairs, bool *over_budget);

#endif
