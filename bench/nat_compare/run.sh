#!/usr/bin/env bash
# portctld (nftables backend) against Debian's miniupnpd (miniupnpd-nftables)
# in the same run, on the same namespaces, under the same PCP load
# (pcp_load.c): mappings installed per second while filling, MAP latency
# p50/p99 and renewal requests/s at 1k, 10k and 100k live kernel mappings.
#
#   internal (NS_INT)                  router (NS_RTR)             (NS_EXT)
#   eth0 192.0.2.10 .. 192.0.2.(9+H) <-> lan0 192.0.2.1  wan0 203.0.113.1 <-> eth0
#
# Usage: run.sh [--smoke] PCP_LOAD PORTCTLD
#   --smoke: 200 mappings per daemon, checks only (the CTest test).
# Environment: SIZES (1000,10000,100000), HOSTS (32), WINDOW (32),
#   PROBES (200), RENEWALS (2000), DEADLINE (seconds per daemon, 400),
#   MINIUPNPD (/usr/sbin/miniupnpd), LOGDIR (keep the daemons' logs there).
# Root only (77 otherwise).  Every namespace and process it starts goes away
# on exit, failure included (trap); names end in $$.  Not a test: the
# figures are printed, never asserted (but for the smoke run's checks that
# every mapping was answered and is in the kernel).
set -u
SMOKE=0
if [ "${1:-}" = --smoke ]; then
	SMOKE=1
	shift
fi
LOAD="${1:?usage: $0 [--smoke] PCP_LOAD PORTCTLD}"
PORTCTLD="${2:?usage: $0 [--smoke] PCP_LOAD PORTCTLD}"
MINIUPNPD="${MINIUPNPD:-/usr/sbin/miniupnpd}"
HOSTS="${HOSTS:-32}"
WINDOW="${WINDOW:-32}"
PROBES="${PROBES:-200}"
RENEWALS="${RENEWALS:-2000}"
DEADLINE="${DEADLINE:-400}"
SIZES="${SIZES:-1000,10000,100000}"
if [ "$SMOKE" -eq 1 ]; then
	SIZES=200 PROBES=20 RENEWALS=100 DEADLINE=60 HOSTS=4
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces, nftables)"
	exit 77
fi
for t in ip nft timeout; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

NS_INT="pnc-int-$$"
NS_RTR="pnc-rtr-$$"
NS_EXT="pnc-ext-$$"
T="$(mktemp -d)"
PIDS=()
FAILED=0

cleanup() {
	local pid ns
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "$NS_INT" "$NS_RTR" "$NS_EXT"; do
		# Only processes inside our own namespaces (none should be left).
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${LOGDIR:-}" ] && cp "$T"/*.log "$T"/*.out "$LOGDIR"/ 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	FAILED=$((FAILED + 1))
}

setup() {
	local h
	ip netns add "$NS_INT" && ip netns add "$NS_RTR" &&
		ip netns add "$NS_EXT" || return 1
	ip -n "$NS_INT" link add eth0 type veth peer name lan0 netns "$NS_RTR" &&
		ip -n "$NS_EXT" link add eth0 type veth peer name wan0 netns "$NS_RTR" ||
		return 1
	for ns in "$NS_INT" "$NS_RTR" "$NS_EXT"; do
		ip -n "$ns" link set lo up
	done
	# One address per simulated internal host.
	for h in $(seq 0 $((HOSTS - 1))); do
		echo "addr add 192.0.2.$((10 + h))/24 dev eth0"
	done | ip -n "$NS_INT" -batch - || return 1
	ip -n "$NS_INT" link set eth0 up
	ip -n "$NS_INT" route add default via 192.0.2.1
	ip -n "$NS_RTR" addr add 192.0.2.1/24 dev lan0
	ip -n "$NS_RTR" addr add 203.0.113.1/24 dev wan0
	ip -n "$NS_RTR" link set lan0 up
	ip -n "$NS_RTR" link set wan0 up
	ip -n "$NS_EXT" addr add 203.0.113.2/24 dev eth0
	ip -n "$NS_EXT" link set eth0 up
	ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 || return 1
	for _ in $(seq 1 50); do
		ip -n "$NS_INT" link show eth0 | grep -q LOWER_UP &&
			ip -n "$NS_RTR" link show wan0 | grep -q LOWER_UP && return 0
		sleep 0.1
	done
	echo "links not up" >&2
	return 1
}

