#!/usr/bin/env bash
# Issue 14, "Import": stint import timewarrior DIR (the real timew's data directory, made with
# timew track/start/annotate in an isolated TIMEWARRIORDB) and FILE (timew export's), and
# stint import watson FILE. Each interval is a closed session marked imported, its first tag
# (Watson: its project) the repository's name; stint report's totals for the range equal timew
# summary's and the sum of timew export's intervals, per repository too. Importing again, from
# the directory or the export file, adds nothing and changes no total. An open interval is
# skipped and reported. Malformed input (bad JSON, a bad date, a line timew would not write,
# invalid UTF-8, a 2 GB file, a FIFO, no data files) is refused with FILE:LINE and nothing is
# imported; a store that fails stops the import and says what got in. 10 000 Watson frames
# import over the pipelined connections, all of them. STINT_IMPORT_OUT=FILE writes the outputs
# docs/reports.md shows.
export TZ=Europe/Paris
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
timew_db
count() { "$STINT" list all --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))'; }
# timew summary's grand total in seconds (its last line, H:MM:SS).
tw_total() {
	timew summary "$@" </dev/null | awk 'NF == 1 && $1 ~ /^[0-9]+:[0-9][0-9]:[0-9][0-9]$/ { split($1, p, ":"); t = p[1] * 3600 + p[2] * 60 + p[3] } END { print t + 0 }'
}
refused() { # needle what cmd...: exit 1, the needle in the message, nothing imported
	local needle=$1 what=$2 out rc=0 before
	shift 2
	before=$(count)
	out=$("$@" 2>&1) || rc=$?
	expect_eq 1 "$rc" "$what: exit status ($out)"
	expect_contains "$out" "$needle" "$what"
	expect_contains "$out" "nothing was imported" "$what says nothing was imported"
	expect_eq "$before" "$(count)" "$what: sessions in the store"
}

# Timewarrior's own data: several days, tags with spaces and quotes, an annotation, an
# untagged interval, one over midnight, and one still running.
tw track 2026-11-02T09:00 - 2026-11-02T10:30 acme 'code review' api
tw track 2026-11-02T11:00 - 2026-11-02T11:20 acme
tw annotate @1 'call with "Bob", late'
tw track 2026-11-02T23:30 - 2026-11-03T01:15 nightly 'q"uote'
tw track 2026-11-03T14:00 - 2026-11-03T14:45
tw track 2026-11-04T08:00:10 - 2026-11-04T09:59:59 zeta acme
tw start 2026-11-05T08:00 running
timew export </dev/null >"$T/tw.json"
ls "$TIMEWARRIORDB/data"/2026-11.data >/dev/null || fail "timew wrote no data file"

daemon_start
out=$("$STINT" import timewarrior "$TIMEWARRIORDB/data")
line=$(grep -n running "$TIMEWARRIORDB/data/2026-11.data" | cut -d: -f1)
expect_eq "imported 5 sessions, 0 already there, 1 skipped (1 still running, first at 2026-11.data:$line)" "$out" "the first import"

# Totals for the range without the running interval: stint's, timew summary's, and the sum
# of timew export's intervals (python), in all and per first tag.
check_totals() { # what
	local rep
	rep=$("$STINT" report --from 2026-11-01 --to 2026-11-05 --json)
	expect_eq "$(tw_total 2026-11-01 - 2026-11-05)" "$(json_get '["report"]["total"]["active_s"]' <<<"$rep")" "$1: stint report's total against timew summary's"
	python3 - "$rep" "$T/tw.json" <<'PY' || fail "$1: stint report by repo against timew export: $rep"
import json, sys
from datetime import datetime, timezone
rep = json.loads(sys.argv[1])["report"]
t = lambda s: datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
want = {}
for iv in json.load(open(sys.argv[2])):
    if "end" not in iv:
        continue
    k = iv.get("tags", ["(untagged)"])[0]
    want[k] = want.get(k, 0) + int(t(iv["end"]) - t(iv["start"]))
got = {g["key"]: g["active_s"] for g in rep["groups"]}
assert got == want, (got, want)
assert rep["total"]["sessions"] == 5, rep["total"]
PY
}
check_totals "after the import of the data directory"
# The sessions: imported, tags mapped (a space becomes '_'), the annotation as the focus.
python3 - "$("$STINT" list all --json)" <<'PY' || fail "the imported sessions in list --json"
import json, sys
s = {x["started_at"]: x for x in json.loads(sys.argv[1])["sessions"]}
a = s["2026-11-02T09:00:00+01:00"]
assert a["origin"] == "imported" and a["repo"] == "acme" and a["repo_name"] == "acme", a
assert sorted(a["tags"]) == ["api", "code_review"] and a["focus"] is None, a
b = s["2026-11-02T11:00:00+01:00"]
assert b["focus"] == 'call with "Bob", late' and b["tags"] == [], b
assert s["2026-11-02T23:30:00+01:00"]["tags"] == ['q"uote'], s
assert s["2026-11-03T14:00:00+01:00"]["repo_name"] == "(untagged)", s
assert all(x["commits"] is None for x in s.values()), s
PY
has_line "$("$STINT" list --from 2026-11-02 --to 2026-11-03 | sed 's/  */ /g')" '#2 2026-11-02 11:00 20m acme - "call with "Bob", late" - (imported)' "stint list shows an imported session"

