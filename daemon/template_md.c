#include "template_md.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

static bool template_md_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * True when cp, an invisible character, is part of an emoji: a joiner between two pictographs
 * (U+1F469 U+200D U+1F4BB), or the tag characters of a subdivision flag after U+1F3F4.
 */
static bool template_md_emoji_part(uint32_t prev, uint32_t cp, const unsigned char *next, size_t n)
{
	uint32_t after;

	if (cp == 0x200D)
		return utf8_is_pictographic(prev) && n > 0 && utf8_decode(next, n, &after) > 0 &&
		       utf8_is_pictographic(after);
	return cp >= 0xE0020 && cp <= 0xE007F &&
	       (prev == 0x1F3F4 || (prev >= 0xE0020 && prev <= 0xE007E));
}

char *template_md_clean(const char *s, size_t n, bool *oom)
{
	static const char repl[] = "\xEF\xBF\xBD";
	const unsigned char *u = (const unsigned char *)s;
	char *buf, *line;
	size_t w = 0, r = 0, len;
	bool pending_blank = false;
	uint32_t prev = 0;

	/* At most 4 bytes out per byte in: U+061C (2 bytes) becomes "<U+061C>". */
	if (n > (SIZE_MAX - 1) / 4 || !(buf = malloc(n * 4 + 1))) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = utf8_decode(u + i, n - i, &cp);

		if (k == 0 || utf8_is_control(cp)) {
			memcpy(buf + w, repl, 3);
			w += 3;
			i += k ? k : 1;
			cp = 0;
		} else if (cp == '\r') {
			buf[w++] = '\n';
			i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
		} else if (utf8_is_invisible(cp) &&
			   !template_md_emoji_part(prev, cp, u + i + k, n - i - k)) {
			/* Shown, not obeyed: a bidi override or a zero-width space cannot hide
			 * text. */
			w += (size_t)sprintf(buf + w, "<U+%04X>", (unsigned)cp);
			i += k;
			cp = 0;
		} else {
			memcpy(buf + w, s + i, k);
			w += k;
			i += k;
		}
		prev = cp;
	}
	/* Second pass, in place: it only ever shrinks the text. */
	len = w;
	w = 0;
	while (r < len) {
		size_t end = r, stop;

		while (end < len && buf[end] != '\n')
			end++;
		stop = end;
		while (stop > r && template_md_is_blank(buf[stop - 1]))
			stop--;
		line = buf + r;
		if (stop == r) {
			pending_blank = w > 0;
		} else {
			if (w == 0) {
				while (template_md_is_blank(*line))
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

size_t template_md_first_line_clip(const char *s, size_t max, bool *clipped, bool *more)
{
	size_t i = 0, ncp = 0;

	while (s[i] && s[i] != '\n') {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ncp++ == max)
			break;
		i++;
	}
	*clipped = s[i] != '\0' && s[i] != '\n';
	*more = strchr(s + i, '\n') != NULL;
	while (i > 0 && template_md_is_blank(s[i - 1]))
		i--;
	return i;
}

static bool template_md_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Where a backslash keeps the start of a line from opening a block (a heading, a list item, a
 * quote, a setext underline or a thematic break), or SIZE_MAX. Escaped wherever the line is
 * put, even after a label, so the same text always reads the same. ('*', '_', '`', '~', '<'
 * and '[' are escaped everywhere.)
 */
static size_t template_md_line_start(const char *s, size_t n)
{
	size_t k = 0, rest;

	if (n == 0)
		return SIZE_MAX;
	while (k < n && s[k] == s[0])
		k++;
	rest = k + strspn(s + k, " \t");
	/* "# h" (up to six), "- x", "+ x", "> q"; "---" or "===" under a line: a heading. */
	if ((s[0] == '#' && k <= 6 && (k == n || template_md_is_blank(s[k]))) ||
	    ((s[0] == '-' || s[0] == '+') && (n == 1 || template_md_is_blank(s[1]))) ||
	    ((s[0] == '-' || s[0] == '=') && rest >= n) || s[0] == '>')
		return 0;
	/* "- - -" is a thematic break */
	if (s[0] == '-' && strspn(s, "- \t") == n)
		return 0;
	for (k = 0; k < n && k < 10 && s[k] >= '0' && s[k] <= '9'; k++)
		;
	if (k > 0 && k <= 9 && k < n && (s[k] == '.' || s[k] == ')') &&
	    (k + 1 == n || template_md_is_blank(s[k + 1])))
		return k;
	return SIZE_MAX;
}

/* Whether s[i] must be backslash-escaped to read as itself anywhere in a line. */
static bool template_md_is_special(const char *s, size_t n, size_t i)
{
	switch (s[i]) {
	case '\\': /* escapes, hard breaks */
	case '`':  /* code spans, fences */
	case '*':  /* emphasis, list items, thematic breaks */
	case '[':  /* links, images, task boxes, reference definitions */
	case ']':
	case '<': /* HTML, comments, autolinks */
	case '|': /* table cells */
	case '~': /* strikethrough, fences */
	case '$': /* GitHub's math */
		return true;
	case '_': /* emphasis, but never inside a word: snake_case stays as typed */
		return !(i > 0 && template_md_is_alnum(s[i - 1]) && i + 1 < n &&
			 template_md_is_alnum(s[i + 1]));
	case '&': /* an entity: "&amp;" must not become "&" */
		return i + 1 < n && (template_md_is_alnum(s[i + 1]) || s[i + 1] == '#');
	default:
		return false;
	}
}

/* Where a closing run of '#' starts (it would end a heading), else SIZE_MAX. */
static size_t template_md_closing_hashes(const char *s, size_t n)
{
	size_t k = n;

	while (k > 0 && s[k - 1] == '#')
		k--;
	return k < n && (k == 0 || template_md_is_blank(s[k - 1])) ? k : SIZE_MAX;
}

/*
 * One line (no newline, no leading blank) as Markdown that renders as exactly its text: every
 * character that could start inline markup escaped, what would open a block at the start of the
 * line, and a closing run of '#' (which would end a heading).
 */
static void template_md_put_line(struct strbuf *o, const char *s, size_t n)
{
	size_t start = template_md_line_start(s, n), hash_at = template_md_closing_hashes(s, n);
	for (size_t i = 0; i < n; i++) {
		if (i == start || i == hash_at || template_md_is_special(s, n, i))
			strbuf_putc(o, '\\');
		strbuf_putc(o, s[i]);
	}
}

/* template_md_put_inline on the first n bytes of s. */
static void template_md_put_inline_n(struct strbuf *o, const char *s, size_t n)
{
	struct strbuf flat = {0};

	if (!memchr(s, '\n', n)) {
		template_md_put_line(o, s, n);
		return;
	}
	/* One line: a newline and the blanks around it become one space. */
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n') {
			strbuf_putc(&flat, s[i]);
			continue;
		}
		while (flat.len > 0 && template_md_is_blank(flat.s[flat.len - 1]))
			flat.len--;
		while (i + 1 < n && (s[i + 1] == '\n' || template_md_is_blank(s[i + 1])))
			i++;
		strbuf_putc(&flat, ' ');
	}
	if (flat.error && !o->error)
		o->error = flat.error;
	else if (flat.len > 0)
		template_md_put_line(o, flat.s, flat.len);
	free(flat.s);
}

