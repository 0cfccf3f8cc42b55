#include "gitstats_headlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "gitstats_backend.h"
#include "gitstats_reflog.h"

struct gitstats_headlog {
	struct gitstats_ctx *c;
	const struct gitstats_baseline *base;
	const struct gitstats_tiplist *now;
	const struct gitstats_history *hs;
	struct gitstats_omap pulled; /* new commits from elsewhere, old ones merged in */
	struct gitstats *out;
	size_t cap;
};

static bool gitstats_headlog_is_branch(const struct gitstats_headlog *hl, const char *name)
{
	char ref[PATH_MAX];

	snprintf(ref, sizeof(ref), "refs/heads/%s", name);
	for (size_t i = 0; i < hl->now->n; i++)
		if (strcmp(hl->now->v[i].ref, ref) == 0)
			return true;
	for (size_t i = 0; i < hl->base->ntips; i++)
		if (strcmp(hl->base->tips[i].ref, ref) == 0)
			return true;
	return false;
}

/* A name as the session's branch names read: a local branch, else "detached at abc1234". */
static char *gitstats_headlog_name(const struct gitstats_headlog *hl, const char *name,
				   const char *oid)
{
	char buf[GITSTATS_OID_MAX + 32];

	/* Never "detached at 0000000": a null id says nothing of where HEAD was. */
	if (gitstats_headlog_is_branch(hl, name) || strspn(oid, "0") == strlen(oid))
		return strdup(name);
	gitstats_int_branch_name(buf, sizeof(buf), NULL, oid);
	return strdup(buf);
}

