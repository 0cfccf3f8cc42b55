#include "notify_thread.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "log.h"

#include <gio/gio.h>
#include <glib.h>
#include <libnotify/notify.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOTIFY_APP_NAME	  "stint"
#define NOTIFY_REASON_MAX 512
#define NOTIFY_SERVER_MAX 128
/* Messages waiting for a thread stuck in a D-Bus call: more than this are dropped. */
#define NOTIFY_MAX_QUEUED 64
/* Notifications kept for their actions and notify_thread_close_id; beyond this the oldest is let
 * go. */
#define NOTIFY_MAX_LIVE 64

/* libnotify's state is process-wide, so is this. */
static bool notify_thread_in_use;
/* Ids are never reused, not even by the next notifier (a config reload): an action or a close
 * for an old id must not reach a new notification. Loop thread only. */
static uint64_t notify_thread_next_id;

#define NOTIFY_BUS_NAME	 "org.freedesktop.Notifications"
#define NOTIFY_BUS_PATH	 "/org/freedesktop/Notifications"
#define NOTIFY_BUS_IFACE "org.freedesktop.Notifications"

enum notify_thread_job_kind {
	NOTIFY_JOB_SEND,
	NOTIFY_JOB_CLOSE,
	NOTIFY_JOB_PROBE,
	NOTIFY_JOB_QUIT,
};

struct notify_thread_job {
	struct notify_thread_job *next;
	enum notify_thread_job_kind kind;
	uint64_t id;
	char *summary, *body, *icon, *category, *open_path;
	enum notify_urgency urgency;
	int timeout_ms;
	char *action_id[NOTIFY_MAX_ACTIONS], *action_label[NOTIFY_MAX_ACTIONS];
};

enum notify_thread_event_kind {
	NOTIFY_EV_ACTION,
	NOTIFY_EV_LOG,
	NOTIFY_EV_SENT, /* a show ended: text is empty when shown, else why not */
};

/* From the thread to the loop. */
struct notify_thread_event {
	struct notify_thread_event *next;
	enum notify_thread_event_kind kind;
	uint64_t id;
	char text[];
};

/* A notification shown and not yet closed: the thread's. */
struct notify_thread_live {
	struct notifier *n;
	uint64_t id;
	NotifyNotification *nn;
	char *open_path;
	bool has_actions;
	GList *link; /* in n->live_order */
};

struct notifier {
	uv_loop_t *loop;
	uv_async_t async;
	notify_action_cb on_action;
	notify_sent_cb on_sent;
	void *arg;
	bool destroyed;
	/* The loop's copies of the state, for notify_thread_state. */
	bool ok;
	char reason[NOTIFY_REASON_MAX];
	char server[NOTIFY_SERVER_MAX];
	unsigned seen_seq;
	unsigned probes; /* attempts to reach the server that ended; 0: still connecting */
	char logged[NOTIFY_REASON_MAX]; /* the last state logged: log each change once */

	uv_mutex_t lock; /* guards the queues and the shared state below */
	struct notify_thread_job *jobs, **jobs_tail;
	unsigned njobs;
	bool drain_scheduled;
	/* Allocated up front: shutting down never fails for want of memory. */
	struct notify_thread_job *quit;
	struct notify_thread_event *events, **events_tail;
	bool sh_ok;
	char sh_reason[NOTIFY_REASON_MAX];
	char sh_server[NOTIFY_SERVER_MAX];
	unsigned sh_seq;
	unsigned sh_probes;

	/* The notify thread's own. */
	uv_thread_t thread;
	GMainContext *ctx;
	GMainLoop *gloop;
	GDBusConnection *conn;
	gulong closed_handler;
	guint name_watch;
	bool server_up;
	bool cap_actions, cap_markup;
	GHashTable *live;  /* &live->id -> struct notify_thread_live */
	GQueue live_order; /* oldest first */
	guint log_handler;
};

