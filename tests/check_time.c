/*
 * check_time.c - times and durations (model/timefmt.c) as tables of input and
 * expected output, in UTC and in zones with daylight saving and half-hour
 * offsets (POSIX TZ strings, so no tzdata is needed).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapscope.h"

/* 2026-11-25T12:00:00Z: "now" for every relative and today-based case. */
#define NOW INT64_C(1795608000000)
#define T1403 INT64_C(1795615390000) /* 2026-11-25T14:03:10Z */

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void utc_setup(void)
{
	set_tz("UTC");
}

/* ---- times that parse --------------------------------------------------------- */

struct time_ok {
	const char *tz;
	const char *text;
	int64_t now;
	int64_t want;
};

static const struct time_ok time_ok[] = {
	/* RFC 3339: the zone setting never matters */
	{ "UTC", "2026-11-25T14:03:10Z", NOW, T1403 },
	{ "UTC", "2026-11-25T14:03:10.123Z", NOW, T1403 + 123 },
	{ "UTC", "2026-11-25T14:03:10.1Z", NOW, T1403 + 100 },
	{ "UTC", "2026-11-25T14:03:10.123999Z", NOW, T1403 + 123 },
	{ "UTC", "2026-11-25t14:03:10z", NOW, T1403 },
	{ "UTC", "2026-11-25T15:03:10+01:00", NOW, T1403 },
	{ "UTC", "2026-11-25T09:33:10-04:30", NOW, T1403 },
	{ "UTC", "2026-11-26T00:03:10+10:00", NOW, T1403 },
	{ "UTC", "2026-11-25 14:03:10Z", NOW, T1403 },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-11-25T14:03:10Z", NOW, T1403 },
	{ "UTC", "2024-02-29T00:00:00Z", NOW, INT64_C(1709164800000) },
	{ "UTC", "1970-01-01T00:00:00Z", NOW, 0 },
	{ "UTC", "1969-12-31T23:59:59.999Z", NOW, -1 },
	/* local forms in UTC */
	{ "UTC", "2026-11-25 14:03", NOW, T1403 - 10000 },
	{ "UTC", "2026-11-25 14:03:10", NOW, T1403 },
	{ "UTC", "2026-11-25T14:03:10", NOW, T1403 },
	{ "UTC", "2026-11-25", NOW, INT64_C(1795564800000) },
	{ "UTC", "14:03", NOW, T1403 - 10000 },
	{ "UTC", "14:03:10", NOW, T1403 },
	/* local forms in a zone with daylight saving: CET in winter, CEST in summer */
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-11-25 14:03", NOW, INT64_C(1795611780000) },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-07-01 12:00", NOW, INT64_C(1782900000000) },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "14:03", NOW, INT64_C(1795611780000) },
	/* 23:30Z on the 25th is already the 26th in Berlin: "today" is local */
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "14:03", INT64_C(1795649400000), INT64_C(1795698180000) },
	/* India's +05:30: east of Greenwich is a negative POSIX offset */
	{ "<+0530>-5:30", "2026-11-25 14:03", NOW, INT64_C(1795595580000) },
	/* relative, now, epoch milliseconds */
	{ "UTC", "now", NOW, NOW },
	{ "UTC", "-5m", NOW, NOW - 5 * 60000 },
	{ "UTC", "-2h30m", NOW, NOW - 150 * 60000 },
	{ "UTC", "-250ms", NOW, NOW - 250 },
	{ "UTC", "-7d", NOW, NOW - 7 * INT64_C(86400000) },
	{ "UTC", "@1700000000000", NOW, INT64_C(1700000000000) },
	{ "UTC", "@0", NOW, 0 },
	{ "UTC", "@-1000", NOW, -1000 },
};

START_TEST(test_time_parse_ok)
{
	const struct time_ok *c = &time_ok[_i];
	set_tz(c->tz);
	int64_t got = 0;
	char err[256] = "";
	ss_status st = ss_time_parse(c->text, c->now, &got, err, sizeof err);
	ck_assert_msg(st == SS_OK, "'%s' (TZ=%s): status %d, %s", c->text, c->tz, st, err);
	ck_assert_msg(got == c->want, "'%s' (TZ=%s): got %lld, want %lld", c->text, c->tz,
	              (long long)got, (long long)c->want);
}
END_TEST

/* ---- times that do not ----------------------------------------------------- */

struct time_bad {
	const char *tz;
	const char *text;
};

