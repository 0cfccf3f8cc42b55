#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "record.h"

#ifdef STINT_TEST_HOOKS
/*
 * Test builds only: a simulated suspend. The file named by STINT_TEST_SLEPT_FILE holds a number
 * of seconds added to every CLOCK_BOOTTIME reading, as if the machine had slept that long (the
 * monotonic clock, like the kernel's, does not see it). docs/time-accounting.md.
 */
static int64_t session_test_slept_ns(void)
{
	const char *path = getenv("STINT_TEST_SLEPT_FILE");
	long long s = 0;
	FILE *f;

	if (!path || !(f = fopen(path, "re")))
		return 0;
	if (fscanf(f, "%lld", &s) != 1)
		s = 0;
	fclose(f);
	return (int64_t)s * 1000000000;
}
#endif

void session_stamp_now(struct stamp *st, const char *boot_id)
{
	st->mono_ns = time_mono_ns();
	st->boot_ns = time_boot_ns();
#ifdef STINT_TEST_HOOKS
	st->boot_ns += session_test_slept_ns();
#endif
	st->wall_ms = time_wall_ms();
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id);
}

static char *session_strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct session *session_create(const char *root, const char *name, const char *branch,
			       const char *head, const char *author, const char *focus,
			       json_t *tags)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->root = strdup(root);
	s->name = strdup(name);
	s->branch = session_strdup_or_null(branch);
	s->head = session_strdup_or_null(head);
	s->author = session_strdup_or_null(author);
	s->focus = session_strdup_or_null(focus);
	s->tags = tags ? json_incref(tags) : json_array();
	s->state = SESSION_STARTING;
	if (!s->root || !s->name || !s->tags || (branch && !s->branch) || (head && !s->head) ||
	    (author && !s->author) || (focus && !s->focus)) {
		session_destroy(s);
		return NULL;
	}
	return s;
}

void session_destroy(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nevents; i++)
		json_decref(s->events[i].data);
	free(s->events);
	free(s->root);
	free(s->name);
	free(s->branch);
	free(s->head);
	free(s->author);
	free(s->focus);
	json_decref(s->tags);
	json_decref(s->baseline);
	json_decref(s->stats);
	free(s->stats_error);
	json_decref(s->touched);
	json_decref(s->edits);
	free(s);
}

/* Per-file "last touched" stamps; past this many files only known ones are updated. */
#define SESSION_MAX_TOUCHED 20000

static void session_merge_touched(struct session *s, json_t *paths)
{
	const char *path;
	json_t *at;

	if (!json_is_object(paths))
		return;
	if (!s->touched && !(s->touched = json_object()))
		return;
	json_object_foreach(paths, path, at)
	{
		if (json_is_integer(at) && (json_object_size(s->touched) < SESSION_MAX_TOUCHED ||
					    json_object_get(s->touched, path)))
			json_object_set_new(s->touched, path, json_integer(json_integer_value(at)));
	}
}

/* Inserts an event at index i (shifting the later ones); takes a reference to data. */
static int session_insert(struct session *s, size_t i, enum session_event_kind kind,
			  const struct stamp *at, json_t *data)
{
	struct session_event *ev =
	    array_grow(s->events, &s->capevents, s->nevents, sizeof(*ev), 16);

	if (!ev)
		return -ENOMEM;
	s->events = ev;
	memmove(&s->events[i + 1], &s->events[i], (s->nevents - i) * sizeof(*ev));
	s->nevents++;
	memset(&s->events[i], 0, sizeof(*ev));
	s->events[i].kind = kind;
	s->events[i].at = *at;
	s->events[i].data = data ? json_incref(data) : NULL;
	return 0;
}

static void session_stamp_shift(struct stamp *st, int64_t ms)
{
	st->mono_ns += ms * 1000000;
	st->boot_ns += ms * 1000000;
	st->wall_ms += ms;
}

void session_stamp_at(const struct session *s, int64_t wall_ms, struct stamp *out)
{
	size_t base = 0;

	for (size_t i = 0; i < s->nevents; i++)
		if (s->events[i].at.wall_ms <= wall_ms)
			base = i;
	*out = s->events[base].at;
	session_stamp_shift(out, wall_ms - out->wall_ms);
}

bool session_event_is_entry(enum session_event_kind kind)
{
	return kind == SESSION_EV_PAUSE || kind == SESSION_EV_RESUME || kind == SESSION_EV_NOTE ||
	       kind == SESSION_EV_TODO || kind == SESSION_EV_DECISION;
}

int64_t session_first_entry_ms(const struct session *s)
{
	for (size_t i = 1; i < s->nevents; i++)
		if (session_event_is_entry(s->events[i].kind))
			return s->events[i].at.wall_ms;
	return -1;
}

int64_t session_last_entry_ms(const struct session *s)
{
	for (size_t i = s->nevents; i-- > 1;)
		if (session_event_is_entry(s->events[i].kind))
			return s->events[i].at.wall_ms;
	return -1;
}

