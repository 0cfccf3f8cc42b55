#ifndef STINTD_TEMPLATE_VIEW_H
#define STINTD_TEMPLATE_VIEW_H

#include <jansson.h>

/*
 * The view of a session record (docs/templates.md, "The view"): every display string computed
 * and escaped for Markdown, the values the template fills in. Pure: no I/O, no clock.
 */

/* The view of a record, as the template sees it (NULL if record is not an object, or no memory). */
json_t *template_view(const json_t *record);

#endif
