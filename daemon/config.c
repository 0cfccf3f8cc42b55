#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "duration.h"
#include "fileio.h"
#include "paths.h"
#include "suggest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A config file is a few lines; anything this big is a mistake, not a config. */
#define CONFIG_MAX_FILE (1024 * 1024)

/* The longest [checks] command, in bytes. */
#define CONFIG_COMMAND_MAX 4096
/* A check names this many errors, then counts the rest. */
#define CONFIG_MAX_ERRORS 20
/* What inih is told in place of a bad section header (config_parser_skip). */
#define CONFIG_SKIP_SECTION "\x7f"

/* The field's offset in struct config; fails to compile if the field is not of type T. */
#define FIELD(T, f) _Generic(((struct config *)0)->f, T : offsetof(struct config, f))

#define STRING_KEY(S, K, F, D, CHECK, HELP)                                                        \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_STRING, .offset = FIELD(char *, F),        \
		.def = D, .check = CHECK, .help = HELP                                             \
	}
#define PATH_KEY(S, K, F, D, CHECK, HELP)                                                          \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_PATH, .offset = FIELD(char *, F),          \
		.def = D, .check = CHECK, .help = HELP                                             \
	}
/* A path that may be left empty: then the field is NULL. */
#define OPTIONAL_PATH_KEY(S, K, F, HELP)                                                           \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_PATH, .offset = FIELD(char *, F),          \
		.def = "", .empty_ok = true, .check = config_check_absolute, .help = HELP          \
	}
#define BOOL_KEY(S, K, F, D, HELP)                                                                 \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_BOOL, .offset = FIELD(bool, F), .def = D,  \
		.help = HELP                                                                       \
	}
#define INT_KEY(S, K, F, D, MIN, MAX, HELP)                                                        \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_INT, .offset = FIELD(int, F), .def = D,    \
		.min = MIN, .max = MAX, .help = HELP                                               \
	}
#define DURATION_KEY(S, K, F, D, MIN, MAX, HELP)                                                   \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_DURATION, .offset = FIELD(int64_t, F),     \
		.def = D, .min = MIN, .max = MAX, .help = HELP                                     \
	}
#define ENUM_KEY(S, K, F, D, CHOICES, HELP)                                                        \
	{                                                                                          \
		.section = S, .name = K, .type = CONFIG_ENUM, .offset = FIELD(int, F), .def = D,   \
		.choices = CHOICES, .help = HELP                                                   \
	}

/* A map section ([checks]): free-form names, each with a string value checked by CHECK. */
#define MAP_SECTION(S, F, CHECK, EXAMPLE, HELP)                                                    \
	{                                                                                          \
		.section = S, .type = CONFIG_MAP, .offset = FIELD(struct config_map, F),           \
		.def = "", .check = CHECK, .example = EXAMPLE, .help = HELP                        \
	}

static int config_check_log_dir(const char *value, char *err, size_t errn);
static int config_check_command(const char *value, char *err, size_t errn);
static int config_check_absolute(const char *value, char *err, size_t errn);

const char *const config_placeholders_choices[] = {"keep", "comment", "drop", NULL};

