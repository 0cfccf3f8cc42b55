#!/usr/bin/env bash
# Forgotten sessions: max_session and auto_stop_after_idle stop a session by themselves and write
# its log, saying so, with the idle tail not counted as work. See docs/configuration.md.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

now() { # milliseconds since the epoch
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

since_ms() { # milliseconds since a now() reading
	echo $(($(now) - $1))
}

no_session() { # DIR
	[[ $("$STINT" status --json -C "$1") == *'"sessions":[]'* ]]
}

# The newest closed session's record from list --json: state active idle paused suspended wall log
record() { # DIR
	local j k out=
	j=$("$STINT" list --json --limit 1 -C "$1")
	for k in state active_s idle_s paused_s suspended_s wall_s log; do
		out+="$(field "$j" "$k") "
	done
	echo "${out% }"
}

seconds_text() {
	[ "$1" -eq 1 ] && echo "1 second" || echo "$1 seconds"
}

# --- max_session: stopped after that much wall time, activity or not ----------------------

config "max_session = 3s"
daemon_start
make_repo "$T/long"
"$STINT" start -C "$T/long" --focus "forgotten" >/dev/null
t_start=$(now)
sleep 1.5
"$STINT" note -C "$T/long" "activity does not postpone max_session" >/dev/null
wait_for 10 no_session "$T/long" || fail "max_session = 3s: still open after $(since_ms "$t_start") ms"
took=$(since_ms "$t_start")
[ "$took" -ge 2900 ] && [ "$took" -le 6000 ] || fail "max_session = 3s: stopped after $took ms"
read -r st active _ _ _ wall log <<<"$(record "$T/long")"
expect_eq stopped "$st" "state of the auto-stopped session"
[ "$log" != null ] && [ -f "$log" ] || fail "the auto-stopped session has no log: $(record "$T/long")"
[ "$wall" -ge 3 ] && [ "$wall" -le 5 ] || fail "wall_s of a session stopped by max_session = 3s: $wall"
content=$(cat "$log")
expect_contains "$(sed -n '/^## Summary/,/^## /p' "$log")" \
	"Stopped automatically by stint (max_session = 3s)." "the Summary says why it stopped"
expect_contains "$content" "activity does not postpone max_session" "the note is in the log"
expect_contains "$content" "**Duration:** $(seconds_text "$active")  " "Duration is the active time"
grep -q "auto-stop (max_session)" "$DAEMON_LOG" || fail "stintd did not log the auto-stop"
# With nothing open the deadline timer is gone, and a new session gets its own.
"$STINT" start -C "$T/long" >/dev/null
wait_for 10 no_session "$T/long" || fail "a second session was not auto-stopped"

# --- auto_stop_after_idle: stopped after that long without activity; the tail is idle ----

daemon_stop
config "idle_timeout = 2s" "auto_stop_after_idle = 3s"
daemon_start
make_repo "$T/quiet"
"$STINT" start -C "$T/quiet" >/dev/null
sleep 1
"$STINT" note -C "$T/quiet" "last activity" >/dev/null
t_last=$(now)
wait_for 10 no_session "$T/quiet" ||
	fail "auto_stop_after_idle = 3s: still open $(since_ms "$t_last") ms after the last activity"
took=$(since_ms "$t_last")
[ "$took" -ge 2900 ] && [ "$took" -le 6000 ] ||
	fail "auto_stop_after_idle = 3s: stopped $took ms after the last activity"
read -r st active idle _ _ wall log <<<"$(record "$T/quiet")"
expect_eq stopped "$st" "state of the auto-stopped session"
[ "$log" != null ] && [ -f "$log" ] || fail "no log: $(record "$T/quiet")"
[ "$active" -le 2 ] ||
	fail "the idle tail counted as work: active_s $active (wall $wall, idle $idle)"
[ "$idle" -ge 2 ] || fail "the idle tail is not idle: idle_s $idle (wall $wall)"
expect_contains "$(sed -n '/^## Summary/,/^## /p' "$log")" \
	"Stopped automatically by stint (auto_stop_after_idle = 3s)." "the Summary says why it stopped"
expect_contains "$(cat "$log")" "**Duration:** $(seconds_text "$active")  " \
	"Duration excludes the idle tail"
grep -qE '^[0-9]+\. \*\*Idle\*\* \(' "$log" || fail "the idle tail is not in Activities"

# A paused session is not idle: auto_stop_after_idle leaves it alone.
"$STINT" start -C "$T/quiet" >/dev/null
"$STINT" pause -C "$T/quiet" >/dev/null
sleep 4
no_session "$T/quiet" && fail "auto_stop_after_idle stopped a paused session"
"$STINT" stop -C "$T/quiet" >/dev/null

daemon_stop

# --- max_session counts a suspend, like wall_s (simulated by STINT_TEST_SLEPT_FILE) --------

if ! "$STINTD" --version | grep -q "test hooks"; then
	echo "SKIP: suspend: stintd was built without -DSTINT_TEST_HOOKS=ON" >&2
else
	config "max_session = 1h"
	echo 0 >"$T/slept"
	STINT_TEST_SLEPT_FILE="$T/slept" daemon_start
	make_repo "$T/lid"
	"$STINT" start -C "$T/lid" >/dev/null
	sleep 0.5
	no_session "$T/lid" && fail "max_session = 1h: stopped before the suspend"
	echo 3601 >"$T/slept"
	# Activity after the resume re-arms the deadline, which has passed. stintd may have seen
	# the suspend first (a loaded machine) and stopped the session already: then the note
	# finds none, which is the same outcome.
	out=$("$STINT" note -C "$T/lid" "lid opened" 2>&1) || grep -q "no open session" <<<"$out" ||
		fail "a note after the resume: $out"
	wait_for 10 no_session "$T/lid" || fail "max_session = 1h: still open after a 1-hour suspend"
	read -r st active _ _ suspended wall log <<<"$(record "$T/lid")"
	expect_eq stopped "$st" "state of a session past max_session after a suspend"
	[ "$wall" -ge 3600 ] && [ "$suspended" -ge 3600 ] && [ "$active" -le 2 ] ||
		fail "times of a session stopped after a suspend: $(record "$T/lid")"
	expect_contains "$(sed -n '/^## Summary/,/^## /p' "$log")" \
		"Stopped automatically by stint (max_session = 3600s)." "the Summary after a suspend"
	daemon_stop
fi

# --- max_session across a reboot: a session left open is stopped when stintd is back -------

config "max_session = 1h"
daemon_start
make_repo "$T/reboot"
"$STINT" start -C "$T/reboot" --focus "left open over a reboot" >/dev/null
"$STINT" note -C "$T/reboot" "before the reboot" >/dev/null
daemon_stop
# As if the machine went down two hours ago: the events belong to an earlier boot, 2 h back.
python3 - "$XDG_STATE_HOME/stint/stint.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE events SET boot_id = 'an-earlier-boot', wall_ms = wall_ms - 7200000 "
           "WHERE session_id IN (SELECT id FROM sessions WHERE state = 'open')")
