/*
 * theme.c - theme files: parsing, lookup, fitting to the terminal, and the
 * live switch between the shipped themes (see theme.h).
 *
 * Everything up to theme_fit() is plain text handling on a struct theme,
 * so that every message and mapping can be tested without a terminal; only
 * theme_init()/theme_next() reach the screen, through draw.h's palette
 * calls.
 */
#include "theme.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The shipped themes, in the order `T` visits them. */
static const char *const cycle[] = { "default", "light", "high-contrast", "mono" };
#define CYCLE_LEN (sizeof cycle / sizeof cycle[0])

/* A theme file is a few dozen lines; anything far bigger is not one, and
 * is refused before it is read into memory. */
#define THEME_FILE_MAX (1024 * 1024)

/* Quoted words in messages are cut to this many bytes of input. */
#define QUOTE_MAX 40

static const char *const format_hint = "expected 'color <role> <fg> <bg> [attr...]'";

static void set_err(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
	if (!err || err_size == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

/*
 * s[0..len) made safe to print: printable ASCII as it is, a backslash
 * doubled, any other byte as \xNN (file names and words come from the
 * user's files and may hold escape sequences), cut after `max` bytes of
 * input with "...".  out holds at least 4 * max + 4 bytes.
 */
static void quote(char *out, size_t out_size, const char *s, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o + 5 > out_size)
			break;
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (len > max && o + 4 <= out_size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < out_size ? o : out_size - 1] = '\0';
}

/* ---- words ------------------------------------------------------------------ */

static const char *const color_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

static bool word_is(const char *w, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(w, name, len) == 0;
}

static bool parse_color(const char *w, size_t len, short *color)
{
	if (word_is(w, len, "default")) {
		*color = -1;
		return true;
	}
	for (int i = 0; i < 16; i++) {
		if (word_is(w, len, color_names[i])) {
			*color = (short)i;
			return true;
		}
	}
	/* Digits only: no sign, no hex; three at most keeps the value small
	 * enough to check without overflow. */
	if (len == 0 || len > 3)
		return false;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (w[i] - '0');
	}
	if (v > 255)
		return false;
	*color = (short)v;
	return true;
}

static const struct {
	const char *name;
	attr_t attr;
} attr_names[] = {
	{ "normal", A_NORMAL },       { "bold", A_BOLD },         { "dim", A_DIM },
	{ "underline", A_UNDERLINE }, { "reverse", A_REVERSE },   { "italic", A_ITALIC },
	{ "standout", A_STANDOUT },   { "blink", A_BLINK },
};

static bool parse_attr(const char *w, size_t len, attr_t *attr)
{
	for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
		if (word_is(w, len, attr_names[i].name)) {
			*attr = attr_names[i].attr;
			return true;
		}
	}
	return false;
}

static bool parse_role(const char *w, size_t len, int *role)
{
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		if (word_is(w, len, draw_role_name((enum draw_role)i))) {
			*role = i;
			return true;
		}
	}
	return false;
}

bool theme_parse_color(const char *word, short *color)
{
	return parse_color(word, strlen(word), color);
}

bool theme_parse_attr(const char *word, attr_t *attr)
{
	return parse_attr(word, strlen(word), attr);
}

/* ---- parsing ----------------------------------------------------------------- */

void theme_builtin(struct theme *t)
{
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		t->style[i] = draw_builtin_style((enum draw_role)i);
		t->set[i] = true;
	}
}

