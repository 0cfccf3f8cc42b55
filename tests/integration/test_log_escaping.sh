#!/usr/bin/env bash
# Issue 12, "Text from users and repositories cannot break the log": hostile text goes through
# the real stintd (focus, tags, notes, learnings, challenges, todos, --next todos, decisions and
# their rationale, the summary; branch names, commit subjects, file names, references from a
# commit subject, previous logs' titles and carried todos), each log is rendered with
# `cmark-gfm -e table -e tasklist`, and per string and per section the rendered text must be
# exactly the text that was typed: no raw HTML, no comment, no javascript: link, no lost table
# cell, and the same text escaped the same way wherever it appears. Invisible and bidirectional
# characters show as <U+XXXX> markers (docs/templates.md, "Escaping").
# STINT_KEEP_LOGS=DIR keeps a copy of every log written.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

command -v cmark-gfm >/dev/null 2>&1 || skip "cmark-gfm is not installed (scripts/deps lists it)"

daemon_start
export T

python3 - <<'PY'
import html.parser
import json
import os
import re
import subprocess
import sys
import time

T = os.environ["T"]
STINT = os.environ["STINT"]
problems = []


def problem(msg):
    problems.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def stint(args, cwd, ok=True):
    p = subprocess.run([STINT, *args], cwd=cwd, capture_output=True, text=True)
    if ok and p.returncode != 0:
        die(f"stint {args!r} exited {p.returncode}: {p.stderr.strip()}")
    return p


def git(args, cwd):
    p = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    if p.returncode != 0:
        die(f"git {args!r}: {p.stderr.decode(errors='replace').strip()}")
    return p.stdout.decode()


def wait_for(what, pred, limit=20):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    die(f"timed out waiting for {what}")


# --- what the log must show: docs/templates.md, "Escaping" -----------------------------------

def pictographic(cp):
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF or
            0x2B00 <= cp <= 0x2BFF or cp == 0xFE0F)


def invisible(cp):
    return (cp in (0x061C, 0x180E, 0xFEFF) or 0x200B <= cp <= 0x200F or 0x2028 <= cp <= 0x202E or
            0x2060 <= cp <= 0x2064 or 0x2066 <= cp <= 0x206F or 0xFFF9 <= cp <= 0xFFFB or
            0xE0000 <= cp <= 0xE007F)


def marked(s):
    """Invisible and bidi characters as <U+XXXX>; a ZWJ inside an emoji sequence stays."""
    out, cps = [], [ord(c) for c in s]
    for i, cp in enumerate(cps):
        keep = not invisible(cp)
        prev = cps[i - 1] if i > 0 and out[-1] == chr(cps[i - 1]) else 0
        if cp == 0x200D and pictographic(prev) and i + 1 < len(cps) and pictographic(cps[i + 1]):
            keep = True
        if 0xE0020 <= cp <= 0xE007F and (prev == 0x1F3F4 or 0xE0020 <= prev <= 0xE007E):
            keep = True
        out.append(chr(cp) if keep else "<U+%04X>" % cp)
    return "".join(out)


def norm(s):
    """Whitespace as HTML shows it: runs of blanks and newlines are one space."""
    return re.sub(r"[ \t\r\n]+", " ", s).strip()


def shown(s):
    return norm(marked(s))


