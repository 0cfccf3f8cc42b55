#include "checks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

/* A process that outlives SIGKILL this long (stuck in the kernel) is given up on. */
#define CHECKS_ABANDON_MS 5000
/* Once the shell has exited and its group was sent SIGKILL, output is awaited this long. */
#define CHECKS_DRAIN_MS 1000

/*
 * stintd's own environment, for a stop nobody typed (an auto-stop, the notification's Stop
 * button, a stint too old to send its own), is passed on without these: what was meant for
 * stintd alone (systemd's service variables, D-Bus activation's), the loader's variables a
 * service manager or a tool gave stintd (they would change what every program of a check
 * loads), shell start-up files, and what is set anew. docs/configuration.md lists them.
 */
static const struct {
	const char *name;
	bool prefix; /* every variable whose name starts so */
} checks_env_blocked[] = {
    {"STINT_CHECK", false},
    {"PWD", false},
    {"BASH_ENV", false},
    {"ENV", false},
    {"LD_PRELOAD", false},
    {"LD_LIBRARY_PATH", false},
    {"LD_AUDIT", false},
    {"NOTIFY_SOCKET", false},
    {"LISTEN_PID", false},
    {"LISTEN_FDS", false},
    {"LISTEN_FDNAMES", false},
    {"WATCHDOG_PID", false},
    {"WATCHDOG_USEC", false},
    {"INVOCATION_ID", false},
    {"JOURNAL_STREAM", false},
    {"SYSTEMD_EXEC_PID", false},
    {"MAINPID", false},
    {"MANAGERPID", false},
    {"MEMORY_PRESSURE_WATCH", false},
    {"MEMORY_PRESSURE_WRITE", false},
    {"CREDENTIALS_DIRECTORY", false},
    {"RUNTIME_DIRECTORY", false},
    {"STATE_DIRECTORY", false},
    {"CACHE_DIRECTORY", false},
    {"LOGS_DIRECTORY", false},
    {"CONFIGURATION_DIRECTORY", false},
    {"DBUS_STARTER_", true},
};

/*
 * Set on the loop thread around uv_spawn: a child forked meanwhile marks every descriptor
 * above 2 close-on-exec before libuv sets up its stdio, so a check gets 0, 1 and 2 alone,
 * whatever stintd or a library opened without O_CLOEXEC. Read in the child after fork only.
 */
static volatile sig_atomic_t checks_spawning;
static pthread_once_t checks_atfork_once = PTHREAD_ONCE_INIT;

enum checks_phase {
	CHECKS_PHASE_RUNNING,  /* within the timeout */
	CHECKS_PHASE_TERM,     /* timed out: SIGTERM sent, SIGKILL next */
	CHECKS_PHASE_KILLED,   /* SIGKILL sent, waiting for the exit */
	CHECKS_PHASE_DRAIN,    /* the shell exited, the output is still open: SIGTERM sent */
	CHECKS_PHASE_DRAINKILL /* the same, after SIGKILL */
};

/* The check in progress. */
struct checks_current {
	bool pipe_open, proc_open; /* initialized and not yet closed */
	bool spawned, exited, eof, ended;
	bool abandoned; /* it outlived SIGKILL: no exit status */
	bool timed_out, cancelled;
	enum checks_phase phase;
	pid_t pid;
	int64_t exit_status;
	int term_signal;
	uint64_t start_ns, end_ns;
	size_t ring_pos; /* next write into run->ring */
	uint64_t total;	 /* bytes of output */
	char line[CHECKS_LINE_MAX];
	size_t line_len;
	bool line_long;
	struct checks_tests_state tests;
	char note[320]; /* why it failed to start, or what stintd gave up on */
};

struct checks_run {
	uv_loop_t *loop;
	char *cwd;
	struct config_entry *list;
	size_t n, cur;
	uint64_t timeout_ms;
	void (*done)(void *arg, json_t *results);
	void (*started)(void *arg, const char *name, size_t index, size_t n, int64_t timeout_s);
	void *arg;
	json_t *results;
	char **env;
	char *ring;
	uv_timer_t timer;
	uv_process_t proc;
	uv_pipe_t pipe;
	unsigned closing; /* close callbacks to come */
	bool cancelled, finishing;
	struct checks_current c;
	char rbuf[16 * 1024];
};

static void checks_start_check(struct checks_run *run);

static void checks_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

