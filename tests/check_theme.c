/*
 * check_theme.c - theme files (tui/theme.c): every parse error with its
 * exact message and line, colour and attribute words, the shipped themes
 * (each parses and sets every role; default.theme is the compiled-in
 * palette, mono.theme its NO_COLOR column), the lookup order, the mapping
 * of 256 colours to 16 and 8, and what theme_init/theme_next install on a
 * screen (ncurses writing to /dev/null, as in check_draw.c).
 */
#include "theme.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Suite *theme_suite(void); /* for check_main.c */

#define S(lit) (lit), (sizeof(lit) - 1)

/* The shipped themes: where `make unit` points SNAPSCOPE_THEMES, else the
 * repository's themes/ seen from its root (where the tests run). */
static const char *themes_dir(void)
{
	const char *d = getenv("SNAPSCOPE_THEMES");
	return d && *d ? d : "themes";
}

/* A theme with no role set and every style zero: what a file alone sets. */
static void theme_empty(struct theme *t)
{
	memset(t, 0, sizeof *t);
}

/* Parse `text` on the built-in palette as file "t.theme"; the message. */
static bool parse_builtin(const char *text, struct theme *t, char *err, size_t n)
{
	theme_builtin(t);
	err[0] = '\0';
	return theme_parse(t, text, strlen(text), "t.theme", err, n);
}

/* The parse of `text` fails with exactly `msg`. */
static void expect_error(const char *text, const char *msg)
{
	struct theme t;
	char err[512];
	ck_assert_msg(!parse_builtin(text, &t, err, sizeof err), "accepted: %s", text);
	ck_assert_str_eq(err, msg);
}

/* ---- errors ---------------------------------------------------------------- */

START_TEST(test_error_unknown_role)
{
	expect_error("color titel red default\n", "t.theme:1: unknown role 'titel'");
	/* "json" alone is not a role, only its kinds are */
	expect_error("color json blue default\n", "t.theme:1: unknown role 'json'");
}
END_TEST

START_TEST(test_error_unknown_colour)
{
	/* the message of the brief, at the line it is on */
	struct theme t;
	char err[512];
	theme_builtin(&t);
	const char *text = "# light\n\ncolor title black cyan\ncolor mark purpel default bold\n";
	ck_assert(!theme_parse(&t, text, strlen(text), "themes/light.theme", err, sizeof err));
	ck_assert_str_eq(err, "themes/light.theme:4: unknown colour 'purpel'");

	expect_error("color title black purpel\n", "t.theme:1: unknown colour 'purpel'");
	expect_error("color title 256 default\n", "t.theme:1: unknown colour '256'");
	expect_error("color title -1 default\n", "t.theme:1: unknown colour '-1'");
	expect_error("color title 0x10 default\n", "t.theme:1: unknown colour '0x10'");
	expect_error("color title bright- default\n", "t.theme:1: unknown colour 'bright-'");
	expect_error("color title red 1000\n", "t.theme:1: unknown colour '1000'");
}
END_TEST

START_TEST(test_error_bad_attribute)
{
	expect_error("color title red default bold bolder\n", "t.theme:1: unknown attribute 'bolder'");
	/* a fifth field is an attribute: a stray colour there is not one */
	expect_error("color title red default blue\n", "t.theme:1: unknown attribute 'blue'");
}
END_TEST

START_TEST(test_error_too_few_fields)
{
	const char *msg = "t.theme:2: too few fields: expected 'color <role> <fg> <bg> [attr...]'";
	expect_error("\ncolor title red\n", msg);
	expect_error("\ncolor\n", msg);
	expect_error("\ncolor title\n", msg);
	/* what follows # is a comment, not a field */
	expect_error("\ncolor title red # default\n", msg);
}
END_TEST

START_TEST(test_error_unknown_command)
{
	expect_error("colour title red default\n",
	             "t.theme:1: unknown command 'colour': expected 'color <role> <fg> <bg> [attr...]'");
	expect_error("color title red default\nset x\n",
	             "t.theme:2: unknown command 'set': expected 'color <role> <fg> <bg> [attr...]'");
}
END_TEST

START_TEST(test_error_line_numbers)
{
	/* comments, blank lines, CRLF endings and a missing final newline all
	 * count as the lines an editor shows */
	expect_error("# c\r\n\r\n   \r\ncolor title red default\r\n\tcolor cursor nope default",
	             "t.theme:5: unknown colour 'nope'");
	expect_error("color title red default\n\n\n\n\n\n\n\n\n\n\ncolor x red default\n",
	             "t.theme:12: unknown role 'x'");
}
END_TEST

