/*
 * What the session changed and what comes next: Files Modified, the quality checks, Next Steps,
 * issue and pull request references, previous logs.
 */
#include "template_changes.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "strbuf.h"
#include "template_items.h"
#include "template_md.h"
#include "template_record.h"

/* Subjects listed in a Files Modified description before "and N more". */
#define FILE_SUBJECTS 3
/* Lines and bytes of a check's output kept in the log. */
#define OUTPUT_LINES	  40
#define OUTPUT_BYTES	  4096
#define DEFAULT_FILE_ROWS 50
#define MAX_FILE_ROWS	  10000

/* path -> indexes (oldest first) of the listed commits that touched it; NULL if not known. */
static json_t *template_changes_commits_by_path(struct view *v, const json_t *commits)
{
	size_t n = json_array_size(commits);
	json_t *map;

	/* Only when every commit of the session is listed with its paths. */
	if (n == 0 ||
	    template_record_get_int(v->stats, RECORD_COMMITS, TEMPLATE_COUNT_MAX) != (int64_t)n)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!template_record_get_array(json_array_get(commits, i), RECORD_PATHS))
			return NULL;
	map = json_object();
	for (size_t i = n; map && i > 0; i--) {
		const json_t *paths =
		    template_record_get_array(json_array_get(commits, i - 1), RECORD_PATHS);

		for (size_t k = 0; k < json_array_size(paths); k++) {
			const json_t *p = json_array_get(paths, k);
			json_t *idx;

			if (!json_is_string(p))
				continue;
			idx = json_object_get(map, json_string_value(p));
			if (!idx) {
				idx = json_array();
				/* Raw paths: not necessarily UTF-8, and never written out. */
				if (json_object_set_new_nocheck(map, json_string_value(p), idx) < 0)
					idx = NULL;
			}
			if (!idx ||
			    json_array_append_new(idx, json_integer((json_int_t)(i - 1))) < 0)
				v->oom = true;
		}
	}
	if (!map)
		v->oom = true;
	return map;
}

/* A file in none of the session's commits: uncommitted, unless stop --at left commits out
 * (RECORD_STATS_AS_OF): the file may be in one of those. */
static void template_changes_uncommitted(struct view *v, struct strbuf *o)
{
	strbuf_puts(o, json_is_integer(json_object_get(v->rec, RECORD_STATS_AS_OF))
			   ? "uncommitted, or committed after the corrected end"
			   : "uncommitted");
}

/* The subjects of the session's commits that touched the file, else "uncommitted". */
static void template_changes_file_description(struct view *v, const json_t *commits,
					      const json_t *by_path, const json_t *file,
					      struct strbuf *o)
{
	const json_t *path = json_object_get(file, RECORD_PATH), *idx;
	size_t shown = 0, total;

	if (!by_path) {
		if (template_record_get_int(v->stats, RECORD_COMMITS, TEMPLATE_COUNT_MAX) == 0)
			template_changes_uncommitted(v, o);
		return;
	}
	idx = json_is_string(path) ? json_object_get(by_path, json_string_value(path)) : NULL;
	total = json_array_size(idx);
	for (size_t i = 0; i < total && shown < FILE_SUBJECTS; i++) {
		const json_t *c =
		    json_array_get(commits, (size_t)json_integer_value(json_array_get(idx, i)));
		char *s = template_record_get_text(v, c, RECORD_SUBJECT);

		if (!s)
			continue;
		s[strcspn(s, "\n")] = '\0';
		strbuf_puts(o, shown++ ? "; " : "");
		template_md_put_excerpt(o, s, TEMPLATE_SUBJECT_CLIP, TEMPLATE_MD_CELL, false);
		free(s);
	}
	if (total > shown && shown > 0)
		strbuf_printf(o, "; and %zu more", total - shown);
	if (total == 0)
		template_changes_uncommitted(v, o);
}

/* "100644 → 100755" when both of the file's modes are git modes and differ; else false. */
static bool template_changes_file_mode(const json_t *f, char *out, size_t n)
{
	const char *om = json_string_value(json_object_get(f, RECORD_OLD_MODE)),
		   *nm = json_string_value(json_object_get(f, RECORD_NEW_MODE));

	for (const char *m = om; m && *m; m++)
		if (*m < '0' || *m > '7')
			om = NULL;
	for (const char *m = nm; m && *m; m++)
		if (*m < '0' || *m > '7')
			nm = NULL;
	if (!om || !nm || !*om || !*nm || strlen(om) > 6 || strlen(nm) > 6 || strcmp(om, nm) == 0)
		return false;
	snprintf(out, n, "%s → %s", om, nm);
	return true;
}

