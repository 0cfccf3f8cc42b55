#include "watched.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "gitstats.h"
#include "log.h"
#include "logwriter.h"
#include "protocol.h"
#include "repo_watch.h"
#include "sessions.h"
#include "sessions_start.h"
#include "stintd.h"
#include "store.h"

/* [time] auto_start covers repositories with a session started this recently. */
#define WATCHED_RECENT_MS (30LL * 24 * 3600 * 1000)

/* A repository in the watched set, for stint watch, auto_start or reminders. */
struct watched_repo {
	struct watched_repo *next;
	struct stintd *d;
	char *root;
	bool explicit;	  /* stint watch */
	int64_t added_ms; /* when stint watch added it */
	bool recent;	  /* a session was started there in the last 30 days */
	bool starting;	  /* an auto-start is in flight */
	struct repo_watch *watch;
	/* The worktree as the watch began, so the change that starts a session counts in it. */
	json_t *baseline;
	bool baseline_busy;
};

struct watched {
	struct watched_repo *repos;
	watched_unattended_fn unattended;
};

static struct watched_repo *watched_find(struct watched *a, const char *root)
{
	for (struct watched_repo *w = a->repos; w; w = w->next)
		if (strcmp(w->root, root) == 0)
			return w;
	return NULL;
}

static struct watched_repo *watched_find_or_add(struct stintd *d, const char *root)
{
	struct watched *a = d->watched;
	struct watched_repo *w = watched_find(a, root);

	if (w)
		return w;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->root = strdup(root))) {
		free(w);
		return NULL;
	}
	w->d = d;
	w->next = a->repos;
	a->repos = w;
	return w;
}

static void watched_drop_watch(struct watched_repo *w)
{
	repo_watch_remove(w->watch);
	w->watch = NULL;
	json_decref(w->baseline);
	w->baseline = NULL;
}

struct watched_base_job {
	struct stintd_work work;
	struct stintd *d;
	char *root;
	json_t *baseline;
};

static void watched_base_work(uv_work_t *work)
{
	struct watched_base_job *j = work->data;
	struct gitstats_baseline base;
	char err[512];

	if (gitstats_baseline(j->root, &base, err, sizeof(err)) < 0) {
		log_warnx("cannot take a baseline of watched %s: %s", j->root, err);
		return;
	}
	j->baseline = gitstats_baseline_to_json(&base);
	gitstats_baseline_finish(&base);
}

static void watched_base_done(uv_work_t *work, int status)
{
	struct watched_base_job *j = work->data;
	struct stintd *d = j->d;
	struct watched_repo *w = d->watched ? watched_find(d->watched, j->root) : NULL;

	(void)status;
	if (w) {
		w->baseline_busy = false;
		/* Kept only while the watch that asked for it still runs. */
		if (w->watch && !w->baseline) {
			w->baseline = j->baseline;
			j->baseline = NULL;
		}
	}
	json_decref(j->baseline);
	free(j->root);
	free(j);
}

/* Takes the baseline an auto-started session will be measured from, on a worker. */
static void watched_take_baseline(struct stintd *d, struct watched_repo *w)
{
	struct watched_base_job *j;

	if (w->baseline_busy || !(j = calloc(1, sizeof(*j))))
		return;
	j->d = d;
	j->root = strdup(w->root);
	if (!j->root ||
	    stintd_queue_work(d, &j->work, j, watched_base_work, watched_base_done) < 0) {
		free(j->root);
		free(j);
		return;
	}
	w->baseline_busy = true;
}