# Again, from the directory and from timew export's file: nothing new, the same totals.
expect_eq "imported 0 sessions, 5 already there, 1 skipped (1 still running, first at 2026-11.data:$line)" \
	"$("$STINT" import timewarrior "$TIMEWARRIORDB/data")" "the directory imported again"
json_line=$(grep -n '"running"' "$T/tw.json" | cut -d: -f1)
expect_eq "imported 0 sessions, 5 already there, 1 skipped (1 still running, first at $T/tw.json:$json_line)" \
	"$("$STINT" import timewarrior "$T/tw.json")" "timew export's file after the directory"
# $TIMEWARRIORDB itself, not its data/: read as timew reads it.
expect_eq "imported 0 sessions, 5 already there, 1 skipped (1 still running, first at 2026-11.data:$line)" \
	"$("$STINT" import timewarrior "$TIMEWARRIORDB")" "\$TIMEWARRIORDB given for its data directory"
expect_eq 5 "$(count)" "sessions after importing twice"
check_totals "after importing twice"

if [ -n "${STINT_IMPORT_OUT:-}" ]; then
	{
		printf '$ timew summary 2026-11-01 - 2026-11-05\n'
		timew summary 2026-11-01 - 2026-11-05 </dev/null
		printf '\n$ stint import timewarrior ~/.timewarrior/data\n%s\n' "$out"
		printf '\n$ timew export >timew-export.json\n$ stint import timewarrior timew-export.json\n'
		cp "$T/tw.json" "$T/timew-export.json"
		"$STINT" import timewarrior "$T/timew-export.json"
		printf '\n$ stint report --from 2026-11-01 --to 2026-11-05\n'
		COLUMNS=90 "$STINT" report --from 2026-11-01 --to 2026-11-05
		printf '\n$ stint list --from 2026-11-01 --to 2026-11-05\n'
		"$STINT" list --from 2026-11-01 --to 2026-11-05
	} >"$STINT_IMPORT_OUT"
fi

# --- Watson's frames ------------------------------------------------------------------------
python3 - "$T/frames" <<'PY'
import json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
P = ZoneInfo("Europe/Paris")
e = lambda s: int(datetime.fromisoformat(s).replace(tzinfo=P).timestamp())
frames = [
    [e("2026-10-05T09:00"), e("2026-10-05T10:00"), "website", "a" * 32, ["css", "design work"], e("2026-10-05T10:00")],
    [e("2026-10-05T10:15"), e("2026-10-05T12:00"), "website", "b" * 32, [], e("2026-10-05T12:00")],
    [e("2026-10-05T10:15"), e("2026-10-05T11:07"), "billing", "c" * 32, ["ops"], e("2026-10-05T11:07")],
]
json.dump(frames, open(sys.argv[1], "w"), indent=1)
PY
expect_eq "imported 3 sessions, 0 already there, 0 skipped" "$("$STINT" import watson "$T/frames")" "the Watson import"
expect_eq "imported 0 sessions, 3 already there, 0 skipped" "$("$STINT" import watson "$T/frames")" "the Watson import again"
python3 - "$("$STINT" report --from 2026-10-05 --to 2026-10-06 --json)" "$T/frames" <<'PY' || fail "report of the Watson frames"
import json, sys
rep = json.loads(sys.argv[1])["report"]
want = {}
for f in json.load(open(sys.argv[2])):
    want[f[2]] = want.get(f[2], 0) + f[1] - f[0]
