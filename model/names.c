/*
 * names.c - the rules for session names, tags and descriptions, checked
 * once here for every entry point (command line, TUI, library, import).
 *
 * These strings are data: they are bound as SQL parameters and never become
 * part of SQL text or a path.  The rules exist so that they can always be
 * shown, typed and compared without surprises.
 */
#include "snapscope.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest piece of offending text quoted in a message, in bytes of input:
 * a message stays one readable line even for a 4 KiB description. */
#define QUOTE_MAX 64

/*
 * Write `<what> "<text>": <reason>` into err, the text escaped with
 * ss_text_escape() and cut to QUOTE_MAX bytes (at a character boundary,
 * with "..." after it).  Always returns SS_USAGE.
 */
static ss_status reject(char *err, size_t err_size, const char *what,
                        const char *text, size_t len, const char *fmt, ...)
{
	if (!err || err_size == 0)
		return SS_USAGE;

	size_t shown = len;
	bool cut = false;
	if (shown > QUOTE_MAX) {
		shown = QUOTE_MAX;
		while (shown > 0 && ((unsigned char)text[shown] & 0xc0) == 0x80)
			shown--;
		cut = true;
	}
	char *esc = ss_text_escape(text, shown);
	int n = snprintf(err, err_size, "invalid %s \"%s%s\": ", what,
	                 esc ? esc : "?", cut ? "..." : "");
	free(esc);
	if (n >= 0 && (size_t)n < err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return SS_USAGE;
}

static void clear_err(char *err, size_t err_size)
{
	if (err && err_size > 0)
		err[0] = '\0';
}

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

ss_status ss_session_name_check(const char *name, char *err, size_t err_size)
{
	const char *what = "session name";

	if (!name || !*name)
		return reject(err, err_size, what, "", 0, "a name is 1 to %d characters",
		              SS_SESSION_NAME_MAX);
	size_t len = strlen(name);
	for (size_t i = 0; i < len; i++) {
		if (!is_name_char(name[i]))
			return reject(err, err_size, what, name, len,
			              "only letters, digits, '.', '_' and '-' are allowed");
	}
	if (len > SS_SESSION_NAME_MAX)
		return reject(err, err_size, what, name, len,
		              "longer than %d characters", SS_SESSION_NAME_MAX);
	/* A name may one day name a file or directory: "." and ".." would then
	 * mean something else entirely. */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return reject(err, err_size, what, name, len,
		              "\".\" and \"..\" are reserved");
	clear_err(err, err_size);
	return SS_OK;
}

/*
 * Characters a tag may not begin or end with: Unicode White_Space (the C0
 * ones are control characters anyway) and the invisible joiners and marks
 * that would make "v1" and "v1<ZWSP>" look like one tag.
 */
static bool is_edge_blank(uint32_t cp)
{
	return cp == ' ' || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200d) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x2060 || cp == 0x3000 ||
	       cp == 0xfeff;
}

/*
 * A tag is 1..SS_TAG_MAX bytes of valid UTF-8 without control characters
 * (C0 including tab and newline, DEL, C1), bidirectional controls or
 * U+2028/2029 anywhere, and without white space or invisible characters at
 * either end.  Spaces inside are allowed ("release candidate"): tags are
 * compared byte for byte and always shown quoted or in their own column, so
 * an inner space is unambiguous, while an edge space would make two tags
 * that look identical.
 */
ss_status ss_tag_check(const char *tag, char *err, size_t err_size)
{
	const char *what = "tag";

	if (!tag || !*tag)
		return reject(err, err_size, what, "", 0, "a tag is 1 to %d bytes", SS_TAG_MAX);
	size_t len = strlen(tag);
	if (len > SS_TAG_MAX)
		return reject(err, err_size, what, tag, len, "longer than %d bytes", SS_TAG_MAX);

	const unsigned char *p = (const unsigned char *)tag;
	uint32_t cp = 0, first = 0;
	size_t i = 0;
	while (i < len) {
		size_t n = ss_utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return reject(err, err_size, what, tag, len, "not valid UTF-8");
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return reject(err, err_size, what, tag, len,
			              "control characters are not allowed");
		if (ss_utf8_is_bidi_or_separator(cp))
			return reject(err, err_size, what, tag, len,
			              "bidirectional controls and line separators are not allowed");
		if (i == 0)
			first = cp;
		i += n;
	}
	/* cp is now the last character. */
	if (is_edge_blank(first) || is_edge_blank(cp))
		return reject(err, err_size, what, tag, len,
		              "white space at the start or end is not allowed");
	clear_err(err, err_size);
	return SS_OK;
}

/*
 * A description is free text: valid UTF-8, at most SS_DESCRIPTION_MAX
 * bytes, no control characters but tab and newline.  NULL and "" are valid
 * (no description).  Bidirectional marks are allowed because right-to-left
 * prose needs them; every display escapes them (ss_text_escape()).
 */
ss_status ss_description_check(const char *text, char *err, size_t err_size)
{
	const char *what = "description";

	if (!text) {
		clear_err(err, err_size);
		return SS_OK;
	}
	size_t len = strlen(text);
	if (len > SS_DESCRIPTION_MAX)
		return reject(err, err_size, what, text, len, "longer than %d bytes",
		              SS_DESCRIPTION_MAX);
	const unsigned char *p = (const unsigned char *)text;
	uint32_t cp;
	size_t i = 0;
	while (i < len) {
		size_t n = ss_utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return reject(err, err_size, what, text, len, "not valid UTF-8");
		if ((cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f))
			return reject(err, err_size, what, text, len,
			              "control characters other than tab and newline are not allowed");
		i += n;
	}
	clear_err(err, err_size);
	return SS_OK;
}
