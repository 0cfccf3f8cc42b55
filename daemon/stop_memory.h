#ifndef STINTD_STOP_MEMORY_H
#define STINTD_STOP_MEMORY_H

#include <jansson.h>
#include <stdint.h>

/*
 * What a stop leaves for a later request, per repository: the last session that stopped with
 * nobody's stint waiting (an auto-stop, the notification's Stop button), so that a later
 * `stint stop` there can say so; and the logs whose [log] commit waits for `stint stop --edit`'s
 * editor (the log_commit request). Held in memory only: a restarted stintd forgets both.
 */

/* An unattended stop counts as recent this long (CLOCK_BOOTTIME), unless a session there
 * closes again. A log commit waits for its editor as long. */
#define STOP_MEMORY_KEEP_NS (24LL * 3600 * 1000000000)

struct stop_memory;

/* A log whose commit waits for the editor: the repository, the log, the commit message. */
struct stop_memory_commit {
	struct stop_memory_commit *next;
	char *root;
	char *log;
	char *message;
	char *branch;
	int64_t until; /* CLOCK_BOOTTIME ns */
};

/* A session closed in root: what was remembered for root goes (logging a commit never made). */
void stop_memory_closed(struct stop_memory **m, const char *root);
/*
 * Remembers an unattended stop in root: session (the closed session object, referenced), its
 * log (or NULL), by ("auto_stop_after_idle", "max_session", "notification") and why (for
 * people, "idle for 2 h"), when it ended (wall clock ms). Returns 0 or -1 when out of memory.
 */
int stop_memory_unattended(struct stop_memory **m, const char *root, json_t *session,
			   const char *log, const char *by, const char *why, int64_t ended_wall_ms,
			   int64_t now_boot_ns);
/*
 * The unattended stop remembered for the repository containing cwd (the closest root above it),
 * still recent at now_boot_ns: {"session", "log", "stopped": {"by", "why", "at"}}, a new
 * reference; NULL when there is none.
 */
json_t *stop_memory_recent(struct stop_memory **m, const char *cwd, int64_t now_boot_ns);

/* Keeps a log commit until log_commit asks for it. Returns 0 or -1 (out of memory). */
int stop_memory_pend(struct stop_memory **m, const char *root, const char *log, const char *message,
		     const char *branch, int64_t now_boot_ns);
/*
 * Takes the waiting commit of log when its repository contains cwd (the caller frees it with
 * stop_memory_commit_free); NULL when no commit waits for that log there.
 */
struct stop_memory_commit *stop_memory_take(struct stop_memory **m, const char *cwd,
					    const char *log, int64_t now_boot_ns);
void stop_memory_commit_free(struct stop_memory_commit *c);

/* Frees everything (shutdown), saying which log commits were never asked for. */
void stop_memory_free(struct stop_memory **m);

#endif