static bool is_space(char c)
{
	/* \r too: a file written on Windows ends its lines in \r\n. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next word of line[*pos..end) into *w and *wlen; false at the end of the
 * line or at a comment. */
static bool next_word(const char *line, size_t end, size_t *pos, const char **w, size_t *wlen)
{
	size_t p = *pos;
	while (p < end && is_space(line[p]))
		p++;
	if (p >= end || line[p] == '#') {
		*pos = end;
		return false;
	}
	size_t start = p;
	while (p < end && !is_space(line[p]))
		p++;
	*w = line + start;
	*wlen = p - start;
	*pos = p;
	return true;
}

/* "FILE:LINE: what 'word'" with file and word quoted safely. */
static void word_err(char *err, size_t err_size, const char *file, size_t lineno,
                     const char *what, const char *w, size_t wlen)
{
	char qf[4 * 200 + 4], qw[4 * QUOTE_MAX + 4];
	quote(qf, sizeof qf, file, strlen(file), 200);
	quote(qw, sizeof qw, w, wlen, QUOTE_MAX);
	set_err(err, err_size, "%s:%zu: %s '%s'", qf, lineno, what, qw);
}

bool theme_parse(struct theme *t, const char *text, size_t len, const char *file,
                 char *err, size_t err_size)
{
	size_t pos = 0, lineno = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t p = pos;
		lineno++;
		pos = end + 1;

		const char *w;
		size_t wlen;
		if (!next_word(text, end, &p, &w, &wlen))
			continue; /* blank or comment */
		if (!word_is(w, wlen, "color")) {
			char qf[4 * 200 + 4], qw[4 * QUOTE_MAX + 4];
			quote(qf, sizeof qf, file, strlen(file), 200);
			quote(qw, sizeof qw, w, wlen, QUOTE_MAX);
			set_err(err, err_size, "%s:%zu: unknown command '%s': %s", qf, lineno, qw,
			        format_hint);
			return false;
		}

		const char *words[3];
		size_t lens[3];
		int n = 0;
		while (n < 3 && next_word(text, end, &p, &words[n], &lens[n]))
			n++;
		if (n < 3) {
			char qf[4 * 200 + 4];
			quote(qf, sizeof qf, file, strlen(file), 200);
			set_err(err, err_size, "%s:%zu: too few fields: %s", qf, lineno, format_hint);
			return false;
		}
		int role;
		struct draw_style st = { -1, -1, A_NORMAL };
		if (!parse_role(words[0], lens[0], &role)) {
			word_err(err, err_size, file, lineno, "unknown role", words[0], lens[0]);
			return false;
		}
		if (!parse_color(words[1], lens[1], &st.fg)) {
			word_err(err, err_size, file, lineno, "unknown colour", words[1], lens[1]);
			return false;
		}
		if (!parse_color(words[2], lens[2], &st.bg)) {
			word_err(err, err_size, file, lineno, "unknown colour", words[2], lens[2]);
			return false;
		}
		while (next_word(text, end, &p, &w, &wlen)) {
			attr_t a;
			if (!parse_attr(w, wlen, &a)) {
				word_err(err, err_size, file, lineno, "unknown attribute", w, wlen);
				return false;
			}
			st.attrs |= a;
		}
		/* A role named twice: the later line wins, as in tig. */
		t->style[role] = st;
		t->set[role] = true;
	}
	return true;
}

bool theme_load_file(struct theme *t, const char *path, char *err, size_t err_size)
{
	char qp[4 * 200 + 4];
	quote(qp, sizeof qp, path, strlen(path), 200);

	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, err_size, "cannot read theme file '%s': %s", qp, strerror(errno));
		return false;
	}
	char *buf = malloc(THEME_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		set_err(err, err_size, "out of memory reading theme file '%s'", qp);
		return false;
	}
	/* One byte past the limit tells "exactly the limit" from "more". */
	size_t n = fread(buf, 1, THEME_FILE_MAX + 1, f);
	int read_errno = ferror(f) ? errno : 0;
	fclose(f);
	bool ok = false;
	if (read_errno)
		set_err(err, err_size, "cannot read theme file '%s': %s", qp, strerror(read_errno));
	else if (n > THEME_FILE_MAX)
		set_err(err, err_size, "theme file '%s' is larger than %d bytes: not a theme", qp,
		        THEME_FILE_MAX);
	else
		ok = theme_parse(t, buf, n, path, err, err_size);
	free(buf);
	return ok;
}

/* ---- lookup ------------------------------------------------------------------- */

/* The installed themes relative to the running binary: <prefix>/bin/snapscope
 * -> <prefix>/share/snapscope/themes.  False when /proc cannot tell. */
static bool installed_dir(char *dir, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0 || (size_t)n >= sizeof exe - 1)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0'; /* the binary's directory */
	slash = strrchr(exe, '/');
	int w;
	if (slash && slash != exe) {
		*slash = '\0'; /* its parent, the prefix */
		w = snprintf(dir, size, "%s/share/snapscope/themes", exe);
	} else {
		w = snprintf(dir, size, "%s/../share/snapscope/themes", exe);
	}
	return w > 0 && (size_t)w < size;
}

static bool is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

bool theme_find(const char *name, char *path, size_t path_size, char *err, size_t err_size)
{
	char qn[4 * QUOTE_MAX + 4];
	quote(qn, sizeof qn, name, strlen(name), QUOTE_MAX);
	if (!*name || strchr(name, '/')) {
		set_err(err, err_size, "'%s' is not a theme name", qn);
		return false;
	}
	size_t nlen = strlen(name);
	const char *suffix = nlen > 6 && strcmp(name + nlen - 6, ".theme") == 0 ? "" : ".theme";

	char dirs[3][4096];
	int ndirs = 0;
	const char *env = getenv("SNAPSCOPE_THEMES");
	if (env && *env && strlen(env) < sizeof dirs[0])
		snprintf(dirs[ndirs++], sizeof dirs[0], "%s", env);
	if (installed_dir(dirs[ndirs], sizeof dirs[0]))
		ndirs++;
	snprintf(dirs[ndirs++], sizeof dirs[0], "themes");

	for (int i = 0; i < ndirs; i++) {
		int w = snprintf(path, path_size, "%s/%s%s", dirs[i], name, suffix);
		if (w > 0 && (size_t)w < path_size && is_file(path))
			return true;
	}

	/* Say where we looked: the usual fix is SNAPSCOPE_THEMES or an
	 * install that copied the themes. */
	char looked[3 * (4 * 120 + 4) + 16] = "";
	size_t used = 0;
	for (int i = 0; i < ndirs; i++) {
		char qd[4 * 120 + 4];
		quote(qd, sizeof qd, dirs[i], strlen(dirs[i]), 120);
		int w = snprintf(looked + used, sizeof looked - used, "%s%s", i ? ", " : "", qd);
		if (w < 0 || (size_t)w >= sizeof looked - used)
			break;
		used += (size_t)w;
	}
	set_err(err, err_size, "unknown theme '%s': no %s%s in %s", qn, qn, suffix, looked);
	return false;
}