START_TEST(test_error_escapes_untrusted)
{
	/* an escape sequence in a file must not reach the terminal through
	 * the message */
	expect_error("color title \x1b[31mred default\n", "t.theme:1: unknown colour '\\x1b[31mred'");
	expect_error("color ti\\tle red default\n", "t.theme:1: unknown role 'ti\\\\tle'");
	/* a NUL byte inside the text is just another bad byte */
	struct theme t;
	char err[256];
	theme_builtin(&t);
	ck_assert(!theme_parse(&t, S("color title re\0d default\n"), "t.theme", err, sizeof err));
	ck_assert_str_eq(err, "t.theme:1: unknown colour 're\\x00d'");
	/* the file name too */
	theme_builtin(&t);
	ck_assert(!theme_parse(&t, S("x\n"), "a\nb.theme", err, sizeof err));
	ck_assert_str_eq(err, "a\\x0ab.theme:1: unknown command 'x': expected 'color <role> <fg> <bg> [attr...]'");
}
END_TEST

START_TEST(test_error_long_word_cut)
{
	char text[256];
	char want[256];
	snprintf(text, sizeof text, "color %s red default\n",
	         "abcdefghijabcdefghijabcdefghijabcdefghijXYZ");
	snprintf(want, sizeof want, "t.theme:1: unknown role '%s...'",
	         "abcdefghijabcdefghijabcdefghijabcdefghij");
	expect_error(text, want);
}
END_TEST

START_TEST(test_error_small_buffer)
{
	/* a short buffer gets a cut, terminated message, never an overflow */
	struct theme t;
	char err[12];
	memset(err, 'Z', sizeof err);
	theme_builtin(&t);
	ck_assert(!theme_parse(&t, S("color x red default\n"), "t.theme", err, sizeof err));
	ck_assert_str_eq(err, "t.theme:1: ");
	/* and none at all is allowed */
	ck_assert(!theme_parse(&t, S("color x red default\n"), "t.theme", NULL, 0));
}
END_TEST

/* ---- parsing ----------------------------------------------------------------- */

START_TEST(test_parse_partial_keeps_defaults)
{
	struct theme t;
	char err[256];
	ck_assert_msg(parse_builtin("color json.key 208 236 bold underline\n", &t, err, sizeof err),
	              "%s", err);
	ck_assert_int_eq(t.style[DRAW_JSON_KEY].fg, 208);
	ck_assert_int_eq(t.style[DRAW_JSON_KEY].bg, 236);
	ck_assert(t.style[DRAW_JSON_KEY].attrs == (A_BOLD | A_UNDERLINE));
	/* every other role is the compiled-in one */
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		if (i == DRAW_JSON_KEY)
			continue;
		struct draw_style b = draw_builtin_style((enum draw_role)i);
		ck_assert_int_eq(t.style[i].fg, b.fg);
		ck_assert_int_eq(t.style[i].bg, b.bg);
		ck_assert(t.style[i].attrs == b.attrs);
	}

	/* parsed alone, only the one role is marked as set */
	theme_empty(&t);
	ck_assert(theme_parse(&t, S("color diff.context 8 default\n"), "t.theme", err, sizeof err));
	for (int i = 0; i < DRAW_ROLE_COUNT; i++)
		ck_assert_int_eq(t.set[i], i == DRAW_DIFF_CONTEXT);
}
END_TEST

START_TEST(test_parse_forms)
{
	struct theme t;
	char err[256];
	const char *text =
		"  # indented comment\n"
		"\tcolor\ttitle\tRED\tDefault\tBOLD # trailing comment\n"
		"color cursor bright-white 0 reverse normal\r\n"
		"color mark yellow default\n"
		"color mark green default dim\n" /* the later line wins */
		"color error 255 16 bold dim underline reverse italic standout blink\n"
		"color json.null default default\n";
	ck_assert_msg(parse_builtin(text, &t, err, sizeof err), "%s", err);
	ck_assert_int_eq(t.style[DRAW_TITLE].fg, COLOR_RED);
	ck_assert_int_eq(t.style[DRAW_TITLE].bg, -1);
	ck_assert(t.style[DRAW_TITLE].attrs == A_BOLD);
	ck_assert_int_eq(t.style[DRAW_CURSOR].fg, 15);
	ck_assert_int_eq(t.style[DRAW_CURSOR].bg, 0);
	ck_assert(t.style[DRAW_CURSOR].attrs == A_REVERSE);
	ck_assert_int_eq(t.style[DRAW_MARK].fg, COLOR_GREEN);
	ck_assert(t.style[DRAW_MARK].attrs == A_DIM);
	ck_assert_int_eq(t.style[DRAW_ERROR].fg, 255);
	ck_assert_int_eq(t.style[DRAW_ERROR].bg, 16);
	ck_assert(t.style[DRAW_ERROR].attrs ==
	          (A_BOLD | A_DIM | A_UNDERLINE | A_REVERSE | A_ITALIC | A_STANDOUT | A_BLINK));
	/* no attribute is no attribute, not the role's old ones */
	ck_assert(t.style[DRAW_JSON_NULL].attrs == A_NORMAL);
	ck_assert_int_eq(t.style[DRAW_JSON_NULL].fg, -1);

	/* empty text, only comments: a theme that changes nothing */
	ck_assert(parse_builtin("", &t, err, sizeof err));
	ck_assert(parse_builtin("# nothing\n\n", &t, err, sizeof err));
}
END_TEST

