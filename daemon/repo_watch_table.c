#include "repo_watch_table.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

/* The wd table (which repositories own a kernel watch) and the path sets of the watcher. */

bool repo_watch_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* "rel/name", or "name" when rel is the root; false when it does not fit. */
bool repo_watch_join_rel(char *buf, size_t n, const char *rel, const char *name)
{
	int r = *rel ? snprintf(buf, n, "%s/%s", rel, name) : snprintf(buf, n, "%s", name);

	return r >= 0 && (size_t)r < n;
}

static bool repo_watch_is_under(const char *rel, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(rel, prefix, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

char *repo_watch_strip_slash(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return strndup(path, n);
}

static uint32_t repo_watch_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void repo_watch_pathset_clear(struct repo_watch_pathset *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->items[i].path);
	free(ps->items);
	free(ps->slots);
	memset(ps, 0, sizeof(*ps));
}

void repo_watch_pathset_move(struct repo_watch_pathset *dst, struct repo_watch_pathset *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

static bool repo_watch_pathset_grow(struct repo_watch_pathset *ps)
{
	size_t nslots = ps->nslots ? ps->nslots * 2 : 64;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return false;
	for (size_t i = 0; i < ps->n; i++) {
		size_t s = repo_watch_hash_str(ps->items[i].path) & (nslots - 1);

		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(ps->slots);
	ps->slots = slots;
	ps->nslots = nslots;
	return true;
}

void repo_watch_pathset_add(struct repo_watch_pathset *ps, const char *path, bool dir,
			    int64_t mono_ns)
{
	struct repo_watch_path *it, *items;
	size_t s;

	if (ps->nslots) {
		for (s = repo_watch_hash_str(path) & (ps->nslots - 1); ps->slots[s];
		     s = (s + 1) & (ps->nslots - 1)) {
			it = &ps->items[ps->slots[s] - 1];
			if (strcmp(it->path, path) == 0) {
				it->mono_ns = mono_ns;
				it->dir = dir;
				return;
			}
		}
	}
	if (ps->n >= REPO_WATCH_PATHS_MAX) {
		ps->overflow = true;
		return;
	}
	if ((ps->n + 1) * 2 > ps->nslots && !repo_watch_pathset_grow(ps)) {
		ps->overflow = true;
		return;
	}
	items = array_grow(ps->items, &ps->cap, ps->n, sizeof(*items), 32);
	if (!items) {
		ps->overflow = true;
		return;
	}
	ps->items = items;
	it = &ps->items[ps->n];
	it->path = strdup(path);
	if (!it->path) {
		ps->overflow = true;
		return;
	}
	it->mono_ns = mono_ns;
	it->dir = dir;
	it->keep = true;
	for (s = repo_watch_hash_str(path) & (ps->nslots - 1); ps->slots[s];
	     s = (s + 1) & (ps->nslots - 1))
		;
	ps->slots[s] = (uint32_t)++ps->n;
}

void repo_watch_free_dirs(struct repo_watch_dirreq *dirs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(dirs[i].rel);
	free(dirs);
}

struct repo_watch_wd *repo_watch_tab_find(struct repo_watcher *w, int wd)
{
	struct repo_watch_wd *e;

	if (!w->nbuckets)
		return NULL;
	for (e = w->buckets[(unsigned)wd & (w->nbuckets - 1)]; e; e = e->next)
		if (e->wd == wd)
			return e;
	return NULL;
}

struct repo_watch_wd *repo_watch_tab_insert(struct repo_watcher *w, int wd)
{
	struct repo_watch_wd *e;
	size_t b;

	if (w->nentries + 1 > w->nbuckets) {
		size_t nb = w->nbuckets ? w->nbuckets * 2 : 256;
		struct repo_watch_wd **buckets = calloc(nb, sizeof(*buckets));

		if (!buckets)
			return NULL;
		for (size_t i = 0; i < w->nbuckets; i++) {
			struct repo_watch_wd *next;

			for (e = w->buckets[i]; e; e = next) {
				next = e->next;
				b = (unsigned)e->wd & (nb - 1);
				e->next = buckets[b];
				buckets[b] = e;
			}
		}
		free(w->buckets);
		w->buckets = buckets;
		w->nbuckets = nb;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->wd = wd;
	b = (unsigned)wd & (w->nbuckets - 1);
	e->next = w->buckets[b];
	w->buckets[b] = e;
	w->nentries++;
	return e;
}

bool repo_watch_entry_owned_by(const struct repo_watch_wd *e, const struct repo_watch *rw)
{
	for (const struct repo_watch_owner *o = e->owners; o; o = o->next)
		if (o->rw == rw)
			return true;
	return false;
}

/* Unlinks and frees e with its owners; rm asks the kernel to drop the watch too. */
void repo_watch_tab_remove(struct repo_watcher *w, struct repo_watch_wd *e, bool rm)
{
	struct repo_watch_wd **pp = &w->buckets[(unsigned)e->wd & (w->nbuckets - 1)];
	struct repo_watch_owner *o, *next;

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	for (o = e->owners; o; o = next) {
		next = o->next;
		e->owners = next;
		if (!repo_watch_entry_owned_by(e, o->rw))
			o->rw->nowned--;
		free(o);
	}
	if (rm && w->fd >= 0)
		inotify_rm_watch(w->fd, e->wd);
	free(e);
	w->nentries--;
}

/* Removes the owners matching m, and the kernel watches left without owner. */
void repo_watch_tab_drop(struct repo_watcher *w, const struct repo_watch_drop_match *m)
{
	for (size_t b = 0; b < w->nbuckets; b++) {
		struct repo_watch_wd *e, *enext;

		for (e = w->buckets[b]; e; e = enext) {
			struct repo_watch_owner **pp = &e->owners;
			bool dropped = false;

			enext = e->next;
			while (*pp) {
				struct repo_watch_owner *o = *pp;

				if (o->rw == m->rw && (m->kinds & REPO_WATCH_KIND_BIT(o->kind)) &&
				    (!m->prefix || repo_watch_is_under(o->rel, m->prefix)) &&
				    (!m->keep_gen || o->gen != m->keep_gen)) {
					*pp = o->next;
					free(o);
					dropped = true;
				} else {
					pp = &o->next;
				}
			}
			if (dropped && !repo_watch_entry_owned_by(e, m->rw))
				m->rw->nowned--;
			if (!e->owners)
				repo_watch_tab_remove(w, e, true);
		}
	}
}

void repo_watch_drop_owners(struct repo_watch *rw, unsigned kinds)
{
	struct repo_watch_drop_match m = {.rw = rw, .kinds = kinds};

	uv_mutex_lock(&rw->w->lock);
	repo_watch_tab_drop(rw->w, &m);
	uv_mutex_unlock(&rw->w->lock);
}
