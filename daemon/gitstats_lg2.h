#ifndef STINTD_GITSTATS_LG2_H
#define STINTD_GITSTATS_LG2_H

#include "gitstats_backend.h"

/* The libgit2 backend: tried first for every operation. */
extern const struct gitstats_backend gitstats_lg2_backend;

#endif
