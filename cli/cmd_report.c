#include "cmd_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "output.h"
#include "report_group.h"
#include "report_logs.h"
#include "report_render.h"
#include "request.h"
#include "timespec.h"
#include "timeutil.h"

/* --by "repo,day": one or two known dimensions, as the request's "by"; NULL after saying why. */
static json_t *cmd_report_by(struct cli_ctx *ctx, const char *spec, bool *time)
{
	json_t *by = json_array();
	char buf[64], *tok, *save = NULL;
	int d;

	*time = false;
	if (!by || snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		json_decref(by);
		args_usage_error(ctx->cmd, "--by '%.64s' is too long", spec);
		return NULL;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if ((d = report_dim_lookup(tok)) < 0) {
			const char *names[REPORT_BY__COUNT + 1] = {NULL};

			for (int i = 0; i < REPORT_BY__COUNT; i++)
				names[i] = report_dim_name((enum report_dim)i);
			output_error("--by: unknown '%.64s'; use repo, tag, branch, focus, author, "
				     "day, week or month",
				     tok);
			args_suggest_word(tok, "", names);
			args_usage_error(ctx->cmd, NULL);
			json_decref(by);
			return NULL;
		}
		if (json_array_size(by) == REPORT_MAX_DIMS ||
		    (json_array_size(by) == 1 &&
		     strcmp(json_string_value(json_array_get(by, 0)), tok) == 0)) {
			args_usage_error(ctx->cmd,
					 "--by takes one or two different dimensions, "
					 "not '%s'",
					 spec);
			json_decref(by);
			return NULL;
		}
		*time |= report_dim_is_time((enum report_dim)d) != 0;
		json_array_append_new(by, json_string(tok));
	}
	if (json_array_size(by) == 0) {
		args_usage_error(ctx->cmd, "--by needs a dimension");
		json_decref(by);
		return NULL;
	}
	return by;
}

/* The local zone's offsets over the range, for the daemon's local days. */
static json_t *cmd_report_zone(struct cli_ctx *ctx, int64_t from, int64_t to)
{
	struct timespec_zone *z = calloc(1, sizeof(*z));
	json_t *arr = json_array();

	if (!z || !arr || timespec_zone_local(from, to, z) < 0) {
		output_error("the local time zone changes too often over this range for a report "
			     "by day; give a shorter one");
		free(z);
		json_decref(arr);
		return NULL;
	}
	(void)ctx;
	for (size_t i = 0; i < z->n; i++)
		json_array_append_new(arr, json_pack("[I, i]", (json_int_t)(i ? z->at_ms[i] : from),
						     (int)z->off_s[i]));
	free(z);
	return arr;
}

static void cmd_report_title(const char *word, int64_t from, int64_t to, char *buf, size_t n)
{
	char a[32], b[32];

	time_format_local(from, "%Y-%m-%d %H:%M", a, sizeof(a));
	time_format_local(to, "%Y-%m-%d %H:%M", b, sizeof(b));
	if (word && strcmp(word, "all") == 0)
		snprintf(buf, n, "All sessions");
	else
		snprintf(buf, n, "%s%s%s to %s%s", word ? word : "", word ? " (" : "From ", a, b,
			 word ? ")" : "");
}

static int cmd_report_print(struct cli_ctx *ctx, const struct args *a, json_t *reply,
			    const char *title)
{
	const json_t *report = json_object_get(reply, "report");
	struct report_render_opts o = {.title = title};
	const char *no_color = getenv("NO_COLOR");

	if (ctx->json)
		return request_print_json(ctx, reply);
	if (a->csv) {
		if (report_render_csv(stdout, report) < 0) {
			output_error("cannot write the report: %s", strerror(errno));
			return EXIT_REFUSED;
		}
		return 0;
	}
	o.width = report_render_width(STDOUT_FILENO);
	o.color = isatty(STDOUT_FILENO) && !(no_color && *no_color);
	report_render_text(stdout, report, &o);
	return 0;
}

/* --by's names as dimensions (cmd_report_by checked them). */
static size_t cmd_report_dims(const json_t *by, enum report_dim *dims)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(by, i, v)
	{
		dims[n++] = (enum report_dim)report_dim_lookup(json_string_value(v));
	}
	return n;
}

/* What the logs skipped and counted twice, on stderr (--json has them in its "logs"). */
static void cmd_report_logs_say(const json_t *logs)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(logs, "skipped"), i, v)
	{
		output_error("skipped %s: %s", json_string_value(json_object_get(v, "path")),
			     json_string_value(json_object_get(v, "why")));
	}
	json_array_foreach(json_object_get(logs, "duplicates"), i, v)
	{
		output_error("%s is a copy of %s: counted once",
			     json_string_value(json_object_get(v, "path")),
			     json_string_value(json_object_get(v, "of")));
	}
}

