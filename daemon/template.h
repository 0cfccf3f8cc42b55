#ifndef STINTD_TEMPLATE_H
#define STINTD_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

/*
 * Renders a session record (see the schema in docs/log-record.md) into the Markdown session log,
 * every section of the session-log template in order. Pure: no I/O, no clock; local times come
 * from localtime_r on the record's millisecond stamps. Returns a malloc'd NUL-terminated string,
 * or NULL with err filled.
 */
char *template_render(const json_t *record, char *err, size_t errn);

/* Escaping contexts for template_md_inline (OR them together). */
enum template_md_flags {
	TEMPLATE_MD_CELL = 1 << 0,    /* inside a table cell: '|' and '\' are escaped */
	TEMPLATE_MD_BOLD = 1 << 1,    /* between "**" and "**": '*' and '\' are escaped */
	TEMPLATE_MD_HEADING = 1 << 2, /* ends an ATX heading: a closing "#" run is escaped */
	TEMPLATE_MD_ITEM = 1 << 3,    /* template_md_block: the text starts a list item */
};

/*
 * The escaping the renderer applies to user text, exposed for tests and later sections. Both clean
 * the text first (invalid UTF-8 and control characters become U+FFFD, CR LF becomes LF, trailing
 * blanks go). template_md_inline flattens it onto one line; template_md_block keeps its lines,
 * indenting continuation lines by indent spaces so a list item stays one item, and escapes only
 * what could break the document: headings, setext underlines, thematic breaks, HTML blocks, link
 * reference definitions, and with TEMPLATE_MD_ITEM list, quote and task markers on the first line;
 * an unclosed code fence is closed. Return malloc'd strings ("" for empty text), NULL only when out
 * of memory.
 */
char *template_md_inline(const char *text, unsigned flags);
char *template_md_block(const char *text, int indent, unsigned flags);

#endif
