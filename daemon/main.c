#include <dirent.h>
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

#include "cmd.h"
#include "config.h"
#include "config_doc.h"
#include "ctl.h"
#include "deadline.h"
#include "log.h"
#include "logwriter.h"
#include "logwriter_sweep.h"
#include "notify.h"
#include "paths.h"
#include "repo.h"
#include "repo_watch.h"
#include "sessions.h"
#include "sessions_restore.h"
#include "sessions_stop.h"
#include "sleepwatch.h"
#include "sockpath.h"
#include "status_file.h"
#include "stintd.h"
#include "store.h"
#include "store_backup.h"
#include "store_check.h"
#include "template.h"
#include "track.h"
#include "version.h"
#include "watched.h"

/* The synopsis; with full, every option (--help); else where to find them (a mistake). */
static void main_usage(FILE *f, bool full)
{
	fputs("usage: stintd [-v] [--foreground] [--config PATH]\n"
	      "       stintd --check-config [--config PATH]\n"
	      "       stintd --check-db [--restore]\n"
	      "       stintd --log-dir DIR [--config PATH]\n"
	      "       stintd --print-default-config | --print-config-markdown | --version\n"
	      "       stintd --print-config-scdoc\n",
	      f);
	if (!full) {
		fputs("Run 'stintd --help' for details.\n", f);
		return;
	}
	fprintf(
	    f,
	    "\n"
	    "The stint daemon: tracks coding sessions for the stint CLI over a unix socket.\n"
	    "  -v, --verbose          debug logging\n"
	    "  -f, --foreground       run in the foreground (the default; stintd never forks)\n"
	    "  -c, --config PATH      config file (default $STINT_CONFIG, else\n"
	    "                         $XDG_CONFIG_HOME/stint/config.ini)\n"
	    "      --check-config     validate the config file and exit\n"
	    "      --check-db         check the store and its backups, and exit (1: damaged)\n"
	    "      --restore          with --check-db: put the newest good backup in place of a\n"
	    "                         damaged store, which is kept aside (stintd must not run)\n"
	    "      --log-dir DIR      print the log directory of the repository containing DIR, "
	    "as\n"
	    "                         [log] dir gives it (what `stint report --logs` reads)\n"
	    "      --print-default-config   the commented default config\n"
	    "      --print-config-markdown  the config reference as Markdown\n"
	    "      --print-config-scdoc     the config reference for stint-config(5), in scdoc\n");
}

