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

# --- the checks run with the environment of stint stop's caller, not stintd's ---
# A check writes what it got; the daemon alone has DAEMON_ONLY, the caller FOO, its own PATH
# (with a tool only there) and values that need escaping on the way.
mkdir -p "$T/bin"
printf '#!/bin/sh\necho the caller tool ran\n' >"$T/bin/stint-caller-tool"
chmod +x "$T/bin/stint-caller-tool"
{
	printf '[checks]\n'
	printf 'env = env >"%s/env.txt"\n' "$T"
	printf 'multi = printf %%s "$MULTI" >"%s/multi.txt"\n' "$T"
	printf 'tool = stint-caller-tool\n'
	printf 'fds = ls -l /proc/self/fd >"%s/fds.txt"\n' "$T"
} >"$T/env.ini"
# Descriptors the shell that starts stintd leaves open (10 and 251) reach no check.
exec 10>"$T/fd10" 251>"$T/fd251"
STINT_CONFIG="$T/env.ini" DAEMON_ONLY=1 daemon_start
exec 10>&- 251>&-
"$STINT" start --focus "environment" >/dev/null
multi=$'two\nlines, "quoted" \\ and \ttabbed é'
set +e
out=$(PATH="$T/bin:$PATH" FOO=bar MULTI="$multi" BADUTF=$'\xff\xfe' bounded stop 2>&1)
rc=$?
set -e
expect_eq 0 "$rc" "stop with the caller's environment: $out"
log7=$(tail -n 1 <<<"$out")
expect_contains "$out" "BADUTF is not UTF-8" "the CLI says which variable it leaves out"
envtxt=$(cat "$T/env.txt")
has_line "$envtxt" "FOO=bar" "the caller's FOO in the check's environment"
has_line "$envtxt" "PATH=$T/bin:$PATH" "the caller's PATH in the check's environment"
has_line "$envtxt" "STINT_CHECK=1" "STINT_CHECK"
has_line "$envtxt" "PWD=$R" "PWD is the repository"
lacks "$envtxt" "DAEMON_ONLY" "a variable only stintd had"
lacks "$envtxt" "BADUTF" "a variable that is not UTF-8"
expect_eq "$multi" "$(cat "$T/multi.txt")" "a value with a newline, quotes, a backslash, a tab"
grep -q "✅ tool" "$log7" || fail "the caller's PATH did not find its tool: $(grep -A8 'Quality Checks' "$log7")"
# Exactly 0, 1 and 2, besides the directory ls itself opens to list /proc/self/fd.
fds=$(awk 'NF > 3 && $NF !~ "^/proc/[0-9]+/fd$" { printf "%s ", $(NF - 2) }' "$T/fds.txt")
expect_eq "0 1 2 " "$fds" "the check's descriptors ($(cat "$T/fds.txt"))"

