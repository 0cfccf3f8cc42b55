#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
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
	session_apply(s, SESSION_EV_START, &a, NULL);
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
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_apply(s, SESSION_EV_PAUSE, &p, NULL);
	assert_int_equal(s->state, SESSION_PAUSED);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 100);
	assert_int_equal(t.paused_s, 400);
	session_apply(s, SESSION_EV_RESUME, &r, NULL);
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
	session_apply(s, SESSION_EV_START, &st, NULL);
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
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_apply(s, SESSION_EV_NOTE, &note, NULL);
	session_apply(s, SESSION_EV_RECOVER, &rec, NULL);
	assert_true(s->recovered);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 100 + 60);
	/* Wall time still includes the 3500 s the machine was off, by the wall clock. */
	assert_int_equal(t.wall_s, 100 + 3500 + 60);
	session_destroy(s);
}

/* What max_session and auto_stop_after_idle measure: elapsed time as wall_s counts it. */
static void test_elapsed_counts_suspend_and_reboot_gaps(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(5000, 5000, 10000, "b1"), note = at(5100, 5700, 10700, "b1");
	struct stamp rec = at(20, 20, 14000, "b2"), now = at(80, 80, 7000, "b2");

	(void)state;
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_apply(s, SESSION_EV_NOTE, &note, NULL);
	session_apply(s, SESSION_EV_RECOVER, &rec, NULL);
	/* 700 s to the note (600 of them asleep), 3300 s off, 60 s since, whatever the clock
	 * reads now. */
	assert_int_equal(session_elapsed_ns(s, 0, &now), (700 + 3300 + 60) * SEC);
	assert_int_equal(session_elapsed_ns(s, 1, &now), (3300 + 60) * SEC);
	assert_int_equal(session_elapsed_ns(s, 2, &now), 60 * SEC);
	assert_int_equal(session_elapsed_ns(s, 3, &now), 0);
	session_destroy(s);
}

/* logind's sleep mark: the suspend gap starts at it; it is neither activity nor work. */
static void test_sleep_mark_places_the_suspend_gap(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(0, 0, 1000, "b"), mark = at(100, 100, 1100, "b");
	struct stamp note = at(160, 760, 1760, "b");
	struct session_times t;
	json_t *gaps = json_array(), *g;

	(void)state;
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_apply(s, SESSION_EV_SLEEP, &mark, NULL);
	session_apply(s, SESSION_EV_NOTE, &note, NULL);
	assert_false(session_event_is_activity(SESSION_EV_SLEEP));
	session_times_gaps(s, &note, &t, gaps);
	assert_int_equal(t.active_s, 160);
	assert_int_equal(t.suspended_s, 600);
	assert_int_equal(json_array_size(gaps), 1);
	g = json_array_get(gaps, 0);
	assert_string_equal(json_string_value(json_object_get(g, "kind")), "suspend");
	assert_int_equal(json_integer_value(json_object_get(g, "from")), 1100 * 1000);
	assert_int_equal(json_integer_value(json_object_get(g, "to")), 1700 * 1000);
	json_decref(gaps);
	session_destroy(s);
}

static void test_clock_change_does_not_change_duration(void **state)
{
	struct session *s = fresh();
	/* The wall clock jumped back an hour; the monotonic clocks did not. */
	struct stamp st = at(0, 0, 10000, "b"), now = at(120, 120, 10000 - 3600 + 120, "b");
	struct session_times t;

	(void)state;
	session_apply(s, SESSION_EV_START, &st, NULL);
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
	session_apply(s, SESSION_EV_START, &st, NULL);
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
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_apply(s, SESSION_EV_NOTE, &st, note);
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
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_apply(s, SESSION_EV_NOTE, &st, note);
	session_apply(s, SESSION_EV_TODO, &st, todo);
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

static void apply_at(struct session *s, const char *kind, int64_t sec)
{
	struct stamp st = at(sec, sec, 1000000 + sec, "b");

	session_apply(s, session_event_lookup(kind), &st, NULL);
}

static void test_idle_counts_from_last_activity(void **state)
{
	struct session *s = fresh();
	struct stamp now;
	struct session_times t;
	json_t *gaps = json_array();

	(void)state;
	s->idle_timeout_ns = 300 * SEC;
	apply_at(s, "start", 0);
	apply_at(s, "note", 100);
	/* 1000 s without activity, then a commit: the whole gap is idle, not just its tail. */
	apply_at(s, "commit", 1100);
	apply_at(s, "touched", 1200);
	now = at(1250, 1250, 1001250, "b");
	session_times_gaps(s, &now, &t, gaps);
	assert_int_equal(t.idle_s, 1000);
	assert_int_equal(t.active_s, 250);
	assert_false(t.idle_now);
	assert_int_equal(json_array_size(gaps), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(gaps, 0), "from")),
			 1000100000);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(gaps, 0), "to")),
			 1001100000);
	/* The open tail turns idle once it reaches the timeout. */
	now = at(1500, 1500, 1001500, "b");
	session_times(s, &now, &t);
	assert_true(t.idle_now);
	assert_int_equal(t.idle_s, 1300);
	assert_int_equal(t.active_s, 200);
	json_decref(gaps);
	session_destroy(s);
}

