#include "template_engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "strbuf.h"
#include "template_engine_int.h"
#include "utf8.h"

/* Sections open at once, parts of a dotted name, bytes of a name. */
void template_engine_free(struct template_engine *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->nodes[i].name);
	free(t->nodes);
	free(t->src);
	free(t);
}

struct open_section {
	size_t node;
	int line;
	char sigil;
};

struct compiler {
	struct template_engine *t;
	const char *name;
	const char *src;
	size_t len;
	const struct template_engine_field *scopes[MAX_DEPTH + 1];
	/* The list whose items scope k holds, and the line it opened on; NULL: not a list's. */
	const char *scope_list[MAX_DEPTH + 1];
	int scope_line[MAX_DEPTH + 1];
	int nscopes;
	struct open_section open[MAX_DEPTH];
	int nopen;
	char *err;
	size_t errn;
	size_t line_pos; /* lines are counted up to here */
	int line;
};

__attribute__((format(printf, 3, 4))) static void
template_engine_compile_error(struct compiler *c, int line, const char *fmt, ...)
{
	va_list ap;
	int off = snprintf(c->err, c->errn, "%s:%d: ", c->name, line);

	if (off < 0 || (size_t)off >= c->errn)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + off, c->errn - (size_t)off, fmt, ap);
	va_end(ap);
}

/* Line number of src[pos]; positions are asked for in increasing order. */
static int template_engine_line_at(struct compiler *c, size_t pos)
{
	for (; c->line_pos < pos; c->line_pos++)
		if (c->src[c->line_pos] == '\n')
			c->line++;
	return c->line;
}

static struct node *template_engine_add_node(struct compiler *c, enum node_type type)
{
	struct template_engine *t = c->t;
	struct node *nd, *nodes;

	nodes = array_grow(t->nodes, &t->cap, t->n, sizeof(*nodes), 64);
	if (!nodes)
		return NULL;
	t->nodes = nodes;
	nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	return nd;
}

static bool template_engine_add_text(struct compiler *c, size_t from, size_t to)
{
	struct node *nd;

	if (to <= from)
		return true;
	nd = template_engine_add_node(c, N_TEXT);
	if (!nd)
		return false;
	nd->text = c->src + from;
	nd->len = to - from;
	return true;
}

bool template_engine_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool template_engine_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

static const struct template_engine_field *
template_engine_field_find(const struct template_engine_field *fields, const char *name)
{
	for (; fields && fields->name; fields++)
		if (strcmp(fields->name, name) == 0)
			return fields;
	return NULL;
}

/* Levenshtein distance, capped: only small ones matter for a suggestion. */
static size_t template_engine_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[MAX_NAME + 1];

	if (la > MAX_NAME || lb > MAX_NAME)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static void template_engine_suggest(const struct template_engine_field *fields, const char *name,
				    const char **best, size_t *best_d)
{
	for (; fields && fields->name; fields++) {
		size_t d = template_engine_edit_distance(name, fields->name);

		if (d < *best_d) {
			*best_d = d;
			*best = fields->name;
		}
	}
}

static void template_engine_unknown_name(struct compiler *c, int line, const char *full,
					 const struct template_engine_field *const *scopes,
					 int nscopes, const char *part)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, limit = strlen(part) > 4 ? 2 : 1;

	for (int d = 0; d < nscopes; d++)
		template_engine_suggest(scopes[d], part, &best, &best_d);
	if (best && best_d <= limit)
		template_engine_compile_error(
		    c, line, "unknown variable \"%s\" (did you mean \"%s\"?)", full, best);
	else
		template_engine_compile_error(c, line, "unknown variable \"%s\"", full);
}

/*
 * A list section inside another list's section must be a list of the item (a commit's files),
 * not one from outside it: that would repeat the whole outer list once per item, a log that
 * grows as the product of the lists (and a render that stops at the engine's limits), accepted
 * by the checker and refused at stop.
 */
static bool template_engine_list_ok(struct compiler *c, const struct node *nd, int line)
{
	for (int k = c->nscopes - 1; k > nd->depth; k--) {
		if (!c->scope_list[k])
			continue;
		template_engine_compile_error(
		    c, line,
		    "{{#%s}} inside {{#%s}} (line %d) would repeat all of \"%s\" for each item of "
		    "\"%s\": close {{/%s}} first",
		    nd->name, c->scope_list[k], c->scope_line[k], nd->name, c->scope_list[k],
		    c->scope_list[k]);
		return false;
	}
	return true;
}

