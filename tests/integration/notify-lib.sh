# Desktop notification tests against a real server: a private session bus, a virtual X display
# and dunst, plus helpers that read back what dunst received and invoke its actions.
# See docs/notifications.md ("Testing with dunst").
#
# In a test script, after lib.sh (it uses $T, $XDG_RUNTIME_DIR, fail and skip):
#
#   . "$STINT_SOURCE_DIR/tests/integration/lib.sh"
#   . "$STINT_SOURCE_DIR/tests/integration/notify-lib.sh"
#   notify_require              # exit 77 (skipped) unless dbus-daemon, Xvfb, dunst... exist
#   notify_env_start            # bus + X + dunst; exports DBUS_SESSION_BUS_ADDRESS
#   daemon_start
#   ...
#   dunst_wait_count 1 || fail "no notification"
#   expect_eq "Session closed: x" "$(dunst_last summary)" "summary title"
#
# Or run one command inside such an environment (exit status: the command's, 77 if skipped):
#
#   bash tests/integration/notify-lib.sh build/bin/test_notify
#
# The bus listens on $XDG_RUNTIME_DIR/bus, where a daemon started without
# DBUS_SESSION_BUS_ADDRESS finds it (the systemd --user case). It has no service directories:
# nothing is ever started by D-Bus activation, so "no server" means no server. dunst keeps
# every notification on screen until it is closed (timeouts off), so actions can be invoked.

NOTIFY_DIR=''
NOTIFY_BUS_PID='' NOTIFY_BUS_ADDRESS=''
NOTIFY_X_PID='' NOTIFY_DISPLAY=''
NOTIFY_DUNST_PID='' NOTIFY_DUNSTRC=''
notify__rc=0

# Exit 77 (a skip for ctest) with the missing programs named, when any is missing.
notify_require() {
	local missing='' p
	for p in dbus-daemon dbus-send busctl Xvfb dunst dunstctl python3; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] ||
		skip "desktop notification test needs:$missing (Debian: apt-get install dbus-daemon dbus-bin systemd xvfb dunst python3)"
}

notify__dir() {
	if [ -z "$NOTIFY_DIR" ]; then
		NOTIFY_DIR="$T/notify"
		mkdir -p "$NOTIFY_DIR"
	fi
}

# Waits up to $1 seconds for a file to be non-empty.
notify__wait_file() {
	local i=0
	while [ ! -s "$2" ]; do
		i=$((i + 1))
		[ $i -le $(($1 * 50)) ] || return 1
		sleep 0.02
	done
}

# Starts the session bus at $XDG_RUNTIME_DIR/bus. --no-export leaves DBUS_SESSION_BUS_ADDRESS
# unset, as for a daemon that must find the bus at its default path.
notify_bus_start() {
	notify__dir
	: "${XDG_RUNTIME_DIR:?}"
	[ -z "$NOTIFY_BUS_PID" ] || fail "notify_bus_start: a bus is already running"
	rm -f "$XDG_RUNTIME_DIR/bus" "$NOTIFY_DIR/bus.address"
	cat >"$NOTIFY_DIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$XDG_RUNTIME_DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
	dbus-daemon --config-file="$NOTIFY_DIR/bus.conf" --nofork --nopidfile \
		--print-address=3 3>"$NOTIFY_DIR/bus.address" 2>>"$NOTIFY_DIR/bus.log" &
	NOTIFY_BUS_PID=$!
	notify__wait_file 10 "$NOTIFY_DIR/bus.address" ||
		fail "dbus-daemon did not start: $(cat "$NOTIFY_DIR/bus.log")"
	NOTIFY_BUS_ADDRESS=$(head -n1 "$NOTIFY_DIR/bus.address")
	if [ "${1:-}" != --no-export ]; then
		export DBUS_SESSION_BUS_ADDRESS="$NOTIFY_BUS_ADDRESS"
	fi
}

notify_bus_stop() {
	[ -n "$NOTIFY_BUS_PID" ] || return 0
	kill -TERM "$NOTIFY_BUS_PID" 2>/dev/null || true
	wait "$NOTIFY_BUS_PID" 2>/dev/null || true
	NOTIFY_BUS_PID=
	rm -f "$XDG_RUNTIME_DIR/bus"
}

# A virtual X display for dunst only: the test and stintd get no DISPLAY.
notify_x_start() {
	notify__dir
	[ -z "$NOTIFY_X_PID" ] || return 0
	rm -f "$NOTIFY_DIR/display"
	# -displayfd: Xvfb picks a free display itself, so parallel tests never race for one.
	Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x800x24 \
		3>"$NOTIFY_DIR/display" 2>>"$NOTIFY_DIR/xvfb.log" &
	NOTIFY_X_PID=$!
	notify__wait_file 20 "$NOTIFY_DIR/display" ||
		fail "Xvfb did not start: $(tail -n 5 "$NOTIFY_DIR/xvfb.log")"
	NOTIFY_DISPLAY=":$(head -n1 "$NOTIFY_DIR/display")"
}

