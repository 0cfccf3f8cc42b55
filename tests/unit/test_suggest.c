#include "suggest.h"

#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("stop", "stop"), 0);
	/* A swap of neighbours is one edit, not two. */
	assert_int_equal(suggest_distance("stpo", "stop"), 1);
	assert_int_equal(suggest_distance("no-lgo", "no-log"), 1);
	assert_int_equal(suggest_distance("maxfilerows", "max_file_rows"), 2);
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_int_equal(suggest_distance("STOP", "stop"), 0);
	/* Only case differs: still a suggestion, the nearest there is. */
	struct suggest s;
	char buf[64];
	suggest_init(&s, "STOP");
	suggest_consider(&s, "stop");
	suggest_consider(&s, "stpo");
	assert_true(suggest_format(&s, "", buf, sizeof(buf)));
	assert_string_equal(buf, "did you mean \"stop\"?");
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	char big[SUGGEST_MAX_WORD + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_true(suggest_distance(big, "a") == SIZE_MAX);
}

/* The suggestion for word among the NULL-ended candidates, "" for none. */
static const char *nearest(const char *word, const char *const *cands, char *buf, size_t n)
{
	struct suggest s;

	suggest_init(&s, word);
	for (; *cands; cands++)
		suggest_consider(&s, *cands);
	suggest_format(&s, "", buf, n);
	return buf;
}

static void test_suggests_near_words_only(void **state)
{
	static const char *const cmds[] = {"start", "status", "stop", "pause", "note",
					   "todo",  "list",   "log",  "add",   NULL};
	char buf[128];

	(void)state;
	assert_string_equal(nearest("stpo", cmds, buf, sizeof(buf)), "did you mean \"stop\"?");
	assert_string_equal(nearest("ad", cmds, buf, sizeof(buf)), "did you mean \"add\"?");
	/* A word a command starts with is as near as a typo of another. */
	assert_string_equal(nearest("stat", cmds, buf, sizeof(buf)),
			    "did you mean \"start\" or \"status\"?");
	assert_string_equal(nearest("stopp", cmds, buf, sizeof(buf)), "did you mean \"stop\"?");
	assert_string_equal(nearest("lgo", cmds, buf, sizeof(buf)), "did you mean \"log\"?");
	assert_string_equal(nearest("nte", cmds, buf, sizeof(buf)), "did you mean \"note\"?");
	assert_string_equal(nearest("tod", cmds, buf, sizeof(buf)), "did you mean \"todo\"?");
	/* Equally near: each is named, up to SUGGEST_MAX. */
	static const char *const ties[] = {"cat", "car", "dog", "cab", "can", NULL};
	assert_string_equal(nearest("caz", ties, buf, sizeof(buf)),
			    "did you mean \"cat\", \"car\" or \"cab\"?");
	/* Far from everything: no suggestion. */
	assert_string_equal(nearest("frobnicate", cmds, buf, sizeof(buf)), "");
	assert_string_equal(nearest("x", cmds, buf, sizeof(buf)), "");
	assert_string_equal(nearest("", cmds, buf, sizeof(buf)), "");
}

static void test_format_prefix_and_truncation(void **state)
{
	struct suggest s;
	char buf[64], tiny[8];

	(void)state;
	suggest_init(&s, "jsno");
	suggest_consider(&s, "json");
	assert_true(suggest_format(&s, "--", buf, sizeof(buf)));
	assert_string_equal(buf, "did you mean \"--json\"?");
	assert_true(suggest_format(&s, "--", tiny, sizeof(tiny)));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	suggest_init(&s, "zzzz");
	suggest_consider(&s, "json");
	assert_false(suggest_format(&s, "--", buf, sizeof(buf)));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distance),
	    cmocka_unit_test(test_suggests_near_words_only),
	    cmocka_unit_test(test_format_prefix_and_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
