#include "protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_group.h"

static const char *const cmd_names[PROTO_CMD__COUNT] = {
    [PROTO_CMD_START] = "start",
    [PROTO_CMD_STATUS] = "status",
    [PROTO_CMD_STOP] = "stop",
    [PROTO_CMD_PAUSE] = "pause",
    [PROTO_CMD_RESUME] = "resume",
    [PROTO_CMD_CANCEL] = "cancel",
    [PROTO_CMD_NOTE] = "note",
    [PROTO_CMD_TODO] = "todo",
    [PROTO_CMD_DECISION] = "decision",
    [PROTO_CMD_LIST] = "list",
    [PROTO_CMD_PING] = "ping",
    [PROTO_CMD_KEEP] = "keep",
    [PROTO_CMD_NOTIFY_TEST] = "notify_test",
    [PROTO_CMD_WATCH] = "watch",
    [PROTO_CMD_UNWATCH] = "unwatch",
    [PROTO_CMD_WATCHED] = "watched",
    [PROTO_CMD_LOG_COMMIT] = "log_commit",
    [PROTO_CMD_NOTIFY_STATUS] = "notify_status",
    [PROTO_CMD_REPORT] = "report",
    [PROTO_CMD_ADD] = "add",
    [PROTO_CMD_EXPORT] = "export",
    [PROTO_CMD_EDIT] = "edit",
    [PROTO_CMD_REGENERATE] = "regenerate",
};

static const char *const note_kind_names[] = {"note", "learning", "challenge"};
static const char *const priority_names[] = {"high", "medium", "low", "blocked"};

/* A request's fields, one bit each: more than an int holds, so 64-bit masks. */
#define F_CWD	     (UINT64_C(1) << 0)
#define F_FOCUS	     (UINT64_C(1) << 1)
#define F_TAGS	     (UINT64_C(1) << 2)
#define F_TEXT	     (UINT64_C(1) << 3)
#define F_WHY	     (UINT64_C(1) << 4)
#define F_SUMMARY    (UINT64_C(1) << 5)
#define F_NO_LOG     (UINT64_C(1) << 6)
#define F_KIND	     (UINT64_C(1) << 7)
#define F_PRIORITY   (UINT64_C(1) << 8)
#define F_LIMIT	     (UINT64_C(1) << 9)
#define F_BLOCKED_BY (UINT64_C(1) << 10)
#define F_NEXT	     (UINT64_C(1) << 11)
#define F_NO_CHECKS  (UINT64_C(1) << 12)
#define F_PROGRESS   (UINT64_C(1) << 13)
#define F_EDIT	     (UINT64_C(1) << 14)
#define F_LOG	     (UINT64_C(1) << 15)
#define F_EDITED     (UINT64_C(1) << 16)
#define F_ENV	     (UINT64_C(1) << 17)
#define F_FROM	     (UINT64_C(1) << 18)
#define F_TO	     (UINT64_C(1) << 19)
#define F_BY	     (UINT64_C(1) << 20)
#define F_ZONE	     (UINT64_C(1) << 21)
#define F_BEFORE     (UINT64_C(1) << 22)
#define F_REPO	     (UINT64_C(1) << 23)
#define F_START_MS   (UINT64_C(1) << 24)
#define F_END_MS     (UINT64_C(1) << 25)
#define F_ORIGIN     (UINT64_C(1) << 26)
#define F_SOURCE_KEY (UINT64_C(1) << 27)
#define F_REPO_NAME  (UINT64_C(1) << 28)
#define F_ID	     (UINT64_C(1) << 29)
#define F_AT	     (UINT64_C(1) << 30)
#define F_UNTAGS     (UINT64_C(1) << 31)

