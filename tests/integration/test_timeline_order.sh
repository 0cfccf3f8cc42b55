#!/usr/bin/env bash
# The Activities timeline tells what happened in the order git says it happened: branch
# switches, commits and pulls in HEAD's reflog order (`git reflog`), whatever the debounce or
# recompute timing; quick round trips inside one debounce window are kept; a pull that makes a
# merge is the pull, not the user's commit; no "main (unborn) → main" after a first commit; and a
# kill -9 of the daemon neither repeats nor loses an entry.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# The session's part of HEAD's reflog (entries after the first $2), oldest first, as the timeline
# should tell it: "branch:<to>", "commit:<hash7>", "pull:<commits brought>".
git_sequence() { # repo entries_at_start
	git -C "$1" reflog --date=unix --format='%H %gs' | tac | tail -n +"$(($2 + 1))" |
		while read -r oid msg; do
			case $msg in
			"checkout: moving from "*)
				local to=${msg##* to }
				[ "$to" = "${msg#checkout: moving from }" ] || echo "branch:$to"
				;;
			"Branch: renamed "*) echo "branch:${msg##*refs/heads/}" ;;
			"pull"*"Merge made by"* | "pull: Fast-forward"* | "pull"*"(start)"*)
				echo "pull:$(git -C "$1" rev-list --count "$prev..$oid")"
				;;
			# A commit still on a branch (a rebase replaces the original).
			commit* | "pull"*"(pick)"*)
				[ -z "$(git -C "$1" branch --contains "$oid")" ] || echo "commit:${oid:0:7}"
				;;
			esac
			prev=$oid
		done
}

# The same read back from the log's Activities section.
log_sequence() { # log
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
acts = text.split("## Activities", 1)[1].split("\n## ", 1)[0]
for line in acts.splitlines():
    m = re.search(r"Switched branch: (?:.* → )?(.*?)\*\*", line)
    if m:
        print("branch:" + m.group(1).replace("\\", ""))
        continue
    m = re.search(r"Pulled (\d+) commits?", line)
    if m:
        print("pull:" + m.group(1))
        continue
    m = re.search(r"`([0-9a-f]{7})`", line)
    if m:
        print("commit:" + m.group(1))
PY
}

# What a failure prints: the log's Activities section.
acts() { sed -n '/^## Activities/,/^## Key/p' "$1"; }

# expect_eq with the log's Activities shown on failure.
expect_seq() { # want log what
	local got
	got=$(log_sequence "$2")
	[ "$1" = "$got" ] || fail "$3: git says [$1], the log says [$got] in:
$(acts "$2")"
}

reflog_len() { git -C "$1" reflog | wc -l; }

# The header's Branch as git tells it: the start's branch, then each switch's.
git_branches() { # start_branch sequence
	{
		echo "$1"
		printf '%s\n' "$2" | sed -n 's/^branch://p'
	} | sed ':a;N;$!ba;s/\n/ → /g'
}

header_branch() { sed -n 's/^\*\*Branch:\*\* *//p' "$1" | sed 's/ *$//'; }

# Three branch-then-commit steps a second apart: each switch comes before its commit.
case_order() {
	make_repo "$T/o5"
	cd "$T/o5"
	echo base >f.c && git add f.c && git commit -qm "f.c"
	n0=$(reflog_len "$T/o5")
	"$STINT" start --focus order >/dev/null
	for t in 1 2 3; do
		git checkout -q -b "fix/o5-$t" && echo x >>f.c && git commit -qam "o5 commit $t"
		# Noted before the daemon's recompute finds the commit (it waits for 300 ms of quiet).
		[ $t != 3 ] || "$STINT" note "after the three commits"
		sleep 1
	done
	wait_seen "$T/o5"
	# A crash after the daemon recorded them: the restarted one must not record them again.
	daemon_kill9
	daemon_start
	echo y >>f.c && git commit -qam "o5 after the restart"
	wait_seen "$T/o5"
	log=$("$STINT" stop | tail -n 1)
	want=$(git_sequence "$T/o5" "$n0")
	expect_seq "$want" "$log" "o5: timeline order against git reflog"
	# The note came after the third commit and before the one made after the restart.
	python3 - "$log" "$(git -C "$T/o5" rev-parse --short=7 HEAD~1)" "$(git -C "$T/o5" rev-parse --short=7 HEAD)" <<-'PY' || fail "o5: the note is out of place: $(acts "$log")"
	import sys
	acts = open(sys.argv[1], encoding="utf-8").read().split("## Activities", 1)[1]
	note = acts.index("after the three commits")
	assert acts.index(sys.argv[2]) < note < acts.index(sys.argv[3])
	PY
	expect_eq "$(git_branches main "$want")" "$(header_branch "$log")" "o5: header Branch"
}