static struct gitstats_move *gitstats_headlog_add(struct gitstats_headlog *hl,
						  enum gitstats_move_kind kind, size_t reflog,
						  const struct gitstats_rlentry *e, int64_t at_ms)
{
	struct gitstats *out = hl->out;
	struct gitstats_move *m;
	void *v = array_grow(out->moves, &hl->cap, out->nmoves, sizeof(*out->moves), 16);

	if (!v)
		return NULL;
	out->moves = v;
	m = &out->moves[out->nmoves++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->reflog = reflog;
	m->time = e->time;
	m->at_ms = at_ms;
	snprintf(m->oid, sizeof(m->oid), "%s", e->oid);
	return m;
}

/* The pulled commits an entry brought into HEAD: `git rev-list old..new` that are pulled. */
static int gitstats_headlog_brought(struct gitstats_headlog *hl, const struct gitstats_rlentry *e,
				    size_t *n)
{
	char push[1][GITSTATS_OID_MAX + 1];
	struct gitstats_tip hide = {0};
	struct gitstats_omap set = {0};
	int rc;

	*n = 0;
	if (!hl->pulled.n)
		return 0;
	snprintf(push[0], sizeof(push[0]), "%s", e->oid);
	snprintf(hide.oid, sizeof(hide.oid), "%s", e->old);
	rc = hl->c->be->walk(hl->c, push, 1, &hide, gitstats_int_is_hex_oid(e->old) ? 1 : 0, NULL,
			     &set);
	for (size_t i = 0; rc == 0 && i < set.cap; i++)
		*n += set.keys[i][0] && gitstats_int_omap_get(&hl->pulled, set.keys[i], NULL);
	gitstats_int_omap_free(&set);
	return rc;
}

static int gitstats_headlog_entry(struct gitstats_headlog *hl, const struct gitstats_rlentry *e,
				  size_t reflog, int64_t at_ms)
{
	const struct gitstats_cgraph *g = &hl->hs->g;
	struct gitstats_move *m;
	char *from, *to;
	bool renamed;
	size_t at, n;
	int rc;

	/* A rename writes HEAD's reflog twice, through the null id: the second half is the switch.
	 */
	if (!gitstats_int_is_hex_oid(e->oid) || strspn(e->oid, "0") == strlen(e->oid))
		return 0;
	if (gitstats_reflog_switch(e->msg, &from, &to, &renamed)) {
		/* A rename names two branches, the old one gone by now: both are names as they are.
		 */
		char *a = renamed ? strdup(from) : gitstats_headlog_name(hl, from, e->old);
		char *b = renamed ? strdup(to) : gitstats_headlog_name(hl, to, e->oid);

		free(from);
		free(to);
		rc = a && b ? 0 : -ENOMEM;
		/* git checkout of the branch HEAD is on: no switch. */
		if (rc == 0 && strcmp(a, b) != 0) {
			m = gitstats_headlog_add(hl, GITSTATS_MOVE_BRANCH, reflog, e, at_ms);
			if (m) {
				m->from = a;
				m->to = b;
				return 0;
			}
			rc = -ENOMEM;
		}
		free(a);
		free(b);
		return rc;
	}
	if (strcmp(e->old, e->oid) == 0)
		return 0;
	switch (gitstats_reflog_kind(e->msg)) {
	case GITSTATS_RL_CREATE:
		/* Made here and still there: the session's own, unless it is the merge of a pull.
		 */
		if (!gitstats_int_omap_get(&g->at, e->oid, &at) ||
		    gitstats_int_omap_get(&hl->hs->dropped, e->oid, NULL))
			return 0;
		if (!g->v[at].pulled)
			return gitstats_headlog_add(hl, GITSTATS_MOVE_COMMIT, reflog, e, at_ms)
				   ? 0
				   : -ENOMEM;
		/* fall through */
	case GITSTATS_RL_IMPORT:
		if ((rc = gitstats_headlog_brought(hl, e, &n)) < 0 || n == 0)
			return rc;
		m = gitstats_headlog_add(hl, GITSTATS_MOVE_PULL, reflog, e, at_ms);
		if (!m)
			return -ENOMEM;
		m->commits = n;
		return 0;
	default:
		return 0;
	}
}

static int gitstats_headlog_pulled_set(struct gitstats_headlog *hl)
{
	const struct gitstats_history *hs = hl->hs;
	int rc = 0;

	for (size_t i = 0; i < hs->g.n && rc == 0; i++)
		if (hs->g.v[i].pulled)
			rc = gitstats_int_omap_put(&hl->pulled, hs->g.v[i].oid, i);
	for (size_t i = 0; i < hs->hg.n && rc == 0; i++)
		if (hs->hg.v[i].old && hs->hg.v[i].pulled)
			rc = gitstats_int_omap_put(&hl->pulled, hs->hg.v[i].oid, i);
	return rc;
}

int gitstats_headlog(struct gitstats_ctx *c, const struct gitstats_baseline *base,
		     const struct gitstats_head *h, const struct gitstats_tiplist *now,
		     const struct gitstats_history *hs, struct gitstats *out)
{
	struct gitstats_headlog hl = {.c = c, .base = base, .now = now, .hs = hs, .out = out};
	const struct gitstats_tip *start = base->ntips ? &base->tips[0] : NULL;
	struct gitstats_reflog l;
	int64_t *at = NULL;
	size_t from, end;
	int rc;

	if ((rc = gitstats_reflog_read(c, "HEAD", &l)) < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot read the reflog of HEAD: %s",
				    strerror(-rc));
		return rc;
	}
	from = gitstats_reflog_since(&l, start && strcmp(start->ref, "HEAD") == 0 ? start : NULL);
	/* Entries after the last one that moved HEAD where the graph found it came later: the next
	 * recompute reads them with the commits they made. */
	end = l.n;
	for (size_t k = l.n; *h->oid && k > from; k--)
		if (strcmp(l.v[k - 1].oid, h->oid) == 0) {
			end = k;
			break;
		}
	if (end > from && !(at = calloc(end - from, sizeof(*at)))) {
		rc = -ENOMEM;
		goto out;
	}
	/* Seconds, but the file's mtime dates its newest entry to the ms; an entry never comes
	 * after the one that follows it. */
	for (size_t k = end; k-- > from;) {
		int64_t t = l.v[k].time * 1000 + 999;

		if (k == l.n - 1 && l.mtime_ms / 1000 == l.v[k].time)
			t = l.mtime_ms;
		if (k + 1 < end && at[k + 1 - from] < t && at[k + 1 - from] >= l.v[k].time * 1000)
			t = at[k + 1 - from];
		at[k - from] = t;
	}
	if ((rc = gitstats_headlog_pulled_set(&hl)) < 0)
		goto out;
	for (size_t k = from; k < end && rc == 0; k++)
		rc = gitstats_headlog_entry(&hl, &l.v[k], k - from, at[k - from]);
out:
	free(at);
	gitstats_int_omap_free(&hl.pulled);
	gitstats_reflog_free(&l);
	return rc;
}

void gitstats_headlog_free(struct gitstats *out)
{
	for (size_t i = 0; i < out->nmoves; i++) {
		free(out->moves[i].from);
		free(out->moves[i].to);
	}
	free(out->moves);
	out->moves = NULL;
	out->nmoves = 0;
}
