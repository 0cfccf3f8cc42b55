#!/usr/bin/env bash
# Issue 12, "Numbers that agree with each other": each commit's line in Activities shows the
# session's part of it, and says what the commit holds besides (work from before the session);
# with all the session's work committed the session parts add up to Statistics; Files Modified
# says what happened to each file (added, deleted, renamed from, mode changed, binary). Every
# number is git's: `git diff --numstat` against the baseline or the parents, `--name-status`,
# `--summary`. Run twice: with libgit2, and with diff.algorithm=histogram (the git fallback).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
EMPTY_TREE=$(git hash-object -t tree /dev/null)

# "A R" summed over numstat lines (binary files count no lines).
sum_numstat() { awk '$1 != "-" { a += $1; r += $2 } END { print a + 0, r + 0 }'; }

# The session's part of a commit, by the definition of docs/git-statistics.md, from git: per
# file the commit touched, its change from the baseline's version when no earlier commit of the
# session touched the file, else from the parent; a merge's file that another parent had as the
# merge has it is not the session's. Built as a tree in a private index, then diffed.
session_part() { # repo commit head0 ("" when unborn) baseline-tree
	local repo=$1 c=$2 head0=$3 base=$4 idx="$T/part-index" parent f k
	parent=$(git -C "$repo" rev-parse -q --verify "$c^1" || echo "$EMPTY_TREE")
	rm -f "$idx"
	GIT_INDEX_FILE="$idx" git -C "$repo" read-tree "$parent"
	while IFS= read -r -d '' f; do
		if [ "$parent" != "$EMPTY_TREE" ] &&
			[ -n "$(git -C "$repo" log --format=%H "${head0:+$head0..}$c^1" -- "$f")" ]; then
			continue
		fi
		GIT_INDEX_FILE="$idx" git -C "$repo" update-index --force-remove -- "$f"
		git -C "$repo" ls-tree -z "$base" -- "$f" |
			GIT_INDEX_FILE="$idx" git -C "$repo" update-index -z --index-info
	done < <(git -C "$repo" diff-tree -z -r --no-renames --name-only "$parent" "$c")
	# The other parents of a merge (rev-list prints the commit, then its parents).
	for k in $(seq 2 $(($(git -C "$repo" rev-list --no-walk --parents "$c" | wc -w) - 1))); do
		while IFS= read -r -d '' f; do
			git -C "$repo" diff-tree -z -r --no-renames --name-only "$c^$k" "$c" -- "$f" |
				grep -qz . && continue
			GIT_INDEX_FILE="$idx" git -C "$repo" update-index --force-remove -- "$f"
			git -C "$repo" ls-tree -z "$c" -- "$f" |
				GIT_INDEX_FILE="$idx" git -C "$repo" update-index -z --index-info
		done < <(git -C "$repo" diff-tree -z -r --no-renames --name-only "$parent" "$c")
	done
	git -C "$repo" diff-tree -r -M --numstat "$(GIT_INDEX_FILE="$idx" git -C "$repo" write-tree)" "$c" |
		sum_numstat
}

commit_numstat() { # repo commit: the whole commit against its first parent
	local parent
	parent=$(git -C "$1" rev-parse -q --verify "$2^1" || echo "$EMPTY_TREE")
	git -C "$1" diff-tree -r -M --numstat "$parent" "$2" | sum_numstat
}

# "+A -R", or "+A -R this session, +A2 -R2 in the commit" when they differ.
numbers() { # "A R" (session) "A R" (commit) noun
	local s=($1) w=($2)
	if [ "$1" = "$2" ]; then
		echo "+${s[0]} -${s[1]}"
	else
		echo "+${s[0]} -${s[1]} this session, +${w[0]} -${w[1]} in the $3"
	fi
}

