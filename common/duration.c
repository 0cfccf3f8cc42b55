#include "duration.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>

int duration_parse(const char *s, int64_t *out_s)
{
	int64_t total = 0;
	int nterms = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		int64_t v = 0, unit;
		int ndigits = 0;

		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > DURATION_MAX_S)
				return -EINVAL;
			p++;
			ndigits++;
		}
		if (ndigits == 0)
			return -EINVAL;
		switch (*p) {
		case 's':
			unit = 1;
			p++;
			break;
		case 'm':
			unit = 60;
			p++;
			break;
		case 'h':
			unit = 3600;
			p++;
			break;
		case 'd':
			unit = 86400;
			p++;
			break;
		case '\0':
			/* A bare number means seconds, but only as the whole value. */
			if (nterms > 0)
				return -EINVAL;
			unit = 1;
			break;
		default:
			return -EINVAL;
		}
		if (v > DURATION_MAX_S / unit)
			return -EINVAL;
		total += v * unit;
		if (total > DURATION_MAX_S)
			return -EINVAL;
		nterms++;
	}
	*out_s = total;
	return 0;
}

void duration_format_long(int64_t s, char *buf, size_t n)
{
	int64_t h, m;

	if (s < 0)
		s = 0;
	h = s / 3600;
	m = (s % 3600) / 60;
	if (h == 0 && m == 0)
		snprintf(buf, n, "%lld second%s", (long long)s, s == 1 ? "" : "s");
	else if (h == 0)
		snprintf(buf, n, "%lld minute%s", (long long)m, m == 1 ? "" : "s");
	else if (m == 0)
		snprintf(buf, n, "%lld hour%s", (long long)h, h == 1 ? "" : "s");
	else
		snprintf(buf, n, "%lld hour%s %lld minute%s", (long long)h, h == 1 ? "" : "s",
			 (long long)m, m == 1 ? "" : "s");
}

void duration_format_short(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, n, "%lldh %02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
}
