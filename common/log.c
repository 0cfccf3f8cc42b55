#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_prog = "stint";
static enum log_level log_level = LOG_LEVEL_INFO;

void log_init(const char *prog, enum log_level level)
{
	log_prog = prog;
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

static void log_vwrite(enum log_level level, const char *tag, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void log_vwrite(enum log_level level, const char *tag, int err, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One write per message so concurrent threads do not interleave lines. */
	if (err)
		fprintf(stderr, "%s: %s%s: %s\n", log_prog, tag, msg, strerror(err));
	else
		fprintf(stderr, "%s: %s%s\n", log_prog, tag, msg);
}

#define LOG_BODY(level, tag, err)                                                                  \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vwrite(level, tag, err, fmt, ap);                                              \
		va_end(ap);                                                                        \
	} while (0)

void log_warn(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_LEVEL_WARN, "warning: ", err);
	errno = err;
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, "warning: ", 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, "", 0);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, "debug: ", 0);
}

void fatal(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_LEVEL_ERROR, "error: ", err);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, "error: ", 0);
	exit(1);
}
