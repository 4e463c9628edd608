/*
 * source.c - the part of ss_source.h that every kind of source shares: the
 * handle itself, polling through it, its description and freeing it.
 *
 * A kind (source_command.c, source_file.c) keeps its own private state and
 * hands it here with source_wrap() (source_kind.h), together with its poll
 * and release functions, so that neither kind knows the other's layout.
 */
#include "source_kind.h"

#include <stdio.h>
#include <stdlib.h>

struct ss_source {
	source_poll_fn poll;
	source_release_fn release;
	void *impl;                 /* the kind's state, owned (release frees it) */
	char *description;          /* owned: what ss_source_describe() returns */
};

ss_status source_wrap(source_poll_fn poll, source_release_fn release, void *impl,
                      char *description, ss_source **out)
{
	ss_source *src = malloc(sizeof *src);

	*out = NULL;
	if (!src) {
		release(impl);
		free(description);
		return SS_NOMEM;
	}
	*src = (ss_source){ .poll = poll, .release = release, .impl = impl,
	                    .description = description };
	*out = src;
	return SS_OK;
}

ss_status ss_source_capture(void *src, json_t **state, char *reason, size_t reason_size)
{
	ss_source *s = src;

	if (state)
		*state = NULL;
	if (reason && reason_size > 0)
		reason[0] = '\0';
	if (!s || !state) {
		if (reason && reason_size > 0)
			snprintf(reason, reason_size, "no source or no output");
		return SS_USAGE;
	}
	return s->poll(s->impl, state, reason, reason_size);
}

const char *ss_source_describe(const ss_source *src)
{
	return src ? src->description : "";
}

void ss_source_free(ss_source *src)
{
	if (!src)
		return;
	src->release(src->impl);
	free(src->description);
	free(src);
}