/* Whether the variable of entry ("NAME=VALUE") is blocked; caller: only what is set anew. */
static bool checks_env_is_blocked(const char *entry, bool caller)
{
	const char *eq = strchr(entry, '=');
	size_t n;

	if (!eq)
		return true;
	n = (size_t)(eq - entry);
	for (size_t j = 0; j < sizeof(checks_env_blocked) / sizeof(checks_env_blocked[0]); j++) {
		const char *b = checks_env_blocked[j].name;
		size_t bn = strlen(b);

		if (caller && strcmp(b, "STINT_CHECK") != 0 && strcmp(b, "PWD") != 0)
			continue;
		if (checks_env_blocked[j].prefix ? n >= bn && memcmp(entry, b, bn) == 0
						 : n == bn && memcmp(entry, b, bn) == 0)
			return true;
	}
	return false;
}

/*
 * A check's environment, in cwd: the caller's (an array of "NAME=VALUE" strings) when given,
 * else stintd's own without checks_env_blocked; then STINT_CHECK=1 and PWD.
 */
static char **checks_env_build(const char *cwd, const json_t *caller)
{
	size_t n = 0, k = 0;
	char **env;

	if (caller)
		n = json_array_size(caller);
	else
		while (environ && environ[n])
			n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = caller ? json_string_value(json_array_get(caller, i)) : environ[i];

		if (!e || checks_env_is_blocked(e, caller != NULL))
			continue;
		env[k] = strdup(e);
		if (!env[k++])
			goto oom;
	}
	env[k] = strdup("STINT_CHECK=1");
	if (!env[k++])
		goto oom;
	if (asprintf(&env[k], "PWD=%s", cwd) < 0) {
		env[k] = NULL;
		goto oom;
	}
	return env;
oom:
	checks_env_free(env);
	return NULL;
}

/* In the child after fork (async-signal-safe calls only): see checks_spawning. */
static void checks_atfork_child(void)
{
	struct rlimit rl;

	if (!checks_spawning)
		return;
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* Linux before 5.11: one by one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	for (rlim_t fd = 3; fd < rl.rlim_cur; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

static void checks_atfork_register(void)
{
	if (pthread_atfork(NULL, NULL, checks_atfork_child) != 0)
		log_warnx("checks: cannot register the fork handler: descriptors stintd opened "
			  "without close-on-exec could reach the checks");
}

static void checks_run_free(struct checks_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		free(run->list[i].name);
		free(run->list[i].value);
	}
	free(run->list);
	free(run->cwd);
	checks_env_free(run->env);
	free(run->ring);
	json_decref(run->results);
	free(run);
}

/* Output into the ring and, line by line, the summary parser. */
static void checks_output_add(struct checks_run *run, const char *buf, size_t n)
{
	struct checks_current *c = &run->c;

	c->total += n;
	for (size_t i = 0; i < n;) {
		size_t room = CHECKS_RING_BYTES - c->ring_pos, k = n - i < room ? n - i : room;

		memcpy(run->ring + c->ring_pos, buf + i, k);
		c->ring_pos = (c->ring_pos + k) % CHECKS_RING_BYTES;
		i += k;
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (!c->line_long)
				checks_tests_feed_line(&c->tests, c->line, c->line_len);
			c->line_len = 0;
			c->line_long = false;
		} else if (c->line_len < CHECKS_LINE_MAX) {
			c->line[c->line_len++] = buf[i];
		} else {
			c->line_long = true;
		}
	}
}

/* The ring's contents in order, then a line of stintd's own, if any; malloc'd. */
static char *checks_ring_text(struct checks_run *run, size_t *len, const char *note)
{
	struct checks_current *c = &run->c;
	size_t n = c->total < CHECKS_RING_BYTES ? (size_t)c->total : CHECKS_RING_BYTES;
	size_t nn = strlen(note);
	char *s = malloc(n + nn + 3);

	if (!s)
		return NULL;
	if (c->total <= CHECKS_RING_BYTES) {
		memcpy(s, run->ring, n);
	} else {
		memcpy(s, run->ring + c->ring_pos, CHECKS_RING_BYTES - c->ring_pos);
		memcpy(s + CHECKS_RING_BYTES - c->ring_pos, run->ring, c->ring_pos);
	}
	if (nn) {
		if (n > 0 && s[n - 1] != '\n')
			s[n++] = '\n';
		memcpy(s + n, note, nn);
		n += nn;
		s[n++] = '\n';
	}
	s[n] = '\0';
	*len = n;
	return s;
}

