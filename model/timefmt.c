/*
 * timefmt.c - reading and writing times and durations as DESIGN.md spells
 * them (RFC 3339, local "2026-11-25 14:03", "14:03", "-5m", "@<ms>";
 * "250ms", "1h30m").  Calendar arithmetic is left to libc (timegm, mktime,
 * gmtime_r, localtime_r): hand-written calendar math is where time bugs live.
 */
#include "snapscope.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_S INT64_C(1000)
#define MS_PER_M (60 * MS_PER_S)
#define MS_PER_H (60 * MS_PER_M)
#define MS_PER_D (24 * MS_PER_H)

/* The longest input echoed in a message; longer text is cut with "...". */
#define ECHO_MAX 80

static ss_status fail(char *err, size_t err_size, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Write "'TEXT': detail" into err, the text escaped (it came from a user and
 * goes to a terminal).  Always SS_USAGE: a time or duration that does not
 * parse is a bad command line. */
static ss_status fail(char *err, size_t err_size, const char *text, const char *fmt, ...)
{
	if (!err || err_size == 0)
		return SS_USAGE;
	size_t len = strlen(text);
	bool cut = len > ECHO_MAX;
	char *esc = ss_text_escape(text, cut ? ECHO_MAX : len);
	char detail[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	snprintf(err, err_size, "'%s%s': %s", esc ? esc : "?", cut ? "..." : "", detail);
	free(esc);
	return SS_USAGE;
}

int64_t ss_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * MS_PER_S + ts.tv_nsec / 1000000;
}

/* ---- durations ---------------------------------------------------------- */

static const struct unit {
	const char *name;
	int64_t ms;
} units[] = {
	/* Largest first: a combination must go from large to small ("1h30m"),
	 * so "30m1h" or "5m5m" (likely typos) are refused. */
	{ "d", MS_PER_D },
	{ "h", MS_PER_H },
	{ "m", MS_PER_M },
	{ "s", MS_PER_S },
	{ "ms", 1 },
};
#define N_UNITS (sizeof units / sizeof units[0])

/* Match the unit at *p (longest name first, so "ms" is not read as "m"). */
static int unit_at(const char *p, size_t *name_len)
{
	int best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < N_UNITS; i++) {
		size_t n = strlen(units[i].name);
		if (strncmp(p, units[i].name, n) == 0 && !isalpha((unsigned char)p[n]) && n > best_len) {
			best = (int)i;
			best_len = n;
		}
	}
	*name_len = best_len;
	return best;
}

ss_status ss_duration_parse(const char *text, int64_t *out_ms, char *err, size_t err_size)
{
	if (!text || !*text)
		return fail(err, err_size, "", "empty duration (write e.g. 250ms, 5s, 10m, 24h, 7d, 1h30m)");
	if (text[0] == '-')
		return fail(err, err_size, text, "a duration cannot be negative");
	const char *p = text;
	int64_t total = 0;
	int last_unit = -1;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return fail(err, err_size, text,
			            "expected a number followed by a unit (ms, s, m, h, d)");
		int64_t n = 0;
		while (isdigit((unsigned char)*p)) {
			int digit = *p - '0';
			if (n > (INT64_MAX - digit) / 10)
				return fail(err, err_size, text, "duration too large");
			n = n * 10 + digit;
			p++;
		}
		size_t ulen;
		int u = unit_at(p, &ulen);
		if (u < 0) {
			if (!*p)
				return fail(err, err_size, text, "missing unit (ms, s, m, h or d)");
			return fail(err, err_size, text, "unknown unit (use ms, s, m, h or d)");
		}
		if (u <= last_unit)
			return fail(err, err_size, text, "units must go from largest to smallest, each once");
		last_unit = u;
		if (n > INT64_MAX / units[u].ms || total > INT64_MAX - n * units[u].ms)
			return fail(err, err_size, text, "duration too large");
		total += n * units[u].ms;
		p += ulen;
	}
	*out_ms = total;
	return SS_OK;
}