void session_move_start(struct session *s, int64_t start_ms)
{
	struct stamp old, at;
	json_t *mark;
	size_t k = 1;

	if (s->nevents == 0 || start_ms == s->events[0].at.wall_ms)
		return;
	old = s->events[0].at;
	if (start_ms < old.wall_ms) {
		/* The keep makes the stretch up to the old start active however long it is. */
		mark = json_pack("{s:s}", "correction", "start");
		if (session_insert(s, 1, SESSION_EV_KEEP, &old, mark) == 0)
			session_stamp_shift(&s->events[0].at, start_ms - old.wall_ms);
		json_decref(mark);
		return;
	}
	session_stamp_at(s, start_ms, &at);
	while (k < s->nevents && s->events[k].at.wall_ms <= start_ms)
		json_decref(s->events[k++].data);
	memmove(&s->events[1], &s->events[k], (s->nevents - k) * sizeof(s->events[0]));
	s->nevents -= k - 1;
	s->events[0].at = at;
}

/* An edit: the new focus (a string, or null for none), tags, start; kept for the log. */
static void session_apply_edit(struct session *s, const struct stamp *at, json_t *data)
{
	json_t *focus = json_object_get(data, "focus"), *tags = json_object_get(data, "tags");
	json_t *start = json_object_get(data, "start"), *kept;

	if (json_is_string(focus) || json_is_null(focus)) {
		free(s->focus);
		s->focus = json_is_string(focus) ? strdup(json_string_value(focus)) : NULL;
	}
	if (json_is_array(tags)) {
		json_decref(s->tags);
		s->tags = json_deep_copy(tags);
	}
	if (json_is_integer(start))
		session_move_start(s, json_integer_value(start));
	if (!s->edits)
		s->edits = json_array();
	kept = json_is_object(data) ? json_deep_copy(data) : json_object();
	if (kept) {
		json_object_set_new(kept, "at", json_integer(at->wall_ms));
		json_array_append_new(s->edits, kept);
	}
}

