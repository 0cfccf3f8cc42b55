#ifndef STINTD_REPO_H
#define STINTD_REPO_H

#include <stdbool.h>
#include <stddef.h>

/* What a session needs to know about its directory at start. */
struct repo_info {
	char *root;   /* worktree root, or the directory itself outside git */
	char *name;   /* basename of root */
	char *branch; /* "main", "detached at abc1234", "main (unborn)"; NULL outside git */
	char *head;   /* HEAD commit id, NULL when unborn or outside git */
	char *author; /* git user.name, else the login name */
	bool is_git;
};

/* Call once before any other repo_ function, on the main thread. */
void repo_global_init(void);
void repo_global_shutdown(void);

/*
 * Resolves cwd (blocking: libgit2, the file system, and git for a repository libgit2 cannot
 * open; run it off the loop). Returns 0, or
 * -errno with err filled ("cannot open /x: No such file or directory").
 */
int repo_resolve(const char *cwd, struct repo_info *info, char *err, size_t errn);
/* Branch, HEAD and author again, for a known root; fields it cannot learn are left NULL. */
int repo_refresh(const char *root, struct repo_info *info);
void repo_info_finish(struct repo_info *info);

/* How much of a session's focus a log commit's subject holds, in bytes. */
#define REPO_COMMIT_FOCUS_MAX 60

/*
 * A log commit's message: "Session log: FOCUS, DATE #N\n", where FOCUS is focus (else the
 * repository's name) on one line, cut at a character boundary with "…" past
 * REPO_COMMIT_FOCUS_MAX bytes, and N the log's number that day (DATE.md is 1, DATE-2.md 2; left
 * out for a log named otherwise).
 */
void repo_commit_message(const char *focus, const char *repo_name, const char *date,
			 const char *log_path, char *out, size_t outn);

/*
 * Commits the one file at path (inside the worktree at root) on the current branch with
 * message, only when nothing else is staged: the user's own staging is never swept into it.
 * Returns 0 when committed, 1 when left uncommitted (why says so), -errno on failure (why).
 */
int repo_commit_file(const char *root, const char *path, const char *message, char *why,
		     size_t whyn);

#endif