/* ---- fitting to the terminal ----------------------------------------------------- */

/* The xterm palette: colour index -> RGB, 0-255. */
static void xterm_rgb(int c, int rgb[3])
{
	static const unsigned char basic[16][3] = {
		{ 0, 0, 0 },       { 205, 0, 0 },     { 0, 205, 0 },     { 205, 205, 0 },
		{ 0, 0, 238 },     { 205, 0, 205 },   { 0, 205, 205 },   { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },     { 255, 255, 0 },
		{ 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 },   { 255, 255, 255 },
	};
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	if (c < 16) {
		for (int i = 0; i < 3; i++)
			rgb[i] = basic[c][i];
	} else if (c < 232) {
		/* The 6x6x6 cube: 16 + 36 r + 6 g + b. */
		c -= 16;
		rgb[0] = level[c / 36];
		rgb[1] = level[(c / 6) % 6];
		rgb[2] = level[c % 6];
	} else {
		/* The grey ramp: 8, 18, ... 238. */
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

/* The nearest of the 16 basic colours, by squared distance in RGB; a tie
 * goes to the lower index (the base colour before its bright form). */
static int nearest16(int c)
{
	if (c < 16)
		return c;
	int rgb[3];
	xterm_rgb(c, rgb);
	int best = 0;
	long best_d = -1;
	for (int i = 0; i < 16; i++) {
		int b[3];
		xterm_rgb(i, b);
		long d = 0;
		for (int k = 0; k < 3; k++)
			d += (long)(rgb[k] - b[k]) * (rgb[k] - b[k]);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

short theme_color_for(short color, int ncolors, bool *bright)
{
	*bright = false;
	if (color < 0 || color > 255)
		return -1;
	if (ncolors >= 256)
		return color;
	/* An 88-colour terminal numbers its cube differently: anything past
	 * the 16 basic colours goes through the xterm RGB, never as is. */
	int c = nearest16(color);
	if (ncolors >= 16)
		return (short)c;
	if (c >= 8) {
		*bright = true;
		c -= 8;
	}
	return (short)c;
}

void theme_fit(const struct theme *t, int ncolors, bool defaults,
               struct draw_style out[DRAW_ROLE_COUNT])
{
	for (int i = 0; i < DRAW_ROLE_COUNT; i++) {
		struct draw_style st = t->style[i];
		bool bright;
		st.fg = theme_color_for(st.fg, ncolors, &bright);
		/* 8 colours: bold is how such terminals show the bright half. */
		if (bright)
			st.attrs |= A_BOLD;
		st.bg = theme_color_for(st.bg, ncolors, &bright);
		if (!defaults && st.fg < 0)
			st.fg = COLOR_WHITE;
		if (!defaults && st.bg < 0)
			st.bg = COLOR_BLACK;
		out[i] = st;
	}
}

/* ---- installing ---------------------------------------------------------------------- */

static char current[256] = "default";

bool theme_init(const char *name, char *err, size_t err_size)
{
	if (!name || !*name)
		name = "default";
	struct theme t;
	theme_builtin(&t);
	if (strcmp(name, "default") != 0) {
		char found[4096];
		const char *path = name;
		if (!strchr(name, '/')) {
			if (!theme_find(name, found, sizeof found, err, err_size))
				return false;
			path = found;
		}
		if (!theme_load_file(&t, path, err, err_size))
			return false;
	}

	int ncolors;
	bool defaults;
	if (draw_color_start(&ncolors, &defaults)) {
		struct draw_style styles[DRAW_ROLE_COUNT];
		theme_fit(&t, ncolors, defaults, styles);
		draw_palette_set(styles);
	} else {
		draw_palette_mono();
	}
	/* name may be current itself (theme_init(theme_name(), ...)). */
	if (name != current)
		snprintf(current, sizeof current, "%s", name);
	return true;
}

const char *theme_next(void)
{
	size_t start = 0;
	for (size_t i = 0; i < CYCLE_LEN; i++) {
		if (strcmp(current, cycle[i]) == 0) {
			start = i + 1;
			break;
		}
	}
	char err[512];
	/* "default" is compiled in and always loads, so this ends there at
	 * the latest. */
	for (size_t k = 0; k < CYCLE_LEN; k++) {
		if (theme_init(cycle[(start + k) % CYCLE_LEN], err, sizeof err))
			break;
	}
	return current;
}

const char *theme_name(void)
{
	return current;
}
