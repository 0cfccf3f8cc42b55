#include "gitstats_run.h"

#include <errno.h>

#include "gitstats_git.h"
#include "gitstats_lg2.h"
#include "log.h"

int gitstats_run_op(struct gitstats_ctx *c, const struct gitstats_op *op, void *arg, char *err,
		    size_t errn)
{
	char why[512] = "", why2[512] = "";
	int rc;

	c->err = why;
	c->errn = sizeof(why);
	c->be = &gitstats_lg2_backend;
	rc = c->be->open(c);
	if (rc == 0)
		rc = op->run(c, arg);
	if (rc < 0 && rc != -ENOMEM && rc != op->final) {
		op->reset(arg);
		c->be->close(c);
		log_debug("gitstats: libgit2 cannot read %s (%s): running git instead", c->root,
			  why);
		c->err = why2;
		c->errn = sizeof(why2);
		c->be = &gitstats_git_backend;
		rc = c->be->open(c);
		if (rc == 0)
			rc = op->run(c, arg);
		if (rc < 0)
			gitstats_int_seterr(err, errn,
					    "cannot read the git repository %s: %s (libgit2: %s)",
					    c->root, why2, why);
	} else if (rc < 0) {
		gitstats_int_seterr(err, errn, "%s: %s", c->root,
				    rc == -ENOMEM ? "out of memory" : why);
	}
	if (rc < 0)
		op->reset(arg);
	c->be->close(c);
	c->be = NULL;
	c->err = NULL;
	c->errn = 0;
	return rc;
}
