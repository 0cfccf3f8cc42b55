#!/usr/bin/env bash
# Issue 14, fiximport 1: an import is keyed by name, a tracked session by path. A Watson frame
# and a Timewarrior interval of the name "gadget" that overlap a tracked session of the
# repository /.../gadget (made by stintd: start, stop, edit to a known day) are skipped and
# said with FILE:LINE, the report's totals do not move, and stintd's log does not call the
# refusal a store failure. The other way round too: stint add -C and edit of the tracked session
# meet the imported one, an edit of the imported one meets the tracked one. A frame of that name at other hours is imported. Every overlap
# message names the other session the same way (local time to the second).
export TZ=Europe/Paris
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
timew_db
report() { "$STINT" report --from 2026-11-10 --to 2026-11-11 --json; }
total() { json_get '["report"]["total"]["active_s"]' <<<"$(report)"; }

make_repo "$T/gadget"
daemon_start
cd "$T/gadget"
"$STINT" start --focus tracked >/dev/null
id=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
"$STINT" stop --no-checks >/dev/null
"$STINT" edit "$id" --start 2026-11-10T09:30 --end 2026-11-10T12:00 >/dev/null ||
	fail "the edit that puts the tracked session on 10 November"
row=$("$STINT" list --from 2026-11-10 --to 2026-11-11 --json)
expect_eq gadget "$(json_get '["sessions"][0]["repo_name"]' <<<"$row")" "the tracked session's name"
expect_eq "$T/gadget" "$(json_get '["sessions"][0]["repo"]' <<<"$row")" "the tracked session is keyed by its path"
expect_eq tracked "$(json_get '["sessions"][0]["origin"]' <<<"$row")" "the session was tracked by stintd"
before=$(total)
expect_eq 9000 "$before" "the tracked session's 2h 30m"

# Watson: a frame of gadget inside the tracked session, one after it, one of another project.
python3 - "$T/frames" <<'PY'
import json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
P = ZoneInfo("Europe/Paris")
e = lambda s: int(datetime.fromisoformat(s).replace(tzinfo=P).timestamp())
frames = [
    [e("2026-11-10T09:40"), e("2026-11-10T10:40"), "gadget", "a" * 32, [], e("2026-11-10T10:40")],
    [e("2026-11-10T13:00"), e("2026-11-10T13:45"), "gadget", "b" * 32, [], e("2026-11-10T13:45")],
    [e("2026-11-10T10:00"), e("2026-11-10T10:30"), "widget", "c" * 32, [], e("2026-11-10T10:30")],
] # one frame a line: the first is on line 2
open(sys.argv[1], "w").write("[\n" + ",\n".join(json.dumps(f) for f in frames) + "\n]\n")
PY
rc=0 && out=$("$STINT" import watson "$T/frames" 2>&1) || rc=$?
expect_eq 0 "$rc" "the Watson import: exit status ($out)"
expect_contains "$out" "imported 2 sessions, 0 already there, 1 skipped (1 overlapping a session)" "the Watson frame over the tracked session"
expect_contains "$out" "frames:2: cannot add the session in gadget: it overlaps session $id in gadget (2026-11-10 09:30:00 to 2026-11-10 12:00:00)" \
	"the overlap is named with its line and the tracked session's times"
# The report: the tracked 2h 30m, the 45m after it and widget's 30m; never the hour inside.
rep=$(report)
python3 - "$rep" "$T/frames" <<'PY' || fail "the report after the Watson import: $rep"
import json, sys
rep = json.loads(sys.argv[1])["report"]
f = json.load(open(sys.argv[2]))
got = {g["key"]: g["active_s"] for g in rep["groups"]}
assert got == {"gadget": 9000 + f[1][1] - f[1][0], "widget": f[2][1] - f[2][0]}, got
PY
after_watson=$(total)

