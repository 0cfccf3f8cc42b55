#ifndef STINT_CLI_OUTPUT_H
#define STINT_CLI_OUTPUT_H

/*
 * Human and JSON output of the CLI. The formatting functions are pure: a reply (or a part of
 * it), $HOME and the current time in, text out. Times print in the local time zone.
 */

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "protocol.h"

/* Long enough for any line built from protocol-bounded fields. */
#define OUTPUT_LINE_MAX (2 * PROTO_MAX_PATH + 2 * PROTO_MAX_FOCUS + 256)

/* Terminal columns of s, counted as UTF-8 code points. */
size_t output_columns(const char *s);
/* s cut to at most max columns, ending in "..." when cut. */
void output_cut(const char *s, size_t max, char *buf, size_t n);
/* s, then blanks up to width columns. */
void output_pad(FILE *out, const char *s, size_t width);

/* path with a leading home directory shown as "~"; path itself when home is NULL or "/". */
void output_home_path(const char *path, const char *home, char *buf, size_t n);

/*
 * Parses an RFC 3339 time ("2026-11-25T14:05:09+01:00", "...Z", fractional seconds allowed)
 * into milliseconds since the epoch. Returns 0 or -EINVAL.
 */
int output_parse_time(const char *s, int64_t *ms);

/* A session's "started_at" (RFC 3339, or milliseconds as an integer). Returns 0 or -EINVAL. */
int output_session_started(const json_t *session, int64_t *ms);

/* "14:05" on the local day of now_ms, else "2026-11-24 14:05". */
void output_when(int64_t t_ms, int64_t now_ms, char *buf, size_t n);

/*
 * One status line: "[active] ~/src/stint on main: \"focus\", 1h 02m active, started 14:05",
 * followed by indented lines for work seen while paused and a recovery, when there are any.
 */
void output_session_line(const json_t *session, const char *home, int64_t now_ms, char *buf,
			 size_t n);

/*
 * The confirmation printed after cmd succeeded, without a newline:
 * "Started \"focus\" in ~/src/stint on main at 14:05", "Stopped \"focus\" after 2h 05m active.",
 * ... kind is the note kind for PROTO_CMD_NOTE ("note", "learning", "challenge"), "next" for a
 * PROTO_CMD_TODO made with --next, else ignored.
 */
void output_confirm(enum proto_cmd cmd, const char *kind, const json_t *session, const char *home,
		    int64_t now_ms, char *buf, size_t n);

/*
 * The two stderr lines (each "stint: ...\n") for an already_running refusal: what runs where
 * since when, and the command that stops it; "-C <repo>" is added unless cwd is inside the
 * session's repository.
 */
void output_already_running(const json_t *session, const char *cwd, const char *home,
			    int64_t now_ms, char *buf, size_t n);

/* "stintd 0.1.0, pid 4242, up 1h 05m" from a reply's "daemon" object. */
void output_daemon_line(const json_t *daemon, char *buf, size_t n);

/*
 * The closed sessions of a list reply as aligned lines: start date and time, active time,
 * repository name, focus, log path ("(cancelled)" or "(no log)" when there is none).
 */
void output_list(FILE *out, const json_t *sessions);

/*
 * The line about a stop reply's "log_commit" ({"committed": bool, "message": "..."}), without
 * a newline: "Committed the log on main." when committed, else its message as it is. Returns 1
 * when committed (a line for stdout), 0 when not (for stderr), -1 when there is nothing to say.
 */
int output_log_commit(const json_t *log_commit, char *buf, size_t n);

/*
 * For a stop reply about a session that had stopped by itself ("stopped": {"by", "why", "at"}):
 * "the session in widget stopped automatically at 14:02 (idle for 2h 00m)", no newline.
 */
void output_stopped_earlier(const json_t *reply, int64_t now_ms, char *buf, size_t n);

/* The progress line of a running check: "running check \"make test\" (2/3, 12 s)…". */
void output_check_progress(const char *name, int64_t index, int64_t count, int64_t elapsed_s,
			   int64_t timeout_s, char *buf, size_t n);

/* True when s is a calendar date written YYYY-MM-DD (a real day: no 2026-02-30). */
bool output_valid_date(const char *s);

/*
 * The logs among the sessions of a list reply (newest first, as stintd sends them; sessions
 * without a log are skipped). Without date: the newest log alone. With date (YYYY-MM-DD): the
 * logs of the sessions started on that local day, oldest first. Fills paths (pointers into
 * sessions) with at most max of them and returns how many.
 */
size_t output_select_logs(const json_t *sessions, const char *date, const char **paths, size_t max);

/* Writes msg as one JSON document and a newline, indented when pretty. Returns 0 or -1. */
int output_json(FILE *out, const json_t *msg, bool pretty);

/* "stint: " and the message as a line on stderr: how every failure is reported. */
void output_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void output_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Adds to what output_error_text returns without printing (getopt printed it already). */
void output_error_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Every message output_error printed in this run, joined with "; ". */
const char *output_error_text(void);
/*
 * {"v":1,"ok":false,"error":{"code":code,"message":output_error_text()}}, as stintd's refusals
 * look: what --json prints when a command fails without a reply to print. 0 or -1.
 */
int output_json_error(FILE *out, const char *code, bool pretty);

#endif
