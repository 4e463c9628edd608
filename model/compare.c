/*
 * compare.c - the structural diff of two snapshots, with the ignore rules
 * and array keys of the session merged with the caller's.
 */
#include "manager.h"

#include <stdlib.h>
#include <string.h>

/* `a` then `b` in one malloc()ed array (NULL when both are empty). */
static void *concat(const void *a, size_t na, const void *b, size_t nb, size_t size, int *failed)
{
	if (na + nb == 0)
		return NULL;
	char *out = malloc((na + nb) * size);
	if (!out) {
		*failed = 1;
		return NULL;
	}
	if (na)
		memcpy(out, a, na * size);
	if (nb)
		memcpy(out + na * size, b, nb * size);
	return out;
}

ss_status ss_diff_snapshots(ss_manager *mgr, int64_t a, int64_t b, const ss_diff_opts *opts,
                            ss_diff *out)
{
	memset(out, 0, sizeof *out);
	ss_diff_opts none = { 0 };
	if (!opts)
		opts = &none;
	json_t *old = NULL, *new_ = NULL;
	ss_snapshot meta;
	ss_status st = ss_get(mgr, a, &old, &meta);
	if (st != SS_OK)
		return st;
	st = ss_get(mgr, b, &new_, NULL);
	if (st != SS_OK) {
		json_decref(old);
		ss_snapshot_clear(&meta);
		return st;
	}
	ss_session_config scfg = { 0 };
	st = mgr_session_config(mgr, meta.session, &scfg, NULL);
	ss_snapshot_clear(&meta);
	if (st == SS_OK) {
		int failed = 0;
		ss_diff_opts merged = *opts;
		const char **ignore = concat(scfg.ignore, scfg.n_ignore, opts->ignore, opts->n_ignore,
		                             sizeof *ignore, &failed);
		ss_array_key *keys = concat(opts->array_keys, opts->n_array_keys, scfg.array_keys,
		                            scfg.n_array_keys, sizeof *keys, &failed);
		merged.ignore = ignore;
		merged.n_ignore = scfg.n_ignore + opts->n_ignore;
		/* The caller's array keys come first, so they win over the session's. */
		merged.array_keys = keys;
		merged.n_array_keys = scfg.n_array_keys + opts->n_array_keys;
		if (failed)
			st = mgr_fail(mgr, SS_NOMEM, "out of memory");
		else
			st = ss_diff_compute(old, new_, &merged, out, mgr->err, sizeof mgr->err);
		free(ignore);
		free(keys);
	}
	ss_session_config_clear(&scfg);
	json_decref(old);
	json_decref(new_);
	return st;
}
