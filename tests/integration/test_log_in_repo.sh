#!/usr/bin/env bash
# Logs kept in the repository ([log] dir = {repo}/docs/sessions, as the README recommends) never
# feed back into tracking: writing, editing (with an editor's swap and backup files), committing,
# checking out or deleting them starts no session in a watched repository, is no activity in an
# open one, and counts in no statistics or commit. See docs/configuration.md ([log] dir).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

# The repository's watch reports a change 0.3 s after it settles, 2 s after it began at most:
# this is long enough for a report of anything done before it to have been acted on.
DEBOUNCE=3

status_json() { # DIR
	"$STINT" status --json -C "$1"
}

has_session() { # DIR
	[[ $(status_json "$1") == *'"id":'* ]]
}

no_session() { # DIR
	[[ $(status_json "$1") == *'"sessions":[]'* ]]
}

watch_state() { # DIR: the state `stint watch --list` shows for it
	"$STINT" watch --list --json | python3 -c "
import json, sys
print(next((w['state'] for w in json.load(sys.stdin)['repos'] if w['repo'] == sys.argv[1]), ''))" "$1"
}

# Waits until the watch on DIR has walked the repository, so no change is missed.
watching() { # DIR
	wait_for 20 bash -c "[[ \$('$STINT' watch --list --json) == *'\"repo\":\"$1\",\"reason\":\"'*'\",\"state\":\"watching\"'* ]]" ||
		fail "$1 is not watched: $("$STINT" watch --list --json)"
}

# What an editor does to save a file: a swap file, vim's 4913 probe, a backup, then the write.
editor_save() { # FILE TEXT
	local dir base
	dir=$(dirname "$1") base=$(basename "$1")
	printf 'swap\n' >"$dir/.$base.swp"
	printf '' >"$dir/4913" && rm "$dir/4913"
	cp "$1" "$1~"
	printf '%s\n' "$2" >>"$1"
	rm "$dir/.$base.swp"
}

mkdir -p "$XDG_CONFIG_HOME/stint"
printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n[time]\nauto_start = true\n' >"$CONFIG"
daemon_start

# --- stint watch: the stop's [log] commit and later edits of the log start no session -------

make_repo "$T/w"
cd "$T/w"
"$STINT" watch "$T/w" >/dev/null
watching "$T/w"
printf 'int x;\n' >work.c
wait_for 20 has_session "$T/w" || fail "an edit did not start a session: $(status_json "$T/w")"
reply=$("$STINT" stop --json)
log=$(echo "$reply" | json_get '["log"]')
expect_eq True "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "log committed"
expect_eq "docs/sessions/$(basename "$log")" "$(git show --name-only --format= HEAD)" \
	"the stop's commit holds the log"
watching "$T/w"
# What a user does with the log afterwards: edit it in an editor, commit it, restore an older
# version, delete it and commit that.
editor_save "$log" "- written after the stop"
git commit -q -m "Edit the session log" -- "$log"
rm "$log~"
git checkout -q HEAD~1 -- "$log"
git commit -q -m "Restore the session log" -- "$log"
git rm -q "$log"
git commit -q -m "Remove the session log"
sleep "$DEBOUNCE"
no_session "$T/w" || fail "the log started a session: $(status_json "$T/w")"
expect_eq watching "$(watch_state "$T/w")" "still watching after the log's changes"
# The positive control: real work still starts a session.
printf 'int y;\n' >>work.c
wait_for 20 has_session "$T/w" || fail "an edit after the log's did not start a session"
"$STINT" stop --no-log >/dev/null
"$STINT" unwatch "$T/w" >/dev/null

# --- [time] auto_start: the same for a repository with a recent session ------------------------

make_repo "$T/a"
cd "$T/a"
"$STINT" start --focus "auto_start" >/dev/null
printf 'int a;\n' >a.c
log=$("$STINT" stop | tail -n 1)
expect_eq "docs/sessions/$(basename "$log")" "$(git show --name-only --format= HEAD)" \
	"auto_start: the stop's commit holds the log"
watching "$T/a"
expect_contains "$("$STINT" watch --list --json)" '"reason":"auto_start"' "watched for auto_start"
editor_save "$log" "- written after the stop"
rm "$log~"
git commit -q -m "Edit the session log" -- "$log"
sleep "$DEBOUNCE"
no_session "$T/a" || fail "auto_start: the log started a session: $(status_json "$T/a")"
printf 'int b;\n' >>a.c
wait_for 20 has_session "$T/a" || fail "auto_start: an edit after the log's did not start a session"
"$STINT" stop --no-log >/dev/null

# --- an open session: the log's edits, commits, checkouts and deletions are no activity -------

make_repo "$T/s"
cd "$T/s"
mkdir -p docs/sessions src
printf 'old log\n' >docs/sessions/old.md
printf 'int main(void) { return 0; }\n' >src/main.c
git add -A && git commit -q -m "a log and some code"
"$STINT" start --focus "log in the repo" >/dev/null
wait_for 20 bash -c "[[ \$('$STINT' status --json -C '$T/s') == *'\"watch\":\"ok\"'* ]]" ||
	fail "the session's repository is not watched: $(status_json "$T/s")"