/* Keys of one section stay together: the default file and the docs follow this order. */
static const struct config_key config_keys[] = {
    PATH_KEY("log", "dir", log_dir, "{data}/stint/logs/{repo_name}", config_check_log_dir,
	     "Directory for session logs. {repo_name} is replaced by the repository's "
	     "directory name and {repo} by its absolute path. A leading ~/ stands for your "
	     "home directory and a leading {data}/ for $XDG_DATA_HOME (~/.local/share if "
	     "unset)."),
    INT_KEY("log", "max_file_rows", log_max_file_rows, "50", 1, 10000,
	    "Maximum number of rows in the Files Modified table of a session log."),
    OPTIONAL_PATH_KEY("log", "template", log_template,
		      "Template for session logs, in the template language of stint's "
		      "docs/templates.md. Empty: the built-in template, installed as "
		      "share/stint/session-template.md to copy from. stintd --check-config checks "
		      "it; a template with an error makes stint stop fail with its file and line, "
		      "and the session stays open."),
    BOOL_KEY("log", "commit", log_commit, "false",
	     "When the log directory is inside the repository (dir = {repo}/...), commit each "
	     "new log on the current branch with the message \"Session log: FOCUS, YYYY-MM-DD "
	     "#N\" (the session's focus, else the repository's name; N numbers the day's logs), "
	     "but only if nothing else is staged; otherwise the log is left uncommitted and stint "
	     "stop says so. After stint stop --edit the log is committed once the editor is done, "
	     "as the file then stands. A committed log links only the previous logs inside the "
	     "repository (one elsewhere would be a dead link for whoever clones it); their todos "
	     "carry all the same."),
    ENUM_KEY("log", "placeholders", log_placeholders, "keep", config_placeholders_choices,
	     "What becomes of the template's bracketed prompts that stint could not fill "
	     "(\"[What you learned]\", a \"| [Metric] | [Before] |\" row): keep leaves them "
	     "visible, comment makes them HTML comments (invisible when rendered, still there to "
	     "fill in), drop removes them (a line or a table of prompts alone goes whole; a "
	     "section keeps its heading). See docs/templates.md."),
    DURATION_KEY("log", "check_timeout", check_timeout_s, "5m", 1, 3600,
		 "How long each of the [checks] may run. One that takes longer is stopped "
		 "(SIGTERM to its process group, SIGKILL 2 seconds later) and shows in the log as "
		 "timed out."),
    DURATION_KEY(
	"time", "idle_timeout", idle_timeout_s, "15m", 0, 24 * 3600,
	"No activity for this long (files changed in the repository, git operations, "
	"stint commands for the session) makes a session idle, counted from the last "
	"activity; the next activity resumes it (0 disables). See docs/time-accounting.md."),
    DURATION_KEY("time", "max_session", max_session_s, "12h", 0, 7 * 24 * 3600,
		 "A session open this long (wall time, as wall_s counts it: suspend included, and "
		 "for a session left open over a reboot the time the machine was off) is stopped "
		 "automatically and its log written, saying so (0 disables)."),
    DURATION_KEY("time", "auto_stop_after_idle", auto_stop_after_idle_s, "0", 0, 7 * 24 * 3600,
		 "A session with no activity for this long (measured like max_session) is stopped "
		 "automatically and its log written; the idle time is not counted as work (0 "
		 "disables)."),
    BOOL_KEY("time", "auto_start", auto_start, "false",
	     "Activity in a repository that had a session in the last 30 days, with none open, "
	     "starts a session there, dated from the first change seen. Other repositories: "
	     "stint watch PATH. See docs/time-accounting.md."),
    BOOL_KEY("time", "resume_on_activity", resume_on_activity, "false",
	     "Edits or commits in a paused session resume it, dated from the first change (the "
	     "timeline says it was automatic). false: they are not counted, and status, the "
	     "log and a notification say so."),
    BOOL_KEY("notify", "enabled", notify_enabled, "true",
	     "Desktop notifications (docs/notifications.md). false: none at all, and no "
	     "reminder timers."),
    BOOL_KEY("notify", "summary", notify_summary, "true",
	     "When a session stops, a notification summing it up (active time, commits, lines, "
	     "files) with an Open log action."),
    DURATION_KEY("notify", "break_every", notify_break_every_s, "90m", 0, 24 * 3600,
		 "Remind to take a break after this much active time without one (pauses, idle "
		 "time and sleep do not count; 0 disables)."),
    DURATION_KEY("notify", "snooze", notify_snooze_s, "10m", 1, 24 * 3600,
		 "How much more active time the break reminder's Snooze action gives."),
    BOOL_KEY("notify", "idle_reminder", notify_idle_reminder, "true",
	     "When a session turns idle, say so once, with Stop and Keep (count the idle time "
	     "as work) actions."),
    DURATION_KEY("notify", "remind_open_after", notify_remind_open_after_s, "4h", 0, 7 * 24 * 3600,
		 "Remind of a session left open with no activity for this long, sleep included "
		 "(0 disables)."),
    DURATION_KEY("notify", "warn_before", notify_warn_before_s, "10m", 0, 24 * 3600,
		 "Warn this long before a max_session or auto_stop_after_idle stop (0 disables)."),
    DURATION_KEY("notify", "min_interval", notify_min_interval_s, "5m", 0, 24 * 3600,
		 "Least time between two reminders of one session; one due sooner waits (0: no "
		 "limit). The end-of-session summary is never held back."),
    BOOL_KEY("notify", "start_reminder", notify_start_reminder, "false",
	     "Ask \"Start a session in <repo>?\" when files change in a watched repository "
	     "with no session open, at most once an hour per repository."),
    MAP_SECTION("checks", checks, config_check_command,
		"test = make test\n"
		"lint = clang-tidy src/*.c",
		"Quality checks, run by stint stop in the repository's top directory, one "
		"after another in this order, before the log is written; the log shows which "
		"passed, the end of the output of those that failed and the test counts of "
		"ctest, pytest, cargo test and similar summaries. Each key is a check's name "
		"(letters, digits, _ and -) and its value a command for /bin/sh -c, which "
		"runs to the end of the line: a ; in it is not a comment and quotes are the "
		"shell's. At most 32 checks. None: the log keeps its prompt."),
};

#define CONFIG_NKEYS ARRAY_SIZE(config_keys)

static const char *const config_bool_true[] = {"true", "yes", "on", "1"};
static const char *const config_bool_false[] = {"false", "no", "off", "0"};

static void *config_field_ptr(const struct config_key *k, void *base)
{
	return (char *)base + k->offset;
}

