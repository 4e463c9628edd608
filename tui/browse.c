/*
 * browse.c - the browser: picks the session, owns the terminal, the layout
 * and the event loop, and dispatches keys through the panes (pane.h).
 *
 * Screen: a title row, the timeline (left) and the state (right) side by
 * side, the status line at the bottom; narrower than SPLIT_MIN_COLS only
 * the focused pane shows, below MIN_COLS x MIN_LINES a notice.  The diff
 * (d) and the history of a value (H) take the whole body while open: side
 * by side, old | new, needs every column an 80-column terminal has, and
 * Esc or q gives the timeline back exactly as it was.  Each frame is
 * erased and drawn whole; ncurses sends only what changed.
 *
 * Live: the loop waits for a key at most POLL_MS, then asks the model
 * whether another connection wrote to the store (ss_changed_since, one
 * PRAGMA); if so the timeline re-reads its window, and with follow on
 * selects the newest snapshot.  While the state pane waits for a large
 * state read off the UI thread (loader.h) the wait is LOAD_POLL_MS, so the
 * state shows soon after it is read.
 *
 * Automatic capture (`snapscope watch`, ss_auto.h) runs on a thread of the
 * model; once one has started the loop waits in poll() on the terminal and
 * the capture's wake pipe together, so a new snapshot or a failed poll shows
 * at once rather than at the next tick.  The title row then carries what
 * the capture is doing (live, paused, failing since when and why), c
 * captures now and P pauses or resumes.
 *
 * Scripted mode (script.h): keys come from a file, ncurses draws into a
 * screen on /dev/null, :dump writes the screen's text.  Everything else is
 * the same code path, which is the point of golden screens.
 *
 * Every way out goes through one cleanup that calls endwin() before
 * anything is written to stderr, so the terminal is never left raw; SIGINT
 * and SIGTERM end the loop the same way and are then re-raised.
 */
#include "browse.h"

#include "diffview.h"
#include "loader.h"
#include "pane.h"
#include "script.h"
#include "ss_auto.h"
#include "statepane.h"
#include "theme.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIN_COLS 20
#define MIN_LINES 5
#define SPLIT_MIN_COLS 60       /* narrower: one pane at a time */
#define ERR_READS_MAX 64        /* consecutive failed reads: the terminal is gone */
#define POLL_MS 500             /* how often the store is checked for news */
#define LOAD_POLL_MS 50         /* key wait while a state loads off the UI thread */
#define HELP_MAX_COLS 92        /* the longest help line, keys included */

enum { PANE_TIMELINE, PANE_STATE, PANE_DIFF, PANE_HISTORY, PANE_HELP, PANE_COUNT };

/* What the body shows. */
enum view { VIEW_MAIN, VIEW_DIFF, VIEW_HISTORY };

