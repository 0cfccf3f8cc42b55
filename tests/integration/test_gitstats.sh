#!/usr/bin/env bash
# gitstats (daemon/gitstats.c) against git itself: for each case a real repository, a baseline
# taken by stint-gitstats, changes, then stint's numbers compared with what git prints for the
# same trees. Never numbers computed by hand.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment
. "$(dirname "$0")/gitstats-lib.sh" || exit 1

field() { summary "${@:2}" | awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }
listed() { "$TOOL" diff --commits "$1" "$BASE" | awk -F'\t' -v k="$2" '$1 == k { print $2 }' | sort; }

case_modify() {
	new_repo "$T/modify"
	take_baseline "$T/modify"
	sed -i 's/^1[0-4]$/changed/' "$T/modify/numbers.txt"
	echo appended >>"$T/modify/src/deep/f1.c"
	check_numstat "$T/modify" modify
}

case_add_delete() {
	new_repo "$T/adddel"
	take_baseline "$T/adddel"
	(
		cd "$T/adddel"
		seq 1 7 >untracked.txt
		mkdir -p newdir/sub && seq 1 3 >newdir/sub/deep.txt
		seq 1 5 >staged.txt && git add staged.txt
		rm lines.txt
		git rm -q src/deep/f2.c
		echo ignored.log >.gitignore
		seq 1 9 >ignored.log
	)
	check_numstat "$T/adddel" "add and delete"
	git_numstat "$T/adddel" "$(base_tree)" | tr '\0' '\n' | grep -q ignored.log && fail "git counted an ignored file"
	ours "$T/adddel" | grep -q ignored.log && fail "an ignored file was counted"
	true
}

case_renames() {
	new_repo "$T/ren"
	(
		cd "$T/ren"
		# Same basename in two directories, and a duplicate of a file's content.
		mkdir -p a b && seq 1 50 >a/dup.txt && seq 1 50 >b/dup.txt && seq 200 260 >a/other.txt
		git add -A && git commit -qm more
	)
	take_baseline "$T/ren"
	(
		cd "$T/ren"
		git mv lines.txt moved-exact.txt                      # staged, no edit
		mv numbers.txt numbers-moved.txt                      # unstaged: deleted + untracked
		sed -i 's/^2[0-3]$/x/' numbers-moved.txt              # with edits (still similar)
		mv small.txt tiny.txt && echo four >>tiny.txt         # small file, 3 of 4 lines kept
		mkdir -p c && mv a/dup.txt c/dup.txt                  # exact, same basename
		mv b/dup.txt c/dup2.txt && echo 51 >>c/dup2.txt       # inexact, other basename
		mv src/deep/f3.c src/f3-renamed.c && seq 1000 1100 >src/f3-renamed.c # too different
		mv a/other.txt other.txt                              # exact into the top directory
	)
	check_numstat "$T/ren" renames
	local out
	out=$(ours "$T/ren") || fail "renames: the second compute failed"
	printf '%s\n' "$out" | grep -q "'moved-exact.txt'" ||
		fail "renames: exact rename not detected in:
$out"
}

case_binary_mode_type() {
	new_repo "$T/bin"
	take_baseline "$T/bin"
	(
		cd "$T/bin"
		printf 'bin\0ary\1data changed, longer' >blob.bin
		head -c 3000 /dev/urandom >new.bin
		cp blob.bin copy-of-blob.bin
		chmod +x numbers.txt                       # mode only
		rm small.txt && ln -s numbers.txt small.txt # file -> symlink
		ln -s src link-to-dir                      # new symlink
	)
	check_numstat "$T/bin" "binary, mode and type changes"
	"$TOOL" diff --json "$T/bin" "$BASE" | json_get '["files"]' | python3 -c '
import json, sys
files = {f["path"]: f for f in json.load(sys.stdin)}
assert files["new.bin"]["binary"] and files["new.bin"]["added"] is None, files["new.bin"]
assert files["numbers.txt"]["status"] == "M" and files["numbers.txt"]["added"] == 0, files["numbers.txt"]
assert files["small.txt"]["status"] == "T", files["small.txt"]
' || fail "binary/mode/type: JSON fields"
}

case_names() {
	new_repo "$T/names"
	printf 'x\n' >"$T/names/caf$(printf '\xe9')-latin1.txt"
	git -C "$T/names" add -A && git -C "$T/names" commit -qm latin1
	take_baseline "$T/names"
	(
		cd "$T/names"
		seq 1 3 >"with space.txt"
		seq 1 4 >"ünïcødé ☃.txt"
		seq 1 5 >"$(printf 'new\nline.txt')"
		seq 1 6 >"$(printf 'tab\there.txt')"
		seq 1 7 >'quote"and\back.txt'
		mkdir -p "dir with space" && seq 1 8 >"dir with space/ü"
		echo y >>"caf$(printf '\xe9')-latin1.txt"
		git mv numbers.txt "renamed ü with space.txt"
	)
	check_numstat "$T/names" "odd names"
	# The JSON stays valid UTF-8 even for a Latin-1 name.
	"$TOOL" diff --json "$T/names" "$BASE" | python3 -c 'import json,sys; json.load(sys.stdin)' ||
		fail "odd names: JSON output is not valid"
}

