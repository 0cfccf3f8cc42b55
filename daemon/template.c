#include "template.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "strbuf.h"
#include "template_engine.h"
#include "timeutil.h"
#include "utf8.h"

/* config/session-template.md as a C array, made at configure time (top-level CMakeLists.txt). */
#include "session_template.h"

/* Stamps after 9999-12-31 and durations beyond ~31,000 years are nonsense: treated as absent. */
#define STAMP_MAX_MS 253402300799999LL
#define SECONDS_MAX  1000000000000LL
#define COUNT_MAX    1000000000000LL
/* Longest excerpt of a text in the Activities timeline, a heading, a table cell. */
#define ACTIVITY_CLIP 100
#define HEADING_CLIP  80
#define SUBJECT_CLIP  72
/* Subjects listed in a Files Modified description before "and N more". */
#define FILE_SUBJECTS 3
/* Lines and bytes of a check's output kept in the log. */
#define OUTPUT_LINES	  40
#define OUTPUT_BYTES	  4096
#define DEFAULT_FILE_ROWS 50
#define MAX_FILE_ROWS	  10000

/* --- text cleaning ----------------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Valid UTF-8 with only LF and TAB as control characters (others, and invalid bytes, become
 * U+FFFD so a terminal escape cannot hide in a log), no trailing blanks on any line, no leading or
 * trailing blank lines, at most one blank line in a row. NULL for an empty text, or out of memory
 * (then *oom is set).
 */
static char *text_clean(const char *s, size_t n, bool *oom)
{
	static const char repl[] = "\xEF\xBF\xBD";
	const unsigned char *u = (const unsigned char *)s;
	char *buf, *line;
	size_t w = 0, r = 0, len;
	bool pending_blank = false;

	if (n > (SIZE_MAX - 1) / 3 || !(buf = malloc(n * 3 + 1))) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(u + i, n - i, &cp);

		if (k == 0 || utf8_is_control(cp)) {
			memcpy(buf + w, repl, 3);
			w += 3;
			i += k ? k : 1;
		} else if (cp == '\r') {
			buf[w++] = '\n';
			i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
		} else {
			memcpy(buf + w, s + i, k);
			w += k;
			i += k;
		}
	}
	/* Second pass, in place: it only ever shrinks the text. */
	len = w;
	w = 0;
	while (r < len) {
		size_t end = r, stop;

		while (end < len && buf[end] != '\n')
			end++;
		stop = end;
		while (stop > r && is_blank(buf[stop - 1]))
			stop--;
		line = buf + r;
		if (stop == r) {
			pending_blank = w > 0;
		} else {
			if (w == 0) {
				while (is_blank(*line))
					line++;
			} else {
				buf[w++] = '\n';
				if (pending_blank)
					buf[w++] = '\n';
			}
			pending_blank = false;
			memmove(buf + w, line, (size_t)(buf + stop - line));
			w += (size_t)(buf + stop - line);
		}
		r = end + 1;
	}
	if (w == 0) {
		free(buf);
		return NULL;
	}
	buf[w] = '\0';
	return buf;
}

/*
 * Byte length of the first line of s, or of its first max code points (*clipped set, blanks
 * before the cut dropped); *more when another line follows.
 */
static size_t first_line_clip(const char *s, size_t max, bool *clipped, bool *more)
{
	size_t i = 0, ncp = 0;

	while (s[i] && s[i] != '\n') {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ncp++ == max)
			break;
		i++;
	}
	*clipped = s[i] != '\0' && s[i] != '\n';
	*more = strchr(s + i, '\n') != NULL;
	while (i > 0 && is_blank(s[i - 1]))
		i--;
	return i;
}

/* --- Markdown escaping ------------------------------------------------------------------- */

/* One line of text: newlines (and the indentation after them) become one space. */
static void put_inline(struct strbuf *o, const char *s, size_t n, unsigned flags)
{
	size_t hash_at = SIZE_MAX;

	/* "Fix #" would lose its "#" as the heading's closing sequence. */
	if (flags & TEMPLATE_MD_HEADING) {
		size_t k = n;

		while (k > 0 && s[k - 1] == '#')
			k--;
		if (k < n && (k == 0 || is_blank(s[k - 1]) || s[k - 1] == '\n'))
			hash_at = k;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			while (i + 1 < n && (s[i + 1] == '\n' || is_blank(s[i + 1])))
				i++;
			strbuf_putc(o, ' ');
			continue;
		}
		if (i == hash_at || (c == '|' && (flags & TEMPLATE_MD_CELL)) ||
		    (c == '*' && (flags & TEMPLATE_MD_BOLD)) ||
		    (c == '\\' && (flags & (TEMPLATE_MD_CELL | TEMPLATE_MD_BOLD))))
			strbuf_putc(o, '\\');
		strbuf_putc(o, c);
	}
}

static void put_inline_str(struct strbuf *o, const char *s, unsigned flags)
{
	put_inline(o, s, strlen(s), flags);
}

/*
 * The first line, shortened to max code points with an ellipsis when cut; more_lines also marks
 * a text that goes on after its first line (when the rest is not shown nearby).
 */
static void put_excerpt(struct strbuf *o, const char *s, size_t max, unsigned flags,
			bool more_lines)
{
	bool clipped, more;
	size_t n = first_line_clip(s, max, &clipped, &more);

	/* After a cut the ellipsis ends the heading, so no "#" run can close it. */
	put_inline(o, s, n, clipped ? flags & ~(unsigned)TEMPLATE_MD_HEADING : flags);
	if (clipped || (more && more_lines))
		strbuf_puts(o, "…");
}

static bool only_chars(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return n > 0;
}

static bool thematic_break(const char *p, size_t n)
{
	size_t count = 0;

	if (p[0] != '-' && p[0] != '*' && p[0] != '_')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == p[0])
			count++;
		else if (!is_blank(p[i]))
			return false;
	}
	return count >= 3;
}

/* Length of the fence opening p ("```" or "~~~", 3 or more), or 0. */
static size_t fence_open(const char *p, size_t n)
{
	size_t k = 0;

	if (p[0] != '`' && p[0] != '~')
		return 0;
	while (k < n && p[k] == p[0])
		k++;
	if (k < 3)
		return 0;
	/* A backtick fence's info string cannot contain a backtick. */
	if (p[0] == '`' && memchr(p + k, '`', n - k))
		return 0;
	return k;
}

static bool fence_close(const char *p, size_t n, char fc, size_t flen)
{
	size_t k = 0;

	while (k < n && p[k] == fc)
		k++;
	if (k < flen)
		return false;
	while (k < n && is_blank(p[k]))
		k++;
	return k == n;
}

/*
 * Where a backslash must go to keep a line (after its indentation) from opening a block that
 * escapes its place, or -1. item: the line begins a list item, so nested list, quote and task
 * markers would also change the item's meaning.
 */
static long block_marker(const char *p, size_t n, bool item)
{
	size_t k = 0;

	if (n == 0)
		return -1;
	if (p[0] == '#') {
		while (k < n && p[k] == '#')
			k++;
		if (k <= 6 && (k == n || is_blank(p[k])))
			return 0;
	}
	if (only_chars(p, n, '=') || only_chars(p, n, '-') || thematic_break(p, n))
		return 0;
	if (p[0] == '<' && n > 1 &&
	    ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') || p[1] == '/' ||
	     p[1] == '!' || p[1] == '?'))
		return 0;
	if (p[0] == '[') {
		const char *close = memchr(p, ']', n);

		/* "[label]: url" would vanish as a link reference definition. */
		if (close && (size_t)(close - p) + 1 < n && close[1] == ':')
			return 0;
		if (item && n >= 3 && (p[1] == ' ' || p[1] == 'x' || p[1] == 'X') && p[2] == ']' &&
		    (n == 3 || is_blank(p[3])))
			return 0;
	}
	if (!item)
		return -1;
	if ((p[0] == '-' || p[0] == '+' || p[0] == '*') && (n == 1 || is_blank(p[1])))
		return 0;
	if (p[0] == '>')
		return 0;
	for (k = 0; k < n && k < 10 && p[k] >= '0' && p[k] <= '9'; k++)
		;
	if (k > 0 && k <= 9 && k < n && (p[k] == '.' || p[k] == ')') &&
	    (k + 1 == n || is_blank(p[k + 1])))
		return (long)k;
	return -1;
}

#define BLOCK_FIRST_IS_BLOCK (1u << 8) /* the first line starts a block, not after a label */

/*
 * Multi-line text: continuation lines indented by indent spaces (blank lines stay empty), block
 * markers escaped, a code fence left open by the text closed. No trailing newline.
 */
