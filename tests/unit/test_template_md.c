#include "template_md.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#include "strbuf.h"
#include "testutil.h"

/*
 * The Markdown escaping of daemon/template_md.c, case by case: what each context escapes and what
 * it leaves alone (user text is Markdown: only what would break the log's structure is escaped).
 * With cmark-gfm on the PATH, the escaped text is also rendered and must read as the literal text.
 */

#define REPL "\xEF\xBF\xBD" /* U+FFFD */

struct md_case {
	const char *in;
	unsigned flags;
	const char *want;
};

static void check_inline(const struct md_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = template_md_inline(c[i].in, c[i].flags);

		assert_non_null(got);
		if (strcmp(got, c[i].want) != 0)
			fail_msg("template_md_inline(\"%s\", %u): got \"%s\", want \"%s\"", c[i].in,
				 c[i].flags, got, c[i].want);
		free(got);
	}
}

/* The cases as items of a list, continuation lines indented by 2. */
static void check_block(const struct md_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = template_md_block(c[i].in, 2, c[i].flags);

		assert_non_null(got);
		if (strcmp(got, c[i].want) != 0)
			fail_msg("template_md_block(\"%s\", 2, %u): got \"%s\", want \"%s\"",
				 c[i].in, c[i].flags, got, c[i].want);
		free(got);
	}
}

#define CHECK(fn, cases) fn(cases, sizeof(cases) / sizeof(*cases))

static void test_inline_plain_markdown_stays(void **state)
{
	static const struct md_case cases[] = {
	    {"*emphasis* and **strong**", 0, "*emphasis* and **strong**"},
	    {"snake_case __init__", 0, "snake_case __init__"},
	    {"`code` and ``more``", 0, "`code` and ``more``"},
	    {"a < b, <b>bold</b>, <div>", 0, "a < b, <b>bold</b>, <div>"},
	    {"[link](http://x) [ref] ![img](y)", 0, "[link](http://x) [ref] ![img](y)"},
	    {"a | b \\ c", 0, "a | b \\ c"},
	    /* Inline text follows a label: a marker at its start opens nothing. */
	    {"# not a heading", 0, "# not a heading"},
	    {"- not a list", 0, "- not a list"},
	    {"1. not a list", 0, "1. not a list"},
	    {"> not a quote", 0, "> not a quote"},
	};

	(void)state;
	CHECK(check_inline, cases);
}

static void test_inline_contexts(void **state)
{
	static const struct md_case cases[] = {
	    /* Bold: '*' and '\' only. */
	    {"a*b **c** d\\", TEMPLATE_MD_BOLD, "a\\*b \\*\\*c\\*\\* d\\\\"},
	    {"_u_ `c` <b> [l]", TEMPLATE_MD_BOLD, "_u_ `c` <b> [l]"},
	    /* Table cell: '|' and '\', inside code spans too. */
	    {"a | b", TEMPLATE_MD_CELL, "a \\| b"},
	    {"a\\|b", TEMPLATE_MD_CELL, "a\\\\\\|b"},
	    {"`x|y`", TEMPLATE_MD_CELL, "`x\\|y`"},
	    {"a*b", TEMPLATE_MD_CELL, "a*b"},
	    /* Heading: a closing "#" run only, after a blank or alone. */
	    {"Fix #", TEMPLATE_MD_HEADING, "Fix \\#"},
	    {"Fix ###", TEMPLATE_MD_HEADING, "Fix \\###"},
	    {"#", TEMPLATE_MD_HEADING, "\\#"},
	    {"C#", TEMPLATE_MD_HEADING, "C#"},
	    {"issue #42", TEMPLATE_MD_HEADING, "issue #42"},
	    {"# start", TEMPLATE_MD_HEADING, "# start"},
	    {"Fix # \t", TEMPLATE_MD_HEADING, "Fix \\#"},
	    /* Together. */
	    {"a|*b #", TEMPLATE_MD_CELL | TEMPLATE_MD_BOLD | TEMPLATE_MD_HEADING, "a\\|\\*b \\#"},
	};

	(void)state;
	CHECK(check_inline, cases);
}

static void test_inline_one_line(void **state)
{
	static const struct md_case cases[] = {
	    {"one\ntwo", 0, "one two"},
	    {"one\n\n\n   two\r\nthree\rfour", 0, "one two three four"},
	    {"a\n# b\n- c\n1. d", 0, "a # b - c 1. d"},
	    {"  leading and trailing  \n\n", 0, "leading and trailing"},
	    {"tab\tinside", 0, "tab\tinside"},
	    {"", 0, ""},
	    {"  \n\t\n", 0, ""},
	    {NULL, 0, ""},
	};

	(void)state;
	CHECK(check_inline, cases);
}

