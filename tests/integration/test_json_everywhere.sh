#!/usr/bin/env bash
# --json everywhere (issue 15, "Messages that help"): every command that prints data takes
# --json (checked against the command table, stint __commands, so a new command cannot miss it),
# and prints one valid JSON document on success and on failure alike: a refusal by stintd, a
# usage error, stintd unreachable. stop --json says how it stopped.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# Commands that print no data of their own: export's data is --format json; config check and
# doctor run stintd's checks and answer with their exit status; help is text.
NO_JSON="export config doctor help"


# Every stdout to check, in one python3 run at the end (a python3 start costs most of a second
# on a loaded machine): a file per document and a line in $T/docs: WANT, CODE, WHAT, FILE.
ndocs=0
expect_doc() { # want(ok|error) code(or "") what
	ndocs=$((ndocs + 1))
	printf '%s' "$out" >"$T/doc.$ndocs"
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$T/doc.$ndocs" >>"$T/docs"
}

ok() { # what args...: exit 0, one document that is not an error
	local what=$1
	shift
	stint_run "$@"
	expect_eq 0 "$rc" "$what: exit status (stderr: $err)"
	expect_doc ok "" "$what"
}

refused() { # status what args...: that exit status, one error document
	local want=$1 what=$2
	shift 2
	stint_run "$@"
	expect_eq "$want" "$rc" "$what: exit status (stderr: $err)"
	[ -n "$err" ] || fail "$what: nothing on stderr"
	expect_doc error "${code:-}" "$what"
}

check_docs() {
	python3 - "$T/docs" <<'PY' || fail "stdout that is not one JSON document as expected (above)"
import json, sys
bad = 0
for line in open(sys.argv[1]):
    want, code, what, path = line.rstrip("\n").split("\t")
    text = open(path).read()
    try:
        doc = json.loads(text)  # exactly one document: trailing data is an error
        assert isinstance(doc, dict), "not an object"
        assert doc.get("v") == 1, "no v"
        if want == "ok":
            assert doc.get("ok") is True and "error" not in doc, "ok is not true"
        else:
            assert doc.get("ok") is False, "ok is not false"
            assert doc["error"]["code"] and doc["error"]["message"], "no code or message"
            assert not code or doc["error"]["code"] == code, f"code is not {code}"
    except Exception as e:
        bad += 1
        print(f"FAIL: {what}: {e}: stdout [{text}]", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# --- every command that prints data takes --json -------------------------------------------------
table=$("$STINT" __commands)
with_json=()
for c in $(cut -f1 <<<"$table" | grep -v '^$' | sort -u); do
	if grep -q "^$c	--json	" <<<"$table"; then
		with_json+=("$c")
	elif [[ " $NO_JSON " != *" $c "* ]]; then
		fail "stint $c has no --json (add it, or say in NO_JSON why it prints no data)"
	fi
done
[ ${#with_json[@]} -ge 20 ] || fail "too few commands take --json: ${with_json[*]}"

# --- each of them, on success and on failure ---------------------------------------------------
make_repo "$T/r"
mkdir -p "$T/plain"
config 'idle_timeout = 1s'
daemon_start
cd "$T/r"
tried=()
mark() { tried+=("$1"); }

ok ping ping --json && mark ping
ok start start --json --focus "json all the way" && mark start
ok status status --json && mark status
ok note note --json "a note" && mark note
ok todo todo --json "a todo" && mark todo
ok decision decision --json "a decision" --why because && mark decision
ok pause pause --json && mark pause
ok resume resume --json && mark resume
wait_for 20 bash -c "'$STINT' status --json | grep -q '\"state\": *\"idle\"'" || fail "the session did not go idle"
ok keep keep --json && mark keep
ok edit edit --json --focus "json, edited" && mark edit
ok stop stop --json --no-checks && mark stop
python3 - "$out" <<'PY' || fail "stop --json: how it stopped, its numbers, its log: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["stopped"] == {"by": "stop", "at": d["session"]["ended_at"]}, d["stopped"]
assert isinstance(d["session"]["active_s"], int) and isinstance(d["session"]["commits"], int)
assert d["log"] == d["session"]["log"]
PY
log=$(field "$out" log)
[ -f "$log" ] || fail "stop --json: no log at [$log]"
id=$(field "$out" id)
ok log log --json && mark log
expect_contains "$out" "\"logs\":[\"$log\"]" "log --json lists the log"
ok "log --regenerate" log --json --regenerate "$id"
ok list list --json && mark list
ok report report --json && mark report
ok continue continue --json && mark continue
ok cancel cancel --json && mark cancel
ok add add --json --start "5h ago" --end "4h ago" && mark add
ok watch watch --json && mark watch
ok "watch --list" watch --list --json
ok unwatch unwatch --json && mark unwatch
ok notify notify status --json && mark notify
printf '[[1700000000, 1700000100, "proj", "id1", ["t"], 1700000000]]' >"$T/frames"
ok import import watson "$T/frames" --json && mark import
expect_eq 1 "$(field "$out" imported)" "import --json counts"
ok "import again" import watson "$T/frames" --json
expect_eq 1 "$(field "$out" duplicate)" "import --json counts a duplicate"

# Each command with --json was tried on success.
for c in "${with_json[@]}"; do
	[[ " ${tried[*]} " == *" $c "* ]] || fail "stint $c --json is not tried here: add it"
done

# Refusals by stintd: its reply is the document.
cd "$T/plain"
for c in stop pause resume keep cancel note todo decision; do
	refused 1 "$c with no session" "$c" --json $([[ $c =~ ^(note|todo|decision)$ ]] && echo text)
done
code=usage refused 2 "a mistyped command" stp --json
code="" refused 1 "continue with nothing to continue" continue --json
refused 1 "log with no log" log --json
refused 1 "edit of no session" edit --json 999 --focus x
refused 1 "unwatch of what is not watched" unwatch --json
refused 1 "notify test without a bus" notify test --json
cd "$T/r"
"$STINT" start >/dev/null
refused 1 "start of a second session" start --json
"$STINT" cancel >/dev/null
refused 1 "add over another session" add --json --start "5h ago" --end "4h ago"
printf '[[1700000000, "x", "p", "id", [], 1]]' >"$T/badframes"
refused 1 "import of a malformed file" import watson "$T/badframes" --json
refused 1 "watch of a directory outside git" watch --json "$T/plain"

# Usage errors, for every command with --json: a bad option, before --json or after it.
for c in "${with_json[@]}"; do
	code=usage refused 2 "$c --bogus" "$c" --bogus --json
	expect_contains "$out" "unrecognized option '--bogus'" "$c --bogus: the message"
done
refused 2 "blank note" note --json "   "
refused 2 "list with a bad limit" list --json --limit 0

# stintd unreachable, for every command with --json that talks to it.
for c in "${with_json[@]}"; do
	case $c in
	note | todo | decision) args=(text) ;;
	add) args=(--start "3h ago" --end "2h ago") ;;
	edit) args=(--focus x) ;;
	notify) args=(status) ;;
	import) args=(watson "$T/frames") ;;
	*) args=() ;;
	esac
	set +e
	out=$(STINT_SOCKET="$T/nobody.sock" "$STINT" "$c" --json "${args[@]}" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	set -e
	expect_eq 1 "$rc" "$c --json with stintd unreachable (stderr: $err)"
	expect_doc error unreachable "$c --json with stintd unreachable"
done

"$STINT" ping >/dev/null || fail "stintd stopped serving"
[ "$ndocs" -ge 80 ] || fail "only $ndocs documents were checked"
check_docs
