/*
 * check_text.c - untrusted text (model/text.c) and the rules for session
 * names, tags and descriptions (model/names.c), as tables: input, expected
 * output or message.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snapscope.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define BYTES(s) s, sizeof(s) - 1

static const struct {
	const char *input;
	size_t len;
	const char *escaped;
} escape_cases[] = {
	{ BYTES(""), "" },
	{ BYTES("plain ascii, punctuation ~!@#$%^&*()"), "plain ascii, punctuation ~!@#$%^&*()" },
	{ BYTES("caf\303\251 \346\227\245\346\234\254 \360\237\230\200"), "caf\303\251 \346\227\245\346\234\254 \360\237\230\200" },
	{ BYTES("e\314\201 combining, \357\274\241 wide"), "e\314\201 combining, \357\274\241 wide" },
	{ BYTES("back\\slash \\u001b stays"), "back\\slash \\u001b stays" },
	{ BYTES("a\nb\tc"), "a\\nb\\tc" },
	{ BYTES("\r\b\f\v\a"), "\\u000d\\u0008\\u000c\\u000b\\u0007" },
	{ BYTES("\033[31mred\033[0m"), "\\u001b[31mred\\u001b[0m" },
	{ BYTES("nul\000inside"), "nul\\u0000inside" },
	{ BYTES("\037 \177"), "\\u001f \\u007f" },
	/* C1 controls (CSI is one), but not the no-break space after them */
	{ BYTES("\302\200 \302\233 \302\237 \302\240"), "\\u0080 \\u009b \\u009f \302\240" },
	/* bidi controls and the line and paragraph separators */
	{ BYTES("\330\234\342\200\216\342\200\217"), "\\u061c\\u200e\\u200f" },
	{ BYTES("\342\200\252\342\200\253\342\200\254\342\200\255\342\200\256"),
	  "\\u202a\\u202b\\u202c\\u202d\\u202e" },
	{ BYTES("\342\201\246\342\201\247\342\201\250\342\201\251"), "\\u2066\\u2067\\u2068\\u2069" },
	{ BYTES("x\342\200\250y\342\200\251z"), "x\\u2028y\\u2029z" },
	/* neighbours of those ranges pass */
	{ BYTES("\342\200\215\342\200\247\342\200\257\342\201\245\342\201\252"),
	  "\342\200\215\342\200\247\342\200\257\342\201\245\342\201\252" },
	/* bytes that are not UTF-8 */
	{ BYTES("\377"), "\\xff" },
	{ BYTES("\200 stray"), "\\x80 stray" },
	{ BYTES("\300\257"), "\\xc0\\xaf" },                  /* overlong '/' */
	{ BYTES("\340\200\257"), "\\xe0\\x80\\xaf" },          /* overlong, 3 bytes */
	{ BYTES("\360\200\200\257"), "\\xf0\\x80\\x80\\xaf" },  /* overlong, 4 bytes */
	{ BYTES("\355\240\200"), "\\xed\\xa0\\x80" },          /* U+D800 in UTF-8 */
	{ BYTES("\364\220\200\200"), "\\xf4\\x90\\x80\\x80" },  /* U+110000 */
	{ BYTES("\364\217\277\277"), "\364\217\277\277" },      /* U+10FFFF is fine */
	{ BYTES("\346\227"), "\\xe6\\x97" },                   /* truncated */
	{ BYTES("\346\227x"), "\\xe6\\x97x" },
	{ BYTES("ok\377ok\033"), "ok\\xffok\\u001b" },
};

