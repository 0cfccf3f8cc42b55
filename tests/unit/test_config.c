#include "config.h"
#include "config_doc.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

/*
 * Each test gets a private directory: HOME is dir/home, the config is dir/config.ini, and the
 * XDG and STINT variables are unset (restored afterwards).
 */
struct fixture {
	char dir[256];
	char home[256 + 8];
	char file[256 + 16];
	char err[1024];
	struct config cfg;
	struct testutil_env env;
};

static const char *const env_names[] = {"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "STINT_CONFIG",
					NULL};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (!testutil_mkdtemp(f->dir, sizeof(f->dir), NULL, "config")) {
		free(f);
		return -1;
	}
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	snprintf(f->file, sizeof(f->file), "%s/config.ini", f->dir);
	if (mkdir(f->home, 0700) < 0)
		return -1;
	testutil_env_clear(&f->env, env_names);
	setenv("HOME", f->home, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	config_finish(&f->cfg);
	testutil_rm_rf(f->dir);
	testutil_env_restore(&f->env);
	free(f);
	return 0;
}

static int load_n(struct fixture *f, const char *text, size_t n)
{
	config_finish(&f->cfg);
	testutil_write_file_n(f->file, text, n);
	f->err[0] = '\0';
	return config_load(&f->cfg, f->file, false, f->err, sizeof(f->err));
}

/* Loads text as the config file; fails the test, showing the error, unless it loads. */
static void expect_ok_n(struct fixture *f, const char *text, size_t n)
{
	if (load_n(f, text, n) != 0)
		fail_msg("config_load failed: %s\n--- file ---\n%.*s", f->err, (int)n, text);
	assert_non_null(f->cfg.log_dir);
	assert_string_equal(f->cfg.path, f->file);
}

static void expect_ok(struct fixture *f, const char *text)
{
	expect_ok_n(f, text, strlen(text));
}

static void assert_finished(const struct config *cfg)
{
	struct config zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(cfg, &zero, sizeof(zero));
}

/* Loads text and expects exactly "FILE:line: msg" (line 0: "FILE: msg"). */
static void expect_error_n(struct fixture *f, const char *text, size_t n, int line, const char *msg)
{
	char want[2048];

	if (line)
		snprintf(want, sizeof(want), "%s:%d: %s", f->file, line, msg);
	else
		snprintf(want, sizeof(want), "%s: %s", f->file, msg);
	if (load_n(f, text, n) != -1)
		fail_msg("config_load succeeded; want error: %s\n--- file ---\n%.*s", want, (int)n,
			 text);
	assert_string_equal(f->err, want);
	assert_finished(&f->cfg);
}

static void expect_error(struct fixture *f, const char *text, int line, const char *msg)
{
	expect_error_n(f, text, strlen(text), line, msg);
}

static void expect_log_dir(struct fixture *f, const char *suffix_of_home)
{
	char want[PATH_MAX * 2];

	snprintf(want, sizeof(want), "%s%s", f->home, suffix_of_home);
	assert_string_equal(f->cfg.log_dir, want);
}

/* Every key has its default; [checks] is not looked at. */
static void expect_default_keys(const struct config *cfg, const char *home)
{
	char want[PATH_MAX * 2];

	snprintf(want, sizeof(want), "%s/.local/share/stint/logs/{repo_name}", home);
	assert_non_null(cfg->log_dir);
	assert_string_equal(cfg->log_dir, want);
	assert_int_equal(cfg->log_max_file_rows, 50);
	assert_null(cfg->log_template);
	assert_int_equal(cfg->check_timeout_s, 5 * 60);
	assert_int_equal(cfg->idle_timeout_s, 15 * 60);
	/* docs/notifications.md's defaults. */
	assert_true(cfg->notify_enabled);
	assert_true(cfg->notify_summary);
	assert_int_equal(cfg->notify_break_every_s, 90 * 60);
	assert_int_equal(cfg->notify_snooze_s, 10 * 60);
	assert_true(cfg->notify_idle_reminder);
	assert_int_equal(cfg->notify_remind_open_after_s, 4 * 3600);
	assert_int_equal(cfg->notify_warn_before_s, 10 * 60);
	assert_int_equal(cfg->notify_min_interval_s, 5 * 60);
	assert_false(cfg->notify_start_reminder);
	assert_false(cfg->auto_start);
	assert_false(cfg->resume_on_activity);
}

static void expect_defaults(const struct config *cfg, const char *home)
{
	expect_default_keys(cfg, home);
	assert_int_equal(cfg->checks.n, 0);
	assert_null(cfg->checks.entries);
}

static char *capture(void (*write)(FILE *))
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	if (!fp)
		fail_msg("open_memstream failed");
	write(fp);
	fclose(fp);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("cannot read %s", path);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* ctest sets STINT_SOURCE_DIR; when run by hand, fall back on where this file was compiled. */
static void source_path(char *buf, size_t n, const char *rel)
{
	const char *src = getenv("STINT_SOURCE_DIR");

	if (src && *src) {
		snprintf(buf, n, "%s/%s", src, rel);
	} else {
		const char *me = __FILE__, *tail = strstr(me, "/tests/unit/test_config.c");

		if (!tail)
			fail_msg("set STINT_SOURCE_DIR to the source tree");
		snprintf(buf, n, "%.*s/%s", (int)(tail - me), me, rel);
	}
}

/* The line at s, for a message. */
static void line_of(const char *s, char *buf, size_t n)
{
	if (!*s)
		snprintf(buf, n, "(end of file)");
	else if (*s == '\n')
		snprintf(buf, n, "(empty line)");
	else
		snprintf(buf, n, "\"%.*s\"", (int)strcspn(s, "\n"), s);
}

/* On a mismatch, leaves what the file should be next to this test binary and says so. */
static void expect_generated(const char *what, const char *path, const char *have, const char *want,
			     const char *save_as, const char *save_text)
{
	char out[PATH_MAX + 64], hline[128], wline[128];
	ssize_t n = readlink("/proc/self/exe", out, PATH_MAX);
	const char *h = have, *w = want;
	int line = 1;
	FILE *fp;

	if (strcmp(have, want) == 0)
		return;
	while (*h && *h == *w) {
		if (*h == '\n')
			line++;
		h++;
		w++;
	}
	while (h > have && h[-1] != '\n') {
		h--;
		w--;
	}
	if (n <= 0)
		n = 0;
	out[n] = '\0';
	if (strrchr(out, '/'))
		strrchr(out, '/')[1] = '\0';
	strcat(out, save_as);
	fp = fopen(out, "wb");
	if (fp) {
		fputs(save_text, fp);
		fclose(fp);
	}
	line_of(h, hline, sizeof(hline));
	line_of(w, wline, sizeof(wline));
	fail_msg("%s is out of date with the key table in daemon/config.c; from line %d:\n"
		 "  have: %s\n  want: %s\nRegenerate it: cp %s %s",
		 what, line, hline, wline, out, path);
}