# Each commit's line in Activities against git: the session's part, and the whole commit beside
# it when they differ. Sets SA SR (the parts' sums) and N.
check_commits() { # name repo log head0 base commits (oldest first)...
	local name=$1 R=$2 log=$3 head0=$4 base=$5 act c ses whole line a r
	shift 5
	act=$(section "$log" "## Activities")
	SA=0 SR=0 N=0
	for c in "$@"; do
		ses=$(session_part "$R" "$c" "$head0" "$base")
		whole=$(commit_numstat "$R" "$c")
		line=$(grep -F "\`$(git -C "$R" rev-parse --short=7 "$c")\`" <<<"$act") ||
			fail "$name: commit $c not in Activities:
$act"
		case "$line" in
		*", $(numbers "$ses" "$whole" commit))"*) ;;
		*) fail "$name: commit $(git -C "$R" log -1 --format=%s "$c"): want [$(numbers "$ses" "$whole" commit)] (git: session $ses, commit $whole) in: $line" ;;
		esac
		read -r a r <<<"$ses"
		SA=$((SA + a)) SR=$((SR + r)) N=$((N + 1))
	done
}

run_case() { # name [git config for the repository...]
	local name=$1 R="$T/$1" log json base head0 c act line ses whole st out
	shift
	make_repo "$R"
	cd "$R"
	for kv in "$@"; do git config "${kv%%=*}" "${kv#*=}"; done
	seq 1 10 >a.txt
	seq 1 6 >b.txt
	seq 1 79 >gone.txt
	seq 100 140 >old.txt
	printf '#!/bin/sh\necho run\n' >run.sh
	printf 'GIF89a\0\1\2\3\n' >img.bin
	seq 1 3 >"sp ace ü.txt"
	seq 1 3 >link.txt
	git config core.quotePath false
	git add -A
	git commit -qm "setup"
	# Work from before the session: uncommitted at the start, so part of the baseline.
	seq 11 19 >>a.txt
	echo before >>"sp ace ü.txt"

	"$STINT" start --focus "numbers $name" >/dev/null
	json=$("$STINT" status --json)
	base=$(echo "$json" | json_get '["sessions"][0]["baseline"]')
	head0=$(git rev-parse HEAD)
	[ -n "$base" ] && [ "$base" != null ] || fail "$name: status has no baseline: $json"

	# 1: the session adds 5 lines to a file that held 9 uncommitted ones at the start.
	seq 20 24 >>a.txt
	git commit -qm "a: five more" a.txt
	# 2: a file added, one deleted, one renamed with an edit, one made executable, a binary.
	seq 1 12 >new.txt
	git rm -q gone.txt
	git mv old.txt moved.txt
	sed -i 's/^120$/x/' moved.txt
	chmod +x run.sh
	printf 'GIF89a\0\4\5\6\n' >img.bin
	printf 'PNG\0\7\n' >logo.bin
	rm link.txt
	ln -s b.txt link.txt
	git add -A
	git commit -qm "kinds of change"
	# 3: a file the session changed before (from its parent), one it did not (the baseline),
	# and one with work from before the session and an odd name.
	sed -i '1i zero' a.txt
	sed -i 's/^3$/three/' b.txt
	echo during >>"sp ace ü.txt"
	git commit -qam "a again, b"
	# Commit times are whole seconds: the stop a second later comes after all three, which then
	# share one item.
	sleep 1.1

	out=$("$STINT" stop --json)
	log=$(echo "$out" | json_get '["log"]')
	[ -f "$log" ] || fail "$name: log $log not written"

	check_commits "$name" "$R" "$log" "$head0" "$base" $(git rev-list --reverse "$head0..HEAD")
	expect_eq 3 "$N" "$name: the session's commits"
	local sa=$SA sr=$SR
	act=$(section "$log" "## Activities")
	# The first commit holds the 9 lines from before the session.
	expect_contains "$act" "+5 -0 this session, +14 -0 in the commit" "$name: the pre-session work said"

	# All committed: the session parts add up to Statistics, which is git's baseline..HEAD.
	expect_eq "$(git diff -M --numstat "$base" HEAD | sum_numstat)" "$sa $sr" \
		"$name: the session parts' sum against git diff --numstat baseline HEAD"
	st=$(section "$log" "### Statistics")
	has_line "$st" "- **Lines added**: +$sa" "$name: Statistics added = sum of the session parts"
	has_line "$st" "- **Lines removed**: -$sr" "$name: Statistics removed = sum of the session parts"
	# The three commits are one item: its sum is the session's, the commits' beside it.
	expect_contains "$act" "$(numbers "$sa $sr" "$(git diff -M --numstat "$head0" HEAD | sum_numstat)" commits))" \
		"$name: the commits' item"

	# Files Modified: each file what git's --name-status, --summary and --numstat say.
	local rows status path old a r want kind
	rows=$(section "$log" "### Files Modified" | grep '^| `')
	expect_eq "$(git diff -M --name-status "$base" HEAD | wc -l)" "$(echo "$rows" | wc -l)" \
		"$name: Files Modified rows"
	while IFS=$'\t' read -r status path old; do
		[ -z "$old" ] || { local t=$path; path=$old; old=$t; }
		read -r a r < <(git diff -M --numstat "$base" HEAD -- ${old:+"$old"} "$path" | awk '{ print $1, $2 }')
		case "$status" in
		A) kind=added ;;
		D) kind=deleted ;;
		R*) kind="renamed from \`$old\`" ;;
		T) kind="type changed" ;;
		*) kind= ;;
		esac
		if [ "$a" = - ]; then
			want=${kind:+$kind, }binary
		else
			case "$status" in
			A) want="added, +$a" ;;
			D) want="deleted, -$r" ;;
			R*) want=$kind; [ "$a$r" = 00 ] || want="$want, +$a, -$r" ;;
			T) want="$kind, +$a, -$r" ;;
			*) want="+$a, -$r" ;;
			esac
		fi
		mode=$(git diff -M --summary "$base" HEAD -- "$path" | sed -n 's/^ mode change \([0-7]*\) => \([0-7]*\) .*/\1 → \2/p')
		# git's --summary shows a type change as a mode change: the row says "type changed".
		if [ -n "$mode" ] && [ "$status" != T ]; then
			# A mode change alone shows no lines.
			[ "$want" != "+0, -0" ] || want=
			want="${want:+$want, }mode changed $mode"
		fi
		grep -qF -- "| \`$path\` | $want |" <<<"$rows" ||
			fail "$name: Files Modified row of $path ($status, numstat $a $r, mode [$mode]): want [$want] in:
