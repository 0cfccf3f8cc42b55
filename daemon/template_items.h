#ifndef STINTD_TEMPLATE_ITEMS_H
#define STINTD_TEMPLATE_ITEMS_H

#include <jansson.h>

struct view;

/*
 * What the session noted (docs/templates.md): learnings, challenges and plain notes, decisions,
 * the ADR files it touched, and its TODOs.
 */

/* A todo's priority ("medium" when unknown), a note's kind ("note"). */
const char *template_items_priority(const json_t *item);
const char *template_items_note_kind(const json_t *item, const char *key);
/* "learnings", "challenges", "notes". */
void template_items_notes(struct view *v);
void template_items_decisions(struct view *v);
/* Architecture decision records the session added or changed (not deleted). */
void template_items_adrs(struct view *v);
/* Fills "todos"; returns the `stint todo --next` items, for template_changes_next. */
json_t *template_items_todos(struct view *v);

#endif