/* Which fields each command takes, and which of those it requires. */
static const struct {
	uint64_t allowed, required;
} cmd_fields[PROTO_CMD__COUNT] = {
    [PROTO_CMD_START] = {F_CWD | F_FOCUS | F_TAGS | F_AT, F_CWD},
    [PROTO_CMD_STATUS] = {F_CWD, 0},
    [PROTO_CMD_STOP] = {F_CWD | F_SUMMARY | F_NO_LOG | F_NO_CHECKS | F_PROGRESS | F_EDIT | F_ENV |
			    F_AT,
			F_CWD},
    [PROTO_CMD_PAUSE] = {F_CWD, F_CWD},
    [PROTO_CMD_RESUME] = {F_CWD, F_CWD},
    [PROTO_CMD_CANCEL] = {F_CWD, F_CWD},
    [PROTO_CMD_NOTE] = {F_CWD | F_TEXT | F_KIND, F_CWD | F_TEXT},
    [PROTO_CMD_TODO] = {F_CWD | F_TEXT | F_PRIORITY | F_BLOCKED_BY | F_NEXT, F_CWD | F_TEXT},
    [PROTO_CMD_DECISION] = {F_CWD | F_TEXT | F_WHY, F_CWD | F_TEXT},
    [PROTO_CMD_LIST] = {F_CWD | F_LIMIT | F_FROM | F_TO | F_TAGS | F_BEFORE, 0},
    [PROTO_CMD_PING] = {0, 0},
    [PROTO_CMD_KEEP] = {F_CWD, F_CWD},
    [PROTO_CMD_NOTIFY_TEST] = {0, 0},
    [PROTO_CMD_WATCH] = {F_CWD, F_CWD},
    [PROTO_CMD_UNWATCH] = {F_CWD, F_CWD},
    [PROTO_CMD_WATCHED] = {0, 0},
    [PROTO_CMD_LOG_COMMIT] = {F_CWD | F_LOG | F_EDITED, F_CWD | F_LOG | F_EDITED},
    [PROTO_CMD_NOTIFY_STATUS] = {0, 0},
    [PROTO_CMD_REPORT] = {F_CWD | F_FROM | F_TO | F_BY | F_TAGS | F_ZONE, F_FROM | F_TO | F_BY},
    [PROTO_CMD_ADD] = {F_CWD | F_REPO | F_START_MS | F_END_MS | F_FOCUS | F_TAGS | F_ORIGIN |
			   F_SOURCE_KEY | F_REPO_NAME,
		       F_START_MS | F_END_MS | F_ORIGIN},
    [PROTO_CMD_EXPORT] = {F_CWD | F_LIMIT | F_FROM | F_TO | F_TAGS | F_BEFORE, 0},
    [PROTO_CMD_EDIT] = {F_CWD | F_ID | F_FOCUS | F_TAGS | F_UNTAGS | F_START_MS | F_END_MS, F_CWD},
    [PROTO_CMD_REGENERATE] = {F_ID, F_ID},
};

static const struct {
	const char *name;
	uint64_t field;
} field_names[] = {
    {"cwd", F_CWD},
    {"focus", F_FOCUS},
    {"tags", F_TAGS},
    {"text", F_TEXT},
    {"why", F_WHY},
    {"summary", F_SUMMARY},
    {"no_log", F_NO_LOG},
    {"kind", F_KIND},
    {"priority", F_PRIORITY},
    {"limit", F_LIMIT},
    {"blocked_by", F_BLOCKED_BY},
    {"next", F_NEXT},
    {"no_checks", F_NO_CHECKS},
    {"progress", F_PROGRESS},
    {"edit", F_EDIT},
    {"log", F_LOG},
    {"edited", F_EDITED},
    {"env", F_ENV},
    {"from", F_FROM},
    {"to", F_TO},
    {"by", F_BY},
    {"zone", F_ZONE},
    {"before", F_BEFORE},
    {"repo", F_REPO},
    {"start_ms", F_START_MS},
    {"end_ms", F_END_MS},
    {"origin", F_ORIGIN},
    {"source_key", F_SOURCE_KEY},
    {"repo_name", F_REPO_NAME},
    {"id", F_ID},
    {"at", F_AT},
    {"untags", F_UNTAGS},
};

