#!/usr/bin/env bash
# The status snapshot (stintd.sock.status) against stintd's own answer: in every state (no
# session, active, a note, paused, idle, two repositories, a commit), `stint status --json`
# read from the snapshot equals STINT_STATUS_SNAPSHOT=0's reply over the socket, times within a
# second; the file is rewritten on a change and not on a question; a file stintd does not hold
# (killed with -9), and planted files (symlink, FIFO, shared writable, too big, malformed),
# are never believed; a clean exit removes it.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

SNAP="$SOCK.status"
mkdir -p "$(dirname "$CONFIG")"
# Notifications off: with no server up `status` asks stintd itself (it looks for one again).
printf '[time]\nidle_timeout = 3s\n[notify]\nenabled = false\n' >"$CONFIG"

# The two answers, the snapshot's first, without uptime; equal but for times within 1 s. Work
# in flight (new statistics) may land between the two reads: they are read again, a few times.
same_answer() { # what [stint args...]
	local what=$1 try
	shift
	for try in 1 2 3 4 5; do
		compare_answers "$what" "$@" 2>"$T/differ" && return 0
		sleep 0.2
	done
	cat "$T/differ" >&2
	exit 1
}

compare_answers() { # what [stint args...]
	local what=$1 a b
	shift
	a=$("$STINT" status --json "$@") || fail "$what: status from the snapshot failed"
	b=$(STINT_STATUS_SNAPSHOT=0 "$STINT" status --json "$@") || fail "$what: status from stintd failed"
	python3 - "$what" "$a" "$b" <<'PY'
import json, sys
what, a, b = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
times = ("active_s", "paused_s", "idle_s", "down_s", "suspended_s", "wall_s")
for r in (a, b):
    del r["daemon"]["uptime_s"]
sa, sb = a.pop("sessions"), b.pop("sessions")
if a != b:
    sys.exit(f"FAIL: {what}: replies differ:\nsnapshot {a}\nstintd   {b}")
if len(sa) != len(sb):
    sys.exit(f"FAIL: {what}: {len(sa)} sessions from the snapshot, {len(sb)} from stintd")
for x, y in zip(sa, sb):
    for k in times:
        if abs(x[k] - y[k]) > 1:
            sys.exit(f"FAIL: {what}: {k} {x[k]} from the snapshot, {y[k]} from stintd")
        del x[k], y[k]
    # A state may turn (active to idle) between the two reads; then its times say so.
    if x["state"] != y["state"] and {x["state"], y["state"]} == {"active", "idle"}:
        x["state"] = y["state"]
    if x != y:
        sys.exit(f"FAIL: {what}: session differs:\nsnapshot {x}\nstintd   {y}")
PY
}

inode() { stat -c '%i' "$SNAP"; }

make_repo "$T/a"
make_repo "$T/b"
cd "$T/a"
daemon_start
wait_for 10 test -s "$SNAP" || fail "no snapshot at $SNAP after start-up"
expect_eq "-rw-------" "$(stat -c '%A' "$SNAP")" "the snapshot's mode"
same_answer "no session"
no=$("$STINT" status)
expect_eq "No open session." "$no" "status with no session, from the snapshot"

"$STINT" start --focus "snap test" >/dev/null
wait_seen "$T/a"
same_answer "active, all sessions"
same_answer "active, -C" -C "$T/a"
short=$("$STINT" status --short)
expect_eq "$(STINT_STATUS_SNAPSHOT=0 "$STINT" status --short)" "$short" "--short from both"

# A question does not rewrite it; a change does.
before=$(inode)
for _ in $(seq 10); do "$STINT" status --short >/dev/null; done
expect_eq "$before" "$(inode)" "the snapshot's inode after 10 questions"
"$STINT" note "a note" >/dev/null
wait_for 10 grep -q '"notes":1' "$SNAP" || fail "the note is not in the snapshot: $(cat "$SNAP")"
[ "$before" != "$(inode)" ] || fail "the snapshot was not replaced after a note"
same_answer "after a note"

"$STINT" pause >/dev/null
wait_for 10 grep -q '"state":"paused"' "$SNAP" || fail "paused is not in the snapshot"
same_answer "paused"
"$STINT" resume >/dev/null
same_answer "resumed"

# The segment drawn right after a command shows what the command did, every time: stintd
# brings the snapshot up to date before it replies.
for i in $(seq 20); do
	"$STINT" pause >/dev/null
	expect_eq "⏸" "$("$STINT" status --format '{icon}')" "the segment right after pause ($i)"
	"$STINT" resume >/dev/null
	expect_eq "●" "$("$STINT" status --format '{icon}')" "the segment right after resume ($i)"
