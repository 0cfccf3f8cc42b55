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

#include "md_roundtrip.h"
#include "strbuf.h"
#include "testutil.h"

/*
 * The Markdown escaping of daemon/template_md.c, case by case: user text reads as typed, so
 * whatever could start markup is escaped, the same way in every place. cmark-gfm (a test
 * package) renders the escaped text in every place, which must read as the literal text.
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

static void test_inline_markdown_is_text(void **state)
{
	static const struct md_case cases[] = {
	    {"*emphasis* and **strong**", 0, "\\*emphasis\\* and \\*\\*strong\\*\\*"},
	    /* '_' inside a word cannot open emphasis: left alone. */
	    {"snake_case __init__ _x_", 0, "snake_case \\_\\_init\\_\\_ \\_x\\_"},
	    {"`code` and ~~strike~~", 0, "\\`code\\` and \\~\\~strike\\~\\~"},
	    {"a < b, <b>bold</b>, x<!--", 0, "a \\< b, \\<b>bold\\</b>, x\\<!--"},
	    {"[link](javascript:x) ![img](y)", 0, "\\[link\\](javascript:x) !\\[img\\](y)"},
	    {"a | b \\ c", 0, "a \\| b \\\\ c"},
	    /* An entity would render as its character; "R&D" is not one. */
	    {"&amp; &#169; R&D & co", 0, "\\&amp; \\&#169; R\\&D & co"},
	    {"$x$ costs $5", 0, "\\$x\\$ costs \\$5"},
	    /* At the start, what would open a block; elsewhere nothing. */
	    {"# not a heading", 0, "\\# not a heading"},
	    {"#42 and C#", 0, "#42 and C#"},
	    {"- not a list", 0, "\\- not a list"},
	    {"-flag", 0, "-flag"},
	    {"+ plus", 0, "\\+ plus"},
	    {"1. not a list", 0, "1\\. not a list"},
	    {"3.14", 0, "3.14"},
	    {"> not a quote", 0, "\\> not a quote"},
	    {"===", 0, "\\==="},
	    {"- - -", 0, "\\- - -"},
	    {"plain words, (parens) \"quotes\" 'single' !bang @at #hash", 0,
	     "plain words, (parens) \"quotes\" 'single' !bang @at #hash"},
	};

	(void)state;
	CHECK(check_inline, cases);
}

/* The same text is escaped the same way whatever the place: one escaping, every section. */
static void test_inline_same_in_every_place(void **state)
{
	static const char *const texts[] = {"a*b **c** d\\",   "a | b", "Fix #",
					    "Fix ###",	       "#",	"C#",
					    "_u_ `c` <b> [l]", "- x",	"x<!--"};
	static const unsigned places[] = {TEMPLATE_MD_BOLD, TEMPLATE_MD_CELL, TEMPLATE_MD_HEADING,
					  TEMPLATE_MD_CELL | TEMPLATE_MD_BOLD |
					      TEMPLATE_MD_HEADING};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		char *plain = template_md_inline(texts[i], 0), *block;

		assert_non_null(plain);
		for (size_t k = 0; k < sizeof(places) / sizeof(*places); k++) {
			char *got = template_md_inline(texts[i], places[k]);

			if (strcmp(got, plain) != 0)
				fail_msg("\"%s\": \"%s\" in place %u, \"%s\" in text", texts[i],
					 got, places[k], plain);
			free(got);
		}
		block = template_md_block(texts[i], 2, TEMPLATE_MD_ITEM);
		if (strcmp(block, plain) != 0)
			fail_msg("\"%s\": \"%s\" as a block, \"%s\" inline", texts[i], block,
				 plain);
		free(block);
		free(plain);
	}
}

