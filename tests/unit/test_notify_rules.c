#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_rules.h"

#define MINUTE 60
#define HOUR   3600
#define SEC    1000000000LL

static struct notify_rules_config defaults(void)
{
	return (struct notify_rules_config){
	    .enabled = true,
	    .summary = true,
	    .idle_reminder = true,
	    .idle_timeout_s = 15 * MINUTE,
	    .break_every_s = 90 * MINUTE,
	    .snooze_s = 10 * MINUTE,
	    .remind_open_after_s = 4 * HOUR,
	    .warn_before_s = 10 * MINUTE,
	    .min_interval_s = 5 * MINUTE,
	};
}

/*
 * A test clock and a session that is worked on continuously from t = 1000 on: active time and
 * the clock advance together unless a test says otherwise.
 */
struct sim {
	struct notify_rules_config cfg;
	struct notify_rules_state st;
	struct notify_rules_input in;
	struct notify_rules_decision d;
	int sent;
};

static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	s->cfg = defaults();
	s->in.now = 1000;
	s->in.last_activity = 1000;
	s->in.gap_before_s = -1;
	s->in.auto_stop_at = -1;
	s->in.repo_name = "stint";
}

/* Activity at the current time (a file saved): the quiet time starts again. */
static void activity(struct sim *s)
{
	s->in.gap_before_s = s->in.now - s->in.last_activity;
	s->in.last_activity = s->in.now;
	s->in.quiet_s = 0;
	s->in.idle = false;
}

/* Time passes while the user keeps working (activity every minute, so never idle). */
static void work(struct sim *s, int64_t secs)
{
	s->in.now += secs;
	s->in.active_s += secs;
	s->in.last_activity = s->in.now;
	s->in.gap_before_s = secs < MINUTE ? secs : MINUTE;
	s->in.quiet_s = 0;
}

/* Time passes with no activity: quiet, then idle (the fold's rule: the whole stretch). */
static void quiet(struct sim *s, int64_t secs)
{
	s->in.now += secs;
	s->in.quiet_s += secs;
	if (!s->in.paused && s->cfg.idle_timeout_s > 0 && s->in.quiet_s >= s->cfg.idle_timeout_s) {
		if (!s->in.idle)
			s->in.active_s -= s->in.quiet_s - secs; /* the stretch so far turns idle */
		s->in.idle = true;
	} else if (!s->in.paused) {
		s->in.active_s += secs;
	}
}

static enum notify_rules_kind decide(struct sim *s)
{
	notify_rules_decide(&s->st, &s->cfg, &s->in, &s->d);
	if (s->d.note.kind != NOTIFY_RULES_NONE) {
		s->sent++;
		notify_rules_shown(&s->st, (uint64_t)s->sent);
	}
	return s->d.note.kind;
}

static void test_disabled_sends_nothing_and_arms_nothing(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.enabled = false;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
		assert_int_equal(s.d.next_due, -1);
		work(&s, 10 * MINUTE);
	}
	quiet(&s, 5 * HOUR);
	s.in.auto_stop_at = s.in.now + 60;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, -1);
	assert_int_equal(s.sent, 0);
}

static void test_everything_off_arms_nothing(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	s.cfg.warn_before_s = 0;
	s.in.auto_stop_at = 5000;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, -1);
}

static void test_break_after_active_time(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, 1000 + 90 * MINUTE);
	work(&s, 89 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + MINUTE);
	work(&s, MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_BREAK);
	assert_string_equal(s.d.note.summary, "You've been at it for 1h 30m");
	assert_string_equal(s.d.note.body, "Time for a break from stint.");
	assert_string_equal(s.d.note.msg.summary, "You've been at it for 1h 30m");
	assert_string_equal(s.d.note.msg.actions[0].id, "snooze");
	assert_string_equal(s.d.note.msg.actions[0].label, "Snooze 10m");
	assert_null(s.d.note.msg.actions[1].id);
	assert_string_equal(s.d.note.msg.category, "x-stint.break");
	assert_int_equal(s.d.note.msg.urgency, NOTIFY_NORMAL);
	assert_int_equal(s.d.next_due, s.in.now + 90 * MINUTE);
	/* Not again until another 90 minutes of work. */
	work(&s, 89 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	work(&s, MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_BREAK);
	assert_string_equal(s.d.note.summary, "You've been at it for 3h 00m");
	assert_int_equal(s.d.close_id, 1); /* the first one goes */
}

