/*
 * The request parser (common/protocol.c), as stintd's socket hands it a line. Properties: a
 * refusal has a code and a message; an accepted request, encoded again, is accepted again with
 * the same fields.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "protocol.h"

static bool fuzz_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void fuzz_protocol_same(const struct proto_request *a, const struct proto_request *b)
{
	fuzz_assert(a->cmd == b->cmd && a->ntags == b->ntags, "cmd or tags differ");
	for (size_t i = 0; i < a->ntags; i++)
		fuzz_assert(fuzz_same(a->tags[i], b->tags[i]), "tag %zu differs", i);
	fuzz_assert(fuzz_same(a->cwd, b->cwd) && fuzz_same(a->focus, b->focus) &&
			fuzz_same(a->text, b->text) && fuzz_same(a->why, b->why) &&
			fuzz_same(a->summary, b->summary) &&
			fuzz_same(a->blocked_by, b->blocked_by) && fuzz_same(a->log, b->log),
		    "a string field differs");
	fuzz_assert(a->no_log == b->no_log && a->next == b->next && a->no_checks == b->no_checks &&
			a->progress == b->progress && a->edit == b->edit &&
			a->edited == b->edited && a->note_kind == b->note_kind &&
			a->priority == b->priority && a->limit == b->limit,
		    "a flag or number differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req, again;
	struct proto_error err = {0};
	size_t n;
	char *line;

	if (proto_request_parse((const char *)data, size, &req, &err) < 0) {
		fuzz_assert(err.code && *err.code && err.message[0], "a refusal says nothing");
		return 0;
	}
	fuzz_assert(req.root && req.ntags <= PROTO_MAX_TAGS, "accepted without a document");
	fuzz_assert(!req.cwd || strlen(req.cwd) <= PROTO_MAX_PATH, "cwd over its limit");
	fuzz_assert(!req.text || strlen(req.text) <= PROTO_MAX_TEXT, "text over its limit");
	line = proto_encode(req.root, &n);
	fuzz_assert(line && n > 0 && line[n - 1] == '\n', "cannot encode an accepted request");
	/* Only the length limit may refuse it ("1e2" is encoded as "100.0"). */
	if (n - 1 < PROTO_MAX_LINE) {
		fuzz_assert(proto_request_parse(line, n - 1, &again, &err) == 0,
			    "accepted, encoded, then refused: %s: %s", err.code, err.message);
		fuzz_protocol_same(&req, &again);
		proto_request_release(&again);
	}
	proto_request_release(&req);
	free(line);
	return 0;
}