# wait_for FILE PATTERN: bounded (5 s) wait for a line in a log.
wait_for() {
	for _ in $(seq 1 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop PID: SIGTERM, bounded wait, then SIGKILL.
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# load NAME COUNT_CMD: pcp_load against the router from the internal host;
# COUNT_CMD prints the kernel state at each size (pcp_load's --after).
load() {
	local name="$1" count="$2"
	echo "# $name"
	timeout $((DEADLINE + 60)) ip netns exec "$NS_INT" "$LOAD" \
		-s 192.0.2.1 -f 192.0.2.10 -H "$HOSTS" -n "$SIZES" \
		-w "$WINDOW" -p "$PROBES" -r "$RENEWALS" -l 7200 \
		-T "$DEADLINE" -x "$count" | tee "$T/$name.out"
	return "${PIPESTATUS[0]}"
}

# ---- portctld --backend nftables -------------------------------------
run_portctld() {
	cat >"$T/portctld.conf" <<CONF
listen 192.0.2.1
backend nftables
nft-table pnc$$
external-interface wan0
internal-interface lan0
external-ip 203.0.113.1
max-lifetime 86400
state-dir $T
control $T/ctl.sock
journal no
multicast-announce no
user root
CONF
	ip netns exec "$NS_RTR" "$PORTCTLD" -f -c "$T/portctld.conf" \
		>"$T/portctld.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait_for "$T/portctld.log" "started" || {
		cat "$T/portctld.log"
		fail "portctld did not start"
		return 1
	}
	# Every live NAT44 mapping is one dnat4 element (plus snat4, open4).
	load portctld "ip netns exec $NS_RTR sh -c \
		'echo kernel=\$(nft list map inet pnc$$ dnat4 | grep -o expires | wc -l) dnat4 elements'" ||
		fail "pcp_load against portctld ended with $?"
	echo "# sample dnat4 element: $(ip netns exec "$NS_RTR" nft list map inet "pnc$$" dnat4 |
		grep -o '203.0.113.1 . tcp . 1024 [^,]*')"
	stop "$pid"
	ip netns exec "$NS_RTR" nft list table inet "pnc$$" >/dev/null 2>&1 &&
		fail "portctld left its table behind"
	return 0
}

# ---- miniupnpd (Debian's miniupnpd-nftables) ---------------------------
# miniupnpd 2.3.1 does not create its tables (Debian ships nft_init.sh
# without the helper it sources): we create them, with names of our own.
# It refuses every RFC 5737 address as external address ("reserved /
# private ... Port forwarding is impossible", no mapping at all), so it is
# told ext_ip=$MUPNP_EXT_IP: an address that no interface holds and no
# route leads to, seen only in its answers.  The wan0 address stays
# 203.0.113.1; nothing is sent to or from MUPNP_EXT_IP.
MUPNP_EXT_IP="${MUPNP_EXT_IP:-192.0.3.1}"
MT="mupnp$$"
run_miniupnpd() {
	if [ ! -x "$MINIUPNPD" ]; then
		echo "# miniupnpd: $MINIUPNPD not installed, skipped"
		return 0
	fi
	ip netns exec "$NS_RTR" nft -f - <<NFT || { fail "miniupnpd tables"; return 1; }
table inet $MT {
	chain forward {
		type filter hook forward priority 0; policy accept;
		jump fwd_mupnp
	}
	chain fwd_mupnp {
	}
	chain prerouting {
		type nat hook prerouting priority -100; policy accept;
		jump pre_mupnp
	}
	chain postrouting {
		type nat hook postrouting priority 100; policy accept;
		jump post_mupnp
	}
	chain pre_mupnp {
	}
	chain post_mupnp {
	}
}
NFT
	cat >"$T/miniupnpd.conf" <<CONF
ext_ifname=wan0
ext_ip=$MUPNP_EXT_IP
listening_ip=lan0
enable_natpmp=yes
enable_upnp=no
secure_mode=no
min_lifetime=120
max_lifetime=86400
upnp_table_name=$MT
upnp_nat_table_name=$MT
upnp_forward_chain=fwd_mupnp
upnp_nat_chain=pre_mupnp
upnp_nat_postrouting_chain=post_mupnp
CONF
	# As in production: detached, syslog at its default level.  (With -d
	# it logs every request at debug level, and on a machine without
	# /dev/log syslog falls back to the console: a 9600-baud serial
	# console here, about 0.1 s a request.  Detached, only its start and
	# stop reach the console.)
	ip netns exec "$NS_RTR" "$MINIUPNPD" -f "$T/miniupnpd.conf" \
		-P "$T/miniupnpd.pid" >"$T/miniupnpd.log" 2>&1
	local pid=""
	for _ in $(seq 1 50); do
		pid="$(cat "$T/miniupnpd.pid" 2>/dev/null)"
		[ -n "$pid" ] && ip netns exec "$NS_RTR" ss -Hunl "sport = :5351" |
			grep -q . && break
		sleep 0.1
	done
	[ -n "$pid" ] && PIDS+=("$pid")
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		cat "$T/miniupnpd.log"
		fail "miniupnpd did not start"
		return 1
	fi
	# One DNAT rule per mapping in its prerouting chain (and one accept
	# rule in its forward chain).
	load miniupnpd "ip netns exec $NS_RTR sh -c \
		'echo kernel=\$(nft list chain inet $MT pre_mupnp | grep -c dnat) dnat rules'"
	local rc=$?
	[ "$rc" -eq 0 ] || echo "# miniupnpd: pcp_load ended with $rc (deadline ${DEADLINE}s)"
	echo "# sample rules: $(ip netns exec "$NS_RTR" nft list chain inet "$MT" pre_mupnp |
		grep -m1 dnat | sed 's/^[[:space:]]*//') / $(ip netns exec "$NS_RTR" nft list chain inet "$MT" fwd_mupnp |
		grep -m1 accept | sed 's/^[[:space:]]*//')"
	stop "$pid"
	ip netns exec "$NS_RTR" nft delete table inet "$MT"
	return 0
}

