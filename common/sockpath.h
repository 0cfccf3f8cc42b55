#ifndef STINT_SOCKPATH_H
#define STINT_SOCKPATH_H

#include <stddef.h>

/* sun_path is 108 bytes on Linux. */
#define SOCKPATH_MAX 108

/*
 * The daemon's socket: $STINT_SOCKET, else stintd.sock in paths_stint_dir(PATHS_RUNTIME):
 * $XDG_RUNTIME_DIR/stint/stintd.sock, else /tmp/stint-$UID/stintd.sock. Returns 0,
 * -ENAMETOOLONG, or -EINVAL for a relative STINT_SOCKET.
 */
int sockpath_resolve(char *buf, size_t n);

/* Why sockpath_resolve failed with r, naming STINT_SOCKET when the path came from it. */
void sockpath_describe_error(int r, char *buf, size_t n);

/* The directory part of a socket path. Returns 0 or -ENAMETOOLONG. */
int sockpath_dir(const char *sockpath, char *buf, size_t n);

/*
 * Creates the socket's directory 0700 if missing, then checks it with lstat: a real directory,
 * owned by us, no group or other access. Returns 0, or -errno with a reason in err.
 */
int sockpath_dir_ensure(const char *sockpath, char *err, size_t errn);

#endif
