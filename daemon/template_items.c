/*
 * What the session noted: learnings, challenges and plain notes, decisions, the ADR files it
 * touched, and its TODOs (`stint todo` items and the TODO/FIXME/XXX lines its diff added).
 */
#include "template_items.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record.h"
#include "strbuf.h"
#include "template_md.h"
#include "template_record.h"

const char *template_items_priority(const json_t *item)
{
	const json_t *p = json_object_get(item, RECORD_PRIORITY);

	if (template_record_str_eq(p, "high") || template_record_str_eq(p, "low") ||
	    template_record_str_eq(p, "blocked"))
		return json_string_value(p);
	return "medium";
}

const char *template_items_priority_label(const json_t *item)
{
	const char *p = template_items_priority(item);

	if (strcmp(p, "high") == 0)
		return "high priority";
	if (strcmp(p, "low") == 0)
		return "low priority";
	return strcmp(p, "blocked") == 0 ? "blocked" : NULL;
}

const char *template_items_note_kind(const json_t *item, const char *key)
{
	const json_t *k = json_object_get(item, key);

	if (template_record_str_eq(k, "learning") || template_record_str_eq(k, "challenge"))
		return json_string_value(k);
	return "note";
}

/* Calls fn on each note of the given kind that has a text. */
static void template_items_each_note(struct view *v, const char *kind, json_t *list,
				     void (*fn)(struct view *v, json_t *item, int nth,
						const char *text))
{
	const json_t *notes = template_record_get_array(v->rec, RECORD_NOTES);
	int count = 0;

	for (size_t i = 0; i < json_array_size(notes); i++) {
		const json_t *note = json_array_get(notes, i);
		char *text;
		json_t *item;

		if (strcmp(template_items_note_kind(note, RECORD_KIND), kind) != 0 ||
		    !(text = template_record_get_text(v, note, RECORD_TEXT)))
			continue;
		item = template_record_item_new(v);
		fn(v, item, ++count, text);
		template_record_list_add(v, list, item);
		free(text);
	}
}

static void template_items_learning_item(struct view *v, json_t *item, int nth, const char *text)
{
	template_record_set_int(v, item, "n", nth);
	template_record_set_block(v, item, "text", text, 0);
}

static void template_items_challenge_item(struct view *v, json_t *item, int nth, const char *text)
{
	const char *rest = strchr(text, '\n');
	struct strbuf o = {0};
	bool clipped, more;

	template_md_first_line_clip(text, TEMPLATE_HEADING_CLIP, &clipped, &more);
	while (rest && rest[1] == '\n')
		rest++;
	template_record_set_int(v, item, "n", nth);
	template_md_put_excerpt(&o, text, TEMPLATE_HEADING_CLIP, TEMPLATE_MD_HEADING, false);
	template_record_set_out(v, item, "title", &o);
	/* The heading holds the first line; the rest is the problem, or all of a line cut short. */
	if (clipped)
		template_record_set_block(v, item, "problem", text, 0);
	else if (rest)
		template_record_set_block(v, item, "problem", rest + 1, 0);
}

static void template_items_note_item(struct view *v, json_t *item, int nth, const char *text)
{
	template_record_set_block(v, item, "text", text,
				  TEMPLATE_MD_FIRST_IS_BLOCK | TEMPLATE_MD_ITEM);
}

void template_items_notes(struct view *v)
{
	json_t *learnings = json_array(), *challenges = json_array(), *notes = json_array();

	if (learnings && challenges && notes) {
		template_items_each_note(v, "learning", learnings, template_items_learning_item);
		template_items_each_note(v, "challenge", challenges, template_items_challenge_item);
		template_items_each_note(v, "note", notes, template_items_note_item);
	}
	template_record_set_list(v, v->root, "learnings", learnings);
	template_record_set_list(v, v->root, "challenges", challenges);
	template_record_set_list(v, v->root, "notes", notes);
}

