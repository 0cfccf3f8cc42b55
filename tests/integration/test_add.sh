#!/usr/bin/env bash
# Issue 14, "stint add": a forgotten session added by hand is closed at once, one active span
# from its start to its end (active = wall = end - start), no git statistics, marked "manual";
# list and list --json show where it came from, report counts it. Every refusal: the end not
# after the start, a time in the future, an overlap with a closed or the open session of the
# repository (naming it), a missing directory, bad fields over the raw socket, a duplicate
# source_key (nothing written). Each refusal leaves the store as it was and stintd serving.
# STINT_ADD_OUT=FILE writes the outputs docs/reports.md shows.
export TZ=Europe/Paris
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
DB="$XDG_STATE_HOME/stint/stint.db"
make_repo "$T/widget"
daemon_start
cd "$T/widget"

# The number of sessions in the store, as stint list --json has them.
count() { "$STINT" list all --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))'; }
# A refusal: exit status, and a message on stderr that names the cause.
refused() { # status needle what cmd...
	local want=$1 needle=$2 what=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	expect_eq "$want" "$rc" "$what: exit status ($out)"
	expect_contains "$out" "$needle" "$what"
}

out=$("$STINT" add --start "2026-12-01T09:00" --end "2026-12-01T10:30" --focus "Forgot to start" --tag api --tag fix)
expect_contains "$out" "Added session #1: 2026-12-01 09:00 to 2026-12-01 10:30 (1h 30m)" "stint add's line"
json=$("$STINT" list all --json)
python3 - "$json" "$T/widget" <<'PY' || fail "the added session in list --json: $json"
import json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
s, = json.loads(sys.argv[1])["sessions"]
P = ZoneInfo("Europe/Paris")
a = datetime(2026, 12, 1, 9, 0, tzinfo=P)
b = datetime(2026, 12, 1, 10, 30, tzinfo=P)
assert s["origin"] == "manual" and s["state"] == "stopped", s
assert s["repo"] == sys.argv[2] and s["repo_name"] == "widget", s
assert datetime.fromisoformat(s["started_at"]) == a and datetime.fromisoformat(s["ended_at"]) == b, s
assert s["active_s"] == s["wall_s"] == (b - a).total_seconds() == 5400, s
assert s["paused_s"] == s["idle_s"] == s["suspended_s"] == 0, s
assert s["focus"] == "Forgot to start" and s["tags"] == ["api", "fix"], s
# No git statistics for time stint did not see.
assert s["commits"] is None and s["files"] is None and s["added"] is None, s
assert s["log"] is None and s["author"] == "Test Author", s
PY
lst=$("$STINT" list all)
has_line "$lst" "#1  2026-12-01 09:00  1h 30m  widget  -  \"Forgot to start\"  +api +fix  (added)" "stint list shows it as added"
# The store: the row's origin and its one span; its start and stop events at its ends.
python3 - "$DB" <<'PY' || fail "the added session's row and events in the store"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA user_version").fetchone()[0] == 10
o, k, st, en, spans = db.execute("SELECT origin, source_key, started_wall, ended_wall, spans FROM sessions WHERE id = 1").fetchone()
assert o == "manual" and k is None and json.loads(spans) == [[st, en]], (o, k, spans)
ev = db.execute("SELECT kind, wall_ms, payload FROM events WHERE session_id = 1 ORDER BY id").fetchall()
assert [(e[0], e[1]) for e in ev] == [("start", st), ("stop", en)], ev
assert json.loads(ev[0][2]) == {"origin": "manual"}, ev
PY
# Report counts it: its active time, one session, on its day.
rep=$("$STINT" report --from 2026-12-01 --to 2026-12-02 --by repo,day --json)
python3 - "$rep" <<'PY' || fail "report counts the added session: $rep"
import json, sys
r = json.loads(sys.argv[1])["report"]
assert r["total"]["active_s"] == 5400 and r["total"]["sessions"] == 1, r
g, = r["groups"]
assert g["key"] == "widget" and [c["key"] for c in g["groups"]] == ["2026-12-01"], g
PY
# --json prints stintd's reply: the id.
expect_eq 2 "$("$STINT" add --start "2026-12-01T11:00" --end "2026-12-01T11:15" --json | json_get '["id"]')" "add --json's id"

# --- Refusals: each with its cause, exit status, nothing written, stintd serving ----------
refused 2 "is not after --start" "the end before the start" \
	"$STINT" add --start "2026-12-01T10:00" --end "2026-12-01T09:00"
refused 2 "is not after --start" "the end at the start" \
	"$STINT" add --start "2026-12-01T10:00" --end "2026-12-01T10:00"
