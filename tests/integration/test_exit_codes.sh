#!/usr/bin/env bash
# One rule for exit codes (issue 15, "Messages that help"; README "Exit status"): 2 for what is
# wrong in the command line, a path that does not exist included (named, with "-C" only when
# -C was used), and blank TEXT like empty TEXT; 1 for a refusal. Every command that takes -C
# (from stint __commands) is tried. A repository deleted since still reaches its session.
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment


# Each --json output goes to a file; all are parsed in one python3 run at the end.
ndocs=0
keep_doc() {
	ndocs=$((ndocs + 1))
	printf '%s' "$out" >"$T/doc.$ndocs"
}

make_repo "$T/a"
daemon_start
(cd "$T/a" && "$STINT" start --focus "the one open" >/dev/null)
missing="$T/gone/nowhere"

# The arguments each command needs besides -C to get as far as its directory; a new command
# that needs some must be added here, or the loop says so by failing.
needs() {
	case $1 in
	note | todo | decision) echo "some text" ;;
	add) echo "--start|10m ago|--end|5m ago" ;;
	edit) echo "--focus|new focus" ;;
	export) echo "--format|json" ;;
	esac
}

# --- -C PATH that does not exist: 2, naming it, for every command that takes -C ----------------
commands=$("$STINT" __commands | awk -F'\t' '$1 != "" && $3 == "-C" { print $1 }' | sort -u)
[ "$(wc -l <<<"$commands")" -ge 15 ] || fail "too few commands take -C: $commands"
for c in $commands; do
	IFS='|' read -r -a extra <<<"$(needs "$c")"
	stint_run "$c" -C "$missing" "${extra[@]}"
	expect_eq 2 "$rc" "$c -C $missing: exit status (stderr: $err)"
	# The path's error alone: stintd knowing no session there would say the same again.
	expect_eq "stint: -C $missing: No such file or directory" "$(grep -v '^usage: \|^Run ' <<<"$err")" "$c -C $missing"
	[[ $out != *"No open session"* ]] || fail "$c -C $missing: $out"
	# With --json the same failure is a document on stdout.
	if "$STINT" __commands | grep -q "^$c	--json	"; then
		stint_run "$c" -C "$missing" --json "${extra[@]}"
		expect_eq 2 "$rc" "$c -C $missing --json"
		expect_contains "$out" "{\"v\":1,\"ok\":false,\"error\":{\"code\":\"bad_path\",\"message\":\"-C $missing: No such file or directory" "$c --json"
		keep_doc
	fi
done
# -C before the command is the same option.
stint_run -C "$missing" status
expect_eq 2 "$rc" "stint -C $missing status"
expect_eq "stint: -C $missing: No such file or directory" "$err" "stint -C $missing status"
# A file is not a directory.
touch "$T/afile"
stint_run status -C "$T/afile"
expect_eq 2 "$rc" "status -C a file"
expect_eq "stint: -C $T/afile: Not a directory" "$err" "status -C a file"

# --- PATH and FILE operands: the same error, without "-C" ---------------------------------------
for args in "watch|$missing" "unwatch|$missing" "report|--logs|$missing" \
	"import|timewarrior|$missing" "import|watson|$missing"; do
	IFS='|' read -r -a argv <<<"$args"
	stint_run "${argv[@]}"
	expect_eq 2 "$rc" "${argv[*]}: exit status"
	expect_contains "$err" "stint: $missing: No such file or directory" "${argv[*]}"
	[[ $err != *"-C"* ]] || fail "${argv[*]} mentions -C: $err"
done

