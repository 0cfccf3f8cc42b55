#!/usr/bin/env bash
# The snippets of docs/integrations.md, copied out of the file by their <!-- test: NAME -->
# markers and run for real: bash and zsh prompts (interactive shells), tmux's status line (a
# server and a client on a pseudo-terminal), i3blocks (the real program), starship's and
# waybar's commands as they run them, and the coding agent's hook script.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

DOC="$STINT_SOURCE_DIR/docs/integrations.md"
for tool in zsh tmux script i3blocks jq; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps lists it)"
done
export PATH="$(dirname "$STINT"):$PATH"

# The fenced block after <!-- test: NAME --> in docs/integrations.md.
snippet() {
	local text
	text=$(awk -v mark="<!-- test: $1 -->" '
		$0 == mark { found = 1; next }
		found == 1 && /^```/ { found = 2; next }
		found == 2 && /^```/ { exit }
		found == 2 { print }' "$DOC")
	[ -n "$text" ] || fail "no snippet '$1' in $DOC"
	printf '%s\n' "$text"
}

# A branch name a shell or zsh's prompt would run or expand, were the segment not kept a value.
branch='feat/x$(touch${IFS}pwned)%n'
make_repo "$T/r"
git -C "$T/r" checkout -q -b "$branch"
mkdir -p "$T/elsewhere"
daemon_start
"$STINT" -C "$T/r" start --focus 'login <b>&' >/dev/null
want="● $branch 0m"
# The prompts' last character: bash's \$ and zsh's %# are '#' for root.
if [ "$(id -u)" = 0 ]; then dollar='#' percent='#'; else dollar='$' percent='%'; fi
i3pid=
# tmux's server, i3blocks and a stintd a prompt started by mistake are stopped whatever happens; lib.sh's cleanup then does the rest.
trap 'rc=$?; tmux -L stint-test kill-server 2>/dev/null || true
[ -z "$i3pid" ] || kill "$i3pid" 2>/dev/null || true
pid=$(head -n1 "$XDG_RUNTIME_DIR/stint/stintd.lock" 2>/dev/null) || true
[ "$(readlink "/proc/${pid:-0}/exe" 2>/dev/null)" != "$STINTD" ] || kill "$pid" 2>/dev/null || true
# cleanup takes its status from the command before it.
(exit $rc) || cleanup; cleanup' EXIT

# --- bash: an interactive shell prints its prompts (to stderr, stdin not being a terminal) ----
snippet bash >"$T/bashrc"
bash_prompts() { # DIR: the prompts of a session that starts in DIR and cd's elsewhere
	(cd "$1" && printf 'cd %q\nexit\n' "$T/elsewhere" |
		bash --rcfile "$T/bashrc" -i 2>&1 >/dev/null | tr -d '\r')
}
out=$(bash_prompts "$T/r")
expect_contains "$out" "[$want] $T/r$dollar " "bash prompt in the repository"
expect_contains "$out" "$T/elsewhere$dollar " "bash prompt elsewhere"
case $out in *"] $T/elsewhere"*) fail "bash: a segment outside the repository: $out" ;; esac
[ ! -e "$T/r/pwned" ] || fail "bash ran a command from the branch's name"

# --- zsh: the same, from ZDOTDIR's .zshrc ---------------------------------------------------------
mkdir -p "$T/zdot"
snippet zsh >"$T/zdot/.zshrc"
zsh_prompts() {
	(cd "$1" && printf 'cd %q\nexit\n' "$T/elsewhere" |
		ZDOTDIR="$T/zdot" zsh -i 2>&1 >/dev/null | tr -d '\r')
}
out=$(zsh_prompts "$T/r")
expect_contains "$out" "[$want] $T/r $percent " "zsh prompt in the repository"
case $out in *"] $T/elsewhere"*) fail "zsh: a segment elsewhere: $out" ;; esac
[ ! -e "$T/r/pwned" ] || fail "zsh ran a command from the branch's name"

# --- starship: the TOML parses, and its command (sh -c, as starship runs it) -------------------
snippet starship >"$T/starship.toml"
cmd=$(python3 -c '
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))["custom"]["stint"]
assert c["when"] is True and c["shell"] == ["sh"] and "$output" in c["format"], c
print(c["command"])' "$T/starship.toml") || fail "the starship snippet does not parse as expected"
expect_eq "$want" "$(cd "$T/r" && sh -c "$cmd")" "starship's command in the repository"
expect_eq "" "$(cd "$T/elsewhere" && sh -c "$cmd")" "starship's command elsewhere"

