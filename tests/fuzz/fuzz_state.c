/*
 * fuzz_state.c - ss_state_parse() on raw bytes (1 MiB limit) and, when they
 * parse, the canonical dump, its checksum and the terminal escape of it.
 *
 * Oracles: a rejection carries a message and no value; the canonical form
 * parses back to an equal value whose canonical form is the same bytes and
 * whose checksum is the same; the other dump flags (indent, safe) also
 * parse back to an equal value; SS_DUMP_SAFE output is terminal-safe text.
 */
#include "fuzz_util.h"

#include <string.h>

#include "snapscope.h"

#define FUZZ_STATE_MAX ((size_t)1 << 20)

/* Parse a dump made by the library; it must be accepted. */
static json_t *reparse(const char *buf, size_t len, const char *what)
{
	json_t *v = NULL;
	char err[512] = "";
	/* The canonical form may be longer than the input (1E5 is written
	 * 100000.0), so the limit here is generous. */
	ss_status st = ss_state_parse(buf, len, 16 * FUZZ_STATE_MAX, what, &v, err, sizeof err);
	FUZZ_CHECK(st == SS_OK, "%s rejected (%s): %s\n  text: %.200s", what,
	           ss_status_str(st), err, buf);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = NULL;
	char err[512] = "";
	ss_status st = ss_state_parse((const char *)data, size, FUZZ_STATE_MAX, "fuzz.json", &v,
	                              err, sizeof err);
	if (st != SS_OK) {
		FUZZ_CHECK(v == NULL, "a rejected state still returned a value");
		FUZZ_CHECK(st == SS_INPUT || st == SS_LIMIT || st == SS_NOMEM,
		           "unexpected status %s", ss_status_str(st));
		FUZZ_CHECK(err[0] != '\0', "rejected (%s) without a message", ss_status_str(st));
		FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "message not terminated");
		return 0;
	}
	FUZZ_CHECK(v != NULL, "SS_OK without a value");

	size_t len = 0;
	char *canon = ss_json_dump(v, SS_DUMP_SORT_KEYS, &len);
	if (!canon) {
		json_decref(v);
		return 0;
	}
	FUZZ_CHECK(strlen(canon) == len, "canonical form holds a NUL or a wrong length");

	char hex[SS_CHECKSUM_HEX_LEN + 1], hex2[SS_CHECKSUM_HEX_LEN + 1];
	st = ss_checksum_json(v, hex);
	FUZZ_CHECK(st == SS_OK, "checksum failed: %s", ss_status_str(st));
	FUZZ_CHECK(strlen(hex) == SS_CHECKSUM_HEX_LEN, "checksum length %zu", strlen(hex));

	json_t *v2 = reparse(canon, len, "canonical form");
	FUZZ_CHECK(json_equal(v, v2), "canonical form parses to another value\n  %.300s", canon);
	size_t len2 = 0;
	char *canon2 = ss_json_dump(v2, SS_DUMP_SORT_KEYS, &len2);
	if (canon2) {
		FUZZ_CHECK(len2 == len && memcmp(canon, canon2, len) == 0,
		           "canonical form not stable\n  first:  %.300s\n  second: %.300s", canon,
		           canon2);
		free(canon2);
	}
	st = ss_checksum_json(v2, hex2);
	FUZZ_CHECK(st == SS_OK && strcmp(hex, hex2) == 0, "checksum differs after a round trip");
	json_decref(v2);

	static const unsigned other_flags[] = {
		0, SS_DUMP_INDENT, SS_DUMP_SAFE, SS_DUMP_SORT_KEYS | SS_DUMP_INDENT | SS_DUMP_SAFE,
	};
	for (size_t i = 0; i < sizeof other_flags / sizeof other_flags[0]; i++) {
		size_t n = 0;
		char *d = ss_json_dump(v, other_flags[i], &n);
		if (!d)
			continue;
		json_t *back = reparse(d, n, "dump");
		FUZZ_CHECK(json_equal(v, back), "dump with flags %u parses to another value",
		           other_flags[i]);
		json_decref(back);
		if (other_flags[i] == SS_DUMP_SAFE) /* compact: no newline */
			FUZZ_CHECK(ss_text_is_safe(d, n), "SS_DUMP_SAFE output is not terminal-safe");
		free(d);
	}

	char *esc = ss_text_escape(canon, len);
	if (esc) {
		FUZZ_CHECK(ss_text_is_safe(esc, strlen(esc)), "escaped canonical form not safe");
		free(esc);
	}
	free(canon);
	json_decref(v);
	return 0;
}
