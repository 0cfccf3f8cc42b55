#!/usr/bin/env bash
# The user units pass systemd-analyze verify and keep their contract with stintd: the socket
# where stint looks for it, Type=notify with a watchdog, nothing that hides /tmp or $HOME.
set -euo pipefail

: "${STINT_SOURCE_DIR:?set by ctest}" "${STINT_BUILD_DIR:?set by ctest}" "${STINTD:?set by ctest}"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
	exit 77
fi

socket_unit=$STINT_SOURCE_DIR/systemd/stintd.socket
service_unit=$STINT_BUILD_DIR/stintd.service
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

for f in "$socket_unit" "$service_unit"; do
	[[ -f $f ]] || {
		echo "FAIL: $f does not exist"
		exit 1
	}
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/units" "$tmp/broken" "$tmp/home" "$tmp/runtime"
chmod 700 "$tmp/runtime"

# The configured ExecStart is the install path, which does not exist in a build tree: verify
# checks that the binary exists, so point a copy at the stintd just built.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$STINT_BUILD_DIR/CMakeCache.txt")
exec_start=$(sed -n 's/^ExecStart=//p' "$service_unit")
if grep -q '@[A-Za-z_]*@' "$service_unit"; then
	fail "$service_unit still has unsubstituted @VARIABLES@:"
	grep -n '@[A-Za-z_]*@' "$service_unit"
fi
case $exec_start in
"$prefix"/*/stintd) ;;
*) fail "ExecStart=$exec_start is not stintd under the install prefix $prefix" ;;
esac
cp "$socket_unit" "$tmp/units/stintd.socket"
while IFS= read -r line || [[ -n $line ]]; do
	if [[ $line == ExecStart=* ]]; then
		line="ExecStart=$STINTD"
	fi
	printf '%s\n' "$line"
done <"$service_unit" >"$tmp/units/stintd.service"

# A user manager's view (%t is $XDG_RUNTIME_DIR), isolated from the caller's own units and bus.
verify() {
	(cd "$1" && env -i PATH="$PATH" HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime" \
		XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" LANG=C.UTF-8 \
		systemd-analyze --user verify --man=no "$1/stintd.socket" "$1/stintd.service" 2>&1)
}

# verify exits 0 on mere warnings (an unknown key, a bad value), so any line naming a unit fails.
status=0
out=$(verify "$tmp/units") || status=$?
if ((status != 0)) || grep -q 'stintd\.\(socket\|service\)' <<<"$out"; then
	fail "systemd-analyze --user verify rejected the units (exit $status):"
	printf '%s\n' "$out" | sed 's/^/    /'
	for f in "$tmp/units/stintd.socket" "$tmp/units/stintd.service"; do
		echo "  --- $(basename "$f") as checked:"
		sed 's/^/    /' "$f"
	done
elif [[ -n $out ]]; then
	echo "note: systemd-analyze said (not about our units):"
	printf '%s\n' "$out" | sed 's/^/    /'
fi

# Guard against a verify that passes everything: a unit with a missing binary must fail.
cp "$tmp/units/stintd.socket" "$tmp/broken/"
sed "s|^ExecStart=.*|ExecStart=$tmp/no-such-stintd|" "$tmp/units/stintd.service" \
	>"$tmp/broken/stintd.service"
status=0
out=$(verify "$tmp/broken") || status=$?
if ((status == 0)) && ! grep -q 'no-such-stintd' <<<"$out"; then
	fail "systemd-analyze verify accepted a service whose ExecStart does not exist; it checks nothing here"
fi

# The contract with stintd, which systemd-analyze cannot know.
expect_line() {
	local file=$1 want=$2 why=$3
	grep -qxF "$want" "$file" || fail "$(basename "$file"): expected the line '$want' ($why)"
}
refuse_key() {
	local file=$1 key=$2 why=$3
	if grep -q "^$key=" "$file"; then
		fail "$(basename "$file"): $key= must not be set ($why)"
	fi
}
s=$tmp/units/stintd.socket
v=$tmp/units/stintd.service
expect_line "$s" "ListenStream=%t/stint/stintd.sock" "sockpath_resolve looks in \$XDG_RUNTIME_DIR/stint/stintd.sock"
expect_line "$s" "SocketMode=0600" "only the user may connect"
expect_line "$s" "DirectoryMode=0700" "sockpath_dir_ensure refuses a socket dir with group or other access"
expect_line "$s" "WantedBy=sockets.target" "enable starts the socket at login"
expect_line "$s" "Documentation=man:stintd(8) man:stint(1)" "the pages stint installs (test_man_install)"
expect_line "$v" "Documentation=man:stintd(8) man:stint(1)" "the pages stint installs (test_man_install)"
expect_line "$v" "Type=notify" "stintd sends READY=1"
expect_line "$v" "NotifyAccess=main" "only stintd itself may notify"
expect_line "$v" "Restart=on-failure" "a crashed daemon comes back"
expect_line "$v" "Also=stintd.socket" "enabling the service enables its socket"
grep -q '^WatchdogSec=[1-9]' "$v" || fail "stintd.service: expected a WatchdogSec= (stintd pings the watchdog)"
refuse_key "$v" PrivateTmp "stint falls back to a socket under /tmp"
refuse_key "$v" ProtectHome "stintd reads repositories anywhere under \$HOME"

if ((failures)); then
	echo "$failures check(s) failed"
	exit 1
fi
echo "ok: stintd.socket and stintd.service verified"