int session_apply(struct session *s, enum session_event_kind kind, const struct stamp *at,
		  json_t *data)
{
	struct session_event *ev;

	if (kind == SESSION_EV_EDIT) {
		session_apply_edit(s, at, data);
		return 0;
	}
	ev = array_grow(s->events, &s->capevents, s->nevents, sizeof(*ev), 16);
	if (!ev)
		return -ENOMEM;
	s->events = ev;
	ev = &s->events[s->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->at = *at;
	ev->data = data ? json_incref(data) : NULL;
	if (at->wall_ms > s->last_activity_ms && kind != SESSION_EV_SLEEP &&
	    kind != SESSION_EV_IDLE_TIMEOUT)
		s->last_activity_ms = at->wall_ms;
	if (kind == SESSION_EV_START && s->nevents == 1 &&
	    json_is_integer(json_object_get(data, "at")))
		session_move_start(s, json_integer_value(json_object_get(data, "at")));
	if (kind == SESSION_EV_START || kind == SESSION_EV_RESUME)
		s->state = SESSION_ACTIVE;
	else if (kind == SESSION_EV_PAUSE)
		s->state = SESSION_PAUSED;
	else if (kind == SESSION_EV_RECOVER)
		s->recovered = true;
	else if (kind == SESSION_EV_TOUCHED)
		session_merge_touched(s, json_object_get(data, "paths"));
	return 0;
}

static const char *const session_event_names[SESSION_EV__COUNT] = {
    [SESSION_EV_UNKNOWN] = "unknown",
    [SESSION_EV_START] = "start",
    [SESSION_EV_STOP] = "stop",
    [SESSION_EV_CANCEL] = "cancel",
    [SESSION_EV_PAUSE] = "pause",
    [SESSION_EV_RESUME] = "resume",
    [SESSION_EV_KEEP] = "keep",
    [SESSION_EV_NOTE] = "note",
    [SESSION_EV_TODO] = "todo",
    [SESSION_EV_DECISION] = "decision",
    [SESSION_EV_COMMIT] = "commit",
    [SESSION_EV_BRANCH] = "branch",
    [SESSION_EV_PULL] = "pull",
    [SESSION_EV_ACTIVITY] = "activity",
    [SESSION_EV_TOUCHED] = "touched",
    [SESSION_EV_SLEEP] = "sleep",
    [SESSION_EV_RECOVER] = "recover",
    [SESSION_EV_EDIT] = "edit",
    [SESSION_EV_IDLE_TIMEOUT] = "idle_timeout",
};

const char *session_event_name(enum session_event_kind kind)
{
	return kind < SESSION_EV__COUNT ? session_event_names[kind] : "unknown";
}

enum session_event_kind session_event_lookup(const char *name)
{
	for (int k = SESSION_EV_UNKNOWN + 1; name && k < SESSION_EV__COUNT; k++)
		if (strcmp(name, session_event_names[k]) == 0)
			return (enum session_event_kind)k;
	return SESSION_EV_UNKNOWN;
}

bool session_event_is_activity(enum session_event_kind kind)
{
	switch (kind) {
	case SESSION_EV_START:
	case SESSION_EV_PAUSE:
	case SESSION_EV_RESUME:
	case SESSION_EV_NOTE:
	case SESSION_EV_TODO:
	case SESSION_EV_DECISION:
	case SESSION_EV_TOUCHED:
	case SESSION_EV_COMMIT:
	case SESSION_EV_BRANCH:
	case SESSION_EV_PULL:
	case SESSION_EV_ACTIVITY:
	case SESSION_EV_KEEP:
		return true;
	default:
		return false;
	}
}

bool session_event_is_work(enum session_event_kind kind)
{
	switch (kind) {
	case SESSION_EV_TOUCHED:
	case SESSION_EV_COMMIT:
	case SESSION_EV_BRANCH:
	case SESSION_EV_PULL:
	case SESSION_EV_ACTIVITY:
		return true;
	default:
		return false;
	}
}

ssize_t session_current_pause(const struct session *s)
{
	if (s->state != SESSION_PAUSED)
		return -1;
	for (size_t i = s->nevents; i-- > 0;)
		if (s->events[i].kind == SESSION_EV_PAUSE)
			return (ssize_t)i;
	return -1;
}

ssize_t session_last_recover(const struct session *s)
{
	for (size_t i = s->nevents; i-- > 0;)
		if (s->events[i].kind == SESSION_EV_RECOVER)
			return (ssize_t)i;
	return -1;
}

static int64_t session_stamp_diff_ns(const struct stamp *a, const struct stamp *b)
{
	if (strcmp(a->boot_id, b->boot_id) == 0)
		return b->boot_ns > a->boot_ns ? b->boot_ns - a->boot_ns : 0;
	return b->wall_ms > a->wall_ms ? (b->wall_ms - a->wall_ms) * 1000000 : 0;
}

static const char *session_commit_id(const json_t *c)
{
	const char *id = json_string_value(json_object_get(c, RECORD_HASH));

	return id ? id : json_string_value(json_object_get(c, RECORD_OID));
}

static bool session_commit_event_in(const struct session *s, size_t from, size_t to, const char *id)
{
	for (size_t i = from; i < to; i++) {
		const char *have = s->events[i].kind == SESSION_EV_COMMIT
				       ? session_commit_id(s->events[i].data)
				       : NULL;

		if (have && strcmp(have, id) == 0)
			return true;
	}
	return false;
}

/*
 * Commits of the live statistics made in [from_ms, to_ms] (commit times are whole seconds) that
 * no commit event between events from and to already counts.
 */
static int64_t session_stats_commits_in(const struct session *s, size_t from, size_t to,
					int64_t from_ms, int64_t to_ms)
{
	const json_t *list = json_object_get(s->stats, RECORD_COMMIT_LIST), *c;
	int64_t n = 0;
	size_t i;

	json_array_foreach(list, i, c)
	{
		const char *id = session_commit_id(c);
		json_int_t t = json_integer_value(json_object_get(c, RECORD_TIME));

		/* A commit dated past 9999 (git takes any date) is no work of this pause. */
		if (t < 0 || t > 253402300799LL)
			continue;
		if (id && t * 1000 + 999 >= from_ms && t * 1000 <= to_ms &&
		    !session_commit_event_in(s, from, to, id))
			n++;
	}
	return n;
}

/*
 * Of a work event reported in a pause, what was done in it: the number of touched files saved at
 * or after since_ms (each with the wall ms it was saved at), or 1 for another kind of work unless
 * git dates it before since_ms (a commit made just before `stint pause` is reported after it).
 * *at_ms is when the earliest of them was done.
 */
static int64_t session_work_since(const struct session_event *ev, int64_t since_ms, int64_t *at_ms)
{
	const json_t *paths = json_object_get(ev->data, "paths"), *t,
		     *git_at = json_object_get(ev->data, RECORD_GIT_AT);
	const char *path;
	int64_t n = 0;

	*at_ms = ev->at.wall_ms;
	if (ev->kind != SESSION_EV_TOUCHED) {
		if (json_is_integer(git_at) && json_integer_value(git_at) < since_ms)
			return 0;
		if (json_is_integer(git_at) && json_integer_value(git_at) < *at_ms)
			*at_ms = json_integer_value(git_at);
		return 1;
	}
	json_object_foreach((json_t *)paths, path, t)
	{
		/* A path without a time is dated by its event. */
		int64_t when = json_is_integer(t) ? json_integer_value(t) : ev->at.wall_ms;

		if (when < since_ms)
			continue;
		n++;
		if (when < *at_ms)
			*at_ms = when;
	}
	return n;
}

bool session_paused_work(const struct session *s, size_t pause, struct session_paused_work *pw)
{
	const struct session_event *first = NULL, *last = NULL;
	int64_t first_ms = 0, at_ms, n;
	size_t end = pause + 1;

	memset(pw, 0, sizeof(*pw));
	if (pause >= s->nevents || s->events[pause].kind != SESSION_EV_PAUSE)
		return false;
	pw->pause_at = s->events[pause].at.wall_ms;
	for (size_t i = pause + 1; i < s->nevents; i++, end++) {
		const struct session_event *ev = &s->events[i];

		if (ev->kind == SESSION_EV_RESUME || ev->kind == SESSION_EV_START ||
		    ev->kind == SESSION_EV_STOP || ev->kind == SESSION_EV_CANCEL)
			break;
		if (!session_event_is_work(ev->kind) ||
		    (n = session_work_since(ev, pw->pause_at, &at_ms)) == 0)
			continue;
		if (!first || at_ms < first_ms) {
			first = ev;
			first_ms = at_ms;
		}
		last = ev;
		if (ev->kind == SESSION_EV_COMMIT)
			pw->commits++;
		else if (ev->kind == SESSION_EV_TOUCHED)
			pw->edits += n;
	}
	/* A commit the timeline has no event for yet (the statistics saw it) counts as well; one
	 * with an event, even before the pause, was weighed by it. */
	pw->commits += session_stats_commits_in(
	    s, 0, end, pw->pause_at, end < s->nevents ? s->events[end].at.wall_ms : INT64_MAX / 2);
	if (!first)
		return false;
	pw->from = first_ms;
	pw->to = last->at.wall_ms;
	/* From the event that reported the first work, less how long before it that was done. */
	pw->seconds = (session_stamp_diff_ns(&first->at, &last->at) +
		       (first->at.wall_ms - first_ms) * 1000000) /
		      1000000000;
	return true;
}

json_t *session_paused_work_json(const struct session *s)
{
	json_t *list = json_array();
	struct session_paused_work pw;

	for (size_t i = 0; list && i < s->nevents; i++)
		if (session_paused_work(s, i, &pw))
			json_array_append_new(
			    list,
			    json_pack("{s:I, s:I, s:I, s:I, s:I}", RECORD_FROM, (json_int_t)pw.from,
				      RECORD_TO, (json_int_t)pw.to, RECORD_SECONDS,
				      (json_int_t)pw.seconds, RECORD_EDITS, (json_int_t)pw.edits,
				      RECORD_COMMITS, (json_int_t)pw.commits));
	return list;
}

/* The stretch of time between two consecutive stamps of the timeline. */
struct span {
	int64_t mono;	/* CLOCK_MONOTONIC elapsed: awake time */
	int64_t wall;	/* CLOCK_BOOTTIME elapsed, or the wall clock across a reboot */
	int64_t asleep; /* boottime beyond monotonic: suspended */
	bool running;	/* not paused */
	bool down;	/* ends at a recovery: the daemon was not running */
	bool reboot;	/* crosses a reboot: the monotonic clocks restarted */
	bool idle;
};

/*
 * Within one boot, awake time advances with CLOCK_MONOTONIC (which stops in suspend) and wall
 * time with CLOCK_BOOTTIME. Across a reboot the monotonic clocks restart: the gap between the last
 * event of the old boot and the first of the new one is never work, and is measured by the wall
 * clock only.
 */
static void session_span_of(const struct stamp *a, const struct stamp *b, struct span *sp)
{
	if (strcmp(a->boot_id, b->boot_id) == 0) {
		sp->mono = b->mono_ns > a->mono_ns ? b->mono_ns - a->mono_ns : 0;
		sp->wall = b->boot_ns > a->boot_ns ? b->boot_ns - a->boot_ns : 0;
		sp->asleep = sp->wall > sp->mono ? sp->wall - sp->mono : 0;
		if (sp->wall < sp->mono)
			sp->wall = sp->mono;
	} else {
		sp->reboot = true;
		sp->wall = b->wall_ms > a->wall_ms ? (b->wall_ms - a->wall_ms) * 1000000 : 0;
	}
}

int64_t session_elapsed_ns(const struct session *s, size_t from, const struct stamp *until)
{
	int64_t sum = 0;
	struct span sp;

	for (size_t i = from + 1; i <= s->nevents; i++) {
		memset(&sp, 0, sizeof(sp));
		session_span_of(&s->events[i - 1].at, i < s->nevents ? &s->events[i].at : until,
				&sp);
		sum += sp.wall;
	}
	return sum;
}

/* down: an idle gap while stintd was not running (RECORD_DOWN), never merged with real idle. */
static void session_add_gap(json_t *gaps, const char *kind, int64_t from_ms, int64_t to_ms,
			    bool down)
{
	json_t *last = json_array_get(gaps, json_array_size(gaps) - 1);

	if (!gaps || to_ms <= from_ms)
		return;
	/* Adjacent gaps of one kind read as one. */
	if (last && strcmp(json_string_value(json_object_get(last, "kind")), kind) == 0 &&
	    json_is_true(json_object_get(last, RECORD_DOWN)) == down &&
	    json_integer_value(json_object_get(last, "to")) >= from_ms) {
		json_object_set_new(last, "to", json_integer(to_ms));
		return;
	}
	last = json_pack("{s:s, s:I, s:I}", "kind", kind, "from", (json_int_t)from_ms, "to",
			 (json_int_t)to_ms);
	if (last && down)
		json_object_set_new(last, RECORD_DOWN, json_true());
	json_array_append_new(gaps, last);
}

/* Whether a is later than b: by the monotonic clock within a boot, else by the wall clock. */
static bool session_stamp_after(const struct stamp *a, const struct stamp *b)
{
	if (strcmp(a->boot_id, b->boot_id) == 0)
		return a->mono_ns > b->mono_ns;
	return a->wall_ms > b->wall_ms;
}

/* How many events come at or before until: a stop dated back (stop --at) leaves out the
 * observations after it. The start always counts. */
static size_t session_events_until(const struct session *s, const struct stamp *until)
{
	size_t n = s->nevents;

	while (n > 1 && session_stamp_after(&s->events[n - 1].at, until))
		n--;
	return n;
}

/* The spans between the events (and `until`), each marked running, down, idle or not: the
 * classification session_times and session_active_spans share. NULL without events. *np gets
 * the number of events folded (session_events_until). */
/* An idle timeout of an event's payload, in ns (0: off); fallback when it has none. */
static int64_t session_idle_field_ns(const struct session_event *ev, const char *key,
				     int64_t fallback)
{
	const json_t *v = json_object_get(ev->data, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT64_MAX / 1000000000)
		return fallback;
	return (int64_t)json_integer_value(v) * 1000000000;
}

/* The idle timeout the session started with: the first change's "was", else the start's own,
 * else (a session from before either was recorded) the one configured now. */
static int64_t session_idle_initial_ns(const struct session *s)
{
	for (size_t i = 0; i < s->nevents; i++)
		if (s->events[i].kind == SESSION_EV_IDLE_TIMEOUT)
			return session_idle_field_ns(&s->events[i], "was_s", s->idle_timeout_ns);
	return s->nevents
		   ? session_idle_field_ns(&s->events[0], "idle_timeout_s", s->idle_timeout_ns)
		   : s->idle_timeout_ns;
}

int64_t session_idle_timeout_ns(const struct session *s)
{
	int64_t t = session_idle_initial_ns(s);

	for (size_t i = 0; i < s->nevents; i++)
		if (s->events[i].kind == SESSION_EV_IDLE_TIMEOUT)
			t = session_idle_field_ns(&s->events[i], "idle_timeout_s", t);
	return t;
}

static struct span *session_classify(const struct session *s, const struct stamp *until,
				     bool *idle_now, int64_t *idle_in, size_t *np)
{
	size_t n = session_events_until(s, until), group = 1;
	struct span *sp;
	bool running = true;
	/* The timeout in effect: a change judges what follows it, never what came before. */
	int64_t timeout = session_idle_initial_ns(s);
	/* A stop dated back into a stretch a keep ends (start --at): the part kept is work. */
	bool tail_kept = n < s->nevents && s->events[n].kind == SESSION_EV_KEEP;

	*idle_now = false;
	*idle_in = -1;
	*np = n;
	if (n == 0 || !(sp = calloc(n, sizeof(*sp))))
		return NULL;
	/* sp[i - 1] is the span from event i - 1 to event i (or to `until` for i == n). */
	for (size_t i = 1; i <= n; i++) {
		const struct stamp *cur = i < n ? &s->events[i].at : until;
		struct span *p = &sp[i - 1];

		session_span_of(&s->events[i - 1].at, cur, p);
		p->running = running;
		p->down = i < n && s->events[i].kind == SESSION_EV_RECOVER && !p->reboot;
		if (i < n) {
			if (s->events[i].kind == SESSION_EV_PAUSE)
				running = false;
			else if (s->events[i].kind == SESSION_EV_RESUME)
				running = true;
		}
		/* A group runs from one activity to the next (or to a change of the timeout): idle
		 * if its awake time is too long. */
		if (i == n || session_event_is_activity(s->events[i].kind) ||
		    s->events[i].kind == SESSION_EV_IDLE_TIMEOUT) {
			int64_t awake = 0;

			for (size_t k = group; k <= i; k++)
				if (sp[k - 1].running && !sp[k - 1].reboot && !sp[k - 1].down)
					awake += sp[k - 1].mono;
			/* "keep" (the idle reminder's Keep): the stretch it ends was work. */
			if (timeout > 0 && awake >= timeout &&
			    !(i < n && s->events[i].kind == SESSION_EV_KEEP) &&
			    !(i == n && tail_kept)) {
				for (size_t k = group; k <= i; k++)
					sp[k - 1].idle = sp[k - 1].running;
				if (i == n)
					*idle_now = running;
			} else if (i == n && running && timeout > 0 && !tail_kept) {
				*idle_in = timeout - awake;
			}
			group = i + 1;
			if (i < n && s->events[i].kind == SESSION_EV_IDLE_TIMEOUT)
				timeout =
				    session_idle_field_ns(&s->events[i], "idle_timeout_s", timeout);
		}
	}
	return sp;
}

void session_times_gaps(const struct session *s, const struct stamp *until, struct session_times *t,
			json_t *gaps)
{
	int64_t active = 0, paused = 0, idle = 0, down = 0, asleep = 0, wall = 0;
	size_t n;
	struct span *sp;

	memset(t, 0, sizeof(*t));
	t->idle_in_ns = -1;
	if (!(sp = session_classify(s, until, &t->idle_now, &t->idle_in_ns, &n)))
		return;
	for (size_t i = 1; i <= n; i++) {
		const struct span *p = &sp[i - 1];
		int64_t from = s->events[i - 1].at.wall_ms;
		int64_t to = i < n ? s->events[i].at.wall_ms : until->wall_ms;

		wall += p->wall;
		if (p->reboot) {
			asleep += p->wall;
			session_add_gap(gaps, "suspend", from, to, false);
			continue;
		}
		asleep += p->asleep;
		if (p->down || (p->idle && p->running)) {
			idle += p->mono;
			down += p->down ? p->mono : 0;
			session_add_gap(gaps, "idle", from, to, p->down);
		} else if (!p->running) {
			paused += p->mono;
		} else {
			active += p->mono;
		}
		/* After logind's "sleep" mark the suspend starts with the span; otherwise where
		 * in the span the machine slept is unknown: shown as ending with it. */
		if (p->asleep >= 60LL * 1000000000 && s->events[i - 1].kind == SESSION_EV_SLEEP)
			session_add_gap(gaps, "suspend", from, from + p->asleep / 1000000, false);
		else if (p->asleep >= 60LL * 1000000000)
			session_add_gap(gaps, "suspend", to - p->asleep / 1000000, to, false);
	}
	free(sp);
	t->active_ns = active;
	t->active_s = active / 1000000000;
	t->paused_s = paused / 1000000000;
	t->idle_s = idle / 1000000000;
	t->down_s = down / 1000000000;
	t->suspended_s = asleep / 1000000000;
	t->wall_s = wall / 1000000000;
	t->paused_ns = paused;
	t->idle_ns = idle;
	t->down_ns = down;
	t->suspended_ns = asleep;
	t->wall_ns = wall;
}

void session_times(const struct session *s, const struct stamp *until, struct session_times *t)
{
	session_times_gaps(s, until, t, NULL);
}

json_t *session_active_spans(const struct session *s, const struct stamp *until)
{
	json_t *list = json_array(), *last;
	struct span *sp;
	bool idle_now, joined = false; /* the span before this one was counted */
	int64_t idle_in;
	int64_t run_from = 0, run_ns = 0; /* the last span's start, and its monotonic length */
	size_t n;

	if (!list || !(sp = session_classify(s, until, &idle_now, &idle_in, &n)))
		return list;
	for (size_t i = 1; i <= n; i++) {
		const struct span *p = &sp[i - 1];
		int64_t from = s->events[i - 1].at.wall_ms;
		int64_t to = i < n ? s->events[i].at.wall_ms : until->wall_ms;
		int64_t ms = p->mono / 1000000;
		bool woke =
		    p->asleep >= 60LL * 1000000000 && s->events[i - 1].kind == SESSION_EV_SLEEP;

		if (p->reboot || p->down || p->idle || !p->running) {
			joined = false;
			continue;
		}
		if (ms <= 0 && (!joined || woke))
			continue;
		/* The awake part of the span: a suspend sits where session_times_gaps shows it. */
		if (woke)
			from = to - ms;
		else
			to = from + ms;
		last = json_array_get(list, json_array_size(list) - 1);
		/* Spans on either side of an event (a note, a commit) are one stretch of work. Each
		 * placed alone is its monotonic length cut to the ms from its event's wall time,
		 * and the two clocks leave a ms or so between them: the stretch is one span
		 * instead, from its first event, as long as the sum of its monotonic lengths. */
		if (last && joined && !woke) {
			run_ns += p->mono;
			json_array_set_new(last, 1, json_integer(run_from + run_ns / 1000000));
		} else if (last && json_integer_value(json_array_get(last, 1)) >= from) {
			json_array_set_new(last, 1, json_integer(to));
			run_from = json_integer_value(json_array_get(last, 0));
			run_ns = (to - run_from) * 1000000;
		} else {
			json_array_append_new(
			    list, json_pack("[I, I]", (json_int_t)from, (json_int_t)to));
			run_from = from;
			run_ns = p->mono;
		}
		joined = true;
	}
	free(sp);
	return list;
}

const char *session_state_name(enum session_state st)
{
	switch (st) {
	case SESSION_STARTING:
		return "starting";
	case SESSION_ACTIVE:
		return "active";
	case SESSION_PAUSED:
		return "paused";
	}
	return "?";
}

static json_t *session_json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static size_t session_count_kind(const struct session *s, enum session_event_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nevents; i++)
		n += s->events[i].kind == kind;
	return n;
}

