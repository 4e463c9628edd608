/*
 * check_prompt.c - the status-line prompt's editing (tui/prompt.c): typing
 * ASCII and multi-byte characters, moving and deleting by whole characters,
 * the readline keys, refusing control and bidi characters, the length
 * limit, y/N questions; and the key-script parser of scripted mode
 * (tui/script.c), which golden screens depend on.
 */
#include "prompt.h"
#include "script.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTRL_(c) ((c) & 0x1f)

static void type(struct prompt *pr, const wchar_t *text)
{
	for (; *text; text++)
		ck_assert_int_eq(prompt_feed(pr, (wint_t)*text, false), PROMPT_EDITING);
}

START_TEST(test_type_and_accept)
{
	struct prompt pr;
	prompt_open(&pr, 7, "tag: ", NULL);
	ck_assert(pr.active);
	type(&pr, L"deploy");
	ck_assert_str_eq(pr.text, "deploy");
	ck_assert_int_eq(prompt_feed(&pr, '\n', false), PROMPT_ACCEPT);
	ck_assert(!pr.active);
	ck_assert_int_eq(pr.purpose, 7);
	ck_assert_str_eq(pr.text, "deploy");
}
END_TEST

START_TEST(test_escape_cancels)
{
	struct prompt pr;
	prompt_open(&pr, 1, ":", "14:03");
	ck_assert_int_eq(prompt_feed(&pr, 27, false), PROMPT_CANCEL);
	ck_assert(!pr.active);
	/* A key after the end changes nothing. */
	ck_assert_int_eq(prompt_feed(&pr, 'x', false), PROMPT_CANCEL);
	ck_assert_str_eq(pr.text, "14:03");
}
END_TEST

START_TEST(test_multibyte_editing)
{
	struct prompt pr;
	prompt_open(&pr, 1, "", "a");
	type(&pr, L"\u00e9\u65e5"); /* é (2 bytes), 日 (3 bytes) */
	ck_assert_str_eq(pr.text, "a\xc3\xa9\xe6\x97\xa5");
	ck_assert_uint_eq(pr.cursor, 6);
	prompt_feed(&pr, KEY_LEFT, true);
	ck_assert_uint_eq(pr.cursor, 3);
	prompt_feed(&pr, KEY_BACKSPACE, true); /* removes é whole */
	ck_assert_str_eq(pr.text, "a\xe6\x97\xa5");
	ck_assert_uint_eq(pr.cursor, 1);
	prompt_feed(&pr, KEY_DC, true); /* removes 日 whole */
	ck_assert_str_eq(pr.text, "a");
	prompt_feed(&pr, KEY_LEFT, true);
	prompt_feed(&pr, KEY_LEFT, true); /* at the start: stays */
	ck_assert_uint_eq(pr.cursor, 0);
	prompt_feed(&pr, 0x1F600, false); /* an emoji, 4 bytes, at the front */
	ck_assert_str_eq(pr.text, "\xf0\x9f\x98\x80" "a");
}
END_TEST

START_TEST(test_readline_keys)
{
	struct prompt pr;
	prompt_open(&pr, 1, "", "since:-2h tag:x");
	prompt_feed(&pr, CTRL_('w'), false);
	ck_assert_str_eq(pr.text, "since:-2h ");
	prompt_feed(&pr, CTRL_('a'), false);
	ck_assert_uint_eq(pr.cursor, 0);
	prompt_feed(&pr, CTRL_('k'), false);
	ck_assert_str_eq(pr.text, "");
	type(&pr, L"abc");
	prompt_feed(&pr, KEY_HOME, true);
	prompt_feed(&pr, KEY_RIGHT, true);
	prompt_feed(&pr, CTRL_('u'), false);
	ck_assert_str_eq(pr.text, "bc");
	ck_assert_uint_eq(pr.cursor, 0);
	prompt_feed(&pr, CTRL_('e'), false);
	prompt_feed(&pr, 0x7f, false); /* DEL as Backspace */
	ck_assert_str_eq(pr.text, "b");
}
END_TEST

START_TEST(test_controls_refused)
{
	struct prompt pr;
	prompt_open(&pr, 1, "", NULL);
	/* Keys a terminal sends for Tab, a pasted escape's tail, bidi
	 * overrides and C1 controls never become text. */
	prompt_feed(&pr, '\t', false);
	prompt_feed(&pr, 0x202e, false);
	prompt_feed(&pr, 0x2066, false);
	prompt_feed(&pr, 0x9b, false);
	prompt_feed(&pr, 0xd800, false);
	ck_assert_str_eq(pr.text, "");
	type(&pr, L"[31m");
	ck_assert_str_eq(pr.text, "[31m");
}
END_TEST

