#!/usr/bin/env bash
# stint log --regenerate renders what the stop saw: the same log, corrections applied. A session
# with a commit, a branch switch, an uncommitted file, a TODO, an issue reference and a summary
# is stopped; a later session follows. Regenerated untouched, the log equals the stop's (but its
# record line); after `stint edit --focus --tag`, only the focus, the tags and the correction's
# timeline entry differ; it links only the sessions before it. A session stopped before stint kept
# records (its column cleared) is rendered from its events, and the command says so.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v sqlite3 >/dev/null || skip "sqlite3 is needed to clear a session's stored record"
DB="$XDG_STATE_HOME/stint/stint.db"

# The log without its last line, the record line (docs/log-record.md), whose "written" differs.
body() { grep -v '^<!-- stint-record v1 ' "$1"; }

make_repo "$T/r"
cd "$T/r"
daemon_start
"$STINT" start --focus "Earlier work" >/dev/null
"$STINT" stop --summary "The session before." >/dev/null
prev=$("$STINT" log)

"$STINT" start --focus "Parser" >/dev/null
printf 'int x; // TODO: handle overflow\n' >>README
git commit -qam "Parse numbers (#12)"
git checkout -qb feat/lexer
printf 'lexer\n' >lexer.c
wait_seen "$T/r"
"$STINT" stop --summary "Numbers parse now." >/dev/null
log=$("$STINT" log)
id=$("$STINT" list --json | python3 -c 'import json, sys; print(max(s["id"] for s in json.load(sys.stdin)["sessions"]))')
for want in "Numbers parse now." "Parse numbers (#12)" "main → feat/lexer" "TODO: handle overflow" \
	"lexer.c" "#12"; do
	grep -qF -- "$want" "$log" || fail "the stop's log lacks '$want': $(cat "$log")"
done

# A later session: the regenerated log must not take it for a previous one.
"$STINT" start --focus "Later work" >/dev/null
"$STINT" stop --summary "The session after." >/dev/null
later=$("$STINT" log)

regen=$("$STINT" log --regenerate "$id" 2>"$T/err") || fail "regenerate failed: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "regenerate of a session with a kept record warned: $(cat "$T/err")"
[ "$regen" != "$log" ] || fail "regenerate wrote over the stop's log"
diff <(body "$log") <(body "$regen") >"$T/diff" ||
	fail "the regenerated log differs from the stop's: $(cat "$T/diff")"
grep -q "$(basename "$prev")" "$regen" || fail "the regenerated log lost its previous session's link"
if grep -q "$(basename "$later")" "$regen"; then fail "the regenerated log links a later session"; fi

# A correction: focus and tags change, and a timeline entry says so; nothing else moves.
"$STINT" edit "$id" --focus "Lexer" --tag cli >/dev/null
regen2=$("$STINT" log --regenerate "$id")
diff <(body "$log") <(body "$regen2") | grep '^[<>]' >"$T/diff" || true
expect_eq "< # Session: Parser
> # Session: Lexer
< **Focus:** Parser  
> **Focus:** Lexer  
> N. **Corrected: focus, tags** (HH:MM)
> **Tags**: cli  " "$(sed -E '/^[<>] *$/d; s/^> [0-9]+\. (\*\*Corrected)/> N. \1/; s/\([0-9]{2}:[0-9]{2}\)$/(HH:MM)/' "$T/diff")" "what a correction changes in the regenerated log"
expect_eq "$regen2" "$("$STINT" list --json | python3 -c "import json, sys; print([s['log'] for s in json.load(sys.stdin)['sessions'] if s['id'] == $id][0])")" \
	"list's log after --regenerate"

# Stopped before the store kept records: rendered from the events, and the user is told.
sqlite3 "$DB" "UPDATE sessions SET record = NULL WHERE id = $id"
regen3=$("$STINT" log --regenerate "$id" 2>"$T/err") || fail "regenerate without a record failed: $(cat "$T/err")"
expect_contains "$(cat "$T/err")" "warning: stint kept no record of what session $id's stop saw" \
	"regenerate without a record"
[ -f "$regen3" ] || fail "regenerate without a record wrote nothing"
grep -qF "Numbers parse now." "$regen3" && fail "a summary appeared from nowhere"
grep -q "$(basename "$prev")" "$regen3" || fail "the log from events lost its previous session's link"
if grep -q "$(basename "$later")" "$regen3" || grep -q "$(basename "$log")" "$regen3"; then
	fail "the log from events links itself or a later session: $(grep -n '\.md' "$regen3")"
fi
out=$("$STINT" log --regenerate "$id" --json 2>/dev/null)
expect_contains "$out" '"rendered_from":"events"' "regenerate --json without a record"

# A start corrected past an idle stretch drops it: the regenerated log folds the events again
# (the stop's record keeps only what the stop alone knew).
daemon_stop
mkdir -p "$(dirname "$CONFIG")"
printf '[time]\nidle_timeout = 2s\n' >"$CONFIG"
daemon_start
is_state() { [ "$("$STINT" status --json | json_get '["sessions"][0]["state"]')" = "$1" ]; }
"$STINT" start --focus "Idle then work" >/dev/null
wait_for 20 is_state idle || fail "the session never turned idle: $("$STINT" status --json)"
printf 'back\n' >>README
wait_for 20 is_state active || fail "the session never came back: $("$STINT" status --json)"
new_start=$(($(date +%s%3N) + 100))
later() { [ "$(date +%s%3N)" -gt "$((new_start + 200))" ]; }
wait_for 5 later
idled=$("$STINT" stop | tail -n 1)
grep -q '^[0-9]*\. \*\*Idle\*\*' "$idled" || fail "the stop's log shows no idle stretch: $(grep -n '^[0-9]*\. ' "$idled")"
sid=$("$STINT" list --json | python3 -c 'import json, sys; print(max(s["id"] for s in json.load(sys.stdin)["sessions"]))')
reply=$(rawreq "{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/\",\"id\":$sid,\"start_ms\":$new_start}")
expect_contains "$reply" '"ok":true' "edit --start past the idle stretch"
moved=$("$STINT" log --regenerate "$sid")
if grep -q '^[0-9]*\. \*\*Idle\*\*' "$moved"; then
	fail "the regenerated log kept the idle stretch before its new start: $(grep -n '^[0-9]*\. ' "$moved")"
fi
grep -q 'Corrected: start' "$moved" || fail "the regenerated log does not show the correction"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
