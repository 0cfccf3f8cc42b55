#ifndef STINTD_TEMPLATE_INT_H
#define STINTD_TEMPLATE_INT_H

#include <jansson.h>

#include "template_record.h"

/*
 * The view's parts filled by the log renderer's files (daemon/template_*.c), included by them
 * only (docs/templates.md); template_view() calls them in turn.
 */

/* template_timeline.c: "activities", events, commits and gaps in one timeline. */
void template_timeline_activities(struct view *v);

/* template_items.c: a todo's priority ("medium" when unknown), a note's kind ("note"). */
const char *template_items_priority(const json_t *item);
const char *template_items_note_kind(const json_t *item, const char *key);
/* "learnings", "challenges", "notes". */
void template_items_notes(struct view *v);
void template_items_decisions(struct view *v);
/* Architecture decision records the session added or changed (not deleted). */
void template_items_adrs(struct view *v);
/* Fills "todos"; returns the `stint todo --next` items, for template_changes_next. */
json_t *template_items_todos(struct view *v);

/*
 * template_changes.c: Next Steps (the previous log's unchecked items, then this session's
 * `stint todo --next` items: next_todos, consumed), Files Modified, checks, references,
 * previous logs.
 */
void template_changes_next(struct view *v, json_t *next_todos);
void template_changes_files(struct view *v);
void template_changes_checks(struct view *v);
void template_changes_refs(struct view *v);
void template_changes_previous(struct view *v);

#endif
