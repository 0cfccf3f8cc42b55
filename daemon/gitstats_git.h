#ifndef STINTD_GITSTATS_GIT_H
#define STINTD_GITSTATS_GIT_H

#include "gitstats_backend.h"

/* The git backend: runs git where libgit2 cannot read the repository. */
extern const struct gitstats_backend gitstats_git_backend;

/* The installed git's version as major*10000 + minor*100 + patch, 0 when unknown. */
int gitstats_git_version(void);

#endif
