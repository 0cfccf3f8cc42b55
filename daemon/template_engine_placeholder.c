#include "template_engine_placeholder.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "template_engine_int.h"

/* One line of the rendered text, and what becomes of it. */
struct tep_line {
	size_t start, len; /* without its newline */
	bool nl;
	size_t s0, s1; /* its prompts: spans s0 to s1 - 1 */
	bool fence;    /* in a code block, or one of its fences */
	bool only;     /* prompts alone, with list markers, pipes and blanks */
	bool row;      /* a body row of a table */
	bool table;    /* a row (or the header) of a table that goes as a whole */
	bool orphan;   /* drop: a list item's bold label whose sub-items all went */
};

static void template_engine_placeholder_add(struct template_engine_spans *sp, size_t start,
					    size_t end)
{
	struct template_engine_span *v;

	if (sp->error)
		return;
	v = array_grow(sp->v, &sp->cap, sp->n, sizeof(*v), 16);
	if (!v) {
		sp->error = true;
		return;
	}
	sp->v = v;
	sp->v[sp->n++] = (struct template_engine_span){start, end};
}

/* A task list's box ("[ ]", "[x]") is no prompt. */
static bool template_engine_placeholder_is_box(const char *s, size_t n)
{
	return n == 1 && (s[0] == ' ' || s[0] == 'x' || s[0] == 'X');
}

void template_engine_placeholder_scan(struct template_engine_spans *sp, const char *text,
				      size_t len, size_t base)
{
	for (size_t i = 0; i < len; i++) {
		size_t k;

		/* Escaped, an image, or a reference link's label ("[a][b]"). */
		if (text[i] != '[' ||
		    (i > 0 && (text[i - 1] == '\\' || text[i - 1] == '!' || text[i - 1] == ']')))
			continue;
		for (k = i + 1; k < len && text[k] != ']' && text[k] != '[' && text[k] != '\n'; k++)
			;
		if (k >= len || text[k] != ']')
			continue;
		/* A link, a reference or its definition: "[a](b)", "[a][b]", "[a]: b". */
		if (k + 1 < len && (text[k + 1] == '(' || text[k + 1] == '[' || text[k + 1] == ':'))
			continue;
		if (k == i + 1 || template_engine_placeholder_is_box(text + i + 1, k - i - 1))
			continue;
		template_engine_placeholder_add(sp, base + i, base + k + 1);
		i = k;
	}
}

void template_engine_placeholder_spans_free(struct template_engine_spans *sp)
{
	free(sp->v);
	sp->v = NULL;
	sp->n = sp->cap = 0;
}

static bool template_engine_placeholder_has(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(s + i, needle, m) == 0)
			return true;
	return false;
}

/* "```" or "~~~" after the indentation: a code fence opens or closes. */
static bool template_engine_placeholder_fence(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && template_engine_is_blank(s[i]))
		i++;
	return n - i >= 3 && (s[i] == '`' || s[i] == '~') && s[i + 1] == s[i] && s[i + 2] == s[i];
}

/* Is in[i, stop) a list item's label for what follows, "**Previous**:" or "Issues:"? */
static bool template_engine_placeholder_label(const char *in, size_t i, size_t stop)
{
	while (stop > i && template_engine_is_blank(in[stop - 1]))
		stop--;
	if (stop - i >= 3 && memcmp(in + stop - 2, "**", 2) == 0)
		stop -= 2;
	return stop > i && in[stop - 1] == ':';
}

/* Is the line, its prompts taken out, only blanks, pipes, and a list marker and its label? */
static bool template_engine_placeholder_only(const char *in, const struct tep_line *l,
					     const struct template_engine_spans *sp)
{
	size_t i = l->start, end = l->start + l->len, s = l->s0;
	bool first = true, marker = false, label = false;

	if (l->s0 == l->s1)
		return false;
	while (i < end) {
		char ch = in[i];

		if (s < l->s1 && i == sp->v[s].start) {
			i = sp->v[s++].end;
			first = false;
			continue;
		}
		if (template_engine_is_blank(ch) || ch == '|') {
			i++;
			continue;
		}
		if (marker && !label && s < l->s1 &&
		    template_engine_placeholder_label(in, i, sp->v[s].start)) {
			/* "- **Previous**: [X%]": the label has nothing to say without its prompt.
			 */
			label = true;
			first = false;
			i = sp->v[s].start;
			continue;
		}
		if (!first)
			return false;
		first = false;
		/* The list marker: "-", "*", "+", "1." or "1)" and a blank. */
		if (ch == '-' || ch == '*' || ch == '+') {
			i++;
		} else {
			size_t d = i;

			while (d < end && d - i < 9 && in[d] >= '0' && in[d] <= '9')
				d++;
			if (d == i || d >= end || (in[d] != '.' && in[d] != ')'))
				return false;
			i = d + 1;
		}
		if (i < end && !template_engine_is_blank(in[i]))
			return false;
		marker = true;
	}
	return true;
}

