#include "md_roundtrip.h"

#include <stdlib.h>

#include "template_md.h"

void md_roundtrip_html_text(struct strbuf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			strbuf_puts(o, "&amp;");
		else if (*s == '<')
			strbuf_puts(o, "&lt;");
		else if (*s == '>')
			strbuf_puts(o, "&gt;");
		else if (*s == '"')
			strbuf_puts(o, "&quot;");
		else
			strbuf_putc(o, *s);
	}
}

static size_t md_roundtrip_backtick_run(const char *s)
{
	size_t run = 0, longest = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	return longest;
}

bool md_roundtrip_doc(enum md_roundtrip_place place, const char *text, struct strbuf *md,
		      struct strbuf *html)
{
	static const char *const md_open[] = {
	    "", "- ", "**", "# ", "| h |\n|---|\n| ", "[", "**L**: ", "", "| h |\n|---|\n| "};
	static const char *const md_close[] = {"\n", "\n", "**\n", "\n", " |\n", "](http://x)\n",
					       "\n", "\n", " |\n"};
	static const char *const table_open =
	    "<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>";
	static const char *const table_close = "</td>\n</tr>\n</tbody>\n</table>\n";
	const char *const html_open[] = {"<p>",
					 "<ul>\n<li>",
					 "<p><strong>",
					 "<h1>",
					 table_open,
					 "<p><a href=\"http://x\">",
					 "<p><strong>L</strong>: ",
					 "<p><code>",
					 table_open};
	const char *const html_close[] = {"</p>\n",  "</li>\n</ul>\n", "</strong></p>\n",
					  "</h1>\n", table_close,      "</a></p>\n",
					  "</p>\n",  "</code></p>\n",  table_close};
	struct strbuf esc = {0};

	switch (place) {
	case MD_ROUNDTRIP_ITEM:
		esc.s = template_md_block(text, 2, TEMPLATE_MD_ITEM);
		break;
	case MD_ROUNDTRIP_LINK:
		template_md_put_link_text(&esc, text);
		break;
	case MD_ROUNDTRIP_CODE:
	case MD_ROUNDTRIP_CODE_CELL:
		template_md_put_code(&esc, text, place == MD_ROUNDTRIP_CODE_CELL);
		break;
	default:
		esc.s =
		    template_md_inline(text, place == MD_ROUNDTRIP_BOLD	     ? TEMPLATE_MD_BOLD
					     : place == MD_ROUNDTRIP_HEADING ? TEMPLATE_MD_HEADING
					     : place == MD_ROUNDTRIP_CELL    ? TEMPLATE_MD_CELL
									     : 0);
	}
	if (!esc.s || esc.error) {
		free(esc.s);
		return false;
	}
	strbuf_puts(md, md_open[place]);
	strbuf_puts(md, esc.s);
	strbuf_puts(md, md_close[place]);
	/* A run of 79 backticks or more takes no code span (template_md_put_code). */
	if ((place == MD_ROUNDTRIP_CODE || place == MD_ROUNDTRIP_CODE_CELL) &&
	    md_roundtrip_backtick_run(text) >= 79)
		place = place == MD_ROUNDTRIP_CODE ? MD_ROUNDTRIP_PARA : MD_ROUNDTRIP_CELL;
	strbuf_puts(html, html_open[place]);
	if (place == MD_ROUNDTRIP_CODE_CELL)
		strbuf_puts(html, "<code>");
	md_roundtrip_html_text(html, text);
	if (place == MD_ROUNDTRIP_CODE_CELL)
		strbuf_puts(html, "</code>");
	strbuf_puts(html, html_close[place]);
	free(esc.s);
	return true;
}
