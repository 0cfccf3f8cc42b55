#include "track.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "gitstats.h"
#include "log.h"
#include "logwriter.h"
#include "record.h"
#include "repo_watch.h"
#include "sessions.h"
#include "stintd.h"
#include "timeutil.h"

/* One session's watch and recomputes; the list is d->track's. */
struct track_entry {
	struct track_entry *next;
	struct stintd *d;
	int64_t session_id;
	struct repo_watch *watch; /* NULL once the repository is gone */
	bool computing;		  /* a recompute is on a worker */
	bool compute_again;	  /* something changed while it ran */
	bool touched_now;	  /* this report's files were recorded by on_touched */
	bool seen;		  /* track_sync's mark */
	/* Incremental recomputes (docs/git-statistics.md): the worktree files touched since the
	 * last recompute began (a set), whether something they do not describe changed, and the
	 * last recompute's view of the git state (not valid: the next one is full). */
	json_t *pending;
	bool need_full;
	unsigned nincr;	 /* incremental recomputes since the last full one */
	unsigned nskip;	 /* full ones still to run after a worktree the scanner refused */
	int64_t full_ns; /* CLOCK_MONOTONIC time of the last full one */
	/* ...and of the last one from scratch (every directory and the index read again) */
	int64_t fresh_ns;
	struct gitstats_stamp stamp;
	/* The parsed index and the directory listings, kept between recomputes: the job in
	 * flight has them (cache NULL meanwhile). */
	struct gitstats_cache *cache;
#ifdef STINT_TEST_HOOKS
	/* An incremental result that differed from the full one: paths (or "" for the rest)
	 * a later report must name before the timer fires, else stintd aborts. */
	json_t *suspect;
	uv_timer_t *suspect_timer;
#endif
};

struct track {
	struct track_entry *entries;
};

struct track_compute_job {
	struct stintd_work work;
	struct stintd *d;
	int64_t session_id;
	char *root;
	char *exclude;
	json_t *baseline; /* a private copy: the worker parses it */
	json_t *result;
	int status;
	char err[512];
	/* Incremental: the paths to look at, the previous result (everything but its files is
	 * kept) and its stamp; NULL paths: a full recompute. */
	char **paths;
	size_t npaths;
	json_t *prev;
	struct gitstats_stamp stamp;  /* in: the previous one; out: this one's */
	struct gitstats_cache *cache; /* the entry's, lent for the job */
	bool incremental;	      /* out: it was */
	bool fresh;		      /* full: every directory read, none of the kept listings */
	size_t dirs_read, dirs_kept;  /* out: a full one's directories, read and from listings */
	bool refused;		      /* out: the scanner cannot read this worktree (-ENOTSUP) */
	char why_full[256];	      /* out: why not */
#ifdef STINT_TEST_HOOKS
	/* The full result read from scratch, where it differs from the incremental one or from
	 * the full one made with the kept listings. */
	json_t *check;
#endif
};

/* Above this many paths a full recompute is about as cheap. */
#define TRACK_INCR_MAX_PATHS 2000
/* A full recompute every so often, as a cross-check: after this many incremental ones... */
#define TRACK_INCR_FULL_EVERY 50
/* ...or when the last full one is older than this. */
#define TRACK_INCR_FULL_NS (5 * 60 * INT64_C(1000000000))

static struct track_entry *track_find(struct stintd *d, int64_t id)
{
	for (struct track_entry *e = d->track ? d->track->entries : NULL; e; e = e->next)
		if (e->session_id == id)
			return e;
	return NULL;
}

/* The previous result with the files part of an incremental one. */
static json_t *track_merge_files(const json_t *prev, const struct gitstats *st)
{
	static const char *const keys[] = {RECORD_FILES, RECORD_FILES_CHANGED, RECORD_ADDED,
					   RECORD_REMOVED};
	json_t *part = gitstats_to_json(st), *out = part ? json_deep_copy(prev) : NULL;

	for (size_t i = 0; out && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_set(out, keys[i], json_object_get(part, keys[i])) < 0) {
			json_decref(out);
			out = NULL;
		}
	json_decref(part);
	return out;
}

