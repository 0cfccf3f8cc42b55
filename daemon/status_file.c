#include "status_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_reply.h"
#include "log.h"
#include "notify.h"
#include "protocol.h"
#include "status_snap.h"
#include "stintd.h"

struct status_file {
	char path[PATH_MAX];
	int fd;	    /* the published file, write-locked while we run; -1: none */
	int prev;   /* the one it replaced, held one change longer (below); -1: none */
	char *text; /* what it holds */
	bool warned;
};

int status_file_open(struct stintd *d, const char *sockpath)
{
	struct status_file *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fd = f->prev = -1;
	if (status_snap_path(sockpath, f->path, sizeof(f->path)) < 0) {
		free(f);
		return -1;
	}
	/* A file a killed stintd left: nobody holds it, so clients ignore it, but not for long. */
	unlink(f->path);
	d->status_file = f;
	return 0;
}

static void status_file_fill(int64_t v[STATUS_SNAP__COUNT], const struct session_times *t)
{
	v[STATUS_SNAP_ACTIVE] = t->active_ns;
	v[STATUS_SNAP_PAUSED] = t->paused_ns;
	v[STATUS_SNAP_IDLE] = t->idle_ns;
	v[STATUS_SNAP_DOWN] = t->down_ns;
	v[STATUS_SNAP_SUSPENDED] = t->suspended_ns;
	v[STATUS_SNAP_WALL] = t->wall_ns;
}

int status_file_times(const struct session *s, const char *boot_id, struct status_snap_times *st)
{
	const struct stamp *last = s->nevents ? &s->events[s->nevents - 1].at : NULL;
	struct session_times t;
	struct stamp idle_at;

	memset(st, 0, sizeof(*st));
	if (!last || strcmp(last->boot_id, boot_id) != 0)
		return -1;
	st->mono_ns = last->mono_ns;
	st->boot_ns = last->boot_ns;
	session_times(s, last, &t);
	status_file_fill(st->at, &t);
	st->idle_in_ns = -1;
	if (s->state == SESSION_PAUSED) {
		st->regime = STATUS_SNAP_PAUSING;
	} else if (t.idle_now) {
		st->regime = STATUS_SNAP_IDLING;
	} else {
		st->regime = STATUS_SNAP_RUNNING;
		st->idle_in_ns = t.idle_in_ns;
	}
	if (st->idle_in_ns >= 0) {
		idle_at = *last;
		idle_at.mono_ns += st->idle_in_ns;
		idle_at.boot_ns += st->idle_in_ns;
		idle_at.wall_ms += st->idle_in_ns / 1000000;
		session_times(s, &idle_at, &t);
		status_file_fill(st->at_idle, &t);
	}
	return 0;
}

/*
 * Anchored at the last event, not at now: until the next event the entry stays the same, so
 * an unchanged session never rewrites the file. NULL when no projection can be exact (the last
 * event is from another boot, or a test build fakes the clocks): clients ask stintd then.
 */
json_t *status_file_session(struct stintd *d, const struct session *s)
{
	struct status_snap_times st;
	json_t *j;

#ifdef STINT_TEST_HOOKS
	if (getenv("STINT_TEST_SLEPT_FILE"))
		return NULL;
#endif
	if (status_file_times(s, d->boot_id, &st) < 0)
		return NULL;
	j = cmd_reply_session_json(d, s, &s->events[s->nevents - 1].at);
	if (j)
		json_object_set_new(j, STATUS_SNAP_MEMBER, status_snap_times_json(&st));
	return j;
}

/* The status reply for every session, as the file holds it; NULL if it cannot be made. */
static json_t *status_file_build(struct stintd *d)
{
	json_t *reply = proto_reply_ok(), *sessions = json_array(), *daemon, *j;

	json_object_set_new(reply, "sessions", sessions);

	for (struct session *s = d->sessions; s; s = s->next) {
		if (s->state == SESSION_STARTING || s->closed)
			continue;
		if (!(j = status_file_session(d, s))) {
			json_decref(reply);
			return NULL;
		}
		json_array_append_new(sessions, j);
	}
	/* Its uptime is the reader's to count (from started_mono_ns): a constant here. */
	daemon = cmd_reply_daemon_info(d);
	json_object_set_new(daemon, "uptime_s", json_integer(0));
	json_object_set_new(reply, "daemon", daemon);
	notify_status_peek(d, reply);
	return json_pack("{s:i, s:I, s:o}", "v", STATUS_SNAP_VERSION, "started_mono_ns",
			 (json_int_t)d->started_mono_ns, "reply", reply);
}

static void status_file_drop(struct status_file *f)
{
	unlink(f->path);
	if (f->fd >= 0)
		close(f->fd);
	if (f->prev >= 0)
		close(f->prev);
	f->fd = f->prev = -1;
	free(f->text);
	f->text = NULL;
}

/* A new file, locked and complete before it takes the name: a reader sees the old or the new. */
static int status_file_write(struct status_file *f, char *text)
{
	char tmp[PATH_MAX + 8];
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", f->path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return -errno;
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
		goto fail;
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (rename(tmp, f->path) < 0)
		goto fail;
	/* A reader that opened the old file just before the rename still finds it locked: it
	 * read what was true when it opened it, and need not ask stintd. */
	if (f->prev >= 0)
		close(f->prev);
	f->prev = f->fd;
	f->fd = fd;
	free(f->text);
	f->text = text;
	return 0;
fail:
	r = -errno;
	unlink(tmp);
	close(fd);
	return r;
}

void status_file_publish(struct stintd *d)
{
	struct status_file *f = d->status_file;
	json_t *snap;
	char *text;
	int r;

	if (!f)
		return;
	snap = status_file_build(d);
	text = snap ? json_dumps(snap, JSON_COMPACT) : NULL;
	json_decref(snap);
	if (text && f->text && strcmp(text, f->text) == 0) {
		free(text);
		return;
	}
	if (!text || strlen(text) > STATUS_SNAP_MAX) {
		/* Only stintd can answer now: no file, so nobody reads a stale one. */
		free(text);
		status_file_drop(f);
		return;
	}
	if ((r = status_file_write(f, text)) < 0) {
		free(text);
		status_file_drop(f);
		if (!f->warned)
			log_warnx(
			    "cannot write the status snapshot %s: %s (status asks stintd instead)",
			    f->path, strerror(-r));
		f->warned = true;
	}
}

void status_file_close(struct stintd *d)
{
	struct status_file *f = d->status_file;

	if (!f)
		return;
	status_file_drop(f);
	free(f);
	d->status_file = NULL;
}
