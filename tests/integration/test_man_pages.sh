#!/usr/bin/env bash
# The man pages (docs/man/*.scd, built by scdoc into the build tree's man/): each renders with
# the real man without one groff warning, and none lags behind what it documents: every
# command and option of `stint __commands` in stint(1), under its command; every option of
# `stintd --help` in stintd(8); every config key in stint-config(5), under its section; the
# signals stintd handles and the variables both programs read; and the examples of the config
# and template pages pass `stintd --check-config`.
. "$(dirname "$0")/lib.sh"

: "${STINT_SOURCE_DIR:?set by ctest}" "${STINT_BUILD_DIR:?set by ctest}"

command -v man >/dev/null 2>&1 ||
	fail "man is not installed (Debian package man-db, in scripts/deps' test packages)"
MAN=$STINT_BUILD_DIR/man
for page in man1/stint.1 man8/stintd.8 man5/stint-config.5 man5/stint-template.5; do
	[[ -f $MAN/$page ]] || fail "$MAN/$page was not built: scdoc was not found when the build" \
		"was configured (Debian package scdoc, in scripts/deps); install it and reconfigure"
done

# Renders a page as man shows it, in plain text at the given width; every groff warning
# (--warnings=w: all of them) goes to $T/warnings.
render() { # file width
	MANWIDTH=$2 man --warnings=w -l "$1" 2>"$T/warnings"
}

problems=()
problem() { problems+=("$*"); }

# The warning check must be able to fail: a page with an undefined macro is caught.
printf '.TH BROKEN 1\n.SH NAME\nbroken \\- a page\n.XY undefined\n' >"$T/broken.1"
render "$T/broken.1" 80 >/dev/null || true
grep -q "warning: macro 'XY' not defined" "$T/warnings" ||
	fail "man --warnings reported nothing for an undefined macro; got: $(cat "$T/warnings")"

for page in man1/stint.1 man8/stintd.8 man5/stint-config.5 man5/stint-template.5; do
	name=$(basename "$page")
	status=0
	out=$(render "$MAN/$page" 80) || status=$?
	((status == 0)) || problem "man -l $page exited with status $status"
	if [[ -s $T/warnings ]]; then
		problem "$page: groff warnings at 80 columns:"$'\n'"$(sed 's/^/    /' "$T/warnings")"
	fi
	grep -q "^NAME" <<<"$out" || problem "$page: no NAME section when rendered"
	# Wide, so that no line is broken (or hyphenated) inside an option name.
	render "$MAN/$page" 250 >"$T/$name.txt"
done

"$STINT" __commands >"$T/commands.tsv" || fail "stint __commands failed"
[[ -s $T/commands.tsv ]] || fail "stint __commands printed nothing"
"$STINTD" --help >"$T/stintd-help.txt" || fail "stintd --help failed"
"$STINTD" --print-config-markdown >"$T/keys.md" || fail "stintd --print-config-markdown failed"

# What each page documents, read from the rendered text: top-level sections, 3-space
# subsections, and 7-space terms followed at once by their 11-space definition.
cat >"$T/check.py" <<'PY'
import re, sys

OPT = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")

def sections(path):
    out, cur = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if re.match(r"^[A-Z][A-Z ]*$", line):
            cur = line
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out

def terms(lines):
    """(subsection, term line) for each term in lines."""
    sub, out = "", []
    for i, line in enumerate(lines):
        m = re.match(r"^   (\S.*)$", line)
        if m:
            sub = m.group(1).strip()
        elif re.match(r"^       \S", line) and i + 1 < len(lines) \
                and re.match(r"^           \S", lines[i + 1]):
            out.append((sub, line.strip()))
    return out

def subsections(lines):
    return [m.group(1).strip() for m in (re.match(r"^   (\S.*)$", l) for l in lines) if m]

def term_options(term):
    """Each option of a term line ("-f, --focus TEXT"), with whether the term names a value."""
    words = term.replace(",", " ").split()
    opts = [w for w in words if OPT.fullmatch(w)]
    return [(o, not OPT.fullmatch(words[-1])) for o in opts]

problems = []

