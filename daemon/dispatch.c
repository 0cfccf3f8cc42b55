#include "dispatch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "autostart.h"
#include "checks.h"
#include "ctl.h"
#include "deadline.h"
#include "gitstats.h"
#include "log.h"
#include "logprep.h"
#include "logwriter.h"
#include "notify.h"
#include "repo.h"
#include "stintd.h"
#include "store.h"
#include "template.h"
#include "tmpl.h"
#include "track.h"
#include "version.h"

/* A request waiting for its session's operation in flight to finish. */
struct parked {
	struct parked *next;
	struct ctl_client *cl;
	struct proto_request req;
};

/* One request's journey through the worker pool and the store. */
struct job {
	uv_work_t work;
	struct store_op op;
	struct stintd *d;
	struct ctl_client *cl;
	struct proto_request req;
	struct session *s;
	struct stamp at;
	struct repo_info info;
	json_t *record;
	json_t *baseline;    /* start: taken on the worker; stop: a copy for the final recompute */
	char *exclude;	     /* stop: the log directory when it is inside the repository */
	char *template_path; /* stop: [log] template, or NULL for the built-in one */
	bool commit_log;     /* stop: [log] commit */
	int commit_status;   /* stop: repo_commit_file's result, or -1 when not tried */
	char commit_note[512];
	char *log_dir;
	char date[16];
	char log_path[PATH_MAX];
	char err[512];
	int status;
	const char *auto_how; /* start: an auto-start ("watch", "auto_start"), dated j->at */
};

static json_t *daemon_info(struct stintd *d)
{
	return json_pack("{s:i, s:s, s:I}", "pid", (int)getpid(), "version", STINT_VERSION,
			 "uptime_s",
			 (json_int_t)((time_mono_ns() - d->started_mono_ns) / 1000000000));
}

static void reply_session(struct stintd *d, struct ctl_client *cl, const struct session *s)
{
	struct stamp now;
	json_t *reply = proto_reply_ok();

	stamp_now(&now, d->boot_id);
	json_object_set_new(reply, "session", session_to_json(s, &now));
	ctl_reply(cl, reply);
}

static struct job *job_new(struct stintd *d, struct ctl_client *cl, struct proto_request *req)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		proto_request_release(req);
		ctl_reply_error(cl, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	j->d = d;
	j->cl = cl;
	j->req = *req;
	j->work.data = j;
	j->op.data = j;
	return j;
}

/* Frees the job, then lets a pending shutdown finish if this was the last work. */
static void job_free(struct job *j)
{
	struct stintd *d = j->d;

	if (j->auto_how)
		autostart_start_done(d, j->req.cwd);
	proto_request_release(&j->req);
	repo_info_finish(&j->info);
	json_decref(j->record);
	json_decref(j->baseline);
	free(j->exclude);
	free(j->template_path);
	json_decref(j->op.payload);
	json_decref(j->op.row);
	json_decref(j->op.result);
	free(j->log_dir);
	free(j);
	stintd_maybe_exit(d);
}

static int job_queue(struct job *j, uv_work_cb work, uv_after_work_cb after)
{
	int r = uv_queue_work(j->d->loop, &j->work, work, after);

	if (r == 0)
		j->d->jobs++;
	return r;
}

static void job_dequeued(struct job *j)
{
	j->d->jobs--;
}

/* --- sessions in memory ------------------------------------------------------------------ */

static void session_link(struct stintd *d, struct session *s)
{
	s->prev = NULL;
	s->next = d->sessions;
	if (d->sessions)
		d->sessions->prev = s;
	d->sessions = s;
}