/* The incremental recompute, when it can be had; false: compute in full (why_full says why). */
static bool track_compute_incremental(struct track_compute_job *j,
				      const struct gitstats_baseline *base)
{
	const char *from = json_string_value(json_object_get(j->prev, RECORD_MEASURED_FROM));
	struct gitstats st;
	int rc;

	rc = gitstats_compute_paths(j->root, base, j->exclude, &j->stamp, from,
				    (const char *const *)j->paths, j->npaths, j->cache, &st,
				    j->why_full, sizeof(j->why_full));
	if (rc < 0) {
		j->refused = rc == -ENOTSUP;
		return false;
	}
	j->result = track_merge_files(j->prev, &st);
	j->stamp = st.stamp;
	gitstats_finish(&st);
	if (!j->result) {
		snprintf(j->why_full, sizeof(j->why_full), "out of memory");
		return false;
	}
	j->incremental = true;
	return true;
}

#ifdef STINT_TEST_HOOKS
/* Every result that is not a fresh full one is checked against one (track_check_done). */
static void track_compute_check(struct track_compute_job *j, const struct gitstats_baseline *base)
{
	struct gitstats st;

	if (gitstats_compute(j->root, base, j->exclude, &st, j->err, sizeof(j->err)) == 0) {
		json_t *full = gitstats_to_json(&st);

		if (full && !json_equal(full, j->result))
			j->check = full;
		else
			json_decref(full);
		gitstats_finish(&st);
	}
}
#endif

static void track_compute_work(uv_work_t *w)
{
	struct track_compute_job *j = w->data;
	struct gitstats_baseline base;
	struct gitstats st;

	j->status = gitstats_baseline_from_json(j->baseline, &base, j->err, sizeof(j->err));
	if (j->status < 0)
		return;
	if (j->paths && track_compute_incremental(j, &base)) {
#ifdef STINT_TEST_HOOKS
		track_compute_check(j, &base);
#endif
		gitstats_baseline_finish(&base);
		return;
	}
	if (j->fresh)
		gitstats_cache_drop(j->cache);
	j->status = gitstats_compute_cached(j->root, &base, j->exclude, j->cache, &st, j->err,
					    sizeof(j->err));
	if (j->status == 0) {
		j->result = gitstats_to_json(&st);
		j->stamp = st.stamp;
		gitstats_finish(&st);
	}
	gitstats_cache_last_scan(j->cache, &j->dirs_read, &j->dirs_kept);
#ifdef STINT_TEST_HOOKS
	if (j->status == 0 && j->result && !j->fresh)
		track_compute_check(j, &base);
#endif
	gitstats_baseline_finish(&base);
}

/*
 * The branch as the timeline last saw it, the commits pulled so far, the last HEAD reflog entry
 * recorded (-1: none), and when the last switch or pull recorded without a reflog field at all
 * was (a stintd before head_log recorded them when it saw them: what git did until then is told).
 */
static const char *track_recorded(const struct session *s, json_int_t *pulled, json_int_t *reflog,
				  int64_t *told_ms)
{
	const char *branch = s->branch;

	*pulled = 0;
	*reflog = -1;
	*told_ms = -1;
	for (size_t i = 0; i < s->nevents; i++) {
		const json_t *rl = json_object_get(s->events[i].data, RECORD_REFLOG);

		if (json_is_integer(rl) && json_integer_value(rl) > *reflog)
			*reflog = json_integer_value(rl);
		if (!rl && (s->events[i].kind == SESSION_EV_BRANCH ||
			    s->events[i].kind == SESSION_EV_PULL))
			*told_ms = s->events[i].at.wall_ms;
		if (s->events[i].kind == SESSION_EV_BRANCH)
			branch = json_string_value(json_object_get(s->events[i].data, RECORD_TO));
		else if (s->events[i].kind == SESSION_EV_PULL)
			*pulled +=
			    json_integer_value(json_object_get(s->events[i].data, RECORD_COMMITS));
	}
	return branch;
}

