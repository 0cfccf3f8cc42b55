#include "gitstats_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int gitstats_int_buf_add(struct gitstats_buf *b, const void *d, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

void gitstats_int_buf_free(struct gitstats_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void gitstats_int_seterr(char *err, size_t errn, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errn)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
}

const char *gitstats_int_lg2msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

bool gitstats_int_is_hex_oid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
			return false;
	return n == 40 || n == 64;
}

/* A path under the excluded directory (both relative to the worktree root)? */
bool gitstats_int_excluded(const char *ex, const char *path)
{
	size_t n;

	if (!ex || !path)
		return false;
	n = strlen(ex);
	return strncmp(path, ex, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static size_t gitstats_int_omap_hash(const char *k)
{
	size_t h = 0;

	for (int i = 0; i < 16 && k[i]; i++)
		h = h * 16 + (size_t)(isdigit((unsigned char)k[i]) ? k[i] - '0' : k[i] - 'a' + 10);
	return h;
}

int gitstats_int_omap_put(struct gitstats_omap *m, const char *k, size_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct gitstats_omap g = {0};

		g.cap = m->cap ? m->cap * 2 : 64;
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->keys[i][0])
				gitstats_int_omap_put(&g, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	for (i = gitstats_int_omap_hash(k) & (m->cap - 1); m->keys[i][0];
	     i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->keys[i], k) == 0) {
			m->vals[i] = v;
			return 0;
		}
	}
	snprintf(m->keys[i], sizeof(m->keys[i]), "%s", k);
	m->vals[i] = v;
	m->n++;
	return 0;
}

bool gitstats_int_omap_get(const struct gitstats_omap *m, const char *k, size_t *v)
{
	if (!m->cap || !*k)
		return false;
	for (size_t i = gitstats_int_omap_hash(k) & (m->cap - 1); m->keys[i][0];
	     i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->keys[i], k) == 0) {
			if (v)
				*v = m->vals[i];
			return true;
		}
	}
	return false;
}

void gitstats_int_omap_free(struct gitstats_omap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

int gitstats_int_strv_add(struct gitstats_strv *s, const char *str)
{
	char *d, **v;

	v = array_grow(s->v, &s->cap, s->n, sizeof(*v), 16);
	if (!v)
		return -ENOMEM;
	s->v = v;
	d = strdup(str);
	if (!d)
		return -ENOMEM;
	s->v[s->n++] = d;
	return 0;
}

void gitstats_int_strv_free(struct gitstats_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Splits -z output into NUL-terminated tokens. */
char *gitstats_int_next_tok(char **p, const char *end)
{
	char *s = *p, *z;

	if (!s || s >= end)
		return NULL;
	z = memchr(s, '\0', (size_t)(end - s));
	if (!z)
		return NULL;
	*p = z + 1;
	return s;
}

void gitstats_int_strip_slash(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

int gitstats_int_tiplist_add(struct gitstats_tiplist *l, const char *ref, const char *oid)
{
	struct gitstats_tip *t, *v;

	v = array_grow(l->v, &l->cap, l->n, sizeof(*v), 16);
	if (!v)
		return -ENOMEM;
	l->v = v;
	t = &l->v[l->n];
	memset(t, 0, sizeof(*t));
	t->ref = strdup(ref);
	if (!t->ref)
		return -ENOMEM;
	snprintf(t->oid, sizeof(t->oid), "%s", oid ? oid : "");
	l->n++;
	return 0;
}

void gitstats_int_tiplist_free(struct gitstats_tiplist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].ref);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct gitstats_file *gitstats_int_flist_add(struct gitstats_flist *l)
{
	struct gitstats_file *v = array_grow(l->v, &l->cap, l->n, sizeof(*v), 32);

	if (!v)
		return NULL;
	l->v = v;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

void gitstats_int_flist_free(struct gitstats_flist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].old_path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int gitstats_int_file_set(struct gitstats_file *f, const char *path, const char *old_path,
			  char status, bool binary, int64_t added, int64_t removed)
{
	f->path = strdup(path);
	f->old_path = old_path ? strdup(old_path) : NULL;
	if (!f->path || (old_path && !f->old_path))
		return -ENOMEM;
	f->status = status;
	f->binary = binary;
	f->added = binary ? 0 : added;
	f->removed = binary ? 0 : removed;
	return 0;
}

int gitstats_int_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gitstats_file *)a)->path,
		      ((const struct gitstats_file *)b)->path);
}

/* A name longer than out is cut: it is a label, and git's ref names have no useful limit. */
void gitstats_int_branch_name(char *out, size_t outn, const char *symref, const char *oid)
{
	static const char unborn[] = " (unborn)";
	size_t len;

	if (!symref) {
		snprintf(out, outn, "detached at %.7s", oid);
		return;
	}
	if (strncmp(symref, "refs/heads/", 11) == 0)
		symref += 11;
	len = strnlen(symref, outn - 1);
	memcpy(out, symref, len);
	out[len] = '\0';
	if (!*oid && len + sizeof(unborn) <= outn)
		memcpy(out + len, unborn, sizeof(unborn));
}

void gitstats_int_cgraph_free(struct gitstats_cgraph *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].parents);
	free(g->v);
	gitstats_int_omap_free(&g->at);
	memset(g, 0, sizeof(*g));
}

struct gitstats_cnode *gitstats_int_cgraph_add(struct gitstats_cgraph *g, const char *oid,
					       size_t nparents)
{
	struct gitstats_cnode *c, *v;

	v = array_grow(g->v, &g->cap, g->n, sizeof(*v), 64);
	if (!v)
		return NULL;
	g->v = v;
	c = &g->v[g->n];
	memset(c, 0, sizeof(*c));
	snprintf(c->oid, sizeof(c->oid), "%s", oid);
	if (nparents) {
		c->parents = calloc(nparents, sizeof(*c->parents));
		if (!c->parents)
			return NULL;
	}
	c->nparents = nparents;
	if (gitstats_int_omap_put(&g->at, oid, g->n) < 0) {
		free(c->parents);
		return NULL;
	}
	g->n++;
	return c;
}
