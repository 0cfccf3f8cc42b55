#!/usr/bin/env bash
# Issue 14, "Corrections, kept as history": stint start --at and stop --at give status (the stop's
# session), the log, list and report one duration; stint edit ID changes a closed session's
# focus, tags, start and end, and list --json, report --json and the regenerated log agree;
# stint edit without ID changes the open session (and a restarted stintd still has it);
# stint continue; stint log --regenerate writes a new file and leaves the old one alone; every
# refusal (future, end before start, overlap naming the other session, unknown id, open id,
# nothing to change) says why with a nonzero exit and stintd goes on serving; the store's
# events table only grows (rows before the corrections are byte for byte the same).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
command -v sqlite3 >/dev/null || skip "sqlite3 is needed to read the store's events table"
DB="$XDG_STATE_HOME/stint/stint.db"
OUT=${STINT_CORRECTIONS_OUT:-/dev/null} # the outputs docs/reports.md shows
: >"$OUT"

# Times on a whole minute, counted back from one fixed minute, so that every span is exact.
NOWMIN=$(($(date +%s) / 60))
ago() { date -u -d "@$(((NOWMIN - $1) * 60))" +%Y-%m-%dT%H:%MZ; } # minutes
ms() { echo $(((NOWMIN - $1) * 60000)); }

# "$ stint ARGS" and what it printed, for the docs.
show() {
	local out rc=0
	out=$("$STINT" "$@" 2>&1) || rc=$?
	{
		printf '$ stint'
		printf ' %q' "$@"
		printf '\n%s\n\n' "$out"
	} | sed "s|$T|~|g" >>"$OUT"
	printf '%s\n' "$out"
	return $rc
}

