/*
 * The log renderer's public API (template.h): the view's schema, checking a template, rendering
 * a record with it.
 */
#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "record.h"
#include "scdoc.h"
#include "template_engine.h"
#include "template_engine_render.h"
#include "template_view.h"

/* config/session-template.md as a C array, made at configure time (top-level CMakeLists.txt). */
#include "session_template.h"

#define END                                                                                        \
	{                                                                                          \
		NULL, TEMPLATE_ENGINE_TEXT, NULL, NULL                                             \
	}

static const struct template_engine_field s_detail[] = {
    {"text", TEMPLATE_ENGINE_TEXT, NULL,
     "The sub-item: \"Note (14:20): text\", \"TODO, high priority (14:41): text\", "
     "\"Decision (14:50): text\", or one commit of a group, \"`abc1234` subject (14:40, +50 "
     "-10)\"."},
    END,
};

static const struct template_engine_field s_activity[] = {
    {"n", TEMPLATE_ENGINE_NUMBER, NULL, "The item's number, from 1."},
    {"indent", TEMPLATE_ENGINE_TEXT, NULL,
     "Spaces that put a sub-item under the item's text: 3 for items 1 to 9, 4 from 10."},
    {"label", TEMPLATE_ENGINE_TEXT, NULL,
     "What happened, escaped for **bold**: Session started, Paused, Resumed, Recovered after "
     "a reboot, Session stopped, Commit `abc1234`: subject, 3 commits, Switched branch: main → "
     "feat/x, Pulled 2 commits, Idle, Suspended, Active again."},
    {"when", TEMPLATE_ENGINE_TEXT, NULL,
     "Local time and figures: \"14:05\", \"15:05, paused 5 minutes\", \"14:30, +10 -2\", "
     "\"14:30, +5 -0 this session, +14 -0 in the commit\", \"15:30–15:50, 20 minutes\"; the "
     "date comes first on another day than the start."},
    {"details", TEMPLATE_ENGINE_LIST, s_detail,
     "Sub-items: notes, todos and decisions made then, or the commits of a group."},
    END,
};

static const struct template_engine_field s_learning[] = {
    {"n", TEMPLATE_ENGINE_NUMBER, NULL, "Its number, from 1."},
    {"text", TEMPLATE_ENGINE_TEXT, NULL,
     "The `stint note --learning` text (block, after a label)."},
    END,
};

static const struct template_engine_field s_challenge[] = {
    {"n", TEMPLATE_ENGINE_NUMBER, NULL, "Its number, from 1."},
    {"title", TEMPLATE_ENGINE_TEXT, NULL,
     "The first line of the `stint note --challenge` text, cut at 80 characters (heading)."},
    {"problem", TEMPLATE_ENGINE_TEXT, NULL,
     "The rest of the text, or all of it when the first line was cut (block, after a label)."},
    END,
};

static const struct template_engine_field s_note[] = {
    {"text", TEMPLATE_ENGINE_TEXT, NULL, "The `stint note` text (block, starting a list item)."},
    END,
};

static const struct template_engine_field s_decision[] = {
    {"n", TEMPLATE_ENGINE_NUMBER, NULL, "Its number, from 1."},
    {"indent", TEMPLATE_ENGINE_TEXT, NULL, "Spaces that put a sub-item under the decision's text."},
    {"text", TEMPLATE_ENGINE_TEXT, NULL,
     "The `stint decision` text (inline, escaped for **bold**)."},
    {"why", TEMPLATE_ENGINE_TEXT, NULL, "Its rationale, `--why` (block, after a label)."},
    END,
};

static const struct template_engine_field s_adr[] = {
    {"path", TEMPLATE_ENGINE_TEXT, NULL, "The file's path in the repository, as `code`."},
    {"link", TEMPLATE_ENGINE_TEXT, NULL,
     "A link to it: [`docs/adr/0003-x.md`](target); the target is relative when the log is "
     "written inside the repository, else the file's absolute path."},
    {"last", TEMPLATE_ENGINE_FLAG, NULL, "True on the last item, to put commas between items."},
    END,
};

static const struct template_engine_field s_todo[] = {
    {"text", TEMPLATE_ENGINE_TEXT, NULL,
     "The `stint todo` text, or a TODO/FIXME/XXX line added in the diff from its keyword on "
     "(inline)."},
    {"where", TEMPLATE_ENGINE_TEXT, NULL, "For a line of code: `path:line`, as `code`."},
    {"blocked_by", TEMPLATE_ENGINE_TEXT, NULL, "What blocks it, `--blocked-by` (inline)."},
    END,
};

