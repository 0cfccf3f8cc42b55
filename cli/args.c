#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "suggest.h"
#include "timespec.h"
#include "timeutil.h"

static void args_print_usage(FILE *out, const struct cli_command *cmd)
{
	fprintf(out, "usage: %s\n", cmd->usage);
}

int args_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		output_verror(fmt, ap);
		va_end(ap);
	}
	args_print_usage(stderr, cmd);
	fprintf(stderr, "Run 'stint help %s' for details.\n", cmd->name);
	return EXIT_USAGE;
}

void args_print_help(const struct cli_command *cmd)
{
	printf("usage: %s\n\n%s.\n\n%s", cmd->usage, cmd->summary, cmd->help);
}

/*
 * getopt has said what was wrong; text like "- [ ] x" or "-5 ms" was meant as TEXT, so say how
 * to pass it.
 */
static void args_dash_hint(const struct cli_ctx *ctx, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] && !isalnum((unsigned char)argv[i][1]) &&
		    argv[i][1] != '-') {
			output_error("to pass text that starts with '-', put '--' before it: "
				     "stint %s -- '%s'",
				     ctx->cmd->name, argv[i]);
			return;
		}
}

/*
 * `--from yesterday 17:30` leaves "17:30" as an operand, and the user is told about a RANGE or
 * an unexpected argument. When an option's TIME and an operand read together as one TIME, say
 * to quote it.
 */
static int args_unquoted_time(struct cli_ctx *ctx, const struct args *a)
{
	const struct {
		const char *opt, *value;
	} opts[] = {/* the later option of a pair first: its value is nearer the operand */
		    {"--to", a->to},
		    {"--end", a->end},
		    {"--at", a->at},
		    {"--from", a->from},
		    {"--start", a->start}};
	int64_t now = time_wall_ms();
	char joined[256];

	for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++) {
		for (int k = 0; opts[i].value && k < a->nrest; k++) {
			if ((size_t)snprintf(joined, sizeof(joined), "%s %s", opts[i].value,
					     a->rest[k]) >= sizeof(joined) ||
			    !timespec_is_time(joined, now))
				continue;
			return args_usage_error(ctx->cmd,
						"%s %s: a TIME with a space is one argument: quote "
						"it, as in %s '%s'",
						opts[i].opt, opts[i].value, opts[i].opt, joined);
		}
	}
	return 0;
}

const char *args_did_you_mean(const char *word, const char *const *words, char *buf, size_t n)
{
	struct suggest s;

	suggest_init(&s, word);
	for (; *words; words++)
		suggest_consider(&s, *words);
	if (n < 3 || !suggest_format(&s, "", buf + 2, n - 2))
		return n ? (buf[0] = '\0', buf) : "";
	memcpy(buf, "; ", 2);
	return buf;
}

void args_suggest_word(const char *word, const char *prefix, const char *const *words)
{
	char line[256];
	struct suggest s;

	suggest_init(&s, word);
	for (; *words; words++)
		suggest_consider(&s, *words);
	if (suggest_format(&s, prefix, line, sizeof(line)))
		output_error("%s", line);
}

/*
 * getopt has said "unrecognized option '--no-lgo'": add the command's options nearest to it. An
 * unknown long option is the one case where getopt leaves optopt 0 with no option of the command
 * starting with the name (an ambiguous prefix has several, and getopt lists them).
 */
static void args_suggest_option(const struct cli_ctx *ctx, int argc, char **argv)
{
	char name[SUGGEST_MAX_WORD + 1], line[256];
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	struct suggest s;
	size_t len;

	if (optopt != 0 || !arg || strncmp(arg, "--", 2) != 0)
		return;
	len = strcspn(arg + 2, "=");
	if (len == 0 || len > SUGGEST_MAX_WORD)
		return;
	memcpy(name, arg + 2, len);
	name[len] = '\0';
	for (const struct option *o = ctx->cmd->longopts; o->name; o++)
		if (strncmp(o->name, name, len) == 0)
			return;
	suggest_init(&s, name);
	for (const struct option *o = ctx->cmd->longopts; o->name; o++)
		suggest_consider(&s, o->name);
	if (suggest_format(&s, "--", line, sizeof(line)))
		output_error("%s", line);
}

int args_bad_option(struct cli_ctx *ctx, int argc, char **argv)
{
	/* getopt said which on stderr; --json's error document says it too. */
	if (optopt > 0 && optopt < 128)
		output_error_note("invalid option -%c, or its value missing", optopt);
	else if (optind > 0 && optind <= argc)
		output_error_note("unrecognized option '%s'", argv[optind - 1]);
	args_suggest_option(ctx, argc, argv);
	args_dash_hint(ctx, argc, argv);
	return args_usage_error(ctx->cmd, NULL);
}