static void main_notify_systemd(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

/*
 * One stintd per socket and one per state directory (the database): an flock'd stintd.lock
 * in each, holding "pid\nsocket\n" so a refusal can say which daemon has it.
 */
static int main_take_lock(const char *dir, const char *sockpath)
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
static int main_passed_socket(void)
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

/*
 * The config as start-up, --check-config and SIGHUP all load it: the file, then the [log]
 * template it names, so a reload never takes a template a stop would refuse. named: the file
 * was named (STINT_CONFIG, -c), so it must exist; a typo is not "defaults".
 */
static int main_load_config(struct config *cfg, const char *path, bool named, char *err,
			    size_t errn)
{
	char *text = NULL;
	int r;

	if (config_load(cfg, path, !named, err, errn) < 0)
		return -1;
	if (!cfg->log_template || !*cfg->log_template)
		return 0;
	r = template_read_file(cfg->log_template, &text, err, errn);
	if (r == 0)
		r = template_check(text, cfg->log_template, err, errn);
	free(text);
	if (r < 0) {
		config_finish(cfg);
		return -1;
	}
	return 0;
}

/* Shutdown's last step, once no work is in flight: every handle is closed, the loop ends. */
static void main_close_all(struct stintd *d)
{
	status_file_close(d);
	ctl_close_all(d->ctl);
	watched_finish(d);
	sleepwatch_stop(d);
	track_finish(d);
	if (d->watcher) {
		repo_watcher_destroy(d->watcher);
		d->watcher = NULL;
	}
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	uv_close((uv_handle_t *)&d->watchdog, NULL);
	uv_close((uv_handle_t *)&d->backup, NULL);
	uv_close((uv_handle_t *)&d->after, NULL);
	deadline_close(d);
	notify_close(d);
}

/*
 * Once per loop iteration in which something changed (stintd_changed), just before the loop
 * blocks: what must follow any change runs here, once, instead of at each call site (tmux's
 * server_loop does the same). A prepare handle, not a check one: a change made by a timer's
 * callback must be seen before the loop sleeps, not after the next wake-up.
 */
static void main_after_changes(uv_prepare_t *h)
{
	struct stintd *d = h->data;
	struct stamp now;

	if (!d->changed)
		return;
	d->changed = false;
	if (!d->stopping) {
		track_sync(d);
		watched_sync(d);
	}
	/* Stopping, this only sends the summaries of the stops that finished; the timer stops. */
	session_stamp_now(&now, d->boot_id);
	deadline_rearm(d, &now, notify_decide(d, &now));
	status_file_publish(d);
	if (d->stopping && d->jobs == 0 && !store_busy(d->store))
		main_close_all(d);
}

/*
 * A command's reply goes out before the loop comes round to main_after_changes: a prompt drawn
 * right after `stint pause` must not read the snapshot from before it.
 */
static void main_before_reply(void *arg)
{
	struct stintd *d = arg;

	if (d->changed)
		status_file_publish(d);
}

/* How old the newest backup may grow; test builds take a shorter period from the environment. */
static int64_t main_backup_period_ms(void)
{
#ifdef STINT_TEST_HOOKS
	const char *ms = getenv("STINT_TEST_BACKUP_PERIOD_MS");

	if (ms && *ms)
		return strtoll(ms, NULL, 10);
#endif
	return STORE_BACKUP_PERIOD_MS;
}

/* A backup on the pool: its own connections, so the store's batches run on meanwhile. */
struct main_backup_job {
	struct stintd_work work;
	char db_path[PATH_MAX], made[PATH_MAX], err[1024];
	int64_t now_ms;
	int rc;
};

static void main_backup_due(uv_timer_t *t);

/* Arms the timer for when the newest backup is a period old: the copy's age decides, so a
 * restart makes no new copy. A failed copy is retried within the hour. */
static void main_backup_arm(struct stintd *d, bool failed)
{
	char newest[PATH_MAX];
	int64_t period = main_backup_period_ms(), retry = period < 3600000 ? period : 3600000;
	int64_t t = store_backup_newest(store_path(d->store), newest, sizeof(newest)), due;

	due = failed ? retry : t < 0 ? 0 : t + period - time_wall_ms();
	/* A backup dated in the future (the clock went back) waits one period at most. */
	due = due < 0 ? 0 : due > period ? period : due;
	uv_timer_start(&d->backup, main_backup_due, (uint64_t)due, 0);
	log_debug("backup: the next copy of %s is due in %llds", store_path(d->store),
		  (long long)(due / 1000));
}

static void main_backup_work(uv_work_t *req)
{
	struct main_backup_job *job = req->data;

	job->rc = store_backup_make(job->db_path, job->now_ms, job->made, sizeof(job->made),
				    job->err, sizeof(job->err));
}

static void main_backup_done(uv_work_t *req, int status)
{
	struct main_backup_job *job = req->data;
	struct stintd *d = job->work.d;
	bool failed = status < 0 || job->rc < 0;

	if (status < 0)
		log_warnx("backup: not made: %s", uv_strerror(status));
	else if (job->rc < 0)
		log_warnx("%s", job->err);
	else
		log_info("backup: %s made", job->made);
	free(job);
	if (!d->stopping)
		main_backup_arm(d, failed);
}

static void main_backup_due(uv_timer_t *t)
{
	struct stintd *d = t->data;
	struct main_backup_job *job;

	if (d->stopping)
		return;
	job = calloc(1, sizeof(*job));
	if (!job) {
		main_backup_arm(d, true);
		return;
	}
	snprintf(job->db_path, sizeof(job->db_path), "%s", store_path(d->store));
	job->now_ms = time_wall_ms();
	if (stintd_queue_work(d, &job->work, job, main_backup_work, main_backup_done) < 0) {
		free(job);
		main_backup_arm(d, true);
	}
}

/*
 * PRAGMA quick_check reads every page of the store (a quarter of a second of CPU for 100 000
 * sessions), so it runs on the pool once stintd serves, on a connection of its own: a damaged
 * page under an open session is found by the restore anyway (every read error is one), and
 * what the check finds elsewhere joins status's warning when it is done.
 */
struct main_check_job {
	struct stintd_work work;
	char db_path[PATH_MAX];
	char *found;
};

static void main_check_work(uv_work_t *req)
{
	struct main_check_job *job = req->data;

	job->found = store_quick_check_file(job->db_path);
}

static void main_check_done(uv_work_t *req, int status)
{
	struct main_check_job *job = req->data;
	struct stintd *d = job->work.d;

	if (status < 0) {
		log_warnx("store: quick_check of %s not run: %s", job->db_path,
			  uv_strerror(status));
	} else if (!job->found) {
		log_debug("store: quick_check of %s: ok", job->db_path);
	} else {
		store_set_damage(d->store, job->found);
		job->found = NULL;
		sessions_restore_report(d);
	}
	free(job->found);
	free(job);
}

static void main_check_start(struct stintd *d)
{
	struct main_check_job *job = calloc(1, sizeof(*job));

	if (!job) {
		log_warnx("store: quick_check not run: out of memory");
		return;
	}
	snprintf(job->db_path, sizeof(job->db_path), "%s", store_path(d->store));
	if (stintd_queue_work(d, &job->work, job, main_check_work, main_check_done) < 0) {
		log_warnx("store: quick_check not run: cannot queue it");
		free(job);
	}
}

/*
 * At a clean exit, once the store is closed and the locks are released: the copy reads the
 * file on a connection of its own, so a stintd started meanwhile (the CLI's autostart) is not
 * refused as "already running" while it is made.
 */
static void main_backup_at_exit(const char *db_path)
{
	char made[PATH_MAX], err[1024];

	if (store_backup_make(db_path, time_wall_ms(), made, sizeof(made), err, sizeof(err)) < 0)
		log_warnx("%s", err);
	else
		log_info("backup: %s made", made);
}

static void main_store_idle(void *arg)
{
	stintd_changed(arg);
}

static void main_on_stop_signal(uv_signal_t *h, int signum)
{
	struct stintd *d = h->data;

	if (d->stopping)
		return;
	log_info("%s: finishing work in flight, then exiting", strsignal(signum));
	main_notify_systemd("STOPPING=1");
	d->stopping = true;
	uv_timer_stop(&d->watchdog);
	sessions_stop_cancel_checks(d);
	ctl_shutdown(d->ctl);
	notify_shutdown(d);
	stintd_changed(d);
}

static void main_on_hup(uv_signal_t *h, int signum)
{
	struct stintd *d = h->data;
	struct config n;
	char err[1024];

	(void)signum;
	main_notify_systemd("RELOADING=1");
	if (main_load_config(&n, d->config_path, d->config_named, err, sizeof(err)) < 0) {
		log_warnx("config: not reloaded, keeping the old settings: %s", err);
	} else {
		config_finish(&d->cfg);
		d->cfg = n;
		sessions_configure(d);
		notify_configure(d);
		log_info("config: reloaded %s", d->config_path);
	}
	main_notify_systemd("READY=1");
}

static void main_on_watchdog(uv_timer_t *t)
{
	(void)t;
	main_notify_systemd("WATCHDOG=1");
}

static void main_start_watchdog(struct stintd *d)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000) {
		uv_timer_start(&d->watchdog, main_on_watchdog, usec / 2000, usec / 2000);
	}
