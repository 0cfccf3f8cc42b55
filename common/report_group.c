#include "report_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const report_dim_names[REPORT_BY__COUNT] = {
    [REPORT_BY_REPO] = "repo",	 [REPORT_BY_TAG] = "tag",	[REPORT_BY_BRANCH] = "branch",
    [REPORT_BY_FOCUS] = "focus", [REPORT_BY_AUTHOR] = "author", [REPORT_BY_DAY] = "day",
    [REPORT_BY_WEEK] = "week",	 [REPORT_BY_MONTH] = "month",
};

/* The label of a session without a value for a dimension. */
static const char *const report_dim_none[REPORT_BY__COUNT] = {
    [REPORT_BY_REPO] = "(no repository)", [REPORT_BY_TAG] = "(no tag)",
    [REPORT_BY_BRANCH] = "(no branch)",	  [REPORT_BY_FOCUS] = "(no focus)",
    [REPORT_BY_AUTHOR] = "(no author)",
};

struct report_totals {
	char *key;    /* this level's label */
	size_t owner; /* level 2: the index of its level-1 group */
	int64_t active_s, sessions, commits, files, added, removed;
	int64_t last_id; /* the session counted last, so each counts once per group */
};

struct report_group {
	int64_t from, to;
	enum report_dim dims[REPORT_MAX_DIMS];
	size_t ndims;
	int has_time;
	struct timespec_zone zone;
	json_t *index; /* "key1" or "key1\x1fkey2" -> the totals' position */
	struct report_totals *t;
	size_t nt, cap;
	struct report_totals total;
};

/* A part of a session's active time that falls on one local day. */
struct report_piece {
	int64_t day, ms, s;
};

const char *report_dim_name(enum report_dim dim)
{
	return (unsigned)dim < REPORT_BY__COUNT ? report_dim_names[dim] : NULL;
}

int report_dim_lookup(const char *name)
{
	for (int i = 0; i < REPORT_BY__COUNT; i++)
		if (strcmp(report_dim_names[i], name) == 0)
			return i;
	return -1;
}

int report_dim_is_time(enum report_dim dim)
{
	return dim == REPORT_BY_DAY || dim == REPORT_BY_WEEK || dim == REPORT_BY_MONTH;
}

struct report_group *report_group_create(int64_t from_ms, int64_t to_ms,
					 const enum report_dim *dims, size_t ndims,
					 const struct timespec_zone *zone)
{
	struct report_group *g;

	if (ndims < 1 || ndims > REPORT_MAX_DIMS || to_ms <= from_ms || !zone || zone->n < 1 ||
	    !(g = calloc(1, sizeof(*g))))
		return NULL;
	g->from = from_ms;
	g->to = to_ms;
	g->ndims = ndims;
	for (size_t i = 0; i < ndims; i++) {
		if ((unsigned)dims[i] >= REPORT_BY__COUNT) {
			free(g);
			return NULL;
		}
		g->dims[i] = dims[i];
		g->has_time |= report_dim_is_time(dims[i]);
	}
	g->zone = *zone;
	g->total.last_id = -1;
	if (!(g->index = json_object())) {
		free(g);
		return NULL;
	}
	return g;
}

void report_group_destroy(struct report_group *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nt; i++)
		free(g->t[i].key);
	free(g->t);
	json_decref(g->index);
	free(g);
}

static struct report_totals *report_group_find(struct report_group *g, const char *ikey,
					       const char *label, size_t owner)
{
	json_t *at = json_object_get(g->index, ikey);
	struct report_totals *t;

	if (at)
		return &g->t[json_integer_value(at)];
	if (g->nt == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct report_totals *n = realloc(g->t, cap * sizeof(*n));

		if (!n)
			return NULL;
		g->t = n;
		g->cap = cap;
	}
	t = &g->t[g->nt];
	memset(t, 0, sizeof(*t));
	t->last_id = -1;
	t->owner = owner;
	if (!(t->key = strdup(label)) ||
	    json_object_set_new(g->index, ikey, json_integer((json_int_t)g->nt)) < 0) {
		free(t->key);
		return NULL;
	}
	return &g->t[g->nt++];
}

/* Adds seconds, and the statistics when stats, to t; the session counts once. */
static void report_totals_add(struct report_totals *t, const struct report_item *it, int64_t s,
			      int stats)
{
	t->active_s += s;
	if (t->last_id != it->id) {
		t->last_id = it->id;
		t->sessions++;
	}
	if (stats) {
		t->commits += it->commits;
		t->files += it->files;
		t->added += it->added;
		t->removed += it->removed;
	}
}

/* Adds s seconds of one session (n == 0), or n whole sessions' sums (s and stats unused). */
static void report_totals_put(struct report_totals *t, const struct report_item *it, int64_t s,
			      int stats, int64_t n)
{
	if (n == 0) {
		report_totals_add(t, it, s, stats);
		return;
	}
	t->active_s += it->active_s;
	t->sessions += n;
	t->commits += it->commits;
	t->files += it->files;
	t->added += it->added;
	t->removed += it->removed;
}