# --- a repository deleted since still reaches its open session ---------------------------------
make_repo "$T/b"
"$STINT" start -C "$T/b" >/dev/null
rm -rf "$T/b"
stint_run note -C "$T/b" "written after the repository went"
expect_eq 0 "$rc" "note in a deleted repository ($err)"
stint_run status -C "$T/b"
expect_eq 0 "$rc" "status of a deleted repository's session ($err)"
expect_contains "$out" "$T/b" "status of a deleted repository's session"
stint_run cancel -C "$T/b"
expect_eq 0 "$rc" "cancel in a deleted repository ($err)"
# Now nothing is known there: the path error.
stint_run status -C "$T/b"
expect_eq 2 "$rc" "status -C a deleted repository without a session"
expect_eq "stint: -C $T/b: No such file or directory" "$err" "status -C a deleted repository"
stint_run pause -C "$T/b"
expect_eq 2 "$rc" "pause -C a deleted repository without a session"
expect_contains "$err" "stint: -C $T/b: No such file or directory" "pause -C a deleted repository"

# --- blank TEXT is a usage error like empty TEXT, for every TEXT -------------------------------
cd "$T/a"
for blank in "" "   " $'\t \n '; do
	for args in "note|$blank" "note|--learning|$blank" "todo|$blank" "decision|$blank" \
		"decision|a choice|--why|$blank" "todo|x|--blocked-by|$blank" \
		"stop|--summary|$blank" "start|-C|$T|--focus|$blank" "edit|--focus|$blank" \
		"add|-C|$T|--start|10m ago|--end|5m ago|--focus|$blank"; do
		IFS='|' read -r -a argv <<<"$args"
		# read drops an empty last field: put it back.
		[ ${#argv[@]} -lt $(($(tr -cd '|' <<<"$args" | wc -c) + 1)) ] && argv+=("")
		stint_run "${argv[@]}"
		expect_eq 2 "$rc" "${argv[*]@Q}: exit status (stderr: $err)"
		[[ $err == *"must not be blank"* || $err == *"must not be empty"* || $err == *"needs TEXT"* ]] ||
			fail "${argv[*]@Q}: no reason given: $err"
	done
done
# TEXT from stdin: the same.
set +e
printf '  \n\n' | "$STINT" note - 2>"$T/err"
rc=$?
set -e
expect_eq 2 "$rc" "blank note from stdin"
expect_contains "$(cat "$T/err")" "note must not be blank" "blank note from stdin"

# Nothing of it reached the session, and stintd still serves.
stint_run status --json -C "$T/a"
expect_eq 0 "$rc" "status at the end"
keep_doc
python3 - "$T" "$ndocs" <<'PY' || fail "the --json outputs above"
import json, sys
t, n = sys.argv[1], int(sys.argv[2])
docs = [json.load(open(f"{t}/doc.{i}")) for i in range(1, n + 1)]
assert n >= 15, n
s = docs[-1]["sessions"][0]
assert (s["notes"], s["todos"], s["focus"]) == (0, 0, "the one open"), s
PY

# stintd's own options: a typo after a print option is a usage error, not ignored (exit 2,
# nothing printed on stdout, the option named).
for printer in --print-config-markdown --print-default-config --print-config-scdoc --version --help; do
	rc=0
	"$STINTD" "$printer" --bogus >"$T/out" 2>"$T/err" || rc=$?
	expect_eq 2 "$rc" "stintd $printer --bogus: exit status"
	expect_eq "" "$(cat "$T/out")" "stintd $printer --bogus: stdout"
	expect_contains "$(cat "$T/err")" "unrecognized option '--bogus'" "stintd $printer --bogus: stderr"
	# The synopsis and where the rest is, not every option.
	expect_contains "$(cat "$T/err")" "Run 'stintd --help' for details." "stintd $printer --bogus: stderr"
	[ "$(wc -l <"$T/err")" -le 8 ] || fail "stintd $printer --bogus printed the whole help: $(cat "$T/err")"
	rc=0
	"$STINTD" "$printer" stray >"$T/out" 2>"$T/err" || rc=$?
	expect_eq 2 "$rc" "stintd $printer stray: exit status"
	expect_contains "$(cat "$T/err")" "stintd: unexpected argument 'stray'" "stintd $printer stray: stderr"
done
"$STINTD" --print-config-markdown >"$T/out" || fail "stintd --print-config-markdown alone failed"
[ -s "$T/out" ] || fail "stintd --print-config-markdown printed nothing"