struct ui {
	struct browser br;
	struct pane panes[PANE_COUNT];
	int focus;                  /* PANE_TIMELINE or PANE_STATE */
	enum view view;
	bool help;                  /* the overlay is open */
	bool empty;                 /* the store has no sessions */
	bool split;                 /* both panes side by side */
	bool too_small;
	char *store_shown;          /* the store path, escaped */
	int64_t diff_old, diff_new; /* the diff on show */
	int64_t data_version;       /* ss_changed_since's token */
	struct script *script;      /* scripted mode; NULL on a terminal */
	char live[600];             /* the capture indicator of this frame; "" none */
	enum draw_role live_role;
	bool live_failing;          /* it already tells of the errors after the newest */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ---- messages ------------------------------------------------------------- */

void browser_message(struct browser *br, enum draw_role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(br->message, sizeof br->message, fmt, ap);
	va_end(ap);
	br->message_role = role;
}

void browser_error(struct browser *br, const char *what, ss_status st)
{
	const char *msg = ss_errmsg(br->mgr);
	char *safe = ss_text_escape(msg, strlen(msg));
	browser_message(br, DRAW_ERROR, "%s: %s", what,
	                safe && *safe ? safe : ss_status_str(st));
	free(safe);
}

void browser_ask(struct browser *br, struct pane *from, int purpose, const char *label,
                 const char *initial, bool confirm)
{
	if (confirm)
		prompt_confirm(&br->prompt, purpose, label);
	else
		prompt_open(&br->prompt, purpose, label, initial);
	br->asker = from;
	br->confirm_no = NULL;
}

/* ---- layout --------------------------------------------------------------- */

static void set_rect(struct pane *p, int y, int x, int h, int w)
{
	p->y = y;
	p->x = x;
	p->h = h > 0 ? h : 0;
	p->w = w > 0 ? w : 0;
}

static void layout(struct ui *ui)
{
	int lines = LINES, cols = COLS;
	struct pane *tl = &ui->panes[PANE_TIMELINE], *st = &ui->panes[PANE_STATE];
	struct pane *help = &ui->panes[PANE_HELP];

	ui->too_small = lines < MIN_LINES || cols < MIN_COLS;
	if (ui->too_small) {
		/* Keep the old rectangles: the panes keep their rows for when
		 * the terminal grows again; nothing is drawn meanwhile. */
		return;
	}
	int body = lines - 2;
	ui->split = cols >= SPLIT_MIN_COLS;
	if (ui->split) {
		int tw = cols * 9 / 20;
		tw += ui->br.spans_days ? 11 : 0; /* the date in front of the time */
		if (tw < 30)
			tw = 30;
		if (tw > 72)
			tw = 72;
		set_rect(tl, 1, 0, body, tw);
		set_rect(st, 1, tw + 1, body, cols - tw - 1);
		tl->visible = st->visible = ui->view == VIEW_MAIN;
	} else {
		set_rect(tl, 1, 0, body, cols);
		set_rect(st, 1, 0, body, cols);
		tl->visible = ui->view == VIEW_MAIN && ui->focus == PANE_TIMELINE;
		st->visible = ui->view == VIEW_MAIN && ui->focus == PANE_STATE;
	}
	/* The views take the body; the history draws its own title row. */
	set_rect(&ui->panes[PANE_DIFF], 1, 0, body, cols);
	ui->panes[PANE_DIFF].visible = ui->view == VIEW_DIFF;
	set_rect(&ui->panes[PANE_HISTORY], 0, 0, body + 1, cols);
	ui->panes[PANE_HISTORY].visible = ui->view == VIEW_HISTORY;

	int hw = cols - 4 < HELP_MAX_COLS ? cols - 4 : HELP_MAX_COLS;
	int hh = lines - 2 < (int)help_entries() + 2 ? lines - 2 : (int)help_entries() + 2;
	set_rect(help, (lines - hh) / 2, (cols - hw) / 2, hh, hw);

	for (int i = 0; i < PANE_COUNT; i++)
		if (!ui->empty && ui->panes[i].ops->resize)
			ui->panes[i].ops->resize(&ui->panes[i]);
}

static void set_focus(struct ui *ui, int focus)
{
	ui->panes[ui->focus].focused = false;
	ui->focus = focus;
	ui->panes[focus].focused = true;
	if (!ui->split)
		layout(ui); /* the other pane takes the screen */
}

/* The pane keys go to: the overlay, the open view, or the focused pane. */
static struct pane *target_pane(struct ui *ui)
{
	if (ui->help)
		return &ui->panes[PANE_HELP];
	if (ui->view == VIEW_DIFF)
		return &ui->panes[PANE_DIFF];
	if (ui->view == VIEW_HISTORY)
		return &ui->panes[PANE_HISTORY];
	return &ui->panes[ui->focus];
}

static void set_view(struct ui *ui, enum view v)
{
	ui->view = v;
	ui->panes[PANE_DIFF].focused = v == VIEW_DIFF;
	ui->panes[PANE_HISTORY].focused = v == VIEW_HISTORY;
	layout(ui);
}

/* ---- automatic capture ---------------------------------------------------- */

static ss_status end_time(ss_manager *mgr, const char *session, bool newest, int64_t *at);

static int take_first_at(const ss_capture_error *e, void *user_data)
{
	*(int64_t *)user_data = e->at;
	return 1;
}

/*
 * What the automatic capture this process runs for the shown session is
 * doing, into ui->live for the title row: "● live 1s", "‖ paused", or
 * "✗ failing since 14:03:10 (12×): reason" (the run of errors since the
 * newest snapshot, the last reason escaped).  Empty when none runs here
 * (ss_auto_status says SS_NOT_FOUND): a session another process captures
 * still shows its errors in the timeline, only not this.
 */
static void update_live(struct ui *ui)
{
	struct browser *br = &ui->br;
	ss_auto_info info;
	ui->live[0] = '\0';
	ui->live_failing = false;
	if (ui->empty || ss_auto_status(br->mgr, br->session, &info) != SS_OK)
		return;
	if (info.paused) {
		snprintf(ui->live, sizeof ui->live, " ‖ paused ");
		ui->live_role = DRAW_MARK;
		return;
	}
	if (!info.failing) {
		char every[32];
		ss_duration_format(info.interval_ms, every, sizeof every);
		snprintf(ui->live, sizeof ui->live, " ● live %s ", every);
		ui->live_role = DRAW_TITLE;
		return;
	}
	int64_t newest = SS_TIME_NONE, count = 0, first = 0;
	if (end_time(br->mgr, br->session, true, &newest) != SS_OK)
		newest = SS_TIME_NONE;
	if (ss_capture_error_count(br->mgr, br->session, newest, SS_TIME_NONE, &count) != SS_OK ||
	    ss_capture_errors(br->mgr, br->session, newest == SS_TIME_NONE ? SS_TIME_NONE : newest + 1,
	                      SS_TIME_NONE, 1, take_first_at, &first) != SS_OK)
		count = 0;
	char *safe = ss_text_escape(info.last_error, strlen(info.last_error));
	char since[32] = "";
	time_t secs = (time_t)(first / 1000);
	struct tm tm;
	if (count > 0 && first && localtime_r(&secs, &tm))
		strftime(since, sizeof since, "%H:%M:%S", &tm);
	if (since[0])
		snprintf(ui->live, sizeof ui->live, " ✗ failing since %s (%lld×): %s ", since,
		         (long long)count, safe ? safe : "?");
	else
		snprintf(ui->live, sizeof ui->live, " ✗ failing: %s ", safe ? safe : "?");
	free(safe);
	ui->live_role = DRAW_ERROR;
	ui->live_failing = true;
}

/* The indicator at the right end of the title row, over the state pane's
 * header (the store path matters less) but never over the session's. */
static void draw_live(struct ui *ui)
{
	if (!ui->live[0])
		return;
	const struct pane *st = &ui->panes[PANE_STATE];
	int start = ui->view == VIEW_MAIN && ui->split ? st->x + 1 : COLS / 2;
	int w = draw_width(ui->live, strlen(ui->live));
	if (w > COLS - start)
		w = COLS - start;
	if (w > 0)
		draw_str(stdscr, 0, COLS - w, w, ui->live, ui->live_role);
}

/* Capture errors after the newest snapshot while it is the one selected
 * (following, usually): the timeline's !N marks only count errors before
 * a snapshot.  0 when none or unknown. */
static int64_t errors_after_newest(const struct ui *ui)
{
	const struct browser *br = &ui->br;
	const ss_snapshot *sel = br->selected;
	int64_t n = 0;
	if (ui->empty || !sel || br->filter_shown || br->position != br->total ||
	    ss_capture_error_count(br->mgr, br->session, sel->created_at, SS_TIME_NONE, &n) != SS_OK)
		return 0;
	return n;
}

/* c and P: work on this process's automatic capture of the session. */
static void capture_control(struct ui *ui, enum action act)
{
	struct browser *br = &ui->br;
	ss_auto_info info;
	ss_status st = ui->empty ? SS_NOT_FOUND : ss_auto_status(br->mgr, br->session, &info);
	if (st == SS_NOT_FOUND) {
		browser_message(br, DRAW_ERROR,
		                "not capturing: start one with snapscope watch %s --every 1s -- COMMAND",
		                ui->empty ? "SESSION" : br->session_shown);
		return;
	}
	if (st == SS_OK && act == ACT_CAPTURE) {
		st = ss_auto_trigger(br->mgr, br->session);
		if (st == SS_OK)
			browser_message(br, DRAW_META, info.paused ? "capturing once (still paused)"
			                                           : "capturing now");
	} else if (st == SS_OK) {
		st = ss_auto_pause(br->mgr, br->session, !info.paused);
		if (st == SS_OK)
			browser_message(br, DRAW_META, info.paused ? "capture resumed" : "capture paused");
	}
	if (st != SS_OK)
		browser_error(br, act == ACT_CAPTURE ? "capturing now" : "pausing the capture", st);
}

/* ---- drawing -------------------------------------------------------------- */

static void draw_centered(int y, const char *text, enum draw_role role)
{
	int w = draw_width(text, strlen(text));
	int x = w < COLS ? (COLS - w) / 2 : 0;
	draw_str(stdscr, y, x, COLS - x, text, role);
}

static void draw_title(struct ui *ui)
{
	char buf[512];
	const struct pane *tl = &ui->panes[PANE_TIMELINE], *st = &ui->panes[PANE_STATE];

	draw_fill(stdscr, 0, 0, COLS, DRAW_HEADER);
	if (ui->empty) {
		draw_fill(stdscr, 0, 0, COLS, DRAW_TITLE);
		snprintf(buf, sizeof buf, " snapscope - %s", ui->store_shown);
		draw_str(stdscr, 0, 0, COLS, buf, DRAW_TITLE);
		return;
	}
	if (ui->view == VIEW_DIFF) {
		snprintf(buf, sizeof buf, " %s - diff #%lld → #%lld - Esc: back", ui->br.session_shown,
		         (long long)ui->diff_old, (long long)ui->diff_new);
		draw_fill(stdscr, 0, 0, COLS, DRAW_TITLE);
		draw_str(stdscr, 0, 0, COLS, buf, DRAW_TITLE);
		draw_live(ui);
		return;
	}
	/* One header per visible pane, the focused one in the title role. */
	if (tl->visible) {
		enum draw_role role = ui->focus == PANE_TIMELINE ? DRAW_TITLE : DRAW_HEADER;
		snprintf(buf, sizeof buf, " %s - %lld snapshot%s%s", ui->br.session_shown,
		         (long long)ui->br.total, ui->br.total == 1 ? "" : "s",
		         ui->br.filter_shown ? " (filtered)" : "");
		draw_fill(stdscr, 0, tl->x, tl->w, role);
		draw_str(stdscr, 0, tl->x, tl->w, buf, role);
	}
	if (st->visible) {
		enum draw_role role = ui->focus == PANE_STATE ? DRAW_TITLE : DRAW_HEADER;
		const ss_snapshot *sel = ui->br.selected;
		if (sel)
			snprintf(buf, sizeof buf, " state of #%lld - %s", (long long)sel->id,
			         ui->store_shown);
		else
			snprintf(buf, sizeof buf, " state - %s", ui->store_shown);
		draw_fill(stdscr, 0, st->x, st->w, role);
		draw_str(stdscr, 0, st->x, st->w, buf, role);
	}
	draw_live(ui);
}

static void draw_status(struct ui *ui)
{
	int y = LINES - 1;
	if (ui->br.prompt.active) {
		prompt_draw(&ui->br.prompt, stdscr, y, COLS);
		return;
	}
	char left[512];
	const ss_snapshot *sel = ui->br.selected;
	size_t n = 0;

	draw_fill(stdscr, y, 0, COLS, DRAW_STATUS);
	if (ui->empty)
		n = (size_t)snprintf(left, sizeof left, " no sessions ");
	else if (sel)
		n = (size_t)snprintf(left, sizeof left, " %s  seq %lld (%lld/%lld)  [%s]",
		                     ui->br.session_shown, (long long)sel->seq,
		                     (long long)ui->br.position, (long long)ui->br.total,
		                     target_pane(ui)->ops->name);
	else
		n = (size_t)snprintf(left, sizeof left, " %s  empty  [%s]", ui->br.session_shown,
		                     target_pane(ui)->ops->name);
	if (!ui->empty && n < sizeof left) {
		char mark[32];
		if (ui->br.follow)
			n += (size_t)snprintf(left + n, sizeof left - n, "  follow");
		if (n < sizeof left && timeline_mark_label(&ui->panes[PANE_TIMELINE], mark, sizeof mark))
			n += (size_t)snprintf(left + n, sizeof left - n, "  %s", mark);
		if (n < sizeof left && ui->br.filter_shown)
			n += (size_t)snprintf(left + n, sizeof left - n, "  filter: %s",
			                      ui->br.filter_shown);
		if (n < sizeof left && ui->view == VIEW_MAIN && ui->focus == PANE_STATE) {
			const char *path = statepane_status(&ui->panes[PANE_STATE]);
			if (path)
				n += (size_t)snprintf(left + n, sizeof left - n, "  %s", path);
		}
	}
	if (n < sizeof left)
		snprintf(left + n, sizeof left - n, " ");
	int x = draw_str(stdscr, y, 0, COLS, left, DRAW_STATUS);
	/* A message answers a key: it goes first, the note comes back after. */
	int64_t after = ui->live_failing || ui->br.message[0] ? 0 : errors_after_newest(ui);
	if (after > 0) {
		char note[64];
		snprintf(note, sizeof note, "%lld capture error%s after this  ", (long long)after,
		         after == 1 ? "" : "s");
		x += draw_str(stdscr, y, x, COLS - x, note, DRAW_ERROR);
	}
	if (ui->br.message[0])
		x += draw_str(stdscr, y, x, COLS - x, ui->br.message, ui->br.message_role);

	const char *hints = ui->empty ? "?:help  q:quit " : "?:help  q:quit ";
	int hw = draw_width(hints, strlen(hints));
	if (COLS - x >= hw + 2)
		draw_str(stdscr, y, COLS - hw, hw, hints, DRAW_STATUS);
}

static void draw_empty(void)
{
	int mid = LINES / 2 - 1;
	draw_centered(mid, "no snapshots yet", DRAW_HEADER);
	draw_centered(mid + 1, "try `snapscope demo`", DRAW_DEFAULT);
	draw_centered(mid + 2, "or `snapscope capture NAME file.json`", DRAW_DEFAULT);
}

static void draw_all(struct ui *ui)
{
	erase();
	if (ui->too_small) {
		/* The longest wording that fits: at 1x1 even "small" does not. */
		const char *msg = COLS >= 18 ? "terminal too small" : COLS >= 9 ? "too small" : "small";
		draw_centered(LINES / 2, msg, DRAW_ERROR);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	update_live(ui);
	draw_title(ui);
	if (ui->empty) {
		draw_empty();
	} else if (ui->view == VIEW_DIFF) {
		ui->panes[PANE_DIFF].ops->draw(&ui->panes[PANE_DIFF]);
	} else if (ui->view == VIEW_HISTORY) {
		ui->panes[PANE_HISTORY].ops->draw(&ui->panes[PANE_HISTORY]);
	} else {
		for (int i = PANE_TIMELINE; i <= PANE_STATE; i++)
			if (ui->panes[i].visible)
				ui->panes[i].ops->draw(&ui->panes[i]);
		if (ui->split) {
			const struct pane *st = &ui->panes[PANE_STATE];
			draw_vline(stdscr, st->y, st->x - 1, st->h, DRAW_BORDER);
		}
	}
	draw_status(ui);
	if (ui->help)
		ui->panes[PANE_HELP].ops->draw(&ui->panes[PANE_HELP]);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- actions -------------------------------------------------------------- */

static void open_diff(struct ui *ui)
{
	int64_t old_id = ui->br.diff_old, new_id = ui->br.diff_new;
	ui->br.diff_old = ui->br.diff_new = 0;
	if (!old_id || !new_id)
		return;
	ui->diff_old = old_id;
	ui->diff_new = new_id;
	set_view(ui, VIEW_DIFF);
	diffview_open(&ui->panes[PANE_DIFF], old_id, new_id);
}

static void open_history(struct ui *ui)
{
	ss_path path = { 0 };
	/* The focused node of the state; the whole state when the pane has
	 * nothing focused (no snapshot, a damaged one). */
	if (!statepane_focused_path(&ui->panes[PANE_STATE], &path))
		ss_path_clear(&path);
	if (historyview_open(&ui->panes[PANE_HISTORY], &path) == SS_OK)
		set_view(ui, VIEW_HISTORY);
	ss_path_clear(&path);
}

/* Actions about the selected snapshot: the timeline's, from any pane of
 * the main view. */
static bool timeline_action(enum action act)
{
	switch (act) {
	case ACT_MARK:
	case ACT_DIFF:
	case ACT_GOTO:
	case ACT_FILTER:
	case ACT_TAG:
	case ACT_UNTAG:
	case ACT_DESCRIBE:
	case ACT_PIN:
	case ACT_EXPORT:
	case ACT_DELETE:
	case ACT_FOLLOW:
		return true;
	default:
		return false;
	}
}

/* Apply an action the target pane passed on; false to quit. */
static bool generic_action(struct ui *ui, struct pane *from, enum action act)
{
	struct pane *tl = &ui->panes[PANE_TIMELINE];
	if (!ui->empty && ui->view == VIEW_MAIN && from != tl && timeline_action(act))
		act = tl->ops->request(tl, act);
	switch (act) {
	case ACT_QUIT:
		if (ui->view != VIEW_MAIN) {
			set_view(ui, VIEW_MAIN);
			break;
		}
		return false;
	case ACT_HELP:
		ui->help = true;
		ui->panes[PANE_HELP].focused = true;
		break;
	case ACT_CLOSE:
		if (ui->help) {
			ui->help = false;
			ui->panes[PANE_HELP].focused = false;
		} else if (ui->view != VIEW_MAIN) {
			set_view(ui, VIEW_MAIN);
		}
		break;
	case ACT_NEXT_PANE:
		if (!ui->empty && ui->view == VIEW_MAIN)
			set_focus(ui, ui->focus == PANE_TIMELINE ? PANE_STATE : PANE_TIMELINE);
		break;
	case ACT_OPEN:
		if (ui->empty)
			break;
		if (ui->view == VIEW_HISTORY) {
			int64_t id = historyview_selected(&ui->panes[PANE_HISTORY]);
			set_view(ui, VIEW_MAIN);
			if (id)
				timeline_jump(tl, id);
		} else if (ui->view == VIEW_MAIN && ui->focus == PANE_TIMELINE) {
			set_focus(ui, PANE_STATE);
		}
		break;
	case ACT_DIFF:
		if (!ui->empty && ui->view == VIEW_MAIN)
			open_diff(ui);
		break;
	case ACT_HISTORY:
		if (!ui->empty && ui->view == VIEW_MAIN)
			open_history(ui);
		break;
	case ACT_NEXT_THEME:
		browser_message(&ui->br, DRAW_META, "theme: %s", theme_next());
		clearok(curscr, TRUE);
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case ACT_CAPTURE:
	case ACT_PAUSE:
		capture_control(ui, act);
		break;
	default:
		/* Nothing to do here (movement in the empty store, a fold key
		 * in the timeline). */
		break;
	}
	return true;
}

static bool dispatch(struct ui *ui, struct pane *target, enum action act)
{
	if (act == ACT_NONE)
		return true;
	if (!ui->empty && target->ops->request)
		act = target->ops->request(target, act);
	else if (ui->help && target == &ui->panes[PANE_HELP])
		act = target->ops->request(target, act);
	return act == ACT_NONE ? true : generic_action(ui, target, act);
}

/* A key while the prompt is open: edit, or hand the answer over. */
static void prompt_key(struct ui *ui, wint_t ch, bool is_key)
{
	struct browser *br = &ui->br;
	enum prompt_result r = prompt_feed(&br->prompt, ch, is_key);
	if (r == PROMPT_EDITING)
		return;
	struct pane *asker = br->asker;
	br->asker = NULL;
	br->message[0] = '\0'; /* what was said before the question is stale */
	if (r == PROMPT_ACCEPT && asker && asker->ops->answer) {
		asker->ops->answer(asker, br->prompt.purpose, br->prompt.confirm ? "y" : br->prompt.text);
		/* An edit changes the selected row's metadata in place: the
		 * state pane shows it again. */
		br->selection_changed = true;
	} else if (r == PROMPT_CANCEL && br->prompt.confirm) {
		browser_message(br, DRAW_META, "%s", br->confirm_no ? br->confirm_no : "not deleted");
	}
}

static bool on_key(struct ui *ui, int key)
{
	struct pane *target = target_pane(ui);
	return dispatch(ui, target, keys_lookup(target->ops->keymap, key));
}

static bool inside(const struct pane *p, int y, int x)
{
	return p->visible && y >= p->y && y < p->y + p->h && x >= p->x && x < p->x + p->w;
}

static void on_mouse(struct ui *ui)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || ui->empty || ui->br.prompt.active)
		return;
	struct pane *target = NULL;
	if (ui->help || ui->view != VIEW_MAIN)
		target = target_pane(ui);
	else
		for (int i = PANE_TIMELINE; i <= PANE_STATE && !target; i++)
			if (inside(&ui->panes[i], ev.y, ev.x))
				target = &ui->panes[i];
	if (!target)
		return;
	enum action wheel = ACT_NONE;
	if (ev.bstate & BUTTON4_PRESSED)
		wheel = ACT_MOVE_UP;
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED)
		wheel = ACT_MOVE_DOWN;
#endif
	if (wheel != ACT_NONE) {
		for (int i = 0; i < 3; i++)
			dispatch(ui, target, wheel);
		return;
	}
	if (!ui->help && (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))) {
		int idx = (int)(target - ui->panes);
		if (ui->view == VIEW_MAIN && idx != ui->focus)
			set_focus(ui, idx);
		if (target->ops->click && inside(target, ev.y, ev.x))
			target->ops->click(target, ev.y - target->y, ev.x - target->x);
	}
}

