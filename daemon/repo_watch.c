#include "repo_watch.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "repo_watch_exclude.h"
#include "repo_watch_state.h"
#include "repo_watch_table.h"
#include "repo_watch_walk.h"
#include "timeutil.h"

/*
 * Design, in short:
 * - One inotify instance (struct repo_watch_inst) while at least one repository is watched;
 *   uv_poll on its descriptor. Every watch uses the same mask, so a directory shared by two
 *   repositories (a linked worktree's common dir, nested repositories) is one kernel watch with
 *   two owners.
 * - The wd table maps a watch descriptor to its owners (repository, kind, path relative to the
 *   kind's root). Workers add watches while walking (add the watch, then list the directory, so
 *   nothing created in between is missed) and the loop reads events, so the table and the
 *   descriptor are guarded by one mutex, held across inotify_add_watch and the insertion: an
 *   event the loop reads always finds its wd. Nothing else is shared with workers.
 * - Per repository at most one job runs at a time (initial walk, rescans, walks of new
 *   directories, and the ignore filtering of a report); requests arriving meanwhile are queued
 *   and merged into the next job. The git_repository it uses is only touched by that job.
 * - Debounce: the first event opens a window; a report is due settle_ms after the last event
 *   but no later than max_delay_ms after the first. Worktree paths are filtered through the
 *   ignore rules (and the index: tracked files are never ignored) on a worker before `changed`.
 * - What is watched in the git directory: its top level (HEAD, index; packed-refs in the common
 *   dir) and refs/ recursively, never objects/ or logs/: every reflog write accompanies a write
 *   to HEAD, a ref or packed-refs, so logs/ would only double the events. Lock files are ignored.
 * - Submodules and nested repositories: their worktree files are walked like ours (editing them
 *   is activity in this session), but no `.git` below the root is entered, so their git
 *   metadata is never taken for ours; a commit inside a submodule (a gitlink move in the
 *   superproject) is therefore seen at the next worktree event or rescan, not at once.
 * - A change to a .gitignore triggers a full rescan, which adds newly unignored directories and
 *   drops watches on directories now ignored (every owner not visited by a full walk is stale).
 * - Degraded mode (watch limit or inotify unavailable) is kept until the watch is removed.
 * - An excluded directory (stint's logs kept in the repository, repo_watch_exclude): its paths
 *   are dropped as they arrive, and a report's GITDIR change is weighed on the job: it stands
 *   only if the digest of the git state without the directory moved (repo_watch_exclude.c).
 */

#define REPO_WATCH_READ_BUF (64 * 1024)

struct repo_watch_inst {
	uv_poll_t poll;
	struct repo_watcher *w;
	int fd;
	bool closing;
	_Alignas(struct inotify_event) char buf[REPO_WATCH_READ_BUF];
};

static void repo_watch_kick(struct repo_watch *rw);
static void repo_watch_flush_cb(uv_timer_t *t);

static int64_t repo_watch_batch_now(struct repo_watcher *w)
{
	if (!w->batch_ns)
		w->batch_ns = time_mono_ns();
	return w->batch_ns;
}

static bool repo_watch_owner_is_root(const struct repo_watch_owner *o)
{
	return o->kind != REPO_WATCH_OWN_REFS && o->rel[0] == '\0';
}

/* Debouncing, on the loop. */

static void repo_watch_arm_flush(struct repo_watch *rw)
{
	struct repo_watcher *w = rw->w;
	uint64_t now = uv_now(w->loop), due;

	if (!rw->window_open) {
		rw->window_open = true;
		rw->window_start = now;
		rw->window_first_ns = time_mono_ns();
	}
	due = now + w->t.settle_ms;
	if (due > rw->window_start + w->t.max_delay_ms)
		due = rw->window_start + w->t.max_delay_ms;
	uv_timer_start(&rw->flush_timer, repo_watch_flush_cb, due > now ? due - now : 0, 0);
}

static void repo_watch_note_what(struct repo_watch *rw, unsigned what, int64_t mono_ns)
{
	rw->what |= what;
	if (what & REPO_WATCH_GITDIR)
		rw->last_activity_ns = mono_ns;
	repo_watch_arm_flush(rw);
}

