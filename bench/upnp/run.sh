#!/usr/bin/env bash
# bench_upnp against Debian's miniupnpd and against portctld, each in a
# network namespace of its own where nothing leaves the machine: two
# interfaces with no peer outside it, lan0 192.0.2.1/24 (the IGD's HTTP side) and wan0
# 203.0.113.1/24 (the external side, no peer), and bench_upnp in the same
# namespace asking http://192.0.2.1:5000/rootDesc.xml, so every request
# travels over the namespace's loopback path.  The client's own address is
# 192.0.2.1: the mappings are for the requester itself (secure mode).
#
# Usage: run.sh [--smoke] BENCH_UPNP PORTCTLD [miniupnpd|portctld ...]
#   --smoke   N=20 per phase, and the exit status says whether every
#             action succeeded (the CTest smoke run); otherwise N=${N:-1000}.
#   servers   which to run (default both).  A missing miniupnpd is
#             reported and skipped; so is a portctld that serves no UPnP,
#             except under --smoke, where that fails.
# Environment: N, MINIUPNPD (/usr/sbin/miniupnpd).
# Root only (77 otherwise).  Names end in $$; the trap removes the
# namespaces and stops what it started, failure included.  Not a test: the
# figures are printed, never asserted.
set -u
SMOKE=0
if [ "${1:-}" = --smoke ]; then
	SMOKE=1
	shift
fi
BENCH="${1:?usage: $0 [--smoke] BENCH_UPNP PORTCTLD [server...]}"
PORTCTLD="${2:?usage: $0 [--smoke] BENCH_UPNP PORTCTLD [server...]}"
shift 2
SERVERS=("$@")
[ ${#SERVERS[@]} -eq 0 ] && SERVERS=(miniupnpd portctld)
MINIUPNPD="${MINIUPNPD:-/usr/sbin/miniupnpd}"
N="${N:-1000}"
[ "$SMOKE" -eq 1 ] && N=20

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces, nftables)"
	exit 77
fi
for t in ip nft timeout; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

NS="bupnp-$$"
T="$(mktemp -d)"
PIDS=()
FAILED=0

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# Only processes inside our own namespace (none should be left).
	for pid in $(ip netns pids "$NS" 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# stop PID: SIGTERM, bounded wait (10 s), then SIGKILL.
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# wait_http: (bounded, 5 s) until something listens on TCP 5000.
wait_http() {
	for _ in $(seq 1 50); do
		ip netns exec "$NS" ss -Htln "sport = :5000" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
# veth pairs whose peers stay down in the same namespace (no dummy
# module everywhere): nothing is connected to either side.
ip -n "$NS" link add lan0 type veth peer name lan0p || exit 1
ip -n "$NS" link add wan0 type veth peer name wan0p || exit 1
ip -n "$NS" addr add 192.0.2.1/24 dev lan0
ip -n "$NS" addr add 203.0.113.1/24 dev wan0
ip -n "$NS" link set lan0 up
ip -n "$NS" link set wan0 up

# bench NAME: bench_upnp against the server on 192.0.2.1:5000.
bench() {
	echo "# $1"
	timeout 600 ip netns exec "$NS" "$BENCH" -n "$N" \
		http://192.0.2.1:5000/rootDesc.xml | tee "$T/$1.out"
	local rc="${PIPESTATUS[0]}"
	if [ "$rc" -ne 0 ]; then
		# What the server said, so that a failure can be understood.
		tail -n 40 "$T/$1.log" 2>/dev/null
		echo "FAIL: bench_upnp against $1 ended with $rc"
		FAILED=1
	fi
}

# ---- miniupnpd -----------------------------------------------------------
# As in bench/nat_compare/run.sh: ext_ip=192.0.3.1 because miniupnpd 2.3.1
# refuses RFC 5737 external addresses (no interface holds it, nothing is
# sent to it), and the test creates its table and chains.  Detached (no
# -d): with -d it logs every request, through a console that can be slow.
run_miniupnpd() {
	if [ ! -x "$MINIUPNPD" ]; then
		echo "# miniupnpd: $MINIUPNPD not installed, skipped"
		return 0
	fi
	local mt="bupnp$$" pid=""
	ip netns exec "$NS" nft -f - <<NFT || { echo "FAIL: miniupnpd tables"; FAILED=1; return 1; }
table inet $mt {
	chain forward { type filter hook forward priority 0; policy accept; jump fwd_mupnp; }
	chain fwd_mupnp { }
	chain prerouting { type nat hook prerouting priority -100; policy accept; jump pre_mupnp; }
	chain postrouting { type nat hook postrouting priority 100; policy accept; jump post_mupnp; }
	chain pre_mupnp { }
	chain post_mupnp { }
}
NFT
	cat >"$T/miniupnpd.conf" <<CONF
ext_ifname=wan0
ext_ip=192.0.3.1
listening_ip=lan0
http_port=5000
enable_natpmp=no
enable_upnp=yes
secure_mode=yes
upnp_table_name=$mt
upnp_nat_table_name=$mt
upnp_forward_chain=fwd_mupnp
upnp_nat_chain=pre_mupnp
upnp_nat_postrouting_chain=post_mupnp
allow 1024-65535 192.0.2.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
	ip netns exec "$NS" "$MINIUPNPD" -f "$T/miniupnpd.conf" -P "$T/miniupnpd.pid" \
		>"$T/miniupnpd.log" 2>&1
	for _ in $(seq 1 50); do
		pid="$(cat "$T/miniupnpd.pid" 2>/dev/null)"
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] && PIDS+=("$pid")
	if [ -z "$pid" ] || ! wait_http; then
		cat "$T/miniupnpd.log"
		echo "FAIL: miniupnpd did not start"
		FAILED=1
		return 1
	fi
	bench miniupnpd
	stop "$pid"
	ip netns exec "$NS" nft delete table inet "$mt"
}

# ---- portctld --------------------------------------------------------------
# Its own address is the client's (allow-self), and neither the per-host
# quota nor the per-subscriber rate limit (which UPnP shares with PCP)
# applies: the figures are the request path's, as miniupnpd has neither.
run_portctld() {
	cat >"$T/portctld.conf" <<CONF
listen 192.0.2.1
backend nftables
nft-table bupnp$$
external-interface wan0
internal-interface lan0
external-ip 203.0.113.1
allow-self yes
max-lifetime 86400
max-per-host 0
rate-limit 0
state-dir $T
control $T/ctl.sock
journal no
multicast-announce no
user root
upnp yes
upnp-http-port 5000
CONF
	ip netns exec "$NS" "$PORTCTLD" -f -c "$T/portctld.conf" >"$T/portctld.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	if ! wait_http; then
		cat "$T/portctld.log"
		stop "$pid"
		if [ "$SMOKE" -eq 1 ]; then
			echo "FAIL: portctld serves no UPnP on 192.0.2.1:5000"
			FAILED=1
		else
			echo "# portctld: no UPnP on 192.0.2.1:5000, skipped"
		fi
		return 0
	fi
	bench portctld
	stop "$pid"
}

for s in "${SERVERS[@]}"; do
	case "$s" in
	miniupnpd) run_miniupnpd ;;
	portctld) run_portctld ;;
	*) echo "unknown server $s"; exit 2 ;;
	esac
done
exit "$FAILED"
