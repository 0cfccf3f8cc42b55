/*
 * The git index parser of the worktree scanner (daemon/gitstats_scan_index.c), reading a
 * .git/index file (a memfd). Properties: a refusal is -ENOTSUP with a reason (the caller then
 * leaves the repository to libgit2) or another -errno; an accepted index has non-empty paths in
 * strictly increasing order and a sorted cache tree with valid counts.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "gitstats_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitstats_scan_index idx;
	char why[256] = "";
	int rc = gitstats_scan_index_read(fuzz_memfile(data, size), &idx, why, sizeof(why));

	if (rc < 0) {
		fuzz_assert(rc != -ENOTSUP || why[0], "-ENOTSUP without a reason");
		return 0;
	}
	fuzz_assert(size > 0 || idx.n == 0, "entries in an empty file");
	for (size_t i = 0; i < idx.n; i++) {
		fuzz_assert(idx.v[i].path && idx.v[i].path[0], "entry %zu has no path", i);
		fuzz_assert(i == 0 || strcmp(idx.v[i - 1].path, idx.v[i].path) < 0,
			    "entries %zu and %zu out of order", i - 1, i);
	}
	for (size_t i = 0; i < idx.nct; i++) {
		fuzz_assert(idx.ct[i].path && idx.ct[i].count >= -1, "cache tree node %zu", i);
		fuzz_assert(i == 0 || strcmp(idx.ct[i - 1].path, idx.ct[i].path) <= 0,
			    "cache tree nodes %zu and %zu out of order", i - 1, i);
	}
	gitstats_scan_index_finish(&idx);
	return 0;
}
