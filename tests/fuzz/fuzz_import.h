/*
 * fuzz_import.h - the body shared by fuzz_import_json and fuzz_import_binary:
 * ss_import_buffer() of hostile bytes into a fresh in-memory store.
 *
 * Each target keeps only inputs of its own format in its corpus (returning
 * -1 for the other's, by import_is_binary()), so the two readers each get a
 * corpus of their own; the checks are the same.
 *
 * Oracles: a dry run and the real import agree (status and counts); after
 * a successful import ss_verify() finds every snapshot sound and counts as
 * many as were imported, and importing the same bytes again imports
 * nothing; after a failed one the store is still empty and the manager's
 * message names the input.
 *
 * A fresh manager per input: opening an in-memory store costs about as much
 * as the import itself (see tests/fuzz/README for the numbers), and a
 * shared store would make every input depend on those before it, so that
 * a crash could not be reproduced from its one input.
 */
#ifndef FUZZ_IMPORT_H
#define FUZZ_IMPORT_H

#include "fuzz_util.h"

#include <string.h>

#include "import.h"
#include "snapscope.h"
#include "ss_transfer.h"

#define FUZZ_IMPORT_STATE_MAX ((size_t)1 << 20)

static void fuzz_damage(int64_t id, const char *reason, void *user_data)
{
	(void)user_data;
	fprintf(stderr, "damaged snapshot %lld: %s\n", (long long)id, reason);
}

static int64_t fuzz_session_count(ss_manager *mgr)
{
	ss_session *v = NULL;
	size_t n = 0;
	ss_status st = ss_sessions(mgr, &v, &n);
	FUZZ_CHECK(st == SS_OK, "listing sessions: %s", ss_errmsg(mgr));
	ss_session_array_free(v, n);
	return (int64_t)n;
}

static int fuzz_import_one(const uint8_t *data, size_t size)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_type = SS_STORE_TYPE_MEMORY;
	cfg.max_state_bytes = FUZZ_IMPORT_STATE_MAX;
	ss_manager *mgr = NULL;
	char err[512] = "";
	ss_status st = ss_open(&cfg, &mgr, err, sizeof err);
	FUZZ_CHECK(st == SS_OK, "opening an in-memory store: %s", err);

	ss_import_result dry, real;
	memset(&dry, 0, sizeof dry);
	memset(&real, 0, sizeof real);
	ss_status st_dry = ss_import_buffer(mgr, data, size, "fuzz.export", true, &dry);
	FUZZ_CHECK(fuzz_session_count(mgr) == 0, "a dry run created sessions");
	st = ss_import_buffer(mgr, data, size, "fuzz.export", false, &real);
	if (st == SS_NOMEM || st_dry == SS_NOMEM)
		goto out;
	FUZZ_CHECK(st == st_dry, "dry run says %s, the import %s (%s)", ss_status_str(st_dry),
	           ss_status_str(st), ss_errmsg(mgr));

	if (st != SS_OK) {
		FUZZ_CHECK(st == SS_INPUT || st == SS_LIMIT || st == SS_CORRUPT,
		           "a bad file gives %s: %s", ss_status_str(st), ss_errmsg(mgr));
		FUZZ_CHECK(strncmp(ss_errmsg(mgr), "fuzz.export", 11) == 0,
		           "the message does not name the input: \"%s\"", ss_errmsg(mgr));
		FUZZ_CHECK(fuzz_session_count(mgr) == 0, "a rejected file left sessions behind");
		goto out;
	}

	FUZZ_CHECK(dry.imported == real.imported && dry.skipped == real.skipped &&
	           dry.sessions_created == real.sessions_created && dry.format == real.format,
	           "dry run predicted %lld imported, %lld skipped, %lld sessions; the import did "
	           "%lld, %lld, %lld",
	           (long long)dry.imported, (long long)dry.skipped, (long long)dry.sessions_created,
	           (long long)real.imported, (long long)real.skipped,
	           (long long)real.sessions_created);
	FUZZ_CHECK(fuzz_session_count(mgr) == real.sessions_created,
	           "%lld sessions in the store, %lld said created", (long long)fuzz_session_count(mgr),
	           (long long)real.sessions_created);

	int64_t checked = -1, damaged = -1;
	st = ss_verify(mgr, NULL, fuzz_damage, NULL, &checked, &damaged);
	FUZZ_CHECK(st == SS_OK && damaged == 0, "verify after an import: %s (%lld damaged): %s",
	           ss_status_str(st), (long long)damaged, ss_errmsg(mgr));
	FUZZ_CHECK(checked == real.imported, "verify read %lld snapshots, %lld were imported",
	           (long long)checked, (long long)real.imported);

	ss_import_result again;
	memset(&again, 0, sizeof again);
	st = ss_import_buffer(mgr, data, size, "fuzz.export", false, &again);
	if (st != SS_NOMEM) {
		FUZZ_CHECK(st == SS_OK, "the second import failed: %s", ss_errmsg(mgr));
		FUZZ_CHECK(again.imported == 0 && again.sessions_created == 0,
		           "the second import wrote %lld snapshots, %lld sessions",
		           (long long)again.imported, (long long)again.sessions_created);
	}
out:
	ss_close(mgr);
	return 0;
}

#endif
