#!/usr/bin/env bash
# Issue 14, "stint add": a session added by hand gets git statistics when the repository's HEAD
# reflog covers its range. Commits are made at given times (the reflog records the committer
# date), then sessions are added over ranges of them; every number is git's own: HEAD and the
# branches at the start and the end read from the reflogs by git (`git reflog --date=unix`),
# commits by `git rev-list --count END_TIPS --not START_TIPS`, files and lines by `git diff -M
# --numstat START END`. A branch switch inside a range; the same with the git fallback (a
# diff.algorithm libgit2 does not have); a range before the reflog begins, an expired reflog, a
# directory outside git and an import without a directory get none, each saying why in one line.
# STINT_ADD_STATS_OUT=FILE writes the outputs docs/reports.md shows.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
# An hour boundary 13 to 14 hours ago: every time below is in the past.
B=$((($(date +%s) - 14 * 3600) / 3600 * 3600))

# git at B + M minutes (author, committer and reflog time): gat M git-args...
gat() {
	local m=$1
	shift
	GIT_COMMITTER_DATE="@$((B + m * 60)) +0000" GIT_AUTHOR_DATE="@$((B + m * 60)) +0000" git "$@"
}
# B + M minutes as stint add's TIME (TZ is UTC here).
when() { date -u -d "@$((B + $1 * 60))" +%Y-%m-%dT%H:%M; }
# What REF pointed to before unix time S, as git reads its reflog ("" when it had no entry yet).
ref_at() { # ref S
	local log h sel t
	log=$(git reflog show --date=unix --format='%H %gd' "$1" --)
	while read -r h sel; do
		[ -n "$h" ] || continue
		t=${sel##*@\{}
		t=${t%\}}
		if [ "$t" -lt "$2" ]; then
			echo "$h"
			return
		fi
	done <<<"$log"
}
# HEAD and every local branch at S that existed then.
tips_at() {
	local r h
	for r in HEAD $(git for-each-ref --format='%(refname)' refs/heads/); do
		h=$(ref_at "$r" "$1")
		[ -z "$h" ] || echo "$h"
	done
}
# git's numbers for [M1, M2): "commits files added removed".
git_numbers() {
	local s=$((B + $1 * 60)) e=$((B + $2 * 60)) a z commits ns
	a=$(ref_at HEAD $s)
	z=$(ref_at HEAD $e)
	# shellcheck disable=SC2046 # one argument per tip
	commits=$(git rev-list --count $(tips_at $e) --not $(tips_at $s))
	ns=$(git diff -M --numstat "$a" "$z")
	awk -v c="$commits" 'NF { f++; a += $1; r += $2 } END { printf "%d %d %d %d\n", c, f, a, r }' <<<"$ns"
}
# stint's numbers for session ID from list --json, same order, then the branch.
stint_numbers() {
	"$STINT" list all --json | python3 -c '
import json, sys
s, = [x for x in json.load(sys.stdin)["sessions"] if x["id"] == int(sys.argv[1])]
print(s["commits"], s["files"], s["added"], s["removed"], s["branch"])' "$1"
}
# A line of text of its own.
lines() { printf '%s\n' "$@"; }

# The repository: a history before and around the sessions' ranges.
make_history() { # dir
	mkdir -p "$1"
	cd "$1"
	git init -q
	lines one two three >a.txt
	lines keep >old.txt
	gat 0 add a.txt old.txt
	gat 0 commit -q -m "initial"
	lines one two three four >a.txt
	gat 10 commit -q -am "before the first range"
	# [60, 120): a file changed, one added, one renamed and changed, one commit more.
	lines one 2 three four five >a.txt
	lines b1 b2 b3 >b.txt
	git mv old.txt new.txt
	lines keep kept >new.txt
	gat 70 add -A
	gat 70 commit -q -m "first in range"
	lines one 2 four five >a.txt
	gat 90 commit -q -am "second in range"
	lines after >c.txt
	gat 130 add c.txt
	gat 130 commit -q -m "after the first range"
	# [180, 240): a new branch with a commit, back to main for one, then topic again.
	gat 190 checkout -q -b topic
	lines t1 t2 >t.txt
	gat 200 add t.txt
	gat 200 commit -q -m "on topic"
	gat 210 checkout -q main
	lines one 2 four five six >a.txt
	gat 220 commit -q -am "on main"
	gat 230 checkout -q topic
	lines t1 >t.txt
	gat 235 commit -q -am "topic again"
	# After the range HEAD goes back to main: the branch at the end is read from the reflog.
	gat 250 checkout -q main
}

daemon_start
make_history "$T/app"

# --- The first range: two commits on main --------------------------------------------------
read -r gc gf ga gr <<<"$(git_numbers 60 120)"
expect_eq 2 "$gc" "git counts two commits in [60, 120) (the test's own history)"
out=$("$STINT" add --start "$(when 60)" --end "$(when 120)" --focus "Forgot the timer")
expect_contains "$out" "Added session #1:" "stint add's line"
expect_contains "$out" "From the reflog: $gc commits on main, $gf files changed, +$ga -$gr (committed work)" \
	"stint add says what the reflog gave"
expect_eq "$gc $gf $ga $gr main" "$(stint_numbers 1)" "the first range's numbers equal git's"
first_out=$out

