#!/usr/bin/env bash
# Issue 14, "Reports": stint report's totals are the sessions' own numbers (list --json) and
# git's (commits, files, lines); --by repo,day; a session over midnight and over the March DST
# change split at the local midnight (TZ=Europe/Paris); --csv read back by python's csv module;
# --json; no escape codes off a terminal or with NO_COLOR; stint list with a range, ids, tags,
# branch, and no 1000 cap for --json; every bad RANGE/TIME/--by refused with a clear error.
# The sessions on given days are inserted into the store (schema 6, docs/reports.md) while
# stintd is stopped: nothing else can put a session on a day long past.
export TZ=Europe/Paris
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
DB="$XDG_STATE_HOME/stint/stint.db"
sum_numstat() { awk '$1 != "-" { a += $1; r += $2; f++ } END { print f + 0, a + 0, r + 0 }'; }

# --- Sessions made through the real CLI, checked against list and git ---------------------
make_repo "$T/alpha"
make_repo "$T/beta"
daemon_start
cd "$T/alpha"
a_base=$(git rev-parse HEAD)
"$STINT" start --focus "Parser" --tag api --tag v2 >/dev/null
sleep 1.1
seq 1 40 >parse.c && git add parse.c && git commit -qm "parse"
seq 1 12 >lex.c && sed -i 's/^hello$/hello world/' README && git add -A && git commit -qm "lex"
wait_for 20 bash -c "[ \"\$('$STINT' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"sessions\"][0][\"commits\"])')\" = 2 ]" ||
	fail "stintd never saw alpha's two commits"
"$STINT" stop --no-checks >/dev/null
cd "$T/beta"
b_base=$(git rev-parse HEAD)
"$STINT" start --tag ops >/dev/null
sleep 1.1
seq 1 7 >ops.sh && git add ops.sh && git commit -qm "ops"
wait_for 20 bash -c "[ \"\$('$STINT' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"sessions\"][0][\"commits\"])')\" = 1 ]" ||
	fail "stintd never saw beta's commit"
"$STINT" stop --no-checks >/dev/null
beta_log=$("$STINT" log -C "$T/beta")
# A cancelled session is not work on record: list shows it, report does not.
"$STINT" start --focus "thrown away" >/dev/null
"$STINT" cancel >/dev/null

report=$("$STINT" report --json)
list=$("$STINT" list today --json)
python3 - "$report" "$list" <<'PY' || fail "report today does not agree with list --json"
import json, sys
rep, lst = json.loads(sys.argv[1])["report"], json.loads(sys.argv[2])["sessions"]
stopped = [s for s in lst if s["state"] == "stopped"]
assert len(lst) == 3 and len(stopped) == 2, lst
assert rep["by"] == ["repo"], rep
assert rep["total"]["active_s"] == sum(s["active_s"] for s in stopped), (rep, stopped)
assert rep["total"]["sessions"] == 2, rep
for g in rep["groups"]:
    mine = [s for s in stopped if s["repo_name"] == g["key"]]
    assert len(mine) == 1 and g["active_s"] == mine[0]["active_s"], (g, mine)
    for k in ("commits", "files", "added", "removed"):
        assert g[k] == mine[0][k], (k, g, mine)
