#!/usr/bin/env bash
# The fish completion (contrib/completions/stint.fish) in a real fish ('complete -C'), from the
# source tree and installed by CMake under PREFIX=~/.local, where fish finds it by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/completion-lib.sh"

command -v fish >/dev/null || fail "fish is not installed: apt-get install fish (scripts/deps)"

# Checks what 'complete -C' offers: expect_fish SOURCE LINE EXPECTED [LINE EXPECTED]...
# SOURCE is the script to source first, or "" for fish's own lookup. EXPECTED lists the
# candidates (descriptions cut off), in any order.
expect_fish() {
	local src=$1 out got want i=0 script= config=--no-config
	shift
	completion_pairs "$@"
	local -a lines=("${CASE_LINES[@]}") wants=("${CASE_WANTS[@]}")
	# Without a script to source, fish's own config.fish sets where completions are looked for
	# (the user's config is empty: HOME and XDG_CONFIG_HOME are the test's).
	if [ -n "$src" ]; then
		script="source $(printf %q "$src");"
	else
		config=
	fi
	script+='for l in $argv; complete -C $l; echo ==; end'
	out=$(timeout 60 fish $config -c "$script" "${lines[@]}" 2>&1) ||
		fail "fish failed or timed out ($?): $out"
	for line in "${lines[@]}"; do
		got=$(awk -v n=$i '$0 == "==" { k++; next } k == n' <<<"$out" | cut -f1 | sort)
		want=$(sort <<<"${wants[i]}")
		expect_eq "$want" "$got" "fish completing [$line]"
		i=$((i + 1))
	done
	FISH_OUT=$out
}

cd "$T"
mkdir -p "dir one/sub" dir2 && touch file.json
FISH="$COMPLETIONS/stint.fish"

expect_fish "$FISH" \
	"stint sta" $'start\nstatus' \
	"stint edit " "" \
	"stint start --tag " ""
grep -qx "start${TAB:=$'\t'}Open a session for the repository you are in" <<<"$FISH_OUT" ||
	fail "fish shows no description for start: $FISH_OUT"

completion_cases "--by="
expect_fish "$FISH" "${CASES[@]}"
expect_fish "$FISH" \
	"stint start -C di" $'dir one/\ndir2/' \
	"stint -C dir" $'dir one/\ndir2/' \
	"stint import watson fi" "file.json"

completion_fixture
expect_fish "$FISH" \
	"stint edit " "$ID_STOPPED"$'\n'"$ID_ADDED" \
	"stint log --regenerate " "$ID_STOPPED" \
	"stint start --tag " $'api\nv2\nops\nlive' \
	"stint edit --untag=l" "--untag=live" \
	"stint unwatch " "$WATCHED_SPACE"$'\n'"$HOME/src/alpha"
grep -qE "^$ID_STOPPED${TAB}[0-9-]+ [0-9:]+ Parser work \(alpha\)\$" <<<"$FISH_OUT" ||
	fail "fish shows no description for session $ID_STOPPED: $FISH_OUT"

# Installed under PREFIX=~/.local: fish looks in ~/.local/share/fish/vendor_completions.d
# ($XDG_DATA_HOME unset, as for most users) without being told.
cmake --install "$STINT_BUILD_DIR" --prefix "$HOME/.local" >"$T/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -n 20 "$T/install.log")"
(
	unset XDG_DATA_HOME XDG_DATA_DIRS
	export PATH="$HOME/.local/bin:$PATH"
	expect_fish "" "stint sta" $'start\nstatus' "stint edit " "$ID_STOPPED"$'\n'"$ID_ADDED"
)
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo ok