static void test_break_counts_active_time_not_wall_time(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	decide(&s);
	/* Paused for 10 minutes at a time: shorter than a break, not active either. */
	for (int i = 0; i < 8; i++) {
		work(&s, 10 * MINUTE);
		activity(&s);
		s.in.paused = true;
		assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
		assert_int_equal(s.d.next_due, -1); /* nothing grows while paused */
		s.in.now += 10 * MINUTE;
		activity(&s);
		s.in.paused = false;
		assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	}
	/* 160 minutes of wall time, 80 of them active. */
	assert_int_equal(s.in.active_s, 80 * MINUTE);
	assert_int_equal(s.d.next_due, s.in.now + 10 * MINUTE);
	work(&s, 10 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_BREAK);
	assert_string_equal(s.d.note.summary, "You've been at it for 1h 30m");
}

static void test_a_break_restarts_the_count(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	decide(&s);
	work(&s, 80 * MINUTE);
	decide(&s);
	/* Twenty minutes away: idle after 15, a break. */
	quiet(&s, 20 * MINUTE);
	assert_true(s.in.idle);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, -1);
	activity(&s);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 90 * MINUTE);
	work(&s, 89 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	work(&s, MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_BREAK);
	assert_string_equal(s.d.note.summary, "You've been at it for 1h 30m");
}

static void test_a_long_pause_is_a_break_a_short_one_is_not(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	decide(&s);
	work(&s, 60 * MINUTE);
	activity(&s);
	s.in.paused = true;
	decide(&s);
	s.in.now += 14 * MINUTE;
	activity(&s);
	s.in.paused = false;
	decide(&s);
	assert_int_equal(s.d.next_due, s.in.now + 30 * MINUTE);
	activity(&s);
	s.in.paused = true;
	decide(&s);
	s.in.now += 15 * MINUTE;
	activity(&s);
	s.in.paused = false;
	decide(&s);
	assert_int_equal(s.d.next_due, s.in.now + 90 * MINUTE);
}

static void test_snooze_postpones_the_break(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	s.cfg.min_interval_s = 0;
	decide(&s);
	work(&s, 90 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_BREAK);
	work(&s, 2 * MINUTE);
	notify_rules_snooze(&s.st, &s.cfg, &s.in);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 10 * MINUTE);
	work(&s, 9 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	work(&s, MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_BREAK);
	assert_string_equal(s.d.note.summary, "You've been at it for 1h 42m");
	/* After a snoozed one, the usual interval again. */
	assert_int_equal(s.d.next_due, s.in.now + 90 * MINUTE);
}

static void test_idle_reminder_once_per_idle_stretch(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.remind_open_after_s = 0;
	s.in.repo_name = "web";
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, 1000 + 15 * MINUTE); /* when the quiet time reaches 15m */
	quiet(&s, 10 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 5 * MINUTE);
	quiet(&s, 5 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_IDLE);
	assert_string_equal(s.d.note.summary,
			    "No activity in web for 15m \xe2\x80\x94 session paused as idle");
	assert_string_equal(s.d.note.msg.actions[0].id, "stop");
	assert_string_equal(s.d.note.msg.actions[0].label, "Stop");
	assert_string_equal(s.d.note.msg.actions[1].id, "keep");
	assert_string_equal(s.d.note.msg.actions[1].label, "Keep");
	assert_string_equal(s.d.note.msg.category, "x-stint.idle");
	assert_int_equal(s.d.next_due, -1);
	/* Still idle, an hour later: nothing more. */
	for (int i = 0; i < 6; i++) {
		quiet(&s, 10 * MINUTE);
		assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
		assert_int_equal(s.d.next_due, -1);
	}
	/* Activity: the reminder is stale and goes; a new stretch may bring a new one. */
	activity(&s);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.close_id, 1);
	assert_int_equal(s.d.next_due, s.in.now + 15 * MINUTE);
	quiet(&s, 15 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_IDLE);
	assert_int_equal(s.sent, 2);
}