static void notify_thread_job_free(struct notify_thread_job *j)
{
	if (!j)
		return;
	free(j->summary);
	free(j->body);
	free(j->icon);
	free(j->category);
	free(j->open_path);
	for (int i = 0; i < NOTIFY_MAX_ACTIONS; i++) {
		free(j->action_id[i]);
		free(j->action_label[i]);
	}
	free(j);
}

/* Copies s; false only when s was not NULL and memory ran out. */
static bool notify_thread_dup_opt(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return !s || *dst;
}

static void notify_thread_post_event(struct notifier *n, enum notify_thread_event_kind kind,
				     uint64_t id, const char *text)
{
	size_t len = strlen(text);
	struct notify_thread_event *e = malloc(sizeof(*e) + len + 1);

	if (!e)
		return;
	e->next = NULL;
	e->kind = kind;
	e->id = id;
	memcpy(e->text, text, len + 1);
	uv_mutex_lock(&n->lock);
	*n->events_tail = e;
	n->events_tail = &e->next;
	uv_mutex_unlock(&n->lock);
	uv_async_send(&n->async);
}

static void notify_thread_post_log(struct notifier *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notify_thread_post_log(struct notifier *n, const char *fmt, ...)
{
	char buf[NOTIFY_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notify_thread_post_event(n, NOTIFY_EV_LOG, 0, buf);
}

/* Publishes the state; the loop hears of it only when it changed. */
static void notify_thread_publish(struct notifier *n, bool ok, const char *reason,
				  const char *server)
{
	bool changed;

	uv_mutex_lock(&n->lock);
	changed = n->sh_ok != ok || strcmp(n->sh_reason, reason) != 0 ||
		  (server && strcmp(n->sh_server, server) != 0);
	if (changed) {
		n->sh_ok = ok;
		snprintf(n->sh_reason, sizeof(n->sh_reason), "%s", reason);
		if (server)
			snprintf(n->sh_server, sizeof(n->sh_server), "%s", server);
		n->sh_seq++;
	}
	uv_mutex_unlock(&n->lock);
	if (changed)
		uv_async_send(&n->async);
}

static void notify_thread_unavailable(struct notifier *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notify_thread_unavailable(struct notifier *n, const char *fmt, ...)
{
	char buf[NOTIFY_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notify_thread_publish(n, false, buf, NULL);
}

/* A D-Bus error without GDBus's "GDBus.Error:org.freedesktop.DBus.Error.X: " prefix. */
static const char *notify_thread_error_text(GError *err)
{
	if (g_dbus_error_is_remote_error(err))
		g_dbus_error_strip_remote_error(err);
	return err->message;
}

static void notify_thread_live_free(struct notify_thread_live *l)
{
	g_signal_handlers_disconnect_by_data(l->nn, l);
	/* libnotify's finalize disconnects from its proxy, which must still exist: see
	 * notify_thread_bus_lost. */
	g_object_unref(l->nn);
	free(l->open_path);
	free(l);
}

static void notify_thread_live_remove(struct notifier *n, struct notify_thread_live *l)
{
	g_hash_table_remove(n->live, &l->id);
	g_queue_delete_link(&n->live_order, l->link);
	notify_thread_live_free(l);
}

static void notify_thread_live_clear(struct notifier *n)
{
	struct notify_thread_live *l;

	while ((l = g_queue_peek_head(&n->live_order)))
		notify_thread_live_remove(n, l);
}

static void notify_thread_live_add(struct notifier *n, struct notify_thread_live *l)
{
	if (g_queue_get_length(&n->live_order) >= NOTIFY_MAX_LIVE)
		notify_thread_live_remove(n, g_queue_peek_head(&n->live_order));
	g_queue_push_tail(&n->live_order, l);
	l->link = g_queue_peek_tail_link(&n->live_order);
	g_hash_table_insert(n->live, &l->id, l);
}

/* The server is gone but the bus is not: forget its notifications, keep libnotify's proxy. */
static void notify_thread_server_lost(struct notifier *n, const char *why)
{
	n->server_up = false;
	notify_thread_live_clear(n);
	notify_thread_unavailable(n, "%s", why);
}

/*
 * The bus closed: drop our connection and libnotify's proxy (which holds it), so the next
 * attempt makes a new one, reading the bus address again. Notifications go first, while the
 * proxy they disconnect from in their finalize still exists.
 */
static void notify_thread_bus_lost(struct notifier *n, const char *why)
{
	n->server_up = false;
	notify_thread_live_clear(n);
	if (notify_is_initted())
		notify_uninit();
	if (n->name_watch) {
		g_bus_unwatch_name(n->name_watch);
		n->name_watch = 0;
	}
	if (n->conn) {
		g_signal_handler_disconnect(n->conn, n->closed_handler);
		g_clear_object(&n->conn);
	}
	notify_thread_unavailable(n, "%s", why);
}

static void notify_thread_bus_closed_cb(GDBusConnection *conn, gboolean remote_vanished,
					GError *err, gpointer data)
{
	notify_thread_bus_lost(data, "the session bus closed");
}

/*
 * Whether GDBus would find a session bus: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus
 * when it is our socket (GLib's own fallback). Checked first so that GDBus never falls back
 * to X11 autolaunch, which would start a private bus nobody listens on.
 */
static bool notify_thread_session_bus_known(char *why, size_t whyn)
{
	const char *addr = g_getenv("DBUS_SESSION_BUS_ADDRESS");
	char *path;
	struct stat st;
	bool ok;

	if (addr)
		return true;
	path = g_build_filename(g_get_user_runtime_dir(), "bus", NULL);
	ok = stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == geteuid();
	if (!ok)
		snprintf(
		    why, whyn,
		    "no session bus (DBUS_SESSION_BUS_ADDRESS is unset and %s is not a socket)",
		    path);
	g_free(path);
	return ok;
}

static bool notify_thread_bus_connect(struct notifier *n)
{
	char why[NOTIFY_REASON_MAX];
	GError *err = NULL;

	if (n->conn && g_dbus_connection_is_closed(n->conn))
		notify_thread_bus_lost(n, "the session bus closed");
	if (n->conn)
		return true;
	if (!notify_thread_session_bus_known(why, sizeof(why))) {
		notify_thread_unavailable(n, "%s", why);
		return false;
	}
	for (int tries = 0;; tries++) {
		n->conn = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
		if (!n->conn) {
			notify_thread_unavailable(n, "cannot connect to the session bus: %s",
						  notify_thread_error_text(err));
			g_error_free(err);
			return false;
		}
		if (!g_dbus_connection_is_closed(n->conn))
			break;
		/*
		 * The last bus's connection, closed: g_bus_get hands it out until the last
		 * reference goes, some of them in idle callbacks on this thread's context.
		 */
		g_clear_object(&n->conn);
		if (tries == 100) {
			notify_thread_unavailable(n, "the session bus closed");
			return false;
		}
		while (g_main_context_iteration(n->ctx, FALSE))
			;
		g_usleep(10 * 1000);
	}
	/* GDBus makes the bus connection raise(SIGTERM) when the bus goes away: stintd stays. */
	g_dbus_connection_set_exit_on_close(n->conn, FALSE);
	n->closed_handler =
	    g_signal_connect(n->conn, "closed", G_CALLBACK(notify_thread_bus_closed_cb), n);
	return true;
}

static bool notify_thread_server_connect(struct notifier *n);

static void notify_thread_server_appeared_cb(GDBusConnection *conn, const gchar *name,
					     const gchar *owner, gpointer data)
{
	struct notifier *n = data;

	/* A server came back (say, dunst restarted): be ready, and say so in the state. */
	if (!n->server_up)
		notify_thread_server_connect(n);
}

static void notify_thread_server_vanished_cb(GDBusConnection *conn, const gchar *name,
					     gpointer data)
{
	struct notifier *n = data;

	if (n->server_up)
		notify_thread_server_lost(n, "the notification server went away");
}

static bool notify_thread_has_cap(GList *caps, const char *cap)
{
	for (GList *l = caps; l; l = l->next)
		if (strcmp(l->data, cap) == 0)
			return true;
	return false;
}

/* Connects to the bus and the server when not connected; true when a notification can go. */
static bool notify_thread_server_connect(struct notifier *n)
{
	const char *name, *vendor, *version, *spec;
	char server[NOTIFY_SERVER_MAX];
	GError *err = NULL;
	GVariant *r;
	GList *caps;

	if (!notify_thread_bus_connect(n))
		return false;
	if (n->server_up)
		return true;
	/* Starts the server when the bus can activate one. */
	r = g_dbus_connection_call_sync(n->conn, NOTIFY_BUS_NAME, NOTIFY_BUS_PATH, NOTIFY_BUS_IFACE,
					"GetServerInformation", NULL, G_VARIANT_TYPE("(ssss)"),
					G_DBUS_CALL_FLAGS_NONE, -1, NULL, &err);
	if (!r) {
		if (g_dbus_connection_is_closed(n->conn))
			notify_thread_bus_lost(n, "the session bus closed");
		else
			notify_thread_unavailable(n,
						  "no notification server on the session bus (%s)",
						  notify_thread_error_text(err));
		g_error_free(err);
		return false;
	}
	g_variant_get(r, "(&s&s&s&s)", &name, &vendor, &version, &spec);
	snprintf(server, sizeof(server), "%s %s", name, version);
	g_variant_unref(r);
	if (!notify_is_initted() && !notify_init(NOTIFY_APP_NAME)) {
		notify_thread_unavailable(n, "libnotify failed to initialise");
		return false;
	}
	caps = notify_get_server_caps();
	if (!caps) {
		notify_thread_unavailable(
		    n, "the notification server (%s) did not list its capabilities", server);
		return false;
	}
	n->cap_actions = notify_thread_has_cap(caps, "actions");
	n->cap_markup = notify_thread_has_cap(caps, "body-markup");
	g_list_free_full(caps, g_free);
	/* Watched once the server is up, so the first answer is "appeared". */
	if (!n->name_watch)
		n->name_watch = g_bus_watch_name_on_connection(
		    n->conn, NOTIFY_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
		    notify_thread_server_appeared_cb, notify_thread_server_vanished_cb, n, NULL);
	n->server_up = true;
	notify_thread_publish(n, true, "", server);
	return true;
}

/* Restores the default signal mask in xdg-open: the notify thread blocks every signal. */
static void notify_thread_child_setup(gpointer data)
{
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
}

static void notify_thread_open_path(struct notifier *n, const char *path)
{
	char *argv[] = {"xdg-open", (char *)path, NULL};
	GError *err = NULL;

	/* Without DO_NOT_REAP_CHILD GLib double-forks: nothing is left for libuv to reap. */
	if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
			   notify_thread_child_setup, NULL, NULL, &err)) {
		notify_thread_post_log(n, "cannot run xdg-open %s: %s", path, err->message);
		g_error_free(err);
	}
}

static void notify_thread_action_cb(NotifyNotification *nn, char *action, gpointer data)
{
	struct notify_thread_live *l = data;
	struct notifier *n = l->n;

	if (strcmp(action, NOTIFY_ACTION_OPEN) == 0 && l->open_path)
		notify_thread_open_path(n, l->open_path);
	notify_thread_post_event(n, NOTIFY_EV_ACTION, l->id, action);
	/* Servers (dunst among them) leave it up after an action; its job is done. */
	notify_notification_close(nn, NULL);
}

static void notify_thread_closed_cb(NotifyNotification *nn, gpointer data)
{
	struct notify_thread_live *l = data;

	notify_thread_live_remove(l->n, l);
}

/* Valid UTF-8 (D-Bus refuses anything else), escaped when the server reads markup. */
static char *notify_thread_text_for_server(const char *s, bool markup)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1), *esc;

	if (!markup)
		return valid;
	esc = g_markup_escape_text(valid, -1);
	g_free(valid);
	return esc;
}

