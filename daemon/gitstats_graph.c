#include "gitstats_graph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "gitstats_backend.h"
#include "gitstats_reflog.h"
#include "log.h"

static const struct gitstats_tip *gitstats_graph_base_tip(const struct gitstats_baseline *b,
							  const char *ref)
{
	for (size_t i = 0; i < b->ntips; i++)
		if (strcmp(b->tips[i].ref, ref) == 0)
			return &b->tips[i];
	return NULL;
}

struct gitstats_oidv {
	char (*v)[GITSTATS_OID_MAX + 1];
	size_t n, cap;
};

static int gitstats_graph_oidv_add(struct gitstats_oidv *l, const char *oid)
{
	void *v = array_grow(l->v, &l->cap, l->n, sizeof(*l->v), 16);

	if (!v)
		return -ENOMEM;
	l->v = v;
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", oid);
	return 0;
}

struct gitstats_flow {
	struct gitstats_omap created; /* commits the reflogs say were made here */
	struct gitstats_oidv imports; /* where refs were moved to, switches included */
	struct gitstats_oidv merges; /* where refs were merged or moved to, switches not included */
};

static int gitstats_graph_flow_import(struct gitstats_flow *f, const char *oid, bool merged)
{
	int rc = gitstats_graph_oidv_add(&f->imports, oid);

	return rc < 0 || !merged ? rc : gitstats_graph_oidv_add(&f->merges, oid);
}