static void apply_data(struct session *s, const char *kind, int64_t sec, json_t *data)
{
	struct stamp st = at(sec, sec, 1000000 + sec, "b");

	session_apply(s, session_event_lookup(kind), &st, data);
	json_decref(data);
}

/* A reload that shortens [time] idle_timeout judges what follows it, never what came before. */
static void test_idle_timeout_change_is_not_retroactive(void **state)
{
	struct session *s = fresh();
	struct stamp now = at(400, 400, 1000400, "b");
	struct session_times t;

	(void)state;
	s->idle_timeout_ns = 10 * SEC; /* the config now: the events say what it was */
	apply_data(s, "start", 0, json_pack("{s:i}", "idle_timeout_s", 3600));
	apply_at(s, "note", 100);
	/* 200 s without activity were work under the hour's timeout in effect then. */
	apply_data(s, "idle_timeout", 300,
		   json_pack("{s:i, s:i}", "idle_timeout_s", 10, "was_s", 3600));
	assert_int_equal(session_idle_timeout_ns(s), 10 * SEC);
	now = at(305, 305, 1000305, "b");
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 305);
	assert_int_equal(t.idle_s, 0);
	assert_false(t.idle_now);
	/* From the change on, 10 s of quiet make the stretch idle. */
	now = at(400, 400, 1000400, "b");
	session_times(s, &now, &t);
	assert_true(t.idle_now);
	assert_int_equal(t.active_s, 300);
	assert_int_equal(t.idle_s, 100);
	session_destroy(s);

	/* A session from before the start recorded its timeout: the change's "was" judges the
	 * stretches before it. */
	s = fresh();
	s->idle_timeout_ns = 10 * SEC;
	apply_at(s, "start", 0);
	apply_data(s, "idle_timeout", 300,
		   json_pack("{s:i, s:i}", "idle_timeout_s", 10, "was_s", 3600));
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 300);
	assert_int_equal(t.idle_s, 100);
	session_destroy(s);

	/* Without any record the config's timeout applies, as before. */
	s = fresh();
	s->idle_timeout_ns = 10 * SEC;
	apply_at(s, "start", 0);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 0);
	assert_int_equal(t.idle_s, 400);
	assert_int_equal(session_idle_timeout_ns(s), 10 * SEC);
	session_destroy(s);
}

static void test_pause_inside_idle_is_not_counted_twice(void **state)
{
	struct session *s = fresh();
	struct stamp now = at(2000, 2000, 1002000, "b");
	struct session_times t;

	(void)state;
	s->idle_timeout_ns = 300 * SEC;
	apply_at(s, "start", 0);
	apply_at(s, "pause", 500); /* idle 0..500, then paused */
	apply_at(s, "resume", 1500);
	apply_at(s, "note", 1600);
	session_times(s, &now, &t);
	assert_int_equal(t.idle_s, 500 + 400);
	assert_int_equal(t.paused_s, 1000);
	assert_int_equal(t.active_s, 100);
	assert_int_equal(t.wall_s, 2000);
	session_destroy(s);
}

