/*
 * pane.h - what a pane of the browser is: a table of operations plus
 * private state, the shape tig gives its views.
 *
 * The browser (browse.c) owns the loop, the layout and the generic keys; a
 * pane supplies only what is its own: how it draws, which actions it
 * handles, what it does when resized or when the selected snapshot changes.
 * A pane's request() handles what it knows and returns the rest, which the
 * browser then handles generically (tig's view_driver chain).  Each pane
 * file ends with its ops table written with designated initialisers.
 *
 * Panes draw into stdscr inside their rectangle; a frame is erased and
 * redrawn whole, and ncurses sends only the difference to the terminal.
 */
#ifndef PANE_H
#define PANE_H

#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "keys.h"
#include "prompt.h"
#include "snapscope.h"

struct loader;

/* What every pane shares: the manager, the session, the selection and the
 * status line's message.  Owned by browse.c. */
struct browser {
	ss_manager *mgr;
	/* Reads large states off the UI thread (loader.h): started by the
	 * state pane on its first large state, stopped by browse.c on exit;
	 * NULL until then. */
	struct loader *loader;
	const char *session;        /* NULL when the store has no sessions */
	char *session_shown;        /* the name escaped for the screen */
	int64_t total;              /* snapshots in the session (ss_count) */
	bool spans_days;            /* show dates in the timeline */

	/* Published by the timeline: the selected row (borrowed from it, NULL
	 * when the session is empty) and its 1-based position. */
	const ss_snapshot *selected;
	int64_t position;
	bool selection_changed;     /* the browser tells the other panes */

	char message[256];          /* status line message, "" for none */
	enum draw_role message_role;

	bool follow;                /* keep the newest snapshot selected */
	const char *filter_shown;   /* the timeline's filter, escaped; NULL: none */
	int64_t diff_old, diff_new; /* what ACT_DIFF from the timeline asks to diff */

	/* The status-line prompt (browse.c runs it; see browser_ask). */
	struct prompt prompt;
	struct pane *asker;         /* whose answer() gets the text */
	const char *confirm_no;     /* said when a y/N question is answered no;
	                               NULL: "not deleted" (browser_ask resets it) */
};

/* Show a one-line message on the status line until the next key.  The text
 * is the browser's own; data in it must already be escaped. */
void browser_message(struct browser *br, enum draw_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report a failed manager call on the status line: what was attempted and
 * ss_errmsg() (escaped). */
void browser_error(struct browser *br, const char *what, ss_status st);

struct pane;

/*
 * Ask the user on the status line: an editing prompt with `label` and the
 * text `initial` (may be NULL), or (confirm) a y/N question.  When the user
 * accepts, `from`'s answer() op is called with `purpose` and the text ("y"
 * for a question answered yes); Esc answers nothing.  Label and initial are
 * copied.
 */
void browser_ask(struct browser *br, struct pane *from, int purpose, const char *label,
                 const char *initial, bool confirm);

struct pane_ops {
	const char *name;
	const struct keymap *keymap;    /* looked up before the generic keys; may be NULL */
	size_t private_size;            /* bytes of zeroed private state in pane->priv */

	/* Load what the pane shows; SS_OK or a status already reported. */
	ss_status (*open)(struct pane *p);
	/* Free what open() and the pane's life allocated (priv itself excepted). */
	void (*done)(struct pane *p);
	/* The rectangle changed (y, x, h, w are already set; h or w may be 0). */
	void (*resize)(struct pane *p);
	/* Draw inside the rectangle. */
	void (*draw)(struct pane *p);
	/* Handle an action; ACT_NONE when handled, else the action to pass on. */
	enum action (*request)(struct pane *p, enum action act);
	/* The selected snapshot changed (row NULL: none).  The row is borrowed
	 * for the call. */
	void (*select)(struct pane *p, const ss_snapshot *row);
	/* A mouse click at (row, col) relative to the rectangle. */
	void (*click)(struct pane *p, int row, int col);
	/* The answer to a browser_ask() this pane made (text borrowed). */
	void (*answer)(struct pane *p, int purpose, const char *text);
};

struct pane {
	const struct pane_ops *ops;
	struct browser *br;
	int y, x, h, w;             /* rectangle on stdscr */
	bool focused;
	bool visible;
	void *priv;                 /* ops->private_size bytes, zeroed */
};

extern const struct pane_ops timeline_ops;  /* timeline.c */
extern const struct pane_ops state_ops;     /* statepane.c */
extern const struct pane_ops help_ops;      /* help.c */
extern const struct pane_ops historyview_ops; /* historyview.c */

/* ---- what the browser asks of particular panes ---------------------------- */

/* Select snapshot `id` (of the session shown); false, reported on the
 * status line, when it cannot. */
bool timeline_jump(struct pane *timeline, int64_t id);

/* The store changed (another process wrote, or this one edited): count
 * and read the window again; with follow on, select the newest. */
void timeline_refresh(struct pane *timeline);

/* "A=#12" when a snapshot is marked, in buf; NULL otherwise. */
const char *timeline_mark_label(const struct pane *timeline, char *buf, size_t size);

/*
 * Load the history of the value at `path` (copied) in the browser's
 * session into the history view: every snapshot where it changed.  SS_OK
 * or a status already reported on the status line.
 */
ss_status historyview_open(struct pane *p, const ss_path *path);

/* The snapshot of the history row under the cursor; 0 when none. */
int64_t historyview_selected(const struct pane *p);

/* Lines of the help overlay: the actions bound to a key somewhere. */
size_t help_entries(void);

#endif