static void test_defaults_without_a_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(config_load(&f->cfg, f->file, true, f->err, sizeof(f->err)), 0);
	expect_defaults(&f->cfg, f->home);
	assert_null(f->cfg.path);
	config_finish(&f->cfg);

	assert_int_equal(config_load(&f->cfg, NULL, false, f->err, sizeof(f->err)), 0);
	expect_defaults(&f->cfg, f->home);
	assert_null(f->cfg.path);
	config_finish(&f->cfg);

	config_init(&f->cfg);
	expect_defaults(&f->cfg, f->home);
	assert_null(f->cfg.path);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	char want[2048];

	snprintf(want, sizeof(want), "cannot open %s: No such file or directory", f->file);
	assert_int_equal(config_load(&f->cfg, f->file, false, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, want);
	assert_finished(&f->cfg);
}

static void test_unreadable_and_huge_files(void **state)
{
	struct fixture *f = *state;
	char want[2048];
	size_t n = 1024 * 1024 + 1;
	char *big = malloc(n);

	snprintf(want, sizeof(want), "cannot open %s: Is a directory", f->home);
	assert_int_equal(config_load(&f->cfg, f->home, true, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, want);

	/* Blank lines: valid, but over the size cap. */
	memset(big, '\n', n);
	expect_error_n(f, big, n, 0, "too large for a config file (over 1048576 bytes)");
	expect_ok_n(f, big, n - 1);
	free(big);
}

static void test_empty_and_comment_only_files(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "");
	expect_defaults(&f->cfg, f->home);
	expect_ok(f, "\n\n   \n\t\n");
	expect_defaults(&f->cfg, f->home);
	expect_ok(f, "; a comment\n# another\n  ; indented\n[log]\n[time]\n");
	expect_defaults(&f->cfg, f->home);
}

static void test_every_key_set(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "[log]\n"
		     "dir = /var/tmp/logs/{repo}\n"
		     "max_file_rows = 7\n"
		     "check_timeout = 2s\n"
		     "\n"
		     "[time]\n"
		     "idle_timeout = 1h30m\n"
		     "\n"
		     "[checks]\n"
		     "test = make test\n");
	assert_string_equal(f->cfg.log_dir, "/var/tmp/logs/{repo}");
	assert_int_equal(f->cfg.log_max_file_rows, 7);
	assert_int_equal(f->cfg.check_timeout_s, 2);
	assert_int_equal(f->cfg.idle_timeout_s, 5400);
	assert_int_equal(f->cfg.checks.n, 1);
	assert_string_equal(f->cfg.checks.entries[0].name, "test");
	assert_string_equal(f->cfg.checks.entries[0].value, "make test");
}

static void test_indentation_and_spacing_ignored(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "  [log]\n\tmax_file_rows=9   \n   dir   =   /x  \n");
	assert_int_equal(f->cfg.log_max_file_rows, 9);
	assert_string_equal(f->cfg.log_dir, "/x");
	/* inih's "name: value" form. */
	expect_ok(f, "[log]\nmax_file_rows: 11\n");
	assert_int_equal(f->cfg.log_max_file_rows, 11);
}

static void test_data_home_default(void **state)
{
	struct fixture *f = *state;
	char data[PATH_MAX + 16], want[PATH_MAX * 2];

	snprintf(data, sizeof(data), "%s/data", f->dir);
	snprintf(want, sizeof(want), "%s/stint/logs/{repo_name}", data);
	setenv("XDG_DATA_HOME", data, 1);
	expect_ok(f, "");
	assert_string_equal(f->cfg.log_dir, want);

	/* Trailing slashes do not double up. */
	snprintf(data, sizeof(data), "%s/data//", f->dir);
	setenv("XDG_DATA_HOME", data, 1);
	expect_ok(f, "");
	assert_string_equal(f->cfg.log_dir, want);

	/* {data} in the file means the same. */
	expect_ok(f, "[log]\ndir = {data}/mine/{repo}\n");
	snprintf(want, sizeof(want), "%s/data/mine/{repo}", f->dir);
	assert_string_equal(f->cfg.log_dir, want);

	/* The XDG spec: a relative or empty XDG_DATA_HOME is ignored. */
	setenv("XDG_DATA_HOME", "relative/data", 1);
	expect_ok(f, "");
	expect_defaults(&f->cfg, f->home);
	setenv("XDG_DATA_HOME", "", 1);
	expect_ok(f, "");
	expect_defaults(&f->cfg, f->home);
}

static void test_home_expansion(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "[log]\ndir = ~/notes/{repo_name}\n");
	expect_log_dir(f, "/notes/{repo_name}");
	expect_ok(f, "[log]\ndir = ~\n");
	expect_log_dir(f, "");
	expect_ok(f, "[log]\ndir = {data}/x\n");
	expect_log_dir(f, "/.local/share/x");
	/* Only a leading ~/ is special. */
	expect_ok(f, "[log]\ndir = /srv/~/x\n");
	assert_string_equal(f->cfg.log_dir, "/srv/~/x");

	setenv("HOME", "/", 1);
	expect_ok(f, "[log]\ndir = ~\n");
	assert_string_equal(f->cfg.log_dir, "/");
	expect_ok(f, "[log]\ndir = ~/logs\n");
	assert_string_equal(f->cfg.log_dir, "/logs");
}

/* [log] template: an optional path; empty (the default) means the built-in template. */
static void test_log_template(void **state)
{
	struct fixture *f = *state;
	char want[PATH_MAX * 2];

	expect_ok(f, "[log]\ntemplate = ~/tpl/session.md\n");
	snprintf(want, sizeof(want), "%s/tpl/session.md", f->home);
	assert_string_equal(f->cfg.log_template, want);
	expect_ok(f, "[log]\ntemplate = /etc/stint/log.md\n");
	assert_string_equal(f->cfg.log_template, "/etc/stint/log.md");
	expect_ok(f, "[log]\ntemplate =\n");
	assert_null(f->cfg.log_template);
	expect_ok(f, "[log]\ntemplate = \"\"\n");
	assert_null(f->cfg.log_template);
	expect_error(f, "[log]\ntemplate = tpl.md\n", 2,
		     "[log] template: \"tpl.md\" is not an absolute path (nor does it start with "
		     "~/, {data}/ or {repo})");
	/* Found by fuzz_config: nothing expands {repo} in a template's path, which stayed relative.
	 */
	expect_error(
	    f, "[log]\ntemplate = {repo}/tpl.md\n", 2,
	    "[log] template: \"{repo}/tpl.md\" is not an absolute path ({repo} is known only "
	    "in [log] dir)");
	/* An empty value is not a default for keys that need one. */
	expect_error(f, "[log]\ntemplate =\ndir =\n", 3,
		     "[log] dir: \"\" is not an absolute path (nor does it start with ~/, "
		     "{data}/ or {repo})");
}