/* The labels of item for dimension dim on local day `day`: several for tags. */
static size_t report_group_labels(const struct report_group *g, enum report_dim dim,
				  const struct report_item *it, int64_t day, char *buf, size_t bufn,
				  const char **out, size_t max)
{
	const char *v = NULL;

	switch (dim) {
	case REPORT_BY_TAG:
		if (it->ntags == 0)
			break;
		for (size_t i = 0; i < it->ntags && i < max; i++)
			out[i] = it->tags[i];
		return it->ntags < max ? it->ntags : max;
	case REPORT_BY_REPO:
		v = it->repo;
		break;
	case REPORT_BY_BRANCH:
		v = it->branch;
		break;
	case REPORT_BY_FOCUS:
		v = it->focus;
		break;
	case REPORT_BY_AUTHOR:
		v = it->author;
		break;
	case REPORT_BY_DAY:
		timespec_day_label(day, buf, bufn);
		v = buf;
		break;
	case REPORT_BY_WEEK:
		timespec_week_label(day, buf, bufn);
		v = buf;
		break;
	case REPORT_BY_MONTH:
		timespec_month_label(day, buf, bufn);
		v = buf;
		break;
	case REPORT_BY__COUNT:
		break;
	}
	(void)g;
	out[0] = v && *v ? v : report_dim_none[dim];
	return 1;
}

/* Seconds s (and the statistics, when stats) of item on local day `day` into its groups; or,
 * when n > 0, the sums of n whole sessions. */
static int report_group_put(struct report_group *g, const struct report_item *it, int64_t day,
			    int64_t s, int stats, int64_t n)
{
	enum { MAXL = 64 };
	const char *l1[MAXL], *l2[MAXL] = {""};
	char b1[32], b2[32], ikey[2 * 1024 + 2];
	size_t n1, n2 = 1;

	n1 = report_group_labels(g, g->dims[0], it, day, b1, sizeof(b1), l1, MAXL);
	if (g->ndims > 1)
		n2 = report_group_labels(g, g->dims[1], it, day, b2, sizeof(b2), l2, MAXL);
	for (size_t i = 0; i < n1; i++) {
		struct report_totals *t1;
		size_t owner;

		if (!(t1 = report_group_find(g, l1[i], l1[i], 0)))
			return -1;
		owner = (size_t)(t1 - g->t);
		report_totals_put(t1, it, s, stats, n);
		for (size_t j = 0; g->ndims > 1 && j < n2; j++) {
			struct report_totals *t2;

			/* \x1f cannot be in a label of level 1 that matters: it only joins. */
			snprintf(ikey, sizeof(ikey), "%.1000s\x1f%.1000s", l1[i], l2[j]);
			if (!(t2 = report_group_find(g, ikey, l2[j], owner + 1)))
				return -1;
			report_totals_put(t2, it, s, stats, n);
		}
	}
	return 0;
}

/* Appends [a, b) of a session's time, clipped to the report and cut at local midnights. */
static int report_group_cut(const struct report_group *g, int64_t a, int64_t b,
			    struct report_piece **p, size_t *n, size_t *cap)
{
	if (a < g->from)
		a = g->from;
	if (b > g->to)
		b = g->to;
	while (a < b) {
		int64_t day = g->has_time ? timespec_zone_day(&g->zone, a) : 0;
		int64_t end = g->has_time ? timespec_zone_next_midnight(&g->zone, a) : b;

		if (end > b)
			end = b;
		if (*n && (*p)[*n - 1].day == day) {
			(*p)[*n - 1].ms += end - a;
		} else {
			if (*n == *cap) {
				size_t c = *cap ? 2 * *cap : 8;
				struct report_piece *q = realloc(*p, c * sizeof(*q));

				if (!q)
					return -1;
				*p = q;
				*cap = c;
			}
			(*p)[(*n)++] = (struct report_piece){.day = day, .ms = end - a};
		}
		a = end;
	}
	return 0;
}

/*
 * The session's active seconds per local day inside the report: its spans' milliseconds, scaled
 * so that the whole session would give exactly active_s (the log's number), rounded so that the
 * parts add up.
 */
static int report_group_pieces(const struct report_group *g, const struct report_item *it,
			       struct report_piece **p, size_t *n)
{
	size_t cap = 0, i;
	int64_t whole = 0, cum = 0, done = 0;
	json_t *spans = it->spans ? json_loads(it->spans, 0, NULL) : NULL, *span;

	*p = NULL;
	*n = 0;
	if (json_array_size(spans) > 0) {
		json_array_foreach(spans, i, span)
		{
			int64_t a = json_integer_value(json_array_get(span, 0));
			int64_t b = json_integer_value(json_array_get(span, 1));

			if (b <= a)
				continue;
			whole += b - a;
			if (report_group_cut(g, a, b, p, n, &cap) < 0) {
				json_decref(spans);
				return -1;
			}
		}
	} else if (it->ended_ms > it->started_ms) {
		whole = it->ended_ms - it->started_ms;
		if (report_group_cut(g, it->started_ms, it->ended_ms, p, n, &cap) < 0)
			return -1;
	}
	json_decref(spans);
	for (i = 0; i < *n && whole > 0; i++) {
		int64_t upto;

		cum += (*p)[i].ms;
		upto = (int64_t)((__int128)it->active_s * cum * 2 / whole + 1) / 2;
		(*p)[i].s = upto - done;
		done = upto;
	}
	return 0;
}

