#ifndef STINT_RECORD_LINE_H
#define STINT_RECORD_LINE_H

/*
 * The record line: the one machine-readable line stintd appends to every session log, an HTML
 * comment that renders as nothing: "<!-- stint-record v1 {JSON} -->". stintd writes it
 * (record_line_encode); `stint report --logs` reads it back from logs committed by a whole
 * team (record_line_find), so a log is counted by this line alone, whatever else was edited.
 * The JSON never holds '>' (it is written \u003e), so the comment cannot end early.
 * docs/log-record.md, "The record line".
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A line starting with this is a record line (a damaged one too). */
#define RECORD_LINE_MARK    "<!-- stint-record"
#define RECORD_LINE_SUFFIX  " -->"
#define RECORD_LINE_VERSION 1
/* The longest line read or written, the comment included. */
#define RECORD_LINE_MAX (64 * 1024)
/* Bounds of what a record may hold. */
#define RECORD_LINE_MAX_STORE 64
#define RECORD_LINE_MAX_TEXT  1024
#define RECORD_LINE_MAX_TAGS  16
#define RECORD_LINE_MAX_TAG   64
#define RECORD_LINE_MAX_SPANS 2048
#define RECORD_LINE_MAX_COUNT 2147483647LL
/* How much active_s may pass end - start: a wall clock stepped back during the session. */
#define RECORD_LINE_CLOCK_SLACK_S 3600
/* 9999-12-31T23:59:59.999Z: later is not a time a session ran. */
#define RECORD_LINE_MAX_MS 253402300799999LL

/* A record, read. The strings point into json, which the record owns. */
struct record_line {
	json_t *json;
	const char *store; /* the store's identity: a session is (store, id) */
	int64_t id;
	const char *author, *repo, *branch, *focus; /* NULL when absent */
	const char *tags[RECORD_LINE_MAX_TAGS];
	size_t ntags;
	int64_t start_ms, end_ms, active_s;
	char *spans; /* [[from_ms, to_ms], ...] as JSON text (malloc'd), or NULL */
	int64_t commits, files, added, removed;
	int64_t
	    written_ms; /* when stintd wrote the line (0: unknown): the newer of two copies wins */
};

/*
 * The line (without a newline) for a record object holding the fields above by their JSON names
 * ("store", "id", "author", "repo", "branch", "focus", "tags", "start", "end", "active_s",
 * "spans", "commits", "files", "added", "removed", "written"). Checked by reading it back: NULL
 * with err when the record breaks a bound (or out of memory). malloc'd.
 */
char *record_line_encode(const json_t *record, char *err, size_t errn);

/*
 * Reads one line (n bytes, no newline; a trailing CR and blanks are allowed) that starts with
 * RECORD_LINE_MARK. Returns 0 with r filled (record_line_finish it), or -EINVAL with err
 * saying why and r empty.
 */
int record_line_parse(const char *line, size_t n, struct record_line *r, char *err, size_t errn);

/*
 * Finds the record line of a log's text (n bytes) and reads it. Returns 0 with r filled,
 * -ENOENT when the text has no line starting with RECORD_LINE_MARK, -EINVAL when it has a bad
 * one or more than one (err says which line and why).
 */
int record_line_find(const char *text, size_t n, struct record_line *r, char *err, size_t errn);

void record_line_finish(struct record_line *r);

#endif
