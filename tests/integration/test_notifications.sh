#!/usr/bin/env bash
# Desktop notifications against a real server: dunst on a private session bus, read back from
# what dunst showed (notify-lib.sh). The end-of-session summary (numbers checked against git),
# break, idle, forgotten-session and auto-stop reminders, rate limiting, the Stop, Keep, Snooze
# and Open log actions, stint notify, a server that goes away, no bus at all, enabled = false.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment
. "$(dirname "$0")/notify-lib.sh" || exit 1
notify_require

# A fake xdg-open on stintd's PATH records what "Open log" opens.
mkdir -p "$T/bin"
cat >"$T/bin/xdg-open" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >>"$T/xdg-open.log"
EOF
chmod +x "$T/bin/xdg-open"
export PATH="$T/bin:$PATH"

# Writes the config: notify_config '[time]' 'idle_timeout = 1h' '[notify]' 'break_every = 0' ...
notify_config() {
	mkdir -p "$(dirname "$CONFIG")"
	printf '%s\n' "$@" >"$CONFIG"
}

restart() { # config lines
	[ -z "$DAEMON_PID" ] || daemon_stop
	notify_config "$@"
	daemon_start
}

# Waits for notification number $1 + 1 and checks its summary; NTH is then its number, for
# nth FIELD. Later ones may have come already on a slow machine.
NTH=0
expect_next() { # count-before summary what [seconds]
	NTH=$(($1 + 1))
	dunst_wait_count "$NTH" "${4:-15}" ||
		fail "$3: no notification (dunst showed $(dunst_count), expected $NTH)"
	expect_eq "$2" "$(dunst_last summary "$NTH")" "$3"
}

nth() { # field of notification NTH
	dunst_last "$1" "$NTH"
}

status_field() { # dir field
	field "$("$STINT" status --json -C "$1")" "$2"
}

state_is() { # dir state
	[ "$(status_field "$1" state)" = "$2" ]
}

notify_is() { # state
	[ "$(field "$("$STINT" status --json)" notify)" = "$1" ]
}

notify_env_start

# --- stint notify, and the end-of-session summary with git's numbers ---------------------

restart '[time]' 'idle_timeout = 1h' '[notify]' 'break_every = 0' 'remind_open_after = 0'
# The notification thread connects after stintd starts serving: the first `notify status`
# waits for that attempt instead of calling a server that is up unavailable (issue 13).
out=$("$STINT" notify status)
expect_contains "$out" "Desktop notifications go to dunst" "the first stint notify status"
expect_eq ok "$(field "$("$STINT" status --json)" notify)" "status --json notify"
n=$(dunst_count)
"$STINT" notify test >/dev/null || fail "stint notify test failed with dunst running"
expect_next "$n" "stint notifications work" "the test notification"
expect_eq "x-stint.test" "$(nth category)" "the test notification's category"
expect_eq stint "$(nth appname)" "the app name"

R="$T/web"
make_repo "$R"
seq 1 20 >"$R/lines.txt"
git -C "$R" add lines.txt
git -C "$R" commit -qm "lines"
start_head=$(git -C "$R" rev-parse HEAD)
"$STINT" start -C "$R" --focus "summary check" >/dev/null
sed -i '3d;5s/.*/five/' "$R/lines.txt"
printf 'new\nfile\n' >"$R/new.txt"
git -C "$R" add new.txt lines.txt
git -C "$R" commit -qm "edit lines, add new.txt"
printf 'more\n' >>"$R/README"
n=$(dunst_count)
log=$("$STINT" stop -C "$R" | tail -n 1)
[ -f "$log" ] || fail "stop printed no log path"
expect_next "$n" "Session closed: summary check" "the summary's title"
body=$(nth body)
# git's own count of what the session did: commits since the start, lines and files since it.
commits=$(git -C "$R" rev-list --count "$start_head"..HEAD)
read -r added removed files < <(git -C "$R" diff --numstat "$start_head" |
	awk '{a+=$1; r+=$2; f++} END {print a, r, f}')