db.execute("UPDATE sessions SET started_wall = started_wall - 7200000 WHERE state = 'open'")
db.commit()
PY
daemon_start
wait_for 10 no_session "$T/reboot" || fail "max_session = 1h: a session open for 2 h over a reboot was not stopped"
read -r st active _ _ suspended wall log <<<"$(record "$T/reboot")"
expect_eq stopped "$st" "state of a session past max_session after a reboot"
[ "$log" != null ] && [ -f "$log" ] || fail "no log after a reboot: $(record "$T/reboot")"
[ "$wall" -ge 7200 ] && [ "$suspended" -ge 7190 ] ||
	fail "times of a session stopped after a reboot: $(record "$T/reboot")"
expect_contains "$(sed -n '/^## Summary/,/^## /p' "$log")" \
	"Stopped automatically by stint (max_session = 3600s)." "the Summary after a reboot"
expect_contains "$(cat "$log")" "before the reboot" "the note from before the reboot"
daemon_stop

# A stop that failed kept its summary; the auto-stop that comes later adds its line to it.
config "max_session = 4s" "idle_timeout = 0"
printf '[log]\ndir = %s/blocked/{repo_name}\n' "$T" >>"$CONFIG"
mkdir -p "$T/blocked"
touch "$T/blocked/kept" # a file where the log directory should be: unwritable even for root
daemon_start
make_repo "$T/kept"
"$STINT" start -C "$T/kept" >/dev/null
if "$STINT" stop -C "$T/kept" --summary "what I did, typed once" 2>/dev/null; then
	fail "stop into a blocked log directory succeeded"
fi
rm "$T/blocked/kept"
wait_for 15 no_session "$T/kept" || fail "max_session = 4s: the session was not auto-stopped"
read -r st _ _ _ _ _ log <<<"$(record "$T/kept")"
summary=$(sed -n '/^## Summary/,/^## /p' "$log")
expect_contains "$summary" "what I did, typed once" "the kept summary after an auto-stop"
expect_contains "$summary" "Stopped automatically by stint (max_session = 4s)." "the auto-stop line"
daemon_stop
echo ok