static const struct template_engine_field s_todos[] = {
    {"high", TEMPLATE_ENGINE_LIST, s_todo, "High priority; also FIXME lines and TODO(high)."},
    {"medium", TEMPLATE_ENGINE_LIST, s_todo, "Medium priority; also TODO and XXX lines."},
    {"low", TEMPLATE_ENGINE_LIST, s_todo, "Low priority; also TODO(low)."},
    {"blocked", TEMPLATE_ENGINE_LIST, s_todo, "Blocked; also TODO(blocked)."},
    END,
};

static const struct template_engine_field s_file[] = {
    {"path", TEMPLATE_ENGINE_TEXT, NULL, "The path as `code` (table cell)."},
    {"changes", TEMPLATE_ENGINE_TEXT, NULL,
     "What happened and its lines: \"+50, -20\", \"added, +12\", \"deleted, -79\", "
     "\"renamed from `old`, +3, -1\", \"mode changed 100644 → 100755\", \"type changed, +1, "
     "-3\", \"binary\" (table cell)."},
    {"description", TEMPLATE_ENGINE_TEXT, NULL,
     "The subjects of the session's commits that touched the file, else \"uncommitted\"; "
     "absent when the commits' paths are not known (table cell)."},
    END,
};

static const struct template_engine_field s_stats[] = {
    {"commits", TEMPLATE_ENGINE_NUMBER, NULL, "The session's own commits."},
    {"files_changed", TEMPLATE_ENGINE_NUMBER, NULL, "Files changed since the start."},
    {"added", TEMPLATE_ENGINE_NUMBER, NULL, "Lines added."},
    {"removed", TEMPLATE_ENGINE_NUMBER, NULL, "Lines removed."},
    {"net", TEMPLATE_ENGINE_TEXT, NULL, "Lines added minus removed: \"+90\", \"-5\" or \"±0\"."},
    {"pulled", TEMPLATE_ENGINE_NUMBER, NULL,
     "Commits that came from elsewhere (pulls, merges in)."},
    END,
};

static const struct template_engine_field s_check[] = {
    {"name", TEMPLATE_ENGINE_TEXT, NULL, "The check's name in `[checks]` (inline)."},
    {"ok", TEMPLATE_ENGINE_FLAG, NULL, "True when it passed."},
    {"status", TEMPLATE_ENGINE_TEXT, NULL,
     "\"✅ name\", or \"⚠️ name (exit 2, 3 s)\", \"⚠️ name (timed out, 300 s)\"."},
    {"tests", TEMPLATE_ENGINE_TEXT, NULL,
     "Test counts found in its output: \"42 passing, 2 failing, 1 skipped\"."},
    {"output", TEMPLATE_ENGINE_TEXT, NULL,
     "When it failed: the last lines of its output in a code fence (block, at most 40 lines)."},
    END,
};

static const struct template_engine_field s_next[] = {
    {"text", TEMPLATE_ENGINE_TEXT, NULL,
     "An unchecked item of the previous log, or a `stint todo --next` item (inline)."},
    {"blocked_by", TEMPLATE_ENGINE_TEXT, NULL, "What blocks a `--next` item (inline)."},
    {"priority", TEMPLATE_ENGINE_TEXT, NULL,
     "\"high priority\", \"low priority\" or \"blocked\"; absent for medium."},
    END,
};

static const struct template_engine_field s_ref[] = {
    {"link", TEMPLATE_ENGINE_TEXT, NULL,
     "[#123](https://...), or the reference alone without a web URL."},
    {"last", TEMPLATE_ENGINE_FLAG, NULL, "True on the last item."},
    END,
};

static const struct template_engine_field s_previous[] = {
    {"date", TEMPLATE_ENGINE_TEXT, NULL, "The log's date (inline)."},
    {"title", TEMPLATE_ENGINE_TEXT, NULL, "The log's title, when known (inline)."},
    {"link", TEMPLATE_ENGINE_TEXT, NULL, "[2026-11-24](./2026-11-24.md), relative to this log."},
    {"last", TEMPLATE_ENGINE_FLAG, NULL, "True on the last item."},
    END,
};

