#include "autostart.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "ctl.h"
#include "dispatch.h"
#include "gitstats.h"
#include "log.h"
#include "logwriter.h"
#include "repo.h"
#include "repo_watch.h"
#include "session.h"
#include "stintd.h"
#include "store.h"

/* [time] auto_start covers repositories with a session started this recently. */
#define RECENT_MS (30LL * 24 * 3600 * 1000)

/* A repository in the watched set, for stint watch, auto_start or reminders. */
struct watched {
	struct watched *next;
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
	/* The report being delivered: touched paths other than stint's logs. */
	bool touched, saw_work;
};

struct autostart {
	struct watched *repos;
	autostart_unattended_fn unattended;
};

/* One watch, unwatch or load through the worker pool and the store. */
struct wjob {
	uv_work_t work;
	struct store_op op;
	struct stintd *d;
	struct ctl_client *cl;
	struct proto_request req;
	struct repo_info info;
	char root[PATH_MAX];
	int status;
	char err[512];
};

static struct watched *find(struct autostart *a, const char *root)
{
	for (struct watched *w = a->repos; w; w = w->next)
		if (strcmp(w->root, root) == 0)
			return w;
	return NULL;
}

static struct watched *find_or_add(struct stintd *d, const char *root)
{
	struct autostart *a = d->autostart;
	struct watched *w = find(a, root);

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

static void drop_watch(struct watched *w)
{
	repo_watch_remove(w->watch);
	w->watch = NULL;
	json_decref(w->baseline);
	w->baseline = NULL;
}

struct base_job {
	uv_work_t work;
	struct stintd *d;
	char *root;
	json_t *baseline;
};

static void base_work(uv_work_t *work)
{
	struct base_job *j = work->data;
	struct gitstats_baseline base;
	char err[512];

	if (gitstats_baseline(j->root, &base, err, sizeof(err)) < 0) {
		log_warnx("cannot take a baseline of watched %s: %s", j->root, err);
		return;
	}
	j->baseline = gitstats_baseline_to_json(&base);
	gitstats_baseline_finish(&base);
}

static void base_done(uv_work_t *work, int status)
{
	struct base_job *j = work->data;
	struct stintd *d = j->d;
	struct watched *w = d->autostart ? find(d->autostart, j->root) : NULL;

	(void)status;
	d->jobs--;
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
	stintd_maybe_exit(d);
}

/* Takes the baseline an auto-started session will be measured from, on a worker. */
static void take_baseline(struct stintd *d, struct watched *w)
{
	struct base_job *j;

	if (w->baseline_busy || !(j = calloc(1, sizeof(*j))))
		return;
	j->d = d;
	j->root = strdup(w->root);
	j->work.data = j;
	if (!j->root || uv_queue_work(d->loop, &j->work, base_work, base_done) < 0) {
		free(j->root);
		free(j);
		return;
	}
	d->jobs++;
	w->baseline_busy = true;
}

/* Forgets a repository that is neither watched nor recent any more. */
static void maybe_free(struct autostart *a, struct watched *w)
{
	if (w->explicit || w->recent || w->starting)
		return;
	for (struct watched **p = &a->repos; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	drop_watch(w);
	free(w->root);
	free(w);
}

static bool has_session(const struct stintd *d, const char *root)
{
	for (const struct session *s = d->sessions; s; s = s->next)
		if (strcmp(s->root, root) == 0)
			return true;
	return false;
}

/* Whether activity there starts a session, rather than only calling the unattended hook. */
static bool starts_session(const struct stintd *d, const struct watched *w)
{
	return w->explicit || (w->recent && d->cfg.auto_start);
}

static bool wanted(const struct stintd *d, const struct watched *w)
{
	if (d->stopping || w->starting || !d->watcher)
		return false;
	if (!starts_session(d, w) && !(w->recent && d->autostart->unattended))
		return false;
	return !has_session(d, w->root);
}

/* The log directory relative to root when stint writes its logs inside the repository. */
static bool log_dir_inside(const struct stintd *d, const char *root, char *rel, size_t n)
{
	const char *name = strrchr(root, '/');
	char dir[PATH_MAX];
	size_t len = strlen(root);

	if (!d->cfg.log_dir || logwriter_expand_dir(d->cfg.log_dir, root, name ? name + 1 : root,
						    dir, sizeof(dir)) < 0)
		return false;
	if (strncmp(dir, root, len) != 0 || dir[len] != '/')
		return false;
	snprintf(rel, n, "%s", dir + len + 1);
	return true;
}

static void on_touched(void *arg, const struct repo_watch_touch *t, size_t n)
{
	struct watched *w = arg;
	char logs[PATH_MAX] = "";
	bool skip = log_dir_inside(w->d, w->root, logs, sizeof(logs));
	size_t ln = strlen(logs);

	w->touched = true;
	for (size_t i = 0; i < n; i++) {
		/* Stint's own log files are not the user's work. */
		if (skip && strncmp(t[i].path, logs, ln) == 0 &&
		    (t[i].path[ln] == '/' || t[i].path[ln] == '\0'))
			continue;
		w->saw_work = true;
	}
}

static void on_changed(void *arg, unsigned what)
{
	struct watched *w = arg;
	struct stintd *d = w->d;
	bool work = w->saw_work || (what & REPO_WATCH_GITDIR) ||
		    ((what & REPO_WATCH_WORKTREE) && !w->touched);
	int64_t first = repo_watch_report_first(w->watch), delta;
	json_t *base;
	struct stamp at;

	w->touched = w->saw_work = false;
	/* A periodic rescan of a degraded watch is not activity by itself. */
	if (!work || d->stopping)
		return;
	stamp_now(&at, d->boot_id);
	/* The session is dated from the first change of the burst, not from its report. */
	delta = first > 0 && first < at.mono_ns ? at.mono_ns - first : 0;
	at.mono_ns -= delta;
	at.boot_ns -= delta;
	at.wall_ms -= delta / 1000000;
	if (!starts_session(d, w)) {
		if (d->autostart->unattended)
			d->autostart->unattended(d, w->root, at.wall_ms * 1000000);
		return;
	}
	log_info("activity in watched %s (%s): starting a session", w->root,
		 w->explicit ? "stint watch" : "auto_start");
	w->starting = true;
	base = w->baseline;
	w->baseline = NULL;
	drop_watch(w);
	dispatch_auto_start(d, w->root, &at, w->explicit ? "watch" : "auto_start", base);
}

static void on_gone(void *arg)
{
	struct watched *w = arg;

	log_warnx("watched repository %s is gone; not watching it any more", w->root);
}

static const struct repo_watch_ops watch_ops = {
    .changed = on_changed,
    .touched = on_touched,
    .gone = on_gone,
};

void autostart_sync(struct stintd *d)
{
	struct autostart *a = d->autostart;

	if (!a)
		return;
	for (struct watched *w = a->repos; w; w = w->next) {
		bool want = wanted(d, w);

		if (want && !w->watch) {
			w->touched = w->saw_work = false;
			w->watch = repo_watch_add(d->watcher, w->root, NULL, NULL, &watch_ops, w);
			if (w->watch) {
				log_debug("watching %s for activity", w->root);
				if (starts_session(d, w))
					take_baseline(d, w);
			}
		} else if (!want && w->watch) {
			drop_watch(w);
			log_debug("no longer watching %s for activity", w->root);
		}
	}
}

void autostart_note_session(struct stintd *d, const char *root)
{
	struct watched *w;

	if (!d->autostart || !(w = find_or_add(d, root)))
		return;
	w->recent = true;
}

void autostart_start_done(struct stintd *d, const char *root)
{
	struct watched *w = d->autostart ? find(d->autostart, root) : NULL;

	if (w) {
		w->starting = false;
		maybe_free(d->autostart, w);
	}
	autostart_sync(d);
}

void autostart_set_unattended_cb(struct stintd *d, autostart_unattended_fn cb)
{
	if (!d->autostart)
		return;
	d->autostart->unattended = cb;
	autostart_sync(d);
}

/* --- the store --------------------------------------------------------------------------- */

static void wjob_free(struct wjob *j)
{
	struct stintd *d = j->d;

	proto_request_release(&j->req);
	repo_info_finish(&j->info);
	json_decref(j->op.result);
	free(j);
	stintd_maybe_exit(d);
}

static void loaded(struct store_op *op)
{
	struct wjob *j = op->data;
	struct stintd *d = j->d;
	json_t *v;
	size_t i;

	if (op->status < 0 || !d->autostart) {
		if (op->status < 0)
			log_warnx("cannot read the watched repositories: %s", op->err);
		wjob_free(j);
		return;
	}
	json_array_foreach(json_object_get(op->result, "watched"), i, v)
	{
		const char *root = json_string_value(json_object_get(v, "repo"));
		struct watched *w = root ? find_or_add(d, root) : NULL;

		if (w) {
			w->explicit = true;
			w->added_ms = json_integer_value(json_object_get(v, "added"));
		}
	}
	json_array_foreach(json_object_get(op->result, "recent"), i, v)
	{
		if (json_string_value(v))
			autostart_note_session(d, json_string_value(v));
	}
	autostart_sync(d);
	wjob_free(j);
}

#ifdef STINT_TEST_HOOKS
/* Test builds: STINT_TEST_UNATTENDED installs a hook that only logs, for the integration test. */
static void test_unattended(struct stintd *d, const char *root, int64_t first_wall_ns)
{
	char when[40];

	(void)d;
	time_format_rfc3339(first_wall_ns / 1000000, when, sizeof(when));
	log_info("unattended activity in %s since %s", root, when);
}
#endif

int autostart_init(struct stintd *d)
{
	struct wjob *j;

	d->autostart = calloc(1, sizeof(*d->autostart));
	j = calloc(1, sizeof(*j));
	if (!d->autostart || !j) {
		free(j);
		return -1;
	}
#ifdef STINT_TEST_HOOKS
	if (getenv("STINT_TEST_UNATTENDED"))
		d->autostart->unattended = test_unattended;
#endif
	j->d = d;
	j->op.kind = STORE_OP_WATCH_LOAD;
	j->op.limit = time_wall_ms() - RECENT_MS;
	j->op.done = loaded;
	j->op.data = j;
	store_submit(d->store, &j->op);
	return 0;
}

void autostart_finish(struct stintd *d)
{
	struct autostart *a = d->autostart;
	struct watched *w, *next;

	if (!a)
		return;
	for (w = a->repos; w; w = next) {
		next = w->next;
		drop_watch(w);
		free(w->root);
		free(w);
	}
	free(a);
	d->autostart = NULL;
}

/* --- requests ---------------------------------------------------------------------------- */

static const char *state_of(const struct stintd *d, const struct watched *w)
{
	if (w->starting || has_session(d, w->root))
		return "session";
	if (w->watch && repo_watch_gone(w->watch))
		return "gone";
	if (w->watch && !repo_watch_ready(w->watch))
		return "preparing";
	return w->watch ? "watching" : "idle";
}

static json_t *watched_json(const struct stintd *d, const struct watched *w)
{
	char since[40];

	if (w->explicit)
		time_format_rfc3339(w->added_ms, since, sizeof(since));
	return json_pack("{s:s, s:s, s:s, s:o}", "repo", w->root, "reason",
			 w->explicit		? "watch"
			 : starts_session(d, w) ? "auto_start"
						: "start_reminder",
			 "state", state_of(d, w), "since",
			 w->explicit ? json_string(since) : json_null());
}

static void watch_committed(struct store_op *op)
{
	struct wjob *j = op->data;
	struct stintd *d = j->d;
	struct watched *w;
	json_t *reply;

	if (op->status < 0) {
		ctl_reply_error(j->cl, ERR_STORE_FAILED, "cannot record the watch: %s", op->err);
		wjob_free(j);
		return;
	}
	w = d->autostart ? find_or_add(d, j->root) : NULL;
	if (!w) {
		ctl_reply_error(j->cl, ERR_INTERNAL, "out of memory");
		wjob_free(j);
		return;
	}
	if (!w->explicit || op->result_id == 1)
		w->added_ms = op->at.wall_ms;
	w->explicit = true;
	autostart_sync(d);
	log_info("watching %s for auto-start", w->root);
	reply = proto_reply_ok();
	json_object_set_new(reply, "added", json_boolean(op->result_id == 1));
	json_object_set_new(reply, "watched", watched_json(d, w));
	ctl_reply(j->cl, reply);
	wjob_free(j);
}

static void resolve_work(uv_work_t *work)
{
	struct wjob *j = work->data;

	j->status = repo_resolve(j->req.cwd, &j->info, j->err, sizeof(j->err));
}

static void watch_resolved(uv_work_t *work, int status)
{
	struct wjob *j = work->data;
	struct stintd *d = j->d;

	d->jobs--;
	if (status < 0 || j->status < 0) {
		ctl_reply_error(j->cl, ERR_BAD_PATH, "%s",
				status < 0 ? uv_strerror(status) : j->err);
		wjob_free(j);
		return;
	}
	if (!j->info.is_git) {
		ctl_reply_error(j->cl, ERR_BAD_PATH,
				"%s is not in a git repository; only repositories can be watched",
				j->req.cwd);
		wjob_free(j);
		return;
	}
	if (d->stopping) {
		ctl_reply_error(j->cl, ERR_SHUTTING_DOWN, "stintd is shutting down");
		wjob_free(j);
		return;
	}
	snprintf(j->root, sizeof(j->root), "%s", j->info.root);
	j->op.kind = STORE_OP_WATCH_ADD;
	j->op.repo = j->root;
	j->op.at.wall_ms = time_wall_ms();
	j->op.done = watch_committed;
	store_submit(d->store, &j->op);
}

static void unwatch_committed(struct store_op *op)
{
	struct wjob *j = op->data;
	struct stintd *d = j->d;
	struct watched *w = d->autostart ? find(d->autostart, j->root) : NULL;
	json_t *reply;

	if (op->status < 0) {
		ctl_reply_error(j->cl, ERR_STORE_FAILED, "cannot record the unwatch: %s", op->err);
		wjob_free(j);
		return;
	}
	if (w) {
		w->explicit = false;
		autostart_sync(d);
		maybe_free(d->autostart, w);
	}
	log_info("no longer watching %s for auto-start", j->root);
	reply = proto_reply_ok();
	json_object_set_new(reply, "repo", json_string(j->root));
	ctl_reply(j->cl, reply);
	wjob_free(j);
}

/* The explicitly watched repository at cwd or nearest above it: a deleted one still matches. */
static struct watched *find_by_cwd(struct autostart *a, const char *cwd, bool explicit)
{
	struct watched *best = NULL;
	size_t bestlen = 0;

	for (struct watched *w = a->repos; w; w = w->next) {
		size_t n = strlen(w->root);

		if (w->explicit != explicit || strncmp(cwd, w->root, n) != 0 ||
		    (cwd[n] != '\0' && cwd[n] != '/'))
			continue;
		if (n >= bestlen) {
			best = w;
			bestlen = n;
		}
	}
	return best;
}

static void do_unwatch(struct stintd *d, struct wjob *j)
{
	struct watched *w = find_by_cwd(d->autostart, j->req.cwd, true);

	if (!w) {
		w = find_by_cwd(d->autostart, j->req.cwd, false);
		if (w && d->cfg.auto_start)
			ctl_reply_error(
			    j->cl, ERR_NOT_WATCHED,
			    "%s is not watched with stint watch; it is watched because it "
			    "had a recent session and [time] auto_start is on",
			    w->root);
		else
			ctl_reply_error(j->cl, ERR_NOT_WATCHED,
					"%s is not watched ('stint watch --list' shows what is)",
					j->req.cwd);
		wjob_free(j);
		return;
	}
	snprintf(j->root, sizeof(j->root), "%s", w->root);
	j->op.kind = STORE_OP_WATCH_REMOVE;
	j->op.repo = j->root;
	j->op.done = unwatch_committed;
	store_submit(d->store, &j->op);
}

static void do_watched(struct stintd *d, struct ctl_client *cl)
{
	json_t *reply = proto_reply_ok(), *arr = json_array();

	/* Those watched for the start reminder too: they cost watches as well. */
	for (struct watched *w = d->autostart->repos; w; w = w->next)
		if (starts_session(d, w) || (w->recent && d->autostart->unattended))
			json_array_append_new(arr, watched_json(d, w));
	json_object_set_new(reply, "repos", arr);
	json_object_set_new(reply, "auto_start", json_boolean(d->cfg.auto_start));
	ctl_reply(cl, reply);
}

void autostart_request(struct stintd *d, struct ctl_client *cl, struct proto_request *req)
{
	struct wjob *j;

	if (!d->autostart) {
		proto_request_release(req);
		ctl_reply_error(cl, ERR_SHUTTING_DOWN, "stintd is shutting down");
		return;
	}
	if (req->cmd == CMD_WATCHED) {
		proto_request_release(req);
		do_watched(d, cl);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		proto_request_release(req);
		ctl_reply_error(cl, ERR_INTERNAL, "out of memory");
		return;
	}
	j->d = d;
	j->cl = cl;
	j->req = *req;
	j->work.data = j;
	j->op.data = j;
	if (req->cmd == CMD_UNWATCH) {
		do_unwatch(d, j);
		return;
	}
	if (uv_queue_work(d->loop, &j->work, resolve_work, watch_resolved) < 0) {
		ctl_reply_error(cl, ERR_INTERNAL, "cannot queue work");
		wjob_free(j);
		return;
	}
	d->jobs++;
}
