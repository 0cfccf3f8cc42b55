#!/usr/bin/env bash
# stint __complete, the engine of the bash, zsh and fish completions: commands and options from
# the command table, every option value, session ids, tags and watched repositories from the
# real stintd; silent and quick without one, or with a stintd that answers badly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/completion-lib.sh"

TAB=$'\t'

# Completes words: CANDS gets the candidates (descriptions cut off) and DIRECTIVE the final
# directive line, after checking the exit status and the silence on stderr.
cands() {
	local out rc line
	local -a lines
	out=$("$STINT" __complete "$@" 2>"$T/err") && rc=0 || rc=$?
	[ $rc -eq 0 ] || fail "__complete $* exited $rc: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "__complete $* wrote to stderr: $(cat "$T/err")"
	mapfile -t lines <<<"$out"
	DIRECTIVE=${lines[-1]}
	case $DIRECTIVE in :none | :files | :dirs) ;; *) fail "__complete $*: last line [$DIRECTIVE] is no directive" ;; esac
	CANDS=
	for line in "${lines[@]:0:${#lines[@]}-1}"; do
		CANDS+=${line%%"$TAB"*}$'\n'
	done
	CANDS=${CANDS%$'\n'}
}

expect_cands() { # expected (lines) words...
	local want=$1
	shift
	cands "$@"
	expect_eq "$want" "$CANDS" "candidates of [$*]"
}

# --- without a stintd: nothing from it, exit 0, none started (even with autostart allowed) ---
unset STINT_NO_AUTOSTART
expect_cands "" edit ""
expect_eq ":none" "$DIRECTIVE" "edit ID without stintd"
expect_cands "" log --regenerate ""
expect_cands "" start --tag ""
expect_cands "" unwatch ""
if [ -e "$SOCK" ] || [ -e "$XDG_STATE_HOME/stint/stintd.log" ]; then
	# Not left running after the test: the trap knows only a stintd the test started.
	pid=$(field "$(STINT_NO_AUTOSTART=1 "$STINT" ping --json)" pid) && kill "$pid"
	fail "a completion started stintd ($SOCK or its stintd.log exists)"
fi
export STINT_NO_AUTOSTART=1

# --- commands: every command of the table, with its summary, and only those ---
cands ""
expect_eq "$(table_commands | sort)" "$(sort <<<"$CANDS")" "the commands"
grep -qx "start${TAB}Open a session for the repository you are in" <<<"$("$STINT" __complete sta)" ||
	fail "start has no description: $("$STINT" __complete sta)"
expect_cands $'start\nstatus\nstop' st
expect_cands $'start\nstatus\nstop' -C /tmp st
expect_cands $'note\nnotify' help no

# --- options: every option of every command, and main's own ---
for cmd in "" $(table_commands); do
	cands $cmd -
	got=$CANDS
	while IFS= read -r opt; do
		grep -qxF -- "$opt" <<<"$got" || fail "option $opt of [$cmd] not offered; got: $got"
	done < <(table_options "$cmd")
	[ "$(sort <<<"$got")" = "$(table_options "$cmd" | sort)" ] ||
		fail "[$cmd -] offers more than its options: $got"
done
expect_cands "--focus" start --fo
expect_cands "-f" start -f
grep -q "^--focus${TAB}what the session is about" <<<"$("$STINT" __complete start --fo)" ||
	fail "--focus has no description from the help"
# An item's help goes on over lines: the description is all of it, cut after a word when long.
got=$("$STINT" __complete stop --)
grep -qx -- "--edit${TAB}then open the log in \$VISUAL, else \$EDITOR, else vi (not with --no-log or --json)" <<<"$got" ||
	fail "stop --edit's description is not its whole help item: $got"
grep -qx -- "--help${TAB}show this command's help" <<<"$got" || fail "--help has no description: $got"
grep -q -- "^--json${TAB}.* …\$" <<<"$got" || fail "stop --json's long description is not cut after a word with …: $got"

# --- every option that takes a value has a kind of value (cli/cmd_complete.c) ---
while IFS="$TAB" read -r cmd long short arg; do
	[ "$arg" = arg ] || continue
	cands $cmd ${long:-$short} ""
done < <("$STINT" __commands)

# --- option values ---
expect_cands $'high\nmedium\nlow\nblocked' todo --priority ""
expect_cands $'high' todo -p h
expect_cands $'--priority=low' todo --priority=l
dims=$'repo\ntag\nbranch\nfocus\nauthor\nday\nweek\nmonth'
expect_cands "$dims" report --by ""
expect_cands $'tag' report --by ta
expect_cands $'--by=tag' report --by=ta
expect_cands "$(grep -vx tag <<<"$dims" | sed 's/^/tag,/')" report --by tag,
expect_cands $'--by=day,week' report --by=day,w
expect_cands "" report --by nosuch,
ranges=$'today\nyesterday\nweek\nlast-week\nmonth\nlast-month\nyear\nall'
for cmd in list report export; do
	expect_cands "$ranges" $cmd ""
done
expect_cands $'last-week\nlast-month' report --by tag last-
expect_cands "" report week "" # one RANGE only
expect_cands $'json\ncsv\ntimewarrior' export --format ""
expect_cands $'short\nwaybar' status --format ""
expect_cands $'timewarrior\nwatson' import ""
grep -q "^watson${TAB}Watson's frames file" <<<"$("$STINT" __complete import w)" ||
	fail "import watson has no description"
