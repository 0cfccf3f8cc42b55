#ifndef STINTD_CHECKS_CLEAN_H
#define STINTD_CHECKS_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

/* A check's output as a terminal would show it, and the tail of it kept in the record. */

/* output_tail: the last lines of the output, at most this many and this many bytes. */
#define CHECKS_TAIL_LINES 40
#define CHECKS_TAIL_BYTES 4096

/*
 * The output_tail of a check: text (the end of its output, truncated when the start was
 * dropped) without terminal escapes, with carriage-return overwrites applied, other control
 * characters dropped and invalid UTF-8 replaced by U+FFFD; then its last CHECKS_TAIL_LINES
 * lines and at most CHECKS_TAIL_BYTES bytes, trailing blank lines removed, ending in a
 * newline unless empty. Malloc'd; NULL when out of memory. Exposed for tests.
 */
char *checks_output_tail(const char *text, size_t len, bool truncated);

/*
 * What a terminal would leave of text, as UTF-8 without control characters but '\t' and
 * '\n': escapes dropped, text after a '\r' replacing its line. Writes at most len * 3 + 1
 * bytes (U+FFFD for each invalid byte) to out, NUL-terminated; returns the length.
 */
size_t checks_clean_into(const char *text, size_t len, char *out);

#endif
