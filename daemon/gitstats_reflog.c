#include "gitstats_reflog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

void gitstats_reflog_free(struct gitstats_reflog *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].msg);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void gitstats_reflog_path(const struct gitstats_ctx *c, const char *ref, char *out,
				 size_t outn)
{
	/* HEAD is per worktree; branches live in the common directory. */
	if (strcmp(ref, "HEAD") == 0)
		snprintf(out, outn, "%s/logs/HEAD", c->gitdir);
	else
		snprintf(out, outn, "%s/logs/%s", c->commondir, ref);
}

/* The log as it was at until_ms: from its first entry written at or after then on, nothing. */
static void gitstats_reflog_until(struct gitstats_reflog *l, int64_t until_ms)
{
	size_t k = 0;

	if (until_ms <= 0)
		return;
	while (k < l->n && l->v[k].time < (until_ms + 999) / 1000)
		k++;
	if (k == l->n)
		return;
	for (size_t i = k; i < l->n; i++)
		free(l->v[i].msg);
	l->n = k;
	l->mtime_ms = 0; /* the newest entry left is not the file's last */
}

int gitstats_reflog_read(const struct gitstats_ctx *c, const char *ref, struct gitstats_reflog *out)
{
	char path[PATH_MAX * 2];
	struct gitstats_buf b = {0};
	char chunk[65536];
	struct stat st;
	size_t cap = 0;
	ssize_t n;
	int fd;

	memset(out, 0, sizeof(*out));
	gitstats_reflog_path(c, ref, path, sizeof(path));
	fd = fileio_open_regular(path);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	if (fstat(fd, &st) == 0)
		out->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (gitstats_int_buf_add(&b, chunk, (size_t)n) < 0) {
			close(fd);
			gitstats_int_buf_free(&b);
			return -ENOMEM;
		}
	close(fd);
	for (char *line = b.p; line && line < b.p + b.n;) {
		char *nl = memchr(line, '\n', (size_t)(b.p + b.n - line));
		char *end = nl ? nl : b.p + b.n, *tab, *sp1, *sp2, *gt;
		struct gitstats_rlentry *e;

		*end = '\0';
		sp1 = strchr(line, ' ');
		sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (sp1 && sp2 && sp1 - line <= GITSTATS_OID_MAX &&
		    sp2 - sp1 - 1 <= GITSTATS_OID_MAX) {
			if (out->n == cap) {
				struct gitstats_rlentry *v;

				cap = cap ? cap * 2 : 64;
				v = realloc(out->v, cap * sizeof(*v));
				if (!v) {
					gitstats_int_buf_free(&b);
					gitstats_reflog_free(out);
					return -ENOMEM;
				}
				out->v = v;
			}
			e = &out->v[out->n];
			memcpy(e->old, line, (size_t)(sp1 - line));
			e->old[sp1 - line] = '\0';
			memcpy(e->oid, sp1 + 1, (size_t)(sp2 - sp1 - 1));
			e->oid[sp2 - sp1 - 1] = '\0';
			tab = strchr(sp2, '\t');
			if (tab)
				*tab = '\0';
			/* "name <email> 1700000000 +0100": the time follows the last '>'. */
			gt = strrchr(sp2, '>');
			e->time = gt ? strtoll(gt + 1, NULL, 10) : 0;
			/* A damaged entry's time stays in years 1970 to 9999: it is multiplied
			 * later. */
			if (e->time < 0 || e->time > GITSTATS_REFLOG_MAX_TIME)
				e->time = 0;
			e->msg = strdup(tab ? tab + 1 : "");
			if (!e->msg) {
				gitstats_int_buf_free(&b);
				gitstats_reflog_free(out);
				return -ENOMEM;
			}
			out->n++;
		}
		line = nl ? nl + 1 : NULL;
	}
	gitstats_int_buf_free(&b);
	gitstats_reflog_until(out, c->until_ms);
	return 0;
}

size_t gitstats_reflog_since(const struct gitstats_reflog *l, const struct gitstats_tip *t)
{
	size_t i;

	if (!t || t->reflog == 0)
		return 0;
	if (t->reflog <= l->n && l->v[t->reflog - 1].time == t->reflog_time)
		return t->reflog;
	for (i = l->n; i > 0 && l->v[i - 1].time > t->reflog_time; i--)
		;
	return i;
}

enum gitstats_rlkind gitstats_reflog_kind(const char *msg)
{
	static const char *const create_steps[] = {"(pick)",	 "(reword)", "(squash)", "(fixup)",
						   "(continue)", "(merge)",  "(edit)"};
	static const char *const import_prefixes[] = {
	    "pull",   "initial pull",	"fetch",  "reset:",
	    "clone:", "update by push", "rebase", "merge ",
	};

	if (strncmp(msg, "commit", 6) == 0 || strncmp(msg, "cherry-pick", 11) == 0 ||
	    strncmp(msg, "revert", 6) == 0 || strncmp(msg, "am:", 3) == 0 ||
	    strstr(msg, ": Merge made by"))
		return GITSTATS_RL_CREATE;
	if (strncmp(msg, "rebase", 6) == 0 || strncmp(msg, "pull", 4) == 0) {
		const char *colon = strchr(msg, ':');
		size_t head = colon ? (size_t)(colon - msg) : strlen(msg);

		for (size_t i = 0; i < sizeof(create_steps) / sizeof(create_steps[0]); i++) {
			const char *p = strstr(msg, create_steps[i]);

			if (p && (size_t)(p - msg) < head)
				return GITSTATS_RL_CREATE;
		}
	}
	if (strncmp(msg, "checkout:", 9) == 0 || strncmp(msg, "branch: Created from", 20) == 0)
		return GITSTATS_RL_SWITCH;
	for (size_t i = 0; i < sizeof(import_prefixes) / sizeof(import_prefixes[0]); i++)
		if (strncmp(msg, import_prefixes[i], strlen(import_prefixes[i])) == 0)
			return GITSTATS_RL_IMPORT;
	return GITSTATS_RL_OTHER;
}

/* The name that ends at the first space of p (branch names and revisions have none). */
static char *gitstats_reflog_word(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(p, prefix, n) == 0)
		p += n;
	n = strcspn(p, " ");
	return n ? strndup(p, n) : NULL;
}

bool gitstats_reflog_switch(const char *msg, char **from, char **to, bool *renamed)
{
	static const char checkout[] = "checkout: moving from ", renamed_msg[] = "Branch: renamed ";
	const char *p, *sep;
	const char *strip = "";

	*from = *to = NULL;
	if (renamed)
		*renamed = strncmp(msg, renamed_msg, sizeof(renamed_msg) - 1) == 0;
	if (strncmp(msg, checkout, sizeof(checkout) - 1) == 0) {
		p = msg + sizeof(checkout) - 1;
	} else if (strncmp(msg, renamed_msg, sizeof(renamed_msg) - 1) == 0) {
		p = msg + sizeof(renamed_msg) - 1;
		strip = "refs/heads/";
	} else {
		return false;
	}
	sep = strstr(p, " to ");
	if (!sep || sep == p)
		return false;
	*from = gitstats_reflog_word(p, strip);
	*to = gitstats_reflog_word(sep + 4, strip);
	if (*from && *to && (size_t)(sep - p) == strcspn(p, " "))
		return true;
	free(*from);
	free(*to);
	*from = *to = NULL;
	return false;
}
