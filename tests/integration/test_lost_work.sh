#!/usr/bin/env bash
# No work disappears silently (issue 12): activity while paused is noticed (status, log) and, with
# [time] resume_on_activity, resumes the session; a session in a directory that is not a git
# repository sees file edits as activity; the time stintd was down (kill -9) is shown as such.
# The notification for activity while paused is in test_notify_paused.sh (dunst).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

status_json() { # DIR
	"$STINT" status --json -C "$1"
}

state_is() { # DIR STATE
	[ "$(field "$(status_json "$1")" state)" = "$2" ]
}

paused_edits_at_least() { # DIR N: status counts N edits made while paused
	local j
	j=$(status_json "$1")
	[[ $j == *'"paused_activity":{'* ]] || return 1
	[ "$(echo "$j" | json_get '["sessions"][0]["paused_activity"]["edits"]')" -ge "$2" ]
}

paused_commits_are() { # DIR N
	[ "$(status_json "$1" | json_get '["sessions"][0]["paused_activity"]["commits"]')" = "$2" ]
}

head_is() { # DIR HASH: the daemon has seen HEAD at HASH (a recompute after the commit's report)
	[ "$(field "$(status_json "$1")" head)" = "$2" ]
}

# Starts a session in a new repository once its watch is live (the first walk is done).
start_watched() { # DIR
	make_repo "$1"
	"$STINT" start -C "$1" >/dev/null
	wait_for 10 grep -qF "repo_watch: $1: setup job took" "$DAEMON_LOG" ||
		fail "the watch of $1 never came up"
}

# Commits and pauses at once: the watch reports the commit only after the pause (it waits for
# 0.3 s of quiet first), though it was made before it. Returns once the daemon has seen it. With
# -a, `git commit -a` of an edit the daemon saw before: the report is the git directory's alone.
commit_then_pause() { # DIR [-a]
	if [ "${2:-}" = -a ]; then
		git -C "$1" commit -qam "committed before the pause"
	else
		echo "before the pause" >>"$1/work.txt"
		git -C "$1" add work.txt
		git -C "$1" commit -qm "committed before the pause"
	fi
	"$STINT" pause -C "$1" >/dev/null
	wait_for 20 head_is "$1" "$(git -C "$1" rev-parse HEAD)" ||
		fail "the commit made before the pause was never seen: $(status_json "$1")"
}

section() { # LOG HEADING: the lines of one "## " section
	sed -n "/^## $2\$/,/^## /p" "$1"
}

# --- Activity while paused: status and the log say so; nothing counts ---------------------

config "idle_timeout = 1h"
daemon_start
R="$T/paused"
make_repo "$R"
start_head=$(git -C "$R" rev-parse HEAD)
"$STINT" start -C "$R" --focus "paused work" >/dev/null
"$STINT" pause -C "$R" >/dev/null
j=$(status_json "$R")
[[ $j != *'"paused_activity":{'* ]] || fail "paused_activity before any activity: $j"
# Edits spread over a few seconds, then a commit: the case that logged "Duration: 0 seconds".
for i in 1 2 3; do
	echo "edit $i" >>"$R/work.txt"
	sleep 1
done
git -C "$R" add work.txt
git -C "$R" commit -qm "committed while paused"
commits=$(git -C "$R" rev-list --count "$start_head"..HEAD)
wait_for 20 paused_commits_are "$R" "$commits" ||
	fail "status does not show the commit made while paused: $(status_json "$R")"