static void session_unlink(struct stintd *d, struct session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		d->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static struct session *find_by_root(struct stintd *d, const char *root)
{
	for (struct session *s = d->sessions; s; s = s->next)
		if (strcmp(s->root, root) == 0)
			return s;
	return NULL;
}

/* The session whose directory is cwd or the nearest one above it. */
static struct session *find_by_cwd(struct stintd *d, const char *cwd)
{
	struct session *best = NULL;
	size_t bestlen = 0;

	for (struct session *s = d->sessions; s; s = s->next) {
		size_t n = strlen(s->root);
		bool inside = strncmp(cwd, s->root, n) == 0 &&
			      (cwd[n] == '\0' || cwd[n] == '/' || (n == 1 && s->root[0] == '/'));

		if (s->state != SESSION_STARTING && inside && n >= bestlen) {
			best = s;
			bestlen = n;
		}
	}
	return best;
}

/* Ends the session's operation and runs the requests that waited for it, in order. */
static void session_release(struct stintd *d, struct session *s)
{
	s->busy = false;
	while (!s->busy && s->parked_head) {
		struct parked *p = s->parked_head;

		s->parked_head = p->next;
		if (!s->parked_head)
			s->parked_tail = NULL;
		dispatch_request(d, p->cl, &p->req);
		free(p);
	}
}

/* Closes the session in memory; requests that waited for it now find it gone. */
static void session_retire(struct stintd *d, struct session *s)
{
	struct parked *p = s->parked_head, *next;

	session_unlink(d, s);
	track_stop(d, s);
	s->parked_head = s->parked_tail = NULL;
	session_destroy(s);
	autostart_sync(d);
	for (; p; p = next) {
		next = p->next;
		dispatch_request(d, p->cl, &p->req);
		free(p);
	}
}

static bool park_if_busy(struct session *s, struct ctl_client *cl, struct proto_request *req)
{
	struct parked *p;

	if (!s->busy)
		return false;
	p = calloc(1, sizeof(*p));
	if (!p)
		return false;
	p->cl = cl;
	p->req = *req;
	if (s->parked_tail)
		s->parked_tail->next = p;
	else
		s->parked_head = p;
	s->parked_tail = p;
	return true;
}

/* --- start ------------------------------------------------------------------------------- */

static void resolve_work(uv_work_t *w)
{
	struct job *j = w->data;

	j->status = repo_resolve(j->req.cwd, &j->info, j->err, sizeof(j->err));
}

/* Worker: the directory, and for a repository the baseline the session is measured from. */
static void start_work(uv_work_t *w)
{
	struct job *j = w->data;
	struct gitstats_baseline base;
	char err[512];

	resolve_work(w);
	/* An auto-start brings the baseline its watch took before the first change. */
	if (j->status < 0 || !j->info.is_git || j->baseline)
		return;
	if (gitstats_baseline(j->info.root, &base, err, sizeof(err)) < 0) {
		/* The session still tracks time; status shows why there are no statistics. */
		log_warnx("cannot take a baseline of %s: %s", j->info.root, err);
		return;
	}
	j->baseline = gitstats_baseline_to_json(&base);
	gitstats_baseline_finish(&base);
}

static void start_committed(struct store_op *op)
{
	struct job *j = op->data;
	struct session *s = j->s;

	if (op->status < 0) {
		ctl_reply_error(j->cl, ERR_STORE_FAILED, "cannot record the start: %s", op->err);
		session_retire(j->d, s);
	} else {
		s->id = op->result_id;
		session_apply(s, "start", &j->at, op->payload);
		s->baseline = j->baseline;
		j->baseline = NULL;
		track_start(j->d, s);
		log_info("session %lld started in %s%s", (long long)s->id, s->root,
			 j->auto_how ? " (auto-start)" : "");
		if (j->info.is_git)
			autostart_note_session(j->d, s->root);
		autostart_sync(j->d);
		reply_session(j->d, j->cl, s);
		session_release(j->d, s);
		deadline_rearm(j->d);
	}
	job_free(j);
}

static void start_resolved(uv_work_t *w, int status)
{
	struct job *j = w->data;
	struct stintd *d = j->d;
	struct session *s;
	json_t *tags;

	job_dequeued(j);
	if (status < 0 || j->status < 0) {
		ctl_reply_error(j->cl, ERR_BAD_PATH, "%s",
				status < 0 ? uv_strerror(status) : j->err);
		goto done;
	}
	if (d->stopping) {
		ctl_reply_error(j->cl, ERR_SHUTTING_DOWN, "stintd is shutting down");
		goto done;
	}
	s = find_by_root(d, j->info.root);
	if (s) {
		json_t *reply = proto_reply_error(ERR_ALREADY_RUNNING,
						  "a session is already open in %s", s->root);
		struct stamp now;

		stamp_now(&now, d->boot_id);
		json_object_set_new(reply, "session", session_to_json(s, &now));
		ctl_reply(j->cl, reply);
		goto done;
	}
	tags = json_array();
	for (size_t i = 0; i < j->req.ntags; i++)
		json_array_append_new(tags, json_string(j->req.tags[i]));
	s = session_create(j->info.root, j->info.name, j->info.branch, j->info.head, j->info.author,
			   j->req.focus, tags);
	if (!s) {
		json_decref(tags);
		ctl_reply_error(j->cl, ERR_INTERNAL, "out of memory");
		goto done;
	}
	s->busy = true;
	s->idle_timeout_ns = config_idle_ns(&d->cfg);
	session_link(d, s);
	j->s = s;
	/* An auto-start is dated from the activity that triggered it, already in j->at. */
	if (!j->auto_how)
		stamp_now(&j->at, d->boot_id);
	j->op.kind = STORE_OP_INSERT_SESSION;
	j->op.row = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "repo", s->root, "repo_name",
			      s->name, "branch", s->branch ? json_string(s->branch) : json_null(),
			      "head", s->head ? json_string(s->head) : json_null(), "author",
			      s->author ? json_string(s->author) : json_null(), "focus",
			      s->focus ? json_string(s->focus) : json_null(), "tags", tags);
	j->op.event = "start";
	j->op.at = j->at;
	if (j->baseline)
		j->op.payload = json_pack("{s:O}", "baseline", j->baseline);
	if (j->auto_how) {
		if (!j->op.payload)
			j->op.payload = json_object();
		json_object_set_new(j->op.payload, "auto", json_string(j->auto_how));
	}
	j->op.done = start_committed;
	store_submit(d->store, &j->op);
	return;
done:
	job_free(j);
}

