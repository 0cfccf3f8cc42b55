#ifndef STINT_DURATION_H
#define STINT_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest duration accepted anywhere: a year, far beyond any sane setting. */
#define DURATION_MAX_S (366LL * 24 * 3600)

/*
 * Parses "90", "90s", "15m", "2h", "1d" and sums like "1h30m" into seconds.
 * Returns 0, or -EINVAL for anything else (empty, negative, unknown unit, over DURATION_MAX_S).
 */
int duration_parse(const char *s, int64_t *out_s);

/* "2 hours 5 minutes", "1 hour", "45 minutes", "30 seconds"; negative counts as 0. */
void duration_format_long(int64_t s, char *buf, size_t n);

/* "2h 05m", "45m", "30s": compact form for status lines and notifications. */
void duration_format_short(int64_t s, char *buf, size_t n);

#endif
