#ifndef STINTD_STINTD_H
#define STINTD_STINTD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "session.h"
#include "timeutil.h"

struct autostart;
struct sleepwatch;
struct ctl;
struct notify;
struct store;

/* The daemon: one of these, owned by main, reachable from every handle through ->data. */
struct stintd {
	uv_loop_t *loop;
	struct config cfg;
	char *config_path;
	char *state_dir;
	struct store *store;
	struct ctl *ctl;
	struct session *sessions; /* open sessions, a doubly linked list */
	struct repo_watcher *watcher;
	struct autostart *autostart;   /* autostart.c: watched repositories without a session */
	struct sleepwatch *sleepwatch; /* sleepwatch.c: logind's PrepareForSleep, or NULL */
	char boot_id[TIME_BOOT_ID_LEN + 1];
	int64_t started_mono_ns;
	unsigned jobs; /* worker-pool jobs in flight, other than the store's */
	bool stopping;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t watchdog;
	uv_timer_t deadline;	 /* deadline.c: the next auto-stop or reminder */
	struct notify *notices; /* notices.c: desktop notifications */
	bool watchdog_on;
};

/* Called whenever a job or store batch ends: finishes a pending shutdown once all is idle. */
void stintd_maybe_exit(struct stintd *d);

#endif
