#ifndef STINTD_SLEEPWATCH_H
#define STINTD_SLEEPWATCH_H

/*
 * logind's PrepareForSleep on the system bus (sd-bus), when there is one: the start of a suspend
 * goes into every open session's timeline as a "sleep" event, so the log places the gap exactly,
 * and at resume the deadlines are checked again. Durations never depend on it: without a system
 * bus (tests, containers, builds without libsystemd) nothing changes but the gap's placement.
 * The bus connection is idle unless logind signals: it adds no wakeups. Loop thread only.
 */

struct stintd;

/* Connects if a system bus is there; logs at debug level and carries on if not. */
void sleepwatch_start(struct stintd *d);
void sleepwatch_stop(struct stintd *d);

#endif