expect_cands $'test\nstatus' notify ""
expect_cands $'check' config ""
expect_cands $'edit' help ed
expect_cands "" note "" # TEXT: nothing to offer
expect_cands "" start --focus ""
expect_cands "" note -- --le # after --, no options
expect_cands $'--learning' note --le

# Directories and files: the shell lists them, told by the directive.
for words in "-C x" "start -C x" "status -C x" "watch x" "report --logs x" "report week --logs x"; do
	cands $words
	expect_eq ":dirs" "$DIRECTIVE" "directive of [$words]"
done
expect_cands "$ranges" report --logs ""
expect_eq ":dirs" "$DIRECTIVE" "report --logs: a RANGE or the PATH"
cands import watson ""
expect_eq ":files" "$DIRECTIVE" "import watson FILE"
cands import timewarrior --repo x ""
expect_eq ":files" "$DIRECTIVE" "import timewarrior FILE after --repo NAME"
cands start --focus ""
expect_eq ":none" "$DIRECTIVE" "--focus TEXT"

# --- what cannot be completed completes to nothing, silently ---
expect_cands "" bogus ""
expect_cands "" start --bogus ""
expect_cands "" $'\xff\xfe' ""
expect_cands "" start --tag $'\xff'
long=$(head -c 100000 /dev/zero | tr '\0' x)
expect_cands "" "$long"
expect_cands "" start "$long" ""

# --- from a real stintd: ids, tags, watched repositories ---
completion_fixture
expect_cands "$ID_STOPPED"$'\n'"$ID_ADDED" edit ""
# Described by its start (local date and time, as list gives it), focus and repository.
at=$(field "$("$STINT" list --json)" started_at)
grep -qxF "$ID_STOPPED${TAB}${at:0:10} ${at:11:5} Parser work (alpha)" <<<"$("$STINT" __complete edit "")" ||
	fail "edit ID's description: $("$STINT" __complete edit "")"
# Only a tracked, stopped session has a log to render again.
expect_cands "$ID_STOPPED" log --regenerate ""
expect_cands "--regenerate=$ID_STOPPED" log --regenerate=""
cands start --tag ""
expect_eq "$(sort <<<$'api\nv2\nops\nlive')" "$(sort <<<"$CANDS")" "tags in use, the open session's too"
expect_cands $'api' edit "$ID_STOPPED" --untag a
expect_cands $'--tag=live' list --tag=li
expect_cands $'v2' report -t v
cands unwatch ""
expect_eq "$(sort <<<"$WATCHED_SPACE"$'\n'"$HOME/src/alpha")" "$(sort <<<"$CANDS")" \
	"unwatch: the watched repositories"
expect_cands "~/src/alpha" unwatch "~/src/a"
"$STINT" ping >/dev/null || fail "stintd stopped serving after the completions"

# --- a stintd that answers badly or not at all: nothing, quickly ---
daemon_stop
export STINT_SOCKET="$T/fake.sock"
python3 - "$STINT_SOCKET" >"$T/fake.log" 2>&1 <<'PY' &
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
n = 0
while True:
    c, _ = s.accept()
    line = c.makefile("rb").readline()
    n += 1
    req = json.loads(line)
    if req["cmd"] == "watched":
        # A path with a newline or a tab would break the line protocol; invalid UTF-8 escaped.
        rep = {"v": 1, "ok": True, "repos": [{"repo": "/evil\nline"}, {"repo": "/tab\tbed"},
                                             {"repo": "/good", "state": "x\ny"}, {"repo": 5}]}
        c.sendall(json.dumps(rep).encode() + b"\n")
    elif req["cmd"] == "list":
        rep = {"v": 1, "ok": True, "sessions": [
            {"id": -1, "started_at": "2026-12-04T10:00:00Z"},
            {"id": "7", "started_at": "2026-12-04T10:00:00Z"},
            {"id": 9, "started_at": "short"},
            {"id": 8, "started_at": "2026-12-04T10:00:00Z", "focus": "x\u0007\u202e" + "y" * 500}]}
        c.sendall(json.dumps(rep).encode() + b"\n")
    elif req["cmd"] == "report":
        c.sendall(b"{not json\n")
    else:
        continue  # status: never answers
    c.close()
PY
FAKE_PID=$!
wait_for 10 test -S "$STINT_SOCKET" || fail "the fake stintd did not come up: $(cat "$T/fake.log")"
expect_cands "/good" unwatch ""
got=$("$STINT" __complete edit "")
expect_eq "8" "$(head -n -1 <<<"$got" | cut -f1)" "ids from a hostile stintd"
desc=$(head -n1 <<<"$got" | cut -f2)
[ "${#desc}" -le 100 ] || fail "description not cut: ${#desc} bytes"
[[ $desc != *$'\a'* ]] || fail "control character in a description: $desc"
start=$(date +%s%N)
expect_cands "" start --tag ""
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 5000 ] || fail "tags from a stintd that never answers took ${ms} ms"
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null || true
echo "ok (tags with a silent stintd: ${ms} ms)"