refused() { # needle args...
	local needle=$1 out rc=0
	shift
	out=$("$STINT" "$@" 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "stint $* was not refused: $out"
	expect_contains "$out" "$needle" "stint $*"
	{
		printf '$ stint'
		printf ' %q' "$@"
		printf '\n%s\n(exit status %d)\n\n' "$out" "$rc"
	} | sed "s|$T|~|g" >>"$OUT"
	"$STINT" ping >/dev/null || fail "stintd stopped serving after stint $*"
}

list_row() { # id field
	"$STINT" list all --json | python3 -c "
import json,sys
r=[s for s in json.load(sys.stdin)['sessions'] if s['id']==$1][0]
v=r['$2']
print(json.dumps(v) if isinstance(v,(list,dict)) else v)"
}
report_active() { # --json report's total active time over the last day
	"$STINT" report --from "$(ago 1440)" --json | json_get '["report"]["total"]["active_s"]'
}
log_duration() { sed -n 's/^\*\*Duration:\*\* *//p' "$1" | sed 's/ *$//'; }
events() { sqlite3 "$DB" 'SELECT count(*) FROM events'; }
events_digest() { # the rows up to id $1, every column
	sqlite3 "$DB" "SELECT id, session_id, kind, mono_ns, boot_ns, wall_ms, boot_id, payload FROM events WHERE id <= $1 ORDER BY id" | sha256sum
}

make_repo "$T/widget"
make_repo "$T/other"
# While this file names "run", an edit's store operation fails as a broken database would.
export STINT_TEST_STORE_FAIL_FILE="$T/store-fail"
daemon_start
cd "$T/widget"

# --- start --at, stop --at: one duration for the stop's session, the log, list, report -------
show start --at "$(ago 180)" --focus "Parser" --tag api >/dev/null
st=$("$STINT" status --json)
python3 - "$st" "$(ms 180)" <<'PY' || fail "status after start --at: $st"
import json, sys, datetime
s = json.loads(sys.argv[1])["sessions"][0]
start = datetime.datetime.fromisoformat(s["started_at"]).timestamp() * 1000
assert abs(start - int(sys.argv[2])) < 1000, (s["started_at"], sys.argv[2])
# The three hours before the start command count as active, not idle (docs/reports.md).
assert s["state"] == "active" and 10800 <= s["active_s"] < 10800 + 300 and s["idle_s"] == 0, s
PY
out=$(show stop --at "$(ago 120)" --no-checks)
expect_contains "$out" "after 1h 00m active" "stop --at: the stop's own account"
id1=$("$STINT" list --json | json_get '["sessions"][0]["id"]')
log1=$(tail -n 1 <<<"$out")
expect_eq "$log1" "$(list_row "$id1" log)" "stop --at: the log's path"
expect_eq 3600 "$(list_row "$id1" active_s)" "stop --at: list"
expect_eq 3600 "$(list_row "$id1" wall_s)" "stop --at: list's wall time"
expect_eq "$(ms 120)" "$(list_row "$id1" ended_ms)" "stop --at: list's end"
expect_eq 3600 "$(report_active)" "stop --at: report"
expect_eq "1 hour" "$(log_duration "$log1")" "stop --at: the log's Duration"
log1_sum=$(sha256sum <"$log1")

# --- edit ID: a closed session's focus, tags, start, end ---------------------------------
base_events=$(events)
base_max=$(sqlite3 "$DB" 'SELECT max(id) FROM events')
base_digest=$(events_digest "$base_max")
edits=0

out=$(show edit "$id1" --focus "Lexer" --tag v2 --untag api)
edits=$((edits + 1))
expect_contains "$out" "session $id1: focus \"Parser\" → \"Lexer\"" "edit's output"
expect_contains "$out" "session $id1: tags +api → +v2" "edit's output"
expect_eq "Lexer" "$(list_row "$id1" focus)" "list's focus after edit"
expect_eq '["v2"]' "$(list_row "$id1" tags)" "list's tags after edit"
bytag=$("$STINT" report --from "$(ago 1440)" --by tag --json)
expect_eq '["v2"]' "$(python3 -c 'import json,sys; print(json.dumps([g["key"] for g in json.load(sys.stdin)["report"]["groups"]]))' <<<"$bytag")" "report --by tag after edit"

# An earlier start and a later end add their stretches as active time.
out=$(show edit "$id1" --start "$(ago 200)")
edits=$((edits + 1))
expect_contains "$out" "session $id1: active 1 hour → 1 hour 20 minutes" "edit --start's output"
expect_eq 4800 "$(list_row "$id1" active_s)" "list after an earlier start"
expect_eq "$(ms 200)" "$(python3 -c "import datetime; print(int(datetime.datetime.fromisoformat('$(list_row "$id1" started_at)').timestamp()*1000))")" "list's start after edit"
expect_eq 4800 "$(report_active)" "report after an earlier start"
show edit "$id1" --end "$(ago 110)" >/dev/null
edits=$((edits + 1))
expect_eq 5400 "$(list_row "$id1" active_s)" "list after a later end"
expect_eq 5400 "$(list_row "$id1" wall_s)" "list's wall time after a later end"
expect_eq 5400 "$(report_active)" "report after a later end"
# A later start and an earlier end cut them.
out=$(show edit "$id1" --start "$(ago 190)" --end "$(ago 130)")
edits=$((edits + 1))
expect_contains "$out" "active 1 hour 30 minutes → 1 hour" "edit's output"
expect_eq 3600 "$(list_row "$id1" active_s)" "list after a window cut"
expect_eq 3600 "$(report_active)" "report after a window cut"
show list all >/dev/null
spans=$(sqlite3 "$DB" "SELECT spans FROM sessions WHERE id = $id1")
expect_eq "[[$(ms 190),$(ms 130)]]" "$spans" "the row's active spans"

# --- log --regenerate: a new file, the old one untouched, the corrected numbers ------------
regen=$(show log --regenerate "$id1")
[ -f "$regen" ] || fail "log --regenerate printed no file: $regen"
[ "$regen" != "$log1" ] || fail "log --regenerate wrote over the old log"
expect_eq "$(dirname "$log1")" "$(dirname "$regen")" "the regenerated log's directory"
expect_eq "$log1_sum" "$(sha256sum <"$log1")" "the old log after --regenerate"
expect_eq "1 hour" "$(log_duration "$regen")" "the regenerated log's Duration (list: 3600 s)"
grep -qxF '**Focus:** Lexer  ' "$regen" || fail "regenerated log lacks the new focus: $(head -8 "$regen")"
grep -q 'Corrected: start, end' "$regen" || fail "regenerated log does not show the corrections: $(cat "$regen")"
acts=$(section "$regen" "## Activities")
has_line "$acts" "1. **Session started** ($(date -u -d "@$(((NOWMIN - 190) * 60))" +%H:%M))" "the regenerated log's corrected start"
# The log dates an item by its time, with the day when it is not the session's first.
fmt=%H:%M
[ "$(date -u -d "@$(((NOWMIN - 130) * 60))" +%F)" = "$(date -u -d "@$(((NOWMIN - 190) * 60))" +%F)" ] || fmt="%F %H:%M"
expect_contains "$acts" "**Session stopped** ($(date -u -d "@$(((NOWMIN - 130) * 60))" +"$fmt"))" "the regenerated log's corrected end"
regen2=$("$STINT" log --regenerate "$id1")
[ "$regen2" != "$regen" ] || fail "a second --regenerate wrote over the first"
# The row's log is the regenerated one: list and `stint log` (the newest log) point at it.
expect_eq "$regen2" "$(list_row "$id1" log)" "list's log after --regenerate"
expect_eq "$regen2" "$("$STINT" log)" "stint log after --regenerate"
[ -f "$regen" ] && [ -f "$log1" ] || fail "a regenerate removed an older log"
# A regenerated log ends with its record line, the corrected numbers written later than the
# first log's, so report --logs counts the session once, as corrected.
grep -q '^<!-- stint-record v1 ' <<<"$(tail -n 1 "$regen")" || fail "the regenerated log has no record line"
python3 - "$("$STINT" report all --logs "$(dirname "$regen")" --by focus --json)" "$id1" <<'PY' ||
import json, sys
rep = json.loads(sys.argv[1])["report"]
lexer = [g for g in rep["groups"] if g["key"] == "Lexer"]
assert len(lexer) == 1 and lexer[0]["sessions"] == 1 and lexer[0]["active_s"] == 3600, rep
assert not [g for g in rep["groups"] if g["key"] == "Parser"], rep
PY
	fail "report --logs does not count the regenerated log's corrected session once"
{
	sed -n '1,5p' "$regen"
	printf '...\n## Activities\n'
	section "$regen" "## Activities"
} | sed "s|$T|~|g" >>"$OUT"

# --- edit without ID: the open session; kept across a restart ---------------------------
"$STINT" start --focus "Docs" --tag x >/dev/null
id2=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
out=$(show edit --focus "Manual" --tag y --untag x)
edits=$((edits + 1))
expect_contains "$out" "session $id2: focus \"Docs\" → \"Manual\"" "open edit's output"
"$STINT" edit --start "$(ago 30)" >/dev/null
edits=$((edits + 1))
st=$("$STINT" status --json)
python3 - "$st" <<'PY' || fail "status after editing the open session: $st"
import json, sys
s = json.loads(sys.argv[1])["sessions"][0]
assert s["focus"] == "Manual" and s["tags"] == ["y"], s
assert 1800 <= s["active_s"] < 1800 + 300 and s["state"] == "active", s
PY
daemon_stop
daemon_start
st2=$("$STINT" status --json)
python3 - "$st" "$st2" <<'PY' || fail "a restarted stintd lost the open session's corrections: $st2"
import json, sys
a, b = (json.loads(x)["sessions"][0] for x in sys.argv[1:])
assert (b["focus"], b["tags"], b["started_at"]) == (a["focus"], a["tags"], a["started_at"]), (a, b)
assert b["active_s"] >= a["active_s"], (a, b)
PY

# The open session's refusals.
refused "overlap session $id1 in widget" edit --start "$(ago 140)"
refused "is not after the session's start" stop --at "$(ago 40)"
refused "is in the future" stop --at "2099-01-01"
refused "is in the future" start --at "2099-01-01" -C "$T/other"
refused "still open: move its start" edit "$id2" --start "$(ago 20)"
refused "--end needs the ID of a closed session" edit --end "$(ago 5)"
refused "nothing to change" edit
echo run >"$STINT_TEST_STORE_FAIL_FILE"
refused "test hook: run operations fail" edit --focus "Lost"
rm "$STINT_TEST_STORE_FAIL_FILE"
expect_eq "Manual" "$("$STINT" status --json | json_get '["sessions"][0]["focus"]')" "the open session after a failed store write"
# stintd checks the times again: a peer is never trusted.
bad=$(rawreq "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"$T/widget\",\"at\":$(((NOWMIN + 600) * 60000))}" \
	"{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"$T/widget\",\"at\":$(ms 40)}" \
	"{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"$T/widget\",\"start_ms\":$(((NOWMIN + 600) * 60000))}")
python3 - "$bad" <<'PY' || fail "stop/edit of the open session with bad times: $bad"
import json, sys
replies = [json.loads(l) for l in sys.argv[1].splitlines()]
assert len(replies) == 3 and not any(r["ok"] for r in replies), replies
msgs = [r["error"]["message"] for r in replies]
assert "is in the future" in msgs[0] and "not after the session's start" in msgs[1], msgs
assert "is in the future" in msgs[2], msgs
PY
expect_eq "$id2" "$("$STINT" status --json | json_get '["sessions"][0]["id"]')" "the open session after refused stops"
"$STINT" note "checked the parser" >/dev/null
refused "before the session's last pause, resume, note, todo or decision" stop --at "$(ago 1)"
stop=$("$STINT" stop --no-checks --json)
expect_eq "Manual" "$(list_row "$id2" focus)" "the open session's corrected focus, once closed"
expect_eq '["y"]' "$(list_row "$id2" tags)" "the open session's corrected tags, once closed"
expect_eq "$(json_get '["session"]["active_s"]' <<<"$stop")" "$(list_row "$id2" active_s)" "list after the open session's stop"
log2=$(json_get '["log"]' <<<"$stop")
grep -qxF '**Focus:** Manual  ' "$log2" || fail "the open session's log lacks its corrected focus: $(head -8 "$log2")"
grep -q 'Corrected: focus, tags' "$log2" || fail "the open session's log does not show its corrections: $(cat "$log2")"

# --- continue -----------------------------------------------------------------------------
out=$(show continue)
new_id=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
expect_contains "$out" "Session $new_id continues session $id2." "continue's output"
[ "$new_id" != "$id2" ] || fail "continue reused the session id $id2"
st=$("$STINT" status --json)
expect_eq "Manual" "$(json_get '["sessions"][0]["focus"]' <<<"$st")" "continue's focus"
expect_eq '["y"]' "$(json_get '["sessions"][0]["tags"]' <<<"$st")" "continue's tags"
id3=$(json_get '["sessions"][0]["id"]' <<<"$st")
refused "is already running in $T/widget" continue
refused "still open: move its start" edit "$id3" --end "$(ago 1)"
refused "session $id3 is still open" log --regenerate "$id3"
"$STINT" cancel >/dev/null
# Sessions with no log to regenerate: cancelled, added by hand, imported (no events, no directory).
logs_before=$(find "$T" -name '*.md' | sort)
refused "session $id3 was cancelled: a cancelled session has no log" log --regenerate "$id3"
make_repo "$T/third"
"$STINT" add -C "$T/third" --start "$(ago 300)" --end "$(ago 290)" --focus "by hand" >/dev/null
idadd=$("$STINT" list all --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin)["sessions"] if s["focus"] == "by hand"][0])')
refused "session $idadd was added by hand: it has no events to render a log from" log --regenerate "$idadd"
printf '[[%d, %d, "gadget", "0123456789abcdef0123456789abcdef", ["x"], %d]]\n' \
	$(((NOWMIN - 400) * 60)) $(((NOWMIN - 390) * 60)) $(((NOWMIN - 390) * 60)) >"$T/frames"
