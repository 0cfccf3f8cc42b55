#include "template_engine.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#include "template_engine_render.h"
#include "testutil.h"

/* A schema shaped like the session view's, small enough to read at a glance. */
static const struct template_engine_field item_fields[] = {
    {"name", TEMPLATE_ENGINE_TEXT, NULL, "h"},
    {"n", TEMPLATE_ENGINE_NUMBER, NULL, "h"},
    {"last", TEMPLATE_ENGINE_FLAG, NULL, "h"},
    {"subs", TEMPLATE_ENGINE_LIST,
     (const struct template_engine_field[]){{"text", TEMPLATE_ENGINE_TEXT, NULL, "h"}, {0}}, "h"},
    {0},
};

static const struct template_engine_field stats_fields[] = {
    {"added", TEMPLATE_ENGINE_NUMBER, NULL, "h"},
    {"net", TEMPLATE_ENGINE_TEXT, NULL, "h"},
    {"inner", TEMPLATE_ENGINE_OBJECT,
     (const struct template_engine_field[]){{"deep", TEMPLATE_ENGINE_TEXT, NULL, "h"}, {0}}, "h"},
    {0},
};

static const struct template_engine_field schema[] = {
    {"title", TEMPLATE_ENGINE_TEXT, NULL, "h"},
    {"summary", TEMPLATE_ENGINE_TEXT, NULL, "h"},
    {"name", TEMPLATE_ENGINE_TEXT, NULL, "h"},
    {"count", TEMPLATE_ENGINE_NUMBER, NULL, "h"},
    {"flag", TEMPLATE_ENGINE_FLAG, NULL, "h"},
    {"items", TEMPLATE_ENGINE_LIST, item_fields, "h"},
    {"stats", TEMPLATE_ENGINE_OBJECT, stats_fields, "h"},
    {0},
};

static json_t *view(void)
{
	json_error_t jerr;
	json_t *v =
	    json_loads("{"
		       "\"title\": \"Hello\","
		       "\"name\": \"outer\","
		       "\"count\": 3,"
		       "\"flag\": true,"
		       "\"items\": ["
		       "  {\"name\": \"a\", \"n\": 1, \"subs\": [{\"text\": \"a1\"}, {\"text\": "
		       "\"a2\"}]},"
		       "  {\"n\": 2},"
		       "  \"not an object\","
		       "  {\"name\": \"c\", \"n\": 3, \"last\": true}"
		       "],"
		       "\"stats\": {\"added\": 120, \"net\": \"+90\", \"inner\": {\"deep\": "
		       "\"down\"}}"
		       "}",
		       0, &jerr);

	if (!v)
		fail_msg("bad test view: %s", jerr.text);
	return v;
}

/* Compiles and renders text against view(); fails the test on any error. */
static char *render_view(const char *text, const json_t *v)
{
	char err[512] = "";
	struct template_engine *t = template_engine_compile(text, "t.md", schema, err, sizeof(err));
	char *out;

	if (!t)
		fail_msg("compile failed: %s\n--- template ---\n%s", err, text);
	out = template_engine_render(t, v, err, sizeof(err));
	if (!out)
		fail_msg("render failed: %s", err);
	template_engine_free(t);
	return out;
}

static void expect(const char *text, const char *want)
{
	json_t *v = view();
	char *got = render_view(text, v);

	if (strcmp(got, want) != 0)
		fail_msg("template:\n%s\n--- got ---\n%s--- want ---\n%s", text, got, want);
	free(got);
	json_decref(v);
}

static void expect_error(const char *text, const char *want)
{
	char err[512] = "";
	struct template_engine *t =
	    template_engine_compile(text, "/home/u/tpl.md", schema, err, sizeof(err));

	if (t) {
		template_engine_free(t);
		fail_msg("compiled, want error: %s\n--- template ---\n%s", want, text);
	}
	if (strcmp(err, want) != 0)
		fail_msg("template:\n%s\n--- got error ---\n%s\n--- want ---\n%s", text, err, want);
}

static void test_variables(void **state)
{
	(void)state;
	expect("# {{title}}\n", "# Hello\n");
	expect("{{ title }} {{count}}", "Hello 3\n");
	expect("{{stats.added}} {{stats.net}} {{stats.inner.deep}}", "120 +90 down\n");
	/* No HTML escaping: {{{x}}} and {{&x}} are the same as {{x}}. */
	expect("{{{title}}}{{&title}}", "HelloHello\n");
	/* Known but absent: nothing. */
	expect("[{{summary}}]", "[]\n");
	expect("a \\{{title}} b", "a {{title}} b\n");
	expect("{ {title} }} }", "{ {title} }} }\n");
	expect("", "");
	expect("\n\n  \n", "");
}

