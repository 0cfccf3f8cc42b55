#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "output.h"
#include "protocol.h"
#include "timeutil.h"
#include "version.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

#define TIMEOUT_MS (30 * 1000)
/* stop renders and writes the log and may run checks: give it longer. */
#define TIMEOUT_STOP_MS (3 * 3600 * 1000) /* [checks] may run 32 × check_timeout */
/* --version only asks a daemon that is already running. */
#define TIMEOUT_VERSION_MS (2 * 1000)

enum {
	OPT_JSON = 0x100,
	OPT_NO_LOG,
	OPT_LEARNING,
	OPT_CHALLENGE,
	OPT_BLOCKED_BY,
	OPT_NEXT,
	OPT_EDIT,
	OPT_LAST,
	OPT_LIST,
};

struct command;

struct ctx {
	const struct command *cmd;
	char prog[32];	    /* "stint start", for getopt's messages */
	const char *dir;    /* -C PATH, or NULL for the current directory */
	const char *home;   /* for "~" in paths; may be NULL */
	bool json, pretty;  /* --json, and whether stdout is a terminal */
	bool stdin_taken;   /* only one TEXT may be read from stdin */
	char cwd[PATH_MAX]; /* the directory sent as "cwd" */
};

/* Every option of every command, parsed in one place; each command accepts a subset. */
struct args {
	const char *focus, *summary, *why, *blocked_by, *priority;
	const char *tags[PROTO_MAX_TAGS];
	size_t ntags;
	const char *kind;
	bool no_log, all, next, edit, last, list;
	long limit;
	int nrest;
	char **rest;
};

struct command {
	const char *name;
	int (*run)(struct ctx *ctx, int argc, char **argv);
	const char *shortopts;
	const struct option *longopts;
	const char *usage;
	const char *summary;
	const char *help;
};

