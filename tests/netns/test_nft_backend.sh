#!/usr/bin/env bash
# End-to-end test of the nftables backend alone: nft_driver opens
# the backend inside the router namespace and installs, refreshes, removes
# mappings; real TCP and UDP from the external host prove what the kernel
# does with them.  Usage: test_nft_backend.sh /path/to/nft_driver
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DRIVER="${1:?usage: $0 NFT_DRIVER}"
# shellcheck disable=SC2034 # read by lib.sh (serve_ok, serve_peer)
UDP_ANSWER="$(dirname "$DRIVER")/udp_answer"

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }

TABLE="portctl"
# Lifetime of the mappings that must last the whole test: long enough for
# a run under emulation (tests/qemu), where the test takes minutes.
L=600
drv() { tool in_rtr "$DRIVER" -t "$TABLE" -e wan0 "$@"; }
# A mapping spec: nat44 ID PROTO IPORT EPORT LIFE [more,key=val]
m4() { echo "id=$1,proto=$2,int=192.0.2.2,iport=$3,ext=203.0.113.1,eport=$4,life=$5${6:+,$6}"; }
m6() { echo "id=$1,proto=$2,int=2001:db8:1::2,iport=$3,ext=2001:db8:1::2,eport=$3,life=$4${5:+,$5}"; }
elements() { in_rtr nft list set inet "$TABLE" "$1" 2>/dev/null; }

# An operator's table of its own, which the backend must never touch.
in_rtr nft -f - <<'NFT'
table inet other {
	set keep { type ipv4_addr; elements = { 192.0.2.9 } }
}
NFT

for p in 8080 8081 8082 8083 8084 8085 8086 8087 8088 8089 8090 8091; do
	serve_ok "$NS_INT" "$p"
done
serve_peer "$NS_EXT" 9999
wait_listen "$NS_INT" 8091 && wait_listen "$NS_EXT" 9999 &&
	wait_listen "$NS_INT" 8091 u && wait_listen "$NS_EXT" 9999 u || { echo "servers down"; exit 1; }

# Without CAP_NET_ADMIN the kernel refuses the whole batch on its first
# message; open must say so at once, not wait for an answer that never comes.
# (Only where user nobody may run the driver from the build tree.)
if command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$DRIVER"; then
	check "open without CAP_NET_ADMIN fails at once with EPERM" bash -c \
		"timeout 5 ip netns exec $NS_RTR setpriv --reuid=65534 --regid=65534 --clear-groups \
		$DRIVER create 2>&1 | grep -q 'Operation not permitted'"
fi
check "open creates table inet $TABLE" drv create
check_not "before create: TCP via 203.0.113.1:18080 refused" tcp_ok "$NS_EXT" 203.0.113.1 18080
check_not "before create: UDP via 203.0.113.1:18080 refused" udp_ok "$NS_EXT" 203.0.113.1 18080
check_not "before create: routed IPv4 to the inside dropped (default deny)" \
	tcp_ok "$NS_EXT" 192.0.2.2 8080

check "create TCP+UDP NAT44 mappings" drv create "$(m4 1 6 8080 18080 $L)" "$(m4 2 17 8080 18080 $L)"
check "after create: TCP from outside reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 18080
check "after create: UDP from outside reaches the inside" udp_ok "$NS_EXT" 203.0.113.1 18080
check "S-58: a TCP connection's FIN does not end the mapping" tcp_ok "$NS_EXT" 203.0.113.1 18080
check "S-43: mapping is endpoint-independent (second remote address)" \
	tcp_ok "$NS_EXT" 203.0.113.1 18080 bind=203.0.113.3

# S-43: outbound traffic from the internal endpoint leaves on the mapped
# port (a port no server listens on, so that the client may bind it).
check "create TCP+UDP mappings 8092 -> 18092" drv create "$(m4 20 6 8092 18092 $L)" "$(m4 21 17 8092 18092 $L)"
seen=$(tcp_get "$NS_INT" 203.0.113.2 9999 "bind=192.0.2.2:8092,reuseaddr")
check "S-43: TCP from int 8092 leaves as 203.0.113.1:18092 (saw $seen)" \
	[ "$seen" = "203.0.113.1 18092" ]