/* The file's status letter (A, D, M, R, T), or 0 when the record has none it knows. */
static char template_changes_file_status(const json_t *f)
{
	const char *st = json_string_value(json_object_get(f, RECORD_STATUS));

	return st && strlen(st) == 1 && strchr("ADMRT", st[0]) ? st[0] : 0;
}

/* What happened to the file: added, deleted, renamed, type or mode changed, and its lines. */
static void template_changes_file_changes(struct view *v, const json_t *f, const char *path,
					  struct strbuf *o)
{
	char *old = template_record_get_text(v, f, RECORD_OLD_PATH), mode[32];
	bool binary = json_is_true(json_object_get(f, RECORD_BINARY));
	int64_t added = template_record_get_int(f, RECORD_ADDED, TEMPLATE_COUNT_MAX),
		removed = template_record_get_int(f, RECORD_REMOVED, TEMPLATE_COUNT_MAX);
	bool lines = !binary && added >= 0 && removed >= 0;
	char st = template_changes_file_status(f);
	size_t start = o->len;

	if (old && strcmp(old, path) != 0) {
		strbuf_puts(o, "renamed from ");
		template_md_put_code(o, old, true);
		if (binary)
			strbuf_puts(o, ", binary");
		else if (lines && (added > 0 || removed > 0))
			strbuf_printf(o, ", +%lld, -%lld", (long long)added, (long long)removed);
	} else if (st == 'A' || st == 'D') {
		strbuf_puts(o, st == 'A' ? "added" : "deleted");
		if (binary)
			strbuf_puts(o, ", binary");
		else if (lines && st == 'A')
			strbuf_printf(o, ", +%lld", (long long)added);
		else if (lines)
			strbuf_printf(o, ", -%lld", (long long)removed);
	} else {
		if (st == 'T')
			strbuf_puts(o, "type changed");
		if (binary)
			strbuf_puts(o, o->len > start ? ", binary" : "binary");
		/* A mode change alone has no lines to show. */
		else if (lines && (added > 0 || removed > 0 || st == 'T' ||
				   !template_changes_file_mode(f, mode, sizeof(mode))))
			strbuf_printf(o, "%s+%lld, -%lld", o->len > start ? ", " : "",
				      (long long)added, (long long)removed);
	}
	if (st != 'A' && st != 'D' && st != 'T' &&
	    template_changes_file_mode(f, mode, sizeof(mode)))
		strbuf_printf(o, "%smode changed %s", o->len > start ? ", " : "", mode);
	free(old);
}

void template_changes_files(struct view *v)
{
	const json_t *files = template_record_get_array(v->stats, RECORD_FILES),
		     *commits = template_record_get_array(v->stats, RECORD_COMMIT_LIST);
	int64_t max = template_record_get_int(v->rec, RECORD_MAX_FILE_ROWS, MAX_FILE_ROWS);
	json_t *list = json_array(), *by_path = template_changes_commits_by_path(v, commits);
	size_t rows = 0, more = 0;
	struct strbuf o = {0};

	if (max <= 0)
		max = DEFAULT_FILE_ROWS;
	for (size_t i = 0; list && i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		char *path = template_record_get_text(v, f, RECORD_PATH);
		json_t *item;

		if (!path)
			continue;
		if (rows == (size_t)max) {
			more++;
			free(path);
			continue;
		}
		item = template_record_item_new(v);
		template_md_put_code(&o, path, true);
		template_record_set_out(v, item, "path", &o);
		template_changes_file_changes(v, f, path, &o);
		template_record_set_out(v, item, "changes", &o);
		template_changes_file_description(v, commits, by_path, f, &o);
		template_record_set_out(v, item, "description", &o);
		template_record_list_add(v, list, item);
		rows++;
		free(path);
	}
	json_decref(by_path);
	template_record_set_list(v, v->root, "files", list);
	if (more > 0) {
		strbuf_printf(&o, "… and %zu more %s", more, more == 1 ? "file" : "files");
		template_record_set_out(v, v->root, "files_more", &o);
	}
}

