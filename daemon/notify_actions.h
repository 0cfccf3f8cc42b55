#ifndef STINTD_NOTIFY_ACTIONS_H
#define STINTD_NOTIFY_ACTIONS_H

#include <stdint.h>

/* notify_thread's action callback (arg: the daemon): a click on Stop, Keep, Snooze or Start. */
void notify_actions_on_click(void *arg, uint64_t id, const char *action);

#endif