case_commit_middle() {
	new_repo "$T/commit"
	take_baseline "$T/commit"
	(
		cd "$T/commit"
		seq 1 12 >feature.txt && sed -i 's/^3$/three/' numbers.txt
		git add -A && git commit -qm "first session commit"
		git mv small.txt small-renamed.txt && git commit -qm "second: a rename"
		echo more >>feature.txt # and uncommitted work on top
	)
	check_numstat "$T/commit" "commit in the middle"
	expect_eq 2 "$(field commits "$T/commit" "$BASE")" "commit in the middle: commits"
	expect_eq "$(git -C "$T/commit" rev-list HEAD~2..HEAD | sort)" "$(listed "$T/commit" commit)" \
		"commit in the middle: which commits"
	check_commit_stats "$T/commit" "commit in the middle"
}

case_branch_switch() {
	new_repo "$T/switch"
	(
		cd "$T/switch"
		git checkout -q -b feature
		seq 1 30 >feature-only.txt && echo f >>lines.txt
		git add -A && git commit -qm "feature work before the session"
		git checkout -q main
	)
	take_baseline "$T/switch"
	(
		cd "$T/switch"
		git checkout -q feature
		echo "session" >>small.txt
		git commit -qam "session commit on feature"
	)
	# The contract: the baseline against the worktree, whatever branch that is now.
	check_numstat "$T/switch" "branch switch"
	expect_eq feature "$(field branch "$T/switch" "$BASE")" "branch switch: branch"
	expect_eq 1 "$(field commits "$T/switch" "$BASE")" "branch switch: only the session's commit"
	expect_eq "$(git -C "$T/switch" rev-parse HEAD)" "$(listed "$T/switch" commit)" "branch switch: which"
	check_commit_stats "$T/switch" "branch switch"
}

case_amend_netzero() {
	new_repo "$T/amend"
	take_baseline "$T/amend"
	(
		cd "$T/amend"
		seq 1 5 >a.txt && git add a.txt && git commit -qm "wip"
		seq 1 6 >a.txt && git commit -qa --amend -m "done"
	)
	check_numstat "$T/amend" amend
	expect_eq 1 "$(field commits "$T/amend" "$BASE")" "amend: one commit"
	expect_eq "$(git -C "$T/amend" rev-parse HEAD)" "$(listed "$T/amend" commit)" "amend: the amended one"
	check_commit_stats "$T/amend" amend
	# Net zero: added then removed again, edited then restored.
	new_repo "$T/zero"
	take_baseline "$T/zero"
	seq 1 5 >"$T/zero/tmp.txt" && rm "$T/zero/tmp.txt"
	cp "$T/zero/lines.txt" "$T/zero/lines.bak" && echo x >>"$T/zero/lines.txt"
	mv "$T/zero/lines.bak" "$T/zero/lines.txt"
	check_numstat "$T/zero" "net zero" allow-empty
	expect_eq "0 0 0" "$(field files "$T/zero" "$BASE") $(field added "$T/zero" "$BASE") $(field removed "$T/zero" "$BASE")" "net zero"
}

case_unborn() {
	mkdir -p "$T/empty" && git -C "$T/empty" init -q
	take_baseline "$T/empty"
	expect_eq null "$(json_get '["head"]' <"$BASE")" "unborn: head"
	expect_eq "main (unborn)" "$(json_get '["branch"]' <"$BASE")" "unborn: branch"
	expect_eq "$EMPTY_TREE" "$(base_tree)" "unborn: empty tree"
	seq 1 3 >"$T/empty/first.txt"
	check_numstat "$T/empty" "unborn, untracked"
	git -C "$T/empty" add -A && git -C "$T/empty" commit -qm "first ever"
	seq 1 4 >"$T/empty/second.txt"
	check_numstat "$T/empty" "unborn, then a commit"
	expect_eq 1 "$(field commits "$T/empty" "$BASE")" "unborn: the first commit is the session's"
	check_commit_stats "$T/empty" unborn
}

case_worktree() {
	new_repo "$T/main-wt"
	git -C "$T/main-wt" worktree add -q -b wtbranch "$T/linked"
	echo "main dirty" >>"$T/main-wt/small.txt"
	take_baseline "$T/linked"
	(
		cd "$T/linked"
		echo linked >>numbers.txt && seq 1 3 >wt-new.txt
		git add -A && git commit -qm "commit in the linked worktree"
		echo again >>numbers.txt
	)
	check_numstat "$T/linked" "linked worktree"
	expect_eq wtbranch "$(field branch "$T/linked" "$BASE")" "linked worktree: branch"
	expect_eq 1 "$(field commits "$T/linked" "$BASE")" "linked worktree: commits"
	check_commit_stats "$T/linked" "linked worktree"
}

