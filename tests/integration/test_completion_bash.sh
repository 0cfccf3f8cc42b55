#!/usr/bin/env bash
# The bash completion (contrib/completions/stint.bash) in a real bash with bash-completion, and
# installed by CMake where bash-completion finds it for PREFIX=~/.local: its function is driven
# with COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT split as readline splits them, and
# COMPREPLY is checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/completion-lib.sh"

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
[ -r "$BASH_COMPLETION" ] || fail "bash-completion is not installed ($BASH_COMPLETION): apt-get install bash-completion (scripts/deps)"

# A bash that completes the lines given (a trailing space: a new empty word) and prints, for each,
# COMPREPLY one entry a line, then "--". $1: what to source first ("" for bash-completion and
# the script, "bare" for the script alone, "installed" for bash-completion's own lookup).
complete_in_bash() { # mode line...
	local mode=$1
	shift
	bash --norc --noprofile -s -- "$@" <<EOF_BASH
set -u
case "$mode" in
bare) . "$COMPLETIONS/stint.bash" ;;
installed) . "$BASH_COMPLETION"; _completion_loader stint ;;
*) . "$BASH_COMPLETION"; . "$COMPLETIONS/stint.bash" ;;
esac
# Splits a line as readline does for COMP_WORDS: at blanks, and at COMP_WORDBREAKS's other
# characters, which become words of their own.
split_line() {
	local line=\$1 c w= i
	COMP_WORDS=()
	for ((i = 0; i < \${#line}; i++)); do
		c=\${line:i:1}
		if [[ \$c == [[:blank:]] ]]; then
			[[ -n \$w ]] && COMP_WORDS+=("\$w")
			w=
		elif [[ \$COMP_WORDBREAKS == *"\$c"* ]]; then
			[[ -n \$w && \$w != *[!=:]* ]] || { [[ -n \$w ]] && COMP_WORDS+=("\$w"); w=; }
			w+=\$c
		else
			[[ -n \$w && \$w != *[!=:]* ]] && { COMP_WORDS+=("\$w"); w=; }
			w+=\$c
		fi
	done
	COMP_WORDS+=("\$w")
	COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
}
spec=\$(complete -p stint 2>&1) || { echo "no completion for stint: \$spec"; exit 1; }
[[ \$spec == "complete -F _stint stint" ]] || { echo "unexpected: \$spec"; exit 1; }
for line in "\$@"; do
	COMP_LINE=\$line COMP_POINT=\${#line}
	split_line "\$line"
	COMPREPLY=()
	_stint stint "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "\${COMPREPLY[@]}" | sort
	echo --
done
EOF_BASH
}

# Checks the replies of complete_in_bash: expect MODE LINE EXPECTED [LINE EXPECTED]...
expect_bash() {
	local mode=$1 out want got i=0
	shift
	completion_pairs "$@"
	local -a lines=("${CASE_LINES[@]}") wants=("${CASE_WANTS[@]}")
	out=$(complete_in_bash "$mode" "${lines[@]}" 2>&1) || fail "bash failed: $out"
	for line in "${lines[@]}"; do
		got=$(awk -v n=$i 'BEGIN { k = 0 } $0 == "--" { k++; next } k == n' <<<"$out")
		want=$(sort <<<"${wants[i]}")
		[ -n "${wants[i]}" ] || want=""
		expect_eq "$want" "$got" "bash ($mode) completing [$line]"
		i=$((i + 1))
	done
}

cd "$T"
mkdir -p "dir one/sub" dir2 && touch file.json

# Without stintd: static words complete, dynamic ones are empty and quiet.
expect_bash "" \
	"stint sta" $'start\nstatus' \
	"stint edit " "" \
	"stint start --tag " ""

# Commands, each command's options (its --<TAB> lists them all), option values, the --opt=VALUE
# and A,B forms; then directories and files.
completion_cases ""
expect_bash "" "${CASES[@]}"
expect_bash "" \
	"stint start -C di" $'dir one\ndir2' \
	"stint -C dir" $'dir one\ndir2' \
	"stint import watson fi" "file.json"

# From a real stintd: ids, tags, watched repositories (quoted: one has a space).
completion_fixture
expect_bash "" \
	"stint edit " "$ID_STOPPED"$'\n'"$ID_ADDED" \
	"stint log --regenerate " "$ID_STOPPED" \
	"stint start --tag " $'api\nv2\nops\nlive' \
	"stint edit --untag=l" "live" \
	"stint unwatch " "${WATCHED_SPACE// /\\ }"$'\n'"$HOME/src/alpha" \
	"stint unwatch ~/src/w" "~/src/with\\ space"

# The script alone, without bash-completion: the same engine, its own word handling.
expect_bash bare \
	"stint sta" $'start\nstatus' \
	"stint report --by=ta" "tag" \
	"stint start --tag " $'api\nv2\nops\nlive' \
	"stint start -C di" $'dir one\ndir2'

# Installed by CMake under PREFIX=~/.local: bash-completion finds it by itself, with XDG_DATA_HOME
# unset (~/.local/share) as for most users.
cmake --install "$STINT_BUILD_DIR" --prefix "$HOME/.local" >"$T/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -n 20 "$T/install.log")"
[ -f "$HOME/.local/share/bash-completion/completions/stint" ] ||
	fail "not installed as share/bash-completion/completions/stint: $(grep -i compl "$T/install.log")"
(
	unset XDG_DATA_HOME XDG_DATA_DIRS
	export PATH="$HOME/.local/bin:$PATH"
	expect_bash installed "stint sta" $'start\nstatus' "stint edit " "$ID_STOPPED"$'\n'"$ID_ADDED"
)
"$STINT" ping >/dev/null || fail "stintd stopped serving"
echo ok