assert sorted(g["key"] for g in rep["groups"]) == ["alpha", "beta"], rep
PY
# Commits, files and lines: git's, for each repository and in total.
for r in alpha beta; do
	base=$([ $r = alpha ] && echo "$a_base" || echo "$b_base")
	commits=$(git -C "$T/$r" log --oneline "$base..HEAD" | wc -l)
	read -r files added removed < <(git -C "$T/$r" diff --numstat "$base" HEAD | sum_numstat)
	got=$(printf '%s' "$report" | python3 -c "
import json,sys
g=[g for g in json.load(sys.stdin)['report']['groups'] if g['key']=='$r'][0]
print(g['commits'], g['files'], g['added'], g['removed'])")
	expect_eq "$commits $files $added $removed" "$got" "report's commits, files, lines of $r (git log, git diff --numstat)"
done
total=$(printf '%s' "$report" | json_get '["report"]["total"]["commits"]')
expect_eq "$(($(git -C "$T/alpha" log --oneline "$a_base..HEAD" | wc -l) + $(git -C "$T/beta" log --oneline "$b_base..HEAD" | wc -l)))" \
	"$total" "total commits (git log)"

# --by tag: a session counts under each of its tags, once in the total; --tag filters.
bytag=$("$STINT" report --by tag --json)
python3 - "$bytag" "$report" <<'PY' || fail "report --by tag"
import json, sys
t, r = json.loads(sys.argv[1])["report"], json.loads(sys.argv[2])["report"]
keys = {g["key"]: g for g in t["groups"]}
assert sorted(keys) == ["api", "ops", "v2"], keys
alpha = [g for g in r["groups"] if g["key"] == "alpha"][0]
assert keys["api"]["active_s"] == keys["v2"]["active_s"] == alpha["active_s"], (keys, alpha)
assert t["total"] == r["total"], (t["total"], r["total"])
PY
expect_eq '["beta"]' "$("$STINT" report --tag ops --json | python3 -c 'import json,sys; print(json.dumps([g["key"] for g in json.load(sys.stdin)["report"]["groups"]]))')" "report --tag ops"
expect_eq '["alpha"]' "$("$STINT" report -C "$T/alpha" --json | python3 -c 'import json,sys; print(json.dumps([g["key"] for g in json.load(sys.stdin)["report"]["groups"]]))')" "report -C alpha"

# --csv: RFC 4180, read back by python's csv module, the same numbers as --json.
"$STINT" report --by repo --csv >"$T/r.csv"
grep -q $'\r$' "$T/r.csv" || fail "CSV lines do not end in CRLF"
python3 - "$T/r.csv" "$report" <<'PY' || fail "report --csv"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rep = json.loads(sys.argv[2])["report"]
assert [r["repo"] for r in rows] == [g["key"] for g in rep["groups"]], rows
for r, g in zip(rows, rep["groups"]):
    for k in ("active_s", "sessions", "commits", "files", "added", "removed"):
        assert int(r[k]) == g[k], (k, r, g)
PY

# Terminal output: bars and colour on a terminal, never escapes off one or with NO_COLOR.
plain=$("$STINT" report)
expect_contains "$plain" "alpha" "report's text"
expect_contains "$plain" "Total" "report's total line"
[[ $plain != *$'\033'* ]] || fail "escape codes off a terminal: $plain"
if command -v script >/dev/null; then
	tty=$(COLUMNS=100 script -qec "'$STINT' report" /dev/null)
	[[ $tty == *$'\033['* ]] || fail "no colour on a terminal: $tty"
	[[ $tty == *"█"* || $tty == *"▏"* ]] || fail "no bar on a terminal: $tty"
	tty=$(NO_COLOR=1 script -qec "'$STINT' report" /dev/null)
	[[ $tty != *$'\033'* ]] || fail "escape codes with NO_COLOR: $tty"
fi

# --- Bad input: refused, said why, nonzero; stintd goes on serving --------------------------
refused() { # needle args...
	local needle=$1 out rc=0
	shift
	out=$("$STINT" "$@" 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "stint $* was not refused: $out"
	expect_contains "$out" "$needle" "stint $*"
}
refused "bad RANGE 'fortnight'" report fortnight
refused "bad TIME '25:00'" report --from 25:00
refused "is in the future" report --from "2099-01-01"
refused "is in the future" report --from "10m ago" --to "2099-01-01T00:00+01:00"
refused "--to must come after --from" report --from "10m ago" --to "1h ago"
refused "no such date" report --from 2026-02-30
refused "bad UTC offset" list --from "2026-01-01T09:00+99:00"
# A TIME with a space, unquoted: the message says to quote it, whatever option it follows.
refused "quote it, as in --from 'yesterday 17:30'" report --from yesterday 17:30
refused "quote it, as in --from '2d ago'" list --from 2d ago
refused "quote it, as in --to 'today 23:59'" report --from yesterday --to today 23:59
refused "quote it, as in --at '10m ago'" stop --at 10m ago
refused "quote it, as in --start '2026-12-01 09:00'" add --start 2026-12-01 09:00 --end now
refused "duration before 'ago'" list --from "soon ago"
refused "--to needs --from" report --to 14:00
refused "exclude each other" report today --from 10m\ ago
refused "unknown 'nope'" report --by nope
refused "one or two different" report --by repo,repo
refused "one or two different" report --by repo,day,tag
refused "--json and --csv exclude each other" report --json --csv
refused "unexpected argument" report today yesterday
bad=$(rawreq '{"v":1,"cmd":"report","from":5,"to":1,"by":["repo"]}' \
	'{"v":1,"cmd":"report","from":0,"to":1,"by":["planet"]}' \
	'{"v":1,"cmd":"report","from":0,"to":1,"by":["repo"],"zone":[[0,3600],[0,7200]]}' \
	'{"v":1,"cmd":"report","from":-3,"to":1,"by":["repo"]}' \
	'{"v":1,"cmd":"list","before":[1]}')
expect_eq 5 "$(grep -c '"code":"bad_request"' <<<"$bad")" "bad report and list requests refused: $bad"
expect_contains "$bad" 'field \"to\" must come after \"from\"' "to before from"
expect_contains "$bad" 'unknown dimension' "an unknown dimension"
expect_contains "$bad" 'in increasing order' "a zone out of order"
"$STINT" ping >/dev/null || fail "stintd stopped serving after bad requests"

# --- Sessions on given days, over midnight and the DST change (Europe/Paris) -----------------
daemon_stop
python3 - "$DB" <<'PY'
import json, sqlite3, sys
from datetime import datetime
from zoneinfo import ZoneInfo
P = ZoneInfo("Europe/Paris")
ms = lambda s: int(datetime.fromisoformat(s).replace(tzinfo=P).timestamp() * 1000)
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA user_version").fetchone()[0] >= 6  # the columns of schema 6; later ones add
rows = [
    # over midnight, spans on both sides, paused in between (the spans decide, not the ends)
    ("gamma", ms("2026-03-20T22:00"), ms("2026-03-21T01:00"),
     [[ms("2026-03-20T22:00"), ms("2026-03-20T23:30")], [ms("2026-03-21T00:30"), ms("2026-03-21T01:00")]], 1),
    # over the change of 2026-03-29 02:00 CET -> 03:00 CEST
    ("gamma", ms("2026-03-28T23:00"), ms("2026-03-29T04:00"),
     [[ms("2026-03-28T23:00"), ms("2026-03-29T04:00")]], 2),
    # the first midnight of summer time (22:00 UTC)
    ("delta", ms("2026-03-29T23:30"), ms("2026-03-30T00:30"),
     [[ms("2026-03-29T23:30"), ms("2026-03-30T00:30")]], 3),
    # closed before schema 6: no spans, its active time spread over its wall time
    ("delta", ms("2026-03-25T23:00"), ms("2026-03-26T01:00"), None, 4),
]
for repo, a, b, spans, c in rows:
    active = sum(y - x for x, y in spans) // 1000 if spans else 3600
    db.execute("INSERT INTO sessions (repo, repo_name, branch, tags, state, started_wall, "
               "ended_wall, active_s, wall_s, paused_s, idle_s, suspended_s, spans, commits, "
               "files, added, removed) VALUES (?, ?, 'main', '[\"hist\"]', 'stopped', ?, ?, ?, "
               "?, 0, 0, 0, ?, ?, ?, ?, ?)",
               ("/past/" + repo, repo, a, b, active, (b - a) // 1000,
                json.dumps(spans) if spans else None, c, c, 10 * c, c))
db.commit()
PY
daemon_start
byday=$("$STINT" report --from 2026-03-20 --to 2026-04-01 --by repo,day --json)
python3 - "$byday" <<'PY' || fail "report --by repo,day over midnight and DST: $byday"
import json, sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
P = ZoneInfo("Europe/Paris")
rep = json.loads(sys.argv[1])["report"]
got = {(g["key"], c["key"]): c["active_s"] for g in rep["groups"] for c in g["groups"]}
# The expected split, worked out by python's zoneinfo: each span cut at local midnights.
def split(spans, out, repo, scale=1.0):
    for a, b in spans:
        t = a
        while t < b:
            d = t.astimezone(P).date()
            nxt = datetime.combine(d + timedelta(days=1), datetime.min.time(), P)
            e = min(b, nxt)
            # timestamps: python subtracts aware times of one zone on the wall clock
            out[(repo, d.isoformat())] = out.get((repo, d.isoformat()), 0) + (e.timestamp() - t.timestamp()) * scale
            t = e
p = lambda s: datetime.fromisoformat(s).replace(tzinfo=P)
want = {}
split([(p("2026-03-20T22:00"), p("2026-03-20T23:30")), (p("2026-03-21T00:30"), p("2026-03-21T01:00"))], want, "gamma")
split([(p("2026-03-28T23:00"), p("2026-03-29T04:00"))], want, "gamma")
split([(p("2026-03-29T23:30"), p("2026-03-30T00:30"))], want, "delta")
a, b = p("2026-03-25T23:00"), p("2026-03-26T01:00")
split([(a, b)], want, "delta", 3600 / (b.timestamp() - a.timestamp()))
want = {k: round(v) for k, v in want.items()}
assert got == want, (got, want)
# DST: from midnight to 04:00 on the night of the change is 3 hours, not 4...
assert got[("gamma", "2026-03-28")] == 3600 and got[("gamma", "2026-03-29")] == 3 * 3600, got
# ...and summer midnight is 22:00 UTC.
assert got[("delta", "2026-03-29")] == 1800 and got[("delta", "2026-03-30")] == 1800, got
# Statistics go with the day a session ended.
stats = {(g["key"], c["key"]): c["commits"] for g in rep["groups"] for c in g["groups"]}
assert stats[("gamma", "2026-03-21")] == 1 and stats[("gamma", "2026-03-20")] == 0, stats
assert rep["total"]["sessions"] == 4 and rep["total"]["commits"] == 10, rep["total"]
PY
# A range boundary splits too: from 00:30 on the 21st, 30 minutes of the first session.
expect_eq 1800 "$("$STINT" report --from 2026-03-21T00:30 --to 2026-03-22 --json | json_get '["report"]["total"]["active_s"]')" \
	"a session cut at the range's start"
# Week and month labels.
expect_eq '["2026-W12", "2026-W13", "2026-W14"]' "$("$STINT" report --from 2026-03-16 --to 2026-04-01 --by week --json |
	python3 -c 'import json,sys; print(json.dumps([g["key"] for g in json.load(sys.stdin)["report"]["groups"]]))')" "report --by week"
"$STINT" report --from 2026-03-20 --to 2026-04-01 --by repo,day --csv >"$T/d.csv"
python3 - "$T/d.csv" "$byday" <<'PY' || fail "report --by repo,day --csv"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rep = json.loads(sys.argv[2])["report"]
want = [(g["key"], c["key"], c["active_s"]) for g in rep["groups"] for c in g["groups"]]
assert [(r["repo"], r["day"], int(r["active_s"])) for r in rows] == want, (rows, want)
PY

# STINT_REPORTS_OUT=FILE: the outputs docs/reports.md shows, from these sessions.
if [ -n "${STINT_REPORTS_OUT:-}" ]; then
	{
		for args in "--from 2026-03-20 --to 2026-04-01" "--from 2026-03-20 --to 2026-04-01 --by repo,day" \
			"--from 2026-03-16 --to 2026-04-01 --by week" "--from 2026-03-20 --to 2026-04-01 --by repo,day --csv"; do
			printf '$ stint report %s\n' "$args"
			# shellcheck disable=SC2086
			COLUMNS=96 "$STINT" report $args | tr -d '\r'
			printf '\n'
		done
		printf '$ stint report --from 2026-03-28 --to 2026-03-30 --json\n'
		"$STINT" report --from 2026-03-28 --to 2026-03-30 --json
		printf '\n$ stint list --from 2026-03-20 --to 2026-04-01\n'
		"$STINT" list --from 2026-03-20 --to 2026-04-01
	} >"$STINT_REPORTS_OUT"
fi

# --- stint list: a range, the id, tags and branch, and no cap for --json --------------------
lst=$("$STINT" list --from 2026-03-20 --to 2026-04-01)
expect_eq 4 "$(grep -c '+hist' <<<"$lst")" "list with a range shows the tags: $lst"
expect_contains "$lst" " main " "list shows the branch"
[[ $lst == *"#"[0-9]* ]] || fail "list shows no session id: $lst"

daemon_stop
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO sessions (repo, repo_name, tags, state, started_wall, ended_wall, "
               "active_s) VALUES ('/past/many', 'many', '[]', 'stopped', ?, ?, 60)",
               [(1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500) for i in range(2500)])
# 300 sessions without a log closed after beta's: stint log pages past them (250 a request).
import time
now = int(time.time() * 1000)
db.executemany("INSERT INTO sessions (repo, repo_name, tags, state, started_wall, ended_wall, "
               "active_s) VALUES ('/past/nolog', 'nolog', '[]', 'stopped', ?, ?, 1)",
               [(now - 1000 - i, now - i) for i in range(300)])
# One a day for 11000 days: a report by day over all of them is more than stintd sends.
db.executemany("INSERT INTO sessions (repo, repo_name, tags, state, started_wall, ended_wall, "
               "active_s) VALUES ('/past/daily', 'daily', '[]', 'stopped', ?, ?, 60)",
               [(694263600000 + i * 86400000, 694263600000 + i * 86400000 + 60000) for i in range(11000)])
db.commit()
PY
daemon_start
n=$("$STINT" list --json | python3 -c 'import json,sys; s=json.load(sys.stdin)["sessions"]; ids=[x["id"] for x in s]; assert len(ids)==len(set(ids)); print(len(s))')
expect_eq "$(python3 -c "import sqlite3; print(sqlite3.connect('$DB').execute(\"SELECT count(*) FROM sessions WHERE state != 'open'\").fetchone()[0])")" \
	"$n" "list --json has every closed session, past 1000"
expect_eq 20 "$("$STINT" list | wc -l)" "list without a range: the newest 20"
expect_eq "$beta_log" "$("$STINT" log --all)" "stint log --all past 300 sessions without a log"
refused "too many to send" report all --by day
"$STINT" ping >/dev/null || fail "stintd stopped serving after a report too large"
expect_eq 11000 "$("$STINT" report all --by month --json | python3 -c 'import json,sys; print(sum(g["sessions"] for g in json.load(sys.stdin)["report"]["groups"] if g["key"] < "2023"))')" \
	"report all --by month: the daily sessions up to 2022"
# A report over every session by repository, branch or author is summed by SQLite along an
# index (store_history_report_sum): the same totals as the sessions' own numbers in list --json.
"$STINT" list --json >"$T/all.json"
for by in repo repo,branch author branch,author; do
	"$STINT" report all --by $by --json >"$T/rep.json"
	python3 - "$T/rep.json" "$T/all.json" "$by" <<'PY' ||
import json, sys
rep, lst = json.load(open(sys.argv[1]))["report"], json.load(open(sys.argv[2]))["sessions"]
by = sys.argv[3]
col = {"repo": "repo_name", "branch": "branch", "author": "author"}
keys = ["active_s", "commits", "files", "added", "removed"]
want = {}
for s in lst:
    if s["state"] != "stopped":
        continue
    path = tuple(s[col[d]] or "(no %s)" % d for d in by.split(","))
    for depth in range(1, len(path) + 1):
        t = want.setdefault(path[:depth], dict.fromkeys(keys + ["sessions"], 0))
        t["sessions"] += 1
        for k in keys:
            t[k] += s[k] or 0
got = {}
for g in rep["groups"]:
    got[(g["key"],)] = {k: g[k] for k in keys + ["sessions"]}
    for h in g.get("groups", []):
        got[(g["key"], h["key"])] = {k: h[k] for k in keys + ["sessions"]}
assert got == want, (by, got, want)
assert rep["total"]["sessions"] == sum(1 for s in lst if s["state"] == "stopped"), rep["total"]
PY
		fail "report all --by $by does not agree with list --json"
done
grep -q "report: summed along sessions_report" "$DAEMON_LOG" || fail "report all --by repo read every row"
expect_eq 5 "$("$STINT" list --limit 5 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')" "list --limit 5 --json"
echo "ok"
