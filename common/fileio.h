#ifndef STINT_FILEIO_H
#define STINT_FILEIO_H

/*
 * Opens path for reading only if it is a regular file (symlinks followed): a FIFO, a device or
 * a directory put where a repository's or a log's file was expected is refused, never waited
 * on (a plain open of a FIFO blocks until a writer comes). Returns the descriptor (O_CLOEXEC,
 * blocking reads), or -errno: -EINVAL for something that is not a regular file, -EISDIR for a
 * directory.
 */
int fileio_open_regular(const char *path);

#endif
