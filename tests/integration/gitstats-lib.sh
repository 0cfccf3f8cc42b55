# Shared by the gitstats tests (test_gitstats.sh, test_gitstats_random.sh): stint-gitstats (the
# daemon's statistics code run from the command line) against git's own numbers for the same
# trees. Source it after lib.sh; a test keeps one baseline at a time in $BASE (take_baseline).
TOOL="${STINT_BUILD_DIR:?}/bin/stint-gitstats"
[ -x "$TOOL" ] || skip "stint-gitstats is not built ($TOOL)"
command -v python3 >/dev/null || skip "python3 is needed"
export GIT_OPTIONAL_LOCKS=0 # our own read-only git calls must not refresh the user's index either
EMPTY_TREE=$(git hash-object -t tree /dev/null)
GITSTATS_PY="$(dirname "${BASH_SOURCE[0]}")/gitstats_lib.py"

# `git diff --numstat -z` records (ours or git's) as sorted lines with quoted paths.
norm() { python3 "$GITSTATS_PY" norm; }

# Sums of `git diff-tree --numstat -z` records: "added removed files".
sums() { python3 "$GITSTATS_PY" sums; }

gitdir_of() { git -C "$1" rev-parse --absolute-git-dir; }

# Everything git keeps that we promise not to touch: index bytes, refs, HEAD, sharedindex files.
repo_state() {
	local gd
	gd=$(gitdir_of "$1")
	{
		sha256sum "$gd/index" 2>/dev/null || echo "no index"
		stat -c '%s %Y %i' "$gd/index" 2>/dev/null || true
		git -C "$1" for-each-ref
		cat "$gd/HEAD"
		ls "$(git -C "$1" rev-parse --path-format=absolute --git-common-dir)" | grep -v '^objects$' | sort
	} | sha256sum
}

# Baseline of repo $1 into $BASE, checking that nothing but objects changed.
take_baseline() {
	local before
	BASE="$T/base-$(basename "$1").json"
	before=$(repo_state "$1")
	"$TOOL" baseline "$1" >"$BASE" || fail "baseline of $1 failed"
	expect_eq "$before" "$(repo_state "$1")" "$1: repository changed by the baseline"
}

base_tree() { json_get '["tree"]' <"$BASE"; }

# git's answer: the baseline tree against the worktree, untracked files as if added with -N
# (in a private copy of the index). The copy is dated 1970 so that git re-reads every file whose
# stat data matches its entry ("racy git"): a copy dated now would make git trust stat data that
# the real index's date does not vouch for (an entry written in the second of a same-size edit),
# and miss the edit.
git_numstat() { # repo tree [pathspec...]
	local repo=$1 tree=$2 idx="$T/git-index" gd
	shift 2
	gd=$(gitdir_of "$repo")
	rm -f "$idx"
	[ ! -f "$gd/index" ] || { cp "$gd/index" "$idx" && touch -d @1 "$idx"; }
	GIT_INDEX_FILE="$idx" git -C "$repo" -c core.splitIndex=false add -N .
	GIT_INDEX_FILE="$idx" git -C "$repo" diff -M --numstat -z "$tree" -- "$@"
}

ours() { # repo [exclude]
	local before out
	before=$(repo_state "$1")
	out=$("$TOOL" diff "$1" "$BASE" ${2:+"$2"} | norm) || fail "stint-gitstats diff $* failed"
	expect_eq "$before" "$(repo_state "$1")" "$1: repository changed by compute"
	printf '%s\n' "$out"
}

summary() { "$TOOL" diff --summary "$@" || fail "stint-gitstats diff --summary $* failed"; }

# Ours and git's numstat must be the same, and not empty unless said so.
check_numstat() { # repo what [allow-empty]
	local want got
	want=$(git_numstat "$1" "$(base_tree)" | norm)
	got=$(ours "$1")
	[ -n "$want" ] || [ "${3:-}" = allow-empty ] || fail "$2: git sees no change (test is wrong)"
	[ "$want" = "$got" ] || fail "$2: numstat differs from git's
--- git
$want
--- stint
$got"
	# Totals are the sums of the files.
	expect_eq "$(printf '%s\n' "$got" | awk -F'\t' 'NF { n++; if ($1 != "-") { a += $1; r += $2 } } END { print a + 0, r + 0, n + 0 }')" \
		"$(summary "$1" "$BASE" | awk -F'\t' '{ v[$1] = $2 } END { print v["added"], v["removed"], v["files"] }')" "$2: totals"
}

# Each commit stint lists matches `git diff-tree -M --numstat` against its first parent.
check_commit_stats() { # repo what
	local kind hash a r files merge subject parent
	while IFS=$'\t' read -r kind hash a r files merge subject; do
		[ "$kind" = commit ] || continue
		parent=$(git -C "$1" rev-parse -q --verify "$hash^1" || echo "$EMPTY_TREE")
		expect_eq "$(git -C "$1" diff-tree -r -M --numstat -z "$parent" "$hash" | sums)" "$a $r $files" \
			"$2: stats of commit $hash ($subject)"
	done < <("$TOOL" diff --commits "$1" "$BASE")
}


new_repo() { # dir: a repository with some history and files of every kind
	make_repo "$1"
	(
		cd "$1"
		seq 1 40 >numbers.txt
		seq 100 160 >lines.txt
		printf 'one\ntwo\nthree\n' >small.txt
		mkdir -p src/deep
		for i in 1 2 3; do seq "$i" 3 90 >"src/deep/f$i.c"; done
		printf 'bin\0ary\1data' >blob.bin
		git add -A
		git commit -qm "files"
	)
}
