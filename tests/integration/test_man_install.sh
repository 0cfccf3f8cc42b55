#!/usr/bin/env bash
# Installed as scripts/install installs them, under ~/.local of a private HOME, the man pages
# are found by the real man through ~/.local/bin on PATH alone (man-db maps DIR/bin to
# DIR/share/man), and the installed units' Documentation=man:stintd(8) man:stint(1) resolve:
# systemd-analyze --user verify --man=yes passes with no output.
. "$(dirname "$0")/lib.sh"

: "${STINT_SOURCE_DIR:?set by ctest}" "${STINT_BUILD_DIR:?set by ctest}"

command -v man >/dev/null 2>&1 ||
	fail "man is not installed (Debian package man-db, in scripts/deps)"
command -v systemd-analyze >/dev/null 2>&1 ||
	fail "systemd-analyze is not installed (Debian package systemd, in scripts/deps)"
[[ -f $STINT_BUILD_DIR/man/man1/stint.1 ]] ||
	fail "the build has no man pages: scdoc was not found when it was configured (Debian package scdoc)"

prefix=$HOME/.local
out=$(cmake --install "$STINT_BUILD_DIR" --prefix "$prefix" 2>&1) || fail "cmake --install failed: $out"
for page in man1/stint.1 man8/stintd.8 man5/stint-config.5 man5/stint-template.5; do
	[[ -f $prefix/share/man/$page ]] || fail "cmake --install put no $prefix/share/man/$page"
done

# man as a login shell would run it: no MANPATH, the system's PATH with ~/.local/bin first.
sysman() { env -u MANPATH PATH="/usr/bin:/bin" "$@"; }
userman() { env -u MANPATH PATH="$prefix/bin:/usr/bin:/bin" "$@"; }

# Without ~/.local/bin on PATH no page is found: what finds them below is that entry alone.
if found=$(sysman man -w stint 2>/dev/null); then
	fail "man -w stint found $found without $prefix/bin on PATH; the test cannot tell what finds the pages"
fi
for args in "stint" "1 stint" "8 stintd" "5 stint-config" "5 stint-template"; do
	read -r -a a <<<"$args"
	name=${a[-1]}
	status=0
	where=$(userman man -w "${a[@]}" 2>&1) || status=$?
	((status == 0)) || fail "man -w $args with $prefix/bin on PATH: exit $status: $where"
	case $where in
	"$prefix/share/man/man"*"/$name."[158]) ;;
	*) fail "man -w $args found $where, not the page under $prefix/share/man" ;;
	esac
	# The page itself, as man shows it.
	text=$(userman MANWIDTH=80 man "${a[@]}" 2>&1) || fail "man $args failed: $text"
	grep -q "^NAME" <<<"$text" || fail "man $args shows no NAME section: $text"
	grep -q "^ *$name - " <<<"$text" || fail "man $args does not show the page of $name: $text"
done

# The installed units. ExecStart holds the build's configured prefix: point it at the
# installed stintd, which verify checks exists; everything else is as installed.
units=$prefix/lib/systemd/user
for u in stintd.socket stintd.service; do
	[[ -f $units/$u ]] || fail "cmake --install put no $units/$u"
	grep -qxF 'Documentation=man:stintd(8) man:stint(1)' "$units/$u" ||
		fail "$u: expected Documentation=man:stintd(8) man:stint(1), got: $(grep '^Documentation=' "$units/$u")"
done
sed -i "s|^ExecStart=.*|ExecStart=$prefix/bin/stintd|" "$units/stintd.service"
verify() { # PATH
	(cd "$units" && env -i PATH="$1" HOME="$HOME" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
		XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" LANG=C.UTF-8 \
		systemd-analyze --user verify --man=yes "$units/stintd.socket" "$units/stintd.service" 2>&1)
}
status=0
out=$(verify "$prefix/bin:/usr/bin:/bin") || status=$?
if ((status != 0)) || [[ -n $out ]]; then
	fail "systemd-analyze --user verify --man=yes on the installed units (exit $status) said:"$'\n'"$out"
fi
# The man check must be live: without ~/.local/bin on PATH the pages cannot resolve.
status=0
out=$(verify "/usr/bin:/bin") || status=$?
((status != 0)) && grep -q "man stintd(8)" <<<"$out" ||
	fail "verify passed with the pages out of reach (exit $status): it checks no man page here: $out"

echo "ok: man finds stint(1), stintd(8), stint-config(5), stint-template(5) through $prefix/bin; the installed units verify"