/* Another process wrote to the store: show it. */
static void poll_store(struct ui *ui)
{
	bool changed = false;
	if (ui->empty || ss_changed_since(ui->br.mgr, &ui->data_version, &changed) != SS_OK ||
	    !changed)
		return;
	timeline_refresh(&ui->panes[PANE_TIMELINE]);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- session -------------------------------------------------------------- */

static int take_time(const ss_snapshot *row, void *user_data)
{
	*(int64_t *)user_data = row->created_at;
	return 1;
}

/* The time of the first (newest false) or newest snapshot of `session`;
 * SS_TIME_NONE when it has none. */
static ss_status end_time(ss_manager *mgr, const char *session, bool newest, int64_t *at)
{
	ss_query q;
	ss_query_init(&q);
	q.session = session;
	q.sort = SS_SORT_TIME;
	q.reverse = newest;
	q.limit = 1;
	*at = SS_TIME_NONE;
	return ss_search(mgr, &q, NULL, take_time, at);
}

/*
 * Find the session to show: `want`, or the one whose newest snapshot is the
 * latest (without snapshots anywhere: the first session).  *found false:
 * `want` does not exist, or (want NULL) the store has no sessions.
 */
struct newest {
	char *session;              /* the newest row's session, owned */
	bool seen;                  /* there was a row */
};

static int take_session(const ss_snapshot *row, void *user_data)
{
	struct newest *n = user_data;
	n->seen = true;
	n->session = row->session ? strdup(row->session) : NULL;
	return 1;
}

static ss_status pick_session(ss_manager *mgr, const char *want, ss_session *out, bool *found)
{
	*found = false;
	memset(out, 0, sizeof *out);
	if (!want) {
		/* The session of the store's newest snapshot: one read of the
		 * time index, where comparing the sessions' summaries would
		 * read every row. */
		ss_query q;
		ss_query_init(&q);
		q.sort = SS_SORT_TIME;
		q.reverse = true;
		q.limit = 1;
		struct newest n = { 0 };
		ss_status st = ss_search(mgr, &q, NULL, take_session, &n);
		if (st != SS_OK)
			return st;
		if (n.seen && !n.session)
			return SS_NOMEM;
		if (n.session) {
			st = pick_session(mgr, n.session, out, found);
			free(n.session);
			return st;
		}
		/* No snapshot anywhere: the summaries cost nothing, and a
		 * session created without snapshots is still worth opening. */
	}
	if (want) {
		/* Not ss_session_info() first: its summary sums over every row
		 * of the session, most of a second at a million snapshots.  Two
		 * keyset reads give the span; a session without a first row may
		 * still exist (created by `session NAME`), and asking about an
		 * empty one costs nothing. */
		int64_t first, last;
		ss_status st = end_time(mgr, want, false, &first);
		if (st == SS_OK)
			st = end_time(mgr, want, true, &last);
		if (st != SS_OK)
			return st;
		if (first == SS_TIME_NONE) {
			ss_session_config cfg;
			memset(&cfg, 0, sizeof cfg);
			st = ss_session_config_get(mgr, want, &cfg);
			ss_session_config_clear(&cfg);
			if (st == SS_NOT_FOUND)
				return SS_OK;
			if (st != SS_OK)
				return st;
		}
		if (!(out->name = strdup(want)))
			return SS_NOMEM;
		out->first_at = first;
		out->last_at = last;
		*found = true;
		return SS_OK;
	}
	ss_session *list = NULL;
	size_t n = 0;
	ss_status st = ss_sessions(mgr, &list, &n);
	if (st != SS_OK)
		return st;
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (best == n || list[i].last_at > list[best].last_at)
			best = i;
	}
	if (best < n) {
		*out = list[best];
		memset(&list[best], 0, sizeof list[best]); /* moved out */
		*found = true;
	}
	ss_session_array_free(list, n);
	return SS_OK;
}