void template_md_put_inline(struct strbuf *o, const char *s, unsigned flags)
{
	(void)flags;
	template_md_put_inline_n(o, s, strlen(s));
}

void template_md_put_excerpt(struct strbuf *o, const char *s, size_t max, unsigned flags,
			     bool more_lines)
{
	bool clipped, more;
	size_t n = template_md_first_line_clip(s, max, &clipped, &more);

	(void)flags;
	template_md_put_inline_n(o, s, n);
	if (clipped || (more && more_lines))
		strbuf_puts(o, "…");
}

void template_md_put_block(struct strbuf *o, const char *s, size_t indent, unsigned flags)
{
	bool first = true;

	(void)flags;
	while (*s) {
		size_t n = strcspn(s, "\n"), ws = 0;

		if (!first) {
			strbuf_putc(o, '\n');
			if (n > 0)
				strbuf_spaces(o, indent);
		}
		/* Indentation would make code of the line, or end the list item: it goes. */
		while (ws < n && template_md_is_blank(s[ws]))
			ws++;
		template_md_put_line(o, s + ws, n - ws);
		first = false;
		s += n;
		if (*s == '\n')
			s++;
	}
}

static char *template_md_finish(struct strbuf *o, bool oom)
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
	char *t = text ? template_md_clean(text, strlen(text), &oom) : NULL;

	if (t)
		template_md_put_inline(&o, t, flags);
	free(t);
	return template_md_finish(&o, oom);
}

