#!/usr/bin/env bash
# [log] commit = true with stop --edit (issue 12): the log is committed once the editor is done,
# so the commit holds what the user wrote; an editor that fails leaves the log committed as it
# stands; a stint killed while its editor runs commits nothing, and stintd says so; one killed
# before the stop's reply (no editor will run) has the log committed as written. Each commit's
# message names its session.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

make_repo "$T/r"
mkdir -p "$XDG_CONFIG_HOME/stint" "$T/bin"
printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n' >"$CONFIG"
# The fake editor appends $EDIT_TEXT to the log, then exits with $EDIT_EXIT.
cat >"$T/bin/editor" <<'EOF'
#!/bin/sh
printf '%s\n' "$EDIT_TEXT" >>"$1"
exit "${EDIT_EXIT:-0}"
EOF
chmod +x "$T/bin/editor"
export VISUAL='' EDITOR="$T/bin/editor"
daemon_start
cd "$T/r"
day=$(date +%F)

# --- the editor writes: the commit holds it ------------------------------------------------
"$STINT" start --focus "parser rewrite" >/dev/null
printf 'work\n' >>README
out=$(EDIT_TEXT="Written in the editor, first session." "$STINT" stop --edit 2>"$T/err")
log=$(printf '%s\n' "$out" | tail -n 1)
expect_eq "$T/r/docs/sessions/$day.md" "$log" "the log's path is the last line"
grep -qx "Written in the editor, first session." <<<"$(git show "HEAD:docs/sessions/$day.md")" ||
	fail "the commit does not hold the editor's text: $(git show HEAD | tail -n 5)"
expect_contains "$out" "Committed the edited log on main." "stop --edit says the commit was made"
expect_eq "" "$(cat "$T/err")" "stderr of stop --edit"
expect_eq "$(cat "$log")" "$(git show "HEAD:docs/sessions/$day.md")" "the commit holds the file as edited"
expect_eq "" "$(git status --porcelain docs)" "nothing of the log is left uncommitted"
expect_eq "Session log: parser rewrite, $day #1" "$(git log -1 --format=%s)" "first message"
expect_eq "docs/sessions/$day.md" "$(git show --name-only --format= HEAD)" "the commit holds the log alone"
expect_eq " M README" "$(git status --porcelain)" "the user's work stays uncommitted"

# --- the editor exits 1: committed as the file stands, and said ---------------------------
"$STINT" start --focus "parser rewrite" >/dev/null
set +e
out=$(EDIT_TEXT="Half written." EDIT_EXIT=1 "$STINT" stop --edit 2>"$T/err")
rc=$?
set -e
expect_eq 0 "$rc" "stop --edit with a failing editor"
log2=$(printf '%s\n' "$out" | tail -n 1)
expect_eq "$T/r/docs/sessions/$day-2.md" "$log2" "the second log"
expect_contains "$(cat "$T/err")" "the editor '$T/bin/editor' exited with status 1" "the failing editor is reported"
expect_contains "$out" "Committed the log on main." "the commit after a failing editor is reported"
expect_eq "$(cat "$log2")" "$(git show "HEAD:docs/sessions/$day-2.md")" "committed as the file stands"
expect_eq "Session log: parser rewrite, $day #2" "$(git log -1 --format=%s)" "second message"
[ "$(git log -2 --format=%s | sort -u | wc -l)" -eq 2 ] || fail "two sessions' messages are the same"

# --- without a focus the repository names it; a long focus is cut -------------------------
"$STINT" start >/dev/null
"$STINT" stop >/dev/null
expect_eq "Session log: r, $day #3" "$(git log -1 --format=%s)" "message without a focus"
long="$(printf 'word%.0s-' $(seq 1 50))x"
"$STINT" start --focus "$long" >/dev/null
"$STINT" stop >/dev/null
subject=$(git log -1 --format=%s)
expect_eq "Session log: ${long:0:60}…, $day #4" "$subject" "a long focus is cut"

# --- stint killed while its editor runs: nothing committed, and stintd says so -------------
cat >"$T/bin/slow-editor" <<EOF
#!/bin/sh
printf 'never saved\n' >>"\$1"
echo \$\$ >"$T/editor.pid"
exec sleep 600
EOF
chmod +x "$T/bin/slow-editor"
"$STINT" start --focus "killed" >/dev/null
head=$(git rev-parse HEAD)
EDITOR="$T/bin/slow-editor" "$STINT" stop --edit >"$T/killed.out" 2>&1 &
cli=$!
wait_for 20 test -s "$T/editor.pid" || fail "the editor did not start"
kill -KILL "$cli"
wait "$cli" 2>/dev/null || true
# Its editor is an orphan now (the sleep it became, by its pid).
kill "$(cat "$T/editor.pid")" 2>/dev/null || true
expect_eq "$head" "$(git rev-parse HEAD)" "no commit without the editor's end"
log5="$T/r/docs/sessions/$day-5.md"
[ -f "$log5" ] || fail "the killed stop's log is missing: $(ls docs/sessions)"
# The next session there closes: the waiting commit is given up, and the daemon log says so.
"$STINT" start >/dev/null
"$STINT" stop --no-log >/dev/null
wait_for 10 grep -q "the log $log5 was not committed: a later session there closed" "$DAEMON_LOG" ||
	fail "stintd did not say the log was left uncommitted"
