#include "testdaemon.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "repo.h"
#include "sessions.h"
#include "sessions_restore.h"
#include "sessions_start.h"
#include "sessions_stop.h"
#include "store.h"
#include "testutil.h"
#include "track.h"

void testdaemon_global_init(void)
{
	repo_global_init();
}

void testdaemon_global_shutdown(void)
{
	uv_library_shutdown();
	repo_global_shutdown();
}

void testdaemon_init(struct testdaemon *t, const char *name)
{
	char dir[PATH_MAX], err[512];

	memset(t, 0, sizeof(*t));
	if (!testutil_mkdtemp(dir, sizeof(dir), NULL, name) || !realpath(dir, t->dir))
		fail_msg("cannot make a temporary directory for %s", name);
	if ((size_t)snprintf(t->db, sizeof(t->db), "%s/stint.db", t->dir) >= sizeof(t->db))
		fail_msg("path too long: %s", t->dir);
	assert_int_equal(uv_loop_init(&t->loop), 0);
	t->d.loop = &t->loop;
	if (time_boot_id(t->d.boot_id) < 0)
		snprintf(t->d.boot_id, sizeof(t->d.boot_id), "unknown");
	t->d.started_mono_ns = time_mono_ns();
	t->d.store = store_open(&t->loop, t->db, err, sizeof(err));
	if (!t->d.store)
		fail_msg("%s", err);
	testdaemon_config(t, "[log]\ndir = %s/logs/{repo_name}\n", t->dir);
}

void testdaemon_finish(struct testdaemon *t)
{
	/* Whatever a test left in flight ends before anything is freed. */
	testdaemon_run(t);
	assert_int_equal(t->d.jobs, 0);
	assert_false(store_busy(t->d.store));
	sessions_stop_finish(&t->d);
	sessions_free_all(&t->d);
	json_decref(t->d.closed);
	store_close(t->d.store);
	/* The tests have no watcher, so no watch was added; the (empty) tracking state goes. */
	track_finish(&t->d);
	assert_null(t->d.notify);
	assert_int_equal(uv_loop_close(&t->loop), 0);
	config_finish(&t->d.cfg);
	testutil_rm_rf(t->dir);
}

void testdaemon_config(struct testdaemon *t, const char *fmt, ...)
{
	char path[PATH_MAX + 16], text[4096], err[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/config.ini", t->dir);
	testutil_write_file_n(path, text, strlen(text));
	config_finish(&t->d.cfg);
	if (config_load(&t->d.cfg, path, false, err, sizeof(err)) < 0)
		fail_msg("config_load: %s\n--- config ---\n%s", err, text);
	sessions_configure(&t->d);
}

void testdaemon_run(struct testdaemon *t)
{
	uv_run(&t->loop, UV_RUN_DEFAULT);
}

static double testdaemon_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void testdaemon_run_until(struct testdaemon *t, const bool *flag, double seconds)
{
	double end = testdaemon_now() + seconds;

	while (!*flag) {
		if (testdaemon_now() > end)
			fail_msg("still waiting after %.0f s", seconds);
		/* Blocks until something happens when work is in flight; else returns at once. */
		if (uv_run(&t->loop, UV_RUN_ONCE) == 0 && !*flag)
			nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

void testdaemon_mkdir(struct testdaemon *t, const char *name, char *path)
{
	if (snprintf(path, PATH_MAX, "%s/%s", t->dir, name) >= PATH_MAX)
		fail_msg("path too long: %s/%s", t->dir, name);
	if (mkdir(path, 0755) < 0)
		fail_msg("cannot make %s", path);
}

void testdaemon_git_repo(struct testdaemon *t, const char *name, char *path)
{
	char cmd[2 * PATH_MAX];

	testdaemon_mkdir(t, name, path);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null && "
		 "git init -q -b main && echo hello >README && git add README && "
		 "git -c user.name=Unit -c user.email=u@example.com commit -q -m initial",
		 path);
	if (system(cmd) != 0)
		fail_msg("cannot make a git repository in %s", path);
}

char *testdaemon_read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text = calloc(1, 1 << 20);
	size_t n;

	if (!fp || !text)
		fail_msg("cannot read %s", path);
	n = fread(text, 1, (1 << 20) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	return text;
}

static int testdaemon_collect(void *arg, json_t *row, json_t *events)
{
	json_array_append_new(arg, json_pack("{s:O, s:O}", "row", row, "events", events));
	return 0;
}

json_t *testdaemon_stored_open(struct testdaemon *t)
{
	char err[512];
	struct store *st = store_open(&t->loop, t->db, err, sizeof(err));
	json_t *all = json_array();

	if (!st)
		fail_msg("%s", err);
	if (store_load_open(st, testdaemon_collect, all, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	store_close(st);
	return all;
}

json_t *testdaemon_stored_closed(struct testdaemon *t)
{
	struct store_op op = {.kind = STORE_OP_LIST, .limit = 100};

	if (store_run_now(t->d.store, &op) < 0)
		fail_msg("listing closed sessions: %s", op.err);
	return op.result;
}

void testdaemon_event_kinds(json_t *events, char *buf, size_t n)
{
	size_t i, len = 0;
	json_t *ev;

	buf[0] = '\0';
	json_array_foreach(events, i, ev)
	{
		int w = snprintf(buf + len, n - len, "%s%s", i ? "," : "",
				 json_string_value(json_object_get(ev, "kind")));

		if (w < 0 || (size_t)w >= n - len)
			fail_msg("event kinds longer than %zu bytes", n);
		len += (size_t)w;
	}
}