refused 2 "future" "an end in the future" "$STINT" add --start "1h ago" --end "2099-01-01T10:00"
refused 2 "future" "a start in the future" "$STINT" add --start "2099-01-01T09:00" --end "2099-01-01T10:00"
refused 2 "2026-02-30" "a date that does not exist" "$STINT" add --start "2026-02-30T09:00" --end "2026-03-01T10:00"
refused 2 "give both --start TIME and --end TIME" "no --end" "$STINT" add --start "2026-12-01T09:00"
refused 2 "unexpected argument" "an operand" "$STINT" add --start "2026-12-01T09:00" --end "2026-12-01T09:30" extra
refused 2 "No such file or directory" "a missing -C directory" \
	"$STINT" add -C "$T/nowhere" --start "2026-12-01T09:00" --end "2026-12-01T09:30"
refused 2 "at most 256 are allowed" "a focus too long" \
	"$STINT" add --start "2026-12-01T12:00" --end "2026-12-01T12:30" --focus "$(printf 'x%.0s' $(seq 1 257))"
refused 2 "may not contain" "a tag with a comma" \
	"$STINT" add --start "2026-12-01T12:00" --end "2026-12-01T12:30" --tag "a,b"
# An overlap with a closed session: the message names it, its times; exit 1.
refused 1 "it overlaps session 1 in widget (2026-12-01 09:00:00 to 2026-12-01 10:30:00)" \
	"an overlap with session 1" "$STINT" add --start "2026-12-01T10:00" --end "2026-12-01T10:45"
refused 1 "overlaps session 1" "a session inside session 1" \
	"$STINT" add --start "2026-12-01T09:10" --end "2026-12-01T09:20"
refused 1 "overlaps session 1" "a session around session 1" \
	"$STINT" add --start "2026-12-01T08:00" --end "2026-12-01T12:00"
# Touching is not overlapping: [10:30, 11:00) follows session 1 and precedes session 2.
"$STINT" add --start "2026-12-01T10:30" --end "2026-12-01T11:00" >/dev/null ||
	fail "a session touching two others was refused"
# Another repository's sessions are no obstacle.
make_repo "$T/other"
"$STINT" add -C "$T/other" --start "2026-12-01T09:00" --end "2026-12-01T10:30" >/dev/null ||
	fail "the same hours in another repository were refused"
expect_eq 4 "$(count)" "sessions after the refusals"

# The open session: an added session that reaches into it is refused, naming it as open; one
# before it is added although the repository has an open session.
"$STINT" start --focus live >/dev/null
open_id=$("$STINT" status --json | json_get '["sessions"][0]["id"]')
refused 1 "it overlaps session $open_id" "an overlap with the open session" \
	"$STINT" add --start "1m ago" --end "now"
refused 1 "to now (it is open)" "the open session's end is now" \
	"$STINT" add --start "1m ago" --end "now"
"$STINT" add --start "2026-12-02T09:00" --end "2026-12-02T09:30" >/dev/null ||
	fail "a session before the open one was refused"
expect_eq active "$("$STINT" status --json | json_get '["sessions"][0]["state"]')" "the open session after the adds"
"$STINT" stop --no-checks >/dev/null