static const struct time_bad time_bad[] = {
	{ "UTC", "" },
	{ "UTC", "yesterday" },
	{ "UTC", "Now" },
	{ "UTC", "2026-13-01" },
	{ "UTC", "2026-00-10" },
	{ "UTC", "2026-02-30" },
	{ "UTC", "2025-02-29T00:00:00Z" },
	{ "UTC", "2026-11-25T24:00:00Z" },
	{ "UTC", "2026-11-25T14:60:00Z" },
	{ "UTC", "2026-11-25T14:03:60Z" },
	{ "UTC", "2026-11-25T14:03:10+25:00" },
	{ "UTC", "2026-11-25T14:03:10+0100" },
	{ "UTC", "2026-11-25T14:03:10Zjunk" },
	{ "UTC", "2026-11-25T14:03:10." },
	{ "UTC", "2026-11-25T14" },
	{ "UTC", "2026-11-25x" },
	{ "UTC", "26-11-25" },
	{ "UTC", "14:03x" },
	{ "UTC", "25:00" },
	{ "UTC", "1:03" },
	{ "UTC", "-5" },
	{ "UTC", "-5x" },
	{ "UTC", "-" },
	{ "UTC", "+5m" },
	{ "UTC", "@" },
	{ "UTC", "@12a" },
	{ "UTC", "@99999999999999999999" },
	{ "UTC", " 14:03" },
	/* 02:30 on the last Sunday of March does not exist in Berlin */
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29 02:30" },
};

START_TEST(test_time_parse_bad)
{
	const struct time_bad *c = &time_bad[_i];
	set_tz(c->tz);
	int64_t got = 12345;
	char err[256] = "";
	ss_status st = ss_time_parse(c->text, NOW, &got, err, sizeof err);
	ck_assert_msg(st == SS_USAGE, "'%s' (TZ=%s): status %d, want SS_USAGE", c->text, c->tz, st);
	ck_assert_msg(got == 12345, "'%s': output written on failure", c->text);
	ck_assert_msg(err[0] != '\0', "'%s': no message", c->text);
	/* The message names the text the user typed (cut at 80 bytes). */
	ck_assert_msg(strstr(err, c->text) != NULL, "'%s': message '%s' does not name it",
	              c->text, err);
}
END_TEST

START_TEST(test_time_parse_escapes_input)
{
	char err[256];
	int64_t got;
	ck_assert_int_eq(ss_time_parse("\x1b[31m14:03", NOW, &got, err, sizeof err), SS_USAGE);
	ck_assert_ptr_null(strchr(err, 0x1b));
	ck_assert_ptr_nonnull(strstr(err, "[31m14:03"));
}
END_TEST

/* ---- formatting ---------------------------------------------------------------- */