def check_stint(page, table):
    s = sections(page)
    want, cmds = {}, []
    for line in open(table, encoding="utf-8"):
        cmd, long, short, arg = line.rstrip("\n").split("\t")
        if cmd and cmd not in cmds:
            cmds.append(cmd)
        for o in (long, short):
            if o:
                want[(cmd, o)] = arg == "arg"
    have = {}
    for sub, term in terms(s.get("OPTIONS", [])):
        for o, val in term_options(term):
            have[("", o)] = have.get(("", o), False) or val
    for sub, term in terms(s.get("COMMANDS", [])):
        for o, val in term_options(term):
            have[(sub, o)] = have.get((sub, o), False) or val
    subs = subsections(s.get("COMMANDS", []))
    for c in cmds:
        if c not in subs:
            problems.append(f"stint.1: command '{c}' has no subsection under COMMANDS")
    for c in subs:
        if c not in cmds:
            problems.append(f"stint.1: COMMANDS has '{c}', which is not a command of stint __commands")
    for (c, o), val in want.items():
        where = f"under COMMANDS, {c}" if c else "under OPTIONS"
        # Every command's -h/--help is documented once, with the options before a command.
        if c and o in ("--help", "-h"):
            c, where = "", "under OPTIONS (every command's -h, --help)"
        if (c, o) not in have:
            problems.append(f"stint.1: option {o} of '{c or 'stint'}' is not documented {where}")
        elif val and not have[(c, o)]:
            problems.append(f"stint.1: option {o} of '{c or 'stint'}' takes a value; its term names none")
    for (c, o) in have:
        if (c, o) not in want:
            problems.append(f"stint.1: '{c or 'stint'}' documents {o}, which stint __commands does not list")
    # Every command an example runs is a command.
    for line in s.get("EXAMPLES", []):
        for c in re.findall(r"\bstint ([a-z][a-z-]*)", line):
            if c not in cmds:
                problems.append(f"stint.1: an example runs 'stint {c}', which is not a command")

def check_stintd(page, helptext):
    want = set()
    for line in open(helptext, encoding="utf-8"):
        if re.match(r"^(usage: )?\s*stintd ", line):
            want.update(OPT.findall(line))
        m = re.match(r"^\s+((?:-\w, )?--[\w-]+)", line)
        if m:
            want.update(OPT.findall(m.group(1)))
    want.update(["--help", "-h"])
    have = set()
    for sub, term in terms(sections(page).get("OPTIONS", [])):
        have.update(o for o, _ in term_options(term))
    for o in sorted(want - have):
        problems.append(f"stintd.8: option {o} of stintd --help is not documented under OPTIONS")
    for o in sorted(have - want):
        problems.append(f"stintd.8: OPTIONS documents {o}, which stintd --help does not list")

def check_config(page, keys_md):
    want = set()
    for line in open(keys_md, encoding="utf-8"):
        m = re.match(r"^\| `\[(\w+)\]` \| (`(\w+)`|\*any name\*) \|", line)
        if m:
            want.add((m.group(1), m.group(3) or "name = command"))
    have = {(sub.strip("[]"), term) for sub, term in terms(sections(page).get("KEYS", []))}
    for k in sorted(want - have):
        problems.append(f"stint-config.5: key [{k[0]}] {k[1]} is not documented under KEYS")
    for k in sorted(have - want):
        problems.append(f"stint-config.5: KEYS documents [{k[0]}] {k[1]}, which stintd does not know")

def check_words(page, section, words, what):
    text = "\n".join(sections(page).get(section, []))
    for w in words:
        if not re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text):
            problems.append(f"{page.split('/')[-1][:-4]}: {what} {w} is not in {section}")

kind = sys.argv[1]
if kind == "stint":
    check_stint(sys.argv[2], sys.argv[3])
elif kind == "stintd":
    check_stintd(sys.argv[2], sys.argv[3])
elif kind == "config":
    check_config(sys.argv[2], sys.argv[3])
elif kind == "words":
    check_words(sys.argv[2], sys.argv[3], sys.argv[5:], sys.argv[4])
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY

# Runs one check; what it finds becomes problems (a crash of the checker is one too).
check() {
	local out status=0
	out=$(python3 "$T/check.py" "$@" 2>&1) || status=$?
	((status == 0)) && return 0
	[[ -n $out ]] || out="the checker exited with status $status and said nothing"
	while IFS= read -r line; do problem "$line"; done <<<"$out"
}

