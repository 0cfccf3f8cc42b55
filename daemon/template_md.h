#ifndef STINTD_TEMPLATE_MD_H
#define STINTD_TEMPLATE_MD_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/*
 * Markdown escaping for session logs: user text (notes, todos, branch names, commit subjects,
 * paths, check output) is cleaned and escaped for the place the view puts it (docs/templates.md,
 * "Escaping"). Pure: no I/O.
 */

/*
 * Where a text goes (OR them together). Text is escaped to read as itself (docs/templates.md,
 * "Escaping") the same way in every place, so the same text reads the same in every section; the
 * flags name the place for the reader and keep older callers compiling.
 */
enum template_md_flags {
	TEMPLATE_MD_CELL = 1 << 0,    /* inside a table cell */
	TEMPLATE_MD_BOLD = 1 << 1,    /* between "**" and "**" */
	TEMPLATE_MD_HEADING = 1 << 2, /* ends an ATX heading */
	TEMPLATE_MD_ITEM = 1 << 3,    /* template_md_block: the text starts a list item */
};
/* template_md_put_block: the first line starts a block, it does not follow a label. */
#define TEMPLATE_MD_FIRST_IS_BLOCK (1u << 8)

/*
 * The escaping the view applies to user text, exposed for tests. Both clean the text first
 * (invalid UTF-8 and control characters become U+FFFD, invisible and bidirectional characters
 * a visible "<U+202E>", CR LF becomes LF, trailing blanks go). template_md_inline flattens it
 * onto one line; template_md_block keeps its lines, indenting continuation lines by indent
 * spaces so a list item stays one item. Every character that could start Markdown or HTML is
 * backslash-escaped, so what renders is the text. Return malloc'd strings ("" for empty text),
 * NULL only when out of memory.
 */
char *template_md_inline(const char *text, unsigned flags);
char *template_md_block(const char *text, int indent, unsigned flags);

/*
 * Valid UTF-8 with only LF and TAB as control characters (others, and invalid bytes, become
 * U+FFFD so a terminal escape cannot hide in a log), invisible and bidirectional characters as
 * visible "<U+XXXX>" markers (utf8_is_invisible; a joiner inside an emoji stays), no trailing
 * blanks on any line, no leading or
 * trailing blank lines, at most one blank line in a row. NULL for an empty text, or out of memory
 * (then *oom is set).
 */
char *template_md_clean(const char *s, size_t n, bool *oom);
/*
 * Byte length of the first line of s, or of its first max code points (*clipped set, blanks
 * before the cut dropped); *more when another line follows.
 */
size_t template_md_first_line_clip(const char *s, size_t max, bool *clipped, bool *more);

/* The put functions append to o; s is cleaned text (template_md_clean). */

/* One line of text: newlines (and the indentation after them) become one space. */
void template_md_put_inline(struct strbuf *o, const char *s, unsigned flags);
/*
 * The first line, shortened to max code points with an ellipsis when cut; more_lines also marks
 * a text that goes on after its first line (when the rest is not shown nearby).
 */
void template_md_put_excerpt(struct strbuf *o, const char *s, size_t max, unsigned flags,
			     bool more_lines);
/*
 * Multi-line text: continuation lines indented by indent spaces (blank lines stay empty, other
 * lines lose their own indentation), each line escaped as inline text. No trailing newline.
 */
void template_md_put_block(struct strbuf *o, const char *s, size_t indent, unsigned flags);
/*
 * s as a code span: fenced by a backtick run longer than any inside it, padded with spaces when
 * it starts or ends with a backtick. cell: '|' escaped, as a table needs even in code.
 */
void template_md_put_code(struct strbuf *o, const char *s, bool cell);
/* Link text: escaped as inline text (brackets included), one line. */
void template_md_put_link_text(struct strbuf *o, const char *s);
/*
 * One line of Markdown read back from a log (a previous log's title, its open todos): its
 * backslash escapes and code spans are kept as they are, anything else that would be markup is
 * escaped as inline text. What stint wrote comes out unchanged, so it reads the same log after
 * log; what a hand edit or an older stint let through is made text.
 */
void template_md_put_markdown(struct strbuf *o, const char *s);
/* A link destination: anything that could end it or is not plain ASCII percent-encoded. */
void template_md_put_url(struct strbuf *o, const char *s);

#endif
