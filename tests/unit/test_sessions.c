#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"
#include "sessions.h"
#include "sessions_restore.h"
#include "sessions_start.h"
#include "sessions_stop.h"
#include "stintd.h"
#include "store.h"
#include "testdaemon.h"
#include "testutil.h"

/* sessions.c, sessions_start.c and sessions_stop.c with a real loop, store and repositories. */

static int setup(void **state)
{
	struct testdaemon *t = calloc(1, sizeof(*t));

	testdaemon_init(t, "sessions");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct testdaemon *t = *state;

	unsetenv("STINT_TEST_STORE_FAIL_FILE");
	testdaemon_finish(t);
	free(t);
	return 0;
}

/* A session in memory only, as restore or start would have linked it. */
static struct session *link_session(struct testdaemon *t, const char *root, int64_t id,
				    bool started)
{
	struct session *s = session_create(root, "name", NULL, NULL, NULL, NULL, NULL);
	struct stamp now;

	assert_non_null(s);
	s->id = id;
	if (started) {
		session_stamp_now(&now, t->d.boot_id);
		assert_int_equal(session_apply(s, SESSION_EV_START, &now, NULL), 0);
	}
	sessions_link(&t->d, s);
	return s;
}

/* A session open in the store too, so that its events can be committed. */
static struct session *open_session(struct testdaemon *t, const char *root)
{
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION, .event = "start"};
	struct session *s;

	session_stamp_now(&op.at, t->d.boot_id);
	op.row = json_pack("{s:s, s:s, s:[]}", "repo", root, "repo_name", "name", "tags");
	if (store_run_now(t->d.store, &op) < 0)
		fail_msg("cannot insert a session for %s: %s", root, op.err);
	json_decref(op.row);
	s = session_create(root, "name", NULL, NULL, NULL, NULL, NULL);
	assert_non_null(s);
	s->id = op.result_id;
	assert_int_equal(session_apply(s, SESSION_EV_START, &op.at, NULL), 0);
	sessions_link(&t->d, s);
	return s;
}

/* The one open session in the store, checked to be id: its events' kinds into kinds. */
static json_t *stored_session(struct testdaemon *t, int64_t id, char *kinds, size_t n)
{
	json_t *all = testdaemon_stored_open(t), *one;

	assert_int_equal(json_array_size(all), 1);
	one = json_incref(json_array_get(all, 0));
	json_decref(all);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(one, "row"), "id")),
			 id);
	testdaemon_event_kinds(json_object_get(one, "events"), kinds, n);
	return one;
}

/* --- find -------------------------------------------------------------------------------- */

static void test_find(void **state)
{
	struct testdaemon *t = *state;
	struct session *repo = link_session(t, "/w/repo", 1, true);
	struct session *sub = link_session(t, "/w/repo/sub", 2, true);
	struct session *starting = link_session(t, "/w/new", 3, false);
	struct session *top;

	assert_int_equal(starting->state, SESSION_STARTING);
	assert_ptr_equal(sessions_find_root(&t->d, "/w/repo"), repo);
	assert_ptr_equal(sessions_find_root(&t->d, "/w/repo/sub"), sub);
	assert_ptr_equal(sessions_find_root(&t->d, "/w/new"), starting);
	assert_null(sessions_find_root(&t->d, "/w/repo/x"));

	/* The nearest enclosing root wins, at a path boundary only. */
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/repo"), repo);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/repo/src/deep"), repo);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/repo/sub"), sub);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/repo/sub/x"), sub);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/repo/subway"), repo);
	assert_null(sessions_find_cwd(&t->d, "/w/repository"));
	assert_null(sessions_find_cwd(&t->d, "/w"));
	/* A session whose start is not committed yet is not there for commands. */
	assert_null(sessions_find_cwd(&t->d, "/w/new"));
	assert_null(sessions_find_cwd(&t->d, "/w/new/x"));

	/* A session at / encloses everything, and loses to any nearer one. */
	top = link_session(t, "/", 4, true);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/elsewhere"), top);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/new/x"), top);
	assert_ptr_equal(sessions_find_cwd(&t->d, "/w/repo/sub/x"), sub);

	assert_ptr_equal(sessions_find_id(&t->d, 1), repo);
	assert_ptr_equal(sessions_find_id(&t->d, 3), starting);
	assert_ptr_equal(sessions_find_id(&t->d, 4), top);
	assert_null(sessions_find_id(&t->d, 99));
}

