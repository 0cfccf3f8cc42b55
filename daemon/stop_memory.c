#include "stop_memory.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"

struct stop_memory_recent {
	struct stop_memory_recent *next;
	char *root;
	json_t *session;
	char *log;
	char *by, *why;
	int64_t wall_ms;
	int64_t until; /* CLOCK_BOOTTIME ns */
};

struct stop_memory {
	struct stop_memory_recent *recent;
	struct stop_memory_commit *commits;
};

static struct stop_memory *stop_memory_get(struct stop_memory **m)
{
	if (!*m)
		*m = calloc(1, sizeof(**m));
	return *m;
}

/* root is cwd or a directory above it. */
static bool stop_memory_contains(const char *root, const char *cwd)
{
	size_t n = strlen(root);

	return strncmp(root, cwd, n) == 0 &&
	       (cwd[n] == '\0' || cwd[n] == '/' || (n == 1 && root[0] == '/'));
}

static void stop_memory_recent_free(struct stop_memory_recent *r)
{
	free(r->root);
	json_decref(r->session);
	free(r->log);
	free(r->by);
	free(r->why);
	free(r);
}

void stop_memory_commit_free(struct stop_memory_commit *c)
{
	if (!c)
		return;
	free(c->root);
	free(c->log);
	free(c->message);
	free(c->branch);
	free(c);
}

static void stop_memory_commit_dropped(struct stop_memory_commit *c, const char *why)
{
	log_warnx("the log %s was not committed: %s", c->log, why);
	stop_memory_commit_free(c);
}

/* Drops what is no longer recent, and with root set what was remembered for root. */
static void stop_memory_prune(struct stop_memory *m, const char *root, int64_t now_boot_ns)
{
	struct stop_memory_recent **rp = &m->recent, *r;
	struct stop_memory_commit **cp = &m->commits, *c;

	while ((r = *rp)) {
		if ((root && strcmp(r->root, root) == 0) || r->until <= now_boot_ns) {
			*rp = r->next;
			stop_memory_recent_free(r);
		} else {
			rp = &r->next;
		}
	}
	while ((c = *cp)) {
		if (root && strcmp(c->root, root) == 0) {
			*cp = c->next;
			stop_memory_commit_dropped(
			    c, "a later session there closed before stint stop --edit said its "
			       "editor was done");
		} else if (c->until <= now_boot_ns) {
			*cp = c->next;
			stop_memory_commit_dropped(
			    c, "stint stop --edit never said its editor was done");
		} else {
			cp = &c->next;
		}
	}
}

void stop_memory_closed(struct stop_memory **m, const char *root)
{
	if (*m)
		stop_memory_prune(*m, root, time_boot_ns());
}

int stop_memory_unattended(struct stop_memory **m, const char *root, json_t *session,
			   const char *log, const char *by, const char *why, int64_t ended_wall_ms,
			   int64_t now_boot_ns)
{
	struct stop_memory_recent *r;

	if (!stop_memory_get(m))
		return -1;
	stop_memory_prune(*m, NULL, now_boot_ns);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->root = strdup(root);
	r->log = log ? strdup(log) : NULL;
	r->by = strdup(by);
	r->why = strdup(why ? why : by);
	r->session = json_incref(session);
	r->wall_ms = ended_wall_ms;
	r->until = now_boot_ns + STOP_MEMORY_KEEP_NS;
	if (!r->root || (log && !r->log) || !r->by || !r->why || !session) {
		stop_memory_recent_free(r);
		return -1;
	}
	r->next = (*m)->recent;
	(*m)->recent = r;
	return 0;
}

json_t *stop_memory_recent(struct stop_memory **m, const char *cwd, int64_t now_boot_ns)
{
	struct stop_memory_recent *best = NULL;
	char at[40];

	if (!*m)
		return NULL;
	stop_memory_prune(*m, NULL, now_boot_ns);
	for (struct stop_memory_recent *r = (*m)->recent; r; r = r->next)
		if (stop_memory_contains(r->root, cwd) &&
		    (!best || strlen(r->root) > strlen(best->root)))
			best = r;
	if (!best)
		return NULL;
	time_format_rfc3339(best->wall_ms, at, sizeof(at));
	return json_pack("{s:O, s:s?, s:{s:s, s:s, s:s}}", "session", best->session, "log",
			 best->log, "stopped", "by", best->by, "why", best->why, "at", at);
}

int stop_memory_pend(struct stop_memory **m, const char *root, const char *log, const char *message,
		     const char *branch, int64_t now_boot_ns)
{
	struct stop_memory_commit *c;

	if (!stop_memory_get(m) || !(c = calloc(1, sizeof(*c))))
		return -1;
	c->root = strdup(root);
	c->log = strdup(log);
	c->message = strdup(message);
	c->branch = branch ? strdup(branch) : NULL;
	c->until = now_boot_ns + STOP_MEMORY_KEEP_NS;
	if (!c->root || !c->log || !c->message || (branch && !c->branch)) {
		stop_memory_commit_free(c);
		return -1;
	}
	c->next = (*m)->commits;
	(*m)->commits = c;
	return 0;
}

struct stop_memory_commit *stop_memory_take(struct stop_memory **m, const char *cwd,
					    const char *log, int64_t now_boot_ns)
{
	struct stop_memory_commit **cp, *c;

	if (!*m)
		return NULL;
	stop_memory_prune(*m, NULL, now_boot_ns);
	for (cp = &(*m)->commits; (c = *cp); cp = &c->next)
		if (strcmp(c->log, log) == 0 && stop_memory_contains(c->root, cwd)) {
			*cp = c->next;
			c->next = NULL;
			return c;
		}
	return NULL;
}

void stop_memory_free(struct stop_memory **m)
{
	struct stop_memory_recent *r, *rn;
	struct stop_memory_commit *c, *cn;

	if (!*m)
		return;
	for (r = (*m)->recent; r; r = rn) {
		rn = r->next;
		stop_memory_recent_free(r);
	}
	for (c = (*m)->commits; c; c = cn) {
		cn = c->next;
		stop_memory_commit_dropped(c, "stintd stopped before stint stop --edit said its "
					      "editor was done");
	}
	free(*m);
	*m = NULL;
}