seen=$(udp_get "$NS_INT" 203.0.113.2 9999 "bind=192.0.2.2:8092,reuseaddr")
check "S-43: UDP from int 8092 leaves as 203.0.113.1:18092 (saw $seen)" \
	[ "$seen" = "203.0.113.1 18092" ]
seen=$(tcp_get "$NS_INT" 203.0.113.2 9999 "bind=192.0.2.2:8093,reuseaddr")
check "unmapped ports still leave through the router's masquerade ($seen)" \
	[ "${seen%% *}" = "203.0.113.1" ]

# S-52 (Simple Threat Model): idle_left is the longest conntrack timeout
# left among the mapping's flows in which the internal host sent a packet.
idle() { tool in_rtr "$DRIVER" -t "$TABLE" -e wan0 idle "$1"; }
positive() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
# ct_unreplied DPORT: the router's conntrack holds an [UNREPLIED] flow to
# that original destination port (the flow exists, nobody answered).
ct_unreplied() {
	in_rtr cat /proc/net/nf_conntrack | grep " dport=$1 " | grep -q UNREPLIED
}
S52_ANS="$(m4 30 17 8091 18191 $L)"   # udp_answer listens on 8091
S52_TCP="$(m4 31 6 8091 18191 $L)"    # same ports, other protocol
S52_DEAF="$(m4 32 17 8095 18195 $L)"  # nothing listens on 8095
S52_OUT="$(m4 33 17 8096 18196 $L)"   # the internal host sends from 8096
S52_PIN="$(m6 34 17 8091 $L)"         # IPv6 pinhole, answered
check "S-52: create UDP/TCP mappings and a pinhole for idle_left" \
	drv create "$S52_ANS" "$S52_TCP" "$S52_DEAF" "$S52_OUT" "$S52_PIN"
out=$(idle "$S52_ANS")
check "S-52: idle_left of a mapping without traffic is 0 ($out)" [ "$out" = 0 ]
check "S-52: UDP from outside through 18191 answered by the inside" \
	udp_ok "$NS_EXT" 203.0.113.1 18191 sourceport=40030,reuseaddr
out=$(idle "$S52_ANS")
check "S-52: idle_left > 0 once the internal host answered inbound traffic ($out)" \
	positive "$out"
out=$(idle "$S52_TCP")
check "S-52: the UDP flow does not count for the TCP mapping of the same ports ($out)" \
	[ "$out" = 0 ]
# Nothing listens on 8095: the datagram reaches the internal host, whose
# only answer is an ICMP error (RELATED, not a reply of the flow).
udp_get "$NS_EXT" 203.0.113.1 18195 sourceport=40032,reuseaddr >/dev/null
check "S-52: the unanswered inbound UDP flow to 18195 is in conntrack, UNREPLIED" \
	ct_unreplied 18195
out=$(idle "$S52_DEAF")
check "S-52: inbound traffic the internal host never answered keeps nothing: 0 ($out)" \
	[ "$out" = 0 ]
# The internal host opens a flow from the mapped port to a silent remote
# port: it leaves on 18196 and counts although nothing answers.
udp_get "$NS_INT" 203.0.113.2 9 "bind=192.0.2.2:8096,reuseaddr" >/dev/null
check "S-52: the outbound UDP flow from 8096 left as 18196, UNREPLIED" \
	bash -c "ip netns exec $NS_RTR cat /proc/net/nf_conntrack |
		grep ' sport=8096 dport=9 ' | grep UNREPLIED | grep -q ' dport=18196 '"
out=$(idle "$S52_OUT")
check "S-52: a flow the internal host opened through the mapping counts ($out)" \
	positive "$out"
check "S-52: UDP from outside through the IPv6 pinhole answered" \
	udp_ok "$NS_EXT" 2001:db8:1::2 8091 sourceport=40034,reuseaddr
out=$(idle "$S52_PIN")
check "S-52: idle_left of an answered IPv6 pinhole > 0 ($out)" positive "$out"
check "S-52: remove the idle_left mappings" \
	drv remove "$S52_ANS" "$S52_TCP" "$S52_DEAF" "$S52_OUT" "$S52_PIN"