/* --- append, the queue, retire ------------------------------------------------------------ */

/* What ran, in order: "done", "w1"... */
struct trace {
	char steps[256];
	struct testdaemon *t;
	struct session *s;
	int64_t id;
};

static void trace_add(struct trace *tr, const char *step)
{
	size_t len = strlen(tr->steps);

	snprintf(tr->steps + len, sizeof(tr->steps) - len, "%s%s", len ? "," : "", step);
}

struct test_waiter {
	struct sessions_waiter w; /* first: run gets it back */
	struct trace *tr;
	const char *name;
	bool append_again; /* claims the session with another append */
	bool busy_seen;
	bool found; /* the session was still linked when it ran */
};

static void appended(void *arg, struct session *s, int status, const char *err)
{
	struct trace *tr = arg;

	if (status < 0)
		fail_msg("append failed: %s", err);
	/* Applied before done runs; still busy: the waiters come after. */
	assert_ptr_equal(s, tr->s);
	assert_true(s->busy);
	assert_int_equal(s->events[s->nevents - 1].kind, SESSION_EV_NOTE);
	trace_add(tr, "done");
}

static void waiter_run(struct sessions_waiter *w)
{
	struct test_waiter *tw = (struct test_waiter *)w;
	struct trace *tr = tw->tr;
	struct session *s = sessions_find_id(&tr->t->d, tr->id);

	tw->found = s != NULL;
	tw->busy_seen = s && s->busy;
	trace_add(tr, tw->name);
	if (s && tw->append_again)
		assert_int_equal(sessions_append(&tr->t->d, s, SESSION_EV_NOTE,
						 json_pack("{s:s}", "text", "again"), appended, tr),
				 0);
}

static void test_append_then_waiters_in_order(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = open_session(t, "/w/append");
	struct trace tr = {.t = t, .s = s, .id = s->id};
	struct test_waiter w[3] = {
	    {.tr = &tr, .name = "w1"}, {.tr = &tr, .name = "w2"}, {.tr = &tr, .name = "w3"}};
	char kinds[128];
	json_t *stored;

	assert_int_equal(sessions_append(&t->d, s, SESSION_EV_NOTE,
					 json_pack("{s:s}", "text", "first"), appended, &tr),
			 0);
	/* In flight: busy, not applied, nothing ran. */
	assert_true(s->busy);
	assert_int_equal(s->nevents, 1);
	for (int i = 0; i < 3; i++) {
		w[i].w.run = waiter_run;
		sessions_wait(s, &w[i].w);
	}
	assert_string_equal(tr.steps, "");
	testdaemon_run(t);
	assert_string_equal(tr.steps, "done,w1,w2,w3");
	for (int i = 0; i < 3; i++) {
		assert_true(w[i].found);
		assert_false(w[i].busy_seen);
	}
	assert_false(s->busy);
	assert_null(s->waiting_head);
	assert_null(s->waiting_tail);
	assert_int_equal(s->nevents, 2);
	assert_string_equal(json_string_value(json_object_get(s->events[1].data, "text")), "first");
	stored = stored_session(t, s->id, kinds, sizeof(kinds));
	assert_string_equal(kinds, "start,note");
	json_decref(stored);
}

static void test_waiter_that_claims_stops_the_queue(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = open_session(t, "/w/claim");
	struct trace tr = {.t = t, .s = s, .id = s->id};
	struct test_waiter w1 = {.tr = &tr, .name = "w1", .append_again = true},
			   w2 = {.tr = &tr, .name = "w2"};
	char kinds[128];
	json_t *stored;

	assert_int_equal(sessions_append(&t->d, s, SESSION_EV_NOTE,
					 json_pack("{s:s}", "text", "first"), appended, &tr),
			 0);
	w1.w.run = w2.w.run = waiter_run;
	sessions_wait(s, &w1.w);
	sessions_wait(s, &w2.w);
	testdaemon_run(t);
	/* w2 waited for the operation w1 started, not only for the first one. */
	assert_string_equal(tr.steps, "done,w1,done,w2");
	assert_false(w2.busy_seen);
	assert_false(s->busy);
	stored = stored_session(t, s->id, kinds, sizeof(kinds));
	assert_string_equal(kinds, "start,note,note");
	json_decref(stored);

	/* By hand: a claim holds the queue until its release. */
	tr.steps[0] = '\0';
	sessions_claim(&t->d, s);
	w1.append_again = false;
	sessions_wait(s, &w1.w);
	testdaemon_run(t);
	assert_string_equal(tr.steps, "");
	sessions_release(&t->d, s);
	assert_string_equal(tr.steps, "w1");
}

