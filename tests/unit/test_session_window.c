#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "session_window.h"

/* The spans as compact JSON, for one comparison that shows both sides when it fails. */
static void expect_spans(const json_t *spans, const char *want)
{
	char *got = json_dumps(spans, JSON_COMPACT);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static json_t *window(const char *spans, int64_t os, int64_t oe, int64_t s, int64_t e)
{
	json_t *in = json_loads(spans, 0, NULL), *out;

	assert_non_null(in);
	out = session_window_spans(in, os, oe, s, e);
	json_decref(in);
	return out;
}

static void test_unchanged_window_keeps_spans(void **state)
{
	json_t *w = window("[[100,200],[300,400]]", 100, 400, 100, 400);

	(void)state;
	expect_spans(w, "[[100,200],[300,400]]");
	assert_int_equal(session_window_ms(w), 200);
	json_decref(w);
}

static void test_later_start_and_earlier_end_clip(void **state)
{
	json_t *w = window("[[100,200],[300,400]]", 100, 400, 150, 350);

	(void)state;
	expect_spans(w, "[[150,200],[300,350]]");
	json_decref(w);
	/* A window between two spans leaves nothing active. */
	w = window("[[100,200],[300,400]]", 100, 400, 210, 290);
	expect_spans(w, "[]");
	json_decref(w);
}

static void test_earlier_start_and_later_end_add_active_time(void **state)
{
	json_t *w = window("[[100,200],[300,400]]", 100, 400, 50, 450);

	(void)state;
	/* The added stretches join the spans they touch. */
	expect_spans(w, "[[50,200],[300,450]]");
	json_decref(w);
	/* An idle tail stays idle: only what lies past the old end is added. */
	w = window("[[100,200]]", 100, 400, 100, 450);
	expect_spans(w, "[[100,200],[400,450]]");
	json_decref(w);
}

static void test_moved_both_ways(void **state)
{
	/* Earlier start, earlier end: the added stretch, then the old spans cut at the end. */
	json_t *w = window("[[100,200],[300,400]]", 100, 400, 20, 320);

	(void)state;
	expect_spans(w, "[[20,200],[300,320]]");
	json_decref(w);
	/* A window wholly before the old one: all of it is the added stretch. */
	w = window("[[100,200]]", 100, 400, 10, 60);
	expect_spans(w, "[[10,60]]");
	json_decref(w);
}

static void test_bad_spans_are_refused(void **state)
{
	json_t *bad = json_loads("[[1,\"x\"]]", 0, NULL);

	(void)state;
	assert_null(session_window_spans(bad, 0, 10, 0, 10));
	assert_null(session_window_spans(json_null(), 0, 10, 0, 10));
	json_decref(bad);
}

static void test_times_follow_the_spans(void **state)
{
	json_t *old = json_loads("[[0,3600000]]", 0, NULL), *w;
	struct session_window_times t = {
	    .active_s = 3600, .wall_s = 5400, .paused_s = 600, .idle_s = 1200, .suspended_s = 0};

	(void)state;
	/* 30 minutes more before the start: active and wall grow by them. */
	w = session_window_spans(old, 0, 5400000, -1800000, 5400000);
	session_window_times(&t, old, w, -1800000, 5400000);
	assert_int_equal(t.active_s, 5400);
	assert_int_equal(t.wall_s, 7200);
	assert_int_equal(t.paused_s, 600);
	assert_int_equal(t.idle_s, 1200);
	assert_int_equal(t.active_s, session_window_ms(w) / 1000);
	json_decref(w);
	/* Cut to the first 40 minutes: wall 2400, all active; the rest scaled into what is left. */
	t = (struct session_window_times){3600, 5400, 600, 1200, 0};
	w = session_window_spans(old, 0, 5400000, 0, 2400000);
	session_window_times(&t, old, w, 0, 2400000);
	assert_int_equal(t.active_s, 2400);
	assert_int_equal(t.wall_s, 2400);
	assert_int_equal(t.paused_s + t.idle_s + t.suspended_s, 0);
	assert_int_equal(t.active_s, session_window_ms(w) / 1000);
	json_decref(w);
	/* wall = active + the rest, never less. */
	t = (struct session_window_times){3600, 5400, 600, 1200, 0};
	w = session_window_spans(old, 0, 5400000, 1800000, 5400000);
	session_window_times(&t, old, w, 1800000, 5400000);
	assert_int_equal(t.active_s, 1800);
	assert_int_equal(t.wall_s, 3600);
	assert_true(t.active_s + t.paused_s + t.idle_s + t.suspended_s <= t.wall_s);
	assert_int_equal(t.active_s, session_window_ms(w) / 1000);
	json_decref(w);
	json_decref(old);
}

/* A window of N whole seconds of active spans is N seconds, whatever the fold's rounding of the
 * old active time (stint edit 7 --start 02:00 --end 02:30 once said 29 minutes). */
static void test_whole_seconds_stay_whole(void **state)
{
	json_t *old = json_loads("[[0,3419600]]", 0, NULL), *w;
	struct session_window_times t = {.active_s = 3419, .wall_s = 3419};

	(void)state;
	w = session_window_spans(old, 0, 3419600, 1000, 1801000);
	assert_int_equal(session_window_ms(w), 1800000);
	session_window_times(&t, old, w, 1000, 1801000);
	assert_int_equal(t.active_s, 1800);
	assert_int_equal(t.wall_s, 1800);
	json_decref(w);
	/* Grown by a stretch: the spans' sum again, not the old active time plus a rounded gain. */
	t = (struct session_window_times){.active_s = 3419, .wall_s = 3419};
	w = session_window_spans(old, 0, 3419600, -600400, 3419600);
	session_window_times(&t, old, w, -600400, 3419600);
	assert_int_equal(t.active_s, session_window_ms(w) / 1000);
	assert_int_equal(t.active_s, 4020);
	json_decref(w);
	/* An unchanged window keeps the row's own active time. */
	t = (struct session_window_times){.active_s = 3419, .wall_s = 3419};
	w = session_window_spans(old, 0, 3419600, 0, 3419600);
	session_window_times(&t, old, w, 0, 3419600);
	assert_int_equal(t.active_s, 3419);
	json_decref(w);
	json_decref(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unchanged_window_keeps_spans),
	    cmocka_unit_test(test_later_start_and_earlier_end_clip),
	    cmocka_unit_test(test_earlier_start_and_later_end_add_active_time),
	    cmocka_unit_test(test_moved_both_ways),
	    cmocka_unit_test(test_bad_spans_are_refused),
	    cmocka_unit_test(test_times_follow_the_spans),
	    cmocka_unit_test(test_whole_seconds_stay_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
