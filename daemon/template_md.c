#include "template_md.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

static bool template_md_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

char *template_md_clean(const char *s, size_t n, bool *oom)
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

/* template_md_put_inline on the first n bytes of s. */
static void template_md_put_inline_n(struct strbuf *o, const char *s, size_t n, unsigned flags)
{
	size_t hash_at = SIZE_MAX;

	/* "Fix #" would lose its "#" as the heading's closing sequence. */
	if (flags & TEMPLATE_MD_HEADING) {
		size_t k = n;

		while (k > 0 && s[k - 1] == '#')
			k--;
		if (k < n && (k == 0 || template_md_is_blank(s[k - 1]) || s[k - 1] == '\n'))
			hash_at = k;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			while (i + 1 < n && (s[i + 1] == '\n' || template_md_is_blank(s[i + 1])))
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

void template_md_put_inline(struct strbuf *o, const char *s, unsigned flags)
{
	template_md_put_inline_n(o, s, strlen(s), flags);
}

void template_md_put_excerpt(struct strbuf *o, const char *s, size_t max, unsigned flags,
			     bool more_lines)
{
	bool clipped, more;
	size_t n = template_md_first_line_clip(s, max, &clipped, &more);

	/* After a cut the ellipsis ends the heading, so no "#" run can close it. */
	template_md_put_inline_n(o, s, n, clipped ? flags & ~(unsigned)TEMPLATE_MD_HEADING : flags);
	if (clipped || (more && more_lines))
		strbuf_puts(o, "…");
}

static bool template_md_only_chars(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return n > 0;
}

static bool template_md_thematic_break(const char *p, size_t n)
{
	size_t count = 0;

	if (p[0] != '-' && p[0] != '*' && p[0] != '_')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == p[0])
			count++;
		else if (!template_md_is_blank(p[i]))
			return false;
	}
	return count >= 3;
}

/* Length of the fence opening p ("```" or "~~~", 3 or more), or 0. */
static size_t template_md_fence_open(const char *p, size_t n)
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

static bool template_md_fence_close(const char *p, size_t n, char fc, size_t flen)
{
	size_t k = 0;

	while (k < n && p[k] == fc)
		k++;
	if (k < flen)
		return false;
	while (k < n && template_md_is_blank(p[k]))
		k++;
	return k == n;
}

/*
 * Where a backslash must go to keep a line (after its indentation) from opening a block that
 * escapes its place, or -1. item: the line begins a list item, so nested list, quote and task
 * markers would also change the item's meaning.
 */
static long template_md_block_marker(const char *p, size_t n, bool item)
{
	size_t k = 0;

	if (n == 0)
		return -1;
	if (p[0] == '#') {
		while (k < n && p[k] == '#')
			k++;
		if (k <= 6 && (k == n || template_md_is_blank(p[k])))
			return 0;
	}
	if (template_md_only_chars(p, n, '=') || template_md_only_chars(p, n, '-') ||
	    template_md_thematic_break(p, n))
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
		    (n == 3 || template_md_is_blank(p[3])))
			return 0;
	}
	if (!item)
		return -1;
	if ((p[0] == '-' || p[0] == '+' || p[0] == '*') && (n == 1 || template_md_is_blank(p[1])))
		return 0;
	if (p[0] == '>')
		return 0;
	for (k = 0; k < n && k < 10 && p[k] >= '0' && p[k] <= '9'; k++)
		;
	if (k > 0 && k <= 9 && k < n && (p[k] == '.' || p[k] == ')') &&
	    (k + 1 == n || template_md_is_blank(p[k + 1])))
		return (long)k;
	return -1;
}

void template_md_put_block(struct strbuf *o, const char *s, size_t indent, unsigned flags)
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
		while (ws < n && template_md_is_blank(s[ws])) {
			col = s[ws] == '\t' ? col + 4 - col % 4 : col + 1;
			ws++;
		}
		if (n == 0 || (first && !(flags & TEMPLATE_MD_FIRST_IS_BLOCK))) {
			/* Empty, or following a label on the same line: nothing opens a block. */
		} else if (in_fence) {
			if (col < 4 && template_md_fence_close(s + ws, n - ws, fc, flen))
				in_fence = false;
		} else if (col < 4) {
			size_t k = template_md_fence_open(s + ws, n - ws);

			if (k) {
				in_fence = true;
				fc = s[ws];
				flen = k;
			} else {
				at = template_md_block_marker(s + ws, n - ws,
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

void template_md_put_code(struct strbuf *o, const char *s, bool cell)
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

void template_md_put_link_text(struct strbuf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '[' || *s == ']' || *s == '\\')
			strbuf_putc(o, '\\');
		strbuf_putc(o, *s == '\n' ? ' ' : *s);
	}
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