START_TEST(test_length_limit)
{
	struct prompt pr;
	char *big = malloc(PROMPT_TEXT_MAX + 10);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', PROMPT_TEXT_MAX + 9);
	big[PROMPT_TEXT_MAX + 9] = '\0';
	prompt_open(&pr, 1, "", big);
	ck_assert_uint_eq(pr.len, PROMPT_TEXT_MAX);
	prompt_feed(&pr, 'y', false);
	ck_assert_uint_eq(pr.len, PROMPT_TEXT_MAX);
	/* A multi-byte initial text is cut on a character boundary. */
	for (size_t i = 0; i + 2 <= PROMPT_TEXT_MAX + 8; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[PROMPT_TEXT_MAX + 3] = '\0';
	prompt_open(&pr, 1, "", big + 1); /* starts mid-character, ends past the limit */
	ck_assert_uint_le(pr.len, PROMPT_TEXT_MAX);
	ck_assert_uint_eq((unsigned char)pr.text[pr.len - 1], 0xa9); /* é kept whole */
	free(big);
}
END_TEST

START_TEST(test_confirm)
{
	struct prompt pr;
	prompt_confirm(&pr, 3, "delete #4? (y/N) ");
	ck_assert_int_eq(prompt_feed(&pr, 'y', false), PROMPT_ACCEPT);
	prompt_confirm(&pr, 3, "delete #4? (y/N) ");
	ck_assert_int_eq(prompt_feed(&pr, 'Y', false), PROMPT_ACCEPT);
	prompt_confirm(&pr, 3, "delete #4? (y/N) ");
	ck_assert_int_eq(prompt_feed(&pr, '\n', false), PROMPT_CANCEL);
	prompt_confirm(&pr, 3, "delete #4? (y/N) ");
	ck_assert_int_eq(prompt_feed(&pr, 'n', false), PROMPT_CANCEL);
	ck_assert(!pr.active);
}
END_TEST

/* ---- key scripts ------------------------------------------------------------ */

static char *write_script(const char *text)
{
	static char path[] = "/tmp/check_script_XXXXXX";
	strcpy(path, "/tmp/check_script_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_script_steps)
{
	char *path = write_script("# a comment\n"
	                          "j\n"
	                          "\n"
	                          ":\n"
	                          "<Enter>\n"
	                          "<C-u>\n"
	                          "<PgDn>\n"
	                          "\"a\xc3\xa9\n"
	                          ":dump out.screen\n"
	                          ":resize 20 6\n");
	char err[256];
	struct script *s = script_open(path, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	struct script_step st;
	const struct {
		enum script_op op;
		wint_t ch;
		bool is_key;
	} want[] = {
		{ SCRIPT_KEY, 'j', false }, { SCRIPT_KEY, ':', false }, { SCRIPT_KEY, '\n', false },
		{ SCRIPT_KEY, 0x15, false }, { SCRIPT_KEY, KEY_NPAGE, true },
		{ SCRIPT_KEY, 'a', false }, { SCRIPT_KEY, 0xe9, false },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert(script_next(s, &st, err, sizeof err));
		ck_assert_int_eq(st.op, want[i].op);
		ck_assert_uint_eq(st.ch, want[i].ch);
		ck_assert_int_eq(st.is_key, want[i].is_key);
	}
	ck_assert(script_next(s, &st, err, sizeof err));
	ck_assert_int_eq(st.op, SCRIPT_DUMP);
	ck_assert_str_eq(st.arg, "out.screen");
	ck_assert(script_next(s, &st, err, sizeof err));
	ck_assert_int_eq(st.op, SCRIPT_RESIZE);
	ck_assert_int_eq(st.cols, 20);
	ck_assert_int_eq(st.lines, 6);
	ck_assert(script_next(s, &st, err, sizeof err));
	ck_assert_int_eq(st.op, SCRIPT_END);
	script_close(s);
	unlink(path);
}
END_TEST

START_TEST(test_script_errors)
{
	char err[256];
	const char *bad[] = { "<Nope>\n", ":resize 0 5\n", ":frobnicate\n", "jk\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = write_script(bad[i]);
		struct script *s = script_open(path, err, sizeof err);
		ck_assert_ptr_nonnull(s);
		struct script_step st;
		ck_assert(!script_next(s, &st, err, sizeof err));
		/* The message names the file and the line. */
		ck_assert_ptr_nonnull(strstr(err, ":1: "));
		script_close(s);
		unlink(path);
	}
	ck_assert_ptr_null(script_open("/nonexistent/script.keys", err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/script.keys"));
}
END_TEST

Suite *prompt_suite(void);

Suite *prompt_suite(void)
{
	Suite *s = suite_create("prompt");
	TCase *tc = tcase_create("prompt");
	tcase_add_test(tc, test_type_and_accept);
	tcase_add_test(tc, test_escape_cancels);
	tcase_add_test(tc, test_multibyte_editing);
	tcase_add_test(tc, test_readline_keys);
	tcase_add_test(tc, test_controls_refused);
	tcase_add_test(tc, test_length_limit);
	tcase_add_test(tc, test_confirm);
	suite_add_tcase(s, tc);
	TCase *ts = tcase_create("script");
	tcase_add_test(ts, test_script_steps);
	tcase_add_test(ts, test_script_errors);
	suite_add_tcase(s, ts);
	return s;
}