/*
 * Checks a tag's name and resolves it in the open scopes, innermost first. Fills nd's name,
 * path, depth and kind. Returns false with the error set.
 */
static bool template_engine_resolve(struct compiler *c, struct node *nd, const char *s, size_t n,
				    int line)
{
	const struct template_engine_field *f = NULL;
	char full[MAX_NAME + 1];

	if (n == 0) {
		template_engine_compile_error(c, line, "empty tag: a name is missing");
		return false;
	}
	if (n == 1 && s[0] == '.') {
		template_engine_compile_error(c, line,
					      "{{.}} is not supported: name a field of the item");
		return false;
	}
	if (n > MAX_NAME) {
		template_engine_compile_error(c, line, "name too long (%zu bytes, at most %d)", n,
					      MAX_NAME);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		bool dot_ok = s[i] == '.' && i > 0 && i + 1 < n && s[i - 1] != '.';

		if (!template_engine_name_char(s[i]) && !dot_ok) {
			template_engine_compile_error(
			    c, line,
			    "invalid name \"%.*s\" (letters, digits, _ and -, parts "
			    "joined by dots)",
			    (int)n, s);
			return false;
		}
	}
	memcpy(full, s, n);
	full[n] = '\0';
	/* The name as written, then a copy split into the path. */
	nd->name = malloc(2 * (n + 1));
	if (!nd->name) {
		template_engine_compile_error(c, line, "out of memory");
		return false;
	}
	memcpy(nd->name, full, n + 1);
	memcpy(nd->name + n + 1, full, n + 1);
	for (char *p = nd->name + n + 1; p;) {
		char *dot = strchr(p, '.');

		if (nd->npath == MAX_PATH) {
			template_engine_compile_error(
			    c, line, "name \"%s\" has too many parts (at most %d)", full, MAX_PATH);
			return false;
		}
		nd->path[nd->npath++] = p;
		if (dot)
			*dot++ = '\0';
		p = dot;
	}
	for (int d = c->nscopes - 1; d >= 0 && !f; d--) {
		f = template_engine_field_find(c->scopes[d], nd->path[0]);
		nd->depth = d;
	}
	if (!f) {
		template_engine_unknown_name(c, line, full, c->scopes, c->nscopes, nd->path[0]);
		return false;
	}
	for (int i = 1; i < nd->npath; i++) {
		const struct template_engine_field *parent = f;

		f = parent->kind == TEMPLATE_ENGINE_OBJECT
			? template_engine_field_find(parent->fields, nd->path[i])
			: NULL;
		if (!f) {
			if (parent->kind == TEMPLATE_ENGINE_OBJECT)
				template_engine_unknown_name(c, line, full, &parent->fields, 1,
							     nd->path[i]);
			else
				template_engine_compile_error(
				    c, line, "unknown variable \"%s\" (\"%s\" is not an object)",
				    full, parent->name);
			return false;
		}
	}
	nd->kind = f->kind;
	if (nd->type == N_SECTION && f->kind == TEMPLATE_ENGINE_LIST &&
	    !template_engine_list_ok(c, nd, line))
		return false;
	if (nd->type == N_SECTION &&
	    (f->kind == TEMPLATE_ENGINE_LIST || f->kind == TEMPLATE_ENGINE_OBJECT)) {
		/* At most one scope per open section: nscopes <= MAX_DEPTH here. */
		nd->push = true;
		c->scope_list[c->nscopes] = f->kind == TEMPLATE_ENGINE_LIST ? nd->name : NULL;
		c->scope_line[c->nscopes] = line;
		c->scopes[c->nscopes++] = f->fields;
	}
	return true;
}

static bool template_engine_var_kind_ok(struct compiler *c, const struct node *nd, int line)
{
	const char *what = nd->kind == TEMPLATE_ENGINE_FLAG   ? "a flag"
			   : nd->kind == TEMPLATE_ENGINE_LIST ? "a list"
							      : "an object";

	if (nd->kind == TEMPLATE_ENGINE_TEXT || nd->kind == TEMPLATE_ENGINE_NUMBER)
		return true;
	template_engine_compile_error(c, line,
				      "\"%s\" is %s: use it as a section, {{#%s}}...{{/%s}}",
				      nd->name, what, nd->name, nd->name);
	return false;
}

