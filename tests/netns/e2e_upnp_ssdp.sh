#!/usr/bin/env bash
# UPnP IGD discovery (issue 11), portctld with `upnp yes` on the router
# namespace, internal interface lan0, external wan0:
#  - the start line names the sockets: HTTP on lan0 port 5000, SSDP on lan0;
#  - NOTIFY ssdp:alive reaches the LAN at start, ssdp:byebye at stop, and
#    nothing reaches the WAN;
#  - a raw M-SEARCH (socat) from the LAN gets answers with LOCATION
#    http://192.0.2.1:5000/rootDesc.xml and the UDA 1.1 headers; over IPv6
#    (ff02::c) LOCATION is http://[2001:db8:1::1]:5000/rootDesc.xml; an
#    older version of our device type is echoed as asked; a unicast search
#    is answered too;
#  - python3-miniupnpc's discover (a client written by others) finds it, and
#    upnpc -l reads its description there;
#  - from the WAN: M-SEARCH to the group on the WAN link, and unicast to the
#    router's LAN and WAN addresses (the classic hole), get nothing; an
#    HTTP connection to port 5000 at either address is refused;
#  - the UUID is the same after a restart (derived from the machine id);
#  - when the LAN address changes: byebye, then alive at the new LOCATION
#    with a new BOOTID.UPNP.ORG.
# Usage: e2e_upnp_ssdp.sh NFT_DRIVER PORTCTLD
# shellcheck disable=SC2317 # functions called through check
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh (netns_start_portctld)
PORTCTLD="${2:?usage: $0 NFT_DRIVER PORTCTLD}"
PROBE="$HERE/ssdp_probe.py"
PY=/usr/bin/python3
command -v upnpc >/dev/null || { echo "SKIP: upnpc (miniupnpc) missing"; exit 77; }
"$PY" -c 'import miniupnpc' 2>/dev/null || { echo "SKIP: python3-miniupnpc missing"; exit 77; }

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT

# Listeners in the SSDP group on both sides, before the daemon starts, to
# see its advertisements.
netns_spawn "$NS_INT" socat -u \
	UDP4-RECV:1900,reuseaddr,ip-add-membership=239.255.255.250:eth0 \
	OPEN:"$T/lan-notify",creat,append
netns_spawn "$NS_EXT" socat -u \
	UDP4-RECV:1900,reuseaddr,ip-add-membership=239.255.255.250:eth0 \
	OPEN:"$T/wan-notify",creat,append
wait_listen "$NS_INT" 1900 u && wait_listen "$NS_EXT" 1900 u ||
	{ echo "listeners down"; exit 1; }
touch "$T/lan-notify" "$T/wan-notify"

netns_portctld_conf "$T/conf" "upnp yes"
netns_start_portctld "$T/conf" "$T/log" || { cat "$T/log"; echo "no start"; exit 1; }
check "log: HTTP on lan0 port 5000, SSDP on lan0" \
	grep -q "upnp: HTTP on lan0 port 5000, SSDP on lan0" "$T/log"
wait_listen "$NS_RTR" 5000 || fail "HTTP listener"