out=$(idle "$S52_ANS")
check "S-52: after remove its flows are gone: idle_left 0 ($out)" [ "$out" = 0 ]

# An operator's own static port forward (their table, at dstnat) keeps
# working next to ours: our forward chain leaves flows it did not DNAT to
# the operator's policy.
in_rtr nft -f - <<'NFT'
table ip rtrnat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan0" tcp dport 2222 dnat to 192.0.2.2:8083
	}
}
NFT
check "operator's static DNAT 203.0.113.1:2222 still reaches the inside" \
	tcp_ok "$NS_EXT" 203.0.113.1 2222

# Refresh keeps the mapping (and gives it the new lifetime).
check "refresh" drv refresh "$(m4 1 6 8080 18080 120)"
check "after refresh: timeout is the new lifetime" \
	bash -c "ip netns exec $NS_RTR nft list map inet $TABLE dnat4 | grep -q 'tcp . 18080 timeout 2m'"
check "after refresh: TCP still reaches the inside" tcp_ok "$NS_EXT" 203.0.113.1 18080

# A UDP flow from a fixed source port: its conntrack entry would keep the
# DNAT alive after the mapping went, unless remove ends the flow too.
check "UDP flow from fixed port before remove" udp_ok "$NS_EXT" 203.0.113.1 18080 sourceport=40001,reuseaddr
check "remove" drv remove "$(m4 1 6 8080 18080 120)" "$(m4 2 17 8080 18080 $L)"
check_not "after remove: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 18080
check_not "after remove: UDP refused" udp_ok "$NS_EXT" 203.0.113.1 18080
check_not "after remove: the existing UDP flow stopped (conntrack entry deleted)" \
	udp_ok "$NS_EXT" 203.0.113.1 18080 sourceport=40001,reuseaddr
check "remove of an already removed mapping is not an error" drv remove "$(m4 2 17 8080 18080 $L)"

# Expiry by kernel timeout.
check "create short-lived mapping (3 s)" drv create "$(m4 3 6 8081 18081 3)"
check "short-lived mapping works" tcp_ok "$NS_EXT" 203.0.113.1 18081
sleep 4
check_not "after expiry: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 18081
check "removing an expired mapping succeeds" drv remove "$(m4 3 6 8081 18081 3)"

# FILTER (S-80): only the allowed remote prefix/port gets in.
check "create filtered mapping (203.0.113.2/32 only)" \
	drv create "$(m4 4 6 8082 18082 $L filter=203.0.113.2/32)"
check "S-80: allowed remote 203.0.113.2 gets in" tcp_ok "$NS_EXT" 203.0.113.1 18082 bind=203.0.113.2
check_not "S-80: other remote 203.0.113.3 is dropped" tcp_ok "$NS_EXT" 203.0.113.1 18082 bind=203.0.113.3
check "S-83: refresh with another filter set" \
	drv refresh "$(m4 4 6 8082 18082 $L filter=203.0.113.2/32)" \
	+refresh "$(m4 4 6 8082 18082 $L filter=203.0.113.3/32)"
check "S-83: now 203.0.113.3 gets in" tcp_ok "$NS_EXT" 203.0.113.1 18082 bind=203.0.113.3
check_not "S-83: and 203.0.113.2 no longer" tcp_ok "$NS_EXT" 203.0.113.1 18082 bind=203.0.113.2
check "S-80: filter with remote port: create" \
	drv create "$(m4 5 17 8083 18083 $L filter=203.0.113.0/24/5353)"
check "S-80: allowed remote port 5353 gets in" udp_ok "$NS_EXT" 203.0.113.1 18083 sourceport=5353,reuseaddr
check_not "S-80: other remote port dropped" udp_ok "$NS_EXT" 203.0.113.1 18083 sourceport=5354,reuseaddr
check "S-83: overlapping filters are accepted" \
	drv refresh "$(m4 5 17 8083 18083 $L filter=203.0.113.0/24,filter=203.0.113.2/32/53,filter=203.0.113.0/24)"
check "overlapping filters: wider one admits" udp_ok "$NS_EXT" 203.0.113.1 18083 sourceport=5354,reuseaddr

