/*
 * A commit's numbers: the whole commit's lines and, where the commit holds more than the
 * session's work (work from before the session, or brought in by a merge), the session's part.
 */
#include "template_commit.h"

#include "record.h"
#include "template_record.h"

void template_commit_lines_read(const json_t *commit, struct template_commit_lines *l)
{
	l->added = template_record_get_int(commit, RECORD_ADDED, TEMPLATE_COUNT_MAX);
	l->removed = template_record_get_int(commit, RECORD_REMOVED, TEMPLATE_COUNT_MAX);
	l->session_added =
	    template_record_get_int(commit, RECORD_SESSION_ADDED, TEMPLATE_COUNT_MAX);
	l->session_removed =
	    template_record_get_int(commit, RECORD_SESSION_REMOVED, TEMPLATE_COUNT_MAX);
	/* Half a session part is no part: both or neither. */
	if (l->session_added < 0 || l->session_removed < 0)
		l->session_added = l->session_removed = -1;
}

void template_commit_lines_zero(struct template_commit_lines *sum)
{
	*sum = (struct template_commit_lines){0, 0, 0, 0};
}

/* a + b, -1 when either is unknown; capped like any count of the record. */
static int64_t template_commit_sum(int64_t a, int64_t b)
{
	if (a < 0 || b < 0)
		return -1;
	return a > TEMPLATE_COUNT_MAX - b ? TEMPLATE_COUNT_MAX : a + b;
}

void template_commit_lines_add(struct template_commit_lines *sum,
			       const struct template_commit_lines *l)
{
	sum->added = template_commit_sum(sum->added, l->added);
	sum->removed = template_commit_sum(sum->removed, l->removed);
	sum->session_added = template_commit_sum(sum->session_added, l->session_added);
	sum->session_removed = template_commit_sum(sum->session_removed, l->session_removed);
	if (sum->session_added < 0 || sum->session_removed < 0)
		sum->session_added = sum->session_removed = -1;
}

bool template_commit_lines_known(const struct template_commit_lines *l)
{
	return l->added >= 0 && l->removed >= 0;
}

void template_commit_put_lines(struct strbuf *o, const struct template_commit_lines *l, bool plural)
{
	if (!template_commit_lines_known(l))
		return;
	if (l->session_added < 0 ||
	    (l->session_added == l->added && l->session_removed == l->removed)) {
		template_record_put_lines(o, l->added, l->removed);
		return;
	}
	template_record_put_lines(o, l->session_added, l->session_removed);
	strbuf_puts(o, " this session, ");
	template_record_put_lines(o, l->added, l->removed);
	strbuf_puts(o, plural ? " in the commits" : " in the commit");
}
