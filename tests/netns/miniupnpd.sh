# shellcheck shell=bash
# Debian's miniupnpd-nftables as the router of a netns test, sourced after
# lib.sh (NS_RTR, NETNS_PIDS, debian_ruleset).
#
# miniupnpd 2.3.1 refuses RFC 5737 addresses as its external address
# (addr_is_reserved: "Port forwarding is impossible"), so, as in
# tests/integration/client/test_client_miniupnpd_map.sh and
# bench/nat_compare/run.sh, it is told ext_ip=192.0.3.1: no interface holds
# it, nothing is sent to it, it appears only in its answers.  Its rules
# match iif wan0 and the port, so the WAN host's traffic to 203.0.113.1 is
# forwarded.  Debian's package cannot create its chains (nft_init.sh
# sources a file it does not ship): the NAT chains are in a table of the
# test's own, the forward chain in the operator's table inet filter,
# jumped to from its forward chain.  miniupnpd 2.3.1 reads enable_natpmp
# (which turns on PCP and NAT-PMP together), not enable_pcp_pmp.

MINIUPNPD="${MINIUPNPD:-/usr/sbin/miniupnpd}"
MUPNP_EXT_IP=192.0.3.1
MUPNP_TABLE="mupnp$$"

# mupnp_need: skip (77) when the package is not installed.
mupnp_need() {
	[ -x "$MINIUPNPD" ] && return 0
	echo "SKIP: $MINIUPNPD missing (miniupnpd-nftables)"
	exit 77
}

# mupnp_ruleset: the router's firewall, Debian's /etc/nftables.conf
# (lib.sh debian_ruleset) jumping to the chain miniupnpd fills, and the
# NAT chains it fills.
mupnp_ruleset() {
	printf 'table inet filter {\n\tchain miniupnpd {\n\t}\n}\n'
	debian_ruleset filter 'jump miniupnpd'
	cat <<NFT
table inet $MUPNP_TABLE {
	chain prerouting { type nat hook prerouting priority dstnat; jump pre_mupnp; }
	chain postrouting { type nat hook postrouting priority srcnat; jump post_mupnp; }
	chain pre_mupnp { }
	chain post_mupnp { }
}
NFT
}

# mupnp_pcp_closed: a table that answers PCP and NAT-PMP (UDP 5351) to the
# router with a port unreachable, as if nothing listened.  miniupnpd 2.3.1
# with enable_natpmp=no still serves PCP on [::]:5351 (found by
# e2e_client_miniupnpd: the client's IPv6 default gateway answered), so a
# router meant to speak UPnP IGD only needs this too.
mupnp_pcp_closed() {
	cat <<NFT
table inet ${MUPNP_TABLE}_nopcp {
	chain input {
		type filter hook input priority filter; policy accept;
		udp dport 5351 reject
	}
}
NFT
}

# mupnp_conf NATPMP UPNP [LINE...]: miniupnpd.conf on stdout: lan0 inside,
# wan0 outside, HTTP on port 5000, PCP/NAT-PMP (enable_natpmp=NATPMP) and
# UPnP IGD (enable_upnp=UPNP) as asked, secure mode, the LAN's ports
# 1024-65535 only (the package's recommended rules); each LINE appended.
mupnp_conf() {
	cat <<CONF
ext_ifname=wan0
ext_ifname6=wan0
ext_ip=$MUPNP_EXT_IP
listening_ip=lan0
http_port=5000
enable_natpmp=$1
enable_upnp=$2
secure_mode=yes
system_uptime=yes
notify_interval=900
uuid=3a1c2f1e-0d5b-4c55-9a3e-5f3c00000001
upnp_table_name=filter
upnp_nat_table_name=$MUPNP_TABLE
upnp_forward_chain=miniupnpd
upnp_nat_chain=pre_mupnp
upnp_nat_postrouting_chain=post_mupnp
allow 1024-65535 192.0.2.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
	shift 2
	local line
	for line in "$@"; do
		echo "$line"
	done
}

# mupnp_start CONF LOG: miniupnpd in the router namespace, detached as in
# production (with -d it logs every request to a console that may be a
# slow serial line), its PID (from its pid file, within 5 s) kept in
# NETNS_PIDS for the cleanup.  1 when it does not start.
mupnp_start() {
	local pidfile="$1.pid" _
	in_rtr "$MINIUPNPD" -f "$1" -P "$pidfile" >"$2" 2>&1 || return 1
	for _ in $(seq 1 50); do
		[ -s "$pidfile" ] && break
		sleep 0.1
	done
	[ -s "$pidfile" ] || return 1
	NETNS_PIDS+=("$(cat "$pidfile")")
}