/* Shows j's notification; "" when shown, else why not. */
static const char *notify_thread_show(struct notifier *n, struct notify_thread_job *j)
{
	static const NotifyUrgency urgency[] = {
	    [NOTIFY_NORMAL] = NOTIFY_URGENCY_NORMAL,
	    [NOTIFY_LOW] = NOTIFY_URGENCY_LOW,
	    [NOTIFY_CRITICAL] = NOTIFY_URGENCY_CRITICAL,
	};
	char *summary, *body, *icon;
	NotifyNotification *nn;
	GError *err = NULL;
	struct notify_thread_live *l;

	if (!notify_thread_server_connect(n))
		return n->sh_reason;
	l = calloc(1, sizeof(*l));
	if (!l)
		return "out of memory";
	summary = notify_thread_text_for_server(j->summary, false);
	body = j->body ? notify_thread_text_for_server(j->body, n->cap_markup) : NULL;
	icon = j->icon ? notify_thread_text_for_server(j->icon, false) : NULL;
	nn = notify_notification_new(summary, body, icon);
	g_free(summary);
	g_free(body);
	g_free(icon);
	notify_notification_set_urgency(
	    nn, urgency[j->urgency <= NOTIFY_CRITICAL ? j->urgency : NOTIFY_NORMAL]);
	if (j->category)
		notify_notification_set_category(nn, j->category);
	notify_notification_set_timeout(nn, j->timeout_ms > 0	 ? j->timeout_ms
					    : j->timeout_ms == 0 ? NOTIFY_EXPIRES_DEFAULT
								 : NOTIFY_EXPIRES_NEVER);
	l->n = n;
	l->id = j->id;
	l->nn = nn;
	l->open_path = j->open_path;
	j->open_path = NULL;
	for (int i = 0; n->cap_actions && i < NOTIFY_MAX_ACTIONS && j->action_id[i]; i++) {
		char *label = notify_thread_text_for_server(j->action_label[i], false);

		notify_notification_add_action(nn, j->action_id[i], label, notify_thread_action_cb,
					       l, NULL);
		g_free(label);
		l->has_actions = true;
	}
	g_signal_connect(nn, "closed", G_CALLBACK(notify_thread_closed_cb), l);
	if (!notify_notification_show(nn, &err)) {
		char why[NOTIFY_REASON_MAX];

		snprintf(why, sizeof(why), "cannot show a notification: %s",
			 notify_thread_error_text(err));
		g_error_free(err);
		notify_thread_live_free(l);
		if (g_dbus_connection_is_closed(n->conn))
			notify_thread_bus_lost(n, "the session bus closed");
		else
			notify_thread_server_lost(n, why);
		return n->sh_reason;
	}
	notify_thread_live_add(n, l);
	return "";
}

