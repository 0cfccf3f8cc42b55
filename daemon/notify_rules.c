#include "notify_rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

#define NS 1000000000LL
/* A stretch or deadline nothing was sent for yet. */
#define NONE INT64_MIN

/* printf into buf; a text too long is cut at a character boundary and ends with "…". */
static void notify_rules_textf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void notify_rules_textf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	size_t cut;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (r < 0) {
		buf[0] = '\0';
		return;
	}
	if ((size_t)r < n || n < 4)
		return;
	cut = n - 4;
	while (cut > 0 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(buf + cut, "\xe2\x80\xa6", 4);
}

static void notify_rules_note_init(struct notify_rules_note *note, enum notify_rules_kind kind,
				   enum notify_urgency urgency, const char *icon,
				   const char *category)
{
	memset(note, 0, sizeof(*note));
	note->kind = kind;
	note->msg.summary = note->summary;
	note->msg.body = note->body;
	note->msg.icon = icon;
	note->msg.category = category;
	note->msg.urgency = urgency;
}

static void notify_rules_note_action(struct notify_rules_note *note, const char *id,
				     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void notify_rules_note_action(struct notify_rules_note *note, const char *id,
				     const char *fmt, ...)
{
	va_list ap;
	int i = 0;

	while (i < NOTIFY_MAX_ACTIONS && note->msg.actions[i].id)
		i++;
	if (i == NOTIFY_MAX_ACTIONS)
		return;
	va_start(ap, fmt);
	vsnprintf(note->label[i], sizeof(note->label[i]), fmt, ap);
	va_end(ap);
	note->msg.actions[i].id = id;
	note->msg.actions[i].label = note->label[i];
}

static const char *notify_rules_dur(int64_t s, char *buf, size_t n)
{
	duration_format_short(s, buf, n);
	return buf;
}

static int64_t notify_rules_break_length(const struct notify_rules_config *cfg)
{
	return cfg->idle_timeout_s > 0 ? cfg->idle_timeout_s : NOTIFY_RULES_BREAK_DEFAULT_S;
}

static void notify_rules_input_paused_work(struct notify_rules_input *in, const struct session *s)
{
	ssize_t pause = session_current_pause(s);
	struct session_paused_work pw;

	if (pause < 0 || !session_paused_work(s, (size_t)pause, &pw))
		return;
	in->paused_work = true;
	in->paused_work_pause = pw.pause_at;
	in->paused_work_edits = pw.edits;
	in->paused_work_commits = pw.commits;
}

void notify_rules_input_from_session(struct notify_rules_input *in, const struct session *s,
				     const struct stamp *now, int64_t auto_stop_at_ns,
				     const char *auto_stop_why)
{
	const struct session_event *last = NULL, *prev = NULL, *anchor = NULL;
	struct session_times t;

	memset(in, 0, sizeof(*in));
	session_times(s, now, &t);
	in->phase_ns = ((now->boot_ns - t.active_ns) % NS + NS) % NS;
	in->now = (now->boot_ns - in->phase_ns) / NS;
	in->active_s = t.active_s;
	in->paused = s->state == SESSION_PAUSED;
	in->idle = s->state == SESSION_ACTIVE && t.idle_now;
	for (size_t i = s->nevents; i-- > 0 && !prev;) {
		if (!session_event_is_activity(s->events[i].kind))
			continue;
		if (last)
			prev = &s->events[i];
		else
			last = &s->events[i];
	}
	in->gap_before_s = -1;
	if (last && strcmp(last->at.boot_id, now->boot_id) == 0) {
		anchor = last;
		if (prev && strcmp(prev->at.boot_id, now->boot_id) == 0)
			in->gap_before_s = (last->at.boot_ns - prev->at.boot_ns) / NS;
		else if (prev) /* across a reboot: the wall clock is all there is */
			in->gap_before_s = (last->at.wall_ms - prev->at.wall_ms) / 1000;
		/* Keep says the stretch before it was work: no break, whatever its length. */
		if (last->kind == SESSION_EV_KEEP)
			in->gap_before_s = 0;
	} else {
		/* No activity in this boot (a restored session): count from its first event here.
		 */
		for (size_t i = 0; i < s->nevents && !anchor; i++)
			if (strcmp(s->events[i].at.boot_id, now->boot_id) == 0)
				anchor = &s->events[i];
	}
	in->last_activity = (anchor ? anchor->at.boot_ns : now->boot_ns) / NS;
	in->quiet_s = anchor ? (now->mono_ns - anchor->at.mono_ns) / NS : 0;
	if (in->quiet_s < 0)
		in->quiet_s = 0;
	in->auto_stop_at = auto_stop_at_ns >= 0 ? auto_stop_at_ns / NS : -1;
	in->auto_stop_why = auto_stop_why;
	in->repo_name = s->name;
	in->focus = s->focus;
	notify_rules_input_paused_work(in, s);
}

static void notify_rules_setup(struct notify_rules_state *st, const struct notify_rules_input *in)
{
	memset(st, 0, sizeof(*st));
	st->ready = true;
	st->last_sent = -1;
	st->prev_activity = in->last_activity;
	st->idle_done = in->idle ? in->last_activity : NONE; /* a restart is no news */
	st->open_done = NONE;
	st->warn_done = NONE;
	st->paused_done = in->paused && in->paused_work ? in->paused_work_pause : NONE;
	st->shown_for = NONE;
}

/* Sets break_next to the next multiple of break_every: a restart does not nag at once. */
static void notify_rules_break_rebase(struct notify_rules_state *st,
				      const struct notify_rules_config *cfg, int64_t since)
{
	st->break_every = cfg->break_every_s;
	st->break_next =
	    cfg->break_every_s > 0 ? (since / cfg->break_every_s + 1) * cfg->break_every_s : 0;
}

/* Whether the reminder on screen stopped being true. */
static bool notify_rules_shown_is_stale(const struct notify_rules_state *st,
					const struct notify_rules_input *in)
{
	switch (st->shown_kind) {
	case NOTIFY_RULES_IDLE:
	case NOTIFY_RULES_FORGOTTEN:
		return st->shown_for != in->last_activity;
	case NOTIFY_RULES_AUTO_STOP:
		return st->shown_for != in->auto_stop_at;
	case NOTIFY_RULES_BREAK:
		return st->shown_for != st->break_base;
	case NOTIFY_RULES_PAUSED:
		return !in->paused || !in->paused_work || st->shown_for != in->paused_work_pause;
	default:
		return false;
	}
}

static void notify_rules_text_break(struct notify_rules_note *note,
				    const struct notify_rules_config *cfg,
				    const struct notify_rules_input *in, int64_t since)
{
	char d[32];

	notify_rules_note_init(note, NOTIFY_RULES_BREAK, NOTIFY_NORMAL, "appointment-soon",
			       "x-stint.break");
	notify_rules_textf(note->summary, sizeof(note->summary), "You've been at it for %s",
			   notify_rules_dur(since, d, sizeof(d)));
	if (in->focus && *in->focus)
		notify_rules_textf(note->body, sizeof(note->body), "Time for a break from %s (%s).",
				   in->focus, in->repo_name);
	else
		notify_rules_textf(note->body, sizeof(note->body), "Time for a break from %s.",
				   in->repo_name);
	if (cfg->snooze_s > 0)
		notify_rules_note_action(note, NOTIFY_RULES_ACTION_SNOOZE, "Snooze %s",
					 notify_rules_dur(cfg->snooze_s, d, sizeof(d)));
}

static void notify_rules_text_idle(struct notify_rules_note *note,
				   const struct notify_rules_config *cfg,
				   const struct notify_rules_input *in)
{
	char d[32];

	notify_rules_note_init(note, NOTIFY_RULES_IDLE, NOTIFY_NORMAL, "media-playback-pause",
			       "x-stint.idle");
	notify_rules_textf(note->summary, sizeof(note->summary),
			   "No activity in %s for %s \xe2\x80\x94 session paused as idle",
			   in->repo_name, notify_rules_dur(cfg->idle_timeout_s, d, sizeof(d)));
	notify_rules_textf(
	    note->body, sizeof(note->body),
	    "Stop closes the session and writes its log; Keep counts the idle time as work.");
	notify_rules_note_action(note, NOTIFY_RULES_ACTION_STOP, "Stop");
	notify_rules_note_action(note, NOTIFY_RULES_ACTION_KEEP, "Keep");
}

static void notify_rules_text_forgotten(struct notify_rules_note *note,
					const struct notify_rules_input *in)
{
	char d[32];

	notify_rules_note_init(note, NOTIFY_RULES_FORGOTTEN, NOTIFY_NORMAL, "dialog-information",
			       "x-stint.forgotten");
	notify_rules_textf(note->summary, sizeof(note->summary), "Session in %s still open",
			   in->repo_name);
	if (in->focus && *in->focus)
		notify_rules_textf(
		    note->body, sizeof(note->body), "No activity for %s (focus: %s).",
		    notify_rules_dur(in->now - in->last_activity, d, sizeof(d)), in->focus);
	else
		notify_rules_textf(note->body, sizeof(note->body), "No activity for %s.",
				   notify_rules_dur(in->now - in->last_activity, d, sizeof(d)));
	notify_rules_note_action(note, NOTIFY_RULES_ACTION_STOP, "Stop");
}

static void notify_rules_text_auto_stop(struct notify_rules_note *note,
					const struct notify_rules_input *in)
{
	char d[32];

	notify_rules_note_init(note, NOTIFY_RULES_AUTO_STOP, NOTIFY_CRITICAL, "dialog-warning",
			       "x-stint.auto-stop");
	notify_rules_textf(note->summary, sizeof(note->summary), "Session in %s stops in %s",
			   in->repo_name,
			   notify_rules_dur(in->auto_stop_at - in->now, d, sizeof(d)));
	notify_rules_textf(
	    note->body, sizeof(note->body),
	    "stint will stop it and write its log (%s). Stop it now to add a summary with "
	    "stint stop.",
	    in->auto_stop_why ? in->auto_stop_why : "auto-stop");
	notify_rules_note_action(note, NOTIFY_RULES_ACTION_STOP, "Stop now");
}

static void notify_rules_text_paused_work(struct notify_rules_note *note,
					  const struct notify_rules_input *in)
{
	char what[128] = "";
	size_t off = 0;

	notify_rules_note_init(note, NOTIFY_RULES_PAUSED, NOTIFY_NORMAL, "media-playback-pause",
			       "x-stint.paused-work");
	notify_rules_textf(note->summary, sizeof(note->summary), "Working while paused in %s?",
			   in->repo_name);
	if (in->paused_work_edits > 0)
		off += (size_t)snprintf(what, sizeof(what), "%lld file change%s",
					(long long)in->paused_work_edits,
					in->paused_work_edits == 1 ? "" : "s");
	if (in->paused_work_commits > 0 && off < sizeof(what))
		snprintf(what + off, sizeof(what) - off, "%s%lld commit%s", off ? " and " : "",
			 (long long)in->paused_work_commits,
			 in->paused_work_commits == 1 ? "" : "s");
	notify_rules_textf(note->body, sizeof(note->body),
			   "%s%s since the pause %s not counted. Resume counts from now.",
			   *what ? what : "Activity", *what ? "" : " in the repository",
			   in->paused_work_edits + in->paused_work_commits == 1 || !*what ? "is"
											  : "are");
	notify_rules_note_action(note, NOTIFY_RULES_ACTION_RESUME, "Resume");
}

struct candidate {
	enum notify_rules_kind kind;
	int64_t due;
};

/* What is still to come for this session, in order of urgency, each with the time it is due. */
static int notify_rules_candidates(const struct notify_rules_state *st,
				   const struct notify_rules_config *cfg,
				   const struct notify_rules_input *in, int64_t since,
				   struct candidate c[5])
{
	int nc = 0;

	if (cfg->warn_before_s > 0 && in->auto_stop_at >= 0 && in->now < in->auto_stop_at &&
	    st->warn_done != in->auto_stop_at)
		c[nc++] = (struct candidate){NOTIFY_RULES_AUTO_STOP,
					     in->auto_stop_at - cfg->warn_before_s};
	if (cfg->remind_open_after_s > 0 && st->open_done != in->last_activity)
		c[nc++] = (struct candidate){NOTIFY_RULES_FORGOTTEN,
					     in->last_activity + cfg->remind_open_after_s};
	if (in->paused && in->paused_work && st->paused_done != in->paused_work_pause)
		c[nc++] = (struct candidate){NOTIFY_RULES_PAUSED, in->now};
	if (cfg->idle_reminder && cfg->idle_timeout_s > 0 && !in->paused &&
	    st->idle_done != in->last_activity) {
		/* Not idle yet: due when the quiet time reaches the timeout, unless activity comes.
		 */
		if (in->idle)
			c[nc++] = (struct candidate){NOTIFY_RULES_IDLE, in->now};
		else if (in->quiet_s < cfg->idle_timeout_s)
			c[nc++] = (struct candidate){NOTIFY_RULES_IDLE,
						     in->now + cfg->idle_timeout_s - in->quiet_s};
	}
	/* Active time grows no faster than the clock: the earliest it can be due. */
	if (cfg->break_every_s > 0 && !in->paused && !in->idle)
		c[nc++] = (struct candidate){
		    NOTIFY_RULES_BREAK,
		    in->now + (st->break_next > since ? st->break_next - since : 0)};
	return nc;
}

void notify_rules_decide(struct notify_rules_state *st, const struct notify_rules_config *cfg,
			 const struct notify_rules_input *in, struct notify_rules_decision *out)
{
	struct candidate c[5];
	int64_t since, earliest;
	int nc, pick = -1;

	memset(out, 0, sizeof(*out));
	out->next_due = -1;
	if (!cfg->enabled)
		return;
	if (!st->ready)
		notify_rules_setup(st, in);
	/* New activity after a gap of a break's length (idle, paused, asleep): a break ended. */
	if (in->last_activity != st->prev_activity) {
		if (in->gap_before_s >= notify_rules_break_length(cfg)) {
			st->break_base = in->active_s;
			notify_rules_break_rebase(st, cfg, 0);
		}
		st->prev_activity = in->last_activity;
	}
	since = in->active_s - st->break_base;
	if (since < 0)
		since = 0;
	if (st->break_every != cfg->break_every_s || st->break_next <= 0)
		notify_rules_break_rebase(st, cfg, since);
	if (st->shown_id && notify_rules_shown_is_stale(st, in)) {
		out->close_id = st->shown_id;
		st->shown_id = 0;
		st->shown_kind = NOTIFY_RULES_NONE;
	}

	nc = notify_rules_candidates(st, cfg, in, since, c);
	earliest = st->last_sent >= 0 ? st->last_sent + cfg->min_interval_s : INT64_MIN;
	for (int i = 0; i < nc && pick < 0 && in->now >= earliest; i++)
		if (c[i].due <= in->now)
			pick = i;
	if (pick >= 0) {
		/* One reminder per session on screen. */
		if (st->shown_id && !out->close_id)
			out->close_id = st->shown_id;
		switch (c[pick].kind) {
		case NOTIFY_RULES_AUTO_STOP:
			notify_rules_text_auto_stop(&out->note, in);
			st->warn_done = st->shown_for = in->auto_stop_at;
			break;
		case NOTIFY_RULES_FORGOTTEN:
			notify_rules_text_forgotten(&out->note, in);
			/* It says all the idle reminder would. */
			st->open_done = st->idle_done = st->shown_for = in->last_activity;
			break;
		case NOTIFY_RULES_PAUSED:
			notify_rules_text_paused_work(&out->note, in);
			st->paused_done = st->shown_for = in->paused_work_pause;
			break;
		case NOTIFY_RULES_IDLE:
			notify_rules_text_idle(&out->note, cfg, in);
			st->idle_done = st->shown_for = in->last_activity;
			break;
		default:
			notify_rules_text_break(&out->note, cfg, in, since);
			st->break_next = since + cfg->break_every_s;
			st->shown_for = st->break_base;
			break;
		}
		st->shown_kind = c[pick].kind;
		st->shown_id = 0;
		st->last_sent = in->now;
		earliest = in->now + cfg->min_interval_s;
		nc = notify_rules_candidates(st, cfg, in, since, c);
	}
	for (int i = 0; i < nc; i++) {
		int64_t at = c[i].due > earliest ? c[i].due : earliest;

		if (at < in->now)
			at = in->now;
		if (out->next_due < 0 || at < out->next_due)
			out->next_due = at;
	}
}

void notify_rules_shown(struct notify_rules_state *st, uint64_t id)
{
	st->shown_id = id;
}

void notify_rules_snooze(struct notify_rules_state *st, const struct notify_rules_config *cfg,
			 const struct notify_rules_input *in)
{
	int64_t since = in->active_s - st->break_base;

	if (!st->ready)
		return;
	st->break_every = cfg->break_every_s;
	st->break_next = (since > 0 ? since : 0) + cfg->snooze_s;
}

static int64_t notify_rules_get_int(const json_t *o, const char *key, bool *present)
{
	json_t *v = json_object_get(o, key);

	*present = json_is_integer(v);
	return *present ? json_integer_value(v) : 0;
}

int notify_rules_summary(const json_t *session, const char *log_path, const char *auto_why,
			 struct notify_rules_note *note)
{
	const char *focus, *repo;
	char d[32], line[512];
	int64_t active, commits, added, removed, files;
	bool has_active, has_commits, has_added, has_removed, has_files;
	size_t off;

	if (!json_is_object(session))
		return -EINVAL;
	notify_rules_note_init(note, NOTIFY_RULES_SUMMARY, NOTIFY_NORMAL, "document-save",
			       "x-stint.summary");
	focus = json_string_value(json_object_get(session, "focus"));
	repo = json_string_value(json_object_get(session, "repo_name"));
	notify_rules_textf(note->summary, sizeof(note->summary), "Session closed: %s",
			   focus && *focus ? focus
			   : repo	   ? repo
					   : "stint");
	active = notify_rules_get_int(session, "active_s", &has_active);
	commits = notify_rules_get_int(session, "commits", &has_commits);
	added = notify_rules_get_int(session, "added", &has_added);
	removed = notify_rules_get_int(session, "removed", &has_removed);
	files = notify_rules_get_int(session, "files_changed", &has_files);
	off = (size_t)snprintf(line, sizeof(line), "%s active",
			       notify_rules_dur(active, d, sizeof(d)));
	if (has_commits && off < sizeof(line))
		off += (size_t)snprintf(line + off, sizeof(line) - off, " \xc2\xb7 %lld commit%s",
					(long long)commits, commits == 1 ? "" : "s");
	if (has_added && has_removed && off < sizeof(line))
		off += (size_t)snprintf(line + off, sizeof(line) - off,
					" \xc2\xb7 +%lld \xe2\x88\x92%lld", (long long)added,
					(long long)removed);
	if (has_files && off < sizeof(line))
		snprintf(line + off, sizeof(line) - off, " \xc2\xb7 %lld file%s", (long long)files,
			 files == 1 ? "" : "s");
	notify_rules_textf(note->body, sizeof(note->body), "%s%s%s%s%s%s", line,
			   log_path ? "\n" : "", log_path ? log_path : "",
			   auto_why ? "\nStopped automatically (" : "", auto_why ? auto_why : "",
			   auto_why ? ")." : "");
	if (log_path && strlen(log_path) < sizeof(note->path)) {
		memcpy(note->path, log_path, strlen(log_path) + 1);
		note->msg.open_path = note->path;
		notify_rules_note_action(note, NOTIFY_RULES_ACTION_OPEN, "Open log");
	}
	return 0;
}

bool notify_rules_start(const struct notify_rules_config *cfg, int64_t *last_sent, int64_t now,
			const char *repo_name, struct notify_rules_note *note)
{
	if (!cfg->enabled || !cfg->start_reminder ||
	    (*last_sent >= 0 && now - *last_sent < NOTIFY_RULES_START_INTERVAL_S))
		return false;
	*last_sent = now;
	notify_rules_note_init(note, NOTIFY_RULES_START, NOTIFY_LOW, "media-playback-start",
			       "x-stint.start");
	notify_rules_textf(note->summary, sizeof(note->summary), "Start a session in %s?",
			   repo_name);
	notify_rules_textf(note->body, sizeof(note->body),
			   "Files changed in %s and no stint session is open.", repo_name);
	notify_rules_note_action(note, NOTIFY_RULES_ACTION_START, "Start");
	return true;
}

void notify_rules_test(struct notify_rules_note *note)
{
	notify_rules_note_init(note, NOTIFY_RULES_TEST, NOTIFY_NORMAL, "dialog-information",
			       "x-stint.test");
	notify_rules_textf(note->summary, sizeof(note->summary), "stint notifications work");
	notify_rules_textf(note->body, sizeof(note->body),
			   "A test notification from stintd (stint notify test).");
}