static void template_engine_trim(const char **s, size_t *n)
{
	while (*n > 0 && template_engine_is_blank(**s))
		(*s)++, (*n)--;
	while (*n > 0 && template_engine_is_blank((*s)[*n - 1]))
		(*n)--;
}

static bool template_engine_close_section(struct compiler *c, const char *s, size_t n, int line)
{
	struct open_section *o;
	struct node *nd;

	if (c->nopen == 0) {
		template_engine_compile_error(c, line, "{{/%.*s}} closes no open section", (int)n,
					      s);
		return false;
	}
	o = &c->open[c->nopen - 1];
	nd = &c->t->nodes[o->node];
	if (strlen(nd->name) != n || memcmp(nd->name, s, n) != 0) {
		template_engine_compile_error(c, line,
					      "{{/%.*s}} does not match {{%c%s}} opened on line %d",
					      (int)n, s, o->sigil, nd->name, o->line);
		return false;
	}
	if (nd->push)
		c->nscopes--;
	nd->end = c->t->n;
	c->nopen--;
	return true;
}

/* Where the tag's line begins, or SIZE_MAX if something else than blanks comes before it. */
static size_t template_engine_standalone_start(const char *src, size_t at)
{
	size_t p = at;

	while (p > 0 && src[p - 1] != '\n') {
		if (!template_engine_is_blank(src[p - 1]))
			return SIZE_MAX;
		p--;
	}
	return p;
}

/* Just after the tag's line (its newline included), or SIZE_MAX if more than blanks follow. */
static size_t template_engine_standalone_end(const char *src, size_t len, size_t at)
{
	size_t p = at;

	while (p < len && src[p] != '\n') {
		if (!template_engine_is_blank(src[p]))
			return SIZE_MAX;
		p++;
	}
	return p < len ? p + 1 : p;
}

/* Where end_mark ("}}" or "}}}") is on the tag's line, from p on; SIZE_MAX if it is not. */
static size_t template_engine_tag_close(const char *src, size_t len, size_t p, const char *end_mark)
{
	size_t m = strlen(end_mark);

	for (; p + m <= len && src[p] != '\n'; p++)
		if (memcmp(src + p, end_mark, m) == 0)
			return p;
	return SIZE_MAX;
}