static void repo_watch_note_path(struct repo_watch *rw, const char *rel, bool dir, int64_t mono_ns)
{
	/* A directory holding the excluded one: what else it held reports itself. */
	if (repo_watch_exclude_match(rw->exclude, rel) ||
	    (dir && rw->exclude && repo_watch_exclude_match(rel, rw->exclude)))
		return;
	repo_watch_pathset_add(&rw->paths, rel, dir, mono_ns);
	repo_watch_arm_flush(rw);
}

static void repo_watch_request_dir(struct repo_watch *rw, uint8_t kind, const char *rel)
{
	struct repo_watch_dirreq *d;

	if (rw->ndirs >= REPO_WATCH_DIRREQ_MAX) {
		rw->pend_full = true;
		repo_watch_note_what(rw, REPO_WATCH_RESCAN, time_mono_ns());
		return;
	}
	d = array_grow(rw->dirs, &rw->capdirs, rw->ndirs, sizeof(*d), 8);
	if (!d) {
		rw->pend_full = true;
		return;
	}
	rw->dirs = d;
	d = &rw->dirs[rw->ndirs];
	d->kind = kind;
	d->rel = strdup(rel);
	if (!d->rel) {
		rw->pend_full = true;
		return;
	}
	rw->ndirs++;
}

/* Loop side. */

static void repo_watch_watcher_maybe_free(struct repo_watcher *w)
{
	if (!w->destroyed || w->nalive > 0 || w->ninst > 0)
		return;
	free(w->buckets);
	free(w->drops);
	uv_mutex_destroy(&w->lock);
	free(w);
}

static void repo_watch_maybe_free(struct repo_watch *rw)
{
	struct repo_watcher *w = rw->w;

	if (!rw->removed || rw->handles > 0 || rw->job)
		return;
	git_repository_free(rw->repo);
	free(rw->root);
	free(rw->gitdir);
	free(rw->commondir);
	free(rw->exclude);
	repo_watch_free_dirs(rw->dirs, rw->ndirs);
	repo_watch_pathset_clear(&rw->paths);
	repo_watch_strv_clear(&rw->skipped);
	free(rw);
	w->nalive--;
	repo_watch_watcher_maybe_free(w);
}

static void repo_watch_timer_close_cb(uv_handle_t *h)
{
	struct repo_watch *rw = h->data;

	rw->handles--;
	repo_watch_maybe_free(rw);
}

static void repo_watch_inst_close_cb(uv_handle_t *h)
{
	struct repo_watch_inst *in = h->data;
	struct repo_watcher *w = in->w;

	close(in->fd);
	free(in);
	w->ninst--;
	repo_watch_watcher_maybe_free(w);
}

/* Closes the instance: the kernel drops whatever watches are left with the descriptor. */
static void repo_watch_inst_close(struct repo_watcher *w)
{
	struct repo_watch_inst *in = w->inst;

	if (!in)
		return;
	uv_mutex_lock(&w->lock);
	for (size_t b = 0; b < w->nbuckets; b++)
		while (w->buckets[b])
			repo_watch_tab_remove(w, w->buckets[b], false);
	w->fd = -1;
	uv_mutex_unlock(&w->lock);
	w->inst = NULL;
	in->closing = true;
	uv_poll_stop(&in->poll);
	uv_close((uv_handle_t *)&in->poll, repo_watch_inst_close_cb);
}

static void repo_watch_cancel_job(struct repo_watch *rw)
{
	if (!rw->job)
		return;
	uv_mutex_lock(&rw->w->lock);
	atomic_store(&rw->job->cancelled, true);
	uv_mutex_unlock(&rw->w->lock);
	uv_cancel((uv_req_t *)&rw->job->req);
}

static void repo_watch_rescan_cb(uv_timer_t *t)
{
	struct repo_watch *rw = t->data;

	repo_watch_note_what(rw, REPO_WATCH_RESCAN, time_mono_ns());
}

