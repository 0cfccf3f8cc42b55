#!/usr/bin/env bash
# Issue 14, "Export": stint export --format json (each session with its events), csv (RFC 4180,
# read back by python's csv module, durations in seconds) and timewarrior (timew export's own
# JSON: one interval per active span, the repository's name and the tags as tags, the focus as
# the annotation). The Timewarrior file is given to the real timew (1.4.3 has no 'import'
# command: each interval goes in with 'timew track', its annotation with 'timew annotate'), and
# then timew's own export is the file stint wrote, and timew summary's total is stint report's.
# A paused session exports one interval per span. Hundreds of sessions and sessions with
# thousands of events come in pages (each under stintd's 1 MiB) and all arrive, once each.
# Bad arguments are refused. STINT_EXPORT_OUT=FILE writes the outputs docs/reports.md shows.
export TZ=Europe/Paris
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
command -v timew >/dev/null || skip "timew (Timewarrior) is needed"
DB="$XDG_STATE_HOME/stint/stint.db"
make_repo "$T/widget"
make_repo "$T/gadget"
daemon_start
cd "$T/widget"

# Sessions of 1 December 2026 (none overlapping another, in any repository: Timewarrior keeps
# one interval at a time). A focus with a comma and quotes, for CSV.
"$STINT" add --start 2026-12-01T09:00 --end 2026-12-01T10:30 --focus 'Parser, "fast" path' --tag api --tag v2 >/dev/null
"$STINT" add --start 2026-12-01T11:00 --end 2026-12-01T11:45:30 --tag api >/dev/null
"$STINT" add -C "$T/gadget" --start 2026-12-01T14:00 --end 2026-12-01T16:20 --focus ops >/dev/null
"$STINT" add -C "$T/gadget" --start 2026-11-30T23:30 --end 2026-12-01T00:30 >/dev/null
RANGE=(--from 2026-11-30 --to 2026-12-02)

# --- JSON: every session of the range, with its events ------------------------------------
"$STINT" export "${RANGE[@]}" --format json >"$T/x.json"
list=$("$STINT" list "${RANGE[@]}" --json)
python3 - "$T/x.json" "$list" <<'PY' || fail "export --format json"
import json, sys
doc = json.load(open(sys.argv[1]))
lst = json.loads(sys.argv[2])["sessions"]
assert doc["v"] == 1, doc
got = doc["sessions"]
assert [s["id"] for s in got] == [s["id"] for s in lst] and len(got) == 4, (got, lst)
for s, l in zip(got, lst):
    for k in l:
        assert s[k] == l[k], (k, s, l)  # the list row, whole
    assert s["origin"] == "manual", s
    assert [e["kind"] for e in s["events"]] == ["start", "stop"], s
    assert s["events"][0]["at"] == s["spans"][0][0] and s["events"][1]["at"] == s["spans"][-1][1], s
    assert sum(b - a for a, b in s["spans"]) // 1000 == s["active_s"], s
PY

# --- CSV: RFC 4180, read back ---------------------------------------------------------------
"$STINT" export "${RANGE[@]}" --format csv >"$T/x.csv"
python3 - "$T/x.csv" "$list" <<'PY' || fail "export --format csv"
import csv, json, sys
raw = open(sys.argv[1], "rb").read()
assert raw.count(b"\r\n") == raw.count(b"\n") == 5, raw  # a header and 4 rows, CRLF
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
lst = json.loads(sys.argv[2])["sessions"]
assert [int(r["id"]) for r in rows] == [s["id"] for s in lst], rows
for r, s in zip(rows, lst):
    assert int(r["active_s"]) == s["active_s"] and int(r["wall_s"]) == s["wall_s"], (r, s)
    assert r["started_at"] == s["started_at"] and r["repo_name"] == s["repo_name"], (r, s)
    assert r["focus"] == (s["focus"] or "") and r["tags"] == " ".join(s["tags"]), (r, s)
    assert r["origin"] == "manual" and r["commits"] == "", r
assert any(r["focus"] == 'Parser, "fast" path' for r in rows), rows
PY
grep -qF '"Parser, ""fast"" path"' "$T/x.csv" || fail "the CSV field with a comma and quotes is not quoted by RFC 4180: $(cat "$T/x.csv")"

