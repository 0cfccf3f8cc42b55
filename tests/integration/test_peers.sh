#!/usr/bin/env bash
# Crowded and idle peers (issue 13, item 4): thousands of idle connections never lock the user's
# own stint out. A connection without a complete request for 5 s is closed; at the cap of 4 096
# the oldest idle one makes room; a peer that is dropped is told why, and so is the CLI.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

CAP=4096
IDLE_S=5

# A check that runs until the test says so: the stop's request stays in flight meanwhile.
mkdir -p "$(dirname "$CONFIG")"
printf '[checks]\ngate = touch %s/running; while [ ! -e %s/go ]; do sleep 0.05; done\n' \
	"$T" "$T" >"$CONFIG"

# The peers: opens connections and watches each until stintd closes it, then reports what every
# one of them was told, how long after it opened, and in what order.
#   crowd.py idle N OUT: N silent connections, then one that trickles a request a byte a second.
#   crowd.py notes N REPO OUT: N connections, each sending a note for REPO and reading nothing
#     until OUT.read appears, then hanging up after its reply.
cat >"$T/crowd.py" <<'PY'
import json, os, resource, selectors, socket, sys, time

mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[-1]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 64
if hard != resource.RLIM_INFINITY and hard < want:
    print("SKIP: RLIMIT_NOFILE hard limit %d < %d" % (hard, want), file=sys.stderr)
    sys.exit(77)
if soft != resource.RLIM_INFINITY and soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

sock = os.environ["SOCK"]
conns, opened_at = [], []
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    conns.append(s)
    opened_at.append(time.monotonic())
trickle = None
if mode == "idle":
    trickle = socket.socket(socket.AF_UNIX)
    trickle.connect(sock)
    conns.append(trickle)
    opened_at.append(time.monotonic())
    pending = b'{"v":1,"cmd":"status"}'
elif mode == "notes":
    line = (json.dumps({"v": 1, "cmd": "note", "cwd": sys.argv[3], "text": "crowd"}) + "\n").encode()
    for s in conns:
        s.sendall(line)
with open(out + ".opened", "w") as f:
    f.write("%d\n" % len(conns))
if mode == "notes":
    while not os.path.exists(out + ".read"):
        time.sleep(0.05)

sel = selectors.DefaultSelector()
data = {}
for i, s in enumerate(conns):
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
    data[i] = b""
closed = {}
deadline = time.monotonic() + 60
next_byte = time.monotonic() + 1
while len(closed) < len(conns) and time.monotonic() < deadline:
    for key, _ in sel.select(timeout=0.2):
        i = key.data
        try:
            chunk = conns[i].recv(65536)
        except ConnectionResetError:
            chunk = b""
        if chunk:
            data[i] += chunk
            # A note's peer hangs up once it has its reply.
            if mode != "notes" or b"\n" not in data[i]:
                continue
        closed[i] = time.monotonic() - opened_at[i]
        sel.unregister(conns[i])
        conns[i].close()
    # The trickler sends its request a byte a second: data, but never a complete line.
    if trickle is not None and pending and n not in closed and time.monotonic() >= next_byte:
        try:
            trickle.send(pending[:1])
            pending = pending[1:]
        except OSError:
            pass
        next_byte += 1

def told(i):
    first = data[i].split(b"\n")[0]
    if not first:
        return "nothing"
    r = json.loads(first)
    return r["error"]["code"] if r.get("ok") is False else "ok"

report = {"open": len(conns) - len(closed), "by_code": {}, "first_reply": {}}
for i in sorted(closed):
    code = told(i)
    e = report["by_code"].setdefault(code, {"indices": [], "min_s": 1e9, "max_s": 0})
    e["indices"].append(i)
    e["min_s"] = min(e["min_s"], closed[i])
    e["max_s"] = max(e["max_s"], closed[i])
    if code not in report["first_reply"]:
        report["first_reply"][code] = data[i].split(b"\n")[0].decode()
if trickle is not None:
    report["trickle"] = {"told": told(n) if n in closed else None, "after_s": closed.get(n)}
with open(out + ".tmp", "w") as f:
    json.dump(report, f)
os.rename(out + ".tmp", out)
PY
export SOCK
crowd=
# A crowd still running when the test fails must not outlive it.
# (set +e: under errexit, "(exit $rc)" of a failure would end the trap before cleanup.)
trap 'rc=$?; set +e; [ -z "$crowd" ] || kill "$crowd" 2>/dev/null; (exit $rc); cleanup' EXIT

# stintd's open sockets: its listening socket and its connections (other descriptors come and go
# with the work it does).
sockets() {
	# A descriptor closed while find lists them is a complaint, not a failure.
	{ find "/proc/$DAEMON_PID/fd" -lname 'socket:*' 2>/dev/null || true; } | wc -l
}

# Waits until stintd holds at least (ge) or at most (le) this many sockets.
wait_sockets() { # ge|le COUNT WHAT
	wait_for 30 bash -c "[ \$(find /proc/$DAEMON_PID/fd -lname 'socket:*' 2>/dev/null | wc -l) -$1 $2 ]" ||
		fail "$3: stintd holds $(sockets) sockets, expected $1 $2"
}

