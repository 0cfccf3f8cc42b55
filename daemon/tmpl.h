#ifndef STINTD_TMPL_H
#define STINTD_TMPL_H

#include <jansson.h>
#include <stddef.h>

/*
 * A small Mustache-like template engine for Markdown, described in docs/templates.md. A template
 * is compiled against a schema of the names it may use, so a misspelt name is an error even when
 * the data has nothing for it; a compiled template is then filled from a JSON view whose strings
 * are final text: the engine escapes nothing. Pure: no I/O, no clock, no globals.
 */

/* Longest template accepted, and the most a rendering may produce. */
#define TMPL_MAX_TEXT	(1024 * 1024)
#define TMPL_MAX_OUTPUT (64 * 1024 * 1024)

enum tmpl_kind {
	TMPL_TEXT,   /* a string: {{x}} inserts it; {{#x}} shows once when it is not empty */
	TMPL_NUMBER, /* an integer: {{x}} prints it; {{#x}} shows once when it is not 0 */
	TMPL_FLAG,   /* true or false: {{#x}} / {{^x}} only */
	TMPL_OBJECT, /* {{#x}} shows once when present, with x's fields in scope; {{x.field}} */
	TMPL_LIST,   /* of objects: {{#x}} repeats per item, with the item's fields in scope */
};

/* One name of a schema: an array of these ends with a NULL name. */
struct tmpl_field {
	const char *name;
	enum tmpl_kind kind;
	const struct tmpl_field *fields; /* TMPL_OBJECT's fields, TMPL_LIST's items' fields */
	const char *help;		 /* one line for the documentation */
};

struct tmpl;

/*
 * Compiles text against schema. Errors say where, as "name:line: message" (name is the file
 * the text came from, for messages only). Returns NULL with err filled.
 */
struct tmpl *tmpl_compile(const char *text, const char *name, const struct tmpl_field *schema,
			  char *err, size_t errn);
/*
 * Fills t from view (an object shaped by t's schema: a value of another type than its field's
 * counts as absent). Returns the malloc'd text, tidied: no line of blanks only, no blank line
 * at the start or two in a row outside code fences, one newline at the end ("" if nothing is
 * left). NULL with err filled when out of memory or over a limit.
 */
char *tmpl_render(const struct tmpl *t, const json_t *view, char *err, size_t errn);
/* destroy(NULL) is a no-op. */
void tmpl_free(struct tmpl *t);

#endif