START_TEST(test_escape_table)
{
	for (size_t i = 0; i < N_ELEMS(escape_cases); i++) {
		const char *in = escape_cases[i].input;
		size_t len = escape_cases[i].len;
		char *out = ss_text_escape(in, len);
		ck_assert_ptr_nonnull(out);
		ck_assert_msg(strcmp(out, escape_cases[i].escaped) == 0, "case %zu: got %s want %s",
		              i, out, escape_cases[i].escaped);
		/* The result is always safe; the input was exactly when unchanged. */
		ck_assert(ss_text_is_safe(out, strlen(out)));
		ck_assert_ptr_null(memchr(out, '\033', strlen(out)));
		bool same = strlen(out) == len && memcmp(out, in, len) == 0;
		ck_assert_msg(ss_text_is_safe(in, len) == same, "case %zu: is_safe disagrees", i);
		free(out);
	}
	char *out = ss_text_escape(NULL, 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert(ss_text_is_safe(NULL, 0));
}
END_TEST

/* NULL expected: accepted.  Otherwise the whole message. */
struct name_case {
	const char *input;
	const char *message;
};

static const struct name_case session_cases[] = {
	{ "api", NULL },
	{ "run-42_a.B", NULL },
	{ ".hidden", NULL },
	{ "...", NULL },
	{ "", "invalid session name \"\": a name is 1 to 64 characters" },
	{ "a/b", "invalid session name \"a/b\": only letters, digits, '.', '_' and '-' are allowed" },
	{ "a b", "invalid session name \"a b\": only letters, digits, '.', '_' and '-' are allowed" },
	{ "caf\303\251", "invalid session name \"caf\303\251\": only letters, digits, '.', '_' and '-' are allowed" },
	{ "x\033[2J", "invalid session name \"x\\u001b[2J\": only letters, digits, '.', '_' and '-' are allowed" },
	{ "\377", "invalid session name \"\\xff\": only letters, digits, '.', '_' and '-' are allowed" },
	{ ".", "invalid session name \".\": \".\" and \"..\" are reserved" },
	{ "..", "invalid session name \"..\": \".\" and \"..\" are reserved" },
};

static const struct name_case tag_cases[] = {
	{ "v1", NULL },
	{ "release candidate", NULL },
	{ "a  b", NULL },
	{ "\346\227\245\346\234\254", NULL },
	{ "caf\303\251", NULL },
	{ "\360\237\220\233 bug", NULL },
	{ "e\314\201", NULL },
	{ "", "invalid tag \"\": a tag is 1 to 128 bytes" },
	{ " v1", "invalid tag \" v1\": white space at the start or end is not allowed" },
	{ "v1 ", "invalid tag \"v1 \": white space at the start or end is not allowed" },
	{ "v1\302\240", "invalid tag \"v1\302\240\": white space at the start or end is not allowed" },
	{ "\342\200\213v1", "invalid tag \"\342\200\213v1\": white space at the start or end is not allowed" },
	{ "v1\343\200\200", "invalid tag \"v1\343\200\200\": white space at the start or end is not allowed" },
	{ "a\tb", "invalid tag \"a\\tb\": control characters are not allowed" },
	{ "a\nb", "invalid tag \"a\\nb\": control characters are not allowed" },
	{ "a\177", "invalid tag \"a\\u007f\": control characters are not allowed" },
	{ "a\302\205", "invalid tag \"a\\u0085\": control characters are not allowed" },
	{ "\033[1m", "invalid tag \"\\u001b[1m\": control characters are not allowed" },
	{ "abc\342\200\256cba", "invalid tag \"abc\\u202ecba\": bidirectional controls and line separators are not allowed" },
	{ "a\342\200\250b", "invalid tag \"a\\u2028b\": bidirectional controls and line separators are not allowed" },
	{ "a\377", "invalid tag \"a\\xff\": not valid UTF-8" },
	{ "\300\240", "invalid tag \"\\xc0\\xa0\": not valid UTF-8" },
};

static const struct name_case description_cases[] = {
	{ "", NULL },
	{ "deploy of 1.4\n\tsee ticket 42", NULL },
	{ "\327\251\327\234\327\225\327\235 \342\200\217(RTL mark kept, escaped on display)", NULL },
	{ "  spaces around  ", NULL },
	{ "bell\a", "invalid description \"bell\\u0007\": control characters other than tab and newline are not allowed" },
	{ "cr\r\n", "invalid description \"cr\\u000d\\n\": control characters other than tab and newline are not allowed" },
	{ "\033]0;title\a", "invalid description \"\\u001b]0;title\\u0007\": control characters other than tab and newline are not allowed" },
	{ "c1 \302\233", "invalid description \"c1 \\u009b\": control characters other than tab and newline are not allowed" },
	{ "bad \351t\351", "invalid description \"bad \\xe9t\\xe9\": not valid UTF-8" },
};

static void run_names(const struct name_case *cases, size_t n,
                      ss_status (*check)(const char *, char *, size_t))
{
	for (size_t i = 0; i < n; i++) {
		char err[512] = "unchanged";
		ss_status st = check(cases[i].input, err, sizeof err);
		if (!cases[i].message) {
			ck_assert_msg(st == SS_OK, "\"%s\" rejected: %s", cases[i].input, err);
			ck_assert_str_eq(err, "");
		} else {
			ck_assert_msg(st == SS_USAGE, "\"%s\" accepted", cases[i].input);
			ck_assert_str_eq(err, cases[i].message);
			ck_assert(ss_text_is_safe(err, strlen(err)));
		}
	}
}

START_TEST(test_names_tables)
{
	run_names(session_cases, N_ELEMS(session_cases), ss_session_name_check);
	run_names(tag_cases, N_ELEMS(tag_cases), ss_tag_check);
	run_names(description_cases, N_ELEMS(description_cases), ss_description_check);
}
END_TEST

/* The length limits at their boundaries; long text is quoted cut short. */
START_TEST(test_names_limits)
{
	char buf[SS_DESCRIPTION_MAX + 2], err[512];

	memset(buf, 'n', SS_SESSION_NAME_MAX);
	buf[SS_SESSION_NAME_MAX] = '\0';
	ck_assert_int_eq(ss_session_name_check(buf, err, sizeof err), SS_OK);
	strcat(buf, "n");
	ck_assert_int_eq(ss_session_name_check(buf, err, sizeof err), SS_USAGE);
	ck_assert_str_eq(err, "invalid session name "
	                 "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\": "
	                 "longer than 64 characters");

	/* 128 bytes of tag made of 2-byte characters */
	for (int i = 0; i < SS_TAG_MAX; i += 2)
		memcpy(buf + i, "\303\251", 2);
	buf[SS_TAG_MAX] = '\0';
	ck_assert_int_eq(ss_tag_check(buf, err, sizeof err), SS_OK);
	strcat(buf, "x");
	ck_assert_int_eq(ss_tag_check(buf, err, sizeof err), SS_USAGE);
	ck_assert(strstr(err, "...\": longer than 128 bytes") != NULL);
	/* the quote is cut at a character boundary: 32 whole characters */
	ck_assert(strncmp(err, "invalid tag \"\303\251", 15) == 0);
	ck_assert(ss_text_is_safe(err, strlen(err)));

	memset(buf, 'd', SS_DESCRIPTION_MAX);
	buf[SS_DESCRIPTION_MAX] = '\0';
	ck_assert_int_eq(ss_description_check(buf, err, sizeof err), SS_OK);
	strcat(buf, "d");
	ck_assert_int_eq(ss_description_check(buf, err, sizeof err), SS_USAGE);
	ck_assert(strstr(err, "longer than 4096 bytes") != NULL);
	ck_assert_uint_lt(strlen(err), 200);

	/* NULL: no session name, no tag; no description is fine */
	ck_assert_int_eq(ss_session_name_check(NULL, err, sizeof err), SS_USAGE);
	ck_assert_int_eq(ss_tag_check(NULL, err, sizeof err), SS_USAGE);
	ck_assert_int_eq(ss_description_check(NULL, err, sizeof err), SS_OK);
	/* no error buffer at all is allowed */
	ck_assert_int_eq(ss_tag_check(" x", NULL, 0), SS_USAGE);
}
END_TEST

/* Declared for -Wmissing-prototypes; check_main.c declares it from suites.h. */
Suite *text_suite(void);

Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, test_escape_table);
	tcase_add_test(tc, test_names_tables);
	tcase_add_test(tc, test_names_limits);
	suite_add_tcase(s, tc);
	return s;
}
