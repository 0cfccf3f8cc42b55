#!/usr/bin/env python3
"""The kill -9 soak's checker (tests/soak/kill9.sh): every acknowledged item is where it must be.

  soak_check.py store DB STATE ACKS... [--all-logs]   the store, read-only while stintd is down
  soak_check.py live STATE < status.json              the open sessions after a restart

An ack file has one line per acknowledged request: KIND<TAB>TEXT<TAB>REPLY (the CLI's JSON).
STATE (JSON) keeps what earlier rounds saw: each session's start time, the logs checked.
Prints one line of counts; exits 1 naming every lost or changed item.
"""
import datetime
import json
import os
import sqlite3
import sys


def parse_acks(paths):
    acks = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                kind, text, reply = line.rstrip("\n").split("\t", 2)
                try:
                    r = json.loads(reply)
                except ValueError as e:
                    sys.exit(f"{path}:{n}: {kind} {text}: the acknowledged reply is no JSON ({e}): {reply}")
                acks.append((f"{path}:{n}", kind, text, r))
    return acks


def load_state(path):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    else:
        state = {"started": {}, "logs_checked": [], "stopped_checked": []}
    state["logs_checked"] = set(state["logs_checked"])
    state["stopped_checked"] = set(state["stopped_checked"])
    return state


def save_state(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({k: sorted(v) if isinstance(v, set) else v for k, v in state.items()}, f)
    os.replace(tmp, path)


def epoch_s(iso):
    return int(datetime.datetime.fromisoformat(iso).timestamp())


def check_store(db, state_path, ack_paths, all_logs):
    problems = []
    # mode=ro: the checker must not change what the next stintd finds.
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.append(f"PRAGMA integrity_check: {integrity}")
    events = set()
    for sid, kind, payload in con.execute(
        "SELECT session_id, kind, payload FROM events WHERE kind IN ('note', 'todo')"
    ):
        events.add((sid, kind, json.loads(payload).get("text")))
    stored = {}  # session id -> every note and todo text in the store, acknowledged or not
    for sid, kind, text in events:
        stored.setdefault(sid, []).append(text)
    sessions = {
        sid: (repo, st, started, log)
        for sid, repo, st, started, log in con.execute(
            "SELECT id, repo, state, started_wall, log_path FROM sessions"
        )
    }
    con.close()

    state = load_state(state_path)
    acks = parse_acks(ack_paths)
    counts = {"note": 0, "todo": 0, "start": 0, "stop": 0}
    items = {}  # session id -> acknowledged note and todo texts
    for where, kind, text, r in acks:
        counts[kind] += 1
        sid = r.get("session", {}).get("id")
        if kind in ("note", "todo"):
            items.setdefault(sid, []).append(text)
            if (sid, kind, text) not in events:
                problems.append(f"LOST {kind} [{text}] acknowledged for session {sid} ({where}): not in the store")
        elif kind == "start":
            row = sessions.get(sid)
            if row is None:
                problems.append(f"LOST start of session {sid} [{text}] ({where}): no such session in the store")
            elif row[2] // 1000 != epoch_s(r["session"]["started_at"]):
                problems.append(
                    f"CHANGED start of session {sid} ({where}): acknowledged {r['session']['started_at']}, "
                    f"the store has started_wall {row[2]}"
                )
    for where, kind, text, r in acks:
        if kind != "stop":
            continue
        sid, log = r["session"]["id"], r.get("log")
        row = sessions.get(sid)
        if row is None or row[1] != "stopped" or row[3] != log:
            problems.append(f"LOST stop of session {sid} ({where}): acknowledged with log {log}, the store has {row}")
            continue
        if not all_logs and log in state["logs_checked"]:
            continue
        try:
            with open(log, encoding="utf-8") as f:
                md = f.read()
        except OSError as e:
            problems.append(f"LOST log of session {sid} ({where}): {e}")
            continue
        for t in items.get(sid, []):
            if t not in md:
                problems.append(f"LOST [{t}] acknowledged for session {sid}: in the store, not in its log {log}")
        state["logs_checked"].add(log)
    # Not the contract (unacknowledged items may be anywhere), but worth seeing: items in the
    # store of a stopped session that its log lacks, and stopped sessions without their log.
    unlogged = missing_logs = 0
    for sid, (repo, st, started, log) in sessions.items():
        if st != "stopped" or not log or (not all_logs and sid in state["stopped_checked"]):
            continue
        state["stopped_checked"].add(sid)
        try:
            with open(log, encoding="utf-8") as f:
                md = f.read()
        except OSError:
            missing_logs += 1
            continue
        unlogged += sum(1 for t in stored.get(sid, []) if t not in md)
    # Requests the kill cut between the commit and the reply: they show the kills land mid-request.
    acked_texts = {text for _, kind, text, _ in acks if kind in ("note", "todo")}
    unacked = sum(1 for _, _, text in events if text not in acked_texts)
    # A session's start time never moves, whatever kills came between.
    for sid, row in sessions.items():
        was = state["started"].setdefault(str(sid), row[2])
        if was != row[2]:
            problems.append(f"CHANGED start of session {sid}: started_wall was {was}, now {row[2]}")
    save_state(state_path, state)
    lost = sum(1 for p in problems if p.startswith(("LOST", "CHANGED")))
    print(
        f"acked {len(acks)} (notes {counts['note']}, todos {counts['todo']}, starts {counts['start']}, "
        f"stops {counts['stop']}) lost {lost} integrity {'ok' if integrity == ['ok'] else 'FAILED'} "
        f"sessions {len(sessions)} (stored without acknowledgement {unacked}, unacknowledged items in the store but not in the log {unlogged}, "
        f"stopped sessions without their log {missing_logs})"
    )
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def check_live(state_path):
    state = load_state(state_path)
    problems = []
    for s in json.load(sys.stdin)["sessions"]:
        was = state["started"].get(str(s["id"]))
        if was is not None and was // 1000 != epoch_s(s["started_at"]):
            problems.append(f"CHANGED start of session {s['id']}: the store had {was}, status says {s['started_at']}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "store":
        all_logs = "--all-logs" in argv
        return check_store(argv[2], argv[3], [a for a in argv[4:] if a != "--all-logs"], all_logs)
    if len(argv) == 3 and argv[1] == "live":
        return check_live(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
