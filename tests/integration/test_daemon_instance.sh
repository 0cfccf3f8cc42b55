#!/usr/bin/env bash
# One daemon per user, socket safety, peer uid check, reload, autostart and socket activation.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

daemon_start
pid=$DAEMON_PID

# A second daemon exits 1 naming the first.
set +e
out=$("$STINTD" 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "second daemon exit code"
expect_contains "$out" "already running (pid $pid)" "second daemon message"
"$STINT" ping >/dev/null || fail "first daemon disturbed by the second"
# Another socket (a shell without XDG_RUNTIME_DIR, STINT_SOCKET) but the same database: refused
# too, or each daemon would see half the sessions.
set +e
out=$(STINT_SOCKET="$T/other.sock" "$STINTD" 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "a second daemon on the same state directory"
expect_contains "$out" "already running (pid $pid) with the state directory $XDG_STATE_HOME/stint, serving $SOCK" \
	"a second daemon on the same state directory"
[ ! -e "$T/other.sock" ] || fail "the refused daemon left a socket behind"
"$STINT" ping >/dev/null || fail "first daemon disturbed by the third"

# Socket 0600 in a 0700 directory.
expect_eq 600 "$(stat -c %a "$SOCK")" "socket mode"
expect_eq 700 "$(stat -c %a "$(dirname "$SOCK")")" "socket dir mode"

# Another uid is refused by SO_PEERCRED even when the file modes would let it in.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 711 "$XDG_RUNTIME_DIR" "$(dirname "$SOCK")" "$T"
	chmod 666 "$SOCK"
	cp "$STINT" "$T/stint-copy" && chmod 755 "$T/stint-copy"
	set +e
	out=$(STINT_SOCKET="$SOCK" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$T/stint-copy" status 2>&1)
	rc=$?
	set -e
	chmod 700 "$XDG_RUNTIME_DIR" "$(dirname "$SOCK")" "$T"
	chmod 600 "$SOCK"
	expect_eq 1 "$rc" "foreign uid exit code"
	expect_contains "$out" "uid 65534" "foreign uid message names the uid"
	grep -q "refused a client: uid 65534" "$DAEMON_LOG" || fail "daemon did not log the refusal"
else
	echo "note: not root; the foreign-uid check is not exercised"
fi
"$STINT" ping >/dev/null || fail "daemon disturbed by the foreign client"

# SIGHUP: a good config is taken, a bad one is refused and the old one kept.
mkdir -p "$XDG_CONFIG_HOME/stint"
printf '[log]\ndir = %s/custom-logs/{repo_name}\n' "$T" >"$XDG_CONFIG_HOME/stint/config.ini"
kill -HUP "$DAEMON_PID"
wait_for 5 grep -q "config: reloaded" "$DAEMON_LOG" || fail "no reload logged"
printf '[log]\nbogus = 1\n' >"$XDG_CONFIG_HOME/stint/config.ini"
kill -HUP "$DAEMON_PID"
wait_for 5 grep -q "not reloaded" "$DAEMON_LOG" || fail "bad config not reported"
grep "not reloaded" "$DAEMON_LOG" | grep -q "config.ini:2" || fail "reload error lacks file:line"
make_repo "$T/r"
"$STINT" start -C "$T/r" >/dev/null
log=$("$STINT" stop -C "$T/r" | tail -n 1)
expect_eq "$T/custom-logs/r/$(date +%F).md" "$log" "log dir from the reloaded config"
rm "$XDG_CONFIG_HOME/stint/config.ini"
daemon_stop

# A socket directory others can enter is refused at start-up.
chmod 755 "$(dirname "$SOCK")"
set +e
out=$("$STINTD" 2>&1)
rc=$?
set -e
chmod 700 "$(dirname "$SOCK")"
expect_eq 1 "$rc" "insecure socket dir exit code"
expect_contains "$out" "accessible by group or others" "insecure socket dir message"

# STINT_SOCKET moves both programs; without XDG_RUNTIME_DIR the fallback is /tmp/stint-$UID.
export STINT_SOCKET="$T/alt/s.sock"
daemon_start
[ -S "$T/alt/s.sock" ] || fail "STINT_SOCKET not honoured"
daemon_stop
unset STINT_SOCKET

# Autostart: with the daemon down, the CLI starts the stintd it finds next to itself.
mkdir -p "$T/bin"
cp "$STINT" "$STINTD" "$T/bin/"
unset STINT_NO_AUTOSTART
"$T/bin/stint" start -C "$T/r" >/dev/null || fail "autostart failed"
"$T/bin/stint" ping >/dev/null
DAEMON_PID=$(pgrep -f "^$T/bin/stintd" | head -n 1)
[ -n "$DAEMON_PID" ] || fail "autostarted daemon not found"
"$T/bin/stint" stop -C "$T/r" --no-log >/dev/null
kill -TERM "$DAEMON_PID"
# (Not kill -0: an orphan may linger as a zombie where PID 1 does not reap.)
wait_for 5 bash -c "! STINT_NO_AUTOSTART=1 '$STINT' ping" || fail "autostarted daemon did not exit"
DAEMON_PID=
# No stintd next to the CLI nor on PATH: the CLI says what it tried and exits 1.
mkdir -p "$T/lonely"
cp "$STINT" "$T/lonely/stint"
set +e
out=$(PATH=/usr/bin:/bin "$T/lonely/stint" status 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "unreachable daemon exit code"
expect_contains "$out" "$SOCK" "unreachable message names the socket"
export STINT_NO_AUTOSTART=1

# Socket activation: systemd-socket-activate binds and passes the socket, as systemd would.
if command -v systemd-socket-activate >/dev/null; then
	mkdir -p -m 700 "$(dirname "$SOCK")"
	# It passes on little of its environment: name what keeps the daemon in this test's dirs.
	systemd-socket-activate -l "$SOCK" -E HOME -E XDG_RUNTIME_DIR -E XDG_STATE_HOME \
		-E XDG_DATA_HOME -E XDG_CONFIG_HOME "$STINTD" -v >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	# Its message comes after listen(); the socket file exists from bind(), a moment before,
	# and a connect in that moment is refused (seen once in 20 runs on a loaded machine).
	wait_for 10 grep -q "Listening on $SOCK" "$DAEMON_LOG" ||
		fail "systemd-socket-activate did not listen"
	"$STINT" start -C "$T/r" >/dev/null || fail "start through an activated socket"
	expect_eq 1 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "activated status"
	grep -q "serving a socket passed by systemd" "$DAEMON_LOG" || fail "daemon did not use the passed socket"
	"$STINT" stop -C "$T/r" --no-log >/dev/null
	daemon_stop
else
	echo "note: systemd-socket-activate missing; activation not exercised"
fi
echo ok