static json_t *checks_result_json(struct checks_run *run)
{
	struct checks_current *c = &run->c;
	const struct config_entry *e = &run->list[run->cur];
	bool exited_normally = c->spawned && c->exited && !c->abandoned && c->term_signal == 0;
	bool ok = exited_normally && c->exit_status == 0 && !c->timed_out && !c->cancelled;
	uint64_t ns = c->end_ns > c->start_ns ? c->end_ns - c->start_ns : 0;
	struct checks_tests counts;
	json_t *r = json_object();
	char *text, *tail = NULL;
	size_t len = 0;

	if (!r)
		return NULL;
	/* The last line, without a newline. */
	if (!c->line_long && c->line_len > 0)
		checks_tests_feed_line(&c->tests, c->line, c->line_len);
	text = checks_ring_text(run, &len, c->note);
	if (text) {
		tail = checks_output_tail(text, len, c->total > CHECKS_RING_BYTES);
		free(text);
	}
	json_object_set_new(r, "name", json_string(e->name));
	json_object_set_new(r, "ok", json_boolean(ok));
	if (exited_normally)
		json_object_set_new(r, "exit", json_integer(c->exit_status));
	if (c->spawned && c->exited && c->term_signal)
		json_object_set_new(r, "signal", json_integer(c->term_signal));
	json_object_set_new(r, "seconds", json_real((double)(ns / 1000000) / 1000.0));
	json_object_set_new(r, "timed_out", json_boolean(c->timed_out));
	json_object_set_new(r, "output_tail", json_string(tail ? tail : ""));
	if (checks_tests_result(&c->tests, &counts))
		json_object_set_new(
		    r, "tests",
		    json_pack("{s:I, s:I, s:I}", "passed", (json_int_t)counts.passed, "failed",
			      (json_int_t)counts.failed, "skipped", (json_int_t)counts.skipped));
	if (c->cancelled)
		json_object_set_new(r, "cancelled", json_true());
	free(tail);
	return r;
}

static void checks_close_cb(uv_handle_t *h)
{
	struct checks_run *run = h->data;

	run->closing--;
	if (run->closing > 0)
		return;
	if (run->finishing) {
		json_t *results = run->results;

		run->results = NULL;
		run->done(run->arg, results);
		checks_run_free(run);
	} else if (run->c.ended) {
		run->cur++;
		checks_start_check(run);
	}
}

static void checks_handle_close(struct checks_run *run, uv_handle_t *h, bool *open)
{
	if (!*open)
		return;
	*open = false;
	run->closing++;
	uv_close(h, checks_close_cb);
}

static void checks_run_finish(struct checks_run *run)
{
	run->finishing = true;
	run->closing++;
	uv_close((uv_handle_t *)&run->timer, checks_close_cb);
}

/* Records the check once its shell is gone and its output read (or given up on). */
static void checks_end_check(struct checks_run *run)
{
	struct checks_current *c = &run->c;
	json_t *r;

	if (c->ended)
		return;
	c->ended = true;
	if (!c->end_ns)
		c->end_ns = uv_hrtime();
	uv_timer_stop(&run->timer);
	r = checks_result_json(run);
	if (!r || !run->results || json_array_append_new(run->results, r) < 0) {
		log_warnx("checks: out of memory recording check \"%s\"", run->list[run->cur].name);
		json_decref(run->results);
		run->results = NULL;
	}
	checks_handle_close(run, (uv_handle_t *)&run->pipe, &c->pipe_open);
	checks_handle_close(run, (uv_handle_t *)&run->proc, &c->proc_open);
	if (run->closing == 0) {
		run->cur++;
		checks_start_check(run);
	}
}

static void checks_kill_group(struct checks_run *run, int sig)
{
	if (run->c.spawned && run->c.pid > 0 && kill(-run->c.pid, sig) < 0 && errno != ESRCH)
		log_warn("checks: cannot signal the process group of check \"%s\"",
			 run->list[run->cur].name);
}

static void checks_timer_cb(uv_timer_t *t);

/* Enters phase next, due to end in ms; sig (0: none) goes to the check's process group first. */
static void checks_enter_phase(struct checks_run *run, int sig, enum checks_phase next, uint64_t ms)
{
	if (sig)
		checks_kill_group(run, sig);
	run->c.phase = next;
	uv_timer_start(&run->timer, checks_timer_cb, ms, 0);
}

