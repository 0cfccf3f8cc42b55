#include "timespec.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>

#include <cmocka.h>

/* 2026-03-29 12:00 in Paris (CEST, +02:00): the day the clocks went forward at 02:00. */
#define NOW_DST 1774778400000LL
/* 2026-12-03 15:30 in Paris (CET, +01:00), a Thursday. */
#define NOW_DEC 1796308200000LL

static int paris(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return 0;
}

static void expect_time(const char *s, int64_t now, int64_t want)
{
	char err[256] = "";
	int64_t got = -1;
	int r = timespec_parse_time(s, now, &got, err, sizeof(err));

	if (r != 0)
		fail_msg("timespec_parse_time(\"%s\") = %d (%s); want %lld", s, r, err,
			 (long long)want);
	if (got != want)
		fail_msg("timespec_parse_time(\"%s\") gave %lld; want %lld", s, (long long)got,
			 (long long)want);
}

static void expect_bad_time(const char *s, int64_t now, const char *why)
{
	char err[256] = "";
	int64_t got = -1;
	int r = timespec_parse_time(s, now, &got, err, sizeof(err));

	if (r != -EINVAL)
		fail_msg("timespec_parse_time(\"%s\") = %d (gave %lld); want -EINVAL", s, r,
			 (long long)got);
	if (!strstr(err, why) || !strstr(err, s))
		fail_msg("timespec_parse_time(\"%s\") said \"%s\"; want it to name the input and "
			 "say \"%s\"",
			 s, err, why);
}

static void test_times(void **state)
{
	(void)state;
	expect_time("now", NOW_DEC, NOW_DEC);
	expect_time("14:05", NOW_DEC, 1796303100000LL);
	expect_time("14:05:30", NOW_DEC, 1796303130000LL);
	expect_time("today 09:00", NOW_DEC, 1796284800000LL);
	expect_time("yesterday 17:30", NOW_DEC, 1796229000000LL);
	expect_time("yesterday", NOW_DEC, 1796166000000LL);
	expect_time("10m ago", NOW_DEC, NOW_DEC - 600000);
	expect_time("1h30m ago", NOW_DEC, NOW_DEC - 5400000);
	expect_time("2d ago", NOW_DEC, NOW_DEC - 2 * 86400000LL);
	expect_time("2026-12-01", NOW_DEC, 1796079600000LL);
	expect_time("2026-12-01T09:00", NOW_DEC, 1796112000000LL);
	expect_time("2026-12-01 09:00:15", NOW_DEC, 1796112015000LL);
	expect_time("2026-12-01T09:00Z", NOW_DEC, 1796115600000LL);
	expect_time("2026-12-01T09:00+01:00", NOW_DEC, 1796112000000LL);
	expect_time("2026-12-01T09:00-0500", NOW_DEC, 1796133600000LL);
	/* Summer time: 09:00 local is 07:00 UTC. */
	expect_time("2026-07-01T09:00", NOW_DEC, 1782889200000LL);
	/* The morning of the change: 01:30 is CET, 03:30 CEST. */
	expect_time("01:30", NOW_DST, 1774744200000LL);
	expect_time("03:30", NOW_DST, 1774747800000LL);
}

static void test_bad_times(void **state)
{
	(void)state;
	expect_bad_time("16:00", NOW_DEC, "in the future");
	expect_bad_time("2027-01-01", NOW_DEC, "in the future");
	expect_bad_time("2026-12-03T15:31", NOW_DEC, "in the future");
	expect_bad_time("25:00", NOW_DEC, "not a time");
	expect_bad_time("14:5", NOW_DEC, "not a time");
	expect_bad_time("2026-02-30", NOW_DEC, "no such date");
	expect_bad_time("2026-13-01", NOW_DEC, "no such date");
	expect_bad_time("2026-12-01X09:00", NOW_DEC, "expected 'T'");
	expect_bad_time("2026-12-01T9:00", NOW_DEC, "bad time of day");
	expect_bad_time("2026-12-01T09:00+25:00", NOW_DEC, "bad UTC offset");
	expect_bad_time("ten minutes ago", NOW_DEC, "duration before 'ago'");
	expect_bad_time("-5m ago", NOW_DEC, "duration before 'ago'");
	expect_bad_time("tomorrow", NOW_DEC, "not a time");
	expect_bad_time("1969-12-31", NOW_DEC, "no such date");
}

static void expect_range(const char *s, int64_t now, int64_t from, int64_t to)
{
	char err[256] = "";
	int64_t f = -1, t = -1;

	if (timespec_parse_range(s, now, &f, &t, err, sizeof(err)) != 0)
		fail_msg("range \"%s\": %s", s, err);
	if (f != from || t != to)
		fail_msg("range \"%s\" = [%lld, %lld); want [%lld, %lld)", s, (long long)f,
			 (long long)t, (long long)from, (long long)to);
}