/* "main (unborn)" becoming "main" is the first commit, not a switch. */
static bool track_same_branch(const char *from, const char *to)
{
	static const char unborn[] = " (unborn)";
	size_t n = strlen(to);

	return strcmp(from, to) == 0 ||
	       (strncmp(from, to, n) == 0 && strcmp(from + n, unborn) == 0);
}

/* A head_log item as the event it becomes: the item without its kind (an event's own). */
static void track_record_move(struct stintd *d, struct session *s, const json_t *item)
{
	enum session_event_kind kind =
	    session_event_lookup(json_string_value(json_object_get(item, RECORD_KIND)));
	json_t *payload;

	if (kind != SESSION_EV_BRANCH && kind != SESSION_EV_COMMIT && kind != SESSION_EV_PULL)
		return;
	payload = json_deep_copy(item);
	if (!payload)
		return;
	json_object_del(payload, RECORD_KIND);
	sessions_record(d, s, kind, payload);
}

/*
 * What a recompute found that the timeline lacks, as events: HEAD's reflog entries since the last
 * one recorded, in git's order, each with the time git gave it (the timeline places it by that).
 * Compared with the session's events, not with the previous recompute, so a restarted daemon
 * neither repeats nor loses any.
 */
static void track_record_changes(struct stintd *d, struct session *s, json_t *now)
{
	const json_t *log = json_object_get(now, RECORD_HEAD_LOG), *item;
	const char *to = json_string_value(json_object_get(now, RECORD_BRANCH));
	json_int_t pulled, reflog,
	    pulled_now = json_integer_value(json_object_get(now, RECORD_PULLED));
	int64_t told_ms;
	const char *from;
	size_t i;

	track_recorded(s, &pulled, &reflog, &told_ms);
	json_array_foreach(log, i, item)
	{
		if (json_integer_value(json_object_get(item, RECORD_REFLOG)) > reflog &&
		    json_integer_value(json_object_get(item, RECORD_GIT_AT)) > told_ms)
			track_record_move(d, s, item);
	}
	from = track_recorded(s, &pulled, &reflog, &told_ms);
	/* Without HEAD's reflog (reflogs off) the branch now is all there is to compare; reflog -1
	 * says it is not from HEAD's reflog. */
	if (json_array_size(log) == 0 && to && from && !track_same_branch(from, to))
		sessions_record(d, s, SESSION_EV_BRANCH,
				json_pack("{s:s, s:s, s:i}", RECORD_FROM, from, RECORD_TO, to,
					  RECORD_REFLOG, -1));
	/* Pulled where HEAD's reflog does not say (another branch fetched into): found now. */
	if (pulled_now > pulled)
		sessions_record(d, s, SESSION_EV_PULL,
				json_pack("{s:I, s:i}", RECORD_COMMITS, pulled_now - pulled,
					  RECORD_REFLOG, -1));
}

static void track_compute_start(struct stintd *d, struct track_entry *e, struct session *s);

static void track_job_free(struct track_compute_job *j)
{
	json_decref(j->baseline);
	json_decref(j->result);
	json_decref(j->prev);
	gitstats_cache_destroy(j->cache);
	for (size_t i = 0; i < j->npaths; i++)
		free(j->paths[i]);
	free(j->paths);
	free(j->root);
	free(j->exclude);
	free(j);
}

