#ifndef STINTD_STATUS_FILE_H
#define STINTD_STATUS_FILE_H

#include <jansson.h>

#include "session.h"
#include "status_snap.h"

struct stintd;

/*
 * The status snapshot beside the socket (common/status_snap.h): what `status` shows, for a
 * prompt to read without waking stintd. Rewritten from main's after-changes hook when its text
 * changed, so never at rest; removed at exit. A failure to write it removes it: clients then
 * ask over the socket, as they do when stintd is not running.
 */
int status_file_open(struct stintd *d, const char *sockpath);
void status_file_publish(struct stintd *d);
void status_file_close(struct stintd *d);

/*
 * A session's times as of its last event and what they become (status_snap_project): -1 when
 * its last event is not of this boot (boot_id).
 */
int status_file_times(const struct session *s, const char *boot_id, struct status_snap_times *st);
/* A session's entry: its status as of its last event, with the projection. */
json_t *status_file_session(struct stintd *d, const struct session *s);

#endif
