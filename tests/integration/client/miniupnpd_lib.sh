# Shared by the client tests against Debian's miniupnpd (sourced after
# lib.sh): three namespaces of the test's own, an nftables table for
# miniupnpd's rules, starting miniupnpd, and a cleanup that stops only
# what the test started.
#
#   internal (NI)               router (NR)                  external (NE)
#   eth0 192.0.2.2          <-> lan0 192.0.2.1   wan0 203.0.113.1 <-> .2
#        2001:db8:1::2 (mu_netns6)   2001:db8:1::1   2001:db8:2::1  <-> ::2
#
# The caller sets NI, NR, NE (namespace names ending in $$), MT (the table)
# and MINIUPNPD.  miniupnpd 2.3.1 refuses a reserved external address, and
# RFC 5737 ones are: the tests tell it ext_ip=192.0.3.1, an address no
# interface holds and nothing is sent to; it appears only in answers.  Its
# rules match iif wan0 and the port, so traffic to 203.0.113.1 is
# forwarded.  Debian's nft_init.sh is broken: mu_nft creates the chains.
PIDS=()
EXT_IP=192.0.3.1

# stop PID: SIGTERM, a short grace (miniupnpd may ignore it while busy),
# then SIGKILL.
stop() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 20); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
netns_cleanup() {
	for p in "${PIDS[@]}"; do stop "$p"; done
	PIDS=()
	# Anything left runs in our own namespaces: started by this test.
	for ns in $NI $NR $NE; do
		for p in $(ip netns pids $ns 2>/dev/null); do kill -9 "$p"; done
	done
	sleep 0.2
	for ns in $NI $NR $NE; do ip netns del $ns 2>/dev/null; done
	cleanup
}
trap netns_cleanup EXIT
trap 'exit 1' INT TERM

# mu_netns: the three namespaces, IPv4, forwarding on the router.
mu_netns() {
	ip netns add $NI && ip netns add $NR && ip netns add $NE || fail "netns"
	ip -n $NI link add eth0 type veth peer name lan0 netns $NR &&
		ip -n $NE link add eth0 type veth peer name wan0 netns $NR ||
		fail "veth"
	for ns in $NI $NR $NE; do ip -n $ns link set lo up; done
	ip -n $NI addr add 192.0.2.2/24 dev eth0
	ip -n $NR addr add 192.0.2.1/24 dev lan0
	ip -n $NR addr add 203.0.113.1/24 dev wan0
	ip -n $NE addr add 203.0.113.2/24 dev eth0
	ip -n $NI link set eth0 up
	ip -n $NR link set lan0 up
	ip -n $NR link set wan0 up
	ip -n $NE link set eth0 up
	ip -n $NI route add default via 192.0.2.1
	ip netns exec $NR sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward"
	for _ in $(seq 50); do
		ip -n $NI link show eth0 | grep -q LOWER_UP &&
			ip -n $NE link show eth0 | grep -q LOWER_UP && break
		sleep 0.1
	done
}

# mu_netns6: IPv6 on the same links (after mu_netns).
mu_netns6() {
	ip -n $NI addr add 2001:db8:1::2/64 dev eth0 nodad
	ip -n $NR addr add 2001:db8:1::1/64 dev lan0 nodad
	ip -n $NR addr add 2001:db8:2::1/64 dev wan0 nodad
	ip -n $NE addr add 2001:db8:2::2/64 dev eth0 nodad
	ip -n $NI -6 route add default via 2001:db8:1::1
	ip -n $NE -6 route add default via 2001:db8:2::1
	ip netns exec $NR sysctl -qw net.ipv6.conf.all.forwarding=1 ||
		fail "forwarding6"
}

# mu_nft: miniupnpd's table; forward drops new flows from outside unless a
# rule in fwd_mupnp (miniupnpd's) accepts them.
mu_nft() {
	ip netns exec $NR nft -f - <<NFT || fail "nft table"
table inet $MT {
	chain fwd_mupnp { }
	chain pre_mupnp { }
	chain post_mupnp { }
	chain forward { type filter hook forward priority 0; policy drop;
		ct state established,related accept; iif "lan0" accept
		jump fwd_mupnp; }
	chain prerouting { type nat hook prerouting priority -100
		jump pre_mupnp; }
	chain postrouting { type nat hook postrouting priority 100
		jump post_mupnp; }
}
NFT
}

# mu_start CONF PROTO PORT: miniupnpd detached, as in production (with -d
# it logs each request to a slow console on machines without /dev/log),
# until it listens on PORT (ss -Hunl / -Htln by PROTO u / t).
mu_start() {
	local mpid=
	ip netns exec $NR $MINIUPNPD -f "$1" \
		-P "$TMP/miniupnpd.pid" >"$TMP/daemon.log" 2>&1
	for _ in $(seq 50); do
		mpid=$(cat "$TMP/miniupnpd.pid" 2>/dev/null)
		[ -n "$mpid" ] && ip netns exec $NR ss -H"$2"ln "sport = :$3" |
			grep -q . && break
		sleep 0.1
	done
	[ -n "$mpid" ] && PIDS+=("$mpid")
	[ -n "$mpid" ] && kill -0 "$mpid" 2>/dev/null ||
		fail "miniupnpd did not start"
}

# mu_serve_tcp: the internal host's TCP 8080 answers "hello-$$".
mu_serve_tcp() {
	ip netns exec $NI timeout 100 socat \
		TCP-LISTEN:8080,bind=192.0.2.2,reuseaddr,fork \
		SYSTEM:"echo hello-$$" 2>/dev/null &
	PIDS+=($!)
	for _ in $(seq 50); do
		ip netns exec $NI ss -Htln "sport = :8080" | grep -q . && break
		sleep 0.1
	done
}
# tcp_reaches PORT: a connection from outside to 203.0.113.1:PORT gets the
# internal host's answer.
tcp_reaches() {
	ip netns exec $NE timeout 5 socat -T 2 - \
		TCP:203.0.113.1:"$1",connect-timeout=2 </dev/null 2>/dev/null |
		grep -qx "hello-$$"
}

# mu_conf LINE...: a miniupnpd.conf with the given lines, then what every
# test shares (the table of mu_nft, the LAN's addresses and ports).
mu_conf() {
	printf '%s\n' "$@"
	cat <<CONF
ext_ifname=wan0
ext_ip=$EXT_IP
listening_ip=lan0
secure_mode=yes
upnp_table_name=$MT
upnp_nat_table_name=$MT
upnp_forward_chain=fwd_mupnp
upnp_nat_chain=pre_mupnp
upnp_nat_postrouting_chain=post_mupnp
allow 1024-65535 192.0.2.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
}
