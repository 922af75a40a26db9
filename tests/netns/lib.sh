# shellcheck shell=bash
# Network-namespace harness of the portctl netns tests.
#
#   internal host (NS_INT)        router (NS_RTR)              external host (NS_EXT)
#   eth0 192.0.2.2/24     <-> lan0 192.0.2.1/24   wan0 203.0.113.1/24 <-> eth0 203.0.113.2/24
#        2001:db8:1::2/64          2001:db8:1::1/64      2001:db8:2::1/64        203.0.113.3/24
#                                                                               2001:db8:2::2/64
#
# The router forwards IPv4 and IPv6 and masquerades ordinary outbound IPv4
# in a table of its own (ip rtrnat), like a home router would.  Names end in
# $$ so that tests running in parallel never meet; every namespace and
# every process started here goes away on exit (trap), failure included.
# Only documentation addresses are used; they never leave the namespaces.

NS_INT="pctl-int-$$"
NS_RTR="pctl-rtr-$$"
NS_EXT="pctl-ext-$$"
NETNS_PIDS=()
FAILURES=0
# Seconds a client waits for an answer, and any single client may take.
# Larger under emulation (tests/qemu/guest.sh), where everything is slower.
NETNS_WAIT="${NETNS_WAIT:-2}"
STEP_TIMEOUT="${NETNS_STEP_TIMEOUT:-4}"

# netns_e2e_args [ARG...] NFT_DRIVER PORTCTLD PORTCTL: the arguments every
# end-to-end script gets from tests/netns/CMakeLists.txt
# (portctl_e2e_test), after the script's own.  Sets DRIVER, PORTCTLD,
# PORTCTL and the helpers found next to the driver (UDP_ANSWER, INJECT).
# shellcheck disable=SC2034 # read by the scripts and by lib.sh
netns_e2e_args() {
	if [ $# -lt 3 ]; then
		echo "usage: $0 NFT_DRIVER PORTCTLD PORTCTL" >&2
		exit 2
	fi
	DRIVER="$1"
	PORTCTLD="$2"
	PORTCTL="$3"
	UDP_ANSWER="$(dirname "$DRIVER")/udp_answer"
	INJECT="$(dirname "$DRIVER")/ipc_inject"
}

# netns_need TOOL...: skip (77) unless every tool is installed.
netns_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
	done
}

netns_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: netns tests need root"
		exit 77
	fi
	for t in ip nft socat timeout; do
		command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
	done
}

# netns_kill9 PID: SIGKILL to portctld (PID, the parent) and its network
# process, as a supervisor ending the service does (systemd kills the whole
# cgroup); waits, bounded, until both are gone, so that a start right after
# never meets the dying network process's sockets.
netns_kill9() {
	local pids p _
	pids="$1 $(pgrep -P "$1" 2>/dev/null | tr '\n' ' ')"
	# shellcheck disable=SC2086 # a list of PIDs
	kill -KILL $pids 2>/dev/null
	wait "$1" 2>/dev/null
	for _ in $(seq 1 50); do
		for p in $pids; do
			# Gone, or a zombie nobody has reaped yet.
			[ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] &&
				continue 2
		done
		return 0
	done
	return 1
}