static void repo_watch_set_degraded(struct repo_watch *rw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void repo_watch_set_degraded(struct repo_watch *rw, const char *fmt, ...)
{
	unsigned period = rw->w->t.degraded_rescan_ms;
	size_t keep = 0;
	va_list ap;

	if (rw->degraded)
		return;
	rw->degraded = true;
	va_start(ap, fmt);
	vsnprintf(rw->reason, sizeof(rw->reason), fmt, ap);
	va_end(ap);
	log_warnx("repo_watch: %s: %s; watching its git metadata only, with a full rescan every "
		  "%u s",
		  rw->root, rw->reason, (period + 999) / 1000);
	repo_watch_cancel_job(rw);
	repo_watch_drop_owners(rw, REPO_WATCH_KIND_BIT(REPO_WATCH_OWN_WORKTREE));
	for (size_t i = 0; i < rw->ndirs; i++) {
		if (rw->dirs[i].kind == REPO_WATCH_OWN_WORKTREE)
			free(rw->dirs[i].rel);
		else
			rw->dirs[keep++] = rw->dirs[i];
	}
	rw->ndirs = keep;
	uv_timer_start(&rw->rescan_timer, repo_watch_rescan_cb, period, period);
	repo_watch_note_what(rw, REPO_WATCH_RESCAN, time_mono_ns());
}

static void repo_watch_set_gone(struct repo_watch *rw)
{
	rw->gone = true;
	log_warnx("repo_watch: %s was deleted or moved away; no longer watching it", rw->root);
	repo_watch_cancel_job(rw);
	repo_watch_drop_owners(rw, REPO_WATCH_KINDS_ALL);
	uv_timer_stop(&rw->flush_timer);
	uv_timer_stop(&rw->rescan_timer);
	rw->window_open = false;
	rw->what = 0;
	rw->pend_full = rw->pend_flush = false;
	repo_watch_free_dirs(rw->dirs, rw->ndirs);
	rw->dirs = NULL;
	rw->ndirs = rw->capdirs = 0;
	repo_watch_pathset_clear(&rw->paths);
}

/* Calls touched then changed; false when a callback removed the watch. */
static bool repo_watch_deliver(struct repo_watch *rw, unsigned what,
			       const struct repo_watch_touch *t, size_t n)
{
	if (n > 0 && rw->ops.touched)
		rw->ops.touched(rw->arg, t, n);
	if (rw->removed || rw->gone)
		return false;
	if (what && rw->ops.changed)
		rw->ops.changed(rw->arg, what);
	return !rw->removed && !rw->gone;
}

static bool repo_watch_deliver_filtered(struct repo_watch *rw, struct repo_watch_job *j)
{
	struct repo_watch_touch *t = calloc(j->paths.n ? j->paths.n : 1, sizeof(*t));
	unsigned what = j->what;
	size_t n = 0;
	bool ok;

	for (size_t i = 0; i < j->paths.n; i++) {
		struct repo_watch_path *it = &j->paths.items[i];

		if (!it->keep)
			continue;
		what |= REPO_WATCH_WORKTREE | (it->dir ? REPO_WATCH_DIRS : 0);
		if (it->mono_ns > rw->last_activity_ns)
			rw->last_activity_ns = it->mono_ns;
		if (!it->dir && t)
			t[n++] =
			    (struct repo_watch_touch){.path = it->path, .mono_ns = it->mono_ns};
	}
	if (j->paths.overflow)
		what |= REPO_WATCH_WORKTREE | REPO_WATCH_TRUNCATED;
	ok = repo_watch_deliver(rw, what, t, n);
	free(t);
	return ok;
}

/*
 * A git change that left the state outside the excluded directory as it was (a commit, a
 * checkout or a staging of logs alone) is no change.
 */
static void repo_watch_digest_done(struct repo_watch *rw, struct repo_watch_job *j)
{
	bool same = j->digest_ok && rw->digest_valid && git_oid_equal(&rw->digest, &j->digest);

	rw->digest = j->digest;
	rw->digest_valid = j->digest_ok;
	if (same && j->flush)
		j->what &= ~REPO_WATCH_GITDIR;
}

/*
 * The ignored directories left out, after a job: a complete walk of the worktree lists them
 * all; other walks add theirs; those a git change made tracked were walked and leave the list.
 */
static void repo_watch_skipped_done(struct repo_watch *rw, struct repo_watch_job *j)
{
	struct repo_watch_strv *l = &rw->skipped;
	size_t keep = 0;

	if (j->full && j->complete && j->worktree) {
		repo_watch_strv_clear(l);
		*l = j->skipped;
		memset(&j->skipped, 0, sizeof(j->skipped));
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		bool gone = false;

		for (size_t k = 0; k < j->recheck.n && j->rewalked && !gone; k++)
			gone = j->rewalked[k] && strcmp(l->v[i], j->recheck.v[k]) == 0;
		if (gone)
			free(l->v[i]);
		else
			l->v[keep++] = l->v[i];
	}
	l->n = keep;
	l->full = l->full || j->skipped.full;
	for (size_t i = 0; i < j->skipped.n; i++)
		repo_watch_strv_add(l, j->skipped.v[i]);
}

static void repo_watch_job_done(uv_work_t *req, int status)
{
	struct repo_watch_job *j = req->data;
	struct repo_watch *rw = j->rw;
	int64_t now = time_mono_ns();

	rw->job = NULL;
	if (j->repo_opened) {
		rw->repo = j->repo;
		j->repo_opened = false;
	}
	if (j->setup) {
		rw->ready = true;
		if (!rw->gitdir && j->gitdir)
			rw->gitdir = strdup(j->gitdir);
		if (!rw->commondir && j->commondir)
			rw->commondir = strdup(j->commondir);
	}
	if (status == 0)
		log_debug(
		    "repo_watch: %s: %s%s%sjob took %.1f ms: %zu directories walked, %zu paths "
		    "filtered, %zu watches",
		    rw->root, j->setup ? "setup " : "", j->full && !j->setup ? "rescan " : "",
		    j->flush ? "report " : "", (double)j->work_ns / 1e6, j->nwalked,
		    j->flush ? j->paths.n : 0, rw->nowned);
	if (status < 0 || atomic_load(&j->cancelled) || rw->removed || rw->gone) {
		repo_watch_job_free(j);
		if (rw->removed)
			repo_watch_maybe_free(rw);
		else
			repo_watch_kick(rw);
		return;
	}
	if (j->root_missing) {
		repo_watch_job_free(j);
		repo_watch_set_gone(rw);
		if (rw->ops.gone)
			rw->ops.gone(rw->arg);
		return;
	}
	if (j->add_err == ENOSPC) {
		if (rw->w->limit)
			repo_watch_set_degraded(rw,
						"inotify watch limit reached (%zu watches, or "
						"fs.inotify.max_user_watches)",
						rw->w->limit);
		else
			repo_watch_set_degraded(
			    rw, "inotify watch limit reached (fs.inotify.max_user_watches)");
	} else if (j->add_err) {
		repo_watch_set_degraded(rw, "cannot add inotify watches: %s", strerror(j->add_err));
	} else if (j->full && j->complete) {
		struct repo_watch_drop_match m = {.rw = rw,
						  .kinds = j->worktree ? REPO_WATCH_KINDS_ALL
								       : REPO_WATCH_KINDS_GIT,
						  .keep_gen = j->gen};

		uv_mutex_lock(&rw->w->lock);
		repo_watch_tab_drop(rw->w, &m);
		uv_mutex_unlock(&rw->w->lock);
	}
	repo_watch_skipped_done(rw, j);
	if (!rw->degraded)
		for (size_t i = 0; i < j->nfound; i++)
			repo_watch_note_path(rw, j->found[i], false, now);
	if (j->found_more && !rw->degraded) {
		rw->paths.overflow = true;
		repo_watch_arm_flush(rw);
	}
	if (j->found_ref)
		repo_watch_note_what(rw, REPO_WATCH_GITDIR, now);
	if (j->exclude)
		repo_watch_digest_done(rw, j);
	if (j->flush && !repo_watch_deliver_filtered(rw, j)) {
		repo_watch_job_free(j);
		return;
	}
	repo_watch_job_free(j);
	repo_watch_kick(rw);
}

static void repo_watch_start_job(struct repo_watch *rw)
{
	struct repo_watch_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j || !(j->root = strdup(rw->root)) ||
	    (rw->gitdir && !(j->gitdir = strdup(rw->gitdir))) ||
	    (rw->commondir && !(j->commondir = strdup(rw->commondir)))) {
		log_warnx("repo_watch: out of memory starting a scan of %s", rw->root);
		if (j)
			repo_watch_job_free(j);
		return;
	}
	j->rw = rw;
	atomic_init(&j->cancelled, false);
	j->req.data = j;
	/* 0 means "any generation" to repo_watch_tab_drop. */
	if (++rw->gen == 0)
		rw->gen = 1;
	j->gen = rw->gen;
	j->repo = rw->repo;
	j->setup = rw->pend_setup;
	/* More ignored directories left out than remembered: a git change walks everything. */
	j->full = rw->pend_setup || rw->pend_full ||
		  (rw->pend_flush && (rw->what & REPO_WATCH_GITDIR) && rw->skipped.full);
	j->worktree = !rw->degraded;
	rw->pend_setup = rw->pend_full = false;
	j->dirs = rw->dirs;
	j->ndirs = rw->ndirs;
	rw->dirs = NULL;
	rw->ndirs = rw->capdirs = 0;
	if (rw->pend_flush) {
		j->flush = true;
		j->what = rw->what;
		rw->what = 0;
		repo_watch_pathset_move(&j->paths, &rw->paths);
		rw->pend_flush = false;
	}
	/* A git change: the ignored directories left out are asked again (a full walk asks
	 * anyway). */
	if (j->flush && !j->full && j->worktree && (j->what & REPO_WATCH_GITDIR) && rw->skipped.n) {
		j->rewalked = calloc(rw->skipped.n, sizeof(*j->rewalked));
		for (size_t i = 0; j->rewalked && i < rw->skipped.n; i++)
			repo_watch_strv_add(&j->recheck, rw->skipped.v[i]);
	}
	if (rw->exclude && (rw->pend_digest || (j->what & REPO_WATCH_GITDIR)) &&
	    !(j->exclude = strdup(rw->exclude)))
		rw->digest_valid = false;
	rw->pend_digest = false;
	r = uv_queue_work(rw->w->loop, &j->req, repo_watch_job_work, repo_watch_job_done);
	if (r < 0) {
		log_warnx("repo_watch: cannot queue a scan of %s: %s", rw->root, uv_strerror(r));
		repo_watch_job_free(j);
		return;
	}
	rw->job = j;
}

