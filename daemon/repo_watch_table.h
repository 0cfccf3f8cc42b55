#ifndef STINTD_REPO_WATCH_TABLE_H
#define STINTD_REPO_WATCH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "repo_watch_state.h"

/* Relative paths. */
bool repo_watch_ends_with(const char *s, const char *suffix);
/* "rel/name", or "name" when rel is the root; false when it does not fit. */
bool repo_watch_join_rel(char *buf, size_t n, const char *rel, const char *name);
/* path without trailing slashes (but "/"), malloc'd; NULL when out of memory. */
char *repo_watch_strip_slash(const char *path);

/* Path sets. */
void repo_watch_pathset_clear(struct repo_watch_pathset *ps);
void repo_watch_pathset_move(struct repo_watch_pathset *dst, struct repo_watch_pathset *src);
void repo_watch_pathset_add(struct repo_watch_pathset *ps, const char *path, bool dir,
			    int64_t mono_ns);
void repo_watch_free_dirs(struct repo_watch_dirreq *dirs, size_t n);

/* The wd table; the caller holds w->lock. */
struct repo_watch_wd *repo_watch_tab_find(struct repo_watcher *w, int wd);
struct repo_watch_wd *repo_watch_tab_insert(struct repo_watcher *w, int wd);
bool repo_watch_entry_owned_by(const struct repo_watch_wd *e, const struct repo_watch *rw);
/* Unlinks and frees e with its owners; rm asks the kernel to drop the watch too. */
void repo_watch_tab_remove(struct repo_watcher *w, struct repo_watch_wd *e, bool rm);
/* Removes the owners matching m, and the kernel watches left without owner. */
void repo_watch_tab_drop(struct repo_watcher *w, const struct repo_watch_drop_match *m);
/* repo_watch_tab_drop of every owner of rw of these kinds, taking w->lock. */
void repo_watch_drop_owners(struct repo_watch *rw, unsigned kinds);

#endif
