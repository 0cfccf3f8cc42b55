#include "template.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "timeutil.h"

/* Stamps after 9999-12-31 and durations beyond ~31,000 years are nonsense: treated as absent. */
#define STAMP_MAX_MS 253402300799999LL
#define SECONDS_MAX  1000000000000LL
/* Longest excerpt of a text in the Activities timeline and in a challenge heading. */
#define ACTIVITY_CLIP 100
#define HEADING_CLIP  80

#define PROMPT_TITLE "[Brief Descriptive Title]"

struct out {
	char *s;
	size_t len, cap;
	bool oom;
};

/* What the renderer knows about the record, cleaned once; absent fields are NULL or -1. */
struct render {
	struct out o;
	const json_t *rec;
	char *focus, *branch, *branch_end, *author, *summary, *repo_name, *repo;
	int64_t started_at, ended_at;
	int64_t active_s, wall_s, paused_s;
	/* Local date of the start: timeline entries on another day carry their date. */
	char ref_day[16];
};

/* --- output buffer ----------------------------------------------------------------------- */

static bool out_reserve(struct out *o, size_t n)
{
	size_t cap;
	char *s;

	if (o->oom)
		return false;
	if (o->len + n + 1 <= o->cap)
		return true;
	cap = o->cap ? o->cap : 4096;
	while (cap < o->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			o->oom = true;
			return false;
		}
		cap *= 2;
	}
	s = realloc(o->s, cap);
	if (!s) {
		o->oom = true;
		return false;
	}
	o->s = s;
	o->cap = cap;
	return true;
}

static void out_putn(struct out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void out_puts(struct out *o, const char *s)
{
	out_putn(o, s, strlen(s));
}

static void out_putc(struct out *o, char c)
{
	out_putn(o, &c, 1);
}

static void out_spaces(struct out *o, int n)
{
	for (int i = 0; i < n; i++)
		out_putc(o, ' ');
}

__attribute__((format(printf, 2, 3))) static void out_printf(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_putn(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* --- text cleaning ----------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid (overlong, surrogate...). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		len = 2, c = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, c = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

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
		size_t k = utf8_seq(u + i, n - i, &cp);

		if (k == 0 || (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') || cp == 0x7F ||
		    (cp >= 0x80 && cp <= 0x9F)) {
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
static void put_inline(struct out *o, const char *s, size_t n, unsigned flags)
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
			out_putc(o, ' ');
			continue;
		}
		if (i == hash_at || (c == '|' && (flags & TEMPLATE_MD_CELL)) ||
		    (c == '*' && (flags & TEMPLATE_MD_BOLD)) ||
		    (c == '\\' && (flags & (TEMPLATE_MD_CELL | TEMPLATE_MD_BOLD))))
			out_putc(o, '\\');
		out_putc(o, c);
	}
}

static void put_inline_str(struct out *o, const char *s, unsigned flags)
{
	put_inline(o, s, strlen(s), flags);
}

/*
 * The first line, shortened to max code points with an ellipsis when cut; more_lines also marks
 * a text that goes on after its first line (when the rest is not shown nearby).
 */
static void put_excerpt(struct out *o, const char *s, size_t max, unsigned flags, bool more_lines)
{
	bool clipped, more;
	size_t n = first_line_clip(s, max, &clipped, &more);

	/* After a cut the ellipsis ends the heading, so no "#" run can close it. */
	put_inline(o, s, n, clipped ? flags & ~(unsigned)TEMPLATE_MD_HEADING : flags);
	if (clipped || (more && more_lines))
		out_puts(o, "…");
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
static void put_block(struct out *o, const char *s, int indent, unsigned flags)
{
	bool first = true, in_fence = false;
	size_t flen = 0;
	char fc = 0;

	while (*s || first) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s), ws = 0, col = 0;
		long at = -1;

		if (!first) {
			out_putc(o, '\n');
			if (n > 0)
				out_spaces(o, indent);
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
			out_putn(o, s, ws + (size_t)at);
			out_putc(o, '\\');
			out_putn(o, s + ws + at, n - ws - (size_t)at);
		} else {
			out_putn(o, s, n);
		}
		first = false;
		s += n;
		if (*s == '\n')
			s++;
		else
			break;
	}
	if (in_fence) {
		out_putc(o, '\n');
		out_spaces(o, indent);
		for (size_t i = 0; i < flen; i++)
			out_putc(o, fc);
	}
}

static char *md_finish(struct out *o)
{
	if (o->oom) {
		free(o->s);
		return NULL;
	}
	return o->s ? o->s : strdup("");
}

char *template_md_inline(const char *text, unsigned flags)
{
	struct out o = {0};
	char *t = text ? text_clean(text, strlen(text), &o.oom) : NULL;

	if (t)
		put_inline_str(&o, t, flags);
	free(t);
	return md_finish(&o);
}

char *template_md_block(const char *text, int indent, unsigned flags)
{
	struct out o = {0};
	char *t = text ? text_clean(text, strlen(text), &o.oom) : NULL;

	if (t)
		put_block(&o, t, indent < 0 ? 0 : indent, flags | BLOCK_FIRST_IS_BLOCK);
	free(t);
	return md_finish(&o);
}

/* --- record access: a missing field or one of the wrong type is absent ------------------- */

static char *clean_value(struct render *r, const json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	return text_clean(json_string_value(v), json_string_length(v), &r->o.oom);
}

static char *get_text(struct render *r, const json_t *obj, const char *key)
{
	return clean_value(r, json_object_get(obj, key));
}

static int64_t get_int(const json_t *obj, const char *key, int64_t max)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	return i >= 0 && i <= max ? (int64_t)i : -1;
}