START_TEST(test_color_words)
{
	static const char *const names[16] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
		"bright-black", "bright-red", "bright-green", "bright-yellow",
		"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
	};
	short c = 99;
	for (int i = 0; i < 16; i++) {
		ck_assert_msg(theme_parse_color(names[i], &c), "%s", names[i]);
		ck_assert_int_eq(c, i);
	}
	/* the names are the curses numbers */
	ck_assert(theme_parse_color("magenta", &c) && c == COLOR_MAGENTA);
	ck_assert(theme_parse_color("default", &c) && c == -1);
	ck_assert(theme_parse_color("Bright-Cyan", &c) && c == 14);
	ck_assert(theme_parse_color("0", &c) && c == 0);
	ck_assert(theme_parse_color("7", &c) && c == 7);
	ck_assert(theme_parse_color("042", &c) && c == 42);
	ck_assert(theme_parse_color("255", &c) && c == 255);
	c = 99;
	ck_assert(!theme_parse_color("256", &c));
	ck_assert(!theme_parse_color("0255", &c));
	ck_assert(!theme_parse_color("", &c));
	ck_assert(!theme_parse_color("-1", &c));
	ck_assert(!theme_parse_color("+1", &c));
	ck_assert(!theme_parse_color("1a", &c));
	ck_assert(!theme_parse_color("grey", &c));
	ck_assert(!theme_parse_color("bright-default", &c));
	ck_assert_int_eq(c, 99); /* untouched on failure */
}
END_TEST

START_TEST(test_attr_words)
{
	attr_t a = A_BLINK;
	ck_assert(theme_parse_attr("normal", &a) && a == A_NORMAL);
	ck_assert(theme_parse_attr("bold", &a) && a == A_BOLD);
	ck_assert(theme_parse_attr("dim", &a) && a == A_DIM);
	ck_assert(theme_parse_attr("underline", &a) && a == A_UNDERLINE);
	ck_assert(theme_parse_attr("reverse", &a) && a == A_REVERSE);
	ck_assert(theme_parse_attr("italic", &a) && a == A_ITALIC);
	ck_assert(theme_parse_attr("standout", &a) && a == A_STANDOUT);
	ck_assert(theme_parse_attr("blink", &a) && a == A_BLINK);
	ck_assert(theme_parse_attr("BOLD", &a) && a == A_BOLD);
	ck_assert(!theme_parse_attr("bolder", &a));
	ck_assert(!theme_parse_attr("", &a));
	ck_assert(!theme_parse_attr("red", &a));
}
END_TEST

/* ---- the shipped themes ---------------------------------------------------------- */

static void load_shipped(const char *name, struct theme *t)
{
	char path[4096], err[1024];
	snprintf(path, sizeof path, "%s/%s.theme", themes_dir(), name);
	theme_empty(t);
	ck_assert_msg(theme_load_file(t, path, err, sizeof err), "%s", err);
}

START_TEST(test_shipped_parse_and_are_complete)
{
	static const char *const shipped[] = { "default", "light", "high-contrast", "mono" };
	for (size_t k = 0; k < sizeof shipped / sizeof shipped[0]; k++) {
		struct theme t;
		load_shipped(shipped[k], &t);
		/* a shipped theme says what every role looks like, so that it
		 * does not depend on what the defaults happen to be */
		for (int i = 0; i < DRAW_ROLE_COUNT; i++)
			ck_assert_msg(t.set[i], "%s.theme leaves out '%s'", shipped[k],
			              draw_role_name((enum draw_role)i));
	}
}
END_TEST

