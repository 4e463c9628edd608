/*
 * state_check.h - internal to model/: the checks a json_t built in C must
 * pass before it is stored, so that everything in the store reads back
 * through ss_state_parse() exactly as it went in.
 */
#ifndef SS_STATE_CHECK_H
#define SS_STATE_CHECK_H

#include <stddef.h>

#include <jansson.h>

#include "ss_status.h"

/*
 * Check a state that did not come through the parser.  Iterative, so any
 * depth is safe to check.  Rejected with SS_INPUT and a message naming the
 * place (".a.b[3]"):
 *  - nesting deeper than max_depth, counted the way jansson's parser counts
 *    it: the top-level value is at depth 1, a member one deeper than its
 *    container, scalars included.  With max_depth = SS_DEPTH_MAX, exactly
 *    the states jansson can parse back pass.  A cycle (jansson lets a caller
 *    build one indirectly) is reported as too deep;
 *  - reals that are NaN or infinite;
 *  - strings or keys that are not valid UTF-8 or contain U+0000 (possible
 *    with json_stringn() and the *_nocheck functions).
 * A NULL state is SS_USAGE.
 */
ss_status ss_state_check(const json_t *state, size_t max_depth, char *err, size_t err_size);

#endif
