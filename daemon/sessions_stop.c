#include "sessions_stop.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "checks.h"
#include "gitstats.h"
#include "log.h"
#include "logprep.h"
#include "logrecord.h"
#include "logwriter.h"
#include "protocol.h"
#include "record.h"
#include "repo.h"
#include "sessions.h"
#include "sessions_kept.h"
#include "stintd.h"
#include "stop_memory.h"
#include "store.h"
#include "template.h"
#include "timeutil.h"

/* The summary of a stop that failed (log directory unwritable...), for the next stop. */
struct sessions_stop_kept {
	struct sessions_stop_kept *next;
	int64_t session_id;
	char *summary;
};

/* A record kept in the store (for --regenerate) is at most this long: 8 MiB. */
#define SESSIONS_STOP_RECORD_MAX (8u << 20)

/* One stop or cancel: record → checks → statistics, render, write → store → commit. */
struct sessions_stop_job {
	struct sessions_stop_job *next; /* in d->stops->running */
	struct stintd_work work;
	struct store_op op;
	struct stintd *d;
	struct session *s;
	struct sessions_stop_opts o;
	char *summary;			      /* o.summary's copy */
	char *unattended_by, *unattended_why; /* the copies */
	sessions_stop_fn done;
	void *arg;
	struct stamp at;
	struct checks_run *checks;
	json_t *record;
	json_t *baseline;    /* a copy for the final recompute */
	char *exclude;	     /* the log directory when it is inside the repository */
	char *template_path; /* [log] template, or NULL for the built-in one */
	char *log_dir;
	json_t *handoff;     /* the log's open items, kept by the store (logprep_open_items) */
	char *record_text;   /* the record as rendered, kept by the store for --regenerate */
	json_t *spans;	     /* the active spans, for the log's record line */
	bool commit_log;     /* [log] commit, for a log inside the repository */
	bool commit_pending; /* deferred until the editor is done (o.defer_commit) */
	char commit_msg[256];
	int commit_status; /* repo_commit_file's result, or -1 when not tried */
	char commit_note[512];
	char date[16];
	char log_path[PATH_MAX];
	char err[512];
	int status;
};

struct sessions_stop_state {
	struct sessions_stop_kept *kept;
	struct stop_memory *memory;	   /* unattended stops, log commits waiting for an editor */
	struct sessions_stop_job *running; /* stops whose [checks] run */
};

static struct sessions_stop_state *sessions_stop_state(struct stintd *d)
{
	if (!d->stops)
		d->stops = calloc(1, sizeof(*d->stops));
	return d->stops;
}

static struct sessions_stop_kept **sessions_stop_kept_find(struct stintd *d, int64_t id)
{
	struct sessions_stop_kept **pp;

	if (!sessions_stop_state(d))
		return NULL;
	for (pp = &d->stops->kept; *pp; pp = &(*pp)->next)
		if ((*pp)->session_id == id)
			return pp;
	return pp;
}

static const char *sessions_stop_kept_summary(struct stintd *d, int64_t id)
{
	struct sessions_stop_kept **pp = sessions_stop_kept_find(d, id);

	return pp && *pp ? (*pp)->summary : NULL;
}

static void sessions_stop_kept_drop(struct stintd *d, int64_t id)
{
	struct sessions_stop_kept **pp = sessions_stop_kept_find(d, id), *k;

	if (pp && (k = *pp)) {
		*pp = k->next;
		free(k->summary);
		free(k);
	}
}

/* A stop failed and the session stays open: the user's summary waits for the next stop,
 * which may come without one. The daemon's own (an auto-stop's) is not the user's. */