static void test_retire_runs_waiters(void **state)
{
	struct testdaemon *t = *state;
	struct session *keep = link_session(t, "/w/keep", 1, true);
	struct session *s = link_session(t, "/w/retire", 2, true);
	struct trace tr = {.t = t, .s = s, .id = 2};
	struct test_waiter w1 = {.tr = &tr, .name = "w1"}, w2 = {.tr = &tr, .name = "w2"};

	sessions_claim(&t->d, s);
	w1.w.run = w2.w.run = waiter_run;
	sessions_wait(s, &w1.w);
	sessions_wait(s, &w2.w);
	sessions_retire(&t->d, s);
	assert_string_equal(tr.steps, "w1,w2");
	assert_false(w1.found);
	assert_false(w2.found);
	assert_null(sessions_find_id(&t->d, 2));
	assert_ptr_equal(t->d.sessions, keep);
	assert_null(keep->next);
	assert_null(keep->prev);
}

/* --- record ------------------------------------------------------------------------------ */

static void test_record(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = open_session(t, "/w/record");
	json_t *stored, *ev;
	char kinds[128];

	sessions_record(&t->d, s, SESSION_EV_COMMIT, json_pack("{s:s}", "oid", "0123abcd"));
	/* Applied at once, and nothing waits for it. */
	assert_int_equal(s->nevents, 2);
	assert_int_equal(s->events[1].kind, SESSION_EV_COMMIT);
	assert_false(s->busy);
	assert_true(store_busy(t->d.store));
	testdaemon_run(t);
	stored = stored_session(t, s->id, kinds, sizeof(kinds));
	assert_string_equal(kinds, "start,commit");
	ev = json_array_get(json_object_get(stored, "events"), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "data"), "oid")),
			    "0123abcd");
	assert_int_equal(json_integer_value(json_object_get(ev, "mono")), s->events[1].at.mono_ns);
	json_decref(stored);
}

/* --- restore ----------------------------------------------------------------------------- */

/* What a previous run left: a session with start (and a baseline), note and pause events. */
static int64_t previous_run(struct testdaemon *t, const char *root, const char *boot_id,
			    bool clean_exit)
{
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION, .event = "start"};
	static const char *const kinds[] = {"note", "pause"};

	store_begin_run(t->d.store);
	session_stamp_now(&op.at, boot_id);
	op.row = json_pack("{s:s, s:s, s:s, s:[s]}", "repo", root, "repo_name", "restored", "focus",
			   "restoring", "tags", "t1");
	op.payload = json_pack("{s:{s:s}}", "baseline", "tree", "4b825dc6");
	if (store_run_now(t->d.store, &op) < 0)
		fail_msg("%s", op.err);
	json_decref(op.row);
	json_decref(op.payload);
	for (size_t i = 0; i < 2; i++) {
		struct store_op ev = {
		    .kind = STORE_OP_APPEND_EVENT, .session_id = op.result_id, .event = kinds[i]};

		session_stamp_now(&ev.at, boot_id);
		ev.payload = i == 0 ? json_pack("{s:s}", "text", "from before") : NULL;
		if (store_run_now(t->d.store, &ev) < 0)
			fail_msg("%s", ev.err);
		json_decref(ev.payload);
	}
	if (clean_exit)
		store_end_run(t->d.store);
	return op.result_id;
}

