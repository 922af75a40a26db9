#!/bin/bash
# Interop with a PCP/NAT-PMP server written by others: Debian's miniupnpd in
# a network namespace of the test's own (gateway 192.0.2.1 on a veth, the
# client at 192.0.2.2 in a second namespace).  miniupnpd 2.3.1 refuses to
# forward ports when its external address is reserved, and only
# documentation addresses may be used here, so what can be checked is the
# protocol exchange: gateway discovery and PCP ANNOUNCE with its epoch.  (A
# MAP makes this miniupnpd loop over all 64k external ports, rejecting
# each, without answering: not something to do to it in a test.)  Needs root (namespaces) and miniupnpd; exits 77
# (skipped) without them.  Everything it creates is removed by the trap.
. "$(dirname "$0")/lib.sh"
MINIUPNPD=/usr/sbin/miniupnpd
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x $MINIUPNPD ] || { echo "SKIP: no miniupnpd"; exit 77; }
GW=pctlgw$$
IN=pctlin$$
netns_cleanup() {
	# miniupnpd may spin (see below) and ignore SIGTERM: KILL what runs
	# in our namespace, nothing else.
	for p in $(ip netns pids $GW 2>/dev/null); do kill -9 "$p"; done
	sleep 0.2
	ip netns del $GW 2>/dev/null
	ip netns del $IN 2>/dev/null
	cleanup
}
trap netns_cleanup EXIT
ip netns add $GW || fail "netns"
ip netns add $IN || fail "netns"
ip link add vg$$ type veth peer name vi$$ || fail "veth"
ip link set vg$$ netns $GW
ip link set vi$$ netns $IN
ip -n $GW addr add 192.0.2.1/24 dev vg$$
ip -n $IN addr add 192.0.2.2/24 dev vi$$
ip -n $GW link set vg$$ up
ip -n $IN link set vi$$ up
ip -n $GW link set lo up
ip -n $IN link set lo up
ip -n $GW link add ext0 type veth peer name ext1
ip -n $GW addr add 203.0.113.1/24 dev ext0
ip -n $GW link set ext0 up
ip -n $GW link set ext1 up
ip -n $IN route add default via 192.0.2.1
cat >"$TMP/miniupnpd.conf" <<CONF
ext_ifname=ext0
listening_ip=vg$$
enable_natpmp=yes
enable_upnp=no
secure_mode=yes
lease_file=$TMP/leases
uuid=00000000-0000-0000-0000-000000000001
allow 1024-65535 192.0.2.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
ip netns exec $GW sh /etc/miniupnpd/nft_init.sh >/dev/null 2>&1
ip netns exec $GW timeout 60 $MINIUPNPD -f "$TMP/miniupnpd.conf" \
	-P "$TMP/miniupnpd.pid" -d >"$TMP/daemon.log" 2>&1 &
sleep 1

# The default gateway of the client namespace is discovered (no --server).
out=$(ip netns exec $IN "$PORTCTL" announce -t 3 --json) ||
	fail "announce rc $?: $out"
[ "$(json server <<<"$out")" = 192.0.2.1 ] || fail "server: $out"
[ "$(json version <<<"$out")" = PCP ] || fail "version: $out"
json epoch <<<"$out" >/dev/null || fail "epoch: $out"
[ "$(json result <<<"$out")" = SUCCESS ] || fail "result: $out"
echo PASS