paused_edits_at_least "$R" 1 || fail "status shows no edits made while paused: $(status_json "$R")"
j=$(status_json "$R")
expect_eq paused "$(field "$j" state)" "still paused (resume_on_activity is off)"
expect_eq 0 "$(echo "$j" | json_get '["sessions"][0]["active_s"]')" "nothing counted while paused"
paused_for=$(echo "$j" | json_get '["sessions"][0]["paused_activity"]["seconds"]')
[ "$paused_for" -ge 2 ] || fail "the activity while paused lasted 3 s, status says $paused_for: $j"
since=$(echo "$j" | json_get '["sessions"][0]["paused_activity"]["since"]')
[[ $since =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || fail "paused_activity.since is no time: $since"
human=$("$STINT" status -C "$R")
expect_contains "$human" "Working while paused" "human status"
expect_contains "$human" "$commits commit" "human status names the commits"
expect_contains "$human" "not counted" "human status says it is not counted"
log=$("$STINT" stop -C "$R" | tail -n 1)
[ -f "$log" ] || fail "stop printed no log path: $log"
dur=$(grep '^\*\*Duration:\*\*' "$log")
expect_contains "$dur" "while paused" "the Duration line mentions the paused activity"
expect_contains "$dur" "not counted" "the Duration line says it was not counted"
expect_contains "$dur" "$commits commit" "the Duration line counts the commit"

# --- Work done just before a pause is no work while paused ---------------------------------

R="$T/before"
start_watched "$R"
commit_then_pause "$R"
j=$(status_json "$R")
expect_eq paused "$(field "$j" state)" "paused"
[[ $j != *'"paused_activity":{'* ]] ||
	fail "a commit made just before the pause counts as work while paused: $j"
# The control: an edit after the pause is work while paused, the commit still is not.
echo "after the pause" >>"$R/work.txt"
wait_for 20 paused_edits_at_least "$R" 1 ||
	fail "an edit after the pause is not work while paused: $(status_json "$R")"
j=$(status_json "$R")
expect_eq 1 "$(echo "$j" | json_get '["sessions"][0]["paused_activity"]["edits"]')" \
	"only the edit after the pause counts"
expect_eq 0 "$(echo "$j" | json_get '["sessions"][0]["paused_activity"]["commits"]')" \
	"the commit before the pause does not count"
"$STINT" stop -C "$R" >/dev/null
# The same with `git commit -a` of an edit seen before the pause.
R="$T/before-a"
start_watched "$R"
echo "edited" >>"$R/README"
wait_for 20 grep -qF "repository $R changed (w)" "$DAEMON_LOG" ||
	fail "the edit before the commit was never reported"
commit_then_pause "$R" -a
j=$(status_json "$R")
[[ $j != *'"paused_activity":{'* ]] ||
	fail "a commit -a made just before the pause counts as work while paused: $j"
"$STINT" stop -C "$R" >/dev/null

# --- resume_on_activity = true: the first edit resumes the session, on the timeline ------

daemon_stop
config "idle_timeout = 1h" "resume_on_activity = true"
daemon_start
R="$T/resume"
make_repo "$R"
"$STINT" start -C "$R" >/dev/null
"$STINT" pause -C "$R" >/dev/null
sleep 1
# Saves every 0.1 s for 3 s: the first report comes after the 2 s maximum delay, and the resume
# is dated from the first save, so the active time counts from there.
t0=${EPOCHREALTIME/./}
end=$((SECONDS + 3))
while [ $SECONDS -lt $end ]; do
	echo "resumes" >>"$R/README"
	sleep 0.1
done
wait_for 20 state_is "$R" active || fail "not resumed by activity: $(status_json "$R")"
j=$(status_json "$R")
elapsed=$(((${EPOCHREALTIME/./} - t0) / 1000000))
active=$(field "$j" active_s)
[ "$active" -ge $((elapsed - 1)) ] ||
	fail "the active time does not count from the first change: $active s active, $elapsed s since it"
[[ $j != *'"paused_activity":{'* ]] || fail "paused_activity after an automatic resume: $j"
"$STINT" note -C "$R" "after the automatic resume" >/dev/null
log=$("$STINT" stop -C "$R" | tail -n 1)
grep -qE '^[0-9]+\. \*\*Resumed automatically \(activity while paused\)\*\* \(' "$log" ||
	fail "no automatic resume in Activities: $(section "$log" Activities)"
grep -q 'while paused' <(grep '^\*\*Duration:\*\*' "$log") &&
	fail "an automatic resume still reports work while paused: $(grep '^\*\*Duration' "$log")"
# Work done just before the pause does not undo it; an edit after it does.
R="$T/before-resume"
start_watched "$R"
commit_then_pause "$R"
j=$(status_json "$R")
expect_eq paused "$(field "$j" state)" "a commit made just before the pause undid it"
echo "after the pause" >>"$R/work.txt"
wait_for 20 state_is "$R" active || fail "an edit after the pause does not resume: $(status_json "$R")"
"$STINT" stop -C "$R" >/dev/null
# A bad value is refused by name.
daemon_stop
config "resume_on_activity = maybe"
rc=0 && out=$("$STINTD" --check-config 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "resume_on_activity = maybe accepted: $out"
expect_contains "$out" "resume_on_activity" "the error names the key"

# --- A directory that is not a git repository: edits are activity ------------------------

config "idle_timeout = 3s"
daemon_start
P="$T/plain"
mkdir -p "$P/sub"
"$STINT" start -C "$P" >/dev/null
# Typing for longer than idle_timeout: one save every half second for 5 s.
end=$((SECONDS + 5))
while [ $SECONDS -lt $end ]; do
	echo "line" >>"$P/sub/notes.txt"
	sleep 0.5
done
j=$(status_json "$P")
expect_eq active "$(field "$j" state)" "a plain directory being edited is active"
expect_eq null "$(field "$j" commits)" "no git counts outside git"
# An editor's swap file alone is no activity: idle after the timeout.
wait_for 20 state_is "$P" idle || fail "never idle: $(status_json "$P")"
end=$((SECONDS + 4))
while [ $SECONDS -lt $end ]; do
	echo x >>"$P/.notes.txt.swp"
	echo x >>"$P/notes.txt~"
	sleep 0.5
done
expect_eq idle "$(field "$(status_json "$P")" state)" "swap files are not activity"
echo "more" >>"$P/notes.txt"
wait_for 20 state_is "$P" active || fail "an edit after idle does not make it active"
log=$("$STINT" stop -C "$P" | tail -n 1)
expect_eq 1 "$(grep -c 'No git statistics' "$log")" "one line saying there are no git statistics"
grep -qF '[path/to/file]' "$log" && fail "empty Files Modified placeholders outside git: $(section "$log" 'Code Changes')"
grep -qF '[N commits]' "$log" && fail "empty Statistics placeholders outside git"

# --- Daemon down: the gap is "stintd was not running", status says recovered -------------

daemon_stop
config "idle_timeout = 1h"
daemon_start
R="$T/crash"
make_repo "$R"
"$STINT" start -C "$R" >/dev/null
"$STINT" note -C "$R" "last event before the crash" >/dev/null
daemon_kill9
sleep 2
daemon_start
j=$(status_json "$R")
expect_eq true "$(field "$j" recovered)" "recovered"
rat=$(echo "$j" | json_get '["sessions"][0]["recovered_at"]')
[[ $rat =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || fail "recovered_at is no time: $j"
down=$(echo "$j" | json_get '["sessions"][0]["down_s"]')
[ "$down" -ge 2 ] || fail "down_s after 2 s down: $j"
human=$("$STINT" status -C "$R")
expect_contains "$human" "Recovered" "human status says the session was recovered"
expect_contains "$human" "stintd was not running" "human status says stintd was not running"
"$STINT" note -C "$R" "after the crash" >/dev/null
log=$("$STINT" stop -C "$R" | tail -n 1)
acts=$(section "$log" Activities)
grep -qE '^[0-9]+\. \*\*Idle\*\*' <<<"$acts" && fail "the down time is labelled Idle: $acts"
line_down=$(grep -nE '^[0-9]+\. \*\*stintd was not running\*\* \([0-9:]{5}–[0-9:]{5}, [0-9]+ seconds?\)$' \
	<<<"$acts" | cut -d: -f1)
[ -n "$line_down" ] || fail "no 'stintd was not running' item: $acts"
line_note=$(grep -n 'last event before the crash' <<<"$acts" | cut -d: -f1)
line_rec=$(grep -n 'Recovered after stintd stopped unexpectedly' <<<"$acts" | cut -d: -f1)
[ "$line_note" -lt "$line_down" ] && [ "$line_down" -lt "$line_rec" ] ||
	fail "the down time is not between the last event and the recovery: $acts"
daemon_stop
echo ok