/* A table's delimiter row: "|---|:---:|", "--- | ---". */
static bool template_engine_placeholder_delim(const char *s, size_t n)
{
	bool dash = false, pipe = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-')
			dash = true;
		else if (s[i] == '|')
			pipe = true;
		else if (s[i] != ':' && !template_engine_is_blank(s[i]))
			return false;
	}
	return dash && pipe;
}

static bool template_engine_placeholder_row(const char *in, const struct tep_line *l)
{
	return !l->fence && l->len > 0 && memchr(in + l->start, '|', l->len) &&
	       !template_engine_placeholder_delim(in + l->start, l->len);
}

/*
 * A table whose body rows are all prompts goes as a whole, header included (drop), or becomes
 * one comment (comment). Rows of prompts in a table that keeps other rows are not marked: their
 * prompts go where they stand, so the table stays one table.
 */
static void template_engine_placeholder_tables(const char *in, struct tep_line *ln, size_t n,
					       enum template_engine_placeholders mode)
{
	for (size_t i = 1; i < n; i++) {
		size_t b = i + 1, e = b;
		bool all = true, dashes = false;

		if (ln[i].fence ||
		    !template_engine_placeholder_delim(in + ln[i].start, ln[i].len) ||
		    !template_engine_placeholder_row(in, &ln[i - 1]))
			continue;
		for (; e < n && template_engine_placeholder_row(in, &ln[e]); e++) {
			ln[e].row = true;
			all = all && ln[e].only;
			dashes = dashes || template_engine_placeholder_has(in + ln[e].start,
									   ln[e].len, "-->");
		}
		if (e == b || !all ||
		    (mode == TEMPLATE_ENGINE_PLACEHOLDERS_COMMENT &&
		     (dashes ||
		      template_engine_placeholder_has(in + ln[i - 1].start, ln[i - 1].len, "-->"))))
			continue;
		for (size_t k = i - 1; k < e; k++)
			ln[k].table = true;
		i = e;
	}
}

/* The line with its prompts commented out or dropped where they stand. */
static void template_engine_placeholder_inline(const char *in, const struct tep_line *l,
					       const struct template_engine_spans *sp,
					       enum template_engine_placeholders mode,
					       struct strbuf *out)
{
	size_t pos = l->start, end = l->start + l->len;

	for (size_t s = l->s0; s < l->s1; s++) {
		const struct template_engine_span *p = &sp->v[s];
		size_t upto = p->start;

		if (mode == TEMPLATE_ENGINE_PLACEHOLDERS_DROP) {
			/* "Label: [x]" loses the space before the prompt too. */
			if (upto > pos && in[upto - 1] == ' ' &&
			    (p->end == end || in[p->end] == ' '))
				upto--;
			strbuf_putn(out, in + pos, upto - pos);
		} else if (template_engine_placeholder_has(in + p->start, p->end - p->start,
							   "--")) {
			/* No comment can hold it: left as it is. */
			strbuf_putn(out, in + pos, p->end - pos);
		} else {
			strbuf_putn(out, in + pos, upto - pos);
			strbuf_puts(out, "<!-- ");
			strbuf_putn(out, in + p->start, p->end - p->start);
			strbuf_puts(out, " -->");
		}
		pos = p->end;
	}
	strbuf_putn(out, in + pos, end - pos);
}

static void template_engine_placeholder_line(const char *in, const struct tep_line *l,
					     const struct template_engine_spans *sp,
					     enum template_engine_placeholders mode,
					     struct strbuf *out)
{
	const char *s = in + l->start;
	size_t ind = 0;

	if (l->fence || l->s0 == l->s1) {
		strbuf_putn(out, s, l->len);
	} else if (!l->only || (l->row && mode == TEMPLATE_ENGINE_PLACEHOLDERS_COMMENT)) {
		/* A row commented out as a line would end its table: its cells are, instead. */
		template_engine_placeholder_inline(in, l, sp, mode, out);
	} else if (mode == TEMPLATE_ENGINE_PLACEHOLDERS_DROP) {
		return;
	} else if (template_engine_placeholder_has(s, l->len, "-->")) {
		strbuf_putn(out, s, l->len);
	} else {
		while (ind < l->len && template_engine_is_blank(s[ind]))
			ind++;
		strbuf_putn(out, s, ind);
		strbuf_puts(out, "<!-- ");
		strbuf_putn(out, s + ind, l->len - ind);
		strbuf_puts(out, " -->");
	}
	if (l->nl)
		strbuf_putc(out, '\n');
}

