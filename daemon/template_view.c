/*
 * The view (docs/templates.md, "The view"): reading the record, the title, times, header, summary
 * and statistics, and template_view(), which builds the whole view with the family's other files.
 */
#include "template.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "record.h"
#include "strbuf.h"
#include "template_int.h"
#include "template_md.h"
#include "timeutil.h"

char *template_view_clean(struct view *v, const json_t *j)
{
	if (!json_is_string(j))
		return NULL;
	return template_md_clean(json_string_value(j), json_string_length(j), &v->oom);
}

char *template_view_get_text(struct view *v, const json_t *obj, const char *key)
{
	return template_view_clean(v, json_object_get(obj, key));
}

int64_t template_view_get_int(const json_t *obj, const char *key, int64_t max)
{
	const json_t *j = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(j))
		return -1;
	i = json_integer_value(j);
	return i >= 0 && i <= max ? (int64_t)i : -1;
}

const json_t *template_view_get_array(const json_t *obj, const char *key)
{
	const json_t *j = json_object_get(obj, key);

	return json_is_array(j) ? j : NULL;
}

bool template_view_str_eq(const json_t *j, const char *s)
{
	return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

json_t *template_view_item_new(struct view *v)
{
	json_t *o = json_object();

	if (!o)
		v->oom = true;
	return o;
}

void template_view_list_add(struct view *v, json_t *list, json_t *item)
{
	if (!item || json_array_append_new(list, item) < 0)
		v->oom = true;
}

void template_view_set_json(struct view *v, json_t *obj, const char *key, json_t *val)
{
	if (!val || json_object_set_new(obj, key, val) < 0)
		v->oom = true;
}

void template_view_set_list(struct view *v, json_t *obj, const char *key, json_t *list)
{
	if (!list)
		v->oom = true;
	else if (json_array_size(list) == 0)
		json_decref(list);
	else
		template_view_set_json(v, obj, key, list);
}

void template_view_set_str(struct view *v, json_t *obj, const char *key, const char *s)
{
	if (s && *s)
		template_view_set_json(v, obj, key, json_string(s));
}

void template_view_set_int(struct view *v, json_t *obj, const char *key, int64_t n)
{
	template_view_set_json(v, obj, key, json_integer(n));
}

void template_view_set_out(struct view *v, json_t *obj, const char *key, struct strbuf *o)
{
	if (o->error)
		v->oom = true;
	else if (o->len > 0)
		template_view_set_json(v, obj, key, json_stringn(o->s, o->len));
	free(o->s);
	*o = (struct strbuf){0};
}

void template_view_set_inline(struct view *v, json_t *obj, const char *key, const char *text,
			      unsigned flags)
{
	struct strbuf o = {0};

	if (!text)
		return;
	template_md_put_inline(&o, text, flags);
	template_view_set_out(v, obj, key, &o);
}

void template_view_set_block(struct view *v, json_t *obj, const char *key, const char *text,
			     unsigned flags)
{
	struct strbuf o = {0};

	if (!text)
		return;
	template_md_put_block(&o, text, 0, flags);
	template_view_set_out(v, obj, key, &o);
}

void template_view_mark_last(struct view *v, json_t *list)
{
	if (json_array_size(list) > 0)
		template_view_set_json(v, json_array_get(list, json_array_size(list) - 1), "last",
				       json_true());
}

void template_view_format_when(struct view *v, int64_t at, char *buf, size_t n)
{
	char day[16];

	time_format_local(at, "%Y-%m-%d", day, sizeof(day));
	if (!v->ref_day[0])
		snprintf(v->ref_day, sizeof(v->ref_day), "%s", day);
	time_format_local(at, strcmp(day, v->ref_day) == 0 ? "%H:%M" : "%Y-%m-%d %H:%M", buf, n);
}

static int template_view_number_width(int n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

void template_view_set_numbered(struct view *v, json_t *item, int n)
{
	char pad[16];

	snprintf(pad, sizeof(pad), "%*s", template_view_number_width(n) + 2, "");
	template_view_set_int(v, item, "n", n);
	template_view_set_str(v, item, "indent", pad);
}

void template_view_put_count(struct strbuf *o, int64_t n, const char *one, const char *many)
{
	strbuf_printf(o, "%lld %s", (long long)n, n == 1 ? one : many);
}

void template_view_put_lines(struct strbuf *o, int64_t added, int64_t removed)
{
	strbuf_printf(o, "+%lld -%lld", (long long)added, (long long)removed);
}

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

/* The parts of an absolute path, or -1 if it is not one or has "." or ".." parts. */
static int template_view_path_parts(const char *p, const char **parts, size_t *lens, int max)
{
	int n = 0;

	if (p[0] != '/')
		return -1;
	while (*p) {
		size_t k;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (k == 0)
			break;
		if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.') || n == max)
			return -1;
		parts[n] = p;
		lens[n++] = k;
		p += k;
	}
	return n;
}

char *template_view_relative_path(const char *dir, const char *path)
{
	const char *dp[64], *pp[64];
	size_t dl[64], pl[64];
	int nd = template_view_path_parts(dir, dp, dl, 64),
	    np = template_view_path_parts(path, pp, pl, 64), k = 0;
	struct strbuf o = {0};

	if (nd < 0 || np <= 0)
		return NULL;
	while (k < nd && k < np - 1 && dl[k] == pl[k] && memcmp(dp[k], pp[k], dl[k]) == 0)
		k++;
	if (k == nd)
		strbuf_puts(&o, "./");
	for (int i = k; i < nd; i++)
		strbuf_puts(&o, "../");
	for (int i = k; i < np; i++) {
		strbuf_putn(&o, pp[i], pl[i]);
		if (i + 1 < np)
			strbuf_putc(&o, '/');
	}
	return o.error ? (free(o.s), NULL) : o.s;
}

bool template_view_path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* The stats object's counts, or false when it lacks one of them. */
static bool template_view_stats_counts(const json_t *st, int64_t c[4])
{
	static const char *const keys[] = {RECORD_COMMITS, RECORD_FILES_CHANGED, RECORD_ADDED,
					   RECORD_REMOVED};

	for (int i = 0; i < 4; i++)
		if ((c[i] = template_view_get_int(st, keys[i], TEMPLATE_COUNT_MAX)) < 0)
			return false;
	return true;
}

/* The subject of the session's first commit (the list is newest first), cleaned. */
static char *template_view_first_subject(struct view *v)
{
	const json_t *list = template_view_get_array(v->stats, RECORD_COMMIT_LIST);
	size_t n = json_array_size(list);

	for (size_t i = n; i > 0; i--) {
		char *s = template_view_get_text(v, json_array_get(list, i - 1), RECORD_SUBJECT);

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
	template_view_set_out(v, v->root, "title", &o);
}

static void template_view_set_duration(struct view *v, const char *key, int64_t s)
{
	char buf[64];

	duration_format_long(s, buf, sizeof(buf));
	template_view_set_str(v, v->root, key, buf);
}

static void template_view_times(struct view *v)
{
	const json_t *rec = v->rec;
	int64_t active = template_view_get_int(rec, RECORD_ACTIVE_S, TEMPLATE_SECONDS_MAX),
		wall = template_view_get_int(rec, RECORD_WALL_S, TEMPLATE_SECONDS_MAX);
	int64_t paused = template_view_get_int(rec, RECORD_PAUSED_S, TEMPLATE_SECONDS_MAX),
		idle = template_view_get_int(rec, RECORD_IDLE_S, TEMPLATE_SECONDS_MAX);
	int64_t suspended = template_view_get_int(rec, RECORD_SUSPENDED_S, TEMPLATE_SECONDS_MAX);
	struct strbuf o = {0};
	char buf[64];

	if (v->started_at >= 0) {
		time_format_local(v->started_at, "%Y-%m-%d", buf, sizeof(buf));
		template_view_set_str(v, v->root, "date", buf);
	}
	if (v->ended_at >= 0) {
		time_format_local(v->ended_at, "%Y-%m-%d", buf, sizeof(buf));
		template_view_set_str(v, v->root, "last_updated", buf);
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
	if (wall >= 0 && (wall - active >= 60 || active - wall >= 60)) {
		const int64_t parts[] = {paused, idle, suspended};
		const char *const names[] = {"paused", "idle", "suspended"};

		duration_format_long(wall, buf, sizeof(buf));
		strbuf_printf(&o, " (wall %s", buf);
		for (int i = 0; i < 3; i++) {
			if (parts[i] <= 0)
				continue;
			duration_format_long(parts[i], buf, sizeof(buf));
			strbuf_printf(&o, ", %s %s", names[i], buf);
		}
		strbuf_putc(&o, ')');
	}
	template_view_set_out(v, v->root, "duration", &o);
}

static void template_view_header(struct view *v)
{
	const json_t *tags = template_view_get_array(v->rec, RECORD_TAGS);
	const char *related = v->branch_end ? v->branch_end : v->branch;
	struct strbuf o = {0};

	template_view_title(v);
	template_view_times(v);
	template_view_set_inline(v, v->root, "focus", v->focus, 0);
	template_view_set_inline(v, v->root, "author", v->author, 0);
	template_view_set_inline(v, v->root, "repo_name", v->repo_name, 0);
	template_view_set_inline(v, v->root, "branch_start", v->branch, 0);
	template_view_set_inline(v, v->root, "branch_end", v->branch_end, 0);
	template_view_set_inline(v, v->root, "related_branch", related, 0);
	if (v->branch) {
		template_md_put_inline(&o, v->branch, 0);
		if (v->branch_end && strcmp(v->branch, v->branch_end) != 0) {
			strbuf_puts(&o, " → ");
			template_md_put_inline(&o, v->branch_end, 0);
		}
	} else if (v->branch_end) {
		template_md_put_inline(&o, v->branch_end, 0);
	}
	template_view_set_out(v, v->root, "branch", &o);
	for (size_t i = 0; i < json_array_size(tags); i++) {
		char *tag = template_view_clean(v, json_array_get(tags, i));

		if (!tag)
			continue;
		if (o.len)
			strbuf_puts(&o, ", ");
		template_md_put_inline(&o, tag, 0);
		free(tag);
	}
	template_view_set_out(v, v->root, "tags", &o);
}

/* "Worked 2 hours: 3 commits, 5 files changed, 120 lines added and 30 removed." */
static void template_view_summary(struct view *v)
{
	char *summary = template_view_get_text(v, v->rec, RECORD_SUMMARY), *err;
	int64_t active = template_view_get_int(v->rec, RECORD_ACTIVE_S, TEMPLATE_SECONDS_MAX), c[4];
	struct strbuf o = {0};
	char buf[64];
	size_t start;

	template_view_set_block(v, v->root, "summary", summary, TEMPLATE_MD_FIRST_IS_BLOCK);
	free(summary);
	if (active >= 0) {
		duration_format_long(active, buf, sizeof(buf));
		strbuf_printf(&o, "Worked %s", buf);
	}
	if (v->stats && template_view_stats_counts(v->stats, c)) {
		strbuf_puts(&o, o.len ? ": " : "");
		start = o.len;
		if (c[0] > 0)
			template_view_put_count(&o, c[0], "commit", "commits");
		if (c[1] > 0) {
			strbuf_puts(&o, o.len > start ? ", " : "");
			template_view_put_count(&o, c[1], "file changed", "files changed");
		}
		if (c[2] > 0 || c[3] > 0) {
			strbuf_puts(&o, o.len > start ? ", " : "");
			template_view_put_count(&o, c[2], "line added", "lines added");
			strbuf_printf(&o, " and %lld removed", (long long)c[3]);
		}
		if (o.len == start)
			strbuf_puts(&o, "no changes in the repository");
		if (o.s && o.s[0] >= 'a' && o.s[0] <= 'z')
			o.s[0] = (char)(o.s[0] - 'a' + 'A');
	}
	if (o.len)
		strbuf_putc(&o, '.');
	/* The final recompute failed (the repository went away...): say whose numbers these are. */
	err = template_view_get_text(v, v->rec, RECORD_STATS_ERROR);
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
	template_view_set_out(v, v->root, "summary_facts", &o);
}

static void template_view_stats(struct view *v)
{
	json_t *st;
	int64_t c[4], pulled = template_view_get_int(v->stats, RECORD_PULLED, TEMPLATE_COUNT_MAX);
	char net[32];

	if (!v->stats || !template_view_stats_counts(v->stats, c))
		return;
	st = template_view_item_new(v);
	template_view_set_int(v, st, "commits", c[0]);
	template_view_set_int(v, st, "files_changed", c[1]);
	template_view_set_int(v, st, "added", c[2]);
	template_view_set_int(v, st, "removed", c[3]);
	if (c[2] == c[3])
		snprintf(net, sizeof(net), "±0");
	else
		snprintf(net, sizeof(net), "%s%lld", c[2] > c[3] ? "+" : "-",
			 (long long)(c[2] > c[3] ? c[2] - c[3] : c[3] - c[2]));
	template_view_set_str(v, st, "net", net);
	template_view_set_int(v, st, "pulled", pulled > 0 ? pulled : 0);
	template_view_set_json(v, v->root, "stats", st);
}

json_t *template_view(const json_t *record)
{
	struct view v = {.rec = record};
	const json_t *st = json_object_get(record, RECORD_STATS);
	int64_t counts[4];

	if (!json_is_object(record) || !(v.root = json_object()))
		return NULL;
	v.stats = json_is_object(st) && template_view_stats_counts(st, counts) ? st : NULL;
	v.focus = template_view_get_text(&v, record, RECORD_FOCUS);
	v.branch = template_view_get_text(&v, record, RECORD_BRANCH);
	v.branch_end = template_view_get_text(&v, record, RECORD_BRANCH_END);
	v.author = template_view_get_text(&v, record, RECORD_AUTHOR);
	v.repo_name = template_view_get_text(&v, record, RECORD_REPO_NAME);
	v.repo = template_view_get_text(&v, record, RECORD_REPO);
	v.log_dir = template_view_get_text(&v, record, RECORD_LOG_DIR);
	v.started_at = template_view_get_int(record, RECORD_STARTED_AT, TEMPLATE_STAMP_MAX_MS);
	v.ended_at = template_view_get_int(record, RECORD_ENDED_AT, TEMPLATE_STAMP_MAX_MS);
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

enum session_event_kind template_view_event_kind(const json_t *ev)
{
	return session_event_lookup(json_string_value(json_object_get(ev, RECORD_KIND)));
}
