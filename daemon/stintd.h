#ifndef STINTD_STINTD_H
#define STINTD_STINTD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "session.h"
#include "timeutil.h"

struct ctl;
struct deadline;
struct notify;
struct sleepwatch;
struct sessions_stop_state;
struct status_file;
struct store;
struct track;
struct watched;

/*
 * The daemon: one of these, owned by main, reachable from every handle through ->data. Each
 * module keeps its own state behind its pointer here; only sessions.c links or unlinks sessions.
 */
struct stintd {
	uv_loop_t *loop;
	struct config cfg;
	char *config_path;
	bool config_named; /* STINT_CONFIG or -c: the file must exist */
	char *state_dir;
	struct store *store;
	struct ctl *ctl;
	struct session *sessions; /* open sessions, a doubly linked list (sessions.c) */
	struct repo_watcher *watcher;
	struct track *track;		   /* track.c: each session's watch and recompute */
	struct watched *watched;	   /* watched.c: watched repositories without a session */
	struct sleepwatch *sleepwatch;	   /* sleepwatch.c: logind's PrepareForSleep, or NULL */
	struct deadline *deadline;	   /* deadline.c: the one timer, auto-stop retries */
	struct notify *notify;		   /* notify.c: desktop notifications */
	struct sessions_stop_state *stops; /* sessions_stop.c: stops in flight, kept summaries */
	struct status_file *status_file;   /* status_file.c: the snapshot a prompt reads */
	/* Stops since main's hook last ran, for their summary notifications (notify.c):
	 * [{"session", "log", "auto_why"}]. */
	json_t *closed;
	char boot_id[TIME_BOOT_ID_LEN + 1];
	int64_t started_mono_ns;
	unsigned jobs; /* work in flight other than the store's: stintd_queue_work, stintd_job_* */
	char *store_warning; /* sessions_restore.c: the store is damaged: what, and what to do */
	char *store_closed;  /* sessions_restore.c: the sessions closed as damaged at start-up */
	uv_timer_t backup;   /* main.c: when the store's next backup is due */
	bool stopping;
	bool changed; /* something changed: main's per-iteration hook has work */
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t watchdog;
	uv_prepare_t after; /* main.c: the "after changes" work, once per loop iteration */
};

/*
 * Marks that sessions, the config or the work in flight changed: once this loop iteration's
 * callbacks are done, main re-syncs the watches, decides reminders, re-arms the deadline timer
 * and, when stopping, exits once all is idle. Cheap; call it as often as needed.
 */
static inline void stintd_changed(struct stintd *d)
{
	d->changed = true;
}

/* A job for the worker pool, counted so that shutdown waits for it. Embed it in the job. */
struct stintd_work {
	uv_work_t req;
	struct stintd *d;
	uv_after_work_cb after;
};

/*
 * uv_queue_work, counted: after runs on the loop as usual (w->req.data is arg), then the count
 * drops and the daemon is marked changed. Returns 0 or a libuv error (nothing queued).
 */
int stintd_queue_work(struct stintd *d, struct stintd_work *w, void *arg, uv_work_cb work,
		      uv_after_work_cb after);
/* Work that is not on the pool (checks running as child processes) is counted by hand. */
void stintd_job_begin(struct stintd *d);
void stintd_job_end(struct stintd *d);

#endif
