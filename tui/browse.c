/*
 * browse.c - the browser: picks the session, owns the terminal, the layout
 * and the event loop, and dispatches keys through the panes (pane.h).
 *
 * Screen: a title row, the timeline (left) and the state (right) side by
 * side, the status line at the bottom; narrower than SPLIT_MIN_COLS only
 * the focused pane shows, below MIN_COLS x MIN_LINES a notice.  Each frame
 * is erased and drawn whole; ncurses sends only what changed.
 *
 * Every way out goes through one cleanup that calls endwin() before
 * anything is written to stderr, so the terminal is never left raw.
 */
#include "browse.h"

#include "pane.h"

#include <curses.h>
#include <locale.h>
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

enum { PANE_TIMELINE, PANE_STATE, PANE_HELP, PANE_COUNT };

struct ui {
	struct browser br;
	struct pane panes[PANE_COUNT];
	int focus;                  /* PANE_TIMELINE or PANE_STATE */
	bool help;                  /* the overlay is open */
	bool empty;                 /* the store has no sessions */
	bool split;                 /* both panes side by side */
	bool too_small;
	char *store_shown;          /* the store path, escaped */
};

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

/* ---- layout --------------------------------------------------------------- */

static void set_rect(struct pane *p, int y, int x, int h, int w)
{
	p->y = y;
	p->x = x;
	p->h = h > 0 ? h : 0;
	p->w = w > 0 ? w : 0;
}

static size_t help_lines(void)
{
	size_t n = 0;
	for (int a = 0; a < ACT_COUNT; a++)
		if (*action_help((enum action)a))
			n++;
	return n;
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
		tl->visible = st->visible = true;
	} else {
		set_rect(tl, 1, 0, body, cols);
		set_rect(st, 1, 0, body, cols);
		tl->visible = ui->focus == PANE_TIMELINE;
		st->visible = ui->focus == PANE_STATE;
	}
	int hw = cols - 4 < 76 ? cols - 4 : 76;
	int hh = lines - 2 < (int)help_lines() + 2 ? lines - 2 : (int)help_lines() + 2;
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
	/* One header per visible pane, the focused one in the title role. */
	if (tl->visible) {
		enum draw_role role = ui->focus == PANE_TIMELINE ? DRAW_TITLE : DRAW_HEADER;
		snprintf(buf, sizeof buf, " %s - %lld snapshot%s", ui->br.session_shown,
		         (long long)ui->br.total, ui->br.total == 1 ? "" : "s");
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
}

static void draw_status(struct ui *ui)
{
	int y = LINES - 1;
	char left[256];
	const ss_snapshot *sel = ui->br.selected;

	draw_fill(stdscr, y, 0, COLS, DRAW_STATUS);
	if (ui->empty)
		snprintf(left, sizeof left, " no sessions ");
	else if (sel)
		snprintf(left, sizeof left, " %s  seq %lld (%lld/%lld)  [%s] ", ui->br.session_shown,
		         (long long)sel->seq, (long long)ui->br.position, (long long)ui->br.total,
		         ui->panes[ui->focus].ops->name);
	else
		snprintf(left, sizeof left, " %s  empty  [%s] ", ui->br.session_shown,
		         ui->panes[ui->focus].ops->name);
	int x = draw_str(stdscr, y, 0, COLS, left, DRAW_STATUS);
	if (ui->br.message[0])
		x += draw_str(stdscr, y, x, COLS - x, ui->br.message, ui->br.message_role);

	const char *hints = ui->empty ? "?:help  q:quit " : "j/k:move  Tab:pane  ?:help  q:quit ";
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
	draw_title(ui);
	if (ui->empty) {
		draw_empty();
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

/* ---- input ---------------------------------------------------------------- */

/* Apply an action the focused pane passed on; false to quit. */
static bool generic_action(struct ui *ui, enum action act)
{
	switch (act) {
	case ACT_QUIT:
		return false;
	case ACT_HELP:
		ui->help = true;
		ui->panes[PANE_HELP].focused = true;
		break;
	case ACT_CLOSE:
		ui->help = false;
		ui->panes[PANE_HELP].focused = false;
		break;
	case ACT_NEXT_PANE:
		if (!ui->empty)
			set_focus(ui, ui->focus == PANE_TIMELINE ? PANE_STATE : PANE_TIMELINE);
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		/* Movement with nothing to move (the empty store). */
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
	return act == ACT_NONE ? true : generic_action(ui, act);
}

static bool on_key(struct ui *ui, int key)
{
	struct pane *target = ui->help ? &ui->panes[PANE_HELP] : &ui->panes[ui->focus];
	return dispatch(ui, target, keys_lookup(target->ops->keymap, key));
}

static bool inside(const struct pane *p, int y, int x)
{
	return p->visible && y >= p->y && y < p->y + p->h && x >= p->x && x < p->x + p->w;
}

static void on_mouse(struct ui *ui)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || ui->empty)
		return;
	struct pane *target = NULL;
	if (ui->help)
		target = &ui->panes[PANE_HELP];
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
		if (idx != ui->focus)
			set_focus(ui, idx);
		if (target->ops->click)
			target->ops->click(target, ev.y - target->y, ev.x - target->x);
	}
}