/* The live repository fields of status: from the last recompute, else from the start. */
static void session_add_git_fields(json_t *j, const struct session *s)
{
	static const char *const counts[] = {RECORD_COMMITS, RECORD_FILES_CHANGED, RECORD_ADDED,
					     RECORD_REMOVED};
	const char *branch = json_string_value(json_object_get(s->stats, RECORD_BRANCH));
	const char *head = json_string_value(json_object_get(s->stats, RECORD_HEAD));
	char when[40];

	if (branch)
		json_object_set_new(j, RECORD_BRANCH, json_string(branch));
	if (!head || !*head)
		head = s->head;
	json_object_set_new(j, RECORD_HEAD, head && *head ? json_string(head) : json_null());
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		json_t *v = json_object_get(s->stats, counts[i]);

		json_object_set_new(j, counts[i],
				    json_is_integer(v) ? json_integer(json_integer_value(v))
				    : s->baseline      ? json_integer(0)
						       : json_null());
	}
	/* The snapshot at the start, and the tree the numbers are measured from now (the baseline
	 * moved forward by pulls): `git diff <measured_from>` shows the session's work. */
	if (json_string_value(json_object_get(s->baseline, "tree")))
		json_object_set_new(
		    j, "baseline",
		    json_string(json_string_value(json_object_get(s->baseline, "tree"))));
	if (json_string_length(json_object_get(s->stats, RECORD_MEASURED_FROM)) > 0)
		json_object_set_new(j, "measured_from",
				    json_string(json_string_value(
					json_object_get(s->stats, RECORD_MEASURED_FROM))));
	time_format_rfc3339(s->last_activity_ms, when, sizeof(when));
	json_object_set_new(j, "last_activity_at", json_string(when));
	if (s->stats_error)
		json_object_set_new(j, "git_error", json_string(s->stats_error));
}

