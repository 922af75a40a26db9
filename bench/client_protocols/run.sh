#!/usr/bin/env bash
# portctl's time to a first mapping in each protocol (PCP, NAT-PMP, UPnP
# IGD, and auto), and the idle cost of `portctl keep`, against Debian's
# miniupnpd and against portctld's own IGD, across the namespaces of
# tests/netns/lib.sh (LAN host 192.0.2.2, router 192.0.2.1 / 203.0.113.1,
# WAN host): the client runs on the LAN host, as a user's would.
#
# Routers, one after the other:
#   miniupnpd-both  miniupnpd with PCP/NAT-PMP and UPnP IGD;
#   miniupnpd-upnp  miniupnpd with UPnP IGD only, PCP's port closed
#                   (miniupnpd.sh, mupnp_pcp_closed); auto waits for PCP
#                   and NAT-PMP before it uses the IGD: that wait is
#                   measured;
#   portctld        portctld with `upnp yes` (nftables backend).
#
# Time to a first mapping: N runs (default 20) of
#   strace -f -ttt portctl map -j --protocol P tcp PORT
# (a fresh port each run, deleted afterwards, untimed): the time from the
# client's first socket(2) (the client object being made, after the
# process start-up, which on this machine alone is 20-150 ms) to the
# write(2) of the result.  strace slows every system call a little, the
# UPnP path (more calls) the most.  Printed: min / median / max in ms, and
# the runs whose answer did not come from P (there should be none).
#
# Idle cost: `portctl keep --protocol P -l LIFE tcp PORT` under strace,
# counting its waits (poll, ppoll: each return is one wake-up), sends
# (datagrams, HTTP requests) and connections opened, once for BASE seconds (default 5: start-up,
# first mapping, the delete on SIGTERM) and once for DURATION (default
# 300); the difference is what keeping costs, scaled to an hour.  LIFE
# (default 7200) is the lifetime asked for: with 7200 s no renewal falls
# into a short run, so renewals are counted with LIFE=120 as well.
#
# Usage: run.sh [--smoke] PORTCTL PORTCTLD [router...]
#   --smoke  N=1, BASE=1, DURATION=2, miniupnpd-both unless routers are
#            named: checks that it completes (CTest), and
#            the exit status says whether every mapping was granted.
# Environment: N, BASE, DURATION, LIFE, MINIUPNPD, PROTOCOLS (the
# --protocol words to measure, default "pcp natpmp upnp auto").
# Root only (77 otherwise).  Not a test: the figures are printed, never
# asserted.  docs/performance.md has the results.
set -u
SMOKE=0
if [ "${1:-}" = --smoke ]; then
	SMOKE=1
	shift
fi
USAGE="usage: $0 [--smoke] PORTCTL PORTCTLD [router...]"
PORTCTL="${1:?$USAGE}"
PORTCTLD="${2:?$USAGE}"
shift 2
ROUTERS=("$@")
[ ${#ROUTERS[@]} -eq 0 ] && ROUTERS=(miniupnpd-both miniupnpd-upnp portctld)
N="${N:-20}"
BASE="${BASE:-5}"
DURATION="${DURATION:-300}"
LIFE="${LIFE:-7200}"
PROTOCOLS="${PROTOCOLS:-pcp natpmp upnp auto}"
if [ "$SMOKE" -eq 1 ]; then
	# One router that speaks all three protocols, one run each: the
	# smoke shows the bench completes; the figures need the full run.
	N=1
	BASE=1
	DURATION=2
	[ "$#" -eq 0 ] && ROUTERS=(miniupnpd-both)
fi
HERE="$(cd "$(dirname "$0")" && pwd)"
NETNS="$HERE/../../tests/netns"
# shellcheck source=../../tests/netns/lib.sh
. "$NETNS/lib.sh"
# shellcheck source=../../tests/netns/miniupnpd.sh
. "$NETNS/miniupnpd.sh"
netns_require_root
netns_need jq strace
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT
FAILED=0
ROUTER_PID=

# ms_stats FILE: "min / median / max ms" of the nanosecond figures in FILE.
ms_stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "no runs"; exit }
		printf "%.1f / %.1f / %.1f ms", v[1] / 1e6, v[int((NR + 1) / 2)] / 1e6, v[NR] / 1e6 }'
}
median_ns() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }

# start_router NAME: the router NAME in the router namespace (its firewall
# loaded first); 1 when it does not come up.
start_router() {
	in_rtr nft delete table inet filter 2>/dev/null
	in_rtr nft delete table ip nat 2>/dev/null
	in_rtr nft delete table inet "$MUPNP_TABLE" 2>/dev/null
	in_rtr nft delete table inet "${MUPNP_TABLE}_nopcp" 2>/dev/null
	in_rtr nft delete table ip rtrnat 2>/dev/null
	case "$1" in
	portctld)
		debian_ruleset filter 'ct label 127 accept' | in_rtr nft -f - || return 1
		netns_portctld_conf "$T/portctld.conf" "upnp yes" "upnp-http-port 5000"
		netns_start_portctld "$T/portctld.conf" "$T/router.log" || return 1
		ROUTER_PID=$DAEMON
		;;
	miniupnpd-*)
		[ -x "$MINIUPNPD" ] || { echo "# $1: $MINIUPNPD not installed, skipped"; return 2; }
		if [ "$1" = miniupnpd-both ]; then
			mupnp_ruleset | in_rtr nft -f - || return 1
			mupnp_conf yes yes
		else
			{ mupnp_ruleset; mupnp_pcp_closed; } | in_rtr nft -f - || return 1
			mupnp_conf no yes
		fi >"$T/miniupnpd.conf"
		rm -f "$T/miniupnpd.conf.pid"
		mupnp_start "$T/miniupnpd.conf" "$T/router.log" || return 1
		ROUTER_PID=$(cat "$T/miniupnpd.conf.pid")
		;;
	esac
	wait_listen "$NS_RTR" 5000
}
stop_router() {
	[ -n "$ROUTER_PID" ] || return 0
	kill "$ROUTER_PID" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$ROUTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$ROUTER_PID" 2>/dev/null
	wait "$ROUTER_PID" 2>/dev/null
	ROUTER_PID=
}