static void sessions_stop_keep_summary(struct sessions_stop_job *j)
{
	struct sessions_stop_kept **pp, *k;

	if (j->o.cancel || !j->o.summary || j->o.auto_why)
		return;
	pp = sessions_stop_kept_find(j->d, j->s->id);
	if (!pp)
		return;
	if ((k = *pp)) {
		if (strcmp(k->summary, j->o.summary) == 0)
			return;
		free(k->summary);
		k->summary = strdup(j->o.summary);
		if (!k->summary)
			sessions_stop_kept_drop(j->d, j->s->id);
		return;
	}
	k = calloc(1, sizeof(*k));
	if (k && (k->summary = strdup(j->o.summary))) {
		k->session_id = j->s->id;
		*pp = k;
	} else {
		free(k);
	}
}

static void sessions_stop_job_free(struct sessions_stop_job *j)
{
	free(j->summary);
	json_decref(j->o.env);
	free(j->unattended_by);
	free(j->unattended_why);
	json_decref(j->record);
	json_decref(j->baseline);
	free(j->exclude);
	free(j->template_path);
	free(j->log_dir);
	json_decref(j->handoff);
	free(j->record_text);
	json_decref(j->spans);
	json_decref(j->op.payload);
	json_decref(j->op.spans);
	json_decref(j->op.stats);
	free(j);
}

