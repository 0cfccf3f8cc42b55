/* stint __complete: one completion engine for bash, zsh and fish (as cobra's __complete). */

#include "cmd_complete.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "protocol.h"
#include "report_group.h"
#include "status_format.h"
#include "timespec.h"
#include "timeutil.h"
#include "utf8.h"

/* A shell that hangs on TAB is worse than one without ids: stintd gets this long to answer. */
#define COMPLETE_TIMEOUT_MS 1000
/* Closed sessions offered for an ID, newest first. */
#define COMPLETE_MAX_IDS 100
/* A description's longest, in bytes (cut at a character). */
#define COMPLETE_DESC_MAX 96

enum complete_kind {
	COMPLETE_TEXT, /* free text, a TIME, a number: nothing to offer */
	COMPLETE_DIR,
	COMPLETE_FILE,
	COMPLETE_COMMAND,
	COMPLETE_PRIORITY,
	COMPLETE_BY,
	COMPLETE_RANGE,
	COMPLETE_EXPORT_FORMAT,
	COMPLETE_STATUS_FORMAT, /* a template (nothing to offer) or a preset's name */
	COMPLETE_SUBCOMMAND,	/* the command's own words (import, notify, config) */
	COMPLETE_ID,
	COMPLETE_TAG,
	COMPLETE_WATCHED,
	COMPLETE_REPORT_OPERAND, /* a RANGE, or the PATH of --logs */
};

/*
 * What the value of each option that takes one is; cmd NULL: that option of every command.
 * Every such option of the command table must have a row (tests/integration/test_completion.sh).
 */
static const struct complete_value {
	const char *cmd, *opt;
	enum complete_kind kind;
} complete_values[] = {
    {NULL, "-C", COMPLETE_DIR},
    {NULL, "--focus", COMPLETE_TEXT},
    {NULL, "--tag", COMPLETE_TAG},
    {NULL, "--untag", COMPLETE_TAG},
    {NULL, "--at", COMPLETE_TEXT},
    {NULL, "--start", COMPLETE_TEXT},
    {NULL, "--end", COMPLETE_TEXT},
    {NULL, "--from", COMPLETE_TEXT},
    {NULL, "--to", COMPLETE_TEXT},
    {"stop", "--summary", COMPLETE_TEXT},
    {"todo", "--priority", COMPLETE_PRIORITY},
    {"todo", "--blocked-by", COMPLETE_TEXT},
    {"decision", "--why", COMPLETE_TEXT},
    {"list", "--limit", COMPLETE_TEXT},
    {"report", "--by", COMPLETE_BY},
    {"export", "--format", COMPLETE_EXPORT_FORMAT},
    {"status", "--format", COMPLETE_STATUS_FORMAT},
    {"log", "--regenerate", COMPLETE_ID},
    {"import", "--repo", COMPLETE_TEXT},
};

/* The operands of a command (the words that are not options), by position. */
static const struct complete_operand {
	const char *cmd;
	int pos;
	enum complete_kind kind;
} complete_operands[] = {
    {"help", 0, COMPLETE_COMMAND},
    {"notify", 0, COMPLETE_SUBCOMMAND},
    {"config", 0, COMPLETE_SUBCOMMAND},
    {"import", 0, COMPLETE_SUBCOMMAND},
    {"import", 1, COMPLETE_FILE},
    {"edit", 0, COMPLETE_ID},
    {"list", 0, COMPLETE_RANGE},
    {"export", 0, COMPLETE_RANGE},
    {"report", 0, COMPLETE_REPORT_OPERAND},
    {"report", 1, COMPLETE_REPORT_OPERAND},
    {"watch", 0, COMPLETE_DIR},
    {"unwatch", 0, COMPLETE_WATCHED},
};

/* The words of the subcommands; their descriptions come from the command's help. */
static const struct complete_words {
	const char *cmd;
	const char *const words[3];
} complete_subcommands[] = {
    {"notify", {"test", "status"}},
    {"config", {"check"}},
    {"import", {"timewarrior", "watson"}},
};

static const char *const complete_ranges[] = {
    "today", "yesterday", "week", "last-week", "month", "last-month", "year", "all",
};
static const char *const complete_formats[] = {"json", "csv", "timewarrior"};

