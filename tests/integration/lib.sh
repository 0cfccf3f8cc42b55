# Shared by the integration tests: a private environment, the real stintd, real git repositories.
# Source it first thing; it sets `set -euo pipefail` and a cleanup trap.
# Under pipefail `cmd | grep -q PAT` is false whenever grep exits at the match before cmd has
# written its last chunk (cmd dies of SIGPIPE): write `grep -q PAT <<<"$(cmd)"` instead.
set -euo pipefail

: "${STINT:?STINT must name the stint binary (ctest sets it)}"
: "${STINTD:?STINTD must name the stintd binary (ctest sets it)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/stint-test.XXXXXX")
export HOME="$T/home" XDG_RUNTIME_DIR="$T/run" XDG_STATE_HOME="$T/state"
export XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config"
export STINT_NO_AUTOSTART=1 LC_ALL=C.UTF-8 TZ=${TZ:-UTC}
unset STINT_SOCKET STINT_CONFIG DBUS_SESSION_BUS_ADDRESS DISPLAY
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
# The system's python3 first: a version manager's shim (pyenv) is a shell script that costs a
# second or more a call on a loaded machine, and the tests call python3 often.
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$T/pybin"
	ln -s /usr/bin/python3 "$T/pybin/python3"
	export PATH="$T/pybin:$PATH"
fi
chmod 700 "$XDG_RUNTIME_DIR"
SOCK="$XDG_RUNTIME_DIR/stint/stintd.sock"
DAEMON_LOG="$T/stintd.log"
DAEMON_PID=
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Test Author" GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME="Test Author" GIT_COMMITTER_EMAIL=t@example.com
git config --global user.name "Test Author"
git config --global user.email t@example.com
git config --global init.defaultBranch main

cleanup() {
	local rc=$?
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -TERM "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- stintd log ($DAEMON_LOG) ---" >&2
		tail -n 50 "$DAEMON_LOG" >&2 2>/dev/null || true
	fi
	chmod -R u+w "$T" 2>/dev/null || true
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

expect_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"
}

expect_contains() { # haystack needle what
	case "$1" in *"$2"*) ;; *) fail "$3: [$2] not found in: $1" ;; esac
}

# Waits (bounded) until a command succeeds: wait_for SECONDS CMD...
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le $((limit * 50)) ] || return 1
		sleep 0.02
	done
}

# Runs stint, whatever its status: stdout in $out, stderr in $err, the status in $rc.
stint_run() {
	set +e
	out=$("$STINT" "$@" 2>"$T/stint_run.err")
	rc=$?
	err=$(cat "$T/stint_run.err")
	set -e
}

# Sends raw request lines and prints the replies: rawreq 'LINE' ['LINE'...]
rawreq() {
	python3 - "$SOCK" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rb")
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    print(f.readline().decode(), end="")
PY
}

daemon_start() { # extra stintd arguments
	"$STINTD" -v "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	wait_for 10 "$STINT" ping || fail "stintd did not come up; log: $(tail -n 20 "$DAEMON_LOG")"
}

daemon_stop() {
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || fail "stintd exited with status $? on SIGTERM"
	DAEMON_PID=
}

daemon_kill9() {
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

# A git repository with one commit: make_repo DIR
make_repo() {
	mkdir -p "$1"
	git -C "$1" init -q
	printf 'hello\n' >"$1/README"
	git -C "$1" add README
	git -C "$1" commit -q -m "initial commit"
}

# The field of a JSON document on stdin: json_get '["sessions"][0]["state"]'
json_get() {
	python3 -c "import json,sys; v=json.load(sys.stdin)$1; print(json.dumps(v) if isinstance(v,(dict,list)) else ('null' if v is None else v))"
}

CONFIG="$XDG_CONFIG_HOME/stint/config.ini"

config() { # writes the [time] section of the config: config 'idle_timeout = 3s' ...
	mkdir -p "$(dirname "$CONFIG")"
	printf '[time]\n' >"$CONFIG"
	printf '%s\n' "$@" >>"$CONFIG"
}

# A scalar field of compact JSON (the CLI's --json output when piped): field JSON NAME. For
# polling loops: python3 costs most of a second a call on a loaded machine.
field() {
	local re="\"$2\":(\"[^\"]*\"|[^,}]*)"
	[[ $1 =~ $re ]] || fail "no \"$2\" in $1"
	local v=${BASH_REMATCH[1]}
	v=${v#\"}
	echo "${v%\"}"
}

# Waits until stintd has seen the repository's current HEAD (its session's status says so).
wait_seen() { # repo
	local want
	want=$(git -C "$1" rev-parse HEAD)
	wait_for 20 bash -c "'$STINT' status --json -C '$1' | grep -q '\"head\": *\"$want\"'" ||
		fail "stintd did not see $want: $("$STINT" status --json -C "$1")"
}

# Reading a session log (Markdown): its sections and lines.

# The lines of a log's section: from the heading line to the next heading of its level or above.
section() { # file heading
	awk -v h="$2" '
		BEGIN { match(h, /^#+/); level = RLENGTH }
		!on && $0 == h { on = 1; next }
		on && /^#+ / { match($0, /^#+/); if (RLENGTH <= level) exit }
		on { print }' "$1"
}

has_line() { # text line what
	grep -qxF -- "$2" <<<"$1" || fail "$3: no line [$2] in:
$1"
}

lacks() { # text needle what
	! grep -qF -- "$2" <<<"$1" || fail "$3: [$2] should not be in:
$1"
}

# The line number of the first line containing needle, or fail.
line_of() { # text needle what
	local n
	n=$(grep -nF -- "$2" <<<"$1" | head -n 1 | cut -d: -f1)
	[ -n "$n" ] || fail "$3: [$2] not in:
$1"
	echo "$n"
}

# A log without the record line stintd appends to every log after a blank line
# (docs/log-record.md): the template's own text. Fails when the log does not end with one.
template_text() { # log
	[[ $(tail -n 1 "$1") == "<!-- stint-record v1 {"*"} -->" ]] ||
		fail "$1 does not end with its record line: $(tail -n 1 "$1")"
	head -n -2 "$1"
}

# The real Timewarrior in a database of its own (TIMEWARRIORDB=DIR, default $T/timew, with an
# empty config so nothing asks), or the test is skipped; tw ARGS runs timew, answering yes.
timew_db() {
	command -v timew >/dev/null || skip "timew (Timewarrior) is needed"
	export TIMEWARRIORDB=${1:-$T/timew}
	mkdir -p "$TIMEWARRIORDB/data"
	: >"$TIMEWARRIORDB/timewarrior.cfg"
}
tw() { timew "$@" :yes </dev/null >/dev/null || fail "timew $* failed"; }