static void do_start(struct stintd *d, struct ctl_client *cl, struct proto_request *req)
{
	struct job *j = job_new(d, cl, req);

	if (j && job_queue(j, start_work, start_resolved) < 0) {
		ctl_reply_error(cl, ERR_INTERNAL, "cannot queue work");
		job_free(j);
	}
}

void dispatch_auto_start(struct stintd *d, const char *root, const struct stamp *first,
			 const char *how, json_t *baseline)
{
	struct proto_request req = {0};
	struct job *j;

	req.root = json_pack("{s:i, s:s, s:s}", "v", 1, "cmd", "start", "cwd", root);
	if (!req.root) {
		json_decref(baseline);
		autostart_start_done(d, root);
		return;
	}
	req.cmd = CMD_START;
	req.cwd = json_string_value(json_object_get(req.root, "cwd"));
	j = job_new(d, NULL, &req);
	if (!j) {
		json_decref(baseline);
		autostart_start_done(d, root);
		return;
	}
	j->auto_how = how;
	j->at = *first;
	j->baseline = baseline;
	if (job_queue(j, start_work, start_resolved) < 0)
		job_free(j);
}

/* --- events: pause, resume, note, todo, decision ----------------------------------------- */

static void event_committed(struct store_op *op)
{
	struct job *j = op->data;

	if (op->status < 0) {
		ctl_reply_error(j->cl, ERR_STORE_FAILED, "cannot record the %s: %s", op->event,
				op->err);
	} else {
		session_apply(j->s, op->event, &op->at, op->payload);
		reply_session(j->d, j->cl, j->s);
	}
	session_release(j->d, j->s);
	deadline_rearm(j->d);
	job_free(j);
}

