#!/usr/bin/env bash
# At rest stintd makes no system call: with a session open in a watched repository and nothing
# happening, no timer polls and no thread wakes. stintd runs under strace from its start (no
# attaching, which ptrace_scope may forbid), and the trace of a quiet window must be empty.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v strace >/dev/null || fail "strace is needed (scripts/deps lists it)"
R="$T/repo"
TRACE="$T/trace"
WINDOW=6

# The syscalls traced between two wall-clock times (strace -ttt: "PID SECONDS.MICRO call(...").
calls_between() { # from to
	awk -v a="$1" -v b="$2" '$2 + 0 >= a && $2 + 0 < b && $3 !~ /^(<\.\.\.|\+\+\+|---)/' "$TRACE"
}
daemon_pid() { "$STINT" status --json | json_get '["daemon"]["pid"]'; }
files_are() { [ "$("$STINT" status --json -C "$R" | json_get '["sessions"][0]["files_changed"]')" = "$1" ]; }

make_repo "$R"
# LeakSanitizer cannot run under ptrace: an ASan build's leak check is left to the other tests.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -ttt -o "$TRACE" "$STINTD" -v >>"$DAEMON_LOG" 2>&1 &
STRACE_PID=$!
wait_for 20 "$STINT" ping || fail "stintd under strace did not come up"
DAEMON_PID=$(daemon_pid) # cleanup's SIGTERM goes to stintd itself; strace exits with it
"$STINT" start -C "$R" >/dev/null
wait_for 20 grep -qF "repo_watch: $R: setup job took" "$DAEMON_LOG" || fail "the watch never came up"
echo "work" >"$R/work.txt"
wait_for 20 files_are 1 || fail "stintd never counted the edit"

# The edit's recompute, store write and touched event settle within a window or two; after
# that a whole window must be silent. Anything that polls with a period under WINDOW seconds
# shows in every window.
quiet=0
for _ in 1 2 3 4; do
	from=$(date +%s.%N)
	sleep "$WINDOW" # the measurement itself: nothing to wait for
	to=$(date +%s.%N)
	calls=$(calls_between "$from" "$to")
	if [ -z "$calls" ]; then
		quiet=1
		break
	fi
done
[ "$quiet" = 1 ] || fail "stintd made system calls in every ${WINDOW}-second window at rest; the last:
$(head -n 20 <<<"$calls")"
# The trace is real: the start and the edit are in it.
grep -q "inotify_add_watch" "$TRACE" || fail "the trace has no inotify_add_watch: strace saw nothing"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
kill -TERM "$DAEMON_PID"
wait "$STRACE_PID" || fail "stintd exited with status $? on SIGTERM" # strace exits with its status
DAEMON_PID=
echo "ok: a ${WINDOW}-second window at rest with no system call"