done
for i in $(seq 10); do
	"$STINT" start -C "$T/b" >/dev/null
	expect_eq "1" "$("$STINT" status --format '{others}' --all)" "others right after start ($i)"
	"$STINT" cancel -C "$T/b" >/dev/null
	expect_eq "" "$("$STINT" status --short -C "$T/b")" "the segment right after cancel ($i)"
done

# Idle after 3 s without activity: the snapshot turns idle by itself, without a new file.
before=$(inode)
idle_now() { [ "$(field "$("$STINT" status --json -C "$T/a")" state)" = idle ]; }
wait_for 20 idle_now || fail "the session never turned idle: $("$STINT" status --json)"
expect_eq "$before" "$(inode)" "the snapshot's inode when the session turned idle"
same_answer "idle"

# A second repository; a commit in the first.
"$STINT" start -C "$T/b" >/dev/null
wait_seen "$T/b"
same_answer "two sessions"
same_answer "two sessions, -C b" -C "$T/b"
same_answer "a subdirectory of no session" -C /
printf 'more\nlines\n' >>"$T/a/README"
git -C "$T/a" commit -qam "more lines"
wait_seen "$T/a"
same_answer "after a commit"
expect_eq "$(git -C "$T/a" rev-list --count HEAD^..HEAD)" \
	"$(field "$("$STINT" status --json -C "$T/a")" commits)" "commits from the snapshot"

# Killed with -9: the file stays, nobody holds it, nothing believes it.
daemon_kill9
[ -e "$SNAP" ] || fail "the snapshot vanished with a kill -9 (the test would prove nothing)"
seg_out=$("$STINT" status --short) || fail "--short with a dead stintd failed"
expect_eq "" "$seg_out" "--short with a stintd killed by -9"
stint_run status
expect_eq 1 "$rc" "status with a stintd killed by -9 (no autostart)"
expect_contains "$err" "cannot reach stintd" "status with a stintd killed by -9"

# Planted files, each held by a lock as stintd holds its own, and a valid one as a control.
planted='{"v":1,"started_mono_ns":1,"reply":{"v":1,"ok":true,"daemon":{"pid":1,"version":"x"},"notify":"disabled","sessions":[{"id":9,"repo":"'"$T/a"'","repo_name":"a","branch":"planted","focus":"planted","state":"active","active_s":0,"paused_s":0,"idle_s":0,"down_s":0,"suspended_s":0,"wall_s":0,"snap":{"mono_ns":1,"boot_ns":1,"regime":"idle","idle_in_ns":-1,"at":[0,0,0,0,0,0],"at_idle":[0,0,0,0,0,0]}}]}}'
hold() { # file: locks it from another process until unhold
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "rb+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(600)' "$1" "$T/held" &
	HOLDER=$!
	wait_for 10 test -e "$T/held" || fail "the lock holder did not start"
}
unhold() {
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
	rm -f "$T/held"
}
planted_case() { # what: the file at $SNAP is set up; the segment must print nothing
	local out
	out=$("$STINT" status --short 2>&1) || fail "$1: --short failed: $out"
	expect_eq "" "$out" "$1: --short believed a planted snapshot"
}

rm -f "$SNAP"
printf '%s' "$planted" >"$SNAP"
chmod 600 "$SNAP"
hold "$SNAP"
expect_contains "$("$STINT" status --short)" "planted" "control: a held snapshot of ours is read"
unhold
planted_case "the same file, held by nobody"

printf '%s' "$planted" >"$T/real"
chmod 600 "$T/real"
rm -f "$SNAP" && ln -s "$T/real" "$SNAP"
hold "$T/real"
planted_case "a symlink to a held snapshot"
unhold

rm -f "$SNAP" && cp "$T/real" "$SNAP" && chmod 666 "$SNAP"
hold "$SNAP"
planted_case "a snapshot others may write"
unhold

rm -f "$SNAP" && printf '%s' "${planted%\}}" >"$SNAP" && chmod 600 "$SNAP"
hold "$SNAP"
planted_case "a malformed snapshot"
unhold

rm -f "$SNAP" && head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$SNAP" && chmod 600 "$SNAP"
hold "$SNAP"
planted_case "a snapshot of 5 MiB"
unhold

rm -f "$SNAP" && mkfifo -m 600 "$SNAP"
timeout 10 "$STINT" status --short >"$T/out" 2>&1 || fail "--short on a FIFO snapshot: $(cat "$T/out")"
expect_eq "" "$(cat "$T/out")" "a FIFO snapshot"
rm -f "$SNAP"

# Back up: the sessions are restored, a new snapshot is written; a clean exit removes it.
daemon_start
wait_for 10 test -s "$SNAP" || fail "no snapshot after the restart"
same_answer "after a restart"
daemon_stop
[ ! -e "$SNAP" ] || fail "the snapshot outlived a clean exit"