static void test_inline_controls_and_utf8(void **state)
{
	static const struct md_case cases[] = {
	    /* C0 controls but tab and newline, DEL, C1 controls (U+0085, U+009B). */
	    {"a\x01"
	     "b\x1b[31mc\x7f"
	     "d",
	     0, "a" REPL "b" REPL "[31mc" REPL "d"},
	    {"bell \a\b\f\v", 0, "bell " REPL REPL REPL REPL},
	    {"c1 \xC2\x85 \xC2\x9B", 0, "c1 " REPL " " REPL},
	    /* Invalid UTF-8: each bad sequence becomes U+FFFD, the text around it stays. */
	    {"lone \x80 cont", 0, "lone " REPL " cont"},
	    {"overlong \xC0\xAF", 0, "overlong " REPL REPL},
	    {"surrogate \xED\xA0\x80", 0, "surrogate " REPL REPL REPL},
	    {"cut \xE2\x82", 0, "cut " REPL REPL},
	    {"ff \xFF fe \xFE", 0, "ff " REPL " fe " REPL},
	    {"too big \xF4\x90\x80\x80", 0, "too big " REPL REPL REPL REPL},
	    {"ok é 漢 🎉 \xF4\x8F\xBF\xBF", 0, "ok é 漢 🎉 \xF4\x8F\xBF\xBF"},
	    /*
	     * Bidi controls (U+202E, U+2066..U+2069) and zero-width characters are not control
	     * characters to utf8_is_control: they reach the log as they are.
	     */
	    {"a\xE2\x80\xAE"
	     "b\xE2\x81\xA6"
	     "c\xE2\x81\xA9"
	     "d\xE2\x80\x8B",
	     0,
	     "a\xE2\x80\xAE"
	     "b\xE2\x81\xA6"
	     "c\xE2\x81\xA9"
	     "d\xE2\x80\x8B"},
	};

	(void)state;
	CHECK(check_inline, cases);
}

static void test_block_item_first_line(void **state)
{
	static const struct md_case cases[] = {
	    {"# heading", TEMPLATE_MD_ITEM, "\\# heading"},
	    {"###### six", TEMPLATE_MD_ITEM, "\\###### six"},
	    {"####### seven", TEMPLATE_MD_ITEM, "####### seven"},
	    {"#tag", TEMPLATE_MD_ITEM, "#tag"},
	    {"- x", TEMPLATE_MD_ITEM, "\\- x"},
	    {"-", TEMPLATE_MD_ITEM, "\\-"},
	    {"-x", TEMPLATE_MD_ITEM, "-x"},
	    {"+ x", TEMPLATE_MD_ITEM, "\\+ x"},
	    {"* x", TEMPLATE_MD_ITEM, "\\* x"},
	    {"1. x", TEMPLATE_MD_ITEM, "1\\. x"},
	    {"123456789) x", TEMPLATE_MD_ITEM, "123456789\\) x"},
	    {"1234567890. x", TEMPLATE_MD_ITEM, "1234567890. x"},
	    {"1.5 x", TEMPLATE_MD_ITEM, "1.5 x"},
	    {"> quote", TEMPLATE_MD_ITEM, "\\> quote"},
	    {"[ ] box", TEMPLATE_MD_ITEM, "\\[ ] box"},
	    {"[X] box", TEMPLATE_MD_ITEM, "\\[X] box"},
	    {"[link](x)", TEMPLATE_MD_ITEM, "[link](x)"},
	    {"[ref]: http://x", TEMPLATE_MD_ITEM, "\\[ref]: http://x"},
	    {"---", TEMPLATE_MD_ITEM, "\\---"},
	    {"* * *", TEMPLATE_MD_ITEM, "\\* * *"},
	    {"<div>", TEMPLATE_MD_ITEM, "\\<div>"},
	    {"a <b>", TEMPLATE_MD_ITEM, "a <b>"},
	    {"< 3", TEMPLATE_MD_ITEM, "< 3"},
	    /* Without TEMPLATE_MD_ITEM a paragraph starts: list and quote markers are text. */
	    {"- x", 0, "- x"},
	    {"1. x", 0, "1. x"},
	    {"> q", 0, "> q"},
	    {"# h", 0, "\\# h"},
	};

	(void)state;
	CHECK(check_block, cases);
}

