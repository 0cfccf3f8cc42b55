#ifndef STINTD_TEMPLATE_INT_H
#define STINTD_TEMPLATE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/*
 * Internals shared by the log renderer's files (daemon/template_*.c), included by them only: the
 * view being built and the helpers that read the record and set the view's values. Each file
 * fills its part of the view (docs/templates.md); template_view() calls them in turn.
 */

struct strbuf;

/* Stamps after 9999-12-31 and durations beyond ~31,000 years are nonsense: treated as absent. */
#define TEMPLATE_STAMP_MAX_MS 253402300799999LL
#define TEMPLATE_SECONDS_MAX  1000000000000LL
#define TEMPLATE_COUNT_MAX    1000000000000LL
/* Longest excerpt of a text in the Activities timeline, a heading, a table cell. */
#define TEMPLATE_ACTIVITY_CLIP 100
#define TEMPLATE_HEADING_CLIP  80
#define TEMPLATE_SUBJECT_CLIP  72

/* The view of a record being built; oom is set by any allocation that fails. */
struct view {
	const json_t *rec;
	json_t *root;
	bool oom;
	/* The record's "stats" when it holds the four counts of docs/log-record.md, else NULL. */
	const json_t *stats;
	char *focus, *branch, *branch_end, *author, *repo_name, *repo, *log_dir;
	int64_t started_at, ended_at;
	/* Local date of the start: times on another day carry their date. */
	char ref_day[16];
};

/*
 * template_view.c: reading the record. A missing field, or one of the wrong type, is absent:
 * NULL, or -1 for a number (also outside 0..max). Texts are cleaned (template_md_clean), malloc'd.
 */
char *template_view_clean(struct view *v, const json_t *j);
char *template_view_get_text(struct view *v, const json_t *obj, const char *key);
int64_t template_view_get_int(const json_t *obj, const char *key, int64_t max);
const json_t *template_view_get_array(const json_t *obj, const char *key);
bool template_view_str_eq(const json_t *j, const char *s);

/* template_view.c: setting the view's values; a failed allocation sets v->oom. */
json_t *template_view_item_new(struct view *v);
void template_view_list_add(struct view *v, json_t *list, json_t *item);
void template_view_set_json(struct view *v, json_t *obj, const char *key, json_t *val);
/* obj[key] = list when it has items; the list is consumed either way. */
void template_view_set_list(struct view *v, json_t *obj, const char *key, json_t *list);
void template_view_set_str(struct view *v, json_t *obj, const char *key, const char *s);
void template_view_set_int(struct view *v, json_t *obj, const char *key, int64_t n);
/* Moves o's text into obj[key]; nothing when o is empty. */
void template_view_set_out(struct view *v, json_t *obj, const char *key, struct strbuf *o);
void template_view_set_inline(struct view *v, json_t *obj, const char *key, const char *text,
			      unsigned flags);
/* Continuation lines stay at the margin: the engine indents them where the value lands. */
void template_view_set_block(struct view *v, json_t *obj, const char *key, const char *text,
			     unsigned flags);
/* The list's last item gets "last": true. */
void template_view_mark_last(struct view *v, json_t *list);
/* "n" and "indent": the spaces that put a sub-item under the text of item n ("1. " is 3). */
void template_view_set_numbered(struct view *v, json_t *item, int n);

/* template_view.c: display text. */
/* "14:05", or "2025-11-26 00:15" on another day than the start. */
void template_view_format_when(struct view *v, int64_t at, char *buf, size_t n);
/* "1 commit", "3 commits". */
void template_view_put_count(struct strbuf *o, int64_t n, const char *one, const char *many);
/* "+10 -2": lines added and removed. */
void template_view_put_lines(struct strbuf *o, int64_t added, int64_t removed);
/* path as seen from the directory dir: "./x.md", "../../docs/adr/1.md"; NULL if it cannot be. */
char *template_view_relative_path(const char *dir, const char *path);
/* Whether path is dir or inside it (both absolute, compared as written). */
bool template_view_path_inside(const char *path, const char *dir);

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

/* The kind of a record event (its "kind"), SESSION_EV_UNKNOWN when missing or unknown. */
enum session_event_kind template_view_event_kind(const json_t *ev);

#endif