START_TEST(test_default_theme_is_builtin)
{
	struct theme t;
	load_shipped("default", &t);
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		struct draw_style b = draw_builtin_style((enum draw_role)i);
		const char *role = draw_role_name((enum draw_role)i);
		ck_assert_msg(t.style[i].fg == b.fg, "%s fg: file %d, built in %d", role, t.style[i].fg, b.fg);
		ck_assert_msg(t.style[i].bg == b.bg, "%s bg: file %d, built in %d", role, t.style[i].bg, b.bg);
		ck_assert_msg(t.style[i].attrs == b.attrs, "%s attributes differ", role);
	}
}
END_TEST

START_TEST(test_mono_theme_is_no_color)
{
	struct theme t;
	load_shipped("mono", &t);
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		const char *role = draw_role_name((enum draw_role)i);
		ck_assert_msg(t.style[i].fg == -1 && t.style[i].bg == -1, "%s has a colour", role);
		ck_assert_msg(t.style[i].attrs == draw_builtin_mono((enum draw_role)i),
		              "%s: mono.theme differs from the NO_COLOR attributes", role);
	}
}
END_TEST

START_TEST(test_shipped_readable_on_any_terminal)
{
	/* fitted to 8, 16 or 256 colours, no role of a shipped theme may end
	 * up with its text in the colour of its own background */
	static const char *const shipped[] = { "default", "light", "high-contrast", "mono" };
	static const int ncolors[] = { 8, 16, 256 };
	for (size_t k = 0; k < sizeof shipped / sizeof shipped[0]; k++) {
		struct theme t;
		load_shipped(shipped[k], &t);
		for (size_t n = 0; n < sizeof ncolors / sizeof ncolors[0]; n++) {
			struct draw_style out[DRAW_ROLE_COUNT];
			theme_fit(&t, ncolors[n], true, out);
			for (int i = 0; i < DRAW_ROLE_COUNT; i++)
				ck_assert_msg(out[i].fg != out[i].bg || out[i].fg == -1,
				              "%s.theme on %d colours: '%s' is colour %d on itself",
				              shipped[k], ncolors[n], draw_role_name((enum draw_role)i),
				              out[i].fg);
		}
	}
}
END_TEST

START_TEST(test_role_names)
{
	/* the roles the brief and DESIGN.md name, and no two alike */
	static const char *const want[] = {
		"title", "cursor", "cursor.idle", "status", "border", "mark", "tag", "pin",
		"error", "time", "meta", "header", "json.key", "json.string", "json.number",
		"json.bool", "json.null", "json.punct", "diff.add", "diff.remove",
		"diff.change", "diff.context",
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		int found = 0;
		for (int i = 0; i < DRAW_ROLE_COUNT; i++)
			found += strcmp(draw_role_name((enum draw_role)i), want[k]) == 0;
		ck_assert_msg(found == 1, "role '%s' found %d times", want[k], found);
	}
	ck_assert_str_eq(draw_role_name(DRAW_DIFF_CONTEXT), "diff.context");
}
END_TEST

/* ---- files and lookup --------------------------------------------------------------- */

