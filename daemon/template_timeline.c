/*
 * The Activities timeline: the record's events, the session's commits and its idle and suspend
 * gaps as numbered items in time order, with notes, todos and decisions as sub-items.
 */
#include "template_timeline.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "duration.h"
#include "record.h"
#include "strbuf.h"
#include "template_commit.h"
#include "template_items.h"
#include "template_md.h"
#include "template_record.h"

enum timeline_entry_type { ENT_EVENT, ENT_COMMIT, ENT_GAP, ENT_PULLED };

struct timeline_entry {
	int64_t at; /* sort key, ms; -1 when unknown */
	int rank;   /* among equal times: start first, stop last */
	size_t seq; /* then in the order they were listed (a commit just after its event) */
	enum timeline_entry_type type;
	const json_t *item;
};

static int template_timeline_entry_cmp(const void *a, const void *b)
{
	const struct timeline_entry *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct timeline_commit {
	char hash[8]; /* abbreviated, "" if unknown */
	int64_t at;   /* ms, -1 if unknown */
	struct template_commit_lines lines;
	char *subject; /* first line, cleaned; NULL if none */
};

static void template_timeline_commit_read(struct view *v, const json_t *item,
					  struct timeline_commit *c)
{
	const json_t *h = json_object_get(item, RECORD_HASH);
	const char *hash =
	    json_string_value(json_is_string(h) ? h : json_object_get(item, RECORD_OID));
	int64_t t = template_record_get_int(item, RECORD_TIME, TEMPLATE_STAMP_MAX_MS / 1000);
	size_t k = 0;

	memset(c, 0, sizeof(*c));
	while (hash && k < 7 &&
	       ((hash[k] >= '0' && hash[k] <= '9') || (hash[k] >= 'a' && hash[k] <= 'f')))
		k++;
	if (k == 7)
		memcpy(c->hash, hash, 7);
	c->at = t >= 0 ? t * 1000 : -1;
	template_commit_lines_read(item, &c->lines);
	c->subject = template_record_get_text(v, item, RECORD_SUBJECT);
	if (c->subject)
		c->subject[strcspn(c->subject, "\n")] = '\0';
}

struct timeline {
	struct view *v;
	json_t *list;	 /* the activities */
	json_t *cur;	 /* the open item (borrowed from list), or NULL */
	json_t *details; /* its sub-items */
	int n;
	int64_t pause_at; /* when the last pause began, or -1 */
	int64_t gap_end;  /* the open item is an idle or suspend gap ending then, else -1 */
};

static void template_timeline_act_close(struct timeline *t)
{
	if (t->cur)
		template_record_set_list(t->v, t->cur, "details", t->details);
	t->cur = NULL;
	t->details = NULL;
}

/* A new numbered item; label is moved in, when ("14:05, ...") may be NULL. */
static void template_timeline_act_open(struct timeline *t, struct strbuf *label, const char *when)
{
	struct view *v = t->v;

	template_timeline_act_close(t);
	t->gap_end = -1;
	t->cur = template_record_item_new(v);
	t->details = json_array();
	if (!t->cur || !t->details) {
		v->oom = true;
		json_decref(t->cur);
		json_decref(t->details);
		t->cur = t->details = NULL;
		free(label->s);
		*label = (struct strbuf){0};
		return;
	}
	template_record_set_numbered(v, t->cur, ++t->n);
	template_record_set_out(v, t->cur, "label", label);
	template_record_set_str(v, t->cur, "when", when);
	if (json_array_append(t->list, t->cur) < 0) {
		v->oom = true;
		json_decref(t->details);
		t->details = NULL;
	}
	/* The list holds it now; cur is borrowed (NULL if the list could not take it). */
	json_decref(t->cur);
	if (!t->details)
		t->cur = NULL;
}

static void template_timeline_act_open_str(struct timeline *t, const char *label, int64_t at,
					   const char *extra)
{
	struct strbuf o = {0};
	char when[128] = "";

	strbuf_puts(&o, label);
	if (at >= 0) {
		template_record_format_when(t->v, at, when, 40);
		if (extra)
			snprintf(when + strlen(when), sizeof(when) - strlen(when), "%s", extra);
	}
	template_timeline_act_open(t, &o, when);
}

/* A sub-item of the open item (a first one is opened if there is none). */
static void template_timeline_act_detail(struct timeline *t, struct strbuf *text)
{
	json_t *d;

	/* What happens after a gap is not part of it. */
	if (t->cur && t->gap_end >= 0)
		template_timeline_act_open_str(t, "Active again", t->gap_end, NULL);
	if (!t->cur)
		template_timeline_act_open_str(t, "Session events", -1, NULL);
	if (!t->details) {
		free(text->s);
		*text = (struct strbuf){0};
		return;
	}
	d = template_record_item_new(t->v);
	template_record_set_out(t->v, d, "text", text);
	template_record_list_add(t->v, t->details, d);
}

static const char *template_timeline_lifecycle_label(enum session_event_kind kind)
{
	switch (kind) {
	case SESSION_EV_START:
		return "Session started";
	case SESSION_EV_PAUSE:
		return "Paused";
	case SESSION_EV_RESUME:
		return "Resumed";
	case SESSION_EV_RECOVER:
		return "Recovered after a reboot";
	case SESSION_EV_STOP:
		return "Session stopped";
	default:
		return NULL;
	}
}

/* A note, todo or decision as a sub-item of the activity it happened in. */
static void template_timeline_event_detail(struct timeline *t, enum session_event_kind kind,
					   const json_t *ev, int64_t at)
{
	char *text = template_record_get_text(t->v, ev, RECORD_TEXT);
	const char *label;
	struct strbuf o = {0};
	char when[40];

	if (!text)
		return;
	if (kind == SESSION_EV_TODO && json_is_true(json_object_get(ev, RECORD_NEXT)))
		label = "TODO, next session";
	else if (kind == SESSION_EV_TODO)
		label =
		    strcmp(template_items_priority(ev), "blocked") == 0 ? "TODO, blocked" : NULL;
	else if (kind == SESSION_EV_DECISION)
		label = "Decision";
	else if (strcmp(template_items_note_kind(ev, RECORD_NOTE_KIND), "learning") == 0)
		label = "Learning";
	else if (strcmp(template_items_note_kind(ev, RECORD_NOTE_KIND), "challenge") == 0)
		label = "Challenge";
	else
		label = "Note";
	if (label)
		strbuf_puts(&o, label);
	else
		strbuf_printf(&o, "TODO, %s priority", template_items_priority(ev));
	if (at >= 0) {
		template_record_format_when(t->v, at, when, sizeof(when));
		strbuf_printf(&o, " (%s)", when);
	}
	strbuf_puts(&o, ": ");
	template_md_put_excerpt(&o, text, TEMPLATE_ACTIVITY_CLIP, 0, true);
	free(text);
	template_timeline_act_detail(t, &o);
}

/* When git recorded a branch, commit or pull event, else -1 (an event of the daemon's own). */
static int64_t template_timeline_git_at(const json_t *ev)
{
	if (template_record_get_int(ev, RECORD_REFLOG, TEMPLATE_COUNT_MAX) < 0)
		return -1;
	return template_record_get_int(ev, RECORD_GIT_AT, TEMPLATE_STAMP_MAX_MS);
}

static void template_timeline_event_item(struct timeline *t, const json_t *ev)
{
	struct view *v = t->v;
	int64_t at = template_timeline_git_at(ev) >= 0
			 ? template_timeline_git_at(ev)
			 : template_record_get_int(ev, RECORD_AT, TEMPLATE_STAMP_MAX_MS);
	enum session_event_kind kind = template_record_event_kind(ev);
	const char *label = template_timeline_lifecycle_label(kind);
	struct strbuf o = {0};

	/* The daemon says whether a recovery followed a reboot or a crash of its own. */
	if (label && kind == SESSION_EV_RECOVER &&
	    json_is_false(json_object_get(ev, RECORD_REBOOT)))
		label = "Recovered after stintd stopped unexpectedly";
	if (label && kind == SESSION_EV_START && json_is_string(json_object_get(ev, RECORD_AUTO)))
		label = "Session started automatically (activity in a watched repository)";
	if (label && kind == SESSION_EV_RESUME && json_is_string(json_object_get(ev, RECORD_AUTO)))
		label = "Resumed automatically (activity while paused)";
	char extra[96] = "", dur[64], when[40] = "", fixed[64];

	/* A correction (stint edit): which of its fields it changed, by their fixed names. */
	if (kind == SESSION_EV_EDIT) {
		static const char *const fields[] = {"start", "end", "focus", "tags"};

		snprintf(fixed, sizeof(fixed), "Corrected:");
		for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
			if (json_object_get(ev, fields[i]))
				snprintf(fixed + strlen(fixed), sizeof(fixed) - strlen(fixed),
					 "%s %s", strchr(fixed, ' ') ? "," : "", fields[i]);
		label = fixed;
	}

	if (label) {
		if (kind == SESSION_EV_RESUME && t->pause_at >= 0 && at >= t->pause_at) {
			duration_format_long((at - t->pause_at) / 1000, dur, sizeof(dur));
			snprintf(extra, sizeof(extra), ", paused %s", dur);
		}
		t->pause_at = kind == SESSION_EV_PAUSE ? at : -1;
		template_timeline_act_open_str(t, label, at, extra);
	} else if (kind == SESSION_EV_NOTE || kind == SESSION_EV_TODO ||
		   kind == SESSION_EV_DECISION) {
		template_timeline_event_detail(t, kind, ev, at);
	} else if (kind == SESSION_EV_BRANCH) {
		char *from = template_record_get_text(v, ev, RECORD_FROM),
		     *to = template_record_get_text(v, ev, RECORD_TO);

		if (to) {
			strbuf_puts(&o, "Switched branch: ");
			if (from) {
				template_md_put_inline(&o, from, TEMPLATE_MD_BOLD);
				strbuf_puts(&o, " → ");
			}
			template_md_put_inline(&o, to, TEMPLATE_MD_BOLD);
			if (at >= 0)
				template_record_format_when(v, at, when, sizeof(when));
			template_timeline_act_open(t, &o, when);
		}
		free(from);
		free(to);
	} else if (kind == SESSION_EV_PULL) {
		int64_t n = template_record_get_int(ev, RECORD_COMMITS, TEMPLATE_COUNT_MAX);

		strbuf_puts(&o, "Pulled");
		if (n >= 0) {
			strbuf_putc(&o, ' ');
			template_record_put_count(&o, n, "commit", "commits");
		}
		if (at >= 0)
			template_record_format_when(v, at, when, sizeof(when));
		template_timeline_act_open(t, &o, when);
	}
}

/* "14:30, +10 -2" (or "+5 -0 this session, +10 -2 in the commit") */
static void template_timeline_put_commit_when(struct view *v, struct strbuf *o,
					      const struct timeline_commit *c)
{
	char when[40];

	if (c->at >= 0) {
		template_record_format_when(v, c->at, when, sizeof(when));
		strbuf_puts(o, when);
	}
	if (template_commit_lines_known(&c->lines)) {
		strbuf_puts(o, c->at >= 0 ? ", " : "");
		template_commit_put_lines(o, &c->lines, false);
	}
}

/* A run of consecutive commits: one item, or one item with a sub-item per commit. */
static size_t template_timeline_commit_items(struct timeline *t, const struct timeline_entry *e,
					     size_t n)
{
	struct view *v = t->v;
	struct timeline_commit c;
	int64_t first_at = -1, last_at = -1;
	struct strbuf label = {0}, when = {0};
	struct template_commit_lines sum;
	size_t m = 1;
	char buf[40];

	while (m < n && e[m].type == ENT_COMMIT)
		m++;
	if (m == 1) {
		template_timeline_commit_read(v, e[0].item, &c);
		strbuf_puts(&label, "Commit");
		if (c.hash[0])
			strbuf_printf(&label, " `%s`", c.hash);
		if (c.subject) {
			strbuf_puts(&label, ": ");
			template_md_put_excerpt(&label, c.subject, TEMPLATE_SUBJECT_CLIP,
						TEMPLATE_MD_BOLD, false);
		}
		template_timeline_put_commit_when(v, &when, &c);
		template_timeline_act_open(t, &label, when.s ? when.s : "");
		free(when.s);
		free(c.subject);
		return 1;
	}
	template_record_put_count(&label, (int64_t)m, "commit", "commits");
	template_timeline_act_open(t, &label, NULL);
	template_commit_lines_zero(&sum);
	for (size_t i = 0; i < m; i++) {
		struct strbuf d = {0};

		template_timeline_commit_read(v, e[i].item, &c);
		if (c.hash[0])
			strbuf_printf(&d, "`%s` ", c.hash);
		if (c.subject)
			template_md_put_excerpt(&d, c.subject, TEMPLATE_SUBJECT_CLIP, 0, false);
		else
			strbuf_puts(&d, "(no subject)");
		if (c.at >= 0 || template_commit_lines_known(&c.lines)) {
			strbuf_puts(&d, " (");
			template_timeline_put_commit_when(v, &d, &c);
			strbuf_putc(&d, ')');
		}
		template_timeline_act_detail(t, &d);
		if (i == 0)
			first_at = c.at;
		last_at = c.at;
		template_commit_lines_add(&sum, &c.lines);
		free(c.subject);
	}
	if (first_at >= 0 && last_at >= 0) {
		template_record_format_when(v, first_at, buf, sizeof(buf));
		strbuf_puts(&when, buf);
		template_record_format_when(v, last_at, buf, sizeof(buf));
		strbuf_printf(&when, "–%s", buf);
	}
	if (template_commit_lines_known(&sum)) {
		strbuf_puts(&when, when.len ? ", " : "");
		template_commit_put_lines(&when, &sum, true);
	}
	if (t->cur)
		template_record_set_out(v, t->cur, "when", &when);
	free(when.s);
	return m;
}

static void template_timeline_gap_item(struct timeline *t, const json_t *gap)
{
	int64_t from = template_record_get_int(gap, RECORD_FROM, TEMPLATE_STAMP_MAX_MS),
		to = template_record_get_int(gap, RECORD_TO, TEMPLATE_STAMP_MAX_MS);
	char a[40], b[40], dur[64], when[160];
	struct strbuf label = {0};

	/* Time stintd was not running is no idle time of the user's: say what it was. */
	if (json_is_true(json_object_get(gap, RECORD_DOWN)))
		strbuf_puts(&label, "stintd was not running");
	else
		strbuf_puts(&label,
			    template_record_str_eq(json_object_get(gap, RECORD_KIND), "suspend")
				? "Suspended"
				: "Idle");
	template_record_format_when(t->v, from, a, sizeof(a));
	template_record_format_when(t->v, to, b, sizeof(b));
	duration_format_long((to - from) / 1000, dur, sizeof(dur));
	snprintf(when, sizeof(when), "%s–%s, %s", a, b, dur);
	template_timeline_act_open(t, &label, when);
	t->gap_end = to;
}

static bool template_timeline_gap_valid(const json_t *gap)
{
	const json_t *k = json_object_get(gap, RECORD_KIND);
	int64_t from = template_record_get_int(gap, RECORD_FROM, TEMPLATE_STAMP_MAX_MS),
		to = template_record_get_int(gap, RECORD_TO, TEMPLATE_STAMP_MAX_MS);

	return (template_record_str_eq(k, "idle") || template_record_str_eq(k, "suspend")) &&
	       from >= 0 && to >= from;
}

static void template_timeline_add_entry(struct timeline_entry *e, size_t *k, int64_t at, int rank,
					size_t seq, enum timeline_entry_type type,
					const json_t *item)
{
	e[*k] =
	    (struct timeline_entry){.at = at, .rank = rank, .seq = seq, .type = type, .item = item};
	(*k)++;
}

static const char *template_timeline_commit_id(const json_t *c)
{
	const json_t *h = json_object_get(c, RECORD_HASH);

	return json_string_value(json_is_string(h) ? h : json_object_get(c, RECORD_OID));
}

/* The first event of kind at or after from whose field key equals want, or -1. */
static ssize_t template_timeline_find_event(const json_t *events, size_t from,
					    enum session_event_kind kind, const char *key,
					    const json_t *want)
{
	for (size_t i = from; i < json_array_size(events); i++) {
		const json_t *ev = json_array_get(events, i);
		const json_t *have = json_object_get(ev, key);

		if (template_record_event_kind(ev) == kind && have && json_equal(have, want))
			return (ssize_t)i;
	}
	return -1;
}

static int64_t template_timeline_clamp_key(int64_t x, int64_t lo, int64_t hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* Where a valid gap sorts: it ends at an event, so after the one before that, by its length. */
static int64_t template_timeline_gap_at(const json_t *events, const int64_t *key, const json_t *gap)
{
	int64_t from = template_record_get_int(gap, RECORD_FROM, TEMPLATE_STAMP_MAX_MS),
		to = template_record_get_int(gap, RECORD_TO, TEMPLATE_STAMP_MAX_MS);
	size_t nev = json_array_size(events), j;

	for (j = 1; j < nev; j++)
		if (template_record_get_int(json_array_get(events, j), RECORD_AT,
					    TEMPLATE_STAMP_MAX_MS) == to)
			break;
	if (j < nev)
		return template_timeline_clamp_key(key[j] - (to - from), key[j - 1], key[j]);
	return from;
}

/* The first commit event whose hash (or oid) is the commit's, or -1. */
static ssize_t template_timeline_commit_event(const json_t *events, const json_t *c)
{
	const char *id = template_timeline_commit_id(c);
	json_t *want = id ? json_string(id) : NULL;
	ssize_t j = -1;

	if (want &&
	    (j = template_timeline_find_event(events, 0, SESSION_EV_COMMIT, RECORD_HASH, want)) < 0)
		j = template_timeline_find_event(events, 0, SESSION_EV_COMMIT, RECORD_OID, want);
	json_decref(want);
	return j;
}

/* What the events already tell of HEAD's reflog: the last entry they hold, and when the last
 * switch or pull without a reflog field at all (an older stintd's) was recorded. */
struct timeline_told {
	int64_t reflog, at;
};

static void template_timeline_told(const json_t *events, struct timeline_told *told)
{
	const json_t *ev;
	size_t i;

	told->reflog = told->at = -1;
	json_array_foreach(events, i, ev)
	{
		enum session_event_kind kind = template_record_event_kind(ev);
		int64_t rl = template_record_get_int(ev, RECORD_REFLOG, TEMPLATE_COUNT_MAX);

		if (rl > told->reflog)
			told->reflog = rl;
		if ((kind == SESSION_EV_BRANCH || kind == SESSION_EV_PULL) &&
		    !json_object_get(ev, RECORD_REFLOG))
			told->at = template_record_get_int(ev, RECORD_AT, TEMPLATE_STAMP_MAX_MS);
	}
}

/* The stats' head_log items no event holds yet (found by the stop's own recompute). */
static bool template_timeline_log_new(const json_t *item, const struct timeline_told *told)
{
	return json_is_object(item) &&
	       template_record_get_int(item, RECORD_REFLOG, TEMPLATE_COUNT_MAX) > told->reflog &&
	       template_timeline_git_at(item) > told->at;
}

/* A git event's place: when git recorded it, never before the git event before it (git's order)
 * or the start, never after the daemon found it. */
static int64_t template_timeline_git_key(int64_t git_at, int64_t *git_last, int64_t found)
{
	int64_t k = git_at < *git_last ? *git_last : git_at;

	if (k > found)
		k = found > *git_last ? found : *git_last;
	*git_last = k;
	return k;
}

/*
 * A commit of the stats, just after the commit event (or the stop's head_log item) that places it;
 * without one, at the end of its committer second (commit times are whole seconds, so a start or
 * note made earlier in that second still comes first).
 */
static void template_timeline_commit_entry(struct timeline_entry *e, size_t *k,
					   const json_t *events, const json_t *log,
					   const int64_t *key, const json_t *c, size_t seq)
{
	size_t nev = json_array_size(events);
	ssize_t j = template_timeline_commit_event(events, c);
	int64_t t = template_record_get_int(c, RECORD_TIME, TEMPLATE_STAMP_MAX_MS / 1000);
	const char *id = template_timeline_commit_id(c);

	if (j >= 0) {
		template_timeline_add_entry(e, k, key[j], 1, 2 * (size_t)j + 1, ENT_COMMIT, c);
		return;
	}
	for (size_t m = 0; id && m < json_array_size(log); m++) {
		const json_t *item = json_array_get(log, m);
		const char *h = json_string_value(json_object_get(item, RECORD_HASH));

		if (key[nev + m] >= 0 && template_record_event_kind(item) == SESSION_EV_COMMIT &&
		    h && strcmp(h, id) == 0) {
			template_timeline_add_entry(e, k, key[nev + m], 1, 2 * (nev + m) + 1,
						    ENT_COMMIT, c);
			return;
		}
	}
	template_timeline_add_entry(e, k, t >= 0 ? t * 1000 + 999 : -1, 1, seq, ENT_COMMIT, c);
}

/*
 * Events, commits (oldest first) and gaps, by time; an event without one keeps its place.
 * The daemon's own events are listed in the order they happened: each sorts at the latest wall
 * time so far, so a clock set back never moves one before an earlier one (its label keeps its own
 * time). Branch switches, commits and pulls sort at the time git recorded them, in HEAD's reflog
 * order, however late a recompute found them; those only the stop's recompute saw come from the
 * stats' head_log. Gaps are placed between the events around them.
 */
static struct timeline_entry *template_timeline_entries(struct view *v, size_t *count)
{
	const json_t *events = template_record_get_array(v->rec, RECORD_EVENTS),
		     *gaps = template_record_get_array(v->rec, RECORD_GAPS);
	const json_t *commits = template_record_get_array(v->stats, RECORD_COMMIT_LIST);
	const json_t *log = template_record_get_array(v->stats, RECORD_HEAD_LOG);
	size_t nev = json_array_size(events), nlog = json_array_size(log),
	       ngaps = json_array_size(gaps);
	size_t n = nev + ngaps + json_array_size(commits) + nlog + 1;
	struct timeline_entry *e = calloc(n, sizeof(*e));
	int64_t *key = calloc(nev + nlog + 1, sizeof(*key));
	int64_t last = -1, stop_at = -1, git_last = -1,
		pulled = template_record_get_int(v->stats, RECORD_PULLED, TEMPLATE_COUNT_MAX);
	struct timeline_told told;
	bool pull_event = false;
	size_t k = 0;

	if (!e || !key) {
		free(e);
		free(key);
		v->oom = true;
		return NULL;
	}
	template_timeline_told(events, &told);
	for (size_t i = 0; i < nev; i++) {
		const json_t *ev = json_array_get(events, i);
		int64_t at = template_record_get_int(ev, RECORD_AT, TEMPLATE_STAMP_MAX_MS);
		int64_t git_at = template_timeline_git_at(ev);
		enum session_event_kind kind = template_record_event_kind(ev);
		int rank = kind == SESSION_EV_START ? 0 : kind == SESSION_EV_STOP ? 2 : 1;

		if (at > last)
			last = at;
		key[i] = last;
		if (kind == SESSION_EV_START && git_last < last)
			git_last = last;
		if (git_at >= 0)
			key[i] = template_timeline_git_key(git_at, &git_last, last);
		if (kind == SESSION_EV_STOP)
			stop_at = key[i];
		pull_event |= kind == SESSION_EV_PULL;
		/* A commit event only places the commit, listed from the stats below. */
		if (kind != SESSION_EV_COMMIT)
			template_timeline_add_entry(e, &k, key[i], rank, 2 * i, ENT_EVENT, ev);
	}
	for (size_t m = 0; m < nlog; m++) {
		const json_t *item = json_array_get(log, m);
		enum session_event_kind kind = template_record_event_kind(item);

		key[nev + m] = -1;
		if (!template_timeline_log_new(item, &told))
			continue;
		key[nev + m] = template_timeline_git_key(template_timeline_git_at(item), &git_last,
							 stop_at >= 0 ? stop_at : INT64_MAX);
		pull_event |= kind == SESSION_EV_PULL;
		if (kind == SESSION_EV_BRANCH || kind == SESSION_EV_PULL)
			template_timeline_add_entry(e, &k, key[nev + m], 1, 2 * (nev + m),
						    ENT_EVENT, item);
	}
	for (size_t i = 0; i < ngaps; i++) {
		const json_t *gap = json_array_get(gaps, i);

		if (template_timeline_gap_valid(gap))
			template_timeline_add_entry(e, &k,
						    template_timeline_gap_at(events, key, gap), 1,
						    2 * (nev + nlog) + i, ENT_GAP, gap);
	}
	for (size_t i = json_array_size(commits); i > 0; i--) {
		const json_t *c = json_array_get(commits, i - 1);

		if (json_is_object(c))
			template_timeline_commit_entry(e, &k, events, log, key, c,
						       2 * (nev + nlog) + ngaps + i);
	}
	/* Pulled commits with no pull event to show them: just before the stop. */
	if (pulled > 0 && !pull_event)
		template_timeline_add_entry(e, &k, stop_at >= 0 ? stop_at : INT64_MAX, 1, SIZE_MAX,
					    ENT_PULLED, NULL);
	free(key);
	qsort(e, k, sizeof(*e), template_timeline_entry_cmp);
	*count = k;
	return e;
}

void template_timeline_activities(struct view *v)
{
	struct timeline t = {.v = v, .list = json_array(), .pause_at = -1, .gap_end = -1};
	struct timeline_entry *e;
	size_t n = 0;

	if (!t.list) {
		v->oom = true;
		return;
	}
	e = template_timeline_entries(v, &n);
	for (size_t i = 0; e && i < n;) {
		struct strbuf o = {0};

		switch (e[i].type) {
		case ENT_EVENT:
			template_timeline_event_item(&t, e[i].item);
			break;
		case ENT_COMMIT:
			i += template_timeline_commit_items(&t, e + i, n - i);
			continue;
		case ENT_GAP:
			template_timeline_gap_item(&t, e[i].item);
			break;
		case ENT_PULLED:
			strbuf_puts(&o, "Pulled ");
			template_record_put_count(
			    &o,
			    template_record_get_int(v->stats, RECORD_PULLED, TEMPLATE_COUNT_MAX),
			    "commit", "commits");
			template_timeline_act_open(&t, &o, NULL);
			break;
		}
		i++;
	}
	free(e);
	/* No timeline: the start and stop stamps are all there is. */
	if (t.n == 0) {
		if (v->started_at >= 0)
			template_timeline_act_open_str(&t, "Session started", v->started_at, NULL);
		if (v->ended_at >= 0)
			template_timeline_act_open_str(&t, "Session stopped", v->ended_at, NULL);
	}
	template_timeline_act_close(&t);
	template_record_set_list(v, v->root, "activities", t.list);
}

/* "main (unborn)" then "main" is one branch: its first commit. */
static bool template_timeline_same_branch(const char *a, const char *b)
{
	static const char unborn[] = " (unborn)";
	size_t n = strlen(b);

	return strcmp(a, b) == 0 || (strncmp(a, b, n) == 0 && strcmp(a + n, unborn) == 0);
}

/* Moves the chain on to name (consumed); *at is its last branch, not yet written to o. */
static void template_timeline_branch_add(struct strbuf *o, char **at, char *name)
{
	if (!name)
		return;
	/* Where the chain already is (an unborn branch born keeps its name as it is now). */
	if (*at && !template_timeline_same_branch(*at, name)) {
		template_md_put_inline(o, *at, 0);
		strbuf_puts(o, " → ");
	}
	free(*at);
	*at = name;
}

/* A switch: from where (which names an unborn start branch as it is now), then to where. */
static void template_timeline_branch_switch(struct view *v, struct strbuf *o, char **at,
					    const json_t *ev)
{
	template_timeline_branch_add(o, at, template_record_get_text(v, ev, RECORD_FROM));
	template_timeline_branch_add(o, at, template_record_get_text(v, ev, RECORD_TO));
}

void template_timeline_branches(struct view *v, struct strbuf *o)
{
	const json_t *events = template_record_get_array(v->rec, RECORD_EVENTS);
	const json_t *log = template_record_get_array(v->stats, RECORD_HEAD_LOG), *ev;
	struct timeline_told told;
	char *at = NULL;
	size_t i;

	template_timeline_told(events, &told);
	template_timeline_branch_add(o, &at, v->branch ? strdup(v->branch) : NULL);
	json_array_foreach(events, i, ev)
	{
		if (template_record_event_kind(ev) == SESSION_EV_BRANCH)
			template_timeline_branch_switch(v, o, &at, ev);
	}
	json_array_foreach(log, i, ev)
	{
		if (template_timeline_log_new(ev, &told) &&
		    template_record_event_kind(ev) == SESSION_EV_BRANCH)
			template_timeline_branch_switch(v, o, &at, ev);
	}
	template_timeline_branch_add(o, &at, v->branch_end ? strdup(v->branch_end) : NULL);
	if (at)
		template_md_put_inline(o, at, 0);
	free(at);
}