/* Terminal escapes (colours, titles) dropped from a check's output. */
static char *template_changes_strip_escapes(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t w = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\x1b') {
			out[w++] = s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '[') {
			for (i += 2; i < n && !(s[i] >= 0x40 && s[i] <= 0x7E); i++)
				;
		} else if (i + 1 < n && s[i + 1] == ']') {
			for (i += 2; i < n && s[i] != '\a' &&
				     !(s[i] == '\x1b' && i + 1 < n && s[i + 1] == '\\');
			     i++)
				;
			if (i < n && s[i] == '\x1b')
				i++;
		} else {
			i++;
		}
	}
	out[w] = '\0';
	return out;
}

/* The last lines of a check's output in a code fence no line of it can close. */
static void template_changes_check_output(struct view *v, json_t *item, const json_t *tail)
{
	size_t starts[OUTPUT_LINES], nstarts = 0, len, from, run = 0, longest = 2;
	char *raw, *text;
	struct strbuf o = {0};

	if (!json_is_string(tail))
		return;
	raw = template_changes_strip_escapes(json_string_value(tail), json_string_length(tail));
	text = raw ? template_md_clean(raw, strlen(raw), &v->oom) : NULL;
	free(raw);
	if (!text)
		return;
	len = strlen(text);
	for (size_t i = 0; i < len; i++)
		if (i == 0 || text[i - 1] == '\n')
			starts[nstarts++ % OUTPUT_LINES] = i;
	/* The oldest of the last lines that fit; a last line too long alone keeps its end. */
	from = len > OUTPUT_BYTES ? len - OUTPUT_BYTES : 0;
	while (from < len && ((unsigned char)text[from] & 0xC0) == 0x80)
		from++;
	for (size_t k = nstarts > OUTPUT_LINES ? nstarts - OUTPUT_LINES : 0; k < nstarts; k++) {
		if (len - starts[k % OUTPUT_LINES] <= OUTPUT_BYTES) {
			from = starts[k % OUTPUT_LINES];
			break;
		}
	}
	for (size_t i = from; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i <= longest; i++)
		strbuf_putc(&o, '`');
	strbuf_putc(&o, '\n');
	strbuf_puts(&o, text + from);
	strbuf_putc(&o, '\n');
	for (size_t i = 0; i <= longest; i++)
		strbuf_putc(&o, '`');
	template_record_set_out(v, item, "output", &o);
	free(text);
}

/* "42 passing, 2 failing, 1 skipped" from ctest/pytest/cargo counts. */
static void template_changes_check_tests(struct view *v, json_t *item, const json_t *tests)
{
	int64_t passed = template_record_get_int(tests, RECORD_PASSED, TEMPLATE_COUNT_MAX),
		failed = template_record_get_int(tests, RECORD_FAILED, TEMPLATE_COUNT_MAX);
	int64_t skipped = template_record_get_int(tests, RECORD_SKIPPED, TEMPLATE_COUNT_MAX);
	struct strbuf o = {0};

	if (passed < 0 && failed < 0 && skipped < 0)
		return;
	strbuf_printf(&o, "%lld passing", (long long)(passed > 0 ? passed : 0));
	if (failed > 0)
		strbuf_printf(&o, ", %lld failing", (long long)failed);
	if (skipped > 0)
		strbuf_printf(&o, ", %lld skipped", (long long)skipped);
	template_record_set_out(v, item, "tests", &o);
}