# IPv6 pinhole; families strictly apart.
check_not "before pinhole: IPv6 TCP to the inside dropped" tcp_ok "$NS_EXT" 2001:db8:1::2 8084
check "create IPv6 pinhole TCP 8084" drv create "$(m6 6 6 8084 $L)"
check "IPv6 pinhole: TCP from outside reaches the inside" tcp_ok "$NS_EXT" 2001:db8:1::2 8084
check_not "IPv6 pinhole opens nothing for IPv4 (NAT44)" tcp_ok "$NS_EXT" 203.0.113.1 8084
check_not "IPv6 pinhole opens nothing for routed IPv4" tcp_ok "$NS_EXT" 192.0.2.2 8084
check "create IPv4 mapping 8085 -> 18085" drv create "$(m4 7 6 8085 18085 $L)"
check_not "IPv4 mapping opens nothing for IPv6" tcp_ok "$NS_EXT" 2001:db8:1::2 8085
check "IPv4 pinhole without NAT (ext == int)" \
	drv create "id=8,proto=6,int=192.0.2.2,iport=8086,ext=192.0.2.2,eport=8086,life=$L"
check "IPv4 pinhole: routed TCP reaches the inside" tcp_ok "$NS_EXT" 192.0.2.2 8086
check_not "IPv4 pinhole opens nothing for IPv6" tcp_ok "$NS_EXT" 2001:db8:1::2 8086
check "IPv6 filtered pinhole" drv create "$(m6 9 17 8087 $L filter=2001:db8:2::2/128)"
check "IPv6 filter: allowed remote gets in" udp_ok "$NS_EXT" 2001:db8:1::2 8087
check_not "IPv6 filter: other remote dropped" udp_ok "$NS_EXT" 2001:db8:1::2 8087 bind=[2001:db8:2::3]

# S-44: ICMP errors about a mapping's flows pass (conntrack "related").
check_not "no pinhole: a UDP probe to the inside gets no ICMP error back" \
	udp_refused "$NS_EXT" 2001:db8:1::2 8094
check "create IPv6 UDP pinhole 8094 (nothing listens there)" drv create "$(m6 22 17 8094 $L)"
check "S-44: ICMPv6 port unreachable from the inside reaches the outside" \
	udp_refused "$NS_EXT" 2001:db8:1::2 8094
check "S-44: ICMP error about an outbound IPv4 flow reaches the inside (NAT)" \
	udp_refused "$NS_INT" 203.0.113.2 9
check "S-44: ICMPv6 error about an outbound IPv6 flow reaches the inside" \
	udp_refused "$NS_INT" 2001:db8:2::2 9

# All ports of a protocol, all protocols, PORT_SET.
check "all-ports UDP mapping (port 0)" \
	drv create "id=10,proto=17,int=192.0.2.2,iport=0,ext=203.0.113.1,eport=0,life=$L"
check "all-ports: UDP to 203.0.113.1:8088 reaches 192.0.2.2:8088" udp_ok "$NS_EXT" 203.0.113.1 8088
check_not "all-ports UDP opens no TCP" tcp_ok "$NS_EXT" 203.0.113.1 8088
check "remove all-ports UDP mapping" \
	drv remove "id=10,proto=17,int=192.0.2.2,iport=0,ext=203.0.113.1,eport=0,life=$L"
check_not "after remove: UDP to 203.0.113.1:8088 refused" udp_ok "$NS_EXT" 203.0.113.1 8088
check_not "before: IPv6 TCP to 8090 dropped" tcp_ok "$NS_EXT" 2001:db8:1::2 8090
check "all-protocols IPv6 pinhole" drv create "$(m6 23 0 0 $L)"
check "all-protocols pinhole: TCP reaches the inside" tcp_ok "$NS_EXT" 2001:db8:1::2 8090
check "all-protocols pinhole: UDP reaches the inside" udp_ok "$NS_EXT" 2001:db8:1::2 8090
check "remove all-protocols pinhole" drv remove "$(m6 23 0 0 $L)"
check_not "after remove: IPv6 TCP to 8090 dropped" tcp_ok "$NS_EXT" 2001:db8:1::2 8090
# A second external address carries an all-protocols NAT44 mapping (DMZ).
ip -n "$NS_RTR" addr add 203.0.113.4/32 dev wan0
check_not "before: TCP to 203.0.113.4:8090 refused" tcp_ok "$NS_EXT" 203.0.113.4 8090
check "all-protocols NAT44 mapping 203.0.113.4 -> 192.0.2.2" \
	drv create "id=24,proto=0,int=192.0.2.2,iport=0,ext=203.0.113.4,eport=0,life=$L"