static char *config_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* "24h", "1h30m", "90s" -> as short as duration_parse reads back; 0 is "0". */
static void config_format_duration(int64_t s, char *buf, size_t n)
{
	int64_t h = s / 3600, m = s % 3600 / 60, sec = s % 60;
	size_t off = 0;

	if (s <= 0) {
		snprintf(buf, n, "0");
		return;
	}
	buf[0] = '\0';
	if (h)
		off += (size_t)snprintf(buf + off, n - off, "%lldh", (long long)h);
	if (m && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%lldm", (long long)m);
	if (sec && off < n)
		snprintf(buf + off, n - off, "%llds", (long long)sec);
}

/* Digits and units in duration_parse's grammar, so a failure can only mean "too big". */
static bool config_looks_like_duration(const char *s)
{
	bool all_digits = true;

	if (!isdigit((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			continue;
		if (!strchr("smhd", *p) || !isdigit((unsigned char)p[-1]))
			return false;
		all_digits = false;
	}
	return all_digits || !isdigit((unsigned char)s[strlen(s) - 1]);
}

static int config_expand_path(const char *in, char **out, char *err, size_t errn)
{
	const char *prefix = "", *rest = in;
	char base[PATH_MAX];
	size_t plen, rlen;
	char *s;
	int r;

	if (strcmp(in, "~") == 0 || strncmp(in, "~/", 2) == 0) {
		r = paths_home(base, sizeof(base));
		if (r < 0) {
			snprintf(err, errn, "cannot expand ~: %s",
				 r == -ENOENT ? "HOME is not set to an absolute path"
					      : strerror(-r));
			return -1;
		}
		prefix = base;
		rest = in + 1;
	} else if (strcmp(in, "{data}") == 0 || strncmp(in, "{data}/", 7) == 0) {
		r = paths_xdg_dir(PATHS_DATA, base, sizeof(base));
		if (r < 0) {
			snprintf(err, errn, "cannot expand {data}: %s",
				 r == -ENOENT ? paths_unset_reason(PATHS_DATA) : strerror(-r));
			return -1;
		}
		prefix = base;
		rest = in + 6;
	} else if (in[0] != '/' && strncmp(in, "{repo}", 6) != 0) {
		/* {repo} is absolute once the daemon expands it for a repository. */
		snprintf(err, errn,
			 "\"%s\" is not an absolute path (nor does it start with ~/, {data}/ or "
			 "{repo})",
			 in);
		return -1;
	}
	/* A prefix of "/" adds nothing: "~/x" with HOME=/ is "/x", and "~" is "/". */
	plen = strcmp(prefix, "/") == 0 ? 0 : strlen(prefix);
	if (plen == 0 && !*rest)
		rest = "/";
	rlen = strlen(rest);
	s = malloc(plen + rlen + 1);
	if (!s) {
		snprintf(err, errn, "out of memory");
		return -1;
	}
	memcpy(s, prefix, plen);
	memcpy(s + plen, rest, rlen + 1);
	*out = s;
	return 0;
}

static int config_check_command(const char *value, char *err, size_t errn)
{
	size_t n = strlen(value);

	if (n == 0) {
		snprintf(err, errn, "the command is empty");
		return -1;
	}
	if (n > CONFIG_COMMAND_MAX) {
		snprintf(err, errn, "the command is too long (%zu bytes, at most %d)", n,
			 CONFIG_COMMAND_MAX);
		return -1;
	}
	return 0;
}

/* Only [log] dir expands {repo}: anywhere else the path would stay relative to stintd's cwd. */
static int config_check_absolute(const char *value, char *err, size_t errn)
{
	if (value[0] == '/')
		return 0;
	snprintf(err, errn, "\"%s\" is not an absolute path ({repo} is known only in [log] dir)",
		 value);
	return -1;
}

/* logwriter_expand_dir knows only these, so anything else is caught here, at load time. */
static int config_check_log_dir(const char *value, char *err, size_t errn)
{
	for (const char *p = strchr(value, '{'); p; p = strchr(p + 1, '{')) {
		const char *close = strchr(p, '}');

		if (!close) {
			snprintf(err, errn, "\"%s\" has a { without a matching }", value);
			return -1;
		}
		if (strncmp(p, "{repo_name}", 11) != 0 && strncmp(p, "{repo}", 6) != 0) {
			snprintf(err, errn, "unknown placeholder %.*s (use {repo_name} or {repo})",
				 (int)(close - p + 1), p);
			return -1;
		}
	}
	return 0;
}

static int config_parse_int(const struct config_key *k, const char *s, void *field, char *err,
			    size_t errn)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	/* strtoll would also take leading spaces and a '+'. */
	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) ||
	    *end) {
		snprintf(err, errn, "\"%s\" is not an integer (%lld to %lld)", s, (long long)k->min,
			 (long long)k->max);
		return -1;
	}
	if (errno == ERANGE || v < k->min || v > k->max) {
		snprintf(err, errn, "\"%s\" is out of range (%lld to %lld)", s, (long long)k->min,
			 (long long)k->max);
		return -1;
	}
	*(int *)field = (int)v;
	return 0;
}

