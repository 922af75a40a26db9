#!/usr/bin/env bash
# Issue 9's acceptance test: a router built as a new Debian user builds
# it.  Its firewall is an /etc/nftables.conf (flush ruleset; table inet
# filter whose forward chain drops by default, accepting established and
# related flows and LAN->WAN; masquerade of LAN->WAN IPv4) plus the one
# line FIREWALL INTEGRATION in portctld(8) documents, loaded with
# `nft -f FILE`; portctld runs beside it with the nftables backend and its
# journal.  Through a PCP mapping over IPv4 (TCP), PCP pinholes over IPv6
# (TCP, UDP) and a NAT-PMP mapping made by Debian's natpmpc (IPv4, UDP):
#  1. real TCP and UDP from the external host reach the internal host;
#  2. after a reload the Debian way (`nft -f FILE`, which flushes the
#     ruleset, portctld's table included) traffic flows again within a
#     bounded retry, and `portctl admin list` is unchanged;
#  3. across a restart (SIGTERM, start with the same configuration and
#     state directory) every mapping stays listed, traffic flows during
#     the gap and after it, renewals keep their ports, no request is
#     answered NETWORK_FAILURE;
#  4. the same ruleset without the documented line stops the traffic
#     (negative control: the test can fail), and with it again it flows;
#  5. once deleted (portctl delete; natpmpc lifetime 0) no mapping lets
#     the external host in.
#
# Usage: e2e_router_debian.sh NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check/check_not
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need jq natpmpc

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT

# The operator's /etc/nftables.conf, with the documented line.  Its
# masquerade replaces the harness's table ip rtrnat (flushed by the first
# load anyway).
{
	echo "flush ruleset"
	debian_ruleset filter "ct label 127 accept"
} >"$T/nftables.conf"
# The same ruleset as the operator had it before reading portctld(8).
{
	echo "flush ruleset"
	debian_ruleset filter
} >"$T/nftables.noline"
check "the Debian firewall loads (nft -f)" in_rtr nft -f "$T/nftables.conf"

# The journal on, in the test's private directory ($T, root's, 0700:
# netns_portctld_conf runs the daemon as root for that reason).
netns_portctld_conf "$T/conf" "journal yes"
for p in 8080 8083 8090; do
	serve_ok "$NS_INT" "$p"
done
if ! { wait_listen "$NS_INT" 8090 && wait_listen "$NS_INT" 8090 u; }; then
	echo "servers down"
	exit 1
fi
check "portctld starts beside the firewall" netns_start_portctld "$T/conf" "$T/log"
check "... with its journal" test -e "$T/portctld.journal"

# The mappings: PCP IPv4 TCP (NAT44), PCP IPv6 TCP and UDP (pinholes),
# NAT-PMP IPv4 UDP by natpmpc.  Long lifetimes: none expires in the test.
mapall() {
	tport=$(netns_pmap -s 192.0.2.1 -l 600 tcp 8080)
	netns_pmap -s 2001:db8:1::1 -l 600 -6 tcp 8083 >/dev/null || return 1
	netns_pmap -s 2001:db8:1::1 -l 600 -6 udp 8083 >/dev/null || return 1
	nport=$(natpmpc_map udp 8090 8090 600)
	[ -n "$tport" ] && [ -n "$nport" ]
}
check "mappings granted (PCP tcp/IPv4, tcp+udp/IPv6; natpmpc udp/IPv4)" mapall
echo "  PCP tcp $tport, natpmpc udp $nport"

