#!/usr/bin/env bash
# A session's whole life through the real CLI and daemon: start, notes, pause, status, stop, log.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

daemon_start
make_repo "$T/proj"
mkdir -p "$T/proj/src/deep"
cd "$T/proj/src/deep"

out=$("$STINT" start --focus "Socket server" --tag c --tag daemon)
expect_contains "$out" 'Started "Socket server" in' "start output"
expect_contains "$out" "on main at" "start names the branch"

# Starting again anywhere in the same repository is refused, naming the running session.
set +e
err=$("$STINT" start -C "$T/proj" 2>&1 >/dev/null)
rc=$?
set -e
expect_eq 1 "$rc" "double start exit code"
expect_contains "$err" "stint stop" "double start says how to stop"

"$STINT" note "first note"
"$STINT" note --learning "libuv pipes need uv_pipe_open for passed fds"
"$STINT" note --challenge "flock vs stale sockets"
"$STINT" todo --priority high "write the README"
"$STINT" todo --priority blocked --blocked-by "upstream release" "bump libgit2"
"$STINT" todo "plain medium todo"
"$STINT" decision "Use SQLite WAL" --why "durable and fast"
"$STINT" pause
set +e
"$STINT" pause 2>/dev/null
rc=$?
set -e
expect_eq 1 "$rc" "pausing a paused session"
state=$("$STINT" status --json | json_get '["sessions"][0]["state"]')
expect_eq paused "$state" "state after pause"
"$STINT" resume

json=$("$STINT" status --json)
expect_eq 1 "$(echo "$json" | json_get '["v"]')" "status version"
expect_eq "$T/proj" "$(echo "$json" | json_get '["sessions"][0]["repo"]')" "repo is the worktree root"
expect_eq main "$(echo "$json" | json_get '["sessions"][0]["branch"]')" "branch"
expect_eq "Socket server" "$(echo "$json" | json_get '["sessions"][0]["focus"]')" "focus"
expect_eq '["c", "daemon"]' "$(echo "$json" | json_get '["sessions"][0]["tags"]')" "tags"
expect_eq active "$(echo "$json" | json_get '["sessions"][0]["state"]')" "state after resume"
for k in id started_at active_s wall_s; do
	echo "$json" | json_get "[\"sessions\"][0][\"$k\"]" >/dev/null || fail "status lacks $k"
done
echo "$json" | json_get '["daemon"]["pid"]' >/dev/null
human=$("$STINT" status)
expect_contains "$human" "Socket server" "human status shows the focus"

# Another directory has no session; status there (with -C) is empty and exits 0.
mkdir -p "$T/elsewhere"
expect_eq 0 "$("$STINT" status --json -C "$T/elsewhere" | json_get '["sessions"].__len__()')" "status -C elsewhere"
set +e
out=$("$STINT" status -C "$T/elsewhere" 2>"$T/err")
rc=$?
json=$("$STINT" status --json -C "$T/elsewhere" 2>>"$T/err")
jrc=$?
set -e
expect_eq 0 "$rc" "status -C elsewhere exit code"
expect_eq "No open session." "$out" "status -C elsewhere output"
expect_eq 0 "$jrc" "status --json -C elsewhere exit code"
expect_eq "[]" "$(echo "$json" | json_get '["sessions"]')" "status --json -C elsewhere sessions"
expect_eq "" "$(cat "$T/err")" "status -C elsewhere stderr"
set +e
"$STINT" stop -C "$T/elsewhere" 2>/dev/null
rc=$?
set -e
expect_eq 1 "$rc" "stop without a session"

out=$("$STINT" stop --summary "Built the socket server.")
log=$(printf '%s\n' "$out" | tail -n 1)
expect_eq "$XDG_DATA_HOME/stint/logs/proj/$(date +%F).md" "$log" "log path is the last line"
[ -f "$log" ] || fail "log $log not written"
content=$(cat "$log")
expect_contains "$content" "# Session: Socket server" "log title"
expect_contains "$content" "**Branch:** main" "log branch"
expect_contains "$content" "Built the socket server." "log summary"
expect_contains "$content" "first note" "log session note"
expect_contains "$content" "libuv pipes need uv_pipe_open" "log learning"
expect_contains "$content" "flock vs stale sockets" "log challenge"
expect_contains "$content" "- [ ] write the README" "log todo"
expect_contains "$content" "upstream release" "log blocked by"
expect_contains "$content" "Use SQLite WAL" "log decision"
expect_contains "$content" "durable and fast" "log rationale"
expect_contains "$content" "Test Author" "log author from git user.name"
expect_contains "$content" "Draft" "log review status"

# Every heading of the template, in order.
template="$STINT_SOURCE_DIR/../shared/session-log-template.md"
if [ -f "$template" ]; then
	# "### Challenge N" headings repeat once per recorded challenge; the rest must match.
	headings() { grep -E '^#{1,3} ' "$1" | grep -vE '^### Challenge [0-9]+' | sed -E 's/\[.*\]//; s/: .*$//'; }
	diff <(headings "$template") <(headings "$log") ||
		fail "log headings differ from the template's"
fi

expect_eq 0 "$("$STINT" status --json | json_get '["sessions"].__len__()')" "no session after stop"

# A second session the same day gets a second file; the first is untouched.
sum=$(sha256sum "$log")
"$STINT" start >/dev/null
log2=$("$STINT" stop | tail -n 1)
expect_eq "$XDG_DATA_HOME/stint/logs/proj/$(date +%F)-2.md" "$log2" "second log name"
sha256sum -c <<<"$sum" >/dev/null || fail "first log changed"

# cancel keeps the record but writes no log; stop --no-log likewise.
"$STINT" start --focus cancelled-one >/dev/null
"$STINT" cancel >/dev/null
"$STINT" start --focus nolog >/dev/null
out=$("$STINT" stop --no-log)
[ ! -f "$XDG_DATA_HOME/stint/logs/proj/$(date +%F)-3.md" ] || fail "--no-log wrote a log"
list=$("$STINT" list --json)
expect_eq 4 "$(echo "$list" | json_get '["sessions"].__len__()')" "list counts closed sessions"
expect_eq nolog "$(echo "$list" | json_get '["sessions"][0]["focus"]')" "list is newest first"
expect_eq cancelled "$(echo "$list" | json_get '["sessions"][1]["state"]')" "cancelled state"

# Outside any repository the directory itself is the session's.
mkdir -p "$T/plain"
"$STINT" start -C "$T/plain" >/dev/null
expect_eq "$T/plain" "$("$STINT" status --json -C "$T/plain" | json_get '["sessions"][0]["repo"]')" "plain dir"
expect_eq null "$("$STINT" status --json -C "$T/plain" | json_get '["sessions"][0]["branch"]')" "no branch"
"$STINT" stop -C "$T/plain" >/dev/null

# Usage errors exit 2.
set +e
"$STINT" start --bogus 2>/dev/null
expect_eq 2 $? "unknown option"
"$STINT" frobnicate 2>/dev/null
expect_eq 2 $? "unknown command"
"$STINT" todo --priority urgent x 2>/dev/null
expect_eq 2 $? "bad priority"
out=$("$STINT" todo "- [ ] a checklist item" 2>&1)
expect_eq 2 $? "text starting with '-'"
expect_contains "$out" "put '--' before it: stint todo -- '- [ ] a checklist item'" "the hint for text starting with '-'"
set -e

daemon_stop
echo ok