# --- waybar: its exec line, checked against what its custom module reads ------------------------
snippet waybar >"$T/waybar.json"
exec_line=$(python3 -c '
import json, sys
c = json.loads("{" + open(sys.argv[1]).read() + "}")["custom/stint"]
assert c["return-type"] == "json" and c["escape"] is True, c
print(c["exec"])' "$T/waybar.json") || fail "the waybar snippet is not the JSON expected"
line=$(cd "$T/elsewhere" && sh -c "$exec_line")
python3 - "$line" "$branch" <<'PY' || fail "waybar's line: $line"
import json, sys
lines = sys.argv[1].split("\n")
assert len(lines) == 1, lines
j = json.loads(lines[0])
assert isinstance(j["text"], str) and isinstance(j["tooltip"], str), j
assert j["text"] == "● r " + sys.argv[2] + " 0m", j
assert j["class"] == "active" and j["alt"] == "active", j
assert "(login <b>&)" in j["tooltip"], j
PY

# --- i3blocks: the real program, which needs no display ------------------------------------------
snippet i3blocks >"$T/i3blocks.conf"
(cd "$T/elsewhere" && exec i3blocks -c "$T/i3blocks.conf" </dev/null >"$T/i3blocks.out" 2>&1) &
i3pid=$!
i3_shows() { grep -qF "\"full_text\":\"● r $branch 0m\"" "$T/i3blocks.out"; }
wait_for 20 i3_shows || fail "i3blocks never showed the segment: $(head -c 600 "$T/i3blocks.out")"
kill "$i3pid" 2>/dev/null
wait "$i3pid" 2>/dev/null || true

# --- tmux: a server, a client on a pseudo-terminal, the status line it draws ----------------------
snippet tmux >"$T/tmux.conf"
export TMUX_TMPDIR="$T/tmux"
mkdir -p "$TMUX_TMPDIR"
tmux -f "$T/tmux.conf" -L stint-test new-session -d -c "$T/r" 'sleep 300'
script -qfc "tmux -L stint-test attach" "$T/tmux.tty" </dev/null >/dev/null 2>&1 &
tmuxclient=$!
tmux_shows() { grep -aqF "$want" "$T/tmux.tty"; }
wait_for 20 tmux_shows || fail "tmux never drew the segment: $(tr -cd '[:print:]' <"$T/tmux.tty" | tail -c 300)"
tmux -L stint-test kill-server
wait "$tmuxclient" 2>/dev/null || true

# --- The coding agent's hooks: the script as Claude Code runs it ---------------------------------
snippet agent >"$T/stint-agent"
chmod +x "$T/stint-agent"
make_repo "$T/agent"
hook() { # EVENT ARGUMENT
	jq -n --arg cwd "$T/agent" --arg t "$T/transcript.jsonl" --arg e "$1" \
		'{session_id: "abc-123", transcript_path: $t, cwd: $cwd, hook_event_name: $e,
		  source: "startup", reason: "prompt_input_exit"}' | (cd / && "$T/stint-agent" "$2")
}
hook SessionStart start >/dev/null
j=$("$STINT" -C "$T/agent" status --json)
expect_eq 'agent session' "$(field "$j" focus)" "the agent's session"
{
	echo '{"type":"user","message":{"role":"user","content":"fix the parser"}}'
	echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"Looking."}]}}'
	echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","name":"Edit"},{"type":"text","text":"Fixed the parser: quoted fields keep their commas."}]}}'
} >"$T/transcript.jsonl"
stop=$(hook SessionEnd end)
log=$(json_get '["log"]' <<<"$stop") || fail "end printed no stop reply: $stop"
[ -f "$log" ] || fail "no log at $log"
grep -q "Fixed the parser: quoted fields keep their commas." "$log" ||
	fail "the agent's summary is not a note in $log"
expect_contains "$("$STINT" -C "$T/agent" status --json)" '"sessions":[]' "the agent's session stopped"
# A session the agent did not start is not the agent's to stop.
"$STINT" -C "$T/agent" start --focus mine >/dev/null
hook SessionStart start >/dev/null 2>&1
expect_eq "" "$(hook SessionEnd end)" "end after a refused start"
expect_eq 'mine' "$(field "$("$STINT" -C "$T/agent" status --json)" focus)" "the user's session"

# --- No daemon: the prompts lose the segment, and none starts one -------------------------------
daemon_stop
out=$(unset STINT_NO_AUTOSTART && bash_prompts "$T/r")
expect_contains "$out" "$T/r$dollar " "bash prompt with no daemon"
case $out in *"["*) fail "bash: a segment with no daemon: $out" ;; esac
out=$(unset STINT_NO_AUTOSTART && zsh_prompts "$T/r")
case $out in *"[●"* | *"[◌"* | *"[⏸"*) fail "zsh: a segment with no daemon: $out" ;; esac
[ ! -e "$SOCK" ] || fail "a prompt started stintd"