/* Starts the next job or delivers a report that needs none; never while one runs. */
static void repo_watch_kick(struct repo_watch *rw)
{
	bool scans = rw->pend_setup || rw->pend_full || rw->ndirs > 0 || rw->pend_digest;

	if (rw->removed || rw->gone || rw->job)
		return;
	if (!scans && !rw->pend_flush)
		return;
	/* With an excluded directory, a git change is weighed on a worker first. */
	if (!scans && rw->paths.n == 0 && !rw->paths.overflow &&
	    !((rw->exclude || rw->skipped.n) && (rw->what & REPO_WATCH_GITDIR))) {
		unsigned what = rw->what;

		rw->what = 0;
		rw->pend_flush = false;
		if (what)
			repo_watch_deliver(rw, what, NULL, 0);
		return;
	}
	repo_watch_start_job(rw);
}

static void repo_watch_flush_cb(uv_timer_t *t)
{
	struct repo_watch *rw = t->data;

	rw->window_open = false;
	rw->report_first_ns = rw->window_first_ns;
	rw->pend_flush = true;
	repo_watch_kick(rw);
}

/* Event handling, on the loop with w->lock held. */

static void repo_watch_drop_later(struct repo_watcher *w, struct repo_watch *rw, uint8_t kind,
				  const char *prefix)
{
	struct repo_watch_drop *d;

	d = array_grow(w->drops, &w->capdrops, w->ndrops, sizeof(*d), 4);
	if (!d)
		return;
	w->drops = d;
	d = &w->drops[w->ndrops];
	d->rw = rw;
	d->kind = kind;
	d->prefix = strdup(prefix);
	if (d->prefix)
		w->ndrops++;
}