static void test_block_continuation_lines(void **state)
{
	static const struct md_case cases[] = {
	    /* Indented under the item; list, quote and task lines stay inside it as they are. */
	    {"a\n- b\n> c\n1. d\n[ ] e", TEMPLATE_MD_ITEM, "a\n  - b\n  > c\n  1. d\n  [ ] e"},
	    /* What would end the item or the paragraph is escaped. */
	    {"a\n# h\n===\n---\n___\n<pre>\n</div>\n<!-- c\n<?x\n[r]: u", 0,
	     "a\n  \\# h\n  \\===\n  \\---\n  \\___\n  \\<pre>\n  \\</div>\n  \\<!-- c\n  \\<?x\n  "
	     "\\[r]: u"},
	    /* Up to 3 columns of indentation still open a block; 4 make code, left alone. */
	    {"a\n   # three\n    # four\n\t# tab", 0, "a\n     \\# three\n      # four\n  \t# tab"},
	    /* Blank lines stay empty, one at most. */
	    {"a\n\n\n\nb\n \t \nc", 0, "a\n\n  b\n\n  c"},
	};
	char *got;

	(void)state;
	CHECK(check_block, cases);
	got = template_md_block("a\n# b", 0, 0);
	assert_string_equal(got, "a\n\\# b");
	free(got);
	got = template_md_block("a\n# b", -3, 0);
	assert_string_equal(got, "a\n\\# b");
	free(got);
	got = template_md_block("a\nb", 5, 0);
	assert_string_equal(got, "a\n     b");
	free(got);
}

static void test_block_fences(void **state)
{
	static const struct md_case cases[] = {
	    /* A fence in a note: its content is code, untouched; after it escaping resumes. */
	    {"see:\n```c\n# include\n- x\n```\n# after", TEMPLATE_MD_ITEM,
	     "see:\n  ```c\n  # include\n  - x\n  ```\n  \\# after"},
	    {"```\n# first line is code", TEMPLATE_MD_ITEM, "```\n  # first line is code\n  ```"},
	    /* Left open: closed with the same character and length, or the log after it is code. */
	    {"a\n````sh\nrm x", 0, "a\n  ````sh\n  rm x\n  ````"},
	    {"a\n~~~\ncode", 0, "a\n  ~~~\n  code\n  ~~~"},
	    /* Only a run as long, of the same character, closes it. */
	    {"a\n````\n```\n~~~~\n````", 0, "a\n  ````\n  ```\n  ~~~~\n  ````"},
	    {"a\n```\nx\n``", 0, "a\n  ```\n  x\n  ``\n  ```"},
	    /* Not fences: two backticks, a backtick in the info string, four columns in. */
	    {"a\n``\n# h", 0, "a\n  ``\n  \\# h"},
	    {"a\n``` x`y\n# h", 0, "a\n  ``` x`y\n  \\# h"},
	    {"a\n    ```\n# h", 0, "a\n      ```\n  \\# h"},
	    {"a ``` b", 0, "a ``` b"},
	};

	(void)state;
	CHECK(check_block, cases);
}

/* template_md_put_block as the view uses it after a label: the first line opens nothing. */
static void test_block_after_label(void **state)
{
	struct strbuf o = {0};

	(void)state;
	template_md_put_block(&o, "# first\n# second\n```\nopen", 3, 0);
	assert_false(o.error);
	assert_string_equal(o.s, "# first\n   \\# second\n   ```\n   open\n   ```");
	free(o.s);
	o = (struct strbuf){0};
	template_md_put_block(&o, "# first", 3, TEMPLATE_MD_FIRST_IS_BLOCK);
	assert_string_equal(o.s, "\\# first");
	free(o.s);
}

static void test_code_links_urls(void **state)
{
	static const struct {
		const char *in;
		bool cell;
		const char *want;
	} code[] = {
	    {"path/x.c", false, "`path/x.c`"},
	    {"a`b", false, "``a`b``"},
	    {"a``b`", false, "``` a``b` ```"},
	    {"`x", false, "`` `x ``"},
	    {"a|b", false, "`a|b`"},
	    {"a|b", true, "`a\\|b`"},
	    {"two\nlines", false, "`two lines`"},
	};
	struct strbuf o = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(code) / sizeof(*code); i++) {
		template_md_put_code(&o, code[i].in, code[i].cell);
		if (strcmp(o.s, code[i].want) != 0)
			fail_msg("put_code(\"%s\", %d): got \"%s\", want \"%s\"", code[i].in,
				 code[i].cell, o.s, code[i].want);
		free(o.s);
		o = (struct strbuf){0};
	}
	template_md_put_link_text(&o, "[a] \\ b\nc");
	assert_string_equal(o.s, "\\[a\\] \\\\ b c");
	free(o.s);
	o = (struct strbuf){0};
	template_md_put_url(&o, "https://h/a b(c)<d>é?q=1&r=%20#f");
	assert_string_equal(o.s, "https://h/a%20b%28c%29%3Cd%3E%C3%A9?q=1&r=%20#f");
	free(o.s);
}