static bool same_local_day(int64_t a_ms, int64_t b_ms)
{
	time_t a = (time_t)(a_ms / 1000), b = (time_t)(b_ms / 1000);
	struct tm ta, tb;
	if (!localtime_r(&a, &ta) || !localtime_r(&b, &tb))
		return true;
	return ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
}

/* ---- the loop --------------------------------------------------------------- */

/*
 * Wait at most wait_ms for a key or for the capture thread's wake pipe.
 * ncurses may already hold input it read from the terminal, which poll()
 * cannot see: that is taken first, without waiting.  Returns get_wch()'s
 * result (ERR: no key); *woken says the pipe was readable.
 */
static int wait_key_or_wake(int wake_fd, int wait_ms, wint_t *wch, bool *woken)
{
	*woken = false;
	timeout(0);
	int r = get_wch(wch);
	if (r != ERR)
		return r;
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = wake_fd, .events = POLLIN },
	};
	if (poll(fds, 2, wait_ms) <= 0)
		return ERR;     /* the tick, or a signal (the caller looks) */
	*woken = (fds[1].revents & (POLLIN | POLLHUP)) != 0;
	if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return ERR;
	/* An escape sequence's tail is waited for by ncurses itself
	 * (ESCDELAY), whatever the timeout. */
	return get_wch(wch);
}

