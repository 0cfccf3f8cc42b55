#ifndef STINT_COMMON_SUGGEST_H
#define STINT_COMMON_SUGGEST_H

/*
 * "did you mean ...": the candidates nearest to a mistyped word by edit distance (Damerau-
 * Levenshtein, optimal string alignment: a swap of two neighbours is one edit), when they are
 * near enough to be what was meant. Used for the CLI's commands and options and the config's
 * sections and keys. Feed every candidate to suggest_consider, then ask suggest_format.
 */

#include <stdbool.h>
#include <stddef.h>

/* Words longer than this are compared by no one: no suggestion for them. */
#define SUGGEST_MAX_WORD 64
/* At most this many equally near candidates are named. */
#define SUGGEST_MAX 3

struct suggest {
	const char *word;
	size_t best; /* the distance of the candidates kept; SIZE_MAX while there are none */
	size_t n;
	const char *names[SUGGEST_MAX]; /* borrowed from the caller */
};

void suggest_init(struct suggest *s, const char *word);

/* Keeps candidate (borrowed: it must outlive s) if it is at least as near as the best so far. */
void suggest_consider(struct suggest *s, const char *candidate);

/*
 * The edit distance of a and b (bytes, case-insensitive for ASCII letters); SIZE_MAX when
 * either is longer than SUGGEST_MAX_WORD.
 */
size_t suggest_distance(const char *a, const char *b);

/*
 * "did you mean \"PRE stop\"?" (or "\"a\" or \"b\"") into buf, each name after prefix (e.g. "--"
 * or ""); false, with buf empty, when nothing is near enough.
 */
bool suggest_format(const struct suggest *s, const char *prefix, char *buf, size_t n);

#endif
