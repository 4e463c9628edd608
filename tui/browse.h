/*
 * browse.h - the interactive browser (the default command).
 */
#ifndef BROWSE_H
#define BROWSE_H

#include "snapscope.h"

/*
 * Run the browser full-screen on `session` (NULL: the session written to
 * most recently).  With `script` (NULL: $SNAPSCOPE_SCRIPT, when set) keys
 * come from that file and nothing is shown (see script.h).  Restores the
 * terminal before it returns, also on error.  Returns a process exit code
 * (SS_EXIT_*); on failure a one-line message has been written to stderr
 * after the terminal was restored.  SIGINT and SIGTERM restore the
 * terminal, then end the process as the signal would.
 */
int tui_browse(ss_manager *mgr, const char *session, const char *script);

#endif