[ "$commits" -eq 1 ] && plural= || plural=s
expect_contains "$body" " · $commits commit$plural · +$added −$removed · $files files" \
	"the summary's numbers (git: $commits commits, +$added -$removed, $files files)"
expect_contains "$body" "$log" "the summary names the log"
expect_eq "x-stint.summary" "$(nth category)" "the summary's category"
# "Open log" opens it with xdg-open.
dunst_invoke_action "$(nth id)" open
wait_for 10 test -s "$T/xdg-open.log" || fail "Open log did not run xdg-open"
expect_eq "$log" "$(cat "$T/xdg-open.log")" "what Open log opened"

# stop --no-log: a summary without a log path; cancel: no summary at all.
"$STINT" start -C "$R" >/dev/null
n=$(dunst_count)
"$STINT" stop --no-log -C "$R" >/dev/null
expect_next "$n" "Session closed: web" "the summary of a stop without a log"
case "$(nth body)" in *"/"*) fail "a stop without a log names a path: $(nth body)" ;; esac
"$STINT" start -C "$R" >/dev/null
n=$(dunst_count)
"$STINT" cancel -C "$R" >/dev/null
"$STINT" ping >/dev/null
sleep 0.5
expect_eq "$n" "$(dunst_count)" "notifications after a cancel"

# --- break reminder, Snooze, and the rate limit ------------------------------------------

restart '[time]' 'idle_timeout = 1h' '[notify]' 'break_every = 4s' 'snooze = 1h' \
	'min_interval = 0' 'remind_open_after = 0'
"$STINT" start -C "$R" >/dev/null
n=$(dunst_count)
expect_next "$n" "You've been at it for 4s" "the break reminder"
expect_eq "Time for a break from web." "$(nth body)" "the break reminder's body"
expect_eq "x-stint.break" "$(nth category)" "the break reminder's category"
# Snooze the newest (each new reminder replaces the session's previous one on screen): with
# snooze = 1h nothing follows, where every 4s of work would bring another.
dunst_invoke_action "$(dunst_last_id)" snooze
wait_for 10 grep -q "snooze chosen for session" "$DAEMON_LOG" || fail "Snooze did not reach stintd"
sleep 1 # a reminder sent just before the snooze may still be on its way to dunst
n=$(dunst_count)
sleep 9
expect_eq "$n" "$(dunst_count)" "break reminders in the 9s after Snooze (break_every = 4s)"
"$STINT" stop --no-log -C "$R" >/dev/null

# min_interval holds reminders of a session apart: break at 2s, idle at 3s is held back.
restart '[time]' 'idle_timeout = 3s' '[notify]' 'break_every = 2s' 'min_interval = 1h' \
	'remind_open_after = 0' 'summary = false'
"$STINT" start -C "$R" >/dev/null
n=$(dunst_count)
expect_next "$n" "You've been at it for 2s" "the break reminder before the rate limit"
wait_for 15 state_is "$R" idle || fail "the session did not turn idle"
sleep 1
expect_eq $((n + 1)) "$(dunst_count)" "notifications with min_interval = 1h"
"$STINT" stop -C "$R" >/dev/null
sleep 0.5
expect_eq $((n + 1)) "$(dunst_count)" "notifications after a stop with summary = false"

# --- idle reminder: Keep counts the idle stretch as work, Stop stops ---------------------

restart '[time]' 'idle_timeout = 3s' '[notify]' 'break_every = 0' 'min_interval = 0' \
	'remind_open_after = 0'
