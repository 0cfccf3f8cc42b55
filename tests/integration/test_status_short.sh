#!/usr/bin/env bash
# The prompt segment against the real stintd: stint status --short and --format in each state
# (active, paused, idle), with no session, with no daemon (nothing printed, exit 0, no stintd
# started), --all, its fields against status --json and git, and bad formats.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# stint as a prompt runs it: autostart allowed, so a segment that started stintd would show.
seg() {
	env -u STINT_NO_AUTOSTART "$STINT" "$@"
}

# Runs the segment and checks it printed nothing at all and exited 0: no_output WHAT ARGS...
no_output() {
	local what=$1 rc=0
	shift
	seg "$@" >"$T/out" 2>"$T/err" || rc=$?
	expect_eq 0 "$rc" "$what: exit status"
	[ ! -s "$T/out" ] || fail "$what: stdout is not empty: [$(od -c "$T/out" | head -3)]"
	expect_eq "" "$(cat "$T/err")" "$what: stderr"
}

# A stintd the segment started by mistake is stopped (by its pid in the lock file) and named.
no_daemon_started() {
	local lock="$XDG_RUNTIME_DIR/stint/stintd.lock" pid
	pid=$(head -n1 "$lock" 2>/dev/null) || true
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		fail "$1: a stintd was started (pid $pid)"
	fi
	[ ! -e "$SOCK" ] || fail "$1: the socket $SOCK exists"
	[ ! -e "$XDG_STATE_HOME/stint/stintd.log" ] || fail "$1: stintd.log was written"
}

# Runs a bad invocation: exit 2, stderr naming the cause: refused WHAT NEEDLE ARGS...
refused() {
	local what=$1 needle=$2 out rc=0
	shift 2
	out=$(seg "$@" 2>"$T/err") || rc=$?
	expect_eq 2 "$rc" "$what: exit status"
	expect_contains "$(cat "$T/err")" "$needle" "$what: stderr"
	# With --json a usage error may come as a JSON document too, saying the same.
	case " $* " in
	*" --json "*) [ -z "$out" ] || python3 - "$out" "$needle" <<'PY' || fail "$what: stdout: $out" ;;
import json, sys
j = json.loads(sys.argv[1])
assert j["ok"] is False and j["error"]["code"] == "usage", j
assert sys.argv[2] in j["error"]["message"], j
PY
	*) expect_eq "" "$out" "$what: stdout" ;;
	esac
}

make_repo "$T/r"
git -C "$T/r" checkout -q -b feat/login
cd "$T/r"

# --- No daemon: nothing, exit 0, none started (stintd is next to stint: autostart would work) -
[ -x "$(dirname "$STINT")/stintd" ] || fail "no stintd next to $STINT: the autostart check needs one"
no_output "no daemon, --short" status --short
no_output "no daemon, --format" status --format '{icon} {branch} {active}'
no_output "no daemon, waybar" status --format waybar
no_output "no daemon, --all" status --short --all
no_output "no daemon, -C" -C "$T/r" status --short
no_daemon_started "the segment with no daemon"
# A socket file nobody listens on (a killed stintd's): refused, so no daemon either.
mkdir -p "$XDG_RUNTIME_DIR/stint" && chmod 700 "$XDG_RUNTIME_DIR/stint"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
[ -S "$SOCK" ] || fail "the stale socket was not made"
no_output "stale socket" status --short
rm -f "$SOCK"
STINT_SOCKET="$T/nowhere/stintd.sock" no_output "STINT_SOCKET in a missing directory" status --short
no_daemon_started "the segment with a stale socket"
# Plain status still starts stintd (the prompt's rule is the segment's alone)...
out=$(seg status 2>&1) || fail "plain status did not autostart stintd: $out"
expect_eq "No open session." "$out" "plain status, autostarted"
pid=$(head -n1 "$XDG_RUNTIME_DIR/stint/stintd.lock")
DAEMON_PID=$pid # the cleanup stops it
kill -TERM "$pid"
gone() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 10 gone || fail "the autostarted stintd (pid $pid) did not stop"
DAEMON_PID=
rm -f "$XDG_STATE_HOME/stint/stintd.log"

# A stintd that accepts and never answers: an error within the segment's 2 s, not a hang.
mkdir -p "$XDG_RUNTIME_DIR/stint" && chmod 700 "$XDG_RUNTIME_DIR/stint"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
conns = []
while True:
    conns.append(s.accept()[0])' "$SOCK" &
mute=$!
wait_for 10 test -S "$SOCK" || fail "the mute server did not listen"
t0=$SECONDS
rc=0
seg status --short >"$T/out" 2>"$T/err" || rc=$?
kill "$mute" && wait "$mute" 2>/dev/null || true
rm -f "$SOCK"
expect_eq 1 "$rc" "a mute stintd: exit status"
expect_contains "$(cat "$T/err")" "stintd did not reply within 2 s" "a mute stintd: stderr"
[ ! -s "$T/out" ] || fail "a mute stintd: something on stdout"
[ $((SECONDS - t0)) -le 10 ] || fail "a mute stintd kept the segment $((SECONDS - t0)) s"

# --- Bad formats: usage errors naming the cause, with or without a daemon ---------------------
check_refusals() {
	refused "unknown field" "unknown field '{bogus}'" status --format '{branch} {bogus}'
	refused "words in braces" "unknown field '{on branch}'" status --format '{on branch}'
	refused "unclosed brace" "'{' at byte 2 has no '}'" status --format 'x {branch'
	refused "stray brace" "'}' at byte 0 closes no field" status --format '} {branch}'
	refused "unknown preset" "unknown format 'oneline'" status --format oneline
	refused "empty format" "empty format: a template names fields" status --format ''
	refused "invalid UTF-8" "not valid UTF-8" status --format $'\xff{branch}'
	refused "too long" "longer than 1024 bytes" status --format "{branch}$(printf '%*s' 1100 '')"
	refused "--json with --short" "--json prints the whole reply" status --short --json
	refused "--short with --format" "--short and --format exclude each other" \
		status --short --format '{branch}'
	refused "--all with -C" "--all and -C exclude each other" status --short --all -C "$T/r"
	refused "--all alone" "--all goes with --short or --format" status --all
}
check_refusals
no_daemon_started "bad formats with no daemon"