static void test_sections(void **state)
{
	(void)state;
	/* Lists repeat per object item; item names shadow outer ones, and only there. */
	expect("{{#items}}[{{n}}:{{name}}]{{/items}}", "[1:a][2:][3:c]\n");
	expect("{{#items}}{{#subs}}{{name}}/{{text}} {{/subs}}{{/items}}", "a/a1 a/a2 \n");
	expect("{{#items}}{{name}}{{^last}}, {{/last}}{{/items}}", "a, , c\n");
	/* Objects push their fields; text, numbers and flags show once. */
	expect("{{#stats}}{{added}}{{#inner}}{{deep}}{{/inner}}{{/stats}}", "120down\n");
	expect("{{#title}}T={{title}}{{/title}}{{#summary}}S{{/summary}}", "T=Hello\n");
	expect("{{#count}}c{{/count}}{{#flag}}f{{/flag}}{{^flag}}!f{{/flag}}", "cf\n");
	expect("{{^summary}}no summary{{/summary}}{{^title}}no title{{/title}}", "no summary\n");
	expect("{{#stats.inner}}{{deep}}{{/stats.inner}}", "down\n");
	/* Inverted sections do not enter their list or object. */
	expect("{{^items}}x{{/items}}{{^stats}}y{{/stats}}", "");
}

static void test_values_of_the_wrong_type(void **state)
{
	json_t *v = json_pack("{s:i, s:s, s:s, s:[i, s], s:i, s:{s:s}}", "title", 5, "count", "3",
			      "flag", "true", "items", 1, "x", "stats", 7, "summary", "added", "x");
	char *out = render_view("[{{title}}|{{count}}|{{#flag}}F{{/flag}}|{{#items}}I{{/items}}|"
				"{{^items}}none{{/items}}|{{#stats}}S{{/stats}}|{{#summary}}{{/"
				"summary}}]",
				v);

	(void)state;
	assert_string_equal(out, "[||||none||]\n");
	free(out);
	json_decref(v);
	/* Not even an object. */
	v = json_array();
	out = render_view("[{{title}}{{#items}}x{{/items}}{{stats.net}}]", v);
	assert_string_equal(out, "[]\n");
	free(out);
	json_decref(v);
	out = render_view("[{{title}}]", NULL);
	assert_string_equal(out, "[]\n");
	free(out);
}

static void test_standalone_lines(void **state)
{
	(void)state;
	/* Section, inverted, closing and comment tags alone on a line leave no line behind. */
	expect("a\n{{#items}}\n- {{n}}\n{{/items}}\nb\n", "a\n- 1\n- 2\n- 3\nb\n");
	expect("a\n  {{^summary}}  \n  none\n\t{{/summary}}\nb", "a\n  none\nb\n");
	expect("{{! comment }}\nfirst\n{{!\n  a comment\n  over lines\n}}\nlast\n{{! end }}",
	       "first\nlast\n");
	expect("a\r\n{{#title}}\r\nT\r\n{{/title}}\r\nb\r\n", "a\nT\nb\n");
	/* Not alone: text, a variable or another tag on the line. */
	expect("x {{#title}}\nT\n{{/title}} y\n", "x \nT\n y\n");
	expect("{{#title}}{{/title}}\nb\n", "b\n");
	expect("{{title}}\nb\n", "Hello\nb\n");
	/* The last line needs no newline. */
	expect("a\n{{#title}}\nT\n{{/title}}", "a\nT\n");
}

static void test_hanging_indent(void **state)
{
	json_t *v = json_pack("{s:s}", "summary", "one\ntwo\n\nthree");
	char *out;

	(void)state;
	out = render_view("{{summary}}\n"
			  "- {{summary}}\n"
			  "   - **Why**: {{summary}}\n"
			  "10. {{summary}}\n"
			  "  <x>{{summary}}\n"
			  "* [ ] {{summary}}\n"
			  "-x {{summary}}\n",
			  v);
	assert_string_equal(out, "one\ntwo\n\nthree\n"
				 "- one\n  two\n\n  three\n"
				 "   - **Why**: one\n     two\n\n     three\n"
				 "10. one\n    two\n\n    three\n"
				 "  <x>one\n  two\n\n  three\n"
				 "* [ ] one\n  two\n\n  three\n"
				 "-x one\ntwo\n\nthree\n");
	free(out);
	json_decref(v);
}

