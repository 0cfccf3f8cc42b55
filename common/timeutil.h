#ifndef STINT_TIMEUTIL_H
#define STINT_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TIME_BOOT_ID_LEN 36

/* Durations come from these two; CLOCK_MONOTONIC stops during suspend, CLOCK_BOOTTIME does not. */
int64_t time_mono_ns(void);
int64_t time_boot_ns(void);
/* Wall clock in milliseconds since the epoch: only for labels and dates. */
int64_t time_wall_ms(void);
/* Wall clock in ns, and a timespec in ns: for file timestamps, which come from that clock. */
int64_t time_wall_ns(void);
int64_t time_ts_ns(const struct timespec *t);

/* Reads /proc/sys/kernel/random/boot_id into out (37 bytes). Returns 0 or -errno. */
int time_boot_id(char out[TIME_BOOT_ID_LEN + 1]);

/* Local time with its offset: "2026-11-25T14:05:09+01:00". */
void time_format_rfc3339(int64_t wall_ms, char *buf, size_t n);
/* strftime on the local time of wall_ms. */
void time_format_local(int64_t wall_ms, const char *fmt, char *buf, size_t n);

#endif
