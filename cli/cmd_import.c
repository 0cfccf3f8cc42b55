#include "cmd_import.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "import_items.h"
#include "import_send.h"
#include "import_timew.h"
#include "import_watson.h"
#include "output.h"
#include "protocol.h"
#include "request.h"
#include "timeutil.h"
#include "utf8.h"

/*
 * The whole input is read and checked first: a malformed file is refused with FILE:LINE before
 * anything is sent. Then every interval goes to stintd as an add request; the source key makes
 * a second import of the same data add nothing. docs/reports.md, "Import".
 */

static void cmd_import_summary(const struct import_items *it, const struct import_result *res)
{
	size_t skipped = res->overlap + res->refused;

	for (int i = 0; i < IMPORT_SKIP__COUNT; i++)
		skipped += it->skipped[i];
	printf("imported %zu session%s, %zu already there, %zu skipped", res->imported,
	       res->imported == 1 ? "" : "s", res->duplicate, skipped);
	if (skipped) {
		const char *sep = " (";

		for (int i = 0; i < IMPORT_SKIP__COUNT; i++) {
			if (!it->skipped[i])
				continue;
			printf("%s%zu %s, first at %s", sep, it->skipped[i],
			       import_skip_reason((enum import_skip)i), it->first_skipped[i]);
			sep = "; ";
		}
		if (res->overlap) {
			printf("%s%zu overlapping a session", sep, res->overlap);
			sep = "; ";
		}
		if (res->refused)
			printf("%s%zu refused by stintd", sep, res->refused);
		putchar(')');
	}
	putchar('\n');
	if (res->first_overlap[0])
		fprintf(stderr, "stint: first overlap: %s\n", res->first_overlap);
	if (res->first_refused[0])
		fprintf(stderr, "stint: first refusal: %s\n", res->first_refused);
}

/* The summary as JSON: the same counts, each skip reason with its count and first place. */
static int cmd_import_summary_json(struct cli_ctx *ctx, const struct import_items *it,
				   const struct import_result *res, bool ok)
{
	json_t *doc, *why = json_object();
	size_t skipped = res->overlap + res->refused;
	int r;

	for (int i = 0; why && i < IMPORT_SKIP__COUNT; i++) {
		skipped += it->skipped[i];
		if (it->skipped[i])
			json_object_set_new(why, import_skip_reason((enum import_skip)i),
					    json_pack("{s:I, s:s}", "count",
						      (json_int_t)it->skipped[i], "first",
						      it->first_skipped[i]));
	}
	doc = json_pack("{s:i, s:b, s:I, s:I, s:I, s:o*, s:I, s:I, s:I, s:I}", "v",
			STINT_PROTO_VERSION, "ok", ok, "imported", (json_int_t)res->imported,
			"duplicate", (json_int_t)res->duplicate, "skipped", (json_int_t)skipped,
			"skipped_by", why, "overlap", (json_int_t)res->overlap, "refused",
			(json_int_t)res->refused, "failed", (json_int_t)res->failed, "unsent",
			(json_int_t)res->unsent);
	if (doc && res->first_overlap[0])
		json_object_set_new(doc, "first_overlap", json_string(res->first_overlap));
	if (doc && res->first_refused[0])
		json_object_set_new(doc, "first_refused", json_string(res->first_refused));
	if (doc && res->first_failed[0])
		json_object_set_new(doc, "first_failed", json_string(res->first_failed));
	if (doc && res->fatal[0])
		json_object_set_new(doc, "fatal", json_string(res->fatal));
	r = doc ? request_print_json(ctx, doc) : EXIT_REFUSED;
	json_decref(doc);
	return r;
}

/* --repo NAME: a name as a repository's (not empty, UTF-8, no control character). */
static int cmd_import_check_repo(struct cli_ctx *ctx, const char *name)
{
	size_t len = strlen(name), m;
	uint32_t cp;

	if (!name[strspn(name, " ")] || len > PROTO_MAX_PATH)
		return args_usage_error(ctx->cmd, "--repo needs a name of 1 to %d bytes",
					PROTO_MAX_PATH);
	for (size_t k = 0; k < len; k += m)
		if (!(m = utf8_decode((const unsigned char *)name + k, len - k, &cp)) ||
		    utf8_is_control(cp))
			return args_usage_error(ctx->cmd, "--repo: the name is not valid UTF-8 "
							  "or holds a control character");
	return 0;
}

int cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	struct import_result res = {0};
	struct import_items it;
	json_t *reply;
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest >= 1 && strcmp(a.rest[0], "timewarrior") != 0 &&
	    strcmp(a.rest[0], "timew") != 0 && strcmp(a.rest[0], "watson") != 0) {
		output_error("unknown source '%.64s': use timewarrior or watson", a.rest[0]);
		args_suggest_word(a.rest[0], "",
				  (const char *const[]){"timewarrior", "watson", NULL});
		return args_usage_error(ctx->cmd, NULL);
	}
	if (a.nrest != 2)
		return args_usage_error(ctx->cmd,
					"give the source and its data: timewarrior FILE|DIR, or "
					"watson FILE");
	if (a.repo && strcmp(a.rest[0], "watson") == 0)
		return args_usage_error(ctx->cmd, "--repo goes with timewarrior: a Watson frame "
						  "names its project");
	if ((a.repo && (r = cmd_import_check_repo(ctx, a.repo))) ||
	    (r = args_path_exists(ctx, a.rest[1])))
		return r;
	import_items_init(&it, time_wall_ms());
	it.repo = a.repo;
	r = strcmp(a.rest[0], "watson") == 0 ? import_watson_path(&it, a.rest[1])
					     : import_timew_path(&it, a.rest[1]);
	if (r < 0) {
		output_error("%s; nothing was imported", it.err);
		import_items_finish(&it);
		return EXIT_REFUSED;
	}
	/* A ping first: it starts stintd when needed and says so the usual way. */
	if (it.n && (r = request_run(ctx, request_new(ctx, PROTO_CMD_PING, false),
				     REQUEST_TIMEOUT_MS, &reply))) {
		import_items_finish(&it);
		return r;
	}
	if (it.n)
		json_decref(reply);
	r = it.n ? import_send(&it, &res) : 0;
	if (ctx->json)
		cmd_import_summary_json(ctx, &it, &res, !(r < 0 || res.refused || res.failed));
	else
		cmd_import_summary(&it, &res);
	if (res.failed)
		output_error("%zu interval%s could not be imported, the first: %s", res.failed,
			     res.failed == 1 ? "" : "s", res.first_failed);
	if (res.fatal[0])
		output_error("the import stopped: %s; %zu sent without an answer may or may not be "
			     "in",
			     res.fatal, res.unknown);
	if (r < 0 || res.failed)
		output_error(
		    "%zu interval%s not sent; the sessions counted above are in: importing "
		    "again adds only what is missing",
		    res.unsent, res.unsent == 1 ? "" : "s");
	import_items_finish(&it);
	return r < 0 || res.refused || res.failed ? EXIT_REFUSED : 0;
}
