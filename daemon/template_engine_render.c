#include "template_engine_render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "template_engine_int.h"
#include "template_engine_placeholder.h"
#include "utf8.h"

/* Rendering a compiled template with a view: sections, inverted sections, values, and the
 * Markdown tidying after. */

struct render {
	const struct template_engine *t;
	const json_t *ctx[MAX_DEPTH + 1];
	int nctx;
	struct strbuf out;
	unsigned long steps;
	bool prompts;			    /* scan the template's text for its prompts */
	struct template_engine_spans spans; /* where they are in out */
};

static const json_t *template_engine_render_lookup(const struct render *r, const struct node *nd)
{
	const json_t *v = nd->depth < r->nctx ? r->ctx[nd->depth] : NULL;

	for (int i = 0; i < nd->npath && v; i++)
		v = json_is_object(v) ? json_object_get(v, nd->path[i]) : NULL;
	return v;
}

static bool template_engine_render_has_object_item(const json_t *arr)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (json_is_object(json_array_get(arr, i)))
			return true;
	return false;
}

static bool template_engine_render_truthy(const struct node *nd, const json_t *v)
{
	switch (nd->kind) {
	case TEMPLATE_ENGINE_TEXT:
		return json_is_string(v) && json_string_length(v) > 0;
	case TEMPLATE_ENGINE_NUMBER:
		return json_is_integer(v) && json_integer_value(v) != 0;
	case TEMPLATE_ENGINE_FLAG:
		return json_is_true(v);
	case TEMPLATE_ENGINE_OBJECT:
		return json_is_object(v);
	case TEMPLATE_ENGINE_LIST:
		return json_is_array(v) && template_engine_render_has_object_item(v);
	}
	return false;
}

/*
 * Where the text of the output's current line starts: its indentation, plus a list marker
 * ("- ", "* ", "+ ", "1. ", "1) ") and the spaces after it. A multi-line value continues there,
 * so it stays inside its list item.
 */
static size_t template_engine_render_hanging_indent(const struct strbuf *b)
{
	const char *s = b->s;
	size_t start = b->len, i, col = 0, k = 0, sp = 0;

	while (start > 0 && s[start - 1] != '\n')
		start--;
	for (i = start; i < b->len && template_engine_is_blank(s[i]); i++)
		col = s[i] == '\t' ? col + 4 - col % 4 : col + 1;
	if (i < b->len && (s[i] == '-' || s[i] == '*' || s[i] == '+')) {
		k = 1;
	} else {
		while (i + k < b->len && k < 9 && s[i + k] >= '0' && s[i + k] <= '9')
			k++;
		if (k == 0 || i + k >= b->len || (s[i + k] != '.' && s[i + k] != ')'))
			return col;
		k++;
	}
	while (i + k + sp < b->len && s[i + k + sp] == ' ' && sp < 4)
		sp++;
	return sp > 0 ? col + k + sp : col;
}

static void template_engine_render_put_value(struct render *r, const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	size_t indent;

	if (!nl) {
		strbuf_putn(&r->out, s, n);
		return;
	}
	indent = template_engine_render_hanging_indent(&r->out);
	while (nl) {
		size_t k = (size_t)(nl - s) + 1;

		strbuf_putn(&r->out, s, k);
		s += k;
		n -= k;
		if (n > 0 && *s != '\n')
			strbuf_spaces(&r->out, indent);
		nl = memchr(s, '\n', n);
	}
	strbuf_putn(&r->out, s, n);
}

static void template_engine_render_nodes(struct render *r, size_t begin, size_t end)
{
	for (size_t i = begin; i < end && !r->out.error;) {
		const struct node *nd = &r->t->nodes[i];
		const json_t *v;
		char num[32];

		if (++r->steps > MAX_STEPS) {
			r->out.error = E2BIG;
			return;
		}
		switch (nd->type) {
		case N_TEXT:
			if (r->prompts)
				template_engine_placeholder_scan(&r->spans, nd->text, nd->len,
								 r->out.len);
			strbuf_putn(&r->out, nd->text, nd->len);
			i++;
			continue;
		case N_VAR:
			v = template_engine_render_lookup(r, nd);
			/* strlen: a NUL inside a string would end the output early. */
			if (nd->kind == TEMPLATE_ENGINE_TEXT && json_is_string(v)) {
				template_engine_render_put_value(r, json_string_value(v),
								 strlen(json_string_value(v)));
			} else if (nd->kind == TEMPLATE_ENGINE_NUMBER && json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld",
					 (long long)json_integer_value(v));
				strbuf_puts(&r->out, num);
			}
			i++;
			continue;
		case N_SECTION:
			v = template_engine_render_lookup(r, nd);
			if (!template_engine_render_truthy(nd, v)) {
				/* nothing */
			} else if (nd->push && nd->kind == TEMPLATE_ENGINE_LIST) {
				for (size_t k = 0; k < json_array_size(v) && !r->out.error; k++) {
					const json_t *item = json_array_get(v, k);

					/* An empty body still costs its loop. */
					if (++r->steps > MAX_STEPS) {
						r->out.error = E2BIG;
						return;
					}
					if (!json_is_object(item))
						continue;
					r->ctx[r->nctx++] = item;
					template_engine_render_nodes(r, i + 1, nd->end);
					r->nctx--;
				}
			} else if (nd->push) {
				r->ctx[r->nctx++] = v;
				template_engine_render_nodes(r, i + 1, nd->end);
				r->nctx--;
			} else {
				template_engine_render_nodes(r, i + 1, nd->end);
			}
			i = nd->end;
			continue;
		case N_INVERTED:
			if (!template_engine_render_truthy(nd,
							   template_engine_render_lookup(r, nd)))
				template_engine_render_nodes(r, i + 1, nd->end);
			i = nd->end;
			continue;
		}
		i++;
	}
}

