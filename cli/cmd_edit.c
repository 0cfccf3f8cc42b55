#include "cmd_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "duration.h"
#include "output.h"
#include "protocol.h"
#include "request.h"
#include "strbuf.h"
#include "timespec.h"
#include "timeutil.h"

/* One side of a change as people read it: a time, a duration, tags, or a quoted focus. */
static void cmd_edit_put_value(struct strbuf *o, const char *field, const json_t *v)
{
	char buf[64];
	json_t *t;
	size_t i;

	if (strcmp(field, "start") == 0 || strcmp(field, "end") == 0) {
		time_format_local(json_integer_value(v), "%Y-%m-%d %H:%M:%S", buf, sizeof(buf));
		strbuf_puts(o, buf);
	} else if (strcmp(field, "active_s") == 0) {
		duration_format_long(json_integer_value(v), buf, sizeof(buf));
		strbuf_puts(o, buf);
	} else if (strcmp(field, "tags") == 0) {
		if (json_array_size(v) == 0)
			strbuf_puts(o, "(no tags)");
		json_array_foreach(v, i, t)
		    strbuf_printf(o, "%s+%s", i ? " " : "", json_string_value(t));
	} else if (json_is_string(v)) {
		strbuf_printf(o, "\"%s\"", json_string_value(v));
	} else {
		strbuf_puts(o, "(none)");
	}
}

/* "session 12: focus "a" → "b"", one line per change. */
static void cmd_edit_print(const json_t *reply)
{
	const json_t *changes = json_object_get(reply, "changes"), *c;
	long long id = json_integer_value(json_object_get(reply, "id"));
	size_t i;

	if (json_array_size(changes) == 0)
		printf("session %lld: nothing to change\n", id);
	json_array_foreach(changes, i, c)
	{
		const char *field = json_string_value(json_object_get(c, "field"));
		struct strbuf o = {0};

		if (!field)
			continue;
		strbuf_printf(&o, "session %lld: %s ", id,
			      strcmp(field, "active_s") == 0 ? "active" : field);
		cmd_edit_put_value(&o, field, json_object_get(c, "from"));
		strbuf_puts(&o, " → ");
		cmd_edit_put_value(&o, field, json_object_get(c, "to"));
		if (o.s)
			puts(o.s);
		free(o.s);
	}
}

