#!/usr/bin/env bash
# Issue 15 item 5: an unprivileged process on the router must not map the
# router's own addresses to the WAN.  Traffic from the router to its own LAN
# address carries the LAN interface index, so the internal-interface check
# alone lets it through.  Here `nobody` on the router asks portctld (nftables
# backend) to map the router's own 192.0.2.1:8022, where a service listens
# on the LAN address only:
#  - IPv4, IPv6 (2001:db8:1::1) and from ::1: NOT_AUTHORIZED, nothing
#    listed, nothing in the kernel, and the WAN host cannot reach the service
#    through the external address;
#  - the same with wildcard listeners (listen 0.0.0.0 and [::] with
#    internal-interface lan0);
#  - NAT-PMP (natpmpc) from the router: refused (result 2);
#  - a LAN host is still served, and its THIRD_PARTY naming the router is
#    refused;
#  - with `allow-self yes` the operator's explicit choice is honoured.
# Usage: e2e_self_mapping_refused.sh NFT_DRIVER PORTCTLD PORTCTL
# shellcheck disable=SC2317 # functions called through check/check_not
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
netns_e2e_args "$@"
netns_need jq setpriv
[ -x "$DRIVER" ] || { echo "SKIP: no nft driver"; exit 77; }

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT
# nobody's state files (nonces) live here.
mkdir "$T/nobody" && chown 65534:65534 "$T/nobody" && chmod 711 "$T"

# The router's own service: on its LAN address only, so the WAN host can
# reach it only through a mapping of the external address.
netns_spawn "$NS_RTR" socat TCP4-LISTEN:8022,bind=192.0.2.1,fork,reuseaddr \
	SYSTEM:'echo ok'
wait_listen "$NS_RTR" 8022 || { echo "router service down"; exit 1; }

# as_nobody_map SERVER [ARGS...]: portctl map tcp 8022 as nobody on the
# router, asking for external port 8022; JSON into $T/out.json.
as_nobody_map() {
	local srv="$1"
	shift
	tool in_rtr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PORTCTL" map -t 4 --state "$T/nobody/st" -j -s "$srv" \
		--suggest 203.0.113.1:8022 "$@" tcp 8022 >"$T/out.json"
}
result() { jq -r .result "$T/out.json" 2>/dev/null; }
refused() { [ "$(result)" = NOT_AUTHORIZED ]; }
granted() { [ "$(result)" = SUCCESS ]; }
# Nothing listed by the daemon, nothing in the kernel's maps.
none_listed() {
	tool "$PORTCTL" admin list --json --socket "$T/ctl.sock" >"$T/list.json" &&
		jq -e '.mappings | length == 0' "$T/list.json" >/dev/null
}
# No element of the kernel's maps and sets names the router's addresses.
kernel_empty() {
	in_rtr nft list table inet portctl >"$T/table" 2>&1 &&
		! grep -Eq "(192\.0\.2\.1|2001:db8:1::1|::1) \. " "$T/table"
}
wan_reaches() { tcp_ok "$NS_EXT" 203.0.113.1 8022; }
stop_daemon() {
	kill "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
}

# ---- specific listen addresses (the end-to-end tests' usual ones) ----
netns_portctld_conf "$T/conf"
check "item 5 setup: portctld starts" netns_start_portctld "$T/conf" "$T/log"
check "item 5 setup: the router's own addresses are known" \
	grep -q "the router's own addresses: [0-9]* (refused)" "$T/log"

as_nobody_map 192.0.2.1
check "item 5: nobody on the router maps 192.0.2.1:8022: NOT_AUTHORIZED (got $(result))" refused
as_nobody_map 2001:db8:1::1
check "item 5: nobody maps [2001:db8:1::1]:8022 (IPv6): NOT_AUTHORIZED (got $(result))" refused
# From ::1 the request arrives on lo, which is not internal: dropped (the
# client gives up, exit 3) if not refused; never granted.
in_rtr setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTCTL" map \
	-t 3 --no-state -j -s 2001:db8:1::1 --source ::1 tcp 8022 >"$T/out.json"
rc=$?
check "item 5: from ::1: refused or unanswered (exit $rc, got $(result))" \
	bash -c "[ $rc = 1 ] || [ $rc = 3 ]"
check_not "item 5: from ::1: not granted" granted
check "item 5: nothing listed" none_listed
check "item 5: nothing in the kernel for the router's addresses" kernel_empty
check_not "item 5: the WAN host does not reach the router's service" wan_reaches

# A LAN host is served as before; its THIRD_PARTY naming the router is not.
tool in_int "$PORTCTL" map -t 4 --no-state -j -s 192.0.2.1 tcp 9000 >"$T/out.json"
check "item 5: a LAN host is still served (got $(result))" granted
stop_daemon

netns_portctld_conf "$T/conf" "third-party-allow 192.0.2.2"
check "item 5 setup: portctld with third-party-allow starts" \
	netns_start_portctld "$T/conf" "$T/log2"
tool in_int "$PORTCTL" map -t 4 --no-state -j -s 192.0.2.1 \
	--third-party 192.0.2.1 tcp 8022 >"$T/out.json"
check "item 5: THIRD_PARTY naming the router: NOT_AUTHORIZED (got $(result))" refused
tool in_int "$PORTCTL" map -t 4 --no-state -j -s 192.0.2.1 \
	--third-party 192.0.2.5 tcp 9001 >"$T/out.json"
check "item 5: THIRD_PARTY naming a LAN host: granted (got $(result))" granted
stop_daemon

# ---- wildcard listeners on the LAN interface ----
netns_portctld_conf "$T/conf"
sed -i -e 's/^listen 192\.0\.2\.1$/listen 0.0.0.0/' \
	-e 's/^listen \[2001:db8:1::1\]$/listen [::]/' "$T/conf"
check "item 5 setup: portctld (wildcard listeners) starts" \
	netns_start_portctld "$T/conf" "$T/log3"
as_nobody_map 192.0.2.1
check "item 5: wildcard: nobody maps 192.0.2.1:8022: NOT_AUTHORIZED (got $(result))" refused
as_nobody_map 2001:db8:1::1
check "item 5: wildcard: nobody maps [2001:db8:1::1]:8022: NOT_AUTHORIZED (got $(result))" refused
if command -v natpmpc >/dev/null; then
	# A port no PCP request above touched: PCP and NAT-PMP refuse each
	# other's mappings, which would pass this for the wrong reason.
	in_rtr setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout 5 natpmpc -g 192.0.2.1 -a 8023 8023 tcp 600 >"$T/natpmpc.out" 2>&1
	cat "$T/natpmpc.out"
	check "item 5: wildcard: NAT-PMP from the router refused (result 2)" \
		grep -qi "not authorized" "$T/natpmpc.out"
fi
check "item 5: wildcard: nothing listed" none_listed
check_not "item 5: wildcard: the WAN host does not reach the router's service" wan_reaches
stop_daemon

# ---- allow-self yes: the operator's explicit choice ----
netns_portctld_conf "$T/conf" "allow-self yes"
check "item 5 setup: portctld (allow-self yes) starts" \
	netns_start_portctld "$T/conf" "$T/log4"
as_nobody_map 192.0.2.1
check "item 5: allow-self yes: the router's own address is mapped (got $(result))" granted
check "item 5: allow-self yes: the WAN host reaches the router's service" wan_reaches
stop_daemon

netns_done
