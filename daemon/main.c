#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "autostart.h"
#include "checks.h"
#include "config.h"
#include "ctl.h"
#include "deadline.h"
#include "dispatch.h"
#include "log.h"
#include "logprep.h"
#include "notify.h"
#include "repo.h"
#include "repo_watch.h"
#include "sleepwatch.h"
#include "sockpath.h"
#include "stintd.h"
#include "store.h"
#include "template.h"
#include "track.h"
#include "version.h"

/* The config file was named (STINT_CONFIG, -c): then it must exist, a typo is not "defaults". */
static bool config_named;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: stintd [-v] [--foreground] [--config PATH]\n"
		"       stintd --check-config [--config PATH]\n"
		"       stintd --print-default-config | --print-config-markdown | --version\n"
		"\n"
		"The stint daemon: tracks coding sessions for the stint CLI over a unix socket.\n"
		"  -v, --verbose          debug logging\n"
		"  -f, --foreground       run in the foreground (the default; stintd never forks)\n"
		"  -c, --config PATH      config file (default $STINT_CONFIG, else\n"
		"                         $XDG_CONFIG_HOME/stint/config.ini)\n"
		"      --check-config     validate the config file and exit\n"
		"      --print-default-config   the commented default config\n"
		"      --print-config-markdown  the config reference as Markdown\n");
}

static void notify_systemd(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static char *state_dir(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char buf[PATH_MAX];

	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/stint", xdg);
	else if (home && *home == '/')
		snprintf(buf, sizeof(buf), "%s/.local/state/stint", home);
	else
		return NULL;
	return strdup(buf);
}

/* One daemon per user: an flock on a file beside the socket, holding our pid for the message. */
/*
 * One stintd per socket and one per state directory (the database): an flock'd stintd.lock
 * in each, holding "pid\nsocket\n" so a refusal can say which daemon has it.
 */
static int take_lock(const char *dir, const char *sockpath)
{
	char path[PATH_MAX], buf[SOCKPATH_MAX + 64], *nl;
	int fd, n;

	if (snprintf(path, sizeof(path), "%s/stintd.lock", dir) >= (int)sizeof(path))
		fatalx("path too long: %s", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		fatal("cannot open lock file %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			fatal("cannot lock %s", path);
		n = (int)pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		/* "pid\nsocket\n": say where the other one serves when it is elsewhere. */
		nl = strchr(buf, '\n');
		if (nl) {
			*nl++ = '\0';
			nl[strcspn(nl, "\n")] = '\0';
		}
		if (nl && *nl && strcmp(nl, sockpath) != 0)
			fatalx("already running (pid %s) with the state directory %s, serving %s",
			       *buf ? buf : "unknown", dir, nl);
		fatalx("already running (pid %s)", *buf ? buf : "unknown");
	}
	n = snprintf(buf, sizeof(buf), "%d\n%s\n", (int)getpid(), sockpath);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("cannot write pid to %s", path);
	return fd;
}

/* A socket handed over by systemd (or systemd-socket-activate), or -1. */
static int passed_socket(void)
{
#ifdef HAVE_SYSTEMD
	int n = sd_listen_fds(1);

	if (n < 0)
		log_warnx("sd_listen_fds: %s", strerror(-n));
	if (n > 1)
		fatalx("systemd passed %d sockets; expected one", n);
	if (n == 1) {
		if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
			fatalx(
			    "the socket passed by systemd is not a listening unix stream socket");
		return SD_LISTEN_FDS_START;
	}
#endif
	return -1;
}

void stintd_maybe_exit(struct stintd *d)
{
	if (!d->stopping || d->jobs > 0 || store_busy(d->store))
		return;
	ctl_close_all(d->ctl);
	autostart_finish(d);
	sleepwatch_stop(d);
	if (d->watcher) {
		for (struct session *s = d->sessions; s; s = s->next)
			track_stop(d, s);
		repo_watcher_destroy(d->watcher);
		d->watcher = NULL;
	}
	if (!uv_is_closing((uv_handle_t *)&d->sig_term)) {
		uv_close((uv_handle_t *)&d->sig_term, NULL);
		uv_close((uv_handle_t *)&d->sig_int, NULL);
		uv_close((uv_handle_t *)&d->sig_hup, NULL);
		uv_close((uv_handle_t *)&d->watchdog, NULL);
		deadline_close(d);
		notify_close(d);
	}
}

static void store_idle(void *arg)
{
	stintd_maybe_exit(arg);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
	struct stintd *d = h->data;

	if (d->stopping)
		return;
	log_info("%s: finishing work in flight, then exiting", strsignal(signum));
	notify_systemd("STOPPING=1");
	d->stopping = true;
	uv_timer_stop(&d->watchdog);
	uv_timer_stop(&d->deadline);
	for (struct session *s = d->sessions; s; s = s->next)
		if (s->checks_run)
			checks_cancel(s->checks_run);
	ctl_shutdown(d->ctl);
	notify_shutdown(d);
	stintd_maybe_exit(d);
}

static void on_hup(uv_signal_t *h, int signum)
{
	struct stintd *d = h->data;
	struct config n;
	char err[1024];

	(void)signum;
	notify_systemd("RELOADING=1");
	if (config_load(&n, d->config_path, !config_named, err, sizeof(err)) < 0) {
		log_warnx("config: not reloaded, keeping the old settings: %s", err);
	} else {
		config_finish(&d->cfg);
		d->cfg = n;
		for (struct session *s = d->sessions; s; s = s->next)
			s->idle_timeout_ns = config_idle_ns(&d->cfg);
		notify_configure(d);
		deadline_rearm(d);
		autostart_sync(d);
		log_info("config: reloaded %s", d->config_path);
	}
	notify_systemd("READY=1");
}

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	notify_systemd("WATCHDOG=1");
}

static void start_watchdog(struct stintd *d)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000) {
		uv_timer_start(&d->watchdog, on_watchdog, usec / 2000, usec / 2000);
		d->watchdog_on = true;
	}
