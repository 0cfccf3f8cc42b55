#!/usr/bin/env bash
# A log committed into the repository ([log] dir inside it, [log] commit = true) is read by whoever
# clones it: its "Previous sessions" link only the logs inside the repository (a link to a log in
# this machine's data directory would be dead there), while the open todos of those other logs
# still carry. Without commit, a log in the repository links every previous log
# (test_log_continuity.sh).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

make_repo "$T/r"
cd "$T/r"
daemon_start
"$STINT" start --focus "Private first" >/dev/null
"$STINT" todo --next "Carry me over" >/dev/null
private=$("$STINT" stop | tail -n 1)
[[ $private == "$XDG_DATA_HOME"/* ]] || fail "the first log is not in the data directory: $private"
daemon_stop

mkdir -p "$(dirname "$CONFIG")"
printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n' >"$CONFIG"
daemon_start
"$STINT" start --focus "Shared second" >/dev/null
shared=$("$STINT" stop | tail -n 1)
name=$(basename "$shared") # DATE.md, of the session's start day (midnight may pass meanwhile)
expect_eq "$T/r/docs/sessions/$name" "$shared" "the committed log's path"
expect_eq "docs/sessions/$name" "$(git show --name-only --format= HEAD)" "the log is committed"
if grep -n '](\.\./' "$shared"; then fail "the committed log links outside the repository"; fi
grep -qF -- "- [ ] Carry me over" "$shared" || fail "the private log's todo was not carried: $(cat "$shared")"

"$STINT" start --focus "Shared third" >/dev/null
third=$("$STINT" stop | tail -n 1)
grep -qF "]($name)" "$third" || grep -qF "](./$name)" "$third" || fail "the third log does not link the second: $(grep -n '\.md)' "$third")"
if grep -n '](\.\./' "$third"; then fail "the third log links outside the repository"; fi
"$STINT" ping >/dev/null || fail "stintd stopped serving"
