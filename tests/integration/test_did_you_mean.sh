#!/usr/bin/env bash
# "did you mean ..." (issue 15, "Messages that help"): a mistyped command, a mistyped option of
# every command (from the command table, stint __commands), a mistyped subcommand, and a
# mistyped config section or key, in stint config check and in stintd itself.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# Runs stint; keeps its stderr in $err, its status in $rc (stdout is dropped).
run() {
	set +e
	err=$("$STINT" "$@" 2>&1 >/dev/null)
	rc=$?
	set -e
}

# --- commands ---------------------------------------------------------------------------------
run -C "$T"
expect_eq 2 "$rc" "stint -C DIR without a command"
expect_contains "$err" "no COMMAND given" "stint -C DIR without a command"
run stpo
expect_eq 2 "$rc" "stint stpo"
expect_contains "$err" "unknown command 'stpo'" "stint stpo"
expect_contains "$err" 'did you mean "stop"?' "stint stpo"
run staus
expect_contains "$err" 'did you mean "status"?' "stint staus"
run help lsit
expect_eq 2 "$rc" "stint help lsit"
expect_contains "$err" 'did you mean "list"?' "stint help lsit"
run --verison
expect_eq 2 "$rc" "stint --verison"
expect_contains "$err" 'did you mean "--version"?' "stint --verison"
# Nothing near: no guess.
run frobnicate
expect_eq 2 "$rc" "stint frobnicate"
[[ $err != *"did you mean"* ]] || fail "a guess for frobnicate: $err"

# Every command in the table is suggested for itself with two letters swapped.
commands=$("$STINT" __commands | cut -f1 | sort -u | grep -v '^$')
[ "$(wc -l <<<"$commands")" -ge 20 ] || fail "stint __commands lists too few commands: $commands"
for c in $commands; do
	[ ${#c} -ge 4 ] || continue
	typo="${c:0:1}${c:2:1}${c:1:1}${c:3}"
	[ "$typo" != "$c" ] || typo="${c:0:${#c}-1}"
	run "$typo"
	expect_eq 2 "$rc" "stint $typo"
	expect_contains "$err" "did you mean \"$c\"" "stint $typo"
done

# --- every long option of every command, mistyped --------------------------------------------
n=0
while IFS=$'\t' read -r cmd long short arg; do
	[ -n "$cmd" ] && [ -n "$long" ] || continue
	name=${long#--}
	[ ${#name} -ge 4 ] || continue
	# The last two letters swapped: never a prefix getopt would take for the option itself.
	typo="--${name:0:${#name}-2}${name: -1}${name: -2:1}"
	[ "$typo" != "$long" ] || typo="--${name}x"
	run "$cmd" "$typo"
	expect_eq 2 "$rc" "stint $cmd $typo"
	expect_contains "$err" "unrecognized option '$typo'" "stint $cmd $typo"
	expect_contains "$err" "did you mean \"$long\"" "stint $cmd $typo"
	expect_contains "$err" "usage: stint" "stint $cmd $typo"
	n=$((n + 1))
done < <("$STINT" __commands)
[ "$n" -ge 40 ] || fail "only $n options were tried"
run stop --no-lgo
expect_contains "$err" 'did you mean "--no-log"?' "stint stop --no-lgo"
# The option of another command is no guess for this one.
run note --summray x
[[ $err != *"did you mean"* ]] || fail "note --summray guessed: $err"

# --- subcommands --------------------------------------------------------------------------------
run notify tset
expect_eq 2 "$rc" "notify tset"
expect_contains "$err" 'did you mean "test"?' "notify tset"
run config chekc
expect_contains "$err" 'did you mean "check"?' "config chekc"
run import watsno x
expect_contains "$err" 'did you mean "watson"?' "import watsno"

# --- option values and RANGE words -------------------------------------------------------------
run todo --priority hihg x
expect_eq 2 "$rc" "todo --priority hihg"
expect_contains "$err" "not 'hihg'; did you mean \"high\"?" "todo --priority hihg"
run report lastweek
expect_eq 2 "$rc" "report lastweek"
expect_contains "$err" 'did you mean "last-week"?' "report lastweek"
run list yesterdya
expect_contains "$err" 'did you mean "yesterday"?' "list yesterdya"
run export --format jsno
expect_contains "$err" 'did you mean "json"?' "export --format jsno"
run report --by day,bracnh
expect_eq 2 "$rc" "report --by day,bracnh"
expect_contains "$err" "--by: unknown 'bracnh'" "report --by day,bracnh"
expect_contains "$err" 'did you mean "branch"?' "report --by day,bracnh"
run report zzzzzzzz
[[ $err != *"did you mean"* ]] || fail "report zzzzzzzz guessed: $err"

# --- the config: stint config check, stintd --check-config, and stintd starting --------------
mkdir -p "$(dirname "$CONFIG")"
printf '[log]\nmaxfilerows = 5\n' >"$CONFIG"
run config check
expect_eq 1 "$rc" "config check of a mistyped key"
expect_contains "$err" "$CONFIG:2: unknown key \"maxfilerows\" in [log]; did you mean \"max_file_rows\"?" "config check"
printf '[notfiy]\n' >"$CONFIG"
set +e
err=$("$STINTD" --check-config 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "stintd --check-config of a mistyped section"
expect_contains "$err" "$CONFIG:1: unknown section [notfiy]; did you mean \"notify\"?" "a section"
printf '[log]\nidle_timeout = 5m\n' >"$CONFIG"
run config check
expect_contains "$err" "unknown key \"idle_timeout\" in [log]; it belongs in [time]" "a key in the wrong section"
# A running stintd refuses the same file on SIGHUP with the same hint, and keeps serving.
printf '[time]\nidle_timeout = 5m\n' >"$CONFIG"
daemon_start
printf '[time]\nidle_timeuot = 5m\n' >"$CONFIG"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'did you mean "idle_timeout"' "$DAEMON_LOG" || fail "no hint in stintd's log on reload: $(tail -n 5 "$DAEMON_LOG")"
"$STINT" ping >/dev/null || fail "stintd stopped serving after a bad reload"

# Timewarrior's and Watson's habit of naming the work and its tags as words: the refusal says
# which option takes them; nothing is started.
run start backend
expect_eq 2 "$rc" "start with a word"
expect_contains "$err" "unexpected argument 'backend' (what you work on goes after --focus: --focus \"backend\")" "start with a word"
run start --focus parser +urgent
expect_eq 2 "$rc" "start with a +tag"
expect_contains "$err" "unexpected argument '+urgent' (a tag goes after --tag: --tag urgent)" "start with a +tag"
run status extra
expect_eq 2 "$rc" "status with a word"
expect_contains "$err" "unexpected argument 'extra'" "status with a word"
case $err in *--focus*) fail "status has no --focus, yet the hint names it: $err" ;; esac
[[ $("$STINT" status --json) == *'"sessions":[]'* ]] || fail "a refused start started a session: $("$STINT" status --json)"

# Every mistake of a file at once, in the file's order, each with its hint.
printf '[time]\nidle_timout = 5m\n[notfy]\nenabled = false\n[log]\nplaceholders = coment\ngarbage line\n' >"$CONFIG"
run config check
expect_eq 1 "$rc" "config check of a file with four mistakes"
expect_eq "$CONFIG:2: unknown key \"idle_timout\" in [time]; did you mean \"idle_timeout\"?
$CONFIG:3: unknown section [notfy]; did you mean \"notify\"?
$CONFIG:6: [log] placeholders: \"coment\" is not one of keep, comment or drop
$CONFIG:7: expected [section] or key = value: \"garbage line\"" "$err" "config check of four mistakes"
