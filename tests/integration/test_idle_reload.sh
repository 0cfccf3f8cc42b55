#!/usr/bin/env bash
# A change of [time] idle_timeout judges what follows it, never what came before
# (docs/time-accounting.md): a reload (SIGHUP) or a restart with a shorter timeout keeps the
# active time already counted, and the stretches after the change go idle by the new value.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

R="$T/repo"
status_field() { "$STINT" status --json -C "$R" | json_get "[\"sessions\"][0][\"$1\"]"; }
active_at_least() { [ "$(status_field active_s)" -ge "$1" ]; }
state_is() { [ "$(status_field state)" = "$1" ]; }
reloaded() { [ "$(grep -c "config: reloaded" "$DAEMON_LOG")" -ge "$1" ]; }

make_repo "$R"
config "idle_timeout = 1h"
daemon_start
"$STINT" start -C "$R" >/dev/null
wait_for 30 active_at_least 3 || fail "3 s of work never counted: $(status_field active_s)"

# The timeout shortened to 2 s: the quiet seconds before the reload were work under the hour.
config "idle_timeout = 2s"
kill -HUP "$DAEMON_PID"
wait_for 10 reloaded 1 || fail "stintd did not reload its config"
before=$(status_field active_s)
[ "$before" -ge 3 ] || fail "the reload took back the active time: active_s $before (state $(status_field state))"
grep -q "idle_timeout is now 2s (was 3600s), from here on" "$DAEMON_LOG" ||
	fail "the change is not logged as one"
# From the reload on, 2 s of quiet are idle.
wait_for 20 state_is idle || fail "the new timeout never made the session idle: $(status_field state)"
idle_active=$(status_field active_s)
[ "$idle_active" -ge 3 ] || fail "the active time went below what was counted: $idle_active"

# A restart with the hour again (stintd down meanwhile): the idle stretch stays idle and the
# active time stays; the change is recorded at the start-up.
daemon_stop
config "idle_timeout = 1h"
daemon_start
grep -q "idle_timeout is now 3600s (was 2s), from here on" "$DAEMON_LOG" ||
	fail "the restart with another timeout is not recorded"
after=$(status_field active_s)
[ "$after" -ge "$idle_active" ] || fail "the restart took back active time: $after < $idle_active"

# The stop's numbers keep it; the events say what changed, in order.
"$STINT" stop -C "$R" --no-checks >/dev/null || fail "stint stop failed"
got=$("$STINT" list --json -n 1 | json_get '["sessions"][0]["active_s"]')
[ "$got" -ge "$idle_active" ] || fail "the closed session's active time: $got < $idle_active"
kinds=$("$STINT" export --format json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
s = doc["sessions"][0] if isinstance(doc, dict) else doc[0]
print(" ".join(str(e["data"]["idle_timeout_s"]) for e in s["events"] if e["kind"] == "idle_timeout"))')
expect_eq "2 3600" "$kinds" "the idle_timeout events of the session"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo ok