# last_activity_at has whole seconds: let one pass so that any activity would show.
sleep 1.1
before=$(status_json "$T/s" | json_get '["sessions"][0]["last_activity_at"]')
editor_save docs/sessions/old.md "- edited during the session"
rm docs/sessions/old.md~
git add docs/sessions/old.md
git commit -q -m "Log-only commit"
git checkout -q HEAD~1 -- docs/sessions/old.md
git reset -q
rm docs/sessions/old.md
git checkout -q -- docs/sessions/old.md
printf 'new\n' >docs/sessions/new.md
rm docs/sessions/new.md
sleep "$DEBOUNCE"
st=$(status_json "$T/s")
expect_eq "$before" "$(echo "$st" | json_get '["sessions"][0]["last_activity_at"]')" \
	"the log's changes are no activity"
expect_eq 0 "$(echo "$st" | json_get '["sessions"][0]["files_changed"]')" "files changed"
expect_eq 0 "$(echo "$st" | json_get '["sessions"][0]["commits"]')" \
	"a commit of logs alone is not the session's"

# A commit of code and a log: only the code counts, as git counts it.
printf 'static int f(void) { return 1; }\nstatic int g;\n' >>src/main.c
printf 'int h;\n' >src/new.c
printf -- '- mixed\n- commit\n' >>docs/sessions/old.md
git add -A
git commit -q -m "Code and log"
read -r added removed < <(git diff --numstat HEAD~1 HEAD -- src |
	awk '{a += $1; r += $2} END {print a, r}')
wait_for 20 bash -c "[[ \$('$STINT' status --json -C '$T/s') == *'\"commits\":1'* ]]" ||
	fail "the code commit was not counted: $(status_json "$T/s")"
st=$(status_json "$T/s")
expect_eq "$added" "$(echo "$st" | json_get '["sessions"][0]["added"]')" "lines added (code only)"
expect_eq "$removed" "$(echo "$st" | json_get '["sessions"][0]["removed"]')" "lines removed"
expect_eq "$(git diff --name-only HEAD~1 HEAD -- src | wc -l)" \
	"$(echo "$st" | json_get '["sessions"][0]["files_changed"]')" "files changed (code only)"
reply=$("$STINT" stop --json)
log=$(echo "$reply" | json_get '["log"]')
files=$(sed -n '/^### Files Modified/,/^### Statistics/p' "$log")
[[ $files != *docs/sessions* ]] || fail "a log is in Files Modified: $files"
expect_contains "$files" "src/new.c" "Files Modified lists the code"
stats=$(sed -n '/^### Statistics/,/^##/p' "$log")
expect_contains "$stats" "**Commits**: 1" "Statistics: the code commit alone"
expect_contains "$stats" "**Lines added**: +$added" "Statistics: lines added"
! grep -q "Log-only commit" "$log" || fail "the log-only commit is in the log: $(grep -n "Log-only" "$log")"
expect_contains "$(cat "$log")" "Code and log" "the mixed commit is in the log"

# A commit of logs alone while paused, seen when a later edit makes the daemon look again: no
# commit event, so no "commit while paused" (HEAD's reflog lists it; the statistics do not).
"$STINT" start --focus "paused" >/dev/null
"$STINT" pause >/dev/null
printf -- '- while paused\n' >>docs/sessions/old.md
git add docs/sessions/old.md
git commit -q -m "Log-only commit while paused"
printf 'int paused_edit;\n' >>src/new.c
wait_for 20 bash -c "[[ \$('$STINT' status --json -C '$T/s') == *'\"edits\":'[1-9]* ]]" ||
	fail "the edit while paused was not seen: $(status_json "$T/s")"
st=$(status_json "$T/s")
expect_eq 0 "$(echo "$st" | json_get '["sessions"][0]["paused_activity"]["commits"]')" \
	"a commit of logs alone is no commit while paused"
"$STINT" cancel >/dev/null

# --- [log] placeholders: the template's unfilled prompts kept, commented out or dropped -------

# Visible text, HTML comments and headings of a log rendered as GitHub renders it.
render() { # LOG OUT-PREFIX
	# --unsafe: raw HTML passes through, so comments are seen as comments (as GitHub does).
	cmark-gfm --unsafe -e table -e tasklist "$1" >"$2.html" || fail "cmark-gfm cannot render $1"
	python3 - "$2" <<'PY'
import html.parser, re, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.comments, self.heads, self.tables = [], [], [], []
        self.h = self.th = None
    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.h = []
        if tag == "table":
            self.tables.append([])
        if tag == "th":
            self.th = []
        if tag == "input" and ("type", "checkbox") in attrs:
            self.text.append("[checkbox]")
    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self.heads.append("".join(self.h).strip())
            self.h = None
        if tag == "th":
            self.tables[-1].append("".join(self.th).strip())
            self.th = None
    def handle_data(self, d):
        self.text.append(d)
        if self.h is not None:
            self.h.append(d)
        if self.th is not None:
            self.th.append(d)
    def handle_comment(self, d):
        self.comments.append(d)
p = P()
p.feed(open(sys.argv[1] + ".html").read())
open(sys.argv[1] + ".text", "w").write("".join(p.text))
open(sys.argv[1] + ".comments", "w").write("\n".join(p.comments))
# Headings without the values that differ between runs (the date in the title).
open(sys.argv[1] + ".heads", "w").write("\n".join(re.sub(r"\[.*\]$", "", h) for h in p.heads))
# Each table's header cells, "|"-separated.
open(sys.argv[1] + ".tables", "w").write("\n".join("|".join(t) for t in p.tables))
PY
}

