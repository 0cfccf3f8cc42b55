#include "logwriter_sweep.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logwriter.h"
#include "stintd.h"
#include "store.h"
#include "store_read.h"

struct logwriter_sweep_job {
	struct stintd_work w;
	const struct store *st; /* open until the counted work is done */
	char *pattern;		/* [log] dir, copied: a reload may replace the config */
	size_t dirs;
	int removed;
};

/* Adds dir (absolute) to the set, the object's keys. */
static void logwriter_sweep_add(json_t *set, const char *dir)
{
	if (dir && dir[0] == '/' && !json_object_get(set, dir))
		json_object_set_new(set, dir, json_true());
}

/* The directories of a session row: where its log went, where one would go now. */
static void logwriter_sweep_row(struct logwriter_sweep_job *job, json_t *set, const json_t *row)
{
	const char *repo = json_string_value(json_object_get(row, "repo"));
	const char *name = json_string_value(json_object_get(row, "repo_name"));
	const char *log = json_string_value(json_object_get(row, "log"));
	char dir[PATH_MAX];

	if (log && strlen(log) < sizeof(dir)) {
		char *slash;

		strcpy(dir, log);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			logwriter_sweep_add(set, dir);
		}
	}
	if (repo && job->pattern &&
	    logwriter_expand_dir(job->pattern, repo, name, dir, sizeof(dir)) == 0)
		logwriter_sweep_add(set, dir);
}

static void logwriter_sweep_work(uv_work_t *req)
{
	struct logwriter_sweep_job *job = req->data;
	json_t *rows = NULL, *set = json_object(), *row, *v;
	const char *dir;
	char err[512], one[PATH_MAX];
	size_t i;

	if (!set ||
	    store_recent_sessions(job->st, LOGWRITER_SWEEP_SESSIONS, &rows, err, sizeof(err)) < 0) {
		log_warnx("start-up sweep: %s", set ? err : "out of memory");
		json_decref(set);
		return;
	}
	json_array_foreach(rows, i, row) logwriter_sweep_row(job, set, row);
	/* A [log] dir without placeholders is known even with no session stored. */
	if (job->pattern && logwriter_expand_dir(job->pattern, NULL, NULL, one, sizeof(one)) == 0)
		logwriter_sweep_add(set, one);
	json_object_foreach(set, dir, v)
	{
		job->removed += logwriter_sweep(dir);
		job->dirs++;
	}
	json_decref(rows);
	json_decref(set);
}

static void logwriter_sweep_after(uv_work_t *req, int status)
{
	struct logwriter_sweep_job *job = req->data;

	(void)status;
	log_debug("start-up sweep done: %zu log directories, %d temporary logs removed", job->dirs,
		  job->removed);
	free(job->pattern);
	free(job);
}

int logwriter_sweep_start(struct stintd *d)
{
	struct logwriter_sweep_job *job = calloc(1, sizeof(*job));

	if (!job || (d->cfg.log_dir && !(job->pattern = strdup(d->cfg.log_dir)))) {
		free(job);
		log_warnx("start-up sweep: out of memory");
		return -1;
	}
	job->st = d->store;
	if (stintd_queue_work(d, &job->w, job, logwriter_sweep_work, logwriter_sweep_after) < 0) {
		log_warnx("start-up sweep: cannot queue it");
		free(job->pattern);
		free(job);
		return -1;
	}
	return 0;
}
