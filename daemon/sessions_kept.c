#include "sessions_kept.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitstats_keep.h"
#include "log.h"
#include "session.h"

void sessions_kept_dir(const struct stintd *d, char *buf, size_t n)
{
	snprintf(buf, n, "%s/baselines", d->state_dir);
}

struct sessions_kept_job {
	struct stintd_work work;
	char *path;
};

static void sessions_kept_release_work(uv_work_t *w)
{
	struct sessions_kept_job *j = w->data;
	char err[PATH_MAX + 64];

	if (gitstats_keep_release(j->path, err, sizeof(err)) < 0)
		log_warnx("%s", err);
}

static void sessions_kept_release_done(uv_work_t *w, int status)
{
	struct sessions_kept_job *j = w->data;

	(void)status;
	free(j->path);
	free(j);
}

void sessions_kept_release(struct stintd *d, const json_t *baseline)
{
	const char *kept = json_string_value(json_object_get(baseline, "kept"));
	struct sessions_kept_job *j;

	if (!kept)
		return;
	j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(kept)) ||
	    stintd_queue_work(d, &j->work, j, sessions_kept_release_work,
			      sessions_kept_release_done) < 0) {
		/* The next start-up's sweep removes it. */
		log_warnx("cannot queue the removal of %s", kept);
		if (j)
			free(j->path);
		free(j);
	}
}

void sessions_kept_sweep(struct stintd *d)
{
	const char **keep;
	char dir[PATH_MAX];
	size_t n = 0;
	int removed;

	for (struct session *s = d->sessions; s; s = s->next)
		n++;
	keep = calloc(n ? n : 1, sizeof(*keep));
	if (!keep)
		return;
	n = 0;
	for (struct session *s = d->sessions; s; s = s->next)
		keep[n++] = json_string_value(json_object_get(s->baseline, "kept"));
	sessions_kept_dir(d, dir, sizeof(dir));
	removed = gitstats_keep_sweep(dir, keep, n);
	if (removed > 0)
		log_info("removed %d kept baseline%s no open session holds", removed,
			 removed == 1 ? "" : "s");
	else if (removed < 0)
		log_warnx("cannot sweep %s: %s", dir, strerror(-removed));
	free(keep);
}
