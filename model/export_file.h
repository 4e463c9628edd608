/*
 * export_file.h - writing an export file safely, whatever its format: a
 * temporary file created 0600 next to the target, synced, then given the
 * target's name.  An existing target is replaced only when forced, a
 * symbolic link there is never followed nor replaced, and on failure the
 * temporary file is removed: the name shows a complete export or nothing
 * new (DESIGN.md, "Export formats").
 */
#ifndef SS_EXPORT_FILE_H
#define SS_EXPORT_FILE_H

#include <stdio.h>

#include "manager.h"

struct export_file {
	FILE *f;                    /* write the export here */
	const char *path;           /* the target (borrowed) */
	bool force;
	char *dir;                  /* owned */
	char *tmp;                  /* the temporary file's name, owned */
};

/*
 * Refuse what the target's name would refuse at the end (exists without
 * force, a link, not a regular file, no such directory): call before
 * reading a million snapshots for nothing.
 */
ss_status export_file_check(ss_manager *mgr, const char *path, bool force);

/* Create the temporary file; ef->f is open for writing. */
ss_status export_file_open(ss_manager *mgr, const char *path, bool force,
                           struct export_file *ef);

/*
 * With ok: flush, fsync, close, publish under the target's name and sync
 * the directory; on any failure (or without ok) close and remove the
 * temporary file.  Returns the first failure (st when not ok).  Frees ef.
 */
ss_status export_file_finish(ss_manager *mgr, struct export_file *ef, ss_status st);

#endif
