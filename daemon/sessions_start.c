#include "sessions_start.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "gitstats.h"
#include "gitstats_keep.h"
#include "log.h"
#include "protocol.h"
#include "repo.h"
#include "sessions.h"
#include "sessions_kept.h"
#include "stintd.h"
#include "store.h"
#include "store_history.h"
#include "store_overlap.h"
#include "timeutil.h"

/* One start's journey: the directory and baseline on a worker, then the store. */
struct sessions_start_job {
	struct stintd_work work;
	struct store_op op;
	struct stintd *d;
	sessions_start_fn done;
	void *arg;
	char *cwd;
	char *focus;
	json_t *tags;
	const char *auto_how;
	struct stamp at;
	struct session *s;
	struct repo_info info;
	json_t *baseline; /* taken on the worker, or an auto-start's */
	int64_t at_ms;	  /* start --at, or 0 */
	int64_t overlap;  /* a session of the repository that [at_ms, now) meets, or 0 */
	int status;
	char err[512];
};

static void sessions_start_job_free(struct sessions_start_job *j)
{
	free(j->cwd);
	free(j->focus);
	json_decref(j->tags);
	repo_info_finish(&j->info);
	/* Still here: no session took it. */
	sessions_kept_release(j->d, j->baseline);
	json_decref(j->baseline);
	json_decref(j->op.payload);
	json_decref(j->op.row);
	free(j);
}

/* Worker: does start --at's stretch meet a closed session of the repository? (An open one is
 * refused as already running.) The message names it with its times. */
static void sessions_start_overlap(struct sessions_start_job *j)
{
	int64_t id = 0, started, ended, now = time_wall_ms();
	char other[STORE_OVERLAP_SAY_MAX];
	int r = store_overlap_find(j->d->store, j->info.root, j->at_ms, now, 0, now, &id, j->err,
				   sizeof(j->err));

	if (r < 0) {
		j->status = r;
		return;
	}
	if (r == 0 ||
	    store_history_span(j->d->store, id, &started, &ended, j->err, sizeof(j->err)) < 0 ||
	    ended < 0)
		return;
	j->overlap = id;
	store_overlap_say(id, j->info.name, started, ended, other, sizeof(other));
	snprintf(j->err, sizeof(j->err), "the session would overlap %s", other);
}

/* Worker: the directory, and for a repository the baseline the session is measured from. */
static void sessions_start_work(uv_work_t *w)
{
	struct sessions_start_job *j = w->data;
	struct gitstats_baseline base;
	char err[512], dir[PATH_MAX];

	j->status = repo_resolve(j->cwd, &j->info, j->err, sizeof(j->err));
	if (j->status == 0 && j->at_ms > 0)
		sessions_start_overlap(j);
	if (j->status < 0 || !j->info.is_git)
		return;
	/* An auto-start brings the baseline its watch took before the first change. */
	if (j->baseline ? gitstats_baseline_from_json(j->baseline, &base, err, sizeof(err)) < 0
			: gitstats_baseline(j->info.root, &base, err, sizeof(err)) < 0) {
		/* The session still tracks time; status shows why there are no statistics. */
		log_warnx("cannot take a baseline of %s: %s", j->info.root, err);
		return;
	}
	sessions_kept_dir(j->d, dir, sizeof(dir));
	if (gitstats_keep(j->info.root, &base, dir, err, sizeof(err)) < 0)
		log_warnx("cannot keep the baseline of %s out of git gc's reach: %s", j->info.root,
			  err);
	json_decref(j->baseline);
	j->baseline = gitstats_baseline_to_json(&base);
	gitstats_baseline_finish(&base);
}

static void sessions_start_committed(struct store_op *op)
{
	struct sessions_start_job *j = op->data;
	struct session *s = j->s;

	if (op->status < 0) {
		char err[600];

		snprintf(err, sizeof(err), "cannot record the start: %s", op->err);
		j->done(j->arg, NULL, PROTO_ERR_STORE_FAILED, err);
		sessions_retire(j->d, s);
	} else {
		s->id = op->result_id;
		session_apply(s, SESSION_EV_START, &j->at, op->payload);
		s->baseline = j->baseline;
		j->baseline = NULL;
		log_info("session %lld started in %s%s", (long long)s->id, s->root,
			 j->auto_how ? " (auto-start)" : "");
		/* Before the reply: what status shows changed (the status snapshot follows). */
		stintd_changed(j->d);
		j->done(j->arg, s, NULL, NULL);
		sessions_release(j->d, s);
	}
	sessions_start_job_free(j);
}

