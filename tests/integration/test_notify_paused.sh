#!/usr/bin/env bash
# Work while paused against a real notification server (dunst on a private bus, notify-lib.sh):
# one "Working while paused in REPO?" notification per pause, its Resume action resumes the
# session, the notification goes once the session is resumed, and with [time]
# resume_on_activity = true the session resumes itself and nothing is shown.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment
. "$(dirname "$0")/notify-lib.sh" || exit 1
notify_require

restart() { # config lines
	[ -z "$DAEMON_PID" ] || daemon_stop
	mkdir -p "$(dirname "$CONFIG")"
	printf '%s\n' "$@" >"$CONFIG"
	daemon_start
}

notify_is() { # state
	[ "$(field "$("$STINT" status --json)" notify)" = "$1" ]
}

state_is() { # dir state
	[ "$(field "$("$STINT" status --json -C "$1")" state)" = "$2" ]
}

paused_edits_at_least() { # dir n
	local j
	j=$("$STINT" status --json -C "$1")
	[[ $j == *'"paused_activity":{'* ]] || return 1
	[ "$(echo "$j" | json_get '["sessions"][0]["paused_activity"]["edits"]')" -ge "$2" ]
}

# The notifications dunst showed with this summary.
count_summary() {
	python3 - "$NOTIFY_DIR/received.jsonl" "$1" <<'PY'
import json, sys
try:
    recs = [json.loads(l) for l in open(sys.argv[1])]
except FileNotFoundError:
    recs = []
print(sum(1 for r in recs if r["summary"] == sys.argv[2]))
PY
}

notify_env_start
restart '[time]' 'idle_timeout = 1h' '[notify]' 'break_every = 0' 'remind_open_after = 0' \
	'min_interval = 0'
wait_for 15 notify_is ok || fail "stintd never connected to dunst: $("$STINT" notify status)"

R="$T/web"
make_repo "$R"
"$STINT" start -C "$R" >/dev/null
"$STINT" pause -C "$R" >/dev/null
n=$(dunst_count)
echo "edit" >>"$R/app.c"
dunst_wait_count $((n + 1)) 20 || fail "no notification for work while paused"
expect_eq "Working while paused in web?" "$(dunst_last summary)" "the notification's summary"
expect_eq "x-stint.paused-work" "$(dunst_last category)" "its category"
expect_contains "$(dunst_last body)" "not counted" "its body"
id=$(dunst_last_id)

# More work in the same pause: no second notification. Status has seen the second edit, so the
# daemon has decided again by then.
echo "more" >>"$R/other.c"
wait_for 20 paused_edits_at_least "$R" 2 || fail "the second edit is not counted while paused"
"$STINT" status -C "$R" >/dev/null
expect_eq 1 "$(count_summary "Working while paused in web?")" "notifications in one pause"

# Resume, as a user would choose it in dunst's menu.
dunst_invoke_action "$id" resume
wait_for 10 state_is "$R" active || fail "Resume did not resume the session"
"$STINT" note -C "$R" "after Resume" >/dev/null

# A new pause with work in it: told again, once.
"$STINT" pause -C "$R" >/dev/null
n=$(dunst_count)
echo "again" >>"$R/app.c"
dunst_wait_count $((n + 1)) 20 || fail "no notification for work in the second pause"
expect_eq 2 "$(count_summary "Working while paused in web?")" "one notification per pause"
# stint resume by hand: the notification is no longer true and goes.
"$STINT" resume -C "$R" >/dev/null
# (A function: wait_for must ask dunst again each time, not test one count read up front.)
none_displayed() { [ "$(dunst_count_displayed)" = 0 ]; }
wait_for 20 none_displayed ||
	fail "the notification stayed after stint resume ($(dunst_count_displayed) shown)"
"$STINT" stop -C "$R" >/dev/null

# resume_on_activity = true: no question asked, the session resumes itself.
restart '[time]' 'idle_timeout = 1h' 'resume_on_activity = true' '[notify]' 'break_every = 0' \
	'remind_open_after = 0' 'min_interval = 0' 'summary = false'
wait_for 15 notify_is ok || fail "stintd never connected to dunst after the restart"
R2="$T/api"
make_repo "$R2"
"$STINT" start -C "$R2" >/dev/null
"$STINT" pause -C "$R2" >/dev/null
echo "resumes" >>"$R2/README"
wait_for 20 state_is "$R2" active || fail "resume_on_activity did not resume the session"
"$STINT" status -C "$R2" >/dev/null
expect_eq 0 "$(count_summary "Working while paused in api?")" "a notification with resume_on_activity"
"$STINT" stop -C "$R2" >/dev/null
daemon_stop
echo ok
