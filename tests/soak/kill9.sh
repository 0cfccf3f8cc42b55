#!/usr/bin/env bash
# The kill -9 soak (issue 13): ROUNDS times, several `stint` clients at once send notes, todos,
# starts and stops over several real repositories, with commits going on, and the real stintd
# is killed with SIGKILL at a random moment. After each kill (and at the end) every item a
# client got an acknowledgement for (exit 0) must be in the store, with each session's start
# time unchanged, `PRAGMA integrity_check` ok, and in the Markdown log of a session whose stop
# was acknowledged. Unacknowledged items may or may not be there.
#
#   STINT=build-test/bin/stint STINTD=build-test/bin/stintd bash tests/soak/kill9.sh [ROUNDS]
#
# Environment: SOAK_CLIENTS (4), SOAK_REPOS (3), SOAK_MAX_DELAY_MS (1500: the kill comes this
# long at most after the round's first acknowledgement), SOAK_SEED (printed, for a rerun),
# SOAK_SECONDS (a time budget: no round starts after it, and the summary says how many ran),
# SOAK_KEEP (below).
. "$(dirname "$0")/../integration/lib.sh" || exit 1 # never run outside its private environment

rounds=${1:-20}
clients=${SOAK_CLIENTS:-4}
nrepos=${SOAK_REPOS:-3}
max_delay_ms=${SOAK_MAX_DELAY_MS:-1500}
seed=${SOAK_SEED:-$$}
budget=${SOAK_SECONDS:-0}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || fail "usage: kill9.sh [ROUNDS]: ROUNDS must be a positive integer, not [$rounds]"
[[ $budget =~ ^[0-9]+$ ]] || fail "SOAK_SECONDS must be a number of seconds, not [$budget]"
command -v timeout >/dev/null || skip "needs timeout (coreutils)"
RANDOM=$seed
CHECK="$(dirname "$0")/soak_check.py"
DB="$XDG_STATE_HOME/stint/stint.db"
STATE="$T/soak-state.json"
ACKS="$T/acks"
STOPFILE="$T/stop-clients"
mkdir -p "$ACKS"

REPOS=()
for i in $(seq 1 "$nrepos"); do
	make_repo "$T/repo$i"
	REPOS+=("$T/repo$i")
done

# Runs one stint request, bounded; on exit 0 appends KIND, TEXT and the reply to the ack file.
soak_ack() { # ACKFILE KIND TEXT STINT-ARGS...
	local file=$1 kind=$2 text=$3 out
	shift 3
	out=$(timeout 20 "$STINT" "$@" 2>/dev/null) || return 0
	printf '%s\t%s\t%s\n' "$kind" "$text" "${out//$'\n'/ }" >>"$file"
}

# One client: random requests until the stop file appears (or 60 s pass), each text unique.
soak_client() { # ID ROUND
	local id=$1 round=$2 seq=0 repo text file="$ACKS/r$2.c$1" end=$((SECONDS + 60))
	while [ ! -e "$STOPFILE" ] && [ $SECONDS -lt $end ]; do
		seq=$((seq + 1))
		repo=${REPOS[RANDOM % nrepos]}
		text="soak-c$id-r$round-n$seq-end"
		case $((RANDOM % 20)) in
		[0-7]) soak_ack "$file" note "$text" note --json -C "$repo" -- "$text" ;;
		8 | 9 | 10 | 11) soak_ack "$file" todo "$text" todo --json -C "$repo" -- "$text" ;;
		12 | 13 | 14) soak_ack "$file" start "$text" start --json -C "$repo" --focus "$text" ;;
		15 | 16) soak_ack "$file" stop "$text" stop --json -C "$repo" ;;
		*) # a commit: activity for the watch; clients racing for index.lock may fail, unacknowledged
			echo "$text" >>"$repo/c$id.txt"
			{ git -C "$repo" add "c$id.txt" && git -C "$repo" commit -qm "$text"; } >/dev/null 2>&1 || true
			;;
		esac
	done
	return 0
}

# The kill: stintd must still be alive for it (a crash of its own is a failure, not a kill).
soak_kill9() {
	local rc=0
	if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		wait "$DAEMON_PID" || rc=$?
		DAEMON_PID=
		soak_keep
		fail "round $round: stintd died before the kill, exit status $rc$( ((rc > 128)) && echo " (signal $((rc - 128)))")"
	fi
	daemon_kill9
}

# On any exit, the clients stop before lib.sh's cleanup removes their directories.
soak_cleanup() {
	local rc=$?
	touch "$STOPFILE" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	(exit $rc)
	cleanup
}
pids=()
trap soak_cleanup EXIT

round_acked() { # ROUND: some client of this round has an acknowledgement
	compgen -G "$ACKS/r$1.c*" >/dev/null
}

# With SOAK_KEEP=DIR, a failed check leaves there what it saw: the store as the kill left it
# (copied before the checker opens it), the acknowledgements, stintd's log and the session logs.
soak_keep() {
	[ -n "${SOAK_KEEP:-}" ] || return 0
	mkdir -p "$SOAK_KEEP"
	cp -a "$T/store-copy" "$ACKS" "$DAEMON_LOG" "$XDG_DATA_HOME/stint/logs" "$SOAK_KEEP/" 2>/dev/null || true
	echo "soak: kept in $SOAK_KEEP" >&2
}

check_store() { # [--all-logs]
	if [ -n "${SOAK_KEEP:-}" ]; then
		rm -rf "$T/store-copy"
		cp -a "$XDG_STATE_HOME/stint" "$T/store-copy"
	fi
	python3 "$CHECK" store "$DB" "$STATE" "$ACKS"/* "$@" >"$T/check.out" || {
		soak_keep
		fail "round $round: $(cat "$T/check.out")"
	}
}

check_live() {
	"$STINT" status --json >"$T/status.json" || fail "round $round: status after the restart failed"
	python3 "$CHECK" live "$STATE" <"$T/status.json" || fail "round $round: start time changed"
}

t0=$SECONDS
kills=0
echo "soak: $rounds rounds, $clients clients, $nrepos repositories, seed $seed"
daemon_start
ran=0
for round in $(seq 1 "$rounds"); do
	if ((budget > 0 && SECONDS - t0 >= budget)); then
		echo "soak: the budget of $budget s is spent after $ran of $rounds rounds"
		break
	fi
	ran=$round
	rm -f "$STOPFILE"
	pids=()
	for c in $(seq 1 "$clients"); do
		soak_client "$c" "$round" &
		pids+=($!)
	done
	# The kill lands in the burst: after the round's first acknowledgement, then a random delay.
	wait_for 30 round_acked "$round" || fail "round $round: no acknowledgement in 30 s"
	delay=$((RANDOM * 32768 + RANDOM))
	delay=$((delay % (max_delay_ms + 1)))
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	soak_kill9
	kills=$((kills + 1))
	touch "$STOPFILE"
	for p in "${pids[@]}"; do
		wait "$p" || fail "round $round: client $p failed"
	done
	check_store
	daemon_start
	check_live
	[ $((round % 50)) -ne 0 ] || echo "soak: round $round after $((SECONDS - t0)) s: $(cat "$T/check.out")"
done

# The end: every open session stopped with an acknowledgement, then SIGTERM, then every log.
for repo in "${REPOS[@]}"; do
	soak_ack "$ACKS/final" stop "final" stop --json -C "$repo"
done
daemon_stop
check_store --all-logs
summary=$(cat "$T/check.out")
[[ $summary == *" lost 0 integrity ok "* ]] || fail "$summary"
echo "soak: rounds $ran, kills $kills, $summary, $((SECONDS - t0)) s"