static int proto_name_lookup(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *proto_cmd_name(enum proto_cmd cmd)
{
	return (unsigned)cmd < PROTO_CMD__COUNT ? cmd_names[cmd] : "?";
}

int proto_cmd_lookup(const char *name)
{
	return proto_name_lookup(cmd_names, PROTO_CMD__COUNT, name);
}

const char *proto_note_kind_name(enum proto_note_kind kind)
{
	return (unsigned)kind < 3 ? note_kind_names[kind] : "?";
}

int proto_note_kind_lookup(const char *name)
{
	return proto_name_lookup(note_kind_names, 3, name);
}

const char *proto_priority_name(enum proto_priority prio)
{
	return (unsigned)prio < 4 ? priority_names[prio] : "?";
}

int proto_priority_lookup(const char *name)
{
	return proto_name_lookup(priority_names, 4, name);
}

static int proto_fail(struct proto_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int proto_fail(struct proto_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Control characters other than tab (and newline where multi-line text is allowed) are refused. */
static bool proto_has_control(const char *s, bool allow_newline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t' && !(allow_newline && c == '\n')) || c == 0x7f)
			return true;
	}
	return false;
}

bool proto_is_blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

/* U+202A-U+202E and U+2066-U+2069: they reorder how text around them is shown. */
static bool proto_has_bidi_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
				     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			return true;
	return false;
}

static int proto_get_string(json_t *root, const char *key, size_t max, bool multiline,
			    const char **out, struct proto_error *err)
{
	json_t *v = json_object_get(root, key);
	const char *s;

	if (!json_is_string(v))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "field \"%s\" must be a string", key);
	s = json_string_value(v);
	if (json_string_length(v) == 0)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "field \"%s\" must not be empty",
				  key);
	if (json_string_length(v) > max)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"%s\" is longer than %zu bytes", key, max);
	if (proto_is_blank(s))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "field \"%s\" must not be blank",
				  key);
	if (proto_has_control(s, multiline))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"%s\" contains control characters", key);
	if (proto_has_bidi_control(s))
		return proto_fail(
		    err, PROTO_ERR_BAD_REQUEST,
		    "field \"%s\" contains bidirectional control characters (U+202A-U+202E, "
		    "U+2066-U+2069)",
		    key);
	*out = s;
	return 0;
}

/* "tags" (or edit's "untags"): distinct tags without spaces, commas or controls. */
static int proto_parse_tag_list(json_t *root, const char *key, const char **tags, size_t *ntags,
				struct proto_error *err)
{
	json_t *arr = json_object_get(root, key), *v;
	size_t i;

	if (!json_is_array(arr))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"%s\" must be an array of strings", key);
	if (json_array_size(arr) > PROTO_MAX_TAGS)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "at most %d tags", PROTO_MAX_TAGS);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);

		if (!s || json_string_length(v) == 0 || json_string_length(v) > PROTO_MAX_TAG)
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "tag %zu must be a string of 1 to %d bytes", i + 1,
					  PROTO_MAX_TAG);
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == ',')
				return proto_fail(
				    err, PROTO_ERR_BAD_REQUEST,
				    "tag \"%.64s\" may not contain spaces, commas or control "
				    "characters",
				    s);
		for (size_t k = 0; k < *ntags; k++)
			if (strcmp(tags[k], s) == 0)
				return proto_fail(err, PROTO_ERR_BAD_REQUEST,
						  "tag \"%s\" is given twice", s);
		tags[(*ntags)++] = s;
	}
	return 0;
}

static int proto_parse_tags(json_t *root, struct proto_request *req, struct proto_error *err)
{
	return proto_parse_tag_list(root, "tags", req->tags, &req->ntags, err);
}

