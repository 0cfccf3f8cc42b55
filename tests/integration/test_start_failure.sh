#!/usr/bin/env bash
# A stintd that cannot start (issue 15, "Messages that help"): the CLI quotes stintd's own last
# error line, and a wrong STINT_SOCKET is named as such; nothing is left running, and once the
# cause is fixed the next command starts stintd and is served.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

unset STINT_NO_AUTOSTART
STATE_LOG="$XDG_STATE_HOME/stint/stintd.log"
trap 'rc=$?; set +e; p=$(head -n 1 "$(dirname "$SOCK")/stintd.lock" 2>/dev/null)
[ "$(cat "/proc/$p/comm" 2>/dev/null)" != stintd ] || kill -TERM "$p"; (exit $rc); cleanup' EXIT

# Runs stint with the environment given before it; keeps its stderr in $err, its status in $rc.
run() {
	set +e
	err=$(env "$@" 2>&1 >/dev/null)
	rc=$?
	set -e
}

nothing_serves() {
	! STINT_NO_AUTOSTART=1 "$STINT" ping >/dev/null 2>&1 || fail "$1: a stintd serves"
}

# --- a config stintd refuses: its line, with the file, the line and the hint ----------------
mkdir -p "$(dirname "$CONFIG")"
printf '[time]\nidle_timout = 5m\n' >"$CONFIG"
run "$STINT" status
expect_eq 1 "$rc" "status with a bad config"
expect_contains "$err" "started $(dirname "$STINT")/stintd but it exited with status 1: stintd: error: $CONFIG:2: unknown key \"idle_timout\" in [time]; did you mean \"idle_timeout\"?" "stintd's own line is quoted"
expect_contains "$err" "(see $STATE_LOG)" "the log is named"
expect_contains "$(cat "$STATE_LOG")" "unknown key \"idle_timout\"" "the line is in stintd.log too"
nothing_serves "bad config"
rm "$CONFIG"

# --- a socket in a directory that cannot be created ------------------------------------------
run STINT_SOCKET="$T/nowhere/deeper/stintd.sock" "$STINT" status
expect_eq 1 "$rc" "status with STINT_SOCKET in a missing directory"
expect_contains "$err" "exited with status 1: stintd: error: socket directory: cannot create $T/nowhere/deeper: No such file or directory" "stintd says why"

# --- a socket directory others may enter: stintd refuses it, and says so ----------------------
mkdir -m 0755 "$T/open"
run STINT_SOCKET="$T/open/stintd.sock" "$STINT" ping
expect_eq 1 "$rc" "ping with an open socket directory"
expect_contains "$err" "stintd: error: socket directory: $T/open is accessible by group or others (mode 755); expected 0700" "stintd says why"
[ ! -e "$T/open/stintd.sock" ] || fail "a socket was made in $T/open"

# --- STINT_SOCKET itself wrong: relative, too long, under a file, a file ---------------------------
run STINT_SOCKET=stintd.sock "$STINT" status
expect_eq 1 "$rc" "relative STINT_SOCKET"
expect_eq 'stint: STINT_SOCKET must be an absolute path, not "stintd.sock"' "$err" "relative STINT_SOCKET"
set +e
derr=$(STINT_SOCKET=stintd.sock "$STINTD" 2>&1)
drc=$?
set -e
expect_eq 1 "$drc" "stintd with a relative STINT_SOCKET"
expect_contains "$derr" 'STINT_SOCKET must be an absolute path, not "stintd.sock"' "stintd says the same"
long="$T/$(printf 'l%.0s' $(seq 120))/stintd.sock"
run STINT_SOCKET="$long" "$STINT" note x
expect_eq 1 "$rc" "too long STINT_SOCKET"
expect_contains "$err" "stint: STINT_SOCKET is too long for a socket path (${#long} bytes, at most 107)" "too long STINT_SOCKET"
touch "$T/afile"
run STINT_SOCKET="$T/afile/stintd.sock" "$STINT" status
expect_eq 1 "$rc" "STINT_SOCKET under a file"
expect_eq "stint: cannot reach stintd at $T/afile/stintd.sock (STINT_SOCKET): Not a directory" "$err" "STINT_SOCKET under a file"
run STINT_SOCKET="$T/afile" "$STINT" status
expect_eq 1 "$rc" "STINT_SOCKET naming a file"
expect_eq "stint: cannot reach stintd at $T/afile (STINT_SOCKET): it is a regular file, not a socket" "$err" "STINT_SOCKET naming a file"
run STINT_SOCKET="$T/afile" "$STINT" status --short
expect_eq "0" "$rc" "status --short with STINT_SOCKET naming a file: quiet for a prompt"
nothing_serves "wrong sockets"

# --- the causes gone: the next command starts stintd and is served ----------------------------
"$STINT" ping >/dev/null || fail "stintd did not start once the config and socket were fixed"
