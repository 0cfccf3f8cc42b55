#include "template_commit.h"

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
#include "template_record.h"
#include "template_view.h"
#include "testutil.h"

/*
 * A commit's numbers (daemon/template_commit.c) and the Files Modified kinds
 * (template_changes_files), from records: what the log says for each, and that values of the
 * wrong type or range are ignored (the record is untrusted input), never shown or trusted.
 */

/* The commit's numbers as the log prints them ("" when nothing is shown). */
static void lines_are(const char *commit, bool plural, const char *want)
{
	json_t *c = testutil_json(commit);
	struct template_commit_lines l;
	struct strbuf o = {0};

	template_commit_lines_read(c, &l);
	template_commit_put_lines(&o, &l, plural);
	if (strcmp(o.s ? o.s : "", want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", commit, o.s ? o.s : "", want);
	free(o.s);
	json_decref(c);
}

static void test_one_commit(void **state)
{
	(void)state;
	/* The whole commit is the session's: as before. */
	lines_are("{\"added\": 14, \"removed\": 2, \"session_added\": 14, \"session_removed\": 2}",
		  false, "+14 -2");
	/* Work from before the session in the commit: both, said which is which. */
	lines_are("{\"added\": 14, \"removed\": 0, \"session_added\": 5, \"session_removed\": 0}",
		  false, "+5 -0 this session, +14 -0 in the commit");
	lines_are("{\"added\": 4, \"removed\": 1, \"session_added\": 0, \"session_removed\": 0}",
		  false, "+0 -0 this session, +4 -1 in the commit");
	/* The part may hold more than the commit (the session undid work from before it). */
	lines_are("{\"added\": 1, \"removed\": 0, \"session_added\": 1, \"session_removed\": 9}",
		  false, "+1 -9 this session, +1 -0 in the commit");
	lines_are("{\"added\": 14, \"removed\": 0, \"session_added\": 5, \"session_removed\": 0}",
		  true, "+5 -0 this session, +14 -0 in the commits");
	/* Older records without the part: the commit's numbers alone. */
	lines_are("{\"added\": 14, \"removed\": 0}", false, "+14 -0");
	/* Without the commit's own numbers nothing is said, whatever the part. */
	lines_are("{\"session_added\": 5, \"session_removed\": 0}", false, "");
	lines_are("{\"added\": 14}", false, "");
	lines_are("{}", false, "");
}

static void test_bad_values(void **state)
{
	(void)state;
	/* A part of the wrong type, negative, out of range or half there is no part. */
	lines_are(
	    "{\"added\": 14, \"removed\": 0, \"session_added\": \"5\", \"session_removed\": 0}",
	    false, "+14 -0");
	lines_are("{\"added\": 14, \"removed\": 0, \"session_added\": -5, \"session_removed\": 0}",
		  false, "+14 -0");
	lines_are("{\"added\": 14, \"removed\": 0, \"session_added\": 5}", false, "+14 -0");
	lines_are("{\"added\": 14, \"removed\": 0, \"session_added\": 5.5, \"session_removed\": 0}",
		  false, "+14 -0");
	lines_are(
	    "{\"added\": 14, \"removed\": 0, \"session_added\": 5, \"session_removed\": null}",
	    false, "+14 -0");
	lines_are("{\"added\": 14, \"removed\": 0, \"session_added\": 1000000000001, "
		  "\"session_removed\": 0}",
		  false, "+14 -0");
	lines_are("{\"added\": true, \"removed\": 0, \"session_added\": 5, \"session_removed\": 0}",
		  false, "");
	lines_are("{\"added\": -1, \"removed\": 0}", false, "");
}

static void test_sums(void **state)
{
	json_t *a = testutil_json("{\"added\": 14, \"removed\": 0, \"session_added\": 5, "
				  "\"session_removed\": 0}"),
	       *b = testutil_json("{\"added\": 3, \"removed\": 2, \"session_added\": 3, "
				  "\"session_removed\": 2}"),
	       *old = testutil_json("{\"added\": 1, \"removed\": 1}"),
	       *big = testutil_json("{\"added\": 1000000000000, \"removed\": 0, \"session_added\": "
				    "1000000000000, \"session_removed\": 0}");
	struct template_commit_lines sum, l;
	struct strbuf o = {0};

	(void)state;
	template_commit_lines_zero(&sum);
	template_commit_lines_read(a, &l);
	template_commit_lines_add(&sum, &l);
	template_commit_lines_read(b, &l);
	template_commit_lines_add(&sum, &l);
	template_commit_put_lines(&o, &sum, true);
	assert_string_equal(o.s, "+8 -2 this session, +17 -2 in the commits");
	free(o.s);
	o = (struct strbuf){0};
	/* One commit without a part: the run's part is unknown, its lines are still known. */
	template_commit_lines_read(old, &l);
	template_commit_lines_add(&sum, &l);
	template_commit_put_lines(&o, &sum, true);
	assert_string_equal(o.s, "+18 -3");
	free(o.s);
	o = (struct strbuf){0};
	/* Sums stop at the record's largest count instead of overflowing. */
	template_commit_lines_zero(&sum);
	template_commit_lines_read(big, &l);
	template_commit_lines_add(&sum, &l);
	template_commit_lines_add(&sum, &l);
	assert_int_equal(sum.added, TEMPLATE_COUNT_MAX);
	assert_int_equal(sum.session_added, TEMPLATE_COUNT_MAX);
	json_decref(a);
	json_decref(b);
	json_decref(old);
	json_decref(big);
}

/* The Files Modified "changes" cell of one file row. */
static void file_is(const char *file, const char *want)
{
	char text[2048];
	json_t *rec, *v;
	const json_t *cell;

	snprintf(text, sizeof(text),
		 "{\"stats\": {\"commits\": 0, \"files_changed\": 1, \"added\": 0, \"removed\": 0, "
		 "\"files\": [%s]}}",
		 file);
	rec = testutil_json(text);
	v = template_view(rec);
	assert_non_null(v);
	cell = json_object_get(json_array_get(json_object_get(v, "files"), 0), "changes");
	if (!json_is_string(cell) || strcmp(json_string_value(cell), want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", file,
			 json_is_string(cell) ? json_string_value(cell) : "(none)", want);
	json_decref(v);
	json_decref(rec);
}

static void test_file_kinds(void **state)
{
	(void)state;
	file_is("{\"path\": \"a.c\", \"added\": 5, \"removed\": 2, \"status\": \"M\", "
		"\"old_mode\": \"100644\", \"new_mode\": \"100644\"}",
		"+5, -2");
	file_is("{\"path\": \"a.c\", \"added\": 12, \"removed\": 0, \"status\": \"A\", "
		"\"old_mode\": null, \"new_mode\": \"100644\"}",
		"added, +12");
	file_is("{\"path\": \"a.c\", \"added\": 0, \"removed\": 79, \"status\": \"D\", "
		"\"old_mode\": \"100644\", \"new_mode\": null}",
		"deleted, -79");
	file_is("{\"path\": \"a.bin\", \"added\": null, \"removed\": null, \"binary\": true, "
		"\"status\": \"A\"}",
		"added, binary");
	file_is("{\"path\": \"a.bin\", \"added\": null, \"removed\": null, \"binary\": true, "
		"\"status\": \"D\"}",
		"deleted, binary");
	file_is("{\"path\": \"a.bin\", \"added\": null, \"removed\": null, \"binary\": true, "
		"\"status\": \"M\"}",
		"binary");
	/* A mode change alone: no "+0, -0". */
	file_is("{\"path\": \"run.sh\", \"added\": 0, \"removed\": 0, \"status\": \"M\", "
		"\"old_mode\": \"100644\", \"new_mode\": \"100755\"}",
		"mode changed 100644 → 100755");
	file_is("{\"path\": \"run.sh\", \"added\": 2, \"removed\": 1, \"status\": \"M\", "
		"\"old_mode\": \"100755\", \"new_mode\": \"100644\"}",
		"+2, -1, mode changed 100755 → 100644");
	file_is("{\"path\": \"new.sh\", \"old_path\": \"old.sh\", \"added\": 0, \"removed\": 0, "
		"\"status\": \"R\", \"old_mode\": \"100644\", \"new_mode\": \"100755\"}",
		"renamed from `old.sh`, mode changed 100644 → 100755");
	file_is("{\"path\": \"new.c\", \"old_path\": \"old.c\", \"added\": 1, \"removed\": 1, "
		"\"status\": \"R\"}",
		"renamed from `old.c`, +1, -1");
	file_is("{\"path\": \"link\", \"added\": 1, \"removed\": 3, \"status\": \"T\", "
		"\"old_mode\": \"100644\", \"new_mode\": \"120000\"}",
		"type changed, +1, -3");
}

static void test_file_bad_values(void **state)
{
	(void)state;
	/* Modes that are not git's octal modes, or equal, say nothing of a mode change. */
	file_is("{\"path\": \"a\", \"added\": 0, \"removed\": 0, \"status\": \"M\", "
		"\"old_mode\": \"100644\", \"new_mode\": \"10075x\"}",
		"+0, -0");
	file_is("{\"path\": \"a\", \"added\": 0, \"removed\": 0, \"status\": \"M\", "
		"\"old_mode\": \"100644\", \"new_mode\": \"1007550\"}",
		"+0, -0");
	file_is("{\"path\": \"a\", \"added\": 0, \"removed\": 0, \"status\": \"M\", "
		"\"old_mode\": 33188, \"new_mode\": \"100755\"}",
		"+0, -0");
	file_is("{\"path\": \"a\", \"added\": 0, \"removed\": 0, \"status\": \"M\", "
		"\"old_mode\": \"\", \"new_mode\": \"100755\"}",
		"+0, -0");
	file_is("{\"path\": \"a\", \"added\": 3, \"removed\": 0, \"status\": \"M\", "
		"\"old_mode\": \"100755\", \"new_mode\": \"100755\"}",
		"+3, -0");
	/* A status it does not know, or not one letter, is no kind: the lines alone. */
	file_is("{\"path\": \"a\", \"added\": 3, \"removed\": 0, \"status\": \"X\"}", "+3, -0");
	file_is("{\"path\": \"a\", \"added\": 3, \"removed\": 0, \"status\": \"AD\"}", "+3, -0");
	file_is("{\"path\": \"a\", \"added\": 3, \"removed\": 0, \"status\": 65}", "+3, -0");
	file_is("{\"path\": \"a\", \"added\": 3, \"removed\": 0, \"status\": \"\"}", "+3, -0");
	/* Added or deleted without usable counts: the kind alone. */
	file_is("{\"path\": \"a\", \"added\": \"3\", \"removed\": 0, \"status\": \"A\"}", "added");
	file_is("{\"path\": \"a\", \"added\": 0, \"removed\": -4, \"status\": \"D\"}", "deleted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_commit),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_sums),
	    cmocka_unit_test(test_file_kinds),
	    cmocka_unit_test(test_file_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