static void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("stint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void print_usage(FILE *out, const struct command *cmd)
{
	fprintf(out, "usage: %s\n", cmd->usage);
}

static int usage_error(const struct command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "stint: message" (when fmt is given) and the command's usage; returns EXIT_USAGE. */
static int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("stint: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	print_usage(stderr, cmd);
	fprintf(stderr, "Run 'stint help %s' for details.\n", cmd->name);
	return EXIT_USAGE;
}

static void print_help(const struct command *cmd)
{
	printf("usage: %s\n\n%s.\n\n%s", cmd->usage, cmd->summary, cmd->help);
}

/* Returns 0 to go on, EXIT_USAGE, or -1 when --help was printed (exit 0). */
static int parse_args(struct ctx *ctx, int argc, char **argv, struct args *a)
{
	int c;
	char *end;

	memset(a, 0, sizeof(*a));
	snprintf(ctx->prog, sizeof(ctx->prog), "stint %s", ctx->cmd->name);
	argv[0] = ctx->prog;
	optind = 1;
	while ((c = getopt_long(argc, argv, ctx->cmd->shortopts, ctx->cmd->longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(ctx->cmd);
			return -1;
		case 'C':
			ctx->dir = optarg;
			break;
		case OPT_JSON:
			ctx->json = true;
			break;
		case 'f':
			a->focus = optarg;
			break;
		case 't':
			if (a->ntags == PROTO_MAX_TAGS)
				return usage_error(ctx->cmd, "at most %d tags", PROTO_MAX_TAGS);
			a->tags[a->ntags++] = optarg;
			break;
		case 's':
			a->summary = optarg;
			break;
		case OPT_NO_LOG:
			a->no_log = true;
			break;
		case OPT_LEARNING:
		case OPT_CHALLENGE:
			if (a->kind)
				return usage_error(ctx->cmd,
						   "--learning and --challenge exclude each other");
			a->kind = c == OPT_LEARNING ? "learning" : "challenge";
			break;
		case 'p':
			if (proto_priority_lookup(optarg) < 0)
				return usage_error(
				    ctx->cmd,
				    "--priority must be high, medium, low or blocked, "
				    "not '%s'",
				    optarg);
			a->priority = optarg;
			break;
		case OPT_BLOCKED_BY:
			a->blocked_by = optarg;
			break;
		case 'w':
			a->why = optarg;
			break;
		case 'n':
			errno = 0;
			a->limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || a->limit < 1 ||
			    a->limit > PROTO_MAX_LIST)
				return usage_error(
				    ctx->cmd, "--limit must be a number from 1 to %d, not '%s'",
				    PROTO_MAX_LIST, optarg);
			break;
		case 'a':
			a->all = true;
			break;
		case OPT_NEXT:
			a->next = true;
			break;
		case OPT_EDIT:
			a->edit = true;
			break;
		case OPT_LAST:
			a->last = true;
			break;
		case OPT_LIST:
			a->list = true;
			break;
		default:
			/* getopt has said what was wrong; text like "- [ ] x" or "-5 ms" was meant
			 * as TEXT, so say how to pass it. */
			for (int i = 1; i < argc; i++)
				if (argv[i][0] == '-' && argv[i][1] &&
				    !isalnum((unsigned char)argv[i][1]) && argv[i][1] != '-') {
					errorf("to pass text that starts with '-', put '--' before "
					       "it: "
					       "stint %s -- '%s'",
					       ctx->cmd->name, argv[i]);
					break;
				}
			return usage_error(ctx->cmd, NULL);
		}
	}
	a->nrest = argc - optind;
	a->rest = argv + optind;
	return 0;
}

static int no_operands(struct ctx *ctx, const struct args *a)
{
	if (a->nrest > 0)
		return usage_error(ctx->cmd, "unexpected argument '%s'", a->rest[0]);
	return 0;
}

/* The physical current directory, even when it has been deleted. Returns 0 or -errno. */
static int current_dir(char *buf, size_t n)
{
	static const char deleted[] = " (deleted)";
	const char *pwd;
	ssize_t len;
	int e;

	if (getcwd(buf, n))
		return 0;
	e = errno;
	/* A removed directory still addresses its session: the kernel knows the old path. */
	len = readlink("/proc/self/cwd", buf, n - 1);
	if (len > 0 && buf[0] == '/') {
		buf[len] = '\0';
		if ((size_t)len > sizeof(deleted) - 1 &&
		    strcmp(buf + len - (sizeof(deleted) - 1), deleted) == 0)
			buf[len - (sizeof(deleted) - 1)] = '\0';
		return 0;
	}
	pwd = getenv("PWD");
	if (pwd && pwd[0] == '/' && strlen(pwd) < n) {
		snprintf(buf, n, "%s", pwd);
		return 0;
	}
	return -e;
}

/*
 * The absolute spelling of a path that does not exist (any more): its longest existing prefix
 * resolved, the rest normalized as written. Returns 0 or -errno.
 */
static int resolve_gone(const char *path, char *out, size_t n)
{
	char abs[2 * PATH_MAX + 2], norm[2 * PATH_MAX + 2], prefix[2 * PATH_MAX + 2];
	char real[PATH_MAX], *tok, *save, *slash;
	const char *tail;
	size_t len = 0;
	int r;

	if (path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", path);
	} else {
		r = current_dir(real, sizeof(real));
		if (r < 0)
			return r;
		snprintf(abs, sizeof(abs), "%s/%s", real, path);
	}
	norm[0] = '\0';
	for (tok = strtok_r(abs, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			slash = strrchr(norm, '/');
			if (slash) {
				*slash = '\0';
				len = (size_t)(slash - norm);
			}
			continue;
		}
		if (len + 1 + strlen(tok) >= PATH_MAX)
			return -ENAMETOOLONG;
		len += (size_t)snprintf(norm + len, sizeof(norm) - len, "/%s", tok);
	}
	if (len == 0)
		return -ENOENT;
	memcpy(prefix, norm, len + 1);
	for (;;) {
		slash = strrchr(prefix, '/');
		if (slash == prefix) {
			snprintf(real, sizeof(real), "/");
			tail = norm;
			break;
		}
		*slash = '\0';
		if (realpath(prefix, real)) {
			tail = norm + (slash - prefix);
			break;
		}
		if (errno != ENOENT)
			return -errno;
	}
	r = snprintf(out, n, "%s%s", strcmp(real, "/") == 0 ? "" : real, tail);
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/*
 * Fills ctx->cwd from -C (resolved) or the current directory. Returns 0 or an exit code. Only
 * start and watch need the directory to exist: the others may address the session (or watch)
 * of a repository that has been deleted since.
 */
static int resolve_cwd(struct ctx *ctx)
{
	struct stat st;
	int r;

	if (ctx->dir) {
		if (!realpath(ctx->dir, ctx->cwd)) {
			r = -errno;
			if (r != -ENOENT || strcmp(ctx->cmd->name, "start") == 0 ||
			    strcmp(ctx->cmd->name, "watch") == 0 ||
			    (r = resolve_gone(ctx->dir, ctx->cwd, sizeof(ctx->cwd))) < 0) {
				errorf("-C %s: %s", ctx->dir, strerror(-r));
				return EXIT_USAGE;
			}
		} else if (stat(ctx->cwd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errorf("-C %s: %s", ctx->dir, strerror(ENOTDIR));
			return EXIT_USAGE;
		}
	} else {
		r = current_dir(ctx->cwd, sizeof(ctx->cwd));
		if (r < 0) {
			errorf("cannot find the current directory: %s", strerror(-r));
			return EXIT_REFUSED;
		}
	}
	if (strlen(ctx->cwd) > PROTO_MAX_PATH) {
		errorf("the directory's path is longer than %d bytes", PROTO_MAX_PATH);
		return EXIT_USAGE;
	}
	return 0;
}

/* Reads all of stdin, at most max bytes once trailing newlines are dropped. NULL on error. */
static char *read_stdin(struct ctx *ctx, const char *what, size_t max)
{
	size_t cap = max + 3, len = 0;
	char *buf;
	ssize_t r;

	if (ctx->stdin_taken) {
		usage_error(ctx->cmd, "only one argument can be '-' (read from stdin)");
		return NULL;
	}
	ctx->stdin_taken = true;
	buf = malloc(cap);
	if (!buf) {
		errorf("out of memory");
		return NULL;
	}
	/* One byte beyond a trailing "\r\n" is enough to know the text is too long. */
	while (len < cap - 1) {
		r = read(STDIN_FILENO, buf + len, cap - 1 - len);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			errorf("cannot read %s from stdin: %s", what, strerror(errno));
			free(buf);
			return NULL;
		}
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		errorf("%s from stdin contains a NUL byte", what);
		free(buf);
		return NULL;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len > max) {
		errorf("%s from stdin is longer than %zu bytes", what, max);
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Checks s against the protocol's limits for a string field and returns it as a JSON string;
 * NULL after saying why. "-" reads the value from stdin.
 */
static json_t *text_value(struct ctx *ctx, const char *what, const char *s, size_t max,
			  bool multiline)
{
	char *owned = NULL;
	size_t len;
	json_t *v;

	if (strcmp(s, "-") == 0) {
		owned = read_stdin(ctx, what, max);
		if (!owned)
			return NULL;
		s = owned;
	}
	len = strlen(s);
	v = NULL;
	if (len == 0) {
		errorf("%s must not be empty", what);
	} else if (len > max) {
		errorf("%s is %zu bytes long; at most %zu are allowed", what, len, max);
	} else {
		for (const char *p = s; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if ((c < 0x20 && c != '\t' && !(multiline && c == '\n')) || c == 0x7f) {
				errorf("%s may not contain control characters%s", what,
				       multiline ? " other than newlines and tabs" : "");
				free(owned);
				return NULL;
			}
		}
		v = json_string(s);
		if (!v)
			errorf("%s is not valid UTF-8", what);
	}
	free(owned);
	return v;
}

/* Joins words with spaces, or reads stdin for a single "-". NULL after saying why. */
static json_t *words_value(struct ctx *ctx, const char *what, int n, char **words)
{
	size_t len = 0, off = 0;
	json_t *v;
	char *s;

	if (n == 0) {
		usage_error(ctx->cmd, "%s needs TEXT", ctx->cmd->name);
		return NULL;
	}
	if (n == 1)
		return text_value(ctx, what, words[0], PROTO_MAX_TEXT, true);
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s) {
		errorf("out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);

		memcpy(s + off, words[i], wl);
		off += wl;
		s[off++] = i + 1 < n ? ' ' : '\0';
	}
	v = text_value(ctx, what, s, PROTO_MAX_TEXT, true);
	free(s);
	return v;
}

static json_t *tags_value(struct ctx *ctx, const struct args *a)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < a->ntags; i++) {
		const char *t = a->tags[i];
		size_t len = strlen(t);
		json_t *v;

		if (len == 0 || len > PROTO_MAX_TAG) {
			errorf("tag '%s' must be 1 to %d bytes long", t, PROTO_MAX_TAG);
			goto fail;
		}
		for (const char *p = t; *p; p++) {
			if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == ',') {
				errorf("tag '%s' may not contain spaces, commas or control "
				       "characters; give --tag once per tag",
				       t);
				goto fail;
			}
		}
		v = json_string(t);
		if (!v) {
			errorf("tag '%s' is not valid UTF-8", t);
			goto fail;
		}
		json_array_append_new(arr, v);
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* Adds value under key, taking the reference; false (and req freed) when value is NULL. */
static bool set_field(json_t **req, const char *key, json_t *value)
{
	if (!value || json_object_set_new(*req, key, value) < 0) {
		json_decref(*req);
		*req = NULL;
		return false;
	}
	return true;
}

static json_t *new_request(struct ctx *ctx, enum proto_cmd cmd, bool with_cwd)
{
	json_t *req = proto_request_new(cmd);

	if (!req) {
		errorf("out of memory");
		return NULL;
	}
	if (with_cwd && !set_field(&req, "cwd", json_string(ctx->cwd))) {
		errorf("the directory's path %s is not valid UTF-8", ctx->cwd);
		return NULL;
	}
	return req;
}

/*
 * Sends req (consuming it) and returns the reply, ok or not; NULL after saying why it could
 * not be had.
 */
static json_t *call(json_t *req, int timeout_ms, bool autostart)
{
	struct client c = {.fd = -1};
	char err[2048];
	json_t *reply = NULL;

	if (client_connect(&c, autostart, err, sizeof(err)) == 0)
		reply = client_call(&c, req, timeout_ms, err, sizeof(err));
	client_close(&c);
	json_decref(req);
	if (!reply)
		errorf("%s", err);
	return reply;
}

static int print_json(struct ctx *ctx, const json_t *msg, bool strip_ok)
{
	if (output_json(stdout, msg, strip_ok, ctx->pretty) < 0) {
		errorf("cannot write the reply: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	return 0;
}

/* Reports a refusal; with --json the reply also goes to stdout. Returns EXIT_REFUSED. */
static int refused(struct ctx *ctx, json_t *reply)
{
	const char *code = proto_reply_error_code(reply);
	const char *msg = proto_reply_error_message(reply);
	json_t *session = json_object_get(reply, "session");
	char buf[OUTPUT_LINE_MAX], here[PATH_MAX];

	if (ctx->json)
		print_json(ctx, reply, false);
	if (code && strcmp(code, ERR_ALREADY_RUNNING) == 0 && json_is_object(session)) {
		output_already_running(session, current_dir(here, sizeof(here)) == 0 ? here : NULL,
				       ctx->home, time_wall_ms(), buf, sizeof(buf));
		fputs(buf, stderr);
	} else {
		errorf("%s", msg && *msg ? msg : code);
	}
	json_decref(reply);
	return EXIT_REFUSED;
}

/*
 * Sends req (NULL: it could not be built) and waits for the reply. Returns 0 with *reply_out the
 * reply (the caller's), or the exit status after saying why it failed.
 */
static int plain_command(struct ctx *ctx, json_t *req, int timeout_ms, json_t **reply_out)
{
	json_t *reply;

	*reply_out = NULL;
	if (!req)
		return EXIT_REFUSED;
	reply = call(req, timeout_ms, true);
	if (!reply)
		return EXIT_REFUSED;
	if (!proto_reply_is_ok(reply))
		return refused(ctx, reply);
	*reply_out = reply;
	return 0;
}

/*
 * Runs a command that answers with a session and prints its confirmation. When log is given,
 * the reply's log path is copied there ("" when there is none).
 */
static int session_command(struct ctx *ctx, enum proto_cmd cmd, const char *kind, json_t *req,
			   int timeout_ms, char *log_out, size_t log_n)
{
	char line[OUTPUT_LINE_MAX];
	json_t *reply, *log;
	int rc = 0, r;

	if (!req)
		return EXIT_USAGE;
	if ((r = plain_command(ctx, req, timeout_ms, &reply)))
		return r;
	if (ctx->json) {
		rc = print_json(ctx, reply, false);
	} else {
		output_confirm(cmd, kind, json_object_get(reply, "session"), ctx->home,
			       time_wall_ms(), line, sizeof(line));
		puts(line);
		/* [log] commit: whether the log went into the repository, and if not why. */
		r = output_log_commit(json_object_get(reply, "log_commit"), line, sizeof(line));
		if (r == 1)
			puts(line);
		else if (r == 0)
			errorf("%s", line);
		/* The log's path last, alone on its line, for scripts and terminals that open it.
		 */
		log = json_object_get(reply, "log");
		if (cmd == CMD_STOP && json_string_value(log))
			puts(json_string_value(log));
	}
	if (log_out && log_n > 0) {
		log = json_object_get(reply, "log");
		snprintf(log_out, log_n, "%s",
			 json_string_value(log) ? json_string_value(log) : "");
	}
	json_decref(reply);
	return rc;
}

static int cmd_start(struct ctx *ctx, int argc, char **argv)
{
	struct args a;
	json_t *req;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = no_operands(ctx, &a)) ||
	    (r = resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	req = new_request(ctx, CMD_START, true);
	if (req && a.focus &&
	    !set_field(&req, "focus", text_value(ctx, "focus", a.focus, PROTO_MAX_FOCUS, false)))
		return EXIT_USAGE;
	if (req && a.ntags && !set_field(&req, "tags", tags_value(ctx, &a)))
		return EXIT_USAGE;
	return session_command(ctx, CMD_START, NULL, req, TIMEOUT_MS, NULL, 0);
}

/* What the editor's command line is: $VISUAL, else $EDITOR, else vi. */
static const char *editor_command(void)
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
static int edit_log(struct ctx *ctx, const char *path)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	const char *editor = editor_command();
	size_t len = strlen(editor) + sizeof(" \"$1\"");
	char *script = malloc(len);
	int status = 0, fd, e = 0;
	pid_t pid, w;

	if (!script) {
		errorf("warning: cannot start the editor: %s", strerror(ENOMEM));
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
		errorf("warning: cannot %s the editor '%s': %s; the log is at %s",
		       pid < 0 ? "start" : "wait for", editor, strerror(e), path);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		errorf("warning: the editor '%s' exited with status %d; the log is at %s", editor,
		       WEXITSTATUS(status), path);
	else
		errorf("warning: the editor '%s' was killed by signal %d; the log is at %s", editor,
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0, path);
	return -1;
}

static int cmd_stop(struct ctx *ctx, int argc, char **argv)
{
	char log[PATH_MAX + 1];
	struct args a;
	json_t *req;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if (a.edit && a.no_log)
		return usage_error(ctx->cmd, "--edit and --no-log exclude each other");
	if (a.edit && ctx->json)
		return usage_error(ctx->cmd, "--edit and --json exclude each other");
	if ((r = resolve_cwd(ctx)))
		return r;
	req = new_request(ctx, CMD_STOP, true);
	if (req && a.summary &&
	    !set_field(&req, "summary",
		       text_value(ctx, "summary", a.summary, PROTO_MAX_TEXT, true)))
		return EXIT_USAGE;
	if (req && a.no_log && !set_field(&req, "no_log", json_true()))
		return EXIT_USAGE;
	r = session_command(ctx, CMD_STOP, NULL, req, TIMEOUT_STOP_MS, log, sizeof(log));
	if (r == 0 && a.edit) {
		/* The session is closed and its log written whatever the editor does. */
		if (log[0])
			edit_log(ctx, log);
		else
			errorf("warning: no log was written, nothing to edit");
	}
	return r;
}

/* pause, resume and cancel: a cwd and nothing else. */
static int cmd_simple(struct ctx *ctx, int argc, char **argv)
{
	enum proto_cmd cmd = (enum proto_cmd)proto_cmd_lookup(ctx->cmd->name);
	struct args a;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = no_operands(ctx, &a)) ||
	    (r = resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	return session_command(ctx, cmd, NULL, new_request(ctx, cmd, true), TIMEOUT_MS, NULL, 0);
}

/* note and decision: TEXT..., and --learning/--challenge (note) or --why (decision). */
static int cmd_item(struct ctx *ctx, int argc, char **argv)
{
	enum proto_cmd cmd = (enum proto_cmd)proto_cmd_lookup(ctx->cmd->name);
	struct args a;
	json_t *req;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = resolve_cwd(ctx)))
		return r < 0 ? 0 : r;
	req = new_request(ctx, cmd, true);
	if (req && !set_field(&req, "text", words_value(ctx, ctx->cmd->name, a.nrest, a.rest)))
		return EXIT_USAGE;
	if (req && a.kind && !set_field(&req, "kind", json_string(a.kind)))
		return EXIT_USAGE;
	if (req && a.why &&
	    !set_field(&req, "why", text_value(ctx, "--why", a.why, PROTO_MAX_TEXT, true)))
		return EXIT_USAGE;
	return session_command(ctx, cmd, a.kind, req, TIMEOUT_MS, NULL, 0);
}

static int cmd_todo(struct ctx *ctx, int argc, char **argv)
{
	struct args a;
	json_t *req;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.blocked_by && a.priority && strcmp(a.priority, "blocked") != 0)
		return usage_error(ctx->cmd, "--blocked-by goes only with --priority blocked");
	/* --blocked-by alone says the priority. */
	if (a.blocked_by && !a.priority)
		a.priority = "blocked";
	if ((r = resolve_cwd(ctx)))
		return r;
	req = new_request(ctx, CMD_TODO, true);
	if (req && !set_field(&req, "text", words_value(ctx, "todo", a.nrest, a.rest)))
		return EXIT_USAGE;
	if (req && a.priority && !set_field(&req, "priority", json_string(a.priority)))
		return EXIT_USAGE;
	if (req && a.blocked_by &&
	    !set_field(&req, "blocked_by",
		       text_value(ctx, "--blocked-by", a.blocked_by, PROTO_MAX_TEXT, false)))
		return EXIT_USAGE;
	if (req && a.next && !set_field(&req, "next", json_true()))
		return EXIT_USAGE;
	return session_command(ctx, CMD_TODO, a.next ? "next" : NULL, req, TIMEOUT_MS, NULL, 0);
}

static int cmd_status(struct ctx *ctx, int argc, char **argv)
{
	char line[OUTPUT_LINE_MAX];
	struct args a;
	json_t *req, *reply, *sessions, *s;
	int64_t now;
	size_t i;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	/* Without -C: every open session, wherever it is. */
	if (ctx->dir && (r = resolve_cwd(ctx)))
		return r;
	/* No session for -C's directory is an empty list, not a refusal. */
	req = new_request(ctx, CMD_STATUS, ctx->dir != NULL);
	if ((r = plain_command(ctx, req, TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json) {
		r = print_json(ctx, reply, true);
		json_decref(reply);
		return r;
	}
	sessions = json_object_get(reply, "sessions");
	if (json_array_size(sessions) == 0)
		puts("No open session.");
	now = time_wall_ms();
	json_array_foreach(sessions, i, s)
	{
		output_session_line(s, ctx->home, now, line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
	return 0;
}

static int cmd_list(struct ctx *ctx, int argc, char **argv)
{
	struct args a;
	json_t *req, *reply, *sessions;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if (a.all && ctx->dir)
		return usage_error(ctx->cmd, "--all and -C exclude each other");
	if (ctx->dir && (r = resolve_cwd(ctx)))
		return r;
	req = new_request(ctx, CMD_LIST, ctx->dir != NULL);
	if (req && a.limit && !set_field(&req, "limit", json_integer(a.limit)))
		return EXIT_REFUSED;
	if ((r = plain_command(ctx, req, TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json) {
		r = print_json(ctx, reply, false);
		json_decref(reply);
		return r;
	}
	sessions = json_object_get(reply, "sessions");
	if (json_array_size(sessions) == 0)
		puts("No closed sessions.");
	else
		output_list(stdout, sessions);
	json_decref(reply);
	return 0;
}

static int cmd_log(struct ctx *ctx, int argc, char **argv)
{
	const char *paths[PROTO_MAX_LIST], *date = NULL, *repo;
	char where[PROTO_MAX_PATH + 8];
	struct args a;
	json_t *req, *reply, *sessions;
	size_t n, i;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest > 1)
		return usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (a.nrest == 1) {
		date = a.rest[0];
		if (a.last)
			return usage_error(ctx->cmd, "--last and DATE exclude each other");
		if (!output_valid_date(date))
			return usage_error(ctx->cmd, "DATE must be a date as YYYY-MM-DD, not '%s'",
					   date);
	}
	if (a.all && ctx->dir)
		return usage_error(ctx->cmd, "--all and -C exclude each other");
	if (!a.all && (r = resolve_cwd(ctx)))
		return r;
	/* The list request is all it takes: closed sessions, newest first, with their logs. */
	req = new_request(ctx, CMD_LIST, !a.all);
	if (req && !set_field(&req, "limit", json_integer(PROTO_MAX_LIST)))
		return EXIT_REFUSED;
	if ((r = plain_command(ctx, req, TIMEOUT_MS, &reply)))
		return r;
	sessions = json_object_get(reply, "sessions");
	n = output_select_logs(sessions, date, paths, PROTO_MAX_LIST);
	if (n == 0) {
		repo = json_string_value(json_object_get(json_array_get(sessions, 0), "repo"));
		if (a.all)
			snprintf(where, sizeof(where), "in any repository");
		else
			output_home_path(repo ? repo : ctx->cwd, ctx->home, where, sizeof(where));
		if (date)
			errorf("no session log of %s %s%s", date, a.all ? "" : "for ", where);
		else
			errorf("no session log yet %s%s", a.all ? "" : "for ", where);
		json_decref(reply);
		return EXIT_REFUSED;
	}
	for (i = 0; i < n; i++)
		puts(paths[i]);
	json_decref(reply);
	return 0;
}

static int cmd_ping(struct ctx *ctx, int argc, char **argv)
{
	char line[256];
	struct args a;
	json_t *reply;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)) || (r = no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if ((r = plain_command(ctx, new_request(ctx, CMD_PING, false), TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json) {
		r = print_json(ctx, reply, false);
	} else {
		output_daemon_line(json_object_get(reply, "daemon"), line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
	return r;
}

static int watch_list(struct ctx *ctx)
{
	char where[PATH_MAX + 8], since[40];
	json_t *reply, *repos, *w;
	int64_t ms;
	size_t i;
	int r;

	if ((r = plain_command(ctx, new_request(ctx, CMD_WATCHED, false), TIMEOUT_MS, &reply)))
		return r;
	if (ctx->json) {
		r = print_json(ctx, reply, false);
		json_decref(reply);
		return r;
	}
	repos = json_object_get(reply, "repos");
	if (json_array_size(repos) == 0)
		puts("No watched repositories.");
	json_array_foreach(repos, i, w)
	{
		const char *reason = json_string_value(json_object_get(w, "reason"));
		const char *state = json_string_value(json_object_get(w, "state"));
		const char *at = json_string_value(json_object_get(w, "since"));

		output_home_path(json_string_value(json_object_get(w, "repo")) ?: "?", ctx->home,
				 where, sizeof(where));
		since[0] = '\0';
		if (at && output_parse_time(at, &ms) == 0)
			time_format_local(ms, ", since %Y-%m-%d %H:%M", since, sizeof(since));
		printf("%s  %s (%s%s)\n", where, state ?: "?",
		       !reason || strcmp(reason, "watch") == 0 ? "stint watch"
		       : strcmp(reason, "auto_start") == 0     ? "[time] auto_start"
							       : "[notify] start_reminder",
		       since);
	}
	json_decref(reply);
	return 0;
}

/* watch and unwatch: PATH, or -C PATH, or the current directory. */
static int cmd_watch(struct ctx *ctx, int argc, char **argv)
{
	bool watch = strcmp(ctx->cmd->name, "watch") == 0;
	char where[PATH_MAX + 8];
	const char *root;
	struct args a;
	json_t *reply;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.list)
		return a.nrest || ctx->dir ? usage_error(ctx->cmd, "--list takes no PATH")
					   : watch_list(ctx);
	if (a.nrest > 1)
		return usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (a.nrest == 1 && ctx->dir)
		return usage_error(ctx->cmd, "PATH and -C exclude each other");
	if (a.nrest == 1)
		ctx->dir = a.rest[0];
	if ((r = resolve_cwd(ctx)))
		return r;
	r = plain_command(ctx, new_request(ctx, watch ? CMD_WATCH : CMD_UNWATCH, true), TIMEOUT_MS,
			  &reply);
	if (r)
		return r;
	if (ctx->json) {
		r = print_json(ctx, reply, false);
		json_decref(reply);
		return r;
	}
	root = watch ? json_string_value(json_object_get(json_object_get(reply, "watched"), "repo"))
		     : json_string_value(json_object_get(reply, "repo"));
	output_home_path(root ?: ctx->cwd, ctx->home, where, sizeof(where));
	if (!watch)
		printf("No longer watching %s.\n", where);
	else if (json_is_true(json_object_get(reply, "added")))
		printf("Watching %s: activity there with no session open starts one.\n", where);
	else
		printf("Already watching %s.\n", where);
	json_decref(reply);
	return 0;
}

static int cmd_notify(struct ctx *ctx, int argc, char **argv)
{
	const char *server, *reason;
	bool test;
	struct args a;
	json_t *reply;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest == 0)
		return usage_error(ctx->cmd, "notify needs a subcommand");
	if (strcmp(a.rest[0], "test") != 0 && strcmp(a.rest[0], "status") != 0)
		return usage_error(ctx->cmd, "unknown notify subcommand '%s'", a.rest[0]);
	if (a.nrest > 1)
		return usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	test = strcmp(a.rest[0], "test") == 0;
	/* A show can wait up to 25 s on a slow D-Bus. */
	if ((r = plain_command(ctx, new_request(ctx, test ? CMD_NOTIFY_TEST : CMD_STATUS, false),
			       30000, &reply)))
		return r;
	server = json_string_value(json_object_get(reply, "notify_server"));
	reason = json_string_value(json_object_get(reply, "notify_reason"));
	if (ctx->json) {
		json_t *out = json_pack("{s:i, s:O}", "v", STINT_PROTO_VERSION, "notify",
					json_object_get(reply, "notify"));

		if (out && server)
			json_object_set_new(out, "notify_server", json_string(server));
		if (out && reason)
			json_object_set_new(out, "notify_reason", json_string(reason));
		r = out ? print_json(ctx, out, false) : EXIT_REFUSED;
		json_decref(out);
	} else if (test) {
		printf("Sent a test notification to %s.\n", server ? server : "the desktop");
	} else {
		const char *state = json_string_value(json_object_get(reply, "notify"));

		if (state && strcmp(state, "ok") == 0)
			printf("Desktop notifications go to %s.\n",
			       server ? server : "the desktop");
		else if (state && strcmp(state, "disabled") == 0)
			printf("Desktop notifications are off ([notify] enabled = false).\n");
		else
			printf("Desktop notifications are unavailable: %s.\n",
			       reason ? reason : "unknown reason");
	}
	json_decref(reply);
	return r;
}

static int cmd_config(struct ctx *ctx, int argc, char **argv)
{
	char exe[PATH_MAX], err[PATH_MAX + 64];
	struct args a;
	int r;

	if ((r = parse_args(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest == 0)
		return usage_error(ctx->cmd, "config needs a subcommand");
	if (strcmp(a.rest[0], "check") != 0)
		return usage_error(ctx->cmd, "unknown config subcommand '%s'", a.rest[0]);
	if (a.nrest > 1)
		return usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (client_find_stintd(exe, sizeof(exe), err, sizeof(err)) < 0) {
		errorf("cannot check the configuration: %s", err);
		return EXIT_REFUSED;
	}
	fflush(stdout);
	/* stintd validates with the same code it runs: its verdict and exit status are ours. */
	execv(exe, (char *[]){exe, "--check-config", NULL});
	errorf("cannot run %s: %s", exe, strerror(errno));
	return EXIT_REFUSED;
}

static void print_version(void)
{
	struct client c = {.fd = -1};
	char err[1024], line[256];
	json_t *req, *reply = NULL;

	printf("stint %s\n", STINT_VERSION);
	fflush(stdout);
	/* Only a daemon already running: asking for a version must not start one. */
	req = proto_request_new(CMD_PING);
	if (req && client_connect(&c, false, err, sizeof(err)) == 0)
		reply = client_call(&c, req, TIMEOUT_VERSION_MS, err, sizeof(err));
	client_close(&c);
	json_decref(req);
	if (reply && proto_reply_is_ok(reply)) {
		output_daemon_line(json_object_get(reply, "daemon"), line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
}

#define OPTION_HELP                                                                                \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}
#define OPTION_JSON                                                                                \
	{                                                                                          \
		"json", no_argument, NULL, OPT_JSON                                                \
	}
#define OPTION_END                                                                                 \
	{                                                                                          \
		NULL, 0, NULL, 0                                                                   \
	}

static const struct option opts_start[] = {OPTION_HELP,
					   OPTION_JSON,
					   {"focus", required_argument, NULL, 'f'},
					   {"tag", required_argument, NULL, 't'},
					   OPTION_END};
static const struct option opts_basic[] = {OPTION_HELP, OPTION_JSON, OPTION_END};
static const struct option opts_stop[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"summary", required_argument, NULL, 's'},
					  {"no-log", no_argument, NULL, OPT_NO_LOG},
					  {"edit", no_argument, NULL, OPT_EDIT},
					  OPTION_END};
static const struct option opts_note[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"learning", no_argument, NULL, OPT_LEARNING},
					  {"challenge", no_argument, NULL, OPT_CHALLENGE},
					  OPTION_END};
static const struct option opts_todo[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"priority", required_argument, NULL, 'p'},
					  {"blocked-by", required_argument, NULL, OPT_BLOCKED_BY},
					  {"next", no_argument, NULL, OPT_NEXT},
					  OPTION_END};
static const struct option opts_decision[] = {
    OPTION_HELP, OPTION_JSON, {"why", required_argument, NULL, 'w'}, OPTION_END};
static const struct option opts_list[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"limit", required_argument, NULL, 'n'},
					  {"all", no_argument, NULL, 'a'},
					  OPTION_END};
static const struct option opts_log[] = {OPTION_HELP,
					 {"last", no_argument, NULL, OPT_LAST},
					 {"all", no_argument, NULL, 'a'},
					 OPTION_END};
static const struct option opts_help[] = {OPTION_HELP, OPTION_END};
static const struct option opts_watch[] = {
    OPTION_HELP, OPTION_JSON, {"list", no_argument, NULL, OPT_LIST}, OPTION_END};

#define HELP_C	  "  -C PATH             use the repository containing PATH, not the current one\n"
#define HELP_JSON "  --json              print the daemon's reply as JSON\n"
#define HELP_TEXT                                                                                  \
	"Words of TEXT are joined with spaces; TEXT '-' reads it from stdin (at most 8192\n"       \
	"bytes). Put '--' before TEXT that starts with '-'.\n"

static const struct command commands[] = {
    {"start", cmd_start, "hC:f:t:", opts_start,
     "stint start [--focus TEXT] [--tag TAG]... [-C PATH] [--json]",
     "Open a session for the repository you are in",
     "  -f, --focus TEXT    what the session is about (at most 256 bytes)\n"
     "  -t, --tag TAG       a tag without spaces or commas; repeat for more (up to 16)\n" HELP_C
	 HELP_JSON "\nThe session belongs to the root of the git working tree containing the\n"
     "directory (or to the directory itself outside git). One session per\n"
     "repository can be open at a time.\n"},
    {"status", cmd_status, "hC:", opts_basic, "stint status [-C PATH] [--json]",
     "Show the open sessions",
     "  -C PATH             only the session for the repository containing PATH\n"
     "  --json              print {\"v\":1,\"sessions\":[...],\"daemon\":{...}}\n"
     "\nWithout -C every open session is shown, wherever it is.\n"},
    {"stop", cmd_stop, "hC:s:", opts_stop,
     "stint stop [--summary TEXT] [--edit | --no-log] [-C PATH] [--json]",
     "Close the session and write its log",
     "  -s, --summary TEXT  a summary for the log ('-' reads stdin)\n"
     "  --edit              then open the log in $VISUAL, else $EDITOR, else vi\n"
     "                      (not with --no-log or --json)\n"
     "  --no-log            close without writing a log\n" HELP_C HELP_JSON
     "\nThe last line printed is the log's absolute path (none with --no-log).\n"
     "With --edit the editor's command line is run by /bin/sh, so it may hold\n"
     "arguments ('code --wait'); when it fails the session is stopped all the\n"
     "same, the log is kept and stint exits 0 after a warning.\n"},
    {"pause", cmd_simple, "hC:", opts_basic, "stint pause [-C PATH] [--json]",
     "Pause the session's clock", HELP_C HELP_JSON},
    {"resume", cmd_simple, "hC:", opts_basic, "stint resume [-C PATH] [--json]",
     "Resume a paused session", HELP_C HELP_JSON},
    {"keep", cmd_simple, "hC:", opts_basic, "stint keep [-C PATH] [--json]",
     "Count the session's current idle stretch as work",
     HELP_C HELP_JSON "\nFor a session that went idle while you were working away from the\n"
		      "repository (reading, a call): the time since its last activity counts as\n"
		      "active. The idle notification's Keep action does the same.\n"},
    {"cancel", cmd_simple, "hC:", opts_basic, "stint cancel [-C PATH] [--json]",
     "Close the session without writing a log",
     HELP_C HELP_JSON "\nThe session stays on record and shows in 'stint list' as cancelled.\n"},
    {"note", cmd_item, "hC:", opts_note,
     "stint note [--learning | --challenge] [-C PATH] [--json] TEXT...",
     "Add a note to the session",
     "  --learning          file it as something learned\n"
     "  --challenge         file it as a challenge met\n" HELP_C HELP_JSON "\n" HELP_TEXT},
    {"todo", cmd_todo, "hC:p:", opts_todo,
     "stint todo [--priority high|medium|low|blocked] [--blocked-by TEXT] [--next] [-C PATH] "
     "[--json] TEXT...",
     "Add a todo to the session",
     "  -p, --priority P    high, medium (the default), low or blocked\n"
     "  --blocked-by TEXT   what it waits for; implies --priority blocked\n"
     "  --next              for the next session: the log lists it under Next Steps,\n"
     "                      Immediate (Next Session), not under TODOs Created\n" HELP_C HELP_JSON
     "\n" HELP_TEXT},
    {"decision", cmd_item, "hC:w:", opts_decision,
     "stint decision [--why TEXT] [-C PATH] [--json] TEXT...",
     "Record a decision and its rationale",
     "  -w, --why TEXT      the rationale ('-' reads stdin)\n" HELP_C HELP_JSON "\n" HELP_TEXT},
    {"list", cmd_list, "hC:n:a", opts_list, "stint list [--limit N] [--all | -C PATH] [--json]",
     "List closed sessions, newest first",
     "  -n, --limit N       at most N sessions (1 to 1000; default 20)\n"
     "  -a, --all           sessions of every repository (the default)\n"
     "  -C PATH             only the repository containing PATH ('-C .': this one)\n" HELP_JSON
     "\nEach line shows the start date and time, the active time, the repository, the\n"
     "focus and the log's path. Without -C the list covers every repository, so it\n"
     "answers \"what did I do lately\" from anywhere.\n"},
    {"log", cmd_log, "hC:a", opts_log, "stint log [--last | DATE] [--all | -C PATH]",
     "Print the path of a session log",
     "  --last              the newest log (the default)\n"
     "  DATE                every log of that day (YYYY-MM-DD), oldest first\n"
     "  -a, --all           look in every repository, not only this one\n" HELP_C
     "\nPrints absolute paths, one per line; exits 1 when there is no such log. A\n"
     "day's logs are those of the sessions started that day (local time), among\n"
     "the 1000 most recent closed sessions. For example: $EDITOR \"$(stint log)\".\n"},
    {"watch", cmd_watch, "hC:", opts_watch,
     "stint watch [PATH | -C PATH] [--json] | --list [--json]",
     "Start sessions automatically on activity in a repository",
     "  PATH                the repository containing PATH (default: the current one)\n"
     "  --list              list the watched repositories and their state\n" HELP_JSON
     "\nWhile no session is open there, a change to the repository's files or a git\n"
     "operation starts one, dated from that first change. The repository stays\n"
     "watched (across restarts) until 'stint unwatch'. With [time] auto_start = true,\n"
     "every repository with a session in the last 30 days is watched too.\n"},
    {"unwatch", cmd_watch, "hC:", opts_basic, "stint unwatch [PATH | -C PATH] [--json]",
     "Stop watching a repository for activity",
     "  PATH                the repository containing PATH (default: the current one);\n"
     "                      it may have been deleted since\n" HELP_JSON},
    {"ping", cmd_ping, "h", opts_basic, "stint ping [--json]",
     "Show the daemon's version, pid and uptime (starting it if needed)", HELP_JSON},
    {"notify", cmd_notify, "h", opts_basic, "stint notify test|status [--json]",
     "Send a test notification, or say where notifications go",
     "  test                send one; exits 1 naming the cause when it cannot be shown\n"
     "  status              whether a notification server is reachable, and why not\n"
     "  --json              print {\"v\":1,\"notify\":\"ok|unavailable|disabled\",...}\n"},
    {"config", cmd_config, "h", opts_help, "stint config check",
     "Check stintd's configuration file",
     "Runs 'stintd --check-config' and exits with its status (0: the file is valid).\n"},
    {"help", NULL, "h", opts_help, "stint help [COMMAND]", "Show help for stint or a command", ""},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct command *command_lookup(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_main_help(FILE *out)
{
	fputs("usage: stint [-C PATH] COMMAND [OPTIONS]\n"
	      "       stint --version | --help\n"
	      "\nTrack work sessions per repository; stintd keeps the clock.\n"
	      "\nCommands:\n",
	      out);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputs("\nOptions:\n" HELP_C
	      "  --version           print the version of stint and of the running "
	      "stintd\n"
	      "  -h, --help          print this help\n"
	      "\nExit status: 0 done, 1 refused by stintd or stintd unreachable, 2 usage error.\n"
	      "Run 'stint help COMMAND' or 'stint COMMAND --help' for a command's options.\n",
	      out);
}

static int main_usage_error(void)
{
	fputs("usage: stint [-C PATH] COMMAND [OPTIONS]\n"
	      "Run 'stint help' for the list of commands.\n",
	      stderr);
	return EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_main_help(stdout);
		return 0;
	}
	cmd = command_lookup(argv[1]);
	if (!cmd || argc > 2) {
		errorf(cmd ? "help takes one command" : "unknown command '%s'", argv[1]);
		fputs("Run 'stint help' for the list of commands.\n", stderr);
		return EXIT_USAGE;
	}
	print_help(cmd);
	return 0;
}

static int run(int argc, char **argv)
{
	struct ctx ctx = {.home = getenv("HOME"), .pretty = isatty(STDOUT_FILENO) == 1};
	int i;

	/* Options before the command: -C PATH, --version, --help. */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (++i == argc) {
				errorf("option -C needs a PATH");
				return main_usage_error();
			}
			ctx.dir = argv[i];
		} else if (strncmp(argv[i], "-C", 2) == 0) {
			ctx.dir = argv[i] + 2;
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			print_version();
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_main_help(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			errorf("unknown option '%s'", argv[i]);
			return main_usage_error();
		}
	}
	if (i == argc)
		return main_usage_error();
	if (strcmp(argv[i], "version") == 0 && i + 1 == argc) {
		print_version();
		return 0;
	}
	ctx.cmd = command_lookup(argv[i]);
	if (!ctx.cmd) {
		errorf("unknown command '%s'", argv[i]);
		return main_usage_error();
	}
	if (!ctx.cmd->run)
		return cmd_help(argc - i, argv + i);
	return ctx.cmd->run(&ctx, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	int rc = run(argc, argv);

	/* Output that never arrived is a failure, even when the daemon did its part. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		errorf("cannot write to stdout: %s", strerror(errno));
		if (rc == 0)
			rc = EXIT_REFUSED;
	}
	return rc;
}
