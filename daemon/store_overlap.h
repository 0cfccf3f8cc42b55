#ifndef STINTD_STORE_OVERLAP_H
#define STINTD_STORE_OVERLAP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * The first session (by start) in repo (or of its name: STORE_OVERLAP_SQL) whose time
 * [started_wall, ended_wall, or now for the open one) meets [from_ms, to_ms), other than except_id
 * (0: none). Runs on the caller's connection (a reader: store_reader_open). Returns 1 with *id set,
 * 0 for none, or a negative errno with err.
 */
int store_overlap_find(const struct store *st, const char *repo, int64_t from_ms, int64_t to_ms,
		       int64_t except_id, int64_t now_ms, int64_t *id, char *err, size_t errn);

#endif
