#!/usr/bin/env bash
# Live repository activity through the real daemon: status numbers follow the repository within
# seconds and equal git's own (`git diff -M --numstat <baseline>` with untracked files counted),
# commits and branch switches land in the log, and a lost watch budget degrades gracefully.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# git's numbers for the session: the worktree (untracked files intent-to-added, in a copy so the
# user's index is never touched) against the session's baseline tree.
git_numbers() { # repo baseline -> "files added removed"
	rm -rf "$T/copy"
	cp -a "$1" "$T/copy"
	git -C "$T/copy" add -A -N
	git -C "$T/copy" diff -M --numstat "$2" |
		awk '{ f++; if ($1 != "-") { a += $1; r += $2 } } END { printf "%d %d %d\n", f, a, r }'
}


# Waits for the daemon's numbers to equal git's (the contract: refreshed within 2 s of settling).
expect_git_numbers() { # repo what
	local want got i
	want=$(git_numbers "$1" "$base")
	for i in $(seq 1 100); do
		got=$("$STINT" status --json -C "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)["sessions"][0]
print(s["files_changed"], s["added"], s["removed"])')
		[ "$got" = "$want" ] && return 0
		sleep 0.05
	done
	fail "$2: stint says [$got], git says [$want]"
}

make_repo "$T/r"
cd "$T/r"
# Work that was there before the session is not the session's.
printf 'pre-existing edit\n' >>README
printf 'untracked before\n' >before.txt
mkdir -p ignored && printf 'ignored/\n' >.gitignore && git add .gitignore && git commit -qm ignore
printf 'x\n' >ignored/junk

daemon_start
# The start's own reply already shows the watch the session got.
reply=$("$STINT" start --focus activity --json)
expect_eq ok "$(echo "$reply" | json_get '["session"]["watch"]')" "watch state in the start's reply"
json=$("$STINT" status --json)
base=$(echo "$json" | json_get '["sessions"][0]["baseline"]')
[ -n "$base" ] && [ "$base" != null ] || fail "status has no baseline"
expect_eq main "$(echo "$json" | json_get '["sessions"][0]["branch"]')" "branch"
expect_eq "$(git rev-parse HEAD)" "$(echo "$json" | json_get '["sessions"][0]["head"]')" "head"
expect_eq ok "$(echo "$json" | json_get '["sessions"][0]["watch"]')" "watch state"
expect_eq 0 "$(echo "$json" | json_get '["sessions"][0]["files_changed"]')" "nothing changed yet"

# Modify, add, delete, rename with an edit, binary, spaces and unicode in names, nested dirs.
seq 1 50 >lines.txt
git add lines.txt && git commit -qm "add lines"
printf 'more\n' >>README
mkdir -p "src/deep er/ünï"
printf 'int main;\n' >"src/deep er/ünï/new file.c"
head -c 2048 /dev/urandom >blob.bin
expect_git_numbers "$T/r" "edits, new dirs, binary"
git mv lines.txt moved.txt
sed -i '3d' moved.txt
printf 'junk\n' >>ignored/junk
expect_git_numbers "$T/r" "rename with edit"
git add -A && git commit -qm "second commit"
git checkout -qb feature
printf 'on feature\n' >feature.txt
git add feature.txt && git commit -qm "feature work"
git commit -q --amend -m "feature work, amended"
expect_git_numbers "$T/r" "after commits, a branch switch and an amend"
json=$("$STINT" status --json)
expect_eq feature "$(echo "$json" | json_get '["sessions"][0]["branch"]')" "branch after switch"
expect_eq "$(git rev-list --count "main~2..feature")" \
	"$(echo "$json" | json_get '["sessions"][0]["commits"]')" "session commits vs git rev-list"

# The log keeps the commits and the switch in its timeline.
log=$("$STINT" stop | tail -n 1)
grep -q "feature work, amended" "$log" || fail "log lacks the session's commit"
daemon_stop

# A watch budget too small for the worktree: degraded, but the numbers still follow (git-dir
# events plus a periodic rescan).
if "$STINTD" --version | grep -q "test hooks"; then
	make_repo "$T/d"
	mkdir -p "$T/d"/{a,b,c,d,e}/{x,y}
	STINT_TEST_MAX_WATCHES=3 STINT_TEST_RESCAN_MS=300 daemon_start
	"$STINT" start -C "$T/d" >/dev/null
	base=$("$STINT" status --json -C "$T/d" | json_get '["sessions"][0]["baseline"]')
	wait_for 5 bash -c "'$STINT' status --json -C '$T/d' | grep -q '\"watch\": *\"degraded\"'" ||
		fail "watch not degraded with a budget of 3: $("$STINT" status --json -C "$T/d")"
	printf 'deep change\n' >"$T/d/e/y/f.txt"
	expect_git_numbers "$T/d" "degraded mode rescan"
	"$STINT" stop -C "$T/d" --no-log >/dev/null
	daemon_stop
else
	echo "note: stintd built without STINT_TEST_HOOKS; degraded mode not exercised"
fi
echo ok