"$STINT" import watson "$T/frames" >/dev/null
idimp=$("$STINT" list all --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin)["sessions"] if s["repo_name"] == "gadget"][0])')
refused "session $idimp was imported: it has no events to render a log from" log --regenerate "$idimp"
expect_eq "$logs_before" "$(find "$T" -name '*.md' | sort)" "the logs after refused regenerates"
refused "no earlier session to continue" continue -C "$T/other"
# start --at over a closed session of the repository (the cancelled one overlaps nothing).
refused "would overlap session $id1 in widget (" start --at "$(ago 150)"
expect_eq 0 "$("$STINT" status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')" "open sessions after a refused start --at"

# --- closed sessions' refusals -------------------------------------------------------------
before=$(events)
refused "is in the future" edit "$id1" --end "2099-01-01"
refused "would end" edit "$id1" --start "$(ago 100)"
refused "must come after --start" edit "$id1" --start "$(ago 100)" --end "$(ago 150)"
refused "the new times overlap session $id2 in widget" edit "$id1" --end "$(ago 20)"
refused "there is no session 9999" edit 9999 --focus "x"
# A refused correction is the request's answer: stintd's log does not call it a store failure.
if grep -q "store: cannot commit.*there is no session" "$DAEMON_LOG"; then
	fail "a refused edit logged as a store failure: $(grep "there is no session" "$DAEMON_LOG")"