static json_t *session_time_json(int64_t wall_ms)
{
	char when[40];

	time_format_rfc3339(wall_ms, when, sizeof(when));
	return json_string(when);
}

/* What status must not keep quiet about: work seen while paused, and a recovery. */
static void session_add_lost_work_fields(json_t *j, const struct session *s)
{
	ssize_t pause = session_current_pause(s), rec = session_last_recover(s);
	struct session_paused_work pw;

	if (pause >= 0 && session_paused_work(s, (size_t)pause, &pw))
		json_object_set_new(
		    j, RECORD_PAUSED_ACTIVITY,
		    json_pack("{s:o, s:o, s:I, s:I, s:I}", "since", session_time_json(pw.from),
			      "last", session_time_json(pw.to), RECORD_SECONDS,
			      (json_int_t)pw.seconds, RECORD_EDITS, (json_int_t)pw.edits,
			      RECORD_COMMITS, (json_int_t)pw.commits));
	/* The gap runs from the event before the recovery to it. */
	if (rec > 0) {
		json_object_set_new(j, "recovered_at",
				    session_time_json(s->events[rec].at.wall_ms));
		json_object_set_new(j, "down_from",
				    session_time_json(s->events[rec - 1].at.wall_ms));
		json_object_set_new(j, "recovered_reboot",
				    json_boolean(json_is_true(
					json_object_get(s->events[rec].data, RECORD_REBOOT))));
	}
}