/* Restores and checks the session previous_run left; recover: whether one was added. */
static struct session *restore_and_check(struct testdaemon *t, int64_t id, const char *root,
					 bool recover)
{
	struct session *s;
	json_t *stored;
	char err[512], kinds[128];

	if (sessions_restore(&t->d, err, sizeof(err)) < 0)
		fail_msg("sessions_restore: %s", err);
	s = sessions_find_id(&t->d, id);
	assert_non_null(s);
	assert_ptr_equal(sessions_find_root(&t->d, root), s);
	assert_string_equal(s->name, "restored");
	assert_string_equal(s->focus, "restoring");
	assert_string_equal(json_string_value(json_array_get(s->tags, 0)), "t1");
	/* The fold ran over the stored events. */
	assert_int_equal(s->state, SESSION_PAUSED);
	assert_string_equal(json_string_value(json_object_get(s->events[1].data, "text")),
			    "from before");
	assert_string_equal(json_string_value(json_object_get(s->baseline, "tree")), "4b825dc6");
	assert_int_equal(s->idle_timeout_ns, config_idle_ns(&t->d.cfg));
	assert_int_equal(s->recovered, recover);
	assert_int_equal(s->nevents, recover ? 4 : 3);
	stored = stored_session(t, id, kinds, sizeof(kinds));
	assert_string_equal(kinds, recover ? "start,note,pause,recover" : "start,note,pause");
	json_decref(stored);
	return s;
}

static void test_restore_after_clean_exit(void **state)
{
	struct testdaemon *t = *state;
	int64_t id = previous_run(t, "/w/clean", t->d.boot_id, true);

	restore_and_check(t, id, "/w/clean", false);
}

static void test_restore_after_crash(void **state)
{
	struct testdaemon *t = *state;
	int64_t id = previous_run(t, "/w/crash", t->d.boot_id, false);
	struct session *s = restore_and_check(t, id, "/w/crash", true);

	assert_int_equal(s->events[3].kind, SESSION_EV_RECOVER);
	assert_false(json_is_true(json_object_get(s->events[3].data, "reboot")));
}

static void test_restore_after_reboot(void **state)
{
	struct testdaemon *t = *state;
	/* A clean exit, but on another boot: the machine was off in between. */
	int64_t id = previous_run(t, "/w/reboot", "another-boot", true);
	struct session *s = restore_and_check(t, id, "/w/reboot", true);

	assert_true(json_is_true(json_object_get(s->events[3].data, "reboot")));
}

/* --- start ------------------------------------------------------------------------------- */

struct started {
	bool called;
	struct session *s;
	const char *code; /* a string constant of protocol.h */
	char err[512];
};

static void started(void *arg, struct session *s, const char *code, const char *err)
{
	struct started *r = arg;

	assert_false(r->called);
	r->called = true;
	r->s = s;
	r->code = code;
	snprintf(r->err, sizeof(r->err), "%s", err ? err : "");
	if (!code) {
		/* Committed and applied: the start is on record before anyone hears of it. */
		assert_true(s->id > 0);
		assert_int_equal(s->state, SESSION_ACTIVE);
	}
}

static struct started start_in(struct testdaemon *t, const char *cwd, const char *focus)
{
	struct sessions_start_opts o = {.cwd = cwd, .focus = focus};
	struct started r = {0};

	assert_int_equal(sessions_start(&t->d, &o, started, &r), 0);
	assert_false(r.called);
	testdaemon_run(t);
	assert_true(r.called);
	return r;
}

static void test_start_in_git_repo(void **state)
{
	struct testdaemon *t = *state;
	char repo[PATH_MAX], sub[PATH_MAX + 8], kinds[128];
	struct started r, again;
	json_t *stored, *base;

	testdaemon_git_repo(t, "repo", repo);
	snprintf(sub, sizeof(sub), "%s/src", repo);
	assert_int_equal(mkdir(sub, 0755), 0);
	r = start_in(t, sub, "a focus");
	if (r.code)
		fail_msg("start failed: %s: %s", r.code, r.err);
	assert_string_equal(r.s->root, repo);
	assert_string_equal(r.s->name, "repo");
	assert_string_equal(r.s->branch, "main");
	assert_string_equal(r.s->focus, "a focus");
	assert_false(r.s->busy);
	assert_ptr_equal(sessions_find_cwd(&t->d, sub), r.s);
	/* The baseline the statistics are measured from, in memory and on record. */
	assert_non_null(r.s->baseline);
	assert_int_equal(strlen(json_string_value(json_object_get(r.s->baseline, "tree"))), 40);
	assert_string_equal(json_string_value(json_object_get(r.s->baseline, "branch")), "main");
	stored = stored_session(t, r.s->id, kinds, sizeof(kinds));
	assert_string_equal(kinds, "start");
	base = json_object_get(
	    json_object_get(json_array_get(json_object_get(stored, "events"), 0), "data"),
	    "baseline");
	assert_true(json_equal(base, r.s->baseline));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(stored, "row"), "branch")), "main");
	json_decref(stored);

	/* A second start in the same repository names the open session. */
	again = start_in(t, repo, NULL);
	assert_string_equal(again.code, PROTO_ERR_ALREADY_RUNNING);
	assert_ptr_equal(again.s, r.s);
	assert_ptr_equal(t->d.sessions, r.s);
	assert_null(r.s->next);
}