/* One line of commands_dump: an option of a command ("" before the command). */
struct complete_opt {
	const char *cmd, *lng, *shrt; /* lng or shrt "" when it has none */
	bool arg;
};

struct complete_table {
	char *text; /* commands_dump's output, split in place */
	struct complete_opt *rows;
	size_t n;
};

/* Where the command line stands before its last word. */
struct complete_state {
	const struct cli_command *cmd;
	const char *cmdname;		    /* "" before the command */
	const struct complete_opt *pending; /* the next word is this option's value */
	const char *operands[2];
	int noperands;
	bool dashdash, logs;
};

/* What the last word holds: lead (printed before each candidate, "--by=") and cur after it. */
struct complete_out {
	const char *lead, *cur;
	const char *directive;
};

static void complete_table_free(struct complete_table *t)
{
	free(t->text);
	free(t->rows);
}

/* The command table's options, as 'stint __commands' prints them. Returns 0 or -1. */
static int complete_table_load(struct complete_table *t)
{
	size_t len = 0, cap = 0;
	char *line, *next;
	FILE *f;

	*t = (struct complete_table){0};
	if (!(f = open_memstream(&t->text, &len)))
		return -1;
	commands_dump(f);
	if (fclose(f) != 0)
		return -1;
	for (line = t->text; line && *line; line = next) {
		char *field[4];
		int k = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (field[k++] = line; k < 4 && (field[k] = strchr(field[k - 1], '\t')); k++)
			*field[k]++ = '\0';
		if (k < 4 || strchr(field[3], '\t'))
			continue;
		if (t->n == cap) {
			struct complete_opt *r;

			cap = cap ? cap * 2 : 128;
			if (!(r = realloc(t->rows, cap * sizeof(*r))))
				return -1;
			t->rows = r;
		}
		t->rows[t->n++] =
		    (struct complete_opt){field[0], field[1], field[2], *field[3] != '\0'};
	}
	return 0;
}

/* The long option name (len bytes, "--" included) of cmd, or its unique abbreviation. */
static const struct complete_opt *complete_find_long(const struct complete_table *t,
						     const char *cmd, const char *name, size_t len)
{
	const struct complete_opt *found = NULL;
	int matches = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct complete_opt *o = &t->rows[i];

		if (strcmp(o->cmd, cmd) != 0 || !*o->lng || strncmp(o->lng, name, len) != 0)
			continue;
		if (o->lng[len] == '\0')
			return o;
		found = o;
		matches++;
	}
	return matches == 1 && len > 2 ? found : NULL;
}

static const struct complete_opt *complete_find_short(const struct complete_table *t,
						      const char *cmd, char c)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].cmd, cmd) == 0 && t->rows[i].shrt[0] &&
		    t->rows[i].shrt[1] == c)
			return &t->rows[i];
	return NULL;
}

/* Takes in an option word before the last one, as getopt_long would. */
static void complete_option_word(const struct complete_table *t, struct complete_state *st,
				 const char *w)
{
	const struct complete_opt *o;

	if (w[1] == '-') {
		const char *eq = strchr(w, '=');

		o = complete_find_long(t, st->cmdname, w, eq ? (size_t)(eq - w) : strlen(w));
		if (o && strcmp(o->lng, "--logs") == 0)
			st->logs = true;
		if (o && o->arg && !eq)
			st->pending = o;
		return;
	}
	/* A cluster of short options; the first that takes a value ends it. */
	for (const char *p = w + 1; *p; p++) {
		if (!(o = complete_find_short(t, st->cmdname, *p)))
			return;
		if (o->arg) {
			if (p[1] == '\0')
				st->pending = o;
			return;
		}
	}
}