notify_x_stop() {
	[ -n "$NOTIFY_X_PID" ] || return 0
	kill -TERM "$NOTIFY_X_PID" 2>/dev/null || true
	wait "$NOTIFY_X_PID" 2>/dev/null || true
	NOTIFY_X_PID=
}

notify__write_dunstrc() {
	local conf="${XDG_CONFIG_HOME:-$HOME/.config}/dunst"
	mkdir -p "$conf"
	# Every notification dunst shows, one JSON object a line: the check of "what dunst got".
	cat >"$NOTIFY_DIR/record.sh" <<EOF
#!/bin/sh
# dunst runs this for each notification it shows: appname summary body icon urgency.
exec python3 -c '
import json, os, sys
e = os.environ
rec = {"id": int(e.get("DUNST_ID", "0")), "appname": sys.argv[2], "summary": sys.argv[3],
       "body": sys.argv[4], "icon": sys.argv[5], "urgency": sys.argv[6],
       "category": e.get("DUNST_CATEGORY", ""), "timeout": e.get("DUNST_TIMEOUT", "")}
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(rec) + "\n")
' "$NOTIFY_DIR/received.jsonl" "\$@"
EOF
	# dunst's context menu pipes "#Label (summary) [id,action]" lines here: pick the wanted one.
	cat >"$NOTIFY_DIR/dmenu.sh" <<EOF
#!/bin/sh
input=\$(cat)
printf '%s\n' "\$input" >"$NOTIFY_DIR/dmenu.input"
line=\$(printf '%s\n' "\$input" | grep -F "[\$(cat "$NOTIFY_DIR/dmenu.choice")]" | head -n1)
printf '%s\n' "\$line" >"$NOTIFY_DIR/dmenu.picked"
printf '%s\n' "\$line"
EOF
	chmod +x "$NOTIFY_DIR/record.sh" "$NOTIFY_DIR/dmenu.sh"
	cat >"$conf/dunstrc" <<EOF
[global]
    monitor = 0
    follow = none
    notification_limit = 0
    idle_threshold = 0
    stack_duplicates = false
    show_indicators = no
    markup = full
    history_length = 100
    sticky_history = yes
    always_run_script = true
    dmenu = $NOTIFY_DIR/dmenu.sh
    font = Monospace 8
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
[stint_test_record]
    summary = "*"
    script = $NOTIFY_DIR/record.sh
EOF
	NOTIFY_DUNSTRC="$conf/dunstrc"
}

notify__server_up() {
	dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null |
		grep -q true
}

# Starts dunst on the bus (starting X first if need be) and waits until it serves.
dunst_start() {
	[ -n "$NOTIFY_BUS_PID" ] || fail "dunst_start: no bus (notify_bus_start)"
	[ -z "$NOTIFY_DUNST_PID" ] || fail "dunst_start: dunst is already running"
	notify_x_start
	notify__write_dunstrc
	DISPLAY="$NOTIFY_DISPLAY" DBUS_SESSION_BUS_ADDRESS="$NOTIFY_BUS_ADDRESS" \
		dunst -config "$NOTIFY_DUNSTRC" >>"$NOTIFY_DIR/dunst.log" 2>&1 &
	NOTIFY_DUNST_PID=$!
	DBUS_SESSION_BUS_ADDRESS="$NOTIFY_BUS_ADDRESS" wait_for 10 notify__server_up ||
		fail "dunst did not start: $(tail -n 20 "$NOTIFY_DIR/dunst.log")"
}

dunst_stop() {
	[ -n "$NOTIFY_DUNST_PID" ] || return 0
	kill -TERM "$NOTIFY_DUNST_PID" 2>/dev/null || true
	wait "$NOTIFY_DUNST_PID" 2>/dev/null || true
	NOTIFY_DUNST_PID=
}

# Bus, X and dunst; --no-export as for notify_bus_start.
# shellcheck disable=SC2120
notify_env_start() {
	notify_bus_start "$@"
	dunst_start
}

notify_env_stop() {
	dunst_stop
	notify_x_stop
	notify_bus_stop
}

# Runs dunstctl against our bus, whatever DBUS_SESSION_BUS_ADDRESS says.
notify__dunstctl() {
	DBUS_SESSION_BUS_ADDRESS="$NOTIFY_BUS_ADDRESS" dunstctl "$@"
}

# How many notifications dunst has shown since it started (the recorder's count).
dunst_count() {
	if [ -f "$NOTIFY_DIR/received.jsonl" ]; then
		wc -l <"$NOTIFY_DIR/received.jsonl" | tr -d ' '
	else
		echo 0
	fi
}

# On screen now / closed and kept in dunst's history.
dunst_count_displayed() { notify__dunstctl count displayed; }
dunst_count_history() { notify__dunstctl count history; }

# dunst's history (closed notifications, newest first) as busctl's JSON.
dunst_history() { notify__dunstctl history; }