static void put_block(struct strbuf *o, const char *s, size_t indent, unsigned flags)
{
	bool first = true, in_fence = false;
	size_t flen = 0;
	char fc = 0;

	while (*s || first) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s), ws = 0, col = 0;
		long at = -1;

		if (!first) {
			strbuf_putc(o, '\n');
			if (n > 0)
				strbuf_spaces(o, indent);
		}
		while (ws < n && is_blank(s[ws])) {
			col = s[ws] == '\t' ? col + 4 - col % 4 : col + 1;
			ws++;
		}
		if (n == 0 || (first && !(flags & BLOCK_FIRST_IS_BLOCK))) {
			/* Empty, or following a label on the same line: nothing opens a block. */
		} else if (in_fence) {
			if (col < 4 && fence_close(s + ws, n - ws, fc, flen))
				in_fence = false;
		} else if (col < 4) {
			size_t k = fence_open(s + ws, n - ws);

			if (k) {
				in_fence = true;
				fc = s[ws];
				flen = k;
			} else {
				at = block_marker(s + ws, n - ws,
						  first && (flags & TEMPLATE_MD_ITEM));
			}
		}
		if (at >= 0) {
			strbuf_putn(o, s, ws + (size_t)at);
			strbuf_putc(o, '\\');
			strbuf_putn(o, s + ws + at, n - ws - (size_t)at);
		} else {
			strbuf_putn(o, s, n);
		}
		first = false;
		s += n;
		if (*s == '\n')
			s++;
		else
			break;
	}
	if (in_fence) {
		strbuf_putc(o, '\n');
		strbuf_spaces(o, indent);
		for (size_t i = 0; i < flen; i++)
			strbuf_putc(o, fc);
	}
}

static char *md_finish(struct strbuf *o, bool oom)
{
	if (oom || o->error) {
		free(o->s);
		return NULL;
	}
	return o->s ? o->s : strdup("");
}

char *template_md_inline(const char *text, unsigned flags)
{
	struct strbuf o = {0};
	bool oom = false;
	char *t = text ? text_clean(text, strlen(text), &oom) : NULL;

	if (t)
		put_inline_str(&o, t, flags);
	free(t);
	return md_finish(&o, oom);
}

char *template_md_block(const char *text, int indent, unsigned flags)
{
	struct strbuf o = {0};
	bool oom = false;
	char *t = text ? text_clean(text, strlen(text), &oom) : NULL;

	if (t)
		put_block(&o, t, indent < 0 ? 0 : (size_t)indent, flags | BLOCK_FIRST_IS_BLOCK);
	free(t);
	return md_finish(&o, oom);
}

/* --- the view: the record as display text (docs/templates.md) ----------------------------- */

struct view {
	const json_t *rec;
	json_t *root;
	bool oom;
	/* The record's "stats" when it holds the four counts of docs/log-record.md, else NULL. */
	const json_t *stats;
	char *focus, *branch, *branch_end, *author, *repo_name, *repo, *log_dir;
	int64_t started_at, ended_at;
	/* Local date of the start: times on another day carry their date. */
	char ref_day[16];
};

/* A missing field, or one of the wrong type, is absent. */
static char *clean_value(struct view *v, const json_t *j)
{
	if (!json_is_string(j))
		return NULL;
	return text_clean(json_string_value(j), json_string_length(j), &v->oom);
}

static char *get_text(struct view *v, const json_t *obj, const char *key)
{
	return clean_value(v, json_object_get(obj, key));
}

static int64_t get_int(const json_t *obj, const char *key, int64_t max)
{
	const json_t *j = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(j))
		return -1;
	i = json_integer_value(j);
	return i >= 0 && i <= max ? (int64_t)i : -1;
}

static const json_t *get_array(const json_t *obj, const char *key)
{
	const json_t *j = json_object_get(obj, key);

	return json_is_array(j) ? j : NULL;
}

static bool str_eq(const json_t *j, const char *s)
{
	return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

static json_t *item_new(struct view *v)
{
	json_t *o = json_object();

	if (!o)
		v->oom = true;
	return o;
}

static void list_add(struct view *v, json_t *list, json_t *item)
{
	if (!item || json_array_append_new(list, item) < 0)
		v->oom = true;
}

static void set_json(struct view *v, json_t *obj, const char *key, json_t *val)
{
	if (!val || json_object_set_new(obj, key, val) < 0)
		v->oom = true;
}

/* obj[key] = list when it has items; the list is consumed either way. */
static void set_list(struct view *v, json_t *obj, const char *key, json_t *list)
{
	if (!list)
		v->oom = true;
	else if (json_array_size(list) == 0)
		json_decref(list);
	else
		set_json(v, obj, key, list);
}

static void set_str(struct view *v, json_t *obj, const char *key, const char *s)
{
	if (s && *s)
		set_json(v, obj, key, json_string(s));
}

static void set_int(struct view *v, json_t *obj, const char *key, int64_t n)
{
	set_json(v, obj, key, json_integer(n));
}

/* Moves o's text into obj[key]; nothing when o is empty. */
static void set_out(struct view *v, json_t *obj, const char *key, struct strbuf *o)
{
	if (o->error)
		v->oom = true;
	else if (o->len > 0)
		set_json(v, obj, key, json_stringn(o->s, o->len));
	free(o->s);
	*o = (struct strbuf){0};
}

static void set_inline(struct view *v, json_t *obj, const char *key, const char *text,
		       unsigned flags)
{
	struct strbuf o = {0};

	if (!text)
		return;
	put_inline_str(&o, text, flags);
	set_out(v, obj, key, &o);
}

/* Continuation lines stay at the margin: the engine indents them where the value lands. */
static void set_block(struct view *v, json_t *obj, const char *key, const char *text,
		      unsigned flags)
{
	struct strbuf o = {0};

	if (!text)
		return;
	put_block(&o, text, 0, flags);
	set_out(v, obj, key, &o);
}

static void mark_last(struct view *v, json_t *list)
{
	if (json_array_size(list) > 0)
		set_json(v, json_array_get(list, json_array_size(list) - 1), "last", json_true());
}

/* "14:05", or "2025-11-26 00:15" on another day than the start. */
static void format_when(struct view *v, int64_t at, char *buf, size_t n)
{
	char day[16];

	time_format_local(at, "%Y-%m-%d", day, sizeof(day));
	if (!v->ref_day[0])
		snprintf(v->ref_day, sizeof(v->ref_day), "%s", day);
	time_format_local(at, strcmp(day, v->ref_day) == 0 ? "%H:%M" : "%Y-%m-%d %H:%M", buf, n);
}

static int number_width(int n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

/* "n" and "indent": the spaces that put a sub-item under the text of item n ("1. " is 3). */
static void set_numbered(struct view *v, json_t *item, int n)
{
	char pad[16];

	snprintf(pad, sizeof(pad), "%*s", number_width(n) + 2, "");
	set_int(v, item, "n", n);
	set_str(v, item, "indent", pad);
}

/* "1 commit", "3 commits". */
static void put_count(struct strbuf *o, int64_t n, const char *one, const char *many)
{
	strbuf_printf(o, "%lld %s", (long long)n, n == 1 ? one : many);
}

/* "+10 -2": lines added and removed. */
static void put_lines(struct strbuf *o, int64_t added, int64_t removed)
{
	strbuf_printf(o, "+%lld -%lld", (long long)added, (long long)removed);
}

static const char *const default_branches[] = {"main",	      "master", "trunk",  "develop",
					       "development", "dev",	"default"};
static const char *const branch_types[] = {
    "feat",	"feature", "fix",   "bugfix",	  "hotfix",	 "chore",	"docs",	  "doc",
    "refactor", "test",	   "tests", "perf",	  "style",	 "build",	"ci",	  "release",
    "wip",	"spike",   "exp",   "experiment", "improvement", "enhancement", "revert", "task"};

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0)
			return true;
	return false;
}

/* "feat/login-rate-limit" -> "Login rate limit"; NULL for main, detached HEADs and the like. */
static char *branch_words(const char *b)
{
	size_t n = strlen(b), w = 0;
	const char *slash, *unborn = " (unborn)";
	char *out;

	if (n > strlen(unborn) && strcmp(b + n - strlen(unborn), unborn) == 0)
		n -= strlen(unborn);
	if (strncmp(b, "detached at ", 12) == 0 ||
	    in_list(b, n, default_branches, sizeof(default_branches) / sizeof(*default_branches)))
		return NULL;
	slash = memchr(b, '/', n);
	if (slash && in_list(b, (size_t)(slash - b), branch_types,
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

/*
 * s as a code span: fenced by a backtick run longer than any inside it, padded with spaces when
 * it starts or ends with a backtick. cell: '|' escaped, as a table needs even in code.
 */
static void put_code(struct strbuf *o, const char *s, bool cell)
{
	size_t run = 0, longest = 0, n = strlen(s);
	bool pad;

	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	pad = n > 0 && (s[0] == '`' || s[n - 1] == '`');
	for (size_t i = 0; i <= longest; i++)
		strbuf_putc(o, '`');
	if (pad)
		strbuf_putc(o, ' ');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|' && cell)
			strbuf_putc(o, '\\');
		strbuf_putc(o, s[i] == '\n' ? ' ' : s[i]);
	}
	if (pad)
		strbuf_putc(o, ' ');
	for (size_t i = 0; i <= longest; i++)
		strbuf_putc(o, '`');
}

/* Link text: brackets and backslashes escaped, one line. */
static void put_link_text(struct strbuf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '[' || *s == ']' || *s == '\\')
			strbuf_putc(o, '\\');
		strbuf_putc(o, *s == '\n' ? ' ' : *s);
	}
}

