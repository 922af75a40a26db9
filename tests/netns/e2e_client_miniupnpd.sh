#!/usr/bin/env bash
# portctl against routers written by others (issue 13): Debian's
# miniupnpd-nftables with UPnP IGD only, with PCP/NAT-PMP only, and with
# both; and portctld's own UPnP IGD.  Each time `portctl map` from the LAN
# host must get a mapping from the protocol it should pick, and a real TCP
# connection and a UDP exchange from the WAN host to the external port must
# reach a listener on the LAN host; `portctl delete` must remove it, after
# which nothing gets through (checked first before any mapping, so the
# traffic checks can fail).
#
#   LAN host (NS_INT)        router (NS_RTR)                   WAN (NS_EXT)
#   192.0.2.2 <-> lan0 192.0.2.1   wan0 203.0.113.1 <-> 203.0.113.2
#
# The router's firewall is Debian's /etc/nftables.conf (forward policy
# drop, lib.sh debian_ruleset) plus the one line each server needs
# (miniupnpd.sh; portctld's documented `ct label 127 accept`).
#
# CONFIG is one of
#   pcp       miniupnpd with enable_natpmp=yes enable_upnp=no: PCP, and
#             NAT-PMP when asked for (--nat-pmp);
#   upnp      miniupnpd with enable_natpmp=no enable_upnp=yes, and UDP 5351
#             rejected on the router (miniupnpd.sh, mupnp_pcp_closed: it
#             still serves PCP over IPv6);
#   both      miniupnpd with both: PCP is preferred;
#   portctld  portctld with `upnp yes` (PCP cannot be turned off there),
#             so --protocol upnp selects its IGD;
#   cgn       the same portctld told that its external address is
#             100.64.0.1 (RFC 6598 shared space, as behind a carrier's
#             NAT; no interface holds it, it appears only in answers):
#             probe must report the double NAT, with the IGD's address
#             as the reason (no traffic checks).
#
# Usage: e2e_client_miniupnpd.sh CONFIG NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check/check_not
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=miniupnpd.sh
. "$HERE/miniupnpd.sh"
CONFIG="${1:-}"
shift
netns_e2e_args "$@"
case "$CONFIG" in
pcp | upnp | both | portctld | cgn) ;;
*) echo "CONFIG must be pcp, upnp, both, portctld or cgn, not '$CONFIG'"; exit 2 ;;
esac
netns_need jq
[ "$CONFIG" = portctld ] || [ "$CONFIG" = cgn ] || mupnp_need

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT

# ---- the router ----
if [ "$CONFIG" = portctld ] || [ "$CONFIG" = cgn ]; then
	EXT_IP=203.0.113.1
	debian_ruleset filter 'ct label 127 accept' >"$T/nftables.conf"
	netns_portctld_conf "$T/conf" "upnp yes" "upnp-http-port 5000"
	if [ "$CONFIG" = cgn ]; then
		EXT_IP=100.64.0.1
		sed -i "s/^external-ip .*/external-ip $EXT_IP/" "$T/conf"
	fi
else
	EXT_IP=$MUPNP_EXT_IP
	mupnp_ruleset >"$T/nftables.conf"
	case "$CONFIG" in
	pcp) mupnp_conf yes no ;;
	upnp) mupnp_conf no yes ;;
	both) mupnp_conf yes yes ;;
	esac >"$T/conf"
	[ "$CONFIG" = upnp ] && mupnp_pcp_closed >>"$T/nftables.conf"
fi
# The harness's own masquerade table is replaced by the Debian ruleset's.
in_rtr nft delete table ip rtrnat
check "the router's Debian firewall loads" in_rtr nft -f "$T/nftables.conf"

for p in 8080 8081 8082; do
	serve_ok "$NS_INT" "$p"
done
if ! { wait_listen "$NS_INT" 8082 && wait_listen "$NS_INT" 8082 u; }; then
	echo "the LAN host's servers did not start"
	exit 1
fi

start_server() {
	if [ "$CONFIG" = portctld ] || [ "$CONFIG" = cgn ]; then
		netns_start_portctld "$T/conf" "$T/log" || return 1
		wait_listen "$NS_RTR" 5000
	elif [ "$CONFIG" = upnp ]; then
		mupnp_start "$T/conf" "$T/log" && wait_listen "$NS_RTR" 5000
	else
		mupnp_start "$T/conf" "$T/log" && wait_listen "$NS_RTR" 5351 u
	fi
}
if ! check "the $CONFIG router starts" start_server; then
	cat "$T/log"
	exit 1
fi

