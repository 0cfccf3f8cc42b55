#!/usr/bin/env bash
# Issue 14, "A team's totals from git": two machines (two HOMEs, two stores, two git authors)
# commit their session logs into one shared repository ([log] dir = {repo}/docs/sessions,
# commit = true); a third clone pulls both, and `stint report --logs --by author` gives each
# author the totals that author's own `stint report --json` gives, and git's commit count. A log
# edited by hand still counts; one without its record line is skipped and listed; a copy counts
# once. Every hostile file (huge, binary, FIFO, symlink loop, bad JSON, absurd numbers, '>' in
# the JSON, an unknown version, two record lines) is skipped with its reason; the totals stay.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v python3 >/dev/null || skip "python3 is needed"

git init -q --bare "$T/origin.git"
git clone -q "$T/origin.git" "$T/seed" 2>/dev/null
printf 'widget\n' >"$T/seed/README"
git -C "$T/seed" add README && git -C "$T/seed" commit -qm "initial commit"
git -C "$T/seed" push -q origin HEAD:main

# One machine: its own HOME, XDG directories, store, stintd and git identity.
machine() { # name "git user.name"
	export HOME="$T/$1/home" XDG_RUNTIME_DIR="$T/$1/run" XDG_STATE_HOME="$T/$1/state"
	export XDG_DATA_HOME="$T/$1/data" XDG_CONFIG_HOME="$T/$1/config"
	export GIT_AUTHOR_NAME="$2" GIT_COMMITTER_NAME="$2"
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME/stint"
	chmod 700 "$XDG_RUNTIME_DIR"
	SOCK="$XDG_RUNTIME_DIR/stint/stintd.sock"
	git config --global user.name "$2"
	git config --global user.email "$1@example.org"
	printf '[log]\ndir = {repo}/docs/sessions\ncommit = true\n' >"$XDG_CONFIG_HOME/stint/config.ini"
}

# A session in the current directory with one commit of N lines, its log committed.
session() { # file lines focus
	"$STINT" start --focus "$3" --tag team >/dev/null
	sleep 1.1
	seq 1 "$2" >"$1" && git add "$1" && git commit -qm "$1"
	wait_for 20 bash -c "[ \"\$('$STINT' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"sessions\"][0][\"commits\"])')\" = 1 ]" ||
		fail "stintd never saw the commit of $1"
	reply=$("$STINT" stop --no-checks --json)
	expect_eq True "$(echo "$reply" | json_get '["log_commit"]["committed"]')" "log of $1 committed: $reply"
}

# --- Machine A (Ada): two sessions, pushed ----------------------------------------------------
machine ada "Ada Lovelace"
git clone -q "$T/origin.git" "$T/ada/widget"
daemon_start
cd "$T/ada/widget"
session parse.c 40 "Parser"
# The store keeps its identity across a restart: both of A's logs name one store.
daemon_stop
daemon_start
session lex.c 12 "Lexer --> parser"
log_a=$("$STINT" log)
last=$(tail -n 1 "$log_a")
expect_contains "$last" "<!-- stint-record v1 {" "the log's last line is its record line"
expect_eq "" "$(tail -n 2 "$log_a" | head -n 1)" "a blank line before the record line"
case "$last" in *' -->') ;; *) fail "record line does not end the comment: $last" ;; esac
# A focus with "-->" cannot end the comment early: written \u003e, read back as typed; the
# line renders as one HTML comment (invisible), and as nothing at all in plain text.
expect_eq "Lexer --> parser" "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1][len("<!-- stint-record v1 "):-4])["focus"])' "$last")" \
	"the focus in the record line"
expect_eq 1 "$(grep -o -- '-->' <<<"$last" | wc -l)" "one '-->' in the record line: its end"
if command -v cmark-gfm >/dev/null; then
	expect_eq "$last" "$(cmark-gfm --unsafe "$log_a" | tail -n 1)" "the record line is one HTML comment block"
	lacks "$(cmark-gfm -t plaintext "$log_a")" "stint-record" "the rendered log's text"
fi
# The default PATH is the repository's [log] dir, as stintd resolves it.
expect_eq "$T/ada/widget/docs/sessions" "$("$STINT" report all --logs --json | json_get '["logs"]["path"]')" \
	"report --logs without PATH reads the repository's log directory"
ada_report=$("$STINT" report all --json)
git push -q origin HEAD:main
daemon_stop