/* Keep (the idle reminder's action) makes the idle stretch it ends active, and only that one. */
static void test_keep_counts_the_stretch_it_ends(void **state)
{
	struct session *s = fresh();
	struct stamp now;
	struct session_times t;

	(void)state;
	s->idle_timeout_ns = 300 * SEC;
	apply_at(s, "start", 0);
	apply_at(s, "note", 100);
	apply_at(s, "note", 1100); /* 1000 s idle: stays idle */
	now = at(1900, 1900, 1001900, "b");
	session_times(s, &now, &t);
	assert_true(t.idle_now);
	apply_at(s, "keep", 1900); /* 800 s idle, kept */
	now = at(2000, 2000, 1002000, "b");
	session_times(s, &now, &t);
	assert_false(t.idle_now);
	assert_int_equal(t.idle_s, 1000);
	assert_int_equal(t.active_s, 100 + 800 + 100);
	assert_true(session_event_is_activity(SESSION_EV_KEEP));
	session_destroy(s);
}

static void test_zero_timeout_disables_idle(void **state)
{
	struct session *s = fresh();
	struct stamp now = at(90000, 90000, 1090000, "b");
	struct session_times t;

	(void)state;
	apply_at(s, "start", 0);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 90000);
	assert_int_equal(t.idle_s, 0);
	assert_false(t.idle_now);
	session_destroy(s);
}

static void test_daemon_down_is_a_gap(void **state)
{
	struct session *s = fresh();
	struct stamp now = at(700, 700, 1000700, "b");
	struct session_times t;

	(void)state;
	apply_at(s, "start", 0);
	apply_at(s, "note", 100);
	apply_at(s, "recover", 600); /* kill -9 after the note, restarted at 600 */
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 100 + 100);
	assert_int_equal(t.idle_s, 500);
	session_destroy(s);
}

/* The down time is idle (down_s tells how much), and its gap says so; an idle stretch after the
 * recovery is a gap of its own, not merged with it. */
static void test_daemon_down_gap_is_marked(void **state)
{
	struct session *s = fresh();
	struct stamp now = at(1600, 1600, 1001600, "b");
	struct session_times t;
	json_t *gaps = json_array(), *g;

	(void)state;
	s->idle_timeout_ns = 300 * SEC;
	apply_at(s, "start", 0);
	apply_at(s, "note", 100);
	apply_at(s, "recover", 600);
	apply_at(s, "note", 1500); /* 900 s quiet after the recovery: idle */
	session_times_gaps(s, &now, &t, gaps);
	assert_int_equal(t.down_s, 500);
	assert_int_equal(t.idle_s, 500 + 900);
	assert_int_equal(t.active_s, 100 + 100);
	assert_int_equal(json_array_size(gaps), 2);
	g = json_array_get(gaps, 0);
	assert_true(json_is_true(json_object_get(g, "down")));
	assert_int_equal(json_integer_value(json_object_get(g, "from")), 1000100 * 1000LL);
	assert_int_equal(json_integer_value(json_object_get(g, "to")), 1000600 * 1000LL);
	g = json_array_get(gaps, 1);
	assert_null(json_object_get(g, "down"));
	assert_string_equal(json_string_value(json_object_get(g, "kind")), "idle");
	assert_int_equal(json_integer_value(json_object_get(g, "from")), 1000600 * 1000LL);
	json_decref(gaps);
	session_destroy(s);
}