case_dirty_start() {
	new_repo "$T/dirty"
	# A clean worktree's baseline is HEAD's tree.
	take_baseline "$T/dirty"
	expect_eq "$(git -C "$T/dirty" rev-parse 'HEAD^{tree}')" "$(base_tree)" "clean start: HEAD's tree"
	(
		cd "$T/dirty"
		echo "already dirty" >>numbers.txt
		seq 1 9 >already-untracked.txt
		echo staged >>lines.txt && git add lines.txt && echo "then more" >>lines.txt
		git rm -q --cached small.txt # staged deletion, file still there (untracked now)
	)
	take_baseline "$T/dirty"
	check_numstat "$T/dirty" "dirty start, no session change" allow-empty
	expect_eq 0 "$(field files "$T/dirty" "$BASE")" "dirty start: nothing is the session's yet"
	echo "session line" >>"$T/dirty/numbers.txt"
	seq 1 2 >>"$T/dirty/already-untracked.txt"
	check_numstat "$T/dirty" "dirty start, session changes"
	expect_eq 2 "$(field files "$T/dirty" "$BASE")" "dirty start: only the session's files"
}

# Someone else pushes to the upstream; the user pulls. Their commits and lines are not ours.
setup_upstream() { # name
	git init -q --bare "$T/$1-up.git"
	new_repo "$T/$1-seed"
	git -C "$T/$1-seed" push -q "$T/$1-up.git" main
	git clone -q "$T/$1-up.git" "$T/$1"
	git clone -q "$T/$1-up.git" "$T/$1-other"
}

other_pushes() { # name
	(
		cd "$T/$1-other"
		seq 1 25 >theirs.txt && git add theirs.txt && git commit -qm "theirs 1"
		sed -i 's/^5$/five/' src/deep/f2.c && git commit -qam "theirs 2"
		git push -q origin main
	)
}