#ifdef STINT_TEST_HOOKS
/* The paths (new and old names) whose rows differ between two results' file lists. */
static void track_check_paths(const json_t *a, const json_t *b, json_t *out)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(a, RECORD_FILES), i, f)
	{
		const char *path = json_string_value(json_object_get(f, RECORD_PATH));
		const json_t *g = NULL, *h;
		size_t k;

		json_array_foreach(json_object_get(b, RECORD_FILES), k, h)
		{
			const char *hp = json_string_value(json_object_get(h, RECORD_PATH));

			if (path && hp && strcmp(path, hp) == 0)
				g = h;
		}
		if (g && json_equal(f, g))
			continue;
		json_object_set_new(out, path ? path : "", json_true());
		if (json_string_value(json_object_get(f, RECORD_OLD_PATH)))
			json_object_set_new(out,
					    json_string_value(json_object_get(f, RECORD_OLD_PATH)),
					    json_true());
	}
}

static void track_check_fire(uv_timer_t *t)
{
	struct track_entry *e = t->data;
	char *paths = json_dumps(e->suspect, JSON_COMPACT);

	log_warnx("statistics for session %lld differed from a full recompute from scratch at %s, "
		  "and no change there was reported since: aborting",
		  (long long)e->session_id, paths ? paths : "?");
	free(paths);
	abort();
}

static void track_check_close(uv_handle_t *h)
{
	free(h);
}

static void track_check_clear(struct track_entry *e)
{
	json_decref(e->suspect);
	e->suspect = NULL;
	if (e->suspect_timer)
		uv_timer_stop(e->suspect_timer);
}

/*
 * An incremental result, or a full one made with kept directory listings, that differs from
 * the full one computed from scratch right after it is a bug, unless the worktree changed
 * between the two: then a report naming the change follows within the debounce window. Wait
 * for it (10 s, for slow sanitizer builds), else abort.
 */
static void track_check_done(struct track_entry *e, struct track_compute_job *j)
{
	char *a = json_dumps(j->result, JSON_COMPACT), *b = json_dumps(j->check, JSON_COMPACT);

	if (j->incremental)
		log_warnx("incremental statistics for session %lld over %zu paths differ from a "
			  "full recompute:\nincremental: %s\nfull: %s",
			  (long long)e->session_id, j->npaths, a ? a : "?", b ? b : "?");
	else
		log_warnx("statistics for session %lld made with kept directory listings differ "
			  "from a full recompute from scratch:\nkept: %s\nfull: %s",
			  (long long)e->session_id, a ? a : "?", b ? b : "?");
	free(a);
	free(b);
	if (!e->suspect && !(e->suspect = json_object()))
		abort();
	track_check_paths(j->result, j->check, e->suspect);
	track_check_paths(j->check, j->result, e->suspect);
	{
		json_t *ra = json_deep_copy(j->result), *rb = json_deep_copy(j->check);

		json_object_del(ra, RECORD_FILES);
		json_object_del(rb, RECORD_FILES);
		if (!json_equal(ra, rb))
			json_object_set_new(e->suspect, "", json_true());
		json_decref(ra);
		json_decref(rb);
	}
	if (!e->suspect_timer) {
		e->suspect_timer = calloc(1, sizeof(*e->suspect_timer));
		if (!e->suspect_timer || uv_timer_init(e->d->loop, e->suspect_timer) < 0)
			abort();
		e->suspect_timer->data = e;
	}
	uv_timer_start(e->suspect_timer, track_check_fire, 10000, 0);
}

/* A report: the changes it names explain a difference seen before it. */
static void track_check_explained(struct track_entry *e, const char *path, bool all)
{
	if (!e->suspect)
		return;
	if (all)
		json_object_clear(e->suspect);
	else if (path)
		json_object_del(e->suspect, path);
	if (json_object_size(e->suspect) == 0)
		track_check_clear(e);
}
#endif

/* Drops an entry's own state; the watch is the caller's. */
static void track_entry_free(struct track_entry *e)
{
	json_decref(e->pending);
	gitstats_cache_destroy(e->cache);
#ifdef STINT_TEST_HOOKS
	json_decref(e->suspect);
	if (e->suspect_timer)
		uv_close((uv_handle_t *)e->suspect_timer, track_check_close);
#endif
	free(e);
}

