#!/usr/bin/env bash
# [log] dir inside the repository with [log] commit = true: the log is committed on the current
# branch, alone, and only when nothing else is staged; the log directory never counts as work.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

make_repo "$T/r"
mkdir -p "$XDG_CONFIG_HOME/stint"
printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n' >"$XDG_CONFIG_HOME/stint/config.ini"
daemon_start
cd "$T/r"

"$STINT" start --focus "commit the log" >/dev/null
printf 'work\n' >>README
reply=$("$STINT" stop --json)
log=$(echo "$reply" | json_get '["log"]')
expect_eq "$T/r/docs/sessions/$(date +%F).md" "$log" "log inside the repository"
expect_eq True "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "log committed"
expect_eq "Session log: commit the log, $(date +%F) #1" "$(git log -1 --format=%s)" "commit message"
expect_eq "docs/sessions/$(date +%F).md" "$(git show --name-only --format= HEAD)" \
	"the commit holds the log alone"
# The user's uncommitted work stays uncommitted.
expect_eq " M README" "$(git status --porcelain)" "worktree after the log commit"

# Something else staged: the log is left uncommitted and the reply says why.
"$STINT" start >/dev/null
printf 'staged\n' >staged.txt
git add staged.txt
head=$(git rev-parse HEAD)
reply=$("$STINT" stop --json)
expect_eq False "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "not committed"
expect_contains "$(echo "$reply" | json_get '["log_commit"]["message"]')" "staged" "reason"
expect_eq "$head" "$(git rev-parse HEAD)" "no commit made"
expect_eq "A  staged.txt" "$(git status --porcelain | grep staged)" "staging untouched"

# Logs written into the repository are not the session's work.
git reset -q
"$STINT" start >/dev/null
git add -A && git commit -qm "user commit"
log=$("$STINT" stop | tail -n 1)
[ -f "$log" ] || fail "third log missing"
"$STINT" start >/dev/null
printf 'x\n' >"$T/r/docs/sessions/hand-written.md"
sleep 1
expect_eq 0 "$("$STINT" status --json | json_get '["sessions"][0]["files_changed"]')" \
	"files in the log directory are not counted"
"$STINT" stop --no-log >/dev/null
daemon_stop

# The store fails to record the stop (issue 11, bug 1): the log is committed only once the stop
# is on record, so nothing reaches git, the log is removed and the session stays open; once the
# store works again, the next stop records, writes and commits.
"$STINTD" --version | grep -q "test hooks" || skip "stintd was built without -DSTINT_TEST_HOOKS=ON"
FAILS="$T/store-fail"
STINT_TEST_STORE_FAIL_FILE="$FAILS" daemon_start
make_repo "$T/s"
cd "$T/s"
day=$(date +%F)
"$STINT" start --focus "store fails at stop" >/dev/null
printf 'work\n' >>README
head=$(git rev-parse HEAD)
commits=$(git rev-list --count HEAD)
echo close >"$FAILS"
set +e
reply=$(rawreq "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"$T/s\",\"summary\":\"typed once\"}")
set -e
expect_eq False "$(echo "$reply" | json_get '["ok"]')" "stop with a failing store: $reply"
expect_eq store_failed "$(echo "$reply" | json_get '["error"]["code"]')" "error code: $reply"
expect_contains "$(echo "$reply" | json_get '["error"]["message"]')" "test hook" "error names the cause"
expect_eq "$head" "$(git rev-parse HEAD)" "no commit after the failed stop"
expect_eq "$commits" "$(git rev-list --count HEAD)" "no commit counted after the failed stop"
expect_eq "" "$(git log --all --format=%s | grep -F "Session log" || true)" "no log commit anywhere"
[ ! -e "docs/sessions/$day.md" ] || fail "the failed stop left its log: $(ls docs/sessions)"
expect_eq " M README" "$(git status --porcelain)" "worktree after the failed stop"
st=$("$STINT" status --json -C "$T/s")
expect_eq 1 "$(echo "$st" | json_get '["sessions"].__len__()')" "the session stays open"
expect_eq active "$(echo "$st" | json_get '["sessions"][0]["state"]')" "the session's state"

rm "$FAILS"
reply=$("$STINT" stop --json)
log=$(echo "$reply" | json_get '["log"]')
expect_eq "$T/s/docs/sessions/$day.md" "$log" "the retry's log"
expect_eq True "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "the retry commits the log"
expect_eq $((commits + 1)) "$(git rev-list --count HEAD)" "one commit after the retry"
expect_eq "$head" "$(git rev-parse HEAD~1)" "the log's commit follows the old HEAD"
expect_eq "docs/sessions/$day.md" "$(git show --name-only --format= HEAD)" "the commit holds the log"
grep -q "typed once" "$log" || fail "the failed stop's summary is not in the retry's log"
expect_eq 0 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "closed after the retry"

# log --regenerate: the new log is committed like a stop's, and the row points at it; when
# the store cannot record it, the new file goes and nothing is committed.
sid=$("$STINT" list --json | json_get '["sessions"][0]["id"]')
commits=$(git rev-list --count HEAD)
echo run >"$FAILS"
set +e
reply=$(rawreq "{\"v\":1,\"cmd\":\"regenerate\",\"id\":$sid}")
set -e
rm "$FAILS"
expect_eq store_failed "$(echo "$reply" | json_get '["error"]["code"]')" "regenerate with a failing store: $reply"
expect_contains "$reply" "cannot record the new log" "regenerate with a failing store"
expect_eq "$day.md" "$(ls "$T/s/docs/sessions")" "no file left by the failed regenerate"
expect_eq "$commits" "$(git rev-list --count HEAD)" "no commit after the failed regenerate"
expect_eq "$log" "$("$STINT" log)" "stint log after the failed regenerate"
reply=$(rawreq "{\"v\":1,\"cmd\":\"regenerate\",\"id\":$sid}")
regen=$(echo "$reply" | json_get '["log"]')
expect_eq "$T/s/docs/sessions/$day-2.md" "$regen" "the regenerated log's path"
expect_eq True "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "the regenerated log committed: $reply"
expect_eq $((commits + 1)) "$(git rev-list --count HEAD)" "one commit for the regenerated log"
expect_eq "docs/sessions/$day-2.md" "$(git show --name-only --format= HEAD)" "the commit holds the regenerated log"
expect_eq "$regen" "$("$STINT" log)" "stint log after the regenerate"
daemon_stop
[ "$(date +%F)" = "$day" ] || skip "the day changed during the test; run it again"
echo ok