/* [log] placeholders: keep (the default), comment or drop; anything else names the choices. */
static void test_log_placeholders(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "");
	assert_string_equal(config_placeholders_choices[f->cfg.log_placeholders], "keep");
	expect_ok(f, "[log]\nplaceholders = comment\n");
	assert_string_equal(config_placeholders_choices[f->cfg.log_placeholders], "comment");
	expect_ok(f, "[log]\nplaceholders = DROP\n");
	assert_string_equal(config_placeholders_choices[f->cfg.log_placeholders], "drop");
	expect_error(f, "[log]\nplaceholders = hide\n", 2,
		     "[log] placeholders: \"hide\" is not one of keep, comment or drop");
	expect_error(f, "[log]\n\nplaceholders =\n", 3,
		     "[log] placeholders: \"\" is not one of keep, comment or drop");
}

static void test_log_dir_errors(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[log]\ndir = notes/{repo}\n", 2,
		     "[log] dir: \"notes/{repo}\" is not an absolute path (nor does it start "
		     "with ~/, {data}/ or {repo})");
	expect_error(f, "[log]\ndir = ~bob/notes\n", 2,
		     "[log] dir: \"~bob/notes\" is not an absolute path (nor does it start with "
		     "~/, {data}/ or {repo})");
	expect_error(f, "[log]\ndir =\n", 2,
		     "[log] dir: \"\" is not an absolute path (nor does it start with ~/, "
		     "{data}/ or {repo})");
	expect_error(f, "[log]\ndir = /x/{date}/{repo}\n", 2,
		     "[log] dir: unknown placeholder {date} (use {repo_name} or {repo})");
	expect_error(f, "[log]\ndir = /x/{data}\n", 2,
		     "[log] dir: unknown placeholder {data} (use {repo_name} or {repo})");
	expect_error(f, "[log]\ndir = /x/{repo\n", 2,
		     "[log] dir: \"/x/{repo\" has a { without a matching }");

	unsetenv("HOME");
	expect_error(f, "[log]\n\ndir = ~/x\n", 3,
		     "[log] dir: cannot expand ~: HOME is not set to an absolute path");
	/* The default needs HOME too: no line to point at. */
	expect_error(f, "[log]\nmax_file_rows = 3\n", 0,
		     "[log] dir: default \"{data}/stint/logs/{repo_name}\": cannot expand "
		     "{data}: neither XDG_DATA_HOME nor HOME is set to an absolute path");
	assert_int_equal(config_load(&f->cfg, NULL, false, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, "[log] dir: default \"{data}/stint/logs/{repo_name}\": "
				    "cannot expand {data}: neither XDG_DATA_HOME nor HOME is set "
				    "to an absolute path");
	assert_finished(&f->cfg);
	/* config_init cannot fail: the path is left NULL. */
	config_init(&f->cfg);
	assert_null(f->cfg.log_dir);
	assert_int_equal(f->cfg.log_max_file_rows, 50);
	config_finish(&f->cfg);
	/* An absolute dir needs no HOME. */
	expect_ok(f, "[log]\ndir = /logs\n");
	assert_string_equal(f->cfg.log_dir, "/logs");
}

static void expect_rows(struct fixture *f, const char *value, int want)
{
	char text[512];

	snprintf(text, sizeof(text), "[log]\nmax_file_rows = %s\n", value);
	expect_ok(f, text);
	assert_int_equal(f->cfg.log_max_file_rows, want);
}

static void expect_rows_error(struct fixture *f, const char *value, const char *msg)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), "; rows\n[log]\nmax_file_rows = %s\n", value);
	snprintf(want, sizeof(want), "[log] max_file_rows: %s", msg);
	expect_error(f, text, 3, want);
}

static void test_integer_values(void **state)
{
	struct fixture *f = *state;

	expect_rows(f, "1", 1);
	expect_rows(f, "50", 50);
	expect_rows(f, "10000", 10000);
	expect_rows(f, "007", 7);
	expect_rows_error(f, "abc", "\"abc\" is not an integer (1 to 10000)");
	expect_rows_error(f, "", "\"\" is not an integer (1 to 10000)");
	expect_rows_error(f, "1.5", "\"1.5\" is not an integer (1 to 10000)");
	expect_rows_error(f, "0x10", "\"0x10\" is not an integer (1 to 10000)");
	expect_rows_error(f, "+5", "\"+5\" is not an integer (1 to 10000)");
	expect_rows_error(f, "5 rows", "\"5 rows\" is not an integer (1 to 10000)");
	expect_rows_error(f, "1e3", "\"1e3\" is not an integer (1 to 10000)");
	expect_rows_error(f, "-", "\"-\" is not an integer (1 to 10000)");
	expect_rows_error(f, "0", "\"0\" is out of range (1 to 10000)");
	expect_rows_error(f, "10001", "\"10001\" is out of range (1 to 10000)");
	expect_rows_error(f, "-1", "\"-1\" is out of range (1 to 10000)");
	expect_rows_error(f, "99999999999999999999",
			  "\"99999999999999999999\" is out of range (1 to 10000)");
}

static void expect_idle(struct fixture *f, const char *value, int64_t want)
{
	char text[512];

	snprintf(text, sizeof(text), "[time]\nidle_timeout = %s\n", value);
	expect_ok(f, text);
	assert_int_equal(f->cfg.idle_timeout_s, want);
}

static void expect_idle_error(struct fixture *f, const char *value, const char *msg)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), "[time]\n\nidle_timeout = %s\n", value);
	snprintf(want, sizeof(want), "[time] idle_timeout: %s", msg);
	expect_error(f, text, 3, want);
}

static void test_duration_values(void **state)
{
	struct fixture *f = *state;
	const char *syntax = "is not a duration (like 90s, 15m, 2h or 1h30m; 0 to 24h)";
	char msg[256];

	expect_idle(f, "90s", 90);
	expect_idle(f, "15m", 900);
	expect_idle(f, "2h", 7200);
	expect_idle(f, "1h30m", 5400);
	expect_idle(f, "0", 0);
	expect_idle(f, "90", 90);
	expect_idle(f, "24h", 86400);
	expect_idle(f, "1d", 86400);
	const char *bad[] = {"abc", "", "15 m", "-5m", "1h30", "1.5h", "15M", "m", "1w"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "\"%s\" %s", bad[i], syntax);
		expect_idle_error(f, bad[i], msg);
	}
	expect_idle_error(f, "25h", "\"25h\" is out of range (0 to 24h)");
	expect_idle_error(f, "1d1s", "\"1d1s\" is out of range (0 to 24h)");
	expect_idle_error(f, "86401", "\"86401\" is out of range (0 to 24h)");
	/* Past duration_parse's own limit: still "out of range", not "not a duration". */
	expect_idle_error(f, "9999d", "\"9999d\" is out of range (0 to 24h)");
	expect_idle_error(f, "99999999999999999999s",
			  "\"99999999999999999999s\" is out of range (0 to 24h)");
}

/* A struct of every type, filled through config_key_parse with keys of its own. */
struct sample {
	char *text;
	char *where;
	bool flag;
	int count;
	int64_t wait_s;
	int color;
};

static const char *const colors[] = {"red", "green", "blue", NULL};

