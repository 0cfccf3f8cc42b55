/*
 * The view (docs/templates.md, "The view"): the title, times, header, summary and statistics, and
 * template_view(), which builds the whole view with the family's other files.
 */
#include "template_view.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "record.h"
#include "strbuf.h"
#include "template_changes.h"
#include "template_items.h"
#include "template_md.h"
#include "template_record.h"
#include "template_timeline.h"
#include "timeutil.h"

static const char *const default_branches[] = {"main",	      "master", "trunk",  "develop",
					       "development", "dev",	"default"};
static const char *const branch_types[] = {
    "feat",	"feature", "fix",   "bugfix",	  "hotfix",	 "chore",	"docs",	  "doc",
    "refactor", "test",	   "tests", "perf",	  "style",	 "build",	"ci",	  "release",
    "wip",	"spike",   "exp",   "experiment", "improvement", "enhancement", "revert", "task"};

static bool template_view_in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0)
			return true;
	return false;
}

/* "feat/login-rate-limit" -> "Login rate limit"; NULL for main, detached HEADs and the like. */
static char *template_view_branch_words(const char *b)
{
	size_t n = strlen(b), w = 0;
	const char *slash, *unborn = " (unborn)";
	char *out;

	if (n > strlen(unborn) && strcmp(b + n - strlen(unborn), unborn) == 0)
		n -= strlen(unborn);
	if (strncmp(b, "detached at ", 12) == 0 ||
	    template_view_in_list(b, n, default_branches,
				  sizeof(default_branches) / sizeof(*default_branches)))
		return NULL;
	slash = memchr(b, '/', n);
	if (slash && template_view_in_list(b, (size_t)(slash - b), branch_types,
					   sizeof(branch_types) / sizeof(*branch_types))) {
		n -= (size_t)(slash + 1 - b);
		b = slash + 1;
	}
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = strchr("-_/ \t\n", b[i]) ? ' ' : b[i];

		if (c == ' ' && (w == 0 || out[w - 1] == ' '))
			continue;
		out[w++] = c;
	}
	while (w > 0 && out[w - 1] == ' ')
		w--;
	out[w] = '\0';
	if (w == 0) {
		free(out);
		return NULL;
	}
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return out;
}

/* The stats object's counts, or false when it lacks one of them. */
static bool template_view_stats_counts(const json_t *st, int64_t c[4])
{
	static const char *const keys[] = {RECORD_COMMITS, RECORD_FILES_CHANGED, RECORD_ADDED,
					   RECORD_REMOVED};

	for (int i = 0; i < 4; i++)
		if ((c[i] = template_record_get_int(st, keys[i], TEMPLATE_COUNT_MAX)) < 0)
			return false;
	return true;
}

/* The subject of the session's first commit (the list is newest first), cleaned. */
static char *template_view_first_subject(struct view *v)
{
	const json_t *list = template_record_get_array(v->stats, RECORD_COMMIT_LIST);
	size_t n = json_array_size(list);

	for (size_t i = n; i > 0; i--) {
		char *s = template_record_get_text(v, json_array_get(list, i - 1), RECORD_SUBJECT);

		if (s)
			return s;
	}
	return NULL;
}

static void template_view_title(struct view *v)
{
	char *words = NULL, *subject = NULL;
	struct strbuf o = {0};

	if (v->focus) {
		template_md_put_inline(&o, v->focus, TEMPLATE_MD_HEADING);
	} else if ((v->branch && (words = template_view_branch_words(v->branch))) ||
		   (v->branch_end && (words = template_view_branch_words(v->branch_end)))) {
		template_md_put_inline(&o, words, TEMPLATE_MD_HEADING);
	} else if ((subject = template_view_first_subject(v))) {
		template_md_put_excerpt(&o, subject, TEMPLATE_HEADING_CLIP, TEMPLATE_MD_HEADING,
					false);
	} else if (v->repo_name || v->repo) {
		const char *name = v->repo_name;

		if (!name) {
			name = strrchr(v->repo, '/');
			name = name && name[1] ? name + 1 : v->repo;
		}
		strbuf_puts(&o, "Session in ");
		template_md_put_inline(&o, name, TEMPLATE_MD_HEADING);
	}
	free(words);
	free(subject);
	template_record_set_out(v, v->root, "title", &o);
}