/*
 * Run until q, the end of the script, a signal or a lost terminal.  Returns
 * the exit code; a message for stderr goes to fatal.
 */
static int run(struct ui *ui, char *fatal, size_t fatal_size)
{
	int err_reads = 0;
	int64_t last_poll = monotonic_ms();
	struct pane *sp = &ui->panes[PANE_STATE];
	for (;;) {
		if (ui->br.selection_changed) {
			ui->br.selection_changed = false;
			sp->ops->select(sp, ui->br.selected);
		}
		/* A state read off the UI thread: shown once it is there. */
		if (statepane_loading(sp))
			statepane_poll(sp);
		draw_all(ui);
		if (got_signal)
			return SS_EXIT_FAILURE;

		wint_t wch = 0;
		int r;
		if (ui->script) {
			struct script_step step;
			if (!script_next(ui->script, &step, fatal, fatal_size))
				return SS_EXIT_USAGE;
			if (step.op == SCRIPT_END)
				return SS_EXIT_OK;
			if (step.op == SCRIPT_DUMP) {
				if (!script_dump(stdscr, step.arg, fatal, fatal_size))
					return SS_EXIT_FAILURE;
				continue;
			}
			if (step.op == SCRIPT_RESIZE) {
				resizeterm(step.lines, step.cols);
				layout(ui);
				continue;
			}
			wch = step.ch;
			r = step.is_key ? KEY_CODE_YES : OK;
		} else {
			/* While a state loads, wake often to show it soon; the
			 * loader's pipe is read then (statepane_poll). */
			int wait_ms = statepane_loading(sp) ? LOAD_POLL_MS : POLL_MS;
			int64_t began = monotonic_ms();
			/* Once automatic capture has started, its thread wakes
			 * us: what it wrote shows at once. */
			int wake_fd = ss_auto_wake_fd(ui->br.mgr);
			bool woken = false;
			if (wake_fd >= 0) {
				r = wait_key_or_wake(wake_fd, wait_ms, &wch, &woken);
			} else {
				timeout(wait_ms);
				r = get_wch(&wch);
			}
			if (woken) {
				ss_auto_drain(ui->br.mgr);
				poll_store(ui);
				last_poll = monotonic_ms();
				/* Not a read of the terminal: the count of
				 * failed reads neither grows nor restarts. */
				if (r == ERR)
					continue;
			}
			if (r == ERR) {
				/* A timeout is the poll's tick; an immediate error
				 * over and over means the terminal went away. */
				if (got_signal)
					return SS_EXIT_FAILURE;
				if (monotonic_ms() - began < wait_ms / 2 && errno != EINTR) {
					if (++err_reads >= ERR_READS_MAX) {
						snprintf(fatal, fatal_size, "lost the terminal");
						return SS_EXIT_FAILURE;
					}
				} else {
					err_reads = 0;
				}
				if (monotonic_ms() - last_poll >= POLL_MS) {
					poll_store(ui);
					last_poll = monotonic_ms();
				}
				continue;
			}
			err_reads = 0;
			/* Keys arriving without a pause must not starve the poll. */
			if (monotonic_ms() - last_poll >= POLL_MS) {
				poll_store(ui);
				last_poll = monotonic_ms();
			}
		}
		bool is_key = r == KEY_CODE_YES;
		if (is_key && (int)wch == KEY_RESIZE) {
			layout(ui);
			continue;
		}
		if (ui->br.prompt.active && !ui->too_small) {
			if (!(is_key && (int)wch == KEY_MOUSE))
				prompt_key(ui, wch, is_key);
			continue;
		}
		/* A typed character that happens to share a KEY_* code is not
		 * that key: only ASCII characters are bound. */
		int key = is_key ? (int)wch : (wch < 0x80 ? (int)wch : -1);
		ui->br.message[0] = '\0';
		if (ui->too_small) {
			if (key == 'q')
				return SS_EXIT_OK;
			continue;
		}
		if (key == KEY_MOUSE) {
			on_mouse(ui);
			continue;
		}
		if (!on_key(ui, key))
			return SS_EXIT_OK;
	}
}