static int reject_x(const char *value, char *err, size_t errn)
{
	if (strchr(value, 'x')) {
		snprintf(err, errn, "no x please");
		return -1;
	}
	return 0;
}

static const struct config_key sample_keys[] = {
    {.section = "s",
     .name = "text",
     .type = CONFIG_STRING,
     .offset = offsetof(struct sample, text),
     .def = "",
     .check = reject_x,
     .help = "h"},
    {.section = "s",
     .name = "where",
     .type = CONFIG_PATH,
     .offset = offsetof(struct sample, where),
     .def = "/",
     .help = "h"},
    {.section = "s",
     .name = "flag",
     .type = CONFIG_BOOL,
     .offset = offsetof(struct sample, flag),
     .def = "no",
     .help = "h"},
    {.section = "s",
     .name = "count",
     .type = CONFIG_INT,
     .offset = offsetof(struct sample, count),
     .def = "0",
     .min = -5,
     .max = 5,
     .help = "h"},
    {.section = "s",
     .name = "wait",
     .type = CONFIG_DURATION,
     .offset = offsetof(struct sample, wait_s),
     .def = "0",
     .min = 30,
     .max = 90 * 60,
     .help = "h"},
    {.section = "s",
     .name = "color",
     .type = CONFIG_ENUM,
     .offset = offsetof(struct sample, color),
     .def = "red",
     .choices = colors,
     .help = "h"},
};

enum { K_TEXT, K_WHERE, K_FLAG, K_COUNT, K_WAIT, K_COLOR };

static int sample_parse(struct sample *s, int key, const char *value, char *err, size_t n)
{
	err[0] = '\0';
	return config_key_parse(&sample_keys[key], value, s, err, n);
}

static void expect_sample_error(struct sample *s, int key, const char *value, const char *msg)
{
	char err[512];
	struct sample before = *s;

	if (sample_parse(s, key, value, err, sizeof(err)) != -1)
		fail_msg("%s = \"%s\" was accepted; want: %s", sample_keys[key].name, value, msg);
	assert_string_equal(err, msg);
	/* A bad value leaves the field as it was. */
	assert_memory_equal(s, &before, sizeof(before));
}

static void test_bool_values(void **state)
{
	struct sample s = {0};
	char err[256];
	const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes", "oN"};
	const char *no[] = {"false", "no", "off", "0", "False", "NO", "OFF"};
	const char *msg = "is not a boolean (true/false, yes/no, on/off or 1/0)";
	const char *bad[] = {"maybe", "", "2", "y", "n", "t", "enabled", "00", " true"};
	char want[256];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		s.flag = false;
		assert_int_equal(sample_parse(&s, K_FLAG, yes[i], err, sizeof(err)), 0);
		assert_true(s.flag);
		assert_int_equal(sample_parse(&s, K_FLAG, no[i], err, sizeof(err)), 0);
		assert_false(s.flag);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "\"%s\" %s", bad[i], msg);
		expect_sample_error(&s, K_FLAG, bad[i], want);
	}
}

static void test_enum_values(void **state)
{
	struct sample s = {0};
	char err[256];

	assert_int_equal(sample_parse(&s, K_COLOR, "green", err, sizeof(err)), 0);
	assert_int_equal(s.color, 1);
	assert_int_equal(sample_parse(&s, K_COLOR, "BLUE", err, sizeof(err)), 0);
	assert_int_equal(s.color, 2);
	assert_int_equal(sample_parse(&s, K_COLOR, "red", err, sizeof(err)), 0);
	assert_int_equal(s.color, 0);
	expect_sample_error(&s, K_COLOR, "purple", "\"purple\" is not one of red, green or blue");
	expect_sample_error(&s, K_COLOR, "", "\"\" is not one of red, green or blue");
	expect_sample_error(&s, K_COLOR, "re", "\"re\" is not one of red, green or blue");
	expect_sample_error(&s, K_COLOR, "0", "\"0\" is not one of red, green or blue");
}

static void test_string_values(void **state)
{
	struct fixture *f = *state;
	struct sample s = {0};
	char err[256], want[PATH_MAX * 2];

	assert_int_equal(sample_parse(&s, K_TEXT, "hello world", err, sizeof(err)), 0);
	assert_string_equal(s.text, "hello world");
	/* Replacing frees the old string (valgrind checks). */
	assert_int_equal(sample_parse(&s, K_TEXT, "", err, sizeof(err)), 0);
	assert_string_equal(s.text, "");
	assert_int_equal(sample_parse(&s, K_TEXT, "~/not a path", err, sizeof(err)), 0);
	assert_string_equal(s.text, "~/not a path");
	expect_sample_error(&s, K_TEXT, "xyz", "no x please");

	assert_int_equal(sample_parse(&s, K_WHERE, "~/a b", err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/a b", f->home);
	assert_string_equal(s.where, want);
	/* Placeholders are log dir's business, not every path's. */
	assert_int_equal(sample_parse(&s, K_WHERE, "/srv/{anything}", err, sizeof(err)), 0);
	assert_string_equal(s.where, "/srv/{anything}");
	expect_sample_error(&s, K_WHERE, "rel",
			    "\"rel\" is not an absolute path (nor does it start with ~/, "
			    "{data}/ or {repo})");
	free(s.text);
	free(s.where);
}

static void test_int_and_duration_keys_of_other_ranges(void **state)
{
	struct sample s = {0};
	char err[256];

	assert_int_equal(sample_parse(&s, K_COUNT, "-5", err, sizeof(err)), 0);
	assert_int_equal(s.count, -5);
	assert_int_equal(sample_parse(&s, K_COUNT, "5", err, sizeof(err)), 0);
	assert_int_equal(s.count, 5);
	expect_sample_error(&s, K_COUNT, "-6", "\"-6\" is out of range (-5 to 5)");
	expect_sample_error(&s, K_COUNT, "- 1", "\"- 1\" is not an integer (-5 to 5)");

	assert_int_equal(sample_parse(&s, K_WAIT, "30s", err, sizeof(err)), 0);
	assert_int_equal(s.wait_s, 30);
	assert_int_equal(sample_parse(&s, K_WAIT, "1h30m", err, sizeof(err)), 0);
	assert_int_equal(s.wait_s, 5400);
	expect_sample_error(&s, K_WAIT, "29", "\"29\" is out of range (30s to 1h30m)");
	expect_sample_error(&s, K_WAIT, "1h30m1s", "\"1h30m1s\" is out of range (30s to 1h30m)");
	expect_sample_error(&s, K_WAIT, "0", "\"0\" is out of range (30s to 1h30m)");
}

static void test_quotes(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "[log]\ndir = \"~/my logs/{repo}\"\nmax_file_rows = \"20\"\n");
	expect_log_dir(f, "/my logs/{repo}");
	assert_int_equal(f->cfg.log_max_file_rows, 20);
	/* Only a pair around the whole value is removed; no escapes. */
	expect_ok(f, "[log]\ndir = \"/a\"b\"\n");
	assert_string_equal(f->cfg.log_dir, "/a\"b");
	expect_ok(f, "[log]\ndir = /a\"b\"\n");
	assert_string_equal(f->cfg.log_dir, "/a\"b\"");
	expect_error(f, "[log]\ndir = \"/a\n", 2, "[log] dir: \"/a has no closing quote");
	expect_error(f, "[log]\ndir = \"\n", 2, "[log] dir: \" has no closing quote");
	expect_error(f, "[log]\nmax_file_rows = \"\"\n", 2,
		     "[log] max_file_rows: \"\" is not an integer (1 to 10000)");
	/* Quotes do not protect " ;": inih cuts the comment first. */
	expect_error(f, "[log]\ndir = \"/a ;b\"\n", 2, "[log] dir: \"/a has no closing quote");
}

static void test_inline_comments(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "[log] ; the log\nmax_file_rows = 20 ; twenty\ndir = /a ;x\n");
	assert_int_equal(f->cfg.log_max_file_rows, 20);
	assert_string_equal(f->cfg.log_dir, "/a");
	expect_ok(f, "[log]\n\tmax_file_rows = 4\t; tab before\n");
	assert_int_equal(f->cfg.log_max_file_rows, 4);
	/* A ';' without a space before it, and '#' anywhere but the start, are data. */
	expect_ok(f, "[log];x\ndir = /a;b\n");
	assert_string_equal(f->cfg.log_dir, "/a;b");
	expect_ok(f, "[log]\ndir = /a #b\n");
	assert_string_equal(f->cfg.log_dir, "/a #b");
	expect_rows_error(f, "5 # five", "\"5 # five\" is not an integer (1 to 10000)");
	expect_error(f, "[log] # no\n", 1, "unexpected text after [log]: \"# no\"");
}