/* Work while paused: counted per pause, not as active time; a resume ends the pause's work. */
static void test_paused_work(void **state)
{
	struct session *s = fresh();
	struct stamp now = at(1000, 1000, 1001000, "b");
	struct session_paused_work pw;
	struct session_times t;
	json_t *j, *list;

	(void)state;
	apply_at(s, "start", 0);
	apply_at(s, "pause", 100);
	assert_int_equal(session_current_pause(s), 1);
	assert_false(session_paused_work(s, 1, &pw));
	apply_at(s, "note", 150); /* a stint command is no work in the repository */
	assert_false(session_paused_work(s, 1, &pw));
	/* Each file with the wall ms it was saved at, as the watch records it. */
	apply_data(s, "touched", 200,
		   json_pack("{s:{s:I, s:I}}", "paths", "a.c", (json_int_t)1000200000, "b.c",
			     (json_int_t)1000200000));
	apply_data(s, "touched", 203,
		   json_pack("{s:{s:I}}", "paths", "a.c", (json_int_t)1000203000));
	apply_at(s, "activity", 205);
	apply_data(s, "commit", 205, json_pack("{s:s}", "hash", "abc1234"));
	/* The statistics list the same commit and one the timeline has no event for; and two
	 * with impossible dates (git takes any), which must neither count nor overflow. */
	s->stats = json_pack("{s:[{s:s, s:I}, {s:s, s:I}, {s:s, s:I}, {s:s, s:I}, {s:s, s:I}]}",
			     "commit_list", "hash", "abc1234", "time", (json_int_t)1000205, "hash",
			     "def5678", "time", (json_int_t)1000206, "hash", "0000000", "time",
			     (json_int_t)1000050, "hash", "fff0000", "time", (json_int_t)INT64_MAX,
			     "hash", "fff0001", "time", (json_int_t)INT64_MIN);
	assert_true(session_paused_work(s, 1, &pw));
	assert_int_equal(pw.pause_at, 1000100 * 1000LL);
	assert_int_equal(pw.from, 1000200 * 1000LL);
	assert_int_equal(pw.to, 1000205 * 1000LL);
	assert_int_equal(pw.seconds, 5);
	assert_int_equal(pw.edits, 3);
	assert_int_equal(pw.commits, 2);
	j = session_to_json(s, &now);
	assert_int_equal(json_integer_value(json_object_get(j, "active_s")), 100);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "paused_activity"), "commits")),
	    2);
	json_decref(j);
	apply_at(s, "resume", 300);
	assert_int_equal(session_current_pause(s), -1);
	apply_data(s, "touched", 310,
		   json_pack("{s:{s:I}}", "paths", "c.c", (json_int_t)1000310000));
	assert_true(session_paused_work(s, 1, &pw));
	assert_int_equal(pw.edits, 3); /* c.c came after the resume */
	j = session_to_json(s, &now);
	assert_null(json_object_get(j, "paused_activity"));
	json_decref(j);
	list = session_paused_work_json(s);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	j = session_to_record(s, &now, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "paused_activity")), 1);
	assert_true(json_is_true(json_object_get(j, "git")));
	json_decref(j);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 100 + 700);
	assert_int_equal(t.paused_s, 200);
	session_destroy(s);
}

/*
 * Work made just before a pause is reported after it (the watch settles for 0.3 s, a recompute
 * follows): the touched paths' times and a commit's git_at say when it was done, and only what
 * was done at or after the pause is work while paused.
 */
static void test_paused_work_made_before_the_pause(void **state)
{
	struct session *s = fresh();
	const json_int_t pause_ms = 1000100 * 1000LL;
	struct session_paused_work pw;

	(void)state;
	apply_at(s, "start", 0);
	/* Committed and recorded in the pause's second, before it. */
	apply_data(s, "commit", 100, json_pack("{s:s}", "hash", "early00"));
	apply_at(s, "pause", 100);
	/* Saved, staged and committed 0.2 s to 0.05 s before the pause. */
	apply_data(s, "touched", 101, json_pack("{s:{s:I}}", "paths", "f", pause_ms - 200));
	apply_data(s, "commit", 101,
		   json_pack("{s:s, s:I}", "hash", "abc1234", "git_at", pause_ms - 50));
	apply_data(s, "branch", 101,
		   json_pack("{s:s, s:s, s:I}", "from", "main", "to", "x", "git_at", pause_ms - 1));
	/* The statistics list both commits: the one before the pause in the pause's own second. */
	s->stats =
	    json_pack("{s:[{s:s, s:I}, {s:s, s:I}]}", "commit_list", "hash", "abc1234", "time",
		      (json_int_t)1000099, "hash", "early00", "time", (json_int_t)1000100);
	assert_int_equal(session_current_pause(s), 2);
	assert_false(session_paused_work(s, 2, &pw));
	assert_int_equal(pw.edits, 0);
	assert_int_equal(pw.commits, 0);

	/* A report holding a file from before the pause and one from after it: only the second
	 * counts, and the work dates from it, not from when the report came. */
	apply_data(s, "touched", 105,
		   json_pack("{s:{s:I, s:I}}", "paths", "f", pause_ms - 100, "g", pause_ms + 4500));
	assert_true(session_paused_work(s, 2, &pw));
	assert_int_equal(pw.edits, 1);
	assert_int_equal(pw.commits, 0);
	assert_int_equal(pw.from, pause_ms + 4500);
	assert_int_equal(pw.to, 1000105 * 1000LL);
	/* A commit made at the pause's very millisecond is made while paused. */
	apply_data(s, "commit", 107,
		   json_pack("{s:s, s:I}", "hash", "def5678", "git_at", pause_ms));
	assert_true(session_paused_work(s, 2, &pw));
	assert_int_equal(pw.commits, 1);
	assert_int_equal(pw.from, pause_ms);
	assert_int_equal(pw.to, 1000107 * 1000LL);
	assert_int_equal(pw.seconds, 7);
	session_destroy(s);
}

