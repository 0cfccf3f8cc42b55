#ifndef STINTD_WATCHED_H
#define STINTD_WATCHED_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The watched repositories (stint watch, or one with a recent session under [time] auto_start)
 * that have no open session: a repo_watch on each; its first activity starts a session, dated
 * from that activity (sessions_start). No watched repository, no watch. Loop thread only.
 */

struct stintd;

/* Sets up d->watched and loads the watched set from the store (asynchronously). */
int watched_init(struct stintd *d);
/* Drops every watch and frees the state; for shutdown. */
void watched_finish(struct stintd *d);

/* Adds or drops watches to match the sessions, the watched set and the config (main's hook). */
void watched_sync(struct stintd *d);

/* stint watch recorded root in the store at at_ms (is_new: it was not there): the repository
 * is watched; returns its object for the reply ({"repo","reason","state","since"}), NULL when
 * out of memory. */
json_t *watched_add(struct stintd *d, const char *root, int64_t at_ms, bool is_new);
/* stint unwatch recorded root's removal. */
void watched_remove(struct stintd *d, const char *root);
/* The repository at cwd or nearest above it watched with stint watch (explicit) or for a
 * recent session (!explicit); a deleted one still matches. NULL: none. */
const char *watched_lookup(struct stintd *d, const char *cwd, bool explicit);
/* Every watched repository's object, for stint watch --list. */
json_t *watched_list(struct stintd *d);

/*
 * Activity in a repository watched only for reminders: one with a recent session while
 * [time] auto_start is off, and no session open. Called once per settled burst of changes
 * (the callee rate-limits), with the repository root and the wall time (ns) of its first
 * change. Setting a callback makes repositories with a recent session watched even without
 * auto_start; NULL turns that off again.
 */
typedef void (*watched_unattended_fn)(struct stintd *d, const char *root, int64_t first_wall_ns);
void watched_set_unattended_cb(struct stintd *d, watched_unattended_fn cb);

#endif
