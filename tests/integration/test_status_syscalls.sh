#!/usr/bin/env bash
# The prompt segment's work, counted with strace. With stintd's status snapshot in place:
# no socket at all, one open, one lock test and one read of the snapshot, and stintd makes no
# system call for it (it is not woken). Without it (STINT_STATUS_SNAPSHOT=0, or a snapshot
# nobody holds): one socket, one connect, one write, one read of the reply (a poll before it),
# and stintd's answer touching no file: no open, no stat, no fsync, no git child.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v strace >/dev/null || fail "strace is not installed (scripts/deps lists it)"
# A container may forbid ptrace: then nothing here can be measured.
strace -qq -o /dev/null true 2>"$T/strace.err" ||
	skip "strace cannot trace here (ptrace refused?): $(cat "$T/strace.err")"

# The calls of one kind in an strace -f log: count LOG NAME
count() {
	grep -cE "^([0-9]+ +)?$2\(" "$1" || true
}

# strace of `stint ARGS...` in $T/cli.trace; fails if it fails or prints nothing.
trace_cli() {
	# LeakSanitizer cannot run under ptrace (the ASan build); the other tests look for leaks.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=socket,connect,sendto,sendmsg,write,recvfrom,recvmsg,read,poll,openat,open,fcntl \
		-o "$T/cli.trace" "$STINT" "$@" >"$T/out" || fail "stint $* failed under strace"
	[ -s "$T/out" ] || fail "stint $* printed nothing"
}

make_repo "$T/r"
cd "$T/r"
# Notifications off: `status` asks stintd itself while no notification server is up (it looks
# for one again then), and this test has none.
mkdir -p "$(dirname "$CONFIG")"
printf '[notify]\nenabled = false\n' >"$CONFIG"
daemon_start
"$STINT" start >/dev/null

wait_seen "$T/r" # the session's first statistics are in: nothing left to do for its start
SNAP="$SOCK.status"
wait_for 10 test -s "$SNAP" || fail "stintd wrote no status snapshot at $SNAP"
for args in "status --short" "status --format {branch}" "status"; do
	# shellcheck disable=SC2086 # the words of args are the arguments
	trace_cli $args
	expect_eq 0 "$(count "$T/cli.trace" socket)" "stint $args with a snapshot: socket calls"
	expect_eq 0 "$(count "$T/cli.trace" connect)" "stint $args with a snapshot: connect calls"
	expect_eq 1 "$(grep -cE "^([0-9]+ +)?openat\(.*\.status\"" "$T/cli.trace" || true)" \
		"stint $args: opens of the snapshot"
	expect_eq 1 "$(grep -c 'F_OFD_GETLK' "$T/cli.trace" || true)" "stint $args: lock tests"
done

for args in "status --short" "status --format {branch}" "status"; do
	# shellcheck disable=SC2086 # the words of args are the arguments
	STINT_STATUS_SNAPSHOT=0 trace_cli $args
	expect_eq 1 "$(count "$T/cli.trace" socket)" "stint $args: socket calls"
	expect_eq 1 "$(count "$T/cli.trace" connect)" "stint $args: connect calls"
	expect_eq 1 "$(count "$T/cli.trace" sendto)" "stint $args: sendto calls (the request)"
	expect_eq 1 "$(count "$T/cli.trace" recvfrom)" "stint $args: recvfrom calls (the reply)"
	expect_eq 1 "$(count "$T/cli.trace" poll)" "stint $args: poll calls"
done

# stintd's side of 20 status requests, on its loop thread (the one that answers): the socket's
# calls and nothing else; no work handed to a worker (a futex wake), no file touched.
strace -qq -p "$DAEMON_PID" -o "$T/daemon.trace" &
tracer=$!
attached() { "$STINT" ping >/dev/null && [ -s "$T/daemon.trace" ]; }
wait_for 10 attached || fail "strace never attached to stintd"
# The ping's reply reaches stint before stintd has seen it hang up: wait for stintd to close
# every connection it accepted, or its last calls for the ping land after the mark.
closed_all() {
	awk '/^accept4\(.*\) = [0-9]+$/ { open[$NF] = 1 }
		/^close\([0-9]+\) += 0$/ { fd = $1; gsub(/[^0-9]/, "", fd); delete open[fd] }
		END { for (fd in open) exit 1 }' "$T/daemon.trace"
}
wait_for 10 closed_all || fail "stintd never closed the pings' connections"
before=$(wc -l <"$T/daemon.trace")
# With the snapshot, 20 prompts wake stintd not once: nothing in its trace.
for _ in $(seq 20); do "$STINT" status --short >/dev/null; done
"$STINT" status >/dev/null
snap_mark=$(wc -l <"$T/daemon.trace")
expect_eq "$before" "$snap_mark" "system calls of stintd while 21 status commands read the snapshot"
for _ in $(seq 20); do STINT_STATUS_SNAPSHOT=0 "$STINT" status --short >/dev/null; done
kill -INT "$tracer"
wait "$tracer" 2>/dev/null || true
tail -n +"$((before + 1))" "$T/daemon.trace" >"$T/status.trace"
expect_eq 20 "$(grep -cE '^accept4\(.*\) = [0-9]+$' "$T/status.trace")" \
	"connections stintd accepted for 20 status requests"
# Memory is no disk: the allocator's anonymous maps (many under ASan) are allowed.
bad=$(grep -vE '^(accept4|close|epoll_ctl|epoll_wait|geteuid|getpid|getsockopt|read|write|munmap|madvise|brk|mprotect)\(|^mmap\(.*MAP_ANONYMOUS' \
	"$T/status.trace" || true)
[ -z "$bad" ] || fail "stintd's loop did more than answer status: $bad"
# Every read and write is on a connection it accepted (the pings' too, which may end after the
# mark): no file read or written.
python3 - "$T/daemon.trace" "$before" <<'PY' || fail "stintd read or wrote something else than its clients"
import re, sys
accepted, bad = set(), []
for i, line in enumerate(open(sys.argv[1])):
    m = re.match(r"accept4\(.*\) = (\d+)$", line.strip())
    if m:
        accepted.add(m.group(1))
    m = re.match(r"(read|write)\((\d+),", line)
    if i >= int(sys.argv[2]) and m and m.group(2) not in accepted:
        bad.append(line.strip())
assert not bad, bad
PY
"$STINT" ping >/dev/null || fail "stintd stopped serving"