static void test_unknown_sections(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[log]\nmax_file_rows = 3\n\n[bar]\nbaz = 1\n", 4, "unknown section [bar]");
	/* Even an empty one, which inih alone would never mention. */
	expect_error(f, "; c\n[log]\n[bar]\n", 3, "unknown section [bar]");
	expect_error(f, "[]\nx = 1\n", 1, "unknown section []");
	expect_error(f, "[ log ]\n", 1, "unknown section [ log ]; did you mean \"log\"?");
	expect_error(f, "[LOG]\n", 1, "unknown section [LOG]; did you mean \"log\"?");
	expect_error(f, "[log] junk\n", 1, "unexpected text after [log]: \"junk\"");
}

static void test_unknown_keys(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[log]\nfoo = 1\n", 2, "unknown key \"foo\" in [log]");
	expect_error(f, "[log]\nmaxfilerows = 1\n", 2,
		     "unknown key \"maxfilerows\" in [log]; did you mean \"max_file_rows\"?");
	expect_error(f, "[lgo]\n", 1, "unknown section [lgo]; did you mean \"log\"?");
	expect_error(f, "[time]\ndir = /x\n", 2,
		     "unknown key \"dir\" in [time]; it belongs in [log]");
	expect_error(f, "[log]\nDir = /x\n", 2,
		     "unknown key \"Dir\" in [log]; did you mean \"dir\"?");
	expect_error(f, "[log]\nmax file rows = 1\n", 2,
		     "unknown key \"max file rows\" in [log]; did you mean \"max_file_rows\"?");
	expect_error(f, "[log]\n= 5\n", 2, "[log]: missing key name before \"=\"");
}

static void test_key_before_any_section(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "max_file_rows = 5\n[log]\n", 1,
		     "key \"max_file_rows\" before any [section]");
	expect_error(f, "; header\n\nfoo = 5\n", 3, "key \"foo\" before any [section]");
	expect_error(f,
		     "\xEF\xBB\xBF"
		     "dir = /x\n",
		     1, "key \"dir\" before any [section]");
}

static void test_duplicate_keys(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[log]\ndir = /a\n; again\ndir = /a\n", 4,
		     "[log] dir: duplicate key (already set on line 2)");
	expect_error(f, "[log]\nmax_file_rows = 1\n[time]\n[log]\nmax_file_rows = 2\n", 5,
		     "[log] max_file_rows: duplicate key (already set on line 2)");
	/* A section may appear twice, as long as no key repeats. */
	expect_ok(f, "[log]\ndir = /a\n[time]\nidle_timeout = 1m\n[log]\nmax_file_rows = 2\n");
	assert_string_equal(f->cfg.log_dir, "/a");
	assert_int_equal(f->cfg.log_max_file_rows, 2);
	assert_int_equal(f->cfg.idle_timeout_s, 60);
}

static void test_syntax_error_line_numbers(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "; comment\n\n# another\n[log]\n\nthis is not a key\nmax_file_rows = 3\n",
		     6, "expected [section] or key = value: \"this is not a key\"");
	expect_error(f, "\n\n\n\n\n\n\n\n\n\n[log\n", 11,
		     "no closing ] in section header \"[log\"");
	/* inih's multi-line values are off: an indented line is not a continuation. */
	expect_error(f, "[log]\ndir = /a\n    /b\n", 3,
		     "expected [section] or key = value: \"/b\"");
	/* The last line needs no newline. */
	expect_error(f, "[log]\nmax_file_rows = 3\noops", 3,
		     "expected [section] or key = value: \"oops\"");
}

/* Loads text and expects every error, in line order: pairs of line and message, then 0. */
static void expect_errors(struct fixture *f, const char *text, ...)
{
	char want[4096] = "";
	size_t off = 0;
	va_list ap;
	int line;

	va_start(ap, text);
	while ((line = va_arg(ap, int)) != 0) {
		const char *msg = va_arg(ap, const char *);

		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s:%d: %s",
					off ? "\n" : "", f->file, line, msg);
	}
	va_end(ap);
	if (load_n(f, text, strlen(text)) != -1)
		fail_msg("config_load succeeded; want errors: %s", want);
	assert_string_equal(f->err, want);
	assert_finished(&f->cfg);
}

/* A check names every error at once, one a line, in line order; a bad section's keys are not
 * errors of their own. */
static void test_every_error_named(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "[log]\n\nbroken\n\nfoo = 1\n", 3,
		      "expected [section] or key = value: \"broken\"", 5,
		      "unknown key \"foo\" in [log]", 0);
	expect_errors(f, "[log]\nfoo = 1\n\nbroken\n", 2, "unknown key \"foo\" in [log]", 4,
		      "expected [section] or key = value: \"broken\"", 0);
	expect_errors(f, "[log]\nmax_file_rows = 0\nbroken\n[nope]\n", 2,
		      "[log] max_file_rows: \"0\" is out of range (1 to 10000)", 3,
		      "expected [section] or key = value: \"broken\"", 4, "unknown section [nope]",
		      0);
	expect_errors(f, "[nope]\nbroken\nenabled = false\n[log]\nmax_file_rows = x\n", 1,
		      "unknown section [nope]", 2, "expected [section] or key = value: \"broken\"",
		      5, "[log] max_file_rows: \"x\" is not an integer (1 to 10000)", 0);
}

