#!/usr/bin/env bash
# Hostile and heavy clients: oversized, malformed and silent peers, unread replies, 200 at once.
# The daemon answers each with an error (or drops only that peer) and keeps serving the rest.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

daemon_start
make_repo "$T/repo"
"$STINT" start -C "$T/repo" --focus abuse >/dev/null

python3 - "$SOCK" "$T/repo" <<'PY'
import json, os, socket, sys, threading, time

SOCK, REPO = sys.argv[1], sys.argv[2]

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(SOCK)
    return s

def ask(s, line):
    s.sendall(line if isinstance(line, bytes) else line.encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a reply to %r" % line[:60])
        buf += chunk
    return json.loads(buf)

def expect_error(reply, code, what):
    assert reply["v"] == 1 and reply["ok"] is False, (what, reply)
    assert reply["error"]["code"] == code, (what, code, reply)
    assert reply["error"]["message"], (what, reply)

def status_ok(what):
    with conn() as s:
        r = ask(s, '{"v":1,"cmd":"status"}')
        assert r["ok"] and len(r["sessions"]) == 1, (what, r)

# Silent peers and a half-sent line must not stall anyone.
silent = conn()
partial = conn()
partial.sendall(b'{"v":1,"cmd":"sta')
status_ok("with silent peers connected")

# Malformed lines: an error each, and the same connection keeps working.
with conn() as s:
    expect_error(ask(s, "garbage"), "bad_json", "garbage")
    expect_error(ask(s, b'{"v":1,"cmd":"ping"} trailing\n'), "bad_json", "trailing garbage")
    expect_error(ask(s, b'{"v":1,"cmd":"note","cwd":"/x","text":"\xff\xfe"}\n'), "bad_utf8", "utf8")
    expect_error(ask(s, b'{"v":1,"cmd":"note","cwd":"/x","text":"\xed\xa0\x80"}\n'), "bad_utf8", "surrogate")
    expect_error(ask(s, '[1,2,3]'), "bad_request", "array")
    expect_error(ask(s, '{"cmd":"ping"}'), "bad_version", "no version")
    expect_error(ask(s, '{"v":2,"cmd":"ping"}'), "bad_version", "version 2")
    expect_error(ask(s, '{"v":1,"cmd":"explode"}'), "unknown_command", "unknown command")
    expect_error(ask(s, '{"v":1,"cmd":"start"}'), "bad_request", "missing cwd")
    expect_error(ask(s, '{"v":1,"cmd":"start","cwd":42}'), "bad_request", "wrong type")
    expect_error(ask(s, '{"v":1,"cmd":"start","cwd":"rel/path"}'), "bad_request", "relative cwd")
    expect_error(ask(s, '{"v":1,"cmd":"ping","ping":1}'), "bad_request", "unknown field")
    expect_error(ask(s, '{"v":1,"v":1,"cmd":"ping"}'), "bad_request", "duplicate key")
    expect_error(ask(s, '{"v":1,"cmd":"start","cwd":"/nonexistent/dir"}'), "bad_path", "missing dir")
    expect_error(ask(s, json.dumps({"v":1,"cmd":"note","cwd":REPO,"text":"x"*8193})), "bad_request", "long text")
    expect_error(ask(s, json.dumps({"v":1,"cmd":"pause","cwd":"/"})), "no_session", "no session")
    r = ask(s, '{"v":1,"cmd":"ping"}')
    assert r["ok"], r

# A 1 MiB line without a newline: too_large, then the daemon hangs up; others are served meanwhile.
big = conn()
def send_big():
    try:
        big.sendall(b"x" * (1 << 20))
    except (BrokenPipeError, ConnectionResetError):
        pass
t = threading.Thread(target=send_big)
t.start()
status_ok("during a 1 MiB line")
t.join()
buf = b""
while True:
    try:
        chunk = big.recv(65536)
    except ConnectionResetError:
        break
    if not chunk:
        break
    buf += chunk
reply = json.loads(buf.split(b"\n")[0])
expect_error(reply, "too_large", "1 MiB line")
big.close()

# A line of exactly the limit (65535 bytes + newline) is read; one byte more is not.
with conn() as s:
    pad = 65535 - len('{"v":1,"cmd":"ping","x":""}')
    r = ask(s, '{"v":1,"cmd":"ping","x":"%s"}' % ("a" * pad))
    expect_error(r, "bad_request", "max-size line is parsed")
with conn() as s:
    pad = 65536 - len('{"v":1,"cmd":"ping","x":""}')
    r = ask(s, '{"v":1,"cmd":"ping","x":"%s"}' % ("a" * pad))
    expect_error(r, "too_large", "one byte over")

# A client that writes requests and never reads: dropped once its replies pile up.
hog = conn()
hog.setblocking(False)
req = b'{"v":1,"cmd":"status"}\n' * 512
sent = 0
deadline = time.time() + 20
while time.time() < deadline:
    try:
        sent += hog.send(req)
    except BlockingIOError:
        time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        break
else:
    raise AssertionError("a client that never reads was not dropped (sent %d bytes)" % sent)
hog.close()
status_ok("after dropping a client that never reads")

# 200 clients at once, each with a few requests.
errors = []
def worker(i):
    try:
        with conn() as s:
            for _ in range(3):
                r = ask(s, '{"v":1,"cmd":"status"}')
                assert r["ok"] and len(r["sessions"]) == 1, r
            r = ask(s, json.dumps({"v":1,"cmd":"note","cwd":REPO,"text":"note %d" % i}))
            assert r["ok"], r
    except Exception as e:
        errors.append("client %d: %r" % (i, e))
threads = [threading.Thread(target=worker, args=(i,)) for i in range(200)]
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors[:5]
with conn() as s:
    r = ask(s, '{"v":1,"cmd":"status"}')
    assert r["sessions"][0]["notes"] == 200, r
silent.close()
partial.close()
print("protocol abuse: ok")
PY

kill -0 "$DAEMON_PID" || fail "stintd died"
"$STINT" stop -C "$T/repo" --no-log >/dev/null
daemon_stop
echo "ok"