/*
 * A code fence's run ("```", "~~~~") at the start of a line, after its indentation: its length
 * (0 if none) and character; *after is where the run ends.
 */
static size_t template_engine_render_fence_run(const char *p, size_t n, char *ch, size_t *after)
{
	size_t i = 0, k;

	while (i < n && template_engine_is_blank(p[i]))
		i++;
	if (n - i < 3 || (p[i] != '`' && p[i] != '~'))
		return 0;
	for (k = i; k < n && p[k] == p[i]; k++)
		;
	if (k - i < 3)
		return 0;
	*ch = p[i];
	*after = k;
	return k - i;
}

static bool template_engine_render_blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!template_engine_is_blank(p[i]))
			return false;
	return true;
}

/* The output's tidying; see template_engine_render. */
static void template_engine_render_tidy(const struct strbuf *in, struct strbuf *out)
{
	const char *p = in->s ? in->s : "", *end = p + in->len;
	bool in_fence = false, prev_blank = true;
	size_t flen = 0;
	char fch = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), k, after = 0;
		char ch = 0;

		if (in_fence) {
			k = template_engine_render_fence_run(p, n, &ch, &after);
			if (k >= flen && ch == fch &&
			    template_engine_render_blank_line(p + after, n - after))
				in_fence = false;
			strbuf_putn(out, p, n);
			strbuf_putc(out, '\n');
			prev_blank = false;
		} else if (template_engine_render_blank_line(p, n)) {
			if (!prev_blank)
				strbuf_putc(out, '\n');
			prev_blank = true;
		} else {
			k = template_engine_render_fence_run(p, n, &ch, &after);
			/* A backtick fence's info string has no backtick; else it is inline code.
			 */
			if (k && !(ch == '`' && memchr(p + after, '`', n - after))) {
				in_fence = true;
				fch = ch;
				flen = k;
			}
			strbuf_putn(out, p, n);
			strbuf_putc(out, '\n');
			prev_blank = false;
		}
		p += n + 1;
	}
	/* At most one blank line is left at the end. */
	if (!out->error && prev_blank && out->len > 1 && out->s[out->len - 2] == '\n')
		out->s[--out->len] = '\0';
}

char *template_engine_render(const struct template_engine *t, const json_t *view, char *err,
			     size_t errn)
{
	return template_engine_render_placeholders(t, view, TEMPLATE_ENGINE_PLACEHOLDERS_KEEP, err,
						   errn);
}

char *template_engine_render_placeholders(const struct template_engine *t, const json_t *view,
					  enum template_engine_placeholders mode, char *err,
					  size_t errn)
{
	struct render r = {.t = t,
			   .nctx = 1,
			   .out = {.max = TEMPLATE_ENGINE_MAX_OUTPUT},
			   .prompts = mode != TEMPLATE_ENGINE_PLACEHOLDERS_KEEP};
	struct strbuf tidied = {.max = TEMPLATE_ENGINE_MAX_OUTPUT};

	if (errn)
		err[0] = '\0';
	r.ctx[0] = view;
	template_engine_render_nodes(&r, 0, t->n);
	if (r.prompts && !r.out.error) {
		struct strbuf done = {.max = TEMPLATE_ENGINE_MAX_OUTPUT};

		template_engine_placeholder_apply(&r.out, &r.spans, mode, &done);
		free(r.out.s);
		r.out = done;
	}
	template_engine_placeholder_spans_free(&r.spans);
	if (!r.out.error)
		template_engine_render_tidy(&r.out, &tidied);
	free(r.out.s);
	if (!r.out.error && !tidied.error)
		return tidied.s ? tidied.s : strdup("");
	free(tidied.s);
	if ((r.out.error ? r.out.error : tidied.error) == ENOMEM)
		snprintf(err, errn, "cannot render the template: out of memory");
	else if (r.steps > MAX_STEPS)
		snprintf(err, errn,
			 "cannot render the template: too much work (sections nested "
			 "over the same lists?)");
	else
		snprintf(err, errn, "cannot render the template: the output would be over %d bytes",
			 TEMPLATE_ENGINE_MAX_OUTPUT);
	return NULL;
}
