#include "template_engine_placeholder.h"

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

/* [log] placeholders: which bracketed text is a prompt, and what each mode makes of it. */

static const struct template_engine_field schema[] = {
    {"note", TEMPLATE_ENGINE_TEXT, NULL, "h"},
    {0},
};

/* Renders tpl with {"note": note} in mode and compares with want. */
static void expect_render(const char *tpl, const char *note, enum template_engine_placeholders mode,
			  const char *want)
{
	char err[256];
	struct template_engine *t = template_engine_compile(tpl, "t", schema, err, sizeof(err));
	json_t *v = json_pack("{s:s}", "note", note);
	char *out;

	if (!t)
		fail_msg("compile: %s", err);
	out = template_engine_render_placeholders(t, v, mode, err, sizeof(err));
	if (!out)
		fail_msg("render: %s", err);
	if (strcmp(out, want) != 0)
		fail_msg("mode %d of:\n%s\n--- got ---\n%s\n--- want ---\n%s", mode, tpl, out,
			 want);
	free(out);
	json_decref(v);
	template_engine_free(t);
}

#define KEEP	TEMPLATE_ENGINE_PLACEHOLDERS_KEEP
#define COMMENT TEMPLATE_ENGINE_PLACEHOLDERS_COMMENT
#define DROP	TEMPLATE_ENGINE_PLACEHOLDERS_DROP

static void test_values_are_never_prompts(void **state)
{
	(void)state;
	expect_render("- **Note**: {{note}}\n", "[WIP] x", DROP, "- **Note**: [WIP] x\n");
	expect_render("- **Note**: {{note}}\n", "[WIP] x", COMMENT, "- **Note**: [WIP] x\n");
	/* A prompt split by a value is none either. */
	expect_render("[a {{note}} b]\n", "v", DROP, "[a v b]\n");
}

static void test_not_prompts(void **state)
{
	const char *tpl = "- [ ] a task\n- [x] done\n[a link](http://x) and [ref][1] and ![img]\n"
			  "[1]: http://y\n\\[escaped]\n[]\n";

	(void)state;
	expect_render(tpl, "", DROP, tpl);
	expect_render(tpl, "", COMMENT, tpl);
}

static void test_lines(void **state)
{
	const char *tpl = "# Title: [Brief title]\n\n[Alone on a line]\n\n- [Item alone]\n"
			  "  1. [Numbered]\n**Focus:** [Objective]  \nnext\n";

	(void)state;
	expect_render(tpl, "", KEEP, tpl);
	expect_render(tpl, "", DROP, "# Title:\n\n**Focus:**  \nnext\n");
	expect_render(tpl, "", COMMENT,
		      "# Title: <!-- [Brief title] -->\n\n<!-- [Alone on a line] -->\n\n"
		      "<!-- - [Item alone] -->\n  <!-- 1. [Numbered] -->\n"
		      "**Focus:** <!-- [Objective] -->  \nnext\n");
	/* A list item's label goes with its prompts; a line's label outside a list stays. */
	expect_render("- **Previous**: [X%]\n  - Issues: [#NNN]\n- **Done**: yes\n", "", DROP,
		      "- **Done**: yes\n");
	expect_render("- **Previous**: [X%]\n- **Done**: yes\n", "", COMMENT,
		      "<!-- - **Previous**: [X%] -->\n- **Done**: yes\n");
	expect_render("- Worked: a [prompt]\n", "", DROP, "- Worked: a\n");
	/* A label whose sub-items all went goes too; one with a sub-item left stays. */
	expect_render("- **GitHub**:\n  - Issues: [#NNN]\n  - PRs: [#NNN]\n- **Kept**:\n"
		      "  - Issues: [#NNN]\n  - x\n",
		      "", DROP, "- **Kept**:\n  - x\n");
	/* A comment cannot hold "--": such a prompt stays as it is. */
	expect_render("a [x -- y] b\n", "", COMMENT, "a [x -- y] b\n");
}

static void test_tables(void **state)
{
	const char *all = "## Metrics\n\n| M | B |\n|---|---|\n| [Metric] | [Before] |\n\nafter\n";
	const char *mixed = "| F | D |\n|---|---|\n| {{note}} | x |\n| [path] | [desc] |\n"
			    "| y | [Brief] |\n";

	(void)state;
	expect_render(all, "", DROP, "## Metrics\n\nafter\n");
	expect_render(all, "", COMMENT,
		      "## Metrics\n\n<!--\n| M | B |\n|---|---|\n| [Metric] | [Before] |\n-->\n\n"
		      "after\n");
	/* Other rows stay: rows of prompts go (drop) or their cells are commented (comment). */
	expect_render(mixed, "a.c", DROP, "| F | D |\n|---|---|\n| a.c | x |\n| y | |\n");
	expect_render(mixed, "a.c", COMMENT,
		      "| F | D |\n|---|---|\n| a.c | x |\n| <!-- [path] --> | <!-- [desc] --> |\n"
		      "| y | <!-- [Brief] --> |\n");
}

static void test_code_blocks_untouched(void **state)
{
	const char *tpl = "```sh\n[ -f x ] && echo [yes]\n```\n[Prompt]\n";

	(void)state;
	expect_render(tpl, "", DROP, "```sh\n[ -f x ] && echo [yes]\n```\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_are_never_prompts),
	    cmocka_unit_test(test_not_prompts),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_code_blocks_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
