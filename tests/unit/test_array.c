#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "array.h"

static void test_grows_by_doubling_from_first(void **state)
{
	size_t cap = 0, n;
	int *v = NULL, *g;

	(void)state;
	for (n = 0; n < 100; n++) {
		g = array_grow(v, &cap, n, sizeof(*v), 4);
		assert_non_null(g);
		v = g;
		v[n] = (int)n;
		assert_true(n < cap);
	}
	assert_int_equal(cap, 128); /* 4, 8, ..., 128 */
	for (n = 0; n < 100; n++)
		assert_int_equal(v[n], (int)n);
	free(v);
}

static void test_room_left_is_a_no_op(void **state)
{
	size_t cap = 8;
	int *v = malloc(8 * sizeof(*v));

	(void)state;
	assert_ptr_equal(array_grow(v, &cap, 7, sizeof(*v), 4), v);
	assert_int_equal(cap, 8);
	free(v);
}

static void test_overflow_fails_and_keeps_the_array(void **state)
{
	size_t cap = SIZE_MAX / 16 + 1;
	char one = 'x';

	(void)state;
	/* Twice cap elements of 16 bytes would wrap: refused, nothing changed. */
	assert_null(array_grow(&one, &cap, cap, 16, 4));
	assert_int_equal(cap, SIZE_MAX / 16 + 1);
	assert_int_equal(one, 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grows_by_doubling_from_first),
	    cmocka_unit_test(test_room_left_is_a_no_op),
	    cmocka_unit_test(test_overflow_fails_and_keeps_the_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