static void repo_watch_owner_event(struct repo_watcher *w, struct repo_watch_owner *o,
				   uint32_t mask, const char *name)
{
	struct repo_watch *rw = o->rw;
	int64_t now;

	if (rw->removed || rw->gone || rw->gone_pending)
		return;
	if (!*name) {
		if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) &&
		    repo_watch_owner_is_root(o))
			rw->gone_pending = true;
		return;
	}
	now = repo_watch_batch_now(w);
	switch (o->kind) {
	case REPO_WATCH_OWN_WORKTREE:
		if (strcmp(name, ".git") == 0 ||
		    !repo_watch_join_rel(w->path, sizeof(w->path), o->rel, name))
			return;
		if (mask & IN_ISDIR) {
			if (mask & (IN_CREATE | IN_MOVED_TO))
				repo_watch_request_dir(rw, REPO_WATCH_OWN_WORKTREE, w->path);
			if (mask & (IN_DELETE | IN_MOVED_FROM))
				repo_watch_note_path(rw, w->path, true, now);
			if (mask & IN_MOVED_FROM)
				repo_watch_drop_later(w, rw, REPO_WATCH_OWN_WORKTREE, w->path);
			return;
		}
		repo_watch_note_path(rw, w->path, false, now);
		if (strcmp(name, ".gitignore") == 0 && !(mask & (IN_MODIFY | IN_ATTRIB)))
			rw->pend_full = true;
		return;
	case REPO_WATCH_OWN_GITDIR:
		if (!(mask & IN_ISDIR) && (strcmp(name, "HEAD") == 0 || strcmp(name, "index") == 0))
			repo_watch_note_what(rw, REPO_WATCH_GITDIR, now);
		return;
	case REPO_WATCH_OWN_COMMON:
		if (!(mask & IN_ISDIR) && strcmp(name, "packed-refs") == 0)
			repo_watch_note_what(rw, REPO_WATCH_GITDIR, now);
		return;
	case REPO_WATCH_OWN_REFS:
		if (repo_watch_ends_with(name, ".lock") ||
		    !repo_watch_join_rel(w->path, sizeof(w->path), o->rel, name))
			return;
		if (mask & IN_ISDIR) {
			if (mask & (IN_CREATE | IN_MOVED_TO))
				repo_watch_request_dir(rw, REPO_WATCH_OWN_REFS, w->path);
			if (mask & IN_MOVED_FROM)
				repo_watch_drop_later(w, rw, REPO_WATCH_OWN_REFS, w->path);
			return;
		}
		repo_watch_note_what(rw, REPO_WATCH_GITDIR, now);
		return;
	}
}