static void test_tidy_output(void **state)
{
	json_t *v = json_pack("{s:s, s:s}", "title", "x", "summary", "   ");
	char *out;

	(void)state;
	/* Blank runs become one blank line, none at the start or end; lines of blanks are empty. */
	out = render_view("\n\n# {{title}}\n\n\n\n{{summary}}\n \t\n\nend  \n\n\n", v);
	assert_string_equal(out, "# x\n\nend  \n");
	free(out);
	/* Inside a code fence nothing changes. */
	out = render_view("```\na\n\n\n  \nb\n```\n\n\n~~~~\n\n\n~~~\n\n\n~~~~\nc\n", v);
	assert_string_equal(out, "```\na\n\n\n  \nb\n```\n\n~~~~\n\n\n~~~\n\n\n~~~~\nc\n");
	free(out);
	/* Inline code is no fence. */
	out = render_view("```a ` b```\n\n\nc\n", v);
	assert_string_equal(out, "```a ` b```\n\nc\n");
	free(out);
	json_decref(v);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("line one\n\n{{sumary}}\n",
		     "/home/u/tpl.md:3: unknown variable \"sumary\" (did you mean \"summary\"?)");
	expect_error("{{#items}}\n{{nme}}\n{{/items}}",
		     "/home/u/tpl.md:2: unknown variable \"nme\" (did you mean \"name\"?)");
	expect_error("{{zzzzzz}}", "/home/u/tpl.md:1: unknown variable \"zzzzzz\"");
	/* Names are checked against the schema, not the data: the view has no "summary". */
	expect_error("{{#summary}}{{summry}}{{/summary}}",
		     "/home/u/tpl.md:1: unknown variable \"summry\" (did you mean \"summary\"?)");
	/* Item fields exist inside their list only. */
	expect_error("{{n}}", "/home/u/tpl.md:1: unknown variable \"n\"");
	expect_error("{{stats.addd}}",
		     "/home/u/tpl.md:1: unknown variable \"stats.addd\" (did you mean \"added\"?)");
	expect_error("{{title.x}}",
		     "/home/u/tpl.md:1: unknown variable \"title.x\" (\"title\" is not an object)");
	expect_error("\n{{items}}", "/home/u/tpl.md:2: \"items\" is a list: use it as a section, "
				    "{{#items}}...{{/items}}");
	expect_error("{{flag}}", "/home/u/tpl.md:1: \"flag\" is a flag: use it as a section, "
				 "{{#flag}}...{{/flag}}");
	expect_error("{{stats}}", "/home/u/tpl.md:1: \"stats\" is an object: use it as a section, "
				  "{{#stats}}...{{/stats}}");
	expect_error("a\n{{#items}}\n{{#title}}\nx\n{{/title}}\n",
		     "/home/u/tpl.md:2: {{#items}} is never closed (no {{/items}})");
	expect_error("{{#items}}\n{{^title}}\n{{/items}}\n",
		     "/home/u/tpl.md:3: {{/items}} does not match {{^title}} opened on line 2");
	expect_error("x\n{{/title}}", "/home/u/tpl.md:2: {{/title}} closes no open section");
	expect_error("{{title", "/home/u/tpl.md:1: tag {{ is not closed with }} on its line");
	expect_error("{{title\n}}", "/home/u/tpl.md:1: tag {{ is not closed with }} on its line");
	expect_error("{{{title}}", "/home/u/tpl.md:1: tag {{{ is not closed with }}} on its line");
	expect_error("a\n{{! never closed",
		     "/home/u/tpl.md:2: comment {{! is never closed with }}");
	expect_error("{{}}", "/home/u/tpl.md:1: empty tag: a name is missing");
	expect_error("{{# }}", "/home/u/tpl.md:1: empty tag: a name is missing");
	expect_error("{{a b}}", "/home/u/tpl.md:1: invalid name \"a b\" (letters, digits, _ and -, "
				"parts joined by dots)");
	expect_error("{{stats..net}}", "/home/u/tpl.md:1: invalid name \"stats..net\" (letters, "
				       "digits, _ and -, parts joined by dots)");
	expect_error("{{.}}", "/home/u/tpl.md:1: {{.}} is not supported: name a field of the item");
	expect_error("{{>part}}", "/home/u/tpl.md:1: partials ({{>name}}) are not supported");
	expect_error("{{=<% %>=}}",
		     "/home/u/tpl.md:1: delimiter changes ({{=...=}}) are not supported");
	expect_error("ok\nbad \xC3\x28\n", "/home/u/tpl.md:2: invalid UTF-8 (byte 0xC3)");
	expect_error("a\r\nb\r\n\x1b[0m", "/home/u/tpl.md:3: control character U+001B");
	expect_error("{{a.b.c.d.e.f.g.h.i}}",
		     "/home/u/tpl.md:1: name \"a.b.c.d.e.f.g.h.i\" has too "
		     "many parts (at most 8)");
}

