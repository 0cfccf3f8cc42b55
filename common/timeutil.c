#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t time_ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t time_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return time_ts_ns(&ts);
}

int64_t time_mono_ns(void)
{
	return time_clock_ns(CLOCK_MONOTONIC);
}

int64_t time_boot_ns(void)
{
	return time_clock_ns(CLOCK_BOOTTIME);
}

int64_t time_wall_ms(void)
{
	return time_clock_ns(CLOCK_REALTIME) / 1000000;
}

int64_t time_wall_ns(void)
{
	return time_clock_ns(CLOCK_REALTIME);
}

int time_boot_id(char out[TIME_BOOT_ID_LEN + 1])
{
	ssize_t n;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, out, TIME_BOOT_ID_LEN);
	close(fd);
	if (n != TIME_BOOT_ID_LEN)
		return -EIO;
	out[TIME_BOOT_ID_LEN] = '\0';
	return 0;
}

void time_format_local(int64_t wall_ms, const char *fmt, char *buf, size_t n)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!localtime_r(&t, &tm) || strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "?");
#pragma GCC diagnostic pop
}

void time_format_rfc3339(int64_t wall_ms, char *buf, size_t n)
{
	char off[8];
	size_t len;

	time_format_local(wall_ms, "%Y-%m-%dT%H:%M:%S", buf, n);
	time_format_local(wall_ms, "%z", off, sizeof(off));
	len = strlen(buf);
	/* strftime gives +0100; RFC 3339 wants +01:00. */
	if (strlen(off) == 5)
		snprintf(buf + len, n - len, "%.3s:%.2s", off, off + 3);
}