static void test_no_idle_reminder_while_paused_or_when_off(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.remind_open_after_s = 0;
	s.in.paused = true;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, -1);
	quiet(&s, HOUR);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	s.in.paused = false;
	activity(&s);
	s.cfg.idle_reminder = false;
	quiet(&s, HOUR);
	assert_true(s.in.idle);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, -1);
	s.cfg.idle_reminder = true;
	s.cfg.idle_timeout_s = 0; /* never idle */
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, -1);
}

static void test_forgotten_session_at_the_threshold(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.idle_reminder = false;
	s.in.focus = "parser";
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, 1000 + 4 * HOUR);
	quiet(&s, 4 * HOUR - 1);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, 1000 + 4 * HOUR);
	quiet(&s, 1);
	assert_int_equal(decide(&s), NOTIFY_RULES_FORGOTTEN);
	assert_string_equal(s.d.note.summary, "Session in stint still open");
	assert_string_equal(s.d.note.body, "No activity for 4h 00m (focus: parser).");
	assert_string_equal(s.d.note.msg.actions[0].id, "stop");
	assert_null(s.d.note.msg.actions[1].id);
	assert_int_equal(s.d.next_due, -1);
	quiet(&s, 4 * HOUR);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	/* Sleep counts: CLOCK_BOOTTIME moved 4h, the awake quiet time did not. */
	activity(&s);
	decide(&s);
	s.in.now += 4 * HOUR;
	assert_int_equal(decide(&s), NOTIFY_RULES_FORGOTTEN);
}

static void test_forgotten_while_paused(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.in.paused = true;
	decide(&s);
	quiet(&s, 4 * HOUR);
	assert_int_equal(decide(&s), NOTIFY_RULES_FORGOTTEN);
}

/* Work while paused: told once per pause, with a Resume action; a resume makes it stale. */
static void test_paused_work_once_per_pause(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.min_interval_s = 0;
	s.in.paused = true;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	/* Paused without work: nothing, however long. */
	quiet(&s, 10 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	s.in.paused_work = true;
	s.in.paused_work_pause = 5000;
	s.in.paused_work_edits = 2;
	s.in.paused_work_commits = 1;
	activity(&s);
	assert_int_equal(decide(&s), NOTIFY_RULES_PAUSED);
	assert_string_equal(s.d.note.summary, "Working while paused in stint?");
	assert_string_equal(s.d.note.body,
			    "2 file changes and 1 commit since the pause are not counted. Resume "
			    "counts from now.");
	assert_string_equal(s.d.note.msg.actions[0].id, NOTIFY_RULES_ACTION_RESUME);
	assert_string_equal(s.d.note.msg.actions[0].label, "Resume");
	assert_string_equal(s.d.note.msg.category, "x-stint.paused-work");
	/* More work in the same pause: no second notification. */
	s.in.paused_work_edits = 9;
	quiet(&s, 30);
	activity(&s);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.close_id, 0);
	/* Resumed: the notification on screen is no longer true. */
	s.in.paused = false;
	s.in.paused_work = false;
	activity(&s);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.close_id, (uint64_t)s.sent);
	/* A new pause with work in it: told again. */
	s.in.paused = true;
	s.in.paused_work = true;
	s.in.paused_work_pause = 9000;
	s.in.paused_work_edits = 1;
	s.in.paused_work_commits = 0;
	activity(&s);
	assert_int_equal(decide(&s), NOTIFY_RULES_PAUSED);
	assert_string_equal(
	    s.d.note.body, "1 file change since the pause is not counted. Resume counts from now.");
	/* Off altogether with enabled = false. */
	s.cfg.enabled = false;
	s.in.paused_work_pause = 12000;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
}

static void test_forgotten_replaces_the_idle_reminder(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.remind_open_after_s = 30 * MINUTE;
	decide(&s);
	quiet(&s, 15 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_IDLE);
	assert_int_equal(s.d.next_due, 1000 + 30 * MINUTE);
	quiet(&s, 15 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_FORGOTTEN);
	assert_int_equal(s.d.close_id, 1);
}