static void test_clean_and_excerpt(void **state)
{
	bool oom = false, clipped, more;
	const char *s = "  first line  \r\n\r\n\r\n second\t \n\n";
	char *t = template_md_clean(s, strlen(s), &oom);
	struct strbuf o = {0};

	(void)state;
	assert_string_equal(t, "first line\n\n second");
	free(t);
	assert_null(template_md_clean(" \n\t\n", 4, &oom));
	assert_false(oom);
	/* Embedded NUL is a control character like any other. */
	t = template_md_clean("a\0b", 3, &oom);
	assert_string_equal(t, "a" REPL "b");
	free(t);

	assert_int_equal(template_md_first_line_clip("héllo wörld", 5, &clipped, &more), 6);
	assert_true(clipped);
	assert_false(more);
	assert_int_equal(template_md_first_line_clip("ab  cd", 3, &clipped, &more), 2);
	assert_int_equal(template_md_first_line_clip("ab\ncd", 10, &clipped, &more), 2);
	assert_false(clipped);
	assert_true(more);

	template_md_put_excerpt(&o, "Fix #", 80, TEMPLATE_MD_HEADING, false);
	assert_string_equal(o.s, "Fix \\#");
	free(o.s);
	o = (struct strbuf){0};
	/* Cut: the ellipsis ends the heading, so the "#" is not a closing run. */
	template_md_put_excerpt(&o, "Fix # now", 5, TEMPLATE_MD_HEADING, false);
	assert_string_equal(o.s, "Fix #…");
	free(o.s);
	o = (struct strbuf){0};
	template_md_put_excerpt(&o, "a*b\nmore", 80, TEMPLATE_MD_BOLD, true);
	assert_string_equal(o.s, "a\\*b…");
	free(o.s);
	o = (struct strbuf){0};
	template_md_put_excerpt(&o, "a\nmore", 80, 0, false);
	assert_string_equal(o.s, "a");
	free(o.s);
}

static bool have_cmark(void)
{
	return system("command -v cmark-gfm >/dev/null 2>&1") == 0;
}