static void notify_thread_close_shown(struct notifier *n, uint64_t id)
{
	struct notify_thread_live *l = g_hash_table_lookup(n->live, &id);

	/* Forgotten once the server says it is closed (notify_thread_closed_cb). */
	if (l && n->server_up)
		notify_notification_close(l->nn, NULL);
}

/* A counter, not an event: telling the loop cannot fail for want of memory. */
static void notify_thread_probe_ended(struct notifier *n)
{
	uv_mutex_lock(&n->lock);
	n->sh_probes++;
	uv_mutex_unlock(&n->lock);
	uv_async_send(&n->async);
}

static gboolean notify_thread_drain(gpointer data)
{
	struct notifier *n = data;

	for (;;) {
		struct notify_thread_job *j;

		uv_mutex_lock(&n->lock);
		j = n->jobs;
		if (j) {
			n->jobs = j->next;
			if (!n->jobs)
				n->jobs_tail = &n->jobs;
			n->njobs--;
		} else {
			n->drain_scheduled = false;
		}
		uv_mutex_unlock(&n->lock);
		if (!j)
			break;
		switch (j->kind) {
		case NOTIFY_JOB_SEND: {
			char why[NOTIFY_REASON_MAX];

			/* Copied under no lock: only this thread writes sh_reason. */
			snprintf(why, sizeof(why), "%s", notify_thread_show(n, j));
			notify_thread_post_event(n, NOTIFY_EV_SENT, j->id, why);
			break;
		}
		case NOTIFY_JOB_CLOSE:
			notify_thread_close_shown(n, j->id);
			break;
		case NOTIFY_JOB_PROBE:
			notify_thread_server_connect(n);
			notify_thread_probe_ended(n);
			break;
		case NOTIFY_JOB_QUIT:
			g_main_loop_quit(n->gloop);
			return G_SOURCE_REMOVE;
		}
		notify_thread_job_free(j);
	}
	return G_SOURCE_REMOVE;
}