static void track_compute_done(uv_work_t *w, int status)
{
	struct track_compute_job *j = w->data;
	struct stintd *d = j->d;
	struct session *s = sessions_find_id(d, j->session_id);
	struct track_entry *e = track_find(d, j->session_id);

	if (e) {
		e->computing = false;
		/* Back to the entry (a closed session's job frees it). */
		if (!e->cache) {
			e->cache = j->cache;
			j->cache = NULL;
		}
		/* Failed: the next one starts from a full one. */
		e->stamp = status == 0 && j->status == 0 ? j->stamp : (struct gitstats_stamp){0};
		if (j->incremental) {
			e->nincr++;
		} else {
			e->nincr = 0;
			e->full_ns = time_mono_ns();
			if (j->fresh && status == 0 && j->status == 0)
				e->fresh_ns = e->full_ns;
			/* Not worth asking again at every change (submodules, say). */
			if (j->refused)
				e->nskip = TRACK_INCR_FULL_EVERY;
			else if (e->nskip)
				e->nskip--;
		}
	}
	if (s && status == 0 && j->status == 0 && j->incremental)
		log_debug("statistics of session %lld: incremental recompute over %zu paths",
			  (long long)s->id, j->npaths);
	else if (s && status == 0 && j->status == 0)
		log_debug("statistics of session %lld: full recompute (%s), %zu directories read, "
			  "%zu from kept listings",
			  (long long)s->id, j->why_full[0] ? j->why_full : "asked", j->dirs_read,
			  j->dirs_kept);
#ifdef STINT_TEST_HOOKS
	if (e && j->check)
		track_check_done(e, j);
	json_decref(j->check);
#endif
	if (s && (status < 0 || j->status < 0)) {
		const char *why = status < 0 ? uv_strerror(status) : j->err;

		if (!s->stats_error || strcmp(s->stats_error, why) != 0)
			log_warnx("git statistics for %s: %s", s->root, why);
		free(s->stats_error);
		s->stats_error = strdup(why);
	} else if (s) {
		free(s->stats_error);
		s->stats_error = NULL;
		/* Not while an operation holds the session (a stop folds its events and stamps its
		 * end): the next recompute, or the stop's own, has what this one found. */
		if (!s->busy)
			track_record_changes(d, s, j->result);
		/* What status shows moved: the status snapshot is written again. */
		if (!s->stats || !json_equal(s->stats, j->result))
			stintd_changed(d);
		json_decref(s->stats);
		s->stats = j->result;
		j->result = NULL;
	}
	if (s && e && e->compute_again && !d->stopping) {
		e->compute_again = false;
		track_compute_start(d, e, s);
	}
	track_job_free(j);
}

static int track_path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether the next recompute can be incremental, and then the paths it looks at: every path
 * the last result lists (new and old names) and every worktree file touched since. Anything
 * else keeps its row of the last result's list, which by then is no row: only those paths can
 * differ from the baseline. NULL with *why set: a full recompute.
 */
static json_t *track_incremental_paths(struct track_entry *e, const struct session *s,
				       const char **why, bool *fresh)
{
	const json_t *files = json_object_get(s->stats, RECORD_FILES), *f;
	json_t *set;
	size_t i;

	*why = NULL;
	*fresh = false;
	if (!e->stamp.valid)
		*why = "no full one to go on";
	else if (e->need_full)
		*why = "a change the touched files do not describe";
	else if (!s->stats)
		*why = "no result yet";
	else if (!e->watch || repo_watch_degraded(e->watch))
		*why = "the watch is degraded";
	else if (e->nskip)
		*why = "the worktree is of a kind only a full recompute reads";
	else if (e->nincr >= TRACK_INCR_FULL_EVERY ||
		 time_mono_ns() - e->full_ns > TRACK_INCR_FULL_NS)
		*why = "the periodic cross-check";
	else if (json_array_size(files) + json_object_size(e->pending) > TRACK_INCR_MAX_PATHS)
		*why = "too many paths";
	/* From scratch: the cross-check, and any full one when the last from scratch is older than
	 * the cross-check's period (commits every few minutes must not put it off for good). */
	*fresh = *why && (strcmp(*why, "the periodic cross-check") == 0 ||
			  time_mono_ns() - e->fresh_ns > TRACK_INCR_FULL_NS);
	if (*why)
		return NULL;
	set = e->pending ? json_deep_copy(e->pending) : json_object();
	json_array_foreach(files, i, f)
	{
		const char *p = json_string_value(json_object_get(f, RECORD_PATH));
		const char *o = json_string_value(json_object_get(f, RECORD_OLD_PATH));

		if (set && p)
			json_object_set_new(set, p, json_true());
		if (set && o)
			json_object_set_new(set, o, json_true());
	}
	if (!set)
		*why = "out of memory";
	return set;
}