bool proto_env_name_ok(const char *name, size_t n)
{
	if (n == 0 || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Whether s names the variable of entry (a validated "NAME=VALUE"). */
static bool proto_env_same_name(const char *entry, const char *s)
{
	size_t n = strcspn(s, "=");

	return strncmp(entry, s, n) == 0 && entry[n] == '=';
}

/* stop's "env": bounded, each entry "NAME=VALUE" with a shell name given once, no NUL. */
static int proto_parse_env(json_t *root, struct proto_request *req, struct proto_error *err)
{
	json_t *arr = json_object_get(root, "env"), *v;
	size_t i, bytes = 0;

	if (!json_is_array(arr))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"env\" must be an array of \"NAME=VALUE\" strings");
	if (json_array_size(arr) > PROTO_MAX_ENV_VARS)
		return proto_fail(err, PROTO_ERR_TOO_LARGE,
				  "field \"env\" has %zu variables; the limit is %d",
				  json_array_size(arr), PROTO_MAX_ENV_VARS);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v), *eq;

		if (!s)
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "env entry %zu must be a string", i + 1);
		/* jansson takes "\u0000" only with JSON_ALLOW_NUL; checked all the same. */
		if (strlen(s) != json_string_length(v))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "env entry %zu contains a NUL byte", i + 1);
		bytes += json_string_length(v);
		if (bytes > PROTO_MAX_ENV_BYTES)
			return proto_fail(err, PROTO_ERR_TOO_LARGE,
					  "field \"env\" is longer than %d bytes (NAME=VALUE "
					  "text, summed)",
					  PROTO_MAX_ENV_BYTES);
		eq = strchr(s, '=');
		/* The name alone is shown: a value may be a secret. */
		if (!eq || !proto_env_name_ok(s, (size_t)(eq - s)))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "env entry %zu (name \"%.*s\") is not NAME=VALUE with a "
					  "shell variable name (letters, digits, '_', not starting "
					  "with a digit)",
					  i + 1, (int)(eq ? (eq - s > 64 ? 64 : eq - s) : 0), s);
		for (size_t k = 0; k < i; k++)
			if (proto_env_same_name(json_string_value(json_array_get(arr, k)), s))
				return proto_fail(err, PROTO_ERR_BAD_REQUEST,
						  "env variable \"%.*s\" is given twice",
						  (int)(eq - s > 64 ? 64 : eq - s), s);
	}
	req->env = arr;
	return 0;
}

/* The command's fields are all there and no others; *present gets their bits. */
static int proto_check_fields(json_t *root, const struct proto_request *req, uint64_t *present,
			      struct proto_error *err)
{
	uint64_t allowed = cmd_fields[req->cmd].allowed;
	const char *key;
	json_t *v;

	*present = 0;
	json_object_foreach(root, key, v)
	{
		size_t i;

		if (strcmp(key, "v") == 0 || strcmp(key, "cmd") == 0)
			continue;
		for (i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
			if (strcmp(field_names[i].name, key) == 0)
				break;
		if (i == sizeof(field_names) / sizeof(field_names[0]) ||
		    !(allowed & field_names[i].field))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "command \"%s\" takes no field \"%.64s\"",
					  proto_cmd_name(req->cmd), key);
		*present |= field_names[i].field;
	}
	for (size_t i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if ((cmd_fields[req->cmd].required & field_names[i].field) &&
		    !(*present & field_names[i].field))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "command \"%s\" needs field \"%s\"",
					  proto_cmd_name(req->cmd), field_names[i].name);
	return 0;
}

/* The booleans of stop and log_commit. */
static int proto_parse_stop_flags(json_t *root, uint64_t present, struct proto_request *req,
				  struct proto_error *err)
{
	static const struct {
		uint64_t f;
		const char *name;
		size_t off;
	} flags[] = {
	    {F_NO_CHECKS, "no_checks", offsetof(struct proto_request, no_checks)},
	    {F_PROGRESS, "progress", offsetof(struct proto_request, progress)},
	    {F_EDIT, "edit", offsetof(struct proto_request, edit)},
	    {F_EDITED, "edited", offsetof(struct proto_request, edited)},
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		json_t *v = json_object_get(root, flags[i].name);

		if (!(present & flags[i].f))
			continue;
		if (!json_is_boolean(v))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"%s\" must be true or false", flags[i].name);
		*(bool *)((char *)req + flags[i].off) = json_is_true(v);
	}
	if (req->edit && req->no_log)
		return proto_fail(
		    err, PROTO_ERR_BAD_REQUEST,
		    "field \"edit\" goes not with \"no_log\": there is no log to edit");
	return 0;
}