check "all-protocols NAT44: TCP reaches the inside" tcp_ok "$NS_EXT" 203.0.113.4 8090
check "all-protocols NAT44: UDP reaches the inside" udp_ok "$NS_EXT" 203.0.113.4 8090
check_not "all-protocols NAT44 on .4 leaves 203.0.113.1 alone" tcp_ok "$NS_EXT" 203.0.113.1 8090
check "remove all-protocols NAT44 mapping" \
	drv remove "id=24,proto=0,int=192.0.2.2,iport=0,ext=203.0.113.4,eport=0,life=$L"
# (so that the router's masquerade goes back to 203.0.113.1)
ip -n "$NS_RTR" addr del 203.0.113.4/32 dev wan0
check "PORT_SET 3 ports 8089..8091 -> 18089..18091" drv create "$(m4 11 6 8089 18089 $L count=3)"
check "PORT_SET: middle port maps" tcp_ok "$NS_EXT" 203.0.113.1 18090
check "PORT_SET: last port maps" tcp_ok "$NS_EXT" 203.0.113.1 18091
check_not "PORT_SET: port past the set does not" tcp_ok "$NS_EXT" 203.0.113.1 18092

# PEER: lookup_flow learns the implicit mapping; an outbound mapping SNATs
# the 5-tuple to the granted port.
udp_get "$NS_INT" 203.0.113.2 9999 "sourceport=7001,reuseaddr" >/dev/null
out=$(tool in_rtr "$DRIVER" -t "$TABLE" -e wan0 lookup 17 192.0.2.2 7001 203.0.113.2 9999)
check "S-64: lookup_flow finds the implicit mapping ($out)" \
	bash -c "[[ '$out' == '::ffff:203.0.113.1 '[0-9]*' '[0-9]* ]]"
check_not "S-64: lookup_flow of an unknown flow is ENOENT" \
	tool in_rtr "$DRIVER" -t "$TABLE" lookup 17 192.0.2.2 7002 203.0.113.2 9999
check "PEER create (int 7003 -> 203.0.113.2:9999 via ext 40003)" \
	drv create "id=12,proto=17,int=192.0.2.2,iport=7003,ext=203.0.113.1,eport=40003,life=$L,out=1,remote=203.0.113.2,rport=9999"
seen=$(udp_get "$NS_INT" 203.0.113.2 9999 "sourceport=7003,reuseaddr")
check "PEER: the 5-tuple leaves on the granted port ($seen)" [ "$seen" = "203.0.113.1 40003" ]

# Hairpin (cfg->hairpin): an internal host reaches a mapping of its own
# network through the external address only when enabled.
check "hairpin off: reopen" drv create "$(m4 13 6 8080 18080 $L)"
check_not "hairpin off: inside to 203.0.113.1:18080 does not hairpin" \
	tcp_ok "$NS_INT" 203.0.113.1 18080
check "hairpin on: reopen with -H" tool in_rtr "$DRIVER" -t "$TABLE" -e wan0 -H create
check "hairpin on: inside reaches 203.0.113.1:18080" tcp_ok "$NS_INT" 203.0.113.1 18080
check "hairpin on: outside still reaches it" tcp_ok "$NS_EXT" 203.0.113.1 18080
check "hairpin off again" drv create

# Abort: nothing queued takes effect.
check "abort of a queued create" drv abort "$(m4 14 6 8081 18081 $L)"
check_not "after abort: nothing installed" bash -c "ip netns exec $NS_RTR nft list map inet $TABLE dnat4 | grep -q 18081"
check_not "after abort: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 18081

