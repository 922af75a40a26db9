#!/usr/bin/env bash
# Surviving the operator's reloads (issue 9): while a client keeps renewing
# and traffic flows, the router's ruleset is reloaded the Debian way
# (`nft -f` of a file starting with `flush ruleset`), then portctld's table
# is deleted, then one of its maps and one of its chains flushed.  Each time portctld must notice
# (nftables notifications), log it, and install its table and every
# mapping again: traffic resumes, no mapping is lost (same admin list,
# same kernel elements), and no request is answered NETWORK_FAILURE.
# Everything happens in the router's namespace only.
#
# Usage: e2e_reload_flush.sh NFT_DRIVER PORTCTLD PORTCTL
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

# The operator's /etc/nftables.conf: flush ruleset, then a firewall with
# policy drop and the documented line.
cat >"$T/nftables.conf" <<'NFT'
flush ruleset
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct label 127 accept
		iifname "lan0" oifname "wan0" accept
	}
}
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT
check "operator firewall loads" in_rtr nft -f "$T/nftables.conf"

netns_portctld_conf "$T/conf"
for p in 8080 8083; do
	serve_ok "$NS_INT" "$p"
done
wait_listen "$NS_INT" 8083 && wait_listen "$NS_INT" 8083 u || { echo "servers down"; exit 1; }
check "portctld starts" netns_start_portctld "$T/conf" "$T/log"

tport=$(netns_pmap -s 192.0.2.1 -l 300 tcp 8080)
uport=$(netns_pmap -s 192.0.2.1 -l 300 udp 8080)
netns_pmap -s 2001:db8:1::1 -l 300 -6 tcp 8083 >/dev/null
check "mappings granted" [ -n "$tport" ] && [ -n "$uport" ]

# The table as the kernel holds it: chains, rules and elements, one per
# line, without the timeouts (they run down), sorted (hash order).
kernel() {
	in_rtr nft list table inet portctl 2>/dev/null |
		sed -e 's/ timeout [0-9hms]*//g; s/ expires [0-9hms]*//g' |
		tr ',' '\n' | sed -e 's/^[[:space:]]*//' | sort
}
traffic() {
	tcp_ok "$NS_EXT" 203.0.113.1 "$tport" && udp_ok "$NS_EXT" 203.0.113.1 "$uport" &&
		tcp_ok "$NS_EXT" 2001:db8:1::2 8083
}
check "traffic flows" traffic
before_maps=$(netns_mappings)
kernel >"$T/kernel.before"
check "the kernel holds the elements" grep -q "203.0.113.1 . tcp . $tport" "$T/kernel.before"

# A client renewing all the time, bounded.
renew() {
	local i
	for i in $(seq 1 60); do
		"$PORTCTL" map -t 2 --state "$T/state" -s 192.0.2.1 -l 300 tcp 8080 >/dev/null 2>&1 ||
			echo "renew $i failed" >>"$T/renew.err"
		sleep 0.1
	done
}
in_int bash -c "$(declare -f renew); PORTCTL='$PORTCTL' T='$T' renew" &
RENEW=$!
NETNS_PIDS+=("$RENEW")

# resumes: traffic back within a bounded number of tries (0.1 s apart).
resumes() {
	local i
	for i in $(seq 1 50); do
		traffic && { echo "  resumed after try $i"; return 0; }
		sleep 0.1
	done
	return 1
}
# logged N: the Nth repair is in the log (bounded wait).
logged() {
	local i
	for i in $(seq 1 30); do
		[ "$(grep -c "table inet portctl changed: " "$T/log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# after WHAT N: traffic resumes, portctld logged its Nth repair, nothing lost.
after() {
	check "$1: traffic resumes" resumes
	check "$1: portctld logged it" logged "$2"
	check "$1: no mapping lost (admin list)" [ "$(netns_mappings)" = "$before_maps" ]
	kernel >"$T/kernel.after"
	check "$1: the kernel holds the same table and elements" \
		diff "$T/kernel.before" "$T/kernel.after"
}

sleep 0.5
in_rtr nft -f "$T/nftables.conf"
after "reload with flush ruleset" 1
in_rtr nft delete table inet portctl
after "nft delete table" 2
in_rtr nft flush map inet portctl dnat4
after "nft flush map" 3
in_rtr nft flush chain inet portctl pre
after "nft flush chain" 4

wait "$RENEW"
sleep 0.5
n=$(grep -c "table inet portctl changed: " "$T/log")
check "one repair per change, none for our own changes ($n)" [ "$n" -eq 4 ]
check "every renewal under the reloads succeeded" [ ! -s "$T/renew.err" ]
nf=$(netns_admin stats | jq '.pcp_results.NETWORK_FAILURE // 0')
check "no request answered NETWORK_FAILURE ($nf)" [ "$nf" -eq 0 ]

kill -TERM "$DAEMON"
[ "$FAILURES" -eq 0 ] || { cat "$T/log"; cat "$T/renew.err" 2>/dev/null; }
netns_done
