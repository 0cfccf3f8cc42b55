#ifndef STINTD_TEMPLATE_H
#define STINTD_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Session logs: a session record (docs/log-record.md) becomes a view, every display string
 * computed and escaped for Markdown, and the view fills a template (docs/templates.md): the
 * user's own, or the built-in copy of config/session-template.md. Pure: no I/O, no clock; local
 * times come from localtime_r on the record's millisecond stamps.
 */

/*
 * Renders record with the template text (NULL: the built-in one); name is where the text came
 * from, for errors ("/home/me/tpl.md:12: unknown variable \"sumary\""). Returns a malloc'd
 * NUL-terminated string, or NULL with err filled: a bad template, or out of memory.
 */
char *template_render_with(const json_t *record, const char *text, const char *name, char *err,
			   size_t errn);
/* template_render_with(record, NULL, NULL, err, errn): the built-in template. */
char *template_render(const json_t *record, char *err, size_t errn);

/*
 * Checks a template (NULL: the built-in one) without rendering it, for `stintd --check-config`
 * and before a stop. Returns 0, or -EINVAL with err filled as template_render_with does.
 */
int template_check(const char *text, const char *name, char *err, size_t errn);

/* The view of a record, as the template sees it (NULL if record is not an object, or no memory). */
json_t *template_view(const json_t *record);
/* The built-in template: config/session-template.md as it was at build time. */
const char *template_default(void);
/* The view's names, kinds and meanings as a Markdown table (docs/templates.md has a copy). */
void template_write_schema(FILE *f);

/* Escaping contexts for template_md_inline (OR them together). */
enum template_md_flags {
	TEMPLATE_MD_CELL = 1 << 0,    /* inside a table cell: '|' and '\' are escaped */
	TEMPLATE_MD_BOLD = 1 << 1,    /* between "**" and "**": '*' and '\' are escaped */
	TEMPLATE_MD_HEADING = 1 << 2, /* ends an ATX heading: a closing "#" run is escaped */
	TEMPLATE_MD_ITEM = 1 << 3,    /* template_md_block: the text starts a list item */
};

/*
 * The escaping the view applies to user text, exposed for tests. Both clean the text first
 * (invalid UTF-8 and control characters become U+FFFD, CR LF becomes LF, trailing blanks go).
 * template_md_inline flattens it onto one line; template_md_block keeps its lines, indenting
 * continuation lines by indent spaces so a list item stays one item, and escapes only what could
 * break the document: headings, setext underlines, thematic breaks, HTML blocks, link reference
 * definitions, and with TEMPLATE_MD_ITEM list, quote and task markers on the first line; an
 * unclosed code fence is closed. Return malloc'd strings ("" for empty text), NULL only when out
 * of memory.
 */
char *template_md_inline(const char *text, unsigned flags);
char *template_md_block(const char *text, int indent, unsigned flags);

#endif
