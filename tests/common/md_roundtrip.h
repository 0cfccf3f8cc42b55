#ifndef STINT_TESTS_MD_ROUNDTRIP_H
#define STINT_TESTS_MD_ROUNDTRIP_H

/*
 * The escape-then-render harness of the Markdown escaper's checks (tests/unit/test_template_md.c
 * and tests/fuzz/fuzz_md.c): text escaped for one place a log puts text, as a document of its
 * own, and the HTML cmark-gfm must give for it to read as the text. Each caller renders with
 * cmark-gfm its own way and compares.
 */

#include <stdbool.h>

#include "strbuf.h"

enum md_roundtrip_place {
	MD_ROUNDTRIP_PARA,
	MD_ROUNDTRIP_ITEM,
	MD_ROUNDTRIP_BOLD,
	MD_ROUNDTRIP_HEADING,
	MD_ROUNDTRIP_CELL,
	MD_ROUNDTRIP_LINK,
	MD_ROUNDTRIP_LABEL,
	MD_ROUNDTRIP_CODE,
	MD_ROUNDTRIP_CODE_CELL,
	MD_ROUNDTRIP_NPLACES
};

/* s as cmark-gfm writes text in HTML: & < > " as entities. */
void md_roundtrip_html_text(struct strbuf *o, const char *s);

/* text escaped for place appended to md, the HTML it must give to html; false when the escaper
 * ran out of memory (md and html untouched). */
bool md_roundtrip_doc(enum md_roundtrip_place place, const char *text, struct strbuf *md,
		      struct strbuf *html);

#endif