v4tcp() { tcp_ok "$NS_EXT" 203.0.113.1 "$tport"; }
v6tcp() { tcp_ok "$NS_EXT" 2001:db8:1::2 8083; }
v6udp() { udp_ok "$NS_EXT" 2001:db8:1::2 8083; }
pmpudp() { udp_ok "$NS_EXT" 203.0.113.1 "$nport"; }
ALL=(v4tcp v6tcp v6udp pmpudp)
passes() { # passes WHAT: every mapping carries traffic
	local f
	for f in "${ALL[@]}"; do
		check "$1: $f passes" "$f"
	done
}
refused() { # refused WHAT F...: none of these gets through
	local what="$1" f
	shift
	for f in "$@"; do
		check_not "$what: $f refused" "$f"
	done
}
# resumes: every mapping carries traffic again within 30 tries 0.1 s
# apart (probes wait 0.5 s for an answer); says after which try.
resumes() {
	local i f ok
	for i in $(seq 1 30); do
		ok=1
		for f in "${ALL[@]}"; do
			NETNS_WAIT=0.5 "$f" || { ok=0; break; }
		done
		[ "$ok" -eq 1 ] && { echo "  all four pass at try $i"; return 0; }
		sleep 0.1
	done
	return 1
}
# no_netfail: the running daemon answered no PCP or NAT-PMP request
# NETWORK_FAILURE.
no_netfail() {
	netns_admin stats | jq -e '(.pcp_results.NETWORK_FAILURE // 0) +
		(.natpmp_results.NETWORK_FAILURE // 0) == 0' >/dev/null
}

# The mappings portctld lists, in a stable order and without their ids: a
# restart numbers them again in the journal's order (ids are handles for
# `portctl admin`, not what a client was given).
listed() { netns_mappings | jq -c 'map(del(.id)) | sort'; }

# ---- 1. traffic through every mapping ----
passes "with the documented line"
BEFORE=$(listed)
check "admin list shows the four mappings" \
	[ "$(jq length <<<"$BEFORE")" -eq 4 ]

# ---- 2. the Debian reload: flush ruleset, portctld's table with it ----
check "reload: nft -f nftables.conf" in_rtr nft -f "$T/nftables.conf"
check "reload: traffic resumes" resumes
check "reload: portctld logged the flush" grep -q "table inet portctl changed: " "$T/log"
check "reload: admin list unchanged" [ "$(listed)" = "$BEFORE" ]

# ---- 3. restart: SIGTERM, then the same configuration and state ----
check "before the restart: no NETWORK_FAILURE" no_netfail
kill -TERM "$DAEMON"
for _ in $(seq 1 100); do
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
STATUS=stuck # not stopped after 10 s: not waited for (the cleanup kills it)
if ! kill -0 "$DAEMON" 2>/dev/null; then
	wait "$DAEMON" 2>/dev/null
	STATUS=$?
fi
check "SIGTERM: portctld stopped (status $STATUS), mappings kept" \
	[ "$STATUS" = 0 ] && grep -q "stopped; mappings kept" "$T/log"
# Nobody runs portctld now: the kernel keeps forwarding.
passes "while portctld is stopped"
check "restart with the same configuration and state directory" \
	netns_start_portctld "$T/conf" "$T/log2"
check "... resumed from its journal" grep -q "clean shutdown, epoch continued" "$T/log2"
AFTER=$(listed)
check "restart: admin list unchanged" [ "$AFTER" = "$BEFORE" ]
[ "$AFTER" = "$BEFORE" ] || printf 'before: %s\nafter:  %s\n' "$BEFORE" "$AFTER"
passes "after the restart"
# Renewals, as the clients would send them, keep their ports.
check "PCP renewal keeps its port" [ "$(netns_pmap -s 192.0.2.1 -l 600 tcp 8080)" = "$tport" ]
check "natpmpc renewal keeps its port" [ "$(natpmpc_map udp 8090 8090 600)" = "$nport" ]
check "PCP IPv6 renewals granted" netns_pmap -s 2001:db8:1::1 -l 600 -6 tcp 8083
check "... tcp and udp" netns_pmap -s 2001:db8:1::1 -l 600 -6 udp 8083
check "after the restart: no NETWORK_FAILURE" no_netfail
check_not "no NETWORK_FAILURE in either log" grep -q NETWORK_FAILURE "$T/log" "$T/log2"

# ---- 4. negative control: the ruleset without the documented line ----
# portctld admits the flows in its own table, but an accept there does not
# override the operator's policy drop.  IPv6 pinholes are dropped; so is
# IPv4: the DNATed flows are new, neither established nor LAN->WAN, and
# this ruleset has no `ct status dnat accept` (fw4 and firewalld do, see
# e2e_firewall.sh and portctld(8)).
# repaired: portctld logged one more repair of its table than before
# (bounded wait), and its table holds the IPv6 pinholes again.
repaired() {
	local _
	for _ in $(seq 1 30); do
		[ "$(grep -c "table inet portctl changed: " "$T/log2")" -gt "$1" ] &&
			in_rtr nft list table inet portctl | grep -q "2001:db8:1::2" && return 0
		sleep 0.1
	done
	return 1
}
n=$(grep -c "table inet portctl changed: " "$T/log2")
check "the ruleset without the line loads (nft -f)" in_rtr nft -f "$T/nftables.noline"
check "... portctld installed its table again" repaired "$n"
refused "without the line" "${ALL[@]}"
line_again() { in_rtr nft -f "$T/nftables.conf" && resumes; }
check "with the line again (nft -f): traffic resumes" line_again
check "... admin list unchanged" [ "$(listed)" = "$BEFORE" ]

# ---- 5. deleted: the external host gets in through none of them ----
check "portctl delete (PCP tcp/IPv4)" \
	tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 192.0.2.1 tcp 8080
check "portctl delete (PCP tcp/IPv6)" \
	tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 2001:db8:1::1 tcp 8083
check "portctl delete (PCP udp/IPv6)" \
	tool in_int "$PORTCTL" delete -t 5 --state "$T/state" -s 2001:db8:1::1 udp 8083
check "natpmpc delete (lifetime 0)" natpmpc_del udp "$nport" 8090
check "admin list empty" [ "$(listed)" = "[]" ]
refused "after delete" "${ALL[@]}"

kill -TERM "$DAEMON"
[ "$FAILURES" -eq 0 ] || { cat "$T/log" "$T/log2"; in_rtr nft list ruleset; }
netns_done