static const struct template_engine_field view_schema[] = {
    {"title", TEMPLATE_ENGINE_TEXT, NULL,
     "The focus, else the branch in words (feat/login-rate-limit: Login rate limit), else the "
     "first commit's subject, else \"Session in REPO\" (heading)."},
    {"date", TEMPLATE_ENGINE_TEXT, NULL, "Local date of the start, YYYY-MM-DD."},
    {"last_updated", TEMPLATE_ENGINE_TEXT, NULL, "Local date of the stop."},
    {"duration", TEMPLATE_ENGINE_TEXT, NULL,
     "Active time, \"2 hours 5 minutes\", then \"(wall ..., paused ..., idle ..., suspended "
     "...)\" when wall time differs from it by a minute or more."},
    {"active", TEMPLATE_ENGINE_TEXT, NULL, "Active time in words."},
    {"wall", TEMPLATE_ENGINE_TEXT, NULL, "Wall-clock time from start to stop."},
    {"paused", TEMPLATE_ENGINE_TEXT, NULL, "Time paused; absent when none."},
    {"idle", TEMPLATE_ENGINE_TEXT, NULL, "Time idle; absent when none."},
    {"suspended", TEMPLATE_ENGINE_TEXT, NULL, "Time the machine slept; absent when none."},
    {"focus", TEMPLATE_ENGINE_TEXT, NULL, "`stint start --focus` (inline)."},
    {"branch", TEMPLATE_ENGINE_TEXT, NULL,
     "Every branch the session was on, in order: \"main\", or \"main → fix/a → main\" when it "
     "switched (an unborn branch that got its first commit is one branch); absent outside git."},
    {"branch_start", TEMPLATE_ENGINE_TEXT, NULL, "The branch at the start."},
    {"branch_end", TEMPLATE_ENGINE_TEXT, NULL, "The branch at the stop."},
    {"related_branch", TEMPLATE_ENGINE_TEXT, NULL, "The branch at the stop, else at the start."},
    {"author", TEMPLATE_ENGINE_TEXT, NULL, "git user.name, else the login name."},
    {"repo_name", TEMPLATE_ENGINE_TEXT, NULL, "The repository's directory name."},
    {"tags", TEMPLATE_ENGINE_TEXT, NULL, "The session's tags, \"c, daemon\"."},
    {"summary", TEMPLATE_ENGINE_TEXT, NULL,
     "`stint stop --summary` (block, a paragraph of its own)."},
    {"summary_facts", TEMPLATE_ENGINE_TEXT, NULL,
     "One generated sentence: \"Worked 2 hours: 3 commits, 5 files changed, 120 lines added "
     "and 30 removed.\""},
    {"activities", TEMPLATE_ENGINE_LIST, s_activity,
     "The timeline: start, commits, branch switches, pulls, pauses, idle and suspend gaps, "
     "stop, with notes, todos and decisions as sub-items."},
    {"learnings", TEMPLATE_ENGINE_LIST, s_learning, "`stint note --learning` notes."},
    {"challenges", TEMPLATE_ENGINE_LIST, s_challenge, "`stint note --challenge` notes."},
    {"notes", TEMPLATE_ENGINE_LIST, s_note, "Plain `stint note` notes."},
    {"decisions", TEMPLATE_ENGINE_LIST, s_decision, "`stint decision` items."},
    {"adrs", TEMPLATE_ENGINE_LIST, s_adr,
     "Files under an adr, adrs or decisions directory the session added or changed."},
    {"todos", TEMPLATE_ENGINE_OBJECT, s_todos,
     "The session's todos by priority; absent when there are none at all."},
    {"files", TEMPLATE_ENGINE_LIST, s_file, "Files Modified rows, at most `[log] max_file_rows`."},
    {"files_more", TEMPLATE_ENGINE_TEXT, NULL, "\"… and 3 more files\" beyond the cap."},
    {"stats", TEMPLATE_ENGINE_OBJECT, s_stats, "The git statistics; absent without them."},
    {"no_git", TEMPLATE_ENGINE_TEXT, NULL,
     "\"No git statistics: ... is not a git repository.\" for a session outside git (the "
     "record's git is false); absent otherwise."},
    {"checks", TEMPLATE_ENGINE_LIST, s_check, "The `[checks]` run at stop, in order."},
    {"test_checks", TEMPLATE_ENGINE_LIST, s_check, "The checks whose output had test counts."},
    {"next", TEMPLATE_ENGINE_LIST, s_next,
     "Next Steps: the previous log's unchecked items, then `stint todo --next` items."},
    {"carried_note", TEMPLATE_ENGINE_TEXT, NULL,
     "Why the previous log's items come from stint's record, or are not carried: the log is "
     "gone or unreadable."},
    {"issues", TEMPLATE_ENGINE_LIST, s_ref,
     "Issue references in commit messages and the branch name."},
    {"pulls", TEMPLATE_ENGINE_LIST, s_ref, "Pull and merge request references."},
    {"previous_logs", TEMPLATE_ENGINE_LIST, s_previous,
     "Earlier logs of the repository, newest first."},
    END,
};

const char *template_default(void)
{
	return session_template;
}

