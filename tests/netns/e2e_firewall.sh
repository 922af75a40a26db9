#!/usr/bin/env bash
# Firewall integration (issue 9): the router runs an operator firewall whose
# forward chain drops by default, and portctld beside it.  A granted
# mapping must carry real TCP and UDP from outside, over IPv4 (NAT44) and
# IPv6 (pinhole), with exactly the one line portctld(8) documents, in
# whatever order the base chains run; without that line the traffic is
# refused (so the test can fail); after a delete it is refused again.
#
# Usage: e2e_firewall.sh debian|fw4 NFT_DRIVER PORTCTLD PORTCTL
#   debian  /etc/nftables.conf style: table inet filter, forward policy
#           drop, established/related and LAN->WAN accepted, masquerade.
#   fw4     OpenWrt's table inet fw4 as fw4 generates it for a lan and a
#           wan zone, with the line as an include of chain forward_wan
#           (/usr/share/nftables.d/chain-pre/forward_wan/).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
KIND="${1:?usage: $0 debian|fw4 NFT_DRIVER PORTCTLD PORTCTL}"
shift
netns_e2e_args "$@"
netns_need jq

# The one line of FIREWALL INTEGRATION in portctld(8).
LINE='ct label 127 accept comment "portctld: flows a PCP mapping admits"'

# debian_ruleset: lib.sh.

# fw4_ruleset PRIO [LINE]: the parts of fw4's table that forwarded traffic
# meets, as fw4 writes them for zone lan (lan0) and zone wan (wan0, input
# and forward rejected, masquerading); LINE goes where an include of
# chain-pre/forward_wan lands: first in chain forward_wan.
fw4_ruleset() {
	cat <<NFT
table inet fw4 {
	chain input {
		type filter hook input priority filter; policy accept;
	}
	chain forward {
		type filter hook forward priority $1; policy drop;
		ct state vmap { established : accept, related : accept, invalid : drop } comment "!fw4: Handle forwarded flows"
		iifname "lan0" jump forward_lan comment "!fw4: Handle lan IPv4/IPv6 forward traffic"
		iifname "wan0" jump forward_wan comment "!fw4: Handle wan IPv4/IPv6 forward traffic"
		jump handle_reject
	}
	chain handle_reject {
		meta l4proto tcp reject with tcp reset comment "!fw4: Reject TCP traffic"
		reject comment "!fw4: Reject any other traffic"
	}
	chain forward_lan {
		jump accept_to_wan comment "!fw4: Accept lan to wan forwarding"
		ct status dnat accept comment "!fw4: Accept port forwards"
		jump accept_to_lan
	}
	chain forward_wan {
		${2:-}
		meta nfproto ipv6 icmpv6 type { destination-unreachable, time-exceeded, packet-too-big } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Forward"
		meta l4proto esp counter jump accept_to_lan comment "!fw4: Allow-IPSec-ESP"
		udp dport 500 counter jump accept_to_lan comment "!fw4: Allow-ISAKMP"
		ct status dnat accept comment "!fw4: Accept port forwards"
		jump reject_to_wan
	}
	chain accept_to_lan {
		oifname "lan0" counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"
	}
	chain accept_to_wan {
		meta nfproto ipv4 oifname "wan0" ct state invalid counter drop comment "!fw4: Prevent NAT leakage"
		oifname "wan0" counter accept comment "!fw4: accept wan IPv4/IPv6 traffic"
	}
	chain reject_to_wan {
		oifname "wan0" counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"
	}
	chain dstnat {
		type nat hook prerouting priority dstnat; policy accept;
	}
	chain srcnat {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" jump srcnat_wan comment "!fw4: Handle wan IPv4/IPv6 srcnat traffic"
	}
	chain srcnat_wan {
		meta nfproto ipv4 masquerade comment "!fw4: Masquerade IPv4 wan traffic"
	}
}
NFT
}

case "$KIND" in
debian) TABLE="inet filter" ;;
fw4) TABLE="inet fw4" ;;
*) echo "unknown firewall $KIND"; exit 2 ;;
esac

# firewall PRIO [LINE]: (re)load the operator's firewall the way its tools
# do: the whole table replaced in one transaction.
firewall() {
	{
		echo "table $TABLE"
		echo "delete table $TABLE"
		[ "$KIND" = debian ] && echo "table ip nat" && echo "delete table ip nat"
		"${KIND}_ruleset" "$@"
	} | in_rtr nft -f -
}

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT
# The operator's firewall does the masquerading here.
in_rtr nft delete table ip rtrnat
check "$KIND firewall without the line loads" firewall filter

netns_portctld_conf "$T/conf"
for p in 8080 8083; do
	serve_ok "$NS_INT" "$p"
done
wait_listen "$NS_INT" 8083 && wait_listen "$NS_INT" 8083 u || { echo "servers down"; exit 1; }
# portctld -n warns about a firewall that would drop what it admits.
warns() { in_rtr "$PORTCTLD" -n -c "$T/conf" 2>&1 | grep -q "warning: chain $TABLE forward drops"; }
check "portctld -n warns: $TABLE drops what portctld admits" warns
check "portctld starts beside the $KIND firewall" netns_start_portctld "$T/conf" "$T/log"

mapall() {
	tport=$(netns_pmap -s 192.0.2.1 -l 120 tcp 8080)
	uport=$(netns_pmap -s 192.0.2.1 -l 120 udp 8080)
	netns_pmap -s 2001:db8:1::1 -l 120 -6 tcp 8083 >/dev/null
	netns_pmap -s 2001:db8:1::1 -l 120 -6 udp 8083 >/dev/null
	[ -n "$tport" ] && [ -n "$uport" ]
}
check "four mappings granted (TCP, UDP; IPv4, IPv6)" mapall

# passes WHAT: every mapping carries traffic.  refused WHAT: none does.
v4tcp() { tcp_ok "$NS_EXT" 203.0.113.1 "$tport"; }
v4udp() { udp_ok "$NS_EXT" 203.0.113.1 "$uport"; }
v6tcp() { tcp_ok "$NS_EXT" 2001:db8:1::2 8083; }
v6udp() { udp_ok "$NS_EXT" 2001:db8:1::2 8083; }
passes() {
	for f in v4tcp v4udp v6tcp v6udp; do
		check "$1: $f passes" "$f"
	done
}
refused() {
	for f in "$@"; do
		check_not "$WHAT: $f refused" "$f"
	done
}

if [ "$KIND" = debian ]; then
	WHAT="without the line" refused v4tcp v4udp v6tcp v6udp
else
	# fw4 accepts DNAT itself ("Accept port forwards"); IPv6 needs the
	# line.
	check "fw4 without the line: IPv4 DNAT passes" v4tcp
	WHAT="fw4 without the line" refused v6tcp v6udp
fi

# The line, with the operator's chain before ours, then after ours.
check "$KIND firewall with the line, chain at filter - 5" firewall "filter - 5" "$LINE"
check_not "portctld -n is content with the line" warns
passes "line, operator's chain first"
check "$KIND firewall with the line, chain at filter + 5" firewall "filter + 5" "$LINE"
passes "line, operator's chain last"

check "portctl delete (all four)" tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 192.0.2.1 tcp 8080
tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 192.0.2.1 udp 8080
tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 2001:db8:1::1 tcp 8083
tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 2001:db8:1::1 udp 8083
WHAT="after delete" refused v4tcp v4udp v6tcp v6udp

kill -TERM "$DAEMON"
[ "$FAILURES" -eq 0 ] || { cat "$T/log"; in_rtr nft list ruleset; }
netns_done