static void test_crlf_line_endings(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "; windows\r\n[log]\r\nmax_file_rows = 7\r\ndir = ~/x\r\n\r\n[time]\r\n"
		     "idle_timeout = 2h\r\n");
	assert_int_equal(f->cfg.log_max_file_rows, 7);
	expect_log_dir(f, "/x");
	assert_int_equal(f->cfg.idle_timeout_s, 7200);
	expect_error(f, "[log]\r\n\r\n; c\r\nmax_file_rows = 0\r\n", 4,
		     "[log] max_file_rows: \"0\" is out of range (1 to 10000)");
	expect_error(f, "[log]\r\n\r\nbad line\r\n", 3,
		     "expected [section] or key = value: \"bad line\"");
}

static void test_utf8_bom(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "\xEF\xBB\xBF[log]\nmax_file_rows = 8\n");
	assert_int_equal(f->cfg.log_max_file_rows, 8);
	expect_ok(f, "\xEF\xBB\xBF; comment\r\n[log]\r\ndir = /\xC3\xA9t\xC3\xA9\r\n");
	assert_string_equal(f->cfg.log_dir, "/\xC3\xA9t\xC3\xA9");
	expect_error(f,
		     "\xEF\xBB\xBF"
		     "oops\n",
		     1, "expected [section] or key = value: \"oops\"");
	expect_error(f, "\xEF\xBB\xBF[x]\n", 1, "unknown section [x]");
	/* Only at the very start. */
	expect_error(f,
		     "[log]\n\xEF\xBB\xBF"
		     "dir = /x\n",
		     2,
		     "unknown key \"\xEF\xBB\xBF"
		     "dir\" in [log]");
}

static int probed_num;

static char *probe_reader(char *str, int num, void *stream)
{
	probed_num = num;
	return NULL;
}

static int probe_handler(void *user, const char *section, const char *name, const char *value)
{
	return 1;
}

/* The longest line (without spaces around it or the line ending) this inih build takes. */
static size_t inih_max_line(void)
{
	int dummy;

	ini_parse_stream(probe_reader, &dummy, probe_handler, NULL);
	assert_true(probed_num > 2);
	return (size_t)probed_num - 2;
}

static void test_long_lines(void **state)
{
	struct fixture *f = *state;
	size_t max = inih_max_line();
	char *text = malloc(max + 6000), msg[256], *p;
	size_t vlen;

	/* "dir = /aaa...": exactly max bytes is fine, and nothing is cut. */
	vlen = max - strlen("dir = ");
	p = text + sprintf(text, "[log]\n\t dir = /");
	memset(p, 'a', vlen - 1);
	strcpy(p + vlen - 1, "  \nmax_file_rows = 2\n");
	expect_ok(f, text);
	assert_int_equal(strlen(f->cfg.log_dir), vlen);
	assert_int_equal(f->cfg.log_max_file_rows, 2);

	/* One byte more is an error on that line, not a silently cut value. */
	p = text + sprintf(text, "; c\n[log]\ndir = /");
	memset(p, 'a', vlen);
	strcpy(p + vlen, "\nmax_file_rows = 2\n");
	snprintf(msg, sizeof(msg), "line is too long (%zu bytes, at most %zu)", max + 1, max);
	expect_error(f, text, 3, msg);

	/* Far longer: inih would read the rest as more lines; the "x = 1" must not count. */
	p = text + sprintf(text, "[log]\nmax_file_rows = ");
	memset(p, '1', 5000);
	strcpy(p + 5000, "\nmax_file_rows = 3\n");
	snprintf(msg, sizeof(msg), "line is too long (%zu bytes, at most %zu)",
		 strlen("max_file_rows = ") + 5000, max);
	expect_error(f, text, 2, msg);

	/* A long comment is cut, harmlessly, even if its tail looks like a key. */
	p = text + sprintf(text, "[log]\n; ");
	memset(p, 'c', 3000);
	strcpy(p + 3000, " max_file_rows = 3\ndir = /ok\n");
	expect_ok(f, text);
	assert_int_equal(f->cfg.log_max_file_rows, 50);
	assert_string_equal(f->cfg.log_dir, "/ok");
	free(text);
}

static void test_nul_byte(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "[log]\nmax_file_rows = 5\0junk\ndir = /x\n";

	expect_error_n(f, text, sizeof(text) - 1, 2, "line contains a NUL byte");
}

/* The checks' names and commands, "name=command" joined by '|', to compare in one go. */
static void expect_checks(struct fixture *f, const char *want)
{
	char have[16384] = "";
	size_t off = 0;

	for (size_t i = 0; i < f->cfg.checks.n && off < sizeof(have); i++)
		off +=
		    (size_t)snprintf(have + off, sizeof(have) - off, "%s%s=%s", i ? "|" : "",
				     f->cfg.checks.entries[i].name, f->cfg.checks.entries[i].value);
	assert_string_equal(have, want);
}

static void test_checks_section(void **state)
{
	struct fixture *f = *state;

	/* File order is kept; names are free-form, even a [log] key's. */
	expect_ok(f, "[checks]\nzeta = make test\nalpha = ./lint.sh\nA-1_b = true\ndir = ls\n");
	expect_checks(f, "zeta=make test|alpha=./lint.sh|A-1_b=true|dir=ls");
	/* An empty section, comments and blank lines. */
	expect_ok(f, "[checks]\n; none yet\n\n# really\n");
	expect_checks(f, "");
	expect_ok(f, "[checks] ; the checks\n  ; indented comment\n\ttest   =   make  test  \n");
	expect_checks(f, "test=make  test");
	/* The value runs to the end of the line: " ;", "#" and quotes are the shell's. */
	expect_ok(f, "[checks]\n"
		     "a = make ; make test\n"
		     "b = echo \"x\" # y\n"
		     "c = \"./my tool\" --flag\n"
		     "d = \"quoted\"\n"
		     "e = x=1 y=2 ./run\n"
		     "f: echo a:b\n"
		     "g = [ -f x ] || exit 1\n");
	expect_checks(f, "a=make ; make test|b=echo \"x\" # y|c=\"./my tool\" --flag|"
			 "d=\"quoted\"|e=x=1 y=2 ./run|f=echo a:b|g=[ -f x ] || exit 1");
	/* Other sections before and after, and [checks] again: its entries add up. */
	expect_ok(f, "[log]\nmax_file_rows = 3\n[checks]\nt = a\n[time]\nidle_timeout = 1m\n"
		     "[checks]\nu = b\n[log]\ncheck_timeout = 1h\n");
	expect_checks(f, "t=a|u=b");
	assert_int_equal(f->cfg.log_max_file_rows, 3);
	assert_int_equal(f->cfg.idle_timeout_s, 60);
	assert_int_equal(f->cfg.check_timeout_s, 3600);
	/* CRLF, and the last line without a newline. */
	expect_ok(f, "[checks]\r\nt = make\r\nu = b");
	expect_checks(f, "t=make|u=b");
}

