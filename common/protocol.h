#ifndef STINT_PROTOCOL_H
#define STINT_PROTOCOL_H

/*
 * Wire protocol between stint and stintd: one JSON object per line over a unix stream socket.
 * Every request and reply carries "v": STINT_PROTO_VERSION. See docs/protocol.md.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STINT_PROTO_VERSION 1

/* A request line, newline included, may not exceed this; a longer one closes the connection. */
#define PROTO_MAX_LINE	(64 * 1024)
#define PROTO_MAX_PATH	4096
#define PROTO_MAX_FOCUS 256
#define PROTO_MAX_TEXT	8192
#define PROTO_MAX_TAGS	16
#define PROTO_MAX_TAG	64
#define PROTO_MAX_LIST	1000
/* stop's "env": at most this many variables and bytes of NAME=VALUE text in all. */
#define PROTO_MAX_ENV_VARS  256
#define PROTO_MAX_ENV_BYTES (32 * 1024)
/* A report's zone table: the local offsets over its range (timespec.h). */
#define PROTO_MAX_ZONE 512
/* add: an imported session's source_key (its source's own identity) */
#define PROTO_MAX_SOURCE_KEY 2048

/* Stable error codes: clients may switch on them. */
#define PROTO_ERR_BAD_JSON	  "bad_json"
#define ERR_BAD_UTF8		  "bad_utf8"
#define PROTO_ERR_BAD_VERSION	  "bad_version"
#define PROTO_ERR_UNKNOWN_COMMAND "unknown_command"
#define PROTO_ERR_BAD_REQUEST	  "bad_request"
#define PROTO_ERR_TOO_LARGE	  "too_large"
#define PROTO_ERR_PERMISSION	  "permission_denied"
#define PROTO_ERR_NO_SESSION	  "no_session"
#define PROTO_ERR_ALREADY_RUNNING "already_running"
#define PROTO_ERR_BAD_STATE	  "bad_state"
#define PROTO_ERR_BAD_PATH	  "bad_path"
#define PROTO_ERR_LOG_FAILED	  "log_failed"
#define PROTO_ERR_STORE_FAILED	  "store_failed"
#define PROTO_ERR_SHUTTING_DOWN	  "shutting_down"
#define PROTO_ERR_NOTIFY_FAILED	  "notify_failed"
#define PROTO_ERR_INTERNAL	  "internal"
#define PROTO_ERR_NOT_WATCHED	  "not_watched"
#define PROTO_ERR_NO_LOG_COMMIT	  "no_log_commit"
#define PROTO_ERR_IDLE_TIMEOUT	  "idle_timeout"
#define PROTO_ERR_TOO_MANY	  "too_many_connections"
#define PROTO_ERR_OVERLAP	  "overlap"

enum proto_cmd {
	PROTO_CMD_START,
	PROTO_CMD_STATUS,
	PROTO_CMD_STOP,
	PROTO_CMD_PAUSE,
	PROTO_CMD_RESUME,
	PROTO_CMD_CANCEL,
	PROTO_CMD_NOTE,
	PROTO_CMD_TODO,
	PROTO_CMD_DECISION,
	PROTO_CMD_LIST,
	PROTO_CMD_PING,
	PROTO_CMD_KEEP,
	PROTO_CMD_NOTIFY_TEST,
	PROTO_CMD_WATCH,
	PROTO_CMD_UNWATCH,
	PROTO_CMD_WATCHED,
	PROTO_CMD_LOG_COMMIT,
	PROTO_CMD_NOTIFY_STATUS,
	PROTO_CMD_REPORT,
	PROTO_CMD_ADD,
	PROTO_CMD_EXPORT,
	PROTO_CMD_EDIT,
	PROTO_CMD_REGENERATE,
	PROTO_CMD__COUNT,
};

enum proto_note_kind {
	PROTO_NOTE_PLAIN,
	PROTO_NOTE_LEARNING,
	PROTO_NOTE_CHALLENGE,
};

enum proto_priority {
	PROTO_PRIO_HIGH,
	PROTO_PRIO_MEDIUM,
	PROTO_PRIO_LOW,
	PROTO_PRIO_BLOCKED,
};

/*
 * A decoded, validated request. Strings point into the JSON document held in root and live as
 * long as the request; absent optional strings are NULL.
 */
