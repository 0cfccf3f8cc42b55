"""git's `--numstat -z` records read the same way for every gitstats test: the shell helpers in
gitstats-lib.sh run this file (norm, sums), test_gitstats_random.py imports it."""
import sys


def records(data, strict=True):
    """(added, removed, old_path, path) of each `git diff --numstat -z` record, as bytes; a
    binary file's counts are b"-", old_path is None unless the file was renamed. strict=False
    skips what is not a record (the commit ids diff-tree prints)."""
    toks = data.split(b"\0")
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        i += 1
        if b"\t" not in t:
            if strict and t.strip(b"\n"):
                raise ValueError("not a numstat record: %r" % t)
            continue
        a, r, p = t.lstrip(b"\n").split(b"\t", 2)
        old = None
        if p == b"":
            old, p = toks[i], toks[i + 1]
            i += 2
        out.append((a, r, old, p))
    return out


def norm(recs):
    """Records as sorted lines with quoted paths, for comparing and for people."""
    return "\n".join(sorted("%s\t%s\t%r\t%r" % (a.decode(), r.decode(), old, p)
                            for a, r, old, p in recs))


def sums(recs):
    """(added, removed, files): a binary file counts as a file without lines."""
    a = r = 0
    for x, y, _, _ in recs:
        if x != b"-":
            a += int(x)
            r += int(y)
    return a, r, len(recs)


if __name__ == "__main__":
    if sys.argv[1:] == ["norm"]:
        print(norm(records(sys.stdin.buffer.read())))
    elif sys.argv[1:] == ["sums"]:
        print(*sums(records(sys.stdin.buffer.read(), strict=False)))
    else:
        sys.exit("usage: gitstats_lib.py norm|sums <numstat-z")
