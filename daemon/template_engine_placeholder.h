#ifndef STINTD_TEMPLATE_ENGINE_PLACEHOLDER_H
#define STINTD_TEMPLATE_ENGINE_PLACEHOLDER_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "template_engine.h"

/*
 * The template's bracketed prompts ("[What you learned]", "| [Metric] | [Before] |") that no
 * value replaced, as [log] placeholders wants them: kept, made HTML comments, or dropped. Only
 * the template's own text has prompts; values (notes, subjects) are never touched.
 */

/* Byte ranges of the output that are prompts, in increasing order. */
struct template_engine_spans {
	struct template_engine_span {
		size_t start, end;
	} * v;
	size_t n, cap;
	bool error; /* out of memory: the prompts are then left as they are */
};

/* Adds the prompts of a piece of template text about to be written at offset base. */
void template_engine_placeholder_scan(struct template_engine_spans *sp, const char *text,
				      size_t len, size_t base);
/*
 * Writes in to out with its prompts (sp) commented out or dropped: a line of prompts alone (and
 * list markers or table pipes) as a whole, a table whose rows all go with its header, other
 * prompts where they stand. Code blocks are left alone.
 */
void template_engine_placeholder_apply(const struct strbuf *in,
				       const struct template_engine_spans *sp,
				       enum template_engine_placeholders mode, struct strbuf *out);
void template_engine_placeholder_spans_free(struct template_engine_spans *sp);

#endif