fi
# A closed session's window may not leave out its note, as stop --at may not.
refused "is before the session's last pause, resume, note, todo or decision" edit "$id2" --end "$(ago 10)"
note_ms=$(sqlite3 "$DB" "SELECT wall_ms FROM events WHERE session_id = $id2 AND kind = 'note'")
bad=$(rawreq "{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/\",\"id\":$id2,\"start_ms\":$((note_ms + 1))}")
expect_contains "$bad" "is after the session's first pause, resume, note, todo or decision" "edit --start past the note"
expect_contains "$bad" "a correction never drops what you wrote" "edit --start past the note"
refused "there is no session 9999" log --regenerate 9999
refused "has no tag \"nope\"" edit "$id1" --untag nope
refused "ID must be a session id" edit abc --focus x
refused "is both added and removed" edit "$id1" --tag z --untag z
bad=$(rawreq "{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/\",\"id\":$id1,\"end_ms\":$(((NOWMIN + 600) * 60000))}" \
	'{"v":1,"cmd":"edit","cwd":"/","id":-4,"focus":"x"}' \
	'{"v":1,"cmd":"edit","cwd":"/","id":1,"start_ms":"soon"}' \
	'{"v":1,"cmd":"edit","cwd":"/","id":1}' \
	"{\"v\":1,\"cmd\":\"start\",\"cwd\":\"$T/other\",\"at\":$(((NOWMIN + 600) * 60000))}" \
	'{"v":1,"cmd":"regenerate"}')