/* A session outside git says so in its record; status says when it was recovered. */
static void test_record_git_and_recovered_at(void **state)
{
	struct session *s = session_create("/plain", "plain", NULL, NULL, "A", NULL, NULL);
	struct stamp now = at(700, 700, 1000700, "b");
	json_t *j;

	(void)state;
	assert_non_null(s);
	apply_at(s, "start", 0);
	j = session_to_json(s, &now);
	assert_null(json_object_get(j, "recovered_at"));
	json_decref(j);
	apply_at(s, "note", 100);
	apply_data(s, "recover", 600, json_pack("{s:b}", "reboot", 0));
	j = session_to_json(s, &now);
	assert_true(json_is_true(json_object_get(j, "recovered")));
	assert_non_null(json_string_value(json_object_get(j, "recovered_at")));
	assert_non_null(json_string_value(json_object_get(j, "down_from")));
	assert_true(json_is_false(json_object_get(j, "recovered_reboot")));
	assert_int_equal(json_integer_value(json_object_get(j, "down_s")), 500);
	json_decref(j);
	j = session_to_record(s, &now, NULL);
	assert_true(json_is_false(json_object_get(j, "git")));
	assert_int_equal(json_integer_value(json_object_get(j, "down_s")), 500);
	json_decref(j);
	session_destroy(s);
}

static void test_suspend_is_its_own_bucket(void **state)
{
	struct session *s = fresh();
	struct stamp st = at(0, 0, 0, "b"), now = at(600, 4200, 4200, "b");
	struct session_times t;
	json_t *gaps = json_array();

	(void)state;
	s->idle_timeout_ns = 900 * SEC;
	session_apply(s, SESSION_EV_START, &st, NULL);
	session_times_gaps(s, &now, &t, gaps);
	assert_int_equal(t.active_s, 600);
	assert_int_equal(t.suspended_s, 3600);
	assert_int_equal(t.wall_s, 4200);
	assert_false(t.idle_now);
	assert_string_equal(json_string_value(json_object_get(json_array_get(gaps, 0), "kind")),
			    "suspend");
	json_decref(gaps);
	session_destroy(s);
}

/* session_active_spans covers exactly the seconds the reference model counts as active. */
static void session_check_spans(const struct session *s, const struct stamp *until, int64_t end,
				int64_t want_active, const bool *paused_at, const int64_t *act_prev,
				const int64_t *act_next, int64_t tmo)
{
	json_t *spans = session_active_spans(s, until), *sp;
	int64_t covered = 0;
	size_t i;

	json_array_foreach(spans, i, sp)
	{
		int64_t a = json_integer_value(json_array_get(sp, 0)) / 1000 - 1000000;
		int64_t b = json_integer_value(json_array_get(sp, 1)) / 1000 - 1000000;

		for (int64_t sec = a; sec < b; sec++) {
			int64_t awake = 0;

			for (int64_t k = act_prev[sec]; k < act_next[sec]; k++)
				awake += !paused_at[k];
			if (sec < 0 || sec >= end || paused_at[sec] || awake >= tmo)
				fail_msg("span [%lld, %lld) covers second %lld, not active",
					 (long long)a, (long long)b, (long long)sec);
			covered++;
		}
	}
	if (covered != want_active)
		fail_msg("spans cover %lld s; active is %lld s", (long long)covered,
			 (long long)want_active);
	json_decref(spans);
}