void template_changes_checks(struct view *v)
{
	const json_t *checks = template_record_get_array(v->rec, RECORD_CHECKS);
	json_t *list = json_array(), *tested = json_array();

	for (size_t i = 0; list && tested && i < json_array_size(checks); i++) {
		const json_t *c = json_array_get(checks, i),
			     *sec = json_object_get(c, RECORD_SECONDS);
		char *name = template_record_get_text(v, c, RECORD_NAME);
		bool ok = json_is_true(json_object_get(c, RECORD_OK));
		bool skipped;
		int64_t code = template_record_get_int(c, RECORD_EXIT, 255);
		struct strbuf o = {0};
		json_t *item;

		if (!name)
			continue;
		item = template_record_item_new(v);
		template_record_set_inline(v, item, "name", name, 0);
		template_record_set_json(v, item, "ok", json_boolean(ok));
		skipped = json_is_true(json_object_get(c, RECORD_NOT_RUN));
		strbuf_puts(&o, skipped ? "⏭️ " : ok ? "✅ " : "⚠️ ");
		template_md_put_inline(&o, name, 0);
		if (skipped) {
			strbuf_puts(&o, " (skipped: stint stop --no-checks)");
		} else if (!ok) {
			strbuf_puts(&o, " (");
			if (json_is_true(json_object_get(c, RECORD_TIMED_OUT)))
				strbuf_puts(&o, "timed out");
			else if (code >= 0)
				strbuf_printf(&o, "exit %lld", (long long)code);
			else
				strbuf_puts(&o, "failed");
			if (json_is_number(sec) && json_number_value(sec) >= 0 &&
			    json_number_value(sec) < (double)TEMPLATE_SECONDS_MAX)
				strbuf_printf(&o, ", %lld s",
					      (long long)(json_number_value(sec) + 0.5));
			strbuf_putc(&o, ')');
			template_changes_check_output(v, item,
						      json_object_get(c, RECORD_OUTPUT_TAIL));
		}
		template_record_set_out(v, item, "status", &o);
		template_changes_check_tests(v, item, json_object_get(c, RECORD_TESTS));
		if (json_object_get(item, "tests") && json_array_append(tested, item) < 0)
			v->oom = true;
		template_record_list_add(v, list, item);
		free(name);
	}
	template_record_set_list(v, v->root, "checks", list);
	template_record_set_list(v, v->root, "test_checks", tested);
}

/* A carried item's Markdown as the previous log wrote it: one line, not escaped again. */
static void template_changes_put_markdown(struct view *v, json_t *item, const char *md)
{
	struct strbuf o = {0};
	char *flat = strdup(md);

	if (!flat) {
		v->oom = true;
		return;
	}
	for (char *p = flat; *p; p++)
		if (*p == '\n')
			*p = ' ';
	/* What stint wrote stays as it was; what a hand edit let through becomes text. */
	template_md_put_markdown(&o, flat);
	free(flat);
	template_record_set_out(v, item, "text", &o);
}

/* "The previous log, `path`, is gone (why): ..." when it could not be read (docs/templates.md). */
static void template_changes_carried_note(struct view *v, size_t carried)
{
	const json_t *m = json_object_get(v->rec, RECORD_PREVIOUS_MISSING);
	char *path = template_record_get_text(v, m, RECORD_PATH),
	     *why = template_record_get_text(v, m, RECORD_ERROR);
	struct strbuf o = {0};

	if (!path) {
		free(why);
		return;
	}
	path[strcspn(path, "\n")] = '\0';
	strbuf_puts(&o, "The previous log, ");
	template_md_put_code(&o, path, false);
	strbuf_puts(&o, json_is_true(json_object_get(m, RECORD_GONE)) ? ", is gone"
								      : ", cannot be read");
	if (why) {
		strbuf_puts(&o, " (");
		template_md_put_inline(&o, why, 0);
		strbuf_putc(&o, ')');
	}
	if (!json_is_true(json_object_get(m, RECORD_FROM_STORE)))
		strbuf_puts(&o, " and stint kept no record of its open todos: none are carried.");
	else if (carried > 0)
		strbuf_puts(&o, ": its open todos below come from stint's record of that session.");
	else
		strbuf_puts(&o, "; stint's record of that session lists no open todos.");
	template_record_set_out(v, v->root, "carried_note", &o);
	free(path);
	free(why);
}

void template_changes_next(struct view *v, json_t *next_todos)
{
	const json_t *carried = template_record_get_array(v->rec, RECORD_CARRIED_TODOS);
	json_t *list = json_array();
	size_t n = 0;

	for (size_t i = 0; list && i < json_array_size(carried); i++) {
		const json_t *c = json_array_get(carried, i);
		char *md =
		    json_is_object(c) ? template_record_get_text(v, c, RECORD_MARKDOWN) : NULL;
		char *text = md			 ? NULL
			     : json_is_string(c) ? template_record_clean(v, c)
						 : template_record_get_text(v, c, RECORD_TEXT);
		json_t *item;

		if (!md && !text)
			continue;
		item = template_record_item_new(v);
		if (md)
			template_changes_put_markdown(v, item, md);
		else
			template_record_set_inline(v, item, "text", text, 0);
		template_record_set_str(v, item, "priority",
					json_is_object(c) ? template_items_priority_label(c)
							  : NULL);
		template_record_list_add(v, list, item);
		n++;
		free(md);
		free(text);
	}
	template_changes_carried_note(v, n);
	for (size_t i = 0; list && i < json_array_size(next_todos); i++)
		if (json_array_append(list, json_array_get(next_todos, i)) < 0)
			v->oom = true;
	json_decref(next_todos);
	template_record_set_list(v, v->root, "next", list);
}