static char tmpdir[256];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_theme-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_load_file_errors)
{
	struct theme t;
	char path[512], err[1024], want[1024];

	snprintf(path, sizeof path, "%s/bad.theme", tmpdir);
	write_file(path, "# a theme\ncolor title black cyan\n\ncolor title blak cyan\n");
	theme_builtin(&t);
	ck_assert(!theme_load_file(&t, path, err, sizeof err));
	snprintf(want, sizeof want, "%s:4: unknown colour 'blak'", path);
	ck_assert_str_eq(err, want);

	snprintf(path, sizeof path, "%s/missing.theme", tmpdir);
	ck_assert(!theme_load_file(&t, path, err, sizeof err));
	snprintf(want, sizeof want, "cannot read theme file '%s': %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);

	/* a directory opens but does not read */
	ck_assert(!theme_load_file(&t, tmpdir, err, sizeof err));
	snprintf(want, sizeof want, "cannot read theme file '%s': %s", tmpdir, strerror(EISDIR));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_load_file_too_large)
{
	char path[512], err[1024];
	snprintf(path, sizeof path, "%s/big.theme", tmpdir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	/* comments only: valid text, refused for its size alone */
	for (int i = 0; i < 1024 * 1024 / 8 + 1; i++)
		fputs("# ......\n", f);
	ck_assert_int_eq(fclose(f), 0);
	struct theme t;
	theme_builtin(&t);
	ck_assert(!theme_load_file(&t, path, err, sizeof err));
	ck_assert_msg(strstr(err, "is larger than 1048576 bytes: not a theme") != NULL, "%s", err);
}
END_TEST

START_TEST(test_find_order)
{
	char dir_a[512], dir_b[512], path[4096], err[4096], want[4096];
	snprintf(dir_a, sizeof dir_a, "%s/a", tmpdir);
	snprintf(dir_b, sizeof dir_b, "%s/b", tmpdir);
	ck_assert_int_eq(mkdir(dir_a, 0700), 0);
	ck_assert_int_eq(mkdir(dir_b, 0700), 0);
	snprintf(path, sizeof path, "%s/only-a.theme", dir_a);
	write_file(path, "color title red default\n");
	snprintf(path, sizeof path, "%s/themes", dir_b);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/themes/only-b.theme", dir_b);
	write_file(path, "color title red default\n");

	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(setenv("SNAPSCOPE_THEMES", dir_a, 1), 0);
	ck_assert_int_eq(chdir(dir_b), 0);

	/* $SNAPSCOPE_THEMES first, with or without the suffix */
	ck_assert_msg(theme_find("only-a", path, sizeof path, err, sizeof err), "%s", err);
	snprintf(want, sizeof want, "%s/only-a.theme", dir_a);
	ck_assert_str_eq(path, want);
	ck_assert(theme_find("only-a.theme", path, sizeof path, err, sizeof err));
	ck_assert_str_eq(path, want);
	/* ./themes last */
	ck_assert_msg(theme_find("only-b", path, sizeof path, err, sizeof err), "%s", err);
	ck_assert_str_eq(path, "themes/only-b.theme");

	/* not found: the message lists every place looked in */
	ck_assert(!theme_find("nosuch", path, sizeof path, err, sizeof err));
	ck_assert_msg(strncmp(err, "unknown theme 'nosuch': no nosuch.theme in ", 43) == 0, "%s", err);
	ck_assert_msg(strstr(err, dir_a) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "/share/snapscope/themes, themes") != NULL, "%s", err);

	/* a directory of that name is not a theme */
	snprintf(path, sizeof path, "%s/dir.theme", dir_a);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert(!theme_find("dir", path, sizeof path, err, sizeof err));

	/* names are names: paths go to theme_load_file */
	ck_assert(!theme_find("a/b", path, sizeof path, err, sizeof err));
	ck_assert_str_eq(err, "'a/b' is not a theme name");
	ck_assert(!theme_find("", path, sizeof path, err, sizeof err));

	ck_assert_int_eq(chdir(cwd), 0);
	unsetenv("SNAPSCOPE_THEMES");
}
END_TEST

START_TEST(test_init_refuses_before_the_screen)
{
	/* an unknown theme or a bad file is refused without a screen: the
	 * browser checks before it takes over the terminal */
	char err[4096], path[512], want[1024], before[256];
	snprintf(before, sizeof before, "%s", theme_name());
	ck_assert(!theme_init("nosuch", err, sizeof err));
	ck_assert_msg(strncmp(err, "unknown theme 'nosuch'", 22) == 0, "%s", err);

	snprintf(path, sizeof path, "%s/x.theme", tmpdir);
	write_file(path, "color title red default\ncolor nope red default\n");
	ck_assert(!theme_init(path, err, sizeof err));
	snprintf(want, sizeof want, "%s:2: unknown role 'nope'", path);
	ck_assert_str_eq(err, want);
	/* a failed init keeps the theme that was */
	ck_assert_str_eq(theme_name(), before);
}
END_TEST

/* ---- fitting to the terminal -------------------------------------------------------- */

static void expect_color(short color, int ncolors, short want, bool want_bright)
{
	bool bright = !want_bright;
	short got = theme_color_for(color, ncolors, &bright);
	ck_assert_msg(got == want && bright == want_bright,
	              "colour %d on %d colours: got %d%s, want %d%s", color, ncolors, got,
	              bright ? " bright" : "", want, want_bright ? " bright" : "");
}

START_TEST(test_map_256_to_8)
{
	/* the table: xterm index (its RGB) -> the nearest of the 16 -> on 8
	 * colours its base colour, bright when it was a bright one */
	static const struct {
		short color, on16, on8;
		bool bright;
	} table[] = {
		{ 16, 0, 0, false },   /* (0,0,0) black */
		{ 21, 4, 4, false },   /* (0,0,255) blue */
		{ 28, 2, 2, false },   /* (0,135,0) green */
		{ 30, 6, 6, false },   /* (0,135,135) cyan */
		{ 124, 1, 1, false },  /* (175,0,0) red */
		{ 196, 9, 1, true },   /* (255,0,0) bright red */
		{ 208, 3, 3, false },  /* (255,135,0) orange: yellow */
		{ 226, 11, 3, true },  /* (255,255,0) bright yellow */
		{ 231, 15, 7, true },  /* (255,255,255) bright white */
		{ 232, 0, 0, false },  /* grey 8: black */
		{ 244, 8, 0, true },   /* grey 128: bright black */
		{ 250, 7, 7, false },  /* grey 188: white */
		{ 153, 7, 7, false },  /* (175,215,255) pale blue: white */
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		expect_color(table[i].color, 256, table[i].color, false);
		expect_color(table[i].color, 16, table[i].on16, false);
		expect_color(table[i].color, 8, table[i].on8, table[i].bright);
	}
}
END_TEST

START_TEST(test_map_basic)
{
	for (short c = 0; c < 8; c++) {
		expect_color(c, 8, c, false);
		expect_color(c, 16, c, false);
	}
	/* bright names: kept with 16 colours, base + bright with 8 */
	for (short c = 8; c < 16; c++) {
		expect_color(c, 16, c, false);
		expect_color(c, 256, c, false);
		expect_color(c, 8, (short)(c - 8), true);
	}
	/* the terminal's default colour stays what it is */
	expect_color(-1, 8, -1, false);
	expect_color(-1, 256, -1, false);
	/* 88 colours: past the 16, through the xterm RGB, never as is */
	expect_color(196, 88, 9, false);
}
END_TEST

START_TEST(test_fit)
{
	struct theme t;
	char err[256];
	struct draw_style out[DRAW_ROLE_COUNT];
	ck_assert(parse_builtin("color title bright-yellow bright-blue underline\n"
	                        "color cursor 196 226\n"
	                        "color mark default default\n", &t, err, sizeof err));

	theme_fit(&t, 8, true, out);
	/* a bright foreground on 8 colours becomes bold; a bright background
	 * just its base colour */
	ck_assert_int_eq(out[DRAW_TITLE].fg, COLOR_YELLOW);
	ck_assert_int_eq(out[DRAW_TITLE].bg, COLOR_BLUE);
	ck_assert(out[DRAW_TITLE].attrs == (A_UNDERLINE | A_BOLD));
	ck_assert_int_eq(out[DRAW_CURSOR].fg, COLOR_RED);
	ck_assert_int_eq(out[DRAW_CURSOR].bg, COLOR_YELLOW);
	ck_assert(out[DRAW_CURSOR].attrs == A_BOLD);
	ck_assert_int_eq(out[DRAW_MARK].fg, -1);
	ck_assert_int_eq(out[DRAW_MARK].bg, -1);

	theme_fit(&t, 256, true, out);
	ck_assert_int_eq(out[DRAW_TITLE].fg, 11);
	ck_assert(out[DRAW_TITLE].attrs == A_UNDERLINE);
	ck_assert_int_eq(out[DRAW_CURSOR].fg, 196);
	ck_assert_int_eq(out[DRAW_CURSOR].bg, 226);

	/* no default colours: white on black stands in for them */
	theme_fit(&t, 256, false, out);
	ck_assert_int_eq(out[DRAW_MARK].fg, COLOR_WHITE);
	ck_assert_int_eq(out[DRAW_MARK].bg, COLOR_BLACK);
}
END_TEST

/* ---- on a screen ------------------------------------------------------------------ */

static FILE *term_out, *term_in;
static SCREEN *screen;

static void open_screen(const char *term)
{
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(term_out);
	ck_assert_ptr_nonnull(term_in);
	screen = newterm(term, term_out, term_in);
	ck_assert_msg(screen != NULL, "newterm(%s) failed: no terminfo entry?", term);
}

static void screen_setup(void)
{
	unsetenv("NO_COLOR");
	/* the shipped themes, wherever the test runs from */
	if (!getenv("SNAPSCOPE_THEMES"))
		setenv("SNAPSCOPE_THEMES", "themes", 1);
}

static void screen_teardown(void)
{
	if (screen) {
		endwin();
		delscreen(screen);
	}
	if (term_out)
		fclose(term_out);
	if (term_in)
		fclose(term_in);
	screen = NULL;
	term_out = term_in = NULL;
	unsetenv("NO_COLOR");
}

/* The colours of the pair a role's attributes carry (pair 0: -1, -1). */
static void role_colors(enum draw_role role, int *fg, int *bg)
{
	int pair = (int)PAIR_NUMBER(draw_attr(role));
	*fg = *bg = -1;
	if (pair == 0)
		return;
	ck_assert_int_eq(extended_pair_content(pair, fg, bg), OK);
}

START_TEST(test_init_256)
{
	open_screen("xterm-256color");
	char err[1024];
	ck_assert_msg(theme_init("light", err, sizeof err), "%s", err);
	ck_assert_str_eq(theme_name(), "light");
	/* light.theme: title 231 on 25 bold, json.key 19 bold, plain text
	 * in the terminal's colours */
	int fg, bg;
	role_colors(DRAW_TITLE, &fg, &bg);
	ck_assert_int_eq(fg, 231);
	ck_assert_int_eq(bg, 25);
	ck_assert(draw_attr(DRAW_TITLE) & A_BOLD);
	role_colors(DRAW_JSON_KEY, &fg, &bg);
	ck_assert_int_eq(fg, 19);
	ck_assert_int_eq(bg, -1);
	ck_assert_int_eq(PAIR_NUMBER(draw_attr(DRAW_DEFAULT)), 0);

	/* roles of the same colours share a pair: the palette stays within
	 * what small COLOR_PAIRS allow */
	ck_assert_int_eq(theme_init("default", err, sizeof err), true);
	ck_assert_int_eq(PAIR_NUMBER(draw_attr(DRAW_TITLE)), PAIR_NUMBER(draw_attr(DRAW_CURSOR)));
	ck_assert_int_ne(PAIR_NUMBER(draw_attr(DRAW_TITLE)), 0);
	ck_assert(draw_attr(DRAW_TITLE) & A_BOLD);
	ck_assert(!(draw_attr(DRAW_CURSOR) & A_BOLD));
}
END_TEST

START_TEST(test_init_8)
{
	open_screen("xterm"); /* 8 colours */
	char err[1024], path[512];
	snprintf(path, sizeof path, "%s/light.theme", themes_dir());
	ck_assert_msg(theme_init(path, err, sizeof err), "%s", err);
	ck_assert_str_eq(theme_name(), path);
	int fg, bg;
	/* 231 on 25: bright white (white + bold) on blue */
	role_colors(DRAW_TITLE, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_WHITE);
	ck_assert_int_eq(bg, COLOR_BLUE);
	ck_assert(draw_attr(DRAW_TITLE) & A_BOLD);
	/* error 160 (215,0,0): red */
	role_colors(DRAW_ERROR, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_RED);
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		role_colors((enum draw_role)i, &fg, &bg);
		ck_assert_int_lt(fg, 8);
		ck_assert_int_lt(bg, 8);
	}
}
END_TEST