# --- Machine B (Grace): a custom template without any record line; one session --------------
machine grace "Grace Hopper"
printf '# {{title}}\n\nA template of my own.\n' >"$XDG_CONFIG_HOME/stint/mine.md"
printf 'template = %s\n' "$XDG_CONFIG_HOME/stint/mine.md" >>"$XDG_CONFIG_HOME/stint/config.ini"
git clone -q "$T/origin.git" "$T/grace/widget"
daemon_start
cd "$T/grace/widget"
session emit.c 25 "Emitter"
log_g=$("$STINT" log)
expect_eq 5 "$(wc -l <"$log_g")" "the custom template's three lines, a blank one and the record line"
expect_contains "$(tail -n 1 "$log_g")" "<!-- stint-record v1 {" "a custom template's log has the record line"
grace_report=$("$STINT" report all --json)
git push -q origin HEAD:main
# Both stores made their own identity: the same session id 1 on both machines is two sessions.
store_a=$(grep -ho '"store":"[0-9a-f]*"' "$T/ada/widget/docs/sessions/"*.md | sort -u)
store_g=$(grep -ho '"store":"[0-9a-f]*"' "$log_g")
expect_eq 1 "$(wc -l <<<"$store_a")" "one store identity on machine A"
[ "$store_a" != "$store_g" ] || fail "two machines share a store identity: $store_a"

# --- A third clone pulls both; edits, copies and damages logs ----------------------------------
git clone -q "$T/origin.git" "$T/team"
S="$T/team/docs/sessions"
expect_eq 3 "$(find "$S" -name '*.md' | wc -l)" "three logs in the shared repository"

team_report() { "$STINT" report all --logs "$S" --by author --json "$@"; }
check_totals() { # what
	python3 - "$(team_report)" "$ada_report" "$grace_report" "$1" <<'PY' || fail "team totals: $1"
import json, sys
team = json.loads(sys.argv[1])["report"]
ada, grace = (json.loads(a)["report"]["total"] for a in sys.argv[2:4])
groups = {g["key"]: {k: v for k, v in g.items() if k != "key"} for g in team["groups"]}
assert groups == {"Ada Lovelace": ada, "Grace Hopper": grace}, (sys.argv[4], groups, ada, grace)
assert ada["sessions"] == 2 and grace["sessions"] == 1 and ada["active_s"] > 0, (ada, grace)
for k in ada:
    assert team["total"][k] == ada[k] + grace[k], (sys.argv[4], k, team["total"])
PY
}
check_totals "as written"
# Commits per author: git's (the log commits are stint's own, not the sessions').
for who in "Ada Lovelace" "Grace Hopper"; do
	git_commits=$(git -C "$T/team" log --author="$who" --format=%s | grep -vc '^Session log:')
	got=$(team_report | python3 -c "import json,sys; print([g['commits'] for g in json.load(sys.stdin)['report']['groups'] if g['key']=='$who'][0])")
	expect_eq "$git_commits" "$got" "commits of $who (git log --author)"
done

