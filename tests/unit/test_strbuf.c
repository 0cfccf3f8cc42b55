#include "strbuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Linked with -Wl,--wrap=realloc (tests/CMakeLists.txt), so a test can make realloc fail. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static bool fail_realloc;

void *__wrap_realloc(void *p, size_t n)
{
	return fail_realloc ? NULL : __real_realloc(p, n);
}

static void test_empty_write_leaves_a_string(void **state)
{
	struct strbuf b = {0};

	assert_null(b.s);
	strbuf_puts(&b, "");
	assert_non_null(b.s);
	assert_string_equal(b.s, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.error, 0);
	free(b.s);
}

static void test_writes_append_in_order(void **state)
{
	struct strbuf b = {0};

	strbuf_putn(&b, "abcdef", 3);
	strbuf_putc(&b, '-');
	strbuf_puts(&b, "x");
	strbuf_spaces(&b, 2);
	strbuf_printf(&b, "%d/%s", 42, "y");
	strbuf_spaces(&b, 0);
	strbuf_putn(&b, NULL, 0);
	assert_int_equal(b.error, 0);
	assert_string_equal(b.s, "abc-x  42/y");
	assert_int_equal(b.len, strlen(b.s));
	free(b.s);
}

static void test_grows_past_the_first_block(void **state)
{
	struct strbuf b = {0};
	char big[600];

	for (int i = 0; i < 10000; i++)
		strbuf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.error, 0);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap > b.len);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.s[i], 'a' + i % 26);
	assert_int_equal(b.s[b.len], '\0');

	/* printf is not cut at some internal buffer's size. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_printf(&b, "[%s]", big);
	assert_int_equal(b.len, 10000 + sizeof(big) + 1);
	assert_int_equal(b.s[b.len - 1], ']');
	assert_int_equal(b.s[b.len - 2], 'z');
	free(b.s);
}

static void test_over_max_is_e2big_and_sticks(void **state)
{
	struct strbuf b = {.max = 10};

	strbuf_puts(&b, "0123456789");
	assert_int_equal(b.error, 0);
	assert_int_equal(b.len, 10);
	free(b.s);

	b = (struct strbuf){.max = 5000};
	strbuf_spaces(&b, 4000);
	strbuf_spaces(&b, 1001);
	assert_int_equal(b.error, E2BIG);
	assert_int_equal(b.len, 4000);
	/* The first error sticks: later writes, even ones that fit, do nothing. */
	strbuf_putc(&b, 'x');
	strbuf_printf(&b, "%d", 1);
	strbuf_puts(&b, "");
	assert_false(strbuf_reserve(&b, 0));
	assert_int_equal(b.len, 4000);
	assert_int_equal(b.s[b.len], '\0');
	free(b.s);

	b = (struct strbuf){.max = 10};
	strbuf_spaces(&b, 11);
	assert_int_equal(b.error, E2BIG);
	assert_null(b.s);
}

static void test_size_overflow_is_enomem(void **state)
{
	struct strbuf b = {0};

	strbuf_puts(&b, "abc");
	assert_false(strbuf_reserve(&b, SIZE_MAX));
	assert_int_equal(b.error, ENOMEM);
	assert_string_equal(b.s, "abc");
	free(b.s);

	/* Fits size_t, but doubling the capacity to hold it would not. */
	b = (struct strbuf){0};
	strbuf_puts(&b, "abc");
	assert_false(strbuf_reserve(&b, SIZE_MAX - 10));
	assert_int_equal(b.error, ENOMEM);
	assert_string_equal(b.s, "abc");
	free(b.s);

	b = (struct strbuf){.max = 100};
	assert_false(strbuf_reserve(&b, SIZE_MAX));
	assert_int_equal(b.error, E2BIG);
}

static void test_failed_realloc_keeps_the_text(void **state)
{
	struct strbuf b = {0};

	fail_realloc = true;
	strbuf_puts(&b, "abc");
	fail_realloc = false;
	assert_int_equal(b.error, ENOMEM);
	assert_null(b.s);

	/* A failed growth keeps what was written, to be freed. */
	b = (struct strbuf){0};
	strbuf_puts(&b, "abc");
	fail_realloc = true;
	strbuf_spaces(&b, 5000);
	fail_realloc = false;
	assert_int_equal(b.error, ENOMEM);
	assert_string_equal(b.s, "abc");
	strbuf_puts(&b, "d");
	assert_string_equal(b.s, "abc");
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_write_leaves_a_string),
	    cmocka_unit_test(test_writes_append_in_order),
	    cmocka_unit_test(test_grows_past_the_first_block),
	    cmocka_unit_test(test_over_max_is_e2big_and_sticks),
	    cmocka_unit_test(test_size_overflow_is_enomem),
	    cmocka_unit_test(test_failed_realloc_keeps_the_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