static int track_job_paths(struct track_compute_job *j, const json_t *set)
{
	const char *key;
	json_t *v;

	j->paths = calloc(json_object_size(set) + 1, sizeof(*j->paths));
	if (!j->paths)
		return -1;
	json_object_foreach((json_t *)set, key, v)
	{
		if (!(j->paths[j->npaths] = strdup(key)))
			return -1;
		j->npaths++;
	}
	qsort(j->paths, j->npaths, sizeof(*j->paths), track_path_cmp);
	return 0;
}

/* A job that could not start: its cache goes back to the entry. */
static void track_job_unstart(struct track_entry *e, struct track_compute_job *j)
{
	if (!e->cache) {
		e->cache = j->cache;
		j->cache = NULL;
	}
	track_job_free(j);
}

static void track_compute_start(struct stintd *d, struct track_entry *e, struct session *s)
{
	struct track_compute_job *j;
	const char *why;
	json_t *set;

	if (!s->baseline || d->stopping)
		return;
	if (e->computing) {
		e->compute_again = true;
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->d = d;
	j->session_id = s->id;
	j->root = strdup(s->root);
	j->exclude = logwriter_dir_in_repo(d->cfg.log_dir, s->root, s->name);
	j->baseline = json_deep_copy(s->baseline);
	set = track_incremental_paths(e, s, &why, &j->fresh);
	j->cache = e->cache ? e->cache : gitstats_cache_create();
	e->cache = NULL;
	if (set) {
		j->prev = json_deep_copy(s->stats);
		j->stamp = e->stamp;
		if (!j->prev || track_job_paths(j, set) < 0) {
			json_decref(set);
			track_job_unstart(e, j);
			return;
		}
	} else {
		snprintf(j->why_full, sizeof(j->why_full), "%s", why);
	}
	json_decref(set);
	if (!j->root || !j->baseline ||
	    stintd_queue_work(d, &j->work, j, track_compute_work, track_compute_done) < 0) {
		track_job_unstart(e, j);
		return;
	}
	/* What it was told is consumed; what arrives while it runs is the next one's. */
	json_decref(e->pending);
	e->pending = NULL;
	e->need_full = false;
	e->computing = true;
}

/*
 * Whether the report being delivered holds a change made in the session's current pause, and
 * *first, the CLOCK_MONOTONIC time of the first such change. Work done just before `stint pause`
 * is reported after it (the watch waits for quiet first): it is no work while paused. The git
 * directory's changes are known only by the last one. Not paused: true, the report's first.
 */
static bool track_report_in_pause(const struct track_entry *e, const struct session *s,
				  const struct repo_watch_touch *t, size_t n, int64_t *first)
{
	ssize_t pause = session_current_pause(s);
	const struct stamp *p = pause >= 0 ? &s->events[pause].at : NULL;
	int64_t last = repo_watch_last_activity(e->watch);

	*first = repo_watch_report_first(e->watch);
	/* A pause of an earlier boot came before anything this boot's watch saw. */
	if (!p || strcmp(p->boot_id, e->d->boot_id) != 0 || *first >= p->mono_ns)
		return true;
	if (last < p->mono_ns)
		return false;
	*first = last;
	for (size_t i = 0; i < n; i++)
		if (t[i].mono_ns >= p->mono_ns && t[i].mono_ns < *first)
			*first = t[i].mono_ns;
	return true;
}

/*
 * [time] resume_on_activity: work in a paused session resumes it, dated from the report's first
 * change in the pause (never before the session's last event), so the time from it counts.
 * t: the report's files, if any.
 */
static void track_resume_on_activity(struct track_entry *e, struct session *s,
				     const struct repo_watch_touch *t, size_t n)
{
	struct stintd *d = e->d;
	const struct stamp *last = s->nevents ? &s->events[s->nevents - 1].at : NULL;
	int64_t first, back;
	struct stamp at;

	if (s->state != SESSION_PAUSED || !d->cfg.resume_on_activity ||
	    !track_report_in_pause(e, s, t, n, &first))
		return;
	session_stamp_now(&at, d->boot_id);
	back = first > 0 && first < at.mono_ns ? at.mono_ns - first : 0;
	if (last && strcmp(last->boot_id, at.boot_id) == 0 && at.mono_ns - back < last->mono_ns)
		back = at.mono_ns > last->mono_ns ? at.mono_ns - last->mono_ns : 0;
	at.mono_ns -= back;
	at.boot_ns -= back;
	at.wall_ms -= back / 1000000;
	log_info("session %lld resumed by activity while paused", (long long)s->id);
	sessions_record_at(d, s, SESSION_EV_RESUME, &at, json_pack("{s:s}", "auto", "activity"));
}

static void track_on_changed(void *arg, unsigned what)
{
	struct track_entry *e = arg;
	struct session *s = sessions_find_id(e->d, e->session_id);
	int64_t first;

	if (!s)
		return;
	if (what & (REPO_WATCH_GITDIR | REPO_WATCH_RESCAN | REPO_WATCH_TRUNCATED | REPO_WATCH_DIRS))
		e->need_full = true;
#ifdef STINT_TEST_HOOKS
	track_check_explained(e, NULL, e->need_full);
#endif
	if (what & (REPO_WATCH_WORKTREE | REPO_WATCH_GITDIR))
		track_resume_on_activity(e, s, NULL, 0);
	log_debug("repository %s changed (%s%s%s)", s->root, what & REPO_WATCH_WORKTREE ? "w" : "",
		  what & REPO_WATCH_GITDIR ? "g" : "", what & REPO_WATCH_RESCAN ? "r" : "");
	/* Staging, fetches and the like are activity too; touched files were recorded already.
	 * Staged just before a pause, it was activity before it: no work while paused. */
	if ((what & REPO_WATCH_GITDIR) && !e->touched_now &&
	    track_report_in_pause(e, s, NULL, 0, &first))
		sessions_record(e->d, s, SESSION_EV_ACTIVITY, NULL);
	e->touched_now = false;
	s->last_activity_ms = time_wall_ms();
	track_compute_start(e->d, e, s);
}

static void track_on_touched(void *arg, const struct repo_watch_touch *t, size_t n)
{
	struct track_entry *e = arg;
	struct session *s = sessions_find_id(e->d, e->session_id);
	int64_t now_ms = time_wall_ms(), now_ns = time_mono_ns();
	json_t *paths;

	if (!s || n == 0)
		return;
	paths = json_object();
	/* Kept for the next recompute only where there is one to have, and only so many. */
	if (!e->pending && s->baseline && !e->need_full)
		e->pending = json_object();
	for (size_t i = 0; i < n; i++) {
		/* Monotonic age turned into a wall-clock label. */
		int64_t at = now_ms - (now_ns - t[i].mono_ns) / 1000000;
		const char *base = strrchr(t[i].path, '/');

		json_object_set_new(paths, t[i].path, json_integer(at));
		/* Rules that change what every other path means: a full recompute. */
		base = base ? base + 1 : t[i].path;
		if (strcmp(base, ".gitignore") == 0 || strcmp(base, ".gitattributes") == 0 ||
		    !e->pending || json_object_set_new(e->pending, t[i].path, json_true()) < 0 ||
		    json_object_size(e->pending) > TRACK_INCR_MAX_PATHS)
			e->need_full = true;
#ifdef STINT_TEST_HOOKS
		track_check_explained(e, t[i].path, false);
#endif
	}
	if (e->need_full) {
		json_decref(e->pending);
		e->pending = NULL;
	}
	track_resume_on_activity(e, s, t, n);
	/* One event per settled burst: the store keeps when each file was last touched. */
	sessions_record(e->d, s, SESSION_EV_TOUCHED, json_pack("{s:o}", "paths", paths));
	e->touched_now = true;
}

static void track_on_gone(void *arg)
{
	struct track_entry *e = arg;
	struct session *s = sessions_find_id(e->d, e->session_id);

	if (s)
		log_warnx("the repository of session %lld (%s) is gone; keeping what is known",
			  (long long)s->id, s->root);
}

static const struct repo_watch_ops track_watch_ops = {
    .changed = track_on_changed,
    .touched = track_on_touched,
    .gone = track_on_gone,
};

/* A session with a baseline, or one outside git: its edits are activity all the same. */
static bool track_wanted(const struct session *s)
{
	return s->baseline || !s->branch;
}

/* Starts watching a session (track_wanted), and computes its statistics once. */
static void track_add(struct stintd *d, struct session *s)
{
	struct track_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return;
	e->d = d;
	e->session_id = s->id;
	e->seen = true;
	e->next = d->track->entries;
	d->track->entries = e;
	/* Without a watch (too many, say) status says "gone" and the numbers are the start's. */
	e->watch = repo_watch_add(d->watcher, s->root, NULL, NULL, &track_watch_ops, e);
	if (e->watch) {
		/* Stint's own logs inside the repository are no activity. */
		char *logs = logwriter_dir_in_repo(d->cfg.log_dir, s->root, s->name);

		repo_watch_exclude(e->watch, logs);
		free(logs);
		track_compute_start(d, e, s);
	}
}

void track_sync(struct stintd *d)
{
	struct track_entry **pp, *e;

	if (!d->track && !(d->track = calloc(1, sizeof(*d->track))))
		return;
	for (e = d->track->entries; e; e = e->next)
		e->seen = false;
	for (struct session *s = d->sessions; s; s = s->next) {
		if (s->state == SESSION_STARTING || !track_wanted(s))
			continue;
		e = track_find(d, s->id);
		if (e)
			e->seen = true;
		else if (d->watcher && !d->stopping)
			track_add(d, s);
	}
	/* A closed session's watch goes; a recompute in flight finds it gone and is dropped. */
	for (pp = &d->track->entries; (e = *pp);) {
		if (e->seen) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		repo_watch_remove(e->watch);
		track_entry_free(e);
	}
}

void track_finish(struct stintd *d)
{
	struct track_entry *e, *next;

	if (!d->track)
		return;
	for (e = d->track->entries; e; e = next) {
		next = e->next;
		repo_watch_remove(e->watch);
		track_entry_free(e);
	}
	free(d->track);
	d->track = NULL;
}

void track_add_status(struct stintd *d, const struct session *s, json_t *j)
{
	struct track_entry *e = track_find(d, s->id);
	const char *state;

	if (!j || s->state == SESSION_STARTING)
		return;
	if (!track_wanted(s))
		state = "none";
	else if (!e || !e->watch || repo_watch_gone(e->watch))
		state = "gone";
	else
		state = repo_watch_degraded(e->watch) ? "degraded" : "ok";
	json_object_set_new(j, "watch", json_string(state));
	if (e && e->watch && repo_watch_degraded(e->watch) && repo_watch_degraded_reason(e->watch))
		json_object_set_new(j, "watch_reason",
				    json_string(repo_watch_degraded_reason(e->watch)));
}