# --- Timewarrior: the real timew takes each interval and gives the same file back ----------
"$STINT" export "${RANGE[@]}" --format timewarrior >"$T/x.timew"
timew_db
timew_load() { # file: each interval through timew track (and annotate), as a user would
	python3 - "$1" <<'PY' >"$T/load.sh"
import json, shlex, sys
# Oldest first: each is then the newest interval, the @1 that annotate addresses.
for iv in sorted(json.load(open(sys.argv[1])), key=lambda iv: iv["start"]):
    print("timew track %s - %s %s :yes </dev/null >/dev/null" % (iv["start"], iv["end"], " ".join(shlex.quote(t) for t in iv["tags"])))
    if "annotation" in iv:
        print("timew annotate @1 %s :yes </dev/null >/dev/null" % shlex.quote(iv["annotation"]))
PY
	bash -e "$T/load.sh" || fail "timew did not take the exported intervals: $(cat "$1")"
}
timew_load "$T/x.timew"
timew export </dev/null >"$T/back.timew"
python3 - "$T/x.timew" "$T/back.timew" <<'PY' || fail "timew export of the loaded intervals differs from stint's file"
import json, sys
mine, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for iv in theirs:
    del iv["id"]
key = lambda iv: iv["start"]
# Timewarrior keeps tags as a set: compare them sorted.
norm = lambda l: sorted(({**iv, "tags": sorted(iv["tags"])} for iv in l), key=key)
assert norm(mine) == norm(theirs), (mine, theirs)
assert [iv["tags"][0] for iv in sorted(mine, key=key)] == ["gadget", "widget", "widget", "gadget"], mine
PY
# The totals: timew summary's against stint report's, for the same range (both read it in
# local time, TZ).
tw_total=$(timew summary 2026-11-30 - 2026-12-02 </dev/null | awk 'NF == 1 && $1 ~ /^[0-9]+:[0-9][0-9]:[0-9][0-9]$/ { split($1, p, ":"); t = p[1] * 3600 + p[2] * 60 + p[3] } END { print t }')
st_total=$("$STINT" report "${RANGE[@]}" --json | json_get '["report"]["total"]["active_s"]')
expect_eq "$st_total" "$tw_total" "timew summary's total against stint report's"
expect_eq $((5400 + 2730 + 8400 + 3600)) "$st_total" "the total of the four sessions"

