#!/usr/bin/env bash
# stint stop in a directory with no session, while sessions are open elsewhere (issue 15,
# "Messages that help"): the error names them (repository and focus) and says to give -C; with
# --json the error carries them as "open". With none open, the plain error.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

make_repo "$T/alpha"
make_repo "$T/beta"
mkdir -p "$T/elsewhere"
daemon_start

run() { # dir args...: stdout in $out, stderr in $err, status in $rc
	local dir=$1
	shift
	set +e
	out=$(cd "$dir" && "$STINT" "$@" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	set -e
}

# None open: the error as it always was.
run "$T/elsewhere" stop
expect_eq 1 "$rc" "stop with no session at all"
expect_eq "stint: no open session in $T/elsewhere" "$err" "stop with no session at all"

"$STINT" start -C "$T/alpha" --focus "Rate-limit the login" >/dev/null
"$STINT" start -C "$T/beta" >/dev/null
run "$T/elsewhere" stop
expect_eq 1 "$rc" "stop elsewhere"
expect_contains "$err" "no open session in $T/elsewhere; open sessions: " "stop elsewhere"
expect_contains "$err" "$T/alpha (\"Rate-limit the login\")" "alpha and its focus are named"
expect_contains "$err" "$T/beta" "beta is named"
expect_contains "$err" "give -C PATH" "the way out is given"

run "$T/elsewhere" stop --json
expect_eq 1 "$rc" "stop --json elsewhere"
expect_eq no_session "$(json_get '["error"]["code"]' <<<"$out")" "the code"
python3 - "$out" "$T" <<'PY' || fail "stop --json: the open sessions: $out"
import json, sys
doc, t = json.loads(sys.argv[1]), sys.argv[2]
got = sorted((o["repo"], o["focus"]) for o in doc["error"]["open"])
assert got == [(t + "/alpha", "Rate-limit the login"), (t + "/beta", None)], got
PY

# Nothing was stopped, and -C as suggested does stop one.
expect_eq 2 "$(grep -c '^\[active\]' <<<"$("$STINT" status)")" "both sessions still open"
run "$T/elsewhere" stop -C "$T/beta" --no-checks
expect_eq 0 "$rc" "stop -C beta ($err)"
run "$T/elsewhere" stop
expect_contains "$err" "open sessions: $T/alpha (\"Rate-limit the login\"); give -C PATH" "only alpha is left"