def excerpt(s, clip=100):
    """The first line, as the Activities sub-items show it (the rest: an ellipsis)."""
    lines = [l for l in marked(s).split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    first = lines[0].strip()
    more = any(l.strip() for l in lines[1:])
    if len(first) > clip:
        return norm(first[:clip]) + "…"
    return norm(first) + ("…" if more else "")


# --- cmark-gfm's HTML as a small tree ---------------------------------------------------------

VOID = {"br", "hr", "img", "input"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids = tag, dict(attrs), parent, []


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", [], None)
        self.cur = self.root
        self.tags = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.tags.append((tag, dict(attrs)))
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.cur.kids.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.kids.append(data)

    def handle_comment(self, data):
        self.tags.append(("!--", {"data": data}))


def text(n, nested=True):
    if isinstance(n, str):
        return n
    if n.tag == "br":
        return "\n"
    if not nested and n.tag in ("ul", "ol"):
        return ""
    return "".join(text(k, nested) for k in n.kids)


def walk(n):
    yield n
    for k in n.kids:
        if not isinstance(k, str):
            yield from walk(k)


def render(md, unsafe):
    args = ["cmark-gfm", "-e", "table", "-e", "tasklist"] + (["--unsafe"] if unsafe else [])
    p = subprocess.run(args, input=md.encode(), capture_output=True)
    if p.returncode != 0:
        die("cmark-gfm failed: " + p.stderr.decode(errors="replace"))
    return p.stdout.decode()


class Log:
    """A log: its Markdown, its rendering, its sections by heading text."""

    def __init__(self, path):
        self.path = path
        if os.environ.get("STINT_KEEP_LOGS"):
            os.makedirs(os.environ["STINT_KEEP_LOGS"], exist_ok=True)
            subprocess.run(["cp", path, os.path.join(os.environ["STINT_KEEP_LOGS"],
                                                     path.replace("/", "_")[-40:])])
        with open(path, encoding="utf-8") as f:
            self.md = f.read()
        # The one comment allowed is stint's own record line, last (docs/log-record.md): the
        # checks below read the rest, all of which the user's text went into.
        m = re.search(r"\n\n<!-- stint-record v1 \{[^>\n]*\} -->\n\Z", self.md)
        if m:
            self.md = self.md[:m.start() + 1]
        else:
            problem(f"{self.path}: the log does not end with its record line")
        self.safe = render(self.md, False)
        # Raw HTML would pass as tags here: its text would be missing from what we compare.
        self.html = render(self.md, True)
        t = Tree()
        t.feed(self.html)
        t.close()
        self.tree, self.tags = t.root, t.tags
        self.sections = {}
        stack = []
        for k in self.tree.kids:
            if isinstance(k, str):
                continue
            if re.fullmatch(r"h[1-6]", k.tag):
                level = int(k.tag[1])
                stack = [(l, name) for l, name in stack if l < level]
                stack.append((level, norm(text(k))))
                self.sections.setdefault(norm(text(k)), [])
                continue
            for _, name in stack:
                self.sections[name].append(k)

    def header(self):
        """The lines under the title (whatever the title rendered as)."""
        h1 = [k for k in self.tree.kids if not isinstance(k, str) and k.tag == "h1"]
        return self.lines(norm(text(h1[0]))) if h1 else []

    def heading(self, tag):
        return [norm(text(n)) for n in walk(self.tree) if n.tag == tag]

    def items(self, section):
        """The own text of every list item in a section (nested lists left out)."""
        if section not in self.sections:
            problem(f"{self.path}: no section {section!r}")
            return []
        return [norm(text(n, False)) for top in self.sections[section] for n in walk(top)
                if n.tag == "li"]

    def lines(self, section):
        """The lines of the section's paragraphs (hard breaks split them)."""
        out = []
        for top in self.sections.get(section, []):
            for n in walk(top):
                if n.tag == "p":
                    out += [norm(l) for l in text(n).split("\n")]
        return out

    def show(self, section):
        body = "\n".join(norm(text(n)) for n in self.sections.get(section, []))
        return f"\n--- {section} as rendered ---\n{body}\n--- the log ---\n{self.md}"

    def expect_in(self, got, want, section, what):
        if want not in got:
            problem(f"{self.path}: {what}: [{want}] not rendered in {section!r}; "
                    f"rendered items: {got!r}")

    def safety(self):
        """Nothing the user typed became markup: no HTML, comment, script or javascript: link."""
        if "<!--" in self.safe:
            problem(f"{self.path}: raw HTML reached the log (cmark-gfm omitted it):\n{self.md}")
        for tag, attrs in self.tags:
            if tag in ("script", "!--", "img", "div", "b", "i", "details"):
                problem(f"{self.path}: <{tag}> in the rendered log:\n{self.html}")
            href = attrs.get("href", "")
            if re.match(r"\s*javascript:", href, re.I):
                problem(f"{self.path}: a javascript: link: {href}")
        for n in walk(self.tree):
            if n.tag == "tr":
                cells = [k for k in n.kids if not isinstance(k, str) and k.tag in ("td", "th")]
                if len(cells) not in (3, 4):
                    problem(f"{self.path}: a table row with {len(cells)} cells")

    def same_escaping(self, forms, what):
        """One text, one escaped form, wherever it appears."""
        found = {k: v for k, v in forms.items() if v is not None}
        if len(set(found.values())) > 1:
            problem(f"{self.path}: {what} is escaped differently in different places: {found}")


def raw(md, pattern, section=None):
    """The first capture of pattern in the Markdown, within a section when given."""
    if section:
        m = re.search(r"^" + re.escape(section) + r"\n(.*?)(?=^## |\Z)", md, re.M | re.S)
        md = m.group(1) if m else ""
    m = re.search(pattern, md, re.M)
    return m.group(1) if m else None


# --- the corpus ----------------------------------------------------------------------------

CORPUS = [
    "Use Vec<String> and Option<T>",
    "<script>alert(1)</script>",
    "x<!--",
    "<!-- hidden -->",
    "[a](javascript:x)",
    "[x](<javascript:alert(1)>)",
    "javascript:alert(1)",
    "a | b",
    "| a | b |",
    "`tick`",
    "``double `tick` ``",
    "*star* _under_ ~~strike~~",
    "**strong** __strong__ ~one~",
    "snake_case __init__ a*b*c",
    "# heading",
    "###### six",
    "Fix #",
    "- item",
    "+ plus",
    "* star item",
    "1. item",
    "2) paren",
    "2025. was a year",
    "> quote",
    "===",
    "---",
    "```",
    "~~~ fence",
    "\\backslash\\",
    "\\\\double\\\\",
    "\\*not emphasis\\*",
    "&amp; &lt;",
    "&copy; &#169; &#x41; &nbsp; R&D",
    "<https://x.y>",
    "<a@b.c>",
    "www.example.com",
    "https://example.com/a_b_c",
    "@mention #12",
    "[ ] task",
    "[x] done",
    "![img](x)",
    "[ref]: http://x",
    "[foo][bar] [baz]",
    "<b>bold</b> & <i>co</i>",
    "<div>block</div>",
    "$x$ and $$y$$",
    "{{title}} {{#notes}}",
    "trailing two spaces  ",
    "emoji 🎉 ✅ 👩‍💻 🏳️‍🌈 \U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
    "tag \U000E0041\U000E0042 smuggled",
    "CJK 漢字 テスト 한국어",
    "zero\u200bwidth \u200cnon\u200djoiner",
    "marks \u200e\u200f end",
    "bom \ufeff end",
    "word\u2060joiner and \u2028separator",
    "line one\n# two\n- three\n```\nfour",
    "<div>\n*not html*\n</div>",
    "| h | h |\n|---|---|\n| c | c |",
    "para\n\n    indented code\n\n> quote",
]
# Refused by the protocol with a clear error (they reorder the text around them); they still
# come in through tags and git, where the log marks them.
BIDI = ["bidi \u202e evil", "\u2066isolate\u2069"]


def tag_of(s):
    t = re.sub(r"[\s,]+", "", s)
    return t if t and len(t.encode()) <= 64 else None


# --- text from the user: one session per string -------------------------------------------

R = os.path.join(T, "repo")
os.makedirs(R)
git(["init", "-q"], R)
with open(os.path.join(R, "README"), "w") as f:
    f.write("hello\n")
git(["add", "README"], R)
git(["commit", "-q", "-m", "initial commit"], R)

# Bidirectional controls from the user: refused, saying why, and the daemon keeps serving.
for s in BIDI:
    for args in (["start", "--focus", s], ["note", "--", s]):
        if args[0] == "note":
            stint(["start"], R)
        p = stint(args, R, ok=False)
        if p.returncode != 1 or "bidirectional" not in p.stderr:
            problem(f"stint {args[0]} {s!r}: exit {p.returncode}, {p.stderr.strip()!r}; "
                    "want exit 1 naming the bidirectional characters")
        if args[0] == "note":
            stint(["cancel"], R)
    stint(["ping"], R)

prev = []  # the strings of the earlier sessions: their todos are carried, titles linked
for i, s in enumerate(CORPUS):
    single = "\n" not in s
    start = ["start"]
    if single:
        start += ["--focus", s]
    tags = [t for t in (tag_of(s), *(map(tag_of, BIDI) if i == 0 else [])) if t]
    for t in tags:
        start += ["--tag", t]
    stint(start, R)
    stint(["note", "--", s], R)
    stint(["note", "--learning", "--", s], R)
    stint(["note", "--challenge", "--", s], R)
    stint(["todo", "--priority", "high", "--", s], R)
    stint(["todo", "--next", "--", s], R)
    stint(["decision", "--why", s, "--", s], R)
    out = json.loads(stint(["stop", "--json", "--summary", s], R).stdout)
    log = Log(out["log"])
    log.safety()
    e, first = shown(s), excerpt(s)
    if single:
        if log.heading("h1") != ["Session: " + e]:
            problem(f"{log.path}: title {log.heading('h1')!r}, want {'Session: ' + e!r}")
        log.expect_in(log.header(), "Focus: " + e, "header", "focus")
    summary = [norm(text(n)) for n in log.sections.get("Summary", []) if n.tag == "p"]
    if summary != [e] and norm(" ".join(summary)) != e:
        problem(f"{log.path}: Summary rendered as {summary!r}, want [{e!r}]")
    acts = log.items("Activities")
    for label in ("Note", "Learning", "Challenge", "TODO, high priority", "TODO, next session",
                  "Decision"):
        want = re.compile(re.escape(label) + r" \((?:\d{4}-\d\d-\d\d )?\d\d:\d\d\): (.*)")
        got = [m.group(1) for m in map(want.fullmatch, acts) if m]
        if got != [first]:
            problem(f"{log.path}: Activities, {label}: rendered {got!r}, want [{first!r}]"
                    + log.show("Activities"))
    log.expect_in(log.items("Session Notes"), e, "Session Notes", "the note")
    log.expect_in(log.items("Key Learnings"), "Learning 1: " + e, "Key Learnings", "the learning")
    log.expect_in(log.items("Decisions Made"), e, "Decisions Made", "the decision")
    log.expect_in(log.items("Decisions Made"), "Rationale: " + e, "Decisions Made", "the rationale")
    log.expect_in(log.items("High Priority"), e, "High Priority", "the todo")
    if single:
        log.expect_in(log.heading("h3"), "Challenge 1: " + e, "Challenges & Solutions",
                      "the challenge")
    else:
        head, rest = s.split("\n", 1)
        log.expect_in(log.heading("h3"), "Challenge 1: " + shown(head), "Challenges & Solutions",
                      "the challenge's first line")
        log.expect_in(log.items("Challenges & Solutions"), "Problem: " + shown(rest),
                      "Challenges & Solutions", "the challenge's other lines")
    # Next Steps: this session's --next todo, and every earlier one, carried log to log.
    # Every carried item must read as one of the strings typed: an escape read back from the
    # previous log and escaped again would show its backslashes.
    # A carried item ends with its priority's label, which is stint's, not typed.
    nxt = [re.sub(r" \((?:high priority|low priority|blocked)\)$", "", x)
           for x in log.items("Immediate (Next Session)")]
    want = {e} | ({shown(prev[-1])} if prev else set())
    if not want <= set(nxt):
        problem(f"{log.path}: Next Steps lack {sorted(want - set(nxt))!r}; rendered {nxt!r}")
    typed = {shown(p) for p in prev} | {e}
    if not set(nxt) <= typed:
        problem(f"{log.path}: Next Steps items that nobody typed: {sorted(set(nxt) - typed)!r}")
    if prev:
        titles = [l.split(" - ", 1)[1] for l in log.items("Related Documentation")
                  if re.match(r"\d{4}-\d\d-\d\d(-\d+)? - ", l)]
        want_titles = [shown(p) if "\n" not in p else "Session in repo"
                       for p in reversed(prev[-3:])]
        if titles != want_titles:
            problem(f"{log.path}: Previous sessions' titles {titles!r}, want {want_titles!r}")
    if tags:
        log.expect_in(log.lines("Metadata"), "Tags: " + ", ".join(map(shown, tags)), "Metadata",
                      "the tags")
    if single:
        md = log.md
        log.same_escaping({
            "title": raw(md, r"^# Session: (.*)$"),
            "focus": raw(md, r"^\*\*Focus:\*\* (.*)  $"),
            "summary": raw(md, r"^(.+)\n\n## Activities"),
            "activity note": raw(md, r"^ +- Note \((?:\d{4}-\d\d-\d\d )?\d\d:\d\d\): (.*)$"),
            "activity todo": raw(md, r"^ +- TODO, next session \((?:\d{4}-\d\d-\d\d )?\d\d:\d\d\): (.*)$"),
            "activity decision": raw(md, r"^ +- Decision \((?:\d{4}-\d\d-\d\d )?\d\d:\d\d\): (.*)$"),
            "learning": raw(md, r"^- \*\*Learning 1\*\*: (.*)$"),
            "challenge": raw(md, r"^### Challenge 1: (.*)$"),
            "decision": raw(md, r"^1\. \*\*(.*)\*\*$", "## Decisions Made"),
            "rationale": raw(md, r"^ +- \*\*Rationale\*\*: (.*)$"),
            "todo": raw(md, r"^- \[ \] (.*)$", "## TODOs Created"),
            "note": raw(md, r"^- (.*)$", "## Session Notes"),
            # after the items carried from the previous log
            "next step": (re.findall(r"^- \[ \] (.*)$", md.split("## Next Steps", 1)[-1]
                                     .split("\n### This Week", 1)[0], re.M) or [None])[-1],
        }, repr(s))
    prev.append(s)

# --- text from git: branch names, commit subjects, file names, references --------------------

G = os.path.join(T, "widget")
os.makedirs(G)
git(["init", "-q"], G)
git(["remote", "add", "origin", "https://github.com/acme/widget.git"], G)
with open(os.path.join(G, "old *name* | `x`.txt"), "w") as f:
    f.write("hello\n")
git(["add", "-A"], G)
git(["commit", "-q", "-m", "initial commit"], G)
head0 = git(["rev-parse", "HEAD"], G).strip()
git(["checkout", "-q", "-b", "x<!--"], G)

BRANCHES = ["Vec<String>", "<script>alert(1)</script>", "a|b", "`tick`", "_under_&amp;",
            "bidi\u202egnp", "zw\u200bsp", "#12-hash", "1.-item"]
SUBJECTS = ["Use Vec<String> and Option<T>", "<script>alert(1)</script>",
            "[a](javascript:x) fixes #12", "a | b", "`tick` *star* _under_ ~~strike~~",
            "# heading", "- item", "1. item", "x<!-- see acme/widget#7", "zw\u200bsp \u202eevil",
            "&amp; &lt; &copy; [ ] task"]
FILES = [["a b.txt", "a|b.txt"], ["*star*.txt", "<x>.txt"], ["`tick`.txt", "[link](x).txt"],
         ["#head.md", "-dash.txt"], ["1. item.txt", "x<!--.txt"], ["zw\u200bx.txt"],
         ["bidi\u202etxt.c", "&amp;.txt"], ["_under_.txt", "back\\slash.txt"],
         ["dir with space/in|ner.md"], ["Vec<String>.rs"], ["> quote.txt", "~~strike~~.txt"]]

stint(["start"], G)


def status():
    return json.loads(stint(["status", "--json"], G).stdout)["sessions"][0]


branch = "x<!--"
switches = []
for k, subject in enumerate(SUBJECTS):
    if k < len(BRANCHES):
        git(["checkout", "-q", "-b", BRANCHES[k]], G)
        switches.append((branch, BRANCHES[k]))
        branch = BRANCHES[k]
    for name in FILES[k]:
        os.makedirs(os.path.dirname(os.path.join(G, name)) or G, exist_ok=True)
        with open(os.path.join(G, name), "w") as f:
            f.write("one\ntwo\n")
            if name.endswith(".rs"):
                f.write("// TODO: Use Vec<String> and Option<T>\n")
    git(["add", "-A"], G)
    git(["commit", "-q", "--cleanup=verbatim", "-m", subject], G)
    head = git(["rev-parse", "HEAD"], G).strip()
    wait_for(f"stintd to see commit {k + 1}",
             lambda: status().get("head") == head and status().get("branch") == branch)
    time.sleep(1.1)  # commit times are whole seconds: keep the timeline's order plain
git(["mv", "old *name* | `x`.txt", "re|named <b>.txt"], G)
git(["commit", "-q", "-m", "rename"], G)
head = git(["rev-parse", "HEAD"], G).strip()
wait_for("stintd to see the rename", lambda: status().get("head") == head)
base = status()["baseline"]
out = json.loads(stint(["stop", "--json"], G).stdout)
log = Log(out["log"])
log.safety()

if log.heading("h1") != ["Session: X<!"]:
    problem(f"{log.path}: title {log.heading('h1')!r}: want the first branch in words, 'X<!'")
# Every branch the work was done on, in the order of the switches.
log.expect_in(log.header(), "Branch: " + " → ".join(
    [shown("x<!--")] + [shown(b) for _, b in switches]), "header", "the branches")
log.expect_in(log.lines("Metadata"), "Related branch: " + shown(branch), "Metadata",
              "the related branch")
acts = log.items("Activities")
for a, b in switches:
    want = f"Switched branch: {shown(a)} → {shown(b)}"
    if not any(x.startswith(want + " (") for x in acts):
        problem(f"{log.path}: no Activities item [{want}]" + log.show("Activities"))
for line in git(["log", "--format=%h%x00%s", "--abbrev=7", head0 + "..HEAD"], G).splitlines():
    h, subj = line.split("\0", 1)
    lone, grouped = f"Commit {h}: {shown(subj)} (", f"{h} {shown(subj)} ("
    if not any(x.startswith(lone) or x.startswith(grouped) for x in acts):
        problem(f"{log.path}: commit {h} {subj!r} not rendered as [{lone}...]"
                + log.show("Activities"))
timeline = re.findall(r"^\d+\. \*\*Switched branch: (.*) → (.*)\*\* \(", log.md, re.M)
log.same_escaping({
    "header, at the start": raw(log.md, r"^\*\*Branch:\*\* (.*?) → .*$"),
    "timeline, switched from": timeline[0][0] if timeline else None,
}, "the first branch")
log.same_escaping({
    "header, at the stop": raw(log.md, r"^\*\*Branch:\*\* .* → (.*)$"),
    "metadata": raw(log.md, r"^\*\*Related branch\*\*: (.*)  $"),
    "timeline, switched to": timeline[-1][1] if timeline else None,
}, "the last branch")

# Files Modified: one row per file git lists, each cell exactly git's path and numbers.
rows = []
for top in log.sections.get("Files Modified", []):
    for n in walk(top):
        if n.tag == "tr":
            cells = [norm(text(c)) for c in n.kids if not isinstance(c, str) and c.tag == "td"]
            if cells:
                rows.append(cells)
numstat = git(["diff", "-M", "--numstat", "-z", base, "HEAD"], G).split("\0")
# What happened to each file, as git names it (A, D, M, R100...): Files Modified says it.
ns, status, i = git(["diff", "-M", "--name-status", "-z", base, "HEAD"], G).split("\0"), {}, 0
while i < len(ns) - 1:
    k = 3 if ns[i][:1] in "RC" else 2
    status[ns[i + k - 1]] = ns[i][:1]
    i += k
want_rows, i = [], 0
while i < len(numstat) - 1:
    a, r, path = numstat[i].split("\t", 2)
    if path == "":
        old, path = numstat[i + 1], numstat[i + 2]
        i += 3
        ch = "renamed from " + shown(old) + ("" if a + r == "00" else f", +{a}, -{r}")
    else:
        i += 1
        ch = {"A": f"added, +{a}", "D": f"deleted, -{r}"}.get(status.get(path), f"+{a}, -{r}")
    subjects = git(["log", "--reverse", "--format=%s", head0 + "..HEAD", "--", path],
                   G).splitlines()
    want_rows.append([shown(path), ch, "; ".join(map(shown, subjects))])
if sorted(rows) != sorted(want_rows):
    problem(f"{log.path}: Files Modified rows differ from git's:\n  rendered: "
            f"{sorted(rows)!r}\n  git:      {sorted(want_rows)!r}" + log.show("Files Modified"))
rs = shown("Vec<String>.rs")
log.expect_in(log.items("Medium Priority"), f"{rs}:3: TODO: Use Vec<String> and Option<T>",
              "Medium Priority", "the code TODO with its path")
links = [(n.attrs.get("href", ""), norm(text(n))) for top in
         log.sections.get("Related Documentation", []) for n in walk(top) if n.tag == "a"]
for ref, url in (("#12", "https://github.com/acme/widget/issues/12"),
                 ("acme/widget#7", "https://github.com/acme/widget/issues/7")):
    if (url, ref) not in links:
        problem(f"{log.path}: no link [{ref}]({url}) under Related Documentation: {links!r}")

if problems:
    sys.exit(f"{len(problems)} problems")
print(f"ok: {len(CORPUS)} strings through {len(CORPUS)} sessions, and a git session with "
      f"{len(SUBJECTS)} commits on {len(BRANCHES) + 1} branches")
PY
