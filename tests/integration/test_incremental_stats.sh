#!/usr/bin/env bash
# Issue 16, incremental recomputes: after a full compute, a change of a few worktree files is
# recomputed over the last result's paths and the touched ones only (docs/git-statistics.md).
# Each step below (edits among many files, git mv and plain mv, a delete, a new untracked file,
# an ignored file, tracked files that match .gitignore, a revert, a .gitignore edit, a moved
# directory, a file tracked in an ignored directory) must leave `stint status --json` equal to
# git's `git diff -M --numstat <baseline>` with untracked files counted, and the debug log must
# say which recomputes were incremental.
# The test build (STINT_TEST_HOOKS) also checks every incremental result against a full one and
# logs any difference (and aborts when no later report explains it).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

R="$T/many"
make_repo "$R"
cd "$R"
for d in src lib doc; do
	mkdir -p "$d"
	for i in $(seq 1 60); do
		seq 1 $((i % 7 + 3)) | sed "s/^/$d $i line /" >"$d/f$i.txt"
	done
done
printf '*.log\nbuild/\n' >.gitignore
mkdir -p build
printf 'kept\n' >build/keep.txt
printf 'tracked log\n' >tracked.log
git add -A
git add -f build/keep.txt tracked.log
git commit -qm "many files"

daemon_start
"$STINT" start --focus incremental >/dev/null
base=$("$STINT" status --json | json_get '["sessions"][0]["baseline"]')
[ -n "$base" ] && [ "$base" != null ] || fail "no baseline tree"

# git's numbers: the worktree (untracked files as if added with -N, in a private index)
# against the baseline tree: "files added removed".
git_numbers() {
	cp .git/index "$T/idx"
	GIT_INDEX_FILE="$T/idx" git add -A -N
	GIT_INDEX_FILE="$T/idx" git diff -M --numstat "$base" |
		awk '{ n++; if ($1 != "-") { a += $1; r += $2 } } END { print n + 0, a + 0, r + 0 }'
}

stint_numbers() {
	local j
	j=$("$STINT" status --json)
	echo "$(field "$j" files_changed) $(field "$j" added) $(field "$j" removed)"
}

incremental_count() { grep -c "incremental recompute over" "$DAEMON_LOG" || true; }
full_count() { grep -c "full recompute (" "$DAEMON_LOG" || true; }

# The first compute is a full one.
wait_for 20 grep -q "full recompute (" "$DAEMON_LOG" || fail "no first full recompute"

same_numbers() { [ "$(stint_numbers)" = "$(git_numbers)" ]; }

# step WHAT incremental|full: waits until a recompute of that kind ran since the change and
# stintd's numbers equal git's.
step() {
	local what=$1 kind=$2 want
	if [ "$kind" = incremental ]; then
		want=$((INC + 1))
		wait_for 20 bash -c "[ \$(grep -c 'incremental recompute over' '$DAEMON_LOG') -ge $want ]" ||
			fail "$what: no incremental recompute; log: $(grep recompute "$DAEMON_LOG" | tail -n 5)"
	else
		want=$((FULL + 1))
		wait_for 20 bash -c "[ \$(grep -c 'full recompute (' '$DAEMON_LOG') -ge $want ]" ||
			fail "$what: no full recompute; log: $(grep recompute "$DAEMON_LOG" | tail -n 5)"
	fi
	wait_for 20 same_numbers ||
		fail "$what: stint says [$(stint_numbers)], git says [$(git_numbers)] (files added removed)"
	INC=$(incremental_count)
	FULL=$(full_count)
}

INC=$(incremental_count)
FULL=$(full_count)
same_numbers || fail "at the start: stint [$(stint_numbers)], git [$(git_numbers)]"

# Racy git: a change in the second the index was written is still seen.
sleep 1.1
printf 'an edit\n' >>src/f3.txt
sed -i 's/line 2$/line two/' lib/f10.txt
step "two edits among many" incremental

mv doc/f5.txt doc/f5-moved.txt
step "a plain mv" incremental

rm src/f7.txt
step "a delete" incremental

