#include "duration.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

static void expect_parsed(const char *s, int64_t want)
{
	int64_t got = -12345;
	int r = duration_parse(s, &got);

	if (r != 0)
		fail_msg("duration_parse(\"%s\") = %d; want %lld", s, r, (long long)want);
	if (got != want)
		fail_msg("duration_parse(\"%s\") gave %lld; want %lld", s, (long long)got,
			 (long long)want);
}

static void expect_invalid(const char *s)
{
	int64_t got = -12345;
	int r = duration_parse(s, &got);

	if (r != -EINVAL)
		fail_msg("duration_parse(\"%s\") = %d (value %lld); want -EINVAL", s, r,
			 (long long)got);
}

static void expect_long(int64_t s, const char *want)
{
	char buf[64];

	duration_format_long(s, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("duration_format_long(%lld) = \"%s\"; want \"%s\"", (long long)s, buf,
			 want);
}

static void expect_short(int64_t s, const char *want)
{
	char buf[64];

	duration_format_short(s, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("duration_format_short(%lld) = \"%s\"; want \"%s\"", (long long)s, buf,
			 want);
}

static void test_parse_bare_number_is_seconds(void **state)
{
	expect_parsed("90", 90);
	expect_parsed("0", 0);
	expect_parsed("007", 7);
}

static void test_parse_each_unit(void **state)
{
	expect_parsed("90s", 90);
	expect_parsed("15m", 900);
	expect_parsed("2h", 7200);
	expect_parsed("1d", 86400);
}

static void test_parse_sums_terms(void **state)
{
	expect_parsed("1h30m", 5400);
	expect_parsed("1d2h3m4s", 86400 + 7200 + 180 + 4);
	expect_parsed("1m30s", 90);
}

static void test_parse_refuses_empty(void **state)
{
	expect_invalid("");
	assert_int_equal(duration_parse(NULL, &(int64_t){0}), -EINVAL);
}

static void test_parse_refuses_unit_without_number(void **state)
{
	expect_invalid("s");
	expect_invalid("h");
	expect_invalid("1hm");
}

static void test_parse_refuses_negative_and_signed(void **state)
{
	expect_invalid("-5m");
	expect_invalid("-5");
	expect_invalid("+5m");
}

static void test_parse_refuses_unknown_unit(void **state)
{
	expect_invalid("5x");
	expect_invalid("5M");
	expect_invalid("5 m");
	expect_invalid("5min");
	expect_invalid("1.5h");
}

static void test_parse_refuses_surrounding_space(void **state)
{
	expect_invalid(" 5m");
	expect_invalid("5m ");
}

static void test_parse_refuses_trailing_bare_number(void **state)
{
	expect_invalid("1m30");
	expect_invalid("1h30");
}

static void test_parse_refuses_overflow(void **state)
{
	expect_invalid("99999999999999999999999999");
	expect_invalid("9223372036854775807s");
	expect_invalid("9223372036854775807d");
	expect_invalid("99999999999d");
}

static void test_parse_accepts_max_exactly(void **state)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)DURATION_MAX_S);
	expect_parsed(buf, DURATION_MAX_S);
	snprintf(buf, sizeof(buf), "%llds", (long long)DURATION_MAX_S);
	expect_parsed(buf, DURATION_MAX_S);
	expect_parsed("366d", DURATION_MAX_S);
	expect_parsed("365d23h59m60s", DURATION_MAX_S);
}

static void test_parse_refuses_max_plus_one(void **state)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)DURATION_MAX_S + 1);
	expect_invalid(buf);
	expect_invalid("367d");
	expect_invalid("366d1s");
	expect_invalid("365d23h59m61s");
}

static void test_format_long_seconds(void **state)
{
	expect_long(0, "0 seconds");
	expect_long(1, "1 second");
	expect_long(2, "2 seconds");
	expect_long(59, "59 seconds");
}

static void test_format_long_minutes(void **state)
{
	expect_long(60, "1 minute");
	expect_long(61, "1 minute");
	expect_long(119, "1 minute");
	expect_long(120, "2 minutes");
	expect_long(3599, "59 minutes");
}

static void test_format_long_hours(void **state)
{
	expect_long(3600, "1 hour");
	expect_long(3659, "1 hour");
	expect_long(3660, "1 hour 1 minute");
	expect_long(7200, "2 hours");
	expect_long(7260, "2 hours 1 minute");
	expect_long(7500, "2 hours 5 minutes");
	expect_long(90000, "25 hours");
}

static void test_format_long_negative_is_zero(void **state)
{
	expect_long(-1, "0 seconds");
	expect_long(INT64_MIN, "0 seconds");
}

static void test_format_short_boundaries(void **state)
{
	expect_short(0, "0s");
	expect_short(1, "1s");
	expect_short(59, "59s");
	expect_short(60, "1m");
	expect_short(61, "1m");
	expect_short(3599, "59m");
	expect_short(3600, "1h 00m");
	expect_short(3660, "1h 01m");
	expect_short(7500, "2h 05m");
	expect_short(90000, "25h 00m");
}

static void test_format_short_negative_is_zero(void **state)
{
	expect_short(-5, "0s");
}

static void test_format_truncates_to_buffer(void **state)
{
	char buf[5];

	memset(buf, 'x', sizeof(buf));
	duration_format_long(7500, buf, sizeof(buf));
	assert_string_equal(buf, "2 ho");
	duration_format_short(7500, buf, sizeof(buf));
	assert_string_equal(buf, "2h 0");
}

static void test_parse_and_format_agree(void **state)
{
	int64_t s;
	char buf[64];

	assert_int_equal(duration_parse("2h5m", &s), 0);
	duration_format_long(s, buf, sizeof(buf));
	assert_string_equal(buf, "2 hours 5 minutes");
	duration_format_short(s, buf, sizeof(buf));
	assert_string_equal(buf, "2h 05m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_bare_number_is_seconds),
	    cmocka_unit_test(test_parse_each_unit),
	    cmocka_unit_test(test_parse_sums_terms),
	    cmocka_unit_test(test_parse_refuses_empty),
	    cmocka_unit_test(test_parse_refuses_unit_without_number),
	    cmocka_unit_test(test_parse_refuses_negative_and_signed),
	    cmocka_unit_test(test_parse_refuses_unknown_unit),
	    cmocka_unit_test(test_parse_refuses_surrounding_space),
	    cmocka_unit_test(test_parse_refuses_trailing_bare_number),
	    cmocka_unit_test(test_parse_refuses_overflow),
	    cmocka_unit_test(test_parse_accepts_max_exactly),
	    cmocka_unit_test(test_parse_refuses_max_plus_one),
	    cmocka_unit_test(test_format_long_seconds),
	    cmocka_unit_test(test_format_long_minutes),
	    cmocka_unit_test(test_format_long_hours),
	    cmocka_unit_test(test_format_long_negative_is_zero),
	    cmocka_unit_test(test_format_short_boundaries),
	    cmocka_unit_test(test_format_short_negative_is_zero),
	    cmocka_unit_test(test_format_truncates_to_buffer),
	    cmocka_unit_test(test_parse_and_format_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