void ss_duration_format(int64_t ms, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	size_t used = 0;
	/* INT64_MIN has no positive counterpart; it is never a real duration. */
	uint64_t rest;
	if (ms < 0) {
		used += (size_t)snprintf(buf, size, "-");
		rest = (uint64_t)0 - (uint64_t)ms;
	} else {
		rest = (uint64_t)ms;
	}
	if (rest == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	for (size_t i = 0; i < N_UNITS && used < size; i++) {
		uint64_t n = rest / (uint64_t)units[i].ms;
		if (n == 0)
			continue;
		rest -= n * (uint64_t)units[i].ms;
		int w = snprintf(buf + used, size - used, "%llu%s", (unsigned long long)n, units[i].name);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}

/* ---- times -------------------------------------------------------------- */

/* Read exactly `n` digits into *v. */
static bool digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

/* A parsed time of day: "HH:MM[:SS[.fff]]". */
struct clock {
	int hour, min, sec, ms;
};

static bool parse_clock(const char **pp, struct clock *c)
{
	const char *p = *pp;
	c->sec = c->ms = 0;
	if (!digits(&p, 2, &c->hour) || *p++ != ':' || !digits(&p, 2, &c->min))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &c->sec))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			/* Milliseconds are the precision of a snapshot; further
			 * digits are accepted and truncated. */
			int scale = 100;
			while (isdigit((unsigned char)*p)) {
				c->ms += (*p - '0') * scale;
				scale /= 10;
				p++;
			}
		}
	}
	*pp = p;
	return true;
}

static bool clock_valid(const struct clock *c)
{
	/* A leap second (:60) is refused rather than silently folded into
	 * the next minute. */
	return c->hour <= 23 && c->min <= 59 && c->sec <= 59;
}

/* Check a calendar date with libc: timegm() normalises Feb 30 to Mar 2, so a
 * date is valid exactly when it survives the round trip. */
static bool date_valid(int year, int mon, int day)
{
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return false;
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = 12 };
	time_t t = timegm(&tm);
	struct tm back;
	if (!gmtime_r(&t, &back))
		return false;
	return back.tm_year == year - 1900 && back.tm_mon == mon - 1 && back.tm_mday == day;
}

/* Local wall-clock fields to ms; false when that local time does not exist
 * (skipped by a daylight-saving change), which mktime() would otherwise
 * silently move by an hour. */
static bool local_to_ms(int year, int mon, int day, const struct clock *c, int64_t *out)
{
	struct tm tm = {
		.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
		.tm_hour = c->hour, .tm_min = c->min, .tm_sec = c->sec, .tm_isdst = -1,
	};
	errno = 0;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 && errno != 0)
		return false;
	if (tm.tm_year != year - 1900 || tm.tm_mon != mon - 1 || tm.tm_mday != day ||
	    tm.tm_hour != c->hour || tm.tm_min != c->min || tm.tm_sec != c->sec)
		return false;
	*out = (int64_t)t * MS_PER_S + c->ms;
	return true;
}

static const char time_forms[] =
	"expected a time like 2026-11-25T14:03:10Z, '2026-11-25 14:03', 14:03, -5m, now or @<ms>";

/* "@<ms>": integer milliseconds since the epoch (may be negative). */
static ss_status parse_epoch(const char *text, int64_t *out_ms, char *err, size_t err_size)
{
	const char *p = text + 1;
	bool neg = *p == '-';
	if (neg)
		p++;
	if (!isdigit((unsigned char)*p))
		return fail(err, err_size, text, "expected @ followed by milliseconds since the epoch");
	int64_t v = 0;
	for (; isdigit((unsigned char)*p); p++) {
		int digit = *p - '0';
		if (v > (INT64_MAX - digit) / 10)
			return fail(err, err_size, text, "time out of range");
		v = v * 10 + digit;
	}
	if (*p)
		return fail(err, err_size, text, "expected @ followed by milliseconds since the epoch");
	*out_ms = neg ? -v : v;
	return SS_OK;
}

/* "YYYY-MM-DD" followed by nothing (local midnight), or by 'T'/' ' and a
 * clock, then 'Z' / "+HH:MM" (RFC 3339) or nothing (local time). */