/* The store's row and start event for the new session. */
static void sessions_start_op(struct sessions_start_job *j, struct session *s)
{
	j->op.kind = STORE_OP_INSERT_SESSION;
	j->op.row = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:O}", "repo", s->root, "repo_name",
			      s->name, "branch", s->branch ? json_string(s->branch) : json_null(),
			      "head", s->head ? json_string(s->head) : json_null(), "author",
			      s->author ? json_string(s->author) : json_null(), "focus",
			      s->focus ? json_string(s->focus) : json_null(), "tags", j->tags);
	j->op.event = session_event_name(SESSION_EV_START);
	j->op.at = j->at;
	/* The idle timeout it starts with: a later change of the config judges only what follows
	 * (SESSION_EV_IDLE_TIMEOUT). */
	j->op.payload = json_pack("{s:I}", "idle_timeout_s",
				  (json_int_t)(config_idle_ns(&j->d->cfg) / 1000000000));
	if (j->baseline && j->op.payload)
		json_object_set(j->op.payload, "baseline", j->baseline);
	/* start --at: the row starts then, the event says so (session_apply dates it back). */
	if (j->at_ms > 0) {
		if (!j->op.payload)
			j->op.payload = json_object();
		json_object_set_new(j->op.payload, "at", json_integer(j->at_ms));
		json_object_set_new(j->op.row, "started_wall", json_integer(j->at_ms));
	}
	if (j->auto_how) {
		if (!j->op.payload)
			j->op.payload = json_object();
		json_object_set_new(j->op.payload, "auto", json_string(j->auto_how));
	}
	j->op.done = sessions_start_committed;
	j->op.data = j;
}

static void sessions_start_resolved(uv_work_t *w, int status)
{
	struct sessions_start_job *j = w->data;
	struct stintd *d = j->d;
	struct session *s;

	if (status < 0 || j->status < 0) {
		j->done(j->arg, NULL, PROTO_ERR_BAD_PATH,
			status < 0 ? uv_strerror(status) : j->err);
		goto done;
	}
	if (d->stopping) {
		j->done(j->arg, NULL, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
		goto done;
	}
	s = sessions_find_root(d, j->info.root);
	if (s) {
		char err[PATH_MAX + 64];

		snprintf(err, sizeof(err), "a session is already open in %s", s->root);
		j->done(j->arg, s, PROTO_ERR_ALREADY_RUNNING, err);
		goto done;
	}
	if (j->overlap) {
		j->done(j->arg, NULL, PROTO_ERR_OVERLAP, j->err);
		goto done;
	}
	s = session_create(j->info.root, j->info.name, j->info.branch, j->info.head, j->info.author,
			   j->focus, j->tags);
	if (!s) {
		j->done(j->arg, NULL, PROTO_ERR_INTERNAL, "out of memory");
		goto done;
	}
	s->idle_timeout_ns = config_idle_ns(&d->cfg);
	sessions_link(d, s);
	sessions_claim(d, s);
	j->s = s;
	/* An auto-start is dated from the activity that triggered it, already in j->at. */
	if (!j->auto_how)
		session_stamp_now(&j->at, d->boot_id);
	sessions_start_op(j, s);
	store_submit(d->store, &j->op);
	return;
done:
	sessions_start_job_free(j);
}

int sessions_start(struct stintd *d, const struct sessions_start_opts *o, sessions_start_fn done,
		   void *arg)
{
	struct sessions_start_job *j = calloc(1, sizeof(*j));

	if (!j) {
		json_decref(o->baseline);
		return -1;
	}
	j->d = d;
	j->done = done;
	j->arg = arg;
	j->baseline = o->baseline;
	j->auto_how = o->auto_how;
	j->at = o->auto_at;
	j->at_ms = o->at_ms;
	j->cwd = strdup(o->cwd);
	j->focus = o->focus ? strdup(o->focus) : NULL;
	j->tags = json_array();
	for (size_t i = 0; j->tags && i < o->ntags; i++)
		json_array_append_new(j->tags, json_string(o->tags[i]));
	if (!j->cwd || !j->tags || (o->focus && !j->focus) ||
	    stintd_queue_work(d, &j->work, j, sessions_start_work, sessions_start_resolved) < 0) {
		sessions_start_job_free(j);
		return -1;
	}
	return 0;
}