static void template_view_set_duration(struct view *v, const char *key, int64_t s)
{
	char buf[64];

	duration_format_long(s, buf, sizeof(buf));
	template_record_set_str(v, v->root, key, buf);
}

/* " — not counted: 5 seconds of activity while paused (3 file changes, 1 commit)" */
static void template_view_paused_work(struct view *v, struct strbuf *o)
{
	const json_t *list = template_record_get_array(v->rec, RECORD_PAUSED_ACTIVITY);
	int64_t seconds = 0, edits = 0, commits = 0;
	size_t n = 0;
	char buf[64];

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *it = json_array_get(list, i);
		int64_t s = template_record_get_int(it, RECORD_SECONDS, TEMPLATE_SECONDS_MAX),
			e = template_record_get_int(it, RECORD_EDITS, TEMPLATE_COUNT_MAX),
			c = template_record_get_int(it, RECORD_COMMITS, TEMPLATE_COUNT_MAX);

		if (s < 0 || e < 0 || c < 0 || seconds > TEMPLATE_SECONDS_MAX - s ||
		    edits > TEMPLATE_COUNT_MAX - e || commits > TEMPLATE_COUNT_MAX - c)
			continue;
		seconds += s;
		edits += e;
		commits += c;
		n++;
	}
	if (n == 0)
		return;
	duration_format_long(seconds, buf, sizeof(buf));
	strbuf_printf(o, " — not counted: %s of activity while paused (", buf);
	template_record_put_count(o, edits, "file change", "file changes");
	strbuf_puts(o, ", ");
	template_record_put_count(o, commits, "commit", "commits");
	strbuf_putc(o, ')');
}

static void template_view_times(struct view *v)
{
	const json_t *rec = v->rec;
	int64_t active = template_record_get_int(rec, RECORD_ACTIVE_S, TEMPLATE_SECONDS_MAX),
		wall = template_record_get_int(rec, RECORD_WALL_S, TEMPLATE_SECONDS_MAX);
	int64_t paused = template_record_get_int(rec, RECORD_PAUSED_S, TEMPLATE_SECONDS_MAX),
		idle = template_record_get_int(rec, RECORD_IDLE_S, TEMPLATE_SECONDS_MAX);
	int64_t suspended = template_record_get_int(rec, RECORD_SUSPENDED_S, TEMPLATE_SECONDS_MAX);
	/* Older records have no down_s: their down time reads as idle, as it was then. */
	int64_t down = template_record_get_int(rec, RECORD_DOWN_S, TEMPLATE_SECONDS_MAX);
	struct strbuf o = {0};
	char buf[64];

	if (v->started_at >= 0) {
		time_format_local(v->started_at, "%Y-%m-%d", buf, sizeof(buf));
		template_record_set_str(v, v->root, "date", buf);
	}
	if (v->ended_at >= 0) {
		time_format_local(v->ended_at, "%Y-%m-%d", buf, sizeof(buf));
		template_record_set_str(v, v->root, "last_updated", buf);
	}
	if (active >= 0)
		template_view_set_duration(v, "active", active);
	if (wall >= 0)
		template_view_set_duration(v, "wall", wall);
	if (paused > 0)
		template_view_set_duration(v, "paused", paused);
	if (idle > 0)
		template_view_set_duration(v, "idle", idle);
	if (suspended > 0)
		template_view_set_duration(v, "suspended", suspended);
	if (active < 0)
		return;
	duration_format_long(active, buf, sizeof(buf));
	strbuf_puts(&o, buf);
	if (down > idle)
		down = idle;
	if (wall >= 0 && (wall - active >= 60 || active - wall >= 60)) {
		const int64_t parts[] = {paused, down > 0 ? idle - down : idle, down, suspended};
		const char *const names[] = {"paused", "idle", "stintd not running", "suspended"};

		duration_format_long(wall, buf, sizeof(buf));
		strbuf_printf(&o, " (wall %s", buf);
		for (int i = 0; i < 4; i++) {
			if (parts[i] <= 0)
				continue;
			duration_format_long(parts[i], buf, sizeof(buf));
			strbuf_printf(&o, ", %s %s", names[i], buf);
		}
		strbuf_putc(&o, ')');
	}
	template_view_paused_work(v, &o);
	template_record_set_out(v, v->root, "duration", &o);
}

