#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "status_file.h"
#include "status_snap.h"

/*
 * The status snapshot's projection (common/status_snap.c) against the fold it stands in for
 * (session_times): for random sessions and random moments after their last event, the client's
 * arithmetic must give what stintd would have answered, to the second and the state.
 */

#define SEC 1000000000LL

/* A small deterministic generator: the same sessions every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t rng_below(int64_t n)
{
	return (int64_t)(rng() % (uint64_t)n);
}

struct clocks {
	int64_t mono, boot, wall_ms;
};

/* Time passes: awake time, sometimes a suspend, and the few ns two clock reads differ by. */
static struct stamp advance(struct clocks *c, int64_t awake_ns)
{
	struct stamp st = {0};
	int64_t slept = rng_below(8) == 0 ? rng_below(3600) * SEC : 0;

	c->mono += awake_ns;
	c->boot += awake_ns + slept;
	c->wall_ms += (awake_ns + slept) / 1000000;
	st.mono_ns = c->mono;
	st.boot_ns = c->boot + rng_below(200); /* read a moment after the monotonic clock */
	st.wall_ms = c->wall_ms;
	snprintf(st.boot_id, sizeof(st.boot_id), "%s", "boot-a");
	return st;
}

/* Awake time between events: mostly short, sometimes past any idle timeout. */
static int64_t gap(void)
{
	switch (rng_below(4)) {
	case 0:
		return rng_below(5 * SEC);
	case 1:
		return rng_below(120 * SEC);
	case 2:
		return rng_below(1200 * SEC);
	default:
		return rng_below(10000 * SEC);
	}
}

static struct session *random_session(struct clocks *c)
{
	static const char *const kinds[] = {"activity", "touched",	"note",	  "todo",
					    "commit",	"pause",	"resume", "keep",
					    "sleep",	"idle_timeout", "branch", "decision"};
	struct session *s = session_create("/r", "r", "main", NULL, "A", NULL, NULL);
	int64_t timeouts[] = {0, 30, 300, 900};
	int n = 1 + (int)rng_below(30);
	struct stamp st;
	json_t *start;

	assert_non_null(s);
	s->idle_timeout_ns = timeouts[rng_below(4)] * SEC;
	st = advance(c, 0);
	/* session_apply takes a reference of its own. */
	start = json_pack("{s:I}", "idle_timeout_s", (json_int_t)(s->idle_timeout_ns / SEC));
	session_apply(s, SESSION_EV_START, &st, start);
	json_decref(start);
	for (int i = 0; i < n; i++) {
		const char *kind = kinds[rng_below(sizeof(kinds) / sizeof(*kinds))];
		json_t *data = NULL;

		if (strcmp(kind, "idle_timeout") == 0) {
			int64_t to = timeouts[rng_below(4)];

			data = json_pack("{s:I, s:I}", "idle_timeout_s", (json_int_t)to, "was_s",
					 (json_int_t)(s->idle_timeout_ns / SEC));
			s->idle_timeout_ns = to * SEC;
		}
		st = advance(c, gap());
		session_apply(s, session_event_lookup(kind), &st, data);
		json_decref(data);
	}
	return s;
}

static void expect_same(const struct session *s, const struct status_snap_times *st,
			const struct stamp *now, int round)
{
	int64_t v[STATUS_SNAP__COUNT];
	struct session_times t;
	const char *state, *want;

	session_times(s, now, &t);
	state = status_snap_project(st, now->mono_ns, now->boot_ns, v);
	want = s->state == SESSION_PAUSED ? "paused" : t.idle_now ? "idle" : "active";
	if (!state || strcmp(state, want) != 0 || v[STATUS_SNAP_ACTIVE] / SEC != t.active_s ||
	    v[STATUS_SNAP_PAUSED] / SEC != t.paused_s || v[STATUS_SNAP_IDLE] / SEC != t.idle_s ||
	    v[STATUS_SNAP_DOWN] / SEC != t.down_s ||
	    v[STATUS_SNAP_SUSPENDED] / SEC != t.suspended_s ||
	    v[STATUS_SNAP_WALL] / SEC != t.wall_s)
		fail_msg("round %d, %zu events, %.3f s after the last: projected %s active %lld "
			 "paused %lld idle %lld down %lld suspended %lld wall %lld; the fold says "
			 "%s %lld %lld %lld %lld %lld %lld",
			 round, s->nevents,
			 (double)(now->mono_ns - s->events[s->nevents - 1].at.mono_ns) / SEC,
			 state ? state : "(none)", (long long)(v[0] / SEC), (long long)(v[1] / SEC),
			 (long long)(v[2] / SEC), (long long)(v[3] / SEC), (long long)(v[4] / SEC),
			 (long long)(v[5] / SEC), want, (long long)t.active_s,
			 (long long)t.paused_s, (long long)t.idle_s, (long long)t.down_s,
			 (long long)t.suspended_s, (long long)t.wall_s);
}