static json_t *event_payload(const struct proto_request *req)
{
	json_t *p = json_object();

	switch (req->cmd) {
	case CMD_NOTE:
		json_object_set_new(p, "text", json_string(req->text));
		json_object_set_new(p, "kind", json_string(proto_note_kind_name(req->note_kind)));
		break;
	case CMD_TODO:
		json_object_set_new(p, "text", json_string(req->text));
		json_object_set_new(p, "priority", json_string(proto_priority_name(req->priority)));
		if (req->blocked_by)
			json_object_set_new(p, "blocked_by", json_string(req->blocked_by));
		if (req->next)
			json_object_set_new(p, "next", json_true());
		break;
	case CMD_DECISION:
		json_object_set_new(p, "text", json_string(req->text));
		if (req->why)
			json_object_set_new(p, "why", json_string(req->why));
		break;
	default:
		json_decref(p);
		return NULL;
	}
	return p;
}

static void do_event(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     struct session *s)
{
	const char *kind = proto_cmd_name(req->cmd);
	struct job *j;

	if (req->cmd == CMD_PAUSE && s->state == SESSION_PAUSED) {
		proto_request_release(req);
		ctl_reply_error(cl, ERR_BAD_STATE, "the session in %s is already paused", s->root);
		return;
	}
	if (req->cmd == CMD_RESUME && s->state != SESSION_PAUSED) {
		proto_request_release(req);
		ctl_reply_error(cl, ERR_BAD_STATE, "the session in %s is not paused", s->root);
		return;
	}
	if (req->cmd == CMD_KEEP) {
		struct session_times t;
		struct stamp now;

		stamp_now(&now, d->boot_id);
		session_times(s, &now, &t);
		if (s->state != SESSION_ACTIVE || !t.idle_now) {
			proto_request_release(req);
			ctl_reply_error(cl, ERR_BAD_STATE, "the session in %s is not idle",
					s->root);
			return;
		}
	}
	j = job_new(d, cl, req);
	if (!j)
		return;
	j->s = s;
	s->busy = true;
	j->op.kind = STORE_OP_APPEND_EVENT;
	j->op.session_id = s->id;
	j->op.event = kind;
	j->op.payload = event_payload(&j->req);
	stamp_now(&j->op.at, d->boot_id);
	j->op.done = event_committed;
	store_submit(d->store, &j->op);
}

/* --- stop and cancel --------------------------------------------------------------------- */

/* A stop failed and the session stays open: the user's summary waits for the next stop,
 * which may come without one. The daemon's own (an auto-stop's) is not the user's. */
static void keep_summary(struct job *j)
{
	struct session *s = j->s;

	if (j->req.cmd != CMD_STOP || !j->req.summary || j->req.auto_why)
		return;
	if (!s->kept_summary || strcmp(s->kept_summary, j->req.summary) != 0) {
		free(s->kept_summary);
		s->kept_summary = strdup(j->req.summary);
	}
}

static void close_committed(struct store_op *op)
{
	struct job *j = op->data;
	struct session *s = j->s;
	json_t *reply, *sj;
	char ended[40];

	if (op->status < 0) {
		/* The session stays open: remove the log we wrote, so a retry starts clean. */
		if (j->log_path[0])
			unlink(j->log_path);
		keep_summary(j);
		ctl_reply_error(j->cl, ERR_STORE_FAILED, "cannot record the %s: %s", op->event,
				op->err);
		session_release(j->d, s);
		goto out;
	}
	sj = session_to_json(s, &op->at);
	time_format_rfc3339(op->at.wall_ms, ended, sizeof(ended));
	json_object_set_new(sj, "state", json_string(op->state));
	json_object_set_new(sj, "ended_at", json_string(ended));
	json_object_set_new(sj, "log", j->log_path[0] ? json_string(j->log_path) : json_null());
	reply = proto_reply_ok();
	json_object_set_new(reply, "session", sj);
	if (j->req.cmd == CMD_STOP)
		json_object_set_new(reply, "log",
				    j->log_path[0] ? json_string(j->log_path) : json_null());
	if (j->commit_note[0])
		json_object_set_new(reply, "log_commit",
				    json_pack("{s:b, s:s}", "committed", j->commit_status == 0,
					      "message", j->commit_note));
	log_info("session %lld %s after %llds active%s%s", (long long)s->id, op->state,
		 (long long)op->times.active_s, j->log_path[0] ? "; log " : "", j->log_path);
	notify_session_closed(j->d, s);
	if (j->req.cmd == CMD_STOP)
		notify_summary(j->d, sj, j->log_path[0] ? j->log_path : NULL, j->req.auto_why);
	ctl_reply(j->cl, reply);
	session_retire(j->d, s);
	deadline_rearm(j->d);
out:
	job_free(j);
}

