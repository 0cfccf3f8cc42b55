#ifndef STINT_LOG_H
#define STINT_LOG_H

#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Messages go to stderr as "prog: level: text"; journald adds the timestamps. */
void log_init(const char *prog, enum log_level level);
enum log_level log_get_level(void);

#define LOG_PRINTF __attribute__((format(printf, 1, 2)))
/* log_warn and fatal append ": strerror(errno)"; the x variants do not. */
void log_warn(const char *fmt, ...) LOG_PRINTF;
void log_warnx(const char *fmt, ...) LOG_PRINTF;
void log_info(const char *fmt, ...) LOG_PRINTF;
void log_debug(const char *fmt, ...) LOG_PRINTF;
noreturn void fatal(const char *fmt, ...) LOG_PRINTF;
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF;

#endif