static int config_parse_duration(const struct config_key *k, const char *s, void *field, char *err,
				 size_t errn)
{
	char lo[32], hi[32];
	int64_t v;
	int r = duration_parse(s, &v);

	config_format_duration(k->min, lo, sizeof(lo));
	config_format_duration(k->max, hi, sizeof(hi));
	if (r < 0 && !config_looks_like_duration(s)) {
		snprintf(err, errn,
			 "\"%s\" is not a duration (like 90s, 15m, 2h or 1h30m; %s to %s)", s, lo,
			 hi);
		return -1;
	}
	if (r < 0 || v < k->min || v > k->max) {
		snprintf(err, errn, "\"%s\" is out of range (%s to %s)", s, lo, hi);
		return -1;
	}
	*(int64_t *)field = v;
	return 0;
}

static int config_parse_bool(const char *s, void *field, char *err, size_t errn)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_bool_true); i++) {
		if (strcasecmp(s, config_bool_true[i]) == 0) {
			*(bool *)field = true;
			return 0;
		}
		if (strcasecmp(s, config_bool_false[i]) == 0) {
			*(bool *)field = false;
			return 0;
		}
	}
	snprintf(err, errn, "\"%s\" is not a boolean (true/false, yes/no, on/off or 1/0)", s);
	return -1;
}

/* "a, b or c" into buf. */
static void config_format_choices(const char *const *choices, char *buf, size_t n)
{
	size_t off = 0, count = 0;

	buf[0] = '\0';
	while (choices[count])
		count++;
	for (size_t i = 0; i < count && off < n; i++) {
		const char *sep = i == 0 ? "" : i == count - 1 ? " or " : ", ";

		off += (size_t)snprintf(buf + off, n - off, "%s%s", sep, choices[i]);
	}
}

static int config_parse_enum(const struct config_key *k, const char *s, void *field, char *err,
			     size_t errn)
{
	char list[256];

	for (int i = 0; k->choices[i]; i++) {
		if (strcasecmp(s, k->choices[i]) == 0) {
			*(int *)field = i;
			return 0;
		}
	}
	config_format_choices(k->choices, list, sizeof(list));
	snprintf(err, errn, "\"%s\" is not one of %s", s, list);
	return -1;
}

static int config_parse_string(const struct config_key *k, const char *s, void *field, char *err,
			       size_t errn)
{
	char *v;

	if (k->empty_ok && !*s) {
		free(*(char **)field);
		*(char **)field = NULL;
		return 0;
	}
	if (k->type == CONFIG_PATH) {
		if (config_expand_path(s, &v, err, errn) < 0)
			return -1;
	} else if (!(v = strdup(s))) {
		snprintf(err, errn, "out of memory");
		return -1;
	}
	if (k->check && k->check(v, err, errn) < 0) {
		free(v);
		return -1;
	}
	free(*(char **)field);
	*(char **)field = v;
	return 0;
}

int config_key_parse(const struct config_key *k, const char *value, void *base, char *err,
		     size_t errn)
{
	void *field = config_field_ptr(k, base);

	switch (k->type) {
	case CONFIG_STRING:
	case CONFIG_PATH:
		return config_parse_string(k, value, field, err, errn);
	case CONFIG_BOOL:
		return config_parse_bool(value, field, err, errn);
	case CONFIG_INT:
		return config_parse_int(k, value, field, err, errn);
	case CONFIG_DURATION:
		return config_parse_duration(k, value, field, err, errn);
	case CONFIG_ENUM:
		return config_parse_enum(k, value, field, err, errn);
	case CONFIG_MAP:
		snprintf(err, errn, "[%s] is a section of names, not a key", k->section);
		return -1;
	}
	snprintf(err, errn, "unknown type %d", (int)k->type);
	return -1;
}

void config_init(struct config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	/* Only a path default can fail (no HOME); it stays NULL and config_load says why. */
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		/* A map's default is no entries, as zeroed. */
		if (config_keys[i].type != CONFIG_MAP)
			config_key_parse(&config_keys[i], config_keys[i].def, cfg, err,
					 sizeof(err));
	}
}

static void config_map_clear(struct config_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->entries[i].name);
		free(m->entries[i].value);
	}
	free(m->entries);
	m->entries = NULL;
	m->n = 0;
}

