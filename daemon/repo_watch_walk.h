#ifndef STINTD_REPO_WATCH_WALK_H
#define STINTD_REPO_WATCH_WALK_H

#include <uv.h>

#include "repo_watch_state.h"

/* A job on the pool: walks, rescans and the ignore filtering of a report; uv_queue_work's work. */
void repo_watch_job_work(uv_work_t *req);
void repo_watch_job_free(struct repo_watch_job *j);
/* Adds a copy of path (marks the list full instead past REPO_WATCH_SKIPPED_MAX). */
void repo_watch_strv_add(struct repo_watch_strv *l, const char *path);
void repo_watch_strv_clear(struct repo_watch_strv *l);

#endif