int cmd_edit(struct cli_ctx *ctx, int argc, char **argv)
{
	int64_t now = time_wall_ms();
	json_t *req, *reply;
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest > 1)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (!a.focus && !a.ntags && !a.nuntags && !a.start && !a.end)
		return args_usage_error(ctx->cmd,
					"nothing to change: give --focus, --tag, --untag, --start "
					"or --end");
	if (a.end && a.nrest == 0)
		return args_usage_error(ctx->cmd, "--end needs the ID of a closed session; end the "
						  "open one at a time with 'stint stop --at TIME'");
	if ((r = args_resolve_cwd(ctx)))
		return r;
	req = request_new(ctx, PROTO_CMD_EDIT, true);
	if (req && a.start && a.end) {
		int64_t s, e;
		char err[256];

		if (timespec_parse_time(a.start, now, &s, err, sizeof(err)) == 0 &&
		    timespec_parse_time(a.end, now, &e, err, sizeof(err)) == 0 && e <= s) {
			json_decref(req);
			return args_usage_error(ctx->cmd, "--end (%s) must come after --start (%s)",
						a.end, a.start);
		}
	}
	if (req && a.nrest == 1 && !request_set(&req, "id", args_id_value(ctx, a.rest[0])))
		return EXIT_USAGE;
	if (req && a.focus &&
	    !request_set(&req, "focus",
			 args_text_value(ctx, "focus", a.focus, PROTO_MAX_FOCUS, false)))
		return EXIT_USAGE;
	if (req && a.ntags && !request_set(&req, "tags", args_tags_value(ctx, &a)))
		return EXIT_USAGE;
	if (req && a.nuntags && !request_set(&req, "untags", args_untags_value(ctx, &a)))
		return EXIT_USAGE;
	if (req && a.start &&
	    !request_set(&req, "start_ms", args_time_value(ctx, "--start", a.start, now)))
		return EXIT_USAGE;
	if (req && a.end && !request_set(&req, "end_ms", args_time_value(ctx, "--end", a.end, now)))
		return EXIT_USAGE;
	if (!req)
		return EXIT_USAGE;
	if ((r = request_run(ctx, req, REQUEST_TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json)
		r = request_print_json(ctx, reply);
	else
		cmd_edit_print(reply);
	json_decref(reply);
	return r;
}

/* The newest stopped session of ctx->cwd's repository (a list row, borrowed from *list), or
 * NULL; *list is the caller's. Returns 0 or the exit status. */
static int cmd_edit_last(struct cli_ctx *ctx, json_t **list, json_t **last)
{
	json_t *req = request_new(ctx, PROTO_CMD_LIST, true), *row;
	size_t i;
	int r;

	*last = NULL;
	if (req && !request_set(&req, "limit", json_integer(PROTO_MAX_LIST)))
		return EXIT_USAGE;
	if (!req)
		return EXIT_USAGE;
	if ((r = request_run(ctx, req, REQUEST_TIMEOUT_MS, list)))
		return r;
	/* Cancelled sessions were thrown away: the last one worked on is the last stopped. */
	json_array_foreach(json_object_get(*list, "sessions"), i, row)
	{
		if (strcmp(json_string_value(json_object_get(row, "state")) ?: "", "stopped") ==
		    0) {
			*last = row;
			break;
		}
	}
	return 0;
}

int cmd_edit_continue(struct cli_ctx *ctx, int argc, char **argv)
{
	json_t *list = NULL, *last, *req, *reply, *v;
	char line[OUTPUT_LINE_MAX];
	long long id;
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)) ||
	    (r = args_resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	if ((r = cmd_edit_last(ctx, &list, &last)))
		return r;
	if (!last) {
		ctx->err_code = PROTO_ERR_NO_SESSION;
		output_error("no earlier session to continue in the repository containing %s; "
			     "start one with 'stint start'",
			     ctx->cwd);
		json_decref(list);
		return EXIT_REFUSED;
	}
	req = request_new(ctx, PROTO_CMD_START, true);
	v = json_object_get(last, "focus");
	if (req && json_is_string(v) && !request_set(&req, "focus", json_copy(v)))
		req = NULL;
	v = json_object_get(last, "tags");
	if (req && json_array_size(v) > 0 && !request_set(&req, "tags", json_deep_copy(v)))
		req = NULL;
	if (!req) {
		json_decref(list);
		return EXIT_REFUSED;
	}
	id = json_integer_value(json_object_get(last, "id"));
	json_decref(list);
	if ((r = request_run(ctx, req, REQUEST_TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json) {
		r = request_print_json(ctx, reply);
	} else {
		const json_t *s = json_object_get(reply, "session");

		output_confirm(PROTO_CMD_START, NULL, s, ctx->home, time_wall_ms(), line,
			       sizeof(line));
		puts(line);
		printf("Session %lld continues session %lld.\n",
		       (long long)json_integer_value(json_object_get(s, "id")), id);
	}
	json_decref(reply);
	return r;
}

int cmd_edit_regenerate(struct cli_ctx *ctx, const char *id)
{
	json_t *req = request_new(ctx, PROTO_CMD_REGENERATE, false), *reply;
	int r;

	if (req && !request_set(&req, "id", args_id_value(ctx, id)))
		return EXIT_USAGE;
	if (!req)
		return EXIT_USAGE;
	/* Rendering reads the repository's previous logs: as long as a stop's render may take. */
	if ((r = request_run(ctx, req, 5 * 60 * 1000, &reply)))
		return r;
	if (ctx->json) {
		r = request_print_json(ctx, reply);
	} else {
		const char *from = json_string_value(json_object_get(reply, "rendered_from"));

		if (from && strcmp(from, "events") == 0)
			output_error("warning: stint kept no record of what session %s's stop saw "
				     "(stopped by an older stint, or its record was too large to "
				     "keep): this log has its events and totals, not its file and "
				     "commit lists, summary or checks",
				     id);
		puts(json_string_value(json_object_get(reply, "log")) ?: "");
	}
	json_decref(reply);
	return r;
}
