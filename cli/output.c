#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "timeutil.h"

/* Widest repository name and focus in a list before they are cut with "...". */
#define LIST_NAME_COLS	24
#define LIST_FOCUS_COLS 40

static const char *output_jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : NULL;
}

static int64_t output_jint(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void output_appendf(char *buf, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends to buf at *len; once the buffer is full further text is dropped. */
static void output_appendf(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*len + 1 >= n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	if (r > 0)
		*len = *len + (size_t)r < n ? *len + (size_t)r : n - 1;
}

void output_home_path(const char *path, const char *home, char *buf, size_t n)
{
	size_t hl = home ? strlen(home) : 0;

	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	if (!home || home[0] != '/' || hl <= 1 || strncmp(path, home, hl) != 0 ||
	    (path[hl] != '\0' && path[hl] != '/')) {
		snprintf(buf, n, "%s", path);
		return;
	}
	snprintf(buf, n, "~%s", path + hl);
}

static int output_digits(const char **p, int count, int *out)
{
	int v = 0;

	for (int i = 0; i < count; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t output_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int output_parse_time(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, sign = 0;
	const char *p = s;
	int64_t t;

	if (!s || output_digits(&p, 4, &y) < 0 || *p++ != '-' || output_digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || output_digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (output_digits(&p, 2, &h) < 0 || *p++ != ':' || output_digits(&p, 2, &mi) < 0 ||
	    *p++ != ':' || output_digits(&p, 2, &sec) < 0)
		return -EINVAL;
	if (*p == '.') {
		int nd = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, nd++)
			if (nd < 3)
				frac = frac * 10 + (*p - '0');
		if (nd == 0)
			return -EINVAL;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (output_digits(&p, 2, &oh) < 0 || *p++ != ':' || output_digits(&p, 2, &om) < 0 ||
		    oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	t = output_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	return 0;
}

int output_session_started(const json_t *session, int64_t *ms)
{
	json_t *v = json_object_get(session, "started_at");

	if (json_is_integer(v)) {
		*ms = (int64_t)json_integer_value(v);
		return 0;
	}
	return output_parse_time(json_string_value(v), ms);
}

void output_when(int64_t t_ms, int64_t now_ms, char *buf, size_t n)
{
	char day[16], today[16];

	time_format_local(t_ms, "%Y-%m-%d", day, sizeof(day));
	time_format_local(now_ms, "%Y-%m-%d", today, sizeof(today));
	time_format_local(t_ms, strcmp(day, today) == 0 ? "%H:%M" : "%Y-%m-%d %H:%M", buf, n);
}

static void output_session_when(const json_t *session, int64_t now_ms, char *buf, size_t n)
{
	int64_t started;

	if (output_session_started(session, &started) < 0)
		snprintf(buf, n, "?");
	else
		output_when(started, now_ms, buf, n);
}

static void output_session_repo(const json_t *session, const char *home, char *buf, size_t n)
{
	const char *repo = output_jstr(session, "repo");

	output_home_path(repo ? repo : "?", home, buf, n);
}

/* "07:56" from an RFC 3339 field, "?" when it has none. */
static void output_session_time(const json_t *obj, const char *key, int64_t now_ms, char *buf,
				size_t n)
{
	int64_t ms;

	if (!output_jstr(obj, key) || output_parse_time(output_jstr(obj, key), &ms) < 0)
		snprintf(buf, n, "?");
	else
		output_when(ms, now_ms, buf, n);
}

/* What must not go unsaid, each on a line of its own: work while paused, a recovery. */
static void output_session_lost_work(const json_t *session, int64_t now_ms, char *buf, size_t n,
				     size_t *len)
{
	const json_t *pw = json_object_get(session, "paused_activity");
	char a[32], b[32];

	if (json_is_object(pw)) {
		json_int_t edits = output_jint(pw, "edits"), commits = output_jint(pw, "commits");

		output_session_time(pw, "since", now_ms, a, sizeof(a));
		output_appendf(
		    buf, n, len,
		    "\n  Working while paused: %lld file change%s, %lld commit%s since %s, "
		    "not counted (stint resume counts from now)",
		    (long long)edits, edits == 1 ? "" : "s", (long long)commits,
		    commits == 1 ? "" : "s", a);
	}
	if (json_is_true(json_object_get(session, "recovered")) &&
	    output_jstr(session, "recovered_at")) {
		output_session_time(session, "down_from", now_ms, a, sizeof(a));
		output_session_time(session, "recovered_at", now_ms, b, sizeof(b));
		if (json_is_true(json_object_get(session, "recovered_reboot")))
			output_appendf(buf, n, len,
				       "\n  Recovered at %s after a reboot (the machine was off or "
				       "asleep %s–%s; not counted)",
				       b, a, b);
		else
			output_appendf(buf, n, len,
				       "\n  Recovered at %s: stintd was not running %s–%s "
				       "(not counted)",
				       b, a, b);
	}
}

void output_session_line(const json_t *session, const char *home, int64_t now_ms, char *buf,
			 size_t n)
{
	const char *state = output_jstr(session, "state"), *branch = output_jstr(session, "branch");
	const char *focus = output_jstr(session, "focus");
	char repo[PROTO_MAX_PATH + 2], active[32], when[32];
	size_t len = 0;

	output_session_repo(session, home, repo, sizeof(repo));
	duration_format_short(output_jint(session, "active_s"), active, sizeof(active));
	output_session_when(session, now_ms, when, sizeof(when));
	output_appendf(buf, n, &len, "[%s] %s", state ? state : "?", repo);
	if (branch)
		output_appendf(buf, n, &len, " on %s", branch);
	if (focus)
		output_appendf(buf, n, &len, ": \"%s\",", focus);
	else
		output_appendf(buf, n, &len, ",");
	output_appendf(buf, n, &len, " %s active, %s %s", active,
		       json_is_true(json_object_get(session, "auto_started")) ? "auto-started"
									      : "started",
		       when);
	/* The live repository totals, when the daemon has them. */
	if (json_is_integer(json_object_get(session, "files_changed"))) {
		json_int_t commits = output_jint(session, "commits"),
			   files = output_jint(session, "files_changed");

		output_appendf(buf, n, &len, "; %lld commit%s, %lld file%s +%lld -%lld",
			       (long long)commits, commits == 1 ? "" : "s", (long long)files,
			       files == 1 ? "" : "s", (long long)output_jint(session, "added"),
			       (long long)output_jint(session, "removed"));
	}
	if (output_jint(session, "idle_s") >= 60) {
		char idle[32];

		duration_format_short(output_jint(session, "idle_s"), idle, sizeof(idle));
		output_appendf(buf, n, &len, " (%s idle)", idle);
	}
	if (output_jstr(session, "watch") && strcmp(output_jstr(session, "watch"), "degraded") == 0)
		output_appendf(buf, n, &len, " [watch degraded: rescanning periodically]");
	else if (output_jstr(session, "watch") &&
		 strcmp(output_jstr(session, "watch"), "gone") == 0)
		output_appendf(buf, n, &len, " [repository gone]");
	if (output_jstr(session, "git_error"))
		output_appendf(buf, n, &len, " [git: %s]", output_jstr(session, "git_error"));
	output_session_lost_work(session, now_ms, buf, n, &len);
}

/* "\"focus\"", or "session in ~/repo" when there is no focus. */
static void output_session_label(const json_t *session, const char *home, char *buf, size_t n)
{
	const char *focus = output_jstr(session, "focus");
	char repo[PROTO_MAX_PATH + 2];

	if (focus) {
		snprintf(buf, n, "\"%s\"", focus);
		return;
	}
	output_session_repo(session, home, repo, sizeof(repo));
	snprintf(buf, n, "session in %s", repo);
}

void output_confirm(enum proto_cmd cmd, const char *kind, const json_t *session, const char *home,
		    int64_t now_ms, char *buf, size_t n)
{
	char label[PROTO_MAX_PATH + PROTO_MAX_FOCUS + 16], repo[PROTO_MAX_PATH + 2];
	char active[32], when[32];
	const char *branch = output_jstr(session, "branch");
	size_t len = 0;

	output_session_label(session, home, label, sizeof(label));
	duration_format_short(output_jint(session, "active_s"), active, sizeof(active));
	switch (cmd) {
	case PROTO_CMD_START:
		output_session_repo(session, home, repo, sizeof(repo));
		output_session_when(session, now_ms, when, sizeof(when));
		if (output_jstr(session, "focus"))
			output_appendf(buf, n, &len, "Started %s in %s", label, repo);
		else
			output_appendf(buf, n, &len, "Started session in %s", repo);
		if (branch)
			output_appendf(buf, n, &len, " on %s", branch);
		output_appendf(buf, n, &len, " at %s", when);
		break;
	case PROTO_CMD_STOP:
		snprintf(buf, n, "Stopped %s after %s active.", label, active);
		break;
	case PROTO_CMD_PAUSE:
		snprintf(buf, n, "Paused %s (%s active so far).", label, active);
		break;
	case PROTO_CMD_RESUME:
		snprintf(buf, n, "Resumed %s (%s active so far).", label, active);
		break;
	case PROTO_CMD_CANCEL:
		snprintf(buf, n, "Cancelled %s after %s active; no log written.", label, active);
		break;
	case PROTO_CMD_KEEP:
		snprintf(buf, n, "Kept %s: the idle time counts as work (%s active).", label,
			 active);
		break;
	case PROTO_CMD_NOTE:
		if (kind && strcmp(kind, "learning") == 0)
			snprintf(buf, n, "Learning added to %s.", label);
		else if (kind && strcmp(kind, "challenge") == 0)
			snprintf(buf, n, "Challenge added to %s.", label);
		else
			snprintf(buf, n, "Note added to %s.", label);
		break;
	case PROTO_CMD_TODO:
		if (kind && strcmp(kind, "next") == 0)
			snprintf(buf, n, "Todo for the next session added to %s.", label);
		else
			snprintf(buf, n, "Todo added to %s.", label);
		break;
	case PROTO_CMD_DECISION:
		snprintf(buf, n, "Decision added to %s.", label);
		break;
	default:
		snprintf(buf, n, "Done.");
		break;
	}
}

/* True when s can be pasted into a shell as it is; "~" only expands in front. */
static bool output_shell_safe(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._-+,:@%=", *p) ||
		      (*p == '~' && p == s)))
			return false;
	return *s != '\0';
}

static void output_shell_quote(const char *s, char *buf, size_t n)
{
	size_t len = 0;

	output_appendf(buf, n, &len, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			output_appendf(buf, n, &len, "'\\''");
		else
			output_appendf(buf, n, &len, "%c", *p);
	}
	output_appendf(buf, n, &len, "'");
}

static bool output_path_within(const char *path, const char *dir)
{
	size_t dl = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, dl) == 0 && (path[dl] == '\0' || path[dl] == '/');
}

void output_already_running(const json_t *session, const char *cwd, const char *home,
			    int64_t now_ms, char *buf, size_t n)
{
	const char *focus = output_jstr(session, "focus"), *repo_abs = output_jstr(session, "repo");
	char repo[PROTO_MAX_PATH + 2], when[32], arg[2 * PROTO_MAX_PATH + 8];
	size_t len = 0;

	output_session_repo(session, home, repo, sizeof(repo));
	output_session_when(session, now_ms, when, sizeof(when));
	if (focus)
		output_appendf(buf, n, &len,
			       "stint: \"%s\" is already running in %s (started %s)\n", focus, repo,
			       when);
	else
		output_appendf(buf, n, &len,
			       "stint: a session is already running in %s (started %s)\n", repo,
			       when);
	if (!repo_abs || (cwd && output_path_within(cwd, repo_abs))) {
		output_appendf(buf, n, &len, "stint: stop it with: stint stop\n");
		return;
	}
	if (output_shell_safe(repo))
		snprintf(arg, sizeof(arg), "%s", repo);
	else
		output_shell_quote(repo_abs, arg, sizeof(arg));
	output_appendf(buf, n, &len, "stint: stop it with: stint stop -C %s\n", arg);
}

void output_daemon_line(const json_t *daemon, char *buf, size_t n)
{
	const char *version = output_jstr(daemon, "version");
	char up[32];

	duration_format_short(output_jint(daemon, "uptime_s"), up, sizeof(up));
	snprintf(buf, n, "stintd %s, pid %lld, up %s", version ? version : "?",
		 (long long)output_jint(daemon, "pid"), up);
}

/* Terminal columns, counted as UTF-8 code points: wide characters are rare in these fields. */
size_t output_columns(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			c++;
	return c;
}

/* Copies s cut to at most max columns, ending in "..." when cut, at a code point boundary. */
void output_cut(const char *s, size_t max, char *buf, size_t n)
{
	size_t c = 0, i;

	if (output_columns(s) <= max) {
		/* buf holds max columns of 4-byte characters: nothing is cut in practice. */
		i = strnlen(s, n - 1);
		memcpy(buf, s, i);
		buf[i] = '\0';
		return;
	}
	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == max - 3)
			break;
	}
	snprintf(buf, n, "%.*s...", (int)i, s);
}

struct list_row {
	char when[32];
	char active[32];
	char name[4 * LIST_NAME_COLS + 8];
	char focus[4 * LIST_FOCUS_COLS + 8];
	char id[24];
	char branch[4 * LIST_NAME_COLS + 8];
	char tags[4 * LIST_FOCUS_COLS + 8];
	const char *log;
};

/* "+a +b" for a session's tags, "-" without any, cut to LIST_FOCUS_COLS. */
static void output_list_tags(const json_t *tags, char *buf, size_t n)
{
	char all[PROTO_MAX_TAGS * (PROTO_MAX_TAG + 2) + 1] = "";
	size_t len = 0, i;
	json_t *t;

	json_array_foreach(tags, i, t)
	{
		if (json_is_string(t) && len < sizeof(all))
			len += (size_t)snprintf(all + len, sizeof(all) - len, "%s+%s",
						len ? " " : "", json_string_value(t));
	}
	output_cut(len ? all : "-", LIST_FOCUS_COLS, buf, n);
}

void output_pad(FILE *out, const char *s, size_t width)
{
	fputs(s, out);
	for (size_t c = output_columns(s); c < width; c++)
		fputc(' ', out);
}

void output_list(FILE *out, const json_t *sessions)
{
	size_t nrows = json_array_size(sessions), wactive = 0, wname = 0, wfocus = 0, i;
	size_t wid = 0, wbranch = 0, wtags = 0;
	struct list_row *rows;
	json_t *s;

	if (nrows == 0)
		return;
	rows = calloc(nrows, sizeof(*rows));
	if (!rows)
		return;
	json_array_foreach(sessions, i, s)
	{
		struct list_row *r = &rows[i];
		const char *name = output_jstr(s, "repo_name"), *focus = output_jstr(s, "focus");
		const char *state = output_jstr(s, "state"), *origin;
		char quoted[PROTO_MAX_FOCUS + 4];
		int64_t started;

		if (output_session_started(s, &started) < 0)
			snprintf(r->when, sizeof(r->when), "?");
		else
			time_format_local(started, "%Y-%m-%d %H:%M", r->when, sizeof(r->when));
		duration_format_short(output_jint(s, "active_s"), r->active, sizeof(r->active));
		output_cut(name ? name : "?", LIST_NAME_COLS, r->name, sizeof(r->name));
		if (focus) {
			snprintf(quoted, sizeof(quoted), "\"%s\"", focus);
			output_cut(quoted, LIST_FOCUS_COLS, r->focus, sizeof(r->focus));
		} else {
			snprintf(r->focus, sizeof(r->focus), "-");
		}
		if (json_is_integer(json_object_get(s, "id")))
			snprintf(r->id, sizeof(r->id), "#%lld", (long long)output_jint(s, "id"));
		else
			snprintf(r->id, sizeof(r->id), "#?");
		output_cut(output_jstr(s, "branch") ? output_jstr(s, "branch") : "-",
			   LIST_NAME_COLS, r->branch, sizeof(r->branch));
		output_list_tags(json_object_get(s, "tags"), r->tags, sizeof(r->tags));
		wid = strlen(r->id) > wid ? strlen(r->id) : wid;
		wbranch = output_columns(r->branch) > wbranch ? output_columns(r->branch) : wbranch;
		wtags = output_columns(r->tags) > wtags ? output_columns(r->tags) : wtags;
		r->log = output_jstr(s, "log");
		origin = output_jstr(s, "origin");
		/* A session stintd did not record: added by hand or imported (schema 7). */
		if (!r->log && origin && strcmp(origin, "manual") == 0)
			r->log = "(added)";
		else if (!r->log && origin && strcmp(origin, "imported") == 0)
			r->log = "(imported)";
		else if (!r->log)
			r->log =
			    state && strcmp(state, "cancelled") == 0 ? "(cancelled)" : "(no log)";
		if (strlen(r->active) > wactive)
			wactive = strlen(r->active);
		if (output_columns(r->name) > wname)
			wname = output_columns(r->name);
		if (output_columns(r->focus) > wfocus)
			wfocus = output_columns(r->focus);
	}
	for (i = 0; i < nrows; i++) {
		fprintf(out, "%*s  %s  %*s  ", (int)wid, rows[i].id, rows[i].when, (int)wactive,
			rows[i].active);
		output_pad(out, rows[i].name, wname);
		fputs("  ", out);
		output_pad(out, rows[i].branch, wbranch);
		fputs("  ", out);
		output_pad(out, rows[i].focus, wfocus);
		fputs("  ", out);
		output_pad(out, rows[i].tags, wtags);
		fprintf(out, "  %s\n", rows[i].log);
	}
	free(rows);
}

int output_log_commit(const json_t *log_commit, char *buf, size_t n)
{
	const char *msg = output_jstr(log_commit, "message");
	json_t *committed = json_object_get(log_commit, "committed");

	if (!json_is_boolean(committed) || n == 0)
		return -1;
	if (!json_is_true(committed)) {
		snprintf(buf, n, "%s", msg ? msg : "the log is left uncommitted");
		return 0;
	}
	snprintf(buf, n, "%s.", msg ? msg : "committed the log");
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return 1;
}

void output_stopped_earlier(const json_t *reply, int64_t now_ms, char *buf, size_t n)
{
	const json_t *stopped = json_object_get(reply, "stopped");
	const json_t *session = json_object_get(reply, "session");
	const char *name = output_jstr(session, "repo_name"), *by = output_jstr(stopped, "by");
	const char *why = output_jstr(stopped, "why");
	char when[32], cut[64];
	int64_t at;

	if (output_parse_time(output_jstr(stopped, "at"), &at) < 0)
		snprintf(when, sizeof(when), "?");
	else
		output_when(at, now_ms, when, sizeof(when));
	output_cut(name ? name : "?", 48, cut, sizeof(cut));
	if (by && (strcmp(by, "notification") == 0 || strcmp(by, "interrupted") == 0))
		snprintf(buf, n, "the session in %s was stopped at %s %s", cut, when,
			 why ? why : "from its notification");
	else
		snprintf(buf, n, "the session in %s stopped automatically at %s (%s)", cut, when,
			 why  ? why
			 : by ? by
			      : "?");
}

void output_check_progress(const char *name, int64_t index, int64_t count, int64_t elapsed_s,
			   int64_t timeout_s, char *buf, size_t n)
{
	char cut[4 * 40 + 8], *p;
	size_t len = 0;

	output_cut(name, 40, cut, sizeof(cut));
	/* The name is the user's config: nothing in it moves the cursor. */
	for (p = cut; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	output_appendf(buf, n, &len, "running check \"%s\" (", cut);
	if (count > 1)
		output_appendf(buf, n, &len, "%lld/%lld, ", (long long)index + 1, (long long)count);
	output_appendf(buf, n, &len, "%lld s", (long long)elapsed_s);
	if (timeout_s > 0 && elapsed_s >= timeout_s)
		output_appendf(buf, n, &len, ", timed out");
	output_appendf(buf, n, &len, ")…");
}

bool output_valid_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, m, d;
	bool leap;

	if (!s || output_digits(&p, 4, &y) < 0 || *p++ != '-' || output_digits(&p, 2, &m) < 0 ||
	    *p++ != '-' || output_digits(&p, 2, &d) < 0 || *p != '\0' || m < 1 || m > 12 || d < 1)
		return false;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

struct log_pick {
	int64_t started;
	size_t index;
	const char *path;
};

/* By start, oldest first; sessions started together in the list's order reversed. */
static int output_pick_cmp(const void *a, const void *b)
{
	const struct log_pick *x = a, *y = b;

	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return x->index > y->index ? -1 : x->index < y->index;
}

size_t output_select_logs(const json_t *sessions, const char *date, const char **paths, size_t max)
{
	size_t npicks = 0, i;
	struct log_pick *picks;
	char day[16];
	json_t *s;

	if (max == 0)
		return 0;
	if (!date) {
		json_array_foreach(sessions, i, s)
		{
			if (output_jstr(s, "log")) {
				paths[0] = output_jstr(s, "log");
				return 1;
			}
		}
		return 0;
	}
	picks = calloc(json_array_size(sessions) + 1, sizeof(*picks));
	if (!picks)
		return 0;
	json_array_foreach(sessions, i, s)
	{
		int64_t started;

		if (!output_jstr(s, "log") || output_session_started(s, &started) < 0)
			continue;
		time_format_local(started, "%Y-%m-%d", day, sizeof(day));
		if (strcmp(day, date) != 0)
			continue;
		picks[npicks++] = (struct log_pick){started, i, output_jstr(s, "log")};
	}
	qsort(picks, npicks, sizeof(*picks), output_pick_cmp);
	if (npicks > max)
		npicks = max;
	for (i = 0; i < npicks; i++)
		paths[i] = picks[i].path;
	free(picks);
	return npicks;
}

int output_json(FILE *out, const json_t *msg, bool pretty)
{
	int r = json_dumpf(msg, out, pretty ? JSON_INDENT(2) : JSON_COMPACT);

	if (r < 0 || fputc('\n', out) == EOF)
		return -1;
	return 0;
}

/*
 * What this run reported as failures, joined with "; ": the message of --json's error document
 * (main.c). The one piece of state output.c keeps, as stderr itself is.
 */
static char output_errors[2048];

__attribute__((format(printf, 1, 0))) static void output_record(const char *fmt, va_list ap)
{
	size_t off = strlen(output_errors);

	if (off && off + 2 < sizeof(output_errors))
		off += (size_t)snprintf(output_errors + off, sizeof(output_errors) - off, "; ");
	if (off + 1 < sizeof(output_errors))
		vsnprintf(output_errors + off, sizeof(output_errors) - off, fmt, ap);
}

void output_verror(const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	output_record(fmt, copy);
	va_end(copy);
	fputs("stint: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void output_error_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	output_record(fmt, ap);
	va_end(ap);
}

const char *output_error_text(void)
{
	return output_errors;
}

int output_json_error(FILE *out, const char *code, bool pretty)
{
	json_t *doc = json_pack("{s:i, s:b, s:{s:s, s:s}}", "v", STINT_PROTO_VERSION, "ok", 0,
				"error", "code", code, "message", output_errors);
	int r;

	/* A message cut inside a UTF-8 sequence, or quoting bytes that are not UTF-8. */
	if (!doc)
		doc = json_pack("{s:i, s:b, s:{s:s, s:s}}", "v", STINT_PROTO_VERSION, "ok", 0,
				"error", "code", code, "message", "(not UTF-8)");
	r = doc ? output_json(out, doc, pretty) : -1;
	json_decref(doc);
	return r;
}

void output_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	output_verror(fmt, ap);
	va_end(ap);
}
