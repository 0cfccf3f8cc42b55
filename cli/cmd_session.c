#include "cmd_session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "output.h"
#include "protocol.h"
#include "request.h"
#include "timeutil.h"

/* stop renders and writes the log and may run checks: give it longer. */
#define TIMEOUT_STOP_MS (3 * 3600 * 1000) /* [checks] may run 32 × check_timeout */

/* Runs a command that answers with a session and prints its confirmation. */
static int cmd_session_send(struct cli_ctx *ctx, enum proto_cmd cmd, const char *kind, json_t *req,
			    int timeout_ms)
{
	char line[OUTPUT_LINE_MAX];
	json_t *reply;
	int rc = 0, r;

	if (!req)
		return EXIT_USAGE;
	if ((r = request_run(ctx, req, timeout_ms, &reply)))
		return r;
	if (ctx->json) {
		rc = request_print_json(ctx, reply);
	} else {
		output_confirm(cmd, kind, json_object_get(reply, "session"), ctx->home,
			       time_wall_ms(), line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
	return rc;
}

int cmd_session_start(struct cli_ctx *ctx, int argc, char **argv)
{
	struct args a;
	json_t *req;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)) ||
	    (r = args_resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	req = request_new(ctx, PROTO_CMD_START, true);
	if (req && a.focus &&
	    !request_set(&req, "focus",
			 args_text_value(ctx, "focus", a.focus, PROTO_MAX_FOCUS, false)))
		return EXIT_USAGE;
	if (req && a.ntags && !request_set(&req, "tags", args_tags_value(ctx, &a)))
		return EXIT_USAGE;
	if (req && a.at &&
	    !request_set(&req, "at", args_time_value(ctx, "--at", a.at, time_wall_ms())))
		return EXIT_USAGE;
	return cmd_session_send(ctx, PROTO_CMD_START, NULL, req, REQUEST_TIMEOUT_MS);
}

/* What the editor's command line is: $VISUAL, else $EDITOR, else vi. */
static const char *cmd_session_editor(void)
{
	const char *e = getenv("VISUAL");

	if (!e || !*e)
		e = getenv("EDITOR");
	return e && *e ? e : "vi";
}

/*
 * Opens path in the user's editor and waits for it. The editor's value goes to the shell, so
 * "code --wait" or a quoted path works as it does for git. Returns 0, or -1 after a warning:
 * the log is written either way.
 */
static int cmd_session_edit_log(struct cli_ctx *ctx, const char *path);

/* The terminal's progress line while stop waits: which check runs, for how long. */
struct cmd_session_progress {
	bool shown;
	char name[256];
	int64_t index, count, timeout_s;
	int64_t started_ms; /* monotonic */
};

/* Set by SIGINT while stop waits on a terminal. */
static volatile sig_atomic_t cmd_session_interrupted;

static void cmd_session_on_sigint(int sig)
{
	(void)sig;
	cmd_session_interrupted = 1;
}

static void cmd_session_progress_draw(struct cmd_session_progress *pr)
{
	char line[OUTPUT_LINE_MAX];

	if (!pr->name[0])
		return;
	output_check_progress(pr->name, pr->index, pr->count,
			      (time_mono_ns() / 1000000 - pr->started_ms) / 1000, pr->timeout_s,
			      line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	pr->shown = true;
}

static void cmd_session_progress_tick(void *arg)
{
	cmd_session_progress_draw(arg);
}

/* A check starts (progress), or the wait is over (NULL): the line is redrawn or cleared. */
static void cmd_session_progress_message(void *arg, const json_t *progress)
{
	struct cmd_session_progress *pr = arg;
	const char *what = json_string_value(json_object_get(progress, "what"));
	const char *name = json_string_value(json_object_get(progress, "name"));

	if (!progress) {
		if (pr->shown)
			fputs("\r\033[K", stderr);
		fflush(stderr);
		pr->shown = false;
		return;
	}
	/* Other kinds of progress may come from a newer stintd: nothing to show for them. */
	if (!what || strcmp(what, "check") != 0 || !name)
		return;
	snprintf(pr->name, sizeof(pr->name), "%s", name);
	pr->index = json_integer_value(json_object_get(progress, "index"));
	pr->count = json_integer_value(json_object_get(progress, "count"));
	pr->timeout_s = json_integer_value(json_object_get(progress, "timeout_s"));
	pr->started_ms = time_mono_ns() / 1000000;
	cmd_session_progress_draw(pr);
}

/*
 * Sends stop and waits for its reply; on a terminal (stderr), with the progress line, and
 * Ctrl-C leaves without the reply: the stop goes on in stintd (exit 130).
 */
static int cmd_session_stop_call(struct cli_ctx *ctx, json_t *req, bool progress, json_t **reply)
{
	struct cmd_session_progress pr = {0};
	struct client_progress p = {.message = cmd_session_progress_message,
				    .tick = cmd_session_progress_tick,
				    .arg = &pr,
				    .stop = &cmd_session_interrupted};
	struct sigaction sa = {.sa_handler = cmd_session_on_sigint}, old;
	int r;

	if (!progress)
		return request_run(ctx, req, TIMEOUT_STOP_MS, reply);
	if (!request_set(&req, "progress", json_true()))
		return EXIT_USAGE;
	/* No SA_RESTART: the wait sees the flag at once. */
	sigemptyset(&sa.sa_mask);
	cmd_session_interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	r = request_run_progress(ctx, req, TIMEOUT_STOP_MS, &p, reply);
	sigaction(SIGINT, &old, NULL);
	if (r && cmd_session_interrupted) {
		output_error("interrupted; the stop goes on in stintd%s%s%s, which then writes the "
			     "log (stint status shows the session until it is closed)",
			     pr.name[0] ? " (check \"" : "", pr.name[0] ? pr.name : "",
			     pr.name[0] ? "\" runs to its end or its timeout)" : "");
		return 130;
	}
	return r;
}

/* Tells stintd the editor is done, so it commits the log as it now stands; says how it went. */
static void cmd_session_log_commit(struct cli_ctx *ctx, const char *log, bool edited)
{
	char line[OUTPUT_LINE_MAX];
	json_t *req = request_new(ctx, PROTO_CMD_LOG_COMMIT, true), *reply = NULL;

	if (req && (!request_set(&req, "log", json_string(log)) ||
		    !request_set(&req, "edited", json_boolean(edited))))
		req = NULL;
	if (request_run(ctx, req, REQUEST_TIMEOUT_MS, &reply) != 0) {
		output_error("warning: the log %s is left uncommitted", log);
		return;
	}
	if (output_log_commit(json_object_get(reply, "log_commit"), line, sizeof(line)) == 1)
		puts(line);
	else
		output_error("%s", line);
	json_decref(reply);
}

/* A [checks] step that failed is said on stderr too: off a terminal, the log is no place to
 * learn that `make test` broke. */
static void cmd_session_failed_checks(const json_t *checks)
{
	size_t i;
	json_t *c;

	json_array_foreach(checks, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		char how[64];

		if (json_is_true(json_object_get(c, "ok")) ||
		    json_is_true(json_object_get(c, "not_run")) || !name)
			continue;
		if (json_is_true(json_object_get(c, "timed_out")))
			snprintf(how, sizeof(how), "timed out");
		else if (json_is_true(json_object_get(c, "cancelled")))
			snprintf(how, sizeof(how), "was cancelled");
		else if (json_is_integer(json_object_get(c, "signal")))
			snprintf(how, sizeof(how), "was killed by signal %lld",
				 (long long)json_integer_value(json_object_get(c, "signal")));
		else if (json_is_integer(json_object_get(c, "exit")))
			snprintf(how, sizeof(how), "failed (exit status %lld)",
				 (long long)json_integer_value(json_object_get(c, "exit")));
		else
			snprintf(how, sizeof(how), "could not run");
		output_error("warning: check \"%.64s\" %s; its output is in the log", name, how);
	}
}

/* The stop's human output; with --edit the editor runs first. The log's path comes last. */
static void cmd_session_stop_print(struct cli_ctx *ctx, const struct args *a, json_t *reply)
{
	const char *log = json_string_value(json_object_get(reply, "log"));
	json_t *commit = json_object_get(reply, "log_commit");
	char line[OUTPUT_LINE_MAX];
	bool pending = json_is_true(json_object_get(commit, "pending"));
	int r;

	if (json_is_object(json_object_get(reply, "stopped"))) {
		/* It had stopped by itself: when and why; a summary given now has nowhere to go. */
		output_stopped_earlier(reply, time_wall_ms(), line, sizeof(line));
		printf("stint: %s\n", line);
		if (a->summary)
			output_error("warning: the summary was not used: the session had stopped "
				     "already");
	} else {
		output_confirm(PROTO_CMD_STOP, NULL, json_object_get(reply, "session"), ctx->home,
			       time_wall_ms(), line, sizeof(line));
		puts(line);
		/* [log] commit: whether the log went into the repository, and if not why. */
		r = pending ? -1 : output_log_commit(commit, line, sizeof(line));
		if (r == 1)
			puts(line);
		else if (r == 0)
			output_error("%s", line);
	}
	if (a->edit && log) {
		/* Its commit, when one waits, holds what the editor left, however it ended. */
		r = cmd_session_edit_log(ctx, log);
		if (pending)
			cmd_session_log_commit(ctx, log, r == 0);
	} else if (a->edit) {
		output_error("warning: no log was written, nothing to edit");
	}
	cmd_session_failed_checks(json_object_get(json_object_get(reply, "session"), "checks"));
	/* The log's path last, alone on its line, for scripts and terminals that open it. */
	if (log)
		puts(log);
}
static int cmd_session_edit_log(struct cli_ctx *ctx, const char *path)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	const char *editor = cmd_session_editor();
	size_t len = strlen(editor) + sizeof(" \"$1\"");
	char *script = malloc(len);
	int status = 0, fd, e = 0;
	pid_t pid, w;

	if (!script) {
		output_error("warning: cannot start the editor: %s", strerror(ENOMEM));
		return -1;
	}
	snprintf(script, len, "%s \"$1\"", editor);
	fflush(stdout);
	fflush(stderr);
	/* Like system(): ^C and ^\ belong to the editor while it runs. */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		/* The summary came from stdin: give the editor the terminal instead. */
		if (ctx->stdin_taken && (fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) >= 0)
			dup2(fd, STDIN_FILENO);
		execl("/bin/sh", "sh", "-c", script, "sh", path, (char *)NULL);
		fprintf(stderr, "stint: warning: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	w = pid;
	while (pid > 0 && (w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		e = errno;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	free(script);
	if (w < 0) {
		output_error("warning: cannot %s the editor '%s': %s; the log is at %s",
			     pid < 0 ? "start" : "wait for", editor, strerror(e), path);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		output_error("warning: the editor '%s' exited with status %d; the log is at %s",
			     editor, WEXITSTATUS(status), path);
	else
		output_error("warning: the editor '%s' was killed by signal %d; the log is at %s",
			     editor, WIFSIGNALED(status) ? WTERMSIG(status) : 0, path);
	return -1;
}

/*
 * This terminal's environment for the [checks], as stop's "env": what a command typed here
 * would get. Variables a shell could not name, or not UTF-8 (JSON cannot carry them), are
 * left out; too large for the request is refused, naming the limit. NULL after saying why.
 */
static json_t *cmd_session_env(void)
{
	json_t *env = json_array();
	size_t bytes = 0;

	for (char **e = environ; env && e && *e; e++) {
		const char *eq = strchr(*e, '=');
		json_t *v;

		if (!eq || !proto_env_name_ok(*e, (size_t)(eq - *e)))
			continue;
		if (!(v = json_string(*e))) {
			output_error("warning: %.*s is not UTF-8: the checks run without it",
				     (int)(eq - *e), *e);
			continue;
		}
		bytes += strlen(*e);
		if (json_array_append_new(env, v) < 0) {
			json_decref(env);
			env = NULL;
		}
	}
	if (!env) {
		output_error("out of memory");
		return NULL;
	}
	if (json_array_size(env) > PROTO_MAX_ENV_VARS || bytes > PROTO_MAX_ENV_BYTES) {
		output_error("the environment is too large to send for the checks: %zu variables, "
			     "%zu bytes of NAME=VALUE; the limit is %d variables and %d bytes. "
			     "Unset some, or stop with --no-checks",
			     json_array_size(env), bytes, PROTO_MAX_ENV_VARS, PROTO_MAX_ENV_BYTES);
		json_decref(env);
		return NULL;
	}
	return env;
}

int cmd_session_stop(struct cli_ctx *ctx, int argc, char **argv)
{
	json_t *req, *reply;
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if (a.edit && a.no_log)
		return args_usage_error(ctx->cmd, "--edit and --no-log exclude each other");
	if (a.edit && ctx->json)
		return args_usage_error(ctx->cmd, "--edit and --json exclude each other");
	if ((r = args_resolve_cwd(ctx)))
		return r;
	req = request_new(ctx, PROTO_CMD_STOP, true);
	if (req && a.summary &&
	    !request_set(&req, "summary",
			 args_text_value(ctx, "summary", a.summary, PROTO_MAX_TEXT, true)))
		return EXIT_USAGE;
	if (req && a.no_log && !request_set(&req, "no_log", json_true()))
		return EXIT_USAGE;
	if (req && a.no_checks && !request_set(&req, "no_checks", json_true()))
		return EXIT_USAGE;
	/* The checks run as if typed here (docs/configuration.md); no checks, no environment. */
	if (req && !a.no_checks && !a.no_log && !request_set(&req, "env", cmd_session_env()))
		return EXIT_REFUSED;
	/* [log] commit waits for the editor, so the commit holds what the user wrote. */
	if (req && a.edit && !request_set(&req, "edit", json_true()))
		return EXIT_USAGE;
	if (req && a.at &&
	    !request_set(&req, "at", args_time_value(ctx, "--at", a.at, time_wall_ms())))
		return EXIT_USAGE;
	if (!req)
		return EXIT_USAGE;
	r = cmd_session_stop_call(ctx, req, isatty(STDERR_FILENO) == 1, &reply);
	if (r)
		return r;
	/* How it stopped, always: this stop, or the unattended one stintd told of. */
	if (ctx->json && !json_is_object(json_object_get(reply, "stopped")))
		json_object_set_new(
		    reply, "stopped",
		    json_pack("{s:s, s:O?}", "by", "stop", "at",
			      json_object_get(json_object_get(reply, "session"), "ended_at")));
	if (ctx->json)
		r = request_print_json(ctx, reply);
	else
		cmd_session_stop_print(ctx, &a, reply);
	json_decref(reply);
	return r;
}

int cmd_session_simple(struct cli_ctx *ctx, int argc, char **argv)
{
	enum proto_cmd cmd = (enum proto_cmd)proto_cmd_lookup(ctx->cmd->name);
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)) ||
	    (r = args_resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	return cmd_session_send(ctx, cmd, NULL, request_new(ctx, cmd, true), REQUEST_TIMEOUT_MS);
}

int cmd_session_item(struct cli_ctx *ctx, int argc, char **argv)
{
	enum proto_cmd cmd = (enum proto_cmd)proto_cmd_lookup(ctx->cmd->name);
	struct args a;
	json_t *req;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	req = request_new(ctx, cmd, true);
	if (req &&
	    !request_set(&req, "text", args_words_value(ctx, ctx->cmd->name, a.nrest, a.rest)))
		return EXIT_USAGE;
	if (req && a.kind && !request_set(&req, "kind", json_string(a.kind)))
		return EXIT_USAGE;
	if (req && a.why &&
	    !request_set(&req, "why", args_text_value(ctx, "--why", a.why, PROTO_MAX_TEXT, true)))
		return EXIT_USAGE;
	return cmd_session_send(ctx, cmd, a.kind, req, REQUEST_TIMEOUT_MS);
}

int cmd_session_todo(struct cli_ctx *ctx, int argc, char **argv)
{
	struct args a;
	json_t *req;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.blocked_by && a.priority && strcmp(a.priority, "blocked") != 0)
		return args_usage_error(ctx->cmd, "--blocked-by goes only with --priority blocked");
	/* --blocked-by alone says the priority. */
	if (a.blocked_by && !a.priority)
		a.priority = "blocked";
	if ((r = args_resolve_cwd(ctx)))
		return r;
	req = request_new(ctx, PROTO_CMD_TODO, true);
	if (req && !request_set(&req, "text", args_words_value(ctx, "todo", a.nrest, a.rest)))
		return EXIT_USAGE;
	if (req && a.priority && !request_set(&req, "priority", json_string(a.priority)))
		return EXIT_USAGE;
	if (req && a.blocked_by &&
	    !request_set(&req, "blocked_by",
			 args_text_value(ctx, "--blocked-by", a.blocked_by, PROTO_MAX_TEXT, false)))
		return EXIT_USAGE;
	if (req && a.next && !request_set(&req, "next", json_true()))
		return EXIT_USAGE;
	return cmd_session_send(ctx, PROTO_CMD_TODO, a.next ? "next" : NULL, req,
				REQUEST_TIMEOUT_MS);
}