void config_finish(struct config *cfg)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type == CONFIG_STRING || k->type == CONFIG_PATH)
			free(*(char **)config_field_ptr(k, cfg));
		else if (k->type == CONFIG_MAP)
			config_map_clear(config_field_ptr(k, cfg));
	}
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int config_default_path(char *buf, size_t n)
{
	const char *s = getenv("STINT_CONFIG");
	char dir[PATH_MAX];
	int r;

	if (s && *s)
		r = snprintf(buf, n, "%s", s);
	else if ((r = paths_stint_dir(PATHS_CONFIG, dir, sizeof(dir))) < 0)
		return r;
	else
		r = snprintf(buf, n, "%s/config.ini", dir);
	if (r < 0 || (size_t)r >= n)
		return -ENAMETOOLONG;
	return 0;
}

/* A row of the section: its map row if it is a map section; NULL if unknown. */
static const struct config_key *config_section_find(const char *name, size_t len)
{
	const struct config_key *found = NULL;

	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		if (strlen(config_keys[i].section) == len &&
		    memcmp(config_keys[i].section, name, len) == 0) {
			if (config_keys[i].type == CONFIG_MAP)
				return &config_keys[i];
			found = &config_keys[i];
		}
	}
	return found;
}

static const struct config_key *config_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].name && strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

/*
 * "; did you mean ..." for an unknown section (key NULL) or an unknown key of a known section:
 * the nearest names of the table, a key of another section named with it ("[time] idle_timeout").
 * Empty when nothing is near.
 */
static void config_suggest(const char *section, size_t seclen, const char *key, char *buf, size_t n)
{
	char word[SUGGEST_MAX_WORD + 1], line[256];
	struct suggest s;

	buf[0] = '\0';
	if ((key ? strlen(key) : seclen) > SUGGEST_MAX_WORD)
		return;
	snprintf(word, sizeof(word), "%.*s", key ? (int)strlen(key) : (int)seclen,
		 key ? key : section);
	suggest_init(&s, word);
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		bool here =
		    strlen(k->section) == seclen && memcmp(k->section, section, seclen) == 0;

		if (!key)
			suggest_consider(&s, k->section);
		else if (k->name && here)
			suggest_consider(&s, k->name);
	}
	/* Nothing near in this section: the key may belong to another one. */
	for (size_t i = 0; key && s.n == 0 && i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->name && suggest_distance(key, k->name) == 0) {
			snprintf(buf, n, "; it belongs in [%s]", k->section);
			return;
		}
	}
	if (suggest_format(&s, "", line, sizeof(line)))
		snprintf(buf, n, "; %s", line);
}

/* Reads a whole (small) file. Returns 0 or -errno; -EFBIG when over CONFIG_MAX_FILE. */
static int config_read_file(const char *path, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd;

	if (!buf)
		return -ENOMEM;
	/* A FIFO or a device would block the loop (a reload runs there): never waited on. */
	fd = fileio_open_regular(path);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > CONFIG_MAX_FILE) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > CONFIG_MAX_FILE) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

struct config_parser {
	struct config *cfg;
	const char *path;
	const char *buf;
	size_t len, pos;
	int lineno;
	int seen[CONFIG_NKEYS]; /* the line that set each key, 0 if none */
	/* The map row of the section being read, NULL outside a map section. */
	const struct config_key *map;
	int map_lines[CONFIG_NKEYS][CONFIG_MAP_MAX]; /* the line of each entry of each map */
	int err_line;				     /* of the first error, 0 if none */
	/* Every error, "path:line: what", so a check names them all at once; reading stops at
	 * CONFIG_MAX_ERRORS (a hostile file costs no more than that). */
	struct config_error {
		int line;
		char *msg;
	} errs[CONFIG_MAX_ERRORS];
	int nerrs;
	char *err;
	size_t errn;
};

/* Records an error at the current line; returns 0, an error for inih's handler. */
__attribute__((format(printf, 2, 3))) static int config_parser_fail(struct config_parser *p,
								    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int off;

	if (!p->err_line)
		p->err_line = p->lineno;
	for (int i = 0; i < p->nerrs; i++)
		if (p->errs[i].line == p->lineno)
			return 0; /* one error a line: the first said what is wrong with it */
	if (p->nerrs == CONFIG_MAX_ERRORS)
		return 0;
	off = snprintf(msg, sizeof(msg), "%s:%d: ", p->path, p->lineno);
	if (off >= 0 && (size_t)off < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
		va_end(ap);
	}
	p->errs[p->nerrs].line = p->lineno;
	if ((p->errs[p->nerrs].msg = strdup(msg)))
		p->nerrs++;
	return 0;
}

