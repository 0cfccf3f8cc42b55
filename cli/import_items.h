#ifndef STINT_CLI_IMPORT_ITEMS_H
#define STINT_CLI_IMPORT_ITEMS_H

/*
 * What an import reads before it sends anything: the intervals of a Timewarrior or Watson file,
 * each checked and mapped to an add request's fields, and the ones skipped with why. A malformed
 * file stops the reading with "FILE:LINE: cause" and nothing is sent. docs/reports.md, "Import".
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A file larger than this is refused before it is read. */
#define IMPORT_MAX_FILE (256L * 1024 * 1024)

struct import_item {
	int64_t start_ms, end_ms;
	char *repo;	  /* the repository's name: Watson's project, Timewarrior's first tag */
	json_t *tags;	  /* the other tags, mapped to stint's rules */
	char *focus;	  /* Timewarrior's annotation, or NULL */
	char *source_key; /* the source's own identity */
	char where[64];	  /* "FILE:LINE" (the file's name without its directory) */
};

enum import_skip {
	IMPORT_SKIP_OPEN,   /* an interval still running (no end) */
	IMPORT_SKIP_FUTURE, /* it ends after now: stint records no future */
	IMPORT_SKIP_TAGS,   /* more tags than a session takes */
	IMPORT_SKIP_EMPTY,  /* no time: its end is its start */
	IMPORT_SKIP__COUNT,
};

struct import_items {
	const char *repo; /* import timewarrior --repo NAME: every interval's, or NULL */
	struct import_item *v;
	size_t n, cap;
	size_t skipped[IMPORT_SKIP__COUNT];
	char first_skipped[IMPORT_SKIP__COUNT][64]; /* where the first of each was */
	int64_t now_ms;
	char err[1024]; /* why reading stopped */
};

void import_items_init(struct import_items *it, int64_t now_ms);
void import_items_finish(struct import_items *it);

/*
 * Adds an interval: repo (NULL or empty: "(untagged)"), raw tags (any text: spaces and commas
 * become '_', cut to stint's length), focus (NULL or text; line breaks become spaces), and the
 * source key. An open interval (end_ms < 0), one ending in the future, or one with too many tags
 * is counted as skipped instead. Returns 0, or -1 with it->err set (out of memory).
 */
int import_items_add(struct import_items *it, const char *where, int64_t start_ms, int64_t end_ms,
		     const char *repo, const char *const *tags, size_t ntags, const char *focus,
		     const char *source_key);

/* Why an interval was skipped, as the summary says it ("still running"). */
const char *import_skip_reason(enum import_skip why);

/*
 * Reads a whole regular file of at most IMPORT_MAX_FILE bytes. Returns the bytes (NUL-terminated,
 * *len without the NUL), or NULL with it->err set ("FILE: cause").
 */
char *import_read_file(struct import_items *it, const char *path, size_t *len);

/*
 * The line each element of the top-level JSON array in text starts on, lines[i] for element i,
 * at most max; text must already have parsed. Returns the number of elements found.
 */
size_t import_json_element_lines(const char *text, size_t len, size_t *lines, size_t max);

#endif