# --- an environment too large to send: refused, naming the limit; the session stays open ---
"$STINT" start --focus "too large" >/dev/null
big=$(head -c 40000 /dev/zero | tr '\0' x)
set +e
out=$(BIG=$big bounded stop 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a 40 000-byte environment was sent"
expect_contains "$out" "32768 bytes" "the error names the byte limit"
many=()
for i in $(seq 1 300); do many+=("MANY_$i=1"); done
set +e
out=$(env "${many[@]}" "$STINT" stop 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "300 variables were sent"
expect_contains "$out" "256 variables" "the error names the count limit"
expect_contains "$("$STINT" status)" "too large" "the session is still open"
# A peer that sends them anyway, or bad entries: refused, each saying why; stintd serves on.
envreq() { # python expression for the env array
	python3 -c "import json,sys; print(json.dumps({'v':1,'cmd':'stop','cwd':sys.argv[1],'env':$1}))" "$R"
}
refused() { # request code needle
	local reply
	reply=$(rawreq "$1")
	expect_contains "$reply" "\"code\":\"$2\"" "the reply to $(head -c 80 <<<"$1")"
	expect_contains "$reply" "$3" "the reply to $(head -c 80 <<<"$1")"
}
refused "$(envreq "['V%d=1' % i for i in range(257)]")" too_large "the limit is 256"
refused "$(envreq "['BIG=' + 'x' * 33000]")" too_large "32768 bytes"
refused "$(envreq "['1ABC=x']")" bad_request "shell variable name"
refused "$(envreq "['A-B=x']")" bad_request "shell variable name"
refused "$(envreq "['NOEQUALS']")" bad_request "NAME=VALUE"
refused "$(envreq "['=x']")" bad_request "NAME=VALUE"
refused "$(envreq "['A=1', 'A=2']")" bad_request "given twice"
refused "$(envreq "[1]")" bad_request "must be a string"
refused "$(envreq "'PATH=/bin'")" bad_request "must be an array"
# JSON's parser (jansson) refuses a NUL in any string: the request is not even read.
refused "$(envreq "['A=x\\0y']")" bad_json "u0000 is not allowed"
# A value is never repeated in an error (it may be a secret), only the name.
reply=$(rawreq "$(envreq "['1TOKEN=hunter2']")")
expect_contains "$reply" '(name \"1TOKEN\")' "the refusal names the variable"
lacks "$reply" "hunter2" "the refusal of a bad name"
bounded ping >/dev/null || fail "stintd stopped serving after bad environments"
expect_contains "$("$STINT" status)" "too large" "the session is still open after bad requests"
"$STINT" cancel >/dev/null
daemon_stop

# --- an auto-stop's checks: stintd's environment without what was meant for stintd alone ---
rm -f "$T/env.txt"
{
	printf '[time]\nidle_timeout = 1s\nauto_stop_after_idle = 2s\n'
	printf '[checks]\nenv = env >"%s/env.txt"\n' "$T"
} >"$T/auto.ini"
STINT_CONFIG="$T/auto.ini" DAEMON_ONLY=1 LD_PRELOAD= LD_LIBRARY_PATH="$T/nolib" \
	NOTIFY_SOCKET="$T/no-notify.sock" JOURNAL_STREAM=8:12345 INVOCATION_ID=0123abcd \
	DBUS_STARTER_ADDRESS=unix:path=/nonexistent DBUS_STARTER_BUS_TYPE=session daemon_start
"$STINT" start --focus "auto" >/dev/null
wait_for 20 test -s "$T/env.txt" || fail "no auto-stop ran the checks: $("$STINT" status)"
wait_for 10 grep -q "auto-stop" "$DAEMON_LOG" || fail "stintd did not log the auto-stop"
envtxt=$(cat "$T/env.txt")
has_line "$envtxt" "DAEMON_ONLY=1" "stintd's own variable in an auto-stop's check"
has_line "$envtxt" "STINT_CHECK=1" "STINT_CHECK in an auto-stop's check"
for v in LD_PRELOAD LD_LIBRARY_PATH NOTIFY_SOCKET JOURNAL_STREAM INVOCATION_ID DBUS_STARTER_ADDRESS DBUS_STARTER_BUS_TYPE; do
	! grep -q "^$v=" <<<"$envtxt" || fail "an auto-stop's check got $v: $(grep "^$v=" <<<"$envtxt")"
done
daemon_stop

# --- temporary logs a killed stintd left: swept at start-up in the log directories it knows ---
# Where stored sessions wrote logs (the default dir, a repository's own: dir = {repo}/...), and
# the configured dir when it has no placeholder.
R2="$T/gadget"
make_repo "$R2"
printf '[log]\ndir = {repo}/docs/sessions\n' >"$T/inrepo.ini"
STINT_CONFIG="$T/inrepo.ini" daemon_start
"$STINT" start -C "$R2" --focus "in the repository" >/dev/null
log8=$(bounded stop -C "$R2" | tail -n 1)
[ -f "$log8" ] || fail "no log in the repository: [$log8]"
daemon_kill9
inrepo=$(dirname "$log8")
configured=$(dirname "$log3")
# And a [log] dir without placeholders that no session has written to yet.
flat="$T/flat logs"
mkdir -p "$flat"
printf '[log]\ndir = "%s"\n' "$flat" >"$T/flat.ini"
for dir in "$inrepo" "$configured" "$flat"; do
	printf 'half a log\n' >"$dir/.2026-02-01.md.Ab12xZ"
	touch -d '1 hour ago' "$dir/.2026-02-01.md.Ab12xZ"
	printf 'being written\n' >"$dir/.2026-02-02.md.Cd34yW"
	mkfifo "$dir/.2026-02-03.md.Ef56zV"
	touch -d '1 hour ago' "$dir/.2026-02-03.md.Ef56zV"
	printf 'mine\n' >"$dir/.notes.md.Gh78aB"
	touch -d '1 hour ago' "$dir/.notes.md.Gh78aB"
done
sweeps=$(grep -c "start-up sweep done" "$DAEMON_LOG" || true)
STINT_CONFIG="$T/flat.ini" daemon_start
for dir in "$inrepo" "$configured" "$flat"; do
	wait_for 10 test ! -e "$dir/.2026-02-01.md.Ab12xZ" ||
		fail "stintd did not remove an old temporary log in $dir at start-up: $(ls -la "$dir")"
done
swept() { [ "$(grep -c "start-up sweep done" "$DAEMON_LOG")" -gt "$sweeps" ]; }
wait_for 10 swept || fail "the start-up sweep did not end: $(tail -5 "$DAEMON_LOG")"
for dir in "$inrepo" "$configured" "$flat"; do
	for kept in .2026-02-02.md.Cd34yW .2026-02-03.md.Ef56zV .notes.md.Gh78aB; do
		[ -e "$dir/$kept" ] || fail "$dir/$kept was removed: not a stale temporary log of stintd's"
	done
	rm -f "$dir"/.2026-02-* "$dir/.notes.md.Gh78aB"
done
bounded ping >/dev/null || fail "stintd does not serve after the sweep"
daemon_stop
# A dir without placeholders is swept even by a stintd with an empty store.
printf 'half a log\n' >"$flat/.2026-02-01.md.Ab12xZ"
touch -d '1 hour ago' "$flat/.2026-02-01.md.Ab12xZ"
XDG_STATE_HOME="$T/empty-state" STINT_CONFIG="$T/flat.ini" daemon_start
wait_for 10 test ! -e "$flat/.2026-02-01.md.Ab12xZ" ||
	fail "a stintd with an empty store did not sweep the configured dir: $(ls -la "$flat")"
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
