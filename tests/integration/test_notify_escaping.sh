#!/usr/bin/env bash
# Issue 12, "Text from users and repositories cannot break the log", for notifications: a focus
# and a repository name full of markup reach the desktop as text. The forgotten-session
# reminder (repository in the summary, focus in the body) and the end-of-session summary (focus
# in the summary, the log's path in the body) are read back as dunst (markup = full) formatted
# them for the screen: its Pango markup, parsed, must show exactly the text, and stintd must
# have sent the body escaped (the summary is plain text by the specification).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment
. "$(dirname "$0")/notify-lib.sh" || exit 1
notify_require

notify_env_start
mkdir -p "$(dirname "$CONFIG")"
printf '%s\n' '[time]' 'idle_timeout = 0' '[notify]' 'break_every = 0' 'min_interval = 0' \
	'remind_open_after = 2s' >"$CONFIG"
daemon_start
wait_for 15 sh -c "'$STINT' status --json | grep -q '\"notify\":\"ok\"'" ||
	fail "stintd never connected to dunst: $("$STINT" notify status)"

focus='<b>bold</b> & <i>co</i> &amp; x<!-- <span foreground="red">red</span>'
R="$T/r&d <i>x"
make_repo "$R"
"$STINT" start -C "$R" --focus "$focus" >/dev/null
dunst_wait_count 1 15 || fail "no forgotten-session reminder"
"$STINT" stop -C "$R" >"$T/stop.out"
log=$(tail -n 1 "$T/stop.out")
dunst_wait_count 2 15 || fail "no end-of-session summary"
notify__dunstctl close-all
wait_for 10 sh -c "[ \"\$(DBUS_SESSION_BUS_ADDRESS='$NOTIFY_BUS_ADDRESS' dunstctl count history)\" -ge 2 ]" ||
	fail "dunst's history lacks the notifications"

dunst_history >"$T/history.json"
python3 - "$T/history.json" "$NOTIFY_DIR/received.jsonl" "$focus" "$(basename "$R")" "$log" <<'PY'
import json, sys
import xml.etree.ElementTree as ET

history, received, focus, repo, log = sys.argv[1:]
bad = []
shown = []
for n in json.load(open(history))["data"][0]:
    msg = n["message"]["data"]
    try:
        # What dunst draws: its format string filled in, as Pango markup.
        shown.append("".join(ET.fromstring("<m>" + msg + "</m>").itertext()))
    except ET.ParseError as e:
        bad.append(f"dunst's markup does not parse ({e}): {msg!r}")
want = [f"Session in {repo} still open", f"(focus: {focus}).", f"Session closed: {focus}", log]
for w in want:
    if not any(w in s for s in shown):
        bad.append(f"[{w}] is not what dunst shows; it shows: {shown!r}")
# The body stint sent is escaped for a server that reads markup.
for line in open(received):
    body = json.loads(line)["body"]
    for raw in ("<b>", "<i>", "<span", "<!--"):
        if raw in body:
            bad.append(f"markup {raw} reached dunst unescaped in the body: {body!r}")
for b in bad:
    print("FAIL: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "ok: the focus and the repository's name show as text in both notifications"
