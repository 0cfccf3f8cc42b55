#!/usr/bin/env python3
"""The driver of test_gitstats_random.sh: random work on a real repository, each step checked
against git. Run by that script inside lib.sh's private environment, never on its own.

  test_gitstats_random.py setup REPO SEED
      adds history and files of every kind to a repository made by gitstats-lib.sh's new_repo
  test_gitstats_random.py run REPO BASELINE_JSON TMPDIR SEED STEPS DAEMON_EVERY
      STEPS random operations; after each, `stint-gitstats diff` (the daemon's code) against
      `git diff -M --numstat <baseline tree>` with untracked files added with -N in a private
      index, the totals, the new commits (`git rev-list HEAD --branches --not <baseline tips>`)
      and each commit's numbers (`git diff-tree -M --numstat` against its first parent); every
      DAEMON_EVERY steps and after the last, the real stintd's `status --json` too, waited for.

Environment: TOOL (stint-gitstats), STINT (the CLI). The same SEED gives the same operations;
a failure prints the seed, the step and the operations before it.
"""
import difflib
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gitstats_lib  # noqa: E402

# How long stintd may take to show a state: its debounce is 0.3 s, a recompute well under one
# on this repository; the bound is for a loaded machine.
DAEMON_WAIT_S = 60
IGNORED_DIR = "build"
SETUP_SUBJECT = "setup: files of every kind"

WORDS = ("alpha beta gamma delta epsilon { } ( ) ; return x y z if else for while int char "
         "static void const 0 1 2 42 TODO: fix this // # - * = == != <= >= && ||").split()
DIRS = ["src", "src/deep", "docs", "lib/util", "dir with space", "ünï/cødé"]
STEMS = ["main", "util", "notes", "readme", "data", "config", "test", "a", "b", "long name",
         "ñame", "x"]
EXTS = [".c", ".h", ".txt", ".md", ".py", "", ".json"]


class Failure(Exception):
    pass


def text(rng, nlines=None):
    """Lines of words, some repeated; now and then no final newline or CRLF ends."""
    if nlines is None:
        nlines = rng.choice([0, 1, 2, 3, 5, 8, 13, 20, 40, 80, 150, 400]) if rng.random() < 0.97 \
            else rng.randrange(1000, 2500)
    crlf = rng.random() < 0.03
    out = []
    for _ in range(nlines):
        if out and rng.random() < 0.1:
            line = rng.choice(out).rstrip("\r\n")  # duplicates: the diff's hard case
        elif rng.random() < 0.05:
            line = ""
        else:
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 9)))
        out.append(line + ("\r\n" if crlf else "\n"))
    s = "".join(out)
    if s and rng.random() < 0.05:
        s = s.rstrip("\r\n")
    return s.encode()


def binary(rng):
    n = rng.choice([1, 10, 100, 2000, 9000])
    b = bytearray(rng.randrange(256) for _ in range(n))
    b[rng.randrange(n)] = 0
    return bytes(b)