static void test_rate_limit_between_any_two_reminders(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.remind_open_after_s = 16 * MINUTE;
	s.cfg.break_every_s = 0;
	decide(&s);
	quiet(&s, 15 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_IDLE);
	quiet(&s, MINUTE);
	/* The forgotten reminder is due, but only 1m after the last one. */
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 4 * MINUTE);
	quiet(&s, 4 * MINUTE - 1);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 1);
	quiet(&s, 1);
	assert_int_equal(decide(&s), NOTIFY_RULES_FORGOTTEN);
	assert_string_equal(s.d.note.body, "No activity for 20m.");
}

static void test_rate_limit_delays_a_break(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 20 * MINUTE;
	s.cfg.remind_open_after_s = 0;
	decide(&s);
	work(&s, 18 * MINUTE);
	quiet(&s, 15 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_IDLE);
	s.cfg.idle_reminder = false;
	/* Back to work after a break: 20 more minutes of active time bring the next reminder. */
	activity(&s);
	decide(&s);
	work(&s, 2 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 18 * MINUTE);
	/* Due now, but a cap of an hour since the idle reminder holds it back. */
	s.cfg.min_interval_s = HOUR;
	work(&s, 18 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.st.last_sent + HOUR);
}

static void test_auto_stop_warning(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	s.in.auto_stop_at = 1000 + 12 * HOUR;
	s.in.auto_stop_why = "max_session";
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, 1000 + 12 * HOUR - 10 * MINUTE);
	work(&s, 12 * HOUR - 10 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_AUTO_STOP);
	assert_string_equal(s.d.note.summary, "Session in stint stops in 10m");
	assert_string_equal(s.d.note.body, "stint will stop it and write its log (max_session). "
					   "Stop it now to add a summary with stint stop.");
	assert_int_equal(s.d.note.msg.urgency, NOTIFY_CRITICAL);
	assert_string_equal(s.d.note.msg.actions[0].label, "Stop now");
	assert_int_equal(s.d.next_due, -1);
	work(&s, 5 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	/* Too late for a warning: the auto-stop is upon us. */
	s.in.auto_stop_at = s.in.now;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.close_id, 1);
}

static void test_auto_stop_after_idle_moves_with_activity(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 0;
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	s.cfg.min_interval_s = 0;
	s.in.auto_stop_why = "auto_stop_after_idle";
	s.in.auto_stop_at = s.in.last_activity + HOUR;
	decide(&s);
	quiet(&s, 50 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_AUTO_STOP);
	activity(&s);
	s.in.auto_stop_at = s.in.last_activity + HOUR;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.close_id, 1); /* the warning no longer holds */
	assert_int_equal(s.d.next_due, s.in.now + 50 * MINUTE);
	quiet(&s, 50 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_AUTO_STOP);
}

static void test_most_urgent_first_then_the_rest(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.remind_open_after_s = 15 * MINUTE;
	s.cfg.break_every_s = 0;
	s.in.auto_stop_at = 1000 + 20 * MINUTE;
	decide(&s);
	quiet(&s, 15 * MINUTE);
	/* Warning, forgotten and idle all due: the warning first. */
	assert_int_equal(decide(&s), NOTIFY_RULES_AUTO_STOP);
	assert_int_equal(s.d.next_due, s.in.now + 5 * MINUTE);
	quiet(&s, 5 * MINUTE);
	assert_int_equal(decide(&s), NOTIFY_RULES_FORGOTTEN);
	/* The forgotten reminder said what the idle one would. */
	assert_int_equal(s.d.next_due, -1);
}

static void test_next_due_is_the_earliest(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.break_every_s = 20 * MINUTE;
	s.cfg.remind_open_after_s = 30 * MINUTE;
	s.in.auto_stop_at = 1000 + 40 * MINUTE;
	decide(&s);
	assert_int_equal(s.d.next_due, 1000 + 15 * MINUTE); /* idle onset */
	s.cfg.idle_reminder = false;
	decide(&s);
	assert_int_equal(s.d.next_due, 1000 + 20 * MINUTE); /* break */
	s.cfg.break_every_s = 0;
	decide(&s);
	assert_int_equal(s.d.next_due, 1000 + 30 * MINUTE); /* forgotten */
	s.cfg.remind_open_after_s = 0;
	s.cfg.warn_before_s = 15 * MINUTE;
	decide(&s);
	assert_int_equal(s.d.next_due, 1000 + 25 * MINUTE); /* warning */
}