"$STINT" start -C "$R" >/dev/null
n=$(dunst_count)
expect_next "$n" "No activity in web for 3s — session paused as idle" "the idle reminder"
expect_contains "$(nth body)" "Keep counts the idle time as work" "the idle reminder's body"
expect_eq idle "$(status_field "$R" state)" "state when the idle reminder came"
dunst_invoke_action "$(nth id)" keep
wait_for 10 state_is "$R" active || fail "Keep did not make the session active"
s=$("$STINT" status --json -C "$R")
expect_eq 0 "$(field "$s" idle_s)" "idle_s after Keep"
[ "$(field "$s" active_s)" -ge 3 ] || fail "Keep did not count the idle time as work: $s"
# A second idle stretch: a new reminder, and Stop closes the session with its log.
n=$(dunst_count)
expect_next "$n" "No activity in web for 3s — session paused as idle" "the second idle reminder"
dunst_invoke_action "$(nth id)" stop
expect_next $((n + 1)) "Session closed: web" "the summary after Stop from the idle reminder"
[[ $("$STINT" status --json -C "$R") == *'"sessions":[]'* ]] || fail "Stop left the session open"
log=$("$STINT" log -C "$R")
expect_contains "$(nth body)" "$log" "the summary of the Stop action names its log"
# A later `stint stop` there says who stopped it, and prints its log last (issue 12).
out=$("$STINT" stop -C "$R" 2>"$T/err") || fail "stop after the Stop action: $(cat "$T/err")"
expect_contains "$out" "stint: the session in web was stopped at " "stop after the Stop action"
expect_contains "$out" "with its notification's Stop button" "stop after the Stop action says how"
expect_eq "$log" "$(tail -n 1 <<<"$out")" "stop after the Stop action: the log last"
# stint keep by hand: refused unless the session is idle.
"$STINT" start -C "$R" >/dev/null
if out=$("$STINT" keep -C "$R" 2>&1); then fail "stint keep of an active session succeeded"; fi
expect_contains "$out" "is not idle" "stint keep of an active session"
wait_for 15 state_is "$R" idle || fail "the session did not turn idle"
"$STINT" keep -C "$R" >/dev/null || fail "stint keep of an idle session failed"
expect_eq 0 "$(status_field "$R" idle_s)" "idle_s after stint keep"
"$STINT" cancel -C "$R" >/dev/null

# --- forgotten session, auto-stop warning and the auto-stop's summary --------------------

restart '[time]' 'idle_timeout = 0' 'max_session = 8s' '[notify]' 'break_every = 0' \
	'min_interval = 0' 'remind_open_after = 2s' 'warn_before = 4s'
"$STINT" start -C "$R" >/dev/null
n=$(dunst_count)
expect_next "$n" "Session in web still open" "the forgotten-session reminder"
expect_eq "No activity for 2s." "$(nth body)" "the forgotten-session reminder's body"
expect_next $((n + 1)) "Session in web stops in 4s" "the auto-stop warning"
expect_eq CRITICAL "$(nth urgency)" "the auto-stop warning's urgency"
expect_next $((n + 2)) "Session closed: web" "the summary of the auto-stop" 20
expect_contains "$(nth body)" "Stopped automatically (max_session)." "the auto-stop summary"

# --- start reminder: activity in a repository with no session open ----------------------

restart '[time]' 'idle_timeout = 1h' '[notify]' 'start_reminder = true' 'break_every = 0' \
	'remind_open_after = 0'
watching() { [[ $("$STINT" watch --list --json) == *'"state":"watching"'* ]]; }
wait_for 15 watching || fail "the repository with a recent session is not watched: $("$STINT" watch --list --json)"
n=$(dunst_count)
echo "edit" >>"$R/README"
expect_next "$n" "Start a session in web?" "the start reminder"
expect_eq LOW "$(nth urgency)" "the start reminder's urgency"
expect_eq "x-stint.start" "$(nth category)" "the start reminder's category"
[[ $("$STINT" status --json -C "$R") == *'"sessions":[]'* ]] || fail "the start reminder started a session by itself"
dunst_invoke_action "$(nth id)" start
wait_for 10 state_is "$R" active || fail "Start did not open a session"
n=$(dunst_count)
"$STINT" stop --no-log -C "$R" >/dev/null
expect_next "$n" "Session closed: web" "the summary of the session Start opened"
# At most once an hour per repository: more activity brings no second one.
wait_for 15 watching || fail "the repository is not watched again after the stop"
n=$(dunst_count)
echo "again" >>"$R/README"
sleep 3
expect_eq "$n" "$(dunst_count)" "notifications after more activity within the hour"
[[ $("$STINT" status --json -C "$R") == *'"sessions":[]'* ]] || fail "activity started a session without auto_start"