/* A wall time in ms: an integer from 0 to the year 9999. */
static int proto_get_wall(json_t *root, const char *key, int64_t *out, struct proto_error *err)
{
	json_t *v = json_object_get(root, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 253402300800000LL)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"%s\" must be a time in milliseconds since 1970", key);
	*out = json_integer_value(v);
	return 0;
}

/* "by": one or two known dimensions, not the same twice. */
static int proto_parse_by(json_t *root, struct proto_request *req, struct proto_error *err)
{
	json_t *by = json_object_get(root, "by"), *v;
	size_t i;

	if (!json_is_array(by) || json_array_size(by) < 1 || json_array_size(by) > 2)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"by\" must be an array of 1 or 2 dimensions");
	json_array_foreach(by, i, v)
	{
		if (!json_is_string(v) || report_dim_lookup(json_string_value(v)) < 0)
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"by\": unknown dimension; use repo, tag, branch, "
					  "focus, author, day, week or month");
	}
	if (json_array_size(by) == 2 && json_equal(json_array_get(by, 0), json_array_get(by, 1)))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "field \"by\" names \"%s\" twice",
				  json_string_value(json_array_get(by, 0)));
	req->by = by;
	return 0;
}

/* "zone": [[at_ms, offset_s], ...], at_ms increasing, offsets within a day. */
static int proto_parse_zone(json_t *root, struct proto_request *req, struct proto_error *err)
{
	json_t *zone = json_object_get(root, "zone"), *v;
	json_int_t last = 0;
	size_t i;

	if (!json_is_array(zone) || json_array_size(zone) < 1 ||
	    json_array_size(zone) > PROTO_MAX_ZONE)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"zone\" must be an array of 1 to %d [ms, offset]",
				  PROTO_MAX_ZONE);
	json_array_foreach(zone, i, v)
	{
		json_t *at = json_array_get(v, 0), *off = json_array_get(v, 1);

		if (json_array_size(v) != 2 || !json_is_integer(at) || !json_is_integer(off) ||
		    json_integer_value(off) < -86400 || json_integer_value(off) > 86400 ||
		    (i > 0 && json_integer_value(at) <= last))
			return proto_fail(
			    err, PROTO_ERR_BAD_REQUEST,
			    "field \"zone\": entry %zu must be [ms, offset in seconds], "
			    "in increasing order",
			    i + 1);
		last = json_integer_value(at);
	}
	req->zone = zone;
	return 0;
}

/* The fields of list and report: range, dimensions, zone, page. */
static int proto_parse_history(json_t *root, uint64_t present, struct proto_request *req,
			       struct proto_error *err)
{
	json_t *v;

	if ((present & F_FROM) && proto_get_wall(root, "from", &req->from, err) < 0)
		return -1;
	if ((present & F_TO) && proto_get_wall(root, "to", &req->to, err) < 0)
		return -1;
	if ((present & F_FROM) != 0 && (present & F_TO) != 0 && req->to <= req->from)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"to\" must come after \"from\"");
	if ((present & F_BY) && proto_parse_by(root, req, err) < 0)
		return -1;
	if ((present & F_ZONE) && proto_parse_zone(root, req, err) < 0)
		return -1;
	if (present & F_BEFORE) {
		v = json_object_get(root, "before");
		if (json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
		    !json_is_integer(json_array_get(v, 1)))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"before\" must be [ended_ms, id]");
		req->before_ended = json_integer_value(json_array_get(v, 0));
		req->before_id = json_integer_value(json_array_get(v, 1));
	}
	return 0;
}

/* add's fields: one of cwd and repo, the times, the origin; repo_name only with repo. */
static int proto_parse_add(json_t *root, uint64_t present, struct proto_request *req,
			   struct proto_error *err)
{
	const char *origin;