case_pull() {
	local want base_head
	# Fast-forward pull under uncommitted work.
	setup_upstream pullff
	take_baseline "$T/pullff"
	base_head=$(git -C "$T/pullff" rev-parse HEAD)
	echo mine >>"$T/pullff/numbers.txt"
	want=$(git_numstat "$T/pullff" "$(base_tree)" | norm)
	other_pushes pullff
	git -C "$T/pullff" pull -q --ff-only
	expect_eq "$want" "$(ours "$T/pullff")" "ff pull: only my lines"
	expect_eq 0 "$(field commits "$T/pullff" "$BASE")" "ff pull: no commits of mine"
	expect_eq "$(git -C "$T/pullff" rev-list --count "$base_head..HEAD")" "$(field pulled "$T/pullff" "$BASE")" "ff pull: pulled"

	# A pull that merges (my commit, their commits), and the merge commit.
	setup_upstream pullmerge
	take_baseline "$T/pullmerge"
	base_head=$(git -C "$T/pullmerge" rev-parse HEAD)
	(cd "$T/pullmerge" && seq 1 4 >mine.txt && git add mine.txt && git commit -qm mine)
	echo uncommitted >>"$T/pullmerge/lines.txt"
	want=$(git_numstat "$T/pullmerge" "$(base_tree)" | norm)
	other_pushes pullmerge
	git -C "$T/pullmerge" pull -q --no-rebase --no-edit
	expect_eq "$want" "$(ours "$T/pullmerge")" "merging pull: only my lines"
	# The merge the pull made is part of the pull, not the user's commit (issue 12).
	expect_eq 1 "$(field commits "$T/pullmerge" "$BASE")" "merging pull: my commit, not the merge"
	expect_eq "$(git -C "$T/pullmerge" rev-list --no-merges "$base_head..HEAD" --not origin/main | sort)" \
		"$(listed "$T/pullmerge" commit)" "merging pull: which are mine"
	expect_eq "$( (git -C "$T/pullmerge" rev-list "$base_head..origin/main" && git -C "$T/pullmerge" rev-parse HEAD) | sort)" \
		"$(listed "$T/pullmerge" pulled)" "merging pull: which are pulled (the merge with them)"
	check_commit_stats "$T/pullmerge" "merging pull"

	# A pull whose merge conflicts: the resolution is the user's work, on top of theirs. The
	# baseline was clean at the merge base, so the session's lines are git's diff from the
	# pulled tip to the worktree.
	setup_upstream pullconflict
	take_baseline "$T/pullconflict"
	(cd "$T/pullconflict" && sed -i 's/^1$/mine/' numbers.txt && git commit -qam mine)
	(
		cd "$T/pullconflict-other"
		sed -i 's/^1$/theirs/' numbers.txt && git commit -qam theirs && git push -q origin main
	)
	(
		cd "$T/pullconflict"
		! git pull -q --no-rebase --no-edit 2>/dev/null || fail "the pull did not conflict"
		sed -i '/^<<<<<<<\|^=======\|^>>>>>>>/d; s/^mine$/resolved/; /^theirs$/d' numbers.txt
		git commit -qam "Merge, resolved"
	)
	want=$(git_numstat "$T/pullconflict" origin/main | norm)
	[ -n "$want" ] || fail "conflicting pull: git sees no change (test is wrong)"
	expect_eq "$want" "$(ours "$T/pullconflict")" "conflicting pull: the resolution counts"
	expect_eq 1 "$(field commits "$T/pullconflict" "$BASE")" "conflicting pull: my commit"

	# fetch, then merge the remote-tracking branch by hand.
	setup_upstream mergert
	take_baseline "$T/mergert"
	(cd "$T/mergert" && seq 1 4 >mine.txt && git add mine.txt && git commit -qm mine)
	want=$(git_numstat "$T/mergert" "$(base_tree)" | norm)
	other_pushes mergert
	git -C "$T/mergert" fetch -q
	git -C "$T/mergert" merge -q --no-edit origin/main
	expect_eq "$want" "$(ours "$T/mergert")" "merge of origin/main: only my lines"
	expect_eq 1 "$(field commits "$T/mergert" "$BASE")" "merge of origin/main: mine, not the merge"
	expect_eq "$(git -C "$T/mergert" rev-list --count HEAD^1..HEAD)" "$(field pulled "$T/mergert" "$BASE")" \
		"merge of origin/main: pulled, the merge with them"

	# pull --rebase: my commit is rewritten on top of theirs and stays mine.
	setup_upstream rebase
	take_baseline "$T/rebase"
	(cd "$T/rebase" && seq 1 4 >mine.txt && git add mine.txt && git commit -qm mine)
	want=$(git_numstat "$T/rebase" "$(base_tree)" | norm)
	other_pushes rebase
	git -C "$T/rebase" pull -q --rebase
	expect_eq "$want" "$(ours "$T/rebase")" "pull --rebase: only my lines"
	expect_eq 1 "$(field commits "$T/rebase" "$BASE")" "pull --rebase: my commit"
	expect_eq "$(git -C "$T/rebase" rev-parse HEAD)" "$(listed "$T/rebase" commit)" "pull --rebase: the rewritten one"
	expect_eq 2 "$(field pulled "$T/rebase" "$BASE")" "pull --rebase: pulled"
	check_commit_stats "$T/rebase" "pull --rebase"

	# A local interactive-style rebase of my own commits (reword by rebase -x/--exec is enough).
	new_repo "$T/localrebase"
	take_baseline "$T/localrebase"
	(
		cd "$T/localrebase"
		seq 1 3 >r1.txt && git add r1.txt && git commit -qm r1
		seq 1 4 >r2.txt && git add r2.txt && git commit -qm r2
		GIT_SEQUENCE_EDITOR="sed -i 1s/^pick/reword/" GIT_EDITOR="sed -i 1s/r1/r1-reworded/" \
			git rebase -q -i HEAD~2 >/dev/null
	)
	check_numstat "$T/localrebase" "local rebase"
	expect_eq 2 "$(field commits "$T/localrebase" "$BASE")" "local rebase: both commits, rewritten"
	expect_eq "$(git -C "$T/localrebase" rev-list HEAD~2..HEAD | sort)" "$(listed "$T/localrebase" commit)" \
		"local rebase: the new ones"
	expect_eq 0 "$(field pulled "$T/localrebase" "$BASE")" "local rebase: nothing pulled"
}

# Work on another local branch before the session is not the session's once merged into HEAD.
setup_side() { # dir: main and a branch side, each with a commit the other lacks
	new_repo "$1"
	(
		cd "$1"
		git checkout -q -b side
		seq 1 20 >side.txt && sed -i 's/^7$/seven/' numbers.txt
		git add -A && git commit -qm "side, before the session"
		git checkout -q main
		echo "main, before the session" >>lines.txt && git commit -qam "main, before the session"
	)
}

