/*
 * fuzz_escape.c - ss_text_escape() and ss_text_is_safe() on raw bytes.
 *
 * Oracles: the escaped text is valid UTF-8 holding no C0 control (ESC
 * included), no DEL, no C1 control, no bidi control and no U+2028/2029;
 * it is itself safe and escaping it again changes nothing; is_safe(x)
 * holds exactly when escape(x) == x.
 */
#include "fuzz_util.h"

#include <string.h>

#include "snapscope.h"

/* The checks below decode on their own rather than through utf8.h, so a
 * bug shared by the library's decoder and the oracle cannot hide. */
static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2; v = c & 0x1fu; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; v = c & 0x0fu; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; v = c & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

static int terminal_unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *out = ss_text_escape(in, size);
	if (!out)
		return 0; /* out of memory only */
	size_t n = strlen(out);

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = decode((const unsigned char *)out + i, n - i, &cp);
		FUZZ_CHECK(k > 0, "escaped text is not valid UTF-8 at byte %zu", i);
		FUZZ_CHECK(!terminal_unsafe(cp), "U+%04X left in the escaped text at byte %zu",
		           (unsigned)cp, i);
		i += k;
	}
	/* Nothing is dropped: each input byte gives at least one output byte
	 * (and an embedded NUL is escaped, so strlen() saw the whole text). */
	FUZZ_CHECK(n >= size, "escaped text shorter than the input (%zu < %zu)", n, size);

	bool safe = ss_text_is_safe(in, size);
	bool same = n == size && memcmp(out, in, size) == 0;
	FUZZ_CHECK(safe == same, "is_safe says %d but escape %s the text", safe,
	           same ? "keeps" : "changes");

	FUZZ_CHECK(ss_text_is_safe(out, n), "the escaped text is not safe");
	char *again = ss_text_escape(out, n);
	if (again) {
		FUZZ_CHECK(strcmp(again, out) == 0, "escaping twice changes the text");
		free(again);
	}
	free(out);
	return 0;
}
