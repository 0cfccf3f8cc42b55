#ifndef STINTD_TEMPLATE_RECORD_H
#define STINTD_TEMPLATE_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/*
 * The bottom of the log renderer's view (docs/templates.md): the view being built, reading the
 * record's fields and setting the view's values, for the files that fill its parts
 * (template_view.c, template_timeline.c, template_items.c, template_changes.c).
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
 * Reading the record. A missing field, or one of the wrong type, is absent: NULL, or -1 for a
 * number (also outside 0..max). Texts are cleaned (template_md_clean), malloc'd.
 */
char *template_record_clean(struct view *v, const json_t *j);
char *template_record_get_text(struct view *v, const json_t *obj, const char *key);
int64_t template_record_get_int(const json_t *obj, const char *key, int64_t max);
const json_t *template_record_get_array(const json_t *obj, const char *key);
bool template_record_str_eq(const json_t *j, const char *s);

/* Setting the view's values; a failed allocation sets v->oom. */
json_t *template_record_item_new(struct view *v);
void template_record_list_add(struct view *v, json_t *list, json_t *item);
void template_record_set_json(struct view *v, json_t *obj, const char *key, json_t *val);
/* obj[key] = list when it has items; the list is consumed either way. */
void template_record_set_list(struct view *v, json_t *obj, const char *key, json_t *list);
void template_record_set_str(struct view *v, json_t *obj, const char *key, const char *s);
void template_record_set_int(struct view *v, json_t *obj, const char *key, int64_t n);
/* Moves o's text into obj[key]; nothing when o is empty. */
void template_record_set_out(struct view *v, json_t *obj, const char *key, struct strbuf *o);
void template_record_set_inline(struct view *v, json_t *obj, const char *key, const char *text,
				unsigned flags);
/* Continuation lines stay at the margin: the engine indents them where the value lands. */
void template_record_set_block(struct view *v, json_t *obj, const char *key, const char *text,
			       unsigned flags);
/* The list's last item gets "last": true. */
void template_record_mark_last(struct view *v, json_t *list);
/* "n" and "indent": the spaces that put a sub-item under the text of item n ("1. " is 3). */
void template_record_set_numbered(struct view *v, json_t *item, int n);

/* Display text. */
/* "14:05", or "2025-11-26 00:15" on another day than the start. */
void template_record_format_when(struct view *v, int64_t at, char *buf, size_t n);
/* "1 commit", "3 commits". */
void template_record_put_count(struct strbuf *o, int64_t n, const char *one, const char *many);
/* "+10 -2": lines added and removed. */
void template_record_put_lines(struct strbuf *o, int64_t added, int64_t removed);
/* path as seen from the directory dir: "./x.md", "../../docs/adr/1.md"; NULL if it cannot be. */
char *template_record_relative_path(const char *dir, const char *path);
/* Whether path is dir or inside it (both absolute, compared as written). */
bool template_record_path_inside(const char *path, const char *dir);

/* The kind of a record event (its "kind"), SESSION_EV_UNKNOWN when missing or unknown. */
enum session_event_kind template_record_event_kind(const json_t *ev);

#endif
