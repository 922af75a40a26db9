#!/usr/bin/env bash
# The same as test_nft_backend.sh, but through the real programs: portctld
# --backend nftables on the router, `portctl map` on the internal host
# (PCP and NAT-PMP), real TCP/UDP from the external host.
# Usage: e2e_portctld_nft.sh NFT_DRIVER PORTCTLD PORTCTL
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need jq

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT

netns_portctld_conf "$T/conf"

for p in 8080 8081 8082 8083 8084; do
	serve_ok "$NS_INT" "$p"
done
wait_listen "$NS_INT" 8084 && wait_listen "$NS_INT" 8084 u || { echo "servers down"; exit 1; }

check "portctld --backend nftables starts" netns_start_portctld "$T/conf" "$T/log"

# pmap ARGS...: portctl map from the internal host; prints the external port.
pmap() {
	tool in_int "$PORTCTL" map -t 5 --state "$T/state" -j "$@" >"$T/map.json" || return 1
	jq -r .external_port "$T/map.json"
}

port=$(pmap -s 192.0.2.1 -l 60 tcp 8080)
check "portctl map tcp 8080 granted (external port $port)" [ -n "$port" ]
check "PCP MAP: TCP from outside reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 "$port"
uport=$(pmap -s 192.0.2.1 -l 60 udp 8080)
check "PCP MAP: UDP from outside reaches the inside" udp_ok "$NS_EXT" 203.0.113.1 "$uport"

check "portctl delete tcp 8080" tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 192.0.2.1 tcp 8080
check_not "after delete: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 "$port"

fport=$(pmap -s 192.0.2.1 -l 60 --filter 203.0.113.2/32 tcp 8081)
check "PCP MAP with FILTER granted ($fport)" [ -n "$fport" ]
check "S-80: allowed remote gets in" tcp_ok "$NS_EXT" 203.0.113.1 "$fport" bind=203.0.113.2
check_not "S-80: other remote is dropped" tcp_ok "$NS_EXT" 203.0.113.1 "$fport" bind=203.0.113.3

sport=$(pmap -s 192.0.2.1 -l 2 tcp 8082)
check "short-lived mapping works" tcp_ok "$NS_EXT" 203.0.113.1 "$sport"
sleep 4
check_not "after its lifetime: TCP refused (kernel expiry)" tcp_ok "$NS_EXT" 203.0.113.1 "$sport"

pmap -s 2001:db8:1::1 -l 60 -6 tcp 8083 >/dev/null
check "PCP MAP IPv6 pinhole: TCP from outside reaches the inside" tcp_ok "$NS_EXT" 2001:db8:1::2 8083
check_not "IPv6 pinhole opens nothing for IPv4" tcp_ok "$NS_EXT" 203.0.113.1 8083

nport=$(pmap -s 192.0.2.1 -l 60 --nat-pmp udp 8084)
check "NAT-PMP map udp 8084 granted ($nport)" [ -n "$nport" ]
check "NAT-PMP: UDP from outside reaches the inside" udp_ok "$NS_EXT" 203.0.113.1 "$nport"

# PEER (S-64): a new flow's mapping, then the flow leaves on that port.
serve_peer "$NS_EXT" 9999
wait_listen "$NS_EXT" 9999 u
pport=$(tool in_int "$PORTCTL" peer -t 5 --state "$T/state" -j -s 192.0.2.1 -l 60 \
	udp 7003 203.0.113.2:9999 | jq -r .external_port)
check "PCP PEER udp 7003 -> 203.0.113.2:9999 granted ($pport)" [ -n "$pport" ]
seen=$(udp_get "$NS_INT" 203.0.113.2 9999 "sourceport=7003,reuseaddr")
check "PEER: the flow leaves on the granted port (saw $seen)" [ "$seen" = "203.0.113.1 $pport" ]
# An existing flow (made by the router's masquerade): PEER learns its port.
flow=$(udp_get "$NS_INT" 203.0.113.2 9999 "sourceport=7004,reuseaddr")
pport=$(tool in_int "$PORTCTL" peer -t 5 --state "$T/state" -j -s 192.0.2.1 -l 60 \
	udp 7004 203.0.113.2:9999 | jq -r .external_port)
check "S-64: PEER on an existing flow returns its port ($flow vs $pport)" \
	[ "$flow" = "203.0.113.1 $pport" ]

kill -TERM "$DAEMON"
for _ in $(seq 1 50); do
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
alive() { kill -0 "$1" 2>/dev/null; }
check_not "portctld stopped on SIGTERM" alive "$DAEMON"
check_not "clean stop: table inet portctl removed" in_rtr nft list table inet portctl
check_not "clean stop: mappings gone" udp_ok "$NS_EXT" 203.0.113.1 "$nport"
check "router's own NAT table untouched" in_rtr nft list table ip rtrnat
[ "$FAILURES" -eq 0 ] || cat "$T/log"

netns_done
