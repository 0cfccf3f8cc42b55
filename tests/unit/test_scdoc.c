#include "scdoc.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

/*
 * daemon/scdoc.c: text that reads as typed in a man page built by scdoc. The pages' own test
 * (tests/integration/test_man_pages.sh) renders the generated parts with scdoc and man.
 */

static char *scdoc_of(const char *text, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	scdoc_write_n(f, text, n);
	fclose(f);
	return buf;
}

static void expect_scdoc(const char *text, const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	assert_non_null(f);
	scdoc_write_text(f, text);
	fclose(f);

	if (strcmp(got, want) != 0)
		fail_msg("scdoc_write_text(\"%s\"): got \"%s\", want \"%s\"", text, got, want);
	free(got);
}

static void test_markup_escaped(void **state)
{
	(void)state;
	expect_scdoc("plain text, 14:05", "plain text, 14:05");
	expect_scdoc("max_file_rows", "max\\_file\\_rows");
	expect_scdoc("src/*.c and **bold**", "src/\\*.c and \\*\\*bold\\*\\*");
	expect_scdoc("a\\b", "a\\\\b");
	expect_scdoc("two\nlines", "two lines");
	expect_scdoc("", "");
}

static void test_code_spans_bold(void **state)
{
	(void)state;
	expect_scdoc("`stint start --focus` (inline)", "*stint start --focus* (inline)");
	expect_scdoc("`[log] max_file_rows`", "*[log] max\\_file\\_rows*");
	/* Only a closed, non-empty span is bold: a lone backtick is text. */
	expect_scdoc("a ` b", "a ` b");
	expect_scdoc("a `` b", "a `` b");
	expect_scdoc("`a` and `b", "*a* and `b");
}

/* At a line's start '[', '|' and ':' open a table, '-' a list, '#' a heading. */
static void test_line_start(void **state)
{
	(void)state;
	expect_scdoc("[#123](https://...)", "\\[#123](https://...)");
	expect_scdoc("| a |", "\\| a |");
	expect_scdoc(":x", "\\:x");
	expect_scdoc("- item", "\\- item");
	expect_scdoc("# h", "\\# h");
	expect_scdoc("a [b] - c", "a [b] - c");
}

static void test_length_bounds(void **state)
{
	char *got;

	(void)state;
	/* n bytes only: a span closed past n is not a span. */
	got = scdoc_of("`ab` cd", 3);
	assert_string_equal(got, "`ab");
	free(got);
	got = scdoc_of("[x", 0);
	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_markup_escaped),
	    cmocka_unit_test(test_code_spans_bold),
	    cmocka_unit_test(test_line_start),
	    cmocka_unit_test(test_length_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
