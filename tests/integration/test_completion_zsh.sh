#!/usr/bin/env bash
# The zsh completion (contrib/completions/_stint) in a real interactive zsh with compinit
# (complete-zsh.zsh drives it on a pty and reports the matches zsh offers), from the source tree
# and installed by CMake under PREFIX=~/.local with the README's fpath line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/completion-lib.sh"

command -v zsh >/dev/null || fail "zsh is not installed: apt-get install zsh (scripts/deps)"
DRIVER="$(cd "$(dirname "$0")" && pwd)/complete-zsh.zsh"

# Checks the matches zsh offers: expect_zsh FPATH_DIR LINE EXPECTED [LINE EXPECTED]...
# EXPECTED lists the matches (their descriptions cut off), in any order.
expect_zsh() {
	local dir=$1 out got want i=0
	shift
	completion_pairs "$@"
	local -a lines=("${CASE_LINES[@]}") wants=("${CASE_WANTS[@]}")
	out=$(timeout 60 zsh -f "$DRIVER" "$dir" "${lines[@]}" 2>&1) ||
		fail "zsh failed or timed out ($?): $out"
	for line in "${lines[@]}"; do
		got=$(awk -v n=$i '$0 == "--" { k++; next } k == n' <<<"$out" | sed 's/ -- .*//' | sort -u)
		want=$(sort -u <<<"${wants[i]}")
		expect_eq "$want" "$got" "zsh completing [$line]"
		i=$((i + 1))
	done
	ZSH_OUT=$out
}

cd "$T"
mkdir -p "dir one/sub" dir2 && touch file.json

expect_zsh "$COMPLETIONS" \
	"stint sta" $'start\nstatus' \
	"stint edit " "" \
	"stint start --tag " ""
grep -qx "start -- Open a session for the repository you are in" <<<"$ZSH_OUT" ||
	fail "zsh shows no description for start: $ZSH_OUT"

# Commands, every command's options, option values.
completion_cases "--by="
expect_zsh "$COMPLETIONS" "${CASES[@]}"
expect_zsh "$COMPLETIONS" \
	"stint start -C di" $'dir\\ one\ndir2' \
	"stint -C dir" $'dir\\ one\ndir2' \
	"stint -C fi" "" \
	"stint import watson fi" "file.json"

completion_fixture
expect_zsh "$COMPLETIONS" \
	"stint edit " "$ID_STOPPED"$'\n'"$ID_ADDED" \
	"stint log --regenerate " "$ID_STOPPED" \
	"stint start --tag " $'api\nv2\nops\nlive' \
	"stint edit --untag=l" "--untag=live" \
	"stint unwatch " "${WATCHED_SPACE// /\\ }"$'\n'"$HOME/src/alpha"
grep -qE "^$ID_STOPPED -- [0-9-]+ [0-9:]+ Parser work \(alpha\)\$" <<<"$ZSH_OUT" ||
	fail "zsh shows no description for session $ID_STOPPED: $ZSH_OUT"

# Installed under PREFIX=~/.local, found through the fpath line the README gives.
cmake --install "$STINT_BUILD_DIR" --prefix "$HOME/.local" >"$T/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -n 20 "$T/install.log")"
PATH="$HOME/.local/bin:$PATH" expect_zsh "$HOME/.local/share/zsh/site-functions" \
	"stint sta" $'start\nstatus' "stint edit " "$ID_STOPPED"$'\n'"$ID_ADDED"
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo ok
