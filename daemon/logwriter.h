#ifndef STINTD_LOGWRITER_H
#define STINTD_LOGWRITER_H

#include <stddef.h>

/*
 * Expands a [log] dir pattern: "{repo_name}" (basename of the repository), "{repo}" (its
 * absolute path), a leading "~/" ($HOME). Returns 0, or -ENAMETOOLONG / -EINVAL (an unknown
 * "{...}" placeholder, or a result that is not absolute).
 */
int logwriter_expand_dir(const char *pattern, const char *repo, const char *repo_name, char *out,
			 size_t outn);

/*
 * The expanded [log] dir when it lies inside the repository at root (so its files are not the
 * session's work), malloc'd; NULL when it is elsewhere, unset or invalid.
 */
char *logwriter_dir_in_repo(const char *pattern, const char *root, const char *repo_name);

/*
 * Writes text as dir/DATE.md, or DATE-2.md, DATE-3.md... if taken; never replaces a file.
 * Creates dir (and parents, 0755) if needed. Atomic: temp file in dir, write, fsync, link to the
 * final name (fails on an existing name, so the next is tried), unlink temp, fsync dir; where hard
 * links are unsupported it falls back as enum logwriter_method says. The file is 0644, new
 * directories 0755. Blocking: call it off the event loop. Returns 0 with the final absolute path in
 * path, or -errno with err saying what failed on which path ("cannot create /x/y: Permission
 * denied").
 */
int logwriter_write(const char *dir, const char *date, const char *text, char *path, size_t pathn,
		    char *err, size_t errn);

/*
 * Removes the temporary logs (".DATE.md.XXXXXX") a killed stintd left in dir: only that name,
 * only regular files of our uid untouched for 10 minutes. Best effort: a file that cannot be
 * removed stays. Blocking. Returns how many went. logwriter_write sweeps its directory first.
 */
int logwriter_sweep(const char *dir);

/* How the written temp file becomes the log; each falls back to the next where unsupported. */
enum logwriter_method {
	LOGWRITER_LINK,	  /* link(2): atomic, never replaces a file */
	LOGWRITER_RENAME, /* renameat2(RENAME_NOREPLACE), for filesystems without hard links */
	LOGWRITER_CREATE, /* O_CREAT | O_EXCL on the final name, then write: not atomic */
};

/* logwriter_write starting from the given method: lets tests cover the fallbacks. */
int logwriter_write_with(enum logwriter_method method, const char *dir, const char *date,
			 const char *text, char *path, size_t pathn, char *err, size_t errn);

#endif
