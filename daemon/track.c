#include "track.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "deadline.h"
#include "gitstats.h"
#include "log.h"
#include "logwriter.h"
#include "repo_watch.h"
#include "session.h"
#include "stintd.h"
#include "store.h"

struct compute_job {
	uv_work_t work;
	struct stintd *d;
	int64_t session_id;
	char *root;
	char *exclude;
	json_t *baseline; /* a private copy: the worker parses it */
	json_t *result;
	int status;
	char err[512];
};

struct event_job {
	struct store_op op;
	struct stintd *d;
};

static struct session *find_by_id(struct stintd *d, int64_t id)
{
	for (struct session *s = d->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

char *track_exclude_dir(const struct stintd *d, const struct session *s)
{
	char dir[PATH_MAX];
	size_t n = strlen(s->root);

	if (!d->cfg.log_dir ||
	    logwriter_expand_dir(d->cfg.log_dir, s->root, s->name, dir, sizeof(dir)) < 0)
		return NULL;
	if (strncmp(dir, s->root, n) != 0 || (dir[n] != '/' && dir[n] != '\0'))
		return NULL;
	return strdup(dir);
}

static void compute_work(uv_work_t *w)
{
	struct compute_job *j = w->data;
	struct gitstats_baseline base;
	struct gitstats st;

	j->status = gitstats_baseline_from_json(j->baseline, &base, j->err, sizeof(j->err));
	if (j->status < 0)
		return;
	j->status = gitstats_compute(j->root, &base, j->exclude, &st, j->err, sizeof(j->err));
	gitstats_baseline_finish(&base);
	if (j->status < 0)
		return;
	j->result = gitstats_to_json(&st);
	gitstats_finish(&st);
}

static void event_done(struct store_op *op)
{
	struct event_job *e = op->data;
	struct stintd *d = e->d;

	json_decref(op->payload);
	free(e);
	stintd_maybe_exit(d);
}

static void append_event(struct stintd *d, struct session *s, const char *kind, json_t *payload)
{
	struct event_job *e = calloc(1, sizeof(*e));

	if (!e) {
		json_decref(payload);
		return;
	}
	e->d = d;
	e->op.kind = STORE_OP_APPEND_EVENT;
	e->op.session_id = s->id;
	e->op.event = kind;
	e->op.payload = payload;
	e->op.done = event_done;
	e->op.data = e;
	stamp_now(&e->op.at, d->boot_id);
	/*
	 * Applied at once, so the next recompute does not record it twice. These events are derived
	 * from the repository: should the write fail, a restarted daemon finds them again.
	 */
	session_apply(s, kind, &e->op.at, payload);
	store_submit(d->store, &e->op);
	deadline_rearm(d);
}

static bool commit_recorded(const struct session *s, const char *oid)
{
	for (size_t i = 0; i < s->nevents; i++)
		if (strcmp(s->events[i].kind, "commit") == 0 &&
		    strcmp(json_string_value(json_object_get(s->events[i].data, "oid")) ?: "",
			   oid) == 0)
			return true;
	return false;
}

/* The branch as the timeline last saw it, and the commits pulled so far. */
static const char *recorded_branch(const struct session *s, json_int_t *pulled)
{
	const char *branch = s->branch;

	*pulled = 0;
	for (size_t i = 0; i < s->nevents; i++) {
		if (strcmp(s->events[i].kind, "branch") == 0)
			branch = json_string_value(json_object_get(s->events[i].data, "to"));
		else if (strcmp(s->events[i].kind, "pull") == 0)
			*pulled +=
			    json_integer_value(json_object_get(s->events[i].data, "commits"));
	}
	return branch;
}

/*
 * What a recompute found that the timeline lacks, as events. Compared with the session's events,
 * not with the previous recompute, so a restarted daemon neither repeats nor loses any.
 */
static void record_changes(struct stintd *d, struct session *s, json_t *now)
{
	json_t *commits = json_object_get(now, "commit_list"), *c;
	const char *to = json_string_value(json_object_get(now, "branch"));
	json_int_t pulled, pulled_now = json_integer_value(json_object_get(now, "pulled"));
	const char *from = recorded_branch(s, &pulled);

	if (to && from && strcmp(from, to) != 0)
		append_event(d, s, "branch", json_pack("{s:s, s:s}", "from", from, "to", to));
	if (pulled_now > pulled)
		append_event(d, s, "pull", json_pack("{s:I}", "commits", pulled_now - pulled));
	/* Oldest first, so the timeline reads in order; commits are listed newest first. */
	for (size_t i = json_array_size(commits); i-- > 0;) {
		const char *oid;

		c = json_array_get(commits, i);
		oid = json_string_value(json_object_get(c, "oid"));
		if (oid && !commit_recorded(s, oid))
			append_event(d, s, "commit", json_deep_copy(c));
	}
}

static void compute_start(struct stintd *d, struct session *s);

static void compute_done(uv_work_t *w, int status)
{
	struct compute_job *j = w->data;
	struct stintd *d = j->d;
	struct session *s = find_by_id(d, j->session_id);

	d->jobs--;
	if (s) {
		s->computing = false;
		if (status < 0 || j->status < 0) {
			const char *why = status < 0 ? uv_strerror(status) : j->err;

			if (!s->stats_error || strcmp(s->stats_error, why) != 0)
				log_warnx("git statistics for %s: %s", s->root, why);
			free(s->stats_error);
			s->stats_error = strdup(why);
		} else {
			free(s->stats_error);
			s->stats_error = NULL;
			record_changes(d, s, j->result);
			json_decref(s->stats);
			s->stats = j->result;
			j->result = NULL;
		}
		if (s->compute_again && !d->stopping) {
			s->compute_again = false;
			compute_start(d, s);
		}
	}
	json_decref(j->baseline);
	json_decref(j->result);
	free(j->root);
	free(j->exclude);
	free(j);
	stintd_maybe_exit(d);
}

static void compute_start(struct stintd *d, struct session *s)
{
	struct compute_job *j;

	if (!s->baseline || d->stopping)
		return;
	if (s->computing) {
		s->compute_again = true;
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->d = d;
	j->session_id = s->id;
	j->root = strdup(s->root);
	j->exclude = track_exclude_dir(d, s);
	j->baseline = json_deep_copy(s->baseline);
	j->work.data = j;
	if (!j->root || !j->baseline ||
	    uv_queue_work(d->loop, &j->work, compute_work, compute_done) < 0) {
		json_decref(j->baseline);
		free(j->root);
		free(j->exclude);
		free(j);
		return;
	}
	d->jobs++;
	s->computing = true;
}

struct watch_ctx {
	struct stintd *d;
	int64_t session_id;
	bool touched_now; /* this report's files were recorded by on_touched */
};

static void on_changed(void *arg, unsigned what)
{
	struct watch_ctx *c = arg;
	struct session *s = find_by_id(c->d, c->session_id);

	if (!s)
		return;
	log_debug("repository %s changed (%s%s%s)", s->root, what & REPO_WATCH_WORKTREE ? "w" : "",
		  what & REPO_WATCH_GITDIR ? "g" : "", what & REPO_WATCH_RESCAN ? "r" : "");
	/* Staging, fetches and the like are activity too; touched files were recorded already. */
	if ((what & REPO_WATCH_GITDIR) && !c->touched_now)
		append_event(c->d, s, "activity", NULL);
	c->touched_now = false;
	s->last_activity_ms = time_wall_ms();
	compute_start(c->d, s);
}

static void on_touched(void *arg, const struct repo_watch_touch *t, size_t n)
{
	struct watch_ctx *c = arg;
	struct session *s = find_by_id(c->d, c->session_id);
	int64_t now_ms = time_wall_ms(), now_ns = time_mono_ns();

	json_t *paths;

	if (!s || n == 0)
		return;
	paths = json_object();
	for (size_t i = 0; i < n; i++) {
		/* Monotonic age turned into a wall-clock label. */
		int64_t at = now_ms - (now_ns - t[i].mono_ns) / 1000000;

		json_object_set_new(paths, t[i].path, json_integer(at));
	}
	/* One event per settled burst: the store keeps when each file was last touched. */
	append_event(c->d, s, "touched", json_pack("{s:o}", "paths", paths));
	c->touched_now = true;
}

static void on_gone(void *arg)
{
	struct watch_ctx *c = arg;
	struct session *s = find_by_id(c->d, c->session_id);

	if (s)
		log_warnx("the repository of session %lld (%s) is gone; keeping what is known",
			  (long long)s->id, s->root);
}

static const struct repo_watch_ops watch_ops = {
    .changed = on_changed,
    .touched = on_touched,
    .gone = on_gone,
};

void track_start(struct stintd *d, struct session *s)
{
	struct watch_ctx *c;

	if (!s->baseline || s->watch || !d->watcher)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->d = d;
	c->session_id = s->id;
	s->watch = repo_watch_add(d->watcher, s->root, NULL, NULL, &watch_ops, c);
	if (!s->watch) {
		free(c);
		return;
	}
	s->watch_ctx = c;
	compute_start(d, s);
}

void track_stop(struct stintd *d, struct session *s)
{
	(void)d;
	repo_watch_remove(s->watch);
	s->watch = NULL;
	free(s->watch_ctx);
	s->watch_ctx = NULL;
}