# --- the server goes away and comes back ----------------------------------------------------

dunst_stop
wait_for 15 notify_is unavailable ||
	fail "status still says notify ok with dunst gone"
expect_contains "$("$STINT" status --json)" '"notify_reason":"' "the reason when dunst is gone"
if out=$("$STINT" notify test 2>&1); then fail "stint notify test succeeded with no server"; fi
expect_contains "$out" "notification server" "stint notify test with no server"
"$STINT" start -C "$R" >/dev/null
"$STINT" stop -C "$R" >/dev/null || fail "stop failed with no notification server"
dunst_start
wait_for 15 notify_is ok ||
	fail "status did not see dunst come back"
n=$(dunst_count)
"$STINT" notify test >/dev/null || fail "stint notify test failed after dunst came back"
expect_next "$n" "stint notifications work" "a notification after dunst came back"

# --- enabled = false: nothing at all --------------------------------------------------------

restart '[time]' 'idle_timeout = 2s' '[notify]' 'enabled = false' 'break_every = 1s'
expect_eq disabled "$(field "$("$STINT" status --json)" notify)" "status with enabled = false"
if out=$("$STINT" notify test 2>&1); then fail "stint notify test succeeded with enabled = false"; fi
expect_contains "$out" "enabled = false" "stint notify test with enabled = false"
n=$(dunst_count)
"$STINT" start -C "$R" >/dev/null
wait_for 15 state_is "$R" idle || fail "the session did not turn idle"
"$STINT" stop -C "$R" >/dev/null
sleep 0.5
expect_eq "$n" "$(dunst_count)" "notifications with enabled = false"

# A bad [notify] line is refused with its file and line.
notify_config '[notify]' 'break_every = soon'
if out=$("$STINT" config check 2>&1); then fail "config check accepted break_every = soon"; fi
expect_contains "$out" "$CONFIG:2" "the bad line's position"
expect_contains "$out" "break_every" "the bad key"
daemon_stop

# --- no session bus at all: the daemon serves, stop writes its log ---------------------------

notify_env_stop
unset DBUS_SESSION_BUS_ADDRESS
[ ! -e "$XDG_RUNTIME_DIR/bus" ] || fail "the test bus socket is still there"
restart '[time]' 'idle_timeout = 1h'
out=$("$STINT" notify status)
expect_contains "$out" "unavailable: no session bus" "the first stint notify status with no bus"
# status --json never waits: "connecting" until the first attempt ends, then the reason.
reason_has() { case "$(field "$("$STINT" status --json)" notify_reason)" in *"$1"*) ;; *) return 1 ;; esac; }
wait_for 15 reason_has "no session bus" || fail "no bus: the reason never said so"
s=$("$STINT" status --json)
expect_eq unavailable "$(field "$s" notify)" "status with no bus"
expect_contains "$(field "$s" notify_reason)" "no session bus" "the reason with no bus"
if out=$("$STINT" notify test 2>&1); then fail "stint notify test succeeded with no bus"; fi
expect_contains "$out" "no session bus" "stint notify test with no bus"
"$STINT" start -C "$R" >/dev/null
log=$("$STINT" stop -C "$R" | tail -n 1)
[ -f "$log" ] || fail "stop with no bus wrote no log"
"$STINT" ping >/dev/null || fail "stintd stopped serving with no bus"
# The systemd --user case: the bus appears later at $XDG_RUNTIME_DIR/bus, no address is set.
notify_env_start --no-export
[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || fail "DBUS_SESSION_BUS_ADDRESS is set"
n=$(dunst_count)
"$STINT" notify test >/dev/null || fail "stint notify test failed once the bus appeared"
expect_next "$n" "stint notifications work" "a notification on a bus that appeared later"
wait_for 15 notify_is ok || fail "status did not see the bus that appeared"
daemon_stop
echo "notifications: all checks passed"
