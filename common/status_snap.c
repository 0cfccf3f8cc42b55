#include "status_snap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeutil.h"

/* The status reply's names for the fields, in enum order. */
static const char *const status_snap_names[STATUS_SNAP__COUNT] = {
    "active_s", "paused_s", "idle_s", "down_s", "suspended_s", "wall_s",
};

static const char *const status_snap_regimes[] = {
    [STATUS_SNAP_RUNNING] = "running",
    [STATUS_SNAP_IDLING] = "idle",
    [STATUS_SNAP_PAUSING] = "paused",
};

bool status_snap_inside(const char *cwd, const char *root)
{
	size_t n = strlen(root);

	return strncmp(cwd, root, n) == 0 &&
	       (cwd[n] == '\0' || cwd[n] == '/' || (n == 1 && root[0] == '/'));
}

int status_snap_path(const char *sockpath, char *buf, size_t n)
{
	int w = snprintf(buf, n, "%s%s", sockpath, STATUS_SNAP_SUFFIX);

	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

static json_t *status_snap_array(const int64_t v[STATUS_SNAP__COUNT])
{
	json_t *a = json_array();

	for (int i = 0; a && i < STATUS_SNAP__COUNT; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

json_t *status_snap_times_json(const struct status_snap_times *t)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:I, s:o}", "mono_ns", (json_int_t)t->mono_ns,
			 "boot_ns", (json_int_t)t->boot_ns, "regime",
			 status_snap_regimes[t->regime], "at", status_snap_array(t->at),
			 "idle_in_ns", (json_int_t)t->idle_in_ns, "at_idle",
			 status_snap_array(t->at_idle));
}

static int status_snap_parse_array(const json_t *a, int64_t v[STATUS_SNAP__COUNT])
{
	if (json_array_size(a) != STATUS_SNAP__COUNT)
		return -1;
	for (int i = 0; i < STATUS_SNAP__COUNT; i++) {
		const json_t *x = json_array_get(a, (size_t)i);

		if (!json_is_integer(x) || json_integer_value(x) < 0)
			return -1;
		v[i] = json_integer_value(x);
	}
	return 0;
}

int status_snap_times_parse(const json_t *j, struct status_snap_times *t)
{
	const char *regime = json_string_value(json_object_get(j, "regime"));
	const json_t *mono = json_object_get(j, "mono_ns"), *boot = json_object_get(j, "boot_ns");
	const json_t *idle_in = json_object_get(j, "idle_in_ns");
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!regime || !json_is_integer(mono) || !json_is_integer(boot) ||
	    !json_is_integer(idle_in) ||
	    status_snap_parse_array(json_object_get(j, "at"), t->at) < 0 ||
	    status_snap_parse_array(json_object_get(j, "at_idle"), t->at_idle) < 0)
		return -1;
	for (i = 0; i < sizeof(status_snap_regimes) / sizeof(*status_snap_regimes); i++)
		if (strcmp(regime, status_snap_regimes[i]) == 0)
			break;
	if (i == sizeof(status_snap_regimes) / sizeof(*status_snap_regimes))
		return -1;
	t->regime = (enum status_snap_regime)i;
	t->mono_ns = json_integer_value(mono);
	t->boot_ns = json_integer_value(boot);
	t->idle_in_ns = json_integer_value(idle_in);
	return 0;
}

/*
 * After the last event nothing but the clocks move, and stintd's fold counts that stretch as
 * one span: its awake time (monotonic) goes to exactly one of active, idle and paused, its
 * boottime to wall, and boottime beyond awake time to suspended (session_span_of in
 * daemon/session.c; a suspend logind reports is an event, so stintd writes a new snapshot).
 * A running session turns idle once idle_in_ns of awake time has passed: its whole stretch
 * since the last activity becomes idle then, which only the fold knows; at_idle holds the
 * values at that moment, the stretch up to it included.
 */