static void test_checks_errors(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[checks]\nmy test = make\n", 2,
		     "[checks] my test: not a valid name (letters, digits, _ and -, at most 64 "
		     "bytes)");
	expect_error(f, "[checks]\na.b = make\n", 2,
		     "[checks] a.b: not a valid name (letters, digits, _ and -, at most 64 bytes)");
	expect_error(f, "[checks]\nt\xC3\xA9st = make\n", 2,
		     "[checks] t\xC3\xA9st: not a valid name (letters, digits, _ and -, at most "
		     "64 bytes)");
	expect_error(f, "[checks]\n= make\n", 2, "[checks]: missing key name before \"=\"");
	expect_error(f, "[checks]\nt =\n", 2, "[checks] t: the command is empty");
	expect_error(f, "[checks]\nt =   \t \n", 2, "[checks] t: the command is empty");
	expect_error(f, "[checks]\n\nmake test\n", 3,
		     "expected [section] or key = value: \"make test\"");
	expect_error(f, "[checks]\ntest = make\nlint = x\n; again\ntest = make\n", 5,
		     "[checks] test: duplicate key (already set on line 2)");
	expect_error(f, "[checks]\nt = a\n[log]\n[checks]\nt = b\n", 5,
		     "[checks] t: duplicate key (already set on line 2)");
	/* Names are case-sensitive, like keys. */
	expect_ok(f, "[checks]\ntest = a\nTest = b\n");
	expect_checks(f, "test=a|Test=b");
	/* An error after a good check frees what was read (valgrind checks). */
	expect_error(f, "[checks]\nt = a\nu = b\n[log]\nmax_file_rows = 0\n", 5,
		     "[log] max_file_rows: \"0\" is out of range (1 to 10000)");
	expect_error(f, "[checks]\nt = a\n[nope]\n", 3, "unknown section [nope]");
	expect_error(f, "[CHECKS]\nt = a\n", 1,
		     "unknown section [CHECKS]; did you mean \"checks\"?");
}

static void test_checks_limits(void **state)
{
	struct fixture *f = *state;
	size_t max = inih_max_line();
	char *text = malloc(64 * 128 + 8192), msg[256], *p;

	/* 32 checks; a 33rd is an error. */
	p = text + sprintf(text, "[checks]\n");
	for (int i = 0; i < 32; i++)
		p += sprintf(p, "c%d = echo %d\n", i, i);
	expect_ok(f, text);
	assert_int_equal(f->cfg.checks.n, 32);
	assert_string_equal(f->cfg.checks.entries[31].name, "c31");
	assert_string_equal(f->cfg.checks.entries[31].value, "echo 31");
	strcpy(p, "c32 = echo 32\n");
	expect_error(f, text, 34, "[checks] c32: too many entries (at most 32)");

	/* A name of 64 bytes, not 65. */
	p = text + sprintf(text, "[checks]\n");
	memset(p, 'n', 64);
	strcpy(p + 64, " = true\n");
	expect_ok(f, text);
	assert_int_equal(strlen(f->cfg.checks.entries[0].name), 64);
	p = text + sprintf(text, "[checks]\n");
	memset(p, 'n', 65);
	strcpy(p + 65, " = true\n");
	snprintf(msg, sizeof(msg),
		 "[checks] %.65s: not a valid name (letters, digits, _ and -, at most 64 bytes)",
		 p);
	expect_error(f, text, 2, msg);

	/* A command is not bound by inih's line length: 4096 bytes, not 4097. */
	assert_true(max < 4096);
	p = text + sprintf(text, "[checks]\nlong = ");
	memset(p, 'x', 4096);
	strcpy(p + 4096, "\n[log]\nmax_file_rows = 2\n");
	expect_ok(f, text);
	assert_int_equal(strlen(f->cfg.checks.entries[0].value), 4096);
	assert_int_equal(f->cfg.log_max_file_rows, 2);
	p = text + sprintf(text, "[checks]\nlong = ");
	memset(p, 'x', 4097);
	strcpy(p + 4097, "\n");
	expect_error(f, text, 2,
		     "[checks] long: the command is too long (4097 bytes, at most 4096)");
	/* Outside [checks] the line limit still holds. */
	p = text + sprintf(text, "[checks]\nt = a\n[log]\ndir = /");
	memset(p, 'a', max);
	strcpy(p + max, "\n");
	snprintf(msg, sizeof(msg), "line is too long (%zu bytes, at most %zu)",
		 strlen("dir = /") + max, max);
	expect_error(f, text, 4, msg);
	free(text);
}

static void expect_check_timeout(struct fixture *f, const char *value, int64_t want)
{
	char text[512];

	snprintf(text, sizeof(text), "[log]\ncheck_timeout = %s\n", value);
	expect_ok(f, text);
	assert_int_equal(f->cfg.check_timeout_s, want);
}

static void test_check_timeout(void **state)
{
	struct fixture *f = *state;

	expect_check_timeout(f, "2s", 2);
	expect_check_timeout(f, "1", 1);
	expect_check_timeout(f, "5m", 300);
	expect_check_timeout(f, "1h", 3600);
	expect_error(f, "[log]\ncheck_timeout = 0\n", 2,
		     "[log] check_timeout: \"0\" is out of range (1s to 1h)");
	expect_error(f, "[log]\ncheck_timeout = 1h1s\n", 2,
		     "[log] check_timeout: \"1h1s\" is out of range (1s to 1h)");
	expect_error(f, "[log]\ncheck_timeout = soon\n", 2,
		     "[log] check_timeout: \"soon\" is not a duration (like 90s, 15m, 2h or "
		     "1h30m; 1s to 1h)");
	/* [checks] holds checks, not their settings. */
	expect_ok(f, "[checks]\ntimeout = 10s\n");
	expect_checks(f, "timeout=10s");
	assert_int_equal(f->cfg.check_timeout_s, 300);
}

static void test_default_file_is_committed(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	char *have, *want = capture(config_write_default);

	source_path(path, sizeof(path), "config/config.ini");
	have = slurp(path);
	expect_generated("config/config.ini", path, have, want, "config.ini.generated", want);
	assert_int_equal(config_load(&f->cfg, path, false, f->err, sizeof(f->err)), 0);
	expect_defaults(&f->cfg, f->home);
	assert_string_equal(f->cfg.path, path);
	free(have);
	free(want);
}

/* Uncommenting every ";key = default" line of the default file changes nothing. */
static void test_default_file_uncommented(void **state)
{
	struct fixture *f = *state;
	char *text = capture(config_write_default);
	int keys = 0;

	for (char *line = text; *line; line = strchr(line, '\n') + 1) {
		if (line[0] == ';' && line[1] != ' ' && line[1] != '\n' && strstr(line, " = ")) {
			line[0] = ' ';
			keys++;
		}
	}
	/* Nineteen keys and the two example checks. */
	assert_int_equal(keys, 22);
	expect_ok(f, text);
	expect_checks(f, "test=make test|lint=clang-tidy src/*.c");
	expect_default_keys(&f->cfg, f->home);
	free(text);
}