	if (req->cmd != PROTO_CMD_ADD)
		return 0;
	if (!(present & F_CWD) == !(present & F_REPO))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "command \"add\" needs one of \"cwd\" and \"repo\"");
	if ((present & F_REPO) &&
	    proto_get_string(root, "repo", PROTO_MAX_PATH, false, &req->repo, err) < 0)
		return -1;
	if ((present & F_REPO_NAME) && !(present & F_REPO))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"repo_name\" goes only with \"repo\"");
	if ((present & F_REPO_NAME) &&
	    proto_get_string(root, "repo_name", PROTO_MAX_PATH, false, &req->repo_name, err) < 0)
		return -1;
	if ((present & F_SOURCE_KEY) && proto_get_string(root, "source_key", PROTO_MAX_SOURCE_KEY,
							 false, &req->source_key, err) < 0)
		return -1;
	if (proto_get_wall(root, "start_ms", &req->start_ms, err) < 0 ||
	    proto_get_wall(root, "end_ms", &req->end_ms, err) < 0)
		return -1;
	if (req->end_ms <= req->start_ms)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"end_ms\" must come after \"start_ms\"");
	origin = json_string_value(json_object_get(root, "origin"));
	if (!origin || (strcmp(origin, "manual") != 0 && strcmp(origin, "imported") != 0))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"origin\" must be \"manual\" or \"imported\"");
	req->origin = origin;
	return 0;
}

/* edit's fields: the id, the new times, the tags to remove; at least one change. */
static int proto_parse_edit(json_t *root, uint64_t present, struct proto_request *req,
			    struct proto_error *err)
{
	json_t *v = json_object_get(root, "id");

	if ((present & F_ID) && (!json_is_integer(v) || json_integer_value(v) < 1))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"id\" must be a session id (a positive integer)");
	if (present & F_ID)
		req->id = json_integer_value(v);
	if ((present & F_AT) && proto_get_wall(root, "at", &req->at, err) < 0)
		return -1;
	if ((present & F_START_MS) && proto_get_wall(root, "start_ms", &req->start_ms, err) < 0)
		return -1;
	if ((present & F_END_MS) && proto_get_wall(root, "end_ms", &req->end_ms, err) < 0)
		return -1;
	if ((present & F_UNTAGS) &&
	    proto_parse_tag_list(root, "untags", req->untags, &req->nuntags, err) < 0)
		return -1;
	for (size_t i = 0; i < req->nuntags; i++)
		for (size_t k = 0; k < req->ntags; k++)
			if (strcmp(req->untags[i], req->tags[k]) == 0)
				return proto_fail(err, PROTO_ERR_BAD_REQUEST,
						  "tag \"%s\" is both added and removed",
						  req->tags[k]);
	if (req->cmd == PROTO_CMD_EDIT &&
	    !(present & (F_FOCUS | F_TAGS | F_UNTAGS | F_START_MS | F_END_MS)))
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "command \"edit\" needs something to change: \"focus\", "
				  "\"tags\", \"untags\", \"start_ms\" or \"end_ms\"");
	if ((present & F_START_MS) && (present & F_END_MS) && req->end_ms <= req->start_ms)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"end_ms\" must come after \"start_ms\"");
	return 0;
}

