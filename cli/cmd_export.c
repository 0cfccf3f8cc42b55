#include "cmd_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "output.h"
#include "report_render.h"
#include "request.h"
#include "timeutil.h"

/*
 * The sessions come a page at a time (the export request: list's pages, each session with its
 * spans and events, a page cut at about 320 KiB by stintd), newest first, and are written as
 * they come: neither stintd nor stint holds more than a page. docs/reports.md, "Export".
 */

/* Sessions an export request asks for at a time. */
#define CMD_EXPORT_PAGE 250

enum cmd_export_format { CMD_EXPORT_JSON, CMD_EXPORT_CSV, CMD_EXPORT_TIMEW };

static const char *const cmd_export_csv_head[] = {
    "id",	"origin", "repo",     "repo_name", "state",	  "started_at", "ended_at",
    "active_s", "wall_s", "paused_s", "idle_s",	   "suspended_s", "branch",	"focus",
    "tags",	"author", "commits",  "files",	   "added",	  "removed",	"log"};

static const char *cmd_export_str(const json_t *s, const char *key)
{
	const char *v = json_string_value(json_object_get(s, key));

	return v ? v : "";
}

/* A CSV row: numbers as integers (empty when unknown), tags joined by spaces (they have none). */
static void cmd_export_csv_row(FILE *out, const json_t *s)
{
	size_t n = sizeof(cmd_export_csv_head) / sizeof(*cmd_export_csv_head), i, k;
	json_t *v, *t;

	for (i = 0; i < n; i++) {
		const char *key = cmd_export_csv_head[i];

		if (i)
			fputc(',', out);
		v = json_object_get(s, key);
		if (json_is_integer(v)) {
			fprintf(out, "%lld", (long long)json_integer_value(v));
		} else if (strcmp(key, "tags") == 0) {
			char tags[PROTO_MAX_TAGS * (PROTO_MAX_TAG + 1) + 1] = "";
			size_t len = 0;

			json_array_foreach(v, k, t) len +=
			    (size_t)snprintf(tags + len, sizeof(tags) - len, "%s%s", k ? " " : "",
					     json_string_value(t) ? json_string_value(t) : "");
			report_render_csv_field(out, tags);
		} else {
			report_render_csv_field(out, cmd_export_str(s, key));
		}
	}
	fputs("\r\n", out);
}

/* Timewarrior's date form: 20261201T090000Z (UTC), the second cut as list and the log show it. */
static void cmd_export_timew_date(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y%m%dT%H%M%SZ", &tm);
}

/* One interval: the repository's name first among the tags, the focus as the annotation. */
static int cmd_export_timew_interval(FILE *out, const json_t *s, int64_t from, int64_t to,
				     bool *first)
{
	json_t *tags = json_array(), *iv;
	char a[32], b[32], *text;
	size_t i;
	json_t *t;

	cmd_export_timew_date(from, a, sizeof(a));
	cmd_export_timew_date(to, b, sizeof(b));
	/* Rounded to Timewarrior's whole seconds, a span may vanish. */
	if (strcmp(a, b) >= 0) {
		json_decref(tags);
		return 0;
	}
	json_array_append_new(tags, json_string(cmd_export_str(s, "repo_name")));
	json_array_foreach(json_object_get(s, "tags"), i, t)
	{
		if (!json_equal(t, json_array_get(tags, 0)))
			json_array_append(tags, t);
	}
	iv = json_pack("{s:s, s:s, s:o}", "start", a, "end", b, "tags", tags);
	if (iv && json_is_string(json_object_get(s, "focus")))
		json_object_set(iv, "annotation", json_object_get(s, "focus"));
	text = iv ? json_dumps(iv, JSON_COMPACT) : NULL;
	json_decref(iv);
	if (!text)
		return -1;
	fprintf(out, "%s%s", *first ? "\n" : ",\n", text);
	*first = false;
	free(text);
	return 0;
}

/* Each active span is an interval; a session closed before spans were stored (schema 6) is
 * one interval from its start, as long as its active time. */
static int cmd_export_timew_session(FILE *out, const json_t *s, bool *first)
{
	const json_t *spans = json_object_get(s, "spans");
	int64_t start;
	size_t i;
	json_t *sp;

	if (!json_is_array(spans)) {
		if (output_session_started(s, &start) < 0)
			return 0;
		return cmd_export_timew_interval(
		    out, s, start,
		    start + 1000 * json_integer_value(json_object_get(s, "active_s")), first);
	}
	json_array_foreach(spans, i, sp)
	{
		if (cmd_export_timew_interval(out, s, json_integer_value(json_array_get(sp, 0)),
					      json_integer_value(json_array_get(sp, 1)), first) < 0)
			return -1;
	}
	return 0;
}

