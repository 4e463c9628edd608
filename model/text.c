/*
 * text.c - untrusted text made safe for a terminal (ss_text_escape(),
 * ss_text_is_safe()) and the UTF-8 helpers of utf8.h that the rest of
 * model/ shares.
 *
 * Everything shown in the TUI or printed by the command line that came from
 * a state, a tag, a description, a session name or an error message about
 * input passes through ss_text_escape(): no escape sequence, bidi override
 * or stray byte can reach the terminal.
 */
#include "snapscope.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t ss_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; v = c & 0x1fu; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; v = c & 0x0fu; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; v = c & 0x07u; min = 0x10000;
	} else {
		/* 0x80..0xc1 (continuation or overlong 2-byte lead), 0xf5..0xff */
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	/* Overlong forms, UTF-16 surrogates and values past Unicode's end are
	 * not text: a decoder that let them through would hide characters. */
	if (v < min || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

bool ss_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = ss_utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

bool ss_utf8_is_bidi_or_separator(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029;
}

bool ss_utf8_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       ss_utf8_is_bidi_or_separator(cp);
}

static const char hex_digits[] = "0123456789abcdef";

/*
 * One pass over the text; with out == NULL it only counts.  Returns the
 * length of the escaped text.  Counting and writing share the code so the
 * two can never disagree about the size.
 */
static size_t escape_pass(const unsigned char *s, size_t len, char *out)
{
	size_t i = 0, o = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = ss_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			/* An invalid byte: shown as its value, never sent raw. */
			if (out) {
				out[o] = '\\';
				out[o + 1] = 'x';
				out[o + 2] = hex_digits[s[i] >> 4];
				out[o + 3] = hex_digits[s[i] & 0xf];
			}
			o += 4;
			i++;
			continue;
		}
		if (cp == '\n' || cp == '\t') {
			if (out) {
				out[o] = '\\';
				out[o + 1] = cp == '\n' ? 'n' : 't';
			}
			o += 2;
		} else if (ss_utf8_unsafe(cp)) {
			/* \u001b rather than ESC: a reader sees what was there. */
			if (out) {
				out[o] = '\\';
				out[o + 1] = 'u';
				for (int k = 0; k < 4; k++)
					out[o + 2 + k] = hex_digits[(cp >> (12 - 4 * k)) & 0xf];
			}
			o += 6;
		} else {
			if (out)
				memcpy(out + o, s + i, n);
			o += n;
		}
		i += n;
	}
	return o;
}

char *ss_text_escape(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	if (!s)
		len = 0;
	/* Each input byte grows to at most 6 output bytes (\u00XX). */
	if (len > (SIZE_MAX - 1) / 6)
		return NULL;
	size_t n = escape_pass(p, len, NULL);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	escape_pass(p, len, out);
	out[n] = '\0';
	return out;
}

bool ss_text_is_safe(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	if (!s)
		return len == 0;
	while (i < len) {
		size_t n = ss_utf8_decode(p + i, len - i, &cp);
		if (n == 0 || ss_utf8_unsafe(cp))
			return false;
		i += n;
	}
	return true;
}
