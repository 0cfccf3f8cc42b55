#!/usr/bin/env bash
# Durability: kill -9 at any point loses no acknowledged event; SIGTERM keeps sessions open.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

make_repo "$T/a"
make_repo "$T/b"
daemon_start
"$STINT" start -C "$T/a" --focus alpha >/dev/null
"$STINT" start -C "$T/b" --focus beta >/dev/null
"$STINT" note -C "$T/a" "acknowledged before the crash"
"$STINT" pause -C "$T/b" >/dev/null
before=$("$STINT" status --json -C "$T/a" | json_get '["sessions"][0]["started_at"]')
id=$("$STINT" status --json -C "$T/a" | json_get '["sessions"][0]["id"]')

daemon_kill9
[ -S "$SOCK" ] || fail "socket vanished on kill -9 (it should be left stale)"
daemon_start # replaces the stale socket
json=$("$STINT" status --json -C "$T/a")
expect_eq "$before" "$(echo "$json" | json_get '["sessions"][0]["started_at"]')" "start time kept"
expect_eq "$id" "$(echo "$json" | json_get '["sessions"][0]["id"]')" "same session id"
expect_eq 1 "$(echo "$json" | json_get '["sessions"][0]["notes"]')" "acknowledged note kept"
expect_eq True "$(echo "$json" | json_get '["sessions"][0]["recovered"]')" "marked recovered"
expect_eq paused "$("$STINT" status --json -C "$T/b" | json_get '["sessions"][0]["state"]')" "pause kept"

# kill -9 while a burst of notes is in flight: every note that got a reply is in the store.
for i in $(seq 1 40); do
	"$STINT" note -C "$T/a" "burst $i" >/dev/null 2>&1 && echo "$i" >>"$T/acked" &
done
sleep 0.05
daemon_kill9
wait || true
daemon_start
acked=$(wc -l <"$T/acked" 2>/dev/null || echo 0)
notes=$("$STINT" status --json -C "$T/a" | json_get '["sessions"][0]["notes"]')
[ "$notes" -ge $((acked + 1)) ] || fail "acknowledged notes lost: $acked acked, $((notes - 1)) kept"

# SIGTERM: exit 0, sessions intact, socket removed; the next daemon is not "recovered".
daemon_stop
[ ! -e "$SOCK" ] || fail "socket left behind after SIGTERM"
daemon_start
expect_eq 2 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "sessions survive SIGTERM"
log=$("$STINT" stop -C "$T/a" | tail -n 1)
grep -q "acknowledged before the crash" "$log" || fail "note missing from the log after recovery"
daemon_stop
echo ok
