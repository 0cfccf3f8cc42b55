#!/usr/bin/env python3
"""The benchmarks' large worktree: 50 000 files of 20 lines in 5 000 directories (d00/s000 ...).
Usage: bench/wide-tree.py ROOT"""
import os
import sys

root = sys.argv[1]
for d in range(5000):
    p = os.path.join(root, "d%02d" % (d // 100), "s%03d" % d)
    os.makedirs(p, exist_ok=True)
    for f in range(10):
        with open(os.path.join(p, "f%d.txt" % f), "w") as fh:
            fh.write("".join("line %d of file %d/%d\n" % (i, d, f) for i in range(20)))
