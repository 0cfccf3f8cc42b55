#include "timespec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "suggest.h"

#define TIMESPEC_DAY_S 86400LL

static int timespec_fail(char *err, size_t errn, const char *s, const char *why)
{
	snprintf(err, errn, "bad TIME '%.80s': %s", s, why);
	return -EINVAL;
}

static int64_t timespec_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t timespec_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = timespec_floor_div(y, 400);
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void timespec_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = timespec_floor_div(z, 146097);
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool timespec_valid_date(int y, int m, int d)
{
	int64_t y2;
	unsigned m2, d2;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	timespec_civil_from_days(timespec_days_from_civil(y, (unsigned)m, (unsigned)d), &y2, &m2,
				 &d2);
	return m2 == (unsigned)m && d2 == (unsigned)d;
}

/* Local wall time to the epoch; mktime decides DST (a time a spring change skips moves on). */
static int64_t timespec_local_ms(int y, int mon, int d, int h, int mi, int sec)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mon - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = sec,
			.tm_isdst = -1};

	return (int64_t)mktime(&tm) * 1000;
}

static void timespec_local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)timespec_floor_div(ms, 1000);

	localtime_r(&t, tm);
}

/* The local midnight `days` days after the one of ms's local day. */
static int64_t timespec_midnight(int64_t ms, int days)
{
	struct tm tm;

	timespec_local_tm(ms, &tm);
	return timespec_local_ms(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + days, 0, 0, 0);
}

/* "HH:MM" or "HH:MM:SS", the whole of s. */
static bool timespec_clock(const char *s, int *h, int *mi, int *sec)
{
	int n = 0;

	*sec = 0;
	if (!(sscanf(s, "%2d:%2d%n", h, mi, &n) == 2 && n == 5 && isdigit((unsigned char)s[0]) &&
	      isdigit((unsigned char)s[3])))
		return false;
	if (s[n] == ':') {
		int m = 0;

		if (sscanf(s + n + 1, "%2d%n", sec, &m) != 1 || m != 2)
			return false;
		n += 3;
	}
	return s[n] == '\0' && *h >= 0 && *h <= 23 && *mi >= 0 && *mi <= 59 && *sec >= 0 &&
	       *sec <= 59;
}

/* "Z", "+01:00", "+0100", "-05" at the end of an ISO time: the offset in seconds. */
static bool timespec_offset(const char *s, int *off_s)
{
	int h = 0, m = 0, n = 0;

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
		*off_s = 0;
		return true;
	}
	if (*s != '+' && *s != '-')
		return false;
	if (!(sscanf(s + 1, "%2d:%2d%n", &h, &m, &n) == 2 && n == 5) &&
	    !(sscanf(s + 1, "%2d%2d%n", &h, &m, &n) == 2 && n == 4) &&
	    !(sscanf(s + 1, "%2d%n", &h, &n) == 1 && n == 2 && (m = 0) == 0))
		return false;
	if (s[1 + n] != '\0' || !isdigit((unsigned char)s[1]) || h > 23 || m > 59)
		return false;
	*off_s = (*s == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return true;
}

/* "2026-12-01", "2026-12-01T09:00[:SS]" or with a blank, and an optional offset. */
static int timespec_iso(const char *s, int64_t *out, char *err, size_t errn)
{
	int y, mon, d, h = 0, mi = 0, sec = 0, n = 0, off;
	char clock[16];
	const char *p, *z;
	size_t len;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mon, &d, &n) != 3 || n != 10)
		return timespec_fail(err, errn, s, "not a time (see 'stint help report')");
	if (!timespec_valid_date(y, mon, d))
		return timespec_fail(err, errn, s, "no such date");
	p = s + 10;
	if (*p == '\0') {
		*out = timespec_local_ms(y, mon, d, 0, 0, 0);
		return 0;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return timespec_fail(err, errn, s, "expected 'T' or a blank after the date");
	p++;
	/* The clock runs to the offset, if any. */
	z = p + strcspn(p, "Zz+-");
	len = (size_t)(z - p);
	if (len >= sizeof(clock))
		return timespec_fail(err, errn, s, "bad time of day (HH:MM or HH:MM:SS)");
	memcpy(clock, p, len);
	clock[len] = '\0';
	if (!timespec_clock(clock, &h, &mi, &sec))
		return timespec_fail(err, errn, s, "bad time of day (HH:MM or HH:MM:SS)");
	if (*z == '\0') {
		*out = timespec_local_ms(y, mon, d, h, mi, sec);
		return 0;
	}
	if (!timespec_offset(z, &off))
		return timespec_fail(err, errn, s, "bad UTC offset (Z, +HH:MM, -HHMM)");
	*out = ((timespec_days_from_civil(y, (unsigned)mon, (unsigned)d) * TIMESPEC_DAY_S +
		 h * 3600 + mi * 60 + sec) -
		off) *
	       1000;
	return 0;
}