/* One tag at src[s] ("{{"); *next is set past it (and past its line when it stands alone). */
static bool template_engine_compile_tag(struct compiler *c, size_t s, size_t text_from,
					size_t *next)
{
	const char *src = c->src, *name;
	int line = template_engine_line_at(c, s);
	size_t p = s + 2, close, e, n, ls, le;
	char sigil = src[p] && strchr("#^/!&{>=", src[p]) ? src[p] : 0;
	struct node *nd;

	if (sigil)
		p++;
	if (sigil == '!') {
		const char *q = strstr(src + p, "}}");

		if (!q) {
			template_engine_compile_error(c, line,
						      "comment {{! is never closed with }}");
			return false;
		}
		close = (size_t)(q - src);
		e = close + 2;
	} else {
		const char *end_mark = sigil == '{' ? "}}}" : "}}";

		close = template_engine_tag_close(src, c->len, p, end_mark);
		if (close == SIZE_MAX) {
			template_engine_compile_error(c, line,
						      "tag {{%s is not closed with %s on its line",
						      sigil == '{' ? "{" : "", end_mark);
			return false;
		}
		e = close + strlen(end_mark);
	}
	if (sigil == '>' || sigil == '=') {
		template_engine_compile_error(c, line, "%s not supported",
					      sigil == '>' ? "partials ({{>name}}) are"
							   : "delimiter changes ({{=...=}}) are");
		return false;
	}

	/* A section, closing or comment tag alone on its line takes the whole line with it. */
	ls = template_engine_standalone_start(src, s);
	le = template_engine_standalone_end(src, c->len, e);
	if (!(sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') || ls == SIZE_MAX ||
	    le == SIZE_MAX) {
		ls = s;
		le = e;
	}
	if (!template_engine_add_text(c, text_from, ls)) {
		template_engine_compile_error(c, line, "out of memory");
		return false;
	}
	*next = le;
	if (sigil == '!')
		return true;

	name = src + p;
	n = close - p;
	template_engine_trim(&name, &n);
	if (sigil == '/')
		return template_engine_close_section(c, name, n, line);
	if ((sigil == '#' || sigil == '^') && c->nopen == MAX_DEPTH) {
		template_engine_compile_error(c, line, "sections nested too deeply (at most %d)",
					      MAX_DEPTH);
		return false;
	}
	nd = template_engine_add_node(c, sigil == '#'	? N_SECTION
					 : sigil == '^' ? N_INVERTED
							: N_VAR);
	if (!nd) {
		template_engine_compile_error(c, line, "out of memory");
		return false;
	}
	if (!template_engine_resolve(c, nd, name, n, line))
		return false;
	if (nd->type == N_VAR)
		return template_engine_var_kind_ok(c, nd, line);
	c->open[c->nopen++] =
	    (struct open_section){.node = c->t->n - 1, .line = line, .sigil = sigil};
	return true;
}

/* A copy with CR LF (and lone CR) as LF; UTF-8 and control characters checked. */
static char *template_engine_normalize(struct compiler *c, const char *text, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	char *out = malloc(len + 1);
	size_t w = 0;
	int line = 1;

	if (!out) {
		snprintf(c->err, c->errn, "%s: out of memory", c->name);
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode(u + i, len - i, &cp);

		if (k == 0 || utf8_is_control(cp)) {
			if (k == 0)
				template_engine_compile_error(c, line,
							      "invalid UTF-8 (byte 0x%02X)", u[i]);
			else
				template_engine_compile_error(c, line, "control character U+%04X",
							      (unsigned)cp);
			free(out);
			return NULL;
		}
		if (cp == '\r') {
			out[w++] = '\n';
			i += i + 1 < len && text[i + 1] == '\n' ? 2 : 1;
			line++;
			continue;
		}
		if (cp == '\n')
			line++;
		memcpy(out + w, text + i, k);
		w += k;
		i += k;
	}
	out[w] = '\0';
	c->len = w;
	return out;
}

struct template_engine *template_engine_compile(const char *text, const char *name,
						const struct template_engine_field *schema,
						char *err, size_t errn)
{
	struct compiler c = {.name = name ? name : "template", .err = err, .errn = errn, .line = 1};
	size_t len = text ? strlen(text) : 0, pos = 0, text_from = 0;

	if (errn)
		err[0] = '\0';
	if (len > TEMPLATE_ENGINE_MAX_TEXT) {
		snprintf(err, errn, "%s: too large for a template (%zu bytes, at most %d)", c.name,
			 len, TEMPLATE_ENGINE_MAX_TEXT);
		return NULL;
	}
	c.t = calloc(1, sizeof(*c.t));
	if (!c.t) {
		snprintf(err, errn, "%s: out of memory", c.name);
		return NULL;
	}
	c.t->src = template_engine_normalize(&c, text ? text : "", len);
	if (!c.t->src)
		goto fail;
	c.src = c.t->src;
	c.scopes[c.nscopes++] = schema;
	while (pos < c.len) {
		const char *open = strstr(c.src + pos, "{{");
		size_t s;

		if (!open)
			break;
		s = (size_t)(open - c.src);
		/* "\{{" is a literal "{{". */
		if (s > 0 && c.src[s - 1] == '\\') {
			if (!template_engine_add_text(&c, text_from, s - 1)) {
				template_engine_compile_error(&c, template_engine_line_at(&c, s),
							      "out of memory");
				goto fail;
			}
			text_from = s;
			pos = s + 2;
			continue;
		}
		if (!template_engine_compile_tag(&c, s, text_from, &pos))
			goto fail;
		text_from = pos;
	}
	if (!template_engine_add_text(&c, text_from, c.len)) {
		template_engine_compile_error(&c, template_engine_line_at(&c, c.len),
					      "out of memory");
		goto fail;
	}
	if (c.nopen > 0) {
		struct open_section *o = &c.open[c.nopen - 1];
		const char *nm = c.t->nodes[o->node].name;

		template_engine_compile_error(&c, o->line, "{{%c%s}} is never closed (no {{/%s}})",
					      o->sigil, nm, nm);
		goto fail;
	}
	return c.t;
fail:
	template_engine_free(c.t);
	return NULL;
}