static void test_limits(void **state)
{
	char err[512];
	char *big, *deep;
	size_t n = TEMPLATE_ENGINE_MAX_TEXT + 1;
	struct template_engine *t;
	json_t *v;
	char *out;

	(void)state;
	big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	assert_null(template_engine_compile(big, "big.md", schema, err, sizeof(err)));
	assert_string_equal(err,
			    "big.md: too large for a template (1048577 bytes, at most 1048576)");
	free(big);

	/* 33 nested sections. */
	deep = calloc(1, 33 * 24 + 1);
	for (int i = 0; i < 33; i++)
		strcat(deep, "{{#title}}");
	assert_null(template_engine_compile(deep, "deep.md", schema, err, sizeof(err)));
	assert_string_equal(err, "deep.md:1: sections nested too deeply (at most 32)");
	free(deep);

	/* Loops nested over the same list (or another list from outside the item) are refused:
	 * the output would grow as the product of the lists. */
	assert_null(template_engine_compile("{{#items}}\n{{#items}}{{/items}}\n{{/items}}",
					    "loops.md", schema, err, sizeof(err)));
	assert_string_equal(err, "loops.md:2: {{#items}} inside {{#items}} (line 1) would repeat "
				 "all of \"items\" for each item of \"items\": close {{/items}} "
				 "first");
	/* Inverted, the same list is only a test: allowed. */
	t = template_engine_compile("{{#items}}{{^items}}none{{/items}}{{/items}}", "inv.md",
				    schema, err, sizeof(err));
	assert_non_null(t);
	v = json_pack("{s:[{}, {}]}", "items");
	out = template_engine_render(t, v, err, sizeof(err));
	assert_string_equal(out, "");
	free(out);
	template_engine_free(t);
	json_decref(v);
	template_engine_free(NULL);
}

/* --- fuzzing ------------------------------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

/* Template-shaped noise: tags and names of the schema, stray braces, odd bytes. */
static size_t fuzz_template(char *buf, size_t cap)
{
	static const char *const atoms[] = {
	    "{{",
	    "}}",
	    "}}}",
	    "{{#",
	    "{{^",
	    "{{/",
	    "{{!",
	    "{{&",
	    "{{{",
	    "{{>",
	    "{{=",
	    "\\{{",
	    "items",
	    "title",
	    "name",
	    "n",
	    "subs",
	    "text",
	    "stats",
	    "stats.net",
	    ".",
	    "last",
	    "flag",
	    "count",
	    "summary",
	    "x",
	    " ",
	    "\t",
	    "\n",
	    "\r\n",
	    "\r",
	    "- ",
	    "10. ",
	    "```",
	    "~~~",
	    "é",
	    "\xff",
	    "\xc3",
	    "\x01",
	    "{{#items}}",
	    "{{/items}}",
	    "{{title}}",
	    "{{#subs}}{{text}}{{/subs}}",
	    "{{^last}}, {{/last}}",
	    "{{! c }}",
	};
	size_t n = 0, natoms = testutil_rand(&rng) % 40;

	for (size_t i = 0; i < natoms; i++) {
		const char *a = atoms[testutil_rand(&rng) % (sizeof(atoms) / sizeof(*atoms))];
		size_t k = strlen(a);

		if (n + k >= cap)
			break;
		memcpy(buf + n, a, k);
		n += k;
	}
	/* Now and then, raw random bytes (never NUL: the API takes a C string). */
	if (testutil_rand(&rng) % 4 == 0) {
		size_t extra = testutil_rand(&rng) % 16;

		for (size_t i = 0; i < extra && n + 1 < cap; i++)
			buf[n++] = (char)(1 + testutil_rand(&rng) % 255);
	}
	buf[n] = '\0';
	return n;
}

static void test_fuzz(void **state)
{
	json_t *v = view();
	char buf[1024], err[512];
	int compiled = 0;

	(void)state;
	json_object_set_new(v, "summary", json_string("multi\nline\n\n```\nvalue"));
	for (int iter = 0; iter < 20000; iter++) {
		struct template_engine *t;
		char *out;

		fuzz_template(buf, sizeof(buf));
		err[0] = '\0';
		t = template_engine_compile(buf, "fuzz.md", schema, err, sizeof(err));
		if (!t) {
			/* Every error says where. */
			if (strncmp(err, "fuzz.md:", 8) != 0)
				fail_msg("error without a place: \"%s\" for:\n%s", err, buf);
			continue;
		}
		compiled++;
		out = template_engine_render(t, v, err, sizeof(err));
		if (!out)
			fail_msg("render failed: %s for:\n%s", err, buf);
		/* Fences keep their blank lines: only the ends can be checked blindly. */
		if (*out && (out[strlen(out) - 1] != '\n' || out[0] == '\n'))
			fail_msg("untidy output for:\n%s\n---\n%s", buf, out);
		free(out);
		template_engine_free(t);
	}
	/* The fuzzer must reach the renderer, not only the error paths. */
	assert_true(compiled > 1000);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_variables),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_values_of_the_wrong_type),
	    cmocka_unit_test(test_standalone_lines),
	    cmocka_unit_test(test_hanging_indent),
	    cmocka_unit_test(test_tidy_output),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
