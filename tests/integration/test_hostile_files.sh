#!/usr/bin/env bash
# Files that are not what they seem: a FIFO where the previous log was, a FIFO in the worktree, a
# FIFO for HEAD's reflog. A plain open() of a FIFO waits for a writer forever, which would hang a
# worker and every stop after it; stint must refuse such a file, say so, and keep serving.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# Runs stint with a deadline: a hang fails the test instead of stalling it.
bounded() { timeout 30 "$STINT" "$@"; }

daemon_start
R="$T/widget"
make_repo "$R"
cd "$R"

# --- the previous log replaced by a FIFO ---
"$STINT" start --focus "first" >/dev/null
"$STINT" todo "carry me" >/dev/null
log1=$(bounded stop | tail -n 1)
[ -f "$log1" ] || fail "no first log at [$log1]"
rm "$log1"
mkfifo "$log1"
"$STINT" start --focus "second" >/dev/null
set +e
log2=$(bounded stop | tail -n 1)
rc=$?
set -e
expect_eq 0 "$rc" "stop with a FIFO where the previous log was (124: it hung)"
[ -f "$log2" ] || fail "no second log at [$log2]"
expect_contains "$(cat "$log2")" "cannot be read" "the log says the previous log cannot be read"
bounded ping >/dev/null || fail "stintd stopped serving"
rm "$log1"

# --- a FIFO in the worktree, and a file renamed next to it ---
seq 1 50 >"$R/numbers.txt"
git add numbers.txt
git commit -qm numbers
"$STINT" start --focus "pipes" >/dev/null
mkfifo "$R/pipe"
git mv numbers.txt counted.txt
echo 51 >>counted.txt
git commit -qam "counted"
wait_seen "$R"
set +e
log3=$(bounded stop | tail -n 1)
rc=$?
set -e
expect_eq 0 "$rc" "stop with a FIFO in the worktree (124: it hung)"
grep -qF 'renamed from `numbers.txt`' "$log3" || fail "the rename is missing: $(grep -A8 'Files Modified' "$log3")"
! grep -qF '`pipe`' "$log3" || fail "the FIFO is listed as a file: $(grep -A8 'Files Modified' "$log3")"
rm "$R/pipe"

# --- HEAD's reflog replaced by a FIFO: refused with a clear error, nothing lost ---
"$STINT" start --focus "reflog" >/dev/null
echo more >>README
git commit -qam more
wait_seen "$R"
rm .git/logs/HEAD
mkfifo .git/logs/HEAD
set +e
out=$(bounded stop 2>&1)
rc=$?
set -e
[ "$rc" -ne 124 ] || fail "stop hung on a FIFO for HEAD's reflog"
bounded ping >/dev/null || fail "stintd stopped serving after a FIFO for HEAD's reflog"
if [ "$rc" -ne 0 ]; then
	expect_contains "$out" "logs/HEAD" "the error names the reflog"
	rm .git/logs/HEAD
	log4=$(bounded stop | tail -n 1)
else
	log4=$(tail -n 1 <<<"$out")
	rm .git/logs/HEAD
fi
[ -f "$log4" ] || fail "no log after the reflog was fixed: [$log4]"
grep -qF "more" "$log4" || fail "the commit made before the FIFO is lost: $(cat "$log4")"
# --- a reflog entry with an impossible time (a damaged file): ignored, no overflow ---
"$STINT" start --focus "time" >/dev/null
echo again >>README
git commit -qam again
z=0000000000000000000000000000000000000000
printf '%s %s A <a@b> 99999999999999999 +0000\tcommit: from the far future\n' \
	"$(git rev-parse HEAD)" "$(git rev-parse HEAD)" >>.git/logs/HEAD
printf '%s %s A <a@b> -99999999999999999 +0000\tcheckout: moving from main to main\n' \
	"$z" "$(git rev-parse HEAD)" >>.git/logs/HEAD
set +e
log5=$(bounded stop | tail -n 1)
rc=$?
set -e
expect_eq 0 "$rc" "stop with a damaged reflog time"
grep -qF "again" "$log5" || fail "the commit is missing: $(cat "$log5")"
daemon_stop

# --- temporary logs a killed stintd left behind: removed at the next write there, only ours ---
daemon_start
"$STINT" start --focus "leftovers" >/dev/null
dir=$(dirname "$log3")
printf 'half a log\n' >"$dir/.2026-01-01.md.Ab12xZ"
touch -d '1 hour ago' "$dir/.2026-01-01.md.Ab12xZ"
printf 'being written\n' >"$dir/.2026-01-02.md.Cd34yW"
printf 'mine\n' >"$dir/.notes.md.Ab12xZ"
touch -d '1 hour ago' "$dir/.notes.md.Ab12xZ"
mkdir "$dir/.2026-01-03.md.Ef56zV"
touch -d '1 hour ago' "$dir/.2026-01-03.md.Ef56zV"
bounded stop >/dev/null
[ ! -e "$dir/.2026-01-01.md.Ab12xZ" ] || fail "an old temporary log is still there"
for kept in .2026-01-02.md.Cd34yW .notes.md.Ab12xZ .2026-01-03.md.Ef56zV; do
	[ -e "$dir/$kept" ] || fail "$kept was removed: it is not a stale temporary log of stintd's"
done
grep -q "removed .*2026-01-01.md.Ab12xZ" "$DAEMON_LOG" || fail "the removal is not logged"
daemon_stop

# --- a descriptor the shell left open reaches no check ---
printf 'secret\n' >"$T/secret"
printf '[checks]\nfds = test ! -e /proc/self/fd/9 || { ls -l /proc/self/fd; exit 1; }\n' >"$T/checks.ini"
exec 9<"$T/secret"
STINT_CONFIG="$T/checks.ini" daemon_start
exec 9<&-
"$STINT" start --focus "fds" >/dev/null
log6=$(bounded stop | tail -n 1)
grep -q "✅ fds" "$log6" || fail "a check saw the shell's fd 9: $(grep -A6 'Quality Checks' "$log6")"
daemon_stop

# --- a config or a template that is a FIFO: refused at once, never waited on ---
# stintd --check-config with CONFIG: refused, at once, saying why.
refuses_fifo() { # config what
	local out rc
	set +e
	out=$(STINT_CONFIG="$1" timeout 10 "$STINTD" --check-config 2>&1)
	rc=$?
	set -e
	[ "$rc" -ne 124 ] || fail "stintd --check-config hung on a FIFO $2"
	[ "$rc" -ne 0 ] || fail "a FIFO $2 was accepted"
	expect_contains "$out" "not a regular file" "the $2 FIFO's error"
}
mkfifo "$T/fifo.ini"
refuses_fifo "$T/fifo.ini" config
printf '[log]\ntemplate = %s\n' "$T/fifo.md" >"$T/tpl.ini"
mkfifo "$T/fifo.md"
refuses_fifo "$T/tpl.ini" template
# A running daemon told to reload a config that became a FIFO keeps serving with the old one.
mkdir -p "$(dirname "$CONFIG")"
printf '[time]\nidle_timeout = 15m\n' >"$CONFIG"
daemon_start
rm "$CONFIG"
mkfifo "$CONFIG"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q "not a regular file" "$DAEMON_LOG" || fail "the reload did not say why: $(tail -5 "$DAEMON_LOG")"
bounded ping >/dev/null || fail "stintd stopped serving after reloading a FIFO config"
daemon_stop
echo ok