static void test_inline_contexts(void **state)
{
	static const struct md_case cases[] = {
	    {"a*b **c** d\\", TEMPLATE_MD_BOLD, "a\\*b \\*\\*c\\*\\* d\\\\"},
	    {"a | b", TEMPLATE_MD_CELL, "a \\| b"},
	    {"a\\|b", TEMPLATE_MD_CELL, "a\\\\\\|b"},
	    /* A closing "#" run would end a heading: after a blank or alone. */
	    {"Fix #", TEMPLATE_MD_HEADING, "Fix \\#"},
	    {"Fix ###", TEMPLATE_MD_HEADING, "Fix \\###"},
	    {"#", TEMPLATE_MD_HEADING, "\\#"},
	    {"C#", TEMPLATE_MD_HEADING, "C#"},
	    {"issue #42", TEMPLATE_MD_HEADING, "issue #42"},
	    {"# start", TEMPLATE_MD_HEADING, "\\# start"},
	    {"Fix # \t", TEMPLATE_MD_HEADING, "Fix \\#"},
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
	     0, "a" REPL "b" REPL "\\[31mc" REPL "d"},
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
	};

	(void)state;
	CHECK(check_inline, cases);
}

/* Invisible and bidi characters cannot hide or reorder text: each shows as a marker. */
static void test_invisible_characters_are_shown(void **state)
{
	static const struct md_case cases[] = {
	    /* U+202E (right-to-left override), U+2066 and U+2069 (an isolate), U+200B. */
	    {"a\xE2\x80\xAE"
	     "b\xE2\x81\xA6"
	     "c\xE2\x81\xA9"
	     "d\xE2\x80\x8B",
	     0, "a\\<U+202E>b\\<U+2066>c\\<U+2069>d\\<U+200B>"},
	    /* U+200C..U+200F, U+FEFF, U+061C (2 bytes), U+2028, U+2060, a tag character. */
	    {"\xE2\x80\x8C\xE2\x80\x8D\xE2\x80\x8E\xE2\x80\x8F|\xEF\xBB\xBF|\xD8\x9C|\xE2\x80\xA8|"
	     "\xE2\x81\xA0|\xF3\xA0\x80\x81",
	     0,
	     "\\<U+200C>\\<U+200D>\\<U+200E>\\<U+200F>\\|\\<U+FEFF>\\|\\<U+061C>\\|\\<U+2028>\\|"
	     "\\<U+2060>\\|\\<U+E0001>"},
	    /* A joiner inside an emoji (woman, ZWJ, laptop) builds one picture: it stays. */
	    {"\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB", 0,
	     "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"},
	    /* White flag, VS16, ZWJ, rainbow. */
	    {"\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88", 0,
	     "\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88"},
	    /* A joiner at the end, or between letters, hides nothing useful: shown. */
	    {"\xF0\x9F\x91\xA9\xE2\x80\x8D", 0, "\xF0\x9F\x91\xA9\\<U+200D>"},
	    /* Scotland's flag: U+1F3F4, tag letters g b s c t, cancel tag: kept. */
	    {"\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3"
	     "\xF3\xA0\x81\xB4\xF3\xA0\x81\xBF",
	     0,
	     "\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3"
	     "\xF3\xA0\x81\xB4\xF3\xA0\x81\xBF"},
	    /* Tag characters anywhere else smuggle invisible ASCII: shown. */
	    {"x\xF3\xA0\x81\x81", 0, "x\\<U+E0041>"},
	};
	char *got;
	bool oom = false;

	(void)state;
	CHECK(check_inline, cases);
	/* U+061C is 2 bytes and its marker 8: the cleaned text may be 4 times as long. */
	got = template_md_clean("\xD8\x9C\xD8\x9C\xD8\x9C", 6, &oom);
	assert_string_equal(got, "<U+061C><U+061C><U+061C>");
	free(got);
	got = template_md_block("a\n\xE2\x80\xAE"
				"b",
				2, 0);
	assert_string_equal(got, "a\n  \\<U+202E>b");
	free(got);
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
	    {"[ ] box", TEMPLATE_MD_ITEM, "\\[ \\] box"},
	    {"[X] box", TEMPLATE_MD_ITEM, "\\[X\\] box"},
	    {"[link](x)", TEMPLATE_MD_ITEM, "\\[link\\](x)"},
	    {"[ref]: http://x", TEMPLATE_MD_ITEM, "\\[ref\\]: http://x"},
	    {"---", TEMPLATE_MD_ITEM, "\\---"},
	    {"* * *", TEMPLATE_MD_ITEM, "\\* \\* \\*"},
	    {"<div>", TEMPLATE_MD_ITEM, "\\<div>"},
	    {"a <b>", TEMPLATE_MD_ITEM, "a \\<b>"},
	    {"< 3", TEMPLATE_MD_ITEM, "\\< 3"},
	    /* After a label or starting a list item: the same escaping. */
	    {"- x", 0, "\\- x"},
	    {"1. x", 0, "1\\. x"},
	    {"> q", 0, "\\> q"},
	    {"# h", 0, "\\# h"},
	};

	(void)state;
	CHECK(check_block, cases);
}

