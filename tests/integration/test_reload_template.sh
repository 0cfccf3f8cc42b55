#!/usr/bin/env bash
# SIGHUP checks the [log] template the way start-up and --check-config do (issue 11, bug 3): a
# config naming a template with an error is not reloaded, the old settings (the built-in
# template) stay in use, and --check-config names the template's file:line; a valid template
# is then reloaded and used.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

: "${STINT_SOURCE_DIR:?STINT_SOURCE_DIR must name the source tree (ctest sets it)}"
CONFIG="$XDG_CONFIG_HOME/stint/config.ini"
TPL="$T/templates/session.md"
LOGS="$T/logs"
mkdir -p "$XDG_CONFIG_HOME/stint" "$T/templates"
day=$(date +%F)

printf '[log]\ndir = %s/{repo_name}\n' "$LOGS" >"$CONFIG"
daemon_start
make_repo "$T/r"
cd "$T/r"

# A template whose section closes the wrong tag: {{/activities}} on line 8 while {{#details}}
# (line 6) is open.
cp "$STINT_SOURCE_DIR/tests/fixtures/templates/bad-mismatched.md" "$TPL"
printf '[log]\ndir = %s/{repo_name}\ntemplate = %s\n' "$LOGS" "$TPL" >"$CONFIG"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q "not reloaded" "$DAEMON_LOG" || fail "a bad template was not refused on SIGHUP"
line=$(grep "not reloaded" "$DAEMON_LOG")
expect_contains "$line" "$TPL:8" "the refusal names the template's file:line"
grep -q "config: reloaded" "$DAEMON_LOG" && fail "the config with a bad template was reloaded"

# The old settings stay: the built-in template renders the next log.
"$STINT" start --focus "after a bad reload" >/dev/null
log=$("$STINT" stop | tail -n 1)
expect_eq "$LOGS/r/$day.md" "$log" "the log's path"
expect_eq "# Session: after a bad reload" "$(head -n 1 "$log")" "the built-in template's first line"

set +e
out=$("$STINTD" --check-config 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "stintd --check-config accepts the bad template: $out"
expect_contains "$out" "$TPL:8" "--check-config names the template's file:line"

# A valid template: reloaded and used.
printf '# Reloaded: {{title}}\n{{#notes}}\n- {{text}}\n{{/notes}}\n' >"$TPL"
"$STINTD" --check-config >/dev/null || fail "the good template is refused: $("$STINTD" --check-config 2>&1)"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q "config: reloaded" "$DAEMON_LOG" || fail "the good template was not reloaded"
"$STINT" start --focus "after a good reload" >/dev/null
"$STINT" note "rendered by the reloaded template" >/dev/null
log=$("$STINT" stop | tail -n 1)
expect_eq "$LOGS/r/$day-2.md" "$log" "the second log's path"
expect_eq "# Reloaded: after a good reload
- rendered by the reloaded template" "$(template_text "$log")" "the reloaded template's output"
daemon_stop
[ "$(date +%F)" = "$day" ] || skip "the day changed during the test; run it again"
echo ok