# Round trips inside one debounce window: out to fix/a, a commit, back to main; the last one
# right before the stop, which only the stop's own recompute sees.
case_round_trip() {
	make_repo "$T/rt"
	cd "$T/rt"
	git branch fix/b
	n0=$(reflog_len "$T/rt")
	"$STINT" start -C "$T/rt" >/dev/null
	git checkout -q -b fix/a && echo a >>README && git commit -qam "on fix/a" && git checkout -q main
	wait_for 20 bash -c "'$STINT' status --json -C '$T/rt' | grep -q '\"commits\": *1'" ||
		fail "round trip: the commit was not seen: $("$STINT" status --json -C "$T/rt")"
	sleep 1
	git checkout -q -b fix/c && echo c >>README && git commit -qam "on fix/c" && git checkout -q fix/b
	# A rename is a change of branch too (git writes it to HEAD's reflog in two halves).
	git branch -m fix/b fix/renamed
	log=$("$STINT" stop -C "$T/rt" | tail -n 1)
	want=$(git_sequence "$T/rt" "$n0")
	expect_seq "$want" "$log" "round trip: timeline against git reflog"
	expect_contains "$want" "branch:fix/a" "round trip: git's own sequence"
	expect_eq "$(git_branches main "$want")" "$(header_branch "$log")" "round trip: header Branch"
}

# A pull between the user's own commits, one that merges: placed where the reflog puts it;
# the merge commit is part of the pull, never listed as the user's commit.
case_pull() {
	git init -q --bare "$T/up.git"
	make_repo "$T/seed"
	git -C "$T/seed" push -q "$T/up.git" main
	git clone -q "$T/up.git" "$T/pl"
	git clone -q "$T/up.git" "$T/other"
	cd "$T/pl"
	n0=$(reflog_len "$T/pl")
	start_head=$(git rev-parse HEAD)
	"$STINT" start -C "$T/pl" >/dev/null
	echo mine1 >mine.txt && git add mine.txt && git commit -qm "mine before the pull"
	sleep 1
	(cd "$T/other" && seq 1 5 >theirs.txt && git add theirs.txt && git commit -qm theirs1 &&
		echo more >>theirs.txt && git commit -qam theirs2 && git push -q origin main)
	git pull -q --no-rebase --no-edit
	merge=$(git rev-parse --short=7 HEAD)
	sleep 1
	echo mine2 >>mine.txt && git commit -qam "mine after the pull"
	sleep 1
	# A pull --rebase: theirs first, then the user's commit rewritten on top.
	(cd "$T/other" && git pull -q --no-rebase --no-edit && echo third >>theirs.txt &&
		git commit -qam theirs3 && git push -q origin main)
	git pull -q --rebase
	wait_seen "$T/pl"
	log=$("$STINT" stop -C "$T/pl" | tail -n 1)
	want=$(git_sequence "$T/pl" "$n0")
	expect_seq "$want" "$log" "pull: timeline against git reflog"
	grep -q "$merge" "$log" && fail "pull: the merge commit $merge is listed as the user's: $(grep "$merge" "$log")"
	mine=$(git rev-list --count --no-merges "$start_head..HEAD" ^origin/main)
	expect_eq 2 "$mine" "pull: the test's own premise (two commits of mine)"
	expect_eq "$mine" "$(sed -n 's/^- \*\*Commits\*\*: //p' "$log")" "pull: the user's commits (git rev-list --no-merges)"
}

# A branch made in the session, then renamed: the old name is gone, and no "detached at 0000000"
# stands in for it.
case_rename() {
	make_repo "$T/rn"
	cd "$T/rn"
	n0=$(reflog_len "$T/rn")
	"$STINT" start -C "$T/rn" >/dev/null
	git checkout -q -b feat && echo f >>README && git commit -qam "on feat"
	sleep 1
	git branch -m feat feat2
	log=$("$STINT" stop -C "$T/rn" | tail -n 1)
	want=$(git_sequence "$T/rn" "$n0")
	expect_seq "$want" "$log" "rename: timeline against git reflog"
	! grep -q "detached at" "$log" || fail "rename: $(grep 'detached at' "$log")"
	expect_eq "$(git_branches main "$want")" "$(header_branch "$log")" "rename: header Branch"
}

# A new repository: the first commit is no branch switch.
case_unborn() {
	mkdir "$T/new" && cd "$T/new" && git init -q
	"$STINT" start -C "$T/new" >/dev/null
	echo first >a.txt && git add a.txt && git commit -qm first
	wait_seen "$T/new"
	log=$("$STINT" stop -C "$T/new" | tail -n 1)
	# The record line keeps the branch as it was at start, "main (unborn)": the rest may not.
	! grep -q "unborn" <<<"$(template_text "$log")" ||
		fail "new repository: noise in the log: $(template_text "$log" | grep unborn)"
	expect_eq "$(git symbolic-ref --short HEAD)" "$(header_branch "$log")" "new repository: header Branch"
}

daemon_start
# TIMELINE_CASES picks some (to see one fail on its own); all by default.
for c in ${TIMELINE_CASES:-order round_trip pull unborn rename}; do
	"case_$c"
done
daemon_stop
echo ok