static void repo_watch_overflow_all(struct repo_watcher *w)
{
	log_warnx("repo_watch: inotify queue overflowed; rescanning every watched repository");
	for (struct repo_watch *rw = w->watches; rw; rw = rw->next) {
		if (rw->removed || rw->gone)
			continue;
		rw->pend_full = true;
		repo_watch_note_what(rw, REPO_WATCH_RESCAN, repo_watch_batch_now(w));
	}
}

static void repo_watch_handle_event(struct repo_watcher *w, int wd, uint32_t mask, const char *name)
{
	struct repo_watch_wd *e;

	if (mask & IN_Q_OVERFLOW) {
		repo_watch_overflow_all(w);
		return;
	}
	e = repo_watch_tab_find(w, wd);
	if (!e)
		return;
	if (mask & IN_IGNORED) {
		/* The kernel dropped the watch: directory deleted or file system unmounted. */
		for (struct repo_watch_owner *o = e->owners; o; o = o->next)
			if (repo_watch_owner_is_root(o) && !o->rw->removed && !o->rw->gone)
				o->rw->gone_pending = true;
		repo_watch_tab_remove(w, e, false);
		return;
	}
	for (struct repo_watch_owner *o = e->owners; o; o = o->next)
		repo_watch_owner_event(w, o, mask, name);
	for (size_t i = 0; i < w->ndrops; i++) {
		struct repo_watch_drop_match m = {.rw = w->drops[i].rw,
						  .kinds = REPO_WATCH_KIND_BIT(w->drops[i].kind),
						  .prefix = w->drops[i].prefix};

		repo_watch_tab_drop(w, &m);
		free(w->drops[i].prefix);
	}
	w->ndrops = 0;
}

static void repo_watch_process_events(struct repo_watcher *w, const char *buf, size_t len)
{
	struct repo_watch *rw, *next;
	size_t off = 0;

	w->batch_ns = 0;
	uv_mutex_lock(&w->lock);
	while (off + sizeof(struct inotify_event) <= len) {
		struct inotify_event ev;

		memcpy(&ev, buf + off, sizeof(ev));
		if (ev.len > len - off - sizeof(ev))
			break;
		repo_watch_handle_event(w, ev.wd, ev.mask, ev.len ? buf + off + sizeof(ev) : "");
		off += sizeof(ev) + ev.len;
	}
	uv_mutex_unlock(&w->lock);
	/* Callbacks may remove watches; removed ones stay allocated until their close callbacks. */
	for (rw = w->watches; rw; rw = next) {
		next = rw->next;
		if (rw->removed)
			continue;
		if (rw->gone_pending && !rw->gone) {
			repo_watch_set_gone(rw);
			if (rw->ops.gone)
				rw->ops.gone(rw->arg);
			continue;
		}
		repo_watch_kick(rw);
	}
}