static void close_session(struct job *j, const char *state)
{
	j->op.kind = STORE_OP_CLOSE_SESSION;
	j->op.session_id = j->s->id;
	j->op.event = j->req.cmd == CMD_STOP ? "stop" : "cancel";
	j->op.state = state;
	j->op.at = j->at;
	j->op.log_path = j->log_path[0] ? j->log_path : NULL;
	if (j->log_path[0])
		j->op.payload = json_pack("{s:s}", "log", j->log_path);
	session_times(j->s, &j->at, &j->op.times);
	j->op.done = close_committed;
	store_submit(j->d->store, &j->op);
}

/* Worker: everything that touches the disk or the repository for a stop. */
static void stop_work(uv_work_t *w)
{
	struct job *j = w->data;
	const char *root = json_string_value(json_object_get(j->record, "repo"));
	const char *name = json_string_value(json_object_get(j->record, "repo_name"));
	struct repo_info now;
	char dir[PATH_MAX];
	char *text, *tmpl = NULL;
	int r;

	if (repo_refresh(root, &now) == 0 && now.branch)
		json_object_set_new(j->record, "branch_end", json_string(now.branch));
	repo_info_finish(&now);
	if (j->baseline) {
		struct gitstats_baseline base;
		struct gitstats st;
		char err[512];

		/* The log's numbers are recomputed now, from the repository itself. */
		if (gitstats_baseline_from_json(j->baseline, &base, err, sizeof(err)) == 0) {
			if (gitstats_compute(root, &base, j->exclude, &st, err, sizeof(err)) == 0) {
				json_object_set_new(j->record, "stats", gitstats_to_json(&st));
				if (st.branch)
					json_object_set_new(j->record, "branch_end",
							    json_string(st.branch));
				gitstats_finish(&st);
			} else {
				log_warnx("git statistics for %s at stop: %s", root, err);
				json_object_set_new(j->record, "stats_error", json_string(err));
			}
			gitstats_baseline_finish(&base);
		}
	}
	r = logwriter_expand_dir(j->log_dir, root, name, dir, sizeof(dir));
	if (r < 0) {
		snprintf(j->err, sizeof(j->err), "bad [log] dir \"%s\": %s", j->log_dir,
			 strerror(-r));
		j->status = r;
		return;
	}
	json_object_set_new(j->record, "log_dir", json_string(dir));
	logprep_fill(j->record, dir);
	if (j->template_path) {
		r = logprep_read_template(j->template_path, &tmpl, j->err, sizeof(j->err));
		if (r < 0) {
			j->status = r;
			return;
		}
	}
	text = template_render_with(j->record, tmpl, j->template_path, j->err, sizeof(j->err));
	free(tmpl);
	if (!text) {
		j->status = -EINVAL;
		return;
	}
	j->status = logwriter_write(dir, j->date, text, j->log_path, sizeof(j->log_path), j->err,
				    sizeof(j->err));
	if (j->status < 0)
		j->log_path[0] = '\0';
	if (j->status == 0 && j->commit_log && j->exclude) {
		char msg[64];

		snprintf(msg, sizeof(msg), "Session log %s\n", j->date);
		j->commit_status = repo_commit_file(root, j->log_path, msg, j->commit_note,
						    sizeof(j->commit_note));
		if (j->commit_status == 0)
			snprintf(j->commit_note, sizeof(j->commit_note), "committed the log on %s",
				 json_string_value(json_object_get(j->record, "branch_end"))
				     ?: "HEAD");
	}
	free(text);
}

