#!/usr/bin/env bash
# Requests parked behind their session's operation in flight are released together when a
# batch of the store ends: each is committed once and answered once, and stintd survives
# (issue 13's kill -9 soak found a second start of the pending batch: two workers ran it at once).
. "$(dirname "$0")/lib.sh" || exit 1 # never run outside its private environment

make_repo "$T/a"
make_repo "$T/b"
daemon_start
"$STINT" start -C "$T/a" >/dev/null
"$STINT" start -C "$T/b" >/dev/null
# Twelve notes at once on each of two sessions: most park, and one batch's end releases both.
n=0
for burst in 1 2 3 4 5; do
	pids=()
	for i in $(seq 1 12); do
		for r in a b; do
			{ "$STINT" note -C "$T/$r" "parked $r $burst.$i end" >/dev/null 2>"$T/err.$r.$burst.$i" &&
				echo "parked $r $burst.$i end" >>"$T/acked.$r"; } &
			pids+=($!)
		done
		n=$((n + 1))
	done
	wait "${pids[@]}" # not a bare wait: stintd is a child too
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "stintd died during burst $burst"
done
for r in a b; do
	expect_eq "$n" "$(wc -l <"$T/acked.$r")" "acknowledged notes in $r (errors: $(cat "$T"/err.$r.* | sort | uniq -c))"
	expect_eq "$n" "$("$STINT" status --json -C "$T/$r" | json_get '["sessions"][0]["notes"]')" \
		"notes of the session in $r"
	log=$("$STINT" stop -C "$T/$r" | tail -n 1)
	while read -r text; do
		grep -qF -- "$text" "$log" || fail "[$text] acknowledged, not in the log of $r: $log"
	done <"$T/acked.$r"
done
daemon_stop
echo ok
