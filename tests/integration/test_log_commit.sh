#!/usr/bin/env bash
# [log] dir inside the repository with [log] commit = true: the log is committed on the current
# branch, alone, and only when nothing else is staged; the log directory never counts as work.
. "$(dirname "$0")/lib.sh"

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
expect_eq "Session log $(date +%F)" "$(git log -1 --format=%s)" "commit message"
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
echo ok