# A mapping the backend cannot express is refused when queued, and leaves
# nothing behind.
check_not "queueing a mapping with a filter of the other family fails" \
	drv create "$(m4 15 6 8081 18081 $L)" "id=16,proto=6,int=192.0.2.2,iport=8081,ext=203.0.113.1,eport=18099,life=$L,filter=2001:db8::/32"
check_not "refused queue left nothing" bash -c "ip netns exec $NS_RTR nft list map inet $TABLE dnat4 | grep -q 18081"
# All-or-nothing commit (S-15): the kernel refuses the second mapping of
# the batch (its external port 18085 is mapped elsewhere: EEXIST), so the
# first must not be installed either.
check_not "commit the kernel refuses fails" \
	drv create "$(m4 18 6 8081 18096 $L)" "$(m4 19 6 8082 18085 $L)"
check_not "failed commit left nothing of the batch's good mapping" \
	bash -c "ip netns exec $NS_RTR nft list map inet $TABLE dnat4 | grep -q 18096"
check "failed commit left the earlier mapping alone" tcp_ok "$NS_EXT" 203.0.113.1 18085

# Restart: keep state, reopen, reconcile with the engine's list.
check "before restart: mapping 13 (18080) installed" tcp_ok "$NS_EXT" 203.0.113.1 18080
check "before restart: mapping 7 (18085) installed" tcp_ok "$NS_EXT" 203.0.113.1 18085
check "UDP mapping 26 (8086 -> 18086) before restart" drv create "$(m4 26 17 8086 18086 $L)"
check "UDP flow through mapping 26 (fixed source port) before restart" \
	udp_ok "$NS_EXT" 203.0.113.1 18086 sourceport=40026,reuseaddr
# A mapping that expires while "portctld is away": its kernel element goes,
# but the conntrack entry of a flow through it carries on...
check "UDP mapping 29 (8087 -> 18087, 3 s) before restart" drv create "$(m4 29 17 8087 18087 3)"
check "UDP flow through mapping 29 (fixed source port)" \
	udp_ok "$NS_EXT" 203.0.113.1 18087 sourceport=40029,reuseaddr
sleep 4
check "mapping 29 expired in the kernel" \
	bash -c "! ip netns exec $NS_RTR nft list map inet $TABLE dnat4 | grep -q 18087"
check "...but its flow lives on in conntrack" \
	udp_ok "$NS_EXT" 203.0.113.1 18087 sourceport=40029,reuseaddr
check "reconcile [7, new 17, 28 with no lifetime left] after simulated restart" \
	drv reconcile "$(m4 7 6 8085 18085 $L)" "$(m4 17 6 8081 18081 $L)" "$(m4 28 6 8082 18082 0)"
check_not "reconcile: a mapping with no lifetime left is not restored" \
	bash -c "ip netns exec $NS_RTR nft list map inet $TABLE dnat4 | grep -q 18082"
check_not "reconcile: stale mapping 13 gone" tcp_ok "$NS_EXT" 203.0.113.1 18080
check_not "reconcile: the flow through stale mapping 26 stopped (conntrack)" \
	udp_ok "$NS_EXT" 203.0.113.1 18086 sourceport=40026,reuseaddr
check_not "reconcile: the flow through mapping 29, expired meanwhile, stopped (ct label)" \
	udp_ok "$NS_EXT" 203.0.113.1 18087 sourceport=40029,reuseaddr
check "reconcile: kept mapping 7 still works" tcp_ok "$NS_EXT" 203.0.113.1 18085
check "reconcile: missing mapping 17 restored" tcp_ok "$NS_EXT" 203.0.113.1 18081
check_not "reconcile: stale IPv6 pinhole gone" tcp_ok "$NS_EXT" 2001:db8:1::2 8084

# Clean destroy removes our table and nothing else.
check "destroy(keep_state=false)" drv destroy
check_not "table inet $TABLE is gone" in_rtr nft list table inet "$TABLE"
check "table inet other untouched" bash -c "ip netns exec $NS_RTR nft list set inet other keep | grep -q 192.0.2.9"
check "router's own NAT table untouched" in_rtr nft list table ip rtrnat
check_not "after destroy: TCP refused" tcp_ok "$NS_EXT" 203.0.113.1 18081

netns_done
