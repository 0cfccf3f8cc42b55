#!/usr/bin/env bash
# Time accounting against the real daemon: idle from the last activity, pause inside idle,
# kill -9 recovery, a simulated suspend, a wall-clock jump, idle_timeout = 0. See
# docs/time-accounting.md. Auto-stops (max_session, auto_stop_after_idle) are in test_autostop.sh.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# The open session's clock in DIR, one line: state active idle paused suspended wall recovered
times() {
	local j k out=
	j=$("$STINT" status --json -C "$1")
	for k in state active_s idle_s paused_s suspended_s wall_s recovered; do
		out+="$(field "$j" "$k") "
	done
	echo "${out% }"
}

state_is() { # DIR STATE
	[ "$(times "$1" | cut -d' ' -f1)" = "$2" ]
}

now() { # microseconds since the epoch
	echo "${EPOCHREALTIME/./}"
}

since() { # whole seconds elapsed since a now() reading
	echo $((($(now) - $1) / 1000000))
}

near() { # A B TOLERANCE WHAT: |A - B| <= TOLERANCE
	local d=$(($1 - $2))
	[ ${d#-} -le "$3" ] || fail "$4: $1 and $2 differ by more than $3"
}

# wall = active + idle + paused + suspended, each rounded down to seconds.
check_sum() { # "state active idle paused suspended wall recovered" WHAT
	local a i p s w
	read -r _ a i p s w _ <<<"$1"
	near $((a + i + p + s)) "$w" 2 "$2: active+idle+paused+suspended vs wall ($1)"
}

# The newest closed session's record from list --json: active idle paused suspended wall log
record() { # DIR
	local j k out=
	j=$("$STINT" list --json --limit 1 -C "$1")
	for k in active_s idle_s paused_s suspended_s wall_s log; do
		out+="$(field "$j" "$k") "
	done
	echo "${out% }"
}

# What duration_format_long prints for a number of seconds under a minute.
seconds_text() {
	[ "$1" -eq 1 ] && echo "1 second" || echo "$1 seconds"
}

# --- Idle after idle_timeout, counted from the last activity; activity resumes it ---------

config "idle_timeout = 3s"
daemon_start
make_repo "$T/idle"
"$STINT" start -C "$T/idle" >/dev/null
sleep 2 # active time before the change, so idle counted from the start would show
printf 'changed\n' >>"$T/idle/README"
t_change=$(now)
sleep 1
state_is "$T/idle" active || fail "idle before idle_timeout: $(times "$T/idle")"
wait_for 8 state_is "$T/idle" idle || fail "not idle 8 s after the last activity: $(times "$T/idle")"
took=$(since "$t_change")
[ "$took" -le 5 ] || fail "idle only ${took}s after the change (idle_timeout = 3s)"
t=$(times "$T/idle")
read -r _ active idle _ _ _ _ <<<"$t"
[ "$idle" -ge 3 ] || fail "idle_s below idle_timeout once idle: $t"
# The change (seen ~0.3 s after the write) was activity: the 2 s before it stay active.
[ "$active" -ge 1 ] && [ "$active" -le 4 ] ||
	fail "active_s should be the ~2 s before the change, not the idle stretch: $t"
near "$idle" "$(since "$t_change")" 2 "idle_s vs the time since the change ($t)"
check_sum "$t" "idle state"
sleep 1
t2=$(times "$T/idle")
[ "$(echo "$t2" | cut -d' ' -f2)" = "$active" ] || fail "active_s grows while idle: $t then $t2"

"$STINT" note -C "$T/idle" "back at it" >/dev/null
t_note=$(now)
t=$(times "$T/idle")
state_is "$T/idle" active || fail "a note did not end idle: $t"
read -r _ active idle _ _ _ _ <<<"$t"
check_sum "$t" "after the note"
log=$("$STINT" stop -C "$T/idle" | tail -n 1)
[ -f "$log" ] || fail "no log at [$log]"
read -r r_active r_idle _ _ r_wall r_log <<<"$(record "$T/idle")"
expect_eq "$log" "$r_log" "list names the log"
[ "$r_idle" -ge 3 ] || fail "the closed session lost its idle time: idle_s $r_idle"
[ "$r_active" -ge "$active" ] && [ "$r_active" -le $((active + $(since "$t_note") + 1)) ] ||
	fail "active_s at stop ($r_active) vs after the note ($t)"
content=$(cat "$log")
# wall - active < 1 minute: the Duration is the active time alone.
expect_contains "$content" "**Duration:** $(seconds_text "$r_active")  " "Duration is the active time"
grep -qE '^[0-9]+\. \*\*Idle\*\* \([0-9:]{5}–[0-9:]{5}, [0-9]+ seconds?\)$' "$log" ||
	fail "no Idle gap in Activities: $(sed -n '/^## Activities/,/^## /p' "$log")"
grep -qE '^[0-9]+\. \*\*Active again\*\*' "$log" || fail "no 'Active again' after the idle gap"
expect_contains "$(sed -n '/\*\*Active again\*\*/,/^$/p' "$log")" "back at it" \
	"the note sits under 'Active again'"

# --- A pause inside idle: paused and idle time never overlap -----------------------------

make_repo "$T/pause"
"$STINT" start -C "$T/pause" >/dev/null
wait_for 8 state_is "$T/pause" idle || fail "not idle: $(times "$T/pause")"
"$STINT" pause -C "$T/pause" >/dev/null
t_pause=$(now)
t=$(times "$T/pause")
read -r st active idle paused _ _ _ <<<"$t"
expect_eq paused "$st" "state after pausing an idle session"
idle_at_pause=$idle
sleep 2
t=$(times "$T/pause")
read -r st _ idle paused _ _ _ <<<"$t"
expect_eq paused "$st" "state while paused (not idle)"
near "$idle" "$idle_at_pause" 1 "idle_s grows while paused ($t)"
check_sum "$t" "while paused"
"$STINT" resume -C "$T/pause" >/dev/null
paused_for=$(since "$t_pause")
t=$(times "$T/pause")
read -r st active idle paused _ _ _ <<<"$t"
expect_eq active "$st" "state after resume"
near "$paused" "$paused_for" 1 "paused_s vs the pause ($t)"
near "$idle" "$idle_at_pause" 1 "idle_s after resume ($t)"
[ "$idle" -ge 3 ] || fail "the idle stretch before the pause was lost: $t"
[ "$active" -le 1 ] || fail "active_s counts the idle or paused time: $t"
check_sum "$t" "after resume"
"$STINT" stop -C "$T/pause" >/dev/null

# --- idle_timeout = 0: never idle ---------------------------------------------------------

daemon_stop
config "idle_timeout = 0"
daemon_start
make_repo "$T/never"
"$STINT" start -C "$T/never" >/dev/null
sleep 4
t=$(times "$T/never")
read -r st active idle _ _ _ _ <<<"$t"
expect_eq active "$st" "state after 4 s without activity, idle_timeout = 0"
expect_eq 0 "$idle" "idle_s with idle_timeout = 0"
[ "$active" -ge 3 ] || fail "active_s with idle_timeout = 0: $t"
"$STINT" stop -C "$T/never" >/dev/null

# --- kill -9 and restart: the time the daemon was down is not work -----------------------

daemon_stop
config "idle_timeout = 1h"
daemon_start
make_repo "$T/crash"
"$STINT" start -C "$T/crash" >/dev/null
"$STINT" note -C "$T/crash" "last event before the crash" >/dev/null
t_last=$(now)
read -r _ active_before _ _ _ _ _ <<<"$(times "$T/crash")"
daemon_kill9
sleep 2
daemon_start
down_for=$(since "$t_last")
t=$(times "$T/crash")
read -r st active idle _ _ _ recovered <<<"$t"
expect_eq true "$recovered" "recovered after kill -9"
expect_eq active "$st" "state after recovery (the gap is behind it)"
near "$idle" "$down_for" 1 "idle_s vs the time the daemon was down ($t)"
[ "$idle" -ge 2 ] || fail "the downtime is not idle: $t"
[ $((active - active_before)) -le 1 ] || fail "active_s grew over the downtime: $active_before then $t"
check_sum "$t" "after recovery"
"$STINT" note -C "$T/crash" "after the crash" >/dev/null
log=$("$STINT" stop -C "$T/crash" | tail -n 1)
# The down time is idle (not work) and shown for what it was (test_lost_work.sh has the rest).
grep -qE '^[0-9]+\. \*\*stintd was not running\*\* \(' "$log" ||
	fail "the downtime is not a 'stintd was not running' gap in the log"

# --- A suspend simulated by STINT_TEST_SLEPT_FILE ----------------------------------------

daemon_stop
if ! "$STINTD" --version | grep -q "test hooks"; then
	echo "SKIP: suspend: stintd was built without -DSTINT_TEST_HOOKS=ON" >&2
else
	echo 0 >"$T/slept"
	STINT_TEST_SLEPT_FILE="$T/slept" daemon_start
	make_repo "$T/sleep"
	"$STINT" start -C "$T/sleep" >/dev/null
	echo 3600 >"$T/slept"
	"$STINT" note -C "$T/sleep" "after the lid was opened" >/dev/null
	t=$(times "$T/sleep")
	read -r st active idle paused suspended wall _ <<<"$t"
	expect_eq active "$st" "state after a suspend"
	near "$suspended" 3600 1 "suspended_s ($t)"
	[ "$wall" -ge 3600 ] || fail "wall_s must include the suspend: $t"
	[ "$active" -le 2 ] || fail "the suspend counted as work: $t"
	expect_eq 0 "$idle" "idle_s after a suspend"
	check_sum "$t" "after a suspend"
	log=$("$STINT" stop -C "$T/sleep" | tail -n 1)
	# Boottime and monotonic are read a moment apart, so the 3600 s may come out 3599.999.
	hour='(1 hour|59 minutes)'
	# A time on another day than the session's start names its date (an hour back from 00:07).
	day='([0-9]{4}-[0-9]{2}-[0-9]{2} )?'
	grep -qE "^[0-9]+\. \*\*Suspended\*\* \($day[0-9:]{5}–$day[0-9:]{5}, $hour\)\$" "$log" ||
		fail "no 1-hour Suspended gap in the log: $(sed -n '/^## Activities/,/^## /p' "$log")"
	grep -qE "^\*\*Duration:\*\* [0-9]+ seconds? \(wall 1 hour, suspended $hour\)" "$log" ||
		fail "Duration line: $(grep '^\*\*Duration' "$log")"
	daemon_stop
fi

# --- A wall-clock jump (libfaketime) changes no duration ----------------------------------

faketime_lib=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/local/lib/faketime/libfaketimeMT.so.1; do
	[ -f "$f" ] && faketime_lib=$f && break
done
if [ -z "$faketime_lib" ]; then
	echo "SKIP: clock jump: libfaketime is not installed (apt-get install faketime)" >&2
elif grep -q libasan <<<"$(ldd "$STINTD")"; then
	# ASan must be the first library loaded; an LD_PRELOADed libfaketime makes it abort.
	echo "SKIP: clock jump: not under AddressSanitizer (libfaketime is preloaded)" >&2
else
	# Relative offsets re-read from the file on every call; with DONT_FAKE_MONOTONIC the
	# monotonic and boot clocks stay real (without it, 0.9.10 fakes them from the wall clock).
	echo "+0" >"$T/faketime"
	LD_PRELOAD=$faketime_lib FAKETIME_TIMESTAMP_FILE="$T/faketime" FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 daemon_start
	make_repo "$T/jump"
	"$STINT" start -C "$T/jump" >/dev/null
	started=$(field "$("$STINT" status --json -C "$T/jump")" started_at)
	echo "+7200" >"$T/faketime"
	"$STINT" note -C "$T/jump" "two hours later, says the wall clock" >/dev/null
	last=$(field "$("$STINT" status --json -C "$T/jump")" last_activity_at)
	# The labels follow the faked clock, or this case tests nothing.
	jumped=$(($(date -d "$last" +%s) - $(date -d "$started" +%s)))
	[ "$jumped" -ge 7000 ] ||
		fail "faketime had no effect: started_at $started, last_activity_at $last"
	t=$(times "$T/jump")
	read -r st active idle paused suspended wall _ <<<"$t"
	[ "$active" -lt 60 ] || fail "active_s jumped with the wall clock: $t"
	[ "$wall" -lt 60 ] || fail "wall_s jumped with the wall clock: $t"
	expect_eq 0 "$suspended" "suspended_s after a clock jump"
	expect_eq 0 "$idle" "idle_s after a clock jump"
	# And back, before the start.
	echo "-3600" >"$T/faketime"
	"$STINT" note -C "$T/jump" "an hour before the start, says the wall clock" >/dev/null
	t=$(times "$T/jump")
	read -r st active idle paused suspended wall _ <<<"$t"
	[ "$active" -lt 60 ] && [ "$wall" -lt 60 ] || fail "durations changed with a backward jump: $t"
	check_sum "$t" "after clock jumps"
	log=$("$STINT" stop -C "$T/jump" | tail -n 1)
	read -r r_active _ _ r_suspended r_wall _ <<<"$(record "$T/jump")"
	[ "$r_wall" -lt 60 ] && [ "$r_suspended" -eq 0 ] ||
		fail "the record's times: $(record "$T/jump")"
	expect_contains "$(cat "$log")" "**Duration:** $(seconds_text "$r_active")  " \
		"Duration after clock jumps"
	! grep -qE '\*\*(Idle|Suspended)\*\*' "$log" || fail "a clock jump made a gap in the log"
	daemon_stop
fi
echo ok