/*
 * Reference model, second by second: a second is paused if the session is paused then; else
 * idle if the awake, unpaused seconds between the activity before it and the activity after it
 * (or the end) reach the timeout. Random timelines must fold to the same totals.
 */
static void test_fold_matches_reference_model(void **state)
{
	static const char *const kinds[] = {"note", "touched", "pause", "resume", "commit"};

	(void)state;
	srand(42);
	for (int round = 0; round < 500; round++) {
		struct session *s = fresh();
		int64_t tmo = 1 + rand() % 50, t = 0, end, act_prev[2000], act_next[2000];
		bool paused_at[2000], is_act[2000] = {false};
		int64_t want_active = 0, want_paused = 0, want_idle = 0;
		struct session_times got;
		struct stamp until;
		bool paused = false;

		s->idle_timeout_ns = tmo * SEC;
		apply_at(s, "start", 0);
		is_act[0] = true;
		for (int e = 0, ne = rand() % 20; e < ne; e++) {
			const char *k = kinds[rand() % 5];

			t += rand() % 60;
			if (t >= 1500)
				break;
			if ((strcmp(k, "pause") == 0 && paused) ||
			    (strcmp(k, "resume") == 0 && !paused))
				k = "note";
			apply_at(s, k, t);
			is_act[t] = true;
		}
		end = t + rand() % 100 + 1;
		/* Replay the states per second. */
		paused = false;
		for (int64_t sec = 0, e = 1; sec < end; sec++) {
			while (e < (int64_t)s->nevents && s->events[e].at.mono_ns / SEC == sec) {
				if (s->events[e].kind == SESSION_EV_PAUSE)
					paused = true;
				if (s->events[e].kind == SESSION_EV_RESUME)
					paused = false;
				e++;
			}
			paused_at[sec] = paused;
		}
		for (int64_t sec = 0, last = 0; sec < end; sec++) {
			if (is_act[sec])
				last = sec;
			act_prev[sec] = last;
		}
		for (int64_t sec = end - 1, next = end; sec >= 0; sec--) {
			act_next[sec] = next;
			if (is_act[sec])
				next = sec;
		}
		for (int64_t sec = 0; sec < end; sec++) {
			int64_t awake = 0;

			if (paused_at[sec]) {
				want_paused++;
				continue;
			}
			for (int64_t k = act_prev[sec]; k < act_next[sec]; k++)
				awake += !paused_at[k];
			if (awake >= tmo)
				want_idle++;
			else
				want_active++;
		}
		until = at(end, end, 1000000 + end, "b");
		session_times(s, &until, &got);
		if (got.active_s != want_active || got.idle_s != want_idle ||
		    got.paused_s != want_paused)
			fail_msg("round %d (timeout %lld): active %lld/%lld idle %lld/%lld paused "
				 "%lld/%lld",
				 round, (long long)tmo, (long long)got.active_s,
				 (long long)want_active, (long long)got.idle_s,
				 (long long)want_idle, (long long)got.paused_s,
				 (long long)want_paused);
		assert_int_equal(got.wall_s, end);
		session_check_spans(s, &until, end, want_active, paused_at, act_prev, act_next,
				    tmo);
		session_destroy(s);
	}
}

/* start --at: the start dated back, the time up to the real start active however long. */
static void test_start_at_counts_the_time_before_as_active(void **state)
{
	struct session *s = fresh();
	struct stamp a = at(10000, 10000, 100000, "b1"), now = at(10060, 10060, 100060, "b1");
	json_t *data = json_pack("{s:I}", "at", (json_int_t)(100000 - 7200) * 1000);
	struct session_times t;
	json_t *rec;

	(void)state;
	s->idle_timeout_ns = 900 * SEC;
	session_apply(s, SESSION_EV_START, &a, data);
	json_decref(data);
	assert_int_equal(s->events[0].at.wall_ms, (100000 - 7200) * 1000LL);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 7260);
	assert_int_equal(t.idle_s, 0);
	assert_int_equal(t.wall_s, 7260);
	/* The keep that marks the real start is not in the log's timeline. */
	rec = session_to_record(s, &now, NULL);
	assert_int_equal(json_array_size(json_object_get(rec, "events")), 2);
	json_decref(rec);
	session_destroy(s);
}

