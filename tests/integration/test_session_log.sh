#!/usr/bin/env bash
# Issue 5's "Done when": a real session on a real repository (commits, a modified, an untracked,
# a binary and a renamed file, notes, todos, decisions, an ADR, a code TODO, a passing and a
# failing check), its log checked section by section against git's own numbers; a second
# session the same day that carries the open todos and links back; `stint log`; `stop --edit`.
# docs/example-session.md comes from test_example_session.sh.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# git's numstat of the session: the worktree, untracked files intent-to-added in a copy (the
# user's index is never touched), against the session's baseline tree.
numstat() { # repo baseline
	rm -rf "$T/copy"
	cp -a "$1" "$T/copy"
	git -C "$T/copy" add -A -N
	git -C "$T/copy" diff -M --numstat "$2"
}

# "+A -R" of one commit, as git counts it.
commit_lines() { # repo commit
	git -C "$1" show -M --numstat --format= "$2" |
		awk '$1 != "-" { a += $1; r += $2 } END { printf "+%d -%d\n", a, r }'
}

# The Files Modified description git implies: the subjects of the session's commits that touched
# the path, oldest first, "; "-separated (three at most), else "uncommitted".
describe() { # repo since path
	git -C "$1" log --reverse --format=%s "$2..HEAD" -- "$3" | awk '
		{ if (n < 3) s = s (n ? "; " : "") $0; n++ }
		END { if (n == 0) print "uncommitted"; else if (n > 3) print s "; and " n - 3 " more"; else print s }'
}

day=$(date +%F)

# Checks are configured only when this stintd knows [checks]: an unknown section is an error.
mkdir -p "$XDG_CONFIG_HOME/stint"
if grep -q '^\[checks\]' <<<"$("$STINTD" --print-default-config)"; then
	checks=yes
	cat >"$XDG_CONFIG_HOME/stint/config.ini" <<'EOF'
[log]
check_timeout = 10s

[checks]
pass = echo '3 passed in 0.1s'
fail = echo boom; exit 2
EOF
	"$STINTD" --check-config >/dev/null || fail "the config with [checks] is refused"
else
	checks=no
	echo "note: this stintd has no [checks] section (stintd --print-default-config); the checks part is skipped"
fi

daemon_start

# No log yet: stint log says so and exits 1.
R="$T/widget"
make_repo "$R"
cd "$R"
set +e
err=$("$STINT" log 2>&1 >/dev/null)
rc=$?
set -e
expect_eq 1 "$rc" "stint log before any session"
expect_contains "$err" "no session log yet" "stint log before any session says why"

git config user.name "Ada Lovelace"
git remote add origin https://github.com/acme/widget.git
seq 1 20 >lines.txt
printf 'the old name\n' >old.txt
printf 'int legacy;\n// TODO: from before the session\nint more;\n' >legacy.c
git add -A
git commit -qm "lines and a file to rename"

"$STINT" start --focus "Widget parser" --tag c >/dev/null
json=$("$STINT" status --json)
base=$(echo "$json" | json_get '["sessions"][0]["baseline"]')
head0=$(echo "$json" | json_get '["sessions"][0]["head"]')
expect_eq "$(git rev-parse HEAD)" "$head0" "head at the start"
[ -n "$base" ] && [ "$base" != null ] || fail "status has no baseline: $json"

"$STINT" note "The tokenizer is table-driven" >/dev/null
"$STINT" note --learning "git diff --numstat marks binary files with -" >/dev/null
"$STINT" note --challenge "Renames hide in the index" >/dev/null
"$STINT" todo --priority high "Fuzz the parser" >/dev/null
"$STINT" todo --blocked-by "the grammar review" "Support nested widgets" >/dev/null
out=$("$STINT" todo --next "Benchmark the tokenizer")
expect_contains "$out" "Todo for the next session added" "todo --next confirmation"
"$STINT" decision "Hand-written parser" --why "Better error messages than a generator" >/dev/null

