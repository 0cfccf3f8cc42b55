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

static void test_invisible_characters(void **state)
{
	static const uint32_t invisible[] = {
	    0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E,  0x200F,  0x2028,  0x2029, 0x202A,
	    0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2064,  0x2066,  0x2067,  0x2068, 0x2069,
	    0x206A, 0x206F, 0xFEFF, 0xFFF9, 0xFFFB, 0xE0000, 0xE0001, 0xE0041, 0xE007F};
	static const uint32_t visible[] = {'a',	   ' ',	   0xA0,    0xAD,    0x061B, 0x200A,
					   0x2010, 0x2027, 0x202F,  0x2065,  0x2070, 0xFE0F,
					   0xFFFD, 0xFFFC, 0xE0080, 0xE0100, 0x1F600};

	(void)state;
	for (size_t i = 0; i < sizeof(invisible) / sizeof(*invisible); i++)
		if (!utf8_is_invisible(invisible[i]))
			fail_msg("U+%04X is not invisible", (unsigned)invisible[i]);
	for (size_t i = 0; i < sizeof(visible) / sizeof(*visible); i++)
		if (utf8_is_invisible(visible[i]))
			fail_msg("U+%04X is invisible", (unsigned)visible[i]);
	/* Neither kind is a control character: text keeps them, as markers (template_md). */
	assert_false(utf8_is_control(0x202E));
}

static void test_pictographic(void **state)
{
	(void)state;
	assert_true(utf8_is_pictographic(0x1F469)); /* woman */
	assert_true(utf8_is_pictographic(0x1F4BB)); /* laptop */
	assert_true(utf8_is_pictographic(0x2764));  /* heart */
	assert_true(utf8_is_pictographic(0xFE0F));  /* emoji presentation */
	assert_false(utf8_is_pictographic('a'));
	assert_false(utf8_is_pictographic(0x6F22)); /* a CJK ideograph */
	assert_false(utf8_is_pictographic(0x200D));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decodes_valid_sequences),
	    cmocka_unit_test(test_refuses_invalid_sequences),
	    cmocka_unit_test(test_the_bytes_available_bound_it),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_invisible_characters),
	    cmocka_unit_test(test_pictographic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