static void test_restart_does_not_nag(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.remind_open_after_s = 0;
	/* A fresh state (stintd restarted) for a session already 100 minutes in, idle. */
	s.in.active_s = 100 * MINUTE;
	s.in.quiet_s = 20 * MINUTE;
	s.in.idle = true;
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	s.in.now += MINUTE;
	activity(&s);
	s.in.gap_before_s = 5 * MINUTE; /* not a break */
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 15 * MINUTE);
	s.cfg.idle_reminder = false;
	decide(&s);
	assert_int_equal(s.d.next_due, s.in.now + 80 * MINUTE); /* at 180m, not at once */
}

static void test_config_change_rebases_breaks(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.cfg.idle_reminder = false;
	s.cfg.remind_open_after_s = 0;
	s.cfg.break_every_s = 0;
	decide(&s);
	work(&s, 50 * MINUTE);
	decide(&s);
	s.cfg.break_every_s = 30 * MINUTE; /* reloaded */
	assert_int_equal(decide(&s), NOTIFY_RULES_NONE);
	assert_int_equal(s.d.next_due, s.in.now + 10 * MINUTE);
}

/* Random timelines: no busy loop, nothing before it is due, the rate limit always holds. */
static void test_random_timelines_keep_the_rules(void **state)
{
	(void)state;
	srand(7);
	for (int run = 0; run < 300; run++) {
		struct sim s;
		int64_t last = -1;

		sim_init(&s);
		s.cfg.break_every_s = (rand() % 4) * 20 * MINUTE;
		s.cfg.min_interval_s = (rand() % 3) * 5 * MINUTE;
		s.cfg.remind_open_after_s = (rand() % 3) * HOUR;
		s.cfg.idle_reminder = rand() % 2;
		if (rand() % 2)
			s.in.auto_stop_at = 1000 + (rand() % 10) * HOUR;
		for (int step = 0; step < 200; step++) {
			int64_t before = s.in.now;

			decide(&s);
			if (s.d.note.kind != NOTIFY_RULES_NONE) {
				if (last >= 0)
					assert_true(s.in.now - last >= s.cfg.min_interval_s);
				last = s.in.now;
			}
			if (s.d.next_due >= 0)
				assert_true(s.d.next_due >= s.in.now);
			/* Asking again at once would only give the same answer: a busy loop. */
			if (s.d.note.kind == NOTIFY_RULES_NONE)
				assert_true(s.d.next_due == -1 || s.d.next_due > s.in.now);
			/* Jump to the due time, or do something first. */
			switch (rand() % 4) {
			case 0:
				if (s.d.next_due > s.in.now)
					quiet(&s, s.d.next_due - s.in.now);
				break;
			case 1:
				work(&s, 1 + rand() % (30 * MINUTE));
				break;
			case 2:
				quiet(&s, 1 + rand() % HOUR);
				break;
			default:
				activity(&s);
				s.in.paused = rand() % 4 == 0;
				break;
			}
			assert_true(s.in.now >= before);
		}
	}
}