int args_parse(struct cli_ctx *ctx, int argc, char **argv, struct args *a)
{
	/* main.c's guess from the words; getopt knows better ("--why --json" is a value). */
	bool guessed_json = ctx->json;
	int c;
	char *end;

	ctx->json = false;
	memset(a, 0, sizeof(*a));
	snprintf(ctx->prog, sizeof(ctx->prog), "stint %s", ctx->cmd->name);
	argv[0] = ctx->prog;
	optind = 1;
	while ((c = getopt_long(argc, argv, ctx->cmd->shortopts, ctx->cmd->longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			args_print_help(ctx->cmd);
			return -1;
		case 'C':
			ctx->dir = optarg;
			break;
		case ARGS_OPT_JSON:
			ctx->json = true;
			break;
		case 'f':
			a->focus = optarg;
			break;
		case 't':
			if (a->ntags == PROTO_MAX_TAGS)
				return args_usage_error(ctx->cmd, "at most %d tags",
							PROTO_MAX_TAGS);
			a->tags[a->ntags++] = optarg;
			break;
		case 's':
			a->summary = optarg;
			break;
		case ARGS_OPT_NO_LOG:
			a->no_log = true;
			break;
		case ARGS_OPT_LEARNING:
		case ARGS_OPT_CHALLENGE:
			if (a->kind)
				return args_usage_error(
				    ctx->cmd, "--learning and --challenge exclude each other");
			a->kind = c == ARGS_OPT_LEARNING ? "learning" : "challenge";
			break;
		case 'p':
			if (proto_priority_lookup(optarg) < 0) {
				const char *const prios[] = {
				    proto_priority_name(PROTO_PRIO_HIGH),
				    proto_priority_name(PROTO_PRIO_MEDIUM),
				    proto_priority_name(PROTO_PRIO_LOW),
				    proto_priority_name(PROTO_PRIO_BLOCKED), NULL};
				char mean[128];

				return args_usage_error(
				    ctx->cmd,
				    "--priority must be high, medium, low or blocked, "
				    "not '%s'%s",
				    optarg, args_did_you_mean(optarg, prios, mean, sizeof(mean)));
			}
			a->priority = optarg;
			break;
		case ARGS_OPT_BLOCKED_BY:
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
				return args_usage_error(
				    ctx->cmd, "--limit must be a number from 1 to %d, not '%s'",
				    PROTO_MAX_LIST, optarg);
			break;
		case 'a':
			a->all = true;
			break;
		case ARGS_OPT_NEXT:
			a->next = true;
			break;
		case ARGS_OPT_EDIT:
			a->edit = true;
			break;
		case ARGS_OPT_LAST:
			a->last = true;
			break;
		case ARGS_OPT_LIST:
			a->list = true;
			break;
		case ARGS_OPT_NO_CHECKS:
			a->no_checks = true;
			break;
		case ARGS_OPT_FROM:
			a->from = optarg;
			break;
		case ARGS_OPT_TO:
			a->to = optarg;
			break;
		case ARGS_OPT_BY:
			a->by = optarg;
			break;
		case ARGS_OPT_CSV:
			a->csv = true;
			break;
		case ARGS_OPT_AT:
			a->at = optarg;
			break;
		case ARGS_OPT_START:
			a->start = optarg;
			break;
		case ARGS_OPT_END:
			a->end = optarg;
			break;
		case ARGS_OPT_UNTAG:
			if (a->nuntags == PROTO_MAX_TAGS)
				return args_usage_error(ctx->cmd, "at most %d tags",
							PROTO_MAX_TAGS);
			a->untags[a->nuntags++] = optarg;
			break;
		case ARGS_OPT_REGENERATE:
			a->regenerate = optarg;
			break;
		case ARGS_OPT_LOGS:
			a->logs = true;
			break;
		case ARGS_OPT_FORMAT:
			a->format = optarg;
			break;
		case ARGS_OPT_REPO:
			a->repo = optarg;
			break;
		case ARGS_OPT_SHORT:
			a->short_form = true;
			break;
		default:
			ctx->json = guessed_json;
			return args_bad_option(ctx, argc, argv);
		}
	}
	a->nrest = argc - optind;
	a->rest = argv + optind;
	return args_unquoted_time(ctx, a);
}

int args_range(struct cli_ctx *ctx, const struct args *a, const char *default_word, int64_t now_ms,
	       bool *have, int64_t *from, int64_t *to, const char **word)
{
	const char *w = a->nrest > 0 ? a->rest[0] : NULL;
	char err[256];

	*have = false;
	*word = NULL;
	if (a->nrest > 1)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a->rest[1]);
	if (w && (a->from || a->to))
		return args_usage_error(ctx->cmd, "RANGE '%s' and --from/--to exclude each other",
					w);
	if (a->to && !a->from)
		return args_usage_error(ctx->cmd, "--to needs --from");
	if (a->from) {
		if (timespec_parse_time(a->from, now_ms, from, err, sizeof(err)) < 0)
			return args_usage_error(ctx->cmd, "--from: %s", err);
		*to = now_ms + 1;
		if (a->to && timespec_parse_time(a->to, now_ms, to, err, sizeof(err)) < 0)
			return args_usage_error(ctx->cmd, "--to: %s", err);
		if (timespec_check_range(*from, *to, err, sizeof(err)) < 0)
			return args_usage_error(ctx->cmd, "%s", err);
		*have = true;
		return 0;
	}
	if (!w && !default_word)
		return 0;
	if (!w)
		w = default_word;
	if (timespec_parse_range(w, now_ms, from, to, err, sizeof(err)) < 0)
		return args_usage_error(ctx->cmd, "%s", err);
	*have = true;
	*word = w;
	return 0;
}