int report_group_uses(const struct report_group *g, enum report_dim dim)
{
	for (size_t i = 0; i < g->ndims; i++)
		if (g->dims[i] == dim)
			return 1;
	return 0;
}

int report_group_add(struct report_group *g, const struct report_item *it)
{
	struct report_piece *p = NULL, one;
	size_t n = 0;
	int64_t end_day = g->has_time ? timespec_zone_day(&g->zone, it->ended_ms - 1) : 0;
	int ends_in = it->ended_ms > g->from && it->ended_ms <= g->to;
	int whole = it->started_ms >= g->from && ends_in;
	int64_t in_s = 0;
	int rc = 0;

	/* Most sessions lie inside the report and on one day: no spans to read. */
	if (whole && (!g->has_time || timespec_zone_day(&g->zone, it->started_ms) == end_day)) {
		one = (struct report_piece){.day = end_day, .s = it->active_s};
		p = &one;
		n = 1;
	} else if (report_group_pieces(g, it, &p, &n) < 0) {
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* The statistics go with the day the session ended, once. */
		int stats = ends_in && p[i].day == end_day;

		if (p[i].s == 0 && !stats)
			continue;
		rc = report_group_put(g, it, p[i].day, p[i].s, stats, 0);
		in_s += p[i].s;
		ends_in = stats ? 0 : ends_in;
	}
	/* A session that ended inside the report on a day without active time of it. */
	if (rc == 0 && ends_in)
		rc = report_group_put(g, it, end_day, 0, 1, 0);
	if (rc == 0 && (in_s > 0 || (it->ended_ms > g->from && it->ended_ms <= g->to)))
		report_totals_add(&g->total, it, in_s,
				  it->ended_ms > g->from && it->ended_ms <= g->to);
	if (p != &one)
		free(p);
	return rc;
}

int report_group_add_sum(struct report_group *g, const struct report_item *it, int64_t n)
{
	if (g->has_time || report_group_uses(g, REPORT_BY_TAG) || n < 1)
		return -1;
	if (report_group_put(g, it, 0, 0, 1, n) < 0)
		return -1;
	report_totals_put(&g->total, it, 0, 1, n);
	return 0;
}

static json_t *report_totals_json(const struct report_totals *t)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "active_s", (json_int_t)t->active_s,
			 "sessions", (json_int_t)t->sessions, "commits", (json_int_t)t->commits,
			 "files", (json_int_t)t->files, "added", (json_int_t)t->added, "removed",
			 (json_int_t)t->removed);
}

static int report_group_cmp(const void *a, const void *b)
{
	const struct report_totals *x = *(const struct report_totals *const *)a;
	const struct report_totals *y = *(const struct report_totals *const *)b;

	return strcmp(x->key, y->key);
}

/* The groups whose owner is `owner` (0: level 1; i + 1: children of group i), sorted. */
static json_t *report_group_level(const struct report_group *g, size_t owner,
				  const struct report_totals **tmp)
{
	json_t *arr = json_array();
	size_t n = 0;

	for (size_t i = 0; i < g->nt; i++)
		if (g->t[i].owner == owner)
			tmp[n++] = &g->t[i];
	qsort(tmp, n, sizeof(*tmp), report_group_cmp);
	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = report_totals_json(tmp[i]);

		if (!o || json_object_set_new(o, "key", json_string(tmp[i]->key)) < 0 ||
		    json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *report_group_json(const struct report_group *g)
{
	const struct report_totals **tmp = calloc(g->nt + 1, sizeof(*tmp));
	json_t *by = json_array(), *groups = NULL, *out = NULL, *o;
	size_t i;

	for (i = 0; by && i < g->ndims; i++)
		json_array_append_new(by, json_string(report_dim_name(g->dims[i])));
	if (tmp && by)
		groups = report_group_level(g, 0, tmp);
	/* Children are found through their owner: each level-1 group's index is in the index. */
	json_array_foreach(groups, i, o)
	{
		json_t *at =
		    json_object_get(g->index, json_string_value(json_object_get(o, "key")));
		const struct report_totals **tmp2;

		if (g->ndims < 2)
			break;
		tmp2 = calloc(g->nt + 1, sizeof(*tmp2));
		json_object_set_new(
		    o, "groups",
		    tmp2 ? report_group_level(g, (size_t)json_integer_value(at) + 1, tmp2) : NULL);
		free(tmp2);
	}
	if (groups)
		out = json_pack("{s:I, s:I, s:O, s:o, s:o}", "from", (json_int_t)g->from, "to",
				(json_int_t)g->to, "by", by, "total", report_totals_json(&g->total),
				"groups", groups);
	json_decref(by);
	free(tmp);
	return out;
}