netns_cleanup() {
	local pid
	for pid in "${NETNS_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		# A stopped process (SIGSTOP) would never take the TERM: the
		# wait below would block.
		kill -CONT "$pid" 2>/dev/null
	done
	for pid in "${NETNS_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# Forked socat children of our servers live only in our namespaces.
	for ns in "$NS_INT" "$NS_RTR" "$NS_EXT"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

in_int() { ip netns exec "$NS_INT" "$@"; }
in_rtr() { ip netns exec "$NS_RTR" "$@"; }
in_ext() { ip netns exec "$NS_EXT" "$@"; }

netns_setup() {
	trap netns_cleanup EXIT
	trap 'exit 1' INT TERM
	ip netns add "$NS_INT" && ip netns add "$NS_RTR" && ip netns add "$NS_EXT" || return 1
	ip -n "$NS_INT" link add eth0 type veth peer name lan0 netns "$NS_RTR" || return 1
	ip -n "$NS_EXT" link add eth0 type veth peer name wan0 netns "$NS_RTR" || return 1
	for ns in "$NS_INT" "$NS_RTR" "$NS_EXT"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_INT" addr add 192.0.2.2/24 dev eth0
	ip -n "$NS_INT" addr add 2001:db8:1::2/64 dev eth0 nodad
	ip -n "$NS_INT" link set eth0 up
	ip -n "$NS_INT" route add default via 192.0.2.1
	ip -n "$NS_INT" -6 route add default via 2001:db8:1::1

	ip -n "$NS_RTR" addr add 192.0.2.1/24 dev lan0
	ip -n "$NS_RTR" addr add 2001:db8:1::1/64 dev lan0 nodad
	ip -n "$NS_RTR" addr add 203.0.113.1/24 dev wan0
	ip -n "$NS_RTR" addr add 2001:db8:2::1/64 dev wan0 nodad
	ip -n "$NS_RTR" link set lan0 up
	ip -n "$NS_RTR" link set wan0 up
	in_rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1

	ip -n "$NS_EXT" addr add 203.0.113.2/24 dev eth0
	ip -n "$NS_EXT" addr add 203.0.113.3/24 dev eth0
	ip -n "$NS_EXT" addr add 2001:db8:2::2/64 dev eth0 nodad
	ip -n "$NS_EXT" link set eth0 up
	# Lets the external host try the inside directly (no NAT): only a
	# pinhole may let that through.
	ip -n "$NS_EXT" route add 192.0.2.0/24 via 203.0.113.1
	ip -n "$NS_EXT" -6 route add default via 2001:db8:2::1

	# The router's own NAT44 for ordinary outbound traffic.
	in_rtr nft -f - <<'NFT' || return 1
table ip rtrnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT
	# Wait (bounded) until both veth pairs are up on both ends.
	local _
	for _ in $(seq 1 50); do
		ip -n "$NS_INT" link show eth0 | grep -q LOWER_UP &&
			ip -n "$NS_EXT" link show eth0 | grep -q LOWER_UP &&
			ip -n "$NS_RTR" link show lan0 | grep -q LOWER_UP &&
			ip -n "$NS_RTR" link show wan0 | grep -q LOWER_UP && return 0
		sleep 0.1
	done
	echo "netns_setup: links not up" >&2
	return 1
}

# Background a long-running process in a namespace; remembered for cleanup.
netns_spawn() {
	local ns="$1"
	shift
	ip netns exec "$ns" "$@" >/dev/null 2>&1 &
	NETNS_PIDS+=("$!")
}

# netns_portctld_conf FILE [LINE...]: the router's portctld.conf of the
# end-to-end tests: PCP and NAT-PMP on lan0 (192.0.2.1, 2001:db8:1::1), the
# nftables table "portctl", wan0 / 203.0.113.1 outside, lifetimes from 1 s,
# state and control socket beside FILE, no journal, user root (the test's
# private directory is root's; the unprivileged default is proven by
# e2e_lifecycle.sh and the loopback tests); each LINE is appended.
netns_portctld_conf() {
	local file="$1" dir
	dir="$(dirname "$1")"
	shift
	cat >"$file" <<CONF
listen 192.0.2.1
listen [2001:db8:1::1]
backend nftables
nft-table portctl
external-interface wan0
internal-interface lan0
external-ip 203.0.113.1
min-lifetime 1
state-dir $dir
control $dir/ctl.sock
journal no
user root
CONF
	local line
	for line in "$@"; do
		echo "$line" >>"$file"
	done
}

# netns_start_portctld CONF LOG: PORTCTLD in the router namespace, logging
# to LOG.  `ip netns exec` execs it, so DAEMON is the daemon's own PID (kept
# in NETNS_PIDS for the cleanup).  Waits, 5 s at most, for its start line;
# returns 1 when it does not come.
netns_start_portctld() {
	ip netns exec "$NS_RTR" "$PORTCTLD" -f -c "$1" >"$2" 2>&1 &
	DAEMON=$!
	NETNS_PIDS+=("$DAEMON")
	local _
	for _ in $(seq 1 50); do
		grep -q "started: backend nftables" "$2" && return 0
		sleep 0.1
	done
	return 1
}

# netns_pmap ARGS...: `$PORTCTL map` from the internal host, nonces kept in
# $T/state; prints the external port granted ("" when refused).
netns_pmap() {
	tool in_int "$PORTCTL" map -t 5 --state "$T/state" -j "$@" >"$T/map.json" || return 1
	jq -r .external_port "$T/map.json"
}

# debian_ruleset PRIO [LINE]: an operator firewall as Debian's
# /etc/nftables.conf has it (table inet filter, forward policy drop,
# established/related and LAN->WAN accepted; masquerade), its forward chain
# at priority PRIO (e.g. "filter - 5"), LINE after established/related.
debian_ruleset() {
	cat <<NFT
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
	}
	chain forward {
		type filter hook forward priority $1; policy drop;
		ct state established,related accept
		${2:-}
		iifname "lan0" oifname "wan0" accept
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT
}

# Debian's natpmpc (an RFC 6886 client written by others) on the internal
# host, asking the router; its output is kept in $T/natpmpc.out.
# natpmpc_map PROTO PUBLIC PRIVATE LIFETIME: prints the public port granted.
natpmpc_map() {
	in_int timeout "$STEP_TIMEOUT" natpmpc -g 192.0.2.1 -a "$2" "$3" "$1" "$4" \
		>"$T/natpmpc.out" 2>&1 || return 1
	sed -n 's/^Mapped public port \([0-9]*\) protocol .* to local port .*/\1/p' \
		"$T/natpmpc.out"
}
# natpmpc_del PROTO PUBLIC PRIVATE: lifetime 0 deletes (RFC 6886 3.4; the
# suggested port is ignored); N-9: the reply carries the internal port,
# external port 0 and lifetime 0 (natpmpc spells it "liftime").
natpmpc_del() {
	natpmpc_map "$1" "$2" "$3" 0 >/dev/null &&
		grep -q "^Mapped public port 0 protocol [A-Z]* to local port $3 liftime 0$" \
			"$T/natpmpc.out"
}
# The control socket of netns_portctld_conf's daemon (under $T).  Bounded:
# `portctl admin` waits as long as the daemon takes to answer (a stopped or
# hung daemon: exit 124, which tool reports).
netns_admin() {
	tool in_rtr timeout "$STEP_TIMEOUT" "$PORTCTL" admin "$@" --json --socket "$T/ctl.sock"
}
# The mappings as the daemon lists them, without the lifetime left.
netns_mappings() { netns_admin list | jq -c '[.mappings[] | del(.lifetime)]'; }

# Servers that answer "ok" over TCP and UDP, IPv4 and IPv6, on a port.
# UDP_ANSWER (udp_answer.c) must be set: socat's forking UDP server loses
# datagrams to lingering children.
serve_ok() {
	local ns="$1" port="$2"
	netns_spawn "$ns" socat TCP6-LISTEN:"$port",fork,reuseaddr,ipv6only=0 SYSTEM:'echo ok'
	netns_spawn "$ns" "$UDP_ANSWER" "$port"
}

# Servers that answer with the address:port the client came from.
serve_peer() {
	local ns="$1" port="$2"
	netns_spawn "$ns" socat TCP4-LISTEN:"$port",fork,reuseaddr \
		SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'
	netns_spawn "$ns" "$UDP_ANSWER" -p "$port"
}

# Wait (bounded) until a TCP (or, with a third argument "u", UDP) port
# listens in a namespace.
wait_listen() {
	local ns="$1" port="$2" kind="${3:-t}" _
	for _ in $(seq 1 50); do
		ip netns exec "$ns" ss -H"$kind"ln "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

_sock() { # family-aware socat address: _sock TCP|UDP ADDR PORT
	case "$2" in
	*:*) echo "$1""6:[$2]:$3" ;;
	*) echo "$1""4:$2:$3" ;;
	esac
}