static void template_view_header(struct view *v)
{
	const json_t *tags = template_record_get_array(v->rec, RECORD_TAGS);
	const char *related = v->branch_end ? v->branch_end : v->branch;
	struct strbuf o = {0};

	template_view_title(v);
	template_view_times(v);
	template_record_set_inline(v, v->root, "focus", v->focus, 0);
	template_record_set_inline(v, v->root, "author", v->author, 0);
	template_record_set_inline(v, v->root, "repo_name", v->repo_name, 0);
	template_record_set_inline(v, v->root, "branch_start", v->branch, 0);
	template_record_set_inline(v, v->root, "branch_end", v->branch_end, 0);
	template_record_set_inline(v, v->root, "related_branch", related, 0);
	template_timeline_branches(v, &o);
	template_record_set_out(v, v->root, "branch", &o);
	for (size_t i = 0; i < json_array_size(tags); i++) {
		char *tag = template_record_clean(v, json_array_get(tags, i));

		if (!tag)
			continue;
		if (o.len)
			strbuf_puts(&o, ", ");
		template_md_put_inline(&o, tag, 0);
		free(tag);
	}
	template_record_set_out(v, v->root, "tags", &o);
}

/* "Worked 2 hours: 3 commits, 5 files changed, 120 lines added and 30 removed." */
static void template_view_summary(struct view *v)
{
	char *summary = template_record_get_text(v, v->rec, RECORD_SUMMARY), *err;
	int64_t active = template_record_get_int(v->rec, RECORD_ACTIVE_S, TEMPLATE_SECONDS_MAX),
		c[4];
	struct strbuf o = {0};
	char buf[64];
	size_t start;

	template_record_set_block(v, v->root, "summary", summary, TEMPLATE_MD_FIRST_IS_BLOCK);
	free(summary);
	if (active >= 0) {
		duration_format_long(active, buf, sizeof(buf));
		strbuf_printf(&o, "Worked %s", buf);
	}
	if (v->stats && template_view_stats_counts(v->stats, c)) {
		strbuf_puts(&o, o.len ? ": " : "");
		start = o.len;
		if (c[0] > 0)
			template_record_put_count(&o, c[0], "commit", "commits");
		if (c[1] > 0) {
			strbuf_puts(&o, o.len > start ? ", " : "");
			template_record_put_count(&o, c[1], "file changed", "files changed");
		}
		if (c[2] > 0 || c[3] > 0) {
			strbuf_puts(&o, o.len > start ? ", " : "");
			template_record_put_count(&o, c[2], "line added", "lines added");
			strbuf_printf(&o, " and %lld removed", (long long)c[3]);
		}
		if (o.len == start)
			strbuf_puts(&o, "no changes in the repository");
		if (o.s && o.s[0] >= 'a' && o.s[0] <= 'z')
			o.s[0] = (char)(o.s[0] - 'a' + 'A');
	}
	if (o.len)
		strbuf_putc(&o, '.');
	/* stop --at: the commits are cut at the corrected end, the files and lines are not. */
	if (v->stats && json_is_integer(json_object_get(v->rec, RECORD_STATS_AS_OF))) {
		time_format_local(json_integer_value(json_object_get(v->rec, RECORD_STATS_AS_OF)),
				  "%Y-%m-%d %H:%M", buf, sizeof(buf));
		strbuf_printf(&o,
			      "%sCommits made after the corrected end are left out; files and "
			      "lines are as of the real stop (%s).",
			      o.len ? " " : "", buf);
	}
	/* The final recompute failed (the repository went away...): say whose numbers these are. */
	err = template_record_get_text(v, v->rec, RECORD_STATS_ERROR);
	if (err) {
		strbuf_puts(&o, o.len ? " " : "");
		strbuf_puts(&o, v->stats ? "Git statistics as last seen while the session ran: at "
					   "stop the repository could not be read ("
					 : "No git statistics: at stop the repository could not be "
					   "read (");
		template_md_put_inline(&o, err, 0);
		strbuf_puts(&o, ").");
		free(err);
	}
	template_record_set_out(v, v->root, "summary_facts", &o);
	/* Outside git there is nothing to count: one line says so, instead of empty tables. */
	if (json_is_false(json_object_get(v->rec, RECORD_GIT)) && !v->stats)
		template_record_set_str(v, v->root, "no_git",
					"No git statistics: the session's directory is not a git "
					"repository.");
}

