/*
 * fuzz_patch.c - RFC 6902 patches applied, and diffs turned into patches.
 *
 * Input: DOC NUL PATCH (no NUL: the whole input is DOC and there is no
 * PATCH).  Each part is parsed by jansson with JSON_DECODE_ANY; a part that
 * does not parse is skipped.
 *
 * - PATCH is applied to a copy of DOC with ss_json_patch_apply(): it may
 *   fail, but must not crash, leak or leave an invalid document.
 * - The oracle: for each pair (DOC, PATCH) and (DOC, DOC patched), the
 *   structural diff (default options, then no identity and a tiny budget)
 *   made into a JSON Patch by ss_diff_to_json_patch(), and the patch of
 *   ss_json_patch_make(), applied to the old value give exactly the new one;
 *   so does a merge patch when ss_merge_patch_make() says one exists.
 */
#include "fuzz_util.h"

#include <string.h>

#include "snapscope.h"

static json_t *parse_part(const uint8_t *p, size_t n)
{
	/* jansson refuses NUL in strings by default and stops at depth 2048. */
	return json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL);
}

static char *show(const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	return s ? s : strdup("(none)");
}

/* Apply `patch` to a copy of `old`; it must succeed and give `new_`. */
static void check_patch_gives(const json_t *old, const json_t *new_, const json_t *patch,
                              const char *how)
{
	char err[512] = "";
	json_t *doc = json_deep_copy(old);
	if (!doc)
		return;
	ss_status st = ss_json_patch_apply(&doc, patch, err, sizeof err);
	if (st == SS_NOMEM) {
		json_decref(doc);
		return;
	}
	if (st != SS_OK || !json_equal(doc, new_)) {
		char *a = show(old), *b = show(new_), *p = show(patch), *r = show(doc);
		FUZZ_CHECK(0, "%s: patch does not give the new value (%s: %s)\n  old:   %.400s\n"
		           "  new:   %.400s\n  patch: %.400s\n  got:   %.400s",
		           how, ss_status_str(st), err, a, b, p, r);
	}
	json_decref(doc);
}

static void check_merge_gives(const json_t *old, const json_t *new_, const json_t *patch)
{
	char err[512] = "";
	json_t *doc = json_deep_copy(old);
	if (!doc)
		return;
	ss_status st = ss_merge_patch_apply(&doc, patch, err, sizeof err);
	if (st == SS_NOMEM) {
		json_decref(doc);
		return;
	}
	if (st != SS_OK || !json_equal(doc, new_)) {
		char *a = show(old), *b = show(new_), *p = show(patch), *r = show(doc);
		FUZZ_CHECK(0, "merge patch does not give the new value (%s: %s)\n  old:   %.400s\n"
		           "  new:   %.400s\n  patch: %.400s\n  got:   %.400s",
		           ss_status_str(st), err, a, b, p, r);
	}
	json_decref(doc);
}

static void check_pair(const json_t *old, const json_t *new_)
{
	static const ss_diff_opts tight = { .no_identity = true, .budget = 8 };
	const ss_diff_opts *opts[] = { NULL, &tight };
	char err[512];

	for (size_t i = 0; i < 2; i++) {
		ss_diff d;
		memset(&d, 0, sizeof d);
		ss_status st = ss_diff_compute(old, new_, opts[i], &d, err, sizeof err);
		if (st == SS_NOMEM)
			continue;
		FUZZ_CHECK(st == SS_OK, "diff failed: %s: %s", ss_status_str(st), err);
		FUZZ_CHECK(d.n_added + d.n_removed + d.n_changed <= d.n,
		           "counts %zu+%zu+%zu exceed %zu changes", d.n_added, d.n_removed,
		           d.n_changed, d.n);
		FUZZ_CHECK(d.n == 0 || !json_equal(old, new_) ,
		           "%zu changes between equal values", d.n);
		json_t *patch = ss_diff_to_json_patch(&d);
		if (patch) {
			check_patch_gives(old, new_, patch,
			                  i == 0 ? "ss_diff_to_json_patch" : "ss_diff_to_json_patch (tight)");
			json_decref(patch);
		}
		ss_diff_clear(&d);
	}

	json_t *made = ss_json_patch_make(old, new_, NULL);
	if (made) {
		check_patch_gives(old, new_, made, "ss_json_patch_make");
		json_decref(made);
	}

	json_t *merge = NULL;
	if (ss_merge_patch_make(old, new_, &merge, err, sizeof err) == SS_OK && merge) {
		check_merge_gives(old, new_, merge);
		json_decref(merge);
	}
}

/* A diff against "absent" has no patch to check; it must only not crash. */
static void diff_absent(const json_t *old, const json_t *new_)
{
	ss_diff d;
	char err[512];
	memset(&d, 0, sizeof d);
	if (ss_diff_compute(old, new_, NULL, &d, err, sizeof err) == SS_OK) {
		json_t *patch = ss_diff_to_json_patch(&d);
		json_decref(patch);
	}
	ss_diff_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t doc_len = nul ? (size_t)(nul - data) : size;
	json_t *doc = parse_part(data, doc_len);
	json_t *patch = nul ? parse_part(nul + 1, size - doc_len - 1) : NULL;

	if (doc && patch) {
		char err[512] = "";
		json_t *copy = json_deep_copy(doc);
		if (copy) {
			ss_status st = ss_json_patch_apply(&copy, patch, err, sizeof err);
			FUZZ_CHECK(copy != NULL, "patch apply left no document (%s)",
			           ss_status_str(st));
			if (st != SS_OK)
				FUZZ_CHECK(err[0] != '\0', "patch rejected (%s) without a message",
				           ss_status_str(st));
			/* Whatever happened, the result must still be a value that
			 * serialises (a dangling or cyclic tree would not). */
			char *s = json_dumps(copy, JSON_ENCODE_ANY | JSON_COMPACT);
			free(s);
			if (st == SS_OK)
				check_pair(doc, copy);
			json_decref(copy);
		}
		json_t *m = json_deep_copy(doc);
		if (m) {
			ss_merge_patch_apply(&m, patch, err, sizeof err);
			json_decref(m);
		}
		check_pair(doc, patch);
	} else if (doc) {
		check_pair(doc, doc);
		diff_absent(NULL, doc);
		diff_absent(doc, NULL);
	}
	json_decref(doc);
	json_decref(patch);
	return 0;
}
