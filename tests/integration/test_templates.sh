#!/usr/bin/env bash
# Log templates and placement through the real daemon: a custom [log] template renders; a bad
# one fails stop with its file:line and keeps the session open until fixed, and --check-config
# names it; [log] dir inside the repository puts the log there and keeps it out of the session's
# statistics; with [log] commit, stop says whether the log was committed.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

CONFIG="$XDG_CONFIG_HOME/stint/config.ini"
TPL="$T/templates/my template.md"
mkdir -p "$XDG_CONFIG_HOME/stint" "$T/templates"
day=$(date +%F)

# git's numbers for a session, untracked files intent-to-added in a copy: "files added removed".
git_numbers() { # repo baseline [pathspec...]
	local repo=$1 base=$2
	shift 2
	rm -rf "$T/copy"
	cp -a "$repo" "$T/copy"
	git -C "$T/copy" add -A -N
	git -C "$T/copy" diff -M --numstat "$base" -- "$@" |
		awk '{ f++; if ($1 != "-") { a += $1; r += $2 } } END { printf "%d %d %d\n", f, a, r }'
}

status_numbers() { # repo
	"$STINT" status --json -C "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)["sessions"][0]
print(s["files_changed"], s["added"], s["removed"])'
}

# Waits for the live numbers to equal git's (refreshed within about 2 s of a change settling).
expect_numbers() { # repo want what
	local got _
	for _ in $(seq 1 100); do
		got=$(status_numbers "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.05
	done
	fail "$3: stint says [$got], git says [$2]"
}

stop_fails() { # what -> the error message on stdout
	local err rc
	set +e
	err=$("$STINT" stop 2>&1 >/dev/null)
	rc=$?
	set -e
	expect_eq 1 "$rc" "$1: stop's exit status"
	printf '%s\n' "$err"
}

# --- a custom template ---
cat >"$TPL" <<'EOF'
{{! a custom template: the title and the statistics }}
# {{title}}
{{#stats}}+{{stats.added}} -{{removed}} in {{files_changed}} files{{/stats}}
{{#notes}}
* {{text}}
{{/notes}}
EOF
printf '[log]\ntemplate = %s\n' "$TPL" >"$CONFIG"
"$STINTD" --check-config >/dev/null || fail "a good template is refused: $("$STINTD" --check-config 2>&1)"
daemon_start
R="$T/repo"
make_repo "$R"
cd "$R"
"$STINT" start --focus "Custom layout" >/dev/null
base=$("$STINT" status --json | json_get '["sessions"][0]["baseline"]')
printf 'two\nlines\n' >>README
printf 'new\n' >new.txt
"$STINT" note "rendered by my template" >/dev/null
read -r files added removed <<<"$(git_numbers "$R" "$base")"
log=$("$STINT" stop | tail -n 1)
expect_eq "$XDG_DATA_HOME/stint/logs/repo/$day.md" "$log" "custom template log path"
expect_eq "# Custom layout
+$added -$removed in $files files
* rendered by my template" "$(template_text "$log")" "the custom template's output"

# --- bad templates: stop fails naming file:line, the session stays open, a fix lets it stop ---
"$STINT" start --focus "Bad templates" >/dev/null
cat >"$TPL" <<'EOF'
# {{title}}

{{#summary}}
{{sumary}}
{{/summary}}
EOF
err=$(stop_fails "unknown variable")
expect_contains "$err" "$TPL:4:" "unknown variable: file:line"
expect_contains "$err" "sumary" "unknown variable: the name"
expect_eq active "$("$STINT" status --json | json_get '["sessions"][0]["state"]')" \
	"the session stays open after an unknown variable"
set +e
cerr=$("$STINTD" --check-config 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "stintd --check-config accepts a template with an unknown variable"
expect_contains "$cerr" "$TPL:4:" "--check-config names the template's file:line"

cat >"$TPL" <<'EOF'
# {{title}}

## Notes
{{#notes}}
- {{text}}
EOF
err=$(stop_fails "unclosed section")
expect_contains "$err" "$TPL:4:" "unclosed section: file:line"
expect_contains "$err" "{{#notes}}" "unclosed section: the tag"
set +e
cerr=$("$STINTD" --check-config 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "stintd --check-config accepts a template with an unclosed section"
expect_contains "$cerr" "$TPL:4:" "--check-config names the unclosed section's file:line"
expect_eq 1 "$("$STINT" status --json | json_get '["sessions"].__len__()')" \
	"the session stays open after an unclosed section"
expect_eq 1 "$("$STINT" list --json | json_get '["sessions"].__len__()')" "no second closed session yet"

printf '# {{title}}\n{{#notes}}\n- {{text}}\n{{/notes}}\n' >"$TPL"
"$STINT" note "after the fix" >/dev/null
log2=$("$STINT" stop | tail -n 1)
expect_eq "$XDG_DATA_HOME/stint/logs/repo/$day-2.md" "$log2" "the retry's log"
expect_eq "# Bad templates
- after the fix" "$(template_text "$log2")" "the fixed template's output"

# A template that is not there is an error too, not a silent fall-back.
"$STINT" start >/dev/null
mv "$TPL" "$TPL.away"
err=$(stop_fails "missing template")
expect_contains "$err" "$TPL" "missing template: its path"
mv "$TPL.away" "$TPL"
"$STINT" stop >/dev/null
daemon_stop

# --- [log] dir inside the repository: the logs are not the session's work ---
# Checks the log lands in dir and the statistics leave it out. dir_case SPELLING REPO
dir_case() {
	local spelling=$1 repo=$2 base log1 log2 want
	printf '[log]\ndir = %s\n' "$spelling" >"$CONFIG"
	"$STINTD" --check-config >/dev/null 2>&1 ||
		fail "[log] dir = $spelling is refused: $("$STINTD" --check-config 2>&1)"
	daemon_start
	make_repo "$repo"
	cd "$repo"
	"$STINT" start --focus "Logs in the repository" >/dev/null
	printf 'edit\n' >>README
	log1=$("$STINT" stop | tail -n 1)
	expect_eq "$repo/docs/sessions/$day.md" "$log1" "dir = $spelling: the log's path"

	# The next session: finishing the previous log and adding another are not its work.
	"$STINT" start >/dev/null
	base=$("$STINT" status --json | json_get '["sessions"][0]["baseline"]')
	printf '\nWritten up by hand.\n' >>"$log1"
	printf 'a stray note\n' >docs/sessions/scratch.md
	printf 'real work\n' >work.txt
	want=$(git_numbers "$repo" "$base" . ':(exclude)docs/sessions')
	expect_eq "1 1 0" "$want" "git's numbers without docs/sessions"
	expect_numbers "$repo" "$want" "dir = $spelling: status leaves the log directory out"
	log2=$("$STINT" stop | tail -n 1)
	expect_eq "$repo/docs/sessions/$day-2.md" "$log2" "dir = $spelling: the second log"
	! grep -qF 'docs/sessions' <(sed -n '/^### Files Modified/,/^### Statistics/p' "$log2") ||
		fail "dir = $spelling: the log directory is in Files Modified: $(cat "$log2")"
	grep -qxF -- "- **Files changed**: 1" "$log2" ||
		fail "dir = $spelling: Statistics count the log directory: $(grep -F 'Files changed' "$log2")"
	# Inside the repository the previous log is linked relative to this one.
	grep -qF "[$day](./$day.md)" "$log2" || fail "dir = $spelling: no relative link to the first log"
	daemon_stop
}

dir_case "$T/abs/docs/sessions" "$T/abs"
dir_case "{repo}/docs/sessions" "$T/placeholder"

# [log] commit = true: stop says whether the log went into the repository; its path stays last.
printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n' >"$CONFIG"
daemon_start
C="$T/committed"
make_repo "$C"
cd "$C"
"$STINT" start >/dev/null
out=$("$STINT" stop 2>"$T/err")
expect_eq "Committed the log on $(git branch --show-current)." "$(sed -n 2p <<<"$out")" "stop reports the commit"
expect_eq "$C/docs/sessions/$day.md" "$(tail -n 1 <<<"$out")" "the path stays the last line"
expect_eq "Session log: committed, $day #1" "$(git log -1 --format=%s)" "the log's commit"
expect_eq "" "$(cat "$T/err")" "nothing on stderr when the log is committed"
"$STINT" start >/dev/null
printf 'staged\n' >staged.txt
git add staged.txt
out=$("$STINT" stop 2>"$T/err")
expect_eq "$C/docs/sessions/$day-2.md" "$(tail -n 1 <<<"$out")" "uncommitted: the path stays the last line"
expect_contains "$(cat "$T/err")" "stint: left uncommitted" "stop says the log is left uncommitted"
expect_eq "?? docs/sessions/$day-2.md" "$(git status --porcelain -- docs/sessions)" "the log is not committed"
daemon_stop

[ "$(date +%F)" = "$day" ] || skip "the day changed during the test; run it again"
echo ok