#else
	(void)d;
#endif
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	/* Hundreds of clients at once each hold a descriptor. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Open sessions restored from the store; those that crossed a reboot get a recover event. */
static void recover_sessions(struct stintd *d, bool clean)
{
	for (struct session *s = d->sessions; s; s = s->next) {
		const struct stamp *last = &s->events[s->nevents - 1].at;
		struct stamp now;

		/* A clean exit on the same boot leaves nothing to recover: the clock kept running.
		 */
		if (clean && strcmp(last->boot_id, d->boot_id) == 0)
			continue;
		bool reboot = strcmp(last->boot_id, d->boot_id) != 0;
		struct store_op op = {
		    .kind = STORE_OP_APPEND_EVENT, .session_id = s->id, .event = "recover"};

		stamp_now(&now, d->boot_id);
		op.at = now;
		op.payload = json_pack("{s:b}", "reboot", reboot);
		/* Committed before any client is served, so the gap is on record. */
		if (store_run_now(d->store, &op) < 0)
			fatalx("store: cannot record the recovery of session %lld: %s",
			       (long long)s->id, op.err);
		session_apply(s, "recover", &now, op.payload);
		json_decref(op.payload);
		s->recovered = true;
		log_info(
		    "session %lld recovered; the time since its last event is not counted as work",
		    (long long)s->id);
	}
}

/* The watcher's timing; test builds take shorter periods from the environment. */
static const struct repo_watcher_timing *watch_timing(void)
{
#ifdef STINT_TEST_HOOKS
	static struct repo_watcher_timing t;
	const char *rescan = getenv("STINT_TEST_RESCAN_MS");

	if (rescan) {
		t.degraded_rescan_ms = (unsigned)strtoul(rescan, NULL, 10);
		return &t;
	}
#endif
	return NULL;
}