static void checks_timer_cb(uv_timer_t *t)
{
	struct checks_run *run = t->data;
	struct checks_current *c = &run->c;

	switch (c->phase) {
	case CHECKS_PHASE_RUNNING:
		c->timed_out = true;
		checks_enter_phase(run, SIGTERM, CHECKS_PHASE_TERM, CHECKS_KILL_DELAY_MS);
		break;
	case CHECKS_PHASE_TERM:
		checks_enter_phase(run, SIGKILL, CHECKS_PHASE_KILLED, CHECKS_ABANDON_MS);
		break;
	case CHECKS_PHASE_KILLED:
		/* Stuck in the kernel: libuv forgets it once closed; it stays a zombie. */
		log_warnx(
		    "checks: check \"%s\" (pid %d) did not exit after SIGKILL; giving up on it",
		    run->list[run->cur].name, (int)c->pid);
		snprintf(c->note, sizeof(c->note),
			 "stint: the check did not exit %d s after SIGKILL; stopped waiting",
			 CHECKS_ABANDON_MS / 1000);
		c->exited = true;
		c->abandoned = true;
		checks_end_check(run);
		break;
	case CHECKS_PHASE_DRAIN:
		checks_enter_phase(run, SIGKILL, CHECKS_PHASE_DRAINKILL, CHECKS_DRAIN_MS);
		break;
	case CHECKS_PHASE_DRAINKILL:
		snprintf(c->note, sizeof(c->note),
			 "stint: a process the check started outside its process group still "
			 "held the output open after the check exited; stopped reading");
		checks_end_check(run);
		break;
	}
}

static void checks_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct checks_run *run = p->data;
	struct checks_current *c = &run->c;

	c->exited = true;
	c->end_ns = uv_hrtime();
	c->exit_status = status;
	c->term_signal = sig;
	checks_handle_close(run, (uv_handle_t *)&run->proc, &c->proc_open);
	if (c->eof) {
		checks_end_check(run);
		return;
	}
	/* Something it started still holds the output open: it belongs to the check, so it goes. */
	switch (c->phase) {
	case CHECKS_PHASE_RUNNING:
		checks_enter_phase(run, SIGTERM, CHECKS_PHASE_DRAIN, CHECKS_KILL_DELAY_MS);
		break;
	case CHECKS_PHASE_TERM:
		/* SIGTERM went out at the timeout; SIGKILL stays due when it was. */
		c->phase = CHECKS_PHASE_DRAIN;
		break;
	case CHECKS_PHASE_KILLED:
	case CHECKS_PHASE_DRAIN:
	case CHECKS_PHASE_DRAINKILL:
		checks_enter_phase(run, 0, CHECKS_PHASE_DRAINKILL, CHECKS_DRAIN_MS);
		break;
	}
}

static void checks_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct checks_run *run = h->data;

	*buf = uv_buf_init(run->rbuf, sizeof(run->rbuf));
}

static void checks_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct checks_run *run = s->data;
	struct checks_current *c = &run->c;

	if (nread > 0) {
		checks_output_add(run, buf->base, (size_t)nread);
		return;
	}
	if (nread == 0)
		return;
	if (nread != UV_EOF)
		log_warnx("checks: reading the output of check \"%s\": %s",
			  run->list[run->cur].name, uv_strerror((int)nread));
	c->eof = true;
	checks_handle_close(run, (uv_handle_t *)&run->pipe, &c->pipe_open);
	if (c->exited)
		checks_end_check(run);
}

/* A check that could not start: why, in its output_tail. */
static void checks_start_failed(struct checks_run *run, int err, const char *what)
{
	struct checks_current *c = &run->c;

	if (err == UV_ENOENT || err == UV_ENOTDIR || err == UV_EACCES) {
		/* uv_spawn does not say whether chdir or exec failed. */
		if (access(run->cwd, X_OK) < 0)
			snprintf(c->note, sizeof(c->note), "stint: cannot run the check in %s: %s",
				 run->cwd, strerror(errno));
		else
			snprintf(c->note, sizeof(c->note), "stint: cannot run /bin/sh: %s",
				 uv_strerror(err));
	} else {
		snprintf(c->note, sizeof(c->note), "stint: cannot run the check (%s): %s", what,
			 uv_strerror(err));
	}
	log_warnx("checks: \"%s\": %s", run->list[run->cur].name, c->note + strlen("stint: "));
	c->exited = true;
	c->eof = true;
	checks_end_check(run);
}