static void notify_thread_glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
				   gpointer data)
{
	log_debug("notify: %s: %s", domain ? domain : "glib", msg);
}

static void notify_thread_shutdown(struct notifier *n)
{
	GList *l;

	/* Their buttons would be dead once stintd is gone. */
	for (l = n->live_order.head; n->server_up && l; l = l->next) {
		struct notify_thread_live *lv = l->data;

		if (lv->has_actions)
			notify_notification_close(lv->nn, NULL);
	}
	notify_thread_live_clear(n);
	if (notify_is_initted())
		notify_uninit();
	if (n->name_watch)
		g_bus_unwatch_name(n->name_watch);
	if (n->conn) {
		GDBusConnection *gone = n->conn;

		g_signal_handler_disconnect(n->conn, n->closed_handler);
		/*
		 * GDBus keeps an open connection alive, and g_bus_get would hand the same one to
		 * a later notifier. Closed, it goes with its last reference, some of which are
		 * idle callbacks on this context: run them, or the context and the connection
		 * keep each other alive. A second at most.
		 */
		g_object_add_weak_pointer(G_OBJECT(gone), (gpointer *)&gone);
		g_dbus_connection_close_sync(n->conn, NULL, NULL);
		g_clear_object(&n->conn);
		for (int i = 0; gone && i < 200; i++) {
			while (g_main_context_iteration(n->ctx, FALSE))
				;
			if (gone)
				g_usleep(5 * 1000);
		}
		if (gone)
			g_object_remove_weak_pointer(G_OBJECT(gone), (gpointer *)&gone);
	}
	while (g_main_context_iteration(n->ctx, FALSE))
		;
}