static void test_start_in_plain_dir(void **state)
{
	struct testdaemon *t = *state;
	char dir[PATH_MAX], missing[PATH_MAX + 16], kinds[128];
	struct started r;
	json_t *stored;

	testdaemon_mkdir(t, "plain", dir);
	r = start_in(t, dir, NULL);
	if (r.code)
		fail_msg("start failed: %s: %s", r.code, r.err);
	assert_string_equal(r.s->root, dir);
	assert_string_equal(r.s->name, "plain");
	assert_null(r.s->branch);
	assert_null(r.s->baseline);
	assert_null(r.s->focus);
	stored = stored_session(t, r.s->id, kinds, sizeof(kinds));
	assert_string_equal(kinds, "start");
	assert_null(json_object_get(
	    json_object_get(json_array_get(json_object_get(stored, "events"), 0), "data"),
	    "baseline"));
	json_decref(stored);

	/* A directory that is not there: nothing is linked or stored. */
	snprintf(missing, sizeof(missing), "%s/missing", t->dir);
	r = start_in(t, missing, NULL);
	assert_string_equal(r.code, PROTO_ERR_BAD_PATH);
	assert_null(r.s);
	assert_null(sessions_find_root(&t->d, missing));
	stored = testdaemon_stored_open(t);
	assert_int_equal(json_array_size(stored), 1);
	json_decref(stored);
}

/* --- stop and cancel ---------------------------------------------------------------------- */

struct stopped {
	struct testdaemon *t;
	bool called;
	char code[32];
	char err[1024];
	char state[16];
	char log[PATH_MAX];
	bool linked; /* the session was still linked while done ran */
	json_t *session;
};

static void stopped(void *arg, const struct sessions_stop_result *r)
{
	struct stopped *o = arg;

	assert_false(o->called);
	o->called = true;
	snprintf(o->code, sizeof(o->code), "%s", r->code ? r->code : "");
	snprintf(o->err, sizeof(o->err), "%s", r->err ? r->err : "");
	snprintf(o->state, sizeof(o->state), "%s", r->state ? r->state : "");
	snprintf(o->log, sizeof(o->log), "%s", r->log_path ? r->log_path : "");
	o->linked = r->s && sessions_find_id(&o->t->d, r->s->id) == r->s;
	o->session = json_incref(r->session);
	assert_false(r->commit_tried);
}

static struct stopped stop(struct testdaemon *t, struct session *s,
			   const struct sessions_stop_opts *o)
{
	struct stopped r = {.t = t};

	assert_int_equal(sessions_stop(&t->d, s, o, stopped, &r), 0);
	/* Busy at once: nothing else runs on the session while it stops. */
	assert_true(s->busy);
	assert_false(r.called);
	assert_int_equal(sessions_stop(&t->d, s, o, stopped, &r), -1);
	testdaemon_run(t);
	assert_true(r.called);
	return r;
}

static struct session *started_session(struct testdaemon *t, const char *name)
{
	char dir[PATH_MAX];
	struct started r;

	testdaemon_mkdir(t, name, dir);
	r = start_in(t, dir, "the focus");
	if (r.code)
		fail_msg("start failed: %s: %s", r.code, r.err);
	return r.s;
}

/* The one closed session: its state and log. */
static void expect_closed(struct testdaemon *t, int64_t id, const char *state, const char *log)
{
	json_t *closed = testdaemon_stored_closed(t), *row = json_array_get(closed, 0);

	assert_int_equal(json_array_size(closed), 1);
	assert_int_equal(json_integer_value(json_object_get(row, "id")), id);
	assert_string_equal(json_string_value(json_object_get(row, "state")), state);
	if (log)
		assert_string_equal(json_string_value(json_object_get(row, "log")), log);
	else
		assert_true(json_is_null(json_object_get(row, "log")));
	json_decref(closed);
	closed = testdaemon_stored_open(t);
	assert_int_equal(json_array_size(closed), 0);
	json_decref(closed);
}