printf 'new\nfile\n' >src/new.txt
step "a new untracked file" incremental

printf 'noise\n' >ignored.log
printf 'more\n' >>src/f3.txt
step "an ignored file beside an edit" incremental

printf 'more log\n' >>tracked.log
step "a tracked file that .gitignore matches" incremental

printf 'more kept\n' >>build/keep.txt
step "a tracked file in an ignored directory" incremental

git show HEAD:lib/f10.txt >lib/f10.txt
step "an edit reverted" incremental

git mv src/f9.txt src/f9-renamed.txt
step "git mv (the index changed)" full

printf 'changed\n' >>lib/f11.txt
step "an edit after the full one" incremental

printf 'src/new.txt\n' >>.gitignore
step "a .gitignore edit" full

mv lib "$T/lib-away"
step "a directory moved away" full

mv "$T/lib-away" lib
printf 'last\n' >>lib/f12.txt
step "the directory back (its files reported), an edit" incremental

printf 'after\n' >>doc/f1.txt
step "an edit after the directory came back" incremental

# An ignored directory with nothing tracked is not watched; once git tracks a file there, it
# must be, or its edits would go unseen (and no full recompute would come to catch them).
mkdir -p out
printf 'x\n' >out/a.txt
printf 'out/\n' >>.gitignore
step "an ignored directory" full
git add -f out/a.txt
step "a file of an ignored directory tracked (git add -f)" full
sleep 1.1
printf 'more\n' >>out/a.txt
step "an edit of it" incremental

# Kept directory listings (docs/git-statistics.md): a full recompute reads again only the
# directories that changed since the last one; a listing is kept once its directory is 2 s
# older than the scan (timestamps are coarse). Wait until none changed for that long.
newest_dir_change() { find . -path ./.git -prune -o -type d -printf '%C@\n' | sort -n | tail -n 1; }
settled() { python3 -c "import sys, time; sys.exit(time.time() - $(newest_dir_change) <= 2.2)"; }
last_full() { grep "full recompute (" "$DAEMON_LOG" | tail -n 1; }
ndirs=$(find . -path ./.git -prune -o -type d -print | wc -l)
wait_for 10 settled || fail "the directories kept changing"
printf 'committed\n' >>doc/f2.txt
git commit -qm "a commit" doc/f2.txt
step "a commit (every listing kept from now on)" full
dirs_read() { last_full | awk '{ print $(NF - 6) }'; }
dirs_kept() { last_full | awk '{ print $(NF - 3) }'; }
[ $(($(dirs_read) + $(dirs_kept))) = "$ndirs" ] ||
	fail "the first full recompute after the wait: $(last_full) ($ndirs directories)"
git commit -q --allow-empty -m "an empty commit"
step "an empty commit" full
[ "$(dirs_read) $(dirs_kept)" = "0 $ndirs" ] ||
	fail "an empty commit read directories: $(last_full) ($ndirs directories)"
printf 'late\n' >doc/late.txt
rm lib/f20.txt
mkdir -p newdir && printf 'inside\n' >newdir/inside.txt
printf 'committed too\n' >>src/f2.txt
git commit -qm "another commit" src/f2.txt
step "a commit after changes in three directories" full
# The root (newdir), doc, lib and newdir are read, by this full recompute or one before it;
# the others come from their listings.
[ "$(dirs_kept)" -ge $((ndirs - 3)) ] ||
	fail "the full recompute with kept listings: $(last_full) ($ndirs directories before)"
mv newdir/inside.txt newdir/renamed.txt
git commit -q --allow-empty -m "an empty commit"
step "a rename in a directory read last time, then a commit" full

! grep -q "differ from a full recompute" "$DAEMON_LOG" ||
	fail "an incremental result differed from the full one: $(grep -A2 'differ from a full' "$DAEMON_LOG" | head -n 6)"
kill -0 "$DAEMON_PID" || fail "stintd died"
"$STINT" stop >/dev/null
daemon_stop
echo "ok: $(incremental_count) incremental, $(full_count) full recomputes"
