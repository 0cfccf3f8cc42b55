#!/usr/bin/env bash
# The damaged store (issue 13, items 1, 2 and 9): a damaged page under an open session, a
# zero-length or unreadable store, the backups stintd keeps, and stint doctor.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

DB="$XDG_STATE_HOME/stint/stint.db"
BACKUPS="$XDG_STATE_HOME/stint/backups"
# A hang fails the test instead of stalling it.
bounded() { timeout 30 "$@"; }

# SQLite's own verdict on a database file: "ok", or what is wrong.
quick_check() {
	python3 - "$1" <<'PY'
import sqlite3, sys
try:
    c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    print(c.execute("PRAGMA quick_check").fetchone()[0])
except sqlite3.DatabaseError as e:
    print(e)
PY
}

# Writes garbage over the leftmost leaf page of the events table (the oldest events: the open
# session of repo a), the store being closed.
damage_oldest_events() {
	python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
size = c.execute("PRAGMA page_size").fetchone()[0]
pages = c.execute("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' "
                  "ORDER BY path").fetchall()
c.close()
assert len(pages) > 2, "the events table fits in %d pages; the test needs more" % len(pages)
with open(sys.argv[1], "r+b") as f:
    f.seek((pages[0][0] - 1) * size)
    f.write(b"\xde\xad\xbe\xef" * (size // 4))
PY
}

long=$(printf 'a long note to fill pages %.0s' $(seq 1 12))

# --- a damaged page under an open session's events ---
make_repo "$T/a"
make_repo "$T/b"
daemon_start
"$STINT" start -C "$T/a" --focus "damaged one" >/dev/null
for i in $(seq 1 40); do "$STINT" note -C "$T/a" "$i $long" >/dev/null; done
"$STINT" start -C "$T/b" --focus "healthy one" >/dev/null
for i in $(seq 1 40); do "$STINT" note -C "$T/b" "$i $long" >/dev/null; done
ida=$("$STINT" status --json -C "$T/a" | json_get '["sessions"][0]["id"]')
daemon_stop
[ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ] || fail "the WAL was not checkpointed on SIGTERM"
cp "$DB" "$T/healthy.db"
damage_oldest_events
verdict=$(quick_check "$DB")
[ "$verdict" != ok ] || fail "the store is not damaged after the garbage write"

daemon_start
# The repository of the damaged session is not blocked: a new session starts there.
set +e
out=$(bounded "$STINT" start -C "$T/a" --focus "after the damage" 2>&1)
rc=$?
set -e
expect_eq 0 "$rc" "start in the damaged session's repository ($out)"
status=$(bounded "$STINT" status 2>&1)
expect_contains "$status" "damaged" "status says the store is damaged"
expect_contains "$status" "$DB" "status names the file"
expect_contains "$(cat "$DAEMON_LOG")" "$DB is damaged" "the daemon's message names the damaged file"
expect_contains "$(cat "$DAEMON_LOG")" "stint doctor" "the daemon's message says what to do"
expect_contains "$(cat "$DAEMON_LOG")" "session $ida" "the daemon's message names the session"
# The healthy session kept all its notes.
expect_eq 40 "$("$STINT" status --json -C "$T/b" | json_get '["sessions"][0]["notes"]')" \
	"the healthy session's notes"
# The damaged session is closed as damaged, on record.
list=$("$STINT" list --json -C "$T/a")
expect_eq "$ida" "$(echo "$list" | json_get '["sessions"][0]["id"]')" "the damaged session is listed"
expect_contains "$(echo "$list" | json_get '["sessions"][0]["damaged"]')" "malformed" \
	"the list says why the session was closed"
"$STINT" note -C "$T/a" "acknowledged after the damage" >/dev/null

# --- stint doctor on the damaged store: names what is wrong, lists the backups ---
set +e
report=$(bounded "$STINT" doctor 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "doctor's status on a damaged store ($report)"
expect_contains "$report" "$DB: damaged" "doctor's verdict names the file"
expect_contains "$report" "malformed" "doctor says what SQLite found"
expect_contains "$report" "session $ida in $T/a was closed as damaged" "doctor names the closed session"
newest=$(ls "$BACKUPS" | sort | tail -n 1)
[ -n "$newest" ] || fail "no backup was made at the clean exit: $(ls -la "$BACKUPS" 2>&1)"
expect_contains "$report" "$BACKUPS/$newest" "doctor lists the newest backup"
has_line "$report" "  $BACKUPS/$newest  $(date -u -d "$(echo "$newest" | sed -E 's/stint-(....)(..)(..)T(..)(..)(..)Z.db/\1-\2-\3 \4:\5:\6/')" '+%Y-%m-%d %H:%M:%S UTC')  good" \
	"doctor dates the newest backup and finds it good"

# --- doctor --restore: refused while stintd runs, then puts the backup in place ---
set +e
out=$(bounded "$STINT" doctor --restore 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "restore while stintd runs ($out)"
expect_contains "$out" "stintd (pid $DAEMON_PID) is running" "the refusal names the running stintd"
[ "$(quick_check "$DB")" != ok ] || fail "the refused restore changed the store"
daemon_stop
set +e
out=$(bounded "$STINT" doctor --restore 2>&1)
rc=$?
set -e
expect_eq 0 "$rc" "restore once stintd is stopped ($out)"
aside=$(ls "$DB".damaged-* | head -n 1)
[ -f "$aside" ] || fail "the damaged store was not kept aside: $out"
expect_contains "$out" "$aside" "restore says where the damaged store is"
expect_eq ok "$(quick_check "$DB")" "the restored store's check"
expect_eq 600 "$(stat -c %a "$DB")" "the restored store's mode"
bounded "$STINT" doctor >/dev/null || fail "doctor after the restore: $("$STINT" doctor 2>&1)"
daemon_start
# The backup was made at the last clean exit: both sessions come back whole.
expect_eq "$ida" "$("$STINT" status --json -C "$T/a" | json_get '["sessions"][0]["id"]')" \
	"the damaged session is back from the backup"
expect_eq 40 "$("$STINT" status --json -C "$T/a" | json_get '["sessions"][0]["notes"]')" \
	"the damaged session's notes are back"
expect_eq 40 "$("$STINT" status --json -C "$T/b" | json_get '["sessions"][0]["notes"]')" \
	"the healthy session's notes after the restore"
lacks "$("$STINT" status 2>&1)" "warning" "status after the restore"

# --- a damaged page under a closed session only: the check on the pool finds it ---
# Start-up reads only the open sessions, so nothing but PRAGMA quick_check, which runs once
# stintd serves, can see this damage; status says so when the check is done.
"$STINT" stop -C "$T/a" --no-checks >/dev/null
daemon_stop
cp "$DB" "$T/undamaged.db"
damage_oldest_events
[ "$(quick_check "$DB")" != ok ] || fail "the store is not damaged after the second garbage write"
daemon_start
has_warning() { grep -q "the store $DB is damaged" <<<"$("$STINT" status 2>&1)"; }
wait_for 30 has_warning || fail "status never said the store is damaged: $("$STINT" status 2>&1)"
expect_contains "$("$STINT" status 2>&1)" "stint doctor" "the later warning says what to do"
expect_contains "$(cat "$DAEMON_LOG")" "store: the store $DB is damaged" "the later warning is logged"
expect_eq 40 "$("$STINT" status --json -C "$T/b" | json_get '["sessions"][0]["notes"]')" \
	"the open session is untouched by the damage under a closed one"
"$STINT" note -C "$T/b" "still recording" >/dev/null || fail "no note after the damage was found"
daemon_stop
rm -f "$DB-wal" "$DB-shm"
mv "$T/undamaged.db" "$DB"
echo "damaged page, doctor and restore: ok"

# A store stintd must refuse: it exits nonzero, saying why, and leaves the file as it was.
refused() { # what expected-text
	local rc=0
	timeout 30 "$STINTD" >"$T/refused.log" 2>&1 || rc=$?
	[ "$rc" -ne 124 ] || fail "$1: stintd hung"
	[ "$rc" -ne 0 ] || fail "$1: stintd started: $(cat "$T/refused.log")"
	expect_contains "$(cat "$T/refused.log")" "$2" "$1: stintd's message"
	expect_contains "$(cat "$T/refused.log")" "$DB" "$1: the message names the file"
}

# --- a zero-length store: refused, never taken for a new empty one ---
mv "$DB" "$T/kept.db"
: >"$DB"
refused "zero-length store" "is empty (zero length)"
expect_eq 0 "$(stat -c %s "$DB")" "the zero-length store is left as it was"
set +e
report=$(bounded "$STINT" doctor 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "doctor on a zero-length store ($report)"
expect_contains "$report" "it is empty (zero length)" "doctor on a zero-length store"
rm "$DB"

# --- a directory, a FIFO, an unreadable file in the store's place ---
mkdir "$DB"
refused "a directory as the store" "not a regular file (a directory)"
rmdir "$DB"
mkfifo "$DB"
refused "a FIFO as the store" "not a regular file"
set +e
report=$(bounded "$STINT" doctor 2>&1)
rc=$?
set -e
[ "$rc" -ne 124 ] || fail "doctor hung on a FIFO store"
expect_eq 1 "$rc" "doctor on a FIFO store ($report)"
expect_contains "$report" "it is not a regular file (a FIFO)" "doctor on a FIFO store"
rm "$DB"
if [ "$(id -u)" -ne 0 ]; then # root reads a mode 000 file all the same
	cp "$T/kept.db" "$DB"
	chmod 000 "$DB"
	refused "a mode 000 store" "Permission denied"
	set +e
	report=$(bounded "$STINT" doctor 2>&1)
	rc=$?
	set -e
	expect_eq 1 "$rc" "doctor on a mode 000 store ($report)"
	expect_contains "$report" "cannot be read: Permission denied" "doctor on a mode 000 store"
	rm -f "$DB"
fi
mv "$T/kept.db" "$DB"
echo "refused stores: ok"

# --- backups: 0700/0600, at most one a period by age, the newest 3 kept ---
nbackups() { find "$BACKUPS" -maxdepth 1 -name 'stint-*.db' 2>/dev/null | wc -l; }
backups_at_least() { [ "$(nbackups)" -ge "$1" ]; }
made_at_least() { [ "$(grep -c 'backup: .* made' "$DAEMON_LOG")" -ge "$1" ]; }
rm -rf "$BACKUPS"
: >"$DAEMON_LOG"
daemon_start
wait_for 20 backups_at_least 1 || fail "no backup at the first start"
expect_eq 700 "$(stat -c %a "$BACKUPS")" "the backups directory's mode"
first=$(ls "$BACKUPS")
expect_eq 600 "$(stat -c %a "$BACKUPS/$first")" "a backup's mode"
[[ $first =~ ^stint-[0-9]{8}T[0-9]{6}Z\.db$ ]] || fail "a backup's name: $first"
expect_eq ok "$(quick_check "$BACKUPS/$first")" "the backup's check"
sleep 1 # the exit's copy is named by a later second than the first one's
daemon_stop
made_at_least 2 || fail "no backup at the clean exit: $(grep backup "$DAEMON_LOG")"
expect_eq 2 "$(nbackups)" "backups after a clean exit: $(ls "$BACKUPS")"
# A restart with a fresh backup makes none: the copy's age decides.
: >"$DAEMON_LOG"
daemon_start
wait_for 10 grep -q "next copy of $DB is due in [1-9]" "$DAEMON_LOG" ||
	fail "stintd did not schedule the next backup a day on: $(grep backup "$DAEMON_LOG")"
expect_eq 2 "$(nbackups)" "backups after a restart: $(ls "$BACKUPS")"
daemon_kill9 # no exit backup
# Only backups older than a day: a new copy at start-up.
rm "$BACKUPS"/*
cp "$T/healthy.db" "$BACKUPS/stint-20200101T000000Z.db"
daemon_start
wait_for 20 backups_at_least 2 || fail "no new backup over a day-old one: $(ls "$BACKUPS")"
daemon_kill9
# The period elapsing makes a copy without a restart; the newest 3 are kept.
: >"$DAEMON_LOG"
STINT_TEST_BACKUP_PERIOD_MS=1100 daemon_start
wait_for 30 made_at_least 2 ||
	fail "the daily timer made no backups: $(grep backup "$DAEMON_LOG")"
daemon_stop
expect_eq 3 "$(nbackups)" "backups kept: $(ls "$BACKUPS")"
[ ! -e "$BACKUPS/stint-20200101T000000Z.db" ] || fail "the oldest backup was not removed"
report=$(bounded "$STINT" doctor)
expect_contains "$report" "$DB: healthy" "doctor on a healthy store"
expect_eq 3 "$(grep -c '  good$' <<<"$report")" "doctor finds every backup good: $report"
echo "backups: ok"