static int config_error_cmp(const void *a, const void *b)
{
	const struct config_error *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

/* The errors in line order, one a line, as many whole lines as err holds; frees them. */
static void config_parser_report(struct config_parser *p)
{
	size_t off = 0, len;
	int shown = 0;

	qsort(p->errs, (size_t)p->nerrs, sizeof(p->errs[0]), config_error_cmp);
	if (p->errn)
		p->err[0] = '\0';
	for (int i = 0; i < p->nerrs; i++) {
		len = strlen(p->errs[i].msg) + (shown ? 1 : 0);
		/* Room is kept for the last line below. */
		if (off + len + 80 + strlen(p->path) < p->errn ||
		    (shown == 0 && off + len < p->errn)) {
			off += (size_t)snprintf(p->err + off, p->errn - off, "%s%s",
						shown ? "\n" : "", p->errs[i].msg);
			shown++;
		}
		free(p->errs[i].msg);
	}
	if (shown < p->nerrs && off < p->errn)
		snprintf(p->err + off, p->errn - off, "\n%s: %d more error%s%s", p->path,
			 p->nerrs - shown, p->nerrs - shown == 1 ? "" : "s",
			 p->nerrs == CONFIG_MAX_ERRORS ? ", and reading stopped there" : "");
	else if (p->nerrs == CONFIG_MAX_ERRORS && off < p->errn)
		snprintf(p->err + off, p->errn - off, "\n%s: reading stopped after %d errors",
			 p->path, CONFIG_MAX_ERRORS);
	p->nerrs = 0;
}

/*
 * Catches an unknown section even when it has no keys (inih only reports keys). Returns 1 if the
 * line may go on to inih, 0 after recording an error.
 */
static int config_check_section_line(struct config_parser *p, const char *line, size_t n)
{
	const char *close = memchr(line, ']', n), *rest;
	const struct config_key *k;
	char hint[300];

	/* No ']': inih reports the syntax error. */
	p->map = NULL;
	if (!close)
		return 1;
	k = config_section_find(line + 1, (size_t)(close - line - 1));
	if (!k) {
		config_suggest(line + 1, (size_t)(close - line - 1), NULL, hint, sizeof(hint));
		return config_parser_fail(p, "unknown section %.*s%s", (int)(close - line + 1),
					  line, hint);
	}
	if (k->type == CONFIG_MAP)
		p->map = k;
	for (rest = close + 1; rest < line + n && isspace((unsigned char)*rest); rest++)
		;
	/* inih ignores whatever follows the ']'; only a comment may. */
	if (rest < line + n && *rest != ';')
		return config_parser_fail(p, "unexpected text after %.*s: \"%.*s\"",
					  (int)(close - line + 1), line, (int)(line + n - rest),
					  rest);
	return 1;
}

static bool config_map_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > CONFIG_MAP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	}
	return true;
}

/*
 * A line of a map section, stripped and not a comment or a section: "name = value" read here,
 * not by inih, so the value is taken whole. Returns false after recording an error.
 */
static bool config_map_line(struct config_parser *p, const char *line, size_t n)
{
	const struct config_key *k = p->map;
	struct config_map *m = config_field_ptr(k, p->cfg);
	int *lines = p->map_lines[k - config_keys];
	size_t namelen = 0;
	const char *value;
	char msg[512], *name, *v;
	struct config_entry *e;

	/* As inih splits: at the first '=' or ':'. The line is not NUL-terminated at n. */
	while (namelen < n && line[namelen] != '=' && line[namelen] != ':')
		namelen++;
	if (namelen == n) {
		config_parser_fail(p, "expected [section] or key = value: \"%.*s\"", (int)n, line);
		return false;
	}
	for (value = line + namelen + 1; value < line + n && isspace((unsigned char)*value);
	     value++)
		;
	while (namelen > 0 && isspace((unsigned char)line[namelen - 1]))
		namelen--;
	if (namelen == 0) {
		config_parser_fail(p, "[%s]: missing key name before \"=\"", k->section);
		return false;
	}
	if (!config_map_name_ok(line, namelen)) {
		config_parser_fail(
		    p,
		    "[%s] %.*s: not a valid name (letters, digits, _ and -, at most %d "
		    "bytes)",
		    k->section, (int)namelen, line, CONFIG_MAP_NAME_MAX);
		return false;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (strlen(m->entries[i].name) == namelen &&
		    memcmp(m->entries[i].name, line, namelen) == 0) {
			config_parser_fail(p, "[%s] %.*s: duplicate key (already set on line %d)",
					   k->section, (int)namelen, line, lines[i]);
			return false;
		}
	}
	if (m->n == CONFIG_MAP_MAX) {
		config_parser_fail(p, "[%s] %.*s: too many entries (at most %d)", k->section,
				   (int)namelen, line, CONFIG_MAP_MAX);
		return false;
	}
	name = config_strndup(line, namelen);
	v = config_strndup(value, (size_t)(line + n - value));
	e = name && v ? realloc(m->entries, (m->n + 1) * sizeof(*e)) : NULL;
	if (!e) {
		free(name);
		free(v);
		config_parser_fail(p, "out of memory");
		return false;
	}
	m->entries = e;
	if (k->check && k->check(v, msg, sizeof(msg)) < 0) {
		config_parser_fail(p, "[%s] %s: %s", k->section, name, msg);
		free(name);
		free(v);
		return false;
	}
	e[m->n].name = name;
	e[m->n].value = v;
	lines[m->n++] = p->lineno;
	return true;
}