struct proto_request {
	enum proto_cmd cmd;
	const char *cwd;
	const char *focus;
	const char *tags[PROTO_MAX_TAGS];
	size_t ntags;
	const char *text;
	const char *why;
	const char *summary;
	const char *blocked_by;
	bool no_log;
	bool next;	 /* todo: for the next session, listed under Next Steps */
	bool no_checks;	 /* stop: skip the [checks] */
	bool progress;	 /* stop: send progress messages before the reply */
	bool edit;	 /* stop: the client edits the log, then sends log_commit */
	bool edited;	 /* log_commit: the editor exited 0 */
	const char *log; /* log_commit: the log's path, as stop replied it */
	/* stop: the caller's environment for the [checks], an array of "NAME=VALUE" strings
	 * (names valid shell names, given once; values without NUL), or NULL. Held by root. */
	json_t *env;
	enum proto_note_kind note_kind;
	enum proto_priority priority;
	int64_t limit;
	/* list, report: the range [from, to) in wall ms; -1 when absent (list: no range) */
	int64_t from, to;
	const json_t *by;		 /* report: 1 or 2 dimension names (report_group.h) */
	const json_t *zone;		 /* report: [[at_ms, offset_s], ...], increasing, or NULL */
	int64_t before_ended, before_id; /* list: the page after this (ended_at ms, id); -1 */
	/* add: a closed session [start_ms, end_ms) in the repository of cwd, or named repo */
	const char *repo, *repo_name, *origin, *source_key;
	/* edit, regenerate: a closed (or open) session's id; -1 when absent */
	int64_t id;
	/* start, stop: "at" (wall ms; -1 absent); edit: the new start and end (-1 absent);
	 * add: its start and end */
	int64_t at, start_ms, end_ms;
	const char *untags[PROTO_MAX_TAGS]; /* edit: tags to remove */
	size_t nuntags;
	json_t *root;
};

struct proto_error {
	const char *code;
	char message[256];
};

const char *proto_cmd_name(enum proto_cmd cmd);
/* Returns the command, or -1 for an unknown name. */
int proto_cmd_lookup(const char *name);
const char *proto_note_kind_name(enum proto_note_kind kind);
int proto_note_kind_lookup(const char *name);
const char *proto_priority_name(enum proto_priority prio);
int proto_priority_lookup(const char *name);

/*
 * Decodes and validates one request line (without its newline). Returns 0 and fills req, which
 * must then be released with proto_request_release; or -1 with err filled and nothing to release.
 */
int proto_request_parse(const char *line, size_t len, struct proto_request *req,
			struct proto_error *err);
/* Whether name (n bytes) is a shell variable name: a letter or '_', then letters, digits, '_'. */
bool proto_env_name_ok(const char *name, size_t n);
/* Text of spaces, tabs and newlines only, which no text field takes (nor an empty one). */
bool proto_is_blank(const char *s);
void proto_request_release(struct proto_request *req);

/* {"v":1,"cmd":name}: the start of every request a client builds. */
json_t *proto_request_new(enum proto_cmd cmd);

/* {"v":1,"ok":true}; callers add fields. */
json_t *proto_reply_ok(void);
/* {"v":1,"ok":false,"error":{"code":code,"message":...}} */
json_t *proto_reply_error(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A client's check of the envelope every reply shares: an object, "v" equal to
 * STINT_PROTO_VERSION, a boolean "ok", and when ok is false an "error" object with a string
 * "code". Returns 0; -EPROTONOSUPPORT for another protocol version; -EPROTO for anything else.
 * err then says why, as a sentence about stintd.
 */
int proto_reply_check(const json_t *reply, char *err, size_t errn);
/* True for a reply whose "ok" is true. */
bool proto_reply_is_ok(const json_t *reply);
/* A refusal's error code and message; NULL when the reply has none. */
const char *proto_reply_error_code(const json_t *reply);
const char *proto_reply_error_message(const json_t *reply);

/*
 * A progress message, sent before the reply to a request that asked for them ("progress": true):
 * {"v":1,"progress":{"what":what, ...}}. It has no "ok": a client tells it from the reply by
 * that. body's reference is stolen.
 */
json_t *proto_progress_new(const char *what, json_t *body);
/* The "progress" object of a message that is one, else NULL. */
const json_t *proto_progress_get(const json_t *msg);

/* Compact JSON plus the terminating newline, malloc'd; NULL on allocation failure. */
char *proto_encode(const json_t *msg, size_t *len);

#endif
