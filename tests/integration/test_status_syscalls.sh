#!/usr/bin/env bash
# The prompt segment's work, counted with strace: one socket, one connect, one write, one read
# of the reply (a poll before it), and stintd's answer to status touching no file: no open,
# no stat, no fsync, no git child, on any of its threads.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v strace >/dev/null || fail "strace is not installed (scripts/deps lists it)"
# A container may forbid ptrace: then nothing here can be measured.
strace -qq -o /dev/null true 2>"$T/strace.err" ||
	skip "strace cannot trace here (ptrace refused?): $(cat "$T/strace.err")"

# The calls of one kind in an strace -f log: count LOG NAME
count() {
	grep -cE "^([0-9]+ +)?$2\(" "$1" || true
}

make_repo "$T/r"
cd "$T/r"
daemon_start
"$STINT" start >/dev/null

for args in "status --short" "status --format {branch}" "status"; do
	# shellcheck disable=SC2086 # the words of args are the arguments
	# LeakSanitizer cannot run under ptrace (the ASan build); the other tests look for leaks.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=socket,connect,sendto,sendmsg,write,recvfrom,recvmsg,read,poll \
		-o "$T/cli.trace" "$STINT" $args >"$T/out" || fail "stint $args failed under strace"
	[ -s "$T/out" ] || fail "stint $args printed nothing"
	expect_eq 1 "$(count "$T/cli.trace" socket)" "stint $args: socket calls"
	expect_eq 1 "$(count "$T/cli.trace" connect)" "stint $args: connect calls"
	expect_eq 1 "$(count "$T/cli.trace" sendto)" "stint $args: sendto calls (the request)"
	expect_eq 1 "$(count "$T/cli.trace" recvfrom)" "stint $args: recvfrom calls (the reply)"
	expect_eq 1 "$(count "$T/cli.trace" poll)" "stint $args: poll calls"
done

# stintd's side of 20 status requests, on its loop thread (the one that answers): the socket's
# calls and nothing else; no work handed to a worker (a futex wake), no file touched.
wait_seen "$T/r" # the session's first statistics are in: nothing left to do for its start
strace -qq -p "$DAEMON_PID" -o "$T/daemon.trace" &
tracer=$!
attached() { "$STINT" ping >/dev/null && [ -s "$T/daemon.trace" ]; }
wait_for 10 attached || fail "strace never attached to stintd"
before=$(wc -l <"$T/daemon.trace")
for _ in $(seq 20); do "$STINT" status --short >/dev/null; done
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