static int proto_parse_fields(json_t *root, struct proto_request *req, struct proto_error *err)
{
	uint64_t present;
	json_t *v;

	if (proto_check_fields(root, req, &present, err) < 0)
		return -1;
	if (present & F_CWD) {
		if (proto_get_string(root, "cwd", PROTO_MAX_PATH, false, &req->cwd, err) < 0)
			return -1;
		if (req->cwd[0] != '/')
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"cwd\" must be an absolute path");
	}
	if ((present & F_FOCUS) &&
	    proto_get_string(root, "focus", PROTO_MAX_FOCUS, false, &req->focus, err) < 0)
		return -1;
	if ((present & F_TAGS) && proto_parse_tags(root, req, err) < 0)
		return -1;
	if ((present & F_TEXT) &&
	    proto_get_string(root, "text", PROTO_MAX_TEXT, true, &req->text, err) < 0)
		return -1;
	if ((present & F_WHY) &&
	    proto_get_string(root, "why", PROTO_MAX_TEXT, true, &req->why, err) < 0)
		return -1;
	if ((present & F_SUMMARY) &&
	    proto_get_string(root, "summary", PROTO_MAX_TEXT, true, &req->summary, err) < 0)
		return -1;
	if ((present & F_BLOCKED_BY) &&
	    proto_get_string(root, "blocked_by", PROTO_MAX_TEXT, false, &req->blocked_by, err) < 0)
		return -1;
	if (present & F_NO_LOG) {
		v = json_object_get(root, "no_log");
		if (!json_is_boolean(v))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"no_log\" must be true or false");
		req->no_log = json_is_true(v);
	}
	if (present & F_NEXT) {
		v = json_object_get(root, "next");
		if (!json_is_boolean(v))
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"next\" must be true or false");
		req->next = json_is_true(v);
	}
	if (proto_parse_stop_flags(root, present, req, err) < 0)
		return -1;
	if ((present & F_ENV) && proto_parse_env(root, req, err) < 0)
		return -1;
	if (present & F_LOG) {
		if (proto_get_string(root, "log", PROTO_MAX_PATH, false, &req->log, err) < 0)
			return -1;
		if (req->log[0] != '/')
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"log\" must be an absolute path");
	}
	if (present & F_KIND) {
		const char *s = json_string_value(json_object_get(root, "kind"));
		int k = s ? proto_note_kind_lookup(s) : -1;

		if (k < 0)
			return proto_fail(
			    err, PROTO_ERR_BAD_REQUEST,
			    "field \"kind\" must be \"note\", \"learning\" or \"challenge\"");
		req->note_kind = (enum proto_note_kind)k;
	}
	if (present & F_PRIORITY) {
		const char *s = json_string_value(json_object_get(root, "priority"));
		int p = s ? proto_priority_lookup(s) : -1;

		if (p < 0)
			return proto_fail(
			    err, PROTO_ERR_BAD_REQUEST,
			    "field \"priority\" must be \"high\", \"medium\", \"low\" or "
			    "\"blocked\"");
		req->priority = (enum proto_priority)p;
	}
	if (req->blocked_by && req->priority != PROTO_PRIO_BLOCKED)
		return proto_fail(err, PROTO_ERR_BAD_REQUEST,
				  "field \"blocked_by\" goes only with priority \"blocked\"");
	if (present & F_LIMIT) {
		v = json_object_get(root, "limit");
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > PROTO_MAX_LIST)
			return proto_fail(err, PROTO_ERR_BAD_REQUEST,
					  "field \"limit\" must be an integer from 1 to %d",
					  PROTO_MAX_LIST);
		req->limit = json_integer_value(v);
	}
	if (proto_parse_add(root, present, req, err) < 0 ||
	    proto_parse_edit(root, present, req, err) < 0)
		return -1;
	return proto_parse_history(root, present, req, err);
}

int proto_request_parse(const char *line, size_t len, struct proto_request *req,
			struct proto_error *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *name;
	int cmd;

	memset(req, 0, sizeof(*req));
	req->priority = PROTO_PRIO_MEDIUM;
	req->limit = 20;
	req->from = req->to = req->before_ended = req->before_id = -1;
	req->id = req->at = req->start_ms = req->end_ms = -1;
	if (len >= PROTO_MAX_LINE)
		return proto_fail(err, PROTO_ERR_TOO_LARGE, "request longer than %d bytes",
				  PROTO_MAX_LINE - 1);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_invalid_utf8)
			return proto_fail(err, ERR_BAD_UTF8, "request is not valid UTF-8");
		if (json_error_code(&jerr) == json_error_duplicate_key)
			return proto_fail(err, PROTO_ERR_BAD_REQUEST, "%s at column %d", jerr.text,
					  jerr.column);
		return proto_fail(err, PROTO_ERR_BAD_JSON, "invalid JSON at column %d: %s",
				  jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "request must be a JSON object");
	}
	v = json_object_get(root, "v");
	if (!json_is_integer(v)) {
		json_decref(root);
		return proto_fail(err, PROTO_ERR_BAD_VERSION,
				  "request needs an integer \"v\" (protocol version)");
	}
	if (json_integer_value(v) != STINT_PROTO_VERSION) {
		proto_fail(err, PROTO_ERR_BAD_VERSION,
			   "protocol version %lld not supported (this is %d)",
			   (long long)json_integer_value(v), STINT_PROTO_VERSION);
		json_decref(root);
		return -1;
	}
	name = json_string_value(json_object_get(root, "cmd"));
	if (!name) {
		json_decref(root);
		return proto_fail(err, PROTO_ERR_BAD_REQUEST, "request needs a string \"cmd\"");
	}
	cmd = proto_cmd_lookup(name);
	if (cmd < 0) {
		proto_fail(err, PROTO_ERR_UNKNOWN_COMMAND, "unknown command \"%.64s\"", name);
		json_decref(root);
		return -1;
	}
	req->cmd = (enum proto_cmd)cmd;
	req->root = root;
	if (proto_parse_fields(root, req, err) < 0) {
		json_decref(root);
		memset(req, 0, sizeof(*req));
		return -1;
	}
	return 0;
}