START_TEST(test_time_format)
{
	char buf[64];
	ss_time_format_utc(T1403 + 7, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-25T14:03:10.007Z");
	ss_time_format_utc(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	ss_time_format_utc(-1, buf, sizeof buf);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
	ss_time_format_utc(SS_TIME_NONE, buf, sizeof buf);
	ck_assert_str_eq(buf, "-");

	ss_time_format_local(T1403 + 999, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-25 14:03:10");
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	ss_time_format_local(T1403, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-25 15:03:10");
	ss_time_format_local(INT64_C(1782900000000), buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-07-01 12:00:00");

	/* a small buffer is cut, never overrun */
	char small[8];
	memset(small, 'x', sizeof small);
	ss_time_format_utc(T1403, small, sizeof small);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

/* What ss_time_format_* writes, ss_time_parse reads back (to the ms, or the
 * second for the local form). */
START_TEST(test_time_round_trip)
{
	static const char *const zones[] = { "UTC", "CET-1CEST,M3.5.0,M10.5.0/3", "<+0530>-5:30",
	                                     "EST5EDT,M3.2.0,M11.1.0" };
	static const int64_t times[] = { 0, 1, -1, T1403 + 123, INT64_C(1782900000000) + 999,
	                                 INT64_C(4102444800000) /* 2100 */ };
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		set_tz(zones[z]);
		for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
			char buf[64], err[256];
			int64_t back;
			ss_time_format_utc(times[i], buf, sizeof buf);
			ck_assert_int_eq(ss_time_parse(buf, NOW, &back, err, sizeof err), SS_OK);
			ck_assert_int_eq(back, times[i]);
			ss_time_format_local(times[i], buf, sizeof buf);
			ck_assert_msg(ss_time_parse(buf, NOW, &back, err, sizeof err) == SS_OK, "%s", err);
			int64_t whole = times[i] >= 0 ? times[i] / 1000 * 1000
			                              : (times[i] - 999) / 1000 * 1000;
			ck_assert_msg(back == whole, "%s %s: %lld != %lld", zones[z], buf,
			              (long long)back, (long long)whole);
		}
	}
}
END_TEST

START_TEST(test_now)
{
	int64_t a = ss_now_ms();
	int64_t t = (int64_t)time(NULL) * 1000;
	ck_assert_int_ge(a, t - 2000);
	ck_assert_int_le(a, t + 2000);
	ck_assert_int_ge(ss_now_ms(), a);
}
END_TEST

/* ---- durations ---------------------------------------------------------------- */

struct dur_ok {
	const char *text;
	int64_t want;
	const char *formatted;      /* what ss_duration_format writes for want */
};

static const struct dur_ok dur_ok[] = {
	{ "250ms", 250, "250ms" },
	{ "5s", 5000, "5s" },
	{ "10m", 600000, "10m" },
	{ "24h", 86400000, "1d" },
	{ "7d", 604800000, "7d" },
	{ "1h30m", 5400000, "1h30m" },
	{ "90s", 90000, "1m30s" },
	{ "1d2h3m4s5ms", 93784005, "1d2h3m4s5ms" },
	{ "0s", 0, "0s" },
	{ "0ms", 0, "0s" },
	{ "1500ms", 1500, "1s500ms" },
	{ "106751991167d", INT64_C(106751991167) * 86400000, "106751991167d" },
};

START_TEST(test_duration_ok)
{
	const struct dur_ok *c = &dur_ok[_i];
	int64_t got = -1;
	char err[256] = "";
	ck_assert_msg(ss_duration_parse(c->text, &got, err, sizeof err) == SS_OK, "'%s': %s",
	              c->text, err);
	ck_assert_msg(got == c->want, "'%s': got %lld", c->text, (long long)got);
	char buf[64];
	ss_duration_format(got, buf, sizeof buf);
	ck_assert_str_eq(buf, c->formatted);
	/* and the formatted text reads back to the same value */
	int64_t back = -1;
	ck_assert_int_eq(ss_duration_parse(buf, &back, err, sizeof err), SS_OK);
	ck_assert_int_eq(back, got);
}
END_TEST

static const char *const dur_bad[] = {
	"", "-5m", "5", "5x", "5sec", "m", "ms", "30m1h", "5m5m", "1.5h", " 5s", "5s ", "5 s",
	"99999999999999999999s", "106751991168d", "9223372036854775807ms1d", "1h-30m", "+5s",
	"5S",
};

START_TEST(test_duration_bad)
{
	const char *text = dur_bad[_i];
	int64_t got = 777;
	char err[256] = "";
	ck_assert_msg(ss_duration_parse(text, &got, err, sizeof err) == SS_USAGE, "'%s' accepted",
	              text);
	ck_assert_int_eq(got, 777);
	ck_assert_msg(err[0] != '\0', "'%s': no message", text);
	ck_assert_msg(strstr(err, text) != NULL, "'%s': message '%s' does not name it", text, err);
}
END_TEST

START_TEST(test_duration_format_negative)
{
	char buf[64];
	ss_duration_format(-300000, buf, sizeof buf);
	ck_assert_str_eq(buf, "-5m");
	/* a negative duration is the relative time that far back */
	int64_t t;
	char err[256];
	ck_assert_int_eq(ss_time_parse(buf, NOW, &t, err, sizeof err), SS_OK);
	ck_assert_int_eq(t, NOW - 300000);
	ss_duration_format(INT64_MIN, buf, sizeof buf);
	ck_assert_int_eq(buf[0], '-');
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *time_suite(void); /* for check_main.c, through suites.h */

Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("time");
	tcase_add_checked_fixture(tc, utc_setup, utc_setup);
	tcase_add_loop_test(tc, test_time_parse_ok, 0, N(time_ok));
	tcase_add_loop_test(tc, test_time_parse_bad, 0, N(time_bad));
	tcase_add_test(tc, test_time_parse_escapes_input);
	tcase_add_test(tc, test_time_format);
	tcase_add_test(tc, test_time_round_trip);
	tcase_add_test(tc, test_now);
	tcase_add_loop_test(tc, test_duration_ok, 0, N(dur_ok));
	tcase_add_loop_test(tc, test_duration_bad, 0, N(dur_bad));
	tcase_add_test(tc, test_duration_format_negative);
	suite_add_tcase(s, tc);
	return s;
}
