#!/usr/bin/env bash
# The session behind docs/example-session.md, run for real: a repository with an upstream, work
# on a branch and back (a round trip within one debounce window), a pull that makes a merge, a
# deleted and a renamed file, a note with generics. Its log is checked against git (the order of
# the timeline against the reflog, Files Modified against git's name-status) and rendered with
# cmark-gfm. STINT_EXAMPLE_OUT=FILE keeps a copy of the log, its paths made neutral.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v cmark-gfm >/dev/null || skip "cmark-gfm is not installed"

# The upstream, and a colleague's clone that pushes to it during the session.
U="$T/upstream.git"
git init -q --bare "$U"
make_repo "$T/seed"
cd "$T/seed"
printf 'int parse(const char *s);\n' >parse.h
printf 'the old name\n' >old.txt
printf 'int legacy;\nint legacy_too;\n' >legacy.c
seq 1 10 >table.txt
git add -A
git commit -qm "The widget's first files"
git push -q "$U" main
git clone -q "$U" "$T/colleague"

R="$T/widget"
git clone -q "$U" "$R"
cd "$R"
git config user.name "Ada Lovelace"
# Work from before the session, uncommitted at the start: the first commit holds it too.
printf 'int parse_version(void);\n' >>parse.h

daemon_start
"$STINT" start --focus "Config parser" --tag parser >/dev/null
base=$("$STINT" status --json | json_get '["sessions"][0]["baseline"]')
"$STINT" note 'Use Vec<String> and Option<T> in the API, not raw <char *>' >/dev/null
"$STINT" decision "Hand-written parser" --why "Better error messages than a generator" >/dev/null

sleep 1.1
printf 'int parse(const char *s)\n{\n\treturn *s;\n}\n' >parse.c
printf 'int parse_tabs(const char *s);\n' >>parse.h
git add parse.c parse.h
git commit -qm "Add the parser"
first=$(git rev-parse --short=7 HEAD)
sleep 1.1

# A round trip, faster than the debounce: to a branch, a commit there, and back.
git checkout -q -b fix/tabs
printf 'int tabs;\n' >>parse.c
git commit -qam "Tokenizer handles tabs"
git checkout -q main
git merge -q --no-ff -m "Merge fix/tabs" fix/tabs
sleep 1.1

# The colleague pushes; the pull makes a merge commit.
printf 'int colleague;\n' >"$T/colleague/helper.c"
git -C "$T/colleague" add helper.c
git -C "$T/colleague" commit -qm "A helper from a colleague"
git -C "$T/colleague" push -q origin main
git pull -q --no-rebase --no-edit origin main
sleep 1.1

git mv old.txt new.txt
git rm -q legacy.c
git commit -qm "Rename old.txt, drop legacy.c"
sleep 1.1
"$STINT" todo --next --priority high "Fuzz the parser" >/dev/null
sed -i 's/^5$/five/' table.txt

# After the pull, `git diff <measured_from>` is the session's work; the baseline alone would
# count the colleague's helper.c too.
wait_seen "$R"
mf=$("$STINT" status --json | json_get '["sessions"][0]["measured_from"]')
[ -n "$mf" ] && [ "$mf" != null ] && [ "$mf" != "$base" ] ||
	fail "no measured_from moved past the baseline after the pull: [$mf] [$base]"
git diff --name-only "$base" | grep -qxF helper.c || fail "the baseline does not lack helper.c"
! git diff --name-only "$mf" | grep -qxF helper.c || fail "measured_from lacks the pulled helper.c"
mf_lines=$(git diff --numstat "$mf" | awk '{ a += $1; r += $2 } END { printf "+%d -%d", a, r }')

log=$("$STINT" stop --summary "The parser reads the config format." | tail -n 1)
[ -f "$log" ] || fail "no log at [$log]"

html=$(cmark-gfm -e table -e tasklist "$log")
text=$(cmark-gfm -e table -e tasklist --to plaintext "$log")

# The note renders with its generics, as typed.
expect_contains "$text" 'Use Vec<String> and Option<T> in the API, not raw <char *>' \
	"the note renders as typed"
! grep -q '<T>\|<String>' <<<"$html" || fail "the note's <T> became HTML: $html"

# The first commit: the session's part (from the baseline, which holds the work from before),
# then the whole commit, each as git counts it.
part=$(git diff --numstat "$base" "$first" | awk '{ a += $1; r += $2 } END { printf "+%d -%d", a, r }')
whole=$(git show --numstat --format= "$first" | awk '{ a += $1; r += $2 } END { printf "+%d -%d", a, r }')
expect_contains "$(grep -F "$first" "$log")" "$part this session, $whole in the commit" \
	"the first commit's numbers"
expect_contains "$(grep -F '**Branch:**' "$log")" "main → fix/tabs → main" "the branches worked on"

stats=$(section "$log" "### Statistics")
expect_eq "$mf_lines" "$(awk '/^- \*\*Lines added\*\*: /{ a = $NF } /^- \*\*Lines removed\*\*: /{ r = $NF }
	END { print a, r }' <<<"$stats")" "Statistics equal git diff --numstat <measured_from>"

# The timeline: the switch to fix/tabs, the commit there, the switch back, then the pull, in the
# order of the reflog.
acts=$(section "$log" "## Activities")
a=$(line_of "$acts" "fix/tabs" "the switch to fix/tabs")
b=$(line_of "$acts" "Tokenizer handles tabs" "the commit on fix/tabs")
c=$(line_of "$acts" "Pulled" "the pull")
d=$(line_of "$acts" "Rename old.txt, drop legacy.c" "the last commit")
[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] && [ "$c" -lt "$d" ] ||
	fail "the timeline is out of order ($a $b $c $d):
$acts"
! grep -qF "A helper from a colleague" <<<"$acts" || grep -qF "Pulled" <<<"$acts" ||
	fail "the colleague's commit is listed as the user's"

# Files Modified: the deleted and the renamed file say so.
files=$(section "$log" "### Files Modified")
grep -F '`legacy.c`' <<<"$files" | grep -qi 'deleted' || fail "legacy.c is not shown deleted:
$files"
grep -F '`new.txt`' <<<"$files" | grep -qF 'renamed from `old.txt`' ||
	fail "new.txt is not shown renamed:
$files"
! grep -qF '`helper.c`' <<<"$files" || fail "the pulled file is in Files Modified:
$files"

if [ -n "${STINT_EXAMPLE_OUT:-}" ]; then
	{
		echo "<!-- Written by stint itself, not by hand: a real session run by tests/integration/test_example_session.sh (STINT_EXAMPLE_OUT=docs/example-session.md), which lasts seconds, so the durations are short. -->"
		# Neutral paths that are still paths: a link to "~/..." is no link (CommonMark has no "~").
		sed -e "s|$R|/home/you/src/widget|g" -e "s|$XDG_DATA_HOME|/home/you/.local/share|g" \
			-e "s|$HOME|/home/you|g" -e "s|$T|/tmp|g" "$log"
	} >"$STINT_EXAMPLE_OUT"
	echo "note: the log is copied to $STINT_EXAMPLE_OUT"
fi
exit 0
