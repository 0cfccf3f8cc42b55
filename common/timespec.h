#ifndef STINT_TIMESPEC_H
#define STINT_TIMESPEC_H

/*
 * TIME and RANGE as users write them on the command line, read in the local time zone (TZ):
 * TIME is "now", "14:05", "yesterday 17:30", "10m ago", "1h30m ago", "2026-12-01",
 * "2026-12-01T09:00" (or with a blank), ISO 8601 with an offset ("...T09:00+01:00", "...Z").
 * RANGE is a word: today, yesterday, week, last-week, month, last-month, year, all.
 * A range is [from, to) in milliseconds since the epoch. See docs/reports.md.
 *
 * Local days for grouping come from a zone table (the UTC offsets in force over a range), so
 * whoever groups (stintd for a report) splits at the client's local midnights, DST included.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses TIME, relative to now_ms. A future time is refused. Returns 0, or -EINVAL with err. */
int timespec_parse_time(const char *s, int64_t now_ms, int64_t *out_ms, char *err, size_t errn);

/* Whether s reads as a TIME, in the future or not (for hints: "quote it"). */
bool timespec_is_time(const char *s, int64_t now_ms);

/* Whether s is a RANGE word. */
bool timespec_is_range(const char *s);

/* The RANGE word's [from, to) as of now_ms. Returns 0, or -EINVAL with err. */
int timespec_parse_range(const char *s, int64_t now_ms, int64_t *from_ms, int64_t *to_ms, char *err,
			 size_t errn);

/* Checks a range built from --from and --to: from before to. Returns 0 or -EINVAL with err. */
int timespec_check_range(int64_t from_ms, int64_t to_ms, char *err, size_t errn);

/* At most this many offset changes in a zone table: 2 a year over a century, with room. */
#define TIMESPEC_ZONE_MAX 512

/* The UTC offsets over a range: off_s[i] holds from at_ms[i] on (at_ms[0] is the range's start). */
struct timespec_zone {
	size_t n;
	int64_t at_ms[TIMESPEC_ZONE_MAX];
	int32_t off_s[TIMESPEC_ZONE_MAX];
};

/* The local zone's offsets over [from_ms, to_ms]. Returns 0, or -ERANGE when there are too many. */
int timespec_zone_local(int64_t from_ms, int64_t to_ms, struct timespec_zone *z);
/* A zone of one fixed offset (UTC is 0). */
void timespec_zone_fixed(struct timespec_zone *z, int32_t off_s);
/* Adds a change to offset off_s at at_ms; at_ms must follow the last one. Returns 0 or -1. */
int timespec_zone_add(struct timespec_zone *z, int64_t at_ms, int32_t off_s);

/* The offset in force at t_ms. */
int32_t timespec_zone_offset(const struct timespec_zone *z, int64_t t_ms);
/* The local day of t_ms, as days since 1970-01-01. */
int64_t timespec_zone_day(const struct timespec_zone *z, int64_t t_ms);
/* The first local midnight after t_ms, in milliseconds since the epoch. */
int64_t timespec_zone_next_midnight(const struct timespec_zone *z, int64_t t_ms);

/* Labels of a local day (days since 1970-01-01): "2026-03-29", "2026-W13" (ISO), "2026-03". */
void timespec_day_label(int64_t day, char *buf, size_t n);
void timespec_week_label(int64_t day, char *buf, size_t n);
void timespec_month_label(int64_t day, char *buf, size_t n);

#endif