case_local_merge() {
	local want base_head
	# A real merge of a branch that existed at the start; the session's own edits elsewhere.
	setup_side "$T/lmerge"
	take_baseline "$T/lmerge"
	base_head=$(git -C "$T/lmerge" rev-parse HEAD)
	(cd "$T/lmerge" && seq 1 4 >mine.txt && git add mine.txt && git commit -qm mine)
	echo uncommitted >>"$T/lmerge/small.txt"
	want=$(git_numstat "$T/lmerge" "$(base_tree)" | norm)
	git -C "$T/lmerge" merge -q --no-edit side
	git -C "$T/lmerge" rev-parse -q --verify HEAD^2 >/dev/null || fail "local merge: not a merge (test is wrong)"
	expect_eq "$want" "$(ours "$T/lmerge")" "local merge: only my lines"
	expect_eq 2 "$(field commits "$T/lmerge" "$BASE")" "local merge: my commit and the merge"
	expect_eq "$(git -C "$T/lmerge" rev-list "$base_head..HEAD" --not side | sort)" \
		"$(listed "$T/lmerge" commit)" "local merge: which are mine"
	expect_eq "$(git -C "$T/lmerge" rev-list "$base_head..side" | sort)" \
		"$(listed "$T/lmerge" pulled)" "local merge: which are merged in"
	check_commit_stats "$T/lmerge" "local merge"
	# The same through git.
	git -C "$T/lmerge" update-index --split-index
	expect_eq "$want" "$(ours "$T/lmerge")" "local merge (git): only my lines"
	expect_eq "$(git -C "$T/lmerge" rev-list "$base_head..side" | sort)" \
		"$(listed "$T/lmerge" pulled)" "local merge (git): which are merged in"

	# Fast-forward to a branch that existed at the start, and reset --hard to it: the baseline
	# moves to its tree.
	for how in merge reset; do
		setup_side "$T/lff"
		git -C "$T/lff" checkout -q side
		git -C "$T/lff" branch -q -f main HEAD~1
		git -C "$T/lff" checkout -q main
		take_baseline "$T/lff"
		base_head=$(git -C "$T/lff" rev-parse HEAD)
		case $how in
		merge) git -C "$T/lff" merge -q --ff-only side ;;
		reset) git -C "$T/lff" reset -q --hard side ;;
		esac
		expect_eq "$(git -C "$T/lff" rev-parse side)" "$(git -C "$T/lff" rev-parse HEAD)" "$how: HEAD is side"
		echo mine >>"$T/lff/numbers.txt" && seq 1 3 >"$T/lff/new.txt"
		want=$(git_numstat "$T/lff" "$(git -C "$T/lff" rev-parse 'side^{tree}')" | norm)
		[ -n "$want" ] || fail "$how: git sees no change (test is wrong)"
		expect_eq "$want" "$(ours "$T/lff")" "$how to side: only my lines"
		expect_eq 0 "$(field commits "$T/lff" "$BASE")" "$how to side: no commits of mine"
		expect_eq "$(git -C "$T/lff" rev-list "$base_head..side" | sort)" \
			"$(listed "$T/lff" pulled)" "$how to side: which are merged in"
		rm -rf "$T/lff"
	done

	# A branch made and committed to in the session, then merged: all of it is the session's.
	new_repo "$T/lnew"
	take_baseline "$T/lnew"
	(
		cd "$T/lnew"
		git checkout -q -b topic
		seq 1 6 >topic.txt && git add topic.txt && git commit -qm "topic 1"
		sed -i 's/^9$/nine/' numbers.txt && git commit -qam "topic 2"
		git checkout -q main
		echo main >>lines.txt && git commit -qam "on main"
		git merge -q --no-edit topic
	)
	check_numstat "$T/lnew" "session branch merged"
	expect_eq 4 "$(field commits "$T/lnew" "$BASE")" "session branch merged: all commits"
	expect_eq 0 "$(field pulled "$T/lnew" "$BASE")" "session branch merged: nothing pulled"
	check_commit_stats "$T/lnew" "session branch merged"
}

case_exclude() {
	new_repo "$T/excl"
	mkdir -p "$T/excl/logs" && echo old >"$T/excl/logs/old.md"
	git -C "$T/excl" add -A && git -C "$T/excl" commit -qm logs
	take_baseline "$T/excl"
	echo more >>"$T/excl/logs/old.md" && seq 1 9 >"$T/excl/logs/session.md"
	echo mine >>"$T/excl/numbers.txt"
	want=$(git_numstat "$T/excl" "$(base_tree)" . ':(exclude)logs' | norm)
	expect_eq "$want" "$(ours "$T/excl" "$T/excl/logs")" "exclude (absolute)"
	expect_eq "$want" "$(ours "$T/excl" logs/)" "exclude (relative)"
	expect_eq 1 "$(field files "$T/excl" "$BASE" logs)" "exclude: one file left"
	excluded_commits "$T/excl" libgit2
	# The same with git (the fallback: libgit2 1.5 cannot read a split index).
	new_repo "$T/excl-git"
	git -C "$T/excl-git" update-index --split-index
	take_baseline "$T/excl-git"
	excluded_commits "$T/excl-git" git
	expect_eq true "$(field fallback "$T/excl-git" "$BASE" logs)" "exclude: computed via git"
}

# A commit of logs alone is not the session's; a commit of code and logs counts the code alone,
# as `git diff-tree --numstat` restricted to the code counts it.
excluded_commits() { # repo backend
	local got want head
	(cd "$1" && mkdir -p logs && seq 1 4 >logs/only.md && git add logs &&
		git commit -qm "logs alone" && seq 1 7 >code.c && seq 1 3 >>logs/only.md &&
		git add -A && git commit -qm "code and logs")
	head=$(git -C "$1" rev-parse HEAD)
	expect_eq 1 "$(field commits "$1" "$BASE" logs)" "exclude ($2): the log-only commit is left out"
	got=$("$TOOL" diff --commits "$1" "$BASE" logs | awk -F'\t' '$1 == "commit" { print $2, $3, $4, $5 }')
	want="$head $(git -C "$1" diff-tree -r -M --numstat -z "$head^1" "$head" -- . ':(exclude)logs' | sums)"
	expect_eq "$want" "$got" "exclude ($2): the mixed commit counts its code"
}