static void test_stop_no_log(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = started_session(t, "nolog");
	int64_t id = s->id;
	struct sessions_stop_opts o = {.no_log = true};
	struct stopped r = stop(t, s, &o);

	assert_string_equal(r.code, "");
	assert_string_equal(r.state, "stopped");
	assert_string_equal(r.log, "");
	assert_true(r.linked);
	assert_string_equal(json_string_value(json_object_get(r.session, "state")), "stopped");
	json_decref(r.session);
	assert_null(sessions_find_id(&t->d, id));
	assert_null(t->d.sessions);
	expect_closed(t, id, "stopped", NULL);
}

static void test_stop_writes_log(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = started_session(t, "logged");
	int64_t id = s->id;
	struct sessions_stop_opts o = {.summary = "Did the thing."};
	struct trace tr = {.t = t, .s = s, .id = id};
	char want[PATH_MAX + 64], day[16], *text;
	struct stopped r;
	int64_t started_ms;

	assert_int_equal(
	    sessions_append(&t->d, s, SESSION_EV_NOTE,
			    json_pack("{s:s, s:s}", "text", "a note for the log", "kind", "note"),
			    appended, &tr),
	    0);
	testdaemon_run(t);
	assert_string_equal(tr.steps, "done");
	started_ms = s->events[0].at.wall_ms;
	r = stop(t, s, &o);
	assert_string_equal(r.code, "");
	assert_string_equal(r.state, "stopped");
	assert_true(r.linked);
	time_format_local(started_ms, "%Y-%m-%d", day, sizeof(day));
	snprintf(want, sizeof(want), "%s/logs/logged/%s.md", t->dir, day);
	assert_string_equal(r.log, want);
	assert_string_equal(json_string_value(json_object_get(r.session, "log")), want);
	json_decref(r.session);
	assert_null(sessions_find_id(&t->d, id));
	expect_closed(t, id, "stopped", want);
	/* Its summary notification waits for main's hook. */
	assert_int_equal(json_array_size(t->d.closed), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(t->d.closed, 0), "log")), want);

	text = testdaemon_read_file(want);
	if (strncmp(text, "# Session: the focus\n", 21) != 0 || !strstr(text, "Did the thing.") ||
	    !strstr(text, "a note for the log"))
		fail_msg("the log lacks the title, summary or note:\n%s", text);
	free(text);
}

static void test_stop_fails_then_keeps_summary(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = started_session(t, "kept");
	struct sessions_stop_opts o = {.summary = "Typed once."};
	char blocker[PATH_MAX + 16], *text;
	struct stopped r;
	json_t *closed;

	/* A file where the log directory should be: the write fails, for root too. */
	snprintf(blocker, sizeof(blocker), "%s/blocker", t->dir);
	testutil_write_file(t->dir, "blocker", "");
	testdaemon_config(t, "[log]\ndir = %s/{repo_name}\n", blocker);
	r = stop(t, s, &o);
	assert_string_equal(r.code, PROTO_ERR_LOG_FAILED);
	assert_non_null(strstr(r.err, "summary kept"));
	assert_null(r.session);
	/* Still open, free again, nothing closed on record. */
	assert_ptr_equal(sessions_find_cwd(&t->d, s->root), s);
	assert_false(s->busy);
	assert_true(r.linked);
	closed = testdaemon_stored_closed(t);
	assert_int_equal(json_array_size(closed), 0);
	json_decref(closed);

	testdaemon_config(t, "[log]\ndir = %s/logs\n", t->dir);
	o.summary = NULL;
	r = stop(t, s, &o);
	assert_string_equal(r.code, "");
	json_decref(r.session);
	text = testdaemon_read_file(r.log);
	if (!strstr(text, "Typed once."))
		fail_msg("the kept summary is not in the log:\n%s", text);
	free(text);
}

