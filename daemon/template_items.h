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
/* Next Steps' label for an item's priority: "high priority", "low priority", "blocked"; NULL for
 * medium (no label). The log's reader (logprep_open_items) takes it back. */
const char *template_items_priority_label(const json_t *item);
/* A file path as a link target for template_md_put_url: "%", "#" and "?" percent-encoded, which
 * a URL would read as an escape, a fragment, a query. malloc'd; NULL when out of memory. */
char *template_items_path_target(const char *path);
/* "learnings", "challenges", "notes". */
void template_items_notes(struct view *v);
void template_items_decisions(struct view *v);
/* Architecture decision records the session added or changed (not deleted). */
void template_items_adrs(struct view *v);
/* Fills "todos"; returns the `stint todo --next` items, for template_changes_next. */
json_t *template_items_todos(struct view *v);

#endif