/* "10m ago", "1h30m ago", "2d ago". */
static int timespec_ago(const char *s, int64_t now_ms, int64_t *out, char *err, size_t errn)
{
	size_t len = strlen(s);
	char num[32];
	int64_t secs;

	if (len < 5 || len - 4 >= sizeof(num))
		return timespec_fail(err, errn, s, "expected a duration before 'ago' (10m ago)");
	memcpy(num, s, len - 4);
	num[len - 4] = '\0';
	if (duration_parse(num, &secs) < 0)
		return timespec_fail(err, errn, s,
				     "expected a duration before 'ago' (90s, 10m, 2h, 1h30m, 3d)");
	*out = now_ms - secs * 1000;
	return 0;
}

static int timespec_parse_any(const char *s, int64_t now_ms, int64_t *out, char *err, size_t errn)
{
	int h, mi, sec, day = 0;
	const char *clock = s;
	size_t len = strlen(s);
	struct tm tm;

	if (strcmp(s, "now") == 0) {
		*out = now_ms;
		return 0;
	}
	if (len > 4 && strcmp(s + len - 4, " ago") == 0)
		return timespec_ago(s, now_ms, out, err, errn);
	if (strncmp(s, "today", 5) == 0 && (s[5] == ' ' || !s[5])) {
		clock = s[5] ? s + 6 : "00:00";
	} else if (strncmp(s, "yesterday", 9) == 0 && (s[9] == ' ' || !s[9])) {
		clock = s[9] ? s + 10 : "00:00";
		day = -1;
	} else if (isdigit((unsigned char)s[0]) && strlen(s) >= 10 && s[4] == '-') {
		return timespec_iso(s, out, err, errn);
	}
	if (!timespec_clock(clock, &h, &mi, &sec))
		return timespec_fail(err, errn, s,
				     "not a time: use 14:05, yesterday 17:30, 10m ago, "
				     "2026-12-01T09:00 or ISO 8601 with an offset");
	timespec_local_tm(now_ms, &tm);
	*out = timespec_local_ms(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + day, h, mi, sec);
	return 0;
}

