#ifndef STINT_PATHS_H
#define STINT_PATHS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Where stint keeps its files, for the daemon and the CLI alike (XDG Base Directory spec):
 *
 *   config   $XDG_CONFIG_HOME, else ~/.config        config.ini
 *   data     $XDG_DATA_HOME,   else ~/.local/share  the session logs ({data} in the config)
 *   state    $XDG_STATE_HOME,  else ~/.local/state  stint.db, stintd.log, stintd.lock
 *   runtime  $XDG_RUNTIME_DIR, else none            the socket and its lock
 *
 * An XDG variable counts only when it is an absolute path: the spec says to ignore a relative
 * or empty one. The fallbacks need HOME to be absolute. Only the runtime directory falls back
 * to /tmp: stint's is /tmp/stint-$UID without XDG_RUNTIME_DIR, because a socket is made anew
 * at every start and sockpath_dir_ensure checks that directory (ours, 0700, no symlink). The
 * other three hold what must last (the store, the logs, the config), which /tmp loses at boot
 * and where another user can take the name first: without HOME or the variable there is no such
 * directory, and the daemon and the CLI both refuse, saying paths_unset_reason.
 */

enum paths_dir {
	PATHS_CONFIG,
	PATHS_DATA,
	PATHS_STATE,
	PATHS_RUNTIME,
};

/*
 * $HOME when it is an absolute path, without trailing slashes except for "/" itself. Returns
 * 0, -ENOENT when HOME is unset, empty or relative, or -ENAMETOOLONG.
 */
int paths_home(char *buf, size_t n);

/*
 * The XDG base directory of the kind, without trailing slashes except for "/" itself, as the
 * table above says. Returns 0, -ENOENT when there is none, or -ENAMETOOLONG.
 */
int paths_xdg_dir(enum paths_dir which, char *buf, size_t n);

/*
 * stint's directory of the kind: the XDG base directory plus "/stint"; for the runtime kind,
 * /tmp/stint-$UID when there is no XDG_RUNTIME_DIR. Returns 0, -ENOENT, or -ENAMETOOLONG.
 */
int paths_stint_dir(enum paths_dir which, char *buf, size_t n);

/* Why paths_xdg_dir found none: "neither XDG_STATE_HOME nor HOME is set to an absolute path". */
const char *paths_unset_reason(enum paths_dir which);

/*
 * mkdir -p: creates path and its missing parents, each with mode (less the umask). Returns 0,
 * also when path is already a directory, or -errno with errno set too (-ENOTDIR when path or a
 * parent is not a directory, -ENAMETOOLONG past PATH_MAX).
 */
int paths_mkdir_p(const char *path, mode_t mode);

#endif