# The report's field: report FILE PYTHON-EXPR (r is the report).
report() {
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

daemon_start
make_repo "$T/repo"
"$STINT" start -C "$T/repo" --focus peers >/dev/null
# stintd's own sockets (a connection of the start may linger a moment: then base is higher).
base=$(sockets)

# --- 4 096 and more idle peers: the CLI still gets in; they are closed after 5 s ----------------

N=$((CAP + 100))
python3 "$T/crowd.py" idle "$N" "$T/idle.json" &
crowd=$!
wait_for 30 test -e "$T/idle.json.opened" || fail "the crowd did not connect"
# stint's connection comes after the crowd's in the listening queue, so it finds stintd full.
# (At least: the listening socket and the cap's worth of connections.)
wait_sockets ge $((CAP + 1)) "the idle crowd"
rc=0 && out=$("$STINT" status --json -C "$T/repo" 2>&1) || rc=$?
expect_eq 0 "$rc" "exit status of stint status with $N idle peers connected ($out)"
expect_eq peers "$(field "$out" focus)" "stint status with $N idle peers connected"
# Idle peers are closed within the timeout (and a moment for a busy machine), none left over.
wait_sockets le "$base" "after the idle timeout"
wait "$crowd" || fail "the crowd helper failed"
crowd=
expect_eq 0 "$(report "$T/idle.json" 'r["open"]')" "crowd connections stintd left open"
# The oldest idle peers made room, one for each connection beyond the cap (stint's included).
dropped=$((N + 1 - CAP + 1)) # the crowd, its trickler and stint status, against the cap
expect_eq "$(seq -s, 0 $((dropped - 1)))" \
	"$(report "$T/idle.json" '",".join(map(str, r["by_code"]["too_many_connections"]["indices"]))')" \
	"the connections dropped at the cap (the oldest)"
expect_contains "$(report "$T/idle.json" 'r["first_reply"]["too_many_connections"]')" \
	"too many connections" "what a peer dropped at the cap is told"
expect_eq $((N + 1 - dropped)) "$(report "$T/idle.json" 'len(r["by_code"]["idle_timeout"]["indices"])')" \
	"peers closed for idling"
expect_contains "$(report "$T/idle.json" 'r["first_reply"]["idle_timeout"]')" \
	"no complete request within $IDLE_S s" "what an idle peer is told"
min=$(report "$T/idle.json" 'int(r["by_code"]["idle_timeout"]["min_s"] * 1000)')
[ "$min" -ge $((IDLE_S * 1000 - 500)) ] || fail "an idle peer was closed after only $min ms"
# A request trickled a byte a second is no less idle: the timer is not reset by data.
expect_eq idle_timeout "$(report "$T/idle.json" 'r["trickle"]["told"]')" "the trickling peer"
after=$(report "$T/idle.json" 'int(r["trickle"]["after_s"] * 1000)')
# (Were each byte to restart the clock, it would last past the 22 s its bytes take.)
[ "$after" -lt $(((IDLE_S + 10) * 1000)) ] || fail "the trickling peer lasted $after ms"
# Logged, but not once per connection.
n=$(grep -c "ctl: .*idle" "$DAEMON_LOG" || true)
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "$n log lines about idle peers: $(grep "ctl: " "$DAEMON_LOG" | head)"
n=$(grep -c "ctl: .*too many connections" "$DAEMON_LOG" || true)
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "$n log lines about the cap: $(grep "ctl: " "$DAEMON_LOG" | head)"
"$STINT" ping >/dev/null || fail "stintd stopped serving"

# --- at the cap with every request in flight: the new peer is refused, and told why --------

# A stop whose check runs until $T/go, and notes queued behind it: 4 096 requests in flight.
"$STINT" stop -C "$T/repo" >"$T/stop.out" 2>&1 &
stop=$!
wait_for 30 test -e "$T/running" || fail "the stop's check did not start"
python3 "$T/crowd.py" notes $((CAP - 1)) "$T/repo" "$T/notes.json" &
crowd=$!
wait_for 30 test -e "$T/notes.json.opened" || fail "the note crowd did not connect"
wait_sockets ge $((CAP + 1)) "the stop and the notes queued behind it"
# Longer than the idle timeout: requests in flight are not idle.
sleep $((IDLE_S + 1))
rc=0 && out=$("$STINT" status 2>&1) || rc=$?
expect_eq 1 "$rc" "exit status of stint status with $CAP requests in flight"
expect_contains "$out" "too many connections" "stint status with $CAP requests in flight"
touch "$T/go" "$T/notes.json.read"
wait "$stop" || fail "the stop failed: $(cat "$T/stop.out")"
wait "$crowd" || fail "the note crowd failed"
crowd=
expect_eq 0 "$(report "$T/notes.json" 'r["open"]')" "note connections left open"
# Each queued note got its own reply (the session was gone by then), none was dropped.
expect_eq "[]" "$(report "$T/notes.json" 'sorted(k for k in r["by_code"] if k not in ("no_session", "ok"))')" \
	"what the queued notes were told"
"$STINT" status >/dev/null || fail "stint status after the crowd"
kill -0 "$DAEMON_PID" || fail "stintd died"
daemon_stop
echo ok