static void notify_thread_main(void *arg)
{
	struct notifier *n = arg;

	g_main_context_push_thread_default(n->ctx);
	g_main_loop_run(n->gloop);
	notify_thread_shutdown(n);
	g_main_context_pop_thread_default(n->ctx);
}

static void notify_thread_push_job(struct notifier *n, struct notify_thread_job *j)
{
	bool wake;

	uv_mutex_lock(&n->lock);
	j->next = NULL;
	*n->jobs_tail = j;
	n->jobs_tail = &j->next;
	n->njobs++;
	wake = !n->drain_scheduled;
	n->drain_scheduled = true;
	uv_mutex_unlock(&n->lock);
	if (wake) {
		GSource *src = g_idle_source_new();

		g_source_set_callback(src, notify_thread_drain, n, NULL);
		g_source_attach(src, n->ctx);
		g_source_unref(src);
	}
}

static void notify_thread_log_state(struct notifier *n)
{
	char now[NOTIFY_REASON_MAX];

	snprintf(now, sizeof(now), "%s", n->ok ? n->server : n->reason);
	if (strcmp(now, n->logged) == 0)
		return;
	snprintf(n->logged, sizeof(n->logged), "%s", now);
	if (n->ok)
		log_info("notify: desktop notifications go to %s", n->server);
	else
		log_warnx("notify: desktop notifications unavailable: %s", n->reason);
}