$rows"
	done < <(git diff -M --name-status "$base" HEAD)
	# Each kind was there to check.
	for k in "added, +12" "deleted, -79" "renamed from \`old.txt\`" "mode changed 100644 → 100755" \
		"| \`img.bin\` | binary |" "added, binary" "| \`link.txt\` | type changed, +1, -3 |"; do
		expect_contains "$rows" "$k" "$name: Files Modified has [$k]"
	done
	cd "$T"
}

# Statistics' lines: "A R".
stats_lines() { # log
	local st
	st=$(section "$1" "### Statistics")
	echo "$(sed -n 's/^- \*\*Lines added\*\*: +//p' <<<"$st") $(sed -n 's/^- \*\*Lines removed\*\*: -//p' <<<"$st")"
}

start_session() { # name: sets BASE
	local json
	"$STINT" start --focus "numbers $1" >/dev/null
	json=$("$STINT" status --json)
	BASE=$(echo "$json" | json_get '["sessions"][0]["baseline"]')
	[ -n "$BASE" ] && [ "$BASE" != null ] || fail "$1: status has no baseline: $json"
}

stop_session() { # name: sets LOG
	LOG=$("$STINT" stop --json | json_get '["log"]')
	[ -f "$LOG" ] || fail "$1: log $LOG not written"
}

# A new repository without a commit, with a file from before the session: the first (root)
# commit holds it, and only the session's lines are the session's.
run_unborn() { # name [git config...]
	local name=$1 R="$T/$1"
	shift
	mkdir -p "$R" && cd "$R" && git init -q
	for kv in "$@"; do git config "${kv%%=*}" "${kv#*=}"; done
	seq 1 9 >early.txt
	start_session "$name"
	seq 10 12 >>early.txt
	seq 1 4 >late.txt
	git add -A
	git commit -qm "first commit"
	# Disjoint lines: the parts add up.
	echo 13 >>early.txt
	git commit -qam "second commit"
	stop_session "$name"
	check_commits "$name" "$R" "$LOG" "" "$BASE" $(git rev-list --reverse HEAD)
	expect_eq 2 "$N" "$name: the session's commits"
	expect_contains "$(section "$LOG" "## Activities")" "+7 -0 this session, +16 -0 in the commit" \
		"$name: the root commit's pre-session file said"
	expect_eq "$(git diff -M --numstat "$BASE" HEAD | sum_numstat)" "$SA $SR" "$name: the parts' sum against git"
	expect_eq "$SA $SR" "$(stats_lines "$LOG")" "$name: Statistics = the parts' sum"
	cd "$T"
}