/* stop --at: events after the stop are left out; a stop inside a kept stretch keeps it. */
static void test_stop_at_leaves_out_what_came_after(void **state)
{
	struct session *s = fresh();
	struct stamp a = at(100, 100, 1000, "b1"), touch = at(400, 400, 1300, "b1"),
		     late = at(2000, 2000, 2900, "b1"), stop;
	struct session_times t;
	json_t *spans;

	(void)state;
	s->idle_timeout_ns = 900 * SEC;
	session_apply(s, SESSION_EV_START, &a, NULL);
	session_apply(s, SESSION_EV_TOUCHED, &touch, NULL);
	session_apply(s, SESSION_EV_TOUCHED, &late, NULL);
	session_stamp_at(s, 1500 * 1000, &stop);
	assert_int_equal(stop.mono_ns, 600 * SEC);
	assert_int_equal(stop.wall_ms, 1500 * 1000);
	session_times(s, &stop, &t);
	/* 300 s to the touch, then 200 s to the stop: the late touch is after it. */
	assert_int_equal(t.active_s, 500);
	assert_int_equal(t.wall_s, 500);
	spans = session_active_spans(s, &stop);
	assert_int_equal(json_array_size(spans), 1);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(spans, 0), 1)),
			 1500 * 1000);
	json_decref(spans);
	session_destroy(s);
}

/* Stamps as a live stintd takes them: mono in ns, wall in ms, the two not aligned. */
static struct stamp at_ns(int64_t mono_ns, int64_t wall_ms)
{
	struct stamp st = {.mono_ns = mono_ns, .boot_ns = mono_ns, .wall_ms = wall_ms};

	snprintf(st.boot_id, sizeof(st.boot_id), "b");
	return st;
}

/* A commit, a note and a todo inside a session leave it one span (fiximport 3: they gave four,
 * a ms apart), of exactly the active time; a pause still gives two. */
static void test_events_do_not_split_spans(void **state)
{
	struct session *s = fresh();
	struct stamp a = at_ns(5 * SEC + 999999, 1000000), c = at_ns(65 * SEC + 400, 1060001),
		     n = at_ns(125 * SEC + 999999, 1120002), d = at_ns(185 * SEC + 1, 1180003),
		     stop = at_ns(245 * SEC + 999999, 1240004);
	struct stamp p = at_ns(305 * SEC + 3, 1300005), r = at_ns(365 * SEC + 7, 1360005),
		     end = at_ns(425 * SEC + 999998, 1420006);
	struct session_times t;
	json_t *spans;
	int64_t total = 0;
	size_t i;
	json_t *sp;

	(void)state;
	s->idle_timeout_ns = 0;
	session_apply(s, SESSION_EV_START, &a, NULL);
	session_apply(s, SESSION_EV_COMMIT, &c, NULL);
	session_apply(s, SESSION_EV_NOTE, &n, NULL);
	session_apply(s, SESSION_EV_TODO, &d, NULL);
	spans = session_active_spans(s, &stop);
	assert_int_equal(json_array_size(spans), 1);
	session_times(s, &stop, &t);
	sp = json_array_get(spans, 0);
	assert_int_equal((json_integer_value(json_array_get(sp, 1)) -
			  json_integer_value(json_array_get(sp, 0))) /
			     1000,
			 t.active_s);
	json_decref(spans);
	session_apply(s, SESSION_EV_PAUSE, &p, NULL);
	session_apply(s, SESSION_EV_RESUME, &r, NULL);
	spans = session_active_spans(s, &end);
	assert_int_equal(json_array_size(spans), 2);
	session_times(s, &end, &t);
	json_array_foreach(spans, i, sp) total +=
	    json_integer_value(json_array_get(sp, 1)) - json_integer_value(json_array_get(sp, 0));
	assert_int_equal(total / 1000, t.active_s);
	/* The second stretch starts at the resume, where the pause's gap ends. */
	assert_int_equal(json_integer_value(json_array_get(json_array_get(spans, 1), 0)),
			 r.wall_ms);
	json_decref(spans);
	session_destroy(s);
}

