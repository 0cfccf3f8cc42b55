#ifndef STINTD_SCDOC_H
#define STINTD_SCDOC_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes text for an scdoc(5) man page source: '*', '_' and '\' escaped, so they print as
 * themselves, and a `code span` in bold. A line break becomes a space (scdoc fills paragraphs).
 * A first character that would start a table, list or heading at the start of a line is
 * escaped too. A text starting with '.' or '\'' cannot be escaped (roff would read a request):
 * none of the callers' texts does.
 * The generated parts of docs/man/ (config_write_scdoc, template_write_schema_scdoc) use it.
 */
void scdoc_write_text(FILE *f, const char *text);
/* The same for the first n bytes of text. */
void scdoc_write_n(FILE *f, const char *text, size_t n);

#endif
