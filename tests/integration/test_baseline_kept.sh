#!/usr/bin/env bash
# A session's baseline survives `git gc --prune=now` (docs/git-statistics.md, "Kept objects"):
# stintd copies the snapshot's objects HEAD lacks into STATE/baselines/ at the start, reads them
# while the session runs, removes them at the stop, and sweeps the ones no open session holds at
# start-up. Nothing the user sees in the repository changes.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

KEPT="$XDG_STATE_HOME/stint/baselines"
R="$T/repo"

kept_dirs() { # the directories stintd keeps, one per line
	find "$KEPT" -mindepth 1 -maxdepth 1 -type d -name '????????????-??????' 2>/dev/null | sort
}
kept_count_is() { [ "$(kept_dirs | grep -c .)" = "$1" ]; }

# Everything of the repository a user sees: refs, status, every commit, local config, alternates.
visible() {
	git -C "$R" for-each-ref
	git -C "$R" status --porcelain=v1 --branch
	git -C "$R" log --all --format='%H %s'
	git -C "$R" config --local --list
	cat "$R/.git/objects/info/alternates" 2>/dev/null || echo "no alternates"
}

# git's numbers from the baseline tree to the worktree, untracked files as added (a private
# index), reading the kept copy as an alternate object directory: "files added removed".
git_numbers() { # tree kept
	local idx="$T/git-index"
	cp "$R/.git/index" "$idx"
	GIT_INDEX_FILE="$idx" git -C "$R" add -N .
	GIT_INDEX_FILE="$idx" GIT_ALTERNATE_OBJECT_DIRECTORIES="$2" git -C "$R" diff -M --numstat "$1" |
		awk '{ f++; a += $1; r += $2 } END { print f + 0, a + 0, r + 0 }'
}

status_numbers() {
	"$STINT" status --json -C "$R" | python3 -c '
import json, sys
s = json.load(sys.stdin)["sessions"][0]
print(s["files_changed"], s["added"], s["removed"], s.get("git_error", ""))'
}
status_numbers_are() { [ "$(status_numbers)" = "$1 " ]; }

make_repo "$R"
printf 'one\ntwo\n' >>"$R/README"
seq 1 7 >"$R/fresh.txt"
before=$(visible)

daemon_start
"$STINT" start -C "$R" --focus "gc mid-session" >/dev/null
wait_for 10 kept_count_is 1 || fail "no kept baseline in $KEPT: $(ls -la "$KEPT" 2>&1)"
dir=$(kept_dirs)
tree=$("$STINT" status --json -C "$R" | json_get '["sessions"][0]["baseline"]')
expect_eq "${tree:0:12}" "$(basename "$dir" | cut -c1-12)" "the kept directory is named after the snapshot"
expect_eq "$before" "$(visible)" "what the user sees in the repository after the start"
expect_eq 700 "$(stat -c %a "$dir")" "the kept directory's mode"

# The snapshot's blobs (the edited README, the untracked file) exist only in the snapshot.
echo after >>"$R/fresh.txt"
git -C "$R" reflog expire --expire=now --all
git -C "$R" gc -q --prune=now
! git -C "$R" cat-file -e "$tree" 2>/dev/null || fail "git gc kept the snapshot: the test proves nothing"
want=$(git_numbers "$tree" "$dir")
[ "$want" != "0 0 0" ] || fail "git sees no change (the test is wrong)"
# gc rewrote refs and packed-refs: stintd recomputes, from the kept objects.
touch "$R/fresh.txt"
wait_for 20 status_numbers_are "$want" ||
	fail "status after git gc: expected [$want], got [$(status_numbers)]"
expect_eq "$before" "$(visible)" "what the user sees in the repository after git gc"

# kill -9, a stale directory of a crashed session, a file that is not stintd's: the start-up
# sweep removes the stale one alone.
daemon_kill9
mkdir -p "$KEPT/0123456789ab-Stale1/ab" && echo x >"$KEPT/0123456789ab-Stale1/ab/cd"
echo mine >"$KEPT/notes.txt"
daemon_start
wait_for 10 test ! -e "$KEPT/0123456789ab-Stale1" || fail "the stale kept baseline was not swept"
[ -d "$dir" ] || fail "the open session's kept baseline was swept"
[ -f "$KEPT/notes.txt" ] || fail "the sweep removed a file that is not a kept baseline"
grep -q "removed 1 kept baseline no open session holds" "$DAEMON_LOG" || fail "the sweep is not logged"

# The stop recomputes from the kept objects, then removes them.
log=$("$STINT" stop -C "$R" --no-checks | tail -n 1)
[ -f "$log" ] || fail "no log: $log"
got=$("$STINT" list --json -n 1 | python3 -c '
import json, sys
s = json.load(sys.stdin)["sessions"][0]
print(s["files"], s["added"], s["removed"])')
expect_eq "$want" "$got" "the closed session's numbers (recomputed at the stop, after gc)"
if grep -q "no longer in the repository" "$log"; then fail "the log says the snapshot is gone"; fi
wait_for 10 kept_count_is 0 || fail "the stop left its kept baseline: $(kept_dirs)"

# A cancelled session's kept baseline goes too.
"$STINT" start -C "$R" >/dev/null
wait_for 10 kept_count_is 1 || fail "no kept baseline for the second session"
"$STINT" cancel -C "$R" >/dev/null
wait_for 10 kept_count_is 0 || fail "cancel left its kept baseline"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo "ok"