/* ---- session -------------------------------------------------------------- */

/*
 * Find the session to show: `want`, or the one whose newest snapshot is the
 * latest.  *found false: `want` does not exist, or (want NULL) the store
 * has no sessions.
 */
static ss_status pick_session(ss_manager *mgr, const char *want, ss_session *out, bool *found)
{
	*found = false;
	memset(out, 0, sizeof *out);
	if (want) {
		ss_status st = ss_session_info(mgr, want, out);
		if (st == SS_NOT_FOUND)
			return SS_OK;
		*found = st == SS_OK;
		return st;
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

/* ---- entry ---------------------------------------------------------------- */

static void ui_free(struct ui *ui)
{
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &ui->panes[i];
		if (p->priv && p->ops && p->ops->done)
			p->ops->done(p);
		free(p->priv);
		p->priv = NULL;
	}
	free(ui->br.session_shown);
	free(ui->store_shown);
}

int tui_browse(ss_manager *mgr, const char *session)
{
	/* The CLI may have done it already; harmless twice, and needed for
	 * mbrtowc/wcwidth and ncursesw to speak UTF-8. */
	setlocale(LC_ALL, "");

	struct ui ui;
	memset(&ui, 0, sizeof ui);
	ui.br.mgr = mgr;
	ss_session info;
	bool found;
	ss_status st = pick_session(mgr, session, &info, &found);
	if (st != SS_OK) {
		fprintf(stderr, "snapscope: %s\n", ss_errmsg(mgr)[0] ? ss_errmsg(mgr) : ss_status_str(st));
		ss_session_clear(&info);
		return ss_status_exit_code(st);
	}
	if (session && !found) {
		char *safe = ss_text_escape(session, strlen(session));
		fprintf(stderr, "snapscope: no session named '%s' (see `snapscope sessions`)\n",
		        safe ? safe : "?");
		free(safe);
		ss_session_clear(&info);
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
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "snapscope: browse needs a terminal; try `snapscope list`\n");
		rc = SS_EXIT_USAGE;
		goto out_noterm;
	}

	/* newterm rather than initscr: initscr exits the process on a bad
	 * TERM, newterm lets us say so and return. */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		const char *term = getenv("TERM");
		fprintf(stderr, "snapscope: cannot drive the terminal (TERM=%s)\n", term ? term : "");
		rc = SS_EXIT_FAILURE;
		goto out_noterm;
	}
	set_term(scr);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25); /* Esc closes the help without a second's wait */
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
	          | BUTTON5_PRESSED
#endif
	          , NULL);
	draw_colors_init();

	static const struct pane_ops *const ops[PANE_COUNT] = {
		[PANE_TIMELINE] = &timeline_ops,
		[PANE_STATE] = &state_ops,
		[PANE_HELP] = &help_ops,
	};
	char fatal[512] = "";
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &ui.panes[i];
		p->ops = ops[i];
		p->br = &ui.br;
		p->priv = calloc(1, ops[i]->private_size);
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
		for (int i = 0; i < PANE_COUNT; i++) {
			struct pane *p = &ui.panes[i];
			if (p->ops->open && (st = p->ops->open(p)) != SS_OK) {
				snprintf(fatal, sizeof fatal, "%s", ui.br.message);
				rc = ss_status_exit_code(st);
				goto out;
			}
		}
	}

	int err_reads = 0;
	for (;;) {
		if (ui.br.selection_changed) {
			ui.br.selection_changed = false;
			struct pane *sp = &ui.panes[PANE_STATE];
			sp->ops->select(sp, ui.br.selected);
		}
		draw_all(&ui);

		wint_t wch;
		int r = get_wch(&wch);
		if (r == ERR) {
			/* Interrupted reads happen; an endless run of them means
			 * the terminal went away. */
			if (++err_reads >= ERR_READS_MAX) {
				snprintf(fatal, sizeof fatal, "lost the terminal");
				rc = SS_EXIT_FAILURE;
				break;
			}
			continue;
		}
		err_reads = 0;
		/* A typed character that happens to share a KEY_* code is not
		 * that key: only ASCII characters are bound. */
		int key = r == KEY_CODE_YES ? (int)wch : (wch < 0x80 ? (int)wch : -1);
		ui.br.message[0] = '\0';
		if (key == KEY_RESIZE) {
			layout(&ui);
			continue;
		}
		if (ui.too_small) {
			if (key == 'q')
				break;
			continue;
		}
		if (key == KEY_MOUSE) {
			on_mouse(&ui);
			continue;
		}
		if (!on_key(&ui, key))
			break;
	}

out:
	endwin();
	delscreen(scr);
	if (fatal[0])
		fprintf(stderr, "snapscope: %s\n", fatal);
out_noterm:
	ui_free(&ui);
	ss_session_clear(&info);
	return rc;
}
