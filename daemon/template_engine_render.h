#ifndef STINTD_TEMPLATE_ENGINE_RENDER_H
#define STINTD_TEMPLATE_ENGINE_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "template_engine.h"

/* The template engine's renderer: a template compiled by template_engine_compile, filled. */

struct template_engine;

/*
 * Fills t from view (an object shaped by t's schema: a value of another type than its field's
 * counts as absent). Returns the malloc'd text, tidied: no line of blanks only, no blank line
 * at the start or two in a row outside code fences, one newline at the end ("" if nothing is
 * left). NULL with err filled when out of memory or over a limit.
 */
char *template_engine_render(const struct template_engine *t, const json_t *view, char *err,
			     size_t errn);
/* The same, with the template's unfilled bracketed prompts kept, commented out or dropped. */
char *template_engine_render_placeholders(const struct template_engine *t, const json_t *view,
					  enum template_engine_placeholders mode, char *err,
					  size_t errn);

#endif
