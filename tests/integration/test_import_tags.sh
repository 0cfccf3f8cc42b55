#!/usr/bin/env bash
# Issue 14, fiximport 2: Timewarrior keeps an interval's tags sorted, so "the first tag" is the
# first in sorted order, not the one the user typed first. With data the real timew made:
# without --repo the repository is that first sorted tag (documented); with --repo NAME every
# interval goes under NAME and its other tags are the session's tags. stint report's total for
# NAME equals timew summary's for the tag NAME.
export TZ=Europe/Paris
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"
command -v timew >/dev/null || skip "timew (Timewarrior) is needed"
tw_total() { # timew summary's grand total in seconds
	timew summary "$@" </dev/null | awk 'NF == 1 && $1 ~ /^[0-9]+:[0-9][0-9]:[0-9][0-9]$/ { split($1, p, ":"); t = p[1] * 3600 + p[2] * 60 + p[3] } END { print t + 0 }'
}

# Typed "widget timewtag": timew stores and exports them sorted.
timew_db "$T/tw1"
tw track 2026-11-16T09:00 - 2026-11-16T10:15 widget timewtag
tw track 2026-11-16T11:00 - 2026-11-16T11:40 widget
tw track 2026-11-17T14:00 - 2026-11-17T15:05 widget api zz-last
grep -q '# timewtag widget$' "$T/tw1/data/2026-11.data" || fail "timew did not sort the tags: $(cat "$T/tw1/data/2026-11.data")"
timew export </dev/null >"$T/tw1.json"

daemon_start
expect_eq "imported 3 sessions, 0 already there, 0 skipped" \
	"$("$STINT" import timewarrior --repo widget "$T/tw1/data")" "the import with --repo widget"
python3 - "$("$STINT" list --from 2026-11-16 --to 2026-11-18 --json)" <<'PY' || fail "the sessions of --repo widget"
import json, sys
s = {x["started_at"]: x for x in json.loads(sys.argv[1])["sessions"]}
assert len(s) == 3, s
assert all(x["repo"] == "widget" and x["repo_name"] == "widget" for x in s.values()), s
assert s["2026-11-16T09:00:00+01:00"]["tags"] == ["timewtag"], s
assert s["2026-11-16T11:00:00+01:00"]["tags"] == [], s
assert s["2026-11-17T14:00:00+01:00"]["tags"] == ["api", "zz-last"], s
PY
rep=$("$STINT" report --from 2026-11-16 --to 2026-11-18 --json)
expect_eq "$(tw_total 2026-11-16 - 2026-11-18 widget)" \
	"$(python3 -c 'import json,sys; print(sum(g["active_s"] for g in json.loads(sys.argv[1])["report"]["groups"] if g["key"] == "widget"))' "$rep")" \
	"stint report's widget against timew summary's tag widget"
# The same intervals from timew export's file: the same keys, nothing new.
expect_eq "imported 0 sessions, 3 already there, 0 skipped" \
	"$("$STINT" import timewarrior --repo widget "$T/tw1.json")" "timew export's file with --repo"

# Without --repo: the first tag in Timewarrior's sorted order ("gadget zeta" typed "zeta gadget").
timew_db "$T/tw2"
tw track 2026-11-18T09:00 - 2026-11-18T09:30 zeta gadget
expect_eq "imported 1 session, 0 already there, 0 skipped" \
	"$("$STINT" import timewarrior "$T/tw2/data")" "the import without --repo"
row=$("$STINT" list --from 2026-11-18 --to 2026-11-19 --json)
expect_eq gadget "$(json_get '["sessions"][0]["repo_name"]' <<<"$row")" "the first sorted tag is the repository"
expect_eq '["zeta"]' "$(json_get '["sessions"][0]["tags"]' <<<"$row" | tr -d ' \n')" "the other tags"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo "ok"