static void stop_written(uv_work_t *w, int status)
{
	struct job *j = w->data;

	job_dequeued(j);
	if (status < 0 || j->status < 0) {
		log_warnx("cannot write the log of session %lld: %s", (long long)j->s->id,
			  status < 0 ? uv_strerror(status) : j->err);
		keep_summary(j);
		ctl_reply_error(j->cl, ERR_LOG_FAILED,
				"cannot write the session log: %s (the session "
				"is still open%s; fix that and run stop again)",
				status < 0 ? uv_strerror(status) : j->err,
				j->s->kept_summary ? " and its summary kept" : "");
		session_release(j->d, j->s);
		job_free(j);
		return;
	}
	/* The reply and the summary notification show the log's numbers, not older live ones. */
	if (json_is_object(json_object_get(j->record, "stats"))) {
		json_decref(j->s->stats);
		j->s->stats = json_incref(json_object_get(j->record, "stats"));
	}
	close_session(j, "stopped");
}

/* The [checks] ran (loop thread): their results go into the record, then the log is written. */
static void stop_checks_done(void *arg, json_t *results)
{
	struct job *j = arg;
	struct stintd *d = j->d;

	d->jobs--;
	j->s->checks_run = NULL;
	if (d->stopping) {
		/* Cancelled by shutdown: no log with half-run checks; the session stays open. */
		json_decref(results);
		ctl_reply_error(j->cl, ERR_SHUTTING_DOWN,
				"stintd is shutting down; the session stays open");
		session_release(d, j->s);
		job_free(j);
		return;
	}
	json_object_set_new(j->record, "checks", results ? results : json_array());
	if (job_queue(j, stop_work, stop_written) < 0) {
		ctl_reply_error(j->cl, ERR_INTERNAL, "cannot queue work");
		session_release(d, j->s);
		job_free(j);
	}
}

/* "a\n\nb", malloc'd, or NULL. */
static char *join_text(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 3);

	if (s) {
		memcpy(s, a, na);
		memcpy(s + na, "\n\n", 2);
		memcpy(s + na + 2, b, nb + 1);
	}
	return s;
}

static void do_close(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     struct session *s)
{
	struct job *j = job_new(d, cl, req);
	const char *summary;
	char *joined = NULL;

	if (!j)
		return;
	j->s = s;
	s->busy = true;
	stamp_now(&j->at, d->boot_id);
	if (j->req.cmd == CMD_CANCEL || j->req.no_log) {
		close_session(j, j->req.cmd == CMD_CANCEL ? "cancelled" : "stopped");
		return;
	}
	/* An auto-stop says so after the summary a failed stop kept, not instead of it. */
	summary = j->req.summary ? j->req.summary : s->kept_summary;
	if (j->req.auto_why && s->kept_summary) {
		joined = j->req.summary ? join_text(s->kept_summary, j->req.summary) : NULL;
		summary = joined ? joined : s->kept_summary;
	}
	j->record = session_to_record(s, &j->at, summary);
	free(joined);
	j->log_dir = strdup(d->cfg.log_dir);
	j->template_path =
	    d->cfg.log_template && *d->cfg.log_template ? strdup(d->cfg.log_template) : NULL;
	j->commit_log = d->cfg.log_commit;
	j->commit_status = -1;
	j->baseline = s->baseline ? json_deep_copy(s->baseline) : NULL;
	j->exclude = track_exclude_dir(d, s);
	/* A stop that fails must not lose the last statistics: keep them as a fallback. */
	if (j->record && s->stats)
		json_object_set_new(j->record, "stats", json_deep_copy(s->stats));
	if (j->record)
		json_object_set_new(j->record, "max_file_rows",
				    json_integer(d->cfg.log_max_file_rows));
	if (j->record && json_object_get(s->baseline, "tree"))
		json_object_set(j->record, "baseline_tree", json_object_get(s->baseline, "tree"));
	time_format_local(s->events[0].at.wall_ms, "%Y-%m-%d", j->date, sizeof(j->date));
	if (j->record && j->log_dir && d->cfg.checks.n > 0) {
		struct checks_run *run = NULL;
		int r = checks_run(d->loop, s->root, d->cfg.checks.entries, d->cfg.checks.n,
				   d->cfg.check_timeout_s, stop_checks_done, j, &run);

		if (r == 0) {
			/* Shutdown waits for the checks (and cancels them). */
			d->jobs++;
			s->checks_run = run;
			return;
		}
		ctl_reply_error(cl, ERR_INTERNAL, "cannot run the checks: %s", strerror(-r));
		session_release(d, s);
		job_free(j);
		return;
	}
	if (!j->record || !j->log_dir || job_queue(j, stop_work, stop_written) < 0) {
		ctl_reply_error(cl, ERR_INTERNAL, "cannot prepare the log");
		session_release(d, s);
		job_free(j);
	}
}