void proto_request_release(struct proto_request *req)
{
	json_decref(req->root);
	req->root = NULL;
}

json_t *proto_request_new(enum proto_cmd cmd)
{
	return json_pack("{s:i, s:s}", "v", STINT_PROTO_VERSION, "cmd", proto_cmd_name(cmd));
}

json_t *proto_reply_ok(void)
{
	return json_pack("{s:i, s:b}", "v", STINT_PROTO_VERSION, "ok", 1);
}

json_t *proto_reply_error(const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	json_t *reply;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply = json_pack("{s:i, s:b, s:{s:s, s:s}}", "v", STINT_PROTO_VERSION, "ok", 0, "error",
			  "code", code, "message", msg);
	if (reply)
		return reply;
	/* A message quoting peer bytes may have been cut inside a UTF-8 sequence. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return json_pack("{s:i, s:b, s:{s:s, s:s}}", "v", STINT_PROTO_VERSION, "ok", 0, "error",
			 "code", code, "message", msg);
}

int proto_reply_check(const json_t *reply, char *err, size_t errn)
{
	json_t *v = json_object_get(reply, "v"), *ok = json_object_get(reply, "ok");

	if (!json_is_object(reply)) {
		snprintf(err, errn, "stintd sent an invalid reply: not a JSON object");
		return -EPROTO;
	}
	if (!json_is_integer(v)) {
		snprintf(err, errn, "stintd sent an invalid reply: no protocol version \"v\"");
		return -EPROTO;
	}
	if (json_integer_value(v) != STINT_PROTO_VERSION) {
		snprintf(err, errn,
			 "stintd speaks protocol version %lld, this stint speaks %d; "
			 "restart stintd or update stint",
			 (long long)json_integer_value(v), STINT_PROTO_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (!json_is_boolean(ok)) {
		snprintf(err, errn, "stintd sent an invalid reply: no boolean \"ok\"");
		return -EPROTO;
	}
	if (json_is_false(ok) && !proto_reply_error_code(reply)) {
		snprintf(err, errn,
			 "stintd sent an invalid reply: \"ok\" is false but no error code");
		return -EPROTO;
	}
	return 0;
}

bool proto_reply_is_ok(const json_t *reply)
{
	return json_is_true(json_object_get(reply, "ok"));
}

const char *proto_reply_error_code(const json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "error"), "code"));
}

const char *proto_reply_error_message(const json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "error"), "message"));
}

char *proto_encode(const json_t *msg, size_t *len)
{
	char *s = json_dumps(msg, JSON_COMPACT), *out;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	out = realloc(s, n + 2);
	if (!out) {
		free(s);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	if (len)
		*len = n + 1;
	return out;
}

json_t *proto_progress_new(const char *what, json_t *body)
{
	json_t *msg;

	if (!body || json_object_set_new(body, "what", json_string(what)) < 0) {
		json_decref(body);
		return NULL;
	}
	msg = json_pack("{s:i, s:o}", "v", STINT_PROTO_VERSION, "progress", body);
	return msg;
}

const json_t *proto_progress_get(const json_t *msg)
{
	const json_t *p = json_object_get(msg, "progress");

	return json_is_object(p) && !json_object_get(msg, "ok") ? p : NULL;
}