# Timewarrior: an interval of gadget overlapping the tracked session's end, from timew itself.
tw track 2026-11-10T11:30 - 2026-11-10T12:30 gadget
timew export </dev/null >"$T/tw.json"
rc=0 && out=$("$STINT" import timewarrior "$TIMEWARRIORDB/data" 2>&1) || rc=$?
expect_eq 0 "$rc" "the Timewarrior import: exit status ($out)"
expect_contains "$out" "imported 0 sessions, 0 already there, 1 skipped (1 overlapping a session)" "the timew interval over the tracked session"
expect_contains "$out" "2026-11.data:1: cannot add the session in gadget: it overlaps session $id in gadget" "the timew overlap named with its line"
rc=0 && out=$("$STINT" import timewarrior "$T/tw.json" 2>&1) || rc=$?
expect_contains "$out" "tw.json:2: cannot add the session in gadget: it overlaps session $id" "the timew export file's overlap"
expect_eq "$after_watson" "$(total)" "the report's total after the Timewarrior imports"

# The other way round: the tracked side meets the imported gadget session of 13:00-13:45 (add
# -C, edit of the tracked session), and an edit of that imported session meets the tracked one.
imp=$("$STINT" list --from 2026-11-10 --to 2026-11-11 --json | python3 -c '
import json, sys
print(next(s["id"] for s in json.load(sys.stdin)["sessions"] if s["origin"] == "imported" and s["repo_name"] == "gadget"))')
rc=0 && out=$("$STINT" add --start 2026-11-10T13:30 --end 2026-11-10T14:00 2>&1) || rc=$?
expect_eq 1 "$rc" "add -C gadget over the imported frame: exit status ($out)"
expect_contains "$out" "it overlaps session $imp in gadget (2026-11-10 13:00:00 to 2026-11-10 13:45:00)" "add over an imported session"
rc=0 && out=$("$STINT" edit "$id" --end 2026-11-10T13:10 2>&1) || rc=$?
expect_eq 1 "$rc" "edit of the tracked session into the imported one: exit status ($out)"
expect_contains "$out" "overlap session $imp in gadget (2026-11-10 13:00:00 to 2026-11-10 13:45:00)" "edit of the tracked session"
rc=0 && out=$("$STINT" edit "$imp" --start 2026-11-10T11:50 2>&1) || rc=$?
expect_eq 1 "$rc" "edit of the imported session into the tracked one: exit status ($out)"
expect_contains "$out" "overlap session $id in gadget (2026-11-10 09:30:00 to 2026-11-10 12:00:00)" "edit of the imported session"
expect_eq "$after_watson" "$(total)" "the report's total after the refused adds and edits"

# stintd's log: the refusals are not store failures.
lacks "$(cat "$DAEMON_LOG")" "cannot commit" "stintd's log after refused imports"

# The same form in every overlap message: add, start --at, edit.
rc=0 && out=$("$STINT" add --start 2026-11-10T11:00 --end 2026-11-10T11:15 2>&1) || rc=$?
expect_eq 1 "$rc" "add over the tracked session: exit status ($out)"
expect_contains "$out" "it overlaps session $id in gadget (2026-11-10 09:30:00 to 2026-11-10 12:00:00)" "add's overlap"
rc=0 && out=$("$STINT" start --at 2026-11-10T11:00 2>&1) || rc=$?
expect_eq 1 "$rc" "start --at over the tracked session: exit status ($out)"
expect_contains "$out" "would overlap session $id in gadget (2026-11-10 09:30:00 to 2026-11-10 12:00:00)" "start --at's overlap"
"$STINT" start --focus second >/dev/null
second=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
"$STINT" stop --no-checks >/dev/null
rc=0 && out=$("$STINT" edit "$second" --start 2026-11-10T11:00 2>&1) || rc=$?
expect_eq 1 "$rc" "edit into the tracked session: exit status ($out)"
expect_contains "$out" "overlap session $id in gadget (2026-11-10 09:30:00 to 2026-11-10 12:00:00)" "edit's overlap"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo "ok"