# A log edited by hand (title rewritten, a section cut, text appended) still counts.
log1=$(grep -l '"author":"Ada Lovelace"' "$S"/*.md | head -n 1)
python3 - "$log1" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
lines[0] = "# Session: rewritten by hand"
cut = [i for i, l in enumerate(lines) if l.startswith("## ")][:2]
lines = lines[:cut[0]] + lines[cut[1]:] + ["", "A paragraph added later, by hand."]
open(p, "w").write("\n".join(lines) + "\n")
PY
check_totals "after a hand edit"

# The same log copied twice counts once, and the copies are reported.
mkdir -p "$S/archive"
cp "$log1" "$S/archive/copy-1.md"
cp "$log1" "$S/copy-2.md"
check_totals "with two copies of a log"
dups=$(team_report | json_get '["logs"]["duplicates"]')
expect_eq 2 "$(json_get '.__len__()' <<<"$dups")" "two copies reported: $dups"
expect_contains "$dups" "copy-1.md" "the copy in archive/ is reported"

# A log written again later (as after a correction: a newer "written") counts instead of the
# older copy, which is listed as the copy.
python3 - "$log1" "$S/rewritten.md" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^<!-- stint-record v1 (\{.*\}) -->$", text, re.M)
rec = json.loads(m.group(1))
rec["written"] += 1
rec["added"] += 1000
# As stintd writes it: '>' (in a focus "a --> b") as \u003e.
body = json.dumps(rec, separators=(",", ":"), ensure_ascii=False).replace(">", "\\u003e")
line = "<!-- stint-record v1 " + body + " -->"
open(sys.argv[2], "w").write(text[:m.start()] + line + text[m.end():])
PY
newer=$(team_report)
python3 - "$newer" "$ada_report" "$log1" <<'PY' || fail "the newer copy counts"
import json, sys
team, ada = json.loads(sys.argv[1]), json.loads(sys.argv[2])["report"]["total"]
g = [g for g in team["report"]["groups"] if g["key"] == "Ada Lovelace"][0]
assert g["added"] == ada["added"] + 1000 and g["sessions"] == ada["sessions"], (g, ada)
d = [d for d in team["logs"]["duplicates"] if d["path"] == sys.argv[3]]
assert len(d) == 1 and d[0]["of"].endswith("/rewritten.md"), team["logs"]["duplicates"]
assert all(d["of"].endswith("/rewritten.md") for d in team["logs"]["duplicates"]), team["logs"]
PY
rm "$S/rewritten.md"
check_totals "the rewritten copy removed"

# A log whose record line was removed is skipped and listed by path.
grep -v '^<!-- stint-record' "$log_g" >"$S/no-record.md"
# Hostile files, each skipped with its reason.
base=$(grep "^<!-- stint-record" "$log1")
bad() { # name reason-substring json-of-the-record-line
	printf '# a log\n\n%s\n' "$3" >"$S/$1"
	REASONS+=("$1|$2")
}
REASONS=("no-record.md|no stint-record line")
bad bad-json.md "bad JSON" '<!-- stint-record v1 {"store":"ab","id": -->'
bad absurd.md '"active_s" 999999999999 is out of range' "$(sed 's/"active_s":[0-9]*/"active_s":999999999999/' <<<"$base")"
bad negative.md '"added" -5 is out of range' "$(sed 's/"added":[0-9]*/"added":-5/' <<<"$base")"
bad future.md '"end"' "$(sed 's/"end":[0-9]*/"end":999999999999999/' <<<"$base")"
bad gt.md "holds '>'" "$(sed 's/"repo":"widget"/"repo":"wid-->get"/' <<<"$base")"
bad version.md "record version v9" "$(sed 's/stint-record v1/stint-record v9/' <<<"$base")"
bad notobject.md "not a JSON object" '<!-- stint-record v1 [1,2] -->'
bad nostore.md 'no "store"' "$(sed 's/"store":"[0-9a-f]*",//' <<<"$base")"
bad control.md "control character" "$(sed 's/"repo":"widget"/"repo":"wid\\u001bget"/' <<<"$base")"
bad spans.md "span 1" "$(sed 's/"spans":\[\[[0-9]*/"spans":[[1/' <<<"$base")"
printf '%s\n\n%s\n' "$base" "$base" >"$S/two.md"
REASONS+=("two.md|two record lines (lines 1 and 3)")
truncate -s 5M "$S/huge.md"
REASONS+=("huge.md|too large (5242880 bytes")
printf 'a\0b\n%s\n' "$base" >"$S/binary.md"
REASONS+=("binary.md|binary (a NUL byte at offset 1)")
# A log saved in another encoding still counts by its record line (here: a third copy).
printf 'caf\xe9 \xff\xfe\n\n%s\n' "$base" >"$S/latin.md"
mkfifo "$S/fifo.md"
REASONS+=("fifo.md|not a regular file")
ln -s . "$S/loop"
ln -s self.md "$S/self.md"
REASONS+=("loop|symbolic link, not followed" "self.md|symbolic link, not followed")
if [ "$(id -u)" != 0 ]; then
	mkdir "$S/locked" && cp "$log1" "$S/locked/" && chmod 000 "$S/locked"
	REASONS+=("locked|cannot read: Permission denied")
fi
# Not a log: other files are not read.
printf 'notes\n' >"$S/notes.txt"

check_totals "with hostile files beside the logs"
out=$(team_report)
python3 - "$out" "${REASONS[@]}" <<'PY' || fail "skipped files and reasons"
import json, sys
logs = json.loads(sys.argv[1])["logs"]
got = {s["path"].rsplit("/", 1)[-1]: s["why"] for s in logs["skipped"]}
want = dict(r.split("|", 1) for r in sys.argv[2:])
for name, why in want.items():
    assert name in got, ("not skipped", name, got)
    assert why in got[name], ("reason", name, why, got[name])
assert set(got) == set(want), ("skipped but not expected", set(got) - set(want))
assert logs["sessions"] == 3, logs
assert sorted(d["path"].rsplit("/", 1)[-1] for d in logs["duplicates"]) == \
    ["copy-1.md", "copy-2.md", "latin.md"], logs["duplicates"]
PY
# Off --json the skipped logs and copies are listed on stderr, the report on stdout.
"$STINT" report all --logs "$S" --by author >"$T/out" 2>"$T/err" || fail "report --logs text failed"
has_line "$(cat "$T/err")" "stint: skipped $S/no-record.md: no stint-record line" "stderr lists the log without a record line"
has_line "$(cat "$T/err")" "stint: $S/copy-2.md is a copy of $log1: counted once" "stderr lists a copy"
expect_contains "$(cat "$T/out")" "Ada Lovelace" "the text report"
lacks "$(cat "$T/out")" "skipped" "nothing but the report on stdout"
# CSV and two dimensions work the same.
csv=$("$STINT" report all --logs "$S" --by author,repo --csv 2>/dev/null | tr -d '\r')
has_line "$csv" "author,repo,active_s,sessions,commits,files,added,removed" "CSV header"
expect_eq 2 "$(grep -c ',widget,' <<<"$csv")" "CSV rows, one per author: $csv"

# The range and --tag filter the logs' sessions as they filter the store's.
expect_eq 0 "$("$STINT" report --from '2d ago' --to '1d ago' --logs "$S" --json 2>/dev/null | json_get '["report"]["total"]["sessions"]')" \
	"no session of the logs two days ago"
expect_eq 3 "$("$STINT" report today --logs "$S" --tag team --json 2>/dev/null | json_get '["report"]["total"]["sessions"]')" \
	"--tag team: every session"
expect_eq 0 "$("$STINT" report today --logs "$S" --tag other --json 2>/dev/null | json_get '["report"]["total"]["sessions"]')" \
	"--tag other: none"

# Bad input: a clear error, nonzero exit.
set +e
err=$("$STINT" report all --logs "$T/nowhere" 2>&1)
rc=$?
set -e
expect_eq 2 "$rc" "a missing PATH is a usage error"
expect_eq "stint: $T/nowhere: No such file or directory" "$err" "the error names the path"
set +e
err=$("$STINT" report all --logs "$S" extra 2>&1)
rc=$?
set -e
expect_eq 2 "$rc" "a third operand is a usage error"
expect_contains "$err" "unexpected argument 'extra'" "the usage error names the operand"
set +e
err=$("$STINT" report week month --logs 2>&1)
rc=$?
set -e
expect_eq 2 "$rc" "two RANGE words are a usage error"
expect_contains "$err" "unexpected argument 'month'" "the usage error names the second range"
# Without PATH, -C names the repository whose log directory is read.
expect_eq "$T/ada/widget/docs/sessions" "$(cd "$T" && "$STINT" report all --logs -C "$T/ada/widget" --json | json_get '["logs"]["path"]')" \
	"report --logs -C: that repository's log directory"
# Without PATH the log directory comes from the config: a bad [log] dir is named, exit 1.
printf '[log]\ndir = {nope}/sessions\n' >"$T/bad.ini"
set +e
err=$(cd "$T/team" && STINT_CONFIG="$T/bad.ini" "$STINT" report all --logs 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "report --logs with a bad [log] dir fails"
expect_contains "$err" "{nope}" "the error names the bad [log] dir"
expect_contains "$err" "cannot find the log directory of $T/team (give PATH)" "and says what to do"
# Without PATH, a repository that has no logs yet: its log directory is named, and PATH asked for.
mkdir -p "$T/nologs" && git -C "$T/nologs" init -q
set +e
err=$(cd "$T/nologs" && "$STINT" report all --logs 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "report --logs where no log was written"
expect_contains "$err" "no log directory $T/nologs/docs/sessions (the [log] dir of $T/nologs)" \
	"the missing default directory is named with its repository"
expect_contains "$err" "give PATH" "and says what to do"
# stintd kept serving all along (it was asked nothing but the default path).
"$STINT" ping >/dev/null || fail "stintd stopped serving"
daemon_stop
[ "$(id -u)" = 0 ] || chmod 700 "$S/locked"

# STINT_REPORTS_OUT=FILE: what docs/reports.md shows.
if [ -n "${STINT_REPORTS_OUT:-}" ]; then
	cd "$T/team"
	rm -rf "$S"/*.md "$S/archive" "$S/loop" "$S/locked" "$S/notes.txt"
	git checkout -q -- docs/sessions
	grep -v '^<!-- stint-record' "$log_g" >"$S/no-record.md"
	cp "$log1" "$S/copy.md"
	{
		printf '$ stint report all --logs docs/sessions --by author\n'
		COLUMNS=96 "$STINT" report all --logs docs/sessions --by author 2>&1
		printf '\n$ stint report all --logs docs/sessions --by author,day --csv\n'
		"$STINT" report all --logs docs/sessions --by author,day --csv 2>/dev/null | tr -d '\r'
		printf '\n$ stint report all --logs docs/sessions --by author --json\n'
		"$STINT" report all --logs docs/sessions --by author --json
		printf '\n$ tail -n 1 docs/sessions/%s\n' "$(basename "$log_g")"
		tail -n 1 "$S/$(basename "$log_g")"
	} >"$STINT_REPORTS_OUT"
fi