case_fallback() {
	local sharedbefore
	# Split index: libgit2 1.5 refuses the 'link' extension; git reads it.
	new_repo "$T/split"
	git -C "$T/split" update-index --split-index
	take_baseline "$T/split"
	expect_eq True "$(json_get '["fallback"]' <"$BASE")" "split index: baseline via git"
	sharedbefore=$(ls "$(gitdir_of "$T/split")" | grep sharedindex | sort)
	echo split >>"$T/split/numbers.txt" && seq 1 3 >"$T/split/new file.txt"
	git -C "$T/split" mv small.txt small-moved.txt
	check_numstat "$T/split" "split index"
	expect_eq true "$(field fallback "$T/split" "$BASE")" "split index: compute via git"
	grep -q "running git instead" <<<"$("$TOOL" -v diff "$T/split" "$BASE" 2>&1 >/dev/null)" ||
		fail "split index: the fallback is not in the debug log"
	expect_eq "$sharedbefore" "$(ls "$(gitdir_of "$T/split")" | grep sharedindex | sort)" \
		"split index: shared index files touched"
	(cd "$T/split" && seq 1 5 >c.txt && git add c.txt && git commit -qm "commit under split index")
	check_commit_stats "$T/split" "split index"
	expect_eq 1 "$(field commits "$T/split" "$BASE")" "split index: commits"

	# extensions.worktreeConfig (set by `git sparse-checkout`): libgit2 1.5 refuses to open it.
	new_repo "$T/wtcfg"
	git -C "$T/wtcfg" config core.repositoryformatversion 1
	git -C "$T/wtcfg" config extensions.worktreeConfig true
	take_baseline "$T/wtcfg"
	expect_eq True "$(json_get '["fallback"]' <"$BASE")" "worktreeConfig: baseline via git"
	echo x >>"$T/wtcfg/lines.txt" && mv "$T/wtcfg/numbers.txt" "$T/wtcfg/numbers2.txt"
	check_numstat "$T/wtcfg" "worktreeConfig"

	# diff.algorithm changes line counts; libgit2 1.5 has no histogram, so git answers.
	new_repo "$T/algo"
	python3 - "$T/algo/shuffled.c" "$T/shuffled.new" <<'PY'
import random, sys
random.seed(5)
a = [random.choice(["{", "}", "x", "y", "return 0;", ""]) for _ in range(300)]
b = list(a)
for _ in range(60):
    b.insert(random.randrange(len(b)), random.choice(["{", "}", "z", "return 1;", ""]))
open(sys.argv[1], "w").write("\n".join(a) + "\n")
open(sys.argv[2], "w").write("\n".join(b) + "\n")
PY
	git -C "$T/algo" add shuffled.c && git -C "$T/algo" commit -qm shuffled
	take_baseline "$T/algo"
	cp "$T/shuffled.new" "$T/algo/shuffled.c"
	for alg in myers patience minimal histogram; do
		git -C "$T/algo" config diff.algorithm "$alg"
		check_numstat "$T/algo" "diff.algorithm=$alg"
	done
	expect_eq true "$(field fallback "$T/algo" "$BASE")" "histogram: via git"

	# Sparse checkout with a sparse index: files outside the cone are not deletions.
	new_repo "$T/sparse"
	git -C "$T/sparse" sparse-checkout set --cone --sparse-index src 2>/dev/null ||
		git -C "$T/sparse" sparse-checkout set src
	take_baseline "$T/sparse"
	echo sparse >>"$T/sparse/src/deep/f1.c"
	check_numstat "$T/sparse" "sparse checkout"
	expect_eq true "$(field fallback "$T/sparse" "$BASE")" "sparse: via git"
}

case_submodules() {
	new_repo "$T/subsrc"
	new_repo "$T/super"
	git -C "$T/super" -c protocol.file.allow=always submodule add -q "$T/subsrc" sub
	git -C "$T/super" commit -qm "add a submodule"
	take_baseline "$T/super"
	echo super >>"$T/super/numbers.txt"
	(cd "$T/super/sub" && echo moved >>small.txt && git commit -qam "submodule moves")
	check_numstat "$T/super" "submodule"
	# An untracked repository with no commit inside the worktree: git add refuses it, so it is
	# left out of the baseline and of the numbers rather than failing the session.
	git init -q "$T/super/embedded"
	take_baseline "$T/super"
	seq 1 3 >"$T/super/embedded/inside.txt"
	expect_eq 0 "$(field files "$T/super" "$BASE")" "embedded repository: not counted"
	new_repo "$T/embed"
	git init -q "$T/embed/inner"
	take_baseline "$T/embed"
	echo x >>"$T/embed/lines.txt"
	expect_eq 1 "$(field files "$T/embed" "$BASE")" "embedded repository (libgit2): not counted"
	expect_eq false "$(field fallback "$T/embed" "$BASE")" "embedded repository: libgit2 reads it"
}