/* Reads the session's part of the reflog of HEAD and of each local branch. */
static int gitstats_graph_read_flow(struct gitstats_ctx *c, const struct gitstats_baseline *base,
				    const struct gitstats_tiplist *now, struct gitstats_flow *f)
{
	for (size_t i = 0; i < now->n; i++) {
		const struct gitstats_tip *bt = gitstats_graph_base_tip(base, now->v[i].ref);
		struct gitstats_reflog l;
		size_t from;
		int rc;

		if ((rc = gitstats_reflog_read(c, now->v[i].ref, &l)) < 0) {
			gitstats_int_seterr(c->err, c->errn, "cannot read the reflog of %s: %s",
					    now->v[i].ref, strerror(-rc));
			return rc;
		}
		from = gitstats_reflog_since(&l, bt);
		for (size_t k = from; k < l.n && rc == 0; k++) {
			const char *oid = l.v[k].oid;

			if (!gitstats_int_is_hex_oid(oid) || strspn(oid, "0") == strlen(oid))
				continue;
			switch (gitstats_reflog_kind(l.v[k].msg)) {
			case GITSTATS_RL_CREATE:
				rc = gitstats_int_omap_put(&f->created, oid, 1);
				break;
			case GITSTATS_RL_IMPORT:
				/* reset --hard or stash moved nothing, so merged nothing. */
				rc = gitstats_graph_flow_import(f, oid,
								strcmp(l.v[k].old, oid) != 0);
				break;
			case GITSTATS_RL_SWITCH:
				rc = gitstats_graph_flow_import(f, oid, false);
				break;
			default:
				break;
			}
		}
		gitstats_reflog_free(&l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void gitstats_graph_flow_free(struct gitstats_flow *f)
{
	free(f->imports.v);
	free(f->merges.v);
	gitstats_int_omap_free(&f->created);
	memset(f, 0, sizeof(*f));
}

/* New commits: reachable now, from none of the baseline's tips. */
static int gitstats_graph_new_commits(struct gitstats_ctx *c, const struct gitstats_baseline *base,
				      const struct gitstats_tiplist *now, struct gitstats_cgraph *g)
{
	char(*push)[GITSTATS_OID_MAX + 1] = calloc(now->n + 1, sizeof(*push));
	int rc;

	if (!push)
		return -ENOMEM;
	for (size_t i = 0; i < now->n; i++)
		memcpy(push[i], now->v[i].oid, sizeof(push[i]));
	rc = c->be->walk(c, push, now->n, base->tips, base->ntips, g, NULL);
	free(push);
	return rc;
}

/* A merge made here that brings only new commits from elsewhere (`git pull`, `git merge
 * origin/main`) is part of the pull: its changes against its first parent are theirs. */
static bool gitstats_graph_pull_merge(const struct gitstats_cgraph *g,
				      const struct gitstats_cnode *n)
{
	size_t at;

	if (n->nparents < 2)
		return false;
	for (size_t k = 1; k < n->nparents; k++)
		if (!gitstats_int_omap_get(&g->at, n->parents[k], &at) || !g->v[at].pulled)
			return false;
	return true;
}

/* Which new commits arrived from elsewhere: reachable from where the reflogs say a ref was moved
 * to by a pull, fetch, fast-forward, reset or checkout, and not made here. */
static int gitstats_graph_mark_pulled(struct gitstats_ctx *c, const struct gitstats_baseline *base,
				      const struct gitstats_tiplist *now, struct gitstats_cgraph *g,
				      struct gitstats_flow *f)
{
	struct gitstats_omap reach_import = {0};
	int rc;

	if ((rc = gitstats_graph_read_flow(c, base, now, f)) < 0)
		return rc;
	/* A merge made here brings its other parents' history from elsewhere. */
	for (size_t i = 0; i < g->n && rc == 0; i++)
		if (g->v[i].nparents > 1 && gitstats_int_omap_get(&f->created, g->v[i].oid, NULL))
			for (size_t k = 1; k < g->v[i].nparents && rc == 0; k++)
				rc = gitstats_graph_flow_import(f, g->v[i].parents[k], true);
	if (rc < 0)
		return rc;
	if (g->n && f->imports.n &&
	    (rc = c->be->walk(c, f->imports.v, f->imports.n, base->tips, base->ntips, NULL,
			      &reach_import)) < 0)
		goto out;
	for (size_t i = 0; i < g->n; i++)
		g->v[i].pulled = gitstats_int_omap_get(&reach_import, g->v[i].oid, NULL) &&
				 !gitstats_int_omap_get(&f->created, g->v[i].oid, NULL);
	/* Oldest first, so a merge of merges sees its parents marked. */
	for (size_t i = g->n; i-- > 0;)
		if (gitstats_int_omap_get(&f->created, g->v[i].oid, NULL))
			g->v[i].pulled = g->v[i].pull_merge =
			    gitstats_graph_pull_merge(g, &g->v[i]);
out:
	gitstats_int_omap_free(&reach_import);
	return rc;
}

/* HEAD's history since the start. Old commits (on another local branch at the start) in it count
 * as pulled when merged in, not when HEAD switched to them; without a merge, only new commits are
 * walked. */
static int gitstats_graph_head_history(struct gitstats_ctx *c, const struct gitstats_baseline *base,
				       const struct gitstats_head *h, bool moved,
				       const struct gitstats_flow *f, struct gitstats_history *hs)
{
	struct gitstats_cgraph *g = &hs->g, *hg = &hs->hg;
	struct gitstats_omap reach_merge = {0};
	struct gitstats_tip start = {0};
	char head[1][GITSTATS_OID_MAX + 1];
	size_t at;
	int rc = 0;

	snprintf(start.oid, sizeof(start.oid), "%s", base->head);
	memcpy(head[0], h->oid, sizeof(head[0]));
	if (moved &&
	    (rc = f->merges.n ? c->be->walk(c, head, 1, &start, 1, hg, NULL)
			      : c->be->walk(c, head, 1, base->tips, base->ntips, hg, NULL)) < 0)
		return rc;
	for (size_t i = 0; i < hg->n; i++)
		hs->nold += !gitstats_int_omap_get(&g->at, hg->v[i].oid, NULL);
	if (hs->nold &&
	    (rc = c->be->walk(c, f->merges.v, f->merges.n, &start, 1, NULL, &reach_merge)) < 0)
		goto out;
	for (size_t i = 0; i < hg->n; i++) {
		hg->v[i].old = !gitstats_int_omap_get(&g->at, hg->v[i].oid, &at);
		hg->v[i].pulled = hg->v[i].old
				      ? gitstats_int_omap_get(&reach_merge, hg->v[i].oid, NULL)
				      : g->v[at].pulled;
		hg->v[i].pull_merge = !hg->v[i].old && g->v[at].pull_merge;
	}
out:
	gitstats_int_omap_free(&reach_merge);
	return rc;
}

int gitstats_graph_history(struct gitstats_ctx *c, const struct gitstats_baseline *base,
			   const struct gitstats_head *h, const struct gitstats_tiplist *now,
			   struct gitstats_history *out)
{
	struct gitstats_flow f = {0};
	bool moved = *h->oid && strcmp(h->oid, base->head) != 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = gitstats_graph_new_commits(c, base, now, &out->g)) < 0)
		goto out;
	if ((out->g.n || moved) && (rc = gitstats_graph_mark_pulled(c, base, now, &out->g, &f)) < 0)
		goto out;
	rc = gitstats_graph_head_history(c, base, h, moved, &f, out);
out:
	gitstats_graph_flow_free(&f);
	return rc;
}

void gitstats_graph_history_free(struct gitstats_history *hs)
{
	gitstats_int_cgraph_free(&hs->g);
	gitstats_int_cgraph_free(&hs->hg);
	gitstats_int_omap_free(&hs->dropped);
	hs->nold = 0;
}

/*
 * Whether the commit's changes came from elsewhere, for the lines: a pulled commit, but not the
 * merge a pull made here, whose tree holds the user's conflict resolution (its pulled parents
 * are the tips to move the baseline by).
 */
static bool gitstats_graph_brought(const struct gitstats_cnode *n)
{
	return n->pulled && !n->pull_merge;
}

int gitstats_graph_effective(struct gitstats_ctx *c, const struct gitstats_baseline *base,
			     struct gitstats_history *hs, char *out, size_t outn)
{
	struct gitstats_cgraph *hg = &hs->hg;
	size_t at;
	int rc = 0;

	snprintf(out, outn, "%s", base->tree);
	/* A pulled tip: pulled, in HEAD's history, and no pulled commit there above it. */
	for (size_t i = 0; i < hg->n; i++) {
		if (!gitstats_graph_brought(&hg->v[i]))
			continue;
		for (size_t k = 0; k < hg->v[i].nparents; k++)
			if (gitstats_int_omap_get(&hg->at, hg->v[i].parents[k], &at))
				hg->v[at].pulled_child = true;
	}
	/* Oldest first, each tip's changes since where its line left the user's history. */
	for (size_t i = hg->n; i-- > 0 && rc == 0;) {
		const struct gitstats_cnode *t = &hg->v[i], *w = t;
		char anc[GITSTATS_OID_MAX + 1] = "", next[GITSTATS_OID_MAX + 1];

		if (!gitstats_graph_brought(t) || t->pulled_child)
			continue;
		/* Down the first parents while pulled. */
		while (w) {
			if (!w->nparents) {
				anc[0] = '\0';
				break;
			}
			snprintf(anc, sizeof(anc), "%s", w->parents[0]);
			w = gitstats_int_omap_get(&hg->at, anc, &at) &&
				    gitstats_graph_brought(&hg->v[at])
				? &hg->v[at]
				: NULL;
		}
		rc = c->be->merge3(c, anc, out, t->oid, next, sizeof(next));
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0) {
			log_debug("gitstats: %s: %s; pulled lines count as the session's", c->root,
				  c->err);
			return 0;
		}
		snprintf(out, outn, "%s", next);
	}
	return 0;
}