static int cmd_export_session(FILE *out, enum cmd_export_format fmt, const json_t *s, bool *first)
{
	char *text;

	switch (fmt) {
	case CMD_EXPORT_CSV:
		cmd_export_csv_row(out, s);
		return 0;
	case CMD_EXPORT_TIMEW:
		/* Only stopped sessions are work on record (as in reports). */
		if (strcmp(cmd_export_str(s, "state"), "stopped") != 0)
			return 0;
		return cmd_export_timew_session(out, s, first);
	case CMD_EXPORT_JSON:
		break;
	}
	if (!(text = json_dumps(s, JSON_COMPACT)))
		return -1;
	fprintf(out, "%s%s", *first ? "\n" : ",\n", text);
	*first = false;
	free(text);
	return 0;
}

static int cmd_export_format(struct cli_ctx *ctx, const char *name, enum cmd_export_format *fmt)
{
	if (!name)
		return args_usage_error(ctx->cmd, "--format json|csv|timewarrior is needed");
	if (strcmp(name, "json") == 0)
		*fmt = CMD_EXPORT_JSON;
	else if (strcmp(name, "csv") == 0)
		*fmt = CMD_EXPORT_CSV;
	else if (strcmp(name, "timewarrior") == 0 || strcmp(name, "timew") == 0)
		*fmt = CMD_EXPORT_TIMEW;
	else {
		const char *const formats[] = {"json", "csv", "timewarrior", NULL};
		char mean[128];

		return args_usage_error(ctx->cmd,
					"--format must be json, csv or timewarrior, not '%s'%s",
					name, args_did_you_mean(name, formats, mean, sizeof(mean)));
	}
	return 0;
}

static void cmd_export_begin(FILE *out, enum cmd_export_format fmt)
{
	if (fmt == CMD_EXPORT_JSON)
		fprintf(out, "{\"v\":%d,\"sessions\":[", STINT_PROTO_VERSION);
	else if (fmt == CMD_EXPORT_TIMEW)
		fputc('[', out);
	else
		for (size_t i = 0; i < sizeof(cmd_export_csv_head) / sizeof(*cmd_export_csv_head);
		     i++)
			fprintf(out, "%s%s", i ? "," : "", cmd_export_csv_head[i]);
	if (fmt == CMD_EXPORT_CSV)
		fputs("\r\n", out);
}

static void cmd_export_end(FILE *out, enum cmd_export_format fmt)
{
	if (fmt == CMD_EXPORT_JSON)
		fputs("\n]}\n", out);
	else if (fmt == CMD_EXPORT_TIMEW)
		fputs("\n]\n", out);
}

int cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	enum cmd_export_format fmt = CMD_EXPORT_JSON;
	int64_t from = 0, to = 0;
	json_t *reply = NULL, *next, *rows, *s;
	const char *word;
	bool range, first = true;
	struct args a;
	size_t i;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.all && ctx->dir)
		return args_usage_error(ctx->cmd, "--all and -C exclude each other");
	if ((r = cmd_export_format(ctx, a.format, &fmt)) ||
	    (r = args_range(ctx, &a, NULL, time_wall_ms(), &range, &from, &to, &word)) ||
	    (ctx->dir && (r = args_resolve_cwd(ctx))))
		return r;
	for (;;) {
		rows = json_object_get(reply, "sessions");
		r = request_run(
		    ctx,
		    request_history_page(ctx, PROTO_CMD_EXPORT, &a, ctx->dir != NULL, range, from,
					 to, CMD_EXPORT_PAGE,
					 json_array_get(rows, json_array_size(rows) - 1)),
		    REQUEST_TIMEOUT_MS, &next);
		if (r) {
			/* What was written is ended, so it still parses; the exit status says. */
			if (reply)
				cmd_export_end(stdout, fmt);
			json_decref(reply);
			return r;
		}
		if (!reply)
			cmd_export_begin(stdout, fmt);
		json_decref(reply);
		reply = next;
		rows = json_object_get(reply, "sessions");
		json_array_foreach(rows, i, s)
		{
			if (cmd_export_session(stdout, fmt, s, &first) < 0) {
				json_decref(reply);
				output_error("out of memory");
				return EXIT_REFUSED;
			}
		}
		/* A page may stop short of its limit (stintd cuts it by size): the end is an empty
		 * page. */
		if (json_array_size(rows) == 0)
			break;
	}
	json_decref(reply);
	cmd_export_end(stdout, fmt);
	if (ferror(stdout)) {
		output_error("cannot write the export: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	return 0;
}