/* ---- entry ---------------------------------------------------------------- */

static void ui_free(struct ui *ui)
{
	/* First: it may be reading the store; waits for a load in progress. */
	loader_stop(ui->br.loader);
	ui->br.loader = NULL;
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &ui->panes[i];
		if (p->priv && p->ops && p->ops->done)
			p->ops->done(p);
		free(p->priv);
		p->priv = NULL;
	}
	free(ui->br.session_shown);
	free(ui->store_shown);
	script_close(ui->script);
}

/* SIGINT and SIGTERM end the loop (the terminal is restored, then the
 * signal is raised again); SIGINT is also Ctrl-C in cbreak mode. */
static void catch_signals(struct sigaction *old_int, struct sigaction *old_term)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read returns, and the loop sees the flag. */
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
	/* A signal ignored when we started (nohup, a shell's background
	 * job) stays ignored, as the one who ignored it meant. */
	if (old_int->sa_handler == SIG_IGN)
		sigaction(SIGINT, old_int, NULL);
	if (old_term->sa_handler == SIG_IGN)
		sigaction(SIGTERM, old_term, NULL);
}

int tui_browse(ss_manager *mgr, const char *session, const char *script_path)
{
	/* The CLI may have done it already; harmless twice, and needed for
	 * mbrtowc/wcwidth and ncursesw to speak UTF-8. */
	setlocale(LC_ALL, "");

	struct ui ui;
	memset(&ui, 0, sizeof ui);
	ui.br.mgr = mgr;
	ss_session info;
	bool found;
	FILE *null_out = NULL, *null_in = NULL;
	char fatal[1024] = "";

	if (!script_path) {
		const char *env = getenv("SNAPSCOPE_SCRIPT");
		script_path = env && *env ? env : NULL;
	}
	if (script_path && !(ui.script = script_open(script_path, fatal, sizeof fatal))) {
		fprintf(stderr, "snapscope: %s\n", fatal);
		return SS_EXIT_USAGE;
	}
	ss_status st = pick_session(mgr, session, &info, &found);
	if (st != SS_OK) {
		fprintf(stderr, "snapscope: %s\n", ss_errmsg(mgr)[0] ? ss_errmsg(mgr) : ss_status_str(st));
		ss_session_clear(&info);
		script_close(ui.script);
		return ss_status_exit_code(st);
	}
	if (session && !found) {
		char *safe = ss_text_escape(session, strlen(session));
		fprintf(stderr, "snapscope: no session named '%s' (see `snapscope sessions`)\n",
		        safe ? safe : "?");
		free(safe);
		ss_session_clear(&info);
		script_close(ui.script);
		return SS_EXIT_FAILURE;
	}
	int rc = SS_EXIT_OK;
	const char *where = ss_store_location(mgr);
	ui.store_shown = ss_text_escape(where ? where : "", where ? strlen(where) : 0);
	ui.empty = !found;
	if (found) {
		ui.br.session = info.name;
		ui.br.session_shown = ss_text_escape(info.name, strlen(info.name));
		ss_query q;
		ss_query_init(&q);
		q.session = info.name;
		st = ss_count(mgr, &q, &ui.br.total);
		if (st != SS_OK) {
			fprintf(stderr, "snapscope: counting snapshots: %s\n", ss_errmsg(mgr));
			rc = ss_status_exit_code(st);
			goto out_noterm;
		}
		ui.br.spans_days = info.first_at != SS_TIME_NONE && info.last_at != SS_TIME_NONE &&
		                   !same_local_day(info.first_at, info.last_at);
	}
	if (!ui.store_shown || (found && !ui.br.session_shown)) {
		fprintf(stderr, "snapscope: out of memory\n");
		rc = SS_EXIT_FAILURE;
		goto out_noterm;
	}
	if (!ui.script && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "snapscope: browse needs a terminal; try `snapscope list`\n");
		rc = SS_EXIT_USAGE;
		goto out_noterm;
	}

	/* Before newterm: ncurses installs its own SIGINT/SIGTERM handlers
	 * only where none is set, and ours restore the terminal the same way
	 * every other exit does. */
	struct sigaction old_int, old_term;
	catch_signals(&old_int, &old_term);

	/* newterm rather than initscr: initscr exits the process on a bad
	 * TERM, newterm lets us say so and return.  A script draws into a
	 * screen on /dev/null: nobody sees it, :dump reads it back. */
	SCREEN *scr = NULL;
	if (ui.script) {
		null_out = fopen("/dev/null", "w");
		null_in = fopen("/dev/null", "r");
		if (null_out && null_in) {
			scr = newterm("xterm-256color", null_out, null_in);
			if (!scr)
				scr = newterm(NULL, null_out, null_in);
		}
	} else {
		scr = newterm(NULL, stdout, stdin);
	}
	if (!scr) {
		const char *term = getenv("TERM");
		fprintf(stderr, "snapscope: cannot drive the terminal (TERM=%s)\n", term ? term : "");
		rc = SS_EXIT_FAILURE;
		goto out_signals;
	}
	set_term(scr);
	if (ui.script)
		resizeterm(SCRIPT_LINES_DEFAULT, SCRIPT_COLS_DEFAULT);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25); /* Esc closes the help without a second's wait */
	timeout(POLL_MS);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
	          | BUTTON5_PRESSED