static void notify_thread_async_cb(uv_async_t *a)
{
	struct notifier *n = a->data;
	struct notify_thread_event *e, *next;
	bool changed = false, probed = false;

	uv_mutex_lock(&n->lock);
	if (n->sh_probes != n->probes) {
		n->probes = n->sh_probes;
		probed = true;
	}
	e = n->events;
	n->events = NULL;
	n->events_tail = &n->events;
	if (n->sh_seq != n->seen_seq) {
		n->seen_seq = n->sh_seq;
		n->ok = n->sh_ok;
		memcpy(n->reason, n->sh_reason, sizeof(n->reason));
		memcpy(n->server, n->sh_server, sizeof(n->server));
		changed = true;
	}
	uv_mutex_unlock(&n->lock);
	if (changed)
		notify_thread_log_state(n);
	for (; e; e = next) {
		next = e->next;
		if (e->kind == NOTIFY_EV_LOG)
			log_warnx("notify: %s", e->text);
		else if (e->kind == NOTIFY_EV_SENT && n->on_sent && !n->destroyed)
			n->on_sent(n->arg, e->id, e->text[0] ? e->text : NULL);
		else if (e->kind == NOTIFY_EV_ACTION && n->on_action && !n->destroyed)
			n->on_action(n->arg, e->id, e->text);
		free(e);
	}
	/* id 0: a probe's answer, or the server came or went: what status shows changed. */
	if ((probed || changed) && n->on_sent && !n->destroyed)
		n->on_sent(n->arg, 0, NULL);
}

static void notify_thread_async_closed_cb(uv_handle_t *h)
{
	struct notifier *n = h->data;

	uv_mutex_destroy(&n->lock);
	free(n);
}

struct notifier *notify_thread_create(uv_loop_t *loop, notify_action_cb on_action, void *arg)
{
	struct notifier *n;
	struct notify_thread_job *probe;
	sigset_t all, old;
	int r;