# The checker must be able to fail: stint.1 without stop's --no-checks, stintd.8 without
# --restore and stint-config.5 without [time] idle_timeout are each caught.
expect_caught() { # what needle args...
	local what=$1 needle=$2 out
	shift 2
	out=$(python3 "$T/check.py" "$@" 2>&1) && fail "the check passed $what"
	grep -qF -- "$needle" <<<"$out" || fail "the check of $what said: $out"
}
drop_term() { # text term: the text without that term line and its definition
	awk -v t="$2" '$0 == t { skip = 1; next } skip && /^           / { next } { skip = 0; print }' "$1"
}
drop_term "$T/stint.1.txt" "       --no-checks" >"$T/stint-no-checks.txt"
expect_caught "a stint.1 without --no-checks" "option --no-checks of 'stop' is not documented" \
	stint "$T/stint-no-checks.txt" "$T/commands.tsv"
drop_term "$T/stintd.8.txt" "       --restore" >"$T/stintd-no-restore.txt"
expect_caught "a stintd.8 without --restore" "option --restore of stintd --help" \
	stintd "$T/stintd-no-restore.txt" "$T/stintd-help.txt"
drop_term "$T/stint-config.5.txt" "       idle_timeout" >"$T/config-no-idle.txt"
expect_caught "a stint-config.5 without idle_timeout" "key [time] idle_timeout" \
	config "$T/config-no-idle.txt" "$T/keys.md"

check stint "$T/stint.1.txt" "$T/commands.tsv"
check stintd "$T/stintd.8.txt" "$T/stintd-help.txt"
check config "$T/stint-config.5.txt" "$T/keys.md"

# The signals stintd handles or ignores, and the variables each program reads by name.
src=$STINT_SOURCE_DIR
mapfile -t signals < <(grep -hoE '(uv_signal_start\(.*|signal\()SIG[A-Z0-9]+' "$src/daemon/main.c" |
	grep -oE 'SIG[A-Z0-9]+' | sort -u)
((${#signals[@]} >= 3)) || fail "found only ${#signals[@]} signals in daemon/main.c: ${signals[*]}"
check words "$T/stintd.8.txt" SIGNALS signal "${signals[@]}"
getenvs() { # dirs...: the names passed to getenv(), less the test builds' hooks
	grep -rhoE '\bg?getenv\("[A-Z_]+"\)' "$@" | grep -oE '[A-Z_]{2,}' | grep -v '^STINT_TEST_' |
		sort -u
}
mapfile -t cli_env < <(getenvs "$src/cli" "$src/common")
mapfile -t daemon_env < <(getenvs "$src/daemon" "$src/common")
((${#cli_env[@]} >= 5 && ${#daemon_env[@]} >= 5)) || fail "too few getenv() names found in $src"
check words "$T/stint.1.txt" ENVIRONMENT variable "${cli_env[@]}"
check words "$T/stintd.8.txt" ENVIRONMENT variable "${daemon_env[@]}"

# The pages' examples are real: the config page's INI blocks and the template page's template
# pass stintd's own check.
literal_blocks() { # scd file section: each ``` block of that section, separated by a NUL
	awk -v s="# $2" '$0 == s { on = 1; next } on && !blk && /^# / { on = 0 }
		on && /^```$/ { if (blk) printf "%c", 0; blk = !blk; next } on && blk { print }' "$1"
}
n=0
while IFS= read -r -d '' block; do
	n=$((n + 1))
	printf '%s\n' "$block" >"$T/example-$n.ini"
	out=$("$STINTD" --check-config --config "$T/example-$n.ini" 2>&1) ||
		problem "stint-config.5: an example does not pass stintd --check-config: $out"$'\n'"$block"
done < <(
	literal_blocks "$src/docs/man/stint-config.5.scd" SYNTAX
	literal_blocks "$src/docs/man/stint-config.5.scd" EXAMPLE
)
((n == 2)) || problem "stint-config.5: expected an INI block under SYNTAX and one under EXAMPLE, found $n"
literal_blocks "$src/docs/man/stint-template.5.scd" EXAMPLE | tr -d '\0' >"$T/template.md"
[[ -s $T/template.md ]] || problem "stint-template.5: no template under EXAMPLE"
printf '[log]\ntemplate = %s\n' "$T/template.md" >"$T/template.ini"
out=$("$STINTD" --check-config --config "$T/template.ini" 2>&1) ||
	problem "stint-template.5: the EXAMPLE template does not pass stintd --check-config: $out"

if ((${#problems[@]})); then
	printf 'FAIL: %s\n' "${problems[@]}" >&2
	echo "${#problems[@]} problem(s); the pages' sources are docs/man/*.scd" >&2
	exit 1
fi
echo "ok: 4 pages render without warnings and document every command, option, key, signal and variable"