#endif
	          , NULL);
	const char *theme = getenv("SNAPSCOPE_THEME");
	if (!theme_init(theme && *theme ? theme : NULL, fatal, sizeof fatal)) {
		rc = SS_EXIT_USAGE;
		goto out;
	}

	static const struct pane_ops *const ops[PANE_COUNT] = {
		[PANE_TIMELINE] = &timeline_ops,
		[PANE_STATE] = &state_ops,
		[PANE_DIFF] = &diffview_ops,
		[PANE_HISTORY] = &historyview_ops,
		[PANE_HELP] = &help_ops,
	};
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &ui.panes[i];
		p->ops = ops[i];
		p->br = &ui.br;
		p->priv = calloc(1, ops[i]->private_size ? ops[i]->private_size : 1);
		if (!p->priv) {
			snprintf(fatal, sizeof fatal, "out of memory");
			rc = SS_EXIT_FAILURE;
			goto out;
		}
	}
	ui.focus = PANE_TIMELINE;
	ui.panes[PANE_TIMELINE].focused = true;
	layout(&ui);
	if (!ui.empty) {
		/* The token first: what is written from now on is news. */
		bool unused;
		ss_changed_since(mgr, &ui.data_version, &unused);
		for (int i = 0; i < PANE_COUNT; i++) {
			struct pane *p = &ui.panes[i];
			if (p->ops->open && (st = p->ops->open(p)) != SS_OK) {
				snprintf(fatal, sizeof fatal, "%s", ui.br.message);
				rc = ss_status_exit_code(st);
				goto out;
			}
		}
	}
	rc = run(&ui, fatal, sizeof fatal);

out:
	endwin();
	delscreen(scr);
out_signals:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (null_out)
		fclose(null_out);
	if (null_in)
		fclose(null_in);
	if (fatal[0])
		fprintf(stderr, "snapscope: %s\n", fatal);
out_noterm:
	ui_free(&ui);
	ss_session_clear(&info);
	if (got_signal) {
		/* The terminal is back: end the way the signal asked. */
		int sig = got_signal;
		got_signal = 0;
		fflush(stdout);
		raise(sig);
	}
	return rc;
}