# A branch with work from before the session merged in: the merge commit is the session's, what
# it brings in is not, and the parts still add up to Statistics (the moved baseline).
run_merge() { # name [git config...]
	local name=$1 R="$T/$1" head0 side
	shift
	make_repo "$R"
	cd "$R"
	for kv in "$@"; do git config "${kv%%=*}" "${kv#*=}"; done
	seq 1 30 >s.txt
	seq 1 5 >m.txt
	git add -A
	git commit -qm "base"
	git checkout -q -b side
	sed -i 's/^20$/twenty/' s.txt
	seq 31 33 >>s.txt
	git commit -qam "side work"
	side=$(git rev-parse HEAD)
	git checkout -q main
	head0=$(git rev-parse HEAD)
	start_session "$name"
	seq 6 8 >>m.txt
	git commit -qam "main work"
	sleep 1 # the merge's reflog entry after the commit's
	git merge -q --no-edit side
	stop_session "$name"
	expect_eq 2 "$(git rev-parse HEAD^@ | wc -l)" "$name: a merge commit was made"
	check_commits "$name" "$R" "$LOG" "$head0" "$BASE" $(git rev-list --first-parent --reverse "$head0..HEAD")
	expect_eq 2 "$N" "$name: the session's commits"
	expect_contains "$(section "$LOG" "## Activities")" "+0 -0 this session, +4 -1 in the commit" \
		"$name: the merge's brought-in lines said"
	# The side's commit came from before the session: HEAD against it is the session's work.
	expect_eq "$(git diff -M --numstat "$side" HEAD | sum_numstat)" "$SA $SR" "$name: the parts' sum against git"
	expect_eq "$SA $SR" "$(stats_lines "$LOG")" "$name: Statistics = the parts' sum"
	cd "$T"
}

# HEAD's commit from the start is gone (amended, its reflog expired, pruned): the parts cannot be
# told apart, so each commit shows its own numbers, and the statistics still come.
run_gone() { # name [git config...]
	local name=$1 R="$T/$1" head0 c line
	shift
	make_repo "$R"
	cd "$R"
	for kv in "$@"; do git config "${kv%%=*}" "${kv#*=}"; done
	seq 1 4 >f.txt
	git add f.txt
	git commit -qm "start"
	head0=$(git rev-parse HEAD)
	start_session "$name"
	git commit -q --amend -m "start, reworded"
	echo 5 >>f.txt
	git commit -qam "after"
	git reflog expire --expire=now --all
	git gc -q --prune=now
	! git cat-file -e "$head0" 2>/dev/null || fail "$name: the start commit is still there (test is wrong)"
	stop_session "$name"
	c=$(git rev-parse HEAD)
	line=$(grep -F "\`$(git rev-parse --short=7 "$c")\`" "$LOG") || fail "$name: commit $c not in the log:
$(cat "$LOG")"
	read -r a r <<<"$(commit_numstat "$R" "$c")"
	expect_contains "$line" ", +$a -$r)" "$name: the commit's own numbers"
	expect_eq "$(git diff -M --numstat "$BASE" | sum_numstat)" "$(stats_lines "$LOG")" "$name: Statistics against git"
	cd "$T"
}

daemon_start
run_gone gone-lg2
run_gone gone-fallback diff.algorithm=histogram
run_case lg2
run_case fallback diff.algorithm=histogram
run_unborn unborn-lg2
run_unborn unborn-fallback diff.algorithm=histogram
run_merge merge-lg2
run_merge merge-fallback diff.algorithm=histogram
grep -q "running git instead" "$DAEMON_LOG" || fail "the fallback case did not run git (debug log)"
# A clean exit (under the sanitizers: nothing leaked, nothing overflowed).
daemon_stop
! grep -q "Sanitizer" "$DAEMON_LOG" || fail "sanitizer report in the daemon's log"
echo "ok"