static json_t *session_json(const char *extra)
{
	char buf[1024];
	json_t *j;

	snprintf(buf, sizeof(buf),
		 "{\"id\":7,\"repo\":\"/home/me/src/stint\",\"repo_name\":\"stint\","
		 "\"focus\":null,\"active_s\":7500%s}",
		 extra);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_summary_text(void **state)
{
	struct notify_rules_note note;
	json_t *j;

	(void)state;
	j = session_json(",\"focus\":\"socket server\",\"commits\":3,\"added\":240,"
			 "\"removed\":30,\"files_changed\":7");
	assert_int_equal(notify_rules_summary(j, "/home/me/logs/stint/2026-11-25.md", NULL, &note),
			 0);
	assert_int_equal(note.kind, NOTIFY_RULES_SUMMARY);
	assert_string_equal(note.msg.summary, "Session closed: socket server");
	assert_string_equal(note.msg.body,
			    "2h 05m active \xc2\xb7 3 commits \xc2\xb7 +240 \xe2\x88\x92"
			    "30 \xc2\xb7 7 files\n/home/me/logs/stint/2026-11-25.md");
	assert_string_equal(note.msg.open_path, "/home/me/logs/stint/2026-11-25.md");
	assert_string_equal(note.msg.actions[0].id, "open");
	assert_string_equal(note.msg.actions[0].label, "Open log");
	assert_string_equal(note.msg.category, "x-stint.summary");
	assert_string_equal(note.msg.icon, "document-save");
	json_decref(j);
}

static void test_summary_singular_outside_git_and_automatic(void **state)
{
	struct notify_rules_note note;
	json_t *j;

	(void)state;
	j = session_json(",\"commits\":1,\"added\":1,\"removed\":0,\"files_changed\":1");
	notify_rules_summary(j, NULL, "max_session", &note);
	assert_string_equal(note.msg.summary, "Session closed: stint");
	assert_string_equal(note.msg.body,
			    "2h 05m active \xc2\xb7 1 commit \xc2\xb7 +1 \xe2\x88\x92"
			    "0 \xc2\xb7 1 file\nStopped automatically (max_session).");
	assert_null(note.msg.open_path);
	assert_null(note.msg.actions[0].id);
	json_decref(j);

	/* Outside git the counts are null. */
	j = session_json(",\"commits\":null,\"added\":null,\"removed\":null,"
			 "\"files_changed\":null");
	notify_rules_summary(j, "/l.md", NULL, &note);
	assert_string_equal(note.msg.body, "2h 05m active\n/l.md");
	json_decref(j);
	assert_int_equal(notify_rules_summary(NULL, "/l.md", NULL, &note), -EINVAL);
}

static void test_long_texts_are_cut_on_a_character(void **state)
{
	struct notify_rules_note note;
	char focus[600], extra[700];
	json_t *j;

	(void)state;
	/* "é" is two bytes: a cut in the middle of one would be invalid UTF-8. */
	for (size_t i = 0; i < sizeof(focus) - 1; i += 2)
		memcpy(focus + i, "\xc3\xa9", 2);
	focus[sizeof(focus) - 2] = '\0';
	snprintf(extra, sizeof(extra), ",\"focus\":\"%s\"", focus);
	j = session_json(extra);
	notify_rules_summary(j, NULL, NULL, &note);
	assert_true(strlen(note.summary) < sizeof(note.summary));
	assert_memory_equal(note.summary + strlen(note.summary) - 3, "\xe2\x80\xa6", 3);
	/* "Session closed: " then whole "é"s. */
	assert_int_equal((strlen(note.summary) - 3 - 16) % 2, 0);
	json_decref(j);
}

static void test_start_reminder_once_an_hour(void **state)
{
	struct notify_rules_config cfg = defaults();
	struct notify_rules_note note;
	int64_t last = -1;

	(void)state;
	assert_false(notify_rules_start(&cfg, &last, 100, "web", &note));
	cfg.start_reminder = true;
	assert_true(notify_rules_start(&cfg, &last, 100, "web", &note));
	assert_string_equal(note.msg.summary, "Start a session in web?");
	assert_string_equal(note.msg.actions[0].id, "start");
	assert_false(notify_rules_start(&cfg, &last, 100 + HOUR - 1, "web", &note));
	assert_true(notify_rules_start(&cfg, &last, 100 + HOUR, "web", &note));
	cfg.enabled = false;
	assert_false(notify_rules_start(&cfg, &last, 100 + 5 * HOUR, "web", &note));
}

static void test_test_notification(void **state)
{
	struct notify_rules_note note;

	(void)state;
	notify_rules_test(&note);
	assert_string_equal(note.msg.summary, "stint notifications work");
	assert_string_equal(note.msg.category, "x-stint.test");
}

static struct stamp at(int64_t mono_s, int64_t boot_s, int64_t wall_s, const char *boot)
{
	struct stamp st = {
	    .mono_ns = mono_s * SEC, .boot_ns = boot_s * SEC, .wall_ms = wall_s * 1000};

	snprintf(st.boot_id, sizeof(st.boot_id), "%s", boot);
	return st;
}

static void test_input_from_a_session(void **state)
{
	struct session *s = session_create("/r/web", "web", "main", NULL, "A", "api", NULL);
	struct stamp t0 = at(100, 100, 10000, "b1"), t1 = at(700, 700, 10600, "b1");
	/* The machine slept an hour between t1 and t2. */
	struct stamp t2 = at(1300, 4900, 14800, "b1"), now = at(1400, 5000, 14900, "b1");
	struct notify_rules_input in;

	(void)state;
	assert_non_null(s);
	s->idle_timeout_ns = 900 * SEC;
	session_apply(s, SESSION_EV_START, &t0, NULL);
	session_apply(s, SESSION_EV_TOUCHED, &t1, NULL);
	session_apply(s, SESSION_EV_TOUCHED, &t2, NULL);
	notify_rules_input_from_session(&in, s, &now, 9000 * SEC, "max_session");
	assert_int_equal(in.now, 5000);
	assert_int_equal(in.last_activity, 4900);
	assert_int_equal(in.gap_before_s, 4200); /* boottime: the sleep counts */
	assert_int_equal(in.quiet_s, 100);	 /* monotonic */
	assert_false(in.idle);
	assert_false(in.paused);
	assert_int_equal(in.active_s, 1300);
	assert_int_equal(in.auto_stop_at, 9000);
	assert_string_equal(in.auto_stop_why, "max_session");
	assert_string_equal(in.repo_name, "web");
	assert_string_equal(in.focus, "api");

	now = at(2300, 6000, 15900, "b1");
	notify_rules_input_from_session(&in, s, &now, -1, NULL);
	assert_true(in.idle);
	assert_int_equal(in.quiet_s, 1000);
	assert_int_equal(in.auto_stop_at, -1);

	/* After a reboot, before any activity: counted from the first event of this boot. */
	struct stamp r = at(5, 5, 90000, "b2"), later = at(65, 65, 90060, "b2");

	session_apply(s, SESSION_EV_RECOVER, &r, NULL);
	notify_rules_input_from_session(&in, s, &later, -1, NULL);
	assert_int_equal(in.last_activity, 5);
	assert_int_equal(in.quiet_s, 60);
	assert_int_equal(in.gap_before_s, -1);
	session_apply(s, SESSION_EV_TOUCHED, &later, NULL);
	notify_rules_input_from_session(&in, s, &later, -1, NULL);
	assert_int_equal(in.last_activity, 65);
	assert_int_equal(in.gap_before_s, 90060 - 14800); /* across the reboot, by the wall clock */
	/* Keep (the idle reminder's action) says the stretch was work: not a break. */
	struct stamp k = at(2065, 2065, 92060, "b2");

	session_apply(s, SESSION_EV_KEEP, &k, NULL);
	notify_rules_input_from_session(&in, s, &k, -1, NULL);
	assert_int_equal(in.last_activity, 2065);
	assert_int_equal(in.gap_before_s, 0);
	assert_false(in.paused_work);
	/* Paused, then a file saved: work while paused, dated by its pause. */
	struct stamp p = at(2100, 2100, 92100, "b2"), e = at(2160, 2160, 92160, "b2");
	json_t *paths = json_pack("{s:{s:I}}", "paths", "x.c", (json_int_t)e.wall_ms);

	session_apply(s, SESSION_EV_PAUSE, &p, NULL);
	notify_rules_input_from_session(&in, s, &e, -1, NULL);
	assert_true(in.paused);
	assert_false(in.paused_work);
	session_apply(s, SESSION_EV_TOUCHED, &e, paths);
	json_decref(paths);
	notify_rules_input_from_session(&in, s, &e, -1, NULL);
	assert_true(in.paused_work);
	assert_int_equal(in.paused_work_pause, 92100 * 1000LL);
	assert_int_equal(in.paused_work_edits, 1);
	assert_int_equal(in.paused_work_commits, 0);
	session_destroy(s);
}

/*
 * A session started 0.95 s into a second: its whole seconds of work tick at .95, and so must
 * the decisions. Counted from the boot clock's own seconds, the break reminder due at 4 s of
 * work was looked at only at the next whole second (4.05 s of work), and 0.05 s of delay in
 * waking up made it say "5s" (the test_notifications flake on a loaded machine).
 */
static void test_decisions_tick_with_active_time(void **state)
{
	struct session *s = session_create("/r/web", "web", "main", NULL, "A", NULL, NULL);
	struct notify_rules_config cfg = {.enabled = true, .break_every_s = 4};
	struct notify_rules_state st;
	struct notify_rules_decision out;
	struct notify_rules_input in;
	struct stamp t0 = at(100, 100, 10000, "b1"), now;
	int64_t due_ns;

	(void)state;
	assert_non_null(s);
	s->idle_timeout_ns = 3600 * SEC;
	t0.mono_ns += 950000000;
	t0.boot_ns += 950000000;
	session_apply(s, SESSION_EV_START, &t0, NULL);
	memset(&st, 0, sizeof(st));
	now = t0;
	notify_rules_input_from_session(&in, s, &now, -1, NULL);
	assert_int_equal(in.phase_ns, 950000000);
	notify_rules_decide(&st, &cfg, &in, &out);
	assert_int_equal(out.note.kind, NOTIFY_RULES_NONE);
	due_ns = out.next_due * SEC + in.phase_ns;
	assert_int_equal(due_ns, t0.boot_ns + 4 * SEC); /* exactly 4 s of work */
	/* Woken 50 ms late: still "4s". */
	now.mono_ns = now.boot_ns = due_ns + 50000000;
	notify_rules_input_from_session(&in, s, &now, -1, NULL);
	notify_rules_decide(&st, &cfg, &in, &out);
	assert_int_equal(out.note.kind, NOTIFY_RULES_BREAK);
	assert_string_equal(out.note.msg.summary, "You've been at it for 4s");
	session_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disabled_sends_nothing_and_arms_nothing),
	    cmocka_unit_test(test_everything_off_arms_nothing),
	    cmocka_unit_test(test_break_after_active_time),
	    cmocka_unit_test(test_decisions_tick_with_active_time),
	    cmocka_unit_test(test_break_counts_active_time_not_wall_time),
	    cmocka_unit_test(test_a_break_restarts_the_count),
	    cmocka_unit_test(test_a_long_pause_is_a_break_a_short_one_is_not),
	    cmocka_unit_test(test_snooze_postpones_the_break),
	    cmocka_unit_test(test_idle_reminder_once_per_idle_stretch),
	    cmocka_unit_test(test_no_idle_reminder_while_paused_or_when_off),
	    cmocka_unit_test(test_forgotten_session_at_the_threshold),
	    cmocka_unit_test(test_forgotten_while_paused),
	    cmocka_unit_test(test_paused_work_once_per_pause),
	    cmocka_unit_test(test_forgotten_replaces_the_idle_reminder),
	    cmocka_unit_test(test_rate_limit_between_any_two_reminders),
	    cmocka_unit_test(test_rate_limit_delays_a_break),
	    cmocka_unit_test(test_auto_stop_warning),
	    cmocka_unit_test(test_auto_stop_after_idle_moves_with_activity),
	    cmocka_unit_test(test_most_urgent_first_then_the_rest),
	    cmocka_unit_test(test_next_due_is_the_earliest),
	    cmocka_unit_test(test_restart_does_not_nag),
	    cmocka_unit_test(test_config_change_rebases_breaks),
	    cmocka_unit_test(test_random_timelines_keep_the_rules),
	    cmocka_unit_test(test_summary_text),
	    cmocka_unit_test(test_summary_singular_outside_git_and_automatic),
	    cmocka_unit_test(test_long_texts_are_cut_on_a_character),
	    cmocka_unit_test(test_start_reminder_once_an_hour),
	    cmocka_unit_test(test_test_notification),
	    cmocka_unit_test(test_input_from_a_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
