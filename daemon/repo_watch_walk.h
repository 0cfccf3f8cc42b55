#ifndef STINTD_REPO_WATCH_WALK_H
#define STINTD_REPO_WATCH_WALK_H

#include <uv.h>

#include "repo_watch_state.h"

/* A job on the pool: walks, rescans and the ignore filtering of a report; uv_queue_work's work. */
void repo_watch_job_work(uv_work_t *req);
void repo_watch_job_free(struct repo_watch_job *j);

#endif