/* Whether the command takes --NAME. */
static bool args_has_option(const struct cli_command *cmd, const char *name)
{
	for (const struct option *o = cmd ? cmd->longopts : NULL; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return true;
	return false;
}

int args_no_operands(struct cli_ctx *ctx, const struct args *a)
{
	const char *w = a->nrest > 0 ? a->rest[0] : NULL;

	if (!w)
		return 0;
	/* Timewarrior's and Watson's habits: `start backend +urgent`. */
	if (w[0] == '+' && w[1] && args_has_option(ctx->cmd, "tag"))
		return args_usage_error(ctx->cmd,
					"unexpected argument '%s' (a tag goes after --tag: "
					"--tag %s)",
					w, w + 1);
	if (w[0] != '-' && args_has_option(ctx->cmd, "focus"))
		return args_usage_error(ctx->cmd,
					"unexpected argument '%s' (what you work on goes after "
					"--focus: --focus \"%s\")",
					w, w);
	return args_usage_error(ctx->cmd, "unexpected argument '%s'", w);
}

int args_current_dir(char *buf, size_t n)
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
static int args_resolve_gone(const char *path, char *out, size_t n)
{
	char abs[2 * PATH_MAX + 2], norm[2 * PATH_MAX + 2], prefix[2 * PATH_MAX + 2];
	char real[PATH_MAX], *tok, *save, *slash;
	const char *tail;
	size_t len = 0;
	int r;

	if (path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", path);
	} else {
		r = args_current_dir(real, sizeof(real));
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
 * The commands about an open session, and unwatch: stintd finds the session (or watch) of a
 * repository deleted since by its old path. Any other command needs the path to exist.
 */
static bool args_gone_ok(const struct cli_command *cmd)
{
	static const char *const names[] = {"stop", "cancel",	"pause", "resume", "keep",   "note",
					    "todo", "decision", "edit",	 "status", "unwatch"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(cmd->name, names[i]) == 0)
			return true;
	return false;
}

void args_path_error(struct cli_ctx *ctx, const char *path, int err)
{
	ctx->err_code = PROTO_ERR_BAD_PATH;
	output_error("%s%s: %s", ctx->dir_operand ? "" : "-C ", path, strerror(err));
}

int args_path_exists(struct cli_ctx *ctx, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return 0;
	ctx->err_code = PROTO_ERR_BAD_PATH;
	output_error("%s: %s", path, strerror(errno));
	return EXIT_USAGE;
}

int args_resolve_cwd(struct cli_ctx *ctx)
{
	struct stat st;
	int r;

	ctx->gone = false;
	if (ctx->dir) {
		if (!realpath(ctx->dir, ctx->cwd)) {
			r = -errno;
			if (r != -ENOENT || !args_gone_ok(ctx->cmd) ||
			    (r = args_resolve_gone(ctx->dir, ctx->cwd, sizeof(ctx->cwd))) < 0) {
				args_path_error(ctx, ctx->dir, -r);
				return EXIT_USAGE;
			}
			ctx->gone = true;
		} else if (stat(ctx->cwd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			args_path_error(ctx, ctx->dir, ENOTDIR);
			return EXIT_USAGE;
		}
	} else {
		r = args_current_dir(ctx->cwd, sizeof(ctx->cwd));
		if (r < 0) {
			output_error("cannot find the current directory: %s", strerror(-r));
			return EXIT_REFUSED;
		}
	}
	if (strlen(ctx->cwd) > PROTO_MAX_PATH) {
		output_error("the directory's path is longer than %d bytes", PROTO_MAX_PATH);
		return EXIT_USAGE;
	}
	return 0;
}

/* Reads all of stdin, at most max bytes once trailing newlines are dropped. NULL on error. */
static char *args_read_stdin(struct cli_ctx *ctx, const char *what, size_t max)
{
	size_t cap = max + 3, len = 0;
	char *buf;
	ssize_t r;

	if (ctx->stdin_taken) {
		args_usage_error(ctx->cmd, "only one argument can be '-' (read from stdin)");
		return NULL;
	}
	ctx->stdin_taken = true;
	buf = malloc(cap);
	if (!buf) {
		output_error("out of memory");
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
			output_error("cannot read %s from stdin: %s", what, strerror(errno));
			free(buf);
			return NULL;
		}
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		output_error("%s from stdin contains a NUL byte", what);
		free(buf);
		return NULL;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len > max) {
		output_error("%s from stdin is longer than %zu bytes", what, max);
		free(buf);
		return NULL;
	}
	return buf;
}

json_t *args_text_value(struct cli_ctx *ctx, const char *what, const char *s, size_t max,
			bool multiline)
{
	char *owned = NULL;
	size_t len;
	json_t *v;

	if (strcmp(s, "-") == 0) {
		owned = args_read_stdin(ctx, what, max);
		if (!owned)
			return NULL;
		s = owned;
	}
	len = strlen(s);
	v = NULL;
	if (len == 0) {
		output_error("%s must not be empty", what);
	} else if (proto_is_blank(s)) {
		/* stintd would refuse it too, but as a refusal (1): it is the command line's fault.
		 */
		output_error("%s must not be blank (spaces only)", what);
	} else if (len > max) {
		output_error("%s is %zu bytes long; at most %zu are allowed", what, len, max);
	} else {
		for (const char *p = s; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if ((c < 0x20 && c != '\t' && !(multiline && c == '\n')) || c == 0x7f) {
				output_error("%s may not contain control characters%s", what,
					     multiline ? " other than newlines and tabs" : "");
				free(owned);
				return NULL;
			}
		}
		v = json_string(s);
		if (!v)
			output_error("%s is not valid UTF-8", what);
	}
	free(owned);
	return v;
}

json_t *args_words_value(struct cli_ctx *ctx, const char *what, int n, char **words)
{
	size_t len = 0, off = 0;
	json_t *v;
	char *s;

	if (n == 0) {
		args_usage_error(ctx->cmd, "%s needs TEXT", ctx->cmd->name);
		return NULL;
	}
	if (n == 1)
		return args_text_value(ctx, what, words[0], PROTO_MAX_TEXT, true);
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s) {
		output_error("out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);

		memcpy(s + off, words[i], wl);
		off += wl;
		s[off++] = i + 1 < n ? ' ' : '\0';
	}
	v = args_text_value(ctx, what, s, PROTO_MAX_TEXT, true);
	free(s);
	return v;
}

/* --tag or --untag values, each checked. */
static json_t *args_tag_list(const char *const *tags, size_t ntags)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < ntags; i++) {
		const char *t = tags[i];
		size_t len = strlen(t);
		json_t *v;

		if (len == 0 || len > PROTO_MAX_TAG) {
			output_error("tag '%s' must be 1 to %d bytes long", t, PROTO_MAX_TAG);
			goto fail;
		}
		for (const char *p = t; *p; p++) {
			if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == ',') {
				output_error("tag '%s' may not contain spaces, commas or control "
					     "characters; give --tag once per tag",
					     t);
				goto fail;
			}
		}
		v = json_string(t);
		if (!v) {
			output_error("tag '%s' is not valid UTF-8", t);
			goto fail;
		}
		json_array_append_new(arr, v);
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *args_tags_value(struct cli_ctx *ctx, const struct args *a)
{
	(void)ctx;
	return args_tag_list(a->tags, a->ntags);
}

json_t *args_untags_value(struct cli_ctx *ctx, const struct args *a)
{
	(void)ctx;
	return args_tag_list(a->untags, a->nuntags);
}

json_t *args_time_value(struct cli_ctx *ctx, const char *opt, const char *s, int64_t now_ms)
{
	char err[256];
	int64_t ms;

	if (timespec_parse_time(s, now_ms, &ms, err, sizeof(err)) < 0) {
		args_usage_error(ctx->cmd, "%s: %s", opt, err);
		return NULL;
	}
	return json_integer(ms);
}

json_t *args_id_value(struct cli_ctx *ctx, const char *s)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(s, &end, 10);
	if (errno || end == s || *end || id < 1) {
		args_usage_error(ctx->cmd,
				 "ID must be a session id (a positive number, see 'stint "
				 "list'), not '%s'",
				 s);
		return NULL;
	}
	return json_integer(id);
}