# tcp_get NS ADDR PORT [socat-options]: what the server answered, or "".
tcp_get() {
	ip netns exec "$1" timeout "$STEP_TIMEOUT" socat -T"$NETNS_WAIT" -t"$NETNS_WAIT" - \
		"$(_sock TCP "$2" "$3"),connect-timeout=$NETNS_WAIT${4:+,$4}" </dev/null 2>/dev/null
}

# udp_get NS ADDR PORT [socat-options]
udp_get() {
	echo x | ip netns exec "$1" timeout "$STEP_TIMEOUT" socat -T"$NETNS_WAIT" -t"$NETNS_WAIT" - \
		"$(_sock UDP "$2" "$3")${4:+,$4}" 2>/dev/null
}

# Our C tools exit 0 or 1 by design; anything else (usage error, crash,
# a sanitizer report: exit codes forced to 86 below) fails the test even
# where the step itself expected a failure.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=86"
tool() {
	"$@"
	local rc=$?
	[ "$rc" -le 1 ] || fail "tool exited $rc (crash or sanitizer report): $*"
	return "$rc"
}

ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	FAILURES=$((FAILURES + 1))
}

# check NAME COMMAND...: the command must succeed.
check() {
	local name="$1"
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# check_not NAME COMMAND...: the command must fail.
check_not() {
	local name="$1"
	shift
	if "$@"; then fail "$name"; else ok "$name"; fi
}

tcp_ok() { [ "$(tcp_get "$@")" = ok ]; }
# udp_refused NS ADDR PORT: an ICMP port unreachable came back (socat sees
# ECONNREFUSED), as opposed to silence.
udp_refused() {
	echo x | ip netns exec "$1" timeout "$STEP_TIMEOUT" socat -T"$NETNS_WAIT" -t"$NETNS_WAIT" - \
		"$(_sock UDP "$2" "$3")" 2>&1 | grep -q "Connection refused"
}
udp_ok() { [ "$(udp_get "$@")" = ok ]; }

netns_done() {
	if [ "$FAILURES" -ne 0 ]; then
		echo "$FAILURES check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
