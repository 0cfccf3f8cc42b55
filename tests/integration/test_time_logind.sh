#!/usr/bin/env bash
# logind's PrepareForSleep: the suspend gap starts where the machine went to sleep, and at resume
# the deadlines are checked at once. A private bus stands in for the system bus, dbus-send for
# logind, STINT_TEST_SLEPT_FILE for the sleep itself. See docs/time-accounting.md.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

"$STINTD" --version | grep -q "test hooks" || skip "stintd was built without -DSTINT_TEST_HOOKS=ON"
command -v dbus-daemon >/dev/null && command -v dbus-send >/dev/null || skip "no dbus-daemon"

BUS="unix:path=$T/bus"
dbus-daemon --session --nofork --address="$BUS" >"$T/bus.log" 2>&1 &
BUS_PID=$!
# Stop the bus too, keeping the exit status for lib.sh's cleanup.
trap 'rc=$?; kill "$BUS_PID" 2>/dev/null || true; (exit $rc) || cleanup; cleanup' EXIT
wait_for 10 test -S "$T/bus" || fail "the private bus did not come up: $(cat "$T/bus.log")"

logind() { # true|false
	dbus-send --bus="$BUS" --type=signal /org/freedesktop/login1 \
		org.freedesktop.login1.Manager.PrepareForSleep "boolean:$1"
}

no_session() { # DIR
	[[ $("$STINT" status --json -C "$1") == *'"sessions":[]'* ]]
}

export DBUS_SYSTEM_BUS_ADDRESS="$BUS" STINT_TEST_ANY_SLEEP_SENDER=1
export STINT_TEST_SLEPT_FILE="$T/slept"
echo 0 >"$T/slept"
config "max_session = 5m"
daemon_start
make_repo "$T/r"
"$STINT" start -C "$T/r" --focus "lid closed" >/dev/null
sleep 1
before=$(date +%H:%M)
logind true
wait_for 10 grep -q "logind: going to sleep" "$DAEMON_LOG" || fail "stintd did not see PrepareForSleep(true)"
after=$(date +%H:%M)
echo 600 >"$T/slept" # ten minutes asleep
logind false
wait_for 10 grep -q "logind: woke up" "$DAEMON_LOG" || fail "stintd did not see PrepareForSleep(false)"
# Past max_session after the sleep: stopped at the resume, with no activity needed.
wait_for 10 no_session "$T/r" || fail "max_session = 5m: still open after 10 minutes asleep"
log=$(json_get '["sessions"][0]["log"]' <<<"$("$STINT" list --json --limit 1 -C "$T/r")")
[ -f "$log" ] || fail "the auto-stopped session has no log"
# A gap that ends on another day names its date: "23:53–2026-12-04 00:03".
grep -qE "^[0-9]+\. \*\*Suspended\*\* \(($before|$after)–([0-9]{4}-[0-9]{2}-[0-9]{2} )?[0-9:]{5}, (10 minutes|9 minutes)\)\$" "$log" ||
	fail "the Suspended gap does not start at the sleep ($before/$after): $(sed -n '/^## Activities/,/^## /p' "$log")"

# Signals of another shape change nothing and the daemon keeps serving.
dbus-send --bus="$BUS" --type=signal /org/freedesktop/login1 \
	org.freedesktop.login1.Manager.PrepareForSleep string:yes
dbus-send --bus="$BUS" --type=signal /org/freedesktop/login1 \
	org.freedesktop.login1.Manager.PrepareForSleep
"$STINT" ping >/dev/null || fail "stintd stopped serving after malformed signals"
# The bus going away is survived too.
kill "$BUS_PID"
wait "$BUS_PID" 2>/dev/null || true
wait_for 10 grep -q "logind: lost the system bus" "$DAEMON_LOG" || fail "the lost bus was not noticed"
"$STINT" start -C "$T/r" >/dev/null
"$STINT" stop --no-log -C "$T/r" >/dev/null
daemon_stop
echo ok
