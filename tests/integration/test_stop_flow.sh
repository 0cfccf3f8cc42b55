#!/usr/bin/env bash
# No work disappears silently (issue 12): `stint stop` after an auto-stop says when and why and
# prints the log's path last; a stop's [checks] show their progress on a terminal (a real pty,
# util-linux script), --no-checks skips them and the log says so, a hanging check times out,
# and Ctrl-C leaves the stop going on in stintd.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v script >/dev/null || skip "script (util-linux) is not installed"

no_session() { # DIR
	[[ $("$STINT" status --json -C "$1") == *'"sessions":[]'* ]]
}

# A fake editor: records the path it was given.
mkdir -p "$T/bin"
cat >"$T/bin/editor" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >"$T/edited"
EOF
chmod +x "$T/bin/editor"

# --- an auto-stopped session, then `stint stop` -------------------------------------------

config "idle_timeout = 1s" "auto_stop_after_idle = 2s"
daemon_start
make_repo "$T/widget"
mkdir -p "$T/widget/sub"
"$STINT" start -C "$T/widget" --focus "forgotten" >/dev/null
wait_for 15 no_session "$T/widget" || fail "the session was not auto-stopped"
log=$(field "$("$STINT" list --json --limit 1 -C "$T/widget")" log)
[ -f "$log" ] || fail "the auto-stopped session has no log: $log"

cd "$T/widget"
set +e
out=$("$STINT" stop 2>"$T/err")
rc=$?
set -e
expect_eq 0 "$rc" "stop after an auto-stop: exit status (stderr: $(cat "$T/err"))"
expect_eq "$log" "$(printf '%s\n' "$out" | tail -n 1)" "the log's path is the last line"
first=$(printf '%s\n' "$out" | head -n 1)
expect_contains "$first" "stint: the session in widget stopped automatically at " "says so"
expect_contains "$first" "(idle for 2s)" "says why"
# When: the time the log's record says it ended, as HH:MM.
ended=$(field "$("$STINT" list --json --limit 1 -C "$T/widget")" ended_at)
expect_contains "$first" "at ${ended:11:5} " "says when"
# The documented way to open the log still works.
EDITOR="$T/bin/editor"
$EDITOR "$("$STINT" stop | tail -n1)"
expect_eq "$log" "$(cat "$T/edited")" "\$EDITOR \"\$(stint stop | tail -n1)\""
# From a subdirectory, and as JSON.
json=$(cd sub && "$STINT" stop --json)
expect_eq True "$(echo "$json" | json_get '["ok"]')" "stop --json after an auto-stop: $json"
expect_eq "$log" "$(echo "$json" | json_get '["log"]')" "JSON log"
expect_eq auto_stop_after_idle "$(echo "$json" | json_get '["stopped"]["by"]')" "JSON stopped.by"
expect_eq "idle for 2s" "$(echo "$json" | json_get '["stopped"]["why"]')" "JSON stopped.why"
expect_eq stopped "$(echo "$json" | json_get '["session"]["state"]')" "JSON session.state"
expect_eq "$T/widget" "$(echo "$json" | json_get '["session"]["repo"]')" "JSON session.repo"
[ -n "$(echo "$json" | json_get '["stopped"]["at"]')" ] || fail "JSON stopped.at"
# cancel is not stop: nothing open to cancel.
set +e
"$STINT" cancel 2>/dev/null
expect_eq 1 $? "cancel after an auto-stop"
set -e

# A repository that never had a session keeps its clear error.
make_repo "$T/never"
set +e
err=$(cd "$T/never" && "$STINT" stop 2>&1 >/dev/null)
rc=$?
set -e
expect_eq 1 "$rc" "stop where there never was a session"
expect_contains "$err" "no open session in $T/never" "the error names the directory"
"$STINT" ping >/dev/null || fail "stintd stopped serving"

# A session there closes again: the auto-stop is no longer news.
daemon_stop
config "idle_timeout = 1h"
daemon_start
"$STINT" start >/dev/null
"$STINT" stop --no-log >/dev/null
set +e
"$STINT" stop >/dev/null 2>&1
expect_eq 1 $? "stop after a later session there closed"
set -e
daemon_stop

# --- [checks] at stop: progress on a terminal, none otherwise ------------------------------

cat >"$CONFIG" <<EOF
[log]
check_timeout = 10s
[checks]
slow = sleep 3; echo slow done
marker = touch "$T/marker-ran"
EOF
daemon_start
make_repo "$T/c"
cd "$T/c"

# A pty: stint's stdout and stderr are the terminal script(1) made.
"$STINT" start --focus "checked" >/dev/null
script -qfec "$STINT stop" "$T/tty.out" </dev/null >/dev/null
expect_contains "$(cat "$T/tty.out")" 'running check "slow" (1/2, 0 s)…' "the progress line"
expect_contains "$(cat "$T/tty.out")" 'running check "slow" (1/2, 2 s)…' "the line counts on"
# Updated in place: each drawing starts with a carriage return and erases the line.
grep -q $'\r\e\[Krunning check "slow" (1/2, 1 s)…' "$T/tty.out" || fail "not updated in place: $(cat -A "$T/tty.out")"
# ...and cleared before the confirmation.
grep -q $'\r\e\[KStopped "checked"' "$T/tty.out" || fail "the progress line was not cleared: $(cat -A "$T/tty.out")"
log=$(tr -d '\r' <"$T/tty.out" | grep -E "^$T/c|^/" | grep '\.md$' | tail -n 1)
[ -f "$log" ] || fail "no log path on the terminal: $(cat -A "$T/tty.out")"
grep -q "✅ slow" "$log" || fail "the check is not in the log"
[ -e "$T/marker-ran" ] || fail "the second check did not run"

