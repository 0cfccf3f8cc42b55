#ifndef STINTD_TEMPLATE_TIMELINE_H
#define STINTD_TEMPLATE_TIMELINE_H

#include <jansson.h>

struct view;

/*
 * The Activities timeline (docs/templates.md): the record's events, the session's commits and its
 * idle and suspend gaps as numbered items in time order, with notes, todos and decisions as
 * sub-items.
 */

/* Fills "activities". */
void template_timeline_activities(struct view *v);

#endif