const char *status_snap_project(const struct status_snap_times *t, int64_t mono_now,
				int64_t boot_now, int64_t out[STATUS_SNAP__COUNT])
{
	int64_t awake = mono_now - t->mono_ns, wall = boot_now - t->boot_ns, asleep;
	enum status_snap_field grows;
	const char *state;

	if (awake < 0)
		return NULL;
	if (wall < 0)
		wall = 0;
	asleep = wall > awake ? wall - awake : 0;
	if (wall < awake)
		wall = awake;
	memcpy(out, t->at, sizeof(t->at));
	switch (t->regime) {
	case STATUS_SNAP_PAUSING:
		grows = STATUS_SNAP_PAUSED;
		state = "paused";
		break;
	case STATUS_SNAP_IDLING:
		grows = STATUS_SNAP_IDLE;
		state = "idle";
		break;
	default:
		grows = STATUS_SNAP_ACTIVE;
		state = "active";
		if (t->idle_in_ns >= 0 && awake >= t->idle_in_ns) {
			/* at_idle counted idle_in_ns of awake and wall time already. */
			memcpy(out, t->at_idle, sizeof(t->at_idle));
			awake -= t->idle_in_ns;
			wall -= t->idle_in_ns;
			grows = STATUS_SNAP_IDLE;
			state = "idle";
		}
		break;
	}
	out[grows] += awake;
	out[STATUS_SNAP_WALL] += wall;
	out[STATUS_SNAP_SUSPENDED] += asleep;
	return state;
}

__attribute__((format(printf, 3, 4))) static void status_snap_why(char *why, size_t n,
								  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* Whether some process (stintd) holds a write lock on the open file. */
static bool status_snap_held(int fd)
{
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/* The file's bytes, NUL-terminated, or NULL with why set. */
static char *status_snap_load(const char *path, size_t *len, char *why, size_t n)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	ssize_t r;

	if (fd < 0) {
		status_snap_why(why, n, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size <= 0 || st.st_size > STATUS_SNAP_MAX) {
		status_snap_why(why, n, "%s: not a regular file of ours, or empty or too big",
				path);
	} else if (!status_snap_held(fd)) {
		status_snap_why(why, n, "%s: no stintd holds it", path);
	} else if ((buf = malloc((size_t)st.st_size + 1))) {
		/* One read: stintd replaces the file whole (rename), never rewrites it. */
		r = read(fd, buf, (size_t)st.st_size + 1);
		if (r != st.st_size) {
			status_snap_why(why, n, "%s: short read", path);
			free(buf);
			buf = NULL;
		} else {
			buf[r] = '\0';
			*len = (size_t)r;
		}
	}
	close(fd);
	return buf;
}

/* Projects one session entry in place; -1 when it cannot be. */
static int status_snap_project_entry(json_t *s, int64_t mono, int64_t boot)
{
	struct status_snap_times t;
	int64_t v[STATUS_SNAP__COUNT];
	const char *state;

	if (status_snap_times_parse(json_object_get(s, STATUS_SNAP_MEMBER), &t) < 0 ||
	    !(state = status_snap_project(&t, mono, boot, v)))
		return -1;
	for (int i = 0; i < STATUS_SNAP__COUNT; i++)
		json_object_set_new(s, status_snap_names[i], json_integer(v[i] / 1000000000));
	json_object_set_new(s, "state", json_string(state));
	json_object_del(s, STATUS_SNAP_MEMBER);
	return 0;
}

json_t *status_snap_read(const char *path, const char *cwd, char *why, size_t n)
{
	json_t *file, *reply, *sessions, *s, *daemon, *picked;
	int64_t mono = time_mono_ns(), boot = time_boot_ns(), started;
	size_t len = 0, i, best = 0;
	json_error_t jerr;
	char *text;

	if (!(text = status_snap_load(path, &len, why, n)))
		return NULL;
	file = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	reply = json_object_get(file, "reply");
	sessions = json_object_get(reply, "sessions");
	daemon = json_object_get(reply, "daemon");
	started = json_integer_value(json_object_get(file, "started_mono_ns"));
	if (json_integer_value(json_object_get(file, "v")) != STATUS_SNAP_VERSION ||
	    !json_is_array(sessions) || !json_is_object(daemon) || started <= 0 || started > mono) {
		status_snap_why(why, n, "%s: not a status snapshot stint knows", path);
		json_decref(file);
		return NULL;
	}
	json_incref(reply);
	json_decref(file);
	picked = json_array();
	json_array_foreach(sessions, i, s)
	{
		const char *root = json_string_value(json_object_get(s, "repo"));

		if (!root || status_snap_project_entry(s, mono, boot) < 0) {
			status_snap_why(why, n, "%s: a session only stintd can answer for", path);
			json_decref(picked);
			json_decref(reply);
			return NULL;
		}
		/* The session of cwd: the innermost one holding it, the last of equals. */
		if (cwd && status_snap_inside(cwd, root) && strlen(root) >= best) {
			best = strlen(root);
			json_array_clear(picked);
			json_array_append(picked, s);
		}
	}
	if (cwd)
		json_object_set(reply, "sessions", picked);
	json_decref(picked);
	json_object_set_new(daemon, "uptime_s", json_integer((mono - started) / 1000000000));
	return reply;
}