# Not a terminal: nothing of the progress on stderr, the path last on stdout.
rm -f "$T/marker-ran"
"$STINT" start >/dev/null
out=$("$STINT" stop 2>"$T/err")
expect_eq "" "$(cat "$T/err")" "stderr of a stop with checks, not on a terminal"
log=$(printf '%s\n' "$out" | tail -n 1)
[ -f "$log" ] || fail "the last line is not the log: $out"

# --- --no-checks: skipped, and the log says so -------------------------------------------
rm -f "$T/marker-ran"
"$STINT" start >/dev/null
log=$("$STINT" stop --no-checks | tail -n 1)
[ ! -e "$T/marker-ran" ] || fail "--no-checks ran a check"
grep -q "slow (skipped: stint stop --no-checks)" "$log" || fail "the log does not say slow was skipped: $(grep -A8 'Quality Checks' "$log")"
grep -q "marker (skipped: stint stop --no-checks)" "$log" || fail "the log does not say marker was skipped"
grep -q "skipped (stop --no-checks)" "$DAEMON_LOG" || fail "stintd did not log the skip"

# Bad input: a clear error, nonzero, the daemon serving.
"$STINT" start >/dev/null
for bad in '"no_checks":"yes"' '"progress":1' '"edit":true,"no_log":true'; do
	reply=$(rawreq "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"$T/c\",$bad}")
	expect_eq bad_request "$(echo "$reply" | json_get '["error"]["code"]')" "stop with $bad"
done
reply=$(rawreq "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"$T/c\",\"text\":\"t\",\"progress\":true}")
expect_contains "$(echo "$reply" | json_get '["error"]["message"]')" 'no field "progress"' "progress on note"
set +e
"$STINT" stop --no-checks --bogus 2>/dev/null
expect_eq 2 $? "an unknown option"
set -e
expect_eq 1 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "still open after bad requests"

# The wire: progress messages only when asked for, before the one reply.
lines=$(python3 - "$SOCK" "$T/c" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"v": 1, "cmd": "stop", "cwd": sys.argv[2], "progress": True}) + "\n").encode())
f = s.makefile("rb")
while True:
    m = json.loads(f.readline())
    if "ok" in m:
        print("reply", m["ok"])
        break
    print("progress", m["progress"]["what"], m["progress"]["name"], m["progress"]["index"],
          m["progress"]["count"], m["progress"]["timeout_s"])
PY
)
expect_eq "progress check slow 0 2 10
progress check marker 1 2 10
reply True" "$lines" "progress messages on the wire"
daemon_stop

# --- a hanging check: shown, timed out, and Ctrl-C leaves the stop going on ---------------

cat >"$CONFIG" <<EOF
[log]
check_timeout = 4s
[checks]
hang = sleep 600
EOF
daemon_start
"$STINT" start --focus "hangs" >/dev/null
# ^C typed on the terminal once the progress line is there.
set +e
(
	wait_for 20 grep -q 'running check "hang"' "$T/hang.out" || exit 1
	printf '\003'
	touch "$T/hang.typed"
) | {
	script -qfec "exec $STINT stop" "$T/hang.out" >/dev/null
	echo $? >"$T/hang.rc"
}
set -e
[ -e "$T/hang.typed" ] || fail "no progress line for the hanging check: $(cat -A "$T/hang.out")"
expect_eq 130 "$(cat "$T/hang.rc")" "stint's exit status after ^C"
out=$(tr -d '\r' <"$T/hang.out")
expect_contains "$out" 'stint: interrupted; the stop goes on in stintd (check "hang" runs to its end or its timeout)' "what ^C says"
# The stop went on: once the check's timeout ends it, the log is written and the session closed.
wait_for 20 no_session "$T/c" || fail "the session is still open after the check's timeout"
j=$("$STINT" list --json --limit 1 -C "$T/c")
log=$(field "$j" log)
[ -f "$log" ] || fail "no log after the interrupted stop: $j"
grep -q "hang (timed out" "$log" || fail "the log does not say the check timed out: $(grep -A5 'Quality Checks' "$log")"
# Nobody heard that stop's end: a later stint stop says so and prints the log, as after an
# auto-stop.
set +e
out=$(cd "$T/c" && "$STINT" stop 2>"$T/err")
rc=$?
set -e
expect_eq 0 "$rc" "stop after an interrupted stop: exit status (stderr: $(cat "$T/err"))"
expect_eq "$log" "$(printf '%s\n' "$out" | tail -n 1)" "stop after an interrupted stop: the log, last"
expect_contains "$out" "was stopped at" "stop after an interrupted stop: when"
expect_contains "$out" "by a stint stop that was interrupted" "stop after an interrupted stop: why"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
daemon_stop

# --- a check that fails: said on stderr off a terminal too, and in the reply ---------------
cat >"$CONFIG" <<EOF
[checks]
fine = true
broken = echo broken output; exit 3
EOF
daemon_start
"$STINT" start >/dev/null
out=$("$STINT" stop 2>"$T/err") || fail "stop with a failing check failed: $(cat "$T/err")"
expect_eq 'stint: warning: check "broken" failed (exit status 3); its output is in the log' \
	"$(cat "$T/err")" "stderr of a stop whose check failed"
log=$(printf '%s\n' "$out" | tail -n 1)
grep -q "broken output" "$log" || fail "the failed check's output is not in the log"
"$STINT" start >/dev/null
reply=$("$STINT" stop --json)
expect_eq '[{"name": "fine", "ok": true, "exit": 0, "timed_out": false}, {"name": "broken", "ok": false, "exit": 3, "timed_out": false}]' \
	"$(json_get '["session"]["checks"]' <<<"$reply")" "the checks in stop's reply"
daemon_stop
echo ok
