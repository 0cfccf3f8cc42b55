#!/usr/bin/env bash
# What goes wrong outside the daemon: bad config, unwritable or full log directory, missing repo.
# Each gives a clear error naming the cause and a nonzero exit; the daemon keeps serving and
# nothing is lost.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

mkdir -p "$XDG_CONFIG_HOME/stint"
cfg="$XDG_CONFIG_HOME/stint/config.ini"

# Bad config: the daemon refuses to start, naming file:line and the key.
printf '; comment\n[log]\ndir = /tmp/x\nnope = 1\n' >"$cfg"
set +e
out=$("$STINTD" 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "bad config exit code"
expect_contains "$out" "$cfg:4" "bad config names file:line"
expect_contains "$out" "nope" "bad config names the key"
set +e
out=$("$STINTD" --check-config 2>&1)
expect_eq 1 $? "--check-config on a bad file"
expect_contains "$out" "$cfg:4" "--check-config names file:line"
out=$(PATH="$(dirname "$STINTD"):$PATH" "$STINT" config check 2>&1)
expect_eq 1 $? "stint config check on a bad file"
expect_contains "$out" "$cfg:4" "stint config check names file:line"
# A config named by STINT_CONFIG that does not exist is a typo, not "use the defaults".
out=$(STINT_CONFIG="$T/typo.ini" "$STINTD" --check-config 2>&1)
expect_eq 1 $? "--check-config of a missing STINT_CONFIG"
expect_eq "$T/typo.ini: no such file (named by STINT_CONFIG)" "$out" "missing STINT_CONFIG"
out=$(STINT_CONFIG="$T/typo.ini" "$STINTD" 2>&1)
expect_eq 1 $? "stintd with a missing STINT_CONFIG"
expect_contains "$out" "$T/typo.ini" "stintd names the missing STINT_CONFIG"
set -e
printf '[log]\ndir = %s/logs/{repo_name}\n' "$T" >"$cfg"
"$STINTD" --check-config >/dev/null || fail "--check-config on a good file"

daemon_start
make_repo "$T/r"
"$STINT" start -C "$T/r" --focus keep >/dev/null
"$STINT" note -C "$T/r" "must survive" >/dev/null

# Unwritable log directory: stop fails naming the path, the session stays open, a retry works.
mkdir -p "$T/logs"
if [ "$(id -u)" = 0 ]; then
	# Root ignores modes; a regular file where the directory should be fails for anyone.
	touch "$T/logs/r"
	blocker="$T/logs/r"
else
	chmod 555 "$T/logs"
	blocker=
fi
set +e
out=$("$STINT" stop -C "$T/r" --summary "the summary typed once" 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "stop into an unwritable dir"
expect_contains "$out" "$T/logs" "error names the log path"
expect_contains "$out" "summary kept" "error says the summary is kept"
expect_eq 1 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "session still open"
[ -n "$blocker" ] && rm "$blocker" || chmod 755 "$T/logs"
log=$("$STINT" stop -C "$T/r" | tail -n 1)
grep -q "must survive" "$log" || fail "note lost across the failed stop"
grep -q "the summary typed once" "$log" || fail "the failed stop's summary is not in the log"
daemon_stop

# Full disk: the daemon's files may not grow past 256 KiB (RLIMIT_FSIZE acts like ENOSPC), on a
# fresh store so the limit is reached by this part alone.
export XDG_STATE_HOME="$T/state-full"
( ulimit -f 256; exec "$STINTD" -v 2>>"$T/full.log" ) &
DAEMON_PID=$!
wait_for 10 "$STINT" ping || fail "daemon did not start under ulimit -f"
"$STINT" start -C "$T/r" --focus "$(printf 'f%.0s' $(seq 1 200))" >/dev/null
big=$(head -c 8000 /dev/zero | tr '\0' 'x')
failed=0
for i in $(seq 1 200); do
	if ! "$STINT" note -C "$T/r" "$big" >/dev/null 2>"$T/err"; then
		failed=1
		break
	fi
done
[ $failed = 1 ] || fail "the store never ran out of room"
expect_contains "$(cat "$T/err")" "cannot record" "full store error"
"$STINT" ping >/dev/null || fail "daemon died on a full disk"
acked=$((i - 1))
daemon_stop
daemon_start
notes=$("$STINT" status --json -C "$T/r" | json_get '["sessions"][0]["notes"]')
expect_eq "$acked" "$notes" "acknowledged notes after the full disk"

# A repository deleted mid-session: status and stop still work.
make_repo "$T/gone"
"$STINT" start -C "$T/gone" >/dev/null
rm -rf "$T/gone"
expect_eq 2 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "deleted repo still listed"
log=$("$STINT" stop -C "$T/gone" | tail -n 1)
[ -f "$log" ] || fail "no log for a deleted repository"
# The log says the numbers could not be taken at stop, rather than "no changes".
grep -q "at stop the repository could not be read" "$log" ||
	fail "the log of a deleted repository does not say its statistics are stale: $(grep -m1 Worked "$log")"
daemon_stop
echo ok