void template_items_decisions(struct view *v)
{
	const json_t *decisions = template_record_get_array(v->rec, RECORD_DECISIONS);
	json_t *list = json_array();
	int count = 0;

	for (size_t i = 0; list && i < json_array_size(decisions); i++) {
		const json_t *d = json_array_get(decisions, i);
		char *text = template_record_get_text(v, d, RECORD_TEXT), *why;
		json_t *item;

		if (!text)
			continue;
		why = template_record_get_text(v, d, RECORD_WHY);
		item = template_record_item_new(v);
		template_record_set_numbered(v, item, ++count);
		template_record_set_inline(v, item, "text", text, TEMPLATE_MD_BOLD);
		template_record_set_block(v, item, "why", why, 0);
		template_record_list_add(v, list, item);
		free(text);
		free(why);
	}
	template_record_set_list(v, v->root, "decisions", list);
}

/* A path with a directory named adr, adrs or decisions (any case) on the way. */
static bool template_items_adr_path(const char *path)
{
	for (const char *p = path; *p;) {
		size_t k = strcspn(p, "/");

		if (p[k] == '/' && ((k == 3 && strncasecmp(p, "adr", 3) == 0) ||
				    (k == 4 && strncasecmp(p, "adrs", 4) == 0) ||
				    (k == 9 && strncasecmp(p, "decisions", 9) == 0)))
			return true;
		p += k + (p[k] == '/');
	}
	return false;
}

char *template_items_path_target(const char *path)
{
	struct strbuf o = {0};

	for (const char *p = path; *p; p++)
		if (*p == '%' || *p == '#' || *p == '?')
			strbuf_printf(&o, "%%%02X", (unsigned)*p);
		else
			strbuf_putc(&o, *p);
	return o.error || !o.s ? (free(o.s), NULL) : o.s;
}

/* Where the log should point to reach a file of the repository (see docs/templates.md). */
static char *template_items_repo_file_link(struct view *v, const char *path)
{
	struct strbuf o = {0};
	char *rel;

	if (!v->repo || v->repo[0] != '/')
		return template_items_path_target(path);
	strbuf_puts(&o, v->repo);
	if (o.len && o.s[o.len - 1] != '/')
		strbuf_putc(&o, '/');
	strbuf_puts(&o, path);
	if (o.error) {
		free(o.s);
		return NULL;
	}
	if (v->log_dir && template_record_path_inside(v->log_dir, v->repo) &&
	    (rel = template_record_relative_path(v->log_dir, o.s))) {
		free(o.s);
		o.s = rel;
	}
	rel = template_items_path_target(o.s);
	free(o.s);
	return rel;
}

void template_items_adrs(struct view *v)
{
	const json_t *files = template_record_get_array(v->stats, RECORD_FILES);
	json_t *list = json_array();

	for (size_t i = 0; list && i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		char *path = template_record_get_text(v, f, RECORD_PATH), *target;
		struct strbuf o = {0};
		json_t *item;

		if (!path || template_record_str_eq(json_object_get(f, RECORD_STATUS), "D") ||
		    !template_items_adr_path(path) || strchr(path, '\n')) {
			free(path);
			continue;
		}
		item = template_record_item_new(v);
		template_md_put_code(&o, path, false);
		template_record_set_out(v, item, "path", &o);
		target = template_items_repo_file_link(v, path);
		strbuf_putc(&o, '[');
		template_md_put_code(&o, path, false);
		strbuf_puts(&o, "](");
		if (target)
			template_md_put_url(&o, target);
		strbuf_putc(&o, ')');
		template_record_set_out(v, item, "link", &o);
		template_record_list_add(v, list, item);
		free(target);
		free(path);
	}
	template_record_mark_last(v, list);
	template_record_set_list(v, v->root, "adrs", list);
}

static const char *const priorities[] = {"high", "medium", "low", "blocked"};

static int template_items_priority_index(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(p, priorities[i]) == 0)
			return i;
	return 1;
}

static bool template_items_word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Where the first whole-word TODO, FIXME or XXX is in s, and its length (0: none). */
static size_t template_items_todo_keyword(const char *s, size_t *len)
{
	static const char *const words[] = {"TODO", "FIXME", "XXX"};

	for (size_t i = 0; s[i]; i++) {
		if (i > 0 && template_items_word_char(s[i - 1]))
			continue;
		for (size_t w = 0; w < 3; w++) {
			size_t k = strlen(words[w]);

			if (strncmp(s + i, words[w], k) == 0 &&
			    !template_items_word_char(s[i + k])) {
				*len = k;
				return i;
			}
		}
	}
	*len = 0;
	return 0;
}