# Every client step is bounded: portctl's own timeout, and timeout(1) over
# it in case it hangs.
MAP_T=10
W=$((MAP_T + 5))
# pctl CMD ARG...: portctl CMD on the LAN host with the test's state file,
# JSON on stdout.
pctl() {
	local cmd="$1"
	shift
	tool in_int timeout "$W" "$PORTCTL" "$cmd" -t "$MAP_T" --state "$T/state" -j "$@"
}

# field JSON KEY
field() { jq -r ".$2 // empty" <<<"$1"; }

# mapped NAME WANT PROTO PORT [OPTION...]: `portctl map OPTION... PROTO
# PORT` is granted through WANT (pcp, natpmp, upnp: the output's "proto")
# by the router (192.0.2.1; its UPnP IGD on HTTP port 5000, IGD:1 or 2),
# with the router's external address; the external port is left in EPORT.
mapped() {
	local name="$1" want="$2" proto="$3" port="$4" out got
	shift 4
	out=$(pctl map "$@" "$proto" "$port") || {
		echo "  $name: exit $?: $out"
		return 1
	}
	echo "  $out"
	got=$(field "$out" proto)
	EPORT=$(field "$out" external_port)
	if [ "$want" = upnp ]; then
		[ "$(field "$out" server_port)" = 5000 ] &&
			[[ "$(field "$out" upnp_version)" =~ ^[12]$ ]] || return 1
	fi
	[ "$(field "$out" event)" = granted ] &&
		[ "$got" = "$want" ] &&
		[ "$(field "$out" server)" = 192.0.2.1 ] &&
		[ "$(field "$out" external_address)" = "$EXT_IP" ] &&
		[ -n "$EPORT" ] && [ "$EPORT" != 0 ]
}

# deleted WANT PROTO PORT [OPTION...]: `portctl delete` confirms, through
# WANT (as mapped() has it).
deleted() {
	local want="$1" proto="$2" port="$3" out
	shift 3
	out=$(pctl delete "$@" "$proto" "$port") || {
		echo "  exit $?: $out"
		return 1
	}
	echo "  $out"
	[ "$(field "$out" event)" = deleted ] && [ "$(field "$out" proto)" = "$want" ]
}

# round NAME WANT PORT [OPTION...]: TCP and UDP PORT of the LAN host mapped
# (granted by WANT), reached from the WAN, deleted, then unreachable.
round() {
	local name="$1" want="$2" port="$3" tport uport
	shift 3
	check_not "$name: before: WAN TCP to 203.0.113.1:$port does not pass" \
		tcp_ok "$NS_EXT" 203.0.113.1 "$port"
	check "$name: map tcp $port granted by $want" mapped "$name" "$want" tcp "$port" "$@"
	tport=$EPORT
	check "$name: WAN TCP to 203.0.113.1:$tport reaches the LAN host's $port" \
		tcp_ok "$NS_EXT" 203.0.113.1 "$tport"
	check "$name: map udp $port granted by $want" mapped "$name" "$want" udp "$port" "$@"
	uport=$EPORT
	check "$name: WAN UDP to 203.0.113.1:$uport reaches the LAN host's $port" \
		udp_ok "$NS_EXT" 203.0.113.1 "$uport"
	check "$name: delete tcp $port" deleted "$want" tcp "$port" "$@"
	check "$name: delete udp $port" deleted "$want" udp "$port" "$@"
	check_not "$name: after delete: WAN TCP to 203.0.113.1:$tport does not pass" \
		tcp_ok "$NS_EXT" 203.0.113.1 "$tport"
	check_not "$name: after delete: WAN UDP to 203.0.113.1:$uport does not pass" \
		udp_ok "$NS_EXT" 203.0.113.1 "$uport"
}

# probed WANT EXT: `portctl probe` finds the protocols WANT ([pcp, natpmp,
# upnp] as JSON booleans), the IGD (when there is one) at 192.0.2.1:5000
# with the external address EXT, and no double NAT.  It asks one protocol
# after the other, each for up to its -t.
probed() {
	local out
	out=$(tool in_int timeout $((3 * 4 + 5)) "$PORTCTL" probe -t 4 -j) || {
		echo "  exit $?: $out"
		return 1
	}
	echo "  $out"
	[ "$(jq -c '[.pcp, .natpmp, .upnp]' <<<"$out")" = "$1" ] &&
		[ "$(jq -r .double_nat <<<"$out")" = false ] || return 1
	[ "$(field "$out" upnp)" = true ] || return 0
	[ "$(field "$out" upnp_server)" = 192.0.2.1 ] &&
		[ "$(field "$out" upnp_server_port)" = 5000 ] &&
		[ "$(field "$out" upnp_external_address)" = "$2" ]
}