/* Splits in into lines, each with its prompts, fences and whether it is prompts alone. */
static struct tep_line *template_engine_placeholder_lines(const struct strbuf *in,
							  const struct template_engine_spans *sp,
							  size_t *nlines)
{
	const char *p = in->s ? in->s : "";
	struct tep_line *ln = NULL, *g;
	size_t n = 0, cap = 0, pos = 0, s = 0;
	bool fence = false;

	while (pos < in->len) {
		const char *nl = memchr(p + pos, '\n', in->len - pos);
		size_t len = nl ? (size_t)(nl - (p + pos)) : in->len - pos;
		struct tep_line *l;

		if (!(g = array_grow(ln, &cap, n, sizeof(*ln), 64))) {
			free(ln);
			return NULL;
		}
		ln = g;
		l = &ln[n++];
		*l = (struct tep_line){.start = pos, .len = len, .nl = nl != NULL};
		while (s < sp->n && sp->v[s].start < pos)
			s++;
		l->s0 = s;
		while (s < sp->n && sp->v[s].end <= pos + len)
			s++;
		l->s1 = s;
		if (template_engine_placeholder_fence(p + pos, len)) {
			fence = !fence;
			l->fence = true;
		} else {
			l->fence = fence;
		}
		l->only = !l->fence && template_engine_placeholder_only(p, l, sp);
		pos += len + 1;
	}
	*nlines = n;
	return ln;
}

/* "- **GitHub**:" alone on its line (user text never has raw "**": it is escaped). */
static bool template_engine_placeholder_bold_label(const char *s, size_t n, size_t *indent)
{
	size_t i = 0, close;

	while (i < n && s[i] == ' ')
		i++;
	*indent = i;
	while (n > i && template_engine_is_blank(s[n - 1]))
		n--;
	if (n - i < 7 || (s[i] != '-' && s[i] != '*' && s[i] != '+') || s[i + 1] != ' ' ||
	    memcmp(s + i + 2, "**", 2) != 0)
		return false;
	if (memcmp(s + n - 3, "**:", 3) == 0)
		close = n - 3;
	else if (memcmp(s + n - 3, ":**", 3) == 0)
		close = n - 2;
	else
		return false;
	return close > i + 4 && !memchr(s + i + 4, '*', close - (i + 4));
}

/* Whether line i goes in drop mode: prompts alone, a table of them, or an orphaned label. */
static bool template_engine_placeholder_gone(const struct tep_line *l)
{
	return l->table || (l->only && !l->fence && l->s0 != l->s1) || l->orphan;
}

/* Drop: a list item's label goes when every sub-item under it went (bottom up, so nested). */
static void template_engine_placeholder_orphans(const char *in, struct tep_line *ln, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		size_t ind, sub;
		bool had = false, alive = false;

		if (ln[i].fence || ln[i].s0 != ln[i].s1 ||
		    !template_engine_placeholder_bold_label(in + ln[i].start, ln[i].len, &ind))
			continue;
		for (size_t j = i + 1; j < n && ln[j].len > 0; j++) {
			for (sub = 0; sub < ln[j].len && in[ln[j].start + sub] == ' '; sub++)
				;
			if (sub <= ind)
				break;
			had = true;
			alive = alive || !template_engine_placeholder_gone(&ln[j]);
		}
		ln[i].orphan = had && !alive;
	}
}

void template_engine_placeholder_apply(const struct strbuf *in,
				       const struct template_engine_spans *sp,
				       enum template_engine_placeholders mode, struct strbuf *out)
{
	struct tep_line *ln = NULL;
	size_t n = 0;

	if (mode == TEMPLATE_ENGINE_PLACEHOLDERS_KEEP || sp->error || sp->n == 0 ||
	    !(ln = template_engine_placeholder_lines(in, sp, &n))) {
		strbuf_putn(out, in->s ? in->s : "", in->len);
		return;
	}
	template_engine_placeholder_tables(in->s, ln, n, mode);
	if (mode == TEMPLATE_ENGINE_PLACEHOLDERS_DROP)
		template_engine_placeholder_orphans(in->s, ln, n);
	for (size_t i = 0; i < n; i++) {
		if (ln[i].orphan)
			continue;
		if (!ln[i].table) {
			template_engine_placeholder_line(in->s, &ln[i], sp, mode, out);
			continue;
		}
		/* A whole table: gone, or one comment around it. */
		if (mode == TEMPLATE_ENGINE_PLACEHOLDERS_DROP)
			continue;
		if (i == 0 || !ln[i - 1].table)
			strbuf_puts(out, "<!--\n");
		strbuf_putn(out, in->s + ln[i].start, ln[i].len);
		strbuf_putc(out, '\n');
		if (i + 1 == n || !ln[i + 1].table)
			strbuf_puts(out, "-->\n");
	}
	free(ln);
}
