#include "utf8.h"

#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Decodes the bytes of s and expects len bytes (0: invalid) and, when valid, code point want. */
static void expect_decode(const char *s, size_t len, uint32_t want)
{
	uint32_t cp = 0xFFFFFFFF;
	size_t n = strlen(s), k = utf8_decode((const unsigned char *)s, n ? n : 1, &cp);

	if (k != len)
		fail_msg("utf8_decode(\"%s\") = %zu; want %zu", s, k, len);
	if (len && cp != want)
		fail_msg("utf8_decode(\"%s\") gave U+%04X; want U+%04X", s, (unsigned)cp,
			 (unsigned)want);
}

static void test_decodes_valid_sequences(void **state)
{
	expect_decode("", 1, 0);
	expect_decode("a", 1, 'a');
	expect_decode("\x7F", 1, 0x7F);
	expect_decode("\xC2\x80", 2, 0x80);
	expect_decode("\xDF\xBF", 2, 0x7FF);
	expect_decode("\xE0\xA0\x80", 3, 0x800);
	expect_decode("\xED\x9F\xBF", 3, 0xD7FF);
	expect_decode("\xEE\x80\x80", 3, 0xE000);
	expect_decode("\xEF\xBF\xBD", 3, 0xFFFD);
	expect_decode("\xF0\x90\x80\x80", 4, 0x10000);
	expect_decode("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);
	/* Only the first sequence counts. */
	expect_decode("\xC3\xA9t\xC3\xA9", 2, 0xE9);
}

static void test_refuses_invalid_sequences(void **state)
{
	const char *bad[] = {
	    "\x80",		/* a continuation byte first */
	    "\xC3",		/* cut short */
	    "\xE2\x82",		/* cut short */
	    "\xC3(",		/* not a continuation */
	    "\xC0\x80",		/* overlong */
	    "\xC1\xBF",		/* overlong */
	    "\xE0\x9F\xBF",	/* overlong */
	    "\xF0\x8F\xBF\xBF", /* overlong */
	    "\xED\xA0\x80",	/* a surrogate */
	    "\xED\xBF\xBF",	/* a surrogate */
	    "\xF4\x90\x80\x80", /* past U+10FFFF */
	    "\xF5\x80\x80\x80", /* past U+10FFFF */
	    "\xF8\x88\x80\x80", /* no such lead byte */
	    "\xFF",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_decode(bad[i], 0, 0);
}

static void test_the_bytes_available_bound_it(void **state)
{
	uint32_t cp;

	assert_int_equal(utf8_decode((const unsigned char *)"\xE2\x82\xAC", 2, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xE2\x82\xAC", 3, &cp), 3);
	assert_int_equal(cp, 0x20AC);
}

static void test_control_characters(void **state)
{
	for (uint32_t cp = 0; cp < 0x20; cp++)
		assert_int_equal(utf8_is_control(cp), cp != '\n' && cp != '\t' && cp != '\r');
	for (uint32_t cp = 0x80; cp <= 0x9F; cp++)
		assert_true(utf8_is_control(cp));
	assert_true(utf8_is_control(0x7F));
	assert_false(utf8_is_control(' '));
	assert_false(utf8_is_control('~'));
	assert_false(utf8_is_control(0xA0));
	assert_false(utf8_is_control(0xFFFD));
	assert_false(utf8_is_control(0x10FFFF));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decodes_valid_sequences),
	    cmocka_unit_test(test_refuses_invalid_sequences),
	    cmocka_unit_test(test_the_bytes_available_bound_it),
	    cmocka_unit_test(test_control_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
