/*
 * utf8.h - internal to model/: the one UTF-8 decoder and the one list of
 * characters a terminal must never receive raw.  ss_text_escape(), the name
 * checks, the safe JSON dump and the state check all read text through these,
 * so "valid UTF-8" and "unsafe character" mean the same thing everywhere.
 */
#ifndef SS_UTF8_H
#define SS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decode one UTF-8 sequence at s (len > 0 bytes available).  Returns its
 * length (1-4) and the code point in *cp, or 0 when the bytes at s do not
 * start a valid sequence: a stray continuation byte, a truncated sequence,
 * an overlong form, a surrogate (U+D800..U+DFFF) or a value past U+10FFFF.
 * The caller then treats the single byte s[0] as invalid.
 */
size_t ss_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* True when all `len` bytes are valid UTF-8 (an empty text is). */
bool ss_utf8_valid(const char *s, size_t len);

/*
 * True for the code points a terminal must not receive raw: C0 controls
 * (U+0000..U+001F), DEL, C1 controls (U+0080..U+009F), the bidirectional
 * controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the
 * line and paragraph separators U+2028, U+2029.
 */
bool ss_utf8_unsafe(uint32_t cp);

/* True for the bidirectional controls and U+2028/U+2029 (not C0/C1/DEL). */
bool ss_utf8_is_bidi_or_separator(uint32_t cp);

#endif