# Commits and events a second apart: commit times are whole seconds, and a commit in the same
# second as a note may be listed before it.
sleep 1.1
printf 'int parse(void);\n\nint tidy; // TODO: tidy this\n' >parse.c
git add parse.c
git commit -qm "Add the parser, fixes #12"
c1=$(git rev-parse HEAD)
sleep 1.1
"$STINT" note "Between the two commits" >/dev/null
sleep 1.1
mkdir -p docs/adr
printf '# ADR 1: a hand-written parser\n' >docs/adr/0001-hand-written-parser.md
git mv old.txt new.txt
git mv legacy.c kept.c
git add -A
git commit -qm "ADR for the parser; rename old.txt"
c2=$(git rev-parse HEAD)
sleep 1.1
sed -i 's/^5$/five/' lines.txt
printf 'not yet added\n' >untracked.txt
printf 'GIF89a\0\1\2\3\n\0binary\n' >logo.bin
todo_line=$(grep -n 'TODO: tidy this' parse.c | cut -d: -f1)

out=$("$STINT" stop --json)
log=$(echo "$out" | json_get '["log"]')
active=$(echo "$out" | json_get '["session"]["active_s"]')
expect_eq "$XDG_DATA_HOME/stint/logs/widget/$day.md" "$log" "first log's path"
[ -f "$log" ] || fail "log $log not written"
[ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" = '\n' ] || fail "the log does not end with a newline"

# --- the first log, section by section ---
head -n 1 "$log" | grep -qxF "# Session: Widget parser" || fail "title: $(head -n 1 "$log")"
header=$(section "$log" "# Session: Widget parser")
has_line "$header" "**Date:** $day  " "Date"
[ "$active" -ge 2 ] && [ "$active" -lt 60 ] || fail "active time $active s is outside what this test expects"
dur="$active seconds"
has_line "$header" "**Duration:** $dur  " "Duration (active_s $active)"
has_line "$header" "**Focus:** Widget parser  " "Focus"
has_line "$header" "**Branch:** $(git branch --show-current)" "Branch"

stat=$(numstat "$R" "$base")
files=$(echo "$stat" | wc -l)
added=$(echo "$stat" | awk '$1 != "-" { a += $1 } END { print a + 0 }')
removed=$(echo "$stat" | awk '$1 != "-" { r += $2 } END { print r + 0 }')
commits=$(git rev-list --count "$head0..HEAD")
expect_eq 2 "$commits" "the session's commits (git rev-list)"

summary=$(section "$log" "## Summary")
expect_contains "$summary" "Worked $dur: $commits commits, $files files changed, $added lines added and $removed removed." \
	"Summary sentence"
expect_contains "$summary" "[One paragraph" "Summary keeps the prompt for the author"

act=$(section "$log" "## Activities")
s1=$(git rev-parse --short=7 "$c1")
s2=$(git rev-parse --short=7 "$c2")
n_start=$(line_of "$act" "**Session started**" "Activities: start")
n_note=$(line_of "$act" "Note (" "Activities: a note")
n_c1=$(line_of "$act" "**Commit \`$s1\`: Add the parser, fixes #12** (" "Activities: first commit")
n_c2=$(line_of "$act" "**Commit \`$s2\`: ADR for the parser; rename old.txt** (" "Activities: second commit")
n_stop=$(line_of "$act" "**Session stopped**" "Activities: stop")
[ "$n_start" -lt "$n_note" ] && [ "$n_note" -lt "$n_c1" ] && [ "$n_c1" -lt "$n_c2" ] &&
	[ "$n_c2" -lt "$n_stop" ] ||
	fail "Activities out of order (start $n_start, note $n_note, commits $n_c1 $n_c2, stop $n_stop):
$act"
expect_contains "$(sed -n "${n_c1}p" <<<"$act")" ", $(commit_lines "$R" "$c1"))" "first commit's lines"
expect_contains "$(sed -n "${n_c2}p" <<<"$act")" ", $(commit_lines "$R" "$c2"))" "second commit's lines"
for t in "The tokenizer is table-driven" "Between the two commits" "Fuzz the parser" \
	"Hand-written parser"; do
	expect_contains "$act" "): $t" "Activities sub-item"
done
n_between=$(line_of "$act" "Between the two commits" "Activities: the note between the commits")
[ "$n_c1" -lt "$n_between" ] && [ "$n_between" -lt "$n_c2" ] ||
	fail "the note made between the commits is not between them:
$act"

learn=$(section "$log" "## Key Learnings")
has_line "$learn" "- **Learning 1**: git diff --numstat marks binary files with -" "Key Learnings"
has_line "$(section "$log" "## Challenges & Solutions")" "### Challenge 1: Renames hide in the index" \
	"Challenges & Solutions"
has_line "$(section "$log" "## Session Notes")" "- The tokenizer is table-driven" "Session Notes"

dec=$(section "$log" "## Decisions Made")
has_line "$dec" "1. **Hand-written parser**" "Decisions Made"
has_line "$dec" "   - **Rationale**: Better error messages than a generator" "Rationale"
adr="docs/adr/0001-hand-written-parser.md"
# The log lies outside the repository: the ADR is linked by its absolute path.
has_line "$dec" "- **ADR**: [\`$adr\`]($R/$adr)" "ADR line"

todos=$(section "$log" "## TODOs Created")
has_line "$(section "$log" "### High Priority")" "- [ ] Fuzz the parser" "High Priority"
has_line "$(section "$log" "### Medium Priority")" "- [ ] \`parse.c:$todo_line\`: TODO: tidy this" \
	"the code TODO under Medium Priority with file:line"
has_line "$(section "$log" "### Blocked")" "- [ ] Support nested widgets - Blocked by: the grammar review" \
	"Blocked"
lacks "$todos" "Benchmark the tokenizer" "a --next todo under TODOs Created"
lacks "$todos" "from before the session" "a TODO in a file the session only renamed"
has_line "$(section "$log" "### Immediate (Next Session)")" "- [ ] Benchmark the tokenizer" \
	"the --next todo under Immediate (Next Session)"

# One Files Modified row per file git lists, with git's numbers and the commits that touched it.
rows=$(section "$log" "### Files Modified" | grep '^| `')
expect_eq "$files" "$(echo "$rows" | wc -l)" "Files Modified rows (git: $stat)"
while IFS=$'\t' read -r a r path; do
	case "$path" in
	*" => "*)
		old=${path%% => *}
		path=${path##* => }
		want="renamed from \`$old\`"
		[ "$a$r" = 00 ] || want="$want, +$a, -$r"
		;;
	*)
		# Added and deleted files say so (git's --name-status, on numstat's copy).
		case "$(git -C "$T/copy" diff -M --name-status "$base" -- "$path" | cut -c1)$a" in
		A-) want="added, binary" ;;
		A*) want="added, +$a" ;;
		D-) want="deleted, binary" ;;
		D*) want="deleted, -$r" ;;
		*-) want=binary ;;
		*) want="+$a, -$r" ;;
		esac
		;;
	esac
	has_line "$rows" "| \`$path\` | $want | $(describe "$R" "$head0" "$path") |" "Files Modified row of $path"
