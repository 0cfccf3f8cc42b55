#!/usr/bin/env bash
# Auto-start: activity in a watched repository (stint watch, or [time] auto_start for one with a
# recent session) with no open session starts one, dated from the first change. See
# docs/time-accounting.md.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

now() { # milliseconds since the epoch
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

status_json() { # DIR
	"$STINT" status --json -C "$1"
}

has_session() { # DIR
	[[ $(status_json "$1") == *'"id":'* ]]
}

# Waits until the watch on DIR has walked the repository, so no change is missed.
watching() { # DIR
	wait_for 20 bash -c "[[ \$('$STINT' watch --list --json) == *'\"repo\":\"$1\",\"reason\":\"'*'\",\"state\":\"watching\"'* ]]" ||
		fail "$1 is not watched: $("$STINT" watch --list --json)"
}

no_session() { # DIR
	[[ $(status_json "$1") == *'"sessions":[]'* ]]
}

# The session's start as milliseconds since the epoch (status gives whole seconds).
started_ms() { # DIR
	local at
	at=$(field "$(status_json "$1")" started_at)
	echo $(($(date -d "$at" +%s) * 1000))
}

# Asserts the session in DIR started within a second of T_MS (the start is in whole seconds).
expect_started_near() { # DIR T_MS WHAT
	local s
	s=$(started_ms "$1")
	[ "$s" -ge $(($2 - 1000)) ] && [ "$s" -le $(($2 + 1000)) ] ||
		fail "$3: started at $s, first change at $2 ($(status_json "$1"))"
}

# Edits a file every 0.1 s for about 1.5 s: the report comes at the end, the start at the first.
edit_for_a_while() { # DIR
	for i in $(seq 15); do
		echo "line $i" >>"$1/work.c"
		sleep 0.1
	done
}

# One edit, then long enough for a report (0.3 s to settle) to have started a session.
edit_and_wait() { # DIR
	echo "one more line" >>"$1/work.c"
	sleep 1.5
}

daemon_start

# --- stint watch: a change starts a session, dated from the first change ------------------

make_repo "$T/a"
mkdir -p "$T/a/src"
out=$("$STINT" watch "$T/a/src")
expect_contains "$out" "Watching $T/a:" "watch of a subdirectory names the repository root"
# The reply shows the watch being set up, not a repository left idle.
make_repo "$T/p"
out=$("$STINT" watch --json "$T/p")
expect_eq preparing "$(echo "$out" | json_get '["watched"]["state"]')" "watch's reply: state"
"$STINT" unwatch "$T/p" >/dev/null
out=$("$STINT" watch -C "$T/a")
expect_eq "Already watching $T/a." "$out" "watching twice"
list=$("$STINT" watch --list --json)
expect_contains "$list" "\"repo\":\"$T/a\"" "watch --list has the repository"
expect_contains "$list" '"reason":"watch"' "watch --list says why"
watching "$T/a"
no_session "$T/a" || fail "a session was open before any activity: $(status_json "$T/a")"
t_first=$(now)
edit_for_a_while "$T/a"
wait_for 10 has_session "$T/a" || fail "no session after editing a watched repository"
t_seen=$(now)
expect_started_near "$T/a" "$t_first" "the auto-started session"
[ $((t_seen - t_first)) -ge 1400 ] || fail "the session appeared after $((t_seen - t_first)) ms"
s=$(status_json "$T/a")
expect_eq true "$(field "$s" auto_started)" "auto_started of the session"
expect_eq active "$(field "$s" state)" "state of the auto-started session"
# Measured from the worktree as the watch found it: the first change counts too.
wait_for 10 bash -c "[[ \$('$STINT' status --json -C '$T/a') == *'\"files_changed\":1,\"added\":15,'* ]]" ||
	fail "the first change is not in the session's statistics: $(status_json "$T/a")"
log=$("$STINT" stop -C "$T/a" | tail -n1)
[ -f "$log" ] || fail "stop of the auto-started session wrote no log"
expect_contains "$(cat "$log")" "Session started automatically (activity in a watched repository)" \
	"the log's timeline says the session was auto-started"
grep -q "activity in watched $T/a (stint watch): starting a session" "$DAEMON_LOG" ||
	fail "stintd did not log the auto-start"

# After the stop the repository is watched again: a commit (git activity only) starts one.
watching "$T/a"
t_first=$(now)
git -C "$T/a" commit -q --allow-empty -m "empty"
wait_for 10 has_session "$T/a" || fail "no session after a commit in a watched repository"
expect_started_near "$T/a" "$t_first" "the session started by a commit"

# unwatch while the session is open; after it ends, activity starts nothing.
out=$("$STINT" unwatch -C "$T/a/src")
expect_eq "No longer watching $T/a." "$out" "unwatch"
"$STINT" stop --no-log -C "$T/a" >/dev/null
sleep 0.5
edit_and_wait "$T/a"
no_session "$T/a" || fail "an unwatched repository was auto-started: $(status_json "$T/a")"
[[ $("$STINT" watch --list --json) != *"\"$T/a\""* ]] || fail "unwatched repository still listed"

# --- a repository with a session open is not started twice --------------------------------

make_repo "$T/b"
"$STINT" watch "$T/b" >/dev/null
"$STINT" start -C "$T/b" --focus "by hand" >/dev/null
id=$(field "$(status_json "$T/b")" id)
edit_and_wait "$T/b"
s=$("$STINT" status --json)
expect_eq "$id" "$(field "$(status_json "$T/b")" id)" "the session open in a watched repository"
expect_eq false "$(field "$(status_json "$T/b")" auto_started)" "auto_started of a session by hand"
n=$(grep -o "\"repo\":\"$T/b\"" <<<"$s" | wc -l)
expect_eq 1 "$n" "sessions open in $T/b"
"$STINT" cancel -C "$T/b" >/dev/null

# --- watched repositories survive a restart; a deleted one does not stop the daemon ------

make_repo "$T/gone"
"$STINT" watch "$T/gone" >/dev/null
daemon_stop
daemon_start
list=$("$STINT" watch --list --json)
expect_contains "$list" "\"repo\":\"$T/b\"" "watch --list after a restart"
expect_contains "$list" "\"repo\":\"$T/gone\"" "watch --list after a restart"
rm -rf "$T/gone"
sleep 1
"$STINT" ping >/dev/null || fail "stintd stopped serving after a watched repository was deleted"
wait_for 10 bash -c "[[ \$('$STINT' watch --list --json) == *'\"repo\":\"$T/gone\",\"reason\":\"watch\",\"state\":\"gone\"'* ]]" ||
	fail "deleted repository not shown as gone: $("$STINT" watch --list --json)"
daemon_stop
daemon_start # with the watched repository missing from the start
"$STINT" ping >/dev/null || fail "stintd does not serve with a deleted watched repository"
out=$("$STINT" unwatch "$T/gone")
expect_eq "No longer watching $T/gone." "$out" "unwatch of a deleted repository"
"$STINT" unwatch "$T/b" >/dev/null

# --- [time] auto_start: a repository with a recent session is watched -------------------

make_repo "$T/c"
make_repo "$T/d"
"$STINT" start -C "$T/c" >/dev/null
"$STINT" stop --no-log -C "$T/c" >/dev/null
# Off (the default): no auto-start, and nothing listed.
edit_and_wait "$T/c"
no_session "$T/c" || fail "auto-started with auto_start off"
expect_eq '[]' "$("$STINT" watch --list --json | json_get '["repos"]')" "watch --list, auto_start off"
config "auto_start = true"
kill -HUP "$DAEMON_PID"
wait_for 10 bash -c "[[ \$('$STINT' watch --list --json) == *'\"repo\":\"$T/c\",\"reason\":\"auto_start\"'* ]]" ||
	fail "auto_start = true: $T/c not listed: $("$STINT" watch --list --json)"
watching "$T/c"
t_first=$(now)
edit_for_a_while "$T/c"
wait_for 10 has_session "$T/c" || fail "auto_start = true: no session after activity in $T/c"
expect_started_near "$T/c" "$t_first" "the session auto_start started"
grep -q "activity in watched $T/c (auto_start): starting a session" "$DAEMON_LOG" ||
	fail "stintd did not log the auto_start"
edit_and_wait "$T/d"
no_session "$T/d" || fail "a repository without a recent session was auto-started"
"$STINT" cancel -C "$T/c" >/dev/null
# unwatch cannot take back what auto_start watches, and says why.
if out=$("$STINT" unwatch "$T/c" 2>&1); then fail "unwatch of an auto_start repository succeeded"; fi
expect_contains "$out" "auto_start is on" "unwatch of a repository auto_start watches"
# A repository watched with stint watch that had a session is recent too: after an unwatch,
# auto_start still covers it.
make_repo "$T/e"
"$STINT" watch "$T/e" >/dev/null
"$STINT" start -C "$T/e" >/dev/null
"$STINT" stop --no-log -C "$T/e" >/dev/null
"$STINT" unwatch "$T/e" >/dev/null
expect_contains "$("$STINT" watch --list --json)" "\"repo\":\"$T/e\",\"reason\":\"auto_start\"" \
	"a watched repository that had a session, after unwatch"
# After a restart the store remembers the recent session.
daemon_stop
daemon_start
watching "$T/c"
echo "after the restart" >>"$T/c/work.c"
wait_for 10 has_session "$T/c" || fail "auto_start after a restart: no session in $T/c"
"$STINT" cancel -C "$T/c" >/dev/null
config

# --- the unattended hook (issue 7's start reminder): auto_start off, a recent session -----

if "$STINTD" --version | grep -q "test hooks"; then
	daemon_stop
	STINT_TEST_UNATTENDED=1 daemon_start
	wait_for 20 grep -q "watching $T/c for activity" "$DAEMON_LOG" ||
		fail "with an unattended hook, $T/c is not watched"
	edit_for_a_while "$T/c" # longer than the first walk can take
	wait_for 10 grep -q "unattended activity in $T/c since" "$DAEMON_LOG" ||
		fail "the unattended hook was not called for $T/c"
	no_session "$T/c" || fail "the unattended hook started a session"
	daemon_stop
	daemon_start
fi

# --- bad input: clear errors, nonzero exits, the daemon keeps serving --------------------

mkdir -p "$T/plain"
rc=0 && out=$("$STINT" watch "$T/plain" 2>&1) || rc=$?
expect_eq 1 "$rc" "exit status of watch of a directory outside git"
expect_contains "$out" "is not in a git repository" "watch of a directory outside git"
rc=0 && out=$("$STINT" watch "$T/nonexistent" 2>&1) || rc=$?
expect_eq 2 "$rc" "exit status of watch of a missing directory"
expect_contains "$out" "No such file or directory" "watch of a missing directory"
rc=0 && out=$("$STINT" unwatch "$T/d" 2>&1) || rc=$?
expect_eq 1 "$rc" "exit status of unwatch of an unwatched repository"
expect_contains "$out" "$T/d is not watched" "unwatch of an unwatched repository"
rc=0 && out=$("$STINT" unwatch --json "$T/d" 2>/dev/null) || rc=$?
expect_eq not_watched "$(json_get '["error"]["code"]' <<<"$out")" "error code of unwatch --json"
rc=0 && "$STINT" watch --list "$T/d" 2>/dev/null || rc=$?
expect_eq 2 "$rc" "exit status of watch --list PATH"
rc=0 && "$STINT" watch "$T/c" "$T/d" 2>/dev/null || rc=$?
expect_eq 2 "$rc" "exit status of watch with two paths"
for line in '{"v":1,"cmd":"watch"}' '{"v":1,"cmd":"watch","cwd":"rel"}' \
	'{"v":1,"cmd":"watch","cwd":7}' '{"v":1,"cmd":"unwatch","cwd":""}' \
	'{"v":1,"cmd":"watched","cwd":"/"}' '{"v":1,"cmd":"watch","cwd":"/","focus":"x"}'; do
	out=$(rawreq "$line")
	expect_eq bad_request "$(json_get '["error"]["code"]' <<<"$out")" "reply to $line"
done
out=$(rawreq '{"v":1,"cmd":"watch","cwd":"/nonexistent/dir"}')
expect_eq bad_path "$(json_get '["error"]["code"]' <<<"$out")" "watch of a missing directory, raw"
"$STINT" ping >/dev/null || fail "stintd stopped serving after bad watch requests"
echo "ok"
