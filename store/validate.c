/*
 * validate.c - what the store accepts as a session name, a tag or a
 * description (the limits of DESIGN.md).  The model checks them as well, with
 * its own words for the user; the store checks again because it is the last
 * place before the data is kept.
 */
#include "store_internal.h"

#include <string.h>

ss_status store_check_session_name(ss_store *st, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > SS_SESSION_NAME_MAX)
		return store_error(st, SS_USAGE, "invalid session name: it must have 1 to %d characters",
		                   SS_SESSION_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		      || c == '.' || c == '_' || c == '-'))
			return store_error(st, SS_USAGE,
			                   "invalid session name \"%s\": use only A-Z a-z 0-9 . _ -", name);
	}
	return SS_OK;
}

/* True when s holds a control character other than those in `allowed`. */
static bool has_control(const char *s, const char *allowed)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 || *p == 0x7f) && !strchr(allowed, *p))
			return true;
	return false;
}

ss_status store_check_tag(ss_store *st, const char *tag)
{
	size_t n = tag ? strlen(tag) : 0;
	if (n == 0)
		return store_error(st, SS_USAGE, "empty tag");
	if (n > SS_TAG_MAX)
		return store_error(st, SS_LIMIT, "tag of %zu bytes is over the limit of %d", n, SS_TAG_MAX);
	if (has_control(tag, ""))
		return store_error(st, SS_INPUT, "tag holds a control character");
	return SS_OK;
}

ss_status store_check_description(ss_store *st, const char *text)
{
	if (!text)
		return SS_OK;
	size_t n = strlen(text);
	if (n > SS_DESCRIPTION_MAX)
		return store_error(st, SS_LIMIT, "description of %zu bytes is over the limit of %d",
		                   n, SS_DESCRIPTION_MAX);
	if (has_control(text, "\t\n"))
		return store_error(st, SS_INPUT, "description holds a control character");
	return SS_OK;
}