static void test_move_start_later_drops_observations_before(void **state)
{
	struct session *s = fresh();
	struct stamp a = at(100, 100, 1000, "b1"), t1 = at(200, 200, 1100, "b1"),
		     t2 = at(400, 400, 1300, "b1"), now = at(500, 500, 1400, "b1");
	struct session_times t;

	(void)state;
	session_apply(s, SESSION_EV_START, &a, NULL);
	session_apply(s, SESSION_EV_TOUCHED, &t1, NULL);
	session_apply(s, SESSION_EV_TOUCHED, &t2, NULL);
	assert_int_equal(session_first_entry_ms(s), -1);
	session_move_start(s, 1150 * 1000);
	assert_int_equal(s->nevents, 2);
	assert_int_equal(s->events[0].kind, SESSION_EV_START);
	assert_int_equal(s->events[0].at.wall_ms, 1150 * 1000);
	assert_int_equal(s->events[0].at.mono_ns, 250 * SEC);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 250);
	session_destroy(s);
}

static void test_edit_applies_focus_tags_start_and_is_kept(void **state)
{
	struct session *s = fresh();
	struct stamp a = at(100, 100, 1000, "b1"), e = at(160, 160, 1060, "b1"),
		     now = at(200, 200, 1100, "b1");
	json_t *edit = json_pack("{s:s, s:[s], s:I}", "focus", "new", "tags", "x", "start",
				 (json_int_t)900 * 1000);
	struct session_times t;
	json_t *rec, *events;

	(void)state;
	session_apply(s, SESSION_EV_START, &a, NULL);
	session_apply(s, SESSION_EV_EDIT, &e, edit);
	json_decref(edit);
	assert_string_equal(s->focus, "new");
	assert_string_equal(json_string_value(json_array_get(s->tags, 0)), "x");
	/* Not part of the timeline: the fold has the start and its keep. */
	assert_int_equal(s->nevents, 2);
	session_times(s, &now, &t);
	assert_int_equal(t.active_s, 200);
	rec = session_to_record(s, &now, NULL);
	events = json_object_get(rec, "events");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(events, json_array_size(events) - 1), "kind")),
			    "edit");
	json_decref(rec);
	session_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_running_session_counts_monotonic_time),
	    cmocka_unit_test(test_pause_is_not_active),
	    cmocka_unit_test(test_suspend_counts_as_wall_not_active),
	    cmocka_unit_test(test_reboot_gap_is_not_work),
	    cmocka_unit_test(test_elapsed_counts_suspend_and_reboot_gaps),
	    cmocka_unit_test(test_sleep_mark_places_the_suspend_gap),
	    cmocka_unit_test(test_clock_change_does_not_change_duration),
	    cmocka_unit_test(test_stamps_going_backwards_count_zero),
	    cmocka_unit_test(test_json_has_protocol_fields),
	    cmocka_unit_test(test_record_splits_items_and_timeline),
	    cmocka_unit_test(test_idle_counts_from_last_activity),
	    cmocka_unit_test(test_idle_timeout_change_is_not_retroactive),
	    cmocka_unit_test(test_pause_inside_idle_is_not_counted_twice),
	    cmocka_unit_test(test_zero_timeout_disables_idle),
	    cmocka_unit_test(test_keep_counts_the_stretch_it_ends),
	    cmocka_unit_test(test_daemon_down_is_a_gap),
	    cmocka_unit_test(test_daemon_down_gap_is_marked),
	    cmocka_unit_test(test_paused_work),
	    cmocka_unit_test(test_paused_work_made_before_the_pause),
	    cmocka_unit_test(test_record_git_and_recovered_at),
	    cmocka_unit_test(test_suspend_is_its_own_bucket),
	    cmocka_unit_test(test_fold_matches_reference_model),
	    cmocka_unit_test(test_start_at_counts_the_time_before_as_active),
	    cmocka_unit_test(test_stop_at_leaves_out_what_came_after),
	    cmocka_unit_test(test_events_do_not_split_spans),
	    cmocka_unit_test(test_move_start_later_drops_observations_before),
	    cmocka_unit_test(test_edit_applies_focus_tags_start_and_is_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