static int check_config(const char *path)
{
	struct config cfg;
	char err[1024];

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		if (config_named) {
			fprintf(stderr, "stintd: %s: no such file (named by %s)\n", path,
				getenv("STINT_CONFIG") ? "STINT_CONFIG" : "the command line");
			return 1;
		}
		printf("%s: no such file; the defaults are in use\n", path);
		return 0;
	}
	if (config_load(&cfg, path, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "stintd: %s\n", err);
		return 1;
	}
	if (cfg.log_template && *cfg.log_template) {
		char *text = NULL;

		if (logprep_read_template(cfg.log_template, &text, err, sizeof(err)) < 0 ||
		    template_check(text, cfg.log_template, err, sizeof(err)) < 0) {
			fprintf(stderr, "stintd: %s\n", err);
			free(text);
			config_finish(&cfg);
			return 1;
		}
		free(text);
	}
	config_finish(&cfg);
	printf("%s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"verbose", no_argument, NULL, 'v'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"print-default-config", no_argument, NULL, 'D'},
	    {"print-config-markdown", no_argument, NULL, 'M'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct stintd d = {0};
	char sockpath[SOCKPATH_MAX], sockdir[SOCKPATH_MAX], path[PATH_MAX], err[1024];
	enum log_level level = LOG_LEVEL_INFO;
	bool check = false, clean;
	int opt, lockfd, statelockfd, listenfd;
	struct session *s;

	while ((opt = getopt_long(argc, argv, "vfc:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			level = LOG_LEVEL_DEBUG;
			break;
		case 'f':
			break;
		case 'c':
			d.config_path = strdup(optarg);
			break;
		case 'C':
			check = true;
			break;
		case 'D':
			config_write_default(stdout);
			return 0;
		case 'M':
			config_write_markdown(stdout);
			return 0;
		case 'V':
#ifdef STINT_TEST_HOOKS
			printf("stintd %s (test hooks)\n", STINT_VERSION);
#else
			printf("stintd %s\n", STINT_VERSION);
#endif
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	log_init("stintd", level);
	config_named = d.config_path || (getenv("STINT_CONFIG") && *getenv("STINT_CONFIG"));
	if (!d.config_path) {
		if (config_default_path(path, sizeof(path)) < 0)
			fatalx("cannot find the config file: set HOME or STINT_CONFIG");
		d.config_path = strdup(path);
	}
	if (check) {
		int rc = check_config(d.config_path);

		free(d.config_path);
		return rc;
	}

	signal(SIGPIPE, SIG_IGN);
	/* A write past RLIMIT_FSIZE then fails with EFBIG and is reported, instead of killing us.
	 */
	signal(SIGXFSZ, SIG_IGN);
	umask(022);
	raise_fd_limit();
	if (config_load(&d.cfg, d.config_path, !config_named, err, sizeof(err)) < 0)
		fatalx("%s", err);

	if (sockpath_resolve(sockpath, sizeof(sockpath)) < 0)
		fatalx("socket path too long; set STINT_SOCKET to a shorter path");
	listenfd = passed_socket();
	if (sockpath_dir_ensure(sockpath, err, sizeof(err)) < 0)
		fatalx("socket directory: %s", err);
	if (sockpath_dir(sockpath, sockdir, sizeof(sockdir)) < 0)
		fatalx("socket path too long: %s", sockpath);
	lockfd = take_lock(sockdir, sockpath);

	d.state_dir = state_dir();
	if (!d.state_dir)
		fatalx("cannot find the state directory: set HOME or XDG_STATE_HOME");
	if (mkdir_p(d.state_dir, 0700) < 0)
		fatal("cannot create %s", d.state_dir);
	/* Two daemons on one database would each see half the sessions. */
	statelockfd = take_lock(d.state_dir, sockpath);
	if (time_boot_id(d.boot_id) < 0) {
		log_warnx("cannot read the boot id; reboots will not be detected");
		snprintf(d.boot_id, sizeof(d.boot_id), "unknown");
	}
	d.started_mono_ns = time_mono_ns();
	repo_global_init();

	d.loop = uv_default_loop();
	snprintf(path, sizeof(path), "%s/stint.db", d.state_dir);
	d.store = store_open(d.loop, path, err, sizeof(err));
	if (!d.store)
		fatalx("%s", err);
	d.watcher = repo_watcher_create(d.loop, watch_timing());
	if (!d.watcher)
		fatalx("out of memory");
#ifdef STINT_TEST_HOOKS
	/* Test builds only: a small watch budget makes the degraded mode reachable in a test. */
	if (getenv("STINT_TEST_MAX_WATCHES"))
		repo_watcher_set_limit(d.watcher,
				       strtoul(getenv("STINT_TEST_MAX_WATCHES"), NULL, 10));
#endif
	clean = store_begin_run(d.store);
	if (store_load_open(d.store, dispatch_restore, &d, err, sizeof(err)) < 0)
		fatalx("%s", err);
	recover_sessions(&d, clean);
	store_set_idle_cb(d.store, store_idle, &d);
	if (autostart_init(&d) < 0)
		fatalx("out of memory");

	d.ctl = ctl_create(&d);
	if (!d.ctl)
		fatalx("out of memory");
	if (ctl_listen(d.ctl, listenfd >= 0 ? NULL : sockpath, listenfd, err, sizeof(err)) < 0)
		fatalx("%s", err);

	uv_signal_init(d.loop, &d.sig_term);
	uv_signal_init(d.loop, &d.sig_int);
	uv_signal_init(d.loop, &d.sig_hup);
	uv_timer_init(d.loop, &d.watchdog);
	d.sig_term.data = d.sig_int.data = d.sig_hup.data = d.watchdog.data = &d;
	uv_signal_start(&d.sig_term, on_stop_signal, SIGTERM);
	uv_signal_start(&d.sig_int, on_stop_signal, SIGINT);
	uv_signal_start(&d.sig_hup, on_hup, SIGHUP);
	start_watchdog(&d);
	deadline_init(&d);
	notify_configure(&d);
	deadline_rearm(&d);
	sleepwatch_start(&d);

	log_info("stintd %s serving %s (pid %d)", STINT_VERSION,
		 listenfd >= 0 ? "a socket passed by systemd" : sockpath, (int)getpid());
	notify_systemd("READY=1");
	uv_run(d.loop, UV_RUN_DEFAULT);

	store_end_run(d.store);
	store_close(d.store);
	ctl_destroy(d.ctl);
	while ((s = d.sessions)) {
		d.sessions = s->next;
		session_destroy(s);
	}
	uv_loop_close(d.loop);
	/* Join the worker threads first, so libgit2 frees their per-thread state. */
	uv_library_shutdown();
	repo_global_shutdown();
	config_finish(&d.cfg);
	free(d.config_path);
	free(d.state_dir);
	close(statelockfd);
	close(lockfd);
	log_info("exited cleanly");
	return 0;
}
