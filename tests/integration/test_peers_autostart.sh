#!/usr/bin/env bash
# CLIs that start stintd together (issue 13, item 8): after a kill -9 of the daemon, thirty
# stint commands at once all get an answer, none blames a stintd that only lost the start-up
# race; and a stintd that cannot start for a real reason is quoted by the CLI.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

ROUNDS=${ROUNDS:-6}
CLIS=30
STATE_LOG="$XDG_STATE_HOME/stint/stintd.log"

# The CLI starts the stintd it finds next to itself.
mkdir -p "$T/bin"
cp "$STINT" "$STINTD" "$T/bin/"
unset STINT_NO_AUTOSTART

# The pid in the socket directory's lock file: the stintd serving now.
holder() {
	head -n 1 "$(dirname "$SOCK")/stintd.lock"
}

serving() {
	STINT_NO_AUTOSTART=1 "$T/bin/stint" ping
}

# A failed test leaves no stintd it started, nor its helpers, behind (cleanup knows none of them).
fake=
trap 'rc=$?; set +e; [ -z "$fake" ] || kill "$fake" 2>/dev/null
p=$(holder 2>/dev/null); [ "$(cat "/proc/$p/comm" 2>/dev/null)" != stintd ] || kill -TERM "$p"
(exit $rc); cleanup' EXIT

# Stops the stintd serving now and waits until it has exited (a zombie counts: not our child).
stop_serving() {
	local pid
	pid=$(holder)
	kill -TERM "$pid"
	wait_for 20 bash -c "! kill -0 $pid || grep -q '^State:.*zombie' /proc/$pid/status" ||
		fail "stintd $pid did not exit"
	DAEMON_PID=
}

# --- a killed daemon, thirty CLIs at once: every one is answered -----------------------------

"$T/bin/stint" ping >/dev/null || fail "autostart failed"
failures=0
for round in $(seq "$ROUNDS"); do
	pid=$(holder)
	kill -KILL "$pid"
	pids=()
	for i in $(seq "$CLIS"); do
		"$T/bin/stint" status >"$T/out.$round.$i" 2>&1 &
		pids+=($!)
	done
	for i in $(seq "$CLIS"); do
		if ! wait "${pids[i - 1]}"; then
			failures=$((failures + 1))
			echo "round $round, stint $i: $(cat "$T/out.$round.$i")" >>"$T/failures"
		fi
	done
	serving >/dev/null || fail "round $round: no stintd serving after the CLIs"
done
[ "$failures" -eq 0 ] || fail "$failures of $((ROUNDS * CLIS)) stint commands failed:
$(sort "$T/failures" | head -n 5)"

# The killed daemon's lock outlives it for a second (a child that inherited it, a slow exit):
# its stintd.lock names a dead pid while the lock is still held.
command -v flock >/dev/null || skip "flock(1) is needed to hold the lock"
lock="$(dirname "$SOCK")/stintd.lock"
pid=$(holder)
kill -KILL "$pid"
wait_for 10 bash -c "! kill -0 $pid || grep -q '^State:.*zombie' /proc/$pid/status" ||
	fail "the killed stintd $pid does not die"
flock -x "$lock" -c "touch '$T/locked'; sleep 1" &
flocker=$!
wait_for 10 test -e "$T/locked" || fail "flock did not take $lock"
pids=()
for i in $(seq "$CLIS"); do
	"$T/bin/stint" status >"$T/out.held.$i" 2>&1 &
	pids+=($!)
done
for i in $(seq "$CLIS"); do
	wait "${pids[i - 1]}" || echo "stint $i: $(cat "$T/out.held.$i")" >>"$T/failures.held"
done
wait "$flocker"
[ ! -e "$T/failures.held" ] || fail "with the lock held after the daemon died, $(wc -l <"$T/failures.held") of $CLIS stint commands failed:
$(head -n 3 "$T/failures.held")"
DAEMON_PID=$(holder)
# The log has what each serving stintd said, and what it says once its starters are gone.
n=$(grep -c "serving $SOCK" "$STATE_LOG")
[ "$n" -ge $((ROUNDS + 2)) ] || fail "$n 'serving' lines in $STATE_LOG for $((ROUNDS + 2)) starts"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q "config: reloaded" "$STATE_LOG" ||
	fail "the autostarted stintd's later output is not in $STATE_LOG: $(tail -n 5 "$STATE_LOG")"
stop_serving

# --- a daemon killed with requests it had not read: they are sent again ---------------------

# In its place, a listener that takes each connection and closes it unread once the request is
# there, as a stintd killed at that moment would; its socket file stays behind.
mkdir -p -m 700 "$(dirname "$SOCK")"
python3 - "$SOCK" "$T/listening" 5 <<'PY' &
import os, select, socket, sys
path, ready, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.unlink(path) if os.path.exists(path) else None
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(16)
open(ready, "w").close()
conns = [srv.accept()[0] for _ in range(n)]
for c in conns:
    select.select([c], [], [], 20)
for c in conns:
    c.close()
srv.close()
PY
fake=$!
wait_for 10 test -e "$T/listening" || fail "the stand-in listener did not start"
pids=()
for i in 1 2 3 4 5; do
	"$T/bin/stint" status >"$T/out.reset.$i" 2>&1 &
	pids+=($!)
done
for i in 1 2 3 4 5; do
	wait "${pids[i - 1]}" || fail "stint $i, its request closed unread: $(cat "$T/out.reset.$i")"
done
wait "$fake" || fail "the stand-in listener failed"
fake=
DAEMON_PID=$(holder)
serving >/dev/null || fail "no stintd serving after the requests closed unread"
stop_serving

# --- a stintd that cannot start: the CLI says what stintd said -------------------------------

config "bogus = 1"
rc=0 && expected=$("$T/bin/stintd" --check-config 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "stintd --check-config took the bad config: $expected"
expected=${expected#stintd: }
rc=0 && out=$("$T/bin/stint" status 2>&1) || rc=$?
expect_eq 1 "$rc" "exit status of stint status when stintd cannot start ($out)"
expect_contains "$out" "$expected" "stint status when stintd cannot start"
expect_contains "$out" "$STATE_LOG" "stint status when stintd cannot start names the log"
grep -qF "$expected" "$STATE_LOG" || fail "stintd's error is not in $STATE_LOG"
serving >/dev/null 2>&1 && fail "a stintd serves with a bad config"
# Fixed, the next command starts it.
config
"$T/bin/stint" status >/dev/null || fail "autostart after the config was fixed"
stop_serving
# What the stintds said, copied by the CLIs or written by themselves: no sanitizer report.
! grep -E "Sanitizer|runtime error" "$STATE_LOG" || fail "a sanitizer report in $STATE_LOG"
echo ok