PORT=20000
# wanted PROTOCOL: PROTOCOL is one of PROTOCOLS.
wanted() { [[ " $PROTOCOLS " == *" $1 "* ]]; }
# first_mapping ROUTER PROTOCOL WANT: N timed `portctl map` runs.
first_mapping() {
	local router="$1" proto="$2" want="$3" i out bad=0
	wanted "$proto" || return 0
	: >"$T/map.ns"
	for i in $(seq 1 "$N"); do
		PORT=$((PORT + 1))
		out=$(in_int timeout 30 strace -f -qq -ttt -o "$T/map.trace" \
			-e trace=socket,write "$PORTCTL" map -j -t 15 --state "$T/state" \
			--protocol "$proto" tcp "$PORT" 2>>"$T/client.err")
		if [ "$(jq -r '.event + " " + .proto' <<<"$out" 2>/dev/null)" = "granted $want" ]; then
			# "PID SECONDS.MICROS call(...": first socket to write(1.
			awk '$3 ~ /^socket\(/ && !s { s = $2 }
				$3 ~ /^write\(1,/ && s { printf "%.0f\n", ($2 - s) * 1e9; exit }' \
				"$T/map.trace" >>"$T/map.ns"
		else
			bad=$((bad + 1))
			echo "# $router $proto run $i: $out" >&2
		fi
		in_int timeout 30 "$PORTCTL" delete -t 15 --state "$T/state" \
			--protocol "$want" tcp "$PORT" >/dev/null 2>&1
	done
	printf '%-15s %-7s granted by %-6s %s, %d of %d not by it\n' \
		"$router" "$proto" "$want" "$(ms_stats "$T/map.ns")" "$bad" "$N"
	[ "$bad" -eq 0 ] || FAILED=1
}

# keep_trace PROTOCOL SECONDS: `portctl keep` for SECONDS under strace;
# prints "WAITS SENDS CONNECTS".  timeout signals strace's process group,
# so portctl gets the SIGTERM and deletes its mapping.
keep_trace() {
	PORT=$((PORT + 1))
	PORTCTL_ANNOUNCE_PORT=0 in_int timeout -s TERM "$2" \
		strace -f -qq -o "$T/keep.trace" -e trace=poll,ppoll,sendto,sendmsg,connect \
		"$PORTCTL" keep --no-state -t 10 --protocol "$1" -l "$LIFE" tcp "$PORT" \
		>"$T/keep.out" 2>&1
	grep -q '^granted:' "$T/keep.out" || { FAILED=1; sed 's/^/# keep: /' "$T/keep.out" >&2; }
	# "PID call(...": one line per call (a call another thread
	# interrupts is split into "unfinished" and "resumed" lines: the
	# first one counts).
	echo "$(grep -cE '^[0-9]+ +(poll|ppoll)\(' "$T/keep.trace")" \
		"$(grep -cE '^[0-9]+ +(sendto|sendmsg)\(' "$T/keep.trace")" \
		"$(grep -cE '^[0-9]+ +connect\(' "$T/keep.trace")"
}

# idle ROUTER PROTOCOL: what keeping one mapping costs an hour.
idle() {
	local base long
	wanted "$2" || return 0
	base=$(keep_trace "$2" "$BASE")
	long=$(keep_trace "$2" "$DURATION")
	# shellcheck disable=SC2086 # three numbers each
	awk -v r="$1" -v p="$2" -v l="$LIFE" -v b="$BASE" -v d="$DURATION" '
		BEGIN { split(ARGV[1], x, " "); split(ARGV[2], y, " "); ARGC = 1
			h = 3600 / (d - b)
			printf "%-15s %-7s keep -l %s: %.0f wake-ups, %.0f sends, %.0f connects per hour (%s s run: %s; %s s run: %s)\n",
				r, p, l, (y[1] - x[1]) * h, (y[2] - x[2]) * h, (y[3] - x[3]) * h,
				d, ARGV[2], b, ARGV[1] }' "$base" "$long"
}

echo "# time to a first mapping (first socket to the result): min / median / max over $N runs"
for router in "${ROUTERS[@]}"; do
	start_router "$router"
	case $? in
	0) ;;
	2) continue ;;
	*) echo "FAIL: $router did not start"; cat "$T/router.log"; FAILED=1; continue ;;
	esac
	case "$router" in
	miniupnpd-upnp)
		first_mapping "$router" upnp upnp
		first_mapping "$router" auto upnp
		idle "$router" upnp
		LIFE=120 idle "$router" upnp
		;;
	*)
		first_mapping "$router" pcp pcp
		first_mapping "$router" natpmp natpmp
		first_mapping "$router" upnp upnp
		first_mapping "$router" auto pcp
		idle "$router" pcp
		idle "$router" upnp
		LIFE=120 idle "$router" pcp
		LIFE=120 idle "$router" upnp
		;;
	esac
	stop_router
done
exit "$FAILED"