	if (notify_thread_in_use) {
		log_warnx("notify: a notifier already exists");
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	probe = calloc(1, sizeof(*probe));
	if (n)
		n->quit = calloc(1, sizeof(*n->quit));
	if (!n || !probe || !n->quit || uv_mutex_init(&n->lock) < 0) {
		log_warnx("notify: out of memory");
		free(probe);
		if (n)
			free(n->quit);
		free(n);
		return NULL;
	}
	n->loop = loop;
	n->on_action = on_action;
	n->arg = arg;
	n->jobs_tail = &n->jobs;
	n->events_tail = &n->events;
	n->quit->kind = NOTIFY_JOB_QUIT;
	n->ctx = g_main_context_new();
	n->gloop = g_main_loop_new(n->ctx, FALSE);
	n->live = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_queue_init(&n->live_order);
	if (uv_async_init(loop, &n->async, notify_thread_async_cb) < 0) {
		log_warnx("notify: cannot create the notifier's async handle");
		g_main_loop_unref(n->gloop);
		g_main_context_unref(n->ctx);
		g_hash_table_destroy(n->live);
		notify_thread_job_free(probe);
		notify_thread_job_free(n->quit);
		uv_mutex_destroy(&n->lock);
		free(n);
		return NULL;
	}
	n->async.data = n;
	uv_unref((uv_handle_t *)&n->async);
	n->log_handler =
	    g_log_set_handler("libnotify", G_LOG_LEVEL_MASK, notify_thread_glib_log, NULL);
	probe->kind = NOTIFY_JOB_PROBE;
	notify_thread_push_job(n, probe);
	/* Signals go to the loop thread; GLib's own threads, started from this one, inherit it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = uv_thread_create(&n->thread, notify_thread_main, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		log_warnx("notify: cannot start the notification thread: %s", uv_strerror(r));
		notify_thread_job_free(n->jobs);
		notify_thread_job_free(n->quit);
		g_main_loop_unref(n->gloop);
		g_main_context_unref(n->ctx);
		g_hash_table_destroy(n->live);
		g_log_remove_handler("libnotify", n->log_handler);
		uv_close((uv_handle_t *)&n->async, notify_thread_async_closed_cb);
		return NULL;
	}
	notify_thread_in_use = true;
	return n;
}

void notify_thread_destroy(struct notifier *n)
{
	struct notify_thread_event *e, *next;
	struct notify_thread_job *j, *jn;

	if (!n)
		return;
	n->destroyed = true;
	notify_thread_push_job(n, n->quit);
	uv_thread_join(&n->thread);
	notify_thread_job_free(n->quit);
	for (j = n->jobs; j; j = jn) {
		jn = j->next;
		if (j != n->quit)
			notify_thread_job_free(j);
	}
	for (e = n->events; e; e = next) {
		next = e->next;
		free(e);
	}
	g_main_loop_unref(n->gloop);
	g_main_context_unref(n->ctx);
	g_hash_table_destroy(n->live);
	g_log_remove_handler("libnotify", n->log_handler);
	notify_thread_in_use = false;
	uv_close((uv_handle_t *)&n->async, notify_thread_async_closed_cb);
}

uint64_t notify_thread_send(struct notifier *n, const struct notify_msg *msg)
{
	struct notify_thread_job *j;
	uint64_t id;
	bool ok;

	if (!n || n->destroyed || !msg)
		return 0;
	uv_mutex_lock(&n->lock);
	ok = n->njobs < NOTIFY_MAX_QUEUED;
	uv_mutex_unlock(&n->lock);
	if (!ok) {
		log_warnx("notify: the notification thread is stuck; dropping \"%s\"",
			  msg->summary ? msg->summary : "");
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return 0;
	j->kind = NOTIFY_JOB_SEND;
	j->urgency = msg->urgency;
	j->timeout_ms = msg->timeout_ms;
	ok = notify_thread_dup_opt(&j->summary, msg->summary ? msg->summary : "") &&
	     notify_thread_dup_opt(&j->body, msg->body) &&
	     notify_thread_dup_opt(&j->icon, msg->icon) &&
	     notify_thread_dup_opt(&j->category, msg->category) &&
	     notify_thread_dup_opt(&j->open_path, msg->open_path);
	for (int i = 0; ok && i < NOTIFY_MAX_ACTIONS && msg->actions[i].id; i++)
		ok = notify_thread_dup_opt(&j->action_id[i], msg->actions[i].id) &&
		     notify_thread_dup_opt(&j->action_label[i], msg->actions[i].label
								    ? msg->actions[i].label
								    : msg->actions[i].id);
	if (!ok) {
		notify_thread_job_free(j);
		return 0;
	}
	/* The thread may have freed j by the time notify_thread_push_job returns. */
	id = j->id = ++notify_thread_next_id;
	notify_thread_push_job(n, j);
	return id;
}

void notify_thread_set_sent_cb(struct notifier *n, notify_sent_cb on_sent)
{
	if (n)
		n->on_sent = on_sent;
}

void notify_thread_close_id(struct notifier *n, uint64_t id)
{
	struct notify_thread_job *j;

	if (!n || n->destroyed || id == 0)
		return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->kind = NOTIFY_JOB_CLOSE;
	j->id = id;
	notify_thread_push_job(n, j);
}

void notify_thread_retry(struct notifier *n)
{
	struct notify_thread_job *j;

	if (!n || n->destroyed || n->ok)
		return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->kind = NOTIFY_JOB_PROBE;
	notify_thread_push_job(n, j);
}

const char *notify_thread_state(const struct notifier *n, const char **reason)
{
	const char *why = NULL, *state = "disabled";

	if (n && !n->ok && n->probes == 0) {
		state = "connecting";
		why = "still connecting to the session bus";
	} else if (n) {
		state = n->ok ? "ok" : "unavailable";
		why = n->ok ? NULL : n->reason;
	}
	if (reason)
		*reason = why;
	return state;
}

const char *notify_thread_server(const struct notifier *n)
{
	return n && n->server[0] ? n->server : NULL;
}