# probed_double_nat REASON [OPTION...]: `portctl probe OPTION...` reports a
# double NAT for REASON, the external address being EXT_IP.
probed_double_nat() {
	local why="$1" out
	shift
	out=$(tool in_int timeout $((3 * 4 + 5)) "$PORTCTL" probe -t 4 -j "$@") || {
		echo "  exit $?: $out"
		return 1
	}
	echo "  $out"
	[ "$(jq -r .double_nat <<<"$out")" = true ] &&
		[ "$(field "$out" double_nat_reason)" = "$why" ] &&
		[ "$(field "$out" external_address)" = "$EXT_IP" ]
}

# refused PROTOCOL: `portctl map --protocol PROTOCOL` fails (this router
# does not speak it) within portctl's timeout (timeout(1)'s 124 otherwise),
# with neither a mapping nor a crash (exit 3 or above: no answer, or
# unreachable).
refused() {
	local out rc
	out=$(in_int timeout "$W" "$PORTCTL" map -t "$MAP_T" --no-state -j \
		--protocol "$1" tcp 8089)
	rc=$?
	echo "  exit $rc: $out"
	[ "$rc" -ge 3 ] && [ "$rc" -le 10 ] && [ "$(field "$out" event)" != granted ]
}

# kept PORT: `portctl keep --protocol upnp` maps TCP PORT through the IGD,
# the WAN reaches it, and SIGTERM deletes it.  keep's loop asks for POLLOUT
# on the IGD's HTTP connections (pctl_client_pollfds): strace shows a ppoll
# with POLLOUT, where a loop on pctl_client_fds would poll every 20 ms.
kept() {
	local port="$1" pid kid i
	# ip execs strace, so $! is strace's PID and portctl is its child.
	ip netns exec "$NS_INT" strace -f -qq -e trace=ppoll \
		-o "$T/keep.strace" "$PORTCTL" keep --no-state --protocol upnp \
		-l 120 tcp "$port" >"$T/keep.out" 2>&1 &
	pid=$!
	for i in $(seq 50); do
		grep -q "granted" "$T/keep.out" && break
		sleep 0.2
	done
	cat "$T/keep.out"
	kid=$(ps -o pid= --ppid "$pid" | tr -d ' ')
	if [ -z "$kid" ] || ! tcp_ok "$NS_EXT" 203.0.113.1 "$port"; then
		[ -n "$kid" ] && kill -TERM "$kid"
		kill "$pid" 2>/dev/null
		wait "$pid"
		return 1
	fi
	kill -TERM "$kid" # the SIGTERM keep deletes on
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$pid" 2>/dev/null
	wait "$pid"
	cat "$T/keep.out"
	grep -q "deleted" "$T/keep.out" &&
		grep -q "POLLOUT" "$T/keep.strace" &&
		! tcp_ok "$NS_EXT" 203.0.113.1 "$port"
}

# Without --server where a user would give none: the client finds the
# router (its default gateway; SSDP for UPnP IGD).
case "$CONFIG" in
pcp)
	round "auto" pcp 8080 -s 192.0.2.1
	round "--protocol natpmp" natpmp 8081 -s 192.0.2.1 --protocol natpmp
	round "--protocol pcp" pcp 8082 -s 192.0.2.1 --protocol pcp
	check "--protocol upnp fails: no IGD" refused upnp
	check "probe: PCP and NAT-PMP, no IGD" probed '[true,true,false]'
	;;
upnp)
	round "auto" upnp 8080
	round "--protocol upnp" upnp 8081 --protocol upnp
	check "keep --protocol upnp: mapped, reached, deleted on SIGTERM; POLLOUT polled" kept 8082
	check "--protocol pcp fails: no PCP server" refused pcp
	check "probe: the IGD only" probed '[false,false,true]' "$EXT_IP"
	;;
both)
	round "auto" pcp 8080
	round "--protocol upnp" upnp 8081 --protocol upnp
	round "--protocol natpmp" natpmp 8082 --protocol natpmp
	check "probe: all three" probed '[true,true,true]' "$EXT_IP"
	;;
cgn)
	check "probe --protocol upnp: a double NAT, for the IGD's shared address" \
		probed_double_nat "the IGD's external address is private or shared" --protocol upnp
	check "probe: a double NAT, for the IGD's shared address" \
		probed_double_nat "the IGD's external address is private or shared"
	check "probe --protocol pcp: a double NAT, for PCP's shared address" \
		probed_double_nat "the external address is private or shared" --protocol pcp
	;;
portctld)
	round "--protocol upnp" upnp 8080 --protocol upnp
	round "auto" pcp 8081
	check "probe: all three" probed '[true,true,true]' "$EXT_IP"
	;;
esac

if [ "$FAILURES" -ne 0 ]; then
	echo "---- server log"
	cat "$T/log"
	echo "---- ruleset"
	in_rtr nft list ruleset
fi
netns_done
