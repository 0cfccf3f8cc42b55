#include "notify_state.h"

struct notify_session *notify_state_session(struct notify *no, int64_t id)
{
	for (struct notify_session *e = no->sessions; e; e = e->next)
		if (e->session_id == id)
			return e;
	return NULL;
}

int64_t notify_state_session_of(const struct notify *no, uint64_t id)
{
	for (unsigned i = 0; i < NOTIFY_MAX_SENT; i++)
		if (id && no->sent[i].id == id)
			return no->sent[i].session;
	return -1;
}