assert {g["key"]: g["active_s"] for g in rep["groups"]} == want, (rep, want)
PY
# An overlap in one project is skipped and said (Watson allows it; stint does not).
python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
f.append([f[0][0] + 600, f[0][1] + 600, "website", "d" * 32, [], f[0][1]])
json.dump(f, open(sys.argv[1] + "2", "w"))' "$T/frames"
rc=0 && out=$("$STINT" import watson "$T/frames2" 2>&1) || rc=$?
expect_eq 0 "$rc" "an import with an overlap: exit status ($out)"
expect_contains "$out" "imported 0 sessions, 3 already there, 1 skipped (1 overlapping a session)" "an overlapping frame"
expect_contains "$out" "frames2:1: cannot add the session in website: it overlaps session" "the overlap is named with its line"

# A frame with 17 tags is skipped (a session takes 16), and said with its line; an empty one
# (no time) too.
printf '[\n[1600000000, 1600000600, "tags", "t17", ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"], 0],\n[1600001000, 1600001000, "tags", "t0", [], 0]\n]' >"$T/wtags"
expect_eq "imported 0 sessions, 0 already there, 2 skipped (1 with more than 16 tags (besides Timewarrior's first), first at $T/wtags:2; 1 empty (the end is the start), first at $T/wtags:3)" \
	"$("$STINT" import watson "$T/wtags")" "frames with too many tags and of no time"

# --- Malformed input: FILE:LINE and the cause, nothing imported -----------------------------
printf '[\n{"start":"20261101T090000Z","end":"20261101T100000Z"},\n{"start":"20261101T110000Z","end":"2026-11-01"}\n]\n' >"$T/baddate.json"
refused "baddate.json:3: bad end date '2026-11-01'" "a bad date in timew export's file" "$STINT" import timewarrior "$T/baddate.json"
printf '[\n{"start":"20261101T090000Z",\n "end":"20261101T100000Z"}\n' >"$T/badjson.json"
refused "badjson.json:4: not valid JSON" "timew export's file cut short" "$STINT" import timewarrior "$T/badjson.json"
printf '[{"start":"20261101T090000Z","end":"20261101T080000Z"}]' >"$T/backwards.json"
refused "backwards.json:1: the interval ends" "an interval ending before it starts" "$STINT" import timewarrior "$T/backwards.json"
printf '[{"start":"20261101T090000Z","tags":"x"}]' >"$T/badtags.json"
refused "badtags.json:1: interval 1: \"tags\" is not a field" "tags that are not an array" "$STINT" import timewarrior "$T/badtags.json"
printf '{"start":"20261101T090000Z"}' >"$T/object.json"
refused "object.json:1: not a 'timew export' file" "an object, not an array" "$STINT" import timewarrior "$T/object.json"
# A file is named as it was given, as a compiler names it: a relative path stays relative.
refused "stint: ../object.json:1: not a 'timew export' file" "a relative path in the message" \
	bash -c 'cd "$1" && "$2" import timewarrior ../object.json' _ "$T/home" "$STINT"
printf '[{"start":"20260230T090000Z","end":"20260301T090000Z"}]' >"$T/feb30.json"
refused "bad start date '20260230T090000Z' (want a date that exists, in the form YYYYMMDDTHHMMSSZ)" "a date that does not exist" "$STINT" import timewarrior "$T/feb30.json"
mkdir "$T/data2" "$T/data3" "$T/data4" "$T/data5"
cp "$TIMEWARRIORDB/data/2026-11.data" "$T/data2/"
printf 'inc 20261201T090000Z - 20261201T100000Z # a\nexc monday\n' >"$T/data2/2026-12.data"
refused "2026-12.data:2: not a line Timewarrior writes" "a line timew would not write" "$STINT" import timewarrior "$T/data2"
printf 'inc 20261201T090000Z - 20261201T100000Z # "open quote\n' >"$T/data3/2026-12.data"
refused "2026-12.data:1: not a line Timewarrior writes" "a quote never closed" "$STINT" import timewarrior "$T/data3"
printf 'inc 20261201T090000Z - 20261201T100000Z # caf\xe9\n' >"$T/data4/2026-12.data"
refused "2026-12.data:1: not valid UTF-8" "a line that is not UTF-8" "$STINT" import timewarrior "$T/data4"
refused "no Timewarrior data files (YYYY-MM.data)" "a directory without data files" "$STINT" import timewarrior "$T/data5"
truncate -s 2G "$T/huge"
refused "huge: the file has 2147483648 bytes; stint imports files of at most 256 MiB" "a 2 GB file" "$STINT" import watson "$T/huge"
mkfifo "$T/fifo"
refused "fifo: not a regular file" "a FIFO" timeout 10 "$STINT" import watson "$T/fifo"
refused "/dev/null: not a regular file" "a device" "$STINT" import timewarrior /dev/null
# A FILE that does not exist is a usage error (2), naming it, like every path (issue 15).
before=$(count)
rc=0
out=$("$STINT" import watson "$T/none" 2>&1) || rc=$?
expect_eq 2 "$rc" "a missing file: exit status ($out)"
expect_eq "stint: $T/none: No such file or directory" "$out" "a missing file"
expect_eq "$before" "$(count)" "a missing file: sessions in the store"
printf '[[1700000000, 1699999000, "p", "id1", [], 1700000000]]' >"$T/wback"
refused "wback:1: frame 1 stops before it starts" "a frame that stops before it starts" "$STINT" import watson "$T/wback"
printf '[\n[1700000000, 1700000100, "p", "id1", [], 1700000000],\n[1700000200, "soon", "p", "id2", [], 1]\n]' >"$T/wtime"
refused "wtime:3: frame 2: start and stop must be times" "a frame's time that is no number" "$STINT" import watson "$T/wtime"
printf '[[1700000000, 1700000100, "p", "", [], 1700000000]]' >"$T/wid"
refused "wid:1: frame 1: the project must be a string and the id a word" "an empty frame id" "$STINT" import watson "$T/wid"
for bad in "@give the source" "timewarrior@give the source" "toggl x@unknown source 'toggl': use timewarrior or watson" \
	"watsn x@unknown source 'watsn': use timewarrior or watson" "watson --repo p x@--repo goes with timewarrior"; do
	# shellcheck disable=SC2086
	rc=0 && out=$("$STINT" import ${bad%%@*} 2>&1) || rc=$?
	expect_eq 2 "$rc" "import ${bad%%@*}: exit status ($out)"
	expect_contains "$out" "${bad#*@}" "import ${bad%%@*}"