json_t *session_to_json(const struct session *s, const struct stamp *now)
{
	struct session_times t;
	char started[40];
	json_t *j;

	session_times(s, now, &t);
	time_format_rfc3339(s->nevents ? s->events[0].at.wall_ms : now->wall_ms, started,
			    sizeof(started));
	j = json_pack("{s:I, s:s, s:s, s:o, s:o, s:O, s:s, s:s, s:n, s:I, s:I, s:I, s:I, s:I, "
		      "s:I, s:b, s:n}",
		      "id", (json_int_t)s->id, "repo", s->root, "repo_name", s->name, "branch",
		      session_json_str_or_null(s->branch), "focus",
		      session_json_str_or_null(s->focus), "tags", s->tags, "state",
		      s->state == SESSION_ACTIVE && t.idle_now ? "idle"
							       : session_state_name(s->state),
		      "started_at", started, "ended_at", "active_s", (json_int_t)t.active_s,
		      "wall_s", (json_int_t)t.wall_s, "paused_s", (json_int_t)t.paused_s, "notes",
		      (json_int_t)session_count_kind(s, SESSION_EV_NOTE), "todos",
		      (json_int_t)session_count_kind(s, SESSION_EV_TODO), "decisions",
		      (json_int_t)session_count_kind(s, SESSION_EV_DECISION), "recovered",
		      s->recovered, "log");
	if (j) {
		json_object_set_new(j, "idle_s", json_integer(t.idle_s));
		json_object_set_new(j, RECORD_DOWN_S, json_integer(t.down_s));
		json_object_set_new(j, "suspended_s", json_integer(t.suspended_s));
		session_add_lost_work_fields(j, s);
		/* Started by activity in a watched repository, not by stint start. */
		json_object_set_new(j, "auto_started",
				    json_boolean(s->nevents && json_string_value(json_object_get(
								   s->events[0].data, "auto"))));
		session_add_git_fields(j, s);
	}
	return j;
}

