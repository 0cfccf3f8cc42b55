#ifndef STINTD_LOGWRITER_SWEEP_H
#define STINTD_LOGWRITER_SWEEP_H

struct stintd;

/* The start-up sweep looks at the log directories of this many newest sessions. */
#define LOGWRITER_SWEEP_SESSIONS 200

/*
 * At start-up, on a worker: removes the temporary logs a killed stintd left (logwriter_sweep)
 * in the log directories it knows: where each of the LOGWRITER_SWEEP_SESSIONS newest sessions
 * of the store wrote its log, the [log] dir as expanded for each of their repositories
 * (where an open session's log would go), and the [log] dir itself when it has no
 * placeholder. Logs "start-up sweep done" (debug) at the end.
 * Returns 0, or -1 when it could not be queued (said why).
 */
int logwriter_sweep_start(struct stintd *d);

#endif
