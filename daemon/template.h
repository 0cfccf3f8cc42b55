#ifndef STINTD_TEMPLATE_H
#define STINTD_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The Markdown escaping (template_md_inline, template_md_block), exposed for tests. */
#include "template_md.h"

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

/* The built-in template: config/session-template.md as it was at build time. */
const char *template_default(void);
/* The view's names, kinds and meanings as a Markdown table (docs/templates.md has a copy). */
void template_write_schema(FILE *f);
/* The same as a list of scdoc(5) terms, for stint-template(5) (docs/man/ has a copy). */
void template_write_schema_scdoc(FILE *f);

/* Reads a user's log template into *out (malloc'd), bounded by what the engine accepts.
 * Returns 0, or -errno with err naming the file. */
int template_read_file(const char *path, char **out, char *err, size_t errn);

#endif