class Repo:
    def __init__(self, root, seed):
        self.root = root
        self.rng = random.Random(seed)
        self.gitdir = os.path.join(root, ".git")
        self.names = 0
        self.refused = 0  # git commands that failed: the user's command refused, nothing changed

    def git(self, *args, check=True, env=None):
        p = subprocess.run(["git", "-C", self.root, *args], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env)
        if not check and p.returncode != 0:
            self.refused += 1
        if check and p.returncode != 0:
            raise Failure("git %s failed (%d): %s" % (" ".join(args), p.returncode,
                                                       p.stderr.decode(errors="replace")))
        return p

    def path(self, rel):
        return os.path.join(self.root, rel)

    def scan(self):
        """The worktree's regular files, symlinks and directories (sorted, relative), without
        .git and the ignored directory."""
        files, links, dirs = [], [], [""]
        stack = [""]
        while stack:
            d = stack.pop()
            with os.scandir(self.path(d) if d else self.root) as it:
                for e in it:
                    rel = d + "/" + e.name if d else e.name
                    if rel in (".git", IGNORED_DIR):
                        continue
                    if e.is_symlink():
                        links.append(rel)
                    elif e.is_dir():
                        dirs.append(rel)
                        stack.append(rel)
                    elif e.is_file():
                        files.append(rel)
        return sorted(files), sorted(links), sorted(dirs)

    def tracked(self):
        out = self.git("ls-files", "-z").stdout.split(b"\0")
        return sorted(p.decode() for p in out if p)

    def branches(self):
        out = self.git("for-each-ref", "--format=%(refname:short)", "refs/heads").stdout
        return sorted(out.decode().split())

    def new_name(self, d=None):
        rng = self.rng
        if d is None:
            _, _, dirs = self.scan()
            if rng.random() < 0.15:
                d = rng.choice(DIRS + ["new%d" % self.names, "new%d/sub" % self.names])
            else:
                d = rng.choice(dirs)
        while True:
            self.names += 1
            name = "%s%d%s" % (rng.choice(STEMS), self.names, rng.choice(EXTS))
            rel = d + "/" + name if d else name
            if not os.path.lexists(self.path(rel)):
                # A new directory where a file is in the way is not wanted: pick again.
                parent = os.path.dirname(self.path(rel))
                if os.path.isdir(parent) and not os.path.islink(parent):
                    return rel
                try:
                    os.makedirs(parent, exist_ok=True)
                    return rel
                except (FileExistsError, NotADirectoryError):
                    d = ""

    def write(self, rel, data):
        os.makedirs(os.path.dirname(self.path(rel)) or self.root, exist_ok=True)
        with open(self.path(rel), "wb") as f:
            f.write(data)

    def read(self, rel):
        with open(self.path(rel), "rb") as f:
            return f.read()

    # The initial history: files of every kind, several commits, a branch left behind.
    def setup(self):
        rng = self.rng
        self.write(".gitignore", ("%s/\n*.log\n" % IGNORED_DIR).encode())
        self.write(IGNORED_DIR + "/out.o", binary(rng))
        self.write(IGNORED_DIR + "/gen/list.txt", text(rng, 50))
        for d in DIRS:
            for _ in range(rng.randrange(1, 4)):
                self.write(self.new_name(d), text(rng))
        self.write("big.txt", text(rng, 1800))
        self.write("image.bin", binary(rng))
        self.write("empty.txt", b"")
        self.write("tool.sh", b"#!/bin/sh\necho tool\n")
        os.chmod(self.path("tool.sh"), 0o755)
        os.symlink("numbers.txt", self.path("link-to-numbers"))
        os.symlink("src/deep", self.path("link-to-dir"))
        # STINT_RANDOM_MANY small files more: from 2 000 index entries the scan uses two threads.
        for i in range(int(os.environ.get("STINT_RANDOM_MANY") or 0)):
            self.write("many/d%d/f%d" % (i // 50, i), b"%d\n" % i)
        self.git("add", "-A")
        self.git("commit", "-qm", SETUP_SUBJECT)
        for i in range(5):
            for _ in range(rng.randrange(1, 6)):
                self.op_edit()
            if i == 2:
                self.git("branch", "old")  # a branch from before the session, behind main
            self.git("commit", "-qam", "history %d" % i)
        self.git("config", "gc.autoDetach", "false")  # an automatic gc runs in its git command

    # Operations: each changes the repository as a user would and says what it did.
    def pick_file(self, text_only=False):
        files, _, _ = self.scan()
        files = [f for f in files if f != ".gitignore"]
        if not files:
            return None
        return self.rng.choice(files)

    def op_edit(self):
        rng = self.rng
        f = self.pick_file()
        if f is None:
            return self.op_create()
        data = self.read(f)
        if b"\0" in data[:8000]:
            i = rng.randrange(len(data) + 1)
            data = data[:i] + binary(rng)[:rng.randrange(1, 50)] + data[i + rng.randrange(20):]
            self.write(f, data)
            return "edit binary %s" % f
        lines = data.splitlines(keepends=True)
        i = rng.randrange(len(lines) + 1)
        n = rng.choice([1, 1, 1, 2, 3, 5, 10, 30])
        kind = rng.choice(["insert", "delete", "replace", "replace"])
        new = text(rng, rng.choice([1, 1, 2, 3, 5, 10])).splitlines(keepends=True)
        if kind == "insert":
            lines[i:i] = new
        elif kind == "delete":
            del lines[i:i + n]
        else:
            lines[i:i + n] = new
        self.write(f, b"".join(lines))
        return "edit %s: %s at line %d (%d, %d new)" % (f, kind, i + 1, n, len(new))

    def op_samesize(self):
        """One byte changed, the size kept: only the content (or a racy timestamp) tells."""
        rng = self.rng
        files, _, _ = self.scan()
        files = [f for f in files if f != ".gitignore" and os.path.getsize(self.path(f))]
        if not files:
            return self.op_create()
        f = rng.choice(files)
        data = bytearray(self.read(f))
        i = rng.randrange(len(data))
        data[i] = ord("x") if data[i] != ord("x") else ord("y")
        self.write(f, bytes(data))
        return "same-size edit of %s at byte %d" % (f, i)

    def op_append(self):
        f = self.pick_file()
        if f is None:
            return self.op_create()
        with open(self.path(f), "ab") as fh:
            fh.write(text(self.rng, self.rng.randrange(1, 20)))
        return "append to %s" % f

    def op_truncate(self):
        f = self.pick_file()
        if f is None:
            return self.op_create()
        size = os.path.getsize(self.path(f))
        n = 0 if self.rng.random() < 0.3 else self.rng.randrange(size + 1)
        os.truncate(self.path(f), n)
        return "truncate %s to %d bytes" % (f, n)

    def op_create(self):
        rng = self.rng
        rel = self.new_name()
        files, _, _ = self.scan()
        r = rng.random()
        if r < 0.05:
            data, what = binary(rng), "binary"
        elif r < 0.15 and files:
            src = rng.choice(files)
            data, what = self.read(src), "copy of " + src
        else:
            data, what = text(rng), "text"
        self.write(rel, data)
        return "create %s (%s, %d bytes)" % (rel, what, len(data))

    def op_delete(self):
        rng = self.rng
        files, links, dirs = self.scan()
        if rng.random() < 0.08 and len(dirs) > 1:
            d = rng.choice(dirs[1:])
            shutil.rmtree(self.path(d))
            return "delete directory %s" % d
        pool = [f for f in files + links if f != ".gitignore"]
        if not pool:
            return self.op_create()
        f = rng.choice(pool)
        os.unlink(self.path(f))
        return "delete %s" % f

    def op_rename(self):
        rng = self.rng
        files, links, dirs = self.scan()
        pool = [f for f in files + links if f != ".gitignore"]
        if not pool:
            return self.op_create()
        src = rng.choice(pool)
        r = rng.random()
        if r < 0.05 and len(dirs) > 1:  # a whole directory
            src = rng.choice(dirs[1:])
            dst = self.new_name("")
            os.rename(self.path(src), self.path(dst))
            return "mv directory %s %s" % (src, dst)
        if r < 0.2:  # the same basename elsewhere: the pairing git prefers
            d = rng.choice(dirs)
            dst = (d + "/" if d else "") + os.path.basename(src)
            if os.path.lexists(self.path(dst)):
                dst = self.new_name(d)
        elif r < 0.5:
            dst = self.new_name(os.path.dirname(src))
        else:
            dst = self.new_name()
        how = "mv"
        if rng.random() < 0.3 and self.git("mv", src, dst, check=False).returncode == 0:
            how = "git mv"
        else:
            os.makedirs(os.path.dirname(self.path(dst)), exist_ok=True)
            os.rename(self.path(src), self.path(dst))
        desc = "%s %s %s" % (how, src, dst)
        if rng.random() < 0.4 and not os.path.islink(self.path(dst)):
            data = self.read(dst)
            if b"\0" not in data[:8000]:
                lines = data.splitlines(keepends=True)
                for _ in range(rng.randrange(1, 4)):
                    i = rng.randrange(len(lines) + 1)
                    lines[i:i + rng.randrange(3)] = text(rng, rng.randrange(1, 4)).splitlines(
                        keepends=True)
                self.write(dst, b"".join(lines))
                desc += " and edit it"
        return desc

    def op_copy(self):
        files, _, _ = self.scan()
        if not files:
            return self.op_create()
        src = self.rng.choice(files)
        dst = self.new_name()
        shutil.copyfile(self.path(src), self.path(dst))
        return "copy %s %s" % (src, dst)

    def op_chmod(self):
        f = self.pick_file()
        if f is None:
            return self.op_create()
        mode = os.stat(self.path(f)).st_mode
        mode = mode & ~0o111 if mode & 0o100 else mode | 0o111
        os.chmod(self.path(f), mode & 0o7777)
        return "chmod %s %s" % ("+x" if mode & 0o100 else "-x", f)

    def op_symlink(self):
        rng = self.rng
        files, links, dirs = self.scan()
        if links and rng.random() < 0.45:
            f = rng.choice(links)
            os.unlink(self.path(f))
            self.write(f, text(rng))
            return "symlink %s becomes a file" % f
        f = self.pick_file()
        if f is None:
            return self.op_create()
        targets = files + dirs[1:] + ["nowhere", "../outside"]
        target = rng.choice(targets)
        target = os.path.relpath(target, os.path.dirname(f) or ".") if target in files + dirs \
            else target
        os.unlink(self.path(f))
        os.symlink(target, self.path(f))
        return "file %s becomes a symlink to %s" % (f, target)

    def op_dirify(self):
        f = self.pick_file()
        if f is None:
            return self.op_create()
        os.unlink(self.path(f))
        os.mkdir(self.path(f))
        self.write(f + "/inside.txt", text(self.rng, 3))
        return "file %s becomes a directory" % f

    def op_touch(self):
        f = self.pick_file()
        if f is None:
            return self.op_create()
        os.utime(self.path(f))
        return "touch %s" % f

    def op_ignored(self):
        rng = self.rng
        if rng.random() < 0.7:
            name = rng.choice(["a.o", "b.o", "gen/c.txt", "new/d%d" % rng.randrange(9)])
            rel = "%s/%s" % (IGNORED_DIR, name)
        else:
            _, _, dirs = self.scan()
            d = rng.choice(dirs)
            rel = (d + "/" if d else "") + "debug%d.log" % rng.randrange(5)
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "ab") as fh:
            fh.write(text(rng, rng.randrange(1, 30)))
        return "write ignored %s" % rel

    def op_restore(self):
        tracked = self.tracked()
        if not tracked:
            return self.op_edit()
        f = self.rng.choice(tracked)
        p = self.git("checkout", "-q", "--", f, check=False)
        return "git checkout -- %s (%d)" % (f, p.returncode)

    def op_add(self):
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            args = ["add", "-A"]
        elif r < 0.3:
            args = ["add", "-u"]
        elif r < 0.8:
            files, links, _ = self.scan()
            if not files + links:
                return self.op_create()
            pool = files + links
            args = ["add", "--"] + rng.sample(pool, min(len(pool), rng.randrange(1, 4)))
        else:
            tracked = self.tracked()
            if not tracked:
                return self.op_create()
            args = ["rm", "-q", "--cached", "--", rng.choice(tracked)]
        p = self.git(*args, check=False)
        return "git %s (%d)" % (" ".join(args), p.returncode)

    def op_commit(self, step):
        rng = self.rng
        r = rng.random()
        msg = "step %d" % step
        if r < 0.4:
            args = ["commit", "-qa", "-m", msg]
        elif r < 0.7:
            args = ["commit", "-q", "-m", msg]
        elif r < 0.9:
            tracked = self.tracked()
            if not tracked:
                return self.op_create()
            args = ["commit", "-q", "-m", msg, "--"] + rng.sample(tracked, min(2, len(tracked)))
        else:
            args = ["commit", "-q", "--allow-empty", "-m", msg]
        p = self.git(*args, check=False)
        return "git %s (%d)" % (" ".join(args), p.returncode)

    def op_amend(self, step):
        args = ["commit", "-q", "--amend", "-m", "amended at step %d" % step]
        if self.rng.random() < 0.5:
            args.insert(2, "-a")
        p = self.git(*args, check=False)
        return "git %s (%d)" % (" ".join(args), p.returncode)

    def back(self):
        """HEAD~k for a k that exists and is not older than the setup commit (before it there is
        no .gitignore, no symlink, little to work on), or None."""
        for _ in range(3):
            rev = "HEAD~%d" % self.rng.randrange(1, 4)
            if self.git("merge-base", "--is-ancestor", self.setup_commit, rev,
                        check=False).returncode == 0:
                return rev
            self.refused -= 1  # not a command of the user's
        return None

    def op_branch(self, step):
        rng = self.rng
        r = rng.random()
        others = [b for b in self.branches()]
        if r < 0.3:
            args = ["checkout", "-q", "-b", "s%d" % step]
        elif r < 0.65 and others:
            args = ["switch", "-q", rng.choice(others)]
        elif r < 0.75 and others:
            args = ["checkout", "-q", "-f", rng.choice(others)]
        elif r < 0.85 and others:
            args = ["checkout", "-q", rng.choice(others)]
        else:
            rev = self.back()
            if rev is None:
                args = ["checkout", "-q", "-b", "s%d" % step]
            elif rng.random() < 0.5:
                args = ["checkout", "-q", "--detach", rev]
            else:
                args = ["switch", "-q", "-c", "s%d" % step, rev]
        p = self.git(*args, check=False)
        return "git %s (%d)" % (" ".join(args), p.returncode)

    def op_reset(self):
        rev = self.back()
        if rev is None:
            return self.op_edit()
        mode = self.rng.choice(["--hard", "--mixed", "--soft"])
        p = self.git("reset", "-q", mode, rev, check=False)
        return "git reset %s %s (%d)" % (mode, rev, p.returncode)

    def op_stash(self):
        rng = self.rng
        if rng.random() < 0.5 and self.git("stash", "list").stdout:
            args = ["stash", "pop", "-q"]
        else:
            args = ["stash", "-q"] + (["-u"] if rng.random() < 0.3 else [])
        p = self.git(*args, check=False)
        return "git %s (%d)" % (" ".join(args), p.returncode)

    def op_merge(self):
        others = self.branches()
        if not others:
            return self.op_edit()
        b = self.rng.choice(others)
        p = self.git("merge", "-q", "--no-edit", b, check=False)
        return "git merge %s (%d)" % (b, p.returncode)

    def conflicted(self):
        return os.path.exists(os.path.join(self.gitdir, "MERGE_HEAD")) or \
            bool(self.git("ls-files", "-u").stdout)

    def op_resolve(self):
        """Out of a conflict (a merge or a stash pop) as a user gets out of one."""
        merging = os.path.exists(os.path.join(self.gitdir, "MERGE_HEAD"))
        r = self.rng.random()
        if merging and r < 0.3:
            args = [["merge", "--abort"]]
        elif r < 0.7:
            args = [["add", "-A"]] + ([["commit", "-q", "--no-edit"]] if merging else [])
        else:
            args = [["reset", "-q", "--merge" if merging else "--mixed"]]
        rcs = [self.git(*a, check=False).returncode for a in args]
        return "resolve: %s (%s)" % ("; ".join("git " + " ".join(a) for a in args), rcs)

    OPS = [  # (weight, name): most steps are edits, as in real work
        (30, "edit"), (3, "samesize"), (8, "append"), (2, "truncate"), (8, "create"), (5, "delete"),
        (8, "rename"), (2, "copy"), (3, "chmod"), (2, "symlink"), (1, "dirify"), (2, "touch"),
        (3, "ignored"), (2, "restore"), (5, "add"), (5, "commit"), (3, "branch"), (2, "reset"),
        (2, "stash"), (2, "amend"), (1, "merge"),
    ]

    def step(self, step, in_conflict):
        if in_conflict and self.rng.random() < 0.5:
            return "resolve", self.op_resolve()
        total = sum(w for w, _ in self.OPS)
        x = self.rng.randrange(total)
        for w, name in self.OPS:
            if x < w:
                break
            x -= w
        fn = getattr(self, "op_" + name)
        return name, fn(step) if name in ("commit", "amend", "branch") else fn()


class Checker:
    def __init__(self, repo, base_file, tmp):
        self.repo = repo
        self.base_file = base_file
        with open(base_file) as f:
            base = json.load(f)
        self.tree = base["tree"]
        self.tips = sorted({t["oid"] for t in base["tips"] if t.get("oid")})
        self.tool = os.environ["TOOL"]
        self.stint = os.environ["STINT"]
        self.index_copy = os.path.join(tmp, "git-index")
        self.commit_sums = {}
        self.env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")

    def git(self, *args, env=None):
        return self.repo.git(*args, env=env or self.env).stdout

    def fingerprint(self):
        """What stint promises not to touch: the index, HEAD, refs, the git directory's names."""
        gd = self.repo.gitdir
        h = hashlib.sha256()
        try:
            st = os.stat(os.path.join(gd, "index"))
            h.update(repr((st.st_size, st.st_mtime_ns, st.st_ino)).encode())
            h.update(open(os.path.join(gd, "index"), "rb").read())
        except FileNotFoundError:
            h.update(b"no index")
        for name in ("HEAD", "packed-refs"):
            try:
                h.update(open(os.path.join(gd, name), "rb").read())
            except FileNotFoundError:
                pass
        for dirpath, dirnames, filenames in os.walk(os.path.join(gd, "refs")):
            dirnames.sort()
            for fn in sorted(filenames):
                h.update(dirpath.encode() + b"/" + fn.encode())
                h.update(open(os.path.join(dirpath, fn), "rb").read())
        h.update(repr(sorted(n for n in os.listdir(gd) if n != "objects")).encode())
        return h.hexdigest()

    def git_numstat(self):
        """gitstats-lib.sh's git_numstat: untracked files -N'd in a private copy of the index."""
        idx = os.path.join(self.repo.gitdir, "index")
        if os.path.exists(idx):
            shutil.copyfile(idx, self.index_copy)
            os.utime(self.index_copy, (1, 1))  # every entry racy: see git_numstat
        elif os.path.exists(self.index_copy):
            os.unlink(self.index_copy)
        env = dict(self.env, GIT_INDEX_FILE=self.index_copy)
        self.git("-c", "core.splitIndex=false", "add", "-N", ".", env=env)
        return gitstats_lib.records(self.git("diff", "-M", "--numstat", "-z", self.tree, env=env))

    def stat_data(self, diff):
        """The index's and the file system's stat data of the paths in a numstat diff: what a
        racy-git question needs."""
        out = []
        paths = sorted({eval(l.split("\t")[3]).decode() for l in diff if l[:1] in "+-" and
                        l.count("\t") == 3})
        idx = os.path.join(self.repo.gitdir, "index")
        st = os.stat(idx)
        out.append("index: mtime %d.%09d" % (st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9))
        for p in paths:
            e = self.git("ls-files", "--debug", "-s", "--", p).decode().strip().replace("\n", "; ")
            try:
                st = os.lstat(self.repo.path(p))
                f = "mtime %d.%09d ctime %d.%09d ino %d size %d" % (
                    st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9, st.st_ctime_ns // 10**9,
                    st.st_ctime_ns % 10**9, st.st_ino, st.st_size)
            except OSError as e2:
                f = str(e2)
            h = self.repo.git("hash-object", "--", p, check=False).stdout.decode().strip()
            b = self.repo.git("rev-parse", "-q", "--verify", "%s:%s" % (self.tree, p),
                              check=False).stdout.decode().strip()
            out.append("%s: index [%s]; file: %s, hash-object %s; baseline %s" % (
                p, e or "not in the index", f, h, b or "none"))
        return "\n".join(out)

    def truth(self):
        """git's answer for the current state: numstat records, HEAD, branch, new commits."""
        head = self.git("rev-parse", "HEAD").decode().strip()
        try:
            with open(os.path.join(self.repo.gitdir, "HEAD")) as f:
                ref = f.read().strip()
        except FileNotFoundError:
            ref = ""
        branch = ref[len("ref: refs/heads/"):] if ref.startswith("ref: refs/heads/") else None
        new = self.git("rev-list", "HEAD", "--branches", "--not", *self.tips).decode().split()
        return self.git_numstat(), head, branch, sorted(new)

    def commit_sums_of(self, h):
        if h not in self.commit_sums:
            parent = self.repo.git("rev-parse", "-q", "--verify", h + "^1", check=False)
            parent = parent.stdout.decode().strip() or gitstats_lib.EMPTY_TREE
            self.commit_sums[h] = gitstats_lib.sums(gitstats_lib.records(
                self.git("diff-tree", "-r", "-M", "--numstat", "-z", parent, h), strict=False))
        return self.commit_sums[h]

    def check(self):
        """stint-gitstats against git; returns git's (head, files, added, removed, commits)."""
        before = self.fingerprint()
        p = subprocess.run([self.tool, "diff", "--json", self.repo.root, self.base_file],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise Failure("stint-gitstats diff failed (%d): %s" % (
                p.returncode, p.stderr.decode(errors="replace")))
        if self.fingerprint() != before:
            raise Failure("stint-gitstats diff changed the repository (index, HEAD or refs)")
        s = json.loads(p.stdout)
        recs, head, branch, new = self.truth()
        want = gitstats_lib.norm(recs)
        got = gitstats_lib.norm([
            (b"-" if f["binary"] else str(f["added"]).encode(),
             b"-" if f["binary"] else str(f["removed"]).encode(),
             f["old_path"].encode() if f["old_path"] is not None else None,
             f["path"].encode()) for f in s["files"]])
        if want != got:
            diff = difflib.unified_diff(want.split("\n"), got.split("\n"), "git", "stint", n=0,
                                        lineterm="")
            diff = list(diff)[2:]
            raise Failure("numstat differs from git's (added removed old new):\n%s\n%s" % (
                "\n".join(diff), self.stat_data(diff)))
        a, r, n = gitstats_lib.sums(recs)
        if (s["added"], s["removed"], s["files_changed"]) != (a, r, n):
            raise Failure("totals: git %s, stint %s" % (
                (a, r, n), (s["added"], s["removed"], s["files_changed"])))
        if s["measured_from"] != self.tree or s["pulled"] != 0:
            raise Failure("stint moved the baseline (measured from %s, %d pulled): nothing was "
                          "pulled" % (s["measured_from"], s["pulled"]))
        if s["head"] != head:
            raise Failure("head: git %s, stint %s" % (head, s["head"]))
        if branch is not None and s["branch"] != branch:
            raise Failure("branch: git %s, stint %s" % (branch, s["branch"]))
        if branch is None and not s["branch"].startswith("detached at " + head[:7]):
            raise Failure("branch: HEAD is detached at %s, stint says %s" % (head, s["branch"]))
        listed = sorted(c["hash"] for c in s["commit_list"])
        if listed != new or s["commits"] != len(new):
            raise Failure("new commits: git (rev-list HEAD --branches --not <tips>) %s, stint %d %s"
                          % (new, s["commits"], listed))
        for c in s["commit_list"]:
            if (c["added"], c["removed"], c["files"]) != self.commit_sums_of(c["hash"]):
                raise Failure("stats of commit %s (%s): git diff-tree %s, stint %s" % (
                    c["hash"], c["subject"], self.commit_sums_of(c["hash"]),
                    (c["added"], c["removed"], c["files"])))
        return head, n, a, r, len(new)

    def daemon_numbers(self):
        p = subprocess.run([self.stint, "status", "--json", "-C", self.repo.root],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            st = json.loads(p.stdout)["sessions"][0]
        except (ValueError, KeyError, IndexError):
            return "no session in: %r %r" % (p.stdout, p.stderr)
        got = (st.get("head"), st.get("files_changed"), st.get("added"), st.get("removed"),
               st.get("commits"))
        return got if "git_error" not in st else (got, st["git_error"])

    def check_daemon(self, want):
        """Waits (bounded) until stintd's status shows git's numbers."""
        deadline = time.monotonic() + DAEMON_WAIT_S
        while True:
            got = self.daemon_numbers()
            if got == want:
                return
            if time.monotonic() > deadline:
                raise Failure("stintd's status (head, files, added, removed, commits) never became "
                              "git's within %d s:\n  git    %s\n  stintd %s" % (
                                  DAEMON_WAIT_S, want, got))
            time.sleep(0.05)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "setup":
        Repo(sys.argv[2], int(sys.argv[3])).setup()
        return 0
    if len(sys.argv) != 8 or sys.argv[1] != "run":
        sys.exit(__doc__)
    root, base, tmp, seed, steps, every = sys.argv[2:]
    seed, steps, every = int(seed), int(steps), int(every)
    repo = Repo(root, seed)
    repo.setup_commit = repo.git("rev-list", "-1", "--fixed-strings", "--grep", SETUP_SUBJECT,
                                 "HEAD").stdout.decode().strip()
    checker = Checker(repo, base, tmp)
    gitstats_lib.EMPTY_TREE = checker.git("hash-object", "-t", "tree", "/dev/null").decode().strip()
    history, counts, failed = [], {}, {}
    daemon_checks, started = 0, time.monotonic()
    in_conflict = False
    want = checker.check()  # step 0: the baseline itself
    for i in range(1, steps + 1):
        try:
            refused = repo.refused
            name, desc = repo.step(i, in_conflict)
            history.append("%d: %s" % (i, desc))
            counts[name] = counts.get(name, 0) + 1
            if repo.refused != refused:
                failed[name] = failed.get(name, 0) + 1
            if name in ("merge", "stash", "resolve"):
                in_conflict = repo.conflicted()
            want = checker.check()
            if i % every == 0 or i == steps:
                checker.check_daemon(want)
                daemon_checks += 1
        except Exception as e:  # a Failure, or the driver's own bug: both say where
            if not isinstance(e, Failure):
                traceback.print_exc()
            print("FAIL: step %d of seed %d: %s" % (i, seed, e), file=sys.stderr)
            print("replay: STINT_RANDOM_SEED=%d STINT_RANDOM_STEPS=%d; the last steps:" % (seed, i),
                  file=sys.stderr)
            print("\n".join("  " + h for h in history[-15:]), file=sys.stderr)
            return 1
        if i % 1000 == 0:
            print("step %d: %.0f s, now %d files +%d -%d, %d commits" % (
                i, time.monotonic() - started, want[1], want[2], want[3], want[4]), flush=True)
    print("%d steps of seed %d in %.1f s, %d stintd checks; operations (git refused): %s" % (
        steps, seed, time.monotonic() - started, daemon_checks,
        ", ".join("%s %d%s" % (k, v, " (%d)" % failed[k] if k in failed else "")
                  for k, v in sorted(counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