/* Forgets a repository that is neither watched nor recent any more. */
static void watched_maybe_free(struct watched *a, struct watched_repo *w)
{
	if (w->explicit || w->recent || w->starting)
		return;
	for (struct watched_repo **p = &a->repos; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	watched_drop_watch(w);
	free(w->root);
	free(w);
}

/* Whether activity there starts a session, rather than only calling the unattended hook. */
static bool watched_starts_session(const struct stintd *d, const struct watched_repo *w)
{
	return w->explicit || (w->recent && d->cfg.auto_start);
}

static bool watched_wanted(struct stintd *d, const struct watched_repo *w)
{
	if (d->stopping || w->starting || !d->watcher)
		return false;
	if (!watched_starts_session(d, w) && !(w->recent && d->watched->unattended))
		return false;
	return !sessions_find_root(d, w->root);
}

/*
 * Stint's own logs, when written inside the repository, are not the user's work: editing,
 * committing, checking out or deleting them starts no session.
 */
static void watched_exclude_logs(struct stintd *d, struct watched_repo *w)
{
	const char *name = strrchr(w->root, '/');
	char *dir = logwriter_dir_in_repo(d->cfg.log_dir, w->root, name ? name + 1 : w->root);

	if (dir && repo_watch_exclude(w->watch, dir) < 0)
		log_warnx("cannot leave the logs in %s out of the watch of %s: out of memory", dir,
			  w->root);
	free(dir);
}

/* An auto-start is over (started or not): the repository may be watched again. */
static void watched_start_over(struct stintd *d, const char *root)
{
	struct watched_repo *w = d->watched ? watched_find(d->watched, root) : NULL;

	if (w) {
		w->starting = false;
		watched_maybe_free(d->watched, w);
	}
	stintd_changed(d);
}

struct watched_start {
	struct stintd *d;
	char root[PATH_MAX];
};

static void watched_started(void *arg, struct session *s, const char *code, const char *err)
{
	struct watched_start *ws = arg;

	(void)s;
	if (code && strcmp(code, PROTO_ERR_ALREADY_RUNNING) != 0)
		log_warnx("cannot auto-start a session in %s: %s", ws->root, err);
	watched_start_over(ws->d, ws->root);
	free(ws);
}

/* Starts a session as `stint start` would, dated from the first change, measured from the
 * baseline the watch took before it. */
static void watched_auto_start(struct stintd *d, struct watched_repo *w, const struct stamp *at)
{
	struct sessions_start_opts o = {.cwd = w->root,
					.auto_how = w->explicit ? "watch" : "auto_start",
					.auto_at = *at,
					.baseline = w->baseline};
	struct watched_start *ws = calloc(1, sizeof(*ws));

	log_info("activity in watched %s (%s): starting a session", w->root,
		 w->explicit ? "stint watch" : "auto_start");
	w->starting = true;
	w->baseline = NULL;
	watched_drop_watch(w);
	if (!ws) {
		json_decref(o.baseline);
		watched_start_over(d, w->root);
		return;
	}
	ws->d = d;
	snprintf(ws->root, sizeof(ws->root), "%s", w->root);
	if (sessions_start(d, &o, watched_started, ws) < 0) {
		watched_start_over(d, ws->root);
		free(ws);
	}
}

static void watched_on_changed(void *arg, unsigned what)
{
	struct watched_repo *w = arg;
	struct stintd *d = w->d;
	/* Files or git changed (stint's logs do not count: watched_exclude_logs). */
	bool work = what & (REPO_WATCH_GITDIR | REPO_WATCH_WORKTREE);
	int64_t first = repo_watch_report_first(w->watch), delta;
	struct stamp at;

	/* A periodic rescan of a degraded watch is not activity by itself. */
	if (!work || d->stopping)
		return;
	session_stamp_now(&at, d->boot_id);
	/* The session is dated from the first change of the burst, not from its report. */
	delta = first > 0 && first < at.mono_ns ? at.mono_ns - first : 0;
	at.mono_ns -= delta;
	at.boot_ns -= delta;
	at.wall_ms -= delta / 1000000;
	if (!watched_starts_session(d, w)) {
		if (d->watched->unattended)
			d->watched->unattended(d, w->root, at.wall_ms * 1000000);
		return;
	}
	watched_auto_start(d, w, &at);
}

static void watched_on_gone(void *arg)
{
	struct watched_repo *w = arg;

	log_warnx("watched repository %s is gone; not watching it any more", w->root);
}

static const struct repo_watch_ops watched_watch_ops = {
    .changed = watched_on_changed,
    .gone = watched_on_gone,
};

void watched_sync(struct stintd *d)
{
	struct watched *a = d->watched;

	if (!a)
		return;
	/* A repository with a session open is recent: with auto_start, watched once it closes. */
	for (struct session *s = d->sessions; s; s = s->next) {
		struct watched_repo *w;

		/* Watched with stint watch too: recent all the same, for after an unwatch. */
		if (s->branch && s->state != SESSION_STARTING &&
		    (w = watched_find_or_add(d, s->root)))
			w->recent = true;
	}
	for (struct watched_repo *w = a->repos; w; w = w->next) {
		bool want = watched_wanted(d, w);

		if (want && !w->watch) {
			w->watch =
			    repo_watch_add(d->watcher, w->root, NULL, NULL, &watched_watch_ops, w);
			if (w->watch) {
				watched_exclude_logs(d, w);
				log_debug("watching %s for activity", w->root);
				if (watched_starts_session(d, w))
					watched_take_baseline(d, w);
			}
		} else if (!want && w->watch) {
			watched_drop_watch(w);
			log_debug("no longer watching %s for activity", w->root);
		}
	}
}

void watched_set_unattended_cb(struct stintd *d, watched_unattended_fn cb)
{
	if (!d->watched)
		return;
	d->watched->unattended = cb;
	stintd_changed(d);
}

/* The set in the store. */

/* The watched set's load at start-up. */
struct watched_load {
	struct store_op op;
	struct stintd *d;
};

static void watched_loaded(struct store_op *op)
{
	struct watched_load *j = op->data;
	struct stintd *d = j->d;
	json_t *v;
	size_t i;

	if (op->status < 0)
		log_warnx("cannot read the watched repositories: %s", op->err);
	if (op->status < 0 || !d->watched)
		goto out;
	json_array_foreach(json_object_get(op->result, "watched"), i, v)
	{
		const char *root = json_string_value(json_object_get(v, "repo"));
		struct watched_repo *w = root ? watched_find_or_add(d, root) : NULL;

		if (w) {
			w->explicit = true;
			w->added_ms = json_integer_value(json_object_get(v, "added"));
		}
	}
	json_array_foreach(json_object_get(op->result, "recent"), i, v)
	{
		struct watched_repo *w =
		    json_string_value(v) ? watched_find_or_add(d, json_string_value(v)) : NULL;

		if (w)
			w->recent = true;
	}
	stintd_changed(d);
out:
	json_decref(op->result);
	free(j);
}

#ifdef STINT_TEST_HOOKS
/* Test builds: STINT_TEST_UNATTENDED installs a hook that only logs, for the integration test. */
static void watched_test_unattended(struct stintd *d, const char *root, int64_t first_wall_ns)
{
	char when[40];

	(void)d;
	time_format_rfc3339(first_wall_ns / 1000000, when, sizeof(when));
	log_info("unattended activity in %s since %s", root, when);
}
#endif

int watched_init(struct stintd *d)
{
	struct watched_load *j;

	d->watched = calloc(1, sizeof(*d->watched));
	j = calloc(1, sizeof(*j));
	if (!d->watched || !j) {
		free(j);
		return -1;
	}
#ifdef STINT_TEST_HOOKS
	if (getenv("STINT_TEST_UNATTENDED"))
		d->watched->unattended = watched_test_unattended;
#endif
	j->d = d;
	j->op.kind = STORE_OP_WATCH_LOAD;
	j->op.limit = time_wall_ms() - WATCHED_RECENT_MS;
	j->op.done = watched_loaded;
	j->op.data = j;
	store_submit(d->store, &j->op);
	return 0;
}

void watched_finish(struct stintd *d)
{
	struct watched *a = d->watched;
	struct watched_repo *w, *next;

	if (!a)
		return;
	for (w = a->repos; w; w = next) {
		next = w->next;
		watched_drop_watch(w);
		free(w->root);
		free(w);
	}
	free(a);
	d->watched = NULL;
}

/* What cmd_watch.c asks. */

static const char *watched_state(struct stintd *d, const struct watched_repo *w)
{
	if (w->starting || sessions_find_root(d, w->root))
		return "session";
	if (w->watch && repo_watch_gone(w->watch))
		return "gone";
	if (w->watch && !repo_watch_ready(w->watch))
		return "preparing";
	return w->watch ? "watching" : "idle";
}

static json_t *watched_repo_json(struct stintd *d, const struct watched_repo *w)
{
	char since[40];

	if (w->explicit)
		time_format_rfc3339(w->added_ms, since, sizeof(since));
	return json_pack("{s:s, s:s, s:s, s:o}", "repo", w->root, "reason",
			 w->explicit			? "watch"
			 : watched_starts_session(d, w) ? "auto_start"
							: "start_reminder",
			 "state", watched_state(d, w), "since",
			 w->explicit ? json_string(since) : json_null());
}

json_t *watched_add(struct stintd *d, const char *root, int64_t at_ms, bool is_new)
{
	struct watched_repo *w = d->watched ? watched_find_or_add(d, root) : NULL;

	if (!w)
		return NULL;
	if (!w->explicit || is_new)
		w->added_ms = at_ms;
	w->explicit = true;
	/* The reply shows the watch as it is set up now ("preparing"), not at the next turn. */
	watched_sync(d);
	log_info("watching %s for auto-start", w->root);
	return watched_repo_json(d, w);
}

void watched_remove(struct stintd *d, const char *root)
{
	struct watched_repo *w = d->watched ? watched_find(d->watched, root) : NULL;

	if (w) {
		w->explicit = false;
		watched_maybe_free(d->watched, w);
	}
	stintd_changed(d);
	log_info("no longer watching %s for auto-start", root);
}

const char *watched_lookup(struct stintd *d, const char *cwd, bool explicit)
{
	const struct watched_repo *best = NULL;
	size_t bestlen = 0;

	for (struct watched_repo *w = d->watched ? d->watched->repos : NULL; w; w = w->next) {
		size_t n = strlen(w->root);

		if (w->explicit != explicit || strncmp(cwd, w->root, n) != 0 ||
		    (cwd[n] != '\0' && cwd[n] != '/'))
			continue;
		if (n >= bestlen) {
			best = w;
			bestlen = n;
		}
	}
	return best ? best->root : NULL;
}

json_t *watched_list(struct stintd *d)
{
	json_t *arr = json_array();

	/* Those watched for the start reminder too: they cost watches as well. */
	for (struct watched_repo *w = d->watched ? d->watched->repos : NULL; w; w = w->next)
		if (watched_starts_session(d, w) || (w->recent && d->watched->unattended))
			json_array_append_new(arr, watched_repo_json(d, w));
	return arr;
}
