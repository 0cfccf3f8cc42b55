/*
 * The reflog reader and its message parsers (daemon/gitstats_reflog.c): the input is a
 * .git/logs/HEAD file. gitstats_reflog_read finds it by the repository's git dir, so a private
 * directory holds logs/HEAD as a link to the memfd that holds the input. Properties: entries
 * have ids within GITSTATS_OID_MAX, times within 1970 to 9999, a message; a switch has both
 * names; gitstats_reflog_since stays within the log.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "gitstats_reflog.h"

static char fuzz_gitdir[PATH_MAX];
static char fuzz_logs[PATH_MAX + 8];
static char fuzz_head[PATH_MAX + 16];

static void fuzz_reflog_cleanup(void)
{
	unlink(fuzz_head);
	rmdir(fuzz_logs);
	rmdir(fuzz_gitdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fuzz_gitdir, sizeof(fuzz_gitdir), "%s/stint-fuzz-reflog.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_gitdir)) {
		perror("fuzz_reflog: mkdtemp");
		abort();
	}
	snprintf(fuzz_logs, sizeof(fuzz_logs), "%s/logs", fuzz_gitdir);
	snprintf(fuzz_head, sizeof(fuzz_head), "%s/HEAD", fuzz_logs);
	if (mkdir(fuzz_logs, 0700) < 0 || symlink(fuzz_memfile(NULL, 0), fuzz_head) < 0) {
		perror("fuzz_reflog: making logs/HEAD");
		abort();
	}
	atexit(fuzz_reflog_cleanup);
	return 0;
}

static void fuzz_reflog_message(const char *msg)
{
	char *from = NULL, *to = NULL;
	bool renamed = false;
	enum gitstats_rlkind kind = gitstats_reflog_kind(msg);

	fuzz_assert(kind >= GITSTATS_RL_OTHER && kind <= GITSTATS_RL_SWITCH, "kind %d", kind);
	if (gitstats_reflog_switch(msg, &from, &to, &renamed))
		fuzz_assert(from && to, "a switch without both names");
	free(from);
	free(to);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitstats_ctx ctx = {0};
	struct gitstats_reflog l;
	struct gitstats_tip tip = {.ref = "HEAD"};
	int rc;

	snprintf(ctx.gitdir, sizeof(ctx.gitdir), "%s", fuzz_gitdir);
	snprintf(ctx.commondir, sizeof(ctx.commondir), "%s", fuzz_gitdir);
	fuzz_memfile(data, size);
	rc = gitstats_reflog_read(&ctx, "HEAD", &l);
	fuzz_assert(rc == 0, "reading the reflog: %d", rc);
	for (size_t i = 0; i < l.n; i++) {
		const struct gitstats_rlentry *e = &l.v[i];

		fuzz_assert(strlen(e->old) <= GITSTATS_OID_MAX &&
				strlen(e->oid) <= GITSTATS_OID_MAX,
			    "entry %zu: id too long", i);
		fuzz_assert(e->time >= 0 && e->time <= GITSTATS_REFLOG_MAX_TIME,
			    "entry %zu: time %lld", i, (long long)e->time);
		fuzz_assert(e->msg, "entry %zu has no message", i);
		fuzz_reflog_message(e->msg);
	}
	/* The tip as the session's start saw it: its count and time taken from the input. */
	tip.reflog = size ? data[0] % (l.n + 2) : 0;
	tip.reflog_time = l.n ? l.v[(size > 1 ? data[1] : 0) % l.n].time : 0;
	fuzz_assert(gitstats_reflog_since(&l, &tip) <= l.n, "since past the end");
	gitstats_reflog_free(&l);
	return 0;
}