done

for bad in "@--repo needs a name" " @--repo needs a name" $'a\x01b@--repo: the name is not valid UTF-8 or holds a control character' \
	$'caf\xe9@--repo: the name is not valid UTF-8'; do
	rc=0 && out=$("$STINT" import timewarrior --repo "${bad%%@*}" "$T/tw.json" 2>&1) || rc=$?
	expect_eq 2 "$rc" "import --repo '${bad%%@*}': exit status ($out)"
	expect_contains "$out" "${bad#*@}" "import --repo '${bad%%@*}'"
done

# --- A store that fails: the import stops and says what got in ------------------------------
if grep -q "test hooks" <<<"$("$STINTD" --version)"; then
	daemon_stop
	echo add >"$T/fail"
	STINT_TEST_STORE_FAIL_FILE="$T/fail" daemon_start
	python3 -c 'import json; json.dump([[1600000000 + i * 1000, 1600000000 + i * 1000 + 500, "failing", "f%d" % i, [], 0] for i in range(5)], open("'"$T"'/wfail", "w"))'
	rc=0 && out=$("$STINT" import watson "$T/wfail" 2>&1) || rc=$?
	expect_eq 1 "$rc" "an import into a failing store: exit status ($out)"
	# The requests in flight are answered too (and fail): the counts are exact.
	expect_contains "$out" "imported 0 sessions, 0 already there, 0 skipped" "the count of a failed import"
	expect_contains "$out" "5 intervals could not be imported, the first: $T/wfail:1: stintd refused it (store_failed)" "the failed import's cause"
	expect_contains "$out" "0 intervals not sent" "what was not sent"
	rm "$T/fail"
	expect_eq "imported 5 sessions, 0 already there, 0 skipped" "$("$STINT" import watson "$T/wfail")" "the import once the store works"
fi

# --- 10 000 frames over the pipelined connections -------------------------------------------
python3 -c 'import json; json.dump([[1500000000 + i * 600, 1500000000 + i * 600 + 300, "bulk%d" % (i % 7), "%032x" % i, ["t%d" % (i % 3)], 0] for i in range(10000)], open("'"$T"'/w10k", "w"))'
before=$(count)
start=$(date +%s%N)
expect_eq "imported 10000 sessions, 0 already there, 0 skipped" "$("$STINT" import watson "$T/w10k")" "10 000 frames"
echo "10 000 frames imported in $((($(date +%s%N) - start) / 1000000)) ms"
expect_eq $((before + 10000)) "$(count)" "sessions after 10 000 frames"
expect_eq "imported 0 sessions, 10000 already there, 0 skipped" "$("$STINT" import watson "$T/w10k")" "10 000 frames again"
expect_eq $((10000 * 300)) "$("$STINT" report all --json | python3 -c 'import json,sys; print(sum(g["active_s"] for g in json.load(sys.stdin)["report"]["groups"] if g["key"].startswith("bulk")))')" \
	"the active time of 10 000 frames"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo "ok"