# --- A tracked session with a pause: one interval per active span ---------------------------
"$STINT" start --focus live >/dev/null
sleep 1.2
"$STINT" pause >/dev/null
sleep 1.2
"$STINT" resume >/dev/null
sleep 1.2
"$STINT" stop --no-checks >/dev/null
live=$("$STINT" export today --format json)
"$STINT" export today --format timewarrior >"$T/live.timew"
python3 - "$live" "$T/live.timew" <<'PY' || fail "a paused session's intervals: $live"
import json, sys
from datetime import datetime, timezone
s, = json.loads(sys.argv[1])["sessions"]
iv = json.load(open(sys.argv[2]))
assert s["origin"] == "tracked" and len(s["spans"]) == 2, s
assert [e["kind"] for e in s["events"]][:1] == ["start"] and "pause" in [e["kind"] for e in s["events"]], s
assert len(iv) == 2 and all(i["tags"] == ["widget"] and i["annotation"] == "live" for i in iv), iv
t = lambda x: datetime.strptime(x, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
# Whole seconds in Timewarrior: each end rounded, so within a second per span.
assert abs(sum(t(i["end"]) - t(i["start"]) for i in iv) - s["active_s"]) <= len(iv), (iv, s)
PY

# --- Filters: -C, --tag; an empty range is an empty document --------------------------------
expect_eq "widget widget" "$("$STINT" export "${RANGE[@]}" -C "$T/widget" --format json | python3 -c 'import json,sys; print(" ".join(s["repo_name"] for s in json.load(sys.stdin)["sessions"]))')" "export -C"
expect_eq "2" "$("$STINT" export all --tag api --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')" "export --tag"
expect_eq "[]" "$("$STINT" export --from 2020-01-01 --to 2020-01-02 --format timewarrior | python3 -c 'import json,sys; print(json.load(sys.stdin))')" "an empty range in Timewarrior's format"
expect_eq "1" "$("$STINT" export --from 2020-01-01 --to 2020-01-02 --format csv | wc -l)" "an empty range in CSV: the header"

# --- Refusals -----------------------------------------------------------------------------
for bad in "all@--format json|csv|timewarrior is needed" "--format@requires an argument" \
	"--format xml@must be json, csv or timewarrior" "--format json --from 2099-01-01@future" \
	"--format json all --from 2026-01-01@exclude each other" "--format json --all -C .@exclude each other" \
	"--format json nonsense@nonsense"; do
	# shellcheck disable=SC2086
	rc=0 && out=$("$STINT" export ${bad%%@*} 2>&1) || rc=$?
	expect_eq 2 "$rc" "export ${bad%%@*}: exit status ($out)"
	expect_contains "$out" "${bad#*@}" "export ${bad%%@*}"
done

# The request over the socket: list's fields, checked as list's.
for bad in '{"v":1,"cmd":"export","limit":0}@field \"limit\" must be an integer from 1 to 1000' \
	'{"v":1,"cmd":"export","before":[1]}@field \"before\" must be [ended_ms, id]' \
	'{"v":1,"cmd":"export","from":5,"to":5}@field \"to\" must come after' \
	'{"v":1,"cmd":"export","by":["repo"]}@takes no field \"by\"' \
	'{"v":1,"cmd":"export","cwd":"'"$T"'/nowhere"}@'"$T"'/nowhere'; do
	r=$(rawreq "${bad%%@*}")
	expect_contains "$r" '"ok":false' "refused: ${bad%%@*}"
	expect_contains "$r" "${bad#*@}" "the message for ${bad%%@*}"
done
"$STINT" ping >/dev/null || fail "stintd stopped serving after the refused exports"

if [ -n "${STINT_EXPORT_OUT:-}" ]; then
	{
		for f in json csv timewarrior; do
			printf '$ stint export --from 2026-11-30 --to 2026-12-02 --format %s\n' "$f"
			"$STINT" export "${RANGE[@]}" --format $f | tr -d '\r'
			printf '\n'
		done
		printf '$ timew summary 2026-11-30 - 2026-12-02   # after loading the file above\n'
		timew summary 2026-11-30 - 2026-12-02 </dev/null
	} >"$STINT_EXPORT_OUT"
fi

# --- Pages: 700 sessions with long paths, three with 3 000 events, all of them, once each --
daemon_stop
python3 - "$DB" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
base = 1700000000000
for i in range(700):
    a = base + i * 3600000
    cur = db.execute("INSERT INTO sessions (repo, repo_name, tags, state, started_wall, ended_wall, "
                     "active_s, wall_s, paused_s, idle_s, suspended_s, spans, focus) VALUES "
                     "(?, 'bulk', '[]', 'stopped', ?, ?, 600, 600, 0, 0, 0, ?, ?)",
                     # a path of 4 000 bytes and a focus of 256: 250 such rows (2 MiB) would
                     # pass what stintd queues, so a page is cut by its size, not its limit
                     ("/past/" + "x" * 4000, a, a + 600000,
                      json.dumps([[a, a + 600000]]), "f" * 256))
    n = 3000 if i in (10, 11, 500) else 2
    db.executemany("INSERT INTO events (session_id, kind, mono_ns, boot_ns, wall_ms, boot_id, payload) "
                   "VALUES (?, 'note', 0, 0, ?, 'b', ?)",
                   [(cur.lastrowid, a + k, json.dumps({"text": "n" * 200, "kind": "note"})) for k in range(n)])
db.commit()
PY
daemon_start
"$STINT" export --from 2023-11-01 --to 2024-01-01 --format json >"$T/bulk.json"
python3 - "$T/bulk.json" <<'PY' || fail "the export of 700 sessions in pages"
import json, sys
s = json.load(open(sys.argv[1]))["sessions"]
ids = [x["id"] for x in s]
assert len(ids) == 700 and len(set(ids)) == 700, len(ids)
assert [x["ended_ms"] for x in s] == sorted((x["ended_ms"] for x in s), reverse=True)
big = [x for x in s if x.get("events_truncated")]
# 3 000 notes of 200 bytes pass a session's 256 KiB: cut, and said so; the others whole.
assert len(big) == 3 and all(500 < len(x["events"]) < 3000 for x in big), [len(x["events"]) for x in big]
assert all(len(x["events"]) == 2 for x in s if not x.get("events_truncated"))
PY
! grep -q "reads none of its replies" "$DAEMON_LOG" || fail "a page passed what stintd queues for a client"
"$STINT" ping >/dev/null || fail "stintd stopped serving after the export"
echo "ok"