/*
 * A TODO line added by the session: "TODO(high)", "(medium)", "(low)", "(blocked)" right after
 * the keyword sets the priority; otherwise FIXME is high, TODO and XXX medium.
 */
static int template_items_code_todo_priority(const char *text, const char **from)
{
	size_t klen, at = template_items_todo_keyword(text, &klen);
	const char *p;

	*from = text + at;
	if (klen == 0)
		return 1;
	p = text + at + klen;
	if (*p == '(') {
		for (int i = 0; i < 4; i++) {
			size_t n = strlen(priorities[i]);

			if (strncasecmp(p + 1, priorities[i], n) == 0 && p[1 + n] == ')')
				return i;
		}
	}
	return klen == 5 ? 0 : 1;
}

static void template_items_code_todo(struct view *v, json_t *groups[4], const json_t *t)
{
	char *path = template_record_get_text(v, t, RECORD_PATH),
	     *text = template_record_get_text(v, t, RECORD_TEXT);
	int64_t line = template_record_get_int(t, RECORD_LINE, TEMPLATE_COUNT_MAX);
	const char *from;
	struct strbuf o = {0}, w = {0};
	json_t *item;
	size_t n;
	int pri;

	if (!path || !text) {
		free(path);
		free(text);
		return;
	}
	pri = template_items_code_todo_priority(text, &from);
	/* The comment's end is not part of the task. */
	n = strlen(from);
	while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
		n--;
	if (n >= 2 && (strncmp(from + n - 2, "*/", 2) == 0 || strncmp(from + n - 2, "#}", 2) == 0 ||
		       strncmp(from + n - 2, "%}", 2) == 0))
		n -= 2;
	else if (n >= 3 && strncmp(from + n - 3, "-->", 3) == 0)
		n -= 3;
	while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
		n--;
	item = template_record_item_new(v);
	strbuf_putn(&o, from, n);
	if (o.len) {
		char *s = o.s;

		o = (struct strbuf){0};
		template_md_put_excerpt(&o, s, TEMPLATE_ACTIVITY_CLIP, 0, false);
		free(s);
	}
	template_record_set_out(v, item, "text", &o);
	strbuf_puts(&w, path);
	if (line >= 0)
		strbuf_printf(&w, ":%lld", (long long)line);
	if (w.s)
		template_md_put_code(&o, w.s, false);
	if (!o.error)
		o.error = w.error;
	free(w.s);
	template_record_set_out(v, item, "where", &o);
	template_record_list_add(v, groups[pri], item);
	free(path);
	free(text);
}

json_t *template_items_todos(struct view *v)
{
	const json_t *todos = template_record_get_array(v->rec, RECORD_TODOS),
		     *lines = template_record_get_array(v->stats, RECORD_TODO_LINES);
	json_t *groups[4], *next = json_array(), *obj = template_record_item_new(v);
	bool any = false;

	for (int i = 0; i < 4; i++)
		groups[i] = json_array();
	for (size_t i = 0; i < json_array_size(todos); i++) {
		const json_t *t = json_array_get(todos, i);
		char *text = template_record_get_text(v, t, RECORD_TEXT), *by;
		json_t *item;

		if (!text)
			continue;
		by = template_record_get_text(v, t, RECORD_BLOCKED_BY);
		item = template_record_item_new(v);
		template_record_set_inline(v, item, "text", text, 0);
		template_record_set_inline(v, item, "blocked_by", by, 0);
		if (json_is_true(json_object_get(t, RECORD_NEXT)))
			template_record_set_str(v, item, "priority",
						template_items_priority_label(t));
		/* `stint todo --next` items are for the next session: Next Steps lists them. */
		template_record_list_add(
		    v,
		    json_is_true(json_object_get(t, RECORD_NEXT))
			? next
			: groups[template_items_priority_index(template_items_priority(t))],
		    item);
		free(text);
		free(by);
	}
	for (size_t i = 0; i < json_array_size(lines); i++)
		template_items_code_todo(v, groups, json_array_get(lines, i));
	for (int i = 0; i < 4; i++) {
		any |= json_array_size(groups[i]) > 0;
		template_record_set_list(v, obj, priorities[i], groups[i]);
	}
	if (any)
		template_record_set_json(v, v->root, "todos", obj);
	else
		json_decref(obj);
	return next;
}