static void repo_watch_fail_all(struct repo_watcher *w, const char *what, int err)
{
	struct repo_watch *rw, *next;

	log_warnx("repo_watch: %s: %s", what, uv_strerror(err));
	for (rw = w->watches; rw; rw = next) {
		next = rw->next;
		if (!rw->removed && !rw->gone)
			repo_watch_set_degraded(rw, "%s: %s", what, uv_strerror(err));
	}
	repo_watch_inst_close(w);
}

static void repo_watch_poll_cb(uv_poll_t *h, int status, int events)
{
	struct repo_watch_inst *in = h->data;
	struct repo_watcher *w = in->w;

	(void)events;
	if (status < 0) {
		repo_watch_fail_all(w, "polling the inotify descriptor failed", status);
		return;
	}
	/* Bounded, for fairness: the poll is level-triggered, so what is left comes next turn. */
	for (int reads = 0; reads < 16 && !in->closing; reads++) {
		ssize_t n = read(in->fd, in->buf, sizeof(in->buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				repo_watch_fail_all(w, "reading inotify events failed", -errno);
			return;
		}
		if (n == 0)
			return;
		repo_watch_process_events(w, in->buf, (size_t)n);
	}
}

static int repo_watch_inst_open(struct repo_watcher *w)
{
	struct repo_watch_inst *in;
	int fd, r;

	if (w->inst)
		return 0;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	in = calloc(1, sizeof(*in));
	if (!in) {
		close(fd);
		return -ENOMEM;
	}
	in->w = w;
	in->fd = fd;
	r = uv_poll_init(w->loop, &in->poll, fd);
	if (r < 0) {
		close(fd);
		free(in);
		return r;
	}
	in->poll.data = in;
	w->ninst++;
	r = uv_poll_start(&in->poll, UV_READABLE, repo_watch_poll_cb);
	if (r < 0) {
		w->inst = in;
		repo_watch_inst_close(w);
		return r;
	}
	uv_mutex_lock(&w->lock);
	w->fd = fd;
	uv_mutex_unlock(&w->lock);
	w->inst = in;
	return 0;
}

/* Public API. */

struct repo_watcher *repo_watcher_create(uv_loop_t *loop, const struct repo_watcher_timing *timing)
{
	struct repo_watcher *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (uv_mutex_init(&w->lock) < 0) {
		free(w);
		return NULL;
	}
	w->loop = loop;
	w->fd = -1;
	if (timing)
		w->t = *timing;
	if (!w->t.settle_ms)
		w->t.settle_ms = REPO_WATCH_SETTLE_MS;
	if (!w->t.max_delay_ms)
		w->t.max_delay_ms = REPO_WATCH_MAX_DELAY_MS;
	if (w->t.max_delay_ms < w->t.settle_ms)
		w->t.max_delay_ms = w->t.settle_ms;
	if (!w->t.degraded_rescan_ms)
		w->t.degraded_rescan_ms = REPO_WATCH_DEGRADED_RESCAN_MS;
	return w;
}

void repo_watcher_destroy(struct repo_watcher *w)
{
	struct repo_watch *rw, *next;

	if (!w || w->destroyed)
		return;
	w->destroyed = true;
	for (rw = w->watches; rw; rw = next) {
		next = rw->next;
		repo_watch_remove(rw);
	}
	repo_watch_inst_close(w);
	repo_watch_watcher_maybe_free(w);
}

void repo_watcher_set_limit(struct repo_watcher *w, size_t max_watches)
{
	uv_mutex_lock(&w->lock);
	w->limit = max_watches;
	uv_mutex_unlock(&w->lock);
}

/* *field of the watcher or one of its watches, read under w->lock (const or not). */
static size_t repo_watch_read_locked(const struct repo_watcher *w, const size_t *field)
{
	uv_mutex_t *lock = (uv_mutex_t *)&w->lock;
	size_t n;

	uv_mutex_lock(lock);
	n = *field;
	uv_mutex_unlock(lock);
	return n;
}

size_t repo_watcher_count(const struct repo_watcher *w)
{
	return repo_watch_read_locked(w, &w->nentries);
}

int repo_watcher_fd(const struct repo_watcher *w)
{
	return w->inst ? w->inst->fd : -1;
}

#ifdef STINT_TEST_HOOKS
/* A buffer of whole inotify events, each name NUL-terminated within its length. */
static bool repo_watch_events_valid(const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct inotify_event ev;

		if (len - off < sizeof(ev))
			return false;
		memcpy(&ev, buf + off, sizeof(ev));
		if (ev.len > len - off - sizeof(ev))
			return false;
		if (ev.len > 0 && !memchr(buf + off + sizeof(ev), '\0', ev.len))
			return false;
		off += sizeof(ev) + ev.len;
	}
	return true;
}