static void test_block_continuation_lines(void **state)
{
	static const struct md_case cases[] = {
	    /* Indented under the item, and escaped like the first line. */
	    {"a\n- b\n> c\n1. d\n[ ] e", TEMPLATE_MD_ITEM,
	     "a\n  \\- b\n  \\> c\n  1\\. d\n  \\[ \\] e"},
	    {"a\n# h\n===\n---\n___\n<pre>\n</div>\n<!-- c\n<?x\n[r]: u", 0,
	     "a\n  \\# h\n  \\===\n  \\---\n  \\_\\_\\_\n  \\<pre>\n  \\</div>\n  \\<!-- c\n  "
	     "\\<?x\n  \\[r\\]: u"},
	    /* A line's own indentation goes: four columns would make it code, not text. */
	    {"a\n   # three\n    # four\n\t# tab", 0, "a\n  \\# three\n  \\# four\n  \\# tab"},
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

static void test_block_fences_are_text(void **state)
{
	static const struct md_case cases[] = {
	    {"see:\n```c\n# include\n```\n# after", TEMPLATE_MD_ITEM,
	     "see:\n  \\`\\`\\`c\n  \\# include\n  \\`\\`\\`\n  \\# after"},
	    {"```\nopen", 0, "\\`\\`\\`\n  open"},
	    {"a\n~~~\ncode", 0, "a\n  \\~\\~\\~\n  code"},
	    {"a ``` b", 0, "a \\`\\`\\` b"},
	};

	(void)state;
	CHECK(check_block, cases);
}

/* template_md_put_block as the view uses it after a label: the same escaping. */
static void test_block_after_label(void **state)
{
	struct strbuf o = {0};

	(void)state;
	template_md_put_block(&o, "# first\n# second\n```\nopen", 3, 0);
	assert_false(o.error);
	assert_string_equal(o.s, "\\# first\n   \\# second\n   \\`\\`\\`\n   open");
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
	    {"path/x.c", false, "`path/x.c`"}, {"a`b", false, "``a`b``"},
	    {"a``b`", false, "``` a``b` ```"}, {"`x", false, "`` `x ``"},
	    {"a|b", false, "`a|b`"},	       {"a|b", true, "`a\\|b`"},
	    {"a\\|b", true, "`a\\\\|b`"},      {"<x> *y* [z]", false, "`<x> *y* [z]`"},
	    {" both ", false, "`  both  `"},   {"two\nlines", false, "`two lines`"},
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
	/* Link text is inline text: nothing in it can end the link or start markup. */
	template_md_put_link_text(&o, "[a] \\ b\nc *d* <e>");
	assert_string_equal(o.s, "\\[a\\] \\\\ b c \\*d\\* \\<e>");
	free(o.s);
	o = (struct strbuf){0};
	template_md_put_url(&o, "https://h/a b(c)<d>é?q=1&r=%20#f");
	assert_string_equal(o.s, "https://h/a%20b%28c%29%3Cd%3E%C3%A9?q=1&r=%20#f");
	free(o.s);
}

/* Markdown read back from a log: stint's own escapes and code spans stay, the rest is text. */
static void test_markdown_read_back(void **state)
{
	static const char *const texts[] = {"Use Vec<String> and Option<T>",
					    "x<!--",
					    "[a](javascript:x)",
					    "`tick`",
					    "a | b",
					    "# heading",
					    "- [ ] item",
					    "1. item",
					    "Fix #",
					    "\\back\\",
					    "&amp;",
					    "*star* _u_",
					    "\xE2\x80\xAE bidi"};
	static const struct {
		const char *in, *want;
	} raw[] = {
	    /* What stint wrote: unchanged. */
	    {"`parse.c:3`: TODO: tidy \\<this>", "`parse.c:3`: TODO: tidy \\<this>"},
	    {"1\\. item \\# \\\\", "1\\. item \\# \\\\"},
	    /* A hand edit or an older stint: made text. */
	    {"x<!-- y", "x\\<!-- y"},
	    {"[a](javascript:x)", "\\[a\\](javascript:x)"},
	    {"# h", "\\# h"},
	    {"unclosed ` tick", "unclosed \\` tick"},
	    {"a\\b", "a\\\\b"},
	};
	struct strbuf o = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		char *once = template_md_inline(texts[i], 0);

		template_md_put_markdown(&o, once);
		if (strcmp(o.s, once) != 0)
			fail_msg("\"%s\" escaped as \"%s\" reads back as \"%s\"", texts[i], once,
				 o.s);
		free(o.s);
		o = (struct strbuf){0};
		free(once);
	}
	for (size_t i = 0; i < sizeof(raw) / sizeof(*raw); i++) {
		template_md_put_markdown(&o, raw[i].in);
		if (strcmp(o.s, raw[i].want) != 0)
			fail_msg("put_markdown(\"%s\"): got \"%s\", want \"%s\"", raw[i].in, o.s,
				 raw[i].want);
		free(o.s);
		o = (struct strbuf){0};
	}
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
	template_md_put_excerpt(&o, "Fix # now", 5, TEMPLATE_MD_HEADING, false);
	assert_string_equal(o.s, "Fix \\#…");
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
	snprintf(cmd, sizeof(cmd), "cmark-gfm -e table -e tasklist '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_putn(&out, buf, n);
	assert_int_equal(pclose(p), 0);
	assert_false(out.error);
	return out.s ? out.s : strdup("");
}

/* Hostile text, one line, as users and repositories give it; it must render as itself. */
static const char *const literal_texts[] = {
    "Use Vec<String> and Option<T>",
    "<script>alert(1)</script>",
    "x<!--",
    "<!-- hidden -->",
    "[a](javascript:x)",
    "[x](<javascript:alert(1)>)",
    "a | b",
    "|",
    "a\\|b",
    "`tick`",
    "``double `tick` ``",
    "*star* _under_ ~~strike~~",
    "**strong** __strong__ ~one~",
    "snake_case __init__ a*b*c",
    "# heading",
    "###### six",
    "Fix #",
    "Fix ##",
    "C# and F#",
    "- item",
    "- [ ] not a task",
    "+ plus",
    "* star item",
    "12. item",
    "3) paren",
    "2025. was a year",
    "> quote",
    "===",
    "---",
    "* * *",
    "```",
    "~~~ fence",
    "\\backslash\\",
    "\\\\double\\\\",
    "\\*not emphasis\\*",
    "ends with \\",
    "&amp; &lt;",
    "&copy; &#169; &#x41; &nbsp; R&D",
    "<https://x.y>",
    "<a@b.c>",
    "@mention #12",
    "[ ] task",
    "[x] done",
    "![img](x)",
    "[ref]: http://x",
    "[foo][bar] [baz]",
    "<b>bold</b> & <i>co</i>",
    "<div>",
    "</div>",
    "<?php x ?>",
    "$x$ and $$y$$",
    "{{title}}",
    "2 * 3 * 4 *",
    "emoji 🎉 ✅, CJK 漢字",
};

static void test_cmark_reads_literal_text(void **state)
{
	char dir[4096];

	(void)state;
	if (!have_cmark()) {
		print_message("cmark-gfm is not installed: the rendering check is skipped\n");
		skip();
	}
	assert_true(testutil_mkdtemp(dir, sizeof(dir), NULL, "template-md"));
	for (size_t i = 0; i < sizeof(literal_texts) / sizeof(*literal_texts); i++) {
		/* Every place but a paragraph of its own, which fuzz_md covers. */
		for (int place = MD_ROUNDTRIP_ITEM; place < MD_ROUNDTRIP_NPLACES; place++) {
			struct strbuf md = {0}, want = {0};
			char *got;

			assert_true(md_roundtrip_doc((enum md_roundtrip_place)place,
						     literal_texts[i], &md, &want));
			assert_false(md.error || want.error);
			got = cmark_html(dir, md.s);
			if (strcmp(got, want.s) != 0)
				fail_msg("\"%s\" escaped for place %d as\n%s\nrenders as\n%s\nnot "
					 "as\n%s",
					 literal_texts[i], place, md.s, got, want.s);
			free(got);
			free(md.s);
			free(want.s);
		}
	}
	testutil_rm_rf(dir);
}

/* Several lines in a list item: each reads as typed, and the log after it is untouched. */
static void test_cmark_block_in_a_note(void **state)
{
	static const char *const notes[] = {
	    "see:\n```\n# kept",
	    "first\n# second\n===\n---\n<pre>\n[r]: u",
	    "a\n- b\n> c\n1. d\n[ ] e",
	    "<div>\n*not html*\n</div>",
	    "| h | h |\n|---|---|\n| c | c |",
	    "x<!--\nstill here",
	};
	char dir[4096];

	(void)state;
	if (!have_cmark()) {
		print_message("cmark-gfm is not installed: the rendering check is skipped\n");
		skip();
	}
	assert_true(testutil_mkdtemp(dir, sizeof(dir), NULL, "template-md"));
	for (size_t i = 0; i < sizeof(notes) / sizeof(*notes); i++) {
		struct strbuf md = {0}, want = {0};
		char *got;

		assert_true(md_roundtrip_doc(MD_ROUNDTRIP_ITEM, notes[i], &md, &want));
		strbuf_puts(&md, "\n# After\n");
		strbuf_puts(&want, "<h1>After</h1>\n");
		got = cmark_html(dir, md.s);
		if (strcmp(got, want.s) != 0)
			fail_msg("note \"%s\" escaped as\n%s\nrenders as\n%s\nnot as\n%s", notes[i],
				 md.s, got, want.s);
		free(got);
		free(md.s);
		free(want.s);
	}
	testutil_rm_rf(dir);
}

/*
 * Found by fuzz_md: cmark-gfm, GitHub's renderer, matches no code span fence of 80 backticks or
 * more, so a text with a run of 79 would show its fences. Up to 78 it is a code span; from 79 it
 * is written as inline text, which reads as the text too.
 */
static void test_code_with_a_long_backtick_run(void **state)
{
	char dir[4096], text[128];

	(void)state;
	if (!have_cmark()) {
		print_message("cmark-gfm is not installed: the rendering check is skipped\n");
		skip();
	}
	assert_true(testutil_mkdtemp(dir, sizeof(dir), NULL, "template-md"));
	for (size_t run = 78; run <= 80; run++) {
		struct strbuf md = {0}, want = {0};
		char *got;

		snprintf(text, sizeof(text), "a%.*sb", (int)run,
			 "````````````````````````````````````````````````````````````````````````"
			 "````````````````````");
		template_md_put_code(&md, text, false);
		strbuf_putc(&md, '\n');
		strbuf_puts(&want, run < 79 ? "<p><code>" : "<p>");
		md_roundtrip_html_text(&want, text);
		strbuf_puts(&want, run < 79 ? "</code></p>\n" : "</p>\n");
		assert_false(md.error || want.error);
		got = cmark_html(dir, md.s);
		if (strcmp(got, want.s) != 0)
			fail_msg(
			    "a run of %zu backticks written as\n%s\nrenders as\n%s\nnot as\n%s",
			    run, md.s, got, want.s);
		free(got);
		free(md.s);
		free(want.s);
	}
	testutil_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inline_markdown_is_text),
	    cmocka_unit_test(test_inline_same_in_every_place),
	    cmocka_unit_test(test_inline_contexts),
	    cmocka_unit_test(test_inline_one_line),
	    cmocka_unit_test(test_inline_controls_and_utf8),
	    cmocka_unit_test(test_invisible_characters_are_shown),
	    cmocka_unit_test(test_block_item_first_line),
	    cmocka_unit_test(test_block_continuation_lines),
	    cmocka_unit_test(test_block_fences_are_text),
	    cmocka_unit_test(test_block_after_label),
	    cmocka_unit_test(test_code_links_urls),
	    cmocka_unit_test(test_markdown_read_back),
	    cmocka_unit_test(test_clean_and_excerpt),
	    cmocka_unit_test(test_cmark_reads_literal_text),
	    cmocka_unit_test(test_cmark_block_in_a_note),
	    cmocka_unit_test(test_code_with_a_long_backtick_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