python3 - "$bad" <<'PY' || fail "bad edit requests: $bad"
import json, sys
replies = [json.loads(l) for l in sys.argv[1].splitlines()]
assert len(replies) == 6 and not any(r["ok"] for r in replies), replies
msgs = [r["error"]["message"] for r in replies]
assert "is in the future" in msgs[0], msgs
assert "positive integer" in msgs[1] and "milliseconds" in msgs[2], msgs
assert "something to change" in msgs[3] and "in the future" in msgs[4], msgs
assert "needs field \"id\"" in msgs[5], msgs
PY
echo run >"$STINT_TEST_STORE_FAIL_FILE"
refused "test hook: run operations fail" edit "$id1" --focus "Lost" --start "$(ago 185)"
rm "$STINT_TEST_STORE_FAIL_FILE"
expect_eq "Lexer" "$(list_row "$id1" focus)" "the focus after a failed store write"
expect_eq "$before" "$(events)" "events after refused corrections"
expect_eq 3600 "$(list_row "$id1" active_s)" "session $id1 after refused corrections"
"$STINT" ping >/dev/null || fail "stintd stopped serving"

# --- the store only grew: every earlier row as it was, one event per correction ------------
expect_eq "$base_digest" "$(events_digest "$base_max")" "the events recorded before the corrections"
expect_eq "$edits" "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE kind = 'edit'")" "edit events"
[ "$(events)" -gt "$base_events" ] || fail "the events table did not grow"

# --- stop --at leaves out the commits made after TIME (their committer time) ---------------
make_repo "$T/late"
cd "$T/late"
"$STINT" start --at "$(ago 20)" --focus "Late" >/dev/null
idl=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
printf 'early\n' >>README
GIT_COMMITTER_DATE="@$(((NOWMIN - 15) * 60)) +0000" GIT_AUTHOR_DATE="@$(((NOWMIN - 15) * 60)) +0000" \
	git commit -qam "early commit"
printf 'late\n' >>README
printf 'only in the late commit\n' >late.txt
git add late.txt
git commit -qam "late commit"
# The stop recomputes the statistics from the repository: nothing to wait for.
out=$(show stop --at "$(ago 10)" --no-checks)
logl=$(tail -n 1 <<<"$out")
want=$(git rev-list --count --before="@$(((NOWMIN - 10) * 60))" HEAD~2..HEAD)
expect_eq 1 "$want" "git's count of the commits before TIME"
expect_eq "$want" "$(list_row "$idl" commits)" "list's commits after stop --at"
grep -q "early commit" "$logl" || fail "the log lost the commit made before TIME: $(cat "$logl")"
! grep -q "late commit" "$logl" || fail "the log lists the commit made after TIME: $(cat "$logl")"
grep -q "as of the real stop" "$logl" || fail "the log does not say its files and lines are as of the real stop: $(cat "$logl")"
# A file only the late commit touched is not called uncommitted: it was committed, after TIME.
grep -qF '| `late.txt` | added, +1 | uncommitted, or committed after the corrected end |' "$logl" ||
	fail "late.txt's row: $(grep -F late.txt "$logl")"
cd "$T/widget"

# A clean exit (under ASan, also no leak) after all of it.
daemon_stop
