#ifndef STINTD_DEADLINE_H
#define STINTD_DEADLINE_H

/*
 * One timer for every session's next deadline (max_session, auto_stop_after_idle): armed for
 * the earliest, re-armed whenever sessions change. With no deadline there is no timer at all.
 */

struct stintd;

void deadline_init(struct stintd *d);
/* Recomputes the earliest deadline; call after a session starts, stops or sees activity. */
void deadline_rearm(struct stintd *d);
void deadline_close(struct stintd *d);

#endif
