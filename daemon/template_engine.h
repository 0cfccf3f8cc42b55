#ifndef STINTD_TEMPLATE_ENGINE_H
#define STINTD_TEMPLATE_ENGINE_H

#include <stddef.h>

/*
 * A small Mustache-like template engine for Markdown, described in docs/templates.md. A template
 * is compiled against a schema of the names it may use, so a misspelt name is an error even when
 * the data has nothing for it; a compiled template is then filled (template_engine_render.h) from
 * a JSON view whose strings are final text: the engine escapes nothing. Pure: no I/O, no clock,
 * no globals.
 */

/* Longest template accepted, and the most a rendering may produce. */
#define TEMPLATE_ENGINE_MAX_TEXT   (1024 * 1024)
#define TEMPLATE_ENGINE_MAX_OUTPUT (64 * 1024 * 1024)

enum template_engine_kind {
	TEMPLATE_ENGINE_TEXT, /* a string: {{x}} inserts it; {{#x}} shows once when it is not empty
			       */
	TEMPLATE_ENGINE_NUMBER, /* an integer: {{x}} prints it; {{#x}} shows once when it is not 0
				 */
	TEMPLATE_ENGINE_FLAG,	/* true or false: {{#x}} / {{^x}} only */
	TEMPLATE_ENGINE_OBJECT, /* {{#x}} shows once when present, with x's fields in scope;
				   {{x.field}} */
	TEMPLATE_ENGINE_LIST,	/* of objects: {{#x}} repeats per item, with the item's fields in
				   scope */
};

/* One name of a schema: an array of these ends with a NULL name. */
struct template_engine_field {
	const char *name;
	enum template_engine_kind kind;
	const struct template_engine_field
	    *fields; /* TEMPLATE_ENGINE_OBJECT's fields, TEMPLATE_ENGINE_LIST's items' fields */
	const char *help; /* one line for the documentation */
};

struct template_engine;

/* [log] placeholders: what becomes of the template's bracketed prompts no value replaced. */
enum template_engine_placeholders {
	TEMPLATE_ENGINE_PLACEHOLDERS_KEEP,    /* left as they are */
	TEMPLATE_ENGINE_PLACEHOLDERS_COMMENT, /* HTML comments: invisible, still there to fill */
	TEMPLATE_ENGINE_PLACEHOLDERS_DROP,    /* removed, with their lines and tables when alone */
};

/*
 * Compiles text against schema. Errors say where, as "name:line: message" (name is the file
 * the text came from, for messages only). Returns NULL with err filled.
 */
struct template_engine *template_engine_compile(const char *text, const char *name,
						const struct template_engine_field *schema,
						char *err, size_t errn);
/* destroy(NULL) is a no-op. */
void template_engine_free(struct template_engine *t);

#endif