static void checks_start_check(struct checks_run *run)
{
	struct checks_current *c = &run->c;
	const struct config_entry *e;
	uv_process_options_t opt = {0};
	uv_stdio_container_t stdio[3];
	uv_file fds[2];
	char *args[4];
	int r;

	if (run->cancelled || run->cur >= run->n) {
		checks_run_finish(run);
		return;
	}
	e = &run->list[run->cur];
	if (run->started)
		run->started(run->arg, e->name, run->cur, run->n,
			     (int64_t)(run->timeout_ms / 1000));
	memset(c, 0, sizeof(*c));
	checks_tests_init(&c->tests);
	c->start_ns = uv_hrtime();
	r = uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
	if (r < 0) {
		checks_start_failed(run, r, "pipe");
		return;
	}
	uv_pipe_init(run->loop, &run->pipe, 0);
	run->pipe.data = run;
	c->pipe_open = true;
	r = uv_pipe_open(&run->pipe, fds[0]);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		checks_start_failed(run, r, "uv_pipe_open");
		return;
	}
	args[0] = "sh";
	args[1] = "-c";
	args[2] = e->value;
	args[3] = NULL;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = fds[1];
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = fds[1];
	opt.file = "/bin/sh";
	opt.args = args;
	opt.env = run->env;
	opt.cwd = run->cwd;
	opt.flags = UV_PROCESS_DETACHED;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = checks_exit_cb;
	/* The handle is initialized even when spawning fails, and must be closed. */
	checks_spawning = 1;
	r = uv_spawn(run->loop, &run->proc, &opt);
	checks_spawning = 0;
	run->proc.data = run;
	c->proc_open = true;
	close(fds[1]);
	if (r < 0) {
		checks_start_failed(run, r, "uv_spawn");
		return;
	}
	c->spawned = true;
	c->pid = run->proc.pid;
	log_debug("checks: \"%s\" started in %s (pid %d)", e->name, run->cwd, (int)c->pid);
	r = uv_read_start((uv_stream_t *)&run->pipe, checks_alloc_cb, checks_read_cb);
	if (r < 0) {
		log_warnx("checks: cannot read the output of check \"%s\": %s", e->name,
			  uv_strerror(r));
		c->eof = true;
		checks_handle_close(run, (uv_handle_t *)&run->pipe, &c->pipe_open);
	}
	checks_enter_phase(run, 0, CHECKS_PHASE_RUNNING, run->timeout_ms);
}

int checks_run(uv_loop_t *loop, const char *cwd, const struct config_entry *list, size_t n,
	       int64_t timeout_s, void (*done)(void *arg, json_t *results), void *arg,
	       struct checks_run **out)
{
	struct checks_hooks h = {.done = done};

	return checks_run_with(loop, cwd, list, n, timeout_s, &h, arg, out);
}

int checks_run_with(uv_loop_t *loop, const char *cwd, const struct config_entry *list, size_t n,
		    int64_t timeout_s, const struct checks_hooks *h, void *arg,
		    struct checks_run **out)
{
	struct checks_run *run;

	if (!loop || !cwd || !h || !h->done || timeout_s < 1 || (n > 0 && !list))
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->loop = loop;
	run->done = h->done;
	run->started = h->started;
	run->arg = arg;
	run->timeout_ms = (uint64_t)timeout_s * 1000;
	run->cwd = strdup(cwd);
	pthread_once(&checks_atfork_once, checks_atfork_register);
	run->env = checks_env_build(cwd, h->env);
	run->ring = malloc(CHECKS_RING_BYTES);
	run->results = json_array();
	run->list = n ? calloc(n, sizeof(*run->list)) : NULL;
	if (!run->cwd || !run->env || !run->ring || !run->results || (n && !run->list)) {
		checks_run_free(run);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		run->list[i].name = strdup(list[i].name);
		run->list[i].value = strdup(list[i].value);
		run->n = i + 1;
		if (!run->list[i].name || !run->list[i].value) {
			checks_run_free(run);
			return -ENOMEM;
		}
	}
	uv_timer_init(loop, &run->timer);
	run->timer.data = run;
	if (out)
		*out = run;
	checks_start_check(run);
	return 0;
}

void checks_cancel(struct checks_run *run)
{
	struct checks_current *c;

	if (!run)
		return;
	c = &run->c;
	if (!run->cancelled)
		log_info("checks: cancelled in %s", run->cwd);
	run->cancelled = true;
	/* Between checks or finishing: checks_start_check sees the flag. */
	if (run->finishing || c->ended || !c->spawned || c->phase == CHECKS_PHASE_KILLED ||
	    c->phase == CHECKS_PHASE_DRAINKILL)
		return;
	uv_timer_stop(&run->timer);
	if (c->exited) {
		/* It had finished; only what it left running is cut short. */
		checks_enter_phase(run, SIGKILL, CHECKS_PHASE_DRAINKILL, CHECKS_DRAIN_MS);
	} else {
		c->cancelled = true;
		checks_enter_phase(run, SIGKILL, CHECKS_PHASE_KILLED, CHECKS_ABANDON_MS);
	}
}
