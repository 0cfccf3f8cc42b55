/*
 * The record line's reader (common/record_line.c), as `stint report --logs` hands it a log's
 * text. Properties: a refusal says why; an accepted record stays inside its bounds, and written
 * again (record_line_encode) it is read back with the same fields.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record_line.h"

static bool fuzz_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void fuzz_record_same(const struct record_line *a, const struct record_line *b)
{
	fuzz_assert(fuzz_same(a->store, b->store) && fuzz_same(a->repo, b->repo) &&
			fuzz_same(a->author, b->author) && fuzz_same(a->branch, b->branch) &&
			fuzz_same(a->focus, b->focus) && fuzz_same(a->spans, b->spans),
		    "a string differs");
	fuzz_assert(a->ntags == b->ntags, "the tags differ");
	for (size_t i = 0; i < a->ntags; i++)
		fuzz_assert(fuzz_same(a->tags[i], b->tags[i]), "tag %zu differs", i);
	fuzz_assert(a->id == b->id && a->start_ms == b->start_ms && a->end_ms == b->end_ms &&
			a->active_s == b->active_s && a->commits == b->commits &&
			a->files == b->files && a->added == b->added && a->removed == b->removed &&
			a->written_ms == b->written_ms,
		    "a number differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_line r, again;
	char err[512] = "", *line;
	int rc = record_line_find((const char *)data, size, &r, err, sizeof(err));

	if (rc < 0) {
		fuzz_assert((rc == -ENOENT || rc == -EINVAL) && err[0], "a refusal says nothing");
		fuzz_assert(!r.json && !r.spans, "a refusal kept something");
		return 0;
	}
	fuzz_assert(r.store && r.repo && r.id > 0 && r.start_ms <= r.end_ms &&
			r.end_ms <= RECORD_LINE_MAX_MS && r.active_s >= 0 &&
			r.ntags <= RECORD_LINE_MAX_TAGS,
		    "accepted out of bounds");
	line = record_line_encode(r.json, err, sizeof(err));
	/* Only the length limit may refuse it: escaping '>' makes a line longer. */
	if (line) {
		fuzz_assert(strchr(line, '>') == line + strlen(line) - 1, "a '>' before the end");
		fuzz_assert(record_line_parse(line, strlen(line), &again, err, sizeof(err)) == 0,
			    "written, then refused: %s", err);
		fuzz_record_same(&r, &again);
		record_line_finish(&again);
		free(line);
	} else {
		fuzz_assert(strstr(err, "bytes (at most"), "accepted, then not written: %s", err);
	}
	record_line_finish(&r);
	return 0;
}