int repo_watcher_inject(struct repo_watcher *w, const void *buf, size_t len)
{
	if (!repo_watch_events_valid(buf, len))
		return -EINVAL;
	repo_watch_process_events(w, buf, len);
	return 0;
}
#endif

struct repo_watch *repo_watch_add(struct repo_watcher *w, const char *worktree_root,
				  const char *gitdir, const char *commondir,
				  const struct repo_watch_ops *ops, void *arg)
{
	struct repo_watch *rw = calloc(1, sizeof(*rw));
	int r;

	if (!rw)
		return NULL;
	rw->root = repo_watch_strip_slash(worktree_root);
	rw->gitdir = gitdir ? repo_watch_strip_slash(gitdir) : NULL;
	rw->commondir = commondir ? repo_watch_strip_slash(commondir) : NULL;
	if (!rw->root || (gitdir && !rw->gitdir) || (commondir && !rw->commondir)) {
		free(rw->root);
		free(rw->gitdir);
		free(rw->commondir);
		free(rw);
		return NULL;
	}
	rw->w = w;
	rw->ops = *ops;
	rw->arg = arg;
	uv_timer_init(w->loop, &rw->flush_timer);
	uv_timer_init(w->loop, &rw->rescan_timer);
	rw->flush_timer.data = rw->rescan_timer.data = rw;
	rw->handles = 2;
	rw->next = w->watches;
	if (w->watches)
		w->watches->prev = rw;
	w->watches = rw;
	w->nwatches++;
	w->nalive++;
	r = repo_watch_inst_open(w);
	if (r < 0) {
		rw->ready = true;
		repo_watch_set_degraded(rw, "cannot create an inotify instance: %s",
					uv_strerror(r));
		return rw;
	}
	rw->pend_setup = true;
	repo_watch_kick(rw);
	return rw;
}

int repo_watch_exclude(struct repo_watch *rw, const char *dir)
{
	size_t n = strlen(rw->root);
	char *rel;

	if (!dir || strncmp(dir, rw->root, n) != 0 || dir[n] != '/' || !dir[n + 1])
		return 0;
	if (!(rel = repo_watch_strip_slash(dir + n + 1)))
		return -ENOMEM;
	free(rw->exclude);
	rw->exclude = rel;
	rw->digest_valid = false;
	rw->pend_digest = true;
	repo_watch_kick(rw);
	return 0;
}

void repo_watch_remove(struct repo_watch *rw)
{
	struct repo_watcher *w;

	if (!rw || rw->removed)
		return;
	w = rw->w;
	rw->removed = true;
	repo_watch_cancel_job(rw);
	repo_watch_drop_owners(rw, REPO_WATCH_KINDS_ALL);
	if (rw->prev)
		rw->prev->next = rw->next;
	else
		w->watches = rw->next;
	if (rw->next)
		rw->next->prev = rw->prev;
	w->nwatches--;
	uv_close((uv_handle_t *)&rw->flush_timer, repo_watch_timer_close_cb);
	uv_close((uv_handle_t *)&rw->rescan_timer, repo_watch_timer_close_cb);
	if (w->nwatches == 0)
		repo_watch_inst_close(w);
}

bool repo_watch_ready(const struct repo_watch *rw)
{
	return rw->ready;
}

bool repo_watch_degraded(const struct repo_watch *rw)
{
	return rw->degraded;
}

const char *repo_watch_degraded_reason(const struct repo_watch *rw)
{
	return rw->degraded ? rw->reason : NULL;
}

bool repo_watch_gone(const struct repo_watch *rw)
{
	return rw->gone;
}

size_t repo_watch_count(const struct repo_watch *rw)
{
	return repo_watch_read_locked(rw->w, &rw->nowned);
}

int64_t repo_watch_report_first(const struct repo_watch *rw)
{
	return rw->report_first_ns;
}

int64_t repo_watch_last_activity(const struct repo_watch *rw)
{
	return rw->last_activity_ns;
}
