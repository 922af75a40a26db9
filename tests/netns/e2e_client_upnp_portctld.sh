#!/usr/bin/env bash
# libportctl's UPnP IGD engine (issue 13) against portctld's own IGD
# (`upnp yes`, issue 11), driven through the library by upnp_drive
# (tests/integration/client), in the namespaces of lib.sh:
#  - UPnP only: TCP 8080 mapped through IGD:2 AddAnyPortMapping with the
#    internal port kept, the snapshot says proto upnp, IGD version 2 and
#    the IGD's HTTP address 192.0.2.1:5000, the external address is
#    portctld's; upnpc -l (a control point written by others) lists it and
#    TCP from the WAN reaches the LAN host; delete: gone from the list and
#    no longer reachable;
#  - an IPv6 pinhole (WANIPv6FirewallControl): granted for our address,
#    deleted;
#  - automatic order against a router that speaks both: PCP answers, so
#    the mapping is PCP's, not UPnP's (PCP is preferred where it answers).
# Usage: e2e_client_upnp_portctld.sh UPNP_DRIVE NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
DRIVE="$1"
shift
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need upnpc
netns_require_root
[ -x "$DRIVE" ] || { echo "upnp_drive missing: $DRIVE"; exit 1; }
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT
DESC=http://192.0.2.1:5000/rootDesc.xml

netns_portctld_conf "$T/conf" "upnp yes"
netns_start_portctld "$T/conf" "$T/log" || { cat "$T/log"; exit 1; }
wait_listen "$NS_RTR" 5000 || fail "HTTP listener"
serve_ok "$NS_INT" 8080
wait_listen "$NS_INT" 8080 || fail "LAN server"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
drive() { in_int timeout 60 "$DRIVE" "$@" 2>>"$T/drive.log"; }
listed() {
	in_int timeout 10 upnpc -u $DESC -l 2>/dev/null |
		grep -Eq "^ *[0-9]+ TCP +$1->192\.0\.2\.2:8080 "
}
reaches() { tcp_ok "$NS_EXT" 203.0.113.1 "$1"; }

check_not "nothing forwarded before the mapping" reaches 8080
coproc D { drive -s 192.0.2.1 -P upnp map tcp 8080 3600 pause delete; }
DP=$D_PID
NETNS_PIDS+=("$DP")
read -r -t 30 line <&"${D[0]}"
echo "$line"
check "UPnP only: granted" test "$(field event "$line")" = granted
check "proto upnp, IGD:2" test "$(field proto "$line"):$(field upnp "$line")" = upnp:2
check "server is the IGD's HTTP address" \
	test "$(field server "$line")" = 192.0.2.1:5000
check "external address is portctld's" test "$(field ext "$line")" = 203.0.113.1
check "internal port kept" test "$(field port "$line")" = 8080
read -r -t 10 line <&"${D[0]}"
check "paused" test "$line" = paused
check "upnpc -l lists TCP 8080" listed 8080
check "TCP from the WAN reaches the LAN host" reaches 8080
echo go >&"${D[1]}"
read -r -t 30 line <&"${D[0]}"
echo "$line"
check "deleted" test "$(field event "$line")" = deleted
wait "$DP" 2>/dev/null
check_not "not listed after delete" listed 8080
check_not "not forwarded after delete" reaches 8080

out=$(drive -s 192.0.2.1 -s "[2001:db8:1::1]" -P upnp map6 tcp 8080 3600 \
	delete)
echo "$out"
check "IPv6 pinhole granted" grep -q \
	"^map6 event=granted proto=upnp ext=2001:db8:1::2 port=8080 " <<<"$out"
check "IPv6 pinhole deleted" grep -q "^delete event=deleted" <<<"$out"

out=$(drive -s 192.0.2.1 -w 500 map tcp 8080 3600 delete)
echo "$out"
check "auto: PCP answers, PCP is used" \
	test "$(field proto "$(head -1 <<<"$out")")" = pcp
check_not "auto: no UPnP fallback" grep -q "mapping through the UPnP" \
	"$T/drive.log"
check_not "daemon logged no error" grep -qi "error\|sanitizer" "$T/log"
netns_done