command -v cmark-gfm >/dev/null || skip "cmark-gfm is not installed (scripts/deps installs it)"
make_repo "$T/p"
cd "$T/p"
reloads=$(grep -c 'config: reloaded' "$DAEMON_LOG" || true)
for mode in keep comment drop; do
	printf '[log]\ndir = {repo}/docs/sessions\nplaceholders = %s\n' "$mode" >"$CONFIG"
	kill -HUP "$DAEMON_PID"
	reloads=$((reloads + 1))
	wait_for 10 bash -c "[ \$(grep -c 'config: reloaded' '$DAEMON_LOG') -ge $reloads ]" ||
		fail "the config with placeholders = $mode was not reloaded"
	"$STINT" start --focus "placeholders" >/dev/null
	"$STINT" note "[WIP] brackets typed by the user stay" >/dev/null
	"$STINT" todo "a real todo" >/dev/null
	printf 'x\n' >>README
	log=$("$STINT" stop | tail -n 1)
	cp "$log" "$T/$mode.md"
	rm "$log"
	render "$T/$mode.md" "$T/$mode"
done
# What stint filled is there in every mode, and so is what the user typed, brackets and all.
for mode in keep comment drop; do
	expect_contains "$(cat "$T/$mode.text")" "[WIP] brackets typed by the user stay" "$mode: the note"
	expect_contains "$(cat "$T/$mode.text")" "[checkbox] a real todo" "$mode: the todo's task box"
	expect_contains "$(cat "$T/$mode.text")" "Lines added: +1" "$mode: the statistics"
	# A section keeps its heading.
	expect_eq "$(cat "$T/keep.heads")" "$(cat "$T/$mode.heads")" "$mode: the headings"
done
expect_contains "$(cat "$T/keep.text")" "[Metric]" "keep: a prompt is visible"
expect_contains "$(cat "$T/keep.tables")" "Metric|Before|After|Change" "keep: the metrics table"
# Prompts are no longer visible text: only the user's note has brackets.
for mode in comment drop; do
	left=$(grep -o '\[[^]]*\]' "$T/$mode.text" | grep -v -e '^\[WIP\]$' -e '^\[checkbox\]$' || true)
	expect_eq "" "$left" "$mode: prompts left visible"
	[[ $(cat "$T/$mode.tables") != *"Metric|Before|After|Change"* ]] ||
		fail "$mode: the table of prompts alone is still shown: $(cat "$T/$mode.tables")"
done
# comment: each prompt is still in the file, to fill in.
for p in "[Metric]" "[Link to a related session log]" "[X%]" "[If new patterns were introduced, document them:]"; do
	expect_contains "$(cat "$T/comment.comments")" "$p" "comment: $p kept in a comment"
	[[ $(cat "$T/drop.md") != *"$p"* ]] || fail "drop: $p is still in the log"
done
# drop: a list item whose value was only a prompt goes with its label ("- **Previous**:").
bare=$(grep -E '^ *[-*+] +(\*\*[^*]+\*\*|[A-Za-z ]+): *$' "$T/drop.md" || true)
expect_eq "" "$bare" "drop: list items left with a label and nothing else"
expect_eq "$(grep -c '\[' "$T/keep.md" | tr -d ' ')" "$(grep -c '\[' "$T/comment.md" | tr -d ' ')" \
	"comment: as many lines with brackets as keep"

# A bad value: a clear error naming the key and the allowed values; the daemon keeps serving.
printf '[log]\nplaceholders = hide\n' >"$T/bad.ini"
set +e
out=$(STINT_CONFIG="$T/bad.ini" "$STINTD" --check-config 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "--check-config with placeholders = hide"
expect_contains "$out" "placeholders" "the error names the key"
expect_contains "$out" "keep, comment or drop" "the error names the allowed values"
cp "$T/bad.ini" "$CONFIG"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q "not reloaded" "$DAEMON_LOG" || fail "the bad value was not reported"
grep "not reloaded" "$DAEMON_LOG" | grep -q "keep, comment or drop" ||
	fail "the reload error lacks the allowed values: $(grep "not reloaded" "$DAEMON_LOG")"
"$STINT" ping >/dev/null || fail "stintd stopped serving after a bad value"
daemon_stop