/* cmark-gfm's HTML for the Markdown md (GFM tables on); the test fails if it cannot run. */
static char *cmark_html(const char *dir, const char *md)
{
	char path[4096], cmd[4200];
	struct strbuf out = {0};
	FILE *p;
	size_t n;
	char buf[4096];

	testutil_write_file(dir, "in.md", md);
	snprintf(path, sizeof(path), "%s/in.md", dir);
	snprintf(cmd, sizeof(cmd), "cmark-gfm -e table '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_putn(&out, buf, n);
	assert_int_equal(pclose(p), 0);
	assert_false(out.error);
	return out.s ? out.s : strdup("");
}

/* s as cmark-gfm writes text in HTML. */
static void html_text(struct strbuf *o, const char *s)
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

enum md_place { IN_ITEM, IN_BOLD, IN_HEADING, IN_CELL };

struct literal_case {
	enum md_place place;
	const char *text;
};

/* text escaped for place, in a document of its own, and the HTML it must give. */
static void literal_doc(const struct literal_case *c, struct strbuf *md, struct strbuf *html)
{
	static const char *const md_open[] = {"- ", "**", "# ", "| h |\n|---|\n| "};
	static const char *const md_close[] = {"\n", "**\n", "\n", " |\n"};
	static const char *const html_open[] = {
	    "<ul>\n<li>", "<p><strong>", "<h1>",
	    "<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>"};
	static const char *const html_close[] = {"</li>\n</ul>\n", "</strong></p>\n", "</h1>\n",
						 "</td>\n</tr>\n</tbody>\n</table>\n"};
	static const unsigned flags[] = {TEMPLATE_MD_ITEM, TEMPLATE_MD_BOLD, TEMPLATE_MD_HEADING,
					 TEMPLATE_MD_CELL};
	char *esc = c->place == IN_ITEM ? template_md_block(c->text, 2, flags[c->place])
					: template_md_inline(c->text, flags[c->place]);

	assert_non_null(esc);
	strbuf_puts(md, md_open[c->place]);
	strbuf_puts(md, esc);
	strbuf_puts(md, md_close[c->place]);
	strbuf_puts(html, html_open[c->place]);
	html_text(html, c->text);
	strbuf_puts(html, html_close[c->place]);
	free(esc);
}

static void test_cmark_reads_literal_text(void **state)
{
	static const struct literal_case cases[] = {
	    {IN_ITEM, "# heading"},
	    {IN_ITEM, "###### six"},
	    {IN_ITEM, "- [ ] not a task"},
	    {IN_ITEM, "[ ] not a box"},
	    {IN_ITEM, "[x] not a box"},
	    {IN_ITEM, "+ x"},
	    {IN_ITEM, "* x"},
	    {IN_ITEM, "- x"},
	    {IN_ITEM, "12. x"},
	    {IN_ITEM, "3) x"},
	    {IN_ITEM, "2025. was a year"},
	    {IN_ITEM, "> not a quote"},
	    {IN_ITEM, "---"},
	    {IN_ITEM, "* * *"},
	    {IN_ITEM, "<div>"},
	    {IN_ITEM, "</div>"},
	    {IN_ITEM, "<!-- not a comment"},
	    {IN_ITEM, "[ref]: http://x"},
	    {IN_ITEM, "first\n# second\n===\n---\n<pre>\n[r]: u"},
	    {IN_BOLD, "a*b"},
	    {IN_BOLD, "**not strong**"},
	    {IN_BOLD, "2 * 3 * 4 *"},
	    {IN_BOLD, "ends with \\"},
	    {IN_BOLD, "\\*star"},
	    {IN_HEADING, "Fix #"},
	    {IN_HEADING, "Fix ##"},
	    {IN_HEADING, "# inner"},
	    {IN_HEADING, "C# and F#"},
	    {IN_CELL, "a | b"},
	    {IN_CELL, "|"},
	    {IN_CELL, "a\\|b"},
	    {IN_CELL, "ends with \\"},
	};
	char dir[4096];

	(void)state;
	if (!have_cmark()) {
		print_message("cmark-gfm is not installed: the rendering check is skipped\n");
		skip();
	}
	assert_true(testutil_mkdtemp(dir, sizeof(dir), NULL, "template-md"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct strbuf md = {0}, want = {0};
		char *got;

		literal_doc(&cases[i], &md, &want);
		assert_false(md.error || want.error);
		got = cmark_html(dir, md.s);
		if (strcmp(got, want.s) != 0)
			fail_msg("\"%s\" escaped as\n%s\nrenders as\n%s\nnot as\n%s", cases[i].text,
				 md.s, got, want.s);
		free(got);
		free(md.s);
		free(want.s);
	}
	testutil_rm_rf(dir);
}

/* A fence in a note stays code inside the item, and an unclosed one does not swallow the log. */
static void test_cmark_fence_in_a_note(void **state)
{
	char dir[4096], *esc, *got;
	struct strbuf md = {0};

	(void)state;
	if (!have_cmark()) {
		print_message("cmark-gfm is not installed: the rendering check is skipped\n");
		skip();
	}
	assert_true(testutil_mkdtemp(dir, sizeof(dir), NULL, "template-md"));
	esc = template_md_block("see:\n```\n# kept\n", 2, TEMPLATE_MD_ITEM);
	strbuf_puts(&md, "- ");
	strbuf_puts(&md, esc);
	strbuf_puts(&md, "\n\n# After\n");
	got = cmark_html(dir, md.s);
	assert_string_equal(got, "<ul>\n<li>see:\n<pre><code># kept\n</code></pre>\n</li>\n</ul>\n"
				 "<h1>After</h1>\n");
	free(got);
	free(esc);
	free(md.s);
	testutil_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inline_plain_markdown_stays),
	    cmocka_unit_test(test_inline_contexts),
	    cmocka_unit_test(test_inline_one_line),
	    cmocka_unit_test(test_inline_controls_and_utf8),
	    cmocka_unit_test(test_block_item_first_line),
	    cmocka_unit_test(test_block_continuation_lines),
	    cmocka_unit_test(test_block_fences),
	    cmocka_unit_test(test_block_after_label),
	    cmocka_unit_test(test_code_links_urls),
	    cmocka_unit_test(test_clean_and_excerpt),
	    cmocka_unit_test(test_cmark_reads_literal_text),
	    cmocka_unit_test(test_cmark_fence_in_a_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
