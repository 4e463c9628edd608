/*
 * browse.h - the interactive browser (the default command).
 */
#ifndef BROWSE_H
#define BROWSE_H

#include "snapscope.h"

/*
 * Run the browser full-screen on `session` (NULL: let the user pick one, or
 * take the only one there is).  Restores the terminal before it returns,
 * also on error.  Returns a process exit code (SS_EXIT_*); on failure a
 * one-line message has been written to stderr after the terminal was
 * restored.
 */
int tui_browse(ss_manager *mgr, const char *session);

#endif