START_TEST(test_init_no_color)
{
	setenv("NO_COLOR", "1", 1);
	open_screen("xterm-256color");
	char err[1024];
	/* whatever the theme: the attributes of the mono column, no pair */
	ck_assert_msg(theme_init("high-contrast", err, sizeof err), "%s", err);
	ck_assert_str_eq(theme_name(), "high-contrast");
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		ck_assert_int_eq(PAIR_NUMBER(draw_attr((enum draw_role)i)), 0);
		ck_assert(draw_attr((enum draw_role)i) == draw_builtin_mono((enum draw_role)i));
	}
	/* NO_COLOR set but empty means colour (no-color.org) */
	screen_teardown();
	setenv("NO_COLOR", "", 1);
	open_screen("xterm-256color");
	ck_assert(theme_init("default", err, sizeof err));
	ck_assert_int_ne(PAIR_NUMBER(draw_attr(DRAW_TITLE)), 0);
}
END_TEST

START_TEST(test_init_no_colors_terminal)
{
	open_screen("xterm-mono");
	char err[1024];
	ck_assert_msg(theme_init("light", err, sizeof err), "%s", err);
	for (int i = 0; i < DRAW_ROLE_COUNT; i++)
		ck_assert(draw_attr((enum draw_role)i) == draw_builtin_mono((enum draw_role)i));
}
END_TEST