# --- With the daemon ---------------------------------------------------------------------------
daemon_start
no_output "no session" status --short
no_output "no session, --format" status --format '{icon}{ branch}'
no_output "no session, --all" status --short --all

"$STINT" start --focus "login page" >/dev/null
expect_eq "● feat/login 0m" "$(seg status --short)" "--short, active"
"$STINT" pause >/dev/null
expect_eq "⏸ feat/login 0m" "$(seg status --short)" "--short, paused"
expect_eq "paused" "$(seg status --format '{state}')" "{state}, paused"
"$STINT" resume >/dev/null
expect_eq "● feat/login 0m" "$(seg status --short)" "--short, resumed"
# From a subdirectory, and from elsewhere with -C; outside the repository: nothing.
mkdir -p "$T/r/sub"
expect_eq "● feat/login 0m" "$(cd "$T/r/sub" && seg status --short)" "--short in a subdirectory"
expect_eq "● feat/login 0m" "$(cd / && seg -C "$T/r/sub" status --short)" "-C"
(cd "$T" && no_output "outside the session's repository" status --short)

# --- Fields against status --json and against git ----------------------------------------------
start_head=$(git rev-parse HEAD)
printf 'one\ntwo\nthree\n' >>README
git commit -q -am "three lines"
printf 'four\n' >>README
sed -i '1d' README # removes "hello", uncommitted
# The worktree against the session's baseline, as git counts it.
baseline=$(json_get '["sessions"][0]["baseline"]' <<<"$("$STINT" status --json)")
read -r git_added git_removed <<<"$(git diff --numstat "$baseline" | awk '{a += $1; r += $2} END {print a, r}')"
git_commits=$(git rev-list --count "$start_head..HEAD")
expect_eq "4 1 1" "$git_added $git_removed $git_commits" "git's own counts"
settled() {
	[ "$(seg status --format '{commits} {added} {removed}')" = "$git_commits $git_added $git_removed" ]
}
wait_for 20 settled || fail "fields never matched git ($git_commits $git_added $git_removed):" \
	"$(seg status --format '{commits} {added} {removed}')"
j=$("$STINT" status --json)
for f in commits added removed state branch focus; do
	expect_eq "$(field "$j" "$f" | tr -d '"')" "$(seg status --format "{$f}")" "{$f} vs --json"
done
expect_eq "$(field "$j" repo_name | tr -d '"')" "$(seg status --format '{repo}')" "{repo} vs --json"
active_s=$(field "$j" active_s)
[ "$active_s" -lt 3540 ] || fail "active_s $active_s: too long for this test's arithmetic"
expect_contains "$(seg status --format '{active}')" "m" "{active}"
expect_eq "$((active_s / 60))m" "$(seg status --format '{active}')" "{active} vs active_s"
expect_eq "[{feat/login}] +4 -1" "$(seg status --format '[{{{branch}}}]{ +added}{ -removed}')" \
	"braces and field text"

# waybar: one JSON object with the keys its custom module reads.
wb=$(seg status --format waybar)
python3 - "$wb" <<'PY' || fail "waybar output: $wb"
import json, sys
j = json.loads(sys.argv[1])
assert set(j) == {"text", "tooltip", "class", "alt"}, j
assert j["text"] == "● feat/login 0m" and j["class"] == "active", j
assert "login page" in j["tooltip"] and "1 commit +4 -1" in j["tooltip"], j
PY

# --- A second session outside git, --all -------------------------------------------------------
mkdir -p "$T/notes"
"$STINT" -C "$T/notes" start >/dev/null
expect_eq "● 0m" "$(seg -C "$T/notes" status --short)" "--short outside git: no branch"
expect_eq "|" "$(seg -C "$T/notes" status --format '{branch}|{commits}')" "empty fields outside git"
no_output "a line that comes out empty" -C "$T/notes" status --format '{branch}{focus}'
"$STINT" pause >/dev/null # the repository's session
# Working beats paused; the newest first among equals; the others counted.
expect_eq "● notes 0m +1" "$(cd / && seg status --short --all)" "--all: the active one"
expect_eq "1" "$(cd / && seg status --all --format '{others}')" "{others}"
"$STINT" -C "$T/notes" pause >/dev/null
expect_eq "⏸ notes 0m +1" "$(cd / && seg status --short --all)" "--all: both paused, the newest"
"$STINT" resume >/dev/null
expect_eq "● r feat/login 0m +1" "$(cd / && seg status --short --all)" "--all: resumed"
"$STINT" -C "$T/notes" stop --no-log >/dev/null
expect_eq "● r feat/login 0m" "$(cd / && seg status --short --all)" "--all: one left"

# --- Idle: a reloaded idle_timeout of 1 s ------------------------------------------------------
config "idle_timeout = 1s"
kill -HUP "$DAEMON_PID"
idle_now() { [ "$(seg status --short)" = "◌ feat/login 0m" ]; }
wait_for 15 idle_now || fail "never idle: $(seg status --short)"
expect_eq "idle" "$(seg status --format '{state}')" "{state}, idle"

# Bad formats are refused alike with a daemon, which goes on serving.
check_refusals
"$STINT" ping >/dev/null || fail "stintd stopped serving"
