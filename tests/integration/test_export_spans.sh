#!/usr/bin/env bash
# Issue 14, fiximport 3: a session with a commit, a note and a todo and no pause is one active
# span, so stint export --format timewarrior writes one interval for it (it wrote one per event,
# a ms apart); the span's length is the session's active time. A session with a real pause
# gives one interval per stretch. Both go through the real timew: its summary's total equals
# stint report's for the day.
export TZ=UTC
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
timew_db
# Until the wall clock has passed its next second: each stretch between events lasts over 1 s.
after() { [ "$(date +%s)" -gt "$1" ]; }
next_second() {
	local t0
	t0=$(date +%s)
	wait_for 5 after "$((t0 + 1))" || fail "the clock did not move"
}
# The session's spans from export --format json: count, and their sum in ms, and active_s.
spans_of() { # id
	"$STINT" export --format json | python3 -c '
import json, sys
s = next(x for x in json.load(sys.stdin)["sessions"] if x["id"] == int(sys.argv[1]))
print(len(s["spans"]), sum(b - a for a, b in s["spans"]) // 1000, s["active_s"])' "$1"
}
intervals_of() { # id
	"$STINT" export --format timewarrior | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

make_repo "$T/widget"
daemon_start
cd "$T/widget"
"$STINT" start --focus one >/dev/null
id=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
next_second
echo change >>README && git commit -qam "a change"
wait_seen "$T/widget"
next_second
"$STINT" note "a note" >/dev/null
next_second
"$STINT" todo "a todo" >/dev/null
next_second
"$STINT" stop --no-checks >/dev/null
read -r n sum active <<<"$(spans_of "$id")"
expect_eq 1 "$n" "spans of a session with a commit, a note and a todo"
expect_eq "$active" "$sum" "the span's length against active_s"
expect_eq 1 "$(intervals_of)" "Timewarrior intervals of that session"
python3 -c 'import json,sys; k=[e["kind"] for e in json.load(sys.stdin)["sessions"][0]["events"]]; assert {"commit","note","todo"} <= set(k), k' \
	<<<"$("$STINT" export --format json)" || fail "the session has its commit, note and todo"

# A real pause: two stretches, two intervals, the same total.
"$STINT" start --focus two >/dev/null
id2=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
next_second
"$STINT" note "before the pause" >/dev/null
next_second
"$STINT" pause >/dev/null
next_second
"$STINT" resume >/dev/null
next_second
"$STINT" stop --no-checks >/dev/null
read -r n sum active <<<"$(spans_of "$id2")"
expect_eq 2 "$n" "spans of a session with a pause"
expect_eq "$active" "$sum" "the spans' length against active_s (paused)"
expect_eq 3 "$(intervals_of)" "Timewarrior intervals of both sessions"

# Through the real timew: its total for today equals stint report's.
"$STINT" export --format timewarrior >"$T/tw.json"
python3 - "$T/tw.json" <<'PY' >"$T/track"
import json, sys
for iv in json.load(open(sys.argv[1])):
    print(iv["start"], iv["end"], " ".join(iv["tags"]))
PY
while read -r s e tags; do
	# shellcheck disable=SC2086
	timew track "$s" - "$e" $tags :yes </dev/null >/dev/null || fail "timew track $s - $e $tags"
done <"$T/track"
tw=$(timew export </dev/null | python3 -c '
import json, sys
from datetime import datetime
t = lambda s: datetime.strptime(s, "%Y%m%dT%H%M%SZ").timestamp()
print(sum(int(t(i["end"]) - t(i["start"])) for i in json.load(sys.stdin)))')
expect_eq "$(timew export </dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 3 "timew's intervals"
# Each end is rounded to the second in Timewarrior's format: timew's total is stint report's to
# within a second per interval (test_export.sh checks exact totals with whole seconds).
rep=$("$STINT" report today --json)
diff=$((tw - $(json_get '["report"]["total"]["active_s"]' <<<"$rep")))
[ "${diff#-}" -le 3 ] || fail "timew's total $tw against stint report's: $rep"
expect_eq "$(python3 -c 'import json,sys; print(json.dumps(sorted([i["start"], i["end"]] for i in json.load(open(sys.argv[1])))))' "$T/tw.json")" \
	"$(timew export </dev/null | python3 -c 'import json,sys; print(json.dumps(sorted([i["start"], i["end"]] for i in json.load(sys.stdin))))')" \
	"timew's intervals against stint's export"
echo "ok"