# Waits (up to $2 seconds, default 10) until dunst has shown at least $1 notifications.
dunst_wait_count() {
	local want=$1 limit=${2:-10} i=0
	while [ "$(dunst_count)" -lt "$want" ]; do
		i=$((i + 1))
		[ $i -le $((limit * 50)) ] || return 1
		sleep 0.02
	done
}

# A field of the Nth notification shown (1 = first, default: the last): id, appname, summary,
# body, icon, urgency (LOW/NORMAL/CRITICAL), category. Markup entities in body are decoded:
# stintd escapes the body for servers that read markup, as dunst does.
dunst_last() {
	python3 - "$NOTIFY_DIR/received.jsonl" "$1" "${2:-0}" <<'PY'
import html, json, sys
path, field, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    recs = [json.loads(l) for l in open(path)]
except FileNotFoundError:
    recs = []
if not recs:
    sys.exit("dunst has shown no notification")
rec = recs[nth - 1] if nth > 0 else recs[-1]
v = rec[field]
print(html.unescape(v) if field == "body" else v)
PY
}
dunst_last_summary() { dunst_last summary "$@"; }
dunst_last_body() { dunst_last body "$@"; }
dunst_last_id() { dunst_last id "$@"; }

# Invokes action key $2 of notification $1 (dunst's id: dunst_last_id) as a user would through
# dunst's context menu, so dunst itself emits ActionInvoked. Fails when it has no such action.
dunst_invoke_action() {
	rm -f "$NOTIFY_DIR/dmenu.picked"
	printf '%s,%s\n' "$1" "$2" >"$NOTIFY_DIR/dmenu.choice"
	notify__dunstctl context
	notify__wait_file 10 "$NOTIFY_DIR/dmenu.picked" ||
		fail "dunst_invoke_action $1 $2: dunst's context menu did not run (is it shown?)"
	grep -q . "$NOTIFY_DIR/dmenu.picked" ||
		fail "dunst_invoke_action $1 $2: no such action; the menu offered: $(cat "$NOTIFY_DIR/dmenu.input")"
}

# dunst's default action on the first notification shown (a click); with a single action,
# that one.
dunst_click_first() { notify__dunstctl action 0; }

dunst_close_all() { notify__dunstctl close-all; }

notify__report() {
	echo "--- dunst log ---" >&2
	tail -n 30 "$NOTIFY_DIR/dunst.log" >&2 2>/dev/null || true
	echo "--- notifications dunst showed ---" >&2
	cat "$NOTIFY_DIR/received.jsonl" >&2 2>/dev/null || true
}

# Runs first in the EXIT trap, with set -e off: rc is the script's exit status.
notify__on_exit() {
	local rc=$1
	if [ -n "$NOTIFY_DIR" ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		notify__report
	fi
	notify_env_stop
}

# lib.sh's, when it was not sourced.
declare -F fail >/dev/null || fail() {
	echo "FAIL: $*" >&2
	exit 1
}
declare -F skip >/dev/null || skip() {
	echo "SKIP: $*" >&2
	exit 77
}
declare -F wait_for >/dev/null || wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le $((limit * 50)) ] || return 1
		sleep 0.02
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	# Run as a program: a private environment around one command, which can source this file
	# ($STINT_NOTIFY_LIB) for the helpers.
	set -euo pipefail
	T=$(mktemp -d "${TMPDIR:-/tmp}/stint-notify.XXXXXX")
	export XDG_RUNTIME_DIR="$T/run" XDG_CONFIG_HOME="$T/config"
	mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	unset DISPLAY WAYLAND_DISPLAY
	trap 'notify__rc=$?; set +e; notify__on_exit "$notify__rc"; rm -rf "$T"; exit "$notify__rc"' EXIT
	[ $# -gt 0 ] || fail "usage: bash notify-lib.sh COMMAND [ARGS...]"
	notify_require
	notify_env_start
	# For the command: this file (for its helpers), dunst's pid, display and config.
	export STINT_NOTIFY_DIR="$NOTIFY_DIR" STINT_NOTIFY_LIB STINT_NOTIFY_DUNST_PID="$NOTIFY_DUNST_PID"
	export STINT_NOTIFY_DISPLAY="$NOTIFY_DISPLAY" STINT_NOTIFY_DUNSTRC="$NOTIFY_DUNSTRC"
	STINT_NOTIFY_LIB=$(realpath "${BASH_SOURCE[0]}")
	"$@"
elif [ -n "${STINT_NOTIFY_DIR:-}" ] && [ -z "${T:-}" ]; then
	# Sourced by that command: the helpers, for the environment around it.
	NOTIFY_DIR=$STINT_NOTIFY_DIR
	NOTIFY_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
else
	# Then lib.sh's cleanup, which reads the status from $?.
	trap 'notify__rc=$?; set +e; notify__on_exit "$notify__rc"; (exit "$notify__rc"); cleanup' EXIT
fi