expect_eq "$head" "$(git rev-parse HEAD)" "still no commit of the killed stop's log"
expect_eq "?? docs/sessions/$day-5.md" "$(git status --porcelain docs)" "the log is left as it was"

# --- bad input: a log no stop --edit left waiting ----------------------------------------
for path in "$log5" "$log" "$T/r/nonexistent.md"; do
	reply=$(rawreq "{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"$T/r\",\"log\":\"$path\",\"edited\":true}")
	expect_eq no_log_commit "$(echo "$reply" | json_get '["error"]["code"]')" "log_commit of $path"
	expect_contains "$(echo "$reply" | json_get '["error"]["message"]')" "no log commit waits for $path" "the error names the log"
done
reply=$(rawreq "{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"$T/r\",\"log\":\"docs/x.md\",\"edited\":true}")
expect_eq bad_request "$(echo "$reply" | json_get '["error"]["code"]')" "log_commit of a relative path"
reply=$(rawreq "{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"$T/r\",\"log\":\"$log5\"}")
expect_eq bad_request "$(echo "$reply" | json_get '["error"]["code"]')" "log_commit without edited"
expect_eq "$head" "$(git rev-parse HEAD)" "bad requests commit nothing"
"$STINT" ping >/dev/null || fail "stintd stopped serving"

# The wire: a stop with "edit" leaves its commit waiting for log_commit from that repository.
make_repo "$T/other"
"$STINT" start -C "$T/other" >/dev/null
reply=$(rawreq "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"$T/other\",\"edit\":true}")
expect_eq True "$(echo "$reply" | json_get '["log_commit"]["pending"]')" "stop with edit: the commit waits"
expect_eq False "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "stop with edit: not committed yet"
other_log=$(echo "$reply" | json_get '["log"]')
other_head=$(git -C "$T/other" rev-parse HEAD)
reply=$(rawreq "{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"$T/r\",\"log\":\"$other_log\",\"edited\":true}")
expect_eq no_log_commit "$(echo "$reply" | json_get '["error"]["code"]')" "log_commit from another repository"
expect_eq "$other_head" "$(git -C "$T/other" rev-parse HEAD)" "nothing committed from elsewhere"
reply=$(rawreq "{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"$T/other\",\"log\":\"$other_log\",\"edited\":false}")
expect_eq True "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "log_commit from its repository: $reply"
expect_eq "$other_head" "$(git -C "$T/other" rev-parse HEAD~1)" "one commit"
expect_eq "Session log: other, $day #1" "$(git -C "$T/other" log -1 --format=%s)" "its message"
# Once committed, it waits no more.
reply=$(rawreq "{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"$T/other\",\"log\":\"$other_log\",\"edited\":true}")
expect_eq no_log_commit "$(echo "$reply" | json_get '["error"]["code"]')" "a second log_commit"

# --- stint killed before the stop's reply: no editor will run, so the log is committed as written
daemon_stop
printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n[checks]\nslow = sleep 3\n' >"$CONFIG"
daemon_start
"$STINT" start -C "$T/other" --focus "gone before the reply" >/dev/null
other_head=$(git -C "$T/other" rev-parse HEAD)
EDIT_TEXT="never written" "$STINT" stop -C "$T/other" --edit >/dev/null 2>&1 &
cli=$!
wait_for 20 grep -q 'checks: "slow" started' "$DAEMON_LOG" || fail "the check did not start"
kill -KILL "$cli"
wait "$cli" 2>/dev/null || true
committed() { [ "$(git -C "$T/other" rev-parse HEAD)" != "$other_head" ]; }
wait_for 20 committed || fail "the log of a stop whose stint was killed is not committed"
expect_eq "Session log: gone before the reply, $day #2" "$(git -C "$T/other" log -1 --format=%s)" \
	"the message of the log committed without its stint"
expect_eq "$(cat "$T/other/docs/sessions/$day-2.md")" \
	"$(git -C "$T/other" show "HEAD:docs/sessions/$day-2.md")" "committed as written"
grep -q "never written" "$T/other/docs/sessions/$day-2.md" && fail "an editor ran without its stint"
grep -q "its stint is gone; committing the log as written" "$DAEMON_LOG" ||
	fail "stintd did not say why it committed"
daemon_stop
[ "$(date +%F)" = "$day" ] || skip "the day changed during the test; run it again"
echo ok
