#include "cmd_add.h"

#include <stdio.h>

#include "args.h"
#include "duration.h"
#include "output.h"
#include "request.h"
#include "timespec.h"
#include "timeutil.h"

/* stintd reads the range's reflogs and diffs on a worker, with git children of up to two minutes
 * each (gitstats_gitproc) when libgit2 cannot: more than a plain request's 30 s. */
#define CMD_ADD_TIMEOUT_MS (10 * 60 * 1000)

/* --start and --end as TIME (common/timespec.c): neither in the future, the end after the start. */
static int cmd_add_times(struct cli_ctx *ctx, const struct args *a, int64_t *start, int64_t *end)
{
	int64_t now = time_wall_ms();
	char err[256];

	if (!a->start || !a->end)
		return args_usage_error(ctx->cmd, "give both --start TIME and --end TIME");
	if (timespec_parse_time(a->start, now, start, err, sizeof(err)) < 0)
		return args_usage_error(ctx->cmd, "--start: %s", err);
	if (timespec_parse_time(a->end, now, end, err, sizeof(err)) < 0)
		return args_usage_error(ctx->cmd, "--end: %s", err);
	if (*end <= *start)
		return args_usage_error(ctx->cmd, "--end '%s' is not after --start '%s'", a->end,
					a->start);
	return 0;
}

/* One line: what the reflog gave (docs/reports.md), or why there is nothing. */
static void cmd_add_print_stats(json_t *reply)
{
	const json_t *st = json_object_get(reply, "stats");
	const char *why = json_string_value(json_object_get(reply, "no_stats"));
	json_int_t commits = json_integer_value(json_object_get(st, "commits"));
	json_int_t files = json_integer_value(json_object_get(st, "files"));

	if (json_is_object(st))
		printf("From the reflog: %lld commit%s on %s, %lld file%s changed, +%lld -%lld "
		       "(committed work)\n",
		       (long long)commits, commits == 1 ? "" : "s",
		       json_string_value(json_object_get(st, "branch")) ?: "?", (long long)files,
		       files == 1 ? "" : "s",
		       (long long)json_integer_value(json_object_get(st, "added")),
		       (long long)json_integer_value(json_object_get(st, "removed")));
	else if (why)
		printf("no git statistics: %s\n", why);
}

int cmd_add(struct cli_ctx *ctx, int argc, char **argv)
{
	char from[32], to[32], span[32];
	int64_t start, end;
	json_t *req, *reply;
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if ((r = cmd_add_times(ctx, &a, &start, &end)) || (r = args_resolve_cwd(ctx)))
		return r;
	req = request_new(ctx, PROTO_CMD_ADD, true);
	if (!request_set(&req, "start_ms", json_integer(start)) ||
	    !request_set(&req, "end_ms", json_integer(end)) ||
	    !request_set(&req, "origin", json_string("manual")) ||
	    (a.focus &&
	     !request_set(&req, "focus",
			  args_text_value(ctx, "focus", a.focus, PROTO_MAX_FOCUS, false))) ||
	    (a.ntags && !request_set(&req, "tags", args_tags_value(ctx, &a))))
		return EXIT_USAGE;
	if ((r = request_run(ctx, req, CMD_ADD_TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json) {
		r = request_print_json(ctx, reply);
		json_decref(reply);
		return r;
	}
	time_format_local(start, "%Y-%m-%d %H:%M", from, sizeof(from));
	time_format_local(end, "%Y-%m-%d %H:%M", to, sizeof(to));
	duration_format_short((end - start) / 1000, span, sizeof(span));
	printf("Added session #%lld: %s to %s (%s), marked as added by hand\n",
	       (long long)json_integer_value(json_object_get(reply, "id")), from, to, span);
	cmd_add_print_stats(reply);
	json_decref(reply);
	return 0;
}