static void test_ranges(void **state)
{
	char err[256];
	int64_t f, t;

	(void)state;
	expect_range("today", NOW_DEC, 1796252400000LL, 1796338800000LL);
	expect_range("yesterday", NOW_DEC, 1796166000000LL, 1796252400000LL);
	/* Monday 2026-11-30 to Monday 2026-12-07. */
	expect_range("week", NOW_DEC, 1795993200000LL, 1796598000000LL);
	expect_range("last-week", NOW_DEC, 1795388400000LL, 1795993200000LL);
	expect_range("month", NOW_DEC, 1796079600000LL, 1798758000000LL);
	expect_range("last-month", NOW_DEC, 1793487600000LL, 1796079600000LL);
	expect_range("year", NOW_DEC, 1767222000000LL, 1798758000000LL);
	expect_range("all", NOW_DEC, 0, NOW_DEC + 1);
	/* The DST day is 23 hours long. */
	expect_range("today", NOW_DST, 1774738800000LL, 1774738800000LL + 23 * 3600000LL);
	assert_int_equal(timespec_parse_range("fortnight", NOW_DEC, &f, &t, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "bad RANGE 'fortnight'"));
	assert_null(strstr(err, "did you mean"));
	assert_int_equal(timespec_parse_range("lastweek", NOW_DEC, &f, &t, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "; did you mean \"last-week\"?"));
	assert_true(timespec_is_range("last-month"));
	assert_false(timespec_is_range("lastmonth"));
	assert_int_equal(timespec_check_range(10, 5, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--to must come after --from"));
	assert_int_equal(timespec_check_range(5, 10, err, sizeof(err)), 0);
}

static void test_zone(void **state)
{
	struct timespec_zone *z = calloc(1, sizeof(*z));
	char buf[32];
	/* 2026-03-28 22:00 CET .. 2026-03-30 02:00 CEST */
	int64_t from = 1774731600000LL, to = 1774828800000LL;

	(void)state;
	assert_int_equal(timespec_zone_local(from, to, z), 0);
	assert_int_equal(z->n, 2);
	assert_int_equal(z->off_s[0], 3600);
	assert_int_equal(z->at_ms[1], 1774746000000LL); /* 01:00 UTC */
	assert_int_equal(z->off_s[1], 7200);
	/* Midnight of the 29th is CET; of the 30th, CEST: the day between is 23 hours. */
	assert_int_equal(timespec_zone_next_midnight(z, from), 1774738800000LL);
	assert_int_equal(timespec_zone_next_midnight(z, 1774738800000LL), 1774821600000LL);
	timespec_day_label(timespec_zone_day(z, 1774738800000LL), buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-29");
	timespec_day_label(timespec_zone_day(z, 1774738800000LL - 1), buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-28");
	timespec_week_label(timespec_zone_day(z, 1774738800000LL), buf, sizeof(buf));
	assert_string_equal(buf, "2026-W13");
	timespec_month_label(timespec_zone_day(z, 1774738800000LL), buf, sizeof(buf));
	assert_string_equal(buf, "2026-03");
	/* ISO weeks at year ends: 2026-12-31 is a Thursday (week 53), 2027-01-01 too. */
	timespec_week_label(20818, buf, sizeof(buf));
	assert_string_equal(buf, "2026-W53");
	timespec_week_label(20819, buf, sizeof(buf));
	assert_string_equal(buf, "2026-W53");
	timespec_week_label(20822, buf, sizeof(buf));
	assert_string_equal(buf, "2027-W01");
	timespec_zone_fixed(z, 0);
	assert_int_equal(timespec_zone_next_midnight(z, 1), 86400000);
	assert_int_equal(timespec_zone_day(z, -1), -1);
	free(z);
}

/* A TIME, in the past or not: what "quote it" hints rest on. */
static void test_is_time(void **state)
{
	int64_t now = NOW_DEC;

	(void)state;
	assert_true(timespec_is_time("yesterday 17:30", now));
	assert_true(timespec_is_time("today 23:59", now)); /* later today: still a TIME */
	assert_true(timespec_is_time("10m ago", now));
	assert_true(timespec_is_time("2026-12-01 09:00", now));
	assert_false(timespec_is_time("yesterday week", now));
	assert_false(timespec_is_time("yesterday 12", now));
	assert_false(timespec_is_time("", now));
	assert_false(timespec_is_time(NULL, now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_bad_times),
	    cmocka_unit_test(test_is_time),
	    cmocka_unit_test(test_zone),
	};

	return cmocka_run_group_tests(tests, paris, NULL);
}