case_unreadable() {
	local out
	new_repo "$T/bad"
	take_baseline "$T/bad"
	git -C "$T/bad" config core.repositoryformatversion 1
	git -C "$T/bad" config extensions.nosuchthing true
	out=$("$TOOL" diff "$T/bad" "$BASE" 2>&1) && fail "unreadable repo: compute succeeded: $out"
	expect_contains "$out" "cannot read the git repository" "unreadable repo: message"
	expect_contains "$out" "nosuchthing" "unreadable repo: says why"
	out=$("$TOOL" baseline "$T/bad" 2>&1) && fail "unreadable repo: baseline succeeded"
	expect_contains "$out" "nosuchthing" "unreadable repo: baseline message"
	mkdir -p "$T/notgit"
	out=$("$TOOL" baseline "$T/notgit" 2>&1) && fail "not a repository: baseline succeeded"
	expect_contains "$out" "not a git repository" "not a repository: message"
	# A baseline whose tree was pruned away.
	new_repo "$T/pruned"
	echo dirty >>"$T/pruned/numbers.txt"
	take_baseline "$T/pruned"
	git -C "$T/pruned" checkout -q -- numbers.txt
	git -C "$T/pruned" gc -q --prune=now
	out=$("$TOOL" diff "$T/pruned" "$BASE" 2>&1) && fail "pruned baseline: compute succeeded"
	expect_contains "$out" "no longer in the repository" "pruned baseline: message"
}

# What the worktree scanner (daemon/gitstats_scan.c) must get right, each compared with git.
case_scanner() {
	local log
	new_repo "$T/scan"
	(
		cd "$T/scan"
		printf 'build/\n*.log\n!keep.log\n' >.gitignore
		mkdir -p build && echo tracked >build/tracked.txt && git add -f build/tracked.txt
		printf 'aaaa\n' >racy.txt
		# Enough files in enough directories for the scan to use its second thread.
		for d in $(seq 1 50); do
			mkdir -p "many/d$d"
			for f in $(seq 1 50); do echo "$d $f" >"many/d$d/f$f"; done
		done
		git add -A && git commit -qm "scanner cases"
	)
	take_baseline "$T/scan"
	(
		cd "$T/scan"
		# Racy git: staged, then changed again within the second, same size.
		printf 'bbbb\n' >racy.txt && git add racy.txt && printf 'cccc\n' >racy.txt
		touch lines.txt                                  # stat changed, content not
		rm small.txt && mkdir small.txt && seq 1 3 >small.txt/inside # file -> directory
		rm -r src/deep && seq 1 4 >src/deep                # directory -> file
		echo more >>build/tracked.txt && echo new >build/untracked.txt # ignored dir, tracked file
		echo kept >keep.log && echo dropped >other.log    # negated ignore pattern
		mkdir -p fresh && printf 'x\n' >fresh/.gitignore && echo x >fresh/x && echo y >fresh/y
		mv many/d7 many/d7-real && ln -s d7-real many/d7 # directory -> symlink to it
		chmod +x many/d9/f1
		for d in 11 23 42; do echo changed >"many/d$d/f5"; echo new >"many/d$d/new"; rm "many/d$d/f6"; done
	)
	check_numstat "$T/scan" "scanner edge cases"
	ours "$T/scan" | grep -q 'untracked.txt\|other.log\|fresh/x' && fail "scanner: an ignored file was counted"
	log=$("$TOOL" -v diff --summary "$T/scan" "$BASE" 2>&1 >/dev/null)
	case $log in *"libgit2 walks"*) fail "scanner: the common case left to libgit2: $log" ;; esac
	true
}

# Attributes and filters decide how worktree files are read and whether they are binary; with
# none anywhere stint reads files as they are, so each source is tried on its own.
case_attributes() {
	new_repo "$T/attr"
	mkdir -p "$T/attr/sub" && printf '$Id$\nx\n' >"$T/attr/sub/id.c"
	git -C "$T/attr" add -A && git -C "$T/attr" commit -qm ident
	take_baseline "$T/attr"
	(
		cd "$T/attr"
		# Untracked attribute files count: read from the worktree.
		printf '*.c ident\n' >sub/.gitattributes
		printf '$Id: 0123456789abcdef $\nx\n' >sub/id.c # the same once cleaned
		printf 'numbers*.txt -diff\n' >.gitattributes
		git mv numbers.txt numbers2.txt # an exact rename of a -diff file is binary
		sed -i 's/^105$/changed/' lines.txt
	)
	check_numstat "$T/attr" "attributes in the worktree"
	new_repo "$T/crlf"
	git -C "$T/crlf" config core.autocrlf true
	take_baseline "$T/crlf"
	sed -i 's/$/\r/' "$T/crlf/small.txt" # the same once converted
	echo more >>"$T/crlf/lines.txt"
	check_numstat "$T/crlf" "core.autocrlf alone"
	new_repo "$T/info"
	take_baseline "$T/info"
	echo 'lines*.txt -diff' >"$(gitdir_of "$T/info")/info/attributes"
	git -C "$T/info" mv lines.txt lines2.txt
	check_numstat "$T/info" "info/attributes alone"
}