static void test_markdown_is_in_the_docs(void **state)
{
	char path[PATH_MAX];
	const char *begin_mark = "<!-- keys:begin -->\n", *end_mark = "<!-- keys:end -->";
	char *doc, *begin, *end, *have, *want, *gen = capture(config_write_markdown);
	size_t n;

	source_path(path, sizeof(path), "docs/configuration.md");
	doc = slurp(path);
	begin = strstr(doc, begin_mark);
	end = begin ? strstr(begin, end_mark) : NULL;
	if (!begin || !end)
		fail_msg("%s has no \"%s\" ... \"%s\" markers", path, "<!-- keys:begin -->",
			 end_mark);
	begin += strlen(begin_mark);
	have = strndup(begin, (size_t)(end - begin));
	n = strlen(gen) + 3;
	want = malloc(n);
	snprintf(want, n, "\n%s\n", gen);
	if (strcmp(have, want) != 0) {
		size_t dn = strlen(doc) + n;
		char *fixed = malloc(dn);

		snprintf(fixed, dn, "%.*s%s%s", (int)(begin - doc), doc, want, end);
		expect_generated("docs/configuration.md's key table", path, have, want,
				 "configuration.md.generated", fixed);
		free(fixed);
	}
	/* The table has a row per key. */
	assert_non_null(
	    strstr(gen, "| `[log]` | `dir` | path | `{data}/stint/logs/{repo_name}` |"));
	assert_non_null(strstr(gen, "| `[log]` | `max_file_rows` | integer, 1 to 10000 | `50` |"));
	assert_non_null(strstr(gen, "| `[log]` | `template` | path, or empty | empty |"));
	assert_non_null(strstr(gen, "| `[time]` | `idle_timeout` | duration, 0 to 24h | `15m` |"));
	assert_non_null(
	    strstr(gen, "| `[log]` | `check_timeout` | duration, 1s to 1h | `5m` | How long"));
	assert_non_null(strstr(gen, "| `[checks]` | *any name* | names, each with a string, at "
				    "most 32 | none | Quality checks"));
	assert_non_null(
	    strstr(gen, "Example: `test = make test`, `lint = clang-tidy src/*.c`. |\n"));
	free(doc);
	free(have);
	free(want);
	free(gen);
}

/* stint-config(5)'s KEYS section is the key table's scdoc, between markers scdoc ignores. */
static void test_scdoc_is_in_the_man_page(void **state)
{
	const char *begin_mark = "; keys:begin\n", *end_mark = "; keys:end";
	char path[PATH_MAX], *page, *begin, *end, *have, *want, *fixed;
	char *gen = capture(config_write_scdoc);
	size_t n, dn;

	(void)state;
	source_path(path, sizeof(path), "docs/man/stint-config.5.scd");
	page = slurp(path);
	begin = strstr(page, begin_mark);
	end = begin ? strstr(begin, end_mark) : NULL;
	if (!begin || !end)
		fail_msg("%s has no \"%s\" ... \"%s\" markers", path, "; keys:begin", end_mark);
	begin += strlen(begin_mark);
	have = strndup(begin, (size_t)(end - begin));
	n = strlen(gen) + 3;
	want = malloc(n);
	dn = strlen(page) + n;
	fixed = malloc(dn);
	assert_non_null(have);
	assert_non_null(want);
	assert_non_null(fixed);
	snprintf(want, n, "\n%s\n", gen);
	snprintf(fixed, dn, "%.*s%s%s", (int)(begin - page), page, want, end);
	expect_generated("stint-config(5)'s KEYS section", path, have, want,
			 "stint-config.5.scd.generated", fixed);
	/* A term per key, its type and default after it; markup in values escaped. */
	assert_non_null(strstr(gen, "## [log]\n\n*dir*\n\tDirectory for session logs."));
	assert_non_null(strstr(gen, "\n*max\\_file\\_rows*\n\t"));
	assert_non_null(strstr(gen, "\tType: integer, 1 to 10000. Default: *50*.\n"));
	assert_non_null(strstr(gen, "\tType: path, or empty. Default: empty.\n"));
	assert_non_null(strstr(gen, "\n## [checks]\n\n_name_ = _command_\n\tQuality checks"));
	assert_non_null(
	    strstr(gen, "Example: *test = make test*, *lint = clang-tidy src/\\*.c*.\n"));
	free(page);
	free(have);
	free(want);
	free(fixed);
	free(gen);
}

static void test_default_path(void **state)
{
	struct fixture *f = *state;
	char buf[PATH_MAX * 2], want[PATH_MAX * 2];

	snprintf(want, sizeof(want), "%s/.config/stint/config.ini", f->home);
	assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);

	setenv("XDG_CONFIG_HOME", "/cfg/", 1);
	assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/cfg/stint/config.ini");
	/* Ignored unless absolute. */
	setenv("XDG_CONFIG_HOME", "cfg", 1);
	assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);

	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	setenv("STINT_CONFIG", "/etc/my-stint.ini", 1);
	assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/my-stint.ini");
	assert_int_equal(config_default_path(buf, 10), -ENAMETOOLONG);
	setenv("STINT_CONFIG", "", 1);
	assert_int_equal(config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/cfg/stint/config.ini");

	unsetenv("STINT_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_int_equal(config_default_path(buf, sizeof(buf)), -ENOENT);
}

static void test_finish_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct config cfg;

	config_init(&cfg);
	config_finish(&cfg);
	assert_finished(&cfg);
	config_finish(&cfg);
	assert_finished(&cfg);
	expect_ok(f, "[log]\ndir = /x\n[checks]\nt = true\n");
	config_finish(&f->cfg);
	config_finish(&f->cfg);
	assert_finished(&f->cfg);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_defaults_without_a_file),
	    T(test_missing_file),
	    T(test_unreadable_and_huge_files),
	    T(test_empty_and_comment_only_files),
	    T(test_every_key_set),
	    T(test_indentation_and_spacing_ignored),
	    T(test_data_home_default),
	    T(test_home_expansion),
	    T(test_log_template),
	    T(test_log_placeholders),
	    T(test_log_dir_errors),
	    T(test_integer_values),
	    T(test_duration_values),
	    T(test_bool_values),
	    T(test_enum_values),
	    T(test_string_values),
	    T(test_int_and_duration_keys_of_other_ranges),
	    T(test_quotes),
	    T(test_inline_comments),
	    T(test_unknown_sections),
	    T(test_unknown_keys),
	    T(test_key_before_any_section),
	    T(test_duplicate_keys),
	    T(test_checks_section),
	    T(test_checks_errors),
	    T(test_checks_limits),
	    T(test_check_timeout),
	    T(test_syntax_error_line_numbers),
	    T(test_every_error_named),
	    T(test_crlf_line_endings),
	    T(test_utf8_bom),
	    T(test_long_lines),
	    T(test_nul_byte),
	    T(test_default_file_is_committed),
	    T(test_default_file_uncommented),
	    T(test_markdown_is_in_the_docs),
	    T(test_scdoc_is_in_the_man_page),
	    T(test_default_path),
	    T(test_finish_is_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