static void template_view_stats(struct view *v)
{
	json_t *st;
	int64_t c[4], pulled = template_record_get_int(v->stats, RECORD_PULLED, TEMPLATE_COUNT_MAX);
	char net[32];

	if (!v->stats || !template_view_stats_counts(v->stats, c))
		return;
	st = template_record_item_new(v);
	template_record_set_int(v, st, "commits", c[0]);
	template_record_set_int(v, st, "files_changed", c[1]);
	template_record_set_int(v, st, "added", c[2]);
	template_record_set_int(v, st, "removed", c[3]);
	if (c[2] == c[3])
		snprintf(net, sizeof(net), "±0");
	else
		snprintf(net, sizeof(net), "%s%lld", c[2] > c[3] ? "+" : "-",
			 (long long)(c[2] > c[3] ? c[2] - c[3] : c[3] - c[2]));
	template_record_set_str(v, st, "net", net);
	template_record_set_int(v, st, "pulled", pulled > 0 ? pulled : 0);
	template_record_set_json(v, v->root, "stats", st);
}

json_t *template_view(const json_t *record)
{
	struct view v = {.rec = record};
	const json_t *st = json_object_get(record, RECORD_STATS);
	int64_t counts[4];

	if (!json_is_object(record) || !(v.root = json_object()))
		return NULL;
	v.stats = json_is_object(st) && template_view_stats_counts(st, counts) ? st : NULL;
	v.focus = template_record_get_text(&v, record, RECORD_FOCUS);
	v.branch = template_record_get_text(&v, record, RECORD_BRANCH);
	v.branch_end = template_record_get_text(&v, record, RECORD_BRANCH_END);
	v.author = template_record_get_text(&v, record, RECORD_AUTHOR);
	v.repo_name = template_record_get_text(&v, record, RECORD_REPO_NAME);
	v.repo = template_record_get_text(&v, record, RECORD_REPO);
	v.log_dir = template_record_get_text(&v, record, RECORD_LOG_DIR);
	v.started_at = template_record_get_int(record, RECORD_STARTED_AT, TEMPLATE_STAMP_MAX_MS);
	v.ended_at = template_record_get_int(record, RECORD_ENDED_AT, TEMPLATE_STAMP_MAX_MS);
	if (v.started_at >= 0)
		time_format_local(v.started_at, "%Y-%m-%d", v.ref_day, sizeof(v.ref_day));

	template_view_header(&v);
	template_view_summary(&v);
	template_timeline_activities(&v);
	template_items_notes(&v);
	template_items_decisions(&v);
	template_items_adrs(&v);
	template_changes_next(&v, template_items_todos(&v));
	template_changes_files(&v);
	template_view_stats(&v);
	template_changes_checks(&v);
	template_changes_refs(&v);
	template_changes_previous(&v);

	free(v.focus);
	free(v.branch);
	free(v.branch_end);
	free(v.author);
	free(v.repo_name);
	free(v.repo);
	free(v.log_dir);
	if (v.oom) {
		json_decref(v.root);
		return NULL;
	}
	return v.root;
}
