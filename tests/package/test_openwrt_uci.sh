#!/usr/bin/env bash
# The OpenWrt package's UCI translation (openwrt/portctl/files/
# portctld-uci.awk, issue 10): each sample UCI file here, and the package's
# own /etc/config/portctld, translates to the expected portctld.conf with
# every awk at hand (busybox awk, which OpenWrt runs, and Debian's mawk
# and gawk), and `portctld -n` accepts the result in a network namespace
# with the interfaces the sample names; files it cannot translate fail
# with the line and the reason.  OpenWrt's own tools (uci, network.sh,
# procd) are not here: the init script resolves networks to devices and
# passes them as devices="lan=br-lan ..." exactly as this test does.
#
#   test_openwrt_uci.sh PORTCTLD
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
PORTCTLD="${1:?usage: $0 PORTCTLD}"
FILES="$HERE/../../openwrt/portctl/files"
AWK_FILE="$FILES/portctld-uci.awk"
DEVICES="lan=br-lan guest=br-guest wan=eth1"
# shellcheck source=../netns/lib.sh
. "$HERE/../netns/lib.sh"

awks=()
command -v busybox >/dev/null && awks+=("busybox awk")
for a in mawk gawk original-awk; do
	command -v "$a" >/dev/null && awks+=("$a")
done
[ "${#awks[@]}" -gt 0 ] || { echo "SKIP: no awk"; exit 77; }

T="$(mktemp -d)"
chmod 0711 "$T" # portctld -n as root checks what its user could reach
NS="pctl-uci-$$"
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# translate AWK UCI_FILE: the generated configuration on stdout.
translate() {
	# shellcheck disable=SC2086 # "busybox awk" is two words
	$1 -f "$AWK_FILE" -v devices="$DEVICES" "$2"
}

# The router the samples describe: br-lan, br-guest and eth1 with
# documentation addresses, in a namespace of the test's own (veth pairs:
# the dummy module may be missing).
have_ns=0
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && ip netns add "$NS" 2>/dev/null; then
	ip -n "$NS" link set lo up
	for d in br-lan br-guest eth1; do
		ip -n "$NS" link add "$d" type veth peer name "$d-peer" &&
			ip -n "$NS" link set "$d" up && ip -n "$NS" link set "$d-peer" up
	done
	ip -n "$NS" addr add 192.0.2.1/24 dev br-lan
	ip -n "$NS" addr add 2001:db8:1::1/64 dev br-lan nodad
	ip -n "$NS" addr add 198.51.100.1/24 dev br-guest
	ip -n "$NS" addr add 203.0.113.1/24 dev eth1
	have_ns=1
else
	echo "# not root: portctld -n is not run on the results"
fi

good() { # good UCI_FILE EXPECTED
	local name out a first=""
	name=$(basename "$1")
	for a in "${awks[@]}"; do
		out="$T/${name}.${a// /-}.conf"
		if ! translate "$a" "$1" >"$out" 2>"$T/err"; then
			fail "$a translates $name ($(cat "$T/err"))"
			continue
		fi
		if grep -v '^#' "$out" | diff -u "$2" - >"$T/diff"; then
			ok "$a translates $name as expected"
		else
			fail "$a translates $name as expected"
			cat "$T/diff"
		fi
		first=${first:-$out}
	done
	[ "$have_ns" = 1 ] && [ -n "$first" ] || return 0
	# The paths of the sample are OpenWrt's: the check uses the test's.
	if ip netns exec "$NS" "$PORTCTLD" -n -c "$first" --control "$T/run/ctl.sock" \
		--state-dir "$T/state" >"$T/check" 2>&1; then
		ok "portctld -n accepts the translation of $name"
	else
		fail "portctld -n accepts the translation of $name: $(cat "$T/check")"
	fi
}

bad() { # bad UCI_FILE MESSAGE
	local name a
	name=$(basename "$1")
	for a in "${awks[@]}"; do
		if translate "$a" "$1" >"$T/out" 2>"$T/err"; then
			fail "$a refuses $name"
		elif grep -q "$name:[0-9]*: .*$2" "$T/err"; then
			ok "$a refuses $name: $(cat "$T/err")"
		else
			fail "$a refuses $name saying '$2' (said: $(cat "$T/err"))"
		fi
	done
}

good "$FILES/portctld.config" "$HERE/uci/shipped.expected"
good "$HERE/uci/cgn.config" "$HERE/uci/cgn.expected"
bad "$HERE/uci/bad-boolean.config" "not a boolean"
bad "$HERE/uci/bad-quote.config" "unterminated quote"
bad "$HERE/uci/bad-network.config" "network 'wan6' has no device"
bad "$HERE/uci/bad-section.config" "unknown section type 'redirect'"
bad "$HERE/uci/bad-rule.config" "action must be allow or deny"
netns_done