START_TEST(test_colors_init_fits_builtin)
{
	/* draw_colors_init() is the compiled-in theme, fitted like any other:
	 * json.key is bright blue, on 8 colours blue in bold */
	int fg, bg;
	open_screen("xterm");
	ck_assert(draw_colors_init());
	ck_assert_str_eq(theme_name(), "default");
	role_colors(DRAW_JSON_KEY, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_BLUE);
	ck_assert(draw_attr(DRAW_JSON_KEY) & A_BOLD);
	screen_teardown();

	open_screen("xterm-256color");
	ck_assert(draw_colors_init());
	role_colors(DRAW_JSON_KEY, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_BLUE + 8);
	screen_teardown();

	setenv("NO_COLOR", "yes", 1);
	open_screen("xterm-256color");
	ck_assert(!draw_colors_init());
	ck_assert(draw_attr(DRAW_TITLE) == draw_builtin_mono(DRAW_TITLE));
}
END_TEST

START_TEST(test_next_cycles)
{
	open_screen("xterm-256color");
	char err[1024];
	ck_assert(theme_init(NULL, err, sizeof err));
	ck_assert_str_eq(theme_name(), "default");
	ck_assert_str_eq(theme_next(), "light");
	int fg, bg;
	role_colors(DRAW_TITLE, &fg, &bg);
	ck_assert_int_eq(bg, 25); /* the palette changed with the name */
	ck_assert_str_eq(theme_next(), "high-contrast");
	ck_assert_str_eq(theme_next(), "mono");
	ck_assert_int_eq(PAIR_NUMBER(draw_attr(DRAW_TITLE)), 0);
	ck_assert(draw_attr(DRAW_TITLE) & A_REVERSE);
	ck_assert_str_eq(theme_next(), "default");
	role_colors(DRAW_TITLE, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_BLACK);
	ck_assert_int_eq(bg, COLOR_CYAN);
	ck_assert_str_eq(theme_name(), "default");

	/* from a theme outside the cycle, back to the start of it */
	ck_assert(theme_init("", err, sizeof err));
	char path[512];
	snprintf(path, sizeof path, "%s/mono.theme", themes_dir());
	ck_assert(theme_init(path, err, sizeof err));
	ck_assert_str_eq(theme_next(), "default");
}
END_TEST

