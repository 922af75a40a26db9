#!/usr/bin/env bash
# portctl --dhcp4 / --dhcp6 against a real portctld (C-2, K-27).  RFC 7291
# makes clients discard loopback addresses, so loopback cannot stand in for
# a PCP server here: the test makes a network namespace of its own with a
# veth pair (dhcp0 192.0.2.1/24 2001:db8::1/64, peer dhcp1) and runs
# portctld (backend none) on dhcp0's addresses.  Nothing leaves the
# namespace; it and the daemon go away on exit, failure included.
# Root only (exit 77 otherwise).
set -u
PORTCTL=$1
PORTCTLD=$2
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root for a network namespace"
	exit 77
fi
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
NS="pctl-dhcp-$$"
TMP=$(mktemp -d /tmp/pctl-dhcp-it.XXXXXX)
DAEMON=
cleanup() {
	if [ -n "$DAEMON" ]; then
		kill "$DAEMON" 2>/dev/null
		wait "$DAEMON" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*" >&2
	tail -20 "$TMP/daemon.log" >&2
	exit 1
}
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || fail "ip netns add"
ip -n "$NS" link set lo up
ip -n "$NS" link add dhcp0 type veth peer name dhcp1 || fail "veth"
ip -n "$NS" addr add 192.0.2.1/24 dev dhcp0
ip -n "$NS" addr add 192.0.2.3/24 dev dhcp0 # no daemon: ICMP unreachable
ip -n "$NS" addr add 2001:db8::1/64 dev dhcp0 nodad
ip -n "$NS" link set dhcp0 up
ip -n "$NS" link set dhcp1 up

# Not through in_ns: a function run with & is a subshell, and $! would be
# its PID, not the daemon's.  `ip netns exec` execs the daemon, so $! is
# the daemon itself and the cleanup ends it.
ip netns exec "$NS" "$PORTCTLD" -f -c /dev/null --listen 192.0.2.1 --listen '[2001:db8::1]' \
	--external-ip 203.0.113.5 --external-ip 2001:db8:ffff::5 --backend none \
	--control "$TMP/ctl" --state-dir "$TMP" --user root >"$TMP/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 50); do
	grep -q "started" "$TMP/daemon.log" && break
	sleep 0.1
done
grep -q "started" "$TMP/daemon.log" || fail "portctld did not start"

# map ARGS...: portctl map in the namespace, verbose, JSON on $TMP/out,
# stderr on $TMP/err; returns portctl's exit status.
map() {
	in_ns "$PORTCTL" map --no-state -t 4 -v --json "$@" >"$TMP/out" 2>"$TMP/err"
}
server() { jq -er .server <"$TMP/out"; }

# C-2: one List-Length block with 127.0.0.1, 224.0.0.1, 192.0.2.1, as
# dhclient passes it: the loopback and multicast addresses are dropped
# silently, the mapping is made through 192.0.2.1.
map --dhcp4 0c:7f:0:0:1:e0:0:0:1:c0:0:2:1 udp 5000 || fail "dhcp4 map rc $? $(cat "$TMP/err")"
[ "$(server)" = 192.0.2.1 ] || fail "dhcp4 server: $(cat "$TMP/out")"
grep -q "server 192.0.2.1:5351" "$TMP/err" || fail "dhcp4: $(cat "$TMP/err")"
! grep -qE "127\.0\.0\.1|224\.0\.0\.1|skipped|PCP servers" "$TMP/err" ||
	fail "dhcp4 kept or reported a discarded address: $(cat "$TMP/err")"

# One DHCPv6 instance on dhcp0: 2001:db8::1 with ff02::1 and ::1 dropped.
v6="20010db8000000000000000000000001"
v6="${v6}ff020000000000000000000000000001"
v6="${v6}00000000000000000000000000000001"
map --dhcp6 "$v6%dhcp0" -6 udp 5001 || fail "dhcp6 map rc $? $(cat "$TMP/err")"
[ "$(server)" = 2001:db8::1 ] || fail "dhcp6 server: $(cat "$TMP/out")"
[ "$(grep -c "server " "$TMP/err")" = 1 ] || fail "dhcp6 servers: $(cat "$TMP/err")"

# An IPv4-mapped address in the DHCPv6 option is an IPv4 server.
map --dhcp6 "00000000000000000000ffffc0000201%dhcp0" udp 5002 ||
	fail "mapped map rc $? $(cat "$TMP/err")"
[ "$(server)" = 192.0.2.1 ] || fail "mapped server: $(cat "$TMP/out")"

# Two List-Length blocks are two servers (192.0.2.3 has no daemon): said on
# stderr, and their addresses are tried in turn.
map --dhcp4 04c000020304c0000201 udp 5003 || fail "two servers rc $? $(cat "$TMP/err")"
[ "$(server)" = 192.0.2.1 ] || fail "two servers: $(cat "$TMP/out")"
grep -q "the DHCP options name 2 PCP servers" "$TMP/err" ||
	fail "two servers not reported: $(cat "$TMP/err")"

# The same address from --server and --dhcp4 is one server address.
map -s 192.0.2.1 --dhcp4 04:c0:0:2:1 udp 5004 || fail "dup rc $? $(cat "$TMP/err")"
[ "$(grep -c "server 192.0.2.1:5351" "$TMP/err")" = 1 ] || fail "dup: $(cat "$TMP/err")"

# A link-local address is usable only with the interface it was learnt on
# (RFC 7291 section 7): without %IFNAME it is skipped with a warning, and
# with nothing else left the option is refused...
map --dhcp6 "fe800000000000000000000000000001" udp 5005
rc=$?
[ $rc -eq 2 ] || fail "link-local without interface: rc $rc"
grep -q "link-local server address fe80::1 skipped: give the interface" "$TMP/err" ||
	fail "link-local: $(cat "$TMP/err")"
# ...with it, it is a server address scoped to that interface (tried after
# 2001:db8::1, which answers).
map --dhcp6 "20010db8000000000000000000000001fe800000000000000000000000000001%dhcp0" \
	-6 udp 5005 || fail "link-local with interface rc $? $(cat "$TMP/err")"
grep -q "server \[fe80::1%dhcp0\]:5351" "$TMP/err" ||
	fail "link-local scope: $(cat "$TMP/err")"

# RFC 7488: an address without a route (nothing routes 198.51.100.0/24 in
# this namespace: nothing is sent) is skipped; the next one serves.
map -s 198.51.100.1 -s 192.0.2.1 udp 5006 || fail "unroutable rc $? $(cat "$TMP/err")"
grep -q "server '198.51.100.1': Network is unreachable (skipped)" "$TMP/err" ||
	fail "unroutable: $(cat "$TMP/err")"
[ "$(server)" = 192.0.2.1 ] || fail "unroutable server: $(cat "$TMP/out")"
# Only unroutable addresses: refused.
map -s 198.51.100.1 udp 5007
rc=$?
[ $rc -ne 0 ] || fail "only unroutable: rc 0"
grep -q "no usable server" "$TMP/err" || fail "only unroutable: $(cat "$TMP/err")"

# The daemon holds the mappings made through the DHCP-learnt servers.
n=$(in_ns "$PORTCTL" admin list --socket "$TMP/ctl" --json | jq '.mappings | length')
[ "$n" = 7 ] || fail "portctld holds $n mappings, not 7"
echo "dhcp netns: all checks passed"