#else
	(void)d;
#endif
}

static void main_raise_fd_limit(void)
{
	struct rlimit rl;

	/* Hundreds of clients at once each hold a descriptor. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Descriptors inherited from whatever started stintd (a shell's fd 9, a terminal's 251) are
 * marked close-on-exec, so that neither [checks] nor git children get them.
 */
static void main_cloexec_inherited(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	if (!dir) {
		log_warnx("cannot list /proc/self/fd: %s; inherited descriptors stay open",
			  strerror(errno));
		return;
	}
	while ((e = readdir(dir))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int flags;

		if (*end || end == e->d_name || fd <= 2 || fd == dirfd(dir))
			continue;
		flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(dir);
}

/*
 * A stint that started us reads our stderr on a pipe (STINT_STDERR_PIPE=1), to quote what made a
 * start-up fail. Once we serve, stderr joins stdout, our log, and that pipe ends.
 */
static void main_stderr_to_log(void)
{
	const char *v = getenv("STINT_STDERR_PIPE");

	if (!v || strcmp(v, "1") != 0)
		return;
	unsetenv("STINT_STDERR_PIPE");
	if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
		log_warn("cannot send stderr to the log");
}

/* The watcher's timing; test builds take shorter periods from the environment. */
static const struct repo_watcher_timing *main_watch_timing(void)
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

static int main_check_config(const char *path, bool named)
{
	struct config cfg;
	char err[1024];

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		if (named) {
			fprintf(stderr, "%s: no such file (named by %s)\n", path,
				getenv("STINT_CONFIG") ? "STINT_CONFIG" : "the command line");
			return 1;
		}
		printf("%s: no such file; the defaults are in use\n", path);
		return 0;
	}
	if (main_load_config(&cfg, path, false, err, sizeof(err)) < 0) {
		size_t plen = strlen(path);

		/* One mistake a line; "FILE:LINE: ..." names its place, as a compiler's would. */
		for (char *line = err, *next; line; line = next) {
			if ((next = strchr(line, '\n')))
				*next++ = '\0';
			if (!*line)
				continue;
			fprintf(stderr, "%s%s\n",
				strncmp(line, path, plen) == 0 && line[plen] == ':' ? ""
										    : "stintd: ",
				line);
		}
		return 1;
	}
	config_finish(&cfg);
	printf("%s: ok\n", path);
	return 0;
}

/* --log-dir DIR: [log] dir expanded for the repository containing dir, as a stop would. */
static int main_print_log_dir(const char *path, bool named, const char *dir)
{
	struct repo_info info = {0};
	struct config cfg;
	char err[1024], out[PATH_MAX];
	int r;

	if (main_load_config(&cfg, path, named, err, sizeof(err)) < 0) {
		fprintf(stderr, "stintd: %s\n", err);
		return 1;
	}
	repo_global_init();
	r = repo_resolve(dir, &info, err, sizeof(err));
	if (r == 0 &&
	    (r = logwriter_expand_dir(cfg.log_dir, info.root, info.name, out, sizeof(out))) < 0)
		snprintf(err, sizeof(err), "bad [log] dir \"%s\": %s", cfg.log_dir, strerror(-r));
	if (r == 0)
		printf("%s\n", out);
	else
		fprintf(stderr, "stintd: %s\n", err);
	repo_info_finish(&info);
	repo_global_shutdown();
	config_finish(&cfg);
	return r == 0 ? 0 : 1;
}

/*
 * --check-db [--restore]: needs no running stintd. A restore takes the state directory's lock,
 * so it is refused while a stintd runs, and no stintd starts while it puts a backup in place.
 */
static int main_check_db(bool restore)
{
	char dir[PATH_MAX], db[PATH_MAX], lock[PATH_MAX], pid[32] = "";
	int r = paths_stint_dir(PATHS_STATE, dir, sizeof(dir)), fd, n;

	if (r == -ENOENT) {
		fprintf(stderr, "stintd: cannot find the state directory: %s\n",
			paths_unset_reason(PATHS_STATE));
		return 1;
	}
	if (r < 0 || snprintf(db, sizeof(db), "%s/stint.db", dir) >= (int)sizeof(db) ||
	    snprintf(lock, sizeof(lock), "%s/stintd.lock", dir) >= (int)sizeof(lock)) {
		fprintf(stderr, "stintd: state directory: path too long\n");
		return 1;
	}
	if (!restore)
		return store_check_run(db, stdout);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0 && errno != ENOENT) {
		fprintf(stderr, "stintd: cannot open %s: %s\n", lock, strerror(errno));
		return 1;
	}
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr,
			"stintd: not restoring: stintd (pid %s) is running on %s; stop it first "
			"(systemctl --user stop stintd, or kill %s), then run this again\n",
			*pid ? pid : "unknown", db, *pid ? pid : "its pid");
		close(fd);
		return 1;
	}
	r = store_check_restore(db, stdout);
	if (fd >= 0)
		close(fd);
	return r;
}

