#ifndef STINTD_TEMPLATE_TIMELINE_H
#define STINTD_TEMPLATE_TIMELINE_H

#include <jansson.h>

struct strbuf;
struct view;

/*
 * The Activities timeline (docs/templates.md): the record's events, the session's commits and its
 * idle and suspend gaps as numbered items in time order, with notes, todos and decisions as
 * sub-items.
 */

/* Fills "activities". */
void template_timeline_activities(struct view *v);

/* The header's Branch: every branch the session was on, in order ("main → fix/a → main"), from
 * the start's, the switches and the stop's; escaped for Markdown, appended to o. */
void template_timeline_branches(struct view *v, struct strbuf *o);

#endif
