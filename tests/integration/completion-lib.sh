# Shared by the completion tests (test_completion*.sh): a daemon with real sessions to complete
# from, and the command table as 'stint __commands' prints it. Source after lib.sh.

COMPLETIONS="$STINT_SOURCE_DIR/contrib/completions"
# The tests call "stint" by name, as a user does: the build's binary first on PATH.
mkdir -p "$T/bin"
ln -s "$STINT" "$T/bin/stint"
ln -s "$STINTD" "$T/bin/stintd"
export PATH="$T/bin:$PATH"

# The commands of the table (first column of 'stint __commands', without the "" of main's).
table_commands() {
	"$STINT" __commands | cut -f1 | grep -v '^$' | uniq
}

# The long options of a command (or, with "", main's own), one a line.
table_options() { # command
	"$STINT" __commands | awk -F'\t' -v c="$1" '$1 == c { print ($2 != "" ? $2 : $3) }'
}

# Splits "LINE" "EXPECTED" pairs into the arrays CASE_LINES and CASE_WANTS.
completion_pairs() {
	CASE_LINES=() CASE_WANTS=()
	while (($#)); do
		CASE_LINES+=("$1")
		CASE_WANTS+=("$2")
		shift 2
	done
}

# The cases every shell completes alike, as "LINE" "EXPECTED" pairs in CASES: the commands, each
# command's options, and option values. eq is what the shell shows for a --by=VALUE candidate:
# "--by=" (zsh, fish show the whole word) or "" (bash, which splits words at '=').
completion_cases() { # eq
	local cmd
	CASES=("stint " "$(table_commands)")
	for cmd in $(table_commands); do
		CASES+=("stint $cmd -" "$(table_options "$cmd")")
	done
	CASES+=(
		"stint todo --priority " $'high\nmedium\nlow\nblocked'
		"stint report --by ta" "tag"
		"stint report --by=ta" "${1}tag"
		"stint report --by=tag,br" "${1}tag,branch"
		"stint list last-" $'last-week\nlast-month'
		"stint export --format t" "timewarrior"
		"stint import w" "watson"
		"stint notify " $'test\nstatus'
		"stint config " "check"
		"stint help repo" "report"
	)
}

# A stintd with: a stopped session (alpha, "Parser work", tags api v2) whose id is ID_STOPPED,
# one added by hand (tag ops, ID_ADDED), an open one (beta, tag live), and two watched
# repositories, one with a space in its path (WATCHED_SPACE).
completion_fixture() {
	daemon_start
	make_repo "$HOME/src/alpha"
	make_repo "$HOME/src/beta"
	WATCHED_SPACE="$HOME/src/with space"
	make_repo "$WATCHED_SPACE"
	"$STINT" add -C "$HOME/src/alpha" --start "3h ago" --end "2h ago" --focus "Forgot" \
		--tag ops >/dev/null || fail "stint add failed"
	ID_ADDED=$(field "$("$STINT" list --json)" id)
	"$STINT" start -C "$HOME/src/alpha" --focus "Parser work" --tag api --tag v2 >/dev/null ||
		fail "stint start failed"
	"$STINT" stop -C "$HOME/src/alpha" --no-checks >/dev/null || fail "stint stop failed"
	ID_STOPPED=$(field "$("$STINT" list --json)" id)
	[ "$ID_STOPPED" != "$ID_ADDED" ] || fail "one id for two sessions: $ID_STOPPED"
	"$STINT" start -C "$HOME/src/beta" --focus "Live one" --tag live >/dev/null ||
		fail "stint start in beta failed"
	"$STINT" watch "$WATCHED_SPACE" >/dev/null || fail "stint watch failed"
	"$STINT" watch "$HOME/src/alpha" >/dev/null || fail "stint watch alpha failed"
}