done <<<"$stat"
expect_contains "$rows" "| \`logo.bin\` | added, binary |" "the binary file"
expect_contains "$rows" "| \`new.txt\` | renamed from \`old.txt\`" "the rename"
expect_contains "$rows" "| \`untracked.txt\` | added, +1 |" "the untracked file"

st=$(section "$log" "### Statistics")
net=$((added - removed))
case $net in 0) net="±0" ;; -*) ;; *) net="+$net" ;; esac
has_line "$st" "- **Commits**: $commits" "Statistics: commits"
has_line "$st" "- **Lines added**: +$added" "Statistics: added"
has_line "$st" "- **Lines removed**: -$removed" "Statistics: removed"
has_line "$st" "- **Net change**: $net" "Statistics: net"
has_line "$st" "- **Files changed**: $files" "Statistics: files"

if [ $checks = yes ]; then
	qc=$(section "$log" "## Quality Checks")
	has_line "$qc" "- ✅ pass" "Quality Checks: the passing check"
	expect_contains "$qc" "- ⚠️ fail (exit 2, " "Quality Checks: the failing check"
	expect_contains "$qc" "<details>" "the failing check's output is collapsed"
	expect_contains "$qc" "boom" "the failing check's output tail"
	lacks "$qc" "3 passed in" "a passing check's output"
	expect_contains "$(section "$log" "### Tests Run")" "✅ pass: 3 passing" "Tests Run counts"
fi

rel=$(section "$log" "## Related Documentation")
expect_contains "$rel" "Issues: [#12](https://github.com/acme/widget/issues/12)" "the issue link"
expect_contains "$rel" "**ADRs**: [\`$adr\`]" "ADRs under Related Documentation"

meta=$(section "$log" "## Metadata")
has_line "$meta" "**Created by**: $(git config user.name)  " "Created by"
has_line "$meta" "**Last updated**: $day  " "Last updated"
has_line "$meta" "**Related branch**: $(git branch --show-current)  " "Related branch"
has_line "$meta" "**Review status**: Draft" "Review status"