/* --- list, status, ping ------------------------------------------------------------------ */

static void list_done(struct store_op *op)
{
	struct job *j = op->data;

	if (op->status < 0) {
		ctl_reply_error(j->cl, ERR_STORE_FAILED, "cannot read sessions: %s", op->err);
	} else {
		json_t *reply = proto_reply_ok();

		json_object_set(reply, "sessions", op->result);
		ctl_reply(j->cl, reply);
	}
	job_free(j);
}

static void list_resolved(uv_work_t *w, int status)
{
	struct job *j = w->data;

	job_dequeued(j);
	if (status < 0 || j->status < 0) {
		ctl_reply_error(j->cl, ERR_BAD_PATH, "%s",
				status < 0 ? uv_strerror(status) : j->err);
		job_free(j);
		return;
	}
	j->op.repo = j->info.root;
	store_submit(j->d->store, &j->op);
}

static void do_list(struct stintd *d, struct ctl_client *cl, struct proto_request *req)
{
	struct job *j = job_new(d, cl, req);

	if (!j)
		return;
	j->op.kind = STORE_OP_LIST;
	j->op.limit = j->req.limit;
	j->op.done = list_done;
	if (!j->req.cwd) {
		store_submit(d->store, &j->op);
		return;
	}
	if (job_queue(j, resolve_work, list_resolved) < 0) {
		ctl_reply_error(cl, ERR_INTERNAL, "cannot queue work");
		job_free(j);
	}
}

static void do_status(struct stintd *d, struct ctl_client *cl, const struct proto_request *req)
{
	json_t *reply = proto_reply_ok(), *arr = json_array();
	struct session *only = req->cwd ? find_by_cwd(d, req->cwd) : NULL;
	struct stamp now;

	stamp_now(&now, d->boot_id);
	for (struct session *s = d->sessions; s; s = s->next) {
		if (s->state == SESSION_STARTING || (req->cwd && s != only))
			continue;
		json_array_append_new(arr, session_to_json(s, &now));
	}
	json_object_set_new(reply, "sessions", arr);
	json_object_set_new(reply, "daemon", daemon_info(d));
	notify_status(d, reply);
	ctl_reply(cl, reply);
}

