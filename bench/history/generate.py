#!/usr/bin/env python3
"""Fills a stint store (made by the real stintd, so in the real schema) with closed sessions.

generate.py DB [SESSIONS] [EVENTS_PER_SESSION]: 100 000 sessions and 1 000 000 events by
default, spread over the two years before now: 20 repositories, tags, branches, a focus on
some, sessions from minutes to hours with pauses, one in twelve across local midnight; each
with its active spans and statistics as stintd stores them at stop (docs/reports.md), and
events in the kinds and payloads stintd writes. Also writes timew.data, the same intervals
in Timewarrior's data format (DB's directory, timew/), for the reference measurement
(bench/history/run).
"""
import json
import random
import sqlite3
import sys
import time
import uuid

db_path = sys.argv[1]
n_sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
per = int(sys.argv[3]) if len(sys.argv) > 3 else 10
rnd = random.Random(14)
now_ms = int(time.time() * 1000)
start_ms = now_ms - 2 * 365 * 86400 * 1000
repos = ["repo%02d" % i for i in range(20)]
tags = ["api", "ui", "ops", "docs", "bug", "review", "infra", "perf"]
boot = str(uuid.UUID(int=rnd.getrandbits(128)))

db = sqlite3.connect(db_path)
assert db.execute("PRAGMA user_version").fetchone()[0] >= 6, "run stintd once on it first"
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = OFF")

sessions, events, timew = [], [], []
# Sessions follow each other over two years: about 137 a day, 5 minutes to 3 hours long.
step = (now_ms - start_ms - 4 * 3600 * 1000) // n_sessions
for i in range(n_sessions):
    sid = i + 1
    begin = start_ms + i * step + rnd.randrange(0, max(1, step // 4))
    if i % 12 == 0:  # one in twelve over local midnight, as far as the spread allows
        begin = begin - begin % 86400000 + 86400000 - rnd.randrange(600, 3600) * 1000
    length = rnd.randrange(300, 3 * 3600) * 1000
    # Everything closed before now, as in a real store.
    begin = min(begin, now_ms - length - 60000)
    end = begin + length
    # A pause in the middle of one in four.
    if i % 4 == 0:
        a, b = begin + length // 3, begin + length // 3 + length // 6
        spans = [[begin, a], [b, end]]
        paused = (b - a) // 1000
    else:
        spans = [[begin, end]]
        paused = 0
    active = sum(y - x for x, y in spans) // 1000
    repo = repos[rnd.randrange(len(repos))]
    t = rnd.sample(tags, rnd.randrange(0, 3))
    commits = rnd.randrange(0, 6)
    files = rnd.randrange(0, 12)
    sessions.append((sid, "/home/dev/src/" + repo, repo, rnd.choice(["main", "dev", "feature"]),
                     "0" * 40, "Dev", "focus %d" % (i % 50) if i % 3 else None,
                     json.dumps(t), "stopped", begin, end, active, (end - begin) // 1000,
                     paused, None, 0, 0, json.dumps(spans), commits, files,
                     rnd.randrange(0, 400), rnd.randrange(0, 200)))
    # Events: start, touched/commit/note in between, stop; mono and boot stamps follow wall.
    kinds = ["start"] + [rnd.choice(["touched", "touched", "commit", "note"]) for _ in range(per - 2)] + ["stop"]
    for k, kind in enumerate(kinds):
        wall = begin + (end - begin) * k // (per - 1)
        payload = None
        if kind == "touched":
            payload = json.dumps({"files": ["src/f%d.c" % rnd.randrange(50)]})
        elif kind == "note":
            payload = json.dumps({"text": "a note %d" % k, "kind": "note"})
        elif kind == "commit":
            payload = json.dumps({"hash": "%040x" % rnd.getrandbits(160), "subject": "work"})
        ns = (wall - start_ms) * 1000000
        events.append((sid, kind, ns, ns, wall, boot, payload))
    for x, y in spans:
        timew.append("inc %s - %s # %s %s\n" % (
            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(x / 1000)),
            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(y / 1000)), repo, " ".join(t)))

db.executemany(
    "INSERT INTO sessions (id, repo, repo_name, branch, head, author, focus, tags, state, "
    "started_wall, ended_wall, active_s, wall_s, paused_s, log_path, idle_s, suspended_s, spans, "
    "commits, files, added, removed) VALUES (" + ", ".join("?" * 22) + ")", sessions)
db.executemany(
    "INSERT INTO events (session_id, kind, mono_ns, boot_ns, wall_ms, boot_id, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)", events)
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
# Timewarrior keeps one file per month, intervals in order.
import os
tdir = os.path.join(os.path.dirname(db_path), "timew", "data")
os.makedirs(tdir, exist_ok=True)
open(os.path.join(tdir, "..", "timewarrior.cfg"), "w").close()
months = {}
for line in timew:
    months.setdefault(line[4:8] + "-" + line[8:10], []).append(line)
for m, lines in months.items():
    with open(os.path.join(tdir, m + ".data"), "w") as f:
        f.writelines(lines)
print("%d sessions, %d events, %d intervals" % (len(sessions), len(events), len(timew)))