char *template_md_block(const char *text, int indent, unsigned flags)
{
	struct strbuf o = {0};
	bool oom = false;
	char *t = text ? template_md_clean(text, strlen(text), &oom) : NULL;

	if (t)
		template_md_put_block(&o, t, indent < 0 ? 0 : (size_t)indent,
				      flags | TEMPLATE_MD_FIRST_IS_BLOCK);
	free(t);
	return template_md_finish(&o, oom);
}

/* cmark-gfm, GitHub's renderer, matches no code span fence of 80 backticks or more. */
#define TEMPLATE_MD_MAX_FENCE 79

void template_md_put_code(struct strbuf *o, const char *s, bool cell)
{
	size_t run = 0, longest = 0, n = strlen(s);
	bool pad;

	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	/* No fence fits: inline text reads as the text too, only not in a code font. */
	if (longest + 1 > TEMPLATE_MD_MAX_FENCE) {
		template_md_put_inline(o, s, cell ? TEMPLATE_MD_CELL : 0);
		return;
	}
	/* A code span loses one space at each end when it has one at both: pad to keep them. */
	pad = n > 0 && (s[0] == '`' || s[n - 1] == '`' ||
			(s[0] == ' ' && s[n - 1] == ' ' && strspn(s, " ") < n));
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

void template_md_put_link_text(struct strbuf *o, const char *s)
{
	template_md_put_inline_n(o, s, strlen(s));
}

void template_md_put_url(struct strbuf *o, const char *s)
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

/* The length of the code span opening at s[i] (a backtick run closed by one as long), or 0. */
static size_t template_md_code_span(const char *s, size_t n, size_t i)
{
	size_t run = strspn(s + i, "`"), j = i + run;

	while (j < n) {
		size_t k = strspn(s + j, "`");

		if (k == 0) {
			j++;
		} else if (k == run) {
			return j + k - i;
		} else {
			j += k;
		}
	}
	return 0;
}

/* template_md_put_markdown on one flattened line. */
static void template_md_put_kept_line(struct strbuf *o, const char *s, size_t n)
{
	size_t start = template_md_line_start(s, n), hash_at = template_md_closing_hashes(s, n);
	for (size_t i = 0; i < n; i++) {
		size_t span;

		if (s[i] == '\\' && i + 1 < n && s[i + 1] > ' ' && s[i + 1] < 0x7F &&
		    !template_md_is_alnum(s[i + 1])) {
			strbuf_putn(o, s + i, 2);
			i++;
			continue;
		}
		if (s[i] == '`' && (span = template_md_code_span(s, n, i)) > 0) {
			strbuf_putn(o, s + i, span);
			i += span - 1;
			continue;
		}
		if (i == start || i == hash_at || template_md_is_special(s, n, i))
			strbuf_putc(o, '\\');
		strbuf_putc(o, s[i]);
	}
}

void template_md_put_markdown(struct strbuf *o, const char *s)
{
	struct strbuf flat = {0};

	for (const char *p = s; *p; p++)
		strbuf_putc(&flat, *p == '\n' ? ' ' : *p);
	if (flat.error && !o->error)
		o->error = flat.error;
	else if (flat.len > 0)
		template_md_put_kept_line(o, flat.s, flat.len);
	free(flat.s);
}