void template_changes_refs(struct view *v)
{
	const json_t *refs = template_record_get_array(v->rec, RECORD_REFS);
	json_t *issues = json_array(), *pulls = json_array();

	for (size_t i = 0; issues && pulls && i < json_array_size(refs); i++) {
		const json_t *r = json_array_get(refs, i), *kind = json_object_get(r, RECORD_KIND);
		char *text = template_record_get_text(v, r, RECORD_TEXT),
		     *url = template_record_get_text(v, r, RECORD_URL);
		struct strbuf o = {0};
		json_t *item;

		if (text) {
			item = template_record_item_new(v);
			if (url && !strchr(url, '\n') &&
			    (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0)) {
				strbuf_putc(&o, '[');
				template_md_put_link_text(&o, text);
				strbuf_puts(&o, "](");
				template_md_put_url(&o, url);
				strbuf_putc(&o, ')');
			} else {
				template_md_put_inline(&o, text, 0);
			}
			template_record_set_out(v, item, "link", &o);
			template_record_list_add(v,
						 template_record_str_eq(kind, "pr") ||
							 template_record_str_eq(kind, "pull")
						     ? pulls
						     : issues,
						 item);
		}
		free(text);
		free(url);
	}
	template_record_mark_last(v, issues);
	template_record_mark_last(v, pulls);
	template_record_set_list(v, v->root, "issues", issues);
	template_record_set_list(v, v->root, "pulls", pulls);
}

/*
 * "./2026-11-24.md", "../../other/2026-11-24.md": relative to the log's directory when both are
 * absolute, else the absolute path; a relative path is taken as relative to the log already.
 */
static char *template_changes_log_link(struct view *v, const char *path)
{
	struct strbuf o = {0};
	char *rel = NULL;

	if (path[0] == '/' && v->log_dir && v->log_dir[0] == '/')
		rel = template_record_relative_path(v->log_dir, path);
	if (!rel && path[0] != '/' && strncmp(path, "./", 2) != 0 && strncmp(path, "../", 3) != 0)
		strbuf_puts(&o, "./");
	strbuf_puts(&o, rel ? rel : path);
	free(rel);
	if (o.error) {
		free(o.s);
		return NULL;
	}
	rel = template_items_path_target(o.s);
	free(o.s);
	return rel;
}

/* A log's date from its file name: "2026-11-24" for ".../2026-11-24.md" (NULL: no memory). */
static char *template_changes_log_date(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);

	return strndup(base, n > 3 && strcmp(base + n - 3, ".md") == 0 ? n - 3 : n);
}

/* One previous log's item, or NULL when it has no usable path (or memory ran out). */
static json_t *template_changes_previous_item(struct view *v, const json_t *l)
{
	char *path = template_record_get_text(v, l, RECORD_PATH),
	     *date = template_record_get_text(v, l, RECORD_DATE);
	char *title = template_record_get_text(v, l, RECORD_TITLE), *target = NULL;
	struct strbuf o = {0};
	json_t *item = NULL;

	if (!path || strchr(path, '\n') || !(target = template_changes_log_link(v, path)))
		goto done;
	if (!date)
		date = template_changes_log_date(path);
	item = template_record_item_new(v);
	template_record_set_inline(v, item, "date", date, 0);
	if (title)
		template_md_put_markdown(&o, title); /* the previous log's heading, as written */
	template_record_set_out(v, item, "title", &o);
	strbuf_putc(&o, '[');
	if (date)
		template_md_put_link_text(&o, date);
	strbuf_puts(&o, "](");
	template_md_put_url(&o, target);
	strbuf_putc(&o, ')');
	template_record_set_out(v, item, "link", &o);
done:
	free(target);
	free(path);
	free(date);
	free(title);
	return item;
}

void template_changes_previous(struct view *v)
{
	const json_t *logs = template_record_get_array(v->rec, RECORD_PREVIOUS_LOGS);
	json_t *list = json_array(), *item;

	for (size_t i = 0; list && i < json_array_size(logs); i++)
		if ((item = template_changes_previous_item(v, json_array_get(logs, i))))
			template_record_list_add(v, list, item);
	template_record_mark_last(v, list);
	template_record_set_list(v, v->root, "previous_logs", list);
}
