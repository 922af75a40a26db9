#!/usr/bin/env bash
# The address watcher (dataplane/addrwatch.c) follows the external
# interface: it lists the router's wan0 addresses (global scope only) and
# reports the new list when an address is added or deleted.
# Usage: test_addrwatch.sh /path/to/nft_driver
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DRIVER="${1:?usage: $0 NFT_DRIVER}"

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
OUT="$(mktemp)"
trap 'netns_cleanup; rm -f "$OUT"' EXIT

# watch_until CHANGE...: start the watcher, wait for "ready", run the
# change, and wait (bounded) for the watcher to report and exit.
watch_until() {
	: >"$OUT"
	ip netns exec "$NS_RTR" "$DRIVER" watch wan0 8 >"$OUT" 2>&1 &
	local pid=$! _
	NETNS_PIDS+=("$pid")
	for _ in $(seq 1 50); do
		grep -q ready "$OUT" && break
		sleep 0.1
	done
	"$@"
	wait "$pid"
	local rc=$?
	[ "$rc" -le 1 ] || fail "watcher exited $rc"
	return "$rc"
}

check "watcher reports a change when 203.0.113.9 is added" \
	watch_until ip -n "$NS_RTR" addr add 203.0.113.9/24 dev wan0
check "initial list has wan0's IPv4 address" grep -qx "initial ::ffff:203.0.113.1" "$OUT"
check "initial list has wan0's IPv6 address" grep -qx "initial 2001:db8:2::1" "$OUT"
check_not "initial list leaves out link-local addresses" grep -q "initial fe80" "$OUT"
check_not "initial list leaves out lan0's addresses" grep -q "192.0.2.1" "$OUT"
check "new list has the added address" grep -qx "now ::ffff:203.0.113.9" "$OUT"
check "new list keeps the others" grep -qx "now 2001:db8:2::1" "$OUT"

check "watcher reports a change when 203.0.113.9 is deleted" \
	watch_until ip -n "$NS_RTR" addr del 203.0.113.9/24 dev wan0
check_not "new list lacks the deleted address" grep -qx "now ::ffff:203.0.113.9" "$OUT"
check "new list still has 203.0.113.1" grep -qx "now ::ffff:203.0.113.1" "$OUT"

check "an IPv6 address added is reported" \
	watch_until ip -n "$NS_RTR" addr add 2001:db8:2::9/64 dev wan0 nodad
check "new list has 2001:db8:2::9" grep -qx "now 2001:db8:2::9" "$OUT"

check_not "a change on another interface is not reported (times out)" \
	watch_until ip -n "$NS_RTR" addr add 192.0.2.9/24 dev lan0
check_not "watching a missing interface fails" \
	tool ip netns exec "$NS_RTR" "$DRIVER" watch nosuch0 1

netns_done