/* Reads the words before the last. Returns false for an unknown command: nothing to offer. */
static bool complete_walk(const struct complete_table *t, struct complete_state *st, int n,
			  char **words)
{
	*st = (struct complete_state){.cmdname = ""};
	for (int i = 0; i < n; i++) {
		const char *w = words[i];

		if (st->pending) {
			st->pending = NULL;
		} else if (!st->dashdash && w[0] == '-' && w[1] != '\0') {
			/* Before the command "--" only ends main's options. */
			if (strcmp(w, "--") == 0)
				st->dashdash = st->cmd != NULL;
			else
				complete_option_word(t, st, w);
		} else if (!st->cmd) {
			if (!(st->cmd = commands_lookup(w)))
				return false;
			st->cmdname = st->cmd->name;
		} else {
			if (st->noperands < 2)
				st->operands[st->noperands] = w;
			st->noperands++;
		}
	}
	return true;
}

/* Text fit for a line of the output: valid UTF-8 without control characters (TAB, LF). */
static bool complete_clean(const char *s)
{
	size_t n = strlen(s), len;
	uint32_t cp;

	for (size_t i = 0; i < n; i += len) {
		len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || utf8_is_control(cp))
			return false;
	}
	return true;
}

/* Prints desc on one line: control characters as spaces; a long one cut after a word, with
 * "…". */
static void complete_put_desc(const char *desc)
{
	size_t n = strlen(desc), len, cut = n;
	uint32_t cp;

	if (n > COMPLETE_DESC_MAX) {
		for (cut = COMPLETE_DESC_MAX - 4; cut > COMPLETE_DESC_MAX / 2 && desc[cut] != ' ';
		     cut--)
			;
		while (cut > 0 && ((unsigned char)desc[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i += len) {
		len = utf8_decode((const unsigned char *)desc + i, cut - i, &cp);
		if (len == 0)
			break;
		if (cp < 0x20 || utf8_is_control(cp))
			putchar(' ');
		else
			fwrite(desc + i, 1, len, stdout);
	}
	if (cut < n)
		fputs(" …", stdout);
}

static void complete_emit(const struct complete_out *o, const char *cand, const char *desc)
{
	if (!cand || !*cand || strncmp(cand, o->cur, strlen(o->cur)) != 0 ||
	    !complete_clean(cand) || !complete_clean(o->lead))
		return;
	printf("%s%s", o->lead, cand);
	if (desc && *desc) {
		putchar('\t');
		complete_put_desc(desc);
	}
	putchar('\n');
}

/* The lines after end that go on with an item's text (indented past its left column). */
static void complete_help_more(char *buf, size_t n, const char *end)
{
	while (*end == '\n' && strncmp(end + 1, "      ", 6) == 0) {
		const char *line = end + 1, *stop = strchr(line, '\n');
		size_t have = strlen(buf);

		while (*line == ' ')
			line++;
		stop = stop ? stop : line + strlen(line);
		if (have + 1 >= n)
			return;
		snprintf(buf + have, n - have, " %.*s", (int)(stop - line), line);
		end = stop;
	}
}

/*
 * The description of word in a command's help: the rest of the item whose left column (up to
 * two spaces) names it, as "  -f, --focus TEXT    what the session is about" does, with the
 * lines that go on with it.
 */
static bool complete_help_desc(const char *help, const char *word, char *buf, size_t n)
{
	size_t wl = strlen(word);

	for (const char *line = help; line && *line;) {
		const char *end = strchr(line, '\n'), *spec = line + 2, *gap;

		end = end ? end : line + strlen(line);
		gap = strstr(spec, "  ");
		if (strncmp(line, "  ", 2) == 0 && line[2] != ' ' && gap && gap < end) {
			for (const char *p = spec; p + wl <= gap; p++) {
				if (strncmp(p, word, wl) != 0 || (p > spec && p[-1] != ' ') ||
				    (p + wl < gap && p[wl] != ' ' && p[wl] != ','))
					continue;
				while (*gap == ' ')
					gap++;
				snprintf(buf, n, "%.*s", (int)(end - gap), gap);
				complete_help_more(buf, n, end);
				return true;
			}
		}
		line = *end ? end + 1 : NULL;
	}
	return false;
}

static void complete_emit_help(const struct complete_out *o, const struct cli_command *cmd,
			       const char *cand)
{
	char desc[512];

	const char *d = cmd && complete_help_desc(cmd->help, cand, desc, sizeof(desc)) ? desc
			: strcmp(cand, "--help") == 0 ? "show this command's help"
						      : NULL;

	complete_emit(o, cand, d);
}

static void complete_commands(const struct complete_out *o)
{
	for (const struct cli_command *c = commands_table; c->name; c++)
		complete_emit(o, c->name, c->summary);
}

static void complete_options(const struct complete_table *t, const struct complete_state *st,
			     const struct complete_out *o)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct complete_opt *r = &t->rows[i];

		if (strcmp(r->cmd, st->cmdname) != 0)
			continue;
		complete_emit_help(o, st->cmd, *r->lng ? r->lng : r->shrt);
		/* "-f" typed out is complete as it stands. */
		if (*r->lng && *r->shrt && strcmp(o->cur, r->shrt) == 0)
			complete_emit_help(o, st->cmd, r->shrt);
	}
}

static void complete_list(const struct complete_out *o, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n && words[i]; i++)
		complete_emit(o, words[i], NULL);
}

