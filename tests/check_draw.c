/*
 * check_draw.c - the width-aware text helpers of tui/draw.c: measuring
 * (ASCII, wide CJK, combining marks, emoji, invalid UTF-8, control
 * characters), cutting at a column limit with an ellipsis (exact fit, one
 * over, a wide character at the limit), and what actually lands in the
 * cells of an ncurses window (drawn on a terminal that writes to
 * /dev/null, read back with mvwin_wch).
 */
#include "draw.h"

#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#define S(lit) (lit), (sizeof(lit) - 1)

static void utf8_locale(void)
{
	/* The helpers follow LC_CTYPE; the browser runs in the user's UTF-8
	 * locale, so the tests do too. */
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
}

/* ---- measuring ------------------------------------------------------------ */

START_TEST(test_width_ascii)
{
	ck_assert_int_eq(draw_width(S("hello")), 5);
	ck_assert_int_eq(draw_width(S("")), 0);
	ck_assert_int_eq(draw_width(S("a b")), 3);
}
END_TEST

START_TEST(test_width_cjk)
{
	/* 日本語: three wide characters, three bytes each */
	ck_assert_int_eq(draw_width(S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e")), 6);
	ck_assert_int_eq(draw_width(S("a\xe6\x97\xa5" "b")), 4);
}
END_TEST

START_TEST(test_width_combining)
{
	/* "cafe" + U+0301 COMBINING ACUTE ACCENT: the mark takes no column */
	ck_assert_int_eq(draw_width(S("cafe\xcc\x81")), 4);
	wchar_t wc;
	int w;
	ck_assert_uint_eq(draw_decode(S("\xcc\x81"), &wc, &w), 2);
	ck_assert_int_eq((int)wc, 0x301);
	ck_assert_int_eq(w, 0);
}
END_TEST

START_TEST(test_width_emoji)
{
	/* U+1F600 GRINNING FACE is two columns wide */
	wchar_t wc;
	int w;
	ck_assert_uint_eq(draw_decode(S("\xf0\x9f\x98\x80"), &wc, &w), 4);
	ck_assert_int_eq((int)wc, 0x1F600);
	ck_assert_int_eq(w, 2);
	ck_assert_int_eq(draw_width(S("a\xf0\x9f\x98\x80" "b")), 4);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	wchar_t wc;
	int w;
	/* A stray continuation byte: one byte, one replacement column. */
	ck_assert_uint_eq(draw_decode(S("\xff" "abc"), &wc, &w), 1);
	ck_assert_int_eq((int)wc, 0xFFFD);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(draw_width(S("a\xff" "b")), 3);
	/* A truncated sequence (the first two bytes of 日): each byte is
	 * replaced, and the text after it is not swallowed. */
	ck_assert_int_eq(draw_width(S("\xe6\x97" "ab")), 4);
	ck_assert_uint_eq(draw_decode(S("\xe6\x97" "ab"), &wc, &w), 1);
	/* An overlong encoding of '/' is invalid, not a slash. */
	ck_assert_uint_eq(draw_decode(S("\xc0\xaf"), &wc, &w), 1);
	ck_assert_int_ne((int)wc, '/');
	/* A NUL byte inside the length is a replacement, not an end. */
	ck_assert_int_eq(draw_width("a\0b", 3), 3);
}
END_TEST

START_TEST(test_control_replaced)
{
	wchar_t wc;
	int w;
	/* ESC must never reach the terminal as itself. */
	ck_assert_uint_eq(draw_decode(S("\x1b[31m"), &wc, &w), 1);
	ck_assert_int_eq((int)wc, 0xFFFD);
	ck_assert_int_eq(w, 1);
	/* U+009B (C1 CSI) likewise. */
	ck_assert_uint_eq(draw_decode(S("\xc2\x9b"), &wc, &w), 2);
	ck_assert_int_eq((int)wc, 0xFFFD);
}
END_TEST

/* ---- cutting -------------------------------------------------------------- */

START_TEST(test_fit_exact_and_one_over)
{
	int used;
	bool cut;
	/* Exact fit: everything, no ellipsis. */
	ck_assert_uint_eq(draw_fit(S("hello"), 5, &used, &cut), 5);
	ck_assert_int_eq(used, 5);
	ck_assert(!cut);
	/* One over: four columns hold "hel" and the ellipsis. */
	ck_assert_uint_eq(draw_fit(S("hello"), 4, &used, &cut), 3);
	ck_assert_int_eq(used, 3);
	ck_assert(cut);
	/* Plenty of room. */
	ck_assert_uint_eq(draw_fit(S("hi"), 80, &used, &cut), 2);
	ck_assert(!cut);
}
END_TEST

START_TEST(test_fit_degenerate)
{
	int used;
	bool cut;
	ck_assert_uint_eq(draw_fit(S(""), 0, &used, &cut), 0);
	ck_assert(!cut);
	ck_assert_uint_eq(draw_fit(S("abc"), 0, &used, &cut), 0);
	ck_assert(cut);
	ck_assert_uint_eq(draw_fit(S("abc"), -3, &used, &cut), 0);
	ck_assert(cut);
	/* One column: only the ellipsis fits. */
	ck_assert_uint_eq(draw_fit(S("abc"), 1, &used, &cut), 0);
	ck_assert_int_eq(used, 0);
	ck_assert(cut);
	ck_assert_uint_eq(draw_fit(S("a"), 1, &used, &cut), 1);
	ck_assert(!cut);
}
END_TEST

START_TEST(test_fit_wide_never_split)
{
	int used;
	bool cut;
	const char cjk[] = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"; /* 日本語, 6 columns */
	ck_assert_uint_eq(draw_fit(cjk, 9, 6, &used, &cut), 9);
	ck_assert(!cut);
	/* One over: 日本 (4 columns) and the ellipsis. */
	ck_assert_uint_eq(draw_fit(cjk, 9, 5, &used, &cut), 6);
	ck_assert_int_eq(used, 4);
	ck_assert(cut);
	/* Four columns: 日 and the ellipsis; 本 would need columns 3-4 and
	 * the ellipsis a fifth, and half a character is never drawn. */
	ck_assert_uint_eq(draw_fit(cjk, 9, 4, &used, &cut), 3);
	ck_assert_int_eq(used, 2);
	ck_assert(cut);
	/* An emoji at the limit. */
	ck_assert_uint_eq(draw_fit(S("a\xf0\x9f\x98\x80" "b"), 3, &used, &cut), 1);
	ck_assert_int_eq(used, 1);
	ck_assert(cut);
}
END_TEST

START_TEST(test_fit_combining_stays)
{
	int used;
	bool cut;
	/* "xe" + U+0301 + "yz": 4 columns.  Cut at 3, the accent stays with
	 * its e (the prefix is 4 bytes, 2 columns), never left dangling. */
	ck_assert_uint_eq(draw_fit(S("xe\xcc\x81yz"), 3, &used, &cut), 4);
	ck_assert_int_eq(used, 2);
	ck_assert(cut);
	/* Exact fit including the trailing mark. */
	ck_assert_uint_eq(draw_fit(S("cafe\xcc\x81"), 4, &used, &cut), 6);
	ck_assert_int_eq(used, 4);
	ck_assert(!cut);
}
END_TEST

START_TEST(test_fit_invalid)
{
	int used;
	bool cut;
	/* Invalid bytes count one column each, like what is drawn. */
	ck_assert_uint_eq(draw_fit(S("\xff\xfe" "ab"), 4, &used, &cut), 4);
	ck_assert(!cut);
	ck_assert_uint_eq(draw_fit(S("\xff\xfe" "ab"), 3, &used, &cut), 2);
	ck_assert_int_eq(used, 2);
	ck_assert(cut);
}
END_TEST

/* ---- drawing into cells ---------------------------------------------------- */

static SCREEN *screen;
static FILE *term_out, *term_in;
static WINDOW *win;

static void screen_setup(void)
{
	utf8_locale();
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(term_out);
	ck_assert_ptr_nonnull(term_in);
	screen = newterm("xterm", term_out, term_in);
	ck_assert_msg(screen != NULL, "newterm(xterm) failed: no terminfo entry?");
	win = newwin(2, 10, 0, 0);
	ck_assert_ptr_nonnull(win);
}

static void screen_teardown(void)
{
	if (win)
		delwin(win);
	if (screen) {
		endwin();
		delscreen(screen);
	}
	if (term_out)
		fclose(term_out);
	if (term_in)
		fclose(term_in);
	win = NULL;
	screen = NULL;
	term_out = term_in = NULL;
}

/* The characters of the cell at (y, x): its base and marks. */
static int cell(int y, int x, wchar_t out[CCHARW_MAX + 1])
{
	cchar_t cc;
	attr_t attrs;
	short pair;
	ck_assert_int_eq(mvwin_wch(win, y, x, &cc), OK);
	ck_assert_int_eq(getcchar(&cc, out, &attrs, &pair, NULL), OK);
	return (int)wcslen(out);
}

START_TEST(test_draw_cut_with_ellipsis)
{
	wchar_t wc[CCHARW_MAX + 1];
	/* 日本語テキスト is 14 columns; 10 hold four characters and the
	 * ellipsis in the ninth column. */
	int n = draw_str(win, 0, 0, 10,
	                 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xad"
	                 "\xe3\x82\xb9\xe3\x83\x88", DRAW_DEFAULT);
	ck_assert_int_eq(n, 9);
	cell(0, 0, wc);
	ck_assert_int_eq((int)wc[0], 0x65E5);
	cell(0, 2, wc);
	ck_assert_int_eq((int)wc[0], 0x672C);
	cell(0, 6, wc);
	ck_assert_int_eq((int)wc[0], 0x30C6);
	cell(0, 8, wc);
	ck_assert_int_eq((int)wc[0], 0x2026);
	/* Nothing spilled onto the next line. */
	cell(1, 0, wc);
	ck_assert_int_eq((int)wc[0], ' ');
}
END_TEST

START_TEST(test_draw_exact_fit)
{
	wchar_t wc[CCHARW_MAX + 1];
	ck_assert_int_eq(draw_str(win, 0, 0, 5, "abcde", DRAW_DEFAULT), 5);
	cell(0, 4, wc);
	ck_assert_int_eq((int)wc[0], 'e');
	cell(0, 5, wc);
	ck_assert_int_eq((int)wc[0], ' ');
	ck_assert_int_eq(draw_str(win, 1, 0, 5, "abcdef", DRAW_DEFAULT), 5);
	cell(1, 3, wc);
	ck_assert_int_eq((int)wc[0], 'd');
	cell(1, 4, wc);
	ck_assert_int_eq((int)wc[0], 0x2026);
}
END_TEST

START_TEST(test_draw_clips_to_window)
{
	wchar_t wc[CCHARW_MAX + 1];
	/* Asked for 40 columns at x = 6 of a 10-column window: 4 are there. */
	ck_assert_int_eq(draw_str(win, 0, 6, 40, "abcdefgh", DRAW_DEFAULT), 4);
	cell(0, 8, wc);
	ck_assert_int_eq((int)wc[0], 'c');
	cell(0, 9, wc);
	ck_assert_int_eq((int)wc[0], 0x2026);
	ck_assert_int_eq(draw_str(win, 5, 0, 10, "x", DRAW_DEFAULT), 0);
	ck_assert_int_eq(draw_str(win, 0, 10, 10, "x", DRAW_DEFAULT), 0);
}
END_TEST

START_TEST(test_draw_combining_in_one_cell)
{
	wchar_t wc[CCHARW_MAX + 1];
	ck_assert_int_eq(draw_str(win, 0, 0, 10, "e\xcc\x81x", DRAW_DEFAULT), 2);
	ck_assert_int_eq(cell(0, 0, wc), 2);
	ck_assert_int_eq((int)wc[0], 'e');
	ck_assert_int_eq((int)wc[1], 0x301);
	cell(0, 1, wc);
	ck_assert_int_eq((int)wc[0], 'x');
}
END_TEST

START_TEST(test_draw_no_control_in_cells)
{
	wchar_t wc[CCHARW_MAX + 1];
	ck_assert_int_eq(draw_str(win, 0, 0, 10, "a\x1b[1mb\xff", DRAW_DEFAULT), 7);
	cell(0, 1, wc);
	ck_assert_int_eq((int)wc[0], 0xFFFD);
	cell(0, 2, wc);
	ck_assert_int_eq((int)wc[0], '[');
	cell(0, 6, wc);
	ck_assert_int_eq((int)wc[0], 0xFFFD);
}
END_TEST

/* Declared for -Wmissing-prototypes; check_main.c declares it from suites.h. */
Suite *draw_suite(void);

Suite *draw_suite(void)
{
	Suite *s = suite_create("draw");

	TCase *measure = tcase_create("measure");
	tcase_add_checked_fixture(measure, utf8_locale, NULL);
	tcase_add_test(measure, test_width_ascii);
	tcase_add_test(measure, test_width_cjk);
	tcase_add_test(measure, test_width_combining);
	tcase_add_test(measure, test_width_emoji);
	tcase_add_test(measure, test_invalid_utf8);
	tcase_add_test(measure, test_control_replaced);
	suite_add_tcase(s, measure);

	TCase *fit = tcase_create("fit");
	tcase_add_checked_fixture(fit, utf8_locale, NULL);
	tcase_add_test(fit, test_fit_exact_and_one_over);
	tcase_add_test(fit, test_fit_degenerate);
	tcase_add_test(fit, test_fit_wide_never_split);
	tcase_add_test(fit, test_fit_combining_stays);
	tcase_add_test(fit, test_fit_invalid);
	suite_add_tcase(s, fit);

	TCase *cells = tcase_create("cells");
	tcase_add_checked_fixture(cells, screen_setup, screen_teardown);
	tcase_add_test(cells, test_draw_cut_with_ellipsis);
	tcase_add_test(cells, test_draw_exact_fit);
	tcase_add_test(cells, test_draw_clips_to_window);
	tcase_add_test(cells, test_draw_combining_in_one_cell);
	tcase_add_test(cells, test_draw_no_control_in_cells);
	suite_add_tcase(s, cells);
	return s;
}
