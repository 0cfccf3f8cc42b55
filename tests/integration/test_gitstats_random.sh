#!/usr/bin/env bash
# gitstats against git under random work (issue 16): a real repository with history and files of
# every kind, a session of the real stintd on it, then STINT_RANDOM_STEPS random operations
# (edits most of the time; creates, deletes, renames, chmod, symlinks, the ignored directory,
# add, rm --cached, commits, branches, resets, stashes, amends, merges). After every step
# stint-gitstats (the daemon's code) must print git's numstat, totals and commits; every
# STINT_RANDOM_DAEMON_EVERY steps and at the end stintd's status must come to show git's numbers.
# The driver is test_gitstats_random.py. A failure prints the seed and the step: rerun with
# STINT_RANDOM_SEED=... STINT_RANDOM_STEPS=... to replay the same operations. STINT_RANDOM_GIT=1
# makes stint compute through git (its fallback), STINT_RANDOM_MANY=N adds N small files.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment
. "$(dirname "$0")/gitstats-lib.sh" || exit 1

SEED=${STINT_RANDOM_SEED:-16}
STEPS=${STINT_RANDOM_STEPS:-200}
EVERY=${STINT_RANDOM_DAEMON_EVERY:-25}
R="$T/repo"
echo "seed $SEED, $STEPS steps, stintd checked every $EVERY (STINT_RANDOM_SEED, STINT_RANDOM_STEPS)"

new_repo "$R"
python3 "$(dirname "$0")/test_gitstats_random.py" setup "$R" "$SEED" || fail "setup of $R failed"
if [ "${STINT_RANDOM_GIT:-}" = 1 ]; then # the git fallback (docs/git-statistics.md), not libgit2
	git -C "$R" config core.repositoryformatversion 1
	git -C "$R" config extensions.worktreeConfig true
fi

daemon_start
"$STINT" start -C "$R" --focus "random work" >/dev/null
take_baseline "$R"
daemon_baseline() { json_get '["sessions"][0].get("baseline")' <<<"$("$STINT" status --json -C "$R")"; }
has_baseline() { [ "$(daemon_baseline)" != null ]; }
wait_for 20 has_baseline || fail "stintd took no baseline: $("$STINT" status --json -C "$R")"
expect_eq "$(base_tree)" "$(daemon_baseline)" "stintd's baseline and stint-gitstats'"
expect_eq "$([ "${STINT_RANDOM_GIT:-}" = 1 ] && echo true || echo false)" \
	"$(summary "$R" "$BASE" | awk -F'\t' '$1 == "fallback" { print $2 }')" "computed via git"

TOOL="${STINT_RANDOM_TOOL:-$TOOL}" STINT="$STINT" python3 "$(dirname "$0")/test_gitstats_random.py" \
	run "$R" "$BASE" "$T" "$SEED" "$STEPS" "$EVERY" || {
	# STINT_RANDOM_KEEP=DIR keeps the repository and the baseline as they were at the failure.
	[ -z "${STINT_RANDOM_KEEP:-}" ] || cp -a "$R" "$BASE" "$STINT_RANDOM_KEEP/"
	fail "seed $SEED: see above"
}

# The end state once more through the shell helpers test_gitstats.sh uses.
check_numstat "$R" "seed $SEED, the end" allow-empty
check_commit_stats "$R" "seed $SEED, the end"

# The stop recomputes in full: the closed session's numbers are git's too.
want=$(git_numstat "$R" "$(base_tree)" | sums)
tips=$(python3 -c 'import json, sys; print(*{t["oid"] for t in json.load(sys.stdin)["tips"]})' <"$BASE")
commits=$(git -C "$R" rev-list --count HEAD --branches --not $tips)
"$STINT" stop -C "$R" --no-checks >/dev/null
got=$("$STINT" list --json -n 1 | python3 -c '
import json, sys
s = json.load(sys.stdin)["sessions"][0]
print(s["added"], s["removed"], s["files"], s["commits"])')
expect_eq "$want $commits" "$got" "seed $SEED: the stopped session (added removed files commits)"
echo "ok - seed $SEED, $STEPS steps"