/* --by DIM or DIM,DIM: the second one after the comma, other than the first. */
static void complete_by(const struct complete_out *o)
{
	const char *comma = strchr(o->cur, ',');
	char lead[64], first[32];
	struct complete_out two = *o;
	int dim = -1;

	if (comma) {
		if ((size_t)(comma - o->cur) >= sizeof(first))
			return;
		snprintf(first, sizeof(first), "%.*s", (int)(comma - o->cur), o->cur);
		if ((dim = report_dim_lookup(first)) < 0 ||
		    snprintf(lead, sizeof(lead), "%s%s,", o->lead, first) >= (int)sizeof(lead))
			return;
		two.lead = lead;
		two.cur = comma + 1;
	}
	for (int i = 0; i < REPORT_BY__COUNT; i++)
		if (i != dim)
			complete_emit(&two, report_dim_name((enum report_dim)i), NULL);
}

/* stintd's reply to req when one is running (never started for a completion); else NULL. */
static json_t *complete_ask(json_t *req)
{
	struct client c = {.fd = -1};
	char err[512];
	json_t *reply = NULL;

	if (req && client_connect(&c, false, err, sizeof(err)) == 0)
		reply = client_call(&c, req, COMPLETE_TIMEOUT_MS, err, sizeof(err));
	client_close(&c);
	json_decref(req);
	if (reply && !proto_reply_is_ok(reply)) {
		json_decref(reply);
		reply = NULL;
	}
	return reply;
}