static const json_t *get_array(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_array(v) ? v : NULL;
}

static bool str_eq(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* "14:05", or "2025-11-26 00:15" on another day than the start. */
static void format_when(struct render *r, int64_t at, char *buf, size_t n)
{
	char day[16];

	time_format_local(at, "%Y-%m-%d", day, sizeof(day));
	if (!r->ref_day[0])
		snprintf(r->ref_day, sizeof(r->ref_day), "%s", day);
	time_format_local(at, strcmp(day, r->ref_day) == 0 ? "%H:%M" : "%Y-%m-%d %H:%M", buf, n);
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

/* --- sections: one function each, in the template's order -------------------------------- */

static void sec_header(struct render *r)
{
	struct out *o = &r->o;
	char buf[128], *words = NULL;

	out_puts(o, "# Session: ");
	if (r->focus) {
		put_inline_str(o, r->focus, TEMPLATE_MD_HEADING);
	} else if (r->branch && (words = branch_words(r->branch))) {
		put_inline_str(o, words, TEMPLATE_MD_HEADING);
	} else if (r->repo_name || r->repo) {
		const char *name = r->repo_name;

		if (!name) {
			name = strrchr(r->repo, '/');
			name = name && name[1] ? name + 1 : r->repo;
		}
		out_puts(o, "Session in ");
		put_inline_str(o, name, TEMPLATE_MD_HEADING);
	} else {
		out_puts(o, PROMPT_TITLE);
	}
	free(words);

	out_puts(o, "\n\n**Date:** ");
	if (r->started_at >= 0) {
		time_format_local(r->started_at, "%Y-%m-%d", buf, sizeof(buf));
		out_puts(o, buf);
	} else {
		out_puts(o, "YYYY-MM-DD");
	}

	out_puts(o, "  \n**Duration:** ");
	if (r->active_s >= 0) {
		duration_format_long(r->active_s, buf, sizeof(buf));
		out_puts(o, buf);
		if (r->wall_s >= 0 &&
		    (r->wall_s - r->active_s >= 60 || r->active_s - r->wall_s >= 60)) {
			duration_format_long(r->wall_s, buf, sizeof(buf));
			out_printf(o, " (wall %s", buf);
			if (r->paused_s > 0) {
				duration_format_long(r->paused_s, buf, sizeof(buf));
				out_printf(o, ", paused %s", buf);
			}
			out_putc(o, ')');
		}
	} else {
		out_puts(o, "X hours Y minutes");
	}

	out_puts(o, "  \n**Focus:** ");
	if (r->focus)
		put_inline_str(o, r->focus, 0);
	else
		out_puts(o, "[Main objective or area of work]");

	out_puts(o, "  \n**Branch:** ");
	if (r->branch) {
		put_inline_str(o, r->branch, 0);
		if (r->branch_end && strcmp(r->branch, r->branch_end) != 0) {
			out_puts(o, " → ");
			put_inline_str(o, r->branch_end, 0);
		}
	} else if (r->branch_end) {
		put_inline_str(o, r->branch_end, 0);
	} else {
		out_puts(o, "none (not a git repository)");
	}
	out_putc(o, '\n');
}

static void sec_summary(struct render *r)
{
	out_puts(&r->o, "## Summary\n\n");
	if (r->summary)
		put_block(&r->o, r->summary, 0, BLOCK_FIRST_IS_BLOCK);
	else
		out_puts(&r->o,
			 "[One paragraph (3-5 sentences) summarizing what was accomplished in "
			 "this session. Should give someone a quick understanding of the work "
			 "done without reading details.]");
	out_putc(&r->o, '\n');
}

struct timeline {
	int item;	  /* number of the open activity, 0 before the first */
	int64_t pause_at; /* when the last pause began, or -1 */
};

static void activity_open(struct render *r, struct timeline *t, const char *label, int64_t at,
			  const char *extra)
{
	char when[40];

	if (t->item > 0)
		out_putc(&r->o, '\n');
	out_printf(&r->o, "%d. **%s**", ++t->item, label);
	if (at >= 0) {
		format_when(r, at, when, sizeof(when));
		out_printf(&r->o, " (%s%s)", when, extra ? extra : "");
	}
	out_putc(&r->o, '\n');
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

/* A note, todo or decision as a detail line under the activity it happened in. */
static void activity_detail(struct render *r, struct timeline *t, const char *kind,
			    const json_t *ev, int64_t at)
{
	char *text = get_text(r, ev, "text");
	char label[64], when[40];

	if (!text)
		return;
	if (strcmp(kind, "todo") == 0 && strcmp(priority_of(ev), "blocked") == 0)
		snprintf(label, sizeof(label), "TODO, blocked");
	else if (strcmp(kind, "todo") == 0)
		snprintf(label, sizeof(label), "TODO, %s priority", priority_of(ev));
	else if (strcmp(kind, "decision") == 0)
		snprintf(label, sizeof(label), "Decision");
	else if (strcmp(note_kind_of(ev, "note_kind"), "learning") == 0)
		snprintf(label, sizeof(label), "Learning");
	else if (strcmp(note_kind_of(ev, "note_kind"), "challenge") == 0)
		snprintf(label, sizeof(label), "Challenge");
	else
		snprintf(label, sizeof(label), "Note");
	if (t->item == 0)
		activity_open(r, t, "Session events", -1, NULL);
	out_spaces(&r->o, number_width(t->item) + 2);
	out_printf(&r->o, "- %s", label);
	if (at >= 0) {
		format_when(r, at, when, sizeof(when));
		out_printf(&r->o, " (%s)", when);
	}
	out_puts(&r->o, ": ");
	put_excerpt(&r->o, text, ACTIVITY_CLIP, 0, true);
	out_putc(&r->o, '\n');
	free(text);
}

static void sec_activities(struct render *r)
{
	const json_t *events = get_array(r->rec, "events");
	struct timeline t = {.item = 0, .pause_at = -1};
	char extra[96], dur[64];

	out_puts(&r->o, "## Activities\n\n");
	for (size_t i = 0; events && i < json_array_size(events); i++) {
		const json_t *ev = json_array_get(events, i), *kj = json_object_get(ev, "kind");
		int64_t at = get_int(ev, "at", STAMP_MAX_MS);
		const char *kind = json_is_string(kj) ? json_string_value(kj) : "";
		const char *label = lifecycle_label(kind);

		extra[0] = '\0';
		if (label && strcmp(kind, "resume") == 0 && t.pause_at >= 0 && at >= t.pause_at) {
			duration_format_long((at - t.pause_at) / 1000, dur, sizeof(dur));
			snprintf(extra, sizeof(extra), ", paused %s", dur);
		}
		if (label) {
			t.pause_at = strcmp(kind, "pause") == 0 ? at : -1;
			activity_open(r, &t, label, at, extra);
		} else if (strcmp(kind, "note") == 0 || strcmp(kind, "todo") == 0 ||
			   strcmp(kind, "decision") == 0) {
			activity_detail(r, &t, kind, ev, at);
		}
	}
	if (t.item > 0)
		return;
	/* No timeline: the start and stop stamps are all we know. */
	if (r->started_at >= 0)
		activity_open(r, &t, "Session started", r->started_at, NULL);
	if (r->ended_at >= 0)
		activity_open(r, &t, "Session stopped", r->ended_at, NULL);
	if (t.item == 0)
		out_puts(&r->o, "[Chronological list of what was done during the session:]\n");
}

/* Calls fn on each note of the given kind that has a text; returns how many. */
static int each_note(struct render *r, const char *kind,
		     void (*fn)(struct render *r, int nth, const json_t *item, const char *text))
{
	const json_t *notes = get_array(r->rec, "notes");
	int count = 0;

	for (size_t i = 0; notes && i < json_array_size(notes); i++) {
		const json_t *item = json_array_get(notes, i);
		char *text;

		if (strcmp(note_kind_of(item, "kind"), kind) != 0 ||
		    !(text = get_text(r, item, "text")))
			continue;
		fn(r, ++count, item, text);
		free(text);
	}
	return count;
}

static void learning_item(struct render *r, int nth, const json_t *item, const char *text)
{
	out_printf(&r->o, "- **Learning %d**: ", nth);
	put_block(&r->o, text, 2, 0);
	out_putc(&r->o, '\n');
}

static void sec_learnings(struct render *r)
{
	struct out *o = &r->o;

	out_puts(o, "## Key Learnings\n\n");
	if (each_note(r, "learning", learning_item) == 0)
		out_puts(o,
			 "[Important insights gained during this session that would benefit future "
			 "work:]\n");
	out_puts(o,
		 "\n### Technical Insights\n"
		 "[Specific technical details learned, performance characteristics discovered, "
		 "gotchas encountered]\n"
		 "\n### Process Insights\n"
		 "[Development workflow improvements, tool usage tips, time estimation lessons]\n");
}

static void sec_decisions(struct render *r)
{
	const json_t *decisions = get_array(r->rec, "decisions");
	int count = 0;

	out_puts(&r->o, "## Decisions Made\n\n");
	for (size_t i = 0; decisions && i < json_array_size(decisions); i++) {
		const json_t *item = json_array_get(decisions, i);
		char *text = get_text(r, item, "text"), *why;
		int indent;

		if (!text)
			continue;
		why = get_text(r, item, "why");
		if (count > 0)
			out_putc(&r->o, '\n');
		out_printf(&r->o, "%d. **", ++count);
		put_inline_str(&r->o, text, TEMPLATE_MD_BOLD);
		out_puts(&r->o, "**\n");
		indent = number_width(count) + 2;
		out_spaces(&r->o, indent);
		out_puts(&r->o, "- **Rationale**: ");
		if (why)
			put_block(&r->o, why, indent + 2, 0);
		else
			out_puts(&r->o, "[Why this decision was made]");
		out_putc(&r->o, '\n');
		out_spaces(&r->o, indent);
		out_puts(&r->o, "- **Impact**: [What this affects]\n");
		free(text);
		free(why);
	}
	if (count == 0)
		out_puts(&r->o, "[Decisions made during this session, with context:]\n");
}

static int todo_list(struct render *r, const char *priority, bool dry_run)
{
	const json_t *todos = get_array(r->rec, "todos");
	int count = 0;

	for (size_t i = 0; todos && i < json_array_size(todos); i++) {
		const json_t *item = json_array_get(todos, i);
		const json_t *tv = json_object_get(item, "text");
		char *text, *by;

		if (strcmp(priority_of(item), priority) != 0 || !json_is_string(tv))
			continue;
		if (dry_run) {
			/* Counted as the real run will: a text that cleans to nothing is skipped.
			 */
			if ((text = get_text(r, item, "text")))
				count++;
			free(text);
			continue;
		}
		if (!(text = get_text(r, item, "text")))
			continue;
		by = get_text(r, item, "blocked_by");
		out_puts(&r->o, "- [ ] ");
		put_inline_str(&r->o, text, 0);
		if (by) {
			out_puts(&r->o, " - Blocked by: ");
			put_inline_str(&r->o, by, 0);
		} else if (strcmp(priority, "blocked") == 0) {
			out_puts(&r->o, " - Blocked by: [What's blocking it]");
		}
		out_putc(&r->o, '\n');
		count++;
		free(text);
		free(by);
	}
	return count;
}

static void sec_todos(struct render *r)
{
	static const char *const groups[][3] = {
	    {"high", "High Priority", "[TODO item with clear action - why it's important]"},
	    {"medium", "Medium Priority", "[TODO item]"},
	    {"low", "Low Priority / Nice to Have", "[TODO item]"},
	    {"blocked", "Blocked", "[Blocked item - Blocked by: what's blocking it]"},
	};
	int total = 0;

	out_puts(&r->o, "## TODOs Created\n\n");
	for (size_t g = 0; g < 4; g++)
		total += todo_list(r, groups[g][0], true);
	if (total == 0)
		out_puts(&r->o, "[New tasks identified during this session:]\n\n");
	for (size_t g = 0; g < 4; g++) {
		out_printf(&r->o, "%s### %s\n", g ? "\n" : "", groups[g][1]);
		if (todo_list(r, groups[g][0], false) == 0)
			out_printf(&r->o, "%s\n", groups[g][2]);
	}
}

static void sec_code_changes(struct render *r)
{
	out_puts(&r->o,
		 "## Code Changes\n\n"
		 "### Files Modified\n\n"
		 "| File | Changes | Description |\n"
		 "|------|---------|-------------|\n"
		 "| [path/to/file] | [+added, -removed] | [Brief description of changes] |\n\n"
		 "### Statistics\n"
		 "- **Commits**: [N commits]\n"
		 "- **Lines added**: [+N]\n"
		 "- **Lines removed**: [-N]\n"
		 "- **Net change**: [±N]\n"
		 "- **Files changed**: [N files]\n\n"
		 "### Key Code Patterns\n\n"
		 "[If new patterns were introduced, document them:]\n");
}

static void sec_performance(struct render *r)
{
	out_puts(&r->o, "## Performance Metrics\n\n"
			"[If applicable - benchmarks, profiling results, etc.:]\n\n"
			"| Metric | Before | After | Change |\n"
			"|--------|--------|-------|--------|\n"
			"| [Metric] | [Before] | [After] | [±Change] |\n\n"
			"### Benchmark Results\n\n"
			"[Benchmark output, if any, in a code block]\n");
}

static void challenge_item(struct render *r, int nth, const json_t *item, const char *text)
{
	bool clipped, more;
	const char *rest = strchr(text, '\n');

	first_line_clip(text, HEADING_CLIP, &clipped, &more);
	while (rest && rest[1] == '\n')
		rest++;
	if (nth > 1)
		out_putc(&r->o, '\n');
	out_printf(&r->o, "### Challenge %d: ", nth);
	put_excerpt(&r->o, text, HEADING_CLIP, TEMPLATE_MD_HEADING, false);
	out_puts(&r->o, "\n- **Problem**: ");
	/* The heading holds the first line; the rest goes here, or all of a line cut short. */
	if (clipped)
		put_block(&r->o, text, 2, 0);
	else if (rest)
		put_block(&r->o, rest + 1, 2, 0);
	else
		out_puts(&r->o, "[Detailed description of the issue]");
	out_puts(&r->o, "\n- **Solution**: [What worked]\n"
			"- **Learning**: [Key takeaway for future]\n");
}

static void sec_challenges(struct render *r)
{
	out_puts(&r->o, "## Challenges & Solutions\n\n");
	if (each_note(r, "challenge", challenge_item) == 0)
		out_puts(&r->o, "[Significant problems encountered and how they were resolved:]\n");
}

static void sec_testing(struct render *r)
{
	out_puts(&r->o,
		 "## Testing\n\n"
		 "### Tests Run\n"
		 "[Test suites run and their results: ✅ passing, ⚠️ failing (with plans to "
		 "fix)]\n\n"
		 "### Test Coverage\n"
		 "- **Previous**: [X%]\n"
		 "- **Current**: [Y%]\n"
		 "- **Change**: [±Z%]\n\n"
		 "### New Tests Added\n"
		 "[New tests and what each one covers]\n");
}

static void sec_quality(struct render *r)
{
	out_puts(&r->o,
		 "## Quality Checks\n\n"
		 "[Formatter, linter, tests, dependency audit: ✅ clean, or ⚠️ what is left "
		 "(describe)]\n");
}

static void sec_next_steps(struct render *r)
{
	out_puts(&r->o, "## Next Steps\n\n"
			"### Immediate (Next Session)\n"
			"[Tasks to tackle in the very next development session:]\n\n"
			"### This Week\n"
			"[Goals for this week:]\n\n"
			"### Future / Ideas\n"
			"[Longer-term ideas or tasks for later:]\n");
}

static void sec_related(struct render *r)
{
	out_puts(&r->o, "## Related Documentation\n\n"
			"- **ADRs**: [Link to ADR-NNN]\n"
			"- **GitHub**:\n"
			"  - Issues: [#NNN]\n"
			"  - Pull Requests: [#NNN]\n"
			"  - Discussions: [#NNN]\n"
			"- **Previous sessions**:\n"
			"  - [Link to a related session log]\n"
			"- **External resources**:\n"
			"  - [Link to article/doc that helped]\n");
}

static void note_item(struct render *r, int nth, const json_t *item, const char *text)
{
	out_puts(&r->o, "- ");
	put_block(&r->o, text, 2, BLOCK_FIRST_IS_BLOCK | TEMPLATE_MD_ITEM);
	out_putc(&r->o, '\n');
}

static void sec_session_notes(struct render *r)
{
	out_puts(&r->o, "## Session Notes\n\n");
	if (each_note(r, "note", note_item) == 0)
		out_puts(&r->o,
			 "[Any additional observations, thoughts, or context that doesn't fit "
			 "above but might be useful later:]\n");
}

static void sec_team(struct render *r)
{
	out_puts(&r->o,
		 "## Team Communication\n\n"
		 "[If this session involved collaboration or has info relevant to the team:]\n\n"
		 "### Updates Shared\n"
		 "[Where updates were posted and who was notified]\n\n"
		 "### Blockers Identified\n"
		 "[Who or what the work is waiting on]\n");
}

static void sec_metadata(struct render *r)
{
	const json_t *tags = get_array(r->rec, "tags");
	struct out *o = &r->o;
	char day[16];
	int ntags = 0;

	out_puts(o, "---\n\n## Metadata\n\n**Created by**: ");
	if (r->author)
		put_inline_str(o, r->author, 0);
	else
		out_puts(o, "[Your name]");
	out_puts(o, "  \n**Last updated**: ");
	if (r->ended_at >= 0) {
		time_format_local(r->ended_at, "%Y-%m-%d", day, sizeof(day));
		out_puts(o, day);
	} else {
		out_puts(o, "YYYY-MM-DD");
	}
	out_puts(o, "  \n**Related branch**: ");
	if (r->branch_end || r->branch)
		put_inline_str(o, r->branch_end ? r->branch_end : r->branch, 0);
	else
		out_puts(o, "none");
	for (size_t i = 0; tags && i < json_array_size(tags); i++) {
		char *tag = clean_value(r, json_array_get(tags, i));

		if (!tag)
			continue;
		out_puts(o, ntags++ ? ", " : "  \n**Tags**: ");
		put_inline_str(o, tag, 0);
		free(tag);
	}
	out_puts(o, "  \n**Review status**: Draft\n");
}

static void sec_archive(struct render *r)
{
	out_puts(&r->o,
		 "---\n\n## Archive\n\n"
		 "[After some time, when looking back at this session log, add notes about "
		 "outcomes:]\n\n"
		 "### Long-term Impact\n"
		 "[Added 30-90 days later - did the decisions pan out? Were the learnings "
		 "valuable?]\n\n"
		 "### What Actually Happened\n"
		 "[If plans changed, document what actually happened vs. what was planned]\n");
}

static void (*const sections[])(struct render *r) = {
    sec_header,	  sec_summary,	    sec_activities,  sec_learnings,	sec_decisions,
    sec_todos,	  sec_code_changes, sec_performance, sec_challenges,	sec_testing,
    sec_quality,  sec_next_steps,   sec_related,     sec_session_notes, sec_team,
    sec_metadata, sec_archive,
};

char *template_render(const json_t *record, char *err, size_t errn)
{
	struct render r = {.rec = record};
	char *text;

	if (!json_is_object(record)) {
		snprintf(err, errn, "the session record is not a JSON object");
		return NULL;
	}
	r.focus = get_text(&r, record, "focus");
	r.branch = get_text(&r, record, "branch");
	r.branch_end = get_text(&r, record, "branch_end");
	r.author = get_text(&r, record, "author");
	r.summary = get_text(&r, record, "summary");
	r.repo_name = get_text(&r, record, "repo_name");
	r.repo = get_text(&r, record, "repo");
	r.started_at = get_int(record, "started_at", STAMP_MAX_MS);
	r.ended_at = get_int(record, "ended_at", STAMP_MAX_MS);
	r.active_s = get_int(record, "active_s", SECONDS_MAX);
	r.wall_s = get_int(record, "wall_s", SECONDS_MAX);
	r.paused_s = get_int(record, "paused_s", SECONDS_MAX);
	if (r.started_at >= 0)
		time_format_local(r.started_at, "%Y-%m-%d", r.ref_day, sizeof(r.ref_day));

	for (size_t i = 0; i < sizeof(sections) / sizeof(*sections) && !r.o.oom; i++) {
		if (i > 0)
			out_putc(&r.o, '\n');
		sections[i](&r);
	}

	free(r.focus);
	free(r.branch);
	free(r.branch_end);
	free(r.author);
	free(r.summary);
	free(r.repo_name);
	free(r.repo);
	text = r.o.oom ? NULL : r.o.s;
	if (!text) {
		free(r.o.s);
		snprintf(err, errn, "cannot render the session log: out of memory");
	}
	return text;
}