START_TEST(test_next_passes_over_missing)
{
	/* only light installed: high-contrast and mono are passed over */
	char dir[] = "/tmp/check_theme-next-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[512], cwd[4096];
	snprintf(path, sizeof path, "%s/light.theme", dir);
	write_file(path, "color title red default\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0); /* no ./themes here */
	setenv("SNAPSCOPE_THEMES", dir, 1);
	open_screen("xterm-256color");
	char err[1024];
	ck_assert(theme_init("default", err, sizeof err));
	ck_assert_str_eq(theme_next(), "light");
	/* unless an installed copy sits next to the test binary */
	const char *next = theme_next();
	ck_assert_msg(strcmp(next, "default") == 0 || strcmp(next, "high-contrast") == 0, "%s", next);
	ck_assert_int_eq(chdir(cwd), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *theme_suite(void)
{
	Suite *s = suite_create("theme");

	TCase *errors = tcase_create("errors");
	tcase_add_test(errors, test_error_unknown_role);
	tcase_add_test(errors, test_error_unknown_colour);
	tcase_add_test(errors, test_error_bad_attribute);
	tcase_add_test(errors, test_error_too_few_fields);
	tcase_add_test(errors, test_error_unknown_command);
	tcase_add_test(errors, test_error_line_numbers);
	tcase_add_test(errors, test_error_escapes_untrusted);
	tcase_add_test(errors, test_error_long_word_cut);
	tcase_add_test(errors, test_error_small_buffer);
	suite_add_tcase(s, errors);

	TCase *parse = tcase_create("parse");
	tcase_add_test(parse, test_parse_partial_keeps_defaults);
	tcase_add_test(parse, test_parse_forms);
	tcase_add_test(parse, test_color_words);
	tcase_add_test(parse, test_attr_words);
	tcase_add_test(parse, test_role_names);
	suite_add_tcase(s, parse);

	TCase *shipped = tcase_create("shipped");
	tcase_add_test(shipped, test_shipped_parse_and_are_complete);
	tcase_add_test(shipped, test_default_theme_is_builtin);
	tcase_add_test(shipped, test_mono_theme_is_no_color);
	tcase_add_test(shipped, test_shipped_readable_on_any_terminal);
	suite_add_tcase(s, shipped);

	TCase *files = tcase_create("files");
	tcase_add_checked_fixture(files, tmp_setup, tmp_teardown);
	tcase_add_test(files, test_load_file_errors);
	tcase_add_test(files, test_load_file_too_large);
	tcase_add_test(files, test_find_order);
	tcase_add_test(files, test_init_refuses_before_the_screen);
	suite_add_tcase(s, files);

	TCase *fit = tcase_create("fit");
	tcase_add_test(fit, test_map_256_to_8);
	tcase_add_test(fit, test_map_basic);
	tcase_add_test(fit, test_fit);
	suite_add_tcase(s, fit);

	TCase *screen_tc = tcase_create("screen");
	tcase_add_checked_fixture(screen_tc, screen_setup, screen_teardown);
	tcase_add_test(screen_tc, test_init_256);
	tcase_add_test(screen_tc, test_init_8);
	tcase_add_test(screen_tc, test_init_no_color);
	tcase_add_test(screen_tc, test_init_no_colors_terminal);
	tcase_add_test(screen_tc, test_colors_init_fits_builtin);
	tcase_add_test(screen_tc, test_next_cycles);
	tcase_add_test(screen_tc, test_next_passes_over_missing);
	suite_add_tcase(s, screen_tc);
	return s;
}