# --- The request itself, over the socket -------------------------------------------------
now=$(($(date +%s) * 1000))
reply() { rawreq "$1" | tr -d '\n'; }
r=$(reply '{"v":1,"cmd":"add","repo":"imported-proj","start_ms":1000000000000,"end_ms":1000000360000,"origin":"imported","source_key":"test:1","tags":["a"]}')
expect_contains "$r" '"ok":true' "add of a named repository: $r"
id=$(json_get '["id"]' <<<"$r")
r=$(reply '{"v":1,"cmd":"add","repo":"imported-proj","start_ms":1000000000000,"end_ms":1000000360000,"origin":"imported","source_key":"test:1"}')
expect_eq "{\"v\":1,\"ok\":true,\"id\":$id,\"duplicate\":true}" "$r" "a source_key already stored"
# A duplicate key is a duplicate even when its times differ (it is the source's identity).
r=$(reply '{"v":1,"cmd":"add","repo":"imported-proj","start_ms":1000000720000,"end_ms":1000000960000,"origin":"imported","source_key":"test:1"}')
expect_contains "$r" "\"id\":$id,\"duplicate\":true" "a source_key with other times"
# An overlap among imported sessions of one name: error "overlap".
r=$(reply '{"v":1,"cmd":"add","repo":"imported-proj","start_ms":1000000100000,"end_ms":1000000200000,"origin":"imported","source_key":"test:2"}')
expect_contains "$r" '"code":"overlap"' "an overlapping import: $r"
expect_contains "$r" "it overlaps session $id" "the overlap names the session"
r=$(reply '{"v":1,"cmd":"add","repo":"imported-proj","start_ms":1000000100000,"end_ms":1000000200000,"origin":"imported"}')
expect_contains "$r" '"code":"overlap"' "an overlap without a source_key"
r=$(reply "{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":$((now - 1000)),\"end_ms\":$((now + 3600000)),\"origin\":\"manual\"}")
expect_contains "$r" '"code":"bad_request"' "an end in the future over the socket: $r"
expect_contains "$r" "is in the future" "the future's message"
for bad in \
	'{"v":1,"cmd":"add","repo":"x","start_ms":2,"end_ms":1,"origin":"manual"}|"end_ms\" must come after' \
	'{"v":1,"cmd":"add","start_ms":1,"end_ms":2,"origin":"manual"}|needs one of' \
	'{"v":1,"cmd":"add","repo":"x","cwd":"/","start_ms":1,"end_ms":2,"origin":"manual"}|needs one of' \
	'{"v":1,"cmd":"add","repo":"x","start_ms":1,"end_ms":2,"origin":"tracked"}|must be \"manual\" or \"imported\"' \
	'{"v":1,"cmd":"add","repo":"x","start_ms":"1","end_ms":2,"origin":"manual"}|field \"start_ms\" must be a time' \
	'{"v":1,"cmd":"add","repo":"x","start_ms":1,"origin":"manual"}|needs field \"end_ms\"' \
	'{"v":1,"cmd":"add","repo":"","start_ms":1,"end_ms":2,"origin":"manual"}|must not be empty' \
	'{"v":1,"cmd":"add","cwd":"/","repo_name":"n","start_ms":1,"end_ms":2,"origin":"manual"}|goes only with' \
	'{"v":1,"cmd":"add","repo":"x","start_ms":1,"end_ms":2,"origin":"manual","summary":"s"}|takes no field \"summary\"' \
	'{"v":1,"cmd":"add","cwd":"relative","start_ms":1,"end_ms":2,"origin":"manual"}|absolute path'; do
	r=$(reply "${bad%%|*}")
	expect_contains "$r" '"code":"bad_request"' "refused: ${bad%%|*}"
	expect_contains "$r" "${bad#*|}" "the message for ${bad%%|*}"
done
r=$(reply '{"v":1,"cmd":"add","cwd":"'"$T"'/gone","start_ms":1000,"end_ms":2000,"origin":"manual"}')
expect_contains "$r" '"code":"bad_path"' "a cwd that does not exist: $r"
expect_eq 7 "$(count)" "sessions after the socket's refusals (nothing written by them)"
"$STINT" ping >/dev/null || fail "stintd stopped serving after the refusals"

# A store that fails: store_failed, nothing written (the test hook of daemon/store.c).
if grep -q "test hooks" <<<"$("$STINTD" --version)"; then
	daemon_stop
	echo add >"$T/fail"
	STINT_TEST_STORE_FAIL_FILE="$T/fail" daemon_start
	refused 1 "cannot record the session" "a store that refuses the add" \
		"$STINT" add --start "2026-11-01T09:00" --end "2026-11-01T10:00"
	rm "$T/fail"
	"$STINT" add --start "2026-11-01T09:00" --end "2026-11-01T10:00" >/dev/null ||
		fail "the add once the store works again"
	expect_eq 8 "$(count)" "sessions after the store's failure and the retry"
fi

if [ -n "${STINT_ADD_OUT:-}" ]; then
	{
		printf '$ stint add --start 2026-12-01T09:00 --end 2026-12-01T10:30 --focus "Forgot to start" --tag api --tag fix\n%s\n\n' "$out"
		printf '$ stint add --start 2026-12-01T10:00 --end 2026-12-01T10:45\n'
		"$STINT" add --start "2026-12-01T10:00" --end "2026-12-01T10:45" 2>&1 || true
		printf '\n$ stint list --from 2026-12-01 --to 2026-12-02\n'
		"$STINT" list --from 2026-12-01 --to 2026-12-02 -C "$T/widget"
	} >"$STINT_ADD_OUT"
fi

# A tracked session outside any repository is signed as git would sign a commit there: the
# global user.name (lib.sh sets "Test Author"), not the account's name.
mkdir -p "$T/plain"
"$STINT" start -C "$T/plain" >/dev/null
"$STINT" stop -C "$T/plain" >/dev/null
expect_eq "Test Author" "$("$STINT" list --json --limit 1 -C "$T/plain" | json_get '["sessions"][0]["author"]')" \
	"the author of a session outside git"
echo "ok"