/* A link destination: anything that could end it or is not plain ASCII percent-encoded. */
static void put_url(struct strbuf *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~:/?#@!$&'*+,;=%", *p)) {
			strbuf_putc(o, (char)*p);
		} else {
			strbuf_putc(o, '%');
			strbuf_putc(o, hex[*p >> 4]);
			strbuf_putc(o, hex[*p & 15]);
		}
	}
}

/* The parts of an absolute path, or -1 if it is not one or has "." or ".." parts. */
static int path_parts(const char *p, const char **parts, size_t *lens, int max)
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

/* path as seen from the directory dir: "./x.md", "../../docs/adr/1.md"; NULL if it cannot be. */
static char *relative_path(const char *dir, const char *path)
{
	const char *dp[64], *pp[64];
	size_t dl[64], pl[64];
	int nd = path_parts(dir, dp, dl, 64), np = path_parts(path, pp, pl, 64), k = 0;
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

/* Whether path is dir or inside it (both absolute, compared as written). */
static bool path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* --- header, summary, statistics ----------------------------------------------------------- */

/* The stats object's counts, or false when it lacks one of them. */
static bool stats_counts(const json_t *st, int64_t c[4])
{
	static const char *const keys[] = {"commits", "files_changed", "added", "removed"};

	for (int i = 0; i < 4; i++)
		if ((c[i] = get_int(st, keys[i], COUNT_MAX)) < 0)
			return false;
	return true;
}

/* The subject of the session's first commit (the list is newest first), cleaned. */
static char *first_subject(struct view *v)
{
	const json_t *list = get_array(v->stats, "commit_list");
	size_t n = json_array_size(list);

	for (size_t i = n; i > 0; i--) {
		char *s = get_text(v, json_array_get(list, i - 1), "subject");

		if (s)
			return s;
	}
	return NULL;
}

static void view_title(struct view *v)
{
	char *words = NULL, *subject = NULL;
	struct strbuf o = {0};

	if (v->focus) {
		put_inline_str(&o, v->focus, TEMPLATE_MD_HEADING);
	} else if ((v->branch && (words = branch_words(v->branch))) ||
		   (v->branch_end && (words = branch_words(v->branch_end)))) {
		put_inline_str(&o, words, TEMPLATE_MD_HEADING);
	} else if ((subject = first_subject(v))) {
		put_excerpt(&o, subject, HEADING_CLIP, TEMPLATE_MD_HEADING, false);
	} else if (v->repo_name || v->repo) {
		const char *name = v->repo_name;

		if (!name) {
			name = strrchr(v->repo, '/');
			name = name && name[1] ? name + 1 : v->repo;
		}
		strbuf_puts(&o, "Session in ");
		put_inline_str(&o, name, TEMPLATE_MD_HEADING);
	}
	free(words);
	free(subject);
	set_out(v, v->root, "title", &o);
}

static void set_duration(struct view *v, const char *key, int64_t s)
{
	char buf[64];

	duration_format_long(s, buf, sizeof(buf));
	set_str(v, v->root, key, buf);
}

static void view_times(struct view *v)
{
	const json_t *rec = v->rec;
	int64_t active = get_int(rec, "active_s", SECONDS_MAX),
		wall = get_int(rec, "wall_s", SECONDS_MAX);
	int64_t paused = get_int(rec, "paused_s", SECONDS_MAX),
		idle = get_int(rec, "idle_s", SECONDS_MAX);
	int64_t suspended = get_int(rec, "suspended_s", SECONDS_MAX);
	struct strbuf o = {0};
	char buf[64];

	if (v->started_at >= 0) {
		time_format_local(v->started_at, "%Y-%m-%d", buf, sizeof(buf));
		set_str(v, v->root, "date", buf);
	}
	if (v->ended_at >= 0) {
		time_format_local(v->ended_at, "%Y-%m-%d", buf, sizeof(buf));
		set_str(v, v->root, "last_updated", buf);
	}
	if (active >= 0)
		set_duration(v, "active", active);
	if (wall >= 0)
		set_duration(v, "wall", wall);
	if (paused > 0)
		set_duration(v, "paused", paused);
	if (idle > 0)
		set_duration(v, "idle", idle);
	if (suspended > 0)
		set_duration(v, "suspended", suspended);
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
	set_out(v, v->root, "duration", &o);
}

static void view_header(struct view *v)
{
	const json_t *tags = get_array(v->rec, "tags");
	const char *related = v->branch_end ? v->branch_end : v->branch;
	struct strbuf o = {0};

	view_title(v);
	view_times(v);
	set_inline(v, v->root, "focus", v->focus, 0);
	set_inline(v, v->root, "author", v->author, 0);
	set_inline(v, v->root, "repo_name", v->repo_name, 0);
	set_inline(v, v->root, "branch_start", v->branch, 0);
	set_inline(v, v->root, "branch_end", v->branch_end, 0);
	set_inline(v, v->root, "related_branch", related, 0);
	if (v->branch) {
		put_inline_str(&o, v->branch, 0);
		if (v->branch_end && strcmp(v->branch, v->branch_end) != 0) {
			strbuf_puts(&o, " → ");
			put_inline_str(&o, v->branch_end, 0);
		}
	} else if (v->branch_end) {
		put_inline_str(&o, v->branch_end, 0);
	}
	set_out(v, v->root, "branch", &o);
	for (size_t i = 0; i < json_array_size(tags); i++) {
		char *tag = clean_value(v, json_array_get(tags, i));

		if (!tag)
			continue;
		if (o.len)
			strbuf_puts(&o, ", ");
		put_inline_str(&o, tag, 0);
		free(tag);
	}
	set_out(v, v->root, "tags", &o);
}

/* "Worked 2 hours: 3 commits, 5 files changed, 120 lines added and 30 removed." */
static void view_summary(struct view *v)
{
	char *summary = get_text(v, v->rec, "summary"), *err;
	int64_t active = get_int(v->rec, "active_s", SECONDS_MAX), c[4];
	struct strbuf o = {0};
	char buf[64];
	size_t start;

	set_block(v, v->root, "summary", summary, BLOCK_FIRST_IS_BLOCK);
	free(summary);
	if (active >= 0) {
		duration_format_long(active, buf, sizeof(buf));
		strbuf_printf(&o, "Worked %s", buf);
	}
	if (v->stats && stats_counts(v->stats, c)) {
		strbuf_puts(&o, o.len ? ": " : "");
		start = o.len;
		if (c[0] > 0)
			put_count(&o, c[0], "commit", "commits");
		if (c[1] > 0) {
			strbuf_puts(&o, o.len > start ? ", " : "");
			put_count(&o, c[1], "file changed", "files changed");
		}
		if (c[2] > 0 || c[3] > 0) {
			strbuf_puts(&o, o.len > start ? ", " : "");
			put_count(&o, c[2], "line added", "lines added");
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
	err = get_text(v, v->rec, "stats_error");
	if (err) {
		strbuf_puts(&o, o.len ? " " : "");
		strbuf_puts(&o, v->stats ? "Git statistics as last seen while the session ran: at "
					   "stop the repository could not be read ("
					 : "No git statistics: at stop the repository could not be "
					   "read (");
		put_inline_str(&o, err, 0);
		strbuf_puts(&o, ").");
		free(err);
	}
	set_out(v, v->root, "summary_facts", &o);
}

static void view_stats(struct view *v)
{
	json_t *st;
	int64_t c[4], pulled = get_int(v->stats, "pulled", COUNT_MAX);
	char net[32];

	if (!v->stats || !stats_counts(v->stats, c))
		return;
	st = item_new(v);
	set_int(v, st, "commits", c[0]);
	set_int(v, st, "files_changed", c[1]);
	set_int(v, st, "added", c[2]);
	set_int(v, st, "removed", c[3]);
	if (c[2] == c[3])
		snprintf(net, sizeof(net), "±0");
	else
		snprintf(net, sizeof(net), "%s%lld", c[2] > c[3] ? "+" : "-",
			 (long long)(c[2] > c[3] ? c[2] - c[3] : c[3] - c[2]));
	set_str(v, st, "net", net);
	set_int(v, st, "pulled", pulled > 0 ? pulled : 0);
	set_json(v, v->root, "stats", st);
}

/* --- activities: events, commits and gaps in one timeline ---------------------------------- */

enum entry_type { ENT_EVENT, ENT_COMMIT, ENT_GAP, ENT_PULLED };

struct entry {
	int64_t at; /* sort key, ms; -1 when unknown */
	int rank;   /* among equal times: start first, stop last */
	size_t seq; /* then in the order they were listed */
	enum entry_type type;
	const json_t *item;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct commit {
	char hash[8]; /* abbreviated, "" if unknown */
	int64_t at;   /* ms, -1 if unknown */
	int64_t added, removed;
	char *subject; /* first line, cleaned; NULL if none */
};

static void commit_read(struct view *v, const json_t *item, struct commit *c)
{
	const json_t *h = json_object_get(item, "hash");
	const char *hash = json_string_value(json_is_string(h) ? h : json_object_get(item, "oid"));
	int64_t t = get_int(item, "time", STAMP_MAX_MS / 1000);
	size_t k = 0;

	memset(c, 0, sizeof(*c));
	while (hash && k < 7 &&
	       ((hash[k] >= '0' && hash[k] <= '9') || (hash[k] >= 'a' && hash[k] <= 'f')))
		k++;
	if (k == 7)
		memcpy(c->hash, hash, 7);
	c->at = t >= 0 ? t * 1000 : -1;
	c->added = get_int(item, "added", COUNT_MAX);
	c->removed = get_int(item, "removed", COUNT_MAX);
	c->subject = get_text(v, item, "subject");
	if (c->subject)
		c->subject[strcspn(c->subject, "\n")] = '\0';
}

struct timeline {
	struct view *v;
	json_t *list;	 /* the activities */
	json_t *cur;	 /* the open item (borrowed from list), or NULL */
	json_t *details; /* its sub-items */
	int n;
	int64_t pause_at; /* when the last pause began, or -1 */
	int64_t gap_end;  /* the open item is an idle or suspend gap ending then, else -1 */
};

static void act_close(struct timeline *t)
{
	if (t->cur)
		set_list(t->v, t->cur, "details", t->details);
	t->cur = NULL;
	t->details = NULL;
}

/* A new numbered item; label is moved in, when ("14:05, ...") may be NULL. */
static void act_open(struct timeline *t, struct strbuf *label, const char *when)
{
	struct view *v = t->v;

	act_close(t);
	t->gap_end = -1;
	t->cur = item_new(v);
	t->details = json_array();
	if (!t->cur || !t->details) {
		v->oom = true;
		json_decref(t->cur);
		json_decref(t->details);
		t->cur = t->details = NULL;
		free(label->s);
		*label = (struct strbuf){0};
		return;
	}
	set_numbered(v, t->cur, ++t->n);
	set_out(v, t->cur, "label", label);
	set_str(v, t->cur, "when", when);
	if (json_array_append(t->list, t->cur) < 0) {
		v->oom = true;
		json_decref(t->details);
		t->details = NULL;
	}
	/* The list holds it now; cur is borrowed (NULL if the list could not take it). */
	json_decref(t->cur);
	if (!t->details)
		t->cur = NULL;
}

static void act_open_str(struct timeline *t, const char *label, int64_t at, const char *extra)
{
	struct strbuf o = {0};
	char when[128] = "";

	strbuf_puts(&o, label);
	if (at >= 0) {
		format_when(t->v, at, when, 40);
		if (extra)
			snprintf(when + strlen(when), sizeof(when) - strlen(when), "%s", extra);
	}
	act_open(t, &o, when);
}

/* A sub-item of the open item (a first one is opened if there is none). */
static void act_detail(struct timeline *t, struct strbuf *text)
{
	json_t *d;

	/* What happens after a gap is not part of it. */
	if (t->cur && t->gap_end >= 0)
		act_open_str(t, "Active again", t->gap_end, NULL);
	if (!t->cur)
		act_open_str(t, "Session events", -1, NULL);
	if (!t->details) {
		free(text->s);
		*text = (struct strbuf){0};
		return;
	}
	d = item_new(t->v);
	set_out(t->v, d, "text", text);
	list_add(t->v, t->details, d);
}

static const char *lifecycle_label(const char *kind)
{
	static const char *const labels[][2] = {
	    {"start", "Session started"}, {"pause", "Paused"},
	    {"resume", "Resumed"},	  {"recover", "Recovered after a reboot"},
	    {"stop", "Session stopped"},
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(*labels); i++)
		if (strcmp(kind, labels[i][0]) == 0)
			return labels[i][1];
	return NULL;
}

static const char *priority_of(const json_t *item)
{
	const json_t *p = json_object_get(item, "priority");

	if (str_eq(p, "high") || str_eq(p, "low") || str_eq(p, "blocked"))
		return json_string_value(p);
	return "medium";
}

static const char *note_kind_of(const json_t *item, const char *key)
{
	const json_t *k = json_object_get(item, key);

	if (str_eq(k, "learning") || str_eq(k, "challenge"))
		return json_string_value(k);
	return "note";
}

/* A note, todo or decision as a sub-item of the activity it happened in. */
static void event_detail(struct timeline *t, const char *kind, const json_t *ev, int64_t at)
{
	char *text = get_text(t->v, ev, "text");
	const char *label;
	struct strbuf o = {0};
	char when[40];

	if (!text)
		return;
	if (strcmp(kind, "todo") == 0 && json_is_true(json_object_get(ev, "next")))
		label = "TODO, next session";
	else if (strcmp(kind, "todo") == 0)
		label = strcmp(priority_of(ev), "blocked") == 0 ? "TODO, blocked" : NULL;
	else if (strcmp(kind, "decision") == 0)
		label = "Decision";
	else if (strcmp(note_kind_of(ev, "note_kind"), "learning") == 0)
		label = "Learning";
	else if (strcmp(note_kind_of(ev, "note_kind"), "challenge") == 0)
		label = "Challenge";
	else
		label = "Note";
	if (label)
		strbuf_puts(&o, label);
	else
		strbuf_printf(&o, "TODO, %s priority", priority_of(ev));
	if (at >= 0) {
		format_when(t->v, at, when, sizeof(when));
		strbuf_printf(&o, " (%s)", when);
	}
	strbuf_puts(&o, ": ");
	put_excerpt(&o, text, ACTIVITY_CLIP, 0, true);
	free(text);
	act_detail(t, &o);
}

static void event_item(struct timeline *t, const json_t *ev)
{
	struct view *v = t->v;
	const json_t *kj = json_object_get(ev, "kind");
	int64_t at = get_int(ev, "at", STAMP_MAX_MS);
	const char *kind = json_is_string(kj) ? json_string_value(kj) : "";
	const char *label = lifecycle_label(kind);
	struct strbuf o = {0};

	/* The daemon says whether a recovery followed a reboot or a crash of its own. */
	if (label && strcmp(kind, "recover") == 0 && json_is_false(json_object_get(ev, "reboot")))
		label = "Recovered after stintd stopped unexpectedly";
	if (label && strcmp(kind, "start") == 0 && json_is_string(json_object_get(ev, "auto")))
		label = "Session started automatically (activity in a watched repository)";
	char extra[96] = "", dur[64], when[40] = "";

	if (label) {
		if (strcmp(kind, "resume") == 0 && t->pause_at >= 0 && at >= t->pause_at) {
			duration_format_long((at - t->pause_at) / 1000, dur, sizeof(dur));
			snprintf(extra, sizeof(extra), ", paused %s", dur);
		}
		t->pause_at = strcmp(kind, "pause") == 0 ? at : -1;
		act_open_str(t, label, at, extra);
	} else if (strcmp(kind, "note") == 0 || strcmp(kind, "todo") == 0 ||
		   strcmp(kind, "decision") == 0) {
		event_detail(t, kind, ev, at);
	} else if (strcmp(kind, "branch") == 0) {
		char *from = get_text(v, ev, "from"), *to = get_text(v, ev, "to");

		if (to) {
			strbuf_puts(&o, "Switched branch: ");
			if (from) {
				put_inline_str(&o, from, TEMPLATE_MD_BOLD);
				strbuf_puts(&o, " → ");
			}
			put_inline_str(&o, to, TEMPLATE_MD_BOLD);
			if (at >= 0)
				format_when(v, at, when, sizeof(when));
			act_open(t, &o, when);
		}
		free(from);
		free(to);
	} else if (strcmp(kind, "pull") == 0) {
		int64_t n = get_int(ev, "commits", COUNT_MAX);

		strbuf_puts(&o, "Pulled");
		if (n >= 0) {
			strbuf_putc(&o, ' ');
			put_count(&o, n, "commit", "commits");
		}
		if (at >= 0)
			format_when(v, at, when, sizeof(when));
		act_open(t, &o, when);
	}
}

/* "14:30, +10 -2" */
static void put_commit_when(struct view *v, struct strbuf *o, const struct commit *c)
{
	char when[40];

	if (c->at >= 0) {
		format_when(v, c->at, when, sizeof(when));
		strbuf_puts(o, when);
	}
	if (c->added >= 0 && c->removed >= 0) {
		strbuf_puts(o, c->at >= 0 ? ", " : "");
		put_lines(o, c->added, c->removed);
	}
}

/* A run of consecutive commits: one item, or one item with a sub-item per commit. */
static size_t commit_items(struct timeline *t, const struct entry *e, size_t n)
{
	struct view *v = t->v;
	struct commit c;
	int64_t first_at = -1, last_at = -1;
	struct strbuf label = {0}, when = {0};
	int64_t added = 0, removed = 0;
	size_t m = 1;
	char buf[40];

	while (m < n && e[m].type == ENT_COMMIT)
		m++;
	if (m == 1) {
		commit_read(v, e[0].item, &c);
		strbuf_puts(&label, "Commit");
		if (c.hash[0])
			strbuf_printf(&label, " `%s`", c.hash);
		if (c.subject) {
			strbuf_puts(&label, ": ");
			put_excerpt(&label, c.subject, SUBJECT_CLIP, TEMPLATE_MD_BOLD, false);
		}
		put_commit_when(v, &when, &c);
		act_open(t, &label, when.s ? when.s : "");
		free(when.s);
		free(c.subject);
		return 1;
	}
	put_count(&label, (int64_t)m, "commit", "commits");
	act_open(t, &label, NULL);
	for (size_t i = 0; i < m; i++) {
		struct strbuf d = {0};

		commit_read(v, e[i].item, &c);
		if (c.hash[0])
			strbuf_printf(&d, "`%s` ", c.hash);
		if (c.subject)
			put_excerpt(&d, c.subject, SUBJECT_CLIP, 0, false);
		else
			strbuf_puts(&d, "(no subject)");
		if (c.at >= 0 || c.added >= 0) {
			strbuf_puts(&d, " (");
			put_commit_when(v, &d, &c);
			strbuf_putc(&d, ')');
		}
		act_detail(t, &d);
		if (i == 0)
			first_at = c.at;
		last_at = c.at;
		added = added >= 0 && c.added >= 0 ? added + c.added : -1;
		removed = removed >= 0 && c.removed >= 0 ? removed + c.removed : -1;
		free(c.subject);
	}
	if (first_at >= 0 && last_at >= 0) {
		format_when(v, first_at, buf, sizeof(buf));
		strbuf_puts(&when, buf);
		format_when(v, last_at, buf, sizeof(buf));
		strbuf_printf(&when, "–%s", buf);
	}
	if (added >= 0 && removed >= 0) {
		strbuf_puts(&when, when.len ? ", " : "");
		put_lines(&when, added, removed);
	}
	if (t->cur)
		set_out(v, t->cur, "when", &when);
	free(when.s);
	return m;
}

static void gap_item(struct timeline *t, const json_t *gap)
{
	int64_t from = get_int(gap, "from", STAMP_MAX_MS), to = get_int(gap, "to", STAMP_MAX_MS);
	char a[40], b[40], dur[64], when[160];
	struct strbuf label = {0};

	strbuf_puts(&label, str_eq(json_object_get(gap, "kind"), "suspend") ? "Suspended" : "Idle");
	format_when(t->v, from, a, sizeof(a));
	format_when(t->v, to, b, sizeof(b));
	duration_format_long((to - from) / 1000, dur, sizeof(dur));
	snprintf(when, sizeof(when), "%s–%s, %s", a, b, dur);
	act_open(t, &label, when);
	t->gap_end = to;
}

static bool gap_valid(const json_t *gap)
{
	const json_t *k = json_object_get(gap, "kind");
	int64_t from = get_int(gap, "from", STAMP_MAX_MS), to = get_int(gap, "to", STAMP_MAX_MS);

	return (str_eq(k, "idle") || str_eq(k, "suspend")) && from >= 0 && to >= from;
}

static void add_entry(struct entry *e, size_t *k, int64_t at, int rank, enum entry_type type,
		      const json_t *item)
{
	e[*k] = (struct entry){.at = at, .rank = rank, .seq = *k, .type = type, .item = item};
	(*k)++;
}

static const char *commit_id(const json_t *c)
{
	const json_t *h = json_object_get(c, "hash");

	return json_string_value(json_is_string(h) ? h : json_object_get(c, "oid"));
}

/* The first event of kind at or after from whose field key equals want, or -1. */
static ssize_t find_event(const json_t *events, size_t from, const char *kind, const char *key,
			  const json_t *want)
{
	for (size_t i = from; i < json_array_size(events); i++) {
		const json_t *ev = json_array_get(events, i);
		const json_t *have = json_object_get(ev, key);

		if (str_eq(json_object_get(ev, "kind"), kind) && have && json_equal(have, want))
			return (ssize_t)i;
	}
	return -1;
}

static int64_t clamp_key(int64_t x, int64_t lo, int64_t hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/*
 * Events, commits (oldest first) and gaps, by time; an event without one keeps its place.
 * Events are listed in the order they happened: each sorts at the latest wall time so far, so a
 * clock set back never moves one before an earlier one (its label keeps its own time). Gaps and
 * commits are placed between the events around them.
 */
static struct entry *timeline_entries(struct view *v, size_t *count)
{
	const json_t *events = get_array(v->rec, "events"), *gaps = get_array(v->rec, "gaps");
	const json_t *commits = get_array(v->stats, "commit_list");
	size_t nev = json_array_size(events);
	size_t n = nev + json_array_size(gaps) + json_array_size(commits) + 1;
	struct entry *e = calloc(n, sizeof(*e));
	int64_t *key = calloc(nev + 1, sizeof(*key));
	int64_t last = -1, stop_at = -1, pulled = get_int(v->stats, "pulled", COUNT_MAX);
	bool pull_event = false;
	size_t k = 0;

	if (!e || !key) {
		free(e);
		free(key);
		v->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < nev; i++) {
		const json_t *ev = json_array_get(events, i);
		int64_t at = get_int(ev, "at", STAMP_MAX_MS);
		const json_t *kind = json_object_get(ev, "kind");
		int rank = str_eq(kind, "start") ? 0 : str_eq(kind, "stop") ? 2 : 1;

		if (at > last)
			last = at;
		key[i] = last;
		if (str_eq(kind, "stop"))
			stop_at = last;
		pull_event |= str_eq(kind, "pull");
		add_entry(e, &k, last, rank, ENT_EVENT, ev);
	}
	for (size_t i = 0; i < json_array_size(gaps); i++) {
		const json_t *gap = json_array_get(gaps, i);
		int64_t from = get_int(gap, "from", STAMP_MAX_MS), at = from;
		ssize_t j;

		if (!gap_valid(gap))
			continue;
		/* A gap ends at an event: it goes after the one before that, by its length. */
		for (j = 1; j < (ssize_t)nev; j++)
			if (get_int(json_array_get(events, (size_t)j), "at", STAMP_MAX_MS) ==
			    get_int(gap, "to", STAMP_MAX_MS))
				break;
		if (j < (ssize_t)nev)
			at = clamp_key(key[j] - (get_int(gap, "to", STAMP_MAX_MS) - from),
				       key[j - 1], key[j]);
		add_entry(e, &k, at, 1, ENT_GAP, gap);
	}
	for (size_t i = json_array_size(commits); i > 0; i--) {
		const json_t *c = json_array_get(commits, i - 1);
		int64_t t = get_int(c, "time", STAMP_MAX_MS / 1000);
		const char *id = commit_id(c);
		json_t *want = id ? json_string(id) : NULL;
		ssize_t j = -1;

		/* Commit times are whole seconds: the end of its second, so a start or note made
		 * earlier in that second still comes first. */
		t = t >= 0 ? t * 1000 + 999 : -1;
		/* Seen by the daemon as a commit event: between the event before that and it. */
		if (want && (j = find_event(events, 1, "commit", "hash", want)) < 0)
			j = find_event(events, 1, "commit", "oid", want);
		json_decref(want);
		if (j > 0 && t >= 0)
			t = clamp_key(t, key[j - 1], key[j]);
		if (json_is_object(c))
			add_entry(e, &k, t, 1, ENT_COMMIT, c);
	}
	/* Pulled commits with no pull event to show them: just before the stop. */
	if (pulled > 0 && !pull_event)
		add_entry(e, &k, stop_at >= 0 ? stop_at : INT64_MAX, 1, ENT_PULLED, NULL);
	free(key);
	qsort(e, k, sizeof(*e), entry_cmp);
	*count = k;
	return e;
}

static void view_activities(struct view *v)
{
	struct timeline t = {.v = v, .list = json_array(), .pause_at = -1, .gap_end = -1};
	struct entry *e;
	size_t n = 0;

	if (!t.list) {
		v->oom = true;
		return;
	}
	e = timeline_entries(v, &n);
	for (size_t i = 0; e && i < n;) {
		struct strbuf o = {0};

		switch (e[i].type) {
		case ENT_EVENT:
			event_item(&t, e[i].item);
			break;
		case ENT_COMMIT:
			i += commit_items(&t, e + i, n - i);
			continue;
		case ENT_GAP:
			gap_item(&t, e[i].item);
			break;
		case ENT_PULLED:
			strbuf_puts(&o, "Pulled ");
			put_count(&o, get_int(v->stats, "pulled", COUNT_MAX), "commit", "commits");
			act_open(&t, &o, NULL);
			break;
		}
		i++;
	}
	free(e);
	/* No timeline: the start and stop stamps are all there is. */
	if (t.n == 0) {
		if (v->started_at >= 0)
			act_open_str(&t, "Session started", v->started_at, NULL);
		if (v->ended_at >= 0)
			act_open_str(&t, "Session stopped", v->ended_at, NULL);
	}
	act_close(&t);
	set_list(v, v->root, "activities", t.list);
}

/* --- notes, decisions, todos --------------------------------------------------------------- */

/* Calls fn on each note of the given kind that has a text. */
static void each_note(struct view *v, const char *kind, json_t *list,
		      void (*fn)(struct view *v, json_t *item, int nth, const char *text))
{
	const json_t *notes = get_array(v->rec, "notes");
	int count = 0;

	for (size_t i = 0; i < json_array_size(notes); i++) {
		const json_t *note = json_array_get(notes, i);
		char *text;
		json_t *item;

		if (strcmp(note_kind_of(note, "kind"), kind) != 0 ||
		    !(text = get_text(v, note, "text")))
			continue;
		item = item_new(v);
		fn(v, item, ++count, text);
		list_add(v, list, item);
		free(text);
	}
}

static void learning_item(struct view *v, json_t *item, int nth, const char *text)
{
	set_int(v, item, "n", nth);
	set_block(v, item, "text", text, 0);
}

static void challenge_item(struct view *v, json_t *item, int nth, const char *text)
{
	const char *rest = strchr(text, '\n');
	struct strbuf o = {0};
	bool clipped, more;

	first_line_clip(text, HEADING_CLIP, &clipped, &more);
	while (rest && rest[1] == '\n')
		rest++;
	set_int(v, item, "n", nth);
	put_excerpt(&o, text, HEADING_CLIP, TEMPLATE_MD_HEADING, false);
	set_out(v, item, "title", &o);
	/* The heading holds the first line; the rest is the problem, or all of a line cut short. */
	if (clipped)
		set_block(v, item, "problem", text, 0);
	else if (rest)
		set_block(v, item, "problem", rest + 1, 0);
}

static void note_item(struct view *v, json_t *item, int nth, const char *text)
{
	set_block(v, item, "text", text, BLOCK_FIRST_IS_BLOCK | TEMPLATE_MD_ITEM);
}

static void view_notes(struct view *v)
{
	json_t *learnings = json_array(), *challenges = json_array(), *notes = json_array();

	if (learnings && challenges && notes) {
		each_note(v, "learning", learnings, learning_item);
		each_note(v, "challenge", challenges, challenge_item);
		each_note(v, "note", notes, note_item);
	}
	set_list(v, v->root, "learnings", learnings);
	set_list(v, v->root, "challenges", challenges);
	set_list(v, v->root, "notes", notes);
}

static void view_decisions(struct view *v)
{
	const json_t *decisions = get_array(v->rec, "decisions");
	json_t *list = json_array();
	int count = 0;

	for (size_t i = 0; list && i < json_array_size(decisions); i++) {
		const json_t *d = json_array_get(decisions, i);
		char *text = get_text(v, d, "text"), *why;
		json_t *item;

		if (!text)
			continue;
		why = get_text(v, d, "why");
		item = item_new(v);
		set_numbered(v, item, ++count);
		set_inline(v, item, "text", text, TEMPLATE_MD_BOLD);
		set_block(v, item, "why", why, 0);
		list_add(v, list, item);
		free(text);
		free(why);
	}
	set_list(v, v->root, "decisions", list);
}

/* A path with a directory named adr, adrs or decisions (any case) on the way. */
static bool adr_path(const char *path)
{
	for (const char *p = path; *p;) {
		size_t k = strcspn(p, "/");

		if (p[k] == '/' && ((k == 3 && strncasecmp(p, "adr", 3) == 0) ||
				    (k == 4 && strncasecmp(p, "adrs", 4) == 0) ||
				    (k == 9 && strncasecmp(p, "decisions", 9) == 0)))
			return true;
		p += k + (p[k] == '/');
	}
	return false;
}

/* Where the log should point to reach a file of the repository (see docs/templates.md). */
static char *repo_file_link(struct view *v, const char *path)
{
	struct strbuf o = {0};
	char *rel;

	if (!v->repo || v->repo[0] != '/')
		return strdup(path);
	strbuf_puts(&o, v->repo);
	if (o.len && o.s[o.len - 1] != '/')
		strbuf_putc(&o, '/');
	strbuf_puts(&o, path);
	if (o.error) {
		free(o.s);
		return NULL;
	}
	if (v->log_dir && path_inside(v->log_dir, v->repo) &&
	    (rel = relative_path(v->log_dir, o.s))) {
		free(o.s);
		return rel;
	}
	return o.s;
}

/* Architecture decision records the session added or changed (not deleted). */
static void view_adrs(struct view *v)
{
	const json_t *files = get_array(v->stats, "files");
	json_t *list = json_array();

	for (size_t i = 0; list && i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		char *path = get_text(v, f, "path"), *target;
		struct strbuf o = {0};
		json_t *item;

		if (!path || str_eq(json_object_get(f, "status"), "D") || !adr_path(path) ||
		    strchr(path, '\n')) {
			free(path);
			continue;
		}
		item = item_new(v);
		put_code(&o, path, false);
		set_out(v, item, "path", &o);
		target = repo_file_link(v, path);
		strbuf_putc(&o, '[');
		put_code(&o, path, false);
		strbuf_puts(&o, "](");
		if (target)
			put_url(&o, target);
		strbuf_putc(&o, ')');
		set_out(v, item, "link", &o);
		list_add(v, list, item);
		free(target);
		free(path);
	}
	mark_last(v, list);
	set_list(v, v->root, "adrs", list);
}

static const char *const priorities[] = {"high", "medium", "low", "blocked"};

static int priority_index(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(p, priorities[i]) == 0)
			return i;
	return 1;
}

static bool word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Where the first whole-word TODO, FIXME or XXX is in s, and its length (0: none). */
static size_t todo_keyword(const char *s, size_t *len)
{
	static const char *const words[] = {"TODO", "FIXME", "XXX"};

	for (size_t i = 0; s[i]; i++) {
		if (i > 0 && word_char(s[i - 1]))
			continue;
		for (size_t w = 0; w < 3; w++) {
			size_t k = strlen(words[w]);

			if (strncmp(s + i, words[w], k) == 0 && !word_char(s[i + k])) {
				*len = k;
				return i;
			}
		}
	}
	*len = 0;
	return 0;
}

/*
 * A TODO line added by the session: "TODO(high)", "(medium)", "(low)", "(blocked)" right after
 * the keyword sets the priority; otherwise FIXME is high, TODO and XXX medium.
 */
static int code_todo_priority(const char *text, const char **from)
{
	size_t klen, at = todo_keyword(text, &klen);
	const char *p;

	*from = text + at;
	if (klen == 0)
		return 1;
	p = text + at + klen;
	if (*p == '(') {
		for (int i = 0; i < 4; i++) {
			size_t n = strlen(priorities[i]);

			if (strncasecmp(p + 1, priorities[i], n) == 0 && p[1 + n] == ')')
				return i;
		}
	}
	return klen == 5 ? 0 : 1;
}

static void code_todo(struct view *v, json_t *groups[4], const json_t *t)
{
	char *path = get_text(v, t, "path"), *text = get_text(v, t, "text");
	int64_t line = get_int(t, "line", COUNT_MAX);
	const char *from;
	struct strbuf o = {0}, w = {0};
	json_t *item;
	size_t n;
	int pri;

	if (!path || !text) {
		free(path);
		free(text);
		return;
	}
	pri = code_todo_priority(text, &from);
	/* The comment's end is not part of the task. */
	n = strlen(from);
	while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
		n--;
	if (n >= 2 && (strncmp(from + n - 2, "*/", 2) == 0 || strncmp(from + n - 2, "#}", 2) == 0 ||
		       strncmp(from + n - 2, "%}", 2) == 0))
		n -= 2;
	else if (n >= 3 && strncmp(from + n - 3, "-->", 3) == 0)
		n -= 3;
	while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
		n--;
	item = item_new(v);
	strbuf_putn(&o, from, n);
	if (o.len) {
		char *s = o.s;

		o = (struct strbuf){0};
		put_excerpt(&o, s, ACTIVITY_CLIP, 0, false);
		free(s);
	}
	set_out(v, item, "text", &o);
	strbuf_puts(&w, path);
	if (line >= 0)
		strbuf_printf(&w, ":%lld", (long long)line);
	if (w.s)
		put_code(&o, w.s, false);
	if (!o.error)
		o.error = w.error;
	free(w.s);
	set_out(v, item, "where", &o);
	list_add(v, groups[pri], item);
	free(path);
	free(text);
}

/* Fills "todos"; returns the `stint todo --next` items, for Next Steps. */
static json_t *view_todos(struct view *v)
{
	const json_t *todos = get_array(v->rec, "todos"),
		     *lines = get_array(v->stats, "todo_lines");
	json_t *groups[4], *next = json_array(), *obj = item_new(v);
	bool any = false;

	for (int i = 0; i < 4; i++)
		groups[i] = json_array();
	for (size_t i = 0; i < json_array_size(todos); i++) {
		const json_t *t = json_array_get(todos, i);
		char *text = get_text(v, t, "text"), *by;
		json_t *item;

		if (!text)
			continue;
		by = get_text(v, t, "blocked_by");
		item = item_new(v);
		set_inline(v, item, "text", text, 0);
		set_inline(v, item, "blocked_by", by, 0);
		/* `stint todo --next` items are for the next session: Next Steps lists them. */
		list_add(v,
			 json_is_true(json_object_get(t, "next"))
			     ? next
			     : groups[priority_index(priority_of(t))],
			 item);
		free(text);
		free(by);
	}
	for (size_t i = 0; i < json_array_size(lines); i++)
		code_todo(v, groups, json_array_get(lines, i));
	for (int i = 0; i < 4; i++) {
		any |= json_array_size(groups[i]) > 0;
		set_list(v, obj, priorities[i], groups[i]);
	}
	if (any)
		set_json(v, v->root, "todos", obj);
	else
		json_decref(obj);
	return next;
}

/* --- code changes, checks, next steps, related documentation ------------------------------- */

/* path -> indexes (oldest first) of the listed commits that touched it; NULL if not known. */
static json_t *commits_by_path(struct view *v, const json_t *commits)
{
	size_t n = json_array_size(commits);
	json_t *map;

	/* Only when every commit of the session is listed with its paths. */
	if (n == 0 || get_int(v->stats, "commits", COUNT_MAX) != (int64_t)n)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!get_array(json_array_get(commits, i), "paths"))
			return NULL;
	map = json_object();
	for (size_t i = n; map && i > 0; i--) {
		const json_t *paths = get_array(json_array_get(commits, i - 1), "paths");

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

/* The subjects of the session's commits that touched the file, else "uncommitted". */
static void file_description(struct view *v, const json_t *commits, const json_t *by_path,
			     const json_t *file, struct strbuf *o)
{
	const json_t *path = json_object_get(file, "path"), *idx;
	size_t shown = 0, total;

	if (!by_path) {
		if (get_int(v->stats, "commits", COUNT_MAX) == 0)
			strbuf_puts(o, "uncommitted");
		return;
	}
	idx = json_is_string(path) ? json_object_get(by_path, json_string_value(path)) : NULL;
	total = json_array_size(idx);
	for (size_t i = 0; i < total && shown < FILE_SUBJECTS; i++) {
		const json_t *c =
		    json_array_get(commits, (size_t)json_integer_value(json_array_get(idx, i)));
		char *s = get_text(v, c, "subject");

		if (!s)
			continue;
		s[strcspn(s, "\n")] = '\0';
		strbuf_puts(o, shown++ ? "; " : "");
		put_excerpt(o, s, SUBJECT_CLIP, TEMPLATE_MD_CELL, false);
		free(s);
	}
	if (total > shown && shown > 0)
		strbuf_printf(o, "; and %zu more", total - shown);
	if (total == 0)
		strbuf_puts(o, "uncommitted");
}

static void file_changes(struct view *v, const json_t *f, const char *path, struct strbuf *o)
{
	char *old = get_text(v, f, "old_path");
	bool binary = json_is_true(json_object_get(f, "binary"));
	int64_t added = get_int(f, "added", COUNT_MAX), removed = get_int(f, "removed", COUNT_MAX);
	bool lines = !binary && added >= 0 && removed >= 0;

	if (old && strcmp(old, path) != 0) {
		strbuf_puts(o, "renamed from ");
		put_code(o, old, true);
		if (binary)
			strbuf_puts(o, ", binary");
		else if (lines && (added > 0 || removed > 0))
			strbuf_printf(o, ", +%lld, -%lld", (long long)added, (long long)removed);
	} else if (binary) {
		strbuf_puts(o, "binary");
	} else if (lines) {
		strbuf_printf(o, "+%lld, -%lld", (long long)added, (long long)removed);
	}
	free(old);
}

static void view_files(struct view *v)
{
	const json_t *files = get_array(v->stats, "files"),
		     *commits = get_array(v->stats, "commit_list");
	int64_t max = get_int(v->rec, "max_file_rows", MAX_FILE_ROWS);
	json_t *list = json_array(), *by_path = commits_by_path(v, commits);
	size_t rows = 0, more = 0;
	struct strbuf o = {0};

	if (max <= 0)
		max = DEFAULT_FILE_ROWS;
	for (size_t i = 0; list && i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		char *path = get_text(v, f, "path");
		json_t *item;

		if (!path)
			continue;
		if (rows == (size_t)max) {
			more++;
			free(path);
			continue;
		}
		item = item_new(v);
		put_code(&o, path, true);
		set_out(v, item, "path", &o);
		file_changes(v, f, path, &o);
		set_out(v, item, "changes", &o);
		file_description(v, commits, by_path, f, &o);
		set_out(v, item, "description", &o);
		list_add(v, list, item);
		rows++;
		free(path);
	}
	json_decref(by_path);
	set_list(v, v->root, "files", list);
	if (more > 0) {
		strbuf_printf(&o, "… and %zu more %s", more, more == 1 ? "file" : "files");
		set_out(v, v->root, "files_more", &o);
	}
}

/* Terminal escapes (colours, titles) dropped from a check's output. */
static char *strip_escapes(const char *s, size_t n)
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
static void check_output(struct view *v, json_t *item, const json_t *tail)
{
	size_t starts[OUTPUT_LINES], nstarts = 0, len, from, run = 0, longest = 2;
	char *raw, *text;
	struct strbuf o = {0};

	if (!json_is_string(tail))
		return;
	raw = strip_escapes(json_string_value(tail), json_string_length(tail));
	text = raw ? text_clean(raw, strlen(raw), &v->oom) : NULL;
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
	set_out(v, item, "output", &o);
	free(text);
}

/* "42 passing, 2 failing, 1 skipped" from ctest/pytest/cargo counts. */
static void check_tests(struct view *v, json_t *item, const json_t *tests)
{
	int64_t passed = get_int(tests, "passed", COUNT_MAX),
		failed = get_int(tests, "failed", COUNT_MAX);
	int64_t skipped = get_int(tests, "skipped", COUNT_MAX);
	struct strbuf o = {0};

	if (passed < 0 && failed < 0 && skipped < 0)
		return;
	strbuf_printf(&o, "%lld passing", (long long)(passed > 0 ? passed : 0));
	if (failed > 0)
		strbuf_printf(&o, ", %lld failing", (long long)failed);
	if (skipped > 0)
		strbuf_printf(&o, ", %lld skipped", (long long)skipped);
	set_out(v, item, "tests", &o);
}

static void view_checks(struct view *v)
{
	const json_t *checks = get_array(v->rec, "checks");
	json_t *list = json_array(), *tested = json_array();

	for (size_t i = 0; list && tested && i < json_array_size(checks); i++) {
		const json_t *c = json_array_get(checks, i), *sec = json_object_get(c, "seconds");
		char *name = get_text(v, c, "name");
		bool ok = json_is_true(json_object_get(c, "ok"));
		int64_t code = get_int(c, "exit", 255);
		struct strbuf o = {0};
		json_t *item;

		if (!name)
			continue;
		item = item_new(v);
		set_inline(v, item, "name", name, 0);
		set_json(v, item, "ok", json_boolean(ok));
		strbuf_puts(&o, ok ? "✅ " : "⚠️ ");
		put_inline_str(&o, name, 0);
		if (!ok) {
			strbuf_puts(&o, " (");
			if (json_is_true(json_object_get(c, "timed_out")))
				strbuf_puts(&o, "timed out");
			else if (code >= 0)
				strbuf_printf(&o, "exit %lld", (long long)code);
			else
				strbuf_puts(&o, "failed");
			if (json_is_number(sec) && json_number_value(sec) >= 0 &&
			    json_number_value(sec) < (double)SECONDS_MAX)
				strbuf_printf(&o, ", %lld s",
					      (long long)(json_number_value(sec) + 0.5));
			strbuf_putc(&o, ')');
			check_output(v, item, json_object_get(c, "output_tail"));
		}
		set_out(v, item, "status", &o);
		check_tests(v, item, json_object_get(c, "tests"));
		if (json_object_get(item, "tests") && json_array_append(tested, item) < 0)
			v->oom = true;
		list_add(v, list, item);
		free(name);
	}
	set_list(v, v->root, "checks", list);
	set_list(v, v->root, "test_checks", tested);
}

/* Unchecked items of the previous log, then this session's `stint todo --next` items. */
static void view_next(struct view *v, json_t *next_todos)
{
	const json_t *carried = get_array(v->rec, "carried_todos");
	json_t *list = json_array();

	for (size_t i = 0; list && i < json_array_size(carried); i++) {
		const json_t *c = json_array_get(carried, i);
		char *text = json_is_string(c) ? clean_value(v, c) : get_text(v, c, "text");
		json_t *item;

		if (!text)
			continue;
		item = item_new(v);
		set_inline(v, item, "text", text, 0);
		list_add(v, list, item);
		free(text);
	}
	for (size_t i = 0; list && i < json_array_size(next_todos); i++)
		if (json_array_append(list, json_array_get(next_todos, i)) < 0)
			v->oom = true;
	json_decref(next_todos);
	set_list(v, v->root, "next", list);
}

static void view_refs(struct view *v)
{
	const json_t *refs = get_array(v->rec, "refs");
	json_t *issues = json_array(), *pulls = json_array();

	for (size_t i = 0; issues && pulls && i < json_array_size(refs); i++) {
		const json_t *r = json_array_get(refs, i), *kind = json_object_get(r, "kind");
		char *text = get_text(v, r, "text"), *url = get_text(v, r, "url");
		struct strbuf o = {0};
		json_t *item;

		if (text) {
			item = item_new(v);
			if (url && !strchr(url, '\n') &&
			    (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0)) {
				strbuf_putc(&o, '[');
				put_link_text(&o, text);
				strbuf_puts(&o, "](");
				put_url(&o, url);
				strbuf_putc(&o, ')');
			} else {
				put_inline_str(&o, text, 0);
			}
			set_out(v, item, "link", &o);
			list_add(v, str_eq(kind, "pr") || str_eq(kind, "pull") ? pulls : issues,
				 item);
		}
		free(text);
		free(url);
	}
	mark_last(v, issues);
	mark_last(v, pulls);
	set_list(v, v->root, "issues", issues);
	set_list(v, v->root, "pulls", pulls);
}

/* "./2026-11-24.md": relative to the log's directory when both are known, else a sibling. */
static char *log_link(struct view *v, const char *path)
{
	const char *base = strrchr(path, '/');
	struct strbuf o = {0};
	char *rel;

	if (path[0] == '/' && v->log_dir && (rel = relative_path(v->log_dir, path)))
		return rel;
	if (path[0] != '/' && (strncmp(path, "./", 2) == 0 || strncmp(path, "../", 3) == 0))
		return strdup(path);
	strbuf_puts(&o, "./");
	strbuf_puts(&o, path[0] == '/' && base ? base + 1 : path);
	return o.error ? (free(o.s), NULL) : o.s;
}

static void view_previous(struct view *v)
{
	const json_t *logs = get_array(v->rec, "previous_logs");
	json_t *list = json_array();

	for (size_t i = 0; list && i < json_array_size(logs); i++) {
		const json_t *l = json_array_get(logs, i);
		char *path = get_text(v, l, "path"), *date = get_text(v, l, "date");
		char *title = get_text(v, l, "title"), *target;
		struct strbuf o = {0};
		json_t *item;

		if (!path || strchr(path, '\n') || !(target = log_link(v, path))) {
			free(path);
			free(date);
			free(title);
			continue;
		}
		if (!date) {
			const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
			size_t n = strlen(base);

			date = strndup(base, n > 3 && strcmp(base + n - 3, ".md") == 0 ? n - 3 : n);
		}
		item = item_new(v);
		set_inline(v, item, "date", date, 0);
		set_inline(v, item, "title", title, 0);
		strbuf_putc(&o, '[');
		if (date)
			put_link_text(&o, date);
		strbuf_puts(&o, "](");
		put_url(&o, target);
		strbuf_putc(&o, ')');
		set_out(v, item, "link", &o);
		list_add(v, list, item);
		free(target);
		free(path);
		free(date);
		free(title);
	}
	mark_last(v, list);
	set_list(v, v->root, "previous_logs", list);
}

/* --- the view's schema, the view, rendering ------------------------------------------------ */

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
     "\"15:30–15:50, 20 minutes\"; the date comes first on another day than the start."},
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
     "\"+50, -20\", \"binary\", or \"renamed from `old`\" with its lines (table cell)."},
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
     "The branch at the start, \"main → feat/x\" when it changed; absent outside git."},
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
    {"checks", TEMPLATE_ENGINE_LIST, s_check, "The `[checks]` run at stop, in order."},
    {"test_checks", TEMPLATE_ENGINE_LIST, s_check, "The checks whose output had test counts."},
    {"next", TEMPLATE_ENGINE_LIST, s_next,
     "Next Steps: the previous log's unchecked items, then `stint todo --next` items."},
    {"issues", TEMPLATE_ENGINE_LIST, s_ref,
     "Issue references in commit messages and the branch name."},
    {"pulls", TEMPLATE_ENGINE_LIST, s_ref, "Pull and merge request references."},
    {"previous_logs", TEMPLATE_ENGINE_LIST, s_previous,
     "Earlier logs of the repository, newest first."},
    END,
};

json_t *template_view(const json_t *record)
{
	struct view v = {.rec = record};
	const json_t *st = json_object_get(record, "stats");
	int64_t counts[4];

	if (!json_is_object(record) || !(v.root = json_object()))
		return NULL;
	v.stats = json_is_object(st) && stats_counts(st, counts) ? st : NULL;
	v.focus = get_text(&v, record, "focus");
	v.branch = get_text(&v, record, "branch");
	v.branch_end = get_text(&v, record, "branch_end");
	v.author = get_text(&v, record, "author");
	v.repo_name = get_text(&v, record, "repo_name");
	v.repo = get_text(&v, record, "repo");
	v.log_dir = get_text(&v, record, "log_dir");
	v.started_at = get_int(record, "started_at", STAMP_MAX_MS);
	v.ended_at = get_int(record, "ended_at", STAMP_MAX_MS);
	if (v.started_at >= 0)
		time_format_local(v.started_at, "%Y-%m-%d", v.ref_day, sizeof(v.ref_day));

	view_header(&v);
	view_summary(&v);
	view_activities(&v);
	view_notes(&v);
	view_decisions(&v);
	view_adrs(&v);
	view_next(&v, view_todos(&v));
	view_files(&v);
	view_stats(&v);
	view_checks(&v);
	view_refs(&v);
	view_previous(&v);

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

const char *template_default(void)
{
	return session_template;
}

static struct template_engine *compile(const char *text, const char *name, char *err, size_t errn)
{
	if (!text)
		return template_engine_compile(session_template, "built-in session template",
					       view_schema, err, errn);
	return template_engine_compile(text, name && *name ? name : "template", view_schema, err,
				       errn);
}

int template_check(const char *text, const char *name, char *err, size_t errn)
{
	struct template_engine *t = compile(text, name, err, errn);

	if (!t)
		return -EINVAL;
	template_engine_free(t);
	return 0;
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
	t = compile(text, name, err, errn);
	if (!t)
		return NULL;
	view = template_view(record);
	if (!view) {
		snprintf(err, errn, "cannot render the session log: out of memory");
		template_engine_free(t);
		return NULL;
	}
	md = template_engine_render(t, view, err, errn);
	json_decref(view);
	template_engine_free(t);
	return md;
}

char *template_render(const json_t *record, char *err, size_t errn)
{
	return template_render_with(record, NULL, NULL, err, errn);
}

static void schema_rows(FILE *f, const struct template_engine_field *fields, const char *prefix)
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
			schema_rows(f, fields->fields, sub);
		}
	}
}

void template_write_schema(FILE *f)
{
	fputs("| Name | Kind | Value |\n|---|---|---|\n", f);
	schema_rows(f, view_schema, "");
}