/* What the command line asks; a nonzero exit code when it was all done here (help...). */
struct main_args {
	enum log_level level;
	bool check, check_db, restore;
	char *config_path;
	const char *log_dir; /* --log-dir DIR */
};

/* Returns -1 to go on, else the exit code (--help, --version, a usage error...). */
static int main_parse_args(int argc, char **argv, struct main_args *a)
{
	static const struct option opts[] = {
	    {"verbose", no_argument, NULL, 'v'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"check-db", no_argument, NULL, 'B'},
	    {"restore", no_argument, NULL, 'R'},
	    {"log-dir", required_argument, NULL, 'L'},
	    {"print-default-config", no_argument, NULL, 'D'},
	    {"print-config-markdown", no_argument, NULL, 'M'},
	    {"print-config-scdoc", no_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt, action = 0;

	while ((opt = getopt_long(argc, argv, "vfc:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			a->level = LOG_LEVEL_DEBUG;
			break;
		case 'f':
			break;
		case 'c':
			free(a->config_path);
			a->config_path = strdup(optarg);
			break;
		case 'C':
			a->check = true;
			break;
		case 'B':
			a->check_db = true;
			break;
		case 'R':
			a->restore = true;
			break;
		case 'L':
			a->log_dir = optarg;
			break;
		case 'D':
		case 'M':
		case 'S':
		case 'V':
		case 'h':
			/* Done once every argument is known good: a typo after it is still an
			 * error. */
			action = opt;
			break;
		default:
			main_usage(stderr, false);
			return 2;
		}
	}
	if (optind < argc || (a->restore && !a->check_db)) {
		if (optind < argc)
			fprintf(stderr, "stintd: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "stintd: --restore goes with --check-db\n");
		main_usage(stderr, false);
		return 2;
	}
	switch (action) {
	case 'D':
		config_write_default(stdout);
		return 0;
	case 'M':
		config_write_markdown(stdout);
		return 0;
	case 'S':
		config_write_scdoc(stdout);
		return 0;
	case 'V':
#ifdef STINT_TEST_HOOKS
		printf("stintd %s (test hooks)\n", STINT_VERSION);
#else
		printf("stintd %s\n", STINT_VERSION);
#endif
		return 0;
	case 'h':
		main_usage(stdout, true);
		return 0;
	}
	return -1;
}

/* The files one daemon holds: the socket's and the state directory's locks. */
struct main_locks {
	int sock, state;
};

/* The socket path, its directory and lock, then the state directory and its lock. Fatal on
 * failure: nothing is served yet. */
static void main_claim_dirs(struct stintd *d, char *sockpath, size_t n, struct main_locks *locks)
{
	char sockdir[SOCKPATH_MAX], path[PATH_MAX], err[1024];
	int r;

	if ((r = sockpath_resolve(sockpath, n)) < 0) {
		sockpath_describe_error(r, err, sizeof(err));
		fatalx("%s", err);
	}
	if (sockpath_dir_ensure(sockpath, err, sizeof(err)) < 0)
		fatalx("socket directory: %s", err);
	if (sockpath_dir(sockpath, sockdir, sizeof(sockdir)) < 0)
		fatalx("socket path too long: %s", sockpath);
	locks->sock = main_take_lock(sockdir, sockpath);
	r = paths_stint_dir(PATHS_STATE, path, sizeof(path));
	if (r == -ENOENT)
		fatalx("cannot find the state directory: %s", paths_unset_reason(PATHS_STATE));
	if (r < 0 || !(d->state_dir = strdup(path)))
		fatalx("state directory: path too long or out of memory");
	if ((r = paths_mkdir_p(d->state_dir, 0700)) < 0)
		fatalx("cannot create %s: %s", d->state_dir, strerror(-r));
	/* Two daemons on one database would each see half the sessions. */
	locks->state = main_take_lock(d->state_dir, sockpath);
}

/* The store, the open sessions, the watcher and every module, then the socket. */
static void main_start(struct stintd *d, const char *sockpath, int listenfd)
{
	char path[PATH_MAX], err[1024];

	d->loop = uv_default_loop();
	snprintf(path, sizeof(path), "%s/stint.db", d->state_dir);
	d->store = store_open(d->loop, path, err, sizeof(err));
	if (!d->store)
		fatalx("%s", err);
	d->watcher = repo_watcher_create(d->loop, main_watch_timing());
	if (!d->watcher)
		fatalx("out of memory");
#ifdef STINT_TEST_HOOKS
	/* Test builds only: a small watch budget makes the degraded mode reachable in a test. */
	if (getenv("STINT_TEST_MAX_WATCHES"))
		repo_watcher_set_limit(d->watcher,
				       strtoul(getenv("STINT_TEST_MAX_WATCHES"), NULL, 10));
#endif
	if (sessions_restore(d, err, sizeof(err)) < 0)
		fatalx("%s", err);
	/* Temporary logs a killed stintd left, removed off the loop (it says why if it cannot). */
	logwriter_sweep_start(d);
	store_set_idle_cb(d->store, main_store_idle, d);
	if (watched_init(d) < 0 || deadline_init(d) < 0)
		fatalx("out of memory");
	d->ctl = ctl_create(d->loop, cmd_request, d);
	if (!d->ctl || status_file_open(d, sockpath) < 0)
		fatalx("out of memory");
	ctl_set_before_reply(d->ctl, main_before_reply);
	if (ctl_listen(d->ctl, listenfd >= 0 ? NULL : sockpath, listenfd, err, sizeof(err)) < 0)
		fatalx("%s", err);
	uv_signal_init(d->loop, &d->sig_term);
	uv_signal_init(d->loop, &d->sig_int);
	uv_signal_init(d->loop, &d->sig_hup);
	uv_timer_init(d->loop, &d->watchdog);
	uv_timer_init(d->loop, &d->backup);
	uv_prepare_init(d->loop, &d->after);
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d->watchdog.data = d->after.data = d;
	d->backup.data = d;
	uv_signal_start(&d->sig_term, main_on_stop_signal, SIGTERM);
	uv_signal_start(&d->sig_int, main_on_stop_signal, SIGINT);
	uv_signal_start(&d->sig_hup, main_on_hup, SIGHUP);
	/* The hook alone keeps nothing alive: the loop ends once every other handle is closed. */
	uv_prepare_start(&d->after, main_after_changes);
	uv_unref((uv_handle_t *)&d->after);
	main_start_watchdog(d);
	main_backup_arm(d, false);
	main_check_start(d);
	notify_configure(d);
	sleepwatch_start(d);
	stintd_changed(d);
}

/* After the loop: the store is idle, every handle closed. */
static void main_finish(struct stintd *d)
{
	store_end_run(d->store);
	store_close(d->store);
	free(d->store_warning);
	free(d->store_closed);
	ctl_destroy(d->ctl);
	sessions_stop_finish(d);
	sessions_free_all(d);
	json_decref(d->closed);
	uv_loop_close(d->loop);
	/* Join the worker threads first, so libgit2 frees their per-thread state. */
	uv_library_shutdown();
	repo_global_shutdown();
	config_finish(&d->cfg);
	free(d->config_path);
	free(d->state_dir);
}

int main(int argc, char **argv)
{
	struct main_args a = {.level = LOG_LEVEL_INFO};
	struct stintd d = {0};
	char sockpath[SOCKPATH_MAX], path[PATH_MAX], err[1024];
	struct main_locks locks;
	int rc, listenfd;

	if ((rc = main_parse_args(argc, argv, &a)) >= 0) {
		free(a.config_path);
		return rc;
	}
	log_init("stintd", a.level);
	d.config_path = a.config_path;
	d.config_named = d.config_path || (getenv("STINT_CONFIG") && *getenv("STINT_CONFIG"));
	if (!d.config_path) {
		if (config_default_path(path, sizeof(path)) < 0)
			fatalx("cannot find the config file: set HOME or STINT_CONFIG");
		d.config_path = strdup(path);
	}
	if (a.check) {
		rc = main_check_config(d.config_path, d.config_named);
		free(d.config_path);
		return rc;
	}
	if (a.check_db) {
		free(d.config_path);
		return main_check_db(a.restore);
	}
	if (a.log_dir) {
		rc = main_print_log_dir(d.config_path, d.config_named, a.log_dir);
		free(d.config_path);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	/* A write past RLIMIT_FSIZE then fails with EFBIG and is reported, instead of killing us.
	 */
	signal(SIGXFSZ, SIG_IGN);
	umask(022);
	main_cloexec_inherited();
	main_raise_fd_limit();
	if (main_load_config(&d.cfg, d.config_path, d.config_named, err, sizeof(err)) < 0)
		fatalx("%s", err);
	listenfd = main_passed_socket();
	main_claim_dirs(&d, sockpath, sizeof(sockpath), &locks);
	if (time_boot_id(d.boot_id) < 0) {
		log_warnx("cannot read the boot id; reboots will not be detected");
		snprintf(d.boot_id, sizeof(d.boot_id), "unknown");
	}
	d.started_mono_ns = time_mono_ns();
	repo_global_init();
	main_start(&d, sockpath, listenfd);
	main_stderr_to_log();
	log_info("stintd %s serving %s (pid %d)", STINT_VERSION,
		 listenfd >= 0 ? "a socket passed by systemd" : sockpath, (int)getpid());
	main_notify_systemd("READY=1");
	uv_run(d.loop, UV_RUN_DEFAULT);
	snprintf(path, sizeof(path), "%s", store_path(d.store));
	main_finish(&d);
	close(locks.state);
	close(locks.sock);
	main_backup_at_exit(path);
	log_info("exited cleanly");
	return 0;
}