# wait_for FILE PATTERN: bounded.
wait_for() {
	local _
	for _ in $(seq 1 40); do
		grep -qa "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
check "NOTIFY ssdp:alive on the LAN" wait_for "$T/lan-notify" "NTS: ssdp:alive"
check "NOTIFY names LOCATION http://192.0.2.1:5000/rootDesc.xml" \
	grep -qa "LOCATION: http://192.0.2.1:5000/rootDesc.xml" "$T/lan-notify"
check "NOTIFY for the root device" grep -qa "^NT: upnp:rootdevice" "$T/lan-notify"

# A raw M-SEARCH with socat; the answers come from the router's address.
msearch_socat() {
	printf 'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: %s\r\n\r\n' "$1" |
		in_int timeout "$STEP_TIMEOUT" socat -T2 -t2 - \
			UDP4-DATAGRAM:239.255.255.250:1900,ip-multicast-if=192.0.2.2,ip-multicast-ttl=2 \
			2>/dev/null
}
IGD=urn:schemas-upnp-org:device:InternetGatewayDevice
msearch_socat "$IGD:2" >"$T/ans-v4"
check "M-SEARCH IGD:2: 200 OK" grep -qa "^HTTP/1.1 200 OK" "$T/ans-v4"
check "answer LOCATION http://192.0.2.1:5000/rootDesc.xml" \
	grep -qa "^LOCATION: http://192.0.2.1:5000/rootDesc.xml" "$T/ans-v4"
check "answer ST echoed" grep -qa "^ST: $IGD:2" "$T/ans-v4"
check "answer USN uuid::type" grep -qa "^USN: uuid:[0-9a-f-]\{36\}::$IGD:2" "$T/ans-v4"
check "answer CACHE-CONTROL, EXT, SERVER UPnP/1.1, BOOTID, CONFIGID" \
	sh -c "grep -qa '^CACHE-CONTROL: max-age=1800' '$T/ans-v4' &&
	       grep -qa '^EXT:' '$T/ans-v4' &&
	       grep -qa '^SERVER: .* UPnP/1.1 portctl/' '$T/ans-v4' &&
	       grep -qa '^BOOTID.UPNP.ORG: [0-9]' '$T/ans-v4' &&
	       grep -qa '^CONFIGID.UPNP.ORG: [0-9]' '$T/ans-v4'"
msearch_socat "$IGD:1" >"$T/ans-v1"
check "M-SEARCH IGD:1 answered as IGD:1 (UDA 1.1 version echo)" \
	grep -qa "^ST: $IGD:1" "$T/ans-v1"
msearch_socat "$IGD:3" >"$T/ans-v3"
check_not "M-SEARCH IGD:3 (newer than ours) not answered" test -s "$T/ans-v3"
msearch_socat "ssdp:all" >"$T/ans-all"
check "M-SEARCH ssdp:all: 10 answers" \
	test "$(grep -ac '^HTTP/1.1 200 OK' "$T/ans-all")" -eq 10

in_int "$PY" "$PROBE" ff02::c eth0 upnp:rootdevice 2 >"$T/ans-v6"
check "IPv6 M-SEARCH (ff02::c): LOCATION http://[2001:db8:1::1]:5000/rootDesc.xml" \
	grep -qa "^LOCATION: http://\[2001:db8:1::1\]:5000/rootDesc.xml" "$T/ans-v6"
in_int "$PY" "$PROBE" 192.0.2.1 eth0 upnp:rootdevice 2 - >"$T/ans-uni"
check "unicast M-SEARCH to 192.0.2.1 answered" \
	grep -qa "^LOCATION: http://192.0.2.1:5000/rootDesc.xml" "$T/ans-uni"
USN1=$(grep -am1 '^USN: ' "$T/ans-uni" | tr -d '\r')

check "python3-miniupnpc discovers the router" \
	in_int timeout "$STEP_TIMEOUT" "$PY" -c '
import miniupnpc, sys
u = miniupnpc.UPnP()
u.discoverdelay = 1500
sys.exit(0 if u.discover() >= 1 else 1)'
in_int timeout 10 upnpc -l >"$T/upnpc" 2>&1
check "upnpc -l reads the description at 192.0.2.1:5000" \
	grep -q "desc: http://192.0.2.1:5000/rootDesc.xml" "$T/upnpc"

# The WAN side: nothing, whoever it addresses.
in_ext "$PY" "$PROBE" 239.255.255.250 eth0 ssdp:all 2 >"$T/wan-mc"
check_not "WAN: M-SEARCH to the group unanswered" test -s "$T/wan-mc"
in_ext "$PY" "$PROBE" 192.0.2.1 eth0 ssdp:all 2 - >"$T/wan-lan"
check_not "WAN: unicast M-SEARCH to the LAN address 192.0.2.1 unanswered" \
	test -s "$T/wan-lan"
in_ext "$PY" "$PROBE" 203.0.113.1 eth0 ssdp:all 2 - >"$T/wan-wan"
check_not "WAN: unicast M-SEARCH to the WAN address unanswered" test -s "$T/wan-wan"
in_ext "$PY" "$PROBE" ff02::c eth0 ssdp:all 2 >"$T/wan-v6"
check_not "WAN: IPv6 M-SEARCH to ff02::c unanswered" test -s "$T/wan-v6"
http_get() { # NS ADDR: the first line of GET /rootDesc.xml, or nothing
	printf 'GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		ip netns exec "$1" timeout "$STEP_TIMEOUT" socat -T2 - \
			"$(_sock TCP "$2" 5000),connect-timeout=2" 2>/dev/null | head -1
}
check_not "WAN: HTTP to 192.0.2.1:5000 gets nothing" test -n "$(http_get "$NS_EXT" 192.0.2.1)"
check_not "WAN: HTTP to 203.0.113.1:5000 gets nothing" test -n "$(http_get "$NS_EXT" 203.0.113.1)"
check_not "WAN: HTTP to [2001:db8:1::1]:5000 gets nothing" \
	test -n "$(http_get "$NS_EXT" 2001:db8:1::1)"
check_not "WAN: no NOTIFY" grep -qa NOTIFY "$T/wan-notify"

# Stop: byebye.  Then the same UUID at the next start.
kill -TERM "$DAEMON"
wait "$DAEMON"
check "NOTIFY ssdp:byebye on the LAN at stop" wait_for "$T/lan-notify" "NTS: ssdp:byebye"
netns_start_portctld "$T/conf" "$T/log2" || fail "second start"
in_int "$PY" "$PROBE" 192.0.2.1 eth0 upnp:rootdevice 2 - >"$T/ans-uni2"
check "the same USN (UUID) after a restart: $USN1" \
	test "$(grep -am1 '^USN: ' "$T/ans-uni2" | tr -d '\r')" = "$USN1"
# The LAN address changes: byebye, then alive at the new LOCATION with a
# new BOOTID (UDA 1.1 section 1.2.2).
: >"$T/lan-notify"
# (The new address stays when the old primary goes.)
in_rtr sysctl -qw net.ipv4.conf.lan0.promote_secondaries=1
ip -n "$NS_RTR" addr add 192.0.2.254/24 dev lan0
ip -n "$NS_RTR" addr del 192.0.2.1/24 dev lan0
check "address change: ssdp:byebye" wait_for "$T/lan-notify" "NTS: ssdp:byebye"
check "address change: ssdp:alive at http://192.0.2.254:5000/rootDesc.xml" \
	wait_for "$T/lan-notify" "LOCATION: http://192.0.2.254:5000/rootDesc.xml"
check "address change: a new BOOTID.UPNP.ORG" \
	test "$(grep -a '^BOOTID.UPNP.ORG' "$T/lan-notify" | sort -u | wc -l)" -eq 2
check_not "daemon logged no error" grep -qi "error\|sanitizer" "$T/log" "$T/log2"
netns_done
