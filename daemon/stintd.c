#include "stintd.h"

static void stintd_work_after(uv_work_t *req, int status)
{
	struct stintd_work *w = (struct stintd_work *)req;
	struct stintd *d = w->d;

	/* after may free the job that holds w. */
	w->after(req, status);
	stintd_job_end(d);
}

int stintd_queue_work(struct stintd *d, struct stintd_work *w, void *arg, uv_work_cb work,
		      uv_after_work_cb after)
{
	int r;

	w->d = d;
	w->after = after;
	w->req.data = arg;
	r = uv_queue_work(d->loop, &w->req, work, stintd_work_after);
	if (r == 0)
		stintd_job_begin(d);
	return r;
}

void stintd_job_begin(struct stintd *d)
{
	d->jobs++;
}

void stintd_job_end(struct stintd *d)
{
	d->jobs--;
	stintd_changed(d);
}