static ss_status parse_datetime(const char *text, char *err, size_t err_size, int64_t *out_ms)
{
	const char *p = text;
	int year, mon, day;
	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
	    !digits(&p, 2, &day))
		return fail(err, err_size, text, "%s", time_forms);
	if (!date_valid(year, mon, day))
		return fail(err, err_size, text, "no such date");
	struct clock c = { 0, 0, 0, 0 };
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!parse_clock(&p, &c))
			return fail(err, err_size, text, "%s", time_forms);
		if (!clock_valid(&c))
			return fail(err, err_size, text, "no such time of day");
	} else if (*p) {
		return fail(err, err_size, text, "%s", time_forms);
	}

	if (*p == '\0') {
		if (!local_to_ms(year, mon, day, &c, out_ms))
			return fail(err, err_size, text,
			            "that local time does not exist (daylight saving change)");
		return SS_OK;
	}

	int offset_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh, om;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return fail(err, err_size, text, "bad UTC offset (write Z, +01:00 or -05:30)");
		offset_min = sign * (oh * 60 + om);
	} else {
		return fail(err, err_size, text, "%s", time_forms);
	}
	if (*p)
		return fail(err, err_size, text, "unexpected text after the time");

	struct tm tm = {
		.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
		.tm_hour = c.hour, .tm_min = c.min, .tm_sec = c.sec,
	};
	time_t t = timegm(&tm);
	*out_ms = ((int64_t)t - (int64_t)offset_min * 60) * MS_PER_S + c.ms;
	return SS_OK;
}

/* "HH:MM[:SS]": that time today, in local time (today as of now_ms). */
static ss_status parse_today(const char *text, int64_t now_ms, char *err, size_t err_size,
                             int64_t *out_ms)
{
	const char *p = text;
	struct clock c;
	if (!parse_clock(&p, &c) || *p)
		return fail(err, err_size, text, "%s", time_forms);
	if (!clock_valid(&c))
		return fail(err, err_size, text, "no such time of day");
	time_t now = (time_t)(now_ms >= 0 ? now_ms / MS_PER_S : (now_ms - 999) / MS_PER_S);
	struct tm today;
	if (!localtime_r(&now, &today))
		return fail(err, err_size, text, "cannot tell today's date");
	if (!local_to_ms(today.tm_year + 1900, today.tm_mon + 1, today.tm_mday, &c, out_ms))
		return fail(err, err_size, text,
		            "that local time does not exist today (daylight saving change)");
	return SS_OK;
}

ss_status ss_time_parse(const char *text, int64_t now_ms, int64_t *out_ms,
                        char *err, size_t err_size)
{
	if (!text || !*text)
		return fail(err, err_size, "", "empty time; %s", time_forms);
	int64_t v = 0;
	ss_status st;
	if (strcmp(text, "now") == 0) {
		v = now_ms;
	} else if (text[0] == '@') {
		if ((st = parse_epoch(text, &v, err, err_size)) != SS_OK)
			return st;
	} else if (text[0] == '-') {
		int64_t ago;
		char sub[256];
		if (ss_duration_parse(text + 1, &ago, sub, sizeof sub) != SS_OK)
			return fail(err, err_size, text, "expected a relative time like -5m or -2h30m");
		if (now_ms < INT64_MIN + ago)
			return fail(err, err_size, text, "time out of range");
		v = now_ms - ago;
	} else if (isdigit((unsigned char)text[0]) && isdigit((unsigned char)text[1]) &&
	           text[2] == ':') {
		if ((st = parse_today(text, now_ms, err, err_size, &v)) != SS_OK)
			return st;
	} else {
		if ((st = parse_datetime(text, err, err_size, &v)) != SS_OK)
			return st;
	}
	*out_ms = v;
	return SS_OK;
}

/* Split ms into whole seconds and a 0..999 remainder, rounding toward minus
 * infinity so that times before 1970 format correctly. */
static void split_ms(int64_t ms, time_t *sec, int *rem)
{
	int64_t s = ms / MS_PER_S, r = ms % MS_PER_S;
	if (r < 0) {
		r += MS_PER_S;
		s--;
	}
	*sec = (time_t)s;
	*rem = (int)r;
}

void ss_time_format_utc(int64_t ms, char *buf, size_t size)
{
	if (size == 0)
		return;
	time_t sec;
	int rem;
	struct tm tm;
	split_ms(ms, &sec, &rem);
	if (ms == SS_TIME_NONE || !gmtime_r(&sec, &tm)) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rem);
}

void ss_time_format_local(int64_t ms, char *buf, size_t size)
{
	if (size == 0)
		return;
	time_t sec;
	int rem;
	struct tm tm;
	split_ms(ms, &sec, &rem);
	if (ms == SS_TIME_NONE || !localtime_r(&sec, &tm)) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