# --- The second range: a branch switch inside it ------------------------------------------
read -r gc2 gf2 ga2 gr2 <<<"$(git_numbers 180 240)"
expect_eq 3 "$gc2" "git counts three commits in [180, 240) over main and topic"
out=$("$STINT" add --start "$(when 180)" --end "$(when 240)")
expect_eq "$gc2 $gf2 $ga2 $gr2 topic" "$(stint_numbers 2)" "the switched range's numbers equal git's"
expect_contains "$out" "on topic" "the branch at the end is topic, though HEAD is on main now"
second_out=$out

# A range with no commit and no move: zero of each, on the branch of then.
out=$("$STINT" add --start "$(when 140)" --end "$(when 170)")
expect_eq "0 0 0 0 main" "$(stint_numbers 3)" "a quiet range"
lst=$("$STINT" list all)

# report and export carry the numbers.
rep=$("$STINT" report all --json)
expect_eq "$((gc + gc2))" "$(json_get '["report"]["total"]["commits"]' <<<"$rep")" "report's total commits"
exp=$("$STINT" export all --format json)
python3 - "$exp" "$gc $gf $ga $gr" <<'PY' || fail "export carries the first range's numbers: $exp"
import json, sys
d = json.loads(sys.argv[1])
ss = d["sessions"] if isinstance(d, dict) else d
s = [x for x in ss if x["id"] == 1][0]
assert [s["commits"], s["files"], s["added"], s["removed"]] == [int(v) for v in sys.argv[2].split()], s
PY

# --- No statistics, and why --------------------------------------------------------------
first=$(git reflog show --date=unix --format='%gd' HEAD -- | tail -n 1)
first=${first##*@\{}
first=${first%\}}
out=$("$STINT" add --start "$(when -120)" --end "$(when -60)")
expect_contains "$out" "no git statistics: the reflog starts at $(date -u -d "@$first" +%Y-%m-%dT%H:%M:%S)+00:00, after the session's start" \
	"a range before the reflog begins"
expect_eq "None None None None None" "$(stint_numbers 4)" "no numbers before the reflog"
before_out=$out

# The same history with its reflogs expired: nothing covers any range.
make_history "$T/expired"
git reflog expire --expire=now --all
[ ! -s .git/logs/HEAD ] || fail "git left HEAD's reflog: $(cat .git/logs/HEAD)"
out=$("$STINT" add --start "$(when 60)" --end "$(when 120)")
expect_contains "$out" "no git statistics: HEAD's reflog is empty (expired, or reflogs are off)" \
	"an expired reflog"
id=$("$STINT" list all --json | python3 -c 'import json,sys; print(max(s["id"] for s in json.load(sys.stdin)["sessions"]))')
expect_eq "None None None None None" "$(stint_numbers "$id")" "no numbers from an expired reflog"
expired_out=$out

# A directory outside git.
mkdir -p "$T/plain"
cd "$T/plain"
out=$("$STINT" add --start "$(when 60)" --end "$(when 120)")
expect_contains "$out" "no git statistics: $T/plain is not a git repository" "outside git"

# An import names no directory: nothing to read, and the reply says so.
r=$(rawreq "{\"v\":1,\"cmd\":\"add\",\"repo\":\"imported\",\"start_ms\":$((B * 1000)),\"end_ms\":$(((B + 60) * 1000)),\"origin\":\"imported\",\"source_key\":\"t:1\"}")
expect_contains "$r" '"no_stats":"the session names no directory"' "an import: $r"

# --- The git fallback: diff.algorithm=histogram, which libgit2 1.5 does not have -----------
make_history "$T/fallback"
git config diff.algorithm histogram
read -r fc ff fa fr <<<"$(git_numbers 60 120)"
"$STINT" add --start "$(when 60)" --end "$(when 120)" >/dev/null
id=$("$STINT" list all --json | python3 -c 'import json,sys; print(max(s["id"] for s in json.load(sys.stdin)["sessions"]))')
expect_eq "$fc $ff $fa $fr main" "$(stint_numbers "$id")" "the fallback's first range equals git's"
"$STINT" add --start "$(when 180)" --end "$(when 240)" >/dev/null
read -r fc ff fa fr <<<"$(git_numbers 180 240)"
expect_eq "$fc $ff $fa $fr topic" "$(stint_numbers $((id + 1)))" "the fallback's switched range equals git's"
grep -q "libgit2 cannot read $T/fallback" "$DAEMON_LOG" || fail "the fallback was not taken"

"$STINT" ping >/dev/null || fail "stintd stopped serving"

if [ -n "${STINT_ADD_STATS_OUT:-}" ]; then
	{
		printf '$ stint add --start %s --end %s --focus "Forgot the timer"\n%s\n\n' "$(when 60)" "$(when 120)" "$first_out"
		printf '$ stint add --start %s --end %s\n%s\n\n' "$(when 180)" "$(when 240)" "$second_out"
		printf '$ stint list all\n%s\n\n' "$lst"
		printf '$ stint add --start %s --end %s\n%s\n\n' "$(when -120)" "$(when -60)" "$before_out"
		printf '$ git reflog expire --expire=now --all\n$ stint add --start %s --end %s\n%s\n' "$(when 60)" "$(when 120)" "$expired_out"
	} >"$STINT_ADD_STATS_OUT"
fi
echo "ok"