# ---- results -----------------------------------------------------------
# field FILE SIZE KEY: a value from pcp_load's line for that size.
field() {
	grep "^size=$2 " "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$3=//p"
}
# kernel FILE SIZE: the element/rule count printed after that size's line.
kernel() {
	grep -A1 "^size=$2 " "$1" 2>/dev/null | sed -n 's/^kernel=\([0-9]*\).*/\1/p'
}

table() {
	local s d f p50 p99 rps
	echo
	echo "| live mappings | server | live reached | kernel entries | fill s | installed/s | MAP p50 µs | MAP p99 µs | renewals/s | failed/lost/resent | timeout |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for s in ${SIZES//,/ }; do
		for d in portctld miniupnpd; do
			f="$T/$d.out"
			[ -s "$f" ] || continue
			if ! grep -q "^size=$s " "$f"; then
				echo "| $s | $d | not attempted | | | | | | | | |"
				continue
			fi
			p50="$(field "$f" "$s" p50_us)" p99="$(field "$f" "$s" p99_us)"
			rps="$(field "$f" "$s" renew_rps)"
			if [ "$(field "$f" "$s" probes)" = 0 ]; then
				p50=- p99=- # not measured: the fill ran out of time
			fi
			[ "$(field "$f" "$s" renewals)" = 0 ] && rps=-
			echo "| $s | $d | $(field "$f" "$s" live) | $(kernel "$f" "$s") |" \
				"$(field "$f" "$s" fill_s) | $(field "$f" "$s" fill_rate) |" \
				"$p50 | $p99 | $rps |" \
				"$(field "$f" "$s" fill_fail)/$(field "$f" "$s" fill_lost)/$(field "$f" "$s" fill_resent) $(field "$f" "$s" first_error) |" \
				"$(field "$f" "$s" timeout) |"
		done
	done
}

# Smoke checks: every mapping answered SUCCESS and in the kernel.
smoke_check() {
	local d="$1" f="$T/$1.out" want
	want=$((SIZES))
	[ "$(field "$f" "$SIZES" fill_ok)" = "$want" ] ||
		fail "$d: $want mappings not all granted"
	# The probes are installed too: SIZES + PROBES kernel entries.
	[ "$(kernel "$f" "$SIZES")" = "$((want + PROBES))" ] ||
		fail "$d: kernel holds $(kernel "$f" "$SIZES") entries, not $((want + PROBES))"
	[ "$(field "$f" "$SIZES" renew_fail)" = 0 ] ||
		fail "$d: renewals failed"
}

echo "# nat_compare: $(nproc) CPUs, kernel $(uname -r), $("$MINIUPNPD" --version 2>&1 | head -1)"
echo "# sizes $SIZES, $HOSTS internal hosts, window $WINDOW, $PROBES probes, $RENEWALS renewals, deadline ${DEADLINE}s per daemon"
START=$SECONDS
setup || { echo "setup failed"; exit 1; }
run_portctld
run_miniupnpd
table
echo
echo "# whole run: $((SECONDS - START)) s"
if [ "$SMOKE" -eq 1 ]; then
	smoke_check portctld
	[ -x "$MINIUPNPD" ] && smoke_check miniupnpd
fi
[ "$FAILED" -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
exit 0
