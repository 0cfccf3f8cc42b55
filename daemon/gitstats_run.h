#ifndef STINTD_GITSTATS_RUN_H
#define STINTD_GITSTATS_RUN_H

#include <stddef.h>

#include "gitstats_backend.h"

/* One operation on a repository, which libgit2 tries first and git does when it cannot. */
struct gitstats_op {
	int (*run)(struct gitstats_ctx *c, void *arg);
	void (*reset)(void *arg); /* drops a failed attempt's partial result */
	int final;		  /* an error git would give as well (0 for none) */
};

/* Runs op on c->root with libgit2, then with git when libgit2 failed; err says why both failed. */
int gitstats_run_op(struct gitstats_ctx *c, const struct gitstats_op *op, void *arg, char *err,
		    size_t errn);

#endif
