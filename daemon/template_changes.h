#ifndef STINTD_TEMPLATE_CHANGES_H
#define STINTD_TEMPLATE_CHANGES_H

#include <jansson.h>

struct view;

/*
 * What the session changed and what comes next (docs/templates.md): Next Steps (the previous
 * log's unchecked items, then this session's `stint todo --next` items: next_todos, consumed),
 * Files Modified, checks, references, previous logs.
 */

void template_changes_next(struct view *v, json_t *next_todos);
void template_changes_files(struct view *v);
void template_changes_checks(struct view *v);
void template_changes_refs(struct view *v);
void template_changes_previous(struct view *v);

#endif