void dispatch_request(struct stintd *d, struct ctl_client *cl, struct proto_request *req)
{
	struct session *s;

	switch (req->cmd) {
	case CMD_PING: {
		json_t *reply = proto_reply_ok();

		json_object_set_new(reply, "daemon", daemon_info(d));
		proto_request_release(req);
		ctl_reply(cl, reply);
		return;
	}
	case CMD_STATUS:
		do_status(d, cl, req);
		proto_request_release(req);
		return;
	case CMD_LIST:
		do_list(d, cl, req);
		return;
	case CMD_START:
		do_start(d, cl, req);
		return;
	case CMD_NOTIFY_TEST:
		proto_request_release(req);
		notify_test(d, cl);
		return;
	case CMD_WATCH:
	case CMD_UNWATCH:
	case CMD_WATCHED:
		autostart_request(d, cl, req);
		return;
	default:
		break;
	}
	s = find_by_cwd(d, req->cwd);
	if (!s) {
		ctl_reply_error(cl, ERR_NO_SESSION, "no open session in %s", req->cwd);
		proto_request_release(req);
		return;
	}
	if (park_if_busy(s, cl, req))
		return;
	switch (req->cmd) {
	case CMD_STOP:
	case CMD_CANCEL:
		do_close(d, cl, req, s);
		break;
	case CMD_PAUSE:
	case CMD_RESUME:
	case CMD_KEEP:
	case CMD_NOTE:
	case CMD_TODO:
	case CMD_DECISION:
		do_event(d, cl, req, s);
		break;
	default:
		proto_request_release(req);
		ctl_reply_error(cl, ERR_INTERNAL, "unhandled command");
	}
}

void dispatch_internal(struct stintd *d, enum proto_cmd cmd, const char *cwd, const char *summary,
		       const char *auto_why)
{
	struct proto_request req = {0};
	json_t *root = proto_request_new(cmd);

	if (!root || json_object_set_new(root, "cwd", json_string(cwd)) < 0 ||
	    (summary && json_object_set_new(root, "summary", json_string(summary)) < 0)) {
		json_decref(root);
		log_warnx("out of memory for a %s of %s", proto_cmd_name(cmd), cwd);
		return;
	}
	req.cmd = cmd;
	req.cwd = json_string_value(json_object_get(root, "cwd"));
	req.summary = json_string_value(json_object_get(root, "summary"));
	req.auto_why = auto_why;
	req.root = root;
	dispatch_request(d, NULL, &req);
}

/* --- restore at start-up ----------------------------------------------------------------- */

static int stamp_from_json(json_t *ev, struct stamp *st)
{
	const char *boot_id = json_string_value(json_object_get(ev, "boot_id"));

	if (!boot_id)
		return -1;
	st->mono_ns = json_integer_value(json_object_get(ev, "mono"));
	st->boot_ns = json_integer_value(json_object_get(ev, "boot"));
	st->wall_ms = json_integer_value(json_object_get(ev, "wall"));
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id);
	return 0;
}

int dispatch_restore(void *arg, json_t *row, json_t *events)
{
	struct stintd *d = arg;
	struct session *s;
	json_t *ev;
	size_t i;

	if (json_array_size(events) == 0) {
		log_warnx("store: session %lld has no events; skipping it",
			  (long long)json_integer_value(json_object_get(row, "id")));
		return 0;
	}
	s = session_create(
	    json_string_value(json_object_get(row, "repo")),
	    json_string_value(json_object_get(row, "repo_name")),
	    json_string_value(json_object_get(row, "branch")),
	    json_string_value(json_object_get(row, "head")),
	    json_string_value(json_object_get(row, "author")),
	    json_string_value(json_object_get(row, "focus")),
	    json_is_array(json_object_get(row, "tags")) ? json_object_get(row, "tags") : NULL);
	if (!s)
		return -1;
	s->id = json_integer_value(json_object_get(row, "id"));
	s->idle_timeout_ns = config_idle_ns(&d->cfg);
	json_array_foreach(events, i, ev)
	{
		struct stamp st;
		json_t *data = json_object_get(ev, "data");

		if (stamp_from_json(ev, &st) < 0 ||
		    session_apply(s,
				  json_string_value(json_object_get(ev, "kind"))
				      ? json_string_value(json_object_get(ev, "kind"))
				      : "unknown",
				  &st, json_is_object(data) ? data : NULL) < 0) {
			session_destroy(s);
			return -1;
		}
	}
	ev = s->nevents ? s->events[0].data : NULL;
	if (json_is_object(json_object_get(ev, "baseline")))
		s->baseline = json_incref(json_object_get(ev, "baseline"));
	session_link(d, s);
	track_start(d, s);
	log_info("restored session %lld in %s", (long long)s->id, s->root);
	return 0;
}
