#ifndef STINTD_LOGPREP_H
#define STINTD_LOGPREP_H

#include <jansson.h>
#include <stdbool.h>

struct store;

/*
 * What a log needs beyond the session itself, gathered at stop on a worker (blocking: reads the
 * store, the previous logs and the repository's origin remote): "previous_logs",
 * "carried_todos", "previous_missing" and "refs" of docs/log-record.md. The previous logs are
 * those of the sessions st knows for the record's repository (its root path), wherever they
 * were written; st may be NULL. shared: the log is committed into the repository ([log]
 * commit), where a link to a log outside it is dead for whoever clones it: only the previous
 * logs inside the repository are linked then (the others' todos still carry). Anything it cannot
 * learn is left out; it never fails the stop.
 */
void logprep_fill(json_t *record, const struct store *st, bool shared);
/* The record's previous logs outside its repository dropped, as logprep_fill's shared does (a
 * record kept from a stop whose log was not committed, regenerated into one that will be). */
void logprep_share(json_t *record);

/*
 * The open items of a rendered log, as the next session carries them: its unchecked "- [ ] "
 * lines outside code fences, without the template's bracketed prompts, deduplicated, as
 * [{"markdown": the line after "- [ ] ", "priority"}]. The priority is the line's label
 * (" (high priority)", dropped from the text), else the heading above it ("### High Priority"),
 * else medium. What the store keeps for a session whose log may later be gone.
 */
json_t *logprep_open_items(const char *text);

/* Issue and PR references in text ("#12", "GH-12", "owner/repo#12") appended to refs,
 * deduplicated; web is the forge's repository URL ("https://github.com/o/r") or NULL. */
void logprep_find_refs(const char *text, const char *web, json_t *refs);

/* The web URL of a remote on a known forge, or NULL: "git@github.com:o/r.git" and
 * "https://github.com/o/r.git" give "https://github.com/o/r". malloc'd. */
char *logprep_forge_url(const char *remote_url);

#endif
