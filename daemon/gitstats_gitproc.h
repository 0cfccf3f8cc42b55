#ifndef STINTD_GITSTATS_GITPROC_H
#define STINTD_GITSTATS_GITPROC_H

/* Running git for the git backend: a clean environment, a timeout, stdout and stderr kept. */

#include <stdbool.h>
#include <stddef.h>

#include "gitstats_int.h"

struct gitstats_gitproc {
	const char *index_file;	      /* GIT_INDEX_FILE for the child */
	const char *alternates;	      /* GIT_ALTERNATE_OBJECT_DIRECTORIES, or NULL */
	const char *const *extra_env; /* more NAME=value, NULL-terminated */
	const void *in;		      /* stdin contents, or NULL for /dev/null */
	size_t inlen;
	struct gitstats_buf out;
	char errmsg[512]; /* the start of stderr */
	int status;	  /* exit status; -1 when killed by a signal */
};

/* Runs git with args in root; r->status is its exit status. 0, or -errno when it did not run. */
int gitstats_gitproc_run(const char *root, const char *const *args, struct gitstats_gitproc *r);
/* Runs git and requires exit status 0 (or 1 when one_ok); c->err says what failed. */
int gitstats_gitproc_ok(struct gitstats_ctx *c, const char *const *args, struct gitstats_gitproc *r,
			bool one_ok);
void gitstats_gitproc_free(struct gitstats_gitproc *r);

/* The installed git's version as major*10000 + minor*100 + patch, 0 when unknown. */
int gitstats_gitproc_version(void);

#endif