static struct template_engine *template_compile(const char *text, const char *name, char *err,
						size_t errn)
{
	if (!text)
		return template_engine_compile(session_template, "built-in session template",
					       view_schema, err, errn);
	return template_engine_compile(text, name && *name ? name : "template", view_schema, err,
				       errn);
}

int template_check(const char *text, const char *name, char *err, size_t errn)
{
	struct template_engine *t = template_compile(text, name, err, errn);

	if (!t)
		return -EINVAL;
	template_engine_free(t);
	return 0;
}

/* The record's "placeholders" ([log] placeholders); anything else keeps them. */
static enum template_engine_placeholders template_placeholders(const json_t *record)
{
	const char *v = json_string_value(json_object_get(record, RECORD_PLACEHOLDERS));

	if (v && strcmp(v, "comment") == 0)
		return TEMPLATE_ENGINE_PLACEHOLDERS_COMMENT;
	if (v && strcmp(v, "drop") == 0)
		return TEMPLATE_ENGINE_PLACEHOLDERS_DROP;
	return TEMPLATE_ENGINE_PLACEHOLDERS_KEEP;
}

char *template_render_with(const json_t *record, const char *text, const char *name, char *err,
			   size_t errn)
{
	struct template_engine *t;
	json_t *view;
	char *md;

	if (!json_is_object(record)) {
		snprintf(err, errn, "the session record is not a JSON object");
		return NULL;
	}
	t = template_compile(text, name, err, errn);
	if (!t)
		return NULL;
	view = template_view(record);
	if (!view) {
		snprintf(err, errn, "cannot render the session log: out of memory");
		template_engine_free(t);
		return NULL;
	}
	md = template_engine_render_placeholders(t, view, template_placeholders(record), err, errn);
	json_decref(view);
	template_engine_free(t);
	return md;
}

char *template_render(const json_t *record, char *err, size_t errn)
{
	return template_render_with(record, NULL, NULL, err, errn);
}

static void template_schema_rows(FILE *f, const struct template_engine_field *fields,
				 const char *prefix)
{
	static const char *const kinds[] = {"text", "number", "flag", "object", "list"};

	for (; fields->name; fields++) {
		fprintf(f, "| `%s%s` | %s | ", prefix, fields->name, kinds[fields->kind]);
		for (const char *p = fields->help; *p; p++) {
			if (*p == '|')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputs(" |\n", f);
		if (fields->fields) {
			char sub[128];

			snprintf(sub, sizeof(sub), "%s%s%s", prefix, fields->name,
				 fields->kind == TEMPLATE_ENGINE_LIST ? "[]." : ".");
			template_schema_rows(f, fields->fields, sub);
		}
	}
}

void template_write_schema(FILE *f)
{
	fputs("| Name | Kind | Value |\n|---|---|---|\n", f);
	template_schema_rows(f, view_schema, "");
}

static void template_schema_scdoc(FILE *f, const struct template_engine_field *fields,
				  const char *prefix)
{
	static const char *const kinds[] = {"text", "number", "flag", "object", "list"};

	for (; fields->name; fields++) {
		char name[128];

		snprintf(name, sizeof(name), "%s%s", prefix, fields->name);
		fputs("\n*", f);
		scdoc_write_text(f, name);
		fprintf(f, "* (%s)\n\t", kinds[fields->kind]);
		scdoc_write_text(f, fields->help);
		fputc('\n', f);
		if (fields->fields) {
			char sub[sizeof(name) + 4];

			snprintf(sub, sizeof(sub), "%s%s", name,
				 fields->kind == TEMPLATE_ENGINE_LIST ? "[]." : ".");
			template_schema_scdoc(f, fields->fields, sub);
		}
	}
}

void template_write_schema_scdoc(FILE *f)
{
	template_schema_scdoc(f, view_schema, "");
}

int template_read_file(const char *path, char **out, char *err, size_t errn)
{
	int fd = fileio_open_regular(path); /* a FIFO would block whoever reads it */
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *buf;
	size_t n;

	if (!f) {
		int e = fd < 0 ? -fd : errno;

		if (fd >= 0)
			close(fd);
		snprintf(err, errn, "cannot open the log template %s: %s", path,
			 e == EINVAL ? "not a regular file" : strerror(e));
		return -e;
	}
	buf = malloc(TEMPLATE_ENGINE_MAX_TEXT + 2);
	n = buf ? fread(buf, 1, TEMPLATE_ENGINE_MAX_TEXT + 1, f) : 0;
	if (!buf || ferror(f)) {
		snprintf(err, errn, "cannot read the log template %s", path);
		fclose(f);
		free(buf);
		return -EIO;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	return 0;
}
