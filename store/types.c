/* types.c - freeing and copying the records of ss_types.h, and the neutral
 * search (every filter off). */
#include "ss_types.h"

#include <stdlib.h>
#include <string.h>

void ss_snapshot_clear(ss_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->session);
	free(snap->description);
	for (size_t i = 0; i < snap->n_tags; i++)
		free(snap->tags[i]);
	free(snap->tags);
	memset(snap, 0, sizeof *snap);
}

/* strdup that copies NULL as NULL; *ok becomes false when it runs out of memory. */
static char *dup_or_null(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

ss_status ss_snapshot_copy(ss_snapshot *dst, const ss_snapshot *src)
{
	bool ok = true;
	*dst = *src;
	dst->session = NULL;
	dst->description = NULL;
	dst->tags = NULL;
	dst->n_tags = 0;
	dst->session = dup_or_null(src->session, &ok);
	dst->description = dup_or_null(src->description, &ok);
	if (ok && src->n_tags > 0) {
		dst->tags = calloc(src->n_tags, sizeof *dst->tags);
		if (!dst->tags)
			ok = false;
		/* n_tags grows with each copied tag so that clear() frees exactly those. */
		for (size_t i = 0; ok && i < src->n_tags; i++) {
			dst->tags[i] = dup_or_null(src->tags[i], &ok);
			if (ok)
				dst->n_tags = i + 1;
		}
	}
	if (!ok) {
		ss_snapshot_clear(dst);
		return SS_NOMEM;
	}
	return SS_OK;
}

void ss_session_clear(ss_session *sess)
{
	if (!sess)
		return;
	free(sess->name);
	free(sess->config);
	memset(sess, 0, sizeof *sess);
}

void ss_session_array_free(ss_session *sessions, size_t n)
{
	if (!sessions)
		return;
	for (size_t i = 0; i < n; i++)
		ss_session_clear(&sessions[i]);
	free(sessions);
}

void ss_query_init(ss_query *q)
{
	memset(q, 0, sizeof *q);
	q->since = SS_TIME_NONE;
	q->until = SS_TIME_NONE;
	q->sort = SS_SORT_TIME;
}
