/*
 * script.c - key scripts and screen dumps for golden tests (see script.h).
 */
#include "script.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct script {
	FILE *f;
	char *path;
	int lineno;
	char *line;                 /* getline's buffer */
	size_t line_cap;
	const char *typing;         /* the rest of a "text line being typed */
};

struct script *script_open(const char *path, char *err, size_t err_size)
{
	struct script *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	if (!(s->f = fopen(path, "r"))) {
		snprintf(err, err_size, "cannot read the script %s: %s", path, strerror(errno));
		free(s->path);
		free(s);
		return NULL;
	}
	return s;
}

void script_close(struct script *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	free(s->line);
	free(s->path);
	free(s);
}

/* Decode one UTF-8 character at *p (advancing it); 0 at the end, or
 * (wint_t)-1 for an invalid sequence. */
static wint_t utf8_next(const char **p)
{
	const unsigned char *u = (const unsigned char *)*p;
	if (!*u)
		return 0;
	size_t n = *u < 0x80 ? 1 : *u >= 0xf0 ? 4 : *u >= 0xe0 ? 3 : *u >= 0xc0 ? 2 : 0;
	if (n == 0) {
		(*p)++;
		return (wint_t)-1;
	}
	uint32_t c = n == 1 ? *u : (uint32_t)(*u & (0xff >> (n + 1)));
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*p += i;
			return (wint_t)-1;
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	*p += n;
	return (wint_t)c;
}

static bool named_key(const char *name, struct script_step *step)
{
	static const struct {
		const char *name;
		int code;
		bool is_key;
	} keys[] = {
		{ "Enter", '\n', false }, { "Esc", 27, false }, { "Tab", '\t', false },
		{ "Space", ' ', false }, { "Up", KEY_UP, true }, { "Down", KEY_DOWN, true },
		{ "Left", KEY_LEFT, true }, { "Right", KEY_RIGHT, true },
		{ "PgUp", KEY_PPAGE, true }, { "PgDn", KEY_NPAGE, true },
		{ "Home", KEY_HOME, true }, { "End", KEY_END, true },
		{ "Backspace", KEY_BACKSPACE, true }, { "Del", KEY_DC, true },
		{ "F1", KEY_F(1), true },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(name, keys[i].name) == 0) {
			step->ch = (wint_t)keys[i].code;
			step->is_key = keys[i].is_key;
			return true;
		}
	}
	/* <C-x>: the control character of a letter. */
	if (name[0] == 'C' && name[1] == '-' && name[2] && !name[3] &&
	    ((name[2] >= 'a' && name[2] <= 'z') || (name[2] >= 'A' && name[2] <= 'Z'))) {
		step->ch = (wint_t)(name[2] & 0x1f);
		step->is_key = false;
		return true;
	}
	return false;
}

static bool fail(struct script *s, char *err, size_t err_size, const char *what)
{
	snprintf(err, err_size, "%s:%d: %s", s->path, s->lineno, what);
	return false;
}

bool script_next(struct script *s, struct script_step *step, char *err, size_t err_size)
{
	memset(step, 0, sizeof *step);
	for (;;) {
		if (s->typing) {
			wint_t c = utf8_next(&s->typing);
			if (c == (wint_t)-1)
				return fail(s, err, err_size, "invalid UTF-8 in typed text");
			if (c != 0) {
				step->op = SCRIPT_KEY;
				step->ch = c;
				return true;
			}
			s->typing = NULL;
		}
		ssize_t n = getline(&s->line, &s->line_cap, s->f);
		if (n < 0) {
			if (ferror(s->f))
				return fail(s, err, err_size, "read error");
			step->op = SCRIPT_END;
			return true;
		}
		s->lineno++;
		while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
			s->line[--n] = '\0';
		const char *l = s->line;
		if (n == 0 || (l[0] == '#' && (l[1] == ' ' || l[1] == '\t')))
			continue;
		/* A line of exactly one character is that key. */
		const char *p = l;
		wint_t c = utf8_next(&p);
		if (c != (wint_t)-1 && *p == '\0') {
			step->op = SCRIPT_KEY;
			step->ch = c;
			return true;
		}
		if (l[0] == '"') {
			s->typing = l + 1;
			continue;
		}
		if (l[0] == '<' && l[n - 1] == '>') {
			char name[32];
			size_t len = (size_t)n - 2;
			if (len >= sizeof name)
				return fail(s, err, err_size, "unknown key name");
			memcpy(name, l + 1, len);
			name[len] = '\0';
			if (!named_key(name, step))
				return fail(s, err, err_size, "unknown key name");
			step->op = SCRIPT_KEY;
			return true;
		}
		if (strncmp(l, ":dump ", 6) == 0 && l[6]) {
			step->op = SCRIPT_DUMP;
			snprintf(step->arg, sizeof step->arg, "%s", l + 6);
			return true;
		}
		if (strncmp(l, ":resize ", 8) == 0) {
			int w, h;
			char extra;
			if (sscanf(l + 8, "%d %d %c", &w, &h, &extra) != 2 || w < 1 || h < 1 ||
			    w > 1000 || h > 1000)
				return fail(s, err, err_size, ":resize needs W H (1-1000)");
			step->op = SCRIPT_RESIZE;
			step->cols = w;
			step->lines = h;
			return true;
		}
		return fail(s, err, err_size, "not a key, a \"text, :dump FILE or :resize W H");
	}
}

bool script_dump(WINDOW *win, const char *path, char *err, size_t err_size)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, err_size, "cannot write the dump %s: %s", path, strerror(errno));
		return false;
	}
	int rows = getmaxy(win), cols = getmaxx(win);
	wchar_t *wbuf = calloc((size_t)cols + 1, sizeof *wbuf);
	char *out = malloc(((size_t)cols + 1) * MB_LEN_MAX + 1);
	bool ok = wbuf && out;
	for (int y = 0; ok && y < rows; y++) {
		/* winnwstr skips the second cell of a wide character, so the text
		 * reads as the characters shown. */
		int n = mvwinnwstr(win, y, 0, wbuf, cols);
		size_t len = 0;
		mbstate_t mb;
		memset(&mb, 0, sizeof mb);
		for (int i = 0; n > 0 && i < n && wbuf[i]; i++) {
			size_t k = wcrtomb(out + len, wbuf[i], &mb);
			if (k == (size_t)-1) {
				out[len] = '?';
				k = 1;
				memset(&mb, 0, sizeof mb);
			}
			len += k;
		}
		while (len > 0 && out[len - 1] == ' ')
			len--;
		out[len++] = '\n';
		ok = fwrite(out, 1, len, f) == len;
	}
	free(wbuf);
	free(out);
	if (fclose(f) != 0)
		ok = false;
	if (!ok)
		snprintf(err, err_size, "cannot write the dump %s", path);
	return ok;
}