/* The stop failed before it was recorded: the session stays open, and is free again. */
static void sessions_stop_fail(struct sessions_stop_job *j, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sessions_stop_fail(struct sessions_stop_job *j, const char *code, const char *fmt, ...)
{
	struct sessions_stop_result r = {.code = code, .s = j->s, .at = &j->at};
	char err[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	r.err = err;
	r.auto_why = j->o.auto_why;
	j->done(j->arg, &r);
	sessions_release(j->d, j->s);
	sessions_stop_job_free(j);
}

static int sessions_stop_note_closed(struct stintd *d, json_t *session, const char *log_path,
				     const char *auto_why)
{
	json_t *c = json_pack("{s:O, s:s?, s:s?}", "session", session, "log", log_path, "auto_why",
			      auto_why);

	if (!c || (!d->closed && !(d->closed = json_array())))
		return json_decref(c), -1;
	stintd_changed(d);
	return json_array_append_new(d->closed, c);
}

/* A closed session replaces what was remembered for its repository; an unattended stop is
 * remembered for a later `stint stop` there, a deferred commit for the editor's end. */
static void sessions_stop_remember(struct sessions_stop_job *j, struct sessions_stop_result *r)
{
	struct stop_memory **m = &j->d->stops->memory;
	const char *branch = json_string_value(json_object_get(j->record, RECORD_BRANCH_END));

	stop_memory_closed(m, j->s->root);
	if (j->unattended_by && !j->o.cancel &&
	    stop_memory_unattended(m, j->s->root, r->session, r->log_path, j->unattended_by,
				   j->unattended_why, j->at.wall_ms, j->at.boot_ns) < 0)
		log_warnx("out of memory remembering the stop of session %lld",
			  (long long)j->s->id);
	if (!r->commit_pending)
		return;
	if (stop_memory_pend(m, j->s->root, j->log_path, j->commit_msg, branch ? branch : "HEAD",
			     j->at.boot_ns) < 0) {
		r->commit_pending = false;
		r->commit_ok = false;
		snprintf(j->commit_note, sizeof(j->commit_note),
			 "cannot commit the log after editing: out of memory");
	}
}

/* The [checks]' outcomes for the reply, their output left to the log. Nothing when there are
 * none. */
static void sessions_stop_checks_brief(const json_t *record, json_t *session)
{
	static const char *const keys[] = {RECORD_NAME, RECORD_OK,   "exit",	    "signal",
					   "timed_out", "cancelled", RECORD_NOT_RUN};
	json_t *list = json_object_get(record, RECORD_CHECKS), *brief, *c;
	size_t i;

	if (!json_is_array(list) || json_array_size(list) == 0 || !(brief = json_array()))
		return;
	json_array_foreach(list, i, c)
	{
		json_t *b = json_object();

		for (size_t k = 0; b && k < sizeof(keys) / sizeof(*keys); k++)
			if (json_object_get(c, keys[k]))
				json_object_set(b, keys[k], json_object_get(c, keys[k]));
		if (b)
			json_array_append_new(brief, b);
	}
	json_object_set_new(session, "checks", brief);
}

/* Recorded (and the log committed when asked): the caller hears of it, the session goes. */
static void sessions_stop_closed(struct sessions_stop_job *j)
{
	struct sessions_stop_result r = {
	    .s = j->s,
	    .at = &j->at,
	    .state = j->op.state,
	    .log_path = j->log_path[0] ? j->log_path : NULL,
	    .commit_tried = j->commit_note[0] != '\0',
	    .commit_ok = j->commit_status == 0,
	    .commit_pending = j->commit_pending,
	    .commit_note = j->commit_note,
	    .auto_why = j->o.auto_why,
	};

	char ended[40];

	r.session = session_to_json(j->s, &j->at);
	time_format_rfc3339(j->at.wall_ms, ended, sizeof(ended));
	json_object_set_new(r.session, "state", json_string(j->op.state));
	json_object_set_new(r.session, "ended_at", json_string(ended));
	json_object_set_new(r.session, "log", r.log_path ? json_string(r.log_path) : json_null());
	sessions_stop_checks_brief(j->record, r.session);
	log_info("session %lld %s after %llds active%s%s", (long long)j->s->id, j->op.state,
		 (long long)j->op.times.active_s, j->log_path[0] ? "; log " : "", j->log_path);
	sessions_stop_remember(j, &r);
	/* Its summary notification goes out from main's hook. */
	if (!j->o.cancel && sessions_stop_note_closed(j->d, r.session, r.log_path, r.auto_why) < 0)
		log_warnx("out of memory noting the summary of session %lld", (long long)j->s->id);
	/* Gone from what status shows before the reply (the status snapshot follows). */
	j->s->closed = true;
	stintd_changed(j->d);
	j->done(j->arg, &r);
	json_decref(r.session);
	sessions_stop_kept_drop(j->d, j->s->id);
	sessions_kept_release(j->d, j->s->baseline);
	sessions_retire(j->d, j->s);
	sessions_stop_job_free(j);
}

/* Worker: [log] commit, once the stop is on record. */
static void sessions_stop_commit_work(uv_work_t *w)
{
	struct sessions_stop_job *j = w->data;
	const char *root = json_string_value(json_object_get(j->record, RECORD_REPO));

	j->commit_status = repo_commit_file(root, j->log_path, j->commit_msg, j->commit_note,
					    sizeof(j->commit_note));
	if (j->commit_status == 0)
		snprintf(j->commit_note, sizeof(j->commit_note), "committed the log on %s",
			 json_string_value(json_object_get(j->record, RECORD_BRANCH_END))
			     ?: "HEAD");
}

static void sessions_stop_commit_done(uv_work_t *w, int status)
{
	struct sessions_stop_job *j = w->data;

	if (status < 0)
		snprintf(j->commit_note, sizeof(j->commit_note), "cannot commit the log: %s",
			 uv_strerror(status));
	sessions_stop_closed(j);
}

static void sessions_stop_recorded(struct store_op *op)
{
	struct sessions_stop_job *j = op->data;

	if (op->status < 0) {
		/* The session stays open: remove the log we wrote, so a retry starts clean. */
		if (j->log_path[0])
			unlink(j->log_path);
		sessions_stop_keep_summary(j);
		sessions_stop_fail(j, PROTO_ERR_STORE_FAILED, "cannot record the %s: %s", op->event,
				   op->err);
		return;
	}
	/* Only a recorded stop's log goes into git: a failed one is unlinked above. */
	if (j->commit_log && j->log_path[0])
		repo_commit_message(json_string_value(json_object_get(j->record, RECORD_FOCUS)),
				    json_string_value(json_object_get(j->record, RECORD_REPO_NAME)),
				    j->date, j->log_path, j->commit_msg, sizeof(j->commit_msg));
	if (j->commit_log && j->log_path[0] && j->o.defer_commit) {
		/* stop --edit: committed once the editor is done (sessions_stop_log_commit). */
		j->commit_pending = true;
		snprintf(j->commit_note, sizeof(j->commit_note),
			 "the log is committed once the editor is done");
	} else if (j->commit_log && j->log_path[0]) {
		if (stintd_queue_work(j->d, &j->work, j, sessions_stop_commit_work,
				      sessions_stop_commit_done) == 0)
			return;
		snprintf(j->commit_note, sizeof(j->commit_note), "cannot commit the log: %s",
			 "cannot queue work");
	}
	sessions_stop_closed(j);
}

static void sessions_stop_record(struct sessions_stop_job *j, const char *state)
{
	j->op.kind = STORE_OP_CLOSE_SESSION;
	j->op.session_id = j->s->id;
	j->op.event = session_event_name(j->o.cancel ? SESSION_EV_CANCEL : SESSION_EV_STOP);
	j->op.state = state;
	j->op.at = j->at;
	j->op.log_path = j->log_path[0] ? j->log_path : NULL;
	j->op.handoff = j->log_path[0] ? j->handoff : NULL;
	j->op.record = j->log_path[0] ? j->record_text : NULL;
	if (j->log_path[0])
		j->op.payload = json_pack("{s:s}", "log", j->log_path);
	session_times(j->s, &j->at, &j->op.times);
	/* What a report totals goes on the row (docs/reports.md): the log's numbers when it has
	 * them, else the last live ones. */
	j->op.spans = session_active_spans(j->s, &j->at);
	j->op.stats = json_incref(json_is_object(json_object_get(j->record, RECORD_STATS))
				      ? json_object_get(j->record, RECORD_STATS)
				      : j->s->stats);
	j->op.done = sessions_stop_recorded;
	j->op.data = j;
	store_submit(j->d->store, &j->op);
}

/* Worker: the log's numbers, recomputed now from the repository itself. */
static void sessions_stop_recompute(struct sessions_stop_job *j, const char *root)
{
	struct gitstats_baseline base;
	struct gitstats st;
	char err[512];

	if (gitstats_baseline_from_json(j->baseline, &base, err, sizeof(err)) < 0)
		return;
	if (gitstats_compute(root, &base, j->exclude, &st, err, sizeof(err)) == 0) {
		json_object_set_new(j->record, RECORD_STATS, gitstats_to_json(&st));
		if (st.branch)
			json_object_set_new(j->record, RECORD_BRANCH_END, json_string(st.branch));
		gitstats_finish(&st);
	} else {
		log_warnx("git statistics for %s at stop: %s", root, err);
		json_object_set_new(j->record, RECORD_STATS_ERROR, json_string(err));
	}
	gitstats_baseline_finish(&base);
}

/*
 * Worker, stop --at: the commits made after the corrected end (their committer time) are not
 * this session's work: out of the commit list and the count. Files and lines stay git's state
 * at the real stop (the worktree at TIME is not known); RECORD_STATS_AS_OF says so in the log.
 */
static void sessions_stop_cut_commits(struct sessions_stop_job *j)
{
	json_t *stats = json_object_get(j->record, RECORD_STATS);
	json_t *list = json_object_get(stats, RECORD_COMMIT_LIST);
	json_int_t total = json_integer_value(json_object_get(stats, RECORD_COMMITS)), cut = 0;
	size_t i = 0;

	if (!json_is_object(stats))
		return;
	while (i < json_array_size(list)) {
		json_int_t t =
		    json_integer_value(json_object_get(json_array_get(list, i), RECORD_TIME));

		/* Committer time is in seconds: a commit within TIME's second is kept. */
		if (t > j->at.wall_ms / 1000) {
			json_array_remove(list, i);
			cut++;
		} else {
			i++;
		}
	}
	json_object_set_new(stats, RECORD_COMMITS, json_integer(total > cut ? total - cut : 0));
	/* HEAD's moves git recorded after TIME are not placed in the timeline either. */
	list = json_object_get(stats, RECORD_HEAD_LOG);
	for (i = 0; i < json_array_size(list);) {
		if (json_integer_value(json_object_get(json_array_get(list, i), RECORD_GIT_AT)) >
		    j->at.wall_ms)
			json_array_remove(list, i);
		else
			i++;
	}
	json_object_set_new(j->record, RECORD_STATS_AS_OF, json_integer(time_wall_ms()));
}

/* Worker: the record line after whatever the template made (docs/log-record.md), so every log
 * counts in `stint report --logs`. Without one (a clock far off) the log is still written. */
static char *sessions_stop_record_line(struct sessions_stop_job *j, char *text)
{
	char err[256], *line;

	line = logrecord_line(j->record, j->d->store ? store_identity(j->d->store) : NULL, j->spans,
			      time_wall_ms(), err, sizeof(err));
	if (!line) {
		log_warnx("the log of session %lld gets no record line: %s",
			  (long long)json_integer_value(json_object_get(j->record, RECORD_ID)),
			  err);
		return text;
	}
	text = logrecord_append(text, line);
	free(line);
	return text;
}

/* The record's RECORD_STOP_KEYS as JSON text, or NULL. */
static char *sessions_stop_record_kept(const json_t *record)
{
	static const char *const keys[] = RECORD_STOP_KEYS;
	json_t *kept = json_object();
	char *text;

	for (size_t i = 0; kept && i < sizeof(keys) / sizeof(*keys); i++)
		if (json_object_get(record, keys[i]))
			json_object_set(kept, keys[i], json_object_get(record, keys[i]));
	text = kept ? json_dumps(kept, JSON_COMPACT) : NULL;
	json_decref(kept);
	return text;
}

/* Worker: everything that touches the disk or the repository for a stop, but the commit. */
static void sessions_stop_work(uv_work_t *w)
{
	struct sessions_stop_job *j = w->data;
	const char *root = json_string_value(json_object_get(j->record, RECORD_REPO));
	const char *name = json_string_value(json_object_get(j->record, RECORD_REPO_NAME));
	struct repo_info now;
	char dir[PATH_MAX];
	char *text, *tmpl = NULL;
	int r;

	if (repo_refresh(root, &now) == 0 && now.branch)
		json_object_set_new(j->record, RECORD_BRANCH_END, json_string(now.branch));
	repo_info_finish(&now);
	if (j->baseline)
		sessions_stop_recompute(j, root);
	if (j->o.at_ms > 0)
		sessions_stop_cut_commits(j);
	r = logwriter_expand_dir(j->log_dir, root, name, dir, sizeof(dir));
	if (r < 0) {
		snprintf(j->err, sizeof(j->err), "bad [log] dir \"%s\": %s", j->log_dir,
			 strerror(-r));
		j->status = r;
		return;
	}
	json_object_set_new(j->record, RECORD_LOG_DIR, json_string(dir));
	/* The store pointer is set at start-up and outlives all work; logprep reads it only. */
	logprep_fill(j->record, j->d->store, j->commit_log);
	if (j->template_path) {
		r = template_read_file(j->template_path, &tmpl, j->err, sizeof(j->err));
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
	/* What the log was rendered from and only the stop knows, for `stint log --regenerate`
	 * (cmd_regenerate.c): the statistics, checks and summary of this moment. */
	j->record_text = sessions_stop_record_kept(j->record);
	if (j->record_text && strlen(j->record_text) > SESSIONS_STOP_RECORD_MAX) {
		log_debug("the record of session %lld is %zu bytes: not kept for --regenerate",
			  (long long)json_integer_value(json_object_get(j->record, RECORD_ID)),
			  strlen(j->record_text));
		free(j->record_text);
		j->record_text = NULL;
	}
	if (!(text = sessions_stop_record_line(j, text))) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		j->status = -ENOMEM;
		return;
	}
	j->status = logwriter_write(dir, j->date, text, j->log_path, sizeof(j->log_path), j->err,
				    sizeof(j->err));
	if (j->status < 0)
		j->log_path[0] = '\0';
	else
		j->handoff = logprep_open_items(text);
	free(text);
}

static void sessions_stop_written(uv_work_t *w, int status)
{
	struct sessions_stop_job *j = w->data;
	const char *why = status < 0 ? uv_strerror(status) : j->err;

	if (status < 0 || j->status < 0) {
		log_warnx("cannot write the log of session %lld: %s", (long long)j->s->id, why);
		sessions_stop_keep_summary(j);
		sessions_stop_fail(
		    j, PROTO_ERR_LOG_FAILED,
		    "cannot write the session log: %s (the session is still open%s; fix "
		    "that and run stop again)",
		    why, sessions_stop_kept_summary(j->d, j->s->id) ? " and its summary kept" : "");
		return;
	}
	/* The reply and the summary notification show the log's numbers, not older live ones. */
	if (json_is_object(json_object_get(j->record, RECORD_STATS))) {
		json_decref(j->s->stats);
		j->s->stats = json_incref(json_object_get(j->record, RECORD_STATS));
	}
	sessions_stop_record(j, "stopped");
}

static void sessions_stop_render(struct sessions_stop_job *j)
{
	if (stintd_queue_work(j->d, &j->work, j, sessions_stop_work, sessions_stop_written) < 0)
		sessions_stop_fail(j, PROTO_ERR_INTERNAL, "cannot queue work");
}

/* The [checks] ran (loop thread): their results go into the record, then the log is written. */
static void sessions_stop_checks_done(void *arg, json_t *results)
{
	struct sessions_stop_job *j = arg, **pp;

	for (pp = &j->d->stops->running; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	j->checks = NULL;
	stintd_job_end(j->d);
	if (j->d->stopping) {
		/* Cancelled by shutdown: no log with half-run checks; the session stays open. */
		json_decref(results);
		sessions_stop_fail(j, PROTO_ERR_SHUTTING_DOWN,
				   "stintd is shutting down; the session stays open");
		return;
	}
	json_object_set_new(j->record, RECORD_CHECKS, results ? results : json_array());
	sessions_stop_render(j);
}

/* "a\n\nb", malloc'd, or NULL. */
static char *sessions_stop_join_text(const char *a, const char *b)
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

/* The log record of docs/log-record.md as the session stands, plus what the worker needs. */
static bool sessions_stop_prepare(struct sessions_stop_job *j)
{
	struct stintd *d = j->d;
	struct session *s = j->s;
	const char *kept = sessions_stop_kept_summary(d, s->id);
	const char *summary = j->o.summary ? j->o.summary : kept;
	char *joined = NULL;

	/* An auto-stop says so after the summary a failed stop kept, not instead of it. */
	if (j->o.auto_why && kept) {
		joined = j->o.summary ? sessions_stop_join_text(kept, j->o.summary) : NULL;
		summary = joined ? joined : kept;
	}
	j->record = session_to_record(s, &j->at, summary);
	free(joined);
	j->log_dir = d->cfg.log_dir ? strdup(d->cfg.log_dir) : NULL;
	j->template_path =
	    d->cfg.log_template && *d->cfg.log_template ? strdup(d->cfg.log_template) : NULL;
	j->baseline = s->baseline ? json_deep_copy(s->baseline) : NULL;
	j->spans = session_active_spans(s, &j->at);
	j->exclude = logwriter_dir_in_repo(d->cfg.log_dir, s->root, s->name);
	j->commit_log = d->cfg.log_commit && j->exclude;
	j->commit_status = -1;
	time_format_local(s->events[0].at.wall_ms, "%Y-%m-%d", j->date, sizeof(j->date));
	if (!j->record || !j->log_dir)
		return false;
	/* A stop that fails must not lose the last statistics: keep them as a fallback. */
	if (s->stats)
		json_object_set_new(j->record, RECORD_STATS, json_deep_copy(s->stats));
	json_object_set_new(j->record, RECORD_MAX_FILE_ROWS,
			    json_integer(d->cfg.log_max_file_rows));
	json_object_set_new(j->record, RECORD_PLACEHOLDERS,
			    json_string(config_placeholders_choices[d->cfg.log_placeholders]));
	if (json_object_get(s->baseline, "tree"))
		json_object_set(j->record, RECORD_BASELINE_TREE,
				json_object_get(s->baseline, "tree"));
	return true;
}

/* A check is about to start: the caller may show it. */
static void sessions_stop_check_started(void *arg, const char *name, size_t index, size_t n,
					int64_t timeout_s)
{
	struct sessions_stop_job *j = arg;
	json_t *body;

	if (!j->o.progress)
		return;
	body = json_pack("{s:s, s:I, s:I, s:I}", "name", name, "index", (json_int_t)index, "count",
			 (json_int_t)n, "timeout_s", (json_int_t)timeout_s);
	if (body)
		j->o.progress(j->arg, "check", body);
	json_decref(body);
}

/* stop --no-checks: each configured check is listed as skipped, so the log says so. */
static void sessions_stop_skip_checks(struct sessions_stop_job *j)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < j->d->cfg.checks.n; i++)
		json_array_append_new(list, json_pack("{s:s, s:b, s:b}", RECORD_NAME,
						      j->d->cfg.checks.entries[i].name, RECORD_OK,
						      0, RECORD_NOT_RUN, 1));
	json_object_set_new(j->record, RECORD_CHECKS, list ? list : json_array());
	log_info("session %lld: [checks] skipped (stop --no-checks)", (long long)j->s->id);
	sessions_stop_render(j);
}

/* Runs the [checks] on the loop (child processes); sessions_stop_checks_done carries on. */
static void sessions_stop_run_checks(struct sessions_stop_job *j)
{
	struct stintd *d = j->d;
	struct checks_hooks h = {.done = sessions_stop_checks_done,
				 .started = sessions_stop_check_started,
				 .env = j->o.env};
	int r;

	/* Listed before the first check starts: its progress may already arrive. */
	stintd_job_begin(d);
	j->next = d->stops->running;
	d->stops->running = j;
	r = checks_run_with(d->loop, j->s->root, d->cfg.checks.entries, d->cfg.checks.n,
			    d->cfg.check_timeout_s, &h, j, &j->checks);

	if (r < 0) {
		d->stops->running = j->next;
		stintd_job_end(d);
		sessions_stop_fail(j, PROTO_ERR_INTERNAL, "cannot run the checks: %s",
				   strerror(-r));
	}
	/* Shutdown waits for the checks (and cancels them). */
}

int sessions_stop(struct stintd *d, struct session *s, const struct sessions_stop_opts *o,
		  sessions_stop_fn done, void *arg)
{
	struct sessions_stop_job *j;

	if (s->busy || !sessions_stop_state(d) || !(j = calloc(1, sizeof(*j))))
		return -1;
	j->d = d;
	j->s = s;
	j->o = *o;
	json_incref(j->o.env); /* job_free's */
	j->done = done;
	j->arg = arg;
	if ((o->summary && !(j->o.summary = j->summary = strdup(o->summary))) ||
	    (o->unattended_by && !(j->unattended_by = strdup(o->unattended_by))) ||
	    (o->unattended_why && !(j->unattended_why = strdup(o->unattended_why)))) {
		sessions_stop_job_free(j);
		return -1;
	}
	j->o.unattended_by = j->o.unattended_why = NULL;
	sessions_claim(d, s);
	session_stamp_now(&j->at, d->boot_id);
	if (o->at_ms > 0 && o->at_ms < j->at.wall_ms)
		session_stamp_at(s, o->at_ms, &j->at);
	if (o->cancel || o->no_log) {
		sessions_stop_record(j, o->cancel ? "cancelled" : "stopped");
		return 0;
	}
	if (!sessions_stop_prepare(j))
		sessions_stop_fail(j, PROTO_ERR_INTERNAL, "cannot prepare the log");
	else if (d->cfg.checks.n > 0 && o->no_checks)
		sessions_stop_skip_checks(j);
	else if (d->cfg.checks.n > 0)
		sessions_stop_run_checks(j);
	else
		sessions_stop_render(j);
	return 0;
}

void sessions_stop_cancel_checks(struct stintd *d)
{
	struct sessions_stop_job *j = d->stops ? d->stops->running : NULL, *next;

	for (; j; j = next) {
		next = j->next;
		if (j->checks)
			checks_cancel(j->checks);
	}
}

void sessions_stop_finish(struct stintd *d)
{
	struct sessions_stop_kept *k, *next;

	if (!d->stops)
		return;
	stop_memory_free(&d->stops->memory);
	for (k = d->stops->kept; k; k = next) {
		next = k->next;
		free(k->summary);
		free(k);
	}
	free(d->stops);
	d->stops = NULL;
}

int sessions_stop_unheard(struct stintd *d, const struct sessions_stop_result *r, const char *by,
			  const char *why)
{
	if (!d->stops || r->code || !r->session || strcmp(r->state, "stopped") != 0)
		return 0;
	return stop_memory_unattended(&d->stops->memory, r->s->root, r->session, r->log_path, by,
				      why, r->at->wall_ms, r->at->boot_ns);
}

json_t *sessions_stop_recent(struct stintd *d, const char *cwd)
{
	return d->stops ? stop_memory_recent(&d->stops->memory, cwd, time_boot_ns()) : NULL;
}

/* A deferred [log] commit, on its way to a worker and back. */
struct sessions_stop_commit_job {
	struct stintd_work work;
	struct stop_memory_commit *c;
	bool edited;
	sessions_stop_commit_fn done;
	void *arg;
	int status;
	char note[512];
};

static void sessions_stop_log_commit_work(uv_work_t *w)
{
	struct sessions_stop_commit_job *cj = w->data;

	cj->status =
	    repo_commit_file(cj->c->root, cj->c->log, cj->c->message, cj->note, sizeof(cj->note));
	if (cj->status == 0)
		snprintf(cj->note, sizeof(cj->note), "committed the %slog on %s",
			 cj->edited ? "edited " : "", cj->c->branch);
}

static void sessions_stop_log_commit_done(uv_work_t *w, int status)
{
	struct sessions_stop_commit_job *cj = w->data;

	if (status < 0) {
		cj->status = -EIO;
		snprintf(cj->note, sizeof(cj->note), "cannot commit the log: %s",
			 uv_strerror(status));
	}
	log_info("log commit of %s (%s): %s", cj->c->log,
		 cj->edited ? "edited" : "as the file stands", cj->note);
	cj->done(cj->arg, cj->status, cj->note);
	stop_memory_commit_free(cj->c);
	free(cj);
}

int sessions_stop_log_commit(struct stintd *d, const char *cwd, const char *log, bool edited,
			     sessions_stop_commit_fn done, void *arg)
{
	struct sessions_stop_commit_job *cj;
	struct stop_memory_commit *c;

	if (!d->stops || !(c = stop_memory_take(&d->stops->memory, cwd, log, time_boot_ns())))
		return -ENOENT;
	cj = calloc(1, sizeof(*cj));
	if (!cj) {
		stop_memory_commit_free(c);
		return -ENOMEM;
	}
	cj->c = c;
	cj->edited = edited;
	cj->done = done;
	cj->arg = arg;
	if (stintd_queue_work(d, &cj->work, cj, sessions_stop_log_commit_work,
			      sessions_stop_log_commit_done) < 0) {
		stop_memory_commit_free(c);
		free(cj);
		return -ENOMEM;
	}
	return 0;
}