/* The logs' totals, as the report request's reply would hold them, plus "logs". */
static json_t *cmd_report_logs_reply(const char *path, const json_t *by, const struct args *a,
				     int64_t from, int64_t to, bool time)
{
	struct timespec_zone *z = calloc(1, sizeof(*z));
	enum report_dim dims[REPORT_MAX_DIMS];
	struct report_group *g = NULL;
	json_t *logs = NULL, *report = NULL, *reply = NULL;
	char err[PATH_MAX + 256];

	if (!z)
		goto out;
	if (!time)
		timespec_zone_fixed(z, 0);
	else if (timespec_zone_local(from, to, z) < 0) {
		output_error("the local time zone changes too often over this range for a report "
			     "by day; give a shorter one");
		goto out;
	}
	if (!(g = report_group_create(from, to, dims, cmd_report_dims(by, dims), z)))
		goto oom;
	if (!(logs = report_logs_read(path, g, from, to, a->tags, a->ntags, err, sizeof(err)))) {
		output_error("%s", err);
		goto out;
	}
	if (!(report = report_group_json(g)) ||
	    !(reply = json_pack("{s:i, s:b, s:o, s:O}", "v", 1, "ok", 1, "report", report, "logs",
				logs)))
		goto oom;
	goto out;
oom:
	output_error("out of memory");
out:
	json_decref(logs);
	report_group_destroy(g);
	free(z);
	return reply;
}

/*
 * report --logs [PATH]: totals from the record lines of committed logs, read here (no stintd but
 * to find the default PATH). Of the operands, a RANGE word is the range, another is PATH.
 */
static int cmd_report_logs(struct cli_ctx *ctx, struct args *a)
{
	int64_t now = time_wall_ms(), from, to;
	char dir[PATH_MAX], err[PATH_MAX + 256], title[PATH_MAX + 160], range[128];
	const char *path = NULL, *word;
	char *ranges[2];
	json_t *by, *reply;
	bool time, have;
	int r, n = 0;

	if (a->nrest > 2)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a->rest[2]);
	for (int i = 0; i < a->nrest; i++) {
		if (timespec_is_range(a->rest[i]) || path)
			ranges[n++] = a->rest[i];
		else
			path = a->rest[i];
	}
	a->rest = ranges;
	a->nrest = n;
	if (ctx->json && a->csv)
		return args_usage_error(ctx->cmd, "--json and --csv exclude each other");
	if ((r = args_range(ctx, a, "today", now, &have, &from, &to, &word)))
		return r;
	if (path && (r = args_path_exists(ctx, path)))
		return r;
	if (!(by = cmd_report_by(ctx, a->by ? a->by : "repo", &time)))
		return EXIT_USAGE;
	if (!path && (r = args_resolve_cwd(ctx))) {
		json_decref(by);
		return r;
	}
	if (!path && report_logs_default_dir(ctx->cwd, dir, sizeof(dir), err, sizeof(err)) < 0) {
		output_error("%s", err);
		json_decref(by);
		return EXIT_REFUSED;
	}
	if (!path && access(dir, F_OK) < 0) {
		/* No logs written here yet: name the directory and where it came from. */
		output_error(
		    "no log directory %s (the [log] dir of %s): no session there has "
		    "stopped yet, or its logs are elsewhere; give PATH: stint report --logs "
		    "PATH",
		    dir, ctx->cwd);
		json_decref(by);
		return EXIT_REFUSED;
	}
	if (!path)
		path = dir;
	reply = cmd_report_logs_reply(path, by, a, from, to, time);
	json_decref(by);
	if (!reply)
		return EXIT_REFUSED;
	if (!ctx->json)
		cmd_report_logs_say(json_object_get(reply, "logs"));
	cmd_report_title(word, from, to, range, sizeof(range));
	snprintf(title, sizeof(title), "%s, from the logs in %s", range, path);
	r = cmd_report_print(ctx, a, reply, title);
	json_decref(reply);
	return r;
}

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	int64_t now = time_wall_ms(), from, to;
	const char *word;
	char title[128];
	struct args a;
	json_t *req, *reply, *by;
	bool time, have;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.logs)
		return cmd_report_logs(ctx, &a);
	if (ctx->json && a.csv)
		return args_usage_error(ctx->cmd, "--json and --csv exclude each other");
	if ((r = args_range(ctx, &a, "today", now, &have, &from, &to, &word)))
		return r;
	if (!(by = cmd_report_by(ctx, a.by ? a.by : "repo", &time)))
		return EXIT_USAGE;
	if (ctx->dir && (r = args_resolve_cwd(ctx))) {
		json_decref(by);
		return r;
	}
	req = request_new(ctx, PROTO_CMD_REPORT, ctx->dir != NULL);
	if (!request_set(&req, "from", json_integer(from)) ||
	    !request_set(&req, "to", json_integer(to)) || !request_set(&req, "by", by) ||
	    (a.ntags && !request_set(&req, "tags", args_tags_value(ctx, &a))) ||
	    (time && !request_set(&req, "zone", cmd_report_zone(ctx, from, to))))
		return EXIT_REFUSED;
	if ((r = request_run(ctx, req, REQUEST_TIMEOUT_MS, &reply)))
		return r;
	cmd_report_title(word, from, to, title, sizeof(title));
	r = cmd_report_print(ctx, &a, reply, title);
	json_decref(reply);
	return r;
}