static void test_projection_equals_the_fold(void **state)
{
	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct clocks c = {
		    .mono = 1000 * SEC, .boot = 1500 * SEC, .wall_ms = 1700000000000};
		struct session *s = random_session(&c);
		struct status_snap_times st, back;
		json_t *j;

		assert_int_equal(status_file_times(s, "boot-a", &st), 0);
		/* What the file carries is what the client reads back. */
		j = status_snap_times_json(&st);
		assert_int_equal(status_snap_times_parse(j, &back), 0);
		assert_memory_equal(&st, &back, sizeof(st));
		json_decref(j);
		for (int k = 0; k < 20; k++) {
			struct clocks later = c;
			struct stamp now = advance(&later, k == 0 ? 0 : gap());

			expect_same(s, &back, &now, round);
		}
		/* Right at the moment it turns idle, and a nanosecond before. */
		if (st.idle_in_ns > 0) {
			struct clocks later = c;
			struct stamp now;

			later.boot = later.mono + (c.boot - c.mono);
			now = advance(&later, 0);
			now.mono_ns = st.mono_ns + st.idle_in_ns - 1;
			now.boot_ns = st.boot_ns + st.idle_in_ns - 1;
			expect_same(s, &back, &now, round);
			now.mono_ns++;
			now.boot_ns++;
			expect_same(s, &back, &now, round);
		}
		session_destroy(s);
	}
}

static void test_other_boot_has_no_projection(void **state)
{
	struct clocks c = {.mono = SEC, .boot = SEC, .wall_ms = 1700000000000};
	struct session *s = random_session(&c);
	struct status_snap_times st;

	(void)state;
	assert_int_equal(status_file_times(s, "boot-b", &st), -1);
	session_destroy(s);
}

static void test_malformed_projection_is_refused(void **state)
{
	static const char *const bad[] = {
	    "{}",
	    "{\"mono_ns\":1,\"boot_ns\":1,\"regime\":\"running\",\"idle_in_ns\":-1,"
	    "\"at\":[0,0,0,0,0],\"at_idle\":[0,0,0,0,0,0]}",
	    "{\"mono_ns\":1,\"boot_ns\":1,\"regime\":\"asleep\",\"idle_in_ns\":-1,"
	    "\"at\":[0,0,0,0,0,0],\"at_idle\":[0,0,0,0,0,0]}",
	    "{\"mono_ns\":1,\"boot_ns\":1,\"regime\":\"idle\",\"idle_in_ns\":-1,"
	    "\"at\":[0,0,-5,0,0,0],\"at_idle\":[0,0,0,0,0,0]}",
	    "{\"mono_ns\":\"1\",\"boot_ns\":1,\"regime\":\"idle\",\"idle_in_ns\":-1,"
	    "\"at\":[0,0,0,0,0,0],\"at_idle\":[0,0,0,0,0,0]}",
	};
	struct status_snap_times st;
	int64_t v[STATUS_SNAP__COUNT];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);

		assert_non_null(j);
		assert_int_equal(status_snap_times_parse(j, &st), -1);
		json_decref(j);
	}
	/* A clock before the snapshot's: not this boot's, no answer. */
	memset(&st, 0, sizeof(st));
	st.mono_ns = 10 * SEC;
	assert_null(status_snap_project(&st, 9 * SEC, 10 * SEC, v));
}

static void test_inside(void **state)
{
	(void)state;
	assert_true(status_snap_inside("/a/b", "/a/b"));
	assert_true(status_snap_inside("/a/b/c", "/a/b"));
	assert_false(status_snap_inside("/a/bc", "/a/b"));
	assert_false(status_snap_inside("/a", "/a/b"));
	assert_true(status_snap_inside("/x", "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_projection_equals_the_fold),
	    cmocka_unit_test(test_other_boot_has_no_projection),
	    cmocka_unit_test(test_malformed_projection_is_refused),
	    cmocka_unit_test(test_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