static json_t *session_event_item(const struct session_event *ev)
{
	json_t *item = ev->data ? json_deep_copy(ev->data) : json_object();

	if (item)
		json_object_set_new(item, "at", json_integer(ev->at.wall_ms));
	return item;
}

json_t *session_to_record(const struct session *s, const struct stamp *stop, const char *summary)
{
	json_t *rec, *notes, *todos, *decisions, *events, *gaps, *e;
	struct session_times t;
	size_t n = session_events_until(s, stop), k;

	gaps = json_array();
	session_times_gaps(s, stop, &t, gaps);
	notes = json_array();
	todos = json_array();
	decisions = json_array();
	events = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct session_event *ev = &s->events[i];
		json_t *item, *timeline;

		/* Touch stamps are folded into "touched" below, not listed one by one; sleep marks
		 * only place the suspend gaps, idle_timeout changes the idle ones; a correction's
		 * keep only marks time as active. */
		if (ev->kind == SESSION_EV_TOUCHED || ev->kind == SESSION_EV_SLEEP ||
		    ev->kind == SESSION_EV_IDLE_TIMEOUT || json_object_get(ev->data, "correction"))
			continue;
		item = session_event_item(ev);

		if (ev->kind == SESSION_EV_NOTE)
			json_array_append(notes, item);
		else if (ev->kind == SESSION_EV_TODO)
			json_array_append(todos, item);
		else if (ev->kind == SESSION_EV_DECISION)
			json_array_append(decisions, item);
		/* In the timeline "kind" is the event's; a note's own kind moves to note_kind. */
		timeline = json_deep_copy(item);
		json_decref(item);
		if (!timeline)
			continue;
		if (json_object_get(timeline, RECORD_KIND))
			json_object_set(timeline, RECORD_NOTE_KIND,
					json_object_get(timeline, RECORD_KIND));
		json_object_set_new(timeline, RECORD_KIND,
				    json_string(session_event_name(ev->kind)));
		json_array_append_new(events, timeline);
	}
	json_array_append_new(events, json_pack("{s:I, s:s}", RECORD_AT, (json_int_t)stop->wall_ms,
						RECORD_KIND, session_event_name(SESSION_EV_STOP)));
	/* The corrections, when they were made (a closed session's come after its stop). */
	json_array_foreach(s->edits, k, e)
	{
		json_t *item = json_deep_copy(e);

		if (item) {
			json_object_set_new(item, RECORD_KIND,
					    json_string(session_event_name(SESSION_EV_EDIT)));
			json_array_append_new(events, item);
		}
	}
	rec = json_pack(
	    "{s:I, s:s, s:s, s:o, s:o, s:o, s:n, s:o, s:o, s:I, s:I, s:I, s:I, s:I, "
	    "s:o, s:o, s:o, s:o, s:o, s:b}",
	    RECORD_ID, (json_int_t)s->id, RECORD_REPO, s->root, RECORD_REPO_NAME, s->name,
	    RECORD_FOCUS, session_json_str_or_null(s->focus), RECORD_TAGS, json_deep_copy(s->tags),
	    RECORD_BRANCH, session_json_str_or_null(s->branch), RECORD_BRANCH_END, RECORD_HEAD,
	    session_json_str_or_null(s->head), RECORD_AUTHOR, session_json_str_or_null(s->author),
	    RECORD_STARTED_AT, (json_int_t)(s->nevents ? s->events[0].at.wall_ms : stop->wall_ms),
	    RECORD_ENDED_AT, (json_int_t)stop->wall_ms, RECORD_ACTIVE_S, (json_int_t)t.active_s,
	    RECORD_WALL_S, (json_int_t)t.wall_s, RECORD_PAUSED_S, (json_int_t)t.paused_s,
	    RECORD_SUMMARY, session_json_str_or_null(summary), RECORD_NOTES, notes, RECORD_TODOS,
	    todos, RECORD_DECISIONS, decisions, RECORD_EVENTS, events, RECORD_RECOVERED,
	    s->recovered);
	if (rec && s->touched)
		json_object_set_new(rec, RECORD_TOUCHED, json_deep_copy(s->touched));
	if (rec) {
		json_t *pw = session_paused_work_json(s);

		json_object_set_new(rec, RECORD_IDLE_S, json_integer(t.idle_s));
		json_object_set_new(rec, RECORD_DOWN_S, json_integer(t.down_s));
		/* A repository always has a branch ("x (unborn)", "detached at ..."). */
		json_object_set_new(rec, RECORD_GIT, json_boolean(s->baseline || s->branch));
		if (json_array_size(pw) > 0)
			json_object_set(rec, RECORD_PAUSED_ACTIVITY, pw);
		json_decref(pw);
		json_object_set_new(rec, RECORD_SUSPENDED_S, json_integer(t.suspended_s));
		json_object_set(rec, RECORD_GAPS, gaps);
	}
	json_decref(gaps);
	return rec;
}