static const char *complete_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Closed sessions, newest first, described by date, time, focus and repository. */
static void complete_ids(const struct complete_out *o, bool regenerate)
{
	json_t *req = proto_request_new(PROTO_CMD_LIST), *reply, *s;
	size_t i;

	if (req && json_object_set_new(req, "limit", json_integer(COMPLETE_MAX_IDS)) < 0) {
		json_decref(req);
		return;
	}
	reply = complete_ask(req);
	json_array_foreach(json_object_get(reply, "sessions"), i, s)
	{
		const char *at = complete_str(s, "started_at"), *focus = complete_str(s, "focus");
		const char *repo = complete_str(s, "repo_name"),
			   *origin = complete_str(s, "origin");
		json_t *id = json_object_get(s, "id");
		char cand[24], desc[COMPLETE_DESC_MAX * 2];

		/* Only a tracked, stopped session has events to render a log from. */
		if (regenerate && (!complete_str(s, "state") ||
				   strcmp(complete_str(s, "state"), "stopped") != 0 ||
				   (origin && strcmp(origin, "tracked") != 0)))
			continue;
		if (!json_is_integer(id) || json_integer_value(id) < 1 || !at || strlen(at) < 16)
			continue;
		snprintf(cand, sizeof(cand), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
		snprintf(desc, sizeof(desc), "%.10s %.5s %s (%s)", at, at + 11,
			 focus ? focus : "(no focus)", repo ? repo : "?");
		complete_emit(o, cand, desc);
	}
	json_decref(reply);
}

/* Tags in use: those of the closed sessions (a report by tag of all time) and the open ones. */
static void complete_tags(const struct complete_out *o)
{
	json_t *req = proto_request_new(PROTO_CMD_REPORT), *reply, *seen = json_object(), *v, *g;
	const char *key;
	size_t i, j;

	if (!seen || !req || json_object_set_new(req, "from", json_integer(0)) < 0 ||
	    json_object_set_new(req, "to", json_integer(time_wall_ms() + 1)) < 0 ||
	    json_object_set_new(req, "by", json_pack("[s]", "tag")) < 0) {
		json_decref(req);
		json_decref(seen);
		return;
	}
	reply = complete_ask(req);
	json_array_foreach(json_object_get(json_object_get(reply, "report"), "groups"), i, g)
	{
		key = complete_str(g, "key");
		/* "(no tag)" has a space, which no tag has. */
		if (key && !strchr(key, ' '))
			json_object_set(seen, key, json_true());
	}
	json_decref(reply);
	reply = complete_ask(proto_request_new(PROTO_CMD_STATUS));
	json_array_foreach(json_object_get(reply, "sessions"), i, g)
	{
		json_array_foreach(json_object_get(g, "tags"), j, v)
		{
			if (json_string_value(v))
				json_object_set(seen, json_string_value(v), json_true());
		}
	}
	json_decref(reply);
	json_object_foreach(seen, key, v)
	{
		complete_emit(o, key, NULL);
	}
	json_decref(seen);
}

/* The watched repositories: as ~/... when the word starts so, else absolute. */
static void complete_watched(const struct complete_out *o)
{
	const char *home = getenv("HOME");
	size_t hl = home ? strlen(home) : 0;
	json_t *reply = complete_ask(proto_request_new(PROTO_CMD_WATCHED)), *w;
	char tilde[PROTO_MAX_PATH + 2];
	size_t i;

	json_array_foreach(json_object_get(reply, "repos"), i, w)
	{
		const char *repo = complete_str(w, "repo"), *cand = repo;

		if (!repo)
			continue;
		if (o->cur[0] == '~' && hl > 1 && home[0] == '/' && strncmp(repo, home, hl) == 0 &&
		    repo[hl] == '/' &&
		    snprintf(tilde, sizeof(tilde), "~%s", repo + hl) < (int)sizeof(tilde))
			cand = tilde;
		complete_emit(o, cand, complete_str(w, "state"));
	}
	json_decref(reply);
}

/* report's operands: one RANGE, and with --logs one PATH, in either order. */
static void complete_report_operand(const struct complete_state *st, struct complete_out *o)
{
	bool range = false;
	int paths = 0;

	for (int i = 0; i < st->noperands && i < 2; i++) {
		if (timespec_is_range(st->operands[i]))
			range = true;
		else
			paths++;
	}
	if (!range)
		complete_list(o, complete_ranges,
			      sizeof(complete_ranges) / sizeof(*complete_ranges));
	if (st->logs && paths == 0)
		o->directive = ":dirs";
}

static void complete_subcommand(const struct complete_state *st, const struct complete_out *o)
{
	for (size_t i = 0; i < sizeof(complete_subcommands) / sizeof(*complete_subcommands); i++) {
		if (strcmp(complete_subcommands[i].cmd, st->cmdname) != 0)
			continue;
		for (size_t k = 0; k < 3 && complete_subcommands[i].words[k]; k++)
			complete_emit_help(o, st->cmd, complete_subcommands[i].words[k]);
	}
}

static void complete_kind(enum complete_kind kind, const struct complete_state *st,
			  struct complete_out *o)
{
	switch (kind) {
	case COMPLETE_TEXT:
		break;
	case COMPLETE_DIR:
		o->directive = ":dirs";
		break;
	case COMPLETE_FILE:
		o->directive = ":files";
		break;
	case COMPLETE_COMMAND:
		complete_commands(o);
		break;
	case COMPLETE_PRIORITY:
		for (int i = PROTO_PRIO_HIGH; i <= PROTO_PRIO_BLOCKED; i++)
			complete_emit(o, proto_priority_name((enum proto_priority)i), NULL);
		break;
	case COMPLETE_BY:
		complete_by(o);
		break;
	case COMPLETE_RANGE:
		complete_list(o, complete_ranges,
			      sizeof(complete_ranges) / sizeof(*complete_ranges));
		break;
	case COMPLETE_EXPORT_FORMAT:
		complete_list(o, complete_formats,
			      sizeof(complete_formats) / sizeof(*complete_formats));
		break;
	case COMPLETE_STATUS_FORMAT:
		complete_list(o, status_format_presets, STATUS_FORMAT_NPRESETS);
		break;
	case COMPLETE_SUBCOMMAND:
		complete_subcommand(st, o);
		break;
	case COMPLETE_ID:
		complete_ids(o, strcmp(st->cmdname, "log") == 0);
		break;
	case COMPLETE_TAG:
		complete_tags(o);
		break;
	case COMPLETE_WATCHED:
		complete_watched(o);
		break;
	case COMPLETE_REPORT_OPERAND:
		complete_report_operand(st, o);
		break;
	}
}

/* The kind of opt's value, the command's own row first; -1 when the table lacks one. */
static int complete_value_kind(const struct complete_opt *opt)
{
	const char *name = *opt->lng ? opt->lng : opt->shrt;
	int any = -1;

	for (size_t i = 0; i < sizeof(complete_values) / sizeof(*complete_values); i++) {
		const struct complete_value *v = &complete_values[i];

		if (strcmp(v->opt, name) != 0)
			continue;
		if (v->cmd && strcmp(v->cmd, opt->cmd) == 0)
			return (int)v->kind;
		if (!v->cmd)
			any = (int)v->kind;
	}
	return any;
}

/* Completes the value of opt; false (having said why) when the table has no row for it. */
static bool complete_value(const struct complete_opt *opt, const struct complete_state *st,
			   struct complete_out *o)
{
	int kind = complete_value_kind(opt);

	if (kind < 0) {
		fprintf(stderr,
			"stint: __complete: no value kind for %s%s%s (add it to complete_values in "
			"cli/cmd_complete.c)\n",
			opt->cmd, *opt->cmd ? " " : "", *opt->lng ? opt->lng : opt->shrt);
		return false;
	}
	complete_kind((enum complete_kind)kind, st, o);
	return true;
}

static void complete_operand(const struct complete_state *st, struct complete_out *o)
{
	for (size_t i = 0; i < sizeof(complete_operands) / sizeof(*complete_operands); i++)
		if (strcmp(complete_operands[i].cmd, st->cmdname) == 0 &&
		    complete_operands[i].pos == st->noperands)
			complete_kind(complete_operands[i].kind, st, o);
}

/* Completes cur, the last word, after the state of the words before it. */
static bool complete_word(const struct complete_table *t, const struct complete_state *st,
			  const char *cur)
{
	struct complete_out o = {.lead = "", .cur = cur, .directive = ":none"};
	const struct complete_opt *opt;
	char lead[64];
	bool ok = true;

	if (st->pending) {
		ok = complete_value(st->pending, st, &o);
	} else if (!st->dashdash && cur[0] == '-') {
		const char *eq = strchr(cur, '=');

		if (cur[1] == '-' && eq) {
			opt = complete_find_long(t, st->cmdname, cur, (size_t)(eq - cur));
			if (opt && opt->arg &&
			    snprintf(lead, sizeof(lead), "%.*s", (int)(eq + 1 - cur), cur) <
				(int)sizeof(lead)) {
				o.lead = lead;
				o.cur = eq + 1;
				ok = complete_value(opt, st, &o);
			}
		} else {
			complete_options(t, st, &o);
		}
	} else if (!st->cmd) {
		complete_commands(&o);
	} else {
		complete_operand(st, &o);
	}
	printf("%s\n", o.directive);
	return ok;
}

int cmd_complete_run(int nwords, char **words)
{
	struct complete_table t;
	struct complete_state st;
	bool ok = true;

	if (complete_table_load(&t) < 0) {
		complete_table_free(&t);
		fputs("stint: __complete: out of memory\n", stderr);
		return EXIT_REFUSED;
	}
	/* No words: the command's own word, empty. */
	if (complete_walk(&t, &st, nwords > 0 ? nwords - 1 : 0, words))
		ok = complete_word(&t, &st, nwords > 0 ? words[nwords - 1] : "");
	else
		puts(":none");
	complete_table_free(&t);
	return ok ? 0 : EXIT_REFUSED;
}