# A baseline kept out of git gc's reach (daemon/gitstats_keep.c): after `git gc --prune=now` the
# snapshot is gone from the repository, and stint still measures from it, with libgit2 and with
# git. git's own answer reads the kept copy as an alternate object directory.
case_gc() {
	local r kept want got
	for r in "$T/gc-lg2" "$T/gc-git"; do
		new_repo "$r"
		if [ "$r" = "$T/gc-git" ]; then
			git -C "$r" config core.repositoryformatversion 1
			git -C "$r" config extensions.worktreeConfig true
		fi
		echo changed >>"$r/numbers.txt"
		seq 1 7 >"$r/fresh.txt"
		# A blob already in the repository, but dangling: git gc prunes it too.
		seq 50 60 >"$r/dangling.txt"
		git -C "$r" add dangling.txt && git -C "$r" reset -q dangling.txt
		kept="$T/kept-$(basename "$r")/baselines"
		BASE="$T/base-$(basename "$r").json"
		before=$(repo_state "$r")
		"$TOOL" baseline --keep "$kept" "$r" >"$BASE" || fail "$r: baseline --keep failed"
		expect_eq "$before" "$(repo_state "$r")" "$r: repository changed by keeping the baseline"
		[ "$(json_get '["kept"]' <"$BASE")" != null ] || fail "$r: the baseline was not kept"
		echo after >>"$r/fresh.txt" && rm "$r/small.txt" && echo more >>"$r/dangling.txt"
		git -C "$r" reflog expire --expire=now --all
		git -C "$r" gc -q --prune=now
		! git -C "$r" cat-file -e "$(base_tree)" 2>/dev/null ||
			fail "$r: git gc left the snapshot (the test proves nothing)"
		want=$(GIT_ALTERNATE_OBJECT_DIRECTORIES=$(json_get '["kept"]' <"$BASE") \
			git_numstat "$r" "$(base_tree)" | norm)
		got=$(ours "$r")
		[ -n "$want" ] || fail "$r: git sees no change (test is wrong)"
		expect_eq "$want" "$got" "$r: numstat after git gc --prune=now"
	done
	expect_eq true "$(field fallback "$T/gc-git" "$T/base-gc-git.json")" "gc: computed via git"
}

# stintd on a repository libgit2 1.5 cannot open (extensions.worktreeConfig, which `git
# sparse-checkout` sets): the session is a repository's, measured through git, its root the
# worktree's even from a subdirectory. It used to get no statistics at all: stintd took the
# directory for one outside git (found by test_gitstats_random.sh with STINT_RANDOM_GIT=1).
case_daemon_fallback() {
	local r="$T/dfall" tree want
	new_repo "$r"
	git -C "$r" config core.repositoryformatversion 1
	git -C "$r" config extensions.worktreeConfig true
	daemon_start
	"$STINT" start -C "$r/src" >/dev/null
	echo more >>"$r/numbers.txt" && seq 1 4 >"$r/new file.txt"
	# "repo branch baseline added removed files" of the session in $r
	daemon_numbers() {
		"$STINT" status --json -C "$r" | python3 -c '
import json, sys
s = (json.load(sys.stdin)["sessions"] or [None])[0]
keys = ("repo", "branch", "baseline", "added", "removed", "files_changed")
print(" ".join(str(s.get(k)) for k in keys) if s else "no session")'
	}
	daemon_shows() { [ "$(daemon_numbers)" = "$1" ]; }
	tree=$(daemon_numbers | awk '{ print $3 }')
	[[ $tree =~ ^[0-9a-f]{40}$ ]] ||
		fail "daemon fallback: no baseline: [$(daemon_numbers)]; sessions: $("$STINT" status)"
	want="$r main $tree $(git_numstat "$r" "$tree" | sums)"
	[ "${want##* }" = 2 ] || fail "daemon fallback: git sees no change (test is wrong): $want"
	wait_for 20 daemon_shows "$want" ||
		fail "daemon fallback: status shows [$(daemon_numbers)], git [$want]"
	daemon_stop
}

for c in modify add_delete renames binary_mode_type names commit_middle branch_switch \
	amend_netzero unborn worktree dirty_start pull local_merge exclude fallback submodules unreadable scanner attributes gc daemon_fallback; do
	"case_$c"
	echo "ok - $c"
done