# --- a second session the same day: carried todos, a link back, stop --edit ---
mkdir -p "$T/bin"
cat >"$T/bin/record editor" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/editor-args"
[ -f "\$2" ] && echo exists >>"$T/editor-args"
EOF
chmod +x "$T/bin/record editor"
"$STINT" start --focus "Second pass" >/dev/null
set +e
"$STINT" stop --edit --no-log 2>/dev/null
expect_eq 2 $? "stop --edit --no-log"
"$STINT" stop --edit --json 2>/dev/null
expect_eq 2 $? "stop --edit --json"
set -e
expect_eq 1 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "usage errors leave the session open"
out=$(VISUAL='' EDITOR="'$T/bin/record editor' --wait" "$STINT" stop --edit)
log2=$(printf '%s\n' "$out" | tail -n 1)
expect_eq "$XDG_DATA_HOME/stint/logs/widget/$day-2.md" "$log2" "second log's path (last line)"
expect_eq "--wait
$log2
exists" "$(cat "$T/editor-args")" "the editor's arguments"

# Carried items keep their priority as a label (test_log_continuity checks which): drop it here.
imm=$(section "$log2" "### Immediate (Next Session)" | sed -E 's/ \((high priority|low priority|blocked)\)$//')
open=$(grep -F -- '- [ ] ' "$log")
[ -n "$open" ] || fail "the first log has no open todo to carry"
while IFS= read -r item; do
	has_line "$imm" "$item" "carried todo"
done <<<"$open"
has_line "$(section "$log2" "## Related Documentation")" "  - [$day](./$day.md) - Widget parser" \
	"Previous sessions link back to the first log"

# --- stint log ---
expect_eq "$log2" "$("$STINT" log)" "stint log"
expect_eq "$log2" "$("$STINT" log --last)" "stint log --last"
expect_eq "$log
$log2" "$("$STINT" log "$day")" "stint log DATE: the day's logs, oldest first"
expect_eq "$log
$log2" "$(cd / && "$STINT" log -C "$R/docs" "$day")" "stint log -C PATH DATE"
set +e
err=$("$STINT" log 2001-01-01 2>&1 >/dev/null)
expect_eq 1 $? "stint log of a day without logs"
expect_contains "$err" "no session log of 2001-01-01" "stint log of a day without logs says why"
"$STINT" log 2026-02-30 2>/dev/null
expect_eq 2 $? "stint log with an impossible date"
"$STINT" log --last "$day" 2>/dev/null
expect_eq 2 $? "stint log --last DATE"
"$STINT" log --all -C "$R" 2>/dev/null
expect_eq 2 $? "stint log --all -C"
"$STINT" log "$day" "$day" 2>/dev/null
expect_eq 2 $? "stint log with two dates"
set -e

# A failing editor is a warning: the session is stopped, the log kept, the exit status 0.
# $VISUAL comes before $EDITOR.
rm -f "$T/editor-args"
"$STINT" start >/dev/null
set +e
out=$(VISUAL="exit 3;" EDITOR="'$T/bin/record editor'" "$STINT" stop --edit 2>"$T/err")
rc=$?
set -e
expect_eq 0 "$rc" "stop --edit with a failing editor"
log3=$(printf '%s\n' "$out" | tail -n 1)
expect_eq "$XDG_DATA_HOME/stint/logs/widget/$day-3.md" "$log3" "third log"
[ -f "$log3" ] || fail "third log not written"
expect_contains "$(cat "$T/err")" "warning: the editor" "a failing editor is reported"
[ ! -e "$T/editor-args" ] || fail "\$EDITOR ran although \$VISUAL was set"
expect_eq 0 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "stopped despite the editor"

# Sessions without a log are not logs; --all looks in every repository.
"$STINT" start >/dev/null
"$STINT" stop --no-log >/dev/null
expect_eq "$log3" "$("$STINT" log)" "stint log after a --no-log session"
make_repo "$T/other"
"$STINT" start -C "$T/other" >/dev/null
log4=$("$STINT" stop -C "$T/other" | tail -n 1)
expect_eq "$log3" "$("$STINT" log)" "stint log stays in this repository"
expect_eq "$log4" "$("$STINT" log --all)" "stint log --all"
expect_eq "$log
$log2
$log3
$log4" "$("$STINT" log --all "$day")" "stint log --all DATE"
expect_eq "$log4" "$(cd "$T/other" && "$STINT" log)" "stint log in the other repository"

[ "$(date +%F)" = "$day" ] || skip "the day changed during the test; run it again"
daemon_stop
echo ok