/*
 * inih's line source: one physical line per call, so inih's line count is ours. Lines are
 * stripped (no indented continuation values, no BOM), checked for what inih would silently
 * mangle (too long, NUL bytes, unknown sections), and passed on with a '\n' as fgets would.
 * The entries of a map section are read here and inih gets a blank line in their place.
 * Returns NULL (end of input) after the first error.
 */
static void config_syntax_error(struct config_parser *p, int lineno);

/*
 * After an error the check reads on, to name every error at once: inih gets a blank line in the
 * bad one's place, or for a bad section header one it knows as CONFIG_SKIP_SECTION, whose keys
 * config_parser_key passes over (they would only repeat the error).
 */
static char *config_parser_skip(char *str, bool section)
{
	snprintf(str, sizeof("[" CONFIG_SKIP_SECTION "]\n"), "%s",
		 section ? "[" CONFIG_SKIP_SECTION "]\n" : "\n");
	return str;
}

static char *config_parser_read(char *str, int num, void *stream)
{
	struct config_parser *p = stream;
	const char *line, *end, *nl;
	size_t n, max = num > 2 ? (size_t)num - 2 : 0;

	if (p->pos >= p->len || p->nerrs == CONFIG_MAX_ERRORS)
		return NULL;
	line = p->buf + p->pos;
	nl = memchr(line, '\n', p->len - p->pos);
	end = nl ? nl : p->buf + p->len;
	p->pos = (size_t)(end - p->buf) + (nl ? 1 : 0);
	p->lineno++;
	if (memchr(line, '\0', (size_t)(end - line))) {
		config_parser_fail(p, "line contains a NUL byte");
		return config_parser_skip(str, false);
	}
	if (p->lineno == 1 && end - line >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	while (line < end && isspace((unsigned char)*line))
		line++;
	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	n = (size_t)(end - line);
	if (n > 0 && (*line == ';' || *line == '#')) {
		/* A cut comment is still a comment. */
		if (n > max)
			n = max;
	} else if (n > 0 && *line != '[' && p->map) {
		if (!config_map_line(p, line, n))
			return config_parser_skip(str, false);
		n = 0;
	} else if (n > max) {
		config_parser_fail(p, "line is too long (%zu bytes, at most %zu)", n, max);
		if (*line == '[')
			p->map = NULL;
		return config_parser_skip(str, *line == '[');
	} else if (n > 0 && *line == '[' && !config_check_section_line(p, line, n)) {
		p->map = NULL;
		return config_parser_skip(str, true);
	} else if (n > 0 && *line != '[' && !memchr(line, '=', n) && !memchr(line, ':', n)) {
		/* What inih would stop at (it reports only the first): said here, read on. */
		config_syntax_error(p, p->lineno);
		return config_parser_skip(str, false);
	}
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int config_parser_key(void *user, const char *section, const char *name, const char *value)
{
	struct config_parser *p = user;
	const struct config_key *k;
	size_t i, vlen = strlen(value);
	char msg[512], hint[300], *v;
	int r;

	if (strcmp(section, CONFIG_SKIP_SECTION) == 0)
		return 1;
	if (!*section)
		return config_parser_fail(p, "key \"%s\" before any [section]", name);
	if (!*name)
		return config_parser_fail(p, "[%s]: missing key name before \"=\"", section);
	k = config_key_find(section, name);
	if (!k) {
		config_suggest(section, strlen(section), name, hint, sizeof(hint));
		return config_parser_fail(p, "unknown key \"%s\" in [%s]%s", name, section, hint);
	}
	i = (size_t)(k - config_keys);
	if (p->seen[i])
		return config_parser_fail(p, "[%s] %s: duplicate key (already set on line %d)",
					  section, name, p->seen[i]);
	p->seen[i] = p->lineno;
	/* Optional double quotes around the whole value; no escapes inside. */
	if (value[0] == '"') {
		if (vlen < 2 || value[vlen - 1] != '"')
			return config_parser_fail(p, "[%s] %s: %s has no closing quote", section,
						  name, value);
		value++;
		vlen -= 2;
	}
	v = config_strndup(value, vlen);
	if (!v)
		return config_parser_fail(p, "out of memory");
	r = config_key_parse(k, v, p->cfg, msg, sizeof(msg));
	free(v);
	if (r < 0)
		return config_parser_fail(p, "[%s] %s: %s", section, name, msg);
	return 1;
}

/* inih does not say what was wrong with a line; look at it again. */
static void config_syntax_error(struct config_parser *p, int lineno)
{
	const char *line = p->buf, *end = p->buf + p->len, *nl;

	for (int i = 1; i < lineno && line < end; i++) {
		nl = memchr(line, '\n', (size_t)(end - line));
		line = nl ? nl + 1 : end;
	}
	nl = memchr(line, '\n', (size_t)(end - line));
	if (nl)
		end = nl;
	if (lineno == 1 && end - line >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	while (line < end && isspace((unsigned char)*line))
		line++;
	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	p->lineno = lineno;
	if (line < end && *line == '[')
		config_parser_fail(p, "no closing ] in section header \"%.*s\"", (int)(end - line),
				   line);
	else
		config_parser_fail(p, "expected [section] or key = value: \"%.*s\"",
				   (int)(end - line), line);
}

/* Keys the file did not set get their defaults, resolved now (a path default may need HOME). */
static int config_apply_defaults(struct config *cfg, const int *seen, const char *path, char *err,
				 size_t errn)
{
	char msg[512];

	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if ((seen && seen[i]) || k->type == CONFIG_MAP)
			continue;
		if (config_key_parse(k, k->def, cfg, msg, sizeof(msg)) < 0) {
			snprintf(err, errn, "%s%s[%s] %s: default \"%s\": %s", path ? path : "",
				 path ? ": " : "", k->section, k->name, k->def, msg);
			return -1;
		}
	}
	return 0;
}

int config_load(struct config *cfg, const char *path, bool missing_ok, char *err, size_t errn)
{
	struct config_parser p = {.cfg = cfg, .path = path, .err = err, .errn = errn};
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (!path) {
		if (config_apply_defaults(cfg, NULL, NULL, err, errn) < 0)
			goto fail;
		return 0;
	}
	r = config_read_file(path, &buf, &len);
	if (r == -ENOENT && missing_ok) {
		if (config_apply_defaults(cfg, NULL, NULL, err, errn) < 0)
			goto fail;
		return 0;
	}
	if (r == -EFBIG) {
		snprintf(err, errn, "%s: too large for a config file (over %d bytes)", path,
			 CONFIG_MAX_FILE);
		goto fail;
	}
	if (r == -EINVAL) {
		snprintf(err, errn, "%s: not a regular file", path);
		goto fail;
	}
	if (r < 0) {
		snprintf(err, errn, "cannot open %s: %s", path, strerror(-r));
		goto fail;
	}
	p.buf = buf;
	p.len = len;
	r = ini_parse_stream(config_parser_read, &p, config_parser_key, &p);
	/* inih's first error: a line it could not read, unless we said why already. */
	if (r > 0)
		config_syntax_error(&p, r);
	free(buf);
	if (r < 0 && !p.err_line) {
		snprintf(err, errn, "%s: cannot parse: out of memory", path);
		goto fail;
	}
	if (p.err_line) {
		config_parser_report(&p);
		goto fail;
	}
	if (config_apply_defaults(cfg, p.seen, path, err, errn) < 0)
		goto fail;
	cfg->path = strdup(path);
	if (!cfg->path) {
		snprintf(err, errn, "%s: out of memory", path);
		goto fail;
	}
	return 0;
fail:
	config_finish(cfg);
	return -1;
}

static const char *config_type_name(enum config_type t)
{
	switch (t) {
	case CONFIG_STRING:
		return "string";
	case CONFIG_PATH:
		return "path";
	case CONFIG_BOOL:
		return "boolean";
	case CONFIG_INT:
		return "integer";
	case CONFIG_DURATION:
		return "duration";
	case CONFIG_ENUM:
		return "one of";
	case CONFIG_MAP:
		return "names";
	}
	return "?";
}

void config_describe_type(const struct config_key *k, char *buf, size_t n)
{
	char lo[32], hi[32], list[256];

	switch (k->type) {
	case CONFIG_INT:
		snprintf(buf, n, "%s, %lld to %lld", config_type_name(k->type), (long long)k->min,
			 (long long)k->max);
		break;
	case CONFIG_DURATION:
		config_format_duration(k->min, lo, sizeof(lo));
		config_format_duration(k->max, hi, sizeof(hi));
		snprintf(buf, n, "%s, %s to %s", config_type_name(k->type), lo, hi);
		break;
	case CONFIG_ENUM:
		config_format_choices(k->choices, list, sizeof(list));
		snprintf(buf, n, "%s %s", config_type_name(k->type), list);
		break;
	case CONFIG_MAP:
		snprintf(buf, n, "%s, each with a string, at most %d", config_type_name(k->type),
			 CONFIG_MAP_MAX);
		break;
	default:
		snprintf(buf, n, "%s%s", config_type_name(k->type),
			 k->empty_ok ? ", or empty" : "");
		break;
	}
}

const struct config_key *config_key_at(size_t i)
{
	return i < CONFIG_NKEYS ? &config_keys[i] : NULL;
}

int64_t config_idle_ns(const struct config *cfg)
{
	int64_t s = cfg->idle_timeout_s;

	if (cfg->auto_stop_after_idle_s > 0 && (s == 0 || cfg->auto_stop_after_idle_s < s))
		s = cfg->auto_stop_after_idle_s;
	return s * 1000000000;
}
