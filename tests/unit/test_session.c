#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "session.h"

#define SEC 1000000000LL

static struct stamp at(int64_t mono_s, int64_t boot_s, int64_t wall_s, const char *boot)
{
	struct stamp st = {
	    .mono_ns = mono_s * SEC, .boot_ns = boot_s * SEC, .wall_ms = wall_s * 1000};

	snprintf(st.boot_id, sizeof(st.boot_id), "%s", boot);
	return st;
}

static struct session *fresh(void)
{
	struct session *s = session_create("/r", "r", "main", NULL, "A", "focus", NULL);

	assert_non_null(s);
	return s;
}

static void test_running_session_counts_monotonic_time(void **state)
{
	struct session *s = fresh();
	struct stamp a = at(100, 100, 1000, "b1"), now = at(160, 160, 1060, "b1");
	struct session_times t;

	(void)state;
	session_apply(s, "start", &a, NULL);
	assert_int_equal(s->state, SESSION_ACTIVE);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 60);
	assert_int_equal(t.paused_s, 0);
	assert_int_equal(t.wall_s, 60);
	session_destroy(s);
}

static void test_pause_is_not_active(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(0, 0, 0, "b"), p = at(100, 100, 100, "b"), r = at(400, 400, 400, "b");
	struct stamp now = at(500, 500, 500, "b");
	struct session_times t;

	(void)state;
	session_apply(s, "start", &st, NULL);
	session_apply(s, "pause", &p, NULL);
	assert_int_equal(s->state, SESSION_PAUSED);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 100);
	assert_int_equal(t.paused_s, 400);
	session_apply(s, "resume", &r, NULL);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 200);
	assert_int_equal(t.paused_s, 300);
	assert_int_equal(t.wall_s, 500);
	session_destroy(s);
}

static void test_suspend_counts_as_wall_not_active(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(0, 0, 0, "b");
	/* The monotonic clock stood still for 1000 s of suspend; boottime did not. */
	struct stamp now = at(60, 1060, 1060, "b");
	struct session_times t;

	(void)state;
	session_apply(s, "start", &st, NULL);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 60);
	assert_int_equal(t.wall_s, 1060);
	session_destroy(s);
}

static void test_reboot_gap_is_not_work(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(5000, 5000, 10000, "b1"), note = at(5100, 5100, 10100, "b1");
	struct stamp rec = at(20, 20, 13600, "b2"), now = at(80, 80, 13660, "b2");
	struct session_times t;

	(void)state;
	session_apply(s, "start", &st, NULL);
	session_apply(s, "note", &note, NULL);
	session_apply(s, "recover", &rec, NULL);
	assert_true(s->recovered);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 100 + 60);
	/* Wall time still includes the 3500 s the machine was off, by the wall clock. */
	assert_int_equal(t.wall_s, 100 + 3500 + 60);
	session_destroy(s);
}

static void test_clock_change_does_not_change_duration(void **state)
{
	struct session *s = fresh();
	/* The wall clock jumped back an hour; the monotonic clocks did not. */
	struct stamp st = at(0, 0, 10000, "b"), now = at(120, 120, 10000 - 3600 + 120, "b");
	struct session_times t;

	(void)state;
	session_apply(s, "start", &st, NULL);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 120);
	assert_int_equal(t.wall_s, 120);
	session_destroy(s);
}

static void test_stamps_going_backwards_count_zero(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(100, 100, 100, "b"), now = at(50, 50, 50, "b");
	struct session_times t;

	(void)state;
	session_apply(s, "start", &st, NULL);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 0);
	assert_int_equal(t.wall_s, 0);
	session_destroy(s);
}

static void test_json_has_protocol_fields(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(0, 0, 1764079509, "b"), now = at(3725, 3725, 1764083234, "b");
	json_t *j, *note = json_pack("{s:s, s:s}", "text", "n", "kind", "learning");

	(void)state;
	s->id = 7;
	session_apply(s, "start", &st, NULL);
	session_apply(s, "note", &st, note);
	j = session_to_json(s, &now);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "active");
	assert_string_equal(json_string_value(json_object_get(j, "branch")), "main");
	assert_string_equal(json_string_value(json_object_get(j, "started_at")),
			    "2025-11-25T14:05:09+00:00");
	assert_int_equal(json_integer_value(json_object_get(j, "active_s")), 3725);
	assert_int_equal(json_integer_value(json_object_get(j, "notes")), 1);
	assert_true(json_is_array(json_object_get(j, "tags")));
	assert_true(json_is_false(json_object_get(j, "recovered")));
	json_decref(j);
	json_decref(note);
	session_destroy(s);
}

static void test_record_splits_items_and_timeline(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(0, 0, 1000, "b"), stop = at(600, 600, 1600, "b");
	json_t *note = json_pack("{s:s, s:s}", "text", "learned", "kind", "learning");
	json_t *todo = json_pack("{s:s, s:s}", "text", "t", "priority", "high");
	json_t *rec, *ev;

	(void)state;
	session_apply(s, "start", &st, NULL);
	session_apply(s, "note", &st, note);
	session_apply(s, "todo", &st, todo);
	rec = session_to_record(s, &stop, "sum");
	assert_string_equal(json_string_value(json_object_get(rec, "summary")), "sum");
	assert_int_equal(json_integer_value(json_object_get(rec, "active_s")), 600);
	assert_int_equal(json_array_size(json_object_get(rec, "notes")), 1);
	/* In the notes list the kind is the note's; in the timeline it is the event's. */
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(rec, "notes"), 0), "kind")),
			    "learning");
	ev = json_array_get(json_object_get(rec, "events"), 1);
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "note");
	assert_string_equal(json_string_value(json_object_get(ev, "note_kind")), "learning");
	ev = json_array_get(json_object_get(rec, "events"), 3);
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "stop");
	assert_int_equal(json_integer_value(json_object_get(ev, "at")), 1600000);
	json_decref(rec);
	json_decref(note);
	json_decref(todo);
	session_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_running_session_counts_monotonic_time),
	    cmocka_unit_test(test_pause_is_not_active),
	    cmocka_unit_test(test_suspend_counts_as_wall_not_active),
	    cmocka_unit_test(test_reboot_gap_is_not_work),
	    cmocka_unit_test(test_clock_change_does_not_change_duration),
	    cmocka_unit_test(test_stamps_going_backwards_count_zero),
	    cmocka_unit_test(test_json_has_protocol_fields),
	    cmocka_unit_test(test_record_splits_items_and_timeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