int timespec_parse_time(const char *s, int64_t now_ms, int64_t *out_ms, char *err, size_t errn)
{
	char when[40];
	int r;

	if (!s || !*s)
		return timespec_fail(err, errn, "", "empty");
	if ((r = timespec_parse_any(s, now_ms, out_ms, err, errn)) < 0)
		return r;
	if (*out_ms < 0)
		return timespec_fail(err, errn, s, "before 1970");
	if (*out_ms > now_ms) {
		struct tm tm;

		timespec_local_tm(*out_ms, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		snprintf(err, errn, "bad TIME '%.80s': %s is in the future", s, when);
		return -EINVAL;
	}
	return 0;
}

bool timespec_is_time(const char *s, int64_t now_ms)
{
	char err[256];
	int64_t ms;

	return s && *s && timespec_parse_any(s, now_ms, &ms, err, sizeof(err)) == 0;
}

static const char *const timespec_ranges[] = {
    "today", "yesterday", "week", "last-week", "month", "last-month", "year", "all",
};

bool timespec_is_range(const char *s)
{
	for (size_t i = 0; i < sizeof(timespec_ranges) / sizeof(*timespec_ranges); i++)
		if (strcmp(s, timespec_ranges[i]) == 0)
			return true;
	return false;
}

int timespec_parse_range(const char *s, int64_t now_ms, int64_t *from_ms, int64_t *to_ms, char *err,
			 size_t errn)
{
	struct tm tm;
	int monday, y, m;

	timespec_local_tm(now_ms, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	monday = (tm.tm_wday + 6) % 7; /* days since Monday */
	if (strcmp(s, "today") == 0) {
		*from_ms = timespec_midnight(now_ms, 0);
		*to_ms = timespec_midnight(now_ms, 1);
	} else if (strcmp(s, "yesterday") == 0) {
		*from_ms = timespec_midnight(now_ms, -1);
		*to_ms = timespec_midnight(now_ms, 0);
	} else if (strcmp(s, "week") == 0) {
		*from_ms = timespec_midnight(now_ms, -monday);
		*to_ms = timespec_midnight(now_ms, 7 - monday);
	} else if (strcmp(s, "last-week") == 0) {
		*from_ms = timespec_midnight(now_ms, -monday - 7);
		*to_ms = timespec_midnight(now_ms, -monday);
	} else if (strcmp(s, "month") == 0) {
		*from_ms = timespec_local_ms(y, m, 1, 0, 0, 0);
		*to_ms = timespec_local_ms(y, m + 1, 1, 0, 0, 0);
	} else if (strcmp(s, "last-month") == 0) {
		*from_ms = timespec_local_ms(y, m - 1, 1, 0, 0, 0);
		*to_ms = timespec_local_ms(y, m, 1, 0, 0, 0);
	} else if (strcmp(s, "year") == 0) {
		*from_ms = timespec_local_ms(y, 1, 1, 0, 0, 0);
		*to_ms = timespec_local_ms(y + 1, 1, 1, 0, 0, 0);
	} else if (strcmp(s, "all") == 0) {
		*from_ms = 0;
		*to_ms = now_ms + 1;
	} else {
		struct suggest sg;
		char mean[128] = "";

		suggest_init(&sg, s);
		for (size_t i = 0; i < sizeof(timespec_ranges) / sizeof(*timespec_ranges); i++)
			suggest_consider(&sg, timespec_ranges[i]);
		if (suggest_format(&sg, "", mean + 2, sizeof(mean) - 2))
			memcpy(mean, "; ", 2);
		snprintf(err, errn,
			 "bad RANGE '%.80s': use today, yesterday, week, last-week, month, "
			 "last-month, year, all, or --from TIME --to TIME%s",
			 s, mean);
		return -EINVAL;
	}
	return 0;
}

int timespec_check_range(int64_t from_ms, int64_t to_ms, char *err, size_t errn)
{
	if (to_ms <= from_ms) {
		snprintf(err, errn, "bad range: --to must come after --from");
		return -EINVAL;
	}
	return 0;
}

void timespec_zone_fixed(struct timespec_zone *z, int32_t off_s)
{
	z->n = 1;
	z->at_ms[0] = INT64_MIN;
	z->off_s[0] = off_s;
}

int timespec_zone_add(struct timespec_zone *z, int64_t at_ms, int32_t off_s)
{
	if (z->n >= TIMESPEC_ZONE_MAX || (z->n && at_ms <= z->at_ms[z->n - 1]))
		return -1;
	z->at_ms[z->n] = at_ms;
	z->off_s[z->n] = off_s;
	z->n++;
	return 0;
}

static int32_t timespec_local_offset(int64_t t_s)
{
	time_t t = (time_t)t_s;
	struct tm tm;

	localtime_r(&t, &tm);
	return (int32_t)tm.tm_gmtoff;
}

int timespec_zone_local(int64_t from_ms, int64_t to_ms, struct timespec_zone *z)
{
	int64_t t = timespec_floor_div(from_ms, 1000), end = timespec_floor_div(to_ms, 1000) + 1;
	int32_t off = timespec_local_offset(t);

	z->n = 0;
	timespec_zone_add(z, INT64_MIN, off);
	/* A day at a time: offsets change at most a few times a year; then the exact second. */
	while (t < end) {
		int64_t next = t + TIMESPEC_DAY_S, lo = t, hi;
		int32_t o = timespec_local_offset(next);

		if (o != off) {
			hi = next;
			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;

				if (timespec_local_offset(mid) == off)
					lo = mid;
				else
					hi = mid;
			}
			o = timespec_local_offset(hi);
			if (timespec_zone_add(z, hi * 1000, o) < 0)
				return -ERANGE;
			off = o;
			next = hi;
		}
		t = next;
	}
	return 0;
}

int32_t timespec_zone_offset(const struct timespec_zone *z, int64_t t_ms)
{
	size_t lo = 0, hi = z->n;

	/* The last change at or before t_ms. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->at_ms[mid] <= t_ms)
			lo = mid;
		else
			hi = mid;
	}
	return z->n ? z->off_s[lo] : 0;
}

int64_t timespec_zone_day(const struct timespec_zone *z, int64_t t_ms)
{
	return timespec_floor_div(timespec_floor_div(t_ms, 1000) + timespec_zone_offset(z, t_ms),
				  TIMESPEC_DAY_S);
}

int64_t timespec_zone_next_midnight(const struct timespec_zone *z, int64_t t_ms)
{
	int64_t next_local = (timespec_zone_day(z, t_ms) + 1) * TIMESPEC_DAY_S;
	int32_t off = timespec_zone_offset(z, t_ms);
	int64_t cand = (next_local - off) * 1000;
	int32_t off2 = timespec_zone_offset(z, cand);

	/* An offset change before midnight moves midnight with it. */
	if (off2 != off) {
		int64_t cand2 = (next_local - off2) * 1000;

		if (cand2 > t_ms && timespec_zone_offset(z, cand2) == off2)
			cand = cand2;
	}
	return cand > t_ms ? cand : t_ms + 1;
}

void timespec_day_label(int64_t day, char *buf, size_t n)
{
	int64_t y;
	unsigned m, d;

	timespec_civil_from_days(day, &y, &m, &d);
	snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, m, d);
}

void timespec_week_label(int64_t day, char *buf, size_t n)
{
	/* ISO 8601: the week's Thursday decides its year; weeks start on Monday. */
	int64_t wd = ((day + 3) % 7 + 7) % 7, thursday = day - wd + 3, y;
	unsigned m, d;

	timespec_civil_from_days(thursday, &y, &m, &d);
	snprintf(buf, n, "%04lld-W%02lld", (long long)y,
		 (long long)((thursday - timespec_days_from_civil(y, 1, 1)) / 7 + 1));
}

void timespec_month_label(int64_t day, char *buf, size_t n)
{
	int64_t y;
	unsigned m, d;

	timespec_civil_from_days(day, &y, &m, &d);
	snprintf(buf, n, "%04lld-%02u", (long long)y, m);
}