static void test_cancel(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = started_session(t, "cancelled");
	int64_t id = s->id;
	struct sessions_stop_opts o = {.cancel = true, .summary = "ignored"};
	struct stopped r = stop(t, s, &o);
	char logs[PATH_MAX + 8];

	assert_string_equal(r.code, "");
	assert_string_equal(r.state, "cancelled");
	assert_string_equal(r.log, "");
	assert_string_equal(json_string_value(json_object_get(r.session, "state")), "cancelled");
	json_decref(r.session);
	assert_null(sessions_find_id(&t->d, id));
	expect_closed(t, id, "cancelled", NULL);
	/* No log, no summary notification. */
	assert_int_equal(json_array_size(t->d.closed), 0);
	snprintf(logs, sizeof(logs), "%s/logs", t->dir);
	assert_int_equal(access(logs, F_OK), -1);
}

#ifdef STINT_TEST_HOOKS
/* --- the store fails (STINT_TEST_STORE_FAIL_FILE) ----------------------------------------- */

static void appended_failed(void *arg, struct session *s, int status, const char *err)
{
	struct trace *tr = arg;

	assert_int_equal(status, -1);
	assert_non_null(strstr(err, "test hook"));
	/* Not applied; still busy while done runs. */
	assert_int_equal(s->nevents, 1);
	assert_true(s->busy);
	trace_add(tr, "failed");
}

static void test_store_failures(void **state)
{
	struct testdaemon *t = *state;
	struct session *s = started_session(t, "failing");
	struct trace tr = {.t = t, .s = s, .id = s->id};
	struct test_waiter w = {.tr = &tr, .name = "w", .w.run = waiter_run};
	struct sessions_stop_opts o = {.summary = "Kept across the failure."};
	char fail[PATH_MAX + 8], other[PATH_MAX], logs[PATH_MAX + 16], *text;
	struct started r;
	struct stopped st;
	json_t *stored;

	snprintf(fail, sizeof(fail), "%s/fail", t->dir);
	testutil_write_file(t->dir, "fail", "insert append\nclose\n");
	setenv("STINT_TEST_STORE_FAIL_FILE", fail, 1);

	/* A start that cannot be recorded leaves nothing behind. */
	testdaemon_mkdir(t, "other", other);
	r = start_in(t, other, NULL);
	assert_string_equal(r.code, PROTO_ERR_STORE_FAILED);
	assert_non_null(strstr(r.err, "test hook"));
	assert_null(r.s);
	assert_null(sessions_find_root(&t->d, other));
	assert_ptr_equal(t->d.sessions, s);
	assert_null(s->next);

	/* An event that cannot be recorded is not applied; the session is free again after. */
	assert_int_equal(sessions_append(&t->d, s, SESSION_EV_NOTE,
					 json_pack("{s:s}", "text", "lost"), appended_failed, &tr),
			 0);
	sessions_wait(s, &w.w);
	testdaemon_run(t);
	assert_string_equal(tr.steps, "failed,w");
	assert_true(w.found);
	assert_false(s->busy);
	assert_int_equal(s->nevents, 1);

	/* A stop that cannot be recorded: the session stays open and its log is removed. */
	st = stop(t, s, &o);
	assert_string_equal(st.code, PROTO_ERR_STORE_FAILED);
	assert_non_null(strstr(st.err, "test hook"));
	assert_true(st.linked);
	assert_false(s->busy);
	snprintf(logs, sizeof(logs), "%s/logs/failing", t->dir);
	assert_int_equal(rmdir(logs), 0); /* empty: the written log was removed */
	stored = testdaemon_stored_closed(t);
	assert_int_equal(json_array_size(stored), 0);
	json_decref(stored);

	/* The store works again: the next stop closes it, with the summary typed before. */
	unlink(fail);
	o.summary = NULL;
	st = stop(t, s, &o);
	unsetenv("STINT_TEST_STORE_FAIL_FILE");
	assert_string_equal(st.code, "");
	json_decref(st.session);
	text = testdaemon_read_file(st.log);
	if (!strstr(text, "Kept across the failure.") || strstr(text, "lost"))
		fail_msg("the log lacks the kept summary or has the lost note:\n%s", text);
	free(text);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_find, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_then_waiters_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_waiter_that_claims_stops_the_queue, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_retire_runs_waiters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restore_after_clean_exit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restore_after_crash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restore_after_reboot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_in_git_repo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_in_plain_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_no_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_writes_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_fails_then_keeps_summary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
#ifdef STINT_TEST_HOOKS
	    cmocka_unit_test_setup_teardown(test_store_failures, setup, teardown),
#endif
	};
	int rc;

	testdaemon_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	testdaemon_global_shutdown();
	return rc;
}
