#ifndef STINTD_GITSTATS_GIT_H
#define STINTD_GITSTATS_GIT_H

#include "gitstats_backend.h"

/* The git backend: runs git where libgit2 cannot read the repository; its parsers of git's
 * output are in gitstats_gitparse.c. */
extern const struct gitstats_backend gitstats_git_backend;

#endif
